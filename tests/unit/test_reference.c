/* Tests of the reference-data readers: CSV and JSON splitting, identities,
 * approvals and catalog records, bad rows, source keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "ingest/ref_internal.h"
#include "trailseal/reference.h"
#include "trailseal/time.h"

#define MAX_ROWS 32

/* What one entry said, copied out of the borrowed event. */
typedef struct row {
    ts_event_kind kind;
    ts_ref_type type;
    uint64_t line, position, end_position;
    char reason[200];
    char a[64], b[64], c[64]; /* type-specific strings, "" for NULL */
    int64_t t1, t2;
    size_t n_accounts;
    char accounts[128]; /* "sys:acct;..." ("-" for no system) */
    int flags;          /* role attributes as bits, admin_option */
} row;

typedef struct run {
    size_t n;
    row rows[MAX_ROWS];
    char format[32];
    char key[TS_SOURCE_KEY_SIZE];
    uint64_t covered; /* bytes covered by contiguous entries */
} run;

static void cp(char *dst, const char *s)
{
    snprintf(dst, 64, "%s", s ? s : "");
}

static void copy_row(row *r, const ts_entry *e, const ts_event *ev)
{
    const ts_ref_record *x = ev->reference;

    memset(r, 0, sizeof(*r));
    r->kind = ev->kind;
    r->line = e->line;
    r->position = e->position;
    r->end_position = e->end_position;
    snprintf(r->reason, sizeof(r->reason), "%s",
             ev->unparsed_reason ? ev->unparsed_reason : "");
    assert_non_null(x);
    r->type = x->type;
    switch (x->type) {
    case TS_REF_IDENTITY:
        cp(r->a, x->name);
        cp(r->b, x->identity_kind);
        snprintf(r->c, sizeof(r->c), "%s/%s", x->owner ? x->owner : "",
                 x->status);
        r->t1 = x->terminated_us;
        r->n_accounts = x->n_accounts;
        for (size_t i = 0; i < x->n_accounts; i++) {
            size_t len = strlen(r->accounts);
            snprintf(r->accounts + len, sizeof(r->accounts) - len, "%s%s:%s",
                     i ? ";" : "",
                     x->accounts[i].system ? x->accounts[i].system : "-",
                     x->accounts[i].account);
        }
        break;
    case TS_REF_APPROVAL:
        cp(r->a, x->ticket);
        cp(r->b, x->approver);
        cp(r->c, x->scope);
        r->t1 = x->approved_us;
        r->t2 = x->valid_until_us;
        break;
    case TS_REF_ROLE:
        cp(r->a, x->role);
        r->flags = x->superuser | x->createrole << 1 | x->createdb << 2 |
                   x->bypassrls << 3 | x->replication << 4 | x->can_login << 5;
        r->t2 = x->valid_until_us;
        break;
    case TS_REF_MEMBER:
        cp(r->a, x->role);
        cp(r->b, x->member);
        r->flags = x->admin_option;
        break;
    case TS_REF_GRANT:
        cp(r->a, x->grantee);
        snprintf(r->b, sizeof(r->b), "%s %s %s", x->privilege, x->object_type,
                 x->object_name);
        cp(r->c, x->column_name);
        break;
    case TS_REF_COLUMN:
        snprintf(r->a, sizeof(r->a), "%s.%s.%s", x->schema_name, x->table_name,
                 x->column_name);
        cp(r->b, x->data_type);
        cp(r->c, x->comment);
        break;
    case TS_REF_CATALOG:
        cp(r->a, x->database);
        cp(r->b, x->server_version);
        cp(r->c, x->search_path);
        break;
    case TS_REF_RELATION:
        snprintf(r->a, sizeof(r->a), "%s %s.%s", x->relation_kind,
                 x->schema_name, x->table_name);
        cp(r->b, x->definition);
        cp(r->c, x->keys);
        break;
    default:
        break;
    }
}

