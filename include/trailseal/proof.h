/* Proofs: an entry's inclusion under a signed checkpoint, and the
 * consistency of an older tree with the newest one, checkable offline. */
#ifndef TRAILSEAL_PROOF_H
#define TRAILSEAL_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A c2sp.org/tlog-proof@v1 proof of entry `index` against the newest
 * checkpoint; its `extra` line is the base64 of the entry's CBOR bytes.
 * *out is the caller's, released with free(). TS_ENOTFOUND when the newest
 * checkpoint does not cover the entry. */
int ts_store_prove_inclusion(ts_store *store, uint64_t index, char **out,
                             ts_error *err);

/* As ts_store_prove_inclusion(), against `note`, a checkpoint this store
 * signed (as ts_store_checkpoint() gives it), rather than the newest: the
 * proofs of one evidence pack all end with the pack's checkpoint, however
 * many the store signs while they are written. The note's signature is not
 * checked here (verifying the proof does that), but every proof is checked
 * against the note's root before it is given out: TS_ECORRUPT when the
 * note is not a checkpoint, or not of this store's tree (another store's,
 * or this one's before it was rolled back or changed). */
int ts_store_prove_inclusion_in(ts_store *store, uint64_t index,
                                const char *note, char **out, ts_error *err);

/* A consistency proof (schemas/consistency-proof.md) from the tree of
 * `from_size` entries to the newest checkpoint. *out is the caller's,
 * released with free(). */
int ts_store_prove_consistency(ts_store *store, uint64_t from_size, char **out,
                               ts_error *err);

typedef enum ts_proof_kind {
    TS_PROOF_INCLUSION = 0,
    TS_PROOF_CONSISTENCY = 1
} ts_proof_kind;

#define TS_PROOF_RECORD_PREVIEW 1024

typedef struct ts_proof_result {
    ts_proof_kind kind;
    int valid;          /* 1 when every check passed */
    char origin[128];   /* the checkpoint's origin line */
    uint64_t tree_size; /* the checkpoint's tree size */
    char root[64];      /* the checkpoint's root, base64 */
    /* inclusion */
    uint64_t index;
    uint64_t position; /* the entry's byte offset in its source */
    uint64_t line;     /* the entry's first line in its source */
    int64_t observed_us;
    char format[32];
    char record[TS_PROOF_RECORD_PREVIEW]; /* the record's start, NUL-ended */
    size_t record_len;                    /* the record's full length */
    /* consistency */
    uint64_t from_size;
    char from_root[64];              /* base64 root of the older tree */
    char problem[TS_ERROR_MSG_SIZE]; /* why it is not valid */
} ts_proof_result;

/* Checks a proof of either kind with nothing but the verifier key text
 * (C2SP form name+keyid+base64): the checkpoint's signature, that its
 * origin is the key's name, and the Merkle proof; for inclusion also that
 * the embedded entry is the one at `index`. Returns 0 when the check ran
 * (the verdict is out->valid), TS_EINVAL when the key is unusable. */
int ts_proof_verify(const char *vkey, const char *proof, size_t len,
                    ts_proof_result *out, ts_error *err);

/* A verifier for many proofs under one key: the key is parsed once, and a
 * checkpoint note whose signature verified is remembered by its exact
 * bytes, so proofs ending in the same checkpoint (a pack's) verify its
 * signature once. One thread at a time. */
typedef struct ts_proof_verifier ts_proof_verifier;

/* TS_EINVAL when the key (C2SP verifier key text) is unusable. *out is
 * the caller's: ts_proof_verifier_free(). */
int ts_proof_verifier_new(const char *vkey, ts_proof_verifier **out,
                          ts_error *err);

/* As ts_proof_verify with the verifier's key; the verdict is out->valid. */
void ts_proof_verifier_check(ts_proof_verifier *pv, const char *proof,
                             size_t len, ts_proof_result *out);

/* Accepts NULL. */
void ts_proof_verifier_free(ts_proof_verifier *pv);

/* As ts_proof_verify, and for a consistency proof also checks that its
 * older tree is the one `kept` (a checkpoint the auditor kept, signed by
 * the same key) signs: same size, same root. Without that, the proof only
 * shows that *some* older tree is a prefix of the newest. */
int ts_proof_verify_against(const char *vkey, const char *proof, size_t len,
                            const char *kept, size_t kept_len,
                            ts_proof_result *out, ts_error *err);

#ifdef __cplusplus
}
#endif
#endif
