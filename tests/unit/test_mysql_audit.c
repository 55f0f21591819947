/* Tests of the MySQL Enterprise Audit JSON and Percona audit_log JSON and
 * CSV readers (ingest/mysql_json.c, percona_csv.c, my_event.c) on the
 * documented examples (tests/data/mysql-audit/) and on bad input. */
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

#define DATA TS_TEST_DATA_DIR "/mysql-audit/"

typedef struct seen {
    uint64_t line;
    uint64_t end_line;
    ts_event_kind kind;
    char *reason;
    char *session_id;
    char *account;
    char *client_host;
    char *database;
    char *command;
    char *object_name;
    char *statement;
    char *query;
    char *sqlstate;
    int64_t time_us;
    int64_t duration_us;
} seen;

typedef struct run {
    size_t n;
    size_t kinds[TS_EVENT_KIND_COUNT];
    ts_buf bytes;
    seen *e;
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
    size_t cap = 16;
    uint64_t prev_end = 0;
    int rc;

    memset(r, 0, sizeof(*r));
    ts_buf_init(&r->bytes, (size_t)1 << 30);
    r->e = malloc(cap * sizeof(seen));
    assert_non_null(r->e);
    while ((rc = ts_source_next(src, &e, &ev, &err)) == 1) {
        seen *s;
        if (r->n > 0) {
            assert_int_equal(e.position, prev_end);
            assert_int_equal(e.line, r->e[r->n - 1].end_line);
        }
        prev_end = e.end_position;
        assert_true(e.record_len > 0);
        assert_true(ev.kind != TS_EVENT_UNPARSED || ev.unparsed_reason != NULL);
        if (r->n == cap) {
            cap *= 2;
            r->e = realloc(r->e, cap * sizeof(seen));
            assert_non_null(r->e);
        }
        s = &r->e[r->n++];
        s->line = e.line;
        s->end_line = e.end_line;
        s->kind = ev.kind;
        s->reason = dup0(ev.unparsed_reason);
        s->session_id = dup0(ev.session_id);
        s->account = dup0(ev.account);
        s->client_host = dup0(ev.client_host);
        s->database = dup0(ev.database);
        s->command = dup0(ev.command);
        s->object_name = dup0(ev.object_name);
        s->statement = dup0(ev.statement);
        s->query = dup0(ev.query);
        s->sqlstate = dup0(ev.sqlstate);
        s->time_us = ev.time_us;
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
        seen *s = &r->e[i];
        free(s->reason);
        free(s->session_id);
        free(s->account);
        free(s->client_host);
        free(s->database);
        free(s->command);
        free(s->object_name);
        free(s->statement);
        free(s->query);
        free(s->sqlstate);
    }
    free(r->e);
    ts_buf_release(&r->bytes);
}

/* Reads a file in a format and checks that its bytes are all sealed. */
static void read_file(const char *format, const char *path, run *r)
{
    ts_source *src = NULL;
    ts_error err;
    uint8_t *file;
    size_t len;

    if (ts_source_open_file(&src, format, NULL, path, &err) != 0)
        fail_msg("open %s: %s", path, err.msg);
    assert_string_equal(src->format, format);
    read_all(src, r);
    ts_source_free(src);
    file = slurp(path, &len);
    assert_int_equal(r->bytes.len, len);
    if (len > 0)
        assert_memory_equal(r->bytes.data, file, len);
    free(file);
}

