/* The analyzer: templates each statement, and parses and walks each
 * distinct template once, keeping the result in a hash table keyed by the
 * template's fingerprint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/sql_internal.h"

/* Past this many templates the cache starts over: a workload with more
 * distinct statements than this is not one a cache helps. */
#define TS_SQL_CACHE_MAX 65536

struct ts_sql_analyzer {
    const ts_catalog *catalog;
    ts_catalog *own_catalog; /* the empty one, when none was given */
    ts_sql_analysis **slots; /* open addressing, power-of-two size */
    size_t n_slots;
    size_t n_used;
    ts_sql_analyzer_stats stats;
};

const char *ts_sql_class_name(ts_sql_class cls)
{
    switch (cls) {
    case TS_SQL_CLASS_READ:
        return "read";
    case TS_SQL_CLASS_WRITE:
        return "write";
    case TS_SQL_CLASS_DDL:
        return "ddl";
    case TS_SQL_CLASS_ROLE:
        return "role";
    case TS_SQL_CLASS_MISC:
        return "misc";
    case TS_SQL_CLASS_UNKNOWN:
        break;
    }
    return "unknown";
}

/* Frees what a walk found; a is as before the walk. */
static void walk_results_release(ts_sql_analysis *a)
{
    free(a->command);
    free(a->error);
    ts_sql_names_release(&a->tables_read);
    ts_sql_names_release(&a->tables_written);
    ts_sql_names_release(&a->columns_read);
    ts_sql_names_release(&a->columns_written);
    ts_sql_names_release(&a->tables_changed);
    ts_sql_names_release(&a->flows);
    a->command = a->error = NULL;
    a->cls = TS_SQL_CLASS_UNKNOWN;
}

static void analysis_free(ts_sql_analysis *a)
{
    if (a == NULL)
        return;
    free(a->template_text);
    walk_results_release(a);
    free(a);
}

static void cache_clear(ts_sql_analyzer *an)
{
    size_t i;

    for (i = 0; i < an->n_slots; i++) {
        analysis_free(an->slots[i]);
        an->slots[i] = NULL;
    }
    an->n_used = 0;
}

