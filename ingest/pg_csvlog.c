/* The PostgreSQL csvlog reader: RFC 4180 records into entries and events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* One record is one csvlog line, newlines inside quoted fields included, so
 * its bytes are exactly the file's. The columns are those of
 * write_csvlog(): 23 up to PostgreSQL 12, 24 in 13 (backend_type), 26 from
 * 14 (leader_pid, query_id); a record says which by its column count.
 *
 * A record whose quoting is broken (an unterminated quote would otherwise
 * swallow the rest of the file) is sealed as one unparsed entry made of
 * its first line and the lines after it that do not start like a csvlog
 * record (a "YYYY-MM-DD HH:MM:SS" time); reading resumes after them. */

enum {
    C_TIME,
    C_USER,
    C_DATABASE,
    C_PID,
    C_FROM,
    C_SESSION,
    C_LINE,
    C_TAG,
    C_START,
    C_VXID,
    C_XID,
    C_SEVERITY,
    C_STATE,
    C_MESSAGE,
    C_DETAIL,
    C_HINT,
    C_IQUERY,
    C_IQUERY_POS,
    C_CONTEXT,
    C_QUERY,
    C_QUERY_POS,
    C_LOCATION,
    C_APPLICATION,
    C_BACKEND_TYPE,
    C_LEADER_PID,
    C_QUERY_ID,
    C_MAX
};

typedef struct csv_source {
    ts_source base;
    ts_rbuf rb;
    size_t limit;
    ts_buf scratch;
    char *name;
    char cut_reason[64];
    char reason[128];
} csv_source;

/* Whether s[0, len) starts like a csvlog record: a log_time. */
static int starts_like_record(const char *s, size_t len)
{
    static const char shape[] = "dddd-dd-dd dd:dd:dd";

    if (len < sizeof(shape) - 1)
        return 0;
    for (size_t i = 0; i < sizeof(shape) - 1; i++) {
        int digit = s[i] >= '0' && s[i] <= '9';
        if (shape[i] == 'd' ? !digit : s[i] != shape[i])
            return 0;
    }
    return 1;
}

/* Finds the end of the record at the buffer's start: the first newline
 * outside quotes, or the end of input. Returns 0 with *end and *open_quote
 * (the input ended inside quotes), 1 when the record is longer than the
 * limit, negative on an error. */
static int scan_record(csv_source *src, size_t *end, int *open_quote,
                       ts_error *err)
{
    ts_rbuf *rb = &src->rb;
    size_t i = 0;
    int inq = 0;

    for (;;) {
        size_t avail = ts_rbuf_avail(rb);
        size_t lim = avail < src->limit ? avail : src->limit;
        const char *d = ts_rbuf_data(rb);
        int rc;

        for (; i < lim; i++) {
            if (d[i] == '"') {
                inq = !inq;
            } else if (d[i] == '\n' && !inq) {
                *end = i + 1;
                *open_quote = 0;
                return 0;
            }
        }
        if (i == src->limit)
            return 1;
        rc = ts_rbuf_fill(rb, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *end = ts_rbuf_avail(rb);
            *open_quote = inq;
            return 0;
        }
    }
}

/* The extent of a broken record: its first line and the lines after it that
 * do not start like a record, within the limit. */
static int resync(csv_source *src, size_t *end, ts_error *err)
{
    ts_rbuf *rb = &src->rb;
    size_t next;
    int rc = ts_rbuf_find_line(rb, 0, src->limit, end, err);

    if (rc != 0)
        return rc; /* 1: a first line over the limit, cut at it */
    while (*end < src->limit) {
        rc = ts_rbuf_find_line(rb, *end, src->limit - *end, &next, err);
        if (rc < 0)
            return rc;
        if (next == *end || rc == 1 ||
            starts_like_record(ts_rbuf_data(rb) + *end, next - *end))
            break;
        *end = next;
    }
    return 0;
}

/* Splits text[0, len) (no final newline) into fields, unquoted into the
 * arena. Returns the number of fields, or -1 with *reason. */
