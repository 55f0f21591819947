/* The text dictionary of pgAudit records: each distinct (statement,
 * object_name) once in event_texts with its full-text row, so an audit
 * event costs an id instead of a full-text row of its own (schemas/
 * index.sql, "Full text"). Pairs already seen are remembered in memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* What the memory holds at most before it starts over: generated logs
 * hold a few thousand distinct redacted statements per million events. */
#define TS_TEXT_CACHE_ITEMS 65536
#define TS_TEXT_CACHE_BYTES (16u << 20)

struct ts_text_writer {
    ts_store *store;
    sqlite3_stmt *find;
    sqlite3_stmt *insert;
    sqlite3_stmt *fts;
    ts_strcache ids; /* text_key() -> id */
    ts_buf key;      /* scratch */
};

static const char find_sql[] =
    "SELECT id FROM event_texts"
    " WHERE key_hash = ?1 AND statement = ?2 AND object_name IS ?3";
static const char insert_sql[] =
    "INSERT INTO event_texts(key_hash, statement, object_name)"
    " VALUES(?1, ?2, ?3)";
static const char fts_sql[] =
    "INSERT INTO event_texts_fts(rowid, statement, object_name)"
    " VALUES(?1, ?2, ?3)";

int64_t ts_text_key_hash(const char *statement, const char *object_name)
{
    uint64_t h = 1469598103934665603ULL;

    /* FNV-1a over "1" object_name NUL statement, or "0" NUL statement:
     * neither text holds a NUL, so distinct pairs hash distinct strings. */
    h = (h ^ (object_name ? '1' : '0')) * 1099511628211ULL;
    for (const char *s = object_name ? object_name : ""; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h *= 1099511628211ULL; /* the NUL */
    for (const char *s = statement; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (int64_t)h;
}

void ts_text_writer_free(ts_text_writer *w)
{
    if (w == NULL)
        return;
    sqlite3_finalize(w->find);
    sqlite3_finalize(w->insert);
    sqlite3_finalize(w->fts);
    ts_strcache_release(&w->ids);
    ts_buf_release(&w->key);
    free(w);
}

int ts_text_writer_new(ts_text_writer **out, ts_store *store, ts_error *err)
{
    ts_text_writer *w = calloc(1, sizeof(*w));
    int rc;

    *out = NULL;
    if (w == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    w->store = store;
    ts_strcache_init(&w->ids, TS_TEXT_CACHE_ITEMS, TS_TEXT_CACHE_BYTES);
    ts_buf_init(&w->key, SIZE_MAX);
    rc = ts_store_prepare(store, find_sql, &w->find, "indexing texts", err);
    if (rc == 0)
        rc = ts_store_prepare(store, insert_sql, &w->insert, "indexing texts",
                              err);
    if (rc == 0)
        rc = ts_store_prepare(store, fts_sql, &w->fts, "indexing texts", err);
    if (rc != 0) {
        ts_text_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* The pair as one string, exact: "<length of object_name>:" (or "-:" for
 * none), object_name, statement. */
static int text_key(ts_buf *key, const char *statement, const char *object_name,
                    ts_error *err)
{
    char len[32];
    int rc;

    key->len = 0;
    if (object_name)
        snprintf(len, sizeof(len), "%zu:", strlen(object_name));
    else
        snprintf(len, sizeof(len), "-:");
    rc = ts_buf_append(key, len, strlen(len), err);
    if (rc == 0 && object_name)
        rc = ts_buf_append(key, object_name, strlen(object_name), err);
    if (rc == 0)
        rc = ts_buf_append(key, statement, strlen(statement) + 1, err);
    return rc;
}

static void bind_pair(sqlite3_stmt *st, int64_t hash, const char *statement,
                      const char *object_name)
{
    sqlite3_bind_int64(st, 1, hash);
    sqlite3_bind_text(st, 2, statement, -1, SQLITE_STATIC);
    if (object_name)
        sqlite3_bind_text(st, 3, object_name, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
}

/* The pair's id from the index, writing it (and its full-text row) when
 * it is new. */
static int find_or_insert(ts_text_writer *w, const char *statement,
                          const char *object_name, int64_t *id, ts_error *err)
{
    int64_t hash = ts_text_key_hash(statement, object_name);
    int step, rc = 0;

    bind_pair(w->find, hash, statement, object_name);
    step = sqlite3_step(w->find);
    if (step == SQLITE_ROW)
        *id = sqlite3_column_int64(w->find, 0);
    else if (step != SQLITE_DONE)
        rc = ts_store_db_error(w->store, "indexing texts", err);
    sqlite3_reset(w->find);
    sqlite3_clear_bindings(w->find);
    if (rc != 0 || step == SQLITE_ROW)
        return rc;
    bind_pair(w->insert, hash, statement, object_name);
    rc = ts_store_step_done(w->store, w->insert, "indexing texts", err);
    if (rc != 0)
        return rc;
    *id = sqlite3_last_insert_rowid(ts_store_sqlite(w->store));
    bind_pair(w->fts, *id, statement, object_name);
    return ts_store_step_done(w->store, w->fts, "indexing texts", err);
}

int ts_text_writer_id(ts_text_writer *w, const char *statement,
                      const char *object_name, int64_t *out_id, ts_error *err)
{
    int64_t *id;
    int created;
    int rc = text_key(&w->key, statement, object_name, err);

    if (rc == 0)
        rc = ts_strcache_get(&w->ids, (const char *)w->key.data, &id, &created,
                             err);
    if (rc != 0)
        return rc;
    if (created) {
        rc = find_or_insert(w, statement, object_name, id, err);
        if (rc != 0) {
            /* not remembered: the cache starts over without it */
            ts_strcache_clear(&w->ids);
            return rc;
        }
    }
    *out_id = *id;
    return 0;
}
