/* Search: full text and filters over the index, in entry order, walking
 * an index or the full-text doclists in that order so LIMIT stops early. */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "query/query_internal.h"
#include "store/store_internal.h"
#include "trailseal/query.h"
#include "trailseal/redact.h"

#define TS_SEARCH_SQL_MAX 8192
#define TS_SEARCH_TEXT_MAX 4096
/* Longest text a person may type: quoted, it still fits the above. */
#define TS_SEARCH_INPUT_MAX 1024
#define TS_SEARCH_COMMAND_MAX 64
#define TS_SEARCH_DEFAULT_LIMIT 100

void ts_search_query_init(ts_search_query *q)
{
    memset(q, 0, sizeof(*q));
    q->kind = -1;
    q->since_us = INT64_MIN;
    q->until_us = INT64_MAX;
    q->after = -1;
}

/* Appends a fixed piece of SQL: values are always bound, never pasted, so
 * the longest statement is known and fits. */
static void add_sql(char *sql, const char *piece)
{
    size_t len = strlen(sql);
    int n = snprintf(sql + len, TS_SEARCH_SQL_MAX - len, "%s", piece);

    assert(n >= 0 && (size_t)n < TS_SEARCH_SQL_MAX - len);
    (void)n;
}

/* The first and last entry of a session, from its posting lists: a
 * full-text search within one session then reads only that stretch of
 * each doclist. */
static int narrow_by_session(ts_store *store, const char *session_id,
                             int64_t *lo, int64_t *hi, ts_error *err)
{
    static const char *const sql[2] = {
        "SELECT seq FROM ts_postings('session', ?1) ORDER BY seq LIMIT 1",
        "SELECT seq FROM ts_postings('session', ?1)"
        " ORDER BY seq DESC LIMIT 1"};
    int rc = 0;

    for (int i = 0; rc == 0 && i < 2; i++) {
        sqlite3_stmt *st = NULL;
        int step;
        rc = ts_store_prepare(store, sql[i], &st, "searching", err);
        if (rc != 0)
            break;
        sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
        step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            int64_t seq = sqlite3_column_int64(st, 0);
            if (i == 0 && seq > *lo)
                *lo = seq;
            if (i == 1 && seq < *hi)
                *hi = seq;
        } else if (step == SQLITE_DONE) {
            *lo = 1; /* no such session */
            *hi = 0;
        } else {
            rc = ts_store_db_error(store, "searching", err);
        }
        sqlite3_finalize(st);
    }
    return rc;
}

/* The filters an index or posting lists serve, each an equality on one
 * column of events (BY_VALUE: a value's lists, by its
 * HMAC), and the full-text index (BY_TEXT, only ever merged). */
enum {
    BY_ACCOUNT,
    BY_OBJECT,
    BY_SESSION,
    BY_COMMAND,
    BY_KIND,
    BY_DATABASE,
    BY_PRINCIPAL,
    BY_VALUE,
    BY_COUNT,
    BY_TEXT = BY_COUNT,
    BY_ANY = -1
};

/* The equality of each filter on `events e`. The object's is that of
 * layouts before 11; add_equality() writes it for the store's layout. */
static const char *const by_sql[BY_COUNT] = {
    "e.account = :account", "e.object_table = :otail",
    "e.session_id = :session", "e.command = :command", "e.kind = :kind",
    "e.database = :database", "e.principal = :principal",
    /* the value's list of the entry's block (its HMAC: bind_filters) */
    ("EXISTS (SELECT 1 FROM ts_postings('value', :vhmac) p"
     " WHERE p.seq BETWEEN e.seq AND e.seq)")};

/* Index entries a probe reads per filter. */
#define TS_SEARCH_PROBE 1000
/* The posting lists of a filter kept as lists instead of an index
 * (schemas/index.sql, "Posting lists"), as ts_postings() arguments: the
 * field and the value bound; NULL for the others. Walked through
 * ts_postings(), they behave as an index: exact, in entry order, stopping
 * at LIMIT (in a store of a layout before the field's lists, ts_postings()
 * walks the index that layout has). */
static const char *postings_args(int by)
{
    switch (by) {
    case BY_ACCOUNT:
        return "'account', :account";
    case BY_OBJECT:
        return "'object', :otail";
    case BY_VALUE:
        return "'value', :vhmac";
    case BY_COMMAND:
        return "'command', :command";
    case BY_DATABASE:
        return "'database', :database";
    case BY_SESSION:
        return "'session', :session";
    default:
        return NULL;
    }
}

