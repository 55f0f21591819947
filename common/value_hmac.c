/* HMAC-SHA256 (RFC 2104) under the value key, with the keyed pads hashed
 * once and their states copied for every value.
 *
 * OpenSSL's SHA256_Init/Update/Final on contexts held by value, as
 * store/merkle.c hashes: a copy is a struct assignment, where through EVP
 * each of the two copies per value went through the provider
 * (EVP_MD_CTX_copy_ex; docs/PERFORMANCE.md, "Sealing: fewer passes over
 * each record"). OpenSSL 3 deprecates these functions in favour of EVP
 * but ships them; nothing here can fail. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "trailseal/redact.h"

struct ts_value_hasher {
    SHA256_CTX inner, outer; /* after the ipad / opad block */
};

void ts_value_hasher_free(ts_value_hasher *h)
{
    if (h == NULL)
        return;
    OPENSSL_cleanse(h, sizeof(*h));
    free(h);
}

static void keyed(SHA256_CTX *ctx, const uint8_t key[TS_VALUE_KEY_SIZE],
                  uint8_t pad_byte)
{
    uint8_t pad[SHA256_CBLOCK];

    memset(pad, pad_byte, sizeof(pad));
    for (size_t i = 0; i < TS_VALUE_KEY_SIZE; i++)
        pad[i] ^= key[i];
    SHA256_Init(ctx);
    SHA256_Update(ctx, pad, sizeof(pad));
    OPENSSL_cleanse(pad, sizeof(pad));
}

int ts_value_hasher_new(ts_value_hasher **out,
                        const uint8_t key[TS_VALUE_KEY_SIZE], ts_error *err)
{
    ts_value_hasher *h = calloc(1, sizeof(*h));

    *out = NULL;
    if (h == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    keyed(&h->inner, key, 0x36);
    keyed(&h->outer, key, 0x5c);
    *out = h;
    return 0;
}

int ts_value_hmac(ts_value_hasher *h, const void *data, size_t len,
                  uint8_t out[TS_VALUE_HMAC_SIZE], ts_error *err)
{
    uint8_t inner[TS_VALUE_HMAC_SIZE];
    SHA256_CTX work = h->inner;

    (void)err; /* nothing can fail */
    SHA256_Update(&work, data, len);
    SHA256_Final(inner, &work);
    work = h->outer;
    SHA256_Update(&work, inner, sizeof(inner));
    SHA256_Final(out, &work);
    return 0;
}

int ts_value_hmac64(ts_value_hasher *h, const void *data, size_t len,
                    int64_t *out, ts_error *err)
{
    uint8_t mac[TS_VALUE_HMAC_SIZE];
    uint64_t v = 0;
    int rc = ts_value_hmac(h, data, len, mac, err);

    if (rc != 0)
        return rc;
    for (int i = 0; i < 8; i++)
        v = v << 8 | mac[i];
    *out = (int64_t)v;
    return 0;
}
