/* Tests of the SQL analysis (ingest/sql_*.c): catalog loading, name
 * resolution, the template cache, and statements that do not parse. The
 * column oracle (tests/column-oracle) checks accuracy against PostgreSQL
 * itself; these pin down the API and the cases it cannot reach. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "ingest/sql_internal.h"
#include "trailseal/analyze.h"

static const char catalog_json[] =
    "{\"search_path\": [\"app\", \"public\"], \"relations\": ["
    "{\"schema\": \"public\", \"name\": \"customers\", \"kind\": \"table\","
    " \"columns\": [\"id\", \"name\", \"email\", \"ssn\"],"
    " \"keys\": [{\"name\": \"customers_email_key\","
    " \"columns\": [\"email\"]}]},"
    "{\"schema\": \"app\", \"name\": \"orders\", \"kind\": \"table\","
    " \"columns\": [\"id\", \"customer_id\", \"total\"]},"
    "{\"schema\": \"public\", \"name\": \"orders\", \"kind\": \"table\","
    " \"columns\": [\"shadowed\"]},"
    "{\"schema\": \"public\", \"name\": \"contacts\", \"kind\": \"view\","
    " \"columns\": [\"id\", \"mail\"],"
    " \"definition\": \"SELECT c.id, c.email AS mail FROM customers c\"},"
    "{\"schema\": \"public\", \"name\": \"vv\", \"kind\": \"view\","
    " \"columns\": [\"m\"], \"definition\": \"SELECT mail FROM contacts\"}"
    "]}";

typedef struct fixture {
    ts_catalog *catalog;
    ts_sql_analyzer *an;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    ts_error err;

    assert_non_null(f);
    assert_int_equal(ts_catalog_load_json(&f->catalog, catalog_json,
                                          strlen(catalog_json), &err),
                     0);
    assert_int_equal(ts_sql_analyzer_new(&f->an, f->catalog, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    ts_sql_analyzer_free(f->an);
    ts_catalog_free(f->catalog);
    free(f);
    return 0;
}

static const ts_sql_analysis *analyze(ts_sql_analyzer *an, const char *sql)
{
    const ts_sql_analysis *a = NULL;
    ts_error err;

    assert_int_equal(ts_sql_analyze(an, sql, strlen(sql), TS_SQL_PG, &a, &err),
                     0);
    assert_non_null(a);
    return a;
}

/* The names joined by spaces, in a static buffer. */
static const char *joined(const ts_sql_names *names)
{
    static char buf[2048];
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < names->n_items; i++) {
        if (i > 0)
            strcat(buf, " ");
        assert_true(strlen(buf) + strlen(names->items[i]) + 2 < sizeof(buf));
        strcat(buf, names->items[i]);
    }
    return buf;
}

static void test_select_resolution(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a;

    a = analyze(f->an, "SELECT name FROM customers WHERE ssn = '1'");
    assert_int_equal(a->cls, TS_SQL_CLASS_READ);
    assert_string_equal(a->command, "SELECT");
    assert_string_equal(joined(&a->columns_read),
                        "public.customers.name public.customers.ssn");
    assert_string_equal(joined(&a->tables_read), "public.customers");
    assert_int_equal(a->columns_written.n_items, 0);

    /* the search path finds app.orders before public.orders */
    a = analyze(f->an, "SELECT total FROM orders o JOIN customers c "
                       "ON c.id = o.customer_id");
    assert_string_equal(joined(&a->columns_read),
                        "app.orders.customer_id app.orders.total "
                        "public.customers.id");

    a = analyze(f->an, "SELECT o.* FROM public.orders o");
    assert_string_equal(joined(&a->columns_read), "public.orders.shadowed");

    /* renamed columns are read under the catalog's names */
    a = analyze(f->an, "SELECT b FROM customers AS c(a, b)");
    assert_string_equal(joined(&a->columns_read), "public.customers.name");

    a = analyze(f->an, "SELECT count(*) FROM customers");
    assert_string_equal(joined(&a->columns_read), "");
    assert_string_equal(joined(&a->tables_read), "public.customers");
}

