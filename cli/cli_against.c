/* verify --against FILE: an original log file proven equal to what was
 * sealed from it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Differences printed in full; the rest are counted. */
#define AGAINST_LISTED 20

typedef struct listed {
    unsigned long shown;
} listed;

static void print_difference(void *ctx, const char *source, uint64_t line,
                             const char *message)
{
    listed *l = ctx;

    if (l->shown++ < AGAINST_LISTED)
        fprintf(stderr, "%s:%" PRIu64 ": %s\n", source, line, message);
}

static int open_complete(void *ctx, const char *format, const char *config,
                         const char *path, ts_source **out, ts_error *err)
{
    (void)ctx;
    /* the whole file, a last unterminated line included */
    return ts_source_open_file_flags(out, format, config, path, 0, err);
}

int cli_verify_against(const ts_cli *cli, const char *path, int json)
{
    ts_against_report r;
    ts_source *src = NULL;
    ts_store *store = NULL;
    listed l = {0};
    ts_error err;
    int rc;

    ts_error_clear(&err);
    /* with the key file when there is one: redacted entries are checked by
     * the HMAC under its value key */
    rc = ts_store_open(&store, cli->store_path, TS_STORE_READONLY, &err);
    if (rc != 0) {
        ts_error_clear(&err);
        rc = ts_store_open(&store, cli->store_path,
                           TS_STORE_READONLY | TS_STORE_NO_KEY, &err);
    }
    if (rc == 0)
        rc = ts_store_open_sealed_source(store, path, open_complete, NULL, &src,
                                         &err);
    if (rc == 0)
        rc =
            ts_store_verify_against(store, src, print_difference, &l, &r, &err);
    ts_source_free(src);
    ts_store_free(store);
    if (rc != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    if (l.shown > AGAINST_LISTED)
        fprintf(stderr, "%s: %lu more differences not shown\n", path,
                l.shown - AGAINST_LISTED);
    if (json) {
        printf("{\"against\":");
        cli_json_string(stdout, path);
        printf(",\"matched\":%" PRIu64 ",\"matched_by_hmac\":%" PRIu64
               ",\"differ\":%" PRIu64 ",\"missing\":%" PRIu64
               ",\"unsealed\":%" PRIu64 ",\"unchecked\":%" PRIu64 "}\n",
               r.matched, r.matched_by_hmac, r.differ, r.missing, r.unsealed,
               r.unchecked);
    } else {
        printf("against '%s': %s: %" PRIu64
               " records match what was sealed (%" PRIu64
               " of them redacted, proven by HMAC), %" PRIu64
               " differ, %" PRIu64 " sealed but missing from the file, %" PRIu64
               " not sealed yet (after the last sealed record)",
               path, r.differ || r.missing ? "DIFFERS" : "matches", r.matched,
               r.matched_by_hmac, r.differ, r.missing, r.unsealed);
        if (r.unchecked > 0)
            printf(", %" PRIu64 " redacted records unchecked (no key file)",
                   r.unchecked);
        printf("\n");
    }
    if (r.differ > 0 || r.missing > 0)
        return TS_EXIT_NEGATIVE;
    return r.unchecked > 0 ? TS_EXIT_USAGE : TS_EXIT_OK;
}
