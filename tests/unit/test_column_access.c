/* SQL analysis in ingest and the index: events carry their statement's
 * template and accesses (ts_source_analyzing), the store keeps each template
 * once, and v_column_access answers "which account read which column". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "test_stores.h"
#include "trailseal/trailseal.h"

#define PREFIX "%m [%p] %q%u@%d/%a %r %c %e "
#define LINE(t, user, app, sess)                                               \
    "2026-08-01 10:00:0" t ".000 UTC [7] " user "@shop/" app                   \
    " 1.2.3.4(9) " sess " 00000 LOG:  "

/* Entries (seq from 0): a connection (no statement); alice's SELECT; bob's
 * same SELECT with another literal (one template); the agent's INSERT ...
 * SELECT, which pgAudit logs once per object (two rows, one statement); a
 * log_statement UPDATE; a statement that does not parse. */
static const char log_text[] =
    /* 0 */
    LINE("0", "alice", "psql",
         "6a.1") "connection authorized: user=alice database=shop\n"
    /* 1 */
    LINE("1", "alice", "psql",
         "6a.1") "AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,"
                 "\"SELECT email FROM customers WHERE id = 1;\",<none>\n"
    /* 2 */
    LINE("2", "bob", "dbeaver",
         "6a.2") "AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,"
                 "\"SELECT email FROM customers WHERE id = 42;\",<none>\n"
    /* 3 */
    LINE(
        "3", "agent", "bot",
        "6a.3") "AUDIT: SESSION,2,1,WRITE,INSERT,TABLE,ml.rows,"
                "\"INSERT INTO ml.rows (ssn) SELECT ssn FROM customers;\",<none>\n"
    /* 4 */
    LINE(
        "3", "agent", "bot",
        "6a.3") "AUDIT: SESSION,2,1,READ,SELECT,TABLE,public.customers,"
                "\"INSERT INTO ml.rows (ssn) SELECT ssn FROM customers;\",<none>\n"
    /* 5 */
    LINE("4", "carol", "cron",
         "6a.4") "statement: UPDATE customers SET email = 'x' WHERE id = 2\n"
    /* 6 */
    LINE(
        "5", "carol", "cron",
        "6a.4") "AUDIT: SESSION,3,1,READ,SELECT,TABLE,,\"SELEC oops\",<none>\n";