static void test_views(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a;

    /* a view reads every base column its definition names */
    a = analyze(f->an, "SELECT id FROM contacts");
    assert_string_equal(joined(&a->columns_read),
                        "public.contacts.id public.customers.email "
                        "public.customers.id");
    /* views over views, down to the base columns */
    a = analyze(f->an, "SELECT m FROM vv");
    assert_string_equal(joined(&a->columns_read),
                        "public.contacts.mail public.customers.email "
                        "public.customers.id public.vv.m");
    /* writing through a view writes the base column */
    a = analyze(f->an, "INSERT INTO contacts (mail) VALUES ('x')");
    assert_string_equal(joined(&a->columns_written),
                        "public.contacts.mail public.customers.email");
    assert_string_equal(joined(&a->tables_written),
                        "public.contacts public.customers");
}

static void test_writes(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a;

    a = analyze(f->an, "INSERT INTO customers VALUES (1, 'n')");
    assert_int_equal(a->cls, TS_SQL_CLASS_WRITE);
    assert_string_equal(joined(&a->columns_written),
                        "public.customers.id public.customers.name");
    a = analyze(f->an, "INSERT INTO customers SELECT * FROM customers");
    assert_string_equal(joined(&a->columns_written),
                        "public.customers.email public.customers.id "
                        "public.customers.name public.customers.ssn");
    a = analyze(f->an, "UPDATE customers SET email = lower(name) "
                       "WHERE id = 1 RETURNING ssn");
    assert_string_equal(joined(&a->columns_written), "public.customers.email");
    assert_string_equal(joined(&a->columns_read),
                        "public.customers.id public.customers.name "
                        "public.customers.ssn");
    a = analyze(f->an, "CREATE TABLE ml.rows AS SELECT ssn AS s FROM "
                       "customers");
    assert_int_equal(a->cls, TS_SQL_CLASS_DDL);
    assert_string_equal(a->command, "CREATE TABLE AS");
    assert_string_equal(joined(&a->tables_written), "ml.rows");
    assert_string_equal(joined(&a->columns_written), "ml.rows.s");
    a = analyze(f->an, "COPY customers (email) FROM STDIN");
    assert_string_equal(a->command, "COPY");
    assert_int_equal(a->cls, TS_SQL_CLASS_WRITE);
    assert_string_equal(joined(&a->columns_written), "public.customers.email");
    a = analyze(f->an, "INSERT INTO customers (id) VALUES (1) ON CONFLICT ON "
                       "CONSTRAINT customers_email_key DO NOTHING");
    assert_string_equal(joined(&a->columns_read), "public.customers.email");
    a = analyze(f->an, "DELETE FROM customers WHERE ssn IS NULL");
    assert_string_equal(joined(&a->columns_written), "");
    assert_string_equal(joined(&a->tables_written), "public.customers");
    assert_string_equal(joined(&a->columns_read), "public.customers.ssn");
}

static void test_classes(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a;

    a = analyze(f->an, "GRANT SELECT ON customers TO bob");
    assert_int_equal(a->cls, TS_SQL_CLASS_ROLE);
    assert_string_equal(a->command, "GRANT");
    a = analyze(f->an, "REVOKE SELECT ON customers FROM bob");
    assert_string_equal(a->command, "REVOKE");
    a = analyze(f->an, "ALTER TABLE customers ADD COLUMN x int");
    assert_int_equal(a->cls, TS_SQL_CLASS_DDL);
    assert_string_equal(a->command, "ALTER TABLE");
    a = analyze(f->an, "CREATE ROLE x");
    assert_int_equal(a->cls, TS_SQL_CLASS_ROLE);
    a = analyze(f->an, "BEGIN");
    assert_int_equal(a->cls, TS_SQL_CLASS_MISC);
    assert_string_equal(a->command, "BEGIN");
    a = analyze(f->an, "-- nothing");
    assert_string_equal(a->command, "EMPTY");
}

