/* C2SP signed notes with Ed25519 keys, and tlog-checkpoint bodies. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "store/crypto.h"

#define NOTE_ALG_ED25519 0x01
#define NOTE_SIG_SIZE 64
/* The spec asks for at least 16; Go's note package allows 100. */
#define NOTE_MAX_SIGNATURES 100
/* Decoded size of the largest signature line we parse (post-quantum
 * signatures by keys we do not know run to nearly 5 kB). */
#define NOTE_MAX_SIG_BYTES 8192

static const char em_dash_space[] = "\xe2\x80\x94 ";

/* ---- Text rules ---- */

/* Decodes one UTF-8 sequence at s[*i] (shortest form, no surrogates, at
 * most U+10FFFF) and advances *i. Returns the code point or -1. */
static long utf8_next(const uint8_t *s, size_t len, size_t *i)
{
    size_t p = *i, n;
    uint8_t b = s[p];
    uint8_t lo = 0x80, hi = 0xbf;
    long cp;

    if (b < 0x80) {
        *i = p + 1;
        return b;
    }
    if (b >= 0xc2 && b <= 0xdf) {
        n = 1;
        cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
        n = 2;
        cp = b & 0x0f;
        if (b == 0xe0)
            lo = 0xa0;
        else if (b == 0xed)
            hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        n = 3;
        cp = b & 0x07;
        if (b == 0xf0)
            lo = 0x90;
        else if (b == 0xf4)
            hi = 0x8f;
    } else {
        return -1;
    }
    if (len - p - 1 < n)
        return -1;
    for (size_t k = 1; k <= n; k++) {
        uint8_t c = s[p + k];
        if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xbf))
            return -1;
        cp = cp << 6 | (c & 0x3f);
    }
    *i = p + 1 + n;
    return cp;
}

/* Unicode White_Space, as Go's unicode.IsSpace sees it. */
static int is_unicode_space(long cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 ||
           cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
           cp == 0x3000;
}

/* Valid UTF-8 with no ASCII control character but newline. */
static int text_valid(const char *text, size_t len)
{
    const uint8_t *s = (const uint8_t *)text;

    for (size_t i = 0; i < len;) {
        if (s[i] >= 0x20 && s[i] < 0x80) {
            i++;
            continue;
        }
        long cp = utf8_next(s, len, &i);
        if (cp < 0 || (cp < 0x20 && cp != '\n'))
            return 0;
    }
    return 1;
}

/* A key name: non-empty, valid UTF-8, no Unicode space, no '+', and no
 * control character (a note may not hold one anyway). */
static int name_valid(const char *name, size_t len)
{
    const uint8_t *s = (const uint8_t *)name;

    if (len == 0)
        return 0;
    for (size_t i = 0; i < len;) {
        long cp = utf8_next(s, len, &i);
        if (cp < 0x20 || cp == '+' || is_unicode_space(cp))
            return 0;
    }
    return 1;
}

static int check_key_name(const char *name, size_t len, ts_error *err)
{
    if (len >= TS_KEY_NAME_MAX)
        return ts_error_set(err, TS_EINVAL,
                            "key name: %zu bytes, longer than %d", len,
                            TS_KEY_NAME_MAX - 1);
    if (!name_valid(name, len))
        return ts_error_set(err, TS_EINVAL,
                            "key name '%.*s': empty, or holds a space, a '+' "
                            "or a control character",
                            (int)len, name);
    return 0;
}

/* ---- Keys ---- */

static int key_id(const char *name, size_t name_len, const uint8_t pub[32],
                  uint32_t *out, ts_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    static const uint8_t sep[2] = {'\n', NOTE_ALG_ED25519};
    uint8_t h[TS_HASH_SIZE];
    unsigned int n = 0;
    int ok;

    ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
         EVP_DigestUpdate(ctx, name, name_len) == 1 &&
         EVP_DigestUpdate(ctx, sep, sizeof(sep)) == 1 &&
         EVP_DigestUpdate(ctx, pub, 32) == 1 &&
         EVP_DigestFinal_ex(ctx, h, &n) == 1 && n == TS_HASH_SIZE;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return ts_error_set(err, TS_ECRYPTO, "key id: SHA-256 failed");
    *out = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 |
           h[3];
    return 0;
}

uint32_t ts_note_key_id(const char *name, const uint8_t pub[32])
{
    uint32_t id = 0;

    if (key_id(name, strlen(name), pub, &id, NULL) != 0)
        return 0;
    return id;
}

