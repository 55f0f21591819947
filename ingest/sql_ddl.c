/* The objects a DDL statement creates, alters or drops ("schema.table",
 * or the bare name of a schema or database), so schema changes can be
 * matched to the approvals that name them. */
#include <string.h>

#include "ingest/sql_walk_internal.h"

static void add_changed(ts_walk *w, const char *schema, const char *name)
{
    const char *qualified;
    int rc;

    if (name == NULL || w->rc != 0)
        return;
    if (schema == NULL)
        schema = ts_catalog_default_schema(w->catalog);
    qualified = ts_walk_qualify(w, schema, name, NULL);
    if (qualified == NULL)
        return;
    rc = ts_sql_names_add(&w->a->tables_changed, qualified, w->err);
    if (rc != 0)
        ts_walk_fail(w, rc);
}

static void add_range_var(ts_walk *w, json_t *rv)
{
    /* a RangeVar field is written bare; a Node one wrapped */
    json_t *body = ts_walk_node_body(rv, "RangeVar");

    if (body == NULL)
        body = rv;
    if (json_is_object(body))
        add_changed(w, ts_walk_str(body, "schemaname"),
                    ts_walk_str(body, "relname"));
}

static void add_schema(ts_walk *w, const char *schema)
{
    int rc;

    if (schema == NULL || w->rc != 0)
        return;
    rc = ts_sql_names_add(&w->a->tables_changed, schema, w->err);
    if (rc != 0)
        ts_walk_fail(w, rc);
}

/* DROP TABLE a, s.b: each object is a list of name parts. */
static void add_dropped(ts_walk *w, json_t *body)
{
    static const char *const relations[] = {
        "OBJECT_TABLE",    "OBJECT_VIEW",
        "OBJECT_MATVIEW",  "OBJECT_INDEX",
        "OBJECT_SEQUENCE", "OBJECT_FOREIGN_TABLE",
        "OBJECT_SCHEMA",   NULL};
    const char *kind = ts_walk_str(body, "removeType");
    json_t *objects = json_object_get(body, "objects");
    size_t i, k = 0;

    while (kind != NULL && relations[k] != NULL &&
           strcmp(kind, relations[k]) != 0)
        k++;
    if (kind == NULL || relations[k] == NULL)
        return;
    for (i = 0; i < json_array_size(objects); i++) {
        json_t *obj = json_array_get(objects, i);
        json_t *list = ts_walk_node_body(obj, "List");
        json_t *items = list ? json_object_get(list, "items") : NULL;
        size_t n = json_array_size(items);

        if (strcmp(kind, "OBJECT_SCHEMA") == 0) {
            add_schema(w, ts_walk_string_node(obj));
        } else if (n == 1) {
            add_changed(w, NULL, ts_walk_string_node(json_array_get(items, 0)));
        } else if (n >= 2) { /* [catalog.]schema.name */
            add_changed(w, ts_walk_string_node(json_array_get(items, n - 2)),
                        ts_walk_string_node(json_array_get(items, n - 1)));
        }
    }
}

void ts_walk_ddl(ts_walk *w, const char *type, json_t *body)
{
    if (strcmp(type, "CreateStmt") == 0 ||
        strcmp(type, "AlterTableStmt") == 0 || strcmp(type, "IndexStmt") == 0 ||
        strcmp(type, "RenameStmt") == 0 ||
        strcmp(type, "CreateTrigStmt") == 0 ||
        strcmp(type, "CreatePolicyStmt") == 0 ||
        strcmp(type, "AlterPolicyStmt") == 0 || strcmp(type, "RuleStmt") == 0)
        add_range_var(w, json_object_get(body, "relation"));
    else if (strcmp(type, "ViewStmt") == 0)
        add_range_var(w, json_object_get(body, "view"));
    else if (strcmp(type, "CreateTableAsStmt") == 0) {
        json_t *into = json_object_get(body, "into");
        if (ts_walk_node_body(into, "IntoClause") != NULL)
            into = ts_walk_node_body(into, "IntoClause");
        if (json_is_object(into))
            add_range_var(w, json_object_get(into, "rel"));
    } else if (strcmp(type, "DropStmt") == 0)
        add_dropped(w, body);
    else if (strcmp(type, "CreateSchemaStmt") == 0)
        add_schema(w, ts_walk_str(body, "schemaname"));
    else if (strcmp(type, "CreatedbStmt") == 0 ||
             strcmp(type, "DropdbStmt") == 0 ||
             strcmp(type, "AlterDatabaseStmt") == 0)
        add_schema(w, ts_walk_str(body, "dbname")); /* a database's name */
}