static void test_cache(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a, *b;
    ts_sql_analyzer_stats st;

    a = analyze(f->an, "SELECT email FROM customers WHERE id = 1");
    b = analyze(f->an, "SELECT email  FROM customers WHERE id = 99 -- x");
    assert_ptr_equal(a, b);
    assert_string_equal(a->template_text,
                        "SELECT email FROM customers WHERE id = $1");
    ts_sql_analyzer_get_stats(f->an, &st);
    assert_int_equal(st.lookups, 2);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.parses, 1);
    assert_int_equal(st.n_cached, 1);
}

static void test_parse_error(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a;

    a = analyze(f->an, "SELEC email FROM customers");
    assert_int_equal(a->cls, TS_SQL_CLASS_UNKNOWN);
    assert_non_null(a->error);
    assert_non_null(strstr(a->error, "syntax error"));
    a = analyze(f->an, "SELECT 'unterminated");
    assert_non_null(a->error);
}

/* "head" then n rows of constants (each kind a row of constants may hold,
 * in turn), then tail, into buf (released by the caller). */
static const char *with_constant_rows(ts_buf *buf, const char *head, size_t n,
                                      const char *tail)
{
    static const char *const rows[] = {
        ", (2, 'b')",
        ",(-3, NULL)",
        ", ( 4 , 'x'::text )",
        ", (DEFAULT, $7)",
        ", (1.5e3 /* a comment */, E'it''s')",
    };
    ts_error err;

    ts_buf_init(buf, SIZE_MAX);
    assert_int_equal(ts_buf_append(buf, head, strlen(head), &err), 0);
    for (size_t i = 0; i < n; i++) {
        const char *row = rows[i % (sizeof(rows) / sizeof(rows[0]))];
        assert_int_equal(ts_buf_append(buf, row, strlen(row), &err), 0);
    }
    assert_int_equal(ts_buf_append(buf, tail, strlen(tail), &err), 0);
    assert_int_equal(ts_buf_terminate(buf, &err), 0);
    return (const char *)buf->data;
}

/* Long statements are parsed with each VALUES list's later rows of
 * constants left out; rows that name anything stay, and what the walk
 * finds is what the whole statement says. */
