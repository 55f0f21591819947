/* A source that analyses the SQL of each event another source produces:
 * template, fingerprint, class and the tables and columns it reads and
 * writes, parsing each distinct template once. */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/analyze.h"
#include "trailseal/ingest.h"
#include "trailseal/sensitive.h"

/* Sessions remembered for spotting pgAudit's repeated rows; past this the
 * map starts over (a repeat then goes unnoticed: one duplicate row). */
#define TS_ANALYZING_MAX_SESSIONS 65536

/* The last pgAudit statement seen in one session. */
typedef struct last_statement {
    char *session_id; /* key, owned */
    int64_t statement_id;
    uint64_t text_hash; /* of the row's statement text */
} last_statement;

typedef struct analyzing_source {
    ts_source base;
    ts_source *inner;
    /* one analyzer per catalog in force over time (at least one) */
    ts_sql_analyzer **analyzers;
    int64_t *from_us, *catalog_ids;
    size_t n_analyzers;
    ts_strmap sessions;
    last_statement *last;
    size_t last_size;
    /* the current event's value classes (ts_event.value_classes) */
    const char *value_classes[TS_SENSITIVE_N_CLASSES];
} analyzing_source;

static void forget_sessions(analyzing_source *a)
{
    for (size_t i = 0; i < a->sessions.n; i++)
        free(a->last[i].session_id);
}

