/* The report's copy of v_event_days (events per source, UTC day and
 * account), computed in one pass over events with the groups summed in a
 * hash map; the same pass gathers the audit log's object names, which the
 * personal tables are resolved against (a second scan of every event cost
 * 4-5 s at 10M). SQLite answers the view's GROUP BY by sorting every event
 * (10M events: 14 s); the groups are few (sources x days x accounts), so
 * summing them as the events stream by takes a scan (about 4 s). The rows
 * are those of the view, in its GROUP BY order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* Starts with its key, as ts_strmap wants: "SOURCE DAY =ACCOUNT", or
 * "SOURCE DAY !" for events of no account. */
typedef struct day_sum {
    char *key;
    int64_t source_id, day;
    const char *account; /* inside key; NULL: no account */
    int64_t events, first_seq, first_us, last_us;
} day_sum;

typedef struct day_sums {
    ts_strmap map;
    day_sum *items;
    size_t size;
} day_sums;

static const char create_sql[] =
    "DROP TABLE IF EXISTS temp.v_event_days;"
    "CREATE TEMP TABLE v_event_days(source_id INTEGER, format TEXT,"
    " source TEXT, day INTEGER, account TEXT, events INTEGER,"
    " first_entry_index INTEGER, first_time_us INTEGER,"
    " last_time_us INTEGER);";

/* every event: those of no time count in no day, but an audit event's
 * object name is gathered whatever its time; from index layout 11 an event
 * of a text (text_id) leaves its name to the text (texts_sql) */
static const char scan_sql[] =
    "SELECT seq, source_id, time_us, account, kind, object_name"
    "  FROM events NOT INDEXED";
static const char scan_texts_sql[] =
    "SELECT seq, source_id, time_us, account, kind, object_name, text_id"
    "  FROM events NOT INDEXED";
/* From index layout 15 events is a view joining event_details to every
 * row (schemas/index.sql, "Every event, in two tables"): the scan reads
 * event_rows, and the details only of an event without a text, the one
 * kind whose object name can be there (10M events: 7.0 -> 3.7-4.1 s). */
#define SCAN_ROWS_SQL(ACCOUNT, JOIN)                                           \
    "SELECT r.seq, r.source_id, r.time_us, " ACCOUNT ", r.kind,"               \
    " CASE WHEN r.text_id IS NULL THEN (SELECT d.object_name"                  \
    "  FROM event_details d WHERE d.seq = r.seq) END, r.text_id"               \
    "  FROM event_rows r NOT INDEXED" JOIN
static const char scan_rows_sql[] = SCAN_ROWS_SQL("r.account", "");
static const char has_event_rows_sql[] =
    "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'event_rows'";
/* From layout 16 the account is the event's identity's: the scan reads
 * identity_id, the accounts of the identities read first into an array
 * (identity_accounts). Joined in the scan, one lookup per event cost 0.5 s
 * at 1M; the join is kept for ids too sparse for an array (ingest numbers
 * them 1, 2, 3...; a store written by other hands may not). */
static const char scan_identities_sql[] = SCAN_ROWS_SQL("r.identity_id", "");
static const char scan_identities_join_sql[] = SCAN_ROWS_SQL(
    "i.account", " LEFT JOIN event_identities i ON i.id = r.identity_id");
static const char has_event_identities_sql[] =
    "SELECT 1 FROM sqlite_schema WHERE type = 'table'"
    " AND name = 'event_identities'";
static const char identity_accounts_sql[] =
    "SELECT id, account FROM event_identities ORDER BY id";

/* The zeroed array items of *n items of item_size bytes, grown (first
 * items to begin with, then doubling) until it holds index: the array to
 * use from now on, or NULL (err set; items is left as it was). */
static void *grow_to_hold(void *items, size_t *n, size_t item_size,
                          size_t first, uint64_t index, ts_error *err)
{
    size_t grown_n = *n ? *n : first;
    unsigned char *grown;

    if (index < *n)
        return items;
    while (index >= grown_n) {
        if (grown_n > SIZE_MAX / 2 / item_size) {
            ts_error_set(err, TS_ENOMEM, "out of memory");
            return NULL;
        }
        grown_n *= 2;
    }
    grown = realloc(items, grown_n * item_size);
    if (grown == NULL) {
        ts_error_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    memset(grown + *n * item_size, 0, (grown_n - *n) * item_size);
    *n = grown_n;
    return grown;
}

/* The account of each identity: account[id], NULL for none; sparse when
 * the ids are too far apart for it (the scan joins instead). */
typedef struct identity_accounts {
    char **account;
    size_t n;
    int sparse;
} identity_accounts;

/* An array by id holds at most this many slots per row of a dictionary
 * (identities, texts), plus a few: ingest numbers them 1, 2, 3... */
#define ID_SLOTS_PER_ROW 4
#define ID_SLOTS_SPARE 4096

/* Whether ids from 0 to id are few enough for an array by id, for a
 * dictionary of rows rows. */
static int dense_ids(int64_t id, uint64_t rows)
{
    return id >= 0 && (uint64_t)id <= ID_SLOTS_PER_ROW * rows + ID_SLOTS_SPARE;
}

static void identity_accounts_free(identity_accounts *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->account[i]);
    free(a->account);
    memset(a, 0, sizeof(*a));
}

