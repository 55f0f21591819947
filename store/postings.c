/* Posting lists (schemas/index.sql, "Posting lists"): the entries of a
 * field's value within one block of 2^TS_POSTING_BITS entries, as varints
 * (common/varint.c): the first entry's offset from the block's first
 * entry, then the gap to each next one. This file reads them: SQL's
 * ts_postings_append(), which joins a later batch's list to a block's row,
 * and the table-valued function ts_postings(field, value), which returns
 * a value's entries in entry order:
 *
 *   SELECT p.seq FROM ts_postings('text', 42) p
 *    WHERE p.seq BETWEEN :lo AND :hi ORDER BY p.seq DESC;
 *
 * From layout 14 the lists are keyed by epoch (2^20 entries) before value,
 * so a value's lists are read with one seek per epoch in range, newest
 * first when asked. On a store of a layout before the field's lists, it
 * reads what that layout kept instead: the field's column of events (through
 * its index, or for command and database in layouts 5 to 9 through the bucket
 * maps of event_buckets), or for 'value' the table event_value_hmacs
 * (fallback_sql()).
 *
 * index_postings.c writes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* Called with each entry of a list, in order; non-zero stops the walk. */
typedef int (*postings_fn)(void *ctx, uint64_t seq);

/* Calls fn with each entry of block `block`'s list (len bytes). 0; -1 when
 * the list is corrupt; 1 when fn stopped it. */
static int decode(const uint8_t *list, size_t len, uint64_t block,
                  postings_fn fn, void *ctx)
{
    uint64_t base = block << TS_POSTING_BITS, at = 0, v;
    size_t off = 0;

    for (int first = 1; off < len; first = 0) {
        if (ts_varint_read(list, len, &off, &v) != 0 || (!first && v == 0) ||
            v >= (1u << TS_POSTING_BITS) - at)
            return -1;
        at += v;
        if (fn(ctx, base + at) != 0)
            return 1;
    }
    return 0;
}

/* ---- ts_postings_append(old, new) ---- */

static int keep_last(void *ctx, uint64_t seq)
{
    *(uint64_t *)ctx = seq;
    return 0;
}

/* old's list followed by new's, whose first offset is from the block's
 * start: rewritten as the gap from old's last entry. */
