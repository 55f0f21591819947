/* Tests for store/note.c: C2SP signed notes, keys and checkpoints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store/crypto.h"

#define VECTORS TS_TESTVECTORS_DIR "/signed-note"
#define EM_DASH "\xe2\x80\x94"

/* The example in golang.org/x/mod/sumdb/note's documentation: Ed25519 is
 * deterministic, so signing TEXT with SKEY must give exactly GO_NOTE. */
static const char go_skey[] = "PRIVATE+KEY+PeterNeumann+c74f20a3+"
                              "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char go_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char go_text[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
static const char go_note[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n" EM_DASH " PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

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
    *out_len = (size_t)n;
    return buf;
}

static int verify_str(const ts_verifier *v, const char *note, size_t *body_len)
{
    ts_error err;

    return ts_note_verify(v, note, strlen(note), body_len, &err);
}

/* ---- The C2SP example ---- */

static void test_c2sp_example(void **state)
{
    size_t key_len, note_len, body_len = 0;
    char *key = read_file(VECTORS "/example.vkey", &key_len);
    char *note = read_file(VECTORS "/example.note", &note_len);
    char text[256];
    ts_verifier v;
    ts_error err;

    (void)state;
    if (key_len > 0 && key[key_len - 1] == '\n')
        key[--key_len] = '\0';
    assert_int_equal(ts_verifier_parse(&v, key, &err), 0);
    assert_string_equal(v.name, "example.com/foo");
    assert_int_equal(v.key_id, 0x530d903a);
    assert_int_equal(ts_note_key_id(v.name, v.pub), 0x530d903a);
    assert_int_equal(ts_verifier_format(&v, text, sizeof(text), &err), 0);
    assert_string_equal(text, key);

    assert_int_equal(ts_note_verify(&v, note, note_len, &body_len, &err), 0);
    assert_int_equal(body_len, strlen("This is an example message.\n"));
    assert_memory_equal(note, "This is an example message.\n", body_len);

    /* a one-byte change anywhere in the text */
    for (size_t i = 0; i < body_len - 1; i++) {
        char c = note[i];
        note[i] = c == 'x' ? 'y' : 'x';
        assert_int_equal(ts_note_verify(&v, note, note_len, NULL, &err),
                         TS_ECORRUPT);
        note[i] = c;
    }
    /* a one-character change anywhere in the signature (still base64; the
     * last data character also holds padding bits, left alone) */
    {
        char *sig = strrchr(note, ' ') + 1;
        size_t sig_len = strlen(sig) - 1; /* without the newline */
        assert_int_equal(sig_len, 92);
        for (size_t i = 0; i < sig_len - 2; i++) {
            char c = sig[i];
            sig[i] = c == 'A' ? 'B' : 'A';
            assert_int_equal(ts_note_verify(&v, note, note_len, NULL, &err),
                             TS_ECORRUPT);
            sig[i] = c;
        }
    }
    assert_int_equal(ts_note_verify(&v, note, note_len, NULL, &err), 0);

    /* the same key under another name is another key */
    memcpy(v.name, "example.com/bar", 16);
    assert_int_equal(ts_note_verify(&v, note, note_len, NULL, &err),
                     TS_ECORRUPT);
    free(key);
    free(note);
}

/* ---- Go's sumdb/note example, byte for byte ---- */

static void test_go_known_answer(void **state)
{
    char text[256], *note = NULL;
    ts_signer s;
    ts_verifier v, v2;
    size_t body_len = 0;
    ts_error err;

    (void)state;
    assert_int_equal(ts_signer_parse(&s, go_skey, &err), 0);
    assert_string_equal(s.name, "PeterNeumann");
    assert_int_equal(s.key_id, 0xc74f20a3);
    assert_int_equal(ts_signer_format(&s, text, sizeof(text), &err), 0);
    assert_string_equal(text, go_skey);
    ts_signer_verifier(&s, &v);
    assert_int_equal(ts_verifier_format(&v, text, sizeof(text), &err), 0);
    assert_string_equal(text, go_vkey);
    assert_int_equal(ts_verifier_parse(&v2, go_vkey, &err), 0);
    assert_memory_equal(v2.pub, s.pub, 32);

    assert_int_equal(ts_note_sign(&s, go_text, strlen(go_text), &note, &err),
                     0);
    assert_string_equal(note, go_note);
    assert_int_equal(verify_str(&v2, go_note, &body_len), 0);
    assert_int_equal(body_len, strlen(go_text));
    free(note);
}

