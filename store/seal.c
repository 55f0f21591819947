/* Sealing: entries from a source become CBOR leaves of the Merkle log, packed
 * into zstd blocks and committed with their index rows, the source's cursor
 * and a signed checkpoint in one transaction per batch.
 *
 * Two halves, on two threads when the machine has two CPUs: the sealing
 * half reads the source (parsing, analysis, redaction), seals each entry
 * into the tree and packs blocks; the indexing half, on the caller's
 * thread, writes blocks, index rows and commits through the store's
 * connection, and packs the blocks the sealing half leaves it while it
 * keeps up (pack_block). Chunks of work pass between them in order
 * (seal_pipe.c); each batch's commit carries the tree and cursor as the sealing
 * half left them at its last entry, so what is committed is the same either
 * way. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "store/seal_pipe.h"
#include "store/store_internal.h"
#include "trailseal/time.h"

/* Each commit rewrites every page its rows touched. With layout 13's
 * posting lists (keyed by value, so a batch's rows landed all over
 * event_postings) a 50,000-entry commit at 10M events wrote ~100 MB of
 * pages, mostly the same ones again; 200,000 wrote a third as much to the
 * log and took a quarter less time, and the longest commit was no longer
 * (docs/PERFORMANCE.md, "Ingest: the indexing thread packs blocks too").
 * Layout 14 keys the lists by epoch, which cut the writes again; with it,
 * 50,000 still wrote 9.0 GB at 10M against 5.3 GB for 200,000. */
#define TS_DEFAULT_BATCH 200000
#define TS_DEFAULT_CHECKPOINT_INTERVAL_US (60 * 1000000LL)
/* The log starts over only when a write transaction begins with every
 * frame copied, so every few commits the writer waits for the copier: the
 * log holds at most this many batches. */
#define TS_WAL_SETTLE_COMMITS 4
/* Chunks queued between the halves (each is ~1024 entries): enough that
 * the sealing half rides out a commit and the copier's catching up without
 * waiting (4 made it wait 2 s of a 10 s ingest), few enough that a
 * checkpoint is not held back and memory stays small (~0.6 MB each, and
 * 1-3 MB more while one carries a block). */
#define TS_SEAL_PIPE_DEPTH 16
/* The sealing half leaves a block to the indexing half to pack (decode,
 * columns, zstd: about a third of its work) while at most this many chunks
 * wait: the indexing half is keeping up. When it falls behind, the queue
 * grows past this and the sealing half packs blocks itself again, so the
 * two halves even out whichever is slower on the input. 2 kept either
 * half's waits near 0.1 s of an 8 s ingest; 8 left the sealing half
 * waiting 0.8 s on a full queue, 0 the indexing half 0.2-0.5 s. */
#define TS_SEAL_PACK_LATER_QUEUED 2

