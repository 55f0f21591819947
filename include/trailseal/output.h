/* Writing rows of query results as an aligned table, JSON lines or CSV. */
#ifndef TRAILSEAL_OUTPUT_H
#define TRAILSEAL_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "trailseal/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ts_format {
    TS_FORMAT_TABLE = 0, /* a header line, then one padded line per row */
    TS_FORMAT_JSON = 1,  /* one JSON object per line, no header */
    TS_FORMAT_CSV = 2    /* RFC 4180: a header record, CRLF line ends */
} ts_format;

typedef struct ts_column {
    const char *name;  /* JSON key and CSV header */
    const char *title; /* table header; NULL = name */
    int width;         /* table width; 0 = the rest of the line (last) */
    int is_number;     /* JSON writes it unquoted (the text must be a number) */
} ts_column;

typedef struct ts_writer ts_writer;

/* Starts writing rows of n_cols columns to out (the caller's, not closed);
 * the table and CSV headers are written with the first row, or by
 * ts_writer_end() when there is none, so a query that fails early leaves
 * out untouched. cols must outlive the writer.
 * *w is the caller's, freed with ts_writer_free(). */
int ts_writer_new(ts_writer **w, FILE *out, ts_format format,
                  const ts_column *cols, size_t n_cols, ts_error *err);

/* Writes one row: values[i] is column i's text, NULL when unknown (JSON
 * null, an empty CSV field, "-" in a table). Tables put each value on one
 * line (control characters become spaces) and end a cut value with '~';
 * JSON replaces bytes that are not UTF-8 with U+FFFD. */
void ts_writer_row(ts_writer *w, const char *const *values);

/* Ends the output: writes the header if no row did, and flushes out. */
void ts_writer_end(ts_writer *w);

/* Frees the writer (not the stream). Accepts NULL. */
void ts_writer_free(ts_writer *w);

/* Writes s as a JSON string with its quotes (NULL as null), escaping
 * quotes, backslashes and control characters, and replacing invalid UTF-8
 * with U+FFFD. */
void ts_write_json_string(FILE *out, const char *s);

/* Writes s as one RFC 4180 field: quoted (inner quotes doubled) when it
 * holds a comma, quote, CR or LF; NULL as an empty field. */
void ts_write_csv_field(FILE *out, const char *s);

#ifdef __cplusplus
}
#endif
#endif
