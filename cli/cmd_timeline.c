/* trailseal timeline: one account's sessions and statements in time order. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] timeline ACCOUNT [OPTIONS]\n"
    "       trailseal [--store PATH] timeline --who NAME [OPTIONS]\n\n"
    "Prints everything one database account did, every session and source\n"
    "merged, oldest first: connections, statements, errors, disconnections.\n\n"
    "  --who NAME         instead of ACCOUNT: every account of this identity\n"
    "                     (trailseal load identities)\n"
    "  --since TIME       from TIME; --until TIME: before TIME (TIME as in\n"
    "  --until TIME       search: ISO, YYYY-MM, YYYY-Qn, 7d, ...)\n"
    "  --limit N          at most N events (default 1000)\n"
    "  --after N          the events after entry N (the last one printed)\n"
    "  --json             one JSON object per line\n"
    "  --csv              CSV (RFC 4180) with a header\n";

static const ts_column table_columns[] = {
    {"entry_index", "ENTRY", 7, 0},
    {"time", "TIME (UTC)", 19, 0},
    {"session_id", "SESSION", 16, 0},
    {"kind", "KIND", 12, 0},
    {"application", "APPLICATION", 16, 0},
    {"what", "STATEMENT / MESSAGE", 0, 0}};

static const ts_column data_columns[] = {
    {"entry_index", NULL, 0, 1}, {"time", NULL, 0, 0},
    {"session_id", NULL, 0, 0},  {"kind", NULL, 0, 0},
    {"outcome", NULL, 0, 0},     {"account", NULL, 0, 0},
    {"database", NULL, 0, 0},    {"application", NULL, 0, 0},
    {"client", NULL, 0, 0},      {"command", NULL, 0, 0},
    {"object", NULL, 0, 0},      {"statement", NULL, 0, 0},
    {"message", NULL, 0, 0},     {"sqlstate", NULL, 0, 0},
    {"source", NULL, 0, 0},      {"line", NULL, 0, 1}};

typedef struct print_ctx {
    ts_writer *w;
    int table;
    uint64_t last;
} print_ctx;

/* Short kind names keep the table narrow. */
static const char *short_kind(ts_event_kind kind)
{
    switch (kind) {
    case TS_EVENT_CONNECTION_RECEIVED:
        return "connect";
    case TS_EVENT_CONNECTION_AUTHORIZED:
        return "authorized";
    case TS_EVENT_DISCONNECTION:
        return "disconnect";
    case TS_EVENT_AUTH_FAILURE:
        return "auth_fail";
    default:
        return ts_event_kind_name(kind);
    }
}

static int print_row(void *ctx, const ts_search_row *row)
{
    print_ctx *p = ctx;
    char entry[24], line[24], time[40];
    const char *t = cli_time_text(row->time_us, p->table, time);
    const char *what = row->statement ? row->statement : row->message;

    snprintf(entry, sizeof(entry), "%" PRIu64, row->entry_index);
    snprintf(line, sizeof(line), "%" PRIu64, row->line);
    p->last = row->entry_index;
    if (p->table) {
        const char *v[] = {
            entry, t, row->session_id, short_kind(row->kind), row->application,
            what};
        ts_writer_row(p->w, v);
    } else {
        const char *v[] = {entry,
                           t,
                           row->session_id,
                           ts_event_kind_name(row->kind),
                           ts_outcome_name(row->outcome),
                           row->account,
                           row->database,
                           row->application,
                           row->client_host,
                           row->command,
                           row->object_name,
                           row->statement,
                           row->message,
                           row->sqlstate,
                           row->source,
                           line};
        ts_writer_row(p->w, v);
    }
    return 0;
}

int cmd_timeline(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"who", required_argument, NULL, 'w'},
        {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"limit", required_argument, NULL, 'l'},
        {"after", required_argument, NULL, 'A'},
        {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    ts_format format = TS_FORMAT_TABLE;
    ts_timeline_query q;
    print_ctx p = {0};
    ts_store *store;
    ts_error err;
    uint64_t v;
    size_t n = 0;
    int c, rc;

    ts_timeline_query_init(&q);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
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
        case 'l':
            if (cli_parse_count("--limit", optarg, 1000000000, &v) != 0)
                return TS_EXIT_USAGE;
            if (v == 0)
                return cli_bad_usage("timeline", "--limit: must be at least 1");
            q.limit = (size_t)v;
            break;
        case 'A':
            if (cli_parse_count("--after", optarg, INT64_MAX, &v) != 0)
                return TS_EXIT_USAGE;
            q.after = (int64_t)v;
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
            return cli_bad_usage("timeline", "'%s' needs a value",
                                 argv[optind - 1]);
        default:
            return cli_bad_usage("timeline", "unknown option '%s'",
                                 argv[optind - 1]);
        }
    }
    if (q.who != NULL && argc - optind != 0)
        return cli_bad_usage("timeline", "takes ACCOUNT or --who, not both");
    if (q.who == NULL && argc - optind != 1)
        return cli_bad_usage("timeline", "takes one ACCOUNT (or --who NAME)");
    if (q.who == NULL)
        q.account = argv[optind];
    store = cli_open_store(cli, TS_STORE_READONLY | TS_STORE_NO_KEY);
    if (store == NULL)
        return TS_EXIT_USAGE;
    p.table = format == TS_FORMAT_TABLE;
    ts_error_clear(&err);
    rc = p.table
             ? ts_writer_new(&p.w, stdout, format, table_columns,
                             sizeof(table_columns) / sizeof(ts_column), &err)
             : ts_writer_new(&p.w, stdout, format, data_columns,
                             sizeof(data_columns) / sizeof(ts_column), &err);
    if (rc == 0)
        rc = ts_timeline(store, &q, print_row, &p, &n, &err);
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
        fprintf(stderr, "%zu event%s\n", n, n == 1 ? "" : "s");
    if (n > 0 && n == (q.limit ? q.limit : 1000))
        fprintf(stderr, "more: --after %" PRIu64 "\n", p.last);
    return TS_EXIT_OK;
}
