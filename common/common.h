/* Private helpers shared by every module: buffers, encodings, hashing. */
#ifndef TS_COMMON_H
#define TS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"

#define TS_SHA256_SIZE 32

/* A growable byte buffer with a hard cap. Embedded: init -> release. */
typedef struct ts_buf {
    uint8_t *data;
    size_t len;
    size_t size; /* allocated bytes */
    size_t cap;  /* most bytes it may ever hold */
} ts_buf;

/* Starts an empty buffer that may grow to `cap` bytes. */
void ts_buf_init(ts_buf *buf, size_t cap);
/* Frees the buffer's memory; the buffer is empty and usable afterwards. */
void ts_buf_release(ts_buf *buf);
/* Makes room for `extra` more bytes. TS_ELIMIT past the cap, TS_ENOMEM. */
int ts_buf_reserve(ts_buf *buf, size_t extra, ts_error *err);
int ts_buf_append(ts_buf *buf, const void *data, size_t len, ts_error *err);
int ts_buf_append_byte(ts_buf *buf, uint8_t byte, ts_error *err);
/* Appends a NUL without counting it in len, so data can be used as a C string.
 */
int ts_buf_terminate(ts_buf *buf, ts_error *err);

/* Most bytes a varint (LEB128, common/varint.c) of 64 bits takes. */
#define TS_VARINT_MAX 10
/* Appends v as a varint. */
int ts_varint_append(ts_buf *b, uint64_t v, ts_error *err);
/* Reads the varint at p[*off] (p holds len bytes) into *out and moves *off
 * past it; -1, *off unchanged, when it is cut short, longer than 64 bits
 * or not in its shortest form. */
int ts_varint_read(const uint8_t *p, size_t len, size_t *off, uint64_t *out);

/* SHA-256 of data into out (32 bytes). Returns 0 or TS_ECRYPTO. */
int ts_sha256(const void *data, size_t len, uint8_t out[TS_SHA256_SIZE]);

/* Lowercase hex of len bytes into out (2*len+1 bytes with NUL). */
void ts_hex_encode(const uint8_t *data, size_t len, char *out);
/* n in decimal into out (room for TS_DECIMAL_MAX bytes; no NUL): how many
 * bytes. For hot paths where snprintf's cost shows. */
#define TS_DECIMAL_MAX 20
size_t ts_decimal_encode(uint64_t n, char *out);
/* Decodes exactly 2*len hex digits; -1 on a bad digit or length. */
int ts_hex_decode(const char *text, uint8_t *out, size_t len);

/* Standard base64 with padding. Encoding writes 4*ceil(len/3)+1 bytes. */
size_t ts_base64_encoded_size(size_t len);
void ts_base64_encode(const uint8_t *data, size_t len, char *out);
/* Decodes standard base64 with padding into out (size out_size). Rejects
 * bad characters, bad padding and non-zero trailing bits. Returns the
 * decoded length or -1. */
long ts_base64_decode(const char *text, size_t text_len, uint8_t *out,
                      size_t out_size);

/* Days from 1970-01-01 to the date y-m-d (month 1-12) in the proleptic
 * Gregorian calendar; no timezone database involved. */
int64_t ts_days_from_civil(int64_t y, int64_t m, int64_t d);

/* Overflow-checked size arithmetic: 0 on success, -1 on overflow. */
int ts_size_mul(size_t a, size_t b, size_t *out);
int ts_size_add(size_t a, size_t b, size_t *out);

/* Writes all len bytes to fd, retrying short writes and EINTR: 0, or -1
 * with errno set (EIO when the descriptor takes no more bytes). */
int ts_write_all(int fd, const void *data, size_t len);

/* The length (1-4) of the valid UTF-8 sequence at p, looking at no more
 * than avail bytes; 0 when it is not one (an overlong form, a surrogate,
 * past U+10FFFF, cut short). A NUL is never a continuation byte, so a
 * NUL-terminated string may pass avail 4. */
size_t ts_utf8_seq(const unsigned char *p, size_t avail);

/* 1 when the len bytes of text are valid UTF-8, else 0. */
int ts_utf8_valid(const char *text, size_t len);

/* Appends the len bytes of text to out (not terminated) with each byte
 * that starts no valid sequence replaced by U+FFFD. */
int ts_utf8_append_clean(ts_buf *out, const char *text, size_t len,
                         ts_error *err);

/* A map from strings to slots of a caller's array of items whose first
 * member is the key (a char * the item owns). Open addressing, XXH3.
 * Embedded, zero-initialised; released with ts_strmap_release. The map only
 * holds slot numbers: the items array is the caller's. */
typedef struct ts_strmap {
    uint64_t *buckets; /* hash bits, slot + 1; 0 = empty (strmap.c) */
    size_t n_buckets;  /* 0 or a power of two */
    size_t n;          /* items in use: slots 0 .. n-1 */
} ts_strmap;

/* Finds key's slot in *items (an array of *items_size items of item_size
 * bytes), creating it when missing: the array grows as needed, the new item
 * is zeroed and gets its own copy of key. *created says which. On failure
 * (TS_ELIMIT past 2^32 - 2 keys, TS_ENOMEM) nothing changed. */
int ts_strmap_slot(ts_strmap *m, const char *key, void **items,
                   size_t *items_size, size_t item_size, size_t *slot,
                   int *created, ts_error *err);
/* Whether key is in the map: 1 and its slot in *slot, or 0. */
int ts_strmap_find(const ts_strmap *m, const char *key, const void *items,
                   size_t item_size, size_t *slot);
/* Forgets every key and makes the map index the first n items of items
 * again (the caller compacted or emptied its array). */
int ts_strmap_reindex(ts_strmap *m, const void *items, size_t n,
                      size_t item_size, ts_error *err);
void ts_strmap_release(ts_strmap *m);

/* A map from strings to integers that forgets everything when it would
 * hold more than max_items keys or max_bytes of them: a cache in front of
 * a lookup that costs more. Embedded; ts_strcache_init() first, released
 * with ts_strcache_release(). */
typedef struct ts_strcache_item {
    char *key; /* owned */
    int64_t value;
} ts_strcache_item;

typedef struct ts_strcache {
    ts_strmap map;
    ts_strcache_item *items;
    size_t items_size;
    size_t key_bytes; /* held by items' keys, NULs included */
    size_t max_items, max_bytes;
} ts_strcache;

void ts_strcache_init(ts_strcache *c, size_t max_items, size_t max_bytes);
/* Points *value at key's value, adding key with value 0 when missing
 * (*created says which; the cache may have forgotten everything first).
 * *value is valid until the next call. On failure nothing is added. */
int ts_strcache_get(ts_strcache *c, const char *key, int64_t **value,
                    int *created, ts_error *err);
/* Forgets every key. */
void ts_strcache_clear(ts_strcache *c);
void ts_strcache_release(ts_strcache *c);

#endif
