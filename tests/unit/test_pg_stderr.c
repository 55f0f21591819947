/* Tests of the PostgreSQL stderr reader (ingest/pg_stderr.c) on real logs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/test_files.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "ingest/ingest_internal.h"
#include "trailseal/ingest.h"
#include "trailseal/time.h"

/* Fixtures from a real PostgreSQL 15.18 + pgAudit 1.7 made by
 * scripts/make-pg-fixtures.sh; regenerating them means recounting below. */
#define FIXTURE_M TS_TEST_DATA_DIR "/pg-stderr/pgaudit-m.log"
#define FIXTURE_T TS_TEST_DATA_DIR "/pg-stderr/pgaudit-t.log"
#define PREFIX_M "%m [%p] %q%u@%d/%a %r %c %e "
#define PREFIX_T "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "

/* What one pass over a source saw. */
typedef struct seen {
    uint64_t position;
    uint64_t end_position;
    uint64_t line;
    uint64_t end_line;
    size_t len;
    ts_event_kind kind;
} seen;

typedef struct run {
    size_t n;
    size_t kinds[TS_EVENT_KIND_COUNT];
    ts_buf bytes; /* all records, concatenated */
    seen *entries;
} run;

static ts_source *open_or_fail(const char *prefix, const char *path)
{
    ts_source *src = NULL;
    ts_error err;

    if (ts_source_open_file(&src, "pg-stderr", prefix, path, &err) != 0)
        fail_msg("open: %s", err.msg);
    return src;
}

/* Reads src to the end, checking that records follow each other. */
static void read_all(ts_source *src, run *r)
{
    ts_entry e;
    ts_event ev;
    ts_error err;
    size_t cap = 64;
    int rc;

    memset(r, 0, sizeof(*r));
    ts_buf_init(&r->bytes, (size_t)1 << 30);
    r->entries = malloc(cap * sizeof(seen));
    assert_non_null(r->entries);
    while ((rc = ts_source_next(src, &e, &ev, &err)) == 1) {
        if (r->n > 0) {
            assert_int_equal(e.position, r->entries[r->n - 1].end_position);
            assert_int_equal(e.line, r->entries[r->n - 1].end_line);
        }
        assert_int_equal(e.end_position - e.position, e.record_len);
        assert_true(e.record_len > 0);
        assert_true(e.observed_us > 0);
        assert_true(ev.kind == TS_EVENT_UNPARSED || ev.unparsed_reason == NULL);
        assert_true(ev.kind != TS_EVENT_UNPARSED || ev.unparsed_reason != NULL);
        if (r->n == cap) {
            cap *= 2;
            r->entries = realloc(r->entries, cap * sizeof(seen));
            assert_non_null(r->entries);
        }
        r->entries[r->n++] = (seen){e.position, e.end_position, e.line,
                                    e.end_line, e.record_len,   ev.kind};
        r->kinds[ev.kind]++;
        assert_int_equal(ts_buf_append(&r->bytes, e.record, e.record_len, NULL),
                         0);
    }
    if (rc != 0)
        fail_msg("next: %s", err.msg);
}

static void run_release(run *r)
{
    ts_buf_release(&r->bytes);
    free(r->entries);
}

/* The file's bytes come back exactly, record after record. */
static void assert_same_bytes(const run *r, const void *data, size_t len)
{
    assert_int_equal(r->bytes.len, len);
    assert_memory_equal(r->bytes.data, data, len);
}

/* Both strings said and equal. */
static int eq(const char *a, const char *b)
{
    return a != NULL && strcmp(a, b) == 0;
}

static int64_t utc(const char *text)
{
    int64_t us;
    assert_int_equal(ts_time_parse(text, &us, NULL), 0);
    return us;
}

/* Counted in the fixture with grep (all lines here are from one pid at a
 * time, so every DETAIL/HINT/CONTEXT/STATEMENT line belongs to the line
 * before it):
 *   entries: grep -v -P '^\t' | grep -c -v -E
 *            ' (DETAIL|HINT|CONTEXT|STATEMENT|QUERY|LOCATION|BACKTRACE):  '
 *   audit:   grep -c 'LOG:  AUDIT: '
 *   received/authorized/disconnection: grep -c 'LOG:  connection received: '
 *            (and 'connection authorized: ', 'disconnection: ')
 *   auth failures: grep -c ' FATAL:  ' (all three are failed logins)
 *   errors:  grep -c ' ERROR:  '
 *   log:     the rest */
