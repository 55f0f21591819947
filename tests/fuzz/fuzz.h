/* Helpers shared by the fuzz targets (tests/fuzz/README.md). */
#ifndef TS_FUZZ_H
#define TS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/source.h"

/* libFuzzer's entry point: every target defines it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property failed: prints what to stderr and aborts, which libFuzzer and
 * the replay runner both report as a crash of this input. */
void ts_fuzz_fail(const char *what) __attribute__((noreturn));

/* Opens a reader over a descriptor it then owns: a wrapper around one of
 * the ts_*_open_fd functions. */
typedef int (*ts_fuzz_open_fn)(ts_source **out, int fd, const void *ctx,
                               ts_error *err);

/* Hands data[0, size) to a reader through an in-memory file and reads every
 * entry, checking what every reader promises: entries follow each other
 * without gaps from offset 0, each record is exactly its bytes of the
 * input, and together they are the whole input (nothing lost). Input that
 * starts with a gzip or zstd magic number is decompressed by the reader, so
 * only the reading itself is checked then. */
void ts_fuzz_read_all(const uint8_t *data, size_t size, ts_fuzz_open_fn open,
                      const void *ctx);

/* data[0, size) as a NUL-terminated string in a fresh allocation (embedded
 * NULs kept); the caller frees it. Aborts when out of memory. */
char *ts_fuzz_strndup(const uint8_t *data, size_t size);

/* Splits data at its first '\n': *head is data[0, i), *rest what follows.
 * Without a newline, head is everything and rest is empty. */
void ts_fuzz_split_line(const uint8_t *data, size_t size, const uint8_t **head,
                        size_t *head_len, const uint8_t **rest,
                        size_t *rest_len);

#endif
