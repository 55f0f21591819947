/* Control tests: controls.yaml's controls, sampling and waivers, and one
 * control run over a bare SQLite database — population file and its hash,
 * exception rules, waivers, tolerance, and a sample re-derived here from
 * its documented definition. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "report/report_internal.h"
#include "trailseal/time.h"

static ts_controls *parse(const char *yaml, ts_error *err)
{
    ts_controls *c = NULL;

    ts_error_clear(err);
    if (ts_controls_parse(&c, "controls.yaml", yaml, strlen(yaml), err) != 0)
        return NULL;
    return c;
}

static const char base_yaml[] =
    "version: 1\n"
    "entity: Test Corp\n"
    "tolerance: {high: 0, medium: 2}\n"
    "sampling:\n"
    "  - {frequency: daily, up_to: 10, size: 3}\n"
    "  - {frequency: daily, size: 7}\n"
    "controls:\n"
    "  - id: T-1\n"
    "    title: Logins use TLS\n"
    "    criteria: [CC6.7]\n"
    "    frequency: daily\n"
    "    lane: sample\n"
    "    severity: medium\n"
    "    parameters: {min_n: 3, names: [a, b]}\n"
    "    population: |\n"
    "      SELECT n AS entry_index, 'acct' || n AS item, tls, n * 1000 AS "
    "time_us\n"
    "        FROM items WHERE n >= :min_n AND n < :until\n"
    "         AND (:period IS NOT NULL)\n"
    "       ORDER BY n;\n"
    "    exceptions:\n"
    "      - {when: tls = 0, reason: no TLS}\n"
    "      - {when: entry_index % 10 = 0, reason: round number}\n";

static void test_parse_controls(void **state)
{
    ts_error err;
    ts_controls *c = parse(base_yaml, &err);
    (void)state;

    if (c == NULL)
        fail_msg("%s", err.msg);
    assert_string_equal(c->entity, "Test Corp");
    assert_int_equal(c->n_controls, 1);
    assert_string_equal(c->controls[0].id, "T-1");
    assert_string_equal(c->controls[0].nature, "detective"); /* default */
    assert_string_equal(c->controls[0].lane, "sample");
    assert_int_equal(c->controls[0].n_assertions, 2);
    assert_int_equal(c->controls[0].n_params, 2);
    assert_string_equal(c->controls[0].params[1].value, "[\"a\",\"b\"]");
    assert_int_equal(c->tolerance[TS_SEV_MEDIUM], 2);
    assert_int_equal(c->tolerance[TS_SEV_LOW], 5); /* default */
    assert_int_equal(ts_sample_size(c, "daily", 10), 3);
    assert_int_equal(ts_sample_size(c, "daily", 11), 7);
    assert_int_equal(ts_sample_size(c, "weekly", 11), 0); /* no rule */
    ts_controls_free(c);
}

static void test_parse_errors(void **state)
{
    static const struct {
        const char *yaml, *msg;
    } cases[] = {
        {"version: 1\ncontrols:\n  - id: A\n    title: t\n    criteria: [X]\n",
         "controls.yaml:3:5: a control needs id, title, criteria and "
         "population"},
        {"version: 1\ncontrols:\n  - {id: A, title: t, criteria: [X], "
         "population: S, frequency: hourly}\n",
         "frequency must be one of"},
        {"version: 1\ncontrols:\n  - {id: A, title: t, criteria: [X], "
         "population: S, colour: red}\n",
         "unknown key in control"},
        {"version: 1\ncontrols:\n  - {id: A, title: t, criteria: [X], "
         "population: S}\n  - {id: A, title: u, criteria: [X], "
         "population: S}\n",
         "duplicate control id"},
        {"version: 1\ncontrols:\n  - {id: A, title: t, criteria: [X], "
         "population: S, sheet: 'a/b'}\n",
         "sheet must be at most 31"},
        {"version: 1\nsampling:\n  - {frequency: daily}\n",
         "a sampling rule needs frequency and size"},
        {"version: 1\ntolerance: {severe: 1}\n", "unknown or duplicate "
                                                 "severity"},
        {"version: 1\ncontrols:\n  - {id: A, title: t, criteria: [X], "
         "population: S, exceptions: [{when: x}]}\n",
         "an exception rule needs when and reason"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ts_error err;
        ts_controls *c = parse(cases[i].yaml, &err);
        if (c != NULL)
            fail_msg("case %zu parsed", i);
        if (strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].msg);
    }
}

