/* Tests of the sensitive-value detectors (ingest/sensitive_detect.c,
 * ingest/sensitive_scan.c): positive and negative cases per class, ordinary
 * values that must not match, hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailseal/sensitive.h"

static unsigned detect(const char *s)
{
    return ts_sensitive_detect(s, strlen(s));
}

/* Each value must match exactly want (a class mask, 0 for none). */
static void expect_all(const char *const *values, size_t n, unsigned want)
{
    for (size_t i = 0; i < n; i++) {
        unsigned got = detect(values[i]);
        if (got != want)
            fail_msg("'%s': classes 0x%x, want 0x%x", values[i], got, want);
    }
}

#define EXPECT(want, ...)                                                      \
    do {                                                                       \
        static const char *const v_[] = {__VA_ARGS__};                         \
        expect_all(v_, sizeof(v_) / sizeof(v_[0]), want);                      \
    } while (0)

static void test_email(void **state)
{
    (void)state;
    EXPECT(TS_SENSITIVE_EMAIL, "alice@example.com",
           "Alice.Smith+tag@mail.example.co.uk",
           " bob_o'neil@sub-domain.example.org ",
           "contact me at x@example.com.", "{\"email\": \"carol@example.io\"}");
    EXPECT(0, "user@localhost", "a@b.c", "not.an.email@", "@example.com",
           ".alice@example.com", "alice.@example.com", "alice@-example.com",
           "alice@example-.com", "alice@example.123", "alice@example..com",
           "price @ 5.00");
}

static void test_us_ssn(void **state)
{
    (void)state;
    EXPECT(TS_SENSITIVE_US_SSN, "123-45-6789", "078-05-1121", " 899-99-9999 ");
    EXPECT(0, "000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456",
           "123-00-4567", "123-45-0000", "123456789", "123-456-789",
           "12-345-6789", "123-45-67890", "abc-de-fghi");
}

static void test_card_number(void **state)
{
    (void)state;
    EXPECT(TS_SENSITIVE_CARD_NUMBER, "4111111111111111", "4111 1111 1111 1111",
           "4111-1111-1111-1111", "5555555555554444", "2223003122003222",
           "378282246310005", "3782 822463 10005", "6011111111111117",
           "3530111333300000", "30569309025904", "6200000000000005");
    /* bad Luhn, unknown issuer, wrong length, mixed or doubled separators */
    EXPECT(0, "4111111111111112", "5555555555554443", "1234567812345670",
           "9111111111111111", "41111111111111111", "378282246310",
           "4111 1111-1111 1111", "4111  1111 1111 1111", "-4111111111111111",
           "4111111111111111-", "4111.1111.1111.1111");
}

static void test_iban(void **state)
{
    (void)state;
    EXPECT(TS_SENSITIVE_IBAN, "GB82WEST12345698765432",
           "DE89370400440532013000", "GB82 WEST 1234 5698 7654 32",
           "DE89 3704 0044 0532 0130 00", "FR1420041010050500013M02606",
           "NL91ABNA0417164300", "CH9300762011623852957", "NO9386011117947");
    /* one digit changed, wrong length, unknown country, lower case, bad
     * grouping */
    EXPECT(0, "GB82WEST12345698765431", "DE89370400440532013001",
           "GB83WEST12345698765432", "GB82WEST1234569876543",
           "DE893704004405320130000", "ZZ82WEST12345698765432",
           "gb82west12345698765432", "GB82 WES T123 4569 8765 432",
           "GB82WEST-12345698765432");
}

static void test_phone(void **state)
{
    (void)state;
    EXPECT(TS_SENSITIVE_PHONE, "+14155552671", "+1 415 555 2671",
           "+44 20 7946 0958", "+49 (30) 901820", "+33.1.23.45.67.89",
           "(415) 555-2671", "(415)555-2671", "415-555-2671", "415.555.2671",
           "415 555 2671", "1-800-555-0199");
    EXPECT(0, "4155552671", "123-456-7890", "415-055-2671", "911-555-1234",
           "415-555.2671", "+0 415 555 2671", "+1234567", "+1 415  555 2671",
           "+1-415-555-2671-", "+1 (415 555 2671", "+1 415 555 2671 ext 4",
           "+12345678901234567");
}

