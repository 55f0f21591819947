/* Fuzz target: PostgreSQL logs as collectors deliver them: syslog-wrapped
 * stderr (ingest/pg_syslog.c through pg_stderr.c), the RDS prefix, and
 * CloudNativePG's JSON lines (ingest/cnpg_json.c). The input's first byte
 * picks the reader; every input is also given to ts_syslog_parse alone. */
#include "ingest/ingest_internal.h"
#include "tests/fuzz/fuzz.h"

static const char *const prefixes[] = {
    "%m [%p] %quser=%u,db=%d,app=%a,client=%h ",
    "user=%u,db=%d,app=%a,client=%h ", "%t:%r:%u@%d:[%p]:"};

static int open_wrapped(ts_source **out, int fd, const void *ctx, ts_error *err)
{
    const uint8_t *which = ctx;
    ts_jsonl_mapper m;
    ts_input *in = NULL;
    int rc;

    rc = ts_input_open_fd(&in, fd, 1, "fuzz", err);
    if (rc != 0)
        return rc;
    if (*which % 4 == 3) {
        ts_cnpg_mapper(&m);
        return ts_jsonl_open_input(out, &m, "", in, 4096, err);
    }
    return ts_pg_stderr_open_input(out, prefixes[*which % 4], in, 4096, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_syslog_head w;

    if (size == 0)
        return 0;
    (void)ts_syslog_parse((const char *)data, size, &w);
    ts_fuzz_read_all(data + 1, size - 1, open_wrapped, data);
    return 0;
}
