/* Counting what a store holds: entries, events by kind, sessions, checkpoints.
 */
#include <string.h>

#include "store/store_internal.h"

static int count(ts_store *store, const char *sql, uint64_t *out, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = ts_store_prepare(store, sql, &st, "counting", err);

    if (rc != 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(st, 0);
    else
        rc = ts_store_db_error(store, "counting", err);
    sqlite3_finalize(st);
    return rc;
}

int ts_store_get_stats(ts_store *store, ts_store_stats *out, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = count(store, "SELECT coalesce(max(tree_size), 0) FROM frontier",
               &out->entries, err);
    if (rc == 0)
        rc = count(store, "SELECT count(*) FROM sessions", &out->sessions, err);
    if (rc == 0)
        rc = count(store, "SELECT count(*) FROM checkpoints", &out->checkpoints,
                   err);
    if (rc == 0)
        rc = count(store, "SELECT count(*) FROM blocks", &out->blocks, err);
    if (rc == 0)
        rc = count(store, "SELECT count(*) FROM sources", &out->sources, err);
    if (rc == 0)
        rc = count(store, "SELECT count(*) FROM templates", &out->templates,
                   err);
    if (rc == 0)
        rc = ts_store_prepare(store,
                              "SELECT kind, count(*) FROM events GROUP BY kind",
                              &st, "counting events", err);
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        int kind = sqlite3_column_int(st, 0);
        if (kind >= 0 && kind < TS_EVENT_KIND_COUNT)
            out->events_by_kind[kind] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    out->unparsed = out->events_by_kind[TS_EVENT_UNPARSED];
    return rc;
}
