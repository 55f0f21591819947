/* Tests of the proxy readers (ingest/proxy_jsonl.c and the Teleport,
 * hoop.dev, RDS activity stream and generic JSON-lines mappers) on the
 * fixtures in tests/data/proxies/ and on bad input. */
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

#define DATA TS_TEST_DATA_DIR "/proxies/"

typedef struct seen {
    uint64_t line;
    ts_event_kind kind;
    int64_t time_us;
    int64_t pid;
    int64_t statement_id;
    char *reason, *session_id, *account, *principal, *principal_kind;
    char *client_host, *client_port, *database, *command, *statement, *query;
    char *parameter, *sqlstate, *object_name;
} seen;

typedef struct run {
    size_t n;
    size_t kinds[TS_EVENT_KIND_COUNT];
    ts_buf bytes;
    seen e[64];
} run;

static char *dup0(const char *s)
{
    char *d = s != NULL ? strdup(s) : NULL;

    assert_true(s == NULL || d != NULL);
    return d;
}

static void read_all(ts_source *src, run *r)
{
    ts_entry e;
    ts_event ev;
    ts_error err;
    uint64_t prev_end = 0;
    int rc;

    memset(r, 0, sizeof(*r));
    ts_buf_init(&r->bytes, (size_t)1 << 30);
    while ((rc = ts_source_next(src, &e, &ev, &err)) == 1) {
        seen *s = &r->e[r->n < 64 ? r->n : 63];
        /* entries follow each other without gaps */
        assert_int_equal(e.position, prev_end);
        prev_end = e.end_position;
        assert_true(e.record_len > 0);
        assert_true(ev.kind != TS_EVENT_UNPARSED || ev.unparsed_reason != NULL);
        if (r->n < 64) {
            s->line = e.line;
            s->kind = ev.kind;
            s->time_us = ev.time_us;
            s->pid = ev.pid;
            s->statement_id = ev.statement_id;
            s->reason = dup0(ev.unparsed_reason);
            s->session_id = dup0(ev.session_id);
            s->account = dup0(ev.account);
            s->principal = dup0(ev.principal);
            s->principal_kind = dup0(ev.principal_kind);
            s->client_host = dup0(ev.client_host);
            s->client_port = dup0(ev.client_port);
            s->database = dup0(ev.database);
            s->command = dup0(ev.command);
            s->statement = dup0(ev.statement);
            s->query = dup0(ev.query);
            s->parameter = dup0(ev.parameter);
            s->sqlstate = dup0(ev.sqlstate);
            s->object_name = dup0(ev.object_name);
        }
        r->n++;
        r->kinds[ev.kind]++;
        assert_int_equal(ts_buf_append(&r->bytes, e.record, e.record_len, NULL),
                         0);
    }
    if (rc != 0)
        fail_msg("next: %s", err.msg);
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n && i < 64; i++) {
        seen *s = &r->e[i];
        char **all[] = {&s->reason,      &s->session_id,     &s->account,
                        &s->principal,   &s->principal_kind, &s->client_host,
                        &s->client_port, &s->database,       &s->command,
                        &s->statement,   &s->query,          &s->parameter,
                        &s->sqlstate,    &s->object_name};
        for (size_t j = 0; j < sizeof(all) / sizeof(all[0]); j++)
            free(*all[j]);
    }
    ts_buf_release(&r->bytes);
}

/* Reads a file in a format ("auto" too) and checks that its bytes are all
 * sealed; the format found must be `expect`. */
static void read_file(const char *format, const char *config, const char *path,
                      const char *expect, run *r)
{
    ts_source *src = NULL;
    ts_error err;
    uint8_t *file;
    size_t len;

    if (ts_source_open_file(&src, format, config, path, &err) != 0)
        fail_msg("open %s: %s", path, err.msg);
    assert_string_equal(src->format, expect);
    read_all(src, r);
    ts_source_free(src);
    file = slurp(path, &len);
    assert_int_equal(r->bytes.len, len);
    assert_memory_equal(r->bytes.data, file, len);
    free(file);
}

