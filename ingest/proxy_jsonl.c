/* The line reader shared by the proxy formats: one JSON object a line,
 * mapped to events by a format's mapper. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* A line is one entry, except when the mapper says it holds several events
 * (an RDS activity record with a list of them): the line is then handed out
 * as consecutive pieces, split where the mapper says, one event each, so
 * that the pieces together are the line byte for byte. A line that is not
 * a JSON object, or longer than the limit (cut into pieces), is sealed as
 * an unparsed entry all the same. */

typedef struct jsonl_source {
    ts_source base;
    ts_rbuf rb;
    size_t limit;
    ts_jsonl_mapper mapper;
    ts_buf scratch;
    json_t *doc; /* the current line's, owning the events' strings */
    char *name;
    char *config;
    int cut_midline;
    /* pieces of the current line still to hand out */
    size_t ends[TS_JSONL_MAX_PIECES];
    size_t n_pieces, piece;
    size_t line_len; /* the whole line's, newline included */
    char cut_reason[64];
    char reason[200];
} jsonl_source;

static void set_reason(jsonl_source *src, ts_event *ev, const json_error_t *e)
{
    if (snprintf(src->reason, sizeof(src->reason), "not JSON: %s (column %d)",
                 e->text, e->column) < 0)
        src->reason[0] = '\0';
    /* jansson quotes the bad token: keep the reason one printable line */
    for (char *c = src->reason; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            *c = '?';
    ev->kind = TS_EVENT_UNPARSED;
    ev->unparsed_reason = src->reason;
}

/* Room for the strings a mapper builds from a line of len bytes. */
static int arena_for(jsonl_source *src, size_t len, ts_arena *arena,
                     ts_event *ev)
{
    size_t need;

    src->scratch.len = 0;
    if (ts_size_mul(len, 2, &need) != 0 ||
        ts_size_add(need, 4096, &need) != 0 ||
        ts_buf_reserve(&src->scratch, need, NULL) != 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "record too large to parse in memory";
        return -1;
    }
    arena->data = (char *)src->scratch.data;
    arena->len = 0;
    arena->size = src->scratch.size;
    return 0;
}

/* Parses a whole line; sets src->n_pieces (1 unless the mapper splits). */
static void start_line(jsonl_source *src, ts_event *ev, const char *line,
                       size_t len)
{
    json_error_t jerr;
    size_t tlen = ts_text_len(line, len);

    src->n_pieces = 1;
    src->piece = 0;
    src->line_len = len;
    if (tlen == 0) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "empty line";
        return;
    }
    /* jansson checks UTF-8 and rejects \u0000 */
    src->doc = json_loadb(line, tlen, 0, &jerr);
    if (src->doc == NULL) {
        set_reason(src, ev, &jerr);
        return;
    }
    if (!json_is_object(src->doc)) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = "JSON value is not an object";
        json_decref(src->doc);
        src->doc = NULL;
        return;
    }
    if (src->mapper.split != NULL) {
        size_t n = src->mapper.split(src->mapper.ctx, src->doc, line, tlen,
                                     src->ends, TS_JSONL_MAX_PIECES);
        /* pieces must move forward inside the line */
        for (size_t i = 0; i + 1 < n; i++)
            if (src->ends[i] == 0 || src->ends[i] >= tlen ||
                (i > 0 && src->ends[i] <= src->ends[i - 1]))
                n = 1;
        if (n >= 1 && n <= TS_JSONL_MAX_PIECES)
            src->n_pieces = n;
    }
}

static void map_piece(jsonl_source *src, ts_event *ev, size_t len)
{
    ts_arena arena;

    if (src->doc == NULL)
        return; /* unparsed, the reason already set */
    if (arena_for(src, len, &arena, ev) != 0)
        return;
    ev->kind = TS_EVENT_LOG;
    src->mapper.event(src->mapper.ctx, src->doc, src->piece, ev, &arena);
}

