/* The evidence workbook: the output directory, the cover, and writing every
 * sheet into a temporary file renamed to evidence.xlsx when complete. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_internal.h"
#include "trailseal/time.h"
#include "trailseal/trailseal.h"

#define WORKBOOK_NAME "evidence.xlsx"

void ts_checkpoint_info_parse(ts_checkpoint_info *out, const char *note)
{
    const char *size_line, *root_line, *end;
    uint8_t root[TS_SHA256_SIZE];
    uint64_t size = 0;
    size_t len;

    memset(out, 0, sizeof(*out));
    if (note == NULL || (size_line = strchr(note, '\n')) == NULL)
        return;
    size_line++;
    root_line = strchr(size_line, '\n');
    if (root_line == NULL || root_line == size_line)
        return;
    for (const char *p = size_line; p < root_line; p++) {
        if (*p < '0' || *p > '9' || size > (UINT64_MAX - 9) / 10)
            return;
        size = size * 10 + (uint64_t)(*p - '0');
    }
    root_line++;
    end = strchr(root_line, '\n');
    len = end ? (size_t)(end - root_line) : strlen(root_line);
    if (len == 0 || len >= sizeof(out->root_b64) ||
        ts_base64_decode(root_line, len, root, sizeof(root)) != TS_SHA256_SIZE)
        return;
    memcpy(out->root_b64, root_line, len);
    out->root_b64[len] = '\0';
    ts_hex_encode(root, sizeof(root), out->root_hex);
    out->tree_size = size;
    out->ok = 1;
}

/* Creates dir (0755) unless it is already a directory; refuses symbolic
 * links and anything else. */
