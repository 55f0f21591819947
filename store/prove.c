/* Producing proofs from a store: inclusion (c2sp.org/tlog-proof@v1) and
 * consistency, with subtree hashes computed from block roots and entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "trailseal/proof.h"

/* One decompressed block: its entries' leaf hashes and offsets. */
typedef struct block_slot {
    int64_t block_no;  /* -1: empty */
    uint64_t for_size; /* tree size when loaded: a partial block may grow */
    uint64_t used;     /* last use, for eviction */
    /* the entries' encodings and offsets, and in e.leaves the leaf hashes,
     * then each level of complete nodes above them: level k (k_off[k] on)
     * holds n_leaves >> k hashes, each the root of 2^k leaves at an
     * aligned start */
    ts_block_entries e;
    uint64_t k_off[64];
    unsigned n_levels;
    uint64_t n_leaves;
} block_slot;

/* Two slots: an inclusion proof needs the entry's own block and, when the
 * tree ends inside a block, that last block; with one slot, proofs of
 * neighbouring entries would decompress both blocks each time. */
#define PROVER_SLOTS 2

/* Hashes of complete subtrees above the blocks, level L covering
 * block_entries << L entries at an aligned start: they never change, and
 * every proof would otherwise rehash the block roots under its siblings
 * (about one hash per block of the tree). */
#define PROVER_LEVELS 48

typedef struct node_level {
    uint8_t (*hash)[TS_HASH_SIZE];
    uint8_t *known;
    uint64_t n;
} node_level;

/* Subtree hashes for the tree being proven: full blocks answer from their
 * stored roots, ranges inside one block from its recomputed leaves. The
 * store keeps one prover across proofs (store->prover), so proofs of
 * entries in the same block decompress it once. */
struct ts_prover {
    ts_store *store;
    sqlite3_stmt *get_block;
    ts_block_reader *reader; /* one zstd context and buffer for every block */
    uint64_t size;           /* the tree size of the proof being made */
    uint64_t clock;
    block_slot slots[PROVER_SLOTS];
    block_slot *cur; /* the slot load_block(..., NULL, ...) filled or found */
    node_level levels[PROVER_LEVELS]; /* [0] unused: block roots */
};
typedef struct ts_prover prover;

