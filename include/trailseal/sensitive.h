/* Sensitive-value detectors: which data classes (email, US SSN, card
 * number...) a literal or parameter value matches. The rules of each class
 * are documented in docs/DATA-CLASSES.md. */
#ifndef TRAILSEAL_SENSITIVE_H
#define TRAILSEAL_SENSITIVE_H

#include <stddef.h>

#include "trailseal/analyze.h"
#include "trailseal/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The data classes a value can match, as bits of a mask. */
typedef enum ts_sensitive_class {
    TS_SENSITIVE_EMAIL = 1u << 0,         /* "email" */
    TS_SENSITIVE_US_SSN = 1u << 1,        /* "us_ssn" */
    TS_SENSITIVE_CARD_NUMBER = 1u << 2,   /* "card_number" */
    TS_SENSITIVE_IBAN = 1u << 3,          /* "iban" */
    TS_SENSITIVE_PHONE = 1u << 4,         /* "phone" */
    TS_SENSITIVE_JWT = 1u << 5,           /* "jwt" */
    TS_SENSITIVE_API_KEY = 1u << 6,       /* "api_key" */
    TS_SENSITIVE_PRIVATE_KEY = 1u << 7,   /* "private_key" */
    TS_SENSITIVE_PASSWORD_HASH = 1u << 8, /* "password_hash" */
    TS_SENSITIVE_LAST = TS_SENSITIVE_PASSWORD_HASH
} ts_sensitive_class;

/* Every class bit: iterate with `for (bit = 1; bit <= TS_SENSITIVE_LAST;
 * bit <<= 1)`. */
#define TS_SENSITIVE_ALL ((unsigned)(TS_SENSITIVE_LAST << 1) - 1u)

/* The name of one class bit ("email", "us_ssn"...), NULL for anything that
 * is not exactly one known bit. */
const char *ts_sensitive_class_name(unsigned one_class);

/* The classes (a mask of ts_sensitive_class bits, 0 for none) that the value
 * text[0..len) matches. Never fails; any bytes, any length. Whole-value
 * classes (us_ssn, card_number, iban, phone, password_hash) need the value,
 * less surrounding whitespace, to be exactly one such item; the others
 * (email, jwt, api_key, private_key) are also found inside longer text. */
unsigned ts_sensitive_detect(const char *text, size_t len);

/* One literal of a statement that matched at least one class. */
typedef struct ts_sensitive_value {
    size_t index;     /* its place among the statement's literals and
                         parameters, from 0: the template shows it as
                         $(index + 1) */
    size_t offset;    /* where its token starts in the statement */
    size_t len;       /* its token's length */
    unsigned classes; /* ts_sensitive_class bits, never 0 */
} ts_sensitive_value;

/* The literals of one statement that matched a class, in statement order. */
typedef struct ts_sensitive_values {
    ts_sensitive_value *items;
    size_t n_items;
} ts_sensitive_values;

/* Runs ts_sensitive_detect on every string and number literal of sql (as
 * ts_sql_values_extract finds them; parameters have no value in the text
 * and are skipped). *out (OUT) is the caller's to free with
 * ts_sensitive_values_free, and has n_items == 0 when nothing matched.
 * Returns 0, TS_ELIMIT (sql longer than TS_SQL_MAX_LEN) or TS_ENOMEM. */
int ts_sensitive_scan_sql(ts_sensitive_values **out, const char *sql,
                          size_t len, ts_sql_dialect dialect, ts_error *err);
void ts_sensitive_values_free(ts_sensitive_values *values);

/* The classes (ts_sensitive_class bits) of the string and number literals
 * of sql, each checked with ts_sensitive_detect on its body as written
 * (quotes off, escapes kept); 0 for NULL or sql longer than TS_SQL_MAX_LEN.
 * Never fails and never allocates. */
unsigned ts_sensitive_statement_mask(const char *sql, size_t len,
                                     ts_sql_dialect dialect);

/* The classes of bind parameters as pgAudit logs them: one CSV record,
 * each field checked with ts_sensitive_detect. 0 for NULL. */
unsigned ts_sensitive_parameter_mask(const char *parameter);

/* Most classes one event can have: one per ts_sensitive_class bit. */
#define TS_SENSITIVE_N_CLASSES 9

/* The classes of one event's values (its PostgreSQL statement's literals
 * and its bind parameters; either may be NULL) as names
 * (ts_sensitive_class_name, static strings) in bit order: writes at most
 * max of them into names and returns how many. */
size_t ts_sensitive_event_classes(const char *statement, const char *parameter,
                                  const char **names, size_t max);

#ifdef __cplusplus
}
#endif
#endif
