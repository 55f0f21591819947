/* Query results stepped ahead in a second thread. The report's populations
 * are SQLite work (scanning and joining the index) followed by output work
 * (the CSV and its hash, the sheet, the sample spool), one row at a time
 * on one core. Here a producer thread steps the prepared statements in
 * order and copies each row into chunks; the caller reads the rows back
 * from them while the next rows are being fetched. A second reader, in a
 * thread of its own, may read the same rows (the report writes the sheets
 * there): each chunk is kept until every reader has passed it. Memory
 * stays bounded: at most FEED_MAX_CHUNKS chunks wait, and the producer
 * sleeps when they do. The producer alone uses the statements' connection
 * until ts_row_feed_stop; without a thread the one reader steps them
 * itself.
 *
 * A chunk holds whole records, each starting with a tag byte:
 *   'H' u32 ncols, then ncols names         (a statement's columns)
 *   'R' per column: u8 type, then i64 | f64 text | text | nothing  (a row)
 *   'E' i32 rc, text                        (the statement ended; rc 0 or
 *                                            TS_EDB with SQLite's message)
 * where text is u32 length, the bytes and a NUL: an INTEGER column holds
 * its value (its text, "%lld" as SQLite writes it, is made by the reader:
 * asking SQLite for it allocates, under its memory mutex, for every
 * cell), a FLOAT both its value and SQLite's text for it, TEXT and BLOB
 * their bytes, NULL nothing. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define FEED_CHUNK_SIZE ((size_t)1 << 20)
#define FEED_MAX_CHUNKS 16

typedef struct feed_chunk {
    struct feed_chunk *next;
    size_t len, cap;
    int refs; /* readers yet to pass it */
    unsigned char data[];
} feed_chunk;

/* One column of the row being read: text points into the chunk. */
typedef struct feed_value {
    int type;
    int64_t i;
    double d;
    const char *text; /* NULL for SQL NULL */
    size_t len;       /* the text's bytes (the producer's copy) */
    char digits[24];  /* an INTEGER's text */
} feed_value;

struct ts_row_reader {
    ts_row_feed *feed;
    feed_chunk *reading; /* in the feed's list until every reader passed */
    size_t at;
    int closed;
    int n_cols;
    ts_buf names; /* the columns' names, NUL after each */
    const char **name;
    feed_value *value;
    int name_cap; /* entries of name and value */
};

struct ts_row_feed {
    sqlite3_stmt *const *stmts;
    size_t n_stmts;

    /* producer side: only the producer touches these */
    size_t produced;     /* statements finished */
    int in_rows;         /* header of stmts[produced] written */
    feed_chunk *filling; /* the chunk being written */
    feed_value *row;     /* a row's columns before they are copied */

    /* shared, under lock */
    pthread_mutex_t lock;
    pthread_cond_t more, room;
    feed_chunk *head, *tail; /* chunks some reader has yet to pass */
    size_t queued;           /* chunks in that list */
    int readers;             /* open readers: each pushed chunk's refs */
    feed_chunk *spare;       /* emptied chunks of the default size */
    int finished;            /* the producer has pushed its last chunk */
    int cancelled;           /* the feed was stopped (read without the lock by
                              * on_progress: atomic) */
    int threaded;
    pthread_t thread;

    ts_row_reader reader[TS_ROW_FEED_MAX_READERS];
    int n_readers;
};

static feed_chunk *chunk_new(ts_row_feed *f, size_t need)
{
    feed_chunk *c = NULL;
    size_t cap = need > FEED_CHUNK_SIZE ? need : FEED_CHUNK_SIZE;

    if (cap == FEED_CHUNK_SIZE) {
        pthread_mutex_lock(&f->lock);
        if ((c = f->spare) != NULL)
            f->spare = c->next;
        pthread_mutex_unlock(&f->lock);
    }
    if (c == NULL && (c = malloc(sizeof(*c) + cap)) != NULL)
        c->cap = cap;
    if (c != NULL) {
        c->next = NULL;
        c->len = 0;
        c->refs = 0;
    }
    return c;
}

static void chunks_free(feed_chunk *c)
{
    while (c != NULL) {
        feed_chunk *next = c->next;
        free(c);
        c = next;
    }
}

