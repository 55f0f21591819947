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
