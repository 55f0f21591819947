/* SQL analysis: statement templates, catalog snapshots, and which tables and
 * columns a statement reads and writes. */
#ifndef TRAILSEAL_ANALYZE_H
#define TRAILSEAL_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The SQL dialect a statement is written in: it decides which quotes start
 * strings, whether backslashes escape, and which comments nest. */
typedef enum ts_sql_dialect {
    TS_SQL_PG = 0, /* PostgreSQL, standard_conforming_strings on */
    TS_SQL_MYSQL   /* MySQL / MariaDB, default sql_mode */
} ts_sql_dialect;

/* The largest statement the lexer and the analysis accept. */
#define TS_SQL_MAX_LEN ((size_t)16 << 20)

/* ------------------------------------------------------------------ */
/* Templates (ingest/sql_lexer.c)                                      */
/* ------------------------------------------------------------------ */

/* Turns sql into its template: every literal and parameter becomes $1, $2...
 * in order, comments are dropped, whitespace runs become one space, and
 * trailing semicolons go. *out (NUL-terminated) is the caller's to free();
 * *out_fingerprint (may be NULL) gets the template's 64-bit hash. Malformed
 * input (an unterminated quote or comment) still gives a template: the rest
 * of the text becomes one literal. Returns 0, TS_ELIMIT (longer than
 * TS_SQL_MAX_LEN) or TS_ENOMEM. */
int ts_sql_template(char **out, uint64_t *out_fingerprint, const char *sql,
                    size_t len, ts_sql_dialect dialect, ts_error *err);

/* The 64-bit fingerprint of a template (what ts_sql_template computes). */
uint64_t ts_sql_fingerprint(const char *template_text, size_t len);

/* What kind of value a literal or parameter is. */
typedef enum ts_sql_value_kind {
    TS_SQL_VALUE_STRING,  /* '...', E'...', U&'...', $tag$...$tag$, "..." */
    TS_SQL_VALUE_BITS,    /* B'...', X'...', 0x... in MySQL */
    TS_SQL_VALUE_NUMBER,  /* 42, 1.5, .5, 1e5, 0x1f */
    TS_SQL_VALUE_BOOLEAN, /* TRUE, FALSE */
    TS_SQL_VALUE_PARAM    /* $1, ? */
} ts_sql_value_kind;

/* One literal or parameter of a statement. */
typedef struct ts_sql_value {
    ts_sql_value_kind kind;
    size_t offset;    /* where its token starts in the statement */
    size_t len;       /* its token's length, quotes and prefix included */
    char *text;       /* its value with quotes and escapes undone */
    int unterminated; /* 1 when the input ended inside it */
} ts_sql_value;

/* The literals and parameters of one statement. Free with
 * ts_sql_values_free. */
typedef struct ts_sql_values {
    ts_sql_value *items;
    size_t n_items;
} ts_sql_values;

/* Finds the literals and parameters of sql in order (the ones
 * ts_sql_template numbers). *out is the caller's to free with
 * ts_sql_values_free. Returns 0, TS_ELIMIT or TS_ENOMEM. */
int ts_sql_values_extract(ts_sql_values **out, const char *sql, size_t len,
                          ts_sql_dialect dialect, ts_error *err);
void ts_sql_values_free(ts_sql_values *values);

/* ------------------------------------------------------------------ */
/* Catalog snapshots (ingest/sql_catalog.c, sql_catalog_pg.c)          */
/* ------------------------------------------------------------------ */

/* Tables and views with their columns in order, view definitions and the
 * search path: what resolves `*`, unqualified names and views. The JSON
 * form is documented in schemas/catalog.schema.md. */
typedef struct ts_catalog ts_catalog;

/* An empty catalog (search path "public"): names resolve as written. */
int ts_catalog_new(ts_catalog **out, ts_error *err);
/* Reads a catalog from its JSON text. */
int ts_catalog_load_json(ts_catalog **out, const char *json, size_t len,
                         ts_error *err);
/* Reads a catalog from a JSON file. */
int ts_catalog_load_file(ts_catalog **out, const char *path, ts_error *err);
/* Dumps the catalog of a live PostgreSQL database (libpq connection string
 * dsn): tables, columns in ordinal order, views with pg_get_viewdef, and the
 * connection's search path. */
