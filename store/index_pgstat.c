/* Writing pg_stat snapshot rows into the index and turning
 * pg_stat_statements counters into per-statement activity since the
 * server's previous snapshot: schemas/index.sql, "pg_stat snapshots". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "trailseal/pgstat.h"
#include "trailseal/time.h"

enum {
    ST_KINDS,
    ST_FIND_SNAPSHOT,
    ST_NEW_SNAPSHOT,
    ST_PREV_SNAPSHOT,
    ST_COUNT_ROW,
    ST_PREV_ROW,
    ST_SAME_ROW,
    ST_STATEMENT,
    ST_ACTIVITY,
    ST_SESSION,
    ST_COUNT
};

static const char *const sql[ST_COUNT] = {
    /* a store made before these kinds: its event_kinds lacks them */
    "INSERT OR IGNORE INTO event_kinds(kind, name)"
    " VALUES(10, 'pg_stat'), (11, 'statement_stats')",
    "SELECT id, prev_id FROM pgstat_snapshots"
    " WHERE server = ?1 AND view = ?2 AND snapshot_us = ?3",
    "INSERT INTO pgstat_snapshots(server, view, snapshot_us, source_id,"
    " first_seq, prev_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    "SELECT id FROM pgstat_snapshots WHERE server = ?1 AND view = ?2"
    " AND snapshot_us < ?3 ORDER BY snapshot_us DESC LIMIT 1",
    "UPDATE pgstat_snapshots SET n_rows = n_rows + 1 WHERE id = ?1",
    "SELECT calls, rows, total_exec_ms FROM pgstat_statements"
    " WHERE snapshot_id = ?1 AND userid = ?2 AND dbid = ?3"
    " AND queryid IS ?4 AND toplevel IS ?5 LIMIT 1",
    "SELECT 1 FROM pgstat_statements"
    " WHERE snapshot_id = ?1 AND userid = ?2 AND dbid = ?3"
    " AND queryid IS ?4 AND toplevel IS ?5 LIMIT 1",
    "INSERT INTO pgstat_statements(seq, snapshot_id, userid, dbid, queryid,"
    " toplevel, username, datname, calls, rows, total_exec_ms, delta_calls,"
    " delta_rows, delta_exec_ms, reset)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15)",
    "INSERT INTO pgstat_activity(seq, snapshot_id, pid, usename, datname,"
    " application_name, client_addr, backend_start_us, backend_type, state,"
    " query, session_id, ssl, ssl_version, ssl_cipher)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15)",
    /* a session starts at its backend_start, before any snapshot saw it */
    "INSERT INTO sessions(session_id, source_id, started_us)"
    " VALUES(?1, ?2, ?3) ON CONFLICT(session_id) DO UPDATE SET"
    " started_us = min(coalesce(started_us, excluded.started_us),"
    "                  excluded.started_us)",
};

struct ts_pgstat_writer {
    ts_store *store;
    sqlite3_stmt *st[ST_COUNT];
    /* the snapshot of the rows being written */
    int have_snapshot;
    char *server;
    ts_pgstat_view view;
    int64_t snapshot_us;
    int64_t snapshot_id;
    int64_t prev_id; /* 0: none */
    char message[256];
};

void ts_pgstat_writer_free(ts_pgstat_writer *w)
{
    if (w == NULL)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(w->st[i]);
    free(w->server);
    free(w);
}

int ts_pgstat_writer_new(ts_pgstat_writer **out, ts_store *store, ts_error *err)
{
    ts_pgstat_writer *w = calloc(1, sizeof(*w));

    *out = NULL;
    if (w == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    w->store = store;
    /* statements are prepared on first use: most ingests hold no pg_stat
     * rows */
    *out = w;
    return 0;
}

static int prep(ts_pgstat_writer *w, int i, sqlite3_stmt **out, ts_error *err)
{
    if (w->st[i] == NULL &&
        sqlite3_prepare_v2(ts_store_sqlite(w->store), sql[i], -1, &w->st[i],
                           NULL) != SQLITE_OK) {
        /* A store made before the pg_stat tables: the schema is all IF
         * NOT EXISTS, so running it again adds just what is missing. */
        int rc = ts_store_exec(w->store, ts_index_schema_sql,
                               "updating the index schema", err);
        if (rc == 0)
            rc = ts_store_prepare(w->store, sql[i], &w->st[i],
                                  "indexing pg_stat rows", err);
        if (rc != 0)
            return rc;
    }
    *out = w->st[i];
    return 0;
}

static void text(sqlite3_stmt *st, int col, const char *v)
{
    if (v == NULL)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC);
}

static void num(sqlite3_stmt *st, int col, int64_t v, int64_t unknown)
{
    if (v == unknown)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_int64(st, col, v);
}

/* Steps st: SQLITE_ROW or SQLITE_DONE in *step_rc; resets unless a row is
 * to be read (the caller resets then). */
