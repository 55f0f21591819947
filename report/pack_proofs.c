/* The pack's proofs: checkpoint.txt and one c2sp.org/tlog-proof@v1 file per
 * sampled or excepted entry, all against that one checkpoint. A proof costs
 * its block's leaf hashes (the block decompressed and its entries hashed)
 * and a file: with many, the entries are split in two at a block boundary
 * and a second thread, with its own connection to the store, writes the
 * later half. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/pack_internal.h"
#include "store/store_internal.h"
#include "trailseal/proof.h"

/* Below this many proofs a second connection and thread cost more than
 * they save. */
#define PROOFS_PER_THREAD_MIN 4096

/* Creating files in one directory is serialised by the kernel, and two
 * threads contending for it spin on its lock: they take turns here
 * instead, sleeping, while the other one hashes. */
static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int write_one(ts_store *store, uint64_t index, const char *note,
                     const char *dir, ts_error *err)
{
    char rel[64], path[TS_PACK_PATH_MAX], *proof = NULL;
    int rc;

    snprintf(rel, sizeof(rel), "proofs/entry-%llu.proof",
             (unsigned long long)index);
    rc = ts_pack_path(path, sizeof(path), dir, rel, err);
    /* against the pack's checkpoint, not the newest: a checkpoint the
     * store signs meanwhile leaves the pack with one all the same */
    if (rc == 0)
        rc = ts_store_prove_inclusion_in(store, index, note, &proof, err);
    if (rc == 0) {
        pthread_mutex_lock(&create_lock);
        rc = ts_pack_create_file(path, proof, strlen(proof), err);
        pthread_mutex_unlock(&create_lock);
    }
    if (rc != 0)
        ts_error_prefix(err, "%s: ", rel);
    free(proof);
    return rc;
}

/* Writes the proofs of indexes[0..n), sorted and distinct. */
static int write_range(ts_store *store, const uint64_t *indexes, size_t n,
                       const char *note, const char *dir, ts_error *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = write_one(store, indexes[i], note, dir, err);
    return rc;
}

typedef struct proof_job {
    const char *store_path;
    const uint64_t *indexes;
    size_t n;
    const char *note, *dir;
    int rc;
    ts_error err;
} proof_job;

static void *run_job(void *arg)
{
    proof_job *job = arg;
    ts_store *store = NULL;

    job->rc = ts_store_open(&store, job->store_path,
                            TS_STORE_READONLY | TS_STORE_NO_KEY, &job->err);
    if (job->rc == 0)
        job->rc = write_range(store, job->indexes, job->n, job->note, job->dir,
                              &job->err);
    ts_store_free(store);
    return NULL;
}

/* A proof's cost, in microseconds at 10M entries: its file and text, and
 * for the first proof in a block that block's leaf hashes (it is
 * decompressed and its entries hashed: BLOCK_COST per 1,024 of them). */
#define PROOF_COST UINT64_C(40)
#define BLOCK_COST UINT64_C(1500)

static uint64_t proof_cost(const uint64_t *indexes, size_t i,
                           uint64_t block_entries)
{
    int first_in_block =
        i == 0 || indexes[i] / block_entries != indexes[i - 1] / block_entries;

    return PROOF_COST +
           (first_in_block ? BLOCK_COST * block_entries / 1024 : 0);
}

/* Where the later half starts: where half the cost is spent, moved on to
 * the first entry of a block, so no block is hashed by both threads. The
 * proofs are seldom spread evenly (a capped list of exceptions crowds the
 * start of the period), so halving their count would leave one thread
 * most of the blocks. n when no split pays. */
static size_t split_point(const uint64_t *indexes, size_t n,
                          uint64_t block_entries)
{
    uint64_t total = 0, spent = 0;
    size_t mid = 0;

    if (n < 2 * PROOFS_PER_THREAD_MIN)
        return n;
    for (size_t i = 0; i < n; i++)
        total += proof_cost(indexes, i, block_entries);
    while (mid < n && spent < total / 2)
        spent += proof_cost(indexes, mid++, block_entries);
    while (mid > 0 && mid < n &&
           indexes[mid] / block_entries == indexes[mid - 1] / block_entries)
        mid++;
    return mid == 0 ? n : mid;
}

static int write_all(ts_store *store, const uint64_t *indexes, size_t n,
                     const char *note, const char *dir, ts_error *err)
{
    size_t mid = split_point(indexes, n, store->block_entries);
    proof_job job;
    pthread_t thread;
    int rc;

    if (mid == n)
        return write_range(store, indexes, n, note, dir, err);
    memset(&job, 0, sizeof(job));
    job.store_path = ts_store_path(store);
    job.indexes = indexes + mid;
    job.n = n - mid;
    job.note = note;
    job.dir = dir;
    if (pthread_create(&thread, NULL, run_job, &job) != 0)
        return write_range(store, indexes, n, note, dir, err);
    rc = write_range(store, indexes, mid, note, dir, err);
    pthread_join(thread, NULL);
    if (rc == 0 && job.rc != 0) {
        *err = job.err;
        rc = job.rc;
    }
    return rc;
}

int ts_pack_write_proofs(ts_store *store, const uint64_t *indexes, size_t n,
                         const char *dir, ts_error *err)
{
    return ts_pack_write_proofs_at(store, NULL, indexes, n, dir, err);
}

int ts_pack_write_proofs_at(ts_store *store, const char *checkpoint,
                            const uint64_t *indexes, size_t n, const char *dir,
                            ts_error *err)
{
    char path[TS_PACK_PATH_MAX], *note = NULL;
    uint64_t *sorted = NULL;
    size_t bytes, n_distinct = 0;
    int rc;

    if (ts_size_mul(n ? n : 1, sizeof(*sorted), &bytes) != 0)
        return ts_error_set(err, TS_ELIMIT, "too many entries to prove");
    sorted = malloc(bytes);
    if (sorted == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    if (n > 0)
        memcpy(sorted, indexes, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), compare_u64);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || sorted[i] != sorted[n_distinct - 1])
            sorted[n_distinct++] = sorted[i];
    if (checkpoint == NULL)
        rc = ts_store_checkpoint(store, &note, err);
    else if ((note = strdup(checkpoint)) == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    else
        rc = 0;
    if (rc == 0)
        rc = ts_pack_path(path, sizeof(path), dir, TS_PACK_CHECKPOINT, err);
    if (rc == 0)
        rc = ts_pack_write_file(path, note, strlen(note), err);
    if (rc == 0)
        rc = ts_pack_path(path, sizeof(path), dir, "proofs", err);
    if (rc == 0)
        rc = ts_pack_mkdir(path, err);
    if (rc == 0)
        rc = write_all(store, sorted, n_distinct, note, dir, err);
    free(note);
    free(sorted);
    return rc;
}
