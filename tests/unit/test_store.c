/* Store tests: sealing across blocks and commits, resuming, verifying, and
 * detecting tampering with the stored bytes. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "trailseal/trailseal.h"

/* A source of n synthetic log lines, every 7th one "unparsed". */
typedef struct fake_source {
    ts_source base;
    uint64_t n, next;
    uint64_t position;
    uint64_t rewritten_from; /* lines from here say "bob" instead of "alice" */
    char line[256];
} fake_source;

static int fake_next(ts_source *src, ts_entry *entry, ts_event *ev,
                     ts_error *err)
{
    fake_source *f = (fake_source *)src;
    int len;

    (void)err;
    if (f->next >= f->n)
        return 0;
    len = snprintf(f->line, sizeof(f->line),
                   "2026-11-01 10:00:%02llu.000 UTC [%llu] %s@app/psql "
                   "LOG:  AUDIT: SESSION,%llu,1,READ,SELECT,,,select ssn from "
                   "customers where id = %llu,<none>\n",
                   (unsigned long long)(f->next % 60),
                   (unsigned long long)(100 + f->next % 5),
                   f->next >= f->rewritten_from ? "bob" : "alice",
                   (unsigned long long)f->next, (unsigned long long)f->next);
    ts_event_init(ev);
    if (f->next % 7 == 3) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "synthetic";
    } else {
        ev->kind = TS_EVENT_AUDIT;
        ev->account = "alice";
        ev->session_id = f->next % 5 == 0 ? "s0" : "s1";
        ev->time_us = 1793527200000000LL + (int64_t)f->next;
        ev->statement = "select ssn from customers where id = ?";
        ev->command = "SELECT";
        ev->audit_class = "READ";
    }
    entry->record = (const uint8_t *)f->line;
    entry->record_len = (size_t)len;
    entry->position = f->position;
    entry->end_position = f->position + (uint64_t)len;
    entry->line = f->next + 1;
    entry->end_line = f->next + 2;
    entry->observed_us = 1793527200000000LL;
    f->position += (uint64_t)len;
    f->next++;
    return 1;
}

static int fake_seek(ts_source *src, uint64_t position, uint64_t line,
                     ts_error *err)
{
    fake_source *f = (fake_source *)src;
    ts_entry e;
    ts_event ev;

    (void)line;
    while (f->position < position)
        if (fake_next(src, &e, &ev, err) != 1)
            return TS_EIO;
    return 0;
}

static void fake_free(ts_source *src)
{
    free(src);
}

static const ts_source_ops fake_ops = {fake_next, fake_seek, fake_free};

static ts_source *fake_open(uint64_t n)
{
    fake_source *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->base.ops = &fake_ops;
    memset(f->base.key, 'a', 64);
    f->base.key[64] = '\0';
    f->base.name = "fake.log";
    f->base.format = "pg-stderr";
    f->base.config = "%m [%p] ";
    f->n = n;
    f->rewritten_from = UINT64_MAX;
    return &f->base;
}

typedef struct fixture {
    char dir[64];
    char path[128];
    char key_path[160];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));

    strcpy(fx->dir, "/tmp/ts-test-store-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
    snprintf(fx->key_path, sizeof(fx->key_path), "%s.key", fx->path);
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

/* A store made with `create` (NULL: the defaults) holding n fake entries
 * committed `batch` at a time. */
static ts_store *create_with_and_fill(fixture *fx,
                                      const ts_store_create_options *create,
                                      uint64_t n, size_t batch)
{
    ts_store *store = NULL;
    ts_source *src = fake_open(n);
    ts_ingest_options opts = {batch, 0, NULL, NULL, 0};
    ts_ingest_stats st;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_create_with(&store, fx->path, create, &err), 0);
    assert_int_equal(ts_store_ingest(store, src, &opts, &st, &err), 0);
    assert_int_equal(st.entries_sealed, n);
    assert_int_equal(st.tree_size, n);
    ts_source_free(src);
    return store;
}

/* As create_with_and_fill, in 1024-entry blocks (not the default 4096: the
 * cases below are written against that layout; test_default_blocks covers
 * the default). */
static ts_store *create_and_fill(fixture *fx, uint64_t n, size_t batch)
{
    static const ts_store_create_options blocks_of_1024 = {1024};

    return create_with_and_fill(fx, &blocks_of_1024, n, batch);
}

static ts_verdict verify(ts_store *store, ts_verify_report *r)
{
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_verify(store, NULL, r, &err), 0);
    return r->verdict;
}

static void test_seal_verify_resume(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 5000, 700);
    ts_ingest_options opts = {700, 0, NULL, NULL, 0};
    ts_verify_report r;
    ts_store_stats st;
    ts_ingest_stats is;
    ts_source *src;
    ts_error err;

    assert_int_equal(verify(store, &r), TS_VERDICT_INTACT);
    assert_int_equal(r.entries, 5000);
    assert_int_equal(r.blocks, 5);      /* 4 full blocks of 1024 + tail */
    assert_int_equal(r.checkpoints, 8); /* ceil(5000 / 700) commits */

    ts_error_clear(&err);
    assert_int_equal(ts_store_get_stats(store, &st, &err), 0);
    assert_int_equal(st.entries, 5000);
    assert_int_equal(st.unparsed, 5000 / 7 + (5000 % 7 > 3));
    assert_int_equal(st.events_by_kind[TS_EVENT_AUDIT], 5000 - st.unparsed);
    assert_int_equal(st.sessions, 2);
    assert_int_equal(st.sources, 1);

    /* The same content again seals nothing. */
    src = fake_open(5000);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err), 0);
    assert_int_equal(is.entries_sealed, 0);
    assert_int_equal(is.entries_skipped, 5000);
    ts_source_free(src);

    /* The source grew: only the new entries are sealed, continuing the tail
     * block. */
    src = fake_open(5300);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err), 0);
    assert_int_equal(is.entries_sealed, 300);
    assert_int_equal(is.tree_size, 5300);
    ts_source_free(src);
    assert_int_equal(verify(store, &r), TS_VERDICT_INTACT);
    assert_int_equal(r.entries, 5300);
    ts_store_free(store);

    /* Reopened read-only without the key, it still verifies. */
    assert_int_equal(ts_store_open(&store, fx->path,
                                   TS_STORE_READONLY | TS_STORE_NO_KEY, &err),
                     0);
    assert_int_equal(verify(store, &r), TS_VERDICT_INTACT);
    ts_store_free(store);
}