static int step(ts_pgstat_writer *w, sqlite3_stmt *st, int *step_rc,
                ts_error *err)
{
    int s = sqlite3_step(st);

    if (step_rc != NULL)
        *step_rc = s;
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
        int rc = ts_store_db_error(w->store, "indexing pg_stat rows", err);
        sqlite3_reset(st);
        return rc;
    }
    if (s != SQLITE_ROW || step_rc == NULL) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    return 0;
}

static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Makes w's snapshot the one of r: found, or created with its server's
 * previous one (statements only). */
static int snapshot_of(ts_pgstat_writer *w, const ts_pgstat_record *r,
                       int64_t source_id, uint64_t seq, ts_error *err)
{
    const char *view = ts_pgstat_view_name(r->view);
    sqlite3_stmt *st;
    int rc, s;

    if (w->have_snapshot && w->view == r->view &&
        w->snapshot_us == r->snapshot_us && strcmp(w->server, r->server) == 0)
        return 0;
    w->have_snapshot = 0;
    free(w->server);
    w->server = strdup(r->server);
    if (w->server == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    w->view = r->view;
    w->snapshot_us = r->snapshot_us;
    w->prev_id = 0;
    rc = prep(w, ST_FIND_SNAPSHOT, &st, err);
    if (rc != 0)
        return rc;
    text(st, 1, r->server);
    text(st, 2, view);
    sqlite3_bind_int64(st, 3, r->snapshot_us);
    rc = step(w, st, &s, err);
    if (rc != 0)
        return rc;
    if (s == SQLITE_ROW) {
        w->snapshot_id = sqlite3_column_int64(st, 0);
        w->prev_id = sqlite3_column_int64(st, 1);
        done(st);
        w->have_snapshot = 1;
        return 0;
    }
    if (r->view == TS_PGSTAT_STATEMENTS) {
        rc = prep(w, ST_PREV_SNAPSHOT, &st, err);
        if (rc != 0)
            return rc;
        text(st, 1, r->server);
        text(st, 2, view);
        sqlite3_bind_int64(st, 3, r->snapshot_us);
        rc = step(w, st, &s, err);
        if (rc != 0)
            return rc;
        if (s == SQLITE_ROW) {
            w->prev_id = sqlite3_column_int64(st, 0);
            done(st);
        }
    }
    rc = prep(w, ST_NEW_SNAPSHOT, &st, err);
    if (rc != 0)
        return rc;
    text(st, 1, r->server);
    text(st, 2, view);
    sqlite3_bind_int64(st, 3, r->snapshot_us);
    sqlite3_bind_int64(st, 4, source_id);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)seq);
    num(st, 6, w->prev_id, 0);
    rc = step(w, st, NULL, err);
    if (rc != 0)
        return rc;
    w->snapshot_id = sqlite3_last_insert_rowid(ts_store_sqlite(w->store));
    w->have_snapshot = 1;
    return 0;
}

/* Binds the statement key of r as ?1..?5 with the snapshot id. */
static void bind_key(sqlite3_stmt *st, int64_t snapshot_id,
                     const ts_pgstat_record *r)
{
    sqlite3_bind_int64(st, 1, snapshot_id);
    sqlite3_bind_int64(st, 2, r->userid);
    sqlite3_bind_int64(st, 3, r->dbid);
    text(st, 4, r->queryid);
    num(st, 5, r->toplevel, -1);
}

/* A row that says nothing happened: kept, but no account activity and no
 * statement analysis. */
static void baseline(ts_event *ev)
{
    ev->kind = TS_EVENT_PG_STAT;
    ev->account = NULL;
    ev->sql_template = NULL;
    ev->sql_fingerprint = 0;
    ev->n_tables_read = ev->n_tables_written = 0;
    ev->n_columns_read = ev->n_columns_written = 0;
    ev->n_tables_changed = ev->n_flows = 0;
    ev->n_value_classes = 0;
}

