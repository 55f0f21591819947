/* HMAC-SHA256 with its keyed pads hashed once (hmac.h).
 *
 * OpenSSL's SHA256_Init/Update/Final on contexts held by value, as
 * store/merkle.c hashes: a copy is a struct assignment, where through EVP
 * each copy went through the provider (EVP_MD_CTX_copy_ex;
 * docs/PERFORMANCE.md, "Sealing: fewer passes over each record"). OpenSSL
 * 3 deprecates these functions in favour of EVP but ships them; nothing
 * here can fail. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <string.h>

#include <openssl/crypto.h>

#include "common/hmac.h"

static void keyed(SHA256_CTX *ctx, const uint8_t key[TS_HMAC_KEY_SIZE],
                  uint8_t pad_byte)
{
    uint8_t pad[SHA256_CBLOCK];

    memset(pad, pad_byte, sizeof(pad));
    for (size_t i = 0; i < TS_HMAC_KEY_SIZE; i++)
        pad[i] ^= key[i];
    SHA256_Init(ctx);
    SHA256_Update(ctx, pad, sizeof(pad));
    OPENSSL_cleanse(pad, sizeof(pad));
}

void ts_hmac_keys_set(ts_hmac_keys *k, const uint8_t key[TS_HMAC_KEY_SIZE])
{
    keyed(&k->inner, key, 0x36);
    keyed(&k->outer, key, 0x5c);
}

void ts_hmac_sha256(const ts_hmac_keys *k, const void *data, size_t len,
                    uint8_t out[TS_HMAC_SIZE])
{
    uint8_t inner[TS_HMAC_SIZE];
    SHA256_CTX work = k->inner;

    SHA256_Update(&work, data, len);
    SHA256_Final(inner, &work);
    work = k->outer;
    SHA256_Update(&work, inner, sizeof(inner));
    SHA256_Final(out, &work);
}