/* A commit, and so a signed checkpoint, at least every interval: with an
 * interval of 1 µs and a batch larger than the input, every entry commits. */
static void test_checkpoint_interval(void **state)
{
    fixture *fx = *state;
    ts_store *store = NULL;
    ts_source *src = fake_open(40);
    ts_ingest_options opts = {1000000, 1, NULL, NULL, 0};
    ts_ingest_stats st;
    ts_verify_report r;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_create(&store, fx->path, &err), 0);
    assert_int_equal(ts_store_ingest(store, src, &opts, &st, &err), 0);
    assert_int_equal(st.entries_sealed, 40);
    assert_int_equal(st.commits, 40);
    assert_int_equal(verify(store, &r), TS_VERDICT_INTACT);
    assert_int_equal(r.checkpoints, 40);
    ts_source_free(src);
    ts_store_free(store);
}

/* Reads one integer row of the index. */
static void query_ints(ts_store *store, const char *sql, int64_t *out, int n)
{
    sqlite3_stmt *st;

    assert_int_equal(
        sqlite3_prepare_v2(ts_store_sqlite(store), sql, -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    for (int i = 0; i < n; i++)
        out[i] = sqlite3_column_int64(st, i);
    sqlite3_finalize(st);
}

/* The write-ahead log is copied into the store file on a thread beside
 * ingest (wal_copier.c) and starts over every few commits: a hundred
 * commits leave a log no longer than a few of them, and afterwards the
 * writer copies the log itself again, as SQLite does by default. */
static void test_wal_copied_beside_ingest(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 10, 10); /* one commit */
    ts_source *src = fake_open(1010);
    ts_ingest_options opts = {10, 0, NULL, NULL, 0};
    ts_ingest_stats is;
    ts_verify_report r;
    char wal_path[200];
    struct stat one, after;
    int64_t autockpt;
    ts_error err;

    snprintf(wal_path, sizeof(wal_path), "%s-wal", fx->path);
    assert_int_equal(stat(wal_path, &one), 0);
    ts_error_clear(&err);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err), 0);
    assert_int_equal(is.commits, 100);
    assert_int_equal(stat(wal_path, &after), 0);
    /* kept, the log would hold a hundred commits' pages */
    assert_true(after.st_size <= 12 * one.st_size);
    query_ints(store, "PRAGMA wal_autocheckpoint", &autockpt, 1);
    assert_int_equal(autockpt, 1000);
    assert_int_equal(verify(store, &r), TS_VERDICT_INTACT);
    assert_int_equal(r.entries, 1010);
    ts_source_free(src);
    ts_store_free(store);
}

/* Sessions and accounts are summed in memory per batch; their totals must
 * equal a count over every event, whatever the batch boundaries. */
static void test_session_sums_span_batches(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 5000, 333);
    int64_t s0_events = 0, s1_events = 0, all = 0, v[4];
    int64_t s0_first = -1, s0_last = -1;

    for (int64_t i = 0; i < 5000; i++) {
        if (i % 7 == 3)
            continue;
        all++;
        if (i % 5 == 0) {
            s0_events++;
            if (s0_first < 0)
                s0_first = i;
            s0_last = i;
        } else {
            s1_events++;
        }
    }
    query_ints(store,
               "SELECT n_events, n_statements, started_us, ended_us"
               " FROM sessions WHERE session_id = 's0'",
               v, 4);
    assert_int_equal(v[0], s0_events);
    assert_int_equal(v[1], s0_events); /* every event is an audit row */
    assert_int_equal(v[2], 1793527200000000LL + s0_first);
    assert_int_equal(v[3], 1793527200000000LL + s0_last);
    query_ints(store, "SELECT n_events FROM sessions WHERE session_id = 's1'",
               v, 1);
    assert_int_equal(v[0], s1_events);
    query_ints(store,
               "SELECT n_events, first_seen_us, last_seen_us FROM accounts"
               " WHERE name = 'alice'",
               v, 3);
    assert_int_equal(v[0], all);
    assert_int_equal(v[1], 1793527200000000LL);
    assert_int_equal(v[2], 1793527200000000LL + 4999);
    ts_store_free(store);
}

/* Rewrites block `block_no` with one byte of its plain (decompressed)
 * contents XORed, recompressing it so only the entry bytes differ. The byte
 * is the first of `needle` found at or after `offset`, so it lies inside a
 * log record and the entry still decodes. */
