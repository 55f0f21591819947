/* The PostgreSQL stderr log reader: bytes into entries, entries into events. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest_internal.h"
#include "trailseal/time.h"

/* An entry is one prefixed line, its continuation lines (a TAB first) and
 * the DETAIL/HINT/CONTEXT/STATEMENT/... lines of the same message, which
 * PostgreSQL writes in one go after it. Records are exactly the source's
 * bytes and follow each other without gaps, so they add up to the input. */

#define CHUNK ((size_t)1 << 20) /* bytes per read() */
#define PEEK ((size_t)64 << 10) /* most of a line read to see where it goes */
#define KEY_LINE_MAX 4096       /* bytes of the first line in the key */

typedef struct pg_source {
    ts_source base;
    char *name;
    char *config;
    ts_pg_prefix *prefix;
    int has_pid;
    int fd;
    int own_fd;
    int eof;
    int started;
    size_t limit; /* longest record */

    ts_buf in; /* data[pos, len) is read and not yet returned */
    size_t pos;
    uint64_t offset; /* source offset of data[pos] */
    uint64_t line;   /* line number of data[pos] */

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
    return (const char *)src->in.data + src->pos;
}

static size_t avail(const pg_source *src)
{
    return src->in.len - src->pos;
}

/* Reads more input after what is buffered. Returns 1 when it read some,
 * 0 at the end of input, a negative status on an error. Moves the buffered
 * bytes to the front, so callers keep offsets relative to pos. */
static int fill(pg_source *src, ts_error *err)
{
    ssize_t n;
    int rc;

    if (src->eof)
        return 0;
    if (src->pos > 0 && src->in.size - src->in.len <= CHUNK) {
        memmove(src->in.data, src->in.data + src->pos, avail(src));
        src->in.len -= src->pos;
        src->pos = 0;
    }
    rc = ts_buf_reserve(&src->in, CHUNK, err);
    if (rc != 0) {
        ts_error_prefix(err, "reading '%s': ", src->name);
        return rc;
    }
    do {
        n = read(src->fd, src->in.data + src->in.len, CHUNK);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return ts_error_set(err, TS_EIO, "reading '%s': %s", src->name,
                            strerror(errno));
    if (n == 0) {
        src->eof = 1;
        return 0;
    }
    src->in.len += (size_t)n;
    return 1;
}

/* Finds the end of the line that starts at rel (relative to pos): just past
 * its newline, or the end of input. Looks at no more than max bytes: returns
 * 1 with *end = rel + max when the line is longer, else 0; negative on an
 * error. */
static int find_line(pg_source *src, size_t rel, size_t max, size_t *end,
                     ts_error *err)
{
    size_t scanned = rel;

    for (;;) {
        size_t lim = avail(src) - rel > max ? rel + max : avail(src);
        const char *nl = NULL;
        int rc;

        if (lim > scanned)
            nl = memchr(data(src) + scanned, '\n', lim - scanned);
        if (nl != NULL) {
            *end = (size_t)(nl - data(src)) + 1;
            return 0;
        }
        scanned = lim;
        if (lim == rel + max) {
            *end = lim;
            return 1;
        }
        rc = fill(src, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *end = avail(src);
            return 0;
        }
    }
}

/* The length of a line's text: without its newline and a CR before it. */
static size_t text_len(const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '\n') {
        len--;
        if (len > 0 && s[len - 1] == '\r')
            len--;
    }
    return len;
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
    matched = ts_pg_prefix_match(src->prefix, data(src) + rel,
                                 text_len(data(src) + rel, *end - rel), &m);
    if (matched && ts_pg_level_is_attached(m.level) &&
        (!src->has_pid || m.pid == pid))
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

static uint64_t count_lines(const char *s, size_t len)
{
    uint64_t n = 0;
    const char *end = s + len;

    while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        n++;
        s++;
    }
    return n;
}

