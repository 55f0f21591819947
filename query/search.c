/* Search: full text and filters over the index, in entry order, walking
 * an index or the full-text doclists in that order so LIMIT stops early. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "query/query_internal.h"
#include "store/store_internal.h"
#include "trailseal/query.h"

#define TS_SEARCH_SQL_MAX 4096
#define TS_SEARCH_TEXT_MAX 4096
#define TS_SEARCH_COMMAND_MAX 64
#define TS_SEARCH_DEFAULT_LIMIT 100

void ts_search_query_init(ts_search_query *q)
{
    memset(q, 0, sizeof(*q));
    q->kind = -1;
    q->since_us = INT64_MIN;
    q->until_us = INT64_MAX;
    q->after = -1;
}

/* Appends a fixed piece of SQL: values are always bound, never pasted. */
static void add_sql(char *sql, const char *piece)
{
    size_t len = strlen(sql);
    int n = snprintf(sql + len, TS_SEARCH_SQL_MAX - len, "%s", piece);

    (void)n;
}

/* The first and last entry of a session: a full-text search within one
 * session then reads only that stretch of each doclist. */
static int narrow_by_session(ts_store *store, const char *session_id,
                             int64_t *lo, int64_t *hi, ts_error *err)
{
    static const char *const sql[2] = {
        "SELECT seq FROM events WHERE session_id = ?1 ORDER BY seq LIMIT 1",
        "SELECT seq FROM events WHERE session_id = ?1"
        " ORDER BY seq DESC LIMIT 1"};
    int rc = 0;

    for (int i = 0; rc == 0 && i < 2; i++) {
        sqlite3_stmt *st = NULL;
        int step;
        rc = ts_store_prepare(store, sql[i], &st, "searching", err);
        if (rc != 0)
            break;
        sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
        step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            int64_t seq = sqlite3_column_int64(st, 0);
            if (i == 0 && seq > *lo)
                *lo = seq;
            if (i == 1 && seq < *hi)
                *hi = seq;
        } else if (step == SQLITE_DONE) {
            *lo = 1; /* no such session */
            *hi = 0;
        } else {
            rc = ts_store_db_error(store, "searching", err);
        }
        sqlite3_finalize(st);
    }
    return rc;
}

/* The filters an index serves, each an equality on one index's leading
 * column: SQLite walks one of them and checks the others row by row. */
enum {
    BY_ACCOUNT,
    BY_OBJECT,
    BY_SESSION,
    BY_COMMAND,
    BY_KIND,
    BY_COUNT,
    BY_ANY = -1
};

static const char *const by_sql[BY_COUNT] = {
    "e.account = :account", TS_QUERY_OBJECT_TAIL " = :otail",
    "e.session_id = :session", "e.command = :command", "e.kind = :kind"};

/* Index entries a probe reads per filter. */
#define TS_SEARCH_PROBE 1000

static int has_filter(const ts_search_query *q, int by)
{
    switch (by) {
    case BY_ACCOUNT:
        return q->account != NULL;
    case BY_OBJECT:
        return q->object != NULL;
    case BY_SESSION:
        return q->session_id != NULL;
    case BY_COMMAND:
        return q->command != NULL;
    default:
        return q->kind >= 0;
    }
}

static void bind_filters(sqlite3_stmt *st, const ts_search_query *q,
                         const ts_query_object *object, const char *command)
{
    ts_query_bind_text(st, ":account", q->account);
    if (q->object) {
        ts_query_bind_text(st, ":otail", object->tail);
        ts_query_bind_text(st, ":ofull", object->full);
    }
    ts_query_bind_text(st, ":database", q->database);
    ts_query_bind_text(st, ":session", q->session_id);
    ts_query_bind_text(st, ":source", q->source);
    if (q->command)
        ts_query_bind_text(st, ":command", command);
    ts_query_bind_int64(st, ":kind", q->kind);
}

