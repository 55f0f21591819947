/* AWS RDS / Aurora Database Activity Streams records (decrypted, one JSON
 * record a line) mapped to events, one per activity event. */
#include <jansson.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* A line is a decrypted DatabaseActivityMonitoringRecords envelope (its
 * "databaseActivityEvents" an object), the DatabaseActivityMonitoringRecord
 * itself, or a single activity event. A record's databaseActivityEventList
 * of n events is sealed as n entries: the first runs from the start of the
 * line to the end of the first event, each further one from the comma
 * before its event to the event's end, the last to the end of the line. The
 * entries together are the line, byte for byte; each one's event also
 * knows the record's cluster and instance. An envelope still encrypted (a
 * string) is one entry of kind log. */

#define LIST_KEY "databaseActivityEventList"

static json_t *record_of(json_t *doc)
{
    json_t *inner = json_object_get(doc, "databaseActivityEvents");

    return json_is_object(inner) ? inner : doc;
}

static json_t *list_of(json_t *doc)
{
    json_t *list = json_object_get(record_of(doc), LIST_KEY);

    return json_is_array(list) ? list : NULL;
}

/* Where the list's elements are separated in the raw line: the commas at
 * the list's own depth. The line is valid JSON (jansson read it). */
static size_t das_split(void *ctx, json_t *doc, const char *line, size_t len,
                        size_t *ends, size_t max)
{
    json_t *list = list_of(doc);
    size_t n_el = list != NULL ? json_array_size(list) : 0, n = 0;
    size_t klen = strlen(LIST_KEY), str_start = 0;
    int in_str = 0, esc = 0, depth = 0, list_depth = -1, after_key = 0;

    (void)ctx;
    if (n_el < 2)
        return 1;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"') {
                in_str = 0;
                after_key = list_depth < 0 && i - str_start == klen &&
                            memcmp(line + str_start, LIST_KEY, klen) == 0;
            }
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == ':')
            continue;
        if (c == '"') {
            in_str = 1;
            str_start = i + 1;
            continue;
        }
        if (c == '[' || c == '{') {
            depth++;
            if (after_key && c == '[')
                list_depth = depth;
        } else if (c == ']' || c == '}') {
            if (depth == list_depth)
                break; /* the list ends */
            depth--;
        } else if (c == ',' && depth == list_depth) {
            if (n + 2 > max)
                break; /* the rest stays in the last piece */
            ends[n++] = i;
        }
        after_key = 0;
    }
    if (n + 1 != n_el && n + 2 <= max)
        return 1; /* not found as expected: one entry */
    return n + 1;
}

