/* Sealing: entries from a source become CBOR leaves of the Merkle log, packed
 * into zstd blocks and committed with their index rows, the source's cursor
 * and a signed checkpoint in one transaction per batch. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "store/store_internal.h"
#include "trailseal/time.h"

#define TS_DEFAULT_BATCH 50000
#define TS_DEFAULT_CHECKPOINT_INTERVAL_US (60 * 1000000LL)
/* The log starts over only when a write transaction begins with every
 * frame copied, so every few commits the writer waits for the copier: the
 * log holds at most this many batches. */
#define TS_WAL_SETTLE_COMMITS 4

typedef struct sealer {
    ts_store *store;
    ts_source *src;
    const ts_ingest_options *opts;
    ts_index_writer *index;
    ts_frontier frontier;
    ts_buf block;                         /* CBOR of the open block's entries */
    ts_buf packed;                        /* compressed block */
    uint8_t (*leaves)[TS_HASH_SIZE];      /* leaf hashes of the open block */
    uint64_t block_n;                     /* entries in the open block */
    uint8_t secret[TS_BLOCK_SECRET_SIZE]; /* the open block's (block.c) */
    int64_t source_id;
    uint8_t source_key[TS_HASH_SIZE];
    uint64_t cursor_position, cursor_line, source_entries;
    /* A known source is read again from its start up to its cursor and the
     * bytes compared with what was sealed, so a different stream that only
     * begins the same way is never skipped as "already sealed". */
    EVP_MD_CTX *content; /* SHA-256 of the source's bytes so far */
    int replaying;
    uint64_t replayed; /* bytes of the sealed part read again */
    uint8_t sealed_sha256[TS_HASH_SIZE];
    char sealed_name[256];
    int in_tx;
    uint64_t pending;        /* entries since the last commit */
    uint64_t committed_size; /* the tree's size at the last commit */
    int64_t last_commit_us;
    sqlite3_stmt *put_block;
    ts_wal_copier *copier; /* NULL: SQLite copies the log inside COMMIT */
    unsigned unsettled;    /* commits since the copier last caught up */
    ts_ingest_stats stats;
} sealer;

static void sealer_release(sealer *s)
{
    if (s->in_tx)
        sqlite3_exec(s->store->db, "ROLLBACK", NULL, NULL, NULL);
    ts_wal_copier_stop(s->copier);
    ts_index_writer_free(s->index);
    EVP_MD_CTX_free(s->content);
    sqlite3_finalize(s->put_block);
    ts_buf_release(&s->block);
    ts_buf_release(&s->packed);
    free(s->leaves);
}

/* Loads the frontier and, when the tail block is incomplete, its entries
 * and leaf hashes, so new entries continue it. */
