/* Tests for the evidence pack: OSCAL and manifest are deterministic, the
 * manifest refuses links, verification catches edits, and results.json's
 * shape is checked. (tests/e2e/pack.sh covers proofs over a real log.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/json_text.h"
#include "report/pack_internal.h"
#include "trailseal/trailseal.h"

static const char results_json[] =
    "{\"period\":{\"start\":\"2026-07-01T00:00:00Z\",\"end\":"
    "\"2026-10-01T00:00:00Z\",\"label\":\"2026-Q3\"},"
    "\"entity\":\"Example Corp\",\"store\":\"trailseal.db\","
    "\"origin\":\"trailseal.local/abc\",\"tree_size\":123,"
    "\"verdict\":\"intact\",\"tool_version\":\"0.1.0\","
    "\"controls_sha256\":\"00\",\"generated\":\"2026-10-02T08:00:00Z\","
    "\"controls\":[{\"id\":\"TS-IAM-01\",\"title\":\"Unique identities\","
    "\"criteria\":[\"CC6.1\",\"CC6.2\"],\"description\":\"No shared\","
    "\"owner\":\"Security\",\"frequency\":\"quarterly\",\"nature\":"
    "\"detective\",\"key\":true,\"lane\":\"census\",\"status\":"
    "\"with_exceptions\",\"severity\":\"high\",\"population\":42,"
    "\"population_sha256\":\"ab\",\"population_file\":"
    "\"populations/TS-IAM-01.csv\",\"sampled\":[{\"entry\":12,\"item\":"
    "\"x\"}],\"exceptions\":[{\"entry\":77,\"item\":\"app_svc\",\"reason\":"
    "\"shared account\",\"waived\":false}]}]}";

typedef struct fixture {
    char dir[64];
} fixture;

static void put(const char *dir, const char *rel, const char *text)
{
    char path[TS_PACK_PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    assert_int_equal(ts_pack_write_file(path, text, strlen(text), NULL), 0);
}

static char *get(const char *dir, const char *rel)
{
    char path[TS_PACK_PATH_MAX], *text = NULL;
    size_t len = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    assert_int_equal(ts_pack_read_file(path, 1 << 24, &text, &len, NULL), 0);
    return text;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/ts-test-pack-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    assert_int_equal(system(cmd), 0);
    free(fx);
    return 0;
}

/* The OSCAL of two packs under fx->dir (a/ and b/) made from results
 * texts ra and rb; a and b are their directories. */
static void two_packs(const fixture *fx, const char *ra, const char *rb,
                      char a[128], char b[128])
{
    ts_error err;

    snprintf(a, 128, "%s/a", fx->dir);
    snprintf(b, 128, "%s/b", fx->dir);
    assert_int_equal(ts_pack_mkdir(a, NULL), 0);
    assert_int_equal(ts_pack_mkdir(b, NULL), 0);
    put(a, "results.json", ra);
    put(b, "results.json", rb);
    ts_error_clear(&err);
    if (ts_pack_write_oscal(a, &err) != 0 || ts_pack_write_oscal(b, &err) != 0)
        fail_msg("%s", err.msg);
}

/* Two packs from the same results.json: byte-identical OSCAL. */
static void test_oscal_deterministic(void **state)
{
    fixture *fx = *state;
    char a[128], b[128], *x, *y;

    two_packs(fx, results_json, results_json, a, b);
    x = get(a, "oscal/assessment-results.json");
    y = get(b, "oscal/assessment-results.json");
    assert_string_equal(x, y);
    /* Version 5 UUIDs, the exception's proof as evidence, the status. */
    assert_non_null(strstr(x, "\"href\": \"../proofs/entry-77.proof\""));
    assert_non_null(strstr(x, "\"state\": \"not-satisfied\""));
    assert_non_null(strstr(x, "\"target-id\": \"TS-IAM-01\""));
    assert_non_null(strstr(x, "\"start\": \"2026-07-01T00:00:00Z\""));
    const char *u = strstr(x, "\"uuid\": \"");
    assert_non_null(u);
    assert_int_equal(u[9 + 14], '5');
    assert_true(strchr("89ab", u[9 + 19]) != NULL);
    free(x);
    free(y);
    x = get(a, "oscal/assessment-plan.json");
    y = get(b, "oscal/assessment-plan.json");
    assert_string_equal(x, y);
    assert_non_null(strstr(x, "\"import-ssp\""));
    free(x);
    free(y);
}

