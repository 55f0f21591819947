/* CloudNativePG's JSON log lines: PostgreSQL and pgAudit records wrapped by
 * the instance manager, mapped to events. */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* Each line is {"level","ts","logger","msg","record","logging_pod"}
 * (cloudnative-pg.io/documentation/current/logging). With logger
 * "postgres" and msg "record", record holds the csvlog columns by name
 * (log_time, user_name, database_name, process_id, connection_from,
 * session_id, session_line_num, ..., error_severity, sql_state_code,
 * message, detail, ..., query, ..., application_name, backend_type), all
 * strings. With logger "pgaudit" it holds the same columns without
 * message, plus "audit": the pgAudit record's fields (audit_type,
 * statement_id, substatement_id, class, command, object_type,
 * object_name, statement, parameter, and rows with pgaudit.log_rows).
 * Other loggers (the operator's own messages, pg_controldata, ...) are
 * kept as log events with their msg. */

/* pgAudit's placeholders say "no value". */
static const char *audit_str(json_t *audit, const char *key)
{
    const char *s = ts_jv_str(audit, key);

    if (s != NULL &&
        (strcmp(s, "<none>") == 0 || strcmp(s, "<not logged>") == 0 ||
         strcmp(s, "<previously logged>") == 0))
        return NULL;
    return s;
}

static void audit_fields(ts_event *ev, json_t *audit)
{
    ev->kind = TS_EVENT_AUDIT;
    ev->audit_type = audit_str(audit, "audit_type");
    ev->statement_id = ts_jv_int(audit, "statement_id");
    ev->substatement_id = ts_jv_int(audit, "substatement_id");
    ev->audit_class = audit_str(audit, "class");
    ev->command = audit_str(audit, "command");
    ev->object_type = audit_str(audit, "object_type");
    ev->object_name = audit_str(audit, "object_name");
    ev->statement = audit_str(audit, "statement");
    ev->parameter = audit_str(audit, "parameter");
    ev->rows = ts_jv_int(audit, "rows");
}

static void pg_record(ts_event *ev, json_t *rec, ts_arena *arena)
{
    json_t *audit = json_object_get(rec, "audit");
    const char *message = ts_jv_str(rec, "message");

    ev->account = ts_jv_str(rec, "user_name");
    ev->database = ts_jv_str(rec, "database_name");
    ev->pid = ts_jv_int(rec, "process_id");
    ts_pg_connection_from(ev, ts_jv_str(rec, "connection_from"), arena);
    ev->session_id = ts_jv_str(rec, "session_id");
    ev->session_line = ts_jv_int(rec, "session_line_num");
    ev->sqlstate = ts_jv_str(rec, "sql_state_code");
    ev->detail = ts_jv_str(rec, "detail");
    ev->query = ts_jv_str(rec, "query");
    ev->application = ts_jv_str(rec, "application_name");
    if (json_is_object(audit))
        message = NULL; /* the audit object is the message */
    ts_pg_structured_event(ev, ts_jv_str(rec, "log_time"),
                           ts_jv_str(rec, "error_severity"),
                           message != NULL ? message : "", arena);
    if (json_is_object(audit) && ev->kind != TS_EVENT_UNPARSED)
        audit_fields(ev, audit);
}

/* "ts": seconds since the epoch as a number, or an ISO 8601 string. */
static int64_t line_time(json_t *doc)
{
    json_t *v = json_object_get(doc, "ts");
    double s;

    if (json_is_string(v))
        return ts_jv_time(json_string_value(v));
    if (!json_is_number(v))
        return TS_UNKNOWN_TIME;
    s = json_number_value(v);
    if (!isfinite(s) || s < 0 || s > 253402300799.0)
        return TS_UNKNOWN_TIME;
    return (int64_t)llround(s * 1e6);
}

static void cnpg_event(void *ctx, json_t *doc, size_t i, ts_event *ev,
                       ts_arena *arena)
{
    const char *logger = ts_jv_str(doc, "logger");
    json_t *rec = json_object_get(doc, "record");

    (void)ctx;
    (void)i;
    if (logger == NULL) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "CloudNativePG line without a logger";
        return;
    }
    if (json_is_object(rec) &&
        (strcmp(logger, "postgres") == 0 || strcmp(logger, "pgaudit") == 0)) {
        pg_record(ev, rec, arena);
        return;
    }
    ev->kind = TS_EVENT_LOG;
    ev->time_us = line_time(doc);
    ev->severity = ts_jv_str(doc, "level");
    ev->application = logger;
    ev->message = ts_jv_str(doc, "msg");
}

void ts_cnpg_mapper(ts_jsonl_mapper *out)
{
    memset(out, 0, sizeof(*out));
    out->format = "cnpg-json";
    out->event = cnpg_event;
}