typedef struct fixture {
    char dir[64];
    char log[128];
    char db[128];
    ts_store *store;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    ts_error err;
    FILE *f;

    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/ts-test-colaccess-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->log, sizeof(fx->log), "%s/a.log", fx->dir);
    snprintf(fx->db, sizeof(fx->db), "%s/s.db", fx->dir);
    f = fopen(fx->log, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(log_text, 1, sizeof(log_text) - 1, f),
                     sizeof(log_text) - 1);
    assert_int_equal(fclose(f), 0);
    ts_error_clear(&err);
    assert_int_equal(ts_store_create(&fx->store, fx->db, &err), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    ts_store_free(fx->store);
    unlink(fx->log);
    unlink(fx->db);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void ingest(fixture *fx, const char *path, const ts_catalog *catalog)
{
    ingest_analyzed(fx->store, PREFIX, path, catalog);
}

/* The rows of sql joined as "a|b|c\n". */
static char *query(fixture *fx, const char *sql)
{
    sqlite3_stmt *st;
    size_t size = 0;
    char *out = NULL;
    FILE *f = open_memstream(&out, &size);

    assert_non_null(f);
    assert_int_equal(
        sqlite3_prepare_v2(ts_store_sqlite(fx->store), sql, -1, &st, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *v = sqlite3_column_text(st, i);
            fprintf(f, "%s%s", i ? "|" : "", v ? (const char *)v : "NULL");
        }
        fputc('\n', f);
    }
    sqlite3_finalize(st);
    fclose(f);
    return out;
}

static void assert_query(fixture *fx, const char *sql, const char *want)
{
    char *got = query(fx, sql);

    assert_string_equal(got, want);
    free(got);
}

static void test_column_access_view(void **state)
{
    fixture *fx = *state;

    ingest(fx, fx->log, NULL);
    assert_query(fx,
                 "SELECT entry_index, time, account, session_id, application,"
                 " \"column\", access FROM v_column_access"
                 " ORDER BY entry_index, access, \"column\"",
                 "1|2026-08-01T10:00:01.000Z|alice|6a.1|psql|"
                 "public.customers.email|read\n"
                 "1|2026-08-01T10:00:01.000Z|alice|6a.1|psql|"
                 "public.customers.id|read\n"
                 "2|2026-08-01T10:00:02.000Z|bob|6a.2|dbeaver|"
                 "public.customers.email|read\n"
                 "2|2026-08-01T10:00:02.000Z|bob|6a.2|dbeaver|"
                 "public.customers.id|read\n"
                 "3|2026-08-01T10:00:03.000Z|agent|6a.3|bot|"
                 "public.customers.ssn|read\n"
                 "3|2026-08-01T10:00:03.000Z|agent|6a.3|bot|ml.rows.ssn|write\n"
                 "5|2026-08-01T10:00:04.000Z|carol|6a.4|cron|"
                 "public.customers.id|read\n"
                 "5|2026-08-01T10:00:04.000Z|carol|6a.4|cron|"
                 "public.customers.email|write\n");
    assert_query(fx,
                 "SELECT entry_index, account, \"table\", access"
                 " FROM v_table_access WHERE account = 'agent'"
                 " ORDER BY access",
                 "3|agent|public.customers|read\n"
                 "3|agent|ml.rows|write\n");
}

static void test_templates_stored_once(void **state)
{
    fixture *fx = *state;
    ts_store_stats stats;
    ts_error err;

    ingest(fx, fx->log, NULL);
    /* Four templates: the two SELECTs share one; the agent's two rows one. */
    assert_query(fx,
                 "SELECT class, coalesce(command, 'NULL'), template"
                 " FROM templates ORDER BY id",
                 "read|SELECT|SELECT email FROM customers WHERE id = $1\n"
                 "write|INSERT|INSERT INTO ml.rows (ssn) SELECT ssn FROM "
                 "customers\n"
                 "write|UPDATE|UPDATE customers SET email = $1 WHERE id = $2\n"
                 "unknown|UNKNOWN|SELEC oops\n");
    assert_query(fx,
                 "SELECT seq, coalesce(template_id, 'NULL'),"
                 " coalesce(template_repeat, 'NULL') FROM events ORDER BY seq",
                 "0|NULL|NULL\n1|1|NULL\n2|1|NULL\n3|2|NULL\n4|2|1\n"
                 "5|3|NULL\n6|4|NULL\n");
    /* The unparsed statement has a template but no accesses. */
    assert_query(fx,
                 "SELECT count(*) FROM template_access WHERE template_id = 4",
                 "0\n");
    ts_error_clear(&err);
    assert_int_equal(ts_store_get_stats(fx->store, &stats, &err), 0);
    assert_int_equal(stats.templates, 4);
}

/* A second file in a later ingest reuses the templates already indexed. */
static void test_templates_found_in_store(void **state)
{
    static const char more[] =
        LINE("9", "dave", "psql",
             "6b.1") "AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,"
                     "\"SELECT email FROM customers WHERE id = 7\",<none>\n";
    fixture *fx = *state;
    char path[160];
    FILE *f;

    ingest(fx, fx->log, NULL);
    snprintf(path, sizeof(path), "%s/b.log", fx->dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs(more, f);
    assert_int_equal(fclose(f), 0);
    ingest(fx, path, NULL);
    unlink(path);
    assert_query(fx, "SELECT count(*) FROM templates", "4\n");
    assert_query(fx, "SELECT template_id FROM events WHERE account = 'dave'",
                 "1\n");
}

/* With a catalog, `*` reads every column. */
static void test_catalog_expands_star(void **state)
{
    static const char json[] =
        "{\"search_path\":[\"public\"],\"relations\":[{\"schema\":\"public\","
        "\"name\":\"customers\",\"columns\":[\"id\",\"email\",\"ssn\"]}]}";
    static const char star[] =
        LINE("1", "eve", "psql",
             "6c.1") "AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.customers,"
                     "\"SELECT * FROM customers\",<none>\n";
    fixture *fx = *state;
    ts_catalog *catalog = NULL;
    ts_error err;
    char path[160];
    FILE *f;

    ts_error_clear(&err);
    assert_int_equal(
        ts_catalog_load_json(&catalog, json, sizeof(json) - 1, &err), 0);
    snprintf(path, sizeof(path), "%s/c.log", fx->dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs(star, f);
    assert_int_equal(fclose(f), 0);
    ingest(fx, path, catalog);
    unlink(path);
    ts_catalog_free(catalog);
    assert_query(fx,
                 "SELECT account, \"column\", access FROM v_column_access"
                 " ORDER BY \"column\"",
                 "eve|public.customers.email|read\n"
                 "eve|public.customers.id|read\n"
                 "eve|public.customers.ssn|read\n");
}

/* The event fields themselves, and the source keeps the reader's identity. */
static void test_event_fields(void **state)
{
    fixture *fx = *state;
    ts_source *src = NULL, *inner = NULL;
    ts_entry entry;
    ts_event ev;
    ts_error err;
    uint64_t lookups, hits, templates;
    char key[TS_SOURCE_KEY_SIZE];

    ts_error_clear(&err);
    assert_int_equal(
        ts_source_open_file(&inner, "pg-stderr", PREFIX, fx->log, &err), 0);
    memcpy(key, inner->key, sizeof(key));
    assert_int_equal(ts_source_analyzing(&src, inner, NULL, &err), 0);
    assert_string_equal(src->key, key);
    assert_string_equal(src->format, "pg-stderr");

    assert_int_equal(ts_source_next(src, &entry, &ev, &err), 1);
    assert_null(ev.sql_template); /* a connection */
    assert_int_equal(ts_source_next(src, &entry, &ev, &err), 1);
    assert_string_equal(ev.sql_template,
                        "SELECT email FROM customers WHERE id = $1");
    assert_true(ev.sql_fingerprint ==
                ts_sql_fingerprint(ev.sql_template, strlen(ev.sql_template)));
    assert_string_equal(ev.sql_class, "read");
    assert_string_equal(ev.sql_command, "SELECT");
    assert_int_equal(ev.n_tables_read, 1);
    assert_string_equal(ev.tables_read[0], "public.customers");
    assert_int_equal(ev.n_columns_read, 2);
    assert_string_equal(ev.columns_read[0], "public.customers.email");
    assert_string_equal(ev.columns_read[1], "public.customers.id");
    assert_int_equal(ev.n_tables_written + ev.n_columns_written, 0);
    assert_int_equal(ev.sql_repeat, 0);

    assert_int_equal(ts_source_next(src, &entry, &ev, &err), 1); /* bob */
    assert_int_equal(ts_source_next(src, &entry, &ev, &err), 1); /* agent */
    assert_int_equal(ev.sql_repeat, 0);
    assert_int_equal(ev.n_columns_written, 1);
    assert_string_equal(ev.columns_written[0], "ml.rows.ssn");
    assert_int_equal(ts_source_next(src, &entry, &ev, &err), 1);
    assert_int_equal(ev.sql_repeat, 1); /* pgAudit's second object row */
    assert_int_equal(ts_source_next(src, &entry, &ev, &err), 1);
    assert_int_equal(ev.kind, TS_EVENT_STATEMENT);
    assert_string_equal(ev.sql_command, "UPDATE");
    assert_int_equal(ts_source_next(src, &entry, &ev, &err), 1);
    assert_string_equal(ev.sql_class, "unknown");
    assert_string_equal(ev.sql_command, "UNKNOWN");
    assert_int_equal(ts_source_next(src, &entry, &ev, &err), 0);

    /* six statements, four templates: bob's SELECT and the agent's second
     * row hit the cache */
    ts_source_analyzing_stats(src, &lookups, &hits, &templates);
    assert_int_equal(lookups, 6);
    assert_int_equal(hits, 2);
    assert_int_equal(templates, 4);
    ts_source_free(src);
}

static void test_no_source(void **state)
{
    ts_source *src = (ts_source *)state; /* anything but NULL */
    ts_error err;

    (void)state;
    ts_error_clear(&err);
    assert_int_equal(ts_source_analyzing(&src, NULL, NULL, &err), TS_EINVAL);
    assert_null(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_column_access_view, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_templates_stored_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_templates_found_in_store, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_catalog_expands_star, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_event_fields, setup, teardown),
        cmocka_unit_test(test_no_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
