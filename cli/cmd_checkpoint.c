/* trailseal checkpoint: print the newest signed checkpoint. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] checkpoint\n\n"
    "Prints the newest signed checkpoint (a C2SP tlog-checkpoint note).\n"
    "Keep it: any later state of the store must be consistent with it.\n";

int cmd_checkpoint(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ts_store *store;
    char *note = NULL;
    ts_error err;
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return TS_EXIT_OK;
        }
        return cli_usage_error(usage, "checkpoint: bad option");
    }
    if (optind != argc)
        return cli_usage_error(usage, "checkpoint takes no arguments");
    store = cli_open_store(cli, TS_STORE_READONLY | TS_STORE_NO_KEY);
    if (store == NULL)
        return TS_EXIT_USAGE;
    ts_error_clear(&err);
    rc = ts_store_checkpoint(store, &note, &err);
    if (rc == 0)
        fputs(note, stdout);
    else
        cli_error("%s", err.msg);
    free(note);
    ts_store_free(store);
    return cli_exit_for(rc);
}