/* A database of items 1..n; every 4th has no TLS. */
static sqlite3 *items_db(int n)
{
    sqlite3 *db;
    char sql[128];

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE items(n INTEGER, tls "
                                  "INTEGER)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (int i = 1; i <= n; i++) {
        snprintf(sql, sizeof(sql), "INSERT INTO items VALUES (%d, %d)", i,
                 i % 4 != 0);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    return db;
}

/* The first column of the first row of sql, an integer. */
static int64_t count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt;
    int64_t n;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

typedef struct run {
    char dir[64];
    ts_control_env env;
    ts_control_result r;
    ts_error err;
    int rc;
} run;

/* One control as the report runs it: prepared, stepped by a feed. */
static int control_run(const ts_control_env *env, const ts_control *c,
                       ts_control_result *r, ts_error *err)
{
    sqlite3_stmt *stmt = NULL;
    ts_row_feed *feed = NULL;
    int rc;

    memset(r, 0, sizeof(*r));
    rc = ts_control_prepare(env, c, &stmt, err);
    if (rc == 0)
        rc = ts_row_feed_start(&feed, &stmt, 1, 1, err);
    if (rc == 0)
        rc = ts_control_run(env, c, ts_row_feed_reader(feed, 0), NULL, r, err);
    ts_row_feed_stop(feed);
    sqlite3_finalize(stmt);
    return rc;
}

static void run_control(run *t, sqlite3 *db, const ts_controls *c)
{
    char pop[128];

    snprintf(t->dir, sizeof(t->dir), "/tmp/ts_controls_test_XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(pop, sizeof(pop), "%s/populations", t->dir);
    assert_int_equal(mkdir(pop, 0755), 0);
    memset(&t->env, 0, sizeof(t->env));
    t->env.db = db;
    t->env.controls = c;
    t->env.out_dir = t->dir;
    t->env.period = "2026-Q3";
    t->env.since_us = 0;
    t->env.until_us = 1000;
    t->env.max_seq = INT64_MAX;
    t->env.verdict = "intact";
    t->env.personal_tables = t->env.classified_columns = t->env.class_allowed =
        "{}";
    ts_error_clear(&t->err);
    t->rc = control_run(&t->env, &c->controls[0], &t->r, &t->err);
}

/* The kept exceptions of r, read back from their spool, as copies:
 * free_kept() them. */
static ts_control_item *kept(const ts_control_result *r)
{
    ts_control_item *out = calloc(r->n_exceptions + 1, sizeof(*out));
    ts_exception_reader rd;
    ts_error err;
    size_t n = 0;
    int rc;

    assert_non_null(out);
    ts_exception_reader_open(&rd, &r->exceptions);
    while ((rc = ts_exception_reader_next(&rd, &err)) == 1) {
        assert_true(n < r->n_exceptions);
        out[n] = rd.item;
        out[n].item = strdup(rd.item.item);
        out[n].reasons = rd.item.reasons ? strdup(rd.item.reasons) : NULL;
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, r->n_exceptions);
    ts_exception_reader_close(&rd);
    return out;
}

static void free_kept(ts_control_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].item);
        free(items[i].reasons);
    }
    free(items);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = malloc(1 << 20);

    assert_non_null(f);
    assert_non_null(data);
    *len = fread(data, 1, (1 << 20) - 1, f);
    data[*len] = '\0';
    fclose(f);
    return data;
}

