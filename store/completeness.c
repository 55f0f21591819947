/* Completeness facts: following each session's own numbering (%l and
 * csvlog's session_line_num; pgAudit's statement id) across entries,
 * batches, runs and sources, and recording where it skips, goes back, or
 * carries over from one source into another (log rotation). */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* Where a session's numbering stood after its newest record. */
typedef struct session_cursor {
    char *session_id; /* first, as ts_strmap wants */
    int64_t source_id;
    int64_t seq;          /* entry index of the newest record, -1 none */
    int64_t line;         /* its last line number, -1 none */
    int64_t statement_id; /* its last pgAudit statement id, -1 none */
    int dirty;
} session_cursor;

struct ts_completeness {
    ts_store *store;
    ts_strmap map;
    session_cursor *cursors;
    size_t cursors_size;
    sqlite3_stmt *load, *save, *fact, *carry;
};

static const char load_sql[] =
    "SELECT source_id, seq, session_line, statement_id"
    " FROM session_sequences WHERE session_id = ?1";

static const char save_sql[] =
    "INSERT INTO session_sequences(session_id, source_id, seq, session_line,"
    " statement_id) VALUES(?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(session_id) DO UPDATE SET source_id = excluded.source_id,"
    " seq = excluded.seq, session_line = excluded.session_line,"
    " statement_id = excluded.statement_id";

static const char fact_sql[] =
    "INSERT INTO completeness_facts(kind, sequence, session_id, source_id, seq,"
    " prev_source_id, prev_seq, expected, found)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static const char carry_sql[] =
    "INSERT INTO source_continuations(prev_source_id, source_id, sessions,"
    " first_seq) VALUES(?1, ?2, 1, ?3)"
    " ON CONFLICT(prev_source_id, source_id) DO UPDATE SET"
    " sessions = sessions + 1, first_seq = min(first_seq, excluded.first_seq)";

int ts_completeness_new(ts_completeness **out, ts_store *store, ts_error *err)
{
    ts_completeness *c = calloc(1, sizeof(*c));
    int rc;

    *out = NULL;
    if (c == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    c->store = store;
    rc =
        ts_store_prepare(store, load_sql, &c->load, "following sequences", err);
    if (rc == 0)
        rc = ts_store_prepare(store, save_sql, &c->save, "following sequences",
                              err);
    if (rc == 0)
        rc = ts_store_prepare(store, fact_sql, &c->fact,
                              "recording completeness", err);
    if (rc == 0)
        rc = ts_store_prepare(store, carry_sql, &c->carry,
                              "recording completeness", err);
    if (rc != 0) {
        ts_completeness_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void forget_all(ts_completeness *c)
{
    for (size_t i = 0; i < c->map.n; i++)
        free(c->cursors[i].session_id);
    c->map.n = 0;
    if (c->map.n_buckets > 0)
        memset(c->map.buckets, 0, c->map.n_buckets * sizeof(size_t));
}

void ts_completeness_free(ts_completeness *c)
{
    if (c == NULL)
        return;
    forget_all(c);
    ts_strmap_release(&c->map);
    free(c->cursors);
    sqlite3_finalize(c->load);
    sqlite3_finalize(c->save);
    sqlite3_finalize(c->fact);
    sqlite3_finalize(c->carry);
    free(c);
}

static int64_t column_or(sqlite3_stmt *st, int col, int64_t none)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL
               ? none
               : sqlite3_column_int64(st, col);
}

/* Fills a new cursor from where an earlier batch or run left the session. */
static int load(ts_completeness *c, session_cursor *k, ts_error *err)
{
    sqlite3_stmt *st = c->load;
    int rc = 0, step;

    k->source_id = -1;
    k->seq = k->line = k->statement_id = -1;
    sqlite3_bind_text(st, 1, k->session_id, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        k->source_id = sqlite3_column_int64(st, 0);
        k->seq = sqlite3_column_int64(st, 1);
        k->line = column_or(st, 2, -1);
        k->statement_id = column_or(st, 3, -1);
    } else if (step != SQLITE_DONE) {
        rc = ts_store_db_error(c->store, "following sequences", err);
    }
    sqlite3_reset(st);
    return rc;
}

static void bind_or_null(sqlite3_stmt *st, int col, int64_t v)
{
    if (v < 0)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_int64(st, col, v);
}

static int step_done(ts_completeness *c, sqlite3_stmt *st, const char *what,
                     ts_error *err)
{
    int rc = sqlite3_step(st) == SQLITE_DONE
                 ? 0
                 : ts_store_db_error(c->store, what, err);
    sqlite3_reset(st);
    return rc;
}

static int record(ts_completeness *c, const char *kind, const char *sequence,
                  const session_cursor *k, int64_t source_id, uint64_t seq,
                  int64_t expected, int64_t found, ts_error *err)
{
    sqlite3_stmt *st = c->fact;

    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sequence, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, k->session_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, source_id);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)seq);
    bind_or_null(st, 6, k->seq >= 0 ? k->source_id : -1);
    bind_or_null(st, 7, k->seq);
    bind_or_null(st, 8, expected);
    sqlite3_bind_int64(st, 9, found);
    return step_done(c, st, "recording completeness", err);
}