static int prover_new(prover **out, ts_store *store, ts_error *err)
{
    prover *p = calloc(1, sizeof(*p));
    int rc = 0;

    *out = p;
    if (p == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    p->store = store;
    for (size_t i = 0; i < PROVER_SLOTS; i++) {
        block_slot *s = &p->slots[i];
        s->block_no = -1;
        ts_buf_init(&s->e.plain, TS_MAX_ENTRY_SIZE * 4);
        s->e.leaves = calloc(2 * store->block_entries, TS_HASH_SIZE);
        s->e.offsets = calloc(store->block_entries + 1, sizeof(size_t));
        if (s->e.leaves == NULL || s->e.offsets == NULL)
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    if (rc == 0)
        rc = ts_block_reader_new(&p->reader, TS_MAX_ENTRY_SIZE * 4, err);
    if (rc == 0)
        rc = ts_store_prepare(
            store,
            "SELECT n_entries, data, root FROM blocks WHERE block_no = ?",
            &p->get_block, "reading blocks", err);
    return rc;
}

void ts_store_prover_free(ts_store *store)
{
    prover *p = store->prover;

    if (p == NULL)
        return;
    sqlite3_finalize(p->get_block);
    ts_block_reader_free(p->reader);
    for (size_t i = 0; i < PROVER_SLOTS; i++) {
        ts_buf_release(&p->slots[i].e.plain);
        free(p->slots[i].e.leaves);
        free(p->slots[i].e.offsets);
    }
    for (size_t i = 0; i < PROVER_LEVELS; i++) {
        free(p->levels[i].hash);
        free(p->levels[i].known);
    }
    free(p);
    store->prover = NULL;
}

/* The store's prover, made on first use; size is the tree being proven. */
static int prover_get(ts_store *store, uint64_t size, prover **out,
                      ts_error *err)
{
    int rc = 0;

    if (store->prover == NULL) {
        rc = prover_new(&store->prover, store, err);
        if (rc != 0)
            ts_store_prover_free(store);
    }
    *out = store->prover;
    if (rc == 0)
        (*out)->size = size;
    return rc;
}

/* Keeps a full block's root for the store's later proofs; a cache that
 * cannot grow is simply not used. */
static void remember_root(ts_store *store, uint64_t block_no,
                          const uint8_t root[TS_HASH_SIZE])
{
    if (block_no >= store->root_cache_n) {
        uint64_t n = block_no + 1 > 2 * store->root_cache_n
                         ? block_no + 1
                         : 2 * store->root_cache_n;
        uint8_t(*roots)[TS_HASH_SIZE];
        uint8_t *known;
        if (n > ((uint64_t)1 << 32))
            return;
        roots = realloc(store->root_cache, (size_t)n * TS_HASH_SIZE);
        if (roots == NULL)
            return;
        store->root_cache = roots;
        known = realloc(store->root_known, (size_t)n);
        if (known == NULL)
            return;
        memset(known + store->root_cache_n, 0,
               (size_t)(n - store->root_cache_n));
        store->root_known = known;
        store->root_cache_n = n;
    }
    memcpy(store->root_cache[block_no], root, TS_HASH_SIZE);
    store->root_known[block_no] = 1;
}

/* Hashes the complete nodes above a slot's leaves, level by level. */
static void build_levels(block_slot *s)
{
    uint64_t at = s->n_leaves, width = s->n_leaves;
    unsigned k = 0;

    s->k_off[0] = 0;
    while (width >= 2 && k + 1 < 64) {
        uint64_t below = s->k_off[k];
        s->k_off[++k] = at;
        for (uint64_t i = 0; i + 1 < width; i += 2)
            ts_merkle_node_hash(s->e.leaves[below + i],
                                s->e.leaves[below + i + 1], s->e.leaves[at++]);
        width /= 2;
    }
    s->n_levels = k + 1;
}

/* The hash of leaves [lo, hi) of a slot (RFC 9162 MTH), from its levels. */
static void slot_range(const block_slot *s, uint64_t lo, uint64_t hi,
                       uint8_t out[TS_HASH_SIZE])
{
    uint64_t n = hi - lo, k = 1;
    unsigned level = 0;
    uint8_t left[TS_HASH_SIZE], right[TS_HASH_SIZE];

    if ((n & (n - 1)) == 0 && lo % n == 0) {
        while (((uint64_t)1 << level) < n)
            level++;
        if (level < s->n_levels) {
            memcpy(out, s->e.leaves[s->k_off[level] + (lo >> level)],
                   TS_HASH_SIZE);
            return;
        }
    }
    while (k << 1 < n)
        k <<= 1;
    slot_range(s, lo, lo + k, left);
    slot_range(s, lo + k, hi, right);
    ts_merkle_node_hash(left, right, out);
}

/* A slot holding block_no that is still valid for the tree being
 * proven: a full block never changes, a partial one only for the same
 * tree size. NULL when none. */
static block_slot *find_slot(prover *p, uint64_t block_no)
{
    for (size_t i = 0; i < PROVER_SLOTS; i++) {
        block_slot *s = &p->slots[i];
        if (s->block_no == (int64_t)block_no &&
            (s->n_leaves == p->store->block_entries || s->for_size == p->size))
            return s;
    }
    return NULL;
}

/* Loads block_no's entries into a slot (p->cur); with want_root, only its
 * stored root when the block is full (1 returned), else 0 after loading
 * the leaves. */
static int load_block(prover *p, uint64_t block_no, uint8_t *root_out,
                      ts_error *err)
{
    sqlite3_stmt *st = p->get_block;
    block_slot *slot;
    ts_block_info info;
    int rc = 0;

    if (root_out == NULL && (slot = find_slot(p, block_no)) != NULL) {
        slot->used = ++p->clock;
        p->cur = slot;
        return 0;
    }
    if (root_out != NULL && block_no < p->store->root_cache_n &&
        p->store->root_known[block_no]) {
        memcpy(root_out, p->store->root_cache[block_no], TS_HASH_SIZE);
        return 1;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)block_no);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = ts_error_set(err, TS_ECORRUPT, "'%s': block %llu is missing",
                          p->store->path, (unsigned long long)block_no);
        goto done;
    }
    if (root_out != NULL && sqlite3_column_bytes(st, 2) == TS_HASH_SIZE) {
        memcpy(root_out, sqlite3_column_blob(st, 2), TS_HASH_SIZE);
        remember_root(p->store, block_no, root_out);
        rc = 1;
        goto done;
    }
    uint64_t n = (uint64_t)sqlite3_column_int64(st, 0);
    if (n > p->store->block_entries) {
        rc = ts_error_set(err, TS_ECORRUPT, "block %llu: bad entry count",
                          (unsigned long long)block_no);
        goto done;
    }
    /* the least recently used slot */
    slot = &p->slots[0];
    for (size_t i = 1; i < PROVER_SLOTS; i++)
        if (p->slots[i].used < slot->used)
            slot = &p->slots[i];
    slot->block_no = -1;
    rc = ts_block_reader_entries(p->reader, sqlite3_column_blob(st, 1),
                                 (size_t)sqlite3_column_bytes(st, 1), &info,
                                 &slot->e, (size_t)n, err);
    if (rc == 0 && info.n_entries != n)
        rc = ts_error_set(
            err, TS_ECORRUPT, "holds %llu entries where its row says %llu",
            (unsigned long long)info.n_entries, (unsigned long long)n);
    if (rc == 0) {
        slot->n_leaves = n;
        build_levels(slot);
        slot->block_no = (int64_t)block_no;
        slot->for_size = p->size;
        slot->used = ++p->clock;
        p->cur = slot;
    } else {
        ts_error_prefix(err, "'%s': block %llu: ", p->store->path,
                        (unsigned long long)block_no);
    }
done:
    sqlite3_reset(st);
    return rc;
}

