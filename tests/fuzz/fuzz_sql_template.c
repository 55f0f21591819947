/* Fuzz target: the SQL lexer, templates and literal extraction
 * (ingest/sql_lexer.c, sql_template.c) in both dialects. The first byte
 * picks the dialect. Properties: tokens tile the statement; the
 * fingerprint is the template's (for text without NULs); the literals found lie
 * inside the text in order. */
#include <stdlib.h>
#include <string.h>

#include "ingest/sql_internal.h"
#include "tests/fuzz/fuzz.h"

static void check_tokens(const char *sql, size_t len, ts_sql_dialect d)
{
    ts_sql_lexer lx;
    ts_sql_tok t;
    size_t at = 0;

    ts_sql_lexer_init(&lx, sql, len, d);
    for (;;) {
        ts_sql_lexer_next(&lx, &t);
        if (t.kind == TS_SQL_TOK_END)
            break;
        if (t.start != at || t.end <= t.start || t.end > len)
            ts_fuzz_fail("the tokens do not tile the statement");
        if (t.kind == TS_SQL_TOK_VALUE && t.quote != 0 &&
            (t.body_start < t.start || t.body_end > t.end ||
             t.body_start > t.body_end))
            ts_fuzz_fail("a string's body lies outside its token");
        at = t.end;
    }
    if (at != len)
        ts_fuzz_fail("the tokens stop before the end of the statement");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_sql_dialect d;
    char *sql, *tmpl = NULL;
    ts_sql_values *values = NULL;
    uint64_t fp = 0;
    size_t len;

    if (size == 0)
        return 0;
    d = (data[0] & 1) ? TS_SQL_MYSQL : TS_SQL_PG;
    sql = ts_fuzz_strndup(data + 1, size - 1);
    len = size - 1;
    check_tokens(sql, len, d);
    if (ts_sql_template(&tmpl, &fp, sql, len, d, NULL) == 0) {
        /* a NUL in the statement ends the template's C string early */
        if (memchr(sql, '\0', len) == NULL &&
            ts_sql_fingerprint(tmpl, strlen(tmpl)) != fp)
            ts_fuzz_fail("the fingerprint is not the template's");
        free(tmpl);
    }
    if (ts_sql_values_extract(&values, sql, len, d, NULL) == 0) {
        size_t end = 0;
        for (size_t i = 0; i < values->n_items; i++) {
            const ts_sql_value *v = &values->items[i];
            if (v->offset < end || v->len > len || v->offset > len - v->len)
                ts_fuzz_fail("a literal lies outside the statement");
            end = v->offset + v->len;
        }
        ts_sql_values_free(values);
    }
    free(sql);
    return 0;
}
