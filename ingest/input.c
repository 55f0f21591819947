/* Byte input for readers: a file or stdin, gzip and zstd decompressed. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "ingest/ingest_internal.h"

/* Compression is recognised by the stream's magic bytes, not the file
 * name, so a renamed file or a compressed stdin reads the same. Readers
 * see only the decompressed bytes: positions, lines, cursors and the
 * source key are all in the decompressed stream, which makes `x.log` and
 * `x.log.gz` the same source. */

#define RAW_CHUNK ((size_t)128 << 10)

struct ts_input {
    int fd;
    int own_fd;
    int raw_eof;
    ts_input_compression comp;
    char *name;
    uint8_t *raw; /* compressed bytes read and not yet decompressed */
    size_t raw_pos;
    size_t raw_len;
    uint64_t raw_offset; /* compressed bytes consumed, for messages */
    z_stream z;
    int z_init;
    int z_member_done; /* a gzip member ended: another may follow */
    ZSTD_DStream *zd;
    int zd_frame_open; /* a zstd frame is started and not finished */
    int failed;
    uint8_t *peek; /* decompressed bytes looked at and not yet read */
    size_t peek_pos;
    size_t peek_len;
    /* ts_input_hold_partial: a plain file ends, for readers, after its
     * last newline */
    int limited;
    uint64_t limit;
    uint64_t handed; /* plain bytes handed out (or skipped) */
    uint64_t held;
};

static int read_raw(ts_input *in, ts_error *err)
{
    ssize_t n;

    if (in->raw_pos < in->raw_len || in->raw_eof)
        return 0;
    do {
        n = read(in->fd, in->raw, RAW_CHUNK);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return ts_error_set(err, TS_EIO, "reading '%s': %s", in->name,
                            strerror(errno));
    in->raw_pos = 0;
    in->raw_len = (size_t)n;
    in->raw_eof = n == 0;
    return 0;
}

static int corrupt(ts_input *in, const char *what, const char *why,
                   ts_error *err)
{
    in->failed = 1;
    return ts_error_set(err, TS_EIO,
                        "'%s': %s data is damaged after compressed byte "
                        "%llu: %s",
                        in->name, what, (unsigned long long)in->raw_offset,
                        why);
}

static int truncated(ts_input *in, const char *what, ts_error *err)
{
    in->failed = 1;
    return ts_error_set(err, TS_EIO,
                        "'%s': %s stream ends early (truncated file?); "
                        "what was before is read",
                        in->name, what);
}

static int gzip_read(ts_input *in, uint8_t *buf, size_t size, size_t *out,
                     ts_error *err)
{
    *out = 0;
    while (*out == 0) {
        int rc = read_raw(in, err), zrc;
        size_t before;

        if (rc != 0)
            return rc;
        if (in->raw_pos == in->raw_len) {
            if (in->z_member_done)
                return 0;
            return truncated(in, "gzip", err);
        }
        if (in->z_member_done) {
            /* concatenated members (cat a.gz b.gz) are one stream */
            if (inflateReset(&in->z) != Z_OK)
                return corrupt(in, "gzip", "cannot restart", err);
            in->z_member_done = 0;
        }
        before = in->raw_len - in->raw_pos;
        in->z.next_in = in->raw + in->raw_pos;
        in->z.avail_in = (uInt)before;
        in->z.next_out = buf;
        in->z.avail_out = (uInt)(size > UINT32_MAX ? UINT32_MAX : size);
        zrc = inflate(&in->z, Z_NO_FLUSH);
        in->raw_pos += before - in->z.avail_in;
        in->raw_offset += before - in->z.avail_in;
        *out = (size_t)(in->z.next_out - buf);
        if (zrc == Z_STREAM_END) {
            in->z_member_done = 1;
        } else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            return corrupt(in, "gzip", in->z.msg ? in->z.msg : "inflate failed",
                           err);
        }
    }
    return 0;
}

static int zstd_read(ts_input *in, uint8_t *buf, size_t size, size_t *out,
                     ts_error *err)
{
    *out = 0;
    while (*out == 0) {
        int rc = read_raw(in, err);
        ZSTD_inBuffer zin;
        ZSTD_outBuffer zout = {buf, size, 0};
        size_t zrc;

        if (rc != 0)
            return rc;
        if (in->raw_pos == in->raw_len) {
            if (!in->zd_frame_open)
                return 0;
            return truncated(in, "zstd", err);
        }
        zin.src = in->raw;
        zin.size = in->raw_len;
        zin.pos = in->raw_pos;
        zrc = ZSTD_decompressStream(in->zd, &zout, &zin);
        in->raw_offset += zin.pos - in->raw_pos;
        in->raw_pos = zin.pos;
        *out = zout.pos;
        if (ZSTD_isError(zrc))
            return corrupt(in, "zstd", ZSTD_getErrorName(zrc), err);
        in->zd_frame_open = zrc != 0;
    }
    return 0;
}

