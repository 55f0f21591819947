/* hoop.dev session and statement events (JSON lines) mapped to events. */
#include <jansson.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* Two shapes, told apart per line:
 *   - hoop's session webhooks (gateway/transport/plugins/webhooks in
 *     hoophq/hoop): "event_type" session.open (id, user_email, user_id,
 *     connection, connection_type, verb exec|connect, command, input as
 *     base64, review) and session.close (id, exit_code, exit_err). They
 *     carry no time: a "time" or "timestamp" added by whoever stored them
 *     is used, else the time is unknown.
 *   - statement events, a documented subset of our own (hoop publishes no
 *     statement-level log format): "kind" statement|connect|disconnect,
 *     "time", "principal" (or "user"), "principal_kind", "connection",
 *     "account" (or "db_user"), "database", "session_id", "statement",
 *     "tables", "allowed", "rule", "masked" (entity names).
 * See docs/cli/ingest.md. */

static const char *principal_kind_of(json_t *doc)
{
    const char *k = ts_jv_str(doc, "principal_kind");

    if (k == NULL)
        return NULL;
    if (strcmp(k, "human") == 0 || strcmp(k, "user") == 0)
        return "human";
    if (strcmp(k, "agent") == 0 || strcmp(k, "bot") == 0)
        return "agent";
    if (strcmp(k, "service") == 0)
        return "service";
    return NULL;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes base64 text into the arena; NULL when it is not base64 or the
 * result holds a NUL byte (then it is no statement text). */
static const char *b64_decode(const char *s, ts_arena *arena)
{
    size_t n = strlen(s), o = 0;
    unsigned acc = 0;
    int bits = 0;
    char *out = ts_arena_take(arena, n + 1);

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int v = b64_value(s[i]);
        if (v < 0)
            return NULL;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o] = (char)((acc >> bits) & 0xff);
            if (out[o++] == '\0')
                return NULL;
        }
    }
    out[o] = '\0';
    return o > 0 ? out : NULL;
}

/* Whether the connection is a database's, whose input is SQL (a shell's
 * or an HTTP proxy's is not). */
static int is_database(json_t *doc)
{
    const char *t = ts_jv_str(doc, "connection_type");
    static const char *const db[] = {"database", "postgres", "mysql",
                                     "mssql",    "oracle",   "mongodb"};

    for (size_t i = 0; t != NULL && i < sizeof(db) / sizeof(db[0]); i++)
        if (strstr(t, db[i]) != NULL)
            return 1;
    return 0;
}

static int64_t time_of(json_t *doc)
{
    const char *t = ts_jv_str(doc, "time");

    return ts_jv_time(t != NULL ? t : ts_jv_str(doc, "timestamp"));
}

static void webhook_event(json_t *doc, const char *type, ts_event *ev,
                          ts_arena *arena)
{
    const char *verb = ts_jv_str(doc, "verb");
    const char *review = ts_jv_str(ts_jv_path(doc, "review"), "status");

    ev->session_id = ts_jv_str(doc, "id");
    ev->principal = ts_jv_str(doc, "user_email");
    if (ev->principal == NULL)
        ev->principal = ts_jv_str(doc, "user_id");
    ev->application = ts_jv_str(doc, "connection");
    ev->message = type;
    if (strcmp(type, "session.close") == 0) {
        int64_t code = ts_jv_int(doc, "exit_code");
        const char *why = ts_jv_str(doc, "exit_err");
        ev->kind = TS_EVENT_DISCONNECTION;
        if (code > 0 || why != NULL)
            ev->message = ts_arena_printf(
                arena, "session.close: exit code %lld%s%s", (long long)code,
                why ? ": " : "", why ? why : "");
        return;
    }
    if (strcmp(type, "session.open") != 0)
        return;
    if (review != NULL)
        ev->detail = ts_arena_printf(arena, "review %s", review);
    if (verb != NULL && strcmp(verb, "exec") == 0 && is_database(doc)) {
        const char *in = ts_jv_str(doc, "input");
        const char *sql = in != NULL ? b64_decode(in, arena) : NULL;
        char cmd[TS_MY_COMMAND_SIZE];
        if (sql != NULL) {
            ev->kind = TS_EVENT_STATEMENT;
            ev->statement = sql;
            ev->audit_class = ts_my_command(sql, strlen(sql), cmd);
            if (cmd[0] != '\0')
                ev->command = ts_arena_strndup(arena, cmd, strlen(cmd));
            return;
        }
    }
    /* a one-off command on a shell or other connection, or a login to it */
    ev->kind = verb != NULL && strcmp(verb, "connect") == 0
                   ? TS_EVENT_CONNECTION_AUTHORIZED
                   : TS_EVENT_LOG;
    if (ev->kind == TS_EVENT_LOG)
        ev->command = ts_jv_list(json_object_get(doc, "command"), arena);
}

