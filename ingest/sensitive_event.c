/* The data classes of one event's values: the string and number literals of
 * its statement and the bind parameters pgAudit logged beside it, found
 * without allocating so that ingest can afford it for every statement. */
#include <string.h>

#include "ingest/sql_internal.h"
#include "trailseal/sensitive.h"

unsigned ts_sensitive_statement_mask(const char *sql, size_t len,
                                     ts_sql_dialect dialect)
{
    ts_sql_lexer lx;
    ts_sql_tok tok;
    unsigned found = 0;

    if (sql == NULL || len > TS_SQL_MAX_LEN)
        return 0;
    ts_sql_lexer_init(&lx, sql, len, dialect);
    for (ts_sql_lexer_next(&lx, &tok); tok.kind != TS_SQL_TOK_END;
         ts_sql_lexer_next(&lx, &tok)) {
        size_t start = tok.start, end = tok.end;
        if (tok.kind != TS_SQL_TOK_VALUE ||
            (tok.value_kind != TS_SQL_VALUE_STRING &&
             tok.value_kind != TS_SQL_VALUE_NUMBER))
            continue;
        if (tok.quote != 0 || tok.dollar) {
            start = tok.body_start;
            end = tok.body_end;
        }
        /* The body as written: a doubled quote or an escape inside is
         * kept, which none of the classes' shapes contains. */
        if (end > start)
            found |= ts_sensitive_detect(sql + start, end - start);
    }
    return found;
}

unsigned ts_sensitive_parameter_mask(const char *parameter)
{
    unsigned found = 0;
    size_t i = 0, len;

    if (parameter == NULL)
        return 0;
    len = strlen(parameter);
    /* pgAudit writes the parameters as one CSV record: fields separated by
     * commas, quoted with " when they hold a comma, quote or line end. */
    while (i <= len) {
        size_t start = i, end;
        if (i < len && parameter[i] == '"') {
            start = ++i;
            while (i < len && !(parameter[i] == '"' &&
                                (i + 1 >= len || parameter[i + 1] != '"')))
                i += parameter[i] == '"' ? 2 : 1;
            end = i < len ? i : len;
            while (i < len && parameter[i] != ',')
                i++;
        } else {
            while (i < len && parameter[i] != ',')
                i++;
            end = i;
        }
        if (end > start)
            found |= ts_sensitive_detect(parameter + start, end - start);
        i++; /* past the comma, or past the end */
    }
    return found;
}

size_t ts_sensitive_event_classes(const char *statement, const char *parameter,
                                  const char **names, size_t max)
{
    unsigned found = ts_sensitive_parameter_mask(parameter);
    size_t n = 0;

    if (statement != NULL)
        found |= ts_sensitive_statement_mask(statement, strlen(statement),
                                             TS_SQL_PG);
    for (unsigned bit = 1; bit <= TS_SENSITIVE_LAST && n < max; bit <<= 1)
        if (found & bit)
            names[n++] = ts_sensitive_class_name(bit);
    return n;
}
