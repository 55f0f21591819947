/* Questions over the index: search access history, sessions, one account's
 * timeline, and who accessed an object. */
#ifndef TRAILSEAL_QUERY_H
#define TRAILSEAL_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/event.h"
#include "trailseal/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What happened to an event. DENIED: a failed login (TS_EVENT_AUTH_FAILURE)
 * or an error with SQLSTATE 42501 (insufficient privilege), 28000 or 28P01
 * (authorization), or a "permission denied" message; ERROR: any other
 * TS_EVENT_ERROR; OK: every other event. */
typedef enum ts_outcome {
    TS_OUTCOME_ANY = 0, /* as a filter: no filter */
    TS_OUTCOME_OK = 1,
    TS_OUTCOME_ERROR = 2,
    TS_OUTCOME_DENIED = 3
} ts_outcome;

/* The stable name of an outcome: "ok", "error", "denied" ("any" for 0). */
const char *ts_outcome_name(ts_outcome outcome);

/* Parses "ok", "error" or "denied"; -1 for anything else. */
int ts_outcome_parse(const char *name);

/* A search. Every condition given must hold. Results come in entry order
 * (the order entries were sealed: each source's own order, which is time
 * order for a log file), newest first unless oldest_first. */
typedef struct ts_search_query {
    const char *text;     /* full-text query over statements, object names
                             and messages (FTS5: "phrase", prefix*, OR, NOT,
                             NEAR, column:); plain words must all appear;
                             NULL = any */
    const char *account;  /* exact database account */
    const char *object;   /* "schema.table" or "table", case-insensitive:
                             events whose object_name is that table */
    const char *database; /* exact database name */
    const char *session_id;
    const char *source;  /* a source's name as ingested, or its last path
                            components ("pg.log" matches "/var/log/pg.log") */
    const char *command; /* SELECT, CREATE TABLE, ... (case-insensitive) */
    int kind;            /* a ts_event_kind, or -1 for any */
    ts_outcome outcome;  /* TS_OUTCOME_ANY = no filter */
    int64_t since_us;    /* inclusive; INT64_MIN = open */
    int64_t until_us;    /* exclusive; INT64_MAX = open */
    int oldest_first;    /* 0: newest first */
    int64_t after;       /* keyset paging: only entries after this entry
                            index in the result order; -1 = from the start */
    size_t limit;        /* 0 = 100 */
    const char *who;     /* an identity's name: events of its accounts in
                            the newest identities snapshot; NULL = any */
    const char *identity_kind; /* human, agent or service: events of the
                                  accounts of such identities; NULL = any */
    const char *principal;     /* exact proxy principal (a Teleport user...) */
    const char *column;        /* schema.table.column: statements that read or
                                  wrote it (one event per statement); NULL = any */
    const char *data_class;    /* a data class (schemas/index.sql,
                                  column_classes; or a value class such as
                                  us_ssn): statements that read or wrote a
                                  column of it or whose values matched it (one
                                  event per statement); NULL = any */
    const char *value; /* an exact literal or parameter value, found by its
                          HMAC (event_value_hmacs): needs the store opened
                          with its key; NULL = any */
} ts_search_query;

/* Sets q to "everything": no filters, newest first, default limit. */
void ts_search_query_init(ts_search_query *q);

/* One event. Strings are borrowed until the callback returns; NULL when
 * the event does not say. */
typedef struct ts_search_row {
    uint64_t entry_index; /* prove it with `trailseal prove --index N` */
    int64_t time_us;      /* TS_UNKNOWN_TIME when unknown */
    ts_event_kind kind;
    ts_outcome outcome;
    const char *source; /* source name (path) */
    uint64_t line;      /* first line of the entry in its source */
    const char *session_id;
    const char *account;
    const char *database;
    const char *application;
    const char *client_host;
    const char *command;
    const char *object_name;
    const char *statement; /* the statement, or an error's STATEMENT: line */
    const char *message;
    const char *sqlstate;
    const char *unparsed_reason; /* TS_EVENT_UNPARSED: why */
    const char *principal;       /* proxies: the person or agent behind */
    const char *principal_kind;  /* human, agent, service */
} ts_search_row;

/* Called for each row in order; return nonzero to stop early. */
typedef int (*ts_search_fn)(void *ctx, const ts_search_row *row);

/* Runs q, calling fn for each row. A malformed full-text query is
 * TS_EINVAL with a one-line message that quotes it; a bad argument (empty
 * object name, after < -1) is TS_EINVAL too. *out_n (may be NULL) receives
 * the number of rows delivered. */
int ts_search(ts_store *store, const ts_search_query *q, ts_search_fn fn,
              void *ctx, size_t *out_n, ts_error *err);

/* Sessions that were open during a period. */
typedef struct ts_sessions_query {
    const char *account; /* NULL = any */
    int64_t since_us;    /* sessions still open at or after it */
    int64_t until_us;    /* sessions started before it */
    int oldest_first;    /* 0: the latest start first */
    size_t limit;        /* 0 = 100 */
    const char *who;     /* an identity: sessions of its accounts; NULL any */
} ts_sessions_query;

