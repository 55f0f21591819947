/* Catalog snapshots (collect --catalog, load catalog) rebuilt from the
 * ref_catalog_* tables into the JSON the SQL analysis reads
 * (schemas/catalog.schema.md), so ingest resolves names against the
 * catalog in force when each statement ran. */
#include <stdlib.h>
#include <string.h>

#include "query/query_internal.h"
#include "store/store_internal.h"

/* Catalog snapshots that list columns, oldest first. */
static const char snapshots_sql[] =
    "SELECT s.id, s.taken_us,"
    " (SELECT i.search_path FROM ref_catalog_info i"
    "   WHERE i.snapshot_id = s.id ORDER BY i.seq LIMIT 1)"
    " FROM ref_snapshots s WHERE s.dataset = 'catalog'"
    " AND EXISTS (SELECT 1 FROM ref_catalog_columns c"
    "             WHERE c.snapshot_id = s.id)"
    " ORDER BY s.taken_us, s.id";

/* A snapshot's columns, each relation's in ordinal (record) order. */
static const char columns_sql[] =
    "SELECT c.schema_name, c.table_name, json_quote(c.column_name)"
    " FROM ref_catalog_columns c WHERE c.snapshot_id = ?1"
    " ORDER BY c.schema_name, c.table_name, c.seq";

/* One relation's object without its columns. */
static const char relation_sql[] =
    "SELECT json_object('schema', ?2, 'name', ?3,"
    " 'kind', coalesce(r.kind, 'table'), 'definition', r.definition,"
    " 'keys', json(coalesce(r.keys, '[]')))"
    " FROM (SELECT 1) LEFT JOIN (SELECT * FROM ref_catalog_relations"
    "   WHERE snapshot_id = ?1 AND schema_name = ?2 AND name = ?3"
    "   ORDER BY seq LIMIT 1) r";

typedef struct builder {
    ts_buf doc;
    sqlite3_stmt *relation;
    int64_t snapshot_id;
    size_t n_relations;
} builder;

