/* The sheets that summarise the control tests: matrix, criteria coverage,
 * population register, samples, test results, exceptions and waivers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "trailseal/time.h"

#define SUMMARY_COLS(a) a, sizeof(a) / sizeof(a[0])

/* Writes the row's cells: text when `texts[i]` is set, else the number. */
static int put_row(ts_xlsx *x, ts_sheet *s, const char *const *texts,
                   const double *numbers, size_t n, ts_error *err)
{
    int rc = 0;

    if (!ts_sheet_row(s))
        return 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (texts[i] != NULL)
            rc = ts_sheet_text(x, s, (lxw_col_t)i, texts[i], x->wrap, err);
        else if (numbers != NULL && numbers[i] >= 0)
            rc = ts_sheet_number(x, s, (lxw_col_t)i, numbers[i], NULL, err);
    }
    return rc;
}

/* "CC6.1, CC6.2" */
static void join(char *const *list, size_t n, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 list[i]);
}

static const ts_sheet_col matrix_cols[] = {
    {"control", 12, TS_COL_TEXT},   {"title", 40, TS_COL_TEXT},
    {"criteria", 16, TS_COL_TEXT},  {"key", 6, TS_COL_TEXT},
    {"nature", 11, TS_COL_TEXT},    {"frequency", 11, TS_COL_TEXT},
    {"lane", 8, TS_COL_TEXT},       {"severity", 9, TS_COL_TEXT},
    {"owner", 14, TS_COL_TEXT},     {"population", 11, TS_COL_INT},
    {"exceptions", 11, TS_COL_INT}, {"waived", 8, TS_COL_INT},
    {"conclusion", 24, TS_COL_TEXT}};

int ts_report_write_matrix(ts_xlsx *x, ts_sheet *s, const ts_control_result *r,
                           size_t n, ts_error *err)
{
    int rc = ts_sheet_header(x, s, SUMMARY_COLS(matrix_cols), err);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        const ts_control *c = r[i].control;
        char criteria[512];
        const char *t[13] = {c->id,
                             c->title,
                             criteria,
                             c->key ? "yes" : "no",
                             c->nature,
                             c->frequency,
                             c->lane,
                             c->severity,
                             c->owner,
                             NULL,
                             NULL,
                             NULL,
                             ts_control_status_name(r[i].status)};
        double v[13] = {-1,
                        -1,
                        -1,
                        -1,
                        -1,
                        -1,
                        -1,
                        -1,
                        -1,
                        (double)r[i].population,
                        (double)r[i].exceptions_all,
                        (double)r[i].waived,
                        -1};
        join(c->criteria, c->n_criteria, criteria, sizeof(criteria));
        rc = put_row(x, s, t, v, 13, err);
    }
    if (rc == 0)
        rc = ts_sheet_finish(x, s, err);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const ts_sheet_col criteria_cols[] = {
    {"criterion", 12, TS_COL_TEXT},
    {"controls", 40, TS_COL_TEXT},
    {"ineffective", 24, TS_COL_TEXT},
    {"with exceptions", 24, TS_COL_TEXT},
    {"conclusion", 28, TS_COL_TEXT}};

int ts_report_write_criteria(ts_xlsx *x, ts_sheet *s,
                             const ts_control_result *r, size_t n,
                             ts_error *err)
{
    const char **all = NULL;
    size_t n_all = 0, total = 0;
    int rc = ts_sheet_header(x, s, SUMMARY_COLS(criteria_cols), err);

    for (size_t i = 0; i < n; i++)
        total += r[i].control->n_criteria;
    all = calloc(total ? total : 1, sizeof(*all));
    if (all == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < r[i].control->n_criteria; j++)
            all[n_all++] = r[i].control->criteria[j];
    qsort(all, n_all, sizeof(*all), cmp_str);
    for (size_t i = 0; rc == 0 && i < n_all; i++) {
        char ids[2048] = "", bad[1024] = "", weak[1024] = "";
        size_t u1 = 0, u2 = 0, u3 = 0, covered = 0;
        const char *t[5];
        if (i > 0 && strcmp(all[i], all[i - 1]) == 0)
            continue;
        for (size_t k = 0; k < n; k++) {
            const ts_control *c = r[k].control;
            int has = 0;
            for (size_t j = 0; j < c->n_criteria; j++)
                has |= strcmp(c->criteria[j], all[i]) == 0;
            if (!has)
                continue;
            if (r[k].status != TS_STATUS_NOT_OCCURRING)
                covered++;
            if (u1 < sizeof(ids))
                u1 += (size_t)snprintf(ids + u1, sizeof(ids) - u1, "%s%s",
                                       u1 ? ", " : "", c->id);
            if (r[k].status == TS_STATUS_INEFFECTIVE && u2 < sizeof(bad))
                u2 += (size_t)snprintf(bad + u2, sizeof(bad) - u2, "%s%s",
                                       u2 ? ", " : "", c->id);
            if (r[k].status == TS_STATUS_WITH_EXCEPTIONS && u3 < sizeof(weak))
                u3 += (size_t)snprintf(weak + u3, sizeof(weak) - u3, "%s%s",
                                       u3 ? ", " : "", c->id);
        }
        t[0] = all[i];
        t[1] = ids;
        t[2] = bad;
        t[3] = weak;
        t[4] = u2        ? "deficiency: a control is ineffective"
               : u3      ? "exceptions noted"
               : covered ? "operating effectively"
                         : "no population in the period";
        rc = put_row(x, s, t, NULL, 5, err);
    }
    free(all);
    if (rc == 0)
        rc = ts_sheet_finish(x, s, err);
    return rc;
}