static void test_run_population_and_exceptions(void **state)
{
    ts_error err;
    ts_controls *c = parse(base_yaml, &err);
    sqlite3 *db = items_db(40);
    uint8_t digest[TS_SHA256_SIZE];
    char path[128], hex[65];
    size_t len;
    char *csv;
    ts_control_item *ex;
    run t;
    (void)state;

    assert_non_null(c);
    run_control(&t, db, c);
    if (t.rc != 0)
        fail_msg("%s", t.err.msg);
    assert_int_equal(t.r.population, 38); /* 3..40 */
    snprintf(path, sizeof(path), "%s/populations/T-1.csv", t.dir);
    csv = slurp(path, &len);
    assert_int_equal(ts_sha256(csv, len, digest), 0);
    ts_hex_encode(digest, sizeof(digest), hex);
    assert_string_equal(hex, t.r.population_sha256);
    assert_memory_equal(csv, "entry_index,item,tls,time_us\n3,acct3,1,3000\n",
                        strlen("entry_index,item,tls,time_us\n3,acct3,1,"
                               "3000\n"));
    /* no TLS: 4, 8, ..., 40 (10 items); round: 10, 20, 30, 40 (of which
     * 20 and 40 also lack TLS): 12 distinct items */
    assert_int_equal(t.r.exceptions_all, 12);
    assert_int_equal(t.r.n_exceptions, 12);
    ex = kept(&t.r);
    assert_string_equal(ex[0].item, "acct4");
    assert_int_equal(ex[0].row, 2);
    assert_int_equal(ex[0].entry_index, 4);
    assert_int_equal(ex[0].time_us, 4000);
    assert_string_equal(ex[0].reasons, "no TLS");
    assert_int_equal(ex[11].entry_index, 40);
    for (size_t i = 0; i < t.r.n_exceptions; i++)
        if (ex[i].entry_index == 20)
            assert_string_equal(ex[i].reasons, "no TLS; round number");
    free_kept(ex, t.r.n_exceptions);
    assert_int_equal(t.r.status, TS_STATUS_INEFFECTIVE); /* 12 > 2 */
    free(csv);
    ts_control_result_release(&t.r);
    sqlite3_close(db);
    ts_controls_free(c);
}

static int cmp_rank(const void *a, const void *b)
{
    return memcmp(a, b, TS_SHA256_SIZE + 8);
}

/* The sample is re-derived from the documented definition: seed =
 * SHA-256 of the lines "trailseal-sample-v1", period, control id and the
 * population's hash; rank of row r = SHA-256(seed || r as 8 big-endian
 * bytes); the sample is the `size` rows of lowest rank. */
