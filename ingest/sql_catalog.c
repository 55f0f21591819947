/* Catalog snapshots: relations with their ordered columns and view
 * definitions, read from the JSON format of schemas/catalog.schema.md. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/sql_catalog_internal.h"

/* Bounds on what a catalog file may declare. */
#define TS_CATALOG_MAX_RELS 1000000
#define TS_CATALOG_MAX_FILE ((size_t)256 << 20)

static void rel_release(ts_catalog_rel *rel)
{
    size_t i;

    free(rel->schema);
    free(rel->name);
    for (i = 0; i < rel->n_columns; i++)
        free(rel->columns[i]);
    free(rel->columns);
    free(rel->definition);
}

void ts_catalog_free(ts_catalog *catalog)
{
    size_t i;

    if (catalog == NULL)
        return;
    for (i = 0; i < catalog->n_rels; i++)
        rel_release(&catalog->rels[i]);
    free(catalog->rels);
    for (i = 0; i < catalog->n_search_path; i++)
        free(catalog->search_path[i]);
    free(catalog->search_path);
    free(catalog);
}

static int set_search_path(ts_catalog *c, const char *const *schemas, size_t n,
                           ts_error *err)
{
    size_t i;

    c->search_path = calloc(n ? n : 1, sizeof(char *));
    if (c->search_path == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        c->search_path[i] = strdup(schemas[i]);
        if (c->search_path[i] == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        c->n_search_path = i + 1;
    }
    return 0;
}

int ts_catalog_new(ts_catalog **out, ts_error *err)
{
    static const char *const public_only[] = {"public"};
    ts_catalog *c = calloc(1, sizeof(*c));

    *out = NULL;
    if (c == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    if (set_search_path(c, public_only, 1, err) != 0) {
        ts_catalog_free(c);
        return TS_ENOMEM;
    }
    *out = c;
    return 0;
}

const ts_catalog_rel *ts_catalog_find(const ts_catalog *catalog,
                                      const char *schema, const char *name)
{
    size_t i, s;

    if (catalog == NULL)
        return NULL;
    if (schema != NULL) {
        for (i = 0; i < catalog->n_rels; i++)
            if (strcmp(catalog->rels[i].name, name) == 0 &&
                strcmp(catalog->rels[i].schema, schema) == 0)
                return &catalog->rels[i];
        return NULL;
    }
    for (s = 0; s < catalog->n_search_path; s++) {
        const ts_catalog_rel *rel =
            ts_catalog_find(catalog, catalog->search_path[s], name);
        if (rel != NULL)
            return rel;
    }
    return NULL;
}

const char *ts_catalog_default_schema(const ts_catalog *catalog)
{
    if (catalog == NULL || catalog->n_search_path == 0)
        return "public";
    return catalog->search_path[0];
}

static char *dup_string(json_t *v)
{
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

/* One element of "relations"; i is its index, for messages. */
static int load_rel(ts_catalog_rel *rel, json_t *j, size_t i, ts_error *err)
{
    json_t *cols = json_object_get(j, "columns");
    const char *kind = json_string_value(json_object_get(j, "kind"));
    size_t k;

    memset(rel, 0, sizeof(*rel));
    if (!json_is_object(j) || !json_is_string(json_object_get(j, "schema")) ||
        !json_is_string(json_object_get(j, "name")) || !json_is_array(cols))
        return ts_error_set(err, TS_EINVAL,
                            "relations[%zu]: needs string \"schema\", "
                            "\"name\" and an array \"columns\"",
                            i);
    if (kind == NULL || strcmp(kind, "table") == 0)
        rel->kind = TS_REL_TABLE;
    else if (strcmp(kind, "view") == 0)
        rel->kind = TS_REL_VIEW;
    else
        return ts_error_set(err, TS_EINVAL,
                            "relations[%zu]: kind '%s' is neither 'table' "
                            "nor 'view'",
                            i, kind);
    rel->schema = dup_string(json_object_get(j, "schema"));
    rel->name = dup_string(json_object_get(j, "name"));
    rel->definition = dup_string(json_object_get(j, "definition"));
    rel->columns = calloc(json_array_size(cols) + 1, sizeof(char *));
    if (rel->schema == NULL || rel->name == NULL || rel->columns == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    for (k = 0; k < json_array_size(cols); k++) {
        json_t *col = json_array_get(cols, k);
        if (!json_is_string(col))
            return ts_error_set(err, TS_EINVAL,
                                "relations[%zu].columns[%zu]: not a string", i,
                                k);
        rel->columns[k] = strdup(json_string_value(col));
        if (rel->columns[k] == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        rel->n_columns = k + 1;
    }
    if (rel->kind == TS_REL_VIEW && rel->definition == NULL)
        return ts_error_set(err, TS_EINVAL,
                            "relations[%zu]: view '%s.%s' has no string "
                            "\"definition\"",
                            i, rel->schema, rel->name);
    return 0;
}

static int load_search_path(ts_catalog *c, json_t *sp, ts_error *err)
{
    const char **names;
    size_t i;
    int rc;

    if (sp == NULL)
        return set_search_path(c, (const char *const[]){"public"}, 1, err);
    if (!json_is_array(sp))
        return ts_error_set(err, TS_EINVAL,
                            "\"search_path\" is not an array of strings");
    names = calloc(json_array_size(sp) + 1, sizeof(char *));
    if (names == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    for (i = 0; i < json_array_size(sp); i++) {
        names[i] = json_string_value(json_array_get(sp, i));
        if (names[i] == NULL) {
            free(names);
            return ts_error_set(err, TS_EINVAL,
                                "search_path[%zu]: not a string", i);
        }
    }
    rc = set_search_path(c, names, i, err);
    free(names);
    return rc;
}

int ts_catalog_load_json(ts_catalog **out, const char *json, size_t len,
                         ts_error *err)
{
    json_error_t jerr;
    json_t *root, *rels;
    ts_catalog *c;
    size_t i;
    int rc = 0;

    *out = NULL;
    root = json_loadb(json, len, 0, &jerr);
    if (root == NULL)
        return ts_error_set(err, TS_EINVAL, "catalog: line %d: %s", jerr.line,
                            jerr.text);
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        goto out_root;
    }
    rels = json_object_get(root, "relations");
    if (!json_is_object(root) || !json_is_array(rels)) {
        rc = ts_error_set(err, TS_EINVAL,
                          "catalog: needs an object with an array "
                          "\"relations\"");
        goto out_catalog;
    }
    if (json_array_size(rels) > TS_CATALOG_MAX_RELS) {
        rc = ts_error_set(err, TS_ELIMIT, "catalog: more than %d relations",
                          TS_CATALOG_MAX_RELS);
        goto out_catalog;
    }
    rc = load_search_path(c, json_object_get(root, "search_path"), err);
    if (rc != 0) {
        ts_error_prefix(err, "catalog: ");
        goto out_catalog;
    }
    c->rels = calloc(json_array_size(rels) + 1, sizeof(*c->rels));
    if (c->rels == NULL) {
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        goto out_catalog;
    }
    for (i = 0; i < json_array_size(rels); i++) {
        c->n_rels = i + 1;
        rc = load_rel(&c->rels[i], json_array_get(rels, i), i, err);
        if (rc != 0) {
            ts_error_prefix(err, "catalog: ");
            goto out_catalog;
        }
    }
    *out = c;
    c = NULL;
out_catalog:
    ts_catalog_free(c);
out_root:
    json_decref(root);
    return rc;
}

int ts_catalog_load_file(ts_catalog **out, const char *path, ts_error *err)
{
    json_error_t jerr;
    char *text;
    FILE *f;
    size_t len = 0, got;
    int rc;

    *out = NULL;
    (void)jerr;
    f = fopen(path, "rb");
    if (f == NULL)
        return ts_error_set(err, TS_EIO, "cannot open catalog '%s'", path);
    text = malloc(TS_CATALOG_MAX_FILE + 1);
    if (text == NULL) {
        fclose(f);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    while ((got = fread(text + len, 1, TS_CATALOG_MAX_FILE + 1 - len, f)) > 0)
        len += got;
    if (ferror(f))
        rc = ts_error_set(err, TS_EIO, "cannot read catalog '%s'", path);
    else if (len > TS_CATALOG_MAX_FILE)
        rc = ts_error_set(err, TS_ELIMIT,
                          "catalog '%s' is larger than %zu "
                          "bytes",
                          path, TS_CATALOG_MAX_FILE);
    else
        rc = ts_catalog_load_json(out, text, len, err);
    if (rc != 0 && rc != TS_EIO && rc != TS_ELIMIT)
        ts_error_prefix(err, "'%s': ", path);
    free(text);
    fclose(f);
    return rc;
}

int ts_catalog_to_json(char **out, const ts_catalog *catalog, ts_error *err)
{
    json_t *root = json_object(), *rels = json_array(), *sp = json_array();
    size_t i, k;
    int bad = root == NULL || rels == NULL || sp == NULL;

    *out = NULL;
    for (i = 0; !bad && i < catalog->n_search_path; i++)
        bad |= json_array_append_new(sp, json_string(catalog->search_path[i]));
    for (i = 0; !bad && i < catalog->n_rels; i++) {
        const ts_catalog_rel *r = &catalog->rels[i];
        json_t *rel = json_object(), *cols = json_array();
        bad |= rel == NULL || cols == NULL;
        for (k = 0; !bad && k < r->n_columns; k++)
            bad |= json_array_append_new(cols, json_string(r->columns[k]));
        if (!bad) {
            bad |= json_object_set_new(rel, "schema", json_string(r->schema));
            bad |= json_object_set_new(rel, "name", json_string(r->name));
            bad |= json_object_set_new(
                rel, "kind",
                json_string(r->kind == TS_REL_VIEW ? "view" : "table"));
            bad |= json_object_set(rel, "columns", cols);
            if (r->definition != NULL)
                bad |= json_object_set_new(rel, "definition",
                                           json_string(r->definition));
            bad |= json_array_append(rels, rel);
        }
        json_decref(cols);
        json_decref(rel);
    }
    if (!bad) {
        bad |= json_object_set(root, "search_path", sp);
        bad |= json_object_set(root, "relations", rels);
    }
    if (!bad)
        *out = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(sp);
    json_decref(rels);
    json_decref(root);
    if (*out == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory writing a catalog");
    return 0;
}
