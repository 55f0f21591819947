/* Text from the store as JSON values. Names and statements come from logs
 * an attacker may write to, so they can hold any bytes; jansson refuses a
 * string that is not valid UTF-8 (json_string gives NULL, and a NULL added
 * to an object or array is silently dropped). */
#ifndef TS_JSON_TEXT_H
#define TS_JSON_TEXT_H

#include <jansson.h>

/* text as a JSON string, each byte that starts no valid UTF-8 sequence as
 * U+FFFD (as the workbook and the query commands show it); json_null()
 * for NULL. NULL only when out of memory. */
json_t *ts_json_text(const char *text);

/* text as a JSON string when it is valid UTF-8, else the object
 * {"hex": "<its bytes in hex>"} so the exact bytes survive (for values an
 * auditor binds again); json_null() for NULL. NULL only when out of
 * memory. */
json_t *ts_json_exact_text(const char *text);

#endif