static void test_values_collapse(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a, *short_a;
    ts_buf sql, part;
    char *out = NULL;
    ts_error err;

    /* short: parsed as it is */
    assert_int_equal(ts_sql_values_collapse("INSERT INTO t VALUES (1), (2)", 29,
                                            TS_SQL_PG, NULL, &out, &err),
                     0);
    assert_null(out);

    /* rows of constants go, with the comma before them; a subquery, a
     * function and a dotted cast stay, as does what follows the list */
    ts_buf_init(&sql, SIZE_MAX);
    with_constant_rows(&part,
                       "INSERT INTO public.customers (id, name) VALUES"
                       " (1, 'a')",
                       2000, ", (99, (SELECT total FROM app.orders LIMIT 1))");
    assert_int_equal(ts_buf_append(&sql, part.data, part.len, &err), 0);
    ts_buf_release(&part);
    with_constant_rows(&part, "", 2000,
                       ", (lower('X'), 'y'), (6, '2026-01-01'::pg_catalog.date)"
                       ", (8, 'z') ON CONFLICT (id) DO NOTHING");
    assert_int_equal(ts_buf_append(&sql, part.data, part.len, &err), 0);
    assert_int_equal(ts_buf_terminate(&sql, &err), 0);
    ts_buf_release(&part);
    assert_int_equal(ts_sql_values_collapse((const char *)sql.data, sql.len,
                                            TS_SQL_PG, NULL, &out, &err),
                     0);
    assert_non_null(out);
    assert_string_equal(out, "INSERT INTO public.customers (id, name) VALUES"
                             " (1, 'a'), (99, (SELECT total FROM app.orders"
                             " LIMIT 1)), (lower('X'), 'y'), (6,"
                             " '2026-01-01'::pg_catalog.date) ON CONFLICT"
                             " (id) DO NOTHING");
    /* the walk of the whole finds what the short one says */
    a = analyze(f->an, (const char *)sql.data);
    short_a = analyze(f->an, out);
    assert_ptr_not_equal(a, short_a); /* two templates, each walked */
    assert_null(a->error);
    assert_int_equal(a->cls, TS_SQL_CLASS_WRITE);
    assert_string_equal(a->command, short_a->command);
    assert_string_equal(joined(&a->tables_written), "public.customers");
    assert_non_null(strstr(joined(&a->tables_read), "app.orders"));
    assert_non_null(strstr(joined(&a->columns_read), "app.orders.total"));
    {
        const ts_sql_names *const mine[] = {
            &a->tables_read,     &a->tables_written, &a->columns_read,
            &a->columns_written, &a->tables_changed, &a->flows};
        const ts_sql_names *const theirs[] = {
            &short_a->tables_read,    &short_a->tables_written,
            &short_a->columns_read,   &short_a->columns_written,
            &short_a->tables_changed, &short_a->flows};
        for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
            char copy[2048];
            snprintf(copy, sizeof(copy), "%s", joined(mine[i]));
            assert_string_equal(copy, joined(theirs[i]));
        }
    }
    free(out);
    ts_buf_release(&sql);

    /* IN lists of constants keep their first item; a list with a column
     * or a subquery stays whole */
    ts_buf_init(&sql, SIZE_MAX);
    assert_int_equal(
        ts_buf_append(&sql, "SELECT name FROM public.customers WHERE id IN (1",
                      48, &err),
        0);
    for (int i = 2; i < 5000; i++) {
        char item[16];
        snprintf(item, sizeof(item), i % 3 ? ", %d" : ",$%d", i);
        assert_int_equal(ts_buf_append(&sql, item, strlen(item), &err), 0);
    }
    {
        static const char tail[] =
            ") AND email NOT IN ('a', 'b'::text) AND ssn IN (name, 'x')"
            " AND id IN (SELECT customer_id FROM app.orders)";
        assert_int_equal(ts_buf_append(&sql, tail, sizeof(tail) - 1, &err), 0);
    }
    assert_int_equal(ts_buf_terminate(&sql, &err), 0);
    assert_int_equal(ts_sql_values_collapse((const char *)sql.data, sql.len,
                                            TS_SQL_PG, NULL, &out, &err),
                     0);
    assert_non_null(out);
    assert_string_equal(out, "SELECT name FROM public.customers WHERE id IN (1)"
                             " AND email NOT IN ('a') AND ssn IN (name, 'x')"
                             " AND id IN (SELECT customer_id FROM"
                             " app.orders)");
    a = analyze(f->an, (const char *)sql.data);
    short_a = analyze(f->an, out);
    assert_null(a->error);
    assert_string_equal(joined(&a->tables_read), "app.orders public.customers");
    {
        char copy[2048];
        snprintf(copy, sizeof(copy), "%s", joined(&a->columns_read));
        assert_string_equal(copy, joined(&short_a->columns_read));
        assert_non_null(strstr(copy, "public.customers.ssn"));
    }
    free(out);
    ts_buf_release(&sql);

    /* longer than the parser is given, even shortened: no walk, an error
     * that says so, the template kept */
    ts_buf_init(&sql, SIZE_MAX);
    assert_int_equal(ts_buf_append(&sql,
                                   "SELECT name FROM public.customers"
                                   " WHERE ssn = '0'",
                                   48, &err),
                     0);
    for (int i = 1; sql.len <= ((size_t)1 << 20); i++) {
        char term[48];
        snprintf(term, sizeof(term), " OR ssn = '%d'", i);
        assert_int_equal(ts_buf_append(&sql, term, strlen(term), &err), 0);
    }
    assert_int_equal(ts_buf_terminate(&sql, &err), 0);
    a = analyze(f->an, (const char *)sql.data);
    assert_int_equal(a->cls, TS_SQL_CLASS_UNKNOWN);
    assert_non_null(a->error);
    assert_non_null(strstr(a->error, "longer than the 1048576 bytes"));
    assert_non_null(a->template_text);
    assert_int_equal(a->tables_read.n_items, 0);
    ts_buf_release(&sql);

    /* an error is reported where it is in the statement itself */
    with_constant_rows(&sql, "INSERT INTO public.customers (id) VALUES (1)",
                       3000, " WHERE nonsense");
    {
        char want[64];
        snprintf(want, sizeof(want), "at offset %zu",
                 (size_t)(strstr((const char *)sql.data, " WHERE") -
                          (const char *)sql.data) +
                     1);
        a = analyze(f->an, (const char *)sql.data);
        assert_non_null(a->error);
        assert_non_null(strstr(a->error, "syntax error"));
        assert_non_null(strstr(a->error, want));
    }
    ts_buf_release(&sql);
}

