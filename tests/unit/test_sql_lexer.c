/* Tests of statement templates and value extraction (ingest/sql_lexer.c,
 * ingest/sql_template.c): every quoting form of both dialects, comments,
 * malformed input that must never crash, and the lexer's memo of the last
 * statement. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/sql_internal.h"
#include "trailseal/analyze.h"

/* The template of sql, in a static buffer. */
static const char *tmpl(const char *sql, ts_sql_dialect dialect)
{
    static char buf[4096];
    char *out = NULL;
    ts_error err;

    assert_int_equal(
        ts_sql_template(&out, NULL, sql, strlen(sql), dialect, &err), 0);
    assert_non_null(out);
    assert_true(strlen(out) < sizeof(buf));
    strcpy(buf, out);
    free(out);
    return buf;
}

#define PG(sql, want) assert_string_equal(tmpl(sql, TS_SQL_PG), want)
#define MY(sql, want) assert_string_equal(tmpl(sql, TS_SQL_MYSQL), want)

static void test_pg_strings(void **state)
{
    (void)state;
    PG("SELECT 'abc'", "SELECT $1");
    PG("SELECT 'it''s', 'x'", "SELECT $1, $2");
    /* standard_conforming_strings: a backslash does not escape */
    PG("SELECT 'a\\' , 'b'", "SELECT $1 , $2");
    PG("SELECT E'a\\'b', e'\\\\'", "SELECT $1, $2");
    PG("SELECT U&'d\\0061t\\+000061'", "SELECT $1");
    PG("SELECT U&'d!0061t' UESCAPE '!' FROM t", "SELECT $1 FROM t");
    PG("SELECT $$a 'quoted' $ b$$, $tag$x$$y$tag$", "SELECT $1, $2");
    PG("SELECT B'1010', X'1F', b'0', x'ff'", "SELECT $1, $2, $3, $4");
    PG("SELECT N'national'", "SELECT $1");
    /* 'a' newline 'b' is one literal in PostgreSQL */
    PG("SELECT 'a'\n  'b' AS x", "SELECT $1 AS x");
    PG("SELECT 'a' 'b'", "SELECT $1 $2");
    PG("SELECT DATE '2020-01-01', interval '1 day'",
       "SELECT DATE $1, interval $2");
}

static void test_pg_numbers_params(void **state)
{
    (void)state;
    PG("SELECT 1, 42, 1.5, .5, 1., 1e5, 1E-5, 2.5e+3",
       "SELECT $1, $2, $3, $4, $5, $6, $7, $8");
    PG("SELECT 0x1F, 1_000", "SELECT $1, $2");
    PG("SELECT a FROM t1 WHERE b = -3", "SELECT a FROM t1 WHERE b = -$1");
    PG("SELECT TRUE, false, NULL", "SELECT $1, $2, NULL");
    PG("SELECT truex, x_true", "SELECT truex, x_true");
    PG("SELECT a FROM t WHERE b = $1 AND c = 'x'",
       "SELECT a FROM t WHERE b = $1 AND c = $2");
    PG("SELECT a$b, c FROM t", "SELECT a$b, c FROM t");
    /* ? is an operator in PostgreSQL (jsonb) */
    PG("SELECT j ? 'k' FROM t", "SELECT j ? $1 FROM t");
    PG("SELECT 1::int, x::text", "SELECT $1::int, x::text");
    PG("SELECT arr[1:2]", "SELECT arr[$1:$2]");
}

static void test_pg_identifiers_comments(void **state)
{
    (void)state;
    PG("SELECT \"we\"\"ird 'x'\" FROM \"T\"",
       "SELECT \"we\"\"ird 'x'\" FROM \"T\"");
    PG("SELECT 1 -- comment 'x'\n FROM t", "SELECT $1 FROM t");
    PG("/* a /* nested 'x' */ b */ SELECT 1", "SELECT $1");
    PG("SELECT/**/a", "SELECT a");
    PG("  SELECT\n\t a ,\r\n b  ;  ;", "SELECT a , b");
    PG("SELECT a;SELECT b;", "SELECT a;SELECT b");
    PG("", "");
    PG("  -- only a comment", "");
    PG(";", "");
}

