/* Redacting text: literals of SQL, values of parameter lists and error
 * details replaced by "?", and a field's redaction carried into the bytes
 * of the record that holds it however the log format escaped it. */
#ifndef TS_REDACT_TEXT_H
#define TS_REDACT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"
#include "trailseal/analyze.h"

/* sql with every string, bit-string and numeric literal replaced by "?"
 * (parameters $n and ? and TRUE/FALSE stay). Appends to out, which is
 * NUL-terminated after. */
int ts_redact_sql(ts_buf *out, const char *sql, size_t len,
                  ts_sql_dialect dialect, ts_error *err);

/* Called with the value of each literal ts_redact_sql() replaces, quotes
 * and escapes undone (as ts_sql_values_extract() gives it); the text is
 * valid during the call. Non-zero stops the walk and is returned. */
typedef int (*ts_redact_value_fn)(void *ctx, const char *value, size_t len,
                                  ts_error *err);

/* ts_redact_sql() into out (NULL: nothing written) that also hands each
 * literal's value to fn (NULL: none), in one reading of sql. */
int ts_redact_sql_values(ts_buf *out, const char *sql, size_t len,
                         ts_sql_dialect dialect, ts_redact_value_fn fn,
                         void *ctx, ts_error *err);

/* 1 when sql sets an audit or logging parameter (SET, ALTER SYSTEM /
 * ROLE / DATABASE ... SET of pgaudit.* or log_*): its value is evidence of
 * what was audited, not personal data, so it is kept. */
int ts_redact_keeps_sql(const char *sql);

/* A comma-separated list of values (pgAudit's parameter field, CSV) with
 * every value replaced by "?": "?,?,?". Appends to out, NUL-terminated. */
int ts_redact_values(ts_buf *out, const char *list, ts_error *err);

/* An error DETAIL line: "parameters: $1 = '...'" as SQL; the value lists of
 * "Key (...)=(...)" and "Failing row contains (...)" as "?"; anything else
 * unchanged. Appends to out, NUL-terminated. */
int ts_redact_detail(ts_buf *out, const char *detail, ts_error *err);

/* Replaces every occurrence in text of `orig` as a log format writes it by
 * `redacted` written the same way, into out (replacing out's contents).
 * The spellings tried, the first that occurs wins: as is; with " doubled
 * (CSV), once or twice; with a TAB after each newline (stderr continuation
 * lines), with or without " doubled; with MariaDB's backslash escapes; as
 * a JSON string's body (PostgreSQL's and Go's escapes, and CSV inside JSON);
 * in base64 (hoop.dev's session input).
 * *found is 1 when one occurred (out then holds the result), else 0 and out
 * is a copy of text. */
int ts_redact_replace(ts_buf *out, const uint8_t *text, size_t len,
                      const char *orig, const char *redacted, int *found,
                      ts_error *err);

/* The fallback when a statement's spelling is not in the record (syslog
 * split it over lines, say): where `prefix` (the statement's text before
 * its first literal, at least TS_REDACT_MIN_PREFIX bytes) occurs, the rest of
 * the record is redacted as SQL of `dialect`. *found is 0 when the prefix is
 * too short or not there (out is then a copy of text). */
#define TS_REDACT_MIN_PREFIX 4
int ts_redact_sql_tail(ts_buf *out, const uint8_t *text, size_t len,
                       const char *prefix, size_t prefix_len,
                       ts_sql_dialect dialect, int *found, ts_error *err);

#endif
