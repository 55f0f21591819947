/* The signed evidence pack around the workbook: inclusion proofs for the
 * sampled items and exceptions, OSCAL assessment results, and a manifest of
 * every file signed with the store key; and its offline verification. */
#ifndef TRAILSEAL_PACK_H
#define TRAILSEAL_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest file a pack may hold (a population CSV can be big). */
#define TS_PACK_MAX_FILE ((size_t)1 << 32)
/* Most files a manifest may list. */
#define TS_PACK_MAX_FILES 1000000

/* Writes <dir>/checkpoint.txt (the store's newest signed checkpoint) and,
 * for each distinct index of `indexes` (duplicates are written once),
 * <dir>/proofs/entry-<index>.proof: the c2sp.org/tlog-proof@v1 text that
 * `trailseal prove --index N` prints, every one against that same
 * checkpoint, even when the store signs newer ones meanwhile. `dir` must
 * exist; proofs/ is created. TS_ENOTFOUND when an index is past the
 * checkpoint. */
int ts_pack_write_proofs(ts_store *store, const uint64_t *indexes, size_t n,
                         const char *dir, ts_error *err);
/* As ts_pack_write_proofs(), against `checkpoint`, a checkpoint note this
 * store signed (NULL: the newest), written as checkpoint.txt: the report
 * passes the one its populations were read at, so the pack has one
 * checkpoint even when an ingest signs newer ones meanwhile. TS_ECORRUPT
 * when the note is not of this store's tree. */
int ts_pack_write_proofs_at(ts_store *store, const char *checkpoint,
                            const uint64_t *indexes, size_t n, const char *dir,
                            ts_error *err);

/* Reads <dir>/results.json (the report's machine-readable results, shape in
 * schemas/pack.md) and writes <dir>/oscal/assessment-results.json
 * and the minimal <dir>/oscal/assessment-plan.json it imports (OSCAL
 * 1.0.4). The output depends only on results.json: UUIDs are name-based
 * (version 5) from its content, so the same results give the same bytes.
 * TS_EINVAL when results.json does not have the documented shape. */
int ts_pack_write_oscal(const char *dir, ts_error *err);

/* Writes <dir>/manifest.json (every other file under dir: sorted relative
 * path, size, SHA-256) and <dir>/manifest.sig, a C2SP signed note by the
 * store key whose body is "<origin>/pack\nsha256 <hex of manifest.json>\n".
 * Needs the store's private key. Refuses (TS_EINVAL) symlinks, special
 * files and names that are not plain relative paths. Call it last. */
int ts_pack_sign_manifest(ts_store *store, const char *dir, ts_error *err);

typedef struct ts_pack_verdict {
    int ok;             /* 1 when every check passed */
    size_t n_files;     /* files the manifest lists */
    size_t n_proofs;    /* proofs checked against checkpoint.txt */
    char origin[128];   /* the checkpoint's origin (the store) */
    uint64_t tree_size; /* the checkpoint's tree size */
    char file[512];     /* the first file found wrong, relative to dir */
    char problem[TS_ERROR_MSG_SIZE]; /* what is wrong with it */
} ts_pack_verdict;

/* Checks a pack with nothing but the store's verifier key text
 * (name+keyid+base64): manifest.sig's signature and that it commits to
 * manifest.json; every listed file's size and SHA-256, and that no file is
 * unlisted; checkpoint.txt's signature and origin; and every proof under
 * proofs/ against checkpoint.txt. Stops at the first problem. Returns 0
 * when the check ran (the verdict is out->ok), TS_EINVAL when the key is
 * unusable, TS_EIO when dir cannot be read. */
int ts_pack_verify(const char *dir, const char *vkey, ts_pack_verdict *out,
                   ts_error *err);

#ifdef __cplusplus
}
#endif
#endif
