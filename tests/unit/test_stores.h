/* Store helpers the query tests share. Included after cmocka.h; failures
 * are cmocka failures. */
#ifndef TS_TEST_STORES_H
#define TS_TEST_STORES_H

#include <string.h>

#include "store/store_internal.h"
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

/* Every row of sql, one line each, its columns '|'-separated, NULL as
 * "NULL"; the caller frees it with sqlite3_free(). A statement that fails
 * fails the test. */
static inline char *store_dump(ts_store *store, const char *sql)
{
    sqlite3 *db = ts_store_sqlite(store);
    sqlite3_str *out = sqlite3_str_new(db);
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            sqlite3_str_appendf(out, c ? "|%s" : "%s", v ? v : "NULL");
        }
        sqlite3_str_appendchar(out, 1, '\n');
    }
    if (rc != SQLITE_DONE)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return sqlite3_str_finish(out);
}

/* store_dump(store, sql) is want. */
static inline void expect_store_dump(ts_store *store, const char *sql,
                                     const char *want)
{
    char *got = store_dump(store, sql);

    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("%s:\ngot:\n%swant:\n%s", sql, got ? got : "(none)", want);
    sqlite3_free(got);
}

#endif
