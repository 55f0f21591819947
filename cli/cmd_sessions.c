/* trailseal sessions: database sessions with who, where from and how long. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] sessions [OPTIONS]\n\n"
    "Lists database sessions, latest start first: account, database,\n"
    "application, client, TLS, start, duration and statement count.\n\n"
    "  --account NAME     sessions of this database account\n"
    "  --who NAME         sessions of every account of this identity\n"
    "                     (IDENTITY: who owns the account, from\n"
    "                     trailseal load identities)\n"
    "  --since TIME       sessions still open at or after TIME\n"
    "  --until TIME       sessions started before TIME (TIME as in search)\n"
    "  --limit N          at most N sessions (default 100)\n"
    "  --oldest-first     earliest start first\n"
    "  --json             one JSON object per line\n"
    "  --csv              CSV (RFC 4180) with a header\n";

static const ts_column table_columns[] = {{"session_id", "SESSION", 16, 0},
                                          {"started", "STARTED (UTC)", 19, 0},
                                          {"duration", "DURATION", 10, 0},
                                          {"account", "ACCOUNT", 16, 0},
                                          {"identity", "IDENTITY", 16, 0},
                                          {"database", "DATABASE", 10, 0},
                                          {"application", "APPLICATION", 20, 0},
                                          {"client", "CLIENT", 15, 0},
                                          {"tls", "TLS", 8, 0},
                                          {"statements", "STATEMENTS", 0, 0}};

static const ts_column data_columns[] = {
    {"session_id", NULL, 0, 0},   {"account", NULL, 0, 0},
    {"identity", NULL, 0, 0},     {"database", NULL, 0, 0},
    {"application", NULL, 0, 0},  {"client", NULL, 0, 0},
    {"tls_protocol", NULL, 0, 0}, {"tls_cipher", NULL, 0, 0},
    {"started", NULL, 0, 0},      {"ended", NULL, 0, 0},
    {"duration_s", NULL, 0, 1},   {"events", NULL, 0, 1},
    {"statements", NULL, 0, 1},   {"auth_failed", NULL, 0, 1},
    {"pid", NULL, 0, 1},          {"source", NULL, 0, 0},
    {"entry_index", NULL, 0, 1}};

typedef struct print_ctx {
    ts_writer *w;
    int table;
} print_ctx;

static int print_row(void *ctx, const ts_session_row *row)
{
    const print_ctx *p = ctx;
    char started[40], ended[40], duration[32], events[24], stmts[24], pid[24];
    char entry[24];
    const char *dur = NULL;
    int64_t d;

    if (row->started_us != TS_UNKNOWN_TIME &&
        row->ended_us != TS_UNKNOWN_TIME) {
        d = row->ended_us - row->started_us;
        if (p->table)
            snprintf(duration, sizeof(duration), "%lld:%02lld:%02lld",
                     (long long)(d / 3600000000),
                     (long long)(d / 60000000 % 60),
                     (long long)(d / 1000000 % 60));
        else
            snprintf(duration, sizeof(duration), "%lld.%06lld",
                     (long long)(d / 1000000), (long long)(d % 1000000));
        dur = duration;
    }
    snprintf(events, sizeof(events), "%" PRIu64, row->n_events);
    snprintf(stmts, sizeof(stmts), "%" PRIu64, row->n_statements);
    snprintf(pid, sizeof(pid), "%" PRId64, row->pid);
    snprintf(entry, sizeof(entry), "%" PRId64, row->first_entry);
    if (p->table) {
        const char *v[] = {row->session_id,
                           cli_time_text(row->started_us, 1, started),
                           dur,
                           row->account,
                           row->identity,
                           row->database,
                           row->application,
                           row->client_host,
                           row->tls_protocol,
                           stmts};
        ts_writer_row(p->w, v);
    } else {
        const char *v[] = {row->session_id,
                           row->account,
                           row->identity,
                           row->database,
                           row->application,
                           row->client_host,
                           row->tls_protocol,
                           row->tls_cipher,
                           cli_time_text(row->started_us, 0, started),
                           cli_time_text(row->ended_us, 0, ended),
                           dur,
                           events,
                           stmts,
                           row->auth_failed ? "1" : "0",
                           row->pid < 0 ? NULL : pid,
                           row->source,
                           row->first_entry < 0 ? NULL : entry};
        ts_writer_row(p->w, v);
    }
    return 0;
}

int cmd_sessions(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"account", required_argument, NULL, 'a'},
        {"who", required_argument, NULL, 'w'},
        {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"limit", required_argument, NULL, 'l'},
        {"oldest-first", no_argument, NULL, 'F'},
        {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    ts_format format = TS_FORMAT_TABLE;
    ts_sessions_query q;
    print_ctx p = {0};
    ts_store *store;
    ts_error err;
    uint64_t v;
    size_t n = 0;
    int c, rc;

    ts_sessions_query_init(&q);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'a':
            q.account = optarg;
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
        case 'l':
            if (cli_parse_count("--limit", optarg, 1000000000, &v) != 0)
                return TS_EXIT_USAGE;
            if (v == 0)
                return cli_bad_usage("sessions", "--limit: must be at least 1");
            q.limit = (size_t)v;
            break;
        case 'F':
            q.oldest_first = 1;
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
            return cli_bad_usage("sessions", "'%s' needs a value",
                                 argv[optind - 1]);
        default:
            return cli_bad_usage("sessions", "unknown option '%s'",
                                 argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_bad_usage("sessions", "unexpected '%s'", argv[optind]);
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
        rc = ts_sessions(store, &q, print_row, &p, &n, &err);
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
        fprintf(stderr, "%zu session%s\n", n, n == 1 ? "" : "s");
    return TS_EXIT_OK;
}
