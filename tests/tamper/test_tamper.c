/* Tamper suite (issue "Sealed store", item 6): a store of 10,000 entries in
 * 10 blocks and 15 signed checkpoints is changed behind trailseal's back in
 * every way tests/tamper/README.md lists, and ts_store_verify() must give
 * the right verdict and, where it can know it, the first bad block / entry.
 *
 * Every case works on a fresh copy of stores built once by the group setup:
 *   base.db   10,000 entries, batch 700: checkpoints at 700, 1400, ..., 9800
 *             and 10000; blocks 0..8 full (1024 entries), block 9 holds 784.
 *   early.db  a copy of base.db (and its key) when it held 4,200 entries.
 *   fork.db   early.db's copy, then 3,000 other entries: 7,200 entries signed
 *             by the same key as base.db, diverging from it at entry 4200.
 *   other.db  another store (other store_id and key), 2,048 entries.
 *
 * Not a case yet: a compression dictionary replaced. Blocks are plain zstd
 * frames without a dictionary today (store/block.c). TODO when dictionaries
 * land: replace the dictionary a block names (and, separately, the
 * dictionary's stored bytes) and expect TAMPERED at the first block that
 * uses it -- a dictionary that still decompresses must change the entries'
 * bytes, so their hashes, unless the dictionary itself is hashed and signed.
 */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "trailseal/trailseal.h"

#define N_ENTRIES 10000
#define BATCH 700
#define EARLY 4200
#define FORK_EXTRA 3000
#define BLOCK 1024
/* The suite's stores keep 1024-entry blocks, whatever the default. */
static const ts_store_create_options g_block_opts = {BLOCK};

/* ---- a synthetic source, as in tests/unit/test_store.c ---- */

typedef struct fake_source {
    ts_source base;
    uint64_t n, next, position;
    const char *who; /* varies the content between sources */
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
                   (unsigned long long)(100 + f->next % 5), f->who,
                   (unsigned long long)f->next, (unsigned long long)f->next);
    ts_event_init(ev);
    ev->kind = TS_EVENT_AUDIT;
    ev->account = f->who;
    ev->session_id = "s1";
    ev->time_us = 1793527200000000LL + (int64_t)f->next;
    ev->statement = "select ssn from customers where id = ?";
    ev->command = "SELECT";
    ev->audit_class = "READ";
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

static ts_source *fake_open(uint64_t n, char key_char, const char *who)
{
    fake_source *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->base.ops = &fake_ops;
    memset(f->base.key, key_char, 64);
    f->base.key[64] = '\0';
    f->base.name = "fake.log";
    f->base.format = "pg-stderr";
    f->base.config = "%m [%p] ";
    f->n = n;
    f->who = who;
    return &f->base;
}

static void ingest(ts_store *store, uint64_t n, char key_char, const char *who,
                   size_t batch)
{
    ts_source *src = fake_open(n, key_char, who);
    ts_ingest_options opts = {batch, 0, NULL, NULL, 0};
    ts_ingest_stats st;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_store_ingest(store, src, &opts, &st, &err), 0);
    ts_source_free(src);
}

/* ---- files ---- */