static int has_filter(const ts_search_query *q, int by)
{
    switch (by) {
    case BY_ACCOUNT:
        return q->account != NULL;
    case BY_OBJECT:
        return q->object != NULL;
    case BY_SESSION:
        return q->session_id != NULL;
    case BY_COMMAND:
        return q->command != NULL;
    case BY_DATABASE:
        return q->database != NULL;
    case BY_PRINCIPAL:
        return q->principal != NULL;
    case BY_VALUE:
        return q->value != NULL;
    default:
        return q->kind >= 0;
    }
}

/* What the filters bind besides q's own strings: --object parsed,
 * --command uppercased, the HMAC of --value. */
typedef struct search_values {
    const ts_query_object *object;
    const char *command;
    int64_t vhmac;
} search_values;

static void bind_filters(sqlite3_stmt *st, const ts_search_query *q,
                         const search_values *v)
{
    const ts_query_object *object = v->object;

    ts_query_bind_text(st, ":account", q->account);
    if (q->object) {
        ts_query_bind_text(st, ":otail", object->tail);
        ts_query_bind_text(st, ":ofull", object->full);
    }
    ts_query_bind_text(st, ":database", q->database);
    ts_query_bind_text(st, ":principal", q->principal);
    ts_query_bind_text(st, ":session", q->session_id);
    ts_query_bind_text(st, ":source", q->source);
    if (q->command)
        ts_query_bind_text(st, ":command", v->command);
    if (q->value)
        ts_query_bind_int64(st, ":vhmac", v->vhmac);
    ts_query_bind_int64(st, ":kind", q->kind);
    ts_query_bind_text(st, ":who", q->who);
    ts_query_bind_text(st, ":ikind", q->identity_kind);
    ts_query_bind_text(st, ":column", q->column);
    ts_query_bind_text(st, ":class", q->data_class);
}

/* How to walk: the index of one filter (BY_ANY: SQLite's choice, or the
 * full-text index when there is text), or several indexes merged (an
 * INTERSECT of ordered walks that read the indexes alone) when each is
 * common but they are rarer together. */
typedef struct search_plan {
    int driver;
    unsigned merged;   /* bit (1 << BY_x) per merged index; 0 = none */
    int index_version; /* the store's index layout */
    /* Layout 4, with text: the texts matched hold so many events that
     * their events are found by reading the table in entry order, not by
     * reading their posting lists (events_by_text before layout 7) and
     * sorting. */
    int text_dense;
    /* "Denied" without text: the walk merges the kind index's entries of
     * the two kinds a denial can be (auth failures, errors), intersected
     * with the merged filters; each entry is then checked whole. */
    int denied_kinds;
    /* --column, --class with nothing else to walk: their statements are
     * few enough (probe_templates) to be found from the templates' posting
     * lists and sorted, rather than by reading the table in entry order
     * until the limit. */
    int column_sparse, class_sparse;
} search_plan;

/* Layout 4 keeps the full text of pgAudit records once per distinct text
 * (schemas/index.sql, "Full text"): the events a text query matches are
 * those of events_fts and those whose text_id event_texts_fts matches. */
#define TEXT_IDS_SQL                                                           \
    "(SELECT rowid FROM event_texts_fts WHERE event_texts_fts MATCH :text)"
/* Their events in range, one text after another, from their posting
 * lists. */
#define TEXT_EVENTS_SQL                                                        \
    "SELECT p.seq FROM ts_postings p WHERE p.field = 'text'"                   \
    " AND p.value IN " TEXT_IDS_SQL " AND p.seq BETWEEN :lo AND :hi"

/* Dictionary events in range that a probe counts at most: more, and the
 * walk reads the table in entry order (dense); fewer cost a sort of at
 * most this many entry indexes. */
#define TS_SEARCH_TEXT_PROBE 10000

/* Runs a probe: sql, over q's filters (bound as the search binds them),
 * the entries in :lo .. :hi and at most :n of them; the first two columns
 * of its row into out[0] and out[1] (0 when it has one column). */
