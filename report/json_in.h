/* JSON read a piece at a time from a file: the containers a reader walks
 * are stepped through here, and each value in them is parsed by jansson
 * alone, so a results.json of hundreds of thousands of items is never one
 * tree in memory. Jansson has no streaming parser; this walker is the
 * little it needs: the file is read through a window (1 MiB to start,
 * doubled for a value that does not fit), and a value can be passed over
 * without being parsed, to come back to it later (ts_json_in_restore). */
#ifndef TS_JSON_IN_H
#define TS_JSON_IN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

#define TS_JSON_IN_MAX_DEPTH 16
#define TS_JSON_IN_MAX_KEY 128
/* The largest single value the window grows to hold. */
#define TS_JSON_IN_MAX_VALUE ((size_t)64 << 20)

typedef struct ts_json_in {
    int fd;           /* the caller's, read with pread; -1: text in memory */
    const char *name; /* messages say "name:LINE: problem" */
    const char *view; /* the window: bytes [base, base + len) of the file */
    char *buf;        /* the view when read from fd (NULL for text) */
    size_t cap;
    size_t len;
    uint64_t base;
    int eof;      /* the window reaches the end of the file */
    uint64_t pos; /* where the next token starts */
    unsigned depth;
    char close[TS_JSON_IN_MAX_DEPTH];            /* '}' or ']' per open level */
    unsigned char started[TS_JSON_IN_MAX_DEPTH]; /* a member was read */
} ts_json_in;

/* Reads fd (kept open by the caller) from its start. */
int ts_json_in_init(ts_json_in *in, int fd, const char *name, ts_error *err);

/* Reads len bytes of text in memory (the caller's, kept while in is used):
 * for a file that must be parsed exactly as it was hashed. */
void ts_json_in_init_text(ts_json_in *in, const char *text, size_t len,
                          const char *name);

void ts_json_in_release(ts_json_in *in);

/* Enters the object ('{') or array ('[') that starts at the cursor. */
int ts_json_in_open(ts_json_in *in, char bracket, ts_error *err);

/* Steps to the next member of the open object (its key in key, the
 * cursor at its value) or item of the open array (key NULL): 1, or 0 when
 * the container ends (left, one level up). A value stepped to must be
 * read, passed over or opened before the next step. */
int ts_json_in_next(ts_json_in *in, char key[TS_JSON_IN_MAX_KEY],
                    ts_error *err);

/* The value at the cursor, parsed (duplicate keys refused); NULL with err
 * set on a syntax error. The caller owns it. */
json_t *ts_json_in_value(ts_json_in *in, ts_error *err);

/* Passes over the value at the cursor without parsing it: its brackets
 * and strings are matched, the rest is checked when it is read. */
int ts_json_in_skip(ts_json_in *in, ts_error *err);

/* Where the cursor is, and in which containers: a value stepped to and
 * passed over can be come back to (ts_json_in_restore), and the walk
 * taken up again where it was left. */
typedef struct ts_json_in_mark {
    uint64_t pos;
    unsigned depth;
    char close[TS_JSON_IN_MAX_DEPTH];
    unsigned char started[TS_JSON_IN_MAX_DEPTH];
} ts_json_in_mark;

void ts_json_in_save(const ts_json_in *in, ts_json_in_mark *mark);
void ts_json_in_restore(ts_json_in *in, const ts_json_in_mark *mark);

/* Reads the object at the cursor: its members into *out (new, the
 * caller's), a key given twice refused, except those named in
 * deferred[0..n) (at most 8), which are passed over: present[k] says
 * whether deferred[k] was there and marks[k] where its value is. */
int ts_json_in_object(ts_json_in *in, const char *const *deferred, size_t n,
                      ts_json_in_mark *marks, int *present, json_t **out,
                      ts_error *err);

/* 0 when nothing but white space follows the document. */
int ts_json_in_end(ts_json_in *in, ts_error *err);

#endif
