/* Best-effort rewriting of a MySQL statement's template into PostgreSQL
 * syntax, so that libpg_query can find its tables and columns: backquoted
 * identifiers, REPLACE INTO, LIMIT offset, count, and ON DUPLICATE KEY
 * UPDATE with VALUES(col). Anything else MySQL-only stays as it is and
 * fails to parse, which the analysis reports. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/common.h"
#include "ingest/sql_internal.h"

#define MAX_TOKENS 65536

typedef struct mtok {
    size_t start, end;
    int space_before;
} mtok;

static int is_word(const char *text, const mtok *t, const char *word)
{
    size_t n = strlen(word);

    return t->end - t->start == n && strncasecmp(text + t->start, word, n) == 0;
}

static int emit(ts_buf *buf, const char *s, size_t len, int space,
                ts_error *err)
{
    if (space && buf->len > 0 && ts_buf_append_byte(buf, ' ', err) != 0)
        return -1;
    return ts_buf_append(buf, s, len, err);
}

static int emit_tok(ts_buf *buf, const char *text, const mtok *t, ts_error *err)
{
    return emit(buf, text + t->start, t->end - t->start, t->space_before, err);
}

/* Rewrites text (a template, NUL-terminated) in place of its tokens t[0..n).
 */
static int rewrite(ts_buf *buf, const char *text, const mtok *t, size_t n,
                   ts_error *err)
{
    int on_duplicate = 0, rc = 0;
    size_t i;

    for (i = 0; i < n && rc == 0; i++) {
        if (i == 0 && n > 1 && is_word(text, &t[0], "replace") &&
            is_word(text, &t[1], "into")) {
            rc = emit(buf, "INSERT", 6, 0, err);
        } else if (is_word(text, &t[i], "limit") && i + 3 < n &&
                   text[t[i + 2].start] == ',' &&
                   t[i + 2].end - t[i + 2].start == 1) {
            /* LIMIT a, b -> LIMIT b OFFSET a */
            rc = emit_tok(buf, text, &t[i], err);
            if (rc == 0)
                rc = emit_tok(buf, text, &t[i + 3], err);
            if (rc == 0)
                rc = emit(buf, "OFFSET", 6, 1, err);
            if (rc == 0)
                rc = emit(buf, text + t[i + 1].start,
                          t[i + 1].end - t[i + 1].start, 1, err);
            i += 3;
        } else if (i + 3 < n && is_word(text, &t[i], "on") &&
                   is_word(text, &t[i + 1], "duplicate") &&
                   is_word(text, &t[i + 2], "key") &&
                   is_word(text, &t[i + 3], "update")) {
            rc = emit(buf, "ON CONFLICT DO UPDATE SET", 25, 1, err);
            on_duplicate = 1;
            i += 3;
        } else if (on_duplicate && i + 3 < n &&
                   is_word(text, &t[i], "values") &&
                   text[t[i + 1].start] == '(' && text[t[i + 3].start] == ')') {
            /* VALUES(col) -> EXCLUDED.col */
            rc = emit(buf, "EXCLUDED.", 9, t[i].space_before, err);
            if (rc == 0)
                rc = emit(buf, text + t[i + 2].start,
                          t[i + 2].end - t[i + 2].start, 0, err);
            i += 3;
        } else {
            rc = emit_tok(buf, text, &t[i], err);
        }
    }
    return rc;
}

char *ts_sql_mysql_to_pg(const char *template_text, ts_error *err)
{
    size_t len = strlen(template_text), n = 0;
    char *text = strdup(template_text), *p;
    ts_sql_lexer lx;
    ts_sql_tok tok;
    mtok *toks = NULL;
    ts_buf buf;
    int space = 0;

    if (text == NULL)
        goto out_nomem;
    for (p = text; *p; p++)
        if (*p == '`')
            *p = '"';
    toks = calloc(len + 1 < MAX_TOKENS ? len + 1 : MAX_TOKENS, sizeof(*toks));
    if (toks == NULL)
        goto out_nomem;
    ts_sql_lexer_init(&lx, text, len, TS_SQL_PG);
    for (ts_sql_lexer_next(&lx, &tok); tok.kind != TS_SQL_TOK_END;
         ts_sql_lexer_next(&lx, &tok)) {
        if (tok.kind == TS_SQL_TOK_SPACE || tok.kind == TS_SQL_TOK_COMMENT) {
            space = 1;
            continue;
        }
        if (n == MAX_TOKENS || n == len + 1) {
            /* too many tokens to bother: parse the text as it is */
            free(toks);
            return text;
        }
        toks[n].start = tok.start;
        toks[n].end = tok.end;
        toks[n].space_before = space;
        space = 0;
        n++;
    }
    ts_buf_init(&buf, len * 2 + 64);
    if (rewrite(&buf, text, toks, n, err) != 0 ||
        ts_buf_terminate(&buf, err) != 0) {
        ts_buf_release(&buf);
        free(toks);
        free(text);
        return NULL;
    }
    free(toks);
    free(text);
    if (buf.data == NULL)
        return strdup("");
    return (char *)buf.data;

out_nomem:
    free(text);
    ts_error_set(err, TS_ENOMEM, "out of memory");
    return NULL;
}