static void test_oscal_rejects_bad_results(void **state)
{
    fixture *fx = *state;
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_pack_write_oscal(fx->dir, &err), TS_EIO);
    put(fx->dir, "results.json", "{\"period\":{}}");
    assert_int_equal(ts_pack_write_oscal(fx->dir, &err), TS_EINVAL);
    assert_non_null(strstr(err.msg, "period.start"));
    char *bad = strdup(results_json);
    char *s = strstr(bad, "with_exceptions");
    memcpy(s, "with_exceptionz", 15);
    put(fx->dir, "results.json", bad);
    assert_int_equal(ts_pack_write_oscal(fx->dir, &err), TS_EINVAL);
    assert_non_null(strstr(err.msg, "unknown status 'with_exceptionz'"));
    free(bad);
    put(fx->dir, "results.json", "{\"a\":1,\"a\":2}");
    assert_int_equal(ts_pack_write_oscal(fx->dir, &err), TS_EINVAL);
}

/* results.json is read a control and an item at a time: its members may
 * come in any order (the controls before the period, a control's
 * exceptions before its other members) and the OSCAL is the same. */
static void test_oscal_any_member_order(void **state)
{
    static const char reordered[] =
        "{ \"controls\" : [ {\"exceptions\":[{\"waived\":false,"
        "\"reason\":\"shared account\",\"item\":\"app_svc\","
        "\"entry\":77}],\n\"sampled\":[{\"item\":\"x\",\"entry\":12}],"
        "\"population_file\":\"populations/TS-IAM-01.csv\","
        "\"population_sha256\":\"ab\",\"population\":42,"
        "\"severity\":\"high\",\"status\":\"with_exceptions\","
        "\"lane\":\"census\",\"key\":true,\"nature\":\"detective\","
        "\"frequency\":\"quarterly\",\"owner\":\"Security\","
        "\"description\":\"No shared\",\"criteria\":[\"CC6.1\",\"CC6.2\"],"
        "\"title\":\"Unique identities\",\"id\":\"TS-IAM-01\"} ],\n"
        "\"generated\":\"2026-10-02T08:00:00Z\",\"controls_sha256\":\"00\","
        "\"tool_version\":\"0.1.0\",\"verdict\":\"intact\","
        "\"tree_size\":123,\"origin\":\"trailseal.local/abc\","
        "\"store\":\"trailseal.db\",\"entity\":\"Example Corp\","
        "\"period\":{\"start\":\"2026-07-01T00:00:00Z\",\"end\":"
        "\"2026-10-01T00:00:00Z\",\"label\":\"2026-Q3\"}}\n";
    fixture *fx = *state;
    char a[128], b[128], *x, *y;

    two_packs(fx, results_json, reordered, a, b);
    x = get(a, "oscal/assessment-results.json");
    y = get(b, "oscal/assessment-results.json");
    assert_string_equal(x, y);
    assert_non_null(strstr(x, "1 sampled, 1 exception(s)"));
    free(x);
    free(y);
}

/* Shapes the piecewise reader must refuse, each with where and what. */
static void test_oscal_refuses_bad_shapes(void **state)
{
    static const struct {
        const char *from, *to, *message;
    } cases[] = {
        {"\"exceptions\":[{", "\"exceptions\":5,\"x\":[{",
         "results.json:1: an array expected (control TS-IAM-01: exceptions)"},
        {"\"sampled\":[{", "\"sampled\":{\"a\":1},\"x\":[{",
         "results.json:1: an array expected (control TS-IAM-01: sampled)"},
        {"\"sampled\":[{", "\"exceptions\":[],\"sampled\":[{",
         "results.json:1: duplicate key 'exceptions'"},
        {"\"controls\":[{", "\"controls\":\"x\",\"a\":[{",
         "results.json:1: an array expected (controls)"},
        {"\"controls\":[{", "\"controls\":[],\"controls\":[{",
         "results.json:1: duplicate key 'controls'"},
        {"\"waived\":false}]}]}", "\"waived\":false}]}]", "the file ended"},
        {"\"waived\":false}", "\"waived\":fals}", "results.json:1: "},
    };
    fixture *fx = *state;
    ts_error err;

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const char *at = strstr(results_json, cases[i].from);
        size_t len = strlen(results_json) + strlen(cases[i].to) + 1;
        char *bad = malloc(len);
        assert_non_null(at);
        assert_non_null(bad);
        snprintf(bad, len, "%.*s%s%s", (int)(at - results_json), results_json,
                 cases[i].to, at + strlen(cases[i].from));
        put(fx->dir, "results.json", bad);
        ts_error_clear(&err);
        assert_int_equal(ts_pack_write_oscal(fx->dir, &err), TS_EINVAL);
        if (strstr(err.msg, cases[i].message) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].message);
        free(bad);
    }
}

