/* A population CSV file (RFC 4180 quoting, LF line ends) hashed with
 * SHA-256 as it is written, so the register can state the file's hash. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"

int ts_csv_open(ts_csv *csv, const char *path, ts_error *err)
{
    memset(csv, 0, sizeof(*csv));
    csv->path = path;
    csv->md = EVP_MD_CTX_new();
    if (csv->md == NULL || EVP_DigestInit_ex(csv->md, EVP_sha256(), NULL) != 1)
        return ts_error_set(err, TS_ECRYPTO, "'%s': cannot start SHA-256",
                            path);
    /* an existing symlink is not followed: the pack is what we wrote */
    csv->fd =
        open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (csv->fd < 0)
        return ts_error_set(err, TS_EIO, "'%s': cannot create: %s", path,
                            strerror(errno));
    ts_buf_init(&csv->buf, (size_t)1 << 24);
    csv->at_row_start = 1;
    return 0;
}

static int flush(ts_csv *csv, ts_error *err)
{
    if (EVP_DigestUpdate(csv->md, csv->buf.data, csv->buf.len) != 1)
        return ts_error_set(err, TS_ECRYPTO, "'%s': SHA-256 failed", csv->path);
    if (ts_write_all(csv->fd, csv->buf.data, csv->buf.len) != 0)
        return ts_error_set(err, TS_EIO, "'%s': cannot write: %s", csv->path,
                            strerror(errno));
    csv->bytes += csv->buf.len;
    csv->buf.len = 0;
    return 0;
}

int ts_csv_field(ts_csv *csv, const char *text, ts_error *err)
{
    int rc = 0;

    if (!csv->at_row_start)
        rc = ts_buf_append_byte(&csv->buf, ',', err);
    csv->at_row_start = 0;
    if (rc != 0 || text == NULL)
        return rc;
    if (strpbrk(text, ",\"\r\n") == NULL)
        return ts_buf_append(&csv->buf, text, strlen(text), err);
    rc = ts_buf_append_byte(&csv->buf, '"', err);
    for (const char *p = text; rc == 0 && *p; p++) {
        if (*p == '"')
            rc = ts_buf_append_byte(&csv->buf, '"', err);
        if (rc == 0)
            rc = ts_buf_append_byte(&csv->buf, (uint8_t)*p, err);
    }
    if (rc == 0)
        rc = ts_buf_append_byte(&csv->buf, '"', err);
    return rc;
}

int ts_csv_end_row(ts_csv *csv, ts_error *err)
{
    int rc = ts_buf_append_byte(&csv->buf, '\n', err);

    csv->at_row_start = 1;
    if (rc == 0 && csv->buf.len >= ((size_t)1 << 20))
        rc = flush(csv, err);
    return rc;
}

int ts_csv_close(ts_csv *csv, char sha256_hex[2 * TS_SHA256_SIZE + 1],
                 ts_error *err)
{
    uint8_t digest[TS_SHA256_SIZE];
    int rc = 0;

    if (csv->fd >= 0 && csv->md != NULL)
        rc = flush(csv, err);
    if (rc == 0 && EVP_DigestFinal_ex(csv->md, digest, NULL) != 1)
        rc = ts_error_set(err, TS_ECRYPTO, "'%s': SHA-256 failed", csv->path);
    if (rc == 0)
        ts_hex_encode(digest, sizeof(digest), sha256_hex);
    if (rc == 0 && fsync(csv->fd) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': cannot write: %s", csv->path,
                          strerror(errno));
    ts_csv_release(csv);
    return rc;
}

void ts_csv_release(ts_csv *csv)
{
    if (csv->fd > 0)
        close(csv->fd);
    csv->fd = -1;
    EVP_MD_CTX_free(csv->md);
    csv->md = NULL;
    ts_buf_release(&csv->buf);
}
