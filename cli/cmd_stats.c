/* trailseal stats: count what the store holds. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] stats [--json]\n\n"
    "Counts sealed entries, unparsed entries, sessions, checkpoints, blocks,\n"
    "sources, distinct SQL templates and events by kind.\n\n"
    "  --json   one JSON object\n";

int cmd_stats(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {{"json", no_argument, NULL, 'j'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    ts_store_stats st;
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
        return cli_usage_error(usage, "stats: bad option");
    }
    if (optind != argc)
        return cli_usage_error(usage, "stats takes no arguments");
    store = cli_open_store(cli, TS_STORE_READONLY | TS_STORE_NO_KEY);
    if (store == NULL)
        return TS_EXIT_USAGE;
    ts_error_clear(&err);
    rc = ts_store_get_stats(store, &st, &err);
    ts_store_free(store);
    if (rc != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    if (json) {
        printf("{\"entries\":%" PRIu64 ",\"unparsed\":%" PRIu64
               ",\"sessions\":%" PRIu64 ",\"checkpoints\":%" PRIu64
               ",\"blocks\":%" PRIu64 ",\"sources\":%" PRIu64 ",\"events\":{",
               st.entries, st.unparsed, st.sessions, st.checkpoints, st.blocks,
               st.sources);
        for (int k = 0; k < TS_EVENT_KIND_COUNT; k++)
            printf("%s\"%s\":%" PRIu64, k ? "," : "",
                   ts_event_kind_name((ts_event_kind)k), st.events_by_kind[k]);
        printf("},\"templates\":%" PRIu64 "}\n", st.templates);
        return TS_EXIT_OK;
    }
    printf("entries      %" PRIu64 "\n", st.entries);
    printf("unparsed     %" PRIu64 "\n", st.unparsed);
    printf("sessions     %" PRIu64 "\n", st.sessions);
    printf("checkpoints  %" PRIu64 "\n", st.checkpoints);
    printf("blocks       %" PRIu64 "\n", st.blocks);
    printf("sources      %" PRIu64 "\n", st.sources);
    printf("templates    %" PRIu64 "\n", st.templates);
    printf("events by kind:\n");
    for (int k = 0; k < TS_EVENT_KIND_COUNT; k++)
        printf("  %-22s %" PRIu64 "\n", ts_event_kind_name((ts_event_kind)k),
               st.events_by_kind[k]);
    return TS_EXIT_OK;
}
