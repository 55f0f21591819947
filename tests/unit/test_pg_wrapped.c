/* Tests of PostgreSQL logs as collectors deliver them: syslog-wrapped
 * stderr (ingest/pg_syslog.c), the Amazon RDS prefix, CloudNativePG's JSON
 * lines (ingest/cnpg_json.c), and the fields every PostgreSQL format now
 * carries: pgAudit's rows and the authenticated identity and method. */
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

#define BSD TS_TEST_DATA_DIR "/pg-syslog/bsd.log"
#define RFC5424 TS_TEST_DATA_DIR "/pg-syslog/rfc5424.log"
#define RDS TS_TEST_DATA_DIR "/pg-rds/postgresql.log.2026-12-04-10"
#define CNPG TS_TEST_DATA_DIR "/pg-cnpg/cnpg.jsonl"
#define BSD_PREFIX "%m [%p] %quser=%u,db=%d,app=%a,client=%h "
#define PLAIN_PREFIX "user=%u,db=%d,app=%a,client=%h "
#define RDS_PREFIX "%t:%r:%u@%d:[%p]:"

#define MAX_EVENTS 64

/* What one event said, copied (events are borrowed until the next call). */
typedef struct got {
    ts_event_kind kind;
    int64_t time_us, pid, rows;
    uint64_t line;
    char account[64], statement[256], message[256], identity[64], method[32];
    char reason[128];
} got;

typedef struct run {
    size_t n, n_unparsed;
    got ev[MAX_EVENTS];
    ts_buf bytes;
    char format[32], config[64];
} run;

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src != NULL ? src : "");
}

static void read_source(ts_source *src, run *r)
{
    ts_entry e;
    ts_event ev;
    ts_error err;
    uint64_t pos = 0;
    int rc;

    copy(r->format, sizeof(r->format), src->format);
    copy(r->config, sizeof(r->config), src->config);
    while ((rc = ts_source_next(src, &e, &ev, &err)) == 1) {
        got *g = &r->ev[r->n < MAX_EVENTS ? r->n : MAX_EVENTS - 1];

        assert_int_equal(e.position, pos);
        assert_int_equal(e.end_position - e.position, e.record_len);
        assert_true(e.record_len > 0);
        pos = e.end_position;
        assert_int_equal(ts_buf_append(&r->bytes, e.record, e.record_len, NULL),
                         0);
        assert_true(ev.kind != TS_EVENT_UNPARSED || ev.unparsed_reason != NULL);
        memset(g, 0, sizeof(*g));
        g->kind = ev.kind;
        g->time_us = ev.time_us;
        g->pid = ev.pid;
        g->rows = ev.rows;
        g->line = e.line;
        copy(g->account, sizeof(g->account), ev.account);
        copy(g->statement, sizeof(g->statement), ev.statement);
        copy(g->message, sizeof(g->message), ev.message);
        copy(g->identity, sizeof(g->identity), ev.auth_identity);
        copy(g->method, sizeof(g->method), ev.auth_method);
        copy(g->reason, sizeof(g->reason), ev.unparsed_reason);
        r->n_unparsed += ev.kind == TS_EVENT_UNPARSED;
        r->n++;
    }
    if (rc != 0)
        fail_msg("next: %s", err.msg);
}

/* Reads path in format and checks that every byte came back. */
static run *read_file(const char *format, const char *config, const char *path)
{
    run *r = calloc(1, sizeof(*r));
    ts_source *src = NULL;
    ts_error err;
    uint8_t *data;
    size_t len;

    assert_non_null(r);
    ts_buf_init(&r->bytes, (size_t)1 << 28);
    if (ts_source_open_file(&src, format, config, path, &err) != 0)
        fail_msg("open %s: %s", path, err.msg);
    read_source(src, r);
    ts_source_free(src);
    data = slurp(path, &len);
    assert_int_equal(r->bytes.len, len);
    if (len > 0)
        assert_memory_equal(r->bytes.data, data, len);
    free(data);
    return r;
}

static void run_free(run *r)
{
    ts_buf_release(&r->bytes);
    free(r);
}

