/* JSON written as it is made (json_out.h). */
#include <stddef.h>
#include <string.h>

#include "report/json_out.h"

static const char spaces[] = "                                ";

void ts_json_out_init(ts_json_out *o, FILE *f, int indent, unsigned depth)
{
    memset(o, 0, offsetof(ts_json_out, buf));
    o->f = f;
    o->indent = indent;
    o->base = o->depth = depth;
    if (depth >= TS_JSON_OUT_MAX_DEPTH)
        o->failed = 1;
}

static void flush(ts_json_out *o)
{
    if (o->used > 0 && fwrite(o->buf, 1, o->used, o->f) != o->used)
        o->failed = 1;
    o->used = 0;
}

static void emit(ts_json_out *o, const char *data, size_t len)
{
    if (len > sizeof(o->buf) - o->used) {
        flush(o);
        if (len > sizeof(o->buf)) {
            if (fwrite(data, 1, len, o->f) != len)
                o->failed = 1;
            return;
        }
    }
    memcpy(o->buf + o->used, data, len);
    o->used += len;
}

static void emit_spaces(ts_json_out *o, unsigned n)
{
    while (n > 0) {
        unsigned k = n < sizeof(spaces) - 1 ? n : (unsigned)sizeof(spaces) - 1;
        emit(o, spaces, k);
        n -= k;
    }
}

static void newline(ts_json_out *o, unsigned depth)
{
    emit(o, "\n", 1);
    emit_spaces(o, depth * (unsigned)o->indent);
}

/* The separator, indentation and key before a new member or item. */
static void before(ts_json_out *o, const char *key)
{
    if (o->depth == 0 && o->items[0]) {
        o->failed = 1; /* a second document */
        return;
    }
    if (o->depth > 0) {
        if (o->items[o->depth])
            emit(o, ",", 1);
        newline(o, o->depth);
    }
    o->items[o->depth] = 1;
    if (key != NULL) {
        emit(o, "\"", 1);
        emit(o, key, strlen(key));
        emit(o, "\": ", 3);
    }
}

void ts_json_out_begin(ts_json_out *o, const char *key, char bracket)
{
    if (o->failed)
        return;
    if (o->depth + 1 >= TS_JSON_OUT_MAX_DEPTH ||
        (bracket != '{' && bracket != '[')) {
        o->failed = 1;
        return;
    }
    before(o, key);
    emit(o, &bracket, 1);
    o->depth++;
    o->close[o->depth] = bracket == '{' ? '}' : ']';
    o->items[o->depth] = 0;
}

void ts_json_out_end(ts_json_out *o)
{
    if (o->failed)
        return;
    if (o->close[o->depth] == 0) {
        o->failed = 1;
        return;
    }
    if (o->items[o->depth])
        newline(o, o->depth - 1);
    emit(o, &o->close[o->depth], 1);
    o->close[o->depth] = 0;
    o->depth--;
}

/* json_dump_callback sink: the text with the writer's indentation after
 * each newline. */
static int indented(const char *buffer, size_t size, void *data)
{
    ts_json_out *o = data;

    while (size > 0) {
        const char *nl = memchr(buffer, '\n', size);
        size_t run = nl ? (size_t)(nl - buffer) + 1 : size;
        emit(o, buffer, run);
        if (nl != NULL)
            emit_spaces(o, o->depth * (unsigned)o->indent);
        buffer += run;
        size -= run;
    }
    return o->failed ? -1 : 0;
}

void ts_json_out_value(ts_json_out *o, const char *key, json_t *v)
{
    if (v == NULL)
        o->failed = 1;
    if (!o->failed) {
        before(o, key);
        if (json_dump_callback(v, indented, o,
                               JSON_INDENT(o->indent) | JSON_PRESERVE_ORDER |
                                   JSON_ENCODE_ANY) != 0)
            o->failed = 1;
    }
    json_decref(v);
}

void ts_json_out_splice(ts_json_out *o, FILE *from, size_t items)
{
    char chunk[65536];
    size_t n;

    if (o->failed)
        return;
    flush(o);
    if (o->depth == 0 || o->items[o->depth] || fflush(from) != 0 ||
        ferror(from) || fseek(from, 0, SEEK_SET) != 0) {
        o->failed = 1;
        return;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), from)) > 0)
        if (fwrite(chunk, 1, n, o->f) != n) {
            o->failed = 1;
            return;
        }
    if (ferror(from))
        o->failed = 1;
    o->items[o->depth] = items > 0;
}

int ts_json_out_finish(ts_json_out *o)
{
    if (o->base == 0 && o->depth == 0)
        emit(o, "\n", 1); /* a document ends its last line */
    flush(o);
    if (o->depth != o->base || fflush(o->f) != 0 || ferror(o->f))
        o->failed = 1;
    return o->failed ? -1 : 0;
}
