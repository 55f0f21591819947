/* Redaction before sealing: literals and parameters become "?" in SQL,
 * parameter lists and error details; a field's redaction reaches the record
 * however each log format escaped it; and over every format's fixture, the
 * record sealed holds no literal of its statement, its HMAC proves the
 * original, and no record had to be withheld. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/hmac.h>

#include "common/common.h"
#include "ingest/redact_text.h"
#include "trailseal/analyze.h"
#include "trailseal/ingest.h"
#include "trailseal/redact.h"

static void expect_sql(const char *sql, ts_sql_dialect d, const char *want)
{
    ts_buf out;
    ts_error err;

    ts_buf_init(&out, (size_t)-1);
    assert_int_equal(ts_redact_sql(&out, sql, strlen(sql), d, &err), 0);
    assert_string_equal((const char *)out.data, want);
    ts_buf_release(&out);
}

static void test_sql(void **state)
{
    (void)state;
    expect_sql("SELECT * FROM t WHERE ssn = '123-45-6789' AND n > 42",
               TS_SQL_PG, "SELECT * FROM t WHERE ssn = ? AND n > ?");
    expect_sql("INSERT INTO t VALUES ('O''Brien', E'a\\'b', $x$dollar$x$, "
               "1.5e3, B'101', TRUE, $1)",
               TS_SQL_PG, "INSERT INTO t VALUES (?, ?, ?, ?, ?, TRUE, $1)");
    /* names that look like values stay: quoted identifiers, t1 */
    expect_sql("SELECT \"col 1\", t1.x FROM t1 -- 'not a literal'\n", TS_SQL_PG,
               "SELECT \"col 1\", t1.x FROM t1 -- 'not a literal'\n");
    /* MySQL: "..." and backslash escapes are strings */
    expect_sql("SELECT * FROM u WHERE email = \"a@b.c\" OR n = 'x\\'y'",
               TS_SQL_MYSQL, "SELECT * FROM u WHERE email = ? OR n = ?");
    /* an unterminated string is still redacted to the end */
    expect_sql("SELECT 'secret", TS_SQL_PG, "SELECT ?");
}

/* Audit settings keep their values: what was audited is the evidence. */
static void test_keeps_settings(void **state)
{
    (void)state;
    assert_true(ts_redact_keeps_sql("SET pgaudit.log = 'none'"));
    assert_true(ts_redact_keeps_sql("set session pgaudit.log to 'ddl'"));
    assert_true(ts_redact_keeps_sql("ALTER SYSTEM SET log_statement = 'none'"));
    assert_true(ts_redact_keeps_sql("ALTER ROLE bob SET pgaudit.log = 'none'"));
    assert_true(ts_redact_keeps_sql(
        "ALTER ROLE bob IN DATABASE shop SET pgaudit.log_level = 'debug'"));
    assert_true(ts_redact_keeps_sql(
        "ALTER DATABASE shop SET log_min_duration_statement = 0"));
    assert_false(ts_redact_keeps_sql("SET app.user_email = 'a@b.c'"));
    assert_false(ts_redact_keeps_sql("ALTER ROLE bob PASSWORD 'secret'"));
    assert_false(ts_redact_keeps_sql("ALTER SYSTEM SET work_mem = '1GB'"));
    assert_false(ts_redact_keeps_sql("SELECT 'SET pgaudit.log'"));
    assert_false(ts_redact_keeps_sql(""));
}

static void test_values_and_details(void **state)
{
    ts_buf out;
    ts_error err;

    (void)state;
    ts_buf_init(&out, (size_t)-1);
    assert_int_equal(ts_redact_values(&out, "a@b.c,\"x,\"\"y\",42", &err), 0);
    assert_string_equal((const char *)out.data, "?,?,?");
    out.len = 0;
    assert_int_equal(ts_redact_values(&out, "", &err), 0);
    assert_string_equal((const char *)out.data, "?");
    out.len = 0;
    assert_int_equal(
        ts_redact_detail(&out, "parameters: $1 = 'a@b.c', $2 = '7'", &err), 0);
    assert_string_equal((const char *)out.data, "parameters: $1 = ?, $2 = ?");
    out.len = 0;
    assert_int_equal(
        ts_redact_detail(&out, "Key (email)=(a@b.c) already exists.", &err), 0);
    assert_string_equal((const char *)out.data,
                        "Key (email)=(?) already exists.");
    out.len = 0;
    assert_int_equal(
        ts_redact_detail(&out, "Failing row contains (1, x (y), null).", &err),
        0);
    assert_string_equal((const char *)out.data, "Failing row contains (?).");
    out.len = 0;
    assert_int_equal(ts_redact_detail(&out, "Role has no password.", &err), 0);
    assert_string_equal((const char *)out.data, "Role has no password.");
    ts_buf_release(&out);
}

