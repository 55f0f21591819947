/* pg_stat views: snapshots of pg_stat_statements, pg_stat_activity and
 * pg_stat_ssl, read from CSV exports (format "pg-stat-csv") or collected
 * live, sealed row by row and indexed (schemas/index.sql, "pg_stat"). */
#ifndef TRAILSEAL_PGSTAT_H
#define TRAILSEAL_PGSTAT_H

#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/source.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which view a snapshot row comes from. Stored by name in the index. */
typedef enum ts_pgstat_view {
    TS_PGSTAT_NONE = 0,       /* a header line or a blank line */
    TS_PGSTAT_STATEMENTS = 1, /* pg_stat_statements */
    TS_PGSTAT_ACTIVITY = 2,   /* pg_stat_activity (pg_stat_ssl columns too
                                 when the export joined them) */
    TS_PGSTAT_SSL = 3         /* pg_stat_ssl on its own */
} ts_pgstat_view;

/* One snapshot row. Strings are borrowed like an event's (valid until the
 * source's next call), NULL when absent or empty; numbers are -1 when
 * absent (times TS_UNKNOWN_TIME, event.h). The event of the entry carries
 * the other fields: account (userid's or usename's role name), database,
 * statement (the query text), pid, session id, application, client, TLS. */
typedef struct ts_pgstat_record {
    ts_pgstat_view view;
    int64_t snapshot_us; /* the snapshot_at column: the server's now() */
    const char *server;  /* the export's server column, "" when none */

    /* TS_PGSTAT_STATEMENTS: the key and the counters (cumulative since
     * the server's last pg_stat_statements_reset) */
    int64_t userid, dbid;
    const char *queryid; /* text: a signed 64-bit number */
    int toplevel;        /* 1, 0, or -1 before PostgreSQL 14 */
    int64_t calls;
    int64_t rows;
    double total_exec_ms; /* total_exec_time (total_time before PG 13) */

    /* TS_PGSTAT_ACTIVITY and TS_PGSTAT_SSL */
    const char *state;        /* active, idle, ... */
    const char *backend_type; /* client backend, ... */
    int64_t backend_start_us;
    int ssl; /* 1, 0, or -1 when not said */
} ts_pgstat_record;

/* "statements", "activity", "ssl"; "none" for TS_PGSTAT_NONE. */
const char *ts_pgstat_view_name(ts_pgstat_view view);

/* Collects one snapshot of pg_stat_statements, pg_stat_activity joined
 * with pg_stat_ssl, from a live PostgreSQL through libpq, as the same CSV
 * a user's \copy export gives (docs/cli/collect.md), in one transaction so
 * every row has the same snapshot_at. The source (format "pg-stat-csv") is
 * named postgresql://HOST:PORT/DATABASE (never the password); its key is
 * its content's, so every snapshot is new. *out is the caller's
 * (ts_source_free). TS_EIO with a one-line message naming host and port
 * when the server cannot be reached or a query fails (pg_stat_statements
 * not installed among them). */
int ts_pgstat_collect(ts_source **out, const char *dsn, ts_error *err);

#ifdef __cplusplus
}
#endif
#endif
