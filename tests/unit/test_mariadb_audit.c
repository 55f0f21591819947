/* Tests of the MariaDB server_audit reader (ingest/mariadb_audit.c,
 * mariadb_record.c, my_sql.c): a real log, documented examples of other
 * versions, and bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/test_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "ingest/ingest_internal.h"
#include "trailseal/ingest.h"

/* The log of scripts/mariadb-workload.sh on Debian 12's MariaDB 10.11.19,
 * made by scripts/make-mariadb-fixture.sh; regenerating it means recounting
 * below. */
#define FIXTURE TS_TEST_DATA_DIR "/mariadb-audit/server_audit-10.11.log"

/* What one entry was and meant, copied out of the borrowed event. */
typedef struct seen {
    uint64_t position;
    uint64_t line;
    uint64_t end_line;
    ts_event_kind kind;
    char *reason;
    char *session_id;
    char *account;
    char *client_host;
    char *client_port;
    char *database;
    char *command;
    char *audit_class;
    char *object_name;
    char *statement;
    char *query;
    char *sqlstate;
    char *message;
    char *tls_protocol;
    int64_t time_us;
    int64_t pid;
    int64_t statement_id;
    int64_t duration_us;
    size_t statement_len;
} seen;

typedef struct run {
    size_t n;
    size_t kinds[TS_EVENT_KIND_COUNT];
    ts_buf bytes; /* all records, concatenated */
    seen *entries;
} run;

static char *dup_or_null(const char *s)
{
    char *d;

    if (s == NULL)
        return NULL;
    d = strdup(s);
    assert_non_null(d);
    return d;
}

/* Reads src to the end, checking that records follow each other. */
static void read_all(ts_source *src, run *r)
{
    ts_entry e;
    ts_event ev;
    ts_error err;
    size_t cap = 64;
    uint64_t prev_end = 0;
    int rc;

    memset(r, 0, sizeof(*r));
    ts_buf_init(&r->bytes, (size_t)1 << 30);
    r->entries = malloc(cap * sizeof(seen));
    assert_non_null(r->entries);
    while ((rc = ts_source_next(src, &e, &ev, &err)) == 1) {
        seen *s;
        if (r->n > 0) {
            assert_int_equal(e.position, prev_end);
            assert_int_equal(e.line, r->entries[r->n - 1].end_line);
        }
        prev_end = e.end_position;
        assert_int_equal(e.end_position - e.position, e.record_len);
        assert_true(e.record_len > 0);
        assert_true(ev.kind == TS_EVENT_UNPARSED || ev.unparsed_reason == NULL);
        assert_true(ev.kind != TS_EVENT_UNPARSED || ev.unparsed_reason != NULL);
        if (r->n == cap) {
            cap *= 2;
            r->entries = realloc(r->entries, cap * sizeof(seen));
            assert_non_null(r->entries);
        }
        s = &r->entries[r->n++];
        memset(s, 0, sizeof(*s));
        s->position = e.position;
        s->line = e.line;
        s->end_line = e.end_line;
        s->kind = ev.kind;
        s->reason = dup_or_null(ev.unparsed_reason);
        s->session_id = dup_or_null(ev.session_id);
        s->account = dup_or_null(ev.account);
        s->client_host = dup_or_null(ev.client_host);
        s->client_port = dup_or_null(ev.client_port);
        s->database = dup_or_null(ev.database);
        s->command = dup_or_null(ev.command);
        s->audit_class = dup_or_null(ev.audit_class);
        s->object_name = dup_or_null(ev.object_name);
        s->statement = dup_or_null(ev.statement);
        s->statement_len = ev.statement != NULL ? strlen(ev.statement) : 0;
        s->query = dup_or_null(ev.query);
        s->sqlstate = dup_or_null(ev.sqlstate);
        s->message = dup_or_null(ev.message);
        s->tls_protocol = dup_or_null(ev.tls_protocol);
        s->time_us = ev.time_us;
        s->pid = ev.pid;
        s->statement_id = ev.statement_id;
        s->duration_us = ev.session_duration_us;
        r->kinds[ev.kind]++;
        assert_int_equal(ts_buf_append(&r->bytes, e.record, e.record_len, NULL),
                         0);
    }
    if (rc != 0)
        fail_msg("next: %s", err.msg);
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        seen *s = &r->entries[i];
        char *fields[] = {s->reason,      s->session_id,  s->account,
                          s->client_host, s->client_port, s->database,
                          s->command,     s->audit_class, s->object_name,
                          s->statement,   s->query,       s->sqlstate,
                          s->message,     s->tls_protocol};
        for (size_t j = 0; j < sizeof(fields) / sizeof(fields[0]); j++)
            free(fields[j]);
    }
    free(r->entries);
    ts_buf_release(&r->bytes);
}

