/* Writing posting lists (schemas/index.sql, "Posting lists"): each
 * value's entries of the current block are gathered in memory, and
 * written as one row per value when the block ends or the batch commits,
 * instead of an index entry per event. A block that a commit (or a full
 * writer) left part written gets the rest appended to its row
 * (ts_postings_append(), postings.c).
 *
 * An entry added touches its value's slot and appends to one array; the
 * lists are made at the flush, grouped by a counting sort. Growing each
 * value's list as entries came (a buffer per value) cost a cache miss more
 * per entry and value, and a malloc per value and block (docs/
 * PERFORMANCE.md, "Posting lists gathered in one array"). */
#include <stdlib.h>
#include <string.h>

/* header-only: libpg_query bundles its own XXH3 symbols */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "store/store_internal.h"

/* A value of the current block. */
typedef struct posting {
    uint64_t hash;  /* key_hash() of field and value */
    int64_t value;  /* an integer value, */
    uint64_t last;  /* its last entry */
    uint32_t text;  /* or a text one: its offset + 1 in keys; 0: none */
    uint32_t count; /* its entries in adds */
    uint32_t end;   /* at a flush: where its run in runs ends */
    uint8_t used;
    uint8_t field; /* a ts_posting_field */
} posting;

/* Most entries, values and bytes of text values a block gathers before
 * its lists so far are written, at the next entry (a later flush appends
 * the rest): bounds memory whatever the statements hold (a statement of
 * 10,000 literals adds 10,000 values). */
#define TS_POSTING_ADDS_MAX (1u << 21)
#define TS_POSTING_VALUES_MAX (1u << 18)
#define TS_POSTING_KEY_BYTES_MAX (16u << 20)
/* Past these, a flush frees the table, the array or the texts' buffer
 * when they are mostly empty (release_spare()). */
#define TS_POSTING_SLOTS_KEPT (1u << 16)
#define TS_POSTING_ADDS_KEPT (1u << 20)
#define TS_POSTING_KEY_BYTES_KEPT (1u << 20)

/* A used slot, and its text value (NULL: an integer one), to sort. */
typedef struct sorted_posting {
    posting *p;
    const char *text;
} sorted_posting;

struct ts_postings_writer {
    ts_store *store;
    sqlite3_stmt *upsert;
    int has_block;
    uint64_t block;
    posting *slots; /* open addressing on (field, value) */
    size_t n_slots; /* a power of two, or 0 */
    size_t n_used;
    ts_buf keys; /* the text values of the used slots, each NUL-ended */
    /* Each entry added, in order: its slot << 32 | its offset in the block.
     * One sequential write per entry; a value's list is made at the flush
     * (the slots stay small, and no list is grown entry by entry). */
    uint64_t *adds;
    size_t n_adds, adds_size;
    uint64_t last_seq; /* the entry of the last add */
    /* A flush's scratch: the used slots sorted, the offsets grouped by
     * slot, and one list. */
    sorted_posting *order;
    uint32_t *runs;
    ts_buf list;
};

static const char upsert_sql[] =
    "INSERT INTO event_postings(field, epoch, value, block, seqs)"
    " VALUES(?1, ?5, ?2, ?3, ?4) ON CONFLICT(field, epoch, value, block)"
    " DO UPDATE SET seqs = ts_postings_append(seqs, excluded.seqs)";

static const char *text_of(const ts_postings_writer *w, const posting *p)
{
    return p->text != 0 ? (const char *)w->keys.data + p->text - 1 : NULL;
}

void ts_postings_writer_free(ts_postings_writer *w)
{
    if (w == NULL)
        return;
    sqlite3_finalize(w->upsert);
    free(w->slots);
    free(w->order);
    free(w->adds);
    free(w->runs);
    ts_buf_release(&w->keys);
    ts_buf_release(&w->list);
    free(w);
}

