/* The text dictionary of pgAudit records: each distinct text once in
 * event_texts, with its full-text row: the statement and object name, and
 * what repeats with them (the object's table name, severity, SQLSTATE,
 * audit and object type). An audit event costs an id instead of a
 * full-text row and those fields of its own (schemas/index.sql, "Full
 * text" and event_texts). Texts already seen are remembered in memory. */
#include <ctype.h>
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
    ts_dict_writer *dict;
    sqlite3_stmt *fts;
};

static const char fts_sql[] =
    "INSERT INTO event_texts_fts(rowid, statement, object_name)"
    " VALUES(?1, ?2, ?3)";

int64_t ts_text_key_hash(const char *statement, const char *object_name)
{
    uint64_t h = 1469598103934665603ULL;

    /* FNV-1a over "1" object_name NUL statement, or "0" NUL statement:
     * neither text holds a NUL, so distinct pairs hash distinct strings.
     * (Older than ts_dict_key_hash, and kept: stores hold it.) */
    h = (h ^ (object_name ? '1' : '0')) * 1099511628211ULL;
    for (const char *s = object_name ? object_name : ""; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h *= 1099511628211ULL; /* the NUL */
    for (const char *s = statement; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (int64_t)h;
}

const char *ts_object_table(const char *name, char *buf, size_t size)
{
    const char *dot;
    size_t len;

    if (name == NULL)
        return NULL;
    dot = strchr(name, '.');
    if (dot != NULL)
        name = dot + 1;
    len = strlen(name);
    if (len >= size)
        return NULL;
    for (size_t i = 0; i <= len; i++)
        buf[i] = (char)tolower((unsigned char)name[i]);
    return buf;
}

/* values: as text_spec's columns. object_table follows from object_name;
 * a text with none of the fields after it (as layouts before 11 wrote
 * them) hashes as its pair. */
static int64_t text_hash(const char *const *values)
{
    uint64_t h = (uint64_t)ts_text_key_hash(values[0], values[1]);

    if (values[3] || values[4] || values[5] || values[6])
        h = (h * 1099511628211ULL) ^ (uint64_t)ts_dict_key_hash(values + 3, 4);
    return (int64_t)h;
}

static const ts_dict_spec text_spec = {"event_texts",
                                       {"statement", "object_name",
                                        "object_table", "severity", "sqlstate",
                                        "audit_type", "object_type"},
                                       7,
                                       text_hash,
                                       "indexing texts",
                                       TS_TEXT_CACHE_ITEMS,
                                       TS_TEXT_CACHE_BYTES};

void ts_text_writer_free(ts_text_writer *w)
{
    if (w == NULL)
        return;
    ts_dict_writer_free(w->dict);
    sqlite3_finalize(w->fts);
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
    rc = ts_dict_writer_new(&w->dict, store, &text_spec, err);
    if (rc == 0)
        rc = ts_store_prepare(store, fts_sql, &w->fts, "indexing texts", err);
    if (rc != 0) {
        ts_text_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

int ts_text_writer_id(ts_text_writer *w, const ts_text_key *key,
                      int64_t *out_id, ts_error *err)
{
    const char *values[7] = {
        key->statement, key->object_name, key->object_table, key->severity,
        key->sqlstate,  key->audit_type,  key->object_type};
    int inserted;
    int rc = ts_dict_writer_id(w->dict, values, out_id, &inserted, err);

    if (rc != 0 || !inserted)
        return rc;
    sqlite3_bind_int64(w->fts, 1, *out_id);
    sqlite3_bind_text(w->fts, 2, key->statement, -1, SQLITE_STATIC);
    if (key->object_name)
        sqlite3_bind_text(w->fts, 3, key->object_name, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(w->fts, 3);
    return ts_store_step_done(w->store, w->fts, "indexing texts", err);
}
