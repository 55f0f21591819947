/* Fuzz target: stored blocks (store/block.c, schemas/block.md). Bytes that
 * unpack give entries that decode canonically one after another, and that
 * pack again (same secret) and unpack to the same entries. */
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
    if (ts_block_unpack(data, size, &plain, secret, NULL) == 0) {
        while (off < plain.len) {
            ts_sealed_entry e;
            if (ts_entry_decode(plain.data + off, plain.len - off, &e, &used,
                                NULL) != 0)
                ts_fuzz_fail("an unpacked entry does not decode");
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
