/* Tests for store/block.c: salts are HMAC-SHA256, and the leaves verify
 * hashes straight from a stored block, and the entries and leaves a prover
 * reads, are those of the entries ts_block_unpack() rebuilds, also for
 * damaged blocks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store/store_internal.h"

#define N 300

static uint8_t g_secret[TS_BLOCK_SECRET_SIZE];

static void test_salt_is_hmac(void **state)
{
    (void)state;
    for (uint64_t seq = 0; seq < 2000; seq += 97) {
        uint8_t msg[8], mac[TS_HASH_SIZE], salt[TS_SALT_SIZE];
        size_t mac_len = 0;
        for (int i = 0; i < 8; i++)
            msg[i] = (uint8_t)(seq >> (56 - 8 * i));
        assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, g_secret,
                                  sizeof(g_secret), msg, sizeof(msg), mac,
                                  sizeof(mac), &mac_len));
        ts_block_salt(g_secret, seq, salt);
        assert_memory_equal(salt, mac, TS_SALT_SIZE);
    }
}

/* N entries from seq 1024 on, with two sources, negative and large
 * integers and records of 0..~600 bytes, packed into *packed; with
 * `redacted`, every fourth entry carries an original-record HMAC (entry key
 * 10: a block of format 3). */
static void make_block(ts_buf *packed, int redacted)
{
    static char record[700];
    static uint8_t mac[TS_ORIGINAL_HMAC_SIZE];
    ts_buf plain;
    ts_error err;

    memset(record, 'r', sizeof(record));
    ts_buf_init(&plain, 1 << 24);
    for (uint64_t i = 0; i < N; i++) {
        ts_sealed_entry e;
        memset(&e, 0, sizeof(e));
        memset(e.store_id, 0x5a, sizeof(e.store_id));
        e.seq = 1024 + i;
        memset(e.source_key, i % 3 ? 0xaa : 0xbb, sizeof(e.source_key));
        e.format = i % 3 ? "pg-stderr"
                         : "a format longer than sixty-four "
                           "bytes, hashed apart from the head";
        e.format_len = strlen(e.format);
        e.position = i * 1000 + (i % 7 == 0 ? UINT64_MAX / 2 : 0);
        e.line = i % 5 == 0 ? 0 : i * 3;
        e.observed_us = i % 4 == 0 ? -(int64_t)i * 1000 : (int64_t)i << 40;
        record[0] = (char)i;
        e.record = (const uint8_t *)record;
        e.record_len = (i * 37) % 601;
        ts_block_salt(g_secret, e.seq, e.salt);
        if (redacted && i % 4 == 1) {
            memset(mac, (int)i, sizeof(mac));
            e.original_hmac = mac;
        }
        assert_int_equal(ts_entry_encode(&e, &plain, &err), 0);
    }
    assert_int_equal(
        ts_block_pack(g_secret, plain.data, plain.len, packed, &err), 0);
    ts_buf_release(&plain);
}

/* The prover's way (ts_block_reader_entries) must give exactly what
 * unpacking gives (plain, its entries' starts) and the leaves verify
 * hashes. */
static void entries_agree(ts_block_reader *r, const uint8_t *src, size_t len,
                          int rc_unpack, const ts_buf *plain,
                          uint8_t (*leaves)[TS_HASH_SIZE])
{
    static uint8_t hashes[N + 8][TS_HASH_SIZE];
    static size_t offsets[N + 9];
    ts_block_entries got = {{0}, offsets, hashes};
    ts_block_info info;
    ts_error err;
    int rc;

    ts_buf_init(&got.plain, 1 << 24);
    rc = ts_block_reader_entries(r, src, len, &info, &got, N + 8, &err);
    assert_int_equal(rc == 0, rc_unpack == 0);
    if (rc == 0) {
        size_t off = 0;
        assert_true(got.plain.len == plain->len);
        assert_memory_equal(got.plain.data, plain->data, plain->len);
        assert_true(offsets[info.n_entries] == plain->len);
        for (uint64_t i = 0; i < info.n_entries; i++) {
            ts_sealed_entry e;
            size_t used = 0;
            assert_true(offsets[i] == off);
            assert_int_equal(ts_entry_decode(plain->data + off,
                                             plain->len - off, &e, &used, &err),
                             0);
            off += used;
            assert_memory_equal(hashes[i], leaves[i], TS_HASH_SIZE);
        }
    }
    ts_buf_release(&got.plain);
}

