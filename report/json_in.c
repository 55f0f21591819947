/* JSON read a piece at a time from a file (json_in.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/json_in.h"

#define FIRST_WINDOW ((size_t)1 << 20)

int ts_json_in_init(ts_json_in *in, int fd, const char *name, ts_error *err)
{
    memset(in, 0, sizeof(*in));
    in->fd = fd;
    in->name = name;
    in->buf = malloc(FIRST_WINDOW);
    if (in->buf == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    in->cap = FIRST_WINDOW;
    in->view = in->buf;
    return 0;
}

void ts_json_in_init_text(ts_json_in *in, const char *text, size_t len,
                          const char *name)
{
    memset(in, 0, sizeof(*in));
    in->fd = -1;
    in->name = name;
    /* the whole text is the window, and the end of the file: nothing is
     * ever read into or moved within it */
    in->view = text;
    in->cap = in->len = len;
    in->eof = 1;
}

void ts_json_in_release(ts_json_in *in)
{
    free(in->buf);
    in->buf = NULL;
    in->view = NULL;
}

/* The line of byte offset pos, counted again from the file's start: only
 * messages need it. 0 when the file cannot be read. */
static uint64_t line_of(const ts_json_in *in, uint64_t pos)
{
    char chunk[65536];
    uint64_t line = 1, at = 0;

    if (in->fd < 0) {
        for (; at < pos && at < in->len; at++)
            line += in->view[at] == '\n';
        return line;
    }
    while (at < pos) {
        size_t want =
            pos - at < sizeof(chunk) ? (size_t)(pos - at) : sizeof(chunk);
        ssize_t n = pread(in->fd, chunk, want, (off_t)at);
        if (n <= 0)
            return n < 0 ? 0 : line;
        for (ssize_t i = 0; i < n; i++)
            line += chunk[i] == '\n';
        at += (uint64_t)n;
    }
    return line;
}

static int fail(ts_json_in *in, uint64_t pos, const char *problem,
                ts_error *err)
{
    return ts_error_set(err, TS_EINVAL, "%s:%" PRIu64 ": %s", in->name,
                        line_of(in, pos), problem);
}

/* Moves the window to start at pos and fills it (at least `want` bytes
 * when the file has them, the window grown to hold them). */
