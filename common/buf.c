/* Growable byte buffers with a hard cap, and overflow-checked size arithmetic.
 */
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

void ts_buf_init(ts_buf *buf, size_t cap)
{
    buf->data = NULL;
    buf->len = 0;
    buf->size = 0;
    buf->cap = cap;
}

void ts_buf_release(ts_buf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->size = 0;
}

int ts_size_mul(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return -1;
    *out = a * b;
    return 0;
}

int ts_size_add(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b)
        return -1;
    *out = a + b;
    return 0;
}

int ts_buf_reserve(ts_buf *buf, size_t extra, ts_error *err)
{
    size_t need, size;
    uint8_t *data;

    /* one spare byte always, for ts_buf_terminate */
    if (ts_size_add(buf->len, extra, &need) != 0 || need >= buf->cap)
        return ts_error_set(err, TS_ELIMIT,
                            "buffer would exceed its limit of %zu bytes",
                            buf->cap);
    if (need < buf->size)
        return 0;
    size = buf->size ? buf->size : 256;
    while (size <= need)
        size = size > buf->cap / 2 ? buf->cap : size * 2;
    data = realloc(buf->data, size);
    if (data == NULL)
        return ts_error_set(err, TS_ENOMEM,
                            "out of memory growing a buffer to %zu bytes",
                            size);
    buf->data = data;
    buf->size = size;
    return 0;
}

int ts_buf_append(ts_buf *buf, const void *data, size_t len, ts_error *err)
{
    int rc = ts_buf_reserve(buf, len, err);

    if (rc != 0)
        return rc;
    if (len > 0)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return 0;
}

int ts_buf_append_byte(ts_buf *buf, uint8_t byte, ts_error *err)
{
    return ts_buf_append(buf, &byte, 1, err);
}

int ts_buf_terminate(ts_buf *buf, ts_error *err)
{
    int rc = ts_buf_reserve(buf, 0, err);

    if (rc != 0)
        return rc;
    buf->data[buf->len] = '\0';
    return 0;
}