/* Unpacks src three ways: they must agree on success, and on every leaf. */
static int both_ways(ts_block_reader *r, const uint8_t *src, size_t len)
{
    static uint8_t leaves[N + 8][TS_HASH_SIZE];
    ts_block_info info;
    ts_buf plain;
    ts_error err;
    int rc_unpack, rc_leaves;
    size_t off = 0;

    ts_buf_init(&plain, 1 << 24);
    rc_unpack = ts_block_unpack(src, len, &plain, NULL, &err);
    rc_leaves = ts_block_reader_leaves(r, src, len, &info, leaves, N + 8, &err);
    assert_int_equal(rc_unpack == 0, rc_leaves == 0);
    entries_agree(r, src, len, rc_unpack, &plain, leaves);
    for (uint64_t i = 0; rc_unpack == 0 && off < plain.len; i++) {
        ts_sealed_entry e;
        size_t used = 0;
        uint8_t want[TS_HASH_SIZE];
        assert_true(i < info.n_entries);
        assert_int_equal(
            ts_entry_decode(plain.data + off, plain.len - off, &e, &used, &err),
            0);
        assert_true(e.seq == info.first_seq + i);
        assert_memory_equal(e.store_id, info.store_id, TS_STORE_ID_SIZE);
        ts_merkle_leaf_hash(plain.data + off, used, want);
        assert_memory_equal(leaves[i], want, TS_HASH_SIZE);
        off += used;
        if (off == plain.len)
            assert_true(i + 1 == info.n_entries);
    }
    ts_buf_release(&plain);
    return rc_unpack;
}

static void leaves_match_unpack(int redacted)
{
    static uint8_t few[10][TS_HASH_SIZE];
    ts_block_reader *r = NULL;
    ts_block_info info;
    ts_buf packed;
    ts_error err;

    ts_buf_init(&packed, 1 << 24);
    make_block(&packed, redacted);
    assert_int_equal(packed.data[0], redacted ? 3 : 2);
    assert_int_equal(ts_block_reader_new(&r, 1 << 24, &err), 0);
    assert_int_equal(both_ways(r, packed.data, packed.len), 0);
    /* room for fewer leaves: those are hashed, all are counted */
    assert_int_equal(ts_block_reader_leaves(r, packed.data, packed.len, &info,
                                            few, 10, &err),
                     0);
    assert_true(info.n_entries == N && info.first_seq == 1024);
    assert_memory_equal(info.secret, g_secret, TS_BLOCK_SECRET_SIZE);
    /* a bit flipped in every byte: both ways agree (mostly refused) */
    for (size_t i = 0; i < packed.len; i++) {
        packed.data[i] ^= (uint8_t)(1u << (i % 8));
        (void)both_ways(r, packed.data, packed.len);
        packed.data[i] ^= (uint8_t)(1u << (i % 8));
    }
    /* truncated at every length */
    for (size_t len = 0; len < packed.len; len += 7)
        assert_int_not_equal(both_ways(r, packed.data, len), 0);
    ts_block_reader_free(r);
    ts_buf_release(&packed);
}

static void test_leaves_match_unpack(void **state)
{
    (void)state;
    leaves_match_unpack(0);
}

/* The same for a block of format 3 (redacted entries, schemas/block.md). */
static void test_leaves_match_unpack_redacted(void **state)
{
    (void)state;
    leaves_match_unpack(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_salt_is_hmac),
        cmocka_unit_test(test_leaves_match_unpack),
        cmocka_unit_test(test_leaves_match_unpack_redacted),
    };

    for (size_t i = 0; i < sizeof(g_secret); i++)
        g_secret[i] = (uint8_t)(i * 7 + 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
