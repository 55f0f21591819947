/* Fuzz target: log_line_prefix compilation and matching (ingest/pg_prefix.c).
 * The input's first line is the prefix, each further line is matched. */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "tests/fuzz/fuzz.h"

static void check_match(const char *line, size_t len, const ts_pg_match *m)
{
    if (m->prefix_len > len || m->message_off > len)
        ts_fuzz_fail("a match points past the line");
    for (int f = 0; f < TS_PGF_COUNT; f++) {
        const ts_pg_span *s = &m->field[f];
        if (s->set && (s->off > len || s->len > len - s->off))
            ts_fuzz_fail("a field span points past the line");
        if (s->set)
            (void)ts_pg_span_said(line, s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *head, *rest;
    size_t head_len, rest_len;
    ts_pg_prefix *prefix = NULL;
    char *text, *lines;
    int64_t us;

    ts_fuzz_split_line(data, size, &head, &head_len, &rest, &rest_len);
    text = ts_fuzz_strndup(head, head_len);
    lines = ts_fuzz_strndup(rest, rest_len);
    (void)ts_pg_time_parse(text, head_len, &us);
    if (ts_pg_prefix_compile(&prefix, text, NULL) == 0) {
        size_t at = 0;
        while (at < rest_len) {
            const char *line = lines + at;
            const char *nl = memchr(line, '\n', rest_len - at);
            size_t len = nl != NULL ? (size_t)(nl - line) : rest_len - at;
            /* each line in its own allocation, so that reading past it is
             * caught */
            char *copy = ts_fuzz_strndup((const uint8_t *)line, len);
            ts_pg_match m;
            if (ts_pg_prefix_match(prefix, copy, len, &m))
                check_match(copy, len, &m);
            (void)ts_pg_level_parse(copy, len);
            (void)ts_pg_time_parse(copy, len, &us);
            free(copy);
            at += len + 1;
        }
        for (int f = 0; f < TS_PGF_COUNT; f++)
            (void)ts_pg_prefix_has(prefix, (ts_pg_field)f);
        ts_pg_prefix_free(prefix);
    }
    free(lines);
    free(text);
    return 0;
}
