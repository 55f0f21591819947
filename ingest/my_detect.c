/* Recognising the MySQL-family audit formats from the first bytes of a
 * stream, for --format auto. */
#include <string.h>

#include "ingest/ingest_internal.h"

/* Whether s[0, n) holds lit. */
static int has(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);

    for (size_t i = 0; i + k <= n; i++) {
        if (s[i] == lit[0] && memcmp(s + i, lit, k) == 0)
            return 1;
    }
    return 0;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n &&
           (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i;
}

/* "Name","123_: the start of every Percona CSV record. */
static int percona_csv_line(const char *s, size_t n)
{
    size_t i = 1;

    if (n < 6 || s[0] != '"')
        return 0;
    while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') ||
                     (s[i] >= 'a' && s[i] <= 'z') || s[i] == ' '))
        i++;
    if (i == 1 || i + 4 > n || memcmp(s + i, "\",\"", 3) != 0)
        return 0;
    i += 3;
    if (s[i] < '0' || s[i] > '9')
        return 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i < n && s[i] == '_';
}

const char *ts_my_format_detect(const uint8_t *head, size_t len)
{
    const char *s = (const char *)head;
    const char *nl = memchr(s, '\n', len);
    size_t first = nl != NULL ? (size_t)(nl - s) : len, i;
    ts_mariadb_record rec;
    const char *reason;
    int rc;

    if (len == 0)
        return NULL;
    rc = ts_mariadb_record_parse(s, ts_text_len(s, first), &rec, &reason);
    if (rc == 0 || rc == TS_MARIADB_OPEN)
        return "mariadb-audit";
    if (percona_csv_line(s, first))
        return "percona-audit-csv";
    /* blank lines may come first: look at the line the first byte that is
     * not white space is on (not past `first`, which ends the first line) */
    i = skip_ws(s, len, 0);
    if (i < len && s[i] == '{') {
        const char *end = memchr(s + i, '\n', len - i);
        size_t line = end != NULL ? (size_t)(end - (s + i)) : len - i;
        if (has(s + i, line, "\"audit_record\""))
            return "percona-audit-json";
    }
    /* MySQL: a JSON array of objects with "timestamp" and "class", or such
     * objects one per line */
    if (i < len && (s[i] == '[' || s[i] == '{') &&
        has(s, len, "\"timestamp\"") && has(s, len, "\"class\""))
        return "mysql-audit-json";
    return NULL;
}
