/* log_line_prefix: compiled once, matched against the start of each line. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* Longest prefix accepted; PostgreSQL itself has no limit, real ones are
 * well under 100 bytes. */
#define PREFIX_MAX 4096
/* Choices tried per line before giving up, and how far into a line the
 * prefix and level may reach: together they keep a hostile line with many
 * separators from making backtracking over free-text values slow. Real
 * prefixes print well under 1 KiB (names are at most 63 bytes). */
#define MATCH_BUDGET 1024
#define MATCH_WINDOW 8192

/* How an escape's value looks in the line. */
typedef enum shape {
    SHAPE_FREE,      /* any text, possibly empty: %a %u %d %i %b */
    SHAPE_HOSTPORT,  /* host(port), [local] or empty: %r */
    SHAPE_HOST,      /* host, [local] or empty: %h */
    SHAPE_DIGITS,    /* %p %l %x */
    SHAPE_OPTDIGITS, /* digits or empty: %P */
    SHAPE_SIGNED,    /* -?digits: %Q */
    SHAPE_TIME,      /* YYYY-MM-DD HH:MM:SS ZONE: %t %s */
    SHAPE_TIME_MS,   /* YYYY-MM-DD HH:MM:SS.fff ZONE: %m */
    SHAPE_EPOCH,     /* seconds.fff: %n */
    SHAPE_SQLSTATE,  /* five of [0-9A-Z]: %e */
    SHAPE_SESSION,   /* hex.hex: %c */
    SHAPE_VXID       /* digits/digits or empty: %v */
} shape;

typedef struct item {
    int is_literal;
    ts_pg_field field;
    shape shape;
    int padding;    /* as PostgreSQL: >0 right-justified, <0 left */
    size_t lit_off; /* literal text in prefix->lits */
    size_t lit_len;
} item;

struct ts_pg_prefix {
    item *items;
    size_t n_items;
    size_t q_at; /* items before %q, or n_items when there is no %q */
    char *lits;
    uint32_t has; /* bit per ts_pg_field */
};

static const char *const level_names[TS_PGL_COUNT] = {
    [TS_PGL_NONE] = NULL,
    [TS_PGL_DEBUG] = "DEBUG",
    [TS_PGL_LOG] = "LOG",
    [TS_PGL_INFO] = "INFO",
    [TS_PGL_NOTICE] = "NOTICE",
    [TS_PGL_WARNING] = "WARNING",
    [TS_PGL_ERROR] = "ERROR",
    [TS_PGL_FATAL] = "FATAL",
    [TS_PGL_PANIC] = "PANIC",
    [TS_PGL_DETAIL] = "DETAIL",
    [TS_PGL_HINT] = "HINT",
    [TS_PGL_QUERY] = "QUERY",
    [TS_PGL_CONTEXT] = "CONTEXT",
    [TS_PGL_LOCATION] = "LOCATION",
    [TS_PGL_STATEMENT] = "STATEMENT",
    [TS_PGL_BACKTRACE] = "BACKTRACE",
};

const char *ts_pg_level_name(ts_pg_level level)
{
    if ((int)level < 0 || level >= TS_PGL_COUNT)
        return NULL;
    return level_names[level];
}

int ts_pg_level_is_attached(ts_pg_level level)
{
    return level >= TS_PGL_DETAIL && level < TS_PGL_COUNT;
}

/* The escapes PostgreSQL 15 knows; others print nothing. */
static const struct escape {
    char letter;
    ts_pg_field field;
    shape shape;
} escapes[] = {
    {'a', TS_PGF_APPLICATION, SHAPE_FREE},
    {'u', TS_PGF_USER, SHAPE_FREE},
    {'d', TS_PGF_DATABASE, SHAPE_FREE},
    {'r', TS_PGF_REMOTE, SHAPE_HOSTPORT},
    {'h', TS_PGF_HOST, SHAPE_HOST},
    {'b', TS_PGF_BACKEND_TYPE, SHAPE_FREE},
    {'p', TS_PGF_PID, SHAPE_DIGITS},
    {'P', TS_PGF_LEADER_PID, SHAPE_OPTDIGITS},
    {'t', TS_PGF_TIME, SHAPE_TIME},
    {'m', TS_PGF_TIME_MS, SHAPE_TIME_MS},
    {'n', TS_PGF_EPOCH, SHAPE_EPOCH},
    {'i', TS_PGF_PS, SHAPE_FREE},
    {'e', TS_PGF_SQLSTATE, SHAPE_SQLSTATE},
    {'c', TS_PGF_SESSION, SHAPE_SESSION},
    {'l', TS_PGF_LINE, SHAPE_DIGITS},
    {'s', TS_PGF_START_TIME, SHAPE_TIME},
    {'v', TS_PGF_VXID, SHAPE_VXID},
    {'x', TS_PGF_XID, SHAPE_DIGITS},
    {'Q', TS_PGF_QUERY_ID, SHAPE_SIGNED},
};

