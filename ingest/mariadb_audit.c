/* The MariaDB server_audit log reader: lines into entries, entries into
 * events. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/time.h"

/* An entry is one line. The plugin escapes line breaks inside queries, so
 * a record spans lines only when something wrote them raw: a line whose
 * quoted query is not closed takes the lines after it up to the next one
 * that starts with a timestamp. Records are exactly the source's bytes and
 * follow each other without gaps, so they add up to the input.
 *
 * Sessions: MariaDB numbers connections from 1 again at every start, so
 * the session id is "serverhost:connid@connect-time" when this reader saw
 * the CONNECT (or FAILED_CONNECT) line, else "serverhost:connid". */

typedef struct my_source {
    ts_source base;
    char *config;
    int64_t utc_offset_us; /* the server's local time minus UTC */
    size_t limit;          /* longest record */
    ts_rbuf rb;
    int cut; /* the rest of an over-long line is still to come */

    ts_my_conns conns; /* open connections: id -> connect time */

    ts_buf scratch; /* event strings, reused by every next() */
    char cut_reason[64];
} my_source;

static const char *data(const my_source *src)
{
    return ts_rbuf_data(&src->rb);
}

static size_t avail(const my_source *src)
{
    return ts_rbuf_avail(&src->rb);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

static int text_is(ts_text t, const char *lit)
{
    size_t n = strlen(lit);
    return t.len == n && memcmp(t.s, lit, n) == 0;
}

static const char *dup_text(ts_arena *arena, ts_text t)
{
    return t.len == 0 ? NULL : ts_arena_strndup(arena, t.s, t.len);
}

static void set_session(my_source *src, ts_event *ev,
                        const ts_mariadb_record *rec, ts_arena *arena)
{
    int64_t start_us;
    char when[40];

    if (text_is(rec->operation, "CONNECT") ||
        text_is(rec->operation, "FAILED_CONNECT"))
        ts_my_conns_put(&src->conns, rec->connection_id, ev->time_us);
    if (ts_my_conns_get(&src->conns, rec->connection_id, &start_us)) {
        ts_my_time_id(start_us, when, sizeof(when));
        ev->session_id = ts_arena_printf(
            arena, "%.*s:%" PRId64 "@%s", (int)rec->serverhost.len,
            rec->serverhost.s, rec->connection_id, when);
    } else {
        ev->session_id =
            ts_arena_printf(arena, "%.*s:%" PRId64, (int)rec->serverhost.len,
                            rec->serverhost.s, rec->connection_id);
    }
    if (text_is(rec->operation, "DISCONNECT")) {
        if (ts_my_conns_get(&src->conns, rec->connection_id, &start_us) &&
            ev->time_us >= start_us)
            ev->session_duration_us = ev->time_us - start_us;
        ts_my_conns_remove(&src->conns, rec->connection_id);
    }
}

static const char *error_message(ts_arena *arena, int64_t code,
                                 const ts_my_error *e, const char *what)
{
    return ts_arena_printf(arena, "%s (MariaDB error %" PRId64 "%s%s)", what,
                           code, e->name != NULL ? " " : "",
                           e->name != NULL ? e->name : "");
}

static void connection_event(ts_event *ev, const ts_mariadb_record *rec,
                             ts_arena *arena)
{
    int64_t code = rec->has_retcode ? rec->retcode : 0;
    ts_my_error e = ts_my_error_lookup(code);

    if (text_is(rec->operation, "FAILED_CONNECT") || code != 0) {
        ev->kind = TS_EVENT_AUTH_FAILURE;
        ev->severity = "ERROR";
        ev->sqlstate = e.sqlstate;
        ev->message = ts_arena_printf(
            arena, "%s for user '%.*s'@'%.*s' (MariaDB error %" PRId64 "%s%s)",
            e.permission ? "access denied" : "connection failed",
            (int)rec->user.len, rec->user.s, (int)rec->host.len, rec->host.s,
            code, e.name != NULL ? " " : "", e.name != NULL ? e.name : "");
        return;
    }
    ev->kind = TS_EVENT_CONNECTION_AUTHORIZED;
    /* MariaDB 12 writes the TLS version of the connection as its object */
    if (rec->object.len > 0 && !rec->object_quoted)
        ev->tls_protocol = dup_text(arena, rec->object);
    ev->message = text_is(rec->operation, "CHANGEUSER")
                      ? "change user"
                      : "connection authorized";
}

static void query_event(ts_event *ev, const ts_mariadb_record *rec,
                        ts_arena *arena)
{
    char *sql = ts_arena_take(arena, rec->object.len + 1);
    char cmd[TS_MY_COMMAND_SIZE];
    size_t n;

    if (sql == NULL) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "record too large to parse in memory";
        return;
    }
    if (rec->object_quoted) {
        n = ts_mariadb_unescape(rec->object.s, rec->object.len, sql);
    } else {
        n = rec->object.len;
        memcpy(sql, rec->object.s, n);
        sql[n] = '\0';
    }
    ev->audit_class = ts_my_command(sql, n, cmd);
    ev->command =
        cmd[0] != '\0' ? ts_arena_strndup(arena, cmd, strlen(cmd)) : NULL;
    if (!rec->has_retcode || rec->retcode == 0) {
        ev->kind = TS_EVENT_STATEMENT;
        ev->statement = sql;
        return;
    }
    ts_my_error e = ts_my_error_lookup(rec->retcode);
    ev->kind = TS_EVENT_ERROR;
    ev->severity = "ERROR";
    ev->query = sql;
    if (e.permission) {
        /* the SQL-standard insufficient_privilege, as PostgreSQL reports
         * it, so one rule finds denied access in every database */
        ev->sqlstate = "42501";
        ev->message =
            error_message(arena, rec->retcode, &e, "permission denied");
    } else {
        ev->sqlstate = e.sqlstate;
        ev->message = error_message(arena, rec->retcode, &e, "error");
    }
}

