/* trailseal collect: read facts from a live database and seal them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] collect --catalog --dsn DSN [--json]\n\n"
    "Connects to a live database and seals what it says as entries, indexed\n"
    "like loaded reference data (schemas/reference.md).\n\n"
    "  --catalog              a catalog snapshot of a PostgreSQL database:\n"
    "                         roles and their attributes, role memberships,\n"
    "                         table and column grants, columns with types and\n"
    "                         comments. Every collection is a new snapshot.\n"
    "  --dsn DSN              libpq connection string or URI\n"
    "                         ('postgresql://user@host:5432/db'); the\n"
    "                         password is never stored\n"
    "  --json                 print a JSON summary object\n";

/* The modes collect knows; one is chosen per run. */
enum { MODE_NONE, MODE_CATALOG };

int cmd_collect(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"catalog", no_argument, NULL, 'c'},
        {"dsn", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *dsn = NULL;
    int c, mode = MODE_NONE, json = 0, status;
    ts_source *src = NULL;
    ts_store *store;
    ts_error err;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            mode = MODE_CATALOG;
            break;
        case 'd':
            dsn = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        default:
            return cli_usage_error(usage, "collect: bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error(usage, "collect: unexpected argument '%s'",
                               argv[optind]);
    if (mode == MODE_NONE)
        return cli_usage_error(usage, "collect needs a mode: --catalog");
    if (dsn == NULL)
        return cli_usage_error(usage, "collect --catalog needs --dsn DSN");
    ts_error_clear(&err);
    if (ts_reference_collect_catalog(&src, dsn, &err) != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    store = cli_open_store(cli, 0);
    if (store == NULL) {
        ts_source_free(src);
        return TS_EXIT_USAGE;
    }
    status = cli_seal_reference(store, src, "catalog", 100, json, 0);
    ts_store_free(store);
    return status;
}
