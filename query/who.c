/* Who: the accounts whose events name an object, with counts and times. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "query/query_internal.h"
#include "store/store_internal.h"

void ts_who_query_init(ts_who_query *q)
{
    memset(q, 0, sizeof(*q));
    q->since_us = INT64_MIN;
    q->until_us = INT64_MAX;
}

int ts_who(ts_store *store, const ts_who_query *q, ts_who_fn fn, void *ctx,
           size_t *out_n, ts_error *err)
{
    char sql[2048];
    int64_t lo = 0, hi = INT64_MAX;
    sqlite3_stmt *st = NULL;
    ts_query_object object;
    size_t n = 0;
    int rc, step = SQLITE_DONE;

    if (out_n)
        *out_n = 0;
    rc = ts_query_object_parse(&object, q->object, err);
    if (rc == 0 && q->who)
        rc = ts_query_identity_check(store, q->who, err);
    if (rc == 0)
        rc = ts_query_narrow_by_time(store, q->since_us, q->until_us, &lo, &hi,
                                     err);
    if (rc != 0 || lo > hi)
        return rc;
    rc = snprintf(
        sql, sizeof(sql),
        "SELECT e.account, e.object_name, count(*),"
        " sum(e.audit_class = 'READ'), sum(e.audit_class = 'WRITE'),"
        " count(DISTINCT e.session_id), min(e.time_us), max(e.time_us),"
        " max(e.seq) FROM events e WHERE e.object_table = :otail%s%s"
        " AND e.seq BETWEEN :lo AND :hi%s%s"
        " GROUP BY e.account, e.object_name"
        " ORDER BY count(*) DESC, e.account, e.object_name",
        object.full[0] ? " AND lower(e.object_name) = :ofull" : "",
        q->who ? " AND " TS_QUERY_WHO_MATCH("e.") : "",
        q->since_us != INT64_MIN ? " AND e.time_us >= :since" : "",
        q->until_us != INT64_MAX ? " AND e.time_us < :until" : "");
    if (rc < 0 || (size_t)rc >= sizeof(sql))
        return ts_error_set(err, TS_ELIMIT, "who: query too long");
    rc = ts_store_prepare(store, sql, &st, "finding who accessed", err);
    if (rc != 0)
        return rc;
    ts_query_bind_text(st, ":otail", object.tail);
    ts_query_bind_text(st, ":ofull", object.full);
    ts_query_bind_text(st, ":who", q->who);
    ts_query_bind_int64(st, ":lo", lo);
    ts_query_bind_int64(st, ":hi", hi);
    ts_query_bind_int64(st, ":since", q->since_us);
    ts_query_bind_int64(st, ":until", q->until_us);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        ts_who_row row;
        row.account = (const char *)sqlite3_column_text(st, 0);
        row.object_name = (const char *)sqlite3_column_text(st, 1);
        row.n_events = (uint64_t)sqlite3_column_int64(st, 2);
        row.n_reads = (uint64_t)sqlite3_column_int64(st, 3);
        row.n_writes = (uint64_t)sqlite3_column_int64(st, 4);
        row.n_sessions = (uint64_t)sqlite3_column_int64(st, 5);
        row.first_us = sqlite3_column_type(st, 6) == SQLITE_NULL
                           ? TS_UNKNOWN_TIME
                           : sqlite3_column_int64(st, 6);
        row.last_us = sqlite3_column_type(st, 7) == SQLITE_NULL
                          ? TS_UNKNOWN_TIME
                          : sqlite3_column_int64(st, 7);
        row.last_entry_index = (uint64_t)sqlite3_column_int64(st, 8);
        n++;
        if (fn(ctx, &row) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE)
        rc = ts_store_db_error(store, "finding who accessed", err);
    sqlite3_finalize(st);
    if (out_n)
        *out_n = n;
    return rc;
}