static const ts_sheet_col register_cols[] = {
    {"control", 12, TS_COL_TEXT},
    {"sheet", 20, TS_COL_TEXT},
    {"population file", 28, TS_COL_TEXT},
    {"rows", 10, TS_COL_INT},
    {"SHA-256 of the file", 66, TS_COL_TEXT},
    {"query", 80, TS_COL_TEXT},
    {"exception rules", 60, TS_COL_TEXT},
    {"parameters", 50, TS_COL_TEXT}};

int ts_report_write_register(ts_xlsx *x, ts_sheet *s, const ts_control_env *env,
                             const ts_control_result *r, size_t n,
                             ts_error *err)
{
    ts_buf rules, params;
    char builtin[512], since[40], until[40];
    int rc = ts_sheet_header(x, s, SUMMARY_COLS(register_cols), err);

    ts_buf_init(&rules, (size_t)TS_XLSX_CELL_MAX * 8);
    ts_buf_init(&params, (size_t)TS_XLSX_CELL_MAX * 8);
    snprintf(builtin, sizeof(builtin),
             ":since = %lld (%s)\n:until = %lld (%s)\n:min_seq = %lld\n"
             ":max_seq = %lld\n"
             ":period = %s\n:verdict = %s\n(every parameter, as bound: "
             "populations/parameters.json)",
             (long long)env->since_us,
             ts_time_format(env->since_us, since, sizeof(since)),
             (long long)env->until_us,
             ts_time_format(env->until_us, until, sizeof(until)),
             (long long)env->min_seq, (long long)env->max_seq, env->period,
             env->verdict);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const ts_control *c = r[i].control;
        const char *t[8];
        double v[8] = {-1, -1, -1, (double)r[i].population, -1, -1, -1, -1};
        rules.len = params.len = 0;
        for (size_t j = 0; rc == 0 && j < c->n_assertions; j++) {
            const ts_assertion *a = &c->assertions[j];
            char line[64];
            snprintf(line, sizeof(line), "%s%zu. when ", j ? "\n" : "", j + 1);
            rc = ts_buf_append(&rules, line, strlen(line), err);
            if (rc == 0)
                rc = ts_buf_append(&rules, a->when, strlen(a->when), err);
            if (rc == 0)
                rc = ts_buf_append(&rules, " → ", strlen(" → "), err);
            if (rc == 0)
                rc = ts_buf_append(&rules, a->reason, strlen(a->reason), err);
        }
        if (rc == 0)
            rc = ts_buf_append(&params, builtin, strlen(builtin), err);
        for (size_t j = 0; rc == 0 && j < c->n_params; j++) {
            rc = ts_buf_append(&params, "\n:", 2, err);
            if (rc == 0)
                rc = ts_buf_append(&params, c->params[j].name,
                                   strlen(c->params[j].name), err);
            if (rc == 0)
                rc = ts_buf_append(&params, " = ", 3, err);
            if (rc == 0)
                rc = ts_buf_append(&params, c->params[j].value,
                                   strlen(c->params[j].value), err);
        }
        if (rc == 0)
            rc = ts_buf_terminate(&rules, err);
        if (rc == 0)
            rc = ts_buf_terminate(&params, err);
        if (rc != 0)
            break;
        t[0] = c->id;
        t[1] = c->sheet ? c->sheet : "";
        t[2] = r[i].csv_name;
        t[3] = NULL;
        t[4] = r[i].population_sha256;
        t[5] = c->population;
        t[6] = (const char *)rules.data;
        t[7] = (const char *)params.data;
        rc = put_row(x, s, t, v, 8, err);
    }
    ts_buf_release(&rules);
    ts_buf_release(&params);
    if (rc == 0)
        rc = ts_sheet_finish(x, s, err);
    return rc;
}

