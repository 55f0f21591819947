/* Tests for store/entry_cbor.c: exact bytes, round trips, canonical form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "store/crypto.h"

/* The small fixed entry of schemas/entry.cddl, and its encoding by hand:
 *   a9                      map of 9 pairs
 *   01 50 00 01 .. 0f       1: bstr(16) store_id 00..0f
 *   02 05                   2: seq 5
 *   03 58 20 aa x 32        3: bstr(32) source_key (length needs 0x58 0x20)
 *   04 00                   4: position 0
 *   05 01                   5: line 1
 *   06 20                   6: observed_us -1 (major 1, argument 0)
 *   07 62 70 67             7: tstr "pg"
 *   08 42 68 69             8: bstr 'hi'
 *   09 50 11 x 16           9: bstr(16) salt
 * 88 bytes in all. */
/* One line per map pair. */
/* clang-format off */
static const uint8_t fixed_bytes[] = {
    0xa9,
    0x01, 0x50, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
          0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x02, 0x05,
    0x03, 0x58, 0x20, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
          0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
          0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
          0xaa,
    0x04, 0x00,
    0x05, 0x01,
    0x06, 0x20,
    0x07, 0x62, 0x70, 0x67,
    0x08, 0x42, 0x68, 0x69,
    0x09, 0x50, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
          0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
};
/* clang-format on */

static void fixed_entry(ts_sealed_entry *e)
{
    memset(e, 0, sizeof(*e));
    for (int i = 0; i < TS_STORE_ID_SIZE; i++)
        e->store_id[i] = (uint8_t)i;
    e->seq = 5;
    memset(e->source_key, 0xaa, sizeof(e->source_key));
    e->position = 0;
    e->line = 1;
    e->observed_us = -1;
    e->format = "pg";
    e->format_len = 2;
    e->record = (const uint8_t *)"hi";
    e->record_len = 2;
    memset(e->salt, 0x11, sizeof(e->salt));
}

static void assert_entries_equal(const ts_sealed_entry *a,
                                 const ts_sealed_entry *b)
{
    assert_memory_equal(a->store_id, b->store_id, TS_STORE_ID_SIZE);
    assert_true(a->seq == b->seq);
    assert_memory_equal(a->source_key, b->source_key, TS_HASH_SIZE);
    assert_true(a->position == b->position);
    assert_true(a->line == b->line);
    assert_true(a->observed_us == b->observed_us);
    assert_int_equal(a->format_len, b->format_len);
    if (a->format_len > 0)
        assert_memory_equal(a->format, b->format, a->format_len);
    assert_int_equal(a->record_len, b->record_len);
    if (a->record_len > 0)
        assert_memory_equal(a->record, b->record, a->record_len);
    assert_memory_equal(a->salt, b->salt, TS_SALT_SIZE);
}

static void test_exact_bytes(void **state)
{
    ts_sealed_entry e, d;
    ts_buf buf;
    size_t consumed = 0;
    ts_error err;

    (void)state;
    assert_int_equal(sizeof(fixed_bytes), 88);
    fixed_entry(&e);
    ts_buf_init(&buf, 1 << 20);
    assert_int_equal(ts_entry_encode(&e, &buf, &err), 0);
    assert_int_equal(buf.len, sizeof(fixed_bytes));
    assert_memory_equal(buf.data, fixed_bytes, sizeof(fixed_bytes));
    assert_int_equal(
        ts_entry_decode(fixed_bytes, sizeof(fixed_bytes), &d, &consumed, &err),
        0);
    assert_int_equal(consumed, sizeof(fixed_bytes));
    assert_entries_equal(&e, &d);
    /* decoded strings borrow from the input */
    assert_ptr_equal(d.format, (const char *)fixed_bytes + 64);
    assert_ptr_equal(d.record, fixed_bytes + 68);
    ts_buf_release(&buf);
}

