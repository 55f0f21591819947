/* Teleport database audit events (JSON lines, as the audit log and its
 * exporters write them) mapped to events. */
#include <jansson.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* Field names and codes follow Teleport's database access audit event
 * reference: db.session.start (TDB00I, TDB00W when denied),
 * db.session.query (TDB02I) and db.session.query.failed (TDB02W),
 * db.session.end (TDB01I), and the PostgreSQL extended protocol's
 * db.session.postgres.parse/bind/execute/close/function (TPG00I-TPG04I).
 * `user` is the Teleport user (a person, or a Machine ID bot), `db_user`
 * the database account it used. */

/* user_kind: 1 (USER_KIND_HUMAN) or 2 (USER_KIND_BOT), as a number or in
 * its string forms. A bot is a non-human actor: an agent. */
static const char *principal_kind(json_t *doc)
{
    json_t *v = json_object_get(doc, "user_kind");
    const char *s = json_string_value(v);

    if (json_is_integer(v))
        return json_integer_value(v) == 1   ? "human"
               : json_integer_value(v) == 2 ? "agent"
                                            : NULL;
    if (s == NULL)
        return NULL;
    if (strcmp(s, "1") == 0 || strcmp(s, "USER_KIND_HUMAN") == 0 ||
        strcmp(s, "human") == 0)
        return "human";
    if (strcmp(s, "2") == 0 || strcmp(s, "USER_KIND_BOT") == 0 ||
        strcmp(s, "bot") == 0)
        return "agent";
    return NULL;
}

/* "10.0.0.5:51234" or "[::1]:51234" -> host and port. */
static void split_addr(const char *addr, ts_event *ev, ts_arena *arena)
{
    const char *colon;

    if (addr == NULL)
        return;
    ev->client_host = addr;
    if (addr[0] == '[') {
        colon = strstr(addr, "]:");
        if (colon != NULL) {
            ev->client_host =
                ts_arena_strndup(arena, addr + 1, (size_t)(colon - addr - 1));
            ev->client_port = colon + 2;
        }
        return;
    }
    colon = strchr(addr, ':');
    if (colon != NULL && strchr(colon + 1, ':') == NULL) {
        ev->client_host = ts_arena_strndup(arena, addr, (size_t)(colon - addr));
        ev->client_port = colon + 1;
    }
}

/* The outcome: "success" false, or a W code. */
static int failed(json_t *doc, const char *code)
{
    json_t *ok = json_object_get(doc, "success");
    size_t n = code != NULL ? strlen(code) : 0;

    if (json_is_boolean(ok))
        return !json_is_true(ok);
    return n > 0 && code[n - 1] == 'W';
}

static const char *error_text(json_t *doc)
{
    const char *e = ts_jv_str(doc, "error");

    return e != NULL ? e : ts_jv_str(doc, "message");
}

/* A statement: kind statement, or error when it failed. */
static void statement(ts_event *ev, json_t *doc, const char *sql, int is_failed,
                      ts_arena *arena)
{
    char cmd[TS_MY_COMMAND_SIZE];

    if (sql == NULL)
        return;
    ev->audit_class = ts_my_command(sql, strlen(sql), cmd);
    ev->command =
        cmd[0] != '\0' ? ts_arena_strndup(arena, cmd, strlen(cmd)) : NULL;
    if (!is_failed) {
        ev->kind = TS_EVENT_STATEMENT;
        ev->statement = sql;
        return;
    }
    ev->kind = TS_EVENT_ERROR;
    ev->severity = "ERROR";
    ev->query = sql;
    ev->message = error_text(doc);
    if (ev->message == NULL)
        ev->message = "query failed";
    if (strstr(ev->message, "permission denied") != NULL)
        ev->sqlstate = "42501";
}

static void teleport_event(void *ctx, json_t *doc, size_t piece, ts_event *ev,
                           ts_arena *arena)
{
    const char *what = ts_jv_str(doc, "event"), *code = ts_jv_str(doc, "code");
    const char *service = ts_jv_str(doc, "db_service");
    const char *uri = ts_jv_str(doc, "db_uri");
    const char *cluster = ts_jv_str(doc, "cluster_name");
    int is_failed = failed(doc, code);
    int64_t pid = ts_jv_int(doc, "postgres_pid");

    (void)ctx;
    (void)piece;
    ev->time_us = ts_jv_time(ts_jv_str(doc, "time"));
    if (ev->time_us == TS_UNKNOWN_TIME || what == NULL) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = what == NULL
                                  ? "no \"event\" in the Teleport event"
                                  : "no valid \"time\" in the Teleport event";
        return;
    }
    ev->severity = "LOG";
    ev->principal = ts_jv_str(doc, "user");
    ev->principal_kind = principal_kind(doc);
    ev->account = ts_jv_str(doc, "db_user");
    ev->database = ts_jv_str(doc, "db_name");
    ev->session_id = ts_jv_str(doc, "sid");
    ev->pid = pid;
    ev->application = service; /* the Teleport database service */
    split_addr(ts_jv_str(doc, "addr.remote"), ev, arena);
    if (service != NULL || uri != NULL || cluster != NULL)
        ev->detail = ts_arena_printf(
            arena, "teleport cluster %s, database service %s at %s",
            cluster ? cluster : "?", service ? service : "?", uri ? uri : "?");
    ev->message =
        code != NULL ? ts_arena_printf(arena, "%s (%s)", what, code) : what;
    if (strcmp(what, "db.session.start") == 0) {
        if (is_failed) {
            ev->kind = TS_EVENT_AUTH_FAILURE;
            ev->severity = "FATAL";
            ev->sqlstate = "28000";
            ev->message = error_text(doc);
            if (ev->message == NULL)
                ev->message = "Teleport denied access to the database";
        } else {
            ev->kind = TS_EVENT_CONNECTION_AUTHORIZED;
        }
    } else if (strcmp(what, "db.session.end") == 0) {
        ev->kind = TS_EVENT_DISCONNECTION;
    } else if (strcmp(what, "db.session.query") == 0 ||
               strcmp(what, "db.session.query.failed") == 0) {
        ev->parameter =
            ts_jv_list(json_object_get(doc, "db_query_parameters"), arena);
        statement(ev, doc, ts_jv_str(doc, "db_query"),
                  is_failed || strcmp(what, "db.session.query.failed") == 0,
                  arena);
    } else if (strcmp(what, "db.session.postgres.parse") == 0) {
        /* the statement's text: bind and execute name it only */
        ev->object_name = ts_jv_str(doc, "statement_name");
        if (ev->object_name != NULL)
            ev->object_type = "PREPARED STATEMENT";
        statement(ev, doc, ts_jv_str(doc, "query"), is_failed, arena);
    } else if (strcmp(what, "db.session.postgres.bind") == 0) {
        ev->parameter = ts_jv_list(json_object_get(doc, "parameters"), arena);
    } else if (strcmp(what, "db.session.postgres.function") == 0) {
        ev->parameter =
            ts_jv_list(json_object_get(doc, "function_args"), arena);
        ev->object_type = "FUNCTION";
        ev->object_name =
            ts_jv_text(json_object_get(doc, "function_oid"), arena);
    }
}

void ts_teleport_mapper(ts_jsonl_mapper *out)
{
    memset(out, 0, sizeof(*out));
    out->format = "teleport-audit";
    out->event = teleport_event;
}
