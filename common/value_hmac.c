/* HMAC-SHA256 (RFC 2104) under the value key, with the keyed pads hashed
 * once and their states copied for every value. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "trailseal/redact.h"

#define SHA256_BLOCK 64

struct ts_value_hasher {
    EVP_MD_CTX *inner, *outer; /* after the ipad / opad block */
    EVP_MD_CTX *work;
};

void ts_value_hasher_free(ts_value_hasher *h)
{
    if (h == NULL)
        return;
    EVP_MD_CTX_free(h->inner);
    EVP_MD_CTX_free(h->outer);
    EVP_MD_CTX_free(h->work);
    free(h);
}

static int keyed(EVP_MD_CTX *ctx, const uint8_t key[TS_VALUE_KEY_SIZE],
                 uint8_t pad_byte)
{
    uint8_t pad[SHA256_BLOCK];

    memset(pad, pad_byte, sizeof(pad));
    for (size_t i = 0; i < TS_VALUE_KEY_SIZE; i++)
        pad[i] ^= key[i];
    return EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
           EVP_DigestUpdate(ctx, pad, sizeof(pad)) == 1;
}

int ts_value_hasher_new(ts_value_hasher **out,
                        const uint8_t key[TS_VALUE_KEY_SIZE], ts_error *err)
{
    ts_value_hasher *h = calloc(1, sizeof(*h));

    *out = NULL;
    if (h == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    h->inner = EVP_MD_CTX_new();
    h->outer = EVP_MD_CTX_new();
    h->work = EVP_MD_CTX_new();
    if (h->inner == NULL || h->outer == NULL || h->work == NULL ||
        !keyed(h->inner, key, 0x36) || !keyed(h->outer, key, 0x5c)) {
        ts_value_hasher_free(h);
        return ts_error_set(err, TS_ECRYPTO, "cannot key HMAC-SHA256");
    }
    *out = h;
    return 0;
}

int ts_value_hmac(ts_value_hasher *h, const void *data, size_t len,
                  uint8_t out[TS_VALUE_HMAC_SIZE], ts_error *err)
{
    uint8_t inner[TS_VALUE_HMAC_SIZE];

    if (EVP_MD_CTX_copy_ex(h->work, h->inner) != 1 ||
        EVP_DigestUpdate(h->work, data, len) != 1 ||
        EVP_DigestFinal_ex(h->work, inner, NULL) != 1 ||
        EVP_MD_CTX_copy_ex(h->work, h->outer) != 1 ||
        EVP_DigestUpdate(h->work, inner, sizeof(inner)) != 1 ||
        EVP_DigestFinal_ex(h->work, out, NULL) != 1)
        return ts_error_set(err, TS_ECRYPTO, "HMAC-SHA256 failed");
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