static int read_stream(ts_input *in, void *buf, size_t size, size_t *out_n,
                       ts_error *err)
{
    *out_n = 0;
    assert(size > 0);
    if (in->failed)
        return ts_error_set(err, TS_EIO, "'%s': reading after an error",
                            in->name);
    if (in->comp == TS_INPUT_GZIP)
        return gzip_read(in, buf, size, out_n, err);
    if (in->comp == TS_INPUT_ZSTD)
        return zstd_read(in, buf, size, out_n, err);
    if (in->limited) {
        if (in->handed >= in->limit)
            return 0;
        if (size > in->limit - in->handed)
            size = (size_t)(in->limit - in->handed);
    }
    if (in->raw_pos < in->raw_len) {
        /* what was read to look for a magic number */
        size_t n =
            in->raw_len - in->raw_pos < size ? in->raw_len - in->raw_pos : size;
        memcpy(buf, in->raw + in->raw_pos, n);
        in->raw_pos += n;
        in->handed += n;
        *out_n = n;
        return 0;
    }
    for (;;) {
        ssize_t n = read(in->fd, buf, size);
        if (n >= 0) {
            *out_n = (size_t)n;
            in->handed += (uint64_t)n;
            return 0;
        }
        if (errno != EINTR)
            return ts_error_set(err, TS_EIO, "reading '%s': %s", in->name,
                                strerror(errno));
    }
}

int ts_input_read(ts_input *in, void *buf, size_t size, size_t *out_n,
                  ts_error *err)
{
    if (in->peek_pos < in->peek_len) {
        size_t n = in->peek_len - in->peek_pos;
        if (n > size)
            n = size;
        memcpy(buf, in->peek + in->peek_pos, n);
        in->peek_pos += n;
        *out_n = n;
        return 0;
    }
    return read_stream(in, buf, size, out_n, err);
}

int ts_input_peek(ts_input *in, size_t want, const uint8_t **out,
                  size_t *out_len, ts_error *err)
{
    *out = NULL;
    *out_len = 0;
    assert(in->peek_pos == 0 && want > 0);
    if (in->peek == NULL) {
        in->peek = malloc(want);
        if (in->peek == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory reading '%s'",
                                in->name);
        while (in->peek_len < want) {
            size_t n;
            int rc = read_stream(in, in->peek + in->peek_len,
                                 want - in->peek_len, &n, err);
            if (rc != 0)
                return rc;
            if (n == 0)
                break;
            in->peek_len += n;
        }
    }
    *out = in->peek;
    *out_len = in->peek_len;
    return 0;
}

int ts_input_skip_fast(ts_input *in, uint64_t skip, ts_error *err)
{
    struct stat st;
    off_t cur;

    if (in->comp != TS_INPUT_PLAIN || in->raw_pos < in->raw_len ||
        in->peek_pos < in->peek_len || fstat(in->fd, &st) != 0 ||
        !S_ISREG(st.st_mode))
        return 1;
    cur = lseek(in->fd, 0, SEEK_CUR);
    if (cur < 0 || (uint64_t)st.st_size < (uint64_t)cur ||
        skip > (uint64_t)st.st_size - (uint64_t)cur)
        return ts_error_set(err, TS_EINVAL,
                            "'%s': the saved position is past the end of the "
                            "input",
                            in->name);
    if (lseek(in->fd, (off_t)skip, SEEK_CUR) < 0)
        return ts_error_set(err, TS_EIO, "seeking in '%s': %s", in->name,
                            strerror(errno));
    in->handed = (uint64_t)cur + skip;
    return 0;
}

