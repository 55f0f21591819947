/* Sensitive data in the store (DESIGN.md): records sealed with their
 * literals and parameters replaced, an HMAC of the original record sealed
 * beside them, and values findable by their HMAC. */
#ifndef TRAILSEAL_REDACT_H
#define TRAILSEAL_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/source.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The value key: derived from the store's private key
 * (ts_store_value_key), never stored on its own. */
#define TS_VALUE_KEY_SIZE 32
#define TS_VALUE_HMAC_SIZE 32

/* HMAC-SHA256 under one value key, its pads hashed once. */
typedef struct ts_value_hasher ts_value_hasher;

/* *out is the caller's, released with ts_value_hasher_free. */
int ts_value_hasher_new(ts_value_hasher **out,
                        const uint8_t key[TS_VALUE_KEY_SIZE], ts_error *err);
void ts_value_hasher_free(ts_value_hasher *h);

/* HMAC-SHA256(key, data). Returns 0: nothing in it can fail. */
int ts_value_hmac(ts_value_hasher *h, const void *data, size_t len,
                  uint8_t out[TS_VALUE_HMAC_SIZE], ts_error *err);

/* What the index keeps of a value's HMAC (event_value_hmacs.hmac): its
 * first 8 bytes as a big-endian signed integer. */
int ts_value_hmac64(ts_value_hasher *h, const void *data, size_t len,
                    int64_t *out, ts_error *err);

/* ts_source_redacting flags. TS_REDACT_KEEP_RAW: seal records as read
 * (value HMACs are still indexed). */
#define TS_REDACT_KEEP_RAW 1u

/* Wraps `inner` (usually an analysing source) in a source that, for each
 * entry whose event carries SQL text, replaces every literal and parameter
 * by "?" in the record to seal (ts_entry.sealed) and in the event's text
 * fields, sets ts_entry.original_hmac, and lists the HMACs of the values in
 * ts_event.value_hmacs. A record where the statement cannot be located is
 * withheld: a fixed line replaces it, its HMAC still proves the original.
 * Unparsed records are sealed as read. Takes ownership of inner, even on
 * failure. */
int ts_source_redacting(ts_source **out, ts_source *inner,
                        const uint8_t key[TS_VALUE_KEY_SIZE], unsigned flags,
                        ts_error *err);

/* Records a redacting source sealed redacted, and of those withheld whole.
 * Zeros for any other source. */
void ts_source_redacting_stats(const ts_source *src, uint64_t *redacted,
                               uint64_t *withheld);

#ifdef __cplusplus
}
#endif
#endif
