/* Verifying an evidence pack offline with the store's verifier key: the
 * manifest's signature, every file's hash, no unlisted file, the
 * checkpoint's signature and every proof against that checkpoint. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/pack_internal.h"
#include "store/store_internal.h"
#include "trailseal/proof.h"

#define MAX_NOTE ((size_t)64 << 10)
#define MAX_MANIFEST ((size_t)256 << 20)
#define MAX_PROOF ((size_t)256 << 20)
#define MAX_RESULTS ((size_t)256 << 20)

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

/* Parses and checks manifest.json's shape; *out is its file array. */
static int load_manifest(const char *dir, const char *signed_hex, json_t **out,
                         ts_pack_verdict *v)
{
    char *text = NULL, hex[2 * TS_SHA256_SIZE + 1];
    uint8_t digest[TS_SHA256_SIZE];
    const char *prev = NULL;
    json_t *doc = NULL, *files = NULL;
    json_error_t je;
    size_t len = 0, i;
    int stop;

    *out = NULL;
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
    if (!stop) {
        doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        files = doc ? json_object_get(doc, "files") : NULL;
        if (!json_is_array(files))
            stop =
                ts_pack_finding(v, TS_PACK_MANIFEST, "not a pack manifest: %s",
                                doc ? "no \"files\" array" : je.text);
    }
    json_array_foreach(stop ? NULL : files, i, *out)
    {
        json_t *path = json_object_get(*out, "path");
        json_t *size = json_object_get(*out, "size");
        json_t *sha = json_object_get(*out, "sha256");
        const char *p = json_string_value(path);

        if (p == NULL || !json_is_integer(size) ||
            json_integer_value(size) < 0 || json_string_value(sha) == NULL ||
            strlen(json_string_value(sha)) != 64) {
            stop = ts_pack_finding(v, TS_PACK_MANIFEST, "file %zu: bad entry",
                                   i + 1);
        } else if (!ts_pack_rel_valid(p) || !strcmp(p, TS_PACK_MANIFEST) ||
                   !strcmp(p, TS_PACK_SIGNATURE)) {
            stop = ts_pack_finding(v, TS_PACK_MANIFEST,
                                   "file %zu: path '%s' not allowed", i + 1, p);
        } else if (prev != NULL && strcmp(prev, p) >= 0) {
            stop = ts_pack_finding(
                v, TS_PACK_MANIFEST,
                "file %zu: '%s' out of order or listed twice", i + 1, p);
        }
        if (stop)
            break;
        prev = p;
    }
    *out = NULL;
    if (!stop) {
        *out = json_incref(json_object_get(doc, "files"));
        v->n_files = json_array_size(*out);
    }
    json_decref(doc);
    free(text);
    return stop;
}

/* The listed files against the directory, then each file's size and hash. */
static int check_files(const char *dir, json_t *files, ts_pack_verdict *v,
                       ts_error *err)
{
    char hex[2 * TS_SHA256_SIZE + 1], bad_rel[512];
    char **found = NULL;
    const char **rels = NULL;
    ts_pack_digest *digests = NULL;
    size_t n_found = 0, i = 0, j = 0, n_listed = json_array_size(files);
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
        const char *want = j < n_listed ? json_string_value(json_object_get(
                                              json_array_get(files, j), "path"))
                                        : NULL;
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
        rels[j] = json_string_value(
            json_object_get(json_array_get(files, j), "path"));
    if (!stop)
        ts_pack_hash_files(dir, rels, n_listed, digests);
    for (j = 0; !stop && j < n_listed; j++) {
        json_t *item = json_array_get(files, j);
        const char *rel = rels[j];
        json_int_t size = json_integer_value(json_object_get(item, "size"));
        const char *sha = json_string_value(json_object_get(item, "sha256"));
        uint64_t got = digests[j].size;

        if (digests[j].rc != 0) {
            ts_pack_hash_failure(dir, rel, &e);
            stop = ts_pack_finding(v, rel, "cannot be read: %s", e.msg);
            break;
        }
        ts_hex_encode(digests[j].sha256, TS_SHA256_SIZE, hex);
        if (got != (uint64_t)size)
            stop =
                ts_pack_finding(v, rel, "%llu bytes, manifest.json says %lld",
                                (unsigned long long)got, (long long)size);
        else if (strcmp(hex, sha) != 0)
            stop = ts_pack_finding(v, rel, "SHA-256 %s, manifest.json says %s",
                                   hex, sha);
    }
    free(rels);
    free(digests);
    ts_pack_list_free(found, n_found);
    return stop;
}

/* Whether the manifest lists rel. load_manifest() refused a list not in
 * strictly ascending strcmp order, so this is a binary search: results.json
 * names 100k+ entries to look up in a pack of 100k+ files. */
