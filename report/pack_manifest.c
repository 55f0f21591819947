/* The pack's manifest: every file's path, size and SHA-256 in
 * manifest.json, committed to by manifest.sig, a C2SP signed note by the
 * store key whose body is "<origin>/pack\nsha256 <hex>\n". The "/pack"
 * suffix keeps the note from ever reading as one of the store's
 * checkpoints, whose first line is the origin itself. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/pack_internal.h"
#include "store/store_internal.h"

/* The manifest document for the files under dir, as JSON text ending in a
 * newline. *out is the caller's, released with free(). */
static int build_manifest(const char *dir, char **out, ts_error *err)
{
    char hex[2 * TS_SHA256_SIZE + 1];
    char **files = NULL;
    size_t n_files = 0;
    ts_pack_digest *digests = NULL;
    json_t *doc = NULL, *list = NULL;
    int rc;

    *out = NULL;
    rc = ts_pack_list(dir, &files, &n_files, NULL, 0, err);
    if (rc == 0 &&
        (digests = calloc(n_files ? n_files : 1, sizeof(*digests))) == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    if (rc == 0)
        ts_pack_hash_files(dir, (const char *const *)files, n_files, digests);
    if (rc == 0) {
        doc = json_object();
        list = json_array();
        if (doc == NULL || list == NULL ||
            json_object_set_new(
                doc, "format",
                json_string("trailseal.local/pack-manifest@v1")) != 0 ||
            json_object_set(doc, "files", list) != 0)
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < n_files; i++) {
        json_t *item;

        if (strcmp(files[i], TS_PACK_MANIFEST) == 0 ||
            strcmp(files[i], TS_PACK_SIGNATURE) == 0)
            continue;
        if (digests[i].rc != 0) {
            rc = ts_pack_hash_failure(dir, files[i], err);
            break;
        }
        ts_hex_encode(digests[i].sha256, TS_SHA256_SIZE, hex);
        item = json_pack("{s:s, s:I, s:s}", "path", files[i], "size",
                         (json_int_t)digests[i].size, "sha256", hex);
        if (item == NULL || json_array_append_new(list, item) != 0)
            rc = ts_error_set(err, TS_EINVAL, "'%s': cannot list (not UTF-8?)",
                              files[i]);
    }
    if (rc == 0) {
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        size_t len = text ? strlen(text) : 0;
        *out = text ? realloc(text, len + 2) : NULL;
        if (*out == NULL) {
            free(text);
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        } else {
            (*out)[len] = '\n';
            (*out)[len + 1] = '\0';
        }
    }
    json_decref(list);
    json_decref(doc);
    free(digests);
    ts_pack_list_free(files, n_files);
    return rc;
}

int ts_pack_sign_manifest(ts_store *store, const char *dir, ts_error *err)
{
    char path[TS_PACK_PATH_MAX], hex[2 * TS_SHA256_SIZE + 1];
    char body[TS_KEY_NAME_MAX + 128];
    char *manifest = NULL, *note = NULL;
    uint8_t digest[TS_SHA256_SIZE];
    int rc = 0, n;

    if (!store->has_signer)
        return ts_error_set(err, TS_EINVAL,
                            "signing the pack needs the store's key file");
    rc = build_manifest(dir, &manifest, err);
    if (rc == 0)
        rc = ts_sha256(manifest, strlen(manifest), digest);
    if (rc == 0) {
        ts_hex_encode(digest, TS_SHA256_SIZE, hex);
        n = snprintf(body, sizeof(body), "%s%s\nsha256 %s\n", store->origin,
                     TS_PACK_NOTE_SUFFIX, hex);
        if (n < 0 || (size_t)n >= sizeof(body))
            rc = ts_error_set(err, TS_ELIMIT, "origin too long");
    }
    if (rc == 0)
        rc = ts_note_sign(&store->signer, body, strlen(body), &note, err);
    if (rc == 0)
        rc = ts_pack_path(path, sizeof(path), dir, TS_PACK_MANIFEST, err);
    if (rc == 0)
        rc = ts_pack_write_file(path, manifest, strlen(manifest), err);
    if (rc == 0)
        rc = ts_pack_path(path, sizeof(path), dir, TS_PACK_SIGNATURE, err);
    if (rc == 0)
        rc = ts_pack_write_file(path, note, strlen(note), err);
    free(manifest);
    free(note);
    return rc;
}