static int jsonl_next(ts_source *base, ts_entry *entry, ts_event *ev,
                      ts_error *err)
{
    jsonl_source *src = (jsonl_source *)base;
    ts_rbuf *rb = &src->rb;
    size_t end, len;
    int rc;

    rb->started = 1;
    ts_event_init(ev);
    if (src->piece + 1 < src->n_pieces) {
        /* the next piece of a split line, still in the buffer */
        size_t from = src->ends[src->piece];
        src->piece++;
        len = (src->piece + 1 < src->n_pieces ? src->ends[src->piece]
                                              : src->line_len) -
              from;
        map_piece(src, ev, src->line_len);
        ts_rbuf_emit(rb, len, entry);
        return 1;
    }
    json_decref(src->doc);
    src->doc = NULL;
    src->n_pieces = 0;
    src->piece = 0;
    if (ts_rbuf_avail(rb) == 0) {
        rc = ts_rbuf_fill(rb, err);
        if (rc <= 0)
            return rc;
    }
    rc = ts_rbuf_find_line(rb, 0, src->limit, &end, err);
    if (rc < 0)
        return rc;
    if (rc == 1 || src->cut_midline) {
        ev->kind = TS_EVENT_UNPARSED;
        ev->unparsed_reason = src->cut_reason;
        src->cut_midline = rc == 1;
        ts_rbuf_emit(rb, end, entry);
        return 1;
    }
    start_line(src, ev, ts_rbuf_data(rb), end);
    len = src->n_pieces > 1 ? src->ends[0] : end;
    map_piece(src, ev, end);
    ts_rbuf_emit(rb, len, entry);
    return 1;
}

static int jsonl_seek(ts_source *base, uint64_t position, uint64_t line,
                      ts_error *err)
{
    return ts_rbuf_seek(&((jsonl_source *)base)->rb, position, line, err);
}

static void jsonl_free(ts_source *base)
{
    jsonl_source *src = (jsonl_source *)base;

    if (src == NULL)
        return;
    json_decref(src->doc);
    ts_rbuf_release(&src->rb);
    ts_buf_release(&src->scratch);
    if (src->mapper.free != NULL)
        src->mapper.free(src->mapper.ctx);
    free(src->name);
    free(src->config);
    free(src);
}

static const ts_source_ops jsonl_ops = {jsonl_next, jsonl_seek, jsonl_free};

int ts_jsonl_open_input(ts_source **out, const ts_jsonl_mapper *mapper,
                        const char *config, ts_input *in, size_t record_limit,
                        ts_error *err)
{
    jsonl_source *src;
    int rc;

    *out = NULL;
    src = record_limit >= 64 ? calloc(1, sizeof(*src)) : NULL;
    if (src == NULL) {
        ts_input_free(in);
        if (mapper->free != NULL)
            mapper->free(mapper->ctx);
        if (record_limit < 64)
            return ts_error_set(err, TS_EINVAL, "record limit too small");
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    src->mapper = *mapper;
    src->base.ops = &jsonl_ops;
    src->base.format = mapper->format;
    src->limit = record_limit;
    ts_buf_init(&src->scratch, 2 * record_limit + 4096);
    rc = ts_rbuf_init(&src->rb, in, record_limit, err);
    src->name = strdup(ts_input_name(in));
    src->config = strdup(config != NULL ? config : "");
    if (rc == 0 && (src->name == NULL || src->config == NULL))
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    if (rc == 0) {
        src->base.name = src->name;
        src->base.config = src->config;
        if (snprintf(src->cut_reason, sizeof(src->cut_reason),
                     "line exceeds %zu bytes", record_limit) < 0)
            src->cut_reason[0] = '\0';
        rc = ts_rbuf_key(&src->rb, src->base.format, src->base.config,
                         src->base.key, err);
    }
    if (rc != 0) {
        jsonl_free(&src->base);
        return rc;
    }
    *out = &src->base;
    return 0;
}