static void expect_replace(const char *text, const char *orig,
                           const char *redacted, const char *want)
{
    ts_buf out;
    ts_error err;
    int found = -1;

    ts_buf_init(&out, (size_t)-1);
    assert_int_equal(ts_redact_replace(&out, (const uint8_t *)text,
                                       strlen(text), orig, redacted, &found,
                                       &err),
                     0);
    assert_int_equal(found, want != NULL);
    assert_int_equal(out.len, strlen(want ? want : text));
    assert_memory_equal(out.data, want ? want : text, out.len);
    ts_buf_release(&out);
}

static void test_spellings(void **state)
{
    (void)state;
    /* as is, every occurrence */
    expect_replace("x SELECT 'a' y SELECT 'a'", "SELECT 'a'", "SELECT ?",
                   "x SELECT ? y SELECT ?");
    /* pgAudit's CSV inside a stderr line, a continuation line's TAB */
    expect_replace("AUDIT: SESSION,1,1,READ,SELECT,,,\"SELECT 'x,\"\"y'\n"
                   "\tFROM t\",<none>",
                   "SELECT 'x,\"y'\nFROM t", "SELECT ?\nFROM t",
                   "AUDIT: SESSION,1,1,READ,SELECT,,,\"SELECT ?\n\tFROM t\","
                   "<none>");
    /* the same inside a csvlog field: quotes doubled twice */
    expect_replace("LOG,\"AUDIT: ,,\"\"SELECT '\"\"\"\"'\"\"\"", "SELECT '\"'",
                   "SELECT ?", "LOG,\"AUDIT: ,,\"\"SELECT ?\"\"\"");
    /* JSON, and Go's HTML-safe escapes (Teleport) */
    expect_replace("{\"query\":\"SELECT 'a\\\"b\\n'\"}", "SELECT 'a\"b\n'",
                   "SELECT ?", "{\"query\":\"SELECT ?\"}");
    expect_replace("{\"query\":\"SELECT 1 \\u003c 'x\\u0026y'\"}",
                   "SELECT 1 < 'x&y'", "SELECT ? < ?",
                   "{\"query\":\"SELECT ? \\u003c ?\"}");
    /* MariaDB's backslash escapes */
    expect_replace("1,QUERY,db,'SELECT \\'a\\\\b\\'',0", "SELECT 'a\\b'",
                   "SELECT ?", "1,QUERY,db,'SELECT ?',0");
    /* not there in any spelling */
    expect_replace("nothing here", "SELECT 'a'", "SELECT ?", NULL);
}

/* ---- every format's fixture through a redacting source ---- */

static const uint8_t key[TS_VALUE_KEY_SIZE] = {
    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42};

static size_t count(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle), c = 0;

    for (size_t i = 0; k > 0 && i + k <= n; i++)
        c += memcmp(hay + i, needle, k) == 0;
    return c;
}

/* The longest run of letters, digits, '@', '.' and '-' in value: what
 * stays the same however a log format escapes the value. */
static void core_of(const char *value, char *out, size_t size)
{
    size_t best = 0, best_at = 0, run = 0;

    for (size_t i = 0;; i++) {
        char c = value[i];
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || c == '@' || c == '.' || c == '-';
        if (keep) {
            run++;
            continue;
        }
        if (run > best) {
            best = run;
            best_at = i - run;
        }
        run = 0;
        if (c == '\0')
            break;
    }
    if (best >= size)
        best = size - 1;
    memcpy(out, value + best_at, best);
    out[best] = '\0';
}

