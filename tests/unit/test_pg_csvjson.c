/* Tests of the csvlog and jsonlog readers, --format auto and compressed input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/test_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "common/common.h"
#include "ingest/ingest_internal.h"
#include "trailseal/ingest.h"
#include "trailseal/time.h"

/* pg15-pgaudit.* are what one real PostgreSQL 15.18 + pgAudit 1.7 wrote with
 * log_destination = 'csvlog,jsonlog' (scripts/demo-workload.sh plus a
 * multi-line statement with quotes); variants.* are hand-written from
 * PostgreSQL's formats (23, 24 and 26 columns, SSL, pg_hba, log_rows). */
#define CSV_REAL TS_TEST_DATA_DIR "/pg-csvlog/pg15-pgaudit.csv"
#define JSON_REAL TS_TEST_DATA_DIR "/pg-jsonlog/pg15-pgaudit.json"
#define CSV_VARIANTS TS_TEST_DATA_DIR "/pg-csvlog/variants.csv"
#define JSON_VARIANTS TS_TEST_DATA_DIR "/pg-jsonlog/variants.json"
#define STDERR_REAL TS_TEST_DATA_DIR "/pg-stderr/pgaudit-m.log"

typedef struct run {
    size_t n;
    size_t kinds[TS_EVENT_KIND_COUNT];
    ts_buf bytes;
    uint64_t first_unparsed_line;
    char first_reason[200];
    char key[TS_SOURCE_KEY_SIZE];
    int rc; /* of the last next() */
    char err[TS_ERROR_MSG_SIZE];
} run;

/* Reads src to the end; records must follow each other without gaps. */
static void read_all(ts_source *src, run *r)
{
    ts_entry e;
    ts_event ev;
    ts_error err;
    uint64_t pos = 0, line = 1;

    memset(r, 0, sizeof(*r));
    ts_buf_init(&r->bytes, (size_t)1 << 30);
    memcpy(r->key, src->key, sizeof(r->key));
    ts_error_clear(&err);
    while ((r->rc = ts_source_next(src, &e, &ev, &err)) == 1) {
        assert_int_equal(e.position, pos);
        assert_int_equal(e.line, line);
        assert_int_equal(e.end_position - e.position, e.record_len);
        assert_true(e.record_len > 0);
        assert_true(ev.kind == TS_EVENT_UNPARSED || ev.unparsed_reason == NULL);
        if (ev.kind == TS_EVENT_UNPARSED) {
            assert_non_null(ev.unparsed_reason);
            assert_null(strchr(ev.unparsed_reason, '\n'));
            if (r->kinds[TS_EVENT_UNPARSED] == 0) {
                r->first_unparsed_line = e.line;
                snprintf(r->first_reason, sizeof(r->first_reason), "%s",
                         ev.unparsed_reason);
            }
        }
        pos = e.end_position;
        line = e.end_line;
        r->n++;
        r->kinds[ev.kind]++;
        assert_int_equal(ts_buf_append(&r->bytes, e.record, e.record_len, NULL),
                         0);
    }
    snprintf(r->err, sizeof(r->err), "%s", err.msg);
}

static void run_file(const char *format, const char *config, const char *path,
                     run *r)
{
    ts_source *src = NULL;
    ts_error err;

    if (ts_source_open_file(&src, format, config, path, &err) != 0)
        fail_msg("open '%s' as %s: %s", path, format, err.msg);
    read_all(src, r);
    ts_source_free(src);
}