/* n rows "(i, 'x')" after head, in buf (released by the caller). */
static const char *bulk_insert(ts_buf *buf, const char *head, int n)
{
    ts_error err;

    ts_buf_init(buf, SIZE_MAX);
    assert_int_equal(ts_buf_append(buf, head, strlen(head), &err), 0);
    for (int i = 0; i < n; i++) {
        char row[32];
        snprintf(row, sizeof(row), "%s(%d, 'x%d')", i ? ", " : "", i, i);
        assert_int_equal(ts_buf_append(buf, row, strlen(row), &err), 0);
    }
    assert_int_equal(ts_buf_terminate(buf, &err), 0);
    return (const char *)buf->data;
}

/* The template of a long statement has its lists shortened and marked:
 * bulk loads of any size are one template, as are IN lists of any length,
 * in either dialect; short statements keep every row. */
static void test_shortened_templates(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a, *b;
    const char *sql;
    ts_buf buf;
    ts_error err;

    sql = bulk_insert(&buf, "INSERT INTO public.customers (id, name) VALUES ",
                      3000);
    a = analyze(f->an, sql);
    ts_buf_release(&buf);
    assert_string_equal(a->template_text,
                        "INSERT INTO public.customers (id, name) VALUES"
                        " ($1, $2) /*, ... */");
    assert_null(a->error);
    assert_string_equal(joined(&a->tables_written), "public.customers");
    sql = bulk_insert(&buf, "INSERT INTO public.customers (id, name) VALUES ",
                      4321);
    b = analyze(f->an, sql);
    ts_buf_release(&buf);
    assert_ptr_equal(a, b); /* one template, walked once */

    ts_buf_init(&buf, SIZE_MAX);
    assert_int_equal(ts_buf_append(&buf,
                                   "SELECT name FROM customers WHERE id IN (0",
                                   41, &err),
                     0);
    for (int i = 1; i < 5000; i++) {
        char item[16];
        snprintf(item, sizeof(item), ", %d", i);
        assert_int_equal(ts_buf_append(&buf, item, strlen(item), &err), 0);
    }
    assert_int_equal(ts_buf_append(&buf, ")", 1, &err), 0);
    assert_int_equal(ts_buf_terminate(&buf, &err), 0);
    a = analyze(f->an, (const char *)buf.data);
    ts_buf_release(&buf);
    assert_string_equal(
        a->template_text,
        "SELECT name FROM customers WHERE id IN ($1 /*, ... */)");
    assert_null(a->error);

    /* MySQL: walked from its template shortened, without the mark */
    sql = bulk_insert(&buf, "INSERT INTO `customers` (id, name) VALUES ", 3000);
    assert_int_equal(
        ts_sql_analyze(f->an, sql, strlen(sql), TS_SQL_MYSQL, &a, &err), 0);
    ts_buf_release(&buf);
    assert_string_equal(a->template_text, "INSERT INTO `customers` (id, name)"
                                          " VALUES ($1, $2) /*, ... */");
    assert_null(a->error);
    assert_string_equal(joined(&a->tables_written), "public.customers");

    /* short: every row */
    a = analyze(f->an, "INSERT INTO public.customers (id) VALUES (1), (2)");
    assert_string_equal(a->template_text,
                        "INSERT INTO public.customers (id) VALUES ($1), ($2)");
}

