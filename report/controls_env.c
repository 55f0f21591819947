/* JSON the population queries bind: which columns hold which data classes
 * (:classified_columns, column -> [class ids]) and who may touch each class
 * (:class_allowed, class -> [entries]). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/report_internal.h"
#include "store/store_internal.h"
#include "trailseal/classes.h"

/* The report's classes come from the same classification as the index's
 * column_classes (store/index_classes.c), with the rules of the report's
 * own controls.yaml in TEMP tables: the report may be run with another
 * file than the one reindex stored, and never writes the store. */
static const char temp_tables_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS ts_report_class_rules(class TEXT NOT NULL,"
    " kind TEXT NOT NULL, pattern TEXT NOT NULL,"
    " PRIMARY KEY (class, kind, pattern)) WITHOUT ROWID;"
    "CREATE TEMP TABLE IF NOT EXISTS ts_report_column_classes("
    " column_name TEXT NOT NULL, class TEXT NOT NULL, rule TEXT NOT NULL,"
    " PRIMARY KEY (column_name, class, rule)) WITHOUT ROWID;"
    "DELETE FROM temp.ts_report_class_rules;";

static int exec_sql(sqlite3 *db, const char *sql, ts_error *err)
{
    char *msg = NULL;
    int rc = 0;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "classifying columns: %s",
                          msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

static int load_rules(sqlite3 *db, const ts_controls *cs, ts_error *err)
{
    ts_class_rule *rules = NULL;
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int rc = ts_class_rules_from_controls(&rules, &n, cs, err);

    if (rc == 0)
        rc = exec_sql(db, temp_tables_sql, err);
    if (rc == 0 &&
        sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO temp.ts_report_class_rules"
                           " VALUES(?1, ?2, ?3)",
                           -1, &st, NULL) != SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "classifying columns: %s",
                          sqlite3_errmsg(db));
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_bind_text(st, 1, rules[i].class_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, rules[i].kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, rules[i].pattern, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ts_error_set(err, TS_EDB, "classifying columns: %s",
                              sqlite3_errmsg(db));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    ts_class_rules_free(rules, n);
    return rc;
}

int ts_report_classified_columns(sqlite3 *db, const ts_controls *cs,
                                 ts_buf *out, ts_error *err)
{
    /* analysed columns only: the catalog's others were never accessed */
    static const char sql[] =
        "SELECT column_name, json_group_array(class) FROM"
        " (SELECT DISTINCT column_name, class"
        "  FROM temp.ts_report_column_classes"
        "  WHERE column_name IN (SELECT object FROM template_access"
        "   WHERE level = 'column')"
        "  ORDER BY column_name, class)"
        " GROUP BY column_name ORDER BY column_name";
    sqlite3_stmt *stmt = NULL;
    size_t n = 0;
    int rc, s = SQLITE_DONE;

    rc = load_rules(db, cs, err);
    if (rc == 0)
        rc = ts_index_classify(db, "temp.ts_report_column_classes",
                               "temp.ts_report_class_rules", err);
    if (rc == 0)
        rc = ts_buf_append_byte(out, '{', err);
    if (rc == 0 && sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "reading analysed columns: %s",
                          sqlite3_errmsg(db));
    while (rc == 0 && (s = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *object = (const char *)sqlite3_column_text(stmt, 0);
        const char *classes = (const char *)sqlite3_column_text(stmt, 1);
        if (object == NULL || classes == NULL)
            continue;
        if (n++ > 0)
            rc = ts_buf_append_byte(out, ',', err);
        if (rc == 0)
            rc = ts_json_string(out, object, err);
        if (rc == 0)
            rc = ts_buf_append_byte(out, ':', err);
        if (rc == 0)
            rc = ts_buf_append(out, classes, strlen(classes), err);
    }
    if (rc == 0 && s != SQLITE_DONE && s != SQLITE_ROW)
        rc = ts_error_set(err, TS_EDB, "reading analysed columns: %s",
                          sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
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