static void test_mysql(void **state)
{
    (void)state;
    MY("SELECT \"str\", 'a\\'b', 'c''d'", "SELECT $1, $2, $3");
    MY("SELECT `col` FROM `t` WHERE a = ?",
       "SELECT `col` FROM `t` WHERE a = $1");
    MY("SELECT 1 # comment\nFROM t", "SELECT $1 FROM t");
    MY("SELECT 1 -- comment\nFROM t", "SELECT $1 FROM t");
    MY("SELECT 1--2", "SELECT $1--$2");
    PG("SELECT 1--2", "SELECT $1");
    MY("SELECT _utf8mb4'x', _binary\"y\", N'z'", "SELECT $1, $2, $3");
    MY("SELECT 0x1F, X'1f', b'01'", "SELECT $1, $2, $3");
    /* MySQL block comments do not nest */
    MY("/* a /* b */ SELECT 1", "SELECT $1");
    /* no dollar quoting or $n in MySQL */
    MY("SELECT a$b", "SELECT a$b");
    MY("SELECT 'a\\\\', 'b'", "SELECT $1, $2");
}

static void test_malformed(void **state)
{
    (void)state;
    PG("SELECT 'abc", "SELECT $1");
    PG("SELECT E'abc\\", "SELECT $1");
    PG("SELECT $tag$ abc", "SELECT $1");
    PG("SELECT /* never closed", "SELECT");
    PG("SELECT \"open ident", "SELECT \"open ident");
    PG("SELECT U&'x' UESCAPE '", "SELECT $1");
    PG("SELECT $", "SELECT $");
    PG("SELECT 1e", "SELECT $1e");
    MY("SELECT \"abc\\", "SELECT $1");
    MY("SELECT `abc", "SELECT `abc");
}

static void test_values(void **state)
{
    static const char sql[] =
        "SELECT 'it''s', E'a\\nb\\x41', $q$raw 'x'$q$, 42, TRUE, $3, "
        "B'101', 'a'\n'b', 'open";
    ts_sql_values *v = NULL;
    ts_error err;

    (void)state;
    assert_int_equal(
        ts_sql_values_extract(&v, sql, strlen(sql), TS_SQL_PG, &err), 0);
    assert_int_equal(v->n_items, 9);
    assert_string_equal(v->items[0].text, "it's");
    assert_int_equal(v->items[0].kind, TS_SQL_VALUE_STRING);
    assert_int_equal(v->items[0].offset, 7);
    assert_int_equal(v->items[0].len, 7);
    assert_string_equal(v->items[1].text, "a\nbA");
    assert_string_equal(v->items[2].text, "raw 'x'");
    assert_string_equal(v->items[3].text, "42");
    assert_int_equal(v->items[3].kind, TS_SQL_VALUE_NUMBER);
    assert_int_equal(v->items[4].kind, TS_SQL_VALUE_BOOLEAN);
    assert_string_equal(v->items[5].text, "$3");
    assert_int_equal(v->items[5].kind, TS_SQL_VALUE_PARAM);
    assert_string_equal(v->items[6].text, "101");
    assert_int_equal(v->items[6].kind, TS_SQL_VALUE_BITS);
    assert_string_equal(v->items[7].text, "ab");
    assert_string_equal(v->items[8].text, "open");
    assert_int_equal(v->items[8].unterminated, 1);
    assert_int_equal(v->items[0].unterminated, 0);
    ts_sql_values_free(v);

    assert_int_equal(ts_sql_values_extract(&v, "SELECT \"x\\\"y\", ?", 16,
                                           TS_SQL_MYSQL, &err),
                     0);
    assert_int_equal(v->n_items, 2);
    assert_string_equal(v->items[0].text, "x\"y");
    assert_int_equal(v->items[1].kind, TS_SQL_VALUE_PARAM);
    ts_sql_values_free(v);
}

