/* Rows as an aligned table, JSON lines or RFC 4180 CSV, for every query
 * command. */
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "trailseal/output.h"

struct ts_writer {
    FILE *out;
    ts_format format;
    const ts_column *cols;
    size_t n_cols;
    int started; /* the header is out */
};

void ts_write_json_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    while (*p) {
        size_t n;
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
            if (*p < 0x20 || *p == 0x7F) {
                fprintf(out, "\\u%04x", *p);
                break;
            }
            n = ts_utf8_seq(p, 4);
            if (n == 0) {
                fputs("\\ufffd", out);
                break;
            }
            fwrite(p, 1, n, out);
            p += n;
            continue;
        }
        p++;
    }
    fputc('"', out);
}

void ts_write_csv_field(FILE *out, const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* Prints s on one line, padded to width when width > 0; a value longer than
 * its column (or 1000 bytes) ends in '~'. */
static void table_cell(FILE *out, const char *s, int width)
{
    char buf[1001];
    size_t limit = width > 0 ? (size_t)width : sizeof(buf) - 1;
    size_t n = 0, len;

    if (s == NULL)
        s = "-";
    len = strlen(s);
    for (; *s && n < limit; s++)
        buf[n++] = ((unsigned char)*s < 0x20 || *s == 0x7F) ? ' ' : *s;
    if (len > limit && n > 0)
        buf[n - 1] = '~';
    buf[n] = '\0';
    if (width > 0)
        fprintf(out, "%-*s ", width, buf);
    else
        fputs(buf, out);
}

static void write_header(ts_writer *w)
{
    for (size_t i = 0; i < w->n_cols; i++) {
        const ts_column *c = &w->cols[i];
        if (w->format == TS_FORMAT_TABLE) {
            table_cell(w->out, c->title ? c->title : c->name,
                       i + 1 < w->n_cols ? c->width : 0);
        } else {
            if (i > 0)
                fputc(',', w->out);
            ts_write_csv_field(w->out, c->name);
        }
    }
    fputs(w->format == TS_FORMAT_CSV ? "\r\n" : "\n", w->out);
}

int ts_writer_new(ts_writer **w, FILE *out, ts_format format,
                  const ts_column *cols, size_t n_cols, ts_error *err)
{
    *w = calloc(1, sizeof(**w));
    if (*w == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    (*w)->out = out;
    (*w)->format = format;
    (*w)->cols = cols;
    (*w)->n_cols = n_cols;
    return 0;
}

static void start(ts_writer *w)
{
    if (!w->started && w->format != TS_FORMAT_JSON)
        write_header(w);
    w->started = 1;
}

void ts_writer_end(ts_writer *w)
{
    start(w);
    fflush(w->out);
}

void ts_writer_row(ts_writer *w, const char *const *values)
{
    start(w);
    for (size_t i = 0; i < w->n_cols; i++) {
        const ts_column *c = &w->cols[i];
        switch (w->format) {
        case TS_FORMAT_TABLE:
            table_cell(w->out, values[i], i + 1 < w->n_cols ? c->width : 0);
            break;
        case TS_FORMAT_CSV:
            if (i > 0)
                fputc(',', w->out);
            ts_write_csv_field(w->out, values[i]);
            break;
        case TS_FORMAT_JSON:
            fputc(i == 0 ? '{' : ',', w->out);
            ts_write_json_string(w->out, c->name);
            fputc(':', w->out);
            if (c->is_number && values[i] != NULL)
                fputs(values[i], w->out);
            else
                ts_write_json_string(w->out, values[i]);
            break;
        }
    }
    if (w->format == TS_FORMAT_JSON)
        fputs(w->n_cols ? "}\n" : "{}\n", w->out);
    else
        fputs(w->format == TS_FORMAT_CSV ? "\r\n" : "\n", w->out);
}

void ts_writer_free(ts_writer *w)
{
    free(w);
}