static void flip_plain_byte(ts_store *store, int64_t block_no, size_t offset,
                            const char *needle)
{
    sqlite3 *db = ts_store_sqlite(store);
    sqlite3_stmt *st;
    ts_buf plain, packed;
    uint8_t secret[TS_BLOCK_SECRET_SIZE];
    ts_error err;

    ts_buf_init(&plain, 1 << 26);
    ts_buf_init(&packed, 1 << 26);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT data FROM blocks WHERE block_no = ?", -1,
                           &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, block_no);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(ts_block_unpack(sqlite3_column_blob(st, 0),
                                     (size_t)sqlite3_column_bytes(st, 0),
                                     &plain, secret, &err),
                     0);
    sqlite3_finalize(st);
    assert_true(offset < plain.len);
    {
        const uint8_t *hit = memmem(plain.data + offset, plain.len - offset,
                                    needle, strlen(needle));
        assert_non_null(hit);
        offset = (size_t)(hit - plain.data);
    }
    plain.data[offset] ^= 0x01;
    assert_int_equal(
        ts_block_pack(secret, plain.data, plain.len, &packed, &err), 0);
    assert_int_equal(
        sqlite3_prepare_v2(db, "UPDATE blocks SET data = ? WHERE block_no = ?",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_blob(st, 1, packed.data, (int)packed.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, block_no);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    ts_buf_release(&plain);
    ts_buf_release(&packed);
}

static void exec_sql(ts_store *store, const char *sql)
{
    assert_int_equal(
        sqlite3_exec(ts_store_sqlite(store), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* Flips a letter of "customers" in one of block 1's records, and expects
 * verify to find it: block 1, first bad entry `first_bad`, `problem` in
 * its message. */
static void flip_record_in_block_1(ts_store *store, int64_t first_bad,
                                   const char *problem)
{
    ts_verify_report r;

    flip_plain_byte(store, 1, 5000, "customers");
    assert_int_equal(verify(store, &r), TS_VERDICT_TAMPERED);
    assert_int_equal(r.first_bad_block, 1);
    assert_int_equal(r.first_bad_entry, first_bad);
    assert_non_null(strstr(r.problem, problem));
}

static void test_record_byte_flip(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 3000, 1000);

    /* One letter of a table name in a record of block 1: the entry still
     * decodes, only its hash changes; the checkpoint at 2000 (inside block
     * 1) is the first to disagree. */
    flip_record_in_block_1(store, 1000, "block 1: entries 1000..1999");
    ts_store_free(store);
}

static void test_entry_structure_broken(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 3000, 3000);
    ts_verify_report r;

    sqlite3_blob *blob;
    uint8_t byte;

    /* The stored block's structure (its format byte, schemas/block.md):
     * the block no longer unpacks. Entries are rebuilt canonically from
     * their fields, so a broken CBOR structure cannot be stored. */
    assert_int_equal(sqlite3_blob_open(ts_store_sqlite(store), "main", "blocks",
                                       "data", 1, 1, &blob),
                     SQLITE_OK);
    assert_int_equal(sqlite3_blob_read(blob, &byte, 1, 0), SQLITE_OK);
    byte ^= 0x01;
    assert_int_equal(sqlite3_blob_write(blob, &byte, 1, 0), SQLITE_OK);
    sqlite3_blob_close(blob);
    assert_int_equal(verify(store, &r), TS_VERDICT_TAMPERED);
    assert_int_equal(r.first_bad_block, 1);
    assert_int_equal(r.first_bad_entry, 1024);
    /* format 2 flipped to 3 claims redacted entries it does not hold */
    assert_non_null(strstr(r.problem, "block 1: "));
    assert_true(strstr(r.problem, "not a block of format 2 or 3") != NULL ||
                strstr(r.problem, "bad original-record HMAC column") != NULL);
    ts_store_free(store);
}

static void test_tail_block_flip(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 3000, 1000);
    ts_verify_report r;

    /* The tail block has no stored root: the checkpoint catches it. */
    flip_plain_byte(store, 2, 100, "customers");
    assert_int_equal(verify(store, &r), TS_VERDICT_TAMPERED);
    assert_non_null(strstr(r.problem, "checkpoint"));
    ts_store_free(store);
}

static int64_t count_checkpoints(ts_store *store)
{
    sqlite3_stmt *st;
    int64_t n;

    assert_int_equal(sqlite3_prepare_v2(ts_store_sqlite(store),
                                        "SELECT count(*) FROM checkpoints", -1,
                                        &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* The store never signs a checkpoint that does not extend the newest one:
 * a rewritten frontier or tail block stops ingest before anything is
 * signed. Also: the commit latency is reported. */
static void test_never_signs_a_second_history(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 3000, 1000);
    ts_ingest_options opts = {1000, 0, NULL, NULL, 0};
    ts_ingest_stats is;
    ts_source *src;
    ts_error err;

    /* 3000 = 2048 + 512 + 256 + 128 + 32 + 16 + 8: the smallest subtree
     * (entries 2992..2999, in the tail block) zeroed in the frontier. */
    exec_sql(store, "UPDATE frontier SET data = substr(data, 1, 8 + 6 * 32)"
                    " || zeroblob(32)");
    src = fake_open(3500);
    ts_error_clear(&err);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err),
                     TS_ECORRUPT);
    assert_non_null(strstr(err.msg, "not the newest signed checkpoint's"));
    assert_int_equal(count_checkpoints(store), 3);
    ts_source_free(src);
    ts_store_free(store);
    assert_int_equal(unlink(fx->path), 0);
    assert_int_equal(unlink(fx->key_path), 0);

    /* A record of the tail block changed (repacked): the frontier still
     * matches the checkpoint, the tail's entries do not. */
    store = create_and_fill(fx, 3000, 1000);
    flip_plain_byte(store, 2, 100, "customers");
    src = fake_open(3500);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err),
                     TS_ECORRUPT);
    assert_non_null(strstr(err.msg, "tail block's entries"));
    assert_int_equal(count_checkpoints(store), 3);
    ts_source_free(src);

    /* Untouched: it goes on, and times its commits. */
    ts_store_free(store);
    assert_int_equal(unlink(fx->path), 0);
    assert_int_equal(unlink(fx->key_path), 0);
    store = create_and_fill(fx, 3000, 1000);
    src = fake_open(3500);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err), 0);
    assert_int_equal(is.entries_sealed, 500);
    assert_int_equal(is.commits, 1);
    assert_true(is.commit_us_max > 0);
    assert_true(is.commit_us_total == is.commit_us_max);
    assert_int_equal(count_checkpoints(store), 4);
    ts_source_free(src);
    ts_store_free(store);
}

static void test_block_deleted(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 3000, 1000);
    ts_verify_report r;

    exec_sql(store, "DELETE FROM blocks WHERE block_no = 1");
    assert_int_equal(verify(store, &r), TS_VERDICT_TAMPERED);
    assert_int_equal(r.first_bad_block, 1);
    assert_non_null(strstr(r.problem, "missing"));
    ts_store_free(store);
}

static void test_truncated_with_checkpoints(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 3000, 1000);
    ts_verify_report r;

    /* Dropping the newest block and its checkpoint still leaves the frontier.
     */
    exec_sql(store, "DELETE FROM blocks WHERE block_no = 2;"
                    "DELETE FROM checkpoints WHERE tree_size = 3000");
    assert_int_equal(verify(store, &r), TS_VERDICT_TAMPERED);
    ts_store_free(store);
}

