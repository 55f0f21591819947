/* Tests for store/merkle.c: RFC 9162 vectors, generated proofs, frontier. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "store/crypto.h"

#define VECTORS TS_TESTVECTORS_DIR "/rfc9162"
#define MAX_LEAVES 64
/* uint8_t[][32] to the contract's const form (C11 has no implicit
 * conversion between pointers to arrays of differently qualified types). */
#define CH(p) ((const uint8_t(*)[TS_HASH_SIZE])(p))

/* ---- helpers ---- */

static uint8_t leaves[MAX_LEAVES][TS_HASH_SIZE];

static void make_leaves(void)
{
    for (int i = 0; i < MAX_LEAVES; i++) {
        uint8_t data[2] = {(uint8_t)i, 0x5a};
        ts_merkle_leaf_hash(data, sizeof(data), leaves[i]);
    }
}

/* MTH(D[start:end]) from the in-memory leaves; counts and checks calls. */
typedef struct oracle {
    const uint8_t (*leaves)[TS_HASH_SIZE];
    uint64_t size;
    unsigned calls;
} oracle;

static int oracle_subtree(void *ctx, uint64_t start, uint64_t end,
                          uint8_t out[TS_HASH_SIZE], ts_error *err)
{
    oracle *o = ctx;

    (void)err;
    assert_true(start < end);
    assert_true(end <= o->size);
    o->calls++;
    ts_merkle_root(o->leaves + start, (size_t)(end - start), out);
    return 0;
}

static int failing_subtree(void *ctx, uint64_t start, uint64_t end,
                           uint8_t out[TS_HASH_SIZE], ts_error *err)
{
    (void)ctx;
    (void)start;
    (void)end;
    memset(out, 0, TS_HASH_SIZE);
    return ts_error_set(err, TS_EIO, "oracle failed");
}

static void hex_to_bytes(const char *hex, uint8_t *out, size_t len)
{
    assert_int_equal(ts_hex_decode(hex, out, len), 0);
}

/* Reads a whole file into a NUL-terminated buffer the caller frees. */
static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (out_len != NULL)
        *out_len = (size_t)n;
    return buf;
}

/* ---- The transparency-dev probes ---- */

typedef struct probe_counts {
    unsigned files, accepted, want_accepted, n_odd;
} probe_counts;

/* The integers in these files exceed int64 (leafIdx 2^64 - 1), which
 * jansson cannot hold exactly, so they are read from the text. */
static uint64_t json_u64_field(const char *text, const char *name)
{
    char key[64];
    const char *p;
    char *end;
    uint64_t v;

    snprintf(key, sizeof(key), "\"%s\":", name);
    p = strstr(text, key);
    assert_non_null(p);
    p += strlen(key);
    while (*p == ' ')
        p++;
    v = strtoull(p, &end, 10);
    assert_true(end != p);
    return v;
}

/* The C API takes hashes as 32-byte arrays, so a probe value of another
 * length ("", "WrongRoot", "garbage" appended to a hash) is passed as
 * SHA-256 of a marker naming its role (root, leaf, proof) and its bytes:
 * deterministic, so two equal odd roots stay equal (the equal-sizes probes
 * compare them), never equal to a real node hash or to a value of another
 * role (an empty leaf hash does not become an empty root). Every probe thus
 * reaches the C verifier; n_odd counts those that needed the mapping. */
static int probe_hash(const char *b64, const char *role,
                      uint8_t out[TS_HASH_SIZE])
{
    uint8_t buf[300];
    size_t m = strlen(role);
    long n;

    assert_true(strlen(b64) < 200 && m < 32);
    n = ts_base64_decode(b64, strlen(b64), buf + m, sizeof(buf) - m);
    assert_true(n >= 0);
    if (n == TS_HASH_SIZE) {
        memcpy(out, buf + m, TS_HASH_SIZE);
        return 0;
    }
    memcpy(buf, role, m);
    assert_int_equal(ts_sha256(buf, m + (size_t)n, out), 0);
    return 1;
}

