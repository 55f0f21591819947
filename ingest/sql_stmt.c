/* Statements: what INSERT, UPDATE, DELETE, MERGE, COPY, CREATE TABLE AS and
 * the rest write and read, their class and command, and the entry point
 * that parses a statement with libpg_query and walks it. */
#include <ctype.h>
#include <pg_query.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/sql_walk_internal.h"

static json_t *select_body(json_t *node)
{
    json_t *body = ts_walk_node_body(node, "SelectStmt");

    return body != NULL ? body : node;
}

static void add_name(ts_walk *w, ts_sql_names *names, const char *name)
{
    int rc;

    if (name == NULL || w->rc != 0)
        return;
    rc = ts_sql_names_add(names, name, w->err);
    if (rc != 0)
        ts_walk_fail(w, rc);
}

/* The table a statement writes; a view target is written through.
 * PostgreSQL checks an UPDATE or DELETE through a view as if the view were
 * also read (every base column its definition names); read_view says so. */
static ts_walk_rel *target_rel(ts_walk *w, json_t *rv, int read_view)
{
    ts_walk_rel *rel = ts_walk_range_var(w, NULL, rv, read_view);

    if (rel != NULL && rel->schema != NULL && rel->table != NULL)
        add_name(w, &w->a->tables_written,
                 ts_walk_qualify(w, rel->schema, rel->table, NULL));
    return rel;
}

/* Records that the statement writes column name of rel: a view's column
 * is written through to the base column it shows. */
static void add_write(ts_walk *w, const ts_walk_rel *rel, const char *name)
{
    size_t i;

    if (rel == NULL || name == NULL || rel->schema == NULL)
        return;
    for (i = 0; i < rel->n_cols; i++)
        if (strcmp(rel->cols[i], name) == 0)
            break;
    if (i == rel->n_cols) {
        if (rel->unknown)
            add_name(w, &w->a->columns_written,
                     ts_walk_qualify(w, rel->schema, rel->table, name));
        return;
    }
    add_name(w, &w->a->columns_written,
             ts_walk_qualify(w, rel->schema, rel->table, rel->orig[i]));
    if (rel->kind == WALK_REL_VIEW && rel->srcs[i] != NULL) {
        const char *src = rel->srcs[i], *dot = strrchr(src, '.');
        char *table = ts_walk_strdup(w, src);
        add_name(w, &w->a->columns_written, src);
        if (table != NULL && dot != NULL) {
            table[dot - src] = '\0';
            add_name(w, &w->a->tables_written, table);
        }
    }
}

/* The qualified name of rel's column `name` as a write reaches it (a
 * view's base column when the view shows one), or NULL when rel has no
 * such column. */
static const char *target_column(ts_walk *w, const ts_walk_rel *rel,
                                 const char *name)
{
    size_t i;

    if (rel == NULL || name == NULL || rel->schema == NULL)
        return NULL;
    for (i = 0; i < rel->n_cols; i++)
        if (strcmp(rel->cols[i], name) == 0)
            break;
    if (i == rel->n_cols)
        return rel->unknown ? ts_walk_qualify(w, rel->schema, rel->table, name)
                            : NULL;
    if (rel->kind == WALK_REL_VIEW && rel->srcs[i] != NULL)
        return rel->srcs[i];
    return ts_walk_qualify(w, rel->schema, rel->table, rel->orig[i]);
}

/* Records that the data of each base column in deps ('\n'-joined; src
 * alone when deps is NULL) is written into target ("SOURCE\x1fTARGET"). A
 * column written with its own value is no flow. */