/* The same for bytes given here, with a record limit. */
static void read_bytes(const char *format, const void *data, size_t len,
                       size_t limit, run *r)
{
    char path[] = "/tmp/test_mysql_audit.XXXXXX";
    int fd = mkstemp(path), rc;
    ts_source *src = NULL;
    ts_error err;

    assert_true(fd >= 0);
    if (len > 0)
        assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    if (strcmp(format, "percona-audit-csv") == 0)
        rc = ts_percona_csv_open_fd(&src, fd, 1, path, limit, &err);
    else
        rc = ts_mysql_json_open_fd(&src, format, fd, 1, path, limit, &err);
    if (rc != 0)
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
/* Documented examples                                                 */
/* ------------------------------------------------------------------ */

static void test_mysql_json(void **state)
{
    run r;

    (void)state;
    read_file("mysql-audit-json", DATA "mysql-enterprise.json", &r);
    assert_int_equal(r.n, 8);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    /* the startup record, with the array's '[' */
    assert_int_equal(r.e[0].kind, TS_EVENT_LOG);
    assert_int_equal(r.e[0].line, 1);
    assert_null(r.e[0].session_id);
    /* connect */
    assert_int_equal(r.e[1].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_string_equal(r.e[1].account, "root");
    assert_string_equal(r.e[1].client_host, "::1");
    assert_string_equal(r.e[1].session_id, "11@2019-10-03T15:02:32Z");
    assert_int_equal(r.e[1].time_us, utc(2019, 10, 3, 15, 2, 32));
    /* a statement with the server's sql_command */
    assert_int_equal(r.e[2].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[2].command, "SHOW VARIABLES");
    assert_string_equal(r.e[2].statement, "SHOW VARIABLES");
    assert_string_equal(r.e[2].session_id, "11@2019-10-03T15:02:32Z");
    /* a denied statement */
    assert_int_equal(r.e[3].kind, TS_EVENT_ERROR);
    assert_string_equal(r.e[3].sqlstate, "42501");
    assert_string_equal(r.e[3].query, "SELECT * FROM hr.salaries");
    /* table access */
    assert_int_equal(r.e[4].kind, TS_EVENT_AUDIT);
    assert_string_equal(r.e[4].object_name, "test.t1");
    assert_string_equal(r.e[4].command, "INSERT");
    assert_string_equal(r.e[4].statement,
                        "INSERT INTO t1 (i) VALUES(1),(2),(3)");
    /* a failed login */
    assert_int_equal(r.e[5].kind, TS_EVENT_AUTH_FAILURE);
    assert_string_equal(r.e[5].sqlstate, "28000");
    assert_string_equal(r.e[5].account, "bob");
    /* disconnect, with the session time; the last takes the ']' */
    assert_int_equal(r.e[6].kind, TS_EVENT_DISCONNECTION);
    assert_int_equal(r.e[6].duration_us, 2000000);
    assert_int_equal(r.e[7].kind, TS_EVENT_LOG);
    assert_int_equal(r.e[7].end_line, 106);
    run_free(&r);
}

static void test_percona_json(void **state)
{
    run r;

    (void)state;
    read_file("percona-audit-json", DATA "percona.json", &r);
    assert_int_equal(r.n, 6);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    assert_int_equal(r.e[0].kind, TS_EVENT_LOG);
    assert_int_equal(r.e[1].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_int_equal(r.e[2].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[2].account, "root");
    assert_string_equal(r.e[2].command, "SHOW DATABASES");
    assert_int_equal(r.e[2].time_us, utc(2021, 6, 30, 15, 7, 58));
    assert_int_equal(r.e[3].kind, TS_EVENT_ERROR);
    assert_string_equal(r.e[3].query, "select * from secret.t\nwhere \"a\" = "
                                      "'b'");
    assert_string_equal(r.e[3].database, "shop");
    assert_int_equal(r.e[4].kind, TS_EVENT_AUTH_FAILURE);
    assert_string_equal(r.e[4].client_host, "10.0.0.7");
    assert_int_equal(r.e[5].kind, TS_EVENT_DISCONNECTION);
    assert_string_equal(r.e[5].session_id, r.e[1].session_id);
    run_free(&r);
}

static void test_percona_csv(void **state)
{
    run r;

    (void)state;
    read_file("percona-audit-csv", DATA "percona.csv", &r);
    assert_int_equal(r.n, 6);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 0);
    assert_int_equal(r.e[0].kind, TS_EVENT_LOG);
    assert_int_equal(r.e[1].kind, TS_EVENT_CONNECTION_AUTHORIZED);
    assert_string_equal(r.e[1].session_id, "2@2021-06-30T16:18:00Z");
    assert_int_equal(r.e[2].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[2].statement, "select count(*) from one");
    /* quotes doubled, a comma and a line break inside the query */
    assert_int_equal(r.e[3].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[3].statement, "select \"a,b\",\n 2 from one");
    assert_int_equal(r.e[3].line, 4);
    assert_int_equal(r.e[3].end_line, 6);
    assert_int_equal(r.e[4].kind, TS_EVENT_ERROR);
    assert_string_equal(r.e[4].command, "DROP TABLE");
    assert_string_equal(r.e[4].sqlstate, "42501");
    assert_int_equal(r.e[5].kind, TS_EVENT_DISCONNECTION);
    assert_int_equal(r.e[5].duration_us, 120000000);
    run_free(&r);
}

/* ------------------------------------------------------------------ */
/* Bad input                                                           */
/* ------------------------------------------------------------------ */

static const char good_obj[] =
    "{\"timestamp\": \"2019-10-03 15:02:33\", \"class\": \"general\", "
    "\"event\": \"status\", \"connection_id\": 11, \"general_data\": "
    "{\"query\": \"SELECT 1\", \"sql_command\": \"select\", \"status\": 0}}";

static void test_json_bad(void **state)
{
    ts_buf in;
    run r;

    (void)state;
    read_bytes("mysql-audit-json", "", 0, TS_MARIADB_RECORD_LIMIT, &r);
    assert_int_equal(r.n, 0);
    run_free(&r);

    ts_buf_init(&in, (size_t)64 << 20);
#define ADD(s) assert_int_equal(ts_buf_append(&in, s, strlen(s), NULL), 0)
    ADD("[\n");
    /* 1: cut inside a string, then a good record on the next line */
    ADD("{\"timestamp\": \"2019-10-03 15:0\n");
    ADD(good_obj);
    ADD(",\n");
    /* 2: cut between fields: a new object where none may start */
    ADD("{\"timestamp\": \"2019-10-03 15:02:33\", \"class\": \"general\",\n");
    ADD(good_obj);
    ADD(",\n");
    /* 3: garbage lines */
    ADD("\x7f"
        "ELF binary \xff\xfe garbage\n");
    ADD("not json at all\n");
    /* 4: invalid UTF-8 inside a string: jansson refuses it */
    ADD("{\"timestamp\": \"2019-10-03 15:02:33\", \"x\": \"\xc3\x28\"},\n");
    /* 5: an impossible timestamp */
    ADD("{\"timestamp\": \"2019-13-45 25:61:00\", \"class\": \"audit\"},\n");
    /* 6: mismatched brackets */
    ADD("{\"a\": [1, 2}\n");
    ADD(good_obj);
    ADD("\n]\n");
    read_bytes("mysql-audit-json", in.data, in.len, TS_MARIADB_RECORD_LIMIT,
               &r);
    assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 3);
    assert_string_equal(r.e[0].reason, "line break inside a JSON string");
    assert_int_equal(r.e[1].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[2].reason,
                        "JSON object cut short (a new one starts)");
    assert_int_equal(r.e[3].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[4].reason, "line does not start a JSON object");
    assert_string_equal(r.e[5].reason, "line does not start a JSON object");
    assert_string_equal(r.e[6].reason, "not valid JSON (or not UTF-8)");
    assert_string_equal(r.e[7].reason,
                        "no valid \"timestamp\" in the audit record");
    assert_string_equal(r.e[8].reason, "JSON brackets do not match");
    assert_int_equal(r.e[9].kind, TS_EVENT_STATEMENT);
    assert_int_equal(r.n, 10);
    run_free(&r);

    /* a record cut at the end of the input */
    read_bytes("mysql-audit-json", "[\n{\"a\": \"b\", ", 13,
               TS_MARIADB_RECORD_LIMIT, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.e[0].reason,
                        "JSON object cut short at the end of the input");
    run_free(&r);

    /* a line over 1 MB: a long query parses; over the limit, pieces */
    in.len = 0;
    ADD("{\"timestamp\": \"2019-10-03 15:02:33\", \"class\": \"general\", "
        "\"event\": \"status\", \"connection_id\": 11, \"general_data\": "
        "{\"status\": 0, \"query\": \"SELECT '");
    assert_int_equal(ts_buf_reserve(&in, (size_t)3 << 20, NULL), 0);
    memset(in.data + in.len, 'x', (size_t)3 << 20);
    in.len += (size_t)3 << 20;
    ADD("'\"}}\n");
    ADD(good_obj);
    ADD("\n");
    read_bytes("mysql-audit-json", in.data, in.len, TS_MARIADB_RECORD_LIMIT,
               &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 2);
    run_free(&r);
    read_bytes("mysql-audit-json", in.data, in.len, (size_t)1 << 20, &r);
    assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 1);
    assert_int_equal(r.e[r.n - 1].kind, TS_EVENT_STATEMENT);
    for (size_t i = 0; i + 1 < r.n; i++)
        assert_int_equal(r.e[i].kind, TS_EVENT_UNPARSED);
    run_free(&r);
    ts_buf_release(&in);
}