/* Go's TestNewSigner / TestNewVerifier: every proper substring and every
 * single-byte increment of a key text is refused. */
static void check_manglings(const char *key, int is_signer)
{
    char buf[256];
    size_t len = strlen(key);
    unsigned n_tried = 0;
    ts_signer s;
    ts_verifier v;

    for (size_t i = 0; i <= len; i++) {
        for (size_t j = i + 1; j <= len; j++) {
            if (i == 0 && j == len)
                continue;
            memcpy(buf, key + i, j - i);
            buf[j - i] = '\0';
            if (is_signer)
                assert_int_not_equal(ts_signer_parse(&s, buf, NULL), 0);
            else
                assert_int_not_equal(ts_verifier_parse(&v, buf, NULL), 0);
            n_tried++;
        }
    }
    memcpy(buf, key, len + 1);
    for (size_t i = 0; i < len; i++) {
        buf[i]++;
        if (is_signer)
            assert_int_not_equal(ts_signer_parse(&s, buf, NULL), 0);
        else
            assert_int_not_equal(ts_verifier_parse(&v, buf, NULL), 0);
        buf[i]--;
        n_tried++;
    }
    assert_int_equal(n_tried, len * (len + 1) / 2 - 1 + len);
}

static void test_key_manglings(void **state)
{
    ts_verifier v;
    ts_error err;

    (void)state;
    check_manglings(go_skey, 1);
    check_manglings(go_vkey, 0);
    /* Go's badKey cases: wrong length, unknown algorithm (ids adjusted) */
    assert_int_equal(ts_verifier_parse(&v,
                                       "PeterNeumann+cc469956+ARpc2QcUPDhMQegwx"
                                       "bzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
                                       &err),
                     TS_EINVAL);
    assert_int_equal(ts_verifier_parse(&v,
                                       "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwx"
                                       "bzhKqiBfsVkmqq/LDE4izWy10TW",
                                       &err),
                     TS_EINVAL);
    /* a trailing newline (as read from a file) is not part of a key */
    {
        char buf[128];
        snprintf(buf, sizeof(buf), "%s\n", go_vkey);
        assert_int_equal(ts_verifier_parse(&v, buf, &err), TS_EINVAL);
    }
}

/* ---- RFC 8032 §7.1 TEST 1 ---- */