static int json_hash(json_t *obj, const char *name, const char *role,
                     uint8_t out[TS_HASH_SIZE])
{
    const char *s = json_string_value(json_object_get(obj, name));

    assert_non_null(s);
    return probe_hash(s, role, out);
}

/* Reads the proof into out; *n_odd counts odd-length hashes. */
static size_t json_proof(json_t *obj, uint8_t (*out)[TS_HASH_SIZE], size_t max,
                         int *n_odd)
{
    json_t *arr = json_object_get(obj, "proof");
    size_t n;

    if (arr == NULL || json_is_null(arr))
        return 0;
    assert_true(json_is_array(arr));
    n = json_array_size(arr);
    assert_true(n <= max);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        assert_non_null(s);
        *n_odd += probe_hash(s, "odd proof hash:", out[i]);
    }
    return n;
}

static void run_probe(const char *path, int consistency, probe_counts *c)
{
    uint8_t proof[80][TS_HASH_SIZE], a[TS_HASH_SIZE], b[TS_HASH_SIZE];
    char *text = read_file(path, NULL);
    json_error_t jerr;
    json_t *obj = json_loads(text, JSON_DECODE_INT_AS_REAL, &jerr);
    int want_err, ok, odd = 0;
    size_t n;
    ts_error err;

    if (obj == NULL)
        fail_msg("%s: %s", path, jerr.text);
    want_err = json_is_true(json_object_get(obj, "wantErr"));
    n = json_proof(obj, proof, 80, &odd);
    if (consistency) {
        uint64_t size1 = json_u64_field(text, "size1");
        uint64_t size2 = json_u64_field(text, "size2");
        odd += json_hash(obj, "root1", "odd root:", a);
        odd += json_hash(obj, "root2", "odd root:", b);
        ok = ts_merkle_verify_consistency(size1, size2, a, b, CH(proof), n,
                                          &err) == 0;
    } else {
        uint64_t idx = json_u64_field(text, "leafIdx");
        uint64_t size = json_u64_field(text, "treeSize");
        odd += json_hash(obj, "leafHash", "odd leaf hash:", a);
        odd += json_hash(obj, "root", "odd root:", b);
        ok = ts_merkle_verify_inclusion(idx, size, a, CH(proof), n, b, &err) ==
             0;
    }
    c->n_odd += odd > 0;
    if (ok == want_err)
        fail_msg("%s: wantErr %d but the verifier %s", path, want_err,
                 ok ? "accepted it" : "rejected it");
    c->files++;
    c->accepted += (unsigned)ok;
    c->want_accepted += (unsigned)!want_err;
    json_decref(obj);
    free(text);
}