static void add_flows(ts_walk *w, const char *deps, const char *src,
                      const char *target)
{
    const char *p = deps != NULL ? deps : src;
    size_t n_target = target != NULL ? strlen(target) : 0;

    if (p == NULL || target == NULL)
        return;
    while (*p != '\0' && w->rc == 0) {
        const char *end = deps != NULL ? strchr(p, '\n') : NULL;
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n != n_target || strncmp(p, target, n) != 0) {
            char *flow = ts_walk_alloc(w, n + n_target + 2);
            if (flow == NULL)
                return;
            memcpy(flow, p, n);
            flow[n] = '\x1f';
            memcpy(flow + n + 1, target, n_target + 1);
            add_name(w, &w->a->flows, flow);
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
}

/* ON CONFLICT's EXCLUDED row: PostgreSQL checks a reference to one of its
 * columns as a read of the target's column. */
static ts_walk_rel *excluded_rel(ts_walk *w, ts_walk_rel *target)
{
    ts_walk_rel *ex = ts_walk_new_rel(w, WALK_REL_JOIN, target->n_cols);
    size_t i;

    if (ex == NULL)
        return NULL;
    ex->fwd_rel =
        ts_walk_alloc(w, (target->n_cols + 1) * sizeof(ts_walk_rel *));
    ex->fwd_col = ts_walk_alloc(w, (target->n_cols + 1) * sizeof(size_t));
    if (ex->fwd_rel == NULL || ex->fwd_col == NULL)
        return NULL;
    for (i = 0; i < target->n_cols; i++) {
        ex->cols[i] = target->cols[i];
        ex->fwd_rel[i] = target;
        ex->fwd_col[i] = i;
    }
    ex->alias = "excluded";
    /* a target the catalog does not know: EXCLUDED.x reads its x */
    ex->unknown = target->unknown;
    ex->schema = target->schema;
    ex->table = target->table;
    return ex;
}

/* ON CONFLICT (a, b): the arbiter's columns are read. */
static void walk_arbiter(ts_walk *w, ts_walk_scope *s, const ts_walk_rel *rel,
                         json_t *infer)
{
    json_t *elems = json_object_get(infer, "indexElems");
    const char *conname = ts_walk_str(infer, "conname");
    const ts_catalog_rel *cat;
    size_t i, k;

    /* ON CONFLICT ON CONSTRAINT name: the constraint's columns */
    cat = conname != NULL && rel->schema != NULL && rel->table != NULL
              ? ts_catalog_find(w->catalog, rel->schema, rel->table)
              : NULL;
    for (i = 0; cat != NULL && i < cat->n_keys; i++)
        if (strcmp(cat->keys[i].name, conname) == 0)
            for (k = 0; k < cat->keys[i].n_columns; k++)
                ts_walk_mark_named(w, rel, cat->keys[i].columns[k]);

    for (i = 0; i < json_array_size(elems); i++) {
        json_t *elem = ts_walk_node_body(json_array_get(elems, i), "IndexElem");
        const char *name = ts_walk_str(elem, "name");
        if (name != NULL)
            ts_walk_mark_named(w, rel, name);
        else
            ts_walk_expr(w, s, json_object_get(elem, "expr"));
    }
    ts_walk_expr(w, s, json_object_get(infer, "whereClause"));
}

/* SET a = x, (b, c) = (SELECT ...): the targets are written, the values
 * read (a multiple assignment's source once). */
static void walk_set_list(ts_walk *w, ts_walk_scope *s, const ts_walk_rel *rel,
                          json_t *list)
{
    size_t i;

    for (i = 0; i < json_array_size(list); i++) {
        json_t *rt = ts_walk_node_body(json_array_get(list, i), "ResTarget");
        json_t *val = json_object_get(rt, "val");
        json_t *multi = ts_walk_node_body(val, "MultiAssignRef");

        const char *deps = NULL;

        add_write(w, rel, ts_walk_str(rt, "name"));
        ts_walk_expr(w, s, json_object_get(rt, "indirection"));
        if (multi == NULL) {
            ts_walk_expr_deps(w, s, val, &deps);
            add_flows(w, deps, NULL,
                      target_column(w, rel, ts_walk_str(rt, "name")));
        } else if (json_integer_value(json_object_get(multi, "colno")) == 1)
            ts_walk_expr(w, s, json_object_get(multi, "source"));
    }
}

/* INSERT's columns: the list given, else the first as many as the query
 * yields. */
static void insert_targets(ts_walk *w, const ts_walk_rel *rel, json_t *cols,
                           size_t n_values)
{
    size_t i;

    if (rel == NULL)
        return;
    if (json_array_size(cols) > 0) {
        for (i = 0; i < json_array_size(cols); i++)
            add_write(w, rel,
                      ts_walk_str(ts_walk_node_body(json_array_get(cols, i),
                                                    "ResTarget"),
                                  "name"));
        return;
    }
    for (i = 0; i < n_values && i < rel->n_cols; i++)
        add_write(w, rel, rel->cols[i]);
}

/* INSERT ... SELECT: each output column of the query flows into the target
 * column it fills. */
static void insert_flows(ts_walk *w, const ts_walk_rel *rel, json_t *cols,
                         const ts_walk_cols *values)
{
    size_t i;

    for (i = 0; rel != NULL && i < values->n; i++) {
        const char *name =
            json_array_size(cols) > 0
                ? ts_walk_str(
                      ts_walk_node_body(json_array_get(cols, i), "ResTarget"),
                      "name")
            : i < rel->n_cols ? rel->cols[i]
                              : NULL;
        add_flows(w, values->deps[i], values->srcs[i],
                  target_column(w, rel, name));
    }
}

static void walk_insert(ts_walk *w, ts_walk_scope *s, json_t *ins,
                        ts_walk_cols *out)
{
    json_t *sel = json_object_get(ins, "selectStmt");
    json_t *conflict = json_object_get(ins, "onConflictClause");
    ts_walk_cols values = {0, 0, NULL, NULL, NULL};
    ts_walk_rel *rel = target_rel(w, json_object_get(ins, "relation"), 0);

    if (rel == NULL)
        return;
    /* the query does not see the target table */
    if (sel != NULL)
        ts_walk_select_into(w, s, select_body(sel), &values);
    insert_targets(w, rel, json_object_get(ins, "cols"), values.n);
    insert_flows(w, rel, json_object_get(ins, "cols"), &values);
    ts_walk_add_rel(w, s, rel);
    if (conflict != NULL) {
        walk_arbiter(w, s, rel, json_object_get(conflict, "infer"));
        ts_walk_add_rel(w, s, excluded_rel(w, rel));
        walk_set_list(w, s, rel, json_object_get(conflict, "targetList"));
        ts_walk_expr(w, s, json_object_get(conflict, "whereClause"));
    }
    ts_walk_target_list(w, s, json_object_get(ins, "returningList"), out);
}

static void walk_update(ts_walk *w, ts_walk_scope *s, json_t *upd,
                        ts_walk_cols *out)
{
    json_t *from = json_object_get(upd, "fromClause");
    ts_walk_rel *rel = target_rel(w, json_object_get(upd, "relation"), 1);
    size_t i;

    if (rel == NULL)
        return;
    ts_walk_add_rel(w, s, rel);
    for (i = 0; i < json_array_size(from); i++)
        ts_walk_from_item(w, s, json_array_get(from, i));
    walk_set_list(w, s, rel, json_object_get(upd, "targetList"));
    ts_walk_expr(w, s, json_object_get(upd, "whereClause"));
    ts_walk_target_list(w, s, json_object_get(upd, "returningList"), out);
}

static void walk_delete(ts_walk *w, ts_walk_scope *s, json_t *del,
                        ts_walk_cols *out)
{
    json_t *using_list = json_object_get(del, "usingClause");
    ts_walk_rel *rel = target_rel(w, json_object_get(del, "relation"), 1);
    size_t i;

    if (rel == NULL)
        return;
    ts_walk_add_rel(w, s, rel);
    for (i = 0; i < json_array_size(using_list); i++)
        ts_walk_from_item(w, s, json_array_get(using_list, i));
    ts_walk_expr(w, s, json_object_get(del, "whereClause"));
    ts_walk_target_list(w, s, json_object_get(del, "returningList"), out);
}

static void walk_merge(ts_walk *w, ts_walk_scope *s, json_t *merge)
{
    json_t *whens = json_object_get(merge, "mergeWhenClauses");
    ts_walk_rel *rel = target_rel(w, json_object_get(merge, "relation"), 1);
    size_t i;

    if (rel == NULL)
        return;
    ts_walk_add_rel(w, s, rel);
    ts_walk_from_item(w, s, json_object_get(merge, "sourceRelation"));
    ts_walk_expr(w, s, json_object_get(merge, "joinCondition"));
    for (i = 0; i < json_array_size(whens); i++) {
        json_t *when =
            ts_walk_node_body(json_array_get(whens, i), "MergeWhenClause");
        const char *cmd = ts_walk_str(when, "commandType");
        json_t *values = json_object_get(when, "values");

        ts_walk_expr(w, s, json_object_get(when, "condition"));
        if (cmd != NULL && strcmp(cmd, "CMD_UPDATE") == 0) {
            walk_set_list(w, s, rel, json_object_get(when, "targetList"));
        } else if (cmd != NULL && strcmp(cmd, "CMD_INSERT") == 0) {
            json_t *targets = json_object_get(when, "targetList");
            size_t k;
            insert_targets(w, rel, targets, json_array_size(values));
            for (k = 0; k < json_array_size(values); k++) {
                const char *deps = NULL;
                const char *name =
                    json_array_size(targets) > 0
                        ? ts_walk_str(
                              ts_walk_node_body(json_array_get(targets, k),
                                                "ResTarget"),
                              "name")
                    : k < rel->n_cols ? rel->cols[k]
                                      : NULL;
                ts_walk_expr_deps(w, s, json_array_get(values, k), &deps);
                add_flows(w, deps, NULL, target_column(w, rel, name));
            }
        }
    }
}

/* Where COPY ... TO sends the data. */
static const char *copy_target(json_t *copy)
{
    if (json_is_true(json_object_get(copy, "is_program")))
        return "copy:program";
    if (json_object_get(copy, "filename") != NULL)
        return "copy:file";
    return "copy:client";
}

static void walk_copy(ts_walk *w, ts_walk_scope *s, json_t *copy)
{
    json_t *rv = json_object_get(copy, "relation");
    json_t *attlist = json_object_get(copy, "attlist");
    ts_sql_names exported = {0};
    ts_sql_names *saved = w->cols_read;
    ts_walk_rel *rel;
    size_t i;

    if (rv == NULL) {
        ts_walk_cols out = {0, 0, NULL, NULL, NULL};
        ts_walk_stmt(w, s, json_object_get(copy, "query"), &out);
        for (i = 0; i < out.n; i++)
            add_flows(w, out.deps[i], out.srcs[i], copy_target(copy));
        return;
    }
    if (json_is_true(json_object_get(copy, "is_from"))) {
        rel = target_rel(w, rv, 0);
        if (rel == NULL)
            return;
        for (i = 0; i < json_array_size(attlist); i++)
            add_write(w, rel, ts_walk_string_node(json_array_get(attlist, i)));
        for (i = 0; json_array_size(attlist) == 0 && i < rel->n_cols; i++)
            add_write(w, rel, rel->cols[i]);
        ts_walk_add_rel(w, s, rel);
        ts_walk_expr(w, s, json_object_get(copy, "whereClause"));
        return;
    }
    rel = ts_walk_range_var(w, NULL, rv, 1);
    if (rel == NULL)
        return;
    ts_walk_add_table_read(w, rel->schema, rel->table);
    /* every column COPY reads leaves the database */
    w->cols_read = &exported;
    for (i = 0; i < json_array_size(attlist); i++)
        ts_walk_mark_named(w, rel,
                           ts_walk_string_node(json_array_get(attlist, i)));
    if (json_array_size(attlist) == 0)
        ts_walk_mark_all(w, rel);
    w->cols_read = saved;
    if (w->rc == 0) {
        int rc = ts_sql_names_add_all(saved, &exported, w->err);
        if (rc != 0)
            ts_walk_fail(w, rc);
    }
    for (i = 0; i < exported.n_items; i++)
        add_flows(w, NULL, exported.items[i], copy_target(copy));
    ts_sql_names_release(&exported);
}

/* CREATE TABLE AS, SELECT INTO, CREATE MATERIALIZED VIEW: a new table
 * whose columns are written with the query's output. */
static void walk_into(ts_walk *w, json_t *into, const ts_walk_cols *out)
{
    json_t *rv = json_object_get(into, "rel");
    json_t *names = json_object_get(into, "colNames");
    const char *schema = ts_walk_str(rv, "schemaname");
    const char *table = ts_walk_str(rv, "relname");
    size_t i;

    if (table == NULL)
        return;
    if (schema == NULL)
        schema = ts_catalog_default_schema(w->catalog);
    add_name(w, &w->a->tables_written, ts_walk_qualify(w, schema, table, NULL));
    for (i = 0; i < out->n; i++) {
        const char *name = ts_walk_string_node(json_array_get(names, i));
        const char *column = ts_walk_qualify(
            w, schema, table, name != NULL ? name : out->names[i]);
        add_name(w, &w->a->columns_written, column);
        add_flows(w, out->deps[i], out->srcs[i], column);
    }
}

void ts_walk_stmt(ts_walk *w, ts_walk_scope *parent, json_t *stmt,
                  ts_walk_cols *out)
{
    ts_walk_scope s = {parent, NULL, 0, 0, NULL, NULL, 0};
    ts_walk_cols local = {0, 0, NULL, NULL, NULL};
    json_t *body;
    const char *type = ts_walk_node_type(stmt, &body);

    if (type == NULL || w->rc != 0)
        return;
    if (out == NULL)
        out = &local;
    if (++w->depth > TS_WALK_MAX_DEPTH) {
        ts_walk_fail(w, ts_error_set(w->err, TS_ELIMIT,
                                     "statements nest deeper than %d levels",
                                     TS_WALK_MAX_DEPTH));
        return;
    }
    if (strcmp(type, "SelectStmt") == 0) {
        ts_walk_select_into(w, parent, body, out);
        if (json_object_get(body, "intoClause") != NULL)
            walk_into(w, json_object_get(body, "intoClause"), out);
    } else if (strcmp(type, "CreateTableAsStmt") == 0) {
        ts_walk_stmt(w, parent, json_object_get(body, "query"), out);
        walk_into(w, json_object_get(body, "into"), out);
    } else if (strcmp(type, "ExplainStmt") == 0 ||
               strcmp(type, "DeclareCursorStmt") == 0) {
        /* PREPARE is left out: PostgreSQL checks privileges, and data is
         * read, when the statement is executed */
        ts_walk_stmt(w, parent, json_object_get(body, "query"), out);
    } else if (strcmp(type, "CopyStmt") == 0) {
        walk_copy(w, &s, body);
    } else if (strcmp(type, "TruncateStmt") == 0) {
        json_t *rels = json_object_get(body, "relations");
        size_t i;
        for (i = 0; i < json_array_size(rels); i++)
            target_rel(
                w, ts_walk_node_body(json_array_get(rels, i), "RangeVar"), 0);
    } else {
        ts_walk_with(w, &s, json_object_get(body, "withClause"));
        if (strcmp(type, "InsertStmt") == 0)
            walk_insert(w, &s, body, out);
        else if (strcmp(type, "UpdateStmt") == 0)
            walk_update(w, &s, body, out);
        else if (strcmp(type, "DeleteStmt") == 0)
            walk_delete(w, &s, body, out);
        else if (strcmp(type, "MergeStmt") == 0)
            walk_merge(w, &s, body);
    }
    ts_walk_scope_release(&s);
    w->depth--;
}

/* ------------------------------------------------------------------ */
/* Class and command                                                   */
/* ------------------------------------------------------------------ */

static const struct {
    const char *type;
    ts_sql_class cls;
    const char *command;
} known_types[] = {
    {"SelectStmt", TS_SQL_CLASS_READ, "SELECT"},
    {"InsertStmt", TS_SQL_CLASS_WRITE, "INSERT"},
    {"UpdateStmt", TS_SQL_CLASS_WRITE, "UPDATE"},
    {"DeleteStmt", TS_SQL_CLASS_WRITE, "DELETE"},
    {"MergeStmt", TS_SQL_CLASS_WRITE, "MERGE"},
    {"TruncateStmt", TS_SQL_CLASS_WRITE, "TRUNCATE TABLE"},
    {"CreateStmt", TS_SQL_CLASS_DDL, "CREATE TABLE"},
    {"IndexStmt", TS_SQL_CLASS_DDL, "CREATE INDEX"},
    {"ViewStmt", TS_SQL_CLASS_DDL, "CREATE VIEW"},
    {"RuleStmt", TS_SQL_CLASS_DDL, "CREATE RULE"},
    {"DefineStmt", TS_SQL_CLASS_DDL, "CREATE"},
    {"CompositeTypeStmt", TS_SQL_CLASS_DDL, "CREATE TYPE"},
    {"CreateEnumStmt", TS_SQL_CLASS_DDL, "CREATE TYPE"},
    {"CreateRangeStmt", TS_SQL_CLASS_DDL, "CREATE TYPE"},
    {"CommentStmt", TS_SQL_CLASS_DDL, "COMMENT"},
    {"SecLabelStmt", TS_SQL_CLASS_DDL, "SECURITY LABEL"},
    {"RenameStmt", TS_SQL_CLASS_DDL, "ALTER"},
    {"DropStmt", TS_SQL_CLASS_DDL, "DROP"},
    {"CreateFunctionStmt", TS_SQL_CLASS_DDL, "CREATE FUNCTION"},
    {"GrantStmt", TS_SQL_CLASS_ROLE, "GRANT"},
    {"GrantRoleStmt", TS_SQL_CLASS_ROLE, "GRANT"},
    {"CreateRoleStmt", TS_SQL_CLASS_ROLE, "CREATE ROLE"},
    {"AlterRoleStmt", TS_SQL_CLASS_ROLE, "ALTER ROLE"},
    {"AlterRoleSetStmt", TS_SQL_CLASS_ROLE, "ALTER ROLE"},
    {"DropRoleStmt", TS_SQL_CLASS_ROLE, "DROP ROLE"},
    {"AlterDefaultPrivilegesStmt", TS_SQL_CLASS_ROLE,
     "ALTER DEFAULT PRIVILEGES"},
    {"ReassignOwnedStmt", TS_SQL_CLASS_ROLE, "REASSIGN OWNED"},
    {"VariableSetStmt", TS_SQL_CLASS_MISC, "SET"},
    {"VariableShowStmt", TS_SQL_CLASS_MISC, "SHOW"},
    {"ExplainStmt", TS_SQL_CLASS_MISC, "EXPLAIN"},
    {"PrepareStmt", TS_SQL_CLASS_MISC, "PREPARE"},
    {"ExecuteStmt", TS_SQL_CLASS_MISC, "EXECUTE"},
    {"DeclareCursorStmt", TS_SQL_CLASS_READ, "DECLARE CURSOR"},
};

static const char *transaction_command(json_t *body)
{
    static const struct {
        const char *kind, *command;
    } kinds[] = {
        {"TRANS_STMT_BEGIN", "BEGIN"},
        {"TRANS_STMT_START", "START TRANSACTION"},
        {"TRANS_STMT_COMMIT", "COMMIT"},
        {"TRANS_STMT_ROLLBACK", "ROLLBACK"},
        {"TRANS_STMT_SAVEPOINT", "SAVEPOINT"},
        {"TRANS_STMT_RELEASE", "RELEASE"},
        {"TRANS_STMT_ROLLBACK_TO", "ROLLBACK"},
        {"TRANS_STMT_PREPARE", "PREPARE TRANSACTION"},
        {"TRANS_STMT_COMMIT_PREPARED", "COMMIT PREPARED"},
        {"TRANS_STMT_ROLLBACK_PREPARED", "ROLLBACK PREPARED"},
    };
    const char *kind = ts_walk_str(body, "kind");
    size_t i;

    for (i = 0; kind != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].command;
    return "TRANSACTION";
}

/* "CreateForeignTableStmt" -> "CREATE FOREIGN TABLE" */
static char *command_from_type(const char *type)
{
    size_t n = strlen(type), i, k = 0;
    char *out = malloc(2 * n + 1);

    if (out == NULL)
        return NULL;
    if (n > 4 && strcmp(type + n - 4, "Stmt") == 0)
        n -= 4;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)type[i];
        if (i > 0 && isupper(c) && !isupper((unsigned char)type[i - 1]))
            out[k++] = ' ';
        out[k++] = (char)toupper(c);
    }
    out[k] = '\0';
    return out;
}

