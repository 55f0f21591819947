/* HMAC-SHA256 (RFC 2104) under the value key (common/hmac.h). */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "common/hmac.h"
#include "trailseal/redact.h"

_Static_assert(TS_VALUE_KEY_SIZE == TS_HMAC_KEY_SIZE &&
                   TS_VALUE_HMAC_SIZE == TS_HMAC_SIZE,
               "the value key is an HMAC-SHA256 key");

struct ts_value_hasher {
    ts_hmac_keys keys;
};

void ts_value_hasher_free(ts_value_hasher *h)
{
    if (h == NULL)
        return;
    OPENSSL_cleanse(h, sizeof(*h));
    free(h);
}

int ts_value_hasher_new(ts_value_hasher **out,
                        const uint8_t key[TS_VALUE_KEY_SIZE], ts_error *err)
{
    ts_value_hasher *h = calloc(1, sizeof(*h));

    *out = NULL;
    if (h == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    ts_hmac_keys_set(&h->keys, key);
    *out = h;
    return 0;
}

int ts_value_hmac(ts_value_hasher *h, const void *data, size_t len,
                  uint8_t out[TS_VALUE_HMAC_SIZE], ts_error *err)
{
    (void)err; /* nothing can fail */
    ts_hmac_sha256(&h->keys, data, len, out);
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
