/* Testing one control: its population query with the exception rules as
 * extra columns, streamed once into the population CSV (hashed) and its
 * sheet; for the sample lane each row's item also goes to a spool file, from
 * which the sample is drawn once the hash (and so the seed) is known.
 * Memory stays flat in the population's size. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "trailseal/time.h"

const char *ts_control_status_name(ts_control_status status)
{
    switch (status) {
    case TS_STATUS_NOT_OCCURRING:
        return "not occurring";
    case TS_STATUS_EFFECTIVE:
        return "effective";
    case TS_STATUS_WITH_EXCEPTIONS:
        return "effective with exceptions";
    case TS_STATUS_INEFFECTIVE:
        return "ineffective";
    }
    return "unknown";
}

static void items_free(ts_control_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].item);
        free(items[i].reasons);
    }
    free(items);
}

void ts_control_result_release(ts_control_result *r)
{
    ts_exception_spool_close(&r->exceptions);
    items_free(r->samples, r->n_samples);
    r->samples = NULL;
    r->n_exceptions = r->n_samples = 0;
}

/* SELECT p.*, <rule 1>, <rule 2>... FROM (<population>) AS p */
static int build_sql(const ts_control *c, ts_buf *sql, ts_error *err)
{
    static const char head[] = "SELECT p.*";
    int rc = ts_buf_append(sql, head, sizeof(head) - 1, err);

    for (size_t i = 0; rc == 0 && i < c->n_assertions; i++) {
        static const char pre[] = ",\n  CASE WHEN (",
                          post[] = ") THEN 1 ELSE 0 END";
        rc = ts_buf_append(sql, pre, sizeof(pre) - 1, err);
        if (rc == 0)
            rc = ts_buf_append(sql, c->assertions[i].when,
                               strlen(c->assertions[i].when), err);
        if (rc == 0)
            rc = ts_buf_append(sql, post, sizeof(post) - 1, err);
    }
    if (rc == 0)
        rc = ts_buf_append(sql, "\nFROM (\n", 8, err);
    if (rc == 0) { /* without a trailing ';' that would end the wrapper */
        size_t len = strlen(c->population);
        while (len > 0 && strchr(" \t\r\n;", c->population[len - 1]))
            len--;
        rc = ts_buf_append(sql, c->population, len, err);
    }
    if (rc == 0)
        rc = ts_buf_append(sql, "\n) AS p", 7, err);
    if (rc == 0)
        rc = ts_buf_terminate(sql, err);
    return rc;
}

static int only_space(const char *p)
{
    for (; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ';')
            return 0;
    return 1;
}

int ts_control_param_integer(const ts_control_param *p, int64_t *out)
{
    char *end;
    long long v = strtoll(p->value, &end, 10);

    if (p->is_list || *end != '\0' || end == p->value)
        return 0;
    *out = (int64_t)v;
    return 1;
}

static int bind_one(const ts_control_env *env, const ts_control *c,
                    sqlite3_stmt *stmt, int i, const char *name, ts_error *err)
{
    const char *key = name + 1;
    int64_t builtin_int[] = {env->since_us, env->until_us, env->min_seq,
                             env->max_seq};
    const char *const int_names[] = {"since", "until", "min_seq", "max_seq"};
    const char *const text_names[] = {"period",          "verdict",
                                      "personal_tables", "classified_columns",
                                      "class_allowed",   "class_tables"};
    const char *text_values[] = {env->period,          env->verdict,
                                 env->personal_tables, env->classified_columns,
                                 env->class_allowed,   env->class_tables};

    if (name[0] != ':')
        return ts_error_set(err, TS_EINVAL,
                            "control %s: population uses parameter '%s': "
                            "write parameters as :name",
                            c->id, name);
    for (size_t j = 0; j < sizeof(int_names) / sizeof(int_names[0]); j++)
        if (strcmp(key, int_names[j]) == 0)
            return sqlite3_bind_int64(stmt, i, builtin_int[j]) == SQLITE_OK
                       ? 0
                       : ts_error_set(err, TS_EDB, "control %s: bind", c->id);
    for (size_t j = 0; j < sizeof(text_names) / sizeof(text_names[0]); j++)
        if (strcmp(key, text_names[j]) == 0)
            return sqlite3_bind_text(stmt, i, text_values[j], -1,
                                     SQLITE_STATIC) == SQLITE_OK
                       ? 0
                       : ts_error_set(err, TS_EDB, "control %s: bind", c->id);
    for (size_t j = 0; j < c->n_params; j++) {
        const ts_control_param *p = &c->params[j];
        int64_t v;
        if (strcmp(key, p->name) != 0)
            continue;
        if (ts_control_param_integer(p, &v))
            sqlite3_bind_int64(stmt, i, (sqlite3_int64)v);
        else
            sqlite3_bind_text(stmt, i, p->value, -1, SQLITE_STATIC);
        return 0;
    }
    return ts_error_set(
        err, TS_EINVAL,
        "control %s: population uses %s, which is neither "
        "a built-in parameter (since, until, min_seq, max_seq, "
        "period, verdict, personal_tables, "
        "classified_columns, class_allowed, class_tables) nor one of its "
        "parameters",
        c->id, name);
}