static void test_checkpoint_note_changed(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 1500, 1000);
    ts_verify_report r;

    exec_sql(store,
             "UPDATE checkpoints SET note = replace(note,"
             " char(10) || '1500' || char(10), char(10) || '1501' || char(10))"
             " WHERE tree_size = 1500");
    assert_int_equal(verify(store, &r), TS_VERDICT_TAMPERED);
    assert_non_null(strstr(r.problem, "signature"));
    ts_store_free(store);
}

/* A store whose index predates this layout opens read-only, not to write. */
static void test_older_index_refused(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 10, 0);
    ts_error err;

    assert_int_equal(
        sqlite3_exec(ts_store_sqlite(store),
                     "DELETE FROM meta WHERE key = 'index_version'", NULL, NULL,
                     NULL),
        SQLITE_OK);
    ts_store_free(store);
    ts_error_clear(&err);
    assert_int_equal(ts_store_open(&store, fx->path, 0, &err), TS_EINVAL);
    assert_null(store);
    assert_non_null(strstr(err.msg, "index has layout 1"));
    assert_int_equal(ts_store_open(&store, fx->path,
                                   TS_STORE_READONLY | TS_STORE_NO_KEY, &err),
                     0);
    ts_store_free(store);
}

/* The entry indexes a search found, in order. */
typedef struct found_seqs {
    uint64_t seq[8];
    size_t n;
} found_seqs;

static int collect_seq(void *ctx, const ts_search_row *row)
{
    found_seqs *f = ctx;

    if (f->n < 8)
        f->seq[f->n] = row->entry_index;
    f->n++;
    return 0;
}

/* Searches for value (and account's events, unless NULL), oldest first
 * after entry `after` (-1: all) or, when newest_first, newest first before
 * it. */
static size_t search_value_of(ts_store *store, const char *value,
                              const char *account, int64_t after,
                              int newest_first, found_seqs *f)
{
    ts_search_query q;
    ts_error err;

    ts_search_query_init(&q);
    q.value = value;
    q.account = account;
    q.after = after;
    q.oldest_first = !newest_first;
    memset(f, 0, sizeof(*f));
    ts_error_clear(&err);
    assert_int_equal(ts_search(store, &q, collect_seq, f, NULL, &err), 0);
    return f->n;
}

static size_t search_value(ts_store *store, const char *value, int64_t after,
                           int newest_first, found_seqs *f)
{
    return search_value_of(store, value, NULL, after, newest_first, f);
}

static void value_hmac(ts_store *store, const char *value, int64_t *out)
{
    uint8_t key[TS_VALUE_KEY_SIZE];
    ts_value_hasher *h = NULL;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_value_key(store, key, &err), 0);
    assert_int_equal(ts_value_hasher_new(&h, key, &err), 0);
    assert_int_equal(ts_value_hmac64(h, value, strlen(value), out, &err), 0);
    ts_value_hasher_free(h);
}

/* Checks that the card number is found at entries 20, 65541 and 140000
 * (blocks 0, 1 and 2 of its posting lists), also from either end of a
 * range, and the email at 65541 alone. */
static void expect_values_found(ts_store *store)
{
    const char *value = "4111111111111111";
    found_seqs f;

    assert_int_equal(search_value(store, value, -1, 0, &f), 3);
    assert_int_equal(f.seq[0], 20);
    assert_int_equal(f.seq[1], 65541);
    assert_int_equal(f.seq[2], 140000);
    assert_int_equal(search_value(store, value, 20, 0, &f), 2);
    assert_int_equal(f.seq[0], 65541);
    assert_int_equal(f.seq[1], 140000);
    assert_int_equal(search_value(store, value, 140000, 1, &f), 2);
    assert_int_equal(f.seq[0], 65541);
    assert_int_equal(f.seq[1], 20);
    assert_int_equal(search_value(store, value, 65541, 1, &f), 1);
    assert_int_equal(f.seq[0], 20);
    assert_int_equal(search_value(store, "ada@example.com", -1, 0, &f), 1);
    assert_int_equal(f.seq[0], 65541);
    /* the account's events walked, the value checked on each */
    assert_int_equal(search_value_of(store, value, "alice", 65541, 1, &f), 1);
    assert_int_equal(f.seq[0], 20);
    assert_int_equal(search_value_of(store, value, "bob", -1, 0, &f), 0);
}

/* Checks that the values' posting lists (layout 9) hold the test's 4
 * entries, one list per value and block, and event_value_hmacs is gone. */
static void expect_value_lists(ts_store *store)
{
    int64_t n[3];

    query_ints(store,
               "SELECT count(*), sum(length(seqs)),"
               " (SELECT count(*) FROM sqlite_schema"
               "  WHERE name LIKE 'event_value_hmacs%')"
               " FROM event_postings WHERE field = 'value'",
               n, 3);
    assert_int_equal(n[0], 4);
    assert_int_equal(n[1], 5); /* one entry each: 140000 takes two bytes */
    assert_int_equal(n[2], 0);
    query_ints(store,
               "SELECT count(*) FROM (SELECT DISTINCT value FROM event_postings"
               " WHERE field = 'value') v CROSS JOIN ts_postings('value',"
               " v.value) p",
               n, 1);
    assert_int_equal(n[0], 4);
}

/* The values' HMACs as event_value_hmacs kept them before layout 9, in
 * the table `columns` names (layout 2: "hmac, seq"; then "bucket, hmac,
 * seq"), and the lists gone. */
static void make_value_table(ts_store *store, const char *columns,
                             const char *layout)
{
    int bucketed = strncmp(columns, "bucket", 6) == 0;
    char sql[1024];

    snprintf(sql, sizeof(sql),
             "CREATE TABLE event_value_hmacs (%s hmac INTEGER NOT NULL,"
             " seq INTEGER NOT NULL, PRIMARY KEY (%s)) WITHOUT ROWID;"
             "INSERT INTO event_value_hmacs(%s) SELECT %s v.value, p.seq"
             " FROM (SELECT DISTINCT value FROM event_postings"
             " WHERE field = 'value') v"
             " CROSS JOIN ts_postings('value', v.value) p;"
             "DELETE FROM event_postings WHERE field = 'value';"
             "UPDATE meta SET value = '%s' WHERE key = 'index_version'",
             bucketed ? "bucket INTEGER NOT NULL," : "", columns, columns,
             bucketed ? "p.seq >> 16," : "", layout);
    exec_sql(store, sql);
}