/* The level of [start, start + n) in p->levels when it is a complete
 * aligned subtree above one block, else 0. */
static unsigned node_level_of(const prover *p, uint64_t start, uint64_t n)
{
    uint64_t b = p->store->block_entries;
    unsigned level = 0;

    if (n <= b || (n & (n - 1)) != 0 || start % n != 0)
        return 0;
    while ((b << level) < n)
        level++;
    return level < PROVER_LEVELS ? level : 0;
}

/* Remembers a complete subtree's hash; a cache that cannot grow is simply
 * not used. */
static void remember_node(prover *p, unsigned level, uint64_t at,
                          const uint8_t hash[TS_HASH_SIZE])
{
    node_level *l = &p->levels[level];

    if (at >= l->n) {
        uint64_t n = at + 1 > 2 * l->n ? at + 1 : 2 * l->n;
        uint8_t(*hashes)[TS_HASH_SIZE];
        uint8_t *known;
        if (n > ((uint64_t)1 << 32))
            return;
        hashes = realloc(l->hash, (size_t)n * TS_HASH_SIZE);
        if (hashes == NULL)
            return;
        l->hash = hashes;
        known = realloc(l->known, (size_t)n);
        if (known == NULL)
            return;
        memset(known + l->n, 0, (size_t)(n - l->n));
        l->known = known;
        l->n = n;
    }
    memcpy(l->hash[at], hash, TS_HASH_SIZE);
    l->known[at] = 1;
}

static int subtree(void *ctx, uint64_t start, uint64_t end,
                   uint8_t out[TS_HASH_SIZE], ts_error *err)
{
    prover *p = ctx;
    uint64_t b = p->store->block_entries, n = end - start;
    unsigned level = node_level_of(p, start, n);
    int rc;

    if (level > 0 && start / n < p->levels[level].n &&
        p->levels[level].known[start / n]) {
        memcpy(out, p->levels[level].hash[start / n], TS_HASH_SIZE);
        return 0;
    }

    if (start % b == 0 && n == b) {
        rc = load_block(p, start / b, out, err);
        if (rc != 0)
            return rc < 0 ? rc : 0; /* 1: the stored root answered */
    }
    if (start / b == (end - 1) / b) {
        rc = load_block(p, start / b, NULL, err);
        if (rc != 0)
            return rc;
        if (end - (start / b) * b > p->cur->n_leaves)
            return ts_error_set(err, TS_ECORRUPT,
                                "block %llu holds fewer entries than the tree",
                                (unsigned long long)(start / b));
        slot_range(p->cur, start % b, start % b + n, out);
        return 0;
    }
    /* RFC 9162: split at the largest power of two smaller than n. */
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    uint8_t left[TS_HASH_SIZE], right[TS_HASH_SIZE];
    rc = subtree(ctx, start, start + k, left, err);
    if (rc == 0)
        rc = subtree(ctx, start + k, end, right, err);
    if (rc == 0)
        ts_merkle_node_hash(left, right, out);
    if (rc == 0 && level > 0)
        remember_node(p, level, start / n, out);
    return rc;
}

