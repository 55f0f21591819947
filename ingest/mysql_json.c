/* The MySQL Enterprise Audit JSON reader (audit_log_format=JSON: one JSON
 * array of event objects) and the Percona audit_log JSON reader (one
 * {"audit_record": {...}} object per line). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/time.h"

/* An entry is one top-level object with what surrounds it up to the end of
 * its line: the array's '[' before the first, the ',' after each, the ']'
 * after the last. Objects are found by a scanner that knows JSON strings
 * and nesting, so they may span lines (MySQL pretty-prints them) or share
 * one (Percona). A scanner, not the parser, decides where records end, so
 * a damaged object costs that object only:
 *   - a raw line break inside a string ends the record after that line;
 *   - a '{' where JSON allows none (a new record after a cut one) ends the
 *     record before it;
 *   - a line that starts with anything but an object is one unparsed entry.
 * The object's bytes are then parsed with jansson and mapped to an event. */

#define MAX_DEPTH 64

typedef struct json_source {
    ts_source base;
    size_t limit;
    ts_rbuf rb;
    int cut; /* the rest of an over-long record, to the end of its line */
    ts_my_conns conns;
    ts_buf scratch;
    char cut_reason[64];
} json_source;

/* ------------------------------------------------------------------ */
/* Splitting                                                           */
/* ------------------------------------------------------------------ */

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_sep(char c)
{
    return is_ws(c) || c == ',' || c == '[' || c == ']';
}

/* Scans the object that starts at rel ('{'). Returns 1 with *end just past
 * its '}', 0 with *end and *reason when it is damaged, 2 when it is longer
 * than max, negative on an error. */
static int scan_object(json_source *src, size_t rel, size_t max, size_t *end,
                       const char **reason, ts_error *err)
{
    char stack[MAX_DEPTH];
    int depth = 0, in_str = 0, esc = 0, rc;
    char prev = 0;
    size_t j;

    for (j = rel;; j++) {
        char c;
        if (j - rel >= max)
            return 2;
        rc = ts_rbuf_need(&src->rb, j, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *end = j;
            *reason = "JSON object cut short at the end of the input";
            return 0;
        }
        c = ts_rbuf_data(&src->rb)[j];
        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
            else if (c == '\n') {
                *end = j + 1;
                *reason = "line break inside a JSON string";
                return 0;
            }
            continue;
        }
        if (is_ws(c))
            continue;
        if (c == '{' || c == '[') {
            int legal =
                depth == 0 || (stack[depth - 1] == '{' && prev == ':') ||
                (stack[depth - 1] == '[' && (prev == '[' || prev == ','));
            if (!legal) {
                *end = j;
                *reason = "JSON object cut short (a new one starts)";
                return 0;
            }
            if (depth == MAX_DEPTH) {
                *end = j;
                *reason = "JSON nested too deeply";
                return 0;
            }
            stack[depth++] = c;
        } else if (c == '}' || c == ']') {
            if (stack[depth - 1] != (c == '}' ? '{' : '[')) {
                *end = j + 1;
                *reason = "JSON brackets do not match";
                return 0;
            }
            if (--depth == 0) {
                *end = j + 1;
                return 1;
            }
        } else if (c == '"') {
            in_str = 1;
        }
        prev = c;
    }
}

/* After an object (or damage) at rel: the ',' and spaces up to the end of
 * its line, and a ']' closing the array (with the blank lines before it)
 * or blank lines up to the end of the input. Returns the new end. */
static size_t take_tail(json_source *src, size_t rel, ts_error *err)
{
    size_t j = rel, k;

    /* the rest of the line: no further than the record limit allows */
    for (;; j++) {
        if (j >= src->limit || ts_rbuf_need(&src->rb, j, err) <= 0)
            return j;
        char c = ts_rbuf_data(&src->rb)[j];
        if (c == '\n') {
            j++;
            break;
        }
        if (c != ' ' && c != '\t' && c != '\r' && c != ',')
            return j;
    }
    /* look past blank lines for a ']' or the end */
    for (k = j; k < src->limit; k++) {
        int rc = ts_rbuf_need(&src->rb, k, err);
        if (rc <= 0)
            return k; /* only blanks left: they belong here */
        char c = ts_rbuf_data(&src->rb)[k];
        if (c == ']') {
            size_t e;
            if (ts_rbuf_find_line(&src->rb, k, src->limit - k, &e, err) != 0)
                return j;
            return e;
        }
        if (!is_ws(c))
            return j;
    }
    return j;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

static const char *get_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;

    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* An integer given as a number or as a string of digits; -1 otherwise. */
static int64_t get_int(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    const char *s;
    char *end;
    long long n;

    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s == NULL || *s == '\0')
        return -1;
    n = strtoll(s, &end, 10);
    return *end == '\0' ? (int64_t)n : -1;
}

