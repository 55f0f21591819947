/* trailseal prove: an inclusion or consistency proof against the newest
 * checkpoint. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] prove --index N\n"
    "       trailseal [--store PATH] prove --from-size M\n\n"
    "--index N prints a c2sp.org/tlog-proof@v1 proof that entry N is in the\n"
    "tree signed by the newest checkpoint; its 'extra' line is the base64 of\n"
    "the entry's CBOR bytes (schemas/entry.cddl). --from-size M prints a\n"
    "consistency proof (schemas/consistency-proof.md) that the tree of M\n"
    "entries is a prefix of the newest one. Check either with\n"
    "'trailseal verify-proof --vkey FILE PROOF' or by hand (docs/VERIFYING.md).\n";

static int parse_count(const char *text, uint64_t *out)
{
    char *end;

    if (*text < '0' || *text > '9')
        return -1;
    *out = strtoull(text, &end, 10);
    return *end == '\0' ? 0 : -1;
}

int cmd_prove(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"index", required_argument, NULL, 'i'},
        {"from-size", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    uint64_t index = 0, from = 0;
    int c, rc, have_index = 0, have_from = 0;
    ts_store *store;
    char *proof = NULL;
    ts_error err;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (parse_count(optarg, &index) != 0)
                return cli_usage_error(
                    usage, "--index: '%s' is not an entry index", optarg);
            have_index = 1;
            break;
        case 'f':
            if (parse_count(optarg, &from) != 0)
                return cli_usage_error(
                    usage, "--from-size: '%s' is not a tree size", optarg);
            have_from = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        default:
            return cli_usage_error(usage, "prove: bad option");
        }
    }
    if (optind != argc || have_index + have_from != 1)
        return cli_usage_error(
            usage, "prove needs exactly one of --index or --from-size");
    store = cli_open_store(cli, TS_STORE_READONLY | TS_STORE_NO_KEY);
    if (store == NULL)
        return TS_EXIT_USAGE;
    ts_error_clear(&err);
    rc = have_index ? ts_store_prove_inclusion(store, index, &proof, &err)
                    : ts_store_prove_consistency(store, from, &proof, &err);
    ts_store_free(store);
    if (rc != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    fputs(proof, stdout);
    free(proof);
    return TS_EXIT_OK;
}