/* libcbor's own decoder, as an independent reading of our bytes. */
static void check_with_libcbor(const uint8_t *data, size_t len,
                               const ts_sealed_entry *e)
{
    struct cbor_load_result res;
    cbor_item_t *item = cbor_load(data, len, &res);
    struct cbor_pair *pairs;

    assert_non_null(item);
    assert_int_equal(res.error.code, CBOR_ERR_NONE);
    assert_int_equal(res.read, len);
    assert_true(cbor_isa_map(item) && cbor_map_is_definite(item));
    assert_int_equal(cbor_map_size(item), e->original_hmac ? 10 : 9);
    pairs = cbor_map_handle(item);
    for (size_t i = 0; i < cbor_map_size(item); i++) {
        assert_true(cbor_isa_uint(pairs[i].key));
        assert_int_equal(cbor_get_int(pairs[i].key), i + 1);
    }
    assert_true(cbor_get_int(pairs[1].value) == e->seq);
    assert_true(cbor_get_int(pairs[3].value) == e->position);
    assert_true(cbor_get_int(pairs[4].value) == e->line);
    if (e->observed_us >= 0) {
        assert_true(cbor_isa_uint(pairs[5].value));
        assert_true(cbor_get_int(pairs[5].value) == (uint64_t)e->observed_us);
    } else {
        assert_true(cbor_isa_negint(pairs[5].value));
        assert_true(cbor_get_int(pairs[5].value) ==
                    (uint64_t)(-(e->observed_us + 1)));
    }
    assert_true(cbor_isa_string(pairs[6].value));
    assert_int_equal(cbor_string_length(pairs[6].value), e->format_len);
    assert_true(cbor_isa_bytestring(pairs[7].value));
    assert_int_equal(cbor_bytestring_length(pairs[7].value), e->record_len);
    if (e->original_hmac != NULL) {
        assert_true(cbor_isa_bytestring(pairs[9].value));
        assert_int_equal(cbor_bytestring_length(pairs[9].value),
                         TS_ORIGINAL_HMAC_SIZE);
        assert_memory_equal(cbor_bytestring_handle(pairs[9].value),
                            e->original_hmac, TS_ORIGINAL_HMAC_SIZE);
    }
    cbor_decref(&item);
}

static void test_round_trip(void **state)
{
    static const uint64_t uints[] = {
        0,         23,         24,
        255,       256,        65535,
        65536,     UINT32_MAX, (uint64_t)UINT32_MAX + 1,
        UINT64_MAX};
    static const int64_t ints[] = {
        INT64_MIN, -4294967297, -4294967296, -65537, -257, -256,
        -25,       -24,         -1,          0,      24,   INT64_MAX};
    uint8_t *big = malloc(70000);
    ts_buf buf;
    size_t n_entries = 0, offsets[64], off = 0;
    ts_sealed_entry es[64];
    ts_error err;

    (void)state;
    assert_non_null(big);
    for (size_t i = 0; i < 70000; i++)
        big[i] = (uint8_t)(i * 31);
    ts_buf_init(&buf, 1 << 24);
    for (size_t i = 0; i < 12; i++) {
        ts_sealed_entry *e = &es[n_entries];
        fixed_entry(e);
        e->seq = uints[i % 10];
        e->position = uints[(i + 3) % 10];
        e->line = uints[(i + 7) % 10];
        e->observed_us = ints[i];
        e->format = i % 3 == 0 ? "" : "pgaudit-csv \xc3\xa9";
        e->format_len = strlen(e->format);
        e->record = big;
        e->record_len = (size_t[]){0,     1,     23,    24,  255, 256,
                                   65535, 65536, 70000, 200, 2,   3}[i];
        e->salt[i] = 0xff;
        offsets[n_entries++] = buf.len;
        assert_int_equal(ts_entry_encode(e, &buf, &err), 0);
    }
    offsets[n_entries] = buf.len;
    /* back to back in one buffer, each decodes to itself */
    for (size_t i = 0; i < n_entries; i++) {
        ts_sealed_entry d;
        size_t consumed = 0;
        assert_int_equal(off, offsets[i]);
        assert_int_equal(
            ts_entry_decode(buf.data + off, buf.len - off, &d, &consumed, &err),
            0);
        assert_int_equal(consumed, offsets[i + 1] - offsets[i]);
        assert_entries_equal(&es[i], &d);
        check_with_libcbor(buf.data + off, consumed, &es[i]);
        /* the leaf hash computed in place is that of the bytes */
        {
            uint8_t want[TS_HASH_SIZE], got[TS_HASH_SIZE];
            ts_merkle_leaf_hash(buf.data + off, consumed, want);
            assert_int_equal(ts_entry_leaf_hash(&es[i], got, &err), 0);
            assert_memory_equal(got, want, TS_HASH_SIZE);
        }
        off += consumed;
    }
    assert_int_equal(off, buf.len);
    ts_buf_release(&buf);
    free(big);
}

