/* Dictionaries of the index: a table (id, key_hash, then text columns)
 * holding each distinct tuple of texts once, which events point at by id
 * (event_texts, event_origins, event_identities). Tuples this writer has
 * seen are remembered in memory; others are found through key_hash, their
 * texts compared, or, in a table without key_hash, by their texts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* Longest statement a dictionary's SQL takes: three columns' names. */
#define TS_DICT_SQL_MAX 512

struct ts_dict_writer {
    ts_store *store;
    const char *what; /* "indexing texts": static */
    size_t n_cols;
    ts_dict_hash_fn hash;
    sqlite3_stmt *find;
    sqlite3_stmt *insert;
    ts_strcache ids; /* dict_key() -> id */
    ts_buf key;      /* scratch */
};

void ts_dict_writer_free(ts_dict_writer *w)
{
    if (w == NULL)
        return;
    sqlite3_finalize(w->find);
    sqlite3_finalize(w->insert);
    ts_strcache_release(&w->ids);
    ts_buf_release(&w->key);
    free(w);
}

/* "SELECT id FROM t WHERE key_hash = ?1 AND a IS ?2 AND b IS ?3" and
 * "INSERT INTO t(key_hash, a, b) VALUES(?1, ?2, ?3)"; without key_hash,
 * "... WHERE 1 AND a IS ?2 ..." and "INSERT INTO t(a, b) VALUES(?2, ?3)"
 * (?1, bound to a hash of 0, unused). */
static int build_sql(char *find, char *insert, const char *table,
                     const char *const *cols, size_t n_cols, int keyed)
{
    size_t f =
        (size_t)snprintf(find, TS_DICT_SQL_MAX, "SELECT id FROM %s WHERE %s",
                         table, keyed ? "key_hash = ?1" : "1");
    size_t i = (size_t)snprintf(insert, TS_DICT_SQL_MAX, "INSERT INTO %s(%s",
                                table, keyed ? "key_hash, " : "");

    for (size_t c = 0; c < n_cols; c++) {
        if (f < TS_DICT_SQL_MAX)
            f += (size_t)snprintf(find + f, TS_DICT_SQL_MAX - f,
                                  " AND %s IS ?%zu", cols[c], c + 2);
        if (i < TS_DICT_SQL_MAX)
            i += (size_t)snprintf(insert + i, TS_DICT_SQL_MAX - i, "%s%s",
                                  c ? ", " : "", cols[c]);
    }
    if (i < TS_DICT_SQL_MAX)
        i += (size_t)snprintf(insert + i, TS_DICT_SQL_MAX - i, ") VALUES(%s",
                              keyed ? "?1, " : "");
    for (size_t c = 0; c < n_cols && i < TS_DICT_SQL_MAX; c++)
        i += (size_t)snprintf(insert + i, TS_DICT_SQL_MAX - i, "%s?%zu",
                              c ? ", " : "", c + 2);
    if (i < TS_DICT_SQL_MAX)
        i += (size_t)snprintf(insert + i, TS_DICT_SQL_MAX - i, ")");
    return f < TS_DICT_SQL_MAX && i < TS_DICT_SQL_MAX;
}

