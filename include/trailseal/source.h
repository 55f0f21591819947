/* A source of entries: the interface between readers (ingest) and the store. */
#ifndef TRAILSEAL_SOURCE_H
#define TRAILSEAL_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One raw record exactly as a source gave it: the evidence that is sealed. */
/* Bytes of a redacted entry's original-record HMAC (entry key 10). */
#define TS_ORIGINAL_HMAC_SIZE 16

typedef struct ts_entry {
    const uint8_t *record; /* the record's bytes, borrowed */
    size_t record_len;
    uint64_t
        position; /* byte offset of the record's first byte in the source */
    uint64_t end_position; /* byte offset just past the record (the cursor after
                              it) */
    uint64_t line;         /* 1-based line number of the record's first line */
    uint64_t end_line;     /* line number of the next record */
    int64_t observed_us; /* when trailseal read it, µs since the Unix epoch */
    /* Set by a redacting source (ts_source_redacting): the bytes sealed in
     * place of record, a copy with its literals and parameters replaced,
     * and original_hmac = HMAC-SHA256(value key, record) truncated to
     * TS_ORIGINAL_HMAC_SIZE bytes (RFC 2104 §5); both borrowed like record.
     * NULL: record is sealed as read. */
    const uint8_t *sealed;
    size_t sealed_len;
    const uint8_t *original_hmac;
} ts_entry;

typedef struct ts_source ts_source;

/* What every reader implements. */
typedef struct ts_source_ops {
    /* Produces the next entry and its parsed event. Returns 1 when it produced
     * one, 0 at the end of input, a negative status on an I/O error. Both
     * outputs are borrowed until the next call. An entry that cannot be
     * parsed is still returned, with an event of kind TS_EVENT_UNPARSED. */
    int (*next)(ts_source *src, ts_entry *out_entry, ts_event *out_event,
                ts_error *err);
    /* Skips to a cursor previously saved from an entry's end_position and
     * end_line. Only forward; called at most once, before the first next(). */
    int (*seek)(ts_source *src, uint64_t position, uint64_t line,
                ts_error *err);
    /* Releases everything the source owns, including itself. */
    void (*free)(ts_source *src);
} ts_source_ops;

#define TS_SOURCE_KEY_SIZE 65

/* The common head of every source. Readers embed it first. */
struct ts_source {
    const ts_source_ops *ops;
    /* Hex SHA-256 identifying the stream by its format, settings and first
     * line, so the same content resumes from its cursor wherever it is read
     * from. Set by the reader's open function. */
    char key[TS_SOURCE_KEY_SIZE];
    const char
        *name; /* path or "-" (stdin), for messages; owned by the source */
    const char *format; /* format name, e.g. "pg-stderr" */
    const char
        *config; /* format settings, e.g. the log_line_prefix; may be "" */
    /* Bytes of an unterminated last line left unread because the file may
     * still be written (TS_SOURCE_GROWING), 0 otherwise. */
    uint64_t held;
};

/* Convenience wrappers around the ops. ts_source_free accepts NULL. */
int ts_source_next(ts_source *src, ts_entry *out_entry, ts_event *out_event,
                   ts_error *err);
int ts_source_seek(ts_source *src, uint64_t position, uint64_t line,
                   ts_error *err);
void ts_source_free(ts_source *src);

#ifdef __cplusplus
}
#endif
#endif
