/* trailseal load: seal and index reference data (identities, approvals,
 * catalog snapshots). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] load identities|approvals|catalog\n"
    "                 [--json] [--strict] [--max-diagnostics N] FILE\n\n"
    "Seals every record of FILE ('-' reads standard input) as an entry and\n"
    "indexes what it says (schemas/reference.md): identities (people, AI\n"
    "agents and services with their database accounts), change approvals,\n"
    "or a catalog snapshot (roles, memberships, grants, columns). CSV or\n"
    "JSON is recognised from the content (catalog: JSON only). Each load of\n"
    "identities or a catalog is a snapshot taken now; approvals accumulate.\n"
    "Loading the same content again seals nothing. Records that cannot be\n"
    "parsed are still sealed, counted, and reported on stderr as\n"
    "FILE:LINE: reason.\n\n"
    "  --json                 print a JSON summary object\n"
    "  --strict               exit 1 when a record could not be parsed\n"
    "  --max-diagnostics N    report at most N unparsed records (default 100)\n";

typedef struct diag_ctx {
    unsigned long max;
    unsigned long shown;
} diag_ctx;

static void print_diag(void *ctx, const char *source, uint64_t line,
                       const char *message)
{
    diag_ctx *d = ctx;

    if (d->shown < d->max)
        fprintf(stderr, "%s:%" PRIu64 ": %s\n", source, line, message);
    d->shown++;
}

/* Seals src (which it frees) and prints the summary; shared with collect. */
int cli_seal_reference(ts_store *store, ts_source *src, const char *what,
                       unsigned long max_diag, int json, int strict)
{
    ts_ingest_options opts;
    ts_ingest_stats st;
    diag_ctx diag = {max_diag, 0};
    ts_error err;
    int rc;

    ts_error_clear(&err);
    memset(&opts, 0, sizeof(opts));
    opts.diag = print_diag;
    opts.diag_ctx = &diag;
    rc = ts_store_ingest(store, src, &opts, &st, &err);
    if (diag.shown > diag.max)
        fprintf(stderr,
                "%s: %lu more unparsed records not shown "
                "(trailseal search --kind unparsed lists them)\n",
                src->name, diag.shown - diag.max);
    if (rc != 0) {
        cli_error("%s", err.msg);
        ts_source_free(src);
        return TS_EXIT_USAGE;
    }
    if (json) {
        printf("{\"file\":");
        cli_json_string(stdout, src->name);
        printf(",\"data\":");
        cli_json_string(stdout, what);
        printf(",\"format\":");
        cli_json_string(stdout, src->format);
        printf(",\"sealed\":%" PRIu64 ",\"unparsed\":%" PRIu64
               ",\"already_sealed\":%" PRIu64 ",\"tree_size\":%" PRIu64 "}\n",
               st.entries_sealed, st.unparsed, st.entries_skipped,
               st.tree_size);
    } else if (st.entries_sealed == 0 && st.entries_skipped > 0) {
        printf("%s: this content was loaded before: nothing sealed "
               "(%" PRIu64 " entries already sealed)\n",
               src->name, st.entries_skipped);
    } else {
        printf("%s: %s (%s): sealed %" PRIu64 " entries (%" PRIu64
               " unparsed); store holds %" PRIu64 " entries\n",
               src->name, what, src->format, st.entries_sealed, st.unparsed,
               st.tree_size);
    }
    ts_source_free(src);
    return strict && st.unparsed > 0 ? TS_EXIT_NEGATIVE : TS_EXIT_OK;
}

int cmd_load(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"json", no_argument, NULL, 'j'},
        {"strict", no_argument, NULL, 's'},
        {"max-diagnostics", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    unsigned long max_diag = 100;
    int c, json = 0, strict = 0, status;
    ts_source *src = NULL;
    ts_store *store;
    ts_error err;
    char *end;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 's':
            strict = 1;
            break;
        case 'm':
            max_diag = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0')
                return cli_usage_error(
                    usage, "--max-diagnostics: '%s' is not a number", optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        default:
            return cli_usage_error(usage, "load: bad option");
        }
    }
    if (argc - optind != 2)
        return cli_usage_error(usage, "load needs what to load "
                                      "(identities, approvals or catalog) "
                                      "and one FILE ('-' for stdin)");
    if (strcmp(argv[optind], "identities") != 0 &&
        strcmp(argv[optind], "approvals") != 0 &&
        strcmp(argv[optind], "catalog") != 0)
        return cli_usage_error(usage,
                               "load: '%s' is not identities, approvals or "
                               "catalog",
                               argv[optind]);
    ts_error_clear(&err);
    if (ts_reference_open_file(&src, argv[optind], argv[optind + 1], &err) !=
        0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    store = cli_open_store(cli, 0);
    if (store == NULL) {
        ts_source_free(src);
        return TS_EXIT_USAGE;
    }
    status =
        cli_seal_reference(store, src, argv[optind], max_diag, json, strict);
    ts_store_free(store);
    return status;
}
