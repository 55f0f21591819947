/* JSON the population queries bind: which columns hold which data classes
 * (:classified_columns, column -> [class ids]) and who may touch each class
 * (:class_allowed, class -> [entries]). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/report_internal.h"

/* 1 when `table` ("schema.table") is one the class lists: the same name,
 * or an unqualified list entry naming that table in any schema. */
static int class_lists_table(const ts_data_class *cls, const char *table)
{
    const char *dot = strrchr(table, '.');
    const char *bare = dot ? dot + 1 : table;

    for (size_t i = 0; i < cls->n_tables; i++) {
        const char *t = cls->tables[i];
        if (strcasecmp(t, table) == 0 ||
            (strchr(t, '.') == NULL && strcasecmp(t, bare) == 0))
            return 1;
    }
    return 0;
}

static int append_classes(const ts_controls *cs, const char *object,
                          ts_buf *classes, ts_error *err)
{
    char table[1024];
    const char *dot = strrchr(object, '.');
    size_t table_len = dot ? (size_t)(dot - object) : 0;
    int rc = 0;

    classes->len = 0;
    if (dot == NULL || table_len >= sizeof(table))
        return ts_buf_terminate(classes, err);
    memcpy(table, object, table_len);
    table[table_len] = '\0';
    for (size_t i = 0; rc == 0 && i < cs->n_classes; i++) {
        const ts_data_class *cls = &cs->classes[i];
        if (!ts_data_class_matches(cls, dot + 1) &&
            !class_lists_table(cls, table))
            continue;
        rc = ts_buf_append_byte(classes, classes->len > 0 ? ',' : '[', err);
        if (rc == 0)
            rc = ts_json_string(classes, cls->id, err);
    }
    if (rc == 0 && classes->len > 0)
        rc = ts_buf_append_byte(classes, ']', err);
    if (rc == 0)
        rc = ts_buf_terminate(classes, err);
    return rc;
}

int ts_report_classified_columns(sqlite3 *db, const ts_controls *cs,
                                 ts_buf *out, ts_error *err)
{
    static const char sql[] = "SELECT DISTINCT object FROM template_access"
                              " WHERE level = 'column' ORDER BY object";
    sqlite3_stmt *stmt = NULL;
    ts_buf classes;
    size_t n = 0;
    int rc, s = SQLITE_DONE;

    ts_buf_init(&classes, 64 << 10);
    rc = ts_buf_append_byte(out, '{', err);
    if (rc == 0 && sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "reading analysed columns: %s",
                          sqlite3_errmsg(db));
    while (rc == 0 && cs != NULL && (s = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *object = (const char *)sqlite3_column_text(stmt, 0);
        if (object == NULL)
            continue;
        rc = append_classes(cs, object, &classes, err);
        if (rc != 0 || classes.len == 0)
            continue;
        if (n++ > 0)
            rc = ts_buf_append_byte(out, ',', err);
        if (rc == 0)
            rc = ts_json_string(out, object, err);
        if (rc == 0)
            rc = ts_buf_append_byte(out, ':', err);
        if (rc == 0)
            rc = ts_buf_append(out, classes.data, classes.len, err);
    }
    if (rc == 0 && s != SQLITE_DONE && s != SQLITE_ROW)
        rc = ts_error_set(err, TS_EDB, "reading analysed columns: %s",
                          sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    ts_buf_release(&classes);
    if (rc == 0)
        rc = ts_buf_append(out, "}", 2, err); /* with the NUL */
    return rc;
}

/* {"class": [list...]} for every class, the list chosen by `tables`. */
static int class_lists(const ts_controls *cs, int tables, ts_buf *out,
                       ts_error *err)
{
    int rc = ts_buf_append_byte(out, '{', err);

    for (size_t i = 0; rc == 0 && cs != NULL && i < cs->n_classes; i++) {
        const ts_data_class *cls = &cs->classes[i];
        if (i > 0)
            rc = ts_buf_append_byte(out, ',', err);
        if (rc == 0)
            rc = ts_json_string(out, cls->id, err);
        if (rc == 0)
            rc = ts_buf_append(out, ":[", 2, err);
        char *const *list = tables ? cls->tables : cls->allowed;
        size_t n = tables ? cls->n_tables : cls->n_allowed;
        for (size_t j = 0; rc == 0 && j < n; j++) {
            if (j > 0)
                rc = ts_buf_append_byte(out, ',', err);
            if (rc == 0)
                rc = ts_json_string(out, list[j], err);
        }
        if (rc == 0)
            rc = ts_buf_append_byte(out, ']', err);
    }
    if (rc == 0)
        rc = ts_buf_append(out, "}", 2, err);
    return rc;
}

int ts_report_class_allowed(const ts_controls *cs, ts_buf *out, ts_error *err)
{
    return class_lists(cs, 0, out, err);
}

int ts_report_class_tables(const ts_controls *cs, ts_buf *out, ts_error *err)
{
    return class_lists(cs, 1, out, err);
}