int ts_control_prepare(const ts_control_env *env, const ts_control *c,
                       sqlite3_stmt **out, ts_error *err)
{
    ts_buf sql;
    const char *tail = NULL;
    int rc, n;

    ts_buf_init(&sql, TS_CONTROLS_MAX_SQL * 2 + 4096);
    /* the population alone first: one read-only statement, else a clear
     * message rather than the wrapper's syntax error */
    if (sqlite3_prepare_v2(env->db, c->population, -1, out, &tail) !=
        SQLITE_OK) {
        rc = ts_error_set(err, TS_EINVAL, "%s: control %s: population: %s",
                          env->controls->path, c->id, sqlite3_errmsg(env->db));
        goto out;
    }
    /* SQLite calls ATTACH, DETACH, BEGIN and the like read-only too; they
     * are the read-only statements that return no columns */
    if (*out == NULL || !only_space(tail) || !sqlite3_stmt_readonly(*out) ||
        sqlite3_column_count(*out) == 0) {
        rc = ts_error_set(err, TS_EINVAL,
                          "%s: control %s: population must be one read-only "
                          "SELECT",
                          env->controls->path, c->id);
        goto out;
    }
    sqlite3_finalize(*out);
    *out = NULL;
    rc = build_sql(c, &sql, err);
    if (rc != 0)
        goto out;
    if (sqlite3_prepare_v2(env->db, (const char *)sql.data, -1, out, &tail) !=
        SQLITE_OK) {
        rc = ts_error_set(err, TS_EINVAL, "%s: control %s: exception rule: %s",
                          env->controls->path, c->id, sqlite3_errmsg(env->db));
        goto out;
    }
    if (*out == NULL || !only_space(tail) || !sqlite3_stmt_readonly(*out)) {
        rc = ts_error_set(err, TS_EINVAL,
                          "%s: control %s: population must be one read-only "
                          "SELECT",
                          env->controls->path, c->id);
        goto out;
    }
    n = sqlite3_bind_parameter_count(*out);
    for (int i = 1; rc == 0 && i <= n; i++) {
        const char *name = sqlite3_bind_parameter_name(*out, i);
        rc = bind_one(env, c, *out, i, name ? name : "?", err);
    }
out:
    ts_buf_release(&sql);
    if (rc != 0) {
        sqlite3_finalize(*out);
        *out = NULL;
    }
    return rc;
}

/* Where the population's special columns are, -1 when absent. */
typedef struct columns {
    int n;     /* population columns (the rules follow) */
    int entry; /* entry_index */
    int item;  /* item, else 0 */
    int time;  /* time_us */
} columns;

static columns find_columns(const ts_row_reader *rows, const ts_control *c)
{
    columns k = {ts_row_reader_columns(rows) - (int)c->n_assertions, -1, 0, -1};
    int have_item = 0;

    for (int i = 0; i < k.n; i++) {
        const char *name = ts_row_reader_name(rows, i);
        if (name == NULL)
            continue;
        if (strcmp(name, "entry_index") == 0)
            k.entry = i;
        else if (strcmp(name, "time_us") == 0)
            k.time = i;
        else if (strcmp(name, "item") == 0 && !have_item) {
            k.item = i;
            have_item = 1;
        }
    }
    return k;
}

/* A sheet shows the population's first columns (the CSV has them all)
 * and the exception column after them. */
#define SHEET_MAX_COLS 63

static int is_time_column(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    return len > 3 && strcmp(name + len - 3, "_us") == 0;
}

static int sheet_header(const ts_control_env *env, ts_sheet *sheet,
                        const ts_row_reader *rows, const columns *k,
                        ts_error *err);

