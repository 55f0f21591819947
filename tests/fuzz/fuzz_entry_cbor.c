/* Fuzz target: sealed entries in deterministic CBOR (store/entry_cbor.c).
 * Two round trips: bytes that decode re-encode to exactly those bytes (the
 * decoder accepts only the canonical form), and an entry built from the
 * input encodes, then decodes to the same fields. */
#include <string.h>

#include "store/crypto.h"
#include "tests/fuzz/fuzz.h"

static void decode_reencode(const uint8_t *data, size_t size)
{
    ts_sealed_entry e;
    size_t used = 0;
    ts_buf again;

    if (ts_entry_decode(data, size, &e, &used, NULL) != 0)
        return;
    if (used == 0 || used > size)
        ts_fuzz_fail("decoding consumed a wrong length");
    ts_buf_init(&again, (size_t)1 << 30);
    if (ts_entry_encode(&e, &again, NULL) != 0)
        ts_fuzz_fail("a decoded entry does not encode");
    if (again.len != used || memcmp(again.data, data, used) != 0)
        ts_fuzz_fail("a decoded entry does not encode to the same bytes");
    ts_buf_release(&again);
}

static uint64_t take_u64(const uint8_t **p, size_t *n)
{
    uint64_t v = 0;

    for (int i = 0; i < 8 && *n > 0; i++, (*p)++, (*n)--)
        v = v << 8 | **p;
    return v;
}

static void take_bytes(const uint8_t **p, size_t *n, uint8_t *out, size_t len)
{
    size_t k = len < *n ? len : *n;

    memset(out, 0, len);
    memcpy(out, *p, k);
    *p += k;
    *n -= k;
}

static void encode_decode(const uint8_t *data, size_t size)
{
    ts_sealed_entry e, d;
    size_t used = 0, flen;
    ts_buf enc;

    memset(&e, 0, sizeof(e));
    e.seq = take_u64(&data, &size);
    e.position = take_u64(&data, &size);
    e.line = take_u64(&data, &size);
    e.observed_us = (int64_t)take_u64(&data, &size);
    take_bytes(&data, &size, e.store_id, sizeof(e.store_id));
    take_bytes(&data, &size, e.source_key, sizeof(e.source_key));
    take_bytes(&data, &size, e.salt, sizeof(e.salt));
    flen = size > 0 ? data[0] % 24 : 0;
    if (size > 0) {
        data++;
        size--;
    }
    if (flen > size)
        flen = size;
    e.format = (const char *)data;
    e.format_len = flen;
    e.record = data + flen;
    e.record_len = size - flen;

    ts_buf_init(&enc, (size_t)1 << 30);
    if (ts_entry_encode(&e, &enc, NULL) != 0) {
        ts_buf_release(&enc);
        return; /* a format that is not UTF-8 is refused */
    }
    if (ts_entry_decode(enc.data, enc.len, &d, &used, NULL) != 0 ||
        used != enc.len)
        ts_fuzz_fail("an encoded entry does not decode");
    if (d.seq != e.seq || d.position != e.position || d.line != e.line ||
        d.observed_us != e.observed_us ||
        memcmp(d.store_id, e.store_id, sizeof(e.store_id)) != 0 ||
        memcmp(d.source_key, e.source_key, sizeof(e.source_key)) != 0 ||
        memcmp(d.salt, e.salt, sizeof(e.salt)) != 0 ||
        d.format_len != e.format_len || d.record_len != e.record_len ||
        memcmp(d.format, e.format, e.format_len) != 0 ||
        (e.record_len > 0 && memcmp(d.record, e.record, e.record_len) != 0))
        ts_fuzz_fail("an entry does not survive encode and decode");
    ts_buf_release(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_reencode(data, size);
    encode_decode(data, size);
    return 0;
}
