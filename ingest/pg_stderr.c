/* The PostgreSQL stderr log reader: bytes into entries, entries into events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/time.h"

/* An entry is one prefixed line, its continuation lines (a TAB first) and
 * the DETAIL/HINT/CONTEXT/STATEMENT/... lines of the same message, which
 * PostgreSQL writes in one go after it. Records are exactly the source's
 * bytes and follow each other without gaps, so they add up to the input. */

#define PEEK ((size_t)64 << 10) /* most of a line read to see where it goes */

typedef struct pg_source {
    ts_source base;
    char *name;
    char *config;
    ts_pg_prefix *prefix;
    int has_pid;
    int has_session; /* the prefix has %c */

    /* Without %c, each backend's session id is made from its pid and the
     * time its "connection received" line (or its first line) says. */
    ts_my_conns backends; /* pid -> start */
    char session[40];     /* the current event's made session id */
    size_t limit;         /* longest record */
    ts_rbuf rb;           /* the input, read ahead */

    /* The line after the last record, already matched while deciding it
     * was not part of that record. */
    int ahead_valid;
    int ahead_matched;
    size_t ahead_end;
    ts_pg_match ahead;

    /* A record longer than the limit is returned in pieces. */
    int cut;
    int cut_midline;
    int cut_parsed;
    int64_t cut_pid;

    ts_buf scratch; /* event strings, reused by every next() */
    char *nomatch_reason;
    char cut_reason[64];
} pg_source;

static const char *data(const pg_source *src)
{
    return ts_rbuf_data(&src->rb);
}

static size_t avail(const pg_source *src)
{
    return ts_rbuf_avail(&src->rb);
}

static int fill(pg_source *src, ts_error *err)
{
    return ts_rbuf_fill(&src->rb, err);
}

static int find_line(pg_source *src, size_t rel, size_t max, size_t *end,
                     ts_error *err)
{
    return ts_rbuf_find_line(&src->rb, rel, max, end, err);
}

/* Moves a match made on the part of a line after a syslog header to the
 * whole line's offsets, and takes what the header says that the prefix
 * did not. */
static void shift_match(ts_pg_match *m, const ts_syslog_head *w)
{
    for (int i = 0; i < TS_PGF_COUNT; i++)
        m->field[i].off += w->body_off;
    m->prefix_len += w->body_off;
    m->message_off += w->body_off;
    if (m->pid < 0)
        m->pid = w->pid;
    if (m->time_us == TS_UNKNOWN_TIME)
        m->time_us = w->time_us;
}

/* Matches a line against the prefix, plain or wrapped by syslog (then
 * *w says where the server's line starts; w->body_off is 0 otherwise).
 * A wrapped line that does not match may still continue a message. */
static int match_line(const pg_source *src, const char *line, size_t len,
                      ts_pg_match *m, ts_syslog_head *w)
{
    w->body_off = 0;
    w->chunk = 0;
    w->pid = -1;
    if (ts_pg_prefix_match(src->prefix, line, len, m))
        return 1;
    if (!ts_syslog_parse(line, len, w))
        return 0;
    if (!ts_pg_prefix_match(src->prefix, line + w->body_off, len - w->body_off,
                            m))
        return 0;
    /* a later line of a message is its DETAIL, STATEMENT, ... or text */
    if (w->chunk > 1 && !ts_pg_level_is_attached(m->level))
        return 0;
    shift_match(m, w);
    return 1;
}

/* Whether a wrapped line that did not match continues the message of
 * process pid: a later chunk of it, or a TAB (rsyslog writes "#011"). */
static int wrapped_continuation(const char *line, size_t len,
                                const ts_syslog_head *w, int64_t pid)
{
    const char *body = line + w->body_off;
    size_t n = len - w->body_off;

    if (w->body_off == 0 || (pid >= 0 && w->pid >= 0 && w->pid != pid))
        return 0;
    return w->chunk > 1 || (n > 0 && body[0] == '\t') ||
           (n >= 4 && memcmp(body, "#011", 4) == 0);
}

/* Whether the line at rel belongs to the record before it: a continuation
 * line, or a DETAIL/STATEMENT/... line of the same process. room is what
 * the record may still grow by. Returns 1 (with *end and *too_long: the
 * line does not fit in room), 0 when it does not belong or at the end of
 * input, a negative status on an error. */
