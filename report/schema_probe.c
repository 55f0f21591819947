/* What the index's schema holds, for a report given only the connection:
 * stores of older layouts are read as they are, and lack tables, views or
 * columns that newer ones have. */
#include "report/report_internal.h"

int ts_report_schema_has(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int found = 0;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
        found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}
