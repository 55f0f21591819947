/* Fuzz target: stored blocks (store/block.c, schemas/block.md). Bytes that
 * unpack give entries that decode canonically one after another, and that
 * pack again (same secret) and unpack to the same entries; the leaves
 * verify hashes in place are those entries' leaf hashes. */
#include <string.h>

#include "store/store_internal.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t secret[TS_BLOCK_SECRET_SIZE];
    ts_buf plain, packed, again;
    size_t off = 0, used = 0;

    ts_buf_init(&plain, (size_t)1 << 24);
    ts_buf_init(&packed, (size_t)1 << 26);
    ts_buf_init(&again, (size_t)1 << 24);
    static uint8_t leaves[4096][TS_HASH_SIZE];
    ts_block_reader *r = NULL;
    ts_block_info info;
    int unpacked, hashed;

    if (ts_block_reader_new(&r, (size_t)1 << 24, NULL) != 0)
        ts_fuzz_fail("no block reader");
    unpacked = ts_block_unpack(data, size, &plain, secret, NULL) == 0;
    hashed =
        ts_block_reader_leaves(r, data, size, &info, leaves, 4096, NULL) == 0;
    ts_block_reader_free(r);
    if (unpacked != hashed)
        ts_fuzz_fail("unpacking and hashing disagree on a block");
    if (unpacked) {
        for (uint64_t i = 0; off < plain.len; i++) {
            ts_sealed_entry e;
            uint8_t leaf[TS_HASH_SIZE];
            if (ts_entry_decode(plain.data + off, plain.len - off, &e, &used,
                                NULL) != 0)
                ts_fuzz_fail("an unpacked entry does not decode");
            ts_merkle_leaf_hash(plain.data + off, used, leaf);
            if (i < 4096 && memcmp(leaf, leaves[i], TS_HASH_SIZE) != 0)
                ts_fuzz_fail("a leaf hashed in place differs");
            off += used;
        }
        if (ts_block_pack(secret, plain.data, plain.len, &packed, NULL) != 0)
            ts_fuzz_fail("unpacked entries do not pack again");
        if (ts_block_unpack(packed.data, packed.len, &again, NULL, NULL) != 0 ||
            again.len != plain.len ||
            memcmp(again.data, plain.data, plain.len) != 0)
            ts_fuzz_fail("a repacked block unpacks to other entries");
    }
    ts_buf_release(&plain);
    ts_buf_release(&packed);
    ts_buf_release(&again);
    return 0;
}