static void append_sql(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const uint8_t *old = sqlite3_value_blob(argv[0]);
    int old_len = sqlite3_value_bytes(argv[0]);
    const uint8_t *add = sqlite3_value_blob(argv[1]);
    int add_len = sqlite3_value_bytes(argv[1]);
    uint64_t last = 0, first = 0;
    size_t off = 0;
    ts_buf out;
    ts_error err;

    (void)argc; /* registered with two */
    if (old == NULL || old_len == 0) {
        sqlite3_result_value(ctx, argv[1]);
        return;
    }
    if (decode(old, (size_t)old_len, 0, keep_last, &last) != 0 || add == NULL ||
        ts_varint_read(add, (size_t)add_len, &off, &first) != 0) {
        sqlite3_result_error(ctx, "ts_postings_append: a list is corrupt", -1);
        return;
    }
    if (first <= last) {
        sqlite3_result_error(ctx,
                             "ts_postings_append: the entries added do not"
                             " come after the block's last one",
                             -1);
        return;
    }
    ts_buf_init(&out, SIZE_MAX);
    if (ts_buf_append(&out, old, (size_t)old_len, &err) != 0 ||
        ts_varint_append(&out, first - last, &err) != 0 ||
        ts_buf_append(&out, add + off, (size_t)add_len - off, &err) != 0) {
        ts_buf_release(&out);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_blob(ctx, out.data, (int)out.len, free);
    /* out.data now belongs to SQLite */
}

/* ---- ts_postings(field, value): a table-valued function ---- */

enum { COL_SEQ, COL_FIELD, COL_VALUE };

/* idxNum: which arguments xFilter gets after field and value, in this
 * order, and the order of the rows. */
enum {
    PLAN_GE = 1,
    PLAN_GT = 2,
    PLAN_LE = 4,
    PLAN_LT = 8,
    PLAN_DESC = 16,
};

typedef struct postings_vtab {
    sqlite3_vtab base;
    sqlite3 *db;
    const ts_store *store; /* its layout says where the entries are */
} postings_vtab;

/* Each field, the column of events it lists (NULL: none) and the first
 * layout that lists it. A store of an older layout has no lists for the
 * field: ts_postings() reads what that layout kept instead (the index or
 * bucket maps on the column, or event_value_hmacs: fallback_sql()), so
 * SQL that names ts_postings() runs on every store. */
static const struct {
    const char *name, *column;
    int layout;
} fields[TS_POSTING_FIELDS] = {
    [TS_POSTING_TEXT] = {"text", "text_id", 7},
    [TS_POSTING_OBJECT] = {"object", "object_table", 7},
    [TS_POSTING_ACCOUNT] = {"account", "account", 8},
    [TS_POSTING_VALUE] = {"value", NULL, 9},
    [TS_POSTING_COMMAND] = {"command", "command", 10},
    [TS_POSTING_DATABASE] = {"database", "database", 10},
    [TS_POSTING_SESSION] = {"session", "session_id", 12},
    [TS_POSTING_TEMPLATE] = {"template", "template_id", 13},
};

const char *ts_posting_field_name(ts_posting_field field)
{
    return fields[field].name;
}

const char *ts_posting_field_column(ts_posting_field field)
{
    return fields[field].column;
}

int ts_posting_field_layout(ts_posting_field field)
{
    return fields[field].layout;
}

typedef struct postings_cursor {
    sqlite3_vtab_cursor base;
    /* block, list of the value's rows in range; or, in an older layout,
     * the rows' seq (fallback) */
    sqlite3_stmt *blocks;
    int blocks_plan; /* what blocks was prepared for (prepare_blocks) */
    int fallback;
    int by_epoch; /* layout 14 on: blocks reads one epoch (?5) at a time */
    int64_t epoch, last_epoch;  /* the one read now, the last to read */
    sqlite3_stmt *newest_epoch; /* the field's newest epoch */
    int desc;
    int64_t lo, hi; /* the entries asked for, inclusive */
    int64_t *seqs;  /* the current block's entries in range, ascending */
    size_t n, size; /* held, allocated */
    size_t i;       /* rows returned from seqs */
    int eof;
} postings_cursor;

static int postings_connect(sqlite3 *db, void *aux, int argc,
                            const char *const *argv, sqlite3_vtab **out,
                            char **errmsg)
{
    postings_vtab *vt;
    int rc;

    (void)argc;
    (void)argv;
    (void)errmsg;
    rc = sqlite3_declare_vtab(
        db, "CREATE TABLE x(seq INTEGER, field HIDDEN, value HIDDEN)");
    if (rc != SQLITE_OK)
        return rc;
    vt = sqlite3_malloc(sizeof(*vt));
    if (vt == NULL)
        return SQLITE_NOMEM;
    memset(vt, 0, sizeof(*vt));
    vt->db = db;
    vt->store = aux;
    *out = &vt->base;
    return SQLITE_OK;
}

static int postings_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* field and value must be equalities; bounds on seq narrow the blocks
 * read. The rows come in entry order, so an ORDER BY seq is consumed. */
static int postings_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    static const struct {
        int op, plan;
    } bounds[] = {{SQLITE_INDEX_CONSTRAINT_GE, PLAN_GE},
                  {SQLITE_INDEX_CONSTRAINT_GT, PLAN_GT},
                  {SQLITE_INDEX_CONSTRAINT_LE, PLAN_LE},
                  {SQLITE_INDEX_CONSTRAINT_LT, PLAN_LT}};
    int field = -1, value = -1, bound[4] = {-1, -1, -1, -1}, argv_index = 1;

    (void)vt;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (!c->usable)
            continue;
        if (c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn == COL_FIELD)
            field = i;
        else if (c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn == COL_VALUE)
            value = i;
        else if (c->iColumn == COL_SEQ)
            for (int b = 0; b < 4; b++)
                if (c->op == bounds[b].op && bound[b] < 0)
                    bound[b] = i;
    }
    if (field < 0 || value < 0)
        return SQLITE_CONSTRAINT; /* not a plan: both are needed */
    info->aConstraintUsage[field].argvIndex = argv_index++;
    info->aConstraintUsage[field].omit = 1;
    info->aConstraintUsage[value].argvIndex = argv_index++;
    info->aConstraintUsage[value].omit = 1;
    info->idxNum = 0;
    for (int b = 0; b < 4; b++) {
        if (bound[b] < 0)
            continue;
        info->aConstraintUsage[bound[b]].argvIndex = argv_index++;
        info->aConstraintUsage[bound[b]].omit = 1;
        info->idxNum |= bounds[b].plan;
    }
    /* With value IN (...), SQLite calls xFilter once per value and takes
     * orderByConsumed back itself. */
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == COL_SEQ) {
        info->orderByConsumed = 1;
        if (info->aOrderBy[0].desc)
            info->idxNum |= PLAN_DESC;
    }
    info->estimatedCost =
        info->idxNum & (PLAN_GE | PLAN_GT | PLAN_LE | PLAN_LT) ? 100.0 : 1000.0;
    info->estimatedRows = 1000;
    return SQLITE_OK;
}

