/* Column names declared by CREATE TABLE / ALTER TABLE text: a small SQL
 * lexer (PostgreSQL and MySQL quoting), not a parser. */
#include <string.h>

#include "report/report_internal.h"

#define NAME_MAX_LEN 256

typedef enum tok_kind {
    TK_END,
    TK_WORD,   /* unquoted identifier or keyword */
    TK_QUOTED, /* "identifier" or `identifier` */
    TK_OTHER,  /* string, number, parameter, operator */
    TK_PUNCT   /* ( ) , ; . */
} tok_kind;

typedef struct tok {
    tok_kind kind;
    char ch;                 /* TK_PUNCT */
    char text[NAME_MAX_LEN]; /* TK_WORD (lowercased), TK_QUOTED */
    int too_long;            /* text was cut */
} tok;

typedef struct lexer {
    const char *p;
    tok t; /* the current token */
} lexer;

static int is_word_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c >= 0x80;
}

static int is_word_char(unsigned char c)
{
    return is_word_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static void put_char(tok *t, size_t *len, char c)
{
    if (*len + 1 < sizeof(t->text))
        t->text[(*len)++] = c;
    else
        t->too_long = 1;
}

static void skip_space_and_comments(lexer *lx)
{
    for (;;) {
        const char *p = lx->p;
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
            *p == '\v') {
            lx->p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*lx->p && *lx->p != '\n')
                lx->p++;
        } else if (p[0] == '/' && p[1] == '*') {
            int depth = 1; /* PostgreSQL block comments nest */
            lx->p += 2;
            while (*lx->p && depth > 0) {
                if (lx->p[0] == '/' && lx->p[1] == '*') {
                    depth++;
                    lx->p += 2;
                } else if (lx->p[0] == '*' && lx->p[1] == '/') {
                    depth--;
                    lx->p += 2;
                } else {
                    lx->p++;
                }
            }
        } else {
            return;
        }
    }
}

/* Skips a quoted run starting at the opening quote; doubled quotes (and
 * backslashes in strings) escape. Collects the text when t is not NULL. */
static void skip_quoted(lexer *lx, char quote, int backslash, tok *t)
{
    size_t len = 0;

    lx->p++;
    while (*lx->p) {
        if (backslash && *lx->p == '\\' && lx->p[1]) {
            lx->p += 2;
            continue;
        }
        if (*lx->p == quote) {
            if (lx->p[1] != quote)
                break;
            lx->p++;
        }
        if (t != NULL)
            put_char(t, &len, *lx->p);
        lx->p++;
    }
    if (*lx->p)
        lx->p++;
    if (t != NULL)
        t->text[len] = '\0';
}

/* $tag$ ... $tag$ (PostgreSQL); a lone $ or $1 is just another token. */
static void skip_dollar(lexer *lx)
{
    const char *q = lx->p + 1;
    size_t tag_len;

    while (is_word_char((unsigned char)*q) && *q != '$')
        q++;
    if (*q != '$' || (q > lx->p + 1 && lx->p[1] >= '0' && lx->p[1] <= '9')) {
        lx->p = q;
        return;
    }
    tag_len = (size_t)(q - lx->p) + 1;
    const char *end;
    for (end = q + 1; *end; end++)
        if (*end == '$' && strncmp(end, lx->p, tag_len) == 0)
            break;
    lx->p = *end ? end + tag_len : end;
}

static void next(lexer *lx)
{
    tok *t = &lx->t;
    unsigned char c;

    t->too_long = 0;
    t->text[0] = '\0';
    skip_space_and_comments(lx);
    c = (unsigned char)*lx->p;
    if (c == '\0') {
        t->kind = TK_END;
    } else if (is_word_start(c)) {
        size_t len = 0;
        /* E'...' strings: the E is not a word */
        if ((c == 'E' || c == 'e') && lx->p[1] == '\'') {
            lx->p++;
            skip_quoted(lx, '\'', 1, NULL);
            t->kind = TK_OTHER;
            return;
        }
        while (is_word_char((unsigned char)*lx->p)) {
            char ch = *lx->p++;
            put_char(t, &len,
                     ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch);
        }
        t->text[len] = '\0';
        t->kind = TK_WORD;
    } else if (c == '"' || c == '`') {
        skip_quoted(lx, (char)c, 0, t);
        t->kind = TK_QUOTED;
    } else if (c == '\'') {
        skip_quoted(lx, '\'', 1, NULL);
        t->kind = TK_OTHER;
    } else if (c == '$') {
        skip_dollar(lx);
        t->kind = TK_OTHER;
    } else if (c == '(' || c == ')' || c == ',' || c == ';' || c == '.') {
        t->kind = TK_PUNCT;
        t->ch = (char)c;
        lx->p++;
    } else {
        t->kind = TK_OTHER;
        lx->p++;
    }
}

static int is_word(const lexer *lx, const char *word)
{
    return lx->t.kind == TK_WORD && strcmp(lx->t.text, word) == 0;
}

static int is_punct(const lexer *lx, char ch)
{
    return lx->t.kind == TK_PUNCT && lx->t.ch == ch;
}

static int is_name(const lexer *lx)
{
    return (lx->t.kind == TK_WORD || lx->t.kind == TK_QUOTED) &&
           !lx->t.too_long && lx->t.text[0] != '\0';
}

