/* Splitting one MariaDB server_audit log line into its ten fields. */
#include <string.h>

#include "ingest/ingest_internal.h"

/* The plugin writes, per record and on one line (server_audit.c,
 * log_header() and its callers):
 *
 *   YYYYMMDD HH:MM:SS,serverhost,user,host,connid,queryid,OP,db,object,ret
 *
 * where host is "host:port" from MariaDB 12, object is a query in single
 * quotes with ' \ and line breaks backslash-escaped (QUERY), a table name
 * (READ, WRITE, CREATE, DROP, ALTER), "table|db.table" (RENAME) or empty
 * (CONNECT, DISCONNECT, ...), and ret is empty for table records. Neither
 * the user nor the database is escaped, so a comma in either is possible:
 * the fields are found from the ",connid,queryid,OP," anchor, which no
 * host name holds, and the object from the last comma of the line. */

#define TS_LEN 17 /* "YYYYMMDD HH:MM:SS" */
#define OP_MAX 32

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int digits(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;

    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int ts_mariadb_is_head(const char *text, size_t len)
{
    static const char shape[] = "dddddddd dd:dd:dd";
    size_t i = TS_LEN, start;

    if (len < TS_LEN + 1)
        return 0;
    for (i = 0; i < TS_LEN; i++) {
        if (shape[i] == 'd' ? !is_digit(text[i]) : text[i] != shape[i])
            return 0;
    }
    if (text[i] == '.') {
        /* a fraction of a second, should a server write one */
        for (start = ++i; i < len && is_digit(text[i]) && i - start < 9; i++)
            ;
        if (i == start)
            return 0;
    }
    return i < len && text[i] == ',';
}

static int days_in_month(int64_t y, int64_t m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 ? 28 + leap : days[m - 1];
}

/* Reads the timestamp at text (ts_mariadb_is_head() holds); *end is the
 * comma after it. Returns 0, or -1 for a date or time that cannot be. */
static int parse_time(const char *text, size_t len, int64_t *out, size_t *end)
{
    int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, frac = 0;
    int64_t scale = 1000000;
    size_t i = TS_LEN;

    digits(text, 4, &y);
    digits(text + 4, 2, &mo);
    digits(text + 6, 2, &d);
    digits(text + 9, 2, &h);
    digits(text + 12, 2, &mi);
    digits(text + 15, 2, &s);
    if (i < len && text[i] == '.') {
        for (i++; i < len && is_digit(text[i]); i++) {
            if (scale > 1) {
                scale /= 10;
                frac += (text[i] - '0') * scale;
            }
        }
    }
    *end = i;
    /* 60: a leap second, as localtime() can report */
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h > 23 || mi > 59 || s > 60)
        return -1;
    *out = ((ts_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s;
    *out = *out * 1000000 + frac;
    return 0;
}

/* Whether text[c, len) starts with ",connid,queryid,OP," and if so where
 * the operation starts and ends. */
static int anchor_at(const char *text, size_t len, size_t c,
                     ts_mariadb_record *out, size_t *op_end)
{
    size_t i = c + 1, start;

    for (int field = 0; field < 2; field++) {
        int64_t v = 0;
        start = i;
        while (i < len && is_digit(text[i]) && i - start < 18)
            v = v * 10 + (text[i++] - '0');
        if (i == start || i >= len || text[i] != ',')
            return 0;
        if (field == 0)
            out->connection_id = v;
        else
            out->query_id = v;
        i++;
    }
    start = i;
    while (i < len && i - start <= OP_MAX &&
           ((text[i] >= 'A' && text[i] <= 'Z') || text[i] == '_'))
        i++;
    if (i == start || i >= len || text[i] != ',')
        return 0;
    out->operation.s = text + start;
    out->operation.len = i - start;
    *op_end = i;
    return 1;
}

/* "host:port" (one colon), "[v6]:port", or a bare host. An IPv6 address
 * without brackets stays whole: its last group cannot be told from a port. */
static void split_host(ts_text field, ts_mariadb_record *out)
{
    const char *colon = memchr(field.s, ':', field.len);
    size_t h;

    out->host = field;
    out->port.s = field.s + field.len;
    out->port.len = 0;
    if (colon == NULL)
        return;
    if (field.s[0] == '[') {
        const char *close = memchr(field.s, ']', field.len);
        if (close == NULL || close + 1 >= field.s + field.len ||
            close[1] != ':')
            return;
        out->host.s = field.s + 1;
        out->host.len = (size_t)(close - field.s) - 1;
        colon = close + 1;
    } else {
        h = (size_t)(colon - field.s);
        if (memchr(colon + 1, ':', field.len - h - 1) != NULL)
            return;
        out->host.len = h;
    }
    out->port.s = colon + 1;
    out->port.len = field.len - (size_t)(colon + 1 - field.s);
    for (size_t i = 0; i < out->port.len; i++) {
        if (!is_digit(out->port.s[i])) {
            out->port.len = 0; /* "unavailable": no port to give */
            break;
        }
    }
}

/* An optional minus and 1 to 18 digits filling s[0, n). */
static int parse_retcode(const char *s, size_t n, int64_t *out)
{
    int neg = n > 0 && s[0] == '-';

    if (neg) {
        s++;
        n--;
    }
    if (n == 0 || n > 18 || digits(s, n, out) != 0)
        return -1;
    if (neg)
        *out = -*out;
    return 0;
}

/* The object and the retcode: text[i, len) is what follows "db,". */
static int parse_tail(const char *text, size_t len, size_t i,
                      ts_mariadb_record *out, const char **reason)
{
    size_t j, comma;

    if (i < len && text[i] == '\'') {
        for (j = i + 1; j < len; j++) {
            if (text[j] == '\\')
                j++;
            else if (text[j] == '\'')
                break;
        }
        if (j >= len) {
            *reason = "unterminated quoted query";
            return TS_MARIADB_OPEN;
        }
        out->object.s = text + i + 1;
        out->object.len = j - i - 1;
        out->object_quoted = 1;
        if (j + 1 >= len || text[j + 1] != ',') {
            *reason = "text after the quoted query";
            return TS_MARIADB_BAD;
        }
        comma = j + 1;
    } else {
        const char *last = NULL;
        for (j = len; j > i; j--) {
            if (text[j - 1] == ',') {
                last = text + j - 1;
                break;
            }
        }
        if (last == NULL) {
            *reason = "no retcode field";
            return TS_MARIADB_BAD;
        }
        comma = (size_t)(last - text);
        out->object.s = text + i;
        out->object.len = comma - i;
    }
    out->has_retcode = comma + 1 < len;
    if (out->has_retcode &&
        parse_retcode(text + comma + 1, len - comma - 1, &out->retcode) != 0) {
        *reason = "retcode is not a number";
        return TS_MARIADB_BAD;
    }
    return 0;
}

int ts_mariadb_record_parse(const char *text, size_t len,
                            ts_mariadb_record *out, const char **reason)
{
    const char *p, *sep, *c, *host_comma;
    size_t i, op_end = 0;
    int found = 0;

    memset(out, 0, sizeof(*out));
    out->retcode = 0;
    if (!ts_mariadb_is_head(text, len)) {
        *reason = "no 'YYYYMMDD HH:MM:SS,' timestamp at the start";
        return TS_MARIADB_BAD;
    }
    if (parse_time(text, len, &out->time_us, &i) != 0) {
        *reason = "impossible timestamp";
        return TS_MARIADB_BAD;
    }
    i++; /* the comma */
    p = text + i;
    sep = memchr(p, ',', len - i);
    if (sep == NULL) {
        *reason = "no fields after the server host";
        return TS_MARIADB_BAD;
    }
    out->serverhost.s = p;
    out->serverhost.len = (size_t)(sep - p);
    /* user , host ,connid,queryid,OP, : the user/host comma first */
    host_comma = memchr(sep + 1, ',', len - (size_t)(sep + 1 - text));
    for (c = host_comma; c != NULL && !found;) {
        const char *next;
        size_t at = (size_t)(c - text);
        next = at + 1 < len ? memchr(c + 1, ',', len - at - 1) : NULL;
        if (next == NULL)
            break;
        found = anchor_at(text, len, (size_t)(next - text), out, &op_end);
        if (!found)
            c = next;
        else
            host_comma = c;
    }
    if (!found) {
        *reason = "no ',connectionid,queryid,OPERATION,' after the server host";
        return TS_MARIADB_BAD;
    }
    /* c is the comma before the host, the anchor follows the host */
    out->user.s = sep + 1;
    out->user.len = (size_t)(host_comma - sep - 1);
    {
        const char *hs = host_comma + 1;
        const char *he = memchr(hs, ',', len - (size_t)(hs - text));
        ts_text field = {hs, (size_t)(he - hs)};
        split_host(field, out);
    }
    i = op_end + 1;
    p = text + i;
    sep = i < len ? memchr(p, ',', len - i) : NULL;
    if (sep == NULL) {
        *reason = "no object and retcode fields";
        return TS_MARIADB_BAD;
    }
    out->database.s = p;
    out->database.len = (size_t)(sep - p);
    return parse_tail(text, len, (size_t)(sep + 1 - text), out, reason);
}

size_t ts_mariadb_unescape(const char *s, size_t len, char *out)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '\\' && i + 1 < len) {
            char e = s[i + 1];
            i++;
            if (e == 'n')
                ch = '\n';
            else if (e == 'r')
                ch = '\r';
            else if (e == 't')
                ch = '\t';
            else if (e == '\\' || e == '\'')
                ch = e;
            else {
                out[n++] = '\\'; /* not an escape the plugin writes */
                ch = e;
            }
        }
        out[n++] = ch;
    }
    out[n] = '\0';
    return n;
}