static const struct escape *escape_of(char c)
{
    for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
        if (escapes[i].letter == c)
            return &escapes[i];
    }
    return NULL;
}

void ts_pg_prefix_free(ts_pg_prefix *prefix)
{
    if (prefix == NULL)
        return;
    free(prefix->items);
    free(prefix->lits);
    free(prefix);
}

/* Appends literal bytes, merging with a literal item just before. */
static void add_literal(ts_pg_prefix *p, size_t *n_lits, int *open, char c)
{
    if (!*open) {
        item *it = &p->items[p->n_items++];
        memset(it, 0, sizeof(*it));
        it->is_literal = 1;
        it->lit_off = *n_lits;
        *open = 1;
    }
    p->lits[(*n_lits)++] = c;
    p->items[p->n_items - 1].lit_len++;
}

int ts_pg_prefix_compile(ts_pg_prefix **out, const char *prefix, ts_error *err)
{
    ts_pg_prefix *p;
    size_t len, n_lits = 0;
    int open = 0;

    *out = NULL;
    len = strlen(prefix);
    if (len > PREFIX_MAX)
        return ts_error_set(err, TS_EINVAL,
                            "log_line_prefix is longer than %d bytes",
                            PREFIX_MAX);
    if (memchr(prefix, '\n', len) != NULL || memchr(prefix, '\r', len))
        return ts_error_set(err, TS_EINVAL,
                            "log_line_prefix '%s' contains a line break",
                            prefix);
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        goto nomem;
    /* never more items than bytes, never more literal bytes either */
    p->items = calloc(len + 1, sizeof(*p->items));
    p->lits = malloc(len + 1);
    if (p->items == NULL || p->lits == NULL)
        goto nomem;
    p->q_at = SIZE_MAX;

    /* Walks the prefix as elog.c's log_line_prefix() does. */
    for (const char *c = prefix; *c != '\0'; c++) {
        int padding = 0;
        const struct escape *esc;

        if (*c != '%') {
            add_literal(p, &n_lits, &open, *c);
            continue;
        }
        c++;
        if (*c == '\0')
            break;
        if (*c == '%') {
            add_literal(p, &n_lits, &open, '%');
            continue;
        }
        if (*c <= '9') {
            int sign = 1;
            if (*c == '-') {
                c++;
                if (*c == '\0')
                    break;
                sign = -1;
            }
            while (*c >= '0' && *c <= '9') {
                if (padding < 100000)
                    padding = padding * 10 + (*c - '0');
                c++;
            }
            if (*c == '\0')
                break;
            padding *= sign;
        }
        if (*c == 'q') {
            if (p->q_at == SIZE_MAX)
                p->q_at = p->n_items;
            open = 0;
            continue;
        }
        esc = escape_of(*c);
        if (esc == NULL)
            continue;
        item *it = &p->items[p->n_items++];
        memset(it, 0, sizeof(*it));
        it->field = esc->field;
        it->shape = esc->shape;
        it->padding = padding;
        p->has |= 1u << esc->field;
        open = 0;
    }
    if (p->q_at == SIZE_MAX)
        p->q_at = p->n_items;
    *out = p;
    return 0;
nomem:
    ts_pg_prefix_free(p);
    return ts_error_set(err, TS_ENOMEM, "out of memory compiling a prefix");
}

int ts_pg_prefix_has(const ts_pg_prefix *prefix, ts_pg_field field)
{
    return (prefix->has >> field) & 1u;
}

