/* Sealed entries as deterministic CBOR (RFC 8949 §4.2.1), schemas/entry.cddl.
 */
#include <inttypes.h>
#include <string.h>

#include <cbor.h>

#include "store/crypto.h"

/* The map's keys, 1..9, in the (ascending) order canonical CBOR sorts them. */
enum {
    KEY_STORE_ID = 1,
    KEY_SEQ,
    KEY_SOURCE_KEY,
    KEY_POSITION,
    KEY_LINE,
    KEY_OBSERVED_US,
    KEY_FORMAT,
    KEY_RECORD,
    KEY_SALT,
    KEY_ORIGINAL_HMAC,
    N_KEYS = KEY_SALT, /* the keys every entry has */
    MAX_KEYS = KEY_ORIGINAL_HMAC
};

static const char *const key_names[MAX_KEYS + 1] = {
    "",         "store_id", "seq",          "source_key",
    "position", "line",     "observed_us",  "format",
    "record",   "salt",     "original_hmac"};

#define MAJOR_UINT 0
#define MAJOR_NEGINT 1
#define MAJOR_BSTR 2
#define MAJOR_TSTR 3
#define MAJOR_MAP 5

/* Valid UTF-8 (shortest forms, no surrogates, at most U+10FFFF), as RFC
 * 8949 requires of text strings, and no NUL so that a copy of the format
 * can be used as a C string. */
static int format_valid(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint8_t b = s[i], lo = 0x80, hi = 0xbf;
        size_t n;

        if (b < 0x80) {
            if (b == 0)
                return 0;
            i++;
            continue;
        }
        if (b >= 0xc2 && b <= 0xdf)
            n = 1;
        else if (b >= 0xe0 && b <= 0xef)
            n = 2;
        else if (b >= 0xf0 && b <= 0xf4)
            n = 3;
        else
            return 0;
        if (b == 0xe0)
            lo = 0xa0;
        else if (b == 0xed)
            hi = 0x9f;
        else if (b == 0xf0)
            lo = 0x90;
        else if (b == 0xf4)
            hi = 0x8f;
        if (len - i - 1 < n || s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return 0;
        i += 1 + n;
    }
    return 1;
}

/* ---- Encoding, with libcbor's low-level encoders (they always choose the
 * shortest form; libcbor's item serializer does not sort map keys) ---- */

typedef struct writer {
    uint8_t *p;
    size_t off, size;
    int ok;
} writer;

static void put(writer *w, size_t n)
{
    if (n == 0)
        w->ok = 0;
    w->off += n;
}

static void put_uint(writer *w, uint64_t v)
{
    put(w, cbor_encode_uint(v, w->p + w->off, w->size - w->off));
}

static void put_bytes(writer *w, int text, const void *data, size_t len)
{
    if (text)
        put(w, cbor_encode_string_start(len, w->p + w->off, w->size - w->off));
    else
        put(w,
            cbor_encode_bytestring_start(len, w->p + w->off, w->size - w->off));
    if (w->ok && len > 0) {
        if (len > w->size - w->off) {
            w->ok = 0;
            return;
        }
        memcpy(w->p + w->off, data, len);
        w->off += len;
    }
}

/* An entry's encoding in five parts, so that it can be hashed without
 * copying its record: head (map head to the format's string head), the
 * format's bytes, mid (key 8 and the record's head), the record's bytes,
 * tail (key 9 and the salt, and key 10 and its HMAC when present). Both
 * ts_entry_encode() and ts_entry_leaf_hash() build them here, so they cannot
 * disagree. */
#define HEAD_MAX                                                               \
    (1 + (1 + 1 + TS_STORE_ID_SIZE) + (1 + 9) + (1 + 2 + TS_HASH_SIZE) +       \
     3 * (1 + 9) + (1 + 9))
#define MID_MAX (1 + 9)
/* key 9 and the salt, and for a redacted entry key 10 and its HMAC */
#define TAIL_MAX (1 + 1 + TS_SALT_SIZE + 1 + 1 + TS_ORIGINAL_HMAC_SIZE)
_Static_assert(TS_ORIGINAL_HMAC_SIZE < 24, "the HMAC's length fits its head");