static int identity_accounts_read(sqlite3 *db, identity_accounts *a,
                                  ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0, s = SQLITE_DONE;

    memset(a, 0, sizeof(*a));
    if (sqlite3_prepare_v2(db, identity_accounts_sql, -1, &st, NULL) !=
        SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "reading identities: %s",
                          sqlite3_errmsg(db));
    for (size_t rows = 0; rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW;
         rows++) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *account = sqlite3_column_type(st, 1) == SQLITE_NULL
                                  ? NULL
                                  : (const char *)sqlite3_column_text(st, 1);
        if (!dense_ids(id, rows + 1)) {
            identity_accounts_free(a);
            a->sparse = 1;
            break;
        }
        char **grown = grow_to_hold(a->account, &a->n, sizeof(*a->account),
                                    1024, (uint64_t)id, err);
        if (grown == NULL) {
            rc = TS_ENOMEM;
            break;
        }
        a->account = grown;
        if (account != NULL && (a->account[id] = strdup(account)) == NULL)
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    if (rc == 0 && !a->sparse && s != SQLITE_DONE)
        rc = ts_error_set(err, TS_EDB, "reading identities: %s",
                          sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc != 0)
        identity_accounts_free(a);
    return rc;
}

/* The account column of a scan's row: the text, or from layout 16 the
 * identity's (by_identity: the scan read identity_id). */
static const char *row_account(sqlite3_stmt *st, const identity_accounts *a,
                               int by_identity)
{
    int64_t id;

    if (!by_identity || a->sparse)
        return (const char *)sqlite3_column_text(st, 3);
    if (sqlite3_column_type(st, 3) == SQLITE_NULL)
        return NULL;
    id = sqlite3_column_int64(st, 3);
    return id >= 0 && (uint64_t)id < a->n ? a->account[id] : NULL;
}
static const char has_text_objects_sql[] =
    "SELECT 1 FROM pragma_table_info('event_texts')"
    " WHERE name = 'object_table'";
static const char texts_sql[] =
    "SELECT id, object_name FROM event_texts WHERE object_name IS NOT NULL";

static const char text_ids_sql[] = "SELECT id FROM event_texts ORDER BY id";

/* The texts whose audit events a scan met. Ingest numbers texts 1, 2,
 * 3...: seen[id] is 1 for each met. When the ids are too far apart for
 * that (a store written by other hands), ids[] holds them in order and
 * seen[i] is for ids[i]; either way the marks take memory in proportion
 * to the texts the store has, whatever the ids its events name. */
typedef struct text_marks {
    unsigned char *seen;
    size_t size;  /* of seen */
    int64_t *ids; /* NULL: dense */
} text_marks;

static const char audit_kind_sql[] =
    "SELECT kind FROM event_kinds WHERE name = 'audit'";

/* the view joins sources: an event of no known source is in no row */
static const char insert_sql[] =
    "INSERT INTO temp.v_event_days SELECT ?1, s.format, s.name, ?2, ?3, ?4,"
    " ?5, ?6, ?7 FROM main.sources s WHERE s.id = ?1";