int ts_pg_span_said(const char *line, const ts_pg_span *span)
{
    if (!span->set || span->len == 0)
        return 0;
    return !(span->len == 9 && memcmp(line + span->off, "[unknown]", 9) == 0);
}

/* ---- shapes ---------------------------------------------------------- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_zone_char(char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           c == '+' || c == '-';
}

/* Characters of a host name or address (IPv4, IPv6 with zone). */
static int is_host_char(char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           c == '.' || c == '-' || c == ':' || c == '_' || c == '%';
}

static size_t span_digits(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_digit(s[i]))
        i++;
    return i;
}

static size_t span_hex(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_hex(s[i]))
        i++;
    return i;
}

/* "YYYY-MM-DD HH:MM:SS", then ".fff" when with_ms, then " ZONE". */
static size_t shape_time(const char *s, size_t n, int with_ms)
{
    static const char pat[] = "dddd-dd-dd dd:dd:dd";
    size_t i, z;

    if (n < 21)
        return 0;
    for (i = 0; i < 19; i++) {
        if (pat[i] == 'd' ? !is_digit(s[i]) : s[i] != pat[i])
            return 0;
    }
    if (with_ms) {
        if (n < 24 || s[19] != '.' || !is_digit(s[20]) || !is_digit(s[21]) ||
            !is_digit(s[22]))
            return 0;
        i = 23;
    }
    if (s[i] != ' ')
        return 0;
    z = ++i;
    while (i < n && i - z < 16 && is_zone_char(s[i]))
        i++;
    return i > z ? i : 0;
}

/* Length of a value of shape sh at s[0, n), 0 when none (an optional
 * shape's empty value is handled by the caller). */
static size_t shape_len(shape sh, const char *s, size_t n)
{
    size_t i, j;

    switch (sh) {
    case SHAPE_DIGITS:
    case SHAPE_OPTDIGITS:
        return span_digits(s, n);
    case SHAPE_SIGNED:
        i = n > 0 && s[0] == '-';
        j = span_digits(s + i, n - i);
        return j ? i + j : 0;
    case SHAPE_TIME:
        return shape_time(s, n, 0);
    case SHAPE_TIME_MS:
        return shape_time(s, n, 1);
    case SHAPE_EPOCH:
        i = span_digits(s, n);
        if (i == 0 || n - i < 4 || s[i] != '.' || !is_digit(s[i + 1]) ||
            !is_digit(s[i + 2]) || !is_digit(s[i + 3]))
            return 0;
        return i + 4;
    case SHAPE_SQLSTATE:
        if (n < 5)
            return 0;
        for (i = 0; i < 5; i++) {
            if (!is_digit(s[i]) && !(s[i] >= 'A' && s[i] <= 'Z'))
                return 0;
        }
        return 5;
    case SHAPE_SESSION:
        i = span_hex(s, n);
        if (i == 0 || i == n || s[i] != '.')
            return 0;
        j = span_hex(s + i + 1, n - i - 1);
        return j ? i + 1 + j : 0;
    case SHAPE_VXID:
        i = span_digits(s, n);
        if (i == 0 || i == n || s[i] != '/')
            return 0;
        j = span_digits(s + i + 1, n - i - 1);
        return j ? i + 1 + j : 0;
    case SHAPE_HOST:
    case SHAPE_HOSTPORT:
        if (n >= 7 && memcmp(s, "[local]", 7) == 0)
            return 7;
        i = 0;
        while (i < n && is_host_char(s[i]))
            i++;
        if (i > 0 && sh == SHAPE_HOSTPORT && i < n && s[i] == '(') {
            j = span_digits(s + i + 1, n - i - 1);
            if (j > 0 && i + 1 + j < n && s[i + 1 + j] == ')')
                i += j + 2;
        }
        return i;
    case SHAPE_FREE:
        break;
    }
    return 0;
}

static int shape_is_optional(shape sh)
{
    return sh == SHAPE_OPTDIGITS || sh == SHAPE_VXID || sh == SHAPE_HOST ||
           sh == SHAPE_HOSTPORT;
}

/* ---- matching -------------------------------------------------------- */

typedef struct mctx {
    const ts_pg_prefix *p;
    const char *line;
    size_t len;
    unsigned budget;
    ts_pg_match *out;
} mctx;

