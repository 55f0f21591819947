/* Fuzz target: the MySQL Enterprise Audit / Percona JSON reader
 * (ingest/mysql_json.c, my_event.c, my_sql.c) and format detection
 * (my_detect.c, format_detect.c). */
#include "ingest/ingest_internal.h"
#include "tests/fuzz/fuzz.h"

static int open_json(ts_source **out, int fd, const void *ctx, ts_error *err)
{
    return ts_mysql_json_open_fd(out, ctx, fd, 1, "fuzz", 4096, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = NULL, *pfx = NULL;

    ts_fuzz_read_all(data, size, open_json, "mysql-audit-json");
    (void)ts_my_format_detect(data, size);
    (void)ts_format_detect(data, size, NULL, &pfx, &why);
    (void)ts_format_detect(data, size, "%m [%p] ", &pfx, &why);
    return 0;
}
