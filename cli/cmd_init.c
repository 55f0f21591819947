/* trailseal init: create a store and its signing key. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] init [--block-entries N]\n\n"
    "Creates the store PATH and its Ed25519 signing key PATH.key (mode 0600),\n"
    "then prints the verifier key that auditors use to check checkpoints.\n"
    "Refuses when the store or the key file exists.\n\n"
    "  --block-entries N  entries per compressed block, fixed for the store's\n"
    "                     life: a power of two from 1 to 16384 (default 4096).\n"
    "                     Bigger blocks make a smaller chain; a proof unpacks\n"
    "                     one whole block.\n";

int cmd_init(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"block-entries", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    ts_store_create_options opts = {0};
    ts_store *store = NULL;
    char vkey[512];
    ts_error err;
    int c;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return TS_EXIT_OK;
        }
        if (c == 'b') {
            /* a power of two: checked by ts_store_create_with */
            uint64_t n;
            if (cli_parse_count("--block-entries", optarg,
                                TS_STORE_MAX_BLOCK_ENTRIES, &n) != 0)
                return TS_EXIT_USAGE;
            if (n == 0) /* the library's "default" */
                return cli_usage_error(usage,
                                       "--block-entries must be 1 or more");
            opts.block_entries = (uint32_t)n;
            continue;
        }
        return cli_usage_error(usage, "init: bad option");
    }
    if (optind != argc)
        return cli_usage_error(usage, "init takes no arguments");
    ts_error_clear(&err);
    if (ts_store_create_with(&store, cli->store_path, &opts, &err) != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    if (ts_store_verifier_key(store, vkey, sizeof(vkey), &err) != 0) {
        cli_error("%s", err.msg);
        ts_store_free(store);
        return TS_EXIT_USAGE;
    }
    fprintf(stderr, "created store '%s' and key '%s.key'\n", cli->store_path,
            cli->store_path);
    fprintf(stderr, "verifier key (give it to your auditor):\n");
    printf("%s\n", vkey);
    ts_store_free(store);
    return TS_EXIT_OK;
}
