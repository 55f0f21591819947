/* Private declarations of the SQL analysis: the token scanner, name sets,
 * the catalog's lookup and the parse-tree walk. */
#ifndef TS_SQL_INTERNAL_H
#define TS_SQL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"
#include "trailseal/analyze.h"

/* ------------------------------------------------------------------ */
/* Tokens (sql_lexer.c)                                                */
/* ------------------------------------------------------------------ */

typedef enum ts_sql_tok_kind {
    TS_SQL_TOK_END,
    TS_SQL_TOK_SPACE,   /* whitespace */
    TS_SQL_TOK_COMMENT, /* -- ..., # ... (MySQL), block comments */
    TS_SQL_TOK_VALUE,   /* a literal or parameter: see value_kind */
    TS_SQL_TOK_OTHER    /* a word, quoted identifier, operator or punctuation */
} ts_sql_tok_kind;

typedef struct ts_sql_tok {
    ts_sql_tok_kind kind;
    ts_sql_value_kind value_kind;
    size_t start, end;
    /* for strings: where the quoted body starts and ends, and how escapes
     * inside it work */
    size_t body_start, body_end;
    char quote;    /* ' or " for quoted strings, 0 otherwise */
    int backslash; /* backslash escapes apply inside */
    int dollar;    /* a dollar-quoted body: no escapes */
    int unterminated;
} ts_sql_tok;

typedef struct ts_sql_lexer {
    const char *sql;
    size_t len;
    size_t pos;
    ts_sql_dialect dialect;
    /* the thread's memo of a statement's tokens (sql_lexer.c) */
    int memo;          /* what this lexer does with it: TS_SQL_MEMO_* */
    uint64_t memo_gen; /* the memo's generation it reads or writes */
    size_t memo_next;  /* the next token to replay */
} ts_sql_lexer;

/* Ingest reads each statement three times (template, data classes,
 * redaction), so each thread keeps the tokens of the last statement it
 * lexed to its end, keyed by its bytes and dialect, and a lexer of the
 * same statement replays them. A memo that another lexer on the thread
 * replaces under a lexer is left: it lexes on from where it was. */
enum { TS_SQL_MEMO_NONE, TS_SQL_MEMO_RECORD, TS_SQL_MEMO_REPLAY };

void ts_sql_lexer_init(ts_sql_lexer *lx, const char *sql, size_t len,
                       ts_sql_dialect dialect);
/* The next token; TS_SQL_TOK_END at the end. Never reads past len. */
void ts_sql_lexer_next(ts_sql_lexer *lx, ts_sql_tok *out);
/* A value token's value as ts_sql_values_extract gives it (quotes and
 * escapes undone) into out, replacing its contents; NUL-terminated, and
 * out->len excludes the NUL (sql_template.c). */
int ts_sql_token_value(ts_buf *out, const char *sql, const ts_sql_tok *tok,
                       ts_error *err);

/* A statement (or a template) of TS_SQL_COLLAPSE_MIN bytes or more with
 * each VALUES list's rows of constants after its first, and each IN
 * list's items after its first when all are constants, left out, and mark
 * (when not NULL) where they were, once for a run; into *out (malloc'd).
 * *out NULL when nothing was left out, or the text is shorter
 * (sql_collapse.c). */
int ts_sql_values_collapse(const char *sql, size_t len, ts_sql_dialect dialect,
                           const char *mark, char **out, ts_error *err);
/* What a template's shortened lists are marked with, as PostgreSQL 18's
 * pg_stat_statements marks the IN lists it squashes. */
#define TS_SQL_SHORTENED_MARK " /*, ... */"

/* A MySQL template in PostgreSQL syntax where that is a matter of
 * spelling (sql_mysql.c). malloc'd; NULL with err set on failure. */
char *ts_sql_mysql_to_pg(const char *template_text, ts_error *err);

/* ------------------------------------------------------------------ */
/* Name sets (sql_names.c)                                             */
/* ------------------------------------------------------------------ */

/* A growable set of distinct strings (linear search: sets are small). */
int ts_sql_names_add(ts_sql_names *names, const char *name, ts_error *err);
int ts_sql_names_add_all(ts_sql_names *names, const ts_sql_names *from,
                         ts_error *err);
int ts_sql_names_has(const ts_sql_names *names, const char *name);
void ts_sql_names_sort(ts_sql_names *names);
void ts_sql_names_release(ts_sql_names *names);

/* ------------------------------------------------------------------ */
/* Catalog lookups (sql_catalog.c)                                     */
/* ------------------------------------------------------------------ */

typedef enum ts_rel_kind { TS_REL_TABLE, TS_REL_VIEW } ts_rel_kind;

/* A primary key, unique or exclusion constraint: what ON CONFLICT ON
 * CONSTRAINT name reads. */
typedef struct ts_catalog_key {
    char *name;
    char **columns;
    size_t n_columns;
} ts_catalog_key;

typedef struct ts_catalog_rel {
    char *schema;
    char *name;
    ts_rel_kind kind;
    char **columns;
    size_t n_columns;
    char *definition; /* a view's SELECT, or NULL */
    ts_catalog_key *keys;
    size_t n_keys;
} ts_catalog_rel;

/* The relation schema.name, or name along the search path when schema is
 * NULL; NULL when unknown. Borrowed from the catalog. */
const ts_catalog_rel *ts_catalog_find(const ts_catalog *catalog,
                                      const char *schema, const char *name);
/* The first schema of the search path ("public" by default). */
const char *ts_catalog_default_schema(const ts_catalog *catalog);

/* ------------------------------------------------------------------ */
/* The parse-tree walk (sql_walk.c)                                    */
/* ------------------------------------------------------------------ */

/* Parses sql with libpg_query and fills the class, command, tables and
 * columns of a (zeroed but for template and fingerprint). A parse error is
 * recorded in a->error and is not a failure. Returns 0 or TS_ENOMEM. */
int ts_sql_walk(ts_sql_analysis *a, const char *sql, const ts_catalog *catalog,
                ts_error *err);

#endif