void ts_sessions_query_init(ts_sessions_query *q);

/* One database session (PostgreSQL %c). Strings borrowed until the
 * callback returns. Times are TS_UNKNOWN_TIME when no event said. */
typedef struct ts_session_row {
    const char *session_id;
    const char *source;
    int64_t pid; /* -1 unknown */
    const char *account;
    const char *database;
    const char *application;
    const char *client_host;
    const char *tls_protocol; /* NULL: no TLS seen */
    const char *tls_cipher;
    int64_t started_us; /* first event of the session */
    int64_t ended_us;   /* last event of the session */
    uint64_t n_events;
    uint64_t n_statements; /* audit and statement events */
    int auth_failed;
    const char *identity; /* the identity owning the account (newest
                             identities snapshot), NULL when none */
    int64_t first_entry;  /* entry index of its first event; -1 none */
} ts_session_row;

typedef int (*ts_session_fn)(void *ctx, const ts_session_row *row);

/* Lists sessions matching q, newest start first (or oldest). */
int ts_sessions(ts_store *store, const ts_sessions_query *q, ts_session_fn fn,
                void *ctx, size_t *out_n, ts_error *err);

/* One account's events (connections, statements, errors, disconnections
 * of every session and source) in time order, ties in entry order, events
 * with no known time last. A page reads about LIMIT rows of the index,
 * however many the account has (see event_spans in schemas/index.sql). */
typedef struct ts_timeline_query {
    const char *account; /* this account, or: */
    int64_t since_us;
    int64_t until_us;
    int64_t after;   /* only events after this entry in the timeline; -1 */
    size_t limit;    /* 0 = 1000 */
    const char *who; /* an identity: the events of all its accounts (one of
                        account and who is required) */
} ts_timeline_query;

void ts_timeline_query_init(ts_timeline_query *q);

/* Runs q; rows as for ts_search. TS_EINVAL when neither account nor who
 * is given, or after names no entry. */
int ts_timeline(ts_store *store, const ts_timeline_query *q, ts_search_fn fn,
                void *ctx, size_t *out_n, ts_error *err);

/* Who accessed an object in a period. */
typedef struct ts_who_query {
    const char *object; /* "schema.table" or "table"; exactly one of object,
                           column and data_class is required */
    int64_t since_us;
    int64_t until_us;
    const char *who;        /* only the accounts of this identity; NULL = any */
    const char *column;     /* schema.table.column: who read or wrote it */
    const char *data_class; /* who read or wrote a column of this class, or
                               sent values of it (as ts_search_query) */
} ts_who_query;

void ts_who_query_init(ts_who_query *q);

/* One account's access to one object (an unqualified name may match
 * several). Strings borrowed until the callback returns. */
typedef struct ts_who_row {
    const char *account; /* NULL when the events name no account */
    const char *object_name;
    uint64_t n_events;
    uint64_t n_reads;  /* pgAudit class READ */
    uint64_t n_writes; /* pgAudit class WRITE */
    uint64_t n_sessions;
    int64_t first_us;
    int64_t last_us;
    uint64_t last_entry_index; /* the newest such event, to prove */
    /* column and data_class queries: the identity behind the account (the
     * session's, newest identities snapshot) or the proxy's principal, NULL
     * when unknown; object_name is the column, NULL for statements whose
     * values were of the class; n_events counts statements, n_reads and
     * n_writes those that read or wrote the column. */
    const char *identity;
} ts_who_row;

typedef int (*ts_who_fn)(void *ctx, const ts_who_row *row);

/* The accounts whose events name q->object (or, by identity and account,
 * who read or wrote q->column or a column of q->data_class), most events
 * first. TS_EINVAL when not exactly one of them is given, or for a bad
 * column name or an unknown class. */
int ts_who(ts_store *store, const ts_who_query *q, ts_who_fn fn, void *ctx,
           size_t *out_n, ts_error *err);

/* Checks that `who` names an identity of the newest identities snapshot:
 * TS_EINVAL with a one-line message when not (or when none was loaded). */
int ts_query_identity_check(ts_store *store, const char *who, ts_error *err);

/* Whether s is an identity kind: human, agent or service. */
int ts_identity_kind_valid(const char *s);

/* One catalog snapshot of the store (trailseal collect --catalog, load
 * catalog) as the SQL analysis reads it. */
typedef struct ts_catalog_snapshot {
    int64_t snapshot_id; /* ref_snapshots.id */
    int64_t taken_us;    /* when it was taken */
    char *json;          /* schemas/catalog.schema.md, NUL-terminated; owned */
    size_t len;
} ts_catalog_snapshot;

/* The store's catalog snapshots that list columns, oldest first, each
 * rebuilt from the index into the analysis catalog JSON; a snapshot equal
 * to the one before it is left out. *out (NULL when there are none) is the
 * caller's, released with ts_catalog_snapshots_free(). */
int ts_query_catalog_snapshots(ts_store *store, ts_catalog_snapshot **out,
                               size_t *n_out, ts_error *err);
void ts_catalog_snapshots_free(ts_catalog_snapshot *snaps, size_t n);

#ifdef __cplusplus
}
#endif
#endif