/* The same for bytes given here, with a record limit. */
static void read_bytes(const ts_jsonl_mapper *m, const void *data, size_t len,
                       size_t limit, run *r)
{
    char path[] = "/tmp/test_proxies.XXXXXX";
    int fd = mkstemp(path);
    ts_input *in = NULL;
    ts_source *src = NULL;
    ts_error err;

    assert_true(fd >= 0);
    if (len > 0)
        assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    if (ts_input_open_fd(&in, fd, 1, path, &err) != 0 ||
        ts_jsonl_open_input(&src, m, "", in, limit, &err) != 0)
        fail_msg("open: %s", err.msg);
    read_all(src, r);
    ts_source_free(src);
    unlink(path);
    assert_int_equal(r->bytes.len, len);
    if (len > 0)
        assert_memory_equal(r->bytes.data, data, len);
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return (((ts_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s) *
           1000000;
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */
/* ------------------------------------------------------------------ */

static void test_teleport(void **state)
{
    run r;

    (void)state;
    read_file("teleport-audit", NULL, DATA "teleport.jsonl", "teleport-audit",
              &r);
    assert_int_equal(r.n, 14);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    assert_int_equal(r.kinds[TS_EVENT_CONNECTION_AUTHORIZED], 2);
    assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 4);
    assert_int_equal(r.kinds[TS_EVENT_ERROR], 1);
    assert_int_equal(r.kinds[TS_EVENT_LOG], 4);
    assert_int_equal(r.kinds[TS_EVENT_DISCONNECTION], 2);
    assert_int_equal(r.kinds[TS_EVENT_AUTH_FAILURE], 1);
    /* db.session.start: the person, the account, the backend */
    assert_int_equal(r.e[0].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_string_equal(r.e[0].principal, "alice");
    assert_string_equal(r.e[0].principal_kind, "human");
    assert_string_equal(r.e[0].account, "alice");
    assert_string_equal(r.e[0].database, "example");
    assert_int_equal(r.e[0].pid, 4242);
    assert_string_equal(r.e[0].client_host, "203.0.113.7");
    assert_string_equal(r.e[0].client_port, "51234");
    assert_string_equal(r.e[0].session_id,
                        "307b49d6-56c7-4d20-8cf0-5bc5348a7101");
    /* the documented db.session.query example */
    assert_int_equal(r.e[1].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[1].statement, "select * from sample;");
    assert_string_equal(r.e[1].command, "SELECT");
    assert_int_equal(r.e[1].time_us, utc(2023, 10, 6, 10, 58, 32) + 880000);
    /* nanoseconds are cut to microseconds */
    assert_int_equal(r.e[2].time_us, utc(2023, 10, 6, 10, 59, 1) + 123456);
    /* TDB02W: the error, with the denied statement */
    assert_int_equal(r.e[3].kind, TS_EVENT_ERROR);
    assert_string_equal(r.e[3].sqlstate, "42501");
    assert_non_null(strstr(r.e[3].query, "INSERT INTO products"));
    /* extended protocol: parse has the text, bind the parameters */
    assert_int_equal(r.e[4].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[4].statement,
                        "SELECT name FROM public.customers WHERE id = $1");
    assert_int_equal(r.e[5].kind, TS_EVENT_LOG);
    assert_string_equal(r.e[5].parameter, "42");
    assert_string_equal(r.e[8].parameter, "x");
    assert_string_equal(r.e[8].object_name, "1598");
    assert_int_equal(r.e[9].kind, TS_EVENT_DISCONNECTION);
    /* TDB00W: a bot denied, IPv6 client */
    assert_int_equal(r.e[10].kind, TS_EVENT_AUTH_FAILURE);
    assert_string_equal(r.e[10].principal, "bot-reporting");
    assert_string_equal(r.e[10].principal_kind, "agent");
    assert_string_equal(r.e[10].account, "reporting");
    assert_string_equal(r.e[10].client_host, "2001:db8::5");
    assert_string_equal(r.e[10].client_port, "40001");
    run_free(&r);
}

static void test_hoop(void **state)
{
    run r;

    (void)state;
    read_file("hoop-audit", NULL, DATA "hoop.jsonl", "hoop-audit", &r);
    assert_int_equal(r.n, 7);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    /* the webhook example: a shell command, no time */
    assert_int_equal(r.e[0].kind, TS_EVENT_LOG);
    assert_int_equal(r.e[0].time_us, TS_UNKNOWN_TIME);
    assert_string_equal(r.e[0].principal, "john.doe@hoop.dev");
    /* a database exec: its base64 input is the statement */
    assert_int_equal(r.e[1].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[1].statement,
                        "SELECT email FROM public.customers LIMIT 10");
    assert_string_equal(r.e[1].principal, "jane@example.com");
    assert_int_equal(r.e[2].kind, TS_EVENT_DISCONNECTION);
    /* statement events */
    assert_int_equal(r.e[3].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_string_equal(r.e[3].principal, "agent-42");
    assert_string_equal(r.e[3].principal_kind, "agent");
    assert_string_equal(r.e[3].account, "svc_agents");
    assert_int_equal(r.e[4].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[4].object_name, "public.customers");
    /* blocked by a rule: denied */
    assert_int_equal(r.e[5].kind, TS_EVENT_ERROR);
    assert_string_equal(r.e[5].sqlstate, "42501");
    assert_string_equal(r.e[5].query, "DROP TABLE public.orders");
    assert_int_equal(r.e[6].kind, TS_EVENT_DISCONNECTION);
    run_free(&r);
}

static void test_rds_das(void **state)
{
    run r;

    (void)state;
    read_file("rds-das", NULL, DATA "rds-das.jsonl", "rds-das", &r);
    /* 5 lines; the second holds 3 events, sealed as 3 entries */
    assert_int_equal(r.n, 7);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    assert_int_equal(r.e[0].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_string_equal(r.e[0].account, "rdsadmin");
    assert_string_equal(r.e[0].session_id, "5ce5f7f0.474b");
    assert_int_equal(r.e[0].pid, 18251);
    assert_int_equal(r.e[0].time_us, utc(2019, 10, 30, 0, 39, 49) + 990579);
    for (size_t i = 1; i <= 3; i++)
        assert_int_equal(r.e[i].line, 2);
    assert_int_equal(r.e[1].kind, TS_EVENT_AUDIT);
    assert_string_equal(r.e[1].statement,
                        "SELECT ssn FROM public.customers WHERE id = $1");
    assert_string_equal(r.e[1].parameter, "7");
    assert_string_equal(r.e[1].object_name, "public.customers");
    assert_int_equal(r.e[1].statement_id, 1);
    assert_int_equal(r.e[2].kind, TS_EVENT_AUDIT);
    assert_string_equal(r.e[2].command, "INSERT");
    assert_int_equal(r.e[3].kind, TS_EVENT_ERROR);
    assert_string_equal(r.e[3].sqlstate, "42501");
    assert_int_equal(r.e[4].kind, TS_EVENT_LOG); /* heartbeat */
    assert_int_equal(r.e[4].line, 3);
    assert_int_equal(r.e[5].kind, TS_EVENT_DISCONNECTION);
    assert_int_equal(r.e[6].kind, TS_EVENT_LOG); /* still encrypted */
    run_free(&r);
}

static void test_generic(void **state)
{
    size_t len;
    char *mapping = (char *)slurp(DATA "generic.mapping", &len);
    run r;

    (void)state;
    read_file("generic-jsonl", mapping, DATA "generic.jsonl", "generic-jsonl",
              &r);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    assert_int_equal(r.e[0].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_int_equal(r.e[0].time_us, (int64_t)1714640400000 * 1000);
    assert_string_equal(r.e[0].principal, "claude-runner");
    assert_string_equal(r.e[0].principal_kind, "agent");
    assert_string_equal(r.e[0].account, "svc_ai");
    assert_string_equal(r.e[0].client_host, "10.9.8.7");
    assert_int_equal(r.e[1].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[1].statement,
                        "SELECT full_name, ssn FROM public.customers");
    assert_int_equal(r.e[2].kind, TS_EVENT_ERROR);
    assert_string_equal(r.e[2].sqlstate, "42501");
    assert_int_equal(r.e[3].kind, TS_EVENT_DISCONNECTION);
    run_free(&r);
    free(mapping);
}

static void test_generic_bad_mapping(void **state)
{
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"account = u\n", "'time' is required"},
        {"time = t\nbogus = x\n", "line 2: unknown key 'bogus'"},
        {"# c\n\ntime = t\ntime_format = julian\n", "line 4: time_format"},
        {"time t\n", "line 1: expected 'key = value'"},
        {"time = t\nprincipal_kind_default = robot\n", "line 2:"},
        {"", "needs a mapping"},
    };
    ts_jsonl_mapper m;
    ts_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(ts_generic_mapper(&m, cases[i].text, &err), TS_EINVAL);
        if (strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("'%s': got '%s'", cases[i].text, err.msg);
    }
    /* through the public opener too, before any input is read */
    ts_source *src = NULL;
    assert_int_equal(ts_source_open_file(&src, "generic-jsonl", NULL,
                                         DATA "generic.jsonl", &err),
                     TS_EINVAL);
    assert_null(src);
}

/* ------------------------------------------------------------------ */
/* Bad input                                                           */
/* ------------------------------------------------------------------ */

/* Lines every format must survive: each is one unparsed entry. */
static const char bad[] =
    "{\"event\":\"db.session.query\",\"time\":\"2023-\n" /* truncated */
    "{\"user\":\"\xff\xfe\"}\n"                          /* not UTF-8 */
    "\x00\x01\x02\x03garbage\x7f\n"                      /* binary */
    "\n"                                                 /* empty */
    "[1,2,3]\n"                                          /* not an object */
    "{\"a\":\"\\u0000\"}\n";                             /* NUL */

/* A fresh mapper of format i (a source owns its mapper's context). */
static void make_mapper(int i, ts_jsonl_mapper *m)
{
    ts_error err;

    if (i == 0)
        ts_teleport_mapper(m);
    else if (i == 1)
        ts_hoop_mapper(m);
    else if (i == 2)
        ts_rds_das_mapper(m);
    else
        assert_int_equal(ts_generic_mapper(m, "time = t\n", &err), 0);
}

static void test_bad_input(void **state)
{
    ts_jsonl_mapper m;
    run r;

    (void)state;
    for (int i = 0; i < 4; i++) {
        make_mapper(i, &m);
        read_bytes(&m, bad, sizeof(bad) - 1, 4096, &r);
        assert_int_equal(r.n, 6);
        assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 6);
        for (size_t j = 0; j < r.n; j++)
            assert_int_equal(r.e[j].line, j + 1);
        run_free(&r);
        /* empty input: nothing, no crash */
        make_mapper(i, &m);
        read_bytes(&m, "", 0, 4096, &r);
        assert_int_equal(r.n, 0);
        run_free(&r);
    }
}

/* Records that parse as JSON but say impossible things. */
static void test_impossible_times(void **state)
{
    static const char teleport[] =
        "{\"event\":\"db.session.query\",\"code\":\"TDB02I\","
        "\"time\":\"2023-02-30T00:00:00Z\",\"db_query\":\"select 1\"}\n"
        "{\"event\":\"db.session.query\",\"code\":\"TDB02I\","
        "\"time\":\"1969-12-31T23:59:59Z\",\"db_query\":\"select 1\"}\n"
        "{\"event\":\"db.session.query\",\"code\":\"TDB02I\"}\n"
        "{\"code\":\"TDB02I\",\"time\":\"2023-01-01T00:00:00Z\"}\n";
    static const char das[] =
        "{\"databaseActivityEventList\":[{\"logTime\":\"2019-13-01 "
        "00:00:00+00\",\"command\":\"SELECT\"},{\"logTime\":\"2019-01-01 "
        "25:00:00+00\"}]}\n";
    static const char generic[] = "{\"t\":-5}\n{\"t\":1e300}\n{\"t\":\"x\"}\n"
                                  "{\"u\":1}\n";
    ts_jsonl_mapper m;
    ts_error err;
    run r;

    (void)state;
    ts_teleport_mapper(&m);
    read_bytes(&m, teleport, sizeof(teleport) - 1, 4096, &r);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 4);
    run_free(&r);
    ts_rds_das_mapper(&m);
    read_bytes(&m, das, sizeof(das) - 1, 4096, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 2);
    run_free(&r);
    assert_int_equal(
        ts_generic_mapper(&m, "time = t\ntime_format = unix\n", &err), 0);
    read_bytes(&m, generic, sizeof(generic) - 1, 4096, &r);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 4);
    run_free(&r);
}

/* A line over the record limit is cut into unparsed pieces; the lines
 * around it are read as usual. */
static void test_long_lines(void **state)
{
    const char *ok = "{\"event\":\"db.session.end\",\"code\":\"TDB01I\","
                     "\"time\":\"2023-10-06T11:05:00Z\"}\n";
    size_t big = 1000, okl = strlen(ok), len = 2 * okl + big + 1;
    char *data = malloc(len);
    ts_jsonl_mapper m;
    run r;

    (void)state;
    assert_non_null(data);
    memcpy(data, ok, okl);
    memset(data + okl, 'x', big);
    data[okl + big] = '\n';
    memcpy(data + okl + big + 1, ok, okl);
    ts_teleport_mapper(&m);
    read_bytes(&m, data, len, 256, &r);
    assert_int_equal(r.kinds[TS_EVENT_DISCONNECTION], 2);
    assert_int_equal(r.n, 2 + 4); /* 1001 bytes in pieces of 256 */
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 4);
    assert_int_equal(r.e[5].line, 3);
    run_free(&r);
    free(data);
}

