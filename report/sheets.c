/* The workbook's data sheets: one query over the documented index views and
 * its columns each. The SQL here is what an auditor can re-run. */
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

/* Events in the report's scope: the period (open periods also take events
 * of unknown time) and entries covered by the cover's checkpoint. */
#define IN_SCOPE(e)                                                            \
    " ((" e ".time_us >= :since AND " e ".time_us < :until)"                   \
    " OR (:open AND " e ".time_us IS NULL))"                                   \
    " AND " e ".entry_index < :max_seq "

#define SHEET_COLS(a) a, sizeof(a) / sizeof(a[0])

static const ts_sheet_col privileged_cols[] = {
    {"time", 28, TS_COL_TIME},      {"account", 16, TS_COL_TEXT},
    {"database", 14, TS_COL_TEXT},  {"application", 16, TS_COL_TEXT},
    {"client", 16, TS_COL_TEXT},    {"class", 8, TS_COL_TEXT},
    {"command", 16, TS_COL_TEXT},   {"object", 28, TS_COL_TEXT},
    {"statement", 80, TS_COL_TEXT}, {"entry_index", 12, TS_COL_INT}};

/* IN_SCOPE, but +e.entry_index: the entry bound is no seek, so the planner
 * takes events_privileged, in time order, over events_by_kind with the
 * bound on its rowid and a sort after (which it chose through index layout
 * 15's view: 10M events, 0.08 -> 4.4 s) */
static const char privileged_sql[] =
    "SELECT e.time_us, e.account, e.database, e.application, e.client_host,"
    "       e.audit_class, e.command, e.object_name, e.statement,"
    "       e.entry_index"
    "  FROM v_privileged AS e"
    " WHERE ((e.time_us >= :since AND e.time_us < :until)"
    "        OR (:open AND e.time_us IS NULL))"
    "   AND +e.entry_index < :max_seq"
    " ORDER BY e.time_us, e.entry_index";

/* Accesses per account and table. pgAudit logs one statement as both a
 * SESSION and an OBJECT record when both are on: count statements, not
 * records (session, statement, substatement; the entry when unknown). */
static const ts_sheet_col personal_summary_cols[] = {
    {"account", 16, TS_COL_TEXT},      {"table", 28, TS_COL_TEXT},
    {"data classes", 24, TS_COL_TEXT}, {"reads", 10, TS_COL_INT},
    {"writes", 10, TS_COL_INT},        {"first", 28, TS_COL_TIME},
    {"last", 28, TS_COL_TIME}};

#define STATEMENT_KEY(e)                                                       \
    "coalesce(" e ".session_id || ':' || " e ".statement_id || ':' || " e      \
    ".substatement_id, 'entry:' || " e ".entry_index)"

static const char personal_summary_sql[] =
    "SELECT e.account, e.object_name, p.value,"
    "       count(DISTINCT CASE WHEN e.audit_class = 'READ'"
    "             THEN " STATEMENT_KEY(
        "e") " END),"
             "       count(DISTINCT CASE WHEN e.audit_class = 'WRITE'"
             "             THEN " STATEMENT_KEY(
                 "e") " END),"
                      "       min(e.time_us), max(e.time_us)"
                      "  FROM json_each(:tables) AS p"
                      "  CROSS JOIN v_audit AS e ON e.object_name = p.key"
                      " WHERE" IN_SCOPE(
                          "e") " GROUP BY e.account, e.object_name"
                               " ORDER BY e.account, e.object_name";

static const ts_sheet_col personal_detail_cols[] = {
    {"time", 28, TS_COL_TIME},        {"account", 16, TS_COL_TEXT},
    {"table", 28, TS_COL_TEXT},       {"data classes", 24, TS_COL_TEXT},
    {"class", 8, TS_COL_TEXT},        {"command", 14, TS_COL_TEXT},
    {"audit type", 10, TS_COL_TEXT},  {"database", 14, TS_COL_TEXT},
    {"application", 16, TS_COL_TEXT}, {"client", 16, TS_COL_TEXT},
    {"statement", 80, TS_COL_TEXT},   {"entry_index", 12, TS_COL_INT}};

static const char personal_detail_sql[] =
    "SELECT e.time_us, e.account, e.object_name, p.value, e.audit_class,"
    "       e.command, e.audit_type, e.database, e.application,"
    "       e.client_host, e.statement, e.entry_index"
    "  FROM json_each(:tables) AS p"
    "  CROSS JOIN v_audit AS e ON e.object_name = p.key"
    " WHERE" IN_SCOPE("e") " ORDER BY e.time_us, e.entry_index";

static const ts_sheet_col failed_cols[] = {
    {"time", 28, TS_COL_TIME},     {"account", 16, TS_COL_TEXT},
    {"database", 14, TS_COL_TEXT}, {"client", 16, TS_COL_TEXT},
    {"message", 80, TS_COL_TEXT},  {"entry_index", 12, TS_COL_INT}};

static const char failed_sql[] =
    "SELECT e.time_us, e.account, e.database, e.client_host, e.message,"
    "       e.entry_index"
    "  FROM v_failed_logins AS e"
    " WHERE" IN_SCOPE("e") " ORDER BY e.time_us, e.entry_index";

static const ts_sheet_col denied_cols[] = {
    {"time", 28, TS_COL_TIME},      {"account", 16, TS_COL_TEXT},
    {"database", 14, TS_COL_TEXT},  {"application", 16, TS_COL_TEXT},
    {"message", 60, TS_COL_TEXT},   {"query", 80, TS_COL_TEXT},
    {"entry_index", 12, TS_COL_INT}};