/* The values' HMACs are posting lists (layout 9): a value is found in
 * every block and within the range asked for. Stores of layout 8 (the
 * table keyed by bucket, hmac, seq) and layout 2 (by hmac, seq) answer
 * read-only, and get the lists when opened for writing. */
static void test_value_lists(void **state)
{
    static const uint64_t seqs[] = {20, 65541, 140000};
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 10, 0);
    ts_index_writer *w = NULL;
    int64_t hmacs[2], n[2];
    found_seqs f;
    ts_error err;

    value_hmac(store, "4111111111111111", &hmacs[0]);
    value_hmac(store, "ada@example.com", &hmacs[1]);
    ts_error_clear(&err);
    exec_sql(store, "BEGIN");
    assert_int_equal(ts_index_writer_new(&w, store, &err), 0);
    for (size_t i = 0; i < 3; i++) {
        ts_event ev;
        ts_event_init(&ev);
        ev.kind = TS_EVENT_AUDIT;
        ev.account = "alice";
        ev.value_hmacs = hmacs;
        ev.n_value_hmacs = i == 1 ? 2 : 1; /* the email once, at 65541 */
        assert_int_equal(ts_index_writer_add(w, seqs[i], 1, 100 + i, &ev, &err),
                         0);
    }
    assert_int_equal(ts_index_writer_flush(w, &err), 0);
    ts_index_writer_free(w);
    exec_sql(store, "COMMIT");

    expect_value_lists(store);
    expect_values_found(store);
    assert_int_equal(search_value(store, "4111111111111112", -1, 0, &f), 0);

    /* Layout 9: the values' lists stay as they are when the store is
     * upgraded (nothing else holds the HMACs: they are not made again),
     * and the bucket maps of command and database go. */
    exec_sql(store, "CREATE TABLE event_buckets (field TEXT NOT NULL,"
                    " value TEXT NOT NULL, bucket INTEGER NOT NULL,"
                    " PRIMARY KEY (field, value, bucket)) WITHOUT ROWID;"
                    "UPDATE meta SET value = '9' WHERE key = 'index_version'");
    ts_store_free(store);
    assert_int_equal(ts_store_open(&store, fx->path, 0, &err), 0);
    expect_value_lists(store);
    expect_values_found(store);
    query_ints(store,
               "SELECT CAST(value AS INTEGER) FROM meta"
               " WHERE key = 'index_version'",
               n, 1);
    assert_int_equal(n[0], TS_INDEX_VERSION);
    query_ints(store,
               "SELECT count(*) FROM sqlite_schema"
               " WHERE name = 'event_buckets'",
               n, 1);
    assert_int_equal(n[0], 0);

    for (int old = 0; old < 2; old++) {
        /* layout 8, then layout 2 */
        make_value_table(store, old == 0 ? "bucket, hmac, seq" : "hmac, seq",
                         old == 0 ? "8" : "2");
        ts_store_free(store);
        assert_int_equal(
            ts_store_open(&store, fx->path, TS_STORE_READONLY, &err), 0);
        expect_values_found(store);
        query_ints(store, "SELECT count(*) FROM event_value_hmacs", n, 1);
        assert_int_equal(n[0], 4); /* read-only: left as it was */
        ts_store_free(store);

        assert_int_equal(ts_store_open(&store, fx->path, 0, &err), 0);
        expect_value_lists(store);
        query_ints(store,
                   "SELECT CAST(value AS INTEGER) FROM meta"
                   " WHERE key = 'index_version'",
                   n, 1);
        assert_int_equal(n[0], TS_INDEX_VERSION); /* to the layout of today */
        expect_values_found(store);
    }
    ts_store_free(store);

    /* Upgraded once: opening it again changes nothing. */
    assert_int_equal(ts_store_open(&store, fx->path, 0, &err), 0);
    expect_value_lists(store);
    expect_values_found(store);
    ts_store_free(store);
}

/* A layout 2 store made before the data-class and value-HMAC tables gets
 * the one and the value lists when upgraded, and ingest goes on into it. */
static void test_layout2_without_value_tables(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 10, 0);
    ts_ingest_options opts = {0, 0, NULL, NULL, 0};
    ts_ingest_stats is;
    ts_source *src;
    ts_error err;
    int64_t n;

    exec_sql(store, "DROP TABLE event_value_classes;"
                    "UPDATE meta SET value = '2' WHERE key = 'index_version'");
    ts_store_free(store);
    ts_error_clear(&err);
    assert_int_equal(ts_store_open(&store, fx->path, 0, &err), 0);
    query_ints(store,
               "SELECT count(*) FROM sqlite_schema WHERE name IN"
               " ('event_value_hmacs', 'event_value_classes')",
               &n, 1);
    assert_int_equal(n, 1); /* the values' HMACs are lists (layout 9) */
    src = fake_open(25);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err), 0);
    assert_int_equal(is.entries_sealed, 15);
    ts_source_free(src);
    ts_store_free(store);
}

/* 1 when a row of `explain` sql (EXPLAIN or EXPLAIN QUERY PLAN) holds
 * `text` in column `col`. */