/* A reader with a small record limit over data written to a temp file. */
static void run_bytes(const char *format, const void *data, size_t len,
                      size_t limit, run *r)
{
    char *path = write_temp(data, len);
    ts_source *src = NULL;
    ts_input *in = NULL;
    ts_error err;
    int rc;

    assert_int_equal(ts_input_open(&in, path, &err), 0);
    if (strcmp(format, "pg-csvlog") == 0)
        rc = ts_pg_csvlog_open_input(&src, in, limit, &err);
    else
        rc = ts_pg_jsonlog_open_input(&src, in, limit, &err);
    if (rc != 0)
        fail_msg("open: %s", err.msg);
    read_all(src, r);
    assert_int_equal(r->rc, 0);
    /* every byte is sealed, in order */
    assert_int_equal(r->bytes.len, len);
    if (len > 0)
        assert_memory_equal(r->bytes.data, data, len);
    ts_source_free(src);
    unlink(path);
    free(path);
}

static void assert_same_file(const run *r, const char *path)
{
    size_t len;
    uint8_t *data = slurp(path, &len);

    assert_int_equal(r->rc, 0);
    assert_int_equal(r->bytes.len, len);
    assert_memory_equal(r->bytes.data, data, len);
    free(data);
}

/* Counted from the files: grep -c '"AUDIT: ' (40) and so on; csvlog and
 * jsonlog were written by the same server at the same time, so every
 * count is the same in both. */
static void check_real_counts(const run *r)
{
    assert_int_equal(r->n, 138);
    assert_int_equal(r->kinds[TS_EVENT_UNPARSED], 0);
    assert_int_equal(r->kinds[TS_EVENT_AUDIT], 40);
    assert_int_equal(r->kinds[TS_EVENT_CONNECTION_RECEIVED], 8);
    assert_int_equal(r->kinds[TS_EVENT_CONNECTION_AUTHORIZED], 7);
    assert_int_equal(r->kinds[TS_EVENT_DISCONNECTION], 7);
    assert_int_equal(r->kinds[TS_EVENT_AUTH_FAILURE], 1);
    assert_int_equal(r->kinds[TS_EVENT_ERROR], 1);
    assert_int_equal(r->kinds[TS_EVENT_STATEMENT], 34);
    assert_int_equal(r->kinds[TS_EVENT_LOG], 40);
}

static void test_real_csvlog(void **state)
{
    run r;

    (void)state;
    run_file("pg-csvlog", NULL, CSV_REAL, &r);
    assert_same_file(&r, CSV_REAL);
    check_real_counts(&r);
    ts_buf_release(&r.bytes);
}

static void test_real_jsonlog(void **state)
{
    run r;

    (void)state;
    run_file("pg-jsonlog", NULL, JSON_REAL, &r);
    assert_same_file(&r, JSON_REAL);
    check_real_counts(&r);
    ts_buf_release(&r.bytes);
}

static int eq(const char *a, const char *b)
{
    return a != NULL && strcmp(a, b) == 0;
}

