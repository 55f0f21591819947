/* trailseal who: the accounts that accessed a table, or the identities and
 * accounts that read or wrote a column or a data class, with counts and
 * times. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] who --object NAME [OPTIONS]\n"
    "       trailseal [--store PATH] who --column NAME [OPTIONS]\n"
    "       trailseal [--store PATH] who --class CLASS [OPTIONS]\n\n"
    "Lists the database accounts whose audited statements named the table,\n"
    "most events first, with reads, writes, sessions, first and last time,\n"
    "and the newest such entry (prove it with 'trailseal prove --index N').\n"
    "With --column or --class: the people and agents (identity, else the\n"
    "proxy's principal) and accounts whose statements read or wrote the\n"
    "column, or a column of the class, one row per column; for --class also\n"
    "the statements whose literal or parameter values were of the class\n"
    "(column '-').\n\n"
    "  --object NAME      schema.table, or table for every schema\n"
    "  --column NAME      schema.table.column\n"
    "  --class CLASS      a data class (trailseal reindex, catalog comment\n"
    "                     'pii:CLASS') or a value class (us_ssn, email, ...)\n"
    "  --who NAME         only the accounts of this identity\n"
    "                     (trailseal load identities)\n"
    "  --since TIME       from TIME; --until TIME: before TIME (TIME as in\n"
    "  --until TIME       search: ISO, YYYY-MM, YYYY-Qn, 7d, ...)\n"
    "  --json             one JSON object per line\n"
    "  --csv              CSV (RFC 4180) with a header\n";

static const ts_column table_columns[] = {
    {"account", "ACCOUNT", 16, 0},
    {"object", "OBJECT", 24, 0},
    {"events", "EVENTS", 8, 0},
    {"reads", "READS", 8, 0},
    {"writes", "WRITES", 8, 0},
    {"sessions", "SESSIONS", 8, 0},
    {"first", "FIRST (UTC)", 19, 0},
    {"last", "LAST (UTC)", 19, 0},
    {"last_entry_index", "LAST ENTRY", 0, 0}};

static const ts_column data_columns[] = {
    {"account", NULL, 0, 0},         {"object", NULL, 0, 0},
    {"events", NULL, 0, 1},          {"reads", NULL, 0, 1},
    {"writes", NULL, 0, 1},          {"sessions", NULL, 0, 1},
    {"first", NULL, 0, 0},           {"last", NULL, 0, 0},
    {"last_entry_index", NULL, 0, 1}};

static const ts_column access_table_columns[] = {
    {"identity", "IDENTITY", 16, 0}, {"account", "ACCOUNT", 16, 0},
    {"column", "COLUMN", 28, 0},     {"events", "EVENTS", 8, 0},
    {"reads", "READS", 8, 0},        {"writes", "WRITES", 8, 0},
    {"sessions", "SESSIONS", 8, 0},  {"first", "FIRST (UTC)", 19, 0},
    {"last", "LAST (UTC)", 19, 0},   {"last_entry_index", "LAST ENTRY", 0, 0}};

static const ts_column access_data_columns[] = {
    {"identity", NULL, 0, 0}, {"account", NULL, 0, 0},
    {"column", NULL, 0, 0},   {"events", NULL, 0, 1},
    {"reads", NULL, 0, 1},    {"writes", NULL, 0, 1},
    {"sessions", NULL, 0, 1}, {"first", NULL, 0, 0},
    {"last", NULL, 0, 0},     {"last_entry_index", NULL, 0, 1}};

typedef struct print_ctx {
    ts_writer *w;
    int table;
    int access; /* --column or --class: the identity column first */
} print_ctx;

static int print_row(void *ctx, const ts_who_row *row)
{
    const print_ctx *p = ctx;
    char events[24], reads[24], writes[24], sessions[24], last_entry[24];
    char first[40], last[40];
    const char *v[10];
    const char **f = p->access ? v + 1 : v;

    snprintf(events, sizeof(events), "%" PRIu64, row->n_events);
    snprintf(reads, sizeof(reads), "%" PRIu64, row->n_reads);
    snprintf(writes, sizeof(writes), "%" PRIu64, row->n_writes);
    snprintf(sessions, sizeof(sessions), "%" PRIu64, row->n_sessions);
    snprintf(last_entry, sizeof(last_entry), "%" PRIu64, row->last_entry_index);
    v[0] = row->identity;
    f[0] = row->account;
    f[1] = p->access && row->object_name == NULL && p->table ? "-"
                                                             : row->object_name;
    f[2] = events;
    f[3] = reads;
    f[4] = writes;
    f[5] = sessions;
    f[6] = cli_time_text(row->first_us, p->table, first);
    f[7] = cli_time_text(row->last_us, p->table, last);
    f[8] = last_entry;
    ts_writer_row(p->w, v);
    return 0;
}

int cmd_who(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"object", required_argument, NULL, 'o'},
        {"column", required_argument, NULL, 'L'},
        {"class", required_argument, NULL, 'K'},
        {"who", required_argument, NULL, 'w'},
        {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    ts_format format = TS_FORMAT_TABLE;
    ts_who_query q;
    print_ctx p = {0};
    ts_store *store;
    ts_error err;
    size_t n = 0;
    int c, rc;

    ts_who_query_init(&q);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            q.object = optarg;
            break;
        case 'L':
            q.column = optarg;
            break;
        case 'K':
            q.data_class = optarg;
            break;
        case 'w':
            q.who = optarg;
            break;
        case 'S':
            if (cli_parse_period("--since", optarg, 0, &q.since_us) != 0)
                return TS_EXIT_USAGE;
            break;
        case 'U':
            if (cli_parse_period("--until", optarg, 1, &q.until_us) != 0)
                return TS_EXIT_USAGE;
            break;
        case 'j':
            format = TS_FORMAT_JSON;
            break;
        case 'C':
            format = TS_FORMAT_CSV;
            break;
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        case ':':
            return cli_bad_usage("who", "'%s' needs a value", argv[optind - 1]);
        default:
            return cli_bad_usage("who", "unknown option '%s'",
                                 argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_bad_usage("who", "unexpected '%s'", argv[optind]);
    if ((q.object != NULL) + (q.column != NULL) + (q.data_class != NULL) != 1)
        return cli_bad_usage("who",
                             "give one of --object, --column and --class");
    store = cli_open_store(cli, TS_STORE_READONLY | TS_STORE_NO_KEY);
    if (store == NULL)
        return TS_EXIT_USAGE;
    p.table = format == TS_FORMAT_TABLE;
    p.access = q.object == NULL;
    ts_error_clear(&err);
    if (p.access)
        rc = p.table
                 ? ts_writer_new(
                       &p.w, stdout, format, access_table_columns,
                       sizeof(access_table_columns) / sizeof(ts_column), &err)
                 : ts_writer_new(
                       &p.w, stdout, format, access_data_columns,
                       sizeof(access_data_columns) / sizeof(ts_column), &err);
    else
        rc =
            p.table
                ? ts_writer_new(&p.w, stdout, format, table_columns,
                                sizeof(table_columns) / sizeof(ts_column), &err)
                : ts_writer_new(&p.w, stdout, format, data_columns,
                                sizeof(data_columns) / sizeof(ts_column), &err);
    if (rc == 0)
        rc = ts_who(store, &q, print_row, &p, &n, &err);
    if (rc == 0)
        ts_writer_end(p.w);
    ts_writer_free(p.w);
    ts_store_free(store);
    fflush(stdout);
    if (rc != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    if (p.table)
        fprintf(stderr, "%zu account%s\n", n, n == 1 ? "" : "s");
    return TS_EXIT_OK;
}
