/* Hand-written matchers for sensitive values: one pass over the value, no
 * backtracking, no allocation, so that classifying every literal of every
 * statement costs little next to lexing it. */
#include <string.h>

#include "trailseal/sensitive.h"

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static int is_upper(int c)
{
    return c >= 'A' && c <= 'Z';
}
static int is_lower(int c)
{
    return c >= 'a' && c <= 'z';
}
static int is_alpha(int c)
{
    return is_upper(c) || is_lower(c);
}
static int is_alnum(int c)
{
    return is_alpha(c) || is_digit(c);
}
static int is_hex_lower(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}
static int is_b64url(int c)
{
    return is_alnum(c) || c == '-' || c == '_';
}
static int is_b64(int c)
{
    return is_alnum(c) || c == '+' || c == '/';
}
/* crypt(3)'s alphabet */
static int is_crypt64(int c)
{
    return is_alnum(c) || c == '.' || c == '/';
}
static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t span(const char *s, size_t len, size_t i, int (*ok)(int))
{
    size_t j = i;

    while (j < len && ok((unsigned char)s[j]))
        j++;
    return j - i;
}

static int has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && memcmp(s, prefix, n) == 0;
}

static int all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_digit((unsigned char)s[i]))
            return 0;
    return len > 0;
}

static unsigned num3(const char *s)
{
    return (unsigned)(s[0] - '0') * 100u + (unsigned)(s[1] - '0') * 10u +
           (unsigned)(s[2] - '0');
}

/* ---------------------------------------------------------------- */
/* Whole-value classes                                              */
/* ---------------------------------------------------------------- */

/* AAA-GG-SSSS with the ranges the SSA never issues rejected. */
static int is_us_ssn(const char *s, size_t len)
{
    static const size_t digit_at[] = {0, 1, 2, 4, 5, 7, 8, 9, 10};
    unsigned area, group, serial;

    if (len != 11 || s[3] != '-' || s[6] != '-')
        return 0;
    for (size_t i = 0; i < sizeof(digit_at) / sizeof(digit_at[0]); i++)
        if (!is_digit((unsigned char)s[digit_at[i]]))
            return 0;
    area = num3(s);
    group = (unsigned)(s[4] - '0') * 10u + (unsigned)(s[5] - '0');
    serial = num3(s + 7) * 10u + (unsigned)(s[10] - '0');
    return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

static int luhn_ok(const char *d, size_t n)
{
    unsigned sum = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(d[n - 1 - i] - '0');
        if (i % 2 == 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

/* Whether the issuer prefix and the length belong to a card network. */
static int card_iin_ok(const char *d, size_t n)
{
    unsigned p2 = (unsigned)(d[0] - '0') * 10u + (unsigned)(d[1] - '0');
    unsigned p3 = num3(d), p4 = p3 * 10u + (unsigned)(d[3] - '0');

    if (d[0] == '4') /* Visa */
        return n == 13 || n == 16 || n == 19;
    if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) /* Mastercard */
        return n == 16;
    if (p2 == 34 || p2 == 37) /* American Express */
        return n == 15;
    if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65) /* Discover */
        return n >= 16;
    if (p4 >= 3528 && p4 <= 3589) /* JCB */
        return n >= 16;
    if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39)
        return n >= 14; /* Diners Club */
    if (p2 == 62)       /* UnionPay */
        return n >= 16;
    if (p2 == 50 || (p2 >= 56 && p2 <= 58) || p2 == 63 || p2 == 67)
        return 1; /* Maestro, 13 to 19 digits */
    return 0;
}

/* 13 to 19 digits, optionally grouped by single spaces or dashes (one kind
 * of separator), a known issuer prefix, and a valid Luhn check digit. */
