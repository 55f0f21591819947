/* A long statement's lists of constants shortened before it is parsed:
 * a VALUES list's rows of constants after its first, and an IN list's
 * items after its first when all are constants, say nothing the walk keeps
 * (no table, no column, no flow; the columns they fill or compare are the
 * first's), yet a bulk INSERT of 240,000 rows (5 MB) made libpg_query's
 * parse tree and its JSON take 800 MB and 3.5 s, and an IN list of 200,000
 * ids 240 MB. Rows and lists that hold anything but constants (a subquery,
 * a function, a column) stay. */
#include <stdlib.h>
#include <string.h>

#include "ingest/sql_internal.h"

/* Shorter statements are parsed as they are. */
#define TS_SQL_COLLAPSE_MIN 16384

static int is_char(const char *sql, const ts_sql_tok *t, char c)
{
    return t->kind == TS_SQL_TOK_OTHER && t->end - t->start == 1 &&
           sql[t->start] == c;
}

/* An unquoted word equal to w (lowercase) whatever its case. */
static int is_word(const char *sql, const ts_sql_tok *t, const char *w)
{
    size_t n = strlen(w);

    if (t->kind != TS_SQL_TOK_OTHER || t->end - t->start != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = sql[t->start + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return 0;
    }
    return 1;
}

/* A token a row of constants may hold; after_colon: the significant token
 * before it was ':' (a cast's type name follows "::"). */
static int is_constant_part(const char *sql, const ts_sql_tok *t,
                            int after_colon)
{
    static const char punct[] = ",()+-[]:.";

    switch (t->kind) {
    case TS_SQL_TOK_VALUE:
    case TS_SQL_TOK_SPACE:
    case TS_SQL_TOK_COMMENT:
        return 1;
    case TS_SQL_TOK_OTHER:
        if (t->end - t->start == 1 && strchr(punct, sql[t->start]) != NULL &&
            sql[t->start] != '\0')
            return 1;
        return after_colon || is_word(sql, t, "null") ||
               is_word(sql, t, "default");
    case TS_SQL_TOK_END:
        break;
    }
    return 0;
}

enum state {
    SCAN,        /* looking for VALUES or IN */
    FIRST_OPEN,  /* after VALUES: its first row's "(" */
    FIRST_ROW,   /* in the first row, which stays */
    AFTER_ROW,   /* after a row: "," for another, or the list ended */
    AFTER_COMMA, /* "(" for another row, or the list ended */
    ROW,         /* in a later row */
    IN_OPEN,     /* after IN: its list's "(" */
    IN_LIST      /* in the list */
};

/* Leaves sql[from .. to) out: what comes before it is copied to buf,
 * then mark (when not NULL), unless only spaces separate it from the part
 * left out before (one mark for a run of rows). */
static int cut(ts_buf *buf, const char *sql, size_t *copied, size_t from,
               size_t to, const char *mark, ts_error *err)
{
    size_t at = *copied;
    int rc = 0;

    while (*copied > 0 && at < from &&
           (sql[at] == ' ' || sql[at] == '\t' || sql[at] == '\n' ||
            sql[at] == '\r'))
        at++;
    if (*copied == 0 || at != from) {
        rc = ts_buf_append(buf, sql + *copied, from - *copied, err);
        if (rc == 0 && mark != NULL)
            rc = ts_buf_append(buf, mark, strlen(mark), err);
    }
    *copied = to;
    return rc;
}

int ts_sql_values_collapse(const char *sql, size_t len, ts_sql_dialect dialect,
                           const char *mark, char **out, ts_error *err)
{
    ts_sql_lexer lx;
    ts_sql_tok t;
    ts_buf buf;
    enum state state = SCAN;
    size_t depth = 0, row_start = 0, copied = 0;
    int constant = 0, after_colon = 0, rc = 0;

    *out = NULL;
    if (len < TS_SQL_COLLAPSE_MIN)
        return 0;
    ts_buf_init(&buf, SIZE_MAX);
    ts_sql_lexer_init(&lx, sql, len, dialect);
    for (ts_sql_lexer_next(&lx, &t); rc == 0 && t.kind != TS_SQL_TOK_END;
         ts_sql_lexer_next(&lx, &t)) {
        int significant =
            t.kind != TS_SQL_TOK_SPACE && t.kind != TS_SQL_TOK_COMMENT;
        if (state == ROW || state == IN_LIST) {
            constant = constant && is_constant_part(sql, &t, after_colon);
            if (significant)
                after_colon = is_char(sql, &t, ':');
        }
        if (state == FIRST_ROW || state == ROW || state == IN_LIST) {
            if (is_char(sql, &t, '(')) {
                depth++;
            } else if (state == IN_LIST && depth == 1 && row_start == 0 &&
                       is_char(sql, &t, ',')) {
                row_start = t.start; /* the list's second item */
            } else if (is_char(sql, &t, ')') && --depth == 0) {
                /* a later row and the comma before it; a list's items
                 * after its first */
                if (state == ROW && constant)
                    rc = cut(&buf, sql, &copied, row_start, t.end, mark, err);
                else if (state == IN_LIST && constant && row_start != 0)
                    rc = cut(&buf, sql, &copied, row_start, t.start, mark, err);
                state = state == IN_LIST ? SCAN : AFTER_ROW;
            }
            continue;
        }
        if (!significant)
            continue;
        if (state == FIRST_OPEN && is_char(sql, &t, '(')) {
            state = FIRST_ROW;
            depth = 1;
        } else if (state == AFTER_ROW && is_char(sql, &t, ',')) {
            state = AFTER_COMMA;
            row_start = t.start;
        } else if ((state == AFTER_COMMA || state == IN_OPEN) &&
                   is_char(sql, &t, '(')) {
            row_start = state == AFTER_COMMA ? row_start : 0;
            state = state == AFTER_COMMA ? ROW : IN_LIST;
            depth = 1;
            constant = 1;
            after_colon = 0;
        } else {
            state = is_word(sql, &t, "values") ? FIRST_OPEN
                    : is_word(sql, &t, "in")   ? IN_OPEN
                                               : SCAN;
        }
    }
    if (rc == 0 && copied > 0) {
        rc = ts_buf_append(&buf, sql + copied, len - copied, err);
        if (rc == 0)
            rc = ts_buf_terminate(&buf, err);
        if (rc == 0) {
            *out = (char *)buf.data; /* now the caller's */
            return 0;
        }
    }
    ts_buf_release(&buf);
    return rc;
}
