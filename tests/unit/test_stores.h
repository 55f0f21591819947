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

/* Ingests the pg-stderr log at path (log_line_prefix prefix) into store,
 * its statements analysed against catalog (NULL: none). */
static inline void ingest_analyzed(ts_store *store, const char *prefix,
                                   const char *path, const ts_catalog *catalog)
{
    ts_ingest_options opts = {0, 0, NULL, NULL, 0};
    ts_ingest_stats st;
    ts_source *src = NULL;
    ts_error err;

    ts_error_clear(&err);
    if (ts_source_open_file(&src, "pg-stderr", prefix, path, &err) != 0 ||
        ts_source_analyzing(&src, src, catalog, &err) != 0 ||
        ts_store_ingest(store, src, &opts, &st, &err) != 0)
        fail_msg("ingesting %s: %s", path, err.msg);
    ts_source_free(src);
}

#endif
