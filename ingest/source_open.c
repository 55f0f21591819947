/* Opening readers by format name: the public entry point of ingest/. */
#include <string.h>

#include "ingest/ingest_internal.h"
#include "ingest/pgstat_internal.h"
#include "trailseal/ingest.h"

/* How much of the (decompressed) input --format auto looks at. */
#define DETECT_PEEK ((size_t)64 << 10)

typedef int (*open_input_fn)(ts_source **out, const char *config, ts_input *in,
                             ts_error *err);

static int open_stderr(ts_source **out, const char *config, ts_input *in,
                       ts_error *err)
{
    return ts_pg_stderr_open_input(out, config, in, TS_PG_RECORD_LIMIT, err);
}

static int open_csvlog(ts_source **out, const char *config, ts_input *in,
                       ts_error *err)
{
    (void)config;
    return ts_pg_csvlog_open_input(out, in, TS_PG_RECORD_LIMIT, err);
}

static int open_jsonlog(ts_source **out, const char *config, ts_input *in,
                        ts_error *err)
{
    (void)config;
    return ts_pg_jsonlog_open_input(out, in, TS_PG_RECORD_LIMIT, err);
}

static int open_mariadb(ts_source **out, const char *config, ts_input *in,
                        ts_error *err)
{
    return ts_mariadb_audit_open_input(out, config, in, TS_MARIADB_RECORD_LIMIT,
                                       err);
}

static int open_mysql_json(ts_source **out, const char *config, ts_input *in,
                           ts_error *err)
{
    (void)config;
    return ts_mysql_json_open_input(out, "mysql-audit-json", in,
                                    TS_MARIADB_RECORD_LIMIT, err);
}

static int open_percona_json(ts_source **out, const char *config, ts_input *in,
                             ts_error *err)
{
    (void)config;
    return ts_mysql_json_open_input(out, "percona-audit-json", in,
                                    TS_MARIADB_RECORD_LIMIT, err);
}

static int open_percona_csv(ts_source **out, const char *config, ts_input *in,
                            ts_error *err)
{
    (void)config;
    return ts_percona_csv_open_input(out, in, TS_MARIADB_RECORD_LIMIT, err);
}

static int open_proxy(ts_source **out, const ts_jsonl_mapper *m,
                      const char *config, ts_input *in, ts_error *err)
{
    return ts_jsonl_open_input(out, m, config, in, TS_PG_RECORD_LIMIT, err);
}

static int open_teleport(ts_source **out, const char *config, ts_input *in,
                         ts_error *err)
{
    ts_jsonl_mapper m;

    (void)config;
    ts_teleport_mapper(&m);
    return open_proxy(out, &m, "", in, err);
}

static int open_hoop(ts_source **out, const char *config, ts_input *in,
                     ts_error *err)
{
    ts_jsonl_mapper m;

    (void)config;
    ts_hoop_mapper(&m);
    return open_proxy(out, &m, "", in, err);
}

static int open_rds_das(ts_source **out, const char *config, ts_input *in,
                        ts_error *err)
{
    ts_jsonl_mapper m;

    (void)config;
    ts_rds_das_mapper(&m);
    return open_proxy(out, &m, "", in, err);
}

static int open_cnpg(ts_source **out, const char *config, ts_input *in,
                     ts_error *err)
{
    ts_jsonl_mapper m;

    (void)config;
    ts_cnpg_mapper(&m);
    return open_proxy(out, &m, "", in, err);
}

static int open_generic(ts_source **out, const char *config, ts_input *in,
                        ts_error *err)
{
    ts_jsonl_mapper m;
    int rc = ts_generic_mapper(&m, config, err);

    if (rc != 0) {
        ts_input_free(in);
        return rc;
    }
    return open_proxy(out, &m, config, in, err);
}

static int open_pgstat(ts_source **out, const char *config, ts_input *in,
                       ts_error *err)
{
    (void)config;
    return ts_pgstat_csv_open_input(out, in, TS_PG_RECORD_LIMIT, err);
}

/* One line per format. */
static const struct format {
    const char *name;
    open_input_fn open;
} table[] = {
    {"pg-stderr", open_stderr},
    {"pg-csvlog", open_csvlog},
    {"pg-jsonlog", open_jsonlog},
    {"mariadb-audit", open_mariadb},
    {"mysql-audit-json", open_mysql_json},
    {"percona-audit-json", open_percona_json},
    {"percona-audit-csv", open_percona_csv},
    {"teleport-audit", open_teleport},
    {"hoop-audit", open_hoop},
    {"rds-das", open_rds_das},
    {"generic-jsonl", open_generic},
    {"cnpg-json", open_cnpg},
    {"pg-stat-csv", open_pgstat},
};