static int explain_has(sqlite3 *db, const char *explain, const char *sql,
                       int col, const char *text)
{
    char full[512];
    sqlite3_stmt *st = NULL;
    int found = 0;

    snprintf(full, sizeof(full), "%s %s", explain, sql);
    assert_int_equal(sqlite3_prepare_v2(db, full, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        if (strstr((const char *)sqlite3_column_text(st, col), text) != NULL)
            found = 1;
    sqlite3_finalize(st);
    return found;
}

/* 1 when the plan of sql names `index`. */
static int plan_uses(sqlite3 *db, const char *sql, const char *index)
{
    return explain_has(db, "EXPLAIN QUERY PLAN", sql, 3, index);
}

/* 1 when the program of sql holds an OpenEphemeral (a temporary B-tree). */
static int program_has_ephemeral(sqlite3 *db, const char *sql)
{
    return explain_has(db, "EXPLAIN", sql, 1, "OpenEphemeral");
}

/* v_privileged is read through events_privileged (the view's term and the
 * index's WHERE must stay the same, and the view names it), and a store
 * without the index gets it when next opened for writing. Checking its WHERE
 * costs an insert no temporary B-tree (an IN list of more than two values
 * would). */
static void test_privileged_index(void **state)
{
    static const char privileged_sql[] =
        "SELECT entry_index FROM v_privileged"
        " WHERE time_us >= 0 AND time_us < 1800000000000000"
        " ORDER BY time_us, entry_index";
    static const char insert_sql[] =
        "INSERT INTO event_rows(seq, source_id, line, kind, command_id,"
        " privileged)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 10, 0);
    sqlite3_stmt *st = NULL;
    ts_error err;

    assert_true(plan_uses(ts_store_sqlite(store), privileged_sql,
                          "INDEX events_privileged ("));
    assert_false(program_has_ephemeral(ts_store_sqlite(store), insert_sql));
    assert_int_equal(
        sqlite3_exec(ts_store_sqlite(store),
                     "DROP INDEX events_privileged;"
                     "CREATE INDEX events_in_list ON event_rows(kind)"
                     " WHERE command_id IN (1, 2, 3)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    /* the check can fail: an IN list does cost one */
    assert_true(program_has_ephemeral(ts_store_sqlite(store), insert_sql));
    assert_int_equal(sqlite3_exec(ts_store_sqlite(store),
                                  "DROP INDEX events_in_list", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    /* the view names the index (INDEXED BY): without it, no plan */
    assert_int_not_equal(sqlite3_prepare_v2(ts_store_sqlite(store),
                                            privileged_sql, -1, &st, NULL),
                         SQLITE_OK);
    sqlite3_finalize(st);
    ts_store_free(store);
    ts_error_clear(&err);
    assert_int_equal(ts_store_open(&store, fx->path, 0, &err), 0);
    assert_true(plan_uses(ts_store_sqlite(store), privileged_sql,
                          "INDEX events_privileged ("));
    ts_store_free(store);
}

static void test_key_file_refused(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 10, 0);
    ts_error err;
    struct stat st;
    char link_path[200];

    ts_store_free(store);
    assert_int_equal(stat(fx->key_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_int_equal(chmod(fx->key_path, 0640), 0);
    ts_error_clear(&err);
    assert_int_equal(ts_store_open(&store, fx->path, 0, &err), TS_EPERM);
    assert_null(store);
    assert_non_null(strstr(err.msg, "readable by others"));
    /* Without the key the store still opens for reading. */
    assert_int_equal(ts_store_open(&store, fx->path, TS_STORE_NO_KEY, &err), 0);
    ts_store_free(store);
    assert_int_equal(chmod(fx->key_path, 0600), 0);

    /* A store created again where one exists is refused. */
    assert_int_equal(ts_store_create(&store, fx->path, &err), TS_EEXIST);

    /* A key file behind a symbolic link is refused. */
    snprintf(link_path, sizeof(link_path), "%s/real.key", fx->dir);
    assert_int_equal(rename(fx->key_path, link_path), 0);
    assert_int_equal(symlink(link_path, fx->key_path), 0);
    assert_int_equal(ts_store_open(&store, fx->path, 0, &err), TS_EIO);
    assert_non_null(strstr(err.msg, "symbolic link"));
}

static void test_rewritten_source_refused(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 2000, 500);
    ts_ingest_options opts = {500, 0, NULL, NULL, 0};
    ts_ingest_stats is;
    ts_verify_report r;
    ts_store_stats st;
    ts_source *src;
    ts_error err;

    /* Same first line, same key, different bytes later: not skipped as
     * "already sealed", refused, and nothing sealed from it. */
    src = fake_open(2500);
    ((fake_source *)src)->rewritten_from = 1500;
    ts_error_clear(&err);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err), TS_EINVAL);
    assert_non_null(strstr(err.msg, "differs from its"));
    assert_int_equal(is.entries_sealed, 0);
    ts_source_free(src);

    /* A shorter copy of what was sealed (truncated log) is refused too. */
    src = fake_open(1999);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err), TS_EINVAL);
    ts_source_free(src);

    assert_int_equal(ts_store_get_stats(store, &st, &err), 0);
    assert_int_equal(st.entries, 2000);
    assert_int_equal(verify(store, &r), TS_VERDICT_INTACT);

    /* The original, grown, still continues where it stopped. */
    src = fake_open(2100);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err), 0);
    assert_int_equal(is.entries_sealed, 100);
    ts_source_free(src);
    ts_store_free(store);
}

static void copy_file(const char *from, const char *to)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
}

static ts_verdict verify_kept(ts_store *store, const char *note,
                              ts_verify_report *r)
{
    const char *notes[1] = {note}, *names[1] = {"kept.note"};
    ts_verify_options opts = {notes, names, 1, NULL};
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_verify(store, &opts, r, &err), 0);
    return r->verdict;
}

static void grow(ts_store *store, uint64_t n, uint64_t rewritten_from)
{
    ts_ingest_options opts = {700, 0, NULL, NULL, 0};
    ts_source *src = fake_open(n);
    ts_ingest_stats is;
    ts_error err;

    ((fake_source *)src)->rewritten_from = rewritten_from;
    ts_error_clear(&err);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err), 0);
    ts_source_free(src);
}