static int fill(ts_json_in *in, uint64_t pos, size_t want, ts_error *err)
{
    size_t keep = 0;

    if (want > in->cap) {
        size_t cap = in->cap;
        char *more;
        while (cap < want)
            cap *= 2;
        if (cap > TS_JSON_IN_MAX_VALUE)
            return fail(in, pos, "a value larger than 64 MiB", err);
        more = realloc(in->buf, cap);
        if (more == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        in->buf = more;
        in->view = more;
        in->cap = cap;
    }
    if (pos >= in->base && pos < in->base + in->len) {
        keep = (size_t)(in->base + in->len - pos);
        memmove(in->buf, in->buf + (pos - in->base), keep);
    }
    in->base = pos;
    in->len = keep;
    in->eof = 0;
    while (in->len < in->cap) {
        ssize_t n = pread(in->fd, in->buf + in->len, in->cap - in->len,
                          (off_t)(in->base + in->len));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ts_error_set(err, TS_EIO, "%s: read failed: %s", in->name,
                                strerror(errno));
        if (n == 0) {
            in->eof = 1;
            break;
        }
        in->len += (size_t)n;
    }
    return 0;
}

#define END (-1)    /* past the end of the file */
#define FAILED (-2) /* the file could not be read: err says why */

/* The byte at pos, END or FAILED. */
static int byte_at(ts_json_in *in, uint64_t pos, ts_error *err)
{
    if (pos < in->base || pos >= in->base + in->len) {
        if (pos >= in->base + in->len && in->eof && pos >= in->base)
            return END;
        if (fill(in, pos, 1, err) != 0)
            return FAILED;
        if (in->len == 0)
            return END;
    }
    return (unsigned char)in->view[pos - in->base];
}

/* The first byte at or after the cursor that is not white space (the
 * cursor moved to it), END or FAILED. */
static int peek(ts_json_in *in, ts_error *err)
{
    for (;;) {
        int c = byte_at(in, in->pos, err);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return c;
        in->pos++;
    }
}

/* Parses the value at the cursor with jansson (flags added to
 * DECODE_ANY, DISABLE_EOF_CHECK and REJECT_DUPLICATES); moves past it. */
static json_t *parse(ts_json_in *in, ts_error *err)
{
    size_t want = 0;

    for (;;) {
        json_error_t je;
        json_t *v;
        size_t avail;
        int c = peek(in, err);
        if (c < 0) {
            if (c == END)
                fail(in, in->pos, "a value expected, the file ended", err);
            return NULL;
        }
        avail = (size_t)(in->base + in->len - in->pos);
        if (avail < want && !in->eof) {
            if (fill(in, in->pos, want, err) != 0)
                return NULL;
            avail = in->len;
        }
        v = json_loadb(in->view + (in->pos - in->base), avail,
                       JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK |
                           JSON_REJECT_DUPLICATES,
                       &je);
        /* A value that runs to the window's end may go on past it (a
         * number cut short still parses; a UTF-8 character cut short is
         * refused at its first byte, up to 3 bytes before the end): read
         * more and parse again. */
        if (!in->eof && (size_t)je.position + 4 >= avail) {
            json_decref(v);
            want = avail < FIRST_WINDOW ? FIRST_WINDOW : 2 * avail;
            continue;
        }
        if (v == NULL) {
            fail(in, in->pos + (uint64_t)je.position, je.text, err);
            return NULL;
        }
        in->pos += (uint64_t)je.position;
        return v;
    }
}

json_t *ts_json_in_value(ts_json_in *in, ts_error *err)
{
    return parse(in, err);
}

int ts_json_in_open(ts_json_in *in, char bracket, ts_error *err)
{
    int c = peek(in, err);

    if (c == FAILED)
        return err ? err->code : TS_EIO;
    if (c != bracket)
        return fail(in, in->pos,
                    bracket == '{' ? "an object expected" : "an array expected",
                    err);
    if (in->depth + 1 >= TS_JSON_IN_MAX_DEPTH)
        return fail(in, in->pos, "nested too deeply", err);
    in->pos++;
    in->depth++;
    in->close[in->depth] = bracket == '{' ? '}' : ']';
    in->started[in->depth] = 0;
    return 0;
}

int ts_json_in_next(ts_json_in *in, char key[TS_JSON_IN_MAX_KEY], ts_error *err)
{
    char close = in->close[in->depth];
    int c = peek(in, err);

    if (c == FAILED)
        return err ? err->code : TS_EIO;
    if (c == END)
        return fail(in, in->pos, "the file ended inside an object or array",
                    err);
    if (in->depth == 0 || (close == '}') != (key != NULL))
        return ts_error_set(err, TS_EINVAL, "%s: walked wrongly", in->name);
    if (c == close) {
        in->pos++;
        in->depth--;
        return 0;
    }
    if (in->started[in->depth]) {
        if (c != ',')
            return fail(in, in->pos,
                        close == '}' ? "',' or '}' expected"
                                     : "',' or ']' expected",
                        err);
        in->pos++;
        c = peek(in, err);
        if (c == FAILED)
            return err ? err->code : TS_EIO;
    }
    in->started[in->depth] = 1;
    if (key != NULL) {
        json_t *k;
        uint64_t at = in->pos;
        if (c != '"')
            return fail(in, at, "a key expected", err);
        k = parse(in, err);
        if (k == NULL)
            return err ? err->code : TS_EINVAL;
        if (json_string_length(k) >= TS_JSON_IN_MAX_KEY ||
            strlen(json_string_value(k)) != json_string_length(k)) {
            json_decref(k);
            return fail(in, at, "a key too long or with a NUL", err);
        }
        memcpy(key, json_string_value(k), json_string_length(k) + 1);
        json_decref(k);
        c = peek(in, err);
        if (c != ':')
            return c == FAILED ? (err ? err->code : TS_EIO)
                               : fail(in, in->pos, "':' expected", err);
        in->pos++;
    }
    c = peek(in, err);
    if (c < 0)
        return c == FAILED
                   ? (err ? err->code : TS_EIO)
                   : fail(in, in->pos, "a value expected, the file ended", err);
    return 1;
}

static int skip_string(ts_json_in *in, ts_error *err)
{
    uint64_t at = in->pos;

    for (in->pos++;; in->pos++) {
        int c = byte_at(in, in->pos, err);
        if (c == FAILED)
            return err ? err->code : TS_EIO;
        if (c == END)
            return fail(in, at, "a string that does not end", err);
        if (c == '\\')
            in->pos++;
        else if (c == '"')
            break;
    }
    in->pos++;
    return 0;
}

int ts_json_in_skip(ts_json_in *in, ts_error *err)
{
    uint64_t at = in->pos;
    unsigned nest = 0;
    int c = peek(in, err);

    if (c == FAILED)
        return err ? err->code : TS_EIO;
    if (c == END)
        return fail(in, at, "a value expected, the file ended", err);
    if (c != '"' && c != '{' && c != '[') {
        json_t *v = parse(in, err); /* a scalar: short, parse it */
        json_decref(v);
        return v ? 0 : err ? err->code : TS_EINVAL;
    }
    do {
        c = byte_at(in, in->pos, err);
        if (c == FAILED)
            return err ? err->code : TS_EIO;
        if (c == END)
            return fail(in, at, "a value that does not end", err);
        if (c == '"') {
            if (skip_string(in, err) != 0)
                return err ? err->code : TS_EINVAL;
            continue;
        }
        if (c == '{' || c == '[')
            nest++;
        else if (c == '}' || c == ']')
            nest--;
        in->pos++;
    } while (nest > 0);
    return 0;
}

void ts_json_in_save(const ts_json_in *in, ts_json_in_mark *mark)
{
    mark->pos = in->pos;
    mark->depth = in->depth;
    memcpy(mark->close, in->close, sizeof(mark->close));
    memcpy(mark->started, in->started, sizeof(mark->started));
}

void ts_json_in_restore(ts_json_in *in, const ts_json_in_mark *mark)
{
    in->pos = mark->pos;
    in->depth = mark->depth;
    memcpy(in->close, mark->close, sizeof(in->close));
    memcpy(in->started, mark->started, sizeof(in->started));
}

int ts_json_in_object(ts_json_in *in, const char *const *deferred, size_t n,
                      ts_json_in_mark *marks, int *present, json_t **out,
                      ts_error *err)
{
    char key[TS_JSON_IN_MAX_KEY];
    json_t *o = json_object();
    int rc;

    *out = NULL;
    for (size_t k = 0; k < n; k++)
        present[k] = 0;
    if (o == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    if (n > 8)
        rc = ts_error_set(err, TS_EINVAL, "%s: too many deferred members",
                          in->name);
    else
        rc = ts_json_in_open(in, '{', err);
    while (rc == 0 && (rc = ts_json_in_next(in, key, err)) == 1) {
        uint64_t at = in->pos;
        size_t k = 0;
        json_t *v;
        while (k < n && strcmp(key, deferred[k]) != 0)
            k++;
        rc = 0;
        if (k < n ? present[k] : json_object_get(o, key) != NULL) {
            char problem[TS_JSON_IN_MAX_KEY + 32];
            snprintf(problem, sizeof(problem), "duplicate key '%s'", key);
            rc = fail(in, at, problem, err);
        } else if (k < n) {
            ts_json_in_save(in, &marks[k]);
            present[k] = 1;
            rc = ts_json_in_skip(in, err);
        } else if ((v = parse(in, err)) == NULL) {
            rc = err ? err->code : TS_EINVAL;
        } else if (json_object_set_new(o, key, v) != 0) {
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        }
    }
    if (rc != 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

int ts_json_in_end(ts_json_in *in, ts_error *err)
{
    int c = peek(in, err);

    if (c == FAILED)
        return err ? err->code : TS_EIO;
    return c == END ? 0 : fail(in, in->pos, "more after the document", err);
}