static void table_event(ts_event *ev, const ts_mariadb_record *rec,
                        ts_arena *arena)
{
    ts_text table = rec->object;
    const char *bar = memchr(table.s, '|', table.len);
    ts_text op = rec->operation;

    ev->kind = TS_EVENT_AUDIT;
    ev->audit_type = "TABLE";
    ev->audit_class = text_is(op, "READ")    ? "READ"
                      : text_is(op, "WRITE") ? "WRITE"
                                             : "DDL";
    ev->command = dup_text(arena, op);
    ev->object_type = "TABLE";
    if (bar != NULL) {
        /* RENAME: "table|newdb.newtable" */
        ts_text to = {bar + 1, table.len - (size_t)(bar + 1 - table.s)};
        table.len = (size_t)(bar - table.s);
        ev->detail =
            ts_arena_printf(arena, "renamed to %.*s", (int)to.len, to.s);
    }
    if (rec->database.len > 0)
        ev->object_name =
            ts_arena_printf(arena, "%.*s.%.*s", (int)rec->database.len,
                            rec->database.s, (int)table.len, table.s);
    else
        ev->object_name = dup_text(arena, table);
}

static int is_table_op(ts_text op)
{
    return text_is(op, "READ") || text_is(op, "WRITE") ||
           text_is(op, "CREATE") || text_is(op, "DROP") ||
           text_is(op, "ALTER") || text_is(op, "RENAME");
}

