/* The line buffer the MySQL-family readers share: reading, finding lines,
 * handing out gapless entries, resuming and the source key. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest_internal.h"
#include "trailseal/time.h"

#define CHUNK ((size_t)1 << 20) /* bytes per read() */
#define KEY_LINE_MAX 4096       /* bytes of the first line in the key */

int ts_linebuf_init(ts_linebuf *lb, int fd, int own_fd, const char *name,
                    size_t limit, ts_error *err)
{
    memset(lb, 0, sizeof(*lb));
    lb->fd = fd;
    lb->own_fd = own_fd;
    lb->line = 1;
    /* a record, the line after it being looked at, and a read */
    ts_buf_init(&lb->buf, 2 * limit + 2 * CHUNK + 64);
    lb->name = strdup(name);
    if (lb->name == NULL) {
        ts_linebuf_release(lb);
        return ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'", name);
    }
    /* data is never a NULL pointer, even before the first read */
    if (ts_buf_reserve(&lb->buf, CHUNK, err) != 0) {
        ts_linebuf_release(lb);
        return TS_ENOMEM;
    }
    return 0;
}

void ts_linebuf_release(ts_linebuf *lb)
{
    if (lb->own_fd && lb->fd >= 0)
        close(lb->fd);
    lb->fd = -1;
    ts_buf_release(&lb->buf);
    free(lb->name);
    lb->name = NULL;
}

const char *ts_linebuf_data(const ts_linebuf *lb)
{
    return (const char *)lb->buf.data + lb->pos;
}

size_t ts_linebuf_avail(const ts_linebuf *lb)
{
    return lb->buf.len - lb->pos;
}

