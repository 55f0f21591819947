/* results.json: the control results in machine-readable form, beside the
 * workbook; the OSCAL writer and anyone scripting over a pack read it. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

static json_t *strings(char *const *list, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++)
        json_array_append_new(a, json_string(list[i]));
    return a;
}

static json_t *items(const ts_control_item *it, size_t n, const ts_controls *cs,
                     int exceptions)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++) {
        json_t *o = json_pack("{s:o, s:I, s:s, s:o}", "entry",
                              entry_or_null(it[i].entry_index), "row",
                              (json_int_t)it[i].row, "item", it[i].item, "time",
                              time_or_null(it[i].time_us));
        if (o != NULL && exceptions) {
            json_object_set_new(o, "reason", json_string(it[i].reasons));
            json_object_set_new(o, "waived", json_boolean(it[i].waiver >= 0));
            if (it[i].waiver >= 0)
                json_object_set_new(
                    o, "waiver",
                    json_pack("{s:s, s:s}", "approver",
                              cs->waivers[it[i].waiver].approver,
                              "justification",
                              cs->waivers[it[i].waiver].justification));
        }
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *control_json(const ts_controls *cs, const ts_control_result *r)
{
    const ts_control *c = r->control;
    json_t *o = json_object();

    json_object_set_new(o, "id", json_string(c->id));
    json_object_set_new(o, "title", json_string(c->title));
    json_object_set_new(o, "criteria", strings(c->criteria, c->n_criteria));
    json_object_set_new(o, "description", json_string(c->description));
    json_object_set_new(o, "owner", json_string(c->owner));
    json_object_set_new(o, "frequency", json_string(c->frequency));
    json_object_set_new(o, "nature", json_string(c->nature));
    json_object_set_new(o, "key", json_boolean(c->key));
    json_object_set_new(o, "lane", json_string(c->lane));
    json_object_set_new(o, "severity", json_string(c->severity));
    json_object_set_new(o, "status", json_string(status_key(r->status)));
    json_object_set_new(o, "population",
                        json_integer((json_int_t)r->population));
    json_object_set_new(o, "population_sha256",
                        json_string(r->population_sha256));
    json_object_set_new(o, "population_file", json_string(r->csv_name));
    json_object_set_new(o, "query", json_string(c->population));
    json_object_set_new(o, "exceptions_found",
                        json_integer((json_int_t)r->exceptions_all));
    json_object_set_new(o, "exceptions_waived",
                        json_integer((json_int_t)r->waived));
    if (r->seed[0] != '\0') {
        json_object_set_new(o, "seed", json_string(r->seed));
        json_object_set_new(o, "sample_size",
                            json_integer((json_int_t)r->sample_size));
    }
    json_object_set_new(o, "sampled", items(r->samples, r->n_samples, cs, 0));
    json_object_set_new(o, "exceptions",
                        items(r->exceptions, r->n_exceptions, cs, 1));
    return o;
}

int ts_report_write_results_json(const ts_results_facts *f, ts_error *err)
{
    char path[4200], tmp[4300], hex[2 * TS_SHA256_SIZE + 1];
    json_t *root, *controls;
    FILE *f_out;
    int rc = 0, fd;

    root = json_object();
    controls = json_array();
    if (root == NULL || controls == NULL) {
        json_decref(root);
        json_decref(controls);
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    }
    json_object_set_new(
        root, "period",
        json_pack("{s:o, s:o, s:s}", "start", time_or_null(f->since_us), "end",
                  time_or_null(f->until_us), "label", f->period));
    json_object_set_new(root, "entity",
                        json_string(f->controls ? f->controls->entity : ""));
    json_object_set_new(root, "store",
                        json_string(f->store_path ? f->store_path : ""));
    json_object_set_new(root, "origin",
                        json_string(f->origin ? f->origin : ""));
    json_object_set_new(root, "tree_size",
                        json_integer((json_int_t)f->tree_size));
    json_object_set_new(root, "verdict", json_string(f->verdict));
    json_object_set_new(root, "tool_version", json_string(TRAILSEAL_VERSION));
    if (f->controls != NULL) {
        ts_hex_encode(f->controls->sha256, TS_SHA256_SIZE, hex);
        json_object_set_new(root, "controls_sha256", json_string(hex));
    }
    json_object_set_new(root, "generated", time_or_null(ts_time_now()));
    for (size_t i = 0; i < f->n_results; i++)
        json_array_append_new(controls,
                              control_json(f->controls, &f->results[i]));
    json_object_set_new(root, "controls", controls);

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