static void statement_event(json_t *doc, const char *kind, ts_event *ev,
                            ts_arena *arena)
{
    json_t *allowed = json_object_get(doc, "allowed");
    const char *rule = ts_jv_str(doc, "rule");
    const char *masked = ts_jv_list(json_object_get(doc, "masked"), arena);
    json_t *t = json_object_get(doc, "tables");
    const char *tables = ts_jv_list(t, arena);
    const char *sql = ts_jv_str(doc, "statement");
    char cmd[TS_MY_COMMAND_SIZE];

    ev->principal = ts_jv_str(doc, "principal");
    if (ev->principal == NULL)
        ev->principal = ts_jv_str(doc, "user");
    ev->principal_kind = principal_kind_of(doc);
    ev->account = ts_jv_str(doc, "account");
    if (ev->account == NULL)
        ev->account = ts_jv_str(doc, "db_user");
    ev->database = ts_jv_str(doc, "database");
    ev->session_id = ts_jv_str(doc, "session_id");
    ev->application = ts_jv_str(doc, "connection");
    ev->client_host = ts_jv_str(doc, "client");
    /* the first table names the event's object; all are in the detail */
    ev->object_name = json_is_array(t) ? json_string_value(json_array_get(t, 0))
                                       : json_string_value(t);
    if (ev->object_name != NULL)
        ev->object_type = "TABLE";
    if (masked != NULL || rule != NULL || tables != NULL)
        ev->detail = ts_arena_printf(arena, "tables %s; rule %s; masked %s",
                                     tables ? tables : "-", rule ? rule : "-",
                                     masked ? masked : "-");
    ev->message = kind;
    if (strcmp(kind, "connect") == 0) {
        ev->kind = TS_EVENT_CONNECTION_AUTHORIZED;
        return;
    }
    if (strcmp(kind, "disconnect") == 0) {
        ev->kind = TS_EVENT_DISCONNECTION;
        return;
    }
    if (strcmp(kind, "statement") != 0 || sql == NULL)
        return;
    ev->audit_class = ts_my_command(sql, strlen(sql), cmd);
    if (cmd[0] != '\0')
        ev->command = ts_arena_strndup(arena, cmd, strlen(cmd));
    if (json_is_false(allowed)) {
        /* blocked by the proxy: the database never ran it */
        ev->kind = TS_EVENT_ERROR;
        ev->severity = "ERROR";
        ev->sqlstate = "42501";
        ev->query = sql;
        ev->message =
            ts_arena_printf(arena, "permission denied by hoop rule %s",
                            rule ? rule : "(unnamed)");
        return;
    }
    ev->kind = TS_EVENT_STATEMENT;
    ev->statement = sql;
}

static void hoop_event(void *ctx, json_t *doc, size_t piece, ts_event *ev,
                       ts_arena *arena)
{
    const char *type = ts_jv_str(doc, "event_type");
    const char *kind = ts_jv_str(doc, "kind");
    int has_time = json_object_get(doc, "time") != NULL ||
                   json_object_get(doc, "timestamp") != NULL;

    (void)ctx;
    (void)piece;
    ev->time_us = time_of(doc);
    ev->severity = "LOG";
    if ((type == NULL && kind == NULL) ||
        (has_time && ev->time_us == TS_UNKNOWN_TIME) ||
        (kind != NULL && type == NULL && !has_time)) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason =
            type == NULL && kind == NULL
                ? "neither \"event_type\" nor \"kind\" in the hoop event"
                : "no valid \"time\" in the hoop event";
        return;
    }
    if (type != NULL)
        webhook_event(doc, type, ev, arena);
    else
        statement_event(doc, kind, ev, arena);
}

void ts_hoop_mapper(ts_jsonl_mapper *out)
{
    memset(out, 0, sizeof(*out));
    out->format = "hoop-audit";
    out->event = hoop_event;
}
