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

/* The identity behind a session (v_session_identity), else the proxy's
 * principal, for the rows of `s`, the statements summed per session
 * first: one lookup per session. Joined to each statement instead, the
 * view was materialised and scanned whole for each row (1M events, `who
 * --class us_ssn`: 12.8 s). */
#define WHO_IDENT_SQL                                                          \
    "coalesce((SELECT si.identity FROM v_session_identity si"                  \
    " WHERE si.session_id = s.session_id), s.principal) AS ident"
/* The sums per session of a subquery `s` grouped by session, account and
 * principal (or finer: by event identity, which is of one session and
 * account), per identity and account. */
#define WHO_SUMS_SQL                                                           \
    " count(DISTINCT s.session_id), min(s.first_us), max(s.last_us),"          \
    " max(s.last_seq), " WHO_IDENT_SQL
#define WHO_TIMES_SQL                                                          \
    "min(e.time_us) AS first_us, max(e.time_us) AS last_us,"                   \
    " max(e.seq) AS last_seq"

/* How the statements are grouped per session, account and principal: by
 * those columns of `events e`; or, from index layout 16, by event_rows'
 * identity_id, its session and account joined after grouping (one lookup
 * per group, not per statement: `who --column public.customers.ssn` at
 * 10M, best of 5 side by side, 4.0-4.1 -> 3.6-3.8 s). The --who filter
 * reads e.session_id, so it keeps the first way. */
typedef struct who_grouping {
    const char *rows; /* what `e` is */
    const char *head; /* SELECT and the per-session columns */
    const char *keys; /* GROUP BY, before the object */
    const char *tail; /* after the GROUP BY */
} who_grouping;

static who_grouping grouping(const ts_who_query *q, int index_version)
{
    who_grouping g = {
        ts_query_event_rows_sql(index_version),
        "SELECT e.session_id, e.account, e.principal, " WHO_TIMES_SQL,
        "e.session_id, e.account, e.principal", ""};

    if (index_version >= 16 && !q->who) {
        g.rows = "event_rows";
        g.head = "SELECT i.session_id, i.account, g.* FROM (SELECT"
                 " e.identity_id, e.principal, " WHO_TIMES_SQL;
        g.keys = "e.identity_id, e.principal";
        g.tail = ") g LEFT JOIN event_identities i ON i.id = g.identity_id";
    }
    return g;
}

/* Column and class questions: one row per identity, account and column,
 * counting statements once (pgAudit's repeated rows skipped); for a class,
 * also the statements whose values were of it, as a row without column.
 * The statements of each template touching the column are walked from its
 * posting lists (index layout 13; ts_postings() reads events_by_template
 * on an older store). A statement is of one session, so its counts per
 * session add up. */
static int build_access_sql(char *sql, size_t size, const ts_who_query *q,
                            int index_version)
{
    who_grouping g = grouping(q, index_version);
    const char *time_cond =
        q->since_us != INT64_MIN
            ? (q->until_us != INT64_MAX
                   ? " AND e.time_us >= :since AND e.time_us < :until"
                   : " AND e.time_us >= :since")
            : (q->until_us != INT64_MAX ? " AND e.time_us < :until" : "");
    const char *who_cond = q->who ? " AND " TS_QUERY_WHO_EVENTS : "";
    char values[4096] = "";
    int n;

    if (q->data_class != NULL) {
        n = snprintf(
            values, sizeof(values),
            " UNION ALL SELECT s.account, NULL, sum(s.n), 0, 0," WHO_SUMS_SQL
            " FROM (%s, count(*) AS n"
            " FROM event_value_classes v JOIN %s e"
            " ON e.seq = v.seq"
            " WHERE v.class = :class AND e.template_repeat IS NULL"
            " AND e.seq BETWEEN :lo AND :hi%s%s"
            " GROUP BY %s%s) s"
            " GROUP BY ident, s.account",
            g.head, g.rows, time_cond, who_cond, g.keys, g.tail);
        if (n < 0 || (size_t)n >= sizeof(values))
            return 0;
    }
    n = snprintf(
        sql, size,
        "SELECT s.account, s.object, sum(s.n), sum(s.n_read), sum(s.n_write)," WHO_SUMS_SQL
        " FROM (%s, a.object,"
        " count(DISTINCT e.seq) AS n,"
        " count(DISTINCT CASE WHEN a.access = 'read' THEN e.seq END)"
        " AS n_read,"
        " count(DISTINCT CASE WHEN a.access = 'write' THEN e.seq END)"
        " AS n_write"
        " FROM template_access a%s"
        " CROSS JOIN ts_postings('template', a.template_id) p"
        " CROSS JOIN %s e ON e.seq = p.seq"
        " WHERE a.level = 'column'%s AND p.seq BETWEEN :lo AND :hi"
        " AND e.template_repeat IS NULL%s%s"
        " GROUP BY %s, a.object%s) s"
        " GROUP BY ident, s.account, s.object%s"
        " ORDER BY 3 DESC, ident, 1, 2",
        g.head,
        q->data_class ? " JOIN (SELECT DISTINCT column_name FROM"
                        " column_classes WHERE class = :class) c"
                        " ON c.column_name = a.object"
                      : "",
        g.rows, q->column ? " AND a.object IN (:column, lower(:column))" : "",
        time_cond, who_cond, g.keys, g.tail, values);
    return n > 0 && (size_t)n < size;
}

