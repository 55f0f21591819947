/* Query tests: search filters, paging, time periods and spans, sessions,
 * timeline, who, output escaping, and every error, over stores built
 * through the public API from the real pgAudit log plus crafted logs. */
#define _GNU_SOURCE /* open_memstream, strcasestr */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "store/store_internal.h" /* the connection, to watch plans */
#include "test_stores.h"
#include "trailseal/trailseal.h"

#define PREFIX "%m [%p] %q%u@%d/%a %r %c %e "
#define REAL_LOG TS_TEST_DATA_DIR "/../e2e/data/pg15-pgaudit.log"
#define MAX_ROWS 16384

/* A crafted log: Q3 and Q4 times, another database and a second
 * "customers" table, CSV quoting and a continuation line, a permission
 * error with its STATEMENT, TLS, and a line that is not a log line. */
static const char crafted_log[] =
    "2026-07-15 10:00:00.000 UTC [100] [unknown]@[unknown]/[unknown] "
    "10.0.0.9(5000) 6b000001.64 00000 LOG:  connection received: "
    "host=10.0.0.9 port=5000\n"
    "2026-07-15 10:00:00.010 UTC [100] carol@hr/[unknown] 10.0.0.9(5000) "
    "6b000001.64 00000 LOG:  connection authorized: user=carol database=hr "
    "application_name=metabase SSL enabled (protocol=TLSv1.3, "
    "cipher=TLS_AES_256_GCM_SHA384, bits=256)\n"
    "2026-07-15 10:00:01.000 UTC [100] carol@hr/metabase 10.0.0.9(5000) "
    "6b000001.64 00000 LOG:  AUDIT: SESSION,1,1,READ,SELECT,TABLE,"
    "hr.customers,\"SELECT name, \"\"ssn\"\" FROM hr.customers WHERE note = "
    "'a,b'\n\t  AND id = 1;\",<none>\n"
    "2026-09-30 23:59:59.000 UTC [100] carol@hr/metabase 10.0.0.9(5000) "
    "6b000001.64 00000 LOG:  AUDIT: SESSION,2,1,WRITE,DELETE,TABLE,"
    "hr.payroll,DELETE FROM hr.payroll WHERE id = 7;,<none>\n"
    "2026-10-01 00:00:00.000 UTC [100] carol@hr/metabase 10.0.0.9(5000) "
    "6b000001.64 42501 ERROR:  permission denied for table salaries\n"
    "2026-10-01 00:00:00.000 UTC [100] carol@hr/metabase 10.0.0.9(5000) "
    "6b000001.64 42501 STATEMENT:  SELECT * FROM hr.salaries;\n"
    "this line is \xff not a log line\n"
    "2026-10-01 00:00:05.000 UTC [100] carol@hr/metabase 10.0.0.9(5000) "
    "6b000001.64 00000 LOG:  disconnection: session time: 0:00:05.000 "
    "user=carol database=hr host=10.0.0.9 port=5000\n";

/* A copy of a row, owning its strings. */
typedef struct row_copy {
    ts_search_row r;
    char *s[14];
} row_copy;

typedef struct rows {
    row_copy *v;
    size_t n;
} rows;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int collect(void *ctx, const ts_search_row *row)
{
    rows *rs = ctx;
    row_copy *c;

    assert_true(rs->n < MAX_ROWS);
    c = &rs->v[rs->n++];
    c->r = *row;
    const char **fields[] = {
        &c->r.source,   &c->r.session_id,  &c->r.account,
        &c->r.database, &c->r.application, &c->r.client_host,
        &c->r.command,  &c->r.object_name, &c->r.statement,
        &c->r.message,  &c->r.sqlstate,    &c->r.unparsed_reason};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        c->s[i] = dup_or_null(*fields[i]);
        *fields[i] = c->s[i];
    }
    return 0;
}

static void rows_init(rows *rs)
{
    rs->v = calloc(MAX_ROWS, sizeof(row_copy));
    assert_non_null(rs->v);
    rs->n = 0;
}

static void rows_clear(rows *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        for (size_t j = 0; j < 14; j++)
            free(rs->v[i].s[j]);
    rs->n = 0;
}

static void rows_free(rows *rs)
{
    rows_clear(rs);
    free(rs->v);
}

typedef struct fixture {
    char dir[64];
    char path[128];
    ts_store *store;
    rows all; /* every event, oldest first */
    rows got;
} fixture;

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void ingest(ts_store *store, const char *path)
{
    ts_ingest_options opts = {0, 0, NULL, NULL, 0};
    ts_ingest_stats st;
    ts_source *src = NULL;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_source_open_file(&src, "pg-stderr", PREFIX, path, &err),
                     0);
    assert_int_equal(ts_store_ingest(store, src, &opts, &st, &err), 0);
    ts_source_free(src);
}

static int run(fixture *fx, const ts_search_query *q)
{
    ts_error err;
    size_t n = 0;
    int rc;

    rows_clear(&fx->got);
    ts_error_clear(&err);
    rc = ts_search(fx->store, q, collect, &fx->got, &n, &err);
    if (rc != 0)
        print_message("search: %s\n", err.msg);
    if (rc == 0)
        assert_int_equal(n, fx->got.n);
    return rc;
}

/* Runs timeline query q into fx->got, which must succeed: how many rows. */
static size_t run_timeline(fixture *fx, const ts_timeline_query *q)
{
    ts_error err;

    rows_clear(&fx->got);
    ts_error_clear(&err);
    assert_int_equal(ts_timeline(fx->store, q, collect, &fx->got, NULL, &err),
                     0);
    return fx->got.n;
}

/* The command of generated record i (mixed: see setup_generated_mixed). */
static const char *generated_command(int i, int mixed)
{
    if (mixed && i % 997 == 0)
        return "GRANT";
    if (mixed && ((i >= 4000 && i < 4300) || (i >= 6050 && i < 6060)))
        return "DELETE";
    return "SELECT";
}

/* generated: 0 for the real and crafted logs, else that many generated
 * audit records; mixed: some of them other commands and databases. */
static int setup_common(void **state, int generated, int mixed)
{
    fixture *fx = calloc(1, sizeof(*fx));
    char log[160];
    ts_search_query q;
    ts_error err;

    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/ts-test-query-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof(fx->path), "%s/q.db", fx->dir);
    ts_error_clear(&err);
    assert_int_equal(ts_store_create(&fx->store, fx->path, &err), 0);
    if (generated) {
        /* Audit records one second apart, accounts and tables in turn:
         * several span buckets, and indexes long enough for the search
         * planner's probes to matter. */
        size_t size = (size_t)generated * 256, len = 0;
        char *text = malloc(size);
        assert_non_null(text);
        for (int i = 0; i < generated; i++) {
            const char *command = generated_command(i, mixed);
            int n = snprintf(
                text + len, size - len,
                "2026-08-01 %02d:%02d:%02d.000 UTC [%d] u%d@%s/app 1.2.3.4(9)"
                " 6a000000.%x 00000 LOG:  AUDIT: SESSION,%d,1,READ,%s,TABLE,"
                "public.t%d,%s x FROM public.t%d;,<none>\n",
                i / 3600, i / 60 % 60, i % 60, 200 + i % 7, i % 3,
                mixed && i >= 6000 && i < 6100 ? "hr" : "db", i % 7, i + 1,
                command, i % 5, command, i % 5);
            assert_true(n > 0 && (size_t)n < size - len);
            len += (size_t)n;
        }
        snprintf(log, sizeof(log), "%s/gen.log", fx->dir);
        write_file(log, text, len);
        free(text);
        ingest(fx->store, log);
    } else {
        ingest(fx->store, REAL_LOG);
        snprintf(log, sizeof(log), "%s/crafted.log", fx->dir);
        write_file(log, crafted_log, sizeof(crafted_log) - 1);
        ingest(fx->store, log);
    }
    rows_init(&fx->all);
    rows_init(&fx->got);
    ts_search_query_init(&q);
    q.oldest_first = 1;
    q.limit = MAX_ROWS;
    assert_int_equal(ts_search(fx->store, &q, collect, &fx->all, NULL, &err),
                     0);
    *state = fx;
    return 0;
}

static int setup_logs(void **state)
{
    return setup_common(state, 0, 0);
}

static int setup_generated(void **state)
{
    return setup_common(state, 6000, 0);
}

/* More pgAudit records of one text than search probes for
 * (TS_SEARCH_TEXT_PROBE, 10000): "x" is in every one. */
static int setup_generated_dense(void **state)
{
    return setup_common(state, 12000, 0);
}

/* 12,000 generated records over 12 buckets: 13 GRANTs spread over all of
 * them, 310 DELETEs (records 4000-4299 and 6050-6059), 100 of database
 * "hr" (6000-6099, ten of them DELETEs), the rest SELECT on "db". */