/* The tree a checkpoint note signs. */
typedef struct note_tree {
    uint64_t size;
    uint8_t root[TS_HASH_SIZE];
} note_tree;

/* Reads the tree out of a checkpoint note (its signature is not checked:
 * a proof made against it is, see prove_inclusion). */
static int read_note_tree(const ts_store *store, const char *note,
                          note_tree *tree, ts_error *err)
{
    char origin[TS_KEY_NAME_MAX];
    /* The body ends at the blank line before the signatures. */
    const char *blank = strstr(note, "\n\n");
    int rc;

    if (blank == NULL)
        return ts_error_set(err, TS_ECORRUPT,
                            "'%s': checkpoint has no signature", store->path);
    rc = ts_checkpoint_parse(note, (size_t)(blank - note) + 1, origin,
                             sizeof(origin), &tree->size, tree->root, err);
    if (rc != 0)
        ts_error_prefix(err, "'%s': checkpoint: ", store->path);
    return rc;
}

/* The newest checkpoint's note and tree. */
static int newest_checkpoint(ts_store *store, char **note, note_tree *tree,
                             ts_error *err)
{
    int rc = ts_store_checkpoint(store, note, err);

    if (rc == 0)
        rc = read_note_tree(store, *note, tree, err);
    if (rc != 0) {
        free(*note);
        *note = NULL;
    }
    return rc;
}

/* Appends proof hashes, one base64 line each. */
static int append_hashes(ts_buf *out, uint8_t (*hashes)[TS_HASH_SIZE], size_t n,
                         ts_error *err)
{
    char b64[64];
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        ts_base64_encode(hashes[i], TS_HASH_SIZE, b64);
        rc = ts_buf_append(out, b64, strlen(b64), err);
        if (rc == 0)
            rc = ts_buf_append_byte(out, '\n', err);
    }
    return rc;
}

static int finish(ts_buf *out, const char *note, char **result, ts_error *err)
{
    int rc = ts_buf_append_byte(out, '\n', err);

    if (rc == 0)
        rc = ts_buf_append(out, note, strlen(note), err);
    if (rc == 0)
        rc = ts_buf_terminate(out, err);
    if (rc == 0) {
        *result = (char *)out->data;
        out->data = NULL;
        out->len = out->size = 0;
    }
    return rc;
}

/* The proof of entry `index` against `note`, a checkpoint of `tree`;
 * `which` names the checkpoint in an error. The proof is checked against
 * the note's root before it is given out: a note that is not of this
 * store's tree (another store's, or from before the store was rolled back
 * or altered) gives TS_ECORRUPT, never a proof that cannot verify. */
