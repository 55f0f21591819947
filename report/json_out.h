/* JSON written as it is made: for documents too large to hold as one
 * jansson tree (results.json, the OSCAL results, the manifest hold an
 * object per exception or file, hundreds of thousands in a large pack).
 * Containers are opened and closed here; each value in them is a small
 * jansson tree, dumped and freed at once. The text is indented as
 * json_dumpf with JSON_INDENT(indent) would indent the whole document. */
#ifndef TS_JSON_OUT_H
#define TS_JSON_OUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define TS_JSON_OUT_MAX_DEPTH 16
#define TS_JSON_OUT_BUFFER 16384

typedef struct ts_json_out {
    FILE *f; /* the caller's */
    int indent;
    unsigned base; /* the depth it started at */
    unsigned depth;
    char close[TS_JSON_OUT_MAX_DEPTH];          /* '}' or ']' per open level */
    unsigned char items[TS_JSON_OUT_MAX_DEPTH]; /* level has a member */
    int failed; /* a write failed, a value was NULL, or nesting was wrong */
    /* jansson hands over a token at a time: gathered here, written to f
     * in runs (a stdio call per token was a fifth of the OSCAL's time) */
    size_t used;
    char buf[TS_JSON_OUT_BUFFER];
} ts_json_out;

/* Writes to f, `indent` spaces per level, starting `depth` levels deep
 * (a fragment to splice into a document with ts_json_out_splice). */
void ts_json_out_init(ts_json_out *o, FILE *f, int indent, unsigned depth);

/* Opens an object ('{') or array ('[') as the member `key` of the open
 * object, or (key NULL) as the next item of the open array or as the
 * document. Keys are the caller's constants: plain ASCII, not escaped. */
void ts_json_out_begin(ts_json_out *o, const char *key, char bracket);

/* Closes the innermost open container. */
void ts_json_out_end(ts_json_out *o);

/* Writes v (taken, NULL marks the writer failed) as member `key` or next
 * item, in member order (JSON_PRESERVE_ORDER). */
void ts_json_out_value(ts_json_out *o, const char *key, json_t *v);

/* Copies the fragment another writer wrote to `from` (rewound here) of
 * `items` items as the items of the open container, which must be at the
 * fragment's depth and have no items yet. */
void ts_json_out_splice(ts_json_out *o, FILE *from, size_t items);

/* Writes what is left (a whole document with its final newline), then 0
 * when everything was written, every container closed and the stream
 * flushed, else -1. */
int ts_json_out_finish(ts_json_out *o);

#endif
