/* Opening readers by format name: the public entry point of ingest/. */
#include <string.h>

#include "ingest/ingest_internal.h"
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

/* One line per format. */
static const struct format {
    const char *name;
    open_input_fn open;
} table[] = {
    {"pg-stderr", open_stderr},
    {"pg-csvlog", open_csvlog},
    {"pg-jsonlog", open_jsonlog},
};

#define N_FORMATS (sizeof(table) / sizeof(table[0]))

static const char *const formats[] = {"pg-stderr", "pg-csvlog", "pg-jsonlog",
                                      "auto", NULL};

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

int ts_source_open_file(ts_source **out, const char *format, const char *config,
                        const char *path, ts_error *err)
{
    const struct format *f = NULL;
    ts_input *in = NULL;
    int rc;

    *out = NULL;
    if (format == NULL || path == NULL)
        return ts_error_set(err, TS_EINVAL, "a format and a path are needed");
    if (strcmp(format, "auto") != 0) {
        f = find_format(format);
        if (f == NULL)
            return ts_error_set(err, TS_EINVAL,
                                "unknown format '%s' (known: auto, pg-stderr, "
                                "pg-csvlog, pg-jsonlog)",
                                format);
        if (strcmp(format, "pg-stderr") == 0 && config == NULL)
            return ts_error_set(err, TS_EINVAL,
                                "format 'pg-stderr' needs the server's "
                                "log_line_prefix");
    }
    rc = ts_input_open(&in, path, err);
    if (rc != 0)
        return rc;
    if (f == NULL) {
        const uint8_t *head;
        const char *name, *why;
        size_t len;

        rc = ts_input_peek(in, DETECT_PEEK, &head, &len, err);
        name = rc == 0 ? ts_format_detect(head, len, config, &why) : NULL;
        if (rc == 0 && name == NULL)
            rc = ts_error_set(err, TS_EINVAL, "'%s': %s", path, why);
        if (rc != 0) {
            ts_input_free(in);
            return rc;
        }
        f = find_format(name);
    }
    return f->open(out, config, in, err);
}
