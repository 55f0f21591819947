/* The meaning of a row of a pg_stat CSV export: its header names the view
 * and the columns; each row is a snapshot row (schemas/index.sql). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/pgstat_internal.h"
#include "ingest/ref_internal.h"
#include "trailseal/time.h"

static const char *const col_names[TS_PSC_COUNT] = {
    [TS_PSC_SNAPSHOT_AT] = "snapshot_at",
    [TS_PSC_SERVER] = "server",
    [TS_PSC_USERID] = "userid",
    [TS_PSC_DBID] = "dbid",
    [TS_PSC_QUERYID] = "queryid",
    [TS_PSC_TOPLEVEL] = "toplevel",
    [TS_PSC_CALLS] = "calls",
    [TS_PSC_ROWS] = "rows",
    [TS_PSC_TOTAL_EXEC_TIME] = "total_exec_time",
    [TS_PSC_TOTAL_TIME] = "total_time",
    [TS_PSC_USERNAME] = "username",
    [TS_PSC_DATNAME] = "datname",
    [TS_PSC_QUERY] = "query",
    [TS_PSC_PID] = "pid",
    [TS_PSC_USENAME] = "usename",
    [TS_PSC_APPLICATION_NAME] = "application_name",
    [TS_PSC_CLIENT_ADDR] = "client_addr",
    [TS_PSC_CLIENT_PORT] = "client_port",
    [TS_PSC_BACKEND_START] = "backend_start",
    [TS_PSC_STATE] = "state",
    [TS_PSC_BACKEND_TYPE] = "backend_type",
    [TS_PSC_SSL] = "ssl",
    [TS_PSC_VERSION] = "version",
    [TS_PSC_CIPHER] = "cipher",
    [TS_PSC_SSL_VERSION] = "ssl_version",
    [TS_PSC_SSL_CIPHER] = "ssl_cipher",
};

const char *ts_pgstat_view_name(ts_pgstat_view view)
{
    switch (view) {
    case TS_PGSTAT_STATEMENTS:
        return "statements";
    case TS_PGSTAT_ACTIVITY:
        return "activity";
    case TS_PGSTAT_SSL:
        return "ssl";
    default:
        return "none";
    }
}

void ts_pgstat_parser_init(ts_pgstat_parser *p, size_t record_limit)
{
    memset(p, 0, sizeof(*p));
    ts_buf_init(&p->scratch, record_limit + TS_PGSTAT_MAX_FIELDS + 64);
}

void ts_pgstat_parser_release(ts_pgstat_parser *p)
{
    ts_buf_release(&p->scratch);
}

int ts_pgstat_is_head(const char *s, size_t len)
{
    static const char header[] = "snapshot_at,";

    if (len >= sizeof(header) - 1 && memcmp(s, header, sizeof(header) - 1) == 0)
        return 1;
    if (len < 19)
        return 0;
    for (size_t i = 0; i < 19; i++) {
        const char want = "0000-00-00 00:00:00"[i];
        if (want == '0' ? (s[i] < '0' || s[i] > '9') : s[i] != want)
            return 0;
    }
    return 1;
}

/* Which view the columns name; NULL reason when one fits. */
static ts_pgstat_view view_of(const int *at, const char **why)
{
    *why = NULL;
    if (at[TS_PSC_QUERYID] >= 0 && at[TS_PSC_CALLS] >= 0) {
        if (at[TS_PSC_USERID] < 0 || at[TS_PSC_DBID] < 0 ||
            at[TS_PSC_ROWS] < 0 || at[TS_PSC_QUERY] < 0)
            *why = "pg_stat_statements header without userid, dbid, rows "
                   "or query";
        return TS_PGSTAT_STATEMENTS;
    }
    if (at[TS_PSC_BACKEND_START] >= 0 && at[TS_PSC_PID] >= 0)
        return TS_PGSTAT_ACTIVITY;
    if (at[TS_PSC_SSL] >= 0 && at[TS_PSC_PID] >= 0)
        return TS_PGSTAT_SSL;
    *why = "header names no view trailseal knows (pg_stat_statements: "
           "queryid, calls; pg_stat_activity: pid, backend_start; "
           "pg_stat_ssl: pid, ssl)";
    return TS_PGSTAT_NONE;
}

static void read_header(ts_pgstat_parser *p, size_t n)
{
    const char *why = NULL;

    p->have_header = 1;
    p->header_problem[0] = '\0';
    p->n_cols = n;
    for (int c = 0; c < TS_PSC_COUNT; c++)
        p->at[c] = -1;
    for (size_t i = 0; i < n; i++) {
        p->col[i] = -1;
        for (int c = 0; c < TS_PSC_COUNT; c++) {
            if (strcmp(p->fields[i], col_names[c]) == 0 && p->at[c] < 0) {
                p->col[i] = c;
                p->at[c] = (int)i;
            }
        }
    }
    p->view = view_of(p->at, &why);
    if (why != NULL)
        snprintf(p->header_problem, sizeof(p->header_problem), "%s", why);
}