/* RFC 7519, section 3.1 and section 6.1 (unsecured, empty signature). */
static const char rfc7519_jwt[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char rfc7519_unsecured[] =
    "eyJhbGciOiJub25lIn0."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ.";

static void test_jwt(void **state)
{
    char buf[512];

    (void)state;
    assert_int_equal(detect(rfc7519_jwt), TS_SENSITIVE_JWT);
    assert_int_equal(detect(rfc7519_unsecured), TS_SENSITIVE_JWT);
    snprintf(buf, sizeof(buf), "Authorization: Bearer %s", rfc7519_jwt);
    assert_int_equal(detect(buf), TS_SENSITIVE_JWT);
    /* header {"typ":"JWT"} has no "alg" */
    EXPECT(0, "eyJ0eXAiOiJKV1QifQ.eyJpc3MiOiJqb2UifQ.c2ln",
           /* header is not JSON */
           "eyJub3QganNvbg.eyJpc3MiOiJqb2UifQ.c2ln",
           /* two parts, five parts (JWE) */
           "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UifQ",
           "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UifQ.a.b.c",
           /* payload not an object */
           "eyJhbGciOiJub25lIn0.YWJj.c2ln", "eyJ", "eyJ..", "version eyJ.1.2");
}

static void test_api_key(void **state)
{
    (void)state;
    EXPECT(
        TS_SENSITIVE_API_KEY, "AKIAIOSFODNN7EXAMPLE",
        "aws_access_key_id=AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A",
        "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",
        "token gho_16C7e42F292c6912E7710c838347Ae178B4a done",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "rk_live_51H8abcdefghijklmnopqrst",
        "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe");
    EXPECT(0, "AKIAIOSFODNN7EXAMPL", "AKIAIOSFODNN7EXAMPLE1",
           "XAKIAIOSFODNN7EXAMPLE", "AKIAiosfodnn7example", "ghp_short",
           "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X", "xoxb-short",
           "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_short",
           "AIzaSyDaGmWKa4JsXZ", "ASIA PACIFIC", "ghs", "xox");
}

static void test_private_key(void **state)
{
    (void)state;
    EXPECT(
        TS_SENSITIVE_PRIVATE_KEY,
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA",
        "-----BEGIN EC PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----",
        "key: -----BEGIN DSA PRIVATE KEY-----\\n...");
    EXPECT(0, "-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----",
           "-----BEGIN RSA PRIVATE KEY", "-----BEGIN PRIVATE KEY----",
           "-----BEGIN private key-----", "-----BEGIN ");
}

static void test_password_hash(void **state)
{
    (void)state;
    EXPECT(
        TS_SENSITIVE_PASSWORD_HASH,
        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$2b$12$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$2y$04$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
        "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
        "$argon2id$m=65536,t=3,p=4$c29tZXNhbHQxMjM$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
        "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
        "$6$rounds=5000$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
        "$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.",
        "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/",
        "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
        "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
        "SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$wjGCKoCIcEWiPxSG7t/wnb/YICMEFr1JZNZSKNje12g=:6NG/vkzOjK2oyl11qeNEBeKuOY3QQ4atswXYbIBO79Q=",
        "md5dc9478eb4e94a7dcf2bda02360188a52");
    /* truncated, wrong alphabet, wrong length, plain hex digests */
    EXPECT(
        0, "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhW",
        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lh!y",
        "$2c$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$argon2id$v=19$m=65536,t=3$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
        "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ",
        "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2",
        "SCRAM-SHA-256$4096:MDEy$abc:def", "SCRAM-SHA-256$",
        "md5dc9478eb4e94a7dcf2bda02360188a5",
        "md5DC9478EB4E94A7DCF2BDA02360188A52",
        "5f4dcc3b5aa765d61d8327deb882cf99", "$100.00", "$1$", "$$$$$$$$$$$$");
}

/* Ordinary values of business tables that no detector may claim. */
static void test_ordinary_values(void **state)
{
    (void)state;
    EXPECT(0, "ORD-2024-000123", "INV/2024/00042", "2024-01-15",
           "2024-01-15 10:30:00", "2024-01-15T10:30:00.123456+00:00",
           "15/01/2024", "19.99", "1299.00", "$1,299.00", "EUR 12.50",
           "550e8400-e29b-41d4-a716-446655440000",
           "550E8400E29B41D4A716446655440000", "1700000000000",
           "1700000000123456789", "12345", "100000000", "42", "3.14159",
           "hello world", "Main Street 12", "paid", "SELECT", "10.0.0.1",
           "192.168.100.200", "fe80::1", "https://example.com/a?b=c",
           "/var/log/postgresql/postgresql-15-main.log",
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
           "DE", "GB82", "SKU-4111-1111", "v1.2.3", "N/A", "", "   ",
           "ABCDEFGHIJKLMNOPQRSTUV",
           "The quick brown fox jumps over the lazy dog");
}

static void test_hostile_input(void **state)
{
    static const char fill[] = {'A', '@', '-', 'e', '$', '9', ' ', '.', 'x'};
    static const char *const units[] = {
        "eyJ.", "-----BEGIN ", "a@",   "@a.",
        "ghp_", "xoxb-",       "$2a$", "eyJhbGciOiJub25lIn0."};
    size_t big = (size_t)1 << 20;
    char *buf = malloc(big + 1);
    unsigned seed = 12345;

    (void)state;
    assert_non_null(buf);
    assert_int_equal(ts_sensitive_detect(NULL, 0), 0);
    assert_int_equal(ts_sensitive_detect("", 0), 0);
    /* a value is bytes, not a C string: an embedded NUL is just a byte */
    assert_int_equal(ts_sensitive_detect("123-45-6789\0x", 13), 0);
    for (size_t f = 0; f < sizeof(fill); f++) {
        memset(buf, fill[f], big);
        buf[big] = '\0';
        (void)ts_sensitive_detect(buf, big);
    }
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        size_t n = strlen(units[u]), i;
        for (i = 0; i + n <= big; i += n)
            memcpy(buf + i, units[u], n);
        (void)ts_sensitive_detect(buf, i);
    }
    for (size_t i = 0; i < big; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (char)(seed >> 16);
    }
    (void)ts_sensitive_detect(buf, big);
    /* every prefix of a valid value of each class */
    {
        static const char *const whole[] = {
            "GB82WEST12345698765432",
            "4111 1111 1111 1111",
            "+44 20 7946 0958",
            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
            "SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$wjGCKoCIcEWiPxSG7t/wnb/YICMEFr1JZNZSKNje12g=:6NG/vkzOjK2oyl11qeNEBeKuOY3QQ4atswXYbIBO79Q=",
            rfc7519_jwt,
            "-----BEGIN RSA PRIVATE KEY-----",
            "a.b@example.com"};
        for (size_t w = 0; w < sizeof(whole) / sizeof(whole[0]); w++)
            for (size_t n = 0; n <= strlen(whole[w]); n++) {
                memcpy(buf, whole[w], n); /* no NUL after: reads stay in n */
                (void)ts_sensitive_detect(buf, n);
            }
    }
    free(buf);
}