static void build_event(my_source *src, ts_event *ev, const char *rec_text,
                        size_t len)
{
    ts_mariadb_record rec;
    ts_arena arena;
    const char *reason = NULL;
    size_t need;
    int rc;

    rc = ts_mariadb_record_parse(rec_text, ts_text_len(rec_text, len), &rec,
                                 &reason);
    if (rc != 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = reason;
        return;
    }
    /* Strings: the query once, the host and user a few times, and short
     * messages; three times the record is plenty, reserved up front so
     * strings handed out never move. */
    src->scratch.len = 0;
    if (ts_size_mul(len, 3, &need) != 0 ||
        ts_size_add(need, 1024, &need) != 0 ||
        ts_buf_reserve(&src->scratch, need, NULL) != 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "record too large to parse in memory";
        return;
    }
    arena.data = (char *)src->scratch.data;
    arena.len = 0;
    arena.size = src->scratch.size;

    ev->time_us = rec.time_us - src->utc_offset_us;
    ev->pid = rec.connection_id;
    if (rec.query_id > 0)
        ev->statement_id = rec.query_id;
    ev->account = dup_text(&arena, rec.user);
    ev->client_host = dup_text(&arena, rec.host);
    ev->client_port = dup_text(&arena, rec.port);
    /* a table record's database is the table's, named in object_name */
    if (!is_table_op(rec.operation))
        ev->database = dup_text(&arena, rec.database);
    ev->severity = "LOG";
    set_session(src, ev, &rec, &arena);

    if (text_is(rec.operation, "CONNECT") ||
        text_is(rec.operation, "FAILED_CONNECT") ||
        text_is(rec.operation, "CHANGEUSER")) {
        connection_event(ev, &rec, &arena);
    } else if (text_is(rec.operation, "DISCONNECT")) {
        ev->kind = TS_EVENT_DISCONNECTION;
        ev->message = "disconnection";
    } else if (rec.operation.len >= 5 &&
               memcmp(rec.operation.s, "QUERY", 5) == 0) {
        /* QUERY, and QUERY_DDL / QUERY_DML / QUERY_DCL of older plugins */
        query_event(ev, &rec, &arena);
    } else if (is_table_op(rec.operation)) {
        table_event(ev, &rec, &arena);
    } else {
        ev->kind = TS_EVENT_LOG;
        ev->command = dup_text(&arena, rec.operation);
        ev->message = dup_text(&arena, rec.object);
    }
}

/* ------------------------------------------------------------------ */
/* The source                                                          */
/* ------------------------------------------------------------------ */

/* The rest of a line longer than the limit, in pieces of the limit. */
static int next_piece(my_source *src, ts_entry *entry, ts_event *ev,
                      ts_error *err)
{
    size_t end;
    int rc = ts_rbuf_find_line(&src->rb, 0, src->limit, &end, err);

    if (rc < 0)
        return rc;
    src->cut = rc == 1;
    ev->kind = TS_EVENT_UNPARSED;
    ev->unparsed_reason = src->cut_reason;
    ts_rbuf_emit(&src->rb, end, entry);
    return 1;
}

static int my_next(ts_source *base, ts_entry *entry, ts_event *ev,
                   ts_error *err)
{
    my_source *src = (my_source *)base;
    ts_mariadb_record rec;
    const char *reason;
    size_t end, next_end;
    int rc;

    src->rb.started = 1;
    ts_event_init(ev);
    if (avail(src) == 0) {
        rc = ts_rbuf_fill(&src->rb, err);
        if (rc <= 0)
            return rc;
    }
    if (src->cut)
        return next_piece(src, entry, ev, err);
    rc = ts_rbuf_find_line(&src->rb, 0, src->limit, &end, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        src->cut = 1;
        ev->unparsed_reason = src->cut_reason;
        ts_rbuf_emit(&src->rb, end, entry);
        return 1;
    }
    if (ts_mariadb_record_parse(data(src), ts_text_len(data(src), end), &rec,
                                &reason) == TS_MARIADB_OPEN) {
        /* a raw line break inside the query: take the lines up to the
         * next record, as far as the limit allows */
        for (;;) {
            if (end == avail(src)) {
                rc = ts_rbuf_fill(&src->rb, err);
                if (rc < 0)
                    return rc;
                if (rc == 0)
                    break;
            }
            rc = ts_rbuf_find_line(&src->rb, end, src->limit - end, &next_end,
                                   err);
            if (rc < 0)
                return rc;
            if (rc == 1 || ts_mariadb_is_head(
                               data(src) + end,
                               ts_text_len(data(src) + end, next_end - end)))
                break;
            end = next_end;
        }
    }
    build_event(src, ev, data(src), end);
    ts_rbuf_emit(&src->rb, end, entry);
    return 1;
}

