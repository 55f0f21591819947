/* Writing events into the index: events, full text, time spans, posting
 * lists, sessions and accounts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

struct ts_index_writer {
    ts_store *store;
    sqlite3_stmt *row;     /* event_rows */
    sqlite3_stmt *details; /* event_details */
    sqlite3_stmt *fts;
    sqlite3_stmt *session;
    sqlite3_stmt *account;
    sqlite3_stmt *span;
    sqlite3_stmt *value_class; /* event_value_classes */
    ts_rollup *rollup;         /* sessions and accounts not yet written */
    ts_completeness *completeness;
    ts_template_writer *templates; /* SQL analysis */
    ts_text_writer *texts;         /* pgAudit records' full text */
    ts_postings_writer *postings;  /* ts_posting_field's fields */
    ts_dict_writer *origins;       /* application, client host and port */
    ts_dict_writer *identities;    /* session, pid, account and database */
    ts_dict_writer *commands;      /* audit class and command */
    ts_ref_writer *reference;      /* reference data */
    ts_pgstat_writer *pgstat;      /* pg_stat snapshots */
    /* The time span of the current bucket's events not yet written. */
    int has_bucket;
    uint64_t bucket;
    int64_t span_min, span_max; /* TS_UNKNOWN_TIME until an event says */
    /* column_classes is rebuilt at a flush after new templates or a
     * catalog snapshot: what it is computed from */
    uint64_t classified_templates;
    int catalog_changed;
};

/* Most distinct sessions and accounts held before writing them early. */
#define TS_ROLLUP_MAX 65536

/* An event: its row, and its details when it has any (schemas/index.sql,
 * "Every event, in two tables"). */
static const char insert_row_sql[] =
    "INSERT INTO event_rows(seq, source_id, line, kind, time_us,"
    " identity_id, session_line, statement_id, substatement_id, command_id,"
    " privileged, parameter, principal, template_id, template_repeat, rows,"
    " text_id, origin_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

/* The columns of event_details: seq, the texts of add_details() in its
 * order, then session_duration_us. */
static const char insert_details_sql[] =
    "INSERT INTO event_details(seq, application, client_host, client_port,"
    " severity, sqlstate, message, detail, query, audit_type, object_type,"
    " object_name, object_table, statement, tls_protocol, tls_cipher,"
    " unparsed_reason, principal_kind, auth_identity, auth_method,"
    " session_duration_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";

/* The text columns of event_details, ?2 to ?20 of insert_details_sql. */
enum { TS_DETAIL_TEXTS = 19 };

static const char insert_value_sql[] =
    "INSERT OR IGNORE INTO event_value_classes(seq, class) VALUES(?1, ?2)";

static const char insert_fts_sql[] =
    "INSERT INTO events_fts(rowid, statement, object_name, message)"
    " VALUES(?1, ?2, ?3, ?4)";

/* A session's identity comes from whichever of its lines first says it;
 * its span from the earliest and latest event times. */
static const char upsert_session_sql[] =
    "INSERT INTO sessions(session_id, source_id, pid, account, database,"
    " application, client_host, tls_protocol, tls_cipher, started_us,"
    " ended_us, n_events, n_statements, auth_failed, first_seq)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15)"
    " ON CONFLICT(session_id) DO UPDATE SET"
    " pid = coalesce(pid, excluded.pid),"
    " account = coalesce(account, excluded.account),"
    " database = coalesce(database, excluded.database),"
    " application = coalesce(application, excluded.application),"
    " client_host = coalesce(client_host, excluded.client_host),"
    " tls_protocol = coalesce(tls_protocol, excluded.tls_protocol),"
    " tls_cipher = coalesce(tls_cipher, excluded.tls_cipher),"
    " started_us = min(coalesce(started_us, excluded.started_us),"
    "                  coalesce(excluded.started_us, started_us)),"
    " ended_us = max(coalesce(ended_us, excluded.ended_us),"
    "                coalesce(excluded.ended_us, ended_us)),"
    " n_events = n_events + excluded.n_events,"
    " n_statements = n_statements + excluded.n_statements,"
    " auth_failed = max(auth_failed, excluded.auth_failed),"
    " first_seq = coalesce(first_seq, excluded.first_seq)";