/* What `trailseal report` writes: open periods, items without an entry,
 * extra members. */
static void test_oscal_open_period(void **state)
{
    fixture *fx = *state;
    ts_error err;
    char *x;

    put(fx->dir, "results.json",
        "{\"period\":{\"start\":null,\"end\":null,\"label\":\"all\"},"
        "\"entity\":\"\",\"store\":\"s\",\"origin\":\"o\",\"tree_size\":0,"
        "\"verdict\":\"intact\",\"generated\":"
        "\"2026-12-04T15:18:49.123456Z\",\"controls\":[{\"id\":\"1x y\","
        "\"title\":\"t\",\"status\":\"ineffective\",\"query\":\"q\","
        "\"sampled\":[],\"exceptions\":[{\"entry\":null,\"row\":1,"
        "\"item\":\"i\",\"reason\":\"r\",\"waived\":true}]}]}");
    ts_error_clear(&err);
    assert_int_equal(ts_pack_write_oscal(fx->dir, &err), 0);
    x = get(fx->dir, "oscal/assessment-results.json");
    assert_non_null(strstr(x, "\"start\": \"1970-01-01T00:00:00Z\""));
    assert_null(strstr(x, "\"end\""));
    assert_null(strstr(x,
                       "relevant-evidence\": [\n            {\n              "
                       "\"href\": \"../proofs"));
    assert_non_null(strstr(x, "\"target-id\": \"_1x_y\""));
    free(x);
}

static void test_rel_valid(void **state)
{
    (void)state;
    assert_true(ts_pack_rel_valid("a.csv"));
    assert_true(ts_pack_rel_valid("proofs/entry-1.proof"));
    assert_true(ts_pack_rel_valid("populations/a b.csv"));
    assert_false(ts_pack_rel_valid(""));
    assert_false(ts_pack_rel_valid("/etc/passwd"));
    assert_false(ts_pack_rel_valid("../x"));
    assert_false(ts_pack_rel_valid("a/../../x"));
    assert_false(ts_pack_rel_valid("a//b"));
    assert_false(ts_pack_rel_valid("a/./b"));
    assert_false(ts_pack_rel_valid("a/"));
    assert_false(ts_pack_rel_valid("a\nb"));
    assert_false(ts_pack_rel_valid("a\\b"));
}

/* Signing twice gives the same manifest and signature; verification
 * catches an edit and refuses a symlink. */
