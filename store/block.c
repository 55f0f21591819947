/* Blocks: a block's entries stored in a compact form (schemas/block.md) and
 * rebuilt into their canonical CBOR encodings on read. The per-block secret
 * derives every entry's salt, so salts, store id, seq, source key and
 * format are not stored per entry. */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "store/store_internal.h"

/* zstd level 7 (lazy matching) searching deeper than level 9 does (2^5
 * candidates per position against 2^4), for matches of 6 bytes or more,
 * in a hash table of 2^18 entries where level 9 has 2^21 (sized for
 * windows far bigger than a ~1.2 MB body; clearing it was ~1.3% of
 * ingest): on a 1M store's 4096-entry block bodies, 1.9% smaller than
 * level 9 and about a fifth faster. Readers do not depend on these
 * (docs/PERFORMANCE.md, "Blocks: zstd tuned to the body, buffers kept"). */
#define TS_BLOCK_ZSTD_LEVEL 7
#define TS_BLOCK_ZSTD_SEARCH_LOG 5
#define TS_BLOCK_ZSTD_MIN_MATCH 6
#define TS_BLOCK_ZSTD_HASH_LOG 18
#define TS_BLOCK_MAX_SOURCES 4096

/* ---- salts: HMAC-SHA256(secret, be64(seq))[:16] (RFC 2104) ----
 *
 * A block's entries all use one key, hashed once into ts_hmac_keys
 * (common/hmac.h). */

_Static_assert(TS_BLOCK_SECRET_SIZE == TS_HMAC_KEY_SIZE,
               "a block secret is an HMAC-SHA256 key");

static void be64(uint64_t v, uint8_t out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (56 - 8 * i));
}

void ts_salt_of(const ts_hmac_keys *k, uint64_t seq, uint8_t salt[TS_SALT_SIZE])
{
    uint8_t msg[8], mac[TS_HMAC_SIZE];

    be64(seq, msg);
    ts_hmac_sha256(k, msg, sizeof(msg), mac);
    memcpy(salt, mac, TS_SALT_SIZE);
}

void ts_block_salt(const uint8_t secret[TS_BLOCK_SECRET_SIZE], uint64_t seq,
                   uint8_t salt[TS_SALT_SIZE])
{
    ts_hmac_keys k;

    ts_hmac_keys_set(&k, secret);
    ts_salt_of(&k, seq, salt);
}

/* ---- varints (common/varint.c); signed deltas zigzag-encoded ---- */

static uint64_t zigzag(uint64_t delta)
{
    return (delta << 1) ^ (uint64_t)(-(int64_t)(delta >> 63));
}

static uint64_t unzigzag(uint64_t z)
{
    return (z >> 1) ^ (uint64_t)(-(int64_t)(z & 1));
}

typedef struct reader {
    const uint8_t *p;
    size_t len, off;
} reader;

static int get_varint(reader *r, uint64_t *out)
{
    return ts_varint_read(r->p, r->len, &r->off, out);
}

static const uint8_t *get_bytes(reader *r, size_t n)
{
    const uint8_t *p = r->p + r->off;

    if (n > r->len - r->off)
        return NULL;
    r->off += n;
    return p;
}

/* ---- packing ---- */

typedef struct source_ref {
    const uint8_t *key;
    const char *format;
    size_t format_len;
} source_ref;

static int source_index(source_ref *srcs, size_t *n_srcs,
                        const ts_sealed_entry *e, uint64_t *out, ts_error *err)
{
    for (size_t i = *n_srcs; i-- > 0;) {
        if (memcmp(srcs[i].key, e->source_key, TS_HASH_SIZE) == 0 &&
            srcs[i].format_len == e->format_len &&
            memcmp(srcs[i].format, e->format, e->format_len) == 0) {
            *out = i;
            return 0;
        }
    }
    if (*n_srcs == TS_BLOCK_MAX_SOURCES)
        return ts_error_set(err, TS_ELIMIT, "more than %d sources in a block",
                            TS_BLOCK_MAX_SOURCES);
    srcs[*n_srcs] = (source_ref){e->source_key, e->format, e->format_len};
    *out = (*n_srcs)++;
    return 0;
}

