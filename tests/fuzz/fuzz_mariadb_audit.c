/* Fuzz target: the MariaDB server_audit reader (ingest/mariadb_audit.c) and
 * its record splitter (mariadb_record.c), line by line. */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "tests/fuzz/fuzz.h"

static int open_mariadb(ts_source **out, int fd, const void *ctx, ts_error *err)
{
    return ts_mariadb_audit_open_fd(out, ctx, fd, 1, "fuzz", 4096, err);
}

static void check_text(ts_text t, const char *line, size_t len)
{
    if (t.len > 0 && (t.s < line || t.s + t.len > line + len))
        ts_fuzz_fail("a MariaDB field points outside its line");
}

static void split_lines(const uint8_t *data, size_t size)
{
    size_t at = 0;

    while (at < size) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t len = nl != NULL ? (size_t)(nl - (data + at)) : size - at;
        char *line = ts_fuzz_strndup(data + at, len);
        ts_mariadb_record r;
        const char *reason = NULL;

        (void)ts_mariadb_is_head(line, len);
        if (ts_mariadb_record_parse(line, len, &r, &reason) == 0) {
            check_text(r.user, line, len);
            check_text(r.host, line, len);
            check_text(r.object, line, len);
            if (r.object_quoted) {
                char *out = malloc(r.object.len + 1);
                if (out == NULL)
                    ts_fuzz_fail("out of memory");
                if (ts_mariadb_unescape(r.object.s, r.object.len, out) >
                    r.object.len)
                    ts_fuzz_fail("unescaping made a query longer");
                free(out);
            }
        } else if (reason == NULL) {
            ts_fuzz_fail("a refused record has no reason");
        }
        free(line);
        at += len + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* odd sizes as a server at UTC+2 */
    ts_fuzz_read_all(data, size, open_mariadb, (size & 1) ? "+02:00" : NULL);
    split_lines(data, size);
    return 0;
}
