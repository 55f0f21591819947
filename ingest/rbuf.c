/* Record buffer: an input read ahead and handed out as gapless entries. */
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/time.h"

#define CHUNK ((size_t)1 << 20) /* bytes per read */
#define KEY_LINE_MAX 4096       /* bytes of the first line in the key */

int ts_rbuf_init(ts_rbuf *rb, ts_input *in, size_t limit, ts_error *err)
{
    memset(rb, 0, sizeof(*rb));
    rb->in = in;
    rb->line = 1;
    /* a record, the line after it, and a read */
    ts_buf_init(&rb->buf, limit + (size_t)(64 << 10) + 2 * CHUNK + 64);
    /* data is never a NULL pointer, even before the first read */
    return ts_buf_reserve(&rb->buf, CHUNK, err);
}

void ts_rbuf_release(ts_rbuf *rb)
{
    ts_input_free(rb->in);
    rb->in = NULL;
    ts_buf_release(&rb->buf);
}

const char *ts_rbuf_data(const ts_rbuf *rb)
{
    return (const char *)rb->buf.data + rb->pos;
}

size_t ts_rbuf_avail(const ts_rbuf *rb)
{
    return rb->buf.len - rb->pos;
}

int ts_rbuf_fill(ts_rbuf *rb, ts_error *err)
{
    size_t n;
    int rc;

    if (rb->eof)
        return 0;
    if (rb->pos > 0 && rb->buf.size - rb->buf.len <= CHUNK) {
        memmove(rb->buf.data, rb->buf.data + rb->pos, ts_rbuf_avail(rb));
        rb->buf.len -= rb->pos;
        rb->pos = 0;
    }
    rc = ts_buf_reserve(&rb->buf, CHUNK, err);
    if (rc == 0)
        rc = ts_input_read(rb->in, rb->buf.data + rb->buf.len, CHUNK, &n, err);
    if (rc != 0)
        return rc;
    if (n == 0) {
        rb->eof = 1;
        return 0;
    }
    rb->buf.len += n;
    return 1;
}

int ts_rbuf_need(ts_rbuf *rb, size_t rel, ts_error *err)
{
    while (ts_rbuf_avail(rb) <= rel) {
        int rc = ts_rbuf_fill(rb, err);
        if (rc <= 0)
            return rc;
    }
    return 1;
}

int ts_rbuf_find_line(ts_rbuf *rb, size_t rel, size_t max, size_t *end,
                      ts_error *err)
{
    size_t scanned = rel;

    for (;;) {
        size_t avail = ts_rbuf_avail(rb);
        size_t lim = avail - rel > max ? rel + max : avail;
        const char *nl = NULL;
        int rc;

        if (lim > scanned)
            nl = memchr(ts_rbuf_data(rb) + scanned, '\n', lim - scanned);
        if (nl != NULL) {
            *end = (size_t)(nl - ts_rbuf_data(rb)) + 1;
            return 0;
        }
        scanned = lim;
        if (lim == rel + max) {
            *end = lim;
            return 1;
        }
        rc = ts_rbuf_fill(rb, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *end = ts_rbuf_avail(rb);
            return 0;
        }
    }
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

int ts_rbuf_hold_last(const ts_rbuf *rb, size_t len)
{
    /* PostgreSQL writes a message with its DETAIL/STATEMENT lines (and a
     * csvlog record) in one write: a file that ends with a newline ends
     * between messages. Only a half line after the record says a write is
     * under way, which may be more of this record. */
    return rb->eof && len == ts_rbuf_avail(rb) && ts_input_is_limited(rb->in) &&
           ts_input_held(rb->in) > 0;
}

void ts_rbuf_emit(ts_rbuf *rb, size_t len, ts_entry *entry)
{
    const char *d = ts_rbuf_data(rb);

    entry->record = (const uint8_t *)d;
    entry->record_len = len;
    entry->position = rb->offset;
    entry->end_position = rb->offset + len;
    entry->line = rb->line;
    entry->end_line = rb->line + count_lines(d, len);
    entry->observed_us = ts_time_now();
    rb->pos += len;
    rb->offset += len;
    rb->line = entry->end_line;
}

int ts_rbuf_seek(ts_rbuf *rb, uint64_t position, uint64_t line, ts_error *err)
{
    uint64_t skip;
    int rc = 0;

    if (rb->started || position < rb->offset)
        return ts_error_set(err, TS_EINVAL,
                            "'%s': seek only forward, before reading",
                            ts_input_name(rb->in));
    skip = position - rb->offset;
    if (skip <= ts_rbuf_avail(rb)) {
        rb->pos += (size_t)skip;
    } else {
        skip -= ts_rbuf_avail(rb);
        rb->pos = rb->buf.len = 0;
        rc = ts_input_skip_fast(rb->in, skip, err);
        while (rc == 1) {
            /* compressed or a pipe: skip by reading */
            if (ts_rbuf_avail(rb) == 0) {
                rc = ts_rbuf_fill(rb, err);
                if (rc == 0)
                    rc = ts_error_set(err, TS_EINVAL,
                                      "'%s': the saved position %llu is past "
                                      "the end of the input",
                                      ts_input_name(rb->in),
                                      (unsigned long long)position);
                if (rc < 0)
                    break;
            }
            size_t n =
                ts_rbuf_avail(rb) < skip ? ts_rbuf_avail(rb) : (size_t)skip;
            rb->pos += n;
            skip -= n;
            rc = skip > 0 ? 1 : 0;
        }
    }
    if (rc == 0) {
        rb->offset = position;
        rb->line = line;
    }
    return rc;
}

int ts_rbuf_key(ts_rbuf *rb, const char *format, const char *config,
                char out[TS_SOURCE_KEY_SIZE], ts_error *err)
{
    uint8_t digest[TS_SHA256_SIZE];
    size_t end, flen = strlen(format), clen = strlen(config);
    ts_buf key;
    int rc;

    rc = ts_rbuf_find_line(rb, 0, KEY_LINE_MAX, &end, err);
    if (rc < 0)
        return rc;
    ts_buf_init(&key, flen + clen + KEY_LINE_MAX + 8);
    rc = ts_buf_append(&key, format, flen + 1, err);
    if (rc == 0)
        rc = ts_buf_append(&key, config, clen + 1, err);
    if (rc == 0)
        rc = ts_buf_append(&key, ts_rbuf_data(rb), end, err);
    if (rc == 0 && ts_sha256(key.data, key.len, digest) != 0)
        rc = ts_error_set(err, TS_ECRYPTO, "hashing the source key failed");
    if (rc == 0)
        ts_hex_encode(digest, sizeof(digest), out);
    ts_buf_release(&key);
    return rc;
}

size_t ts_text_len(const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '\n') {
        len--;
        if (len > 0 && s[len - 1] == '\r')
            len--;
    }
    return len;
}
