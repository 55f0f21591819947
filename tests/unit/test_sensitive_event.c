/* Tests of the per-event value classes (ingest/sensitive_event.c): the
 * literals of a statement and pgAudit's CSV bind parameters, positive and
 * negative, and names in bit order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "trailseal/sensitive.h"

static unsigned stmt(const char *sql)
{
    return ts_sensitive_statement_mask(sql, strlen(sql), TS_SQL_PG);
}

static void test_statement_literals(void **state)
{
    (void)state;
    assert_int_equal(stmt("SELECT * FROM t WHERE email = 'ada@example.com'"),
                     TS_SENSITIVE_EMAIL);
    assert_int_equal(stmt("INSERT INTO p VALUES (1, '078-05-1120', "
                          "'4111 1111 1111 1111')"),
                     TS_SENSITIVE_US_SSN | TS_SENSITIVE_CARD_NUMBER);
    /* a card number as a bare number literal */
    assert_int_equal(stmt("UPDATE c SET pan = 4111111111111111 WHERE id = 7"),
                     TS_SENSITIVE_CARD_NUMBER);
    assert_int_equal(stmt("SELECT $x$GB82 WEST 1234 5698 7654 32$x$"),
                     TS_SENSITIVE_IBAN);
    assert_int_equal(stmt("SELECT E'ada@example.com\\n'"), TS_SENSITIVE_EMAIL);
    /* doubled quotes inside a literal do not hide what is around them */
    assert_int_equal(stmt("SELECT 'O''Brien <ob@example.org>'"),
                     TS_SENSITIVE_EMAIL);
}

static void test_statement_negatives(void **state)
{
    (void)state;
    /* names and comments are not values */
    assert_int_equal(stmt("SELECT email, ssn, card_number FROM customers"), 0);
    assert_int_equal(stmt("SELECT 1 -- ada@example.com\n"), 0);
    assert_int_equal(stmt("SELECT \"ada@example.com\" FROM t"), 0);
    /* a Luhn-failing 16-digit number and a wrong IBAN check */
    assert_int_equal(stmt("SELECT 4111111111111112, 'GB82WEST12345698765433'"),
                     0);
    assert_int_equal(stmt("SELECT $1, $2 FROM t WHERE id = 42"), 0);
    assert_int_equal(stmt(""), 0);
    assert_int_equal(ts_sensitive_statement_mask(NULL, 0, TS_SQL_PG), 0);
    /* unterminated input is lexed to its end without reading past it */
    assert_int_equal(stmt("SELECT 'ada@example.com"), TS_SENSITIVE_EMAIL);
}

static void test_parameters(void **state)
{
    (void)state;
    assert_int_equal(ts_sensitive_parameter_mask(NULL), 0);
    assert_int_equal(ts_sensitive_parameter_mask("<none>"), 0);
    assert_int_equal(ts_sensitive_parameter_mask("<not logged>"), 0);
    assert_int_equal(ts_sensitive_parameter_mask("42,078-05-1120"),
                     TS_SENSITIVE_US_SSN);
    assert_int_equal(
        ts_sensitive_parameter_mask("\"Doe, Jane\",jane@example.com,7"),
        TS_SENSITIVE_EMAIL);
    /* a quoted field with a doubled quote and a comma inside */
    assert_int_equal(
        ts_sensitive_parameter_mask("\"say \"\"hi\"\", ok\",+1 415 555 2671"),
        TS_SENSITIVE_PHONE);
    assert_int_equal(ts_sensitive_parameter_mask("\"078-05-1120\""),
                     TS_SENSITIVE_US_SSN);
    /* the SSN split across two fields is no SSN */
    assert_int_equal(ts_sensitive_parameter_mask("078-05,1120"), 0);
    assert_int_equal(ts_sensitive_parameter_mask(",,,\""), 0);
}

static void test_event_classes(void **state)
{
    const char *names[TS_SENSITIVE_N_CLASSES];
    size_t n;

    (void)state;
    n = ts_sensitive_event_classes(
        "INSERT INTO u VALUES ('ada@example.com', $1)", "078-05-1120", names,
        TS_SENSITIVE_N_CLASSES);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "email");
    assert_string_equal(names[1], "us_ssn");
    n = ts_sensitive_event_classes("SELECT 1", NULL, names,
                                   TS_SENSITIVE_N_CLASSES);
    assert_int_equal(n, 0);
    n = ts_sensitive_event_classes(NULL, NULL, names, TS_SENSITIVE_N_CLASSES);
    assert_int_equal(n, 0);
    /* max bounds what is written */
    n = ts_sensitive_event_classes(
        "INSERT INTO u VALUES ('ada@example.com', '078-05-1120')", NULL, names,
        1);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "email");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statement_literals),
        cmocka_unit_test(test_statement_negatives),
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_event_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
