/* Tests of the log_line_prefix compiler and matcher (ingest/pg_prefix.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/time.h"

/* Compiles prefix, matches line, returns the match (asserting it matched
 * as `want`). */
static ts_pg_match match(const char *prefix, const char *line, int want)
{
    ts_pg_prefix *p = NULL;
    ts_pg_match m;
    ts_error err;

    assert_int_equal(ts_pg_prefix_compile(&p, prefix, &err), 0);
    assert_int_equal(ts_pg_prefix_match(p, line, strlen(line), &m), want);
    ts_pg_prefix_free(p);
    return m;
}

/* The text of a matched field, in a static buffer. */
static const char *val(const char *line, const ts_pg_match *m, ts_pg_field f)
{
    static char buf[256];

    if (!m->field[f].set)
        return "<unset>";
    assert_true(m->field[f].len < sizeof(buf));
    memcpy(buf, line + m->field[f].off, m->field[f].len);
    buf[m->field[f].len] = '\0';
    return buf;
}

static int64_t utc(const char *iso)
{
    int64_t us;
    assert_int_equal(ts_time_parse(iso, &us, NULL), 0);
    return us;
}

/* One escape at a time: its value, and the message after it. */
static void test_every_escape(void **state)
{
    static const struct {
        const char *prefix;
        const char *line;
        ts_pg_field field;
        const char *value;
    } cases[] = {
        {"%a ", "psql LOG:  x", TS_PGF_APPLICATION, "psql"},
        {"%u ", "alice LOG:  x", TS_PGF_USER, "alice"},
        {"%d ", "appdb LOG:  x", TS_PGF_DATABASE, "appdb"},
        {"%r ", "10.0.0.7(51234) LOG:  x", TS_PGF_REMOTE, "10.0.0.7(51234)"},
        {"%r ", "[local] LOG:  x", TS_PGF_REMOTE, "[local]"},
        {"%r ", "::1(5432) LOG:  x", TS_PGF_REMOTE, "::1(5432)"},
        {"%h ", "db-1.example.com LOG:  x", TS_PGF_HOST, "db-1.example.com"},
        {"%b ", "client backend LOG:  x", TS_PGF_BACKEND_TYPE,
         "client backend"},
        {"%p ", "12345 LOG:  x", TS_PGF_PID, "12345"},
        {"%P ", "4242 LOG:  x", TS_PGF_LEADER_PID, "4242"},
        {"%P ", " LOG:  x", TS_PGF_LEADER_PID, ""},
        {"%t ", "2024-05-01 12:00:00 UTC LOG:  x", TS_PGF_TIME,
         "2024-05-01 12:00:00 UTC"},
        {"%m ", "2024-05-01 12:00:00.123 UTC LOG:  x", TS_PGF_TIME_MS,
         "2024-05-01 12:00:00.123 UTC"},
        {"%n ", "1714564800.123 LOG:  x", TS_PGF_EPOCH, "1714564800.123"},
        {"%i ", "idle in transaction LOG:  x", TS_PGF_PS,
         "idle in transaction"},
        {"%e ", "42P01 ERROR:  x", TS_PGF_SQLSTATE, "42P01"},
        {"%c ", "6632a1f0.3039 LOG:  x", TS_PGF_SESSION, "6632a1f0.3039"},
        {"%l ", "17 LOG:  x", TS_PGF_LINE, "17"},
        {"%s ", "2024-05-01 11:59:58 UTC LOG:  x", TS_PGF_START_TIME,
         "2024-05-01 11:59:58 UTC"},
        {"%v ", "3/17 LOG:  x", TS_PGF_VXID, "3/17"},
        {"%v ", " LOG:  x", TS_PGF_VXID, ""},
        {"%x ", "0 LOG:  x", TS_PGF_XID, "0"},
        {"%Q ", "-4503599627370497 LOG:  x", TS_PGF_QUERY_ID,
         "-4503599627370497"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ts_pg_match m = match(cases[i].prefix, cases[i].line, 1);
        assert_string_equal(val(cases[i].line, &m, cases[i].field),
                            cases[i].value);
        assert_string_equal(cases[i].line + m.message_off, "x");
        /* the prefix ends where "LEVEL:  x" starts */
        assert_int_equal(m.prefix_len + strlen(ts_pg_level_name(m.level)) + 4,
                         strlen(cases[i].line));
    }
}

static void test_numbers_and_percent(void **state)
{
    const char *line = "100% [4711] 12: LOG:  hello";
    ts_pg_match m = match("100%% [%p] %l: ", line, 1);

    (void)state;
    assert_int_equal(m.pid, 4711);
    assert_int_equal(m.session_line, 12);
    assert_int_equal(m.level, TS_PGL_LOG);
    assert_string_equal(line + m.message_off, "hello");
    /* unknown escapes print nothing in PostgreSQL, so match nothing */
    m = match("%z%Y[%p] ", "[1] LOG:  x", 1);
    assert_int_equal(m.pid, 1);
    /* a trailing lone % is ignored too */
    m = match("[%p] %", "[2] LOG:  x", 1);
    assert_int_equal(m.pid, 2);
}

static void test_levels(void **state)
{
    static const char *const names[] = {
        "DEBUG", "LOG",     "INFO",     "NOTICE",    "WARNING",
        "ERROR", "FATAL",   "PANIC",    "DETAIL",    "HINT",
        "QUERY", "CONTEXT", "LOCATION", "STATEMENT", "BACKTRACE"};
    char line[64];

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(line, sizeof(line), "[1] %s:  m", names[i]);
        ts_pg_match m = match("[%p] ", line, 1);
        assert_string_equal(ts_pg_level_name(m.level), names[i]);
        assert_int_equal(ts_pg_level_is_attached(m.level), i >= 8);
    }
    /* one space after the colon, an unknown level, lowercase: no match */
    match("[%p] ", "[1] LOG: x", 0);
    match("[%p] ", "[1] AUDIT:  x", 0);
    match("[%p] ", "[1] log:  x", 0);
}

