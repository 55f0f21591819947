/* trailseal key: print the store's verifier key. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] key\n\n"
    "Prints the store's public key as a C2SP note verifier key\n"
    "(name+keyid+base64(0x01||public key)).\n";

int cmd_key(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ts_store *store;
    char vkey[512];
    ts_error err;
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return TS_EXIT_OK;
        }
        return cli_usage_error(usage, "key: bad option");
    }
    if (optind != argc)
        return cli_usage_error(usage, "key takes no arguments");
    store = cli_open_store(cli, TS_STORE_READONLY | TS_STORE_NO_KEY);
    if (store == NULL)
        return TS_EXIT_USAGE;
    ts_error_clear(&err);
    rc = ts_store_verifier_key(store, vkey, sizeof(vkey), &err);
    if (rc == 0)
        printf("%s\n", vkey);
    else
        cli_error("%s", err.msg);
    ts_store_free(store);
    return cli_exit_for(rc);
}