int ts_postings_writer_new(ts_postings_writer **out, ts_store *store,
                           ts_error *err)
{
    ts_postings_writer *w = calloc(1, sizeof(*w));
    int rc;

    *out = NULL;
    if (w == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    w->store = store;
    ts_buf_init(&w->keys, UINT32_MAX - 1);
    ts_buf_init(&w->list, SIZE_MAX);
    rc = ts_store_prepare(store, upsert_sql, &w->upsert, "indexing postings",
                          err);
    if (rc != 0) {
        ts_postings_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

static int same_key(const ts_postings_writer *w, const posting *p,
                    ts_posting_field field, int64_t value, const char *text)
{
    return p->field == field &&
           (text != NULL ? p->text != 0 && strcmp(text_of(w, p), text) == 0
                         : p->text == 0 && p->value == value);
}

static uint64_t key_hash(ts_posting_field field, int64_t value,
                         const char *text)
{
    uint64_t h = text != NULL ? XXH3_64bits(text, strlen(text))
                              : (uint64_t)value * 0x9e3779b97f4a7c15ull;

    h ^= (uint64_t)field;
    return h ^ h >> 29;
}

/* The slot of the key (field, value or text) whose key_hash() is h: its
 * own, or the empty one where it would go. */
static size_t slot_of(const ts_postings_writer *w, uint64_t h,
                      ts_posting_field field, int64_t value, const char *text)
{
    for (size_t i = (size_t)h & (w->n_slots - 1);;
         i = (i + 1) & (w->n_slots - 1))
        if (!w->slots[i].used ||
            (w->slots[i].hash == h &&
             same_key(w, &w->slots[i], field, value, text)))
            return i;
}

/* Doubles the table (or makes its first), moving the values over and
 * renaming their slots in adds. */
static int grow(ts_postings_writer *w, ts_error *err)
{
    ts_postings_writer bigger = *w;
    size_t n = w->n_slots ? 2 * w->n_slots : 1024;
    uint32_t *moved = calloc(w->n_slots ? w->n_slots : 1, sizeof(*moved));

    bigger.slots = calloc(n, sizeof(*bigger.slots));
    bigger.order = calloc(n / 2, sizeof(*bigger.order));
    if (moved == NULL || bigger.slots == NULL || bigger.order == NULL) {
        free(moved);
        free(bigger.slots);
        free(bigger.order);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    bigger.n_slots = n;
    for (size_t i = 0; i < w->n_slots; i++) {
        const posting *p = &w->slots[i];
        if (!p->used)
            continue;
        moved[i] =
            (uint32_t)slot_of(&bigger, p->hash, (ts_posting_field)p->field,
                              p->value, text_of(w, p));
        bigger.slots[moved[i]] = *p;
    }
    for (size_t i = 0; i < w->n_adds; i++)
        w->adds[i] =
            (uint64_t)moved[w->adds[i] >> 32] << 32 | (uint32_t)w->adds[i];
    free(moved);
    free(w->slots);
    free(w->order);
    w->slots = bigger.slots;
    w->order = bigger.order;
    w->n_slots = n;
    return 0;
}

static int by_key(const void *a, const void *b)
{
    const sorted_posting *x = a, *y = b;

    if (x->p->field != y->p->field)
        return x->p->field < y->p->field ? -1 : 1;
    if (x->text != NULL && y->text != NULL)
        return strcmp(x->text, y->text);
    if (x->text != NULL || y->text != NULL) /* SQLite: integers first */
        return x->text != NULL ? 1 : -1;
    return (x->p->value > y->p->value) - (x->p->value < y->p->value);
}

/* Makes room for one more add, and for as many in runs at the flush. */
static int reserve_add(ts_postings_writer *w, ts_error *err)
{
    size_t n = w->adds_size ? 2 * w->adds_size : 65536;
    uint64_t *adds;
    uint32_t *runs;

    if (w->n_adds < w->adds_size)
        return 0;
    adds = realloc(w->adds, n * sizeof(*adds));
    if (adds == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    w->adds = adds;
    runs = realloc(w->runs, n * sizeof(*runs));
    if (runs == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    w->runs = runs;
    w->adds_size = n;
    return 0;
}

/* Writes posting p's list: its run of offsets in runs. */
static int write_list(ts_postings_writer *w, const posting *p, ts_error *err)
{
    const uint32_t *run = w->runs + (p->end - p->count);
    uint32_t at = 0;
    int rc = 0;

    /* the first entry's offset from the block's start, then the gaps */
    w->list.len = 0;
    for (uint32_t i = 0; rc == 0 && i < p->count; i++) {
        rc = ts_varint_append(&w->list, run[i] - at, err);
        at = run[i];
    }
    if (rc != 0)
        return rc;
    sqlite3_bind_text(w->upsert, 1, ts_posting_field_name(p->field), -1,
                      SQLITE_STATIC);
    if (p->text != 0)
        sqlite3_bind_text(w->upsert, 2, text_of(w, p), -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(w->upsert, 2, p->value);
    sqlite3_bind_int64(w->upsert, 3, (sqlite3_int64)w->block);
    sqlite3_bind_blob(w->upsert, 4, w->list.data, (int)w->list.len,
                      SQLITE_STATIC);
    sqlite3_bind_int64(w->upsert, 5,
                       (sqlite3_int64)(w->block >> TS_POSTING_EPOCH_BITS));
    return ts_store_step_done(w->store, w->upsert, "indexing postings", err);
}

/* Frees what one block of exceptional statements grew far past what this
 * one used (a 240,000-row INSERT leaves a 50 MB table of values behind),
 * before the lists are forgotten: the next block grows it again if it
 * needs it. */
static void release_spare(ts_postings_writer *w)
{
    if (w->n_slots > TS_POSTING_SLOTS_KEPT && 8 * w->n_used < w->n_slots) {
        free(w->slots);
        free(w->order);
        w->slots = NULL;
        w->order = NULL;
        w->n_slots = 0;
    }
    if (w->adds_size > TS_POSTING_ADDS_KEPT && 8 * w->n_adds < w->adds_size) {
        free(w->adds);
        free(w->runs);
        w->adds = NULL;
        w->runs = NULL;
        w->adds_size = 0;
    }
    if (w->keys.size > TS_POSTING_KEY_BYTES_KEPT &&
        8 * w->keys.len < w->keys.size)
        ts_buf_release(&w->keys);
}

/* Writes every list held, in key order (the table's), and forgets them. */
int ts_postings_writer_flush(ts_postings_writer *w, ts_error *err)
{
    size_t n = 0, end = 0;
    int rc = 0;

    if (w->n_used == 0)
        return 0;
    for (size_t i = 0; i < w->n_slots; i++)
        if (w->slots[i].used) {
            w->order[n].p = &w->slots[i];
            w->order[n++].text = text_of(w, &w->slots[i]);
        }
    qsort(w->order, n, sizeof(*w->order), by_key);
    /* the runs in key order; the adds, in entry order, fill each run from
     * its start, so each ends in entry order where the next begins */
    for (size_t i = 0; i < n; i++) {
        w->order[i].p->end = (uint32_t)end;
        end += w->order[i].p->count;
    }
    for (size_t i = 0; i < w->n_adds; i++)
        w->runs[w->slots[w->adds[i] >> 32].end++] = (uint32_t)w->adds[i];
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = write_list(w, w->order[i].p, err);
    /* Written or not (a failed batch rolls back), they are forgotten: the
     * lists start over from the block's first entry. */
    release_spare(w);
    if (w->slots != NULL)
        memset(w->slots, 0, w->n_slots * sizeof(*w->slots));
    w->n_used = 0;
    w->n_adds = 0;
    w->keys.len = 0;
    return rc;
}

/* Adds seq to the list of (field, value) or, when text is not NULL,
 * (field, text). */
static int add(ts_postings_writer *w, ts_posting_field field, int64_t value,
               const char *text, uint64_t seq, ts_error *err)
{
    uint64_t block = seq >> TS_POSTING_BITS, h;
    posting *p;
    size_t slot;
    int rc = 0;

    /* a new block, or too much gathered: written, between two entries */
    if ((w->has_block && block != w->block) ||
        (seq != w->last_seq && (w->n_adds >= TS_POSTING_ADDS_MAX ||
                                w->n_used >= TS_POSTING_VALUES_MAX ||
                                w->keys.len >= TS_POSTING_KEY_BYTES_MAX)))
        rc = ts_postings_writer_flush(w, err);
    if (rc == 0 && 2 * (w->n_used + 1) > w->n_slots)
        rc = grow(w, err);
    if (rc == 0)
        rc = reserve_add(w, err);
    if (rc != 0)
        return rc;
    w->has_block = 1;
    w->block = block;
    h = key_hash(field, value, text);
    slot = slot_of(w, h, field, value, text);
    p = &w->slots[slot];
    if (!p->used) {
        if (text != NULL) {
            size_t at = w->keys.len;
            rc = ts_buf_append(&w->keys, text, strlen(text) + 1, err);
            if (rc != 0)
                return rc;
            p->text = (uint32_t)at + 1;
        }
        p->used = 1;
        p->hash = h;
        p->field = (uint8_t)field;
        p->value = value;
        w->n_used++;
    } else if (seq == p->last) {
        return 0; /* an entry holds the value twice: listed once */
    } else if (seq < p->last) {
        return ts_error_set(
            err, TS_EINVAL, "indexing postings: entry %llu after entry %llu",
            (unsigned long long)seq, (unsigned long long)p->last);
    }
    p->last = seq;
    p->count++;
    w->last_seq = seq;
    w->adds[w->n_adds++] =
        (uint64_t)slot << 32 | (uint32_t)(seq - (block << TS_POSTING_BITS));
    return 0;
}

int ts_postings_writer_add(ts_postings_writer *w, ts_posting_field field,
                           int64_t value, uint64_t seq, ts_error *err)
{
    return add(w, field, value, NULL, seq, err);
}

int ts_postings_writer_add_text(ts_postings_writer *w, ts_posting_field field,
                                const char *value, uint64_t seq, ts_error *err)
{
    return add(w, field, 0, value, seq, err);
}