/* Queues the chunk being filled; with a thread, waits while the queue is
 * full. 0, or 1 when the reader has stopped. */
static int push(ts_row_feed *f)
{
    feed_chunk *c = f->filling;
    int cancelled;

    f->filling = NULL;
    if (c == NULL)
        return 0;
    pthread_mutex_lock(&f->lock);
    while (f->threaded && f->queued >= FEED_MAX_CHUNKS && !f->cancelled &&
           f->readers > 0)
        pthread_cond_wait(&f->room, &f->lock);
    cancelled = f->cancelled || f->readers == 0;
    if (!cancelled) {
        c->refs = f->readers;
        if (f->tail != NULL)
            f->tail->next = c;
        else
            f->head = c;
        f->tail = c;
        f->queued++;
        pthread_cond_broadcast(&f->more);
    }
    pthread_mutex_unlock(&f->lock);
    if (cancelled)
        free(c);
    return cancelled;
}

/* Room for `need` more bytes in the chunk being filled: the full one is
 * queued first. NULL when out of memory or the reader has stopped. */
static unsigned char *reserve(ts_row_feed *f, size_t need)
{
    unsigned char *p;

    if (f->filling != NULL && f->filling->len + need > f->filling->cap &&
        push(f) != 0)
        return NULL;
    if (f->filling == NULL && (f->filling = chunk_new(f, need)) == NULL)
        return NULL;
    p = f->filling->data + f->filling->len;
    f->filling->len += need;
    return p;
}

static unsigned char *put_text(unsigned char *p, const char *text, size_t len)
{
    uint32_t n = (uint32_t)len;

    memcpy(p, &n, sizeof(n));
    p += sizeof(n);
    if (len > 0)
        memcpy(p, text, len);
    p[len] = '\0';
    return p + len + 1;
}

static int put_header(ts_row_feed *f, sqlite3_stmt *st)
{
    int n = sqlite3_column_count(st);
    size_t need = 1 + sizeof(uint32_t);
    uint32_t u = (uint32_t)n;
    unsigned char *p;

    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(st, i);
        need += sizeof(uint32_t) + (name ? strlen(name) : 0) + 1;
    }
    if ((p = reserve(f, need)) == NULL)
        return -1;
    *p++ = 'H';
    memcpy(p, &u, sizeof(u));
    p += sizeof(u);
    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(st, i);
        p = put_text(p, name ? name : "", name ? strlen(name) : 0);
    }
    return 0;
}

static int put_row(ts_row_feed *f, sqlite3_stmt *st)
{
    int n = sqlite3_column_count(st);
    size_t need = 1;
    unsigned char *p;

    for (int i = 0; i < n; i++) {
        feed_value *v = &f->row[i];
        /* the type before any conversion, the text before its length */
        v->type = sqlite3_column_type(st, i);
        need += 1;
        if (v->type == SQLITE_INTEGER) {
            v->i = sqlite3_column_int64(st, i);
            need += sizeof(int64_t);
            continue;
        }
        if (v->type == SQLITE_FLOAT) {
            v->d = sqlite3_column_double(st, i);
            need += sizeof(double);
        }
        if (v->type == SQLITE_NULL)
            continue;
        v->text = (const char *)sqlite3_column_text(st, i);
        v->len = v->text ? (size_t)sqlite3_column_bytes(st, i) : 0;
        need += sizeof(uint32_t) + v->len + 1;
    }
    if ((p = reserve(f, need)) == NULL)
        return -1;
    *p++ = 'R';
    for (int i = 0; i < n; i++) {
        const feed_value *v = &f->row[i];
        *p++ = (unsigned char)v->type;
        if (v->type == SQLITE_INTEGER) {
            memcpy(p, &v->i, sizeof(int64_t));
            p += sizeof(int64_t);
            continue;
        }
        if (v->type == SQLITE_FLOAT) {
            memcpy(p, &v->d, sizeof(double));
            p += sizeof(double);
        }
        if (v->type != SQLITE_NULL)
            p = put_text(p, v->text ? v->text : "", v->len);
    }
    return 0;
}