static ts_pg_level level_at(const char *s, size_t n, size_t *out_len)
{
    size_t i = 0;
    ts_pg_level level = TS_PGL_NONE;

    while (i < n && i < 10 && s[i] >= 'A' && s[i] <= 'Z')
        i++;
    if (i < 3 || n - i < 3 || s[i] != ':' || s[i + 1] != ' ' || s[i + 2] != ' ')
        return TS_PGL_NONE;
    /* by first letter, then one comparison */
    switch (s[0]) {
    case 'L':
        level = i == 3 ? TS_PGL_LOG : TS_PGL_LOCATION;
        break;
    case 'E':
        level = TS_PGL_ERROR;
        break;
    case 'D':
        level = i == 5 ? TS_PGL_DEBUG : TS_PGL_DETAIL;
        break;
    case 'S':
        level = TS_PGL_STATEMENT;
        break;
    case 'W':
        level = TS_PGL_WARNING;
        break;
    case 'F':
        level = TS_PGL_FATAL;
        break;
    case 'I':
        level = TS_PGL_INFO;
        break;
    case 'N':
        level = TS_PGL_NOTICE;
        break;
    case 'P':
        level = TS_PGL_PANIC;
        break;
    case 'H':
        level = TS_PGL_HINT;
        break;
    case 'Q':
        level = TS_PGL_QUERY;
        break;
    case 'C':
        level = TS_PGL_CONTEXT;
        break;
    case 'B':
        level = TS_PGL_BACKTRACE;
        break;
    default:
        return TS_PGL_NONE;
    }
    if (strlen(level_names[level]) != i ||
        memcmp(level_names[level], s, i) != 0)
        return TS_PGL_NONE;
    *out_len = i + 3;
    return level;
}

static int finish(mctx *c, size_t pos)
{
    size_t n = 0;
    ts_pg_level level = level_at(c->line + pos, c->len - pos, &n);

    if (level == TS_PGL_NONE)
        return 0;
    c->out->prefix_len = pos;
    c->out->level = level;
    c->out->message_off = pos + n;
    return 1;
}

static void set_span(mctx *c, ts_pg_field f, size_t off, size_t len)
{
    c->out->field[f].off = off;
    c->out->field[f].len = len;
    c->out->field[f].set = 1;
}

static size_t count_spaces(const char *s, size_t n, size_t most)
{
    size_t i = 0;
    while (i < n && i < most && s[i] == ' ')
        i++;
    return i;
}

static int match_from(mctx *c, size_t i, size_t pos);

/* A free-text value ends where the rest of the prefix matches: at each
 * occurrence of the literal after it, or at any place when an escape
 * follows directly. Shortest first, as PostgreSQL prints no quoting. */
static int match_free(mctx *c, size_t i, size_t pos)
{
    const item *it = &c->p->items[i];
    const item *next = i + 1 < c->p->n_items && i + 1 != c->p->q_at
                           ? &c->p->items[i + 1]
                           : NULL;
    size_t pad = (size_t)(it->padding < 0 ? -it->padding : it->padding);

    for (size_t q = pos; q <= c->len; q++) {
        if (next != NULL && next->is_literal) {
            const char *lit = c->p->lits + next->lit_off;
            const char *hit;
            if (c->len - q < next->lit_len)
                return 0;
            hit = memchr(c->line + q, lit[0], c->len - q - next->lit_len + 1);
            if (hit == NULL)
                return 0;
            q = (size_t)(hit - c->line);
            if (memcmp(hit, lit, next->lit_len) != 0)
                continue;
        }
        if (c->budget == 0)
            return 0;
        c->budget--;
        size_t off = pos, len = q - pos;
        if (it->padding > 0) {
            size_t k = count_spaces(c->line + off, len, pad);
            off += k;
            len -= k;
        } else if (it->padding < 0) {
            while (len > 0 && c->line[off + len - 1] == ' ')
                len--;
        }
        set_span(c, it->field, off, len);
        if (match_from(c, i + 1, q))
            return 1;
    }
    return 0;
}

/* The %q point: a non-session process's line ends its prefix here. A
 * level right there is a strong signal, and a session line fails it at
 * its first byte, so it is tried before the rest of the prefix. */
