/* Verifying a store: recompute every leaf, block and root from the stored
 * bytes and check every checkpoint's signature against them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

typedef struct checkpoint_row {
    int64_t id;
    uint64_t tree_size; /* what its signed note says, once verified */
    uint8_t root[TS_HASH_SIZE];
    uint64_t row_size; /* what its row says */
    int row_differs;   /* its row says another size or root than its note */
    char *note;
} checkpoint_row;

/* A checkpoint an auditor kept, parsed and checked against the trusted key. */
typedef struct kept_row {
    size_t slot; /* its place in the report's kept[] */
    const char *name;
    uint64_t tree_size;
    uint8_t root[TS_HASH_SIZE];
} kept_row;

typedef struct verifier_state {
    ts_store *store;
    ts_verify_report *report;
    ts_verifier key;
    checkpoint_row *cps;
    size_t n_cps;
    size_t next_cp;       /* next checkpoint to compare, by tree size */
    uint64_t signed_size; /* entries covered by checkpoints checked so far */
    ts_frontier frontier; /* the tree before the block being read */
    ts_frontier block;    /* the block being read's leaves so far */
    kept_row *kept;       /* sorted by tree size */
    size_t n_kept;
    size_t next_kept;
} verifier_state;

/* Records the first problem; later ones do not overwrite it. 1 when this
 * one was recorded. */