/* Over 1 MB on one line, at the real limit: a statement that long is read
 * whole, garbage that long is one unparsed entry. */
static void test_megabyte_lines(void **state)
{
    const char *head = "{\"event\":\"db.session.query\",\"code\":\"TDB02I\","
                       "\"time\":\"2023-10-06T11:05:00Z\",\"db_query\":"
                       "\"SELECT '";
    const char *tail = "'\"}\n";
    size_t big = (size_t)3 << 19, hl = strlen(head), tl = strlen(tail);
    size_t len = hl + big + tl + big + 1;
    char *data = malloc(len);
    ts_jsonl_mapper m;
    run r;

    (void)state;
    assert_non_null(data);
    memcpy(data, head, hl);
    memset(data + hl, 'a', big);
    memcpy(data + hl + big, tail, tl);
    memset(data + hl + big + tl, '\x80', big);
    data[len - 1] = '\n';
    ts_teleport_mapper(&m);
    read_bytes(&m, data, len, TS_PG_RECORD_LIMIT, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.e[0].kind, TS_EVENT_STATEMENT);
    assert_int_equal(strlen(r.e[0].statement), big + 9);
    assert_int_equal(r.e[1].kind, TS_EVENT_UNPARSED);
    run_free(&r);
    free(data);
}

/* A record whose list does not split as jansson counted it (a damaged
 * record cannot reach here: it is not JSON) still seals its bytes. */