static ts_source *open_analysed(const char *format, const char *config,
                                const char *path)
{
    ts_source *src = NULL;
    ts_error err;

    if (ts_source_open_file(&src, format, config, path, &err) != 0)
        fail_msg("%s: %s", path, err.msg);
    assert_int_equal(ts_source_analyzing(&src, src, NULL, &err), 0);
    return src;
}

/* The same file read plainly and through redaction, in step. Returns the
 * records redacted. */
static uint64_t check_file(const char *format, const char *config,
                           const char *path)
{
    ts_source *plain = open_analysed(format, config, path);
    ts_source *red = open_analysed(format, config, path);
    ts_value_hasher *h = NULL;
    uint64_t redacted = 0, withheld = 0, n_literal = 0, n_indexed = 0;
    /* as the redacting source reads each format's SQL */
    ts_sql_dialect dialect = strncmp(format, "mariadb", 7) == 0 ||
                                     strncmp(format, "mysql", 5) == 0 ||
                                     strncmp(format, "percona", 7) == 0
                                 ? TS_SQL_MYSQL
                                 : TS_SQL_PG;
    ts_error err;

    assert_int_equal(ts_source_redacting(&red, red, key, 0, &err), 0);
    assert_int_equal(ts_value_hasher_new(&h, key, &err), 0);
    for (;;) {
        ts_entry pe, re;
        ts_event pev, rev;
        ts_sql_values *values = NULL;
        int a = ts_source_next(plain, &pe, &pev, &err);
        int b = ts_source_next(red, &re, &rev, &err);
        assert_int_equal(a, b);
        if (a <= 0)
            break;
        assert_int_equal(pe.position, re.position);
        assert_true(re.record_len == pe.record_len &&
                    memcmp(re.record, pe.record, pe.record_len) == 0);
        if (re.sealed != NULL) {
            uint8_t mac[TS_VALUE_HMAC_SIZE];
            assert_int_equal(
                ts_value_hmac(h, pe.record, pe.record_len, mac, &err), 0);
            assert_memory_equal(mac, re.original_hmac, TS_ORIGINAL_HMAC_SIZE);
        }
        if (pev.statement == NULL || pev.kind == TS_EVENT_UNPARSED)
            continue;
        assert_int_equal(ts_sql_values_extract(&values, pev.statement,
                                               strlen(pev.statement), dialect,
                                               &err),
                         0);
        for (size_t i = 0; i < values->n_items; i++) {
            const ts_sql_value *v = &values->items[i];
            const uint8_t *sealed = re.sealed ? re.sealed : re.record;
            size_t len = re.sealed ? re.sealed_len : re.record_len;
            char core[256];
            if (v->kind == TS_SQL_VALUE_STRING ||
                v->kind == TS_SQL_VALUE_BITS ||
                v->kind == TS_SQL_VALUE_NUMBER) {
                /* its value, as extraction unquotes it, is indexed */
                int64_t want = 0;
                size_t k = 0;
                assert_int_equal(
                    ts_value_hmac64(h, v->text, strlen(v->text), &want, &err),
                    0);
                while (k < rev.n_value_hmacs && rev.value_hmacs[k] != want)
                    k++;
                if (k == rev.n_value_hmacs)
                    fail_msg("%s:%llu: value '%s' not indexed", path,
                             (unsigned long long)pe.line, v->text);
                n_indexed++;
            }
            if (v->kind != TS_SQL_VALUE_STRING)
                continue;
            core_of(v->text, core, sizeof(core));
            if (strlen(core) < 4)
                continue;
            n_literal++;
            /* fewer left than were there: the statement's are gone */
            if (count(sealed, len, core) >=
                count(pe.record, pe.record_len, core))
                fail_msg("%s:%llu: literal '%s' still sealed", path,
                         (unsigned long long)pe.line, v->text);
            assert_non_null(rev.statement);
            assert_null(strstr(rev.statement, v->text));
        }
        ts_sql_values_free(values);
    }
    ts_source_redacting_stats(red, &redacted, &withheld);
    if (withheld != 0)
        fail_msg("%s: %llu records withheld", path,
                 (unsigned long long)withheld);
    if (n_literal > 0)
        assert_true(redacted > 0 && n_indexed >= n_literal);
    ts_value_hasher_free(h);
    ts_source_free(plain);
    ts_source_free(red);
    return redacted;
}