/* FNV-1a of s ("" for NULL). */
static uint64_t text_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (; s != NULL && *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* Whether ev repeats the pgAudit statement of the session's previous audit
 * row: the same statement id and the same text. SESSION logging writes one
 * row per object of a statement, and one per substatement with the
 * statement's own text again when PostgreSQL runs a statement in parts
 * (CREATE TABLE AS: its SELECT, then the DDL; COPY (query) TO: the query,
 * then the COPY); a substatement with text of its own (a function's body)
 * is not a repeat. */
static int is_repeat(analyzing_source *a, const ts_event *ev, int *repeat,
                     ts_error *err)
{
    last_statement *l;
    size_t slot;
    uint64_t hash;
    int created, rc;

    *repeat = 0;
    if (ev->kind != TS_EVENT_AUDIT || ev->session_id == NULL ||
        ev->statement_id < 0)
        return 0;
    if (a->sessions.n >= TS_ANALYZING_MAX_SESSIONS) {
        forget_sessions(a);
        rc = ts_strmap_reindex(&a->sessions, a->last, 0, sizeof(*a->last), err);
        if (rc != 0)
            return rc;
    }
    rc = ts_strmap_slot(&a->sessions, ev->session_id, (void **)&a->last,
                        &a->last_size, sizeof(*a->last), &slot, &created, err);
    if (rc != 0)
        return rc;
    l = &a->last[slot];
    hash = text_hash(ev->statement);
    *repeat =
        !created && l->statement_id == ev->statement_id && l->text_hash == hash;
    l->statement_id = ev->statement_id;
    l->text_hash = hash;
    return 0;
}

static void set_names(const ts_sql_names *names, const char *const **items,
                      size_t *n)
{
    *items = (const char *const *)names->items;
    *n = names->n_items;
}

/* The analyzer of the catalog in force at time_us: the newest taken at or
 * before it, else the oldest. */
static size_t analyzer_at(const analyzing_source *a, int64_t time_us)
{
    size_t i = a->n_analyzers;

    if (time_us == TS_UNKNOWN_TIME)
        return 0;
    while (i > 1 && a->from_us[i - 1] > time_us)
        i--;
    return i - 1;
}

static int analyzing_next(ts_source *src, ts_entry *out_entry,
                          ts_event *out_event, ts_error *err)
{
    analyzing_source *a = (analyzing_source *)src;
    const ts_sql_analysis *an;
    size_t k;
    int rc, repeat;

    rc = ts_source_next(a->inner, out_entry, out_event, err);
    if (rc <= 0)
        return rc;
    if ((out_event->kind != TS_EVENT_AUDIT &&
         out_event->kind != TS_EVENT_STATEMENT &&
         out_event->kind != TS_EVENT_STATEMENT_STATS) ||
        out_event->statement == NULL)
        return rc;
    rc = is_repeat(a, out_event, &repeat, err);
    k = analyzer_at(a, out_event->time_us);
    if (rc == 0)
        rc = ts_sql_analyze(a->analyzers[k], out_event->statement,
                            strlen(out_event->statement), TS_SQL_PG, &an, err);
    if (rc == TS_ELIMIT) {
        /* Too long to analyse: the entry is still sealed and indexed. */
        ts_error_clear(err);
        return 1;
    }
    if (rc != 0)
        return rc;
    out_event->sql_template = an->template_text;
    out_event->sql_fingerprint = an->fingerprint;
    out_event->sql_catalog = a->catalog_ids[k];
    out_event->sql_class = ts_sql_class_name(an->cls);
    out_event->sql_command = an->command;
    out_event->sql_repeat = repeat;
    set_names(&an->tables_read, &out_event->tables_read,
              &out_event->n_tables_read);
    set_names(&an->tables_written, &out_event->tables_written,
              &out_event->n_tables_written);
    set_names(&an->columns_read, &out_event->columns_read,
              &out_event->n_columns_read);
    set_names(&an->columns_written, &out_event->columns_written,
              &out_event->n_columns_written);
    set_names(&an->tables_changed, &out_event->tables_changed,
              &out_event->n_tables_changed);
    set_names(&an->flows, &out_event->flows, &out_event->n_flows);
    /* A template without a placeholder had no literal to classify. */
    if (strchr(an->template_text, '$') != NULL ||
        out_event->parameter != NULL) {
        out_event->n_value_classes = ts_sensitive_event_classes(
            out_event->statement, out_event->parameter, a->value_classes,
            TS_SENSITIVE_N_CLASSES);
        out_event->value_classes = a->value_classes;
    }
    return 1;
}

static int analyzing_seek(ts_source *src, uint64_t position, uint64_t line,
                          ts_error *err)
{
    return ts_source_seek(((analyzing_source *)src)->inner, position, line,
                          err);
}

/* Frees a's analyzers and their catalog times. */
static void free_analyzers(analyzing_source *a)
{
    for (size_t i = 0; i < a->n_analyzers; i++)
        ts_sql_analyzer_free(a->analyzers[i]);
    free(a->analyzers);
    free(a->from_us);
    free(a->catalog_ids);
}

static void analyzing_free(ts_source *src)
{
    analyzing_source *a = (analyzing_source *)src;

    ts_source_free(a->inner);
    free_analyzers(a);
    forget_sessions(a);
    ts_strmap_release(&a->sessions);
    free(a->last);
    free(a);
}

static const ts_source_ops analyzing_ops = {analyzing_next, analyzing_seek,
                                            analyzing_free};

int ts_source_analyzing(ts_source **out, ts_source *inner,
                        const ts_catalog *catalog, ts_error *err)
{
    const ts_catalog *const catalogs[1] = {catalog};
    const int64_t from_us[1] = {INT64_MIN}, ids[1] = {0};
    ts_catalog_timeline one = {catalogs, from_us, ids, 1};

    return ts_source_analyzing_timed(out, inner, &one, err);
}

int ts_source_analyzing_timed(ts_source **out, ts_source *inner,
                              const ts_catalog_timeline *timeline,
                              ts_error *err)
{
    size_t n = timeline != NULL && timeline->n > 0 ? timeline->n : 1;
    analyzing_source *a;
    int rc = 0;

    *out = NULL;
    if (inner == NULL)
        return ts_error_set(err, TS_EINVAL, "analysing source: no source");
    a = calloc(1, sizeof(*a));
    if (a != NULL) {
        a->analyzers = calloc(n, sizeof(*a->analyzers));
        a->from_us = calloc(n, sizeof(*a->from_us));
        a->catalog_ids = calloc(n, sizeof(*a->catalog_ids));
    }
    if (a == NULL || a->analyzers == NULL || a->from_us == NULL ||
        a->catalog_ids == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int have = timeline != NULL && timeline->n > 0;
        a->from_us[i] = have ? timeline->from_us[i] : INT64_MIN;
        a->catalog_ids[i] = have ? timeline->ids[i] : 0;
        rc = ts_sql_analyzer_new(&a->analyzers[i],
                                 have ? timeline->catalogs[i] : NULL, err);
        if (rc == 0)
            a->n_analyzers++;
    }
    if (rc != 0) {
        ts_source_free(inner);
        if (a != NULL)
            free_analyzers(a);
        free(a);
        return rc;
    }
    /* The same stream, key and cursor as the inner source: analysis is
     * interpretation, not part of what is sealed. */
    a->base = *inner;
    a->base.ops = &analyzing_ops;
    a->inner = inner;
    *out = &a->base;
    return 0;
}

void ts_source_analyzing_stats(const ts_source *src, uint64_t *lookups,
                               uint64_t *hits, uint64_t *templates)
{
    const analyzing_source *a = (const analyzing_source *)src;
    ts_sql_analyzer_stats st;

    *lookups = *hits = *templates = 0;
    if (src == NULL || src->ops != &analyzing_ops)
        return;
    for (size_t i = 0; i < a->n_analyzers; i++) {
        ts_sql_analyzer_get_stats(a->analyzers[i], &st);
        *lookups += st.lookups;
        *hits += st.hits;
        *templates += st.n_cached;
    }
}
