/* The store: sealed entries in a Merkle log with signed checkpoints, plus the
 * index. */
#ifndef TRAILSEAL_STORE_H
#define TRAILSEAL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/event.h"
#include "trailseal/source.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ts_store ts_store;

/* Creates a new store at `path` and its signing key at `<path>.key` (mode
 * 0600). Fails with TS_EEXIST when either exists. *out is the caller's,
 * released with ts_store_free(). */
int ts_store_create(ts_store **out, const char *path, ts_error *err);

/* The most entries a block may hold. A block's entries are gathered in one
 * buffer of at most 320 MB (4 of the largest entries), so 16384 leaves ~20
 * KB an entry on average. */
#define TS_STORE_MAX_BLOCK_ENTRIES 16384

typedef struct ts_store_create_options {
    /* Entries per block, fixed for the store's life: a power of two from 1
     * to TS_STORE_MAX_BLOCK_ENTRIES; 0 = the default, 4096. Bigger blocks
     * compress better; a proof or a sample unpacks a whole block. */
    uint32_t block_entries;
} ts_store_create_options;

/* ts_store_create with options (NULL = defaults). TS_EINVAL for a bad
 * block size. */
int ts_store_create_with(ts_store **out, const char *path,
                         const ts_store_create_options *opts, ts_error *err);

enum {
    TS_STORE_READONLY = 1 << 0, /* open without write access */
    TS_STORE_NO_KEY = 1 << 1 /* do not load the private key (read-only use) */
};

/* Opens an existing store. Unless TS_STORE_NO_KEY is given, loads the key
 * file `<path>.key` and refuses it (TS_EPERM) when group or others can read
 * it. *out is the caller's, released with ts_store_free(). */
int ts_store_open(ts_store **out, const char *path, unsigned flags,
                  ts_error *err);

/* Closes the store. Accepts NULL. */
void ts_store_free(ts_store *store);

/* The store's origin line (also the signing key's name), borrowed until
 * ts_store_free(). */
const char *ts_store_origin(const ts_store *store);

/* Writes the C2SP note verifier key "name+keyid+base64(0x01||pubkey)" into
 * buf. Returns TS_ELIMIT when buf is too small. */
int ts_store_verifier_key(const ts_store *store, char *buf, size_t size,
                          ts_error *err);

/* The key of the store's HMACs of records and values (trailseal/redact.h),
 * derived from its private key: TS_EINVAL when the key file is not
 * loaded. */
int ts_store_value_key(const ts_store *store, uint8_t out[32], ts_error *err);

/* Where a per-entry problem goes: the library never prints. `source` is the
 * source's name, `line` the entry's first line, `message` one line. */
typedef void (*ts_diag_fn)(void *ctx, const char *source, uint64_t line,
                           const char *message);

typedef struct ts_ingest_options {
    size_t batch_entries;           /* entries per commit; 0 = default */
    int64_t checkpoint_interval_us; /* longest time between commits; 0 = 60 s */
    ts_diag_fn diag;                /* may be NULL */
    void *diag_ctx;
    /* 1: read, seal and index on the caller's thread; 0: a second thread
     * reads and seals while the caller's indexes, when there are two CPUs
     * (2: even on one). Either way the store ends the same. */
    int threads;
} ts_ingest_options;

typedef struct ts_ingest_stats {
    uint64_t entries_sealed;  /* new entries sealed by this call */
    uint64_t entries_skipped; /* before the saved cursor: already sealed */
    uint64_t unparsed;  /* sealed entries whose event is TS_EVENT_UNPARSED */
    uint64_t commits;   /* transactions committed (each signs a checkpoint) */
    uint64_t tree_size; /* entries in the store afterwards */
    /* Commit latency: from the start of a batch's commit (its last entry
     * sealed) to its signed checkpoint committed with it, longest and
     * summed over this call's commits, µs of a monotonic clock. */
    int64_t commit_us_max;
    int64_t commit_us_total;
    /* Block rows written (complete blocks, and the open tail block at each
     * commit), and how many of them the indexing thread packed: on two
     * threads the sealing one leaves it a block's packing while it keeps
     * up, and packs blocks itself when it falls behind. */
    uint64_t blocks_written;
    uint64_t blocks_packed_by_indexer;
} ts_ingest_stats;

