/* A bounded string -> integer cache over ts_strmap. */
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

void ts_strcache_init(ts_strcache *c, size_t max_items, size_t max_bytes)
{
    memset(c, 0, sizeof(*c));
    c->max_items = max_items;
    c->max_bytes = max_bytes;
}

void ts_strcache_clear(ts_strcache *c)
{
    for (size_t i = 0; i < c->map.n; i++)
        free(c->items[i].key);
    ts_strmap_release(&c->map);
    c->key_bytes = 0;
}

void ts_strcache_release(ts_strcache *c)
{
    ts_strcache_clear(c);
    free(c->items);
    c->items = NULL;
    c->items_size = 0;
}

/* Finds or adds key's slot, with its bytes counted. */
static int slot_of(ts_strcache *c, const char *key, size_t len, size_t *slot,
                   int *created, ts_error *err)
{
    int rc = ts_strmap_slot(&c->map, key, (void **)&c->items, &c->items_size,
                            sizeof(*c->items), slot, created, err);

    if (rc == 0 && *created)
        c->key_bytes += len;
    return rc;
}

int ts_strcache_get(ts_strcache *c, const char *key, int64_t **value,
                    int *created, ts_error *err)
{
    size_t len = strlen(key) + 1, slot;
    int rc = slot_of(c, key, len, &slot, created, err);

    /* A new key past a bound: start over with it alone. */
    if (rc == 0 && *created &&
        (c->map.n > c->max_items || c->key_bytes > c->max_bytes)) {
        ts_strcache_clear(c);
        rc = slot_of(c, key, len, &slot, created, err);
    }
    if (rc != 0)
        return rc;
    *value = &c->items[slot].value;
    return 0;
}