static void test_fixture_m(void **state)
{
    size_t len;
    uint8_t *data = slurp(FIXTURE_M, &len);
    ts_source *src = open_or_fail(PREFIX_M, FIXTURE_M);
    run r;

    (void)state;
    read_all(src, &r);
    assert_same_bytes(&r, data, len);
    assert_int_equal(r.n, 67);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    assert_int_equal(r.kinds[TS_EVENT_AUDIT], 20);
    assert_int_equal(r.kinds[TS_EVENT_CONNECTION_RECEIVED], 10);
    assert_int_equal(r.kinds[TS_EVENT_CONNECTION_AUTHORIZED], 8);
    assert_int_equal(r.kinds[TS_EVENT_DISCONNECTION], 7);
    assert_int_equal(r.kinds[TS_EVENT_AUTH_FAILURE], 3);
    assert_int_equal(r.kinds[TS_EVENT_ERROR], 3);
    assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 0);
    assert_int_equal(r.kinds[TS_EVENT_LOG], 16);
    /* 79 lines (wc -l), all ending in a newline */
    assert_int_equal(r.entries[r.n - 1].end_line, 80);
    run_release(&r);
    ts_source_free(src);
    free(data);
}

/* Field values of particular events of pgaudit-m.log. */
static void test_fixture_m_events(void **state)
{
    size_t len;
    uint8_t *data = slurp(FIXTURE_M, &len);
    ts_source *src = open_or_fail(PREFIX_M, FIXTURE_M);
    ts_entry e;
    ts_event ev;
    ts_error err;
    unsigned found = 0;
    char first[32];

    (void)state;
    /* the first line's time and pid, read here by other means */
    memcpy(first, data, 23);
    first[23] = '\0';
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
    assert_int_equal(ev.kind, TS_EVENT_LOG);
    assert_string_equal(ev.severity, "LOG");
    assert_string_equal(ev.message, "pgaudit extension initialized");
    assert_int_equal(ev.time_us, utc(first));
    assert_int_equal(ev.pid, strtol((const char *)data + 29, NULL, 10));
    assert_null(ev.account); /* the postmaster: prefix stops at %q */
    assert_null(ev.session_id);
    assert_null(ev.sqlstate);

    while (ts_source_next(src, &e, &ev, &err) == 1) {
        const char *acct = ev.account != NULL ? ev.account : "";
        if (ev.kind == TS_EVENT_AUDIT && eq(ev.command, "INSERT")) {
            found |= 1u << 0;
            assert_string_equal(ev.audit_class, "WRITE");
            assert_string_equal(ev.statement,
                                "INSERT INTO customers VALUES (1, "
                                "'a@example.com', '123-45-6789'),\n    (2, "
                                "'b,\"c\"@example.com', '987-65-4321');");
            assert_null(ev.parameter);
            assert_string_equal(ev.account, "postgres");
            assert_string_equal(ev.database, "appdb");
            assert_string_equal(ev.application, "psql");
            assert_string_equal(ev.client_host, "[local]");
            assert_null(ev.client_port);
            assert_string_equal(ev.sqlstate, "00000");
            assert_non_null(ev.session_id);
            assert_int_equal(e.end_line - e.line, 2);
        } else if (ev.kind == TS_EVENT_AUDIT && ev.parameter != NULL &&
                   eq(ev.application, "psql")) {
            /* EXECUTE of a prepared statement: its values, quoted twice */
            found |= 1u << 1;
            assert_string_equal(ev.parameter, "1,\"x,\"\"y\"\"\"");
            assert_string_equal(ev.statement,
                                "PREPARE by_id(int, text) AS SELECT * FROM "
                                "customers WHERE id = $1 OR email = $2;");
            assert_int_equal(ev.substatement_id, 1);
        } else if (ev.kind == TS_EVENT_AUDIT && ev.parameter != NULL) {
            found |= 1u << 2;
            assert_string_equal(ev.application, "pgbench");
            assert_string_equal(ev.parameter, "\"x,\"\"y\"\"\",0");
        } else if (ev.kind == TS_EVENT_CONNECTION_AUTHORIZED &&
                   strcmp(acct, "alice") == 0) {
            found |= 1u << 3;
            assert_string_equal(ev.database, "appdb");
            assert_string_equal(ev.application, "my app [x]");
            assert_string_equal(ev.tls_protocol, "TLSv1.3");
            assert_string_equal(ev.tls_cipher, "TLS_AES_256_GCM_SHA384");
            assert_string_equal(ev.client_host, "127.0.0.1");
            assert_non_null(ev.client_port);
            assert_true(strtol(ev.client_port, NULL, 10) > 0);
        } else if (ev.kind == TS_EVENT_CONNECTION_AUTHORIZED &&
                   strcmp(acct, "bob smith") == 0) {
            found |= 1u << 4;
            assert_string_equal(ev.application, "psql");
        } else if (ev.kind == TS_EVENT_ERROR && strcmp(acct, "alice") == 0) {
            found |= 1u << 5;
            assert_string_equal(ev.severity, "ERROR");
            assert_string_equal(ev.sqlstate, "42501");
            assert_string_equal(ev.message,
                                "permission denied for table secrets");
            assert_string_equal(ev.query, "SELECT * FROM secrets;");
            assert_string_equal(ev.application, "my app [x]");
            assert_int_equal(e.end_line - e.line, 2);
        } else if (ev.kind == TS_EVENT_ERROR && eq(ev.sqlstate, "42601")) {
            found |= 1u << 6;
            assert_string_equal(ev.query, "SELECT 1\n  FROM\n WHERE;");
            assert_int_equal(e.end_line - e.line, 4);
        } else if (ev.kind == TS_EVENT_AUTH_FAILURE &&
                   eq(ev.sqlstate, "28P01")) {
            found |= 1u << 7;
            assert_string_equal(ev.account, "alice");
            assert_string_equal(ev.severity, "FATAL");
            assert_string_equal(ev.message,
                                "password authentication failed for user "
                                "\"alice\"");
            assert_non_null(ev.detail);
            assert_memory_equal(ev.detail,
                                "Connection matched pg_hba.conf line 2: ", 39);
        } else if (ev.kind == TS_EVENT_AUTH_FAILURE &&
                   strcmp(acct, "nosuch") == 0) {
            found |= 1u << 8;
            assert_string_equal(ev.message, "role \"nosuch\" does not exist");
        } else if (ev.kind == TS_EVENT_AUTH_FAILURE) {
            found |= 1u << 9;
            assert_string_equal(ev.account, "alice");
            assert_string_equal(ev.database, "template1");
            assert_string_equal(ev.client_host, "127.0.0.1");
        } else if (ev.kind == TS_EVENT_LOG && eq(ev.severity, "WARNING")) {
            found |= 1u << 10;
            assert_string_equal(ev.message, "careful: 42");
            assert_string_equal(ev.sqlstate, "01000");
            assert_int_equal(e.end_line - e.line, 2);
        } else if (ev.kind == TS_EVENT_DISCONNECTION &&
                   strcmp(acct, "alice") == 0) {
            found |= 1u << 11;
            assert_true(ev.session_duration_us > 0);
            assert_true(ev.session_duration_us % 1000 == 0);
            assert_string_equal(ev.client_host, "127.0.0.1");
        } else if (ev.kind == TS_EVENT_CONNECTION_RECEIVED &&
                   ev.client_port != NULL) {
            found |= 1u << 12;
            assert_string_equal(ev.client_host, "127.0.0.1");
            assert_null(ev.account); /* [unknown] in the prefix */
            assert_null(ev.application);
        }
        if (e.end_position == len) {
            found |= 1u << 13;
            assert_string_equal(ev.message, "database system is shut down");
        }
    }
    assert_int_equal(found, (1u << 14) - 1);
    ts_source_free(src);
    free(data);
}

