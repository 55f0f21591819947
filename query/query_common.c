/* Pieces every query shares: reading an event row, outcomes, object names,
 * time ranges as entry ranges, and full-text queries. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "query/query_internal.h"
#include "store/store_internal.h"

static const char *column_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

void ts_query_read_row(sqlite3_stmt *st, ts_search_row *row)
{
    row->entry_index = (uint64_t)sqlite3_column_int64(st, 0);
    row->time_us = sqlite3_column_type(st, 1) == SQLITE_NULL
                       ? TS_UNKNOWN_TIME
                       : sqlite3_column_int64(st, 1);
    row->kind = (ts_event_kind)sqlite3_column_int(st, 2);
    row->source = column_text(st, 3);
    row->line = (uint64_t)sqlite3_column_int64(st, 4);
    row->session_id = column_text(st, 5);
    row->account = column_text(st, 6);
    row->database = column_text(st, 7);
    row->application = column_text(st, 8);
    row->client_host = column_text(st, 9);
    row->command = column_text(st, 10);
    row->object_name = column_text(st, 11);
    row->statement = column_text(st, 12);
    row->message = column_text(st, 13);
    row->sqlstate = column_text(st, 14);
    row->unparsed_reason = column_text(st, 15);
    row->principal = column_text(st, 16);
    row->principal_kind = column_text(st, 17);
    row->outcome = ts_query_outcome(row->kind, row->sqlstate, row->message);
}

const char *ts_outcome_name(ts_outcome outcome)
{
    switch (outcome) {
    case TS_OUTCOME_OK:
        return "ok";
    case TS_OUTCOME_ERROR:
        return "error";
    case TS_OUTCOME_DENIED:
        return "denied";
    default:
        return "any";
    }
}

int ts_outcome_parse(const char *name)
{
    for (int o = TS_OUTCOME_OK; o <= TS_OUTCOME_DENIED; o++)
        if (strcmp(name, ts_outcome_name((ts_outcome)o)) == 0)
            return o;
    return -1;
}

/* Must agree with TS_QUERY_DENIED and TS_QUERY_ERROR. */
ts_outcome ts_query_outcome(ts_event_kind kind, const char *sqlstate,
                            const char *message)
{
    if (kind == TS_EVENT_AUTH_FAILURE)
        return TS_OUTCOME_DENIED;
    if (kind != TS_EVENT_ERROR)
        return TS_OUTCOME_OK;
    if (sqlstate != NULL &&
        (strcmp(sqlstate, "42501") == 0 || strcmp(sqlstate, "28000") == 0 ||
         strcmp(sqlstate, "28P01") == 0))
        return TS_OUTCOME_DENIED;
    if (message != NULL && strncasecmp(message, "permission denied", 17) == 0)
        return TS_OUTCOME_DENIED;
    return TS_OUTCOME_ERROR;
}

int ts_query_object_parse(ts_query_object *out, const char *object,
                          ts_error *err)
{
    size_t len = object ? strlen(object) : 0;
    const char *dot;

    if (len == 0)
        return ts_error_set(err, TS_EINVAL, "empty object name");
    if (len >= TS_QUERY_OBJECT_MAX)
        return ts_error_set(err, TS_EINVAL, "object name longer than %d bytes",
                            TS_QUERY_OBJECT_MAX - 1);
    for (size_t i = 0; i <= len; i++)
        out->bare[i] = (char)tolower((unsigned char)object[i]);
    dot = strchr(out->bare, '.');
    if (dot == NULL) {
        out->full[0] = '\0';
        out->tail = out->bare;
        return 0;
    }
    if (dot[1] == '\0' || dot == out->bare)
        return ts_error_set(err, TS_EINVAL,
                            "'%s': not an object name (schema.table or table)",
                            object);
    memcpy(out->full, out->bare, len + 1);
    out->tail = out->full + (dot - out->bare) + 1;
    return 0;
}

/* Layout 11 moved them to event_texts (schemas/index.sql); coalesce reads
 * the text only for an event that lacks them. */
const char *ts_query_object_name_sql(int index_version)
{
    return index_version >= 11 ? "coalesce(e.object_name, (SELECT t.object_name"
                                 " FROM event_texts t WHERE t.id = e.text_id))"
                               : "e.object_name";
}

const char *ts_query_object_table_sql(int index_version)
{
    return index_version >= 11
               ? "coalesce(e.object_table, (SELECT t.object_table"
                 " FROM event_texts t WHERE t.id = e.text_id))"
               : "e.object_table";
}

