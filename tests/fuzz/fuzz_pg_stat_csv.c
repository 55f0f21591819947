/* Fuzz target: the pg_stat CSV reader (ingest/pgstat_csv.c, pgstat_row.c). */
#include "ingest/pgstat_internal.h"
#include "tests/fuzz/fuzz.h"

static int open_csv(ts_source **out, int fd, const void *ctx, ts_error *err)
{
    ts_input *in;
    int rc;

    (void)ctx;
    rc = ts_input_open_fd(&in, fd, 1, "fuzz", err);
    if (rc != 0)
        return rc;
    return ts_pgstat_csv_open_input(out, in, 4096, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_fuzz_read_all(data, size, open_csv, NULL);
    return 0;
}
