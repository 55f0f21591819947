/* Data classes in the index: column_classes from the stored rules, the
 * analysed columns and catalog comments; event_value_classes rows; and
 * reindex, which recomputes both from what the index already holds. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "trailseal/classes.h"

/* Every classified column, from scratch, into an output table (the first
 * two %s) from the rules of a rules table (the last two). Columns are split at
 * their first two dots (schema, table, column), as the analysis names them; the
 * catalog's type and comment come from the newest catalog snapshot. The comment
 * words are split by a recursive walk (SQLite has no split), over the first
 * 4 KiB of the comments that hold "pii:" at all: the walk copies the rest of
 * the text at every word, so a 1 MiB comment would cost minutes. */
static const char classify_sql[] =
    "DELETE FROM %s;"
    "WITH cat AS (SELECT lower(schema_name || '.' || table_name || '.'"
    "   || column_name) AS name, lower(data_type) AS data_type,"
    "   lower(comment) AS comment FROM v_catalog_columns),"
    " names AS (SELECT object AS name FROM template_access"
    "   WHERE level = 'column' UNION SELECT name FROM cat),"
    " cols AS (SELECT n.name, substr(n.name, instr(n.name, '.') + 1) AS rest,"
    "   instr(n.name, '.') AS dot, c.data_type, c.comment"
    "   FROM names n LEFT JOIN cat c ON c.name = lower(n.name)),"
    " parts AS (SELECT name, lower(substr(name, 1, dot - 1)) AS schema_name,"
    "   lower(substr(rest, 1, instr(rest, '.') - 1)) AS table_name,"
    "   lower(substr(rest, instr(rest, '.') + 1)) AS column_name,"
    "   data_type, comment FROM cols WHERE dot > 0 AND instr(rest, '.') > 0),"
    " words(name, word, rest) AS (SELECT name, '',"
    "   replace(replace(replace(replace(substr(comment, 1, 4096), ',', ' '),"
    "   ';', ' '), char(9), ' '), char(10), ' ') || ' '"
    "   FROM parts WHERE instr(comment, 'pii:') > 0"
    "  UNION ALL SELECT name, substr(rest, 1, instr(rest, ' ') - 1),"
    "   substr(rest, instr(rest, ' ') + 1) FROM words WHERE rest != '')"
    " INSERT OR IGNORE INTO %s(column_name, class, rule)"
    " SELECT p.name, r.class, r.kind || ':' || r.pattern"
    "  FROM parts p JOIN %s r ON"
    "   (r.kind = 'column_pattern' AND p.column_name GLOB r.pattern)"
    "   OR (r.kind = 'column' AND lower(p.name) GLOB r.pattern)"
    "   OR (r.kind = 'type' AND p.data_type GLOB r.pattern)"
    "   OR (r.kind = 'table' AND (p.schema_name || '.' || p.table_name"
    "       = r.pattern OR (instr(r.pattern, '.') = 0"
    "       AND p.table_name = r.pattern)))"
    " UNION ALL SELECT name, substr(word, 5), 'comment:' || word FROM words"
    "  WHERE length(word) > 4 AND substr(word, 1, 4) = 'pii:'"
    "   AND substr(word, 5) NOT GLOB '*[^a-z0-9_-]*'"
    " UNION ALL SELECT p.name, trim(p.comment), 'comment:' || trim(p.comment)"
    "  FROM parts p WHERE trim(p.comment) IN (SELECT class FROM %s)";

int ts_index_classify(sqlite3 *db, const char *out_table,
                      const char *rules_table, ts_error *err)
{
    char sql[sizeof(classify_sql) + 256];
    char *msg = NULL;
    int n;

    assert(strlen(out_table) < 64 && strlen(rules_table) < 64);
    n = snprintf(sql, sizeof(sql), classify_sql, out_table, out_table,
                 rules_table, rules_table);
    if (n < 0 || (size_t)n >= sizeof(sql))
        return ts_error_set(err, TS_ELIMIT, "classifying columns: too long");
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        n = ts_error_set(err, TS_EDB, "classifying columns: %s",
                         msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return n;
    }
    return 0;
}

int ts_index_classes_refresh(ts_store *store, ts_error *err)
{
    return ts_index_classify(ts_store_sqlite(store), "main.column_classes",
                             "main.class_rules", err);
}

