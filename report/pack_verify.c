/* Verifying an evidence pack offline with the store's verifier key: the
 * manifest's signature, every file's hash, no unlisted file, the
 * checkpoint's signature and every proof against that checkpoint. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/json_in.h"
#include "report/pack_internal.h"
#include "store/store_internal.h"
#include "trailseal/proof.h"

#define MAX_NOTE ((size_t)64 << 10)
#define MAX_MANIFEST ((size_t)256 << 20)
#define MAX_PROOF ((size_t)256 << 20)

/* Reads a pack file; a missing or unreadable one is a finding, not an
 * error: the pack is what is being judged. */
static int read_member(const char *dir, const char *rel, size_t cap, char **out,
                       size_t *len, ts_pack_verdict *v)
{
    char path[TS_PACK_PATH_MAX];
    ts_error e;

    ts_error_clear(&e);
    if (ts_pack_path(path, sizeof(path), dir, rel, &e) != 0 ||
        ts_pack_read_file(path, cap, out, len, &e) != 0)
        return ts_pack_finding(v, rel, "cannot be read: %s", e.msg);
    return 0;
}

/* manifest.sig: signed by the key, "<name>/pack", "sha256 <hex>". */
static int check_signature(const char *dir, const ts_verifier *key,
                           char hex[2 * TS_SHA256_SIZE + 1], ts_pack_verdict *v)
{
    char *note = NULL, want[TS_KEY_NAME_MAX + 16];
    size_t len = 0, body_len = 0;
    const char *nl;
    ts_error e;
    int stop;

    ts_error_clear(&e);
    stop = read_member(dir, TS_PACK_SIGNATURE, MAX_NOTE, &note, &len, v);
    if (!stop && ts_note_verify(key, note, len, &body_len, &e) != 0)
        stop = ts_pack_finding(v, TS_PACK_SIGNATURE,
                               "signature does not verify: %s", e.msg);
    if (!stop) {
        snprintf(want, sizeof(want), "%s%s\n", key->name, TS_PACK_NOTE_SUFFIX);
        nl = memchr(note, '\n', body_len);
        if (strncmp(note, want, strlen(want)) != 0 || nl == NULL)
            stop = ts_pack_finding(v, TS_PACK_SIGNATURE,
                                   "first line is not '%s%s'", key->name,
                                   TS_PACK_NOTE_SUFFIX);
        else if (body_len - (size_t)(nl + 1 - note) != 7 + 64 + 1 ||
                 strncmp(nl + 1, "sha256 ", 7) != 0 ||
                 strspn(nl + 8, "0123456789abcdef") != 64)
            stop =
                ts_pack_finding(v, TS_PACK_SIGNATURE,
                                "second line is not 'sha256 <64 hex digits>'");
        else
            memcpy(hex, nl + 8, 64), hex[64] = '\0';
    }
    free(note);
    return stop;
}

/* The files manifest.json lists, sorted by path (load_manifest refuses
 * any other order): compact, not a jansson tree, for the 100k+ files of a
 * large pack. */
typedef struct manifest {
    ts_pack_listed *files;
    size_t n, cap;
} manifest;

static void manifest_free(manifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->files[i].path);
    free(m->files);
    memset(m, 0, sizeof(*m));
}

