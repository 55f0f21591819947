/* Report tests: controls.yaml parsing, DDL column extraction, personal-data
 * tables, and the evidence workbook read back from its XML parts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "report/report_internal.h"
#include "store/store_internal.h"
#include "trailseal/trailseal.h"

/* ---- helpers ------------------------------------------------------------ */

static void rm_tree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    char child[4096];

    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    d = opendir(path);
    if (d != NULL) {
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
            rm_tree(child);
        }
        closedir(d);
    }
    rmdir(path);
}

static void make_tmpdir(char *buf, size_t size)
{
    snprintf(buf, size, "/tmp/ts_report_test_XXXXXX");
    assert_non_null(mkdtemp(buf));
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* The bytes of one member of a zip file, via `unzip -p`; NULL-terminated,
 * the caller frees. The test fails (never skips) without unzip. */
static char *unzip_member(const char *zip, const char *member)
{
    char cmd[8192];
    ts_buf out;
    char chunk[4096];
    size_t n;
    FILE *p;

    if (system("unzip -v >/dev/null 2>&1") != 0)
        fail_msg("the 'unzip' program is required to read the workbook "
                 "(Debian: apt-get install unzip)");
    snprintf(cmd, sizeof(cmd), "unzip -p '%s' '%s'", zip, member);
    p = popen(cmd, "r");
    assert_non_null(p);
    ts_buf_init(&out, (size_t)64 << 20);
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        assert_int_equal(ts_buf_append(&out, chunk, n, NULL), 0);
    if (pclose(p) != 0)
        fail_msg("unzip -p '%s' '%s' failed", zip, member);
    assert_int_equal(ts_buf_terminate(&out, NULL), 0);
    return (char *)out.data;
}

/* The workbook's n-th data sheet as numbered before the control summary
 * sheets (Control matrix ... Exceptions) came between it and the cover. */
#define DATA_SHEET(n) ((n) + 6)

static char *sheet_xml(const char *zip, int n)
{
    char member[64];
    snprintf(member, sizeof(member), "xl/worksheets/sheet%d.xml", n);
    return unzip_member(zip, member);
}

/* Rows of a worksheet as cell texts. Handles what libxlsxwriter writes:
 * <c r="B2" ...><v>2</v></c> and inline <is><t>text</t></is>. */
#define MAX_ROWS 64
#define MAX_COLS 16
typedef struct sheet_rows {
    size_t n;
    char cell[MAX_ROWS][MAX_COLS][256];
} sheet_rows;

static void unescape_into(char *dst, size_t size, const char *s, size_t len)
{
    static const struct {
        const char *from;
        char to;
    } ents[] = {{"&amp;", '&'},
                {"&lt;", '<'},
                {"&gt;", '>'},
                {"&quot;", '"'},
                {"&apos;", '\''}};
    size_t o = 0;

    for (size_t i = 0; i < len && o + 1 < size;) {
        size_t k;
        for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
            size_t el = strlen(ents[k].from);
            if (i + el <= len && memcmp(s + i, ents[k].from, el) == 0) {
                dst[o++] = ents[k].to;
                i += el;
                break;
            }
        }
        if (k == sizeof(ents) / sizeof(ents[0]))
            dst[o++] = s[i++];
    }
    dst[o] = '\0';
}

static void parse_rows(const char *xml, sheet_rows *out)
{
    const char *p = xml;

    memset(out, 0, sizeof(*out));
    while ((p = strstr(p, "<row ")) != NULL) {
        const char *end = strstr(p, "</row>");
        const char *c = p;
        size_t r = out->n++;
        assert_true(r < MAX_ROWS);
        assert_non_null(end);
        while ((c = strstr(c, "<c r=\"")) != NULL && c < end) {
            const char *cend = strstr(c, "</c>");
            const char *v;
            size_t col = (size_t)(c[6] - 'A');
            assert_true(col < MAX_COLS);
            if (cend == NULL || cend > end) { /* <c .../> */
                c += 6;
                continue;
            }
            v = strstr(c, "<t");
            if (v == NULL || v > cend)
                v = strstr(c, "<v>");
            assert_true(v != NULL && v < cend);
            v = strchr(v, '>') + 1;
            const char *vend = strstr(v, "</");
            unescape_into(out->cell[r][col], sizeof(out->cell[r][col]), v,
                          (size_t)(vend - v));
            c = cend;
        }
        p = end;
    }
}

/* The first row whose first cells are a, b (b may be NULL). */
static const sheet_rows *find_row(const sheet_rows *rows, const char *a,
                                  const char *b, size_t *out)
{
    for (size_t r = 0; r < rows->n; r++)
        if (strcmp(rows->cell[r][0], a) == 0 &&
            (b == NULL || strcmp(rows->cell[r][1], b) == 0)) {
            *out = r;
            return rows;
        }
    return NULL;
}

/* ---- a small index --------------------------------------------------------
 */

typedef struct test_event {
    int kind;
    const char *time;
    const char *account, *database, *application, *client, *session;
    int stmt_id;
    const char *audit_type, *audit_class, *command, *object, *statement;
    const char *sqlstate, *message, *query;
} test_event;