static void test_formats(void **state)
{
    (void)state;
    assert_true(check_file("pg-stderr", "%m [%p] %q%u@%d/%a %r %c %e ",
                           TS_TEST_DATA_DIR "/pg-stderr/pgaudit-m.log") > 0);
    assert_true(check_file("pg-stderr",
                           "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
                           TS_TEST_DATA_DIR "/pg-stderr/pgaudit-t.log") > 0);
    assert_true(check_file("pg-csvlog", "",
                           TS_TEST_DATA_DIR "/pg-csvlog/pg15-pgaudit.csv") > 0);
    assert_true(check_file("pg-jsonlog", "",
                           TS_TEST_DATA_DIR
                           "/pg-jsonlog/pg15-pgaudit.json") > 0);
    check_file("pg-stderr", "%m [%p] %quser=%u,db=%d,app=%a,client=%h ",
               TS_TEST_DATA_DIR "/pg-syslog/bsd.log");
    check_file("pg-stderr", "%t:%r:%u@%d:[%p]:",
               TS_TEST_DATA_DIR "/pg-rds/postgresql.log.2026-12-04-10");
    check_file("cnpg-json", "", TS_TEST_DATA_DIR "/pg-cnpg/cnpg.jsonl");
    assert_true(check_file("mariadb-audit", "",
                           TS_TEST_DATA_DIR
                           "/mariadb-audit/server_audit-10.11.log") > 0);
    check_file("mysql-audit-json", "",
               TS_TEST_DATA_DIR "/mysql-audit/mysql-enterprise.json");
    check_file("percona-audit-json", "",
               TS_TEST_DATA_DIR "/mysql-audit/percona.json");
    check_file("percona-audit-csv", "",
               TS_TEST_DATA_DIR "/mysql-audit/percona.csv");
    assert_true(check_file("teleport-audit", "",
                           TS_TEST_DATA_DIR "/proxies/teleport.jsonl") > 0);
    check_file("hoop-audit", "", TS_TEST_DATA_DIR "/proxies/hoop.jsonl");
    check_file("rds-das", "", TS_TEST_DATA_DIR "/proxies/rds-das.jsonl");
}

/* --raw: nothing rewritten, the value HMACs still listed. */
static void test_keep_raw(void **state)
{
    ts_source *src = open_analysed("pg-stderr", "%m [%p] %q%u@%d/%a %r %c %e ",
                                   TS_TEST_DATA_DIR "/pg-stderr/pgaudit-m.log");
    uint64_t hmacs = 0, redacted = 0, withheld = 0;
    ts_error err;
    ts_entry e;
    ts_event ev;

    (void)state;
    assert_int_equal(
        ts_source_redacting(&src, src, key, TS_REDACT_KEEP_RAW, &err), 0);
    while (ts_source_next(src, &e, &ev, &err) == 1) {
        assert_null(e.sealed);
        assert_null(e.original_hmac);
        hmacs += ev.n_value_hmacs;
    }
    ts_source_redacting_stats(src, &redacted, &withheld);
    assert_true(hmacs > 0);
    assert_int_equal(redacted, 0);
    ts_source_free(src);
}

/* The value HMACs of a statement of thousands of values: each distinct
 * value once, in the order the statement first gives it (past the first
 * few, found through a table, not a scan), and the next record's own
 * again, those of the one before forgotten. */