int ts_dict_writer_new(ts_dict_writer **out, ts_store *store,
                       const ts_dict_spec *spec, ts_error *err)
{
    char find[TS_DICT_SQL_MAX], insert[TS_DICT_SQL_MAX];
    ts_dict_writer *w;
    int rc;

    *out = NULL;
    if (spec->n_cols == 0 || spec->n_cols > TS_DICT_COLS_MAX ||
        !build_sql(find, insert, spec->table, spec->cols, spec->n_cols,
                   spec->hash != NULL))
        return ts_error_set(err, TS_EINVAL, "%s: no such dictionary",
                            spec->table);
    w = calloc(1, sizeof(*w));
    if (w == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    w->store = store;
    w->what = spec->what;
    w->n_cols = spec->n_cols;
    w->hash = spec->hash;
    ts_strcache_init(&w->ids, spec->cache_items, spec->cache_bytes);
    ts_buf_init(&w->key, SIZE_MAX);
    rc = ts_store_prepare(store, find, &w->find, spec->what, err);
    if (rc == 0)
        rc = ts_store_prepare(store, insert, &w->insert, spec->what, err);
    if (rc != 0) {
        ts_dict_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* The tuple as one string, exact: per text "<length>:" and the text, or
 * "-:" for none. */
static int dict_key(ts_buf *key, const char *const *values, size_t n,
                    ts_error *err)
{
    int rc = 0;

    key->len = 0;
    for (size_t c = 0; rc == 0 && c < n; c++) {
        size_t text_len = values[c] ? strlen(values[c]) : 0;
        char prefix[TS_DECIMAL_MAX + 1];
        size_t prefix_len = 2;
        /* by hand: snprintf, five times per event, cost 1.8% of an
         * ingest's instructions */
        if (values[c]) {
            prefix_len = ts_decimal_encode(text_len, prefix);
            prefix[prefix_len++] = ':';
        } else {
            memcpy(prefix, "-:", 2);
        }
        rc = ts_buf_append(key, prefix, prefix_len, err);
        if (rc == 0 && values[c])
            rc = ts_buf_append(key, values[c], text_len, err);
    }
    if (rc == 0)
        rc = ts_buf_append(key, "", 1, err);
    return rc;
}

static void bind_tuple(sqlite3_stmt *st, int64_t hash,
                       const char *const *values, size_t n)
{
    sqlite3_bind_int64(st, 1, hash);
    for (size_t c = 0; c < n; c++) {
        if (values[c])
            sqlite3_bind_text(st, (int)c + 2, values[c], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, (int)c + 2);
    }
}

/* The tuple's id from the index, writing it when it is new. */
static int find_or_insert(ts_dict_writer *w, const char *const *values,
                          int64_t *id, int *inserted, ts_error *err)
{
    int64_t hash = w->hash ? w->hash(values) : 0;
    int step, rc = 0;

    bind_tuple(w->find, hash, values, w->n_cols);
    step = sqlite3_step(w->find);
    if (step == SQLITE_ROW)
        *id = sqlite3_column_int64(w->find, 0);
    else if (step != SQLITE_DONE)
        rc = ts_store_db_error(w->store, w->what, err);
    sqlite3_reset(w->find);
    sqlite3_clear_bindings(w->find);
    if (rc != 0 || step == SQLITE_ROW)
        return rc;
    bind_tuple(w->insert, hash, values, w->n_cols);
    rc = ts_store_step_done(w->store, w->insert, w->what, err);
    if (rc == 0) {
        *id = sqlite3_last_insert_rowid(ts_store_sqlite(w->store));
        *inserted = 1;
    }
    return rc;
}

int ts_dict_writer_id(ts_dict_writer *w, const char *const *values,
                      int64_t *out_id, int *inserted, ts_error *err)
{
    int64_t *id;
    int created;
    int rc = dict_key(&w->key, values, w->n_cols, err);

    *inserted = 0;
    if (rc == 0)
        rc = ts_strcache_get(&w->ids, (const char *)w->key.data, &id, &created,
                             err);
    if (rc != 0)
        return rc;
    if (created) {
        rc = find_or_insert(w, values, id, inserted, err);
        if (rc != 0) {
            /* not remembered: the cache starts over without it */
            ts_strcache_clear(&w->ids);
            return rc;
        }
    }
    *out_id = *id;
    return 0;
}

int64_t ts_dict_key_hash(const char *const *values, size_t n)
{
    uint64_t h = 1469598103934665603ULL;

    /* FNV-1a over each text as "1" text NUL, or "0" NUL for none: no
     * text holds a NUL, so distinct tuples hash distinct strings. */
    for (size_t c = 0; c < n; c++) {
        h = (h ^ (values[c] ? '1' : '0')) * 1099511628211ULL;
        for (const char *s = values[c] ? values[c] : ""; *s; s++)
            h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        h *= 1099511628211ULL; /* the NUL */
    }
    return (int64_t)h;
}