static int setup_generated_mixed(void **state)
{
    return setup_common(state, 12000, 1);
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[128];

    ts_store_free(fx->store);
    rows_free(&fx->all);
    rows_free(&fx->got);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

typedef int (*pred_fn)(const ts_search_row *r, const void *arg);

/* q's results must be exactly the rows of `all` that pred accepts, in q's
 * order; returns how many. */
static size_t expect_rows(fixture *fx, ts_search_query *q, pred_fn pred,
                          const void *arg)
{
    size_t want[MAX_ROWS], n_want = 0;

    q->limit = MAX_ROWS;
    for (size_t i = 0; i < fx->all.n; i++)
        if (pred(&fx->all.v[i].r, arg))
            want[n_want++] = i;
    assert_int_equal(run(fx, q), 0);
    assert_int_equal(fx->got.n, n_want);
    for (size_t i = 0; i < n_want; i++) {
        size_t j = q->oldest_first ? want[i] : want[n_want - 1 - i];
        assert_int_equal(fx->got.v[i].r.entry_index,
                         fx->all.v[j].r.entry_index);
    }
    return n_want;
}

/* expect_rows() for q newest first, then oldest first: how many. */
static size_t expect_both_orders(fixture *fx, const ts_search_query *q,
                                 pred_fn pred, const void *arg)
{
    size_t n = 0;

    for (int order = 0; order < 2; order++) {
        ts_search_query each = *q;
        each.oldest_first = order;
        n = expect_rows(fx, &each, pred, arg);
    }
    return n;
}

static int eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int by_account(const ts_search_row *r, const void *arg)
{
    return eq(r->account, arg);
}

static int by_database(const ts_search_row *r, const void *arg)
{
    return eq(r->database, arg);
}

static int by_session(const ts_search_row *r, const void *arg)
{
    return eq(r->session_id, arg);
}

static int by_command(const ts_search_row *r, const void *arg)
{
    return eq(r->command, arg);
}

static int by_kind(const ts_search_row *r, const void *arg)
{
    return (int)r->kind == *(const int *)arg;
}

static int by_kind_of_bob(const ts_search_row *r, const void *arg)
{
    return eq(r->account, "bob") && (int)r->kind == *(const int *)arg &&
           (r->kind != TS_EVENT_AUDIT || eq(r->command, "SELECT"));
}

static int by_outcome(const ts_search_row *r, const void *arg)
{
    return (int)r->outcome == *(const int *)arg;
}

static int by_source_tail(const ts_search_row *r, const void *arg)
{
    const char *s = arg;
    size_t n = r->source ? strlen(r->source) : 0, m = strlen(s);
    return n > m && strcmp(r->source + n - m, s) == 0 &&
           r->source[n - m - 1] == '/';
}

static int by_object(const ts_search_row *r, const void *arg)
{
    const char *o = r->object_name, *dot;
    if (o == NULL)
        return 0;
    if (strchr(arg, '.'))
        return strcasecmp(o, arg) == 0;
    dot = strchr(o, '.');
    return strcasecmp(dot ? dot + 1 : o, arg) == 0;
}

typedef struct span {
    int64_t since, until;
} span;

static int by_time(const ts_search_row *r, const void *arg)
{
    const span *s = arg;
    return r->time_us != TS_UNKNOWN_TIME && r->time_us >= s->since &&
           r->time_us < s->until;
}

static int text_has(const ts_search_row *r, const char *word)
{
    return (r->statement && strcasestr(r->statement, word)) ||
           (r->message && strcasestr(r->message, word)) ||
           (r->object_name && strcasestr(r->object_name, word));
}

static int64_t at(const char *text)
{
    int64_t t = 0;
    assert_int_equal(ts_time_parse(text, &t, NULL), 0);
    return t;
}

static void test_filters(void **state)
{
    fixture *fx = *state;
    ts_search_query q;
    int v;

    assert_int_equal(fx->all.n, 77 + 7);
    for (int order = 0; order < 2; order++) {
        ts_search_query_init(&q);
        q.oldest_first = order;
        q.account = "alice";
        assert_int_equal(expect_rows(fx, &q, by_account, "alice") > 10, 1);

        ts_search_query_init(&q);
        q.oldest_first = order;
        q.database = "hr";
        assert_int_equal(expect_rows(fx, &q, by_database, "hr"), 5);
    }

    ts_search_query_init(&q);
    q.session_id = "6b02701d.1a48";
    assert_int_equal(expect_rows(fx, &q, by_session, "6b02701d.1a48"), 6);

    ts_search_query_init(&q);
    q.command = "delete"; /* case-insensitive */
    assert_int_equal(expect_rows(fx, &q, by_command, "DELETE"), 1);

    ts_search_query_init(&q);
    q.command = "SELECT";
    assert_true(expect_rows(fx, &q, by_command, "SELECT") > 5);

    ts_search_query_init(&q);
    q.source = "crafted.log";
    assert_int_equal(expect_rows(fx, &q, by_source_tail, "crafted.log"), 7);
    q.source = "afted.log"; /* a tail must start at a '/' */
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 0);

    v = TS_EVENT_AUDIT;
    ts_search_query_init(&q);
    q.kind = v;
    assert_int_equal(expect_rows(fx, &q, by_kind, &v), 39 + 2);

    v = TS_EVENT_UNPARSED;
    q.kind = v;
    assert_int_equal(expect_rows(fx, &q, by_kind, &v), 1);
    assert_string_equal(fx->got.v[0].r.unparsed_reason ? "reason" : "none",
                        "reason");
    assert_non_null(strstr(fx->got.v[0].r.source, "crafted.log"));
    assert_int_equal(fx->got.v[0].r.line, 8);

    /* Denied: the failed login and two permission errors. */
    v = TS_OUTCOME_DENIED;
    ts_search_query_init(&q);
    q.outcome = TS_OUTCOME_DENIED;
    assert_int_equal(expect_rows(fx, &q, by_outcome, &v), 3);
    q.oldest_first = 1; /* two walks merged, either way */
    assert_int_equal(expect_rows(fx, &q, by_outcome, &v), 3);
    q.limit = 2;
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 2);
    q.oldest_first = 0;
    v = TS_OUTCOME_ERROR;
    q.outcome = TS_OUTCOME_ERROR;
    assert_int_equal(expect_rows(fx, &q, by_outcome, &v), 0);
    v = TS_OUTCOME_OK;
    q.outcome = TS_OUTCOME_OK;
    assert_int_equal(expect_rows(fx, &q, by_outcome, &v), 84 - 3);

    /* Objects: qualified is exact (any case), unqualified any schema. */
    ts_search_query_init(&q);
    q.object = "PUBLIC.Customers";
    assert_int_equal(expect_rows(fx, &q, by_object, "public.customers"), 8);
    q.object = "customers";
    assert_int_equal(expect_rows(fx, &q, by_object, "customers"), 9);
    q.object = "hr.customers";
    assert_int_equal(expect_rows(fx, &q, by_object, "hr.customers"), 1);
    q.object = "public.customers_export"; /* never accessed, only made */
    assert_int_equal(expect_rows(fx, &q, by_object, q.object), 0);

    /* Several indexed filters: whichever index drives, the rows are the
     * same, in order. */
    {
        static const int kinds[] = {TS_EVENT_AUDIT, TS_EVENT_ERROR};
        for (int order = 0; order < 2; order++) {
            for (size_t k = 0; k < 2; k++) {
                ts_search_query_init(&q);
                q.oldest_first = order;
                q.account = "bob";
                q.kind = kinds[k];
                q.command = k == 0 ? "select" : NULL;
                v = kinds[k];
                size_t n = expect_rows(fx, &q, by_kind_of_bob, &v);
                assert_int_equal(n, 1);
            }
        }
    }

    /* Two filters at once. */
    ts_search_query_init(&q);
    q.account = "alice";
    q.object = "customers";
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 5);
    for (size_t i = 0; i < fx->got.n; i++)
        assert_string_equal(fx->got.v[i].r.account, "alice");
}

static void test_periods(void **state)
{
    fixture *fx = *state;
    ts_search_query q;
    span s;
    int64_t lo, hi;

    /* The whole third quarter: the crafted session up to 30 September. */
    assert_int_equal(ts_time_parse_period("2026-Q3", 0, &lo, &hi, NULL), 0);
    ts_search_query_init(&q);
    q.since_us = lo;
    q.until_us = hi;
    s.since = lo;
    s.until = hi;
    assert_int_equal(expect_rows(fx, &q, by_time, &s), 4);

    /* From October: the real log and the crafted log's end. */
    assert_int_equal(ts_time_parse_period("2026-10", 0, &lo, &hi, NULL), 0);
    ts_search_query_init(&q);
    q.since_us = lo;
    s.since = lo;
    s.until = INT64_MAX;
    assert_int_equal(expect_rows(fx, &q, by_time, &s), 77 + 2);

    /* Before 2026: nothing. */
    ts_search_query_init(&q);
    q.until_us = at("2026-01-01");
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 0);
}

static void test_full_text(void **state)
{
    fixture *fx = *state;
    ts_search_query q;
    size_t n;

    ts_search_query_init(&q);
    q.text = "ssn";
    q.limit = MAX_ROWS;
    assert_int_equal(run(fx, &q), 0);
    n = fx->got.n;
    assert_true(n >= 8);
    for (size_t i = 0; i < n; i++) {
        assert_true(text_has(&fx->got.v[i].r, "ssn"));
        if (i > 0) /* newest first */
            assert_true(fx->got.v[i].r.entry_index <
                        fx->got.v[i - 1].r.entry_index);
    }

    /* With a filter and LIMIT: the newest matches of that account. */
    q.account = "agent_langchain";
    q.limit = 1;
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 1);
    assert_string_equal(fx->got.v[0].r.account, "agent_langchain");
    assert_non_null(strstr(fx->got.v[0].r.statement, "ml.training_rows"));

    /* A phrase, a prefix, a column filter, OR. */
    ts_search_query_init(&q);
    q.text = "\"full_name, ssn\"";
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 1);
    assert_string_equal(fx->got.v[0].r.account, "bob");
    q.text = "salar*";
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 1);
    assert_int_equal(fx->got.v[0].r.outcome, TS_OUTCOME_DENIED);
    q.text = "message: denied";
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 2);
    q.text = "payroll OR salaries";
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 2);

    /* Text within a session and a period. */
    ts_search_query_init(&q);
    q.text = "customers";
    q.session_id = "6b000001.64";
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 1);
    q.since_us = at("2026-08-01");
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 0);
    q.session_id = "no-such-session";
    q.since_us = INT64_MIN;
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 0);
}

