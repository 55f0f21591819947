/* Ingest on two threads (store/seal.c, seal_pipe.c, event_copy.c): the
 * sealing half reads ahead while the indexing half writes, so each event
 * is copied out of the source's buffers. The store must end the same as on
 * one thread, and a failure on either side must stop both, keep what was
 * committed and leave a store that verifies and resumes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store_internal.h"
#include "trailseal/trailseal.h"

/* A source whose every string lives in buffers it rewrites for the next
 * entry, as real parsers do: an event indexed after the next call without
 * a copy would show the next entry's values. */
typedef struct reusing_source {
    ts_source base;
    uint64_t n, next, position;
    uint64_t fail_at; /* the entry whose read fails with TS_EIO */
    char line[512];
    char account[32], session[32], statement[128], object[64], reason[64];
    char table0[64], table1[64], column0[64];
    const char *tables[2];
    const char *columns[1];
    int64_t hmacs[3];
} reusing_source;

static int reusing_next(ts_source *src, ts_entry *entry, ts_event *ev,
                        ts_error *err)
{
    reusing_source *f = (reusing_source *)src;
    uint64_t i = f->next;
    int len;

    if (i >= f->n)
        return 0;
    if (i == f->fail_at)
        return ts_error_set(err, TS_EIO, "reusing.log: read failed at %llu",
                            (unsigned long long)i);
    snprintf(f->account, sizeof(f->account), "user%llu",
             (unsigned long long)(i % 13));
    snprintf(f->session, sizeof(f->session), "s%llu",
             (unsigned long long)(i % 17));
    snprintf(f->statement, sizeof(f->statement),
             "select ssn from t%llu where id = %llu",
             (unsigned long long)(i % 11), (unsigned long long)i);
    snprintf(f->object, sizeof(f->object), "public.t%llu",
             (unsigned long long)(i % 11));
    snprintf(f->table0, sizeof(f->table0), "public.t%llu",
             (unsigned long long)(i % 11));
    snprintf(f->table1, sizeof(f->table1), "public.u%llu",
             (unsigned long long)(i % 3));
    snprintf(f->column0, sizeof(f->column0), "public.t%llu.ssn",
             (unsigned long long)(i % 11));
    snprintf(f->reason, sizeof(f->reason), "odd record %llu",
             (unsigned long long)i);
    len = snprintf(f->line, sizeof(f->line), "%llu %s %s %s\n",
                   (unsigned long long)i, f->account, f->session, f->statement);
    ts_event_init(ev);
    if (i % 9 == 4) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = f->reason;
    } else {
        ev->kind = TS_EVENT_AUDIT;
        ev->time_us = 1793527200000000LL + (int64_t)i * 1000;
        ev->account = f->account;
        ev->session_id = f->session;
        ev->statement = f->statement;
        ev->object_name = f->object;
        ev->command = "SELECT";
        ev->audit_class = "READ";
        f->tables[0] = f->table0;
        f->tables[1] = f->table1;
        ev->tables_read = f->tables;
        ev->n_tables_read = 2;
        f->columns[0] = f->column0;
        ev->columns_read = f->columns;
        ev->n_columns_read = 1;
        f->hmacs[0] = (int64_t)i;
        f->hmacs[1] = (int64_t)i * 7;
        ev->value_hmacs = f->hmacs;
        ev->n_value_hmacs = 2;
    }
    entry->record = (const uint8_t *)f->line;
    entry->record_len = (size_t)len;
    entry->position = f->position;
    entry->end_position = f->position + (uint64_t)len;
    entry->line = i + 1;
    entry->end_line = i + 2;
    entry->observed_us = 1793527200000000LL;
    f->position += (uint64_t)len;
    f->next++;
    return 1;
}

static int reusing_seek(ts_source *src, uint64_t position, uint64_t line,
                        ts_error *err)
{
    (void)src;
    (void)position;
    (void)line;
    return ts_error_set(err, TS_EINVAL, "not seekable");
}

static void reusing_free(ts_source *src)
{
    free(src);
}

static const ts_source_ops reusing_ops = {reusing_next, reusing_seek,
                                          reusing_free};