static void test_padding(void **state)
{
    const char *l1 = "bob       |  1234|LOG:  x";
    const char *l2 = "          |      |LOG:  x";
    const char *l3 = "a-very-long-user-name|123456789|LOG:  x";
    ts_pg_match m;

    (void)state;
    m = match("%-10u|%6p|", l1, 1);
    assert_string_equal(val(l1, &m, TS_PGF_USER), "bob");
    assert_int_equal(m.pid, 1234);
    /* absent values print as spaces of the padding's width */
    m = match("%-10u|%6P|", l2, 1);
    assert_string_equal(val(l2, &m, TS_PGF_USER), "");
    assert_string_equal(val(l2, &m, TS_PGF_LEADER_PID), "");
    /* values longer than the padding are not cut */
    m = match("%-10u|%6p|", l3, 1);
    assert_string_equal(val(l3, &m, TS_PGF_USER), "a-very-long-user-name");
    assert_int_equal(m.pid, 123456789);
    /* right-justified free text and a left-justified fixed shape */
    const char *l4 = "   psql:42   |LOG:  x";
    m = match("%7a:%-5l|", l4, 1);
    assert_string_equal(val(l4, &m, TS_PGF_APPLICATION), "psql");
    assert_int_equal(m.session_line, 42);
}

/* %q ends the prefix for processes without a session. */
static void test_q(void **state)
{
    const char *prefix = "%m [%p] %q%u@%d/%a %r %c %e ";
    const char *pm = "2024-05-01 12:00:00.250 UTC [100] LOG:  database "
                     "system is ready to accept connections";
    const char *be = "2024-05-01 12:00:01.000 UTC [200] alice@appdb/psql "
                     "10.1.2.3(40000) 6632a1f0.c8 00000 LOG:  AUDIT: x";
    ts_pg_match m;

    (void)state;
    m = match(prefix, pm, 1);
    assert_true(m.short_form);
    assert_int_equal(m.pid, 100);
    assert_false(m.field[TS_PGF_USER].set);
    assert_false(m.field[TS_PGF_SESSION].set);
    assert_int_equal(m.time_us, utc("2024-05-01 12:00:00.250"));
    assert_string_equal(pm + m.message_off,
                        "database system is ready to accept connections");

    m = match(prefix, be, 1);
    assert_false(m.short_form);
    assert_string_equal(val(be, &m, TS_PGF_USER), "alice");
    assert_string_equal(val(be, &m, TS_PGF_DATABASE), "appdb");
    assert_string_equal(val(be, &m, TS_PGF_APPLICATION), "psql");
    assert_string_equal(val(be, &m, TS_PGF_REMOTE), "10.1.2.3(40000)");
    assert_string_equal(val(be, &m, TS_PGF_SESSION), "6632a1f0.c8");
    assert_string_equal(val(be, &m, TS_PGF_SQLSTATE), "00000");
    assert_string_equal(be + m.message_off, "AUDIT: x");

    /* without %q, a postmaster line prints the escapes empty */
    const char *emp = "[7]: user=,db=,app=,client= LOG:  x";
    m = match("[%p]: user=%u,db=%d,app=%a,client=%h ", emp, 1);
    assert_true(m.field[TS_PGF_USER].set);
    assert_false(ts_pg_span_said(emp, &m.field[TS_PGF_USER]));
    assert_false(ts_pg_span_said(emp, &m.field[TS_PGF_HOST]));
}

