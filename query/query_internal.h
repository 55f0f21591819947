/* Private declarations of the query module: pieces search, timeline and
 * who share. */
#ifndef TS_QUERY_INTERNAL_H
#define TS_QUERY_INTERNAL_H

#include <stddef.h>

#include <sqlite3.h>

#include "common/common.h"
#include "trailseal/query.h"
#include "trailseal/store.h"

/* Longest object name a query takes. */
#define TS_QUERY_OBJECT_MAX 256

/* The columns ts_query_read_row() reads, from `events e`, in its order. A
 * pgAudit record's statement is in event_texts (index layout 4), its
 * object name and SQLSTATE too (layout 11), an event's application and client
 * host in event_origins (layout 6): v_events, which every layout has, reads
 * them. */
#define TS_QUERY_ROW_COLUMNS                                                   \
    "e.seq, e.time_us, e.kind,"                                                \
    " (SELECT name FROM sources WHERE id = e.source_id), e.line,"              \
    " e.session_id, e.account, e.database,"                                    \
    " coalesce(e.application, (SELECT v.application FROM v_events v"           \
    " WHERE v.entry_index = e.seq)),"                                          \
    " coalesce(e.client_host, (SELECT v.client_host FROM v_events v"           \
    " WHERE v.entry_index = e.seq)),"                                          \
    " e.command, coalesce(e.object_name, (SELECT v.object_name FROM v_events"  \
    " v WHERE v.entry_index = e.seq)),"                                        \
    " coalesce(e.statement, (SELECT v.statement FROM v_events v"               \
    " WHERE v.entry_index = e.seq), e.query), e.message,"                      \
    " coalesce(e.sqlstate, (SELECT v.sqlstate FROM v_events v"                 \
    " WHERE v.entry_index = e.seq)),"                                          \
    " e.unparsed_reason, e.principal, e.principal_kind"

/* An event's object name and its table part (events.object_table) as SQL
 * over `events e`, for a store of index layout `index_version`: from layout
 * 11 an event of a text (text_id) leaves both to event_texts. */
const char *ts_query_object_name_sql(int index_version);
const char *ts_query_object_table_sql(int index_version);
/* The same name for SQL that reads many events: it joins the texts once
 * (ts_query_texts_join_sql after `events e`, as `et`) instead of a
 * subquery for each use. */
const char *ts_query_texts_join_sql(int index_version);
/* What to read as `events e` when only the columns of event_rows and
 * event_identities are read (index layout 15: schemas/index.sql, "Every
 * event, in two tables"): the table (from layout 16 joined to its
 * identities, from 17 to its commands too), whose rows the view would join to
 * event_details one by one in a query that groups (SQLite 3.40 drops an unused
 * LEFT JOIN only from a query that does not); the view before layout 15. */
const char *ts_query_event_rows_sql(int index_version);
const char *ts_query_joined_object_name_sql(int index_version);

/* An event's outcome as SQL conditions over `events e`. */
#define TS_QUERY_DENIED_ERROR                                                  \
    "(e.kind = 7 AND coalesce(e.sqlstate IN ('42501', '28000', '28P01')"       \
    " OR e.message LIKE 'permission denied%', 0))"
#define TS_QUERY_DENIED "(e.kind = 6 OR " TS_QUERY_DENIED_ERROR ")"
#define TS_QUERY_ERROR                                                         \
    "(e.kind = 7 AND NOT coalesce(e.sqlstate IN ('42501', '28000', '28P01')"   \
    " OR e.message LIKE 'permission denied%', 0))"
#define TS_QUERY_OK "e.kind NOT IN (6, 7)"

/* The accounts of identity :who, and of identities of kind :ikind, in
 * the newest identities snapshot (schemas/index.sql, reference data). */
#define TS_QUERY_WHO_ACCOUNTS                                                  \
    "(SELECT account FROM v_identity_accounts WHERE identity = :who)"
/* The events or sessions (table alias T, e.g. "e.") that SESSION_TERM
 * holds (those of the sessions a proxy attributes to someone), and those
 * ACCOUNT_TERM holds (an account's) that are in no session a proxy
 * attributes to someone. */
#define TS_QUERY_PROXY_OR_ACCOUNT(T, SESSION_TERM, ACCOUNT_TERM)               \
    "(" SESSION_TERM " OR (" ACCOUNT_TERM " AND (" T                           \
    "session_id IS NULL OR " T                                                 \
    "session_id NOT IN (SELECT session_id FROM v_session_principal))))"