/* pgaudit-t.log: %t in America/New_York, log_statement=all, verbose
 * errors (a LOCATION line after every message). Counted as for the other
 * fixture; statements: grep -c -E 'LOG:  00000: (statement|execute [^:]*): '
 * and the message patterns with "00000: " before them. */
static void test_fixture_t(void **state)
{
    size_t len;
    uint8_t *data = slurp(FIXTURE_T, &len);
    ts_source *src = open_or_fail(PREFIX_T, FIXTURE_T);
    run r;

    (void)state;
    read_all(src, &r);
    assert_same_bytes(&r, data, len);
    assert_int_equal(r.n, 89);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    assert_int_equal(r.kinds[TS_EVENT_AUDIT], 20);
    assert_int_equal(r.kinds[TS_EVENT_CONNECTION_RECEIVED], 10);
    assert_int_equal(r.kinds[TS_EVENT_CONNECTION_AUTHORIZED], 8);
    assert_int_equal(r.kinds[TS_EVENT_DISCONNECTION], 7);
    assert_int_equal(r.kinds[TS_EVENT_AUTH_FAILURE], 3);
    assert_int_equal(r.kinds[TS_EVENT_ERROR], 3);
    assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 22);
    assert_int_equal(r.kinds[TS_EVENT_LOG], 16);
    assert_int_equal(r.entries[r.n - 1].end_line, 197); /* 196 lines */
    run_release(&r);
    ts_source_free(src);
    free(data);
}