static int add_event(day_sums *d, int64_t seq, int64_t source_id, int64_t t,
                     const char *account, ts_buf *key, ts_error *err)
{
    /* SQLite's integer division, like the view's, truncates toward zero */
    int64_t day = t / 86400000000LL;
    char head[48];
    size_t slot = 0;
    int created = 0, rc;

    key->len = 0;
    snprintf(head, sizeof(head), "%lld %lld %c", (long long)source_id,
             (long long)day, account ? '=' : '!');
    rc = ts_buf_append(key, head, strlen(head), err);
    if (rc == 0 && account != NULL)
        rc = ts_buf_append(key, account, strlen(account), err);
    if (rc == 0)
        rc = ts_buf_terminate(key, err);
    if (rc == 0)
        rc =
            ts_strmap_slot(&d->map, (const char *)key->data, (void **)&d->items,
                           &d->size, sizeof(day_sum), &slot, &created, err);
    if (rc != 0)
        return rc;
    day_sum *s = &d->items[slot];
    if (created) {
        s->source_id = source_id;
        s->day = day;
        s->account = account ? s->key + strlen(head) : NULL;
        s->first_seq = seq;
        s->first_us = s->last_us = t;
    }
    s->events++;
    if (seq < s->first_seq)
        s->first_seq = seq;
    if (t < s->first_us)
        s->first_us = t;
    if (t > s->last_us)
        s->last_us = t;
    return 0;
}

/* The view's GROUP BY order: source, day, then account (NULL first,
 * then by bytes: SQLite's BINARY collation). */
static int by_group(const void *a, const void *b)
{
    const day_sum *x = a, *y = b;

    if (x->source_id != y->source_id)
        return x->source_id < y->source_id ? -1 : 1;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->account == NULL || y->account == NULL)
        return (x->account != NULL) - (y->account != NULL);
    return strcmp(x->account, y->account);
}

static int add_name(ts_name_set *set, const char *name, ts_error *err)
{
    size_t slot;
    int created;

    return ts_strmap_slot(&set->map, name, (void **)&set->items, &set->size,
                          sizeof(*set->items), &slot, &created, err);
}

void ts_name_set_release(ts_name_set *set)
{
    for (size_t i = 0; i < set->map.n; i++)
        free(set->items[i].name);
    free(set->items);
    ts_strmap_release(&set->map);
    memset(set, 0, sizeof(*set));
}

/* The kind number of audit events into *kind; -1 when the index has
 * none. */
static int audit_kind(sqlite3 *db, int64_t *kind, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int s = SQLITE_ERROR;

    *kind = -1;
    if (sqlite3_prepare_v2(db, audit_kind_sql, -1, &st, NULL) == SQLITE_OK &&
        (s = sqlite3_step(st)) == SQLITE_ROW)
        *kind = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return ts_error_set(err, TS_EDB, "reading the event kinds: %s",
                            sqlite3_errmsg(db));
    return 0;
}

static void text_marks_free(text_marks *m)
{
    free(m->seen);
    free(m->ids);
    memset(m, 0, sizeof(*m));
}

