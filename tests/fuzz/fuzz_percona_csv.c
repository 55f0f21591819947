/* Fuzz target: the Percona audit_log CSV reader (ingest/percona_csv.c). */
#include "ingest/ingest_internal.h"
#include "tests/fuzz/fuzz.h"

static int open_csv(ts_source **out, int fd, const void *ctx, ts_error *err)
{
    (void)ctx;
    return ts_percona_csv_open_fd(out, fd, 1, "fuzz", 4096, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_fuzz_read_all(data, size, open_csv, NULL);
    return 0;
}