static int match_short(mctx *c, size_t pos)
{
    if (!finish(c, pos))
        return 0;
    /* values after %q may be left from a path that failed */
    for (size_t j = c->p->q_at; j < c->p->n_items; j++) {
        if (!c->p->items[j].is_literal)
            memset(&c->out->field[c->p->items[j].field], 0, sizeof(ts_pg_span));
    }
    c->out->short_form = 1;
    return 1;
}

static int match_from(mctx *c, size_t i, size_t pos)
{
    while (i < c->p->n_items) {
        const item *it = &c->p->items[i];
        const char *s = c->line + pos;
        size_t n = c->len - pos;

        if (i == c->p->q_at && match_short(c, pos))
            return 1;
        if (it->is_literal) {
            const char *lit = c->p->lits + it->lit_off;
            if (n < it->lit_len || s[0] != lit[0] ||
                memcmp(s + 1, lit + 1, it->lit_len - 1) != 0)
                return 0;
            pos += it->lit_len;
            i++;
            continue;
        }
        if (it->shape == SHAPE_FREE)
            return match_free(c, i, pos);

        size_t pad = (size_t)(it->padding < 0 ? -it->padding : it->padding);
        size_t lead = it->padding > 0 ? count_spaces(s, n, pad) : 0;
        size_t vlen = shape_len(it->shape, s + lead, n - lead);

        if (vlen > 0) {
            size_t end = lead + vlen;
            if (it->padding < 0 && vlen < pad)
                end += count_spaces(s + end, n - end, pad - vlen);
            set_span(c, it->field, pos + lead, vlen);
            if (!shape_is_optional(it->shape))
                return match_from(c, i + 1, pos + end);
            if (c->budget == 0)
                return 0;
            c->budget--;
            if (match_from(c, i + 1, pos + end))
                return 1;
        }
        if (!shape_is_optional(it->shape))
            return 0;
        /* an absent value prints nothing, or `pad` spaces */
        if (count_spaces(s, n, pad) < pad)
            return 0;
        set_span(c, it->field, pos, 0);
        pos += pad;
        i++;
    }
    return finish(c, pos);
}

