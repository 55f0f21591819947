/* Counting what a store holds: entries, events by kind, sessions, checkpoints.
 */
#include <string.h>

#include "store/store_internal.h"

int ts_store_get_stats(ts_store *store, ts_store_stats *out, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc, step = SQLITE_DONE;

    memset(out, 0, sizeof(*out));
    rc = ts_store_count(store,
                        "SELECT coalesce(max(tree_size), 0) FROM frontier",
                        "counting", &out->entries, err);
    if (rc == 0)
        rc = ts_store_count(store, "SELECT count(*) FROM sessions", "counting",
                            &out->sessions, err);
    if (rc == 0)
        rc = ts_store_count(store, "SELECT count(*) FROM checkpoints",
                            "counting", &out->checkpoints, err);
    if (rc == 0)
        rc = ts_store_count(store, "SELECT count(*) FROM blocks", "counting",
                            &out->blocks, err);
    if (rc == 0)
        rc = ts_store_count(store, "SELECT count(*) FROM sources", "counting",
                            &out->sources, err);
    if (rc == 0)
        rc = ts_store_count(store, "SELECT count(*) FROM templates", "counting",
                            &out->templates, err);
    if (rc == 0)
        rc = ts_store_prepare(store,
                              "SELECT kind, count(*) FROM events GROUP BY kind",
                              &st, "counting events", err);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int kind = sqlite3_column_int(st, 0);
        if (kind >= 0 && kind < TS_EVENT_KIND_COUNT)
            out->events_by_kind[kind] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ts_store_db_error(store, "counting events", err);
    sqlite3_finalize(st);
    out->unparsed = out->events_by_kind[TS_EVENT_UNPARSED];
    return rc;
}