static void test_rfc8032_test1(void **state)
{
    static const char seed_hex[] =
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    static const char pub_hex[] =
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    static const char sig_hex[] =
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8"
        "821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    uint8_t seed[32], pub[32], want_sig[64], sig[64], raw[33];
    char b64[64], text[256], *note = NULL;
    size_t n = sizeof(sig), body_len;
    EVP_PKEY *pkey;
    EVP_MD_CTX *ctx;
    ts_signer s;
    ts_verifier v;
    ts_error err;

    (void)state;
    assert_int_equal(ts_hex_decode(seed_hex, seed, 32), 0);
    assert_int_equal(ts_hex_decode(pub_hex, pub, 32), 0);
    assert_int_equal(ts_hex_decode(sig_hex, want_sig, 64), 0);

    /* the seed, as a note signer key, gives the RFC's public key */
    raw[0] = 0x01;
    memcpy(raw + 1, seed, 32);
    ts_base64_encode(raw, 33, b64);
    snprintf(text, sizeof(text), "PRIVATE+KEY+rfc8032+%08x+%s",
             (unsigned)ts_note_key_id("rfc8032", pub), b64);
    assert_int_equal(ts_signer_parse(&s, text, &err), 0);
    assert_memory_equal(s.pub, pub, 32);

    /* the signer's seed signs the empty message as the RFC says (a note
     * body cannot be empty, so this goes to OpenSSL directly) */
    pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, s.seed, 32);
    ctx = EVP_MD_CTX_new();
    assert_non_null(pkey);
    assert_non_null(ctx);
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &n, (const uint8_t *)"", 0), 1);
    assert_int_equal(n, 64);
    assert_memory_equal(sig, want_sig, 64);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);

    /* and a note's signature is plain Ed25519 over the body with that key */
    assert_int_equal(ts_note_sign(&s, "hello\n", 6, &note, &err), 0);
    {
        const char *b = strrchr(note, ' ') + 1;
        uint8_t dec[80];
        long m = ts_base64_decode(b, strlen(b) - 1, dec, sizeof(dec));
        assert_int_equal(m, 68);
        assert_true(((uint32_t)dec[0] << 24 | (uint32_t)dec[1] << 16 |
                     (uint32_t)dec[2] << 8 | dec[3]) == s.key_id);
        pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
        ctx = EVP_MD_CTX_new();
        assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey), 1);
        assert_int_equal(
            EVP_DigestVerify(ctx, dec + 4, 64, (const uint8_t *)"hello\n", 6),
            1);
        EVP_MD_CTX_free(ctx);
        EVP_PKEY_free(pkey);
    }
    ts_signer_verifier(&s, &v);
    assert_int_equal(verify_str(&v, note, &body_len), 0);
    assert_int_equal(body_len, 6);
    free(note);
}

/* ---- Our own keys and notes ---- */

static void test_sign_verify_round_trip(void **state)
{
    static const char body[] = "trailseal.test/log\n\nsecond paragraph é\n";
    char text[256], *note = NULL, *other_note = NULL, *both;
    ts_signer s, s2, other;
    ts_verifier v, v2, vo;
    size_t body_len = 0;
    ts_error err;

    (void)state;
    assert_int_equal(ts_signer_generate(&s, "trailseal.test/key", &err), 0);
    assert_int_equal(s.key_id, ts_note_key_id(s.name, s.pub));
    assert_int_equal(ts_signer_format(&s, text, sizeof(text), &err), 0);
    assert_int_equal(ts_signer_parse(&s2, text, &err), 0);
    assert_string_equal(s2.name, s.name);
    assert_memory_equal(s2.seed, s.seed, 32);
    assert_memory_equal(s2.pub, s.pub, 32);
    assert_int_equal(s2.key_id, s.key_id);
    ts_signer_verifier(&s, &v);
    assert_int_equal(ts_verifier_format(&v, text, sizeof(text), &err), 0);
    assert_int_equal(ts_verifier_parse(&v2, text, &err), 0);
    assert_memory_equal(&v2.pub, &v.pub, 32);
    assert_string_equal(v2.name, v.name);
    assert_int_equal(v2.key_id, v.key_id);
    /* too small a buffer */
    assert_int_equal(ts_verifier_format(&v, text, 20, &err), TS_ELIMIT);
    assert_int_equal(ts_signer_format(&s, text, 20, &err), TS_ELIMIT);

    assert_int_equal(ts_note_sign(&s, body, strlen(body), &note, &err), 0);
    assert_int_equal(verify_str(&v2, note, &body_len), 0);
    assert_int_equal(body_len, strlen(body));
    assert_memory_equal(note, body, body_len);

    /* another key's signature is ignored, and is no substitute */
    assert_int_equal(ts_signer_generate(&other, "trailseal.test/other", &err),
                     0);
    ts_signer_verifier(&other, &vo);
    assert_int_equal(verify_str(&vo, note, NULL), TS_ECORRUPT);
    assert_int_equal(
        ts_note_sign(&other, body, strlen(body), &other_note, &err), 0);
    both = malloc(strlen(note) + strlen(other_note));
    assert_non_null(both);
    strcpy(both, note);
    strcat(both, other_note + strlen(body) + 1);
    assert_int_equal(verify_str(&v, both, &body_len), 0);
    assert_int_equal(body_len, strlen(body));
    assert_int_equal(verify_str(&vo, both, &body_len), 0);
    free(both);

    /* a key with our name but another id is another key: ignored */
    {
        ts_verifier same_name = vo;
        memcpy(same_name.name, v.name, sizeof(v.name));
        assert_int_equal(verify_str(&same_name, note, NULL), TS_ECORRUPT);
    }
    free(note);
    free(other_note);

    /* names the spec forbids */
    assert_int_equal(ts_signer_generate(&s2, "", &err), TS_EINVAL);
    assert_int_equal(ts_signer_generate(&s2, "a b", &err), TS_EINVAL);
    assert_int_equal(ts_signer_generate(&s2, "a+b", &err), TS_EINVAL);
    assert_int_equal(ts_signer_generate(&s2,
                                        "a\xc2\xa0"
                                        "b",
                                        &err),
                     TS_EINVAL); /* U+00A0 */
    assert_int_equal(ts_signer_generate(&s2, "a\xe3\x80\x80", &err),
                     TS_EINVAL); /* U+3000 */
    assert_int_equal(ts_signer_generate(&s2, "a\xff", &err), TS_EINVAL);
    {
        char long_name[TS_KEY_NAME_MAX + 1];
        memset(long_name, 'n', TS_KEY_NAME_MAX);
        long_name[TS_KEY_NAME_MAX] = '\0';
        assert_int_equal(ts_signer_generate(&s2, long_name, &err), TS_EINVAL);
        long_name[TS_KEY_NAME_MAX - 1] = '\0';
        assert_int_equal(ts_signer_generate(&s2, long_name, &err), 0);
    }

    /* bodies that cannot be signed */
    assert_int_equal(ts_note_sign(&s, "", 0, &note, &err), TS_EINVAL);
    assert_null(note);
    assert_int_equal(ts_note_sign(&s, "no newline", 10, &note, &err),
                     TS_EINVAL);
    assert_int_equal(ts_note_sign(&s, "tab\there\n", 9, &note, &err),
                     TS_EINVAL);
    assert_int_equal(ts_note_sign(&s, "nul\0here\n", 9, &note, &err),
                     TS_EINVAL);
    assert_int_equal(ts_note_sign(&s, "bad \xc0\xaf utf8\n", 13, &note, &err),
                     TS_EINVAL);
}