/* Checks one entry of "files" (the i-th) and adds it to m. */
static int add_listed(manifest *m, const json_t *item, size_t i,
                      ts_pack_verdict *v)
{
    const char *p = json_string_value(json_object_get(item, "path"));
    const json_t *size = json_object_get(item, "size");
    const char *sha = json_string_value(json_object_get(item, "sha256"));
    ts_pack_listed *f;

    if (p == NULL || !json_is_integer(size) || json_integer_value(size) < 0 ||
        sha == NULL || strlen(sha) != 2 * TS_SHA256_SIZE)
        return ts_pack_finding(v, TS_PACK_MANIFEST, "file %zu: bad entry",
                               i + 1);
    if (!ts_pack_rel_valid(p) || !strcmp(p, TS_PACK_MANIFEST) ||
        !strcmp(p, TS_PACK_SIGNATURE))
        return ts_pack_finding(v, TS_PACK_MANIFEST,
                               "file %zu: path '%s' not allowed", i + 1, p);
    if (m->n > 0 && strcmp(m->files[m->n - 1].path, p) >= 0)
        return ts_pack_finding(v, TS_PACK_MANIFEST,
                               "file %zu: '%s' out of order or listed twice",
                               i + 1, p);
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        ts_pack_listed *more = realloc(m->files, cap * sizeof(*more));
        if (more == NULL)
            return ts_pack_finding(v, TS_PACK_MANIFEST, "out of memory");
        m->files = more;
        m->cap = cap;
    }
    f = &m->files[m->n];
    if ((f->path = strdup(p)) == NULL)
        return ts_pack_finding(v, TS_PACK_MANIFEST, "out of memory");
    f->size = (uint64_t)json_integer_value(size);
    memcpy(f->sha256, sha, sizeof(f->sha256));
    m->n++;
    return 0;
}

/* Reads manifest.json, checks it is the one manifest.sig signs and walks
 * it, from those same bytes, a file entry at a time into m. */
static int load_manifest(const char *dir, const char *signed_hex, manifest *m,
                         ts_pack_verdict *v)
{
    static const char *const deferred[] = {"files"};
    char *text = NULL, hex[2 * TS_SHA256_SIZE + 1];
    uint8_t digest[TS_SHA256_SIZE];
    ts_json_in in;
    ts_json_in_mark files;
    json_t *doc = NULL;
    size_t len = 0;
    ts_error e;
    int stop, has_files = 0, rc;

    memset(m, 0, sizeof(*m));
    stop = read_member(dir, TS_PACK_MANIFEST, MAX_MANIFEST, &text, &len, v);
    if (!stop) {
        ts_sha256(text, len, digest);
        ts_hex_encode(digest, TS_SHA256_SIZE, hex);
        if (strcmp(hex, signed_hex) != 0)
            stop = ts_pack_finding(
                v, TS_PACK_MANIFEST,
                "SHA-256 %s is not the %s that manifest.sig signs", hex,
                signed_hex);
    }
    if (stop) {
        free(text);
        return stop;
    }
    ts_error_clear(&e);
    ts_json_in_init_text(&in, text, len, TS_PACK_MANIFEST);
    rc = ts_json_in_object(&in, deferred, 1, &files, &has_files, &doc, &e);
    if (rc == 0)
        rc = ts_json_in_end(&in, &e);
    if (rc == 0 && !has_files)
        stop = ts_pack_finding(v, TS_PACK_MANIFEST,
                               "not a pack manifest: no \"files\" array");
    if (rc == 0 && !stop) {
        ts_json_in_restore(&in, &files);
        rc = ts_json_in_open(&in, '[', &e);
    }
    for (size_t i = 0; rc == 0 && !stop; i++) {
        json_t *item;
        rc = ts_json_in_next(&in, NULL, &e);
        if (rc != 1)
            break;
        rc = 0;
        if ((item = ts_json_in_value(&in, &e)) == NULL)
            rc = e.code ? e.code : TS_EINVAL;
        else
            stop = add_listed(m, item, i, v);
        json_decref(item);
    }
    if (rc != 0 && !stop)
        stop = ts_pack_finding(v, TS_PACK_MANIFEST, "not a pack manifest: %s",
                               e.msg);
    if (stop)
        manifest_free(m);
    else
        v->n_files = m->n;
    ts_json_in_release(&in);
    json_decref(doc);
    free(text);
    return stop;
}

