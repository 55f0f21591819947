/* The store's cryptographic core: RFC 9162 Merkle trees, C2SP signed notes and
 * keys, and the deterministic CBOR entry encoding. Private to store/ (and
 * tests). */
#ifndef TS_STORE_CRYPTO_H
#define TS_STORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"
#include "trailseal/error.h"
#include "trailseal/source.h"

#define TS_HASH_SIZE 32
/* Inclusion proofs hold at most 64 hashes; consistency proofs up to
 * ceil(log2(size2)) + 1, so 65 for trees past 2^63 leaves. */
#define TS_MERKLE_MAX_PROOF 65

/* ---- Merkle tree (merkle.c), RFC 9162 §2.1 ---- */

/* leaf hash = SHA-256(0x00 || data) */
void ts_merkle_leaf_hash(const uint8_t *data, size_t len,
                         uint8_t out[TS_HASH_SIZE]);
/* A piece of a message hashed in several parts, borrowed. */
typedef struct ts_hash_part {
    const uint8_t *data;
    size_t len;
} ts_hash_part;

/* SHA-256(parts[0] || parts[1] || ...) without concatenating them. */
void ts_sha256_parts(const ts_hash_part *parts, size_t n_parts,
                     uint8_t out[TS_HASH_SIZE]);
/* node hash = SHA-256(0x01 || left || right) */
void ts_merkle_node_hash(const uint8_t left[TS_HASH_SIZE],
                         const uint8_t right[TS_HASH_SIZE],
                         uint8_t out[TS_HASH_SIZE]);
/* Root of the tree over n leaf hashes (n = 0 gives SHA-256 of ""). */
void ts_merkle_root(const uint8_t (*leaves)[TS_HASH_SIZE], size_t n,
                    uint8_t out[TS_HASH_SIZE]);

/* The frontier of a tree: the roots of its maximal complete subtrees, one
 * per set bit of size, largest first. Appending a leaf is O(log n). */
typedef struct ts_frontier {
    uint64_t size;
    unsigned n_hashes;
    uint8_t hashes[64][TS_HASH_SIZE];
} ts_frontier;

void ts_frontier_init(ts_frontier *f);
void ts_frontier_append(ts_frontier *f, const uint8_t leaf_hash[TS_HASH_SIZE]);
/* ts_frontier_append; when the leaf ends a complete subtree of 2^level
 * leaves (the tree's size becomes a multiple of 2^level), that subtree's
 * root, MTH of its leaves, goes to out and the result is 1; else 0. The
 * sealer's block roots, without hashing the block's nodes a second time. */
int ts_frontier_append_ending(ts_frontier *f,
                              const uint8_t leaf_hash[TS_HASH_SIZE],
                              unsigned level, uint8_t out[TS_HASH_SIZE]);
/* Appends a complete subtree of 2^k leaves with root `hash`; the tree's
 * size must be a multiple of 2^k. Returns TS_EINVAL otherwise. */
int ts_frontier_append_subtree(ts_frontier *f, uint64_t n_leaves,
                               const uint8_t hash[TS_HASH_SIZE]);
void ts_frontier_root(const ts_frontier *f, uint8_t out[TS_HASH_SIZE]);
/* Serialized form: 8-byte big-endian size, then n_hashes * 32 bytes. */
size_t ts_frontier_serialized_size(const ts_frontier *f);
void ts_frontier_serialize(const ts_frontier *f, uint8_t *out);
int ts_frontier_deserialize(ts_frontier *f, const uint8_t *data, size_t len,
                            ts_error *err);

/* Computes MTH(D[start:end]) for the tree being proven; 0 or negative. */
typedef int (*ts_subtree_fn)(void *ctx, uint64_t start, uint64_t end,
                             uint8_t out[TS_HASH_SIZE], ts_error *err);

/* RFC 9162 §2.1.3 inclusion proof of leaf `index` in a tree of `size`,
 * asking `subtree` only for ranges it needs. *out_n = number of hashes. */
int ts_merkle_prove_inclusion(ts_subtree_fn subtree, void *ctx, uint64_t index,
                              uint64_t size,
                              uint8_t out[TS_MERKLE_MAX_PROOF][TS_HASH_SIZE],
                              size_t *out_n, ts_error *err);
/* RFC 9162 §2.1.4 consistency proof from size1 to size2 (0 < size1 <= size2).
 */
int ts_merkle_prove_consistency(ts_subtree_fn subtree, void *ctx,
                                uint64_t size1, uint64_t size2,
                                uint8_t out[TS_MERKLE_MAX_PROOF][TS_HASH_SIZE],
                                size_t *out_n, ts_error *err);
/* Verifiers (RFC 9162 §2.1.3.2 and §2.1.4.2). Return 0 when the proof is
 * valid, TS_ECORRUPT when it is not (message says why). */
int ts_merkle_verify_inclusion(uint64_t index, uint64_t size,
                               const uint8_t leaf_hash[TS_HASH_SIZE],
                               const uint8_t (*proof)[TS_HASH_SIZE],
                               size_t n_proof, const uint8_t root[TS_HASH_SIZE],
                               ts_error *err);