static int public_from_seed(const uint8_t seed[32], uint8_t pub[32],
                            ts_error *err)
{
    EVP_PKEY *pkey;
    size_t n = 32;
    int ok;

    pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    ok = pkey != NULL && EVP_PKEY_get_raw_public_key(pkey, pub, &n) == 1 &&
         n == 32;
    EVP_PKEY_free(pkey);
    if (!ok)
        return ts_error_set(err, TS_ECRYPTO,
                            "ed25519: cannot derive the public key");
    return 0;
}

int ts_signer_generate(ts_signer *out, const char *name, ts_error *err)
{
    size_t len = strlen(name);
    int rc;

    memset(out, 0, sizeof(*out));
    rc = check_key_name(name, len, err);
    if (rc != 0)
        return rc;
    memcpy(out->name, name, len + 1);
    if (RAND_priv_bytes(out->seed, sizeof(out->seed)) != 1)
        rc = ts_error_set(err, TS_ECRYPTO, "ed25519: no random bytes");
    if (rc == 0)
        rc = public_from_seed(out->seed, out->pub, err);
    if (rc == 0)
        rc = key_id(name, len, out->pub, &out->key_id, err);
    if (rc != 0)
        OPENSSL_cleanse(out, sizeof(*out));
    return rc;
}

void ts_signer_verifier(const ts_signer *s, ts_verifier *out)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->name, s->name, sizeof(out->name));
    memcpy(out->pub, s->pub, sizeof(out->pub));
    out->key_id = s->key_id;
}

/* "<prefix><name>+<hex id>+<base64(0x01 || key)>" into buf. */
static int format_key(const char *prefix, const char *name, uint32_t id,
                      const uint8_t key[32], char *buf, size_t size,
                      ts_error *err)
{
    uint8_t raw[33];
    char b64[48];
    int n;

    raw[0] = NOTE_ALG_ED25519;
    memcpy(raw + 1, key, 32);
    ts_base64_encode(raw, sizeof(raw), b64);
    n = snprintf(buf, size, "%s%s+%08" PRIx32 "+%s", prefix, name, id, b64);
    OPENSSL_cleanse(raw, sizeof(raw));
    OPENSSL_cleanse(b64, sizeof(b64));
    if (n < 0 || (size_t)n >= size) {
        if (size > 0)
            OPENSSL_cleanse(buf, size);
        return ts_error_set(err, TS_ELIMIT,
                            "key text: does not fit in %zu bytes", size);
    }
    return 0;
}

int ts_signer_format(const ts_signer *s, char *buf, size_t size, ts_error *err)
{
    int rc = check_key_name(s->name, strnlen(s->name, TS_KEY_NAME_MAX), err);

    if (rc != 0)
        return rc;
    return format_key("PRIVATE+KEY+", s->name, s->key_id, s->seed, buf, size,
                      err);
}

int ts_verifier_format(const ts_verifier *v, char *buf, size_t size,
                       ts_error *err)
{
    int rc = check_key_name(v->name, strnlen(v->name, TS_KEY_NAME_MAX), err);

    if (rc != 0)
        return rc;
    return format_key("", v->name, v->key_id, v->pub, buf, size, err);
}

/* Parses "<name>+<8 hex digits>+<base64(0x01 || 32-byte key)>" (the tail
 * of both key texts): the name into name_out, the key into key. */
static int parse_key_tail(const char *text, const char *what,
                          char name_out[TS_KEY_NAME_MAX], uint32_t *id,
                          uint8_t key[32], ts_error *err)
{
    const char *plus1 = strchr(text, '+'), *plus2, *b64;
    char hex[9];
    uint8_t id_bytes[4], raw[33];
    size_t name_len, b64_len;
    long n;
    int rc;

    /* base64 has '+' in its alphabet: the key is all after the second */
    plus2 = plus1 ? strchr(plus1 + 1, '+') : NULL;
    if (plus2 == NULL)
        return ts_error_set(err, TS_EINVAL, "%s: not <name>+<key id>+<key>",
                            what);
    name_len = (size_t)(plus1 - text);
    rc = check_key_name(text, name_len, err);
    if (rc != 0)
        return ts_error_prefix(err, "%s: ", what);
    if (plus2 - plus1 - 1 != 8)
        return ts_error_set(err, TS_EINVAL, "%s: key id is not 8 hex digits",
                            what);
    memcpy(hex, plus1 + 1, 8);
    hex[8] = '\0';
    if (ts_hex_decode(hex, id_bytes, 4) != 0)
        return ts_error_set(err, TS_EINVAL, "%s: key id is not 8 hex digits",
                            what);
    b64 = plus2 + 1;
    b64_len = strlen(b64);
    n = ts_base64_decode(b64, b64_len, raw, sizeof(raw));
    if (n != (long)sizeof(raw) || raw[0] != NOTE_ALG_ED25519) {
        OPENSSL_cleanse(raw, sizeof(raw));
        return ts_error_set(err, TS_EINVAL,
                            "%s: key is not base64 of an Ed25519 key", what);
    }
    memcpy(name_out, text, name_len);
    name_out[name_len] = '\0';
    memcpy(key, raw + 1, 32);
    OPENSSL_cleanse(raw, sizeof(raw));
    *id = (uint32_t)id_bytes[0] << 24 | (uint32_t)id_bytes[1] << 16 |
          (uint32_t)id_bytes[2] << 8 | id_bytes[3];
    return 0;
}

