/* JSON written and read a piece at a time (report/json_out.c,
 * report/json_in.c): the writer's text is byte for byte jansson's dump of
 * the same tree, fragments splice in place; the reader walks a file much
 * larger than its window with values across the window's edges, passes
 * over values and comes back to them, and says where a broken file is
 * broken. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/json_in.h"
#include "report/json_out.h"
#include "test_files.h"

/* What f holds, NUL-terminated; free() it. */
static char *contents(FILE *f)
{
    long size;
    char *text;

    assert_int_equal(fflush(f), 0);
    size = ftell(f);
    assert_true(size >= 0);
    text = malloc((size_t)size + 1);
    assert_non_null(text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    return text;
}

/* f holds want and the newline that ends a document. */
static void assert_document(FILE *f, const char *want)
{
    char *got = contents(f);

    assert_int_equal(got[strlen(want)], '\n');
    got[strlen(want)] = '\0';
    assert_string_equal(got, want);
    free(got);
}

/* {"a": 1, "list": [{"x": "é\"\n"}, [], {}, null], "empty": [], "o": {"k":
 * true}} written by the writer against jansson's dump, at two indents. */
static void test_writer_matches_jansson(void **state)
{
    (void)state;
    for (int indent = 1; indent <= 2; indent++) {
        json_t *doc =
            json_pack("{s:i, s:[{s:s}, [], {}, n], s:[], s:{s:b}}", "a", 1,
                      "list", "x", "\xc3\xa9\"\n", "empty", "o", "k", 1);
        char *want = json_dumps(doc, JSON_INDENT(indent) | JSON_PRESERVE_ORDER);
        FILE *f = tmpfile();
        ts_json_out o;

        assert_non_null(want);
        assert_non_null(f);
        ts_json_out_init(&o, f, indent, 0);
        ts_json_out_begin(&o, NULL, '{');
        ts_json_out_value(&o, "a", json_integer(1));
        ts_json_out_begin(&o, "list", '[');
        ts_json_out_value(&o, NULL, json_pack("{s:s}", "x", "\xc3\xa9\"\n"));
        ts_json_out_begin(&o, NULL, '[');
        ts_json_out_end(&o);
        ts_json_out_value(&o, NULL, json_object());
        ts_json_out_value(&o, NULL, json_null());
        ts_json_out_end(&o);
        ts_json_out_value(&o, "empty", json_array());
        ts_json_out_value(&o, "o", json_pack("{s:b}", "k", 1));
        ts_json_out_end(&o);
        assert_int_equal(ts_json_out_finish(&o), 0);
        assert_document(f, want);
        free(want);
        json_decref(doc);
        fclose(f);
    }
}

/* Items written to a spool at their depth and spliced into the document
 * read as if written in place; an empty splice leaves an empty array. */
static void test_writer_splice(void **state)
{
    json_t *doc = json_pack("{s:{s:[{s:i}, {s:[i, i]}], s:[]}}", "r", "items",
                            "n", 1, "m", 2, 3, "none");
    char *want = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    FILE *f = tmpfile(), *spool = tmpfile(), *empty = tmpfile();
    ts_json_out o, s;

    (void)state;
    ts_json_out_init(&s, spool, 2, 3);
    ts_json_out_value(&s, NULL, json_pack("{s:i}", "n", 1));
    ts_json_out_begin(&s, NULL, '{');
    ts_json_out_value(&s, "m", json_pack("[i, i]", 2, 3));
    ts_json_out_end(&s);
    assert_int_equal(ts_json_out_finish(&s), 0);

    ts_json_out_init(&o, f, 2, 0);
    ts_json_out_begin(&o, NULL, '{');
    ts_json_out_begin(&o, "r", '{');
    ts_json_out_begin(&o, "items", '[');
    ts_json_out_splice(&o, spool, 2);
    ts_json_out_end(&o);
    ts_json_out_begin(&o, "none", '[');
    ts_json_out_splice(&o, empty, 0);
    ts_json_out_end(&o);
    ts_json_out_end(&o);
    ts_json_out_end(&o);
    assert_int_equal(ts_json_out_finish(&o), 0);
    assert_document(f, want);
    free(want);
    json_decref(doc);
    fclose(f);
    fclose(spool);
    fclose(empty);
}

/* Misuse and missing values fail the writer instead of writing bad JSON. */
static void test_writer_failures(void **state)
{
    FILE *f = tmpfile();
    ts_json_out o;

    (void)state;
    ts_json_out_init(&o, f, 1, 0);
    ts_json_out_end(&o); /* nothing open */
    assert_int_equal(ts_json_out_finish(&o), -1);

    ts_json_out_init(&o, f, 1, 0);
    ts_json_out_begin(&o, NULL, '{');
    assert_int_equal(ts_json_out_finish(&o), -1); /* left open */

    ts_json_out_init(&o, f, 1, 0);
    ts_json_out_begin(&o, NULL, '[');
    ts_json_out_value(&o, NULL, NULL); /* out of memory */
    ts_json_out_end(&o);
    assert_int_equal(ts_json_out_finish(&o), -1);

    ts_json_out_init(&o, f, 1, 0);
    ts_json_out_value(&o, NULL, json_integer(1));
    ts_json_out_value(&o, NULL, json_integer(2)); /* a second document */
    assert_int_equal(ts_json_out_finish(&o), -1);

    ts_json_out_init(&o, f, 1, 0);
    ts_json_out_begin(&o, NULL, '(');
    assert_int_equal(ts_json_out_finish(&o), -1);
    fclose(f);
}

typedef struct reader {
    char *path;
    int fd;
    ts_json_in in;
} reader;

static void open_text(reader *r, const char *text, size_t len)
{
    ts_error err;

    r->path = write_temp(text, len);
    r->fd = open(r->path, O_RDONLY);
    assert_true(r->fd >= 0);
    assert_int_equal(ts_json_in_init(&r->in, r->fd, "doc.json", &err), 0);
}

static void close_text(reader *r)
{
    ts_json_in_release(&r->in);
    close(r->fd);
    unlink(r->path);
    free(r->path);
}

/* {"head": 7, "items": [ ...200,000 items... ], "big": "<3 MiB>",
 * "tail": [1, 2]}: the items (numbers, strings with escapes, objects,
 * literals) fall across many 1 MiB windows, the big string is larger than
 * the window. */
static void test_reader_walks_large_file(void **state)
{
    const size_t n = 200000, big = (size_t)3 << 20;
    size_t cap = n * 64 + big + 4096, len = 0;
    char *text = malloc(cap), key[TS_JSON_IN_MAX_KEY];
    ts_json_in_mark items, after_items;
    reader r;
    ts_error err;
    json_t *v;
    size_t i;

    (void)state;
    assert_non_null(text);
    len += (size_t)sprintf(text + len, "{\"head\": 7,\n \"items\": [");
    for (i = 0; i < n; i++) {
        const char *sep = i ? ",\n  " : "\n  ";
        if (i % 4 == 0)
            len += (size_t)sprintf(text + len, "%s%zu", sep, i * 1000003);
        else if (i % 4 == 1)
            len += (size_t)sprintf(text + len, "%s\"s\\\"%zu\\n\"", sep, i);
        else if (i % 4 == 2)
            len += (size_t)sprintf(text + len, "%s{\"i\": %zu, \"t\": [\"]\"]}",
                                   sep, i);
        else
            len += (size_t)sprintf(text + len, "%s%s", sep,
                                   i % 8 == 3 ? "true" : "null");
    }
    len += (size_t)sprintf(text + len, "],\n \"big\": \"");
    memset(text + len, 'b', big);
    len += big;
    len += (size_t)sprintf(text + len, "\",\n \"tail\": [1, 2]}\n");
    open_text(&r, text, len);

    assert_int_equal(ts_json_in_open(&r.in, '{', &err), 0);
    assert_int_equal(ts_json_in_next(&r.in, key, &err), 1);
    assert_string_equal(key, "head");
    v = ts_json_in_value(&r.in, &err);
    assert_int_equal(json_integer_value(v), 7);
    json_decref(v);
    assert_int_equal(ts_json_in_next(&r.in, key, &err), 1);
    assert_string_equal(key, "items");
    ts_json_in_save(&r.in, &items);
    assert_int_equal(ts_json_in_skip(&r.in, &err), 0);
    ts_json_in_save(&r.in, &after_items);
    assert_int_equal(ts_json_in_next(&r.in, key, &err), 1);
    assert_string_equal(key, "big");
    v = ts_json_in_value(&r.in, &err);
    assert_non_null(v);
    assert_int_equal(json_string_length(v), big);
    json_decref(v);

    /* back to the items, each read and checked */
    ts_json_in_restore(&r.in, &items);
    assert_int_equal(ts_json_in_open(&r.in, '[', &err), 0);
    for (i = 0; ts_json_in_next(&r.in, NULL, &err) == 1; i++) {
        char want[64];
        v = ts_json_in_value(&r.in, &err);
        assert_non_null(v);
        if (i % 4 == 0) {
            assert_int_equal(json_integer_value(v), i * 1000003);
        } else if (i % 4 == 1) {
            snprintf(want, sizeof(want), "s\"%zu\n", i);
            assert_string_equal(json_string_value(v), want);
        } else if (i % 4 == 2) {
            assert_int_equal(json_integer_value(json_object_get(v, "i")), i);
        } else {
            assert_true(i % 8 == 3 ? json_is_true(v) : json_is_null(v));
        }
        json_decref(v);
    }
    assert_int_equal(i, n);

    /* and on from where the walk was left */
    ts_json_in_restore(&r.in, &after_items);
    assert_int_equal(ts_json_in_next(&r.in, key, &err), 1);
    assert_string_equal(key, "big");
    assert_int_equal(ts_json_in_skip(&r.in, &err), 0);
    assert_int_equal(ts_json_in_next(&r.in, key, &err), 1);
    assert_string_equal(key, "tail");
    assert_int_equal(ts_json_in_open(&r.in, '[', &err), 0);
    assert_int_equal(ts_json_in_next(&r.in, NULL, &err), 1);
    assert_int_equal(ts_json_in_skip(&r.in, &err), 0);
    assert_int_equal(ts_json_in_next(&r.in, NULL, &err), 1);
    v = ts_json_in_value(&r.in, &err);
    assert_int_equal(json_integer_value(v), 2);
    json_decref(v);
    assert_int_equal(ts_json_in_next(&r.in, NULL, &err), 0);
    assert_int_equal(ts_json_in_next(&r.in, key, &err), 0);
    assert_int_equal(ts_json_in_end(&r.in, &err), 0);
    close_text(&r);
    free(text);
}

/* A multi-byte character cut by the window's edge (the first window is
 * 1 MiB): the string is read whole, never refused at its first byte. */
static void test_reader_utf8_at_window_edge(void **state)
{
    static const char *const chars[] = {"\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    const size_t window = (size_t)1 << 20;

    (void)state;
    for (size_t c = 0; c < 2; c++) {
        for (size_t k = 1; k <= 4; k++) {
            size_t at = window - k, n = strlen(chars[c]);
            size_t len = at + n + 2;
            char *text = malloc(len + 1);
            reader r;
            ts_error err;
            json_t *v;

            assert_non_null(text);
            /* ["aaa...<char>"]: the string's quote at 1, the char at `at` */
            memcpy(text, "[\"", 2);
            memset(text + 2, 'a', at - 2);
            memcpy(text + at, chars[c], n);
            memcpy(text + at + n, "\"]", 3);
            open_text(&r, text, len);
            assert_int_equal(ts_json_in_open(&r.in, '[', &err), 0);
            assert_int_equal(ts_json_in_next(&r.in, NULL, &err), 1);
            v = ts_json_in_value(&r.in, &err);
            if (v == NULL)
                fail_msg("char %zu at window - %zu: %s", c, k, err.msg);
            assert_int_equal(json_string_length(v), at - 2 + n);
            assert_memory_equal(json_string_value(v) + at - 2, chars[c], n);
            json_decref(v);
            assert_int_equal(ts_json_in_next(&r.in, NULL, &err), 0);
            assert_int_equal(ts_json_in_end(&r.in, &err), 0);
            close_text(&r);
            free(text);
        }
    }
}

/* Walks text (an object of arrays of values) to its end, from a file or
 * from memory; the first error. */
static int walk_in(const char *text, int in_memory, ts_error *err)
{
    char key[TS_JSON_IN_MAX_KEY];
    reader r;
    int rc;

    open_text(&r, text, strlen(text));
    if (in_memory) {
        ts_json_in_release(&r.in);
        ts_json_in_init_text(&r.in, text, strlen(text), "doc.json");
    }
    rc = ts_json_in_open(&r.in, '{', err);
    while (rc == 0 && (rc = ts_json_in_next(&r.in, key, err)) == 1) {
        rc = ts_json_in_open(&r.in, '[', err);
        while (rc == 0 && (rc = ts_json_in_next(&r.in, NULL, err)) == 1) {
            json_t *v = ts_json_in_value(&r.in, err);
            rc = v ? 0 : err->code;
            json_decref(v);
        }
    }
    if (rc == 0)
        rc = ts_json_in_end(&r.in, err);
    close_text(&r);
    return rc;
}

/* The same walk from a file and from memory: the same result. */
static int walk(const char *text, ts_error *err)
{
    ts_error again;
    int rc = walk_in(text, 0, err);

    ts_error_clear(&again);
    assert_int_equal(walk_in(text, 1, &again), rc);
    assert_string_equal(again.msg, err->msg);
    return rc;
}

static void expect_error(const char *text, const char *where,
                         const char *problem)
{
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(walk(text, &err), TS_EINVAL);
    if (strstr(err.msg, where) == NULL || strstr(err.msg, problem) == NULL)
        fail_msg("'%s': got '%s', wanted '%s' and '%s'", text, err.msg, where,
                 problem);
}

static void test_reader_errors(void **state)
{
    ts_error err;

    (void)state;
    ts_error_clear(&err);
    assert_int_equal(walk("{\"a\": [1, {\"b\": 2}],\n \"c\": []}\n", &err), 0);
    assert_int_equal(walk(" { } ", &err), 0);
    expect_error("{\"a\": [1,\n 2 3]}", "doc.json:2:", "',' or ']' expected");
    expect_error("{\"a\": [1]\n\n \"c\": []}",
                 "doc.json:3:", "',' or '}' expected");
    expect_error("{\"a\": [1,\n {\"k\": 1, \"k\": 2}]}",
                 "doc.json:2:", "duplicate");
    expect_error("{\"a\": [1, tru]}", "doc.json:1:", "invalid token");
    expect_error("{\"a\": [1, 2", "doc.json:1:", "the file ended");
    expect_error("{\"a\" [1]}", "doc.json:1:", "':' expected");
    expect_error("{7: [1]}", "doc.json:1:", "a key expected");
    expect_error("{\"a\": 1}", "doc.json:1:", "an array expected");
    expect_error("[]", "doc.json:1:", "an object expected");
    expect_error("{\"a\": []}\n{}", "doc.json:2:", "more after the document");
    expect_error("", "doc.json:1:", "an object expected");
}

/* A value passed over must still end; a string's escaped quote does not
 * end it, a bracket inside a string does not count. */
static void test_reader_skip(void **state)
{
    const char *text = "[{\"a\": \"]}\\\"\"}, [[\"[\"]], \"x\", 12, [1";
    reader r;
    ts_error err;
    json_t *v;

    (void)state;
    open_text(&r, text, strlen(text));
    assert_int_equal(ts_json_in_open(&r.in, '[', &err), 0);
    assert_int_equal(ts_json_in_next(&r.in, NULL, &err), 1);
    assert_int_equal(ts_json_in_skip(&r.in, &err), 0);
    assert_int_equal(ts_json_in_next(&r.in, NULL, &err), 1);
    assert_int_equal(ts_json_in_skip(&r.in, &err), 0);
    assert_int_equal(ts_json_in_next(&r.in, NULL, &err), 1);
    v = ts_json_in_value(&r.in, &err);
    assert_string_equal(json_string_value(v), "x");
    json_decref(v);
    assert_int_equal(ts_json_in_next(&r.in, NULL, &err), 1);
    assert_int_equal(ts_json_in_skip(&r.in, &err), 0);
    assert_int_equal(ts_json_in_next(&r.in, NULL, &err), 1);
    assert_int_equal(ts_json_in_skip(&r.in, &err), TS_EINVAL);
    assert_non_null(strstr(err.msg, "does not end"));
    close_text(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_matches_jansson),
        cmocka_unit_test(test_writer_splice),
        cmocka_unit_test(test_writer_failures),
        cmocka_unit_test(test_reader_walks_large_file),
        cmocka_unit_test(test_reader_utf8_at_window_edge),
        cmocka_unit_test(test_reader_errors),
        cmocka_unit_test(test_reader_skip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