/* The events `e` of the accounts ACCOUNTS (a subquery), from their posting
 * lists: events has no index on account (layout 8). Materialized once per
 * run of the statement: for SQL that walks them, not for a per-row check
 * run once per row (which reads e.account). */
#define TS_QUERY_ACCOUNTS_EVENTS(ACCOUNTS)                                     \
    "e.seq IN (SELECT p.seq FROM ts_postings p WHERE p.field = 'account'"      \
    " AND p.value IN " ACCOUNTS ")"
/* The same for the sessions SESSIONS: events has no index on session_id
 * (layout 12). */
#define TS_QUERY_SESSIONS_EVENTS(SESSIONS)                                     \
    "e.seq IN (SELECT p.seq FROM ts_postings p WHERE p.field = 'session'"      \
    " AND p.value IN " SESSIONS ")"
/* The sessions a proxy attributes to the identity :who (its principal
 * being its name or one of its accounts). */
#define TS_QUERY_WHO_SESSIONS                                                  \
    "(SELECT sp.session_id FROM v_session_principal sp"                        \
    " WHERE sp.principal = :who OR sp.principal IN " TS_QUERY_WHO_ACCOUNTS ")"
/* The events or sessions (table alias T, e.g. "e.", or "+e." to keep
 * SQLite from walking an index for them) of the identity :who: the
 * sessions a proxy attributes to it, and the rest of its accounts'
 * activity, leaving out sessions a proxy attributes to someone (a bot on
 * Alice's account is the bot's, not Alice's). */
#define TS_QUERY_WHO_MATCH(T)                                                  \
    TS_QUERY_PROXY_OR_ACCOUNT(T, T "session_id IN " TS_QUERY_WHO_SESSIONS,     \
                              T "account IN " TS_QUERY_WHO_ACCOUNTS)
/* The same for events `e`, for SQL that walks them: the sessions' and
 * accounts' events from their posting lists. */
#define TS_QUERY_WHO_EVENTS                                                    \
    TS_QUERY_PROXY_OR_ACCOUNT("e.",                                            \
                              TS_QUERY_SESSIONS_EVENTS(TS_QUERY_WHO_SESSIONS), \
                              TS_QUERY_ACCOUNTS_EVENTS(TS_QUERY_WHO_ACCOUNTS))
#define TS_QUERY_KIND_ACCOUNTS                                                 \
    "(SELECT a.account FROM v_identity_accounts a JOIN v_identities i"         \
    " ON i.name = a.identity WHERE i.kind = :ikind)"
/* The sessions a proxy attributes to an identity of kind :ikind (the
 * registered identity's kind, else what the proxy said). */
#define TS_QUERY_KIND_SESSIONS                                                 \
    "(SELECT sp.session_id FROM v_session_principal sp"                        \
    " LEFT JOIN v_identities i ON i.name = coalesce((SELECT min(a.identity)"   \
    " FROM v_identity_accounts a WHERE a.account = sp.principal),"             \
    " sp.principal) WHERE coalesce(i.kind, sp.principal_kind) = :ikind)"
/* TS_QUERY_WHO_MATCH and TS_QUERY_WHO_EVENTS for the identities of kind
 * :ikind. */
#define TS_QUERY_KIND_MATCH(T)                                                 \
    TS_QUERY_PROXY_OR_ACCOUNT(T, T "session_id IN " TS_QUERY_KIND_SESSIONS,    \
                              T "account IN " TS_QUERY_KIND_ACCOUNTS)
#define TS_QUERY_KIND_EVENTS                                                   \
    TS_QUERY_PROXY_OR_ACCOUNT(                                                 \
        "e.", TS_QUERY_SESSIONS_EVENTS(TS_QUERY_KIND_SESSIONS),                \
        TS_QUERY_ACCOUNTS_EVENTS(TS_QUERY_KIND_ACCOUNTS))

/* Statements (one row per pgAudit statement) that read or wrote column
 * :column, or a column of data class :class, or whose values matched
 * :class (schemas/index.sql: template_access, column_classes,
 * event_value_classes), as conditions over `events e`: _MATCH checks
 * each row's template, _EVENTS finds the rows from the templates' posting
 * lists (index layout 13: no index on events.template_id), for when no
 * other filter walks. */
#define TS_QUERY_COLUMN_TEMPLATES                                              \
    "(SELECT template_id FROM template_access"                                 \
    " WHERE object IN (:column, lower(:column)) AND level = 'column')"
