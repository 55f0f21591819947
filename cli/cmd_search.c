/* trailseal search: filters and full text over the access history. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: trailseal [--store PATH] search [TEXT] [OPTIONS]\n\n"
    "Prints matching events in time order, each with the index of its sealed\n"
    "entry. TEXT is searched in statements, object names and messages: plain\n"
    "words must all appear; FTS5 syntax (\"phrase\", prefix*, OR, NOT) is\n"
    "passed through.\n\n"
    "  --account NAME     events of this database account\n"
    "  --object NAME      events on this table (schema.table or table)\n"
    "  --database NAME\n"
    "  --session ID       one session (PostgreSQL %c)\n"
    "  --kind KIND        audit, statement, error, auth_failure,\n"
    "                     connection_received, connection_authorized,\n"
    "                     disconnection, log, unparsed\n"
    "  --since TIME       from TIME (YYYY-MM-DD[ HH:MM[:SS]], UTC)\n"
    "  --until TIME       before TIME\n"
    "  --limit N          at most N rows (default 100)\n"
    "  --offset N         skip the first N rows\n"
    "  --json             one JSON object per line\n";

typedef struct print_ctx {
    int json;
} print_ctx;

/* Prints s on one line (newlines and tabs become spaces), padded to width
 * when width > 0; a value longer than its column (or 255 bytes) ends in '~'. */
static void print_cell(const char *s, int width)
{
    char buf[256];
    size_t limit = width > 0 ? (size_t)width : sizeof(buf) - 1;
    size_t n = 0, len;

    if (s == NULL)
        s = "-";
    len = strlen(s);
    for (; *s && n < limit; s++)
        buf[n++] = (*s == '\n' || *s == '\t' || *s == '\r') ? ' ' : *s;
    if (len > limit)
        buf[n - 1] = '~';
    buf[n] = '\0';
    if (width > 0)
        printf("%-*s ", width, buf);
    else
        printf("%s", buf);
}

static int print_row(void *ctx, const ts_search_row *row)
{
    const print_ctx *p = ctx;
    char time[40];
    const char *what = row->statement ? row->statement : row->message;

    ts_time_format(row->time_us, time, sizeof(time));
    if (p->json) {
        printf("{\"entry_index\":%" PRIu64 ",\"time\":", row->entry_index);
        cli_json_string(stdout, row->time_us == INT64_MIN ? NULL : time);
        printf(",\"kind\":\"%s\",\"account\":", ts_event_kind_name(row->kind));
        cli_json_string(stdout, row->account);
        printf(",\"database\":");
        cli_json_string(stdout, row->database);
        printf(",\"application\":");
        cli_json_string(stdout, row->application);
        printf(",\"client\":");
        cli_json_string(stdout, row->client_host);
        printf(",\"session_id\":");
        cli_json_string(stdout, row->session_id);
        printf(",\"command\":");
        cli_json_string(stdout, row->command);
        printf(",\"object\":");
        cli_json_string(stdout, row->object_name);
        printf(",\"statement\":");
        cli_json_string(stdout, row->statement);
        printf(",\"message\":");
        cli_json_string(stdout, row->message);
        printf(",\"source\":");
        cli_json_string(stdout, row->source);
        printf(",\"line\":%" PRIu64 "}\n", row->line);
        return 0;
    }
    printf("%-7" PRIu64 " ", row->entry_index);
    time[19] = '\0'; /* seconds are enough in a table */
    print_cell(row->time_us == INT64_MIN ? NULL : time, 19);
    print_cell(row->account, 16);
    print_cell(row->application, 20);
    print_cell(what, 0);
    putchar('\n');
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
        {"object", required_argument, NULL, 'o'},
        {"database", required_argument, NULL, 'd'},
        {"session", required_argument, NULL, 's'},
        {"kind", required_argument, NULL, 'k'},
        {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"limit", required_argument, NULL, 'l'},
        {"offset", required_argument, NULL, 'O'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    ts_search_query q;
    print_ctx p = {0};
    ts_store *store;
    ts_error err;
    size_t n = 0;
    char *end;
    int c, rc;

    ts_search_query_init(&q);
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'a':
            q.account = optarg;
            break;
        case 'o':
            q.object = optarg;
            break;
        case 'd':
            q.database = optarg;
            break;
        case 's':
            q.session_id = optarg;
            break;
        case 'k':
            q.kind = parse_kind(optarg);
            if (q.kind < 0)
                return cli_usage_error(
                    usage, "--kind: '%s' is not a kind of event", optarg);
            break;
        case 'S':
            if (cli_parse_time("--since", optarg, &q.since_us) != 0)
                return TS_EXIT_USAGE;
            break;
        case 'U':
            if (cli_parse_time("--until", optarg, &q.until_us) != 0)
                return TS_EXIT_USAGE;
            break;
        case 'l':
        case 'O': {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || (c == 'l' && v == 0))
                return cli_usage_error(usage, "%s: '%s' is not a %snumber",
                                       c == 'l' ? "--limit" : "--offset",
                                       optarg, c == 'l' ? "positive " : "");
            if (c == 'l')
                q.limit = v;
            else
                q.offset = v;
            break;
        }
        case 'j':
            p.json = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return TS_EXIT_OK;
        default:
            return cli_usage_error(usage, "search: bad option");
        }
    }
    if (argc - optind > 1)
        return cli_usage_error(usage, "search takes one TEXT (quote it)");
    if (optind < argc)
        q.text = argv[optind];
    store = cli_open_store(cli, TS_STORE_READONLY | TS_STORE_NO_KEY);
    if (store == NULL)
        return TS_EXIT_USAGE;
    if (!p.json)
        printf("%-7s %-19s %-16s %-20s %s\n", "ENTRY", "TIME (UTC)", "ACCOUNT",
               "APPLICATION", "STATEMENT / MESSAGE");
    ts_error_clear(&err);
    rc = ts_search(store, &q, print_row, &p, &n, &err);
    ts_store_free(store);
    if (rc != 0) {
        cli_error("%s", err.msg);
        return TS_EXIT_USAGE;
    }
    fflush(stdout); /* the count follows the rows it counts */
    if (!p.json)
        fprintf(stderr, "%zu event%s\n", n, n == 1 ? "" : "s");
    return TS_EXIT_OK;
}