/* A set of names past the few it scans: each name once, found or not
 * found, in any order, and again after a sort. */
static void test_many_names(void **state)
{
    enum { N = 3000 };
    ts_sql_names names = {0};
    char name[32];
    ts_error err;

    (void)state;
    for (int round = 0; round < 2; round++) {
        /* every name twice, the second time from the other end */
        for (int i = 0; i < N; i++) {
            snprintf(name, sizeof(name), "public.t.c%d", i);
            assert_int_equal(ts_sql_names_add(&names, name, &err), 0);
            snprintf(name, sizeof(name), "public.t.c%d", N - 1 - i);
            if (N - 1 - i < i || round == 1)
                assert_true(ts_sql_names_has(&names, name));
            assert_int_equal(ts_sql_names_add(&names, name, &err), 0);
        }
        assert_int_equal(names.n_items, N);
        assert_false(ts_sql_names_has(&names, "public.t.c3000"));
        assert_false(ts_sql_names_has(&names, "public.t.c"));
        /* sorted, then the same adds find every name again */
        ts_sql_names_sort(&names);
        for (size_t i = 1; i < names.n_items; i++)
            assert_true(strcmp(names.items[i - 1], names.items[i]) < 0);
    }
    assert_int_equal(ts_sql_names_add(&names, "public.t.new", &err), 0);
    assert_int_equal(names.n_items, N + 1);
    assert_true(ts_sql_names_has(&names, "public.t.new"));
    assert_true(ts_sql_names_has(&names, "public.t.c0"));
    ts_sql_names_release(&names);
    assert_int_equal(names.n_items, 0);
    assert_false(ts_sql_names_has(&names, "public.t.c0"));

    /* at 100,000 names a new one is refused, a known one still found */
    for (int i = 0; i < 100000; i++) {
        snprintf(name, sizeof(name), "c%d", i);
        assert_int_equal(ts_sql_names_add(&names, name, &err), 0);
    }
    assert_int_equal(ts_sql_names_add(&names, "c5", &err), 0);
    assert_int_equal(ts_sql_names_add(&names, "c100000", &err), TS_ELIMIT);
    assert_int_equal(names.n_items, 100000);
    ts_sql_names_release(&names);
}

static void test_no_catalog(void **state)
{
    ts_sql_analyzer *an = NULL;
    const ts_sql_analysis *a;
    ts_error err;

    (void)state;
    assert_int_equal(ts_sql_analyzer_new(&an, NULL, &err), 0);
    a = analyze(an, "SELECT x.a, b, * FROM s.t x");
    assert_string_equal(joined(&a->columns_read), "s.t.* s.t.a s.t.b");
    a = analyze(an, "UPDATE t SET a = 1 WHERE b = 2");
    assert_string_equal(joined(&a->columns_written), "public.t.a");
    assert_string_equal(joined(&a->columns_read), "public.t.b");
    ts_sql_analyzer_free(an);
}

static void test_mysql_dialect(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a = NULL;
    static const char sql[] =
        "SELECT `email` FROM `customers` WHERE name = \"x\" AND id = ?";
    ts_error err;

    assert_int_equal(
        ts_sql_analyze(f->an, sql, strlen(sql), TS_SQL_MYSQL, &a, &err), 0);
    assert_null(a->error);
    assert_string_equal(joined(&a->columns_read),
                        "public.customers.email public.customers.id "
                        "public.customers.name");
}