#define T0 "2024-03-10 09:00:00"
/* The period is March 2024. Entry indexes are the array positions. */
static const test_event events[] = {
    /* 0: before the period */
    {TS_EVENT_AUDIT, "2024-02-15 10:00:00", "bob", "crm", "psql", "10.9.9.9",
     "s0", 1, "SESSION", "READ", "SELECT", "public.customers",
     "SELECT ssn FROM public.customers -- early", NULL, NULL, NULL},
    /* 1: alice creates a table with email and ssn columns */
    {TS_EVENT_AUDIT, "2024-03-01 00:00:00", "alice", "crm", "psql", "10.0.0.1",
     "a1", 1, "SESSION", "DDL", "CREATE TABLE", "public.customers",
     "CREATE TABLE public.customers (id bigint PRIMARY KEY, full_name text,"
     " \"Email\" text NOT NULL, ssn char(11), notes text DEFAULT 'ssn',"
     " CONSTRAINT email_ok CHECK (position('@' in \"Email\") > 0))",
     NULL, NULL, NULL},
    /* 2: a table without personal data */
    {TS_EVENT_AUDIT, "2024-03-01 00:01:00", "alice", "crm", "psql", "10.0.0.1",
     "a1", 2, "SESSION", "DDL", "CREATE TABLE", "public.orders",
     "CREATE TABLE public.orders (id bigint, emailed_at timestamptz, total "
     "numeric)",
     NULL, NULL, NULL},
    /* 3, 4: bob reads customers; one statement logged as SESSION + OBJECT */
    {TS_EVENT_AUDIT, T0, "bob", "crm", "psql", "10.0.0.2", "b1", 1, "SESSION",
     "READ", "SELECT", "public.customers",
     "SELECT ssn FROM public.customers WHERE id = $1", NULL, NULL, NULL},
    {TS_EVENT_AUDIT, T0, "bob", "crm", "psql", "10.0.0.2", "b1", 1, "OBJECT",
     "READ", "SELECT", "public.customers",
     "SELECT ssn FROM public.customers WHERE id = $1", NULL, NULL, NULL},
    /* 5: bob's second read */
    {TS_EVENT_AUDIT, "2024-03-11 09:00:00", "bob", "crm", "psql", "10.0.0.2",
     "b1", 2, "SESSION", "READ", "SELECT", "public.customers",
     "SELECT \"Email\" FROM public.customers", NULL, NULL, NULL},
    /* 6: an agent reads customers */
    {TS_EVENT_AUDIT, "2024-03-12 03:00:00", "svc_agent", "crm", "agent-42",
     "10.0.0.42", "g1", 1, "SESSION", "READ", "SELECT", "public.customers",
     "SELECT full_name, \"Email\" FROM public.customers", NULL, NULL, NULL},
    /* 7: bob reads a table without personal data */
    {TS_EVENT_AUDIT, "2024-03-12 04:00:00", "bob", "crm", "psql", "10.0.0.2",
     "b1", 3, "SESSION", "READ", "SELECT", "public.orders",
     "SELECT total FROM public.orders", NULL, NULL, NULL},
    /* 8: a GRANT */
    {TS_EVENT_AUDIT, "2024-03-13 10:00:00", "alice", "crm", "psql", "10.0.0.1",
     "a2", 1, "SESSION", "ROLE", "GRANT", NULL,
     "GRANT SELECT ON public.customers TO bob", NULL, NULL, NULL},
    /* 9: a DROP TABLE */
    {TS_EVENT_AUDIT, "2024-03-13 11:00:00", "alice", "crm", "psql", "10.0.0.1",
     "a2", 2, "SESSION", "DDL", "DROP TABLE", "public.old_stuff",
     "DROP TABLE public.old_stuff", NULL, NULL, NULL},
    /* 10, 11: failed logins */
    {TS_EVENT_AUTH_FAILURE, "2024-03-14 01:00:00", "mallory", "crm", NULL,
     "10.6.6.6", NULL, 0, NULL, NULL, NULL, NULL, NULL, "28P01",
     "password authentication failed for user \"mallory\"", NULL},
    {TS_EVENT_AUTH_FAILURE, "2024-03-14 01:00:05", "mallory", "crm", NULL,
     "10.6.6.6", NULL, 0, NULL, NULL, NULL, NULL, NULL, "28P01",
     "password authentication failed for user \"mallory\"", NULL},
    /* 12: permission denied */
    {TS_EVENT_ERROR, "2024-03-15 12:00:00", "bob", "crm", "psql", "10.0.0.2",
     "b2", 0, NULL, NULL, NULL, NULL, NULL, "42501",
     "permission denied for table payroll", "SELECT * FROM payroll"},
    /* 13, 14: after the period */
    {TS_EVENT_AUTH_FAILURE, "2024-04-02 00:00:00", "eve", "crm", NULL,
     "10.9.9.9", NULL, 0, NULL, NULL, NULL, NULL, NULL, "28P01",
     "password authentication failed for user \"eve\"", NULL},
    {TS_EVENT_AUDIT, "2024-04-05 00:00:00", "alice", "crm", "psql", "10.9.9.9",
     "a9", 1, "SESSION", "DDL", "DROP TABLE", "public.customers_late",
     "DROP TABLE public.customers_late", NULL, NULL, NULL},
    /* 15: the agent writes customers */
    {TS_EVENT_AUDIT, "2024-03-16 03:00:00", "svc_agent", "crm", "agent-42",
     "10.0.0.42", "g1", 2, "SESSION", "WRITE", "UPDATE", "public.customers",
     "UPDATE public.customers SET notes = $1 WHERE id = $2", NULL, NULL, NULL},
    /* 16: a card column added to payroll */
    {TS_EVENT_AUDIT, "2024-03-17 09:00:00", "alice", "crm", "psql", "10.0.0.1",
     "a3", 1, "SESSION", "DDL", "ALTER TABLE", "public.payroll",
     "ALTER TABLE public.payroll ADD COLUMN bank_card_number text", NULL, NULL,
     NULL},
    /* 17: in the period but past the checkpoint the cover names */
    {TS_EVENT_AUTH_FAILURE, "2024-03-20 00:00:00", "mallory", "crm", NULL,
     "10.7.7.7", NULL, 0, NULL, NULL, NULL, NULL, NULL, "28P01",
     "password authentication failed for user \"mallory\" (unsealed)", NULL},
};
#define N_EVENTS (sizeof(events) / sizeof(events[0]))
#define TREE_SIZE 17 /* entries 0..16 are covered by the checkpoint */