static void test_das_split(void **state)
{
    /* the key also appears as a string value, and inside a string */
    static const char line[] =
        "{\"note\":\"databaseActivityEventList\",\"x\":\"a,b\","
        "\"databaseActivityEventList\":[{\"type\":\"heartbeat\",\"s\":\"],\"},"
        " {\"type\":\"heartbeat\"} ,{\"type\":\"heartbeat\"}]}\n";
    ts_jsonl_mapper m;
    run r;

    (void)state;
    ts_rds_das_mapper(&m);
    read_bytes(&m, line, sizeof(line) - 1, 4096, &r);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.kinds[TS_EVENT_LOG], 3);
    run_free(&r);
}

static void test_detect(void **state)
{
    static const char *const files[][2] = {
        {"teleport.jsonl", "teleport-audit"},
        {"hoop.jsonl", "hoop-audit"},
        {"rds-das.jsonl", "rds-das"},
    };
    static const char pg[] =
        "{\"timestamp\":\"2024-01-01 00:00:00.000 UTC\",\"user\":\"x\"}\n";
    char path[256];
    run r;

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), DATA "%s", files[i][0]);
        read_file("auto", NULL, path, files[i][1], &r);
        assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
        run_free(&r);
    }
    assert_null(ts_proxy_format_detect((const uint8_t *)pg, sizeof(pg) - 1));
    assert_null(ts_proxy_format_detect((const uint8_t *)"", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_teleport),
        cmocka_unit_test(test_hoop),
        cmocka_unit_test(test_rds_das),
        cmocka_unit_test(test_generic),
        cmocka_unit_test(test_generic_bad_mapping),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_impossible_times),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_megabyte_lines),
        cmocka_unit_test(test_das_split),
        cmocka_unit_test(test_detect),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