static void das_activity(json_t *rec, json_t *e, ts_event *ev, ts_arena *arena)
{
    const char *type = ts_jv_str(e, "type");
    const char *cmd = ts_jv_str(e, "command");
    const char *sql = ts_jv_str(e, "commandText");
    const char *error = ts_jv_str(e, "errorMessage");
    const char *cluster = ts_jv_str(rec, "clusterId");
    const char *instance = ts_jv_str(rec, "instanceId");
    const char *server = ts_jv_str(e, "serverType");
    json_t *exit_code = json_object_get(e, "exitCode");
    int failed = error != NULL ||
                 (json_is_integer(exit_code) && json_integer_value(exit_code));

    if (type != NULL && strcmp(type, "heartbeat") == 0) {
        ev->kind = TS_EVENT_LOG;
        ev->message = "heartbeat";
        return;
    }
    ev->time_us = ts_jv_time(ts_jv_str(e, "logTime"));
    if (ev->time_us == TS_UNKNOWN_TIME) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "no valid \"logTime\" in the activity event";
        return;
    }
    ev->severity = "LOG";
    ev->account = ts_jv_str(e, "dbUserName");
    ev->database = ts_jv_str(e, "databaseName");
    ev->client_host = ts_jv_str(e, "remoteHost");
    ev->client_port = ts_jv_text(json_object_get(e, "remotePort"), arena);
    ev->session_id = ts_jv_text(json_object_get(e, "sessionId"), arena);
    ev->pid = ts_jv_int(e, "pid");
    ev->application = ts_jv_str(e, "clientApplication");
    ev->statement_id = ts_jv_int(e, "statementId");
    ev->substatement_id = ts_jv_int(e, "substatementId");
    ev->audit_class = ts_jv_str(e, "class");
    ev->command = cmd;
    ev->object_type = ts_jv_str(e, "objectType");
    ev->object_name = ts_jv_str(e, "objectName");
    ev->parameter = ts_jv_list(json_object_get(e, "paramList"), arena);
    ev->message = error;
    if (cluster != NULL || instance != NULL || server != NULL)
        ev->detail = ts_arena_printf(
            arena, "activity stream of %s (cluster %s, instance %s)",
            server ? server : "?", cluster ? cluster : "?",
            instance ? instance : "?");
    if (cmd != NULL &&
        (strcmp(cmd, "CONNECT") == 0 || strcmp(cmd, "LOGON") == 0 ||
         strcmp(cmd, "AUTH FAILURE") == 0)) {
        if (failed || strcmp(cmd, "AUTH FAILURE") == 0) {
            ev->kind = TS_EVENT_AUTH_FAILURE;
            ev->severity = "FATAL";
            ev->sqlstate = "28000";
            if (ev->message == NULL)
                ev->message = "authentication failed";
        } else {
            ev->kind = TS_EVENT_CONNECTION_AUTHORIZED;
            ev->message = "connection authorized";
        }
        return;
    }
    if (cmd != NULL &&
        (strcmp(cmd, "DISCONNECT") == 0 || strcmp(cmd, "LOGOFF") == 0)) {
        ev->kind = TS_EVENT_DISCONNECTION;
        ev->message = "disconnection";
        return;
    }
    if (sql == NULL)
        return; /* kind log */
    if (failed) {
        ev->kind = TS_EVENT_ERROR;
        ev->severity = "ERROR";
        ev->query = sql;
        if (ev->message == NULL)
            ev->message = "statement failed";
        if (strstr(ev->message, "permission denied") != NULL)
            ev->sqlstate = "42501";
        return;
    }
    /* PostgreSQL's activity streams are pgAudit's records: one per object
     * of a statement, numbered alike */
    ev->kind = TS_EVENT_AUDIT;
    ev->audit_type = "SESSION";
    ev->statement = sql;
}

static void das_event(void *ctx, json_t *doc, size_t piece, ts_event *ev,
                      ts_arena *arena)
{
    json_t *list = list_of(doc), *rec = record_of(doc);
    json_t *enc = json_object_get(doc, "databaseActivityEvents");

    (void)ctx;
    if (json_is_string(enc)) {
        ev->kind = TS_EVENT_LOG;
        ev->message = "encrypted activity stream record (decrypt it first)";
        return;
    }
    if (list == NULL) {
        if (json_object_get(doc, "logTime") == NULL &&
            json_object_get(doc, "type") == NULL) {
            ev->kind = TS_EVENT_UNPARSED;
            ev->unparsed_reason = "not an activity stream record or event";
            return;
        }
        das_activity(rec, doc, ev, arena);
        return;
    }
    if (json_array_size(list) == 0) {
        ev->kind = TS_EVENT_LOG;
        ev->message = "activity stream record with no events";
        return;
    }
    das_activity(rec, json_array_get(list, piece), ev, arena);
    if (piece + 1 == TS_JSONL_MAX_PIECES && json_array_size(list) > piece + 1)
        ev->detail = ts_arena_printf(
            arena, "%zu further events of the record are in this entry",
            json_array_size(list) - piece - 1);
}

void ts_rds_das_mapper(ts_jsonl_mapper *out)
{
    memset(out, 0, sizeof(*out));
    out->format = "rds-das";
    out->split = das_split;
    out->event = das_event;
}
