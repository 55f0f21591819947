/* results.json: the control results in machine-readable form, beside the
 * workbook; the OSCAL writer and anyone scripting over a pack read it. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "report/json_text.h"
#include "report/report_internal.h"
#include "trailseal/time.h"
#include "trailseal/trailseal.h"

static const char *status_key(ts_control_status s)
{
    switch (s) {
    case TS_STATUS_NOT_OCCURRING:
        return "not_occurring";
    case TS_STATUS_EFFECTIVE:
        return "effective";
    case TS_STATUS_WITH_EXCEPTIONS:
        return "with_exceptions";
    case TS_STATUS_INEFFECTIVE:
        return "ineffective";
    }
    return "unknown";
}

static json_t *time_or_null(int64_t us)
{
    char text[40];

    if (us == INT64_MIN || us == INT64_MAX)
        return json_null();
    return json_string(ts_time_format(us, text, sizeof(text)));
}

static json_t *entry_or_null(int64_t entry)
{
    return entry < 0 ? json_null() : json_integer(entry);
}

/* Adds v to o as key; a missing v (out of memory) marks *failed, so a
 * member is never silently left out. */
static void set(json_t *o, const char *key, json_t *v, int *failed)
{
    if (v == NULL || json_object_set_new(o, key, v) != 0)
        *failed = 1;
}

static void append(json_t *a, json_t *v, int *failed)
{
    if (v == NULL || json_array_append_new(a, v) != 0)
        *failed = 1;
}

static json_t *strings(char *const *list, size_t n, int *failed)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++)
        append(a, ts_json_text(list[i]), failed);
    return a;
}

static json_t *items(const ts_control_item *it, size_t n, const ts_controls *cs,
                     int exceptions, int *failed)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++) {
        json_t *o = json_object();
        set(o, "entry", entry_or_null(it[i].entry_index), failed);
        set(o, "row", json_integer((json_int_t)it[i].row), failed);
        set(o, "item", ts_json_text(it[i].item), failed);
        set(o, "time", time_or_null(it[i].time_us), failed);
        if (exceptions) {
            const ts_waiver *w =
                it[i].waiver >= 0 ? &cs->waivers[it[i].waiver] : NULL;
            set(o, "reason", ts_json_text(it[i].reasons), failed);
            set(o, "waived", json_boolean(w != NULL), failed);
            if (w != NULL)
                set(o, "waiver",
                    json_pack("{s:o, s:o}", "approver",
                              ts_json_text(w->approver), "justification",
                              ts_json_text(w->justification)),
                    failed);
        }
        append(a, o, failed);
    }
    return a;
}

static json_t *control_json(const ts_controls *cs, const ts_control_result *r,
                            int *failed)
{
    const ts_control *c = r->control;
    json_t *o = json_object();

    set(o, "id", ts_json_text(c->id), failed);
    set(o, "title", ts_json_text(c->title), failed);
    set(o, "criteria", strings(c->criteria, c->n_criteria, failed), failed);
    set(o, "description", ts_json_text(c->description), failed);
    set(o, "owner", ts_json_text(c->owner), failed);
    set(o, "frequency", ts_json_text(c->frequency), failed);
    set(o, "nature", ts_json_text(c->nature), failed);
    set(o, "key", json_boolean(c->key), failed);
    set(o, "lane", ts_json_text(c->lane), failed);
    set(o, "severity", ts_json_text(c->severity), failed);
    set(o, "status", json_string(status_key(r->status)), failed);
    set(o, "population", json_integer((json_int_t)r->population), failed);
    set(o, "population_sha256", ts_json_text(r->population_sha256), failed);
    set(o, "population_file", ts_json_text(r->csv_name), failed);
    set(o, "query", ts_json_text(c->population), failed);
    set(o, "exceptions_found", json_integer((json_int_t)r->exceptions_all),
        failed);
    set(o, "exceptions_waived", json_integer((json_int_t)r->waived), failed);
    if (r->seed[0] != '\0') {
        set(o, "seed", json_string(r->seed), failed);
        set(o, "sample_size", json_integer((json_int_t)r->sample_size), failed);
    }
    set(o, "sampled", items(r->samples, r->n_samples, cs, 0, failed), failed);
    set(o, "exceptions", items(r->exceptions, r->n_exceptions, cs, 1, failed),
        failed);
    return o;
}

int ts_report_write_results_json(const ts_results_facts *f, ts_error *err)
{
    char path[4200], tmp[4300], hex[2 * TS_SHA256_SIZE + 1];
    json_t *root, *controls;
    FILE *f_out;
    int rc = 0, fd, failed = 0;

    root = json_object();
    controls = json_array();
    set(root, "period",
        json_pack("{s:o, s:o, s:o}", "start", time_or_null(f->since_us), "end",
                  time_or_null(f->until_us), "label", ts_json_text(f->period)),
        &failed);
    set(root, "entity", ts_json_text(f->controls ? f->controls->entity : ""),
        &failed);
    set(root, "store", ts_json_text(f->store_path ? f->store_path : ""),
        &failed);
    set(root, "origin", ts_json_text(f->origin ? f->origin : ""), &failed);
    set(root, "tree_size", json_integer((json_int_t)f->tree_size), &failed);
    set(root, "verdict", ts_json_text(f->verdict), &failed);
    set(root, "tool_version", json_string(TRAILSEAL_VERSION), &failed);
    if (f->controls != NULL) {
        ts_hex_encode(f->controls->sha256, TS_SHA256_SIZE, hex);
        set(root, "controls_sha256", json_string(hex), &failed);
    }
    set(root, "generated", time_or_null(ts_time_now()), &failed);
    for (size_t i = 0; controls != NULL && i < f->n_results; i++)
        append(controls, control_json(f->controls, &f->results[i], &failed),
               &failed);
    set(root, "controls", controls, &failed);
    if (root == NULL || failed) {
        json_decref(root);
        return ts_error_set(err, TS_ENOMEM, "'%s/results.json': out of memory",
                            f->dir);
    }

    snprintf(path, sizeof(path), "%s/results.json", f->dir);
    snprintf(tmp, sizeof(tmp), "%s/.results.json.XXXXXX", f->dir);
    fd = mkstemp(tmp);
    if (fd < 0) {
        json_decref(root);
        return ts_error_set(err, TS_EIO, "'%s': cannot create: %s", tmp,
                            strerror(errno));
    }
    /* through stdio: json_dumpfd writes every token with its own write(),
     * 6.8 million system calls for the 100k exceptions of a 1M report */
    f_out = fdopen(fd, "w");
    if (f_out == NULL) {
        close(fd);
        rc = ts_error_set(err, TS_EIO, "'%s': cannot write: %s", path,
                          strerror(errno));
    } else {
        if (json_dumpf(root, f_out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) !=
                0 ||
            fputc('\n', f_out) == EOF || fflush(f_out) != 0 || fsync(fd) != 0)
            rc = ts_error_set(err, TS_EIO, "'%s': cannot write: %s", path,
                              strerror(errno));
        if (fclose(f_out) != 0 && rc == 0)
            rc = ts_error_set(err, TS_EIO, "'%s': cannot write: %s", path,
                              strerror(errno));
    }
    if (rc == 0 && rename(tmp, path) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': cannot write: %s", path,
                          strerror(errno));
    if (rc != 0)
        unlink(tmp);
    json_decref(root);
    return rc;
}
