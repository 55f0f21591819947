/* The row feed: statements stepped in a second thread and read back in
 * order, every value as SQLite gives it, rows larger than a chunk and
 * thousands of chunks through the bounded queue, a failing statement, a
 * reader that stops half way, and two readers of the same rows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

static sqlite3 *open_db(void)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    return db;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    return st;
}

static int next_row(ts_row_reader *r)
{
    ts_error err;
    int has_row = 0;

    if (ts_row_reader_next(r, &has_row, &err) != 0)
        fail_msg("%s", err.msg);
    return has_row;
}

static void test_values_as_sqlite_gives_them(void **state)
{
    sqlite3 *db = open_db();
    sqlite3_stmt *st[2] = {
        prepare(db, "SELECT 42 AS i, 2.5 AS r, 'tëxt' AS t, NULL AS n,"
                    " x'610062' AS b, -9223372036854775807 - 1 AS lo,"
                    " 0 AS zero"),
        prepare(db, "SELECT 1 AS one WHERE 0")};
    ts_row_feed *f = NULL;
    ts_row_reader *r;
    ts_error err;

    (void)state;
    assert_int_equal(ts_row_feed_start(&f, st, 2, 1, &err), 0);
    r = ts_row_feed_reader(f, 0);
    assert_int_equal(ts_row_reader_begin(r, &err), 0);
    assert_int_equal(ts_row_reader_columns(r), 7);
    assert_string_equal(ts_row_reader_name(r, 0), "i");
    assert_string_equal(ts_row_reader_name(r, 5), "lo");
    assert_null(ts_row_reader_name(r, 7));
    assert_true(next_row(r));
    assert_int_equal(ts_row_reader_type(r, 0), SQLITE_INTEGER);
    assert_int_equal(ts_row_reader_int64(r, 0), 42);
    assert_string_equal(ts_row_reader_text(r, 0), "42");
    assert_int_equal(ts_row_reader_type(r, 1), SQLITE_FLOAT);
    assert_true(ts_row_reader_double(r, 1) == 2.5);
    assert_int_equal(ts_row_reader_int64(r, 1), 2);
    assert_string_equal(ts_row_reader_text(r, 1), "2.5");
    assert_int_equal(ts_row_reader_type(r, 2), SQLITE_TEXT);
    assert_string_equal(ts_row_reader_text(r, 2), "tëxt");
    assert_int_equal(ts_row_reader_type(r, 3), SQLITE_NULL);
    assert_null(ts_row_reader_text(r, 3));
    assert_int_equal(ts_row_reader_int64(r, 3), 0);
    /* a blob's text is its bytes, NUL-terminated, as sqlite3_column_text */
    assert_int_equal(ts_row_reader_type(r, 4), SQLITE_BLOB);
    assert_memory_equal(ts_row_reader_text(r, 4), "a\0b", 4);
    assert_true(ts_row_reader_int64(r, 5) == INT64_MIN);
    assert_string_equal(ts_row_reader_text(r, 5), "-9223372036854775808");
    assert_string_equal(ts_row_reader_text(r, 6), "0");
    assert_false(next_row(r));
    /* the second statement: its columns, no rows */
    assert_int_equal(ts_row_reader_begin(r, &err), 0);
    assert_int_equal(ts_row_reader_columns(r), 1);
    assert_string_equal(ts_row_reader_name(r, 0), "one");
    assert_false(next_row(r));
    ts_row_feed_stop(f);
    sqlite3_finalize(st[0]);
    sqlite3_finalize(st[1]);
    sqlite3_close(db);
}

/* 300k rows (about 40 chunks) and rows of 3 MB (each larger than a
 * chunk), in order and intact. */