/* One number of a sequence against the session's previous one (-1 none).
 * Numbers may repeat (several pgAudit rows per statement) but never skip or
 * go back; after either, counting goes on from the number found, so one
 * hole or one file ingested out of order is one fact. A session first met
 * part way through began before anything ingested; met before without this
 * sequence, its first number should have been 1. */
static int check(ts_completeness *c, const char *sequence,
                 const session_cursor *k, int64_t previous, int64_t found,
                 int64_t source_id, uint64_t seq, ts_error *err)
{
    if (previous >= 0) {
        if (found > previous + 1)
            return record(c, "gap", sequence, k, source_id, seq, previous + 1,
                          found, err);
        if (found < previous)
            return record(c, "reordered", sequence, k, source_id, seq,
                          previous + 1, found, err);
        return 0;
    }
    if (found <= 1)
        return 0;
    return record(c, k->seq >= 0 ? "gap" : "began_earlier", sequence, k,
                  source_id, seq, 1, found, err);
}

int ts_completeness_add(ts_completeness *c, uint64_t seq, int64_t source_id,
                        const ts_event *ev, ts_error *err)
{
    int64_t stmt = ev->kind == TS_EVENT_AUDIT ? ev->statement_id : -1;
    session_cursor *k;
    size_t slot;
    int created, rc;

    if (ev->session_id == NULL)
        return 0;
    rc = ts_strmap_slot(&c->map, ev->session_id, (void **)&c->cursors,
                        &c->cursors_size, sizeof(session_cursor), &slot,
                        &created, err);
    if (rc != 0)
        return rc;
    k = &c->cursors[slot];
    if (created) {
        rc = load(c, k, err);
        if (rc != 0)
            return rc;
    }
    if (k->seq >= 0 && k->source_id != source_id) {
        sqlite3_bind_int64(c->carry, 1, k->source_id);
        sqlite3_bind_int64(c->carry, 2, source_id);
        sqlite3_bind_int64(c->carry, 3, (sqlite3_int64)seq);
        rc = step_done(c, c->carry, "recording completeness", err);
    }
    if (rc == 0 && ev->session_line >= 0) {
        int64_t last = ev->session_line_last >= ev->session_line
                           ? ev->session_line_last
                           : ev->session_line;
        rc = check(c, "session_line", k, k->line, ev->session_line, source_id,
                   seq, err);
        k->line = last;
    }
    if (rc == 0 && stmt >= 0) {
        rc = check(c, "pgaudit_statement_id", k, k->statement_id, stmt,
                   source_id, seq, err);
        k->statement_id = stmt;
    }
    k->source_id = source_id;
    k->seq = (int64_t)seq;
    k->dirty = 1;
    return rc;
}

int ts_completeness_flush(ts_completeness *c, ts_error *err)
{
    sqlite3_stmt *st = c->save;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < c->map.n; i++) {
        const session_cursor *k = &c->cursors[i];
        if (!k->dirty)
            continue;
        sqlite3_bind_text(st, 1, k->session_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, k->source_id);
        sqlite3_bind_int64(st, 3, k->seq);
        bind_or_null(st, 4, k->line);
        bind_or_null(st, 5, k->statement_id);
        rc = step_done(c, st, "following sequences", err);
    }
    /* Saved: the next batch reloads the sessions it meets. */
    if (rc == 0)
        forget_all(c);
    return rc;
}