static int put_end(ts_row_feed *f, int rc, const char *message)
{
    size_t len = message ? strlen(message) : 0;
    int32_t code = rc;
    unsigned char *p =
        reserve(f, 1 + sizeof(code) + sizeof(uint32_t) + len + 1);

    if (p == NULL)
        return -1;
    *p++ = 'E';
    memcpy(p, &code, sizeof(code));
    p += sizeof(code);
    put_text(p, message ? message : "", len);
    return 0;
}

/* Produces until a chunk has been queued (or everything is). 0, or -1
 * when the reader stopped or memory ran out (the reader then sees the
 * feed end with TS_ENOMEM). */
static int produce_some(ts_row_feed *f)
{
    while (f->produced < f->n_stmts) {
        sqlite3_stmt *st = f->stmts[f->produced];
        int s;
        if (!f->in_rows) {
            if (put_header(f, st) != 0)
                return -1;
            f->in_rows = 1;
        }
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            feed_chunk *before = f->filling;
            if (put_row(f, st) != 0)
                return -1;
            if (f->filling != before && before != NULL)
                return 0; /* a full chunk went out */
        }
        if (put_end(f, s == SQLITE_DONE ? 0 : TS_EDB,
                    s == SQLITE_DONE
                        ? NULL
                        : sqlite3_errmsg(sqlite3_db_handle(st))) != 0)
            return -1;
        f->produced++;
        f->in_rows = 0;
        /* a statement's end goes out at once: the reader finishes it while
         * the next query starts */
        return push(f) != 0 ? -1 : 0;
    }
    return 0;
}

static void finish(ts_row_feed *f)
{
    pthread_mutex_lock(&f->lock);
    f->finished = 1;
    pthread_cond_broadcast(&f->more);
    pthread_mutex_unlock(&f->lock);
}

/* SQLite calls this every few thousand instructions of a step: a query
 * still running when the reader stops (a sort before its first row) is
 * cut short with SQLITE_INTERRUPT. */
static int on_progress(void *arg)
{
    ts_row_feed *f = arg;

    return __atomic_load_n(&f->cancelled, __ATOMIC_RELAXED);
}

static void *run(void *arg)
{
    ts_row_feed *f = arg;
    sqlite3 *db = f->n_stmts > 0 ? sqlite3_db_handle(f->stmts[0]) : NULL;

    if (db != NULL)
        sqlite3_progress_handler(db, 1000, on_progress, f);
    while (f->produced < f->n_stmts && produce_some(f) == 0)
        ;
    if (db != NULL)
        sqlite3_progress_handler(db, 0, NULL, NULL);
    free(f->filling);
    f->filling = NULL;
    finish(f);
    return NULL;
}

int ts_row_feed_start(ts_row_feed **out, sqlite3_stmt *const *stmts, size_t n,
                      int readers, ts_error *err)
{
    ts_row_feed *f = calloc(1, sizeof(*f));
    int max_cols = 1;

    *out = NULL;
    if (f == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (sqlite3_column_count(stmts[i]) > max_cols)
            max_cols = sqlite3_column_count(stmts[i]);
    f->stmts = stmts;
    f->n_stmts = n;
    f->row = calloc((size_t)max_cols, sizeof(*f->row));
    if (f->row == NULL) {
        free(f);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    f->n_readers = readers < 1                         ? 1
                   : readers > TS_ROW_FEED_MAX_READERS ? TS_ROW_FEED_MAX_READERS
                                                       : readers;
    for (int i = 0; i < TS_ROW_FEED_MAX_READERS; i++) {
        f->reader[i].feed = f;
        ts_buf_init(&f->reader[i].names, (size_t)1 << 24);
    }
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->more, NULL);
    pthread_cond_init(&f->room, NULL);
    f->readers = f->n_readers;
    f->threaded = 1;
    if (pthread_create(&f->thread, NULL, run, f) != 0) {
        /* the one reader steps them itself */
        f->threaded = 0;
        f->n_readers = f->readers = 1;
    }
    *out = f;
    return 0;
}

int ts_row_feed_readers(const ts_row_feed *f)
{
    return f->n_readers;
}

ts_row_reader *ts_row_feed_reader(ts_row_feed *f, int i)
{
    return i >= 0 && i < f->n_readers ? &f->reader[i] : NULL;
}

/* One reader is done with c (under the lock): the last one frees it, and
 * then c is the list's oldest, since every older chunk was passed by every
 * reader first. */
static void pass_locked(ts_row_feed *f, feed_chunk *c)
{
    if (--c->refs > 0)
        return;
    f->head = c->next;
    if (f->head == NULL)
        f->tail = NULL;
    f->queued--;
    pthread_cond_signal(&f->room);
    if (c->cap == FEED_CHUNK_SIZE) {
        c->next = f->spare;
        f->spare = c;
    } else {
        free(c);
    }
}

void ts_row_reader_close(ts_row_reader *r)
{
    ts_row_feed *f = r->feed;
    feed_chunk *c;

    pthread_mutex_lock(&f->lock);
    if (!r->closed) {
        r->closed = 1;
        f->readers--;
        c = r->reading != NULL ? r->reading : f->head;
        while (c != NULL) {
            feed_chunk *next = c->next;
            pass_locked(f, c);
            c = next;
        }
        r->reading = NULL;
        pthread_cond_broadcast(&f->room);
    }
    pthread_mutex_unlock(&f->lock);
}

void ts_row_feed_cancel(ts_row_feed *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->lock);
    __atomic_store_n(&f->cancelled, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&f->room);
    pthread_cond_broadcast(&f->more);
    pthread_mutex_unlock(&f->lock);
}