int ts_catalog_load_dsn(ts_catalog **out, const char *dsn, ts_error *err);
/* The catalog as JSON in the documented format (for --catalog-dsn users
 * who want to keep a snapshot). *out is the caller's to free(). */
int ts_catalog_to_json(char **out, const ts_catalog *catalog, ts_error *err);
void ts_catalog_free(ts_catalog *catalog);

/* ------------------------------------------------------------------ */
/* Analysis (ingest/sql_analyze.c and friends)                         */
/* ------------------------------------------------------------------ */

/* pgAudit's statement classes. */
typedef enum ts_sql_class {
    TS_SQL_CLASS_READ,
    TS_SQL_CLASS_WRITE,
    TS_SQL_CLASS_DDL,
    TS_SQL_CLASS_ROLE,
    TS_SQL_CLASS_MISC,
    TS_SQL_CLASS_UNKNOWN /* the statement did not parse */
} ts_sql_class;

/* "read", "write", "ddl", "role", "misc" or "unknown". */
const char *ts_sql_class_name(ts_sql_class cls);

/* A sorted list of distinct qualified names: "schema.table" or
 * "schema.table.column". */
typedef struct ts_sql_names {
    char **items;
    size_t n_items;
    /* private (ingest/sql_names.c): finds a name among many; NULL while
     * they are few */
    struct ts_sql_names_index *index;
} ts_sql_names;

/* What one statement (or each statement of a multi-statement text, merged)
 * reads and writes. Tables include views; columns of a view are listed
 * both as the view's and as the base columns its definition reads. */
typedef struct ts_sql_analysis {
    char *template_text;  /* the statement's template */
    uint64_t fingerprint; /* its fingerprint */
    ts_sql_class cls;     /* of the first statement */
    char *command;        /* "SELECT", "INSERT"... of the first statement */
    ts_sql_names tables_read;
    ts_sql_names tables_written;
    ts_sql_names columns_read;
    ts_sql_names columns_written;
    ts_sql_names tables_changed; /* created, altered or dropped by DDL */
    /* Lineage: "SOURCE\x1fTARGET", a base column whose data the statement
     * writes into TARGET: a column ("schema.table.column") through INSERT
     * ... SELECT, CREATE TABLE AS, SELECT INTO, UPDATE ... SET and MERGE,
     * or out of the database through COPY ... TO ("copy:file",
     * "copy:program", "copy:client"). Columns used only to filter, join or
     * sort are not flows. */
    ts_sql_names flows;
    char *error; /* why it did not parse, or NULL */
} ts_sql_analysis;

/* Analyses statements against one catalog, parsing each distinct template
 * once. Not thread-safe: one per thread. */
typedef struct ts_sql_analyzer ts_sql_analyzer;

/* Cache and timing figures. */
typedef struct ts_sql_analyzer_stats {
    uint64_t lookups;  /* ts_sql_analyze calls that got a template */
    uint64_t hits;     /* of which the template was cached */
    uint64_t parses;   /* distinct templates parsed and analysed */
    uint64_t parse_ns; /* total time spent parsing and analysing them */
    uint64_t n_cached; /* templates held now */
} ts_sql_analyzer_stats;

/* A new analyzer. catalog is borrowed and must outlive the analyzer; NULL
 * means an empty catalog. */
int ts_sql_analyzer_new(ts_sql_analyzer **out, const ts_catalog *catalog,
                        ts_error *err);
void ts_sql_analyzer_free(ts_sql_analyzer *analyzer);

/* Analyses one statement text. *out is borrowed: it stays valid until the
 * analyzer is freed. A statement that does not parse is not an error: its
 * analysis has class TS_SQL_CLASS_UNKNOWN and error set. Returns 0,
 * TS_ELIMIT or TS_ENOMEM. */
int ts_sql_analyze(ts_sql_analyzer *analyzer, const char *sql, size_t len,
                   ts_sql_dialect dialect, const ts_sql_analysis **out,
                   ts_error *err);

void ts_sql_analyzer_get_stats(const ts_sql_analyzer *analyzer,
                               ts_sql_analyzer_stats *out);

#ifdef __cplusplus
}
#endif
#endif
