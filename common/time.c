/* Time parsing and formatting: ISO 8601 and PostgreSQL-style timestamps to µs
 * UTC. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/common.h"
#include "trailseal/time.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil): no timezone database involved. */
int64_t ts_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int64_t m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : days[m - 1];
}

/* Reads exactly n digits. */
static int read_digits(const char **p, int n, int64_t *out)
{
    int64_t v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int ts_time_parse(const char *text, int64_t *out_us, ts_error *err)
{
    const char *p = text;
    int64_t y, mo, d, h = 0, mi = 0, s = 0, frac = 0, offset_min = 0;

    if (read_digits(&p, 4, &y) || *p++ != '-' || read_digits(&p, 2, &mo) ||
        *p++ != '-' || read_digits(&p, 2, &d))
        goto bad;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        goto bad;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (read_digits(&p, 2, &h) || *p++ != ':' || read_digits(&p, 2, &mi))
            goto bad;
        if (*p == ':') {
            p++;
            if (read_digits(&p, 2, &s))
                goto bad;
            if (*p == '.') {
                int n = 0;
                p++;
                while (isdigit((unsigned char)*p)) {
                    if (n < 6) {
                        frac = frac * 10 + (*p - '0');
                        n++;
                    }
                    p++;
                }
                if (n == 0)
                    goto bad;
                for (; n < 6; n++)
                    frac *= 10;
            }
        }
        if (h > 23 || mi > 59 || s > 60)
            goto bad;
    }
    while (*p == ' ')
        p++;
    if (*p == 'Z' && p[1] == '\0') {
        p++;
    } else if (strcmp(p, "UTC") == 0 || strcmp(p, "GMT") == 0) {
        p += 3;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int64_t oh, om = 0;
        p++;
        if (read_digits(&p, 2, &oh))
            goto bad;
        if (*p == ':')
            p++;
        if (isdigit((unsigned char)*p) && read_digits(&p, 2, &om))
            goto bad;
        if (oh > 14 || om > 59)
            goto bad;
        offset_min = sign * (oh * 60 + om);
    }
    if (*p != '\0')
        goto bad;
    *out_us = ((ts_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
                offset_min * 60) *
               1000000) +
              frac;
    return 0;
bad:
    return ts_error_set(err, TS_EINVAL,
                        "'%s': not a time (expected YYYY-MM-DD[ HH:MM[:SS]])",
                        text);
}

#define US_PER_DAY (86400 * (int64_t)1000000)

static int64_t month_start_us(int64_t y, int64_t m)
{
    y += (m - 1) / 12;
    m = (m - 1) % 12 + 1;
    return ts_days_from_civil(y, m, 1) * US_PER_DAY;
}

/* "N" + unit, N at most 7 digits (no overflow even in weeks): an instant
 * N units before now. */
static int parse_ago(const char *text, int64_t now_us, int64_t *out)
{
    static const struct {
        char unit;
        int64_t us;
    } units[] = {{'s', 1000000},
                 {'m', 60 * (int64_t)1000000},
                 {'h', 3600 * (int64_t)1000000},
                 {'d', US_PER_DAY},
                 {'w', 7 * US_PER_DAY}};
    int64_t n = 0;
    size_t i = 0;

    for (; isdigit((unsigned char)text[i]) && i < 7; i++)
        n = n * 10 + (text[i] - '0');
    if (i == 0 || text[i] == '\0' || text[i + 1] != '\0')
        return -1;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        if (text[i] == units[u].unit) {
            *out = now_us - n * units[u].us;
            return 0;
        }
    }
    return -1;
}

int ts_time_parse_period(const char *text, int64_t now_us, int64_t *out_start,
                         int64_t *out_end, ts_error *err)
{
    const char *p = text;
    int64_t y, n, t;
    size_t len = strlen(text);

    if (strcmp(text, "now") == 0) {
        *out_start = *out_end = now_us;
        return 0;
    }
    if (parse_ago(text, now_us, &t) == 0) {
        *out_start = *out_end = t;
        return 0;
    }
    if (len == 4 && read_digits(&p, 4, &y) == 0) {
        *out_start = month_start_us(y, 1);
        *out_end = month_start_us(y + 1, 1);
        return 0;
    }
    if (len == 7 && read_digits(&p, 4, &y) == 0 && *p++ == '-') {
        if ((*p == 'Q' || *p == 'q') && p[1] >= '1' && p[1] <= '4') {
            n = (p[1] - '1') * 3 + 1;
            *out_start = month_start_us(y, n);
            *out_end = month_start_us(y, n + 3);
            return 0;
        }
        if (read_digits(&p, 2, &n) == 0 && n >= 1 && n <= 12) {
            *out_start = month_start_us(y, n);
            *out_end = month_start_us(y, n + 1);
            return 0;
        }
    }
    if (len == 10 && ts_time_parse(text, &t, NULL) == 0) {
        *out_start = t;
        *out_end = t + US_PER_DAY;
        return 0;
    }
    if (ts_time_parse(text, &t, NULL) == 0) {
        *out_start = *out_end = t;
        return 0;
    }
    return ts_error_set(err, TS_EINVAL,
                        "'%s': not a time (expected YYYY-MM-DD[ HH:MM[:SS]], "
                        "YYYY-MM, YYYY-Qn, YYYY, now, or Nd/Nh/Nm/Nw ago)",
                        text);
}

char *ts_time_format(int64_t us, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    if (us == INT64_MIN) {
        buf[0] = '\0';
        return buf;
    }
    int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
    int64_t frac = us - secs * 1000000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    /* civil_from_days */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    int n = snprintf(
        buf, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ",
        (long long)y, (long long)m, (long long)d, (long long)(rem / 3600),
        (long long)(rem / 60 % 60), (long long)(rem % 60), (long long)frac);
    if (n < 0)
        buf[0] = '\0';
    return buf;
}

int64_t ts_time_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
