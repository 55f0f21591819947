/* trailseal verify-proof: check a proof with nothing but the public key. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal verify-proof --vkey FILE [--old CHECKPOINT] [--json] PROOF\n\n"
    "Checks an inclusion or consistency proof made by 'trailseal prove' with\n"
    "nothing but the verifier key in FILE (as printed by 'trailseal key'):\n"
    "the checkpoint's signature, its origin, and the Merkle proof. Needs no\n"
    "store. PROOF may be '-' for standard input. For a consistency proof,\n"
    "--old CHECKPOINT (one you kept) also checks that the proof starts from\n"
    "exactly the tree that checkpoint signs.\n\n"
    "Exit status: 0 valid, 1 not valid, 2 unusable input.\n";

int cmd_verify_proof(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"vkey", required_argument, NULL, 'k'},
        {"old", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *vkey_path = NULL, *old_path = NULL;
    char *old = NULL;
    size_t old_len = 0;
    char *vkey = NULL, *proof = NULL, time[40];
    size_t proof_len = 0;
    ts_proof_result r;
    ts_error err;
    int c, json = 0, status = TS_EXIT_USAGE;

    (void)cli;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            old_path = optarg;
            break;
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
            return cli_usage_error(usage, "verify-proof: bad option");
        }
    }
    if (vkey_path == NULL || argc - optind != 1)
        return cli_usage_error(usage,
                               "verify-proof needs --vkey FILE and one PROOF");
    vkey = cli_read_vkey(vkey_path);
    if (vkey == NULL)
        goto cleanup;
    proof = cli_read_file(argv[optind], &proof_len);
    if (proof == NULL)
        goto cleanup;
    ts_error_clear(&err);
    if (old_path != NULL && (old = cli_read_file(old_path, &old_len)) == NULL)
        goto cleanup;
    if ((old ? ts_proof_verify_against(vkey, proof, proof_len, old, old_len, &r,
                                       &err)
             : ts_proof_verify(vkey, proof, proof_len, &r, &err)) != 0) {
        cli_error("'%s': %s", vkey_path, err.msg);
        goto cleanup;
    }
    status = r.valid ? TS_EXIT_OK : TS_EXIT_NEGATIVE;
    if (json) {
        printf("{\"valid\":%s,\"kind\":\"%s\",\"origin\":",
               r.valid ? "true" : "false",
               r.kind == TS_PROOF_INCLUSION ? "inclusion" : "consistency");
        cli_json_string(stdout, r.origin);
        printf(",\"tree_size\":%" PRIu64 ",\"root\":\"%s\"", r.tree_size,
               r.root);
        if (r.kind == TS_PROOF_INCLUSION) {
            printf(",\"index\":%" PRIu64, r.index);
            if (r.valid) {
                printf(",\"line\":%" PRIu64 ",\"position\":%" PRIu64
                       ",\"format\":",
                       r.line, r.position);
                cli_json_string(stdout, r.format);
                printf(",\"observed\":\"%s\",\"record\":",
                       ts_time_format(r.observed_us, time, sizeof(time)));
                cli_json_string(stdout, r.record);
            }
        } else {
            printf(",\"from_size\":%" PRIu64 ",\"from_root\":\"%s\"",
                   r.from_size, r.from_root);
        }
        printf(",\"problem\":");
        cli_json_string(stdout, r.valid ? NULL : r.problem);
        printf("}\n");
    } else if (!r.valid) {
        printf("NOT VALID: %s\n", r.problem);
    } else if (r.kind == TS_PROOF_INCLUSION) {
        printf("valid: entry %" PRIu64 " is in %s at tree size %" PRIu64
               " (root %s)\n",
               r.index, r.origin, r.tree_size, r.root);
        printf("source line %" PRIu64 ", byte %" PRIu64
               ", format %s, read %s\n",
               r.line, r.position, r.format,
               ts_time_format(r.observed_us, time, sizeof(time)));
        printf("record (%zu bytes):\n%s%s", r.record_len, r.record,
               r.record_len && r.record[strlen(r.record) - 1] == '\n' ? ""
                                                                      : "\n");
    } else {
        printf("valid: the tree of %" PRIu64
               " entries (root %s) is a prefix of %s "
               "at tree size %" PRIu64 " (root %s)\n",
               r.from_size, r.from_root, r.origin, r.tree_size, r.root);
    }
cleanup:
    free(vkey);
    free(proof);
    free(old);
    return status;
}
