/* Fuzz target: the proxy JSON-lines readers (ingest/teleport_audit.c,
 * hoop_audit.c, rds_das.c over proxy_jsonl.c). The input's first byte picks
 * the format; RDS records also exercise splitting one line into several
 * entries. */
#include "ingest/ingest_internal.h"
#include "tests/fuzz/fuzz.h"

static int open_proxy(ts_source **out, int fd, const void *ctx, ts_error *err)
{
    const uint8_t *which = ctx;
    ts_jsonl_mapper m;
    ts_input *in = NULL;
    int rc;

    if (*which % 3 == 0)
        ts_teleport_mapper(&m);
    else if (*which % 3 == 1)
        ts_hoop_mapper(&m);
    else
        ts_rds_das_mapper(&m);
    rc = ts_input_open_fd(&in, fd, 1, "fuzz", err);
    if (rc != 0)
        return rc;
    return ts_jsonl_open_input(out, &m, "", in, 4096, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    ts_fuzz_read_all(data + 1, size - 1, open_proxy, data);
    return 0;
}
