/* Search: filters and full text over the index, rows in time order. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "query/query_internal.h"
#include "store/store_internal.h"
#include "trailseal/query.h"

#define TS_SEARCH_SQL_MAX 4096
#define TS_SEARCH_TEXT_MAX 4096

void ts_search_query_init(ts_search_query *q)
{
    memset(q, 0, sizeof(*q));
    q->kind = -1;
    q->since_us = INT64_MIN;
    q->until_us = INT64_MAX;
}

static int has_fts_syntax(const char *text)
{
    static const char *const operators[] = {"AND", "OR", "NOT", "NEAR"};
    const char *p = text;

    if (strpbrk(text, "\"*^:()+") != NULL)
        return 1;
    while (*p) {
        size_t n;
        while (*p == ' ' || *p == '\t')
            p++;
        n = strcspn(p, " \t");
        for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++)
            if (n == strlen(operators[i]) && strncmp(p, operators[i], n) == 0)
                return 1;
        p += n;
    }
    return 0;
}

int ts_query_fts_text(const char *text, ts_buf *out, ts_error *err)
{
    const char *p = text;
    int rc = 0, first = 1;

    if (has_fts_syntax(text))
        return ts_buf_append(out, text, strlen(text) + 1, err);
    while (rc == 0 && *p) {
        size_t n;
        while (*p == ' ' || *p == '\t')
            p++;
        n = strcspn(p, " \t");
        if (n == 0)
            break;
        if (!first)
            rc = ts_buf_append_byte(out, ' ', err);
        first = 0;
        if (rc == 0)
            rc = ts_buf_append_byte(out, '"', err);
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = ts_buf_append(out, p[i] == '"' ? "\"\"" : &p[i],
                               p[i] == '"' ? 2 : 1, err);
        if (rc == 0)
            rc = ts_buf_append_byte(out, '"', err);
        p += n;
    }
    if (rc == 0)
        rc = ts_buf_append_byte(out, '\0', err);
    return rc;
}

static const char *column_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

/* Appends a WHERE clause piece; the pieces are fixed text, values are bound. */
static void add_clause(char *sql, const char *clause)
{
    size_t len = strlen(sql);
    snprintf(sql + len, TS_SEARCH_SQL_MAX - len, "%s", clause);
}

int ts_search(ts_store *store, const ts_search_query *q, ts_search_fn fn,
              void *ctx, size_t *out_n, ts_error *err)
{
    char sql[TS_SEARCH_SQL_MAX];
    const char *object_tail = NULL;
    sqlite3_stmt *st = NULL;
    ts_buf fts, object_fts;
    size_t n = 0;
    int rc = 0, step;

    if (out_n)
        *out_n = 0;
    ts_buf_init(&fts, TS_SEARCH_TEXT_MAX);
    ts_buf_init(&object_fts, TS_SEARCH_TEXT_MAX);
    snprintf(sql, sizeof(sql),
             "SELECT e.seq, e.time_us, e.kind, s.name, e.line, e.session_id,"
             " e.account, e.database, e.application, e.client_host, e.command,"
             " e.object_name, coalesce(e.statement, e.query), e.message"
             " FROM events e JOIN sources s ON s.id = e.source_id WHERE 1");
    if (q->text && *q->text) {
        rc = ts_query_fts_text(q->text, &fts, err);
        add_clause(sql, " AND e.seq IN (SELECT rowid FROM events_fts"
                        " WHERE events_fts MATCH ?1)");
    }
    if (q->account)
        add_clause(sql, " AND e.account = ?2");
    if (q->object) {
        /* Rows that name their object match it, qualified or not; rows that
         * do not (pgAudit SESSION reads without log_relation) match on the
         * statement text naming the table: best effort until statements
         * are analysed. */
        object_tail = strrchr(q->object, '.');
        object_tail = object_tail ? object_tail + 1 : q->object;
        if (rc == 0)
            rc = ts_query_fts_text(object_tail, &object_fts, err);
        add_clause(sql,
                   " AND (e.object_name = ?3 OR e.object_name LIKE '%.' || ?4"
                   " OR (e.object_name IS NULL AND e.kind IN (2, 8) AND"
                   " e.seq IN (SELECT rowid FROM events_fts"
                   " WHERE events_fts MATCH 'statement : ' || ?5)))");
    }
    if (q->database)
        add_clause(sql, " AND e.database = ?6");
    if (q->session_id)
        add_clause(sql, " AND e.session_id = ?7");
    if (q->kind >= 0)
        add_clause(sql, " AND e.kind = ?8");
    if (q->since_us != INT64_MIN)
        add_clause(sql, " AND e.time_us >= ?9");
    if (q->until_us != INT64_MAX)
        add_clause(sql, " AND e.time_us < ?10");
    add_clause(sql, " ORDER BY e.time_us, e.seq LIMIT ?11 OFFSET ?12");

    if (rc == 0)
        rc = ts_store_prepare(store, sql, &st, "searching", err);
    if (rc != 0)
        goto cleanup;
    if (q->text && *q->text)
        sqlite3_bind_text(st, 1, (const char *)fts.data, -1, SQLITE_STATIC);
    if (q->account)
        sqlite3_bind_text(st, 2, q->account, -1, SQLITE_STATIC);
    if (q->object) {
        sqlite3_bind_text(st, 3, q->object, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, object_tail, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, (const char *)object_fts.data, -1,
                          SQLITE_STATIC);
    }
    if (q->database)
        sqlite3_bind_text(st, 6, q->database, -1, SQLITE_STATIC);
    if (q->session_id)
        sqlite3_bind_text(st, 7, q->session_id, -1, SQLITE_STATIC);
    if (q->kind >= 0)
        sqlite3_bind_int(st, 8, q->kind);
    if (q->since_us != INT64_MIN)
        sqlite3_bind_int64(st, 9, q->since_us);
    if (q->until_us != INT64_MAX)
        sqlite3_bind_int64(st, 10, q->until_us);
    sqlite3_bind_int64(st, 11, q->limit ? (sqlite3_int64)q->limit : 100);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)q->offset);

    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        ts_search_row row;
        row.entry_index = (uint64_t)sqlite3_column_int64(st, 0);
        row.time_us = sqlite3_column_type(st, 1) == SQLITE_NULL
                          ? INT64_MIN
                          : sqlite3_column_int64(st, 1);
        row.kind = (ts_event_kind)sqlite3_column_int(st, 2);
        row.source = column_text(st, 3);
        row.line = (uint64_t)sqlite3_column_int64(st, 4);
        row.session_id = column_text(st, 5);
        row.account = column_text(st, 6);
        row.database = column_text(st, 7);
        row.application = column_text(st, 8);
        row.client_host = column_text(st, 9);
        row.command = column_text(st, 10);
        row.object_name = column_text(st, 11);
        row.statement = column_text(st, 12);
        row.message = column_text(st, 13);
        n++;
        if (fn(ctx, &row) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE) {
        const char *msg = sqlite3_errmsg(ts_store_sqlite(store));
        if (strstr(msg, "fts5") != NULL || strstr(msg, "syntax") != NULL)
            rc = ts_error_set(err, TS_EINVAL, "bad search text '%s': %s",
                              q->text ? q->text : "", msg);
        else
            rc = ts_store_db_error(store, "searching", err);
    }

cleanup:
    sqlite3_finalize(st);
    ts_buf_release(&fts);
    ts_buf_release(&object_fts);
    if (out_n)
        *out_n = n;
    return rc;
}
