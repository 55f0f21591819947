/* The first entry a period's events can start at, from event_spans (the
 * time span of each run of 2^TS_SPAN_BITS entries): populations that scan
 * events in entry order start there (:min_seq) instead of at entry 0. */
#include <sqlite3.h>

#include "report/report_internal.h"
#include "store/store_internal.h"

int ts_report_min_seq(sqlite3 *db, int64_t since_us, int64_t *out,
                      ts_error *err)
{
    static const char sql[] =
        "SELECT (SELECT max(seq) FROM events),"
        " (SELECT max(bucket) FROM event_spans),"
        " (SELECT min(bucket) FROM event_spans WHERE max_time_us >= ?1)";
    sqlite3_stmt *st = NULL;
    int rc = 0;

    *out = 0;
    if (since_us == INT64_MIN)
        return 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return ts_error_set(err, TS_EDB, "reading event_spans: %s",
                            sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, since_us);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = ts_error_set(err, TS_EDB, "reading event_spans: %s",
                          sqlite3_errmsg(db));
    } else if (sqlite3_column_type(st, 0) != SQLITE_NULL &&
               sqlite3_column_type(st, 1) != SQLITE_NULL) {
        int64_t max_seq = sqlite3_column_int64(st, 0);
        int64_t max_bucket = sqlite3_column_int64(st, 1);
        /* spans that stop short of the newest entry (an index being
         * written) cannot rule anything out */
        if (max_bucket >= (max_seq >> TS_SPAN_BITS))
            *out = sqlite3_column_type(st, 2) == SQLITE_NULL
                       ? (max_bucket + 1) << TS_SPAN_BITS
                       : sqlite3_column_int64(st, 2) << TS_SPAN_BITS;
    }
    sqlite3_finalize(st);
    return rc;
}