/* The field of column c, NULL when the header has none or it is empty. */
static const char *get(const ts_pgstat_parser *p, ts_pgstat_col c)
{
    int i = p->at[c];

    if (i < 0 || p->fields[i][0] == '\0')
        return NULL;
    return p->fields[i];
}

/* Leaves ev unparsed with a one-line reason. */
static void unparsed(ts_pgstat_parser *p, ts_event *ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The entry has the line: diagnostics print file:line before the reason. */
static void unparsed(ts_pgstat_parser *p, ts_event *ev, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(p->reason, sizeof(p->reason), fmt, ap) < 0)
        p->reason[0] = '\0';
    va_end(ap);
    ev->kind = TS_EVENT_UNPARSED;
    ev->unparsed_reason = p->reason;
}

/* A whole decimal number (a sign allowed), or -1 with *bad set. */
static int64_t number(const char *s, int *bad)
{
    char *end;
    long long v;

    if (s == NULL)
        return -1;
    v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || v < 0) {
        *bad = 1;
        return -1;
    }
    return (int64_t)v;
}

/* PostgreSQL's CSV booleans: t or f; -1 when empty, -2 for anything else. */
static int boolean(const char *s)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "t") == 0 || strcmp(s, "true") == 0)
        return 1;
    if (strcmp(s, "f") == 0 || strcmp(s, "false") == 0)
        return 0;
    return -2;
}

/* pg_stat_statements: the key and the counters; the index turns them into
 * the activity since the server's previous snapshot. */
static int statements_row(ts_pgstat_parser *p, ts_event *ev)
{
    ts_pgstat_record *r = &p->rec;
    const char *t = get(p, TS_PSC_TOTAL_EXEC_TIME);
    int bad = 0;

    r->userid = number(get(p, TS_PSC_USERID), &bad);
    r->dbid = number(get(p, TS_PSC_DBID), &bad);
    r->calls = number(get(p, TS_PSC_CALLS), &bad);
    r->rows = number(get(p, TS_PSC_ROWS), &bad);
    r->queryid = get(p, TS_PSC_QUERYID);
    if (bad || r->userid < 0 || r->dbid < 0 || r->calls < 0 || r->rows < 0) {
        unparsed(p, ev, "userid, dbid, calls and rows must be numbers");
        return -1;
    }
    if (r->queryid != NULL) {
        char *end;
        (void)strtoll(r->queryid, &end, 10);
        if (*end != '\0') {
            unparsed(p, ev, "queryid '%.64s' is not a number", r->queryid);
            return -1;
        }
    }
    r->toplevel = boolean(get(p, TS_PSC_TOPLEVEL));
    if (t == NULL)
        t = get(p, TS_PSC_TOTAL_TIME);
    if (t != NULL) {
        char *end;
        r->total_exec_ms = strtod(t, &end);
        if (*end != '\0' || r->total_exec_ms < 0) {
            unparsed(p, ev, "total_exec_time '%.64s' is not a number", t);
            return -1;
        }
    }
    ev->kind = TS_EVENT_STATEMENT_STATS;
    ev->account = get(p, TS_PSC_USERNAME);
    ev->database = get(p, TS_PSC_DATNAME);
    ev->statement = get(p, TS_PSC_QUERY);
    ev->rows = r->rows;
    return 0;
}

/* pg_stat_activity (with pg_stat_ssl's columns when joined) and pg_stat_ssl:
 * a session as the server saw it at the snapshot. */
static int session_row(ts_pgstat_parser *p, ts_event *ev)
{
    ts_pgstat_record *r = &p->rec;
    const char *start = get(p, TS_PSC_BACKEND_START);
    const char *version = get(p, TS_PSC_SSL_VERSION);
    const char *cipher = get(p, TS_PSC_SSL_CIPHER);
    int bad = 0;

    ev->pid = number(get(p, TS_PSC_PID), &bad);
    if (bad) {
        unparsed(p, ev, "pid '%.32s' is not a number", get(p, TS_PSC_PID));
        return -1;
    }
    r->ssl = boolean(get(p, TS_PSC_SSL));
    if (r->ssl == -2) {
        unparsed(p, ev, "ssl '%.32s' is not t or f", get(p, TS_PSC_SSL));
        return -1;
    }
    if (start != NULL &&
        ts_time_parse(start, &r->backend_start_us, NULL) != 0) {
        unparsed(p, ev, "backend_start '%.64s' is not a time", start);
        return -1;
    }
    if (version == NULL)
        version = get(p, TS_PSC_VERSION);
    if (cipher == NULL)
        cipher = get(p, TS_PSC_CIPHER);
    if (r->ssl == 1) {
        ev->tls_protocol = version;
        ev->tls_cipher = cipher;
    }
    r->state = get(p, TS_PSC_STATE);
    r->backend_type = get(p, TS_PSC_BACKEND_TYPE);
    ev->kind = TS_EVENT_PG_STAT;
    ev->account = get(p, TS_PSC_USENAME);
    ev->database = get(p, TS_PSC_DATNAME);
    ev->application = get(p, TS_PSC_APPLICATION_NAME);
    ev->client_host = get(p, TS_PSC_CLIENT_ADDR);
    ev->client_port = get(p, TS_PSC_CLIENT_PORT);
    ev->query = get(p, TS_PSC_QUERY);
    /* PostgreSQL's session id (%c, csvlog's session_id): the backend's
     * start in seconds and its pid in hex, so these rows and the server's
     * log name the same session */
    if (r->backend_start_us != TS_UNKNOWN_TIME && ev->pid >= 0 &&
        (r->backend_type == NULL ||
         strcmp(r->backend_type, "client backend") == 0)) {
        int64_t secs = r->backend_start_us / 1000000;
        if (r->backend_start_us < 0 && r->backend_start_us % 1000000 != 0)
            secs--;
        if (secs >= 0 && snprintf(p->session_id, sizeof(p->session_id),
                                  "%" PRIx64 ".%" PRIx64, (uint64_t)secs,
                                  (uint64_t)ev->pid) > 0)
            ev->session_id = p->session_id;
    }
    return 0;
}

