/* Posting lists (store/postings.c, store/index_postings.c): the varint
 * codec, lists of integer and text values written across blocks, batches
 * and writers, and ts_postings() reading them back in either order, with
 * bounds and IN lists; corrupt lists are reported, not read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/common.h"
#include "store/store_internal.h"
#include "test_stores.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    ts_store *store;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    ts_error err;

    strcpy(fx->dir, "/tmp/ts-test-postings-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
    if (ts_store_create(&fx->store, fx->path, &err) != 0)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[128];

    ts_store_free(fx->store);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static void exec_sql(fixture *fx, const char *sql)
{
    assert_int_equal(
        sqlite3_exec(ts_store_sqlite(fx->store), sql, NULL, NULL, NULL),
        SQLITE_OK);
}

/* The first column of sql's rows into out (at most max); how many. */
static size_t query_ints(fixture *fx, const char *sql, int64_t *out, size_t max)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int rc;

    assert_int_equal(
        sqlite3_prepare_v2(ts_store_sqlite(fx->store), sql, -1, &st, NULL),
        SQLITE_OK);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        assert_true(n < max);
        out[n++] = sqlite3_column_int64(st, 0);
    }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    return n;
}

/* The SQLite code of sql's first step, and its message into msg. */
static int step_code(fixture *fx, const char *sql, char *msg, size_t size)
{
    sqlite3 *db = ts_store_sqlite(fx->store);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    snprintf(msg, size, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

static void test_varints(void **state)
{
    static const uint64_t values[] = {0,     1,     127,      128,
                                      16383, 16384, 1u << 31, UINT64_MAX};
    static const uint8_t not_shortest[] = {0x80, 0x00};
    static const uint8_t cut_short[] = {0x80, 0x80};
    ts_buf b;
    ts_error err;
    size_t off = 0;
    uint64_t v;

    (void)state;
    ts_buf_init(&b, SIZE_MAX);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        assert_int_equal(ts_varint_append(&b, values[i], &err), 0);
    assert_int_equal(b.len, 1 + 1 + 1 + 2 + 2 + 3 + 5 + TS_VARINT_MAX);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        assert_int_equal(ts_varint_read(b.data, b.len, &off, &v), 0);
        assert_true(v == values[i]);
    }
    assert_int_equal(off, b.len);
    assert_int_equal(ts_varint_read(b.data, b.len, &off, &v), -1);
    ts_buf_release(&b);
    off = 0;
    assert_int_equal(ts_varint_read(not_shortest, 2, &off, &v), -1);
    assert_int_equal(ts_varint_read(cut_short, 2, &off, &v), -1);
    assert_int_equal(off, 0);
}

/* Value 7's entries: in blocks 0, 1 and 3 of 65,536 entries, at both ends
 * of block 0. */
static const int64_t sevens[] = {0, 5, 300, 65535, 65536, 65600, 65700, 200000};
#define N_SEVENS (sizeof(sevens) / sizeof(sevens[0]))

/* Writes value 7's entries and three of value 8, flushing (as a commit
 * does) part way through block 0 and block 1, and the last of block 1's
 * with a second writer, as a later ingest would. */
static void write_lists(fixture *fx)
{
    ts_postings_writer *w = NULL;
    ts_error err;

    exec_sql(fx, "BEGIN");
    assert_int_equal(ts_postings_writer_new(&w, fx->store, &err), 0);
    for (size_t i = 0; i < N_SEVENS - 2; i++) {
        assert_int_equal(ts_postings_writer_add(w, TS_POSTING_TEXT, 7,
                                                (uint64_t)sevens[i], &err),
                         0);
        if (sevens[i] == 5 || sevens[i] == 65600)
            assert_int_equal(ts_postings_writer_flush(w, &err), 0);
        if (sevens[i] == 5 || sevens[i] == 65536)
            assert_int_equal(ts_postings_writer_add(w, TS_POSTING_TEXT, 8,
                                                    (uint64_t)sevens[i] + 1,
                                                    &err),
                             0);
    }
    /* an entry that does not come after the value's last is refused */
    assert_int_equal(ts_postings_writer_add(w, TS_POSTING_TEXT, 9, 65610, &err),
                     0);
    assert_int_equal(ts_postings_writer_add(w, TS_POSTING_TEXT, 9, 65605, &err),
                     TS_EINVAL);
    assert_non_null(strstr(err.msg, "entry 65605 after entry 65610"));
    assert_int_equal(ts_postings_writer_flush(w, &err), 0);
    ts_postings_writer_free(w);

    assert_int_equal(ts_postings_writer_new(&w, fx->store, &err), 0);
    assert_int_equal(ts_postings_writer_add(w, TS_POSTING_TEXT, 7, 65700, &err),
                     0);
    assert_int_equal(ts_postings_writer_add(w, TS_POSTING_TEXT, 8, 65701, &err),
                     0);
    assert_int_equal(
        ts_postings_writer_add(w, TS_POSTING_TEXT, 7, 200000, &err), 0);
    assert_int_equal(ts_postings_writer_flush(w, &err), 0);
    ts_postings_writer_free(w);
    exec_sql(fx, "COMMIT");
}

/* sql's rows are exactly want[0 .. n-1], in that order. */
static void expect_seqs(fixture *fx, const char *sql, const int64_t *want,
                        size_t n)
{
    int64_t got[64];

    assert_int_equal(query_ints(fx, sql, got, 64), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
}

/* Value 7's entries within bounds of each kind, within and across
 * blocks. */
static const struct {
    const char *sql;
    size_t n;
    int64_t want[4];
} bounded[] = {
    {"SELECT seq FROM ts_postings('text', 7) WHERE seq BETWEEN 300 AND 65600",
     4,
     {300, 65535, 65536, 65600}},
    {"SELECT seq FROM ts_postings('text', 7)"
     " WHERE seq > 300 AND seq < 65600 ORDER BY seq DESC",
     2,
     {65536, 65535}},
    {"SELECT seq FROM ts_postings('text', 7) WHERE seq >= 65701", 1, {200000}},
    {"SELECT seq FROM ts_postings('text', 7)"
     " WHERE seq > 9223372036854775807",
     0,
     {0}},
};

static void test_lists(void **state)
{
    fixture *fx = *state;
    int64_t got[64];
    size_t n;

    write_lists(fx);
    /* one row per value and block, whatever the flushes */
    expect_seqs(fx,
                "SELECT block FROM event_postings WHERE field = 'text'"
                " AND value = 7 ORDER BY block",
                (const int64_t[]){0, 1, 3}, 3);

    expect_seqs(fx, "SELECT seq FROM ts_postings('text', 7)", sevens, N_SEVENS);
    {
        int64_t newest_first[N_SEVENS];
        for (size_t i = 0; i < N_SEVENS; i++)
            newest_first[i] = sevens[N_SEVENS - 1 - i];
        expect_seqs(fx,
                    "SELECT seq FROM ts_postings('text', 7)"
                    " ORDER BY seq DESC",
                    newest_first, N_SEVENS);
    }
    /* bounds of each kind, within and across blocks */
    for (size_t i = 0; i < sizeof(bounded) / sizeof(bounded[0]); i++)
        expect_seqs(fx, bounded[i].sql, bounded[i].want, bounded[i].n);

    /* value 8, an IN list of both, a value with none */
    expect_seqs(fx, "SELECT seq FROM ts_postings('text', 8)",
                (const int64_t[]){6, 65537, 65701}, 3);
    n = query_ints(fx,
                   "SELECT seq FROM ts_postings p WHERE p.field = 'text'"
                   " AND p.value IN (8, 7, 9, 10) ORDER BY seq",
                   got, 64);
    assert_int_equal(n, N_SEVENS + 3 + 1);
    for (size_t i = 1; i < n; i++)
        assert_true(got[i - 1] < got[i]);
    assert_int_equal(
        query_ints(fx, "SELECT seq FROM ts_postings('text', 10)", got, 64), 0);
}

/* Text values (objects) are kept apart from each other, from integers and
 * from other fields, across a block and a flush. */
static void test_text_values(void **state)
{
    fixture *fx = *state;
    ts_postings_writer *w = NULL;
    ts_error err;

    exec_sql(fx, "BEGIN");
    assert_int_equal(ts_postings_writer_new(&w, fx->store, &err), 0);
    assert_int_equal(
        ts_postings_writer_add_text(w, TS_POSTING_OBJECT, "customers", 3, &err),
        0);
    assert_int_equal(
        ts_postings_writer_add_text(w, TS_POSTING_OBJECT, "orders", 4, &err),
        0);
    assert_int_equal(ts_postings_writer_add(w, TS_POSTING_OBJECT, 7, 5, &err),
                     0);
    assert_int_equal(ts_postings_writer_add(w, TS_POSTING_TEXT, 7, 6, &err), 0);
    assert_int_equal(ts_postings_writer_flush(w, &err), 0);
    assert_int_equal(
        ts_postings_writer_add_text(w, TS_POSTING_OBJECT, "customers", 9, &err),
        0);
    assert_int_equal(ts_postings_writer_add_text(w, TS_POSTING_OBJECT,
                                                 "customers", 70000, &err),
                     0);
    assert_int_equal(ts_postings_writer_flush(w, &err), 0);
    ts_postings_writer_free(w);
    exec_sql(fx, "COMMIT");

    expect_seqs(fx, "SELECT seq FROM ts_postings('object', 'customers')",
                (const int64_t[]){3, 9, 70000}, 3);
    expect_seqs(fx, "SELECT seq FROM ts_postings('object', 'orders')",
                (const int64_t[]){4}, 1);
    expect_seqs(fx, "SELECT seq FROM ts_postings('object', 7)",
                (const int64_t[]){5}, 1);
    expect_seqs(fx, "SELECT seq FROM ts_postings('text', 7)",
                (const int64_t[]){6}, 1);
    expect_seqs(fx, "SELECT seq FROM ts_postings('object', 'Customers')", NULL,
                0);
}

/* An ORDER BY seq in either direction is the walk's own: no sort. */
static void test_no_sort(void **state)
{
    fixture *fx = *state;
    static const char *const orders[] = {"", " DESC"};
    sqlite3 *db = ts_store_sqlite(fx->store);
    char sql[256];

    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = NULL;
        int sorts = 0;
        snprintf(sql, sizeof(sql),
                 "EXPLAIN QUERY PLAN SELECT e.seq FROM ts_postings('text', 7) p"
                 " CROSS JOIN events e ON e.seq = p.seq ORDER BY p.seq%s",
                 orders[i]);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW)
            sorts += strstr((const char *)sqlite3_column_text(st, 3),
                            "TEMP B-TREE") != NULL;
        sqlite3_finalize(st);
        assert_int_equal(sorts, 0);
    }
    /* ... and the check can fail: sorting by another column does sort */
    {
        sqlite3_stmt *st = NULL;
        int sorts = 0;
        assert_int_equal(
            sqlite3_prepare_v2(db,
                               "EXPLAIN QUERY PLAN SELECT seq FROM"
                               " ts_postings('text', 7) ORDER BY -seq",
                               -1, &st, NULL),
            SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW)
            sorts += strstr((const char *)sqlite3_column_text(st, 3),
                            "TEMP B-TREE") != NULL;
        sqlite3_finalize(st);
        assert_int_equal(sorts, 1);
    }
}

