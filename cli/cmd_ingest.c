/* trailseal ingest: seal and index log files. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] ingest [--format FORMAT] [--prefix PREFIX]\n"
    "                 [--utc-offset OFFSET] [--catalog FILE | --catalog-dsn DSN]\n"
    "                 [--mapping FILE] [--complete] [--raw] [--json]\n"
    "                 [--max-diagnostics N] [--batch N] [--threads N] FILE...\n\n"
    "Seals every record of each FILE ('-' reads standard input) into the\n"
    "store and indexes what it means. Records already sealed (same content,\n"
    "up to the saved cursor) are skipped. Records that cannot be parsed are\n"
    "still sealed, counted, and reported on stderr as FILE:LINE: reason.\n"
    "gzip and zstd files (or stdin) are decompressed as they are read\n"
    "(PostgreSQL formats).\n"
    "Each statement is analysed (template, tables and columns read and\n"
    "written) into the index: see the v_column_access view.\n"
    "Literals and bind parameters are redacted to ? before sealing, with an\n"
    "HMAC of each original record sealed beside it (verify --against proves\n"
    "a log file against it; search --value finds a value by its HMAC).\n\n"
    "  --format FORMAT        auto (default), pg-stderr, pg-csvlog, pg-jsonlog,\n"
    "                         mariadb-audit, mysql-audit-json,\n"
    "                         percona-audit-json, percona-audit-csv,\n"
    "                         teleport-audit, hoop-audit, rds-das,\n"
    "                         generic-jsonl (needs --mapping), cnpg-json\n"
    "  --prefix PREFIX        the server's log_line_prefix (required for pg-stderr)\n"
    "  --mapping FILE         generic-jsonl: which JSON fields are which\n"
    "                         (schemas/generic-jsonl.md)\n"
    "  --utc-offset OFFSET    mariadb-audit: the server's local time zone as a\n"
    "                         UTC offset, e.g. +02:00 (default: UTC)\n"
    "  --catalog FILE         catalog snapshot (JSON, schemas/catalog.schema.md)\n"
    "                         resolving *, views and unqualified names\n"
    "  --catalog-dsn DSN      read the catalog from a live PostgreSQL instead\n"
    "  --json                 print one JSON summary object per file\n"
    "  --max-diagnostics N    report at most N unparsed records per file\n"
    "                         (default 100; all are counted)\n"
    "  --batch N              entries per commit (default 200000)\n"
    "  --threads N            1: read, seal and index on one thread; 2: read\n"
    "                         and seal on a second (default: 2 with 2+ CPUs)\n"
    "  --raw                  seal records as read, literals included\n"
    "  --complete             the files are written to the end: seal an\n"
    "                         unterminated last line too (by default it is\n"
    "                         left for the next run, the file may be growing)\n";

typedef struct diag_ctx {
    unsigned long max;
    unsigned long shown;
} diag_ctx;

static void print_diag(void *ctx, const char *source, uint64_t line,
                       const char *message)
{
    diag_ctx *d = ctx;

    if (d->shown < d->max)
        fprintf(stderr, "%s:%" PRIu64 ": %s\n", source, line, message);
    d->shown++;
}

/* What applies to every file of one ingest. */
typedef struct ingest_plan {
    const char *format, *prefix;
    const ts_catalog_timeline *catalogs;
    size_t batch;
    int threads; /* ts_ingest_options.threads */
    unsigned long max_diag;
    int json;
    unsigned open_flags;   /* ts_source_open_file_flags */
    unsigned redact_flags; /* ts_source_redacting */
    uint8_t value_key[32];
} ingest_plan;

