/* A source that redacts what another source produces before it is sealed
 * (DESIGN.md, "Sensitive data in the store"): the literals and parameters
 * of each event's SQL become "?" in the record to seal and in the event,
 * an HMAC of the record as read is sealed beside it, and each value's HMAC
 * goes to the index for `search --value`. */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "ingest/redact_text.h"
#include "trailseal/redact.h"

/* What replaces a record whose SQL could not be found in its bytes. */
static const char withheld_text[] =
    "trailseal: record withheld by redaction: its SQL text could not be "
    "located in it; the entry's original_hmac proves the original record";

/* The text fields of an event that redaction rewrites. */
enum { F_STATEMENT, F_PARAMETER, F_QUERY, F_DETAIL, F_MESSAGE, N_FIELDS };

typedef struct redacting_source {
    ts_source base;
    ts_source *inner;
    ts_value_hasher *hasher;
    unsigned flags;
    ts_sql_dialect dialect;
    ts_buf field[N_FIELDS]; /* the event's redacted fields */
    ts_buf sealed, scratch; /* the record to seal, and the next version */
    uint8_t original_hmac[TS_VALUE_HMAC_SIZE];
    int64_t *hmacs; /* the record's distinct value HMACs */
    size_t n_hmacs, cap_hmacs;
    /* Past TS_HMAC_SCAN_MAX of them, which are in hmacs is looked up here
     * (open addressing: index + 1 into hmacs, 0: empty), not by a scan: a
     * bulk INSERT of 100,000 rows would scan them 10^10 times. */
    uint32_t *seen;
    size_t seen_size; /* a power of two; 0: none */
    size_t seen_n;    /* hmacs[0 .. seen_n - 1] are in seen */
    uint64_t redacted, withheld;
} redacting_source;

#define TS_HMAC_SCAN_MAX 32

/* ---- value HMACs ---- */

/* The slot of seen holding h, or the empty one where it would go. */
static size_t seen_slot(const redacting_source *r, int64_t h)
{
    size_t mask = r->seen_size - 1, i = (size_t)h & mask;

    /* an HMAC's bits are uniform: no mixing needed */
    while (r->seen[i] != 0 && r->hmacs[r->seen[i] - 1] != h)
        i = (i + 1) & mask;
    return i;
}

/* Puts hmacs[seen_n .. n_hmacs - 1] in seen, made twice as big as the
 * HMACs first when they would fill half of it. */