static void test_errors(void **state)
{
    fixture *fx = *state;
    char msg[256];

    write_lists(fx);
    /* field and value are both needed */
    assert_int_not_equal(
        step_code(fx, "SELECT seq FROM ts_postings WHERE field = 'text'", msg,
                  sizeof(msg)),
        SQLITE_OK);
    /* a field without lists */
    assert_int_equal(step_code(fx, "SELECT seq FROM ts_postings('kind', 7)",
                               msg, sizeof(msg)),
                     SQLITE_ERROR);
    assert_non_null(strstr(msg, "no field 'kind' (text, object, account, value,"
                                " command, database, session, template)"));
    /* a list added before the last entry, or corrupt, is refused */
    assert_int_not_equal(step_code(fx,
                                   "SELECT ts_postings_append(x'05', x'03')",
                                   msg, sizeof(msg)),
                         SQLITE_OK);
    assert_non_null(strstr(msg, "do not come after the block's last one"));
    assert_int_not_equal(step_code(fx,
                                   "SELECT ts_postings_append(x'80', x'03')",
                                   msg, sizeof(msg)),
                         SQLITE_OK);
    assert_non_null(strstr(msg, "corrupt"));
    /* a later writer's entry that does not come after the row's last */
    {
        ts_postings_writer *w = NULL;
        ts_error err;
        exec_sql(fx, "BEGIN");
        assert_int_equal(ts_postings_writer_new(&w, fx->store, &err), 0);
        assert_int_equal(
            ts_postings_writer_add(w, TS_POSTING_TEXT, 7, 65650, &err), 0);
        assert_int_not_equal(ts_postings_writer_flush(w, &err), 0);
        assert_non_null(strstr(err.msg, "do not come after"));
        ts_postings_writer_free(w);
        exec_sql(fx, "ROLLBACK");
    }
    /* a corrupt row: the read fails and says which block */
    exec_sql(fx, "UPDATE event_postings SET seqs = x'0500'"
                 " WHERE field = 'text' AND value = 7 AND block = 1");
    assert_int_equal(step_code(fx,
                               "SELECT count(*) FROM ts_postings('text', 7)",
                               msg, sizeof(msg)),
                     SQLITE_CORRUPT);
    assert_non_null(strstr(msg, "block 1's list is corrupt"));
    /* a gap past the block's end is corrupt too */
    exec_sql(fx, "UPDATE event_postings SET seqs = x'808004'"
                 " WHERE field = 'text' AND value = 7 AND block = 1");
    assert_int_equal(step_code(fx,
                               "SELECT count(*) FROM ts_postings('text', 7)",
                               msg, sizeof(msg)),
                     SQLITE_CORRUPT);
}

