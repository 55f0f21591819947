/* trailseal collect: read facts from a live database and seal them. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] collect --dsn DSN [--every DURATION]\n"
    "                 [--count N] [--json]\n"
    "       trailseal [--store PATH] collect --catalog --dsn DSN [--json]\n\n"
    "Connects to a live PostgreSQL and seals what it says as entries.\n\n"
    "  (no mode)              pg_stat snapshots: pg_stat_statements and\n"
    "                         pg_stat_activity joined with pg_stat_ssl, one\n"
    "                         sealed entry a row (format pg-stat-csv, the\n"
    "                         CSV a \\copy export gives); pg_stat_statements\n"
    "                         deltas between snapshots become per-account,\n"
    "                         per-statement events (kind statement_stats)\n"
    "  --every DURATION       take a snapshot every DURATION (30s, 5m, 1h;\n"
    "                         a bare number is seconds); without --count,\n"
    "                         until stopped\n"
    "  --count N              take N snapshots (default 1, or unlimited\n"
    "                         with --every)\n"
    "  --catalog              a catalog snapshot of a PostgreSQL database:\n"
    "                         roles and their attributes, role memberships,\n"
    "                         table and column grants, columns with types and\n"
    "                         comments. Every collection is a new snapshot.\n"
    "  --dsn DSN              libpq connection string or URI\n"
    "                         ('postgresql://user@host:5432/db'); the\n"
    "                         password is never stored\n"
    "  --json                 print a JSON summary object (one a snapshot)\n";

/* The modes collect knows; one is chosen per run. */
enum { MODE_PGSTAT, MODE_CATALOG };

/* "30s", "5m", "1h", "2d" or seconds; 0 when the text is none of them. */
static unsigned long parse_every(const char *text)
{
    unsigned long v, unit = 1;
    char *end;

    errno = 0;
    if (*text < '0' || *text > '9')
        return 0;
    v = strtoul(text, &end, 10);
    if (errno != 0)
        return 0;
    if (strcmp(end, "m") == 0)
        unit = 60;
    else if (strcmp(end, "h") == 0)
        unit = 3600;
    else if (strcmp(end, "d") == 0)
        unit = 86400;
    else if (*end != '\0' && strcmp(end, "s") != 0)
        return 0;
    if (v > 30UL * 86400 / unit)
        return 0;
    return v * unit;
}

static void wait_seconds(unsigned long secs)
{
    struct timespec t = {(time_t)secs, 0};

    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* Collects and seals one pg_stat snapshot. */
static int pgstat_once(ts_store *store, const char *dsn, int json)
{
    ts_catalog_timeline timeline;
    ts_ingest_options opts;
    ts_ingest_stats st;
    cli_catalogs catalogs;
    ts_source *src = NULL;
    ts_error err;
    int rc;

    ts_error_clear(&err);
    if (ts_pgstat_collect(&src, dsn, &err) != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    /* the statements are analysed against the store's catalog snapshots */
    if (cli_catalogs_from_store(&catalogs, store, &err) != 0) {
        cli_error("%s", err.msg);
        ts_source_free(src);
        return TS_EXIT_USAGE;
    }
    cli_catalogs_timeline(&catalogs, &timeline);
    rc = ts_source_analyzing_timed(&src, src, &timeline, &err);
    if (rc == 0) {
        memset(&opts, 0, sizeof(opts));
        rc = ts_store_ingest(store, src, &opts, &st, &err);
    }
    if (rc != 0) {
        cli_error("%s", err.msg);
    } else if (json) {
        printf("{\"file\":");
        cli_json_string(stdout, src->name);
        printf(",\"data\":\"pg_stat\",\"format\":");
        cli_json_string(stdout, src->format);
        printf(",\"sealed\":%" PRIu64 ",\"unparsed\":%" PRIu64
               ",\"already_sealed\":%" PRIu64 ",\"tree_size\":%" PRIu64 "}\n",
               st.entries_sealed, st.unparsed, st.entries_skipped,
               st.tree_size);
    } else {
        printf("%s: pg_stat snapshot (%s): sealed %" PRIu64 " entries (%" PRIu64
               " unparsed); store holds %" PRIu64 " entries\n",
               src->name, src->format, st.entries_sealed, st.unparsed,
               st.tree_size);
    }
    fflush(stdout);
    ts_source_free(src);
    cli_catalogs_free(&catalogs);
    return rc != 0 ? TS_EXIT_USAGE : TS_EXIT_OK;
}

static int pgstat_loop(const ts_cli *cli, const char *dsn, unsigned long every,
                       uint64_t count, int json)
{
    ts_store *store = cli_open_store(cli, 0);
    int status = TS_EXIT_OK;

    if (store == NULL)
        return TS_EXIT_USAGE;
    /* count 0: until stopped. A failed snapshot (the server restarting)
     * does not end the loop; the exit status says it happened. */
    for (uint64_t i = 0; count == 0 || i < count; i++) {
        if (i > 0)
            wait_seconds(every);
        if (pgstat_once(store, dsn, json) != TS_EXIT_OK)
            status = TS_EXIT_USAGE;
    }
    ts_store_free(store);
    return status;
}

int cmd_collect(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"catalog", no_argument, NULL, 'c'},
        {"dsn", required_argument, NULL, 'd'},
        {"every", required_argument, NULL, 'e'},
        {"count", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *dsn = NULL;
    int c, mode = MODE_PGSTAT, json = 0, status, have_count = 0;
    unsigned long every = 0;
    uint64_t count = 1;
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
        case 'e':
            every = parse_every(optarg);
            if (every == 0)
                return cli_usage_error(usage,
                                       "collect: --every '%s' is not a "
                                       "duration from 1s to 30d",
                                       optarg);
            break;
        case 'n':
            if (cli_parse_count("--count", optarg, UINT32_MAX, &count) != 0)
                return TS_EXIT_USAGE;
            if (count == 0)
                return cli_usage_error(usage, "collect: --count must be 1 "
                                              "or more");
            have_count = 1;
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
    if (dsn == NULL)
        return cli_usage_error(usage, "collect needs --dsn DSN");
    if (mode == MODE_PGSTAT) {
        if (have_count && count > 1 && every == 0)
            return cli_usage_error(usage, "collect: --count N needs --every");
        if (every != 0 && !have_count)
            count = 0;
        return pgstat_loop(cli, dsn, every, count, json);
    }
    if (every != 0 || have_count)
        return cli_usage_error(usage, "collect --catalog takes one snapshot: "
                                      "no --every or --count");
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
