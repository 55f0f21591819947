/* trailseal reindex: recompute the index's data classes from controls.yaml,
 * the catalog and the indexed statements, without touching the chain. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] reindex [--controls FILE] [--json]\n\n"
    "Recomputes the data classes of all history: stores the data_classes\n"
    "rules of controls.yaml, reclassifies every analysed and catalogued\n"
    "column (rules and catalog comments such as 'pii:ssn') and checks the\n"
    "literal and parameter values of every analysed statement again. Only\n"
    "the index changes: the chain and its checkpoints are not touched, and\n"
    "reindexing twice gives the same index.\n\n"
    "  --controls FILE  the rules (default ./controls.yaml; without it and\n"
    "                   without ./controls.yaml, the stored rules are kept)\n"
    "  --json           one JSON object\n";

int cmd_reindex(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"controls", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *controls = NULL;
    ts_class_rule *rules = NULL;
    ts_reindex_stats st;
    size_t n_rules = 0;
    ts_store *store;
    ts_error err;
    int c, json = 0, rc = 0;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            controls = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        case ':':
            return cli_bad_usage("reindex", "'%s' needs a value",
                                 argv[optind - 1]);
        default:
            return cli_bad_usage("reindex", "unknown option '%s'",
                                 argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_bad_usage("reindex", "unexpected '%s'", argv[optind]);
    if (controls == NULL && access("controls.yaml", F_OK) == 0)
        controls = "controls.yaml";
    ts_error_clear(&err);
    if (controls != NULL &&
        ts_class_rules_load(&rules, &n_rules, controls, &err) != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    store = cli_open_store(cli, TS_STORE_NO_KEY);
    if (store == NULL) {
        ts_class_rules_free(rules, n_rules);
        return TS_EXIT_USAGE;
    }
    rc = ts_store_reindex(store, controls != NULL ? rules : NULL, n_rules,
                          ts_sensitive_event_classes, &st, &err);
    ts_class_rules_free(rules, n_rules);
    ts_store_free(store);
    if (rc != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    if (json) {
        printf("{\"controls\":");
        cli_json_string(stdout, controls);
        printf(",\"rules\":%" PRIu64 ",\"classified_columns\":%" PRIu64
               ",\"column_classes\":%" PRIu64 ",\"statements_scanned\":%" PRIu64
               ",\"value_classes\":%" PRIu64 "}\n",
               st.n_rules, st.n_columns, st.n_column_classes,
               st.n_events_scanned, st.n_value_classes);
        return TS_EXIT_OK;
    }
    printf("rules               %" PRIu64 "%s%s\n", st.n_rules,
           controls ? "  from " : "  (kept: no controls.yaml)",
           controls ? controls : "");
    printf("classified columns  %" PRIu64 " (%" PRIu64 " column classes)\n",
           st.n_columns, st.n_column_classes);
    printf("statements scanned  %" PRIu64 "\n", st.n_events_scanned);
    printf("value classes       %" PRIu64 "\n", st.n_value_classes);
    return TS_EXIT_OK;
}
