/* Fuzz target: the PostgreSQL jsonlog reader (ingest/pg_jsonlog.c). */
#include "ingest/ingest_internal.h"
#include "tests/fuzz/fuzz.h"

static int open_jsonlog(ts_source **out, int fd, const void *ctx, ts_error *err)
{
    ts_input *in = NULL;

    (void)ctx;
    if (ts_input_open_fd(&in, fd, 1, "fuzz", err) != 0)
        return -1;
    return ts_pg_jsonlog_open_input(out, in, 4096, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_fuzz_read_all(data, size, open_jsonlog, NULL);
    return 0;
}