static int belongs(pg_source *src, size_t rel, size_t room, int parsed,
                   int64_t pid, size_t *end, int *too_long, ts_error *err)
{
    ts_pg_match m;
    ts_syslog_head w;
    int rc, matched;
    char first;

    src->ahead_valid = 0;
    if (rel == avail(src)) {
        rc = fill(src, err);
        if (rc <= 0)
            return rc;
    }
    first = data(src)[rel];
    if (first != '\t' && !parsed)
        return 0;
    rc = find_line(src, rel, room > PEEK ? room : PEEK, end, err);
    if (rc < 0)
        return rc;
    *too_long = rc == 1 || *end - rel > room;
    if (first == '\t')
        return 1;
    matched = match_line(src, data(src) + rel,
                         ts_text_len(data(src) + rel, *end - rel), &m, &w);
    if (matched && ts_pg_level_is_attached(m.level) &&
        (m.pid == pid || (!src->has_pid && (m.pid < 0 || pid < 0))))
        return 1;
    if (!matched &&
        wrapped_continuation(data(src) + rel,
                             ts_text_len(data(src) + rel, *end - rel), &w, pid))
        return 1;
    if (rc == 0 && *end - rel <= src->limit) {
        /* the next record's head: keep the work done on it */
        src->ahead_valid = 1;
        src->ahead_matched = matched;
        src->ahead_end = *end - rel;
        src->ahead = m;
    }
    return 0;
}

static void emit(pg_source *src, size_t len, ts_entry *entry)
{
    ts_rbuf_emit(&src->rb, len, entry);
}

/* Lines of a record longer than the limit: pieces of at most the limit,
 * cut inside a line only when that line alone is longer. */
static int next_piece(pg_source *src, ts_entry *entry, ts_event *ev,
                      ts_error *err)
{
    size_t end = 0, next_end;
    int rc, too_long = 0;

    if (src->cut_midline) {
        rc = find_line(src, 0, src->limit, &end, err);
        if (rc < 0)
            return rc;
        src->cut_midline = rc == 1;
    } else {
        rc = belongs(src, 0, src->limit, src->cut_parsed, src->cut_pid, &end,
                     &too_long, err);
        if (rc <= 0) {
            src->cut = 0;
            return rc; /* 0: the record is over; the caller reads on */
        }
        if (too_long) {
            end = src->limit;
            src->cut_midline = 1;
        }
    }
    while (!src->cut_midline) {
        rc = belongs(src, end, src->limit - end, src->cut_parsed, src->cut_pid,
                     &next_end, &too_long, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            src->cut = 0;
            break;
        }
        if (too_long)
            break;
        end = next_end;
    }
    ev->kind = TS_EVENT_UNPARSED;
    ev->unparsed_reason = src->cut_reason;
    emit(src, end, entry);
    return 1;
}

/* Copies a prefix value into the event when it says something. */
static const char *said(const char *line, const ts_pg_span *span,
                        ts_arena *arena)
{
    if (!ts_pg_span_said(line, span))
        return NULL;
    return ts_arena_strndup(arena, line + span->off, span->len);
}

static void prefix_fields(ts_event *ev, const char *line, const ts_pg_match *m,
                          ts_arena *arena)
{
    const ts_pg_span *f = m->field;

    ev->time_us = m->time_us;
    ev->pid = m->pid;
    ev->session_line = m->session_line;
    ev->severity = ts_pg_level_name(m->level);
    ev->session_id = said(line, &f[TS_PGF_SESSION], arena);
    ev->account = said(line, &f[TS_PGF_USER], arena);
    ev->database = said(line, &f[TS_PGF_DATABASE], arena);
    ev->application = said(line, &f[TS_PGF_APPLICATION], arena);
    ev->sqlstate = said(line, &f[TS_PGF_SQLSTATE], arena);
    ev->client_host = said(line, &f[TS_PGF_HOST], arena);
    if (ts_pg_span_said(line, &f[TS_PGF_REMOTE])) {
        /* host(port), or a bare host for Unix sockets: "[local]" */
        const char *s = line + f[TS_PGF_REMOTE].off;
        size_t n = f[TS_PGF_REMOTE].len, h = n;
        if (s[n - 1] == ')') {
            while (h > 0 && s[h - 1] != '(')
                h--;
            if (h > 1) {
                ev->client_port = ts_arena_strndup(arena, s + h, n - h - 1);
                h--;
            } else {
                h = n;
            }
        }
        if (ev->client_host == NULL)
            ev->client_host = ts_arena_strndup(arena, s, h);
    }
}

