/* Proving an original log file against what was sealed from it: each of
 * its records equals its sealed entry, byte for byte, or, where the entry
 * was redacted, by the HMAC of the original sealed beside it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "trailseal/redact.h"

/* The sealed source whose key src has, or TS_ENOTFOUND. */
static int find_source(ts_store *store, const char *key, int64_t *out_id,
                       ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = ts_store_prepare(store, "SELECT id FROM sources WHERE key = ?",
                              &st, "reading sources", err);

    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *out_id = sqlite3_column_int64(st, 0);
    else
        rc = TS_ENOTFOUND;
    sqlite3_finalize(st);
    return rc;
}

int ts_store_open_sealed_source(ts_store *store, const char *path,
                                ts_source_opener open, void *ctx,
                                ts_source **out, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc, step;

    *out = NULL;
    rc = ts_store_prepare(store,
                          "SELECT DISTINCT format, config FROM sources"
                          " ORDER BY format, config",
                          &st, "reading sources", err);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *format = (const char *)sqlite3_column_text(st, 0);
        const char *config = (const char *)sqlite3_column_text(st, 1);
        ts_source *src = NULL;
        int64_t id = 0;
        ts_error ignored;
        if (format == NULL ||
            open(ctx, format, config ? config : "", path, &src, &ignored) != 0)
            continue; /* not readable in this format */
        rc = find_source(store, src->key, &id, err);
        if (rc == 0) {
            *out = src;
            break;
        }
        ts_source_free(src);
        if (rc == TS_ENOTFOUND)
            rc = 0;
    }
    sqlite3_finalize(st);
    if (rc == 0 && *out == NULL)
        rc = ts_error_set(err, TS_ENOTFOUND,
                          "'%s': nothing sealed in this store was read from "
                          "this content (the same format, settings and "
                          "first line)",
                          path);
    return rc;
}

typedef struct against {
    ts_store *store;
    ts_source *src;
    uint8_t key[TS_HASH_SIZE];
    ts_value_hasher *hasher; /* NULL without the store's key file */
    ts_against_report *report;
    ts_diag_fn diag;
    void *diag_ctx;
    int src_done;
} against;

/* Reports a difference at the file's line: "WHAT sealed entry SEQ". */
static void tell(against *a, uint64_t line, const char *what, uint64_t seq,
                 const char *why)
{
    char msg[200];

    if (a->report->first_bad_line == 0)
        a->report->first_bad_line = line;
    if (a->diag == NULL)
        return;
    snprintf(msg, sizeof(msg), "%s sealed entry %llu%s", what,
             (unsigned long long)seq, why);
    a->diag(a->diag_ctx, a->src->name, line, msg);
}

/* Compares one sealed entry of the source with the file's next record. */
static int compare(against *a, const ts_sealed_entry *e, ts_error *err)
{
    ts_against_report *r = a->report;
    uint8_t mac[TS_VALUE_HMAC_SIZE];
    ts_entry rec;
    ts_event ev;
    int got = a->src_done ? 0 : ts_source_next(a->src, &rec, &ev, err);

    if (got < 0)
        return got;
    if (got == 0) {
        if (!a->src_done) /* the rest are only counted */
            tell(a, e->line, "the file ends before", e->seq,
                 " (and every sealed entry after it)");
        a->src_done = 1;
        r->missing++;
        return 0;
    }
    if (rec.position != e->position) {
        r->differ++;
        tell(a, rec.line, "a record not where", e->seq,
             " begins (records added or removed before it)");
        return 0;
    }
    if (e->original_hmac == NULL) {
        if (rec.record_len == e->record_len &&
            memcmp(rec.record, e->record, e->record_len) == 0)
            r->matched++;
        else {
            r->differ++;
            tell(a, rec.line, "differs from", e->seq, "");
        }
        return 0;
    }
    if (a->hasher == NULL) {
        r->unchecked++;
        return 0;
    }
    if (ts_value_hmac(a->hasher, rec.record, rec.record_len, mac, err) != 0)
        return TS_ECRYPTO;
    if (memcmp(mac, e->original_hmac, TS_ORIGINAL_HMAC_SIZE) == 0) {
        r->matched++;
        r->matched_by_hmac++;
    } else {
        r->differ++;
        tell(a, rec.line, "differs from", e->seq,
             " (redacted: the HMAC of its original does not match)");
    }
    return 0;
}

static int walk_blocks(against *a, ts_error *err)
{
    ts_buf plain;
    sqlite3_stmt *st = NULL;
    int rc, step = SQLITE_DONE;

    ts_buf_init(&plain, TS_MAX_ENTRY_SIZE * 4);
    rc = ts_store_prepare(a->store,
                          "SELECT block_no, data FROM blocks ORDER BY block_no",
                          &st, "reading blocks", err);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        size_t off = 0, used = 0;
        rc = ts_block_unpack(sqlite3_column_blob(st, 1),
                             (size_t)sqlite3_column_bytes(st, 1), &plain, NULL,
                             err);
        while (rc == 0 && off < plain.len) {
            ts_sealed_entry e;
            rc = ts_entry_decode(plain.data + off, plain.len - off, &e, &used,
                                 err);
            off += used;
            if (rc == 0 && memcmp(e.source_key, a->key, TS_HASH_SIZE) == 0)
                rc = compare(a, &e, err);
        }
        if (rc != 0 && rc != TS_ECRYPTO && rc != TS_EIO)
            ts_error_prefix(
                err, "block %lld: ", (long long)sqlite3_column_int64(st, 0));
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ts_store_db_error(a->store, "reading blocks", err);
    sqlite3_finalize(st);
    ts_buf_release(&plain);
    return rc;
}

int ts_store_verify_against(ts_store *store, ts_source *src, ts_diag_fn diag,
                            void *diag_ctx, ts_against_report *out,
                            ts_error *err)
{
    against a;
    uint8_t vkey[TS_VALUE_KEY_SIZE];
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&a, 0, sizeof(a));
    a.store = store;
    a.src = src;
    a.report = out;
    a.diag = diag;
    a.diag_ctx = diag_ctx;
    if (ts_hex_decode(src->key, a.key, sizeof(a.key)) != 0)
        return ts_error_set(err, TS_EINVAL, "'%s': source key is not hex",
                            src->name);
    if (ts_store_value_key(store, vkey, err) == 0) {
        rc = ts_value_hasher_new(&a.hasher, vkey, err);
        memset(vkey, 0, sizeof(vkey));
        if (rc != 0)
            return rc;
    }
    ts_error_clear(err);
    rc = walk_blocks(&a, err);
    /* what the file has after the last sealed record */
    while (rc == 0 && !a.src_done) {
        ts_entry rec;
        ts_event ev;
        int got = ts_source_next(src, &rec, &ev, err);
        if (got < 0)
            rc = got;
        else if (got == 0)
            a.src_done = 1;
        else
            out->unsealed++;
    }
    ts_value_hasher_free(a.hasher);
    return rc;
}