/* Value 11's entries in epochs 0, 1 and 3 of 2^20 entries (none in 2),
 * value 12's in epoch 2 only. */
static const int64_t elevens[] = {3,       1048580, 1048581,
                                  1114200, 3145828, 3200000};
#define N_ELEVENS (sizeof(elevens) / sizeof(elevens[0]))

static void write_epochs(fixture *fx)
{
    ts_postings_writer *w = NULL;
    ts_error err;

    exec_sql(fx, "BEGIN");
    assert_int_equal(ts_postings_writer_new(&w, fx->store, &err), 0);
    for (size_t i = 0; i < N_ELEVENS; i++) {
        if (elevens[i] == 3145828)
            assert_int_equal(
                ts_postings_writer_add(w, TS_POSTING_TEXT, 12, 2200000, &err),
                0);
        assert_int_equal(ts_postings_writer_add(w, TS_POSTING_TEXT, 11,
                                                (uint64_t)elevens[i], &err),
                         0);
    }
    assert_int_equal(ts_postings_writer_flush(w, &err), 0);
    ts_postings_writer_free(w);
    exec_sql(fx, "COMMIT");
}

/* Value 11 and 12 read back across epochs: in either order, within
 * bounds that start, end or fall between epochs, newest first with a
 * limit, and together. */