/* Seals every entry `src` produces after the cursor saved for its key,
 * indexes its event, and commits in batches: each commit stores the blocks,
 * the index rows, the source cursor and a signed checkpoint in one SQLite
 * transaction. Re-running on the same content seals nothing twice. */
int ts_store_ingest(ts_store *store, ts_source *src,
                    const ts_ingest_options *opts, ts_ingest_stats *out,
                    ts_error *err);

/* The newest signed checkpoint note (C2SP tlog-checkpoint). *out_note is
 * the caller's, released with free(). TS_ENOTFOUND when nothing is sealed. */
int ts_store_checkpoint(ts_store *store, char **out_note, ts_error *err);

/* Verdicts, from best to worst; a report gives the worst found. */
typedef enum ts_verdict {
    TS_VERDICT_INTACT = 0, /* every entry, block, root and signature checks */
    TS_VERDICT_ROLLED_BACK = 1, /* a kept checkpoint is newer than the store */
    TS_VERDICT_FORKED = 2,  /* a kept checkpoint, validly signed, disagrees */
    TS_VERDICT_TAMPERED = 3 /* the stored bytes do not match their hashes
                               or signatures */
} ts_verdict;

/* The stable name of a verdict: intact, rolled_back, forked, tampered. */
const char *ts_verdict_name(ts_verdict verdict);

#define TS_VERIFY_MAX_KEPT 64

typedef struct ts_verify_options {
    /* Checkpoints an auditor kept (C2SP note texts, as `trailseal
     * checkpoint` printed them) and their names for messages (may be NULL). */
    const char *const *checkpoints;
    const char *const *checkpoint_names;
    size_t n_checkpoints;
    /* The trusted verifier key (name+keyid+base64). NULL: the public half of
     * the key file when the store was opened with it, else the key recorded
     * in the store, which someone able to rewrite the store could replace. */
    const char *vkey;
} ts_verify_options;

typedef struct ts_verify_report {
    ts_verdict verdict;
    int anchored;     /* a kept checkpoint was found consistent */
    uint64_t entries; /* entries recomputed */
    uint64_t blocks;
    uint64_t checkpoints;    /* stored signed checkpoints checked */
    int64_t first_bad_entry; /* -1 when none or unknown */
    int64_t first_bad_block; /* -1 when none or unknown */
    /* The signed checkpoint a problem is measured against, by the tree size
     * it signs: one whose signature, row, root or size is wrong, or, when
     * the stored frontier is wrong, the newest, which the entries match.
     * -1 when none. */
    int64_t checkpoint;
    char key_id[9]; /* hex key id the signatures were checked with */
    char problem[TS_ERROR_MSG_SIZE]; /* the worst problem found, "" when intact
                                      */
    size_t n_kept;
    struct {
        uint64_t tree_size;
        int checked;       /* 0: verification stopped before its size */
        ts_verdict status; /* intact = consistent with the store */
    } kept[TS_VERIFY_MAX_KEPT];
} ts_verify_report;

/* Recomputes every entry, block and root from the stored bytes, checks
 * every stored checkpoint's signature and root, and checks each kept
 * checkpoint against the store: one of a size the store holds must sign
 * the same root (else forked); a larger one means the store was rolled
 * back. opts may be NULL. Returns 0 when verification ran (the verdict is
 * in *out); TS_EINVAL when the key or a kept checkpoint is unusable (not a
 * note signed by the trusted key, another store's origin, more than
 * TS_VERIFY_MAX_KEPT); other negative statuses when it could not run. */
