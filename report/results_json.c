/* results.json: the control results in machine-readable form, beside the
 * workbook; the OSCAL writer and anyone scripting over a pack read it. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "report/json_out.h"
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

static json_t *strings(char *const *list, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++)
        if (json_array_append_new(a, ts_json_text(list[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* Adds v to o as key; a missing v (out of memory) marks *failed, so a
 * member is never silently left out. */
static void set(json_t *o, const char *key, json_t *v, int *failed)
{
    if (v == NULL || json_object_set_new(o, key, v) != 0)
        *failed = 1;
}

/* One item of "sampled" or "exceptions", made and written at once: a
 * capped control keeps 100,000 of them. */
static void write_item(ts_json_out *o, const ts_control_item *it,
                       const ts_controls *cs, int exception)
{
    json_t *item = json_object();
    int failed = item == NULL;

    set(item, "entry", entry_or_null(it->entry_index), &failed);
    set(item, "row", json_integer((json_int_t)it->row), &failed);
    set(item, "item", ts_json_text(it->item), &failed);
    set(item, "time", time_or_null(it->time_us), &failed);
    if (exception) {
        const ts_waiver *w = it->waiver >= 0 ? &cs->waivers[it->waiver] : NULL;
        set(item, "reason", ts_json_text(it->reasons), &failed);
        set(item, "waived", json_boolean(w != NULL), &failed);
        if (w != NULL)
            set(item, "waiver",
                json_pack("{s:o, s:o}", "approver", ts_json_text(w->approver),
                          "justification", ts_json_text(w->justification)),
                &failed);
    }
    if (failed) {
        json_decref(item);
        item = NULL;
    }
    ts_json_out_value(o, NULL, item);
}

/* The kept exceptions, read back from their spool; a read failure fails
 * the writer and is said in *err (which control, what). */
static void write_exceptions(ts_json_out *o, const ts_control_result *r,
                             const ts_controls *cs, ts_error *err)
{
    ts_exception_reader rd;
    ts_error why;
    int rc = 0;

    ts_json_out_begin(o, "exceptions", '[');
    ts_exception_reader_open(&rd, &r->exceptions);
    while (!o->failed && (rc = ts_exception_reader_next(&rd, &why)) == 1)
        write_item(o, &rd.item, cs, 1);
    if (rc < 0) {
        o->failed = 1;
        ts_error_set(err, rc, "control %s: %s", r->control->id, why.msg);
    }
    ts_exception_reader_close(&rd);
    ts_json_out_end(o);
}

static void write_control(ts_json_out *o, const ts_controls *cs,
                          const ts_control_result *r, ts_error *err)
{
    const ts_control *c = r->control;

    ts_json_out_begin(o, NULL, '{');
    ts_json_out_value(o, "id", ts_json_text(c->id));
    ts_json_out_value(o, "title", ts_json_text(c->title));
    ts_json_out_value(o, "criteria", strings(c->criteria, c->n_criteria));
    ts_json_out_value(o, "description", ts_json_text(c->description));
    ts_json_out_value(o, "owner", ts_json_text(c->owner));
    ts_json_out_value(o, "frequency", ts_json_text(c->frequency));
    ts_json_out_value(o, "nature", ts_json_text(c->nature));
    ts_json_out_value(o, "key", json_boolean(c->key));
    ts_json_out_value(o, "lane", ts_json_text(c->lane));
    ts_json_out_value(o, "severity", ts_json_text(c->severity));
    ts_json_out_value(o, "status", json_string(status_key(r->status)));
    ts_json_out_value(o, "population", json_integer((json_int_t)r->population));
    ts_json_out_value(o, "population_sha256",
                      ts_json_text(r->population_sha256));
    ts_json_out_value(o, "population_file", ts_json_text(r->csv_name));
    ts_json_out_value(o, "query", ts_json_text(c->population));
    ts_json_out_value(o, "exceptions_found",
                      json_integer((json_int_t)r->exceptions_all));
    ts_json_out_value(o, "exceptions_waived",
                      json_integer((json_int_t)r->waived));
    if (r->seed[0] != '\0') {
        ts_json_out_value(o, "seed", json_string(r->seed));
        ts_json_out_value(o, "sample_size",
                          json_integer((json_int_t)r->sample_size));
    }
    ts_json_out_begin(o, "sampled", '[');
    for (size_t i = 0; i < r->n_samples; i++)
        write_item(o, &r->samples[i], cs, 0);
    ts_json_out_end(o);
    write_exceptions(o, r, cs, err);
    ts_json_out_end(o);
}