/* Appends the relation schema.name: {"columns": [cols], ...}. */
static int add_relation(ts_store *store, builder *b, const char *schema,
                        const char *name, const ts_buf *cols, ts_error *err)
{
    const char *obj;
    int rc;

    sqlite3_bind_int64(b->relation, 1, b->snapshot_id);
    sqlite3_bind_text(b->relation, 2, schema, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(b->relation, 3, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(b->relation) != SQLITE_ROW ||
        (obj = (const char *)sqlite3_column_text(b->relation, 0)) == NULL ||
        obj[0] != '{') {
        rc = ts_store_db_error(store, "reading a catalog snapshot", err);
        sqlite3_reset(b->relation);
        return rc;
    }
    {
        const char *head =
            b->n_relations++ > 0 ? ",{\"columns\":[" : "{\"columns\":[";
        rc = ts_buf_append(&b->doc, head, strlen(head), err);
    }
    if (rc == 0)
        rc = ts_buf_append(&b->doc, cols->data, cols->len, err);
    if (rc == 0)
        rc = ts_buf_append(&b->doc, "],", 2, err);
    if (rc == 0)
        rc = ts_buf_append(&b->doc, obj + 1, strlen(obj + 1), err);
    sqlite3_reset(b->relation);
    return rc;
}

/* The analysis catalog JSON of one snapshot, in b->doc. */
static int build(ts_store *store, builder *b, const char *search_path,
                 ts_error *err)
{
    sqlite3_stmt *st = NULL;
    ts_buf cols;
    char *schema = NULL, *name = NULL;
    int rc, step = SQLITE_DONE;

    ts_buf_init(&cols, 64u << 20);
    b->doc.len = 0;
    b->n_relations = 0;
    rc = ts_buf_append(&b->doc, "{\"search_path\":", 15, err);
    if (rc == 0) {
        const char *sp = search_path != NULL ? search_path : "[\"public\"]";
        rc = ts_buf_append(&b->doc, sp, strlen(sp), err);
    }
    if (rc == 0)
        rc = ts_buf_append(&b->doc, ",\"relations\":[", 14, err);
    if (rc == 0)
        rc = ts_store_prepare(store, columns_sql, &st,
                              "reading a catalog snapshot", err);
    if (rc == 0)
        sqlite3_bind_int64(st, 1, b->snapshot_id);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        const char *t = (const char *)sqlite3_column_text(st, 1);
        const char *c = (const char *)sqlite3_column_text(st, 2);
        if (s == NULL || t == NULL || c == NULL)
            continue;
        if (schema != NULL &&
            (strcmp(schema, s) != 0 || strcmp(name, t) != 0)) {
            rc = add_relation(store, b, schema, name, &cols, err);
            cols.len = 0;
            free(schema);
            free(name);
            schema = name = NULL;
        }
        if (rc == 0 && schema == NULL) {
            schema = strdup(s);
            name = strdup(t);
            if (schema == NULL || name == NULL)
                rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        }
        if (rc == 0 && cols.len > 0)
            rc = ts_buf_append_byte(&cols, ',', err);
        if (rc == 0)
            rc = ts_buf_append(&cols, c, strlen(c), err);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ts_store_db_error(store, "reading a catalog snapshot", err);
    if (rc == 0 && schema != NULL)
        rc = add_relation(store, b, schema, name, &cols, err);
    if (rc == 0)
        rc = ts_buf_append(&b->doc, "]}", 2, err);
    free(schema);
    free(name);
    sqlite3_finalize(st);
    ts_buf_release(&cols);
    return rc;
}

void ts_catalog_snapshots_free(ts_catalog_snapshot *snaps, size_t n)
{
    for (size_t i = 0; snaps != NULL && i < n; i++)
        free(snaps[i].json);
    free(snaps);
}

int ts_query_catalog_snapshots(ts_store *store, ts_catalog_snapshot **out,
                               size_t *n_out, ts_error *err)
{
    ts_catalog_snapshot *snaps = NULL;
    sqlite3_stmt *st = NULL;
    builder b = {{0}, NULL, 0, 0};
    size_t n = 0;
    int rc, step = SQLITE_DONE;

    *out = NULL;
    *n_out = 0;
    ts_buf_init(&b.doc, 256u << 20);
    rc = ts_store_prepare(store, snapshots_sql, &st,
                          "listing catalog snapshots", err);
    if (rc == 0)
        rc = ts_store_prepare(store, relation_sql, &b.relation,
                              "reading a catalog snapshot", err);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        ts_catalog_snapshot *grown;
        b.snapshot_id = sqlite3_column_int64(st, 0);
        rc = build(store, &b, (const char *)sqlite3_column_text(st, 2), err);
        if (rc != 0)
            break;
        /* an unchanged catalog collected again adds nothing */
        if (n > 0 && snaps[n - 1].len == b.doc.len &&
            memcmp(snaps[n - 1].json, b.doc.data, b.doc.len) == 0)
            continue;
        grown = realloc(snaps, (n + 1) * sizeof(*snaps));
        if (grown == NULL) {
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
            break;
        }
        snaps = grown;
        snaps[n].snapshot_id = b.snapshot_id;
        snaps[n].taken_us = sqlite3_column_int64(st, 1);
        snaps[n].len = b.doc.len;
        snaps[n].json = malloc(b.doc.len + 1);
        if (snaps[n].json == NULL) {
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
            break;
        }
        memcpy(snaps[n].json, b.doc.data, b.doc.len);
        snaps[n].json[b.doc.len] = '\0';
        n++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ts_store_db_error(store, "listing catalog snapshots", err);
    sqlite3_finalize(st);
    sqlite3_finalize(b.relation);
    ts_buf_release(&b.doc);
    if (rc != 0) {
        ts_catalog_snapshots_free(snaps, n);
        return rc;
    }
    *out = snaps;
    *n_out = n;
    return 0;
}