static void test_many_values(void **state)
{
    enum { ROWS = 5000, NAMES = 700, AGAIN = 61 };
    char path[] = "/tmp/ts-test-redact-XXXXXX";
    ts_value_hasher *h = NULL;
    ts_source *src = NULL;
    int64_t *want = calloc(2 * ROWS, sizeof(*want));
    size_t n_want = 0;
    ts_error err;
    ts_entry e;
    ts_event ev;
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

    (void)state;
    assert_non_null(f);
    assert_non_null(want);
    assert_int_equal(ts_value_hasher_new(&h, key, &err), 0);
    fputs("2026-11-01 00:00:00.030 UTC [20002] etl@shop/app 10.2.3.4(4906)"
          " 6ae68100.4e22 00000 LOG:  AUDIT: SESSION,1,1,WRITE,INSERT,TABLE,"
          "public.t,\"INSERT INTO public.t (id, name) VALUES ",
          f);
    for (int i = 0; i < ROWS; i++) {
        char id[16], name[16];
        int64_t hid, hname;
        snprintf(id, sizeof(id), "%d", i);
        snprintf(name, sizeof(name), "n%d", i % NAMES);
        fprintf(f, "%s(%s, '%s')", i ? ", " : "", id, name);
        assert_int_equal(ts_value_hmac64(h, id, strlen(id), &hid, &err), 0);
        assert_int_equal(ts_value_hmac64(h, name, strlen(name), &hname, &err),
                         0);
        want[n_want++] = hid;
        if (i < NAMES)
            want[n_want++] = hname;
    }
    fputs("\",<none>\n", f);
    /* the next record: rows 60 down to 0, so that most of its values
     * stood elsewhere in the record before */
    fputs("2026-11-01 00:00:00.031 UTC [20002] etl@shop/app 10.2.3.4(4906)"
          " 6ae68100.4e22 00000 LOG:  AUDIT: SESSION,2,1,WRITE,INSERT,TABLE,"
          "public.t,\"INSERT INTO public.t (id, name) VALUES ",
          f);
    for (int i = AGAIN - 1; i >= 0; i--)
        fprintf(f, "%s(%d, 'n%d')", i < AGAIN - 1 ? ", " : "", i, i);
    fputs("\",<none>\n", f);
    assert_int_equal(fclose(f), 0);

    src = open_analysed("pg-stderr", "%m [%p] %q%u@%d/%a %r %c %e ", path);
    assert_int_equal(ts_source_redacting(&src, src, key, 0, &err), 0);
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
    assert_int_equal(ev.n_value_hmacs, n_want);
    for (size_t i = 0; i < n_want; i++)
        assert_true(ev.value_hmacs[i] == want[i]);
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
    assert_int_equal(ev.n_value_hmacs, 2 * AGAIN);
    for (size_t i = 0; i < 2 * AGAIN; i++) {
        size_t row = AGAIN - 1 - i / 2; /* its id and name as in record 1 */
        assert_true(ev.value_hmacs[i] == want[2 * row + i % 2]);
    }
    ts_source_free(src);
    ts_value_hasher_free(h);
    free(want);
    remove(path);
}

/* The value HMAC agrees with OpenSSL's own HMAC-SHA256 for messages of
 * every length around the block's (55, 56 and 64 bytes end a block's
 * padding differently), from one hasher used again and again. */
static void test_value_hmac(void **state)
{
    uint8_t msg[200], want[EVP_MAX_MD_SIZE], got[TS_VALUE_HMAC_SIZE];
    ts_value_hasher *h = NULL;
    unsigned int want_len = 0;
    int64_t v64 = 0, want64 = 0;
    ts_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(ts_value_hasher_new(&h, key, &err), 0);
    for (size_t len = 0; len <= sizeof(msg); len++) {
        assert_non_null(HMAC(EVP_sha256(), key, TS_VALUE_KEY_SIZE, msg, len,
                             want, &want_len));
        assert_int_equal(want_len, TS_VALUE_HMAC_SIZE);
        assert_int_equal(ts_value_hmac(h, msg, len, got, &err), 0);
        assert_memory_equal(got, want, TS_VALUE_HMAC_SIZE);
        assert_int_equal(ts_value_hmac64(h, msg, len, &v64, &err), 0);
        want64 = 0;
        for (int i = 0; i < 8; i++)
            want64 = (int64_t)((uint64_t)want64 << 8 | want[i]);
        assert_int_equal(v64, want64);
    }
    ts_value_hasher_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_hmac),
        cmocka_unit_test(test_sql),
        cmocka_unit_test(test_keeps_settings),
        cmocka_unit_test(test_values_and_details),
        cmocka_unit_test(test_spellings),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_keep_raw),
        cmocka_unit_test(test_many_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
