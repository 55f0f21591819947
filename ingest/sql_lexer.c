/* A hand-written SQL tokenizer that knows every way PostgreSQL and MySQL
 * quote a value, so templates and value extraction agree on what a literal
 * is. It never fails: malformed input ends in an unterminated token. */
#include <string.h>

#include "ingest/sql_internal.h"

static int is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c >= 0x80;
}

static int is_ident_char(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* ---- the memo of the last statement (sql_internal.h) ----
 *
 * The lexer was ~6% of ingest's instructions at 50k events, reading every
 * statement three times. Statements longer than MEMO_TEXT bytes or of more
 * than MEMO_TOKENS tokens are not kept. */
#define MEMO_TEXT 4096
#define MEMO_TOKENS 512

typedef struct memo {
    uint64_t gen; /* bumped when a lexer starts recording */
    int complete; /* toks[n - 1] is the statement's TS_SQL_TOK_END */
    ts_sql_dialect dialect;
    size_t len, n;
    char text[MEMO_TEXT];
    ts_sql_tok toks[MEMO_TOKENS];
} memo;

static _Thread_local memo g_memo;

void ts_sql_lexer_init(ts_sql_lexer *lx, const char *sql, size_t len,
                       ts_sql_dialect dialect)
{
    memo *m = &g_memo;

    lx->sql = sql;
    lx->len = len;
    lx->pos = 0;
    lx->dialect = dialect;
    lx->memo = TS_SQL_MEMO_NONE;
    lx->memo_next = 0;
    if (len > MEMO_TEXT)
        return;
    if (m->complete && m->len == len && m->dialect == dialect &&
        (len == 0 || memcmp(m->text, sql, len) == 0)) {
        lx->memo = TS_SQL_MEMO_REPLAY;
        lx->memo_gen = m->gen;
        return;
    }
    m->gen++;
    m->complete = 0;
    m->dialect = dialect;
    m->len = len;
    m->n = 0;
    if (len > 0)
        memcpy(m->text, sql, len);
    lx->memo = TS_SQL_MEMO_RECORD;
    lx->memo_gen = m->gen;
}

static unsigned char at(const ts_sql_lexer *lx, size_t i)
{
    return i < lx->len ? (unsigned char)lx->sql[i] : 0;
}

/* Scans a quoted body starting after the opening quote at p; doubled quotes
 * always escape, backslashes too when asked. Returns the position after the
 * closing quote, or len when unterminated. */
static size_t scan_quoted(const ts_sql_lexer *lx, size_t p, char quote,
                          int backslash, ts_sql_tok *tok)
{
    tok->body_start = p;
    while (p < lx->len) {
        unsigned char c = (unsigned char)lx->sql[p];
        if (backslash && c == '\\') {
            p += 2;
            continue;
        }
        if (c == (unsigned char)quote) {
            if (at(lx, p + 1) == (unsigned char)quote) {
                p += 2;
                continue;
            }
            tok->body_end = p;
            return p + 1;
        }
        p++;
    }
    tok->body_end = lx->len;
    tok->unterminated = 1;
    return lx->len;
}

/* PostgreSQL joins 'a' 'b' separated by whitespace with a newline into one
 * literal; so do we, so that the template has one placeholder. */
static size_t scan_continuations(const ts_sql_lexer *lx, size_t p,
                                 int backslash, ts_sql_tok *tok)
{
    size_t body_start = tok->body_start;

    while (!tok->unterminated) {
        size_t q = p;
        int newline = 0;
        while (q < lx->len && is_space(at(lx, q))) {
            if (at(lx, q) == '\n')
                newline = 1;
            q++;
        }
        if (!newline || at(lx, q) != '\'')
            return p;
        p = scan_quoted(lx, q + 1, '\'', backslash, tok);
        tok->body_start = body_start;
    }
    return p;
}

/* A string with its optional prefix at p (the prefix is prefix_len bytes);
 * fills tok and returns the end. */
static size_t scan_string(const ts_sql_lexer *lx, size_t p, size_t prefix_len,
                          char quote, int backslash, ts_sql_value_kind kind,
                          ts_sql_tok *tok)
{
    size_t end;

    tok->kind = TS_SQL_TOK_VALUE;
    tok->value_kind = kind;
    tok->quote = quote;
    tok->backslash = backslash;
    end = scan_quoted(lx, p + prefix_len + 1, quote, backslash, tok);
    if (quote == '\'' && lx->dialect == TS_SQL_PG)
        end = scan_continuations(lx, end, backslash, tok);
    return end;
}

/* $tag$ at p? Returns the tag's length including both dollars, or 0. */
static size_t dollar_tag_len(const ts_sql_lexer *lx, size_t p)
{
    size_t q = p + 1;

    if (is_digit(at(lx, q)))
        return 0;
    while (q < lx->len && is_ident_char(at(lx, q)) && at(lx, q) != '$')
        q++;
    return at(lx, q) == '$' ? q - p + 1 : 0;
}

static size_t scan_dollar(const ts_sql_lexer *lx, size_t p, size_t tag_len,
                          ts_sql_tok *tok)
{
    const char *tag = lx->sql + p;
    size_t q = p + tag_len;

    tok->kind = TS_SQL_TOK_VALUE;
    tok->value_kind = TS_SQL_VALUE_STRING;
    tok->dollar = 1;
    tok->body_start = q;
    for (; q + tag_len <= lx->len; q++) {
        if (lx->sql[q] == '$' && memcmp(lx->sql + q, tag, tag_len) == 0) {
            tok->body_end = q;
            return q + tag_len;
        }
    }
    tok->body_end = lx->len;
    tok->unterminated = 1;
    return lx->len;
}

/* A number at p (a digit, or a dot followed by a digit). */
static size_t scan_number(const ts_sql_lexer *lx, size_t p, ts_sql_tok *tok)
{
    tok->kind = TS_SQL_TOK_VALUE;
    tok->value_kind = TS_SQL_VALUE_NUMBER;
    if (at(lx, p) == '0' && (at(lx, p + 1) == 'x' || at(lx, p + 1) == 'X') &&
        is_hex(at(lx, p + 2))) {
        p += 2;
        while (is_hex(at(lx, p)) || at(lx, p) == '_')
            p++;
        if (lx->dialect == TS_SQL_MYSQL)
            tok->value_kind = TS_SQL_VALUE_BITS;
        return p;
    }
    if (at(lx, p) == '0' && (at(lx, p + 1) == 'b' || at(lx, p + 1) == 'B' ||
                             at(lx, p + 1) == 'o' || at(lx, p + 1) == 'O')) {
        if (is_digit(at(lx, p + 2))) {
            p += 2;
            while (is_digit(at(lx, p)) || at(lx, p) == '_')
                p++;
            return p;
        }
    }
    while (is_digit(at(lx, p)) || (at(lx, p) == '_' && is_digit(at(lx, p + 1))))
        p++;
    /* "1..2" is a range in some dialects: a dot followed by a dot is not
     * part of the number */
    if (at(lx, p) == '.' && at(lx, p + 1) != '.') {
        p++;
        while (is_digit(at(lx, p)))
            p++;
    }
    if (at(lx, p) == 'e' || at(lx, p) == 'E') {
        size_t q = p + 1;
        if (at(lx, q) == '+' || at(lx, q) == '-')
            q++;
        if (is_digit(at(lx, q))) {
            p = q;
            while (is_digit(at(lx, p)))
                p++;
        }
    }
    return p;
}

static int word_is(const ts_sql_lexer *lx, size_t p, size_t n, const char *w)
{
    size_t i;

    if (strlen(w) != n)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = at(lx, p + i);
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)w[i])
            return 0;
    }
    return 1;
}