static void test_errors(void **state)
{
    static const char *const bad_text[] = {
        "foo AND", "\"unterminated", "nocolumn: foo", "(a OR", "NEAR(a b"};
    fixture *fx = *state;
    ts_search_query q;
    ts_error err;
    int64_t a, b;

    for (size_t i = 0; i < sizeof(bad_text) / sizeof(bad_text[0]); i++) {
        ts_search_query_init(&q);
        q.text = bad_text[i];
        ts_error_clear(&err);
        assert_int_equal(
            ts_search(fx->store, &q, collect, &fx->got, NULL, &err), TS_EINVAL);
        assert_non_null(strstr(err.msg, bad_text[i]));
        assert_null(strstr(err.msg, "fts5"));
        assert_null(strstr(err.msg, "SQL"));
        assert_null(strchr(err.msg, '\n'));
    }
    {
        char long_text[2000];
        memset(long_text, 'a', sizeof(long_text) - 1);
        long_text[sizeof(long_text) - 1] = '\0';
        ts_search_query_init(&q);
        q.text = long_text;
        assert_int_equal(
            ts_search(fx->store, &q, collect, &fx->got, NULL, &err), TS_EINVAL);
        assert_non_null(strstr(err.msg, "longer than"));
        q.oldest_first = 1;
        q.text = NULL;
        q.after = INT64_MAX;
        assert_int_equal(run(fx, &q), 0);
        assert_int_equal(fx->got.n, 0);
    }
    ts_search_query_init(&q);
    q.object = "";
    assert_int_equal(ts_search(fx->store, &q, collect, &fx->got, NULL, &err),
                     TS_EINVAL);
    q.object = ".customers";
    assert_int_equal(ts_search(fx->store, &q, collect, &fx->got, NULL, &err),
                     TS_EINVAL);
    ts_search_query_init(&q);
    q.after = -5;
    assert_int_equal(ts_search(fx->store, &q, collect, &fx->got, NULL, &err),
                     TS_EINVAL);

    {
        ts_timeline_query t;
        ts_timeline_query_init(&t);
        assert_int_equal(
            ts_timeline(fx->store, &t, collect, &fx->got, NULL, &err),
            TS_EINVAL);
        t.account = "bob";
        t.after = 999999;
        assert_int_equal(
            ts_timeline(fx->store, &t, collect, &fx->got, NULL, &err),
            TS_EINVAL);
    }

    static const char *const bad_time[] = {
        "2026-Q5",    "2026-13",   "7x", "d",      "yesterday",
        "2026-02-30", "12345678d", "",   "2026-1", "2026-11-22T25:00"};
    for (size_t i = 0; i < sizeof(bad_time) / sizeof(bad_time[0]); i++) {
        ts_error_clear(&err);
        assert_int_equal(ts_time_parse_period(bad_time[i], 0, &a, &b, &err),
                         TS_EINVAL);
        assert_non_null(strstr(err.msg, "not a time"));
    }
    assert_int_equal(ts_outcome_parse("maybe"), -1);
    assert_int_equal(ts_outcome_parse("denied"), TS_OUTCOME_DENIED);
}