static int ingest_one(ts_store *store, const ingest_plan *plan,
                      const char *path)
{
    const char *format = plan->format, *prefix = plan->prefix;
    const ts_catalog_timeline *catalogs = plan->catalogs;
    size_t batch = plan->batch;
    int threads = plan->threads;
    unsigned long max_diag = plan->max_diag;
    int json = plan->json;
    unsigned flags = plan->open_flags;
    uint64_t lookups, hits, templates, held = 0, redacted, withheld;
    ts_ingest_options opts;
    ts_ingest_stats st;
    ts_source *src = NULL, *analysing;
    diag_ctx diag = {max_diag, 0};
    ts_error err;
    int rc;

    ts_error_clear(&err);
    rc = ts_source_open_file_flags(&src, format, prefix, path, flags, &err);
    if (rc == 0) {
        held = src->held;
        rc = ts_source_analyzing_timed(&src, src, catalogs, &err);
    }
    analysing = src; /* owned by the redacting source from here */
    if (rc == 0)
        rc = ts_source_redacting(&src, src, plan->value_key, plan->redact_flags,
                                 &err);
    if (rc != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    memset(&opts, 0, sizeof(opts));
    opts.batch_entries = batch;
    opts.threads = threads;
    opts.diag = print_diag;
    opts.diag_ctx = &diag;
    rc = ts_store_ingest(store, src, &opts, &st, &err);
    ts_source_analyzing_stats(analysing, &lookups, &hits, &templates);
    ts_source_redacting_stats(src, &redacted, &withheld);
    ts_source_free(src);
    if (diag.shown > diag.max)
        fprintf(stderr,
                "%s: %lu more unparsed records not shown "
                "(trailseal search --kind unparsed lists them)\n",
                path, diag.shown - diag.max);
    if (rc != 0) {
        cli_error("%s", err.msg);
        if (st.commits > 0)
            cli_error("'%s': the %" PRIu64
                      " entries committed before the error "
                      "stay sealed; re-run to continue",
                      path, st.tree_size);
        return TS_EXIT_USAGE;
    }
    if (json) {
        printf("{\"file\":");
        cli_json_string(stdout, path);
        printf(",\"sealed\":%" PRIu64 ",\"unparsed\":%" PRIu64
               ",\"already_sealed\":%" PRIu64 ",\"commits\":%" PRIu64
               ",\"tree_size\":%" PRIu64 ",\"statements_analysed\":%" PRIu64
               ",\"template_hits\":%" PRIu64 ",\"templates\":%" PRIu64
               ",\"held\":%" PRIu64 ",\"redacted\":%" PRIu64
               ",\"withheld\":%" PRIu64 ",\"commit_ms_max\":%.3f"
               ",\"commit_ms_mean\":%.3f}\n",
               st.entries_sealed, st.unparsed, st.entries_skipped, st.commits,
               st.tree_size, lookups, hits, templates, held, redacted, withheld,
               (double)st.commit_us_max / 1e3,
               st.commits
                   ? (double)st.commit_us_total / 1e3 / (double)st.commits
                   : 0.0);
    } else {
        printf("%s: sealed %" PRIu64 " entries (%" PRIu64 " unparsed), %" PRIu64
               " already sealed; store holds %" PRIu64 " entries\n",
               path, st.entries_sealed, st.unparsed, st.entries_skipped,
               st.tree_size);
        if (lookups > 0)
            printf("%s: analysed %" PRIu64 " statements, %" PRIu64
                   " distinct templates (template cache hit rate %.1f%%)\n",
                   path, lookups, templates,
                   100.0 * (double)hits / (double)lookups);
        if (redacted > 0)
            printf("%s: redacted %" PRIu64 " records before sealing (%" PRIu64
                   " withheld whole: their SQL was not found in them)\n",
                   path, redacted, withheld);
        if (held > 0)
            printf("%s: held back %" PRIu64 " bytes of an unterminated last "
                   "line (sealed by the next run once complete; --complete "
                   "seals them now)\n",
                   path, held);
    }
    return TS_EXIT_OK;
}

/* Most bytes a --mapping file may hold. */
#define MAPPING_MAX ((size_t)64 << 10)

/* Reads a --mapping file whole (NUL-terminated, the caller frees it), or
 * NULL with a message printed. */
static char *read_mapping(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = f != NULL ? malloc(MAPPING_MAX + 1) : NULL;
    size_t n = 0;

    if (text != NULL)
        n = fread(text, 1, MAPPING_MAX + 1, f);
    if (text == NULL || ferror(f) || n > MAPPING_MAX) {
        cli_error("'%s': cannot read the mapping (or it is over %zu bytes)",
                  path, MAPPING_MAX);
        free(text);
        text = NULL;
    } else {
        text[n] = '\0';
    }
    if (f != NULL)
        fclose(f);
    return text;
}

/* Ingests argv[optind..]: the worst exit status of them. */
static int ingest_files(ts_store *store, const ingest_plan *plan, int argc,
                        char **argv)
{
    int status = TS_EXIT_OK;

    for (int i = optind; i < argc; i++) {
        int rc = ingest_one(store, plan, argv[i]);
        if (rc != TS_EXIT_OK)
            status = rc;
    }
    return status;
}

int cmd_ingest(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'},
        {"prefix", required_argument, NULL, 'p'},
        {"utc-offset", required_argument, NULL, 'u'},
        {"json", no_argument, NULL, 'j'},
        {"max-diagnostics", required_argument, NULL, 'm'},
        {"batch", required_argument, NULL, 'b'},
        {"threads", required_argument, NULL, 't'},
        {"catalog", required_argument, NULL, 'c'},
        {"catalog-dsn", required_argument, NULL, 'd'},
        {"mapping", required_argument, NULL, 'M'},
        {"complete", no_argument, NULL, 'C'},
        {"raw", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *format = "auto", *prefix = NULL, *utc_offset = NULL;
    const char *catalog_file = NULL, *catalog_dsn = NULL, *mapping = NULL;
    char *mapping_text = NULL;
    ts_catalog *catalog = NULL;
    ts_catalog_timeline timeline;
    cli_catalogs stored;
    ts_error err;
    unsigned long max_diag = 100;
    size_t batch = 0;
    int threads = 0;
    ts_store *store;
    char *end;
    int c, json = 0, status = TS_EXIT_OK;
    unsigned flags = TS_SOURCE_GROWING, redact_flags = 0;
    ingest_plan plan;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'p':
            prefix = optarg;
            break;
        case 'u':
            utc_offset = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'm':
            max_diag = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0')
                return cli_usage_error(
                    usage, "--max-diagnostics: '%s' is not a number", optarg);
            break;
        case 'b':
            batch = (size_t)strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || batch == 0)
                return cli_usage_error(
                    usage, "--batch: '%s' is not a positive number", optarg);
            break;
        case 't':
            if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0)
                return cli_usage_error(usage, "--threads: '%s' is not 1 or 2",
                                       optarg);
            threads = optarg[0] - '0';
            break;
        case 'c':
            catalog_file = optarg;
            break;
        case 'd':
            catalog_dsn = optarg;
            break;
        case 'M':
            mapping = optarg;
            break;
        case 'C':
            flags = 0;
            break;
        case 'R':
            redact_flags = TS_REDACT_KEEP_RAW;
            break;
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        default:
            return cli_usage_error(usage, "ingest: bad option");
        }
    }
    if (prefix == NULL && strcmp(format, "pg-stderr") == 0)
        return cli_usage_error(
            usage, "--format pg-stderr needs --prefix: the server's "
                   "log_line_prefix (SHOW log_line_prefix)");
    if (utc_offset != NULL && strcmp(format, "mariadb-audit") != 0)
        return cli_usage_error(usage,
                               "--utc-offset applies to mariadb-audit only");
    if (utc_offset != NULL)
        prefix = utc_offset; /* the reader's setting */
    if ((mapping != NULL) != (strcmp(format, "generic-jsonl") == 0))
        return cli_usage_error(usage, "--format generic-jsonl and --mapping "
                                      "FILE go together");
    if (optind >= argc)
        return cli_usage_error(
            usage, "ingest needs at least one FILE ('-' for stdin)");
    if (catalog_file != NULL && catalog_dsn != NULL)
        return cli_usage_error(
            usage, "--catalog and --catalog-dsn exclude each other");
    ts_error_clear(&err);
    if ((catalog_file != NULL &&
         ts_catalog_load_file(&catalog, catalog_file, &err) != 0) ||
        (catalog_dsn != NULL &&
         ts_catalog_load_dsn(&catalog, catalog_dsn, &err) != 0)) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    if (mapping != NULL) {
        mapping_text = read_mapping(mapping);
        if (mapping_text == NULL) {
            ts_catalog_free(catalog);
            return TS_EXIT_USAGE;
        }
        prefix = mapping_text; /* the reader's setting */
    }
    store = cli_open_store(cli, 0);
    if (store == NULL) {
        ts_catalog_free(catalog);
        free(mapping_text);
        return TS_EXIT_USAGE;
    }
    plan = (ingest_plan){format,   prefix, &timeline, batch,        threads,
                         max_diag, json,   flags,     redact_flags, {0}};
    /* without a catalog given, the store's own snapshots, each in force
     * from when it was taken */
    if (ts_store_value_key(store, plan.value_key, &err) != 0) {
        cli_error("%s", err.msg);
        status = TS_EXIT_USAGE;
    } else if (catalog != NULL) {
        const ts_catalog *const one[1] = {catalog};
        const int64_t from[1] = {INT64_MIN}, ids[1] = {0};
        timeline = (ts_catalog_timeline){one, from, ids, 1};
        status = ingest_files(store, &plan, argc, argv);
    } else if (cli_catalogs_from_store(&stored, store, &err) != 0) {
        cli_error("%s", err.msg);
        status = TS_EXIT_USAGE;
    } else {
        cli_catalogs_timeline(&stored, &timeline);
        status = ingest_files(store, &plan, argc, argv);
        cli_catalogs_free(&stored);
    }
    memset(plan.value_key, 0, sizeof(plan.value_key));
    ts_store_free(store);
    ts_catalog_free(catalog);
    free(mapping_text);
    return status;
}