/* The message ts_note_verify leaves for `note` (in a static buffer). */
static const char *err_of(const ts_verifier *v, const char *note)
{
    static ts_error err;

    (void)ts_note_verify(v, note, strlen(note), NULL, &err);
    return err.msg;
}

/* Builds a signature line "— <name> <base64(id || sig)>\n" by hand. */
static void sig_line(char *out, size_t size, const char *name, uint32_t id,
                     size_t sig_len)
{
    uint8_t raw[4 + 128];
    char b64[200];

    assert_true(sig_len <= 128);
    memset(raw, 0x5c, sizeof(raw));
    raw[0] = (uint8_t)(id >> 24);
    raw[1] = (uint8_t)(id >> 16);
    raw[2] = (uint8_t)(id >> 8);
    raw[3] = (uint8_t)id;
    ts_base64_encode(raw, 4 + sig_len, b64);
    int n = snprintf(out, size, EM_DASH " %s %s\n", name, b64);

    assert_true(n > 0 && (size_t)n < size);
}

static void test_malformed_notes(void **state)
{
    char *note = NULL, good_line[200], buf[16384], line[200];
    ts_signer s;
    ts_verifier v;
    ts_error err;
    size_t body_len;
    static const struct {
        const char *note;
        int code;
    } cases[] = {
        {"body\n" EM_DASH " k QUJDREVGR0g=\n", TS_EINVAL},  /* no blank line */
        {"body\n\n", TS_EINVAL},                            /* no signatures */
        {"body\n\n" EM_DASH " k QUJDREVGR0g=", TS_EINVAL},  /* no final \n */
        {"body\n\n- k QUJDREVGR0g=\n", TS_EINVAL},          /* not an em dash */
        {"body\n\n" EM_DASH "k QUJDREVGR0g=\n", TS_EINVAL}, /* no space */
        {"body\n\n" EM_DASH " kQUJDREVGR0g=\n", TS_EINVAL}, /* no name */
        {"body\n\n" EM_DASH "  QUJDREVGR0g=\n", TS_EINVAL}, /* empty name */
        {"body\n\n" EM_DASH " k+x QUJDREVGR0g=\n", TS_EINVAL}, /* '+' */
        {"body\n\n" EM_DASH " k QUJDREVGR0g\n", TS_EINVAL},    /* base64 */
        {"body\n\n" EM_DASH " k QUJDREVGR0g=!\n", TS_EINVAL},  /* base64 */
        {"body\n\n" EM_DASH " k \n", TS_EINVAL},         /* empty signature */
        {"body\n\n" EM_DASH " k QUJDRA==\n", TS_EINVAL}, /* 4 bytes: no sig */
        {"body\n\n" EM_DASH " k QUJDREVGR0g= x\n", TS_EINVAL},
        {"bo\tdy\n\n" EM_DASH " k QUJDREVGR0g=\n", TS_EINVAL}, /* control */
        {"bo\rdy\n\n" EM_DASH " k QUJDREVGR0g=\n", TS_EINVAL},
        {"bo\xffy\n\n" EM_DASH " k QUJDREVGR0g=\n", TS_EINVAL}, /* UTF-8 */
        {"bo\xed\xa0\x80y\n\n" EM_DASH " k QUJDREVGR0g=\n", TS_EINVAL},
        {"body\n\n" EM_DASH " k QUJDREVGR0g=\n\n", TS_EINVAL}, /* blank */
        {"body\n\n\n", TS_EINVAL},
        {"", TS_EINVAL},
        /* well formed, but no signature by the key */
        {"body\n\n" EM_DASH " k QUJDREVGR0g=\n", TS_ECORRUPT},
    };

    (void)state;
    assert_int_equal(ts_signer_generate(&s, "trailseal.test/m", &err), 0);
    ts_signer_verifier(&s, &v);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = verify_str(&v, cases[i].note, NULL);
        if (rc != cases[i].code)
            fail_msg("case %zu: got %d, want %d", i, rc, cases[i].code);
    }

    /* the reasons, for the cases a later check would also catch */
    assert_int_equal(verify_str(&v, cases[2].note, NULL), TS_EINVAL);
    assert_non_null(strstr(err_of(&v, cases[2].note), "end in a newline"));
    {
        /* a UTF-8 sequence cut by the note's end, its continuation bytes
         * lying just past it */
        static const char cut[] =
            "body\n\n" EM_DASH " k QUJDREVGR0g=\n" EM_DASH;
        ts_error e2;
        for (size_t missing = 1; missing <= 2; missing++) {
            assert_int_equal(
                ts_note_verify(&v, cut, sizeof(cut) - 1 - missing, NULL, &e2),
                TS_EINVAL);
            assert_non_null(strstr(e2.msg, "UTF-8"));
        }
    }

    assert_int_equal(ts_note_sign(&s, "body\n", 5, &note, &err), 0);
    strcpy(good_line, note + 6);
    free(note);

    /* our signature plus a malformed line anywhere: malformed */
    snprintf(buf, sizeof(buf), "body\n\n%s" EM_DASH " k !!!!\n", good_line);
    assert_int_equal(verify_str(&v, buf, NULL), TS_EINVAL);
    snprintf(buf, sizeof(buf), "body\n\n" EM_DASH " k !!!!\n%s", good_line);
    assert_int_equal(verify_str(&v, buf, NULL), TS_EINVAL);
    /* our name and id with a bad or short signature: rejected even beside
     * a good one */
    sig_line(line, sizeof(line), v.name, v.key_id, 64);
    snprintf(buf, sizeof(buf), "body\n\n%s%s", good_line, line);
    assert_int_equal(verify_str(&v, buf, NULL), TS_ECORRUPT);
    sig_line(line, sizeof(line), v.name, v.key_id, 10);
    snprintf(buf, sizeof(buf), "body\n\n%s%s", line, good_line);
    assert_int_equal(verify_str(&v, buf, NULL), TS_ECORRUPT);
    /* our name with another id, or another name with our id: ignored */
    sig_line(line, sizeof(line), v.name, v.key_id ^ 1, 64);
    snprintf(buf, sizeof(buf), "body\n\n%s%s", line, good_line);
    assert_int_equal(verify_str(&v, buf, &body_len), 0);
    assert_int_equal(body_len, 5);
    sig_line(line, sizeof(line), "someone.else", v.key_id, 64);
    snprintf(buf, sizeof(buf), "body\n\n%s%s", line, good_line);
    assert_int_equal(verify_str(&v, buf, NULL), 0);

    /* up to 100 signatures are read; more make the note malformed */
    {
        size_t o = (size_t)snprintf(buf, sizeof(buf), "body\n\n%s", good_line);
        sig_line(line, sizeof(line), "w", 7, 64);
        for (int i = 1; i < 100; i++) {
            memcpy(buf + o, line, strlen(line) + 1);
            o += strlen(line);
            assert_true(o < sizeof(buf) - 200);
        }
        assert_int_equal(verify_str(&v, buf, NULL), 0);
        memcpy(buf + o, line, strlen(line) + 1);
        assert_int_equal(verify_str(&v, buf, NULL), TS_EINVAL);
    }

    /* a body with an empty line of its own ends at the last blank line */
    assert_int_equal(ts_note_sign(&s, "a\n\nb\n\n", 6, &note, &err), 0);
    assert_int_equal(verify_str(&v, note, &body_len), 0);
    assert_int_equal(body_len, 6);
    free(note);
}