static int my_seek(ts_source *base, uint64_t position, uint64_t line,
                   ts_error *err)
{
    return ts_rbuf_seek(&((my_source *)base)->rb, position, line, err);
}

static void my_free(ts_source *base)
{
    my_source *src = (my_source *)base;

    if (src == NULL)
        return;
    ts_rbuf_release(&src->rb);
    ts_buf_release(&src->scratch);
    ts_my_conns_release(&src->conns);
    free(src->config);
    free(src);
}

static const ts_source_ops my_ops = {my_next, my_seek, my_free};

/* "", "UTC", "Z", or "+HH", "+HHMM", "+HH:MM" (or with '-'). */
static int parse_offset(const char *s, int64_t *out_us)
{
    int sign, h, m = 0;
    size_t n = strlen(s);

    *out_us = 0;
    if (n == 0 || strcmp(s, "UTC") == 0 || strcmp(s, "Z") == 0)
        return 0;
    if ((s[0] != '+' && s[0] != '-') || (n != 3 && n != 5 && n != 6))
        return -1;
    for (size_t i = 1; i < n; i++) {
        if (!(s[i] >= '0' && s[i] <= '9') && !(n == 6 && i == 3 && s[i] == ':'))
            return -1;
    }
    sign = s[0] == '-' ? -1 : 1;
    h = (s[1] - '0') * 10 + (s[2] - '0');
    if (n > 3)
        m = (s[n - 2] - '0') * 10 + (s[n - 1] - '0');
    if (h > 14 || m > 59)
        return -1;
    *out_us = (int64_t)sign * ((int64_t)h * 3600 + m * 60) * 1000000;
    return 0;
}

int ts_mariadb_audit_open_fd(ts_source **out, const char *config, int fd,
                             int own_fd, const char *name, size_t record_limit,
                             ts_error *err)
{
    ts_input *in;
    int rc;

    *out = NULL;
    rc = ts_input_open_fd(&in, fd, own_fd, name, err);
    if (rc != 0)
        return rc;
    return ts_mariadb_audit_open_input(out, config, in, record_limit, err);
}

int ts_mariadb_audit_open_input(ts_source **out, const char *config,
                                ts_input *in, size_t record_limit,
                                ts_error *err)
{
    my_source *src;
    int rc, n;

    *out = NULL;
    if (config == NULL)
        config = "";
    src = record_limit >= 2 ? calloc(1, sizeof(*src)) : NULL;
    if (src == NULL) {
        rc = record_limit < 2
                 ? ts_error_set(err, TS_EINVAL, "record limit too small")
                 : ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'",
                                ts_input_name(in));
        ts_input_free(in);
        return rc;
    }
    src->base.ops = &my_ops;
    src->base.format = "mariadb-audit";
    src->base.name = ts_input_name(in);
    src->limit = record_limit;
    ts_buf_init(&src->scratch, 3 * record_limit + 4096);
    rc = ts_rbuf_init(&src->rb, in, record_limit, err);
    if (rc != 0)
        goto fail;
    src->config = strdup(config);
    if (src->config == NULL) {
        rc = ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'",
                          src->base.name);
        goto fail;
    }
    src->base.config = src->config;
    if (parse_offset(config, &src->utc_offset_us) != 0) {
        rc = ts_error_set(err, TS_EINVAL,
                          "format 'mariadb-audit': '%s' is not a UTC offset "
                          "such as +02:00 (or UTC)",
                          config);
        goto fail;
    }
    if (record_limit % ((size_t)1 << 20) == 0)
        n = snprintf(src->cut_reason, sizeof(src->cut_reason),
                     "record exceeds %zu MiB", record_limit >> 20);
    else
        n = snprintf(src->cut_reason, sizeof(src->cut_reason),
                     "record exceeds %zu bytes", record_limit);
    if (n < 0)
        src->cut_reason[0] = '\0';
    rc = ts_rbuf_key(&src->rb, src->base.format, src->config, src->base.key,
                     err);
    if (rc != 0)
        goto fail;
    *out = &src->base;
    return 0;
fail:
    my_free(&src->base);
    return rc;
}
