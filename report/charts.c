/* The Charts sheet: events per day per source format, and accesses to
 * classified columns per identity (or account when unresolved), each as a
 * small table with its chart beside it. The second is a pass over every
 * event of the period (5 s at 10M events): it runs in a thread of its own,
 * with its own read-only connection, while the controls are tested. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

#define MAX_FORMATS 8
#define MAX_DAYS 1100 /* three years */
#define MAX_WHO TS_CHART_MAX_WHO

typedef struct chart_data {
    char formats[MAX_FORMATS][64];
    size_t n_formats;
    char (*days)[16];
    int64_t (*counts)[MAX_FORMATS];
    size_t n_days;
    const ts_chart_job *who; /* its rows: who touched classified columns */
} chart_data;

static const char per_day_sql[] =
    "SELECT date(day * 86400, 'unixepoch'), format, sum(events)"
    "  FROM v_event_days"
    " WHERE (day + 1) * 86400000000 > :since AND day * 86400000000 < :until"
    "   AND first_entry_index < :max_seq"
    " GROUP BY 1, 2 ORDER BY 1, 2";

/* Who touched classified columns: the session's identity where the index
 * resolves one, else the account. One row per statement and classified
 * column it reads or writes, as v_column_access counts them; the events are
 * scanned in entry order and matched against the templates touching a
 * classified column (controls.yaml, TS-DATA-01, says why), summed per
 * session first, so the identity is looked up once per session rather
 * than per event (10M events: 6.9 s -> 4.8 s). */
static const char who_sql[] =
    "WITH classified AS MATERIALIZED ("
    "  SELECT a.template_id, count(*) AS n"
    "    FROM json_each(:classified_columns) c"
    "    JOIN template_access a ON a.object = c.key AND a.level = 'column'"
    "   GROUP BY a.template_id),"
    " per_session AS MATERIALIZED ("
    "  SELECT e.session_id, e.account, sum(t.n) AS n"
    "    FROM events e NOT INDEXED"
    "    JOIN classified t ON t.template_id = e.template_id"
    "   WHERE e.template_id IS NOT NULL AND e.template_repeat IS NULL"
    "     AND e.time_us >= :since AND e.time_us < :until"
    "     AND e.seq >= :min_seq AND e.seq < :max_seq"
    "   GROUP BY e.session_id, e.account)"
    "SELECT coalesce(i.identity, s.account, '?'), sum(s.n)"
    "  FROM per_session s"
    "  LEFT JOIN v_session_identity i ON i.session_id = s.session_id"
    " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 30";

static void bind(sqlite3_stmt *stmt, const ts_control_env *env)
{
    int i;

    if ((i = sqlite3_bind_parameter_index(stmt, ":since")) > 0)
        sqlite3_bind_int64(stmt, i, env->since_us);
    if ((i = sqlite3_bind_parameter_index(stmt, ":until")) > 0)
        sqlite3_bind_int64(stmt, i, env->until_us);
    if ((i = sqlite3_bind_parameter_index(stmt, ":min_seq")) > 0)
        sqlite3_bind_int64(stmt, i, env->min_seq);
    if ((i = sqlite3_bind_parameter_index(stmt, ":max_seq")) > 0)
        sqlite3_bind_int64(stmt, i, env->max_seq);
    if ((i = sqlite3_bind_parameter_index(stmt, ":classified_columns")) > 0)
        sqlite3_bind_text(stmt, i, env->classified_columns, -1, SQLITE_STATIC);
}

static int query_failed(sqlite3 *db, ts_error *err)
{
    return ts_error_set(err, TS_EDB, "sheet 'Charts': %s", sqlite3_errmsg(db));
}

static size_t format_slot(chart_data *d, const char *format)
{
    for (size_t i = 0; i < d->n_formats; i++)
        if (strcmp(d->formats[i], format) == 0)
            return i;
    if (d->n_formats == MAX_FORMATS)
        return MAX_FORMATS; /* dropped: the sheet says how many shown */
    snprintf(d->formats[d->n_formats], sizeof(d->formats[0]), "%s", format);
    return d->n_formats++;
}

