/* Fuzz target: keys, signed notes and checkpoints (store/note.c). The
 * input's first line is a verifier key, the rest a signed note (seeds in
 * tests/fuzz/corpus/note are real checkpoints with their key). Also: a
 * body the signer accepts verifies, and a checkpoint body that parses
 * formats back to the same first three lines. */
#include <stdlib.h>
#include <string.h>

#include "store/crypto.h"
#include "tests/fuzz/fuzz.h"

/* The example key of golang.org/x/mod/sumdb/note's documentation. */
static const char test_key[] = "PRIVATE+KEY+PeterNeumann+c74f20a3+"
                               "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

static void check_checkpoint(const char *body, size_t len)
{
    char origin[TS_KEY_NAME_MAX], again[1024];
    uint8_t root[TS_HASH_SIZE];
    uint64_t tree_size;

    if (ts_checkpoint_parse(body, len, origin, sizeof(origin), &tree_size, root,
                            NULL) != 0)
        return;
    if (ts_checkpoint_format(origin, tree_size, root, again, sizeof(again),
                             NULL) != 0)
        return; /* an origin the formatter refuses (too long, say) */
    if (strlen(again) > len || memcmp(again, body, strlen(again)) != 0)
        ts_fuzz_fail("a parsed checkpoint does not format back to its text");
}

static void sign_and_verify(const char *body, size_t len)
{
    static ts_signer signer;
    static int have_signer;
    ts_verifier v;
    char *note = NULL;
    size_t body_len = 0;

    if (!have_signer) {
        if (ts_signer_parse(&signer, test_key, NULL) != 0)
            ts_fuzz_fail("the fixed test key does not parse");
        have_signer = 1;
    }
    if (ts_note_sign(&signer, body, len, &note, NULL) != 0)
        return;
    ts_signer_verifier(&signer, &v);
    if (ts_note_verify(&v, note, strlen(note), &body_len, NULL) != 0 ||
        body_len != len)
        ts_fuzz_fail("a note we signed does not verify");
    free(note);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *head, *rest;
    size_t head_len, rest_len, body_len = 0;
    char *key = NULL, *note = NULL;
    ts_verifier v;
    ts_signer s;

    ts_fuzz_split_line(data, size, &head, &head_len, &rest, &rest_len);
    key = ts_fuzz_strndup(head, head_len);
    note = ts_fuzz_strndup(rest, rest_len);
    (void)ts_signer_parse(&s, key, NULL);
    if (ts_verifier_parse(&v, key, NULL) == 0 &&
        ts_note_verify(&v, note, rest_len, &body_len, NULL) == 0) {
        if (body_len > rest_len)
            ts_fuzz_fail("a note's body is longer than the note");
        check_checkpoint(note, body_len);
    }
    check_checkpoint(note, rest_len);
    sign_and_verify(note, rest_len);
    free(note);
    free(key);
    return 0;
}