static void expect_epochs(fixture *fx)
{
    int64_t newest_first[N_ELEVENS], got[64];
    size_t n;

    expect_seqs(fx, "SELECT seq FROM ts_postings('text', 11)", elevens,
                N_ELEVENS);
    for (size_t i = 0; i < N_ELEVENS; i++)
        newest_first[i] = elevens[N_ELEVENS - 1 - i];
    expect_seqs(fx, "SELECT seq FROM ts_postings('text', 11) ORDER BY seq DESC",
                newest_first, N_ELEVENS);
    expect_seqs(fx,
                "SELECT seq FROM ts_postings('text', 11)"
                " WHERE seq BETWEEN 1048581 AND 3145828",
                (const int64_t[]){1048581, 1114200, 3145828}, 3);
    expect_seqs(fx,
                "SELECT seq FROM ts_postings('text', 11)"
                " WHERE seq > 1114200 AND seq < 3145828",
                NULL, 0);
    expect_seqs(fx,
                "SELECT seq FROM ts_postings('text', 11)"
                " WHERE seq < 1048581 ORDER BY seq DESC",
                (const int64_t[]){1048580, 3}, 2);
    expect_seqs(fx,
                "SELECT seq FROM ts_postings('text', 11)"
                " WHERE seq >= 2097152 ORDER BY seq DESC LIMIT 1",
                (const int64_t[]){3200000}, 1);
    expect_seqs(fx,
                "SELECT seq FROM ts_postings('text', 11) WHERE seq > 5000000",
                NULL, 0);
    expect_seqs(fx, "SELECT seq FROM ts_postings('text', 12)",
                (const int64_t[]){2200000}, 1);
    n = query_ints(fx,
                   "SELECT seq FROM ts_postings p WHERE p.field = 'text'"
                   " AND p.value IN (12, 11) ORDER BY seq DESC",
                   got, 64);
    assert_int_equal(n, N_ELEVENS + 1);
    for (size_t i = 1; i < n; i++)
        assert_true(got[i - 1] > got[i]);
}

/* Value v's entries in test_many_values: of every entry seq, the
 * PER_ENTRY - 1 values after value 1. */
enum { MANY_ENTRIES = 65536, MANY_PER_ENTRY = 40, MANY_SPREAD = 3000 };