/* A bucket's span widens when a later batch adds entries to it. */
static const char upsert_span_sql[] =
    "INSERT INTO event_spans(bucket, min_time_us, max_time_us)"
    " VALUES(?1, ?2, ?3) ON CONFLICT(bucket) DO UPDATE SET"
    " min_time_us = min(coalesce(min_time_us, excluded.min_time_us),"
    "                   coalesce(excluded.min_time_us, min_time_us)),"
    " max_time_us = max(coalesce(max_time_us, excluded.max_time_us),"
    "                   coalesce(excluded.max_time_us, max_time_us))";

static const char upsert_account_sql[] =
    "INSERT INTO accounts(name, first_seen_us, last_seen_us, n_events,"
    " n_statements, n_auth_failures) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT(name) DO UPDATE SET"
    " first_seen_us = min(coalesce(first_seen_us, excluded.first_seen_us),"
    "                     coalesce(excluded.first_seen_us, first_seen_us)),"
    " last_seen_us = max(coalesce(last_seen_us, excluded.last_seen_us),"
    "                    coalesce(excluded.last_seen_us, last_seen_us)),"
    " n_events = n_events + excluded.n_events,"
    " n_statements = n_statements + excluded.n_statements,"
    " n_auth_failures = n_auth_failures + excluded.n_auth_failures";

/* Where connections came from, once per distinct tuple (schemas/
 * index.sql, event_origins): a few per session. The memory remembers at
 * most this many, and this many bytes of their keys. */
#define TS_ORIGIN_CACHE_ITEMS 65536
#define TS_ORIGIN_CACHE_BYTES (8u << 20)

static int64_t origin_hash(const char *const *values)
{
    return ts_dict_key_hash(values, 3);
}

static const ts_dict_spec origin_spec = {
    "event_origins",
    {"application", "client_host", "client_port"},
    3,
    origin_hash,
    "indexing origins",
    TS_ORIGIN_CACHE_ITEMS,
    TS_ORIGIN_CACHE_BYTES};

/* Who and where events ran (schemas/index.sql, event_identities): about
 * one tuple per session, found by event_identities_by_session when this
 * writer has not seen it. The memory remembers at most this many. */
#define TS_IDENTITY_CACHE_ITEMS 16384
#define TS_IDENTITY_CACHE_BYTES (2u << 20)

static const ts_dict_spec identity_spec = {
    "event_identities",
    {"session_id", "account", "pid", "database"},
    4,
    NULL,
    "indexing identities",
    TS_IDENTITY_CACHE_ITEMS,
    TS_IDENTITY_CACHE_BYTES};

/* What kind of statement events ran (schemas/index.sql, event_commands):
 * a few dozen pairs, all remembered. */
#define TS_COMMAND_CACHE_ITEMS 4096
#define TS_COMMAND_CACHE_BYTES (256u << 10)

static const ts_dict_spec command_spec = {
    "event_commands",
    {"command", "audit_class", "privileged"},
    3,
    NULL,
    "indexing commands",
    TS_COMMAND_CACHE_ITEMS,
    TS_COMMAND_CACHE_BYTES};

void ts_index_writer_free(ts_index_writer *w)
{
    if (w == NULL)
        return;
    sqlite3_finalize(w->row);
    sqlite3_finalize(w->details);
    sqlite3_finalize(w->fts);
    sqlite3_finalize(w->session);
    sqlite3_finalize(w->account);
    sqlite3_finalize(w->span);
    sqlite3_finalize(w->value_class);
    ts_rollup_free(w->rollup);
    ts_completeness_free(w->completeness);
    ts_template_writer_free(w->templates);
    ts_text_writer_free(w->texts);
    ts_postings_writer_free(w->postings);
    ts_dict_writer_free(w->origins);
    ts_dict_writer_free(w->identities);
    ts_dict_writer_free(w->commands);
    ts_ref_writer_free(w->reference);
    ts_pgstat_writer_free(w->pgstat);
    free(w);
}

