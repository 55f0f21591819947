/* Sessions and accounts of one batch, summed in memory: one upsert per
 * distinct session or account at commit instead of one per event. */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* Both sums start with their key, as ts_strmap wants. */
typedef struct session_sum {
    char *id;
    int64_t source_id, pid;
    char *account, *database, *application, *client_host;
    char *tls_protocol, *tls_cipher;
    int64_t started_us, ended_us; /* TS_UNKNOWN_TIME when no event said */
    int64_t n_events, n_statements;
    int auth_failed;
    uint64_t first_seq; /* its first event in the batch */
} session_sum;

typedef struct account_sum {
    char *name;
    int64_t first_us, last_us;
    int64_t n_events, n_statements, n_auth_failures;
} account_sum;

struct ts_rollup {
    ts_strmap session_map, account_map;
    session_sum *sessions;
    account_sum *accounts;
    size_t sessions_size, accounts_size;
};

int ts_rollup_new(ts_rollup **out, ts_error *err)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : ts_error_set(err, TS_ENOMEM, "out of memory");
}

static void clear(ts_rollup *r)
{
    for (size_t i = 0; i < r->session_map.n; i++) {
        session_sum *s = &r->sessions[i];
        free(s->id);
        free(s->account);
        free(s->database);
        free(s->application);
        free(s->client_host);
        free(s->tls_protocol);
        free(s->tls_cipher);
    }
    for (size_t i = 0; i < r->account_map.n; i++)
        free(r->accounts[i].name);
    if (r->session_map.n_buckets > 0)
        memset(r->session_map.buckets, 0,
               r->session_map.n_buckets * sizeof(size_t));
    if (r->account_map.n_buckets > 0)
        memset(r->account_map.buckets, 0,
               r->account_map.n_buckets * sizeof(size_t));
    r->session_map.n = 0;
    r->account_map.n = 0;
}

void ts_rollup_free(ts_rollup *r)
{
    if (r == NULL)
        return;
    clear(r);
    ts_strmap_release(&r->session_map);
    ts_strmap_release(&r->account_map);
    free(r->sessions);
    free(r->accounts);
    free(r);
}

size_t ts_rollup_count(const ts_rollup *r)
{
    return r->session_map.n + r->account_map.n;
}

/* Keeps the first value an event gives: *field is NULL until then. */
static int keep_first(char **field, const char *value, ts_error *err)
{
    if (*field != NULL || value == NULL)
        return 0;
    *field = strdup(value);
    return *field ? 0 : ts_error_set(err, TS_ENOMEM, "out of memory");
}

static void widen(int64_t *lo, int64_t *hi, int64_t t)
{
    if (t == TS_UNKNOWN_TIME)
        return;
    if (*lo == TS_UNKNOWN_TIME || t < *lo)
        *lo = t;
    if (*hi == TS_UNKNOWN_TIME || t > *hi)
        *hi = t;
}

int ts_rollup_add(ts_rollup *r, uint64_t seq, int64_t source_id,
                  const ts_event *ev, int is_statement, ts_error *err)
{
    size_t slot = 0;
    int created, rc = 0;

    if (ev->session_id != NULL) {
        rc = ts_strmap_slot(&r->session_map, ev->session_id,
                            (void **)&r->sessions, &r->sessions_size,
                            sizeof(session_sum), &slot, &created, err);
        if (rc != 0)
            return rc;
        session_sum *s = &r->sessions[slot];
        if (created) {
            s->source_id = source_id;
            s->pid = -1;
            s->started_us = s->ended_us = TS_UNKNOWN_TIME;
            s->first_seq = seq;
        }
        if (s->pid < 0)
            s->pid = ev->pid;
        rc = keep_first(&s->account, ev->account, err);
        if (rc == 0)
            rc = keep_first(&s->database, ev->database, err);
        if (rc == 0)
            rc = keep_first(&s->application, ev->application, err);
        if (rc == 0)
            rc = keep_first(&s->client_host, ev->client_host, err);
        if (rc == 0)
            rc = keep_first(&s->tls_protocol, ev->tls_protocol, err);
        if (rc == 0)
            rc = keep_first(&s->tls_cipher, ev->tls_cipher, err);
        widen(&s->started_us, &s->ended_us, ev->time_us);
        s->n_events++;
        s->n_statements += is_statement;
        if (ev->kind == TS_EVENT_AUTH_FAILURE)
            s->auth_failed = 1;
    }
    if (rc == 0 && ev->account != NULL) {
        rc = ts_strmap_slot(&r->account_map, ev->account, (void **)&r->accounts,
                            &r->accounts_size, sizeof(account_sum), &slot,
                            &created, err);
        if (rc != 0)
            return rc;
        account_sum *a = &r->accounts[slot];
        if (created) {
            a->first_us = a->last_us = TS_UNKNOWN_TIME;
        }
        widen(&a->first_us, &a->last_us, ev->time_us);
        a->n_events++;
        a->n_statements += is_statement;
        a->n_auth_failures += ev->kind == TS_EVENT_AUTH_FAILURE;
    }
    return rc;
}

static void bind_text(sqlite3_stmt *st, int col, const char *v)
{
    if (v == NULL)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC);
}

static void bind_time(sqlite3_stmt *st, int col, int64_t t)
{
    if (t == TS_UNKNOWN_TIME)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_int64(st, col, t);
}

static int step(ts_store *store, sqlite3_stmt *st, const char *what,
                ts_error *err)
{
    int rc = sqlite3_step(st) == SQLITE_DONE
                 ? 0
                 : ts_store_db_error(store, what, err);
    sqlite3_reset(st);
    return rc;
}

int ts_rollup_flush(ts_rollup *r, ts_store *store, sqlite3_stmt *session,
                    sqlite3_stmt *account, ts_error *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < r->session_map.n; i++) {
        const session_sum *s = &r->sessions[i];
        bind_text(session, 1, s->id);
        sqlite3_bind_int64(session, 2, s->source_id);
        if (s->pid < 0)
            sqlite3_bind_null(session, 3);
        else
            sqlite3_bind_int64(session, 3, s->pid);
        bind_text(session, 4, s->account);
        bind_text(session, 5, s->database);
        bind_text(session, 6, s->application);
        bind_text(session, 7, s->client_host);
        bind_text(session, 8, s->tls_protocol);
        bind_text(session, 9, s->tls_cipher);
        bind_time(session, 10, s->started_us);
        bind_time(session, 11, s->ended_us);
        sqlite3_bind_int64(session, 12, s->n_events);
        sqlite3_bind_int64(session, 13, s->n_statements);
        sqlite3_bind_int(session, 14, s->auth_failed);
        sqlite3_bind_int64(session, 15, (sqlite3_int64)s->first_seq);
        rc = step(store, session, "indexing a session", err);
    }
    for (size_t i = 0; rc == 0 && i < r->account_map.n; i++) {
        const account_sum *a = &r->accounts[i];
        bind_text(account, 1, a->name);
        bind_time(account, 2, a->first_us);
        bind_time(account, 3, a->last_us);
        sqlite3_bind_int64(account, 4, a->n_events);
        sqlite3_bind_int64(account, 5, a->n_statements);
        sqlite3_bind_int64(account, 6, a->n_auth_failures);
        rc = step(store, account, "indexing an account", err);
    }
    if (rc == 0)
        clear(r);
    return rc;
}