static int write_header(const ts_control_env *env, ts_csv *csv, ts_sheet *sheet,
                        const ts_row_reader *rows, const columns *k,
                        ts_error *err)
{
    int rc = 0;

    for (int i = 0; rc == 0 && i < k->n; i++)
        rc = ts_csv_field(csv, ts_row_reader_name(rows, i), err);
    if (rc == 0)
        rc = ts_csv_end_row(csv, err);
    if (rc != 0 || sheet == NULL)
        return rc;
    return sheet_header(env, sheet, rows, k, err);
}

static int sheet_header(const ts_control_env *env, ts_sheet *sheet,
                        const ts_row_reader *rows, const columns *k,
                        ts_error *err)
{
    ts_sheet_col cols[SHEET_MAX_COLS + 1];
    int n = k->n < SHEET_MAX_COLS ? k->n : SHEET_MAX_COLS;

    for (int i = 0; i < n; i++) {
        const char *name = ts_row_reader_name(rows, i);
        cols[i].title = name ? name : "";
        cols[i].kind = TS_COL_TEXT;
        cols[i].width =
            is_time_column(name) ? 24
            : (name && (strstr(name, "statement") || strstr(name, "query")))
                ? 60
                : 16;
    }
    cols[n].title = "exception";
    cols[n].width = 40;
    cols[n].kind = TS_COL_TEXT;
    return ts_sheet_header(env->x, sheet, cols, (size_t)n + 1, err);
}

static int write_sheet_row(const ts_control_env *env, ts_sheet *sheet,
                           const ts_row_reader *rows, const columns *k,
                           const int *time_cols, const char *reasons,
                           ts_error *err)
{
    int n = k->n < SHEET_MAX_COLS ? k->n : SHEET_MAX_COLS;
    char when[40];
    int rc = 0;

    if (!ts_sheet_row(sheet))
        return 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        int type = ts_row_reader_type(rows, i);
        if (type == SQLITE_NULL)
            continue;
        if (type == SQLITE_INTEGER && time_cols[i])
            rc = ts_sheet_text(env->x, sheet, (lxw_col_t)i,
                               ts_time_format(ts_row_reader_int64(rows, i),
                                              when, sizeof(when)),
                               NULL, err);
        else if (type == SQLITE_INTEGER || type == SQLITE_FLOAT)
            rc = ts_sheet_number(env->x, sheet, (lxw_col_t)i,
                                 ts_row_reader_double(rows, i), NULL, err);
        else
            rc = ts_sheet_text(env->x, sheet, (lxw_col_t)i,
                               ts_row_reader_text(rows, i), NULL, err);
    }
    if (rc == 0 && reasons != NULL)
        rc = ts_sheet_text(env->x, sheet, (lxw_col_t)n, reasons, NULL, err);
    return rc;
}

static long find_waiver(const ts_controls *cs, const ts_control *c,
                        const char *item, int64_t until_us)
{
    int64_t at = until_us == INT64_MAX ? ts_time_now() : until_us;

    for (size_t i = 0; i < cs->n_waivers; i++) {
        const ts_waiver *w = &cs->waivers[i];
        if (strcmp(w->control, c->id) == 0 && w->expires_us >= at &&
            fnmatch(w->item, item ? item : "", 0) == 0)
            return (long)i;
    }
    return -1;
}

static int64_t item_entry(const ts_row_reader *rows, const columns *k)
{
    return k->entry >= 0 && ts_row_reader_type(rows, k->entry) == SQLITE_INTEGER
               ? ts_row_reader_int64(rows, k->entry)
               : -1;
}

static int64_t item_time(const ts_row_reader *rows, const columns *k)
{
    return k->time >= 0 && ts_row_reader_type(rows, k->time) == SQLITE_INTEGER
               ? ts_row_reader_int64(rows, k->time)
               : INT64_MIN;
}

static const char *item_label(const ts_row_reader *rows, const columns *k)
{
    const char *label = ts_row_reader_text(rows, k->item);
    return label ? label : "";
}

static int fill_item(ts_control_item *it, uint64_t row,
                     const ts_row_reader *rows, const columns *k,
                     const char *reasons, ts_error *err)
{
    memset(it, 0, sizeof(*it));
    it->row = row;
    it->waiver = -1;
    it->entry_index = item_entry(rows, k);
    it->time_us = item_time(rows, k);
    it->item = strdup(item_label(rows, k));
    it->reasons = reasons ? strdup(reasons) : NULL;
    if (it->item == NULL || (reasons != NULL && it->reasons == NULL))
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    return 0;
}