static void test_many_chunks_and_large_rows(void **state)
{
    sqlite3 *db = open_db();
    sqlite3_stmt *st[2] = {
        prepare(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                    " FROM n WHERE i < 300000)"
                    " SELECT i, printf('row %d of many', i) FROM n"),
        prepare(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                    " FROM n WHERE i < 5)"
                    " SELECT i, printf('%.*c', 3000000, char(97 + i)) FROM n")};
    ts_row_feed *f = NULL;
    ts_row_reader *r;
    ts_error err;
    int64_t expect = 1;
    char text[64];

    (void)state;
    assert_int_equal(ts_row_feed_start(&f, st, 2, 1, &err), 0);
    r = ts_row_feed_reader(f, 0);
    assert_int_equal(ts_row_reader_begin(r, &err), 0);
    while (next_row(r)) {
        assert_true(ts_row_reader_int64(r, 0) == expect);
        snprintf(text, sizeof(text), "row %lld of many", (long long)expect);
        assert_string_equal(ts_row_reader_text(r, 1), text);
        expect++;
    }
    assert_true(expect == 300001);
    assert_int_equal(ts_row_reader_begin(r, &err), 0);
    for (int64_t i = 1; i <= 5; i++) {
        const char *big;
        assert_true(next_row(r));
        assert_true(ts_row_reader_int64(r, 0) == i);
        big = ts_row_reader_text(r, 1);
        assert_int_equal(strlen(big), 3000000);
        assert_int_equal(big[0], 'a' + i);
        assert_int_equal(big[2999999], 'a' + i);
    }
    assert_false(next_row(r));
    ts_row_feed_stop(f);
    sqlite3_finalize(st[0]);
    sqlite3_finalize(st[1]);
    sqlite3_close(db);
}

/* A step that fails ends its statement with SQLite's message; the rows
 * before it were read. */
static void test_failing_statement(void **state)
{
    sqlite3 *db = open_db();
    sqlite3_stmt *st[1] = {prepare(
        db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
            " FROM n WHERE i < 3)"
            " SELECT CASE WHEN i < 3 THEN i ELSE abs(-9223372036854775807 - 1)"
            " END FROM n")};
    ts_row_feed *f = NULL;
    ts_row_reader *r;
    ts_error err;
    int has_row = 0, rows = 0, rc;

    (void)state;
    assert_int_equal(ts_row_feed_start(&f, st, 1, 1, &err), 0);
    r = ts_row_feed_reader(f, 0);
    assert_int_equal(ts_row_reader_begin(r, &err), 0);
    while ((rc = ts_row_reader_next(r, &has_row, &err)) == 0 && has_row)
        rows++;
    assert_int_equal(rows, 2);
    assert_int_equal(rc, TS_EDB);
    assert_non_null(strstr(err.msg, "integer overflow"));
    ts_row_feed_stop(f);
    sqlite3_finalize(st[0]);
    sqlite3_close(db);
}

/* A reader that stops after a few rows of a long statement (the producer
 * waiting on a full queue) and one that stops at once (the producer still
 * in a slow first step) both return, and the connection works after. */
static void test_stop_early(void **state)
{
    sqlite3 *db = open_db();
    const char *sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                      " SELECT i + 1 FROM n WHERE i < 100000000)"
                      " SELECT i, printf('%.*c', 1000, 'x') FROM n";
    sqlite3_stmt *st[1] = {prepare(db, sql)};
    sqlite3_stmt *sorted[1] = {
        prepare(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                    " SELECT i + 1 FROM n WHERE i < 100000000)"
                    " SELECT i FROM n ORDER BY i DESC")};
    sqlite3_stmt *after;
    ts_row_feed *f = NULL;
    ts_row_reader *r;
    ts_error err;

    (void)state;
    assert_int_equal(ts_row_feed_start(&f, st, 1, 1, &err), 0);
    r = ts_row_feed_reader(f, 0);
    assert_int_equal(ts_row_reader_begin(r, &err), 0);
    for (int i = 0; i < 10; i++)
        assert_true(next_row(r));
    ts_row_feed_stop(f);
    sqlite3_finalize(st[0]);
    assert_int_equal(ts_row_feed_start(&f, sorted, 1, 1, &err), 0);
    r = ts_row_feed_reader(f, 0);
    ts_row_feed_stop(f);
    sqlite3_finalize(sorted[0]);
    after = prepare(db, "SELECT 7");
    assert_int_equal(sqlite3_step(after), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(after, 0), 7);
    sqlite3_finalize(after);
    sqlite3_close(db);
}

/* A second reader in its own thread: reads every row of every statement
 * (or stops after `stop_after` rows and closes). */
