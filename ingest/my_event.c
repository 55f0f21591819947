/* Events of the MySQL-family readers: logins, statements and errors, the
 * session of a connection, and Percona audit_log records (JSON or CSV). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/time.h"

/* "create_table" -> "CREATE TABLE": the server's own statement class. */
const char *ts_my_sql_command(ts_arena *arena, const char *s)
{
    char *d;
    size_t n;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    d = ts_arena_take(arena, n + 1);
    if (d == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i] == '_'                    ? ' '
               : (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32)
                                              : s[i];
    d[n] = '\0';
    return d;
}

/* Percona writes users as "priv_user[user] @ host [ip]": the account is
 * the part before '['. */
const char *ts_my_account_of(ts_arena *arena, const char *user)
{
    const char *b;

    if (user == NULL)
        return NULL;
    b = strchr(user, '[');
    if (b == NULL)
        return user;
    while (b > user && b[-1] == ' ')
        b--;
    return b > user ? ts_arena_strndup(arena, user, (size_t)(b - user)) : NULL;
}

void ts_my_session(ts_my_conns *conns, ts_event *ev, int64_t conn, int starts,
                   int ends, ts_arena *arena)
{
    int64_t start_us;
    char when[40];

    if (conn <= 0)
        return; /* servers number connections from 1; 0 is the server */
    ev->pid = conn;
    if (starts && ev->time_us != TS_UNKNOWN_TIME)
        ts_my_conns_put(conns, conn, ev->time_us);
    if (ts_my_conns_get(conns, conn, &start_us)) {
        ts_my_time_id(start_us, when, sizeof(when));
        ev->session_id = ts_arena_printf(arena, "%" PRId64 "@%s", conn, when);
        if (ends && ev->time_us != TS_UNKNOWN_TIME && ev->time_us >= start_us)
            ev->session_duration_us = ev->time_us - start_us;
    } else {
        ev->session_id = ts_arena_printf(arena, "%" PRId64, conn);
    }
    if (ends)
        ts_my_conns_remove(conns, conn);
}

static const char *error_message(ts_arena *arena, int64_t code,
                                 const ts_my_error *e, const char *what)
{
    return ts_arena_printf(arena, "%s (MySQL error %" PRId64 "%s%s)", what,
                           code, e->name != NULL ? " " : "",
                           e->name != NULL ? e->name : "");
}

/* A connect (or change of user) that succeeded or failed. */
void ts_my_login_event(ts_event *ev, int64_t status, ts_arena *arena)
{
    ts_my_error e = ts_my_error_lookup(status);

    if (status == 0) {
        ev->kind = TS_EVENT_CONNECTION_AUTHORIZED;
        ev->message = "connection authorized";
        return;
    }
    ev->kind = TS_EVENT_AUTH_FAILURE;
    ev->severity = "ERROR";
    ev->sqlstate = e.sqlstate;
    ev->message =
        error_message(arena, status, &e,
                      e.permission ? "access denied" : "connection failed");
}

/* A statement that ran (status 0) or failed. */
void ts_my_statement_event(ts_event *ev, const char *sql, int64_t status,
                           const char *cmd_class, ts_arena *arena)
{
    char cmd[TS_MY_COMMAND_SIZE];

    ev->audit_class = ts_my_command(sql, strlen(sql), cmd);
    ev->command = cmd_class != NULL ? ts_my_sql_command(arena, cmd_class)
                  : cmd[0] != '\0'  ? ts_arena_strndup(arena, cmd, strlen(cmd))
                                    : NULL;
    if (status <= 0) {
        ev->kind = TS_EVENT_STATEMENT;
        ev->statement = sql;
        return;
    }
    ts_my_error e = ts_my_error_lookup(status);
    ev->kind = TS_EVENT_ERROR;
    ev->severity = "ERROR";
    ev->query = sql;
    if (e.permission) {
        ev->sqlstate = "42501"; /* as for MariaDB: see docs/cli/ingest.md */
        ev->message = error_message(arena, status, &e, "permission denied");
    } else {
        ev->sqlstate = e.sqlstate;
        ev->message = error_message(arena, status, &e, "error");
    }
}

int64_t ts_my_parse_time(const char *s)
{
    int64_t us;

    return s != NULL && ts_time_parse(s, &us, NULL) == 0 ? us : TS_UNKNOWN_TIME;
}

void ts_percona_event(ts_event *ev, const ts_percona_record *r,
                      ts_my_conns *conns, ts_arena *arena)
{
    const char *name = r->name != NULL ? r->name : "";

    ev->time_us = ts_my_parse_time(r->timestamp);
    if (ev->time_us == TS_UNKNOWN_TIME) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "no valid timestamp in the audit record";
        return;
    }
    ev->severity = "LOG";
    ev->kind = TS_EVENT_LOG;
    ev->account = ts_my_account_of(arena, r->user);
    ev->client_host = r->ip != NULL ? r->ip : r->host;
    ev->database = r->db;
    if (!r->has_sqltext) {
        /* Connect, Quit, Change user; Audit and NoAudit have no id */
        int connect = strcmp(name, "Connect") == 0;
        int quit = strcmp(name, "Quit") == 0;
        if (connect || strcmp(name, "Change user") == 0) {
            ts_my_login_event(ev, r->status, arena);
        } else if (quit) {
            ev->kind = TS_EVENT_DISCONNECTION;
            ev->message = "disconnection";
        } else {
            ev->message = r->name;
        }
        ts_my_session(conns, ev, r->connection_id, connect, quit, arena);
        return;
    }
    ts_my_session(conns, ev, r->connection_id, 0, 0, arena);
    if (r->sqltext != NULL) {
        ts_my_statement_event(ev, r->sqltext, r->status, r->command_class,
                              arena);
        return;
    }
    /* a command without text (Ping, Init DB, ...) */
    ev->command = ts_my_sql_command(arena, r->name);
    ev->message = r->name;
}