static int is_card_number(const char *s, size_t len)
{
    char d[19];
    size_t n = 0;
    char sep = 0;

    if (len < 13 || len > 19 + 18)
        return 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (is_digit(c)) {
            if (n == sizeof(d))
                return 0;
            d[n++] = (char)c;
        } else if (c == ' ' || c == '-') {
            if (i == 0 || i + 1 == len || !is_digit((unsigned char)s[i - 1]))
                return 0;
            if (sep != 0 && c != sep)
                return 0;
            sep = (char)c;
        } else {
            return 0;
        }
    }
    return n >= 13 && card_iin_ok(d, n) && luhn_ok(d, n);
}

/* Country code and IBAN length, from the SWIFT IBAN registry. */
static const char iban_lengths[] =
    "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BR29CH21CR22CY28CZ24DE22DK18DO28"
    "EE20EG29ES24FI18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IQ23"
    "IS26IT27JO30KW30KZ20LB28LC32LI21LT20LU20LV21MC27MD24ME22MK19MR27MT31"
    "MU30NL18NO15PK24PL28PS29PT25QA29RO24RS22SA24SC31SE24SI19SK24SM27TN24"
    "TR26UA29VA22VG24XK20";

static size_t iban_length(char c0, char c1)
{
    for (size_t i = 0; i + 4 <= sizeof(iban_lengths) - 1; i += 4)
        if (iban_lengths[i] == c0 && iban_lengths[i + 1] == c1)
            return (size_t)(iban_lengths[i + 2] - '0') * 10u +
                   (size_t)(iban_lengths[i + 3] - '0');
    return 0;
}

/* The electronic form (GB82WEST12345698765432) or the print form in groups
 * of four; the country's length and ISO 13616's mod-97 check. */
static int is_iban(const char *s, size_t len)
{
    char c[34];
    size_t n = 0;
    unsigned r = 0;

    if (len < 15 || len > 34 + 8)
        return 0;
    for (size_t i = 0; i < len; i++) {
        int ch = (unsigned char)s[i];
        if (ch == ' ') {
            if (n == 0 || n % 4 != 0 || s[i - 1] == ' ' || i + 1 == len)
                return 0;
        } else if (is_upper(ch) || is_digit(ch)) {
            if (n == sizeof(c))
                return 0;
            c[n++] = (char)ch;
        } else {
            return 0;
        }
    }
    if (n < 15 || !is_upper((unsigned char)c[0]) ||
        !is_upper((unsigned char)c[1]) || !is_digit((unsigned char)c[2]) ||
        !is_digit((unsigned char)c[3]) || iban_length(c[0], c[1]) != n)
        return 0;
    for (size_t k = 0; k < n; k++) {
        int ch = (unsigned char)c[(k + 4) % n];
        if (is_digit(ch))
            r = (r * 10u + (unsigned)(ch - '0')) % 97u;
        else
            r = (r * 100u + (unsigned)(ch - 'A' + 10)) % 97u;
    }
    return r == 1;
}

/* +country number: 8 to 15 digits (E.164), the first not 0, separated by
 * single spaces, dashes or dots, with at most one (area) group. */
static int is_e164(const char *s, size_t len)
{
    size_t digits = 0;
    int parens = 0, after_sep = 1;

    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (is_digit(c)) {
            if (digits == 0 && c == '0')
                return 0;
            digits++;
            after_sep = 0;
        } else if (c == ' ' || c == '-' || c == '.') {
            if (after_sep)
                return 0;
            after_sep = 1;
        } else if (c == '(') {
            if (parens != 0 || digits == 0)
                return 0;
            parens = 1;
            after_sep = 1;
        } else if (c == ')') {
            if (parens != 1 || after_sep)
                return 0;
            parens = 2;
        } else {
            return 0;
        }
    }
    return digits >= 8 && digits <= 15 && parens != 1 &&
           is_digit((unsigned char)s[len - 1]);
}

static int is_nanp_sep(int c)
{
    return c == '-' || c == '.' || c == ' ';
}

/* North American numbers written as phone numbers: (NXX) NXX-XXXX,
 * NXX-NXX-XXXX, NXX.NXX.XXXX, NXX NXX XXXX, optionally after "1-". Ten bare
 * digits are not matched: too many ordinary numbers look like that. */