static void walk_probes(const char *dir, int consistency, probe_counts *c)
{
    DIR *d = opendir(dir);
    struct dirent *ent;

    assert_non_null(d);
    while ((ent = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        size_t len = strlen(ent->d_name);

        if (ent->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
        assert_int_equal(stat(path, &st), 0);
        if (S_ISDIR(st.st_mode))
            walk_probes(path, consistency, c);
        else if (len > 5 && strcmp(ent->d_name + len - 5, ".json") == 0)
            run_probe(path, consistency, c);
    }
    closedir(d);
}

static void test_inclusion_probes(void **state)
{
    probe_counts c = {0, 0, 0, 0};

    (void)state;
    walk_probes(VECTORS "/testdata/inclusion", 0, &c);
    assert_int_equal(c.files, 98);
    assert_int_equal(c.want_accepted, 6);
    assert_int_equal(c.accepted, 6);
    assert_int_equal(c.n_odd, 26);
}

static void test_consistency_probes(void **state)
{
    probe_counts c = {0, 0, 0, 0};

    (void)state;
    walk_probes(VECTORS "/testdata/consistency", 1, &c);
    assert_int_equal(c.files, 98);
    assert_int_equal(c.want_accepted, 6);
    assert_int_equal(c.accepted, 6);
    assert_int_equal(c.n_odd, 27);
}

/* ---- RFC 6962 reference roots ---- */

static void test_reference_roots(void **state)
{
    static const char *inputs[8] = {"",
                                    "00",
                                    "10",
                                    "2021",
                                    "3031",
                                    "40414243",
                                    "5051525354555657",
                                    "606162636465666768696a6b6c6d6e6f"};
    uint8_t ref[8][TS_HASH_SIZE], want[TS_HASH_SIZE], got[TS_HASH_SIZE];
    char *text = read_file(VECTORS "/roots.txt", NULL);
    char *line, *save = NULL;
    unsigned n_roots = 0;
    ts_frontier f;

    (void)state;
    for (int i = 0; i < 8; i++) {
        uint8_t data[16];
        size_t len = strlen(inputs[i]) / 2;
        hex_to_bytes(inputs[i], data, len);
        ts_merkle_leaf_hash(data, len, ref[i]);
    }
    for (line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        unsigned size;
        char hex[65];
        if (line[0] == '#')
            continue;
        assert_int_equal(sscanf(line, "size %u %64s", &size, hex), 2);
        assert_true(size <= 8);
        hex_to_bytes(hex, want, TS_HASH_SIZE);
        ts_merkle_root(CH(ref), size, got);
        assert_memory_equal(got, want, TS_HASH_SIZE);
        ts_frontier_init(&f);
        for (unsigned i = 0; i < size; i++)
            ts_frontier_append(&f, ref[i]);
        ts_frontier_root(&f, got);
        assert_memory_equal(got, want, TS_HASH_SIZE);
        n_roots++;
    }
    assert_int_equal(n_roots, 9);
    free(text);
}

static void test_hash_prefixes(void **state)
{
    /* leaf = SHA-256(0x00 || d), node = SHA-256(0x01 || l || r) */
    uint8_t buf[65], want[TS_HASH_SIZE], got[TS_HASH_SIZE];

    (void)state;
    buf[0] = 0x00;
    memcpy(buf + 1, "abc", 3);
    assert_int_equal(ts_sha256(buf, 4, want), 0);
    ts_merkle_leaf_hash((const uint8_t *)"abc", 3, got);
    assert_memory_equal(got, want, TS_HASH_SIZE);
    buf[0] = 0x01;
    memcpy(buf + 1, leaves[0], 32);
    memcpy(buf + 33, leaves[1], 32);
    assert_int_equal(ts_sha256(buf, 65, want), 0);
    ts_merkle_node_hash(leaves[0], leaves[1], got);
    assert_memory_equal(got, want, TS_HASH_SIZE);
}

/* ---- Generated proofs, against a recursive transcription of the RFC ---- */

static uint64_t largest_pow2_below(uint64_t n)
{
    uint64_t k = 1;

    while (k < n - k)
        k *= 2;
    return k;
}

/* RFC 9162 §2.1.3.1 PATH(m, D[start:end]), recursively. */
static void ref_path(uint64_t m, uint64_t start, uint64_t end,
                     uint8_t (*out)[TS_HASH_SIZE], size_t *n)
{
    uint64_t k;

    if (end - start == 1)
        return;
    k = largest_pow2_below(end - start);
    if (m < k) {
        ref_path(m, start, start + k, out, n);
        ts_merkle_root(CH(leaves + start + k), (size_t)(end - start - k),
                       out[(*n)++]);
    } else {
        ref_path(m - k, start + k, end, out, n);
        ts_merkle_root(CH(leaves + start), (size_t)k, out[(*n)++]);
    }
}

/* RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end], b), recursively. */
static void ref_subproof(uint64_t m, uint64_t start, uint64_t end, int b,
                         uint8_t (*out)[TS_HASH_SIZE], size_t *n)
{
    uint64_t k;

    if (m == end - start) {
        if (!b)
            ts_merkle_root(CH(leaves + start), (size_t)m, out[(*n)++]);
        return;
    }
    k = largest_pow2_below(end - start);
    if (m <= k) {
        ref_subproof(m, start, start + k, b, out, n);
        ts_merkle_root(CH(leaves + start + k), (size_t)(end - start - k),
                       out[(*n)++]);
    } else {
        ref_subproof(m - k, start + k, end, 0, out, n);
        ts_merkle_root(CH(leaves + start), (size_t)k, out[(*n)++]);
    }
}

static void test_generated_inclusion(void **state)
{
    uint8_t proof[TS_MERKLE_MAX_PROOF + 1][TS_HASH_SIZE];
    uint8_t ref[TS_MERKLE_MAX_PROOF][TS_HASH_SIZE], root[TS_HASH_SIZE];
    unsigned n_checked = 0, n_tampered = 0;

    (void)state;
    for (uint64_t size = 1; size <= MAX_LEAVES; size++) {
        oracle o = {CH(leaves), size, 0};
        ts_merkle_root(CH(leaves), size, root);
        for (uint64_t idx = 0; idx < size; idx++) {
            size_t n = 99, n_ref = 0;
            ts_error err;
            const uint8_t(*p)[32] = CH(proof);

            o.calls = 0;
            assert_int_equal(ts_merkle_prove_inclusion(oracle_subtree, &o, idx,
                                                       size, proof, &n, &err),
                             0);
            ref_path(idx, 0, size, ref, &n_ref);
            assert_int_equal(n, n_ref);
            assert_int_equal(o.calls, n);
            assert_memory_equal(proof, ref, n * TS_HASH_SIZE);
            assert_int_equal(ts_merkle_verify_inclusion(idx, size, leaves[idx],
                                                        p, n, root, &err),
                             0);
            n_checked++;
            /* a flipped bit in any hash, a missing or an extra hash,
             * another leaf or another index all fail */
            for (size_t i = 0; i < n; i++) {
                proof[i][i % 32] ^= 0x40;
                assert_int_equal(ts_merkle_verify_inclusion(
                                     idx, size, leaves[idx], p, n, root, &err),
                                 TS_ECORRUPT);
                proof[i][i % 32] ^= 0x40;
                n_tampered++;
            }
            if (n > 0)
                assert_int_equal(ts_merkle_verify_inclusion(idx, size,
                                                            leaves[idx], p,
                                                            n - 1, root, &err),
                                 TS_ECORRUPT);
            memcpy(proof[n], root, TS_HASH_SIZE);
            assert_int_equal(ts_merkle_verify_inclusion(idx, size, leaves[idx],
                                                        p, n + 1, root, &err),
                             TS_ECORRUPT);
            assert_non_null(strstr(err.msg, "more than"));
            assert_int_equal(ts_merkle_verify_inclusion(
                                 idx, size, leaves[(idx + 1) % MAX_LEAVES], p,
                                 n, root, &err),
                             TS_ECORRUPT);
            /* (A wrong size with the same proof shape can verify: the
             * root commits to the size only through the checkpoint.) */
            if (size > 1)
                assert_int_equal(ts_merkle_verify_inclusion(idx ^ 1, size,
                                                            leaves[idx], p, n,
                                                            root, &err),
                                 TS_ECORRUPT);
            assert_int_equal(ts_merkle_verify_inclusion(size, size, leaves[idx],
                                                        p, n, root, &err),
                             TS_ECORRUPT);
        }
    }
    assert_int_equal(n_checked, MAX_LEAVES * (MAX_LEAVES + 1) / 2);
    assert_true(n_tampered > 5 * n_checked);
}

static void test_generated_consistency(void **state)
{
    uint8_t proof[TS_MERKLE_MAX_PROOF + 1][TS_HASH_SIZE];
    uint8_t ref[TS_MERKLE_MAX_PROOF][TS_HASH_SIZE];
    uint8_t root1[TS_HASH_SIZE], root2[TS_HASH_SIZE];
    unsigned n_checked = 0;

    (void)state;
    for (uint64_t size2 = 1; size2 <= MAX_LEAVES; size2++) {
        oracle o = {CH(leaves), size2, 0};
        ts_merkle_root(CH(leaves), size2, root2);
        for (uint64_t size1 = 1; size1 <= size2; size1++) {
            size_t n = 99, n_ref = 0;
            ts_error err;
            const uint8_t(*p)[32] = CH(proof);

            ts_merkle_root(CH(leaves), size1, root1);
            o.calls = 0;
            assert_int_equal(ts_merkle_prove_consistency(oracle_subtree, &o,
                                                         size1, size2, proof,
                                                         &n, &err),
                             0);
            if (size1 < size2)
                ref_subproof(size1, 0, size2, 1, ref, &n_ref);
            assert_int_equal(n, n_ref);
            assert_int_equal(o.calls, n);
            assert_memory_equal(proof, ref, n * TS_HASH_SIZE);
            assert_int_equal(ts_merkle_verify_consistency(size1, size2, root1,
                                                          root2, p, n, &err),
                             0);
            n_checked++;
            for (size_t i = 0; i < n; i++) {
                proof[i][31 - i % 32] ^= 0x01;
                assert_int_equal(ts_merkle_verify_consistency(
                                     size1, size2, root1, root2, p, n, &err),
                                 TS_ECORRUPT);
                proof[i][31 - i % 32] ^= 0x01;
            }
            if (n > 0)
                assert_int_equal(ts_merkle_verify_consistency(size1, size2,
                                                              root1, root2, p,
                                                              n - 1, &err),
                                 TS_ECORRUPT);
            memcpy(proof[n], root1, TS_HASH_SIZE);
            assert_int_equal(ts_merkle_verify_consistency(
                                 size1, size2, root1, root2, p, n + 1, &err),
                             TS_ECORRUPT);
            if (size1 < size2)
                assert_non_null(strstr(err.msg, "more than"));
            /* the roots swapped, or each replaced by another size's */
            if (size1 < size2) {
                assert_int_equal(ts_merkle_verify_consistency(
                                     size1, size2, root2, root1, p, n, &err),
                                 TS_ECORRUPT);
                assert_int_equal(ts_merkle_verify_consistency(
                                     size1, size2, root2, root2, p, n, &err),
                                 TS_ECORRUPT);
                assert_int_equal(ts_merkle_verify_consistency(
                                     size1, size2, root1, root1, p, n, &err),
                                 TS_ECORRUPT);
                assert_int_equal(ts_merkle_verify_consistency(
                                     size2, size1, root1, root2, p, n, &err),
                                 TS_ECORRUPT);
            }
        }
    }
    assert_int_equal(n_checked, MAX_LEAVES * (MAX_LEAVES + 1) / 2);
}

static void test_prove_rejects(void **state)
{
    uint8_t proof[TS_MERKLE_MAX_PROOF][TS_HASH_SIZE];
    oracle o = {CH(leaves), 8, 0};
    size_t n = 99;
    ts_error err;

    (void)state;
    assert_int_equal(
        ts_merkle_prove_inclusion(oracle_subtree, &o, 8, 8, proof, &n, &err),
        TS_EINVAL);
    assert_int_equal(n, 0);
    assert_int_equal(
        ts_merkle_prove_inclusion(oracle_subtree, &o, 0, 0, proof, &n, &err),
        TS_EINVAL);
    assert_int_equal(
        ts_merkle_prove_consistency(oracle_subtree, &o, 0, 8, proof, &n, &err),
        TS_EINVAL);
    assert_int_equal(
        ts_merkle_prove_consistency(oracle_subtree, &o, 5, 4, proof, &n, &err),
        TS_EINVAL);
    /* verifying an empty proof between different sizes reads nothing */
    assert_int_equal(
        ts_merkle_verify_consistency(3, 5, leaves[0], leaves[1], NULL, 0, &err),
        TS_ECORRUPT);
    assert_non_null(strstr(err.msg, "empty"));
    /* an oracle's error comes back unchanged */
    assert_int_equal(
        ts_merkle_prove_inclusion(failing_subtree, NULL, 3, 8, proof, &n, &err),
        TS_EIO);
    assert_string_equal(err.msg, "oracle failed");
    assert_int_equal(ts_merkle_prove_consistency(failing_subtree, NULL, 3, 8,
                                                 proof, &n, &err),
                     TS_EIO);
    /* a tree of one leaf: empty proof, root = leaf hash */
    assert_int_equal(
        ts_merkle_prove_inclusion(oracle_subtree, &o, 0, 1, proof, &n, &err),
        0);
    assert_int_equal(n, 0);
    assert_int_equal(
        ts_merkle_verify_inclusion(0, 1, leaves[0], NULL, 0, leaves[0], &err),
        0);
}

/* ---- Trees of up to 2^64 - 1 identical leaves: MTH depends only on the
 * length, so the oracle can answer for sizes no test could build. ---- */

static uint8_t uniform_complete[65][TS_HASH_SIZE];

static void uniform_mth(uint64_t len, uint8_t out[TS_HASH_SIZE])
{
    uint8_t right[TS_HASH_SIZE];
    unsigned level = 0;
    uint64_t k;

    if ((len & (len - 1)) == 0) {
        while (((uint64_t)1 << level) != len)
            level++;
        memcpy(out, uniform_complete[level], TS_HASH_SIZE);
        return;
    }
    k = largest_pow2_below(len);
    uniform_mth(len - k, right);
    while (((uint64_t)1 << level) != k)
        level++;
    ts_merkle_node_hash(uniform_complete[level], right, out);
}

static int uniform_subtree(void *ctx, uint64_t start, uint64_t end,
                           uint8_t out[TS_HASH_SIZE], ts_error *err)
{
    (void)ctx;
    (void)err;
    assert_true(start < end);
    uniform_mth(end - start, out);
    return 0;
}

static void test_huge_trees(void **state)
{
    static const uint64_t sizes[][2] = {
        {1, UINT64_MAX},
        {3, UINT64_MAX},
        {UINT64_MAX - 1, UINT64_MAX},
        {(uint64_t)1 << 63, UINT64_MAX},
        {((uint64_t)1 << 63) + 1, UINT64_MAX},
        {UINT64_MAX >> 1, UINT64_MAX - 1},
        {5, (uint64_t)1 << 63},
    };
    uint8_t proof[TS_MERKLE_MAX_PROOF][TS_HASH_SIZE];
    uint8_t leaf[TS_HASH_SIZE], r1[TS_HASH_SIZE], r2[TS_HASH_SIZE];
    size_t n, max_consistency = 0;
    ts_error err;

    (void)state;
    ts_merkle_leaf_hash((const uint8_t *)"x", 1, uniform_complete[0]);
    for (int i = 1; i <= 64; i++)
        ts_merkle_node_hash(uniform_complete[i - 1], uniform_complete[i - 1],
                            uniform_complete[i]);
    memcpy(leaf, uniform_complete[0], TS_HASH_SIZE);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint64_t idx[3] = {0, sizes[i][1] - 1, sizes[i][1] / 3};
        uniform_mth(sizes[i][0], r1);
        uniform_mth(sizes[i][1], r2);
        assert_int_equal(ts_merkle_prove_consistency(uniform_subtree, NULL,
                                                     sizes[i][0], sizes[i][1],
                                                     proof, &n, &err),
                         0);
        assert_true(n <= TS_MERKLE_MAX_PROOF);
        max_consistency = n > max_consistency ? n : max_consistency;
        assert_int_equal(ts_merkle_verify_consistency(sizes[i][0], sizes[i][1],
                                                      r1, r2, CH(proof), n,
                                                      &err),
                         0);
        for (int j = 0; j < 3; j++) {
            assert_int_equal(ts_merkle_prove_inclusion(uniform_subtree, NULL,
                                                       idx[j], sizes[i][1],
                                                       proof, &n, &err),
                             0);
            assert_true(n <= 64);
            assert_int_equal(ts_merkle_verify_inclusion(idx[j], sizes[i][1],
                                                        leaf, CH(proof), n, r2,
                                                        &err),
                             0);
        }
    }
    /* ceil(log2(size2)) + 1: the bound TS_MERKLE_MAX_PROOF is sized for */
    assert_int_equal(max_consistency, 65);
}

/* ---- The frontier ---- */

static void test_frontier_serialize(void **state)
{
    uint8_t buf[8 + 64 * TS_HASH_SIZE + 1];
    uint8_t want[TS_HASH_SIZE], got[TS_HASH_SIZE];
    ts_frontier f, g;
    ts_error err;

    (void)state;
    ts_frontier_init(&f);
    for (unsigned size = 0; size <= MAX_LEAVES; size++) {
        size_t len = ts_frontier_serialized_size(&f);
        unsigned bits = 0;

        for (unsigned s = size; s; s &= s - 1)
            bits++;
        assert_int_equal(f.size, size);
        assert_int_equal(f.n_hashes, bits);
        assert_int_equal(len, 8 + bits * TS_HASH_SIZE);
        ts_frontier_serialize(&f, buf);
        assert_int_equal(buf[7], size & 0xff);
        assert_int_equal(buf[6], size >> 8);
        assert_int_equal(ts_frontier_deserialize(&g, buf, len, &err), 0);
        assert_int_equal(g.size, f.size);
        assert_int_equal(g.n_hashes, f.n_hashes);
        assert_memory_equal(g.hashes, f.hashes, len - 8);
        ts_frontier_root(&g, got);
        ts_merkle_root(CH(leaves), size, want);
        assert_memory_equal(got, want, TS_HASH_SIZE);
        /* wrong lengths */
        assert_int_equal(ts_frontier_deserialize(&g, buf, len + 1, &err),
                         TS_ECORRUPT);
        assert_int_equal(ts_frontier_deserialize(&g, buf, len + 32, &err),
                         TS_ECORRUPT);
        if (bits > 0)
            assert_int_equal(ts_frontier_deserialize(&g, buf, len - 32, &err),
                             TS_ECORRUPT);
        assert_int_equal(ts_frontier_deserialize(&g, buf, 7, &err),
                         TS_ECORRUPT);
        if (size < MAX_LEAVES)
            ts_frontier_append(&f, leaves[size]);
    }
    /* a size whose hashes are missing */
    memset(buf, 0x7f, 1);
    memset(buf + 1, 0xff, 7);
    assert_int_equal(ts_frontier_deserialize(&g, buf, 8 + 62 * 32, &err),
                     TS_ECORRUPT);
    assert_int_equal(ts_frontier_deserialize(&g, buf, 8 + 63 * 32, &err), 0);
    assert_int_equal(g.n_hashes, 63);
    assert_true(g.size == UINT64_MAX >> 1);
    /* sizes past 2^63 leave too little room to append: refused */
    buf[0] = 0x80;
    memset(buf + 1, 0, 7);
    assert_int_equal(ts_frontier_deserialize(&g, buf, 8 + 32, &err), 0);
    buf[7] = 1;
    assert_int_equal(ts_frontier_deserialize(&g, buf, 8 + 64, &err),
                     TS_ECORRUPT);
    memset(buf, 0xff, 8);
    assert_int_equal(ts_frontier_deserialize(&g, buf, 8 + 64 * 32, &err),
                     TS_ECORRUPT);
}

static void test_frontier_append_subtree(void **state)
{
    unsigned n_cases = 0;

    (void)state;
    for (uint64_t start = 0; start < MAX_LEAVES; start++) {
        for (uint64_t k = 1; start + k <= MAX_LEAVES; k *= 2) {
            ts_frontier a, b;
            uint8_t sub[TS_HASH_SIZE], ra[TS_HASH_SIZE], rb[TS_HASH_SIZE];
            int rc;

            if (start % k != 0)
                continue;
            ts_frontier_init(&a);
            ts_frontier_init(&b);
            for (uint64_t i = 0; i < start + k; i++)
                ts_frontier_append(&a, leaves[i]);
            for (uint64_t i = 0; i < start; i++)
                ts_frontier_append(&b, leaves[i]);
            ts_merkle_root(CH(leaves + start), k, sub);
            rc = ts_frontier_append_subtree(&b, k, sub);
            assert_int_equal(rc, 0);
            assert_true(a.size == b.size);
            assert_int_equal(a.n_hashes, b.n_hashes);
            assert_memory_equal(a.hashes, b.hashes, a.n_hashes * TS_HASH_SIZE);
            ts_frontier_root(&a, ra);
            ts_frontier_root(&b, rb);
            assert_memory_equal(ra, rb, TS_HASH_SIZE);
            n_cases++;
        }
    }
    assert_true(n_cases > 100);
}

/* Appending leaves one by one gives, with the leaf that ends each aligned
 * run of 2^level leaves, MTH of that run, and nothing with any other leaf;
 * the frontier itself is ts_frontier_append's. */
static void test_frontier_append_ending(void **state)
{
    unsigned n_found = 0;

    (void)state;
    for (unsigned level = 0; ((uint64_t)1 << level) <= MAX_LEAVES; level++) {
        uint64_t k = (uint64_t)1 << level;
        ts_frontier a, b;
        ts_frontier_init(&a);
        ts_frontier_init(&b);
        for (uint64_t i = 0; i < MAX_LEAVES; i++) {
            uint8_t got[TS_HASH_SIZE], want[TS_HASH_SIZE];
            memset(got, 0xee, sizeof(got));
            int found = ts_frontier_append_ending(&a, leaves[i], level, got);
            ts_frontier_append(&b, leaves[i]);
            assert_true(a.size == b.size);
            assert_int_equal(a.n_hashes, b.n_hashes);
            assert_memory_equal(a.hashes, b.hashes, a.n_hashes * TS_HASH_SIZE);
            assert_int_equal(found, (i + 1) % k == 0);
            if (!found)
                continue;
            ts_merkle_root(CH(leaves + (i + 1 - k)), k, want);
            assert_memory_equal(got, want, TS_HASH_SIZE);
            n_found++;
        }
    }
    assert_true(n_found > MAX_LEAVES);
}

static void test_frontier_append_subtree_rejects(void **state)
{
    ts_frontier f;
    uint8_t before[TS_HASH_SIZE];

    (void)state;
    ts_frontier_init(&f);
    ts_frontier_append(&f, leaves[0]);
    assert_int_equal(ts_frontier_append_subtree(&f, 2, leaves[1]), TS_EINVAL);
    assert_int_equal(ts_frontier_append_subtree(&f, 0, leaves[1]), TS_EINVAL);
    ts_frontier_append(&f, leaves[1]);
    memcpy(before, f.hashes[0], TS_HASH_SIZE);
    assert_int_equal(ts_frontier_append_subtree(&f, 3, leaves[1]), TS_EINVAL);
    assert_int_equal(ts_frontier_append_subtree(&f, 4, leaves[1]), TS_EINVAL);
    assert_true(f.size == 2);
    assert_int_equal(f.n_hashes, 1);
    assert_memory_equal(f.hashes[0], before, TS_HASH_SIZE);
    assert_int_equal(ts_frontier_append_subtree(&f, 2, leaves[1]), 0);
    assert_true(f.size == 4);
    assert_int_equal(f.n_hashes, 1);
    /* past 2^64 - 1 leaves */
    f.size = (uint64_t)1 << 63;
    assert_int_equal(
        ts_frontier_append_subtree(&f, (uint64_t)1 << 63, leaves[1]),
        TS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inclusion_probes),
        cmocka_unit_test(test_consistency_probes),
        cmocka_unit_test(test_reference_roots),
        cmocka_unit_test(test_hash_prefixes),
        cmocka_unit_test(test_generated_inclusion),
        cmocka_unit_test(test_generated_consistency),
        cmocka_unit_test(test_prove_rejects),
        cmocka_unit_test(test_huge_trees),
        cmocka_unit_test(test_frontier_serialize),
        cmocka_unit_test(test_frontier_append_subtree),
        cmocka_unit_test(test_frontier_append_subtree_rejects),
        cmocka_unit_test(test_frontier_append_ending),
    };

    make_leaves();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
