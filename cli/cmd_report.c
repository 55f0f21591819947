/* trailseal report: write the evidence workbook for a period. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] report (--period P | [--since DATE]\n"
    "                 [--until DATE]) --out DIR [--controls FILE] [--strict]\n\n"
    "Verifies the store, tests every control of controls.yaml over the\n"
    "period and writes the evidence pack into DIR: evidence.xlsx (cover,\n"
    "control matrix, criteria coverage, population register, samples, test\n"
    "results, exceptions, one sheet per control, activity sheets, waivers),\n"
    "populations/<control>.csv, results.json, checkpoint.txt, a proof per\n"
    "sampled item and exception (proofs/), OSCAL assessment results (oscal/)\n"
    "and manifest.json signed with the store's key (manifest.sig): check it\n"
    "with 'trailseal verify-pack DIR --vkey KEY'. Every row names its entry\n"
    "index.\n\n"
    "  --period P        a quarter (2026-Q3), month (2026-07), year or day\n"
    "  --since DATE      period start, inclusive (UTC; also 7d, 2026-Q3)\n"
    "  --until DATE      period end, exclusive (UTC)\n"
    "  --out DIR         output directory (created when missing)\n"
    "  --controls FILE   controls.yaml (default ./controls.yaml when it\n"
    "                    exists)\n"
    "  --strict          exit 1 when a control has unwaived exceptions\n"
    "  --unsigned        do not sign the manifest (no key file needed);\n"
    "                    verify-pack then refuses the pack\n"
    "  --timings         print each step's wall and CPU seconds (verify,\n"
    "                    every control, the sheets, proofs, OSCAL) on stderr\n";

int cmd_report(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"out", required_argument, NULL, 'o'},
        {"controls", required_argument, NULL, 'c'},
        {"period", required_argument, NULL, 'p'},
        {"strict", no_argument, NULL, 's'},
        {"unsigned", no_argument, NULL, 'n'},
        {"timings", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    ts_report_options opts = {INT64_MIN, INT64_MAX, NULL, NULL,
                              NULL,      NULL,      1,    NULL};
    ts_report_result res;
    ts_store *store;
    ts_error err;
    FILE *f;
    int c, rc, strict = 0;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'S':
            if (cli_parse_period("--since", optarg, 0, &opts.since_us) != 0)
                return TS_EXIT_USAGE;
            break;
        case 'U':
            if (cli_parse_period("--until", optarg, 1, &opts.until_us) != 0)
                return TS_EXIT_USAGE;
            break;
        case 'o':
            opts.out_dir = optarg;
            break;
        case 'c':
            opts.controls_path = optarg;
            break;
        case 'p':
            if (cli_parse_period("--period", optarg, 0, &opts.since_us) != 0 ||
                cli_parse_period("--period", optarg, 1, &opts.until_us) != 0)
                return TS_EXIT_USAGE;
            opts.period = optarg;
            break;
        case 's':
            strict = 1;
            break;
        case 'n':
            opts.sign = 0;
            break;
        case 't':
            opts.timings = stderr;
            break;
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        default:
            return cli_usage_error(usage, "report: bad option");
        }
    }
    if (optind != argc)
        return cli_usage_error(usage, "report takes no arguments");
    if (opts.out_dir == NULL)
        return cli_usage_error(usage, "report needs --out DIR");
    if (opts.since_us != INT64_MIN && opts.until_us != INT64_MAX &&
        opts.since_us >= opts.until_us)
        return cli_usage_error(usage, "--since must be before --until");
    if (opts.controls_path == NULL &&
        (f = fopen("controls.yaml", "r")) != NULL) {
        fclose(f);
        opts.controls_path = "controls.yaml";
    }
    opts.store_path = cli->store_path;
    /* the key signs the pack's manifest */
    store = cli_open_store(cli, TS_STORE_READONLY |
                                    (opts.sign ? 0 : TS_STORE_NO_KEY));
    if (store == NULL)
        return TS_EXIT_USAGE;
    ts_error_clear(&err);
    rc = ts_report_write(store, &opts, &res, &err);
    ts_store_free(store);
    if (rc != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    printf("%s\n", res.workbook_path);
    for (size_t i = 0; i < res.n_sheets; i++)
        fprintf(stderr, "  %-24s %" PRIu64 " rows\n", res.sheets[i].name,
                res.sheets[i].rows);
    if (res.n_controls > 0)
        fprintf(stderr,
                "controls: %zu tested, %zu effective or not occurring, %zu "
                "with exceptions, %zu ineffective; %llu unwaived "
                "exceptions\n",
                res.n_controls, res.n_effective, res.n_with_exceptions,
                res.n_ineffective, (unsigned long long)res.n_exceptions);
    if (res.verdict != TS_VERDICT_INTACT)
        fprintf(stderr,
                "warning: the store did NOT verify; the cover says so\n");
    if (strict && (res.n_exceptions > 0 || res.verdict != TS_VERDICT_INTACT))
        return TS_EXIT_NEGATIVE;
    return TS_EXIT_OK;
}