static void test_time_periods(void **state)
{
    const int64_t now = at("2026-11-22 12:00:00");
    int64_t a, b;

    (void)state;
    assert_int_equal(ts_time_parse_period("2026-Q3", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-07-01") && b == at("2026-10-01"));
    assert_int_equal(ts_time_parse_period("2026-q4", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-10-01") && b == at("2027-01-01"));
    assert_int_equal(ts_time_parse_period("2026-11", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-11-01") && b == at("2026-12-01"));
    assert_int_equal(ts_time_parse_period("2026-12", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-12-01") && b == at("2027-01-01"));
    assert_int_equal(ts_time_parse_period("2026", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-01-01") && b == at("2027-01-01"));
    assert_int_equal(ts_time_parse_period("2026-02-28", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-02-28") && b == at("2026-03-01"));
    assert_int_equal(ts_time_parse_period("7d", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-11-15 12:00:00") && b == a);
    assert_int_equal(ts_time_parse_period("12h", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-11-22 00:00:00") && b == a);
    assert_int_equal(ts_time_parse_period("30m", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-11-22 11:30:00"));
    assert_int_equal(ts_time_parse_period("2w", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-11-08 12:00:00"));
    assert_int_equal(ts_time_parse_period("now", now, &a, &b, NULL), 0);
    assert_true(a == now && b == now);
    assert_int_equal(
        ts_time_parse_period("2026-11-22 10:15+01:00", now, &a, &b, NULL), 0);
    assert_true(a == at("2026-11-22 09:15:00") && b == a);
}

/* Paging with --after walks every row once, in both orders, and agrees
 * with one big page. */
static void test_paging(void **state)
{
    fixture *fx = *state;
    ts_search_query q;

    assert_int_equal(fx->all.n, 6000);
    for (int order = 0; order < 2; order++) {
        size_t seen = 0;
        ts_search_query_init(&q);
        q.oldest_first = order;
        q.account = "u1";
        q.limit = 97;
        for (;;) {
            assert_int_equal(run(fx, &q), 0);
            for (size_t i = 0; i < fx->got.n; i++, seen++) {
                size_t k = order ? 1 + 3 * seen : 5998 - 3 * seen;
                assert_int_equal(fx->got.v[i].r.entry_index, k);
            }
            if (fx->got.n < q.limit)
                break;
            q.after = (int64_t)fx->got.v[fx->got.n - 1].r.entry_index;
        }
        assert_int_equal(seen, 2000);
    }
    /* Text search pages the same way. */
    ts_search_query_init(&q);
    q.text = "t3";
    q.limit = 250;
    q.after = 2000;
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 250);
    assert_int_equal(fx->got.v[0].r.entry_index, 1998);
    assert_int_equal(fx->got.v[249].r.entry_index, 1998 - 5 * 249);
}

static int by_u1_t3(const ts_search_row *r, const void *arg)
{
    (void)arg;
    return eq(r->account, "u1") && eq(r->object_name, "public.t3");
}

/* Two common filters, rarer together: the planner merges their index
 * walks; the rows, their order and paging are as a scan says. */
static void test_merged_walk(void **state)
{
    fixture *fx = *state;
    ts_search_query q;

    for (int order = 0; order < 2; order++) {
        ts_search_query_init(&q);
        q.oldest_first = order;
        q.account = "u1";
        q.object = "T3";
        assert_int_equal(expect_rows(fx, &q, by_u1_t3, NULL), 400);
        /* The same through the full-text index merged with the account's. */
        ts_search_query_init(&q);
        q.oldest_first = order;
        q.text = "t3";
        q.account = "u1";
        q.database = "db";
        assert_int_equal(expect_rows(fx, &q, by_u1_t3, NULL), 400);
        ts_search_query_init(&q);
        q.oldest_first = order;
        q.account = "u1";
        q.object = "T3";
        /* A page, then the next one from its last row. */
        q.limit = 150;
        assert_int_equal(run(fx, &q), 0);
        assert_int_equal(fx->got.n, 150);
        uint64_t last = fx->got.v[149].r.entry_index;
        q.after = (int64_t)last;
        assert_int_equal(run(fx, &q), 0);
        assert_int_equal(fx->got.n, 150);
        assert_int_equal(fx->got.v[0].r.entry_index,
                         order ? last + 15 : last - 15);
        /* A row filter on top of the merged walk. */
        ts_search_query_init(&q);
        q.oldest_first = order;
        q.account = "u1";
        q.object = "public.t3";
        q.kind = TS_EVENT_AUDIT;
        q.until_us = at("2026-08-01 00:10:00");
        q.limit = 1000;
        assert_int_equal(run(fx, &q), 0);
        assert_int_equal(fx->got.n, 40); /* 600 s, one in 15 */
    }
}

static int by_time_then_seq(const void *a, const void *b)
{
    const row_copy *x = a, *y = b;
    if (x->r.time_us != y->r.time_us)
        return x->r.time_us < y->r.time_us ? -1 : 1;
    return x->r.entry_index < y->r.entry_index ? -1 : 1;
}

/* A second source whose times interleave with the first: the timeline
 * pages through one account in time order across both, whatever the page
 * size, with and without a period. */
static void test_timeline_paging(void **state)
{
    fixture *fx = *state;
    size_t size = 500 * 256, len = 0;
    char *text = malloc(size), log[160];
    ts_search_query sq;
    ts_timeline_query q;
    rows want;
    ts_error err;

    assert_non_null(text);
    for (int i = 0; i < 500; i++) {
        int t = i * 7, n;
        n = snprintf(text + len, size - len,
                     "2026-08-01 %02d:%02d:%02d.500 UTC [300] u1@db/app "
                     "1.2.3.4(9) 6a000001.1 00000 LOG:  AUDIT: SESSION,%d,1,"
                     "WRITE,UPDATE,TABLE,public.t9,UPDATE public.t9 SET x = "
                     "1;,<none>\n",
                     t / 3600, t / 60 % 60, t % 60, i + 1);
        assert_true(n > 0 && (size_t)n < size - len);
        len += (size_t)n;
    }
    snprintf(log, sizeof(log), "%s/second.log", fx->dir);
    write_file(log, text, len);
    free(text);
    ingest(fx->store, log);

    rows_init(&want);
    ts_search_query_init(&sq);
    sq.account = "u1";
    sq.limit = MAX_ROWS;
    ts_error_clear(&err);
    assert_int_equal(ts_search(fx->store, &sq, collect, &want, NULL, &err), 0);
    assert_int_equal(want.n, 2500);
    qsort(want.v, want.n, sizeof(want.v[0]), by_time_then_seq);

    for (int pass = 0; pass < 3; pass++) {
        static const size_t limits[] = {97, 1000, 3000};
        size_t seen = 0, first = 0, last = want.n;
        ts_timeline_query_init(&q);
        q.account = "u1";
        q.limit = limits[pass];
        if (pass == 1) {
            q.since_us = at("2026-08-01 00:20:00");
            q.until_us = at("2026-08-01 00:40:00");
            while (want.v[first].r.time_us < q.since_us)
                first++;
            for (last = first;
                 last < want.n && want.v[last].r.time_us < q.until_us; last++)
                ;
        }
        for (;;) {
            run_timeline(fx, &q);
            for (size_t i = 0; i < fx->got.n; i++, seen++)
                assert_int_equal(fx->got.v[i].r.entry_index,
                                 want.v[first + seen].r.entry_index);
            if (fx->got.n < q.limit)
                break;
            q.after = (int64_t)fx->got.v[fx->got.n - 1].r.entry_index;
        }
        assert_int_equal(seen, last - first);
    }
    rows_free(&want);
}

/* What the statements a query ran did: sorts and full-scan steps. */
typedef struct plan_stats {
    int sorts, fullscan_steps, statements;
} plan_stats;

static int watch(unsigned type, void *ctx, void *p, void *x)
{
    plan_stats *ps = ctx;
    sqlite3_stmt *st = p;

    (void)x;
    if (type == SQLITE_TRACE_PROFILE) {
        ps->statements++;
        ps->sorts += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_SORT, 1);
        ps->fullscan_steps +=
            sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
    }
    return 0;
}

/* The common searches walk an index in order: no statement sorts, none
 * scans a table, and LIMIT stops the walk (checked with SQLite's own
 * counters, as EXPLAIN QUERY PLAN would show). */
static void test_plans(void **state)
{
    static const char *const accounts[] = {"u1", NULL, "u1", NULL, NULL};
    static const char *const objects[] = {NULL, "t3", "public.t3", NULL, NULL};
    static const char *const commands[] = {NULL, NULL, NULL, "select", NULL};
    static const char *const sessions[] = {NULL, NULL, NULL, NULL,
                                           "6a000000.3"};
    fixture *fx = *state;
    sqlite3 *db = ts_store_sqlite(fx->store);
    ts_search_query q;
    plan_stats ps;

    for (size_t i = 0; i < 5; i++) {
        for (int order = 0; order < 2; order++) {
            memset(&ps, 0, sizeof(ps));
            sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, watch, &ps);
            ts_search_query_init(&q);
            q.oldest_first = order;
            q.account = accounts[i];
            q.object = objects[i];
            q.command = commands[i];
            q.session_id = sessions[i];
            q.limit = 20;
            assert_int_equal(run(fx, &q), 0);
            sqlite3_trace_v2(db, 0, NULL, NULL);
            assert_int_equal(fx->got.n, 20);
            assert_true(ps.statements > 0);
            assert_int_equal(ps.sorts, 0);
            assert_int_equal(ps.fullscan_steps, 0);
        }
    }
    /* Full text with a filter and a period: the text's 1200 pgAudit
     * events, fewer than search probes for, are found by its posting list
     * and sorted once. No table is scanned: the only steps SQLite counts
     * as a scan's are event_texts_fts's matches (one text, a step in each
     * statement that asks). */
    memset(&ps, 0, sizeof(ps));
    sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, watch, &ps);
    ts_search_query_init(&q);
    q.text = "t3";
    q.account = "u2";
    q.since_us = at("2026-08-01 00:30:00");
    q.limit = 20;
    assert_int_equal(run(fx, &q), 0);
    sqlite3_trace_v2(db, 0, NULL, NULL);
    assert_int_equal(fx->got.n, 20);
    assert_int_equal(ps.sorts, 1);
    assert_true(ps.fullscan_steps <= 5);

    /* The counters do count: a timeline sorts (a page of rows). */
    {
        ts_timeline_query t;
        memset(&ps, 0, sizeof(ps));
        sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, watch, &ps);
        ts_timeline_query_init(&t);
        t.account = "u0";
        t.limit = 20;
        run_timeline(fx, &t);
        sqlite3_trace_v2(db, 0, NULL, NULL);
        assert_true(ps.sorts > 0);
    }
}

/* A text search with an account and a period (0: none). */
typedef struct text_filter {
    const char *text, *account;
    int64_t since, until;
} text_filter;

static int by_text_filter(const ts_search_row *r, const void *arg)
{
    const text_filter *f = arg;

    return text_has(r, f->text) &&
           (!f->account || eq(r->account, f->account)) &&
           (!f->since || r->time_us >= f->since) &&
           (!f->until || r->time_us < f->until);
}

/* Runs f as a search, newest and oldest first, against a scan: the count. */
static size_t expect_text(fixture *fx, const text_filter *f)
{
    ts_search_query q;

    ts_search_query_init(&q);
    q.text = f->text;
    q.account = f->account;
    if (f->since)
        q.since_us = f->since;
    if (f->until)
        q.until_us = f->until;
    return expect_both_orders(fx, &q, by_text_filter, f);
}

/* Closes the store and opens it again with flags (0: for writing, which
 * upgrades an older layout). */
static void reopen(fixture *fx, unsigned flags)
{
    reopen_store(&fx->store, fx->path, flags);
}

static int64_t count_sql(fixture *fx, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t n;

    assert_int_equal(
        sqlite3_prepare_v2(ts_store_sqlite(fx->store), sql, -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Each way a layout 4 store finds the text of pgAudit records (schemas/
 * index.sql, "Full text") agrees with a scan: a text in more events than
 * the probe reads (the table read in entry order), one in fewer (its
 * events sorted), either merged with an account's walk, and a rare filter
 * walked alone with the text checked per event. */
static void expect_text_walks(fixture *fx)
{
    const text_filter dense = {"x", NULL, 0, 0}, sparse = {"t3", NULL, 0, 0},
                      dense_u1 = {"x", "u1", 0, 0},
                      sparse_u1 = {"t3", "u1", 0, 0},
                      rare_u1 = {"t3", "u1", at("2026-08-01 00:10:00"),
                                 at("2026-08-01 00:40:00")},
                      none = {"nosuchword", NULL, 0, 0};
    ts_search_query q;
    plan_stats ps;

    assert_int_equal(expect_text(fx, &dense), 12000);
    assert_int_equal(expect_text(fx, &sparse), 2400);
    assert_int_equal(expect_text(fx, &dense_u1), 4000);
    assert_int_equal(expect_text(fx, &sparse_u1), 800);
    assert_int_equal(expect_text(fx, &rare_u1), 120); /* 1800 s: 1 in 15 */
    assert_int_equal(expect_text(fx, &none), 0);

    /* Dense: the walk reads the table in entry order, no sort, and LIMIT
     * stops it. */
    memset(&ps, 0, sizeof(ps));
    sqlite3_trace_v2(ts_store_sqlite(fx->store), SQLITE_TRACE_PROFILE, watch,
                     &ps);
    ts_search_query_init(&q);
    q.text = "x";
    q.limit = 20;
    assert_int_equal(run(fx, &q), 0);
    sqlite3_trace_v2(ts_store_sqlite(fx->store), 0, NULL, NULL);
    assert_int_equal(fx->got.n, 20);
    assert_int_equal(fx->got.v[0].r.entry_index,
                     fx->all.v[11999].r.entry_index);
    assert_int_equal(ps.sorts, 0);
}

/* One text per table: five rows; the events point at them, with no
 * statement and no full-text row of their own; v_events reads their
 * statements. */
static void expect_texts(fixture *fx)
{
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_texts"), 5);
    assert_int_equal(
        count_sql(fx, "SELECT count(*) FROM events WHERE text_id IS NULL"), 0);
    /* their statements are read through v_events */
    assert_int_equal(count_sql(fx, "SELECT count(statement) FROM events"), 0);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM v_events WHERE"
                                   " statement = 'SELECT x FROM public.t3;'"),
                     2400);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM events_fts"
                                   " WHERE events_fts MATCH 'x'"),
                     0);
}

/* Layout 11: the texts hold what repeats with them (object name and table,
 * severity, SQLSTATE, audit and object type), which events of a text
 * indexed since leave to them; v_events reads either. upgraded: the store
 * was indexed before, so its 12,000 events keep theirs, and the texts hold
 * only the object's names (the table's filled by the upgrade). */
static void expect_text_fields(fixture *fx, int upgraded)
{
    static const char *const fields[] = {"object_name", "object_table",
                                         "severity",    "sqlstate",
                                         "audit_type",  "object_type"};

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT count(%s) FROM events", fields[i]);
        if (count_sql(fx, sql) != (upgraded ? 12000 : 0))
            fail_msg("%s: %lld", sql, (long long)count_sql(fx, sql));
        snprintf(sql, sizeof(sql), "SELECT count(%s) FROM event_texts",
                 fields[i]);
        assert_int_equal(count_sql(fx, sql), upgraded && i >= 2 ? 0 : 5);
    }
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_texts"
                                   " WHERE object_name = 'public.t3'"
                                   " AND object_table = 't3'"),
                     1);
    assert_int_equal(count_sql(fx,
                               "SELECT count(*) FROM v_events WHERE"
                               " object_name = 'public.t3'"
                               " AND severity = 'LOG' AND sqlstate = '00000'"
                               " AND audit_type = 'SESSION'"
                               " AND object_type = 'TABLE'"),
                     2400);
}

/* Each field kept as posting lists and the column of events it lists
 * (store/postings.c). */
static const struct {
    const char *field, *column;
} posting_fields[] = {{"text", "text_id"},      {"object", "object_table"},
                      {"account", "account"},   {"command", "command"},
                      {"database", "database"}, {"session", "session_id"}};

/* The events' columns, an event of a text's object from the text (index
 * layout 11; events indexed before hold theirs). */
#define EVENTS_CTE                                                             \
    "WITH ev AS (SELECT e.seq, e.text_id, e.account, e.command, e.database,"   \
    " e.session_id, coalesce(e.object_table, t.object_table) AS object_table"  \
    " FROM events e LEFT JOIN event_texts t ON t.id = e.text_id) "

/* Each field's posting lists hold exactly the events of each value of its
 * column, in event_postings (not read through the column), and the index
 * they replace, events_by_<field>, is gone. */
static void expect_postings(fixture *fx)
{
    for (size_t f = 0; f < sizeof(posting_fields) / sizeof(posting_fields[0]);
         f++) {
        const char *field = posting_fields[f].field;
        const char *column = posting_fields[f].column;
        char sql[512];
        int64_t n;

        snprintf(sql, sizeof(sql), EVENTS_CTE "SELECT count(%s) FROM ev",
                 column);
        n = count_sql(fx, sql);
        assert_true(n > 0);
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM event_postings WHERE field = '%s'",
                 field);
        assert_true(count_sql(fx, sql) > 0);
        /* every entry listed, and each under its own value */
        snprintf(sql, sizeof(sql),
                 EVENTS_CTE "SELECT count(*) FROM (SELECT DISTINCT %s AS v"
                            " FROM ev WHERE %s IS NOT NULL) o"
                            " CROSS JOIN ts_postings('%s', o.v) p",
                 column, column, field);
        assert_int_equal(count_sql(fx, sql), n);
        snprintf(sql, sizeof(sql),
                 EVENTS_CTE
                 "SELECT count(*) FROM (SELECT DISTINCT %s AS v"
                 " FROM ev WHERE %s IS NOT NULL) o"
                 " CROSS JOIN ts_postings('%s', o.v) p"
                 " CROSS JOIN ev e ON e.seq = p.seq WHERE e.%s = o.v",
                 column, column, field, column);
        assert_int_equal(count_sql(fx, sql), n);
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM sqlite_schema"
                 " WHERE name = 'events_by_%s'",
                 field);
        assert_int_equal(count_sql(fx, sql), 0);
    }
}

/* A store before layout 12: an index on session_id, no session lists,
 * no sessions.first_seq. */
#define AS_SESSION_INDEX_SQL                                                   \
    "DELETE FROM event_postings WHERE field = 'session';"                      \
    "CREATE INDEX events_by_session ON event_identities(session_id);"          \
    "ALTER TABLE sessions DROP COLUMN first_seq;"

/* A store before layout 11: each event holds what its text holds, the
 * texts only their statements and objects, and v_events reads only the
 * statement from them (as layout 10 made it). */
#define AS_TEXT_FIELDS_IN_EVENTS_SQL                                           \
    AS_SESSION_INDEX_SQL                                                       \
    "UPDATE events SET (object_name, object_table, severity, sqlstate,"        \
    " audit_type, object_type) = (SELECT"                                      \
    " coalesce(events.object_name, t.object_name),"                            \
    " coalesce(events.object_table, t.object_table),"                          \
    " coalesce(events.severity, t.severity),"                                  \
    " coalesce(events.sqlstate, t.sqlstate),"                                  \
    " coalesce(events.audit_type, t.audit_type),"                              \
    " coalesce(events.object_type, t.object_type)"                             \
    " FROM event_texts t WHERE t.id = text_id) WHERE text_id IS NOT NULL;"     \
    "DROP VIEW v_events;"                                                      \
    "CREATE VIEW v_events AS SELECT e.seq AS entry_index,"                     \
    " strftime('%Y-%m-%dT%H:%M:%fZ', e.time_us / 1e6, 'unixepoch') AS time,"   \
    " e.time_us, k.name AS kind, s.name AS source, e.line,"                    \
    " e.session_id, e.pid, e.account, e.database,"                             \
    " coalesce(e.application, o.application) AS application,"                  \
    " coalesce(e.client_host, o.client_host) AS client_host,"                  \
    " e.severity, e.sqlstate, e.message, e.detail, e.query,"                   \
    " e.audit_type, e.statement_id, e.substatement_id, e.audit_class,"         \
    " e.command, e.object_type, e.object_name,"                                \
    " coalesce(e.statement, (SELECT t.statement FROM event_texts t"            \
    " WHERE t.id = e.text_id)) AS statement, e.parameter,"                     \
    " e.tls_protocol, e.tls_cipher, e.session_duration_us,"                    \
    " e.unparsed_reason, e.principal, e.principal_kind"                        \
    " FROM events e JOIN event_kinds k ON k.kind = e.kind"                     \
    " JOIN sources s ON s.id = e.source_id"                                    \
    " LEFT JOIN event_origins o ON o.id = e.origin_id;"                        \
    "ALTER TABLE event_texts DROP COLUMN object_table;"                        \
    "ALTER TABLE event_texts DROP COLUMN severity;"                            \
    "ALTER TABLE event_texts DROP COLUMN sqlstate;"                            \
    "ALTER TABLE event_texts DROP COLUMN audit_type;"                          \
    "ALTER TABLE event_texts DROP COLUMN object_type;"
/* The store as layouts 5 to 9 kept command and database: bucket maps
 * (which runs of 1024 entries hold a value) in event_buckets, no lists. */
#define AS_BUCKET_MAPS_SQL                                                     \
    AS_TEXT_FIELDS_IN_EVENTS_SQL                                               \
    "CREATE TABLE event_buckets (field TEXT NOT NULL, value TEXT NOT NULL,"    \
    " bucket INTEGER NOT NULL, PRIMARY KEY (field, value, bucket))"            \
    " WITHOUT ROWID;"                                                          \
    "INSERT INTO event_buckets SELECT DISTINCT 'command', command, seq >> 10"  \
    " FROM events WHERE command IS NOT NULL;"                                  \
    "INSERT INTO event_buckets SELECT DISTINCT 'database', database,"          \
    " seq >> 10 FROM events WHERE database IS NOT NULL;"                       \
    "DELETE FROM event_postings WHERE field IN ('command', 'database');"

static int sum_who_events(void *ctx, const ts_who_row *row)
{
    *(uint64_t *)ctx += row->n_events;
    return 0;
}

/* --object, alone and with an account, agrees with a scan in both orders;
 * `who --object` counts every event of the object. */
static void expect_object_walks(fixture *fx)
{
    ts_search_query q;
    ts_who_query w;
    uint64_t n = 0;
    ts_error err;

    ts_search_query_init(&q);
    q.object = "t3";
    assert_int_equal(expect_both_orders(fx, &q, by_object, "t3"), 2400);
    q.object = "public.t3";
    q.account = "u1";
    assert_int_equal(expect_both_orders(fx, &q, by_u1_t3, NULL), 800);
    ts_who_query_init(&w);
    w.object = "public.t3";
    assert_int_equal(ts_who(fx->store, &w, sum_who_events, &n, NULL, &err), 0);
    assert_int_equal(n, 2400);
}

/* Every generated event comes from ("app", 1.2.3.4, port 9): one row of
 * event_origins, the events point at it and keep none of the three, and
 * v_events and search read them back. */
static void expect_origins(fixture *fx)
{
    ts_search_query q;

    assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_origins"), 1);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_origins WHERE"
                                   " application = 'app' AND client_host ="
                                   " '1.2.3.4' AND client_port = '9'"),
                     1);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM events"
                                   " WHERE origin_id IS NULL"
                                   " OR application IS NOT NULL"
                                   " OR client_host IS NOT NULL"
                                   " OR client_port IS NOT NULL"),
                     0);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM v_events WHERE"
                                   " application = 'app'"
                                   " AND client_host = '1.2.3.4'"),
                     12000);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM v_column_access"
                                   " WHERE application IS NOT 'app'"),
                     0);
    ts_search_query_init(&q);
    q.limit = 3;
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 3);
    for (size_t i = 0; i < fx->got.n; i++) {
        assert_string_equal(fx->got.v[i].r.application, "app");
        assert_string_equal(fx->got.v[i].r.client_host, "1.2.3.4");
    }
}