static int load_tree(sealer *s, ts_error *err)
{
    ts_store *store = s->store;
    sqlite3_stmt *st = NULL;
    uint64_t tree_size = 0;
    int rc;

    ts_frontier_init(&s->frontier);
    rc = ts_store_prepare(store,
                          "SELECT tree_size, data FROM frontier WHERE id = 1",
                          &st, "reading the frontier", err);
    if (rc != 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        tree_size = (uint64_t)sqlite3_column_int64(st, 0);
        rc = ts_frontier_deserialize(&s->frontier, sqlite3_column_blob(st, 1),
                                     (size_t)sqlite3_column_bytes(st, 1), err);
        if (rc == 0 && s->frontier.size != tree_size)
            rc = ts_error_set(err, TS_ECORRUPT,
                              "frontier says %llu entries, its row %llu",
                              (unsigned long long)s->frontier.size,
                              (unsigned long long)tree_size);
    }
    sqlite3_finalize(st);
    if (rc != 0)
        return ts_error_prefix(err, "'%s': ", store->path);
    s->committed_size = tree_size;
    if (tree_size % store->block_entries == 0)
        return 0;

    uint64_t block_no = tree_size / store->block_entries;
    rc = ts_store_prepare(
        store, "SELECT n_entries, data FROM blocks WHERE block_no = ?", &st,
        "reading the tail block", err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)block_no);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = ts_error_set(err, TS_ECORRUPT, "'%s': tail block %llu is missing",
                          store->path, (unsigned long long)block_no);
    } else {
        uint64_t n = (uint64_t)sqlite3_column_int64(st, 0);
        ts_buf plain;
        ts_buf_init(&plain, TS_MAX_ENTRY_SIZE * 4);
        rc = ts_block_unpack(sqlite3_column_blob(st, 1),
                             (size_t)sqlite3_column_bytes(st, 1), &plain,
                             s->secret, err);
        size_t off = 0;
        for (uint64_t i = 0; rc == 0 && i < n; i++) {
            ts_sealed_entry e;
            size_t used = 0;
            rc = ts_entry_decode(plain.data + off, plain.len - off, &e, &used,
                                 err);
            if (rc == 0 && e.seq != block_no * store->block_entries + i)
                rc = ts_error_set(err, TS_ECORRUPT, "entry %llu out of order",
                                  (unsigned long long)e.seq);
            if (rc == 0)
                ts_merkle_leaf_hash(plain.data + off, used, s->leaves[i]);
            off += used;
        }
        if (rc == 0 &&
            (off != plain.len || n != tree_size % store->block_entries))
            rc = ts_error_set(err, TS_ECORRUPT,
                              "tail block %llu does not match the frontier",
                              (unsigned long long)block_no);
        if (rc == 0) {
            rc = ts_buf_append(&s->block, plain.data, plain.len, err);
            s->block_n = n;
        }
        ts_buf_release(&plain);
        if (rc != 0)
            ts_error_prefix(err,
                            "'%s': resuming the tail block: ", store->path);
    }
    sqlite3_finalize(st);
    return rc;
}

/* The store never signs a checkpoint that does not extend the ones it
 * signed: before sealing more, the frontier it will extend must be the tree
 * of the newest signed checkpoint (its note verified with the store's own
 * key), and the tail block's entries must be the frontier's subtrees below
 * a block. Otherwise a rewritten frontier or tail block would be signed
 * into a second history with the real key. O(log n) and one signature
 * check per ingest call. */
static int check_extends_signed(sealer *s, ts_error *err)
{
    ts_store *store = s->store;
    sqlite3_stmt *st = NULL;
    ts_verifier self;
    ts_frontier tail;
    uint8_t root[TS_HASH_SIZE], signed_root[TS_HASH_SIZE];
    uint64_t signed_size = 0;
    unsigned small;
    int rc, found = 0;

    ts_signer_verifier(&store->signer, &self);
    rc = ts_store_prepare(store,
                          "SELECT note FROM checkpoints ORDER BY tree_size "
                          "DESC, id DESC LIMIT 1",
                          &st, "reading the newest checkpoint", err);
    if (rc != 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *note = (const char *)sqlite3_column_text(st, 0);
        char origin[TS_KEY_NAME_MAX];
        size_t body_len = 0;
        found = 1;
        rc = ts_note_verify(&self, note ? note : "", note ? strlen(note) : 0,
                            &body_len, err);
        if (rc == 0)
            rc = ts_checkpoint_parse(note, body_len, origin, sizeof(origin),
                                     &signed_size, signed_root, err);
        if (rc != 0)
            ts_error_prefix(err, "the newest checkpoint: ");
    }
    sqlite3_finalize(st);
    if (rc != 0)
        return rc;
    ts_frontier_root(&s->frontier, root);
    if (found ? signed_size != s->frontier.size ||
                    memcmp(root, signed_root, TS_HASH_SIZE) != 0
              : s->frontier.size != 0)
        return ts_error_set(
            err, TS_ECORRUPT,
            "the stored tree (%llu entries) is not the newest signed "
            "checkpoint's (%llu entries): sealing more would sign a second "
            "history; run 'trailseal verify'",
            (unsigned long long)s->frontier.size,
            (unsigned long long)signed_size);
    /* The frontier's subtrees smaller than a block are the tail's. */
    ts_frontier_init(&tail);
    for (uint64_t i = 0; i < s->block_n; i++)
        ts_frontier_append(&tail, s->leaves[i]);
    small = tail.n_hashes;
    if (small > s->frontier.n_hashes ||
        memcmp(tail.hashes, s->frontier.hashes + s->frontier.n_hashes - small,
               (size_t)small * TS_HASH_SIZE) != 0)
        return ts_error_set(err, TS_ECORRUPT,
                            "the tail block's entries are not the stored "
                            "tree's: sealing more would sign a second "
                            "history; run 'trailseal verify'");
    return 0;
}