static void exec_sql(ts_store *store, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char g_dir[64];
static char *g_newest;    /* base.db's checkpoint at 10000 */
static char *g_at_early;  /* base.db's checkpoint at 4200 (shared with fork) */
static char *g_fork_4900; /* fork.db's checkpoints, after the divergence */
static char *g_fork_newest; /* at 7200 */
static char *g_other_newest;
static char g_vkey[512]; /* base.db's verifier key text */
/* The block 0 flips run in g_parts processes; this is part g_part. */
static unsigned g_part = 0, g_parts = 1;
/* Block 0 is at least this long (asserted); the parts split it here. */
#define TS_FLIP_SPAN 3072

static void path_of(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", g_dir, name);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[1 << 16];
    ssize_t n;
    int in = open(from, O_RDONLY), out;

    assert_true(in >= 0);
    unlink(to);
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(out >= 0);
    while ((n = read(in, buf, sizeof(buf))) > 0)
        assert_int_equal(write(out, buf, (size_t)n), n);
    assert_int_equal(n, 0);
    close(in);
    close(out);
}

/* Copies store `from` (db and key) to `to`, both names in g_dir. */
static void copy_store(const char *from, const char *to)
{
    char a[128], b[128], ak[160], bk[160], wal[160];

    path_of(a, sizeof(a), from);
    path_of(b, sizeof(b), to);
    snprintf(wal, sizeof(wal), "%s-wal", a);
    assert_int_not_equal(access(wal, F_OK), 0); /* closed, checkpointed */
    snprintf(ak, sizeof(ak), "%s.key", a);
    snprintf(bk, sizeof(bk), "%s.key", b);
    copy_file(a, b, 0644);
    copy_file(ak, bk, 0600);
    snprintf(wal, sizeof(wal), "%s-wal", b);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", b);
    unlink(wal);
}

static ts_store *open_store(const char *name, unsigned flags)
{
    char p[128];
    ts_store *store = NULL;
    ts_error err;

    path_of(p, sizeof(p), name);
    ts_error_clear(&err);
    if (ts_store_open(&store, p, flags, &err) != 0)
        fail_msg("opening %s: %s", p, err.msg);
    /* This test's own connection: no fsync per flip (the store's durability
     * is not under test here). */
    if (!(flags & TS_STORE_READONLY))
        exec_sql(store, "PRAGMA synchronous = OFF");
    return store;
}

/* A fresh read-write copy of `from`, opened with its key. */
static ts_store *work_copy(const char *from)
{
    copy_store(from, "work.db");
    return open_store("work.db", 0);
}

/* ---- SQL helpers ---- */

static void exec_sql(ts_store *store, const char *fmt, ...)
{
    char sql[1024];
    char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    if (sqlite3_exec(ts_store_sqlite(store), sql, NULL, NULL, &msg) !=
        SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static char *checkpoint_note(ts_store *store, uint64_t tree_size)
{
    sqlite3_stmt *st;
    char *note;

    assert_int_equal(sqlite3_prepare_v2(ts_store_sqlite(store),
                                        "SELECT note FROM checkpoints WHERE "
                                        "tree_size = ? ORDER BY id DESC",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, (int64_t)tree_size);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    note = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    assert_non_null(note);
    return note;
}

static int64_t checkpoint_id(ts_store *store, uint64_t tree_size)
{
    sqlite3_stmt *st;
    int64_t id;

    assert_int_equal(sqlite3_prepare_v2(ts_store_sqlite(store),
                                        "SELECT id FROM checkpoints WHERE "
                                        "tree_size = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, (int64_t)tree_size);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

/* The secret of the block read_block() read last; write_block() packs with
 * it. */
static uint8_t g_secret[TS_BLOCK_SECRET_SIZE];

/* Block `no`'s stored (compressed) bytes into packed, or its entries'
 * plain bytes into plain (either may be NULL); returns n_entries. */
static int64_t read_block(ts_store *store, int64_t no, ts_buf *packed,
                          ts_buf *plain)
{
    sqlite3_stmt *st;
    ts_error err;
    int64_t n;

    assert_int_equal(sqlite3_prepare_v2(ts_store_sqlite(store),
                                        "SELECT data, n_entries FROM blocks "
                                        "WHERE block_no = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, no);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    if (packed != NULL) {
        packed->len = 0;
        assert_int_equal(ts_buf_append(packed, sqlite3_column_blob(st, 0),
                                       (size_t)sqlite3_column_bytes(st, 0),
                                       &err),
                         0);
    }
    if (plain != NULL)
        assert_int_equal(ts_block_unpack(sqlite3_column_blob(st, 0),
                                         (size_t)sqlite3_column_bytes(st, 0),
                                         plain, g_secret, &err),
                         0);
    n = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    return n;
}

/* Entries moved, repeated or dropped no longer have the seq and salt of
 * their place, which the compact block form implies: an attacker's block
 * gives each entry the seq (and so the salt) of its new place. Renumbers
 * plain's entries into out from first_seq on. */
static void renumber(const uint8_t *plain, size_t len, uint64_t first_seq,
                     ts_buf *out)
{
    ts_error err;
    size_t off = 0, used;

    out->len = 0;
    for (uint64_t seq = first_seq; off < len; seq++, off += used) {
        ts_sealed_entry e;
        assert_int_equal(
            ts_entry_decode(plain + off, len - off, &e, &used, &err), 0);
        e.seq = seq;
        ts_block_salt(g_secret, seq, e.salt);
        assert_int_equal(ts_entry_encode(&e, out, &err), 0);
    }
}

/* Compresses plain into block `no` with n_entries n (the root is left),
 * renumbering its entries when they are out of place. */
static void write_block(ts_store *store, int64_t no, const uint8_t *plain,
                        size_t len, int64_t n)
{
    sqlite3_stmt *st;
    ts_buf packed, moved;
    ts_error err;

    ts_buf_init(&packed, 1 << 26);
    ts_buf_init(&moved, 1 << 26);
    if (ts_block_pack(g_secret, plain, len, &packed, &err) != 0) {
        renumber(plain, len, (uint64_t)no * BLOCK, &moved);
        assert_int_equal(
            ts_block_pack(g_secret, moved.data, moved.len, &packed, &err), 0);
    }
    ts_buf_release(&moved);
    assert_int_equal(
        sqlite3_prepare_v2(ts_store_sqlite(store),
                           "UPDATE blocks SET data = ?, n_entries = ? "
                           "WHERE block_no = ?",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_blob(st, 1, packed.data, (int)packed.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, n);
    sqlite3_bind_int64(st, 3, no);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(ts_store_sqlite(store)), 1);
    sqlite3_finalize(st);
    ts_buf_release(&packed);
}

/* The length of the CBOR item at p, accepting any (also non-shortest)
 * encoding, so that hashes can be recomputed over entries the store's own
 * decoder refuses. 0 when it does not parse. */
static size_t cbor_item(const uint8_t *p, size_t len)
{
    unsigned mt, ai;
    size_t n, used;
    uint64_t val = 0;

    if (len == 0)
        return 0;
    mt = p[0] >> 5;
    ai = p[0] & 31;
    n = ai < 24    ? 0
        : ai == 24 ? 1
        : ai == 25 ? 2
        : ai == 26 ? 4
        : ai == 27 ? 8
                   : 99;
    if (n == 99 || 1 + n > len)
        return 0;
    val = ai < 24 ? ai : 0;
    for (size_t i = 0; i < n; i++)
        val = val << 8 | p[1 + i];
    used = 1 + n;
    switch (mt) {
    case 0:
    case 1:
    case 7:
        return used;
    case 2:
    case 3:
        return val > len - used ? 0 : used + (size_t)val;
    case 4:
    case 5:
        for (uint64_t i = 0; i < (mt == 5 ? 2 * val : val); i++) {
            size_t k = cbor_item(p + used, len - used);
            if (k == 0)
                return 0;
            used += k;
        }
        return used;
    default: {
        size_t k = cbor_item(p + used, len - used);
        return k ? used + k : 0;
    }
    }
}

/* Offset of entry i in a block's plain bytes. */
static size_t entry_offset(const ts_buf *plain, size_t i)
{
    size_t off = 0;

    for (size_t k = 0; k < i; k++) {
        size_t n = cbor_item(plain->data + off, plain->len - off);
        assert_true(n > 0);
        off += n;
    }
    return off;
}

/* Recomputes everything an attacker who can write the file would: every
 * full block's root, the frontier, and every checkpoint row's root. With
 * rewrite_notes, each note's body is rewritten to the new root and either
 * re-signed with `signer` or, when signer is NULL, given its old signature
 * lines back (a forger without the key). */
static void reseal(ts_store *store, int rewrite_notes, const ts_signer *signer)
{
    sqlite3 *db = ts_store_sqlite(store);
    sqlite3_stmt *st, *up;
    uint8_t(*leaves)[TS_HASH_SIZE] = calloc(4 * N_ENTRIES, TS_HASH_SIZE);
    size_t n_leaves = 0;
    ts_frontier fr;
    ts_buf plain;
    ts_error err;
    uint8_t root[TS_HASH_SIZE];

    assert_non_null(leaves);
    ts_buf_init(&plain, 1 << 26);
    ts_frontier_init(&fr);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT block_no, n_entries, data "
                                        "FROM blocks ORDER BY block_no",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "UPDATE blocks SET root = ? "
                                        "WHERE block_no = ?",
                                        -1, &up, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(st, 1);
        size_t off = 0, first = n_leaves;

        assert_int_equal(ts_block_unpack(sqlite3_column_blob(st, 2),
                                         (size_t)sqlite3_column_bytes(st, 2),
                                         &plain, NULL, &err),
                         0);
        for (int64_t i = 0; i < n; i++) {
            size_t k = cbor_item(plain.data + off, plain.len - off);
            assert_true(k > 0);
            assert_true(n_leaves < 4 * N_ENTRIES);
            ts_merkle_leaf_hash(plain.data + off, k, leaves[n_leaves]);
            ts_frontier_append(&fr, leaves[n_leaves]);
            n_leaves++;
            off += k;
        }
        if (n == BLOCK) {
            ts_merkle_root((const uint8_t(*)[TS_HASH_SIZE])leaves + first,
                           (size_t)n, root);
            sqlite3_bind_blob(up, 1, root, TS_HASH_SIZE, SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_null(up, 1);
        }
        sqlite3_bind_int64(up, 2, sqlite3_column_int64(st, 0));
        assert_int_equal(sqlite3_step(up), SQLITE_DONE);
        sqlite3_reset(up);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(up);

    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT id, tree_size, note FROM "
                                        "checkpoints",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "UPDATE checkpoints SET root = ?, "
                                        "note = ? WHERE id = ?",
                                        -1, &up, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        uint64_t size = (uint64_t)sqlite3_column_int64(st, 1);
        const char *old = (const char *)sqlite3_column_text(st, 2);
        char body[512], *note = NULL;

        if (size > n_leaves)
            continue;
        ts_merkle_root((const uint8_t(*)[TS_HASH_SIZE])leaves, (size_t)size,
                       root);
        if (rewrite_notes) {
            assert_int_equal(ts_checkpoint_format(store->origin, size, root,
                                                  body, sizeof(body), &err),
                             0);
            if (signer != NULL) {
                assert_int_equal(
                    ts_note_sign(signer, body, strlen(body), &note, &err), 0);
            } else {
                const char *sig = strstr(old, "\n\n");
                assert_non_null(sig);
                note = malloc(strlen(body) + strlen(sig));
                assert_non_null(note);
                strcpy(note, body);
                strcat(note, sig + 1);
            }
        } else {
            note = strdup(old);
        }
        sqlite3_bind_blob(up, 1, root, TS_HASH_SIZE, SQLITE_TRANSIENT);
        sqlite3_bind_text(up, 2, note, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(up, 3, sqlite3_column_int64(st, 0));
        assert_int_equal(sqlite3_step(up), SQLITE_DONE);
        sqlite3_reset(up);
        free(note);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(up);

    {
        uint8_t data[8 + 64 * TS_HASH_SIZE];
        size_t len = ts_frontier_serialized_size(&fr);

        ts_frontier_serialize(&fr, data);
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "UPDATE frontier SET tree_size = "
                                            "?, data = ? WHERE id = 1",
                                            -1, &up, NULL),
                         SQLITE_OK);
        sqlite3_bind_int64(up, 1, (int64_t)fr.size);
        sqlite3_bind_blob(up, 2, data, (int)len, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(up), SQLITE_DONE);
        sqlite3_finalize(up);
    }
    ts_buf_release(&plain);
    free(leaves);
}

/* Changes one letter of the record of entry `seq` ("customers" ->
 * "customerr"), recompressing its block: the entry still decodes. */
static void change_record(ts_store *store, uint64_t seq)
{
    int64_t no = (int64_t)(seq / BLOCK), n;
    ts_buf plain;
    size_t off;
    uint8_t *hit;

    ts_buf_init(&plain, 1 << 26);
    n = read_block(store, no, NULL, &plain);
    off = entry_offset(&plain, seq % BLOCK);
    hit = memmem(plain.data + off, plain.len - off, "customers", 9);
    assert_non_null(hit);
    hit[8] = 'r';
    write_block(store, no, plain.data, plain.len, n);
    ts_buf_release(&plain);
}

/* ---- verifying ---- */

static int run_verify(ts_store *store, const char *vkey, const char **kept,
                      size_t n_kept, ts_verify_report *r, ts_error *err)
{
    ts_verify_options opts;

    memset(&opts, 0, sizeof(opts));
    opts.checkpoints = kept;
    opts.n_checkpoints = n_kept;
    opts.vkey = vkey;
    ts_error_clear(err);
    return ts_store_verify(store, &opts, r, err);
}

/* Verifies and checks verdict, location and a piece of the problem.
 * block/entry -2: not checked (reported in the message only). */
static void expect_v(ts_store *store, const char *vkey, const char **kept,
                     size_t n_kept, ts_verdict verdict, int64_t block,
                     int64_t entry, const char *problem, ts_verify_report *r)
{
    ts_error err;
    int rc = run_verify(store, vkey, kept, n_kept, r, &err);

    if (rc != 0)
        fail_msg("verify failed: %d %s", rc, err.msg);
    if (r->verdict != verdict || (block != -2 && r->first_bad_block != block) ||
        (entry != -2 && r->first_bad_entry != entry) ||
        (problem != NULL && strstr(r->problem, problem) == NULL))
        fail_msg("expected %s at block %lld entry %lld ('%s'), got %s at "
                 "block %lld entry %lld: %s",
                 ts_verdict_name(verdict), (long long)block, (long long)entry,
                 problem ? problem : "", ts_verdict_name(r->verdict),
                 (long long)r->first_bad_block, (long long)r->first_bad_entry,
                 r->problem);
    if (verdict == TS_VERDICT_INTACT)
        assert_string_equal(r->problem, "");
}

static void expect_tampered(ts_store *store, int64_t block, int64_t entry,
                            const char *problem)
{
    ts_verify_report r;

    expect_v(store, NULL, NULL, 0, TS_VERDICT_TAMPERED, block, entry, problem,
             &r);
}

/* The same, and the report names the checkpoint of this tree size (-1:
 * none). */
static void expect_tampered_at(ts_store *store, int64_t block, int64_t entry,
                               int64_t checkpoint, const char *problem)
{
    ts_verify_report r;

    expect_v(store, NULL, NULL, 0, TS_VERDICT_TAMPERED, block, entry, problem,
             &r);
    if (r.checkpoint != checkpoint)
        fail_msg("expected checkpoint %lld to be named, got %lld (%s)",
                 (long long)checkpoint, (long long)r.checkpoint, r.problem);
}

/* ---- group setup ---- */

static int group_setup(void **state)
{
    char p[128];
    ts_store *store = NULL;
    ts_error err;

    (void)state;
    strcpy(g_dir, "/tmp/ts-tamper-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    ts_error_clear(&err);

    path_of(p, sizeof(p), "base.db");
    if (ts_store_create_with(&store, p, &g_block_opts, &err) != 0)
        return -1;
    ingest(store, EARLY, 'a', "alice", BATCH);
    ts_store_free(store);
    copy_store("base.db", "early.db");
    store = open_store("base.db", 0);
    ingest(store, N_ENTRIES, 'a', "alice", BATCH);
    g_newest = checkpoint_note(store, N_ENTRIES);
    g_at_early = checkpoint_note(store, EARLY);
    assert_int_equal(ts_store_verifier_key(store, g_vkey, sizeof(g_vkey), &err),
                     0);
    ts_store_free(store);

    copy_store("early.db", "fork.db");
    store = open_store("fork.db", 0);
    ingest(store, FORK_EXTRA, 'b', "mallory", BATCH);
    g_fork_4900 = checkpoint_note(store, EARLY + BATCH);
    g_fork_newest = checkpoint_note(store, EARLY + FORK_EXTRA);
    ts_store_free(store);

    path_of(p, sizeof(p), "other.db");
    if (ts_store_create_with(&store, p, &g_block_opts, &err) != 0)
        return -1;
    ingest(store, 2 * BLOCK, 'a', "alice", 2 * BLOCK);
    g_other_newest = checkpoint_note(store, 2 * BLOCK);
    ts_store_free(store);
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[128];

    (void)state;
    free(g_newest);
    free(g_at_early);
    free(g_fork_4900);
    free(g_fork_newest);
    free(g_other_newest);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- cases ---- */

static void test_untouched(void **state)
{
    ts_store *store = work_copy("base.db");
    const char *kept[] = {g_at_early, g_newest};
    ts_verify_report r;

    (void)state;
    expect_v(store, NULL, NULL, 0, TS_VERDICT_INTACT, -1, -1, NULL, &r);
    assert_int_equal(r.entries, N_ENTRIES);
    assert_int_equal(r.blocks, 10);
    assert_int_equal(r.checkpoints, 15);
    assert_int_equal(r.anchored, 0);
    expect_v(store, g_vkey, kept, 2, TS_VERDICT_INTACT, -1, -1, NULL, &r);
    assert_int_equal(r.anchored, 1);
    assert_int_equal(r.n_kept, 2);
    assert_int_equal(r.kept[0].status, TS_VERDICT_INTACT);
    assert_int_equal(r.kept[1].tree_size, N_ENTRIES);
    assert_int_equal(r.kept[1].status, TS_VERDICT_INTACT);
    ts_store_free(store);
}

/* One bit flipped in every byte of block 0's stored zstd frame, one at a
 * time (bit i % 8 of byte i), each restored before the next. A flip that
 * still decompresses to the very same entries changes no evidence and must
 * verify intact; every other one must be tampered at block 0. */
static void test_flip_every_byte_of_block_0(void **state)
{
    ts_store *store = work_copy("base.db");
    sqlite3 *db = ts_store_sqlite(store);
    ts_buf packed, plain, check;
    size_t same = 0, undecodable = 0;
    ts_error err;

    (void)state;
    ts_buf_init(&packed, 1 << 26);
    ts_buf_init(&plain, 1 << 26);
    ts_buf_init(&check, 1 << 26);
    read_block(store, 0, &packed, &plain);
    assert_true(packed.len > 1000);
    /* Parts split at fixed offsets (the frame's length varies a little
     * with the random salts), the last one running to the end: together
     * they cover every byte. */
    assert_true(packed.len > TS_FLIP_SPAN / g_parts * (g_parts - 1));
    for (size_t i = TS_FLIP_SPAN / g_parts * g_part,
                end = g_part + 1 == g_parts
                          ? packed.len
                          : TS_FLIP_SPAN / g_parts * (g_part + 1);
         i < end; i++) {
        sqlite3_blob *blob;
        uint8_t orig = packed.data[i], bad = orig ^ (uint8_t)(1u << (i % 8));
        ts_verify_report r;
        int differs;

        assert_int_equal(
            sqlite3_blob_open(db, "main", "blocks", "data", 0, 1, &blob),
            SQLITE_OK);
        assert_int_equal(sqlite3_blob_write(blob, &bad, 1, (int)i), SQLITE_OK);
        sqlite3_blob_close(blob);

        packed.data[i] = bad;
        differs =
            ts_block_unpack(packed.data, packed.len, &check, NULL, &err) != 0 ||
            check.len != plain.len ||
            memcmp(check.data, plain.data, plain.len) != 0;
        packed.data[i] = orig;
        if (differs) {
            expect_v(store, NULL, NULL, 0, TS_VERDICT_TAMPERED, 0, -2,
                     "block 0", &r);
            if (r.first_bad_entry < 0 || r.first_bad_entry >= BLOCK)
                fail_msg("byte %zu: first bad entry %lld is not in block 0", i,
                         (long long)r.first_bad_entry);
            undecodable += strstr(r.problem, "zstd") != NULL;
        } else {
            expect_v(store, NULL, NULL, 0, TS_VERDICT_INTACT, -1, -1, NULL, &r);
            same++;
        }

        assert_int_equal(
            sqlite3_blob_open(db, "main", "blocks", "data", 0, 1, &blob),
            SQLITE_OK);
        assert_int_equal(sqlite3_blob_write(blob, &orig, 1, (int)i), SQLITE_OK);
        sqlite3_blob_close(blob);
    }
    print_message("block 0 (%zu bytes), part %u of %u: %zu did not "
                  "decompress, %zu decompressed to the same entries "
                  "(intact)\n",
                  packed.len, g_part + 1, g_parts, undecodable, same);
    {
        ts_verify_report r; /* every flip was restored */
        expect_v(store, NULL, NULL, 0, TS_VERDICT_INTACT, -1, -1, NULL, &r);
    }
    ts_buf_release(&packed);
    ts_buf_release(&plain);
    ts_buf_release(&check);
    ts_store_free(store);
}

/* One bit flipped in every byte of one checkpoint note (the one at 7000). */
static void test_flip_every_byte_of_a_checkpoint(void **state)
{
    ts_store *store = work_copy("base.db");
    char *note = checkpoint_note(store, 7000);
    int64_t id = checkpoint_id(store, 7000);
    size_t len = strlen(note);
    char where[64];
    sqlite3_stmt *up;

    (void)state;
    snprintf(where, sizeof(where), "checkpoint %lld", (long long)id);
    assert_int_equal(sqlite3_prepare_v2(ts_store_sqlite(store),
                                        "UPDATE checkpoints SET note = ? "
                                        "WHERE id = ?",
                                        -1, &up, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i <= len; i++) {
        char *bad = strdup(note);
        ts_verify_report r;

        assert_non_null(bad);
        if (i < len)
            bad[i] ^= (char)(1u << (i % 8));
        sqlite3_bind_text(up, 1, bad, (int)len, SQLITE_TRANSIENT);
        sqlite3_bind_int64(up, 2, id);
        assert_int_equal(sqlite3_step(up), SQLITE_DONE);
        sqlite3_reset(up);
        if (i == len) /* restored */
            expect_v(store, NULL, NULL, 0, TS_VERDICT_INTACT, -1, -1, NULL, &r);
        else {
            expect_v(store, NULL, NULL, 0, TS_VERDICT_TAMPERED, -1, -1, where,
                     &r);
            assert_int_equal(r.checkpoint, 7000);
        }
        free(bad);
    }
    sqlite3_finalize(up);
    free(note);
    ts_store_free(store);
}

/* A record changed and every hash recomputed, but no key to sign with. */
static void test_record_changed_hashes_recomputed(void **state)
{
    ts_store *store = work_copy("base.db");

    (void)state;
    change_record(store, 3 * BLOCK + 500); /* entry 3572 */
    reseal(store, 0, NULL);
    /* The rows' roots no longer match their signed notes, and the entries
     * no longer match the note at 4200: entries 3500..4199 (after the last
     * checkpoint that still matches) hold the change, in block 4 where the
     * tree reaches 4200. */
    expect_tampered_at(store, 4, 3500, EARLY,
                       "entries 3500..4199 do not match the root signed by "
                       "checkpoint");
    expect_tampered_at(store, 4, 3500, EARLY, "differs from its row");
    ts_store_free(store);

    /* Only a row's root changed (entries and notes untouched): the
     * entries match the note, the row is what is wrong. */
    store = work_copy("base.db");
    exec_sql(store,
             "UPDATE checkpoints SET root = zeroblob(32) WHERE tree_size = %d",
             EARLY);
    expect_tampered_at(store, -1, -1, EARLY,
                       "(size 4200): signed note differs from its row (size "
                       "4200); entries 0..4199 match the note");
    ts_store_free(store);

    store = work_copy("base.db");
    change_record(store, 3 * BLOCK + 500);
    reseal(store, 1, NULL);
    /* The notes' bodies rewritten too, old signature lines kept: the first
     * checkpoint after entry 3572 (at 4200) no longer verifies. */
    {
        char where[64];
        snprintf(where, sizeof(where), "checkpoint %lld (size 4200): signature",
                 (long long)checkpoint_id(store, 4200));
        expect_tampered_at(store, -1, -1, EARLY, where);
    }
    ts_store_free(store);
}

/* The same, re-signed with another key named like the store's, and that
 * key's verifier written into meta. */
static void test_resigned_with_another_key(void **state)
{
    ts_store *store = work_copy("base.db");
    const char *kept[] = {g_newest};
    ts_signer forger;
    ts_verifier fv;
    char ftext[512];
    ts_verify_report r;
    ts_error err;

    (void)state;
    assert_int_equal(ts_signer_generate(&forger, store->origin, &err), 0);
    ts_signer_verifier(&forger, &fv);
    assert_int_equal(ts_verifier_format(&fv, ftext, sizeof(ftext), &err), 0);
    change_record(store, 3 * BLOCK + 500);
    reseal(store, 1, &forger);
    exec_sql(store,
             "UPDATE meta SET value = CAST('%s' AS BLOB) WHERE key = "
             "'verifier_key'",
             ftext);
    ts_store_free(store);

    /* Trusted key given: the first checkpoint fails its signature. */
    store = open_store("work.db", TS_STORE_READONLY | TS_STORE_NO_KEY);
    expect_v(store, g_vkey, NULL, 0, TS_VERDICT_TAMPERED, -1, -1, "signature",
             &r);
    /* A kept checkpoint signed by the trusted key cannot help the forger. */
    expect_v(store, g_vkey, kept, 1, TS_VERDICT_TAMPERED, -1, -1, "signature",
             &r);
    /* Only the key recorded in the store: it cannot know (the forger
     * replaced that key); this is why --vkey / the key file exist. */
    expect_v(store, NULL, NULL, 0, TS_VERDICT_INTACT, -1, -1, NULL, &r);
    /* ...and a kept checkpoint signed by the original key is then refused. */
    assert_int_equal(run_verify(store, NULL, kept, 1, &r, &err), TS_EINVAL);
    ts_store_free(store);

    /* With the key file (the original key), the store does not even open:
     * its recorded key is not the key file's (trailseal verify: exit 2). */
    {
        char p[128];
        ts_store *s2 = NULL;

        path_of(p, sizeof(p), "work.db");
        ts_error_clear(&err);
        assert_int_not_equal(ts_store_open(&s2, p, 0, &err), 0);
        assert_null(s2);
        assert_non_null(strstr(err.msg, "key does not match"));
    }
}

/* An insider WITH the key rewrites history: nothing inside the store can
 * tell; a checkpoint an auditor kept says forked. */
static void test_rewritten_with_the_key(void **state)
{
    ts_store *store = work_copy("base.db");
    const char *kept[] = {g_at_early, g_newest};
    ts_verify_report r;

    (void)state;
    change_record(store, 5 * BLOCK + 7);
    reseal(store, 1, &store->signer);
    expect_v(store, NULL, NULL, 0, TS_VERDICT_INTACT, -1, -1, NULL, &r);
    assert_int_equal(r.anchored, 0);
    expect_v(store, NULL, kept, 2, TS_VERDICT_FORKED, -2, -2, "forked", &r);
    assert_int_equal(r.anchored, 1); /* the one at 4200 still agrees */
    assert_int_equal(r.kept[0].status, TS_VERDICT_INTACT);
    assert_int_equal(r.kept[1].status, TS_VERDICT_FORKED);
    ts_store_free(store);
}

static void test_block_deleted(void **state)
{
    ts_store *store = work_copy("base.db");

    (void)state;
    exec_sql(store, "DELETE FROM blocks WHERE block_no = 5");
    expect_tampered(store, 5, 5 * BLOCK, "block 5 is missing");
    ts_store_free(store);
}

static void test_entry_deleted(void **state)
{
    ts_store *store = work_copy("base.db");
    ts_buf plain;
    size_t off, next;

    (void)state;
    ts_buf_init(&plain, 1 << 26);
    read_block(store, 4, NULL, &plain);
    off = entry_offset(&plain, 10);
    next = off + cbor_item(plain.data + off, plain.len - off);
    memmove(plain.data + off, plain.data + next, plain.len - next);
    plain.len -= next - off;
    write_block(store, 4, plain.data, plain.len, BLOCK - 1);
    /* renumbered (write_block): entry 4106 holds 4107's record, so the
     * range signed by the checkpoint over it no longer matches */
    expect_tampered(store, 4, 3500, "entries 3500..4199 do not match");
    ts_buf_release(&plain);
    ts_store_free(store);
}

/* The newest entry cut from the tail block with n_entries lowered. */
static void test_last_entry_deleted(void **state)
{
    ts_store *store = work_copy("base.db");
    ts_buf plain;
    size_t off;

    (void)state;
    ts_buf_init(&plain, 1 << 26);
    read_block(store, 9, NULL, &plain);
    off = entry_offset(&plain, N_ENTRIES - 9 * BLOCK - 1);
    write_block(store, 9, plain.data, off, N_ENTRIES - 9 * BLOCK - 1);
    /* The newest checkpoint signs one entry more than the store holds
     * (the frontier neither matches; the signed checkpoint is reported). */
    expect_tampered_at(store, 9, N_ENTRIES - 1, N_ENTRIES,
                       "signs 10000 entries but the store holds 9999");
    ts_buf_release(&plain);
    ts_store_free(store);
}

/* Block 2 duplicated as block 3, later blocks renumbered up. */
static void test_block_inserted(void **state)
{
    ts_store *store = work_copy("base.db");

    (void)state;
    exec_sql(store, "UPDATE blocks SET block_no = block_no + 100 WHERE "
                    "block_no >= 3;"
                    "UPDATE blocks SET block_no = block_no - 99,"
                    " first_seq = first_seq + 1024 WHERE block_no >= 100;"
                    "INSERT INTO blocks SELECT 3, 3072, n_entries, data, root"
                    " FROM blocks WHERE block_no = 2");
    expect_tampered(store, 3, 3 * BLOCK, "says it is entry 2048");
    ts_store_free(store);

    /* ...or appended after the tail block. */
    store = work_copy("base.db");
    exec_sql(store, "INSERT INTO blocks SELECT 10, 10240, n_entries, data, "
                    "root FROM blocks WHERE block_no = 2");
    expect_tampered(store, 10, 10 * BLOCK, "block 10: bad header");
    ts_store_free(store);
}

/* Entry 10 of block 4 repeated (n_entries unchanged). */
static void test_entry_inserted(void **state)
{
    ts_store *store = work_copy("base.db");
    ts_buf plain, out;
    size_t off, next;
    ts_error err;

    (void)state;
    ts_buf_init(&plain, 1 << 26);
    ts_buf_init(&out, 1 << 26);
    read_block(store, 4, NULL, &plain);
    off = entry_offset(&plain, 10);
    next = off + cbor_item(plain.data + off, plain.len - off);
    assert_int_equal(ts_buf_append(&out, plain.data, next, &err), 0);
    assert_int_equal(ts_buf_append(&out, plain.data + off, next - off, &err),
                     0);
    assert_int_equal(
        ts_buf_append(&out, plain.data + next, plain.len - next, &err), 0);
    write_block(store, 4, out.data, out.len, BLOCK);
    expect_tampered(store, 4, 3500, "entries 3500..4199 do not match");
    ts_buf_release(&plain);
    ts_buf_release(&out);
    ts_store_free(store);
}

/* A bit of block 3's secret flipped (byte 1 of its stored form,
 * schemas/block.md): every entry of the block gets another salt, so its
 * leaves, its root and the checkpoints over it no longer match. */
static void test_block_secret_flipped(void **state)
{
    ts_store *store = work_copy("base.db");
    sqlite3 *db = ts_store_sqlite(store);
    sqlite3_blob *blob;
    uint8_t byte;

    (void)state;
    assert_int_equal(
        sqlite3_blob_open(db, "main", "blocks", "data", 3, 1, &blob),
        SQLITE_OK);
    assert_int_equal(sqlite3_blob_read(blob, &byte, 1, 1), SQLITE_OK);
    byte ^= 0x10;
    assert_int_equal(sqlite3_blob_write(blob, &byte, 1, 1), SQLITE_OK);
    sqlite3_blob_close(blob);
    expect_tampered(store, 3, 2800, "entries 2800..3499 do not match");
    ts_store_free(store);
}

/* Two blocks' data (and roots) swapped. */
static void test_blocks_swapped(void **state)
{
    ts_store *store = work_copy("base.db");

    (void)state;
    exec_sql(store,
             "CREATE TEMP TABLE t AS SELECT block_no, data, root FROM blocks"
             " WHERE block_no IN (2, 3);"
             "UPDATE blocks SET data = (SELECT data FROM t WHERE block_no ="
             " 5 - blocks.block_no), root = (SELECT root FROM t WHERE"
             " block_no = 5 - blocks.block_no) WHERE block_no IN (2, 3)");
    expect_tampered(store, 2, 2 * BLOCK, "says it is entry 3072");
    ts_store_free(store);
}

/* Entries 0 and 1 of block 6 swapped. */
static void test_entries_swapped(void **state)
{
    ts_store *store = work_copy("base.db");
    ts_buf plain, out;
    size_t a, b;
    ts_error err;

    (void)state;
    ts_buf_init(&plain, 1 << 26);
    ts_buf_init(&out, 1 << 26);
    read_block(store, 6, NULL, &plain);
    a = cbor_item(plain.data, plain.len);
    b = cbor_item(plain.data + a, plain.len - a);
    assert_int_equal(ts_buf_append(&out, plain.data + a, b, &err), 0);
    assert_int_equal(ts_buf_append(&out, plain.data, a, &err), 0);
    assert_int_equal(
        ts_buf_append(&out, plain.data + a + b, plain.len - a - b, &err), 0);
    write_block(store, 6, out.data, out.len, BLOCK);
    expect_tampered(store, 6, 5600, "entries 5600..6299 do not match");
    ts_buf_release(&plain);
    ts_buf_release(&out);
    ts_store_free(store);
}

/* Block 4's data and root replaced by block 3's. */
static void test_block_duplicated(void **state)
{
    ts_store *store = work_copy("base.db");

    (void)state;
    exec_sql(store, "UPDATE blocks SET (data, root) = (SELECT data, root FROM"
                    " blocks WHERE block_no = 3) WHERE block_no = 4");
    expect_tampered(store, 4, 4 * BLOCK, "says it is entry 3072");
    ts_store_free(store);
}

/* The newest 3,000 entries cut, with their checkpoints, and the tail block
 * and frontier rewritten consistently: the store alone cannot know. */
static void test_truncated_consistently(void **state)
{
    ts_store *store = work_copy("base.db");
    const char *kept[] = {g_at_early, g_newest};
    ts_buf plain;
    ts_verify_report r;

    (void)state;
    ts_buf_init(&plain, 1 << 26);
    read_block(store, 6, NULL, &plain);
    plain.len = entry_offset(&plain, 7000 - 6 * BLOCK);
    write_block(store, 6, plain.data, plain.len, 7000 - 6 * BLOCK);
    exec_sql(store, "DELETE FROM blocks WHERE block_no > 6;"
                    "UPDATE blocks SET root = NULL WHERE block_no = 6;"
                    "DELETE FROM checkpoints WHERE tree_size > 7000");
    reseal(store, 0, NULL);

    expect_v(store, NULL, NULL, 0, TS_VERDICT_INTACT, -1, -1, NULL, &r);
    assert_int_equal(r.entries, 7000);
    assert_int_equal(r.anchored, 0); /* unanchored: it cannot know */

    expect_v(store, NULL, kept + 1, 1, TS_VERDICT_ROLLED_BACK, -2, -2,
             "rolled back", &r);
    assert_int_equal(r.anchored, 0);
    assert_int_equal(r.kept[0].status, TS_VERDICT_ROLLED_BACK);

    expect_v(store, NULL, kept, 2, TS_VERDICT_ROLLED_BACK, -2, -2,
             "signs 10000 entries but the store holds 7000", &r);
    assert_int_equal(r.anchored, 1);
    ts_buf_release(&plain);
    ts_store_free(store);
}

/* An older copy of the file put back (4,200 entries). */
static void test_older_copy_restored(void **state)
{
    ts_store *store = work_copy("early.db");
    const char *kept[] = {g_newest};
    ts_verify_report r;

    (void)state;
    expect_v(store, NULL, NULL, 0, TS_VERDICT_INTACT, -1, -1, NULL, &r);
    assert_int_equal(r.anchored, 0);
    expect_v(store, g_vkey, kept, 1, TS_VERDICT_ROLLED_BACK, -2, -2,
             "rolled back", &r);
    assert_int_equal(r.entries, EARLY);
    assert_int_equal(r.kept[0].tree_size, N_ENTRIES);
    assert_int_equal(r.kept[0].status, TS_VERDICT_ROLLED_BACK);
    ts_store_free(store);
}

/* Two stores sharing a key diverge at entry 4200. */
static void test_forked(void **state)
{
    ts_store *store = work_copy("base.db");
    const char *kept[] = {g_at_early, g_fork_4900, g_fork_newest};
    const char *newest[] = {g_newest};
    ts_verify_report r;

    (void)state;
    expect_v(store, g_vkey, kept + 2, 1, TS_VERDICT_FORKED, -2, -2, "forked",
             &r);
    assert_int_equal(r.anchored, 0);
    assert_int_equal(r.kept[0].tree_size, EARLY + FORK_EXTRA);
    assert_int_equal(r.kept[0].status, TS_VERDICT_FORKED);
    expect_v(store, g_vkey, kept, 3, TS_VERDICT_FORKED, -2, -2, "forked", &r);
    assert_int_equal(r.anchored, 1);
    assert_int_equal(r.kept[0].status, TS_VERDICT_INTACT);
    assert_int_equal(r.kept[1].status, TS_VERDICT_FORKED);
    assert_int_equal(r.kept[2].status, TS_VERDICT_FORKED);
    ts_store_free(store);

    /* The other way round: fork.db (7,200) against base.db's 10,000 is
     * reported rolled back -- a larger checkpoint cannot be told apart. */
    store = work_copy("fork.db");
    expect_v(store, g_vkey, newest, 1, TS_VERDICT_ROLLED_BACK, -2, -2,
             "rolled back", &r);
    expect_v(store, g_vkey, kept, 1, TS_VERDICT_INTACT, -1, -1, NULL, &r);
    assert_int_equal(r.anchored, 1);
    ts_store_free(store);
}

/* A kept checkpoint that is not this store's, or not validly signed. */
static void test_unusable_kept_checkpoint(void **state)
{
    ts_store *store = work_copy("base.db");
    const char *other[] = {g_other_newest};
    char *bad = strdup(g_newest);
    const char *flipped[] = {bad};
    ts_verify_report r;
    ts_error err;

    (void)state;
    assert_int_equal(run_verify(store, NULL, other, 1, &r, &err), TS_EINVAL);
    assert_non_null(strstr(err.msg, "signed by"));
    bad[strlen(bad) - 5] ^= 1; /* in the signature */
    assert_int_equal(run_verify(store, NULL, flipped, 1, &r, &err), TS_EINVAL);
    free(bad);
    ts_store_free(store);
}

/* Block 1 replaced by block 1 of another store (its root too). */
static void test_block_from_another_store(void **state)
{
    ts_store *store = work_copy("base.db");
    char p[128];

    (void)state;
    path_of(p, sizeof(p), "other.db");
    exec_sql(store,
             "ATTACH '%s' AS o;"
             "UPDATE blocks SET (data, root) = (SELECT data, root FROM"
             " o.blocks WHERE block_no = 1) WHERE block_no = 1;"
             "DETACH o",
             p);
    expect_tampered(store, 1, BLOCK, "another store");
    ts_store_free(store);
}

/* Entry 100 re-encoded with its seq as 0x19 0x00 0x64 instead of 0x18 0x64:
 * blocks store the entries' fields and rebuild the canonical encoding, so
 * such a block cannot even be written (format 1 stored encodings; there the
 * decoder refused it). */
static void test_non_canonical_entry(void **state)
{
    ts_store *store = work_copy("base.db");
    ts_buf plain, out;
    size_t off;
    ts_error err;

    (void)state;
    ts_buf_init(&plain, 1 << 26);
    ts_buf_init(&out, 1 << 26);
    read_block(store, 0, NULL, &plain);
    off = entry_offset(&plain, 100);
    /* a9 01 50 <16 bytes> 02 18 64 */
    assert_int_equal(plain.data[off + 19], 0x02);
    assert_int_equal(plain.data[off + 20], 0x18);
    assert_int_equal(plain.data[off + 21], 100);
    assert_int_equal(ts_buf_append(&out, plain.data, off + 20, &err), 0);
    assert_int_equal(ts_buf_append(&out, "\x19\x00", 2, &err), 0);
    assert_int_equal(
        ts_buf_append(&out, plain.data + off + 21, plain.len - off - 21, &err),
        0);
    /* The stored block holds fields, not encodings: a non-canonical
     * encoding cannot be stored, and every entry is rebuilt canonically. */
    {
        ts_buf packed;
        ts_buf_init(&packed, 1 << 26);
        assert_int_equal(
            ts_block_pack(g_secret, out.data, out.len, &packed, &err),
            TS_ECORRUPT);
        ts_buf_release(&packed);
    }
    ts_buf_release(&plain);
    ts_buf_release(&out);
    ts_store_free(store);
}

static void test_checkpoints_deleted_or_reordered(void **state)
{
    ts_store *store = work_copy("base.db");
    ts_verify_report r;

    (void)state;
    exec_sql(store, "DELETE FROM checkpoints WHERE tree_size = %d", N_ENTRIES);
    expect_tampered_at(
        store, 9, 9800, 9800,
        "entries 9800..9999 after the newest checkpoint are not signed");
    ts_store_free(store);

    store = work_copy("base.db");
    exec_sql(store, "DELETE FROM checkpoints");
    expect_tampered_at(
        store, 0, 0, -1,
        "entries 0..9999 after the newest checkpoint are not signed");
    ts_store_free(store);

    /* An older checkpoint deleted: every later one still commits to its
     * entries, so nothing signed is lost (intact, by design). */
    store = work_copy("base.db");
    exec_sql(store, "DELETE FROM checkpoints WHERE tree_size = %d", EARLY);
    expect_v(store, NULL, NULL, 0, TS_VERDICT_INTACT, -1, -1, NULL, &r);
    assert_int_equal(r.checkpoints, 14);
    ts_store_free(store);

    /* Two rows' notes swapped. */
    store = work_copy("base.db");
    exec_sql(store,
             "CREATE TEMP TABLE t AS SELECT tree_size, note FROM checkpoints"
             " WHERE tree_size IN (4200, 4900);"
             "UPDATE checkpoints SET note = (SELECT note FROM t WHERE"
             " tree_size = 9100 - checkpoints.tree_size)"
             " WHERE tree_size IN (4200, 4900)");
    /* Each note still matches the entries: the rows are what is wrong;
     * the row holding 4200's note is named first. */
    expect_tampered_at(store, -1, -1, EARLY,
                       "(size 4200): signed note differs from its row (size "
                       "4900)");
    ts_store_free(store);

    /* Two rows' ids swapped (order of insertion): harmless, checkpoints are
     * read in tree-size order. */
    store = work_copy("base.db");
    exec_sql(store, "UPDATE checkpoints SET id = -id WHERE tree_size IN "
                    "(4200, 4900);"
                    "UPDATE checkpoints SET id = (SELECT -id FROM checkpoints"
                    " c WHERE c.tree_size = 9100 - checkpoints.tree_size)"
                    " WHERE tree_size IN (4200, 4900)");
    expect_v(store, NULL, NULL, 0, TS_VERDICT_INTACT, -1, -1, NULL, &r);
    ts_store_free(store);
}

static void test_frontier_tampered(void **state)
{
    ts_store *store = work_copy("base.db");

    (void)state;
    exec_sql(store, "DELETE FROM frontier");
    expect_tampered_at(store, -1, -1, N_ENTRIES,
                       "frontier is missing; the entries match checkpoint");
    ts_store_free(store);

    /* 10000 = 8192 + 1024 + 512 + 256 + 16: five subtrees. The first
     * zeroed: wrong from entry 0 on; the last: from 9984 on. */
    store = work_copy("base.db");
    exec_sql(store, "UPDATE frontier SET data = substr(data, 1, 8) ||"
                    " zeroblob(32) || substr(data, 41)");
    expect_tampered_at(store, 0, 0, N_ENTRIES,
                       "does not match the 10000 entries from entry 0 on; the "
                       "entries match checkpoint");
    ts_store_free(store);

    store = work_copy("base.db");
    exec_sql(store, "UPDATE frontier SET data = substr(data, 1, 136) ||"
                    " zeroblob(32)");
    expect_tampered_at(store, 9, 9984, N_ENTRIES, "from entry 9984 on");
    ts_store_free(store);

    /* Its size claims one entry fewer (9999 = ...256 + 8 + 4 + 2 + 1). */
    store = work_copy("base.db");
    exec_sql(store, "UPDATE frontier SET tree_size = 9999");
    expect_tampered_at(store, -1, -1, N_ENTRIES, "row says 9999");
    ts_store_free(store);
}

/* test_tamper              every case
 * test_tamper others       every case but the block 0 flips
 * test_tamper flips K N    the block 0 flips, part K (0-based) of N */
int main(int argc, char **argv)
{
    const struct CMUnitTest flips[] = {
        cmocka_unit_test(test_flip_every_byte_of_block_0),
    };
    const struct CMUnitTest others[] = {
        cmocka_unit_test(test_untouched),
        cmocka_unit_test(test_flip_every_byte_of_a_checkpoint),
        cmocka_unit_test(test_record_changed_hashes_recomputed),
        cmocka_unit_test(test_resigned_with_another_key),
        cmocka_unit_test(test_rewritten_with_the_key),
        cmocka_unit_test(test_block_deleted),
        cmocka_unit_test(test_entry_deleted),
        cmocka_unit_test(test_last_entry_deleted),
        cmocka_unit_test(test_block_inserted),
        cmocka_unit_test(test_entry_inserted),
        cmocka_unit_test(test_blocks_swapped),
        cmocka_unit_test(test_entries_swapped),
        cmocka_unit_test(test_block_secret_flipped),
        cmocka_unit_test(test_block_duplicated),
        cmocka_unit_test(test_truncated_consistently),
        cmocka_unit_test(test_older_copy_restored),
        cmocka_unit_test(test_forked),
        cmocka_unit_test(test_unusable_kept_checkpoint),
        cmocka_unit_test(test_block_from_another_store),
        cmocka_unit_test(test_non_canonical_entry),
        cmocka_unit_test(test_checkpoints_deleted_or_reordered),
        cmocka_unit_test(test_frontier_tampered),
    };
    int rc = 0;

    if (argc == 4 && strcmp(argv[1], "flips") == 0) {
        g_part = (unsigned)strtoul(argv[2], NULL, 10);
        g_parts = (unsigned)strtoul(argv[3], NULL, 10);
        if (g_parts == 0 || g_part >= g_parts)
            return 2;
        return cmocka_run_group_tests(flips, group_setup, group_teardown);
    }
    if (argc == 2 && strcmp(argv[1], "others") == 0)
        return cmocka_run_group_tests(others, group_setup, group_teardown);
    if (argc != 1)
        return 2;
    rc = cmocka_run_group_tests(others, group_setup, group_teardown);
    return rc | cmocka_run_group_tests(flips, group_setup, group_teardown);
}
