/* Redacting SQL text and error details, and carrying a field's redaction
 * into the record bytes that hold it (see redact_text.h). */
#include <string.h>

#include "ingest/redact_text.h"
#include "ingest/sql_internal.h"

int ts_redact_sql_values(ts_buf *out, const char *sql, size_t len,
                         ts_sql_dialect dialect, ts_redact_value_fn fn,
                         void *ctx, ts_error *err)
{
    ts_sql_lexer lx;
    ts_sql_tok tok;
    ts_buf value;
    size_t kept = 0; /* sql before it is in out */
    int rc = 0;

    ts_buf_init(&value, (size_t)-1);
    ts_sql_lexer_init(&lx, sql, len, dialect);
    for (ts_sql_lexer_next(&lx, &tok); rc == 0 && tok.kind != TS_SQL_TOK_END;
         ts_sql_lexer_next(&lx, &tok)) {
        if (tok.kind != TS_SQL_TOK_VALUE ||
            (tok.value_kind != TS_SQL_VALUE_STRING &&
             tok.value_kind != TS_SQL_VALUE_BITS &&
             tok.value_kind != TS_SQL_VALUE_NUMBER))
            continue;
        if (fn != NULL) {
            rc = ts_sql_token_value(&value, sql, &tok, err);
            if (rc == 0)
                rc = fn(ctx, (const char *)value.data, value.len, err);
        }
        /* the text since the last literal, whole, then "?" */
        if (rc == 0 && out != NULL)
            rc = ts_buf_append(out, sql + kept, tok.start - kept, err);
        if (rc == 0 && out != NULL)
            rc = ts_buf_append_byte(out, '?', err);
        kept = tok.end;
    }
    if (rc == 0 && out != NULL)
        rc = ts_buf_append(out, sql + kept, len - kept, err);
    if (rc == 0 && out != NULL)
        rc = ts_buf_terminate(out, err);
    ts_buf_release(&value);
    return rc;
}

int ts_redact_sql(ts_buf *out, const char *sql, size_t len,
                  ts_sql_dialect dialect, ts_error *err)
{
    return ts_redact_sql_values(out, sql, len, dialect, NULL, NULL, err);
}

/* The next word of s (letters, digits, _ and .), lowered into w; s after
 * it and the spaces before the next. */