static int classify(ts_sql_analysis *a, const char *type, json_t *body)
{
    const char *command = NULL;
    size_t i;

    a->cls = TS_SQL_CLASS_MISC;
    for (i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++)
        if (strcmp(known_types[i].type, type) == 0) {
            a->cls = known_types[i].cls;
            command = known_types[i].command;
            break;
        }
    if (strcmp(type, "SelectStmt") == 0 &&
        json_object_get(body, "intoClause") != NULL) {
        a->cls = TS_SQL_CLASS_DDL;
        command = "SELECT INTO";
    } else if (strcmp(type, "CreateTableAsStmt") == 0) {
        const char *obj = ts_walk_str(body, "objtype");
        a->cls = TS_SQL_CLASS_DDL;
        command = obj != NULL && strcmp(obj, "OBJECT_MATVIEW") == 0
                      ? "CREATE MATERIALIZED VIEW"
                      : "CREATE TABLE AS";
    } else if (strcmp(type, "CopyStmt") == 0) {
        a->cls = json_is_true(json_object_get(body, "is_from"))
                     ? TS_SQL_CLASS_WRITE
                     : TS_SQL_CLASS_READ;
        command = "COPY";
    } else if (strcmp(type, "GrantStmt") == 0 ||
               strcmp(type, "GrantRoleStmt") == 0) {
        command = json_is_true(json_object_get(body, "is_grant")) ? "GRANT"
                                                                  : "REVOKE";
    } else if (strcmp(type, "TransactionStmt") == 0) {
        command = transaction_command(body);
    } else if (command == NULL && (strncmp(type, "Create", 6) == 0 ||
                                   strncmp(type, "Alter", 5) == 0 ||
                                   strncmp(type, "Drop", 4) == 0)) {
        a->cls = TS_SQL_CLASS_DDL;
    }
    a->command = command != NULL ? strdup(command) : command_from_type(type);
    return a->command != NULL ? 0 : TS_ENOMEM;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

/* Tables whose columns are read are read, even when only a WHERE clause
 * of an UPDATE names them. */
static void tables_of_columns(ts_walk *w)
{
    size_t i;

    for (i = 0; i < w->a->columns_read.n_items && w->rc == 0; i++) {
        const char *col = w->a->columns_read.items[i];
        const char *dot = strrchr(col, '.');
        char *table = ts_walk_strdup(w, col);
        if (table == NULL || dot == NULL)
            continue;
        table[dot - col] = '\0';
        add_name(w, &w->a->tables_read, table);
    }
}

static void set_parse_error(ts_sql_analysis *a, const PgQueryError *e)
{
    char *msg = malloc(strlen(e->message) + 48);

    a->cls = TS_SQL_CLASS_UNKNOWN;
    a->command = strdup("UNKNOWN");
    if (msg != NULL)
        snprintf(msg, strlen(e->message) + 48, "%s at offset %d", e->message,
                 e->cursorpos > 0 ? e->cursorpos - 1 : 0);
    a->error = msg;
}

int ts_sql_walk(ts_sql_analysis *a, const char *sql, const ts_catalog *catalog,
                ts_error *err)
{
    PgQueryParseResult pr;
    json_error_t jerr;
    json_t *root, *stmts;
    ts_walk w;
    size_t i;
    int rc = 0;

    pr = pg_query_parse(sql);
    if (pr.error != NULL) {
        set_parse_error(a, pr.error);
        pg_query_free_parse_result(pr);
        if (a->command == NULL || a->error == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        return 0;
    }
    root = json_loads(pr.parse_tree, 0, &jerr);
    pg_query_free_parse_result(pr);
    if (root == NULL) {
        /* deeper than jansson nests, or out of memory */
        a->cls = TS_SQL_CLASS_UNKNOWN;
        a->command = strdup("UNKNOWN");
        a->error = strdup("parse tree too deep to analyse");
        if (a->command == NULL || a->error == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        return 0;
    }
    memset(&w, 0, sizeof(w));
    w.catalog = catalog;
    w.a = a;
    w.cols_read = &a->columns_read;
    w.tables_read = &a->tables_read;
    w.err = err;
    stmts = json_object_get(root, "stmts");
    for (i = 0; i < json_array_size(stmts) && w.rc == 0; i++) {
        json_t *stmt = json_object_get(json_array_get(stmts, i), "stmt");
        json_t *body;
        const char *type = ts_walk_node_type(stmt, &body);
        if (type == NULL)
            continue;
        if (a->command == NULL && classify(a, type, body) != 0)
            ts_walk_fail(&w, ts_error_set(err, TS_ENOMEM, "out of memory"));
        ts_walk_stmt(&w, NULL, stmt, NULL);
        ts_walk_ddl(&w, type, body);
    }
    if (a->command == NULL) {
        /* an empty statement (only comments or semicolons) */
        a->cls = TS_SQL_CLASS_MISC;
        a->command = strdup("EMPTY");
        if (a->command == NULL)
            ts_walk_fail(&w, ts_error_set(err, TS_ENOMEM, "out of memory"));
    }
    tables_of_columns(&w);
    ts_sql_names_sort(&a->tables_read);
    ts_sql_names_sort(&a->tables_written);
    ts_sql_names_sort(&a->columns_read);
    ts_sql_names_sort(&a->columns_written);
    ts_sql_names_sort(&a->tables_changed);
    ts_sql_names_sort(&a->flows);
    rc = w.rc;
    if (rc == TS_ELIMIT) {
        /* a statement too big or too deep to analyse is a finding about
         * that statement, not a failure of the caller */
        free(a->error);
        a->error = strdup(err != NULL ? err->msg : "too large to analyse");
        rc = a->error != NULL ? 0
                              : ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    while (w.arena != NULL) {
        ts_arena_block *next = w.arena->next;
        free(w.arena);
        w.arena = next;
    }
    json_decref(root);
    return rc;
}