#define N_FORMATS (sizeof(table) / sizeof(table[0]))

static const char *const formats[] = {"pg-stderr",
                                      "pg-csvlog",
                                      "pg-jsonlog",
                                      "mariadb-audit",
                                      "mysql-audit-json",
                                      "percona-audit-json",
                                      "percona-audit-csv",
                                      "teleport-audit",
                                      "hoop-audit",
                                      "rds-das",
                                      "generic-jsonl",
                                      "cnpg-json",
                                      "pg-stat-csv",
                                      "auto",
                                      NULL};

#define KNOWN_FORMATS                                                          \
    "auto, pg-stderr, pg-csvlog, pg-jsonlog, mariadb-audit, "                  \
    "mysql-audit-json, percona-audit-json, percona-audit-csv, "                \
    "teleport-audit, hoop-audit, rds-das, generic-jsonl, cnpg-json, "          \
    "pg-stat-csv"

const char *const *ts_source_formats(void)
{
    return formats;
}

static const struct format *find_format(const char *name)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

/* "postgresql.log.1", "server_audit.log.12": logrotate's names of files
 * it will not write again. */
static int rotated_name(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');

    if (dot == NULL || dot[1] == '\0' || (slash != NULL && slash > dot))
        return 0;
    for (const char *c = dot + 1; *c != '\0'; c++)
        if (*c < '0' || *c > '9')
            return 0;
    return 1;
}

int ts_source_open_file(ts_source **out, const char *format, const char *config,
                        const char *path, ts_error *err)
{
    return ts_source_open_file_flags(out, format, config, path, 0, err);
}

int ts_source_open_file_flags(ts_source **out, const char *format,
                              const char *config, const char *path,
                              unsigned flags, ts_error *err)
{
    uint64_t held = 0;
    const struct format *f = NULL;
    ts_input *in = NULL;
    int rc;

    *out = NULL;
    if (format == NULL || path == NULL)
        return ts_error_set(err, TS_EINVAL, "a format and a path are needed");
    if (strcmp(format, "auto") != 0) {
        f = find_format(format);
        if (f == NULL)
            return ts_error_set(
                err, TS_EINVAL,
                "unknown format '%s' (known: " KNOWN_FORMATS ")", format);
        if (strcmp(format, "pg-stderr") == 0 && config == NULL)
            return ts_error_set(err, TS_EINVAL,
                                "format 'pg-stderr' needs the server's "
                                "log_line_prefix");
    }
    rc = ts_input_open(&in, path, err);
    if (rc != 0)
        return rc;
    /* standard input is over at its end, even when it is a file */
    if ((flags & TS_SOURCE_GROWING) && strcmp(path, "-") != 0 &&
        !rotated_name(path)) {
        rc = ts_input_hold_partial(in, err);
        if (rc != 0) {
            ts_input_free(in);
            return rc;
        }
        held = ts_input_held(in);
    }
    if (f == NULL) {
        const uint8_t *head;
        const char *name = NULL, *why = NULL;
        size_t len;

        rc = ts_input_peek(in, DETECT_PEEK, &head, &len, err);
        /* proxies first: their keys are their own */
        if (rc == 0)
            name = ts_proxy_format_detect(head, len);
        if (rc == 0 && name == NULL && ts_pgstat_detect(head, len))
            name = "pg-stat-csv";
        /* MySQL-family next: their JSON also starts {"timestamp" */
        if (rc == 0 && name == NULL)
            name = ts_my_format_detect(head, len);
        if (name != NULL)
            config = NULL; /* a prefix is PostgreSQL's; MariaDB runs in UTC */
        if (rc == 0 && name == NULL)
            name = ts_format_detect(head, len, config, &config, &why);
        if (rc == 0 && name == NULL)
            rc = ts_error_set(err, TS_EINVAL, "'%s': %s", path, why);
        if (rc != 0) {
            ts_input_free(in);
            return rc;
        }
        f = find_format(name);
    }
    rc = f->open(out, config, in, err);
    if (rc == 0)
        (*out)->held = held;
    return rc;
}