static const char *next_word(const char *s, char *w, size_t size)
{
    size_t n = 0;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    for (; (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
           (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '"';
         s++)
        if (n + 1 < size && *s != '"')
            w[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s | 0x20 : *s);
    w[n] = '\0';
    return s;
}

int ts_redact_keeps_sql(const char *sql)
{
    char w[64];
    const char *p = next_word(sql, w, sizeof(w));

    if (strcmp(w, "alter") == 0) {
        p = next_word(p, w, sizeof(w));
        if (strcmp(w, "system") != 0) {
            if (strcmp(w, "role") != 0 && strcmp(w, "user") != 0 &&
                strcmp(w, "database") != 0)
                return 0;
            p = next_word(p, w, sizeof(w)); /* its name */
        }
        p = next_word(p, w, sizeof(w));
        if (strcmp(w, "in") == 0) { /* ROLE r IN DATABASE d SET */
            p = next_word(next_word(p, w, sizeof(w)), w, sizeof(w));
            p = next_word(p, w, sizeof(w));
        }
    }
    if (strcmp(w, "set") != 0)
        return 0;
    p = next_word(p, w, sizeof(w));
    if (strcmp(w, "session") == 0 || strcmp(w, "local") == 0)
        next_word(p, w, sizeof(w));
    return strncmp(w, "pgaudit.", 8) == 0 || strncmp(w, "log_", 4) == 0;
}

int ts_redact_values(ts_buf *out, const char *list, ts_error *err)
{
    size_t i = 0, len = strlen(list);
    int rc = 0;

    /* CSV: a field is "..." with "" inside, or runs to the next comma */
    while (rc == 0) {
        if (i < len && list[i] == '"') {
            for (i++; i < len; i++)
                if (list[i] == '"' && (i + 1 >= len || list[++i] != '"'))
                    break;
        }
        while (i < len && list[i] != ',')
            i++;
        rc = ts_buf_append_byte(out, '?', err);
        if (i >= len)
            break;
        i++;
        if (rc == 0)
            rc = ts_buf_append_byte(out, ',', err);
    }
    return rc == 0 ? ts_buf_terminate(out, err) : rc;
}

/* Copies s to out with the text between `open` (ending in '(') and its
 * matching ')' replaced by "?", at every occurrence. */
static int redact_lists(ts_buf *out, const char *s, const char *open,
                        ts_error *err)
{
    size_t olen = strlen(open);
    const char *at;
    int rc = 0;

    while (rc == 0 && (at = strstr(s, open)) != NULL) {
        const char *p = at + olen;
        int depth = 1;
        while (*p != '\0' && depth > 0) {
            depth += *p == '(';
            depth -= *p == ')';
            if (depth > 0)
                p++;
        }
        rc = ts_buf_append(out, s, (size_t)(at - s) + olen, err);
        if (rc == 0)
            rc = ts_buf_append_byte(out, '?', err);
        s = p;
    }
    return rc == 0 ? ts_buf_append(out, s, strlen(s), err) : rc;
}

int ts_redact_detail(ts_buf *out, const char *detail, ts_error *err)
{
    static const char params[] = "parameters: ";
    ts_buf tmp;
    int rc;

    if (strncmp(detail, params, sizeof(params) - 1) == 0)
        return ts_redact_sql(out, detail, strlen(detail), TS_SQL_PG, err);
    ts_buf_init(&tmp, (size_t)-1);
    rc = redact_lists(&tmp, detail, ")=(", err);
    if (rc == 0)
        rc = ts_buf_terminate(&tmp, err);
    if (rc == 0)
        rc = redact_lists(out, (const char *)tmp.data, "contains (", err);
    ts_buf_release(&tmp);
    return rc == 0 ? ts_buf_terminate(out, err) : rc;
}

/* ---- spellings ---- */

enum spelling {
    AS_IS,
    CSV,
    CSV_CSV,
    TAB,
    CSV_TAB,
    MARIADB,
    JSON,     /* PostgreSQL's escape_json() and most JSON writers */
    CSV_JSON, /* pgAudit's CSV inside a jsonlog message */
    JSON_GO,  /* Go's encoding/json: also <, > and & as \u00XX */
    BASE64,   /* hoop.dev's session input */
    N_SPELLINGS
};

/* s as a JSON string's body; go: with Go's HTML-safe escapes. */
static int escape_json(ts_buf *out, const char *s, size_t len, int go,
                       ts_error *err)
{
    static const char hex[] = "0123456789abcdef";
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t n = 2;
        if (c == '"' || c == '\\')
            e[1] = (char)c;
        else if (c == '\n')
            e[1] = 'n';
        else if (c == '\r')
            e[1] = 'r';
        else if (c == '\t')
            e[1] = 't';
        else if (c == '\b' && !go)
            e[1] = 'b';
        else if (c == '\f' && !go)
            e[1] = 'f';
        else if (c < 0x20 || (go && (c == '<' || c == '>' || c == '&'))) {
            memcpy(e + 1, "u00", 3);
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            n = 6;
        } else
            n = 0;
        rc =
            n ? ts_buf_append(out, e, n, err) : ts_buf_append_byte(out, c, err);
    }
    return rc;
}

static int escape_once(ts_buf *out, const char *s, size_t len, char what,
                       ts_error *err)
{
    const char *p = s, *end = s + len;
    int rc = 0;

    /* each run through the next `what`, then what escapes it: a second
     * quote, or a TAB after a newline */
    while (rc == 0 && p < end) {
        const char *at = memchr(p, what, (size_t)(end - p));
        const char *stop = at != NULL ? at + 1 : end;
        rc = ts_buf_append(out, p, (size_t)(stop - p), err);
        if (rc == 0 && at != NULL)
            rc = ts_buf_append_byte(out, what == '\n' ? '\t' : '"', err);
        p = stop;
    }
    return rc;
}

static int escape_mariadb(ts_buf *out, const char *s, size_t len, ts_error *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < len; i++) {
        const char *e = NULL;
        switch (s[i]) {
        case '\n':
            e = "\\n";
            break;
        case '\r':
            e = "\\r";
            break;
        case '\t':
            e = "\\t";
            break;
        case '\\':
            e = "\\\\";
            break;
        case '\'':
            e = "\\'";
            break;
        default:
            break;
        }
        rc = e ? ts_buf_append(out, e, 2, err)
               : ts_buf_append_byte(out, (uint8_t)s[i], err);
    }
    return rc;
}

/* s spelled as `how` into out (emptied first). */
static int spell(ts_buf *out, const char *s, enum spelling how, ts_error *err)
{
    ts_buf tmp;
    int rc;

    out->len = 0;
    switch (how) {
    case AS_IS:
        return ts_buf_append(out, s, strlen(s), err);
    case CSV:
        return escape_once(out, s, strlen(s), '"', err);
    case TAB:
        return escape_once(out, s, strlen(s), '\n', err);
    case MARIADB:
        return escape_mariadb(out, s, strlen(s), err);
    case JSON:
    case JSON_GO:
        return escape_json(out, s, strlen(s), how == JSON_GO, err);
    case BASE64:
        rc = ts_buf_reserve(out, ts_base64_encoded_size(strlen(s)), err);
        if (rc == 0) {
            ts_base64_encode((const uint8_t *)s, strlen(s), (char *)out->data);
            out->len = strlen((const char *)out->data);
        }
        return rc;
    default:
        break;
    }
    ts_buf_init(&tmp, (size_t)-1);
    rc = escape_once(&tmp, s, strlen(s), '"', err);
    if (rc == 0 && how == CSV_JSON)
        rc = escape_json(out, (const char *)tmp.data, tmp.len, 0, err);
    else if (rc == 0)
        rc = escape_once(out, (const char *)tmp.data, tmp.len,
                         how == CSV_CSV ? '"' : '\n', err);
    ts_buf_release(&tmp);
    return rc;
}