/* Reads data[0, len) as a file with the given record limit and config. */
static void read_bytes(const void *data, size_t len, size_t limit,
                       const char *config, run *r)
{
    char *path = write_temp(data, len);
    FILE *f = fopen(path, "rb");
    ts_source *src = NULL;
    ts_error err;

    assert_non_null(f);
    if (ts_mariadb_audit_open_fd(&src, config, dup(fileno(f)), 1, path, limit,
                                 &err) != 0)
        fail_msg("open: %s", err.msg);
    fclose(f);
    read_all(src, r);
    ts_source_free(src);
    /* every byte is sealed, in order, once */
    assert_int_equal(r->bytes.len, len);
    if (len > 0)
        assert_memory_equal(r->bytes.data, data, len);
    unlink(path);
    free(path);
}

static void read_text(const char *text, run *r)
{
    read_bytes(text, strlen(text), TS_MARIADB_RECORD_LIMIT, NULL, r);
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return (((ts_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s) *
           1000000;
}

/* ------------------------------------------------------------------ */
/* The real log                                                        */
/* ------------------------------------------------------------------ */

static void test_fixture(void **state)
{
    ts_source *src = NULL;
    ts_error err;
    uint8_t *file;
    size_t len;
    run r;

    (void)state;
    file = slurp(FIXTURE, &len);
    if (ts_source_open_file(&src, "mariadb-audit", NULL, FIXTURE, &err) != 0)
        fail_msg("open: %s", err.msg);
    assert_string_equal(src->format, "mariadb-audit");
    assert_int_equal(strlen(src->key), 64);
    read_all(src, &r);
    ts_source_free(src);

    assert_int_equal(r.bytes.len, len);
    assert_memory_equal(r.bytes.data, file, len);
    /* one entry per line, counted with awk -F, on field 7 and the retcode */
    assert_int_equal(r.n, 103);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    assert_int_equal(r.kinds[TS_EVENT_AUDIT], 62);
    assert_int_equal(r.kinds[TS_EVENT_CONNECTION_AUTHORIZED], 6);
    assert_int_equal(r.kinds[TS_EVENT_DISCONNECTION], 7);
    assert_int_equal(r.kinds[TS_EVENT_AUTH_FAILURE], 1);
    assert_int_equal(r.kinds[TS_EVENT_ERROR], 3);
    assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 24);
    for (size_t i = 0; i < r.n; i++) {
        assert_int_equal(r.entries[i].line, i + 1);
        assert_non_null(r.entries[i].session_id);
        assert_true(r.entries[i].time_us >= utc(2026, 11, 22, 7, 16, 30));
    }

    /* line 57: alice connects to shop over TCP */
    seen *s = &r.entries[56];
    assert_int_equal(s->kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_string_equal(s->account, "alice");
    assert_string_equal(s->client_host, "127.0.0.1");
    assert_null(s->client_port);
    assert_string_equal(s->database, "shop");
    assert_int_equal(s->pid, 5);
    assert_string_equal(s->session_id, "vm:5@2026-11-22T07:16:30Z");
    assert_int_equal(s->time_us, utc(2026, 11, 22, 7, 16, 30));

    /* line 61: the three-line query, escapes undone */
    s = &r.entries[60];
    assert_int_equal(s->kind, TS_EVENT_STATEMENT);
    assert_string_equal(s->statement,
                        "SELECT name,\n       email\n  FROM customers WHERE "
                        "name LIKE '%\\\\%' OR email = 'a,b'");
    assert_string_equal(s->command, "SELECT");
    assert_string_equal(s->audit_class, "READ");
    assert_int_equal(s->statement_id, 17);
    assert_string_equal(s->session_id, "vm:5@2026-11-22T07:16:30Z");

    /* line 59: quotes and commas */
    s = &r.entries[58];
    assert_string_equal(s->statement,
                        "INSERT INTO customers VALUES (3, 'O''Brien, \"Pat\"', "
                        "'pat@example.com', '111-22-3333')");
    assert_string_equal(s->command, "INSERT");
    assert_string_equal(s->audit_class, "WRITE");

    /* line 67: the failed login, and the DISCONNECT after it */
    s = &r.entries[66];
    assert_int_equal(s->kind, TS_EVENT_AUTH_FAILURE);
    assert_string_equal(s->account, "bob");
    assert_string_equal(s->sqlstate, "28000");
    assert_string_equal(s->message, "access denied for user 'bob'@'127.0.0.1' "
                                    "(MariaDB error 1045 "
                                    "ER_ACCESS_DENIED_ERROR)");
    assert_int_equal(r.entries[67].kind, TS_EVENT_DISCONNECTION);
    assert_string_equal(r.entries[67].session_id, s->session_id);
    assert_int_equal(r.entries[67].duration_us, 0);

    /* line 72: permission denied */
    s = &r.entries[71];
    assert_int_equal(s->kind, TS_EVENT_ERROR);
    assert_string_equal(s->sqlstate, "42501");
    assert_string_equal(s->query, "SELECT ssn FROM shop.customers");
    assert_null(s->statement);
    assert_string_equal(s->message, "permission denied (MariaDB error 1142 "
                                    "ER_TABLEACCESS_DENIED_ERROR)");

    /* line 92: a syntax error keeps MariaDB's SQLSTATE */
    s = &r.entries[91];
    assert_int_equal(s->kind, TS_EVENT_ERROR);
    assert_string_equal(s->sqlstate, "42000");
    assert_string_equal(s->message,
                        "error (MariaDB error 1064 ER_PARSE_ERROR)");

    /* line 86: RENAME */
    s = &r.entries[85];
    assert_int_equal(s->kind, TS_EVENT_AUDIT);
    assert_string_equal(s->command, "RENAME");
    assert_string_equal(s->audit_class, "DDL");
    assert_string_equal(s->object_name, "ml.training_rows");

    /* line 78: agent_etl reads shop.customers */
    s = &r.entries[77];
    assert_int_equal(s->kind, TS_EVENT_AUDIT);
    assert_string_equal(s->command, "READ");
    assert_string_equal(s->object_name, "shop.customers");
    assert_string_equal(s->account, "agent_etl");
    run_free(&r);
    free(file);
}

/* A saved cursor continues where the first read stopped. */
static void test_fixture_seek(void **state)
{
    ts_source *src = NULL;
    ts_error err;
    run all, rest;

    (void)state;
    assert_int_equal(
        ts_source_open_file(&src, "mariadb-audit", "", FIXTURE, &err), 0);
    read_all(src, &all);
    ts_source_free(src);
    assert_int_equal(
        ts_source_open_file(&src, "mariadb-audit", "", FIXTURE, &err), 0);
    assert_int_equal(ts_source_seek(src, all.entries[60].position,
                                    all.entries[60].line, &err),
                     0);
    read_all(src, &rest);
    ts_source_free(src);
    assert_int_equal(rest.n, all.n - 60);
    assert_int_equal(rest.entries[0].line, 61);
    assert_string_equal(rest.entries[0].statement, all.entries[60].statement);
    /* the CONNECT was before the cursor: the session has no connect time */
    assert_string_equal(rest.entries[0].session_id, "vm:5");
    run_free(&all);
    run_free(&rest);
}

/* ------------------------------------------------------------------ */
/* Documented shapes of other versions                                 */
/* ------------------------------------------------------------------ */

static void test_record_shapes(void **state)
{
    ts_mariadb_record rec;
    const char *reason = NULL;
    const char *t;

    (void)state;
    /* MariaDB 12: host:port */
    t = "20250315 09:00:01,db1,alice,192.168.0.5:51234,12,0,CONNECT,shop,,0";
    assert_int_equal(ts_mariadb_record_parse(t, strlen(t), &rec, &reason), 0);
    assert_int_equal(rec.host.len, 11);
    assert_memory_equal(rec.host.s, "192.168.0.5", 11);
    assert_int_equal(rec.port.len, 5);
    assert_memory_equal(rec.port.s, "51234", 5);
    assert_int_equal(rec.connection_id, 12);
    assert_true(rec.has_retcode);
    assert_int_equal(rec.retcode, 0);

    /* bracketed IPv6 with a port; a bare IPv6 address stays whole */
    t = "20250315 09:00:01,db1,alice,[2001:db8::7]:40000,13,0,CONNECT,,,0";
    assert_int_equal(ts_mariadb_record_parse(t, strlen(t), &rec, &reason), 0);
    assert_int_equal(rec.host.len, 11);
    assert_memory_equal(rec.host.s, "2001:db8::7", 11);
    assert_memory_equal(rec.port.s, "40000", 5);
    t = "20250315 09:00:01,db1,alice,::1,14,0,CONNECT,,,0";
    assert_int_equal(ts_mariadb_record_parse(t, strlen(t), &rec, &reason), 0);
    assert_int_equal(rec.host.len, 3);
    assert_int_equal(rec.port.len, 0);
    /* a socket connection in 12.x: no port to give */
    t = "20250315 09:00:01,db1,root,localhost:unavailable,15,0,CONNECT,,,0";
    assert_int_equal(ts_mariadb_record_parse(t, strlen(t), &rec, &reason), 0);
    assert_int_equal(rec.host.len, 9);
    assert_int_equal(rec.port.len, 0);

    /* a comma in the user name does not shift the fields */
    t = "20250315 09:00:01,db1,we,ird,10.0.0.1,16,3,QUERY,,'SELECT 1',0";
    assert_int_equal(ts_mariadb_record_parse(t, strlen(t), &rec, &reason), 0);
    assert_int_equal(rec.user.len, 6);
    assert_memory_equal(rec.user.s, "we,ird", 6);
    assert_memory_equal(rec.host.s, "10.0.0.1", 8);
    assert_int_equal(rec.query_id, 3);
    assert_true(rec.object_quoted);
    assert_int_equal(rec.object.len, 8);

    /* empty user and host (a DISCONNECT of an unauthenticated client) */
    t = "20250315 09:00:01,db1,,,17,0,DISCONNECT,,,0";
    assert_int_equal(ts_mariadb_record_parse(t, strlen(t), &rec, &reason), 0);
    assert_int_equal(rec.user.len, 0);
    assert_int_equal(rec.host.len, 0);
    assert_int_equal(rec.connection_id, 17);

    /* a table record has an empty retcode */
    t = "20250315 09:00:01,db1,u,h,18,9,WRITE,shop,orders,";
    assert_int_equal(ts_mariadb_record_parse(t, strlen(t), &rec, &reason), 0);
    assert_false(rec.has_retcode);
    assert_int_equal(rec.object.len, 6);

    /* fractional seconds, should a server write them */
    t = "20250315 09:00:01.250000,db1,u,h,19,0,CONNECT,,,0";
    assert_int_equal(ts_mariadb_record_parse(t, strlen(t), &rec, &reason), 0);
    assert_int_equal(rec.time_us, utc(2025, 3, 15, 9, 0, 1) + 250000);
}

static void test_documented_events(void **state)
{
    /* The record shapes of the MariaDB documentation's log format page,
     * with a 12.x host:port, a TLS version and older QUERY_DDL names. */
    static const char log[] =
        "20250315 09:00:01,db1,alice,192.168.0.5:51234,12,0,CONNECT,shop,"
        "TLSv1.3,0\n"
        "20250315 09:00:02,db1,alice,192.168.0.5:51234,12,40,QUERY_DDL,shop,"
        "'CREATE OR REPLACE TABLE t (a INT)',0\n"
        "20250315 09:00:02,db1,alice,192.168.0.5:51234,12,40,CREATE,shop,t,\n"
        "20250315 09:00:03,db1,alice,192.168.0.5:51234,12,41,QUERY_DCL,shop,"
        "'GRANT SELECT ON shop.t TO \\'bob\\'@\\'%\\'',1044\n"
        "20250315 09:00:04,db1,alice,192.168.0.5:51234,12,0,CHANGEUSER,shop,,"
        "0\n"
        "20250315 09:00:05,db1,alice,192.168.0.5:51234,12,42,QUERY,shop,"
        "'/* app=etl */ select 1',0\n"
        "20250315 09:00:06,db1,alice,192.168.0.5:51234,12,0,PROXY_CONNECT,"
        "shop,x,0\n"
        "20250315 09:01:06,db1,alice,192.168.0.5:51234,12,0,DISCONNECT,shop,,"
        "0\n";
    run r;

    (void)state;
    read_bytes(log, strlen(log), TS_MARIADB_RECORD_LIMIT, "+01:00", &r);
    assert_int_equal(r.n, 8);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    assert_int_equal(r.entries[0].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_string_equal(r.entries[0].client_port, "51234");
    assert_string_equal(r.entries[0].tls_protocol, "TLSv1.3");
    /* the server's local time at +01:00 */
    assert_int_equal(r.entries[0].time_us, utc(2025, 3, 15, 8, 0, 1));
    assert_string_equal(r.entries[0].session_id, "db1:12@2025-03-15T08:00:01Z");
    assert_int_equal(r.entries[1].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.entries[1].command, "CREATE TABLE");
    assert_string_equal(r.entries[1].audit_class, "DDL");
    assert_int_equal(r.entries[2].kind, TS_EVENT_AUDIT);
    assert_string_equal(r.entries[2].object_name, "shop.t");
    assert_int_equal(r.entries[3].kind, TS_EVENT_ERROR);
    assert_string_equal(r.entries[3].query, "GRANT SELECT ON shop.t TO "
                                            "'bob'@'%'");
    assert_string_equal(r.entries[3].command, "GRANT");
    assert_string_equal(r.entries[3].audit_class, "ROLE");
    assert_string_equal(r.entries[3].sqlstate, "42501");
    assert_int_equal(r.entries[4].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_string_equal(r.entries[4].message, "change user");
    assert_string_equal(r.entries[5].command, "SELECT");
    assert_int_equal(r.entries[6].kind, TS_EVENT_LOG);
    assert_string_equal(r.entries[6].command, "PROXY_CONNECT");
    assert_int_equal(r.entries[7].kind, TS_EVENT_DISCONNECTION);
    assert_int_equal(r.entries[7].duration_us, 65 * 1000000);
    for (size_t i = 0; i < r.n; i++)
        assert_string_equal(r.entries[i].session_id,
                            "db1:12@2025-03-15T08:00:01Z");
    run_free(&r);
}

static void test_sessions(void **state)
{
    /* connection 5 is seen from its start, 9 is not; after a restart the
     * server numbers connections from 1 again: a new session. */
    static const char log[] =
        "20250101 00:00:00,s,u,h,9,3,QUERY,,'select 9',0\n"
        "20250101 00:00:01,s,u,h,5,0,CONNECT,,,0\n"
        "20250101 00:00:02,s,u,h,5,4,QUERY,,'select 5',0\n"
        "20250101 00:00:03,s,u,h,5,0,DISCONNECT,,,0\n"
        "20250101 00:00:04,s,u,h,9,0,DISCONNECT,,,0\n"
        "20250101 01:00:00,s,u,h,5,0,CONNECT,,,0\n"
        "20250101 01:00:01,s,u,h,5,2,QUERY,,'select 5',0\n";
    run r;

    (void)state;
    read_text(log, &r);
    assert_int_equal(r.n, 7);
    assert_string_equal(r.entries[0].session_id, "s:9");
    assert_string_equal(r.entries[1].session_id, "s:5@2025-01-01T00:00:01Z");
    assert_string_equal(r.entries[2].session_id, "s:5@2025-01-01T00:00:01Z");
    assert_string_equal(r.entries[3].session_id, "s:5@2025-01-01T00:00:01Z");
    assert_int_equal(r.entries[3].duration_us, 2000000);
    assert_string_equal(r.entries[4].session_id, "s:9");
    assert_int_equal(r.entries[4].duration_us, -1);
    assert_string_equal(r.entries[5].session_id, "s:5@2025-01-01T01:00:00Z");
    assert_string_equal(r.entries[6].session_id, "s:5@2025-01-01T01:00:00Z");
    run_free(&r);
}

/* Many connections that never disconnect: the table grows, and the ids
 * stay right. */
static void test_many_sessions(void **state)
{
    ts_buf log;
    char line[128];
    run r;

    (void)state;
    ts_buf_init(&log, (size_t)64 << 20);
    for (int i = 1; i <= 5000; i++) {
        int n = snprintf(line, sizeof(line),
                         "20250101 00:00:00,s,u,h,%d,0,CONNECT,,,0\n", i);
        assert_int_equal(ts_buf_append(&log, line, (size_t)n, NULL), 0);
    }
    for (int i = 1; i <= 5000; i += 2) {
        int n = snprintf(line, sizeof(line),
                         "20250101 00:00:01,s,u,h,%d,0,DISCONNECT,,,0\n", i);
        assert_int_equal(ts_buf_append(&log, line, (size_t)n, NULL), 0);
    }
    for (int i = 1; i <= 5000; i++) {
        int n = snprintf(line, sizeof(line),
                         "20250101 00:00:02,s,u,h,%d,7,QUERY,,'x',0\n", i);
        assert_int_equal(ts_buf_append(&log, line, (size_t)n, NULL), 0);
    }
    read_bytes(log.data, log.len, TS_MARIADB_RECORD_LIMIT, NULL, &r);
    assert_int_equal(r.n, 5000 + 2500 + 5000);
    for (int i = 1; i <= 5000; i++) {
        const seen *q = &r.entries[7500 + i - 1];
        char want[64];
        snprintf(want, sizeof(want),
                 i % 2 ? "s:%d" : "s:%d@2025-01-01T00:00:00Z", i);
        assert_string_equal(q->session_id, want);
    }
    run_free(&r);
    ts_buf_release(&log);
}

/* ------------------------------------------------------------------ */
/* Bad input                                                           */
/* ------------------------------------------------------------------ */

static void test_empty(void **state)
{
    run r;

    (void)state;
    read_bytes("", 0, TS_MARIADB_RECORD_LIMIT, NULL, &r);
    assert_int_equal(r.n, 0);
    run_free(&r);
}

static void test_truncated_and_broken_quoting(void **state)
{
    static const char log[] =
        /* 1: cut off inside the query, then a good record */
        "20250101 00:00:00,s,u,h,1,1,QUERY,,'select * from t wh\n"
        "20250101 00:00:01,s,u,h,1,2,QUERY,,'select 2',0\n"
        /* 3: text after the closing quote */
        "20250101 00:00:02,s,u,h,1,3,QUERY,,'select 3' junk',0\n"
        /* 4: a retcode that is not a number */
        "20250101 00:00:03,s,u,h,1,4,QUERY,,'select 4',zero\n"
        /* 5: a header cut short */
        "20250101 00:00:04,s,u,h,1\n"
        /* 6: no operation anchor */
        "20250101 00:00:05,s,u,h,x,y,QUERY,,'q',0\n"
        /* 7: a backslash escaping the closing quote */
        "20250101 00:00:06,s,u,h,1,5,QUERY,,'select \\',0\n"
        "20250101 00:00:07,s,u,h,1,6,QUERY,,'ok',0";
    run r;

    (void)state;
    read_text(log, &r);
    assert_int_equal(r.n, 8);
    assert_int_equal(r.entries[0].kind, TS_EVENT_UNPARSED);
    assert_string_equal(r.entries[0].reason, "unterminated quoted query");
    assert_int_equal(r.entries[1].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.entries[1].statement, "select 2");
    assert_string_equal(r.entries[2].reason, "text after the quoted query");
    assert_string_equal(r.entries[3].reason, "retcode is not a number");
    assert_string_equal(
        r.entries[4].reason,
        "no ',connectionid,queryid,OPERATION,' after the server host");
    assert_string_equal(
        r.entries[5].reason,
        "no ',connectionid,queryid,OPERATION,' after the server host");
    assert_string_equal(r.entries[6].reason, "unterminated quoted query");
    /* the last line has no newline and still parses */
    assert_int_equal(r.entries[7].kind, TS_EVENT_STATEMENT);
    assert_int_equal(r.entries[7].line, 8);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 6);
    run_free(&r);
}

/* Raw line breaks inside a query (a plugin that did not escape them): the
 * lines up to the next timestamp belong to the record. */
static void test_raw_line_breaks(void **state)
{
    static const char log[] =
        "20250101 00:00:00,s,u,h,1,1,QUERY,db,'select a,\n"
        "  b from t\r\n"
        "where x = 1',0\n"
        "20250101 00:00:01,s,u,h,1,2,QUERY,db,'select 2',0\r\n"
        "20250101 00:00:02,s,u,h,1,3,QUERY,db,'never closed\n"
        "garbage line\n"
        "20250101 00:00:03,s,u,h,1,4,READ,db,t,\n";
    run r;

    (void)state;
    read_text(log, &r);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.entries[0].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.entries[0].statement,
                        "select a,\n  b from t\r\nwhere x = 1");
    assert_int_equal(r.entries[0].end_line, 4);
    assert_int_equal(r.entries[1].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.entries[1].statement, "select 2");
    assert_int_equal(r.entries[2].kind, TS_EVENT_UNPARSED);
    assert_int_equal(r.entries[2].end_line, 7);
    assert_int_equal(r.entries[3].kind, TS_EVENT_AUDIT);
    assert_int_equal(r.entries[3].line, 7);
    run_free(&r);
}

static void test_invalid_utf8_and_binary(void **state)
{
    ts_buf log;
    uint8_t all[256];
    static const char bad_utf8[] =
        "20250101 00:00:00,s,u\xff,h,1,1,QUERY,db,'select \xc3\x28 \xed\xa0"
        "\x80',0\n";
    run r;

    (void)state;
    ts_buf_init(&log, 1 << 20);
    assert_int_equal(ts_buf_append(&log, bad_utf8, strlen(bad_utf8), NULL), 0);
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)(255 - i); /* newline near the end, NULs last */
    assert_int_equal(ts_buf_append(&log, all, sizeof(all), NULL), 0);
    assert_int_equal(ts_buf_append(&log,
                                   "\x7f"
                                   "ELF\x02\x01\x01\x00\x00garbage\n",
                                   17, NULL),
                     0);
    /* a NUL inside a query: the statement string stops there */
    assert_int_equal(
        ts_buf_append(&log, "20250101 00:00:01,s,u,h,1,2,QUERY,db,'a\0b',0\n",
                      45, NULL),
        0);
    read_bytes(log.data, log.len, TS_MARIADB_RECORD_LIMIT, NULL, &r);
    assert_int_equal(r.entries[0].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.entries[0].account, "u\xff");
    assert_string_equal(r.entries[0].statement, "select \xc3\x28 \xed\xa0\x80");
    assert_int_equal(r.entries[r.n - 1].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.entries[r.n - 1].statement, "a");
    for (size_t i = 1; i + 1 < r.n; i++)
        assert_int_equal(r.entries[i].kind, TS_EVENT_UNPARSED);
    assert_true(r.n >= 4);
    run_free(&r);
    ts_buf_release(&log);
}

static void test_impossible_timestamps(void **state)
{
    static const char *const lines[] = {
        "20251301 00:00:00,s,u,h,1,0,CONNECT,,,0\n", /* month 13 */
        "20250230 00:00:00,s,u,h,1,0,CONNECT,,,0\n", /* 30 February */
        "20250229 00:00:00,s,u,h,1,0,CONNECT,,,0\n", /* not a leap year */
        "20250101 24:00:00,s,u,h,1,0,CONNECT,,,0\n",
        "20250101 23:60:00,s,u,h,1,0,CONNECT,,,0\n",
        "20250101 23:59:61,s,u,h,1,0,CONNECT,,,0\n",
        "00000101 00:00:00,s,u,h,1,0,CONNECT,,,0\n",
        "20250100 00:00:00,s,u,h,1,0,CONNECT,,,0\n",
    };
    run r;

    (void)state;
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        read_text(lines[i], &r);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.entries[0].kind, TS_EVENT_UNPARSED);
        assert_string_equal(r.entries[0].reason, "impossible timestamp");
        run_free(&r);
    }
    /* 29 February of a leap year is fine */
    read_text("20240229 23:59:59,s,u,h,1,0,CONNECT,,,0\n", &r);
    assert_int_equal(r.entries[0].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_int_equal(r.entries[0].time_us, utc(2024, 2, 29, 23, 59, 59));
    run_free(&r);
    /* the shape is wrong: not even a timestamp */
    read_text("2025-01-01 00:00:00,s,u,h,1,0,CONNECT,,,0\n", &r);
    assert_string_equal(r.entries[0].reason,
                        "no 'YYYYMMDD HH:MM:SS,' timestamp at the start");
    run_free(&r);
}

