/* Tests of pgAudit record splitting (ingest/pgaudit.c) and its event. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

static char buf[4096];

/* Splits text (after "AUDIT: "), asserting success. */
static ts_pgaudit_record split(const char *text)
{
    ts_pgaudit_record r;
    const char *reason = NULL;

    assert_true(strlen(text) + TS_PGAUDIT_SLACK <= sizeof(buf));
    assert_int_equal(ts_pgaudit_parse(text, strlen(text), buf, &r, &reason), 0);
    assert_null(reason);
    return r;
}

/* Splits a malformed text, returning the reason. */
static const char *reject(const char *text)
{
    ts_pgaudit_record r;
    const char *reason = NULL;

    assert_int_equal(ts_pgaudit_parse(text, strlen(text), buf, &r, &reason),
                     -1);
    assert_non_null(reason);
    return reason;
}

static void test_plain(void **state)
{
    ts_pgaudit_record r = split("SESSION,1,1,READ,SELECT,,,select 1,<none>");

    (void)state;
    assert_string_equal(r.audit_type, "SESSION");
    assert_int_equal(r.statement_id, 1);
    assert_int_equal(r.substatement_id, 1);
    assert_string_equal(r.audit_class, "READ");
    assert_string_equal(r.command, "SELECT");
    assert_null(r.object_type);
    assert_null(r.object_name);
    assert_string_equal(r.statement, "select 1");
    assert_null(r.parameter);
    assert_int_equal(r.rows, -1);

    r = split("OBJECT,12,3,WRITE,UPDATE,TABLE,public.customers,"
              "update customers set email = null,<not logged>");
    assert_string_equal(r.audit_type, "OBJECT");
    assert_int_equal(r.statement_id, 12);
    assert_int_equal(r.substatement_id, 3);
    assert_string_equal(r.object_type, "TABLE");
    assert_string_equal(r.object_name, "public.customers");
    assert_string_equal(r.statement, "update customers set email = null");
    assert_null(r.parameter);
}

/* Quoted fields: commas, doubled quotes, CR and LF inside. */
static void test_quoting(void **state)
{
    ts_pgaudit_record r;

    (void)state;
    r = split("SESSION,3,1,WRITE,INSERT,,,\"INSERT INTO t VALUES (1, 'a'),\n"
              "    (2, 'b,\"\"c\"\"@x');\",<none>");
    assert_string_equal(r.statement, "INSERT INTO t VALUES (1, 'a'),\n"
                                     "    (2, 'b,\"c\"@x');");
    r = split("SESSION,2,1,ROLE,CREATE ROLE,,,\"CREATE ROLE \"\"bob smith\"\" "
              "LOGIN\",<none>");
    assert_string_equal(r.statement, "CREATE ROLE \"bob smith\" LOGIN");
    r = split("SESSION,4,1,READ,SELECT,,,\"select 'a\r\nb'\",<none>");
    assert_string_equal(r.statement, "select 'a\r\nb'");
    /* a quoted object name (an identifier with a comma in it) */
    r = split("OBJECT,5,1,READ,SELECT,TABLE,\"public.\"\"odd,name\"\"\","
              "select 1,<none>");
    assert_string_equal(r.object_name, "public.\"odd,name\"");
    /* an empty quoted field is an empty string */
    r = split("SESSION,6,1,MISC,SET,\"\",,set x = 1,<none>");
    assert_null(r.object_type);
}

/* The parameter list is CSV quoted again as a whole. */
static void test_parameters(void **state)
{
    const char *cursor;
    char value[256];
    size_t len;
    ts_pgaudit_record r;

    (void)state;
    /* pgAudit never leaves commas unquoted: such a record is malformed */
    assert_string_equal(reject("SESSION,1,1,READ,SELECT,,,select $1,$2,$3,"
                               "\"1,\"\"a,b\"\",x\""),
                        "pgAudit record: too many fields");

    r = split("SESSION,1,1,READ,SELECT,,,\"select $1, $2, $3\","
              "\"1,\"\"a,b\"\",x\"");
    assert_string_equal(r.statement, "select $1, $2, $3");
    assert_string_equal(r.parameter, "1,\"a,b\",x");
    cursor = r.parameter;
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), 1);
    assert_string_equal(value, "1");
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), 1);
    assert_string_equal(value, "a,b");
    assert_int_equal(len, 3);
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), 1);
    assert_string_equal(value, "x");
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), 0);

    /* As PostgreSQL 15 + pgAudit 1.7 logged a bind value x,"y" then 0
     * (tests/data/pg-stderr/pgaudit-m.log). */
    r = split("SESSION,1,1,READ,SELECT,,,SELECT id FROM customers WHERE "
              "email = $1 AND id > $2;,\"\"\"x,\"\"\"\"y\"\"\"\"\"\",0\"");
    assert_string_equal(r.parameter, "\"x,\"\"y\"\"\",0");
    cursor = r.parameter;
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), 1);
    assert_string_equal(value, "x,\"y\"");
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), 1);
    assert_string_equal(value, "0");
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), 0);

    /* a NULL parameter leaves an empty value */
    r = split("SESSION,1,1,READ,SELECT,,,\"select $1, $2\",\",7\"");
    cursor = r.parameter;
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), 1);
    assert_string_equal(value, "");
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), 1);
    assert_string_equal(value, "7");
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), 0);

    /* a malformed list */
    cursor = "\"open";
    assert_int_equal(ts_pgaudit_param_next(&cursor, value, &len), -1);
}