const char *ts_query_event_rows_sql(int index_version)
{
    if (index_version >= 17)
        return "(SELECT r.*, i.session_id, i.pid, i.account, i.database,"
               " c.audit_class, c.command FROM event_rows r"
               " LEFT JOIN event_identities i ON i.id = r.identity_id"
               " LEFT JOIN event_commands c ON c.id = r.command_id)";
    if (index_version >= 16)
        return "(SELECT r.*, i.session_id, i.pid, i.account, i.database"
               " FROM event_rows r"
               " LEFT JOIN event_identities i ON i.id = r.identity_id)";
    return index_version >= 15 ? "event_rows" : "events";
}

const char *ts_query_texts_join_sql(int index_version)
{
    return index_version >= 11
               ? " LEFT JOIN event_texts et ON et.id = e.text_id"
               : "";
}

const char *ts_query_joined_object_name_sql(int index_version)
{
    return index_version >= 11 ? "coalesce(e.object_name, et.object_name)"
                               : "e.object_name";
}

int ts_query_narrow_by_time(ts_store *store, int64_t since, int64_t until,
                            int64_t *lo, int64_t *hi, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t max_seq = -1, max_bucket = -1;
    int rc;

    if (since == INT64_MIN && until == INT64_MAX)
        return 0;
    rc = ts_store_prepare(store,
                          "SELECT (SELECT max(seq) FROM events),"
                          " (SELECT max(bucket) FROM event_spans)",
                          &st, "searching", err);
    if (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            max_seq = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL)
            max_bucket = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != 0 || max_seq < 0 || max_bucket < (max_seq >> TS_SPAN_BITS))
        return rc;
    rc = ts_store_prepare(store,
                          "SELECT min(bucket), max(bucket) FROM event_spans"
                          " WHERE max_time_us >= ?1 AND min_time_us < ?2",
                          &st, "searching", err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, until);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = ts_store_db_error(store, "searching", err);
    } else if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
        *lo = 1; /* no event has a time in the range */
        *hi = 0;
    } else {
        int64_t b_lo = sqlite3_column_int64(st, 0) << TS_SPAN_BITS;
        int64_t b_hi = ((sqlite3_column_int64(st, 1) + 1) << TS_SPAN_BITS) - 1;
        if (b_lo > *lo)
            *lo = b_lo;
        if (b_hi < *hi)
            *hi = b_hi;
    }
    sqlite3_finalize(st);
    return rc;
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

/* Says what is wrong with a full-text query in our words: SQLite's are
 * about its own syntax ("fts5: syntax error near ..."). */
static const char *fts_problem(const char *msg, char *buf, size_t size)
{
    const char *near = strstr(msg, "syntax error near ");
    const char *column = strstr(msg, "no such column: ");

    if (near != NULL && strcmp(near, "syntax error near \"\"") == 0)
        return "it ends where a word or phrase should follow";
    if (near != NULL) {
        if (snprintf(buf, size, "unexpected %s",
                     near + strlen("syntax error near ")) < 0)
            return "unexpected text";
        return buf;
    }
    if (column != NULL) {
        if (snprintf(buf, size,
                     "'%s:' is not a column (statement, object_name, "
                     "message)",
                     column + strlen("no such column: ")) < 0)
            return "unknown column";
        return buf;
    }
    if (strstr(msg, "unterminated") != NULL)
        return "unterminated quoted phrase";
    return "unbalanced quotes, parentheses or operators";
}

int ts_query_fts_check(ts_store *store, const char *text, const char *fts,
                       ts_error *err)
{
    sqlite3_stmt *st = NULL;
    char why[160];
    int rc, step;

    /* rowid < 0 matches nothing: FTS5 still parses the query. */
    rc = ts_store_prepare(store,
                          "SELECT rowid FROM events_fts WHERE events_fts"
                          " MATCH ?1 AND rowid < 0",
                          &st, "searching", err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        rc = ts_error_set(err, TS_EINVAL,
                          "search text '%s' is not a valid query: %s", text,
                          fts_problem(sqlite3_errmsg(ts_store_sqlite(store)),
                                      why, sizeof(why)));
    sqlite3_finalize(st);
    return rc;
}

void ts_query_bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);

    if (i > 0)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

void ts_query_bind_int64(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);

    if (i > 0)
        sqlite3_bind_int64(st, i, v);
}
