/* pgAudit records: splitting "AUDIT: ..." CSV into its fields. */
#include <string.h>

#include "ingest/ingest_internal.h"

/* pgAudit's append_valid_csv() quotes a value with double quotes when it
 * holds a comma, a double quote, CR or LF, doubling the quotes inside; an
 * unquoted value holds none of those. The PARAMETER field is a list built
 * the same way and then quoted again as a whole. */

enum {
    F_TYPE,
    F_STMT_ID,
    F_SUB_ID,
    F_CLASS,
    F_COMMAND,
    F_OBJ_TYPE,
    F_OBJ_NAME,
    F_STATEMENT,
    F_PARAMETER,
    F_ROWS,
    F_MAX
};

/* Reads one field at *p (< end) into out; sets *p past the field and its
 * comma, or to NULL when it was the last. Returns bytes written, or -1
 * with *reason. */
static long read_field(const char **p, const char *end, char *out,
                       const char **reason)
{
    const char *s = *p;
    char *o = out;

    if (s < end && *s == '"') {
        s++;
        for (;;) {
            if (s == end) {
                *reason = "pgAudit record: unterminated quoted field";
                return -1;
            }
            if (*s == '"') {
                if (s + 1 < end && s[1] == '"') {
                    *o++ = '"';
                    s += 2;
                    continue;
                }
                s++;
                break;
            }
            *o++ = *s++;
        }
        if (s < end && *s != ',') {
            *reason = "pgAudit record: text after a closing quote";
            return -1;
        }
    } else {
        while (s < end && *s != ',') {
            if (*s == '"') {
                *reason = "pgAudit record: quote inside an unquoted field";
                return -1;
            }
            *o++ = *s++;
        }
    }
    *p = s < end ? s + 1 : NULL;
    return o - out;
}

static int parse_id(const char *s, int64_t *out)
{
    int64_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

static const char *special_to_null(const char *s)
{
    if (strcmp(s, "<none>") == 0 || strcmp(s, "<not logged>") == 0 ||
        strcmp(s, "<previously logged>") == 0)
        return NULL;
    return s;
}

int ts_pgaudit_parse(const char *text, size_t len, char *buf,
                     ts_pgaudit_record *out, const char **reason)
{
    const char *field[F_MAX];
    const char *p = text, *end = text + len;
    char *o = buf;
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    out->statement_id = out->substatement_id = out->rows = -1;
    /* An empty text is one empty field; a trailing comma leaves one more
     * (read_field leaves p at end, which reads as an empty last field). */
    while (p != NULL) {
        long w;
        if (n == F_MAX) {
            *reason = "pgAudit record: too many fields";
            return -1;
        }
        w = read_field(&p, end, o, reason);
        if (w < 0)
            return -1;
        field[n++] = o;
        o += w;
        *o++ = '\0';
    }
    if (n < F_ROWS) {
        *reason = "pgAudit record: too few fields";
        return -1;
    }
    if (strcmp(field[F_TYPE], "SESSION") != 0 &&
        strcmp(field[F_TYPE], "OBJECT") != 0) {
        *reason = "pgAudit record: audit type is not SESSION or OBJECT";
        return -1;
    }
    if (parse_id(field[F_STMT_ID], &out->statement_id) != 0 ||
        parse_id(field[F_SUB_ID], &out->substatement_id) != 0) {
        *reason = "pgAudit record: statement id is not a number";
        return -1;
    }
    if (n == F_MAX && parse_id(field[F_ROWS], &out->rows) != 0) {
        *reason = "pgAudit record: rows is not a number";
        return -1;
    }
    out->audit_type = field[F_TYPE];
    out->audit_class = field[F_CLASS][0] ? field[F_CLASS] : NULL;
    out->command = field[F_COMMAND][0] ? field[F_COMMAND] : NULL;
    out->object_type = field[F_OBJ_TYPE][0] ? field[F_OBJ_TYPE] : NULL;
    out->object_name = field[F_OBJ_NAME][0] ? field[F_OBJ_NAME] : NULL;
    out->statement = special_to_null(field[F_STATEMENT]);
    out->parameter = special_to_null(field[F_PARAMETER]);
    return 0;
}

int ts_pgaudit_param_next(const char **cursor, char *out, size_t *out_len)
{
    const char *p = *cursor, *reason;
    long w;

    if (p == NULL)
        return 0;
    w = read_field(&p, p + strlen(p), out, &reason);
    if (w < 0)
        return -1;
    out[w] = '\0';
    *out_len = (size_t)w;
    /* a trailing comma leaves one more, empty, value */
    *cursor = p;
    return 1;
}