static void proof_name(int64_t entry, char *buf, size_t size)
{
    if (entry < 0)
        snprintf(buf, size, "(no single entry)");
    else
        snprintf(buf, size, "proofs/entry-%lld.proof", (long long)entry);
}

static const ts_sheet_col samples_cols[] = {
    {"control", 12, TS_COL_TEXT},    {"seed", 66, TS_COL_TEXT},
    {"sample size", 10, TS_COL_INT}, {"population", 10, TS_COL_INT},
    {"row", 8, TS_COL_INT},          {"item", 30, TS_COL_TEXT},
    {"time", 24, TS_COL_TEXT},       {"entry_index", 12, TS_COL_INT},
    {"proof", 28, TS_COL_TEXT}};

int ts_report_write_samples(ts_xlsx *x, ts_sheet *s, const ts_control_result *r,
                            size_t n, ts_error *err)
{
    int rc = ts_sheet_header(x, s, SUMMARY_COLS(samples_cols), err);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        for (size_t j = 0; rc == 0 && j < r[i].n_samples; j++) {
            const ts_control_item *it = &r[i].samples[j];
            char when[40] = "", proof[64];
            const char *t[9] = {r[i].control->id, r[i].seed, NULL, NULL, NULL,
                                it->item,         when,      NULL, proof};
            double v[9] = {-1,
                           -1,
                           (double)r[i].sample_size,
                           (double)r[i].population,
                           (double)it->row,
                           -1,
                           -1,
                           (double)it->entry_index,
                           -1};
            if (it->time_us != INT64_MIN)
                ts_time_format(it->time_us, when, sizeof(when));
            proof_name(it->entry_index, proof, sizeof(proof));
            rc = put_row(x, s, t, v, 9, err);
        }
    }
    if (rc == 0)
        rc = ts_sheet_finish(x, s, err);
    return rc;
}

static const ts_sheet_col results_cols[] = {
    {"control", 12, TS_COL_TEXT},     {"lane", 8, TS_COL_TEXT},
    {"items tested", 12, TS_COL_INT}, {"exceptions", 11, TS_COL_INT},
    {"waived", 8, TS_COL_INT},        {"tolerated", 10, TS_COL_INT},
    {"sampled", 8, TS_COL_INT},       {"conclusion", 24, TS_COL_TEXT},
    {"test", 80, TS_COL_TEXT}};

int ts_report_write_results(ts_xlsx *x, ts_sheet *s, const ts_controls *cs,
                            const ts_control_result *r, size_t n, ts_error *err)
{
    int rc = ts_sheet_header(x, s, SUMMARY_COLS(results_cols), err);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        const ts_control *c = r[i].control;
        char test[2048];
        size_t used = (size_t)snprintf(
            test, sizeof(test),
            "every item of the population is tested by the machine; ");
        for (size_t j = 0; j < c->n_assertions && used < sizeof(test); j++)
            used += (size_t)snprintf(
                test + used, sizeof(test) - used, "%sexception when %s (%s)",
                j ? "; " : "", c->assertions[j].when, c->assertions[j].reason);
        if (c->n_assertions == 0 && used < sizeof(test))
            snprintf(test + used, sizeof(test) - used,
                     "no exception rule: the population is evidence");
        const char *t[9] = {
            c->id, c->lane, NULL, NULL,
            NULL,  NULL,    NULL, ts_control_status_name(r[i].status),
            test};
        double v[9] = {-1,
                       -1,
                       (double)r[i].population,
                       (double)r[i].exceptions_all,
                       (double)r[i].waived,
                       (double)cs->tolerance[ts_severity_index(c->severity)],
                       (double)r[i].n_samples,
                       -1,
                       -1};
        rc = put_row(x, s, t, v, 9, err);
    }
    if (rc == 0)
        rc = ts_sheet_finish(x, s, err);
    return rc;
}

static const ts_sheet_col exceptions_cols[] = {
    {"control", 12, TS_COL_TEXT},   {"severity", 9, TS_COL_TEXT},
    {"row", 8, TS_COL_INT},         {"item", 30, TS_COL_TEXT},
    {"time", 24, TS_COL_TEXT},      {"reason", 50, TS_COL_TEXT},
    {"waived by", 30, TS_COL_TEXT}, {"entry_index", 12, TS_COL_INT},
    {"proof", 28, TS_COL_TEXT}};

