/* Checking the --column and --class filters of search and who. */
#include <string.h>

#include "query/query_internal.h"
#include "store/store_internal.h"
#include "trailseal/sensitive.h"

int ts_query_column_check(const char *column, ts_error *err)
{
    const char *dot1, *dot2;

    if (column == NULL || *column == '\0')
        return ts_error_set(err, TS_EINVAL, "--column: no column given");
    if (strlen(column) >= TS_QUERY_OBJECT_MAX)
        return ts_error_set(err, TS_EINVAL, "--column: longer than %d bytes",
                            TS_QUERY_OBJECT_MAX - 1);
    dot1 = strchr(column, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (dot1 == NULL || dot2 == NULL || dot1 == column || dot2 == dot1 + 1 ||
        dot2[1] == '\0')
        return ts_error_set(err, TS_EINVAL,
                            "'%s': not a column name (schema.table.column)",
                            column);
    return 0;
}

int ts_query_class_check(ts_store *store, const char *cls, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc, step;

    if (cls == NULL || *cls == '\0')
        return ts_error_set(err, TS_EINVAL, "--class: no data class given");
    for (unsigned bit = 1; bit <= TS_SENSITIVE_LAST; bit <<= 1)
        if (strcmp(cls, ts_sensitive_class_name(bit)) == 0)
            return 0;
    rc = ts_store_prepare(store,
                          "SELECT 1 FROM class_rules WHERE class = ?1"
                          " UNION ALL SELECT 1 FROM column_classes"
                          " WHERE class = ?1 LIMIT 1",
                          &st, "looking up a data class", err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, cls, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        rc = ts_error_set(err, TS_EINVAL,
                          "'%s': no such data class (controls.yaml "
                          "data_classes after trailseal reindex, a catalog "
                          "comment 'pii:%s', or a value class)",
                          cls, cls);
    else if (step != SQLITE_ROW)
        rc = ts_store_db_error(store, "looking up a data class", err);
    sqlite3_finalize(st);
    return rc;
}