int ts_sql_analyzer_new(ts_sql_analyzer **out, const ts_catalog *catalog,
                        ts_error *err)
{
    ts_sql_analyzer *an = calloc(1, sizeof(*an));
    int rc;

    *out = NULL;
    if (an == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    an->n_slots = 1024;
    an->slots = calloc(an->n_slots, sizeof(*an->slots));
    if (an->slots == NULL) {
        free(an);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    an->catalog = catalog;
    if (catalog == NULL) {
        rc = ts_catalog_new(&an->own_catalog, err);
        if (rc != 0) {
            ts_sql_analyzer_free(an);
            return rc;
        }
        an->catalog = an->own_catalog;
    }
    *out = an;
    return 0;
}

void ts_sql_analyzer_free(ts_sql_analyzer *an)
{
    if (an == NULL)
        return;
    cache_clear(an);
    free(an->slots);
    ts_catalog_free(an->own_catalog);
    free(an);
}

void ts_sql_analyzer_get_stats(const ts_sql_analyzer *an,
                               ts_sql_analyzer_stats *out)
{
    *out = an->stats;
    out->n_cached = an->n_used;
}

/* The slot holding template t, or the empty slot where it belongs. */
static size_t find_slot(const ts_sql_analyzer *an, uint64_t fp, const char *t)
{
    size_t mask = an->n_slots - 1, i = (size_t)fp & mask;

    while (an->slots[i] != NULL && (an->slots[i]->fingerprint != fp ||
                                    strcmp(an->slots[i]->template_text, t)))
        i = (i + 1) & mask;
    return i;
}

static int grow(ts_sql_analyzer *an, ts_error *err)
{
    ts_sql_analysis **old = an->slots;
    size_t n_old = an->n_slots, i;

    an->slots = calloc(n_old * 2, sizeof(*an->slots));
    if (an->slots == NULL) {
        an->slots = old;
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    an->n_slots = n_old * 2;
    for (i = 0; i < n_old; i++)
        if (old[i] != NULL)
            an->slots[find_slot(an, old[i]->fingerprint,
                                old[i]->template_text)] = old[i];
    free(old);
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Longest statement given to libpg_query, after its lists of constants
 * are shortened (sql_collapse.c): the parse tree as JSON and jansson's
 * tree of it take about 240 bytes a byte (a 0.9 MB chain of ORs: 256 MB),
 * so a longer one gets no walk, and says so in its error. */
#define TS_SQL_WALK_MAX ((size_t)1 << 20)

/* ts_sql_walk() of text (len bytes), or the error of a text too long. */
static int walk_text(ts_sql_analysis *a, const char *text, size_t len,
                     const ts_catalog *catalog, ts_error *err)
{
    char msg[160];

    if (len <= TS_SQL_WALK_MAX)
        return ts_sql_walk(a, text, catalog, err);
    snprintf(msg, sizeof(msg),
             "statement of %zu bytes (lists of constants shortened) is longer"
             " than the %zu bytes the parser is given",
             len, TS_SQL_WALK_MAX);
    a->cls = TS_SQL_CLASS_UNKNOWN;
    a->command = strdup("UNKNOWN");
    a->error = strdup(msg);
    if (a->command == NULL || a->error == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    return 0;
}

/* ts_sql_walk() of sql, its lists of constants shortened when it is long
 * (sql_collapse.c). A statement that libpg_query refuses so is walked
 * whole when it is short enough, so that the error's offset is one in the
 * statement (else it is one in the shortened statement). */
static int walk(ts_sql_analysis *a, const char *sql, const ts_catalog *catalog,
                ts_error *err)
{
    size_t len = strlen(sql);
    char *shorter = NULL;
    int rc = ts_sql_values_collapse(sql, len, TS_SQL_PG, NULL, &shorter, err);

    if (rc != 0 || shorter == NULL)
        return rc != 0 ? rc : walk_text(a, sql, len, catalog, err);
    rc = walk_text(a, shorter, strlen(shorter), catalog, err);
    free(shorter);
    if (rc != 0 || a->error == NULL || len > TS_SQL_WALK_MAX)
        return rc;
    walk_results_release(a);
    return ts_sql_walk(a, sql, catalog, err);
}

int ts_sql_analyze(ts_sql_analyzer *an, const char *sql, size_t len,
                   ts_sql_dialect dialect, const ts_sql_analysis **out,
                   ts_error *err)
{
    ts_sql_analysis *a = NULL;
    char *template_text = NULL, *text = NULL, *full = NULL;
    uint64_t fp, start;
    size_t slot;
    int rc;

    *out = NULL;
    rc = ts_sql_template(&full, &fp, sql, len, dialect, err);
    /* a long one's lists shortened and marked: a bulk load of any batch
     * size, an IN list of any length, is one template. A template holds no
     * literal, only $n, which the PostgreSQL lexer reads as values in
     * either dialect. */
    if (rc == 0)
        rc = ts_sql_values_collapse(full, strlen(full), TS_SQL_PG,
                                    TS_SQL_SHORTENED_MARK, &template_text, err);
    if (rc != 0) {
        free(full);
        return rc;
    }
    if (template_text != NULL) {
        fp = ts_sql_fingerprint(template_text, strlen(template_text));
        free(full);
    } else {
        template_text = full;
    }
    an->stats.lookups++;
    slot = find_slot(an, fp, template_text);
    if (an->slots[slot] != NULL) {
        an->stats.hits++;
        free(template_text);
        *out = an->slots[slot];
        return 0;
    }
    start = now_ns();
    a = calloc(1, sizeof(*a));
    /* MySQL's is walked from its template (the rewrite drops the mark, a
     * comment) */
    text = dialect == TS_SQL_MYSQL ? ts_sql_mysql_to_pg(template_text, err)
                                   : strndup(sql, len);
    if (a == NULL || text == NULL) {
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        goto out_fail;
    }
    a->template_text = template_text;
    template_text = NULL;
    a->fingerprint = fp;
    rc = walk(a, text, an->catalog, err);
    if (rc != 0)
        goto out_fail;
    free(text);
    an->stats.parses++;
    an->stats.parse_ns += now_ns() - start;
    if (an->n_used >= TS_SQL_CACHE_MAX)
        cache_clear(an);
    if ((an->n_used + 1) * 2 > an->n_slots && grow(an, err) != 0) {
        analysis_free(a);
        return TS_ENOMEM;
    }
    slot = find_slot(an, fp, a->template_text);
    an->slots[slot] = a;
    an->n_used++;
    *out = a;
    return 0;

out_fail:
    free(text);
    free(template_text);
    analysis_free(a);
    return rc;
}
