/* Data classes in the index (store/index_classes.c, query/classes.c,
 * report/class_rules.c): value classes written at ingest, rules from a
 * controls.yaml, reindex recomputing the same tables, search and who by
 * column and class, and their errors; over the real pgAudit log. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_internal.h" /* the connection, to read the tables */
#include "test_files.h"
#include "test_stores.h"
#include "trailseal/trailseal.h"

#define PREFIX "%m [%p] %q%u@%d/%a %r %c %e "
#define REAL_LOG TS_TEST_DATA_DIR "/../e2e/data/pg15-pgaudit.log"

typedef struct fixture {
    char dir[64];
    char path[128];
    ts_store *store;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    ts_error err;

    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/ts-test-classes-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof(fx->path), "%s/c.db", fx->dir);
    ts_error_clear(&err);
    assert_int_equal(ts_store_create(&fx->store, fx->path, &err), 0);
    ingest_analyzed(fx->store, PREFIX, REAL_LOG, NULL);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char p[160];

    ts_store_free(fx->store);
    snprintf(p, sizeof(p), "%s.key", fx->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-wal", fx->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", fx->path);
    unlink(p);
    unlink(fx->path);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void test_value_classes_at_ingest(void **state)
{
    fixture *fx = *state;

    /* alice's INSERT of four customers (entry 22) and her lookups by email */
    expect_store_dump(
        fx->store, "SELECT seq, class FROM event_value_classes ORDER BY 1, 2",
        "22|email\n22|phone\n22|us_ssn\n46|email\n47|email\n");
    /* no rules yet, no catalog: nothing classified */
    expect_store_dump(fx->store, "SELECT count(*) FROM column_classes", "0\n");
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static void reindex_with(fixture *fx, const char *yaml)
{
    char path[160];
    ts_class_rule *rules = NULL;
    size_t n = 0;
    ts_reindex_stats st;
    ts_error err;

    snprintf(path, sizeof(path), "%s/controls.yaml", fx->dir);
    write_text(path, yaml);
    ts_error_clear(&err);
    assert_int_equal(ts_class_rules_load(&rules, &n, path, &err), 0);
    assert_int_equal(ts_store_reindex(fx->store, rules, n,
                                      ts_sensitive_event_classes, &st, &err),
                     0);
    assert_int_equal(st.n_rules, n);
    assert_int_equal(st.n_value_classes, 5);
    ts_class_rules_free(rules, n);
    unlink(path);
}

static const char controls_yaml[] =
    "version: 1\n"
    "data_classes:\n"
    "  - id: ssn\n"
    "    column_patterns: [\"SSN\"]\n"
    "  - id: contact\n"
    "    columns: [\"public.customers.[!f]*mail\"]\n"
    "  - id: export\n"
    "    tables: [\"customers_export\"]\n";

static void test_rules_and_reindex(void **state)
{
    fixture *fx = *state;
    char *first, *second;

    reindex_with(fx, controls_yaml);
    /* patterns lowercased, fnmatch's [! as GLOB's [^, table names as is */
    expect_store_dump(fx->store, "SELECT * FROM class_rules ORDER BY 1, 2, 3",
                      "contact|column|public.customers.[^f]*mail\n"
                      "export|table|customers_export\n"
                      "ssn|column_pattern|ssn\n");
    expect_store_dump(
        fx->store, "SELECT * FROM column_classes ORDER BY 1, 2, 3",
        "ml.training_rows.ssn|ssn|column_pattern:ssn\n"
        "public.customers.email|contact|column:public.customers.[^f]*"
        "mail\n"
        "public.customers.ssn|ssn|column_pattern:ssn\n"
        "public.customers_export.email|export|table:customers_export\n"
        "public.customers_export.full_name|export|table:customers_"
        "export\n"
        "public.customers_export.id|export|table:customers_export\n");
    first =
        store_dump(fx->store, "SELECT * FROM column_classes ORDER BY 1, 2, 3");
    reindex_with(fx, controls_yaml);
    second =
        store_dump(fx->store, "SELECT * FROM column_classes ORDER BY 1, 2, 3");
    assert_string_equal(first, second);
    sqlite3_free(first);
    sqlite3_free(second);
    /* each statement's classified columns, one row per column and class */
    expect_store_dump(
        fx->store,
        "SELECT entry_index, account, \"column\", access, class"
        " FROM v_event_column_classes WHERE class = 'ssn' ORDER BY 1, 3",
        "22|alice|public.customers.ssn|write|ssn\n"
        "46|alice|public.customers.ssn|read|ssn\n"
        "64|agent_langchain|ml.training_rows.ssn|write|ssn\n"
        "64|agent_langchain|public.customers.ssn|read|ssn\n");
}

static int collect_seq(void *ctx, const ts_search_row *row)
{
    char *out = ctx;
    size_t len = strlen(out);

    snprintf(out + len, 512 - len, "%llu ",
             (unsigned long long)row->entry_index);
    return 0;
}

static void search_seqs(fixture *fx, const char *column, const char *cls,
                        const char *want)
{
    char got[512] = "";
    ts_search_query q;
    ts_error err;

    ts_search_query_init(&q);
    q.oldest_first = 1;
    q.column = column;
    q.data_class = cls;
    ts_error_clear(&err);
    assert_int_equal(ts_search(fx->store, &q, collect_seq, got, NULL, &err), 0);
    assert_string_equal(got, want);
}

/* The statements of columns and classes, found by search. */
static void expect_column_searches(fixture *fx)
{
    search_seqs(fx, "public.customers.ssn", NULL, "22 46 64 ");
    search_seqs(fx, "PUBLIC.customers.ssn", NULL, "22 46 64 ");
    search_seqs(fx, NULL, "ssn", "22 46 64 ");
    search_seqs(fx, NULL, "us_ssn", "22 ");
    /* a column class or a value class: email values in 22, 46, 47 */
    search_seqs(fx, NULL, "email", "22 46 47 ");
    search_seqs(fx, "public.customers.ssn", "us_ssn", "22 ");
    search_seqs(fx, "public.no_such.column", NULL, "");
    /* a value class no statement had is known, and finds nothing */
    search_seqs(fx, NULL, "iban", "");
}

static void test_search(void **state)
{
    fixture *fx = *state;
    ts_search_query q;
    ts_error err;

    reindex_with(fx, controls_yaml);
    expect_column_searches(fx);
    ts_search_query_init(&q);
    q.data_class = "no_such_class";
    ts_error_clear(&err);
    assert_int_equal(ts_search(fx->store, &q, collect_seq, NULL, NULL, &err),
                     TS_EINVAL);
    assert_non_null(strstr(err.msg, "'no_such_class': no such data class"));
    ts_search_query_init(&q);
    const char *bad[] = {"", "ssn", "customers.ssn", ".a.b", "a..b", "a.b."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        q.column = bad[i];
        ts_error_clear(&err);
        assert_int_equal(
            ts_search(fx->store, &q, collect_seq, NULL, NULL, &err), TS_EINVAL);
    }
}

static int collect_who(void *ctx, const ts_who_row *row)
{
    char *out = ctx;
    size_t len = strlen(out);

    snprintf(out + len, 1024 - len, "%s|%s|%llu|%llu|%llu\n", row->account,
             row->object_name ? row->object_name : "NULL",
             (unsigned long long)row->n_events,
             (unsigned long long)row->n_reads,
             (unsigned long long)row->n_writes);
    return 0;
}

/* Who read or wrote the columns of a class, or a column. */
static void expect_column_who(fixture *fx)
{
    char got[1024] = "";
    ts_who_query q;
    ts_error err;

    ts_who_query_init(&q);
    q.data_class = "ssn";
    ts_error_clear(&err);
    assert_int_equal(ts_who(fx->store, &q, collect_who, got, NULL, &err), 0);
    assert_string_equal(got, "alice|public.customers.ssn|2|1|1\n"
                             "agent_langchain|ml.training_rows.ssn|1|0|1\n"
                             "agent_langchain|public.customers.ssn|1|1|0\n");
    got[0] = '\0';
    q.data_class = "us_ssn";
    assert_int_equal(ts_who(fx->store, &q, collect_who, got, NULL, &err), 0);
    assert_string_equal(got, "alice|NULL|1|0|0\n");
    got[0] = '\0';
    q.data_class = NULL;
    q.column = "ml.training_rows.ssn";
    assert_int_equal(ts_who(fx->store, &q, collect_who, got, NULL, &err), 0);
    assert_string_equal(got, "agent_langchain|ml.training_rows.ssn|1|0|1\n");
}

static void test_who(void **state)
{
    fixture *fx = *state;
    char got[1024] = "";
    ts_who_query q;
    ts_error err;

    reindex_with(fx, controls_yaml);
    expect_column_who(fx);
    ts_who_query_init(&q);
    q.column = "ml.training_rows.ssn";
    q.object = "public.customers"; /* two questions at once */
    assert_int_equal(ts_who(fx->store, &q, collect_who, got, NULL, &err),
                     TS_EINVAL);
    ts_who_query_init(&q); /* none */
    assert_int_equal(ts_who(fx->store, &q, collect_who, got, NULL, &err),
                     TS_EINVAL);
}

/* Each template's posting lists hold exactly its statements, and the index
 * they replace is gone (index layout 13). */
static void expect_template_lists(fixture *fx)
{
    expect_store_dump(
        fx->store,
        "WITH t AS (SELECT DISTINCT template_id AS id FROM events"
        " WHERE template_id IS NOT NULL)"
        " SELECT (SELECT count(*) FROM events"
        "          WHERE template_id IS NOT NULL) > 0,"
        " (SELECT count(*) FROM t CROSS JOIN ts_postings('template',"
        " t.id) p) = (SELECT count(template_id) FROM events),"
        " (SELECT count(*) FROM t CROSS JOIN ts_postings('template',"
        " t.id) p CROSS JOIN events e ON e.seq = p.seq"
        " WHERE e.template_id = t.id)"
        " = (SELECT count(template_id) FROM events),"
        " (SELECT count(*) FROM sqlite_schema"
        "   WHERE name = 'events_by_template')",
        "1|1|1|0\n");
}

/* The store as layout 12 kept templates: an index on events.template_id,
 * no template lists, v_column_access joined either way. */
static const char as_template_index_sql[] =
    "DELETE FROM event_postings WHERE field = 'template';"
    "CREATE INDEX events_by_template ON event_rows(template_id)"
    " WHERE template_id IS NOT NULL;"
    "DROP VIEW v_column_access;"
    "CREATE VIEW v_column_access AS SELECT e.seq AS entry_index,"
    " e.account, e.session_id, a.object AS \"column\", a.access, e.time_us"
    " FROM events e JOIN template_access a ON a.template_id = e.template_id"
    " AND a.level = 'column'"
    " WHERE e.template_id IS NOT NULL AND e.template_repeat IS NULL;"
    "UPDATE meta SET value = '12' WHERE key = 'index_version'";

/* The views over the SQL analysis read events first (layout 13). */
static void expect_template_views(fixture *fx)
{
    expect_store_dump(fx->store,
                      "SELECT name FROM sqlite_schema WHERE type = 'view'"
                      " AND sql LIKE '%FROM events e%CROSS JOIN template_%'"
                      " ORDER BY 1",
                      "v_column_access\nv_event_column_classes\nv_flows\n"
                      "v_table_access\n");
}

/* Templates as posting lists (layout 13): search and who by column and
 * class walk them; on a store as layout 12 left it, read as it is,
 * through its index; and it is upgraded when opened for writing: the
 * lists made, the index gone, the same answers. */
static void test_template_lists(void **state)
{
    fixture *fx = *state;

    reindex_with(fx, controls_yaml);
    expect_template_lists(fx);
    expect_template_views(fx);
    assert_int_equal(sqlite3_exec(ts_store_sqlite(fx->store),
                                  as_template_index_sql, NULL, NULL, NULL),
                     SQLITE_OK);
    reopen_store(&fx->store, fx->path, TS_STORE_READONLY);
    expect_store_dump(
        fx->store,
        "SELECT count(*) FROM event_postings WHERE field = 'template'", "0\n");
    expect_column_searches(fx);
    expect_column_who(fx);
    reopen_store(&fx->store, fx->path, 0);
    expect_store_dump(fx->store,
                      "SELECT CAST(value AS INTEGER) FROM meta"
                      " WHERE key = 'index_version'",
                      TS_INDEX_VERSION_TEXT "\n");
    expect_template_lists(fx);
    expect_template_views(fx);
    expect_column_searches(fx);
    expect_column_who(fx);
}

/* Search by column, newest or oldest first, up to limit, against the
 * statements that the templates' columns say. */
static void expect_column_rows(fixture *fx, const char *column, int oldest,
                               int limit)
{
    char got[512] = "", sql[512];
    ts_search_query q;
    ts_error err;

    ts_search_query_init(&q);
    q.column = column;
    q.oldest_first = oldest;
    q.limit = (size_t)limit;
    ts_error_clear(&err);
    assert_int_equal(ts_search(fx->store, &q, collect_seq, got, NULL, &err), 0);
    strcat(got, "\n");
    snprintf(sql, sizeof(sql),
             "SELECT group_concat(seq, ' ') || ' ' FROM (SELECT DISTINCT e.seq"
             " FROM events e JOIN template_access a"
             " ON a.template_id = e.template_id AND a.level = 'column'"
             " WHERE a.object = '%s' AND e.template_repeat IS NULL"
             " ORDER BY e.seq %s LIMIT %d)",
             column, oldest ? "ASC" : "DESC", limit);
    expect_store_dump(fx->store, sql, got);
}

/* Many statements of one column, more than search probes for
 * (TS_SEARCH_TEMPLATE_PROBE, 10000): search reads the table in entry
 * order until its limit; a rare column's few are found from its
 * template's lists. Both agree with the templates' columns, and who
 * counts them all. */
static void test_dense_column(void **state)
{
    fixture *fx = *state;
    size_t size = 12000 * 200, len = 0;
    char *text = malloc(size), *log, got[1024] = "";
    ts_who_query wq;
    ts_error err;

    assert_non_null(text);
    reindex_with(fx, controls_yaml);
    for (int i = 0; i < 10500; i++) {
        int rare = i % 500 == 0;
        int n = snprintf(
            text + len, size - len,
            "2026-08-02 %02d:%02d:%02d.000 UTC [%d] bulk@shop/app 1.2.3.4(9)"
            " 6b000000.%x 00000 LOG:  AUDIT: SESSION,%d,1,READ,SELECT,TABLE,"
            "%s,SELECT %s FROM %s WHERE id = %d;,<none>\n",
            i / 3600, i / 60 % 60, i % 60, 300 + i % 7, i % 7, i + 1,
            rare ? "public.rare_notes" : "public.customers",
            rare ? "note" : "ssn",
            rare ? "public.rare_notes" : "public.customers", i);
        assert_true(n > 0 && (size_t)n < size - len);
        len += (size_t)n;
    }
    log = write_temp(text, len);
    free(text);
    ingest_analyzed(fx->store, PREFIX, log, NULL);
    unlink(log);
    free(log);

    expect_store_dump(fx->store,
                      "SELECT count(DISTINCT e.seq) FROM events e"
                      " JOIN template_access a ON a.template_id = e.template_id"
                      " WHERE a.object = 'public.customers.ssn'"
                      " AND a.level = 'column' AND e.template_repeat IS NULL",
                      "10482\n"); /* 10,479 generated and the real log's 3 */
    for (int oldest = 0; oldest < 2; oldest++) {
        expect_column_rows(fx, "public.customers.ssn", oldest, 30);
        expect_column_rows(fx, "public.rare_notes.note", oldest, 100);
    }
    ts_who_query_init(&wq);
    wq.column = "public.customers.ssn";
    assert_int_equal(ts_who(fx->store, &wq, collect_who, got, NULL, &err), 0);
    assert_string_equal(got, "bulk|public.customers.ssn|10479|10479|0\n"
                             "alice|public.customers.ssn|2|1|1\n"
                             "agent_langchain|public.customers.ssn|1|1|0\n");
}

static void test_bad_controls(void **state)
{
    fixture *fx = *state;
    char path[160];
    ts_class_rule *rules = NULL;
    size_t n = 7;
    ts_error err;

    snprintf(path, sizeof(path), "%s/bad.yaml", fx->dir);
    write_text(path, "version: 1\ndata_classes:\n  - id: x\n    typez: [a]\n");
    ts_error_clear(&err);
    assert_true(ts_class_rules_load(&rules, &n, path, &err) != 0);
    assert_null(rules);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err.msg, "unknown key in data class"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_value_classes_at_ingest, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rules_and_reindex, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who, setup, teardown),
        cmocka_unit_test_setup_teardown(test_template_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dense_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_controls, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
