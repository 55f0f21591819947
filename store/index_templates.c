/* Writing SQL templates into the index: one templates row per distinct
 * fingerprint with its template_access rows, remembered in memory so a known
 * template costs one hash lookup. */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

typedef struct template_slot {
    uint64_t fingerprint;
    int64_t catalog; /* the catalog snapshot it was analysed against */
    int64_t id;      /* 0 = empty */
} template_slot;

struct ts_template_writer {
    ts_store *store;
    sqlite3_stmt *find;
    sqlite3_stmt *insert;
    sqlite3_stmt *access;
    sqlite3_stmt *flow;
    template_slot *slots;
    size_t n_slots; /* a power of two, or 0 */
    size_t n_used;
    uint64_t added;
};

static const char find_sql[] =
    "SELECT id FROM templates WHERE fingerprint = ?1 AND catalog_snapshot = ?2";
static const char insert_sql[] =
    "INSERT INTO templates(fingerprint, template, class, command,"
    " catalog_snapshot) VALUES(?1, ?2, ?3, ?4, ?5)";
static const char access_sql[] =
    "INSERT OR IGNORE INTO template_access(template_id, object, level, access)"
    " VALUES(?1, ?2, ?3, ?4)";
static const char flow_sql[] =
    "INSERT OR IGNORE INTO template_flows(template_id, source, target)"
    " VALUES(?1, ?2, ?3)";

void ts_template_writer_free(ts_template_writer *t)
{
    if (t == NULL)
        return;
    sqlite3_finalize(t->find);
    sqlite3_finalize(t->insert);
    sqlite3_finalize(t->access);
    sqlite3_finalize(t->flow);
    free(t->slots);
    free(t);
}