int ts_index_writer_new(ts_index_writer **out, ts_store *store, ts_error *err)
{
    ts_index_writer *w = calloc(1, sizeof(*w));
    int rc = 0;

    *out = NULL;
    if (w == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    w->store = store;
    rc = ts_rollup_new(&w->rollup, err);
    if (rc == 0)
        rc = ts_completeness_new(&w->completeness, store, err);
    if (rc == 0)
        rc = ts_template_writer_new(&w->templates, store, err);
    if (rc == 0)
        rc = ts_text_writer_new(&w->texts, store, err);
    if (rc == 0)
        rc = ts_postings_writer_new(&w->postings, store, err);
    if (rc == 0)
        rc = ts_dict_writer_new(&w->origins, store, &origin_spec, err);
    if (rc == 0)
        rc = ts_dict_writer_new(&w->identities, store, &identity_spec, err);
    if (rc == 0)
        rc = ts_dict_writer_new(&w->commands, store, &command_spec, err);
    if (rc == 0)
        rc = ts_ref_writer_new(&w->reference, store, err);
    if (rc == 0)
        rc = ts_pgstat_writer_new(&w->pgstat, store, err);
    if (rc == 0)
        rc = ts_store_prepare(store, insert_row_sql, &w->row, "indexing", err);
    if (rc == 0)
        rc = ts_store_prepare(store, insert_details_sql, &w->details,
                              "indexing", err);
    if (rc == 0)
        rc = ts_store_prepare(store, insert_fts_sql, &w->fts, "indexing", err);
    if (rc == 0)
        rc = ts_store_prepare(store, upsert_session_sql, &w->session,
                              "indexing", err);
    if (rc == 0)
        rc = ts_store_prepare(store, upsert_account_sql, &w->account,
                              "indexing", err);
    if (rc == 0)
        rc =
            ts_store_prepare(store, upsert_span_sql, &w->span, "indexing", err);
    /* Every store opened for writing has the whole schema: made with it,
     * or given what it lacked when upgraded from layout 2 (store.c). */
    if (rc == 0)
        rc = ts_store_prepare(store, insert_value_sql, &w->value_class,
                              "indexing", err);
    if (rc != 0) {
        ts_index_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

static void bind_text(sqlite3_stmt *st, int col, const char *v)
{
    if (v == NULL)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC);
}

/* Binds an integer where a sentinel means "unknown". */
static void bind_int(sqlite3_stmt *st, int col, int64_t v, int64_t unknown)
{
    if (v == unknown)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_int64(st, col, v);
}

/* Writes the current bucket's span, if any. */
static int flush_span(ts_index_writer *w, ts_error *err)
{
    sqlite3_stmt *st = w->span;

    if (!w->has_bucket)
        return 0;
    w->has_bucket = 0;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)w->bucket);
    bind_int(st, 2, w->span_min, TS_UNKNOWN_TIME);
    bind_int(st, 3, w->span_max, TS_UNKNOWN_TIME);
    return ts_store_step_done(w->store, st, "indexing a time span", err);
}

/* Widens the span of seq's bucket by t, writing the previous bucket's span
 * when seq starts a new one. */
static int add_span(ts_index_writer *w, uint64_t seq, int64_t t, ts_error *err)
{
    uint64_t bucket = seq >> TS_SPAN_BITS;
    int rc = 0;

    if (w->has_bucket && w->bucket != bucket)
        rc = flush_span(w, err);
    if (rc != 0)
        return rc;
    if (!w->has_bucket) {
        w->has_bucket = 1;
        w->bucket = bucket;
        w->span_min = w->span_max = TS_UNKNOWN_TIME;
    }
    if (t != TS_UNKNOWN_TIME) {
        if (w->span_min == TS_UNKNOWN_TIME || t < w->span_min)
            w->span_min = t;
        if (w->span_max == TS_UNKNOWN_TIME || t > w->span_max)
            w->span_max = t;
    }
    return 0;
}