int ts_linebuf_fill(ts_linebuf *lb, ts_error *err)
{
    ssize_t n;
    int rc;

    if (lb->eof)
        return 0;
    if (lb->pos > 0 && lb->buf.size - lb->buf.len <= CHUNK) {
        memmove(lb->buf.data, lb->buf.data + lb->pos, ts_linebuf_avail(lb));
        lb->buf.len -= lb->pos;
        lb->pos = 0;
    }
    rc = ts_buf_reserve(&lb->buf, CHUNK, err);
    if (rc != 0) {
        ts_error_prefix(err, "reading '%s': ", lb->name);
        return rc;
    }
    do {
        n = read(lb->fd, lb->buf.data + lb->buf.len, CHUNK);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return ts_error_set(err, TS_EIO, "reading '%s': %s", lb->name,
                            strerror(errno));
    if (n == 0) {
        lb->eof = 1;
        return 0;
    }
    lb->buf.len += (size_t)n;
    return 1;
}

int ts_linebuf_need(ts_linebuf *lb, size_t rel, ts_error *err)
{
    while (ts_linebuf_avail(lb) <= rel) {
        int rc = ts_linebuf_fill(lb, err);
        if (rc <= 0)
            return rc;
    }
    return 1;
}

int ts_linebuf_find_line(ts_linebuf *lb, size_t rel, size_t max, size_t *end,
                         ts_error *err)
{
    size_t scanned = rel;

    for (;;) {
        size_t avail = ts_linebuf_avail(lb);
        size_t lim = avail - rel > max ? rel + max : avail;
        const char *nl = NULL;
        int rc;

        if (lim > scanned)
            nl = memchr(ts_linebuf_data(lb) + scanned, '\n', lim - scanned);
        if (nl != NULL) {
            *end = (size_t)(nl - ts_linebuf_data(lb)) + 1;
            return 0;
        }
        scanned = lim;
        if (lim == rel + max) {
            *end = lim;
            return 1;
        }
        rc = ts_linebuf_fill(lb, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *end = ts_linebuf_avail(lb);
            return 0;
        }
    }
}

size_t ts_line_text_len(const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '\n') {
        len--;
        if (len > 0 && s[len - 1] == '\r')
            len--;
    }
    return len;
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

void ts_linebuf_emit(ts_linebuf *lb, size_t len, ts_entry *entry)
{
    const char *d = ts_linebuf_data(lb);

    entry->record = (const uint8_t *)d;
    entry->record_len = len;
    entry->position = lb->offset;
    entry->end_position = lb->offset + len;
    entry->line = lb->line;
    entry->end_line = lb->line + count_lines(d, len);
    entry->observed_us = ts_time_now();
    lb->pos += len;
    lb->offset += len;
    lb->line = entry->end_line;
}

/* Skips forward by reading when the input cannot seek (a pipe). */
static int skip_by_reading(ts_linebuf *lb, uint64_t skip, ts_error *err)
{
    while (skip > 0) {
        int rc;
        if (ts_linebuf_avail(lb) == 0) {
            rc = ts_linebuf_fill(lb, err);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return ts_error_set(err, TS_EINVAL,
                                    "'%s': the saved position is past the "
                                    "end of the input",
                                    lb->name);
        }
        size_t n =
            ts_linebuf_avail(lb) < skip ? ts_linebuf_avail(lb) : (size_t)skip;
        lb->pos += n;
        skip -= n;
    }
    return 0;
}

int ts_linebuf_seek(ts_linebuf *lb, uint64_t position, uint64_t line,
                    ts_error *err)
{
    uint64_t skip;
    struct stat st;
    int rc = 0;

    if (lb->started || position < lb->offset)
        return ts_error_set(err, TS_EINVAL,
                            "'%s': seek only forward, before reading",
                            lb->name);
    skip = position - lb->offset;
    if (skip <= ts_linebuf_avail(lb)) {
        lb->pos += (size_t)skip;
    } else {
        skip -= ts_linebuf_avail(lb);
        lb->pos = lb->buf.len = 0;
        if (fstat(lb->fd, &st) == 0 && S_ISREG(st.st_mode)) {
            off_t cur = lseek(lb->fd, 0, SEEK_CUR);
            if (cur < 0 || (uint64_t)st.st_size < (uint64_t)cur ||
                skip > (uint64_t)st.st_size - (uint64_t)cur)
                return ts_error_set(err, TS_EINVAL,
                                    "'%s': the saved position %llu is past "
                                    "the end of the input",
                                    lb->name, (unsigned long long)position);
            if (lseek(lb->fd, (off_t)skip, SEEK_CUR) < 0)
                return ts_error_set(err, TS_EIO, "seeking in '%s': %s",
                                    lb->name, strerror(errno));
        } else {
            rc = skip_by_reading(lb, skip, err);
        }
    }
    if (rc == 0) {
        lb->offset = position;
        lb->line = line;
    }
    return rc;
}

int ts_linebuf_key(ts_linebuf *lb, const char *format, const char *config,
                   char out[TS_SOURCE_KEY_SIZE], ts_error *err)
{
    uint8_t digest[TS_SHA256_SIZE];
    size_t end, flen = strlen(format), clen = strlen(config);
    ts_buf key;
    int rc;

    rc = ts_linebuf_find_line(lb, 0, KEY_LINE_MAX, &end, err);
    if (rc < 0)
        return rc;
    ts_buf_init(&key, flen + clen + KEY_LINE_MAX + 8);
    rc = ts_buf_append(&key, format, flen + 1, err);
    if (rc == 0)
        rc = ts_buf_append(&key, config, clen + 1, err);
    if (rc == 0)
        rc = ts_buf_append(&key, ts_linebuf_data(lb), end, err);
    if (rc == 0 && ts_sha256(key.data, key.len, digest) != 0)
        rc = ts_error_set(err, TS_ECRYPTO, "hashing the source key failed");
    if (rc == 0)
        ts_hex_encode(digest, sizeof(digest), out);
    ts_buf_release(&key);
    return rc;
}

int ts_linebuf_open_path(const char *path, int *own, ts_error *err)
{
    int fd;

    *own = 0;
    if (strcmp(path, "-") == 0)
        return STDIN_FILENO;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ts_error_set(err, TS_EIO, "cannot open '%s': %s", path,
                            strerror(errno));
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    *own = 1;
    return fd;
}
