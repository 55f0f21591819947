/* What a PostgreSQL log message means: connections, failures, audit, errors. */
#include <string.h>

#include "ingest/ingest_internal.h"

const char *ts_arena_strndup(ts_arena *arena, const char *s, size_t len)
{
    char *d = ts_arena_take(arena, len + 1);

    if (d == NULL)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *ts_arena_take(ts_arena *arena, size_t len)
{
    char *d;

    if (arena->size - arena->len < len)
        return NULL;
    d = arena->data + arena->len;
    arena->len += len;
    return d;
}

/* A piece of the message: [s, e). */
typedef struct piece {
    const char *s;
    const char *e;
} piece;

static int starts(const char *s, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(end - s) >= n && memcmp(s, lit, n) == 0;
}

/* First occurrence of lit in [s, end), or NULL. */
static const char *find(const char *s, const char *end, const char *lit)
{
    size_t n = strlen(lit);

    while ((size_t)(end - s) >= n) {
        const char *hit = memchr(s, lit[0], (size_t)(end - s) - n + 1);
        if (hit == NULL)
            return NULL;
        if (memcmp(hit, lit, n) == 0)
            return hit;
        s = hit + 1;
    }
    return NULL;
}

/* Sets *field from [s, e) unless something (the prefix) already did. */
static void fill(const char **field, const char *s, const char *e,
                 ts_arena *arena)
{
    if (*field == NULL && e > s)
        *field = ts_arena_strndup(arena, s, (size_t)(e - s));
}

/* Where the value after `key` at *p ends: at the earliest of the markers
 * found after it, else at end. Advances *p to that place. */
static piece value_until(const char **p, const char *end,
                         const char *const *markers)
{
    piece v = {*p, end};

    for (; *markers != NULL; markers++) {
        const char *hit = find(v.s, v.e, *markers);
        if (hit != NULL)
            v.e = hit;
    }
    *p = v.e;
    return v;
}

/* "connection received: host=H port=P" (port absent for sockets). */
static void connection_received(ts_event *ev, const char *p, const char *end,
                                ts_arena *arena)
{
    static const char *const markers[] = {" port=", NULL};

    ev->kind = TS_EVENT_CONNECTION_RECEIVED;
    if (!starts(p, end, "host="))
        return;
    p += 5;
    piece host = value_until(&p, end, markers);
    fill(&ev->client_host, host.s, host.e, arena);
    if (starts(p, end, " port="))
        fill(&ev->client_port, p + 6, end, arena);
}

/* "[replication ]connection authorized: user=U[ database=D]
 *  [ application_name=A][ SSL enabled (protocol=P, cipher=C, bits=N)]
 *  [ GSS (...)]" as PerformAuthentication() builds it. */
static void connection_authorized(ts_event *ev, const char *p, const char *end,
                                  ts_arena *arena)
{
    static const char *const after_user[] = {
        " database=", " application_name=", " SSL enabled (", " GSS (", NULL};
    static const char *const after_db[] = {
        " application_name=", " SSL enabled (", " GSS (", NULL};
    static const char *const after_app[] = {" SSL enabled (", " GSS (", NULL};

    ev->kind = TS_EVENT_CONNECTION_AUTHORIZED;
    if (!starts(p, end, "user="))
        return;
    p += 5;
    piece user = value_until(&p, end, after_user);
    fill(&ev->account, user.s, user.e, arena);
    if (starts(p, end, " database=")) {
        p += 10;
        piece db = value_until(&p, end, after_db);
        fill(&ev->database, db.s, db.e, arena);
    }
    if (starts(p, end, " application_name=")) {
        p += 18;
        piece app = value_until(&p, end, after_app);
        fill(&ev->application, app.s, app.e, arena);
    }
    if (starts(p, end, " SSL enabled (protocol=")) {
        p += 23;
        const char *c = find(p, end, ", cipher=");
        if (c == NULL)
            return;
        fill(&ev->tls_protocol, p, c, arena);
        c += 9;
        const char *b = find(c, end, ", bits=");
        fill(&ev->tls_cipher, c, b != NULL ? b : end, arena);
    }
}

static int read_num(const char **p, const char *end, int64_t *out)
{
    int64_t v = 0;
    const char *s = *p;

    if (s == end || *s < '0' || *s > '9')
        return -1;
    while (s < end && *s >= '0' && *s <= '9' && v < INT64_MAX / 100)
        v = v * 10 + (*s++ - '0');
    *p = s;
    *out = v;
    return 0;
}

static int expect(const char **p, const char *end, char c)
{
    if (*p == end || **p != c)
        return -1;
    (*p)++;
    return 0;
}

/* "disconnection: session time: H:MM:SS.mmm user=U database=D host=H
 *  port=P" from log_disconnections. */
static void disconnection(ts_event *ev, const char *p, const char *end,
                          ts_arena *arena)
{
    static const char *const after_user[] = {" database=", NULL};
    static const char *const after_db[] = {" host=", NULL};
    static const char *const after_host[] = {" port=", NULL};
    int64_t h, m, s, ms;

    ev->kind = TS_EVENT_DISCONNECTION;
    if (!starts(p, end, "session time: "))
        return;
    p += 14;
    if (read_num(&p, end, &h) || expect(&p, end, ':') ||
        read_num(&p, end, &m) || expect(&p, end, ':') ||
        read_num(&p, end, &s) || expect(&p, end, '.') || read_num(&p, end, &ms))
        return;
    /* PostgreSQL prints "%d:%02d:%02d.%03d": anything else is not its
     * session time, and huge numbers would overflow the product */
    if (h > 100000000 || m > 59 || s > 59 || ms > 999)
        return;
    ev->session_duration_us = ((h * 60 + m) * 60 + s) * 1000000 + ms * 1000;
    if (!starts(p, end, " user="))
        return;
    p += 6;
    piece user = value_until(&p, end, after_user);
    fill(&ev->account, user.s, user.e, arena);
    if (!starts(p, end, " database="))
        return;
    p += 10;
    piece db = value_until(&p, end, after_db);
    fill(&ev->database, db.s, db.e, arena);
    if (!starts(p, end, " host="))
        return;
    p += 6;
    piece host = value_until(&p, end, after_host);
    fill(&ev->client_host, host.s, host.e, arena);
    if (starts(p, end, " port="))
        fill(&ev->client_port, p + 6, end, arena);
}

/* The value of `key "VALUE"` in the message: PostgreSQL does not escape
 * quotes in names, so the value ends at a quote followed by a comma, a
 * space or the end. */
static piece quoted(const char *s, const char *end, const char *key)
{
    piece v = {NULL, NULL};
    const char *k = find(s, end, key);

    if (k == NULL)
        return v;
    v.s = k + strlen(key);
    for (const char *q = v.s; q < end; q++) {
        if (*q == '"' && (q + 1 == end || q[1] == ',' || q[1] == ' ')) {
            v.e = q;
            return v;
        }
    }
    v.s = NULL;
    return v;
}

/* FATAL messages of a failed login. Returns 1 when it is one. */
static int auth_failure(ts_event *ev, const char *s, const char *end,
                        ts_arena *arena)
{
    piece user = {NULL, NULL}, host = {NULL, NULL}, db = {NULL, NULL};

    if (find(s, end, "authentication failed for user \"") != NULL) {
        /* password, Peer, Ident, LDAP, RADIUS, certificate, GSSAPI... */
        user = quoted(s, end, "user \"");
    } else if (starts(s, end, "no pg_hba.conf entry for ") ||
               starts(s, end, "pg_hba.conf rejects ")) {
        host = quoted(s, end, "host \"");
        user = quoted(s, end, "user \"");
        db = quoted(s, end, "database \"");
    } else if (starts(s, end, "role \"") &&
               (find(s, end, "\" does not exist") != NULL ||
                find(s, end, "\" is not permitted to log in") != NULL)) {
        user = quoted(s, end, "role \"");
    } else if (find(s, end, "authentication failed") == NULL) {
        return 0;
    }
    ev->kind = TS_EVENT_AUTH_FAILURE;
    if (user.s != NULL)
        fill(&ev->account, user.s, user.e, arena);
    if (host.s != NULL)
        fill(&ev->client_host, host.s, host.e, arena);
    if (db.s != NULL)
        fill(&ev->database, db.s, db.e, arena);
    return 1;
}

static void audit(ts_event *ev, const char *s, const char *end, ts_arena *arena)
{
    ts_pgaudit_record rec;
    const char *reason = NULL;
    size_t len = (size_t)(end - s);
    char *buf = ts_arena_take(arena, len + TS_PGAUDIT_SLACK);

    if (buf == NULL) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "pgAudit record: too large to split";
        return;
    }
    if (ts_pgaudit_parse(s, len, buf, &rec, &reason) != 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = reason;
        return;
    }
    ev->kind = TS_EVENT_AUDIT;
    ev->audit_type = rec.audit_type;
    ev->statement_id = rec.statement_id;
    ev->substatement_id = rec.substatement_id;
    ev->audit_class = rec.audit_class;
    ev->command = rec.command;
    ev->object_type = rec.object_type;
    ev->object_name = rec.object_name;
    ev->statement = rec.statement;
    ev->parameter = rec.parameter;
    ev->rows = rec.rows;
}