void ts_row_feed_stop(ts_row_feed *f)
{
    if (f == NULL)
        return;
    ts_row_feed_cancel(f);
    if (f->threaded)
        pthread_join(f->thread, NULL);
    free(f->filling);
    chunks_free(f->head); /* the chunks readers were in are in this list */
    chunks_free(f->spare);
    pthread_cond_destroy(&f->room);
    pthread_cond_destroy(&f->more);
    pthread_mutex_destroy(&f->lock);
    for (int i = 0; i < TS_ROW_FEED_MAX_READERS; i++) {
        ts_buf_release(&f->reader[i].names);
        free(f->reader[i].name);
        free(f->reader[i].value);
    }
    free(f->row);
    free(f);
}

/* The reader's next record's first byte, moving on to the next chunk when
 * this one is read; NULL when the feed ended early (out of memory, or it
 * was stopped). */
static const unsigned char *next_record(ts_row_reader *r)
{
    ts_row_feed *f = r->feed;
    feed_chunk *c;

    if (r->reading != NULL && r->at < r->reading->len)
        return r->reading->data + r->at;
    if (r->closed)
        return NULL;
    if (!f->threaded && (r->reading == NULL || r->reading->next == NULL) &&
        f->produced < f->n_stmts && produce_some(f) != 0)
        return NULL;
    pthread_mutex_lock(&f->lock);
    if (r->reading == NULL) { /* the first chunk, which no reader passed */
        while (f->head == NULL && f->threaded && !f->finished && !f->cancelled)
            pthread_cond_wait(&f->more, &f->lock);
        c = f->head;
    } else {
        while (r->reading->next == NULL && f->threaded && !f->finished &&
               !f->cancelled)
            pthread_cond_wait(&f->more, &f->lock);
        c = r->reading->next;
        if (c != NULL) {
            pass_locked(f, r->reading);
            r->reading = NULL;
        }
    }
    if (c != NULL) {
        r->reading = c;
        r->at = 0;
    }
    pthread_mutex_unlock(&f->lock);
    return c != NULL ? c->data : NULL;
}

static const char *get_text(const unsigned char **p, size_t *len)
{
    uint32_t n;
    const char *text;

    memcpy(&n, *p, sizeof(n));
    text = (const char *)*p + sizeof(n);
    *p += sizeof(n) + n + 1;
    if (len != NULL)
        *len = n;
    return text;
}

/* v in decimal, as SQLite's "%lld", into buf (room for 21 bytes). */
static const char *int64_text(int64_t v, char buf[24])
{
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = buf + 23;

    *p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    return p;
}

static int ended_early(ts_error *err)
{
    return ts_error_set(err, TS_ENOMEM,
                        "out of memory while reading the index ahead");
}