static int64_t when(const char *text)
{
    int64_t us;
    assert_int_equal(ts_time_parse(text, &us, NULL), 0);
    return us;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *text)
{
    if (text)
        sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

static sqlite3 *build_index(void)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char sql[256];

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    exec_ok(db, ts_index_schema_sql);
    for (int k = 0; k < TS_EVENT_KIND_COUNT; k++) {
        snprintf(sql, sizeof(sql), "INSERT INTO event_kinds VALUES(%d, '%s')",
                 k, ts_event_kind_name((ts_event_kind)k));
        exec_ok(db, sql);
    }
    exec_ok(db, "INSERT INTO sources(id, key, name, format, config)"
                " VALUES(1, 'k', 'pg.log', 'pg-stderr', '')");
    assert_int_equal(
        sqlite3_prepare_v2(
            db,
            "INSERT INTO events(seq, source_id, line, kind, time_us,"
            " account, database, application, client_host, session_id,"
            " statement_id, substatement_id, audit_type, audit_class,"
            " command, object_type, object_name, statement, sqlstate,"
            " message, query)"
            " VALUES(?1, 1, ?1 + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10,"
            " ?11, ?12, 'TABLE', ?13, ?14, ?15, ?16, ?17)",
            -1, &st, NULL),
        SQLITE_OK);
    for (size_t i = 0; i < N_EVENTS; i++) {
        const test_event *e = &events[i];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_int(st, 2, e->kind);
        sqlite3_bind_int64(st, 3, when(e->time));
        bind_opt(st, 4, e->account);
        bind_opt(st, 5, e->database);
        bind_opt(st, 6, e->application);
        bind_opt(st, 7, e->client);
        bind_opt(st, 8, e->session);
        if (e->stmt_id)
            sqlite3_bind_int(st, 9, e->stmt_id);
        else
            sqlite3_bind_null(st, 9);
        bind_opt(st, 10, e->audit_type);
        bind_opt(st, 11, e->audit_class);
        bind_opt(st, 12, e->command);
        bind_opt(st, 13, e->object);
        bind_opt(st, 14, e->statement);
        bind_opt(st, 15, e->sqlstate);
        bind_opt(st, 16, e->message);
        bind_opt(st, 17, e->query);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    sqlite3_finalize(st);
    /* what the store keeps per account (all time) */
    exec_ok(db, "INSERT INTO accounts(name, first_seen_us, last_seen_us,"
                " n_events, n_statements, n_auth_failures)"
                " SELECT account, min(time_us), max(time_us), count(*),"
                "  sum(kind = 2), sum(kind = 6) FROM events GROUP BY account");
    return db;
}

static ts_controls *test_controls(void)
{
    static const char yaml[] =
        "version: 1\n"
        "data_classes:\n"
        "  - id: email\n"
        "    description: Email addresses\n"
        "    column_patterns: [\"email\", \"*_email\", \"email_*\"]\n"
        "  - id: ssn\n"
        "    column_patterns: [\"ssn\", \"*_ssn\", \"social_security*\"]\n"
        "  - id: card_number\n"
        "    column_patterns: [\"card_number\", \"pan\", \"*_card_*\"]\n"
        "  - id: name\n"
        "    column_patterns: [\"full_name\"]\n"
        "    tables: [\"hr.people\"]\n"
        "controls: []\n";
    ts_controls *c = NULL;
    ts_error err;

    if (ts_controls_parse(&c, "controls.yaml", yaml, strlen(yaml), &err) != 0)
        fail_msg("%s", err.msg);
    return c;
}

/* A checkpoint note for TREE_SIZE entries with a known root. */
static void make_note(char *note, size_t size, char *root_hex)
{
    uint8_t root[TS_SHA256_SIZE];
    char b64[64];

    assert_int_equal(ts_sha256("root", 4, root), 0);
    ts_base64_encode(root, sizeof(root), b64);
    ts_hex_encode(root, sizeof(root), root_hex);
    snprintf(note, size, "test.example/log\n%d\n%s\n\n\xe2\x80\x94 k sig\n",
             TREE_SIZE, b64);
}

typedef struct written {
    char dir[256];
    char out[512];
    char xlsx[600];
    ts_report_result res;
    int rc;
    ts_error err;
} written;

static void write_report(written *w, sqlite3 *db, const ts_controls *c,
                         ts_verdict verdict, const char *problem)
{
    char note[256], root_hex[65];
    ts_verify_report vr;
    ts_report_cover cover;
    ts_report_options opts;

    memset(&opts, 0, sizeof(opts));
    make_tmpdir(w->dir, sizeof(w->dir));
    snprintf(w->out, sizeof(w->out), "%s/out", w->dir);
    snprintf(w->xlsx, sizeof(w->xlsx), "%s/evidence.xlsx", w->out);
    make_note(note, sizeof(note), root_hex);
    memset(&vr, 0, sizeof(vr));
    vr.verdict = verdict;
    vr.entries = TREE_SIZE;
    vr.checkpoints = 3;
    snprintf(vr.problem, sizeof(vr.problem), "%s", problem);
    memset(&cover, 0, sizeof(cover));
    cover.store_path = "/var/lib/trailseal/store.db";
    cover.origin = "test.example/log";
    cover.checkpoint = note;
    cover.verify = &vr;
    opts.since_us = when("2024-03-01");
    opts.until_us = when("2024-04-01");
    opts.out_dir = w->out;
    opts.store_path = cover.store_path;
    opts.controls_path = NULL;
    ts_error_clear(&w->err);
    w->rc = ts_report_write_index(db, &cover, c, &opts, &w->res, &w->err);
}

static uint64_t result_rows(const ts_report_result *res, const char *name)
{
    for (size_t i = 0; i < res->n_sheets; i++)
        if (strcmp(res->sheets[i].name, name) == 0)
            return res->sheets[i].rows;
    fail_msg("no sheet '%s' in the result", name);
    return 0;
}

/* ---- tests: the workbook --------------------------------------------------
 */

static void test_workbook_sheets(void **state)
{
    sqlite3 *db = build_index();
    ts_controls *c = test_controls();
    written w;
    char *xml;
    struct stat st;
    (void)state;

    write_report(&w, db, c, TS_VERDICT_INTACT, "");
    if (w.rc != 0)
        fail_msg("%s", w.err.msg);
    assert_string_equal(w.res.workbook_path, w.xlsx);
    assert_int_equal(lstat(w.out, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0755);
    assert_int_equal(w.res.verdict, TS_VERDICT_INTACT);
    assert_int_equal(w.res.n_sheets,
                     15); /* cover, 6 summaries, 6 data, waivers, charts */
    assert_string_equal(w.res.sheets[0].name, "Cover");

    xml = unzip_member(w.xlsx, "xl/workbook.xml");
    assert_non_null(strstr(xml, "name=\"Cover\""));
    assert_non_null(strstr(xml, "name=\"Privileged &amp; DDL\""));
    assert_non_null(strstr(xml, "name=\"Personal data access\""));
    assert_non_null(strstr(xml, "name=\"Personal data detail\""));
    assert_non_null(strstr(xml, "name=\"Failed logins\""));
    assert_non_null(strstr(xml, "name=\"Permission denied\""));
    assert_non_null(strstr(xml, "name=\"Accounts\""));
    /* every sheet has an autofilter (a defined name per sheet) */
    assert_non_null(strstr(xml, "_xlnm._FilterDatabase"));
    free(xml);

    /* the workbook and results.json, and no temporary file is left */
    DIR *d = opendir(w.out);
    struct dirent *de;
    int n = 0;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' || strlen(de->d_name) > 2) {
            n++;
            if (strcmp(de->d_name, "evidence.xlsx") != 0 &&
                strcmp(de->d_name, "results.json") != 0)
                fail_msg("unexpected file '%s'", de->d_name);
        }
    closedir(d);
    assert_int_equal(n, 2);

    rm_tree(w.dir);
    ts_controls_free(c);
    sqlite3_close(db);
}

static void test_privileged_and_scope(void **state)
{
    sqlite3 *db = build_index();
    ts_controls *c = test_controls();
    sheet_rows *rows = malloc(sizeof(*rows));
    written w;
    size_t r = 0;
    char *xml;
    (void)state;

    assert_non_null(rows);
    write_report(&w, db, c, TS_VERDICT_INTACT, "");
    if (w.rc != 0)
        fail_msg("%s", w.err.msg);

    /* Privileged & DDL: CREATE x2, GRANT, DROP, ALTER in the period */
    assert_int_equal(result_rows(&w.res, "Privileged & DDL"), 5);
    xml = sheet_xml(w.xlsx, DATA_SHEET(2));
    assert_non_null(strstr(xml, "<pane ")); /* frozen header */
    assert_non_null(strstr(xml, "<autoFilter ref=\"A1:J6\""));
    parse_rows(xml, rows);
    assert_int_equal(rows->n, 6);
    assert_string_equal(rows->cell[0][0], "time");
    assert_string_equal(rows->cell[0][9], "entry_index");
    assert_string_equal(rows->cell[1][0], "2024-03-01T00:00:00.000000Z");
    assert_string_equal(rows->cell[1][6], "CREATE TABLE");
    assert_string_equal(rows->cell[1][9], "1");
    assert_non_null(find_row(rows, "2024-03-13T10:00:00.000000Z", "alice", &r));
    assert_string_equal(rows->cell[r][6], "GRANT");
    assert_string_equal(rows->cell[r][9], "8");
    assert_null(strstr(xml, "customers_late")); /* after the period */
    free(xml);

    /* Failed logins: two in the period, eve's after it, one unsealed */
    assert_int_equal(result_rows(&w.res, "Failed logins"), 2);
    xml = sheet_xml(w.xlsx, DATA_SHEET(5));
    parse_rows(xml, rows);
    assert_int_equal(rows->n, 3);
    assert_string_equal(rows->cell[1][1], "mallory");
    assert_string_equal(rows->cell[1][3], "10.6.6.6");
    assert_string_equal(rows->cell[1][5], "10");
    assert_string_equal(rows->cell[2][5], "11");
    assert_null(strstr(xml, "eve"));
    assert_null(strstr(xml, "unsealed"));
    free(xml);

    /* Permission denied */
    assert_int_equal(result_rows(&w.res, "Permission denied"), 1);
    xml = sheet_xml(w.xlsx, DATA_SHEET(6));
    parse_rows(xml, rows);
    assert_int_equal(rows->n, 2);
    assert_string_equal(rows->cell[1][1], "bob");
    assert_string_equal(rows->cell[1][4],
                        "permission denied for table payroll");
    assert_string_equal(rows->cell[1][5], "SELECT * FROM payroll");
    assert_string_equal(rows->cell[1][6], "12");
    free(xml);

    /* Accounts: eve was only seen after the period */
    assert_int_equal(result_rows(&w.res, "Accounts"), 4);
    xml = sheet_xml(w.xlsx, DATA_SHEET(7));
    parse_rows(xml, rows);
    assert_null(find_row(rows, "eve", NULL, &r));
    assert_non_null(find_row(rows, "mallory", NULL, &r));
    assert_string_equal(rows->cell[r][5], "3"); /* all time, incl. unsealed */
    assert_string_equal(rows->cell[r][7], "2"); /* in period and sealed */
    assert_non_null(find_row(rows, "bob", NULL, &r));
    assert_string_equal(rows->cell[r][3], "6");
    assert_string_equal(rows->cell[r][6], "5"); /* entry 0 is before */
    free(xml);

    /* The early read's client appears nowhere */
    for (int i = 2; i <= 7; i++) {
        xml = sheet_xml(w.xlsx, DATA_SHEET(i));
        assert_null(strstr(xml, "10.9.9.9"));
        free(xml);
    }
    rm_tree(w.dir);
    free(rows);
    ts_controls_free(c);
    sqlite3_close(db);
}

static void test_personal_data_sheets(void **state)
{
    sqlite3 *db = build_index();
    ts_controls *c = test_controls();
    sheet_rows *rows = malloc(sizeof(*rows));
    written w;
    size_t r = 0;
    char *xml;
    (void)state;

    assert_non_null(rows);
    write_report(&w, db, c, TS_VERDICT_INTACT, "");
    if (w.rc != 0)
        fail_msg("%s", w.err.msg);

    xml = sheet_xml(w.xlsx, DATA_SHEET(3));
    parse_rows(xml, rows);
    assert_string_equal(rows->cell[0][0], "account");
    assert_string_equal(rows->cell[0][3], "reads");
    /* bob: two statements, one logged twice (SESSION + OBJECT) */
    assert_non_null(find_row(rows, "bob", "public.customers", &r));
    assert_string_equal(rows->cell[r][2], "email, ssn, name");
    assert_string_equal(rows->cell[r][3], "2");
    assert_string_equal(rows->cell[r][4], "0");
    assert_string_equal(rows->cell[r][5], "2024-03-10T09:00:00.000000Z");
    assert_string_equal(rows->cell[r][6], "2024-03-11T09:00:00.000000Z");
    /* the agent read once and wrote once */
    assert_non_null(find_row(rows, "svc_agent", "public.customers", &r));
    assert_string_equal(rows->cell[r][3], "1");
    assert_string_equal(rows->cell[r][4], "1");
    /* payroll became personal through ALTER TABLE ... ADD COLUMN */
    assert_non_null(find_row(rows, "alice", "public.payroll", &r));
    assert_string_equal(rows->cell[r][2], "card_number");
    /* orders holds no personal data ("emailed_at" is not "email_*") */
    assert_null(strstr(xml, "public.orders"));
    /* alice x2 (customers DDL, payroll DDL), bob, svc_agent */
    assert_int_equal(result_rows(&w.res, "Personal data access"), 4);
    assert_int_equal(rows->n, 5);
    free(xml);

    /* detail: entries 1, 3, 4, 5, 6, 15, 16 in time order */
    assert_int_equal(result_rows(&w.res, "Personal data detail"), 7);
    xml = sheet_xml(w.xlsx, DATA_SHEET(4));
    parse_rows(xml, rows);
    assert_int_equal(rows->n, 8);
    static const char *const order[] = {"1", "3", "4", "5", "6", "15", "16"};
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(rows->cell[i + 1][11], order[i]);
    assert_string_equal(rows->cell[3][6], "OBJECT");
    assert_string_equal(rows->cell[5][1], "svc_agent");
    assert_string_equal(rows->cell[5][8], "agent-42");
    assert_null(strstr(xml, "-- early"));
    free(xml);

    rm_tree(w.dir);
    free(rows);
    ts_controls_free(c);
    sqlite3_close(db);
}

static void test_cover(void **state)
{
    sqlite3 *db = build_index();
    ts_controls *c = test_controls();
    sheet_rows *rows = malloc(sizeof(*rows));
    char note[256], root_hex[65], hex[65];
    written w;
    size_t r = 0;
    char *xml;
    (void)state;

    assert_non_null(rows);
    make_note(note, sizeof(note), root_hex);
    write_report(&w, db, c, TS_VERDICT_TAMPERED,
                 "block 3: stored bytes do not match");
    if (w.rc != 0)
        fail_msg("%s", w.err.msg);
    assert_int_equal(w.res.verdict, TS_VERDICT_TAMPERED);
    xml = sheet_xml(w.xlsx, 1);
    parse_rows(xml, rows);
    assert_non_null(find_row(rows, "verification", NULL, &r));
    assert_string_equal(rows->cell[r][1],
                        "TAMPERED: block 3: stored bytes do not match");
    assert_non_null(find_row(rows, "period", NULL, &r));
    assert_string_equal(rows->cell[r][1],
                        "from 2024-03-01T00:00:00.000000Z until "
                        "2024-04-01T00:00:00.000000Z (end exclusive)");
    assert_non_null(find_row(rows, "store path", NULL, &r));
    assert_string_equal(rows->cell[r][1], "/var/lib/trailseal/store.db");
    assert_non_null(find_row(rows, "store origin", NULL, &r));
    assert_string_equal(rows->cell[r][1], "test.example/log");
    assert_non_null(find_row(rows, "checkpoint tree size", NULL, &r));
    assert_string_equal(rows->cell[r][1], "17");
    assert_non_null(find_row(rows, "checkpoint root hash (hex)", NULL, &r));
    assert_string_equal(rows->cell[r][1], root_hex);
    assert_non_null(strstr(xml, "test.example/log\n17\n"));
    assert_non_null(find_row(rows, "trailseal version", NULL, &r));
    assert_string_equal(rows->cell[r][1], TRAILSEAL_VERSION);
    assert_non_null(find_row(rows, "controls.yaml SHA-256", NULL, &r));
    ts_hex_encode(c->sha256, TS_SHA256_SIZE, hex);
    assert_string_equal(rows->cell[r][1], hex);
    assert_non_null(find_row(rows, "personal-data tables", NULL, &r));
    assert_string_equal(rows->cell[r][1],
                        "hr.people, public.customers, public.payroll");
    assert_non_null(find_row(rows, "generated at", NULL, &r));
    assert_int_equal(strlen(rows->cell[r][1]), 27);
    /* contents */
    assert_non_null(find_row(rows, "Privileged & DDL", NULL, &r));
    assert_string_equal(rows->cell[r][1], "5");
    assert_non_null(find_row(rows, "Failed logins", NULL, &r));
    assert_string_equal(rows->cell[r][1], "2");
    assert_non_null(find_row(rows, "Personal data access", NULL, &r));
    assert_string_equal(rows->cell[r][1], "4");
    free(xml);
    rm_tree(w.dir);

    /* without controls.yaml: no personal data, the cover says why */
    write_report(&w, db, NULL, TS_VERDICT_INTACT, "");
    if (w.rc != 0)
        fail_msg("%s", w.err.msg);
    assert_int_equal(result_rows(&w.res, "Personal data access"), 0);
    xml = sheet_xml(w.xlsx, 1);
    parse_rows(xml, rows);
    assert_non_null(find_row(rows, "verification", NULL, &r));
    assert_string_equal(rows->cell[r][1], "intact");
    assert_non_null(find_row(rows, "controls.yaml", NULL, &r));
    assert_non_null(strstr(rows->cell[r][1], "not given"));
    free(xml);
    rm_tree(w.dir);

    free(rows);
    ts_controls_free(c);
    sqlite3_close(db);
}

static void test_hostile_cell_text(void **state)
{
    sqlite3 *db = build_index();
    char *big = malloc(40001), *xml;
    sqlite3_stmt *st;
    written w;
    (void)state;

    assert_non_null(big);
    memset(big, 'x', 40000);
    big[0] = '\xff'; /* invalid UTF-8 */
    big[40000] = '\0';
    assert_int_equal(
        sqlite3_prepare_v2(db, "UPDATE events SET statement = ?1 WHERE seq = 8",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, big, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    exec_ok(db, "UPDATE events SET statement = '=HYPERLINK(\"x\")' || "
                "char(1) WHERE seq = 9");

    write_report(&w, db, NULL, TS_VERDICT_INTACT, "");
    if (w.rc != 0)
        fail_msg("%s", w.err.msg);
    xml = sheet_xml(w.xlsx, DATA_SHEET(2));
    assert_non_null(strstr(xml, "\xEF\xBF\xBDxxx"));
    assert_non_null(strstr(xml, "x [truncated]<"));
    assert_null(strstr(xml, "\xff"));
    /* a formula-looking string stays a string; control chars escaped */
    assert_null(strstr(xml, "<f>"));
    assert_non_null(strstr(xml, "=HYPERLINK("));
    assert_null(strstr(xml, "\x01"));
    free(xml);
    rm_tree(w.dir);
    free(big);
    sqlite3_close(db);
}

static void test_row_limit(void **state)
{
    ts_sheet s;
    (void)state;

    memset(&s, 0, sizeof(s));
    s.row = LXW_ROW_MAX - 1;
    assert_int_equal(ts_sheet_row(&s), 1);
    assert_int_equal(s.row, LXW_ROW_MAX);
    assert_int_equal(ts_sheet_row(&s), 0);
    assert_int_equal(ts_sheet_row(&s), 0);
    assert_int_equal(s.rows, 1);
    assert_int_equal(s.dropped, 2);
}

static void test_checkpoint_parse(void **state)
{
    ts_checkpoint_info ci;
    char note[256], root_hex[65];
    (void)state;

    make_note(note, sizeof(note), root_hex);
    ts_checkpoint_info_parse(&ci, note);
    assert_true(ci.ok);
    assert_int_equal(ci.tree_size, TREE_SIZE);
    assert_string_equal(ci.root_hex, root_hex);
    ts_checkpoint_info_parse(&ci, NULL);
    assert_false(ci.ok);
    ts_checkpoint_info_parse(&ci, "origin\n12x\nAAAA\n");
    assert_false(ci.ok);
    ts_checkpoint_info_parse(&ci, "origin\n99999999999999999999999\n");
    assert_false(ci.ok);
    ts_checkpoint_info_parse(&ci, "origin\n5\nnot base64!\n");
    assert_false(ci.ok);
    ts_checkpoint_info_parse(&ci, "origin\n5\n");
    assert_false(ci.ok);
}

static void test_out_dir_refused(void **state)
{
    sqlite3 *db = build_index();
    char dir[256], target[300], link[400], file[300], victim[400];
    ts_report_options opts;
    ts_report_result res;
    ts_verify_report vr;
    ts_report_cover cover = {NULL, NULL, NULL, &vr, NULL, NULL, NULL, NULL};
    struct stat st;
    ts_error err;
    char *text;
    (void)state;

    memset(&vr, 0, sizeof(vr));
    memset(&opts, 0, sizeof(opts));
    make_tmpdir(dir, sizeof(dir));
    snprintf(target, sizeof(target), "%s/real", dir);
    snprintf(link, sizeof(link), "%s/link", dir);
    snprintf(file, sizeof(file), "%s/file", dir);
    assert_int_equal(mkdir(target, 0700), 0);
    assert_int_equal(symlink(target, link), 0);
    write_text(file, "not a directory\n");
    opts.since_us = INT64_MIN;
    opts.until_us = INT64_MAX;
    opts.store_path = NULL;
    opts.controls_path = NULL;

    opts.out_dir = link;
    assert_int_equal(ts_report_write_index(db, &cover, NULL, &opts, &res, &err),
                     TS_EPERM);
    assert_non_null(strstr(err.msg, "symbolic link"));
    assert_non_null(strstr(err.msg, link));
    /* a trailing slash must not make lstat follow the link */
    snprintf(link + strlen(link), sizeof(link) - strlen(link), "/");
    assert_int_equal(ts_report_write_index(db, &cover, NULL, &opts, &res, &err),
                     TS_EPERM);
    assert_int_equal(lstat(target, &st), 0);
    snprintf(victim, sizeof(victim), "%s/evidence.xlsx", target);
    assert_int_not_equal(lstat(victim, &st), 0);

    opts.out_dir = file;
    assert_int_equal(ts_report_write_index(db, &cover, NULL, &opts, &res, &err),
                     TS_EINVAL);
    assert_non_null(strstr(err.msg, "not a directory"));

    /* an existing evidence.xlsx symlink is replaced, not written through */
    snprintf(victim, sizeof(victim), "%s/victim", dir);
    write_text(victim, "keep me\n");
    snprintf(link, sizeof(link), "%s/evidence.xlsx", target);
    assert_int_equal(symlink(victim, link), 0);
    opts.out_dir = target;
    if (ts_report_write_index(db, &cover, NULL, &opts, &res, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    text = unzip_member(link, "xl/workbook.xml");
    free(text);
    FILE *f = fopen(victim, "r");
    char line[32] = "";
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    assert_string_equal(line, "keep me\n");

    rm_tree(dir);
    sqlite3_close(db);
}

/* ---- tests: controls.yaml -------------------------------------------------
 */

static void expect_yaml_error(const char *yaml, const char *where,
                              const char *what)
{
    char dir[256], path[300];
    ts_controls *c = NULL;
    ts_error err;

    make_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/controls.yaml", dir);
    write_text(path, yaml);
    ts_error_clear(&err);
    assert_int_equal(ts_controls_load(&c, path, &err), TS_EINVAL);
    assert_null(c);
    if (strstr(err.msg, where) == NULL || strstr(err.msg, what) == NULL)
        fail_msg("expected '%s' ... '%s', got: %s", where, what, err.msg);
    assert_null(strchr(err.msg, '\n'));
    rm_tree(dir);
}

static void test_controls_malformed(void **state)
{
    (void)state;
    expect_yaml_error("version: 1\n"
                      "data_classes:\n"
                      "  - id: email: bad\n",
                      "controls.yaml:3:", "mapping values");
    expect_yaml_error("version: 1\n"
                      "data_classes:\n"
                      "  - id: email\n"
                      "    column_patterns: [\"email\"\n",
                      "controls.yaml:5:", "flow sequence");
    expect_yaml_error("version: 1\n"
                      "data_classes:\n"
                      "  - id: email\n"
                      "    colum_patterns: [\"email\"]\n",
                      "controls.yaml:4:5:", "unknown key");
    expect_yaml_error("version: 2\n",
                      "controls.yaml:1:10:", "unsupported version");
    expect_yaml_error("data_classes: []\n", "controls.yaml:1:", "version");
    expect_yaml_error("version: 1\n"
                      "data_classes:\n"
                      "  - id: email\n"
                      "  - id: email\n",
                      "controls.yaml:4:", "duplicate data class id");
    expect_yaml_error(
        "version: 1\n"
        "data_classes:\n"
        "  - id: email\n"
        "    column_patterns: [[\"email\"]]\n",
        "controls.yaml:4:23:", "each item of column_patterns must be a string");
    expect_yaml_error("version: 1\ncontrols: {}\n",
                      "controls.yaml:2:", "controls must be a list");
    expect_yaml_error("version: 1\n---\nversion: 1\n",
                      "controls.yaml:", "more than one document");
    expect_yaml_error("- 1\n", "controls.yaml:1:1:", "mapping");
}

static void test_controls_shipped(void **state)
{
    ts_controls *c = NULL;
    ts_error err;
    const ts_data_class *email = NULL, *card = NULL;
    (void)state;

    if (ts_controls_load(&c, TS_TEST_DATA_DIR "/../../controls.yaml", &err) !=
        0)
        fail_msg("%s", err.msg);
    assert_int_equal(c->version, 1);
    assert_true(c->n_classes >= 8);
    for (size_t i = 0; i < c->n_classes; i++) {
        if (strcmp(c->classes[i].id, "email") == 0)
            email = &c->classes[i];
        if (strcmp(c->classes[i].id, "card_number") == 0)
            card = &c->classes[i];
    }
    assert_non_null(email);
    assert_non_null(card);
    assert_string_equal(email->description, "Email addresses");
    assert_true(ts_data_class_matches(email, "EMAIL"));
    assert_true(ts_data_class_matches(email, "billing_email"));
    assert_true(ts_data_class_matches(email, "email_verified"));
    assert_false(ts_data_class_matches(email, "emailed"));
    assert_false(ts_data_class_matches(email, "remail"));
    assert_true(ts_data_class_matches(card, "stored_card_token"));
    assert_true(ts_data_class_matches(card, "PAN"));
    assert_false(ts_data_class_matches(card, "company"));
    ts_controls_free(c);

    assert_int_equal(ts_controls_load(&c, "/nonexistent/controls.yaml", &err),
                     TS_EIO);
    assert_non_null(strstr(err.msg, "'/nonexistent/controls.yaml'"));
}

/* ---- tests: DDL columns and personal tables ----------------------------- */

typedef struct collected {
    char text[512];
} collected;

static int collect(void *ctx, const char *table, const char *column)
{
    collected *c = ctx;
    size_t len = strlen(c->text);
    snprintf(c->text + len, sizeof(c->text) - len, "%s%s.%s", len ? " " : "",
             table, column);
    return 0;
}

static const char *columns_of(collected *c, const char *sql)
{
    c->text[0] = '\0';
    assert_int_equal(ts_ddl_columns(sql, collect, c), 0);
    return c->text;
}

static void test_ddl_columns(void **state)
{
    collected c;
    (void)state;

    assert_string_equal(
        columns_of(&c, "CREATE TABLE IF NOT EXISTS s.\"T\" (\n"
                       "  id int PRIMARY KEY, -- email here is a comment\n"
                       "  \"Email\" varchar(200) DEFAULT 'ssn, pan',\n"
                       "  amount numeric(10, 2) CHECK (amount > 0),\n"
                       "  /* nested /* comment */ ssn */ ssn text,\n"
                       "  CONSTRAINT card_number_fk FOREIGN KEY (x) "
                       "REFERENCES y(card_number),\n"
                       "  UNIQUE (email), PRIMARY KEY (id))"),
        "s.T.id s.T.Email s.T.amount s.T.ssn");
    assert_string_equal(
        columns_of(&c, "create temporary table t(a int); CREATE TABLE u "
                       "(`card_number` char(16), KEY k (card_number))"),
        "t.a u.card_number");
    assert_string_equal(
        columns_of(&c, "ALTER TABLE ONLY public.payroll ADD COLUMN IF NOT "
                       "EXISTS bank_card_number text, ADD CONSTRAINT c "
                       "CHECK (ssn IS NULL), RENAME COLUMN a TO home_phone, "
                       "ALTER COLUMN dob TYPE date"),
        "public.payroll.bank_card_number public.payroll.home_phone");
    assert_string_equal(
        columns_of(&c, "ALTER TABLE t CHANGE COLUMN old_name email text, "
                       "ADD (x int, y int), RENAME TO t2"),
        "t.email t.x t.y");
    assert_string_equal(columns_of(&c, "CREATE TABLE t AS SELECT ssn FROM u"),
                        "");
    assert_string_equal(columns_of(&c, "SELECT email FROM t"), "");
    assert_string_equal(columns_of(&c, "CREATE FUNCTION f() AS $$ CREATE "
                                       "TABLE x (ssn int) $$; CREATE TABLE "
                                       "z (e text)"),
                        "z.e");
    /* truncated or garbage text does not crash and finds what it can */
    assert_string_equal(columns_of(&c, "CREATE TABLE t (email text, 'x"),
                        "t.email");
    assert_string_equal(columns_of(&c, "CREATE TABLE \"unterminated"), "");
    assert_string_equal(columns_of(&c, ""), "");
}

static void test_personal_tables(void **state)
{
    sqlite3 *db = build_index();
    ts_controls *c = test_controls();
    ts_personal_tables t;
    ts_error err;
    char classes[128];
    (void)state;

    /* a multi-statement query logged for public.orders: the columns of the
     * other table must not make orders personal */
    exec_ok(db, "INSERT INTO events(seq, source_id, line, kind, time_us,"
                " audit_class, command, object_name, statement)"
                " VALUES(100, 1, 1, 2, 0, 'DDL', 'ALTER TABLE',"
                " 'public.orders', 'ALTER TABLE public.orders ADD x int;"
                " ALTER TABLE public.other ADD ssn text')");
    /* pgAudit SESSION DDL rows have no object name: the name comes from
     * the DDL text and is resolved against the names reads use */
    exec_ok(db, "INSERT INTO events(seq, source_id, line, kind, time_us,"
                " audit_class, command, object_name, statement) VALUES"
                " (101, 1, 1, 2, 0, 'DDL', 'CREATE TABLE', NULL,"
                "  'CREATE TABLE ML.Training_Rows (SSN text)'),"
                " (102, 1, 1, 2, 0, 'READ', 'SELECT', 'ml.training_rows',"
                "  'SELECT 1'),"
                " (103, 1, 1, 2, 0, 'DDL', 'CREATE TABLE', '',"
                "  'CREATE TABLE leads (work_email text)'),"
                " (104, 1, 1, 2, 0, 'READ', 'SELECT', 'sales.leads', 'x'),"
                " (105, 1, 1, 2, 0, 'READ', 'SELECT', 'crm.leads', 'x'),"
                " (106, 1, 1, 2, 0, 'DDL', 'CREATE TABLE', NULL,"
                "  'CREATE TABLE never_read (ssn text)')");
    if (ts_personal_tables_find(db, c, INT64_MAX, NULL, &t, &err) != 0)
        fail_msg("%s", err.msg);
    static const char *const names[] = {
        "crm.leads",        "hr.people",      "ml.training_rows", "never_read",
        "public.customers", "public.payroll", "sales.leads"};
    assert_int_equal(t.n_tables, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(t.tables[i].name, names[i]);
    ts_personal_table_classes(&t.tables[1], c, classes, sizeof(classes));
    assert_string_equal(classes, "name");
    ts_personal_table_classes(&t.tables[4], c, classes, sizeof(classes));
    assert_string_equal(classes, "email, ssn, name");
    ts_personal_table_classes(&t.tables[2], c, classes, sizeof(classes));
    assert_string_equal(classes, "ssn");
    ts_personal_table_classes(&t.tables[6], c, classes, sizeof(classes));
    assert_string_equal(classes, "email");
    ts_personal_tables_release(&t);

    /* the same from the object names the report's pass over events
     * gathers (ts_report_event_days), and those of entries past the
     * checkpoint left out there too */
    for (int past = 0; past < 2; past++) {
        ts_name_set objects;
        ts_personal_tables from_set, from_query;
        int64_t max_seq = past ? 16 : INT64_MAX;
        assert_int_equal(ts_report_event_days(db, max_seq, &objects, &err), 0);
        assert_true(objects.map.n > 0);
        if (ts_personal_tables_find(db, c, max_seq, &objects, &from_set,
                                    &err) != 0 ||
            ts_personal_tables_find(db, c, max_seq, NULL, &from_query, &err) !=
                0)
            fail_msg("%s", err.msg);
        assert_int_equal(from_set.n_tables, past ? 2 : 7);
        assert_int_equal(from_set.n_tables, from_query.n_tables);
        for (size_t i = 0; i < from_set.n_tables; i++)
            assert_string_equal(from_set.tables[i].name,
                                from_query.tables[i].name);
        ts_personal_tables_release(&from_set);
        ts_personal_tables_release(&from_query);
        ts_name_set_release(&objects);
    }

    /* DDL past the checkpoint does not count */
    if (ts_personal_tables_find(db, c, 16, NULL, &t, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(t.n_tables, 2);
    ts_personal_tables_release(&t);

    assert_int_equal(
        ts_personal_tables_find(db, NULL, INT64_MAX, NULL, &t, &err), 0);
    assert_int_equal(t.n_tables, 0);
    ts_controls_free(c);
    sqlite3_close(db);
}

/* ---- through a real store ------------------------------------------------ */

typedef struct list_source {
    ts_source base;
    size_t next;
    char line[512];
} list_source;

static int list_next(ts_source *src, ts_entry *entry, ts_event *ev,
                     ts_error *err)
{
    list_source *s = (list_source *)src;
    const test_event *e;
    int len;

    (void)err;
    if (s->next >= N_EVENTS)
        return 0;
    e = &events[s->next];
    len = snprintf(s->line, sizeof(s->line), "entry %zu %s\n", s->next,
                   e->statement ? e->statement : e->message);
    assert_true(len > 0 && (size_t)len < sizeof(s->line));
    ts_event_init(ev);
    ev->kind = (ts_event_kind)e->kind;
    ev->time_us = when(e->time);
    ev->account = e->account;
    ev->database = e->database;
    ev->application = e->application;
    ev->client_host = e->client;
    ev->session_id = e->session;
    ev->statement_id = e->stmt_id ? e->stmt_id : -1;
    ev->substatement_id = e->stmt_id ? 1 : -1;
    ev->audit_type = e->audit_type;
    ev->audit_class = e->audit_class;
    ev->command = e->command;
    ev->object_type = e->object ? "TABLE" : NULL;
    ev->object_name = e->object;
    ev->statement = e->statement;
    ev->sqlstate = e->sqlstate;
    ev->message = e->message;
    ev->query = e->query;
    entry->record = (const uint8_t *)s->line;
    entry->record_len = (size_t)len;
    entry->position = s->next * 1000;
    entry->end_position = s->next * 1000 + 1000;
    entry->line = s->next + 1;
    entry->end_line = s->next + 2;
    entry->observed_us = when("2024-04-10");
    s->next++;
    return 1;
}

static int list_seek(ts_source *src, uint64_t position, uint64_t line,
                     ts_error *err)
{
    (void)line;
    (void)err;
    ((list_source *)src)->next = (size_t)(position / 1000);
    return 0;
}

static void list_free(ts_source *src)
{
    (void)src;
}

static void test_through_store(void **state)
{
    static const ts_source_ops ops = {list_next, list_seek, list_free};
    list_source src;
    ts_ingest_options io = {0, 0, NULL, NULL, 0};
    ts_ingest_stats stats;
    ts_report_options opts;
    ts_report_result res;
    ts_store *store = NULL;
    char dir[256], path[300], out[300], controls[300], file[400];
    sheet_rows *rows = malloc(sizeof(*rows));
    ts_error err;
    size_t r = 0;
    char *xml;
    (void)state;

    assert_non_null(rows);
    make_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/store.db", dir);
    snprintf(out, sizeof(out), "%s/report", dir);
    snprintf(controls, sizeof(controls), "%s/controls.yaml", dir);
    write_text(controls, "version: 1\n"
                         "data_classes:\n"
                         "  - id: ssn\n"
                         "    column_patterns: [ssn]\n"
                         "controls: []\n");
    memset(&src, 0, sizeof(src));
    src.base.ops = &ops;
    memset(src.base.key, 'a', TS_SOURCE_KEY_SIZE - 1);
    src.base.name = "list";
    src.base.format = "test";
    src.base.config = "";
    if (ts_store_create(&store, path, &err) != 0)
        fail_msg("%s", err.msg);
    if (ts_store_ingest(store, &src.base, &io, &stats, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(stats.entries_sealed, N_EVENTS);

    memset(&opts, 0, sizeof(opts));
    opts.since_us = when("2024-03-01");
    opts.until_us = when("2024-04-01");
    opts.out_dir = out;
    opts.controls_path = controls;
    if (ts_report_write(store, &opts, &res, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(res.verdict, TS_VERDICT_INTACT);
    /* every entry is sealed: the unsealed-in-test failed login counts */
    assert_int_equal(result_rows(&res, "Failed logins"), 3);
    assert_int_equal(result_rows(&res, "Privileged & DDL"), 5);
    xml = sheet_xml(res.workbook_path, 1);
    parse_rows(xml, rows);
    assert_non_null(find_row(rows, "verification", NULL, &r));
    assert_string_equal(rows->cell[r][1], "intact");
    assert_non_null(find_row(rows, "store path", NULL, &r));
    assert_string_equal(rows->cell[r][1], path);
    assert_non_null(find_row(rows, "checkpoint tree size", NULL, &r));
    snprintf(out, sizeof(out), "%zu", N_EVENTS);
    assert_string_equal(rows->cell[r][1], out);
    free(xml);
    xml = sheet_xml(res.workbook_path, DATA_SHEET(3));
    parse_rows(xml, rows);
    assert_non_null(find_row(rows, "bob", "public.customers", &r));
    assert_string_equal(rows->cell[r][2], "ssn");
    assert_string_equal(rows->cell[r][3], "2");
    free(xml);

    /* a report into the same directory that fails half way (a population
     * that is not SQL) leaves none of the earlier pack behind */
    snprintf(out, sizeof(out), "%s/report", dir);
    write_text(controls, "version: 1\n"
                         "controls:\n"
                         "  - id: X-1\n"
                         "    title: broken\n"
                         "    criteria: [CC7.2]\n"
                         "    population: SELECT FROM nowhere at all\n");
    assert_int_not_equal(ts_report_write(store, &opts, &res, &err), 0);
    snprintf(file, sizeof(file), "%s/evidence.xlsx", out);
    assert_int_not_equal(access(file, F_OK), 0);
    snprintf(file, sizeof(file), "%s/results.json", out);
    assert_int_not_equal(access(file, F_OK), 0);

    /* a malformed controls.yaml is refused before anything is written */
    write_text(controls, "version: 1\ndata_classes: [\n");
    snprintf(out, sizeof(out), "%s/report2", dir);
    opts.out_dir = out;
    assert_int_equal(ts_report_write(store, &opts, &res, &err), TS_EINVAL);
    assert_non_null(strstr(err.msg, "controls.yaml:3:"));
    assert_int_not_equal(access(out, F_OK), 0);

    ts_store_free(store);
    rm_tree(dir);
    free(rows);
}

/* The sample lane's spool gives back exactly the rows asked for, skipping
 * the others, with empty and long items. */
static void test_item_spool(void **state)
{
    char dir[] = "/tmp/ts-spool-XXXXXX", label[64];
    static const uint64_t want[] = {1, 2, 500, 999, 1000};
    ts_control_item got[5];
    ts_item_spool spool;
    char *big = malloc(100001);
    ts_error err;

    (void)state;
    assert_non_null(big);
    memset(big, 'x', 100000);
    big[100000] = '\0';
    assert_non_null(mkdtemp(dir));
    assert_int_equal(ts_item_spool_open(&spool, dir, &err), 0);
    for (int i = 1; i <= 1000; i++) {
        snprintf(label, sizeof(label), "item %d", i);
        assert_int_equal(ts_item_spool_add(&spool, i == 2 ? -1 : 10 * i,
                                           i == 2 ? INT64_MIN : 1000 + i,
                                           i == 500               ? ""
                                           : i >= 998 && i <= 999 ? big
                                                                  : label,
                                           &err),
                         0);
    }
    assert_int_equal(spool.rows, 1000);
    assert_int_equal(ts_item_spool_read(&spool, want, 5, got, &err), 0);
    assert_int_equal(got[0].row, 1);
    assert_int_equal(got[0].entry_index, 10);
    assert_int_equal(got[0].time_us, 1001);
    assert_string_equal(got[0].item, "item 1");
    assert_int_equal(got[1].entry_index, -1);
    assert_true(got[1].time_us == INT64_MIN);
    assert_string_equal(got[2].item, "");
    assert_int_equal(got[2].row, 500);
    assert_string_equal(got[3].item, big);
    assert_int_equal(got[4].row, 1000);
    assert_int_equal(got[4].entry_index, 10000);
    assert_string_equal(got[4].item, "item 1000");
    assert_null(got[4].reasons);
    assert_int_equal(got[4].waiver, -1);
    for (int i = 0; i < 5; i++)
        free(got[i].item);
    /* a row past the end is an error, not a read of garbage */
    static const uint64_t past[] = {1001};
    memset(got, 0, sizeof(got));
    assert_int_not_equal(ts_item_spool_read(&spool, past, 1, got, &err), 0);
    assert_non_null(strstr(err.msg, "row 1001 missing"));
    free(got[0].item);
    ts_item_spool_close(&spool);
    /* the spool was unlinked as soon as it was open */
    assert_int_equal(rmdir(dir), 0);
    free(big);
}

/* :min_seq from event_spans: the start of the first run of entries whose
 * newest time reaches the period, and 0 whenever the spans cannot tell. */
static void test_min_seq(void **state)
{
    sqlite3 *db = NULL;
    int64_t got = -1;
    ts_error err;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "CREATE TABLE events(seq INTEGER PRIMARY KEY);"
                     "CREATE TABLE event_spans(bucket INTEGER PRIMARY KEY,"
                     " min_time_us INTEGER, max_time_us INTEGER);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    /* an empty index */
    assert_int_equal(ts_report_min_seq(db, 100, &got, &err), 0);
    assert_int_equal(got, 0);
    /* three runs of entries: times 0-99, 100-199, 150-299 (the last
     * overlapping its neighbour, as two sources interleaved do) */
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO events VALUES (0), (1024), (2500);"
                     "INSERT INTO event_spans VALUES (0, 0, 99), (1, 100, 199),"
                     " (2, 150, 299);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(ts_report_min_seq(db, INT64_MIN, &got, &err), 0);
    assert_int_equal(got, 0);
    assert_int_equal(ts_report_min_seq(db, 50, &got, &err), 0);
    assert_int_equal(got, 0);
    assert_int_equal(ts_report_min_seq(db, 100, &got, &err), 0);
    assert_int_equal(got, 1024);
    assert_int_equal(ts_report_min_seq(db, 199, &got, &err), 0);
    assert_int_equal(got, 1024);
    assert_int_equal(ts_report_min_seq(db, 200, &got, &err), 0);
    assert_int_equal(got, 2048);
    /* after every event: past the last run, so a scan reads nothing */
    assert_int_equal(ts_report_min_seq(db, 300, &got, &err), 0);
    assert_int_equal(got, 3072);
    /* spans that stop short of the newest entry rule nothing out */
    assert_int_equal(
        sqlite3_exec(db, "INSERT INTO events VALUES (5000);", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(ts_report_min_seq(db, 300, &got, &err), 0);
    assert_int_equal(got, 0);
    sqlite3_close(db);
}

/* v_event_days's rows in one text, from the view or the report's copy. */
#define EVENT_DAYS_ROWS_SQL(from)                                              \
    "SELECT group_concat(quote(source_id) || ',' || quote(format) || ','"      \
    " || quote(source) || ',' || quote(day) || ',' || quote(account) || ','"   \
    " || quote(events) || ',' || quote(first_entry_index) || ','"              \
    " || quote(first_time_us) || ',' || quote(last_time_us), ';')"             \
    " FROM " from

/* The first column of sql's first row, copied. */
static char *first_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    char *text;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    text = strdup((const char *)sqlite3_column_text(st, 0));
    assert_non_null(text);
    sqlite3_finalize(st);
    return text;
}

/* The report's v_event_days holds the view's rows in the view's order:
 * accounts NULL, empty and differing only in case or length, several
 * sources and days, times before 1970, events of no time or of an unknown
 * source (in no row). */
static void test_event_days(void **state)
{
    sqlite3 *db;
    ts_error err;
    char *want, *got;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    exec_ok(db, ts_index_schema_sql);
    exec_ok(
        db,
        "INSERT INTO event_kinds VALUES(0, 'audit');"
        "INSERT INTO sources(id, key, name, format, config) VALUES"
        " (1, 'a', 'a.log', 'pg-stderr', ''), (2, 'b', 'b.log', 'pg-csv', '');"
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n"
        "  WHERE i < 2999)"
        "INSERT INTO events(seq, source_id, line, kind, time_us, account)"
        " SELECT i, CASE WHEN i % 97 = 0 THEN 3 ELSE 1 + i % 2 END, i, 0,"
        "  CASE WHEN i % 50 = 0 THEN NULL"
        "       WHEN i % 7 = 0 THEN -86400000000 * (i % 3) - i"
        "       ELSE 1790000000000000 + (i % 5) * 86400000000 + i * 1000"
        "  END,"
        "  CASE i % 6 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'alice'"
        "   WHEN 3 THEN 'Alice' WHEN 4 THEN 'alice2' ELSE 'bob' END"
        " FROM n;");
    want = first_text(db, EVENT_DAYS_ROWS_SQL("main.v_event_days"));
    assert_int_equal(ts_report_event_days(db, INT64_MAX, NULL, &err), 0);
    got = first_text(db, EVENT_DAYS_ROWS_SQL("temp.v_event_days"));
    assert_true(strlen(want) > 1000); /* many groups, not an empty match */
    assert_string_equal(got, want);
    free(got);
    /* a second run replaces the copy rather than adding to it */
    assert_int_equal(ts_report_event_days(db, INT64_MAX, NULL, &err), 0);
    got = first_text(db, EVENT_DAYS_ROWS_SQL("temp.v_event_days"));
    assert_string_equal(got, want);
    free(got);
    free(want);
    /* identity ids far apart (not ingest's 1, 2, 3...): the same rows */
    exec_ok(db, "INSERT INTO event_identities(id, account)"
                " VALUES(1000000000, 'zed');"
                "INSERT INTO event_rows(seq, source_id, line, kind, time_us,"
                " identity_id) VALUES(5000, 1, 1, 0, 1790000000000000,"
                " 1000000000)");
    want = first_text(db, EVENT_DAYS_ROWS_SQL("main.v_event_days"));
    assert_non_null(strstr(want, "'zed'"));
    assert_int_equal(ts_report_event_days(db, INT64_MAX, NULL, &err), 0);
    got = first_text(db, EVENT_DAYS_ROWS_SQL("temp.v_event_days"));
    assert_string_equal(got, want);
    free(want);
    free(got);
    sqlite3_close(db);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const ts_name_item *)a)->name,
                  ((const ts_name_item *)b)->name);
}

/* The audit events' object names sorted and joined by ',' (released by the
 * caller), from ts_report_event_days. */
static char *audit_object_names(sqlite3 *db)
{
    ts_name_set names;
    ts_error err;
    char *joined;
    size_t len = 1;

    memset(&names, 0, sizeof(names));
    assert_int_equal(ts_report_event_days(db, INT64_MAX, &names, &err), 0);
    qsort(names.items, names.map.n, sizeof(*names.items), by_name);
    for (size_t i = 0; i < names.map.n; i++)
        len += strlen(names.items[i].name) + 1;
    joined = calloc(1, len);
    assert_non_null(joined);
    for (size_t i = 0; i < names.map.n; i++) {
        if (i > 0)
            strcat(joined, ",");
        strcat(joined, names.items[i].name);
    }
    ts_name_set_release(&names);
    return joined;
}

/* The object names of the audit events, from their texts: those of the
 * texts the events name, whatever the texts' ids (ingest's 1, 2, 3... or
 * ids a billion apart, which must not cost memory in proportion), and
 * none for an id no text has. */
static void test_audit_object_names(void **state)
{
    sqlite3 *db;
    char *got;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    exec_ok(db, ts_index_schema_sql);
    exec_ok(db, "INSERT INTO event_kinds VALUES(0, 'audit'), (1, 'error');"
                "INSERT INTO sources(id, key, name, format, config)"
                " VALUES(1, 'a', 'a.log', 'pg-stderr', '');"
                "INSERT INTO event_texts(id, key_hash, statement, object_name,"
                " object_table) VALUES (1, 0, 's', 'public.a', 'a'),"
                " (2, 0, 's', 'public.b', 'b'), (3, 0, 's', 'public.c', 'c'),"
                " (4, 0, 's', NULL, NULL);"
                "INSERT INTO event_rows(seq, source_id, line, kind, time_us,"
                " text_id) VALUES (0, 1, 1, 0, 1, 1), (1, 1, 2, 0, 1, 3),"
                " (2, 1, 3, 1, 1, 2), (3, 1, 4, 0, 1, 4), (4, 1, 5, 0, 1, 9),"
                " (5, 1, 6, 0, 1, 1)");
    /* text 2 is an error's, 4 has no object, 9 does not exist */
    got = audit_object_names(db);
    assert_string_equal(got, "public.a,public.c");
    free(got);
    exec_ok(db, "INSERT INTO event_texts(id, key_hash, statement, object_name,"
                " object_table) VALUES (1000000000000, 0, 's', 'public.far',"
                " 'far'), (-5, 0, 's', 'public.negative', 'negative');"
                "INSERT INTO event_rows(seq, source_id, line, kind, time_us,"
                " text_id) VALUES (6, 1, 7, 0, 1, 1000000000000),"
                " (7, 1, 8, 0, 1, 999999999999), (8, 1, 9, 0, 1, -5)");
    got = audit_object_names(db);
    assert_string_equal(got, "public.a,public.c,public.far,public.negative");
    free(got);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workbook_sheets),
        cmocka_unit_test(test_min_seq),
        cmocka_unit_test(test_event_days),
        cmocka_unit_test(test_audit_object_names),
        cmocka_unit_test(test_privileged_and_scope),
        cmocka_unit_test(test_personal_data_sheets),
        cmocka_unit_test(test_cover),
        cmocka_unit_test(test_hostile_cell_text),
        cmocka_unit_test(test_row_limit),
        cmocka_unit_test(test_checkpoint_parse),
        cmocka_unit_test(test_out_dir_refused),
        cmocka_unit_test(test_controls_malformed),
        cmocka_unit_test(test_controls_shipped),
        cmocka_unit_test(test_ddl_columns),
        cmocka_unit_test(test_personal_tables),
        cmocka_unit_test(test_through_store),
        cmocka_unit_test(test_item_spool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
