/* Helpers every command uses: errors, exit codes, the store, JSON strings. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("trailseal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_exit_for(int status)
{
    return status == TS_OK ? TS_EXIT_OK : TS_EXIT_USAGE;
}

ts_store *cli_open_store(const ts_cli *cli, unsigned flags)
{
    ts_store *store = NULL;
    ts_error err;

    ts_error_clear(&err);
    if (ts_store_open(&store, cli->store_path, flags, &err) != 0) {
        cli_error("%s", err.msg);
        return NULL;
    }
    return store;
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;

    fputs("trailseal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return TS_EXIT_USAGE;
}

int cli_bad_usage(const char *command, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "trailseal: %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'trailseal %s --help')\n", command);
    return TS_EXIT_USAGE;
}

void cli_json_string(FILE *out, const char *s)
{
    ts_write_json_string(out, s);
}

int cli_parse_time(const char *option, const char *text, int64_t *out)
{
    ts_error err;

    ts_error_clear(&err);
    if (ts_time_parse(text, out, &err) != 0) {
        cli_error("%s: %s", option, err.msg);
        return -1;
    }
    return 0;
}

int cli_parse_period(const char *option, const char *text, int is_until,
                     int64_t *out)
{
    int64_t start, end;
    ts_error err;

    ts_error_clear(&err);
    if (ts_time_parse_period(text, ts_time_now(), &start, &end, &err) != 0) {
        cli_error("%s: %s", option, err.msg);
        return -1;
    }
    *out = is_until ? end : start;
    return 0;
}

int cli_parse_count(const char *option, const char *text, uint64_t max,
                    uint64_t *out)
{
    unsigned long long v;
    char *end;

    errno = 0;
    v = strtoull(text, &end, 10);
    if (*text < '0' || *text > '9' || *end != '\0' || errno != 0 || v > max) {
        cli_error("%s: '%s' is not a number from 0 to %llu", option, text,
                  (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

const char *cli_time_text(int64_t us, int table, char *buf)
{
    if (us == TS_UNKNOWN_TIME)
        return NULL;
    ts_time_format(us, buf, 40);
    if (table)
        buf[19] = '\0';
    return buf;
}

#define CLI_MAX_INPUT_FILE (256u << 20)

char *cli_read_file(const char *path, size_t *out_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t size = 4096, len = 0;
    char *buf;

    if (f == NULL) {
        cli_error("'%s': cannot open: %s", path, strerror(errno));
        return NULL;
    }
    buf = malloc(size + 1);
    while (buf != NULL) {
        size_t n = fread(buf + len, 1, size - len, f);
        len += n;
        if (len < size)
            break;
        if (size >= CLI_MAX_INPUT_FILE) {
            cli_error("'%s': larger than %u bytes", path, CLI_MAX_INPUT_FILE);
            free(buf);
            buf = NULL;
            break;
        }
        char *grown = realloc(buf, size * 2 + 1);
        if (grown == NULL) {
            free(buf);
            buf = NULL;
        } else {
            buf = grown;
            size *= 2;
        }
    }
    if (buf != NULL && ferror(f)) {
        cli_error("'%s': read error", path);
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    if (buf != NULL) {
        buf[len] = '\0';
        *out_len = len;
    }
    return buf;
}

char *cli_read_vkey(const char *path)
{
    size_t len;
    char *vkey = cli_read_file(path, &len);

    if (vkey != NULL)
        vkey[strcspn(vkey, "\r\n")] = '\0';
    return vkey;
}