static void test_manifest(void **state)
{
    fixture *fx = *state;
    char db[128], pack[128], vkey[256], link[TS_PACK_PATH_MAX];
    char *m1, *s1, *m2, *s2;
    ts_store *store = NULL;
    ts_pack_verdict v;
    ts_error err;

    snprintf(db, sizeof(db), "%s/store.db", fx->dir);
    snprintf(pack, sizeof(pack), "%s/pack", fx->dir);
    ts_error_clear(&err);
    assert_int_equal(ts_store_create(&store, db, &err), 0);
    assert_int_equal(ts_store_verifier_key(store, vkey, sizeof(vkey), &err), 0);
    assert_int_equal(ts_pack_mkdir(pack, NULL), 0);
    put(pack, "b.csv", "x,y\n1,2\n");
    put(pack, "a.txt", "hello\n");
    assert_int_equal(ts_pack_write_proofs(store, NULL, 0, pack, &err),
                     TS_ENOTFOUND); /* nothing sealed yet */
    assert_int_equal(ts_pack_sign_manifest(store, pack, &err), 0);
    m1 = get(pack, "manifest.json");
    s1 = get(pack, "manifest.sig");
    assert_int_equal(ts_pack_sign_manifest(store, pack, &err), 0);
    m2 = get(pack, "manifest.json");
    s2 = get(pack, "manifest.sig");
    assert_string_equal(m1, m2);
    assert_string_equal(s1, s2);
    /* Sorted, relative, without itself or its signature. */
    assert_true(strstr(m1, "\"a.txt\"") < strstr(m1, "\"b.csv\""));
    assert_null(strstr(m1, "manifest.json"));
    assert_null(strstr(m1, "manifest.sig"));
    assert_non_null(strstr(s1, "/pack\nsha256 "));

    /* No checkpoint.txt: the signature and hashes pass, the pack does
     * not. */
    assert_int_equal(ts_pack_verify(pack, vkey, &v, &err), 0);
    assert_false(v.ok);
    assert_string_equal(v.file, "checkpoint.txt");
    put(pack, "b.csv", "x,y\n1,3\n");
    assert_int_equal(ts_pack_verify(pack, vkey, &v, &err), 0);
    assert_false(v.ok);
    assert_string_equal(v.file, "b.csv");
    assert_int_equal(ts_pack_verify(pack, "not a key", &v, &err), TS_EINVAL);

    snprintf(link, sizeof(link), "%s/c.csv", pack);
    assert_int_equal(symlink("/etc/hostname", link), 0);
    assert_int_equal(ts_pack_sign_manifest(store, pack, &err), TS_EINVAL);
    assert_non_null(strstr(err.msg, "c.csv"));
    free(m1);
    free(m2);
    free(s1);
    free(s2);
    ts_store_free(store);
}

/* Enough proofs for the second thread: every one is written once (the
 * duplicates too), against the one checkpoint, and verifies with the public
 * key alone, on both sides of the split. */
static void test_proofs_two_threads(void **state)
{
    enum { N_ENTRIES = 12000 };
    fixture *fx = *state;
    char db[128], log[128], pack[128], vkey[256], rel[256];
    uint64_t *want = calloc(N_ENTRIES + 3, sizeof(*want));
    size_t n_want = 0, n_files = 0;
    ts_store *store = NULL;
    ts_source *src = NULL;
    ts_ingest_options io = {0, 0, NULL, NULL, 0};
    ts_ingest_stats stats;
    ts_error err;
    struct dirent *d;
    DIR *dir;
    FILE *f;

    assert_non_null(want);
    snprintf(db, sizeof(db), "%s/store.db", fx->dir);
    snprintf(log, sizeof(log), "%s/pg.log", fx->dir);
    snprintf(pack, sizeof(pack), "%s/pack", fx->dir);
    f = fopen(log, "w");
    assert_non_null(f);
    for (int i = 0; i < N_ENTRIES; i++)
        fprintf(f,
                "2026-10-01 00:%02d:%02d.%03d UTC [%d] LOG:  statement: "
                "SELECT %d\n",
                i / 60000 % 60, i / 1000 % 60, i % 1000, 100 + i % 7, i);
    assert_int_equal(fclose(f), 0);
    ts_error_clear(&err);
    assert_int_equal(ts_store_create(&store, db, &err), 0);
    assert_int_equal(ts_store_verifier_key(store, vkey, sizeof(vkey), &err), 0);
    if (ts_source_open_file(&src, "pg-stderr", "%m [%p] ", log, &err) != 0 ||
        ts_store_ingest(store, src, &io, &stats, &err) != 0)
        fail_msg("%s", err.msg);
    ts_source_free(src);
    assert_int_equal(stats.tree_size, N_ENTRIES);
    /* three entries in four (9,000: past the two-thread threshold),
     * backwards, with duplicates */
    for (uint64_t i = N_ENTRIES; i-- > 0;)
        if (i % 4 != 1)
            want[n_want++] = i;
    want[n_want++] = 0;
    want[n_want++] = 3;
    want[n_want++] = N_ENTRIES - 4;
    assert_int_equal(ts_pack_mkdir(pack, NULL), 0);
    if (ts_pack_write_proofs(store, want, n_want, pack, &err) != 0)
        fail_msg("%s", err.msg);
    snprintf(rel, sizeof(rel), "%s/proofs", pack);
    dir = opendir(rel);
    assert_non_null(dir);
    while ((d = readdir(dir)) != NULL)
        n_files += d->d_name[0] != '.';
    closedir(dir);
    assert_int_equal(n_files, N_ENTRIES / 4 * 3);
    for (uint64_t i = 0; i < N_ENTRIES; i += 4 * 97) {
        ts_proof_result r;
        char *text;
        snprintf(rel, sizeof(rel), "proofs/entry-%llu.proof",
                 (unsigned long long)i);
        text = get(pack, rel);
        assert_int_equal(ts_proof_verify(vkey, text, strlen(text), &r, &err),
                         0);
        assert_true(r.valid);
        assert_int_equal(r.index, i);
        free(text);
    }
    /* one past the checkpoint is refused by the thread that has it (the
     * later half), and its error is the call's */
    want[0] = N_ENTRIES;
    snprintf(pack, sizeof(pack), "%s/pack2", fx->dir);
    assert_int_equal(ts_pack_mkdir(pack, NULL), 0);
    assert_int_equal(ts_pack_write_proofs(store, want, n_want, pack, &err),
                     TS_ENOTFOUND);
    assert_non_null(strstr(err.msg, "not covered by the checkpoint"));
    free(want);
    ts_store_free(store);
}

