/* The state of one parse-tree walk, shared by the statement walker
 * (sql_walk.c) and name resolution (sql_scope.c). */
#ifndef TS_SQL_WALK_INTERNAL_H
#define TS_SQL_WALK_INTERNAL_H

#include <jansson.h>

#include "ingest/sql_internal.h"

/* Views within views within ... and subqueries within subqueries: past this
 * depth the walk stops with an error instead of exhausting the stack. */
#define TS_WALK_MAX_DEPTH 100
/* Everything one walk allocates, at most. */
#define TS_WALK_ARENA_CAP ((size_t)256 << 20)

typedef struct ts_arena_block {
    struct ts_arena_block *next;
    size_t used, size;
    /* the memory follows, max_align_t-aligned */
} ts_arena_block;

typedef enum walk_rel_kind {
    WALK_REL_TABLE,   /* a table, or a relation the catalog does not know */
    WALK_REL_VIEW,    /* a view: its columns map to base columns */
    WALK_REL_DERIVED, /* a subquery, CTE, function or VALUES */
    WALK_REL_JOIN,    /* an aliased join: forwards to its inputs */
    WALK_REL_EXCLUDED /* ON CONFLICT's EXCLUDED: reads nothing */
} walk_rel_kind;

/* One FROM item as a statement sees it. */
typedef struct walk_rel {
    walk_rel_kind kind;
    const char *alias; /* the name that qualifies its columns, or NULL */
    const char *schema, *table;
    int unknown; /* not in the catalog: any column name is accepted */
    int hidden;  /* inside an aliased join: not reachable by its own name */
    size_t n_cols;
    const char **cols;
    const char **orig;         /* tables, views: the catalog's column names */
    const char **srcs;         /* base column ("s.t.c") each maps to, or NULL */
    unsigned char *star_skip;  /* merged by USING/NATURAL: once in `*` */
    struct walk_rel **fwd_rel; /* WALK_REL_JOIN: where each column is from */
    size_t *fwd_col;
} walk_rel;

/* A WITH query: its columns and what its body reads, merged into the
 * statement when (and only when) something references it, because
 * PostgreSQL does not plan, and so does not check, an unreferenced one. */
typedef struct walk_cte {
    const char *name;
    size_t n_cols;
    const char **cols;
    const char **srcs;
    int ready; /* columns known (a recursive CTE's are not at first) */
    ts_sql_names reads;
    ts_sql_names tables;
    struct walk_cte *next;
} walk_cte;

typedef struct walk_scope {
    struct walk_scope *parent;
    walk_rel **rels;
    size_t n_rels, size;
    walk_cte *ctes;
    /* the select list's output names, which ORDER BY prefers */
    const char **out_names;
    size_t n_out;
} walk_scope;

/* A query's output columns. */
typedef struct walk_cols {
    size_t n;
    size_t size;
    const char **names;
    const char **srcs;
} walk_cols;

typedef struct walk {
    const ts_catalog *catalog;
    ts_sql_analysis *a;
    ts_sql_names *cols_read;   /* where reads go now (a CTE's own sets while */
    ts_sql_names *tables_read; /* its body is walked) */
    ts_arena_block *arena;
    size_t arena_total;
    int depth;
    int rc; /* the first failure; once set, the walk unwinds */
    ts_error *err;
} walk;

/* sql_scope.c: memory, names and resolution */
void *walk_alloc(walk *w, size_t size);
char *walk_strdup(walk *w, const char *s);
const char *walk_qualify(walk *w, const char *schema, const char *table,
                         const char *column);
void walk_fail(walk *w, int rc);
int walk_add_rel(walk *w, walk_scope *s, walk_rel *rel);
walk_rel *walk_new_rel(walk *w, walk_rel_kind kind, size_t n_cols);
int walk_cols_add(walk *w, walk_cols *cols, const char *name, const char *src);
void walk_mark_col(walk *w, const walk_rel *rel, size_t i);
void walk_mark_all(walk *w, const walk_rel *rel);
/* Marks rel's column name; 1 when rel has it (an unknown table has all). */
int walk_mark_named(walk *w, const walk_rel *rel, const char *name);
void walk_add_table_read(walk *w, const char *schema, const char *table);
/* Resolves a ColumnRef body; appends to out (may be NULL) what a `*`
 * expands to. Returns 1 when it resolved to something. */
int walk_column_ref(walk *w, walk_scope *s, json_t *ref, walk_cols *out);
walk_cte *walk_find_cte(walk_scope *s, const char *name);
void walk_scope_release(walk_scope *s);

/* sql_walk.c: queries */
void walk_expr(walk *w, walk_scope *s, json_t *node);
void walk_select_into(walk *w, walk_scope *parent, json_t *sel, walk_cols *out);
void walk_from_item(walk *w, walk_scope *s, json_t *item);
void walk_with(walk *w, walk_scope *s, json_t *with);
void walk_target_list(walk *w, walk_scope *s, json_t *list, walk_cols *out);
/* The relation a RangeVar names (a CTE, a catalog table or view, or an
 * unknown table); merge_view: a view read as a whole, whose definition's
 * reads count. */
walk_rel *walk_range_var(walk *w, walk_scope *s, json_t *rv, int merge_view);

/* sql_stmt.c: statements; out (may be NULL) gets RETURNING's columns */
void walk_stmt(walk *w, walk_scope *parent, json_t *stmt, walk_cols *out);

/* JSON parse-tree helpers */
const char *walk_node_type(json_t *node, json_t **body);
json_t *walk_node_body(json_t *node, const char *type);
const char *walk_str(json_t *obj, const char *key);
const char *walk_string_node(json_t *node);

#endif
