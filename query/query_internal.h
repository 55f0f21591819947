/* Private declarations of the query module. */
#ifndef TS_QUERY_INTERNAL_H
#define TS_QUERY_INTERNAL_H

#include <stddef.h>

#include "common/common.h"

/* Turns what a person typed into an FTS5 query: plain words become quoted
 * terms that must all appear; text using FTS5 syntax (quotes, *, ^, :, (),
 * AND/OR/NOT/NEAR) is passed through. Appends a NUL-terminated query to out. */
int ts_query_fts_text(const char *text, ts_buf *out, ts_error *err);

#endif
