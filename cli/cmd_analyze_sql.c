/* trailseal analyze-sql: what the SQL analysis concludes about statements. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal analyze-sql [--catalog-dsn DSN | --catalog FILE]\n"
    "                             [--dialect pg|mysql] [--json] [--stats]\n"
    "                             ('SQL' | --lines FILE)\n"
    "       trailseal analyze-sql --catalog-dsn DSN --dump-catalog\n\n"
    "Prints a statement's template and fingerprint, its class and command,\n"
    "the tables and columns (schema.table.column) it reads and writes, and\n"
    "the data classes of its literals ($N: us_ssn; values never printed).\n\n"
    "  --catalog-dsn DSN  resolve names against this live PostgreSQL database\n"
    "  --catalog FILE     resolve names against a catalog snapshot (JSON)\n"
    "  --dialect D        pg (default) or mysql\n"
    "  --json             one JSON object per statement\n"
    "  --lines FILE       analyse each line of FILE ('-': stdin) as a\n"
    "                     statement; with --json, one object per line\n"
    "  --stats            print template cache figures on stderr\n"
    "  --dump-catalog     print the catalog as JSON and exit\n\n"
    "Exit status: 0 when every statement parsed, 1 when one did not, 2 on\n"
    "bad usage or an unreadable catalog.\n";

static void print_names_json(const char *key, const ts_sql_names *names)
{
    printf(",\"%s\":[", key);
    for (size_t i = 0; i < names->n_items; i++) {
        if (i > 0)
            putchar(',');
        cli_json_string(stdout, names->items[i]);
    }
    putchar(']');
}

/* Lineage as [{"from":SOURCE,"to":TARGET}...] (items are
 * "SOURCE\x1fTARGET"). */
static void print_flows_json(const ts_sql_names *flows)
{
    printf(",\"flows\":[");
    for (size_t i = 0; i < flows->n_items; i++) {
        const char *item = flows->items[i], *sep = strchr(item, '\x1f');
        if (sep == NULL)
            continue;
        char *from = strndup(item, (size_t)(sep - item));
        printf("%s{\"from\":", i ? "," : "");
        cli_json_string(stdout, from != NULL ? from : "?");
        free(from);
        printf(",\"to\":");
        cli_json_string(stdout, sep + 1);
        putchar('}');
    }
    putchar(']');
}

/* Each matched literal as {"placeholder":N,"classes":[...]}: the class and
 * the template's $N, never the value itself. */
static void print_classes_json(const ts_sensitive_values *found)
{
    printf(",\"value_classes\":[");
    for (size_t i = 0; i < found->n_items; i++) {
        const char *sep = "";
        printf("%s{\"placeholder\":%zu,\"classes\":[", i ? "," : "",
               found->items[i].index + 1);
        for (unsigned bit = 1; bit <= TS_SENSITIVE_LAST; bit <<= 1) {
            if (found->items[i].classes & bit) {
                printf("%s\"%s\"", sep, ts_sensitive_class_name(bit));
                sep = ",";
            }
        }
        printf("]}");
    }
    putchar(']');
}

static void print_json(const ts_sql_analysis *a,
                       const ts_sensitive_values *found)
{
    printf("{\"template\":");
    cli_json_string(stdout, a->template_text);
    printf(",\"fingerprint\":\"%016" PRIx64 "\",\"class\":\"%s\","
           "\"command\":",
           a->fingerprint, ts_sql_class_name(a->cls));
    cli_json_string(stdout, a->command);
    printf(",\"error\":");
    cli_json_string(stdout, a->error);
    print_names_json("tables_read", &a->tables_read);
    print_names_json("tables_written", &a->tables_written);
    print_names_json("tables_changed", &a->tables_changed);
    print_names_json("columns_read", &a->columns_read);
    print_names_json("columns_written", &a->columns_written);
    print_flows_json(&a->flows);
    print_classes_json(found);
    printf("}\n");
}