static int is_nanp(const char *s, size_t len)
{
    size_t i = 0;
    char sep = 0;
    const char *area, *exchange;

    if (len >= 2 && s[0] == '1' && is_nanp_sep((unsigned char)s[1]))
        i = 2;
    if (i < len && s[i] == '(') {
        if (len - i < 5 || s[i + 4] != ')')
            return 0;
        area = s + i + 1;
        i += 5;
        if (i < len && s[i] == ' ')
            i++;
    } else {
        if (len - i < 4 || !is_nanp_sep((unsigned char)s[i + 3]))
            return 0;
        area = s + i;
        sep = s[i + 3];
        i += 4;
    }
    if (len - i != 8 || !is_nanp_sep((unsigned char)s[i + 3]) ||
        (sep != 0 && s[i + 3] != sep))
        return 0;
    exchange = s + i;
    if (!all_digits(area, 3) || !all_digits(exchange, 3) ||
        !all_digits(s + i + 4, 4))
        return 0;
    /* N is 2-9; N11 area codes are service codes */
    return area[0] >= '2' && exchange[0] >= '2' &&
           !(area[1] == '1' && area[2] == '1');
}

static int is_phone(const char *s, size_t len)
{
    if (len < 9 || len > 24)
        return 0;
    if (s[0] == '+')
        return is_e164(s + 1, len - 1);
    return is_nanp(s, len);
}

/* ---------------------------------------------------------------- */
/* Password hashes (whole value)                                    */
/* ---------------------------------------------------------------- */

/* "name=digits" at s[*i], advancing *i past it. */
static int take_param(const char *s, size_t len, size_t *i, const char *name)
{
    size_t n = strlen(name), d;

    if (!has_prefix(s + *i, len - *i, name))
        return 0;
    d = span(s, len, *i + n, is_digit);
    if (d == 0)
        return 0;
    *i += n + d;
    return 1;
}

/* $argon2id$v=19$m=65536,t=3,p=4$salt$hash */
static int is_argon2(const char *s, size_t len, size_t i)
{
    size_t n;

    if (take_param(s, len, &i, "v=")) {
        if (i >= len || s[i] != '$')
            return 0;
        i++;
    }
    if (!take_param(s, len, &i, "m=") || !take_param(s, len, &i, ",t=") ||
        !take_param(s, len, &i, ",p=") || i >= len || s[i] != '$')
        return 0;
    n = span(s, len, ++i, is_b64);
    if (n < 8 || i + n >= len || s[i + n] != '$')
        return 0;
    i += n + 1;
    n = span(s, len, i, is_b64);
    return n >= 16 && i + n == len;
}

/* crypt(3) SHA-crypt ($5$, $6$) and MD5-crypt ($1$): [rounds=N$]salt$hash */
static int is_sha_crypt(const char *s, size_t len, size_t i, size_t hash_len)
{
    size_t n;

    if (take_param(s, len, &i, "rounds=")) {
        if (i >= len || s[i] != '$')
            return 0;
        i++;
    }
    n = span(s, len, i, is_crypt64);
    if (n == 0 || n > 16 || i + n >= len || s[i + n] != '$')
        return 0;
    i += n + 1;
    return len - i == hash_len && span(s, len, i, is_crypt64) == hash_len;
}

/* $prefix$ then fields of the alphabet ok separated by '$': at least
 * min_fields fields, the last at least min_last long. Used for the formats
 * whose parameter encoding varies ($scrypt$, $7$, $y$). */
static int is_dollar_fields(const char *s, size_t len, size_t i, int (*ok)(int),
                            size_t min_fields, size_t min_last)
{
    size_t fields = 0, n = 0;

    for (;;) {
        n = span(s, len, i, ok);
        if (n == 0)
            return 0;
        fields++;
        i += n;
        if (i == len)
            break;
        if (s[i] != '$')
            return 0;
        i++;
    }
    return fields >= min_fields && n >= min_last;
}

