/* Shared pieces of the command-line tool: the command table, exit codes,
 * opening the store, printing errors and JSON. */
#ifndef TS_CLI_H
#define TS_CLI_H

#include <stdio.h>

#include "trailseal/trailseal.h"

enum {
    TS_EXIT_OK = 0,
    TS_EXIT_NEGATIVE = 1, /* a negative result: tampering found, ... */
    TS_EXIT_USAGE = 2     /* bad usage or unreadable input */
};

/* What every command receives. */
typedef struct ts_cli {
    const char *store_path; /* --store, $TRAILSEAL_STORE or ./trailseal.db */
    const char *argv0;
} ts_cli;

typedef struct ts_command {
    const char *name;
    const char *summary;
    int (*run)(const ts_cli *cli, int argc, char **argv);
} ts_command;

int cmd_init(const ts_cli *cli, int argc, char **argv);
int cmd_key(const ts_cli *cli, int argc, char **argv);
int cmd_ingest(const ts_cli *cli, int argc, char **argv);
int cmd_verify(const ts_cli *cli, int argc, char **argv);
int cmd_checkpoint(const ts_cli *cli, int argc, char **argv);
int cmd_prove(const ts_cli *cli, int argc, char **argv);
int cmd_verify_proof(const ts_cli *cli, int argc, char **argv);
int cmd_search(const ts_cli *cli, int argc, char **argv);
int cmd_report(const ts_cli *cli, int argc, char **argv);
int cmd_stats(const ts_cli *cli, int argc, char **argv);
int cmd_sessions(const ts_cli *cli, int argc, char **argv);
int cmd_timeline(const ts_cli *cli, int argc, char **argv);
int cmd_who(const ts_cli *cli, int argc, char **argv);
int cmd_analyze_sql(const ts_cli *cli, int argc, char **argv);
int cmd_load(const ts_cli *cli, int argc, char **argv);
int cmd_collect(const ts_cli *cli, int argc, char **argv);

/* Seals a reference source (freed here) and prints its summary (cmd_load.c;
 * collect shares it). Returns the exit code: 1 with strict and unparsed
 * records. */
int cli_seal_reference(ts_store *store, ts_source *src, const char *what,
                       unsigned long max_diag, int json, int strict);
int cmd_verify_pack(const ts_cli *cli, int argc, char **argv);

/* verify --against FILE (cli_against.c): the exit code, 0 when every
 * record of FILE matches what was sealed from it. */
int cli_verify_against(const ts_cli *cli, const char *path, int json);
int cmd_reindex(const ts_cli *cli, int argc, char **argv);

/* Prints "trailseal: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exit code for a library status: 2 for input and usage problems, else 1...
 * but failures to run at all are 2 too: only a verdict is 1. */
int cli_exit_for(int status);

/* Opens the store or prints why not; NULL on failure. */
ts_store *cli_open_store(const ts_cli *cli, unsigned flags);

/* Prints a usage message for a bad option and returns TS_EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints one line, "trailseal: <command>: <message> (see 'trailseal
 * <command> --help')", and returns TS_EXIT_USAGE. */
int cli_bad_usage(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes s as a JSON string (with quotes); NULL as null. */
void cli_json_string(FILE *out, const char *s);

/* Parses a time option; prints the error and returns -1 when bad. */
int cli_parse_time(const char *option, const char *text, int64_t *out);

/* Parses --since (the period's start) or --until (its end) with
 * ts_time_parse_period(), relative to now; prints the error and returns -1
 * when bad. */
int cli_parse_period(const char *option, const char *text, int is_until,
                     int64_t *out);

/* Parses a count or entry index (decimal, no sign) no larger than max;
 * prints the error and returns -1 when bad. */
int cli_parse_count(const char *option, const char *text, uint64_t max,
                    uint64_t *out);

/* Formats a time for output: the full ISO form, or seconds only in tables;
 * NULL for an unknown time. buf must hold 40 bytes. */
const char *cli_time_text(int64_t us, int table, char *buf);

/* Reads a whole file ('-' for stdin), at most 256 MiB, NUL-terminated;
 * *out_len gets its length. NULL after printing why. Free with free(). */
char *cli_read_file(const char *path, size_t *out_len);

/* Reads a verifier key file: its first line, without the line end. NULL
 * after printing why. Free with free(). */
char *cli_read_vkey(const char *path);

/* Catalogs for SQL analysis (cli_catalogs.c), owned: catalogs[i] in force
 * from from_us[i], ref_snapshots.id ids[i]. */
typedef struct cli_catalogs {
    ts_catalog **catalogs;
    int64_t *from_us, *ids;
    size_t n;
} cli_catalogs;

/* Every catalog snapshot of the store, oldest first (none: n = 0). */
int cli_catalogs_from_store(cli_catalogs *c, ts_store *store, ts_error *err);
void cli_catalogs_timeline(const cli_catalogs *c, ts_catalog_timeline *out);
void cli_catalogs_free(cli_catalogs *c);

#endif