#define TS_QUERY_CLASS_TEMPLATES                                               \
    "(SELECT a.template_id FROM column_classes c JOIN template_access a"       \
    " ON a.object = c.column_name AND a.level = 'column'"                      \
    " WHERE c.class = :class)"
#define TS_QUERY_TEMPLATES_EVENTS(TEMPLATES)                                   \
    "e.seq IN (SELECT p.seq FROM ts_postings p WHERE p.field = 'template'"     \
    " AND p.value IN " TEMPLATES " AND p.seq BETWEEN :lo AND :hi)"
#define TS_QUERY_VALUE_CLASS_EVENTS                                            \
    "e.seq IN (SELECT seq FROM event_value_classes WHERE class = :class)"
#define TS_QUERY_COLUMN_MATCH                                                  \
    "(e.template_repeat IS NULL"                                               \
    " AND e.template_id IN " TS_QUERY_COLUMN_TEMPLATES ")"
#define TS_QUERY_COLUMN_EVENTS                                                 \
    "(e.template_repeat IS NULL"                                               \
    " AND " TS_QUERY_TEMPLATES_EVENTS(TS_QUERY_COLUMN_TEMPLATES) ")"
#define TS_QUERY_CLASS_MATCH                                                     \
    "(e.template_repeat IS NULL AND (e.template_id IN " TS_QUERY_CLASS_TEMPLATES \
    " OR " TS_QUERY_VALUE_CLASS_EVENTS "))"
#define TS_QUERY_CLASS_EVENTS                                                  \
    "(e.template_repeat IS NULL"                                               \
    " AND (" TS_QUERY_TEMPLATES_EVENTS(                                        \
        TS_QUERY_CLASS_TEMPLATES) " OR " TS_QUERY_VALUE_CLASS_EVENTS "))"

/* Checks a --column value (schema.table.column): TS_EINVAL otherwise. */
int ts_query_column_check(const char *column, ts_error *err);

/* Checks a --class value: a value detector's class (email, us_ssn, ...)
 * or a class the index knows (class_rules, column_classes); TS_EINVAL with
 * a one-line message otherwise. */
int ts_query_class_check(ts_store *store, const char *cls, ts_error *err);

/* Fills row from the current result row of st, selected with
 * TS_QUERY_ROW_COLUMNS; strings borrowed until st steps again. */
void ts_query_read_row(sqlite3_stmt *st, ts_search_row *row);

/* The outcome of an event (see ts_outcome). */
ts_outcome ts_query_outcome(ts_event_kind kind, const char *sqlstate,
                            const char *message);

/* An object filter, normalised as store/index.c fills object_table:
 * lowercased; tail is the name after the first '.', full the whole name
 * when it has a schema ("" otherwise). */
typedef struct ts_query_object {
    char full[TS_QUERY_OBJECT_MAX];
    const char *tail; /* points into full, or into bare */
    char bare[TS_QUERY_OBJECT_MAX];
} ts_query_object;

/* Normalises an --object value; TS_EINVAL when empty or too long. */
int ts_query_object_parse(ts_query_object *out, const char *object,
                          ts_error *err);

/* Narrows [*lo, *hi] (entry indexes, inclusive) to the buckets of
 * event_spans whose events may have a time in [since, until): every event
 * in that time range lies inside. *lo > *hi when none can. Leaves the range
 * alone when both ends are open or the spans do not cover the whole index
 * (a store written before they existed). */
int ts_query_narrow_by_time(ts_store *store, int64_t since, int64_t until,
                            int64_t *lo, int64_t *hi, ts_error *err);

/* Turns what a person typed into an FTS5 query: plain words become quoted
 * terms that must all appear; text using FTS5 syntax (quotes, *, ^, :, (),
 * AND/OR/NOT/NEAR) is passed through. Appends a NUL-terminated query to out. */
int ts_query_fts_text(const char *text, ts_buf *out, ts_error *err);

/* Checks that fts (made from what the person typed, `text`) is a valid FTS5
 * query: TS_EINVAL with a one-line message naming text and the problem,
 * never SQLite's own wording, when it is not. */
int ts_query_fts_check(ts_store *store, const char *text, const char *fts,
                       ts_error *err);

/* Binds v to the named parameter, when the statement has it. */
void ts_query_bind_text(sqlite3_stmt *st, const char *name, const char *v);
void ts_query_bind_int64(sqlite3_stmt *st, const char *name, int64_t v);

#endif