static void test_sample_rederived(void **state)
{
    ts_error err;
    ts_controls *c = parse(base_yaml, &err);
    sqlite3 *db = items_db(40);
    uint8_t ranks[38][TS_SHA256_SIZE + 8], seed[TS_SHA256_SIZE];
    char text[512], hex[65];
    run t, again;
    (void)state;

    assert_non_null(c);
    run_control(&t, db, c);
    assert_int_equal(t.rc, 0);
    snprintf(text, sizeof(text), "trailseal-sample-v1\n2026-Q3\nT-1\n%s\n",
             t.r.population_sha256);
    assert_int_equal(ts_sha256(text, strlen(text), seed), 0);
    ts_hex_encode(seed, sizeof(seed), hex);
    assert_string_equal(hex, t.r.seed);
    assert_int_equal(t.r.sample_size, 7); /* 38 items > 10 */
    assert_int_equal(t.r.n_samples, 7);
    for (uint64_t row = 1; row <= 38; row++) {
        uint8_t msg[TS_SHA256_SIZE + 8];
        memcpy(msg, seed, TS_SHA256_SIZE);
        for (int i = 0; i < 8; i++)
            msg[TS_SHA256_SIZE + i] = (uint8_t)(row >> (56 - 8 * i));
        assert_int_equal(ts_sha256(msg, sizeof(msg), ranks[row - 1]), 0);
        memcpy(ranks[row - 1] + TS_SHA256_SIZE, msg + TS_SHA256_SIZE, 8);
    }
    qsort(ranks, 38, sizeof(ranks[0]), cmp_rank);
    for (size_t i = 0; i < 7; i++) {
        uint64_t row = 0;
        int found = 0;
        for (int b = 0; b < 8; b++)
            row = row << 8 | ranks[i][TS_SHA256_SIZE + b];
        for (size_t j = 0; j < t.r.n_samples; j++)
            found |= t.r.samples[j].row == row;
        if (!found)
            fail_msg("row %llu of rank %zu is not in the sample",
                     (unsigned long long)row, i);
    }
    for (size_t j = 1; j < t.r.n_samples; j++)
        assert_true(t.r.samples[j - 1].row < t.r.samples[j].row);
    /* the row's item is the population's row: item n is row n - 2 */
    assert_int_equal(t.r.samples[0].entry_index,
                     (int64_t)t.r.samples[0].row + 2);

    /* the same population gives the same sample */
    run_control(&again, db, c);
    assert_int_equal(again.rc, 0);
    assert_string_equal(again.r.seed, t.r.seed);
    for (size_t j = 0; j < t.r.n_samples; j++)
        assert_int_equal(again.r.samples[j].row, t.r.samples[j].row);
    ts_control_result_release(&t.r);
    ts_control_result_release(&again.r);
    sqlite3_close(db);
    ts_controls_free(c);
}