static void test_class_names(void **state)
{
    unsigned n = 0;

    (void)state;
    for (unsigned bit = 1; bit <= TS_SENSITIVE_LAST; bit <<= 1, n++)
        assert_non_null(ts_sensitive_class_name(bit));
    assert_int_equal(n, 9);
    assert_string_equal(ts_sensitive_class_name(TS_SENSITIVE_US_SSN), "us_ssn");
    assert_null(ts_sensitive_class_name(0));
    assert_null(ts_sensitive_class_name(TS_SENSITIVE_EMAIL | TS_SENSITIVE_JWT));
    assert_int_equal(TS_SENSITIVE_ALL, 0x1ffu);
}

static void test_scan_sql(void **state)
{
    static const char sql[] =
        "INSERT INTO customers (id, email, ssn, card, note, active) VALUES "
        "($1, 'alice@example.com', '123-45-6789', 4111111111111111, "
        "'call +1 415 555 2671', TRUE)";
    ts_sensitive_values *found = NULL;
    ts_error err;

    (void)state;
    assert_int_equal(
        ts_sensitive_scan_sql(&found, sql, strlen(sql), TS_SQL_PG, &err), 0);
    assert_non_null(found);
    /* $1 is a parameter, $5 ("call ...") is not one phone number, $6 a
     * boolean */
    assert_int_equal(found->n_items, 3);
    assert_int_equal(found->items[0].index, 1);
    assert_int_equal(found->items[0].classes, TS_SENSITIVE_EMAIL);
    assert_memory_equal(sql + found->items[0].offset, "'alice@example.com'",
                        found->items[0].len);
    assert_int_equal(found->items[1].index, 2);
    assert_int_equal(found->items[1].classes, TS_SENSITIVE_US_SSN);
    assert_int_equal(found->items[2].index, 3);
    assert_int_equal(found->items[2].classes, TS_SENSITIVE_CARD_NUMBER);
    ts_sensitive_values_free(found);

    /* MySQL quoting, E'' escapes and dollar quoting decode before matching */
    assert_int_equal(
        ts_sensitive_scan_sql(&found,
                              "SELECT * FROM u WHERE e = \"bob@example.org\"",
                              42, TS_SQL_MYSQL, &err),
        0);
    assert_int_equal(found->n_items, 1);
    assert_int_equal(found->items[0].classes, TS_SENSITIVE_EMAIL);
    ts_sensitive_values_free(found);
    assert_int_equal(ts_sensitive_scan_sql(
                         &found,
                         "SELECT E'078\\-05-1121', $x$AKIAIOSFODNN7EXAMPLE$x$",
                         49, TS_SQL_PG, &err),
                     0);
    assert_int_equal(found->n_items, 2);
    assert_int_equal(found->items[0].classes, TS_SENSITIVE_US_SSN);
    assert_int_equal(found->items[1].classes, TS_SENSITIVE_API_KEY);
    ts_sensitive_values_free(found);

    /* nothing sensitive, and an unterminated literal */
    assert_int_equal(ts_sensitive_scan_sql(&found, "SELECT 1, 'paid', now()",
                                           23, TS_SQL_PG, &err),
                     0);
    assert_int_equal(found->n_items, 0);
    ts_sensitive_values_free(found);
    assert_int_equal(ts_sensitive_scan_sql(&found, "SELECT 'x@example.com", 21,
                                           TS_SQL_PG, &err),
                     0);
    assert_int_equal(found->n_items, 1);
    ts_sensitive_values_free(found);
    ts_sensitive_values_free(NULL);
}