/* An object's events, from its posting lists (schemas/index.sql,
 * "Posting lists"); the object name as the store's layout keeps it. */
static int build_object_sql(char *sql, size_t size, const ts_who_query *q,
                            const ts_query_object *object, int index_version)
{
    int n = snprintf(
        sql, size,
        "SELECT e.account, %s AS name, count(*),"
        " sum(e.audit_class = 'READ'), sum(e.audit_class = 'WRITE'),"
        " count(DISTINCT e.session_id), min(e.time_us), max(e.time_us),"
        " max(e.seq), NULL FROM ts_postings('object', :otail) p"
        " CROSS JOIN events e ON e.seq = p.seq%s"
        " WHERE p.seq BETWEEN :lo AND :hi%s%s%s%s"
        " GROUP BY e.account, name"
        " ORDER BY count(*) DESC, e.account, name",
        ts_query_joined_object_name_sql(index_version),
        ts_query_texts_join_sql(index_version),
        object->full[0] ? " AND lower(name) = :ofull" : "",
        q->who ? " AND " TS_QUERY_WHO_EVENTS : "",
        q->since_us != INT64_MIN ? " AND e.time_us >= :since" : "",
        q->until_us != INT64_MAX ? " AND e.time_us < :until" : "");
    return n > 0 && (size_t)n < size;
}

static int check_query(ts_store *store, const ts_who_query *q,
                       ts_query_object *object, ts_error *err)
{
    int given =
        (q->object != NULL) + (q->column != NULL) + (q->data_class != NULL);

    if (given != 1)
        return ts_error_set(err, TS_EINVAL,
                            "who: give one of --object, --column and --class");
    if (q->object)
        return ts_query_object_parse(object, q->object, err);
    if (q->column)
        return ts_query_column_check(q->column, err);
    return ts_query_class_check(store, q->data_class, err);
}

int ts_who(ts_store *store, const ts_who_query *q, ts_who_fn fn, void *ctx,
           size_t *out_n, ts_error *err)
{
    char sql[8192];
    int64_t lo = 0, hi = INT64_MAX;
    sqlite3_stmt *st = NULL;
    ts_query_object object;
    size_t n = 0;
    int rc, step = SQLITE_DONE;

    if (out_n)
        *out_n = 0;
    memset(&object, 0, sizeof(object));
    rc = check_query(store, q, &object, err);
    if (rc == 0 && q->who)
        rc = ts_query_identity_check(store, q->who, err);
    if (rc == 0)
        rc = ts_query_narrow_by_time(store, q->since_us, q->until_us, &lo, &hi,
                                     err);
    if (rc != 0 || lo > hi)
        return rc;
    if (!(q->object
              ? build_object_sql(sql, sizeof(sql), q, &object,
                                 store->index_version)
              : build_access_sql(sql, sizeof(sql), q, store->index_version)))
        return ts_error_set(err, TS_ELIMIT, "who: query too long");
    rc = ts_store_prepare(store, sql, &st, "finding who accessed", err);
    if (rc != 0)
        return rc;
    if (q->object) {
        ts_query_bind_text(st, ":otail", object.tail);
        ts_query_bind_text(st, ":ofull", object.full);
    }
    ts_query_bind_text(st, ":column", q->column);
    ts_query_bind_text(st, ":class", q->data_class);
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
        row.identity = (const char *)sqlite3_column_text(st, 9);
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