static int postings_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    postings_cursor *c = sqlite3_malloc(sizeof(*c));

    (void)vt;
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    c->eof = 1;
    *out = &c->base;
    return SQLITE_OK;
}

static int postings_close(sqlite3_vtab_cursor *cur)
{
    postings_cursor *c = (postings_cursor *)cur;

    sqlite3_finalize(c->blocks);
    sqlite3_finalize(c->newest_epoch);
    free(c->seqs);
    sqlite3_free(c);
    return SQLITE_OK;
}

static int keep_in_range(void *ctx, uint64_t seq)
{
    postings_cursor *c = ctx;

    if ((int64_t)seq < c->lo || (int64_t)seq > c->hi)
        return 0;
    if (c->n == c->size) {
        size_t size = c->size ? 2 * c->size : 256;
        int64_t *seqs = realloc(c->seqs, size * sizeof(*seqs));
        if (seqs == NULL)
            return -1;
        c->seqs = seqs;
        c->size = size;
    }
    c->seqs[c->n++] = (int64_t)seq;
    return 0;
}

/* Sets vt's message to that of SQLite's last error on its connection;
 * returns rc. */
static int db_error(sqlite3_vtab *vt, int rc)
{
    sqlite3_free(vt->zErrMsg);
    vt->zErrMsg =
        sqlite3_mprintf("%s", sqlite3_errmsg(((postings_vtab *)vt)->db));
    return rc;
}

/* What a store of a layout before field's lists reads instead: seq of
 * the rows whose value is ?2 in ?3 .. ?4, in entry order (desc: newest
 * first). Command and database in layouts 5 to 9: the buckets of
 * event_buckets (seq >> 10) that hold the value, in range, each read
 * whole. For 'value', event_value_hmacs: in layouts 3 to 8 keyed by
 * bucket (seq >> 16) first, so one seek per bucket from ?3's to that of
 * ?4 or the newest entry; in layout 2 by (hmac, seq). */