/* events.message, NULL for a pgAudit record: every field of "AUDIT:
 * SESSION,1,1,READ,SELECT,TABLE,public.t,<statement>,<parameter>" is in a
 * column of its own (audit_type .. parameter) and the record as read is in
 * the chain, so keeping it here too cost a third of the events table (143
 * of 431 MB at 1M events). Other audit formats (MariaDB, proxies) keep it:
 * their records hold more than the columns do. */
static const char *stored_message(const ts_event *ev)
{
    if (ev->kind == TS_EVENT_AUDIT && ev->statement != NULL &&
        ev->audit_type != NULL && ev->message != NULL &&
        strncmp(ev->message, "AUDIT: ", 7) == 0)
        return NULL;
    return ev->message;
}

/* ev's origin_id (0: no application, client host or port). */
static int origin_id(ts_index_writer *w, const ts_event *ev, int64_t *id,
                     ts_error *err)
{
    const char *values[3] = {ev->application, ev->client_host, ev->client_port};
    int inserted;

    *id = 0;
    if (!values[0] && !values[1] && !values[2])
        return 0;
    return ts_dict_writer_id(w->origins, values, id, &inserted, err);
}

/* ev's identity_id (0: no session, pid, account or database). pid goes
 * as its decimal text, which the column's INTEGER affinity makes a number
 * again, in the row and in the lookup. */
static int identity_id(ts_index_writer *w, const ts_event *ev, int64_t *id,
                       ts_error *err)
{
    char pid[TS_DECIMAL_MAX + 2];
    const char *values[4] = {ev->session_id, ev->account, NULL, ev->database};
    int inserted;

    *id = 0;
    if (ev->pid >= 0) /* by hand: snprintf per event costs (index_dict.c) */
        pid[ts_decimal_encode((uint64_t)ev->pid, pid)] = '\0';
    else if (ev->pid != -1)
        snprintf(pid, sizeof(pid), "%lld", (long long)ev->pid);
    if (ev->pid != -1)
        values[2] = pid;
    if (!values[0] && !values[1] && !values[2] && !values[3])
        return 0;
    return ts_dict_writer_id(w->identities, values, id, &inserted, err);
}

/* A privileged or DDL statement: the term of event_commands.privileged
 * (schemas/index.sql, written the same there and in store.c). */
static int privileged_statement(const char *audit_class, const char *command)
{
    static const char *const classes[] = {"DDL", "ROLE"};
    static const char *const commands[] = {
        "GRANT",     "REVOKE",       "ALTER ROLE",    "CREATE ROLE",
        "DROP ROLE", "ALTER SYSTEM", "TRUNCATE TABLE"};

    for (size_t i = 0; audit_class && i < sizeof(classes) / sizeof(*classes);
         i++)
        if (strcmp(audit_class, classes[i]) == 0)
            return 1;
    for (size_t i = 0; command && i < sizeof(commands) / sizeof(*commands); i++)
        if (strcmp(command, commands[i]) == 0)
            return 1;
    return 0;
}

/* ev's command_id (0: no audit class or command) and whether it is
 * privileged. */
static int command_id(ts_index_writer *w, const ts_event *ev, int64_t *id,
                      int *privileged, ts_error *err)
{
    const char *values[3] = {ev->command, ev->audit_class, NULL};
    int inserted;

    *privileged = privileged_statement(ev->audit_class, ev->command);
    values[2] = *privileged ? "1" : NULL;
    *id = 0;
    if (!values[0] && !values[1])
        return 0;
    return ts_dict_writer_id(w->commands, values, id, &inserted, err);
}

/* A pgAudit record's full text is its statement and object, which repeat
 * across events: indexed once in event_texts, not per event. */
static int has_shared_text(const ts_event *ev)
{
    return ev->kind == TS_EVENT_AUDIT && ev->statement != NULL;
}

static int is_statement(const ts_event *ev)
{
    return ev->kind == TS_EVENT_AUDIT || ev->kind == TS_EVENT_STATEMENT;
}

/* Writes ev's row of event_details when it has a value for any of its
 * columns. text_id and origin say some of them instead (schemas/index.sql). */