static int run_probe(ts_store *store, const char *sql, const ts_search_query *q,
                     const search_values *v, int64_t lo, int64_t hi, int64_t n,
                     int64_t out[2], ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = ts_store_prepare(store, sql, &st, "searching", err);

    if (rc != 0)
        return rc;
    bind_filters(st, q, v);
    ts_query_bind_int64(st, ":lo", lo);
    ts_query_bind_int64(st, ":hi", hi);
    ts_query_bind_int64(st, ":n", n);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out[0] = sqlite3_column_int64(st, 0);
        out[1] = sqlite3_column_count(st) > 1 ? sqlite3_column_int64(st, 1) : 0;
    } else {
        rc = ts_store_db_error(store, "searching", err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Reads the first TS_SEARCH_PROBE entries of filter `by`'s index (or
 * posting lists) in walk order: how many there are and how far apart the
 * first and last lie. */
static int probe(ts_store *store, const ts_search_query *q, int by,
                 const search_values *v, int64_t lo, int64_t hi, int64_t *count,
                 int64_t *reach, ts_error *err)
{
    char sql[512];
    const char *postings = postings_args(by);
    int64_t out[2];
    int rc;

    if (postings != NULL)
        snprintf(sql, sizeof(sql),
                 "SELECT count(*), max(seq) - min(seq) FROM (SELECT p.seq"
                 " FROM ts_postings(%s) p WHERE p.seq BETWEEN :lo AND :hi"
                 " ORDER BY p.seq %s LIMIT :n)",
                 postings, q->oldest_first ? "ASC" : "DESC");
    else
        snprintf(sql, sizeof(sql),
                 "SELECT count(*), max(seq) - min(seq) FROM (SELECT e.seq"
                 " FROM events e WHERE %s AND e.seq BETWEEN :lo AND :hi"
                 " ORDER BY e.seq %s LIMIT :n)",
                 by_sql[by], q->oldest_first ? "ASC" : "DESC");
    rc = run_probe(store, sql, q, v, lo, hi, TS_SEARCH_PROBE, out, err);
    *count = out[0];
    *reach = out[1];
    return rc;
}

/* How many events in range the texts matched hold, up to
 * TS_SEARCH_TEXT_PROBE: at that many the walk reads the table instead. */
static int probe_text(ts_store *store, const ts_buf *fts, int64_t lo,
                      int64_t hi, search_plan *plan, ts_error *err)
{
    static const char sql[] =
        "SELECT count(*) FROM (" TEXT_EVENTS_SQL " LIMIT :n)";
    sqlite3_stmt *st = NULL;
    int rc = ts_store_prepare(store, sql, &st, "searching", err);

    if (rc != 0)
        return rc;
    ts_query_bind_text(st, ":text", (const char *)fts->data);
    ts_query_bind_int64(st, ":lo", lo);
    ts_query_bind_int64(st, ":hi", hi);
    ts_query_bind_int64(st, ":n", TS_SEARCH_TEXT_PROBE);
    if (sqlite3_step(st) == SQLITE_ROW)
        plan->text_dense = sqlite3_column_int64(st, 0) >= TS_SEARCH_TEXT_PROBE;
    else
        rc = ts_store_db_error(store, "searching", err);
    sqlite3_finalize(st);
    return rc;
}

/* Statements of a column or class in range that a probe counts at most:
 * fewer, and they are found from their templates' posting lists and
 * sorted; more, and reading the table in entry order finds the limit's
 * worth soon. */
#define TS_SEARCH_TEMPLATE_PROBE 10000

/* Counts, up to TS_SEARCH_TEMPLATE_PROBE, the events in range of
 * `templates` (TS_QUERY_COLUMN_TEMPLATES or _CLASS_TEMPLATES), plus with
 * `values` those whose values were of the class; *sparse: fewer. */
static int probe_templates(ts_store *store, const ts_search_query *q,
                           const search_values *v, const char *templates,
                           int values, int64_t lo, int64_t hi, int *sparse,
                           ts_error *err)
{
    char sql[1024];
    int64_t out[2];
    int rc;

    snprintf(sql, sizeof(sql),
             "SELECT (SELECT count(*) FROM (SELECT p.seq FROM ts_postings p"
             " WHERE p.field = 'template' AND p.value IN %s"
             " AND p.seq BETWEEN :lo AND :hi LIMIT :n))%s",
             templates,
             values ? " + (SELECT count(*) FROM (SELECT seq"
                      " FROM event_value_classes WHERE class = :class"
                      " AND seq BETWEEN :lo AND :hi LIMIT :n))"
                    : "");
    rc =
        run_probe(store, sql, q, v, lo, hi, TS_SEARCH_TEMPLATE_PROBE, out, err);
    *sparse = rc == 0 && out[0] < TS_SEARCH_TEMPLATE_PROBE;
    return rc;
}

/* Without statistics SQLite cannot tell which of two equalities is rarer
 * ("bob" or "public.customers"), and walking the common one to find the
 * rare rows looks up much of the table. So probe each filter's index: a
 * filter with fewer than TS_SEARCH_PROBE entries in all drives; else the
 * sparse ones (less than one entry in two) are merged, with the full-text
 * index when there is text; else the sparsest drives. */
static int choose_plan(ts_store *store, const ts_search_query *q, int has_text,
                       const search_values *v, int64_t lo, int64_t hi,
                       search_plan *out, ts_error *err)
{
    int64_t count = 0, reach = 0, best_reach = -1, best_count = INT64_MAX;
    unsigned sparse = 0;
    int n = 0, rc = 0;

    out->driver = BY_ANY;
    out->merged = 0;
    for (int by = 0; by < BY_COUNT; by++)
        n += has_filter(q, by);
    if (n + has_text < 2) {
        if (has_text && out->index_version >= 4)
            out->merged = 1u << BY_TEXT;
        /* SQLite cannot pick posting lists itself */
        for (int by = 0; by < BY_COUNT; by++)
            if (has_filter(q, by) && postings_args(by))
                out->driver = by;
        return 0;
    }
    for (int by = 0; rc == 0 && by < BY_COUNT; by++) {
        if (!has_filter(q, by))
            continue;
        rc = probe(store, q, by, v, lo, hi, &count, &reach, err);
        if (rc != 0)
            break;
        if (count < TS_SEARCH_PROBE || reach > 2 * count)
            sparse |= 1u << by;
        if (count < best_count ||
            (count == best_count && count == TS_SEARCH_PROBE &&
             reach > best_reach)) {
            best_count = count;
            best_reach = reach;
            out->driver = by;
        }
    }
    if (rc != 0)
        return rc;
    if (has_text && out->index_version >= 4 && best_count < TS_SEARCH_PROBE) {
        /* Layout 4: a filter with few entries is walked alone and each of
         * them checked for the text (a seek in each full-text index). */
        out->merged = 1u << out->driver;
        out->driver = BY_ANY;
    } else if (has_text) {
        /* Every candidate the full-text walk yields would cost a table
         * lookup to check; merged with the sparse filters' indexes, only
         * the rows that pass them all do. Layout 4 always walks this way
         * (add_text_walk). */
        out->driver = BY_ANY;
        if (sparse != 0 || out->index_version >= 4)
            out->merged = sparse | 1u << BY_TEXT;
    } else if (best_count >= TS_SEARCH_PROBE && (sparse & (sparse - 1)) != 0) {
        out->driver = BY_ANY;
        out->merged = sparse;
    }
    return 0;
}

/* Denied without text (plan->denied_kinds): when nothing or posting lists
 * would drive, the two kinds' walks of the kind index merged, and the
 * driver's lists (if any) intersected with them, find the entries; only
 * those are read. Reading them through the lists alone would fetch each
 * of their events to check the kind, and sort each kind's arm (the vtab
 * orders p.seq, not e.seq). */
static void plan_denied_walk(const ts_search_query *q, int has_text,
                             search_plan *plan)
{
    if (q->outcome != TS_OUTCOME_DENIED || has_text || plan->merged != 0)
        return;
    if (plan->driver != BY_ANY && postings_args(plan->driver) == NULL)
        return;
    plan->denied_kinds = 1;
    if (plan->driver != BY_ANY)
        plan->merged = 1u << plan->driver;
    plan->driver = BY_ANY;
}

/* The events the text matches, in range: events_fts's, and in layout 4
 * those of the matching texts, by their posting lists (then sorted) or,
 * when dense, by reading the table in entry order. */
static void add_text_walk(char *sql, const search_plan *plan)
{
    add_sql(sql, "SELECT rowid FROM events_fts WHERE events_fts MATCH"
                 " :text AND rowid BETWEEN :lo AND :hi");
    if (plan->index_version < 4)
        return;
    add_sql(sql, " UNION ALL ");
    add_sql(sql, plan->text_dense ? "SELECT e.seq FROM events e"
                                    " WHERE +e.text_id IN " TEXT_IDS_SQL
                                    " AND e.seq BETWEEN :lo AND :hi"
                                  : TEXT_EVENTS_SQL);
}

/* The ordered INTERSECT of the merged indexes' walks: entry indexes only,
 * read from the indexes alone. */
static void build_merge_sql(char *sql, const ts_search_query *q,
                            const search_plan *plan)
{
    unsigned merged = plan->merged;

    sql[0] = '\0';
    if (merged & (1u << BY_TEXT)) {
        add_text_walk(sql, plan);
        add_sql(sql, " INTERSECT ");
    }
    if (plan->denied_kinds) /* the kinds of TS_QUERY_DENIED */
        add_sql(sql, "SELECT e.seq FROM events e WHERE e.kind = 6"
                     " AND e.seq BETWEEN :lo AND :hi UNION ALL"
                     " SELECT e.seq FROM events e WHERE e.kind = 7"
                     " AND e.seq BETWEEN :lo AND :hi INTERSECT ");
    for (int by = 0; by < BY_COUNT; by++) {
        const char *postings = postings_args(by);
        if (!(merged & (1u << by)))
            continue;
        if (postings != NULL) {
            add_sql(sql, "SELECT p.seq FROM ts_postings(");
            add_sql(sql, postings);
            add_sql(sql, ") p WHERE p.seq BETWEEN :lo AND :hi INTERSECT ");
            continue;
        }
        add_sql(sql, "SELECT e.seq FROM events e WHERE ");
        add_sql(sql, by_sql[by]);
        add_sql(sql, " AND e.seq BETWEEN :lo AND :hi INTERSECT ");
    }
    sql[strlen(sql) - strlen(" INTERSECT ")] = '\0';
    add_sql(sql, q->oldest_first ? " ORDER BY 1" : " ORDER BY 1 DESC");
}

/* Appends the equality for `by`; a unary + keeps SQLite from walking its
 * index when another filter drives. The object's table part is in
 * event_texts for an event of a text from layout 11. */
static void add_equality(char *sql, int by, const search_plan *plan)
{
    int driver = plan->driver;

    add_sql(sql, driver != BY_ANY && driver != by ? " AND +" : " AND ");
    if (by == BY_OBJECT && plan->index_version >= 11) {
        add_sql(sql, ts_query_object_table_sql(plan->index_version));
        add_sql(sql, " = :otail");
    } else
        add_sql(sql, by_sql[by]);
}

/* 1 when plan's driver is a filter kept as posting lists. */
static int walks_postings(const search_plan *plan)
{
    return plan->driver != BY_ANY && postings_args(plan->driver) != NULL;
}

/* Appends the conditions of q but its outcome to sql (after a WHERE), with
 * the equality of plan's driver walking its index. checks_rows: each row
 * is found by entry index (build_row_sql), the statement run once per
 * row. */
static void add_conditions(char *sql, const ts_search_query *q, int has_text,
                           const search_plan *plan, int checks_rows)
{
    int driver = plan->driver;
    int others_drive = checks_rows || has_text || driver != BY_ANY;

    /* A posting-list walk has its range in the join already. */
    add_sql(sql, has_text ? " events_fts.rowid BETWEEN :lo AND :hi"
                 : walks_postings(plan) ? " +e.seq BETWEEN :lo AND :hi"
                                        : " e.seq BETWEEN :lo AND :hi");
    for (int by = 0; by < BY_COUNT; by++)
        if (has_filter(q, by))
            add_equality(sql, by, plan);
    if (q->object && strchr(q->object, '.')) {
        add_sql(sql, " AND lower(");
        add_sql(sql, ts_query_object_name_sql(plan->index_version));
        add_sql(sql, ") = :ofull");
    }
    if (q->source)
        add_sql(sql,
                " AND e.source_id IN (SELECT id FROM sources"
                " WHERE name = :source"
                " OR substr(name, -length(:source) - 1) = '/' || :source)");
    if (q->since_us != INT64_MIN)
        add_sql(sql, " AND e.time_us >= :since");
    if (q->until_us != INT64_MAX)
        add_sql(sql, " AND e.time_us < :until");
    /* With something else driving, each row is checked, and SQLite kept
     * from walking the identities' sessions and accounts' lists; else they
     * may drive. */
    if (q->who)
        add_sql(sql, others_drive ? " AND " TS_QUERY_WHO_MATCH("+e.")
                                  : " AND " TS_QUERY_WHO_EVENTS);
    if (q->identity_kind)
        add_sql(sql, others_drive ? " AND " TS_QUERY_KIND_MATCH("+e.")
                                  : " AND " TS_QUERY_KIND_EVENTS);
    if (q->column)
        add_sql(sql, plan->column_sparse && !others_drive
                         ? " AND " TS_QUERY_COLUMN_EVENTS
                         : " AND " TS_QUERY_COLUMN_MATCH);
    if (q->data_class)
        add_sql(sql, plan->class_sparse && !others_drive
                         ? " AND " TS_QUERY_CLASS_EVENTS
                         : " AND " TS_QUERY_CLASS_MATCH);
}

/* The events, after a FROM and up to the conditions: walked in entry
 * order by the driver's posting lists as `p` joined to `e`, or `e` alone
 * (an index SQLite picks, or the table). Ends in WHERE or AND. */
static void add_events_walk(char *sql, const search_plan *plan)
{
    if (!walks_postings(plan)) {
        add_sql(sql, "events e WHERE");
        return;
    }
    add_sql(sql, "ts_postings(");
    add_sql(sql, postings_args(plan->driver));
    add_sql(sql, ") p CROSS JOIN events e ON e.seq = p.seq"
                 " WHERE p.seq BETWEEN :lo AND :hi AND");
}

/* Builds the statement for q. With text, the full-text index drives the
 * walk (rowid order) and each candidate is checked against the filters;
 * without, the driver's index (or SQLite's pick) does, and as every index
 * ends in seq the walk is already in order. "Denied" is two kinds of
 * event: two walks of the driver's index, one per kind, merged in order
 * (UNION ALL with an ORDER BY streams). Without a driver, or with posting
 * lists driving, the merged walk reads the kind index instead
 * (plan_denied_walk). */
static void build_sql(char *sql, const ts_search_query *q, int has_text,
                      const search_plan *plan)
{
    const char *order =
        q->oldest_first ? " LIMIT :limit" : " DESC LIMIT :limit";

    snprintf(sql, TS_SEARCH_SQL_MAX, "SELECT %s FROM ", TS_QUERY_ROW_COLUMNS);
    if (has_text) {
        add_sql(sql, "events_fts CROSS JOIN events e"
                     " ON e.seq = events_fts.rowid"
                     " WHERE events_fts MATCH :text AND");
        add_conditions(sql, q, has_text, plan, 0);
    } else {
        add_events_walk(sql, plan);
        add_conditions(sql, q, has_text, plan, 0);
    }
    if (q->outcome == TS_OUTCOME_OK)
        add_sql(sql, " AND " TS_QUERY_OK);
    else if (q->outcome == TS_OUTCOME_ERROR)
        add_sql(sql, " AND " TS_QUERY_ERROR);
    else if (q->outcome == TS_OUTCOME_DENIED && has_text)
        add_sql(sql, " AND " TS_QUERY_DENIED);
    if (q->outcome == TS_OUTCOME_DENIED && !has_text) {
        add_sql(sql, " AND e.kind = 6 UNION ALL SELECT " TS_QUERY_ROW_COLUMNS
                     " FROM ");
        add_events_walk(sql, plan);
        add_conditions(sql, q, has_text, plan, 0);
        add_sql(sql, " AND " TS_QUERY_DENIED_ERROR " ORDER BY 1");
    } else {
        add_sql(sql, " ORDER BY ");
        add_sql(sql, has_text               ? "events_fts.rowid"
                     : walks_postings(plan) ? "p.seq"
                                            : "e.seq");
    }
    add_sql(sql, order);
}

/* Checks one entry, found by the merged walk, against all of q: the text
 * too when the walk did not follow it. */
static void build_row_sql(char *sql, const ts_search_query *q, int has_text,
                          const search_plan *plan)
{
    search_plan any = *plan;

    any.driver = BY_ANY;
    snprintf(sql, TS_SEARCH_SQL_MAX,
             "SELECT %s FROM events e WHERE e.seq = :seq AND",
             TS_QUERY_ROW_COLUMNS);
    add_conditions(sql, q, 0, &any, 1);
    if (has_text && plan->index_version >= 4 &&
        !(plan->merged & (1u << BY_TEXT)))
        add_sql(sql, " AND (EXISTS (SELECT 1 FROM event_texts_fts"
                     " WHERE event_texts_fts MATCH :text"
                     " AND event_texts_fts.rowid = e.text_id)"
                     " OR EXISTS (SELECT 1 FROM events_fts"
                     " WHERE events_fts MATCH :text"
                     " AND events_fts.rowid = e.seq))");
    if (q->outcome == TS_OUTCOME_OK)
        add_sql(sql, " AND " TS_QUERY_OK);
    else if (q->outcome == TS_OUTCOME_ERROR)
        add_sql(sql, " AND " TS_QUERY_ERROR);
    else if (q->outcome == TS_OUTCOME_DENIED)
        add_sql(sql, " AND " TS_QUERY_DENIED);
}

static void bind_all(sqlite3_stmt *st, const ts_search_query *q,
                     const search_values *v, const ts_buf *fts, int64_t lo,
                     int64_t hi)
{
    if (fts->len > 0)
        ts_query_bind_text(st, ":text", (const char *)fts->data);
    ts_query_bind_int64(st, ":lo", lo);
    ts_query_bind_int64(st, ":hi", hi);
    bind_filters(st, q, v);
    ts_query_bind_int64(st, ":since", q->since_us);
    ts_query_bind_int64(st, ":until", q->until_us);
    ts_query_bind_int64(st, ":limit",
                        q->limit ? (int64_t)q->limit : TS_SEARCH_DEFAULT_LIMIT);
}

/* Uppercases an ASCII command name into buf. */
static int upper_command(const char *command, char *buf, size_t size,
                         ts_error *err)
{
    size_t len = strlen(command);

    if (len == 0 || len >= size)
        return ts_error_set(err, TS_EINVAL, "'%s': not a command name",
                            command);
    for (size_t i = 0; i <= len; i++)
        buf[i] = (char)toupper((unsigned char)command[i]);
    return 0;
}

/* What event_value_hmacs holds for value. */
static int value_hmac(ts_store *store, const char *value, int64_t *out,
                      ts_error *err)
{
    uint8_t key[TS_VALUE_KEY_SIZE];
    ts_value_hasher *h = NULL;
    int rc = ts_store_value_key(store, key, err);

    if (rc == 0)
        rc = ts_value_hasher_new(&h, key, err);
    if (rc == 0)
        rc = ts_value_hmac64(h, value, strlen(value), out, err);
    ts_value_hasher_free(h);
    memset(key, 0, sizeof(key));
    if (rc == TS_EINVAL)
        ts_error_set(err, TS_EINVAL,
                     "--value needs the store's key file: values are found "
                     "by their HMAC under it");
    return rc;
}

int ts_search(ts_store *store, const ts_search_query *q, ts_search_fn fn,
              void *ctx, size_t *out_n, ts_error *err)
{
    char sql[TS_SEARCH_SQL_MAX], command[TS_SEARCH_COMMAND_MAX];
    int64_t lo = 0, hi = INT64_MAX;
    int has_text = q->text != NULL && *q->text != '\0';
    sqlite3_stmt *st = NULL;
    ts_query_object object;
    ts_buf fts;
    size_t n = 0;
    size_t limit = q->limit ? q->limit : TS_SEARCH_DEFAULT_LIMIT;
    sqlite3_stmt *seqs = NULL;
    search_plan plan = {BY_ANY, 0, store->index_version, 0, 0, 0, 0};
    search_values values = {&object, command, 0};
    int rc = 0, step = SQLITE_DONE, alone;

    if (out_n)
        *out_n = 0;
    ts_buf_init(&fts, TS_SEARCH_TEXT_MAX);
    if (q->after < -1)
        rc = ts_error_set(err, TS_EINVAL, "after: not an entry index");
    if (rc == 0 && q->object)
        rc = ts_query_object_parse(&object, q->object, err);
    if (rc == 0 && q->command)
        rc = upper_command(q->command, command, sizeof(command), err);
    if (rc == 0 && q->who)
        rc = ts_query_identity_check(store, q->who, err);
    if (rc == 0 && q->identity_kind &&
        !ts_identity_kind_valid(q->identity_kind))
        rc = ts_error_set(err, TS_EINVAL,
                          "'%s' is not an identity kind (human, agent, "
                          "service)",
                          q->identity_kind);
    if (rc == 0 && q->column)
        rc = ts_query_column_check(q->column, err);
    if (rc == 0 && q->data_class)
        rc = ts_query_class_check(store, q->data_class, err);
    if (rc == 0 && q->value)
        rc = value_hmac(store, q->value, &values.vhmac, err);
    if (rc == 0 && has_text && strlen(q->text) > TS_SEARCH_INPUT_MAX)
        rc = ts_error_set(err, TS_EINVAL, "search text is longer than %d bytes",
                          TS_SEARCH_INPUT_MAX);
    if (rc == 0 && has_text)
        rc = ts_query_fts_text(q->text, &fts, err);
    if (rc == 0 && has_text)
        rc = ts_query_fts_check(store, q->text, (const char *)fts.data, err);
    if (rc == 0 && q->after >= 0) {
        if (!q->oldest_first)
            hi = q->after - 1;
        else if (q->after < INT64_MAX)
            lo = q->after + 1;
        else
            hi = -1; /* nothing comes after the last possible entry */
    }
    if (rc == 0)
        rc = ts_query_narrow_by_time(store, q->since_us, q->until_us, &lo, &hi,
                                     err);
    if (rc == 0 && has_text && q->session_id)
        rc = narrow_by_session(store, q->session_id, &lo, &hi, err);
    if (rc != 0 || lo > hi)
        goto cleanup;

    rc = choose_plan(store, q, has_text, &values, lo, hi, &plan, err);
    if (rc != 0)
        goto cleanup;
    /* Only a walk of the text needs how many events it matches. */
    if (plan.merged & (1u << BY_TEXT) && plan.index_version >= 4)
        rc = probe_text(store, &fts, lo, hi, &plan, err);
    if (rc != 0)
        goto cleanup;
    plan_denied_walk(q, has_text, &plan);
    /* Nothing else walks: how many statements the column or class has. */
    alone = !has_text && plan.driver == BY_ANY && !plan.merged &&
            !plan.denied_kinds;
    if (alone && q->column)
        rc = probe_templates(store, q, &values, TS_QUERY_COLUMN_TEMPLATES, 0,
                             lo, hi, &plan.column_sparse, err);
    if (rc == 0 && alone && q->data_class)
        rc = probe_templates(store, q, &values, TS_QUERY_CLASS_TEMPLATES, 1, lo,
                             hi, &plan.class_sparse, err);
    if (rc != 0)
        goto cleanup;
    if (plan.merged || plan.denied_kinds) {
        build_merge_sql(sql, q, &plan);
        rc = ts_store_prepare(store, sql, &seqs, "searching", err);
        build_row_sql(sql, q, has_text, &plan);
    } else {
        build_sql(sql, q, has_text, &plan);
    }
    if (rc == 0)
        rc = ts_store_prepare(store, sql, &st, "searching", err);
    if (rc != 0)
        goto cleanup;
    bind_all(st, q, &values, &fts, lo, hi);
    if (seqs != NULL) {
        bind_all(seqs, q, &values, &fts, lo, hi);
    }

    for (;;) {
        ts_search_row row;
        if (seqs != NULL) {
            /* Next entry of the merged walk, then check it whole. */
            if (n >= limit || (step = sqlite3_step(seqs)) != SQLITE_ROW)
                break;
            sqlite3_reset(st);
            ts_query_bind_int64(st, ":seq", sqlite3_column_int64(seqs, 0));
        }
        step = sqlite3_step(st);
        if (step == SQLITE_DONE && seqs != NULL)
            continue;
        if (step != SQLITE_ROW)
            break;
        ts_query_read_row(st, &row);
        n++;
        if (fn(ctx, &row) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        rc = ts_store_db_error(store, "searching", err);

cleanup:
    sqlite3_finalize(st);
    sqlite3_finalize(seqs);
    ts_buf_release(&fts);
    if (out_n)
        *out_n = n;
    return rc;
}