static void test_unknown(void **state)
{
    const char *line = "[9] [unknown]@[unknown]/[unknown] [local] LOG:  "
                       "connection received: host=[local]";
    ts_pg_match m = match("[%p] %u@%d/%a %r ", line, 1);

    (void)state;
    assert_string_equal(val(line, &m, TS_PGF_USER), "[unknown]");
    assert_false(ts_pg_span_said(line, &m.field[TS_PGF_USER]));
    assert_false(ts_pg_span_said(line, &m.field[TS_PGF_DATABASE]));
    assert_false(ts_pg_span_said(line, &m.field[TS_PGF_APPLICATION]));
    /* [local] is a real value of %r */
    assert_true(ts_pg_span_said(line, &m.field[TS_PGF_REMOTE]));
    assert_string_equal(val(line, &m, TS_PGF_REMOTE), "[local]");
}

/* Free-text values with spaces and brackets end where the rest matches. */
static void test_free_text(void **state)
{
    const char *prefix = "%m [%p] %q%u@%d/%a %r %c %e ";
    const char *line = "2024-05-01 12:00:01.000 UTC [200] bob smith@app "
                       "db/my app [x] 127.0.0.1(5432) 6632a1f0.c8 00000 "
                       "LOG:  x [y] z";
    ts_pg_match m = match(prefix, line, 1);

    (void)state;
    assert_string_equal(val(line, &m, TS_PGF_USER), "bob smith");
    assert_string_equal(val(line, &m, TS_PGF_DATABASE), "app db");
    assert_string_equal(val(line, &m, TS_PGF_APPLICATION), "my app [x]");
    assert_string_equal(val(line, &m, TS_PGF_REMOTE), "127.0.0.1(5432)");
    assert_string_equal(line + m.message_off, "x [y] z");

    /* a free-text value right before the level */
    const char *l2 = "[5] user=a b c LOG:  m";
    m = match("[%p] user=%u ", l2, 1);
    assert_string_equal(val(l2, &m, TS_PGF_USER), "a b c");
    /* a message that looks like a level does not end the value early */
    const char *l3 = "[5] x LOG:  y ERROR:  z";
    m = match("[%p] %a ", l3, 1);
    assert_string_equal(val(l3, &m, TS_PGF_APPLICATION), "x");
    assert_string_equal(l3 + m.message_off, "y ERROR:  z");
}

