/* The Percona audit_log CSV reader (audit_log_format=CSV). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* The plugin writes one record per line, every field in double quotes but
 * the status, '"' doubled inside a field and nothing else escaped, so a
 * query with a line break spans lines (audit_log.cc, csv_escape):
 *
 *   "Query","22567_2021-06-30T16:10:09","2021-06-30T16:19:00 UTC","select",
 *     "2",0,"select count(*) from one","root[root] @ localhost []",
 *     "localhost","","",""
 *   "Connect","5_2021-06-29T19:33:03","2021-06-29T19:34:38 UTC","14",0,
 *     "root","root","","","localhost","",""
 *   "Audit","1_2021-06-30T11:56:53","2021-06-30T11:56:53 UTC","8.0.25-15",
 *     "--daemonize ...","x86_64-Linux"
 *
 * An entry is one record: its lines up to the newline that ends it outside
 * quotes. A line that starts like a record ("Name","123_2021-...) while a
 * quote is open ends the record before it, so a cut record costs itself. */

#define MAX_FIELDS 16

typedef struct csv_source {
    ts_source base;
    size_t limit;
    ts_rbuf rb;
    int cut;
    ts_my_conns conns;
    ts_buf scratch;
    char cut_reason[64];
} csv_source;

/* Whether text starts like a record: "Word[ word]","digits_digit. */
static int is_head(const char *s, size_t len)
{
    size_t i = 1;

    if (len < 8 || s[0] != '"')
        return 0;
    while (i < len && i < 34 &&
           ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
            s[i] == ' '))
        i++;
    if (i == 1 || i + 3 >= len || memcmp(s + i, "\",\"", 3) != 0)
        return 0;
    i += 3;
    if (s[i] < '0' || s[i] > '9')
        return 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    return i < len && s[i] == '_';
}

/* Finds the end of the record at the start: 1 with *end, 0 with *end and
 * *reason for a damaged record, 2 when it is longer than the limit,
 * negative on an error. */
static int scan_record(csv_source *src, size_t *end, const char **reason,
                       ts_error *err)
{
    int in_q = 0, rc;

    for (size_t j = 0;; j++) {
        char c;
        if (j >= src->limit)
            return 2;
        rc = ts_rbuf_need(&src->rb, j, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *end = j;
            if (in_q) {
                *reason = "unterminated quoted field";
                return 0;
            }
            return 1;
        }
        c = ts_rbuf_data(&src->rb)[j];
        if (c == '"') {
            in_q = !in_q; /* "" inside a field toggles twice */
        } else if (c == '\n') {
            if (!in_q) {
                *end = j + 1;
                return 1;
            }
            /* a raw line break in a quoted field, or a cut record? */
            size_t e;
            rc = ts_rbuf_find_line(&src->rb, j + 1, 64, &e, err);
            if (rc < 0)
                return rc;
            if (is_head(ts_rbuf_data(&src->rb) + j + 1, e - j - 1)) {
                *end = j + 1;
                *reason = "unterminated quoted field";
                return 0;
            }
        }
    }
}

typedef struct field {
    char *s; /* unquoted, NUL-terminated, in the scratch buffer */
    int quoted;
} field;

/* Splits text[0, len) into fields, unquoting into out (room for len +
 * MAX_FIELDS bytes). Returns the number of fields, or -1. */
static int split(const char *text, size_t len, char *out, field *f)
{
    size_t i = 0;
    int n = 0;

    for (;;) {
        if (n == MAX_FIELDS)
            return -1;
        f[n].s = out;
        f[n].quoted = i < len && text[i] == '"';
        if (f[n].quoted) {
            for (i++;; i++) {
                if (i >= len)
                    return -1;
                if (text[i] == '"') {
                    if (i + 1 < len && text[i + 1] == '"') {
                        *out++ = '"';
                        i++;
                        continue;
                    }
                    i++;
                    break;
                }
                *out++ = text[i];
            }
        } else {
            while (i < len && text[i] != ',')
                *out++ = text[i++];
        }
        *out++ = '\0';
        n++;
        if (i == len)
            return n;
        if (text[i] != ',')
            return -1;
        i++;
    }
}

static const char *opt(const field *f)
{
    return f->s[0] != '\0' ? f->s : NULL;
}

static int64_t num(const field *f)
{
    char *end;
    long long v;

    if (f->s[0] == '\0')
        return -1;
    v = strtoll(f->s, &end, 10);
    return *end == '\0' ? (int64_t)v : -1;
}