/* ---- Checkpoints ---- */

static void test_checkpoint_round_trip(void **state)
{
    uint8_t root[TS_HASH_SIZE], got_root[TS_HASH_SIZE];
    char body[512], origin[64], *note = NULL;
    uint64_t size = 0;
    static const uint64_t sizes[] = {0, 1, 10, 20852163, UINT64_MAX};
    size_t body_len;
    ts_signer s;
    ts_verifier v;
    ts_error err;

    (void)state;
    for (int i = 0; i < TS_HASH_SIZE; i++)
        root[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        assert_int_equal(ts_checkpoint_format("example.com/log", sizes[i], root,
                                              body, sizeof(body), &err),
                         0);
        assert_int_equal(ts_checkpoint_parse(body, strlen(body), origin,
                                             sizeof(origin), &size, got_root,
                                             &err),
                         0);
        assert_string_equal(origin, "example.com/log");
        assert_true(size == sizes[i]);
        assert_memory_equal(got_root, root, TS_HASH_SIZE);
    }
    assert_int_equal(ts_checkpoint_format("example.com/log", 20852163, root,
                                          body, sizeof(body), &err),
                     0);
    assert_string_equal(body, "example.com/log\n20852163\n"
                              "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n");
    /* the tlog-checkpoint example body */
    {
        static const char ex[] =
            "example.com/behind-the-sofa\n20852163\n"
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assert_int_equal(ts_checkpoint_parse(ex, strlen(ex), origin,
                                             sizeof(origin), &size, got_root,
                                             &err),
                         0);
        assert_string_equal(origin, "example.com/behind-the-sofa");
        assert_true(size == 20852163);
        assert_int_equal(got_root[0], 0x0a);
    }
    /* extension lines are allowed */
    strcat(body, "ext one\next two\n");
    assert_int_equal(ts_checkpoint_parse(body, strlen(body), origin,
                                         sizeof(origin), &size, got_root, &err),
                     0);
    /* signed and verified end to end */
    assert_int_equal(ts_signer_generate(&s, "example.com/log", &err), 0);
    ts_signer_verifier(&s, &v);
    assert_int_equal(ts_note_sign(&s, body, strlen(body), &note, &err), 0);
    assert_int_equal(verify_str(&v, note, &body_len), 0);
    assert_int_equal(ts_checkpoint_parse(note, body_len, origin, sizeof(origin),
                                         &size, got_root, &err),
                     0);
    assert_true(size == 20852163);
    assert_memory_equal(got_root, root, TS_HASH_SIZE);
    free(note);

    /* formatting refuses bad origins and small buffers */
    assert_int_equal(
        ts_checkpoint_format("", 1, root, body, sizeof(body), &err), TS_EINVAL);
    assert_int_equal(
        ts_checkpoint_format("a\nb", 1, root, body, sizeof(body), &err),
        TS_EINVAL);
    assert_int_equal(
        ts_checkpoint_format("a\tb", 1, root, body, sizeof(body), &err),
        TS_EINVAL);
    assert_int_equal(
        ts_checkpoint_format("example.com/log", 1, root, body, 40, &err),
        TS_ELIMIT);
}