static void test_times(void **state)
{
    static const struct {
        const char *text;
        const char *utc;
    } cases[] = {
        {"2024-05-01 12:00:00 UTC", "2024-05-01 12:00:00"},
        {"2024-05-01 12:00:00 GMT", "2024-05-01 12:00:00"},
        {"2024-05-01 14:00:00 CEST", "2024-05-01 12:00:00"},
        {"2024-01-01 07:00:00 EST", "2024-01-01 12:00:00"},
        {"2024-05-01 08:00:00 EDT", "2024-05-01 12:00:00"},
        {"2024-05-01 15:00:00 +03", "2024-05-01 12:00:00"},
        {"2024-05-01 06:30:00 -0530", "2024-05-01 12:00:00"},
        {"2024-05-01 17:45:00 +0545", "2024-05-01 12:00:00"},
        {"2024-05-01 12:00:00.999 UTC", "2024-05-01 12:00:00.999"},
        {"2024-02-29 23:59:59.001 UTC", "2024-02-29 23:59:59.001"},
        /* an unknown zone is read as UTC */
        {"2024-05-01 12:00:00 XYZT", "2024-05-01 12:00:00"},
    };
    int64_t us;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(
            ts_pg_time_parse(cases[i].text, strlen(cases[i].text), &us), 0);
        assert_int_equal(us, utc(cases[i].utc));
    }
    assert_int_equal(ts_pg_time_parse("2024-13-01 12:00:00 UTC", 23, &us), -1);
    assert_int_equal(ts_pg_time_parse("2024-05-01 25:00:00 UTC", 23, &us), -1);
    assert_int_equal(ts_pg_time_parse("2024-05-01 12:00:00", 19, &us), -1);

    /* %t and %m in a line, %n from the epoch, %m preferred over %t */
    ts_pg_match m =
        match("%t [%p] ", "2024-05-01 14:00:00 CEST [1] LOG:  x", 1);
    assert_int_equal(m.time_us, utc("2024-05-01 12:00:00"));
    m = match("%n ", "1714564800.123 LOG:  x", 1);
    assert_int_equal(m.time_us, utc("2024-05-01 12:00:00.123"));
    m = match("%m %t ",
              "2024-05-01 12:00:00.500 UTC 2024-05-01 12:00:00 UTC LOG:  x", 1);
    assert_int_equal(m.time_us, utc("2024-05-01 12:00:00.500"));
    /* %s is the session's start, not the event's time */
    m = match("%s ", "2024-05-01 12:00:00 UTC LOG:  x", 1);
    assert_int_equal(m.time_us, TS_UNKNOWN_TIME);
}

static void test_no_match(void **state)
{
    ts_pg_prefix *p = NULL;
    ts_error err;
    ts_pg_match m;
    char *hostile;

    (void)state;
    match("%m [%p] ", "garbage", 0);
    match("%m [%p] ", "", 0);
    match("%m [%p] ", "2024-05-01 12:00:00.123 UTC [x] LOG:  x", 0);
    match("%m [%p] ", "2024-05-01 12:00:00 UTC [1] LOG:  x", 0);
    match("%m [%p] ", "2024-05-01 12:00:00.123 UTC [1] no level here", 0);
    match("%c ", "xyz.12 LOG:  x", 0);
    match("%e ", "4250 LOG:  x", 0);

    /* many separators and free-text values: gives up, quickly */
    assert_int_equal(ts_pg_prefix_compile(&p, "%u@%d@%a@%i@%b@ ", &err), 0);
    hostile = malloc(100001);
    assert_non_null(hostile);
    memset(hostile, '@', 100000);
    hostile[100000] = '\0';
    assert_int_equal(ts_pg_prefix_match(p, hostile, 100000, &m), 0);
    free(hostile);
    ts_pg_prefix_free(p);

    /* a prefix with a line break cannot be matched line by line */
    assert_int_equal(ts_pg_prefix_compile(&p, "%m\n[%p] ", &err), TS_EINVAL);
    assert_null(p);
}

static void test_has(void **state)
{
    ts_pg_prefix *p = NULL;
    ts_error err;

    (void)state;
    assert_int_equal(ts_pg_prefix_compile(&p, "%m [%p] %q%u ", &err), 0);
    assert_true(ts_pg_prefix_has(p, TS_PGF_PID));
    assert_true(ts_pg_prefix_has(p, TS_PGF_USER));
    assert_false(ts_pg_prefix_has(p, TS_PGF_SESSION));
    ts_pg_prefix_free(p);
    /* the empty prefix is valid: the level starts the line */
    assert_int_equal(ts_pg_prefix_compile(&p, "", &err), 0);
    ts_pg_prefix_free(p);
    ts_pg_match m = match("", "LOG:  plain", 1);
    assert_int_equal(m.prefix_len, 0);
    ts_pg_prefix_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_escape),
        cmocka_unit_test(test_numbers_and_percent),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_q),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_free_text),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_has),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