/* Without statistics SQLite cannot tell which of two equalities is rarer
 * ("bob" or "public.customers"), and walking the common one to find the
 * rare rows reads much of its index. So when several are given, read the
 * first TS_SEARCH_PROBE entries of each one's index in walk order and walk
 * the sparsest: the one with fewer entries in all, or whose probe reaches
 * furthest. *out is BY_ANY when there is no choice to make. */
static int choose_driver(ts_store *store, const ts_search_query *q,
                         const ts_query_object *object, const char *command,
                         int64_t lo, int64_t hi, int *out, ts_error *err)
{
    int64_t best_count = INT64_MAX, best_reach = -1;
    int n = 0, rc = 0;

    *out = BY_ANY;
    for (int by = 0; by < BY_COUNT; by++)
        n += has_filter(q, by);
    for (int by = 0; rc == 0 && n > 1 && by < BY_COUNT; by++) {
        char sql[512];
        sqlite3_stmt *st = NULL;
        if (!has_filter(q, by))
            continue;
        snprintf(sql, sizeof(sql),
                 "SELECT count(*), max(seq) - min(seq) FROM (SELECT e.seq"
                 " FROM events e WHERE %s%s AND e.seq BETWEEN :lo AND :hi"
                 " ORDER BY e.seq %s LIMIT %d)",
                 by == BY_OBJECT ? "e.object_name IS NOT NULL AND " : "",
                 by_sql[by], q->oldest_first ? "ASC" : "DESC", TS_SEARCH_PROBE);
        rc = ts_store_prepare(store, sql, &st, "searching", err);
        if (rc != 0)
            break;
        bind_filters(st, q, object, command);
        ts_query_bind_int64(st, ":lo", lo);
        ts_query_bind_int64(st, ":hi", hi);
        if (sqlite3_step(st) == SQLITE_ROW) {
            int64_t count = sqlite3_column_int64(st, 0);
            int64_t reach = sqlite3_column_int64(st, 1);
            if (count < best_count ||
                (count == TS_SEARCH_PROBE && best_count == count &&
                 reach > best_reach)) {
                best_count = count;
                best_reach = reach;
                *out = by;
            }
        } else {
            rc = ts_store_db_error(store, "searching", err);
        }
        sqlite3_finalize(st);
    }
    return rc;
}

/* Appends the equality for `by`; a unary + keeps SQLite from walking its
 * index when another filter drives. */
static void add_equality(char *sql, int by, int driver)
{
    add_sql(sql, driver != BY_ANY && driver != by ? " AND +" : " AND ");
    add_sql(sql, by_sql[by]);
}

/* Builds the statement for q. With text, the full-text index drives the
 * walk (rowid order) and each candidate is checked against the filters;
 * without, the driver's index (or SQLite's pick) does, and as every index
 * ends in seq the walk is already in order. */
static void build_sql(char *sql, const ts_search_query *q, int has_text,
                      int driver)
{
    const char *seq = has_text ? "events_fts.rowid" : "e.seq";

    snprintf(sql, TS_SEARCH_SQL_MAX, "SELECT %s FROM ", TS_QUERY_ROW_COLUMNS);
    if (has_text)
        add_sql(sql, "events_fts CROSS JOIN events e"
                     " ON e.seq = events_fts.rowid"
                     " WHERE events_fts MATCH :text AND");
    else
        add_sql(sql, "events e WHERE");
    add_sql(sql, has_text ? " events_fts.rowid BETWEEN :lo AND :hi"
                          : " e.seq BETWEEN :lo AND :hi");
    if (q->object)
        add_sql(sql, " AND e.object_name IS NOT NULL");
    for (int by = 0; by < BY_COUNT; by++)
        if (has_filter(q, by))
            add_equality(sql, by, driver);
    if (q->object && strchr(q->object, '.'))
        add_sql(sql, " AND lower(e.object_name) = :ofull");
    if (q->database)
        add_sql(sql, " AND e.database = :database");
    if (q->source)
        add_sql(sql,
                " AND e.source_id IN (SELECT id FROM sources"
                " WHERE name = :source"
                " OR substr(name, -length(:source) - 1) = '/' || :source)");
    if (q->outcome == TS_OUTCOME_OK)
        add_sql(sql, " AND " TS_QUERY_OK);
    else if (q->outcome == TS_OUTCOME_ERROR)
        add_sql(sql, " AND " TS_QUERY_ERROR);
    else if (q->outcome == TS_OUTCOME_DENIED)
        add_sql(sql, " AND " TS_QUERY_DENIED);
    if (q->since_us != INT64_MIN)
        add_sql(sql, " AND e.time_us >= :since");
    if (q->until_us != INT64_MAX)
        add_sql(sql, " AND e.time_us < :until");
    add_sql(sql, " ORDER BY ");
    add_sql(sql, seq);
    add_sql(sql, q->oldest_first ? " LIMIT :limit" : " DESC LIMIT :limit");
}