static void test_kept_checkpoints(void **state)
{
    fixture *fx = *state;
    ts_store *store = create_and_fill(fx, 2000, 700), *other = NULL;
    char old_path[200], old_key[210], *kept_2000 = NULL, *kept_fork = NULL;
    char *kept_3000 = NULL;
    ts_verify_report r;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_checkpoint(store, &kept_2000, &err), 0);
    ts_store_free(store); /* closing folds the WAL into the file */
    snprintf(old_path, sizeof(old_path), "%s/old.db", fx->dir);
    snprintf(old_key, sizeof(old_key), "%s.key", old_path);
    copy_file(fx->path, old_path);
    copy_file(fx->key_path, old_key);

    /* The original grows; an older kept checkpoint anchors it. */
    assert_int_equal(ts_store_open(&store, fx->path, 0, &err), 0);
    grow(store, 3000, UINT64_MAX);
    assert_int_equal(verify_kept(store, kept_2000, &r), TS_VERDICT_INTACT);
    assert_true(r.anchored);
    assert_int_equal(r.n_kept, 1);
    assert_int_equal(r.kept[0].tree_size, 2000);
    assert_int_equal(r.kept[0].status, TS_VERDICT_INTACT);
    assert_int_equal(verify(store, &r), TS_VERDICT_INTACT);
    assert_false(r.anchored);
    assert_int_equal(ts_store_checkpoint(store, &kept_3000, &err), 0);

    /* The old copy restored: the newer kept checkpoint shows the rollback. */
    assert_int_equal(ts_store_open(&other, old_path, 0, &err), 0);
    assert_int_equal(verify(other, &r), TS_VERDICT_INTACT);
    assert_int_equal(verify_kept(other, kept_3000, &r), TS_VERDICT_ROLLED_BACK);
    assert_int_equal(r.kept[0].status, TS_VERDICT_ROLLED_BACK);
    assert_non_null(strstr(r.problem, "rolled back"));

    /* The copy, with the same key, seals a different continuation: a fork. */
    grow(other, 3200, 2500);
    assert_int_equal(verify(other, &r), TS_VERDICT_INTACT);
    assert_int_equal(ts_store_checkpoint(other, &kept_fork, &err), 0);
    ts_store_free(other);
    assert_int_equal(verify_kept(store, kept_fork, &r), TS_VERDICT_ROLLED_BACK);
    grow(store, 3500, UINT64_MAX);
    assert_int_equal(verify_kept(store, kept_fork, &r), TS_VERDICT_FORKED);
    assert_non_null(strstr(r.problem, "forked"));

    /* A checkpoint not signed by this store's key is unusable input. */
    kept_fork[strlen(kept_fork) - 3] ^= 1;
    {
        const char *notes[1] = {kept_fork};
        ts_verify_options opts = {notes, NULL, 1, NULL};
        assert_int_equal(ts_store_verify(store, &opts, &r, &err), TS_EINVAL);
        assert_non_null(strstr(err.msg, "not a checkpoint of this store"));
    }
    free(kept_2000);
    free(kept_3000);
    free(kept_fork);
    ts_store_free(store);
}

/* Proves a sample of entries (and every one of the tail block) with one
 * store handle, so the prover's cached blocks and subtree hashes serve
 * many proofs, and checks each proof with nothing but the verifier key. */
/* A proof whose checkpoint note has one byte flipped at `from_end` bytes
 * before its end (a signature byte, or the note's body) is refused by a
 * verifier that has just accepted the intact one. */
static void refused_when_note_changes(ts_proof_verifier *pv, const char *proof,
                                      size_t from_end)
{
    char *bad = strdup(proof);
    ts_proof_result r;

    assert_non_null(bad);
    bad[strlen(bad) - from_end] ^= 1;
    ts_proof_verifier_check(pv, bad, strlen(bad), &r);
    assert_false(r.valid);
    ts_proof_verifier_check(pv, proof, strlen(proof), &r);
    assert_true(r.valid);
    free(bad);
}

static void prove_and_check(ts_store *store, uint64_t size, uint64_t step,
                            uint64_t tail_from)
{
    char vkey[256], *last = NULL, *note;
    ts_proof_verifier *pv = NULL;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_verifier_key(store, vkey, sizeof(vkey), &err), 0);
    assert_int_equal(ts_proof_verifier_new(vkey, &pv, &err), 0);
    for (uint64_t i = 0; i < size; i += i >= tail_from ? 1 : step) {
        ts_proof_result r, again;
        char *proof = NULL;
        assert_int_equal(ts_store_prove_inclusion(store, i, &proof, &err), 0);
        assert_int_equal(ts_proof_verify(vkey, proof, strlen(proof), &r, &err),
                         0);
        assert_true(r.valid);
        assert_int_equal(r.index, i);
        assert_int_equal(r.tree_size, size);
        /* the verifier that remembers the checkpoint says the same */
        ts_proof_verifier_check(pv, proof, strlen(proof), &again);
        assert_true(again.valid);
        assert_int_equal(again.index, i);
        assert_int_equal(again.tree_size, size);
        assert_string_equal(again.root, r.root);
        assert_string_equal(again.origin, r.origin);
        free(last);
        last = proof;
    }
    assert_non_null(last);
    note = strstr(last, "\n\n");
    assert_non_null(note);
    refused_when_note_changes(pv, last, 3); /* in the signature */
    /* in the body: the note's first line, its origin */
    refused_when_note_changes(pv, last, strlen(note + 2) - 2);
    ts_proof_verifier_free(pv);
    assert_int_equal(ts_proof_verifier_new("not a key", &pv, &err), TS_EINVAL);
    assert_null(pv);
    free(last);
}

/* Proofs against a kept older checkpoint (`old_note`, `old_size`) and the
 * newest, alternately, with one handle: a block the tree ended inside
 * then and has grown since must answer each tree for its own size. */
static void prove_old_and_new(ts_store *store, const char *old_note,
                              uint64_t old_size, uint64_t new_size)
{
    char vkey[256], *proof = NULL;
    ts_proof_result r;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_verifier_key(store, vkey, sizeof(vkey), &err), 0);
    for (uint64_t i = 0; i < old_size; i += i >= old_size - 400 ? 7 : 211) {
        assert_int_equal(
            ts_store_prove_inclusion_in(store, i, old_note, &proof, &err), 0);
        assert_int_equal(ts_proof_verify(vkey, proof, strlen(proof), &r, &err),
                         0);
        assert_true(r.valid);
        assert_int_equal(r.index, i);
        assert_int_equal(r.tree_size, old_size);
        assert_non_null(strstr(proof, old_note));
        free(proof);
        assert_int_equal(ts_store_prove_inclusion(store, i, &proof, &err), 0);
        assert_int_equal(ts_proof_verify(vkey, proof, strlen(proof), &r, &err),
                         0);
        assert_true(r.valid);
        assert_int_equal(r.tree_size, new_size);
        free(proof);
    }
    assert_int_equal(
        ts_store_prove_inclusion_in(store, old_size, old_note, &proof, &err),
        TS_ENOTFOUND);
    assert_null(proof);
    assert_int_equal(
        ts_store_prove_inclusion_in(store, 0, "no note", &proof, &err),
        TS_ECORRUPT);
    assert_null(proof);
}

