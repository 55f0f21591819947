/* trailseal search: full text and filters over the access history. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] search [TEXT] [OPTIONS]\n\n"
    "Prints matching events, newest entry first, each with the index of its\n"
    "sealed entry (prove it with 'trailseal prove --index N'). TEXT is\n"
    "searched in statements, object names and messages: plain words must\n"
    "all appear; FTS5 syntax (\"phrase\", prefix*, OR, NOT, NEAR) is passed\n"
    "through.\n\n"
    "  --account NAME     events of this database account\n"
    "  --who NAME         events of every account of this identity (person,\n"
    "                     agent or service: trailseal load identities)\n"
    "  --principal NAME   proxy events of this person or agent (a Teleport\n"
    "                     user, a hoop.dev user, ...)\n"
    "  --object NAME      events on this table (schema.table or table)\n"
    "  --column NAME      statements that read or wrote this column\n"
    "                     (schema.table.column), one row per statement\n"
    "  --class CLASS      statements that read or wrote a column of this\n"
    "                     data class (trailseal reindex; catalog comment\n"
    "                     'pii:CLASS'), or whose literal or parameter values\n"
    "                     are of it (email, us_ssn, card_number, iban, phone,\n"
    "                     jwt, api_key, private_key, password_hash)\n"
    "  --value VALUE      statements with this exact literal or bind\n"
    "                     parameter value (quotes and escapes undone), found\n"
    "                     by its HMAC even where it was redacted: needs the\n"
    "                     store's key file\n"
    "  --db NAME          events in this database (also --database)\n"
    "  --session ID       one session (PostgreSQL %c)\n"
    "  --source NAME      one source (its path, or the path's tail)\n"
    "  --command CMD      SELECT, INSERT, CREATE TABLE, GRANT, ...\n"
    "  --outcome O        ok, error or denied\n"
    "  --kind KIND        audit, statement, error, auth_failure,\n"
    "                     connection_received, connection_authorized,\n"
    "                     disconnection, log, unparsed, reference; or an\n"
    "                     identity kind: human, agent, service (events of\n"
    "                     the accounts of such identities)\n"
    "  --unparsed         entries that could not be parsed: file, line, why\n"
    "  --since TIME       from TIME; --until TIME: before TIME. TIME is\n"
    "  --until TIME       YYYY-MM-DD[ HH:MM[:SS]] (UTC), YYYY-MM, YYYY-Qn,\n"
    "                     YYYY, now, or 7d / 12h / 30m / 2w ago; a period\n"
    "                     starts --since and ends --until\n"
    "  --limit N          at most N rows (default 100)\n"
    "  --after N          the rows after entry N (the last one printed)\n"
    "  --oldest-first     oldest entry first\n"
    "  --json             one JSON object per line\n"
    "  --csv              CSV (RFC 4180) with a header\n";

/* --json and --csv: every field. */
static const ts_column data_columns[] = {
    {"entry_index", NULL, 0, 1},   {"time", NULL, 0, 0},
    {"kind", NULL, 0, 0},          {"outcome", NULL, 0, 0},
    {"account", NULL, 0, 0},       {"database", NULL, 0, 0},
    {"application", NULL, 0, 0},   {"client", NULL, 0, 0},
    {"session_id", NULL, 0, 0},    {"command", NULL, 0, 0},
    {"object", NULL, 0, 0},        {"statement", NULL, 0, 0},
    {"message", NULL, 0, 0},       {"sqlstate", NULL, 0, 0},
    {"source", NULL, 0, 0},        {"line", NULL, 0, 1},
    {"reason", NULL, 0, 0},        {"principal", NULL, 0, 0},
    {"principal_kind", NULL, 0, 0}};

static const ts_column table_columns[] = {
    {"entry_index", "ENTRY", 7, 0},
    {"time", "TIME (UTC)", 19, 0},
    {"account", "ACCOUNT", 16, 0},
    {"application", "APPLICATION", 20, 0},
    {"what", "STATEMENT / MESSAGE", 0, 0}};

static const ts_column unparsed_columns[] = {{"entry_index", "ENTRY", 7, 0},
                                             {"source", "SOURCE", 32, 0},
                                             {"line", "LINE", 8, 0},
                                             {"reason", "REASON", 0, 0}};

typedef struct print_ctx {
    ts_writer *w;
    int table, unparsed;
    uint64_t last;
} print_ctx;

static int print_row(void *ctx, const ts_search_row *row)
{
    print_ctx *p = ctx;
    char entry[24], line[24], time[40];
    const char *t = cli_time_text(row->time_us, p->table, time);

    snprintf(entry, sizeof(entry), "%" PRIu64, row->entry_index);
    snprintf(line, sizeof(line), "%" PRIu64, row->line);
    p->last = row->entry_index;
    if (p->table && p->unparsed) {
        const char *v[] = {entry, row->source, line, row->unparsed_reason};
        ts_writer_row(p->w, v);
    } else if (p->table) {
        const char *what = row->statement ? row->statement : row->message;
        if (what == NULL)
            what = row->unparsed_reason;
        const char *v[] = {entry, t, row->account, row->application, what};
        ts_writer_row(p->w, v);
    } else {
        const char *v[] = {entry,
                           t,
                           ts_event_kind_name(row->kind),
                           ts_outcome_name(row->outcome),
                           row->account,
                           row->database,
                           row->application,
                           row->client_host,
                           row->session_id,
                           row->command,
                           row->object_name,
                           row->statement,
                           row->message,
                           row->sqlstate,
                           row->source,
                           line,
                           row->unparsed_reason,
                           row->principal,
                           row->principal_kind};
        ts_writer_row(p->w, v);
    }
    return 0;
}