typedef struct entry_parts {
    uint8_t head[HEAD_MAX];
    uint8_t mid[MID_MAX];
    uint8_t tail[TAIL_MAX];
    size_t head_len, mid_len, tail_len;
} entry_parts;

static int entry_parts_build(const ts_sealed_entry *e, entry_parts *p,
                             ts_error *err)
{
    writer w = {p->head, 0, sizeof(p->head), 1};

    if (e->format_len > 0 &&
        !format_valid((const uint8_t *)e->format, e->format_len))
        return ts_error_set(
            err, TS_EINVAL,
            "entry %" PRIu64 ": format is not UTF-8 or holds a NUL", e->seq);
    put(&w, cbor_encode_map_start(e->original_hmac ? MAX_KEYS : N_KEYS, w.p,
                                  w.size));
    put_uint(&w, KEY_STORE_ID);
    put_bytes(&w, 0, e->store_id, TS_STORE_ID_SIZE);
    put_uint(&w, KEY_SEQ);
    put_uint(&w, e->seq);
    put_uint(&w, KEY_SOURCE_KEY);
    put_bytes(&w, 0, e->source_key, TS_HASH_SIZE);
    put_uint(&w, KEY_POSITION);
    put_uint(&w, e->position);
    put_uint(&w, KEY_LINE);
    put_uint(&w, e->line);
    put_uint(&w, KEY_OBSERVED_US);
    if (e->observed_us >= 0)
        put_uint(&w, (uint64_t)e->observed_us);
    else /* CBOR's major type 1 carries -1 - n */
        put(&w, cbor_encode_negint((uint64_t)(-(e->observed_us + 1)),
                                   w.p + w.off, w.size - w.off));
    put_uint(&w, KEY_FORMAT);
    put(&w,
        cbor_encode_string_start(e->format_len, w.p + w.off, w.size - w.off));
    p->head_len = w.off;
    if (w.ok) {
        w = (writer){p->mid, 0, sizeof(p->mid), 1};
        put_uint(&w, KEY_RECORD);
        put(&w, cbor_encode_bytestring_start(e->record_len, w.p + w.off,
                                             w.size - w.off));
        p->mid_len = w.off;
    }
    if (!w.ok)
        return ts_error_set(err, TS_ERR,
                            "entry %" PRIu64 ": encoding overran its bound",
                            e->seq);
    p->tail[0] = KEY_SALT;
    p->tail[1] = MAJOR_BSTR << 5 | TS_SALT_SIZE;
    memcpy(p->tail + 2, e->salt, TS_SALT_SIZE);
    p->tail_len = 2 + TS_SALT_SIZE;
    if (e->original_hmac != NULL) {
        p->tail[p->tail_len++] = KEY_ORIGINAL_HMAC;
        p->tail[p->tail_len++] = MAJOR_BSTR << 5 | TS_ORIGINAL_HMAC_SIZE;
        memcpy(p->tail + p->tail_len, e->original_hmac, TS_ORIGINAL_HMAC_SIZE);
        p->tail_len += TS_ORIGINAL_HMAC_SIZE;
    }
    return 0;
}

int ts_entry_encode(const ts_sealed_entry *e, ts_buf *out, ts_error *err)
{
    entry_parts p;
    size_t size;
    uint8_t *at;
    int rc = entry_parts_build(e, &p, err);

    if (rc != 0)
        return rc;
    if (ts_size_add(p.head_len + p.mid_len + p.tail_len, e->format_len,
                    &size) != 0 ||
        ts_size_add(size, e->record_len, &size) != 0)
        return ts_error_set(err, TS_ELIMIT, "entry %" PRIu64 ": too large",
                            e->seq);
    rc = ts_buf_reserve(out, size, err);
    if (rc != 0)
        return rc;
    at = out->data + out->len;
    memcpy(at, p.head, p.head_len);
    at += p.head_len;
    if (e->format_len > 0)
        memcpy(at, e->format, e->format_len);
    at += e->format_len;
    memcpy(at, p.mid, p.mid_len);
    at += p.mid_len;
    if (e->record_len > 0)
        memcpy(at, e->record, e->record_len);
    at += e->record_len;
    memcpy(at, p.tail, p.tail_len);
    out->len += size;
    return 0;
}

/* Formats up to this long are hashed with the head, in one update. */
#define SHORT_FORMAT 64

