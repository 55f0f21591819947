/* Generic JSON lines: any proxy's log, mapped to events by a small
 * key = value mapping (schemas/generic-jsonl.md). */
#include <ctype.h>
#include <strings.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

enum field {
    F_TIME,
    F_PRINCIPAL,
    F_PRINCIPAL_KIND,
    F_ACCOUNT,
    F_DATABASE,
    F_STATEMENT,
    F_SESSION,
    F_CLIENT,
    F_OUTCOME,
    F_COMMAND,
    F_OBJECT,
    F_KIND,
    F_APPLICATION,
    F_PID,
    F_MESSAGE,
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "time",      "principal", "principal_kind", "account", "database",
    "statement", "session",   "client",         "outcome", "command",
    "object",    "kind",      "application",    "pid",     "message"};

typedef enum time_format {
    T_RFC3339,
    T_UNIX,
    T_UNIX_MS,
    T_UNIX_US
} time_format;

/* Limits that keep a mapping small. */
#define MAX_VALUE 256
#define MAX_MAPPING ((size_t)64 << 10)

typedef struct mapping {
    char path[F_COUNT][MAX_VALUE];
    time_format time_format;
    char principal_kind_default[16];
    char outcome_ok[MAX_VALUE];   /* comma-separated values */
    char kind_connect[MAX_VALUE]; /* values of `kind` */
    char kind_disconnect[MAX_VALUE];
    char kind_statement[MAX_VALUE];
} mapping;

/* Whether value is one of the comma-separated words of list. */
static int in_list(const char *list, const char *value)
{
    size_t n = strlen(value);
    const char *p = list;

    while (n > 0 && *p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncasecmp(p, value, n) == 0)
            return 1;
        p = comma ? comma + 1 : p + len;
    }
    return 0;
}

static const char *kind_word(const char *s)
{
    if (s == NULL)
        return NULL;
    if (in_list("human,user,person,employee", s))
        return "human";
    if (in_list("agent,bot,ai,ai_agent,llm", s))
        return "agent";
    if (in_list("service,machine,workload,application", s))
        return "service";
    return NULL;
}

static int64_t number_time(json_t *v, time_format f)
{
    double d;
    const char *s = json_string_value(v);
    char *end;

    if (json_is_number(v))
        d = json_number_value(v);
    else if (s != NULL && *s != '\0') {
        d = strtod(s, &end);
        if (*end != '\0')
            return TS_UNKNOWN_TIME;
    } else
        return TS_UNKNOWN_TIME;
    d *= f == T_UNIX ? 1e6 : f == T_UNIX_MS ? 1e3 : 1.0;
    /* 1970 .. 9999 */
    if (!(d >= 0 && d < 253402300800e6))
        return TS_UNKNOWN_TIME;
    return (int64_t)llround(d);
}

static json_t *value(const mapping *m, json_t *doc, enum field f)
{
    return m->path[f][0] != '\0' ? ts_jv_path(doc, m->path[f]) : NULL;
}

static const char *text(const mapping *m, json_t *doc, enum field f,
                        ts_arena *arena)
{
    return ts_jv_text(value(m, doc, f), arena);
}

static void generic_event(void *ctx, json_t *doc, size_t piece, ts_event *ev,
                          ts_arena *arena)
{
    const mapping *m = ctx;
    json_t *t = value(m, doc, F_TIME);
    const char *outcome = text(m, doc, F_OUTCOME, arena);
    const char *kind = text(m, doc, F_KIND, arena);
    const char *pk = text(m, doc, F_PRINCIPAL_KIND, arena);
    const char *sql = text(m, doc, F_STATEMENT, arena);
    const char *pid = text(m, doc, F_PID, arena);
    int ok = outcome == NULL || in_list(m->outcome_ok, outcome);
    char cmd[TS_MY_COMMAND_SIZE];

    (void)piece;
    ev->time_us = m->time_format == T_RFC3339 ? ts_jv_time(json_string_value(t))
                                              : number_time(t, m->time_format);
    if (ev->time_us == TS_UNKNOWN_TIME) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = t == NULL ? "no time at the mapped path"
                                        : "the mapped time is not valid";
        return;
    }
    ev->severity = "LOG";
    ev->principal = text(m, doc, F_PRINCIPAL, arena);
    ev->principal_kind = kind_word(pk);
    if (ev->principal_kind == NULL && ev->principal != NULL)
        ev->principal_kind = kind_word(m->principal_kind_default);
    ev->account = text(m, doc, F_ACCOUNT, arena);
    ev->database = text(m, doc, F_DATABASE, arena);
    ev->session_id = text(m, doc, F_SESSION, arena);
    ev->client_host = text(m, doc, F_CLIENT, arena);
    ev->application = text(m, doc, F_APPLICATION, arena);
    ev->command = text(m, doc, F_COMMAND, arena);
    ev->object_name = text(m, doc, F_OBJECT, arena);
    ev->message = text(m, doc, F_MESSAGE, arena);
    if (pid != NULL && *pid >= '0' && *pid <= '9') {
        char *end;
        long long n = strtoll(pid, &end, 10);
        ev->pid = *end == '\0' ? (int64_t)n : -1;
    }
    if (kind != NULL && in_list(m->kind_connect, kind)) {
        ev->kind = ok ? TS_EVENT_CONNECTION_AUTHORIZED : TS_EVENT_AUTH_FAILURE;
        if (!ok)
            ev->sqlstate = "28000";
        return;
    }
    if (kind != NULL && in_list(m->kind_disconnect, kind)) {
        ev->kind = TS_EVENT_DISCONNECTION;
        return;
    }
    if (sql == NULL || (kind != NULL && m->kind_statement[0] != '\0' &&
                        !in_list(m->kind_statement, kind)))
        return; /* kind log */
    ev->audit_class = ts_my_command(sql, strlen(sql), cmd);
    if (ev->command == NULL && cmd[0] != '\0')
        ev->command = ts_arena_strndup(arena, cmd, strlen(cmd));
    if (ok) {
        ev->kind = TS_EVENT_STATEMENT;
        ev->statement = sql;
        return;
    }
    ev->kind = TS_EVENT_ERROR;
    ev->severity = "ERROR";
    ev->query = sql;
    if (ev->message == NULL)
        ev->message = outcome;
    if (strstr(ev->message, "denied") != NULL ||
        strstr(ev->message, "blocked") != NULL)
        ev->sqlstate = "42501";
}