static int parse_kind(const char *name)
{
    for (int k = 0; k < TS_EVENT_KIND_COUNT; k++)
        if (strcmp(name, ts_event_kind_name((ts_event_kind)k)) == 0)
            return k;
    return -1;
}

int cmd_search(const ts_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"account", required_argument, NULL, 'a'},
        {"who", required_argument, NULL, 'w'},
        {"principal", required_argument, NULL, 'P'},
        {"object", required_argument, NULL, 'o'},
        {"column", required_argument, NULL, 'L'},
        {"class", required_argument, NULL, 'K'},
        {"value", required_argument, NULL, 'V'},
        {"db", required_argument, NULL, 'd'},
        {"database", required_argument, NULL, 'd'},
        {"session", required_argument, NULL, 's'},
        {"source", required_argument, NULL, 'f'},
        {"command", required_argument, NULL, 'c'},
        {"outcome", required_argument, NULL, 'r'},
        {"kind", required_argument, NULL, 'k'},
        {"unparsed", no_argument, NULL, 'u'},
        {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"limit", required_argument, NULL, 'l'},
        {"after", required_argument, NULL, 'A'},
        {"oldest-first", no_argument, NULL, 'F'},
        {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    ts_format format = TS_FORMAT_TABLE;
    ts_search_query q;
    print_ctx p = {0};
    ts_store *store;
    ts_error err;
    uint64_t v;
    size_t n = 0;
    int c, rc;

    ts_search_query_init(&q);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        switch (c) {
        case 'a':
            q.account = optarg;
            break;
        case 'P':
            q.principal = optarg;
            break;
        case 'o':
            q.object = optarg;
            break;
        case 'L':
            q.column = optarg;
            break;
        case 'K':
            q.data_class = optarg;
            break;
        case 'V':
            q.value = optarg;
            break;
        case 'd':
            q.database = optarg;
            break;
        case 's':
            q.session_id = optarg;
            break;
        case 'f':
            q.source = optarg;
            break;
        case 'c':
            q.command = optarg;
            break;
        case 'r':
            rc = ts_outcome_parse(optarg);
            if (rc < 0)
                return cli_bad_usage(
                    "search", "--outcome: '%s' is not ok, error or denied",
                    optarg);
            q.outcome = (ts_outcome)rc;
            break;
        case 'w':
            q.who = optarg;
            break;
        case 'k':
            if (ts_identity_kind_valid(optarg)) {
                q.identity_kind = optarg;
                break;
            }
            q.kind = parse_kind(optarg);
            if (q.kind < 0)
                return cli_bad_usage(
                    "search", "--kind: '%s' is not a kind of event or identity",
                    optarg);
            break;
        case 'u':
            p.unparsed = 1;
            q.kind = TS_EVENT_UNPARSED;
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
                return cli_bad_usage("search", "--limit: must be at least 1");
            q.limit = (size_t)v;
            break;
        case 'A':
            if (cli_parse_count("--after", optarg, INT64_MAX, &v) != 0)
                return TS_EXIT_USAGE;
            q.after = (int64_t)v;
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
            return cli_bad_usage("search", "'%s' needs a value",
                                 argv[optind - 1]);
        default:
            return cli_bad_usage("search", "unknown option '%s'",
                                 argv[optind - 1]);
        }
    }
    if (p.unparsed && q.kind != TS_EVENT_UNPARSED)
        return cli_bad_usage("search", "--unparsed and --kind disagree");
    if (argc - optind > 1)
        return cli_bad_usage("search", "takes one TEXT (quote it)");
    if (optind < argc)
        q.text = argv[optind];
    /* a value is found by its HMAC, under a key derived from the store's */
    store = cli_open_store(cli,
                           TS_STORE_READONLY | (q.value ? 0 : TS_STORE_NO_KEY));
    if (store == NULL)
        return TS_EXIT_USAGE;
    p.table = format == TS_FORMAT_TABLE;
    ts_error_clear(&err);
    if (p.table && p.unparsed)
        rc = ts_writer_new(&p.w, stdout, format, unparsed_columns,
                           sizeof(unparsed_columns) / sizeof(ts_column), &err);
    else if (p.table)
        rc = ts_writer_new(&p.w, stdout, format, table_columns,
                           sizeof(table_columns) / sizeof(ts_column), &err);
    else
        rc = ts_writer_new(&p.w, stdout, format, data_columns,
                           sizeof(data_columns) / sizeof(ts_column), &err);
    if (rc == 0)
        rc = ts_search(store, &q, print_row, &p, &n, &err);
    if (rc == 0)
        ts_writer_end(p.w);
    ts_writer_free(p.w);
    ts_store_free(store);
    fflush(stdout); /* the count follows the rows it counts */
    if (rc != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    if (p.table)
        fprintf(stderr, "%zu event%s\n", n, n == 1 ? "" : "s");
    if (n > 0 && n == (q.limit ? q.limit : 100))
        fprintf(stderr, "more: --after %" PRIu64 "\n", p.last);
    return TS_EXIT_OK;
}