static void test_fixture_t_events(void **state)
{
    size_t len;
    uint8_t *data = slurp(FIXTURE_T, &len);
    ts_source *src = open_or_fail(PREFIX_T, FIXTURE_T);
    ts_entry e;
    ts_event ev;
    ts_error err;
    unsigned found = 0;
    char first[32];

    (void)state;
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
    /* "YYYY-MM-DD HH:MM:SS EST": five hours behind UTC */
    memcpy(first, data, 19);
    first[19] = '\0';
    assert_memory_equal(data + 19, " EST ", 5);
    assert_int_equal(ev.time_us, utc(first) + 5 * 3600 * INT64_C(1000000));
    assert_int_equal(ev.session_line, 1);
    assert_string_equal(ev.message, "pgaudit extension initialized");
    assert_string_equal(ev.sqlstate, "00000"); /* from verbose "00000: " */
    assert_null(ev.account); /* user= printed empty: not said */
    assert_null(ev.client_host);
    assert_int_equal(e.end_line - e.line, 2); /* with its LOCATION line */

    while (ts_source_next(src, &e, &ev, &err) == 1) {
        const char *acct = ev.account != NULL ? ev.account : "";
        if (ev.kind == TS_EVENT_STATEMENT && ev.detail != NULL &&
            strncmp(ev.detail, "parameters:", 11) == 0) {
            found |= 1u << 0;
            assert_string_equal(ev.statement, "SELECT id FROM customers "
                                              "WHERE email = $1 AND id > $2;");
            assert_string_equal(ev.detail,
                                "parameters: $1 = 'x,\"y\"', $2 = '0'");
            assert_string_equal(ev.application, "pgbench");
        } else if (ev.kind == TS_EVENT_STATEMENT &&
                   strncmp(ev.statement, "SELECT id,", 10) == 0) {
            found |= 1u << 1;
            assert_string_equal(ev.statement, "SELECT id,\n       email\n  "
                                              "FROM customers\n WHERE email "
                                              "LIKE '%,%';");
            assert_int_equal(e.end_line - e.line, 5);
        } else if (ev.kind == TS_EVENT_ERROR && eq(ev.sqlstate, "42883")) {
            found |= 1u << 2;
            assert_string_equal(ev.message,
                                "function no_such_function(integer) does not "
                                "exist at character 8");
            assert_string_equal(ev.query, "SELECT no_such_function(1);");
            /* ERROR, HINT, LOCATION, STATEMENT */
            assert_int_equal(e.end_line - e.line, 4);
        } else if (ev.kind == TS_EVENT_ERROR && strcmp(acct, "alice") == 0) {
            found |= 1u << 3;
            assert_string_equal(ev.sqlstate, "42501");
            assert_string_equal(ev.client_host, "127.0.0.1");
            assert_null(ev.client_port); /* %h has no port */
            assert_string_equal(ev.application, "my app [x]");
        } else if (ev.kind == TS_EVENT_AUTH_FAILURE &&
                   eq(ev.sqlstate, "28P01")) {
            found |= 1u << 4;
            assert_string_equal(ev.account, "alice");
            assert_non_null(ev.detail);
        } else if (ev.kind == TS_EVENT_AUDIT && eq(ev.command, "INSERT")) {
            found |= 1u << 5;
            assert_int_equal(ev.statement_id, 3);
            assert_string_equal(ev.audit_class, "WRITE");
            /* the TAB of the continuation line is gone from the text */
            assert_non_null(strstr(ev.message, "),\n    (2, 'b,\"\"c\"\"@"));
            assert_non_null(strstr(ev.statement, "),\n    (2, 'b,\"c\"@"));
        } else if (ev.kind == TS_EVENT_DISCONNECTION &&
                   strcmp(acct, "alice") == 0) {
            found |= 1u << 6;
            /* %h gave the host; the port comes from the message */
            assert_non_null(ev.client_port);
        }
    }
    assert_int_equal(found, (1u << 7) - 1);
    ts_source_free(src);
    free(data);
}

/* Garbage, binary, invalid UTF-8, CRLF, a leading TAB, a DETAIL line of
 * another process and a last line without a newline: nothing is lost. */
