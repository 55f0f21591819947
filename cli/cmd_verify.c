/* trailseal verify: recompute and check the whole chain. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] verify [--json]\n\n"
    "Recomputes every entry's leaf hash, every block's root and the tree's\n"
    "root at every checkpoint from the stored bytes, and checks every\n"
    "checkpoint's Ed25519 signature.\n\n"
    "  --json   one JSON object\n\n"
    "Exit status: 0 intact, 1 tampered, 2 could not verify.\n";

static const char *verdict_name(ts_verdict v)
{
    return v == TS_VERDICT_INTACT ? "intact" : "tampered";
}

int cmd_verify(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {{"json", no_argument, NULL, 'j'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ts_verify_report r;
    ts_store *store;
    ts_error err;
    int c, json = 0, rc;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return TS_EXIT_OK;
        }
        if (c == 'j') {
            json = 1;
            continue;
        }
        return cli_usage_error(usage, "verify: bad option");
    }
    if (optind != argc)
        return cli_usage_error(usage, "verify takes no arguments");
    /* Verification needs no private key: it checks with the public one. */
    store = cli_open_store(cli, TS_STORE_READONLY | TS_STORE_NO_KEY);
    if (store == NULL)
        return TS_EXIT_USAGE;
    ts_error_clear(&err);
    rc = ts_store_verify(store, &r, &err);
    ts_store_free(store);
    if (rc != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    if (json) {
        printf("{\"verdict\":\"%s\",\"entries\":%" PRIu64 ",\"blocks\":%" PRIu64
               ",\"checkpoints\":%" PRIu64
               ",\"key_id\":\"%s\",\"first_bad_entry\":",
               verdict_name(r.verdict), r.entries, r.blocks, r.checkpoints,
               r.key_id);
        if (r.first_bad_entry < 0)
            printf("null");
        else
            printf("%" PRId64, r.first_bad_entry);
        printf(",\"first_bad_block\":");
        if (r.first_bad_block < 0)
            printf("null");
        else
            printf("%" PRId64, r.first_bad_block);
        printf(",\"problem\":");
        cli_json_string(stdout,
                        r.verdict == TS_VERDICT_INTACT ? NULL : r.problem);
        printf("}\n");
    } else if (r.verdict == TS_VERDICT_INTACT) {
        printf("intact: %" PRIu64 " entries in %" PRIu64 " blocks, %" PRIu64
               " signed checkpoints (key %s)\n",
               r.entries, r.blocks, r.checkpoints, r.key_id);
    } else {
        printf("TAMPERED: %s\n", r.problem);
        if (r.first_bad_block >= 0)
            printf("first bad block: %" PRId64 "\n", r.first_bad_block);
        if (r.first_bad_entry >= 0)
            printf("first bad entry: %" PRId64 "\n", r.first_bad_entry);
    }
    return r.verdict == TS_VERDICT_INTACT ? TS_EXIT_OK : TS_EXIT_NEGATIVE;
}