static void test_text_walks(void **state)
{
    fixture *fx = *state;

    expect_texts(fx);
    expect_text_fields(fx, 0);
    expect_postings(fx);
    /* five texts and five objects, 12,000 entries: one block each */
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_postings"
                                   " WHERE field IN ('text', 'object')"),
                     10);
    expect_origins(fx);
    expect_text_walks(fx);
    expect_object_walks(fx);

    /* The same store as layout 6 made it: an index on each field or bucket
     * maps, no posting lists. Read-only, it is searched through the indexes;
     * opened for writing, it is upgraded and answers the same. */
    assert_int_equal(
        sqlite3_exec(
            ts_store_sqlite(fx->store),
            AS_BUCKET_MAPS_SQL
            "DELETE FROM event_postings;"
            "CREATE INDEX events_by_text ON event_rows(text_id)"
            " WHERE text_id IS NOT NULL;"
            "CREATE INDEX events_by_object ON event_details(object_table)"
            " WHERE object_table IS NOT NULL;"
            "CREATE INDEX events_by_account ON event_identities(account);"
            "UPDATE meta SET value = '6'"
            " WHERE key = 'index_version'",
            NULL, NULL, NULL),
        SQLITE_OK);
    reopen(fx, TS_STORE_READONLY);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_postings"), 0);
    expect_text_walks(fx);
    expect_object_walks(fx);
    reopen(fx, 0);
    expect_text_fields(fx, 1);
    expect_postings(fx);
    expect_text_walks(fx);
    expect_object_walks(fx);

    /* The same store as layout 3 made it: statements in events, no texts,
     * a full-text row per pgAudit record, events_privileged with an IN
     * list, each event's application, client host and port in its row.
     * Opened for writing, it is upgraded and answers the same. */
    assert_int_equal(
        sqlite3_exec(
            ts_store_sqlite(fx->store),
            AS_TEXT_FIELDS_IN_EVENTS_SQL
            "UPDATE events SET statement = (SELECT t.statement"
            " FROM event_texts t WHERE t.id = text_id),"
            " text_id = NULL WHERE text_id IS NOT NULL;"
            "DELETE FROM event_texts;"
            "INSERT INTO event_texts_fts(event_texts_fts)"
            " VALUES('delete-all');"
            "INSERT INTO events_fts(events_fts) VALUES('rebuild');"
            "DROP INDEX events_privileged;"
            "CREATE INDEX events_privileged ON event_rows(kind, time_us)"
            " WHERE command_id IN (1, 2, 3);"
            "UPDATE events SET (application, client_host,"
            " client_port) = (SELECT o.application, o.client_host,"
            " o.client_port FROM event_origins o"
            " WHERE o.id = origin_id), origin_id = NULL;"
            "DELETE FROM event_origins;"
            "UPDATE meta SET value = '3'"
            " WHERE key = 'index_version'",
            NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM events_fts"
                                   " WHERE events_fts MATCH 'x'"),
                     12000);
    assert_int_equal(count_sql(fx, "SELECT count(statement) FROM events"),
                     12000);
    reopen(fx, 0);
    assert_int_equal(
        count_sql(fx, "SELECT CAST(value AS INTEGER) FROM meta"
                      " WHERE key = 'index_version'"),
        TS_INDEX_VERSION); /* through 4 to 11, to the layout of today */
    expect_texts(fx);
    expect_text_fields(fx, 1);
    expect_postings(fx);
    expect_origins(fx);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM sqlite_schema"
                                   " WHERE name = 'events_privileged'"
                                   " AND sql LIKE '% IN (%'"),
                     0);
    expect_text_walks(fx);

    /* Records of a text met before the upgrade, sealed after it: another
     * text, which holds their fields (the old one has none to give), and
     * they hold none; search and v_events see them as the others. */
    {
        static const char more[] =
            "2026-08-02 00:00:0%d.000 UTC [300] u1@db/app 1.2.3.4(9)"
            " 6b000000.1 00000 LOG:  AUDIT: SESSION,%d,1,READ,SELECT,TABLE,"
            "public.t3,SELECT x FROM public.t3;,<none>\n";
        char text[4096], log[160];
        size_t len = 0;
        ts_search_query q;

        for (int i = 0; i < 4; i++)
            len += (size_t)snprintf(text + len, sizeof(text) - len, more, i,
                                    i + 1);
        snprintf(log, sizeof(log), "%s/more.log", fx->dir);
        write_file(log, text, len);
        ingest(fx->store, log);
        assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_texts"), 6);
        assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_texts"
                                       " WHERE statement = 'SELECT x FROM"
                                       " public.t3;' AND severity = 'LOG'"
                                       " AND object_table = 't3'"),
                         1);
        assert_int_equal(count_sql(fx, "SELECT count(severity) FROM events"),
                         12000);
        assert_int_equal(count_sql(fx, "SELECT count(*) FROM v_events WHERE"
                                       " object_name = 'public.t3'"
                                       " AND severity = 'LOG'"
                                       " AND audit_type = 'SESSION'"),
                         2404);
        ts_search_query_init(&q);
        q.object = "public.t3";
        q.limit = 10;
        assert_int_equal(run(fx, &q), 0);
        assert_int_equal(fx->got.n, 10);
        assert_string_equal(fx->got.v[0].r.object_name, "public.t3");
        assert_string_equal(fx->got.v[0].r.sqlstate, "00000");
        assert_true(fx->got.v[0].r.entry_index >= 12000);
    }
}