/* Format 3's columns: one byte per entry (1: redacted), then the original
 * record's HMAC of each redacted entry. */
static int put_hmacs(ts_buf *body, const ts_sealed_entry *es, uint64_t n,
                     ts_error *err)
{
    int rc = 0;

    for (uint64_t i = 0; rc == 0 && i < n; i++) {
        uint8_t flag = es[i].original_hmac != NULL;
        rc = ts_buf_append(body, &flag, 1, err);
    }
    for (uint64_t i = 0; rc == 0 && i < n; i++)
        if (es[i].original_hmac != NULL)
            rc = ts_buf_append(body, es[i].original_hmac, TS_ORIGINAL_HMAC_SIZE,
                               err);
    return rc;
}

struct ts_block_packer {
    ZSTD_CCtx *zstd; /* its tables are allocated once */
    ts_buf body;     /* the uncompressed body, kept with its size */
    ts_sealed_entry *es;
    size_t es_cap;
    source_ref *srcs; /* TS_BLOCK_MAX_SOURCES */
};

static int set_zstd(ZSTD_CCtx *zc, ZSTD_cParameter param, int value,
                    ts_error *err)
{
    size_t z = ZSTD_CCtx_setParameter(zc, param, value);

    if (ZSTD_isError(z))
        return ts_error_set(err, TS_ERR, "zstd: %s", ZSTD_getErrorName(z));
    return 0;
}