static void test_special_values(void **state)
{
    ts_pgaudit_record r;

    (void)state;
    r = split("SESSION,1,2,READ,SELECT,TABLE,public.t,<previously logged>,"
              "<previously logged>");
    assert_null(r.statement);
    assert_null(r.parameter);
    assert_string_equal(r.object_name, "public.t");
    r = split("SESSION,1,1,READ,SELECT,,,<not logged>,<not logged>");
    assert_null(r.statement);
    assert_null(r.parameter);
    r = split("SESSION,1,1,READ,SELECT,,,select 1,<none>");
    assert_null(r.parameter);
}

/* pgaudit.log_rows adds a tenth field. */
static void test_rows(void **state)
{
    ts_pgaudit_record r;

    (void)state;
    r = split("SESSION,7,1,WRITE,DELETE,,,delete from t,<none>,42");
    assert_int_equal(r.rows, 42);
    assert_string_equal(r.statement, "delete from t");
    r = split("SESSION,1,2,READ,SELECT,,,<previously logged>,"
              "<previously logged>,0");
    assert_int_equal(r.rows, 0);
    assert_string_equal(reject("SESSION,7,1,WRITE,DELETE,,,x,<none>,many"),
                        "pgAudit record: rows is not a number");
}

static void test_malformed(void **state)
{
    (void)state;
    assert_string_equal(reject("SESSION,1,1,READ,SELECT,,,\"select 1,<none>"),
                        "pgAudit record: unterminated quoted field");
    assert_string_equal(reject("SESSION,1,1,READ,SELECT"),
                        "pgAudit record: too few fields");
    assert_string_equal(reject(""), "pgAudit record: too few fields");
    assert_string_equal(reject("SESSION,x,1,READ,SELECT,,,select 1,<none>"),
                        "pgAudit record: statement id is not a number");
    assert_string_equal(reject("SESSION,1,,READ,SELECT,,,select 1,<none>"),
                        "pgAudit record: statement id is not a number");
    assert_string_equal(
        reject("SESSION,99999999999999999999,1,READ,SELECT,,,x,<none>"),
        "pgAudit record: statement id is not a number");
    assert_string_equal(reject("SESSION,1,1,READ,SELECT,,,x,<none>,1,2"),
                        "pgAudit record: too many fields");
    assert_string_equal(reject("AUDIT,1,1,READ,SELECT,,,select 1,<none>"),
                        "pgAudit record: audit type is not SESSION or OBJECT");
    assert_string_equal(reject("SESSION,1,1,READ,SELECT,,,\"a\"b,<none>"),
                        "pgAudit record: text after a closing quote");
    assert_string_equal(reject("SESSION,1,1,READ,SELECT,,,a\"b,<none>"),
                        "pgAudit record: quote inside an unquoted field");
}

/* The event a message becomes, through ts_pg_classify. */
static void classify(ts_event *ev, ts_pg_level level, const char *msg)
{
    static char mem[8192];
    ts_arena arena = {mem, 0, sizeof(mem)};

    ts_event_init(ev);
    ts_pg_classify(ev, level, msg, strlen(msg), &arena);
}

static void test_event(void **state)
{
    ts_event ev;

    (void)state;
    classify(&ev, TS_PGL_LOG,
             "AUDIT: OBJECT,3,1,READ,SELECT,TABLE,public.customers,"
             "\"select email, ssn from customers\",<none>");
    assert_int_equal(ev.kind, TS_EVENT_AUDIT);
    assert_string_equal(ev.audit_type, "OBJECT");
    assert_int_equal(ev.statement_id, 3);
    assert_string_equal(ev.audit_class, "READ");
    assert_string_equal(ev.command, "SELECT");
    assert_string_equal(ev.object_type, "TABLE");
    assert_string_equal(ev.object_name, "public.customers");
    assert_string_equal(ev.statement, "select email, ssn from customers");
    assert_null(ev.parameter);

    classify(&ev, TS_PGL_LOG, "AUDIT: SESSION,1,1,READ,\"SELECT");
    assert_int_equal(ev.kind, TS_EVENT_UNPARSED);
    assert_string_equal(ev.unparsed_reason,
                        "pgAudit record: unterminated quoted field");
    classify(&ev, TS_PGL_LOG, "AUDIT: SESSION,one,1,READ,SELECT,,,x,<none>");
    assert_int_equal(ev.kind, TS_EVENT_UNPARSED);
    assert_string_equal(ev.unparsed_reason,
                        "pgAudit record: statement id is not a number");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_special_values),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