static void test_fingerprint(void **state)
{
    uint64_t a, b, c;
    char *t = NULL;
    ts_error err;

    (void)state;
    assert_int_equal(
        ts_sql_template(&t, &a, "SELECT 1 FROM t", 15, TS_SQL_PG, &err), 0);
    free(t);
    assert_int_equal(ts_sql_template(&t, &b, "SELECT  42 /* x */ FROM t;", 26,
                                     TS_SQL_PG, &err),
                     0);
    free(t);
    assert_int_equal(
        ts_sql_template(&t, &c, "SELECT 1 FROM u", 15, TS_SQL_PG, &err), 0);
    free(t);
    assert_true(a == b);
    assert_true(a != c);
    assert_true(ts_sql_fingerprint("x", 1) != ts_sql_fingerprint("y", 1));
}

/* Random text made of the characters that matter to the lexer never
 * crashes it, and every value lies inside the input. */
static void test_random_input(void **state)
{
    static const char alphabet[] = "'\"`$\\/*-#?eEuUbBxXnN&_01.9 \n;tag";
    char buf[64];
    unsigned seed = 12345;
    int round;

    (void)state;
    for (round = 0; round < 20000; round++) {
        size_t len = (size_t)(seed % sizeof(buf)), i;
        ts_sql_values *v = NULL;
        char *t = NULL;
        ts_error err;
        for (i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        seed = seed * 1103515245u + 12345u;
        for (int d = 0; d < 2; d++) {
            ts_sql_dialect dialect = d ? TS_SQL_MYSQL : TS_SQL_PG;
            assert_int_equal(ts_sql_template(&t, NULL, buf, len, dialect, &err),
                             0);
            free(t);
            assert_int_equal(ts_sql_values_extract(&v, buf, len, dialect, &err),
                             0);
            for (i = 0; i < v->n_items; i++)
                assert_true(v->items[i].offset + v->items[i].len <= len);
            ts_sql_values_free(v);
        }
    }
}

#define MAX_TOKS 256

/* sql's tokens, END included, from a lexer of its own; how many. The
 * lexer's memo state after init goes to *mode when not NULL. */
static size_t lex_all(const char *sql, size_t len, ts_sql_dialect d,
                      ts_sql_tok *toks, int *mode)
{
    ts_sql_lexer lx;
    size_t n = 0;

    ts_sql_lexer_init(&lx, sql, len, d);
    if (mode != NULL)
        *mode = lx.memo;
    do {
        assert_true(n < MAX_TOKS);
        ts_sql_lexer_next(&lx, &toks[n]);
    } while (toks[n++].kind != TS_SQL_TOK_END);
    return n;
}

static void expect_tok(const ts_sql_tok *got, const ts_sql_tok *want)
{
    assert_int_equal(got->kind, want->kind);
    assert_int_equal(got->value_kind, want->value_kind);
    assert_int_equal(got->start, want->start);
    assert_int_equal(got->end, want->end);
    assert_int_equal(got->body_start, want->body_start);
    assert_int_equal(got->body_end, want->body_end);
    assert_int_equal(got->quote, want->quote);
    assert_int_equal(got->backslash, want->backslash);
    assert_int_equal(got->dollar, want->dollar);
    assert_int_equal(got->unterminated, want->unterminated);
}

static void expect_toks(const ts_sql_tok *got, size_t n_got,
                        const ts_sql_tok *want, size_t n_want)
{
    assert_int_equal(n_got, n_want);
    for (size_t i = 0; i < n_want; i++)
        expect_tok(&got[i], &want[i]);
}

/* Reads k tokens of lx into got, then all of y (len bytes, lx's dialect)
 * with a lexer of its own, then the rest of lx; how many tokens lx gave. */
static size_t lex_interrupted(ts_sql_lexer *lx, size_t k, const char *y,
                              size_t len, ts_sql_tok *got)
{
    static ts_sql_tok other[MAX_TOKS];
    size_t n;

    for (n = 0; n < k; n++)
        ts_sql_lexer_next(lx, &got[n]);
    lex_all(y, len, lx->dialect, other, NULL);
    do {
        assert_true(n < MAX_TOKS);
        ts_sql_lexer_next(lx, &got[n]);
    } while (got[n++].kind != TS_SQL_TOK_END);
    return n;
}

/* A second reading of a statement replays the memo and gives the tokens
 * the first gave; a lexer whose memo another lexer replaces, replaying or
 * recording, goes on with the right tokens; one past the end gets the end
 * again. Random statements of both dialects, as test_random_input's. */
static void test_memo(void **state)
{
    static const char alphabet[] = "'\"`$\\/*-#?eEuUbBxXnN&_01.9 \n;tag";
    static ts_sql_tok want[MAX_TOKS], got[MAX_TOKS], other[MAX_TOKS];
    char x[64], y[64];
    unsigned seed = 777;
    int replays = 0;

    (void)state;
    for (int round = 0; round < 5000; round++) {
        ts_sql_dialect d = round % 2 ? TS_SQL_MYSQL : TS_SQL_PG;
        size_t lx_len = 1 + (size_t)(seed % (sizeof(x) - 1)), n_want, n, k;
        ts_sql_lexer lx;
        int mode;
        for (size_t i = 0; i < sizeof(x); i++) {
            seed = seed * 1103515245u + 12345u;
            x[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
            y[i] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
        }
        y[0] = x[0] == 'a' ? 'b' : 'a'; /* y differs from x */
        /* the first reading records, the second replays */
        lex_all("SELECT 0", 8, d, other, NULL);
        n_want = lex_all(x, lx_len, d, want, &mode);
        assert_int_equal(mode, TS_SQL_MEMO_RECORD);
        n = lex_all(x, lx_len, d, got, &mode);
        assert_int_equal(mode, TS_SQL_MEMO_REPLAY);
        expect_toks(got, n, want, n_want);
        replays++;
        /* the other dialect is another key */
        lex_all(x, lx_len, d == TS_SQL_PG ? TS_SQL_MYSQL : TS_SQL_PG, other,
                &mode);
        assert_int_equal(mode, TS_SQL_MEMO_RECORD);
        /* replaying, then another statement read in the middle */
        lex_all(x, lx_len, d, got, NULL);
        ts_sql_lexer_init(&lx, x, lx_len, d);
        assert_int_equal(lx.memo, TS_SQL_MEMO_REPLAY);
        k = (size_t)(seed % n_want);
        n = lex_interrupted(&lx, k, y, lx_len, got);
        expect_toks(got, n, want, n_want);
        /* past the end: the end again */
        ts_sql_lexer_next(&lx, &got[0]);
        expect_tok(&got[0], &want[n_want - 1]);
        /* recording, then another statement read in the middle */
        ts_sql_lexer_init(&lx, x, lx_len, d);
        assert_int_equal(lx.memo, TS_SQL_MEMO_RECORD);
        n = lex_interrupted(&lx, k, y, lx_len, got);
        expect_toks(got, n, want, n_want);
        n = lex_all(x, lx_len, d, got, &mode);
        assert_int_equal(mode, TS_SQL_MEMO_RECORD); /* y's memo was left */
        expect_toks(got, n, want, n_want);
    }
    assert_int_equal(replays, 5000);
}

/* Statements too long for the memo are lexed every time, the same way. */
static void test_memo_too_long(void **state)
{
    static char sql[5000];
    static ts_sql_tok want[MAX_TOKS], got[MAX_TOKS];
    size_t n_want, n;
    int mode;

    (void)state;
    memset(sql, ' ', sizeof(sql));
    memcpy(sql, "SELECT 'a'", 10);
    memcpy(sql + sizeof(sql) - 3, "1;", 2);
    n_want = lex_all(sql, sizeof(sql), TS_SQL_PG, want, &mode);
    assert_int_equal(mode, TS_SQL_MEMO_NONE);
    assert_int_equal(n_want,
                     8); /* SELECT, space, 'a', space, 1, ;, space, end */
    n = lex_all(sql, sizeof(sql), TS_SQL_PG, got, &mode);
    assert_int_equal(mode, TS_SQL_MEMO_NONE);
    expect_toks(got, n, want, n_want);
}

static void test_too_long(void **state)
{
    char *t = NULL;
    ts_error err;

    (void)state;
    assert_int_equal(
        ts_sql_template(&t, NULL, "x", TS_SQL_MAX_LEN + 1, TS_SQL_PG, &err),
        TS_ELIMIT);
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pg_strings),
        cmocka_unit_test(test_pg_numbers_params),
        cmocka_unit_test(test_pg_identifiers_comments),
        cmocka_unit_test(test_mysql),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_random_input),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_memo),
        cmocka_unit_test(test_memo_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