/* Ends the string being written at the arena's end. */
static void terminate(ts_arena *arena)
{
    char *nul = ts_arena_take(arena, 1);

    if (nul != NULL)
        *nul = '\0';
}

/* Appends a wrapped continuation line's text: a TAB ("#011" from rsyslog)
 * starts a new line of the message, anything else is the rest of a line
 * PostgreSQL split at its syslog line limit. */
static void wrapped_text(ts_arena *arena, const char *s, size_t n)
{
    char *d;

    if (n > 0 && s[0] == '\t') {
        s++;
        n--;
    } else if (n >= 4 && memcmp(s, "#011", 4) == 0) {
        s += 4;
        n -= 4;
    } else {
        d = ts_arena_take(arena, n);
        if (d != NULL)
            memcpy(d, s, n);
        return;
    }
    d = ts_arena_take(arena, n + 1);
    if (d != NULL) {
        d[0] = '\n';
        memcpy(d + 1, s, n);
    }
}

/* Where the text of a part of the message goes. */
enum { PART_MESSAGE, PART_DETAIL, PART_QUERY, PART_NONE };

/* Joins the text of every part of the record (a line's text after its
 * level, and its continuation lines without their TAB) into the arena and
 * points the event at the message, DETAIL and STATEMENT parts, noting the
 * last line's %l. */
static void message_parts(pg_source *src, ts_event *ev, const char *rec,
                          size_t len, const ts_pg_match *head, ts_arena *arena,
                          const char **msg, size_t *msg_len)
{
    const char **targets[] = {msg, &ev->detail, &ev->query, NULL};
    char *part = NULL;
    int kind = PART_NONE;
    size_t at = 0;

    *msg = NULL;
    *msg_len = 0;
    while (at < len) {
        const char *nl = memchr(rec + at, '\n', len - at);
        size_t end = nl != NULL ? (size_t)(nl - rec) + 1 : len;
        size_t tlen = ts_text_len(rec + at, end - at);
        const char *text = NULL;
        size_t n = 0;
        ts_pg_match m;
        ts_syslog_head w;

        if (at == 0) {
            kind = PART_MESSAGE;
            text = rec + head->message_off;
            n = tlen - head->message_off;
        } else if (rec[at] == '\t') {
            if (kind != PART_NONE && part != NULL) {
                char *d = ts_arena_take(arena, tlen);
                if (d != NULL) {
                    d[0] = '\n';
                    memcpy(d + 1, rec + at + 1, tlen - 1);
                }
            }
        } else if (!match_line(src, rec + at, tlen, &m, &w)) {
            if (w.body_off > 0 && kind != PART_NONE && part != NULL)
                wrapped_text(arena, rec + at + w.body_off, tlen - w.body_off);
        } else {
            kind = m.level == TS_PGL_DETAIL && ev->detail == NULL ? PART_DETAIL
                   : m.level == TS_PGL_STATEMENT && ev->query == NULL
                       ? PART_QUERY
                       : PART_NONE;
            text = rec + at + m.message_off;
            n = tlen - m.message_off;
            if (m.session_line >= 0)
                ev->session_line_last = m.session_line;
        }
        if (text != NULL) {
            /* a new part: close the one before */
            if (part != NULL)
                terminate(arena);
            part = NULL;
            if (kind != PART_NONE) {
                part = ts_arena_take(arena, n);
                if (part != NULL)
                    memcpy(part, text, n);
                *targets[kind] = part;
            }
        }
        at = end;
        if (kind == PART_MESSAGE && part != NULL)
            *msg_len = (size_t)(arena->data + arena->len - part);
    }
    if (part != NULL)
        terminate(arena);
}

static int is_state_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

/* log_error_verbosity=verbose writes "SQLSTATE: " before the message. */
static const char *verbose_sqlstate(ts_event *ev, const char *msg, size_t *len,
                                    ts_arena *arena)
{
    int digit = 0;

    if (*len < 7 || msg[5] != ':' || msg[6] != ' ')
        return msg;
    for (int i = 0; i < 5; i++) {
        if (!is_state_char(msg[i]))
            return msg;
        digit |= msg[i] >= '0' && msg[i] <= '9';
    }
    /* every SQLSTATE has a digit; "AUDIT: " does not */
    if (!digit)
        return msg;
    if (ev->sqlstate == NULL)
        ev->sqlstate = ts_arena_strndup(arena, msg, 5);
    *len -= 7;
    return msg + 7;
}