static void test_garbage(void **state)
{
    static const char bytes[] =
        "\tleading continuation\n"
        "not a log line at all\n"
        "\tits continuation\n"
        "2024-05-01 12:00:00.000 UTC [10] LOG:  database system is ready\n"
        "\x00\x01\x02 binary \xff\xfe\n"
        "caf\xc3\xa9 invalid \xc3\x28 utf-8\n"
        "2024-05-01 12:00:01.000 UTC [11] alice@db/psql 10.0.0.1(5000) 1.b "
        "00000 LOG:  caf\xc3\xa9 \xc3\x28\r\n"
        "\tsecond line\r\n"
        "2024-05-01 12:00:02.000 UTC [11] alice@db/psql 10.0.0.1(5000) 1.b "
        "42501 ERROR:  permission denied for table t\n"
        "2024-05-01 12:00:02.000 UTC [12] bob@db/psql 10.0.0.2(5001) 2.c "
        "00000 DETAIL:  other pid\n"
        "2024-05-01 12:00:03.000 UTC [10] LOG:  last line without newline";
    static const ts_event_kind want[] = {
        TS_EVENT_UNPARSED, TS_EVENT_UNPARSED, TS_EVENT_LOG,
        TS_EVENT_UNPARSED, TS_EVENT_UNPARSED, TS_EVENT_LOG,
        TS_EVENT_ERROR,    TS_EVENT_LOG,      TS_EVENT_LOG};
    static const uint64_t want_line[] = {1, 2, 4, 5, 6, 7, 9, 10, 11};
    char *path = write_temp(bytes, sizeof(bytes) - 1);
    ts_source *src = open_or_fail(PREFIX_M, path);
    ts_entry e;
    ts_event ev;
    ts_error err;
    run r;
    int i = 0;

    (void)state;
    read_all(src, &r);
    assert_same_bytes(&r, bytes, sizeof(bytes) - 1);
    assert_int_equal(r.n, 9);
    for (size_t k = 0; k < r.n; k++) {
        assert_int_equal(r.entries[k].kind, want[k]);
        assert_int_equal(r.entries[k].line, want_line[k]);
    }
    assert_int_equal(r.entries[8].end_line, 11); /* no newline at the end */
    run_release(&r);
    ts_source_free(src);

    src = open_or_fail(PREFIX_M, path);
    while (ts_source_next(src, &e, &ev, &err) == 1) {
        switch (i++) {
        case 0:
            assert_string_equal(ev.unparsed_reason,
                                "line does not match log_line_prefix "
                                "'" PREFIX_M "'");
            break;
        case 5:
            /* CRs dropped from the text, the TAB of the continuation too */
            assert_string_equal(ev.message,
                                "caf\xc3\xa9 \xc3\x28\nsecond line");
            assert_string_equal(ev.client_port, "5000");
            break;
        case 6:
            assert_string_equal(ev.sqlstate, "42501");
            break;
        case 7:
            assert_string_equal(ev.severity, "DETAIL");
            assert_int_equal(ev.pid, 12);
            break;
        case 8:
            assert_string_equal(ev.message, "last line without newline");
            break;
        default:
            break;
        }
    }
    assert_int_equal(i, 9);
    ts_source_free(src);
    unlink(path);
    free(path);
}

/* Without %p in the prefix, DETAIL lines belong to the line before. */
static void test_attach_without_pid(void **state)
{
    static const char bytes[] =
        "2024-05-01 12:00:00.000 UTC FATAL:  password authentication failed "
        "for user \"mallory\"\n"
        "2024-05-01 12:00:00.000 UTC DETAIL:  Role \"mallory\" does not "
        "exist.\n"
        "\tsecond line of detail\n";
    char *path = write_temp(bytes, sizeof(bytes) - 1);
    ts_source *src = open_or_fail("%m ", path);
    ts_entry e;
    ts_event ev;
    ts_error err;

    (void)state;
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
    assert_int_equal(e.record_len, sizeof(bytes) - 1);
    assert_int_equal(ev.kind, TS_EVENT_AUTH_FAILURE);
    assert_string_equal(ev.account, "mallory");
    assert_string_equal(ev.detail, "Role \"mallory\" does not exist.\n"
                                   "second line of detail");
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 0);
    ts_source_free(src);
    unlink(path);
    free(path);
}

/* Without %c in the prefix, a session is a backend from its connection
 * line (or first line) to its disconnection, named like %c: start second
 * and pid in hex; a new connection on the same pid is a new session. */
static void test_session_without_c(void **state)
{
    static const char bytes[] =
        "2026-11-20 09:59:59.500 UTC [77] bob@shop LOG:  AUDIT: SESSION,3,1,"
        "READ,SELECT,,,SELECT 3,<not logged>\n"
        "2026-11-20 10:00:00.000 UTC [4242] LOG:  connection received: "
        "host=127.0.0.1 port=50000\n"
        "2026-11-20 10:00:01.000 UTC [4242] alice@shop LOG:  AUDIT: SESSION,"
        "1,1,READ,SELECT,,,SELECT 1,<not logged>\n"
        "2026-11-20 10:00:02.000 UTC [4242] alice@shop LOG:  disconnection: "
        "session time: 0:00:02.000 user=alice database=shop host=127.0.0.1 "
        "port=50000\n"
        "2026-11-20 11:00:00.000 UTC [4242] LOG:  connection received: "
        "host=127.0.0.1 port=50001\n"
        "2026-11-20 11:00:01.000 UTC [4242] bob@shop LOG:  AUDIT: SESSION,1,"
        "1,READ,SELECT,,,SELECT 2,<not logged>\n"
        "2026-11-20 11:00:02.000 UTC [77] bob@shop LOG:  AUDIT: SESSION,4,1,"
        "READ,SELECT,,,SELECT 4,<not logged>\n";
    /* 2026-11-20 09:59:59 = 0x6b001a1f, 10:00:00 = 0x6b001a20, 11:00:00 =
     * 0x6b002830; pid 4242 = 0x1092, 77 = 0x4d */
    static const char *const want[] = {
        "6b001a1f.4d",   "6b001a20.1092", "6b001a20.1092", "6b001a20.1092",
        "6b002830.1092", "6b002830.1092", "6b001a1f.4d"};
    char *path = write_temp(bytes, sizeof(bytes) - 1);
    ts_source *src = open_or_fail("%m [%p] %q%u@%d ", path);
    ts_entry e;
    ts_event ev;
    ts_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
        assert_non_null(ev.session_id);
        assert_string_equal(ev.session_id, want[i]);
    }
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 0);
    ts_source_free(src);
    unlink(path);
    free(path);
}

