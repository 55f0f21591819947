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

typedef enum ts_walk_rel_kind {
    WALK_REL_TABLE,   /* a table, or a relation the catalog does not know */
    WALK_REL_VIEW,    /* a view: its columns map to base columns */
    WALK_REL_DERIVED, /* a subquery, CTE, function or VALUES */
    WALK_REL_JOIN,    /* an aliased join: forwards to its inputs */
    WALK_REL_EXCLUDED /* ON CONFLICT's EXCLUDED: reads nothing */
} ts_walk_rel_kind;

/* One FROM item as a statement sees it. */
typedef struct ts_walk_rel {
    ts_walk_rel_kind kind;
    const char *alias; /* the name that qualifies its columns, or NULL */
    const char *schema, *table;
    int unknown; /* not in the catalog: any column name is accepted */
    int hidden;  /* inside an aliased join: not reachable by its own name */
    size_t n_cols;
    const char **cols;
    const char **orig;        /* tables, views: the catalog's column names */
    const char **srcs;        /* base column ("s.t.c") each maps to, or NULL */
    unsigned char *star_skip; /* merged by USING/NATURAL: once in `*` */
    struct ts_walk_rel **fwd_rel; /* WALK_REL_JOIN: where each column is from */
    size_t *fwd_col;
} ts_walk_rel;

/* A WITH query: its columns and what its body reads, merged into the
 * statement when (and only when) something references it, because
 * PostgreSQL does not plan, and so does not check, an unreferenced one. */
typedef struct ts_walk_cte {
    const char *name;
    size_t n_cols;
    const char **cols;
    const char **srcs;
    int ready; /* columns known (a recursive CTE's are not at first) */
    ts_sql_names reads;
    ts_sql_names tables;
    struct ts_walk_cte *next;
} ts_walk_cte;

typedef struct ts_walk_scope {
    struct ts_walk_scope *parent;
    ts_walk_rel **rels;
    size_t n_rels, size;
    ts_walk_cte *ctes;
    /* the select list's output names, which ORDER BY prefers */
    const char **out_names;
    size_t n_out;
} ts_walk_scope;

/* A query's output columns. */
typedef struct ts_walk_cols {
    size_t n;
    size_t size;
    const char **names;
    const char **srcs;
    /* the base columns ("s.t.c") each one's expression reads, joined by
     * '\n', or NULL: where its data comes from (sql_stmt.c's flows) */
    const char **deps;
} ts_walk_cols;

typedef struct ts_walk {
    const ts_catalog *catalog;
    ts_sql_analysis *a;
    ts_sql_names *cols_read;   /* where reads go now (a CTE's own sets while */
    ts_sql_names *tables_read; /* its body is walked) */
    ts_arena_block *arena;
    size_t arena_total;
    int depth;
    int rc; /* the first failure; once set, the walk unwinds */
    ts_error *err;
} ts_walk;

/* sql_scope.c: memory, names and resolution */
void *ts_walk_alloc(ts_walk *w, size_t size);
char *ts_walk_strdup(ts_walk *w, const char *s);
const char *ts_walk_qualify(ts_walk *w, const char *schema, const char *table,
                            const char *column);
void ts_walk_fail(ts_walk *w, int rc);
int ts_walk_add_rel(ts_walk *w, ts_walk_scope *s, ts_walk_rel *rel);
ts_walk_rel *ts_walk_new_rel(ts_walk *w, ts_walk_rel_kind kind, size_t n_cols);
int ts_walk_cols_add(ts_walk *w, ts_walk_cols *cols, const char *name,
                     const char *src);
void ts_walk_mark_col(ts_walk *w, const ts_walk_rel *rel, size_t i);
void ts_walk_mark_all(ts_walk *w, const ts_walk_rel *rel);
/* Marks rel's column name; 1 when rel has it (an unknown table has all). */
int ts_walk_mark_named(ts_walk *w, const ts_walk_rel *rel, const char *name);
void ts_walk_add_table_read(ts_walk *w, const char *schema, const char *table);
/* Resolves a ColumnRef body; appends to out (may be NULL) what a `*`
 * expands to. Returns 1 when it resolved to something. */
int ts_walk_column_ref(ts_walk *w, ts_walk_scope *s, json_t *ref,
                       ts_walk_cols *out);
ts_walk_cte *ts_walk_find_cte(ts_walk_scope *s, const char *name);
void ts_walk_scope_release(ts_walk_scope *s);

/* sql_walk.c: queries */
void ts_walk_expr(ts_walk *w, ts_walk_scope *s, json_t *node);
/* ts_walk_expr, also setting *deps to the base columns the expression
 * reads, '\n'-joined in w's arena (NULL when none). */
void ts_walk_expr_deps(ts_walk *w, ts_walk_scope *s, json_t *node,
                       const char **deps);
/* names '\n'-joined in w's arena; NULL when empty. */
const char *ts_walk_join_names(ts_walk *w, const ts_sql_names *names);
void ts_walk_select_into(ts_walk *w, ts_walk_scope *parent, json_t *sel,
                         ts_walk_cols *out);
void ts_walk_from_item(ts_walk *w, ts_walk_scope *s, json_t *item);
void ts_walk_with(ts_walk *w, ts_walk_scope *s, json_t *with);
void ts_walk_target_list(ts_walk *w, ts_walk_scope *s, json_t *list,
                         ts_walk_cols *out);
/* The relation a RangeVar names (a CTE, a catalog table or view, or an
 * unknown table); merge_view: a view read as a whole, whose definition's
 * reads count. */
ts_walk_rel *ts_walk_range_var(ts_walk *w, ts_walk_scope *s, json_t *rv,
                               int merge_view);

/* sql_stmt.c: statements; out (may be NULL) gets RETURNING's columns */
void ts_walk_stmt(ts_walk *w, ts_walk_scope *parent, json_t *stmt,
                  ts_walk_cols *out);

/* sql_ddl.c: the objects a DDL statement of `type` changes, into
 * w->a->tables_changed */
void ts_walk_ddl(ts_walk *w, const char *type, json_t *body);

/* JSON parse-tree helpers */
const char *ts_walk_node_type(json_t *node, json_t **body);
json_t *ts_walk_node_body(json_t *node, const char *type);
const char *ts_walk_str(json_t *obj, const char *key);
const char *ts_walk_string_node(json_t *node);

#endif