void ts_pgstat_parse(ts_pgstat_parser *p, const char *s, size_t len,
                     ts_event *ev)
{
    ts_pgstat_record *r = &p->rec;
    const char *reason = NULL, *snap, *server;
    size_t n = 0, need;
    int header;

    memset(r, 0, sizeof(*r));
    r->view = TS_PGSTAT_NONE;
    r->snapshot_us = r->backend_start_us = TS_UNKNOWN_TIME;
    r->userid = r->dbid = r->calls = r->rows = -1;
    r->toplevel = r->ssl = -1;
    r->server = "";
    ev->pgstat = r;
    ev->kind = TS_EVENT_LOG;
    if (len == 0)
        return; /* a blank line */
    if (!ts_utf8_valid(s, len)) {
        unparsed(p, ev, "invalid UTF-8");
        return;
    }
    p->scratch.len = 0;
    if (ts_size_add(len, TS_PGSTAT_MAX_FIELDS + 16, &need) != 0 ||
        ts_buf_reserve(&p->scratch, need, NULL) != 0) {
        unparsed(p, ev, "row too large to parse in memory");
        return;
    }
    if (ts_ref_csv_split(s, len, (char *)p->scratch.data, p->fields,
                         TS_PGSTAT_MAX_FIELDS, &n, &reason) != 0) {
        unparsed(p, ev, "CSV: %s",
                 strcmp(reason, "more fields than a reference file may have") ==
                         0
                     ? "more fields than a pg_stat export may have"
                     : reason);
        return;
    }
    header = strcmp(p->fields[0], "snapshot_at") == 0;
    if (header) {
        read_header(p, n);
        return;
    }
    if (!p->have_header) {
        unparsed(p, ev, "no header line (snapshot_at,...) before this row");
        return;
    }
    if (p->header_problem[0] != '\0') {
        unparsed(p, ev, "%s", p->header_problem);
        return;
    }
    if (n != p->n_cols) {
        unparsed(p, ev, "row has %zu fields, the header %zu", n, p->n_cols);
        return;
    }
    snap = get(p, TS_PSC_SNAPSHOT_AT);
    if (snap == NULL || ts_time_parse(snap, &r->snapshot_us, NULL) != 0) {
        r->snapshot_us = TS_UNKNOWN_TIME;
        unparsed(p, ev, "snapshot_at '%.64s' is not a time",
                 snap != NULL ? snap : "");
        return;
    }
    server = get(p, TS_PSC_SERVER);
    r->server = server != NULL ? server : "";
    ev->time_us = r->snapshot_us;
    if (p->view == TS_PGSTAT_STATEMENTS) {
        if (statements_row(p, ev) == 0)
            r->view = p->view;
    } else if (session_row(p, ev) == 0) {
        r->view = p->view;
    }
}

int ts_pgstat_detect(const uint8_t *head, size_t len)
{
    ts_pgstat_parser p;
    const char *s = (const char *)head, *nl;
    size_t n;
    int found;

    if (!ts_pgstat_is_head(s, len) || s[0] != 's')
        return 0;
    nl = memchr(s, '\n', len);
    if (nl == NULL)
        return 0; /* a header line always ends before the 64 KiB looked at */
    n = ts_text_len(s, (size_t)(nl - s) + 1);
    ts_pgstat_parser_init(&p, n);
    {
        ts_event ev;
        ts_event_init(&ev);
        ts_pgstat_parse(&p, s, n, &ev);
    }
    found = p.have_header && p.header_problem[0] == '\0';
    ts_pgstat_parser_release(&p);
    return found;
}