/* "connection authenticated: identity="ID" method=M (FILE:LINE)" from
 * set_authn_id() (PostgreSQL 14+). The identity is quoted without
 * escaping, so it ends at the last '" method=' of the line. */
static void connection_authenticated(ts_event *ev, const char *p,
                                     const char *end, ts_arena *arena)
{
    const char *q = NULL, *m, *e;

    ev->kind = TS_EVENT_LOG;
    if (!starts(p, end, "identity=\""))
        return;
    p += 10;
    for (const char *h = find(p, end, "\" method="); h != NULL;
         h = find(h + 1, end, "\" method="))
        q = h;
    if (q == NULL)
        return;
    fill(&ev->auth_identity, p, q, arena);
    m = q + 9;
    e = find(m, end, " (");
    fill(&ev->auth_method, m, e != NULL ? e : end, arena);
}

/* log_statement and log_min_duration_statement: "statement: SQL",
 * "execute NAME: SQL", each possibly after "duration: N ms  ". */
static int statement(ts_event *ev, const char *s, const char *end)
{
    if (starts(s, end, "duration: ")) {
        const char *gap = find(s, end, " ms  ");
        if (gap == NULL)
            return 0;
        s = gap + 5;
    }
    if (starts(s, end, "statement: ")) {
        s += 11;
    } else if (starts(s, end, "execute ")) {
        const char *colon = find(s, end, ": ");
        if (colon == NULL)
            return 0;
        s = colon + 2;
    } else {
        return 0;
    }
    ev->kind = TS_EVENT_STATEMENT;
    /* the message is NUL-terminated, so its tail is a C string */
    ev->statement = s;
    return 1;
}

