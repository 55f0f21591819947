/* Name resolution for the parse-tree walk: which FROM item a column
 * reference means, what `*` expands to, and recording what is read. */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/sql_walk_internal.h"

void ts_walk_fail(ts_walk *w, int rc)
{
    if (w->rc == 0)
        w->rc = rc;
}

void *ts_walk_alloc(ts_walk *w, size_t size)
{
    const size_t align = alignof(max_align_t);
    ts_arena_block *b = w->arena;
    size_t block_size;
    void *p;

    if (w->rc != 0)
        return NULL;
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    if (b == NULL || b->size - b->used < size) {
        size_t hdr = (sizeof(*b) + align - 1) / align * align;
        block_size = size > 16384 ? size : 16384;
        if (w->arena_total + block_size > TS_WALK_ARENA_CAP) {
            ts_walk_fail(w, ts_error_set(w->err, TS_ELIMIT,
                                         "analysis needs more than %zu bytes",
                                         TS_WALK_ARENA_CAP));
            return NULL;
        }
        b = malloc(hdr + block_size);
        if (b == NULL) {
            ts_walk_fail(w, ts_error_set(w->err, TS_ENOMEM, "out of memory"));
            return NULL;
        }
        b->next = w->arena;
        b->used = hdr;
        b->size = hdr + block_size;
        w->arena = b;
        w->arena_total += block_size;
    }
    p = (char *)b + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *ts_walk_strdup(ts_walk *w, const char *s)
{
    size_t n;
    char *copy;

    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    copy = ts_walk_alloc(w, n);
    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

const char *ts_walk_qualify(ts_walk *w, const char *schema, const char *table,
                            const char *column)
{
    size_t n =
        strlen(schema) + strlen(table) + 2 + (column ? strlen(column) + 1 : 0);
    char *q = ts_walk_alloc(w, n);

    if (q == NULL)
        return NULL;
    strcpy(q, schema);
    strcat(q, ".");
    strcat(q, table);
    if (column != NULL) {
        strcat(q, ".");
        strcat(q, column);
    }
    return q;
}

ts_walk_rel *ts_walk_new_rel(ts_walk *w, ts_walk_rel_kind kind, size_t n_cols)
{
    ts_walk_rel *r = ts_walk_alloc(w, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->kind = kind;
    r->n_cols = n_cols;
    r->cols = ts_walk_alloc(w, (n_cols + 1) * sizeof(char *));
    r->srcs = ts_walk_alloc(w, (n_cols + 1) * sizeof(char *));
    r->orig = ts_walk_alloc(w, (n_cols + 1) * sizeof(char *));
    r->star_skip = ts_walk_alloc(w, n_cols + 1);
    return w->rc == 0 ? r : NULL;
}

int ts_walk_add_rel(ts_walk *w, ts_walk_scope *s, ts_walk_rel *rel)
{
    if (rel == NULL || w->rc != 0)
        return -1;
    if (s->n_rels == s->size) {
        size_t size = s->size ? s->size * 2 : 8;
        ts_walk_rel **rels = ts_walk_alloc(w, size * sizeof(*rels));
        if (rels == NULL)
            return -1;
        if (s->n_rels)
            memcpy(rels, s->rels, s->n_rels * sizeof(*rels));
        s->rels = rels;
        s->size = size;
    }
    s->rels[s->n_rels++] = rel;
    return 0;
}

int ts_walk_cols_add(ts_walk *w, ts_walk_cols *cols, const char *name,
                     const char *src)
{
    if (w->rc != 0)
        return -1;
    if (cols->n == cols->size) {
        size_t size = cols->size ? cols->size * 2 : 8;
        const char **names = ts_walk_alloc(w, size * sizeof(char *));
        const char **srcs = ts_walk_alloc(w, size * sizeof(char *));
        const char **deps = ts_walk_alloc(w, size * sizeof(char *));
        if (names == NULL || srcs == NULL || deps == NULL)
            return -1;
        if (cols->n) {
            memcpy(names, cols->names, cols->n * sizeof(char *));
            memcpy(srcs, cols->srcs, cols->n * sizeof(char *));
            memcpy(deps, cols->deps, cols->n * sizeof(char *));
        }
        cols->names = names;
        cols->srcs = srcs;
        cols->deps = deps;
        cols->size = size;
    }
    cols->names[cols->n] = name;
    cols->srcs[cols->n] = src;
    cols->deps[cols->n] = NULL;
    cols->n++;
    return 0;
}

static void add_read(ts_walk *w, const char *qualified)
{
    int rc;

    if (qualified == NULL || w->rc != 0)
        return;
    rc = ts_sql_names_add(w->cols_read, qualified, w->err);
    if (rc != 0)
        ts_walk_fail(w, rc);
}

void ts_walk_add_table_read(ts_walk *w, const char *schema, const char *table)
{
    const char *q = ts_walk_qualify(w, schema, table, NULL);
    int rc;

    if (q == NULL)
        return;
    rc = ts_sql_names_add(w->tables_read, q, w->err);
    if (rc != 0)
        ts_walk_fail(w, rc);
}

void ts_walk_mark_col(ts_walk *w, const ts_walk_rel *rel, size_t i)
{
    if (i >= rel->n_cols)
        return;
    switch (rel->kind) {
    case WALK_REL_TABLE:
        add_read(w,
                 ts_walk_qualify(w, rel->schema, rel->table,
                                 rel->orig[i] ? rel->orig[i] : rel->cols[i]));
        break;
    case WALK_REL_VIEW:
        add_read(w,
                 ts_walk_qualify(w, rel->schema, rel->table,
                                 rel->orig[i] ? rel->orig[i] : rel->cols[i]));
        add_read(w, rel->srcs[i]);
        break;
    case WALK_REL_JOIN:
        ts_walk_mark_col(w, rel->fwd_rel[i], rel->fwd_col[i]);
        break;
    case WALK_REL_DERIVED:
    case WALK_REL_EXCLUDED:
        /* a subquery's reads were recorded where it was walked */
        break;
    }
}

void ts_walk_mark_all(ts_walk *w, const ts_walk_rel *rel)
{
    size_t i;

    if (rel->unknown) {
        add_read(w, ts_walk_qualify(w, rel->schema, rel->table, "*"));
        return;
    }
    for (i = 0; i < rel->n_cols; i++)
        ts_walk_mark_col(w, rel, i);
}

/* Appends rel's columns to out as `*` expands them. */
static void expand_star(ts_walk *w, const ts_walk_rel *rel, ts_walk_cols *out)
{
    size_t i;

    ts_walk_mark_all(w, rel);
    if (out == NULL)
        return;
    for (i = 0; i < rel->n_cols; i++)
        if (!rel->star_skip[i])
            ts_walk_cols_add(w, out, rel->cols[i], rel->srcs[i]);
}

static long find_col(const ts_walk_rel *rel, const char *name)
{
    size_t i;

    for (i = 0; i < rel->n_cols; i++)
        if (strcmp(rel->cols[i], name) == 0)
            return (long)i;
    return -1;
}

static int rel_named(const ts_walk_rel *rel, const char *schema,
                     const char *name)
{
    if (rel->hidden || name == NULL)
        return 0;
    if (schema != NULL) {
        /* s.t matches an unaliased table only */
        return rel->schema != NULL && rel->table != NULL &&
               rel->alias == rel->table && strcmp(rel->schema, schema) == 0 &&
               strcmp(rel->table, name) == 0;
    }
    return rel->alias != NULL && strcmp(rel->alias, name) == 0;
}

/* Marks column name of rel; an unknown relation accepts any name. */
int ts_walk_mark_named(ts_walk *w, const ts_walk_rel *rel, const char *name)
{
    long i = find_col(rel, name);

    if (i >= 0) {
        ts_walk_mark_col(w, rel, (size_t)i);
        return 1;
    }
    if (rel->unknown) {
        add_read(w, ts_walk_qualify(w, rel->schema, rel->table, name));
        return 1;
    }
    return 0;
}

/* An unqualified name: the innermost level that has it wins; at one level
 * every input that has it is marked (only USING-merged columns can be
 * shared without PostgreSQL calling the reference ambiguous). */
static int resolve_bare(ts_walk *w, ts_walk_scope *s, const char *name)
{
    for (; s != NULL; s = s->parent) {
        int found = 0;
        size_t i;
        for (i = 0; i < s->n_rels; i++) {
            const ts_walk_rel *r = s->rels[i];
            if (r->kind == WALK_REL_JOIN || r->unknown)
                continue;
            if (find_col(r, name) >= 0) {
                ts_walk_mark_col(w, r, (size_t)find_col(r, name));
                found = 1;
            }
        }
        if (found)
            return 1;
        for (i = 0; i < s->n_rels; i++)
            if (s->rels[i]->unknown) {
                ts_walk_mark_named(w, s->rels[i], name);
                return 1;
            }
        /* a bare relation name is a whole-row reference */
        for (i = 0; i < s->n_rels; i++)
            if (rel_named(s->rels[i], NULL, name)) {
                ts_walk_mark_all(w, s->rels[i]);
                return 1;
            }
    }
    return 0;
}

static ts_walk_rel *find_rel(ts_walk_scope *s, const char *schema,
                             const char *name)
{
    size_t i;

    for (; s != NULL; s = s->parent)
        for (i = 0; i < s->n_rels; i++)
            if (rel_named(s->rels[i], schema, name))
                return s->rels[i];
    return NULL;
}

int ts_walk_column_ref(ts_walk *w, ts_walk_scope *s, json_t *ref,
                       ts_walk_cols *out)
{
    json_t *fields = json_object_get(ref, "fields");
    const char *f[4] = {NULL, NULL, NULL, NULL};
    size_t n = json_array_size(fields), i;
    int star;
    ts_walk_rel *rel;

    if (n == 0 || n > 4)
        return 0;
    star = ts_walk_node_body(json_array_get(fields, n - 1), "A_Star") != NULL;
    for (i = 0; i < n; i++)
        f[i] = ts_walk_string_node(json_array_get(fields, i));
    if (n == 1 && star) {
        for (; s != NULL; s = s->parent) {
            if (s->n_rels == 0)
                continue;
            /* an aliased join's columns are its inputs' columns */
            for (i = 0; i < s->n_rels; i++)
                if (s->rels[i]->kind != WALK_REL_JOIN &&
                    s->rels[i]->kind != WALK_REL_EXCLUDED)
                    expand_star(w, s->rels[i], out);
            return 1;
        }
        return 0;
    }
    if (n == 1)
        return f[0] != NULL && resolve_bare(w, s, f[0]);
    /* t.c, s.t.c, db.s.t.c, and t.* */
    rel = n >= 3 ? find_rel(s, f[n - 3], f[n - 2]) : NULL;
    if (rel == NULL)
        rel = find_rel(s, NULL, f[n - 2]);
    if (rel != NULL) {
        if (star) {
            expand_star(w, rel, out);
            return 1;
        }
        if (ts_walk_mark_named(w, rel, f[n - 1]))
            return 1;
    }
    /* col.field (a composite column) or t.col.field */
    rel = find_rel(s, NULL, f[0]);
    if (rel != NULL && n >= 3 && f[1] != NULL)
        return ts_walk_mark_named(w, rel, f[1]);
    return f[0] != NULL && resolve_bare(w, s, f[0]);
}

ts_walk_cte *ts_walk_find_cte(ts_walk_scope *s, const char *name)
{
    ts_walk_cte *c;

    for (; s != NULL; s = s->parent)
        for (c = s->ctes; c != NULL; c = c->next)
            if (strcmp(c->name, name) == 0)
                return c;
    return NULL;
}

void ts_walk_scope_release(ts_walk_scope *s)
{
    ts_walk_cte *c;

    for (c = s->ctes; c != NULL; c = c->next) {
        ts_sql_names_release(&c->reads);
        ts_sql_names_release(&c->tables);
    }
    s->ctes = NULL;
}

const char *ts_walk_node_type(json_t *node, json_t **body)
{
    const char *key;
    json_t *value;

    *body = NULL;
    if (!json_is_object(node) || json_object_size(node) != 1)
        return NULL;
    json_object_foreach(node, key, value)
    {
        *body = value;
        return key;
    }
    return NULL;
}

json_t *ts_walk_node_body(json_t *node, const char *type)
{
    json_t *body;
    const char *t = ts_walk_node_type(node, &body);

    return t != NULL && strcmp(t, type) == 0 ? body : NULL;
}

const char *ts_walk_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

const char *ts_walk_string_node(json_t *node)
{
    json_t *body = ts_walk_node_body(node, "String");

    return body != NULL ? ts_walk_str(body, "sval") : NULL;
}