/* SHA-256 of the source's bytes so far, without ending the running hash. */
static int content_digest(sealer *s, uint8_t out[TS_HASH_SIZE], ts_error *err)
{
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    int ok = copy != NULL && EVP_MD_CTX_copy_ex(copy, s->content) == 1 &&
             EVP_DigestFinal_ex(copy, out, NULL) == 1;

    EVP_MD_CTX_free(copy);
    return ok ? 0 : ts_error_set(err, TS_ECRYPTO, "hashing the source failed");
}

/* Finds or registers the source. A known one is read again up to its
 * cursor (see replay()). */
static int attach_source(sealer *s, ts_error *err)
{
    ts_store *store = s->store;
    sqlite3_stmt *st = NULL;
    int rc;

    if (ts_hex_decode(s->src->key, s->source_key, sizeof(s->source_key)) != 0)
        return ts_error_set(err, TS_EINVAL,
                            "'%s': source key is not 64 hex digits",
                            s->src->name);
    s->content = EVP_MD_CTX_new();
    if (s->content == NULL ||
        EVP_DigestInit_ex(s->content, EVP_sha256(), NULL) != 1)
        return ts_error_set(err, TS_ECRYPTO, "cannot start SHA-256");
    rc = ts_store_prepare(store,
                          "SELECT id, cursor_position, cursor_line, n_entries,"
                          " sealed_sha256, name FROM sources WHERE key = ?",
                          &st, "reading sources", err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, s->src->key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 5);
        s->source_id = sqlite3_column_int64(st, 0);
        s->cursor_position = (uint64_t)sqlite3_column_int64(st, 1);
        s->cursor_line = (uint64_t)sqlite3_column_int64(st, 2);
        s->source_entries = (uint64_t)sqlite3_column_int64(st, 3);
        snprintf(s->sealed_name, sizeof(s->sealed_name), "%s",
                 name ? name : "?");
        if (s->cursor_position > 0) {
            if (sqlite3_column_bytes(st, 4) != TS_HASH_SIZE)
                rc = ts_error_set(
                    err, TS_ECORRUPT,
                    "'%s': source %lld has no hash of its sealed bytes",
                    store->path, (long long)s->source_id);
            else
                memcpy(s->sealed_sha256, sqlite3_column_blob(st, 4),
                       TS_HASH_SIZE);
            s->replaying = 1;
        }
    }
    sqlite3_finalize(st);
    if (rc != 0 || s->source_id != 0) {
        s->stats.entries_skipped = s->source_entries;
        return rc;
    }
    rc = ts_store_prepare(
        store,
        "INSERT INTO sources(key, name, format, config) VALUES(?, ?, ?, ?)",
        &st, "registering a source", err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, s->src->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, s->src->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s->src->format, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, s->src->config ? s->src->config : "", -1,
                      SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ts_store_db_error(store, "registering a source", err);
    else
        s->source_id = sqlite3_last_insert_rowid(store->db);
    sqlite3_finalize(st);
    s->cursor_line = 1;
    return rc;
}

static int differs(sealer *s, ts_error *err)
{
    return ts_error_set(err, TS_EINVAL,
                        "'%s' begins like the source sealed before from '%s' "
                        "but differs from its %llu sealed bytes: not ingested "
                        "(was the log rewritten or truncated?)",
                        s->src->name, s->sealed_name,
                        (unsigned long long)s->cursor_position);
}

/* Reads an already-sealed entry again: hashes it, and at the cursor checks
 * the hash against the one saved when those bytes were sealed. */
