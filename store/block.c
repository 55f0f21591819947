/* Blocks: zstd frames of concatenated entry encodings. */
#include <zstd.h>

#include "store/store_internal.h"

/* Level 3: the zstd CLI default, a good balance for a write-once log. */
#define TS_BLOCK_ZSTD_LEVEL 3

int ts_block_compress(const uint8_t *src, size_t len, ts_buf *out,
                      ts_error *err)
{
    size_t bound = ZSTD_compressBound(len), n;
    int rc;

    out->len = 0;
    rc = ts_buf_reserve(out, bound, err);
    if (rc != 0)
        return ts_error_prefix(err, "compressing a block: ");
    n = ZSTD_compress(out->data, bound, src, len, TS_BLOCK_ZSTD_LEVEL);
    if (ZSTD_isError(n))
        return ts_error_set(err, TS_ERR, "compressing a block: %s",
                            ZSTD_getErrorName(n));
    out->len = n;
    return 0;
}

int ts_block_decompress(const uint8_t *src, size_t len, ts_buf *out,
                        ts_error *err)
{
    unsigned long long size = ZSTD_getFrameContentSize(src, len);
    size_t n;
    int rc;

    out->len = 0;
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
        return ts_error_set(err, TS_ECORRUPT,
                            "not a zstd frame with a declared size");
    if (size >= out->cap)
        return ts_error_set(
            err, TS_ECORRUPT,
            "block declares %llu bytes, more than the %zu allowed", size,
            out->cap);
    rc = ts_buf_reserve(out, (size_t)size, err);
    if (rc != 0)
        return rc;
    n = ZSTD_decompress(out->data, (size_t)size, src, len);
    if (ZSTD_isError(n))
        return ts_error_set(err, TS_ECORRUPT, "zstd: %s", ZSTD_getErrorName(n));
    if (n != size)
        return ts_error_set(err, TS_ECORRUPT,
                            "block decompressed to %zu bytes, declared %llu", n,
                            size);
    out->len = n;
    return 0;
}
