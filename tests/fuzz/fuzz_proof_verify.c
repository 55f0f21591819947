/* Fuzz target: offline proof checking (store/proof_verify.c). The input's
 * first line is the verifier key; the rest is a proof, optionally followed
 * by a form feed line and a kept checkpoint for ts_proof_verify_against.
 * Seeds in tests/fuzz/corpus/proof_verify are real proofs with their key. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "trailseal/proof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *head, *rest, *ff;
    size_t head_len, rest_len, proof_len;
    ts_proof_result r;
    char *key, *proof;

    ts_fuzz_split_line(data, size, &head, &head_len, &rest, &rest_len);
    key = ts_fuzz_strndup(head, head_len);
    proof = ts_fuzz_strndup(rest, rest_len);
    ff = rest_len > 0 ? memchr(rest, '\f', rest_len) : NULL;
    proof_len = ff != NULL ? (size_t)(ff - rest) : rest_len;
    if (ts_proof_verify(key, proof, proof_len, &r, NULL) == 0) {
        if (memchr(r.record, '\0', sizeof(r.record)) == NULL ||
            memchr(r.problem, '\0', sizeof(r.problem)) == NULL ||
            memchr(r.origin, '\0', sizeof(r.origin)) == NULL)
            ts_fuzz_fail("a proof result string is not terminated");
        if (r.valid && r.problem[0] != '\0')
            ts_fuzz_fail("a valid proof has a problem");
    }
    if (ff != NULL)
        (void)ts_proof_verify_against(key, proof, proof_len,
                                      proof + proof_len + 1,
                                      rest_len - proof_len - 1, &r, NULL);
    free(proof);
    free(key);
    return 0;
}