static int is_scrypt_param(int c)
{
    return is_b64(c) || c == '=' || c == ',' || c == '.';
}

/* SCRAM-SHA-256$iterations:salt$storedkey:serverkey (PostgreSQL) */
static int is_scram(const char *s, size_t len, size_t i)
{
    static const char *const seps = ":$:";
    size_t n = span(s, len, i, is_digit);

    if (n == 0)
        return 0;
    i += n;
    for (int k = 0; k < 3; k++) {
        if (i >= len || s[i] != seps[k])
            return 0;
        i++;
        n = span(s, len, i, is_b64);
        if (n < 8)
            return 0;
        i += n;
        while (i < len && s[i] == '=')
            i++;
    }
    return i == len;
}

static int is_password_hash(const char *s, size_t len)
{
    if (len == 35 && has_prefix(s, len, "md5"))
        return span(s, len, 3, is_hex_lower) == 32;
    if (has_prefix(s, len, "SCRAM-SHA-256$"))
        return is_scram(s, len, 14);
    if (len < 4 || s[0] != '$')
        return 0;
    if (len == 60 && s[1] == '2' && s[2] != 0 && strchr("abxy", s[2]) &&
        s[3] == '$') /* bcrypt */
        return is_digit((unsigned char)s[4]) && is_digit((unsigned char)s[5]) &&
               s[6] == '$' && span(s, len, 7, is_crypt64) == 53;
    if (has_prefix(s, len, "$argon2id$"))
        return is_argon2(s, len, 10);
    if (has_prefix(s, len, "$argon2i$") || has_prefix(s, len, "$argon2d$"))
        return is_argon2(s, len, 9);
    if (has_prefix(s, len, "$6$"))
        return is_sha_crypt(s, len, 3, 86);
    if (has_prefix(s, len, "$5$"))
        return is_sha_crypt(s, len, 3, 43);
    if (has_prefix(s, len, "$1$"))
        return is_sha_crypt(s, len, 3, 22);
    if (has_prefix(s, len, "$scrypt$"))
        return is_dollar_fields(s, len, 8, is_scrypt_param, 3, 16);
    if (has_prefix(s, len, "$7$") || has_prefix(s, len, "$y$"))
        return is_dollar_fields(s, len, 3, is_crypt64, 2, 40) ||
               is_dollar_fields(s, len, 3, is_crypt64, 3, 40);
    return 0;
}

/* ---------------------------------------------------------------- */
/* Classes found inside longer text                                 */
/* ---------------------------------------------------------------- */

static int is_email_local(int c)
{
    return is_alnum(c) || (c != 0 && strchr(".!#$%&'*+/=?^_`{|}~-", c));
}

static int is_domain_char(int c)
{
    return is_alnum(c) || c == '-' || c == '.';
}

/* The address around the '@' at s[at]: a local part of up to 64
 * characters and a domain of at least two labels ending in an alphabetic
 * TLD. */
static int email_at(const char *s, size_t len, size_t at)
{
    size_t b = at, e, label_start = at + 1, n_labels = 0;

    while (b > 0 && at - b < 64 && is_email_local((unsigned char)s[b - 1]))
        b--;
    if (b == at || s[b] == '.' || s[at - 1] == '.')
        return 0;
    e = at + 1 + span(s, len, at + 1, is_domain_char);
    while (e > at + 1 && s[e - 1] == '.') /* "mail x@example.com." */
        e--;
    if (e - at - 1 > 253)
        return 0;
    for (size_t i = at + 1; i <= e; i++) {
        size_t n;
        if (i < e && s[i] != '.')
            continue;
        n = i - label_start;
        if (n == 0 || n > 63 || s[label_start] == '-' || s[i - 1] == '-')
            return 0;
        n_labels++;
        if (i < e)
            label_start = i + 1;
    }
    if (n_labels < 2 || e - label_start < 2)
        return 0;
    for (size_t i = label_start; i < e; i++)
        if (!is_alpha((unsigned char)s[i]))
            return 0;
    return 1;
}

