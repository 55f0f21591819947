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

/* What a page needs besides the query. Unknown times sort last, as if they
 * were INT64_MAX. */
typedef struct page {
    int64_t lo, hi;  /* entry range */
    int64_t t_after; /* the time of entry q->after (INT64_MAX: unknown) */
    int64_t t_max;   /* no row after this time (INT64_MAX: no bound) */
    int64_t limit;
} page;

/* The time of entry `after`. */
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
        *out = INT64_MAX;
    else
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* The events q may hold, after a FROM: one account's from its posting
 * lists as `p` joined to `e` (walked in entry order by p.seq), or
 * `events e`, for an identity's. */
static const char *events_from(const ts_timeline_query *q)
{
    return q->account ? "ts_postings('account', :account) p"
                        " CROSS JOIN events e ON e.seq = p.seq"
                      : "events e";
}

/* The column that orders events_from() in entry order. */
static const char *entry_order(const ts_timeline_query *q)
{
    return q->account ? "p.seq" : "e.seq";
}

/* The conditions of q and p over events_from(), values bound by bind(). */
static void conditions(char *sql, size_t size, const ts_timeline_query *q,
                       const page *p)
{
    int n =
        snprintf(sql, size, " AND %s BETWEEN :lo AND :hi%s%s%s%s%s",
                 entry_order(q), q->account ? "" : " AND " TS_QUERY_WHO_EVENTS,
                 q->since_us != INT64_MIN ? " AND e.time_us >= :since" : "",
                 q->until_us != INT64_MAX ? " AND e.time_us < :until" : "",
                 p->t_max != INT64_MAX ? " AND e.time_us <= :tmax" : "",
                 q->after >= 0 ? " AND (coalesce(e.time_us, :tnull), e.seq)"
                                 " > (:tafter, :after)"
                               : "");
    (void)n; /* the pieces are short: size is ample */
}

static void bind(sqlite3_stmt *st, const ts_timeline_query *q, const page *p)
{
    ts_query_bind_text(st, ":account", q->account);
    ts_query_bind_text(st, ":who", q->who);
    ts_query_bind_int64(st, ":lo", p->lo);
    ts_query_bind_int64(st, ":hi", p->hi);
    ts_query_bind_int64(st, ":since", q->since_us);
    ts_query_bind_int64(st, ":until", q->until_us);
    ts_query_bind_int64(st, ":tmax", p->t_max);
    ts_query_bind_int64(st, ":tnull", INT64_MAX);
    ts_query_bind_int64(st, ":tafter", p->t_after);
    ts_query_bind_int64(st, ":after", q->after);
    ts_query_bind_int64(st, ":limit", p->limit);
}

/* Bounds the page so the sort reads about a page of rows, not all of the
 * account's: the first LIMIT timed events in entry order end by some time
 * T, so the LIMIT earliest end by T too, and every event up to T lies in a
 * span bucket that starts by T. Unknown times sort last, so a page with
 * LIMIT timed events holds none of them. */
static int bound_page(ts_store *store, const ts_timeline_query *q, page *p,
                      ts_error *err)
{
    char cond[1024], sql[2048];
    sqlite3_stmt *st = NULL;
    int64_t t = 0;
    int rc, full = 0;

    conditions(cond, sizeof(cond), q, p);
    rc = snprintf(sql, sizeof(sql),
                  "SELECT count(*), max(t) FROM (SELECT e.time_us AS t"
                  " FROM %s WHERE e.time_us IS NOT NULL%s"
                  " ORDER BY %s LIMIT :limit)",
                  events_from(q), cond, entry_order(q));
    if (rc < 0 || (size_t)rc >= sizeof(sql))
        return ts_error_set(err, TS_ELIMIT, "timeline: query too long");
    rc = ts_store_prepare(store, sql, &st, "reading the timeline", err);
    if (rc != 0)
        return rc;
    bind(st, q, p);
    if (sqlite3_step(st) == SQLITE_ROW) {
        full = sqlite3_column_int64(st, 0) == p->limit;
        t = sqlite3_column_int64(st, 1);
    } else {
        rc = ts_store_db_error(store, "reading the timeline", err);
    }
    sqlite3_finalize(st);
    if (rc != 0 || !full || t == INT64_MAX)
        return rc;
    p->t_max = t;
    {
        int64_t lo = p->lo;
        rc = ts_query_narrow_by_time(store, INT64_MIN, t + 1, &lo, &p->hi, err);
    }
    return rc;
}

int ts_timeline(ts_store *store, const ts_timeline_query *q, ts_search_fn fn,
                void *ctx, size_t *out_n, ts_error *err)
{
    char cond[1024], sql[4096];
    page p = {0, INT64_MAX, INT64_MAX, INT64_MAX, 0};
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int rc = 0, step = SQLITE_DONE;

    if (out_n)
        *out_n = 0;
    if ((q->account == NULL || *q->account == '\0') &&
        (q->who == NULL || *q->who == '\0'))
        return ts_error_set(err, TS_EINVAL, "timeline: no account given");
    if (q->account == NULL)
        rc = ts_query_identity_check(store, q->who, err);
    if (rc != 0)
        return rc;
    if (q->after < -1)
        return ts_error_set(err, TS_EINVAL, "after: not an entry index");
    p.limit = q->limit ? (int64_t)q->limit : TS_TIMELINE_DEFAULT_LIMIT;
    if (q->after >= 0)
        rc = after_time(store, q->after, &p.t_after, err);
    if (rc == 0)
        rc = ts_query_narrow_by_time(store, q->since_us, q->until_us, &p.lo,
                                     &p.hi, err);
    /* Later in the timeline than entry `after` means from its time on. */
    if (rc == 0 && q->after >= 0 && p.t_after != INT64_MAX)
        rc = ts_query_narrow_by_time(store, p.t_after, INT64_MAX, &p.lo, &p.hi,
                                     err);
    if (rc == 0 && p.lo <= p.hi && !(q->after >= 0 && p.t_after == INT64_MAX))
        rc = bound_page(store, q, &p, err);
    if (rc != 0 || p.lo > p.hi)
        return rc;
    conditions(cond, sizeof(cond), q, &p);
    rc = snprintf(sql, sizeof(sql),
                  "SELECT %s FROM %s WHERE 1%s"
                  " ORDER BY coalesce(e.time_us, :tnull), e.seq LIMIT :limit",
                  TS_QUERY_ROW_COLUMNS, events_from(q), cond);
    if (rc < 0 || (size_t)rc >= sizeof(sql))
        return ts_error_set(err, TS_ELIMIT, "timeline: query too long");
    rc = ts_store_prepare(store, sql, &st, "reading the timeline", err);
    if (rc != 0)
        return rc;
    bind(st, q, &p);
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