static int add_statement(ts_pgstat_writer *w, uint64_t seq,
                         const ts_pgstat_record *r, ts_event *ev, ts_error *err)
{
    int64_t d_calls = -1, d_rows = -1;
    double d_ms = 0;
    int rc = 0, s = SQLITE_DONE, reset = -1, dup = 0;
    sqlite3_stmt *st;
    char since[32];

    if (w->prev_id != 0) {
        rc = prep(w, ST_SAME_ROW, &st, err);
        if (rc == 0) {
            bind_key(st, w->snapshot_id, r);
            rc = step(w, st, &s, err);
        }
        if (rc != 0)
            return rc;
        dup = s == SQLITE_ROW;
        if (dup)
            done(st);
    }
    if (w->prev_id != 0 && !dup) {
        rc = prep(w, ST_PREV_ROW, &st, err);
        if (rc == 0) {
            bind_key(st, w->prev_id, r);
            rc = step(w, st, &s, err);
        }
        if (rc != 0)
            return rc;
        d_calls = r->calls;
        d_rows = r->rows;
        d_ms = r->total_exec_ms;
        reset = 0;
        if (s == SQLITE_ROW) {
            int64_t calls = sqlite3_column_int64(st, 0);
            int64_t rows = sqlite3_column_int64(st, 1);
            double ms = sqlite3_column_double(st, 2);
            done(st);
            if (r->calls < calls || r->rows < rows || r->total_exec_ms < ms) {
                reset = 1; /* pg_stat_statements_reset() in between */
            } else {
                d_calls = r->calls - calls;
                d_rows = r->rows - rows;
                d_ms = r->total_exec_ms - ms;
            }
        }
    }
    rc = prep(w, ST_STATEMENT, &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 2, w->snapshot_id);
    sqlite3_bind_int64(st, 3, r->userid);
    sqlite3_bind_int64(st, 4, r->dbid);
    text(st, 5, r->queryid);
    num(st, 6, r->toplevel, -1);
    text(st, 7, ev->account);
    text(st, 8, ev->database);
    sqlite3_bind_int64(st, 9, r->calls);
    sqlite3_bind_int64(st, 10, r->rows);
    sqlite3_bind_double(st, 11, r->total_exec_ms);
    num(st, 12, d_calls, -1);
    num(st, 13, d_rows, -1);
    if (d_calls >= 0)
        sqlite3_bind_double(st, 14, d_ms);
    num(st, 15, reset, -1);
    rc = step(w, st, NULL, err);
    if (rc != 0)
        return rc;
    if (d_calls <= 0) {
        baseline(ev);
        return 0;
    }
    ev->rows = d_rows;
    ts_time_format(r->snapshot_us, since, sizeof(since));
    if (snprintf(w->message, sizeof(w->message),
                 "pg_stat_statements: %" PRId64 " calls, %" PRId64
                 " rows, %.3f ms since the previous snapshot%s",
                 d_calls, d_rows, d_ms,
                 reset == 1 ? " (counters were reset)" : "") > 0)
        ev->message = w->message;
    return 0;
}

static int add_activity(ts_pgstat_writer *w, uint64_t seq, int64_t source_id,
                        const ts_pgstat_record *r, const ts_event *ev,
                        ts_error *err)
{
    sqlite3_stmt *st;
    int rc = prep(w, ST_ACTIVITY, &st, err);

    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 2, w->snapshot_id);
    num(st, 3, ev->pid, -1);
    text(st, 4, ev->account);
    text(st, 5, ev->database);
    text(st, 6, ev->application);
    text(st, 7, ev->client_host);
    num(st, 8, r->backend_start_us, TS_UNKNOWN_TIME);
    text(st, 9, r->backend_type);
    text(st, 10, r->state);
    text(st, 11, ev->query);
    text(st, 12, ev->session_id);
    num(st, 13, r->ssl, -1);
    text(st, 14, ev->tls_protocol);
    text(st, 15, ev->tls_cipher);
    rc = step(w, st, NULL, err);
    if (rc == 0 && ev->session_id != NULL &&
        r->backend_start_us != TS_UNKNOWN_TIME) {
        rc = prep(w, ST_SESSION, &st, err);
        if (rc != 0)
            return rc;
        text(st, 1, ev->session_id);
        sqlite3_bind_int64(st, 2, source_id);
        sqlite3_bind_int64(st, 3, r->backend_start_us);
        rc = step(w, st, NULL, err);
    }
    return rc;
}

int ts_pgstat_writer_add(ts_pgstat_writer *w, uint64_t seq, int64_t source_id,
                         const ts_event *in, ts_event *ev, ts_error *err)
{
    const ts_pgstat_record *r = in->pgstat;
    sqlite3_stmt *st;
    int rc;

    *ev = *in;
    if (r == NULL || r->view == TS_PGSTAT_NONE ||
        r->snapshot_us == TS_UNKNOWN_TIME) {
        if (in->kind == TS_EVENT_STATEMENT_STATS)
            baseline(ev); /* never happens: a row without a view is unparsed */
        return 0;
    }
    if (w->st[ST_KINDS] == NULL) {
        rc = prep(w, ST_KINDS, &st, err);
        if (rc == 0)
            rc = step(w, st, NULL, err);
        if (rc != 0)
            return rc;
    }
    rc = snapshot_of(w, r, source_id, seq, err);
    if (rc == 0)
        rc = prep(w, ST_COUNT_ROW, &st, err);
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, w->snapshot_id);
        rc = step(w, st, NULL, err);
    }
    if (rc != 0)
        return rc;
    if (r->view == TS_PGSTAT_STATEMENTS)
        return add_statement(w, seq, r, ev, err);
    return add_activity(w, seq, source_id, r, ev, err);
}