static int replay(sealer *s, const ts_entry *entry, ts_error *err)
{
    uint8_t digest[TS_HASH_SIZE];
    int rc;

    if (entry->position != s->replayed ||
        entry->end_position > s->cursor_position)
        return differs(s, err);
    if (EVP_DigestUpdate(s->content, entry->record, entry->record_len) != 1)
        return ts_error_set(err, TS_ECRYPTO, "hashing the source failed");
    s->replayed = entry->end_position;
    if (s->replayed < s->cursor_position)
        return 0;
    rc = content_digest(s, digest, err);
    if (rc == 0 && memcmp(digest, s->sealed_sha256, TS_HASH_SIZE) != 0)
        rc = differs(s, err);
    s->replaying = 0;
    return rc;
}

static int write_block(sealer *s, int complete, ts_error *err)
{
    uint64_t block_no = s->frontier.size / s->store->block_entries;
    uint8_t root[TS_HASH_SIZE];
    sqlite3_stmt *st = s->put_block;
    int rc;

    if (complete)
        block_no--; /* the frontier already counts the block's last entry */
    rc = ts_block_pack(s->secret, s->block.data, s->block.len, &s->packed, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)block_no);
    sqlite3_bind_int64(st, 2,
                       (sqlite3_int64)(block_no * s->store->block_entries));
    sqlite3_bind_int64(st, 3, (sqlite3_int64)s->block_n);
    sqlite3_bind_blob(st, 4, s->packed.data, (int)s->packed.len, SQLITE_STATIC);
    if (complete) {
        ts_merkle_root((const uint8_t(*)[TS_HASH_SIZE])s->leaves, s->block_n,
                       root);
        sqlite3_bind_blob(st, 5, root, sizeof(root), SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 5);
    }
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ts_store_db_error(s->store, "writing a block", err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* A failed copier is stopped: the writer copies the log itself again. */
static void copier_check(sealer *s, int copier_rc)
{
    if (copier_rc != 0) {
        ts_wal_copier_stop(s->copier);
        s->copier = NULL;
    }
}

static int begin(sealer *s, ts_error *err)
{
    int rc;

    if (s->copier != NULL && ++s->unsettled >= TS_WAL_SETTLE_COMMITS) {
        s->unsettled = 0;
        copier_check(s, ts_wal_copier_settle(s->copier));
    }
    rc = ts_store_exec(s->store, "BEGIN IMMEDIATE", "starting a batch", err);

    s->in_tx = rc == 0;
    return rc;
}

static int64_t monotonic_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Stores the open block, frontier, cursor and a signed checkpoint, and
 * commits them with the batch's index rows. */
static int commit(sealer *s, ts_error *err)
{
    int64_t started_us = monotonic_us();
    ts_store *store = s->store;
    uint8_t root[TS_HASH_SIZE], frontier_bytes[8 + 64 * TS_HASH_SIZE];
    uint8_t content[TS_HASH_SIZE];
    char body[TS_KEY_NAME_MAX + 128];
    char *note = NULL;
    sqlite3_stmt *st = NULL;
    int rc = 0;

    rc = ts_index_writer_flush(s->index, err);
    if (rc == 0 && s->block_n > 0 && s->block_n < store->block_entries)
        rc = write_block(s, 0, err);
    if (rc == 0) {
        ts_frontier_serialize(&s->frontier, frontier_bytes);
        rc = ts_store_prepare(
            store,
            "INSERT OR REPLACE INTO frontier(id, tree_size, data)"
            " VALUES(1, ?, ?)",
            &st, "writing the frontier", err);
    }
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)s->frontier.size);
        sqlite3_bind_blob(st, 2, frontier_bytes,
                          (int)ts_frontier_serialized_size(&s->frontier),
                          SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ts_store_db_error(store, "writing the frontier", err);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc == 0)
        rc = ts_store_prepare(
            store,
            "UPDATE sources SET name = ?2, cursor_position = ?3,"
            " cursor_line = ?4, n_entries = ?5, sealed_sha256 = ?7,"
            " last_ingested_us = ?6,"
            " first_ingested_us = coalesce(first_ingested_us, ?6)"
            " WHERE id = ?1",
            &st, "saving the cursor", err);
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, s->source_id);
        sqlite3_bind_text(st, 2, s->src->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)s->cursor_position);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)s->cursor_line);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)s->source_entries);
        sqlite3_bind_int64(st, 6, ts_time_now());
        rc = content_digest(s, content, err);
        sqlite3_bind_blob(st, 7, content, sizeof(content), SQLITE_STATIC);
        if (rc == 0 && sqlite3_step(st) != SQLITE_DONE)
            rc = ts_store_db_error(store, "saving the cursor", err);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc == 0) {
        ts_frontier_root(&s->frontier, root);
        rc = ts_checkpoint_format(store->origin, s->frontier.size, root, body,
                                  sizeof(body), err);
    }
    if (rc == 0)
        rc = ts_note_sign(&store->signer, body, strlen(body), &note, err);
    if (rc == 0)
        rc = ts_store_prepare(
            store,
            "INSERT INTO checkpoints(tree_size, root, note, signed_us)"
            " VALUES(?, ?, ?, ?)",
            &st, "writing a checkpoint", err);
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)s->frontier.size);
        sqlite3_bind_blob(st, 2, root, sizeof(root), SQLITE_STATIC);
        sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, ts_time_now());
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ts_store_db_error(store, "writing a checkpoint", err);
        sqlite3_finalize(st);
    }
    free(note);
    if (rc == 0)
        rc = ts_store_exec(store, "COMMIT", "committing a batch", err);
    if (rc == 0) {
        s->in_tx = 0;
        s->pending = 0;
        s->committed_size = s->frontier.size;
        s->stats.commits++;
        s->last_commit_us = ts_time_now();
        started_us = monotonic_us() - started_us;
        s->stats.commit_us_total += started_us;
        if (started_us > s->stats.commit_us_max)
            s->stats.commit_us_max = started_us;
        if (s->copier != NULL)
            copier_check(s, ts_wal_copier_poke(s->copier));
    }
    return rc;
}