typedef struct sealer {
    ts_store *store;
    ts_source *src;
    const ts_ingest_options *opts;
    int64_t source_id;
    size_t batch;     /* entries per commit */
    int64_t interval; /* longest time between commits, µs */

    /* ---- the sealing half ---- */
    ts_frontier frontier;
    ts_buf block;                         /* CBOR of the open block's entries */
    uint8_t (*leaves)[TS_HASH_SIZE];      /* leaf hashes of the open block */
    uint64_t block_n;                     /* entries in the open block */
    unsigned block_level;                 /* block_entries = 2^block_level */
    uint8_t block_root[TS_HASH_SIZE];     /* the open block's, once complete */
    uint8_t secret[TS_BLOCK_SECRET_SIZE]; /* the open block's (block.c) */
    ts_hmac_keys salt_keys;               /* secret keyed, for its salts */
    ts_block_packer *packer; /* packs the blocks it does not leave */
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
    uint64_t pending;       /* entries since the last commit decided */
    int64_t last_commit_us; /* when it was decided (wall clock) */
    ts_seal_chunk *chunk;   /* being filled */
    ts_seal_pipe *pipe;     /* NULL: the halves take turns on one thread */
    ts_error seal_err;      /* two threads: the sealing half's failure */

    /* ---- the indexing half ---- */
    ts_index_writer *index;
    int in_tx;
    uint64_t committed_size; /* the tree's size at the last commit */
    sqlite3_stmt *put_block;
    ts_block_packer *index_packer; /* packs the blocks left to it; made
                                    * when needed */
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
    free(s->leaves);
    ts_block_packer_free(s->packer);
    ts_block_packer_free(s->index_packer);
    ts_seal_chunk_free(s->chunk);
    ts_seal_pipe_free(s->pipe);
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
            ts_hmac_keys_set(&s->salt_keys, s->secret); /* the tail's */
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

/* ---- the indexing half ---- */

static int store_block(sealer *s, const ts_seal_chunk *c, ts_error *err)
{
    sqlite3_stmt *st = s->put_block;
    int rc = 0;

    sqlite3_bind_int64(st, 1, (sqlite3_int64)c->block_no);
    sqlite3_bind_int64(st, 2,
                       (sqlite3_int64)(c->block_no * s->store->block_entries));
    sqlite3_bind_int64(st, 3, (sqlite3_int64)c->block_n);
    sqlite3_bind_blob(st, 4, c->packed.data, (int)c->packed.len, SQLITE_STATIC);
    if (c->block_complete)
        sqlite3_bind_blob(st, 5, c->block_root, TS_HASH_SIZE, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = ts_store_db_error(s->store, "writing a block", err);
    } else {
        s->stats.blocks_written++;
        s->stats.blocks_packed_by_indexer += c->pack_later != 0;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Stores the frontier, cursor and a signed checkpoint as the sealing half
 * left them, and commits them with the batch's blocks and index rows. */
static int commit(sealer *s, const ts_seal_commit *k, ts_error *err)
{
    ts_store *store = s->store;
    char body[TS_KEY_NAME_MAX + 128];
    char *note = NULL;
    sqlite3_stmt *st = NULL;
    int64_t took_us;
    int rc = 0;

    rc = ts_index_writer_flush(s->index, err);
    if (rc == 0)
        rc = ts_store_prepare(
            store,
            "INSERT OR REPLACE INTO frontier(id, tree_size, data)"
            " VALUES(1, ?, ?)",
            &st, "writing the frontier", err);
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)k->tree_size);
        sqlite3_bind_blob(st, 2, k->frontier, (int)k->frontier_len,
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
        sqlite3_bind_int64(st, 3, (sqlite3_int64)k->cursor_position);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)k->cursor_line);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)k->source_entries);
        sqlite3_bind_int64(st, 6, ts_time_now());
        sqlite3_bind_blob(st, 7, k->content_sha256, TS_HASH_SIZE,
                          SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ts_store_db_error(store, "saving the cursor", err);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc == 0)
        rc = ts_checkpoint_format(store->origin, k->tree_size, k->root, body,
                                  sizeof(body), err);
    if (rc == 0)
        rc = ts_note_sign(&store->signer, body, strlen(body), &note, err);
    if (rc == 0)
        rc = ts_store_prepare(
            store,
            "INSERT INTO checkpoints(tree_size, root, note, signed_us)"
            " VALUES(?, ?, ?, ?)",
            &st, "writing a checkpoint", err);
    if (rc == 0) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)k->tree_size);
        sqlite3_bind_blob(st, 2, k->root, TS_HASH_SIZE, SQLITE_STATIC);
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
        s->committed_size = k->tree_size;
        s->stats.commits++;
        took_us = monotonic_us() - k->decided_us;
        s->stats.commit_us_total += took_us;
        if (took_us > s->stats.commit_us_max)
            s->stats.commit_us_max = took_us;
        if (s->copier != NULL)
            copier_check(s, ts_wal_copier_poke(s->copier));
    }
    return rc;
}

/* Packs the block the sealing half left as CBOR. */
static int pack_left_block(sealer *s, ts_seal_chunk *c, ts_error *err)
{
    int rc = 0;

    if (s->index_packer == NULL)
        rc = ts_block_packer_new(&s->index_packer, err);
    if (rc == 0)
        rc = ts_block_pack_with(s->index_packer, c->secret, c->plain.data,
                                c->plain.len, &c->packed, err);
    return rc;
}