static void ingest_lines(ts_store *store, const char *path, int first, int n)
{
    ts_ingest_options io = {0, 0, NULL, NULL, 0};
    ts_ingest_stats stats;
    ts_source *src = NULL;
    ts_error err;
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    for (int i = first; i < first + n; i++)
        fprintf(f,
                "2026-10-02 00:00:%02d.%03d UTC [7] LOG:  statement: "
                "SELECT %d\n",
                i / 1000 % 60, i % 1000, i);
    assert_int_equal(fclose(f), 0);
    if (ts_source_open_file(&src, "pg-stderr", "%m [%p] ", path, &err) != 0 ||
        ts_store_ingest(store, src, &io, &stats, &err) != 0)
        fail_msg("%s", err.msg);
    ts_source_free(src);
}

/* Proofs written against `note`, a checkpoint of 10 entries the store has
 * since grown past: checkpoint.txt is that note, every proof ends with it
 * and verifies, and an entry past it is refused. */
static void proofs_at_older(const fixture *fx, ts_store *store,
                            const char *note)
{
    uint64_t want[3] = {9, 0, 4};
    char pack[256], vkey[256], rel[64], *text;
    ts_proof_result r;
    ts_error err;

    snprintf(pack, sizeof(pack), "%s/older", fx->dir);
    assert_int_equal(ts_pack_mkdir(pack, NULL), 0);
    assert_int_equal(ts_store_verifier_key(store, vkey, sizeof(vkey), &err), 0);
    if (ts_pack_write_proofs_at(store, note, want, 3, pack, &err) != 0)
        fail_msg("%s", err.msg);
    text = get(pack, TS_PACK_CHECKPOINT);
    assert_string_equal(text, note);
    free(text);
    for (size_t i = 0; i < 3; i++) {
        snprintf(rel, sizeof(rel), "proofs/entry-%llu.proof",
                 (unsigned long long)want[i]);
        text = get(pack, rel);
        assert_int_equal(ts_proof_verify(vkey, text, strlen(text), &r, &err),
                         0);
        assert_true(r.valid);
        assert_int_equal(r.tree_size, 10);
        assert_non_null(strstr(text, note));
        free(text);
    }
    want[0] = 12;
    snprintf(pack, sizeof(pack), "%s/older2", fx->dir);
    assert_int_equal(ts_pack_mkdir(pack, NULL), 0);
    assert_int_equal(ts_pack_write_proofs_at(store, note, want, 1, pack, &err),
                     TS_ENOTFOUND);
}

/* The newest checkpoint is remembered between calls, and a commit by this
 * handle or by another one is seen at the next call. */