static int check_key_id(const char *name, const uint8_t pub[32], uint32_t id,
                        const char *what, ts_error *err)
{
    uint32_t want;
    int rc = key_id(name, strlen(name), pub, &want, err);

    if (rc != 0)
        return rc;
    if (want != id)
        return ts_error_set(err, TS_EINVAL,
                            "%s: key id %08" PRIx32
                            " does not match the key (%08" PRIx32 ")",
                            what, id, want);
    return 0;
}

int ts_signer_parse(ts_signer *out, const char *text, ts_error *err)
{
    static const char prefix[] = "PRIVATE+KEY+";
    int rc;

    memset(out, 0, sizeof(*out));
    if (strncmp(text, prefix, sizeof(prefix) - 1) != 0)
        return ts_error_set(err, TS_EINVAL,
                            "signer key: does not start with PRIVATE+KEY+");
    rc = parse_key_tail(text + sizeof(prefix) - 1, "signer key", out->name,
                        &out->key_id, out->seed, err);
    if (rc == 0)
        rc = public_from_seed(out->seed, out->pub, err);
    if (rc == 0)
        rc = check_key_id(out->name, out->pub, out->key_id, "signer key", err);
    if (rc != 0)
        OPENSSL_cleanse(out, sizeof(*out));
    return rc;
}