/* Uppercases an ASCII command name into buf. */
static int upper_command(const char *command, char *buf, size_t size,
                         ts_error *err)
{
    size_t len = strlen(command);

    if (len == 0 || len >= size)
        return ts_error_set(err, TS_EINVAL, "'%s': not a command name",
                            command);
    for (size_t i = 0; i <= len; i++)
        buf[i] = (char)toupper((unsigned char)command[i]);
    return 0;
}

int ts_search(ts_store *store, const ts_search_query *q, ts_search_fn fn,
              void *ctx, size_t *out_n, ts_error *err)
{
    char sql[TS_SEARCH_SQL_MAX], command[TS_SEARCH_COMMAND_MAX];
    int64_t lo = 0, hi = INT64_MAX;
    int has_text = q->text != NULL && *q->text != '\0';
    sqlite3_stmt *st = NULL;
    ts_query_object object;
    ts_buf fts;
    size_t n = 0;
    int rc = 0, step = SQLITE_DONE, driver = BY_ANY;

    if (out_n)
        *out_n = 0;
    ts_buf_init(&fts, TS_SEARCH_TEXT_MAX);
    if (q->after < -1)
        rc = ts_error_set(err, TS_EINVAL, "after: not an entry index");
    if (rc == 0 && q->object)
        rc = ts_query_object_parse(&object, q->object, err);
    if (rc == 0 && q->command)
        rc = upper_command(q->command, command, sizeof(command), err);
    if (rc == 0 && has_text)
        rc = ts_query_fts_text(q->text, &fts, err);
    if (rc == 0 && has_text)
        rc = ts_query_fts_check(store, q->text, (const char *)fts.data, err);
    if (rc == 0 && q->after >= 0) {
        if (q->oldest_first)
            lo = q->after + 1;
        else
            hi = q->after - 1;
    }
    if (rc == 0)
        rc = ts_query_narrow_by_time(store, q->since_us, q->until_us, &lo, &hi,
                                     err);
    if (rc == 0 && has_text && q->session_id)
        rc = narrow_by_session(store, q->session_id, &lo, &hi, err);
    if (rc != 0 || lo > hi)
        goto cleanup;

    if (!has_text)
        rc = choose_driver(store, q, &object, command, lo, hi, &driver, err);
    if (rc != 0)
        goto cleanup;
    build_sql(sql, q, has_text, driver);
    rc = ts_store_prepare(store, sql, &st, "searching", err);
    if (rc != 0)
        goto cleanup;
    if (has_text)
        ts_query_bind_text(st, ":text", (const char *)fts.data);
    ts_query_bind_int64(st, ":lo", lo);
    ts_query_bind_int64(st, ":hi", hi);
    bind_filters(st, q, &object, command);
    ts_query_bind_int64(st, ":since", q->since_us);
    ts_query_bind_int64(st, ":until", q->until_us);
    ts_query_bind_int64(st, ":limit",
                        q->limit ? (int64_t)q->limit : TS_SEARCH_DEFAULT_LIMIT);

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
        rc = ts_store_db_error(store, "searching", err);

cleanup:
    sqlite3_finalize(st);
    ts_buf_release(&fts);
    if (out_n)
        *out_n = n;
    return rc;
}