/* A search on command and database, kept as posting lists since layout
 * 10 (schemas/index.sql, "Posting lists"), with text and an account. */
typedef struct command_filter {
    const char *text, *account, *command, *database;
} command_filter;

static int by_command_filter(const ts_search_row *r, const void *arg)
{
    const command_filter *f = arg;

    return (!f->text || text_has(r, f->text)) &&
           (!f->account || eq(r->account, f->account)) &&
           (!f->command || eq(r->command, f->command)) &&
           (!f->database || eq(r->database, f->database));
}

/* Runs f as a search, newest and oldest first, against a scan: the count. */
static size_t expect_command_filter(fixture *fx, const command_filter *f)
{
    ts_search_query q;

    ts_search_query_init(&q);
    q.text = f->text;
    q.account = f->account;
    q.command = f->command;
    q.database = f->database;
    return expect_both_orders(fx, &q, by_command_filter, f);
}

/* Each way a search finds commands and databases agrees with a scan: a
 * value spread thinly over the whole store (GRANT), one packed in a few
 * places (DELETE, "hr"), the two together (a few DELETEs on "hr"), either
 * with an account's lists, with the other field's lists, with a text
 * that matches every event or few. */
static void expect_command_walks(fixture *fx)
{
    static const command_filter grant = {NULL, NULL, "GRANT", NULL},
                                delete = {NULL, NULL, "DELETE", NULL},
                                hr = {NULL, NULL, NULL, "hr"},
                                delete_hr = {NULL, NULL, "DELETE", "hr"},
                                grant_u1 = {NULL, "u1", "GRANT", NULL},
                                select_hr = {NULL, NULL, "SELECT", "hr"},
                                u1_hr = {NULL, "u1", NULL, "hr"},
                                x_grant = {"x", NULL, "GRANT", NULL},
                                x_delete = {"x", NULL, "DELETE", NULL},
                                t3_grant = {"t3", NULL, "GRANT", NULL},
                                none = {NULL, NULL, "VACUUM", NULL};

    assert_int_equal(expect_command_filter(fx, &grant), 13);
    assert_int_equal(expect_command_filter(fx, &delete), 310);
    assert_int_equal(expect_command_filter(fx, &hr), 100);
    assert_int_equal(expect_command_filter(fx, &delete_hr), 10);
    assert_int_equal(expect_command_filter(fx, &grant_u1), 4);
    assert_int_equal(expect_command_filter(fx, &select_hr), 90);
    assert_int_equal(expect_command_filter(fx, &u1_hr), 33);
    assert_int_equal(expect_command_filter(fx, &x_grant), 13);
    assert_int_equal(expect_command_filter(fx, &x_delete), 310);
    assert_int_equal(expect_command_filter(fx, &t3_grant), 2);
    assert_int_equal(expect_command_filter(fx, &none), 0);
}

/* Lists of command and database, and neither the bucket maps nor the
 * indexes they replace. */
static void expect_command_lists(fixture *fx)
{
    expect_postings(fx);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_postings"
                                   " WHERE field = 'database'"
                                   " AND value = 'hr'"),
                     1);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM sqlite_schema WHERE"
                                   " name = 'event_buckets'"),
                     0);
}

static int64_t index_version(fixture *fx)
{
    return count_sql(fx, "SELECT CAST(value AS INTEGER) FROM meta"
                         " WHERE key = 'index_version'");
}