/* The same seven events, field by field, from both variants files. */
static void check_variants(const char *format, const char *path)
{
    ts_source *src = NULL;
    ts_entry e;
    ts_event ev;
    ts_error err;
    char value[64];
    const char *cursor;
    size_t vlen;
    int i = 0;

    assert_int_equal(ts_source_open_file(&src, format, NULL, path, &err), 0);
    while (ts_source_next(src, &e, &ev, &err) == 1) {
        assert_int_not_equal(ev.kind, TS_EVENT_UNPARSED);
        assert_true(eq(ev.session_id, i == 1             ? "65e1a2b1.66"
                                      : i == 2           ? "65e1a2b2.67"
                                      : i >= 4 && i != 5 ? "65e1a2b4.68"
                                                         : "65e1a2b0.65"));
        switch (i++) {
        case 0: /* 23 columns (PostgreSQL 12) */
            assert_int_equal(ev.kind, TS_EVENT_CONNECTION_AUTHORIZED);
            assert_true(eq(ev.tls_protocol, "TLSv1.3"));
            assert_true(eq(ev.tls_cipher, "TLS_AES_256_GCM_SHA384"));
            assert_true(eq(ev.client_host, "10.0.0.5"));
            assert_true(eq(ev.client_port, "50000"));
            assert_int_equal(ev.pid, 101);
            assert_int_equal(ev.session_line, 2);
            assert_true(ev.time_us == 1709287200123000);
            break;
        case 1: /* 24 columns (13) */
            assert_int_equal(ev.kind, TS_EVENT_AUTH_FAILURE);
            assert_true(eq(ev.account, "mallory"));
            assert_true(eq(ev.sqlstate, "28000"));
            assert_true(eq(ev.severity, "FATAL"));
            break;
        case 2: /* 26 columns (14+) */
            assert_int_equal(ev.kind, TS_EVENT_AUTH_FAILURE);
            assert_true(eq(ev.account, "ghost"));
            break;
        case 3: /* pgAudit with log_rows, parameters quoted three deep */
            assert_int_equal(ev.kind, TS_EVENT_AUDIT);
            assert_true(eq(ev.object_name, "public.customers"));
            assert_true(eq(ev.audit_class, "WRITE"));
            assert_int_equal(ev.statement_id, 3);
            assert_true(eq(ev.statement, "INSERT INTO public.customers (id, "
                                         "full_name) VALUES ($1, $2)"));
            cursor = ev.parameter;
            assert_int_equal(ts_pgaudit_param_next(&cursor, value, &vlen), 1);
            assert_string_equal(value, "7");
            assert_int_equal(ts_pgaudit_param_next(&cursor, value, &vlen), 1);
            assert_string_equal(value, "O\"Brien, Ann");
            assert_int_equal(ts_pgaudit_param_next(&cursor, value, &vlen), 0);
            /* 10:00:03.500 CET */
            assert_true(ev.time_us == 1709283603500000);
            break;
        case 4:
            assert_int_equal(ev.kind, TS_EVENT_ERROR);
            assert_true(eq(ev.sqlstate, "42501"));
            assert_true(eq(ev.query, "SELECT full_name,\n       ssn FROM "
                                     "customers;"));
            assert_true(eq(ev.application, "dbeaver, 23.1"));
            assert_true(eq(ev.client_host, "::1"));
            assert_true(eq(ev.client_port, "50003"));
            break;
        case 5:
            assert_int_equal(ev.kind, TS_EVENT_DISCONNECTION);
            assert_true(ev.session_duration_us ==
                        ((int64_t)3723 * 1000000 + 456000));
            break;
        case 6:
            assert_int_equal(ev.kind, TS_EVENT_STATEMENT);
            assert_true(eq(ev.statement, "SELECT 1"));
            assert_true(eq(ev.client_host, "[local]"));
            assert_null(ev.client_port);
            break;
        }
    }
    assert_int_equal(i, 7);
    ts_source_free(src);
}

static void test_variants(void **state)
{
    (void)state;
    check_variants("pg-csvlog", CSV_VARIANTS);
    check_variants("pg-jsonlog", JSON_VARIANTS);
    check_variants("auto", CSV_VARIANTS);
    check_variants("auto", JSON_VARIANTS);
}

/* --format auto picks the reader from the first line. */
static void test_auto(void **state)
{
    ts_source *src = NULL;
    ts_error err;

    (void)state;
    assert_int_equal(ts_source_open_file(&src, "auto", NULL, CSV_REAL, &err),
                     0);
    assert_string_equal(src->format, "pg-csvlog");
    ts_source_free(src);
    assert_int_equal(
        ts_source_open_file(&src, "auto", "%m [%p] ", JSON_REAL, &err), 0);
    assert_string_equal(src->format, "pg-jsonlog");
    ts_source_free(src);
    assert_int_equal(ts_source_open_file(&src, "auto",
                                         "%m [%p] %q%u@%d/%a %r %c %e ",
                                         STDERR_REAL, &err),
                     0);
    assert_string_equal(src->format, "pg-stderr");
    ts_source_free(src);
    /* a stderr log without its prefix: say what is missing */
    assert_int_equal(ts_source_open_file(&src, "auto", NULL, STDERR_REAL, &err),
                     TS_EINVAL);
    assert_null(src);
    assert_non_null(strstr(err.msg, "--prefix"));
    assert_int_equal(
        ts_source_open_file(&src, "pg-stderr", NULL, STDERR_REAL, &err),
        TS_EINVAL);
    assert_int_equal(ts_source_open_file(&src, "nope", NULL, CSV_REAL, &err),
                     TS_EINVAL);
}