static int64_t many_value(uint64_t seq, int k)
{
    return 100 +
           (int64_t)((seq * (MANY_PER_ENTRY - 1) + (uint64_t)k) % MANY_SPREAD);
}

/* One block of many values, written as it is gathered: the table of
 * values grows while entries wait (their values are renamed), more
 * entries than the writer holds are written at an entry's end and the
 * rest appended to the same rows, and an entry holding a value twice
 * lists it once. */
static void test_many_values(void **state)
{
    fixture *fx = *state;
    sqlite3 *db = ts_store_sqlite(fx->store);
    ts_postings_writer *w = NULL;
    int64_t got[2];
    int changes;
    ts_error err;

    exec_sql(fx, "BEGIN");
    changes = sqlite3_total_changes(db);
    assert_int_equal(ts_postings_writer_new(&w, fx->store, &err), 0);
    for (uint64_t seq = 0; seq < MANY_ENTRIES; seq++) {
        assert_int_equal(
            ts_postings_writer_add(w, TS_POSTING_VALUE, 1, seq, &err), 0);
        for (int k = 0; k < MANY_PER_ENTRY - 1; k++)
            assert_int_equal(ts_postings_writer_add(w, TS_POSTING_VALUE,
                                                    many_value(seq, k), seq,
                                                    &err),
                             0);
        assert_int_equal(
            ts_postings_writer_add(w, TS_POSTING_VALUE, 1, seq, &err), 0);
    }
    assert_int_equal(ts_postings_writer_flush(w, &err), 0);
    ts_postings_writer_free(w);
    /* 65536 * 40 entries listed are more than a writer holds: each value's
     * row written, then appended to (an upsert's update counts as a
     * change), still one row per value */
    assert_int_equal(sqlite3_total_changes(db) - changes,
                     2 * (MANY_SPREAD + 1));
    exec_sql(fx, "COMMIT");
    assert_int_equal(query_ints(fx,
                                "SELECT count(*) FROM event_postings"
                                " WHERE field = 'value'",
                                got, 2),
                     1);
    assert_int_equal(got[0], MANY_SPREAD + 1);

    /* every value: exactly the entries that named it, in order, once */
    for (int64_t v = 1; v < 100 + MANY_SPREAD; v = v == 1 ? 100 : v + 997) {
        sqlite3_stmt *st = NULL;
        char sql[96];
        int64_t n = 0;
        snprintf(sql, sizeof(sql), "SELECT seq FROM ts_postings('value', %lld)",
                 (long long)v);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        for (uint64_t seq = 0; seq < MANY_ENTRIES; seq++) {
            int named = v == 1;
            for (int k = 0; !named && k < MANY_PER_ENTRY - 1; k++)
                named = many_value(seq, k) == v;
            if (!named)
                continue;
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            assert_int_equal(sqlite3_column_int64(st, 0), (int64_t)seq);
            n++;
        }
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        assert_true(n > 0);
    }
}

/* A block of many values and entries, then small ones: what the big one
 * grew is freed at a later flush and grown again as needed, the lists of
 * every block whole. */
static void test_big_block_then_small(void **state)
{
    fixture *fx = *state;
    ts_postings_writer *w = NULL;
    int64_t want[128];
    size_t n_want = 0;
    ts_error err;

    exec_sql(fx, "BEGIN");
    assert_int_equal(ts_postings_writer_new(&w, fx->store, &err), 0);
    /* block 0: 41,000 values, 65536 * 17 entries listed */
    for (uint64_t seq = 0; seq < 65536; seq++) {
        assert_int_equal(ts_postings_writer_add(w, TS_POSTING_VALUE,
                                                (int64_t)(seq % 40000), seq,
                                                &err),
                         0);
        for (uint64_t k = 0; k < 16; k++)
            assert_int_equal(ts_postings_writer_add(
                                 w, TS_POSTING_VALUE,
                                 100000 + (int64_t)((seq * 16 + k) % 1000), seq,
                                 &err),
                             0);
    }
    want[n_want++] = 7;
    want[n_want++] = 40007;
    /* block 1, then 2: a few entries of value 7 */
    for (uint64_t seq = 65536; seq < 65600; seq++) {
        assert_int_equal(
            ts_postings_writer_add(w, TS_POSTING_VALUE, 7, seq, &err), 0);
        want[n_want++] = (int64_t)seq;
    }
    for (uint64_t seq = 131072; seq < 131100; seq++) {
        assert_int_equal(
            ts_postings_writer_add(w, TS_POSTING_VALUE, 7, seq, &err), 0);
        assert_int_equal(
            ts_postings_writer_add(w, TS_POSTING_VALUE, 100005, seq, &err), 0);
        want[n_want++] = (int64_t)seq;
    }
    assert_int_equal(ts_postings_writer_flush(w, &err), 0);
    ts_postings_writer_free(w);
    exec_sql(fx, "COMMIT");

    {
        sqlite3 *db = ts_store_sqlite(fx->store);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT seq FROM"
                                            " ts_postings('value', 7)",
                                            -1, &st, NULL),
                         SQLITE_OK);
        for (size_t i = 0; i < n_want; i++) {
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            assert_int_equal(sqlite3_column_int64(st, 0), want[i]);
        }
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    expect_seqs(fx, "SELECT seq FROM ts_postings('value', 39999)",
                (const int64_t[]){39999}, 1);
    /* 100005: in block 0 every 1000 / 16 entries or so, then in block 2 */
    expect_seqs(fx,
                "SELECT count(*) FROM ts_postings('value', 100005)"
                " WHERE seq >= 131072",
                (const int64_t[]){28}, 1);
    expect_seqs(fx,
                "SELECT count(*) FROM ts_postings('value', 100005)"
                " WHERE seq < 65536",
                (const int64_t[]){(65536 * 16 - 5 - 1) / 1000 + 1}, 1);
}