/* A mix shaped like audit-log literals: mostly ordinary values, seven
 * sensitive ones. (Speed is a benchmark's job, not a unit test's.) */
static void test_mix(void **state)
{
    static const char *const mix[] = {
        "paid",
        "2024-01-15 10:30:00",
        "19.99",
        "ORD-2024-000123",
        "42",
        "550e8400-e29b-41d4-a716-446655440000",
        "Main Street 12",
        "alice@example.com",
        "123-45-6789",
        "4111111111111111",
        "GB82WEST12345698765432",
        "+1 415 555 2671",
        "1700000000000",
        "The quick brown fox jumps over the lazy dog, twice, and again",
        "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "AKIAIOSFODNN7EXAMPLE"};
    size_t hits = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++)
        hits += ts_sensitive_detect(mix[i], strlen(mix[i])) != 0;
    assert_int_equal(hits, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_us_ssn),
        cmocka_unit_test(test_card_number),
        cmocka_unit_test(test_iban),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_jwt),
        cmocka_unit_test(test_api_key),
        cmocka_unit_test(test_private_key),
        cmocka_unit_test(test_password_hash),
        cmocka_unit_test(test_ordinary_values),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_class_names),
        cmocka_unit_test(test_scan_sql),
        cmocka_unit_test(test_mix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