int ts_template_writer_new(ts_template_writer **out, ts_store *store,
                           ts_error *err)
{
    ts_template_writer *t = calloc(1, sizeof(*t));
    int rc;

    *out = NULL;
    if (t == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    t->store = store;
    rc = ts_store_prepare(store, find_sql, &t->find, "indexing templates", err);
    if (rc == 0)
        rc = ts_store_prepare(store, insert_sql, &t->insert,
                              "indexing templates", err);
    if (rc == 0)
        rc = ts_store_prepare(store, access_sql, &t->access,
                              "indexing templates", err);
    if (rc == 0)
        rc = ts_store_prepare(store, flow_sql, &t->flow, "indexing templates",
                              err);
    if (rc != 0) {
        ts_template_writer_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

uint64_t ts_template_writer_added(const ts_template_writer *t)
{
    return t->added;
}

/* The slot holding fingerprint fp analysed against catalog, or the empty
 * slot where it belongs. */
static template_slot *lookup(ts_template_writer *t, uint64_t fp,
                             int64_t catalog)
{
    size_t mask = t->n_slots - 1;
    /* the fingerprint is a hash already; mix it for the low bits */
    uint64_t key = fp ^ ((uint64_t)catalog * 0xC2B2AE3D27D4EB4Full);
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & mask;

    while (t->slots[i].id != 0 &&
           (t->slots[i].fingerprint != fp || t->slots[i].catalog != catalog))
        i = (i + 1) & mask;
    return &t->slots[i];
}

static int remember(ts_template_writer *t, uint64_t fp, int64_t catalog,
                    int64_t id, ts_error *err)
{
    if ((t->n_used + 1) * 2 > t->n_slots) {
        size_t n = t->n_slots ? t->n_slots * 2 : 1024;
        template_slot *old = t->slots;
        size_t old_n = t->n_slots;

        t->slots = calloc(n, sizeof(*t->slots));
        if (t->slots == NULL) {
            t->slots = old;
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        }
        t->n_slots = n;
        for (size_t i = 0; i < old_n; i++)
            if (old[i].id != 0)
                *lookup(t, old[i].fingerprint, old[i].catalog) = old[i];
        free(old);
    }
    template_slot *s = lookup(t, fp, catalog);
    if (s->id == 0)
        t->n_used++;
    s->fingerprint = fp;
    s->catalog = catalog;
    s->id = id;
    return 0;
}

static int add_access(ts_template_writer *t, int64_t id,
                      const char *const *names, size_t n, const char *level,
                      const char *access, ts_error *err)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(t->access, 1, id);
        sqlite3_bind_text(t->access, 2, names[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(t->access, 3, level, -1, SQLITE_STATIC);
        sqlite3_bind_text(t->access, 4, access, -1, SQLITE_STATIC);
        int rc = ts_store_step_done(t->store, t->access,
                                    "indexing a template's access", err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The template's flows, "SOURCE\x1fTARGET" each (ts_sql_analysis). */
static int add_flows(ts_template_writer *t, int64_t id,
                     const char *const *flows, size_t n, ts_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *sep = strchr(flows[i], '\x1f');
        if (sep == NULL)
            continue;
        sqlite3_bind_int64(t->flow, 1, id);
        sqlite3_bind_text(t->flow, 2, flows[i], (int)(sep - flows[i]),
                          SQLITE_STATIC);
        sqlite3_bind_text(t->flow, 3, sep + 1, -1, SQLITE_STATIC);
        int rc = ts_store_step_done(t->store, t->flow,
                                    "indexing a template's flows", err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Finds or writes the templates row of ev's template. */
static int find_or_insert(ts_template_writer *t, const ts_event *ev,
                          int64_t *id, ts_error *err)
{
    sqlite3_int64 fp = (sqlite3_int64)ev->sql_fingerprint;
    int rc;

    sqlite3_bind_int64(t->find, 1, fp);
    sqlite3_bind_int64(t->find, 2, ev->sql_catalog);
    rc = sqlite3_step(t->find);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(t->find, 0);
        sqlite3_reset(t->find);
        sqlite3_clear_bindings(t->find);
        return 0;
    }
    rc = rc == SQLITE_DONE
             ? 0
             : ts_store_db_error(t->store, "looking up a template", err);
    sqlite3_reset(t->find);
    sqlite3_clear_bindings(t->find);
    if (rc != 0)
        return rc;

    sqlite3_bind_int64(t->insert, 1, fp);
    sqlite3_bind_text(t->insert, 2, ev->sql_template, -1, SQLITE_STATIC);
    sqlite3_bind_text(t->insert, 3, ev->sql_class ? ev->sql_class : "unknown",
                      -1, SQLITE_STATIC);
    if (ev->sql_command != NULL)
        sqlite3_bind_text(t->insert, 4, ev->sql_command, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(t->insert, 4);
    sqlite3_bind_int64(t->insert, 5, ev->sql_catalog);
    rc = ts_store_step_done(t->store, t->insert, "indexing a template", err);
    if (rc != 0)
        return rc;
    *id = sqlite3_last_insert_rowid(ts_store_sqlite(t->store));
    rc = add_access(t, *id, ev->tables_read, ev->n_tables_read, "table", "read",
                    err);
    if (rc == 0)
        rc = add_access(t, *id, ev->tables_written, ev->n_tables_written,
                        "table", "write", err);
    if (rc == 0)
        rc = add_access(t, *id, ev->columns_read, ev->n_columns_read, "column",
                        "read", err);
    if (rc == 0)
        rc = add_access(t, *id, ev->columns_written, ev->n_columns_written,
                        "column", "write", err);
    if (rc == 0)
        rc = add_access(t, *id, ev->tables_changed, ev->n_tables_changed,
                        "table", "ddl", err);
    if (rc == 0)
        rc = add_flows(t, *id, ev->flows, ev->n_flows, err);
    if (rc == 0)
        t->added++;
    return rc;
}

int ts_template_writer_id(ts_template_writer *t, const ts_event *ev,
                          int64_t *out_id, ts_error *err)
{
    template_slot *s;
    int rc;

    *out_id = 0;
    if (ev->sql_template == NULL)
        return 0;
    if (t->n_slots != 0) {
        s = lookup(t, ev->sql_fingerprint, ev->sql_catalog);
        if (s->id != 0) {
            *out_id = s->id;
            return 0;
        }
    }
    rc = find_or_insert(t, ev, out_id, err);
    if (rc == 0)
        rc = remember(t, ev->sql_fingerprint, ev->sql_catalog, *out_id, err);
    return rc;
}
