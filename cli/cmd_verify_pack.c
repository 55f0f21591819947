/* trailseal verify-pack: check an evidence pack with only the public key. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal verify-pack --vkey FILE [--json] DIR\n\n"
    "Checks the evidence pack in DIR (written by 'trailseal report') with\n"
    "nothing but the store's verifier key in FILE (as printed by 'trailseal\n"
    "key'): manifest.sig's signature over manifest.json, every listed file's\n"
    "size and SHA-256, that no file is unlisted, checkpoint.txt's signature,\n"
    "and every proof in proofs/ against checkpoint.txt. Needs no store.\n\n"
    "Exit status: 0 intact, 1 tampered (the file and what is wrong are\n"
    "printed), 2 unusable input.\n";

int cmd_verify_pack(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"vkey", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *vkey_path = NULL;
    char *vkey = NULL;
    ts_pack_verdict v;
    ts_error err;
    int c, json = 0, status = TS_EXIT_USAGE;

    (void)cli;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'k':
            vkey_path = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        default:
            return cli_usage_error(usage, "verify-pack: bad option");
        }
    }
    if (vkey_path == NULL || argc - optind != 1)
        return cli_usage_error(usage,
                               "verify-pack needs --vkey FILE and one DIR");
    vkey = cli_read_vkey(vkey_path);
    if (vkey == NULL)
        goto cleanup;
    ts_error_clear(&err);
    if (ts_pack_verify(argv[optind], vkey, &v, &err) != 0) {
        cli_error("%s", err.msg);
        goto cleanup;
    }
    status = v.ok ? TS_EXIT_OK : TS_EXIT_NEGATIVE;
    if (json) {
        printf("{\"ok\":%s,\"files\":%zu,\"proofs\":%zu,\"origin\":",
               v.ok ? "true" : "false", v.n_files, v.n_proofs);
        cli_json_string(stdout, v.origin[0] ? v.origin : NULL);
        printf(",\"tree_size\":%" PRIu64 ",\"file\":", v.tree_size);
        cli_json_string(stdout, v.ok ? NULL : v.file);
        printf(",\"problem\":");
        cli_json_string(stdout, v.ok ? NULL : v.problem);
        printf("}\n");
    } else if (!v.ok) {
        printf("TAMPERED: %s: %s\n", v.file, v.problem);
    } else {
        printf("intact: %zu files match manifest.json signed by %s; %zu "
               "proofs check against checkpoint.txt (tree size %" PRIu64 ")\n",
               v.n_files, v.origin, v.n_proofs, v.tree_size);
    }
cleanup:
    free(vkey);
    return status;
}