static void test_waivers_and_tolerance(void **state)
{
    char dir[64], cpath[128], wpath[128], yaml[4096];
    sqlite3 *db = items_db(9); /* exceptions: 4 and 8 (no TLS) */
    ts_controls *c = NULL;
    ts_error err;
    FILE *f;
    run t;
    (void)state;

    snprintf(dir, sizeof(dir), "/tmp/ts_controls_w_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(cpath, sizeof(cpath), "%s/controls.yaml", dir);
    snprintf(wpath, sizeof(wpath), "%s/waivers.yaml", dir);
    snprintf(yaml, sizeof(yaml), "%swaivers_file: waivers.yaml\n", base_yaml);
    f = fopen(cpath, "w");
    assert_non_null(f);
    fputs(yaml, f);
    fclose(f);
    f = fopen(wpath, "w");
    assert_non_null(f);
    fputs("waivers:\n"
          "  - {control: T-1, item: acct4, justification: lab host,"
          " approver: CISO, expires: 2099-01-01}\n"
          "  - {control: T-1, item: 'acct*', justification: old,"
          " approver: CISO, expires: 1970-01-01}\n",
          f);
    fclose(f);
    ts_error_clear(&err);
    if (ts_controls_load(&c, cpath, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(c->n_waivers, 2);
    run_control(&t, db, c);
    assert_int_equal(t.rc, 0);
    assert_int_equal(t.r.exceptions_all, 2);
    assert_int_equal(t.r.waived, 1); /* the expired waiver does not apply */
    ts_control_item *ex = kept(&t.r);
    assert_int_equal(ex[0].waiver, 0);
    assert_int_equal(ex[1].waiver, -1);
    free_kept(ex, t.r.n_exceptions);
    /* one unwaived exception, medium tolerates 2 */
    assert_int_equal(t.r.status, TS_STATUS_WITH_EXCEPTIONS);
    ts_control_result_release(&t.r);
    ts_controls_free(c);

    /* a waiver naming an unknown control is refused */
    f = fopen(wpath, "w");
    assert_non_null(f);
    fputs("waivers:\n  - {control: T-9, justification: j, approver: a,"
          " expires: 2099-01-01}\n",
          f);
    fclose(f);
    assert_int_not_equal(ts_controls_load(&c, cpath, &err), 0);
    assert_non_null(strstr(err.msg, "waiver for an unknown control"));
    sqlite3_close(db);
}

static void test_population_refused(void **state)
{
    static const struct {
        const char *sql, *msg;
    } cases[] = {
        {"SELECT n FROM items WHERE n > :nope", "uses :nope, which is"},
        {"DELETE FROM items", "must be one read-only SELECT"},
        {"SELECT n FROM items; DROP TABLE items",
         "must be one read-only SELECT"},
        {"SELECT n FROM no_such_table", "no such table: no_such_table"},
        /* writes in every form SQLite has: refused before anything runs */
        {"INSERT INTO items VALUES (99, 0)", "must be one read-only SELECT"},
        {"UPDATE items SET tls = 7", "must be one read-only SELECT"},
        {"WITH x AS (SELECT 1) DELETE FROM items",
         "must be one read-only SELECT"},
        {"CREATE TABLE evil(x)", "must be one read-only SELECT"},
        {"PRAGMA user_version = 7", "must be one read-only SELECT"},
        {"SELECT 1 AS n; SELECT 2 AS n", "must be one read-only SELECT"},
        {"SELECT n FROM items;; DELETE FROM items",
         "must be one read-only SELECT"},
        {"VACUUM", "must be one read-only SELECT"},
        /* ATTACH, DETACH and BEGIN count as read-only for SQLite
         * (sqlite3_stmt_readonly): refused as returning no columns */
        {"ATTACH '/tmp/ts_controls_evil.db' AS evil",
         "must be one read-only SELECT"},
        {"DETACH main", "must be one read-only SELECT"},
        {"BEGIN", "must be one read-only SELECT"},
        {"SELECT n FROM items) AS p; DROP TABLE items; --", "control B"},
    };
    sqlite3 *db = items_db(3);
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char yaml[1024];
        ts_error err;
        ts_controls *c;
        run t;
        snprintf(yaml, sizeof(yaml),
                 "version: 1\ncontrols:\n  - id: B\n    title: t\n"
                 "    criteria: [X]\n    population: \"%s\"\n",
                 cases[i].sql);
        c = parse(yaml, &err);
        if (c == NULL)
            fail_msg("%s", err.msg);
        run_control(&t, db, c);
        assert_int_not_equal(t.rc, 0);
        if (strstr(t.err.msg, cases[i].msg) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, t.err.msg, cases[i].msg);
        ts_control_result_release(&t.r);
        ts_controls_free(c);
    }
    /* the table is still there, unchanged, and nothing was attached */
    assert_int_equal(count(db, "SELECT count(*) FROM items WHERE tls < 2"), 3);
    assert_int_equal(count(db, "SELECT user_version FROM pragma_user_version"),
                     0);
    assert_int_equal(count(db, "SELECT count(*) FROM pragma_database_list"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM sqlite_master"), 1);
    assert_int_not_equal(access("/tmp/ts_controls_evil.db", F_OK), 0);
    sqlite3_close(db);
}

/* Exception rules are SQL by design (a controls.yaml is code, reviewed like
 * code), but they cannot turn the query into a write either. */
static void test_rule_refused(void **state)
{
    static const char *const rules[] = {
        "1) THEN 1 ELSE 0 END FROM items; DELETE FROM items; --",
        "(DELETE FROM items)",
        "1) THEN 1 END FROM (SELECT 1) AS p; ATTACH 'x.db' AS y; --",
    };
    sqlite3 *db = items_db(3);
    (void)state;

    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        char yaml[1024];
        ts_error err;
        ts_controls *c;
        run t;
        snprintf(yaml, sizeof(yaml),
                 "version: 1\ncontrols:\n  - id: R\n    title: t\n"
                 "    criteria: [X]\n    population: SELECT n FROM items\n"
                 "    exceptions: [{when: \"%s\", reason: r}]\n",
                 rules[i]);
        c = parse(yaml, &err);
        if (c == NULL)
            fail_msg("%s", err.msg);
        run_control(&t, db, c);
        if (t.rc == 0)
            fail_msg("rule %zu ran", i);
        ts_control_result_release(&t.r);
        ts_controls_free(c);
    }
    assert_int_equal(count(db, "SELECT count(*) FROM items"), 3);
    assert_int_equal(count(db, "SELECT count(*) FROM pragma_database_list"), 1);
    sqlite3_close(db);
}

/* Parameters and the built-in texts (data classes, personal tables) are
 * bound as values: SQL in them is text that comes back verbatim. */
static void test_hostile_parameters(void **state)
{
    static const char yaml[] =
        "version: 1\n"
        "controls:\n"
        "  - id: P\n"
        "    title: t\n"
        "    criteria: [X]\n"
        "    parameters:\n"
        "      evil: \"x'); DROP TABLE items; --\"\n"
        "      quote: \"' OR '1'='1\"\n"
        "      names: [\"a'b\", \"); DELETE FROM items; --\"]\n"
        "    population: |\n"
        "      SELECT n AS entry_index, :evil || '|' || :names || '|' ||\n"
        "             :classified_columns || '|' || :personal_tables AS item,\n"
        "             n AS time_us\n"
        "        FROM items WHERE n = 1 OR n = :quote\n"
        "    exceptions:\n"
        "      - {when: item LIKE '%DROP%', reason: seen}\n";
    ts_error err;
    ts_controls *c = parse(yaml, &err);
    sqlite3 *db = items_db(3);
    run t;
    (void)state;

    if (c == NULL)
        fail_msg("%s", err.msg);
    run_control(&t, db, c);
    if (t.rc != 0)
        fail_msg("%s", t.err.msg);
    assert_int_equal(t.r.population, 1); /* :quote matched no row */
    assert_int_equal(t.r.n_exceptions, 1);
    ts_control_item *ex = kept(&t.r);
    assert_string_equal(ex[0].item,
                        "x'); DROP TABLE items; --|"
                        "[\"a'b\",\"); DELETE FROM items; --\"]|{}|{}");
    free_kept(ex, 1);
    ts_control_result_release(&t.r);

    t.env.classified_columns = "{\"t.c\": [\"x'); DROP TABLE items; --\"]}";
    t.env.personal_tables = "'); ATTACH 'evil.db' AS e; --";
    memset(&t.r, 0, sizeof(t.r));
    t.rc = control_run(&t.env, &c->controls[0], &t.r, &t.err);
    if (t.rc != 0)
        fail_msg("%s", t.err.msg);
    assert_int_equal(t.r.n_exceptions, 1);
    ex = kept(&t.r);
    assert_string_equal(ex[0].item,
                        "x'); DROP TABLE items; --|"
                        "[\"a'b\",\"); DELETE FROM items; --\"]|"
                        "{\"t.c\": [\"x'); DROP TABLE items; --\"]}|"
                        "'); ATTACH 'evil.db' AS e; --");
    free_kept(ex, 1);
    ts_control_result_release(&t.r);
    assert_int_equal(count(db, "SELECT count(*) FROM items"), 3);
    assert_int_equal(count(db, "SELECT count(*) FROM pragma_database_list"), 1);
    sqlite3_close(db);
    ts_controls_free(c);
}

static void test_empty_population(void **state)
{
    ts_error err;
    ts_controls *c = parse(base_yaml, &err);
    sqlite3 *db = items_db(2); /* n >= 3: nothing */
    run t;
    (void)state;

    run_control(&t, db, c);
    assert_int_equal(t.rc, 0);
    assert_int_equal(t.r.population, 0);
    assert_int_equal(t.r.n_samples, 0);
    assert_int_equal(t.r.status, TS_STATUS_NOT_OCCURRING);
    ts_control_result_release(&t.r);
    sqlite3_close(db);
    ts_controls_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_controls),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_run_population_and_exceptions),
        cmocka_unit_test(test_sample_rederived),
        cmocka_unit_test(test_waivers_and_tolerance),
        cmocka_unit_test(test_population_refused),
        cmocka_unit_test(test_rule_refused),
        cmocka_unit_test(test_hostile_parameters),
        cmocka_unit_test(test_empty_population),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