/* The listed files against the directory, then each file's size and hash. */
static int check_files(const char *dir, const manifest *m, ts_pack_verdict *v,
                       ts_error *err)
{
    char hex[2 * TS_SHA256_SIZE + 1], bad_rel[512];
    char **found = NULL;
    const char **rels = NULL;
    ts_pack_digest *digests = NULL;
    size_t n_found = 0, i = 0, j = 0, n_listed = m->n;
    ts_error e;
    int stop = 0, rc;

    ts_error_clear(&e);
    rc = ts_pack_list(dir, &found, &n_found, bad_rel, sizeof(bad_rel), &e);
    if (rc == TS_EINVAL && bad_rel[0] != '\0')
        return ts_pack_finding(v, bad_rel, "%s", e.msg);
    if (rc != 0)
        return ts_error_set(err, rc, "%s", e.msg);
    /* Both lists are sorted: merge them. */
    while (!stop && (i < n_found || j < n_listed)) {
        const char *have = i < n_found ? found[i] : NULL;
        const char *want = j < n_listed ? m->files[j].path : NULL;
        int c;

        if (have != NULL && (!strcmp(have, TS_PACK_MANIFEST) ||
                             !strcmp(have, TS_PACK_SIGNATURE))) {
            i++;
            continue;
        }
        c = have == NULL ? 1 : want == NULL ? -1 : strcmp(have, want);
        if (c < 0)
            stop = ts_pack_finding(v, have, "not listed in manifest.json");
        else if (c > 0)
            stop =
                ts_pack_finding(v, want, "listed in manifest.json but missing");
        else
            i++, j++;
    }
    if (!stop) {
        rels = calloc(n_listed ? n_listed : 1, sizeof(*rels));
        digests = calloc(n_listed ? n_listed : 1, sizeof(*digests));
        if (rels == NULL || digests == NULL)
            stop = ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    for (j = 0; !stop && j < n_listed; j++)
        rels[j] = m->files[j].path;
    if (!stop)
        ts_pack_hash_files(dir, rels, n_listed, digests);
    for (j = 0; !stop && j < n_listed; j++) {
        const char *rel = rels[j];
        uint64_t size = m->files[j].size;
        const char *sha = m->files[j].sha256;
        uint64_t got = digests[j].size;

        if (digests[j].rc != 0) {
            ts_pack_hash_failure(dir, rel, &e);
            stop = ts_pack_finding(v, rel, "cannot be read: %s", e.msg);
            break;
        }
        ts_hex_encode(digests[j].sha256, TS_SHA256_SIZE, hex);
        if (got != size)
            stop = ts_pack_finding(
                v, rel, "%llu bytes, manifest.json says %llu",
                (unsigned long long)got, (unsigned long long)size);
        else if (strcmp(hex, sha) != 0)
            stop = ts_pack_finding(v, rel, "SHA-256 %s, manifest.json says %s",
                                   hex, sha);
    }
    free(rels);
    free(digests);
    ts_pack_list_free(found, n_found);
    return stop;
}

/* The manifest's entry for rel, or NULL. load_manifest() refused a list
 * not in strictly ascending strcmp order, so this is a binary search:
 * results.json names 100k+ entries to look up in a pack of 100k+ files. */
static const ts_pack_listed *listed(const manifest *m, const char *rel)
{
    size_t lo = 0, hi = m->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->files[mid].path, rel);
        if (c == 0)
            return &m->files[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* checkpoint.txt: a checkpoint of the key's log, signed by it. *out is
 * its text. */
static int check_checkpoint(const char *dir, const manifest *m,
                            const ts_verifier *key, char **out,
                            ts_pack_verdict *v)
{
    uint8_t root[TS_HASH_SIZE];
    size_t len = 0, body_len = 0;
    ts_error e;
    int stop;

    *out = NULL;
    if (listed(m, TS_PACK_CHECKPOINT) == NULL)
        return ts_pack_finding(v, TS_PACK_CHECKPOINT, "missing from the pack");
    ts_error_clear(&e);
    stop = read_member(dir, TS_PACK_CHECKPOINT, MAX_NOTE, out, &len, v);
    if (!stop && ts_note_verify(key, *out, len, &body_len, &e) != 0)
        stop = ts_pack_finding(v, TS_PACK_CHECKPOINT,
                               "signature does not verify: %s", e.msg);
    if (!stop &&
        ts_checkpoint_parse(*out, body_len, v->origin, sizeof(v->origin),
                            &v->tree_size, root, &e) != 0)
        stop = ts_pack_finding(v, TS_PACK_CHECKPOINT, "not a checkpoint: %s",
                               e.msg);
    if (!stop && strcmp(v->origin, key->name) != 0)
        stop = ts_pack_finding(v, TS_PACK_CHECKPOINT,
                               "origin '%s' is not the key's '%s'", v->origin,
                               key->name);
    return stop;
}

/* Every proofs/ file: a valid inclusion proof of the entry its name says,
 * ending in exactly checkpoint.txt. */
static int check_proofs(const char *dir, const manifest *m, const char *vkey,
                        const char *checkpoint, ts_pack_verdict *v)
{
    ts_proof_verifier *pv = NULL;
    size_t i, len;
    ts_error e;
    int stop = 0;

    /* one verifier for them all: checkpoint.txt's signature is verified
     * once, not once per proof */
    ts_error_clear(&e);
    if (ts_proof_verifier_new(vkey, &pv, &e) != 0)
        return ts_pack_finding(v, TS_PACK_CHECKPOINT, "cannot be checked: %s",
                               e.msg);
    for (i = 0; i < m->n; i++) {
        const char *rel = m->files[i].path;
        char *proof = NULL, tail_name[64];
        unsigned long long index;
        const char *tail;
        ts_proof_result r;
        int used = 0;

        if (strncmp(rel, "proofs/", 7) != 0)
            continue;
        if (sscanf(rel, "proofs/entry-%llu.proof%n", &index, &used) != 1 ||
            rel[used] != '\0' ||
            (snprintf(tail_name, sizeof(tail_name), "proofs/entry-%llu.proof",
                      index),
             strcmp(tail_name, rel) != 0)) {
            stop =
                ts_pack_finding(v, rel, "not named proofs/entry-<index>.proof");
            break;
        }
        stop = read_member(dir, rel, MAX_PROOF, &proof, &len, v);
        if (!stop)
            ts_proof_verifier_check(pv, proof, len, &r);
        if (!stop && !r.valid)
            stop = ts_pack_finding(v, rel, "proof not valid: %s", r.problem);
        else if (!stop && (r.kind != TS_PROOF_INCLUSION || r.index != index))
            stop = ts_pack_finding(
                v, rel, "not an inclusion proof of entry %llu", index);
        else if (!stop && ((tail = strstr(proof, "\n\n")) == NULL ||
                           strcmp(tail + 2, checkpoint) != 0))
            stop = ts_pack_finding(v, rel,
                                   "proven against another checkpoint than "
                                   "checkpoint.txt");
        free(proof);
        if (stop)
            break;
        v->n_proofs++;
    }
    ts_proof_verifier_free(pv);
    return stop;
}

/* An item of a control's sampled or exceptions list that names an entry
 * has its proof in the pack. */
static int check_item_proof(const manifest *m, const char *id,
                            const json_t *item, const char *list,
                            ts_pack_verdict *v)
{
    const json_t *entry = json_object_get(item, "entry");
    char rel[64];

    if (!json_is_integer(entry) || json_integer_value(entry) < 0)
        return 0;
    snprintf(rel, sizeof(rel), "proofs/entry-%lld.proof",
             (long long)json_integer_value(entry));
    if (listed(m, rel) != NULL)
        return 0;
    return ts_pack_finding(v, rel, "missing: control %s lists entry %lld in %s",
                           id ? id : "(no id)",
                           (long long)json_integer_value(entry), list);
}

/* Walks one of a control's item lists (list: "sampled" or "exceptions")
 * at `at`, an item at a time: each item that names an entry has its
 * proof; *n counts them and, when rows is not NULL, (*rows)[i] is item
 * i's row (0 without one; the array is the caller's to free). */
static int walk_items(const manifest *m, ts_json_in *in,
                      const ts_json_in_mark *at, const char *id,
                      const char *list, size_t *n, uint64_t **rows,
                      ts_pack_verdict *v)
{
    size_t cap = 0;
    ts_error e;
    int rc, stop = 0;

    ts_error_clear(&e);
    ts_json_in_restore(in, at);
    rc = ts_json_in_open(in, '[', &e);
    while (rc == 0 && !stop && (rc = ts_json_in_next(in, NULL, &e)) == 1) {
        json_t *item, *row;
        rc = 0;
        if ((item = ts_json_in_value(in, &e)) == NULL) {
            rc = e.code ? e.code : TS_EINVAL;
            break;
        }
        if (rows != NULL && *n == cap) {
            uint64_t *more;
            cap = cap ? 2 * cap : 64;
            more = realloc(*rows, cap * sizeof(*more));
            if (more == NULL) {
                json_decref(item);
                return ts_pack_finding(v, TS_PACK_RESULTS, "out of memory");
            }
            *rows = more;
        }
        if (rows != NULL) {
            row = json_object_get(item, "row");
            (*rows)[*n] = json_is_integer(row) && json_integer_value(row) > 0
                              ? (uint64_t)json_integer_value(row)
                              : 0;
        }
        (*n)++;
        stop = check_item_proof(m, id, item, list, v);
        json_decref(item);
    }
    if (rc != 0 && !stop)
        stop = ts_pack_finding(v, TS_PACK_RESULTS, "control %s: %s: %s",
                               id ? id : "(no id)", list, e.msg);
    return stop;
}

/* Walks one control of results.json (the cursor at it): its members, then
 * its sampled items and its exceptions one at a time; then
 * ts_pack_check_control. */
static int check_one_control(const char *dir, const manifest *m, ts_json_in *in,
                             const char *label, ts_pack_verdict *v)
{
    static const char *const lists[] = {"sampled", "exceptions"};
    ts_json_in_mark marks[2], after;
    int present[2], stop = 0, rc;
    json_t *control = NULL;
    uint64_t *rows = NULL;
    const char *id, *file;
    size_t n_sampled = 0, n_exceptions = 0;
    ts_error e;

    ts_error_clear(&e);
    rc = ts_json_in_object(in, lists, 2, marks, present, &control, &e);
    if (rc != 0)
        return ts_pack_finding(v, TS_PACK_RESULTS, "not JSON: %s", e.msg);
    ts_json_in_save(in, &after);
    id = json_string_value(json_object_get(control, "id"));
    if (present[0])
        stop =
            walk_items(m, in, &marks[0], id, "sampled", &n_sampled, &rows, v);
    if (!stop && present[1])
        stop = walk_items(m, in, &marks[1], id, "exceptions", &n_exceptions,
                          NULL, v);
    ts_json_in_restore(in, &after);
    if (!stop) {
        file = json_string_value(json_object_get(control, "population_file"));
        stop = ts_pack_check_control(dir, label, control, rows, n_sampled,
                                     n_exceptions,
                                     file != NULL ? listed(m, file) : NULL, v);
    }
    free(rows);
    json_decref(control);
    return stop;
}

/* results.json (when the pack has one), read a control and an item at a
 * time: every sampled item and exception has its proof, and each
 * control's counts, population file and sample re-derive
 * (ts_pack_check_control). */
static int check_results(const char *dir, const manifest *m, ts_pack_verdict *v)
{
    static const char *const deferred[] = {"controls"};
    char path[TS_PACK_PATH_MAX];
    ts_json_in in;
    ts_json_in_mark controls;
    json_t *doc = NULL;
    const char *origin, *label;
    struct stat st;
    ts_error e;
    int fd, stop = 0, has_controls = 0, rc;

    if (listed(m, TS_PACK_RESULTS) == NULL)
        return 0;
    ts_error_clear(&e);
    if (ts_pack_path(path, sizeof(path), dir, TS_PACK_RESULTS, &e) != 0 ||
        (fd = ts_pack_open_regular(path, &st, &e)) < 0)
        return ts_pack_finding(v, TS_PACK_RESULTS, "cannot be read: %s", e.msg);
    /* read again after check_files hashed it: at least the same size */
    if ((uint64_t)st.st_size != listed(m, TS_PACK_RESULTS)->size) {
        close(fd);
        return ts_pack_finding(v, TS_PACK_RESULTS,
                               "changed while the pack was being verified");
    }
    rc = ts_json_in_init(&in, fd, TS_PACK_RESULTS, &e);
    if (rc == 0)
        rc = ts_json_in_object(&in, deferred, 1, &controls, &has_controls, &doc,
                               &e);
    if (rc == 0)
        rc = ts_json_in_end(&in, &e);
    if (rc != 0)
        stop = ts_pack_finding(v, TS_PACK_RESULTS, "not JSON: %s", e.msg);
    /* The results must be about the log checkpoint.txt signs, and no
     * larger than it. */
    origin = json_string_value(json_object_get(doc, "origin"));
    if (!stop && (origin == NULL || strcmp(origin, v->origin) != 0))
        stop =
            ts_pack_finding(v, TS_PACK_RESULTS,
                            "origin is not checkpoint.txt's '%s'", v->origin);
    if (!stop && (!json_is_integer(json_object_get(doc, "tree_size")) ||
                  json_integer_value(json_object_get(doc, "tree_size")) < 0 ||
                  (uint64_t)json_integer_value(
                      json_object_get(doc, "tree_size")) > v->tree_size))
        stop = ts_pack_finding(
            v, TS_PACK_RESULTS,
            "tree_size is missing or larger than checkpoint.txt's "
            "%llu",
            (unsigned long long)v->tree_size);
    label = json_string_value(
        json_object_get(json_object_get(doc, "period"), "label"));
    if (!stop && has_controls) {
        ts_json_in_restore(&in, &controls);
        if (ts_json_in_open(&in, '[', &e) != 0)
            stop = ts_pack_finding(v, TS_PACK_RESULTS,
                                   "controls is not an array: %s", e.msg);
    }
    while (!stop && has_controls) {
        rc = ts_json_in_next(&in, NULL, &e);
        if (rc == 0)
            break;
        if (rc != 1)
            stop = ts_pack_finding(v, TS_PACK_RESULTS, "not JSON: %s", e.msg);
        else
            stop = check_one_control(dir, m, &in, label, v);
    }
    ts_json_in_release(&in);
    close(fd);
    json_decref(doc);
    return stop;
}

int ts_pack_verify(const char *dir, const char *vkey, ts_pack_verdict *out,
                   ts_error *err)
{
    char hex[2 * TS_SHA256_SIZE + 1], *checkpoint = NULL;
    manifest m = {0};
    ts_verifier key;
    struct stat st;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ts_verifier_parse(&key, vkey, err);
    if (rc != 0)
        return ts_error_prefix(err, "verifier key: ");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return ts_error_set(err, TS_EIO, "'%s': not a readable directory", dir);
    out->ok = 1;
    if (check_signature(dir, &key, hex, out) ||
        load_manifest(dir, hex, &m, out))
        goto done;
    rc = check_files(dir, &m, out, err);
    if (rc != 0)
        goto done;
    if (check_checkpoint(dir, &m, &key, &checkpoint, out) ||
        check_proofs(dir, &m, vkey, checkpoint, out) ||
        check_results(dir, &m, out))
        goto done;
done:
    if (rc < 0)
        out->ok = 0;
    manifest_free(&m);
    free(checkpoint);
    return rc < 0 ? rc : 0;
}