static char *gzip_file(const void *data, size_t len, size_t *out_len)
{
    char *path = write_temp("", 0);
    gzFile gz = gzopen(path, "wb");
    size_t n;
    uint8_t *back;

    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
    assert_int_equal(gzclose(gz), Z_OK);
    back = slurp(path, &n);
    free(back);
    *out_len = n;
    return path;
}

/* Compressed input reads as the same entries, with the same key: the key
 * names the content, not the container. */
static void test_compressed(void **state)
{
    size_t len, zlen, glen;
    uint8_t *data = slurp(CSV_REAL, &len);
    size_t bound = ZSTD_compressBound(len);
    uint8_t *z = malloc(bound), *gz;
    char *zpath, *gpath, *tpath;
    run plain, rz, rg, rt;

    (void)state;
    assert_non_null(z);
    zlen = ZSTD_compress(z, bound, data, len, 3);
    assert_false(ZSTD_isError(zlen));
    zpath = write_temp(z, zlen);
    gpath = gzip_file(data, len, &glen);

    run_file("pg-csvlog", NULL, CSV_REAL, &plain);
    run_file("auto", NULL, zpath, &rz);
    run_file("pg-csvlog", NULL, gpath, &rg);
    assert_same_file(&rz, CSV_REAL);
    assert_same_file(&rg, CSV_REAL);
    assert_string_equal(plain.key, rz.key);
    assert_string_equal(plain.key, rg.key);
    assert_int_equal(rz.n, plain.n);
    assert_memory_equal(rz.kinds, plain.kinds, sizeof(plain.kinds));

    /* a truncated gzip file: what was before is read, then an error */
    gz = slurp(gpath, &glen);
    tpath = write_temp(gz, glen / 2);
    run_file("pg-csvlog", NULL, tpath, &rt);
    assert_int_equal(rt.rc, TS_EIO);
    assert_non_null(strstr(rt.err, "truncated"));
    assert_true(rt.n > 10 && rt.n < plain.n);
    assert_memory_equal(rt.bytes.data, data, rt.bytes.len);

    /* damaged zstd data is an error, never a crash */
    z[zlen / 2] ^= 0x55;
    z[zlen / 2 + 1] ^= 0x55;
    unlink(zpath);
    free(zpath);
    zpath = write_temp(z, zlen);
    {
        ts_source *src = NULL;
        ts_error err;
        int rc = ts_source_open_file(&src, "pg-csvlog", NULL, zpath, &err);
        if (rc == 0) {
            ts_buf_release(&rz.bytes);
            read_all(src, &rz);
            rc = rz.rc;
            memcpy(err.msg, rz.err, sizeof(err.msg));
        }
        /* found when the key reads the first line, or later */
        assert_int_equal(rc, TS_EIO);
        assert_non_null(strstr(err.msg, "damaged"));
        ts_source_free(src);
    }

    unlink(zpath);
    unlink(gpath);
    unlink(tpath);
    free(zpath);
    free(gpath);
    free(tpath);
    free(gz);
    free(z);
    free(data);
    ts_buf_release(&plain.bytes);
    ts_buf_release(&rz.bytes);
    ts_buf_release(&rg.bytes);
    ts_buf_release(&rt.bytes);
}

