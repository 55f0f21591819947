/* The pg_stat CSV reader (format pg-stat-csv): exports of
 * pg_stat_statements, pg_stat_activity and pg_stat_ssl as psql's \copy ...
 * csv header writes them, and the live collector's snapshots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/pgstat_internal.h"

/* One entry is one CSV record: a header or a row, its lines up to the
 * newline that ends it outside quotes (a query text spans lines). A line
 * that starts like a row or a header while a quote is open ends the record
 * before it, so a damaged record costs only itself. */

typedef struct stat_source {
    ts_source base;
    size_t limit;
    ts_rbuf rb;
    int cut;
    ts_pgstat_parser parser;
    char cut_reason[64];
} stat_source;

/* Finds the end of the record at the start: 1 with *end, 0 with *end and
 * *reason for a damaged record, 2 when it is longer than the limit,
 * negative on an error. */
static int scan_record(stat_source *src, size_t *end, const char **reason,
                       ts_error *err)
{
    int in_q = 0, rc;

    for (size_t j = 0;; j++) {
        char c;
        if (j >= src->limit)
            return 2;
        rc = ts_rbuf_need(&src->rb, j, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            *end = j;
            if (in_q) {
                *reason = "unterminated quoted field";
                return 0;
            }
            return 1;
        }
        c = ts_rbuf_data(&src->rb)[j];
        if (c == '"') {
            in_q = !in_q; /* "" inside a field toggles twice */
        } else if (c == '\n' && in_q) {
            size_t e;
            rc = ts_rbuf_find_line(&src->rb, j + 1, 32, &e, err);
            if (rc < 0)
                return rc;
            if (ts_pgstat_is_head(ts_rbuf_data(&src->rb) + j + 1, e - j - 1)) {
                *end = j + 1;
                *reason = "unterminated quoted field";
                return 0;
            }
        } else if (c == '\n') {
            *end = j + 1;
            return 1;
        }
    }
}

static int stat_next(ts_source *base, ts_entry *entry, ts_event *ev,
                     ts_error *err)
{
    stat_source *src = (stat_source *)base;
    const char *reason = NULL;
    size_t end = 0;
    int rc;

    src->rb.started = 1;
    ts_event_init(ev);
    rc = ts_rbuf_need(&src->rb, 0, err);
    if (rc <= 0)
        return rc;
    if (src->cut) {
        rc = ts_rbuf_find_line(&src->rb, 0, src->limit, &end, err);
        if (rc < 0)
            return rc;
        src->cut = rc == 1;
        ev->unparsed_reason = src->cut_reason;
        ts_rbuf_emit(&src->rb, end, entry);
        return 1;
    }
    rc = scan_record(src, &end, &reason, err);
    if (rc < 0)
        return rc;
    if (rc == 2) {
        src->cut = 1;
        ev->unparsed_reason = src->cut_reason;
        ts_rbuf_emit(&src->rb, src->limit, entry);
        return 1;
    }
    if (rc == 1)
        ts_pgstat_parse(&src->parser, ts_rbuf_data(&src->rb),
                        ts_text_len(ts_rbuf_data(&src->rb), end), ev);
    else
        ev->unparsed_reason = reason;
    ts_rbuf_emit(&src->rb, end, entry);
    return 1;
}

static int stat_seek(ts_source *base, uint64_t position, uint64_t line,
                     ts_error *err)
{
    stat_source *src = (stat_source *)base;
    int rc;

    /* the header in force is at the start: read it again before skipping
     * to the cursor, unless the cursor is the start itself */
    if (position > 0) {
        size_t end;
        rc = ts_rbuf_find_line(&src->rb, 0, src->limit, &end, err);
        if (rc < 0)
            return rc;
        if (rc == 0 && end <= position) {
            ts_event ev;
            ts_event_init(&ev);
            ts_pgstat_parse(&src->parser, ts_rbuf_data(&src->rb),
                            ts_text_len(ts_rbuf_data(&src->rb), end), &ev);
        }
    }
    return ts_rbuf_seek(&src->rb, position, line, err);
}

static void stat_free(ts_source *base)
{
    stat_source *src = (stat_source *)base;

    if (src == NULL)
        return;
    ts_rbuf_release(&src->rb);
    ts_pgstat_parser_release(&src->parser);
    free(src);
}

static const ts_source_ops stat_ops = {stat_next, stat_seek, stat_free};

/* The key: the format and the first two lines (the header and the first
 * row, whose snapshot_at differs from export to export), so two exports of
 * one view are two sources and the same export read again is one. */
static int stat_key(stat_source *src, ts_error *err)
{
    uint8_t digest[TS_SHA256_SIZE];
    size_t first, second;
    ts_buf key;
    int rc;

    rc = ts_rbuf_find_line(&src->rb, 0, 4096, &first, err);
    if (rc >= 0)
        rc = ts_rbuf_find_line(&src->rb, first, 4096, &second, err);
    if (rc < 0)
        return rc;
    ts_buf_init(&key, second + 64);
    rc = ts_buf_append(&key, "pg-stat-csv", sizeof("pg-stat-csv"), err);
    if (rc == 0)
        rc = ts_buf_append_byte(&key, 0, err);
    if (rc == 0)
        rc = ts_buf_append(&key, ts_rbuf_data(&src->rb), second, err);
    if (rc == 0 && ts_sha256(key.data, key.len, digest) != 0)
        rc = ts_error_set(err, TS_ECRYPTO, "hashing the source key failed");
    if (rc == 0)
        ts_hex_encode(digest, sizeof(digest), src->base.key);
    ts_buf_release(&key);
    return rc;
}

int ts_pgstat_csv_open_input(ts_source **out, ts_input *in, size_t record_limit,
                             ts_error *err)
{
    stat_source *src;
    int rc, n;

    *out = NULL;
    src = record_limit >= 16 ? calloc(1, sizeof(*src)) : NULL;
    if (src == NULL) {
        rc = record_limit < 16
                 ? ts_error_set(err, TS_EINVAL, "record limit too small")
                 : ts_error_set(err, TS_ENOMEM, "out of memory opening '%s'",
                                ts_input_name(in));
        ts_input_free(in);
        return rc;
    }
    src->base.ops = &stat_ops;
    src->base.format = "pg-stat-csv";
    src->base.name = ts_input_name(in);
    src->base.config = "";
    src->limit = record_limit;
    ts_pgstat_parser_init(&src->parser, record_limit);
    rc = ts_rbuf_init(&src->rb, in, record_limit, err);
    n = snprintf(src->cut_reason, sizeof(src->cut_reason),
                 "record exceeds %zu bytes", record_limit);
    if (n < 0)
        src->cut_reason[0] = '\0';
    if (rc == 0)
        rc = stat_key(src, err);
    if (rc != 0) {
        stat_free(&src->base);
        return rc;
    }
    *out = &src->base;
    return 0;
}