/* The wrong prefix: every line is its own unparsed entry (with the TAB
 * lines after it), and every byte is still there. pgaudit-m.log has 79
 * lines of which 6 begin with a TAB (grep -c -P '^\t'): 73 entries. */
static void test_wrong_prefix(void **state)
{
    size_t len;
    uint8_t *data = slurp(FIXTURE_M, &len);
    ts_source *src = open_or_fail(PREFIX_T, FIXTURE_M);
    run r;

    (void)state;
    read_all(src, &r);
    assert_same_bytes(&r, data, len);
    assert_int_equal(r.n, 73);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 73);
    run_release(&r);
    ts_source_free(src);
    free(data);
}

static void assert_same_seen(const seen *a, const seen *b)
{
    assert_int_equal(a->position, b->position);
    assert_int_equal(a->end_position, b->end_position);
    assert_int_equal(a->line, b->line);
    assert_int_equal(a->end_line, b->end_line);
    assert_int_equal(a->len, b->len);
    assert_int_equal(a->kind, b->kind);
}

/* A child writes data into a pipe; returns the reading end. */
static int pipe_from(const void *data, size_t len, pid_t *child)
{
    int fds[2];

    assert_int_equal(pipe(fds), 0);
    *child = fork();
    assert_true(*child >= 0);
    if (*child == 0) {
        const uint8_t *p = data;
        close(fds[0]);
        while (len > 0) {
            ssize_t n = write(fds[1], p, len > 4096 ? 4096 : len);
            if (n <= 0)
                _exit(1);
            p += n;
            len -= (size_t)n;
        }
        _exit(0);
    }
    close(fds[1]);
    return fds[0];
}

static void reap(pid_t child)
{
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
}

/* Seeking to a saved cursor gives exactly the entries after it, from a
 * file and from a pipe (read and discarded). */
static void test_seek(void **state)
{
    size_t len;
    uint8_t *data = slurp(FIXTURE_T, &len);
    ts_source *src = open_or_fail(PREFIX_T, FIXTURE_T);
    ts_error err;
    run all, rest;
    pid_t child;

    (void)state;
    read_all(src, &all);
    ts_source_free(src);
    for (size_t k = 0; k < all.n; k += all.n / 3) {
        for (int via_pipe = 0; via_pipe < 2; via_pipe++) {
            if (via_pipe) {
                int fd = pipe_from(data, len, &child);
                assert_int_equal(ts_pg_stderr_open_fd(&src, PREFIX_T, fd, 1,
                                                      "pipe",
                                                      TS_PG_RECORD_LIMIT, &err),
                                 0);
            } else {
                src = open_or_fail(PREFIX_T, FIXTURE_T);
            }
            assert_int_equal(ts_source_seek(src, all.entries[k].end_position,
                                            all.entries[k].end_line, &err),
                             0);
            read_all(src, &rest);
            assert_int_equal(rest.n, all.n - k - 1);
            for (size_t i = 0; i < rest.n; i++)
                assert_same_seen(&rest.entries[i], &all.entries[k + 1 + i]);
            assert_same_bytes(&rest, data + all.entries[k].end_position,
                              len - all.entries[k].end_position);
            run_release(&rest);
            ts_source_free(src);
            if (via_pipe)
                reap(child);
        }
    }

    /* past the end, and after reading began: refused */
    src = open_or_fail(PREFIX_T, FIXTURE_T);
    assert_int_equal(ts_source_seek(src, len + 1, 1, &err), TS_EINVAL);
    ts_source_free(src);
    src = open_or_fail(PREFIX_T, FIXTURE_T);
    {
        ts_entry e;
        ts_event ev;
        assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
        assert_int_equal(ts_source_seek(src, e.end_position, e.end_line, &err),
                         TS_EINVAL);
    }
    ts_source_free(src);
    /* seeking to the very end: nothing more */
    src = open_or_fail(PREFIX_T, FIXTURE_T);
    assert_int_equal(ts_source_seek(src, len, 197, &err), 0);
    read_all(src, &rest);
    assert_int_equal(rest.n, 0);
    run_release(&rest);
    ts_source_free(src);
    run_release(&all);
    free(data);
}