/* The manifest's entry for rel (files is sorted by path), or NULL. */
static json_t *listed(json_t *files, const char *rel)
{
    size_t lo = 0, hi = json_array_size(files);

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        json_t *file = json_array_get(files, mid);
        int c = strcmp(json_string_value(json_object_get(file, "path")), rel);
        if (c == 0)
            return file;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int is_listed(json_t *files, const char *rel)
{
    return listed(files, rel) != NULL;
}

/* checkpoint.txt: a checkpoint of the key's log, signed by it. *out is
 * its text. */
static int check_checkpoint(const char *dir, json_t *files,
                            const ts_verifier *key, char **out,
                            ts_pack_verdict *v)
{
    uint8_t root[TS_HASH_SIZE];
    size_t len = 0, body_len = 0;
    ts_error e;
    int stop;

    *out = NULL;
    if (!is_listed(files, TS_PACK_CHECKPOINT))
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
static int check_proofs(const char *dir, json_t *files, const char *vkey,
                        const char *checkpoint, ts_pack_verdict *v)
{
    size_t i, len;
    json_t *item;
    int stop = 0;

    json_array_foreach(files, i, item)
    {
        const char *rel = json_string_value(json_object_get(item, "path"));
        char *proof = NULL, tail_name[64];
        unsigned long long index;
        const char *tail;
        ts_proof_result r;
        ts_error e;
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
        ts_error_clear(&e);
        stop = read_member(dir, rel, MAX_PROOF, &proof, &len, v);
        if (!stop && ts_proof_verify(vkey, proof, len, &r, &e) != 0)
            stop = ts_pack_finding(v, rel, "cannot be checked: %s", e.msg);
        else if (!stop && !r.valid)
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
    return stop;
}

/* results.json (when the pack has one): every sampled item and exception
 * has its proof, and each control's counts, population file and sample
 * re-derive (ts_pack_check_control). */
static int check_results(const char *dir, json_t *files, ts_pack_verdict *v)
{
    static const char *const lists[] = {"sampled", "exceptions"};
    char *text = NULL, rel[64];
    json_t *doc, *control;
    size_t len = 0, i;
    int stop;

    if (!is_listed(files, TS_PACK_RESULTS))
        return 0;
    stop = read_member(dir, TS_PACK_RESULTS, MAX_RESULTS, &text, &len, v);
    doc = stop ? NULL : json_loadb(text, len, 0, NULL);
    free(text);
    if (!stop && doc == NULL)
        return ts_pack_finding(v, TS_PACK_RESULTS, "not JSON");
    /* The results must be about the log checkpoint.txt signs, and no
     * larger than it. */
    if (!stop && (json_string_value(json_object_get(doc, "origin")) == NULL ||
                  strcmp(json_string_value(json_object_get(doc, "origin")),
                         v->origin) != 0))
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
    json_array_foreach(stop ? NULL : json_object_get(doc, "controls"), i,
                       control)
    {
        for (size_t l = 0; !stop && l < 2; l++) {
            size_t k;
            json_t *item;

            json_array_foreach(json_object_get(control, lists[l]), k, item)
            {
                json_t *entry = json_object_get(item, "entry");
                if (!json_is_integer(entry) || json_integer_value(entry) < 0)
                    continue;
                snprintf(rel, sizeof(rel), "proofs/entry-%lld.proof",
                         (long long)json_integer_value(entry));
                if (!is_listed(files, rel)) {
                    stop = ts_pack_finding(
                        v, rel, "missing: control %s lists entry %lld in %s",
                        json_string_value(json_object_get(control, "id")),
                        (long long)json_integer_value(entry), lists[l]);
                    break;
                }
            }
        }
        if (!stop) {
            const char *file =
                json_string_value(json_object_get(control, "population_file"));
            stop = ts_pack_check_control(
                dir,
                json_string_value(
                    json_object_get(json_object_get(doc, "period"), "label")),
                control, file != NULL ? listed(files, file) : NULL, v);
        }
        if (stop)
            break;
    }
    json_decref(doc);
    return stop;
}

int ts_pack_verify(const char *dir, const char *vkey, ts_pack_verdict *out,
                   ts_error *err)
{
    char hex[2 * TS_SHA256_SIZE + 1], *checkpoint = NULL;
    json_t *files = NULL;
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
        load_manifest(dir, hex, &files, out))
        goto done;
    rc = check_files(dir, files, out, err);
    if (rc != 0)
        goto done;
    if (check_checkpoint(dir, files, &key, &checkpoint, out) ||
        check_proofs(dir, files, vkey, checkpoint, out) ||
        check_results(dir, files, out))
        goto done;
done:
    if (rc < 0)
        out->ok = 0;
    json_decref(files);
    free(checkpoint);
    return rc < 0 ? rc : 0;
}
