/* LEB128 varints: seven bits a byte, low bits first, the high bit set on
 * every byte but the last. */
#include "common/common.h"

int ts_varint_append(ts_buf *b, uint64_t v, ts_error *err)
{
    uint8_t tmp[TS_VARINT_MAX], *out = tmp;
    /* in place when the buffer has room (posting lists and blocks append
     * a varint per entry), else through ts_buf_append() */
    int in_place =
        b->len + TS_VARINT_MAX < b->size && b->len + TS_VARINT_MAX < b->cap;
    size_t n = 0;

    if (in_place)
        out = b->data + b->len;
    do {
        out[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v != 0);
    if (!in_place)
        return ts_buf_append(b, tmp, n, err);
    b->len += n;
    return 0;
}

int ts_varint_read(const uint8_t *p, size_t len, size_t *off, uint64_t *out)
{
    uint64_t v = 0;
    size_t at = *off;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (at >= len)
            return -1;
        uint8_t byte = p[at++];
        if (shift == 63 && byte > 1)
            return -1;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            if (byte == 0 && shift > 0)
                return -1; /* not the shortest form */
            *out = v;
            *off = at;
            return 0;
        }
    }
    return -1;
}