static void build_event(pg_source *src, ts_event *ev, const char *rec,
                        size_t len, const ts_pg_match *head)
{
    ts_arena arena;
    const char *msg;
    size_t msg_len;

    /* the evidence is still sealed when this fails; only its meaning is
     * lost */
    if (ts_pg_arena_for(&src->scratch, len, &arena, ev) != 0)
        return;

    prefix_fields(ev, rec, head, &arena);
    message_parts(src, ev, rec, len, head, &arena, &msg, &msg_len);
    if (msg == NULL) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "record too large to parse in memory";
        return;
    }
    if (!ts_pg_level_is_attached(head->level))
        msg = verbose_sqlstate(ev, msg, &msg_len, &arena);
    ev->message = msg;
    ts_pg_classify(ev, head->level, msg, msg_len, &arena);
}

/* A prefix without %c: the session is the backend, from the line saying
 * its connection was received (or the first line of its pid, for a log
 * that starts mid-session) to its disconnection, named as PostgreSQL's %c
 * names it: the start second and the pid in hexadecimal. The start second
 * is the first line's, so it may differ by one from the server's own %c; a
 * session spanning two ingest runs gets a second id in the second run. */
static void derive_session(pg_source *src, ts_event *ev)
{
    int64_t start;

    if (ev->pid < 0 || ev->session_id != NULL)
        return;
    if (ev->kind == TS_EVENT_CONNECTION_RECEIVED ||
        !ts_my_conns_get(&src->backends, ev->pid, &start)) {
        if (ev->time_us == TS_UNKNOWN_TIME)
            return;
        ts_my_conns_put(&src->backends, ev->pid, ev->time_us);
        start = ev->time_us;
    }
    snprintf(src->session, sizeof(src->session), "%llx.%llx",
             (unsigned long long)(start >= 0 ? start / 1000000 : 0),
             (unsigned long long)ev->pid);
    ev->session_id = src->session;
    if (ev->kind == TS_EVENT_DISCONNECTION)
        ts_my_conns_remove(&src->backends, ev->pid);
}