void ts_pg_classify(ts_event *ev, ts_pg_level level, const char *msg,
                    size_t len, ts_arena *arena)
{
    const char *end = msg + len;

    ev->kind = TS_EVENT_LOG;
    if (ts_pg_level_is_attached(level))
        return; /* a DETAIL or STATEMENT line whose message is not here */
    if (starts(msg, end, "AUDIT: ")) {
        audit(ev, msg + 7, end, arena);
        return;
    }
    if (level == TS_PGL_LOG) {
        if (starts(msg, end, "connection received: "))
            connection_received(ev, msg + 21, end, arena);
        else if (starts(msg, end, "connection authorized: "))
            connection_authorized(ev, msg + 23, end, arena);
        else if (starts(msg, end, "replication connection authorized: "))
            connection_authorized(ev, msg + 35, end, arena);
        else if (starts(msg, end, "connection authenticated: "))
            connection_authenticated(ev, msg + 26, end, arena);
        else if (starts(msg, end, "disconnection: "))
            disconnection(ev, msg + 15, end, arena);
        else
            statement(ev, msg, end);
        return;
    }
    if (level == TS_PGL_FATAL && auth_failure(ev, msg, end, arena))
        return;
    if (level == TS_PGL_ERROR) {
        ev->kind = TS_EVENT_ERROR;
        if (ev->sqlstate == NULL && (starts(msg, end, "permission denied") ||
                                     starts(msg, end, "must be owner of ")))
            ev->sqlstate = "42501";
    }
}

int ts_pg_arena_for(ts_buf *scratch, size_t len, ts_arena *arena, ts_event *ev)
{
    size_t need;

    /* every string comes from the record once or twice (a value and what
     * the message says about it); reserving it all up front keeps handed
     * out strings from moving */
    scratch->len = 0;
    if (ts_size_mul(len, 3, &need) != 0 ||
        ts_size_add(need, 1024, &need) != 0 ||
        ts_buf_reserve(scratch, need, NULL) != 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "record too large to parse in memory";
        return -1;
    }
    arena->data = (char *)scratch->data;
    arena->len = 0;
    arena->size = scratch->size;
    return 0;
}

void ts_pg_structured_event(ts_event *ev, const char *time_text,
                            const char *severity, const char *message,
                            ts_arena *arena)
{
    ts_pg_level level;
    int64_t us;

    if (time_text == NULL ||
        ts_pg_time_parse(time_text, strlen(time_text), &us) != 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason =
            time_text == NULL ? "no log time" : "log time is not a valid time";
        return;
    }
    ev->time_us = us;
    level = severity != NULL ? ts_pg_level_parse(severity, strlen(severity))
                             : TS_PGL_NONE;
    if (level == TS_PGL_NONE || ts_pg_level_is_attached(level)) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "unknown error severity";
        return;
    }
    ev->severity = ts_pg_level_name(level);
    if (message == NULL)
        message = "";
    ev->message = message;
    ts_pg_classify(ev, level, message, strlen(message), arena);
}