/* `note` with its size line `from` replaced by `to` (a note whose
 * signature no longer matches, as a caller might still pass one). */
static char *with_size(const char *note, const char *from, const char *to)
{
    const char *at = strstr(note, from);
    size_t head, len = strlen(note) + strlen(to) + 1;
    char *out = malloc(len);

    assert_non_null(at);
    assert_non_null(out);
    head = (size_t)(at - note);
    memcpy(out, note, head);
    snprintf(out + head, len - head, "%s%s", to, at + strlen(from));
    return out;
}

/* A note that is not of the store's tree never gives a proof: one that
 * claims an entry more than the store holds, and one whose root is of
 * another tree of the same size. */
static void prove_against_foreign_notes(ts_store *store, const char *old_note)
{
    char *newest = NULL, *note, *proof = NULL;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_checkpoint(store, &newest, &err), 0);
    note = with_size(newest, "\n6000\n", "\n6001\n");
    assert_int_equal(
        ts_store_prove_inclusion_in(store, 6000, note, &proof, &err),
        TS_ECORRUPT);
    assert_null(proof);
    free(note);
    note = with_size(old_note, "\n5420\n", "\n6000\n");
    assert_int_equal(ts_store_prove_inclusion_in(store, 0, note, &proof, &err),
                     TS_ECORRUPT);
    assert_null(proof);
    assert_non_null(strstr(err.msg, "does not give the root"));
    free(note);
    free(newest);
}

static void test_proofs_share_cache(void **state)
{
    fixture *fx = *state;
    /* 5 full blocks of 1024 and a tail of 300: subtrees above the blocks
     * are cached, and the tail block is partial */
    ts_store *store = create_and_fill(fx, 5420, 1000);
    ts_ingest_options opts = {1000, 0, NULL, NULL, 0};
    ts_ingest_stats is;
    ts_source *src;
    ts_error err;
    char *old_note = NULL;

    prove_and_check(store, 5420, 37, 5100);
    assert_int_equal(ts_store_checkpoint(store, &old_note, &err), 0);
    /* The tail block grows under the same handle: a cached partial block
     * must not answer for the bigger tree. */
    src = fake_open(6000);
    ts_error_clear(&err);
    assert_int_equal(ts_store_ingest(store, src, &opts, &is, &err), 0);
    assert_int_equal(is.tree_size, 6000);
    ts_source_free(src);
    prove_and_check(store, 6000, 53, 5100);
    prove_old_and_new(store, old_note, 5420, 6000);
    prove_against_foreign_notes(store, old_note);
    free(old_note);
    ts_store_free(store);
}

/* Sets the store's meta block_entries to `text` (through SQLite: the store
 * may already be refused) and expects every open to refuse the store as
 * corrupt. */
static void refused_block_entries(fixture *fx, const char *text)
{
    ts_store *store = NULL;
    sqlite3 *db = NULL;
    char sql[128];
    ts_error err;

    snprintf(sql, sizeof(sql),
             "UPDATE meta SET value = '%s' WHERE key = 'block_entries'", text);
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_close(db);
    ts_error_clear(&err);
    assert_int_equal(ts_store_open(&store, fx->path, 0, &err), TS_ECORRUPT);
    assert_null(store);
    assert_non_null(strstr(err.msg, "block_entries"));
    assert_int_equal(ts_store_open(&store, fx->path,
                                   TS_STORE_READONLY | TS_STORE_NO_KEY, &err),
                     TS_ECORRUPT);
}

/* A store made with the defaults packs 4096 entries a block, recorded in
 * its meta: 10,000 entries committed 700 at a time (so tail blocks are
 * stored and continued across commits) make blocks of 4096, 4096 and
 * 1808, which verify, prove and locate a changed record by block. A block
 * size that is not a power of two up to 16384 is refused, before any file
 * is made, and a store whose meta says so is refused as corrupt. */
static void test_default_blocks(void **state)
{
    fixture *fx = *state;
    ts_store *store = NULL;
    ts_store_create_options odd = {1000}, huge = {32768};
    ts_verify_report r;
    struct stat st;
    int64_t v[3];
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_create_with(&store, fx->path, &odd, &err),
                     TS_EINVAL);
    assert_int_equal(ts_store_create_with(&store, fx->path, &huge, &err),
                     TS_EINVAL);
    assert_null(store);
    assert_int_not_equal(stat(fx->path, &st), 0);
    store = create_with_and_fill(fx, NULL, 10000, 700);
    query_ints(store,
               "SELECT CAST(value AS INTEGER) FROM meta"
               " WHERE key = 'block_entries'",
               v, 1);
    assert_int_equal(v[0], 4096);
    query_ints(store,
               "SELECT count(*), min(n_entries), max(first_seq) FROM blocks", v,
               3);
    assert_int_equal(v[0], 3);
    assert_int_equal(v[1], 10000 - 2 * 4096);
    assert_int_equal(v[2], 2 * 4096);
    assert_int_equal(verify(store, &r), TS_VERDICT_INTACT);
    assert_int_equal(r.entries, 10000);
    assert_int_equal(r.blocks, 3);
    prove_and_check(store, 10000, 97, 9990);

    /* one of block 1's first records (4096 on): the checkpoint at 4200 is
     * the first to disagree, over the batch that began at 3500 */
    flip_record_in_block_1(store, 3500, "block 1: entries 3500..4199");
    ts_store_free(store);

    refused_block_entries(fx, "32768");
    refused_block_entries(fx, "4096x");
    refused_block_entries(fx, "0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seal_verify_resume, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_session_sums_span_batches, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wal_copied_beside_ingest, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_interval, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_record_byte_flip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_structure_broken, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tail_block_flip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_signs_a_second_history,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_with_checkpoints, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_note_changed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_key_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_privileged_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout2_without_value_tables,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_index_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rewritten_source_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_kept_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proofs_share_cache, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
