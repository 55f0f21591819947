/* --format auto for the proxy formats: Teleport, hoop.dev, RDS activity
 * streams, each recognised by keys only it writes. */
#include <string.h>

#include "ingest/ingest_internal.h"

/* Lines looked at before giving up. */
#define DETECT_LINES 16

/* memmem, which C11 lacks. */
static const char *find(const char *s, size_t n, const char *k, size_t kl)
{
    for (size_t i = 0; i + kl <= n; i++)
        if (s[i] == k[0] && memcmp(s + i, k, kl) == 0)
            return s + i;
    return NULL;
}

/* Whether s[0, n) holds "key" followed by a colon (spaces allowed) and then
 * value_prefix (NULL: any value). */
static int has(const char *s, size_t n, const char *key,
               const char *value_prefix)
{
    size_t kl = strlen(key);
    const char *p = s, *end = s + n;

    while (p < end) {
        const char *q = find(p, (size_t)(end - p), key, kl);
        const char *v;
        if (q == NULL)
            return 0;
        v = q + kl;
        while (v < end && (*v == ' ' || *v == ':'))
            v++;
        if (value_prefix == NULL ||
            ((size_t)(end - v) >= strlen(value_prefix) &&
             memcmp(v, value_prefix, strlen(value_prefix)) == 0))
            return 1;
        p = q + 1;
    }
    return 0;
}

static const char *line_format(const char *s, size_t n)
{
    if (n == 0 || s[0] != '{')
        return NULL;
    if (has(s, n, "\"logger\"", NULL) && has(s, n, "\"msg\"", NULL) &&
        (has(s, n, "\"ts\"", NULL) || has(s, n, "\"level\"", NULL)))
        return "cnpg-json";
    if (has(s, n, "\"databaseActivityEventList\"", NULL) ||
        has(s, n, "\"type\"", "\"DatabaseActivityMonitoringRecord") ||
        (has(s, n, "\"logTime\"", NULL) && has(s, n, "\"dbUserName\"", NULL)))
        return "rds-das";
    if (has(s, n, "\"event\"", NULL) && has(s, n, "\"code\"", "\"T") &&
        has(s, n, "\"time\"", NULL))
        return "teleport-audit";
    if (has(s, n, "\"event_type\"", "\"session.") ||
        (has(s, n, "\"kind\"", NULL) && has(s, n, "\"connection\"", NULL) &&
         has(s, n, "\"principal\"", NULL)))
        return "hoop-audit";
    return NULL;
}

const char *ts_proxy_format_detect(const uint8_t *head, size_t len)
{
    const char *s = (const char *)head, *end = s + len, *found = NULL;

    for (int i = 0; i < DETECT_LINES && s < end && found == NULL; i++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);

        found = line_format(s, n);
        s = nl != NULL ? nl + 1 : end;
    }
    return found;
}
