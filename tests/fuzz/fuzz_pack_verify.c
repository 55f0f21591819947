/* Fuzz target: an evidence pack's manifest (report/pack_verify.c). The
 * input is manifest.json, signed here with a fixed key (manifest.sig) so
 * that the parser and the checks behind the signature are reached, in a
 * directory that also holds a.csv ("x\n"). Paths in the manifest must never
 * lead out of the pack: the verdict names only files inside it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "report/pack_internal.h"
#include "store/crypto.h"
#include "tests/fuzz/fuzz.h"
#include "trailseal/pack.h"

/* The example key of golang.org/x/mod/sumdb/note's documentation. */
static const char test_key[] = "PRIVATE+KEY+PeterNeumann+c74f20a3+"
                               "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

static void write_file(const char *dir, const char *name, const void *data,
                       size_t len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        ts_fuzz_fail("cannot write a pack file");
}

static char dir[64];

/* The directory is removed at exit (the replay runs leave nothing). */
static void remove_dir(void)
{
    static const char *const names[] = {"a.csv", TS_PACK_MANIFEST,
                                        TS_PACK_SIGNATURE};
    char path[512];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ts_signer signer;
    static char vkey[256];
    uint8_t digest[TS_SHA256_SIZE];
    char body[256], hex[2 * TS_SHA256_SIZE + 1], *note = NULL;
    ts_pack_verdict v;
    ts_verifier ver;

    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "/tmp/ts_fuzz_pack_XXXXXX");
        if (mkdtemp(dir) == NULL || ts_signer_parse(&signer, test_key, NULL))
            ts_fuzz_fail("cannot set up the pack directory or key");
        ts_signer_verifier(&signer, &ver);
        if (ts_verifier_format(&ver, vkey, sizeof(vkey), NULL) != 0)
            ts_fuzz_fail("cannot format the verifier key");
        write_file(dir, "a.csv", "x\n", 2);
        atexit(remove_dir);
    }
    write_file(dir, TS_PACK_MANIFEST, data, size);
    ts_sha256(data, size, digest);
    ts_hex_encode(digest, TS_SHA256_SIZE, hex);
    snprintf(body, sizeof(body), "%s%s\nsha256 %s\n", signer.name,
             TS_PACK_NOTE_SUFFIX, hex);
    if (ts_note_sign(&signer, body, strlen(body), &note, NULL) != 0)
        ts_fuzz_fail("cannot sign the manifest");
    write_file(dir, TS_PACK_SIGNATURE, note, strlen(note));
    free(note);
    if (ts_pack_verify(dir, vkey, &v, NULL) == 0 && !v.ok && v.file[0] == '\0')
        ts_fuzz_fail("a failed verdict names no file");
    if (v.file[0] != '\0' && !ts_pack_rel_valid(v.file))
        ts_fuzz_fail("the verdict names a file outside the pack");
    return 0;
}
