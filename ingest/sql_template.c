/* Statement templates (literals and parameters replaced by $n, comments
 * dropped, whitespace collapsed), their fingerprints, and the values a
 * template replaced. */
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "ingest/sql_internal.h"

/* 64-bit FNV-1a with a final avalanche (from splitmix64): fast, and good
 * enough to key a cache; not a security boundary. */
uint64_t ts_sql_fingerprint(const char *template_text, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)template_text[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

static int check_len(size_t len, ts_error *err)
{
    if (len > TS_SQL_MAX_LEN)
        return ts_error_set(err, TS_ELIMIT,
                            "statement of %zu bytes is longer than the %zu "
                            "bytes SQL analysis accepts",
                            len, TS_SQL_MAX_LEN);
    return 0;
}

int ts_sql_template(char **out, uint64_t *out_fingerprint, const char *sql,
                    size_t len, ts_sql_dialect dialect, ts_error *err)
{
    ts_sql_lexer lx;
    ts_sql_tok tok;
    ts_buf buf;
    size_t n_values = 0, keep_len = 0;
    int pending_space = 0, rc;
    char num[1 + TS_DECIMAL_MAX];

    *out = NULL;
    rc = check_len(len, err);
    if (rc != 0)
        return rc;
    /* "$n" can be longer than the literal it replaces ("1" -> "$10"):
     * room for len + 8 bytes per literal, at most len literals */
    ts_buf_init(&buf, len * 8 + 64);
    ts_sql_lexer_init(&lx, sql, len, dialect);
    for (ts_sql_lexer_next(&lx, &tok); tok.kind != TS_SQL_TOK_END;
         ts_sql_lexer_next(&lx, &tok)) {
        if (tok.kind == TS_SQL_TOK_SPACE || tok.kind == TS_SQL_TOK_COMMENT) {
            pending_space = buf.len > 0;
            continue;
        }
        if (pending_space) {
            rc = ts_buf_append_byte(&buf, ' ', err);
            if (rc != 0)
                goto out_buf;
            pending_space = 0;
        }
        if (tok.kind == TS_SQL_TOK_VALUE) {
            num[0] = '$';
            rc = ts_buf_append(&buf, num,
                               1 + ts_decimal_encode(++n_values, num + 1), err);
        } else {
            rc = ts_buf_append(&buf, sql + tok.start, tok.end - tok.start, err);
        }
        if (rc != 0)
            goto out_buf;
        /* trailing semicolons are not part of the template */
        if (!(tok.end - tok.start == 1 && sql[tok.start] == ';'))
            keep_len = buf.len;
    }
    buf.len = keep_len;
    rc = ts_buf_terminate(&buf, err);
    if (rc != 0)
        goto out_buf;
    if (buf.data == NULL) {
        buf.data = malloc(1);
        if (buf.data == NULL) {
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
            goto out_buf;
        }
        buf.data[0] = '\0';
    }
    if (out_fingerprint != NULL)
        *out_fingerprint = ts_sql_fingerprint((const char *)buf.data, buf.len);
    *out = (char *)buf.data;
    return 0;

out_buf:
    ts_buf_release(&buf);
    return rc;
}

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Undoes one backslash escape at s[i] (a backslash); writes the byte to *o
 * and returns how many input bytes it used. */
static size_t unescape_one(const char *s, size_t i, size_t end, char *o)
{
    unsigned char c = i + 1 < end ? (unsigned char)s[i + 1] : '\\';
    int h;

    switch (c) {
    case 'n':
        *o = '\n';
        return 2;
    case 't':
        *o = '\t';
        return 2;
    case 'r':
        *o = '\r';
        return 2;
    case 'b':
        *o = '\b';
        return 2;
    case 'f':
        *o = '\f';
        return 2;
    case '0':
        *o = '\0';
        return 2;
    case 'x':
        if (i + 2 < end && (h = hex_val((unsigned char)s[i + 2])) >= 0) {
            int v = h;
            size_t used = 3;
            if (i + 3 < end && (h = hex_val((unsigned char)s[i + 3])) >= 0) {
                v = v * 16 + h;
                used = 4;
            }
            *o = (char)v;
            return used;
        }
        *o = 'x';
        return 2;
    default:
        *o = (char)c;
        return i + 1 < end ? 2 : 1;
    }
}

/* The value of a token, quotes and escapes undone, into text (room for
 * tok's length plus one): its length. NUL-terminated. */
static size_t unquote(const char *sql, const ts_sql_tok *tok, char *text)
{
    size_t start = tok->start, end = tok->end, i, k = 0;

    if (tok->quote != 0 || tok->dollar) {
        start = tok->body_start;
        end = tok->body_end;
    }
    for (i = start; i < end;) {
        char c = sql[i];
        if (tok->dollar || tok->quote == 0) {
            text[k++] = c;
            i++;
        } else if (tok->backslash && c == '\\') {
            i += unescape_one(sql, i, end, &text[k++]);
        } else if (c == tok->quote && i + 1 < end && sql[i + 1] == c) {
            text[k++] = c;
            i += 2;
        } else if (c == '\'' && tok->quote == '\'') {
            /* the seam between two continued literals: 'a'\n'b' */
            i++;
            while (i < end && sql[i] != '\'')
                i++;
            i++;
        } else {
            text[k++] = c;
            i++;
        }
    }
    text[k] = '\0';
    return k;
}

/* The same, malloc'd. */
static char *token_text(const char *sql, const ts_sql_tok *tok)
{
    char *text = malloc(tok->end - tok->start + 1);

    if (text != NULL)
        unquote(sql, tok, text);
    return text;
}

int ts_sql_token_value(ts_buf *out, const char *sql, const ts_sql_tok *tok,
                       ts_error *err)
{
    int rc;

    out->len = 0;
    rc = ts_buf_reserve(out, tok->end - tok->start + 1, err);
    if (rc == 0)
        out->len = unquote(sql, tok, (char *)out->data);
    return rc;
}

void ts_sql_values_free(ts_sql_values *values)
{
    size_t i;

    if (values == NULL)
        return;
    for (i = 0; i < values->n_items; i++)
        free(values->items[i].text);
    free(values->items);
    free(values);
}

int ts_sql_values_extract(ts_sql_values **out, const char *sql, size_t len,
                          ts_sql_dialect dialect, ts_error *err)
{
    ts_sql_values *v;
    ts_sql_lexer lx;
    ts_sql_tok tok;
    size_t size = 0;
    int rc;

    *out = NULL;
    rc = check_len(len, err);
    if (rc != 0)
        return rc;
    v = calloc(1, sizeof(*v));
    if (v == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    ts_sql_lexer_init(&lx, sql, len, dialect);
    for (ts_sql_lexer_next(&lx, &tok); tok.kind != TS_SQL_TOK_END;
         ts_sql_lexer_next(&lx, &tok)) {
        ts_sql_value *item;
        if (tok.kind != TS_SQL_TOK_VALUE)
            continue;
        if (v->n_items == size) {
            size_t new_size = size ? size * 2 : 8;
            ts_sql_value *items = realloc(v->items, new_size * sizeof(*items));
            if (items == NULL)
                goto out_nomem;
            v->items = items;
            size = new_size;
        }
        item = &v->items[v->n_items];
        item->kind = tok.value_kind;
        item->offset = tok.start;
        item->len = tok.end - tok.start;
        item->unterminated = tok.unterminated;
        item->text = token_text(sql, &tok);
        if (item->text == NULL)
            goto out_nomem;
        v->n_items++;
    }
    *out = v;
    return 0;

out_nomem:
    ts_sql_values_free(v);
    return ts_error_set(err, TS_ENOMEM, "out of memory extracting values");
}