/* The reasons of the rules a row breaks, "; " between; "" none. */
static int row_reasons(const ts_control *c, const ts_row_reader *rows,
                       const columns *k, ts_buf *out, ts_error *err)
{
    int rc = 0;

    out->len = 0;
    for (size_t i = 0; rc == 0 && i < c->n_assertions; i++) {
        const char *reason = c->assertions[i].reason;
        if (ts_row_reader_int64(rows, k->n + (int)i) == 0)
            continue;
        if (out->len > 0)
            rc = ts_buf_append(out, "; ", 2, err);
        if (rc == 0)
            rc = ts_buf_append(out, reason, strlen(reason), err);
    }
    if (rc == 0)
        rc = ts_buf_terminate(out, err);
    return rc;
}

/* Which of the sheet's columns hold a time (*_us): written as text. */
static void find_time_columns(const ts_row_reader *rows, const columns *k,
                              int time_cols[SHEET_MAX_COLS])
{
    for (int i = 0; i < SHEET_MAX_COLS; i++)
        time_cols[i] = i < k->n && is_time_column(ts_row_reader_name(rows, i));
}

/* Moves rows to control c's population: its special columns and the
 * sheet's time columns. */
static int begin_population(ts_row_reader *rows, const ts_control *c,
                            columns *k, int time_cols[SHEET_MAX_COLS],
                            ts_error *err)
{
    int rc = ts_row_reader_begin(rows, err);

    if (rc != 0)
        return rc;
    *k = find_columns(rows, c);
    find_time_columns(rows, k, time_cols);
    return 0;
}

/* Pass 1: CSV, sheet and exceptions. */
static int census(const ts_control_env *env, const ts_control *c,
                  ts_sheet *sheet, ts_row_reader *rows, ts_csv *csv,
                  ts_item_spool *spool, ts_control_result *out, ts_error *err)
{
    columns k;
    ts_buf reasons;
    int time_cols[SHEET_MAX_COLS];
    int rc, has_row = 0;

    rc = begin_population(rows, c, &k, time_cols, err);
    if (rc != 0)
        return rc;
    ts_buf_init(&reasons, (size_t)TS_CONTROLS_MAX_LIST * 1100);
    rc = write_header(env, csv, sheet, rows, &k, err);
    while (rc == 0 && (rc = ts_row_reader_next(rows, &has_row, err)) == 0 &&
           has_row) {
        int broken;
        out->population++;
        for (int i = 0; rc == 0 && i < k.n; i++)
            rc = ts_csv_field(csv, ts_row_reader_text(rows, i), err);
        if (rc == 0)
            rc = ts_csv_end_row(csv, err);
        if (rc == 0)
            rc = row_reasons(c, rows, &k, &reasons, err);
        if (rc == 0 && spool != NULL)
            rc = ts_item_spool_add(spool, item_entry(rows, &k),
                                   item_time(rows, &k), item_label(rows, &k),
                                   err);
        if (rc != 0)
            break;
        broken = reasons.len > 0;
        if (sheet != NULL)
            rc = write_sheet_row(env, sheet, rows, &k, time_cols,
                                 broken ? (const char *)reasons.data : NULL,
                                 err);
        if (rc != 0 || !broken)
            continue;
        out->exceptions_all++;
        if (out->n_exceptions < TS_CONTROL_MAX_EXCEPTIONS) {
            ts_control_item it;
            rc = fill_item(&it, out->population, rows, &k,
                           (const char *)reasons.data, err);
            if (rc == 0)
                it.waiver =
                    find_waiver(env->controls, c, it.item, env->until_us);
            if (rc == 0)
                rc = ts_exception_spool_add(&out->exceptions, &it, err);
            if (rc == 0) {
                out->n_exceptions++;
                out->waived += it.waiver >= 0;
            }
            free(it.item);
            free(it.reasons);
        }
    }
    if (rc == 0)
        rc = ts_exception_spool_flush(&out->exceptions, err);
    if (rc == TS_EDB)
        ts_error_prefix(
            err, "%s: control %s: population: ", env->controls->path, c->id);
    ts_buf_release(&reasons);
    return rc;
}