/* Decodes `data` and expects TS_ECORRUPT with `why` in the message
 * (what the test means to reject, not some earlier accident). */
static void expect_reject_why(const uint8_t *data, size_t len, const char *what,
                              const char *why)
{
    ts_sealed_entry d;
    size_t consumed = 99;
    ts_error err;
    int rc = ts_entry_decode(data, len, &d, &consumed, &err);

    if (rc != TS_ECORRUPT)
        fail_msg("%s: decode returned %d", what, rc);
    if (strstr(err.msg, why) == NULL)
        fail_msg("%s: rejected with '%s', expected '%s'", what, err.msg, why);
    assert_int_equal(consumed, 0);
}

static void expect_reject(const uint8_t *data, size_t len, const char *what)
{
    expect_reject_why(data, len, what, "");
}

/* fixed_bytes with bytes [at, at + cut) replaced by `ins`. */
static void reject_edit(size_t at, size_t cut, const uint8_t *ins, size_t n_ins,
                        const char *what, const char *why)
{
    uint8_t buf[256];

    assert_true(at + cut <= sizeof(fixed_bytes));
    assert_true(sizeof(fixed_bytes) - cut + n_ins <= sizeof(buf));
    memcpy(buf, fixed_bytes, at);
    if (n_ins > 0)
        memcpy(buf + at, ins, n_ins);
    memcpy(buf + at + n_ins, fixed_bytes + at + cut,
           sizeof(fixed_bytes) - at - cut);
    expect_reject_why(buf, sizeof(fixed_bytes) - cut + n_ins, what, why);
}

/* Rejects fixed_bytes with [at, at + cut) replaced by the bytes given,
 * for the reason `why` (a substring of the error message). */
#define EDIT(at, cut, what, why, ...)                                          \
    do {                                                                       \
        static const uint8_t ins_[] = {__VA_ARGS__};                           \
        reject_edit(at, cut, ins_, sizeof(ins_), what, why);                   \
    } while (0)

