/* The reference-data reader: a whole CSV or JSON file in memory, handed out
 * one record (CSV row, JSON array element or line) per entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ref_internal.h"
#include "trailseal/time.h"

/* Entries follow each other without gaps, as the sealer requires: a JSON
 * element's entry also holds the punctuation and blanks before it (the
 * array's '[' for the first), and the last one what follows it. */

typedef struct ref_source {
    ts_source base;
    ts_buf data;
    size_t pos;    /* where the next entry starts */
    uint64_t line; /* line number at pos */
    int json;
    int64_t observed_us;
    char *name;
    char format[32];
    ts_ref_parser parser;
} ref_source;

static uint64_t count_lines(const char *s, size_t len)
{
    uint64_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    return n;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The end of the next JSON entry starting at rel, and the offset of its
 * value (len when it holds none). */
static size_t json_entry_end(const char *s, size_t len, int at_start,
                             size_t *value)
{
    size_t k = 0, end, col, t;
    int opener = at_start; /* the file's '[' may come first */

    while (k < len &&
           (is_space(s[k]) || s[k] == ',' || (opener && s[k] == '['))) {
        if (s[k] == '[')
            opener = 0;
        k++;
    }
    *value = k;
    if (k == len || s[k] == ']') {
        *value = len;
        return len; /* nothing but punctuation is left */
    }
    col = k;
    while (col > 0 && s[col - 1] != '\n')
        col--;
    col = k - col;
    if (ts_ref_json_value_end(s + k, len - k, col, &end) != 0)
        return k + end; /* broken: the parser says why */
    end += k;
    for (t = end; t < len && (is_space(s[t]) || s[t] == ']' || s[t] == ',');)
        t++;
    return t == len ? len : end;
}

static int ref_next(ts_source *base, ts_entry *entry, ts_event *ev,
                    ts_error *err)
{
    ref_source *src = (ref_source *)base;
    const char *s = (const char *)src->data.data + src->pos;
    size_t left = src->data.len - src->pos, end, value = 0;
    uint64_t line;
    int open_quote, rc;

    ts_event_init(ev);
    if (left == 0)
        return 0;
    if (src->json) {
        end = json_entry_end(s, left, src->pos == 0, &value);
    } else {
        end = ts_ref_csv_record_end(s, left, &open_quote);
        if (open_quote) {
            /* an unterminated quote: only its first line is the record */
            const char *nl = memchr(s, '\n', left);
            end = nl ? (size_t)(nl - s) + 1 : left;
        }
    }
    line = src->line + count_lines(s, value < end ? value : 0);
    rc = ts_ref_parse(&src->parser, s, end, line, ev, err);
    if (rc != 0)
        return ts_error_prefix(err, "%s:%llu: ", src->name,
                               (unsigned long long)line);
    entry->record = (const uint8_t *)s;
    entry->record_len = end;
    entry->position = src->pos;
    entry->end_position = src->pos + end;
    entry->line = line;
    src->line += count_lines(s, end);
    entry->end_line = src->line;
    entry->observed_us = src->observed_us;
    src->pos += end;
    return 1;
}

static int ref_seek(ts_source *base, uint64_t position, uint64_t line,
                    ts_error *err)
{
    ref_source *src = (ref_source *)base;
    ts_entry e;
    ts_event ev;

    /* Records depend on the ones before (the CSV header, names listed), so
     * skip by reading. */
    (void)line;
    while (src->pos < position) {
        int rc = ref_next(base, &e, &ev, err);
        if (rc < 0)
            return rc;
        if (rc == 0 || src->pos > position)
            return ts_error_set(err, TS_EINVAL,
                                "'%s': the saved position %llu is not a "
                                "record boundary",
                                src->name, (unsigned long long)position);
    }
    return 0;
}

static void ref_free(ts_source *base)
{
    ref_source *src = (ref_source *)base;

    if (src == NULL)
        return;
    ts_ref_parser_release(&src->parser);
    ts_buf_release(&src->data);
    free(src->name);
    free(src);
}

static const ts_source_ops ref_ops = {ref_next, ref_seek, ref_free};

static int known_dataset(const char *dataset)
{
    return dataset != NULL && (strcmp(dataset, "identities") == 0 ||
                               strcmp(dataset, "approvals") == 0 ||
                               strcmp(dataset, "catalog") == 0);
}

static const char *static_dataset(const char *dataset)
{
    if (strcmp(dataset, "identities") == 0)
        return "identities";
    if (strcmp(dataset, "approvals") == 0)
        return "approvals";
    return "catalog";
}

/* Finishes a source whose data is loaded: format, key, parser. format_name
 * NULL: "<dataset>-csv" or "-json" from the content. */
static int finish(ref_source *src, const char *dataset, const char *format_name,
                  ts_error *err)
{
    const char *d = (const char *)src->data.data;
    size_t k = 0, len = src->data.len;
    uint8_t digest[TS_SHA256_SIZE];
    ts_buf key;
    int rc;

    if (len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
        k = 3;
    while (k < len && is_space(d[k]))
        k++;
    if (k == len)
        return ts_error_set(err, TS_EINVAL, "'%s': no records (empty file)",
                            src->name);
    src->json = d[k] == '[' || d[k] == '{';
    if (!src->json && strcmp(dataset, "catalog") == 0)
        return ts_error_set(err, TS_EINVAL,
                            "'%s': a catalog file is JSON (an array of "
                            "objects or one object a line)",
                            src->name);
    if (format_name != NULL)
        snprintf(src->format, sizeof(src->format), "%s", format_name);
    else
        snprintf(src->format, sizeof(src->format), "%s-%s", dataset,
                 src->json ? "json" : "csv");
    src->base.format = src->format;
    src->base.config = "";
    src->base.name = src->name;
    src->observed_us = ts_time_now();

    /* the whole content names the source: a changed file is a new one */
    ts_buf_init(&key, len + 64);
    rc = ts_buf_append(&key, src->format, strlen(src->format) + 1, err);
    if (rc == 0)
        rc = ts_buf_append_byte(&key, 0, err); /* the empty config */
    if (rc == 0)
        rc = ts_buf_append(&key, d, len, err);
    if (rc == 0 && ts_sha256(key.data, key.len, digest) != 0)
        rc = ts_error_set(err, TS_ECRYPTO, "hashing the source key failed");
    ts_buf_release(&key);
    if (rc == 0)
        ts_hex_encode(digest, sizeof(digest), src->base.key);
    if (rc == 0)
        rc = ts_ref_parser_init(&src->parser, static_dataset(dataset),
                                !src->json, src->observed_us, err);
    return rc;
}

static int new_source(ref_source **out, const char *dataset, const char *name,
                      ts_error *err)
{
    ref_source *src;

    *out = NULL;
    if (!known_dataset(dataset))
        return ts_error_set(err, TS_EINVAL,
                            "unknown reference data '%s' (known: identities, "
                            "approvals, catalog)",
                            dataset ? dataset : "");
    src = calloc(1, sizeof(*src));
    if (src == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    src->base.ops = &ref_ops;
    src->line = 1;
    ts_buf_init(&src->data, TS_REF_FILE_MAX);
    src->name = strdup(name);
    if (src->name == NULL) {
        free(src);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    *out = src;
    return 0;
}

int ts_reference_open_buffer(ts_source **out, const char *dataset,
                             const char *name, const void *data, size_t len,
                             ts_error *err)
{
    ref_source *src;
    int rc = new_source(&src, dataset, name, err);

    *out = NULL;
    if (rc != 0)
        return rc;
    rc = ts_buf_append(&src->data, data, len, err);
    if (rc == TS_ELIMIT)
        rc = ts_error_set(err, TS_ELIMIT, "'%s': larger than %zu bytes", name,
                          TS_REF_FILE_MAX);
    if (rc == 0)
        rc = finish(src, dataset, NULL, err);
    if (rc != 0) {
        ref_free(&src->base);
        return rc;
    }
    *out = &src->base;
    return 0;
}

int ts_reference_open_file(ts_source **out, const char *dataset,
                           const char *path, ts_error *err)
{
    ref_source *src;
    ts_input *in = NULL;
    int rc = new_source(&src, dataset, path, err);

    *out = NULL;
    if (rc != 0)
        return rc;
    rc = ts_input_open(&in, path, err);
    while (rc == 0) {
        size_t n = 0;
        rc = ts_buf_reserve(&src->data, 64 << 10, err);
        if (rc == TS_ELIMIT)
            rc = ts_error_set(err, TS_ELIMIT,
                              "'%s': larger than %zu bytes (reference files "
                              "are read whole)",
                              path, TS_REF_FILE_MAX);
        if (rc == 0)
            rc = ts_input_read(in, src->data.data + src->data.len,
                               src->data.size - src->data.len, &n, err);
        if (rc != 0 || n == 0)
            break;
        src->data.len += n;
    }
    ts_input_free(in);
    if (rc == 0)
        rc = finish(src, dataset, NULL, err);
    if (rc != 0) {
        ref_free(&src->base);
        return rc;
    }
    *out = &src->base;
    return 0;
}

int ts_reference_collect_catalog(ts_source **out, const char *dsn,
                                 ts_error *err)
{
    ref_source *src;
    char *name = NULL;
    ts_buf doc;
    int rc;

    *out = NULL;
    ts_buf_init(&doc, TS_REF_FILE_MAX);
    rc = ts_ref_collect_pg(dsn, ts_time_now(), &doc, &name, err);
    if (rc == 0)
        rc = new_source(&src, "catalog", name, err);
    free(name);
    if (rc != 0) {
        ts_buf_release(&doc);
        return rc;
    }
    ts_buf_release(&src->data);
    src->data = doc; /* the source owns it now */
    rc = finish(src, "catalog", "catalog-pg", err);
    if (rc != 0) {
        ref_free(&src->base);
        return rc;
    }
    *out = &src->base;
    return 0;
}

const char *ts_ref_type_name(ts_ref_type type)
{
    static const char *const names[] = {"none",   "identity", "approval",
                                        "role",   "member",   "grant",
                                        "column", "catalog"};

    if ((int)type < 0 || (size_t)type >= sizeof(names) / sizeof(names[0]))
        return "none";
    return names[type];
}
