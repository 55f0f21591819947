/* A string -> slot map over a caller's array of keyed items. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* header-only: libpg_query bundles its own XXH3 symbols */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common/common.h"

#define STRMAP_MIN_BUCKETS 1024
#define STRMAP_MIN_ITEMS 256

/* A bucket: the key's hash's high 32 bits, then slot + 1 (0: empty). The
 * bits let a probe pass another key without comparing the two. */
#define BUCKET(tag, slot) ((uint64_t)(tag) << 32 | (uint64_t)((slot) + 1))
#define BUCKET_SLOT(b) ((size_t)((b)&0xffffffffu) - 1)
#define BUCKET_TAG(b) ((uint32_t)((b) >> 32))

static const char *key_of(const void *items, size_t i, size_t item_size)
{
    const char *key;

    memcpy(&key, (const char *)items + i * item_size, sizeof(key));
    return key;
}

/* The bucket holding key, or the empty one where it would go (*found 0).
 * *tag: what a new bucket for key holds beside its slot. */
static size_t find(const ts_strmap *m, const char *key, const void *items,
                   size_t item_size, uint32_t *tag, int *found)
{
    uint64_t h = XXH3_64bits(key, strlen(key));
    size_t mask = m->n_buckets - 1, b = (size_t)h & mask;

    *tag = (uint32_t)(h >> 32);
    for (; m->buckets[b] != 0; b = (b + 1) & mask) {
        if (BUCKET_TAG(m->buckets[b]) == *tag &&
            strcmp(key_of(items, BUCKET_SLOT(m->buckets[b]), item_size), key) ==
                0) {
            *found = 1;
            return b;
        }
    }
    *found = 0;
    return b;
}

/* Rebuilds the buckets (n_buckets of them) over items 0 .. n-1. */
static int rebuild(ts_strmap *m, size_t n_buckets, const void *items, size_t n,
                   size_t item_size, ts_error *err)
{
    uint64_t *buckets;

    if (n >= UINT32_MAX - 1)
        return ts_error_set(err, TS_ELIMIT, "more than %u keys in a map",
                            UINT32_MAX - 2);
    buckets = calloc(n_buckets, sizeof(*buckets));

    if (buckets == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    free(m->buckets);
    m->buckets = buckets;
    m->n_buckets = n_buckets;
    m->n = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t tag;
        int found;
        size_t b = find(m, key_of(items, i, item_size), items, item_size, &tag,
                        &found);
        m->buckets[b] = BUCKET(tag, i);
        m->n++;
    }
    return 0;
}

int ts_strmap_slot(ts_strmap *m, const char *key, void **items,
                   size_t *items_size, size_t item_size, size_t *slot,
                   int *created, ts_error *err)
{
    uint32_t tag;
    size_t b;
    int found, rc;

    if ((m->n + 1) * 2 > m->n_buckets) {
        size_t n = m->n_buckets ? m->n_buckets * 2 : STRMAP_MIN_BUCKETS;
        rc = rebuild(m, n, *items, m->n, item_size, err);
        if (rc != 0)
            return rc;
    }
    b = find(m, key, *items, item_size, &tag, &found);
    *created = !found;
    if (found) {
        *slot = BUCKET_SLOT(m->buckets[b]);
        return 0;
    }
    if (m->n >= UINT32_MAX - 1)
        return ts_error_set(err, TS_ELIMIT, "more than %u keys in a map",
                            UINT32_MAX - 2);
    if (m->n == *items_size) {
        size_t n = *items_size ? *items_size * 2 : STRMAP_MIN_ITEMS, bytes;
        void *grown;
        if (ts_size_mul(n, item_size, &bytes) != 0 ||
            (grown = realloc(*items, bytes)) == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        *items = grown;
        *items_size = n;
    }
    char *copy = strdup(key);
    if (copy == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    *slot = m->n++;
    char *item = (char *)*items + *slot * item_size;
    memset(item, 0, item_size);
    memcpy(item, &copy, sizeof(copy));
    m->buckets[b] = BUCKET(tag, *slot);
    return 0;
}

int ts_strmap_find(const ts_strmap *m, const char *key, const void *items,
                   size_t item_size, size_t *slot)
{
    uint32_t tag;
    int found;
    size_t b;

    if (m->n_buckets == 0)
        return 0;
    b = find(m, key, items, item_size, &tag, &found);
    if (found)
        *slot = BUCKET_SLOT(m->buckets[b]);
    return found;
}

int ts_strmap_reindex(ts_strmap *m, const void *items, size_t n,
                      size_t item_size, ts_error *err)
{
    size_t n_buckets = STRMAP_MIN_BUCKETS;

    while (n_buckets < 2 * (n + 1))
        n_buckets *= 2;
    return rebuild(m, n_buckets, items, n, item_size, err);
}

void ts_strmap_release(ts_strmap *m)
{
    free(m->buckets);
    memset(m, 0, sizeof(*m));
}