/* After U&'...': an optional UESCAPE 'c' belongs to the same literal. */
static size_t scan_uescape(const ts_sql_lexer *lx, size_t p, ts_sql_tok *tok)
{
    size_t q = p, w;
    ts_sql_tok scratch;

    while (is_space(at(lx, q)))
        q++;
    w = q;
    while (is_ident_char(at(lx, w)))
        w++;
    if (!word_is(lx, q, w - q, "uescape"))
        return p;
    while (is_space(at(lx, w)))
        w++;
    if (at(lx, w) != '\'')
        return p;
    memset(&scratch, 0, sizeof(scratch));
    w = scan_quoted(lx, w + 1, '\'', 0, &scratch);
    if (scratch.unterminated)
        tok->unterminated = 1;
    return w;
}

/* A block comment at p; PostgreSQL nests them, MySQL does not. */
static size_t scan_block_comment(const ts_sql_lexer *lx, size_t p,
                                 ts_sql_tok *tok)
{
    int depth = 1;
    int nest = lx->dialect == TS_SQL_PG;

    p += 2;
    while (p < lx->len) {
        if (nest && at(lx, p) == '/' && at(lx, p + 1) == '*') {
            depth++;
            p += 2;
        } else if (at(lx, p) == '*' && at(lx, p + 1) == '/') {
            p += 2;
            if (--depth == 0)
                return p;
        } else {
            p++;
        }
    }
    tok->unterminated = 1;
    return lx->len;
}

/* A prefixed string (E'', B'', X'', N'', U&'', MySQL _charset'') at p, where
 * a word starts; returns its end, or 0 when the word is not a prefix. */
static size_t scan_prefixed(const ts_sql_lexer *lx, size_t p, ts_sql_tok *tok)
{
    unsigned char c = at(lx, p), n = at(lx, p + 1);
    int my = lx->dialect == TS_SQL_MYSQL;
    size_t end, w;

    if (n == '\'') {
        switch (c) {
        case 'e':
        case 'E':
            if (!my)
                return scan_string(lx, p, 1, '\'', 1, TS_SQL_VALUE_STRING, tok);
            break;
        case 'n':
        case 'N':
            return scan_string(lx, p, 1, '\'', my, TS_SQL_VALUE_STRING, tok);
        case 'b':
        case 'B':
        case 'x':
        case 'X':
            return scan_string(lx, p, 1, '\'', 0, TS_SQL_VALUE_BITS, tok);
        default:
            break;
        }
        return 0;
    }
    if (!my && (c == 'u' || c == 'U') && n == '&' && at(lx, p + 2) == '\'') {
        end = scan_string(lx, p, 2, '\'', 0, TS_SQL_VALUE_STRING, tok);
        return tok->unterminated ? end : scan_uescape(lx, end, tok);
    }
    if (my && c == '_') {
        /* _utf8mb4'text', _binary'...' */
        w = p + 1;
        while (is_ident_char(at(lx, w)) && at(lx, w) != '$')
            w++;
        if (w > p + 1 && (at(lx, w) == '\'' || at(lx, w) == '"'))
            return scan_string(lx, p, w - p, (char)at(lx, w), 1,
                               TS_SQL_VALUE_STRING, tok);
    }
    return 0;
}