static int add_details(ts_index_writer *w, uint64_t seq, const ts_event *ev,
                       const char *otable, int64_t text_id, int64_t origin,
                       ts_error *err)
{
    sqlite3_stmt *st = w->details;
    /* origin != 0: the first three are in event_origins; text_id != 0:
     * severity, sqlstate, audit_type and the object's are in event_texts */
    const char *const texts[TS_DETAIL_TEXTS] = {
        origin != 0 ? NULL : ev->application,
        origin != 0 ? NULL : ev->client_host,
        origin != 0 ? NULL : ev->client_port,
        text_id != 0 ? NULL : ev->severity,
        text_id != 0 ? NULL : ev->sqlstate,
        stored_message(ev),
        ev->detail,
        ev->query,
        text_id != 0 ? NULL : ev->audit_type,
        text_id != 0 ? NULL : ev->object_type,
        text_id != 0 ? NULL : ev->object_name,
        text_id != 0 ? NULL : otable,
        text_id != 0 ? NULL : ev->statement,
        ev->tls_protocol,
        ev->tls_cipher,
        ev->unparsed_reason,
        ev->principal_kind,
        ev->auth_identity,
        ev->auth_method,
    };
    int any = ev->session_duration_us != -1;

    for (int i = 0; !any && i < TS_DETAIL_TEXTS; i++)
        any = texts[i] != NULL;
    if (!any)
        return 0;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    for (int i = 0; i < TS_DETAIL_TEXTS; i++)
        bind_text(st, 2 + i, texts[i]);
    bind_int(st, 2 + TS_DETAIL_TEXTS, ev->session_duration_us, -1);
    return ts_store_step_done(w->store, st, "indexing an event's details", err);
}