/* Resuming a compressed source: seek decompresses and skips. */
static void test_seek_compressed(void **state)
{
    size_t len, glen;
    uint8_t *data = slurp(JSON_REAL, &len);
    char *gpath = gzip_file(data, len, &glen);
    ts_source *src = NULL;
    ts_entry e;
    ts_event ev;
    ts_error err;
    uint64_t pos = 0, line = 0;

    (void)state;
    assert_int_equal(ts_source_open_file(&src, "auto", NULL, gpath, &err), 0);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
        pos = e.end_position;
        line = e.end_line;
    }
    ts_source_free(src);
    assert_int_equal(ts_source_open_file(&src, "auto", NULL, gpath, &err), 0);
    assert_int_equal(ts_source_seek(src, pos, line, &err), 0);
    assert_int_equal(ts_source_next(src, &e, &ev, &err), 1);
    assert_int_equal(e.position, pos);
    assert_int_equal(e.line, line);
    assert_int_equal(line, 101);
    assert_memory_equal(e.record, data + pos, e.record_len);
    ts_source_free(src);
    /* past the end is an error, not a crash */
    assert_int_equal(ts_source_open_file(&src, "auto", NULL, gpath, &err), 0);
    assert_int_equal(ts_source_seek(src, len + 1, 9999, &err), TS_EINVAL);
    ts_source_free(src);
    unlink(gpath);
    free(gpath);
    free(data);
}

/* ---- bad input, per format ------------------------------------------ */

static const char csv_good[] =
    "2024-03-01 10:00:00.000 UTC,\"a\",\"d\",1,\"h:1\",s.1,1,\"idle\","
    "2024-03-01 10:00:00 UTC,,0,LOG,00000,\"statement: SELECT 1\",,,,,,,,,"
    "\"psql\",\"client backend\",,0\n";
static const char json_good[] =
    "{\"timestamp\":\"2024-03-01 10:00:00.000 UTC\",\"user\":\"a\","
    "\"pid\":1,\"session_id\":\"s.1\",\"error_severity\":\"LOG\","
    "\"message\":\"statement: SELECT 1\"}\n";

/* good lines around `bad`: good x2, bad, good */
static char *sandwich(const char *good, const char *bad, size_t bad_len,
                      size_t *len)
{
    size_t g = strlen(good);
    char *s = malloc(3 * g + bad_len);

    assert_non_null(s);
    memcpy(s, good, g);
    memcpy(s + g, good, g);
    memcpy(s + 2 * g, bad, bad_len);
    memcpy(s + 2 * g + bad_len, good, g);
    *len = 3 * g + bad_len;
    return s;
}

static void expect_sandwich(const char *format, const char *bad, size_t bad_len,
                            size_t n_unparsed, const char *reason_part)
{
    const char *good = strcmp(format, "pg-csvlog") == 0 ? csv_good : json_good;
    size_t len;
    char *s = sandwich(good, bad, bad_len, &len);
    run r;

    run_bytes(format, s, len, TS_PG_RECORD_LIMIT, &r);
    assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 3);
    assert_int_equal(r.kinds[TS_EVENT_UNPARSED], n_unparsed);
    if (n_unparsed > 0) {
        assert_int_equal(r.first_unparsed_line, 3);
        if (strstr(r.first_reason, reason_part) == NULL)
            fail_msg("%s: reason '%s' lacks '%s'", format, r.first_reason,
                     reason_part);
    }
    ts_buf_release(&r.bytes);
    free(s);
}