int ts_row_reader_begin(ts_row_reader *r, ts_error *err)
{
    const unsigned char *p = next_record(r);
    uint32_t n;
    size_t off = 0;

    if (p == NULL || *p != 'H')
        return ended_early(err);
    memcpy(&n, p + 1, sizeof(n));
    p += 1 + sizeof(n);
    if ((int)n > r->name_cap) {
        const char **name = realloc(r->name, n * sizeof(*name));
        feed_value *value = name ? realloc(r->value, n * sizeof(*value)) : NULL;
        if (name != NULL)
            r->name = name;
        if (value == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        r->value = value;
        r->name_cap = (int)n;
    }
    r->names.len = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *name = get_text(&p, &len);
        int rc = ts_buf_append(&r->names, name, len + 1, err);
        if (rc != 0)
            return rc;
    }
    for (uint32_t i = 0; i < n; i++) {
        r->name[i] = (const char *)r->names.data + off;
        off += strlen(r->name[i]) + 1;
    }
    r->n_cols = (int)n;
    r->at = (size_t)(p - r->reading->data);
    return 0;
}

int ts_row_reader_next(ts_row_reader *r, int *has_row, ts_error *err)
{
    const unsigned char *p = next_record(r);

    *has_row = 0;
    if (p == NULL)
        return ended_early(err);
    if (*p == 'E') {
        int32_t code;
        const char *message;
        memcpy(&code, p + 1, sizeof(code));
        p += 1 + sizeof(code);
        message = get_text(&p, NULL);
        r->at = (size_t)(p - r->reading->data);
        return code == 0 ? 0 : ts_error_set(err, code, "%s", message);
    }
    if (*p != 'R')
        return ended_early(err);
    p++;
    for (int i = 0; i < r->n_cols; i++) {
        feed_value *v = &r->value[i];
        v->type = *p++;
        v->i = 0;
        v->d = 0;
        v->text = NULL;
        if (v->type == SQLITE_INTEGER) {
            memcpy(&v->i, p, sizeof(v->i));
            p += sizeof(v->i);
            v->text = int64_text(v->i, v->digits);
            continue;
        }
        if (v->type == SQLITE_FLOAT) {
            memcpy(&v->d, p, sizeof(v->d));
            p += sizeof(v->d);
        }
        if (v->type != SQLITE_NULL)
            v->text = get_text(&p, NULL);
    }
    r->at = (size_t)(p - r->reading->data);
    *has_row = 1;
    return 0;
}

int ts_row_reader_columns(const ts_row_reader *r)
{
    return r->n_cols;
}

const char *ts_row_reader_name(const ts_row_reader *r, int i)
{
    return i >= 0 && i < r->n_cols ? r->name[i] : NULL;
}

/* Column i of the row read, NULL when there is none. */
static const feed_value *value_at(const ts_row_reader *r, int i)
{
    return i >= 0 && i < r->n_cols ? &r->value[i] : NULL;
}

int ts_row_reader_type(const ts_row_reader *r, int i)
{
    const feed_value *v = value_at(r, i);

    return v != NULL ? v->type : SQLITE_NULL;
}

/* As SQLite converts: a real is truncated toward zero and saturates, text
 * gives its leading number, NULL 0. */
int64_t ts_row_reader_int64(const ts_row_reader *r, int i)
{
    const feed_value *v = value_at(r, i);

    if (v == NULL || v->type == SQLITE_NULL)
        return 0;
    if (v->type == SQLITE_INTEGER)
        return v->i;
    if (v->type == SQLITE_FLOAT)
        return v->d >= 9223372036854775807.0    ? INT64_MAX
               : v->d <= -9223372036854775808.0 ? INT64_MIN
               : v->d == v->d                   ? (int64_t)v->d
                                                : 0;
    return (int64_t)strtoll(v->text, NULL, 10);
}

double ts_row_reader_double(const ts_row_reader *r, int i)
{
    const feed_value *v = value_at(r, i);

    if (v == NULL || v->type == SQLITE_NULL)
        return 0;
    if (v->type == SQLITE_FLOAT)
        return v->d;
    if (v->type == SQLITE_INTEGER)
        return (double)v->i;
    return strtod(v->text, NULL);
}

const char *ts_row_reader_text(const ts_row_reader *r, int i)
{
    const feed_value *v = value_at(r, i);

    return v != NULL ? v->text : NULL;
}