/* Writes what one chunk holds: its events' index rows, its block, and
 * the commit that ends its batch (the next batch's transaction begun). */
static int index_chunk(sealer *s, ts_seal_chunk *c, ts_error *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < c->n_events; i++) {
        const ts_event *ev = &c->events[i];
        rc = ts_index_writer_add(s->index, c->seqs[i], s->source_id,
                                 c->lines[i], ev, err);
        if (rc != 0)
            break;
        s->stats.entries_sealed++;
        if (ev->kind != TS_EVENT_UNPARSED)
            continue;
        s->stats.unparsed++;
        if (s->opts->diag) {
            char msg[TS_ERROR_MSG_SIZE];
            snprintf(msg, sizeof(msg), "unparsed: %s",
                     ev->unparsed_reason ? ev->unparsed_reason
                                         : "unknown reason");
            s->opts->diag(s->opts->diag_ctx, s->src->name, c->lines[i], msg);
        }
    }
    if (rc == 0 && c->pack_later)
        rc = pack_left_block(s, c, err);
    if (rc == 0 && c->has_block)
        rc = store_block(s, c, err);
    if (rc == 0 && c->has_commit) {
        rc = commit(s, &c->commit, err);
        if (rc == 0)
            rc = begin(s, err);
    }
    return rc;
}

/* ---- the sealing half ---- */

/* The indexing half has stopped (its own error says why). */
#define SEAL_STOPPED 1

/* Hands the filled chunk to the indexing half. */
static int deliver(sealer *s, ts_error *err)
{
    ts_seal_chunk *c = s->chunk;
    int rc;

    if (c == NULL)
        return 0;
    if (s->pipe == NULL) {
        /* one thread: index it now, and fill the same chunk again */
        rc = index_chunk(s, c, err);
        ts_seal_chunk_reset(c);
        return rc;
    }
    s->chunk = NULL;
    return ts_seal_pipe_push(s->pipe, c) == 0 ? 0 : SEAL_STOPPED;
}

static int chunk_ready(sealer *s, ts_error *err)
{
    if (s->chunk != NULL)
        return 0;
    if (s->pipe == NULL)
        return ts_seal_chunk_new(&s->chunk, err);
    s->chunk = ts_seal_pipe_take_empty(s->pipe);
    return s->chunk != NULL ? 0 : ts_error_set(err, TS_ENOMEM, "out of memory");
}

/* Packs the open block into the chunk: complete (with its root), or the
 * tail stored at a commit. With two threads, while the indexing half keeps
 * up, the chunk takes the block's CBOR and the indexing half packs it: a
 * complete block's buffer is handed over (the caller empties s->block), a
 * tail is copied (its entries go on). */
static int pack_block(sealer *s, int complete, ts_error *err)
{
    ts_seal_chunk *c = s->chunk;
    uint64_t block_no = s->frontier.size / s->store->block_entries;
    int rc;

    if (complete)
        block_no--; /* the frontier already counts the block's last entry */
    if (s->pipe != NULL &&
        ts_seal_pipe_queued(s->pipe) <= TS_SEAL_PACK_LATER_QUEUED) {
        if (complete) {
            ts_buf full = s->block;
            s->block = c->plain;
            c->plain = full;
            rc = 0;
        } else {
            rc = ts_buf_append(&c->plain, s->block.data, s->block.len, err);
        }
        memcpy(c->secret, s->secret, sizeof(c->secret));
        c->pack_later = 1;
    } else {
        rc = ts_block_pack_with(s->packer, s->secret, s->block.data,
                                s->block.len, &c->packed, err);
    }
    if (rc != 0)
        return rc;
    c->has_block = 1;
    c->block_complete = complete;
    c->block_no = block_no;
    c->block_n = s->block_n;
    if (complete) /* the frontier made it with the block's last leaf */
        memcpy(c->block_root, s->block_root, TS_HASH_SIZE);
    return 0;
}

/* Ends the batch: its tail block, the tree and the cursor go with the
 * chunk, and the indexing half commits them. */