static int store_rules(ts_store *store, const ts_class_rule *rules, size_t n,
                       ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = ts_store_exec(store, "DELETE FROM class_rules",
                           "replacing the class rules", err);

    if (rc == 0)
        rc = ts_store_prepare(store,
                              "INSERT OR IGNORE INTO class_rules(class, kind,"
                              " pattern) VALUES(?1, ?2, ?3)",
                              &st, "storing the class rules", err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_bind_text(st, 1, rules[i].class_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, rules[i].kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, rules[i].pattern, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ts_store_db_error(store, "storing the class rules", err);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Rows are written through a second statement while the first still
 * reads: SQLite allows it on one connection, and the rows written
 * (event_value_classes) are not the ones read (events). */
static int rescan_values(ts_store *store, ts_value_classes_fn fn,
                         ts_reindex_stats *stats, ts_error *err)
{
    sqlite3_stmt *read = NULL, *write = NULL;
    int rc, step = SQLITE_DONE;

    /* Value classes were found at ingest, in the values as read; a store
     * that redacts keeps only "?" in their place. So classes found then
     * stay, and what the detectors find in the stored text is added. */
    rc = ts_store_prepare(store,
                          "SELECT e.seq, coalesce(e.statement, t.statement),"
                          " e.parameter FROM events e"
                          " LEFT JOIN event_texts t ON t.id = e.text_id"
                          " WHERE e.template_id IS NOT NULL ORDER BY e.seq",
                          &read, "reading statements", err);
    if (rc == 0)
        rc = ts_store_prepare(store,
                              "INSERT OR IGNORE INTO event_value_classes(seq,"
                              " class) VALUES(?1, ?2)",
                              &write, "writing value classes", err);
    while (rc == 0 && (step = sqlite3_step(read)) == SQLITE_ROW) {
        const char *names[16];
        size_t n = fn((const char *)sqlite3_column_text(read, 1),
                      (const char *)sqlite3_column_text(read, 2), names,
                      sizeof(names) / sizeof(names[0]));
        stats->n_events_scanned++;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            sqlite3_bind_int64(write, 1, sqlite3_column_int64(read, 0));
            sqlite3_bind_text(write, 2, names[i], -1, SQLITE_STATIC);
            if (sqlite3_step(write) != SQLITE_DONE)
                rc = ts_store_db_error(store, "writing value classes", err);
            sqlite3_reset(write);
        }
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ts_store_db_error(store, "reading statements", err);
    sqlite3_finalize(read);
    sqlite3_finalize(write);
    return rc;
}

int ts_store_reindex(ts_store *store, const ts_class_rule *rules,
                     size_t n_rules, ts_value_classes_fn value_classes,
                     ts_reindex_stats *out, ts_error *err)
{
    ts_reindex_stats stats;
    int rc;

    memset(&stats, 0, sizeof(stats));
    rc = ts_store_exec(store, "BEGIN IMMEDIATE", "reindexing", err);
    if (rc != 0)
        return rc;
    /* A store made before these tables existed gets them now: the schema
     * is all IF NOT EXISTS. */
    rc = ts_store_exec(store, ts_index_schema_sql, "updating the index schema",
                       err);
    if (rc == 0 && rules != NULL)
        rc = store_rules(store, rules, n_rules, err);
    if (rc == 0)
        rc = ts_index_classes_refresh(store, err);
    if (rc == 0 && value_classes != NULL)
        rc = rescan_values(store, value_classes, &stats, err);
    if (rc == 0)
        rc = ts_store_count(store, "SELECT count(*) FROM class_rules",
                            "counting", &stats.n_rules, err);
    if (rc == 0)
        rc = ts_store_count(store, "SELECT count(*) FROM column_classes",
                            "counting", &stats.n_column_classes, err);
    if (rc == 0)
        rc = ts_store_count(
            store, "SELECT count(DISTINCT column_name) FROM column_classes",
            "counting", &stats.n_columns, err);
    if (rc == 0)
        rc = ts_store_count(store, "SELECT count(*) FROM event_value_classes",
                            "counting", &stats.n_value_classes, err);
    if (rc == 0)
        rc = ts_store_exec(store, "COMMIT", "reindexing", err);
    else
        ts_store_exec(store, "ROLLBACK", "reindexing", NULL);
    if (rc == 0 && out != NULL)
        *out = stats;
    return rc;
}
