/* Which tables hold personal data: controls.yaml's explicit tables plus the
 * tables whose audited DDL declares a column matching a data class. */
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* DDL statements whose column names we read. CREATE TABLE AS has no column
 * list: its columns come from the query (column-level analysis). */
static const char ddl_sql[] =
    "SELECT object_name, statement FROM v_audit"
    " WHERE command IN ('CREATE TABLE', 'CREATE FOREIGN TABLE',"
    "                   'ALTER TABLE')"
    "   AND statement IS NOT NULL AND entry_index < :max_seq";

/* The names the audit log gives objects, to resolve names against: as
 * v_audit says, but in one pass over events (NOT INDEXED) rather than
 * through events_by_kind, which fetches the same rows with an index walk
 * for each (10M events: 12 -> 7 s). An event of a text leaves its name to
 * the text (index layout 11), which v_events reads on every layout. The
 * report gathers them in its pass over events instead (event_days.c):
 * this is for a caller without that pass. */
static const char objects_sql[] =
    "SELECT DISTINCT coalesce(e.object_name, (SELECT v.object_name"
    "   FROM v_events v WHERE v.entry_index = e.seq)) AS name"
    " FROM events e NOT INDEXED JOIN event_kinds k ON k.kind = e.kind"
    " WHERE k.name = 'audit' AND name IS NOT NULL AND e.seq < :max_seq";

typedef struct table_entry {
    ts_personal_table t;
    int unresolved; /* named by controls.yaml or DDL text, not the log */
} table_entry;

typedef struct table_list {
    table_entry *items;
    size_t n, size, n_classes;
} table_list;

static int by_name(const void *a, const void *b)
{
    const table_entry *x = a, *y = b;
    int c = strcmp(x->t.name, y->t.name);
    return c != 0 ? c : x->unresolved - y->unresolved;
}

static void free_entry(table_entry *e)
{
    free(e->t.name);
    free(e->t.classes);
}

/* Sorts and merges entries naming the same table. */
static void merge(table_list *list)
{
    size_t out = 0;

    if (list->n == 0)
        return;
    qsort(list->items, list->n, sizeof(*list->items), by_name);
    for (size_t i = 1; i < list->n; i++) {
        table_entry *keep = &list->items[out];
        table_entry *e = &list->items[i];
        if (strcmp(keep->t.name, e->t.name) == 0 &&
            keep->unresolved == e->unresolved) {
            for (size_t c = 0; c < list->n_classes; c++)
                keep->t.classes[c] |= e->t.classes[c];
            free_entry(e);
        } else {
            list->items[++out] = *e;
        }
    }
    list->n = out + 1;
}

static int add_table(table_list *list, const char *name,
                     const unsigned char *flags, int unresolved, ts_error *err)
{
    table_entry *e;

    if (list->n == list->size) {
        if (list->n >= TS_PERSONAL_MAX_TABLES) {
            merge(list);
            if (list->n >= TS_PERSONAL_MAX_TABLES)
                return ts_error_set(err, TS_ELIMIT,
                                    "more than %d tables hold personal data",
                                    TS_PERSONAL_MAX_TABLES);
        } else {
            size_t size = list->size ? list->size * 2 : 16;
            if (size > TS_PERSONAL_MAX_TABLES)
                size = TS_PERSONAL_MAX_TABLES;
            e = realloc(list->items, size * sizeof(*e));
            if (e == NULL)
                return ts_error_set(err, TS_ENOMEM,
                                    "out of memory listing tables");
            list->items = e;
            list->size = size;
        }
    }
    e = &list->items[list->n];
    e->t.name = strdup(name);
    e->t.classes = malloc(list->n_classes);
    e->unresolved = unresolved;
    if (e->t.name == NULL || e->t.classes == NULL) {
        free_entry(e);
        return ts_error_set(err, TS_ENOMEM, "out of memory listing tables");
    }
    memcpy(e->t.classes, flags, list->n_classes);
    list->n++;
    return 0;
}