/* Reads every entry of text as `dataset`; checks they follow each other
 * without gaps and cover the whole text. */
static void read_all(run *out, const char *dataset, const char *text)
{
    ts_source *src = NULL;
    ts_error err;
    ts_entry e;
    ts_event ev;
    int rc;

    memset(out, 0, sizeof(*out));
    ts_error_clear(&err);
    rc = ts_reference_open_buffer(&src, dataset, "t", text, strlen(text), &err);
    if (rc != 0)
        fail_msg("open: %s", err.msg);
    snprintf(out->format, sizeof(out->format), "%s", src->format);
    memcpy(out->key, src->key, sizeof(out->key));
    while ((rc = ts_source_next(src, &e, &ev, &err)) == 1) {
        assert_true(out->n < MAX_ROWS);
        assert_int_equal(e.position, out->covered);
        assert_memory_equal(e.record, text + e.position, e.record_len);
        assert_int_equal(e.end_position, e.position + e.record_len);
        out->covered = e.end_position;
        copy_row(&out->rows[out->n++], &e, &ev);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(out->covered, strlen(text));
    ts_source_free(src);
}

static int64_t t(const char *text)
{
    int64_t us;

    assert_int_equal(ts_time_parse(text, &us, NULL), 0);
    return us;
}

/* ---- the CSV pieces ---- */

static void test_csv_split(void **state)
{
    static const char rec[] = "a,\"b,c\",\"say \"\"hi\"\"\",,\"x\ny\"";
    char out[sizeof(rec) + 8];
    char *f[8];
    const char *reason = NULL;
    size_t n = 0;

    (void)state;
    assert_int_equal(ts_ref_csv_split(rec, strlen(rec), out, f, 8, &n, &reason),
                     0);
    assert_int_equal(n, 5);
    assert_string_equal(f[0], "a");
    assert_string_equal(f[1], "b,c");
    assert_string_equal(f[2], "say \"hi\"");
    assert_string_equal(f[3], "");
    assert_string_equal(f[4], "x\ny");

    assert_int_equal(ts_ref_csv_split("a,\"b", 4, out, f, 8, &n, &reason), -1);
    assert_string_equal(reason, "unterminated quoted field");
    assert_int_equal(ts_ref_csv_split("\"a\"b", 4, out, f, 8, &n, &reason), -1);
    assert_string_equal(reason, "text after a closing quote");
    assert_int_equal(ts_ref_csv_split("a\"b", 3, out, f, 8, &n, &reason), -1);
    assert_string_equal(reason, "quote inside an unquoted field");
    assert_int_equal(ts_ref_csv_split("a,b,c", 5, out, f, 2, &n, &reason), -1);
    assert_string_equal(reason, "more fields than a reference file may have");
}

static void test_csv_record_end(void **state)
{
    static const char two[] = "a,\"x\ny\"\nb\n";
    int open = -1;

    (void)state;
    assert_int_equal(ts_ref_csv_record_end(two, strlen(two), &open), 8);
    assert_int_equal(open, 0);
    assert_int_equal(ts_ref_csv_record_end("a,\"x\nb\n", 7, &open), 7);
    assert_int_equal(open, 1);
    assert_int_equal(ts_ref_csv_record_end("abc", 3, &open), 3);
    assert_int_equal(open, 0);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(ts_utf8_valid("plain", 5));
    assert_true(ts_utf8_valid("Fr\xc3\xa9"
                              "d\xc3\xa9ric",
                              11));
    assert_true(ts_utf8_valid("\xe2\x82\xac \xf0\x9f\x98\x80", 8));
    assert_false(ts_utf8_valid("Fr\xe9"
                               "d",
                               4));                     /* Latin-1 */
    assert_false(ts_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(ts_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(ts_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(ts_utf8_valid("ab\xe2\x82", 4));       /* truncated */
    assert_false(ts_utf8_valid("\xf5\x80\x80\x80", 4));
}

static void test_json_value_end(void **state)
{
    static const char nested[] =
        "{\"a\": [1, {\"b\": \"}\"}], \"c\": \"\\\"\"}, x";
    static const char broken[] = "{\"a\": \"open\n  {\"b\": 1}\n{\"c\": 2}\n";
    size_t end = 0;

    (void)state;
    assert_int_equal(ts_ref_json_value_end(nested, strlen(nested), 0, &end), 0);
    assert_int_equal(end, strlen(nested) - 3);
    /* a string with a raw newline is broken: reading resumes at the next
     * object at the same column, not at the indented one */
    assert_int_equal(ts_ref_json_value_end(broken, strlen(broken), 0, &end),
                     -1);
    assert_string_equal(broken + end, "{\"c\": 2}\n");
    assert_int_equal(ts_ref_json_value_end("{\"a\": 1", 7, 0, &end), -1);
    assert_int_equal(end, 7);
}

/* ---- identities ---- */

static void test_identities_csv(void **state)
{
    static const char text[] =
        "\xEF\xBB\xBF"
        "Name,Kind,owner,status,terminated_at,accounts,notes\n"
        "alice,Human,,,,postgres:alice; mariadb : alice_m ;,x\n"
        "# a comment\n"
        "\n"
        "bot,agent,alice,active,,analytics,\n"
        "bob,human,,Terminated,2026-11-30 17:00,postgres:bob,\n"
        "\"Broken \"\"quote,human,,,,,\n"
        "carol,service,bob,,,postgres:carol,\n"
        "dave,robot,,,,,\n"
        "erin,human,,,yesterday,,\n"
        "frank,human\n"
        "alice,human,,,,,\n"
        "Fr\xe9"
        "d,human,,,,,\n";
    run r;

    (void)state;
    read_all(&r, "identities", text);
    assert_string_equal(r.format, "identities-csv");
    assert_int_equal(r.n, 13);
    assert_int_equal(r.rows[0].kind, TS_EVENT_LOG); /* the header */
    assert_int_equal(r.rows[1].kind, TS_EVENT_REFERENCE);
    assert_string_equal(r.rows[1].a, "alice");
    assert_string_equal(r.rows[1].b, "human");
    assert_string_equal(r.rows[1].c, "/active");
    assert_string_equal(r.rows[1].accounts, "postgres:alice;mariadb:alice_m");
    assert_int_equal(r.rows[1].t1, TS_UNKNOWN_TIME);
    assert_int_equal(r.rows[2].kind, TS_EVENT_LOG); /* comment */
    assert_int_equal(r.rows[3].kind, TS_EVENT_LOG); /* blank */
    assert_string_equal(r.rows[4].accounts, "-:analytics");
    assert_string_equal(r.rows[4].c, "alice/active");
    assert_string_equal(r.rows[5].c, "/terminated");
    assert_int_equal(r.rows[5].t1, t("2026-11-30T17:00:00Z"));

    /* an unterminated quote spoils only its own line */
    assert_int_equal(r.rows[6].kind, TS_EVENT_UNPARSED);
    assert_int_equal(r.rows[6].line, 7);
    assert_string_equal(r.rows[6].reason, "CSV: unterminated quoted field");
    assert_int_equal(r.rows[7].kind, TS_EVENT_REFERENCE);
    assert_string_equal(r.rows[7].a, "carol");
    assert_int_equal(r.rows[7].line, 8);

    assert_string_equal(r.rows[8].reason,
                        "kind 'robot' is not human, agent or service");
    assert_string_equal(r.rows[9].reason,
                        "terminated_at 'yesterday' is not a time");
    assert_string_equal(r.rows[10].reason, "row has 2 fields, the header 7");
    assert_string_equal(r.rows[11].reason,
                        "identity 'alice' is already listed at line 2");
    assert_string_equal(r.rows[12].reason, "invalid UTF-8");
    assert_int_equal(r.rows[12].line, 13);
}

static void test_identities_bad_header(void **state)
{
    run r;

    (void)state;
    read_all(&r, "identities", "name,owner\nalice,bob\n");
    assert_int_equal(r.n, 2);
    assert_int_equal(r.rows[0].kind, TS_EVENT_UNPARSED);
    assert_string_equal(r.rows[0].reason,
                        "identities header has no 'kind' column");
    assert_int_equal(r.rows[1].kind, TS_EVENT_UNPARSED);
    assert_string_equal(
        r.rows[1].reason,
        "no usable header: identities header has no 'kind' column");

    read_all(&r, "identities", "name,kind,kind\na,human,agent\n");
    assert_string_equal(r.rows[0].reason, "header names column 'kind' twice");

    /* a missing final newline is still a row */
    read_all(&r, "identities", "name,kind\na,human");
    assert_int_equal(r.rows[1].kind, TS_EVENT_REFERENCE);
    /* a required value left empty */
    read_all(&r, "identities", "name,kind\n,human\n");
    assert_string_equal(r.rows[1].reason, "identities record has no name");
}

static void test_identities_json(void **state)
{
    static const char text[] =
        "[\n"
        "  {\"name\": \"alice\", \"kind\": \"human\",\n"
        "   \"accounts\": [\"postgres:alice\", {\"system\": \"mariadb\","
        " \"account\": \"alice_m\"}, {\"account\": \"al\"}]},\n"
        "  {\"name\": \"agent-7\", \"kind\": \"agent\", \"owner\": \"alice\","
        " \"status\": \"ACTIVE\"},\n"
        "  {\"name\": \"bad\", \"kind\": \"human\", \"accounts\": \"x\"},\n"
        "  {\"name\": \"open, \"kind\": \"human\"},\n"
        "  {\"name\": 7, \"kind\": \"human\"},\n"
        "  [1, 2],\n"
        "  {\"name\": \"last\", \"kind\": \"service\", \"accounts\": [3]}\n"
        "]\n";
    run r;

    (void)state;
    read_all(&r, "identities", text);
    assert_string_equal(r.format, "identities-json");
    assert_int_equal(r.n, 7);
    assert_int_equal(r.rows[0].kind, TS_EVENT_REFERENCE);
    assert_int_equal(r.rows[0].line, 2);
    assert_string_equal(r.rows[0].accounts,
                        "postgres:alice;mariadb:alice_m;-:al");
    assert_string_equal(r.rows[1].c, "alice/active");
    assert_int_equal(r.rows[1].line, 4);
    assert_string_equal(r.rows[2].reason, "accounts is not an array");
    assert_int_equal(r.rows[3].kind, TS_EVENT_UNPARSED);
    assert_int_equal(r.rows[3].line, 6);
    assert_true(strncmp(r.rows[3].reason, "JSON: ", 6) == 0);
    assert_string_equal(r.rows[4].reason,
                        "identities record has a member that is not a string");
    assert_string_equal(r.rows[5].reason, "JSON value is not an object");
    assert_string_equal(r.rows[6].reason,
                        "accounts[0] is neither a string nor an object");
    assert_int_equal(r.rows[6].line, 9);
}

static void test_json_lines_and_empty(void **state)
{
    run r;
    ts_source *src = NULL;
    ts_error err;

    (void)state;
    read_all(&r, "identities",
             "{\"name\": \"a\", \"kind\": \"human\"}\n"
             "{\"name\": \"b\", \"kind\": \"agent\"}\n");
    assert_int_equal(r.n, 2);
    assert_int_equal(r.rows[1].line, 2);
    assert_string_equal(r.rows[1].a, "b");

    read_all(&r, "identities", "[ ]\n");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.rows[0].kind, TS_EVENT_LOG);

    assert_int_equal(
        ts_reference_open_buffer(&src, "identities", "t", " \n", 2, &err),
        TS_EINVAL);
    assert_int_equal(
        ts_reference_open_buffer(&src, "people", "t", "x", 1, &err), TS_EINVAL);
    assert_int_equal(
        ts_reference_open_buffer(&src, "catalog", "t", "type,role\n", 10, &err),
        TS_EINVAL);
    assert_null(src);
}

/* ---- approvals ---- */

static void test_approvals(void **state)
{
    static const char text[] =
        "ticket,approver,approved_at,scope,valid_until\n"
        "CHG-1,alice,2026-11-20T10:00:00Z,public.orders*,2026-11-27\n"
        "CHG-2,bob,2026-11-21 08:00+02:00,\"free text, with a comma\",\n"
        "CHG-3,bob,soon,x,\n"
        "CHG-4,bob,2026-11-21,x,never\n"
        "CHG-5,,2026-11-21,x,\n";
    run r;

    (void)state;
    read_all(&r, "approvals", text);
    assert_string_equal(r.format, "approvals-csv");
    assert_int_equal(r.n, 6);
    assert_string_equal(r.rows[1].a, "CHG-1");
    assert_string_equal(r.rows[1].c, "public.orders*");
    assert_int_equal(r.rows[1].t1, t("2026-11-20T10:00:00Z"));
    assert_int_equal(r.rows[1].t2, t("2026-11-27"));
    assert_string_equal(r.rows[2].c, "free text, with a comma");
    assert_int_equal(r.rows[2].t1, t("2026-11-21T06:00:00Z"));
    assert_int_equal(r.rows[2].t2, TS_UNKNOWN_TIME);
    assert_string_equal(r.rows[3].reason, "approved_at 'soon' is not a time");
    assert_string_equal(r.rows[4].reason, "valid_until 'never' is not a time");
    assert_string_equal(r.rows[5].reason, "approvals record has no approver");
}

/* ---- catalog ---- */

static void test_catalog(void **state)
{
    static const char text[] =
        "{\"type\": \"catalog\", \"database\": \"shop\","
        " \"server_version\": \"15.8\"}\n"
        "{\"type\": \"role\", \"role\": \"dba\", \"superuser\": true,"
        " \"bypassrls\": true, \"can_login\": true,"
        " \"valid_until\": \"2027-01-01T00:00:00Z\"}\n"
        "{\"type\": \"role\", \"role\": \"r\", \"superuser\": \"yes\"}\n"
        "{\"type\": \"member\", \"role\": \"readers\", \"member\": \"alice\","
        " \"admin_option\": true}\n"
        "{\"type\": \"grant\", \"grantee\": \"alice\","
        " \"object_name\": \"public.t\", \"privilege\": \"select\"}\n"
        "{\"type\": \"grant\", \"grantee\": \"bob\", \"object_type\": \"VIEW\","
        " \"object_name\": \"public.v\", \"column_name\": \"c\","
        " \"privilege\": \"UPDATE\"}\n"
        "{\"type\": \"grant\", \"grantee\": \"bob\", \"privilege\": \"UPDATE\"}\n"
        "{\"type\": \"column\", \"schema\": \"public\", \"table\": \"t\","
        " \"column\": \"ssn\", \"data_type\": \"text\","
        " \"comment\": \"pii:ssn\"}\n"
        "{\"type\": \"index\"}\n"
        "{\"role\": \"x\"}\n";
    run r;

    (void)state;
    read_all(&r, "catalog", text);
    assert_string_equal(r.format, "catalog-json");
    assert_int_equal(r.n, 10);
    assert_int_equal(r.rows[0].type, TS_REF_CATALOG);
    assert_string_equal(r.rows[0].a, "shop");
    assert_int_equal(r.rows[1].type, TS_REF_ROLE);
    assert_int_equal(r.rows[1].flags, 1 | 8 | 32);
    assert_int_equal(r.rows[1].t2, t("2027-01-01T00:00:00Z"));
    assert_string_equal(r.rows[2].reason,
                        "role record has a member of the wrong JSON type");
    assert_int_equal(r.rows[3].type, TS_REF_MEMBER);
    assert_int_equal(r.rows[3].flags, 1);
    assert_string_equal(r.rows[4].b, "SELECT table public.t");
    assert_string_equal(r.rows[4].c, "");
    assert_string_equal(r.rows[5].b, "UPDATE view public.v");
    assert_string_equal(r.rows[5].c, "c");
    assert_string_equal(r.rows[6].reason, "grant record has no object_name");
    assert_string_equal(r.rows[7].a, "public.t.ssn");
    assert_string_equal(r.rows[7].c, "pii:ssn");
    assert_true(strstr(r.rows[8].reason, "'index' is not") != NULL);
    assert_string_equal(r.rows[9].reason,
                        "catalog record has no string 'type'");
}

/* relation records: what the SQL analysis needs of a table or view */
static void test_catalog_relations(void **state)
{
    static const char text[] =
        "{\"type\": \"catalog\", \"database\": \"shop\","
        " \"search_path\": [\"app\", \"public\"]}\n"
        "{\"type\": \"relation\", \"schema\": \"public\", \"name\": \"t\","
        " \"keys\": [{\"name\": \"t_pkey\", \"columns\": [\"id\"]}]}\n"
        "{\"type\": \"relation\", \"schema\": \"public\", \"name\": \"v\","
        " \"kind\": \"VIEW\", \"definition\": \"SELECT id FROM t\"}\n"
        "{\"type\": \"relation\", \"schema\": \"public\", \"name\": \"w\","
        " \"kind\": \"view\"}\n"
        "{\"type\": \"relation\", \"schema\": \"public\", \"name\": \"s\","
        " \"kind\": \"sequence\"}\n"
        "{\"type\": \"relation\", \"schema\": \"public\", \"name\": \"k\","
        " \"keys\": [\"id\"]}\n"
        "{\"type\": \"catalog\", \"search_path\": \"public\"}\n";
    run r;

    (void)state;
    read_all(&r, "catalog", text);
    assert_int_equal(r.n, 7);
    assert_int_equal(r.rows[0].type, TS_REF_CATALOG);
    assert_string_equal(r.rows[0].c, "[\"app\",\"public\"]");
    assert_int_equal(r.rows[1].type, TS_REF_RELATION);
    assert_string_equal(r.rows[1].a, "table public.t");
    assert_string_equal(r.rows[1].c,
                        "[{\"name\":\"t_pkey\",\"columns\":[\"id\"]}]");
    assert_string_equal(r.rows[2].a, "view public.v");
    assert_string_equal(r.rows[2].b, "SELECT id FROM t");
    assert_string_equal(r.rows[3].reason, "relation record has no definition");
    assert_string_equal(r.rows[4].reason,
                        "relation kind 'sequence' is not table or view");
    assert_string_equal(r.rows[5].reason,
                        "relation record has a member of the wrong JSON type");
    assert_string_equal(r.rows[6].reason,
                        "catalog record has a member of the wrong JSON type");
}

/* ---- keys ---- */

static void test_keys(void **state)
{
    run a, b, c;

    (void)state;
    read_all(&a, "identities", "name,kind\na,human\n");
    read_all(&b, "identities", "name,kind\na,human\n");
    read_all(&c, "identities", "name,kind\na,human\nb,agent\n");
    /* the same content is the same source, a grown file a new one (the
     * header alone does not name it, as it would a log) */
    assert_string_equal(a.key, b.key);
    assert_string_not_equal(a.key, c.key);
    read_all(&c, "approvals", "name,kind\na,human\n");
    assert_string_not_equal(a.key, c.key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_split),
        cmocka_unit_test(test_csv_record_end),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_json_value_end),
        cmocka_unit_test(test_identities_csv),
        cmocka_unit_test(test_identities_bad_header),
        cmocka_unit_test(test_identities_json),
        cmocka_unit_test(test_json_lines_and_empty),
        cmocka_unit_test(test_approvals),
        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_catalog_relations),
        cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