int ts_entry_leaf_hash(const ts_sealed_entry *e, uint8_t out[TS_HASH_SIZE],
                       ts_error *err)
{
    entry_parts p;
    uint8_t joined[1 + HEAD_MAX + SHORT_FORMAT + MID_MAX];
    ts_hash_part parts[5];
    size_t n = 0;
    int rc = entry_parts_build(e, &p, err);

    if (rc != 0)
        return rc;
    /* 0x00 || head [|| format || mid] as one part: fewer, larger updates
     * (verify hashes every entry this way). */
    joined[0] = 0x00;
    memcpy(joined + 1, p.head, p.head_len);
    if (e->format_len <= SHORT_FORMAT) {
        size_t len = 1 + p.head_len;
        if (e->format_len > 0)
            memcpy(joined + len, e->format, e->format_len);
        len += e->format_len;
        memcpy(joined + len, p.mid, p.mid_len);
        parts[n++] = (ts_hash_part){joined, len + p.mid_len};
    } else {
        parts[n++] = (ts_hash_part){joined, 1 + p.head_len};
        parts[n++] = (ts_hash_part){(const uint8_t *)e->format, e->format_len};
        parts[n++] = (ts_hash_part){p.mid, p.mid_len};
    }
    parts[n++] = (ts_hash_part){e->record, e->record_len};
    parts[n++] = (ts_hash_part){p.tail, p.tail_len};
    ts_sha256_parts(parts, n, out);
    return 0;
}

/* ---- Decoding ----
 *
 * Hand-written rather than libcbor's decoder: the shape is fixed, so one
 * pass over the bytes can check every canonical-form rule as it reads
 * (no decode, re-encode and compare), allocates nothing, and leaves the
 * byte strings in place for *out to borrow. Verification decodes every
 * entry of every block, so this is on the hot path. */

typedef struct reader {
    const uint8_t *p;
    size_t len, off;
} reader;

static int corrupt(const reader *r, int key, const char *why, ts_error *err)
{
    if (key > 0)
        return ts_error_set(err, TS_ECORRUPT,
                            "entry: offset %zu: key %d (%s): %s", r->off, key,
                            key_names[key], why);
    return ts_error_set(err, TS_ECORRUPT, "entry: offset %zu: %s", r->off, why);
}

/* Reads a data item's head: its major type, which must be in `majors` (a
 * bit mask; `type` names them for the message), and its argument, which
 * must be in the shortest form and not indefinite. */
static int read_head(reader *r, int key, unsigned majors, const char *type,
                     unsigned *major, uint64_t *arg, ts_error *err)
{
    static const uint64_t min_arg[4] = {24, 0x100, 0x10000, 0x100000000};
    unsigned ai, n;
    uint64_t v = 0;

    if (r->off >= r->len)
        return corrupt(r, key, "truncated", err);
    *major = r->p[r->off] >> 5;
    ai = r->p[r->off] & 31;
    if (!(majors & 1u << *major))
        return corrupt(r, key, type, err);
    if (ai < 24) {
        r->off++;
        *arg = ai;
        return 0;
    }
    if (ai == 31)
        return corrupt(r, key, "indefinite length", err);
    if (ai > 27)
        return corrupt(r, key, "reserved additional information", err);
    n = 1u << (ai - 24);
    if (r->len - r->off - 1 < n)
        return corrupt(r, key, "truncated", err);
    for (unsigned i = 1; i <= n; i++)
        v = v << 8 | r->p[r->off + i];
    if (v < min_arg[ai - 24])
        return corrupt(r, key, "integer or length not in its shortest form",
                       err);
    r->off += 1 + n;
    *arg = v;
    return 0;
}

static int read_key(reader *r, int key, ts_error *err)
{
    if (r->off >= r->len)
        return corrupt(r, key, "truncated before the key", err);
    /* Keys 1..9 have one shortest encoding, the byte itself; anything else
     * here is a wrong, missing, extra or non-canonical key. */
    if (r->p[r->off] != key)
        return corrupt(r, key, "expected this key next", err);
    r->off++;
    return 0;
}

static int read_uint(reader *r, int key, uint64_t *out, ts_error *err)
{
    unsigned major;
    int rc = read_key(r, key, err);

    if (rc == 0)
        rc = read_head(r, key, 1u << MAJOR_UINT, "not an unsigned integer",
                       &major, out, err);
    return rc;
}

