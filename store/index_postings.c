/* Writing posting lists (schemas/index.sql, "Posting lists"): each
 * value's entries of the current block are gathered in memory, and
 * written as one row per value when the block ends or the batch commits,
 * instead of an index entry per event. A block that a commit left part
 * written gets the rest appended to its row (ts_postings_append(),
 * postings.c). */
#include <stdlib.h>
#include <string.h>

/* header-only: libpg_query bundles its own XXH3 symbols */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "store/store_internal.h"

/* One value's list in the current block. */
typedef struct posting {
    int used;
    ts_posting_field field;
    int64_t value; /* an integer value, */
    char *text;    /* or a text one (owned) */
    uint64_t hash; /* key_hash() of field and value */
    uint64_t last; /* its last entry */
    ts_buf list;   /* the first entry's offset in the block, then gaps */
} posting;

struct ts_postings_writer {
    ts_store *store;
    sqlite3_stmt *upsert;
    int has_block;
    uint64_t block;
    posting *slots; /* open addressing on (field, value) */
    size_t n_slots; /* a power of two, or 0 */
    size_t n_used;
    posting **order; /* scratch for a flush: the used slots, sorted */
};

static const char upsert_sql[] =
    "INSERT INTO event_postings(field, epoch, value, block, seqs)"
    " VALUES(?1, ?5, ?2, ?3, ?4) ON CONFLICT(field, epoch, value, block)"
    " DO UPDATE SET seqs = ts_postings_append(seqs, excluded.seqs)";

/* Frees a slot's list and value; it is unused after. */
static void forget(posting *p)
{
    ts_buf_release(&p->list);
    free(p->text);
    p->text = NULL;
    p->used = 0;
}

static void release_slots(ts_postings_writer *w)
{
    for (size_t i = 0; i < w->n_slots; i++)
        forget(&w->slots[i]);
    free(w->slots);
    free(w->order);
    w->slots = NULL;
    w->order = NULL;
    w->n_slots = w->n_used = 0;
}

void ts_postings_writer_free(ts_postings_writer *w)
{
    if (w == NULL)
        return;
    sqlite3_finalize(w->upsert);
    release_slots(w);
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
    rc = ts_store_prepare(store, upsert_sql, &w->upsert, "indexing postings",
                          err);
    if (rc != 0) {
        ts_postings_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

static int same_key(const posting *p, ts_posting_field field, int64_t value,
                    const char *text)
{
    return p->field == field &&
           (text != NULL ? p->text != NULL && strcmp(p->text, text) == 0
                         : p->text == NULL && p->value == value);
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
        if (!w->slots[i].used || (w->slots[i].hash == h &&
                                  same_key(&w->slots[i], field, value, text)))
            return i;
}

/* Doubles the table (or makes its first), moving the lists over. */
static int grow(ts_postings_writer *w, ts_error *err)
{
    ts_postings_writer bigger = *w;
    size_t n = w->n_slots ? 2 * w->n_slots : 1024;

    bigger.slots = calloc(n, sizeof(*bigger.slots));
    bigger.order = calloc(n / 2, sizeof(*bigger.order));
    if (bigger.slots == NULL || bigger.order == NULL) {
        free(bigger.slots);
        free(bigger.order);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    bigger.n_slots = n;
    for (size_t i = 0; i < w->n_slots; i++) {
        const posting *p = &w->slots[i];
        if (p->used)
            bigger
                .slots[slot_of(&bigger, p->hash, p->field, p->value, p->text)] =
                *p;
    }
    free(w->slots);
    free(w->order);
    w->slots = bigger.slots;
    w->order = bigger.order;
    w->n_slots = n;
    return 0;
}

static int by_key(const void *a, const void *b)
{
    const posting *x = *(posting *const *)a, *y = *(posting *const *)b;

    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    if (x->text != NULL && y->text != NULL)
        return strcmp(x->text, y->text);
    if (x->text != NULL || y->text != NULL) /* SQLite: integers first */
        return x->text != NULL ? 1 : -1;
    return (x->value > y->value) - (x->value < y->value);
}

/* Writes every list held, in key order (the table's), and forgets them. */
int ts_postings_writer_flush(ts_postings_writer *w, ts_error *err)
{
    size_t n = 0;
    int rc = 0;

    if (w->n_used == 0)
        return 0;
    for (size_t i = 0; i < w->n_slots; i++)
        if (w->slots[i].used)
            w->order[n++] = &w->slots[i];
    qsort(w->order, n, sizeof(*w->order), by_key);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const posting *p = w->order[i];
        sqlite3_bind_text(w->upsert, 1, ts_posting_field_name(p->field), -1,
                          SQLITE_STATIC);
        if (p->text != NULL)
            sqlite3_bind_text(w->upsert, 2, p->text, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(w->upsert, 2, p->value);
        sqlite3_bind_int64(w->upsert, 3, (sqlite3_int64)w->block);
        sqlite3_bind_blob(w->upsert, 4, p->list.data, (int)p->list.len,
                          SQLITE_STATIC);
        sqlite3_bind_int64(w->upsert, 5,
                           (sqlite3_int64)(w->block >> TS_POSTING_EPOCH_BITS));
        rc = ts_store_step_done(w->store, w->upsert, "indexing postings", err);
    }
    /* Written or not (a failed batch rolls back), they are forgotten: the
     * lists start over from the block's first entry. */
    for (size_t i = 0; i < w->n_slots; i++)
        forget(&w->slots[i]);
    w->n_used = 0;
    return rc;
}

/* Adds seq to the list of (field, value) or, when text is not NULL,
 * (field, text). */
static int add(ts_postings_writer *w, ts_posting_field field, int64_t value,
               const char *text, uint64_t seq, ts_error *err)
{
    uint64_t block = seq >> TS_POSTING_BITS, h;
    posting *p;
    int rc = 0;

    if (w->has_block && block != w->block)
        rc = ts_postings_writer_flush(w, err);
    if (rc != 0)
        return rc;
    w->has_block = 1;
    w->block = block;
    if (2 * (w->n_used + 1) > w->n_slots) {
        rc = grow(w, err);
        if (rc != 0)
            return rc;
    }
    h = key_hash(field, value, text);
    p = &w->slots[slot_of(w, h, field, value, text)];
    if (!p->used) {
        p->text = text != NULL ? strdup(text) : NULL;
        if (text != NULL && p->text == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        p->used = 1;
        p->hash = h;
        p->field = field;
        p->value = value;
        ts_buf_init(&p->list, SIZE_MAX);
        w->n_used++;
        rc = ts_varint_append(&p->list, seq - (block << TS_POSTING_BITS), err);
    } else if (seq == p->last) {
        return 0; /* an entry holds the value twice: listed once */
    } else if (seq < p->last) {
        return ts_error_set(
            err, TS_EINVAL, "indexing postings: entry %llu after entry %llu",
            (unsigned long long)seq, (unsigned long long)p->last);
    } else {
        rc = ts_varint_append(&p->list, seq - p->last, err);
    }
    p->last = seq;
    return rc;
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
