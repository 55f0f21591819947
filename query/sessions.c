/* Sessions: one row per database session, from the sessions table. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "query/query_internal.h"
#include "store/store_internal.h"

#define TS_SESSIONS_DEFAULT_LIMIT 100

void ts_sessions_query_init(ts_sessions_query *q)
{
    memset(q, 0, sizeof(*q));
    q->since_us = INT64_MIN;
    q->until_us = INT64_MAX;
}

static int64_t column_time(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL
               ? TS_UNKNOWN_TIME
               : sqlite3_column_int64(st, col);
}

/* A session's first entry: sessions.first_seq from layout 12; before,
 * the first of its events (ts_postings() walks events_by_session). */
static const char *first_entry_sql(int index_version)
{
    return index_version >= 12
               ? "s.first_seq"
               : "(SELECT p.seq FROM ts_postings('session', s.session_id) p"
                 " ORDER BY p.seq LIMIT 1)";
}

int ts_sessions(ts_store *store, const ts_sessions_query *q, ts_session_fn fn,
                void *ctx, size_t *out_n, ts_error *err)
{
    char sql[2048];
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int rc, step;

    if (out_n)
        *out_n = 0;
    /* (started_us, rowid) is the order of both sessions indexes. */
    rc = snprintf(sql, sizeof(sql),
                  "SELECT s.session_id, (SELECT name FROM sources WHERE id = "
                  "s.source_id), s.pid, s.account, s.database, s.application,"
                  " s.client_host, s.tls_protocol, s.tls_cipher, s.started_us,"
                  " s.ended_us, s.n_events, s.n_statements, s.auth_failed,"
                  " (SELECT identity FROM v_session_identity i"
                  "  WHERE i.session_id = s.session_id), %s"
                  " FROM sessions s WHERE 1%s%s%s%s"
                  " ORDER BY s.started_us %s, s.rowid %s LIMIT :limit",
                  first_entry_sql(store->index_version),
                  q->account ? " AND s.account = :account" : "",
                  q->who ? " AND " TS_QUERY_WHO_MATCH("s.") : "",
                  q->until_us != INT64_MAX ? " AND s.started_us < :until" : "",
                  q->since_us != INT64_MIN ? " AND s.ended_us >= :since" : "",
                  q->oldest_first ? "ASC" : "DESC",
                  q->oldest_first ? "ASC" : "DESC");
    if (rc < 0 || (size_t)rc >= sizeof(sql))
        return ts_error_set(err, TS_ELIMIT, "sessions: query too long");
    rc = q->who ? ts_query_identity_check(store, q->who, err) : 0;
    if (rc == 0)
        rc = ts_store_prepare(store, sql, &st, "listing sessions", err);
    if (rc != 0)
        return rc;
    ts_query_bind_text(st, ":account", q->account);
    ts_query_bind_text(st, ":who", q->who);
    ts_query_bind_int64(st, ":until", q->until_us);
    ts_query_bind_int64(st, ":since", q->since_us);
    ts_query_bind_int64(
        st, ":limit", q->limit ? (int64_t)q->limit : TS_SESSIONS_DEFAULT_LIMIT);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        ts_session_row row;
        row.session_id = (const char *)sqlite3_column_text(st, 0);
        row.source = (const char *)sqlite3_column_text(st, 1);
        row.pid = sqlite3_column_type(st, 2) == SQLITE_NULL
                      ? -1
                      : sqlite3_column_int64(st, 2);
        row.account = (const char *)sqlite3_column_text(st, 3);
        row.database = (const char *)sqlite3_column_text(st, 4);
        row.application = (const char *)sqlite3_column_text(st, 5);
        row.client_host = (const char *)sqlite3_column_text(st, 6);
        row.tls_protocol = (const char *)sqlite3_column_text(st, 7);
        row.tls_cipher = (const char *)sqlite3_column_text(st, 8);
        row.started_us = column_time(st, 9);
        row.ended_us = column_time(st, 10);
        row.n_events = (uint64_t)sqlite3_column_int64(st, 11);
        row.n_statements = (uint64_t)sqlite3_column_int64(st, 12);
        row.auth_failed = sqlite3_column_int(st, 13);
        row.identity = (const char *)sqlite3_column_text(st, 14);
        row.first_entry = sqlite3_column_type(st, 15) == SQLITE_NULL
                              ? -1
                              : sqlite3_column_int64(st, 15);
        n++;
        if (fn(ctx, &row) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE)
        rc = ts_store_db_error(store, "listing sessions", err);
    sqlite3_finalize(st);
    if (out_n)
        *out_n = n;
    return rc;
}