/* The last part of a qualified name (quotes kept). */
static const char *last_part(const char *name)
{
    const char *start = name;
    int quoted = 0;

    for (const char *p = name; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == '.' && !quoted)
            start = p + 1;
    }
    return start;
}

/* Names equal ignoring ASCII case and double quotes. */
static int same_name(const char *a, const char *b)
{
    for (;;) {
        while (*a == '"')
            a++;
        while (*b == '"')
            b++;
        if (*a == '\0' || *b == '\0')
            return *a == *b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
        a++;
        b++;
    }
}

/* Whether an object name from the log is the table `name` names: the whole
 * name when qualified, the last part when not. */
static int names_object(const char *name, const char *object)
{
    if (strchr(name, '.') != NULL)
        return same_name(name, object);
    return same_name(name, last_part(object));
}

typedef struct column_ctx {
    const ts_controls *controls;
    const char *object; /* the row's object_name, NULL when empty */
    table_list *list;
    unsigned char *flags;
    ts_error *err;
} column_ctx;

static int on_column(void *vctx, const char *table, const char *column)
{
    column_ctx *ctx = vctx;
    int any = 0;

    if (ctx->object != NULL) {
        /* A query string holding several statements is logged once per
         * statement: only the audited table's columns count. */
        if (table[0] != '\0' &&
            !same_name(last_part(table), last_part(ctx->object)))
            return 0;
    } else if (table[0] == '\0') {
        return 0;
    }
    memset(ctx->flags, 0, ctx->controls->n_classes);
    for (size_t i = 0; i < ctx->controls->n_classes; i++) {
        if (ts_data_class_matches(&ctx->controls->classes[i], column)) {
            ctx->flags[i] = 1;
            any = 1;
        }
    }
    if (!any)
        return 0;
    if (ctx->object != NULL)
        return add_table(ctx->list, ctx->object, ctx->flags, 0, ctx->err);
    return add_table(ctx->list, table, ctx->flags, 1, ctx->err);
}

static int prepare(sqlite3 *db, const char *sql, int64_t max_seq,
                   sqlite3_stmt **out, ts_error *err)
{
    if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK)
        return ts_error_set(err, TS_EDB,
                            "finding personal-data tables in the index: %s",
                            sqlite3_errmsg(db));
    sqlite3_bind_int64(*out, sqlite3_bind_parameter_index(*out, ":max_seq"),
                       max_seq);
    return 0;
}

static int scan_ddl(sqlite3 *db, const ts_controls *controls, int64_t max_seq,
                    table_list *list, unsigned char *flags, ts_error *err)
{
    sqlite3_stmt *stmt = NULL;
    column_ctx ctx;
    int rc, step = SQLITE_DONE;

    rc = prepare(db, ddl_sql, max_seq, &stmt, err);
    if (rc != 0)
        return rc;
    ctx.controls = controls;
    ctx.list = list;
    ctx.flags = flags;
    ctx.err = err;
    while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *sql = (const char *)sqlite3_column_text(stmt, 1);
        ctx.object = (const char *)sqlite3_column_text(stmt, 0);
        if (ctx.object != NULL && ctx.object[0] == '\0')
            ctx.object = NULL;
        if (sql != NULL)
            rc = ts_ddl_columns(sql, on_column, &ctx);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ts_error_set(err, TS_EDB,
                          "finding personal-data tables in the index: %s",
                          sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return rc;
}

/* Replaces names from controls.yaml and DDL text by the object names the
 * log uses for them; a name no object matches stays as it is. */
/* Resolves the unresolved names of list against one object name. */
static int resolve_object(const char *object, table_list *list, size_t n,
                          unsigned char *matched, ts_error *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && object != NULL && i < n; i++) {
        if (!list->items[i].unresolved ||
            !names_object(list->items[i].t.name, object))
            continue;
        matched[i] = 1;
        rc = add_table(list, object, list->items[i].t.classes, 0, err);
    }
    return rc;
}