static void test_rejects_non_canonical(void **state)
{
    (void)state;
    /* offsets in fixed_bytes: map 0, key1 1, key2 19, key3 21, key4 56,
     * key5 58, key6 60, key7 62, key8 66, key9 70 */
    assert_int_equal(fixed_bytes[19], 0x02);
    assert_int_equal(fixed_bytes[56], 0x04);
    assert_int_equal(fixed_bytes[70], 0x09);

    /* integers and lengths not in their shortest form */
    EDIT(20, 1, "seq 5 as 0x18 0x05",
         "(seq): integer or length not in its shortest", 0x18, 0x05);
    EDIT(20, 1, "seq 5 as 0x19", "(seq): integer or length not in its shortest",
         0x19, 0x00, 0x05);
    EDIT(20, 1, "seq 5 as 0x1a", "(seq): integer or length not in its shortest",
         0x1a, 0x00, 0x00, 0x00, 0x05);
    EDIT(20, 1, "seq 5 as 0x1b", "(seq): integer or length not in its shortest",
         0x1b, 0, 0, 0, 0, 0, 0, 0, 0x05);
    EDIT(57, 1, "position 0 as 0x18 0x00",
         "(position): integer or length not in its shortest", 0x18, 0x00);
    EDIT(61, 1, "observed_us -1 as 0x38 0x00",
         "(observed_us): integer or length not in its shortest", 0x38, 0x00);
    EDIT(0, 1, "map head as 0xb8 0x09",
         "offset 0: integer or length not in its shortest", 0xb8, 0x09);
    EDIT(1, 1, "key 1 as 0x18 0x01", "key 1 (store_id): expected this key",
         0x18, 0x01);
    EDIT(22, 2, "source_key length as 0x59 0x00 0x20",
         "(source_key): integer or length not in its shortest", 0x59, 0x00,
         0x20);
    EDIT(63, 1, "format length as 0x78 0x02",
         "(format): integer or length not in its shortest", 0x78, 0x02);
    EDIT(2, 1, "store_id length as 0x58 0x10",
         "(store_id): integer or length not in its shortest", 0x58, 0x10);

    /* indefinite lengths */
    EDIT(67, 3, "indefinite record", "(record): indefinite", 0x5f, 0x42, 0x68,
         0x69, 0xff);
    EDIT(63, 3, "indefinite format", "(format): indefinite", 0x7f, 0x62, 0x70,
         0x67, 0xff);
    {
        uint8_t buf[100];
        memcpy(buf, fixed_bytes, sizeof(fixed_bytes));
        buf[0] = 0xbf;
        buf[sizeof(fixed_bytes)] = 0xff;
        expect_reject_why(buf, sizeof(fixed_bytes) + 1, "indefinite map",
                          "offset 0: indefinite");
    }
    EDIT(20, 1, "reserved additional information 28", "(seq): reserved", 0x1c);

    /* keys: order, duplicates, missing, extra, unknown */
    EDIT(56, 4, "keys 4 and 5 swapped", "key 4 (position): expected this key",
         0x05, 0x01, 0x04, 0x00);
    EDIT(58, 1, "key 4 twice", "key 5 (line): expected this key", 0x04);
    reject_edit(70, 18, NULL, 0, "salt missing (map still says 9)",
                "key 9 (salt): truncated");
    {
        uint8_t buf[100];
        memcpy(buf, fixed_bytes, 70);
        buf[0] = 0xa8;
        expect_reject_why(buf, 70, "map of 8 without salt",
                          "not a map of 9 or 10 pairs");
        memcpy(buf, fixed_bytes, sizeof(fixed_bytes));
        buf[0] = 0xaa;
        buf[88] = 0x0a;
        buf[89] = 0x00;
        expect_reject_why(buf, 90, "key 10 not a byte string",
                          "key 10 (original_hmac): not a byte string");
        buf[89] = 0x41;
        expect_reject_why(buf, 90, "key 10 of 1 byte",
                          "key 10 (original_hmac): wrong length");
        buf[88] = 0x0b;
        expect_reject_why(buf, 90, "key 11 in place of 10",
                          "key 10 (original_hmac): expected this key");
        buf[88] = 0x0a;
        expect_reject(buf, 89, "truncated extra key");
        buf[0] = 0xab;
        expect_reject_why(buf, 88, "map of 11", "not a map of 9 or 10 pairs");
    }
    EDIT(70, 1, "key 10 in place of 9", "key 9 (salt): expected this key",
         0x0a);
    EDIT(1, 1, "key 0 in place of 1", "key 1 (store_id): expected this key",
         0x00);
    EDIT(19, 1, "key -3 in place of 2", "key 2 (seq): expected this key", 0x22);
    EDIT(19, 1, "text key \"b\" in place of 2",
         "key 2 (seq): expected this key", 0x61, 0x62);

    /* wrong types and sizes */
    EDIT(0, 1, "array instead of map", "offset 0: not a map", 0x89);
    EDIT(20, 1, "seq as bstr", "(seq): not an unsigned integer", 0x41, 0x05);
    EDIT(20, 1, "seq as negint", "(seq): not an unsigned integer", 0x25);
    EDIT(20, 1, "seq as float", "(seq): not an unsigned integer", 0xf9, 0x00,
         0x00);
    EDIT(20, 1, "seq as tag", "(seq): not an unsigned integer", 0xc1, 0x05);
    EDIT(20, 1, "seq as simple true", "(seq): not an unsigned integer", 0xf5);
    EDIT(2, 1, "store_id as tstr", "(store_id): not a byte string", 0x70);
    EDIT(2, 2, "store_id of 15 bytes", "(store_id): wrong length", 0x4f);
    EDIT(2, 1, "store_id of 17 bytes", "(store_id): wrong length", 0x51, 0x00);
    EDIT(23, 1, "source_key of 31 bytes", "(source_key): wrong length", 0x1f);
    EDIT(61, 1, "observed_us as bstr", "(observed_us): not an integer", 0x40);
    EDIT(63, 1, "format as bstr", "(format): not a text string", 0x42);
    EDIT(67, 1, "record as tstr", "(record): not a byte string", 0x62);
    EDIT(71, 1, "salt of 15 bytes", "(salt): wrong length", 0x4f);
    EDIT(64, 2, "format not UTF-8", "(format): not UTF-8", 0xc3, 0x28);
    EDIT(64, 2, "format overlong UTF-8", "(format): not UTF-8", 0xc0, 0xaf);
    EDIT(63, 3, "format with a surrogate", "(format): not UTF-8", 0x63, 0xed,
         0xa0, 0x80);
    EDIT(63, 3, "format past U+10FFFF", "(format): not UTF-8", 0x64, 0xf4, 0x90,
         0x80, 0x80);
    EDIT(64, 2, "format with a NUL", "(format): not UTF-8", 0x70, 0x00);
    EDIT(61, 1, "observed_us 2^63", "(observed_us): integer outside", 0x1b,
         0x80, 0, 0, 0, 0, 0, 0, 0);
    EDIT(61, 1, "observed_us -2^63 - 1", "(observed_us): integer outside", 0x3b,
         0x80, 0, 0, 0, 0, 0, 0, 0);
    EDIT(67, 3, "record length past the end", "(record): truncated", 0x5a, 0xff,
         0xff, 0xff, 0xff);
    EDIT(67, 3, "record length 2^64 - 1", "(record): truncated", 0x5b, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
}

static void test_truncation_and_trailing(void **state)
{
    uint8_t buf[100];
    ts_sealed_entry d;
    size_t consumed = 0;
    ts_error err;

    (void)state;
    /* every prefix, in a buffer of exactly its size (so sanitizer builds
     * catch a read past it), fails where the bytes run out */
    for (size_t len = 0; len < sizeof(fixed_bytes); len++) {
        uint8_t *copy = malloc(len > 0 ? len : 1);
        const char *at;
        assert_non_null(copy);
        memcpy(copy, fixed_bytes, len);
        assert_int_equal(ts_entry_decode(copy, len, &d, &consumed, &err),
                         TS_ECORRUPT);
        assert_non_null(strstr(err.msg, "truncated"));
        at = strstr(err.msg, "offset ");
        assert_non_null(at);
        assert_true(strtoul(at + 7, NULL, 10) <= len);
        free(copy);
    }
    expect_reject(NULL, 0, "empty");
    /* bytes after the entry are not part of it */
    memcpy(buf, fixed_bytes, sizeof(fixed_bytes));
    memset(buf + sizeof(fixed_bytes), 0xff, sizeof(buf) - sizeof(fixed_bytes));
    assert_int_equal(ts_entry_decode(buf, sizeof(buf), &d, &consumed, &err), 0);
    assert_int_equal(consumed, sizeof(fixed_bytes));
}

/* Whatever a single flipped bit turns the bytes into, the decoder either
 * rejects it or accepts exactly the canonical encoding of what it read. */
static void test_mutations_are_canonical_or_rejected(void **state)
{
    uint8_t buf[sizeof(fixed_bytes)];
    unsigned n_accepted = 0, n_rejected = 0;
    ts_buf re;

    (void)state;
    ts_buf_init(&re, 1 << 16);
    for (size_t i = 0; i < sizeof(fixed_bytes); i++) {
        for (int bit = 0; bit < 8; bit++) {
            ts_sealed_entry d;
            size_t consumed = 0;
            int rc;

            memcpy(buf, fixed_bytes, sizeof(buf));
            buf[i] ^= (uint8_t)(1 << bit);
            rc = ts_entry_decode(buf, sizeof(buf), &d, &consumed, NULL);
            if (rc != 0) {
                assert_int_equal(rc, TS_ECORRUPT);
                n_rejected++;
                continue;
            }
            re.len = 0;
            assert_int_equal(ts_entry_encode(&d, &re, NULL), 0);
            assert_int_equal(re.len, consumed);
            assert_memory_equal(re.data, buf, consumed);
            n_accepted++;
        }
    }
    /* flips inside the byte strings' contents and small integers are
     * accepted (they are other valid entries); the rest are not */
    assert_true(n_accepted > 400);
    assert_true(n_rejected > 100);
    ts_buf_release(&re);
}

/* A redacted entry: key 10 after the salt, the map of 10 pairs. */
static void test_original_hmac(void **state)
{
    uint8_t mac[TS_ORIGINAL_HMAC_SIZE];
    ts_sealed_entry e, d;
    ts_buf buf;
    size_t consumed = 0;
    ts_error err;

    (void)state;
    fixed_entry(&e);
    memset(mac, 0x5a, sizeof(mac));
    e.original_hmac = mac;
    ts_buf_init(&buf, 1 << 20);
    assert_int_equal(ts_entry_encode(&e, &buf, &err), 0);
    /* key 10, a 1-byte head (0x50), the 16 bytes */
    assert_int_equal(buf.len, sizeof(fixed_bytes) + 2 + TS_ORIGINAL_HMAC_SIZE);
    assert_int_equal(buf.data[0], 0xaa);
    assert_memory_equal(buf.data + 1, fixed_bytes + 1, sizeof(fixed_bytes) - 1);
    assert_int_equal(buf.data[88], 0x0a);
    assert_int_equal(buf.data[89], 0x50);
    assert_memory_equal(buf.data + 90, mac, sizeof(mac));
    check_with_libcbor(buf.data, buf.len, &e);
    assert_int_equal(ts_entry_decode(buf.data, buf.len, &d, &consumed, &err),
                     0);
    assert_int_equal(consumed, buf.len);
    assert_entries_equal(&e, &d);
    assert_non_null(d.original_hmac);
    assert_memory_equal(d.original_hmac, mac, sizeof(mac));
    /* a plain entry decodes without one */
    assert_int_equal(
        ts_entry_decode(fixed_bytes, sizeof(fixed_bytes), &d, &consumed, &err),
        0);
    assert_null(d.original_hmac);
    ts_buf_release(&buf);
}

/* ts_entry_leaf_hash() joins short formats to the head and hashes long
 * ones apart: both are SHA-256(0x00 || ts_entry_encode()'s bytes). */
static void test_leaf_hash_matches_encoding(void **state)
{
    static const size_t format_lens[] = {0, 1, 63, 64, 65, 300};
    static const uint8_t mac[TS_ORIGINAL_HMAC_SIZE] = {1, 2, 3};
    char format[301];
    ts_sealed_entry e;
    ts_buf buf;
    ts_error err;

    (void)state;
    memset(format, 'f', sizeof(format));
    ts_buf_init(&buf, 1 << 16);
    for (size_t i = 0; i < sizeof(format_lens) / sizeof(format_lens[0]); i++) {
        uint8_t want[TS_HASH_SIZE], got[TS_HASH_SIZE];
        fixed_entry(&e);
        e.format = format;
        e.format_len = format_lens[i];
        e.observed_us = i % 2 ? INT64_MIN : INT64_MAX;
        e.original_hmac = i % 3 == 0 ? mac : NULL; /* redacted, or not */
        buf.len = 0;
        assert_int_equal(ts_entry_encode(&e, &buf, &err), 0);
        ts_merkle_leaf_hash(buf.data, buf.len, want);
        assert_int_equal(ts_entry_leaf_hash(&e, got, &err), 0);
        assert_memory_equal(got, want, TS_HASH_SIZE);
    }
    /* the fixed entry's leaf, by its exact bytes */
    {
        uint8_t want[TS_HASH_SIZE], got[TS_HASH_SIZE];
        fixed_entry(&e);
        ts_merkle_leaf_hash(fixed_bytes, sizeof(fixed_bytes), want);
        assert_int_equal(ts_entry_leaf_hash(&e, got, &err), 0);
        assert_memory_equal(got, want, TS_HASH_SIZE);
    }
    /* refused as the encoder refuses */
    e.format = "\xff";
    e.format_len = 1;
    {
        uint8_t got[TS_HASH_SIZE];
        assert_int_equal(ts_entry_leaf_hash(&e, got, &err), TS_EINVAL);
    }
    ts_buf_release(&buf);
}

static void test_encode_rejects(void **state)
{
    ts_sealed_entry e;
    ts_buf buf;
    ts_error err;

    (void)state;
    fixed_entry(&e);
    ts_buf_init(&buf, 1 << 16);
    e.format = "\xff";
    e.format_len = 1;
    assert_int_equal(ts_entry_encode(&e, &buf, &err), TS_EINVAL);
    e.format = "a\0b";
    e.format_len = 3;
    assert_int_equal(ts_entry_encode(&e, &buf, &err), TS_EINVAL);
    assert_int_equal(buf.len, 0);
    ts_buf_release(&buf);
    /* the buffer's cap holds */
    fixed_entry(&e);
    ts_buf_init(&buf, 64);
    assert_int_equal(ts_entry_encode(&e, &buf, &err), TS_ELIMIT);
    assert_int_equal(buf.len, 0);
    ts_buf_release(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_bytes),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_rejects_non_canonical),
        cmocka_unit_test(test_truncation_and_trailing),
        cmocka_unit_test(test_mutations_are_canonical_or_rejected),
        cmocka_unit_test(test_original_hmac),
        cmocka_unit_test(test_encode_rejects),
        cmocka_unit_test(test_leaf_hash_matches_encoding),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