static void test_syslog_parse(void **state)
{
    static const char bsd[] = "Dec  4 10:00:01 db1 postgres[4242]: [12-3] x";
    static const char iso[] =
        "2026-12-04T10:00:01.5+00:00 db1 postgres[77]: [5] LOG:  y";
    static const char rfc[] = "<134>1 2026-12-04T10:00:01.250Z db1 postgres "
                              "99 - [m k=\"a\\]b\"] [7-1] z";
    static const char plain[] = "2026-12-04 10:00:01 UTC [1] LOG:  x";
    ts_syslog_head w;

    (void)state;
    assert_int_equal(ts_syslog_parse(bsd, strlen(bsd), &w), 1);
    assert_int_equal(w.pid, 4242);
    assert_int_equal(w.seq, 12);
    assert_int_equal(w.chunk, 3);
    assert_true(w.time_us == TS_UNKNOWN_TIME); /* BSD syslog has no year */
    assert_string_equal(bsd + w.body_off, "x");

    assert_int_equal(ts_syslog_parse(iso, strlen(iso), &w), 1);
    assert_int_equal(w.pid, 77);
    assert_int_equal(w.seq, -1);
    assert_int_equal(w.chunk, 5);
    assert_int_equal(w.time_us, INT64_C(1796378401500000));
    assert_string_equal(iso + w.body_off, "LOG:  y");

    assert_int_equal(ts_syslog_parse(rfc, strlen(rfc), &w), 1);
    assert_int_equal(w.pid, 99);
    assert_int_equal(w.chunk, 1);
    assert_int_equal(w.time_us, INT64_C(1796378401250000));
    assert_string_equal(rfc + w.body_off, "z");

    assert_int_equal(ts_syslog_parse(plain, strlen(plain), &w), 0);
    assert_int_equal(w.body_off, 0);
    /* every truncation of a header is handled without reading past it */
    for (size_t n = 0; n < sizeof(rfc) - 1; n++)
        (void)ts_syslog_parse(rfc, n, &w);
    for (size_t n = 0; n < sizeof(bsd) - 1; n++)
        (void)ts_syslog_parse(bsd, n, &w);
}

/* rsyslog's BSD form: [n-2] lines continue their message (#011 is the TAB
 * of a continuation line, a bare text the rest of a line PostgreSQL split
 * at its syslog line limit), DETAIL/STATEMENT lines join it. */