int ts_report_ensure_dir(const char *dir, ts_error *err)
{
    struct stat st;

    if (mkdir(dir, 0755) == 0)
        return 0;
    if (errno != EEXIST)
        return ts_error_set(err, TS_EIO, "'%s': cannot create directory: %s",
                            dir, strerror(errno));
    if (lstat(dir, &st) != 0)
        return ts_error_set(err, TS_EIO, "'%s': %s", dir, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return ts_error_set(err, TS_EPERM,
                            "'%s': is a symbolic link: refusing to write "
                            "the workbook there",
                            dir);
    if (!S_ISDIR(st.st_mode))
        return ts_error_set(err, TS_EINVAL, "'%s': not a directory", dir);
    return 0;
}

/* Key / value rows of the cover. */
static int cover_text(ts_xlsx *x, ts_sheet *s, const char *key,
                      const char *value, ts_error *err)
{
    int rc;

    if (!ts_sheet_row(s))
        return 0;
    rc = ts_sheet_text(x, s, 0, key, NULL, err);
    if (rc == 0)
        rc = ts_sheet_text(x, s, 1, value, x->wrap, err);
    return rc;
}

static int cover_number(ts_xlsx *x, ts_sheet *s, const char *key, double value,
                        ts_error *err)
{
    int rc;

    if (!ts_sheet_row(s))
        return 0;
    rc = ts_sheet_text(x, s, 0, key, NULL, err);
    if (rc == 0)
        rc = ts_sheet_number(x, s, 1, value, NULL, err);
    return rc;
}

static void format_period(const ts_report_options *opts, char *buf, size_t size)
{
    char since[40], until[40];
    int open_start = opts->since_us == INT64_MIN;
    int open_end = opts->until_us == INT64_MAX;
    int n;

    ts_time_format(opts->since_us, since, sizeof(since));
    ts_time_format(opts->until_us, until, sizeof(until));
    if (open_start && open_end)
        n = snprintf(buf, size, "all time");
    else if (open_start)
        n = snprintf(buf, size, "before %s", until);
    else if (open_end)
        n = snprintf(buf, size, "from %s", since);
    else
        n = snprintf(buf, size, "from %s until %s (end exclusive)", since,
                     until);
    if (n < 0)
        buf[0] = '\0';
}

typedef struct cover_facts {
    const ts_report_cover *cover;
    const ts_checkpoint_info *checkpoint;
    const ts_controls *controls;
    const ts_personal_tables *tables;
    const ts_report_options *opts;
    const char *period;
    const ts_sheet *sheets; /* every sheet after the cover */
    size_t n_sheets;
} cover_facts;

static int cover_store(ts_xlsx *x, ts_sheet *s, const cover_facts *f,
                       ts_error *err)
{
    const ts_verify_report *v = f->cover->verify;
    char text[TS_ERROR_MSG_SIZE + 64];
    int rc;

    rc = cover_text(x, s, "store path", f->cover->store_path, err);
    if (rc == 0)
        rc = cover_text(x, s, "store origin", f->cover->origin, err);
    if (rc == 0 && f->checkpoint->ok) {
        rc = cover_number(x, s, "checkpoint tree size",
                          (double)f->checkpoint->tree_size, err);
        if (rc == 0)
            rc = cover_text(x, s, "checkpoint root hash (base64)",
                            f->checkpoint->root_b64, err);
        if (rc == 0)
            rc = cover_text(x, s, "checkpoint root hash (hex)",
                            f->checkpoint->root_hex, err);
    } else if (rc == 0) {
        rc = cover_text(x, s, "checkpoint",
                        f->cover->checkpoint ? "unreadable checkpoint note"
                                             : "none: nothing is sealed",
                        err);
    }
    if (rc == 0 && f->cover->checkpoint != NULL)
        rc = cover_text(x, s, "checkpoint note", f->cover->checkpoint, err);
    if (v->verdict == TS_VERDICT_INTACT)
        snprintf(text, sizeof(text), "intact");
    else if (snprintf(text, sizeof(text), "TAMPERED: %s", v->problem) < 0)
        text[0] = '\0';
    if (rc == 0)
        rc = cover_text(x, s, "verification", text, err);
    if (rc == 0)
        rc = cover_number(x, s, "entries verified", (double)v->entries, err);
    if (rc == 0)
        rc = cover_number(x, s, "checkpoints verified", (double)v->checkpoints,
                          err);
    if (rc == 0 && v->key_id[0] != '\0')
        rc = cover_text(x, s, "signing key id", v->key_id, err);
    return rc;
}

static int cover_contents(ts_xlsx *x, ts_sheet *s, const cover_facts *f,
                          ts_error *err)
{
    char text[128];
    int rc = 0;

    if (ts_sheet_row(s)) {
        rc = ts_sheet_text(x, s, 0, "contents", x->bold, err);
        if (rc == 0)
            rc = ts_sheet_text(x, s, 1, "rows", x->bold, err);
    }
    for (size_t i = 0; rc == 0 && i < f->n_sheets; i++) {
        const ts_sheet *d = &f->sheets[i];
        rc = cover_number(x, s, d->name, (double)d->rows, err);
        if (rc == 0 && d->dropped > 0) {
            snprintf(text, sizeof(text),
                     "%llu more rows past Excel's row limit are not shown",
                     (unsigned long long)d->dropped);
            rc = cover_text(x, s, "warning", text, err);
        }
    }
    return rc;
}

/* The personal-data tables, so a reviewer can check the classification. */
static int cover_tables(ts_xlsx *x, ts_sheet *s,
                        const ts_personal_tables *tables, ts_error *err)
{
    ts_buf list;
    int rc = 0;

    ts_buf_init(&list, TS_XLSX_CELL_MAX);
    for (size_t i = 0; rc == 0 && i < tables->n_tables; i++) {
        const char *name = tables->tables[i].name;
        if (list.len + strlen(name) + 16 >= TS_XLSX_CELL_MAX) {
            rc = ts_buf_append(&list, ", ...", 5, err);
            break;
        }
        if (i > 0)
            rc = ts_buf_append(&list, ", ", 2, err);
        if (rc == 0)
            rc = ts_buf_append(&list, name, strlen(name), err);
    }
    if (rc == 0)
        rc = ts_buf_terminate(&list, err);
    if (rc == 0)
        rc = cover_number(x, s, "tables holding personal data",
                          (double)tables->n_tables, err);
    if (rc == 0 && tables->n_tables > 0)
        rc = cover_text(x, s, "personal-data tables", (const char *)list.data,
                        err);
    ts_buf_release(&list);
    return rc;
}

static const ts_sheet_col cover_cols[] = {{"item", 30, TS_COL_TEXT},
                                          {"value", 100, TS_COL_TEXT}};

static int write_cover(ts_xlsx *x, ts_sheet *s, const cover_facts *f,
                       ts_error *err)
{
    char text[512], hex[2 * TS_SHA256_SIZE + 1];
    int rc;

    rc = ts_sheet_header(x, s, cover_cols, 2, err);
    if (rc == 0)
        rc = cover_text(x, s, "title", "trailseal evidence workbook", err);
    if (rc == 0 && f->controls != NULL && f->controls->entity[0] != '\0')
        rc = cover_text(x, s, "entity", f->controls->entity, err);
    if (rc == 0)
        rc = cover_text(x, s, "period label", f->period, err);
    format_period(f->opts, text, sizeof(text));
    if (rc == 0)
        rc = cover_text(x, s, "period", text, err);
    if (rc == 0)
        rc = cover_store(x, s, f, err);
    ts_time_format(ts_time_now(), text, sizeof(text));
    if (rc == 0)
        rc = cover_text(x, s, "generated at", text, err);
    if (rc == 0)
        rc = cover_text(x, s, "trailseal version", TRAILSEAL_VERSION, err);
    if (rc == 0 && f->controls != NULL) {
        ts_hex_encode(f->controls->sha256, TS_SHA256_SIZE, hex);
        rc = cover_text(x, s, "controls.yaml", f->controls->path, err);
        if (rc == 0)
            rc = cover_text(x, s, "controls.yaml SHA-256", hex, err);
        if (rc == 0)
            rc = cover_tables(x, s, f->tables, err);
    } else if (rc == 0) {
        rc = cover_text(x, s, "controls.yaml",
                        "not given: no data classes, so no personal data "
                        "access is reported",
                        err);
    }
    if (rc == 0)
        rc = cover_text(x, s, "entry_index",
                        "every row names its sealed entry: 'trailseal prove "
                        "--index N' proves it against the checkpoint above, "
                        "which covers every row in this workbook",
                        err);
    if (rc == 0)
        rc = cover_contents(x, s, f, err);
    if (rc == 0)
        rc = ts_sheet_finish(x, s, err);
    return rc;
}

/* Adds the worksheets in order (cover first) and formats. */
static int open_workbook(ts_xlsx *x, const char *tmp, const char *dir,
                         ts_sheet *sheets, size_t n_sheets, ts_error *err)
{
    lxw_workbook_options options = {LXW_TRUE, NULL, LXW_FALSE};

    /* constant memory keeps big populations out of RAM; its temporary files
     * go beside the workbook rather than into a shared /tmp */
    options.tmpdir = (char *)(uintptr_t)dir;
    x->wb = workbook_new_opt(tmp, &options);
    if (x->wb == NULL)
        return ts_error_set(err, TS_EIO, "'%s': cannot create workbook",
                            x->path);
    x->bold = workbook_add_format(x->wb);
    x->wrap = workbook_add_format(x->wb);
    if (x->bold == NULL || x->wrap == NULL)
        return ts_error_set(err, TS_ENOMEM, "'%s': out of memory", x->path);
    format_set_bold(x->bold);
    format_set_text_wrap(x->wrap);
    format_set_align(x->wrap, LXW_ALIGN_VERTICAL_TOP);
    for (size_t i = 0; i < n_sheets; i++) {
        sheets[i].ws = workbook_add_worksheet(x->wb, sheets[i].name);
        if (sheets[i].ws == NULL)
            return ts_error_set(err, TS_EINVAL,
                                "'%s': cannot add sheet '%s' (is the name "
                                "used twice?)",
                                x->path, sheets[i].name);
    }
    return 0;
}

/* The workbook's sheets, in order. Control sheets sit between the summary
 * sheets and the data sheets. */
enum {
    SHEET_COVER,
    SHEET_MATRIX,
    SHEET_CRITERIA,
    SHEET_REGISTER,
    SHEET_SAMPLES,
    SHEET_RESULTS,
    SHEET_EXCEPTIONS,
    SHEET_CONTROLS /* first control sheet */
};

static const char *const summary_names[] = {
    "Cover",   "Control matrix", "Criteria coverage", "Population register",
    "Samples", "Test results",   "Exceptions"};

typedef struct write_ctx {
    sqlite3 *db;
    const ts_report_cover *cover;
    const ts_controls *controls;
    const ts_report_options *opts;
    ts_xlsx x;
    ts_sheet sheets[TS_REPORT_MAX_SHEETS];
    size_t n_sheets;
    size_t first_data; /* index of the first data sheet */
    ts_personal_tables tables;
    ts_name_set audit_objects; /* the audit log's object names */
    ts_checkpoint_info checkpoint;
    ts_buf tables_json;
    ts_buf columns_json;
    ts_buf allowed_json;
    ts_buf class_tables_json;
    ts_control_result *results;
    size_t n_results;
    ts_step_timer timer;
} write_ctx;

static const char *verdict_word(ts_verdict v)
{
    return v == TS_VERDICT_INTACT ? "intact" : "tampered";
}

/* The control sheets, written in a thread of their own from a second
 * reader of the populations' feed: libxlsxwriter writing a million-row
 * sheet costs more than the CSV, its hash and the spool together. */
typedef struct sheet_job {
    write_ctx *w;
    const ts_control_env *env;
    ts_row_reader *rows;
    pthread_t thread;
    int rc;
    ts_error err;
} sheet_job;

static void *write_control_sheets(void *arg)
{
    sheet_job *job = arg;
    const ts_controls *cs = job->w->controls;
    size_t sheet = SHEET_CONTROLS;

    for (size_t i = 0; job->rc == 0 && i < cs->n_controls; i++) {
        const ts_control *c = &cs->controls[i];
        ts_sheet *s = c->sheet ? &job->w->sheets[sheet++] : NULL;
        job->rc = ts_control_write_sheet(job->env, c, job->rows, s, &job->err);
    }
    if (job->rc != 0) /* the populations go on without this reader */
        ts_row_reader_close(job->rows);
    return NULL;
}

/* Tests every control, each writing its population file and sheet. The
 * populations are prepared here, then stepped in a second thread
 * (row_feed.c) while this one writes their CSV files and a third their
 * sheets. */
static int run_controls(write_ctx *w, ts_control_env *env, const char *dir,
                        ts_error *err)
{
    char pop_dir[4200];
    size_t sheet = SHEET_CONTROLS, n = 0;
    sqlite3_stmt **stmts = NULL;
    ts_row_feed *feed = NULL;
    sheet_job job;
    int rc = 0, sheets_beside = 0, readers = 1;

    if (w->controls == NULL || w->controls->n_controls == 0)
        return 0;
    memset(&job, 0, sizeof(job));
    snprintf(pop_dir, sizeof(pop_dir), "%s/populations", dir);
    rc = ts_report_ensure_dir(pop_dir, err);
    if (rc == 0)
        rc = ts_report_write_parameters(env, err);
    w->results = calloc(w->controls->n_controls, sizeof(*w->results));
    stmts = calloc(w->controls->n_controls, sizeof(*stmts));
    if (rc == 0 && (w->results == NULL || stmts == NULL))
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    for (; rc == 0 && n < w->controls->n_controls; n++)
        rc = ts_control_prepare(env, &w->controls->controls[n], &stmts[n], err);
    for (size_t i = 0; i < w->controls->n_controls; i++)
        if (w->controls->controls[i].sheet != NULL)
            readers = 2; /* a second for the sheets */
    if (rc == 0)
        rc = ts_row_feed_start(&feed, stmts, n, readers, err);
    if (rc == 0 && ts_row_feed_readers(feed) == 2) {
        job.w = w;
        job.env = env;
        job.rows = ts_row_feed_reader(feed, 1);
        sheets_beside =
            pthread_create(&job.thread, NULL, write_control_sheets, &job) == 0;
        if (!sheets_beside) /* this thread writes them, from one reader */
            ts_row_reader_close(job.rows);
    }
    for (size_t i = 0; rc == 0 && i < w->controls->n_controls; i++) {
        const ts_control *c = &w->controls->controls[i];
        ts_sheet *s = c->sheet ? &w->sheets[sheet++] : NULL;
        w->n_results = i + 1;
        rc = ts_control_run(env, c, ts_row_feed_reader(feed, 0),
                            sheets_beside ? NULL : s, &w->results[i], err);
        if (rc == 0)
            ts_step_timer_lap(&w->timer, "control %s (%" PRIu64 " rows)", c->id,
                              w->results[i].population);
    }
    if (rc != 0) /* the sheets' thread stops reading too */
        ts_row_feed_cancel(feed);
    if (sheets_beside) {
        pthread_join(job.thread, NULL);
        if (rc == 0 && job.rc != 0) {
            *err = job.err;
            rc = job.rc;
        }
        sheet = SHEET_CONTROLS;
        for (size_t i = 0; rc == 0 && i < w->controls->n_controls; i++)
            if (w->controls->controls[i].sheet != NULL)
                w->results[i].sheet_rows = w->sheets[sheet++].rows;
        if (rc == 0)
            ts_step_timer_lap(&w->timer, "control sheets (written beside)");
    }
    /* the connection is this thread's again only after the feed stops */
    ts_row_feed_stop(feed);
    for (size_t i = 0; stmts != NULL && i < n; i++)
        sqlite3_finalize(stmts[i]);
    free(stmts);
    return rc;
}

static int write_summaries(write_ctx *w, const ts_control_env *env,
                           ts_error *err)
{
    ts_xlsx *x = &w->x;
    const ts_control_result *r = w->results;
    size_t n = w->n_results;
    int rc;

    rc = ts_report_write_matrix(x, &w->sheets[SHEET_MATRIX], r, n, err);
    if (rc == 0)
        rc = ts_report_write_criteria(x, &w->sheets[SHEET_CRITERIA], r, n, err);
    if (rc == 0)
        rc = ts_report_write_register(x, &w->sheets[SHEET_REGISTER], env, r, n,
                                      err);
    if (rc == 0)
        rc = ts_report_write_samples(x, &w->sheets[SHEET_SAMPLES], r, n, err);
    if (rc == 0)
        rc = ts_report_write_results(x, &w->sheets[SHEET_RESULTS], w->controls,
                                     r, n, err);
    if (rc == 0)
        rc = ts_report_write_exceptions(x, &w->sheets[SHEET_EXCEPTIONS],
                                        w->controls, r, n, err);
    if (rc == 0)
        rc = ts_report_write_waivers(x, &w->sheets[w->n_sheets - 2],
                                     w->controls, r, n, env->until_us, err);
    return rc;
}

/* The entries the checkpoint covers: every one below this. */
static int64_t checkpoint_max_seq(const ts_checkpoint_info *checkpoint)
{
    return checkpoint->ok && checkpoint->tree_size < INT64_MAX
               ? (int64_t)checkpoint->tree_size
               : INT64_MAX;
}

static int write_sheets(write_ctx *w, const char *tmp, const char *dir,
                        ts_error *err)
{
    ts_report_scope scope;
    ts_control_env env;
    cover_facts facts;
    char period[128];
    int64_t min_seq = 0;
    ts_chart_job chart;
    int rc;

    memset(&chart, 0, sizeof(chart));
    scope.since_us = w->opts->since_us;
    scope.until_us = w->opts->until_us;
    scope.open =
        w->opts->since_us == INT64_MIN && w->opts->until_us == INT64_MAX;
    scope.max_seq = checkpoint_max_seq(&w->checkpoint);
    if (w->opts->period != NULL)
        snprintf(period, sizeof(period), "%s", w->opts->period);
    else
        format_period(w->opts, period, sizeof(period));
    rc = ts_personal_tables_find(w->db, w->controls, scope.max_seq,
                                 &w->audit_objects, &w->tables, err);
    if (rc == 0)
        rc = ts_report_tables_json(&w->tables, w->controls, &w->tables_json,
                                   err);
    if (rc == 0)
        rc = ts_report_classified_columns(w->db, w->controls, &w->columns_json,
                                          err);
    if (rc == 0)
        rc = ts_report_class_allowed(w->controls, &w->allowed_json, err);
    if (rc == 0)
        rc = ts_report_class_tables(w->controls, &w->class_tables_json, err);
    if (rc == 0)
        rc = ts_report_min_seq(w->db, scope.since_us, &min_seq, err);
    if (rc == 0)
        rc = open_workbook(&w->x, tmp, dir, w->sheets, w->n_sheets, err);
    ts_step_timer_lap(&w->timer, "personal tables, classes");
    memset(&env, 0, sizeof(env));
    env.db = w->db;
    env.controls = w->controls;
    env.out_dir = dir;
    env.period = period;
    env.since_us = scope.since_us;
    env.until_us = scope.until_us;
    env.min_seq = min_seq;
    env.max_seq = scope.max_seq;
    /* the verdict is a parameter of the populations */
    if (rc == 0 && w->cover->verify_job != NULL) {
        rc = ts_verify_job_wait(w->cover->verify_job, w->opts->timings, err);
        ts_step_timer_start(&w->timer, w->opts->timings);
    }
    env.verdict = rc == 0 ? verdict_word(w->cover->verify->verdict) : NULL;
    env.personal_tables = (const char *)w->tables_json.data;
    env.classified_columns = (const char *)w->columns_json.data;
    env.class_allowed = (const char *)w->allowed_json.data;
    env.class_tables = (const char *)w->class_tables_json.data;
    env.x = &w->x;
    /* its query runs beside the controls; joined before env goes */
    if (rc == 0)
        ts_chart_job_start(&chart, &env);
    if (rc == 0)
        rc = run_controls(w, &env, dir, err);
    if (rc == 0)
        rc = ts_report_write_charts(&w->x, &w->sheets[w->n_sheets - 1], &env,
                                    &chart, err);
    ts_chart_job_join(&chart);
    if (rc == 0)
        ts_step_timer_lap(&w->timer, "charts");
    if (rc == 0)
        rc = write_summaries(w, &env, err);
    if (rc == 0)
        ts_step_timer_lap(&w->timer, "summary sheets");
    for (size_t i = 0; rc == 0 && i < ts_report_n_sheet_defs; i++) {
        rc = ts_report_write_sheet(&w->x, &w->sheets[w->first_data + i], w->db,
                                   &ts_report_sheet_defs[i], &scope,
                                   (const char *)w->tables_json.data, err);
        if (rc == 0)
            ts_step_timer_lap(&w->timer, "sheet %s",
                              ts_report_sheet_defs[i].name);
    }
    facts.cover = w->cover;
    facts.checkpoint = &w->checkpoint;
    facts.controls = w->controls;
    facts.tables = &w->tables;
    facts.opts = w->opts;
    facts.period = period;
    facts.sheets = &w->sheets[1];
    facts.n_sheets = w->n_sheets - 1;
    if (rc == 0)
        rc = write_cover(&w->x, &w->sheets[SHEET_COVER], &facts, err);
    if (rc == 0) {
        ts_results_facts rf = {dir,
                               period,
                               env.since_us,
                               env.until_us,
                               w->cover->store_path,
                               w->cover->origin,
                               w->checkpoint.ok ? w->checkpoint.tree_size : 0,
                               env.verdict,
                               w->controls,
                               w->results,
                               w->n_results};
        rc = ts_report_write_results_json(&rf, err);
    }
    return rc; /* the caller closes or frees the workbook */
}

/* The entries of every sampled item and exception, for their proofs. */
static int collect_proof_entries(const write_ctx *w, ts_error *err)
{
    size_t n = 0, cap = 0;
    uint64_t *list = NULL;

    for (size_t i = 0; i < w->n_results; i++)
        cap += w->results[i].n_samples + w->results[i].n_exceptions;
    list = malloc((cap ? cap : 1) * sizeof(*list));
    if (list == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    for (size_t i = 0; i < w->n_results; i++) {
        const ts_control_result *r = &w->results[i];
        ts_exception_reader rd;
        int rc;
        for (size_t j = 0; j < r->n_samples; j++)
            if (r->samples[j].entry_index >= 0)
                list[n++] = (uint64_t)r->samples[j].entry_index;
        ts_exception_reader_open(&rd, &r->exceptions);
        while ((rc = ts_exception_reader_next(&rd, err)) == 1)
            if (rd.item.entry_index >= 0 && n < cap)
                list[n++] = (uint64_t)rd.item.entry_index;
        ts_exception_reader_close(&rd);
        if (rc != 0) {
            free(list);
            return ts_error_prefix(err, "control %s: ", r->control->id);
        }
    }
    *w->cover->proof_entries = list;
    *w->cover->n_proof_entries = n;
    return 0;
}

static void fill_result(const write_ctx *w, const char *path,
                        ts_report_result *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->workbook_path, sizeof(out->workbook_path), "%s", path);
    out->n_sheets = w->n_sheets;
    for (size_t i = 0; i < out->n_sheets; i++) {
        snprintf(out->sheets[i].name, sizeof(out->sheets[i].name), "%s",
                 w->sheets[i].name);
        out->sheets[i].rows = w->sheets[i].rows;
    }
    out->verdict = w->cover->verify->verdict;
    out->n_controls = w->n_results;
    for (size_t i = 0; i < w->n_results; i++) {
        const ts_control_result *r = &w->results[i];
        out->n_exceptions += r->exceptions_all - r->waived;
        if (r->status == TS_STATUS_INEFFECTIVE)
            out->n_ineffective++;
        else if (r->status == TS_STATUS_WITH_EXCEPTIONS)
            out->n_with_exceptions++;
        else
            out->n_effective++;
    }
}

/* Names the sheets in workbook order; fails when there are too many. */
static int plan_sheets(write_ctx *w, ts_error *err)
{
    size_t n = 0;

    for (size_t i = 0; i < SHEET_CONTROLS; i++)
        w->sheets[n++].name = summary_names[i];
    for (size_t i = 0; w->controls && i < w->controls->n_controls; i++) {
        if (w->controls->controls[i].sheet == NULL)
            continue;
        /* this one, the data sheets, Waivers and Charts must still fit */
        if (n + 1 + ts_report_n_sheet_defs + 2 > TS_REPORT_MAX_SHEETS)
            return ts_error_set(err, TS_ELIMIT,
                                "%s: more control sheets than a workbook "
                                "holds here (%d sheets in all)",
                                w->controls->path, TS_REPORT_MAX_SHEETS);
        w->sheets[n++].name = w->controls->controls[i].sheet;
    }
    w->first_data = n;
    for (size_t i = 0; i < ts_report_n_sheet_defs; i++)
        w->sheets[n++].name = ts_report_sheet_defs[i].name;
    w->sheets[n++].name = "Waivers";
    w->sheets[n++].name = "Charts";
    w->n_sheets = n;
    return 0;
}

/* dir without trailing slashes ("out/" would follow a symlink "out"). */
static int trim_dir(const char *in, char *dir, size_t size, ts_error *err)
{
    size_t len = strlen(in);

    while (len > 1 && in[len - 1] == '/')
        len--;
    if (len == 0)
        return ts_error_set(err, TS_EINVAL, "empty output directory");
    if (len + sizeof("/." WORKBOOK_NAME ".XXXXXX") > size)
        return ts_error_set(err, TS_ELIMIT, "'%s': path too long", in);
    memcpy(dir, in, len);
    dir[len] = '\0';
    return 0;
}

/* Runs the read in one transaction, so every sheet sees the same index even
 * while an ingest commits. */
static int begin_read(sqlite3 *db, int *began, ts_error *err)
{
    *began = 0;
    if (!sqlite3_get_autocommit(db))
        return 0;
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return ts_error_set(err, TS_EDB, "reading the index: %s",
                            sqlite3_errmsg(db));
    *began = 1;
    return 0;
}

/* Two views are read by several populations and charts: who is behind
 * each session (v_session_identity) and the events per source and day
 * (v_event_days, a pass over every event). As views they are recomputed by
 * every query that names them, and a join the planner judges small scans
 * one once per outer row (TS-OPS-01: 100 s at 10M events). They are
 * computed once here, in the read transaction every population runs in,
 * into temp tables of the same names (v_event_days by event_days.c, which
 * sums the days in one pass rather than sorting every event for the view's
 * GROUP BY): an unqualified name finds the temp
 * schema first, so the populations' SQL (quoted verbatim in the register,
 * and re-run by an auditor against the views) reads the same rows, sooner. */
static const char materialize_sql[] =
    "DROP TABLE IF EXISTS temp.v_session_identity;"
    "CREATE TEMP TABLE v_session_identity AS"
    " SELECT * FROM main.v_session_identity;"
    "CREATE INDEX temp.v_session_identity_by_session"
    " ON v_session_identity(session_id);";

/* A store of a layout before 12, read as it is, has no sessions.first_seq
 * (TS-IAM-07 and -08 read it): the sessions with it, each looked up
 * through that layout's events_by_session, in a temp table of the same
 * name. */
static const char first_seqs_sql[] =
    "DROP TABLE IF EXISTS temp.sessions;"
    "CREATE TEMP TABLE sessions AS SELECT s.*, (SELECT min(e.seq)"
    " FROM events e WHERE e.session_id = s.session_id) AS first_seq"
    " FROM main.sessions s;"
    "CREATE UNIQUE INDEX temp.sessions_by_id ON sessions(session_id);"
    "CREATE INDEX temp.sessions_by_start ON sessions(started_us);";

static const char unmaterialize_sql[] =
    "DROP TABLE IF EXISTS temp.v_session_identity;"
    "DROP TABLE IF EXISTS temp.v_event_days;"
    "DROP TABLE IF EXISTS temp.sessions;";

static int materialize_views(sqlite3 *db, int64_t max_seq,
                             ts_name_set *audit_objects, ts_error *err)
{
    if (!ts_report_schema_has(
            db, "SELECT 1 FROM main.sqlite_master WHERE type = 'view'"
                " AND name = 'v_event_days'"))
        return ts_error_set(err, TS_EINVAL,
                            "the index has no view v_event_days (a store made "
                            "by an older trailseal): run 'trailseal reindex' "
                            "once to add it");
    if (sqlite3_exec(db, materialize_sql, NULL, NULL, NULL) != SQLITE_OK)
        return ts_error_set(err, TS_EDB, "reading sessions: %s",
                            sqlite3_errmsg(db));
    if (!ts_report_schema_has(
            db, "SELECT 1 FROM pragma_table_info('sessions', 'main')"
                " WHERE name = 'first_seq'") &&
        sqlite3_exec(db, first_seqs_sql, NULL, NULL, NULL) != SQLITE_OK)
        return ts_error_set(err, TS_EDB, "reading sessions: %s",
                            sqlite3_errmsg(db));
    return ts_report_event_days(db, max_seq, audit_objects, err);
}

int ts_report_write_index(sqlite3 *db, const ts_report_cover *cover,
                          const ts_controls *controls,
                          const ts_report_options *opts, ts_report_result *out,
                          ts_error *err)
{
    char dir[4096], path[4096], tmp[4096];
    write_ctx w;
    int rc, began = 0, fd;

    assert(db != NULL && cover != NULL && cover->verify != NULL);
    assert(opts != NULL && opts->out_dir != NULL && out != NULL);
    memset(&w, 0, sizeof(w));
    w.db = db;
    w.cover = cover;
    w.controls = controls;
    w.opts = opts;
    ts_buf_init(&w.x.text, (size_t)TS_XLSX_CELL_MAX * 4 + 64);
    ts_buf_init(&w.tables_json, (size_t)64 << 20);
    ts_buf_init(&w.columns_json, (size_t)256 << 20);
    ts_buf_init(&w.allowed_json, (size_t)64 << 20);
    ts_buf_init(&w.class_tables_json, (size_t)64 << 20);
    ts_checkpoint_info_parse(&w.checkpoint, cover->checkpoint);
    w.x.path = path;
    ts_step_timer_start(&w.timer, opts->timings);

    rc = plan_sheets(&w, err);
    if (rc == 0)
        rc = trim_dir(opts->out_dir, dir, sizeof(dir), err);
    if (rc != 0)
        return rc;
    /* trim_dir checked the length: these fit */
    if (snprintf(path, sizeof(path), "%s/%s", dir, WORKBOOK_NAME) < 0 ||
        snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, WORKBOOK_NAME) < 0)
        return ts_error_set(err, TS_EINVAL, "'%s': bad path", dir);
    rc = ts_report_ensure_dir(dir, err);
    /* 16 MiB of page cache, which SQLite's sorter also takes as its memory
     * before it spills to temporary files: with the 2 MiB default, sorting
     * TS-DATA-01's 4.47M rows (10M events) merged hundreds of spilled runs,
     * 25 s -> 15 s for its query */
    if (rc == 0 && sqlite3_exec(db, "PRAGMA cache_size=-16384", NULL, NULL,
                                NULL) != SQLITE_OK)
        rc = ts_error_set(err, TS_EDB, "reading the index: %s",
                          sqlite3_errmsg(db));
    if (rc == 0)
        rc = begin_read(db, &began, err);
    if (rc == 0)
        rc = materialize_views(db, checkpoint_max_seq(&w.checkpoint),
                               &w.audit_objects, err);
    if (rc != 0)
        goto out;
    ts_step_timer_lap(&w.timer, "sessions and days (temp tables)");
    /* Written beside the final name and renamed over it when complete: a
     * failed run never leaves a partial evidence.xlsx, and an existing
     * symlink named evidence.xlsx is replaced rather than followed. */
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = ts_error_set(err, TS_EIO, "'%s': cannot create: %s", tmp,
                          strerror(errno));
        goto out;
    }
    close(fd);
    rc = write_sheets(&w, tmp, dir, err);
    if (rc == 0)
        ts_step_timer_lap(&w.timer, "cover, results.json");
    if (rc == 0 && cover->proof_entries != NULL)
        rc = collect_proof_entries(&w, err);
    if (rc != 0 || w.x.wb == NULL) {
        if (w.x.wb != NULL)
            lxw_workbook_free(w.x.wb);
        unlink(tmp);
        if (rc == 0) /* write_sheets opens it or fails */
            rc = ts_error_set(err, TS_EIO, "'%s': no workbook", path);
    } else if (cover->workbook_job != NULL) {
        ts_workbook_job_start(cover->workbook_job, w.x.wb, tmp, path);
    } else {
        ts_workbook_job job;
        ts_workbook_job_start(&job, w.x.wb, tmp, path);
        rc = ts_workbook_job_finish(&job, 1, opts->timings, err);
    }
    w.x.wb = NULL;
    if (rc == 0)
        fill_result(&w, path, out);
out:
    sqlite3_exec(db, unmaterialize_sql, NULL, NULL, NULL);
    if (began)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    ts_personal_tables_release(&w.tables);
    ts_name_set_release(&w.audit_objects);
    for (size_t i = 0; i < w.n_results; i++)
        ts_control_result_release(&w.results[i]);
    free(w.results);
    ts_buf_release(&w.tables_json);
    ts_buf_release(&w.columns_json);
    ts_buf_release(&w.allowed_json);
    ts_buf_release(&w.class_tables_json);
    ts_buf_release(&w.x.text);
    return rc;
}
