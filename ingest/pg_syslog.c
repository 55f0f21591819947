/* The syslog wrapping of PostgreSQL stderr lines (rsyslog, syslog-ng,
 * RFC 5424), recognised so the server's own line can be matched. */
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/event.h"

/* Forms recognised, each optionally after a "<PRI>":
 *   BSD (RFC 3164):  "Dec  4 10:00:00 host ident[pid]: "
 *   rsyslog's high-precision BSD form:
 *                    "2026-12-04T10:00:00.123456+00:00 host ident[pid]: "
 *   RFC 5424:        "<134>1 2026-12-04T10:00:00.123Z host ident pid - - "
 * then PostgreSQL's own "[seq-chunk] " (syslog_sequence_numbers on) or
 * "[chunk] " (off, with syslog_split_messages), which say which line of a
 * message this is: chunk 1 starts a message, later chunks continue it. */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads a non-empty run of characters up to a space; *p moves past it. */
static int token(const char *s, size_t len, size_t *p, size_t *start,
                 size_t *tlen)
{
    size_t i = *p;

    *start = i;
    while (i < len && s[i] != ' ')
        i++;
    if (i == *start || i >= len)
        return -1;
    *tlen = i - *start;
    *p = i + 1;
    return 0;
}

static int64_t digits_value(const char *s, size_t n)
{
    int64_t v = 0;

    if (n == 0 || n > 12)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "Mmm dd hh:mm:ss " (day space-padded or two digits). */
static int bsd_time(const char *s, size_t len, size_t *p)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    size_t i = *p;
    int month = 0;

    if (len - i < 16)
        return -1;
    for (int m = 0; m < 12 && !month; m++)
        month = memcmp(s + i, months + 3 * m, 3) == 0;
    if (!month || s[i + 3] != ' ')
        return -1;
    i += 4;
    if (s[i] == ' ')
        i++;
    while (i < len && is_digit(s[i]))
        i++;
    if (len - i < 10 || s[i] != ' ' || !is_digit(s[i + 1]) ||
        !is_digit(s[i + 2]) || s[i + 3] != ':' || s[i + 6] != ':' ||
        s[i + 9] != ' ')
        return -1;
    *p = i + 10;
    return 0;
}

/* An ISO 8601 time up to the next space, parsed. */
static int iso_time(const char *s, size_t len, size_t *p, int64_t *out)
{
    char tmp[64];
    size_t start, n;

    if (token(s, len, p, &start, &n) != 0 || n >= sizeof(tmp) || n < 19 ||
        s[start + 4] != '-' || s[start + 10] != 'T')
        return -1;
    memcpy(tmp, s + start, n);
    tmp[n] = '\0';
    *out = ts_jv_time(tmp);
    return 0;
}

/* "ident[pid]: " of the BSD forms. */
static int bsd_tag(const char *s, size_t len, size_t *p, int64_t *pid)
{
    size_t i = *p, open = 0;

    while (i < len && s[i] != ':' && s[i] != ' ') {
        if (s[i] == '[' && open == 0)
            open = i;
        i++;
    }
    if (i + 1 >= len || s[i] != ':' || s[i + 1] != ' ' || i == *p)
        return -1;
    if (open > 0 && s[i - 1] == ']')
        *pid = digits_value(s + open + 1, i - 1 - open - 1);
    *p = i + 2;
    return 0;
}

/* "[seq-chunk] " or "[chunk] ". */
static void sequence(const char *s, size_t len, ts_syslog_head *out)
{
    size_t i = out->body_off, close, dash = 0;

    if (i >= len || s[i] != '[')
        return;
    for (close = i + 1; close < len && close - i < 32; close++) {
        if (s[close] == '-' && dash == 0)
            dash = close;
        else if (!is_digit(s[close]))
            break;
    }
    if (close >= len || s[close] != ']' || close + 1 >= len ||
        s[close + 1] != ' ')
        return;
    if (dash > 0) {
        out->seq = digits_value(s + i + 1, dash - i - 1);
        out->chunk = (int)digits_value(s + dash + 1, close - dash - 1);
    } else {
        out->chunk = (int)digits_value(s + i + 1, close - i - 1);
    }
    if (out->chunk <= 0 || (dash > 0 && out->seq < 0)) {
        out->chunk = 0;
        out->seq = -1;
        return;
    }
    out->body_off = close + 2;
}

int ts_syslog_parse(const char *line, size_t len, ts_syslog_head *out)
{
    size_t p = 0, start, n;
    int rfc5424 = 0;

    out->body_off = 0;
    out->pid = -1;
    out->time_us = TS_UNKNOWN_TIME;
    out->seq = -1;
    out->chunk = 0;
    if (len > 0 && line[0] == '<') {
        p = 1;
        while (p < len && p < 5 && is_digit(line[p]))
            p++;
        if (p == 1 || p >= len || line[p] != '>')
            return 0;
        p++;
        if (len - p >= 2 && line[p] == '1' && line[p + 1] == ' ') {
            rfc5424 = 1;
            p += 2;
        }
    }
    if (rfc5424) {
        /* TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA */
        if (len - p >= 2 && line[p] == '-' && line[p + 1] == ' ')
            p += 2;
        else if (iso_time(line, len, &p, &out->time_us) != 0)
            return 0;
        if (token(line, len, &p, &start, &n) != 0 || /* host */
            token(line, len, &p, &start, &n) != 0)   /* app */
            return 0;
        if (token(line, len, &p, &start, &n) != 0)
            return 0;
        out->pid = digits_value(line + start, n);
        if (token(line, len, &p, &start, &n) != 0) /* msgid */
            return 0;
        if (p < len && line[p] == '-') {
            p++;
        } else {
            /* [id param="v"]...: values may hold "]" escaped as \] */
            while (p < len && line[p] == '[') {
                while (p < len && line[p] != ']')
                    p += line[p] == '\\' ? 2 : 1;
                p++;
            }
        }
        if (p >= len || line[p] != ' ')
            return 0;
        p++;
        /* an optional UTF-8 BOM before the message */
        if (len - p >= 3 && memcmp(line + p, "\xEF\xBB\xBF", 3) == 0)
            p += 3;
    } else {
        if (bsd_time(line, len, &p) != 0 &&
            iso_time(line, len, &p, &out->time_us) != 0)
            return 0;
        if (token(line, len, &p, &start, &n) != 0) /* host */
            return 0;
        if (bsd_tag(line, len, &p, &out->pid) != 0)
            return 0;
    }
    out->body_off = p;
    sequence(line, len, out);
    return 1;
}