static void fallback_sql(int field, int layout, int desc, char *sql,
                         size_t size)
{
    const char *order = desc ? " DESC" : "";

    if ((field == TS_POSTING_COMMAND || field == TS_POSTING_DATABASE) &&
        layout >= 5)
        snprintf(sql, size,
                 "SELECT e.seq FROM event_buckets b CROSS JOIN events e"
                 " ON e.seq BETWEEN max(b.bucket << 10, ?3)"
                 " AND min((b.bucket << 10) + 1023, ?4)"
                 " WHERE b.field = ?1 AND b.value = ?2"
                 " AND b.bucket BETWEEN ?3 >> 10 AND ?4 >> 10"
                 " AND e.%s = ?2 ORDER BY b.bucket%s, e.seq%s",
                 fields[field].column, order, order);
    else if (fields[field].column != NULL)
        snprintf(sql, size,
                 "SELECT seq FROM events WHERE %s = ?2"
                 " AND seq BETWEEN ?3 AND ?4 ORDER BY seq%s",
                 fields[field].column, order);
    else if (layout <= 2)
        snprintf(sql, size,
                 "SELECT seq FROM event_value_hmacs WHERE hmac = ?2"
                 " AND seq BETWEEN ?3 AND ?4 ORDER BY seq%s",
                 order);
    else
        snprintf(sql, size,
                 "WITH RECURSIVE b(n) AS (SELECT ?3 >> %s UNION ALL"
                 " SELECT n + 1 FROM b WHERE n < (SELECT min(?4, max(seq))"
                 " >> %s FROM events)) SELECT v.seq FROM b"
                 " CROSS JOIN event_value_hmacs v ON v.bucket = b.n"
                 " AND v.hmac = ?2 AND v.seq BETWEEN ?3 AND ?4"
                 " ORDER BY v.seq%s",
                 TS_VALUE_HMAC_BUCKET_BITS_SQL, TS_VALUE_HMAC_BUCKET_BITS_SQL,
                 order);
}

/* Sets the epochs to read, for blocks lo .. hi: from the first epoch in
 * range to the field's newest (the other way when desc), and binds the
 * first; *any is 0 when there is none. An SQLite code. */
static int first_epoch(postings_cursor *c, sqlite3_value *field, int64_t lo,
                       int64_t hi, int *any)
{
    postings_vtab *vt = (postings_vtab *)c->base.pVtab;
    int rc;

    *any = 0;
    if (c->newest_epoch == NULL) {
        rc = sqlite3_prepare_v2(vt->db,
                                "SELECT max(epoch) FROM event_postings"
                                " WHERE field = ?1",
                                -1, &c->newest_epoch, NULL);
        if (rc != SQLITE_OK)
            return db_error(&vt->base, rc);
    }
    sqlite3_bind_value(c->newest_epoch, 1, field);
    rc = sqlite3_step(c->newest_epoch);
    if (rc == SQLITE_ROW &&
        sqlite3_column_type(c->newest_epoch, 0) != SQLITE_NULL) {
        int64_t newest = sqlite3_column_int64(c->newest_epoch, 0);
        int64_t from = lo >> TS_POSTING_EPOCH_BITS;
        int64_t to = hi >> TS_POSTING_EPOCH_BITS;
        if (to > newest)
            to = newest;
        if (from <= to) {
            *any = 1;
            c->epoch = c->desc ? to : from;
            c->last_epoch = c->desc ? from : to;
            sqlite3_bind_int64(c->blocks, 5, c->epoch);
        }
    }
    sqlite3_reset(c->newest_epoch);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK
                                                 : db_error(&vt->base, rc);
}

/* Reads blocks until one holds an entry in range, or none is left: from
 * layout 14, epoch after epoch. In an older layout, reads the next row. */
