/* Helpers every command uses: errors, exit codes, the store, JSON strings. */
#include <stdarg.h>
#include <stdio.h>
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

void cli_json_string(FILE *out, const char *s)
{
    if (s == NULL) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
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
