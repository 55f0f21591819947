/* Opening readers by format name: the public entry point of ingest/. */
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/ingest.h"

static const char *const formats[] = {"pg-stderr",         "mariadb-audit",
                                      "mysql-audit-json",  "percona-audit-json",
                                      "percona-audit-csv", NULL};

const char *const *ts_source_formats(void)
{
    return formats;
}

int ts_source_open_file(ts_source **out, const char *format, const char *config,
                        const char *path, ts_error *err)
{
    *out = NULL;
    if (format == NULL || path == NULL)
        return ts_error_set(err, TS_EINVAL, "a format and a path are needed");
    if (strcmp(format, "pg-stderr") == 0)
        return ts_pg_stderr_open(out, config, path, err);
    if (strcmp(format, "mariadb-audit") == 0)
        return ts_mariadb_audit_open(out, config, path, err);
    if (strcmp(format, "mysql-audit-json") == 0 ||
        strcmp(format, "percona-audit-json") == 0)
        return ts_mysql_json_open(out, format, path, err);
    if (strcmp(format, "percona-audit-csv") == 0)
        return ts_percona_csv_open(out, path, err);
    return ts_error_set(err, TS_EINVAL, "unknown format '%s' (known: %s)",
                        format,
                        "pg-stderr, mariadb-audit, mysql-audit-json, "
                        "percona-audit-json, percona-audit-csv");
}