static int prove_inclusion(ts_store *store, uint64_t index, const char *note,
                           const note_tree *tree, const char *which, char **out,
                           ts_error *err)
{
    uint8_t hashes[TS_MERKLE_MAX_PROOF][TS_HASH_SIZE];
    char line[64], *b64 = NULL;
    size_t n = 0;
    prover *p = NULL;
    ts_buf text;
    int rc;

    ts_buf_init(&text, TS_MAX_ENTRY_SIZE * 2);
    rc = prover_get(store, tree->size, &p, err);
    if (rc == 0 && index >= tree->size)
        rc = ts_error_set(
            err, TS_ENOTFOUND, "entry %llu is not covered by %s (%llu entries)",
            (unsigned long long)index, which, (unsigned long long)tree->size);
    if (rc == 0)
        rc = ts_merkle_prove_inclusion(subtree, p, index, tree->size, hashes,
                                       &n, err);
    /* The entry's own bytes, for the extra line. */
    if (rc == 0)
        rc = load_block(p, index / store->block_entries, NULL, err);
    if (rc == 0 && index % store->block_entries >= p->cur->n_leaves)
        rc = ts_error_set(err, TS_ECORRUPT,
                          "'%s': entry %llu: its block holds fewer entries "
                          "than %s covers",
                          store->path, (unsigned long long)index, which);
    if (rc == 0 &&
        ts_merkle_verify_inclusion(
            index, tree->size, p->cur->e.leaves[index % store->block_entries],
            (const uint8_t(*)[TS_HASH_SIZE])hashes, n, tree->root, err) != 0)
        rc = ts_error_set(err, TS_ECORRUPT,
                          "'%s': entry %llu: the store's tree does not give "
                          "the root %s signs (a checkpoint of another store, "
                          "or of this one before it was changed)",
                          store->path, (unsigned long long)index, which);
    if (rc == 0) {
        const block_slot *slot = p->cur;
        uint64_t i = index % store->block_entries;
        size_t len = slot->e.offsets[i + 1] - slot->e.offsets[i];
        b64 = malloc(ts_base64_encoded_size(len));
        if (b64 == NULL)
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        else
            ts_base64_encode(slot->e.plain.data + slot->e.offsets[i], len, b64);
    }
    if (rc == 0)
        rc = ts_buf_append(&text, "c2sp.org/tlog-proof@v1\nextra ", 29, err);
    if (rc == 0)
        rc = ts_buf_append(&text, b64, strlen(b64), err);
    if (rc == 0) {
        snprintf(line, sizeof(line), "\nindex %llu\n",
                 (unsigned long long)index);
        rc = ts_buf_append(&text, line, strlen(line), err);
    }
    if (rc == 0)
        rc = append_hashes(&text, hashes, n, err);
    if (rc == 0)
        rc = finish(&text, note, out, err);
    free(b64);
    ts_buf_release(&text);
    return rc;
}

int ts_store_prove_inclusion(ts_store *store, uint64_t index, char **out,
                             ts_error *err)
{
    char *note = NULL;
    note_tree tree;
    int rc = newest_checkpoint(store, &note, &tree, err);

    *out = NULL;
    if (rc == 0)
        rc = prove_inclusion(store, index, note, &tree, "the newest checkpoint",
                             out, err);
    free(note);
    return rc;
}

int ts_store_prove_inclusion_in(ts_store *store, uint64_t index,
                                const char *note, char **out, ts_error *err)
{
    note_tree tree;
    int rc = read_note_tree(store, note, &tree, err);

    *out = NULL;
    if (rc == 0)
        rc = prove_inclusion(store, index, note, &tree, "the checkpoint", out,
                             err);
    return rc;
}

int ts_store_prove_consistency(ts_store *store, uint64_t from_size, char **out,
                               ts_error *err)
{
    uint8_t hashes[TS_MERKLE_MAX_PROOF][TS_HASH_SIZE], old_root[TS_HASH_SIZE];
    char line[160], b64[64], *note = NULL;
    note_tree tree;
    uint64_t size = 0;
    size_t n = 0;
    prover *p = NULL;
    ts_buf text;
    int rc;

    *out = NULL;
    ts_buf_init(&text, 1 << 20);
    rc = newest_checkpoint(store, &note, &tree, err);
    if (rc == 0) {
        size = tree.size;
        rc = prover_get(store, size, &p, err);
    }
    if (rc == 0 && (from_size == 0 || from_size > size))
        rc = ts_error_set(err, TS_EINVAL,
                          "--from-size %llu: must be between 1 and the newest "
                          "checkpoint's %llu entries",
                          (unsigned long long)from_size,
                          (unsigned long long)size);
    if (rc == 0)
        rc = subtree(p, 0, from_size, old_root, err);
    if (rc == 0 && from_size < size)
        rc = ts_merkle_prove_consistency(subtree, p, from_size, size, hashes,
                                         &n, err);
    if (rc == 0) {
        ts_base64_encode(old_root, TS_HASH_SIZE, b64);
        snprintf(line, sizeof(line),
                 "trailseal.local/tlog-consistency@v1\nold %llu %s\n",
                 (unsigned long long)from_size, b64);
        rc = ts_buf_append(&text, line, strlen(line), err);
    }
    if (rc == 0)
        rc = append_hashes(&text, hashes, n, err);
    if (rc == 0)
        rc = finish(&text, note, out, err);
    free(note);
    ts_buf_release(&text);
    return rc;
}