static ts_source *reusing_open(uint64_t n, uint64_t fail_at)
{
    reusing_source *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->base.ops = &reusing_ops;
    memset(f->base.key, 'b', 64);
    f->base.key[64] = '\0';
    f->base.name = "reusing.log";
    f->base.format = "pg-stderr";
    f->base.config = "";
    f->n = n;
    f->fail_at = fail_at;
    return &f->base;
}

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));

    strcpy(fx->dir, "/tmp/ts-test-threads-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

/* A store of 1024-entry blocks, not the default 4096: the 5,000 entries
 * below then cross four block ends, each one a chunk's end on two
 * threads. */
static ts_store *create(fixture *fx, const char *name)
{
    static const ts_store_create_options blocks_of_1024 = {1024};
    ts_store *store = NULL;
    ts_error err;

    snprintf(fx->path, sizeof(fx->path), "%s/%s.db", fx->dir, name);
    ts_error_clear(&err);
    assert_int_equal(
        ts_store_create_with(&store, fx->path, &blocks_of_1024, &err), 0);
    return store;
}

/* Counts diagnostics, and checks they come in line order. */
typedef struct diag_log {
    unsigned long n;
    uint64_t last_line;
    int out_of_order;
} diag_log;

static void count_diag(void *ctx, const char *source, uint64_t line,
                       const char *message)
{
    diag_log *d = ctx;

    assert_string_equal(source, "reusing.log");
    assert_non_null(strstr(message, "unparsed: odd record "));
    if (line <= d->last_line)
        d->out_of_order = 1;
    d->last_line = line;
    d->n++;
}

/* SHA-256 of what a query returns, row by row, as text. */
static void query_digest(ts_store *store, const char *sql, char out[65])
{
    sqlite3_stmt *st;
    ts_buf text;
    uint8_t digest[TS_SHA256_SIZE];
    ts_error err;

    ts_buf_init(&text, (size_t)-1);
    assert_int_equal(
        sqlite3_prepare_v2(ts_store_sqlite(store), sql, -1, &st, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *v = sqlite3_column_text(st, i);
            const char *shown = v ? (const char *)v : "(null)";
            assert_int_equal(ts_buf_append(&text, shown, strlen(shown), &err),
                             0);
            assert_int_equal(ts_buf_append_byte(&text, '|', &err), 0);
        }
    sqlite3_finalize(st);
    assert_int_equal(ts_sha256(text.data, text.len, digest), 0);
    ts_hex_encode(digest, sizeof(digest), out);
    ts_buf_release(&text);
}

static int64_t query_int(ts_store *store, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v;

    assert_int_equal(
        sqlite3_prepare_v2(ts_store_sqlite(store), sql, -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static ts_verdict verify(ts_store *store, uint64_t *entries)
{
    ts_verify_report r;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_verify(store, NULL, &r, &err), 0);
    *entries = r.entries;
    return r.verdict;
}

static const char *const index_queries[] = {
    "SELECT * FROM events ORDER BY seq",
    "SELECT * FROM sessions ORDER BY session_id",
    "SELECT * FROM accounts ORDER BY 1",
    "SELECT * FROM event_spans ORDER BY bucket",
    "SELECT rowid, * FROM events_fts WHERE events_fts MATCH 'ssn' ORDER BY "
    "rowid",
    "SELECT * FROM event_postings ORDER BY field, value, block",
    /* roots differ: each block's salts come from its own random secret */
    "SELECT tree_size FROM checkpoints ORDER BY tree_size",
    "SELECT block_no, first_seq, n_entries, length(data) > 0, root IS NULL"
    " FROM blocks ORDER BY block_no",
    "SELECT cursor_position, cursor_line, n_entries, sealed_sha256"
    " FROM sources",
};
#define N_QUERIES (sizeof(index_queries) / sizeof(index_queries[0]))

/* The same source on one thread and on two: the same index rows, the same
 * blocks and checkpoints (roots differ only by the blocks' random salts,
 * so the tree sizes are compared), the same diagnostics in line order. */
static void test_two_threads_index_as_one(void **state)
{
    fixture *fx = *state;
    char digests[2][N_QUERIES][65];
    unsigned long diags[2];
    uint64_t blocks[2];

    for (int t = 0; t < 2; t++) {
        ts_store *store = create(fx, t == 0 ? "one" : "two");
        ts_source *src = reusing_open(5000, UINT64_MAX);
        diag_log d = {0, 0, 0};
        ts_ingest_options opts = {700, 0, count_diag, &d, t == 0 ? 1 : 2};
        ts_ingest_stats st;
        uint64_t entries = 0;
        ts_error err;

        ts_error_clear(&err);
        assert_int_equal(ts_store_ingest(store, src, &opts, &st, &err), 0);
        assert_int_equal(st.entries_sealed, 5000);
        assert_int_equal(st.tree_size, 5000);
        assert_int_equal(st.commits, 8); /* ceil(5000 / 700) */
        assert_int_equal(st.unparsed, d.n);
        assert_int_equal(d.out_of_order, 0);
        diags[t] = d.n;
        blocks[t] = st.blocks_written;
        /* On two threads the first commit's tail block (700 entries) and
         * the first complete block (at 1024) are decided with at most one
         * chunk queued, so the indexing thread packs both: a tail copied,
         * a complete block's buffer handed over. verify() below unpacks
         * and hashes every block. */
        if (t == 0)
            assert_int_equal(st.blocks_packed_by_indexer, 0);
        else
            assert_true(st.blocks_packed_by_indexer >= 2);
        assert_int_equal(verify(store, &entries), TS_VERDICT_INTACT);
        assert_int_equal(entries, 5000);
        /* what the events say is what the source said at their entry */
        assert_int_equal(
            query_int(store,
                      "SELECT count(*) FROM events WHERE kind = (SELECT kind"
                      " FROM event_kinds WHERE name = 'audit') AND"
                      " (account != 'user' || ((seq) % 13)"
                      " OR session_id != 's' || ((seq) % 17)"
                      " OR statement NOT LIKE '% where id = ' || seq)"),
            0);
        assert_int_equal(
            query_int(store,
                      "SELECT count(*) FROM events WHERE kind = (SELECT kind"
                      " FROM event_kinds WHERE name = 'unparsed') AND"
                      " unparsed_reason = 'odd record ' || seq"),
            (int64_t)d.n);
        for (size_t q = 0; q < N_QUERIES; q++)
            query_digest(store, index_queries[q], digests[t][q]);
        ts_source_free(src);
        ts_store_free(store);
    }
    assert_int_equal(diags[0], diags[1]);
    assert_true(diags[0] > 500);
    /* 4 complete blocks and 8 commits' tails, one of them at 5000 */
    assert_int_equal(blocks[0], 4 + 8);
    assert_int_equal(blocks[1], blocks[0]);
    for (size_t q = 0; q < N_QUERIES; q++)
        assert_string_equal(digests[0][q], digests[1][q]);
}

/* A read failing half way: both threads stop, the error is the source's,
 * what was committed stays (two commits of 1000), and the next ingest goes
 * on from there. */
static void test_source_failure_stops_both(void **state)
{
    fixture *fx = *state;

    for (int threads = 1; threads <= 2; threads++) {
        ts_store *store = create(fx, threads == 1 ? "fail1" : "fail2");
        ts_source *src = reusing_open(5000, 2500);
        ts_ingest_options opts = {1000, 0, NULL, NULL, threads};
        ts_ingest_stats st;
        uint64_t entries = 0;
        ts_error err;

        ts_error_clear(&err);
        assert_int_equal(ts_store_ingest(store, src, &opts, &st, &err), TS_EIO);
        assert_non_null(strstr(err.msg, "reusing.log: read failed at 2500"));
        assert_int_equal(st.tree_size, 2000);
        assert_int_equal(st.commits, 2);
        ts_source_free(src);
        assert_int_equal(verify(store, &entries), TS_VERDICT_INTACT);
        assert_int_equal(entries, 2000);
        assert_int_equal(query_int(store, "SELECT count(*) FROM events"), 2000);

        src = reusing_open(5000, UINT64_MAX);
        /* not seekable: it is read again from the start and compared */
        assert_int_equal(ts_store_ingest(store, src, &opts, &st, &err), 0);
        assert_int_equal(st.entries_skipped, 2000);
        assert_int_equal(st.entries_sealed, 3000);
        assert_int_equal(st.tree_size, 5000);
        ts_source_free(src);
        assert_int_equal(verify(store, &entries), TS_VERDICT_INTACT);
        assert_int_equal(entries, 5000);
        ts_store_free(store);
    }
}

/* The index refusing a row half way (a trigger stands for a full disk):
 * the sealing half, reading ahead, is stopped rather than left waiting, the
 * error is the index's, and the commits before it stay. */
static void test_index_failure_stops_both(void **state)
{
    fixture *fx = *state;

    for (int threads = 1; threads <= 2; threads++) {
        ts_store *store = create(fx, threads == 1 ? "full1" : "full2");
        ts_source *src = reusing_open(20000, UINT64_MAX);
        ts_ingest_options opts = {1000, 0, NULL, NULL, threads};
        ts_ingest_stats st;
        uint64_t entries = 0;
        ts_error err;

        assert_int_equal(
            sqlite3_exec(ts_store_sqlite(store),
                         "CREATE TEMP TRIGGER no_room BEFORE INSERT ON"
                         " main.event_rows WHEN NEW.seq = 2500 BEGIN SELECT"
                         " RAISE(ABORT, 'database or disk is full'); END",
                         NULL, NULL, NULL),
            SQLITE_OK);
        ts_error_clear(&err);
        assert_int_equal(ts_store_ingest(store, src, &opts, &st, &err), TS_EDB);
        assert_non_null(strstr(err.msg, "database or disk is full"));
        assert_int_equal(st.tree_size, 2000);
        ts_source_free(src);
        assert_int_equal(verify(store, &entries), TS_VERDICT_INTACT);
        assert_int_equal(entries, 2000);
        assert_int_equal(query_int(store, "SELECT count(*) FROM events"), 2000);
        ts_store_free(store);
    }
}

/* Every string and array of an event is copied: the copy is equal, shares
 * no pointer with the source's buffers, and survives their reuse. */
static void test_event_copy_every_field(void **state)
{
    char buf[64][32];
    const char *arrays[7][2];
    int64_t hmacs[2] = {11, -22};
    ts_event src, dst;
    ts_copy_arena arena = {NULL};
    ts_error err;
    const char **strings[] = {
        &src.session_id,   &src.account,        &src.database,
        &src.application,  &src.client_host,    &src.client_port,
        &src.severity,     &src.sqlstate,       &src.message,
        &src.detail,       &src.query,          &src.audit_type,
        &src.audit_class,  &src.command,        &src.object_type,
        &src.object_name,  &src.statement,      &src.parameter,
        &src.tls_protocol, &src.tls_cipher,     &src.unparsed_reason,
        &src.sql_template, &src.sql_class,      &src.sql_command,
        &src.principal,    &src.principal_kind, &src.auth_identity,
        &src.auth_method,
    };
    const char *const **array_fields[7] = {
        &src.tables_read,     &src.tables_written, &src.columns_read,
        &src.columns_written, &src.tables_changed, &src.flows,
        &src.value_classes,
    };
    size_t *array_counts[7] = {
        &src.n_tables_read,     &src.n_tables_written, &src.n_columns_read,
        &src.n_columns_written, &src.n_tables_changed, &src.n_flows,
        &src.n_value_classes,
    };
    size_t n_strings = sizeof(strings) / sizeof(strings[0]);
    const char **dst_strings[sizeof(strings) / sizeof(strings[0])];
    ts_ref_record ref;
    (void)state;

    ts_event_init(&src);
    for (size_t i = 0; i < n_strings; i++) {
        snprintf(buf[i], sizeof(buf[i]), "field %zu", i);
        *strings[i] = buf[i];
    }
    for (size_t a = 0; a < 7; a++) {
        for (size_t j = 0; j < 2; j++) {
            snprintf(buf[n_strings + a * 2 + j], sizeof(buf[0]),
                     "array %zu item %zu", a, j);
            arrays[a][j] = buf[n_strings + a * 2 + j];
        }
        *array_fields[a] = arrays[a];
        *array_counts[a] = 2;
    }
    src.value_hmacs = hmacs;
    src.n_value_hmacs = 2;
    src.reference = &ref;
    src.rows = 42;
    ts_error_clear(&err);
    assert_int_equal(ts_event_copy(&dst, &src, &arena, &err), 0);

    /* the copy's string fields, at the same offsets as src's */
    for (size_t i = 0; i < n_strings; i++)
        dst_strings[i] =
            (const char **)((char *)&dst + ((char *)strings[i] - (char *)&src));
    memset(buf, 'x', sizeof(buf)); /* the source reuses its buffers */
    memset(hmacs, 0, sizeof(hmacs));
    for (size_t i = 0; i < n_strings; i++) {
        char want[32];
        snprintf(want, sizeof(want), "field %zu", i);
        assert_string_equal(*dst_strings[i], want);
    }
    for (size_t a = 0; a < 7; a++) {
        const char *const *copied =
            *(const char *const *const *)((char *)&dst +
                                          ((char *)array_fields[a] -
                                           (char *)&src));
        assert_ptr_not_equal(copied, arrays[a]);
        for (size_t j = 0; j < 2; j++) {
            char want[32];
            snprintf(want, sizeof(want), "array %zu item %zu", a, j);
            assert_string_equal(copied[j], want);
        }
    }
    assert_int_equal(dst.n_value_hmacs, 2);
    assert_int_equal(dst.value_hmacs[0], 11);
    assert_int_equal(dst.value_hmacs[1], -22);
    assert_int_equal(dst.rows, 42);
    /* records stay borrowed, and say so */
    assert_ptr_equal(dst.reference, &ref);
    assert_int_equal(ts_event_borrows_records(&dst), 1);
    src.reference = NULL;
    assert_int_equal(ts_event_borrows_records(&src), 0);

    /* many copies spill over slabs; a reset keeps working (src's strings
     * are terminated again first: they point into buf) */
    memset(buf, 0, sizeof(buf));
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 2000; i++) {
            src.statement = "a statement long enough to fill slabs quickly,"
                            " a statement long enough to fill slabs quickly";
            assert_int_equal(ts_event_copy(&dst, &src, &arena, &err), 0);
            assert_string_equal(dst.statement, src.statement);
            assert_ptr_not_equal(dst.statement, src.statement);
        }
        ts_copy_arena_reset(&arena);
    }
    ts_copy_arena_release(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_threads_index_as_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_source_failure_stops_both, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_index_failure_stops_both, setup,
                                        teardown),
        cmocka_unit_test(test_event_copy_every_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