int ts_input_hold_partial(ts_input *in, ts_error *err)
{
    uint8_t chunk[4096];
    struct stat st;
    uint64_t at;

    if (in->comp != TS_INPUT_PLAIN || in->peek != NULL || in->handed > 0 ||
        fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    /* the last newline, looked for from the end: the file may grow while
     * it is read, so its size now is where the reading stops */
    at = (uint64_t)st.st_size;
    while (at > 0) {
        size_t n = at < sizeof(chunk) ? (size_t)at : sizeof(chunk);
        ssize_t got;
        size_t i;

        do {
            got = pread(in->fd, chunk, n, (off_t)(at - n));
        } while (got < 0 && errno == EINTR);
        if (got < 0)
            return ts_error_set(err, TS_EIO, "reading '%s': %s", in->name,
                                strerror(errno));
        if ((size_t)got != n)
            return ts_error_set(err, TS_EIO, "'%s' shrank while read",
                                in->name);
        for (i = n; i > 0 && chunk[i - 1] != '\n'; i--)
            ;
        if (i > 0) {
            at = at - n + i;
            break;
        }
        at -= n;
    }
    in->limited = 1;
    in->limit = at;
    in->held = (uint64_t)st.st_size - at;
    return 0;
}

int ts_input_is_limited(const ts_input *in)
{
    return in->limited;
}

uint64_t ts_input_held(const ts_input *in)
{
    return in->held;
}

ts_input_compression ts_input_compression_of(const ts_input *in)
{
    return in->comp;
}

void ts_input_free(ts_input *in)
{
    if (in == NULL)
        return;
    if (in->own_fd && in->fd >= 0)
        close(in->fd);
    if (in->z_init)
        inflateEnd(&in->z);
    ZSTD_freeDStream(in->zd);
    free(in->raw);
    free(in->peek);
    free(in->name);
    free(in);
}

/* Reads the first bytes and sets up decompression if they are a magic. */
static int detect(ts_input *in, ts_error *err)
{
    static const uint8_t gz[] = {0x1f, 0x8b};
    static const uint8_t zs[] = {0x28, 0xb5, 0x2f, 0xfd};
    int rc;

    /* a short first read (a pipe) is topped up to see the whole magic */
    while (in->raw_len < sizeof(zs) && !in->raw_eof) {
        ssize_t n =
            read(in->fd, in->raw + in->raw_len, RAW_CHUNK - in->raw_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ts_error_set(err, TS_EIO, "reading '%s': %s", in->name,
                                strerror(errno));
        in->raw_eof = n == 0;
        in->raw_len += (size_t)n;
    }
    if (in->raw_len >= sizeof(gz) && memcmp(in->raw, gz, sizeof(gz)) == 0) {
        in->comp = TS_INPUT_GZIP;
        /* 16 + MAX_WBITS: a gzip header and trailer, checked */
        rc = inflateInit2(&in->z, 16 + MAX_WBITS);
        if (rc != Z_OK)
            return ts_error_set(err, TS_ENOMEM, "'%s': cannot start zlib",
                                in->name);
        in->z_init = 1;
    } else if (in->raw_len >= sizeof(zs) &&
               memcmp(in->raw, zs, sizeof(zs)) == 0) {
        in->comp = TS_INPUT_ZSTD;
        in->zd = ZSTD_createDStream();
        if (in->zd == NULL || ZSTD_isError(ZSTD_initDStream(in->zd)))
            return ts_error_set(err, TS_ENOMEM, "'%s': cannot start zstd",
                                in->name);
        /* a log line of many MiB needs no window past 128 MiB */
        (void)ZSTD_DCtx_setParameter(in->zd, ZSTD_d_windowLogMax, 27);
    }
    return 0;
}

const char *ts_input_name(const ts_input *in)
{
    return in->name;
}

int ts_input_open_fd(ts_input **out, int fd, int own_fd, const char *name,
                     ts_error *err)
{
    ts_input *in = calloc(1, sizeof(*in));
    int rc;

    *out = NULL;
    if (in == NULL) {
        if (own_fd)
            close(fd);
        return ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'", name);
    }
    in->fd = fd;
    in->own_fd = own_fd;
    in->name = strdup(name);
    in->raw = malloc(RAW_CHUNK);
    if (in->name == NULL || in->raw == NULL) {
        ts_input_free(in);
        return ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'", name);
    }
    rc = detect(in, err);
    if (rc != 0) {
        ts_input_free(in);
        return rc;
    }
    *out = in;
    return 0;
}

int ts_input_open(ts_input **out, const char *path, ts_error *err)
{
    int fd;

    *out = NULL;
    if (strcmp(path, "-") == 0)
        return ts_input_open_fd(out, STDIN_FILENO, 0, "-", err);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ts_error_set(err, TS_EIO, "cannot open '%s': %s", path,
                            strerror(errno));
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    return ts_input_open_fd(out, fd, 1, path, err);
}