static void build_event(csv_source *src, ts_event *ev, const char *text,
                        size_t len)
{
    field f[MAX_FIELDS];
    ts_percona_record r;
    ts_arena arena;
    size_t need;
    char *out;
    int n;

    src->scratch.len = 0;
    if (ts_size_mul(len, 2, &need) != 0 ||
        ts_size_add(need, 1024, &need) != 0 ||
        ts_buf_reserve(&src->scratch, need, NULL) != 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "record too large to parse in memory";
        return;
    }
    arena.data = (char *)src->scratch.data;
    arena.len = 0;
    arena.size = src->scratch.size;
    out = ts_arena_take(&arena, len + MAX_FIELDS);
    n = out != NULL ? split(text, ts_text_len(text, len), out, f) : -1;
    if (n < 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "malformed CSV record";
        return;
    }
    memset(&r, 0, sizeof(r));
    r.connection_id = r.status = -1;
    if (n == 12 && !f[5].quoted && f[4].quoted) {
        /* a general record */
        r.command_class = opt(&f[3]);
        r.connection_id = num(&f[4]);
        r.status = num(&f[5]);
        r.sqltext = opt(&f[6]);
        r.has_sqltext = 1;
        r.user = opt(&f[7]);
        r.host = opt(&f[8]);
        r.ip = opt(&f[10]);
        r.db = opt(&f[11]);
    } else if (n == 12 && !f[4].quoted && f[3].quoted) {
        /* a connection record */
        r.connection_id = num(&f[3]);
        r.status = num(&f[4]);
        r.user = opt(&f[5]);
        r.priv_user = opt(&f[6]);
        r.host = opt(&f[9]);
        r.ip = opt(&f[10]);
        r.db = opt(&f[11]);
    } else if (n != 6) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "not a Percona audit_log CSV record (field "
                              "count or quoting)";
        return;
    }
    r.name = opt(&f[0]);
    r.timestamp = opt(&f[2]);
    ts_percona_event(ev, &r, &src->conns, &arena);
}

static int csv_next(ts_source *base, ts_entry *entry, ts_event *ev,
                    ts_error *err)
{
    csv_source *src = (csv_source *)base;
    const char *reason = NULL;
    size_t end = 0;
    int rc;

    src->rb.started = 1;
    ts_event_init(ev);
    rc = ts_rbuf_need(&src->rb, 0, err);
    if (rc <= 0)
        return rc;
    if (src->cut) {
        rc = ts_rbuf_find_line(&src->rb, 0, src->limit, &end, err);
        if (rc < 0)
            return rc;
        src->cut = rc == 1;
        ev->unparsed_reason = src->cut_reason;
        ts_rbuf_emit(&src->rb, end, entry);
        return 1;
    }
    rc = scan_record(src, &end, &reason, err);
    if (rc < 0)
        return rc;
    if (rc == 2) {
        src->cut = 1;
        ev->unparsed_reason = src->cut_reason;
        ts_rbuf_emit(&src->rb, src->limit, entry);
        return 1;
    }
    if (rc == 1)
        build_event(src, ev, ts_rbuf_data(&src->rb), end);
    else
        ev->unparsed_reason = reason;
    ts_rbuf_emit(&src->rb, end, entry);
    return 1;
}

static int csv_seek(ts_source *base, uint64_t position, uint64_t line,
                    ts_error *err)
{
    return ts_rbuf_seek(&((csv_source *)base)->rb, position, line, err);
}

static void csv_free(ts_source *base)
{
    csv_source *src = (csv_source *)base;

    if (src == NULL)
        return;
    ts_rbuf_release(&src->rb);
    ts_buf_release(&src->scratch);
    ts_my_conns_release(&src->conns);
    free(src);
}

static const ts_source_ops csv_ops = {csv_next, csv_seek, csv_free};

int ts_percona_csv_open_fd(ts_source **out, int fd, int own_fd,
                           const char *name, size_t record_limit, ts_error *err)
{
    ts_input *in;
    int rc;

    *out = NULL;
    rc = ts_input_open_fd(&in, fd, own_fd, name, err);
    if (rc != 0)
        return rc;
    return ts_percona_csv_open_input(out, in, record_limit, err);
}

int ts_percona_csv_open_input(ts_source **out, ts_input *in,
                              size_t record_limit, ts_error *err)
{
    csv_source *src;
    int rc, n;

    *out = NULL;
    src = record_limit >= 16 ? calloc(1, sizeof(*src)) : NULL;
    if (src == NULL) {
        rc = record_limit < 16
                 ? ts_error_set(err, TS_EINVAL, "record limit too small")
                 : ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'",
                                ts_input_name(in));
        ts_input_free(in);
        return rc;
    }
    src->base.ops = &csv_ops;
    src->base.format = "percona-audit-csv";
    src->base.name = ts_input_name(in);
    src->base.config = "";
    src->limit = record_limit;
    ts_buf_init(&src->scratch, 2 * record_limit + 4096);
    rc = ts_rbuf_init(&src->rb, in, record_limit, err);
    n = snprintf(src->cut_reason, sizeof(src->cut_reason),
                 "record exceeds %zu bytes", record_limit);
    if (n < 0)
        src->cut_reason[0] = '\0';
    if (rc == 0)
        rc = ts_rbuf_key(&src->rb, src->base.format, "", src->base.key, err);
    if (rc != 0) {
        csv_free(&src->base);
        return rc;
    }
    *out = &src->base;
    return 0;
}