static void test_bsd(void **state)
{
    run *r = read_file("pg-stderr", BSD_PREFIX, BSD);

    (void)state;
    assert_int_equal(r->n, 8);
    assert_int_equal(r->n_unparsed, 0);
    assert_int_equal(r->ev[0].kind, TS_EVENT_CONNECTION_RECEIVED);
    assert_int_equal(r->ev[1].kind, TS_EVENT_LOG);
    assert_string_equal(r->ev[1].identity, "alice@EXAMPLE.COM");
    assert_string_equal(r->ev[1].method, "gss");
    assert_int_equal(r->ev[2].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_int_equal(r->ev[3].kind, TS_EVENT_AUDIT);
    assert_string_equal(r->ev[3].statement, "SELECT id,\n       email FROM "
                                            "customers");
    assert_int_equal(r->ev[3].rows, -1);
    assert_int_equal(r->ev[3].pid, 4242);
    assert_int_equal(r->ev[4].kind, TS_EVENT_ERROR);
    assert_int_equal(r->ev[5].kind, TS_EVENT_LOG); /* the checkpointer */
    assert_int_equal(r->ev[5].pid, 4100);
    assert_int_equal(r->ev[6].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r->ev[6].statement,
                        "SELECT 'a long line that PostgreSQL split at its "
                        "syslog line limit'");
    assert_int_equal(r->ev[7].kind, TS_EVENT_DISCONNECTION);
    assert_int_equal(r->ev[7].line, 11);
    run_free(r);
}

/* RFC 5424 with a prefix that has neither time nor pid: both come from
 * the syslog header. pgAudit's rows field is read. */
static void test_rfc5424(void **state)
{
    run *r = read_file("pg-stderr", PLAIN_PREFIX, RFC5424);

    (void)state;
    assert_int_equal(r->n, 4);
    assert_int_equal(r->n_unparsed, 0);
    assert_string_equal(r->ev[0].identity, "alice");
    assert_string_equal(r->ev[0].method, "scram-sha-256");
    assert_int_equal(r->ev[0].time_us, INT64_C(1796378401110000));
    assert_int_equal(r->ev[0].pid, 4242);
    assert_int_equal(r->ev[2].kind, TS_EVENT_AUDIT);
    assert_string_equal(r->ev[2].statement, "UPDATE accounts\nSET balance = 0");
    assert_int_equal(r->ev[2].rows, 3);
    assert_int_equal(r->ev[3].kind, TS_EVENT_ERROR);
    run_free(r);
}

/* The RDS prefix, given and recognised by --format auto. */
static void test_rds(void **state)
{
    run *r = read_file("auto", NULL, RDS);

    (void)state;
    assert_string_equal(r->format, "pg-stderr");
    assert_string_equal(r->config, RDS_PREFIX);
    assert_int_equal(r->n, 7);
    assert_int_equal(r->n_unparsed, 0);
    assert_int_equal(r->ev[1].kind, TS_EVENT_LOG);
    assert_string_equal(r->ev[1].identity, "alice");
    assert_string_equal(r->ev[1].method, "md5");
    assert_string_equal(r->ev[1].account, "alice");
    assert_int_equal(r->ev[2].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_int_equal(r->ev[3].kind, TS_EVENT_AUDIT);
    assert_int_equal(r->ev[3].rows, 2);
    assert_int_equal(r->ev[4].kind, TS_EVENT_ERROR);
    assert_int_equal(r->ev[5].kind, TS_EVENT_LOG);
    assert_string_equal(r->ev[5].account, "");
    assert_int_equal(r->ev[6].kind, TS_EVENT_DISCONNECTION);
    run_free(r);
    r = read_file("pg-stderr", RDS_PREFIX, RDS);
    assert_int_equal(r->n, 7);
    assert_int_equal(r->n_unparsed, 0);
    run_free(r);
}

/* --format auto takes a syslog-wrapped log when the prefix is given, and
 * does not guess a prefix from a later line that happens to fit one. */
static void test_detect_wrapped(void **state)
{
    ts_source *src = NULL;
    ts_error err;

    (void)state;
    assert_int_equal(ts_source_open_file(&src, "auto", BSD_PREFIX, BSD, &err),
                     0);
    assert_string_equal(src->format, "pg-stderr");
    ts_source_free(src);
    assert_int_equal(ts_source_open_file(&src, "auto", NULL, BSD, &err),
                     TS_EINVAL);
    assert_non_null(strstr(err.msg, "--prefix"));
}

static void test_cnpg(void **state)
{
    run *r = read_file("auto", NULL, CNPG);

    (void)state;
    assert_string_equal(r->format, "cnpg-json");
    assert_int_equal(r->n, 6);
    assert_int_equal(r->n_unparsed, 0);
    assert_int_equal(r->ev[0].kind, TS_EVENT_LOG);
    assert_string_equal(r->ev[0].message,
                        "Starting CloudNativePG Instance Manager");
    assert_int_equal(r->ev[0].time_us, INT64_C(1796378400500000));
    assert_string_equal(r->ev[1].identity, "CN=alice,O=Example");
    assert_string_equal(r->ev[1].method, "cert");
    assert_int_equal(r->ev[1].pid, 4242);
    assert_int_equal(r->ev[2].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_int_equal(r->ev[3].kind, TS_EVENT_AUDIT);
    assert_string_equal(r->ev[3].statement, "SELECT id, email FROM customers");
    assert_int_equal(r->ev[3].rows, 42);
    assert_string_equal(r->ev[3].account, "alice");
    assert_int_equal(r->ev[4].kind, TS_EVENT_ERROR);
    assert_int_equal(r->ev[5].kind, TS_EVENT_DISCONNECTION);
    run_free(r);
}

/* The new fields in csvlog and jsonlog too. */
static void test_csv_json_fields(void **state)
{
    static const char csv[] =
        "2026-12-04 10:00:01.110 UTC,\"alice\",\"shop\",4242,"
        "\"10.0.0.7:5123\",674f2a01.1092,2,\"authentication\","
        "2026-12-04 10:00:01 UTC,3/1,0,LOG,00000,\"connection "
        "authenticated: identity=\"\"alice\"\" method=scram-sha-256 "
        "(/etc/pg_hba.conf:9)\",,,,,,,,,\"\",\"client backend\",,0\n"
        "2026-12-04 10:00:02.000 UTC,\"alice\",\"shop\",4242,"
        "\"10.0.0.7:5123\",674f2a01.1092,3,\"SELECT\","
        "2026-12-04 10:00:01 UTC,3/2,0,LOG,00000,\"AUDIT: SESSION,1,1,READ,"
        "SELECT,,,select 1,<not logged>,1\",,,,,,,,,\"psql\","
        "\"client backend\",,0\n";
    static const char json[] =
        "{\"timestamp\":\"2026-12-04 10:00:01.110 UTC\",\"user\":\"alice\","
        "\"dbname\":\"shop\",\"pid\":4242,\"error_severity\":\"LOG\","
        "\"message\":\"connection authenticated: identity=\\\"a \\\" "
        "method=b\\\" method=peer (/etc/pg_hba.conf:3)\"}\n"
        "{\"timestamp\":\"2026-12-04 10:00:02.000 UTC\",\"user\":\"alice\","
        "\"pid\":4242,\"error_severity\":\"LOG\",\"message\":\"AUDIT: "
        "SESSION,2,1,WRITE,DELETE,TABLE,public.t,delete from t,<none>,17\"}\n";
    char *path = write_temp(csv, sizeof(csv) - 1);
    run *r = read_file("pg-csvlog", NULL, path);

    (void)state;
    assert_int_equal(r->n, 2);
    assert_string_equal(r->ev[0].identity, "alice");
    assert_string_equal(r->ev[0].method, "scram-sha-256");
    assert_int_equal(r->ev[1].kind, TS_EVENT_AUDIT);
    assert_int_equal(r->ev[1].rows, 1);
    run_free(r);
    unlink(path);
    free(path);
    path = write_temp(json, sizeof(json) - 1);
    r = read_file("pg-jsonlog", NULL, path);
    assert_int_equal(r->n, 2);
    /* the identity is not escaped: it ends at the last " method= */
    assert_string_equal(r->ev[0].identity, "a \" method=b");
    assert_string_equal(r->ev[0].method, "peer");
    assert_int_equal(r->ev[1].rows, 17);
    run_free(r);
    unlink(path);
    free(path);
}

/* Damaged input of each new format: truncated, broken quoting, invalid
 * UTF-8, a line over 1 MB, empty. Every byte comes back, nothing crashes,
 * what cannot be read is unparsed with a reason. */
static void bad_inputs(const char *format, const char *config, const char *good)
{
    size_t glen = strlen(good), big = ((size_t)1 << 20) + 100;
    ts_buf b;
    char *path;
    run *r;

    /* empty */
    path = write_temp("", 0);
    r = read_file(format, config, path);
    assert_int_equal(r->n, 0);
    run_free(r);
    unlink(path);
    free(path);

    ts_buf_init(&b, (size_t)1 << 24);
    /* truncated: every prefix of a good line */
    for (size_t n = 1; n < glen; n += 7)
        assert_int_equal(ts_buf_append(&b, good, n, NULL) |
                             ts_buf_append(&b, "\n", 1, NULL),
                         0);
    /* broken quoting, invalid UTF-8, control bytes */
    assert_int_equal(ts_buf_append(&b, "\"\"\"\"{\"unterminated\n", 19, NULL),
                     0);
    assert_int_equal(
        ts_buf_append(&b, "\xff\xfe\xc3\x28 \xed\xa0\x80\n", 9, NULL), 0);
    assert_int_equal(ts_buf_append(&b, good, glen, NULL), 0);
    /* a line over 1 MB */
    for (size_t i = 0; i < big; i += 64)
        assert_int_equal(
            ts_buf_append(
                &b,
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                64, NULL),
            0);
    assert_int_equal(ts_buf_append(&b, "\n", 1, NULL), 0);
    /* and no newline at the end */
    assert_int_equal(ts_buf_append(&b, good, glen / 2, NULL), 0);
    path = write_temp(b.data, b.len);
    r = read_file(format, config, path);
    assert_true(r->n_unparsed > 0);
    for (size_t i = 0; i < r->n && i < MAX_EVENTS; i++)
        if (r->ev[i].kind == TS_EVENT_UNPARSED)
            assert_true(r->ev[i].reason[0] != '\0');
    run_free(r);
    unlink(path);
    free(path);
    ts_buf_release(&b);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    bad_inputs("pg-stderr", BSD_PREFIX,
               "Dec  4 10:00:02 db1 postgres[4242]: [4-1] 2026-12-04 "
               "10:00:02.000 UTC [4242] user=alice,db=shop,app=psql,client=1 "
               "LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,\"select 1\",<none>\n");
    bad_inputs("pg-stderr", PLAIN_PREFIX,
               "<134>1 2026-12-04T10:00:01.110Z db1 postgres 4242 - - [1-1] "
               "user=alice,db=shop,app=x,client=1 LOG:  statement: select 1\n");
    bad_inputs(
        "pg-stderr", RDS_PREFIX,
        "2026-12-04 10:00:01 UTC:10.0.0.5(51234):alice@shop:[4242]:"
        "LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,\"select 1\",<none>,1\n");
    bad_inputs("cnpg-json", NULL,
               "{\"level\":\"info\",\"ts\":1.5,\"logger\":\"pgaudit\",\"msg\":"
               "\"record\",\"record\":{\"log_time\":\"2026-12-04 10:00:02 "
               "UTC\",\"error_severity\":\"LOG\",\"audit\":{\"audit_type\":"
               "\"SESSION\",\"statement\":\"select 1\"}}}\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syslog_parse),
        cmocka_unit_test(test_bsd),
        cmocka_unit_test(test_rfc5424),
        cmocka_unit_test(test_rds),
        cmocka_unit_test(test_detect_wrapped),
        cmocka_unit_test(test_cnpg),
        cmocka_unit_test(test_csv_json_fields),
        cmocka_unit_test(test_bad_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