static void expected_key(const char *prefix, const void *line, size_t n,
                         char out[TS_SOURCE_KEY_SIZE])
{
    ts_buf b;
    uint8_t digest[TS_SHA256_SIZE];

    ts_buf_init(&b, 1 << 16);
    assert_int_equal(ts_buf_append(&b, "pg-stderr", 10, NULL), 0);
    assert_int_equal(ts_buf_append(&b, prefix, strlen(prefix) + 1, NULL), 0);
    assert_int_equal(ts_buf_append(&b, line, n, NULL), 0);
    assert_int_equal(ts_sha256(b.data, b.len, digest), 0);
    ts_hex_encode(digest, sizeof(digest), out);
    ts_buf_release(&b);
}

/* The key: format, prefix and first line; the same wherever it is read. */
static void test_key(void **state)
{
    size_t len;
    uint8_t *data = slurp(FIXTURE_M, &len);
    char *copy = write_temp(data, len);
    const uint8_t *nl = memchr(data, '\n', len);
    char want[TS_SOURCE_KEY_SIZE], key[TS_SOURCE_KEY_SIZE];
    ts_source *a = open_or_fail(PREFIX_M, FIXTURE_M);
    ts_source *b = open_or_fail(PREFIX_M, copy);
    ts_source *c = open_or_fail(PREFIX_T, FIXTURE_M);
    ts_source *d = open_or_fail(PREFIX_M, FIXTURE_T);
    int saved, fd;
    pid_t child;

    (void)state;
    assert_non_null(nl);
    expected_key(PREFIX_M, data, (size_t)(nl - data) + 1, want);
    assert_string_equal(a->key, want);
    assert_string_equal(b->key, a->key);
    assert_string_not_equal(c->key, a->key);
    assert_string_not_equal(d->key, a->key);
    assert_int_equal(strlen(a->key), 64);
    assert_string_equal(a->format, "pg-stderr");
    assert_string_equal(a->config, PREFIX_M);
    assert_string_equal(a->name, FIXTURE_M);
    memcpy(key, a->key, sizeof(key));
    ts_source_free(a);
    ts_source_free(b);
    ts_source_free(c);
    ts_source_free(d);

    /* "-" reads standard input: the same key, and the peeked bytes are
     * not lost */
    fd = pipe_from(data, len, &child);
    saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    a = open_or_fail(PREFIX_M, "-");
    assert_string_equal(a->key, key);
    {
        run r;
        read_all(a, &r);
        assert_same_bytes(&r, data, len);
        run_release(&r);
    }
    ts_source_free(a);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    reap(child);

    /* the first line counts up to 4096 bytes */
    {
        char *big = malloc(10000);
        char *p;
        assert_non_null(big);
        memset(big, 'x', 9999);
        big[9999] = '\n';
        p = write_temp(big, 10000);
        a = open_or_fail("", p);
        expected_key("", big, 4096, want);
        assert_string_equal(a->key, want);
        ts_source_free(a);
        unlink(p);
        free(p);
        free(big);
    }
    /* an empty file has a key too */
    {
        char *p = write_temp("", 0);
        run r;
        a = open_or_fail(PREFIX_M, p);
        expected_key(PREFIX_M, "", 0, want);
        assert_string_equal(a->key, want);
        read_all(a, &r);
        assert_int_equal(r.n, 0);
        run_release(&r);
        ts_source_free(a);
        unlink(p);
        free(p);
    }
    unlink(copy);
    free(copy);
    free(data);
}

/* Records over the limit are cut into unparsed pieces of at most the
 * limit; the next record is read as usual. */
