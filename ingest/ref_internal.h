/* Private declarations of the reference-data readers (ref_*.c): splitting
 * CSV and JSON files into records, and what each record means. */
#ifndef TS_REF_INTERNAL_H
#define TS_REF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest_internal.h"
#include "trailseal/reference.h"

/* Most bytes a reference file may hold: it is read whole. */
#define TS_REF_FILE_MAX ((size_t)64 << 20)
/* Most columns of a reference CSV file. */
#define TS_REF_CSV_MAX_FIELDS 64

/* ---- ref_csv.c: RFC 4180 records ---- */

/* The end of the CSV record starting at s[0]: just past the first newline
 * outside quotes, or len. *open_quote is set when the input ended inside
 * quotes (the record is then broken: the caller cuts it at its first
 * line). Never fails. */
size_t ts_ref_csv_record_end(const char *s, size_t len, int *open_quote);

/* Splits one record s[0, len) (its newline and a CR before it removed)
 * into at most max fields, unquoted into out (room for len + max bytes),
 * NUL-terminated; *n_out gets the count. Returns 0, or -1 with a static
 * one-line *reason (unterminated quote, text after a closing quote, quote
 * inside an unquoted field, too many fields). */
int ts_ref_csv_split(const char *s, size_t len, char *out, char **fields,
                     size_t max, size_t *n_out, const char **reason);

/* ---- ref_json.c: top-level JSON values ---- */

/* Where the JSON value starting at s[0] (not whitespace) ends. Returns 0
 * with *end just past it, or -1 when it does not end soundly (input ends
 * inside it, or a string holds a raw newline); *end is then where reading
 * can resume: the next line whose first non-blank byte is '{' at the
 * value's own column `col`, else len. */
int ts_ref_json_value_end(const char *s, size_t len, size_t col, size_t *end);

/* ---- ref_parse.c: what a record means ---- */

/* What a reader remembers between the records of one file (the CSV header,
 * names already listed). Embedded: init -> release. */
typedef struct ts_ref_parser {
    const char *dataset; /* identities | approvals | catalog (static) */
    int csv;
    int64_t snapshot_us;
    int have_header;
    char header_problem[160];       /* non-empty: the header cannot be used */
    int col[TS_REF_CSV_MAX_FIELDS]; /* header column -> field id, -1 none */
    size_t n_cols;
    ts_strmap names; /* identity names already listed */
    void *name_items;
    size_t name_items_size;
    ts_buf scratch;           /* the current record's strings */
    void *doc;                /* the current JSON document (json_t), owned */
    ts_ref_account *accounts; /* the current record's accounts */
    size_t accounts_size;
    char reason[TS_ERROR_MSG_SIZE];
    ts_ref_record rec;
} ts_ref_parser;

int ts_ref_parser_init(ts_ref_parser *p, const char *dataset, int csv,
                       int64_t snapshot_us, ts_error *err);
void ts_ref_parser_release(ts_ref_parser *p);

/* Gives ev (already initialised) the meaning of record s[0, len): kind
 * TS_EVENT_REFERENCE, or TS_EVENT_LOG for a header, blank line or
 * punctuation, or TS_EVENT_UNPARSED with a reason; ev->reference always
 * points at the parser's record. line is the record's, for messages.
 * Strings live until the next call.
 * Returns 0, or TS_ENOMEM. */
int ts_ref_parse(ts_ref_parser *p, const char *s, size_t len, uint64_t line,
                 ts_event *ev, ts_error *err);

/* ---- ref_collect_pg.c ---- */

/* Runs the catalog queries on a live PostgreSQL and writes the snapshot as
 * JSON lines into out (header first). *out_name gets "host:port/db"
 * (malloc'd, the caller frees). TS_EIO on connection or query failure. */
int ts_ref_collect_pg(const char *dsn, int64_t now_us, ts_buf *out,
                      char **out_name, ts_error *err);

#endif