/* MySQL Enterprise Audit (and audit_log_filter) JSON. */
static void mysql_event(json_source *src, ts_event *ev, json_t *o,
                        ts_arena *arena)
{
    const char *cls = get_str(o, "class"), *what = get_str(o, "event");
    json_t *account = json_object_get(o, "account");
    json_t *login = json_object_get(o, "login");
    json_t *cd = json_object_get(o, "connection_data");
    json_t *gd = json_object_get(o, "general_data");
    json_t *td = json_object_get(o, "table_access_data");
    int64_t conn = get_int(o, "connection_id");
    const char *ip = get_str(login, "ip");

    ev->time_us = ts_my_parse_time(get_str(o, "timestamp"));
    if (ev->time_us == TS_UNKNOWN_TIME) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "no valid \"timestamp\" in the audit record";
        return;
    }
    ev->severity = "LOG";
    ev->account = get_str(account, "user");
    ev->client_host = ip != NULL ? ip : get_str(account, "host");
    ev->kind = TS_EVENT_LOG;
    ev->command = what != NULL ? ts_my_sql_command(arena, what) : NULL;
    if (cls == NULL || what == NULL) {
        ev->message = cls;
        ts_my_session(&src->conns, ev, conn, 0, 0, arena);
        return;
    }
    if (strcmp(cls, "connection") == 0) {
        int connect = strcmp(what, "connect") == 0;
        ev->database = get_str(cd, "db");
        if (connect || strcmp(what, "change_user") == 0)
            ts_my_login_event(ev, get_int(cd, "status"), arena);
        else if (strcmp(what, "disconnect") == 0) {
            ev->kind = TS_EVENT_DISCONNECTION;
            ev->message = "disconnection";
        }
        ev->command = NULL;
        ts_my_session(&src->conns, ev, conn, connect,
                      strcmp(what, "disconnect") == 0, arena);
        return;
    }
    ts_my_session(&src->conns, ev, conn, 0, 0, arena);
    if (strcmp(cls, "general") == 0 && strcmp(what, "status") == 0) {
        const char *sql = get_str(gd, "query");
        if (sql != NULL) {
            ts_my_statement_event(ev, sql, get_int(gd, "status"),
                                  get_str(gd, "sql_command"), arena);
            return;
        }
    }
    if (strcmp(cls, "table_access") == 0) {
        const char *db = get_str(td, "db"), *table = get_str(td, "table");
        ev->kind = TS_EVENT_AUDIT;
        ev->audit_type = "TABLE";
        ev->audit_class = strcmp(what, "read") == 0 ? "READ" : "WRITE";
        ev->object_type = "TABLE";
        ev->statement = get_str(td, "query");
        if (table != NULL)
            ev->object_name =
                db != NULL ? ts_arena_printf(arena, "%s.%s", db, table) : table;
        return;
    }
    ev->message = ts_arena_printf(arena, "%s %s", cls, what);
}

static void percona_json_event(json_source *src, ts_event *ev, json_t *r,
                               ts_arena *arena)
{
    ts_percona_record p;

    memset(&p, 0, sizeof(p));
    p.name = get_str(r, "name");
    p.timestamp = get_str(r, "timestamp");
    p.command_class = get_str(r, "command_class");
    p.connection_id = get_int(r, "connection_id");
    p.status = get_int(r, "status");
    p.sqltext = get_str(r, "sqltext");
    p.has_sqltext = json_object_get(r, "sqltext") != NULL;
    p.user = get_str(r, "user");
    p.priv_user = get_str(r, "priv_user");
    p.host = get_str(r, "host");
    p.ip = get_str(r, "ip");
    p.db = get_str(r, "db");
    ts_percona_event(ev, &p, &src->conns, arena);
}

static void build_event(json_source *src, ts_event *ev, const char *obj,
                        size_t len)
{
    json_error_t jerr;
    json_t *o, *rec;
    ts_arena arena;
    size_t need;

    o = json_loadb(obj, len, JSON_ALLOW_NUL, &jerr);
    if (o == NULL || !json_is_object(o)) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "not valid JSON (or not UTF-8)";
        json_decref(o);
        return;
    }
    src->scratch.len = 0;
    if (ts_size_mul(len, 2, &need) != 0 ||
        ts_size_add(need, 1024, &need) != 0 ||
        ts_buf_reserve(&src->scratch, need, NULL) != 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "record too large to parse in memory";
        json_decref(o);
        return;
    }
    arena.data = (char *)src->scratch.data;
    arena.len = 0;
    arena.size = src->scratch.size;
    rec = json_object_get(o, "audit_record");
    if (json_is_object(rec))
        percona_json_event(src, ev, rec, &arena);
    else
        mysql_event(src, ev, o, &arena);
    /* The strings point into o: copy them into the arena before it goes. */
    const char **fields[] = {&ev->session_id,  &ev->account, &ev->database,
                             &ev->client_host, &ev->message, &ev->statement,
                             &ev->query,       &ev->command, &ev->object_name,
                             &ev->severity,    &ev->sqlstate};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *s = *fields[i];
        if (s != NULL && !(s >= arena.data && s < arena.data + arena.size))
            *fields[i] = ts_arena_strndup(&arena, s, strlen(s));
    }
    json_decref(o);
}