static int next_block(postings_cursor *c)
{
    sqlite3_vtab *vt = c->base.pVtab;

    c->n = c->i = 0;
    if (c->fallback) {
        int rc = sqlite3_step(c->blocks);
        if (rc == SQLITE_ROW)
            return keep_in_range(
                       c, (uint64_t)sqlite3_column_int64(c->blocks, 0)) == 0
                       ? SQLITE_OK
                       : SQLITE_NOMEM;
        c->eof = 1;
        return rc == SQLITE_DONE ? SQLITE_OK : db_error(vt, rc);
    }
    while (c->n == 0) {
        int rc = sqlite3_step(c->blocks);
        if (rc == SQLITE_DONE && c->by_epoch && c->epoch != c->last_epoch) {
            c->epoch += c->desc ? -1 : 1;
            sqlite3_reset(c->blocks);
            sqlite3_bind_int64(c->blocks, 5, c->epoch);
            continue;
        }
        if (rc == SQLITE_DONE) {
            c->eof = 1;
            return SQLITE_OK;
        }
        if (rc != SQLITE_ROW)
            return db_error(vt, rc);
        rc = decode(sqlite3_column_blob(c->blocks, 1),
                    (size_t)sqlite3_column_bytes(c->blocks, 1),
                    (uint64_t)sqlite3_column_int64(c->blocks, 0), keep_in_range,
                    c);
        if (rc != 0) {
            sqlite3_free(vt->zErrMsg);
            vt->zErrMsg = sqlite3_mprintf(
                rc < 0 ? "event_postings: block %lld's list is corrupt"
                       : "out of memory reading block %lld's list",
                (long long)sqlite3_column_int64(c->blocks, 0));
            return rc < 0 ? SQLITE_CORRUPT : SQLITE_NOMEM;
        }
    }
    return SQLITE_OK;
}

/* The index in fields of the field named by v; -1 for none. */
static int field_of(sqlite3_value *v)
{
    const char *name = (const char *)sqlite3_value_text(v);

    for (int f = 0; name != NULL && f < TS_POSTING_FIELDS; f++)
        if (strcmp(name, fields[f].name) == 0)
            return f;
    return -1;
}

/* c->blocks for the field, order and layout asked: reset when it was
 * prepared for them (with value IN (...), SQLite filters once per value),
 * else prepared. */
static int prepare_blocks(postings_cursor *c, postings_vtab *vt, int field)
{
    int plan = field << 3 | c->by_epoch << 2 | c->fallback << 1 | c->desc;
    char sql[512];
    int rc;

    if (c->blocks != NULL && c->blocks_plan == plan) {
        sqlite3_reset(c->blocks);
        return SQLITE_OK;
    }
    sqlite3_finalize(c->blocks);
    c->blocks = NULL;
    if (c->fallback)
        fallback_sql(field, vt->store->index_version, c->desc, sql,
                     sizeof(sql));
    else
        snprintf(sql, sizeof(sql),
                 "SELECT block, seqs FROM event_postings"
                 " WHERE field = ?1%s AND value = ?2"
                 " AND block BETWEEN ?3 AND ?4 ORDER BY block%s",
                 c->by_epoch ? " AND epoch = ?5" : "", c->desc ? " DESC" : "");
    rc = sqlite3_prepare_v2(vt->db, sql, -1, &c->blocks, NULL);
    if (rc != SQLITE_OK)
        return db_error(&vt->base, rc);
    c->blocks_plan = plan;
    return SQLITE_OK;
}

/* Says that v names no field, and which do. */
static int no_field(sqlite3_vtab *vt, sqlite3_value *v)
{
    sqlite3_str *msg = sqlite3_str_new(NULL);
    const char *name = (const char *)sqlite3_value_text(v);

    sqlite3_str_appendf(msg, "ts_postings: no field '%s' (",
                        name ? name : "NULL");
    for (int f = 0; f < TS_POSTING_FIELDS; f++)
        sqlite3_str_appendf(msg, f ? ", %s" : "%s", fields[f].name);
    sqlite3_str_appendall(msg, ")");
    sqlite3_free(vt->zErrMsg);
    vt->zErrMsg = sqlite3_str_finish(msg);
    return SQLITE_ERROR;
}