static int split(const char *s, size_t len, ts_arena *arena,
                 const char *field[C_MAX], const char **reason)
{
    const char *end = s + len;
    /* unquoting only shrinks a field: its text and a NUL per field */
    char *o = ts_arena_take(arena, len + C_MAX);
    int n = 0;

    if (o == NULL) {
        *reason = "csvlog record too large to parse in memory";
        return -1;
    }
    for (;;) {
        const char *start = o;

        if (n == C_MAX) {
            *reason = "csvlog record has more than 26 columns";
            return -1;
        }
        if (s < end && *s == '"') {
            s++;
            for (;;) {
                if (s == end) {
                    *reason = "csvlog record: unterminated quoted field";
                    return -1;
                }
                if (*s == '"') {
                    if (s + 1 < end && s[1] == '"') {
                        *o++ = '"';
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                *o++ = *s++;
            }
            if (s < end && *s != ',') {
                *reason = "csvlog record: text after a closing quote";
                return -1;
            }
        } else {
            while (s < end && *s != ',') {
                if (*s == '"') {
                    *reason = "csvlog record: quote inside an unquoted field";
                    return -1;
                }
                *o++ = *s++;
            }
        }
        *o++ = '\0';
        /* empty means "not known" in every column we read */
        field[n++] = start[0] != '\0' ? start : NULL;
        if (s == end)
            return n;
        s++; /* the comma */
    }
}

static int parse_int(const char *s, int64_t *out)
{
    int64_t v = 0;

    if (s == NULL || *s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

/* connection_from: "host:port", or a bare host ("[local]"). */
void ts_pg_connection_from(ts_event *ev, const char *from, ts_arena *arena)
{
    const char *colon;
    size_t i;

    if (from == NULL)
        return;
    colon = strrchr(from, ':');
    if (colon == NULL || colon == from || colon[1] == '\0') {
        ev->client_host = from;
        return;
    }
    for (i = 1; colon[i] != '\0'; i++)
        if (colon[i] < '0' || colon[i] > '9') {
            ev->client_host = from;
            return;
        }
    ev->client_host = ts_arena_strndup(arena, from, (size_t)(colon - from));
    ev->client_port = colon + 1;
}

/* Builds the event of a record whose quoting is sound. Returns 0, or -1
 * when its shape is not a csvlog record (the caller resyncs). */
static int build_event(csv_source *src, ts_event *ev, const char *rec,
                       size_t len, const char **reason)
{
    const char *f[C_MAX];
    ts_arena arena;
    int n;

    if (ts_pg_arena_for(&src->scratch, len, &arena, ev) != 0)
        return 0;
    n = split(rec, ts_text_len(rec, len), &arena, f, reason);
    if (n < 0)
        return -1;
    if (n != 23 && n != 24 && n != 26) {
        if (snprintf(src->reason, sizeof(src->reason),
                     "csvlog record has %d columns (PostgreSQL writes 23, "
                     "24 or 26)",
                     n) < 0)
            src->reason[0] = '\0';
        *reason = src->reason;
        return -1;
    }
    ev->account = f[C_USER];
    ev->database = f[C_DATABASE];
    if (f[C_PID] != NULL && parse_int(f[C_PID], &ev->pid) != 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "csvlog process_id is not a number";
        return 0;
    }
    ts_pg_connection_from(ev, f[C_FROM], &arena);
    ev->session_id = f[C_SESSION];
    if (f[C_LINE] != NULL && parse_int(f[C_LINE], &ev->session_line) != 0)
        ev->session_line = -1;
    ev->sqlstate = f[C_STATE];
    ev->detail = f[C_DETAIL];
    ev->query = f[C_QUERY];
    ev->application = f[C_APPLICATION];
    ts_pg_structured_event(ev, f[C_TIME], f[C_SEVERITY], f[C_MESSAGE], &arena);
    return 0;
}

static int csv_next(ts_source *base, ts_entry *entry, ts_event *ev,
                    ts_error *err)
{
    csv_source *src = (csv_source *)base;
    ts_rbuf *rb = &src->rb;
    const char *reason = NULL;
    size_t end = 0;
    int rc, open_quote = 0;

    rb->started = 1;
    ts_event_init(ev);
    if (ts_rbuf_avail(rb) == 0) {
        rc = ts_rbuf_fill(rb, err);
        if (rc <= 0)
            return rc;
    }
    rc = scan_record(src, &end, &open_quote, err);
    if (rc < 0)
        return rc;
    if (rc == 1)
        reason = "csvlog record exceeds the record limit";
    else if (open_quote)
        reason = "csvlog record: unterminated quoted field (truncated?)";
    else if (!starts_like_record(ts_rbuf_data(rb), end))
        reason = "line does not start with a csvlog time";
    else if (build_event(src, ev, ts_rbuf_data(rb), end, &reason) == 0)
        reason = NULL;
    if (reason != NULL) {
        rc = resync(src, &end, err);
        if (rc < 0)
            return rc;
        ts_event_init(ev);
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = rc == 1 ? src->cut_reason : reason;
    }
    if (rc != 1 && ts_rbuf_hold_last(rb, end))
        return 0;
    ts_rbuf_emit(rb, end, entry);
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
    free(src->name);
    free(src);
}

static const ts_source_ops csv_ops = {csv_next, csv_seek, csv_free};

int ts_pg_csvlog_open_input(ts_source **out, ts_input *in, size_t record_limit,
                            ts_error *err)
{
    csv_source *src;
    int rc;

    *out = NULL;
    src = record_limit >= 64 ? calloc(1, sizeof(*src)) : NULL;
    if (src == NULL) {
        ts_input_free(in);
        if (record_limit < 64)
            return ts_error_set(err, TS_EINVAL, "record limit too small");
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    src->base.ops = &csv_ops;
    src->base.format = "pg-csvlog";
    src->base.config = "";
    src->limit = record_limit;
    ts_buf_init(&src->scratch, 3 * record_limit + 4096);
    rc = ts_rbuf_init(&src->rb, in, record_limit, err);
    src->name = strdup(ts_input_name(in));
    if (rc == 0 && src->name == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    if (rc == 0) {
        src->base.name = src->name;
        if (snprintf(src->cut_reason, sizeof(src->cut_reason),
                     "line exceeds %zu bytes", record_limit) < 0)
            src->cut_reason[0] = '\0';
        rc = ts_rbuf_key(&src->rb, src->base.format, src->base.config,
                         src->base.key, err);
    }
    if (rc != 0) {
        csv_free(&src->base);
        return rc;
    }
    *out = &src->base;
    return 0;
}