/* A base64url-encoded JSON object header with an "alg" member. */
static int jwt_header_ok(const char *s, size_t n)
{
    char out[1536];
    size_t o = 0, a, z;
    unsigned acc = 0, bits = 0;

    if (n > sizeof(out) * 4 / 3)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        unsigned v = is_upper(c)   ? (unsigned)(c - 'A')
                     : is_lower(c) ? (unsigned)(c - 'a' + 26)
                     : is_digit(c) ? (unsigned)(c - '0' + 52)
                     : c == '-'    ? 62u
                                   : 63u;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xffu);
        }
    }
    for (a = 0; a < o && is_space((unsigned char)out[a]); a++)
        ;
    for (z = o; z > a && is_space((unsigned char)out[z - 1]); z--)
        ;
    if (z - a < 8 || out[a] != '{' || out[z - 1] != '}')
        return 0;
    for (size_t i = a; i + 5 <= z; i++)
        if (memcmp(out + i, "\"alg\"", 5) == 0)
            return 1;
    return 0;
}

/* header.payload.signature in base64url starting at s[i] (which holds
 * "eyJ", the encoding of '{"'); the signature is empty for alg "none". */
static int jwt_at(const char *s, size_t len, size_t i)
{
    size_t h = span(s, len, i, is_b64url), p, g;

    if (i + h >= len || s[i + h] != '.')
        return 0;
    p = span(s, len, i + h + 1, is_b64url);
    if (p < 2 || s[i + h + 1] != 'e' || s[i + h + 2] != 'y' ||
        i + h + 1 + p >= len || s[i + h + 1 + p] != '.')
        return 0;
    g = i + h + 1 + p + 1;
    g += span(s, len, g, is_b64url);
    if (g < len && s[g] == '.') /* a JWE has five parts */
        return 0;
    return jwt_header_ok(s + i, h);
}

/* prefix then at least min characters of the alphabet ok, then the end of
 * the token (a character outside ok). */
static int token_at(const char *s, size_t len, size_t i, const char *prefix,
                    int (*ok)(int), size_t min, size_t max)
{
    size_t n = strlen(prefix), m;

    if (!has_prefix(s + i, len - i, prefix))
        return 0;
    m = span(s, len, i + n, ok);
    return m >= min && m <= max;
}

static int is_upper_digit(int c)
{
    return is_upper(c) || is_digit(c);
}
static int is_alnum_(int c)
{
    return is_alnum(c) || c == '_';
}
static int is_slack(int c)
{
    return is_alnum(c) || c == '-';
}

static int api_key_at(const char *s, size_t len, size_t i)
{
    switch (s[i]) {
    case 'A':
        return token_at(s, len, i, "AKIA", is_upper_digit, 16, 16) ||
               token_at(s, len, i, "ASIA", is_upper_digit, 16, 16) ||
               token_at(s, len, i, "AIza", is_b64url, 35, 35);
    case 'g':
        if (token_at(s, len, i, "github_pat_", is_alnum_, 40, 255))
            return 1;
        if (len - i < 4 || s[i + 1] != 'h' || s[i + 3] != '_' ||
            s[i + 2] == 0 || !strchr("pousr", s[i + 2]))
            return 0;
        return span(s, len, i + 4, is_alnum) == 36;
    case 'x':
        if (len - i < 5 || s[i + 1] != 'o' || s[i + 2] != 'x' ||
            s[i + 3] == 0 || !strchr("abeprs", s[i + 3]) || s[i + 4] != '-')
            return 0;
        return span(s, len, i + 5, is_slack) >= 20;
    case 's':
        return token_at(s, len, i, "sk_live_", is_alnum, 20, 255);
    case 'r':
        return token_at(s, len, i, "rk_live_", is_alnum, 20, 255);
    default:
        return 0;
    }
}