static int postings_filter(sqlite3_vtab_cursor *cur, int idx_num,
                           const char *idx_str, int argc, sqlite3_value **argv)
{
    postings_cursor *c = (postings_cursor *)cur;
    postings_vtab *vt = (postings_vtab *)cur->pVtab;
    int a = 2, field, rc;

    (void)idx_str;
    (void)argc;
    c->desc = (idx_num & PLAN_DESC) != 0;
    c->lo = 0;
    c->hi = INT64_MAX;
    if (idx_num & PLAN_GE)
        c->lo = sqlite3_value_int64(argv[a++]);
    if (idx_num & PLAN_GT) {
        int64_t gt = sqlite3_value_int64(argv[a++]);
        if (gt == INT64_MAX) {
            c->eof = 1;
            return SQLITE_OK;
        }
        if (gt + 1 > c->lo)
            c->lo = gt + 1;
    }
    if (idx_num & PLAN_LE) {
        int64_t le = sqlite3_value_int64(argv[a++]);
        if (le < c->hi)
            c->hi = le;
    }
    if (idx_num & PLAN_LT) {
        int64_t lt = sqlite3_value_int64(argv[a++]);
        if (lt - 1 < c->hi)
            c->hi = lt == INT64_MIN ? -1 : lt - 1;
    }
    if (c->lo < 0)
        c->lo = 0;
    c->eof = 0;
    field = field_of(argv[0]);
    if (field < 0)
        return no_field(&vt->base, argv[0]);
    c->fallback = vt->store->index_version < fields[field].layout;
    c->by_epoch =
        !c->fallback && vt->store->index_version >= TS_POSTING_EPOCH_LAYOUT;
    rc = prepare_blocks(c, vt, field);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_value(c->blocks, 1, argv[0]);
    sqlite3_bind_value(c->blocks, 2, argv[1]);
    sqlite3_bind_int64(c->blocks, 3,
                       c->fallback ? c->lo : c->lo >> TS_POSTING_BITS);
    sqlite3_bind_int64(c->blocks, 4,
                       c->fallback ? c->hi : c->hi >> TS_POSTING_BITS);
    if (c->lo > c->hi) {
        c->eof = 1;
        return SQLITE_OK;
    }
    if (c->by_epoch) {
        int any;
        rc = first_epoch(c, argv[0], c->lo >> TS_POSTING_BITS,
                         c->hi >> TS_POSTING_BITS, &any);
        if (rc != SQLITE_OK)
            return rc;
        if (!any) {
            c->eof = 1;
            return SQLITE_OK;
        }
    }
    return next_block(c);
}

static int postings_next(sqlite3_vtab_cursor *cur)
{
    postings_cursor *c = (postings_cursor *)cur;

    if (++c->i < c->n)
        return SQLITE_OK;
    return next_block(c);
}

static int postings_eof(sqlite3_vtab_cursor *cur)
{
    return ((postings_cursor *)cur)->eof;
}

/* The i-th row of the block in the order asked for. */
static int64_t current_seq(const postings_cursor *c)
{
    return c->seqs[c->desc ? c->n - 1 - c->i : c->i];
}

static int postings_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
                           int col)
{
    postings_cursor *c = (postings_cursor *)cur;

    if (col == COL_SEQ)
        sqlite3_result_int64(ctx, current_seq(c));
    else
        sqlite3_result_null(ctx); /* field and value are the arguments */
    return SQLITE_OK;
}

static int postings_rowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid)
{
    *rowid = current_seq((postings_cursor *)cur);
    return SQLITE_OK;
}

static const sqlite3_module postings_module = {
    .iVersion = 0,
    .xConnect = postings_connect, /* eponymous only: no xCreate */
    .xBestIndex = postings_best_index,
    .xDisconnect = postings_disconnect,
    .xOpen = postings_open,
    .xClose = postings_close,
    .xFilter = postings_filter,
    .xNext = postings_next,
    .xEof = postings_eof,
    .xColumn = postings_column,
    .xRowid = postings_rowid,
};

int ts_postings_register(sqlite3 *db, ts_store *store)
{
    int rc = sqlite3_create_function(db, "ts_postings_append", 2,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                     append_sql, NULL, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_create_module(db, "ts_postings", &postings_module, store);
    return rc;
}