static void test_checkpoint_follows_commits(void **state)
{
    fixture *fx = *state;
    char db[128], log[128], *a, *b, *c, *again;
    ts_store *one = NULL, *two = NULL;
    ts_error err;

    snprintf(db, sizeof(db), "%s/store.db", fx->dir);
    assert_int_equal(ts_store_create(&one, db, &err), 0);
    snprintf(log, sizeof(log), "%s/one.log", fx->dir);
    ingest_lines(one, log, 0, 10);
    assert_int_equal(ts_store_checkpoint(one, &a, &err), 0);
    assert_int_equal(ts_store_checkpoint(one, &again, &err), 0);
    assert_string_equal(a, again);
    assert_non_null(strstr(a, "\n10\n"));
    free(again);
    snprintf(log, sizeof(log), "%s/two.log", fx->dir);
    ingest_lines(one, log, 10, 5); /* this handle commits */
    assert_int_equal(ts_store_checkpoint(one, &b, &err), 0);
    assert_non_null(strstr(b, "\n15\n"));
    assert_int_equal(ts_store_open(&two, db, 0, &err), 0);
    snprintf(log, sizeof(log), "%s/three.log", fx->dir);
    ingest_lines(two, log, 15, 3); /* another handle commits */
    assert_int_equal(ts_store_checkpoint(one, &c, &err), 0);
    assert_non_null(strstr(c, "\n18\n"));
    proofs_at_older(fx, one, a);
    free(a);
    free(b);
    free(c);
    ts_store_free(two);
    ts_store_free(one);
}

/* Population CSVs are counted by record, not by line: a line end inside
 * a quoted field (a statement's text) is part of the field. */
static void test_csv_records(void **state)
{
    fixture *fx = *state;
    char path[TS_PACK_PATH_MAX], link[TS_PACK_PATH_MAX];
    uint64_t n = 99;
    ts_error err;

    snprintf(path, sizeof(path), "%s/p.csv", fx->dir);
    put(fx->dir, "p.csv", "");
    assert_int_equal(ts_pack_csv_records(path, &n, &err), 0);
    assert_int_equal(n, 0);
    put(fx->dir, "p.csv",
        "a,b\n1,\"x\ny\"\n2,\"say \"\"hi\"\"\"\n3,\"\"\"\"\n");
    assert_int_equal(ts_pack_csv_records(path, &n, &err), 0);
    assert_int_equal(n, 4);
    put(fx->dir, "p.csv", "a\n1\n2"); /* no line end after the last */
    assert_int_equal(ts_pack_csv_records(path, &n, &err), 0);
    assert_int_equal(n, 3);
    put(fx->dir, "p.csv", "a\n\"1\n2\n");
    assert_int_equal(ts_pack_csv_records(path, &n, &err), TS_EINVAL);
    assert_non_null(strstr(err.msg, "never ends"));
    snprintf(link, sizeof(link), "%s/l.csv", fx->dir);
    assert_int_equal(symlink(path, link), 0);
    assert_int_not_equal(ts_pack_csv_records(link, &n, &err), 0);
    assert_non_null(strstr(err.msg, "symlink"));
}

/* Names from a hostile log reach results.json and parameters.json: as
 * U+FFFD where the text is shown, as its exact bytes where it is bound. */
static void test_json_text(void **state)
{
    json_t *v;
    char *dumped;

    (void)state;
    v = ts_json_text("ok \xc3\xa9");
    assert_string_equal(json_string_value(v), "ok \xc3\xa9");
    json_decref(v);
    v = ts_json_text("al\xff"
                     "ice \xed\xa0\x80!");
    assert_non_null(v);
    assert_string_equal(json_string_value(v),
                        "al\xef\xbf\xbd"
                        "ice \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!");
    json_decref(v);
    assert_true(json_is_null(ts_json_text(NULL)));
    v = ts_json_exact_text("{\"t\xfe\":1}");
    assert_true(json_is_object(v));
    assert_string_equal(json_string_value(json_object_get(v, "hex")),
                        "7b2274fe223a317d");
    dumped = json_dumps(v, 0);
    assert_non_null(dumped); /* valid JSON out */
    free(dumped);
    json_decref(v);
    v = ts_json_exact_text("{\"t\":1}");
    assert_string_equal(json_string_value(v), "{\"t\":1}");
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_oscal_deterministic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oscal_rejects_bad_results, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oscal_any_member_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oscal_refuses_bad_shapes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oscal_open_period, setup,
                                        teardown),
        cmocka_unit_test(test_rel_valid),
        cmocka_unit_test_setup_teardown(test_manifest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proofs_two_threads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_follows_commits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_csv_records, setup, teardown),
        cmocka_unit_test(test_json_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