static const char denied_sql[] =
    "SELECT e.time_us, e.account, e.database, e.application, e.message,"
    "       e.query, e.entry_index"
    "  FROM v_permission_denied AS e"
    " WHERE" IN_SCOPE("e") " ORDER BY e.time_us, e.entry_index";

/* The account inventory is all-time (the accounts table); accounts not
 * seen during the period are left out, and the period's own counts are
 * beside the all-time ones: events over the UTC days the period touches
 * (v_event_days; every event when the period is open), failed logins
 * exactly. */
static const ts_sheet_col account_cols[] = {
    {"account", 20, TS_COL_TEXT},
    {"first seen", 28, TS_COL_TIME},
    {"last seen", 28, TS_COL_TIME},
    {"events (all time)", 16, TS_COL_INT},
    {"statements (all time)", 18, TS_COL_INT},
    {"auth failures (all time)", 20, TS_COL_INT},
    {"events in period's days", 18, TS_COL_INT},
    {"auth failures in period", 20, TS_COL_INT}};

static const char account_sql[] =
    "SELECT a.name, a.first_seen_us, a.last_seen_us, a.n_events,"
    "       a.n_statements, a.n_auth_failures,"
    "       CASE WHEN :open THEN a.n_events ELSE"
    "       (SELECT coalesce(sum(d.events), 0) FROM v_event_days AS d"
    "         WHERE d.account = a.name"
    "           AND (d.day + 1) * 86400000000 > :since"
    "           AND d.day * 86400000000 < :until"
    "           AND d.first_entry_index < :max_seq) END,"
    "       (SELECT count(*) FROM v_failed_logins AS e"
    "         WHERE e.account = a.name AND" IN_SCOPE(
        "e") ")"
             "  FROM accounts AS a"
             " WHERE :open OR (a.first_seen_us < :until AND a.last_seen_us >= :since)"
             " ORDER BY a.name";

const ts_sheet_def ts_report_sheet_defs[] = {
    {"Privileged & DDL", privileged_sql, SHEET_COLS(privileged_cols)},
    {"Personal data access", personal_summary_sql,
     SHEET_COLS(personal_summary_cols)},
    {"Personal data detail", personal_detail_sql,
     SHEET_COLS(personal_detail_cols)},
    {"Failed logins", failed_sql, SHEET_COLS(failed_cols)},
    {"Permission denied", denied_sql, SHEET_COLS(denied_cols)},
    {"Accounts", account_sql, SHEET_COLS(account_cols)},
};

const size_t ts_report_n_sheet_defs =
    sizeof(ts_report_sheet_defs) / sizeof(ts_report_sheet_defs[0]);

static void bind_int64(sqlite3_stmt *stmt, const char *name, int64_t value)
{
    int i = sqlite3_bind_parameter_index(stmt, name);
    if (i > 0)
        sqlite3_bind_int64(stmt, i, value);
}

int ts_report_write_sheet(ts_xlsx *x, ts_sheet *s, sqlite3 *db,
                          const ts_sheet_def *def, const ts_report_scope *scope,
                          const char *tables_json, ts_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int i, rc;

    if (sqlite3_prepare_v2(db, def->sql, -1, &stmt, NULL) != SQLITE_OK)
        return ts_error_set(err, TS_EDB, "sheet '%s': preparing its query: %s",
                            def->name, sqlite3_errmsg(db));
    bind_int64(stmt, ":since", scope->since_us);
    bind_int64(stmt, ":until", scope->until_us);
    bind_int64(stmt, ":open", scope->open);
    bind_int64(stmt, ":max_seq", scope->max_seq);
    i = sqlite3_bind_parameter_index(stmt, ":tables");
    if (i > 0)
        sqlite3_bind_text(stmt, i, tables_json, -1, SQLITE_STATIC);
    rc = ts_sheet_write_query(x, s, stmt, def->cols, def->n_cols, err);
    sqlite3_finalize(stmt);
    return rc;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
int ts_json_string(ts_buf *out, const char *text, ts_error *err)
{
    int rc = ts_buf_append_byte(out, '"', err);

    for (const unsigned char *p = (const unsigned char *)text; rc == 0 && *p;
         p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            rc = ts_buf_append(out, esc, 2, err);
        } else if (*p < 0x20) {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
            rc = ts_buf_append(out, esc, 6, err);
        } else {
            rc = ts_buf_append_byte(out, *p, err);
        }
    }
    if (rc == 0)
        rc = ts_buf_append_byte(out, '"', err);
    return rc;
}

int ts_report_tables_json(const ts_personal_tables *tables,
                          const ts_controls *controls, ts_buf *out,
                          ts_error *err)
{
    char classes[1024];
    int rc = ts_buf_append_byte(out, '{', err);

    for (size_t i = 0; rc == 0 && i < tables->n_tables; i++) {
        ts_personal_table_classes(&tables->tables[i], controls, classes,
                                  sizeof(classes));
        if (i > 0)
            rc = ts_buf_append_byte(out, ',', err);
        if (rc == 0)
            rc = ts_json_string(out, tables->tables[i].name, err);
        if (rc == 0)
            rc = ts_buf_append_byte(out, ':', err);
        if (rc == 0)
            rc = ts_json_string(out, classes, err);
    }
    if (rc == 0)
        rc = ts_buf_append_byte(out, '}', err);
    if (rc == 0)
        rc = ts_buf_terminate(out, err);
    return rc;
}