/* -----BEGIN [label ]PRIVATE KEY----- (also PGP's PRIVATE KEY BLOCK). */
static int private_key_at(const char *s, size_t len, size_t i)
{
    size_t b, e;

    if (!has_prefix(s + i, len - i, "-----BEGIN "))
        return 0;
    b = i + 11;
    for (e = b; e < len && e - b <= 48 &&
                (is_upper_digit((unsigned char)s[e]) || s[e] == ' ');
         e++)
        ;
    if (!has_prefix(s + e, len - e, "-----"))
        return 0;
    return (e - b >= 11 && memcmp(s + e - 11, "PRIVATE KEY", 11) == 0) ||
           (e - b >= 17 && memcmp(s + e - 17, "PRIVATE KEY BLOCK", 17) == 0);
}

/* One pass: each position that can start a token is checked against the
 * classes that start with its character. */
static unsigned detect_inside(const char *s, size_t len)
{
    unsigned found = 0;

    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        int prev = i > 0 ? (unsigned char)s[i - 1] : 0;
        if (c == '@') {
            if (!(found & TS_SENSITIVE_EMAIL) && email_at(s, len, i))
                found |= TS_SENSITIVE_EMAIL;
            continue;
        }
        if (c == '-' && !(found & TS_SENSITIVE_PRIVATE_KEY) &&
            private_key_at(s, len, i))
            found |= TS_SENSITIVE_PRIVATE_KEY;
        if (is_alnum_(prev))
            continue;
        if (c == 'e' && !(found & TS_SENSITIVE_JWT) && prev != '-' &&
            prev != '.' && len - i > 3 && s[i + 1] == 'y' && s[i + 2] == 'J' &&
            jwt_at(s, len, i))
            found |= TS_SENSITIVE_JWT;
        else if (!(found & TS_SENSITIVE_API_KEY) && api_key_at(s, len, i))
            found |= TS_SENSITIVE_API_KEY;
    }
    return found;
}

unsigned ts_sensitive_detect(const char *text, size_t len)
{
    const char *s = text;
    unsigned found;

    if (text == NULL)
        return 0;
    found = detect_inside(s, len);
    while (len > 0 && is_space((unsigned char)s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_space((unsigned char)s[len - 1]))
        len--;
    if (len < 9 || len > 512)
        return found;
    if (is_digit((unsigned char)s[0])) {
        if (is_us_ssn(s, len))
            found |= TS_SENSITIVE_US_SSN;
        else if (is_card_number(s, len))
            found |= TS_SENSITIVE_CARD_NUMBER;
        else if (is_phone(s, len))
            found |= TS_SENSITIVE_PHONE;
    } else if (s[0] == '+' || s[0] == '(') {
        if (is_phone(s, len))
            found |= TS_SENSITIVE_PHONE;
    } else if (is_upper((unsigned char)s[0]) && is_iban(s, len)) {
        found |= TS_SENSITIVE_IBAN;
    }
    if (is_password_hash(s, len)) {
        found |= TS_SENSITIVE_PASSWORD_HASH;
    }
    return found;
}

const char *ts_sensitive_class_name(unsigned one_class)
{
    switch (one_class) {
    case TS_SENSITIVE_EMAIL:
        return "email";
    case TS_SENSITIVE_US_SSN:
        return "us_ssn";
    case TS_SENSITIVE_CARD_NUMBER:
        return "card_number";
    case TS_SENSITIVE_IBAN:
        return "iban";
    case TS_SENSITIVE_PHONE:
        return "phone";
    case TS_SENSITIVE_JWT:
        return "jwt";
    case TS_SENSITIVE_API_KEY:
        return "api_key";
    case TS_SENSITIVE_PRIVATE_KEY:
        return "private_key";
    case TS_SENSITIVE_PASSWORD_HASH:
        return "password_hash";
    default:
        return NULL;
    }
}