static size_t scan_word(const ts_sql_lexer *lx, size_t p, ts_sql_tok *tok)
{
    size_t w = p;

    while (w < lx->len && is_ident_char(at(lx, w)))
        w++;
    if (word_is(lx, p, w - p, "true") || word_is(lx, p, w - p, "false")) {
        tok->kind = TS_SQL_TOK_VALUE;
        tok->value_kind = TS_SQL_VALUE_BOOLEAN;
    } else {
        tok->kind = TS_SQL_TOK_OTHER;
    }
    return w;
}

static void lex_next(ts_sql_lexer *lx, ts_sql_tok *tok)
{
    size_t p = lx->pos, end;
    unsigned char c, n;
    int my = lx->dialect == TS_SQL_MYSQL;

    memset(tok, 0, sizeof(*tok));
    tok->start = p;
    if (p >= lx->len) {
        tok->kind = TS_SQL_TOK_END;
        tok->end = p;
        return;
    }
    c = at(lx, p);
    n = at(lx, p + 1);
    tok->kind = TS_SQL_TOK_OTHER;
    if (is_space(c)) {
        end = p;
        while (end < lx->len && is_space(at(lx, end)))
            end++;
        tok->kind = TS_SQL_TOK_SPACE;
    } else if ((c == '-' && n == '-' &&
                (!my || p + 2 >= lx->len || is_space(at(lx, p + 2)))) ||
               (my && c == '#')) {
        /* MySQL needs a space after "--": 1--1 is 1 - -1 there */
        end = p;
        while (end < lx->len && at(lx, end) != '\n')
            end++;
        tok->kind = TS_SQL_TOK_COMMENT;
    } else if (c == '/' && n == '*') {
        tok->kind = TS_SQL_TOK_COMMENT;
        end = scan_block_comment(lx, p, tok);
    } else if (c == '\'') {
        end = scan_string(lx, p, 0, '\'', my, TS_SQL_VALUE_STRING, tok);
    } else if (c == '"' && my) {
        end = scan_string(lx, p, 0, '"', 1, TS_SQL_VALUE_STRING, tok);
    } else if (c == '"' || (c == '`' && my)) {
        ts_sql_tok scratch;
        memset(&scratch, 0, sizeof(scratch));
        end = scan_quoted(lx, p + 1, (char)c, 0, &scratch);
        tok->unterminated = scratch.unterminated;
    } else if (c == '$' && is_digit(n) && !my) {
        end = p + 1;
        while (is_digit(at(lx, end)))
            end++;
        tok->kind = TS_SQL_TOK_VALUE;
        tok->value_kind = TS_SQL_VALUE_PARAM;
    } else if (c == '$' && !my && dollar_tag_len(lx, p) > 0) {
        end = scan_dollar(lx, p, dollar_tag_len(lx, p), tok);
    } else if (c == '?' && my) {
        end = p + 1;
        tok->kind = TS_SQL_TOK_VALUE;
        tok->value_kind = TS_SQL_VALUE_PARAM;
    } else if (is_digit(c) || (c == '.' && is_digit(n))) {
        end = scan_number(lx, p, tok);
    } else if (is_ident_start(c)) {
        end = scan_prefixed(lx, p, tok);
        if (end == 0)
            end = scan_word(lx, p, tok);
    } else {
        end = p + 1;
    }
    tok->end = end;
    lx->pos = end;
}

void ts_sql_lexer_next(ts_sql_lexer *lx, ts_sql_tok *tok)
{
    memo *m = &g_memo;

    if (lx->memo == TS_SQL_MEMO_REPLAY) {
        if (m->gen == lx->memo_gen) {
            /* past the end, the end again, as lex_next() gives it */
            *tok = m->toks[lx->memo_next < m->n ? lx->memo_next++ : m->n - 1];
            lx->pos = tok->end;
            return;
        }
        lx->memo = TS_SQL_MEMO_NONE; /* replaced: lex on from lx->pos */
    }
    lex_next(lx, tok);
    if (lx->memo != TS_SQL_MEMO_RECORD)
        return;
    if (m->gen != lx->memo_gen || m->n == MEMO_TOKENS) {
        lx->memo = TS_SQL_MEMO_NONE; /* replaced, or too long to keep */
        return;
    }
    m->toks[m->n++] = *tok;
    if (tok->kind == TS_SQL_TOK_END) {
        m->complete = 1;
        lx->memo = TS_SQL_MEMO_NONE;
    }
}