static void test_csv_bad(void **state)
{
    static const char good[] =
        "\"Query\",\"3_2021-06-30T16:10:09\",\"2021-06-30T16:19:00 UTC\","
        "\"select\",\"2\",0,\"select 1\",\"u\",\"h\",\"\",\"\",\"\"\n";
    ts_buf in;
    run r;

    (void)state;
    read_bytes("percona-audit-csv", "", 0, TS_MARIADB_RECORD_LIMIT, &r);
    assert_int_equal(r.n, 0);
    run_free(&r);

    ts_buf_init(&in, (size_t)64 << 20);
    /* 1: cut inside the query, then a good record */
    ADD("\"Query\",\"1_2021-06-30T16:10:09\",\"2021-06-30T16:19:00 UTC\","
        "\"select\",\"2\",0,\"select * fr\n");
    ADD(good);
    /* 2: wrong field count */
    ADD("\"Query\",\"2_2021-06-30T16:10:09\",\"x\"\n");
    /* 3: binary garbage with NULs and invalid UTF-8 */
    assert_int_equal(ts_buf_append(&in, "\x00\x01\xff\xfe,,\"\"\"\n", 10, NULL),
                     0);
    /* 4: an impossible timestamp */
    ADD("\"Query\",\"4_2021-06-30T16:10:09\",\"2021-02-30T16:19:00 UTC\","
        "\"select\",\"2\",0,\"select 1\",\"u\",\"h\",\"\",\"\",\"\"\n");
    /* 5: invalid UTF-8 in a good record is kept as it is */
    ADD("\"Query\",\"5_2021-06-30T16:10:09\",\"2021-06-30T16:19:00 UTC\","
        "\"select\",\"2\",0,\"select '\xc3\x28'\",\"u\",\"h\",\"\",\"\","
        "\"\"\n");
    /* 6: an unterminated quote at the very end */
    ADD("\"Quit\",\"6_2021");
    read_bytes("percona-audit-csv", in.data, in.len, TS_MARIADB_RECORD_LIMIT,
               &r);
    assert_int_equal(r.n, 7);
    assert_string_equal(r.e[0].reason, "unterminated quoted field");
    assert_int_equal(r.e[1].kind, TS_EVENT_STATEMENT);
    assert_int_equal(r.e[2].kind, TS_EVENT_UNPARSED);
    assert_int_equal(r.e[3].kind, TS_EVENT_UNPARSED);
    assert_string_equal(r.e[4].reason,
                        "no valid timestamp in the audit record");
    assert_int_equal(r.e[5].kind, TS_EVENT_STATEMENT);
    assert_string_equal(r.e[5].statement, "select '\xc3\x28'");
    assert_string_equal(r.e[6].reason, "unterminated quoted field");
    run_free(&r);

    /* over the limit: pieces, then the next record */
    in.len = 0;
    ADD("\"Query\",\"1_2021-06-30T16:10:09\",\"2021-06-30T16:19:00 UTC\","
        "\"select\",\"2\",0,\"");
    assert_int_equal(ts_buf_reserve(&in, (size_t)3 << 20, NULL), 0);
    memset(in.data + in.len, 'x', (size_t)3 << 20);
    in.len += (size_t)3 << 20;
    ADD("\",\"u\",\"h\",\"\",\"\",\"\"\n");
    ADD(good);
    read_bytes("percona-audit-csv", in.data, in.len, TS_MARIADB_RECORD_LIMIT,
               &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 2);
    run_free(&r);
    read_bytes("percona-audit-csv", in.data, in.len, (size_t)1 << 20, &r);
    assert_int_equal(r.e[r.n - 1].kind, TS_EVENT_STATEMENT);
    assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 1);
    run_free(&r);
    ts_buf_release(&in);
