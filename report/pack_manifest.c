/* The pack's manifest: every file's path, size and SHA-256 in
 * manifest.json, committed to by manifest.sig, a C2SP signed note by the
 * store key whose body is "<origin>/pack\nsha256 <hex>\n". The "/pack"
 * suffix keeps the note from ever reading as one of the store's
 * checkpoints, whose first line is the origin itself. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/json_out.h"
#include "report/pack_internal.h"
#include "store/store_internal.h"

/* Writes the manifest document for the files under dir to the new file
 * path (created once they are listed), an item at a time: a large pack
 * lists 100k+ proofs. */
static int write_manifest(const char *dir, const char *path, ts_error *err)
{
    FILE *f = NULL;
    char hex[2 * TS_SHA256_SIZE + 1];
    char **files = NULL;
    size_t n_files = 0;
    ts_pack_digest *digests = NULL;
    ts_json_out o;
    int rc;

    rc = ts_pack_list(dir, &files, &n_files, NULL, 0, err);
    if (rc == 0 &&
        (digests = calloc(n_files ? n_files : 1, sizeof(*digests))) == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    if (rc == 0)
        ts_pack_hash_files(dir, (const char *const *)files, n_files, digests);
    if (rc == 0 && (f = fopen(path, "wb")) == NULL)
        rc = ts_error_set(err, TS_EIO, "'%s': cannot create: %s", path,
                          strerror(errno));
    if (rc != 0) {
        free(digests);
        ts_pack_list_free(files, n_files);
        return rc;
    }
    ts_json_out_init(&o, f, 2, 0);
    ts_json_out_begin(&o, NULL, '{');
    ts_json_out_value(&o, "format",
                      json_string("trailseal.local/pack-manifest@v1"));
    ts_json_out_begin(&o, "files", '[');
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
        if (item == NULL)
            rc = ts_error_set(err, TS_EINVAL, "'%s': cannot list (not UTF-8?)",
                              files[i]);
        ts_json_out_value(&o, NULL, item);
    }
    ts_json_out_end(&o);
    ts_json_out_end(&o);
    if (rc == 0 && ts_json_out_finish(&o) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': write failed", path);
    if (fclose(f) != 0 && rc == 0)
        rc = ts_error_set(err, TS_EIO, "'%s': write failed: %s", path,
                          strerror(errno));
    if (rc != 0)
        remove(path);
    free(digests);
    ts_pack_list_free(files, n_files);
    return rc;
}

int ts_pack_sign_manifest(ts_store *store, const char *dir, ts_error *err)
{
    char path[TS_PACK_PATH_MAX], tmp[TS_PACK_PATH_MAX + 8];
    char hex[2 * TS_SHA256_SIZE + 1], body[TS_KEY_NAME_MAX + 128];
    char *note = NULL;
    uint8_t digest[TS_SHA256_SIZE];
    uint64_t size;
    int rc = 0, n, written = 0;

    if (!store->has_signer)
        return ts_error_set(err, TS_EINVAL,
                            "signing the pack needs the store's key file");
    rc = ts_pack_path(path, sizeof(path), dir, TS_PACK_MANIFEST, err);
    if (rc == 0) {
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        rc = write_manifest(dir, tmp, err);
        written = rc == 0;
    }
    /* signed as written: hashed from the file, never from a copy */
    if (rc == 0)
        rc = ts_pack_hash_file(tmp, digest, &size, err);
    if (rc == 0) {
        ts_hex_encode(digest, TS_SHA256_SIZE, hex);
        n = snprintf(body, sizeof(body), "%s%s\nsha256 %s\n", store->origin,
                     TS_PACK_NOTE_SUFFIX, hex);
        if (n < 0 || (size_t)n >= sizeof(body))
            rc = ts_error_set(err, TS_ELIMIT, "origin too long");
    }
    if (rc == 0)
        rc = ts_note_sign(&store->signer, body, strlen(body), &note, err);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': write failed: %s", path,
                          strerror(errno));
    if (rc != 0 && written)
        remove(tmp);
    if (rc == 0)
        rc = ts_pack_path(path, sizeof(path), dir, TS_PACK_SIGNATURE, err);
    if (rc == 0)
        rc = ts_pack_write_file(path, note, strlen(note), err);
    free(note);
    return rc;
}