static void test_oversize(void **state)
{
    char bytes[512];
    size_t n = 0;
    char *path;
    int fd;
    ts_source *src = NULL;
    ts_error err;
    run r;
    static const size_t want_len[] = {44, 64, 45, 44, 64, 64, 64, 9, 44};

    (void)state;
    /* a message whose continuation line is longer than the limit */
    n += (size_t)sprintf(bytes + n, "2024-05-01 12:00:00.000 UTC [10] LOG:  "
                                    "head\n");
    bytes[n++] = '\t';
    memset(bytes + n, 'x', 100);
    n += 100;
    bytes[n++] = '\n';
    n += (size_t)sprintf(bytes + n, "\tshort\n");
    n += (size_t)sprintf(bytes + n, "2024-05-01 12:00:01.000 UTC [10] LOG:  "
                                    "next\n");
    /* a line of garbage longer than three times the limit */
    memset(bytes + n, 'g', 200);
    n += 200;
    bytes[n++] = '\n';
    n += (size_t)sprintf(bytes + n, "2024-05-01 12:00:02.000 UTC [10] LOG:  "
                                    "last\n");
    path = write_temp(bytes, n);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(
        ts_pg_stderr_open_fd(&src, "%m [%p] ", fd, 1, path, 64, &err), 0);
    read_all(src, &r);
    assert_same_bytes(&r, bytes, n);
    assert_int_equal(r.n, sizeof(want_len) / sizeof(want_len[0]));
    for (size_t i = 0; i < r.n; i++) {
        assert_int_equal(r.entries[i].len, want_len[i]);
        assert_int_equal(r.entries[i].kind,
                         i == 3 || i == 8 ? TS_EVENT_LOG : TS_EVENT_UNPARSED);
    }
    /* a piece cut inside a line ends on that same line */
    assert_int_equal(r.entries[1].line, 2);
    assert_int_equal(r.entries[1].end_line, 2);
    assert_int_equal(r.entries[2].end_line, 4);
    run_release(&r);
    ts_source_free(src);

    /* the reason names the limit */
    fd = open(path, O_RDONLY);
    assert_int_equal(
        ts_pg_stderr_open_fd(&src, "%m [%p] ", fd, 1, path, 64, &err), 0);
    {
        ts_entry e;
        ts_event ev;
        assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
        assert_string_equal(ev.unparsed_reason, "record exceeds 64 bytes");
    }
    ts_source_free(src);
    unlink(path);
    free(path);
}

/* The real limit: a 65 MiB line is cut at 64 MiB. */
static void test_64mib(void **state)
{
    const size_t big = (size_t)65 << 20;
    char *line = malloc(big + 64);
    char *path;
    size_t n;
    ts_source *src;
    ts_entry e;
    ts_event ev;
    ts_error err;

    (void)state;
    assert_non_null(line);
    n = (size_t)sprintf(line, "2024-05-01 12:00:00.000 UTC [10] LOG:  ");
    memset(line + n, 'q', big - n);
    line[big] = '\n';
    n = big + 1;
    n += (size_t)sprintf(line + n, "2024-05-01 12:00:01.000 UTC [10] LOG:  "
                                   "after\n");
    path = write_temp(line, n);
    src = open_or_fail("%m [%p] ", path);
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
    assert_int_equal(e.record_len, TS_PG_RECORD_LIMIT);
    assert_int_equal(ev.kind, TS_EVENT_UNPARSED);
    assert_string_equal(ev.unparsed_reason, "record exceeds 64 MiB");
    assert_memory_equal(e.record, line, e.record_len);
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
    assert_int_equal(e.record_len, big + 1 - TS_PG_RECORD_LIMIT);
    assert_int_equal(ev.kind, TS_EVENT_UNPARSED);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.end_line, 2);
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
    assert_int_equal(ev.kind, TS_EVENT_LOG);
    assert_string_equal(ev.message, "after");
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 0);
    ts_source_free(src);
    unlink(path);
    free(path);
    free(line);
}

static void test_open_errors(void **state)
{
    ts_source *src = (ts_source *)1;
    ts_error err;
    const char *const *formats = ts_source_formats();

    (void)state;
    assert_int_equal(ts_source_open_file(&src, "pg-stderr", PREFIX_M,
                                         "/nonexistent/pg.log", &err),
                     TS_EIO);
    assert_null(src);
    assert_non_null(strstr(err.msg, "/nonexistent/pg.log"));
    assert_int_equal(
        ts_source_open_file(&src, "mysql-slow", "", FIXTURE_M, &err),
        TS_EINVAL);
    assert_int_equal(
        ts_source_open_file(&src, "pg-stderr", NULL, FIXTURE_M, &err),
        TS_EINVAL);
    assert_int_equal(
        ts_source_open_file(&src, "pg-stderr", "%m\n", FIXTURE_M, &err),
        TS_EINVAL);
    {
        int has = 0;
        for (size_t i = 0; formats[i] != NULL; i++)
            has |= strcmp(formats[i], "pg-stderr") == 0;
        assert_true(has);
    }
    {
        int has = 0;
        for (size_t i = 0; formats[i] != NULL; i++)
            has |= strcmp(formats[i], "auto") == 0;
        assert_true(has);
    }
    ts_source_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_m),
        cmocka_unit_test(test_fixture_m_events),
        cmocka_unit_test(test_fixture_t),
        cmocka_unit_test(test_fixture_t_events),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_attach_without_pid),
        cmocka_unit_test(test_session_without_c),
        cmocka_unit_test(test_wrong_prefix),
        cmocka_unit_test(test_seek),
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_64mib),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