/* Lines over 1 MB: a long query parses; a line over the record limit is
 * sealed in pieces of the limit and the next line reads normally. */
static void test_long_lines(void **state)
{
    const size_t big = (size_t)3 << 20;
    static const char head[] = "20250101 00:00:00,s,u,h,1,1,QUERY,db,'";
    static const char next[] = "20250101 00:00:01,s,u,h,1,2,QUERY,db,'x',0\n";
    ts_buf log;
    run r;

    (void)state;
    ts_buf_init(&log, (size_t)64 << 20);
    assert_int_equal(ts_buf_append(&log, head, strlen(head), NULL), 0);
    assert_int_equal(ts_buf_reserve(&log, big, NULL), 0);
    memset(log.data + log.len, 'a', big);
    log.len += big;
    assert_int_equal(ts_buf_append(&log, "',0\n", 4, NULL), 0);
    assert_int_equal(ts_buf_append(&log, next, strlen(next), NULL), 0);
    read_bytes(log.data, log.len, TS_MARIADB_RECORD_LIMIT, NULL, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.entries[0].kind, TS_EVENT_STATEMENT);
    assert_int_equal(r.entries[0].statement_len, big);
    assert_int_equal(r.entries[1].kind, TS_EVENT_STATEMENT);
    run_free(&r);

    /* the same with a 1 MiB limit: four pieces, then the next record */
    read_bytes(log.data, log.len, (size_t)1 << 20, NULL, &r);
    assert_int_equal(r.n, 5);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(r.entries[i].kind, TS_EVENT_UNPARSED);
        assert_string_equal(r.entries[i].reason, "record exceeds 1 MiB");
    }
    assert_int_equal(r.entries[3].end_line, 2);
    assert_int_equal(r.entries[4].kind, TS_EVENT_STATEMENT);
    assert_int_equal(r.entries[4].line, 2);
    run_free(&r);

    /* an unterminated query that runs into the limit stops there */
    read_bytes("20250101 00:00:00,s,u,h,1,1,QUERY,db,'abc\n"
               "defghijklmnopqrstuvwxyz\n"
               "20250101 00:00:01,s,u,h,1,2,QUERY,db,'x',0\n",
               42 + 24 + 43, 50, NULL, &r);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.entries[0].reason, "unterminated quoted query");
    assert_int_equal(r.entries[1].kind, TS_EVENT_UNPARSED);
    assert_int_equal(r.entries[2].kind, TS_EVENT_STATEMENT);
    run_free(&r);
    ts_buf_release(&log);
}

