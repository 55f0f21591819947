/* Store helpers the query tests share. Included after cmocka.h; failures
 * are cmocka failures. */
#ifndef TS_TEST_STORES_H
#define TS_TEST_STORES_H

#include "trailseal/trailseal.h"

/* Closes *store and opens path again with flags (TS_STORE_READONLY, or 0
 * to write, which upgrades an older index). */
static inline void reopen_store(ts_store **store, const char *path,
                                unsigned flags)
{
    ts_error err;

    ts_store_free(*store);
    ts_error_clear(&err);
    if (ts_store_open(store, path, flags, &err) != 0)
        fail_msg("%s", err.msg);
}

#endif