#undef ADD
}

static void detect_file(const char *path, const char *want)
{
    size_t len;
    uint8_t *data = slurp(path, &len);
    const char *got = ts_my_format_detect(data, len < 65536 ? len : 65536);

    if (want == NULL ? got != NULL : got == NULL || strcmp(got, want) != 0)
        fail_msg("%s: detected %s, want %s", path, got ? got : "nothing",
                 want ? want : "nothing");
    free(data);
}

static void detect_text(const char *text, const char *want)
{
    const char *got = ts_my_format_detect((const uint8_t *)text, strlen(text));

    if (want == NULL ? got != NULL : got == NULL || strcmp(got, want) != 0)
        fail_msg("'%.40s': detected %s, want %s", text, got ? got : "nothing",
                 want ? want : "nothing");
}

static void test_detect(void **state)
{
    (void)state;
    detect_file(DATA "mysql-enterprise.json", "mysql-audit-json");
    detect_file(DATA "percona.json", "percona-audit-json");
    detect_file(DATA "percona.csv", "percona-audit-csv");
    detect_file(TS_TEST_DATA_DIR "/mariadb-audit/server_audit-10.11.log",
                "mariadb-audit");
    detect_file(TS_TEST_DATA_DIR "/pg-stderr/pgaudit-m.log", NULL);
    detect_text("{\"timestamp\": \"2023-03-29 11:17:05\", \"id\": 2, "
                "\"class\": \"general\"}\n",
                "mysql-audit-json");
    /* PostgreSQL jsonlog and csvlog are not ours */
    detect_text("{\"timestamp\":\"2024-05-01 10:00:00.123 UTC\",\"user\":"
                "\"alice\",\"pid\":42}\n",
                NULL);
    detect_text("2024-05-01 10:00:00.123 UTC,\"alice\",\"db\",42,\n", NULL);
    detect_text("", NULL);
    detect_text("\x7f"
                "ELF\n",
                NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mysql_json),  cmocka_unit_test(test_percona_json),
        cmocka_unit_test(test_percona_csv), cmocka_unit_test(test_json_bad),
        cmocka_unit_test(test_csv_bad),     cmocka_unit_test(test_detect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