static void test_bad_config(void **state)
{
    ts_source *src = NULL;
    ts_error err;

    (void)state;
    assert_int_equal(
        ts_source_open_file(&src, "mariadb-audit", "+2 hours", FIXTURE, &err),
        TS_EINVAL);
    assert_null(src);
    assert_non_null(strstr(err.msg, "UTC offset"));
    assert_int_equal(
        ts_source_open_file(&src, "mariadb-audit", "-05:30", FIXTURE, &err), 0);
    ts_source_free(src);
    assert_int_equal(ts_source_open_file(&src, "mariadb-audit", NULL,
                                         "/nonexistent/audit.log", &err),
                     TS_EIO);
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static void check_command(const char *sql, const char *want_cmd,
                          const char *want_class)
{
    char cmd[TS_MY_COMMAND_SIZE];
    const char *cls = ts_my_command(sql, strlen(sql), cmd);

    if (strcmp(cmd, want_cmd) != 0 || strcmp(cls, want_class) != 0)
        fail_msg("'%s': got '%s' %s, want '%s' %s", sql, cmd, cls, want_cmd,
                 want_class);
}

static void test_commands(void **state)
{
    (void)state;
    check_command("select 1", "SELECT", "READ");
    check_command("  (SELECT 1) UNION (SELECT 2)", "SELECT", "READ");
    check_command("/* hint */ -- c\n# c\nUPDATE t SET a = 1", "UPDATE",
                  "WRITE");
    check_command("/*!40101 SET NAMES utf8mb4 */", "SET NAMES", "MISC");
    check_command("SET @a = 1", "SET", "MISC");
    check_command("set password for bob = password('x')", "SET PASSWORD",
                  "ROLE");
    check_command("CREATE OR REPLACE TEMPORARY TABLE t (a int)", "CREATE TABLE",
                  "DDL");
    check_command("CREATE DEFINER=`root`@`localhost` PROCEDURE p() BEGIN END",
                  "CREATE PROCEDURE", "DDL");
    check_command("create unique index i on t (a)", "CREATE INDEX", "DDL");
    check_command("CREATE USER x", "CREATE USER", "ROLE");
    check_command("drop role r", "DROP ROLE", "ROLE");
    check_command("RENAME TABLE a TO b", "RENAME TABLE", "DDL");
    check_command("GRANT ALL ON *.* TO x", "GRANT", "ROLE");
    check_command("revoke select on t from x", "REVOKE", "ROLE");
    check_command("TRUNCATE t", "TRUNCATE", "WRITE");
    check_command("LOAD DATA INFILE 'f' INTO TABLE t", "LOAD DATA", "WRITE");
    check_command("SHOW GRANTS", "SHOW GRANTS", "READ");
    check_command("CALL p()", "CALL", "FUNCTION");
    check_command("START TRANSACTION", "START TRANSACTION", "MISC");
    check_command("WITH x AS (SELECT 1) SELECT * FROM x", "WITH", "READ");
    check_command("", "", "MISC");
    check_command("   /* only a comment */", "", "MISC");
    check_command("123", "", "MISC");
}

static void test_errors(void **state)
{
    ts_my_error e;

    (void)state;
    e = ts_my_error_lookup(1142);
    assert_string_equal(e.name, "ER_TABLEACCESS_DENIED_ERROR");
    assert_true(e.permission);
    e = ts_my_error_lookup(1064);
    assert_string_equal(e.sqlstate, "42000");
    assert_false(e.permission);
    e = ts_my_error_lookup(1792);
    assert_string_equal(e.sqlstate, "25006");
    e = ts_my_error_lookup(9999);
    assert_null(e.name);
    assert_null(e.sqlstate);
    e = ts_my_error_lookup(-1);
    assert_null(e.name);
}

static void test_unescape(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(
        ts_mariadb_unescape("a\\'b\\\\c\\nd\\te\\rf\\x\\", 19, out), 14);
    assert_memory_equal(out, "a'b\\c\nd\te\rf\\x\\", 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_fixture_seek),
        cmocka_unit_test(test_record_shapes),
        cmocka_unit_test(test_documented_events),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_many_sessions),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_truncated_and_broken_quoting),
        cmocka_unit_test(test_raw_line_breaks),
        cmocka_unit_test(test_invalid_utf8_and_binary),
        cmocka_unit_test(test_impossible_timestamps),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_unescape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
