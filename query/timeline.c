/* Timeline: one account's events, every session and source, in time order. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "query/query_internal.h"
#include "store/store_internal.h"

#define TS_TIMELINE_DEFAULT_LIMIT 1000

void ts_timeline_query_init(ts_timeline_query *q)
{
    memset(q, 0, sizeof(*q));
    q->since_us = INT64_MIN;
    q->until_us = INT64_MAX;
    q->after = -1;
}

/* The time of entry `after` (TS_UNKNOWN_TIME when it has none). */
static int after_time(ts_store *store, int64_t after, int64_t *out,
                      ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc =
        ts_store_prepare(store, "SELECT time_us FROM events WHERE seq = ?1",
                         &st, "reading the timeline", err);

    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, after);
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = ts_error_set(err, TS_EINVAL, "after: no entry %lld",
                          (long long)after);
    else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
        *out = TS_UNKNOWN_TIME;
    else
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

int ts_timeline(ts_store *store, const ts_timeline_query *q, ts_search_fn fn,
                void *ctx, size_t *out_n, ts_error *err)
{
    char sql[2048];
    int64_t lo = 0, hi = INT64_MAX, t_after = 0;
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int rc = 0, step = SQLITE_DONE;

    if (out_n)
        *out_n = 0;
    if (q->account == NULL || *q->account == '\0')
        return ts_error_set(err, TS_EINVAL, "timeline: no account given");
    if (q->after < -1)
        return ts_error_set(err, TS_EINVAL, "after: not an entry index");
    if (q->after >= 0)
        rc = after_time(store, q->after, &t_after, err);
    if (rc == 0)
        rc = ts_query_narrow_by_time(store, q->since_us, q->until_us, &lo, &hi,
                                     err);
    if (rc != 0 || lo > hi)
        return rc;
    /* Unknown times sort first, as the smallest time. The account index
     * yields the rows in entry order, nearly time order: the sort is of one
     * account's events in the period, kept to the first LIMIT. */
    rc = snprintf(sql, sizeof(sql),
                  "SELECT %s FROM events e WHERE e.account = :account"
                  " AND e.seq BETWEEN :lo AND :hi%s%s%s"
                  " ORDER BY coalesce(e.time_us, :tnull), e.seq LIMIT :limit",
                  TS_QUERY_ROW_COLUMNS,
                  q->since_us != INT64_MIN ? " AND e.time_us >= :since" : "",
                  q->until_us != INT64_MAX ? " AND e.time_us < :until" : "",
                  q->after >= 0 ? " AND (coalesce(e.time_us, :tnull), e.seq)"
                                  " > (:tafter, :after)"
                                : "");
    if (rc < 0 || (size_t)rc >= sizeof(sql))
        return ts_error_set(err, TS_ELIMIT, "timeline: query too long");
    rc = ts_store_prepare(store, sql, &st, "reading the timeline", err);
    if (rc != 0)
        return rc;
    ts_query_bind_text(st, ":account", q->account);
    ts_query_bind_int64(st, ":lo", lo);
    ts_query_bind_int64(st, ":hi", hi);
    ts_query_bind_int64(st, ":since", q->since_us);
    ts_query_bind_int64(st, ":until", q->until_us);
    ts_query_bind_int64(st, ":tnull", INT64_MIN);
    ts_query_bind_int64(st, ":tafter", t_after);
    ts_query_bind_int64(st, ":after", q->after);
    ts_query_bind_int64(
        st, ":limit", q->limit ? (int64_t)q->limit : TS_TIMELINE_DEFAULT_LIMIT);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        ts_search_row row;
        ts_query_read_row(st, &row);
        n++;
        if (fn(ctx, &row) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE)
        rc = ts_store_db_error(store, "reading the timeline", err);
    sqlite3_finalize(st);
    if (out_n)
        *out_n = n;
    return rc;
}