static int seal_one(sealer *s, const ts_entry *entry, const ts_event *ev,
                    ts_error *err)
{
    ts_store *store = s->store;
    ts_sealed_entry e;
    size_t start = s->block.len;
    int rc;

    if (s->block_n == 0 && RAND_bytes(s->secret, sizeof(s->secret)) != 1)
        return ts_error_set(err, TS_ECRYPTO, "cannot draw a block secret");
    memset(&e, 0, sizeof(e));
    memcpy(e.store_id, store->store_id, sizeof(e.store_id));
    e.seq = s->frontier.size;
    memcpy(e.source_key, s->source_key, sizeof(e.source_key));
    e.position = entry->position;
    e.line = entry->line;
    e.observed_us = entry->observed_us;
    e.format = s->src->format;
    e.format_len = strlen(s->src->format);
    e.record = entry->sealed ? entry->sealed : entry->record;
    e.record_len = entry->sealed ? entry->sealed_len : entry->record_len;
    e.original_hmac = entry->sealed ? entry->original_hmac : NULL;
    ts_block_salt(s->secret, e.seq, e.salt);

    if (EVP_DigestUpdate(s->content, entry->record, entry->record_len) != 1)
        return ts_error_set(err, TS_ECRYPTO, "hashing the source failed");
    rc = ts_entry_encode(&e, &s->block, err);
    if (rc != 0)
        return ts_error_prefix(err, "%s:%llu: sealing: ", s->src->name,
                               (unsigned long long)entry->line);
    ts_merkle_leaf_hash(s->block.data + start, s->block.len - start,
                        s->leaves[s->block_n]);
    ts_frontier_append(&s->frontier, s->leaves[s->block_n]);
    s->block_n++;

    rc = ts_index_writer_add(s->index, e.seq, s->source_id, entry->line, ev,
                             err);
    if (rc != 0)
        return rc;
    if (ev->kind == TS_EVENT_UNPARSED) {
        s->stats.unparsed++;
        if (s->opts->diag) {
            char msg[TS_ERROR_MSG_SIZE];
            snprintf(msg, sizeof(msg), "unparsed: %s",
                     ev->unparsed_reason ? ev->unparsed_reason
                                         : "unknown reason");
            s->opts->diag(s->opts->diag_ctx, s->src->name, entry->line, msg);
        }
    }
    s->cursor_position = entry->end_position;
    s->cursor_line = entry->end_line;
    s->source_entries++;
    s->stats.entries_sealed++;
    s->pending++;

    if (s->block_n == store->block_entries) {
        rc = write_block(s, 1, err);
        s->block.len = 0;
        s->block_n = 0;
    }
    return rc;
}