static void print_names_text(const char *label, const ts_sql_names *names)
{
    printf("%-16s", label);
    if (names->n_items == 0)
        printf("-");
    for (size_t i = 0; i < names->n_items; i++)
        printf("%s%s", i ? " " : "", names->items[i]);
    putchar('\n');
}

/* "a.b.c -> x.y.z, a.b.d -> copy:client", or "-". */
static void print_flows_text(const ts_sql_names *flows)
{
    printf("%-16s", "flows");
    if (flows->n_items == 0)
        printf("-");
    for (size_t i = 0; i < flows->n_items; i++) {
        const char *item = flows->items[i], *sep = strchr(item, '\x1f');
        if (sep != NULL)
            printf("%s%.*s -> %s", i ? ", " : "", (int)(sep - item), item,
                   sep + 1);
    }
    putchar('\n');
}

/* "$3: us_ssn; $5: email, phone", or "-". */
static void print_classes_text(const ts_sensitive_values *found)
{
    printf("%-16s", "value classes");
    if (found->n_items == 0)
        printf("-");
    for (size_t i = 0; i < found->n_items; i++) {
        const char *sep = "";
        printf("%s$%zu: ", i ? "; " : "", found->items[i].index + 1);
        for (unsigned bit = 1; bit <= TS_SENSITIVE_LAST; bit <<= 1) {
            if (found->items[i].classes & bit) {
                printf("%s%s", sep, ts_sensitive_class_name(bit));
                sep = ", ";
            }
        }
    }
    putchar('\n');
}

static void print_text(const ts_sql_analysis *a,
                       const ts_sensitive_values *found)
{
    printf("%-16s%s\n", "template", a->template_text);
    printf("%-16s%016" PRIx64 "\n", "fingerprint", a->fingerprint);
    printf("%-16s%s\n", "class", ts_sql_class_name(a->cls));
    printf("%-16s%s\n", "command", a->command);
    if (a->error != NULL)
        printf("%-16s%s\n", "error", a->error);
    print_names_text("tables read", &a->tables_read);
    print_names_text("tables written", &a->tables_written);
    print_names_text("tables changed", &a->tables_changed);
    print_names_text("columns read", &a->columns_read);
    print_names_text("columns written", &a->columns_written);
    print_flows_text(&a->flows);
    print_classes_text(found);
}

/* Analyses and prints one statement; 1 when it did not parse, 2 when the
 * analysis failed. */
static int analyze_one(ts_sql_analyzer *an, const char *sql, size_t len,
                       ts_sql_dialect dialect, int json)
{
    const ts_sql_analysis *a;
    ts_sensitive_values *found = NULL;
    ts_error err;

    ts_error_clear(&err);
    if (ts_sql_analyze(an, sql, len, dialect, &a, &err) != 0 ||
        ts_sensitive_scan_sql(&found, sql, len, dialect, &err) != 0) {
        cli_error("analyze-sql: %s", err.msg);
        return TS_EXIT_USAGE;
    }
    if (json)
        print_json(a, found);
    else
        print_text(a, found);
    ts_sensitive_values_free(found);
    return a->error != NULL ? TS_EXIT_NEGATIVE : TS_EXIT_OK;
}

static int analyze_lines(ts_sql_analyzer *an, const char *path,
                         ts_sql_dialect dialect, int json)
{
    size_t len, start = 0, end;
    char *text = cli_read_file(path, &len);
    int worst = TS_EXIT_OK, rc;

    if (text == NULL)
        return TS_EXIT_USAGE;
    while (start < len) {
        for (end = start; end < len && text[end] != '\n'; end++)
            ;
        if (end > start) {
            rc = analyze_one(an, text + start, end - start, dialect, json);
            if (rc > worst)
                worst = rc;
            if (rc == TS_EXIT_USAGE)
                break;
        }
        start = end + 1;
    }
    free(text);
    return worst;
}