int ts_verifier_parse(ts_verifier *out, const char *text, ts_error *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = parse_key_tail(text, "verifier key", out->name, &out->key_id, out->pub,
                        err);
    if (rc == 0)
        rc =
            check_key_id(out->name, out->pub, out->key_id, "verifier key", err);
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- Notes ---- */

static int ed25519_sign(const uint8_t seed[32], const char *msg, size_t len,
                        uint8_t sig[NOTE_SIG_SIZE], ts_error *err)
{
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *ctx = NULL;
    size_t n = NOTE_SIG_SIZE;
    int ok;

    pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    ctx = EVP_MD_CTX_new();
    ok = pkey != NULL && ctx != NULL &&
         EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
         EVP_DigestSign(ctx, sig, &n, (const uint8_t *)msg, len) == 1 &&
         n == NOTE_SIG_SIZE;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    if (!ok)
        return ts_error_set(err, TS_ECRYPTO, "ed25519: signing failed");
    return 0;
}

/* 1 when sig is v's signature of msg, 0 when not, negative on failure. */
static int ed25519_verify(const uint8_t pub[32], const char *msg, size_t len,
                          const uint8_t *sig, size_t sig_len, ts_error *err)
{
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *ctx = NULL;
    int rc;

    if (sig_len != NOTE_SIG_SIZE)
        return 0;
    pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    ctx = EVP_MD_CTX_new();
    if (pkey == NULL || ctx == NULL ||
        EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1) {
        rc = ts_error_set(err, TS_ECRYPTO, "ed25519: cannot load the key");
        goto free_ctx;
    }
    rc = EVP_DigestVerify(ctx, sig, sig_len, (const uint8_t *)msg, len) == 1;
free_ctx:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return rc;
}

static int check_note_text(const char *body, size_t len, ts_error *err)
{
    if (len == 0 || body[len - 1] != '\n')
        return ts_error_set(err, TS_EINVAL,
                            "note: text is empty or does not end in a newline");
    if (!text_valid(body, len))
        return ts_error_set(err, TS_EINVAL,
                            "note: text is not UTF-8 or holds a control "
                            "character");
    return 0;
}

int ts_note_sign(const ts_signer *s, const char *body, size_t body_len,
                 char **out, ts_error *err)
{
    size_t name_len = strnlen(s->name, TS_KEY_NAME_MAX), total, o;
    uint8_t sig[4 + NOTE_SIG_SIZE];
    char b64[4 * (4 + NOTE_SIG_SIZE) / 3 + 4];
    char *note;
    int rc;

    *out = NULL;
    rc = check_key_name(s->name, name_len, err);
    if (rc == 0)
        rc = check_note_text(body, body_len, err);
    if (rc != 0)
        return rc;
    sig[0] = (uint8_t)(s->key_id >> 24);
    sig[1] = (uint8_t)(s->key_id >> 16);
    sig[2] = (uint8_t)(s->key_id >> 8);
    sig[3] = (uint8_t)s->key_id;
    rc = ed25519_sign(s->seed, body, body_len, sig + 4, err);
    if (rc != 0)
        return rc;
    ts_base64_encode(sig, sizeof(sig), b64);
    /* body, "\n", "— ", name, " ", base64, "\n", NUL */
    if (ts_size_add(body_len, 1 + 4 + name_len + 1 + strlen(b64) + 1 + 1,
                    &total) != 0)
        return ts_error_set(err, TS_ELIMIT, "note: body too long");
    note = malloc(total);
    if (note == NULL)
        return ts_error_set(err, TS_ENOMEM, "note: out of memory");
    memcpy(note, body, body_len);
    o = body_len;
    note[o++] = '\n';
    memcpy(note + o, em_dash_space, 4);
    o += 4;
    memcpy(note + o, s->name, name_len);
    o += name_len;
    note[o++] = ' ';
    memcpy(note + o, b64, strlen(b64));
    o += strlen(b64);
    note[o++] = '\n';
    note[o] = '\0';
    *out = note;
    return 0;
}

/* Checks one signature line (without its newline). Returns 1 when it is a
 * valid signature by v, 0 when it is by another key, or a negative code. */
static int check_signature_line(const ts_verifier *v, const char *text,
                                size_t text_len, const char *line, size_t len,
                                ts_error *err)
{
    uint8_t sig[NOTE_MAX_SIG_BYTES];
    const char *space, *b64;
    size_t name_len, b64_len, v_name_len;
    uint32_t id;
    long n;
    int rc;

    if (len < 4 || memcmp(line, em_dash_space, 4) != 0)
        return ts_error_set(err, TS_EINVAL,
                            "note: signature line does not start with an em "
                            "dash and a space");
    line += 4;
    len -= 4;
    space = memchr(line, ' ', len);
    if (space == NULL)
        return ts_error_set(err, TS_EINVAL,
                            "note: signature line has no space after its key "
                            "name");
    name_len = (size_t)(space - line);
    b64 = space + 1;
    b64_len = len - name_len - 1;
    if (!name_valid(line, name_len))
        return ts_error_set(err, TS_EINVAL,
                            "note: signature line has an invalid key name");
    if (b64_len == 0 || b64_len > ts_base64_encoded_size(sizeof(sig)) - 1)
        return ts_error_set(err, TS_EINVAL,
                            "note: signature of '%.*s' is empty or too long",
                            (int)name_len, line);
    n = ts_base64_decode(b64, b64_len, sig, sizeof(sig));
    if (n < 5)
        return ts_error_set(err, TS_EINVAL,
                            "note: signature of '%.*s' is not base64 of a key "
                            "id and a signature",
                            (int)name_len, line);
    id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 |
         (uint32_t)sig[2] << 8 | sig[3];
    v_name_len = strnlen(v->name, TS_KEY_NAME_MAX);
    if (id != v->key_id || name_len != v_name_len ||
        memcmp(line, v->name, name_len) != 0)
        return 0; /* another key's: ignored, as the spec requires */
    rc = ed25519_verify(v->pub, text, text_len, sig + 4, (size_t)n - 4, err);
    if (rc == 0)
        return ts_error_set(err, TS_ECORRUPT,
                            "note: signature by '%s' (%08" PRIx32
                            ") does not verify",
                            v->name, v->key_id);
    return rc;
}

int ts_note_verify(const ts_verifier *v, const char *note, size_t len,
                   size_t *out_body_len, ts_error *err)
{
    size_t split, text_len, p, n_sigs = 0;
    int verified = 0;

    if (out_body_len != NULL)
        *out_body_len = 0;
    if (!text_valid(note, len))
        return ts_error_set(err, TS_EINVAL,
                            "note: not UTF-8 or holds a control character");
    /* The text ends at the last blank line. */
    for (split = len; split >= 2; split--)
        if (note[split - 1] == '\n' && note[split - 2] == '\n')
            break;
    if (split < 2)
        return ts_error_set(err, TS_EINVAL,
                            "note: no blank line before the signatures");
    text_len = split - 1;
    if (split == len || note[len - 1] != '\n')
        return ts_error_set(err, TS_EINVAL,
                            "note: no signature lines, or the last does not "
                            "end in a newline");
    for (p = split; p < len;) {
        const char *line = note + p;
        const char *nl = memchr(line, '\n', len - p);
        size_t line_len = (size_t)(nl - line);
        int rc;

        if (++n_sigs > NOTE_MAX_SIGNATURES)
            return ts_error_set(err, TS_EINVAL, "note: more than %d signatures",
                                NOTE_MAX_SIGNATURES);
        rc = check_signature_line(v, note, text_len, line, line_len, err);
        if (rc < 0)
            return rc;
        verified |= rc;
        p += line_len + 1;
    }
    if (!verified)
        return ts_error_set(err, TS_ECORRUPT,
                            "note: no signature by '%s' (%08" PRIx32 ")",
                            v->name, v->key_id);
    if (out_body_len != NULL)
        *out_body_len = text_len;
    return 0;
}

/* ---- Checkpoints ---- */

int ts_checkpoint_format(const char *origin, uint64_t size,
                         const uint8_t root[TS_HASH_SIZE], char *buf,
                         size_t buf_size, ts_error *err)
{
    size_t origin_len = strlen(origin);
    char b64[48];
    int n;

    if (origin_len == 0 || memchr(origin, '\n', origin_len) != NULL ||
        !text_valid(origin, origin_len))
        return ts_error_set(err, TS_EINVAL,
                            "checkpoint: origin is empty, not UTF-8, or holds "
                            "a control character");
    ts_base64_encode(root, TS_HASH_SIZE, b64);
    n = snprintf(buf, buf_size, "%s\n%" PRIu64 "\n%s\n", origin, size, b64);
    if (n < 0 || (size_t)n >= buf_size)
        return ts_error_set(err, TS_ELIMIT,
                            "checkpoint: does not fit in %zu bytes", buf_size);
    return 0;
}

static int parse_tree_size(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || (len > 1 && s[0] == '0'))
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int ts_checkpoint_parse(const char *body, size_t len, char *origin_buf,
                        size_t origin_size, uint64_t *out_size,
                        uint8_t out_root[TS_HASH_SIZE], ts_error *err)
{
    const char *line[3];
    size_t line_len[3], p = 0;
    uint8_t root[TS_HASH_SIZE + 1];
    uint64_t size;
    int rc = check_note_text(body, len, err);

    if (rc != 0)
        return ts_error_prefix(err, "checkpoint: ");
    for (int i = 0; i < 3; i++) {
        const char *nl = p < len ? memchr(body + p, '\n', len - p) : NULL;
        if (nl == NULL)
            return ts_error_set(err, TS_EINVAL,
                                "checkpoint: fewer than three lines");
        line[i] = body + p;
        line_len[i] = (size_t)(nl - line[i]);
        p += line_len[i] + 1;
    }
    /* Extension lines may follow; none may be empty. */
    for (size_t q = p; q < len; q++)
        if (body[q] == '\n' && (q == p || body[q - 1] == '\n'))
            return ts_error_set(err, TS_EINVAL,
                                "checkpoint: empty extension line");
    if (line_len[0] == 0)
        return ts_error_set(err, TS_EINVAL, "checkpoint: empty origin");
    if (line_len[0] >= origin_size)
        return ts_error_set(err, TS_ELIMIT,
                            "checkpoint: origin longer than %zu bytes",
                            origin_size > 0 ? origin_size - 1 : 0);
    if (parse_tree_size(line[1], line_len[1], &size) != 0)
        return ts_error_set(err, TS_EINVAL,
                            "checkpoint: tree size '%.*s' is not a decimal "
                            "number without leading zeros",
                            (int)(line_len[1] > 32 ? 32 : line_len[1]),
                            line[1]);
    if (ts_base64_decode(line[2], line_len[2], root, sizeof(root)) !=
        TS_HASH_SIZE)
        return ts_error_set(err, TS_EINVAL,
                            "checkpoint: root hash is not base64 of 32 bytes");
    memcpy(origin_buf, line[0], line_len[0]);
    origin_buf[line_len[0]] = '\0';
    *out_size = size;
    memcpy(out_root, root, TS_HASH_SIZE);
    return 0;
}
