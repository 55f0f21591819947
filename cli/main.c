/* trailseal: the command table and global options. */
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const ts_command commands[] = {
    {"init", "create a store and its signing key", cmd_init},
    {"key", "print the store's verifier key", cmd_key},
    {"ingest", "seal and index log files", cmd_ingest},
    {"verify", "recompute and check the whole chain", cmd_verify},
    {"checkpoint", "print the newest signed checkpoint", cmd_checkpoint},
    {"prove", "prove an entry's inclusion, or consistency", cmd_prove},
    {"verify-proof", "check a proof with only the public key",
     cmd_verify_proof},
    {"search", "search access history", cmd_search},
    {"sessions", "list database sessions", cmd_sessions},
    {"timeline", "one account's activity in time order", cmd_timeline},
    {"who", "the accounts that accessed a table", cmd_who},
    {"report", "write the evidence workbook", cmd_report},
    {"stats", "count what the store holds", cmd_stats},
    {"analyze-sql", "show what a statement reads and writes", cmd_analyze_sql},
    {"load", "seal identities, approvals or a catalog", cmd_load},
    {"collect", "seal a live database's catalog", cmd_collect},
    {"verify-pack", "check an evidence pack with only the public key",
     cmd_verify_pack},
    {"reindex", "recompute the index's data classes", cmd_reindex},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: trailseal [--store PATH] COMMAND [OPTIONS]\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nThe store is --store PATH, else $TRAILSEAL_STORE, else "
                 "./trailseal.db;\nits key is PATH.key. "
                 "'trailseal COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"store", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    ts_cli cli;
    int c;

    /* SQLite keeps memory statistics under a process-wide mutex that every
     * one of its allocations takes; trailseal reads none of them, and its
     * threads (report, ingest's WAL copier) each use a connection of their
     * own. Before SQLite is first used. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    cli.argv0 = argv[0];
    cli.store_path = getenv("TRAILSEAL_STORE");
    if (cli.store_path == NULL || *cli.store_path == '\0')
        cli.store_path = "trailseal.db";
    /* '+': stop at the command; its options are its own. */
    while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
        switch (c) {
        case 's':
            cli.store_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return TS_EXIT_OK;
        case 'V':
            printf("trailseal %s\n", TRAILSEAL_VERSION);
            return TS_EXIT_OK;
        default:
            usage(stderr);
            return TS_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return TS_EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[optind], commands[i].name) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            /* 0 makes glibc re-initialise getopt, forgetting main's "+"
             * (stop at the first argument): commands take options anywhere. */
            optind = 0;
            return commands[i].run(&cli, sub_argc, sub_argv);
        }
    }
    cli_error("'%s' is not a command", argv[optind]);
    usage(stderr);
    return TS_EXIT_USAGE;
}