static int load_catalog(ts_catalog **out, const char *dsn, const char *file)
{
    ts_error err;
    int rc;

    ts_error_clear(&err);
    *out = NULL;
    if (dsn != NULL)
        rc = ts_catalog_load_dsn(out, dsn, &err);
    else if (file != NULL)
        rc = ts_catalog_load_file(out, file, &err);
    else
        rc = ts_catalog_new(out, &err);
    if (rc != 0)
        cli_error("analyze-sql: %s", err.msg);
    return rc;
}

static int dump_catalog(const ts_catalog *catalog)
{
    char *json = NULL;
    ts_error err;

    ts_error_clear(&err);
    if (ts_catalog_to_json(&json, catalog, &err) != 0) {
        cli_error("analyze-sql: %s", err.msg);
        return TS_EXIT_USAGE;
    }
    printf("%s\n", json);
    free(json);
    return TS_EXIT_OK;
}

int cmd_analyze_sql(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"catalog-dsn", required_argument, NULL, 'D'},
        {"catalog", required_argument, NULL, 'c'},
        {"dialect", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"lines", required_argument, NULL, 'l'},
        {"stats", no_argument, NULL, 's'},
        {"dump-catalog", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *dsn = NULL, *file = NULL, *lines = NULL;
    ts_sql_dialect dialect = TS_SQL_PG;
    int c, json = 0, stats = 0, dump = 0, rc;
    ts_sql_analyzer *an = NULL;
    ts_catalog *catalog = NULL;
    ts_error err;

    (void)cli;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        case 'D':
            dsn = optarg;
            break;
        case 'c':
            file = optarg;
            break;
        case 'd':
            if (strcmp(optarg, "pg") == 0)
                dialect = TS_SQL_PG;
            else if (strcmp(optarg, "mysql") == 0)
                dialect = TS_SQL_MYSQL;
            else
                return cli_usage_error(
                    usage, "analyze-sql: unknown dialect '%s'", optarg);
            break;
        case 'j':
            json = 1;
            break;
        case 'l':
            lines = optarg;
            break;
        case 's':
            stats = 1;
            break;
        case 'C':
            dump = 1;
            break;
        default:
            return cli_usage_error(usage, "analyze-sql: bad option");
        }
    }
    if (dsn != NULL && file != NULL)
        return cli_usage_error(
            usage, "analyze-sql: --catalog-dsn and --catalog exclude each "
                   "other");
    if (!dump && (lines != NULL) == (optind < argc))
        return cli_usage_error(usage,
                               "analyze-sql: give one 'SQL' or --lines FILE");
    if (optind + 1 < argc)
        return cli_usage_error(usage, "analyze-sql: give one 'SQL' (quote "
                                      "it)");
    if (load_catalog(&catalog, dsn, file) != 0)
        return TS_EXIT_USAGE;
    if (dump) {
        rc = dump_catalog(catalog);
        goto out_catalog;
    }
    ts_error_clear(&err);
    if (ts_sql_analyzer_new(&an, catalog, &err) != 0) {
        cli_error("analyze-sql: %s", err.msg);
        rc = TS_EXIT_USAGE;
        goto out_catalog;
    }
    if (lines != NULL)
        rc = analyze_lines(an, lines, dialect, json);
    else
        rc = analyze_one(an, argv[optind], strlen(argv[optind]), dialect, json);
    if (stats) {
        ts_sql_analyzer_stats st;
        ts_sql_analyzer_get_stats(an, &st);
        fprintf(stderr,
                "statements %" PRIu64 ", cache hits %" PRIu64
                " (%.1f%%), templates parsed %" PRIu64
                ", parse+analysis %.1f us per template\n",
                st.lookups, st.hits,
                st.lookups ? 100.0 * (double)st.hits / (double)st.lookups : 0.0,
                st.parses,
                st.parses ? (double)st.parse_ns / 1000.0 / (double)st.parses
                          : 0.0);
    }
    ts_sql_analyzer_free(an);
out_catalog:
    ts_catalog_free(catalog);
    return rc;
}