static int read_int64(reader *r, int key, int64_t *out, ts_error *err)
{
    unsigned major;
    uint64_t v;
    int rc = read_key(r, key, err);

    if (rc == 0)
        rc = read_head(r, key, 1u << MAJOR_UINT | 1u << MAJOR_NEGINT,
                       "not an integer", &major, &v, err);
    if (rc != 0)
        return rc;
    if (v > INT64_MAX)
        return corrupt(r, key, "integer outside the int64 range", err);
    *out = major == MAJOR_UINT ? (int64_t)v : -1 - (int64_t)v;
    return 0;
}

/* A byte or text string; fixed_len is its required length, or SIZE_MAX. */
static int read_string(reader *r, int key, unsigned want_major,
                       size_t fixed_len, const uint8_t **out, size_t *out_len,
                       ts_error *err)
{
    unsigned major;
    uint64_t len = 0;
    int rc = read_key(r, key, err);

    if (rc == 0)
        rc = read_head(r, key, 1u << want_major,
                       want_major == MAJOR_TSTR ? "not a text string"
                                                : "not a byte string",
                       &major, &len, err);
    if (rc != 0)
        return rc;
    if (fixed_len != SIZE_MAX && len != fixed_len)
        return corrupt(r, key, "wrong length", err);
    if (len > r->len - r->off)
        return corrupt(r, key, "truncated", err);
    *out = r->p + r->off;
    *out_len = (size_t)len;
    r->off += (size_t)len;
    return 0;
}

static int read_fixed(reader *r, int key, uint8_t *out, size_t len,
                      ts_error *err)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    int rc = read_string(r, key, MAJOR_BSTR, len, &p, &n, err);

    if (rc == 0)
        memcpy(out, p, len);
    return rc;
}

int ts_entry_decode(const uint8_t *data, size_t len, ts_sealed_entry *out,
                    size_t *out_consumed, ts_error *err)
{
    reader r = {data, len, 0};
    const uint8_t *format = NULL;
    unsigned major = 0;
    uint64_t n_pairs = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    *out_consumed = 0;
    rc = read_head(&r, 0, 1u << MAJOR_MAP, "not a map", &major, &n_pairs, err);
    if (rc != 0)
        return rc;
    if (n_pairs != N_KEYS && n_pairs != MAX_KEYS) {
        r.off = 0;
        return corrupt(&r, 0, "not a map of 9 or 10 pairs", err);
    }
    rc = read_fixed(&r, KEY_STORE_ID, out->store_id, TS_STORE_ID_SIZE, err);
    if (rc == 0)
        rc = read_uint(&r, KEY_SEQ, &out->seq, err);
    if (rc == 0)
        rc = read_fixed(&r, KEY_SOURCE_KEY, out->source_key, TS_HASH_SIZE, err);
    if (rc == 0)
        rc = read_uint(&r, KEY_POSITION, &out->position, err);
    if (rc == 0)
        rc = read_uint(&r, KEY_LINE, &out->line, err);
    if (rc == 0)
        rc = read_int64(&r, KEY_OBSERVED_US, &out->observed_us, err);
    if (rc == 0)
        rc = read_string(&r, KEY_FORMAT, MAJOR_TSTR, SIZE_MAX, &format,
                         &out->format_len, err);
    if (rc == 0 && !format_valid(format, out->format_len))
        rc = corrupt(&r, KEY_FORMAT, "not UTF-8 or holds a NUL", err);
    if (rc == 0)
        rc = read_string(&r, KEY_RECORD, MAJOR_BSTR, SIZE_MAX, &out->record,
                         &out->record_len, err);
    if (rc == 0)
        rc = read_fixed(&r, KEY_SALT, out->salt, TS_SALT_SIZE, err);
    if (rc == 0 && n_pairs == MAX_KEYS) {
        size_t n = 0;
        rc = read_string(&r, KEY_ORIGINAL_HMAC, MAJOR_BSTR,
                         TS_ORIGINAL_HMAC_SIZE, &out->original_hmac, &n, err);
    }
    if (rc != 0) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    out->format = (const char *)format;
    *out_consumed = r.off;
    return 0;
}
