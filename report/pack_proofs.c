/* The pack's proofs: checkpoint.txt and one c2sp.org/tlog-proof@v1 file per
 * sampled or excepted entry, all against that one checkpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/pack_internal.h"
#include "trailseal/proof.h"

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* The checkpoint note a proof ends with: everything after its first blank
 * line (the proof lines never hold one). NULL when there is none. */
static const char *proof_note(const char *proof)
{
    const char *blank = strstr(proof, "\n\n");

    return blank ? blank + 2 : NULL;
}

static int write_one(ts_store *store, uint64_t index, const char *note,
                     const char *dir, ts_error *err)
{
    char rel[64], path[TS_PACK_PATH_MAX], *proof = NULL;
    const char *tail;
    int rc;

    snprintf(rel, sizeof(rel), "proofs/entry-%llu.proof",
             (unsigned long long)index);
    rc = ts_pack_path(path, sizeof(path), dir, rel, err);
    if (rc == 0)
        rc = ts_store_prove_inclusion(store, index, &proof, err);
    /* Each proof is made against the newest checkpoint at the time: one
     * sealed meanwhile would leave the pack with two. */
    if (rc == 0 && ((tail = proof_note(proof)) == NULL || strcmp(tail, note)))
        rc = ts_error_set(err, TS_ECORRUPT,
                          "entry %llu: the store signed a newer checkpoint "
                          "while the pack was written; write it again",
                          (unsigned long long)index);
    if (rc == 0)
        rc = ts_pack_create_file(path, proof, strlen(proof), err);
    if (rc != 0)
        ts_error_prefix(err, "%s: ", rel);
    free(proof);
    return rc;
}

int ts_pack_write_proofs(ts_store *store, const uint64_t *indexes, size_t n,
                         const char *dir, ts_error *err)
{
    char path[TS_PACK_PATH_MAX], *note = NULL;
    uint64_t *sorted = NULL;
    size_t bytes;
    int rc;

    if (ts_size_mul(n ? n : 1, sizeof(*sorted), &bytes) != 0)
        return ts_error_set(err, TS_ELIMIT, "too many entries to prove");
    sorted = malloc(bytes);
    if (sorted == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    if (n > 0)
        memcpy(sorted, indexes, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), compare_u64);
    rc = ts_store_checkpoint(store, &note, err);
    if (rc == 0)
        rc = ts_pack_path(path, sizeof(path), dir, TS_PACK_CHECKPOINT, err);
    if (rc == 0)
        rc = ts_pack_write_file(path, note, strlen(note), err);
    if (rc == 0)
        rc = ts_pack_path(path, sizeof(path), dir, "proofs", err);
    if (rc == 0)
        rc = ts_pack_mkdir(path, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (i == 0 || sorted[i] != sorted[i - 1])
            rc = write_one(store, sorted[i], note, dir, err);
    free(note);
    free(sorted);
    return rc;
}