static int decide_commit(sealer *s, ts_error *err)
{
    ts_seal_commit *k;
    int rc = chunk_ready(s, err);

    if (rc == 0 && s->block_n > 0 && s->block_n < s->store->block_entries)
        rc = pack_block(s, 0, err);
    if (rc != 0)
        return rc;
    k = &s->chunk->commit;
    s->chunk->has_commit = 1;
    k->decided_us = monotonic_us();
    k->tree_size = s->frontier.size;
    ts_frontier_root(&s->frontier, k->root);
    ts_frontier_serialize(&s->frontier, k->frontier);
    k->frontier_len = ts_frontier_serialized_size(&s->frontier);
    k->cursor_position = s->cursor_position;
    k->cursor_line = s->cursor_line;
    k->source_entries = s->source_entries;
    rc = content_digest(s, k->content_sha256, err);
    if (rc != 0)
        return rc;
    s->pending = 0;
    s->last_commit_us = ts_time_now();
    return deliver(s, err);
}

static int seal_one(sealer *s, const ts_entry *entry, const ts_event *ev,
                    ts_error *err)
{
    ts_store *store = s->store;
    ts_sealed_entry e;
    ts_seal_chunk *c;
    size_t start = s->block.len;
    int rc, complete;

    if (s->block_n == 0) {
        if (RAND_bytes(s->secret, sizeof(s->secret)) != 1)
            return ts_error_set(err, TS_ECRYPTO, "cannot draw a block secret");
        ts_hmac_keys_set(&s->salt_keys, s->secret);
    }
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
    ts_salt_of(&s->salt_keys, e.seq, e.salt);

    if (EVP_DigestUpdate(s->content, entry->record, entry->record_len) != 1)
        return ts_error_set(err, TS_ECRYPTO, "hashing the source failed");
    rc = ts_entry_encode(&e, &s->block, err);
    if (rc != 0)
        return ts_error_prefix(err, "%s:%llu: sealing: ", s->src->name,
                               (unsigned long long)entry->line);
    rc = chunk_ready(s, err);
    if (rc != 0)
        return rc;
    c = s->chunk;
    rc = ts_event_copy(&c->events[c->n_events], ev, &c->arena, err);
    if (rc != 0)
        return rc;
    c->seqs[c->n_events] = e.seq;
    c->lines[c->n_events] = entry->line;
    c->n_events++;
    if (ts_event_borrows_records(ev))
        c->borrows = 1;

    ts_merkle_leaf_hash(s->block.data + start, s->block.len - start,
                        s->leaves[s->block_n]);
    complete = ts_frontier_append_ending(&s->frontier, s->leaves[s->block_n],
                                         s->block_level, s->block_root);
    s->block_n++;
    /* blocks start at multiples of block_entries, so the two agree unless
     * the store's tail block and tree do not (load_tree checks them) */
    if (complete != (s->block_n == store->block_entries))
        return ts_error_set(err, TS_ECORRUPT,
                            "entry %llu: the tree and the open block disagree "
                            "on where the block ends; run 'trailseal verify'",
                            (unsigned long long)e.seq);
    s->cursor_position = entry->end_position;
    s->cursor_line = entry->end_line;
    s->source_entries++;
    s->pending++;

    if (complete) {
        rc = pack_block(s, 1, err);
        s->block.len = 0;
        s->block_n = 0;
        if (rc != 0)
            return rc;
    }
    /* Every entry looks at the clock (a vDSO call, ~20 ns), so a slow
     * source still gets a checkpoint within the interval of an entry. */
    if (s->pending >= s->batch ||
        ts_time_now() - s->last_commit_us >= s->interval)
        return decide_commit(s, err);
    if (c->has_block || c->borrows || c->n_events == TS_SEAL_CHUNK_EVENTS)
        return deliver(s, err);
    return 0;
}

/* Reads the source to its end, sealing every entry after the cursor.
 * Returns the sealing half's failure; with one thread also the indexing
 * half's, and SEAL_STOPPED when the other thread's indexing has stopped. */