/* Consumes an optional keyword. */
static int accept(lexer *lx, const char *word)
{
    if (!is_word(lx, word))
        return 0;
    next(lx);
    return 1;
}

/* Skips to the next ',' or ')' at the current depth, or ';' / end. */
static void skip_element(lexer *lx)
{
    int depth = 0;

    while (lx->t.kind != TK_END && !is_punct(lx, ';')) {
        if (depth == 0 && (is_punct(lx, ',') || is_punct(lx, ')')))
            return;
        if (is_punct(lx, '('))
            depth++;
        else if (is_punct(lx, ')'))
            depth--;
        next(lx);
    }
}

/* Reads a possibly qualified name (a.b."C") into table as "a.b.C". */
static void qualified_name(lexer *lx, char table[NAME_MAX_LEN])
{
    size_t len = 0;

    table[0] = '\0';
    while (is_name(lx)) {
        size_t n = strlen(lx->t.text);
        if (len + n + 2 > NAME_MAX_LEN) {
            table[0] = '\0'; /* too long to be a name we can match */
            len = 0;
        } else {
            if (len > 0)
                table[len++] = '.';
            memcpy(table + len, lx->t.text, n + 1);
            len += n;
        }
        next(lx);
        if (!is_punct(lx, '.'))
            break;
        next(lx);
    }
}

static int is_constraint_word(const lexer *lx)
{
    static const char *const words[] = {
        "constraint", "primary", "unique",   "check", "foreign",
        "exclude",    "like",    "index",    "key",   "fulltext",
        "spatial",    "period",  "partition"};

    if (lx->t.kind != TK_WORD)
        return 0;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(lx->t.text, words[i]) == 0)
            return 1;
    return 0;
}

/* "( col type ..., CONSTRAINT ..., col2 ... )" starting at '('. */
static int column_list(lexer *lx, const char *table, ts_ddl_column_fn fn,
                       void *ctx)
{
    next(lx);
    while (lx->t.kind != TK_END && !is_punct(lx, ';')) {
        if (is_name(lx) && !is_constraint_word(lx)) {
            int rc = fn(ctx, table, lx->t.text);
            if (rc != 0)
                return rc;
        }
        skip_element(lx);
        if (!is_punct(lx, ','))
            break;
        next(lx);
    }
    if (is_punct(lx, ')'))
        next(lx);
    return 0;
}

static int create_table(lexer *lx, ts_ddl_column_fn fn, void *ctx)
{
    char table[NAME_MAX_LEN];

    while (accept(lx, "or") || accept(lx, "replace") || accept(lx, "global") ||
           accept(lx, "local") || accept(lx, "temp") ||
           accept(lx, "temporary") || accept(lx, "unlogged") ||
           accept(lx, "foreign"))
        ;
    if (!accept(lx, "table"))
        return 0;
    if (accept(lx, "if")) {
        accept(lx, "not");
        accept(lx, "exists");
    }
    qualified_name(lx, table);
    if (is_punct(lx, '('))
        return column_list(lx, table, fn, ctx);
    return 0;
}

/* One ALTER TABLE action, up to its ',' or ';'. */
static int alter_action(lexer *lx, const char *table, ts_ddl_column_fn fn,
                        void *ctx)
{
    int rc = 0;

    if (accept(lx, "add")) {
        accept(lx, "column");
        if (accept(lx, "if")) {
            accept(lx, "not");
            accept(lx, "exists");
        }
        if (is_punct(lx, '(')) /* MySQL: ADD (a int, b int) */
            return column_list(lx, table, fn, ctx);
        if (is_name(lx) && !is_constraint_word(lx))
            rc = fn(ctx, table, lx->t.text);
    } else if (accept(lx, "rename")) {
        if (accept(lx, "to") || accept(lx, "constraint"))
            return 0;
        accept(lx, "column");
        if (is_name(lx))
            next(lx);
        if (accept(lx, "to") && is_name(lx))
            rc = fn(ctx, table, lx->t.text);
    } else if (accept(lx, "change")) { /* MySQL: CHANGE [COLUMN] old new */
        accept(lx, "column");
        if (is_name(lx))
            next(lx);
        if (is_name(lx))
            rc = fn(ctx, table, lx->t.text);
    }
    return rc;
}

static int alter_table(lexer *lx, ts_ddl_column_fn fn, void *ctx)
{
    char table[NAME_MAX_LEN];
    int rc;

    if (!accept(lx, "table"))
        return 0;
    if (accept(lx, "if"))
        accept(lx, "exists");
    accept(lx, "only");
    qualified_name(lx, table);
    for (;;) {
        rc = alter_action(lx, table, fn, ctx);
        if (rc != 0)
            return rc;
        skip_element(lx);
        if (!is_punct(lx, ','))
            return 0;
        next(lx);
    }
}

int ts_ddl_columns(const char *sql, ts_ddl_column_fn fn, void *ctx)
{
    lexer lx;
    int rc = 0;

    lx.p = sql;
    next(&lx);
    while (rc == 0 && lx.t.kind != TK_END) {
        if (accept(&lx, "create"))
            rc = create_table(&lx, fn, ctx);
        else if (accept(&lx, "alter"))
            rc = alter_table(&lx, fn, ctx);
        /* on to the next statement */
        while (lx.t.kind != TK_END && !is_punct(&lx, ';'))
            next(&lx);
        if (is_punct(&lx, ';'))
            next(&lx);
    }
    return rc;
}