/* 1 when spelling s as `how` changes it (escape_* above: the bytes each
 * escapes); 0 when the spelling is s itself. */
static int spelling_changes(const char *s, enum spelling how)
{
    switch (how) {
    case AS_IS:
        return 0;
    case CSV:
    case CSV_CSV:
        return strchr(s, '"') != NULL;
    case TAB:
        return strchr(s, '\n') != NULL;
    case CSV_TAB:
        return strpbrk(s, "\"\n") != NULL;
    case MARIADB:
        return strpbrk(s, "\n\r\t\\'") != NULL;
    case JSON:
    case CSV_JSON:
    case JSON_GO:
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            if (*p == '"' || *p == '\\' || *p < 0x20 ||
                (how == JSON_GO && (*p == '<' || *p == '>' || *p == '&')))
                return 1;
        return 0;
    default: /* BASE64 */
        return 1;
    }
}

/* The first occurrence of needle (len bytes) in hay (memmem, which C11
 * lacks); NULL for an empty needle. */
static const uint8_t *find(const uint8_t *hay, size_t n, const void *needle,
                           size_t len)
{
    const uint8_t *p = hay, *end = hay + n, *first = needle;

    if (len == 0)
        return NULL;
    while ((size_t)(end - p) >= len &&
           (p = memchr(p, first[0], (size_t)(end - p) - len + 1)) != NULL) {
        if (memcmp(p, needle, len) == 0)
            return p;
        p++;
    }
    return NULL;
}

int ts_redact_replace(ts_buf *out, const uint8_t *text, size_t len,
                      const char *orig, const char *redacted, int *found,
                      ts_error *err)
{
    ts_buf from, to;
    int rc = 0;

    *found = 0;
    out->len = 0;
    ts_buf_init(&from, (size_t)-1);
    ts_buf_init(&to, (size_t)-1);
    for (int how = AS_IS; rc == 0 && !*found && how < N_SPELLINGS; how++) {
        const uint8_t *at, *p = text, *end = text + len;
        /* as is, the strings themselves: no copy */
        const void *needle = orig, *with = redacted;
        size_t needle_len = strlen(orig), with_len = strlen(redacted);
        /* a spelling that leaves orig as it is was tried as is */
        if (how != AS_IS && !spelling_changes(orig, (enum spelling)how))
            continue;
        if (how != AS_IS) {
            rc = spell(&from, orig, (enum spelling)how, err);
            needle = from.data;
            needle_len = from.len;
        }
        if (rc != 0 || find(text, len, needle, needle_len) == NULL)
            continue;
        if (how != AS_IS) {
            rc = spell(&to, redacted, (enum spelling)how, err);
            with = to.data;
            with_len = to.len;
        }
        while (rc == 0 &&
               (at = find(p, (size_t)(end - p), needle, needle_len)) != NULL) {
            rc = ts_buf_append(out, p, (size_t)(at - p), err);
            if (rc == 0)
                rc = ts_buf_append(out, with, with_len, err);
            p = at + needle_len;
        }
        if (rc == 0)
            rc = ts_buf_append(out, p, (size_t)(end - p), err);
        *found = 1;
    }
    if (rc == 0 && !*found)
        rc = ts_buf_append(out, text, len, err);
    ts_buf_release(&from);
    ts_buf_release(&to);
    return rc;
}

int ts_redact_sql_tail(ts_buf *out, const uint8_t *text, size_t len,
                       const char *prefix, size_t prefix_len,
                       ts_sql_dialect dialect, int *found, ts_error *err)
{
    ts_buf needle;
    const uint8_t *at = NULL;
    int rc = 0;

    *found = 0;
    out->len = 0;
    ts_buf_init(&needle, (size_t)-1);
    if (prefix_len >= TS_REDACT_MIN_PREFIX)
        rc = ts_buf_append(&needle, prefix, prefix_len, err);
    if (rc == 0 && prefix_len >= TS_REDACT_MIN_PREFIX)
        at = find(text, len, needle.data, needle.len);
    ts_buf_release(&needle);
    if (rc != 0 || at == NULL)
        return rc != 0 ? rc : ts_buf_append(out, text, len, err);
    *found = 1;
    rc = ts_buf_append(out, text, (size_t)(at - text), err);
    if (rc == 0)
        rc = ts_redact_sql(out, (const char *)at, (size_t)(text + len - at),
                           dialect, err);
    return rc;
}