static int64_t parse_int(const char *s, size_t n)
{
    int64_t v = 0;
    int neg = n > 0 && s[0] == '-';

    for (size_t i = (size_t)neg; i < n; i++) {
        if (v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return neg ? -v : v;
}

/* Numbers and time from the matched spans. */
static void derive(const char *line, ts_pg_match *m)
{
    const ts_pg_span *f = m->field;

    if (f[TS_PGF_PID].set && f[TS_PGF_PID].len > 0)
        m->pid = parse_int(line + f[TS_PGF_PID].off, f[TS_PGF_PID].len);
    if (f[TS_PGF_LINE].set && f[TS_PGF_LINE].len > 0)
        m->session_line =
            parse_int(line + f[TS_PGF_LINE].off, f[TS_PGF_LINE].len);
    if (f[TS_PGF_EPOCH].set) {
        const char *s = line + f[TS_PGF_EPOCH].off;
        size_t n = f[TS_PGF_EPOCH].len;
        int64_t secs = parse_int(s, n - 4);
        int64_t ms = parse_int(s + n - 3, 3);
        if (secs >= 0 && secs < INT64_MAX / 1000000 - 1)
            m->time_us = secs * 1000000 + ms * 1000;
    } else if (f[TS_PGF_TIME_MS].set) {
        int64_t us;
        if (ts_pg_time_parse(line + f[TS_PGF_TIME_MS].off,
                             f[TS_PGF_TIME_MS].len, &us) == 0)
            m->time_us = us;
    } else if (f[TS_PGF_TIME].set) {
        int64_t us;
        if (ts_pg_time_parse(line + f[TS_PGF_TIME].off, f[TS_PGF_TIME].len,
                             &us) == 0)
            m->time_us = us;
    }
}

static void reset_match(ts_pg_match *out)
{
    memset(out, 0, sizeof(*out));
    out->time_us = TS_UNKNOWN_TIME;
    out->pid = -1;
    out->session_line = -1;
}

int ts_pg_prefix_match(const ts_pg_prefix *prefix, const char *line, size_t len,
                       ts_pg_match *out)
{
    mctx c = {prefix, line, len < MATCH_WINDOW ? len : MATCH_WINDOW,
              MATCH_BUDGET, out};

    reset_match(out);
    if (!match_from(&c, 0, 0))
        return 0;
    derive(line, out);
    return 1;
}

/* ---- time ------------------------------------------------------------ */

/* Abbreviations as in PostgreSQL's "Default" timezone_abbreviations set
 * (so CST is US Central and IST is Israel, as the server reads them). */
static const struct zone {
    char name[6];
    int16_t minutes;
} zones[] = {
    {"UTC", 0},    {"GMT", 0},    {"UT", 0},     {"Z", 0},       {"WET", 0},
    {"WEST", 60},  {"BST", 60},   {"CET", 60},   {"CEST", 120},  {"MET", 60},
    {"MEST", 120}, {"EET", 120},  {"EEST", 180}, {"MSK", 180},   {"IST", 120},
    {"IDT", 180},  {"SAST", 120}, {"WAT", 60},   {"CAT", 120},   {"EAT", 180},
    {"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},  {"MST", -420},
    {"MDT", -360}, {"PST", -480}, {"PDT", -420}, {"AKST", -540}, {"AKDT", -480},
    {"HST", -600}, {"AST", -240}, {"ADT", -180}, {"NST", -210},  {"NDT", -150},
    {"JST", 540},  {"KST", 540},  {"HKT", 480},  {"AWST", 480},  {"ACST", 570},
    {"ACDT", 630}, {"AEST", 600}, {"AEDT", 660}, {"NZST", 720},  {"NZDT", 780},
    {"WIB", 420},  {"WITA", 480}, {"WIT", 540},  {"PKT", 300},
};

/* Minutes east of UTC for a zone token; 0 for unknown names. */
static int zone_minutes(const char *s, size_t n)
{
    if (n >= 3 && (s[0] == '+' || s[0] == '-')) {
        int sign = s[0] == '-' ? -1 : 1;
        size_t d = span_digits(s + 1, n - 1);
        if (d == n - 1 && (d == 2 || d == 4)) {
            int h = (s[1] - '0') * 10 + (s[2] - '0');
            int m = d == 4 ? (s[3] - '0') * 10 + (s[4] - '0') : 0;
            if (h <= 15 && m <= 59)
                return sign * (h * 60 + m);
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        if (strlen(zones[i].name) == n && memcmp(zones[i].name, s, n) == 0)
            return zones[i].minutes;
    }
    return 0;
}

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int64_t days_in_month(int64_t y, int64_t m)
{
    static const int8_t days[12] = {31, 28, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return days[m - 1] + (m == 2 && leap);
}

int ts_pg_time_parse(const char *text, size_t len, int64_t *out_us)
{
    size_t n;
    int with_ms = len > 19 && text[19] == '.';
    int64_t y, mo, d, h, mi, sec, ms = 0;

    n = shape_time(text, len, with_ms);
    if (n == 0 || n != len)
        return -1;
    y = two(text) * 100 + two(text + 2);
    mo = two(text + 5);
    d = two(text + 8);
    h = two(text + 11);
    mi = two(text + 14);
    sec = two(text + 17);
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 60)
        return -1;
    if (with_ms)
        ms = (text[20] - '0') * 100 + two(text + 21);
    size_t z = with_ms ? 24 : 20;
    int64_t offset = zone_minutes(text + z, len - z);
    *out_us = ((ts_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
                sec - offset * 60) *
               1000000) +
              ms * 1000;
    return 0;
}

ts_pg_level ts_pg_level_parse(const char *s, size_t len)
{
    for (int i = TS_PGL_DEBUG; i < TS_PGL_COUNT; i++) {
        const char *name = level_names[i];
        if (strlen(name) == len && memcmp(name, s, len) == 0)
            return (ts_pg_level)i;
    }
    /* DEBUG1..DEBUG5 in csvlog and jsonlog */
    if (len == 6 && memcmp(s, "DEBUG", 5) == 0 && s[5] >= '1' && s[5] <= '5')
        return TS_PGL_DEBUG;
    return TS_PGL_NONE;
}
