/* --format auto: recognising a log format from the first bytes of a stream. */
#include <string.h>

#include "ingest/ingest_internal.h"

/* Lines looked at before giving up. */
#define DETECT_LINES 16

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* "YYYY-MM-DD HH:MM:SS": the start of every csvlog record and of the
 * usual stderr prefixes (%m, %t). */
static int starts_with_time(const char *s, size_t n)
{
    return n >= 19 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) &&
           s[7] == '-' && digits(s + 8, 2) && s[10] == ' ' &&
           digits(s + 11, 2) && s[13] == ':' && digits(s + 14, 2) &&
           s[16] == ':' && digits(s + 17, 2);
}

/* A csvlog line: the time, optional milliseconds, a zone, then a comma. */
static int csvlog_line(const char *s, size_t n)
{
    size_t i = 19;

    if (!starts_with_time(s, n))
        return 0;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i >= n || s[i] != ' ')
        return 0;
    i++;
    while (i < n && s[i] != ',' && s[i] != ' ' && s[i] != '\n')
        i++;
    return i < n && s[i] == ',';
}

/* A jsonlog line: an object whose first member is "timestamp". */
static int jsonlog_line(const char *s, size_t n)
{
    static const char head[] = "{\"timestamp\":\"";

    return n >= sizeof(head) - 1 && memcmp(s, head, sizeof(head) - 1) == 0;
}

/* log_line_prefix values recognised without --prefix: Amazon RDS and
 * Aurora's fixed one. Prefixes with %q are not guessed: a postmaster's
 * short line fits every prefix that starts like it. */
static const char *const known_prefixes[] = {"%t:%r:%u@%d:[%p]:"};
#define N_KNOWN (sizeof(known_prefixes) / sizeof(known_prefixes[0]))

/* Whether s[0, n) is a stderr line of this prefix, plain or after a
 * syslog header. */
static int stderr_line(const ts_pg_prefix *prefix, const char *s, size_t n)
{
    ts_pg_match m;
    ts_syslog_head w;

    if (ts_pg_prefix_match(prefix, s, n, &m))
        return 1;
    return ts_syslog_parse(s, n, &w) && w.chunk <= 1 &&
           ts_pg_prefix_match(prefix, s + w.body_off, n - w.body_off, &m);
}

/* Which format line s[0, n) is written in, or NULL; *known is the index
 * of the known prefix a stderr line matched (-1: the given one). */
static const char *line_format(const char *s, size_t n,
                               const ts_pg_prefix *prefix,
                               ts_pg_prefix *const *known, int first,
                               int *which)
{
    /* a stderr line has "LEVEL:  " after its prefix, which neither a
     * csvlog nor a jsonlog line has: the prefix is asked first */
    *which = -1;
    if (prefix != NULL && stderr_line(prefix, s, n))
        return "pg-stderr";
    if (jsonlog_line(s, n))
        return "pg-jsonlog";
    if (csvlog_line(s, n))
        return "pg-csvlog";
    /* a guessed prefix must fit the first line: a short line such as
     * "%m [%p] LOG: ..." of a checkpointer fits many prefixes */
    for (size_t i = 0; prefix == NULL && first && i < N_KNOWN; i++) {
        if (known[i] != NULL && stderr_line(known[i], s, n)) {
            *which = (int)i;
            return "pg-stderr";
        }
    }
    return NULL;
}

const char *ts_format_detect(const uint8_t *head, size_t len,
                             const char *prefix, const char **out_prefix,
                             const char **why)
{
    const char *s = (const char *)head, *end = s + len, *found = NULL;
    ts_pg_prefix *compiled = NULL, *known[N_KNOWN] = {NULL};
    int looks_stderr = 0, which = -1;
    ts_syslog_head w;

    *why = NULL;
    *out_prefix = prefix;
    if (len == 0) {
        /* nothing to recognise and nothing to seal: any reader will do */
        return prefix != NULL ? "pg-stderr" : "pg-csvlog";
    }
    if (prefix != NULL && ts_pg_prefix_compile(&compiled, prefix, NULL) != 0) {
        *why = "the log_line_prefix given with --prefix is not valid";
        return NULL;
    }
    for (size_t i = 0; prefix == NULL && i < N_KNOWN; i++)
        if (ts_pg_prefix_compile(&known[i], known_prefixes[i], NULL) != 0)
            known[i] = NULL;
    /* the first line decides, unless it is damaged: look a little further */
    for (int i = 0; i < DETECT_LINES && s < end && found == NULL; i++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = ts_text_len(s, nl != NULL ? (size_t)(nl - s) + 1
                                             : (size_t)(end - s));

        found = line_format(s, n, compiled, known, i == 0, &which);
        looks_stderr |= starts_with_time(s, n) || (n > 0 && s[0] == '[') ||
                        ts_syslog_parse(s, n, &w);
        s = nl != NULL ? nl + 1 : end;
    }
    ts_pg_prefix_free(compiled);
    for (size_t i = 0; i < N_KNOWN; i++)
        ts_pg_prefix_free(known[i]);
    if (which >= 0)
        *out_prefix = known_prefixes[which];
    if (found != NULL)
        return found;
    if (prefix != NULL)
        return "pg-stderr"; /* the user says so; lines that do not match
                               are sealed as unparsed */
    if (looks_stderr)
        *why = "this looks like a PostgreSQL stderr log: give the server's "
               "log_line_prefix with --prefix";
    else
        *why = "the format is not recognised from the first lines (not a "
               "PostgreSQL csvlog or jsonlog; a stderr log needs --prefix)";
    return NULL;
}