static void test_checkpoint_rejects(void **state)
{
#define ROOT "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o="
    static const struct {
        const char *body;
        int code;
    } cases[] = {
        {"o\n01\n" ROOT "\n", TS_EINVAL}, /* leading zero */
        {"o\n00\n" ROOT "\n", TS_EINVAL},
        {"o\n-1\n" ROOT "\n", TS_EINVAL}, /* sign */
        {"o\n+1\n" ROOT "\n", TS_EINVAL},
        {"o\n 1\n" ROOT "\n", TS_EINVAL},
        {"o\n1 \n" ROOT "\n", TS_EINVAL},
        {"o\n\n" ROOT "\n", TS_EINVAL}, /* empty size */
        {"o\n0x10\n" ROOT "\n", TS_EINVAL},
        {"o\n18446744073709551616\n" ROOT "\n", TS_EINVAL}, /* 2^64 */
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o\n", TS_EINVAL},
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM0!o=\n", TS_EINVAL},
        /* 31 and 33 bytes */
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM0w==\n", TS_EINVAL},
        {"o\n1\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09oA\n", TS_EINVAL},
        {"o\n1\n" ROOT, TS_EINVAL}, /* no final newline */
        {"o\n1\n", TS_EINVAL},      /* no root */
        {"o\n1", TS_EINVAL},
        {"", TS_EINVAL},
        {"\n1\n" ROOT "\n", TS_EINVAL},    /* empty origin */
        {"o\n1\n" ROOT "\n\n", TS_EINVAL}, /* empty extension line */
        {"o\n1\n" ROOT "\next\n\n", TS_EINVAL},
        {"o\n1\n" ROOT "\n\next\n", TS_EINVAL},
        {"o\t\n1\n" ROOT "\n", TS_EINVAL}, /* control character */
        {"o\n1\n" ROOT "\n", 0},
        {"o\n18446744073709551615\n" ROOT "\n", 0},
        {"o\n0\n" ROOT "\n", 0},
    };
#undef ROOT
    uint8_t root[TS_HASH_SIZE];
    char origin[8];
    uint64_t size;
    ts_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = ts_checkpoint_parse(cases[i].body, strlen(cases[i].body),
                                     origin, sizeof(origin), &size, root, &err);
        if (rc != cases[i].code)
            fail_msg("case %zu: got %d, want %d", i, rc, cases[i].code);
    }
    /* an origin longer than the caller's buffer */
    {
        static const char body[] = "origin.example\n1\nAQgPFh0kKzI5QEdOV"
                                   "VxjanF4f4aNlJuiqbC3vsXM09o=\n";
        assert_int_equal(ts_checkpoint_parse(body, strlen(body), origin,
                                             sizeof(origin), &size, root, &err),
                         TS_ELIMIT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c2sp_example),
        cmocka_unit_test(test_go_known_answer),
        cmocka_unit_test(test_key_manglings),
        cmocka_unit_test(test_rfc8032_test1),
        cmocka_unit_test(test_sign_verify_round_trip),
        cmocka_unit_test(test_malformed_notes),
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_checkpoint_rejects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
