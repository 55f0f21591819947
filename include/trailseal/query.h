/* Questions over the index: search access history. */
#ifndef TRAILSEAL_QUERY_H
#define TRAILSEAL_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/event.h"
#include "trailseal/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ts_search_query {
    const char *text;    /* full-text query over statements, objects, messages;
                            NULL = any */
    const char *account; /* exact account; NULL = any */
    const char *object; /* object name, exact or unqualified ("customers"); NULL
                           = any */
    const char *database;
    const char *session_id;
    int kind;         /* a ts_event_kind, or -1 for any */
    int64_t since_us; /* inclusive; INT64_MIN = open */
    int64_t until_us; /* exclusive; INT64_MAX = open */
    size_t limit;     /* 0 = 100 */
    size_t offset;
} ts_search_query;

/* Sets q to "everything": no filters, default limit. */
void ts_search_query_init(ts_search_query *q);

/* One result. Strings are borrowed until the callback returns; NULL when
 * the event does not say. */
typedef struct ts_search_row {
    uint64_t entry_index; /* prove it with `trailseal prove --index N` */
    int64_t time_us;
    ts_event_kind kind;
    const char *source; /* source name (path) */
    uint64_t line;
    const char *session_id;
    const char *account;
    const char *database;
    const char *application;
    const char *client_host;
    const char *command;
    const char *object_name;
    const char *statement;
    const char *message;
} ts_search_row;

/* Called for each row in time order; return nonzero to stop early. */
typedef int (*ts_search_fn)(void *ctx, const ts_search_row *row);

/* Runs q. A malformed full-text query is TS_EINVAL with a one-line message.
 * *out_n (may be NULL) receives the number of rows delivered. */
int ts_search(ts_store *store, const ts_search_query *q, ts_search_fn fn,
              void *ctx, size_t *out_n, ts_error *err);

#ifdef __cplusplus
}
#endif
#endif