int ts_index_writer_add(ts_index_writer *w, uint64_t seq, int64_t source_id,
                        uint64_t line, const ts_event *ev, ts_error *err)
{
    sqlite3_stmt *st = w->row;
    char table[TS_OBJECT_TABLE_MAX];
    const char *otable;
    int64_t template_id, text_id = 0, origin = 0, identity = 0, command = 0;
    int privileged = 0;
    ts_event stat;
    int rc;

    /* a pg_stat row first: its meaning depends on the snapshot before */
    if (ev->pgstat != NULL) {
        rc = ts_pgstat_writer_add(w->pgstat, seq, source_id, ev, &stat, err);
        if (rc != 0)
            return rc;
        ev = &stat;
    }
    /* SQL analysis: the template's row first (written once per template) */
    rc = ts_template_writer_id(w->templates, ev, &template_id, err);
    if (rc != 0)
        return rc;
    otable = ts_object_table(ev->object_name, table, sizeof(table));
    if (has_shared_text(ev)) {
        ts_text_key key = {ev->statement,  ev->object_name, otable,
                           ev->severity,   ev->sqlstate,    ev->audit_type,
                           ev->object_type};
        rc = ts_text_writer_id(w->texts, &key, &text_id, err);
        if (rc != 0)
            return rc;
    }
    rc = origin_id(w, ev, &origin, err);
    if (rc == 0)
        rc = identity_id(w, ev, &identity, err);
    if (rc == 0)
        rc = command_id(w, ev, &command, &privileged, err);
    if (rc != 0)
        return rc;

    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 2, source_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)line);
    sqlite3_bind_int(st, 4, (int)ev->kind);
    bind_int(st, 5, ev->time_us, TS_UNKNOWN_TIME);
    bind_int(st, 6, identity, 0);
    bind_int(st, 7, ev->session_line, -1);
    bind_int(st, 8, ev->statement_id, -1);
    bind_int(st, 9, ev->substatement_id, -1);
    bind_int(st, 10, command, 0);
    bind_int(st, 11, privileged, 0);
    bind_text(st, 12, ev->parameter);
    bind_text(st, 13, ev->principal);
    bind_int(st, 14, template_id, 0);
    bind_int(st, 15, ev->sql_repeat && template_id != 0 ? 1 : 0, 0);
    bind_int(st, 16, ev->rows, -1);
    bind_int(st, 17, text_id, 0);
    bind_int(st, 18, origin, 0);
    rc = ts_store_step_done(w->store, st, "indexing an event", err);
    if (rc == 0)
        rc = add_details(w, seq, ev, otable, text_id, origin, err);
    if (rc == 0 && text_id != 0)
        rc = ts_postings_writer_add(w->postings, TS_POSTING_TEXT, text_id, seq,
                                    err);
    if (rc == 0 && otable != NULL)
        rc = ts_postings_writer_add_text(w->postings, TS_POSTING_OBJECT, otable,
                                         seq, err);
    if (rc == 0 && ev->account != NULL)
        rc = ts_postings_writer_add_text(w->postings, TS_POSTING_ACCOUNT,
                                         ev->account, seq, err);
    if (rc == 0 && ev->command != NULL)
        rc = ts_postings_writer_add_text(w->postings, TS_POSTING_COMMAND,
                                         ev->command, seq, err);
    if (rc == 0 && ev->database != NULL)
        rc = ts_postings_writer_add_text(w->postings, TS_POSTING_DATABASE,
                                         ev->database, seq, err);
    if (rc == 0 && ev->session_id != NULL)
        rc = ts_postings_writer_add_text(w->postings, TS_POSTING_SESSION,
                                         ev->session_id, seq, err);
    if (rc == 0 && template_id != 0)
        rc = ts_postings_writer_add(w->postings, TS_POSTING_TEMPLATE,
                                    template_id, seq, err);

    if (rc == 0 && text_id == 0 &&
        (ev->statement || ev->object_name || ev->message || ev->query)) {
        st = w->fts;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
        bind_text(st, 2, ev->statement ? ev->statement : ev->query);
        bind_text(st, 3, ev->object_name);
        /* A pgAudit record repeats the statement indexed beside it. */
        bind_text(st, 4, ev->kind == TS_EVENT_AUDIT ? NULL : ev->message);
        rc = ts_store_step_done(w->store, st, "indexing full text", err);
    }
    for (size_t i = 0; rc == 0 && i < ev->n_value_classes; i++) {
        sqlite3_bind_int64(w->value_class, 1, (sqlite3_int64)seq);
        bind_text(w->value_class, 2, ev->value_classes[i]);
        rc = ts_store_step_done(w->store, w->value_class,
                                "indexing value classes", err);
    }
    for (size_t i = 0; rc == 0 && i < ev->n_value_hmacs; i++)
        rc = ts_postings_writer_add(w->postings, TS_POSTING_VALUE,
                                    ev->value_hmacs[i], seq, err);
    if (rc == 0 && ev->reference != NULL) {
        w->catalog_changed = 1;
        rc = ts_ref_writer_add(w->reference, seq, source_id, ev, err);
    }
    if (rc == 0)
        rc = add_span(w, seq, ev->time_us, err);
    if (rc == 0)
        rc =
            ts_rollup_add(w->rollup, seq, source_id, ev, is_statement(ev), err);
    if (rc == 0)
        rc = ts_completeness_add(w->completeness, seq, source_id, ev, err);
    if (rc == 0 && ts_rollup_count(w->rollup) >= TS_ROLLUP_MAX)
        rc = ts_index_writer_flush(w, err);
    return rc;
}

int ts_index_writer_flush(ts_index_writer *w, ts_error *err)
{
    int rc = flush_span(w, err);

    if (rc == 0)
        rc = ts_postings_writer_flush(w->postings, err);
    if (rc == 0)
        rc = ts_rollup_flush(w->rollup, w->store, w->session, w->account, err);
    if (rc == 0)
        rc = ts_completeness_flush(w->completeness, err);
    if (rc == 0 &&
        (w->catalog_changed ||
         ts_template_writer_added(w->templates) != w->classified_templates)) {
        rc = ts_index_classes_refresh(w->store, err);
        w->classified_templates = ts_template_writer_added(w->templates);
        w->catalog_changed = 0;
    }
    return rc;
}