static int gather(const ts_control_env *env, chart_data *d, ts_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int s, rc = 0;

    if (sqlite3_prepare_v2(env->db, per_day_sql, -1, &stmt, NULL) != SQLITE_OK)
        return query_failed(env->db, err);
    bind(stmt, env);
    while ((s = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *day = (const char *)sqlite3_column_text(stmt, 0);
        const char *format = (const char *)sqlite3_column_text(stmt, 1);
        size_t slot = format_slot(d, format ? format : "?");
        if (day == NULL || slot == MAX_FORMATS)
            continue;
        if (d->n_days == 0 || strcmp(d->days[d->n_days - 1], day) != 0) {
            if (d->n_days == MAX_DAYS)
                break;
            snprintf(d->days[d->n_days], sizeof(d->days[0]), "%s", day);
            memset(d->counts[d->n_days], 0, sizeof(d->counts[0]));
            d->n_days++;
        }
        d->counts[d->n_days - 1][slot] = sqlite3_column_int64(stmt, 2);
    }
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        rc = query_failed(env->db, err);
    sqlite3_finalize(stmt);
    return rc;
}

/* The who query on db, into the job. */
static int gather_who(sqlite3 *db, ts_chart_job *job, ts_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int s, rc = 0;

    if (sqlite3_prepare_v2(db, who_sql, -1, &stmt, NULL) != SQLITE_OK)
        return query_failed(db, err);
    bind(stmt, job->env);
    while ((s = sqlite3_step(stmt)) == SQLITE_ROW && job->n_who < MAX_WHO) {
        const char *who = (const char *)sqlite3_column_text(stmt, 0);
        snprintf(job->who[job->n_who], sizeof(job->who[0]), "%s",
                 who ? who : "?");
        job->accesses[job->n_who++] = sqlite3_column_int64(stmt, 1);
    }
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        rc = query_failed(db, err);
    sqlite3_finalize(stmt);
    return rc;
}

/* What a concurrent ingest or load changes: the newest entry indexed and
 * the newest reference snapshot. The chart thread's connection reads its
 * own snapshot of the store; when this differs from the report's, its
 * rows are dropped and the query runs again on the report's connection. */
static const char state_sql[] =
    "SELECT coalesce((SELECT max(seq) FROM events), -1) || ':' ||"
    "       coalesce((SELECT max(id) FROM ref_snapshots), -1)";

static int read_state(sqlite3 *db, char *out, size_t size)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(db, state_sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

static void *run_who(void *arg)
{
    ts_chart_job *job = arg;
    char state[sizeof(job->state)];
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(job->path, &db,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        job->rc =
            ts_error_set(&job->err, TS_EDB, "sheet 'Charts': '%s': %s",
                         job->path, db ? sqlite3_errmsg(db) : "cannot open");
    } else {
        sqlite3_busy_timeout(db, 10000);
        /* one read transaction: the state checked is the one queried */
        if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
            read_state(db, state, sizeof(state)) != 0 ||
            strcmp(state, job->state) != 0)
            job->stale = 1;
        else
            job->rc = gather_who(db, job, &job->err);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    sqlite3_close(db);
    return NULL;
}

void ts_chart_job_start(ts_chart_job *job, const ts_control_env *env)
{
    const char *path = sqlite3_db_filename(env->db, "main");

    memset(job, 0, sizeof(*job));
    job->env = env;
    /* in memory, a path too long, no checkpoint bounding the entries, or
     * no state to compare: it runs at the wait, in line */
    if (path == NULL || path[0] == '\0' || env->max_seq == INT64_MAX ||
        snprintf(job->path, sizeof(job->path), "%s", path) >=
            (int)sizeof(job->path) ||
        read_state(env->db, job->state, sizeof(job->state)) != 0)
        return;
    if (pthread_create(&job->thread, NULL, run_who, job) == 0)
        job->running = 1;
}

void ts_chart_job_join(ts_chart_job *job)
{
    if (job->running) {
        pthread_join(job->thread, NULL);
        job->running = 0;
        job->done = 1;
    }
}

/* The job's rows for d: joined, or queried now on env->db when no thread
 * ran it. */
static int who_rows(ts_chart_job *job, chart_data *d, ts_error *err)
{
    ts_chart_job_join(job);
    if (job->stale) { /* read another snapshot: again, on the report's */
        job->n_who = 0;
        job->rc = 0;
        job->done = 0;
    }
    if (!job->done) {
        job->rc = gather_who(job->env->db, job, &job->err);
        job->done = 1;
    }
    if (job->rc != 0) {
        *err = job->err;
        return job->rc;
    }
    d->who = job;
    return 0;
}

/* Table A in columns 0..n_formats, table B in WHO_COL, WHO_COL + 1. */
#define WHO_COL (MAX_FORMATS + 2)

static int write_tables(ts_xlsx *x, ts_sheet *s, const chart_data *d,
                        ts_error *err)
{
    ts_sheet_col cols[WHO_COL + 2];
    size_t rows = d->n_days > d->who->n_who ? d->n_days : d->who->n_who;
    int rc;

    for (size_t i = 0; i < WHO_COL + 2; i++) {
        cols[i].title = "";
        cols[i].width = 12;
        cols[i].kind = TS_COL_TEXT;
    }
    cols[0].title = "day (UTC)";
    for (size_t i = 0; i < d->n_formats; i++)
        cols[1 + i].title = d->formats[i];
    cols[WHO_COL].title = "identity or account";
    cols[WHO_COL].width = 24;
    cols[WHO_COL + 1].title = "classified-column accesses";
    rc = ts_sheet_header(x, s, cols, WHO_COL + 2, err);
    for (size_t r = 0; rc == 0 && r < rows; r++) {
        if (!ts_sheet_row(s))
            break;
        if (r < d->n_days) {
            rc = ts_sheet_text(x, s, 0, d->days[r], NULL, err);
            for (size_t f = 0; rc == 0 && f < d->n_formats; f++)
                rc = ts_sheet_number(x, s, (lxw_col_t)(1 + f),
                                     (double)d->counts[r][f], NULL, err);
        }
        if (rc == 0 && r < d->who->n_who) {
            rc = ts_sheet_text(x, s, WHO_COL, d->who->who[r], NULL, err);
            if (rc == 0)
                rc = ts_sheet_number(x, s, WHO_COL + 1,
                                     (double)d->who->accesses[r], NULL, err);
        }
    }
    return rc;
}

static int add_charts(ts_xlsx *x, ts_sheet *s, const chart_data *d,
                      ts_error *err)
{
    lxw_chart *chart;

    if (d->n_days > 0) {
        chart = workbook_add_chart(x->wb, LXW_CHART_COLUMN_STACKED);
        if (chart == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        for (size_t f = 0; f < d->n_formats; f++) {
            lxw_chart_series *series = chart_add_series(chart, NULL, NULL);
            if (series == NULL)
                return ts_error_set(err, TS_ENOMEM, "out of memory");
            chart_series_set_categories(series, s->name, 1, 0,
                                        (lxw_row_t)d->n_days, 0);
            chart_series_set_values(series, s->name, 1, (lxw_col_t)(1 + f),
                                    (lxw_row_t)d->n_days, (lxw_col_t)(1 + f));
            chart_series_set_name_range(series, s->name, 0, (lxw_col_t)(1 + f));
        }
        chart_title_set_name(chart, "Events per day per source");
        worksheet_insert_chart(s->ws, 1, WHO_COL + 3, chart);
    }
    if (d->who->n_who > 0) {
        lxw_chart_series *series;
        chart = workbook_add_chart(x->wb, LXW_CHART_BAR);
        if (chart == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        series = chart_add_series(chart, NULL, NULL);
        if (series == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        chart_series_set_categories(series, s->name, 1, WHO_COL,
                                    (lxw_row_t)d->who->n_who, WHO_COL);
        chart_series_set_values(series, s->name, 1, WHO_COL + 1,
                                (lxw_row_t)d->who->n_who, WHO_COL + 1);
        chart_title_set_name(chart, "Accesses to classified columns");
        chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
        worksheet_insert_chart(s->ws, 17, WHO_COL + 3, chart);
    }
    return 0;
}

int ts_report_write_charts(ts_xlsx *x, ts_sheet *s, const ts_control_env *env,
                           ts_chart_job *job, ts_error *err)
{
    chart_data *d = calloc(1, sizeof(*d));
    int rc;

    if (d == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    d->days = calloc(MAX_DAYS, sizeof(*d->days));
    d->counts = calloc(MAX_DAYS, sizeof(*d->counts));
    if (d->days == NULL || d->counts == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    else
        rc = gather(env, d, err);
    if (rc == 0)
        rc = who_rows(job, d, err);
    if (rc == 0)
        rc = write_tables(x, s, d, err);
    if (rc == 0)
        rc = add_charts(x, s, d, err);
    if (rc == 0)
        rc = ts_sheet_finish(x, s, err);
    free(d->days);
    free(d->counts);
    free(d);
    return rc;
}