/* ------------------------------------------------------------------ */
/* The source                                                          */
/* ------------------------------------------------------------------ */

static int json_next(ts_source *base, ts_entry *entry, ts_event *ev,
                     ts_error *err)
{
    json_source *src = (json_source *)base;
    const char *reason = NULL;
    size_t i = 0, end = 0;
    int rc;

    src->rb.started = 1;
    ts_event_init(ev);
    rc = ts_rbuf_need(&src->rb, 0, err);
    if (rc <= 0)
        return rc;
    if (src->cut) {
        rc = ts_rbuf_find_line(&src->rb, 0, src->limit, &end, err);
        if (rc < 0)
            return rc;
        src->cut = rc == 1;
        ev->unparsed_reason = src->cut_reason;
        ts_rbuf_emit(&src->rb, end, entry);
        return 1;
    }
    /* separators before the object: '[', ',', blanks */
    for (;; i++) {
        rc = ts_rbuf_need(&src->rb, i, err);
        if (rc < 0)
            return rc;
        if (rc == 0 || !is_sep(ts_rbuf_data(&src->rb)[i]) || i >= src->limit)
            break;
    }
    if (rc == 0) {
        /* nothing but punctuation left */
        ev->kind = TS_EVENT_LOG;
        ev->message = "JSON array punctuation";
        ts_rbuf_emit(&src->rb, i, entry);
        return 1;
    }
    if (ts_rbuf_data(&src->rb)[i] != '{') {
        rc = ts_rbuf_find_line(&src->rb, i, src->limit - i, &end, err);
        if (rc < 0)
            return rc;
        src->cut = rc == 1;
        ev->unparsed_reason =
            src->cut ? src->cut_reason : "line does not start a JSON object";
        ts_rbuf_emit(&src->rb, end, entry);
        return 1;
    }
    rc = scan_object(src, i, src->limit - i, &end, &reason, err);
    if (rc < 0)
        return rc;
    if (rc == 2) {
        src->cut = 1;
        ev->unparsed_reason = src->cut_reason;
        ts_rbuf_emit(&src->rb, src->limit, entry);
        return 1;
    }
    if (rc == 1)
        build_event(src, ev, ts_rbuf_data(&src->rb) + i, end - i);
    else
        ev->unparsed_reason = reason;
    if (rc == 1 || end == 0 || ts_rbuf_data(&src->rb)[end - 1] != '\n')
        end = take_tail(src, end, err);
    if (end == 0)
        end = 1; /* never an empty entry */
    ts_rbuf_emit(&src->rb, end, entry);
    return 1;
}

static int json_seek(ts_source *base, uint64_t position, uint64_t line,
                     ts_error *err)
{
    return ts_rbuf_seek(&((json_source *)base)->rb, position, line, err);
}

static void json_free(ts_source *base)
{
    json_source *src = (json_source *)base;

    if (src == NULL)
        return;
    ts_rbuf_release(&src->rb);
    ts_buf_release(&src->scratch);
    ts_my_conns_release(&src->conns);
    free(src);
}

static const ts_source_ops json_ops = {json_next, json_seek, json_free};

int ts_mysql_json_open_fd(ts_source **out, const char *format, int fd,
                          int own_fd, const char *name, size_t record_limit,
                          ts_error *err)
{
    ts_input *in;
    int rc;

    *out = NULL;
    rc = ts_input_open_fd(&in, fd, own_fd, name, err);
    if (rc != 0)
        return rc;
    return ts_mysql_json_open_input(out, format, in, record_limit, err);
}

int ts_mysql_json_open_input(ts_source **out, const char *format, ts_input *in,
                             size_t record_limit, ts_error *err)
{
    json_source *src;
    int rc, n;

    *out = NULL;
    src = record_limit >= 16 ? calloc(1, sizeof(*src)) : NULL;
    if (src == NULL) {
        rc = record_limit < 16
                 ? ts_error_set(err, TS_EINVAL, "record limit too small")
                 : ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'",
                                ts_input_name(in));
        ts_input_free(in);
        return rc;
    }
    src->base.ops = &json_ops;
    src->base.format = strcmp(format, "percona-audit-json") == 0
                           ? "percona-audit-json"
                           : "mysql-audit-json";
    src->base.name = ts_input_name(in);
    src->base.config = "";
    src->limit = record_limit;
    ts_buf_init(&src->scratch, 2 * record_limit + 4096);
    rc = ts_rbuf_init(&src->rb, in, record_limit, err);
    n = snprintf(src->cut_reason, sizeof(src->cut_reason),
                 "record exceeds %zu bytes", record_limit);
    if (n < 0)
        src->cut_reason[0] = '\0';
    if (rc == 0)
        rc = ts_rbuf_key(&src->rb, src->base.format, "", src->base.key, err);
    if (rc != 0) {
        json_free(&src->base);
        return rc;
    }
    *out = &src->base;
    return 0;
}