static void test_command_lists(void **state)
{
    fixture *fx = *state;
    sqlite3 *db = ts_store_sqlite(fx->store);
    ts_search_query q;
    plan_stats ps;

    expect_command_lists(fx);
    expect_command_walks(fx);

    /* A thin value alone, and the rare pair: their lists in entry order,
     * no sort, no scan, and LIMIT stops the walk at the newest. */
    for (int pair = 0; pair < 2; pair++) {
        memset(&ps, 0, sizeof(ps));
        sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, watch, &ps);
        ts_search_query_init(&q);
        q.command = pair ? "delete" : "grant";
        q.database = pair ? "hr" : NULL;
        q.limit = 5;
        assert_int_equal(run(fx, &q), 0);
        sqlite3_trace_v2(db, 0, NULL, NULL);
        assert_int_equal(fx->got.n, 5);
        assert_int_equal(ps.sorts, 0);
        assert_int_equal(ps.fullscan_steps, 0);
        assert_string_equal(fx->got.v[0].r.command, pair ? "DELETE" : "GRANT");
    }

    /* The same store as layout 9 made it: bucket maps, no lists. Read-only,
     * it is searched through the bucket maps; opened for writing, it is
     * upgraded and answers the same. */
    assert_int_equal(sqlite3_exec(db,
                                  AS_BUCKET_MAPS_SQL
                                  "UPDATE meta SET value = '9'"
                                  " WHERE key = 'index_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    reopen(fx, TS_STORE_READONLY);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_postings"
                                   " WHERE field = 'command'"),
                     0);
    assert_true(count_sql(fx, "SELECT count(*) FROM event_buckets") >= 30);
    expect_command_walks(fx);
    reopen(fx, 0);
    assert_int_equal(index_version(fx), TS_INDEX_VERSION);
    expect_command_lists(fx);
    expect_command_walks(fx);

    /* As layout 4 made it: indexes on command and database. The same. */
    assert_int_equal(
        sqlite3_exec(
            ts_store_sqlite(fx->store),
            AS_TEXT_FIELDS_IN_EVENTS_SQL
            "DELETE FROM event_postings WHERE field IN"
            " ('command', 'database');"
            "CREATE INDEX events_by_command ON event_rows(command_id)"
            " WHERE command_id IS NOT NULL;"
            "CREATE INDEX events_by_database ON event_identities(database)"
            " WHERE database IS NOT NULL;"
            "UPDATE meta SET value = '4'"
            " WHERE key = 'index_version'",
            NULL, NULL, NULL),
        SQLITE_OK);
    reopen(fx, TS_STORE_READONLY);
    expect_command_walks(fx);
    reopen(fx, 0);
    assert_int_equal(index_version(fx), TS_INDEX_VERSION);
    expect_command_lists(fx);
    expect_command_walks(fx);
}

/* Time ranges over several span buckets agree with a scan. */
static void test_spans(void **state)
{
    static const char *const ranges[][2] = {
        {"2026-08-01 00:00:00", "2026-08-01 00:00:01"},
        {"2026-08-01 00:17:03", "2026-08-01 00:17:04"},
        {"2026-08-01 00:16:00", "2026-08-01 00:35:00"},
        {"2026-08-01 00:49:59", "2026-08-02"},
        {"2026-07-01", "2026-08-01"},
        {"2026-08-01 00:50:00", "2026-09-01"}};
    fixture *fx = *state;
    ts_search_query q;
    span s;

    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        ts_search_query_init(&q);
        s.since = q.since_us = at(ranges[i][0]);
        s.until = q.until_us = at(ranges[i][1]);
        expect_rows(fx, &q, by_time, &s);
        q.account = "u2";
        q.oldest_first = 1;
        rows_clear(&fx->got);
        assert_int_equal(run(fx, &q), 0);
        for (size_t j = 0; j < fx->got.n; j++)
            assert_true(by_time(&fx->got.v[j].r, &s));
    }
    ts_search_query_init(&q);
    s.since = q.since_us = at("2026-08-01 00:16:00");
    s.until = q.until_us = at("2026-08-01 00:35:00");
    assert_int_equal(expect_rows(fx, &q, by_time, &s), 19 * 60);
}

typedef struct sessions_seen {
    size_t n;
    char ids[16][32];
    char tls[32];
    int64_t started[16];
    int64_t first_entry[16];
} sessions_seen;

static int collect_session(void *ctx, const ts_session_row *row)
{
    sessions_seen *s = ctx;

    assert_true(s->n < 16);
    snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", row->session_id);
    s->started[s->n] = row->started_us;
    s->first_entry[s->n] = row->first_entry;
    if (row->tls_protocol)
        snprintf(s->tls, sizeof(s->tls), "%s", row->tls_protocol);
    s->n++;
    return 0;
}

/* Each session listed names the entry index of its first event. */
static void expect_first_entries(fixture *fx, const sessions_seen *s)
{
    for (size_t i = 0; i < s->n; i++) {
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "SELECT min(seq) FROM events WHERE session_id = '%s'",
                 s->ids[i]);
        assert_int_equal(s->first_entry[i], count_sql(fx, sql));
    }
}

/* `sessions` lists every session of the logs (8), each with its first
 * entry, into s. */
static void expect_sessions_listed(fixture *fx, sessions_seen *s)
{
    ts_sessions_query q;
    ts_error err;

    memset(s, 0, sizeof(*s));
    ts_sessions_query_init(&q);
    assert_int_equal(ts_sessions(fx->store, &q, collect_session, s, NULL, &err),
                     0);
    assert_int_equal(s->n, 8);
    expect_first_entries(fx, s);
}

static void test_sessions(void **state)
{
    fixture *fx = *state;
    ts_sessions_query q;
    sessions_seen s;
    ts_error err;

    expect_sessions_listed(fx, &s);
    assert_string_equal(s.tls, "TLSv1.3");
    for (size_t i = 1; i < s.n; i++) /* latest start first */
        assert_true(s.started[i] <= s.started[i - 1]);
    assert_string_equal(s.ids[s.n - 1], "6b000001.64");

    memset(&s, 0, sizeof(s));
    ts_sessions_query_init(&q);
    q.account = "alice";
    assert_int_equal(
        ts_sessions(fx->store, &q, collect_session, &s, NULL, &err), 0);
    assert_int_equal(s.n, 2);

    memset(&s, 0, sizeof(s));
    ts_sessions_query_init(&q);
    ts_time_parse_period("2026-Q3", 0, &q.since_us, &q.until_us, NULL);
    q.oldest_first = 1;
    assert_int_equal(
        ts_sessions(fx->store, &q, collect_session, &s, NULL, &err), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.ids[0], "6b000001.64");
}

static void test_timeline(void **state)
{
    fixture *fx = *state;
    ts_timeline_query q;

    ts_timeline_query_init(&q);
    q.account = "bob";
    assert_int_equal(run_timeline(fx, &q), 6);
    for (size_t i = 1; i < fx->got.n; i++)
        assert_true(fx->got.v[i].r.time_us >= fx->got.v[i - 1].r.time_us);
    assert_int_equal(fx->got.v[fx->got.n - 1].r.kind, TS_EVENT_AUTH_FAILURE);

    /* Paging after the third event gives the last three. */
    q.after = (int64_t)fx->got.v[2].r.entry_index;
    uint64_t fourth = fx->got.v[3].r.entry_index;
    assert_int_equal(run_timeline(fx, &q), 3);
    assert_int_equal(fx->got.v[0].r.entry_index, fourth);

    /* carol's crafted session: in time order though sealed after bob's. */
    ts_timeline_query_init(&q);
    q.account = "carol";
    q.until_us = at("2026-10-01");
    assert_int_equal(run_timeline(fx, &q), 3);
    assert_int_equal(fx->got.v[0].r.kind, TS_EVENT_CONNECTION_AUTHORIZED);
}

static int by_denied_of_bob(const ts_search_row *r, const void *arg)
{
    (void)arg;
    return eq(r->account, "bob") && r->outcome == TS_OUTCOME_DENIED;
}

/* Runs q and counts the sorts (temp B-trees for ORDER BY) of every
 * statement it ran. */
static int count_sorts(fixture *fx, const ts_search_query *q)
{
    plan_stats ps;

    memset(&ps, 0, sizeof(ps));
    sqlite3_trace_v2(ts_store_sqlite(fx->store), SQLITE_TRACE_PROFILE, watch,
                     &ps);
    assert_int_equal(run(fx, q), 0);
    sqlite3_trace_v2(ts_store_sqlite(fx->store), 0, NULL, NULL);
    return ps.sorts;
}

/* Search by account, alone and with a kind, and "denied" with or without
 * an account (the kind index's two walks merged, intersected with the
 * account's lists: no sort) agree with a scan of events; an account's
 * timeline holds its six events, all of that account. */
static void expect_account_walks(fixture *fx)
{
    ts_search_query q;
    ts_timeline_query t;
    int v;

    ts_search_query_init(&q);
    q.account = "alice";
    assert_true(expect_both_orders(fx, &q, by_account, "alice") > 10);
    ts_search_query_init(&q);
    v = TS_EVENT_ERROR;
    q.kind = v;
    q.account = "bob";
    assert_int_equal(expect_both_orders(fx, &q, by_kind_of_bob, &v), 1);
    ts_search_query_init(&q);
    v = TS_OUTCOME_DENIED;
    q.outcome = TS_OUTCOME_DENIED;
    assert_int_equal(expect_both_orders(fx, &q, by_outcome, &v), 3);
    assert_int_equal(count_sorts(fx, &q), 0);
    q.account = "bob";
    assert_int_equal(expect_both_orders(fx, &q, by_denied_of_bob, NULL), 2);
    assert_int_equal(count_sorts(fx, &q), 0);

    ts_timeline_query_init(&t);
    t.account = "bob";
    assert_int_equal(run_timeline(fx, &t), 6);
    for (size_t i = 0; i < fx->got.n; i++)
        assert_string_equal(fx->got.v[i].r.account, "bob");
}

/* Accounts, kept as posting lists from layout 8: as above on a new store;
 * then on the same store as layout 7 made it (events_by_account, no
 * account lists) read-only, through the index; then upgraded, when opened
 * for writing. */