/* Hands out data[0, len) as the entry and moves past it. */
static void emit(pg_source *src, size_t len, ts_entry *entry)
{
    entry->record = (const uint8_t *)data(src);
    entry->record_len = len;
    entry->position = src->offset;
    entry->end_position = src->offset + len;
    entry->line = src->line;
    entry->end_line = src->line + count_lines(data(src), len);
    entry->observed_us = ts_time_now();
    src->pos += len;
    src->offset += len;
    src->line = entry->end_line;
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
        size_t tlen = text_len(rec + at, end - at);
        const char *text = NULL;
        size_t n = 0;
        ts_pg_match m;

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
        } else if (ts_pg_prefix_match(src->prefix, rec + at, tlen, &m)) {
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
    size_t msg_len, need;

    /* Every string comes from the record once or twice (a value and what
     * the message says about it): three times the record is enough, and
     * reserving it up front keeps handed-out strings from moving. */
    src->scratch.len = 0;
    if (ts_size_mul(len, 3, &need) != 0 ||
        ts_size_add(need, 1024, &need) != 0 ||
        ts_buf_reserve(&src->scratch, need, NULL) != 0) {
        /* the evidence is still sealed; only its meaning is lost */
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "record too large to parse in memory";
        return;
    }
    arena.data = (char *)src->scratch.data;
    arena.len = 0;
    arena.size = src->scratch.size;

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

static int pg_next(ts_source *base, ts_entry *entry, ts_event *ev,
                   ts_error *err)
{
    pg_source *src = (pg_source *)base;
    ts_pg_match head;
    size_t end, next_end;
    int rc, matched, too_long = 0;

    src->started = 1;
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
        matched = ts_pg_prefix_match(
            src->prefix, data(src),
            text_len(data(src), end > PEEK && rc == 1 ? PEEK : end), &head);
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
    if (matched) {
        build_event(src, ev, data(src), end, &head);
    } else {
        ev->unparsed_reason = src->nomatch_reason;
    }
    emit(src, end, entry);
    return 1;
}

/* Skips forward by reading when the input cannot seek (a pipe). */
static int skip_by_reading(pg_source *src, uint64_t skip, ts_error *err)
{
    while (skip > 0) {
        int rc;
        if (avail(src) == 0) {
            rc = fill(src, err);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return ts_error_set(err, TS_EINVAL,
                                    "'%s': the saved position is past the "
                                    "end of the input",
                                    src->name);
        }
        size_t n = avail(src) < skip ? avail(src) : (size_t)skip;
        src->pos += n;
        skip -= n;
    }
    return 0;
}

static int pg_seek(ts_source *base, uint64_t position, uint64_t line,
                   ts_error *err)
{
    pg_source *src = (pg_source *)base;
    uint64_t skip;
    struct stat st;
    int rc = 0;

    if (src->started || position < src->offset)
        return ts_error_set(err, TS_EINVAL,
                            "'%s': seek only forward, before reading",
                            src->name);
    skip = position - src->offset;
    src->ahead_valid = 0;
    if (skip <= avail(src)) {
        src->pos += (size_t)skip;
    } else {
        skip -= avail(src);
        src->pos = src->in.len = 0;
        if (fstat(src->fd, &st) == 0 && S_ISREG(st.st_mode)) {
            off_t cur = lseek(src->fd, 0, SEEK_CUR);
            if (cur < 0 || (uint64_t)st.st_size < (uint64_t)cur ||
                skip > (uint64_t)st.st_size - (uint64_t)cur)
                return ts_error_set(err, TS_EINVAL,
                                    "'%s': the saved position %llu is past "
                                    "the end of the input",
                                    src->name, (unsigned long long)position);
            if (lseek(src->fd, (off_t)skip, SEEK_CUR) < 0)
                return ts_error_set(err, TS_EIO, "seeking in '%s': %s",
                                    src->name, strerror(errno));
        } else {
            rc = skip_by_reading(src, skip, err);
        }
    }
    if (rc == 0) {
        src->offset = position;
        src->line = line;
    }
    return rc;
}

static void pg_free(ts_source *base)
{
    pg_source *src = (pg_source *)base;

    if (src == NULL)
        return;
    if (src->own_fd && src->fd >= 0)
        close(src->fd);
    ts_pg_prefix_free(src->prefix);
    ts_buf_release(&src->in);
    ts_buf_release(&src->scratch);
    free(src->name);
    free(src->config);
    free(src->nomatch_reason);
    free(src);
}

static const ts_source_ops pg_ops = {pg_next, pg_seek, pg_free};

/* Hex SHA-256 of format NUL config NUL first line (up to 4096 bytes with
 * its newline), peeked now and kept buffered for next(). */
static int compute_key(pg_source *src, ts_error *err)
{
    uint8_t digest[TS_SHA256_SIZE];
    size_t end, flen = strlen(src->base.format), clen = strlen(src->config);
    ts_buf key;
    int rc;

    rc = find_line(src, 0, KEY_LINE_MAX, &end, err);
    if (rc < 0)
        return rc;
    ts_buf_init(&key, flen + clen + KEY_LINE_MAX + 8);
    rc = ts_buf_append(&key, src->base.format, flen + 1, err);
    if (rc == 0)
        rc = ts_buf_append(&key, src->config, clen + 1, err);
    if (rc == 0)
        rc = ts_buf_append(&key, data(src), end, err);
    if (rc == 0 && ts_sha256(key.data, key.len, digest) != 0)
        rc = ts_error_set(err, TS_ECRYPTO, "hashing the source key failed");
    if (rc == 0)
        ts_hex_encode(digest, sizeof(digest), src->base.key);
    ts_buf_release(&key);
    return rc;
}

int ts_pg_stderr_open_fd(ts_source **out, const char *prefix, int fd,
                         int own_fd, const char *name, size_t record_limit,
                         ts_error *err)
{
    pg_source *src;
    int rc, n;
    size_t cap;

    *out = NULL;
    src = record_limit >= 2 ? calloc(1, sizeof(*src)) : NULL;
    if (src == NULL) {
        if (own_fd)
            close(fd);
        if (record_limit < 2)
            return ts_error_set(err, TS_EINVAL, "record limit too small");
        return ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'", name);
    }
    src->fd = fd;
    src->own_fd = own_fd;
    src->limit = record_limit;
    src->line = 1;
    /* a record, the line after it being looked at, and a read */
    cap = record_limit + PEEK + 2 * CHUNK + 64;
    ts_buf_init(&src->in, cap);
    ts_buf_init(&src->scratch, 3 * record_limit + 4096);
    /* input is never a NULL pointer, even before the first read */
    rc = ts_buf_reserve(&src->in, CHUNK, err);
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
        rc = compute_key(src, err);
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
    int fd;

    *out = NULL;
    if (prefix == NULL)
        return ts_error_set(err, TS_EINVAL,
                            "format 'pg-stderr' needs the server's "
                            "log_line_prefix");
    if (strcmp(path, "-") == 0)
        return ts_pg_stderr_open_fd(out, prefix, STDIN_FILENO, 0, "-",
                                    TS_PG_RECORD_LIMIT, err);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ts_error_set(err, TS_EIO, "cannot open '%s': %s", path,
                            strerror(errno));
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    return ts_pg_stderr_open_fd(out, prefix, fd, 1, path, TS_PG_RECORD_LIMIT,
                                err);
}