int ts_control_write_sheet(const ts_control_env *env, const ts_control *c,
                           ts_row_reader *rows, ts_sheet *sheet, ts_error *err)
{
    int time_cols[SHEET_MAX_COLS];
    columns k;
    ts_buf reasons;
    int rc, has_row = 0;

    rc = begin_population(rows, c, &k, time_cols, err);
    if (rc != 0)
        return rc;
    ts_buf_init(&reasons, (size_t)TS_CONTROLS_MAX_LIST * 1100);
    if (sheet != NULL)
        rc = sheet_header(env, sheet, rows, &k, err);
    while (rc == 0 && (rc = ts_row_reader_next(rows, &has_row, err)) == 0 &&
           has_row) {
        if (sheet == NULL)
            continue; /* read past, so the next control's rows come next */
        rc = row_reasons(c, rows, &k, &reasons, err);
        if (rc == 0)
            rc = write_sheet_row(
                env, sheet, rows, &k, time_cols,
                reasons.len > 0 ? (const char *)reasons.data : NULL, err);
    }
    if (rc == 0 && sheet != NULL)
        rc = ts_sheet_finish(env->x, sheet, err);
    if (rc == TS_EDB)
        ts_error_prefix(
            err, "%s: control %s: population: ", env->controls->path, c->id);
    ts_buf_release(&reasons);
    return rc;
}

/* The `size` rows of lowest rank (SHA-256 of seed and row number), read
 * back from the spool in row order. */
static int draw_sample(const ts_control *c, ts_item_spool *spool,
                       ts_control_result *out, ts_error *err)
{
    size_t cap = (size_t)out->sample_size, n = 0;
    uint8_t seed[TS_SHA256_SIZE];
    uint64_t *rows;
    int rc;

    if (ts_hex_decode(out->seed, seed, sizeof(seed)) != 0)
        return ts_error_set(err, TS_EINVAL, "control %s: bad seed", c->id);
    rows = calloc(cap, sizeof(*rows));
    if (rows == NULL ||
        ts_sample_rows(seed, out->population, cap, rows, &n) != 0) {
        free(rows);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    out->samples = calloc(n ? n : 1, sizeof(*out->samples));
    if (out->samples == NULL) {
        free(rows);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    out->n_samples = n;
    rc = ts_item_spool_read(spool, rows, n, out->samples, err);
    free(rows);
    return rc;
}

static ts_control_status judge(const ts_controls *cs, const ts_control *c,
                               const ts_control_result *r)
{
    uint64_t open;

    if (r->population == 0)
        return TS_STATUS_NOT_OCCURRING;
    open = r->exceptions_all - r->waived;
    if (open == 0)
        return TS_STATUS_EFFECTIVE;
    if (open <= (uint64_t)cs->tolerance[ts_severity_index(c->severity)])
        return TS_STATUS_WITH_EXCEPTIONS;
    return TS_STATUS_INEFFECTIVE;
}

int ts_control_run(const ts_control_env *env, const ts_control *c,
                   ts_row_reader *rows, ts_sheet *sheet, ts_control_result *out,
                   ts_error *err)
{
    char path[4096];
    ts_item_spool spool = {NULL, 0};
    ts_csv csv;
    int rc, sample = strcmp(c->lane, "sample") == 0;

    memset(out, 0, sizeof(*out));
    out->control = c;
    ts_exception_spool_init(&out->exceptions, env->out_dir);
    snprintf(out->csv_name, sizeof(out->csv_name), "populations/%s.csv", c->id);
    if (snprintf(path, sizeof(path), "%s/%s", env->out_dir, out->csv_name) >=
        (int)sizeof(path))
        return ts_error_set(err, TS_ELIMIT, "'%s': path too long",
                            env->out_dir);
    rc = ts_csv_open(&csv, path, err);
    if (rc == 0 && sample)
        rc = ts_item_spool_open(&spool, env->out_dir, err);
    if (rc == 0)
        rc =
            census(env, c, sheet, rows, &csv, sample ? &spool : NULL, out, err);
    if (rc == 0)
        rc = ts_csv_close(&csv, out->population_sha256, err);
    else
        ts_csv_release(&csv);
    if (rc == 0 && sheet != NULL) {
        out->sheet_rows = sheet->rows;
        rc = ts_sheet_finish(env->x, sheet, err);
    }
    if (rc == 0 && sample) {
        ts_sample_seed(env->period, c->id, out->population_sha256, out->seed);
        out->sample_size =
            ts_sample_size(env->controls, c->frequency, out->population);
        if (out->sample_size > TS_CONTROL_MAX_SAMPLE)
            out->sample_size = TS_CONTROL_MAX_SAMPLE;
        if (out->sample_size > 0 && out->population > 0)
            rc = draw_sample(c, &spool, out, err);
    }
    ts_item_spool_close(&spool);
    if (rc == 0)
        out->status = judge(env->controls, c, out);
    return rc;
}