int ts_store_ingest(ts_store *store, ts_source *src,
                    const ts_ingest_options *opts, ts_ingest_stats *out,
                    ts_error *err)
{
    static const ts_ingest_options defaults = {0, 0, NULL, NULL};
    sealer *s = NULL;
    size_t batch;
    int64_t interval;
    int rc = 0;

    if (out)
        memset(out, 0, sizeof(*out));
    if (!store->has_signer)
        return ts_error_set(err, TS_EINVAL,
                            "'%s': sealing needs the store's key file",
                            store->path);
    if (opts == NULL)
        opts = &defaults;
    batch = opts->batch_entries ? opts->batch_entries : TS_DEFAULT_BATCH;
    interval = opts->checkpoint_interval_us ? opts->checkpoint_interval_us
                                            : TS_DEFAULT_CHECKPOINT_INTERVAL_US;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    s->store = store;
    s->src = src;
    s->opts = opts;
    ts_buf_init(&s->block, TS_MAX_ENTRY_SIZE * 4);
    ts_buf_init(&s->packed, TS_MAX_ENTRY_SIZE * 5);
    s->leaves = calloc(store->block_entries, TS_HASH_SIZE);
    if (s->leaves == NULL) {
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        goto cleanup;
    }
    rc = ts_wal_copier_start(store, &s->copier, err);
    if (rc == 0)
        rc = begin(s, err);
    if (rc == 0)
        rc = load_tree(s, err);
    if (rc == 0) {
        rc = check_extends_signed(s, err);
        if (rc != 0)
            ts_error_prefix(err, "'%s': ", store->path);
    }
    if (rc == 0)
        rc = attach_source(s, err);
    if (rc == 0)
        rc = ts_index_writer_new(&s->index, store, err);
    if (rc == 0)
        rc = ts_store_prepare(
            store,
            "INSERT OR REPLACE INTO blocks(block_no, first_seq,"
            " n_entries, data, root) VALUES(?, ?, ?, ?, ?)",
            &s->put_block, "writing blocks", err);
    s->last_commit_us = ts_time_now();
    while (rc == 0) {
        ts_entry entry;
        ts_event ev;
        int got = ts_source_next(src, &entry, &ev, err);
        if (got < 0) {
            rc = got;
            break;
        }
        if (got == 0)
            break;
        if (s->replaying) {
            rc = replay(s, &entry, err);
            continue;
        }
        rc = seal_one(s, &entry, &ev, err);
        /* Every entry looks at the clock (a vDSO call, ~20 ns), so a slow
         * source still gets a checkpoint within the interval of an entry. */
        if (rc == 0 && (s->pending >= batch ||
                        ts_time_now() - s->last_commit_us >= interval)) {
            rc = commit(s, err);
            if (rc == 0)
                rc = begin(s, err);
        }
    }
    if (rc == 0 && s->replaying)
        rc = differs(s, err); /* shorter than what was sealed from it */
    if (rc == 0 && s->pending > 0)
        rc = commit(s, err);
    if (rc == 0 && s->in_tx) {
        rc = ts_store_exec(store, "COMMIT", "finishing", err);
        s->in_tx = rc != 0;
    }
    /* after a failure the open batch was rolled back: what stays sealed
     * is the tree of the last commit */
    s->stats.tree_size = rc == 0 ? s->frontier.size : s->committed_size;
    if (out)
        *out = s->stats;

cleanup:
    sealer_release(s);
    free(s);
    return rc;
}
