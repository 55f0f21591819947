/* Private declarations of the pg_stat readers (pgstat_*.c): the meaning of
 * a row of a pg_stat CSV export, the reader, and the export queries. */
#ifndef TS_PGSTAT_INTERNAL_H
#define TS_PGSTAT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest_internal.h"
#include "trailseal/pgstat.h"

/* Most columns of a pg_stat export (PostgreSQL 17's pg_stat_statements has
 * 49, the export adds 4). */
#define TS_PGSTAT_MAX_FIELDS 128

/* The columns a row's meaning is read from; others are sealed, not read. */
typedef enum ts_pgstat_col {
    TS_PSC_SNAPSHOT_AT,
    TS_PSC_SERVER,
    TS_PSC_USERID,
    TS_PSC_DBID,
    TS_PSC_QUERYID,
    TS_PSC_TOPLEVEL,
    TS_PSC_CALLS,
    TS_PSC_ROWS,
    TS_PSC_TOTAL_EXEC_TIME,
    TS_PSC_TOTAL_TIME,
    TS_PSC_USERNAME,
    TS_PSC_DATNAME,
    TS_PSC_QUERY,
    TS_PSC_PID,
    TS_PSC_USENAME,
    TS_PSC_APPLICATION_NAME,
    TS_PSC_CLIENT_ADDR,
    TS_PSC_CLIENT_PORT,
    TS_PSC_BACKEND_START,
    TS_PSC_STATE,
    TS_PSC_BACKEND_TYPE,
    TS_PSC_SSL,
    TS_PSC_VERSION,
    TS_PSC_CIPHER,
    TS_PSC_SSL_VERSION,
    TS_PSC_SSL_CIPHER,
    TS_PSC_COUNT
} ts_pgstat_col;

/* What a reader remembers between the rows of one stream: the header in
 * force. Embedded: init -> release. */
typedef struct ts_pgstat_parser {
    int have_header;
    ts_pgstat_view view;
    char header_problem[160];      /* non-empty: the header cannot be used */
    int col[TS_PGSTAT_MAX_FIELDS]; /* header column -> ts_pgstat_col, -1 */
    int at[TS_PSC_COUNT];          /* ts_pgstat_col -> header column, -1 */
    size_t n_cols;
    ts_buf scratch; /* the current row's unquoted fields */
    char *fields[TS_PGSTAT_MAX_FIELDS];
    char session_id[48];
    char reason[TS_ERROR_MSG_SIZE];
    ts_pgstat_record rec;
} ts_pgstat_parser;

void ts_pgstat_parser_init(ts_pgstat_parser *p, size_t record_limit);
void ts_pgstat_parser_release(ts_pgstat_parser *p);

/* Gives ev (already initialised) the meaning of the row s[0, len) (no
 * newline): a header line (first field snapshot_at) is TS_EVENT_LOG and
 * sets the columns of the rows after it; a row is TS_EVENT_STATEMENT_STATS
 * (pg_stat_statements; the index turns it into a delta) or
 * TS_EVENT_PG_STAT, or TS_EVENT_UNPARSED with a one-line reason.
 * ev->pgstat points at the parser's record. Strings live until the next
 * call. Never fails: a row too large for memory is unparsed. */
void ts_pgstat_parse(ts_pgstat_parser *p, const char *s, size_t len,
                     ts_event *ev);

/* Whether s[0, len) starts like a line of a pg_stat export: a header
 * ("snapshot_at,") or a row (a time "YYYY-MM-DD HH:MM:SS"). */
int ts_pgstat_is_head(const char *s, size_t len);

/* --format auto: whether the first bytes are a pg_stat export (its first
 * line is a header naming a view it knows). */
int ts_pgstat_detect(const uint8_t *head, size_t len);

/* The reader (pgstat_csv.c), format "pg-stat-csv", over an input it then
 * owns (freed also on failure). */
int ts_pgstat_csv_open_input(ts_source **out, ts_input *in, size_t record_limit,
                             ts_error *err);

/* The export queries (pgstat_collect.c), for COPY (...) TO STDOUT WITH
 * (FORMAT csv, HEADER); docs/cli/collect.md shows them as \copy commands. */
extern const char ts_pgstat_statements_sql[];
extern const char ts_pgstat_activity_sql[];
extern const char ts_pgstat_ssl_sql[];

#endif