int ts_block_packer_new(ts_block_packer **out, ts_error *err)
{
    ts_block_packer *p = calloc(1, sizeof(*p));
    int rc = 0;

    *out = NULL;
    if (p == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    ts_buf_init(&p->body, (size_t)-1);
    p->zstd = ZSTD_createCCtx();
    p->srcs = malloc(TS_BLOCK_MAX_SOURCES * sizeof(*p->srcs));
    if (p->zstd == NULL || p->srcs == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = set_zstd(p->zstd, ZSTD_c_compressionLevel, TS_BLOCK_ZSTD_LEVEL,
                      err);
    if (rc == 0)
        rc = set_zstd(p->zstd, ZSTD_c_searchLog, TS_BLOCK_ZSTD_SEARCH_LOG, err);
    if (rc == 0)
        rc = set_zstd(p->zstd, ZSTD_c_minMatch, TS_BLOCK_ZSTD_MIN_MATCH, err);
    if (rc == 0)
        rc = set_zstd(p->zstd, ZSTD_c_hashLog, TS_BLOCK_ZSTD_HASH_LOG, err);
    if (rc != 0) {
        ts_block_packer_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void ts_block_packer_free(ts_block_packer *p)
{
    if (p == NULL)
        return;
    ZSTD_freeCCtx(p->zstd);
    ts_buf_release(&p->body);
    free(p->es);
    free(p->srcs);
    free(p);
}

int ts_block_pack(const uint8_t secret[TS_BLOCK_SECRET_SIZE],
                  const uint8_t *cbor, size_t len, ts_buf *out, ts_error *err)
{
    ts_block_packer *p;
    int rc = ts_block_packer_new(&p, err);

    if (rc == 0)
        rc = ts_block_pack_with(p, secret, cbor, len, out, err);
    ts_block_packer_free(p);
    return rc;
}

/* Decodes every entry of cbor into p->es once and checks what the compact
 * form implies: consecutive seqs, one store id, the block's salts. */
static int decode_entries(ts_block_packer *p,
                          const uint8_t secret[TS_BLOCK_SECRET_SIZE],
                          const uint8_t *cbor, size_t len, uint64_t *n_out,
                          ts_error *err)
{
    ts_hmac_keys keys;
    uint8_t salt[TS_SALT_SIZE];
    uint64_t n = 0;
    size_t off, used = 0;

    ts_hmac_keys_set(&keys, secret);
    for (off = 0; off < len; off += used, n++) {
        if (n == p->es_cap) {
            size_t cap = p->es_cap ? p->es_cap * 2 : 1024;
            ts_sealed_entry *more = realloc(p->es, cap * sizeof(*more));
            if (more == NULL)
                return ts_error_set(err, TS_ENOMEM, "out of memory");
            p->es = more;
            p->es_cap = cap;
        }
        ts_sealed_entry *e = &p->es[n];
        int rc = ts_entry_decode(cbor + off, len - off, e, &used, err);
        if (rc != 0)
            return rc;
        ts_salt_of(&keys, e->seq, salt);
        if (e->seq != p->es[0].seq + n ||
            memcmp(p->es[0].store_id, e->store_id, TS_STORE_ID_SIZE) != 0 ||
            memcmp(salt, e->salt, sizeof(salt)) != 0)
            return ts_error_set(err, TS_EINVAL,
                                "entry %llu: seq, store id or salt is not the "
                                "block's",
                                (unsigned long long)e->seq);
    }
    if (n == 0)
        return ts_error_set(err, TS_EINVAL, "an empty block");
    *n_out = n;
    return 0;
}

/* The body of n decoded entries: header, sources, then one column per
 * field, then the records. */
static int put_body(ts_block_packer *p, uint64_t n, uint64_t n_hmacs,
                    ts_error *err)
{
    ts_buf *body = &p->body;
    ts_sealed_entry *es = p->es;
    source_ref *srcs = p->srcs;
    size_t n_srcs = 0;
    uint64_t prev = 0;
    int rc;

    body->len = 0;
    rc = ts_varint_append(body, n, err);
    if (rc == 0)
        rc = ts_buf_append(body, es[0].store_id, TS_STORE_ID_SIZE, err);
    if (rc == 0)
        rc = ts_varint_append(body, es[0].seq, err);
    for (uint64_t i = 0; rc == 0 && i < n; i++) {
        uint64_t idx = 0;
        rc = source_index(srcs, &n_srcs, &es[i], &idx, err);
        es[i].seq = idx; /* seq is implied: reuse the field for the index */
    }
    if (rc == 0)
        rc = ts_varint_append(body, n_srcs, err);
    for (size_t i = 0; rc == 0 && i < n_srcs; i++) {
        rc = ts_buf_append(body, srcs[i].key, TS_HASH_SIZE, err);
        if (rc == 0)
            rc = ts_varint_append(body, srcs[i].format_len, err);
        if (rc == 0)
            rc = ts_buf_append(body, srcs[i].format, srcs[i].format_len, err);
    }
    for (int field = 0; rc == 0 && field < 6; field++) {
        prev = 0;
        if (field == 5 && n_hmacs > 0)
            rc = put_hmacs(body, es, n, err);
        for (uint64_t i = 0; rc == 0 && i < n; i++) {
            const ts_sealed_entry *e = &es[i];
            uint64_t v = 0;
            switch (field) {
            case 0:
                v = e->seq;
                break;
            case 1:
                v = zigzag(e->position - prev);
                prev = e->position + e->record_len;
                break;
            case 2:
                v = zigzag(e->line - prev);
                prev = e->line;
                break;
            case 3:
                v = zigzag((uint64_t)e->observed_us - prev);
                prev = (uint64_t)e->observed_us;
                break;
            case 4:
                v = e->record_len;
                break;
            default:
                rc = ts_buf_append(body, e->record, e->record_len, err);
                continue;
            }
            rc = ts_varint_append(body, v, err);
        }
    }
    return rc;
}

int ts_block_pack_with(ts_block_packer *p,
                       const uint8_t secret[TS_BLOCK_SECRET_SIZE],
                       const uint8_t *cbor, size_t len, ts_buf *out,
                       ts_error *err)
{
    uint64_t n = 0, n_hmacs = 0;
    int rc = decode_entries(p, secret, cbor, len, &n, err);

    for (uint64_t i = 0; rc == 0 && i < n; i++)
        n_hmacs += p->es[i].original_hmac != NULL;
    if (rc == 0)
        rc = put_body(p, n, n_hmacs, err);
    if (rc == 0) {
        size_t bound = ZSTD_compressBound(p->body.len), z;
        out->len = 0;
        rc = ts_buf_reserve(out, 1 + TS_BLOCK_SECRET_SIZE + bound, err);
        if (rc == 0) {
            out->data[0] = n_hmacs > 0 ? TS_BLOCK_FORMAT_HMAC : TS_BLOCK_FORMAT;
            memcpy(out->data + 1, secret, TS_BLOCK_SECRET_SIZE);
            z = ZSTD_compress2(p->zstd, out->data + 1 + TS_BLOCK_SECRET_SIZE,
                               bound, p->body.data, p->body.len);
            if (ZSTD_isError(z))
                rc =
                    ts_error_set(err, TS_ERR, "zstd: %s", ZSTD_getErrorName(z));
            else
                out->len = 1 + TS_BLOCK_SECRET_SIZE + z;
        }
    }
    if (rc != 0)
        return ts_error_prefix(err, "packing a block: ");
    return 0;
}

/* ---- unpacking ---- */

struct ts_block_reader {
    ZSTD_DCtx *zstd;
    ts_buf body; /* the decompressed body; its cap bounds blocks */
    ts_hmac_keys keys;
    source_ref *srcs; /* TS_BLOCK_MAX_SOURCES */
};

int ts_block_reader_new(ts_block_reader **out, size_t cap, ts_error *err)
{
    ts_block_reader *r = calloc(1, sizeof(*r));
    int rc = 0;

    *out = NULL;
    if (r == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    ts_buf_init(&r->body, cap);
    r->zstd = ZSTD_createDCtx();
    r->srcs = calloc(TS_BLOCK_MAX_SOURCES, sizeof(*r->srcs));
    if (r->zstd == NULL || r->srcs == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    if (rc != 0) {
        ts_block_reader_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void ts_block_reader_free(ts_block_reader *r)
{
    if (r == NULL)
        return;
    ZSTD_freeDCtx(r->zstd);
    ts_buf_release(&r->body);
    free(r->srcs);
    free(r);
}

static int corrupt(const char *what, ts_error *err)
{
    return ts_error_set(err, TS_ECORRUPT, "compact block: %s", what);
}

static int decompress(ts_block_reader *r, const uint8_t *src, size_t len,
                      ts_error *err)
{
    unsigned long long size = ZSTD_getFrameContentSize(src, len);
    size_t n;
    int rc;

    r->body.len = 0;
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
        return ts_error_set(err, TS_ECORRUPT,
                            "not a zstd frame with a declared size");
    if (size >= r->body.cap)
        return ts_error_set(
            err, TS_ECORRUPT,
            "block declares %llu bytes, more than the %zu allowed", size,
            r->body.cap);
    rc = ts_buf_reserve(&r->body, (size_t)size, err);
    if (rc != 0)
        return rc;
    n = ZSTD_decompressDCtx(r->zstd, r->body.data, (size_t)size, src, len);
    if (ZSTD_isError(n))
        return ts_error_set(err, TS_ECORRUPT, "zstd: %s", ZSTD_getErrorName(n));
    if (n != size)
        return ts_error_set(err, TS_ECORRUPT,
                            "block decompressed to %zu bytes, declared %llu", n,
                            size);
    r->body.len = n;
    return 0;
}

/* Called with each entry of a block in order; e borrows from the reader. */
typedef int (*entry_fn)(void *ctx, uint64_t i, const ts_sealed_entry *e,
                        ts_error *err);

/* Decompresses and parses a stored block, rebuilding each entry's fields
 * (salt included) and handing them to fn: the one parser behind
 * ts_block_unpack(), ts_block_reader_leaves() and
 * ts_block_reader_entries(), so that what verify hashes is exactly what
 * proofs and the sealer rebuild. */
static int scan_block(ts_block_reader *r, const uint8_t *src, size_t len,
                      ts_block_info *info, entry_fn fn, void *ctx,
                      ts_error *err)
{
    reader h;
    ts_sealed_entry e;
    source_ref *srcs = r->srcs;
    uint64_t n = 0, first_seq = 0, n_srcs = 0;
    const uint8_t *store_id = NULL;
    const uint8_t *flags = NULL, *hmacs = NULL;
    size_t cols_at[5];
    int rc;

    memset(info, 0, sizeof(*info));
    if (len < 1 + TS_BLOCK_SECRET_SIZE ||
        (src[0] != TS_BLOCK_FORMAT && src[0] != TS_BLOCK_FORMAT_HMAC))
        return ts_error_set(
            err, TS_ECORRUPT, "not a block of format %d or %d (first byte %d)",
            TS_BLOCK_FORMAT, TS_BLOCK_FORMAT_HMAC, len > 0 ? src[0] : -1);
    memcpy(info->secret, src + 1, TS_BLOCK_SECRET_SIZE);
    ts_hmac_keys_set(&r->keys, src + 1);
    rc = decompress(r, src + 1 + TS_BLOCK_SECRET_SIZE,
                    len - 1 - TS_BLOCK_SECRET_SIZE, err);
    if (rc != 0)
        return rc;
    h = (reader){r->body.data, r->body.len, 0};
    if (get_varint(&h, &n) != 0 || n == 0 || n > r->body.len ||
        (store_id = get_bytes(&h, TS_STORE_ID_SIZE)) == NULL ||
        get_varint(&h, &first_seq) != 0 || get_varint(&h, &n_srcs) != 0 ||
        n_srcs == 0 || n_srcs > TS_BLOCK_MAX_SOURCES || n_srcs > n)
        return corrupt("bad header", err);
    info->n_entries = n;
    info->first_seq = first_seq;
    memcpy(info->store_id, store_id, TS_STORE_ID_SIZE);
    for (uint64_t i = 0; i < n_srcs; i++) {
        uint64_t flen = 0;
        srcs[i].key = get_bytes(&h, TS_HASH_SIZE);
        if (srcs[i].key == NULL || get_varint(&h, &flen) != 0 ||
            (srcs[i].format = (const char *)get_bytes(&h, (size_t)flen)) ==
                NULL)
            return corrupt("bad source table", err);
        srcs[i].format_len = (size_t)flen;
    }
    /* Find where each column starts: five columns of n varints. */
    for (int c = 0; c < 5; c++) {
        uint64_t skip;
        cols_at[c] = h.off;
        for (uint64_t i = 0; i < n; i++)
            if (get_varint(&h, &skip) != 0)
                return corrupt("columns end early", err);
    }
    if (src[0] == TS_BLOCK_FORMAT_HMAC) {
        uint64_t n_hmacs = 0;
        flags = get_bytes(&h, (size_t)n);
        for (uint64_t i = 0; flags != NULL && i < n; i++) {
            if (flags[i] > 1)
                flags = NULL;
            else
                n_hmacs += flags[i];
        }
        /* a block of format 3 has at least one redacted entry: the same
         * entries have one encoding */
        if (flags == NULL || n_hmacs == 0 ||
            (hmacs = get_bytes(&h, (size_t)n_hmacs * TS_ORIGINAL_HMAC_SIZE)) ==
                NULL) {
            return corrupt("bad original-record HMAC column", err);
        }
    }
    {
        reader col[5], rec = h;
        uint64_t pos = 0, line = 0, obs = 0;
        for (int c = 0; c < 5; c++)
            col[c] = (reader){r->body.data, r->body.len, cols_at[c]};
        memset(&e, 0, sizeof(e));
        memcpy(e.store_id, store_id, TS_STORE_ID_SIZE);
        for (uint64_t i = 0; rc == 0 && i < n; i++) {
            /* each column was read through once above: these cannot fail */
            uint64_t idx = 0, dpos = 0, dline = 0, dobs = 0, rlen = 0;
            (void)get_varint(&col[0], &idx);
            (void)get_varint(&col[1], &dpos);
            (void)get_varint(&col[2], &dline);
            (void)get_varint(&col[3], &dobs);
            (void)get_varint(&col[4], &rlen);
            if (idx >= n_srcs ||
                (e.record = get_bytes(&rec, (size_t)rlen)) == NULL) {
                rc = corrupt(idx >= n_srcs ? "entry names no source"
                                           : "records end early",
                             err);
                break;
            }
            e.seq = first_seq + i;
            memcpy(e.source_key, srcs[idx].key, TS_HASH_SIZE);
            e.position = pos + unzigzag(dpos);
            e.line = line + unzigzag(dline);
            e.observed_us = (int64_t)(obs + unzigzag(dobs));
            e.format = srcs[idx].format;
            e.format_len = srcs[idx].format_len;
            e.record_len = (size_t)rlen;
            ts_salt_of(&r->keys, e.seq, e.salt);
            e.original_hmac = NULL;
            if (flags != NULL && flags[i]) {
                e.original_hmac = hmacs;
                hmacs += TS_ORIGINAL_HMAC_SIZE;
            }
            pos = e.position + e.record_len;
            line = e.line;
            obs = (uint64_t)e.observed_us;
            rc = fn(ctx, i, &e, err);
            if (rc == TS_EINVAL)
                rc = TS_ECORRUPT;
        }
        if (rc == 0 && rec.off != rec.len)
            rc = corrupt("bytes after the last record", err);
    }
    return rc;
}

static int append_encoding(void *ctx, uint64_t i, const ts_sealed_entry *e,
                           ts_error *err)
{
    (void)i;
    return ts_entry_encode(e, ctx, err);
}

int ts_block_unpack(const uint8_t *src, size_t len, ts_buf *out,
                    uint8_t secret_out[TS_BLOCK_SECRET_SIZE], ts_error *err)
{
    ts_block_reader *r = NULL;
    ts_block_info info;
    int rc = ts_block_reader_new(&r, out->cap, err);

    out->len = 0;
    if (rc == 0)
        rc = scan_block(r, src, len, &info, append_encoding, out, err);
    if (rc == 0 && secret_out != NULL)
        memcpy(secret_out, info.secret, TS_BLOCK_SECRET_SIZE);
    ts_block_reader_free(r);
    return rc;
}

typedef struct leaf_sink {
    uint8_t (*leaves)[TS_HASH_SIZE];
    size_t max;
} leaf_sink;

static int hash_leaf(void *ctx, uint64_t i, const ts_sealed_entry *e,
                     ts_error *err)
{
    leaf_sink *sink = ctx;

    /* Entries past max are still parsed (and so checked), not hashed: the
     * caller reports the count against its own. */
    if (i >= sink->max)
        return 0;
    return ts_entry_leaf_hash(e, sink->leaves[i], err);
}

int ts_block_reader_leaves(ts_block_reader *r, const uint8_t *src, size_t len,
                           ts_block_info *info, uint8_t (*leaves)[TS_HASH_SIZE],
                           size_t max_entries, ts_error *err)
{
    leaf_sink sink = {leaves, max_entries};

    return scan_block(r, src, len, info, hash_leaf, &sink, err);
}

typedef struct entry_sink {
    ts_block_entries *out;
    size_t max;
} entry_sink;

/* Encodes the entry and hashes the encoding: the bytes a proof quotes are
 * the bytes its leaf hash covers. */
static int encode_and_hash(void *ctx, uint64_t i, const ts_sealed_entry *e,
                           ts_error *err)
{
    entry_sink *sink = ctx;
    ts_buf *plain = &sink->out->plain;
    size_t start = plain->len;
    int rc;

    if (i >= sink->max)
        return 0;
    rc = ts_entry_encode(e, plain, err);
    if (rc == 0) {
        sink->out->offsets[i] = start;
        ts_merkle_leaf_hash(plain->data + start, plain->len - start,
                            sink->out->leaves[i]);
    }
    return rc;
}

int ts_block_reader_entries(ts_block_reader *r, const uint8_t *src, size_t len,
                            ts_block_info *info, ts_block_entries *out,
                            size_t max_entries, ts_error *err)
{
    entry_sink sink = {out, max_entries};
    int rc;

    out->plain.len = 0;
    rc = scan_block(r, src, len, info, encode_and_hash, &sink, err);
    if (rc == 0)
        out->offsets[info->n_entries < max_entries ? info->n_entries
                                                   : max_entries] =
            out->plain.len;
    return rc;
}