int ts_report_write_exceptions(ts_xlsx *x, ts_sheet *s, const ts_controls *cs,
                               const ts_control_result *r, size_t n,
                               ts_error *err)
{
    int rc = ts_sheet_header(x, s, SUMMARY_COLS(exceptions_cols), err);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        ts_exception_reader rd;
        ts_exception_reader_open(&rd, &r[i].exceptions);
        while (rc == 0 && (rc = ts_exception_reader_next(&rd, err)) == 1) {
            const ts_control_item *it = &rd.item;
            char when[40] = "", proof[64], waiver[1200] = "";
            const char *t[9] = {r[i].control->id,
                                r[i].control->severity,
                                NULL,
                                it->item,
                                when,
                                it->reasons,
                                waiver,
                                NULL,
                                proof};
            double v[9] = {-1, -1, (double)it->row,         -1, -1,
                           -1, -1, (double)it->entry_index, -1};
            if (it->time_us != INT64_MIN)
                ts_time_format(it->time_us, when, sizeof(when));
            if (it->waiver >= 0)
                snprintf(waiver, sizeof(waiver), "%s: %s",
                         cs->waivers[it->waiver].approver,
                         cs->waivers[it->waiver].justification);
            proof_name(it->entry_index, proof, sizeof(proof));
            rc = put_row(x, s, t, v, 9, err);
        }
        ts_exception_reader_close(&rd);
        if (rc < 0)
            ts_error_prefix(err, "control %s: ", r[i].control->id);
        if (rc == 0 && r[i].exceptions_all > r[i].n_exceptions) {
            char more[128];
            const char *t[9] = {r[i].control->id,
                                NULL,
                                NULL,
                                more,
                                NULL,
                                NULL,
                                NULL,
                                NULL,
                                NULL};
            snprintf(
                more, sizeof(more),
                "%llu more exceptions: see the population file",
                (unsigned long long)(r[i].exceptions_all - r[i].n_exceptions));
            rc = put_row(x, s, t, NULL, 9, err);
        }
    }
    if (rc == 0)
        rc = ts_sheet_finish(x, s, err);
    return rc;
}

static const ts_sheet_col waivers_cols[] = {
    {"control", 12, TS_COL_TEXT},
    {"item", 24, TS_COL_TEXT},
    {"justification", 50, TS_COL_TEXT},
    {"approver", 20, TS_COL_TEXT},
    {"expires", 24, TS_COL_TEXT},
    {"in force at period end", 12, TS_COL_TEXT},
    {"exceptions waived", 10, TS_COL_INT}};

/* How many kept exceptions each waiver waived: *used (one count per
 * waiver) is the caller's to free. */
static int count_waived(const ts_controls *cs, const ts_control_result *r,
                        size_t n, uint64_t **used, ts_error *err)
{
    int rc = 0;

    *used = calloc(cs->n_waivers, sizeof(**used));
    if (*used == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    for (size_t k = 0; rc == 0 && k < n; k++) {
        ts_exception_reader rd;
        ts_exception_reader_open(&rd, &r[k].exceptions);
        while ((rc = ts_exception_reader_next(&rd, err)) == 1)
            if (rd.item.waiver >= 0 && (size_t)rd.item.waiver < cs->n_waivers)
                (*used)[rd.item.waiver]++;
        ts_exception_reader_close(&rd);
        if (rc < 0)
            ts_error_prefix(err, "control %s: ", r[k].control->id);
    }
    return rc;
}

int ts_report_write_waivers(ts_xlsx *x, ts_sheet *s, const ts_controls *cs,
                            const ts_control_result *r, size_t n,
                            int64_t until_us, ts_error *err)
{
    int64_t at = until_us == INT64_MAX ? ts_time_now() : until_us;
    int rc = ts_sheet_header(x, s, SUMMARY_COLS(waivers_cols), err);
    uint64_t *used = NULL;

    if (rc == 0 && cs != NULL && cs->n_waivers > 0)
        rc = count_waived(cs, r, n, &used, err);
    for (size_t i = 0; rc == 0 && cs != NULL && i < cs->n_waivers; i++) {
        const ts_waiver *w = &cs->waivers[i];
        char expires[40];
        const char *t[7] = {
            w->control,
            w->item,
            w->justification,
            w->approver,
            ts_time_format(w->expires_us, expires, sizeof(expires)),
            w->expires_us >= at ? "yes" : "no (expired)",
            NULL};
        double v[7] = {-1, -1, -1, -1, -1, -1, (double)used[i]};
        rc = put_row(x, s, t, v, 7, err);
    }
    free(used);
    if (rc == 0)
        rc = ts_sheet_finish(x, s, err);
    return rc;
}