typedef struct second_reader {
    ts_row_reader *r;
    long stop_after; /* -1: read everything */
    long rows;
    int64_t sum;
} second_reader;

static void *read_all(void *arg)
{
    second_reader *s = arg;
    ts_error err;
    int has_row = 0;

    for (int stmt = 0; stmt < 2; stmt++) {
        if (ts_row_reader_begin(s->r, &err) != 0)
            return NULL;
        while (ts_row_reader_next(s->r, &has_row, &err) == 0 && has_row) {
            s->sum += ts_row_reader_int64(s->r, 0);
            if (++s->rows == s->stop_after) {
                ts_row_reader_close(s->r);
                return NULL;
            }
        }
    }
    return NULL;
}

/* Two readers see the same rows; one that closes half way does not hold
 * the other back (the queue would otherwise stay full of chunks it never
 * passes). */
static void test_two_readers(void **state)
{
    static const char sql[] =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
        " FROM n WHERE i < 200000)"
        " SELECT i, printf('%.*c', 100, 'y') FROM n";
    const long stops[] = {-1, 1000};

    (void)state;
    for (size_t k = 0; k < sizeof(stops) / sizeof(stops[0]); k++) {
        sqlite3 *db = open_db();
        sqlite3_stmt *st[2] = {prepare(db, sql), prepare(db, sql)};
        second_reader second = {NULL, stops[k], 0, 0};
        ts_row_feed *f = NULL;
        ts_row_reader *r;
        pthread_t thread;
        ts_error err;
        int64_t sum = 0;
        long rows = 0;

        assert_int_equal(ts_row_feed_start(&f, st, 2, 2, &err), 0);
        assert_int_equal(ts_row_feed_readers(f), 2);
        r = ts_row_feed_reader(f, 0);
        second.r = ts_row_feed_reader(f, 1);
        assert_int_equal(pthread_create(&thread, NULL, read_all, &second), 0);
        for (int stmt = 0; stmt < 2; stmt++) {
            assert_int_equal(ts_row_reader_begin(r, &err), 0);
            while (next_row(r)) {
                sum += ts_row_reader_int64(r, 0);
                rows++;
            }
        }
        pthread_join(thread, NULL);
        assert_int_equal(rows, 400000);
        assert_true(sum == 2 * (int64_t)200000 * 200001 / 2);
        if (stops[k] < 0) {
            assert_int_equal(second.rows, 400000);
            assert_true(second.sum == sum);
        } else {
            assert_int_equal(second.rows, stops[k]);
        }
        ts_row_feed_stop(f);
        sqlite3_finalize(st[0]);
        sqlite3_finalize(st[1]);
        sqlite3_close(db);
    }
}

/* The first reader fails and cancels: a second reader waiting for rows
 * returns, and the feed stops. */
static void test_cancel_wakes_second_reader(void **state)
{
    sqlite3 *db = open_db();
    sqlite3_stmt *st[2] = {
        prepare(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                    " FROM n WHERE i < 100000000) SELECT i FROM n"),
        prepare(db, "SELECT 1")};
    second_reader second = {NULL, -1, 0, 0};
    ts_row_feed *f = NULL;
    pthread_t thread;
    ts_error err;

    (void)state;
    assert_int_equal(ts_row_feed_start(&f, st, 2, 2, &err), 0);
    second.r = ts_row_feed_reader(f, 1);
    assert_int_equal(pthread_create(&thread, NULL, read_all, &second), 0);
    assert_int_equal(ts_row_reader_begin(ts_row_feed_reader(f, 0), &err), 0);
    ts_row_feed_cancel(f);
    pthread_join(thread, NULL);
    assert_true(second.rows < 100000000);
    ts_row_feed_stop(f);
    sqlite3_finalize(st[0]);
    sqlite3_finalize(st[1]);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_as_sqlite_gives_them),
        cmocka_unit_test(test_many_chunks_and_large_rows),
        cmocka_unit_test(test_failing_statement),
        cmocka_unit_test(test_stop_early),
        cmocka_unit_test(test_two_readers),
        cmocka_unit_test(test_cancel_wakes_second_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
