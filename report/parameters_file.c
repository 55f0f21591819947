/* populations/parameters.json: the value of every parameter the
 * populations bind, exactly as bound, so an auditor re-runs any population
 * against the store with the sqlite3 shell (`.parameter set`) and gets the
 * rows of its CSV. The register shows the short ones; the JSON ones
 * (:classified_columns and the like) can be larger than a cell. A value
 * that is not valid UTF-8 (a table or column name from a hostile log) is
 * written as {"hex": ...}: JSON holds no such string, and an approximation
 * would bind other bytes. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "report/json_text.h"
#include "report/report_internal.h"

static json_t *control_parameters(const ts_controls *cs)
{
    json_t *all = json_object();

    for (size_t i = 0; all != NULL && cs != NULL && i < cs->n_controls; i++) {
        const ts_control *c = &cs->controls[i];
        json_t *own = json_object();
        int failed = 0;
        for (size_t j = 0; own != NULL && !failed && j < c->n_params; j++) {
            int64_t v;
            failed = json_object_set_new(
                         own, c->params[j].name,
                         ts_control_param_integer(&c->params[j], &v)
                             ? json_integer((json_int_t)v)
                             : ts_json_exact_text(c->params[j].value)) != 0;
        }
        if (own == NULL || failed ||
            json_object_set_new(all, c->id, own) != 0) {
            if (failed)
                json_decref(own);
            json_decref(all);
            return NULL;
        }
    }
    return all;
}

int ts_report_write_parameters(const ts_control_env *env, ts_error *err)
{
    char path[4200];
    json_t *doc;
    int rc = 0;

    if (snprintf(path, sizeof(path), "%s/populations/parameters.json",
                 env->out_dir) >= (int)sizeof(path))
        return ts_error_set(err, TS_ELIMIT, "'%s': path too long",
                            env->out_dir);
    doc = json_pack(
        "{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "since",
        (json_int_t)env->since_us, "until", (json_int_t)env->until_us,
        "min_seq", (json_int_t)env->min_seq, "max_seq",
        (json_int_t)env->max_seq, "period", ts_json_exact_text(env->period),
        "verdict", ts_json_exact_text(env->verdict), "personal_tables",
        ts_json_exact_text(env->personal_tables), "classified_columns",
        ts_json_exact_text(env->classified_columns), "class_allowed",
        ts_json_exact_text(env->class_allowed), "class_tables",
        ts_json_exact_text(env->class_tables), "controls",
        control_parameters(env->controls));
    if (doc == NULL)
        return ts_error_set(err, TS_ENOMEM, "'%s': cannot build", path);
    if (json_dump_file(doc, path, JSON_INDENT(1) | JSON_SORT_KEYS) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': cannot write", path);
    json_decref(doc);
    return rc;
}