int ts_merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                 const uint8_t root1[TS_HASH_SIZE],
                                 const uint8_t root2[TS_HASH_SIZE],
                                 const uint8_t (*proof)[TS_HASH_SIZE],
                                 size_t n_proof, ts_error *err);

/* ---- Keys and signed notes (note.c), C2SP signed-note + tlog-checkpoint ----
 */

#define TS_KEY_NAME_MAX 128

typedef struct ts_signer {
    char name[TS_KEY_NAME_MAX];
    uint8_t seed[32]; /* Ed25519 private key (RFC 8032 seed) */
    uint8_t pub[32];
    uint32_t key_id; /* SHA-256(name || 0x0A || 0x01 || pub)[:4], big-endian */
} ts_signer;

typedef struct ts_verifier {
    char name[TS_KEY_NAME_MAX];
    uint8_t pub[32];
    uint32_t key_id;
} ts_verifier;

uint32_t ts_note_key_id(const char *name, const uint8_t pub[32]);
/* A new random Ed25519 key named `name` (a valid note key name: no spaces,
 * no '+', not empty). */
int ts_signer_generate(ts_signer *out, const char *name, ts_error *err);
/* "PRIVATE+KEY+<name>+<hex keyid>+<base64(0x01 || seed)>" (Go note format). */
int ts_signer_format(const ts_signer *s, char *buf, size_t size, ts_error *err);
int ts_signer_parse(ts_signer *out, const char *text, ts_error *err);
void ts_signer_verifier(const ts_signer *s, ts_verifier *out);
/* "<name>+<hex keyid>+<base64(0x01 || pub)>" */
int ts_verifier_format(const ts_verifier *v, char *buf, size_t size,
                       ts_error *err);
int ts_verifier_parse(ts_verifier *out, const char *text, ts_error *err);

/* Signs a note body (non-empty, ending in '\n') and returns the note: body,
 * blank line, "— <name> <base64(keyid || signature)>\n". *out is the
 * caller's, freed with free(). */
int ts_note_sign(const ts_signer *s, const char *body, size_t body_len,
                 char **out, ts_error *err);
/* Checks that `note` is well formed and carries a valid signature by v.
 * *out_body_len (may be NULL) receives the body's length, including its
 * final newline. TS_EINVAL when malformed, TS_ECORRUPT when no signature
 * by v verifies (signatures by other keys are ignored). */
int ts_note_verify(const ts_verifier *v, const char *note, size_t len,
                   size_t *out_body_len, ts_error *err);

/* tlog-checkpoint body: "<origin>\n<size>\n<base64 root>\n". */
int ts_checkpoint_format(const char *origin, uint64_t size,
                         const uint8_t root[TS_HASH_SIZE], char *buf,
                         size_t buf_size, ts_error *err);
/* Parses a checkpoint body (extension lines after the root are allowed and
 * ignored). origin is copied into origin_buf. */
int ts_checkpoint_parse(const char *body, size_t len, char *origin_buf,
                        size_t origin_size, uint64_t *out_size,
                        uint8_t out_root[TS_HASH_SIZE], ts_error *err);

/* ---- Entries (entry_cbor.c): deterministic CBOR, schemas/entry.cddl ---- */

#define TS_STORE_ID_SIZE 16
#define TS_SALT_SIZE 16

typedef struct ts_sealed_entry {
    uint8_t store_id[TS_STORE_ID_SIZE];
    uint64_t seq;                     /* index in the Merkle log */
    uint8_t source_key[TS_HASH_SIZE]; /* which source (ts_source.key, binary) */
    uint64_t position;                /* byte offset in the source */
    uint64_t line;                    /* first line in the source */
    int64_t observed_us;              /* when it was read */
    const char *format;               /* borrowed; format_len bytes of UTF-8
                                         without NUL. Decoded entries point
                                         into the CBOR: NOT NUL-terminated */
    size_t format_len;
    const uint8_t *record; /* borrowed */
    size_t record_len;
    uint8_t salt[TS_SALT_SIZE]; /* ts_block_salt() */
    /* NULL: record is the record as read. Otherwise record is a redacted
     * copy and this is HMAC-SHA256(value key, the record as read), its
     * first TS_ORIGINAL_HMAC_SIZE bytes (entry key 10); borrowed like
     * record. */
    const uint8_t *original_hmac;
} ts_sealed_entry;

/* Appends e's canonical CBOR encoding to out. */
int ts_entry_encode(const ts_sealed_entry *e, ts_buf *out, ts_error *err);
/* e's leaf hash, SHA-256(0x00 || e's canonical CBOR), without building the
 * encoding: the same bytes ts_entry_encode() appends are hashed in place.
 * Fails as ts_entry_encode() does (TS_EINVAL: format not UTF-8 or NUL). */
int ts_entry_leaf_hash(const ts_sealed_entry *e, uint8_t out[TS_HASH_SIZE],
                       ts_error *err);
/* Decodes one entry from the start of data; *out's pointers borrow from
 * data. *out_consumed receives the entry's encoded length. Rejects anything
 * that is not exactly the canonical encoding (TS_ECORRUPT). */
int ts_entry_decode(const uint8_t *data, size_t len, ts_sealed_entry *out,
                    size_t *out_consumed, ts_error *err);

#endif