/* The document, written as it is made (never one tree: 177,000 items at
 * 10M events made a 170 MB one). */
static int write_document(FILE *f, const ts_results_facts *fx, ts_error *err)
{
    char hex[2 * TS_SHA256_SIZE + 1];
    ts_json_out o;

    ts_json_out_init(&o, f, 1, 0);
    ts_json_out_begin(&o, NULL, '{');
    ts_json_out_value(&o, "period",
                      json_pack("{s:o, s:o, s:o}", "start",
                                time_or_null(fx->since_us), "end",
                                time_or_null(fx->until_us), "label",
                                ts_json_text(fx->period)));
    ts_json_out_value(&o, "entity",
                      ts_json_text(fx->controls ? fx->controls->entity : ""));
    ts_json_out_value(&o, "store",
                      ts_json_text(fx->store_path ? fx->store_path : ""));
    ts_json_out_value(&o, "origin", ts_json_text(fx->origin ? fx->origin : ""));
    ts_json_out_value(&o, "tree_size", json_integer((json_int_t)fx->tree_size));
    ts_json_out_value(&o, "verdict", ts_json_text(fx->verdict));
    ts_json_out_value(&o, "tool_version", json_string(TRAILSEAL_VERSION));
    if (fx->controls != NULL) {
        ts_hex_encode(fx->controls->sha256, TS_SHA256_SIZE, hex);
        ts_json_out_value(&o, "controls_sha256", json_string(hex));
    }
    ts_json_out_value(&o, "generated", time_or_null(ts_time_now()));
    ts_json_out_begin(&o, "controls", '[');
    for (size_t i = 0; i < fx->n_results; i++)
        write_control(&o, fx->controls, &fx->results[i], err);
    ts_json_out_end(&o);
    ts_json_out_end(&o);
    return ts_json_out_finish(&o);
}

int ts_report_write_results_json(const ts_results_facts *f, ts_error *err)
{
    char path[4200], tmp[4300];
    FILE *f_out;
    int rc = 0, fd;

    snprintf(path, sizeof(path), "%s/results.json", f->dir);
    snprintf(tmp, sizeof(tmp), "%s/.results.json.XXXXXX", f->dir);
    fd = mkstemp(tmp);
    if (fd < 0)
        return ts_error_set(err, TS_EIO, "'%s': cannot create: %s", tmp,
                            strerror(errno));
    f_out = fdopen(fd, "w");
    if (f_out == NULL) {
        close(fd);
        rc = ts_error_set(err, TS_EIO, "'%s': cannot write: %s", path,
                          strerror(errno));
    } else {
        /* errno 0 first: a failure without one was out of memory */
        ts_error spool;
        ts_error_clear(&spool);
        errno = 0;
        if (write_document(f_out, f, &spool) != 0 || fsync(fd) != 0)
            rc =
                spool.code != 0
                    ? ts_error_set(err, spool.code, "'%s': %s", path, spool.msg)
                    : ts_error_set(err, errno ? TS_EIO : TS_ENOMEM,
                                   "'%s': cannot write: %s", path,
                                   errno ? strerror(errno) : "out of memory");
        if (fclose(f_out) != 0 && rc == 0)
            rc = ts_error_set(err, TS_EIO, "'%s': cannot write: %s", path,
                              strerror(errno));
    }
    if (rc == 0 && rename(tmp, path) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': cannot write: %s", path,
                          strerror(errno));
    if (rc != 0)
        unlink(tmp);
    return rc;
}