static int tampered(verifier_state *v, int64_t block, int64_t entry,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int tampered(verifier_state *v, int64_t block, int64_t entry,
                    const char *fmt, ...)
{
    ts_verify_report *r = v->report;
    va_list ap;

    if (r->verdict == TS_VERDICT_TAMPERED)
        return 0;
    r->verdict = TS_VERDICT_TAMPERED;
    r->first_bad_block = block;
    r->first_bad_entry = entry;

    va_start(ap, fmt);
    if (vsnprintf(r->problem, sizeof(r->problem), fmt, ap) < 0)
        r->problem[0] = '\0';
    va_end(ap);
    return 1;
}

/* Names the checkpoint (by its tree size) that the problem just recorded
 * is measured against. */
static void blame(verifier_state *v, int recorded, uint64_t checkpoint_size)
{
    if (recorded)
        v->report->checkpoint = (int64_t)checkpoint_size;
}

/* Records a kept checkpoint's disagreement; tampering outranks it. */
static void disagrees(verifier_state *v, const kept_row *k, ts_verdict status,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void disagrees(verifier_state *v, const kept_row *k, ts_verdict status,
                      const char *fmt, ...)
{
    ts_verify_report *r = v->report;
    va_list ap;

    r->kept[k->slot].checked = 1;
    r->kept[k->slot].status = status;
    if (r->verdict >= status)
        return;
    r->verdict = status;
    va_start(ap, fmt);
    if (vsnprintf(r->problem, sizeof(r->problem), fmt, ap) < 0)
        r->problem[0] = '\0';
    va_end(ap);
}

const char *ts_verdict_name(ts_verdict verdict)
{
    switch (verdict) {
    case TS_VERDICT_INTACT:
        return "intact";
    case TS_VERDICT_ROLLED_BACK:
        return "rolled_back";
    case TS_VERDICT_FORKED:
        return "forked";
    case TS_VERDICT_TAMPERED:
        return "tampered";
    }
    return "unknown";
}

static int compare_kept(const void *a, const void *b)
{
    const kept_row *x = a, *y = b;

    return x->tree_size < y->tree_size ? -1 : x->tree_size > y->tree_size;
}

/* Parses the kept checkpoints; each must be signed by the trusted key for
 * this store's origin, or verification cannot use it. */
static int load_kept(verifier_state *v, const ts_verify_options *opts,
                     ts_error *err)
{
    if (opts == NULL || opts->n_checkpoints == 0)
        return 0;
    if (opts->n_checkpoints > TS_VERIFY_MAX_KEPT)
        return ts_error_set(
            err, TS_EINVAL,
            "at most %d kept checkpoints can be checked at once",
            TS_VERIFY_MAX_KEPT);
    v->kept = calloc(opts->n_checkpoints, sizeof(*v->kept));
    if (v->kept == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    for (size_t i = 0; i < opts->n_checkpoints; i++) {
        kept_row *k = &v->kept[i];
        const char *note = opts->checkpoints[i];
        char origin[TS_KEY_NAME_MAX];
        size_t body_len = 0;
        int rc;

        k->slot = i;
        k->name = opts->checkpoint_names && opts->checkpoint_names[i]
                      ? opts->checkpoint_names[i]
                      : "kept checkpoint";
        rc = ts_note_verify(&v->key, note, strlen(note), &body_len, err);
        if (rc == 0)
            rc = ts_checkpoint_parse(note, body_len, origin, sizeof(origin),
                                     &k->tree_size, k->root, err);
        if (rc == 0 && strcmp(origin, v->store->origin) != 0)
            rc = ts_error_set(err, TS_EINVAL,
                              "it is for another store (origin '%s')", origin);
        if (rc != 0) {
            ts_error_prefix(err,
                            "'%s': not a checkpoint of this store signed "
                            "by key %08x: ",
                            k->name, v->key.key_id);
            if (err != NULL)
                err->code = TS_EINVAL;
            return TS_EINVAL;
        }
        v->report->kept[i].tree_size = k->tree_size;
        v->report->kept[i].status = TS_VERDICT_INTACT;
    }
    v->report->n_kept = opts->n_checkpoints;
    v->n_kept = opts->n_checkpoints;
    if (v->n_kept > 1)
        qsort(v->kept, v->n_kept, sizeof(*v->kept), compare_kept);
    return 0;
}

static int compare_checkpoints(const void *a, const void *b)
{
    const checkpoint_row *x = a, *y = b;

    if (x->tree_size != y->tree_size)
        return x->tree_size < y->tree_size ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void free_checkpoints(verifier_state *v)
{
    for (size_t i = 0; i < v->n_cps; i++)
        free(v->cps[i].note);
    free(v->cps);
}

/* Loads every checkpoint in tree-size order and checks its signature and
 * that its note says what its row says. */
static int load_checkpoints(verifier_state *v, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    size_t size = 0;
    int rc =
        ts_store_prepare(v->store,
                         "SELECT id, tree_size, root, note FROM checkpoints"
                         " ORDER BY tree_size, id",
                         &st, "reading checkpoints", err);
    if (rc != 0)
        return rc;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (v->n_cps == size) {
            size_t n = size ? size * 2 : 64;
            checkpoint_row *grown = realloc(v->cps, n * sizeof(*grown));
            if (grown == NULL) {
                rc = ts_error_set(err, TS_ENOMEM, "out of memory");
                break;
            }
            v->cps = grown;
            size = n;
        }
        checkpoint_row *cp = &v->cps[v->n_cps];
        const char *note = (const char *)sqlite3_column_text(st, 3);
        cp->id = sqlite3_column_int64(st, 0);
        cp->tree_size = (uint64_t)sqlite3_column_int64(st, 1);
        cp->note = strdup(note ? note : "");
        if (cp->note == NULL) {
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
            break;
        }
        v->n_cps++;
        memset(cp->root, 0, sizeof(cp->root));
        cp->row_size = cp->tree_size;
        cp->row_differs = 0;
        if (sqlite3_column_bytes(st, 2) == TS_HASH_SIZE)
            memcpy(cp->root, sqlite3_column_blob(st, 2), TS_HASH_SIZE);
        else
            blame(v,
                  tampered(v, -1, -1,
                           "checkpoint %lld (size %llu): stored root is not "
                           "32 bytes",
                           (long long)cp->id,
                           (unsigned long long)cp->tree_size),
                  cp->tree_size);
    }
    sqlite3_finalize(st);
    if (rc != 0)
        return rc;

    for (size_t i = 0; i < v->n_cps; i++) {
        checkpoint_row *cp = &v->cps[i];
        char origin[TS_KEY_NAME_MAX];
        uint8_t root[TS_HASH_SIZE];
        uint64_t size_in_note = 0;
        size_t body_len = 0;
        ts_error e;

        ts_error_clear(&e);
        if (ts_note_verify(&v->key, cp->note, strlen(cp->note), &body_len,
                           &e) != 0) {
            blame(v,
                  tampered(v, -1, -1,
                           "checkpoint %lld (size %llu): signature: %s",
                           (long long)cp->id, (unsigned long long)cp->tree_size,
                           e.msg),
                  cp->tree_size);
            continue;
        }
        if (ts_checkpoint_parse(cp->note, body_len, origin, sizeof(origin),
                                &size_in_note, root, &e) != 0) {
            blame(v,
                  tampered(v, -1, -1, "checkpoint %lld (size %llu): %s",
                           (long long)cp->id, (unsigned long long)cp->tree_size,
                           e.msg),
                  cp->tree_size);
            continue;
        }
        if (strcmp(origin, v->store->origin) != 0) {
            blame(v,
                  tampered(v, -1, -1,
                           "checkpoint %lld (size %llu): origin '%s' is not "
                           "this store's",
                           (long long)cp->id, (unsigned long long)size_in_note,
                           origin),
                  size_in_note);
        } else if (size_in_note != cp->tree_size ||
                   memcmp(root, cp->root, TS_HASH_SIZE) != 0) {
            /* What was signed is the truth: the entries are checked against
             * the note, and the row's disagreement is reported there, once
             * it is known whether the entries match the note. */
            cp->row_differs = 1;
            cp->tree_size = size_in_note;
            memcpy(cp->root, root, TS_HASH_SIZE);
        }
        v->report->checkpoints++;
    }
    if (v->n_cps > 1) /* cps is NULL when the store has none */
        qsort(v->cps, v->n_cps, sizeof(*v->cps), compare_checkpoints);
    return 0;
}

/* Appends a block's subtrees to the tree before it. The tree's size is a
 * multiple of the block size, so every subtree of the block lands aligned. */
static void frontier_merge(ts_frontier *into, const ts_frontier *block)
{
    unsigned j = 0;

    for (int bit = 63; bit >= 0; bit--)
        if (block->size >> bit & 1)
            (void)ts_frontier_append_subtree(into, (uint64_t)1 << bit,
                                             block->hashes[j++]);
}

static uint64_t tree_size(const verifier_state *v)
{
    return v->frontier.size + v->block.size;
}

static void tree_root(const verifier_state *v, uint8_t out[TS_HASH_SIZE])
{
    ts_frontier f = v->frontier;

    frontier_merge(&f, &v->block);
    ts_frontier_root(&f, out);
}

/* Compares the tree root after each appended leaf with the checkpoints
 * that sign that size. */
static void check_checkpoints_at(verifier_state *v, int64_t block)
{
    uint64_t size = tree_size(v);

    while (v->next_cp < v->n_cps && v->cps[v->next_cp].tree_size <= size) {
        checkpoint_row *cp = &v->cps[v->next_cp++];
        uint8_t root[TS_HASH_SIZE];

        tree_root(v, root);
        if (cp->tree_size != size)
            blame(v,
                  tampered(v, block, -1, "checkpoint %lld signs an empty tree",
                           (long long)cp->id),
                  cp->tree_size);
        else if (memcmp(root, cp->root, TS_HASH_SIZE) != 0)
            blame(v,
                  tampered(v, block, (int64_t)v->signed_size,
                           "block %lld: entries %llu..%llu do not match the "
                           "root signed by checkpoint %lld (size %llu)%s",
                           (long long)block, (unsigned long long)v->signed_size,
                           (unsigned long long)cp->tree_size - 1,
                           (long long)cp->id, (unsigned long long)cp->tree_size,
                           cp->row_differs ? "; its row was rewritten to "
                                             "match them: the signed note "
                                             "differs from its row"
                                           : ""),
                  cp->tree_size);
        else if (cp->row_differs)
            /* The entries are what was signed: only the row is wrong. */
            blame(v,
                  tampered(v, -1, -1,
                           "checkpoint %lld (size %llu): signed note differs "
                           "from its row (size %llu); entries 0..%llu match "
                           "the note",
                           (long long)cp->id, (unsigned long long)cp->tree_size,
                           (unsigned long long)cp->row_size,
                           (unsigned long long)cp->tree_size - 1),
                  cp->tree_size);
        v->signed_size = cp->tree_size;
    }
    while (v->next_kept < v->n_kept &&
           v->kept[v->next_kept].tree_size <= size) {
        kept_row *k = &v->kept[v->next_kept++];
        uint8_t root[TS_HASH_SIZE];

        tree_root(v, root);
        if (k->tree_size != size || memcmp(root, k->root, TS_HASH_SIZE) != 0)
            disagrees(v, k, TS_VERDICT_FORKED,
                      "'%s' signs a different history of the first %llu "
                      "entries (forked: same key, two histories)",
                      k->name, (unsigned long long)k->tree_size);
        else {
            v->report->anchored = 1;
            v->report->kept[k->slot].checked = 1;
        }
    }
}

/* Recomputes one stored block's leaves, appends them to the tree (checking
 * the checkpoints they reach) and checks its row. 1 when verification can
 * go on to the next block, 0 when it stopped at tampering. */
static int verify_block(verifier_state *v, ts_block_reader *reader,
                        sqlite3_stmt *st, int64_t block_no, int64_t n,
                        uint8_t (*leaves)[TS_HASH_SIZE])
{
    ts_store *store = v->store;
    int64_t expect_seq = block_no * (int64_t)store->block_entries;
    int partial = n < (int64_t)store->block_entries;
    ts_block_info info;
    uint64_t m;
    ts_error e;

    ts_error_clear(&e);
    if (ts_block_reader_leaves(reader, sqlite3_column_blob(st, 3),
                               (size_t)sqlite3_column_bytes(st, 3), &info,
                               leaves, (size_t)store->block_entries, &e) != 0) {
        tampered(v, block_no, expect_seq, "block %lld: %s", (long long)block_no,
                 e.msg);
        return 0;
    }
    if (info.first_seq != (uint64_t)expect_seq ||
        memcmp(info.store_id, store->store_id, TS_STORE_ID_SIZE) != 0) {
        /* The compact form gives entry i the seq first_seq + i. */
        tampered(v, block_no, expect_seq,
                 "block %lld, entry %lld: says it is entry %llu of %s store",
                 (long long)block_no, (long long)expect_seq,
                 (unsigned long long)info.first_seq,
                 memcmp(info.store_id, store->store_id, TS_STORE_ID_SIZE) == 0
                     ? "this"
                     : "another");
        return 0;
    }
    m = info.n_entries < (uint64_t)n ? info.n_entries : (uint64_t)n;
    ts_frontier_init(&v->block);
    for (uint64_t i = 0; i < m; i++) {
        ts_frontier_append(&v->block, leaves[i]);
        check_checkpoints_at(v, block_no);
        v->report->entries++;
    }
    if (info.n_entries != (uint64_t)n)
        tampered(v, block_no, expect_seq + (int64_t)m,
                 "block %lld holds %llu entries but its row says %lld",
                 (long long)block_no, (unsigned long long)info.n_entries,
                 (long long)n);
    if (v->report->verdict == TS_VERDICT_TAMPERED)
        return 0;
    if (sqlite3_column_type(st, 4) != SQLITE_NULL || !partial) {
        uint8_t root[TS_HASH_SIZE];
        /* A full block's leaves fold into one subtree: its root. */
        ts_frontier_root(&v->block, root);
        if (partial || sqlite3_column_bytes(st, 4) != TS_HASH_SIZE ||
            memcmp(root, sqlite3_column_blob(st, 4), TS_HASH_SIZE) != 0) {
            tampered(
                v, block_no, expect_seq,
                "block %lld (entries %lld..%lld): entries do not match the block's root",
                (long long)block_no, (long long)expect_seq,
                (long long)(expect_seq + n - 1));
            return 0;
        }
    }
    frontier_merge(&v->frontier, &v->block);
    ts_frontier_init(&v->block);
    return 1;
}

static int verify_blocks(verifier_state *v, ts_error *err)
{
    ts_store *store = v->store;
    ts_verify_report *r = v->report;
    uint8_t(*leaves)[TS_HASH_SIZE] = calloc(store->block_entries, TS_HASH_SIZE);
    ts_block_reader *reader = NULL;
    sqlite3_stmt *st = NULL;
    int64_t expect_block = 0;
    int rc = 0, saw_partial = 0;

    if (leaves == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    rc = ts_block_reader_new(&reader, TS_MAX_ENTRY_SIZE * 4, err);
    if (rc == 0)
        rc = ts_store_prepare(store,
                              "SELECT block_no, first_seq, n_entries, data, "
                              "root FROM blocks ORDER BY block_no",
                              &st, "reading blocks", err);
    while (rc == 0 && r->verdict != TS_VERDICT_TAMPERED &&
           sqlite3_step(st) == SQLITE_ROW) {
        int64_t block_no = sqlite3_column_int64(st, 0);
        int64_t first_seq = sqlite3_column_int64(st, 1);
        int64_t n = sqlite3_column_int64(st, 2);
        int64_t expect_seq = block_no * (int64_t)store->block_entries;

        r->blocks++;
        if (block_no != expect_block) {
            tampered(v, expect_block,
                     expect_block * (int64_t)store->block_entries,
                     "block %lld is missing (next stored block is %lld)",
                     (long long)expect_block, (long long)block_no);
            break;
        }
        if (saw_partial || first_seq != expect_seq || n <= 0 ||
            n > (int64_t)store->block_entries) {
            tampered(v, block_no, expect_seq,
                     "block %lld: bad header (first entry %lld, %lld entries)",
                     (long long)block_no, (long long)first_seq, (long long)n);
            break;
        }
        saw_partial = n < (int64_t)store->block_entries;
        if (!verify_block(v, reader, st, block_no, n, leaves))
            break;
        expect_block++;
    }
    sqlite3_finalize(st);
    ts_block_reader_free(reader);
    free(leaves);
    return rc;
}

/* The first entry a stored frontier does not vouch for: the start of its
 * first subtree that differs from the recomputed one in range or hash. */
static uint64_t frontier_first_difference(const ts_frontier *stored,
                                          const ts_frontier *real)
{
    uint64_t start = 0;
    unsigned i = 0;

    for (int bit = 63; bit >= 0; bit--) {
        int in_stored = stored->size >> bit & 1,
            in_real = real->size >> bit & 1;
        if (in_stored != in_real)
            return start;
        if (in_stored) {
            if (memcmp(stored->hashes[i], real->hashes[i], TS_HASH_SIZE) != 0)
                return start;
            i++;
            start += (uint64_t)1 << bit;
        }
    }
    return start;
}

/* The stored frontier is a cache of the tree's subtrees, not signed: when
 * it is wrong, the report says from which entry on it disagrees and which
 * signed checkpoint the entries match (checked before this). */
static int check_frontier(verifier_state *v, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    ts_frontier stored;
    ts_error e;
    char match[96] = "";
    uint64_t newest = v->n_cps ? v->cps[v->n_cps - 1].tree_size : 0;
    int rc = ts_store_prepare(
        v->store, "SELECT tree_size, data FROM frontier WHERE id = 1", &st,
        "reading the frontier", err);
    if (rc != 0)
        return rc;
    if (v->n_cps > 0)
        snprintf(match, sizeof(match),
                 "; the entries match checkpoint %lld (size %llu)",
                 (long long)v->cps[v->n_cps - 1].id,
                 (unsigned long long)newest);
    ts_error_clear(&e);
    if (sqlite3_step(st) != SQLITE_ROW) {
        if (v->frontier.size != 0)
            blame(v, tampered(v, -1, -1, "the frontier is missing%s", match),
                  newest);
    } else if (ts_frontier_deserialize(&stored, sqlite3_column_blob(st, 1),
                                       (size_t)sqlite3_column_bytes(st, 1),
                                       &e) != 0) {
        blame(v, tampered(v, -1, -1, "frontier: %s%s", e.msg, match), newest);
    } else if (stored.size != v->frontier.size ||
               (uint64_t)sqlite3_column_int64(st, 0) != v->frontier.size ||
               stored.n_hashes != v->frontier.n_hashes ||
               memcmp(stored.hashes, v->frontier.hashes,
                      stored.n_hashes * TS_HASH_SIZE) != 0) {
        uint64_t from = frontier_first_difference(&stored, &v->frontier);
        if (from < v->frontier.size)
            blame(v,
                  tampered(v, (int64_t)(from / v->store->block_entries),
                           (int64_t)from,
                           "the stored frontier (size %llu) does not match "
                           "the %llu entries from entry %llu on%s",
                           (unsigned long long)stored.size,
                           (unsigned long long)v->frontier.size,
                           (unsigned long long)from, match),
                  newest);
        else
            blame(v,
                  tampered(v, -1, -1,
                           "the stored frontier (size %llu, row says %lld) "
                           "does not match the %llu entries%s",
                           (unsigned long long)stored.size,
                           (long long)sqlite3_column_int64(st, 0),
                           (unsigned long long)v->frontier.size, match),
                  newest);
    }
    sqlite3_finalize(st);
    return 0;
}

/* Kept checkpoints larger than the store: it lost entries it once signed. */
static void check_rolled_back(verifier_state *v)
{
    for (; v->next_kept < v->n_kept; v->next_kept++) {
        kept_row *k = &v->kept[v->next_kept];
        disagrees(v, k, TS_VERDICT_ROLLED_BACK,
                  "'%s' signs %llu entries but the store holds %llu "
                  "(rolled back: entries were removed or an older copy "
                  "restored)",
                  k->name, (unsigned long long)k->tree_size,
                  (unsigned long long)v->frontier.size);
    }
}

int ts_store_verify(ts_store *store, const ts_verify_options *opts,
                    ts_verify_report *out, ts_error *err)
{
    verifier_state v;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    out->verdict = TS_VERDICT_INTACT;
    out->first_bad_block = -1;
    out->first_bad_entry = -1;
    out->checkpoint = -1;
    memset(&v, 0, sizeof(v));
    v.store = store;
    v.report = out;
    /* The trusted key: the auditor's, else the key file's public half,
     * else the one recorded in the store. */
    if (opts != NULL && opts->vkey != NULL)
        rc = ts_verifier_parse(&v.key, opts->vkey, err);
    else if (store->has_signer)
        ts_signer_verifier(&store->signer, &v.key);
    else
        v.key = store->verifier;
    if (rc != 0)
        return ts_error_prefix(err, "verifier key: ");
    snprintf(out->key_id, sizeof(out->key_id), "%08x", v.key.key_id);
    ts_frontier_init(&v.frontier);

    rc = load_kept(&v, opts, err);
    if (rc == 0)
        rc = ts_store_exec(store, "BEGIN", "starting verification", err);
    if (rc == 0) {
        rc = load_checkpoints(&v, err);
        if (rc == 0)
            rc = verify_blocks(&v, err);
        /* What the signed checkpoints say outranks the unsigned frontier:
         * they are checked first. */
        if (rc == 0 && out->verdict != TS_VERDICT_TAMPERED) {
            if (v.next_cp < v.n_cps)
                blame(&v,
                      tampered(
                          &v, (int64_t)(v.frontier.size / store->block_entries),
                          (int64_t)v.frontier.size,
                          "checkpoint %lld signs %llu entries but the "
                          "store holds %llu",
                          (long long)v.cps[v.next_cp].id,
                          (unsigned long long)v.cps[v.next_cp].tree_size,
                          (unsigned long long)v.frontier.size),
                      v.cps[v.next_cp].tree_size);
            else if (v.frontier.size > 0 &&
                     (v.n_cps == 0 ||
                      v.cps[v.n_cps - 1].tree_size != v.frontier.size)) {
                uint64_t from = v.n_cps ? v.cps[v.n_cps - 1].tree_size : 0;
                int recorded = tampered(
                    &v, (int64_t)(from / store->block_entries), (int64_t)from,
                    "entries %llu..%llu after the newest checkpoint are not "
                    "signed",
                    (unsigned long long)from,
                    (unsigned long long)v.frontier.size - 1);
                if (v.n_cps > 0)
                    blame(&v, recorded, from);
            }
        }
        if (rc == 0 && out->verdict != TS_VERDICT_TAMPERED)
            rc = check_frontier(&v, err);
        if (rc == 0 && out->verdict != TS_VERDICT_TAMPERED)
            check_rolled_back(&v);
        sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL);
    }
    free_checkpoints(&v);
    free(v.kept);
    return rc;
}