/* The MySQL spellings the analysis rewrites into PostgreSQL's. */
static void test_mysql_rewrites(void **state)
{
    static const struct {
        const char *sql, *read, *written;
    } cases[] = {
        {"SELECT `name` FROM customers LIMIT 10, 20", "public.customers.name",
         ""},
        {"REPLACE INTO customers (id, email) VALUES (1, 'x')", "",
         "public.customers.email public.customers.id"},
        {"INSERT INTO customers (id, ssn) VALUES (1, 'x') ON DUPLICATE KEY "
         "UPDATE ssn = VALUES(ssn), name = 'n'",
         "public.customers.ssn",
         "public.customers.id public.customers.name public.customers.ssn"},
        {"SELECT email FROM shop.customers", "shop.customers.email", ""},
    };
    fixture *f = *state;
    const ts_sql_analysis *a;
    ts_error err;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(ts_sql_analyze(f->an, cases[i].sql,
                                        strlen(cases[i].sql), TS_SQL_MYSQL, &a,
                                        &err),
                         0);
        assert_null(a->error);
        assert_string_equal(joined(&a->columns_read), cases[i].read);
        assert_string_equal(joined(&a->columns_written), cases[i].written);
    }
}

/* The flows as "SOURCE>TARGET" joined by spaces, in a static buffer. */
static const char *flows(const ts_sql_analysis *a)
{
    static char buf[2048];
    char *p;

    strcpy(buf, joined(&a->flows));
    for (p = buf; *p != '\0'; p++)
        if (*p == '\x1f')
            *p = '>';
    return buf;
}

static void test_lineage(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a;

    /* INSERT ... SELECT without a column list: the target's columns in
     * order; an expression carries every column it reads; a filter
     * column flows nowhere */
    a = analyze(f->an, "INSERT INTO app.orders SELECT id, length(name || email)"
                       " FROM customers WHERE ssn IS NOT NULL");
    assert_string_equal(flows(a),
                        "public.customers.email>app.orders.customer_id"
                        " public.customers.id>app.orders.id"
                        " public.customers.name>app.orders.customer_id");
    /* through a view and a WITH query, to a listed column */
    a = analyze(f->an, "WITH w AS (SELECT mail FROM contacts)"
                       " INSERT INTO app.orders (total) SELECT mail FROM w");
    assert_string_equal(flows(a), "public.customers.email>app.orders.total");
    /* CREATE TABLE AS and SELECT INTO name the new columns */
    a = analyze(f->an, "CREATE TABLE ml.t AS SELECT ssn AS s FROM customers");
    assert_string_equal(flows(a), "public.customers.ssn>ml.t.s");
    a = analyze(f->an, "SELECT email INTO scratch.e FROM customers");
    assert_string_equal(flows(a), "public.customers.email>scratch.e.email");
    /* UPDATE ... FROM: a column set from itself is no flow */
    a = analyze(f->an, "UPDATE app.orders o SET total = c.ssn, id = o.id + 1"
                       " FROM customers c WHERE c.id = o.customer_id");
    assert_string_equal(flows(a), "public.customers.ssn>app.orders.total");
    /* MERGE's INSERT */
    a = analyze(
        f->an,
        "MERGE INTO app.orders o USING customers c ON o.id = c.id"
        " WHEN NOT MATCHED THEN INSERT (id, total) VALUES (c.id, c.ssn)");
    assert_string_equal(flows(a), "public.customers.id>app.orders.id"
                                  " public.customers.ssn>app.orders.total");
    /* COPY ... TO: out of the database, by destination */
    a = analyze(f->an, "COPY customers (ssn) TO '/tmp/x'");
    assert_string_equal(flows(a), "public.customers.ssn>copy:file");
    a = analyze(f->an, "COPY (SELECT email FROM customers WHERE id = 1)"
                       " TO PROGRAM 'gzip'");
    assert_string_equal(flows(a), "public.customers.email>copy:program");
    a = analyze(f->an, "COPY customers TO STDOUT");
    assert_string_equal(flows(a), "public.customers.email>copy:client"
                                  " public.customers.id>copy:client"
                                  " public.customers.name>copy:client"
                                  " public.customers.ssn>copy:client");
    /* reads, plain writes and COPY FROM move no data between places */
    a = analyze(f->an, "SELECT ssn FROM customers");
    assert_int_equal(a->flows.n_items, 0);
    a = analyze(f->an, "INSERT INTO app.orders VALUES (1, 2, 3)");
    assert_int_equal(a->flows.n_items, 0);
    a = analyze(f->an, "COPY customers FROM STDIN");
    assert_int_equal(a->flows.n_items, 0);
}

