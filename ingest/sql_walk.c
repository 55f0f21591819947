/* Walks libpg_query's JSON parse tree of a query and records the tables and
 * columns it reads, resolving names against a catalog snapshot the way
 * PostgreSQL's parse analysis does (which is what its privilege checks see).
 */
#include <pg_query.h>
#include <stdio.h>
#include <string.h>

#include "ingest/sql_walk_internal.h"

/* A SelectStmt field is sometimes wrapped in {"SelectStmt": ...}. */
static json_t *select_body(json_t *node)
{
    json_t *body = ts_walk_node_body(node, "SelectStmt");

    return body != NULL ? body : node;
}

static const char *string_list_item(json_t *list, size_t i)
{
    return ts_walk_string_node(json_array_get(list, i));
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */

static void walk_subselect(ts_walk *w, ts_walk_scope *s, json_t *sel,
                           ts_walk_cols *out);

void ts_walk_expr(ts_walk *w, ts_walk_scope *s, json_t *node)
{
    const char *key;
    json_t *value, *body;
    const char *type;
    size_t i;

    if (w->rc != 0 || node == NULL)
        return;
    if (json_is_array(node)) {
        json_array_foreach(node, i, value) ts_walk_expr(w, s, value);
        return;
    }
    if (!json_is_object(node))
        return;
    type = ts_walk_node_type(node, &body);
    if (type != NULL && strcmp(type, "ColumnRef") == 0) {
        ts_walk_column_ref(w, s, body, NULL);
        return;
    }
    if (type != NULL && strcmp(type, "SelectStmt") == 0) {
        walk_subselect(w, s, body, NULL);
        return;
    }
    json_object_foreach(node, key, value)
    {
        if (json_is_object(value) || json_is_array(value))
            ts_walk_expr(w, s, value);
    }
}

/* The name PostgreSQL gives an unnamed select-list entry (FigureColname),
 * as far as resolving names in an outer query needs it. */
static const char *figure_colname(json_t *val)
{
    json_t *body;
    const char *type = ts_walk_node_type(val, &body);
    json_t *fields;

    if (type == NULL)
        return "?column?";
    if (strcmp(type, "ColumnRef") == 0) {
        fields = json_object_get(body, "fields");
        const char *last =
            string_list_item(fields, json_array_size(fields) - 1);
        return last != NULL ? last : "?column?";
    }
    if (strcmp(type, "FuncCall") == 0) {
        fields = json_object_get(body, "funcname");
        const char *last =
            string_list_item(fields, json_array_size(fields) - 1);
        return last != NULL ? last : "?column?";
    }
    if (strcmp(type, "TypeCast") == 0) {
        const char *inner = figure_colname(json_object_get(body, "arg"));
        if (strcmp(inner, "?column?") != 0)
            return inner;
        fields = json_object_get(json_object_get(body, "typeName"), "names");
        inner = string_list_item(fields, json_array_size(fields) - 1);
        return inner != NULL ? inner : "?column?";
    }
    if (strcmp(type, "CaseExpr") == 0)
        return "case";
    if (strcmp(type, "CoalesceExpr") == 0)
        return "coalesce";
    if (strcmp(type, "SubLink") == 0) {
        const char *link = ts_walk_str(body, "subLinkType");
        if (link != NULL && strcmp(link, "EXISTS_SUBLINK") == 0)
            return "exists";
        if (link != NULL && strcmp(link, "ARRAY_SUBLINK") == 0)
            return "array";
    }
    return "?column?";
}

/* The base column a plain column reference stands for, or NULL. */
static const char *column_src(ts_walk *w, ts_walk_scope *s, json_t *val);

/* ------------------------------------------------------------------ */
/* FROM                                                                */
/* ------------------------------------------------------------------ */

/* Renames a relation's first columns as an alias's column list says. */
static void apply_alias(ts_walk *w, ts_walk_rel *rel, json_t *alias,
                        const char *default_name)
{
    json_t *colnames = json_object_get(alias, "colnames");
    const char *name = ts_walk_str(alias, "aliasname");
    size_t i;

    rel->alias = name != NULL ? ts_walk_strdup(w, name) : default_name;
    for (i = 0; i < json_array_size(colnames) && i < rel->n_cols; i++) {
        const char *c = string_list_item(colnames, i);
        if (c != NULL)
            rel->cols[i] = ts_walk_strdup(w, c);
    }
}

/* A view's definition walked on its own: its reads merged into the
 * statement's when merge is set, and each view column's base column. */
static void expand_view(ts_walk *w, ts_walk_rel *rel,
                        const ts_catalog_rel *view, int merge)
{
    ts_sql_names scratch_cols = {0}, scratch_tables = {0};
    ts_sql_names *saved_cols = w->cols_read, *saved_tables = w->tables_read;
    ts_walk_cols out = {0, 0, NULL, NULL, NULL};
    json_t *root, *stmt, *sel;
    json_error_t jerr;
    PgQueryParseResult pr;
    size_t i;

    if (++w->depth > TS_WALK_MAX_DEPTH) {
        ts_walk_fail(w, ts_error_set(w->err, TS_ELIMIT,
                                     "views nest deeper than %d levels",
                                     TS_WALK_MAX_DEPTH));
        return;
    }
    pr = pg_query_parse(view->definition);
    root = pr.error == NULL ? json_loads(pr.parse_tree, 0, &jerr) : NULL;
    pg_query_free_parse_result(pr);
    stmt = json_object_get(json_array_get(json_object_get(root, "stmts"), 0),
                           "stmt");
    sel = ts_walk_node_body(stmt, "SelectStmt");
    if (sel != NULL) {
        if (!merge) {
            w->cols_read = &scratch_cols;
            w->tables_read = &scratch_tables;
        }
        ts_walk_select_into(w, NULL, sel, &out);
        w->cols_read = saved_cols;
        w->tables_read = saved_tables;
        for (i = 0; i < out.n && i < rel->n_cols; i++)
            rel->srcs[i] = out.srcs[i];
    }
    ts_sql_names_release(&scratch_cols);
    ts_sql_names_release(&scratch_tables);
    json_decref(root);
    w->depth--;
}

/* The relation a RangeVar names: a CTE, a catalog table or view, or an
 * unknown table that accepts any column. merge_view: a view read as a
 * whole (a FROM item) rather than written through. */
ts_walk_rel *ts_walk_range_var(ts_walk *w, ts_walk_scope *s, json_t *rv,
                               int merge_view)
{
    const char *schema = ts_walk_str(rv, "schemaname");
    const char *name = ts_walk_str(rv, "relname");
    const ts_catalog_rel *cat;
    ts_walk_cte *cte = NULL;
    ts_walk_rel *rel;
    size_t i;

    if (name == NULL)
        return NULL;
    if (schema == NULL && s != NULL)
        cte = ts_walk_find_cte(s, name);
    if (cte != NULL && cte->ready) {
        rel = ts_walk_new_rel(w, WALK_REL_DERIVED, cte->n_cols);
        if (rel == NULL)
            return NULL;
        for (i = 0; i < cte->n_cols; i++) {
            rel->cols[i] = cte->cols[i];
            rel->srcs[i] = cte->srcs[i];
        }
        if (w->cols_read != &cte->reads) {
            int rc = ts_sql_names_add_all(w->cols_read, &cte->reads, w->err);
            if (rc == 0)
                rc = ts_sql_names_add_all(w->tables_read, &cte->tables, w->err);
            if (rc != 0)
                ts_walk_fail(w, rc);
        }
        apply_alias(w, rel, json_object_get(rv, "alias"), cte->name);
        return rel;
    }
    if (cte != NULL) {
        /* a recursive CTE's reference to itself before its columns are
         * known: its columns are the ones its alias list gives, if any */
        rel = ts_walk_new_rel(w, WALK_REL_DERIVED, cte->n_cols);
        if (rel != NULL) {
            for (i = 0; i < cte->n_cols; i++)
                rel->cols[i] = cte->cols[i];
            apply_alias(w, rel, json_object_get(rv, "alias"), cte->name);
        }
        return rel;
    }
    cat = ts_catalog_find(w->catalog, schema, name);
    if (cat == NULL) {
        rel = ts_walk_new_rel(w, WALK_REL_TABLE, 0);
        if (rel == NULL)
            return NULL;
        rel->unknown = 1;
        rel->schema = ts_walk_strdup(
            w, schema != NULL ? schema : ts_catalog_default_schema(w->catalog));
        rel->table = ts_walk_strdup(w, name);
    } else {
        rel = ts_walk_new_rel(
            w, cat->kind == TS_REL_VIEW ? WALK_REL_VIEW : WALK_REL_TABLE,
            cat->n_columns);
        if (rel == NULL)
            return NULL;
        rel->schema = cat->schema;
        rel->table = cat->name;
        for (i = 0; i < cat->n_columns; i++) {
            rel->cols[i] = cat->columns[i];
            rel->orig[i] = cat->columns[i];
            if (cat->kind == TS_REL_TABLE)
                rel->srcs[i] =
                    ts_walk_qualify(w, cat->schema, cat->name, cat->columns[i]);
        }
        if (cat->kind == TS_REL_VIEW && cat->definition != NULL)
            expand_view(w, rel, cat, merge_view);
    }
    if (rel != NULL)
        apply_alias(w, rel, json_object_get(rv, "alias"), rel->table);
    return rel;
}

/* Marks a column of the inputs of a join (rels [from, to) of s) that
 * USING or NATURAL names; the right side's copy is left out of `*`. */
static void mark_using(ts_walk *w, ts_walk_scope *s, size_t from, size_t mid,
                       size_t to, const char *name)
{
    size_t i, k;

    for (i = from; i < to; i++) {
        ts_walk_rel *r = s->rels[i];
        if (r->hidden)
            continue;
        for (k = 0; k < r->n_cols; k++)
            if (strcmp(r->cols[k], name) == 0) {
                ts_walk_mark_col(w, r, k);
                if (i >= mid)
                    r->star_skip[k] = 1;
            }
        if (r->unknown)
            ts_walk_mark_named(w, r, name);
    }
}

/* NATURAL JOIN: the names both sides have. */
static void mark_natural(ts_walk *w, ts_walk_scope *s, size_t from, size_t mid,
                         size_t to)
{
    size_t i, k, j, m;

    for (i = from; i < mid; i++)
        for (k = 0; k < s->rels[i]->n_cols; k++)
            for (j = mid; j < to; j++)
                for (m = 0; m < s->rels[j]->n_cols; m++)
                    if (strcmp(s->rels[i]->cols[k], s->rels[j]->cols[m]) == 0)
                        mark_using(w, s, from, mid, to, s->rels[i]->cols[k]);
}

/* (a JOIN b) AS j: one relation forwarding to the inputs, which are no
 * longer reachable by their own names. */
static void alias_join(ts_walk *w, ts_walk_scope *s, size_t from, json_t *alias)
{
    size_t i, k, n = 0, at = 0;
    ts_walk_rel *j;

    for (i = from; i < s->n_rels; i++)
        for (k = 0; k < s->rels[i]->n_cols; k++)
            n += !s->rels[i]->star_skip[k];
    j = ts_walk_new_rel(w, WALK_REL_JOIN, n);
    if (j == NULL)
        return;
    j->fwd_rel = ts_walk_alloc(w, (n + 1) * sizeof(ts_walk_rel *));
    j->fwd_col = ts_walk_alloc(w, (n + 1) * sizeof(size_t));
    if (j->fwd_rel == NULL || j->fwd_col == NULL)
        return;
    for (i = from; i < s->n_rels; i++) {
        for (k = 0; k < s->rels[i]->n_cols; k++) {
            if (s->rels[i]->star_skip[k])
                continue;
            j->cols[at] = s->rels[i]->cols[k];
            j->srcs[at] = s->rels[i]->srcs[k];
            j->fwd_rel[at] = s->rels[i];
            j->fwd_col[at] = k;
            at++;
        }
        s->rels[i]->hidden = 1;
    }
    apply_alias(w, j, alias, NULL);
    ts_walk_add_rel(w, s, j);
}

static void walk_join(ts_walk *w, ts_walk_scope *s, json_t *join)
{
    size_t from = s->n_rels, mid, i;
    json_t *using_list = json_object_get(join, "usingClause");

    ts_walk_from_item(w, s, json_object_get(join, "larg"));
    mid = s->n_rels;
    ts_walk_from_item(w, s, json_object_get(join, "rarg"));
    for (i = 0; i < json_array_size(using_list); i++) {
        const char *name = string_list_item(using_list, i);
        if (name != NULL)
            mark_using(w, s, from, mid, s->n_rels, name);
    }
    if (json_is_true(json_object_get(join, "isNatural")))
        mark_natural(w, s, from, mid, s->n_rels);
    ts_walk_expr(w, s, json_object_get(join, "quals"));
    if (json_object_get(join, "alias") != NULL)
        alias_join(w, s, from, json_object_get(join, "alias"));
}

/* A set-returning function in FROM: its arguments are read; its columns
 * come from the alias, the column definition list or its name. */
static void walk_range_function(ts_walk *w, ts_walk_scope *s, json_t *rf)
{
    json_t *functions = json_object_get(rf, "functions");
    json_t *alias = json_object_get(rf, "alias");
    json_t *colnames = json_object_get(alias, "colnames");
    size_t i, n = json_array_size(colnames), n_coldef = 0;
    const char *fname = NULL;
    ts_walk_rel *rel;

    for (i = 0; i < json_array_size(functions); i++) {
        json_t *pair = json_object_get(
            ts_walk_node_body(json_array_get(functions, i), "List"), "items");
        json_t *call = json_array_get(pair, 0);
        json_t *coldefs = json_object_get(
            ts_walk_node_body(json_array_get(pair, 1), "List"), "items");
        ts_walk_expr(w, s, call);
        n_coldef += json_array_size(coldefs);
        if (fname == NULL) {
            fname = figure_colname(call);
        }
    }
    if (n == 0)
        n = n_coldef > 0 ? n_coldef : 1;
    rel = ts_walk_new_rel(w, WALK_REL_DERIVED, n);
    if (rel == NULL)
        return;
    for (i = 0; i < n; i++)
        rel->cols[i] = fname != NULL ? fname : "?column?";
    for (i = 0; i < json_array_size(functions) && n_coldef > 0; i++) {
        json_t *pair = json_object_get(
            ts_walk_node_body(json_array_get(functions, i), "List"), "items");
        json_t *coldefs = json_object_get(
            ts_walk_node_body(json_array_get(pair, 1), "List"), "items");
        size_t k;
        for (k = 0; k < json_array_size(coldefs) && k < n; k++) {
            const char *c = ts_walk_str(
                ts_walk_node_body(json_array_get(coldefs, k), "ColumnDef"),
                "colname");
            if (c != NULL)
                rel->cols[k] = c;
        }
    }
    apply_alias(w, rel, alias, fname);
    if (alias != NULL && n == 1 && json_array_size(colnames) == 0 &&
        n_coldef == 0)
        rel->cols[0] = rel->alias; /* generate_series(1, 3) AS g: g */
    ts_walk_add_rel(w, s, rel);
}

void ts_walk_from_item(ts_walk *w, ts_walk_scope *s, json_t *item)
{
    json_t *body;
    const char *type = ts_walk_node_type(item, &body);
    ts_walk_cols out = {0, 0, NULL, NULL, NULL};
    ts_walk_rel *rel;
    size_t i;

    if (type == NULL || w->rc != 0)
        return;
    if (strcmp(type, "RangeVar") == 0) {
        rel = ts_walk_range_var(w, s, body, 1);
        if (rel != NULL && rel->schema != NULL && rel->table != NULL &&
            (rel->kind == WALK_REL_TABLE || rel->kind == WALK_REL_VIEW))
            ts_walk_add_table_read(w, rel->schema, rel->table);
        ts_walk_add_rel(w, s, rel);
    } else if (strcmp(type, "JoinExpr") == 0) {
        walk_join(w, s, body);
    } else if (strcmp(type, "RangeSubselect") == 0) {
        /* LATERAL sees the FROM items before it; otherwise only the
         * enclosing query's */
        ts_walk_scope *parent =
            json_is_true(json_object_get(body, "lateral")) ? s : s->parent;
        ts_walk_scope shim = {parent, NULL, 0, 0, s->ctes, NULL, 0};
        walk_subselect(w, &shim, select_body(json_object_get(body, "subquery")),
                       &out);
        rel = ts_walk_new_rel(w, WALK_REL_DERIVED, out.n);
        if (rel == NULL)
            return;
        for (i = 0; i < out.n; i++) {
            rel->cols[i] = out.names[i];
            rel->srcs[i] = out.srcs[i];
        }
        apply_alias(w, rel, json_object_get(body, "alias"), NULL);
        ts_walk_add_rel(w, s, rel);
    } else if (strcmp(type, "RangeFunction") == 0) {
        walk_range_function(w, s, body);
    } else if (strcmp(type, "RangeTableSample") == 0) {
        ts_walk_from_item(w, s, json_object_get(body, "relation"));
        ts_walk_expr(w, s, json_object_get(body, "args"));
        ts_walk_expr(w, s, json_object_get(body, "repeatable"));
    } else {
        /* XMLTABLE and friends: read what their expressions name */
        ts_walk_expr(w, s, body);
    }
}

/* ------------------------------------------------------------------ */
/* WITH                                                                */
/* ------------------------------------------------------------------ */

static void set_cte_cols(ts_walk *w, ts_walk_cte *cte, json_t *aliascols,
                         const ts_walk_cols *out)
{
    size_t i, n = out->n;

    if (json_array_size(aliascols) > n)
        n = json_array_size(aliascols);
    cte->cols = ts_walk_alloc(w, (n + 1) * sizeof(char *));
    cte->srcs = ts_walk_alloc(w, (n + 1) * sizeof(char *));
    if (cte->cols == NULL || cte->srcs == NULL)
        return;
    for (i = 0; i < n; i++) {
        const char *alias = string_list_item(aliascols, i);
        cte->cols[i] = alias != NULL ? alias
                       : i < out->n  ? out->names[i]
                                     : "?column?";
        cte->srcs[i] = i < out->n ? out->srcs[i] : NULL;
    }
    cte->n_cols = n;
    cte->ready = 1;
}

void ts_walk_with(ts_walk *w, ts_walk_scope *s, json_t *with)
{
    json_t *ctes = json_object_get(with, "ctes");
    int recursive = json_is_true(json_object_get(with, "recursive"));
    size_t i;

    for (i = 0; i < json_array_size(ctes) && w->rc == 0; i++) {
        json_t *def =
            ts_walk_node_body(json_array_get(ctes, i), "CommonTableExpr");
        json_t *query = json_object_get(def, "ctequery");
        json_t *aliascols = json_object_get(def, "aliascolnames");
        json_t *sel = ts_walk_node_body(query, "SelectStmt");
        ts_sql_names *saved_cols = w->cols_read;
        ts_sql_names *saved_tables = w->tables_read;
        ts_walk_cols out = {0, 0, NULL, NULL, NULL};
        ts_walk_cte *cte = ts_walk_alloc(w, sizeof(*cte));
        const char *op;

        if (cte == NULL || ts_walk_str(def, "ctename") == NULL)
            return;
        cte->name = ts_walk_str(def, "ctename");
        cte->next = s->ctes;
        s->ctes = cte;
        if (json_array_size(aliascols) > 0) {
            ts_walk_cols none = {0, 0, NULL, NULL, NULL};
            set_cte_cols(w, cte, aliascols, &none);
        }
        if (sel == NULL) {
            /* INSERT/UPDATE/DELETE in WITH always run: their reads count
             * whether or not anything references them */
            ts_walk_stmt(w, s, query, &out);
            set_cte_cols(w, cte, aliascols, &out);
            continue;
        }
        w->cols_read = &cte->reads;
        w->tables_read = &cte->tables;
        op = ts_walk_str(sel, "op");
        if (recursive && op != NULL && strcmp(op, "SETOP_NONE") != 0 &&
            !cte->ready) {
            /* the non-recursive term names the columns */
            ts_walk_scope inner = {s, NULL, 0, 0, NULL, NULL, 0};
            ts_walk_with(w, &inner, json_object_get(sel, "withClause"));
            ts_walk_select_into(
                w, &inner, select_body(json_object_get(sel, "larg")), &out);
            set_cte_cols(w, cte, aliascols, &out);
            ts_walk_select_into(
                w, &inner, select_body(json_object_get(sel, "rarg")), NULL);
            ts_walk_scope_release(&inner);
        } else {
            ts_walk_select_into(w, s, sel, &out);
            set_cte_cols(w, cte, aliascols, &out);
        }
        w->cols_read = saved_cols;
        w->tables_read = saved_tables;
    }
}

/* ------------------------------------------------------------------ */
/* SELECT                                                              */
/* ------------------------------------------------------------------ */

void ts_walk_target_list(ts_walk *w, ts_walk_scope *s, json_t *list,
                         ts_walk_cols *out)
{
    size_t i;

    for (i = 0; i < json_array_size(list) && w->rc == 0; i++) {
        json_t *rt = ts_walk_node_body(json_array_get(list, i), "ResTarget");
        json_t *val = json_object_get(rt, "val");
        json_t *cref = ts_walk_node_body(val, "ColumnRef");
        json_t *fields = json_object_get(cref, "fields");
        const char *name = ts_walk_str(rt, "name");
        const char *deps = NULL;

        if (cref != NULL &&
            ts_walk_node_body(
                json_array_get(fields, json_array_size(fields) - 1),
                "A_Star") != NULL) {
            ts_walk_column_ref(w, s, cref, out);
            continue;
        }
        ts_walk_expr_deps(w, s, val, &deps);
        if (ts_walk_cols_add(w, out, name != NULL ? name : figure_colname(val),
                             column_src(w, s, val)) == 0)
            out->deps[out->n - 1] = deps;
    }
}

const char *ts_walk_join_names(ts_walk *w, const ts_sql_names *names)
{
    size_t i, len = 0;
    char *joined, *p;

    if (names->n_items == 0)
        return NULL;
    for (i = 0; i < names->n_items; i++)
        len += strlen(names->items[i]) + 1;
    joined = p = ts_walk_alloc(w, len);
    if (joined == NULL)
        return NULL;
    for (i = 0; i < names->n_items; i++) {
        size_t n = strlen(names->items[i]);
        memcpy(p, names->items[i], n);
        p[n] = i + 1 < names->n_items ? '\n' : '\0';
        p += n + 1;
    }
    return joined;
}

void ts_walk_expr_deps(ts_walk *w, ts_walk_scope *s, json_t *node,
                       const char **deps)
{
    ts_sql_names scratch = {0};
    ts_sql_names *saved = w->cols_read;
    int rc;

    *deps = NULL;
    w->cols_read = &scratch;
    ts_walk_expr(w, s, node);
    w->cols_read = saved;
    if (w->rc == 0) {
        rc = ts_sql_names_add_all(saved, &scratch, w->err);
        if (rc != 0)
            ts_walk_fail(w, rc);
        else
            *deps = ts_walk_join_names(w, &scratch);
    }
    ts_sql_names_release(&scratch);
}

/* ORDER BY x prefers the select list's output column x. */
static void walk_sort(ts_walk *w, ts_walk_scope *s, json_t *sort)
{
    size_t i, k;

    for (i = 0; i < json_array_size(sort); i++) {
        json_t *by = ts_walk_node_body(json_array_get(sort, i), "SortBy");
        json_t *node = json_object_get(by, "node");
        json_t *cref = ts_walk_node_body(node, "ColumnRef");
        json_t *fields = json_object_get(cref, "fields");
        int output = 0;

        if (cref != NULL && json_array_size(fields) == 1) {
            const char *name = string_list_item(fields, 0);
            for (k = 0; name != NULL && k < s->n_out; k++)
                output |= strcmp(s->out_names[k], name) == 0;
        }
        if (!output)
            ts_walk_expr(w, s, node);
    }
}

void ts_walk_select_into(ts_walk *w, ts_walk_scope *parent, json_t *sel,
                         ts_walk_cols *out)
{
    ts_walk_scope s = {parent, NULL, 0, 0, NULL, NULL, 0};
    ts_walk_cols local = {0, 0, NULL, NULL, NULL};
    json_t *values = json_object_get(sel, "valuesLists");
    json_t *from = json_object_get(sel, "fromClause");
    const char *op = ts_walk_str(sel, "op");
    size_t i;

    if (out == NULL)
        out = &local;
    if (++w->depth > TS_WALK_MAX_DEPTH) {
        ts_walk_fail(w, ts_error_set(w->err, TS_ELIMIT,
                                     "queries nest deeper than %d levels",
                                     TS_WALK_MAX_DEPTH));
        return;
    }
    ts_walk_with(w, &s, json_object_get(sel, "withClause"));
    if (op != NULL && strcmp(op, "SETOP_NONE") != 0) {
        ts_walk_select_into(w, &s, select_body(json_object_get(sel, "larg")),
                            out);
        ts_walk_select_into(w, &s, select_body(json_object_get(sel, "rarg")),
                            NULL);
        /* ORDER BY of a set operation names its output columns only */
        ts_walk_expr(w, &s, json_object_get(sel, "limitCount"));
        ts_walk_expr(w, &s, json_object_get(sel, "limitOffset"));
        goto out_scope;
    }
    if (json_array_size(values) > 0) {
        json_t *first = json_object_get(
            ts_walk_node_body(json_array_get(values, 0), "List"), "items");
        ts_walk_expr(w, &s, values);
        for (i = 0; i < json_array_size(first); i++) {
            char name[32];
            snprintf(name, sizeof(name), "column%zu", i + 1);
            ts_walk_cols_add(w, out, ts_walk_strdup(w, name), NULL);
        }
        goto out_scope;
    }
    for (i = 0; i < json_array_size(from); i++)
        ts_walk_from_item(w, &s, json_array_get(from, i));
    ts_walk_target_list(w, &s, json_object_get(sel, "targetList"), out);
    s.out_names = out->names;
    s.n_out = out->n;
    ts_walk_expr(w, &s, json_object_get(sel, "whereClause"));
    ts_walk_expr(w, &s, json_object_get(sel, "groupClause"));
    ts_walk_expr(w, &s, json_object_get(sel, "havingClause"));
    ts_walk_expr(w, &s, json_object_get(sel, "windowClause"));
    ts_walk_expr(w, &s, json_object_get(sel, "distinctClause"));
    walk_sort(w, &s, json_object_get(sel, "sortClause"));
    ts_walk_expr(w, &s, json_object_get(sel, "limitCount"));
    ts_walk_expr(w, &s, json_object_get(sel, "limitOffset"));
out_scope:
    ts_walk_scope_release(&s);
    w->depth--;
}

static void walk_subselect(ts_walk *w, ts_walk_scope *s, json_t *sel,
                           ts_walk_cols *out)
{
    ts_walk_select_into(w, s, select_body(sel), out);
}

static const char *column_src(ts_walk *w, ts_walk_scope *s, json_t *val)
{
    json_t *cref = ts_walk_node_body(val, "ColumnRef");
    json_t *fields = json_object_get(cref, "fields");
    size_t n = json_array_size(fields), i;
    const char *col, *qual;
    long k;

    if (cref == NULL || n == 0 || n > 2)
        return NULL;
    col = string_list_item(fields, n - 1);
    qual = n == 2 ? string_list_item(fields, 0) : NULL;
    if (col == NULL)
        return NULL;
    for (; s != NULL; s = s->parent) {
        for (i = 0; i < s->n_rels; i++) {
            ts_walk_rel *r = s->rels[i];
            if (r->hidden && qual != NULL)
                continue;
            if (qual != NULL && (r->alias == NULL || strcmp(r->alias, qual)))
                continue;
            if (r->kind == WALK_REL_JOIN && qual == NULL)
                continue;
            for (k = 0; k < (long)r->n_cols; k++)
                if (strcmp(r->cols[k], col) == 0)
                    return r->srcs[k];
            if (r->unknown)
                return ts_walk_qualify(w, r->schema, r->table, col);
        }
    }
    return NULL;
}
