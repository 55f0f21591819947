/* Checking proofs offline, with nothing but the verifier key and the proof. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "trailseal/proof.h"

#define INCLUSION_HEADER "c2sp.org/tlog-proof@v1"
#define CONSISTENCY_HEADER "trailseal.local/tlog-consistency@v1"

/* Sets the verdict to invalid with a reason; returns 0 (the check ran). */
static int invalid(ts_proof_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int invalid(ts_proof_result *r, const char *fmt, ...)
{
    va_list ap;

    r->valid = 0;
    va_start(ap, fmt);
    if (vsnprintf(r->problem, sizeof(r->problem), fmt, ap) < 0)
        r->problem[0] = '\0';
    va_end(ap);
    return 0;
}

/* A line reader over the proof text: each call yields the next line
 * without its newline; 0 at the end. */
typedef struct lines {
    const char *p, *end;
} lines;

static int next_line(lines *l, const char **start, size_t *len)
{
    const char *nl;

    if (l->p >= l->end)
        return 0;
    nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
    if (nl == NULL)
        return -1; /* every line ends in a newline */
    *start = l->p;
    *len = (size_t)(nl - l->p);
    l->p = nl + 1;
    return 1;
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int decode_hash(const char *s, size_t len, uint8_t out[TS_HASH_SIZE])
{
    uint8_t buf[TS_HASH_SIZE + 3];
    long n = ts_base64_decode(s, len, buf, sizeof(buf));

    if (n != TS_HASH_SIZE)
        return -1;
    memcpy(out, buf, TS_HASH_SIZE);
    return 0;
}

/* Reads proof hash lines up to the blank line that precedes the note. */
static int read_hashes(lines *l, uint8_t (*hashes)[TS_HASH_SIZE], size_t *n,
                       ts_proof_result *r)
{
    const char *s;
    size_t len;
    int got;

    *n = 0;
    while ((got = next_line(l, &s, &len)) == 1 && len > 0) {
        if (*n == TS_MERKLE_MAX_PROOF)
            return invalid(r, "more than %d proof hashes", TS_MERKLE_MAX_PROOF),
                   -1;
        if (decode_hash(s, len, hashes[*n]) != 0)
            return invalid(r, "proof hash %zu is not base64 of 32 bytes",
                           *n + 1),
                   -1;
        (*n)++;
    }
    if (got != 1)
        return invalid(r, "no checkpoint after the proof hashes"), -1;
    return 0;
}

/* The last checkpoint note whose signature verified, by its exact bytes,
 * and what it says: the proofs of a pack all end in the same checkpoint,
 * whose signature is then verified once (an Ed25519 verification was most
 * of verify-pack's time). The signature's verdict is a function of the key
 * and these bytes alone. */
typedef struct note_memo {
    char *note;
    size_t len;
    char origin[128];
    uint64_t tree_size;
    uint8_t root[TS_HASH_SIZE];
} note_memo;

struct ts_proof_verifier {
    ts_verifier key;
    note_memo memo;
};

/* Verifies the checkpoint note at the end of the proof (or finds it in
 * memo, which may be NULL); fills the result's checkpoint fields. 0 when
 * valid. */
static int check_note(const ts_verifier *v, note_memo *memo, const char *note,
                      size_t len, ts_proof_result *r,
                      uint8_t root[TS_HASH_SIZE])
{
    size_t body_len = 0;
    ts_error e;

    if (memo != NULL && memo->note != NULL && memo->len == len &&
        memcmp(memo->note, note, len) == 0) {
        memcpy(r->origin, memo->origin, sizeof(r->origin));
        r->tree_size = memo->tree_size;
        memcpy(root, memo->root, TS_HASH_SIZE);
        ts_base64_encode(root, TS_HASH_SIZE, r->root);
        return 0; /* its origin was the key's name when it was kept */
    }
    ts_error_clear(&e);
    if (ts_note_verify(v, note, len, &body_len, &e) != 0)
        return invalid(r, "checkpoint: %s", e.msg), -1;
    if (ts_checkpoint_parse(note, body_len, r->origin, sizeof(r->origin),
                            &r->tree_size, root, &e) != 0)
        return invalid(r, "checkpoint: %s", e.msg), -1;
    ts_base64_encode(root, TS_HASH_SIZE, r->root);
    if (strcmp(r->origin, v->name) != 0)
        return invalid(r, "checkpoint origin '%s' is not the key's name '%s'",
                       r->origin, v->name),
               -1;
    if (memo != NULL) {
        char *copy = malloc(len ? len : 1);
        if (copy != NULL) { /* without memory, simply not remembered */
            memcpy(copy, note, len);
            free(memo->note);
            memo->note = copy;
            memo->len = len;
            memcpy(memo->origin, r->origin, sizeof(memo->origin));
            memo->tree_size = r->tree_size;
            memcpy(memo->root, root, TS_HASH_SIZE);
        }
    }
    return 0;
}

static int verify_inclusion(const ts_verifier *v, note_memo *memo, lines *l,
                            ts_proof_result *r)
{
    uint8_t hashes[TS_MERKLE_MAX_PROOF][TS_HASH_SIZE], root[TS_HASH_SIZE];
    uint8_t leaf[TS_HASH_SIZE];
    uint8_t *entry_bytes = NULL;
    ts_sealed_entry entry;
    const char *s;
    size_t len, n_hashes = 0, used = 0;
    long entry_len;
    ts_error e;
    int rc = 0;

    r->kind = TS_PROOF_INCLUSION;
    if (next_line(l, &s, &len) != 1 || len < 6 || memcmp(s, "extra ", 6) != 0)
        return invalid(r, "line 2: expected 'extra' with the entry's bytes");
    entry_bytes = malloc(len);
    if (entry_bytes == NULL)
        return invalid(r, "out of memory");
    entry_len = ts_base64_decode(s + 6, len - 6, entry_bytes, len);
    if (entry_len < 0) {
        invalid(r, "line 2: extra is not base64");
        goto done;
    }
    if (next_line(l, &s, &len) != 1 || len < 7 || memcmp(s, "index ", 6) != 0 ||
        parse_u64(s + 6, len - 6, &r->index) != 0) {
        invalid(r, "line 3: expected 'index N'");
        goto done;
    }
    if (read_hashes(l, hashes, &n_hashes, r) != 0)
        goto done;
    if (check_note(v, memo, l->p, (size_t)(l->end - l->p), r, root) != 0)
        goto done;
    ts_error_clear(&e);
    if (ts_entry_decode(entry_bytes, (size_t)entry_len, &entry, &used, &e) !=
            0 ||
        used != (size_t)entry_len) {
        invalid(r, "the entry in extra is not a canonical trailseal entry: %s",
                used != (size_t)entry_len && e.msg[0] == '\0' ? "trailing bytes"
                                                              : e.msg);
        goto done;
    }
    if (entry.seq != r->index) {
        invalid(r, "the entry says it is entry %llu, the proof says %llu",
                (unsigned long long)entry.seq, (unsigned long long)r->index);
        goto done;
    }
    ts_merkle_leaf_hash(entry_bytes, (size_t)entry_len, leaf);
    if (ts_merkle_verify_inclusion(r->index, r->tree_size, leaf,
                                   (const uint8_t(*)[TS_HASH_SIZE])hashes,
                                   n_hashes, root, &e) != 0) {
        invalid(r, "inclusion proof: %s", e.msg);
        goto done;
    }
    r->position = entry.position;
    r->line = entry.line;
    r->observed_us = entry.observed_us;
    snprintf(r->format, sizeof(r->format), "%.*s", (int)entry.format_len,
             entry.format);
    r->record_len = entry.record_len;
    len = entry.record_len < sizeof(r->record) - 1 ? entry.record_len
                                                   : sizeof(r->record) - 1;
    memcpy(r->record, entry.record, len);
    r->record[len] = '\0';
    r->valid = 1;
done:
    free(entry_bytes);
    return rc;
}

static int verify_consistency(const ts_verifier *v, note_memo *memo, lines *l,
                              ts_proof_result *r)
{
    uint8_t hashes[TS_MERKLE_MAX_PROOF][TS_HASH_SIZE], root[TS_HASH_SIZE];
    uint8_t old_root[TS_HASH_SIZE];
    const char *s, *sp;
    size_t len, n_hashes = 0;
    ts_error e;

    r->kind = TS_PROOF_CONSISTENCY;
    if (next_line(l, &s, &len) != 1 || len < 5 || memcmp(s, "old ", 4) != 0 ||
        (sp = memchr(s + 4, ' ', len - 4)) == NULL ||
        parse_u64(s + 4, (size_t)(sp - s - 4), &r->from_size) != 0 ||
        decode_hash(sp + 1, len - (size_t)(sp + 1 - s), old_root) != 0)
        return invalid(r, "line 2: expected 'old SIZE BASE64-ROOT'");
    ts_base64_encode(old_root, TS_HASH_SIZE, r->from_root);
    if (read_hashes(l, hashes, &n_hashes, r) != 0)
        return 0;
    if (check_note(v, memo, l->p, (size_t)(l->end - l->p), r, root) != 0)
        return 0;
    ts_error_clear(&e);
    if (ts_merkle_verify_consistency(r->from_size, r->tree_size, old_root, root,
                                     (const uint8_t(*)[TS_HASH_SIZE])hashes,
                                     n_hashes, &e) != 0)
        return invalid(r, "consistency proof: %s", e.msg);
    r->valid = 1;
    return 0;
}

/* A proof of either kind against key v. */
static int verify_with(const ts_verifier *v, note_memo *memo, const char *proof,
                       size_t len, ts_proof_result *out)
{
    lines l = {proof, proof + len};
    const char *s;
    size_t n;

    memset(out, 0, sizeof(*out));
    if (next_line(&l, &s, &n) != 1)
        return invalid(out, "empty proof");
    if (n == strlen(INCLUSION_HEADER) && memcmp(s, INCLUSION_HEADER, n) == 0)
        return verify_inclusion(v, memo, &l, out);
    if (n == strlen(CONSISTENCY_HEADER) &&
        memcmp(s, CONSISTENCY_HEADER, n) == 0)
        return verify_consistency(v, memo, &l, out);
    return invalid(out, "line 1: not '%s' or '%s'", INCLUSION_HEADER,
                   CONSISTENCY_HEADER);
}

int ts_proof_verify(const char *vkey, const char *proof, size_t len,
                    ts_proof_result *out, ts_error *err)
{
    ts_verifier v;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ts_verifier_parse(&v, vkey, err);
    if (rc != 0)
        return ts_error_prefix(err, "verifier key: ");
    return verify_with(&v, NULL, proof, len, out);
}

int ts_proof_verifier_new(const char *vkey, ts_proof_verifier **out,
                          ts_error *err)
{
    ts_proof_verifier *pv = calloc(1, sizeof(*pv));
    int rc;

    *out = NULL;
    if (pv == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    rc = ts_verifier_parse(&pv->key, vkey, err);
    if (rc != 0) {
        free(pv);
        return ts_error_prefix(err, "verifier key: ");
    }
    *out = pv;
    return 0;
}

void ts_proof_verifier_check(ts_proof_verifier *pv, const char *proof,
                             size_t len, ts_proof_result *out)
{
    verify_with(&pv->key, &pv->memo, proof, len, out);
}

void ts_proof_verifier_free(ts_proof_verifier *pv)
{
    if (pv == NULL)
        return;
    free(pv->memo.note);
    free(pv);
}

int ts_proof_verify_against(const char *vkey, const char *proof, size_t len,
                            const char *kept, size_t kept_len,
                            ts_proof_result *out, ts_error *err)
{
    ts_proof_result kept_cp;
    uint8_t kept_root[TS_HASH_SIZE];
    ts_verifier v;
    int rc = ts_proof_verify(vkey, proof, len, out, err);

    if (rc != 0 || !out->valid)
        return rc;
    if (out->kind != TS_PROOF_CONSISTENCY)
        return invalid(out, "a kept checkpoint anchors consistency proofs, "
                            "not inclusion proofs");
    rc = ts_verifier_parse(&v, vkey, err);
    if (rc != 0)
        return ts_error_prefix(err, "verifier key: ");
    memset(&kept_cp, 0, sizeof(kept_cp));
    if (check_note(&v, NULL, kept, kept_len, &kept_cp, kept_root) != 0)
        return invalid(out, "kept %s", kept_cp.problem);
    if (kept_cp.tree_size != out->from_size ||
        strcmp(kept_cp.root, out->from_root) != 0)
        return invalid(out,
                       "the proof starts from a tree of %llu entries (root "
                       "%s), not the kept checkpoint's %llu (root %s)",
                       (unsigned long long)out->from_size, out->from_root,
                       (unsigned long long)kept_cp.tree_size, kept_cp.root);
    return 0;
}