/* Reads the ids of event_texts and makes their marks, all unset. */
static int text_marks_read(sqlite3 *db, text_marks *m, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0, size = 0;
    int rc = 0, s = SQLITE_DONE;

    memset(m, 0, sizeof(*m));
    if (sqlite3_prepare_v2(db, text_ids_sql, -1, &st, NULL) != SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "reading the audit texts: %s",
                          sqlite3_errmsg(db));
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t *grown =
            grow_to_hold(m->ids, &size, sizeof(*m->ids), 1024, n, err);
        if (grown == NULL)
            rc = TS_ENOMEM;
        else {
            m->ids = grown;
            m->ids[n++] = sqlite3_column_int64(st, 0);
        }
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ts_error_set(err, TS_EDB, "reading the audit texts: %s",
                          sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc == 0 && n > 0 && m->ids[0] >= 0 && dense_ids(m->ids[n - 1], n)) {
        m->size = (size_t)m->ids[n - 1] + 1; /* dense */
        free(m->ids);
        m->ids = NULL;
    } else {
        m->size = n;
    }
    if (rc == 0 && m->size > 0 && (m->seen = calloc(m->size, 1)) == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    if (rc != 0)
        text_marks_free(m);
    return rc;
}

/* The slot of text id in m->seen, or -1 when the store has no such text. */
static int64_t text_slot(const text_marks *m, int64_t id)
{
    size_t lo = 0, hi = m->size;

    if (m->ids == NULL)
        return id >= 0 && (uint64_t)id < m->size ? id : -1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->size && m->ids[lo] == id ? (int64_t)lo : -1;
}

static void mark_text(text_marks *m, int64_t id)
{
    int64_t slot = text_slot(m, id);

    if (slot >= 0)
        m->seen[slot] = 1;
}

/* The object names of the texts marked. */
static int add_text_names(sqlite3 *db, const text_marks *m,
                          ts_name_set *objects, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0, s = SQLITE_DONE;

    if (m->size == 0)
        return 0;
    if (sqlite3_prepare_v2(db, texts_sql, -1, &st, NULL) != SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "reading the audit texts: %s",
                          sqlite3_errmsg(db));
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t slot = text_slot(m, sqlite3_column_int64(st, 0));
        const char *name = (const char *)sqlite3_column_text(st, 1);
        if (slot < 0 || !m->seen[slot])
            continue;
        rc = name != NULL ? add_name(objects, name, err)
                          : ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ts_error_set(err, TS_EDB, "reading the audit texts: %s",
                          sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

static int scan(sqlite3 *db, day_sums *d, int64_t max_seq, ts_name_set *objects,
                ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t audit = -1;
    /* the index keeps object names in event_texts (layout 11) */
    int texts =
        objects != NULL && ts_report_schema_has(db, has_text_objects_sql);
    text_marks marks = {NULL, 0, NULL};
    identity_accounts accounts = {NULL, 0, 0};
    int by_identity = ts_report_schema_has(db, has_event_identities_sql);
    ts_buf key;
    int rc = 0, s = SQLITE_DONE;

    if (objects != NULL && (rc = audit_kind(db, &audit, err)) != 0)
        return rc;
    if (texts && (rc = text_marks_read(db, &marks, err)) != 0)
        return rc;
    if (by_identity && (rc = identity_accounts_read(db, &accounts, err)) != 0) {
        text_marks_free(&marks);
        return rc;
    }
    ts_buf_init(&key, (size_t)1 << 20);
    if (sqlite3_prepare_v2(
            db,
            by_identity && accounts.sparse ? scan_identities_join_sql
            : by_identity                  ? scan_identities_sql
            : ts_report_schema_has(db, has_event_rows_sql) ? scan_rows_sql
            : texts                                        ? scan_texts_sql
                                                           : scan_sql,
            -1, &st, NULL) != SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "counting events per day: %s",
                          sqlite3_errmsg(db));
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            rc = add_event(d, seq, sqlite3_column_int64(st, 1),
                           sqlite3_column_int64(st, 2),
                           row_account(st, &accounts, by_identity), &key, err);
        if (rc != 0 || audit < 0 || seq >= max_seq ||
            sqlite3_column_int64(st, 4) != audit)
            continue;
        if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
            const char *name = (const char *)sqlite3_column_text(st, 5);
            rc = name != NULL ? add_name(objects, name, err)
                              : ts_error_set(err, TS_ENOMEM, "out of memory");
        } else if (texts && sqlite3_column_type(st, 6) != SQLITE_NULL)
            mark_text(&marks, sqlite3_column_int64(st, 6));
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ts_error_set(err, TS_EDB, "counting events per day: %s",
                          sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc == 0)
        rc = add_text_names(db, &marks, objects, err);
    text_marks_free(&marks);
    identity_accounts_free(&accounts);
    ts_buf_release(&key);
    return rc;
}

static int insert(sqlite3 *db, day_sum *items, size_t n, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    qsort(items, n, sizeof(*items), by_group);
    if (sqlite3_prepare_v2(db, insert_sql, -1, &st, NULL) != SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "counting events per day: %s",
                          sqlite3_errmsg(db));
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const day_sum *s = &items[i];
        sqlite3_bind_int64(st, 1, s->source_id);
        sqlite3_bind_int64(st, 2, s->day);
        if (s->account != NULL)
            sqlite3_bind_text(st, 3, s->account, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, s->events);
        sqlite3_bind_int64(st, 5, s->first_seq);
        sqlite3_bind_int64(st, 6, s->first_us);
        sqlite3_bind_int64(st, 7, s->last_us);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ts_error_set(err, TS_EDB, "counting events per day: %s",
                              sqlite3_errmsg(db));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

int ts_report_event_days(sqlite3 *db, int64_t max_seq,
                         ts_name_set *audit_objects, ts_error *err)
{
    day_sums d;
    int rc = 0;

    memset(&d, 0, sizeof(d));
    if (audit_objects != NULL)
        memset(audit_objects, 0, sizeof(*audit_objects));
    if (sqlite3_exec(db, create_sql, NULL, NULL, NULL) != SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "counting events per day: %s",
                          sqlite3_errmsg(db));
    if (rc == 0)
        rc = scan(db, &d, max_seq, audit_objects, err);
    if (rc == 0)
        rc = insert(db, d.items, d.map.n, err);
    for (size_t i = 0; i < d.map.n; i++)
        free(d.items[i].key);
    free(d.items);
    ts_strmap_release(&d.map);
    if (rc != 0 && audit_objects != NULL)
        ts_name_set_release(audit_objects);
    return rc;
}
