/* Reading completeness facts back from the index for verify and reports. */
#include <string.h>

#include "store/store_internal.h"

static const char count_sql[] =
    "SELECT (SELECT count(*) FROM completeness_facts WHERE kind = 'gap'),"
    " (SELECT count(*) FROM completeness_facts WHERE kind = 'reordered'),"
    " (SELECT count(*) FROM completeness_facts WHERE kind = 'began_earlier'),"
    " (SELECT count(*) FROM source_continuations)";

static const char list_sql[] =
    "SELECT * FROM (SELECT f.kind, f.sequence, f.session_id, s.name,"
    " p.name, f.seq AS at, f.prev_seq, f.expected, f.found"
    " FROM completeness_facts f JOIN sources s ON s.id = f.source_id"
    " LEFT JOIN sources p ON p.id = f.prev_source_id"
    " UNION ALL"
    " SELECT 'continued', NULL, NULL, s.name, p.name, c.first_seq, NULL, NULL,"
    " c.sessions FROM source_continuations c"
    " JOIN sources s ON s.id = c.source_id"
    " JOIN sources p ON p.id = c.prev_source_id)"
    " ORDER BY kind = 'continued', at";

static const char *text_or_null(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static int64_t int_or(sqlite3_stmt *st, int col, int64_t none)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL
               ? none
               : sqlite3_column_int64(st, col);
}

int ts_store_completeness(ts_store *store, size_t limit,
                          int (*fn)(const ts_completeness_fact *fact,
                                    void *ctx),
                          void *ctx, ts_completeness_summary *out,
                          ts_error *err)
{
    sqlite3_stmt *st = NULL;
    size_t listed = 0;
    int rc, step = SQLITE_DONE;

    memset(out, 0, sizeof(*out));
    rc = ts_store_prepare(store, count_sql, &st, "reading completeness", err);
    if (rc != 0)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = ts_store_db_error(store, "reading completeness", err);
        sqlite3_finalize(st);
        return rc;
    }
    out->gaps = (uint64_t)sqlite3_column_int64(st, 0);
    out->reordered = (uint64_t)sqlite3_column_int64(st, 1);
    out->began_earlier = (uint64_t)sqlite3_column_int64(st, 2);
    out->continued = (uint64_t)sqlite3_column_int64(st, 3);
    sqlite3_finalize(st);
    if (fn == NULL)
        return 0;

    rc = ts_store_prepare(store, list_sql, &st, "reading completeness", err);
    if (rc != 0)
        return rc;
    while ((limit == 0 || listed < limit) &&
           (step = sqlite3_step(st)) == SQLITE_ROW) {
        ts_completeness_fact f;
        f.kind = text_or_null(st, 0);
        f.sequence = text_or_null(st, 1);
        f.session_id = text_or_null(st, 2);
        f.source = text_or_null(st, 3);
        f.previous_source = text_or_null(st, 4);
        f.entry_index = int_or(st, 5, -1);
        f.previous_entry_index = int_or(st, 6, -1);
        f.expected = int_or(st, 7, -1);
        f.found = int_or(st, 8, -1);
        listed++;
        if (fn(&f, ctx) != 0)
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = ts_store_db_error(store, "reading completeness", err);
    sqlite3_finalize(st);
    return rc;
}