static void test_bad_quoting(void **state)
{
    static const char csv_bad[] =
        "2024-03-01 10:00:00.000 UTC,\"a\",\"d\",1,\"h:1\",s.1,1,\"idle\","
        "2024-03-01 10:00:00 UTC,,0,LOG,00000,\"statement: \"SELECT\" 1\",,,,,,"
        ",,,\"psql\",\"client backend\",,0\n";
    static const char csv_unterminated[] =
        "2024-03-01 10:00:00.000 UTC,\"a\",\"d\",1,\"h:1\",s.1,1,\"idle\","
        "2024-03-01 10:00:00 UTC,,0,LOG,00000,\"statement: SELECT 1,,,,,,,,,"
        "\"psql\",\"client backend\",,0\n";
    static const char json_bad[] =
        "{\"timestamp\":\"2024-03-01 10:00:00.000 UTC\",\"message\":\"x}\n";

    (void)state;
    expect_sandwich("pg-csvlog", csv_bad, strlen(csv_bad), 1,
                    "text after a closing quote");
    /* an odd quote would swallow the rest: only its own line is lost */
    expect_sandwich("pg-csvlog", csv_unterminated, strlen(csv_unterminated), 1,
                    "unterminated");
    expect_sandwich("pg-jsonlog", json_bad, strlen(json_bad), 1, "not JSON");
}

static void test_bad_timestamp(void **state)
{
    static const char csv_bad[] =
        "2024-13-45 25:61:00.000 UTC,\"a\",\"d\",1,\"h:1\",s.1,1,\"idle\","
        "2024-03-01 10:00:00 UTC,,0,LOG,00000,\"statement: SELECT 1\",,,,,,,,"
        ",\"psql\",\"client backend\",,0\n";
    static const char json_bad[] =
        "{\"timestamp\":\"2024-13-45 25:61:00.000 UTC\",\"error_severity\":"
        "\"LOG\",\"message\":\"statement: SELECT 1\"}\n";

    static const char csv_feb30[] =
        "2023-02-29 10:00:00.000 UTC,\"a\",\"d\",1,\"h:1\",s.1,1,\"idle\","
        "2024-03-01 10:00:00 UTC,,0,LOG,00000,\"statement: SELECT 1\",,,,,,,,"
        ",\"psql\",\"client backend\",,0\n";

    (void)state;
    expect_sandwich("pg-csvlog", csv_bad, strlen(csv_bad), 1, "time");
    expect_sandwich("pg-jsonlog", json_bad, strlen(json_bad), 1, "time");
    /* 2023 is no leap year */
    expect_sandwich("pg-csvlog", csv_feb30, strlen(csv_feb30), 1, "time");
}

static void test_bad_utf8_and_binary(void **state)
{
    static const char csv_utf8[] =
        "2024-03-01 10:00:00.000 UTC,\"a\",\"d\",1,\"h:1\",s.1,1,\"idle\","
        "2024-03-01 10:00:00 UTC,,0,LOG,00000,\"caf\xc3\x28 \xff\xfe\",,,,,,,,"
        ",\"psql\",\"client backend\",,0\n";
    static const char json_utf8[] =
        "{\"timestamp\":\"2024-03-01 10:00:00.000 UTC\",\"error_severity\":"
        "\"LOG\",\"message\":\"caf\xc3\x28 \xff\xfe\"}\n";
    uint8_t garbage[5000];
    uint32_t x = 12345;

    (void)state;
    /* csvlog fields are bytes: the record parses, its text kept as is */
    expect_sandwich("pg-csvlog", csv_utf8, strlen(csv_utf8), 0, "");
    /* JSON must be UTF-8 */
    expect_sandwich("pg-jsonlog", json_utf8, strlen(json_utf8), 1, "not JSON");
    for (size_t i = 0; i < sizeof(garbage); i++) {
        x = x * 1103515245u + 12345u;
        garbage[i] = (uint8_t)(x >> 16);
        if (garbage[i] == '\n')
            garbage[i] = 0; /* one "line" of garbage, NULs included */
    }
    garbage[sizeof(garbage) - 1] = '\n';
    expect_sandwich("pg-csvlog", (const char *)garbage, sizeof(garbage), 1, "");
    expect_sandwich("pg-jsonlog", (const char *)garbage, sizeof(garbage), 1,
                    "");
}