int ts_store_verify(ts_store *store, const ts_verify_options *opts,
                    ts_verify_report *out, ts_error *err);

/* Opens `path` as one of the sources sealed in the store: with each
 * (format, settings) the store has sealed, `open` is tried until the
 * content's source key is a sealed source's. TS_ENOTFOUND when none is.
 * *out is the caller's. */
typedef int (*ts_source_opener)(void *ctx, const char *format,
                                const char *config, const char *path,
                                ts_source **out, ts_error *err);
int ts_store_open_sealed_source(ts_store *store, const char *path,
                                ts_source_opener open, void *ctx,
                                ts_source **out, ts_error *err);

/* What ts_store_verify_against found. */
typedef struct ts_against_report {
    uint64_t matched;         /* records equal to their sealed entry */
    uint64_t matched_by_hmac; /* of them, redacted entries proven by HMAC */
    uint64_t differ;          /* records unlike their sealed entry */
    uint64_t missing;         /* sealed entries past the file's end */
    uint64_t unsealed;        /* records after the last sealed one */
    uint64_t unchecked;       /* redacted entries: no key file to check them */
    uint64_t first_bad_line;  /* the first difference's line, 0 if none */
} ts_against_report;

/* Reads src (opened by ts_store_open_sealed_source) to its end and
 * compares each record with the entry sealed from it, in log order: bytes
 * equal, or for a redacted entry HMAC-SHA256(value key, record) equal to
 * its original_hmac (needs the key file, else counted unchecked). Each
 * difference goes to diag with the file's line. Does not check the chain
 * itself: ts_store_verify does. */
int ts_store_verify_against(ts_store *store, ts_source *src, ts_diag_fn diag,
                            void *diag_ctx, ts_against_report *out,
                            ts_error *err);

typedef struct ts_store_stats {
    uint64_t entries;
    uint64_t unparsed;
    uint64_t sessions;
    uint64_t checkpoints;
    uint64_t blocks;
    uint64_t sources;
    uint64_t events_by_kind[TS_EVENT_KIND_COUNT];
    uint64_t templates; /* distinct SQL templates indexed */
} ts_store_stats;

int ts_store_get_stats(ts_store *store, ts_store_stats *out, ts_error *err);

/* Completeness: what the sources' own numbering says about records missing
 * from what was ingested, and about logs continuing across files (rotation).
 * Facts, not tampering: the chain seals what was read, these say what the
 * sources show was never read. Derived from the index. */
typedef struct ts_completeness_fact {
    const char *kind;            /* gap, reordered, began_earlier, continued */
    const char *sequence;        /* session_line, pgaudit_statement_id; NULL for
                                    continued */
    const char *session_id;      /* NULL for continued */
    const char *source;          /* the source where it was found */
    const char *previous_source; /* the session's source before, or NULL */
    int64_t entry_index;         /* where it was found (continued: first) */
    int64_t previous_entry_index; /* -1 when none */
    int64_t expected;             /* the number that should have come, -1 */
    int64_t found; /* the number found; continued: sessions carried over */
} ts_completeness_fact;

typedef struct ts_completeness_summary {
    uint64_t gaps;
    uint64_t reordered;
    uint64_t began_earlier; /* sessions already under way in the first
                               records ingested */
    uint64_t continued;     /* source pairs one continues the other */
} ts_completeness_summary;

/* Counts every fact into *out, and calls fn (when not NULL) for the first
 * `limit` of them (0: all) in entry order, continuations last. The fact's
 * strings live until fn returns. fn returning non-zero stops the listing
 * (the counts are still complete). */
int ts_store_completeness(ts_store *store, size_t limit,
                          int (*fn)(const ts_completeness_fact *fact,
                                    void *ctx),
                          void *ctx, ts_completeness_summary *out,
                          ts_error *err);

#ifdef __cplusplus
}
#endif
#endif