/* From layout 14 the lists are keyed by epoch (block >> 4) before value:
 * rows of one epoch are together, and a value is read epoch by epoch. */
static void test_epochs(void **state)
{
    fixture *fx = *state;

    write_epochs(fx);
    expect_seqs(fx,
                "SELECT epoch FROM event_postings WHERE field = 'text'"
                " AND value = 11 ORDER BY block",
                (const int64_t[]){0, 1, 1, 3}, 4); /* blocks 0, 16, 17, 48 */
    expect_seqs(fx,
                "SELECT count(*) FROM event_postings"
                " WHERE epoch != block >> 4",
                (const int64_t[]){0}, 1);
    expect_epochs(fx);
}

/* A store of layout 13 (lists keyed by field, value, block; no epoch)
 * answers read-only through its own key, and opened for writing is
 * upgraded: the same rows, rekeyed, the same answers. */
static void test_layout13_upgrade(void **state)
{
    fixture *fx = *state;
    int64_t n[1];

    write_epochs(fx);
    write_lists(fx);
    exec_sql(fx, "CREATE TABLE old_postings (field TEXT NOT NULL,"
                 " value NOT NULL, block INTEGER NOT NULL, seqs BLOB NOT NULL,"
                 " PRIMARY KEY (field, value, block)) WITHOUT ROWID;"
                 "INSERT INTO old_postings SELECT field, value, block, seqs"
                 " FROM event_postings;"
                 "DROP TABLE event_postings;"
                 "ALTER TABLE old_postings RENAME TO event_postings;"
                 "UPDATE meta SET value = '13' WHERE key = 'index_version'");
    reopen_store(&fx->store, fx->path, TS_STORE_READONLY);
    expect_epochs(fx);
    expect_seqs(fx, "SELECT seq FROM ts_postings('text', 7)", sevens, N_SEVENS);

    reopen_store(&fx->store, fx->path, 0);
    assert_int_equal(query_ints(fx,
                                "SELECT CAST(value AS INTEGER) FROM meta"
                                " WHERE key = 'index_version'",
                                n, 1),
                     1);
    assert_int_equal(n[0], TS_INDEX_VERSION);
    expect_seqs(fx,
                "SELECT pk FROM pragma_table_info('event_postings')"
                " WHERE name IN ('field', 'epoch', 'value', 'block')"
                " ORDER BY cid",
                (const int64_t[]){1, 2, 3, 4}, 4);
    expect_seqs(fx,
                "SELECT count(*) FROM event_postings"
                " WHERE epoch != block >> 4",
                (const int64_t[]){0}, 1);
    expect_seqs(fx,
                "SELECT count(*) FROM sqlite_schema"
                " WHERE name = 'event_postings_by_value'",
                (const int64_t[]){0}, 1);
    expect_epochs(fx);
    expect_seqs(fx, "SELECT seq FROM ts_postings('text', 7)", sevens, N_SEVENS);
    expect_seqs(fx, "SELECT seq FROM ts_postings('text', 8)",
                (const int64_t[]){6, 65537, 65701}, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varints),
        cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_sort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epochs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_block_then_small, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_layout13_upgrade, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