static void test_truncated_and_empty(void **state)
{
    const char *formats[] = {"pg-csvlog", "pg-jsonlog"};
    run r;

    (void)state;
    for (int f = 0; f < 2; f++) {
        const char *good = f == 0 ? csv_good : json_good;
        size_t g = strlen(good), len;
        char *s = sandwich(good, "", 0, &len);

        /* the last record cut in the middle of its message, no newline */
        run_bytes(formats[f], s, len - g / 3, TS_PG_RECORD_LIMIT, &r);
        assert_int_equal(r.n, 3);
        assert_int_equal(r.kinds[TS_EVENT_UNPARSED], 1);
        assert_int_equal(r.first_unparsed_line, 3);
        ts_buf_release(&r.bytes);
        /* empty input: no entries, no error */
        run_bytes(formats[f], "", 0, TS_PG_RECORD_LIMIT, &r);
        assert_int_equal(r.n, 0);
        ts_buf_release(&r.bytes);
        free(s);
    }
}

/* A record of 1.5 MB parses; over the limit it is cut into unparsed
 * pieces and the records after it parse again. */
static void test_long_lines(void **state)
{
    const size_t big = (size_t)1536 << 10;
    (void)state;

    for (int f = 0; f < 2; f++) {
        const char *good = f == 0 ? csv_good : json_good;
        const char *format = f == 0 ? "pg-csvlog" : "pg-jsonlog";
        const char *needle = "SELECT 1";
        const char *at = strstr(good, needle);
        size_t head = (size_t)(at - good), g = strlen(good), len;
        char *line = malloc(g + big + 16), *s;
        run r;

        assert_non_null(line);
        memcpy(line, good, head);
        memcpy(line + head, "SELECT '", 8);
        memset(line + head + 8, 'x', big);
        memcpy(line + head + 8 + big, "'", 1);
        memcpy(line + head + 9 + big, at + strlen(needle),
               g - head - strlen(needle));
        s = sandwich(good, line, g - strlen(needle) + 9 + big, &len);
        run_bytes(format, s, len, TS_PG_RECORD_LIMIT, &r);
        assert_int_equal(r.n, 4);
        assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 4);
        ts_buf_release(&r.bytes);
        run_bytes(format, s, len, (size_t)256 << 10, &r);
        assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 3);
        assert_true(r.kinds[TS_EVENT_UNPARSED] >= 6);
        assert_non_null(strstr(r.first_reason, "exceeds"));
        ts_buf_release(&r.bytes);
        free(line);
        free(s);
    }
}

/* A damaged first line does not hide the format of the lines after it. */
static void test_auto_damaged_head(void **state)
{
    const char *goods[] = {csv_good, json_good};
    const char *names[] = {"pg-csvlog", "pg-jsonlog"};

    (void)state;
    for (int f = 0; f < 2; f++) {
        size_t len;
        char *s = sandwich("\x01garbage\n", goods[f], strlen(goods[f]), &len);
        char *path = write_temp(s, len);
        ts_source *src = NULL;
        ts_error err;
        run r;

        assert_int_equal(ts_source_open_file(&src, "auto", NULL, path, &err),
                         0);
        assert_string_equal(src->format, names[f]);
        read_all(src, &r);
        /* csvlog joins the two garbage lines before the record into one
         * unparsed entry (they do not start like a record) */
        assert_int_equal(r.kinds[TS_EVENT_UNPARSED], f == 0 ? 2 : 3);
        assert_int_equal(r.kinds[TS_EVENT_STATEMENT], 1);
        assert_int_equal(r.bytes.len, len);
        ts_buf_release(&r.bytes);
        ts_source_free(src);
        unlink(path);
        free(path);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_csvlog),
        cmocka_unit_test(test_real_jsonlog),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_auto),
        cmocka_unit_test(test_compressed),
        cmocka_unit_test(test_seek_compressed),
        cmocka_unit_test(test_bad_quoting),
        cmocka_unit_test(test_bad_timestamp),
        cmocka_unit_test(test_bad_utf8_and_binary),
        cmocka_unit_test(test_truncated_and_empty),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_auto_damaged_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
