/* Private helpers of the evidence pack (pack_*.c): files inside the pack
 * directory, read, written, hashed and listed without following links. */
#ifndef TS_PACK_INTERNAL_H
#define TS_PACK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

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