static int resolve(sqlite3 *db, int64_t max_seq, const ts_name_set *objects,
                   table_list *list, ts_error *err)
{
    sqlite3_stmt *stmt = NULL;
    size_t n = list->n, kept = 0;
    unsigned char *matched;
    int rc = 0, step = SQLITE_DONE;

    matched = calloc(n ? n : 1, 1);
    if (matched == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory listing tables");
    if (objects != NULL) {
        for (size_t i = 0; rc == 0 && i < objects->map.n; i++)
            rc = resolve_object(objects->items[i].name, list, n, matched, err);
        step = SQLITE_DONE;
    } else {
        rc = prepare(db, objects_sql, max_seq, &stmt, err);
        while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW)
            rc = resolve_object((const char *)sqlite3_column_text(stmt, 0),
                                list, n, matched, err);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ts_error_set(err, TS_EDB,
                          "finding personal-data tables in the index: %s",
                          sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    /* drop the names that were resolved; keep the rest as given */
    for (size_t i = 0; i < list->n; i++) {
        if (i < n && matched[i]) {
            free_entry(&list->items[i]);
            continue;
        }
        list->items[i].unresolved = 0;
        list->items[kept++] = list->items[i];
    }
    list->n = kept;
    free(matched);
    return rc;
}

int ts_personal_tables_find(sqlite3 *db, const ts_controls *controls,
                            int64_t max_seq, const ts_name_set *audit_objects,
                            ts_personal_tables *out, ts_error *err)
{
    table_list list = {NULL, 0, 0, 0};
    unsigned char *flags = NULL;
    int rc = 0;

    assert(db != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    if (controls == NULL || controls->n_classes == 0)
        return 0;
    list.n_classes = controls->n_classes;
    flags = calloc(controls->n_classes, 1);
    if (flags == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory listing tables");
    for (size_t i = 0; rc == 0 && i < controls->n_classes; i++) {
        const ts_data_class *cls = &controls->classes[i];
        memset(flags, 0, controls->n_classes);
        flags[i] = 1;
        for (size_t j = 0; rc == 0 && j < cls->n_tables; j++)
            rc = add_table(&list, cls->tables[j], flags, 1, err);
    }
    if (rc == 0)
        rc = scan_ddl(db, controls, max_seq, &list, flags, err);
    merge(&list);
    if (rc == 0)
        rc = resolve(db, max_seq, audit_objects, &list, err);
    merge(&list);
    free(flags);
    out->n_classes = list.n_classes;
    if (rc == 0 && list.n > 0) {
        out->tables = calloc(list.n, sizeof(*out->tables));
        if (out->tables == NULL)
            rc = ts_error_set(err, TS_ENOMEM, "out of memory listing tables");
    }
    for (size_t i = 0; i < list.n; i++) {
        if (rc == 0)
            out->tables[i] = list.items[i].t;
        else
            free_entry(&list.items[i]);
    }
    if (rc == 0)
        out->n_tables = list.n;
    free(list.items);
    if (rc != 0)
        ts_personal_tables_release(out);
    return rc;
}

void ts_personal_tables_release(ts_personal_tables *tables)
{
    if (tables == NULL)
        return;
    for (size_t i = 0; i < tables->n_tables; i++) {
        free(tables->tables[i].name);
        free(tables->tables[i].classes);
    }
    free(tables->tables);
    memset(tables, 0, sizeof(*tables));
}

void ts_personal_table_classes(const ts_personal_table *table,
                               const ts_controls *controls, char *buf,
                               size_t size)
{
    size_t len = 0;

    assert(size > 0);
    buf[0] = '\0';
    for (size_t i = 0; i < controls->n_classes; i++) {
        const char *id = controls->classes[i].id;
        size_t id_len = strlen(id);
        if (!table->classes[i])
            continue;
        if (len + id_len + 3 > size)
            break;
        if (len > 0) {
            memcpy(buf + len, ", ", 2);
            len += 2;
        }
        memcpy(buf + len, id, id_len + 1);
        len += id_len;
    }
}