static int seal_all(sealer *s, ts_error *err)
{
    int rc = 0;

    while (rc == 0) {
        ts_entry entry;
        ts_event ev;
        int got = ts_source_next(s->src, &entry, &ev, err);
        if (got < 0) {
            rc = got;
            break;
        }
        if (got == 0)
            break;
        if (s->replaying)
            rc = replay(s, &entry, err);
        else
            rc = seal_one(s, &entry, &ev, err);
    }
    if (rc == 0 && s->replaying)
        rc = differs(s, err); /* shorter than what was sealed from it */
    if (rc == 0 && s->pending > 0)
        rc = decide_commit(s, err);
    return rc;
}

static void *sealing_thread(void *arg)
{
    sealer *s = arg;
    int rc;

    ts_error_clear(&s->seal_err);
    rc = seal_all(s, &s->seal_err);
    /* an empty chunk, or entries after an error: never committed */
    ts_seal_pipe_finish(s->pipe, rc == SEAL_STOPPED ? 0 : rc, &s->seal_err);
    return NULL;
}

/* Both halves on two threads: the caller's indexes. */
static int run_two_threads(sealer *s, pthread_t thread, ts_error *err)
{
    ts_seal_chunk *c;
    int rc = 0;

    while ((c = ts_seal_pipe_pop(s->pipe)) != NULL) {
        rc = index_chunk(s, c, err);
        ts_seal_pipe_done(s->pipe, c);
        if (rc != 0) {
            ts_seal_pipe_stop(s->pipe);
            break;
        }
    }
    pthread_join(thread, NULL);
    if (rc == 0)
        rc = ts_seal_pipe_result(s->pipe, err);
    return rc;
}

/* Two threads when there are two CPUs and the options allow, else one. */
static int use_threads(const ts_ingest_options *opts)
{
    if (opts->threads == 1)
        return 0;
    return opts->threads >= 2 || sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

int ts_store_ingest(ts_store *store, ts_source *src,
                    const ts_ingest_options *opts, ts_ingest_stats *out,
                    ts_error *err)
{
    static const ts_ingest_options defaults = {0, 0, NULL, NULL, 0};
    sealer *s = NULL;
    pthread_t thread;
    int rc = 0;

    if (out)
        memset(out, 0, sizeof(*out));
    if (!store->has_signer)
        return ts_error_set(err, TS_EINVAL,
                            "'%s': sealing needs the store's key file",
                            store->path);
    if (opts == NULL)
        opts = &defaults;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    s->store = store;
    s->src = src;
    s->opts = opts;
    s->batch = opts->batch_entries ? opts->batch_entries : TS_DEFAULT_BATCH;
    s->interval = opts->checkpoint_interval_us
                      ? opts->checkpoint_interval_us
                      : TS_DEFAULT_CHECKPOINT_INTERVAL_US;
    ts_buf_init(&s->block, TS_MAX_ENTRY_SIZE * 4);
    s->leaves = calloc(store->block_entries, TS_HASH_SIZE);
    while (((uint64_t)1 << s->block_level) < store->block_entries)
        s->block_level++; /* a power of two (store.c) */
    if (s->leaves == NULL) {
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        goto cleanup;
    }
    rc = ts_block_packer_new(&s->packer, err);
    if (rc == 0)
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
    if (rc == 0 && use_threads(opts)) {
        ts_error ignored; /* without a second thread, take turns on this */
        if (ts_seal_pipe_new(&s->pipe, TS_SEAL_PIPE_DEPTH, &ignored) == 0 &&
            pthread_create(&thread, NULL, sealing_thread, s) != 0) {
            ts_seal_pipe_free(s->pipe);
            s->pipe = NULL;
        }
    }
    if (rc == 0 && s->pipe != NULL)
        rc = run_two_threads(s, thread, err);
    else if (rc == 0)
        rc = seal_all(s, err);
    if (rc == 0 && s->in_tx) {
        rc = ts_store_exec(store, "COMMIT", "finishing", err);
        s->in_tx = rc != 0;
    }
    /* after a failure the open batch was rolled back: what stays sealed
     * is the tree of the last commit */
    s->stats.tree_size = s->committed_size;
    if (out)
        *out = s->stats;

cleanup:
    sealer_release(s);
    free(s);
    return rc;
}