/* ------------------------------------------------------------------ */
/* The mapping text                                                    */
/* ------------------------------------------------------------------ */

static char *trim(char *s)
{
    char *e = s + strlen(s);

    while (*s == ' ' || *s == '\t')
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int set_option(mapping *m, const char *key, const char *val, int line,
                      ts_error *err)
{
    size_t n = strlen(val);

    if (n >= MAX_VALUE)
        return ts_error_set(err, TS_EINVAL, "mapping line %d: value too long",
                            line);
    for (int f = 0; f < F_COUNT; f++)
        if (strcmp(key, field_names[f]) == 0) {
            memcpy(m->path[f], val, n + 1);
            return 0;
        }
    if (strcmp(key, "time_format") == 0) {
        if (strcmp(val, "rfc3339") == 0 || strcmp(val, "iso8601") == 0)
            m->time_format = T_RFC3339;
        else if (strcmp(val, "unix") == 0)
            m->time_format = T_UNIX;
        else if (strcmp(val, "unix_ms") == 0)
            m->time_format = T_UNIX_MS;
        else if (strcmp(val, "unix_us") == 0)
            m->time_format = T_UNIX_US;
        else
            return ts_error_set(err, TS_EINVAL,
                                "mapping line %d: time_format '%s' is not "
                                "rfc3339, unix, unix_ms or unix_us",
                                line, val);
        return 0;
    }
    if (strcmp(key, "principal_kind_default") == 0) {
        if (kind_word(val) == NULL)
            return ts_error_set(err, TS_EINVAL,
                                "mapping line %d: principal_kind_default '%s' "
                                "is not human, agent or service",
                                line, val);
        memcpy(m->principal_kind_default, kind_word(val),
               strlen(kind_word(val)) + 1);
        return 0;
    }
    char *dst = strcmp(key, "outcome_ok") == 0        ? m->outcome_ok
                : strcmp(key, "kind_connect") == 0    ? m->kind_connect
                : strcmp(key, "kind_disconnect") == 0 ? m->kind_disconnect
                : strcmp(key, "kind_statement") == 0  ? m->kind_statement
                                                      : NULL;
    if (dst == NULL)
        return ts_error_set(err, TS_EINVAL, "mapping line %d: unknown key '%s'",
                            line, key);
    memcpy(dst, val, n + 1);
    return 0;
}

static int parse_mapping(mapping *m, const char *text, ts_error *err)
{
    char buf[1024];
    const char *p = text;
    int line = 0, rc = 0;

    strcpy(m->outcome_ok, "true,ok,success,succeeded,allowed,allow,0");
    if (strlen(text) > MAX_MAPPING)
        return ts_error_set(err, TS_EINVAL, "mapping longer than %zu bytes",
                            MAX_MAPPING);
    while (rc == 0 && *p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *s, *eq;
        line++;
        if (len >= sizeof(buf))
            return ts_error_set(err, TS_EINVAL, "mapping line %d: too long",
                                line);
        memcpy(buf, p, len);
        buf[len] = '\0';
        p += len + (nl != NULL);
        s = trim(buf);
        if (*s == '\0' || *s == '#')
            continue;
        eq = strchr(s, '=');
        if (eq == NULL)
            return ts_error_set(err, TS_EINVAL,
                                "mapping line %d: expected 'key = value'",
                                line);
        *eq = '\0';
        rc = set_option(m, trim(s), trim(eq + 1), line, err);
    }
    if (rc == 0 && m->path[F_TIME][0] == '\0')
        rc = ts_error_set(err, TS_EINVAL,
                          "mapping: 'time' is required (the path of each "
                          "record's time)");
    return rc;
}

int ts_generic_mapper(ts_jsonl_mapper *out, const char *mapping_text,
                      ts_error *err)
{
    mapping *m;
    int rc;

    memset(out, 0, sizeof(*out));
    if (mapping_text == NULL || *mapping_text == '\0')
        return ts_error_set(err, TS_EINVAL,
                            "format 'generic-jsonl' needs a mapping "
                            "(--mapping FILE)");
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    rc = parse_mapping(m, mapping_text, err);
    if (rc != 0) {
        free(m);
        return rc;
    }
    out->format = "generic-jsonl";
    out->event = generic_event;
    out->free = free;
    out->ctx = m;
    return 0;
}