static int pg_next(ts_source *base, ts_entry *entry, ts_event *ev,
                   ts_error *err)
{
    pg_source *src = (pg_source *)base;
    ts_pg_match head;
    size_t end, next_end;
    int rc, matched, too_long = 0;

    src->rb.started = 1;
    ts_event_init(ev);
    if (avail(src) == 0) {
        rc = fill(src, err);
        if (rc <= 0)
            return rc;
    }
    if (src->cut) {
        rc = next_piece(src, entry, ev, err);
        if (rc != 0)
            return rc;
        if (avail(src) == 0)
            return 0;
    }
    if (src->ahead_valid) {
        end = src->ahead_end;
        matched = src->ahead_matched;
        head = src->ahead;
        src->ahead_valid = 0;
    } else {
        rc = find_line(src, 0, src->limit, &end, err);
        if (rc < 0)
            return rc;
        ts_syslog_head w;
        matched = match_line(
            src, data(src),
            ts_text_len(data(src), end > PEEK && rc == 1 ? PEEK : end), &head,
            &w);
        if (rc == 1) {
            src->cut = src->cut_midline = 1;
            src->cut_parsed = matched;
            src->cut_pid = head.pid;
            ev->unparsed_reason = src->cut_reason;
            emit(src, end, entry);
            return 1;
        }
    }
    for (;;) {
        rc = belongs(src, end, src->limit - end, matched, head.pid, &next_end,
                     &too_long, err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        if (too_long) {
            src->cut = 1;
            src->cut_midline = 0;
            src->cut_parsed = matched;
            src->cut_pid = head.pid;
            ev->unparsed_reason = src->cut_reason;
            emit(src, end, entry);
            return 1;
        }
        end = next_end;
    }
    if (ts_rbuf_hold_last(&src->rb, end))
        return 0; /* its DETAIL or STATEMENT lines may follow */
    if (matched) {
        build_event(src, ev, data(src), end, &head);
        if (!src->has_session && src->has_pid)
            derive_session(src, ev);
    } else {
        ev->unparsed_reason = src->nomatch_reason;
    }
    emit(src, end, entry);
    return 1;
}

static int pg_seek(ts_source *base, uint64_t position, uint64_t line,
                   ts_error *err)
{
    pg_source *src = (pg_source *)base;

    src->ahead_valid = 0;
    ts_my_conns_release(&src->backends);
    return ts_rbuf_seek(&src->rb, position, line, err);
}

static void pg_free(ts_source *base)
{
    pg_source *src = (pg_source *)base;

    if (src == NULL)
        return;
    ts_pg_prefix_free(src->prefix);
    ts_my_conns_release(&src->backends);
    ts_rbuf_release(&src->rb);
    ts_buf_release(&src->scratch);
    free(src->name);
    free(src->config);
    free(src->nomatch_reason);
    free(src);
}

static const ts_source_ops pg_ops = {pg_next, pg_seek, pg_free};

int ts_pg_stderr_open_fd(ts_source **out, const char *prefix, int fd,
                         int own_fd, const char *name, size_t record_limit,
                         ts_error *err)
{
    ts_input *in;
    int rc;

    *out = NULL;
    rc = ts_input_open_fd(&in, fd, own_fd, name, err);
    if (rc != 0)
        return rc;
    return ts_pg_stderr_open_input(out, prefix, in, record_limit, err);
}

int ts_pg_stderr_open_input(ts_source **out, const char *prefix, ts_input *in,
                            size_t record_limit, ts_error *err)
{
    const char *name = ts_input_name(in);
    pg_source *src;
    int rc, n;

    *out = NULL;
    src = record_limit >= 2 && prefix != NULL ? calloc(1, sizeof(*src)) : NULL;
    if (src == NULL) {
        if (prefix == NULL)
            rc = ts_error_set(err, TS_EINVAL,
                              "format 'pg-stderr' needs the server's "
                              "log_line_prefix");
        else if (record_limit < 2)
            rc = ts_error_set(err, TS_EINVAL, "record limit too small");
        else
            rc = ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'",
                              name);
        ts_input_free(in); /* name is gone from here on */
        return rc;
    }
    src->limit = record_limit;
    ts_buf_init(&src->scratch, 3 * record_limit + 4096);
    rc = ts_rbuf_init(&src->rb, in, record_limit, err);
    if (rc != 0)
        goto fail;
    src->base.ops = &pg_ops;
    src->base.format = "pg-stderr";
    src->name = strdup(name);
    src->config = strdup(prefix);
    n = snprintf(NULL, 0, "line does not match log_line_prefix '%s'", prefix);
    src->nomatch_reason = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (src->name == NULL || src->config == NULL ||
        src->nomatch_reason == NULL) {
        rc = ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'", name);
        goto fail;
    }
    if (snprintf(src->nomatch_reason, (size_t)n + 1,
                 "line does not match log_line_prefix '%s'", prefix) < 0)
        src->nomatch_reason[0] = '\0';
    if (record_limit % ((size_t)1 << 20) == 0)
        n = snprintf(src->cut_reason, sizeof(src->cut_reason),
                     "record exceeds %zu MiB", record_limit >> 20);
    else
        n = snprintf(src->cut_reason, sizeof(src->cut_reason),
                     "record exceeds %zu bytes", record_limit);
    if (n < 0)
        src->cut_reason[0] = '\0';
    src->base.name = src->name;
    src->base.config = src->config;
    rc = ts_pg_prefix_compile(&src->prefix, prefix, err);
    if (rc == 0) {
        src->has_pid = ts_pg_prefix_has(src->prefix, TS_PGF_PID);
        src->has_session = ts_pg_prefix_has(src->prefix, TS_PGF_SESSION);
        rc = ts_rbuf_key(&src->rb, src->base.format, src->config, src->base.key,
                         err);
    }
    if (rc != 0)
        goto fail;
    *out = &src->base;
    return 0;
fail:
    pg_free(&src->base);
    return rc;
}

int ts_pg_stderr_open(ts_source **out, const char *prefix, const char *path,
                      ts_error *err)
{
    ts_input *in;
    int rc;

    *out = NULL;
    if (prefix == NULL)
        return ts_error_set(err, TS_EINVAL,
                            "format 'pg-stderr' needs the server's "
                            "log_line_prefix");
    rc = ts_input_open(&in, path, err);
    if (rc != 0)
        return rc;
    return ts_pg_stderr_open_input(out, prefix, in, TS_PG_RECORD_LIMIT, err);
}
