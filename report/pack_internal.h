/* Private helpers of the evidence pack (pack_*.c): files inside the pack
 * directory, read, written, hashed and listed without following links. */
#ifndef TS_PACK_INTERNAL_H
#define TS_PACK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sys/stat.h>

#include "common/common.h"
#include "trailseal/pack.h"

#define TS_PACK_PATH_MAX 4096
/* The two files the manifest does not list: itself and its signature. */
#define TS_PACK_MANIFEST "manifest.json"
#define TS_PACK_SIGNATURE "manifest.sig"
#define TS_PACK_CHECKPOINT "checkpoint.txt"
#define TS_PACK_RESULTS "results.json"
/* manifest.sig's first line is the store's origin plus this. */
#define TS_PACK_NOTE_SUFFIX "/pack"

/* "<dir>/<rel>" into buf; TS_ELIMIT when it does not fit. */
int ts_pack_path(char *buf, size_t size, const char *dir, const char *rel,
                 ts_error *err);

/* Creates directory `path` (mode 0755) unless it exists as a directory. */
int ts_pack_mkdir(const char *path, ts_error *err);

/* Opens a regular file for reading without following a final link: the
 * descriptor (the caller closes it), or an error code (< 0) with err set. */
int ts_pack_open_regular(const char *path, struct stat *st, ts_error *err);

/* Reads a whole regular file (not a link) of at most `cap` bytes,
 * NUL-terminated; *out is the caller's, released with free(). */
int ts_pack_read_file(const char *path, size_t cap, char **out, size_t *out_len,
                      ts_error *err);

/* Writes data to path, replacing it (through a temporary file and a
 * rename, so a reader never sees half a file). */
int ts_pack_write_file(const char *path, const void *data, size_t len,
                       ts_error *err);

/* Writes a file that must not exist yet (O_EXCL, no symlink followed), in
 * place: for the pack's many small files (proofs), where a temporary name
 * and a rename per file doubled the system calls. A failure leaves the
 * pack unsigned, so a partial file is never taken for a complete one. */
int ts_pack_create_file(const char *path, const void *data, size_t len,
                        ts_error *err);

/* SHA-256 and size of a regular file, read in pieces; refuses links. */
int ts_pack_hash_file(const char *path, uint8_t out[TS_SHA256_SIZE],
                      uint64_t *out_size, ts_error *err);

/* One file's SHA-256 and size from ts_pack_hash_files; rc is
 * ts_pack_hash_file's (hash it again alone for the message). */
typedef struct ts_pack_digest {
    uint8_t sha256[TS_SHA256_SIZE];
    uint64_t size;
    int rc;
} ts_pack_digest;

/* Hashes dir/rels[i] into out[i] for i < n, on two threads when there are
 * many files (a pack holds 100k+ proofs). */
void ts_pack_hash_files(const char *dir, const char *const *rels, size_t n,
                        ts_pack_digest *out);

/* Why dir/rel failed in ts_pack_hash_files (which keeps only the code): it
 * is hashed again, alone, for the message; when it now can be, it changed
 * while it was read. Always returns an error. */
int ts_pack_hash_failure(const char *dir, const char *rel, ts_error *err);

/* The records of a CSV file (RFC 4180: a line end inside quotes is part
 * of its field), the header included; refuses links. */
int ts_pack_csv_records(const char *path, uint64_t *out, ts_error *err);

/* Records the first problem of a verification: the verdict is negative,
 * file and problem say where and what. Returns 1, so callers stop. */
int ts_pack_finding(ts_pack_verdict *v, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One file manifest.json lists. */
typedef struct ts_pack_listed {
    char *path;
    uint64_t size;
    char sha256[2 * TS_SHA256_SIZE + 1]; /* lowercase hex */
} ts_pack_listed;

/* results.json's control (an object of its "controls" but its item
 * lists: the rows of its sampled items, 0 for one without, and the count
 * of its listed exceptions stand for them) against the pack in dir
 * (pack_results_check.c): every exception found is listed, up to the kept
 * limit; the population file (listed: its manifest entry, NULL when the
 * manifest has none) has population_sha256 and `population` rows; and a
 * sampled control's seed and sample are the ones period (the label)
 * gives. 0 when all hold, else 1 with the finding in v. */
int ts_pack_check_control(const char *dir, const char *period,
                          const json_t *control, const uint64_t *sampled_rows,
                          size_t n_sampled, size_t n_exceptions,
                          const ts_pack_listed *listed, ts_pack_verdict *v);

/* Every regular file under dir, as sorted relative paths ("a/b.csv"),
 * found without following links. A symlink, a special file or a name
 * with control characters or a backslash gives TS_EINVAL naming it (and
 * its relative path in bad, when not NULL, of size bad_size). *out (an
 * array of *out_n strings) is the caller's: ts_pack_list_free(). */
int ts_pack_list(const char *dir, char ***out, size_t *out_n, char *bad,
                 size_t bad_size, ts_error *err);
void ts_pack_list_free(char **list, size_t n);

/* 1 when rel is a plain relative path: no leading '/', no empty, "." or
 * ".." component, no control characters or backslash. */
int ts_pack_rel_valid(const char *rel);

#endif
