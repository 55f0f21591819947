/* HMAC-SHA256 (RFC 2104) under a 32-byte key used for many messages: the
 * key's two padded blocks are hashed once (ts_hmac_keys_set), and each
 * message copies their states, one SHA-256 compression each for the inner
 * and the outer hash instead of two. The value HMACs (value_hmac.c) and
 * the entries' salts (store/block.c) both use it. */
#ifndef TS_HMAC_H
#define TS_HMAC_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>

#define TS_HMAC_KEY_SIZE 32
#define TS_HMAC_SIZE 32

/* A key's padded blocks hashed: the states every message starts from.
 * Plain data, copied by assignment; nothing to free. */
typedef struct ts_hmac_keys {
    SHA256_CTX inner, outer;
} ts_hmac_keys;

void ts_hmac_keys_set(ts_hmac_keys *k, const uint8_t key[TS_HMAC_KEY_SIZE]);
/* HMAC-SHA256(k's key, data). Nothing in it can fail. */
void ts_hmac_sha256(const ts_hmac_keys *k, const void *data, size_t len,
                    uint8_t out[TS_HMAC_SIZE]);

#endif