static void test_bad_catalogs(void **state)
{
    static const char *const bad[] = {
        "[]",
        "{\"relations\": 3}",
        "{\"relations\": [{\"schema\": \"s\"}]}",
        "{\"relations\": [{\"schema\": \"s\", \"name\": \"t\", \"columns\":"
        " [1]}]}",
        "{\"relations\": [{\"schema\": \"s\", \"name\": \"v\", \"kind\":"
        " \"view\", \"columns\": []}]}",
        "{\"relations\": [], \"search_path\": \"public\"}",
        "{\"relations\": [",
    };
    ts_catalog *c = NULL;
    ts_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ts_error_clear(&err);
        assert_int_equal(ts_catalog_load_json(&c, bad[i], strlen(bad[i]), &err),
                         TS_EINVAL);
        assert_null(c);
        assert_non_null(strstr(err.msg, "catalog"));
    }
    assert_int_equal(ts_catalog_load_file(&c, "/nonexistent/x.json", &err),
                     TS_EIO);
}

static void test_catalog_round_trip(void **state)
{
    fixture *f = *state;
    ts_catalog *again = NULL;
    char *json = NULL, *json2 = NULL;
    ts_error err;

    assert_int_equal(ts_catalog_to_json(&json, f->catalog, &err), 0);
    assert_int_equal(ts_catalog_load_json(&again, json, strlen(json), &err), 0);
    assert_int_equal(ts_catalog_to_json(&json2, again, &err), 0);
    assert_string_equal(json, json2);
    free(json);
    free(json2);
    ts_catalog_free(again);
}

/* Garbage and deeply nested input end in an analysis, never a crash. */
static void test_hostile(void **state)
{
    fixture *f = *state;
    const ts_sql_analysis *a;
    char *deep;
    size_t i, n = 5000;
    unsigned seed = 7;
    char buf[80];

    deep = malloc(n * 2 + 16);
    assert_non_null(deep);
    strcpy(deep, "SELECT ");
    for (i = 0; i < n; i++)
        strcat(deep, "(");
    strcat(deep, "1");
    for (i = 0; i < n; i++)
        strcat(deep, ")");
    a = analyze(f->an, deep);
    assert_non_null(a->command);
    /* nested past the walk's depth limit: an analysis with an error */
    deep[0] = '\0';
    for (i = 0; i < 150; i++)
        strcat(deep, "SELECT * FROM (");
    strcat(deep, "SELECT 1 FROM customers");
    for (i = 0; i < 150; i++)
        strcat(deep, ") s");
    a = analyze(f->an, deep);
    assert_non_null(a->error);
    assert_non_null(strstr(a->error, "deeper"));
    free(deep);
    for (i = 0; i < 2000; i++) {
        static const char words[] = "SELECT FROM WHERE ( ) , * . a t 1 ' \" ";
        size_t len = seed % (sizeof(buf) - 1), k;
        for (k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            buf[k] = words[(seed >> 16) % (sizeof(words) - 1)];
        }
        buf[len] = '\0';
        seed = seed * 1103515245u + 12345u;
        a = analyze(f->an, buf);
        assert_non_null(a->command);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_select_resolution, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_collapse, setup, teardown),
        cmocka_unit_test(test_many_names),
        cmocka_unit_test_setup_teardown(test_shortened_templates, setup,
                                        teardown),
        cmocka_unit_test(test_no_catalog),
        cmocka_unit_test_setup_teardown(test_mysql_dialect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mysql_rewrites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lineage, setup, teardown),
        cmocka_unit_test(test_bad_catalogs),
        cmocka_unit_test_setup_teardown(test_catalog_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
