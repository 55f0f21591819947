/* Bucket maps: which runs of entries (buckets, seq >> TS_SPAN_BITS, as
 * event_spans) hold an event of a given command or database
 * (schemas/index.sql, "Bucket maps"). A row per value and bucket instead
 * of an index entry per event: what each bucket already has is
 * remembered in memory, so an event costs a hash lookup. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* What the memory holds at most before it starts over: values seen, and
 * the bytes of their keys. */
#define TS_BUCKET_CACHE_ITEMS 65536
#define TS_BUCKET_CACHE_BYTES (8u << 20)

struct ts_bucket_writer {
    ts_store *store;
    sqlite3_stmt *insert;
    /* field letter and value -> the last bucket written for it, plus one */
    ts_strcache seen;
    ts_buf key; /* scratch */
};

/* A later ingest can add entries to a bucket an earlier one wrote. */
static const char insert_sql[] =
    "INSERT OR IGNORE INTO event_buckets(field, value, bucket)"
    " VALUES(?1, ?2, ?3)";

static const char *const field_names[TS_BUCKET_FIELDS] = {"command",
                                                          "database"};

const char *ts_bucket_field_name(ts_bucket_field field)
{
    return field_names[field];
}

void ts_bucket_writer_free(ts_bucket_writer *w)
{
    if (w == NULL)
        return;
    sqlite3_finalize(w->insert);
    ts_strcache_release(&w->seen);
    ts_buf_release(&w->key);
    free(w);
}

int ts_bucket_writer_new(ts_bucket_writer **out, ts_store *store, ts_error *err)
{
    ts_bucket_writer *w = calloc(1, sizeof(*w));
    int rc;

    *out = NULL;
    if (w == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    w->store = store;
    ts_strcache_init(&w->seen, TS_BUCKET_CACHE_ITEMS, TS_BUCKET_CACHE_BYTES);
    ts_buf_init(&w->key, SIZE_MAX);
    rc = ts_store_prepare(store, insert_sql, &w->insert, "indexing buckets",
                          err);
    if (rc != 0) {
        ts_bucket_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

int ts_bucket_writer_add(ts_bucket_writer *w, ts_bucket_field field,
                         const char *value, uint64_t seq, ts_error *err)
{
    uint64_t bucket = seq >> TS_SPAN_BITS;
    char letter = (char)('a' + field);
    int64_t *last;
    int created, rc;

    if (value == NULL)
        return 0;
    w->key.len = 0;
    rc = ts_buf_append(&w->key, &letter, 1, err);
    if (rc == 0)
        rc = ts_buf_append(&w->key, value, strlen(value) + 1, err);
    if (rc == 0)
        rc = ts_strcache_get(&w->seen, (const char *)w->key.data, &last,
                             &created, err);
    if (rc != 0 || *last == (int64_t)bucket + 1)
        return rc;
    sqlite3_bind_text(w->insert, 1, field_names[field], -1, SQLITE_STATIC);
    sqlite3_bind_text(w->insert, 2, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(w->insert, 3, (sqlite3_int64)bucket);
    rc = ts_store_step_done(w->store, w->insert, "indexing buckets", err);
    if (rc != 0) {
        /* not remembered: the cache starts over without it */
        ts_strcache_clear(&w->seen);
        return rc;
    }
    *last = (int64_t)bucket + 1;
    return 0;
}
