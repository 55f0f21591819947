/* The PostgreSQL jsonlog reader (PostgreSQL 15+): one JSON object a line. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* write_jsonlog() escapes newlines inside values, so a record is exactly
 * one line; keys whose value is unknown are left out. A line that is not
 * such an object (or is longer than the limit, cut into pieces) is sealed
 * as an unparsed entry all the same. */

typedef struct json_source {
    ts_source base;
    ts_rbuf rb;
    size_t limit;
    ts_buf scratch;
    json_t *doc; /* the last record's, owning the event's strings */
    char *name;
    int cut_midline; /* the last entry was a piece of a too long line */
    char cut_reason[64];
    char reason[200];
} json_source;

/* A string member, NULL when absent, not a string, or empty. */
static const char *str(json_t *doc, const char *key)
{
    const char *s = json_string_value(json_object_get(doc, key));

    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* An integer member as text in the arena, or a string member. */
static const char *num_text(json_t *doc, const char *key, ts_arena *arena)
{
    json_t *v = json_object_get(doc, key);
    char tmp[24];
    int n;

    if (json_is_string(v))
        return str(doc, key);
    if (!json_is_integer(v))
        return NULL;
    n = snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return NULL;
    return ts_arena_strndup(arena, tmp, (size_t)n);
}

static int64_t num(json_t *doc, const char *key)
{
    json_t *v = json_object_get(doc, key);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static void build_event(json_source *src, ts_event *ev, const char *line,
                        size_t len)
{
    json_error_t jerr;
    ts_arena arena;
    size_t tlen = ts_text_len(line, len);

    if (tlen == 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "empty line";
        return;
    }
    /* jansson checks UTF-8 and rejects \u0000, as PostgreSQL never
     * writes either */
    src->doc = json_loadb(line, tlen, 0, &jerr);
    if (src->doc == NULL) {
        if (snprintf(src->reason, sizeof(src->reason),
                     "not JSON: %s (column %d)", jerr.text, jerr.column) < 0)
            src->reason[0] = '\0';
        /* jansson quotes the bad token: keep the reason one printable line */
        for (char *c = src->reason; *c != '\0'; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
                *c = '?';
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = src->reason;
        return;
    }
    if (!json_is_object(src->doc)) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "JSON value is not an object";
        return;
    }
    if (ts_pg_arena_for(&src->scratch, len, &arena, ev) != 0)
        return;
    ev->account = str(src->doc, "user");
    ev->database = str(src->doc, "dbname");
    ev->pid = num(src->doc, "pid");
    ev->client_host = str(src->doc, "remote_host");
    ev->client_port = num_text(src->doc, "remote_port", &arena);
    ev->session_id = str(src->doc, "session_id");
    ev->session_line = num(src->doc, "line_num");
    /* write_jsonlog() leaves state_code out when it is 0, which is
     * "00000": say so, as csvlog and %e do */
    ev->sqlstate = str(src->doc, "state_code");
    if (ev->sqlstate == NULL)
        ev->sqlstate = "00000";
    ev->detail = str(src->doc, "detail");
    ev->query = str(src->doc, "statement");
    ev->application = str(src->doc, "application_name");
    ts_pg_structured_event(
        ev, str(src->doc, "timestamp"), str(src->doc, "error_severity"),
        json_string_value(json_object_get(src->doc, "message")), &arena);
}

static int json_next(ts_source *base, ts_entry *entry, ts_event *ev,
                     ts_error *err)
{
    json_source *src = (json_source *)base;
    ts_rbuf *rb = &src->rb;
    size_t end;
    int rc;

    rb->started = 1;
    json_decref(src->doc);
    src->doc = NULL;
    ts_event_init(ev);
    if (ts_rbuf_avail(rb) == 0) {
        rc = ts_rbuf_fill(rb, err);
        if (rc <= 0)
            return rc;
    }
    rc = ts_rbuf_find_line(rb, 0, src->limit, &end, err);
    if (rc < 0)
        return rc;
    if (rc == 1 || src->cut_midline) {
        /* a piece of a line over the limit; the next piece follows */
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = src->cut_reason;
        src->cut_midline = rc == 1;
    } else {
        build_event(src, ev, ts_rbuf_data(rb), end);
    }
    ts_rbuf_emit(rb, end, entry);
    return 1;
}

static int json_seek(ts_source *base, uint64_t position, uint64_t line,
                     ts_error *err)
{
    return ts_rbuf_seek(&((json_source *)base)->rb, position, line, err);
}

static void json_free_source(ts_source *base)
{
    json_source *src = (json_source *)base;

    if (src == NULL)
        return;
    json_decref(src->doc);
    ts_rbuf_release(&src->rb);
    ts_buf_release(&src->scratch);
    free(src->name);
    free(src);
}

static const ts_source_ops json_ops = {json_next, json_seek, json_free_source};

int ts_pg_jsonlog_open_input(ts_source **out, ts_input *in, size_t record_limit,
                             ts_error *err)
{
    json_source *src;
    int rc;

    *out = NULL;
    src = record_limit >= 64 ? calloc(1, sizeof(*src)) : NULL;
    if (src == NULL) {
        ts_input_free(in);
        if (record_limit < 64)
            return ts_error_set(err, TS_EINVAL, "record limit too small");
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    src->base.ops = &json_ops;
    src->base.format = "pg-jsonlog";
    src->base.config = "";
    src->limit = record_limit;
    ts_buf_init(&src->scratch, 3 * record_limit + 4096);
    rc = ts_rbuf_init(&src->rb, in, record_limit, err);
    src->name = strdup(ts_input_name(in));
    if (rc == 0 && src->name == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    if (rc == 0) {
        src->base.name = src->name;
        if (snprintf(src->cut_reason, sizeof(src->cut_reason),
                     "line exceeds %zu bytes", record_limit) < 0)
            src->cut_reason[0] = '\0';
        rc = ts_rbuf_key(&src->rb, src->base.format, src->base.config,
                         src->base.key, err);
    }
    if (rc != 0) {
        json_free_source(&src->base);
        return rc;
    }
    *out = &src->base;
    return 0;
}