static int seen_update(redacting_source *r, ts_error *err)
{
    if (2 * r->n_hmacs >= r->seen_size) {
        size_t size = r->seen_size ? r->seen_size : 4 * TS_HMAC_SCAN_MAX;
        uint32_t *bigger;
        while (2 * r->n_hmacs >= size)
            size *= 2;
        if (r->n_hmacs >= UINT32_MAX)
            return ts_error_set(err, TS_ELIMIT,
                                "more than %u distinct values in a record",
                                UINT32_MAX - 1);
        bigger = calloc(size, sizeof(*bigger));
        if (bigger == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        free(r->seen);
        r->seen = bigger;
        r->seen_size = size;
        r->seen_n = 0;
    }
    for (; r->seen_n < r->n_hmacs; r->seen_n++)
        r->seen[seen_slot(r, r->hmacs[r->seen_n])] = (uint32_t)r->seen_n + 1;
    return 0;
}

/* Forgets the record's HMACs. */
static void hmacs_clear(redacting_source *r)
{
    if (r->seen_n > 0)
        memset(r->seen, 0, r->seen_size * sizeof(*r->seen));
    r->seen_n = 0;
    r->n_hmacs = 0;
}

static int add_hmac(redacting_source *r, const char *value, size_t len,
                    ts_error *err)
{
    int64_t h;
    int rc = ts_value_hmac64(r->hasher, value, len, &h, err);

    if (rc != 0)
        return rc;
    if (r->n_hmacs <= TS_HMAC_SCAN_MAX) {
        for (size_t i = 0; i < r->n_hmacs; i++)
            if (r->hmacs[i] == h)
                return 0;
    } else {
        rc = seen_update(r, err);
        if (rc != 0)
            return rc;
        if (r->seen[seen_slot(r, h)] != 0)
            return 0;
    }
    if (r->n_hmacs == r->cap_hmacs) {
        size_t cap = r->cap_hmacs ? r->cap_hmacs * 2 : 16;
        int64_t *more = realloc(r->hmacs, cap * sizeof(*more));
        if (more == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        r->hmacs = more;
        r->cap_hmacs = cap;
    }
    r->hmacs[r->n_hmacs++] = h;
    return 0;
}

static int value_hmac(void *ctx, const char *value, size_t len, ts_error *err)
{
    return add_hmac(ctx, value, len, err);
}

/* The statement's literals: their HMACs noted, and when `redact` each
 * replaced by "?" into r->field[F_STATEMENT], in one reading of it. A
 * statement longer than SQL analysis accepts (TS_SQL_MAX_LEN) has no
 * values indexed, as ts_sql_values_extract() refuses it. */
static int statement_pass(redacting_source *r, const char *sql, int redact,
                          ts_error *err)
{
    size_t len = strlen(sql);

    return ts_redact_sql_values(
        redact ? &r->field[F_STATEMENT] : NULL, sql, len, r->dialect,
        len <= TS_SQL_MAX_LEN ? value_hmac : NULL, r, err);
}

/* The values of a parameter list (CSV: "..." with "" inside, or bare). */
static int parameter_hmacs(redacting_source *r, const char *list, ts_error *err)
{
    size_t i = 0, len = strlen(list);
    ts_buf v;
    int rc = 0;

    ts_buf_init(&v, (size_t)-1);
    while (rc == 0) {
        v.len = 0;
        if (i < len && list[i] == '"') {
            for (i++; rc == 0 && i < len; i++) {
                if (list[i] == '"' && (i + 1 >= len || list[i + 1] != '"')) {
                    i++;
                    break;
                }
                rc = ts_buf_append_byte(&v, (uint8_t)list[i], err);
                i += list[i] == '"';
            }
        }
        while (rc == 0 && i < len && list[i] != ',')
            rc = ts_buf_append_byte(&v, (uint8_t)list[i++], err);
        if (rc == 0)
            rc = add_hmac(r, (const char *)v.data, v.len, err);
        if (i >= len)
            break;
        i++;
    }
    ts_buf_release(&v);
    return rc;
}

/* ---- the record ---- */

/* Replaces in r->sealed each JSON string equal to one of list's values by
 * "?" (proxies log parameters as JSON arrays). 1 when all were found. */
static int redact_json_values(redacting_source *r, const char *list,
                              int *all_found, ts_error *err)
{
    size_t i = 0, len = strlen(list);
    ts_buf v;
    int rc = 0;

    *all_found = 1;
    ts_buf_init(&v, (size_t)-1);
    while (rc == 0 && *all_found) {
        size_t start = i;
        int found = 0;
        while (i < len && list[i] != ',')
            i++;
        v.len = 0;
        rc = ts_buf_append_byte(&v, '"', err);
        if (rc == 0)
            rc = ts_buf_append(&v, list + start, i - start, err);
        if (rc == 0)
            rc = ts_buf_append_byte(&v, '"', err);
        if (rc == 0)
            rc = ts_buf_terminate(&v, err);
        if (rc == 0)
            rc = ts_redact_replace(&r->scratch, r->sealed.data, r->sealed.len,
                                   (const char *)v.data, "\"?\"", &found, err);
        if (rc == 0 && found) {
            ts_buf t = r->sealed;
            r->sealed = r->scratch;
            r->scratch = t;
        }
        *all_found = found;
        if (i >= len)
            break;
        i++;
    }
    ts_buf_release(&v);
    return rc;
}

/* When a statement is not in the record as one piece (syslog split it):
 * the rest of the record from where it begins, redacted as SQL. */
static int redact_tail(redacting_source *r, const char *sql, int *found,
                       ts_error *err)
{
    ts_sql_values *values = NULL;
    size_t prefix = 0;
    int rc;

    *found = 0;
    rc = ts_sql_values_extract(&values, sql, strlen(sql), r->dialect, err);
    if (rc == TS_ELIMIT) {
        ts_error_clear(err);
        return 0;
    }
    if (rc != 0)
        return rc;
    prefix = values->n_items > 0 ? values->items[0].offset : strlen(sql);
    ts_sql_values_free(values);
    rc = ts_redact_sql_tail(&r->scratch, r->sealed.data, r->sealed.len, sql,
                            prefix, r->dialect, found, err);
    if (rc == 0 && *found) {
        ts_buf t = r->sealed;
        r->sealed = r->scratch;
        r->scratch = t;
    }
    return rc;
}

/* Carries the changed fields into the record; *withheld when one of them
 * is not in it. */
static int redact_record(redacting_source *r, const ts_entry *entry,
                         const char *const orig[N_FIELDS], int *withheld,
                         ts_error *err)
{
    int rc;

    *withheld = 0;
    r->sealed.len = 0;
    rc = ts_buf_append(&r->sealed, entry->record, entry->record_len, err);
    /* the message holds the statement (log_statement), so it is not
     * carried separately */
    for (int f = 0; rc == 0 && f < F_MESSAGE && !*withheld; f++) {
        int found = 0;
        if (orig[f] == NULL || strcmp(orig[f], (char *)r->field[f].data) == 0)
            continue;
        rc = ts_redact_replace(&r->scratch, r->sealed.data, r->sealed.len,
                               orig[f], (const char *)r->field[f].data, &found,
                               err);
        if (rc == 0 && found) {
            ts_buf t = r->sealed;
            r->sealed = r->scratch;
            r->scratch = t;
        } else if (rc == 0 && f == F_PARAMETER)
            rc = redact_json_values(r, orig[f], &found, err);
        if (rc == 0 && !found && (f == F_STATEMENT || f == F_QUERY))
            rc = redact_tail(r, orig[f], &found, err);
        /* the same text as a field before it (a STATEMENT: line repeating
         * the statement) was replaced with it; a redacted text merely
         * present ("?") proves nothing */
        for (int g = 0; rc == 0 && !found && g < f; g++)
            found = orig[g] != NULL && strcmp(orig[g], orig[f]) == 0;
        *withheld = rc == 0 && !found;
    }
    if (rc == 0 && *withheld) {
        r->sealed.len = 0;
        rc = ts_buf_append(&r->sealed, withheld_text, sizeof(withheld_text) - 1,
                           err);
    }
    return rc;
}

/* ---- the event ---- */

/* The fields but the statement (statement_pass() redacted it). */
static int redact_fields(redacting_source *r, const char *const orig[N_FIELDS],
                         ts_error *err)
{
    int rc = 0;

    if (orig[F_PARAMETER] != NULL)
        rc = ts_redact_values(&r->field[F_PARAMETER], orig[F_PARAMETER], err);
    if (rc == 0 && orig[F_QUERY] != NULL)
        rc = ts_redact_sql(&r->field[F_QUERY], orig[F_QUERY],
                           strlen(orig[F_QUERY]), r->dialect, err);
    if (rc == 0 && orig[F_DETAIL] != NULL)
        rc = ts_redact_detail(&r->field[F_DETAIL], orig[F_DETAIL], err);
    if (rc == 0 && orig[F_MESSAGE] != NULL) {
        /* the statement and parameters inside the message, as written */
        const char *msg = orig[F_MESSAGE];
        rc = ts_buf_append(&r->field[F_MESSAGE], msg, strlen(msg), err);
        for (int f = F_STATEMENT; rc == 0 && f <= F_PARAMETER; f++) {
            int found = 0;
            if (orig[f] == NULL ||
                strcmp(orig[f], (const char *)r->field[f].data) == 0)
                continue; /* nothing in it redacted */
            rc = ts_redact_replace(&r->scratch, r->field[F_MESSAGE].data,
                                   r->field[F_MESSAGE].len, orig[f],
                                   (const char *)r->field[f].data, &found, err);
            if (rc == 0) {
                ts_buf t = r->field[F_MESSAGE];
                r->field[F_MESSAGE] = r->scratch;
                r->scratch = t;
            }
        }
        if (rc == 0)
            rc = ts_buf_terminate(&r->field[F_MESSAGE], err);
    }
    return rc;
}

static int redacting_next(ts_source *src, ts_entry *out_entry,
                          ts_event *out_event, ts_error *err)
{
    redacting_source *r = (redacting_source *)src;
    const char *orig[N_FIELDS];
    int rc, redact, changed = 0, withheld = 0;

    rc = ts_source_next(r->inner, out_entry, out_event, err);
    if (rc <= 0 || out_event->kind == TS_EVENT_UNPARSED)
        return rc;
    orig[F_STATEMENT] = out_event->statement;
    orig[F_PARAMETER] = out_event->parameter;
    orig[F_QUERY] = out_event->query;
    orig[F_DETAIL] = out_event->detail;
    orig[F_MESSAGE] = out_event->message;
    hmacs_clear(r);
    for (int f = 0; f < N_FIELDS; f++)
        r->field[f].len = 0;
    /* audit settings are kept: their values are the evidence */
    redact =
        !(r->flags & TS_REDACT_KEEP_RAW) &&
        !(orig[F_STATEMENT] != NULL && ts_redact_keeps_sql(orig[F_STATEMENT]));
    rc = 0;
    if (orig[F_STATEMENT] != NULL)
        rc = statement_pass(r, orig[F_STATEMENT], redact, err);
    if (rc == 0 && orig[F_PARAMETER] != NULL)
        rc = parameter_hmacs(r, orig[F_PARAMETER], err);
    out_event->value_hmacs = r->n_hmacs > 0 ? r->hmacs : NULL;
    out_event->n_value_hmacs = r->n_hmacs;
    if (rc != 0 || !redact)
        return rc == 0 ? 1 : rc;

    rc = redact_fields(r, orig, err);
    for (int f = 0; rc == 0 && f < N_FIELDS; f++)
        changed |= orig[f] != NULL &&
                   strcmp(orig[f], (const char *)r->field[f].data) != 0;
    if (rc != 0 || !changed)
        return rc == 0 ? 1 : rc;
    rc = redact_record(r, out_entry, orig, &withheld, err);
    if (rc == 0)
        rc = ts_value_hmac(r->hasher, out_entry->record, out_entry->record_len,
                           r->original_hmac, err);
    if (rc != 0)
        return ts_error_prefix(err, "%s:%llu: redacting: ", r->base.name,
                               (unsigned long long)out_entry->line);
    out_event->statement =
        orig[F_STATEMENT] ? (char *)r->field[F_STATEMENT].data : NULL;
    out_event->parameter =
        orig[F_PARAMETER] ? (char *)r->field[F_PARAMETER].data : NULL;
    out_event->query = orig[F_QUERY] ? (char *)r->field[F_QUERY].data : NULL;
    out_event->detail = orig[F_DETAIL] ? (char *)r->field[F_DETAIL].data : NULL;
    out_event->message =
        orig[F_MESSAGE] ? (char *)r->field[F_MESSAGE].data : NULL;
    if (r->sealed.len != out_entry->record_len ||
        memcmp(r->sealed.data, out_entry->record, r->sealed.len) != 0) {
        out_entry->sealed = r->sealed.data;
        out_entry->sealed_len = r->sealed.len;
        out_entry->original_hmac = r->original_hmac;
        r->redacted++;
        r->withheld += (uint64_t)withheld;
    }
    return 1;
}

static int redacting_seek(ts_source *src, uint64_t position, uint64_t line,
                          ts_error *err)
{
    return ts_source_seek(((redacting_source *)src)->inner, position, line,
                          err);
}

static void redacting_free(ts_source *src)
{
    redacting_source *r = (redacting_source *)src;

    ts_source_free(r->inner);
    ts_value_hasher_free(r->hasher);
    for (int f = 0; f < N_FIELDS; f++)
        ts_buf_release(&r->field[f]);
    ts_buf_release(&r->sealed);
    ts_buf_release(&r->scratch);
    free(r->hmacs);
    free(r->seen);
    free(r);
}

static const ts_source_ops redacting_ops = {redacting_next, redacting_seek,
                                            redacting_free};

int ts_source_redacting(ts_source **out, ts_source *inner,
                        const uint8_t key[TS_VALUE_KEY_SIZE], unsigned flags,
                        ts_error *err)
{
    redacting_source *r;
    int rc;

    *out = NULL;
    if (inner == NULL)
        return ts_error_set(err, TS_EINVAL, "redacting source: no source");
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        ts_source_free(inner);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    rc = ts_value_hasher_new(&r->hasher, key, err);
    if (rc != 0) {
        ts_source_free(inner);
        free(r);
        return rc;
    }
    for (int f = 0; f < N_FIELDS; f++)
        ts_buf_init(&r->field[f], (size_t)-1);
    ts_buf_init(&r->sealed, (size_t)-1);
    ts_buf_init(&r->scratch, (size_t)-1);
    r->flags = flags;
    r->dialect = strncmp(inner->format, "mariadb", 7) == 0 ||
                         strncmp(inner->format, "mysql", 5) == 0 ||
                         strncmp(inner->format, "percona", 7) == 0
                     ? TS_SQL_MYSQL
                     : TS_SQL_PG;
    /* The same stream, key and cursor: what the reader read is what the
     * HMAC proves. */
    r->base = *inner;
    r->base.ops = &redacting_ops;
    r->inner = inner;
    *out = &r->base;
    return 0;
}

void ts_source_redacting_stats(const ts_source *src, uint64_t *redacted,
                               uint64_t *withheld)
{
    const redacting_source *r = (const redacting_source *)src;

    *redacted = *withheld = 0;
    if (src == NULL || src->ops != &redacting_ops)
        return;
    *redacted = r->redacted;
    *withheld = r->withheld;
}
