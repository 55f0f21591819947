/* UTF-8 validity, one definition for every writer that must emit valid
 * text (JSON, XML, CSV reference files): the strict form of RFC 3629, no
 * overlong forms, no surrogates, nothing past U+10FFFF. */
#include "common/common.h"

size_t ts_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned cp, min;
    size_t n;

    if (avail == 0)
        return 0;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2, cp = p[0] & 0x1Fu, min = 0x80;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3, cp = p[0] & 0x0Fu, min = 0x800;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4, cp = p[0] & 0x07u, min = 0x10000;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (i >= avail || (p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

int ts_utf8_valid(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text;

    for (size_t i = 0, n; i < len; i += n)
        if ((n = ts_utf8_seq(p + i, len - i)) == 0)
            return 0;
    return 1;
}

int ts_utf8_append_clean(ts_buf *out, const char *text, size_t len,
                         ts_error *err)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)text;
    int rc = 0;

    for (size_t i = 0, n; rc == 0 && i < len; i += n) {
        n = ts_utf8_seq(p + i, len - i);
        if (n == 0) {
            rc = ts_buf_append(out, replacement, 3, err);
            n = 1;
        } else {
            rc = ts_buf_append(out, p + i, n, err);
        }
    }
    return rc;
}