static void test_account_lists(void **state)
{
    fixture *fx = *state;

    expect_postings(fx);
    expect_account_walks(fx);
    assert_int_equal(
        sqlite3_exec(
            ts_store_sqlite(fx->store),
            AS_BUCKET_MAPS_SQL
            "DELETE FROM event_postings WHERE field = 'account';"
            "CREATE INDEX events_by_account ON event_identities(account);"
            "UPDATE meta SET value = '7'"
            " WHERE key = 'index_version'",
            NULL, NULL, NULL),
        SQLITE_OK);
    reopen(fx, TS_STORE_READONLY);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_postings"
                                   " WHERE field = 'account'"),
                     0);
    expect_account_walks(fx);
    reopen(fx, 0);
    assert_int_equal(count_sql(fx, "SELECT CAST(value AS INTEGER) FROM meta"
                                   " WHERE key = 'index_version'"),
                     TS_INDEX_VERSION);
    expect_postings(fx);
    expect_account_walks(fx);
}

static int by_session_and_text(const ts_search_row *r, const void *arg)
{
    return by_session(r, arg) && r->statement != NULL &&
           strstr(r->statement, "customers") != NULL;
}

static int by_account_in_session(const ts_search_row *r, const void *arg)
{
    return by_session(r, "6b02701d.1a48") && by_account(r, arg);
}

/* A session's events, alone and with text, agree with a scan in both
 * orders; an unknown session has none. */
static void expect_session_walks(fixture *fx)
{
    const char *account = NULL;
    ts_search_query q;

    ts_search_query_init(&q);
    q.session_id = "6b02701d.1a48";
    assert_int_equal(expect_both_orders(fx, &q, by_session, "6b02701d.1a48"),
                     6);
    ts_search_query_init(&q);
    q.session_id = "6b000001.64";
    q.text = "customers";
    assert_int_equal(
        expect_both_orders(fx, &q, by_session_and_text, "6b000001.64"), 1);
    /* with the account of the session's events, and another */
    for (size_t i = 0; i < fx->all.n; i++)
        if (by_session(&fx->all.v[i].r, "6b02701d.1a48") &&
            fx->all.v[i].r.account != NULL)
            account = fx->all.v[i].r.account;
    assert_non_null(account);
    ts_search_query_init(&q);
    q.session_id = "6b02701d.1a48";
    q.account = account;
    assert_true(expect_both_orders(fx, &q, by_account_in_session, account) > 0);
    q.account = strcmp(account, "nobody") != 0 ? "nobody" : "somebody";
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 0);
    ts_search_query_init(&q);
    q.session_id = "no-such-session";
    assert_int_equal(run(fx, &q), 0);
    assert_int_equal(fx->got.n, 0);
}

/* Each session's first_seq is the entry index of its first event. */
static void expect_first_seqs(fixture *fx)
{
    assert_true(count_sql(fx, "SELECT count(first_seq) FROM sessions") > 0);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM sessions s"
                                   " WHERE first_seq IS NOT (SELECT min(seq)"
                                   " FROM events e"
                                   " WHERE e.session_id = s.session_id)"),
                     0);
}

/* Sessions, kept as posting lists from layout 12: as above on a new
 * store; then as layout 11 made it (events_by_session, no session lists)
 * read-only, through the index; then upgraded, when opened for writing:
 * the lists are made and the index goes. */
static void test_session_lists(void **state)
{
    fixture *fx = *state;
    sessions_seen s;

    expect_postings(fx);
    expect_session_walks(fx);
    expect_first_seqs(fx);
    assert_int_equal(sqlite3_exec(ts_store_sqlite(fx->store),
                                  AS_SESSION_INDEX_SQL
                                  "UPDATE meta SET value = '11'"
                                  " WHERE key = 'index_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    reopen(fx, TS_STORE_READONLY);
    assert_int_equal(count_sql(fx, "SELECT count(*) FROM event_postings"
                                   " WHERE field = 'session'"),
                     0);
    expect_session_walks(fx);
    expect_sessions_listed(fx, &s);
    reopen(fx, 0);
    assert_int_equal(index_version(fx), TS_INDEX_VERSION);
    expect_postings(fx);
    expect_session_walks(fx);
    expect_first_seqs(fx);
    expect_sessions_listed(fx, &s);
}

typedef struct who_seen {
    size_t n;
    char who[8][64];
    uint64_t n_events[8], n_reads[8], n_writes[8];
} who_seen;

static int collect_who(void *ctx, const ts_who_row *row)
{
    who_seen *w = ctx;

    assert_true(w->n < 8);
    snprintf(w->who[w->n], sizeof(w->who[0]), "%s %s", row->account,
             row->object_name);
    w->n_events[w->n] = row->n_events;
    w->n_reads[w->n] = row->n_reads;
    w->n_writes[w->n] = row->n_writes;
    w->n++;
    return 0;
}

static void test_who(void **state)
{
    fixture *fx = *state;
    ts_who_query q;
    who_seen w;
    ts_error err;

    memset(&w, 0, sizeof(w));
    ts_who_query_init(&q);
    q.object = "public.customers";
    assert_int_equal(ts_who(fx->store, &q, collect_who, &w, NULL, &err), 0);
    assert_int_equal(w.n, 3);
    assert_string_equal(w.who[0], "alice public.customers");
    assert_int_equal(w.n_events[0], 5);
    assert_int_equal(w.n_reads[0], 3);
    assert_int_equal(w.n_writes[0], 2);
    assert_string_equal(w.who[1], "agent_langchain public.customers");
    assert_int_equal(w.n_events[1], 2);
    assert_string_equal(w.who[2], "svc_billing public.customers");

    memset(&w, 0, sizeof(w));
    q.object = "customers";
    ts_time_parse_period("2026-Q3", 0, &q.since_us, &q.until_us, NULL);
    assert_int_equal(ts_who(fx->store, &q, collect_who, &w, NULL, &err), 0);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.who[0], "carol hr.customers");

    ts_who_query_init(&q);
    assert_int_equal(ts_who(fx->store, &q, collect_who, &w, NULL, &err),
                     TS_EINVAL);
}

/* Writes rows with a writer into a string (the caller frees it). */
static char *write_rows(ts_format format, const ts_column *cols, size_t n,
                        const char *const *values, size_t n_rows)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ts_writer *w = NULL;

    assert_non_null(f);
    assert_int_equal(ts_writer_new(&w, f, format, cols, n, NULL), 0);
    for (size_t i = 0; i < n_rows; i++)
        ts_writer_row(w, values + i * n);
    ts_writer_end(w);
    ts_writer_free(w);
    fclose(f);
    return text;
}

static void test_output(void **state)
{
    static const ts_column cols[] = {
        {"n", "N", 3, 1}, {"a", "A", 6, 0}, {"b", "B", 0, 0}};
    const char *values[] = {"7",  "x,y",   "say \"hi\"\r\nbye",
                            NULL, "plain", "caf\xc3\xa9 \xff\x01\\"};
    char *t;

    (void)state;
    t = write_rows(TS_FORMAT_CSV, cols, 3, values, 2);
    assert_string_equal(t, "n,a,b\r\n"
                           "7,\"x,y\",\"say \"\"hi\"\"\r\nbye\"\r\n"
                           ",plain,caf\xc3\xa9 \xff\x01\\\r\n");
    free(t);
    t = write_rows(TS_FORMAT_JSON, cols, 3, values, 2);
    assert_string_equal(t, "{\"n\":7,\"a\":\"x,y\",\"b\":\"say "
                           "\\\"hi\\\"\\r\\nbye\"}\n"
                           "{\"n\":null,\"a\":\"plain\",\"b\":\"caf\xc3\xa9 "
                           "\\ufffd\\u0001\\\\\"}\n");
    free(t);
    t = write_rows(TS_FORMAT_TABLE, cols, 3, values, 2);
    assert_string_equal(t, "N   A      B\n"
                           "7   x,y    say \"hi\"  bye\n"
                           "-   plain  caf\xc3\xa9 \xff \\\n");
    free(t);
    /* A value longer than its column is cut and marked. */
    {
        const char *long_row[] = {"12345", "abcdefgh", "z"};
        t = write_rows(TS_FORMAT_TABLE, cols, 3, long_row, 1);
        assert_string_equal(t, "N   A      B\n12~ abcde~ z\n");
        free(t);
    }
    /* No rows: CSV and tables still have their header, JSON nothing. */
    t = write_rows(TS_FORMAT_CSV, cols, 3, values, 0);
    assert_string_equal(t, "n,a,b\r\n");
    free(t);
    t = write_rows(TS_FORMAT_JSON, cols, 3, values, 0);
    assert_string_equal(t, "");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filters, setup_logs, teardown),
        cmocka_unit_test_setup_teardown(test_periods, setup_logs, teardown),
        cmocka_unit_test_setup_teardown(test_full_text, setup_logs, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup_logs, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup_logs, teardown),
        cmocka_unit_test_setup_teardown(test_timeline, setup_logs, teardown),
        cmocka_unit_test_setup_teardown(test_who, setup_logs, teardown),
        cmocka_unit_test_setup_teardown(test_session_lists, setup_logs,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_account_lists, setup_logs,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup_generated, teardown),
        cmocka_unit_test_setup_teardown(test_spans, setup_generated, teardown),
        cmocka_unit_test_setup_teardown(test_timeline_paging, setup_generated,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_plans, setup_generated, teardown),
        cmocka_unit_test_setup_teardown(test_command_lists,
                                        setup_generated_mixed, teardown),
        cmocka_unit_test_setup_teardown(test_text_walks, setup_generated_dense,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_merged_walk, setup_generated,
                                        teardown),
        cmocka_unit_test(test_time_periods),
        cmocka_unit_test(test_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
