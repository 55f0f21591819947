/* OSCAL 1.0.4 assessment results (and the minimal assessment plan they
 * import) from the report's results.json: one finding per control, one
 * observation per control test and per exception, each exception linked to
 * its inclusion proof. Deterministic: UUIDs are version 5, from content. */
#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/json_in.h"
#include "report/json_out.h"
#include "report/pack_internal.h"
#include "report/report_internal.h"

#define OSCAL_VERSION "1.0.4"
/* Namespace of trailseal's own property names. */
#define OSCAL_NS "urn:trailseal:oscal"
#define MAX_TOKEN 256

/* The UUID namespace of every UUID in a pack's OSCAL (itself a version 5
 * UUID of "urn:trailseal:oscal" in the RFC 4122 URL namespace). */
static const uint8_t uuid_ns[16] = {0x3c, 0x8e, 0x47, 0x2b, 0x1f, 0x6a,
                                    0x5d, 0x21, 0x9a, 0x40, 0x6e, 0x15,
                                    0xd2, 0x7b, 0x93, 0x0c};

/* RFC 4122 version 5: SHA-1 of the namespace and the name. */
static int uuid5(const char *name, char out[37], ts_error *err)
{
    uint8_t digest[EVP_MAX_MD_SIZE];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, uuid_ns, sizeof(uuid_ns)) == 1 &&
             EVP_DigestUpdate(ctx, name, strlen(name)) == 1 &&
             EVP_DigestFinal_ex(ctx, digest, NULL) == 1;
    char hex[33];

    EVP_MD_CTX_free(ctx);
    if (!ok)
        return ts_error_set(err, TS_ECRYPTO, "SHA-1 unavailable");
    digest[6] = (uint8_t)((digest[6] & 0x0f) | 0x50);
    digest[8] = (uint8_t)((digest[8] & 0x3f) | 0x80);
    ts_hex_encode(digest, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
             hex + 16, hex + 20);
    return 0;
}

/* A UUID for "<parent>\n<kind>\n<key>". */
static int child_uuid(const char *parent, const char *kind, const char *key,
                      char out[37], ts_error *err)
{
    size_t len = strlen(parent) + strlen(kind) + strlen(key) + 3;
    char *name = malloc(len);
    int rc;

    if (name == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    snprintf(name, len, "%s\n%s\n%s", parent, kind, key);
    rc = uuid5(name, out, err);
    free(name);
    return rc;
}

static const char *get_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* RFC 3339 with a zone, as OSCAL's date-time-with-timezone wants. */
static int rfc3339_valid(const char *s)
{
    static const char form[] = "dddd-dd-ddTdd:dd:dd";
    size_t i;

    if (s == NULL || strlen(s) < sizeof(form) - 1)
        return 0;
    for (i = 0; form[i]; i++)
        if (form[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != form[i])
            return 0;
    if (s[i] == '.') {
        for (i++; isdigit((unsigned char)s[i]); i++)
            ;
        if (s[i - 1] == '.')
            return 0;
    }
    if (s[i] == 'Z')
        return s[i + 1] == '\0';
    return (s[i] == '+' || s[i] == '-') && isdigit((unsigned char)s[i + 1]) &&
           isdigit((unsigned char)s[i + 2]) && s[i + 3] == ':' &&
           isdigit((unsigned char)s[i + 4]) &&
           isdigit((unsigned char)s[i + 5]) && s[i + 6] == '\0';
}

/* An OSCAL token (letter or '_' first, then letters, digits, '.', '-',
 * '_'): other characters become '_'. */
static void to_token(const char *s, char out[MAX_TOKEN])
{
    size_t o = 0;

    if (!isalpha((unsigned char)s[0]) && s[0] != '_')
        out[o++] = '_';
    for (; *s && o + 1 < MAX_TOKEN; s++)
        out[o++] = isalnum((unsigned char)*s) || strchr(".-_", *s) ? *s : '_';
    out[o] = '\0';
}

/* A property value must be one line without outer spaces: runs of white
 * space become one space. NULL when nothing is left. Caller frees. */
static char *one_line(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    size_t o = 0;

    if (out == NULL)
        return NULL;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) {
            if (o > 0 && out[o - 1] != ' ')
                out[o++] = ' ';
        } else {
            out[o++] = *s;
        }
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    if (o == 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Appends {name, ns, value} unless value is NULL or blank. */
static int add_prop(json_t *props, const char *name, const char *value)
{
    char *v = value ? one_line(value) : NULL;
    int rc = 0;

    if (v != NULL)
        rc = json_array_append_new(props,
                                   json_pack("{s:s, s:s, s:s}", "name", name,
                                             "ns", OSCAL_NS, "value", v));
    free(v);
    return rc;
}

static int add_prop_int(json_t *props, const char *name, json_t *value)
{
    char buf[32];

    if (!json_is_integer(value))
        return 0;
    snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(value));
    return add_prop(props, name, buf);
}

/* Sets key to arr when it has items (OSCAL arrays have minItems 1). */
static int set_nonempty(json_t *obj, const char *key, json_t *arr)
{
    int rc = json_array_size(arr) ? json_object_set(obj, key, arr) : 0;

    json_decref(arr);
    return rc;
}

/* "../<rel>" with anything outside RFC 3986 unreserved and '/' escaped,
 * as an href from oscal/ to a pack file. Caller frees. */
static char *pack_href(const char *rel)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(rel) * 3 + 4);
    size_t o = 3;

    if (out == NULL)
        return NULL;
    memcpy(out, "../", 3);
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
        if (isalnum(*p) || strchr("-._~/", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return out;
}

static json_t *evidence(const char *rel, const char *description)
{
    char *href = pack_href(rel);
    json_t *e =
        href ? json_pack("{s:s, s:s}", "href", href, "description", description)
             : NULL;

    free(href);
    return e;
}

/* Observations and findings sit this deep in assessment-results.json
 * (document, assessment-results, results, result, their array). */
#define ITEM_DEPTH 5

typedef struct oscal_ctx {
    json_t *results; /* results.json's members but its controls */
    const char *generated;
    char result_uuid[37];
    ts_json_in in; /* results.json, read a control and an item at a time */
    json_t *ids;   /* every control's id, in order */
    /* Observations and findings are written out as they are made (an
     * observation and a link to it per exception: hundreds of thousands)
     * to unlinked temporary files, spliced into the document at the end. */
    FILE *obs_file, *findings_file;
    ts_json_out obs, findings;
    size_t n_obs, n_findings;
} oscal_ctx;

/* Appends one observation, and the open finding's link to it; takes obs. */
static int add_observation(oscal_ctx *c, json_t *obs, const char *uuid)
{
    ts_json_out_value(&c->obs, NULL, obs);
    ts_json_out_value(&c->findings, NULL,
                      json_pack("{s:s}", "observation-uuid", uuid));
    c->n_obs++;
    return c->obs.failed || c->findings.failed ? -1 : 0;
}

static const char *status_state(const char *status, const char **reason)
{
    if (strcmp(status, "effective") == 0) {
        *reason = "pass";
        return "satisfied";
    }
    if (strcmp(status, "not_occurring") == 0) {
        /* Nothing to test is not a failure of the control; the trailseal
         * status prop and the remarks say which it was. */
        *reason = "other";
        return "satisfied";
    }
    if (strcmp(status, "with_exceptions") == 0 ||
        strcmp(status, "ineffective") == 0) {
        *reason = "fail";
        return "not-satisfied";
    }
    return NULL;
}

/* Where a control's "sampled" and "exceptions" arrays are in
 * results.json: passed over while its other members are read, and read
 * an item at a time afterwards. */
typedef struct item_lists {
    int has_sampled, has_exceptions;
    ts_json_in_mark sampled, exceptions;
} item_lists;

/* Steps into the array at `at` (absent: an empty one). 1 when there is
 * an array to step through, 0 when absent, else an error. */
static int open_items(oscal_ctx *c, int present, const ts_json_in_mark *at,
                      const char *id, const char *what, ts_error *err)
{
    ts_error why;

    if (!present)
        return 0;
    ts_json_in_restore(&c->in, at);
    if (ts_json_in_open(&c->in, '[', &why) != 0)
        return ts_error_set(err, why.code, "%s (control %s: %s)", why.msg, id,
                            what);
    return 1;
}

static int count_items(oscal_ctx *c, int present, const ts_json_in_mark *at,
                       const char *id, const char *what, size_t *n,
                       ts_error *err)
{
    int rc = open_items(c, present, at, id, what, err);

    *n = 0;
    if (rc <= 0)
        return rc;
    while ((rc = ts_json_in_next(&c->in, NULL, err)) == 1) {
        (*n)++;
        if ((rc = ts_json_in_skip(&c->in, err)) != 0)
            return rc;
    }
    return rc;
}

/* One observation per exception, linked to its proof. */
static int add_exceptions(oscal_ctx *c, const item_lists *lists, const char *id,
                          const char *finding_uuid, ts_error *err)
{
    int rc = open_items(c, lists->has_exceptions, &lists->exceptions, id,
                        "exceptions", err);

    for (size_t i = 0; rc == 1; i++) {
        json_t *item, *entry, *obs, *props, *ev;
        const char *reason, *what;
        char uuid[37], key[64], rel[64], *desc;
        size_t len;
        int has_entry;

        rc = ts_json_in_next(&c->in, NULL, err);
        if (rc != 1)
            break;
        if ((item = ts_json_in_value(&c->in, err)) == NULL)
            return err ? err->code : TS_EINVAL;
        entry = json_object_get(item, "entry");
        reason = get_str(item, "reason");
        what = get_str(item, "item");
        has_entry = json_is_integer(entry) && json_integer_value(entry) >= 0;
        snprintf(key, sizeof(key), "%zu", i);
        if (child_uuid(finding_uuid, "exception", key, uuid, err) != 0) {
            json_decref(item);
            return err ? err->code : TS_ERR;
        }
        snprintf(rel, sizeof(rel), "proofs/entry-%lld.proof",
                 (long long)json_integer_value(entry));
        len = strlen(id) + (reason ? strlen(reason) : 0) +
              (what ? strlen(what) : 0) + 64;
        desc = malloc(len);
        if (desc == NULL) {
            json_decref(item);
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        }
        snprintf(desc, len, "%s exception: %s%s%s", id,
                 reason ? reason : "assertion failed", what ? ": " : "",
                 what ? what : "");
        props = json_array();
        add_prop(props, "control-id", id);
        add_prop_int(props, "entry", entry);
        add_prop(props, "waived",
                 json_is_true(json_object_get(item, "waived")) ? "true"
                                                               : "false");
        json_decref(item);
        /* An item with no entry (a fact derived from several) has no
         * proof to point at. */
        ev = json_array();
        if (has_entry)
            json_array_append_new(
                ev, evidence(rel, "c2sp.org/tlog-proof@v1 inclusion proof of "
                                  "the entry against checkpoint.txt"));
        obs = json_pack("{s:s, s:s, s:s, s:o, s:[s], s:[s], s:s}", "uuid", uuid,
                        "title", "Exception", "description", desc, "props",
                        props, "methods", "TEST", "types", "finding",
                        "collected", c->generated);
        free(desc);
        if (obs == NULL || set_nonempty(obs, "relevant-evidence", ev) != 0 ||
            add_observation(c, obs, uuid) != 0)
            return ts_error_set(err, TS_EIO,
                                "assessment results: cannot write "
                                "observations");
    }
    return rc;
}

/* The control's test: its population and sample, with their evidence. */
static int add_test(oscal_ctx *c, json_t *control, const item_lists *lists,
                    const char *id, const char *finding_uuid, ts_error *err)
{
    json_t *ev = json_array(), *props = json_array(), *obs;
    const char *file = get_str(control, "population_file");
    const char *sha = get_str(control, "population_sha256");
    char uuid[37], rel[64], desc[512];
    size_t n_sampled = 0, n_exceptions = 0;
    int rc;

    if (file != NULL && ts_pack_rel_valid(file))
        json_array_append_new(ev, evidence(file, "the population as exported "
                                                 "(SHA-256 in the population-"
                                                 "sha256 property)"));
    /* the sampled items one at a time too: 100,000 of them with long
     * labels would not fit one value's window */
    rc = open_items(c, lists->has_sampled, &lists->sampled, id, "sampled", err);
    while (rc == 1 && (rc = ts_json_in_next(&c->in, NULL, err)) == 1) {
        json_t *item = ts_json_in_value(&c->in, err), *entry;
        if (item == NULL) {
            rc = err ? err->code : TS_EINVAL;
            break;
        }
        n_sampled++;
        entry = json_object_get(item, "entry");
        if (json_is_integer(entry) && json_integer_value(entry) >= 0) {
            snprintf(rel, sizeof(rel), "proofs/entry-%lld.proof",
                     (long long)json_integer_value(entry));
            json_array_append_new(ev, evidence(rel, "c2sp.org/tlog-proof@v1 "
                                                    "inclusion proof of a "
                                                    "sampled item"));
        }
        json_decref(item);
    }
    if (rc == 0)
        rc = count_items(c, lists->has_exceptions, &lists->exceptions, id,
                         "exceptions", &n_exceptions, err);
    if (rc == 0)
        rc = child_uuid(finding_uuid, "test", "", uuid, err);
    if (rc != 0) {
        json_decref(ev);
        json_decref(props);
        return rc;
    }
    snprintf(
        desc, sizeof(desc),
        "%s tested over a population of %lld item(s) (%s lane); %zu "
        "sampled, %zu exception(s).",
        id,
        (long long)json_integer_value(json_object_get(control, "population")),
        get_str(control, "lane") ? get_str(control, "lane") : "census",
        n_sampled, n_exceptions);
    add_prop(props, "control-id", id);
    add_prop_int(props, "population", json_object_get(control, "population"));
    add_prop(props, "population-sha256", sha);
    add_prop(props, "sample-seed", get_str(control, "seed"));
    add_prop_int(props, "sample-size", json_object_get(control, "sample_size"));
    obs = json_pack("{s:s, s:s, s:s, s:o, s:[s], s:[s], s:s}", "uuid", uuid,
                    "title", "Control test", "description", desc, "props",
                    props, "methods", "TEST", "types", "control-objective",
                    "collected", c->generated);
    if (obs == NULL || set_nonempty(obs, "relevant-evidence", ev) != 0 ||
        add_observation(c, obs, uuid) != 0)
        return ts_error_set(err, TS_EIO,
                            "assessment results: cannot write observations");
    return 0;
}

/* The control's finding, written as it is made: its head, then a link to
 * each observation as the observation is written. */
static int add_finding(oscal_ctx *c, json_t *control, const item_lists *lists,
                       size_t n, ts_error *err)
{
    const char *id = get_str(control, "id"), *title = get_str(control, "title");
    const char *status = get_str(control, "status"), *reason = NULL, *state;
    const char *description = get_str(control, "description");
    char uuid[37], token[MAX_TOKEN], *ftitle;
    json_t *props, *target, *crit;
    size_t i, len;
    int rc;

    if (id == NULL || title == NULL || status == NULL)
        return ts_error_set(err, TS_EINVAL,
                            "results.json: control %zu needs id, title and "
                            "status",
                            n + 1);
    state = status_state(status, &reason);
    if (state == NULL)
        return ts_error_set(err, TS_EINVAL,
                            "results.json: control %s: unknown status '%s'", id,
                            status);
    if (json_array_append_new(c->ids, json_string(id)) != 0)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    rc = child_uuid(c->result_uuid, "finding", id, uuid, err);
    if (rc != 0)
        return rc;
    to_token(id, token);
    props = json_array();
    add_prop(props, "status", status);
    add_prop(props, "severity", get_str(control, "severity"));
    add_prop(props, "lane", get_str(control, "lane"));
    add_prop(props, "owner", get_str(control, "owner"));
    add_prop(props, "frequency", get_str(control, "frequency"));
    add_prop(props, "nature", get_str(control, "nature"));
    if (json_is_boolean(json_object_get(control, "key")))
        add_prop(props, "key-control",
                 json_is_true(json_object_get(control, "key")) ? "true"
                                                               : "false");
    json_array_foreach(json_object_get(control, "criteria"), i, crit)
    {
        if (json_is_string(crit))
            add_prop(props, "soc2-criterion", json_string_value(crit));
    }
    target = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "type", "objective-id",
                       "target-id", token, "description",
                       description ? description : title, "status", "state",
                       state, "reason", reason);
    if (target != NULL && strcmp(status, "not_occurring") == 0)
        json_object_set_new(target, "remarks",
                            json_string("The control did not operate in the "
                                        "period: its population is empty."));
    len = strlen(id) + strlen(title) + 3;
    ftitle = malloc(len);
    if (ftitle != NULL)
        snprintf(ftitle, len, "%s: %s", id, title);
    ts_json_out_begin(&c->findings, NULL, '{');
    ts_json_out_value(&c->findings, "uuid", json_string(uuid));
    ts_json_out_value(&c->findings, "title",
                      ftitle ? json_string(ftitle) : NULL);
    ts_json_out_value(&c->findings, "description",
                      json_string(description ? description : title));
    ts_json_out_value(&c->findings, "props", props);
    ts_json_out_value(&c->findings, "target", target);
    ts_json_out_begin(&c->findings, "related-observations", '[');
    free(ftitle);
    if (c->findings.failed)
        return ts_error_set(err, TS_EIO,
                            "assessment results: cannot write findings");
    rc = add_test(c, control, lists, id, uuid, err);
    if (rc == 0)
        rc = add_exceptions(c, lists, id, uuid, err);
    ts_json_out_end(&c->findings);
    ts_json_out_end(&c->findings);
    c->n_findings++;
    if (rc == 0 && c->findings.failed)
        rc = ts_error_set(err, TS_EIO,
                          "assessment results: cannot write findings");
    return rc;
}

/* reviewed-controls: every control (ids, their strings), as a control and
 * as an objective. */
static json_t *reviewed_controls(json_t *ids_in, const char *description)
{
    json_t *ids = json_array(), *objectives = json_array(), *id;
    json_t *rc = json_pack("{s:s}", "description", description);
    char token[MAX_TOKEN];
    size_t i;

    json_array_foreach(ids_in, i, id)
    {
        to_token(json_string_value(id), token);
        json_array_append_new(ids, json_pack("{s:s}", "control-id", token));
        json_array_append_new(objectives,
                              json_pack("{s:s}", "objective-id", token));
    }
    if (json_array_size(ids) > 0) {
        json_object_set_new(rc, "control-selections",
                            json_pack("[{s:o}]", "include-controls", ids));
        json_object_set_new(
            rc, "control-objective-selections",
            json_pack("[{s:o}]", "include-objectives", objectives));
    } else {
        json_decref(ids);
        json_decref(objectives);
        json_object_set_new(rc, "control-selections",
                            json_pack("[{s:{}}]", "include-all"));
    }
    return rc;
}

static json_t *metadata(json_t *r, const char *title, const char *generated)
{
    json_t *props = json_array();
    char version[160];

    snprintf(version, sizeof(version), "%s@%lld", get_str(r, "label_"),
             (long long)json_integer_value(json_object_get(r, "tree_size")));
    add_prop(props, "store-origin", get_str(r, "origin"));
    add_prop_int(props, "tree-size", json_object_get(r, "tree_size"));
    add_prop(props, "verdict", get_str(r, "verdict"));
    add_prop(props, "tool-version", get_str(r, "tool_version"));
    add_prop(props, "controls-sha256", get_str(r, "controls_sha256"));
    add_prop(props, "store", get_str(r, "store"));
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "title", title,
                     "last-modified", generated, "version", version,
                     "oscal-version", OSCAL_VERSION, "props", props);
}

/* Checks the fields every document needs; copies the label into
 * "label_" for metadata(). */
static int check_results(json_t *r, ts_error *err)
{
    json_t *period = json_object_get(r, "period");
    const char *start = get_str(period, "start"), *end = get_str(period, "end");
    const char *label = get_str(period, "label");

    if (!json_is_object(r) || !json_is_object(period) ||
        (start != NULL && !rfc3339_valid(start)) ||
        (end != NULL && !rfc3339_valid(end)) || label == NULL ||
        label[0] == '\0')
        return ts_error_set(err, TS_EINVAL,
                            "results.json: needs period.start and period.end "
                            "(RFC 3339 with a zone, or null when open) and "
                            "period.label");
    /* An open start: OSCAL requires one, and the log holds nothing before
     * the epoch. An open end is simply left out. */
    if (start == NULL)
        json_object_set_new(period, "start",
                            json_string("1970-01-01T00:00:00Z"));
    if (get_str(r, "entity") == NULL || get_str(r, "origin") == NULL ||
        !json_is_integer(json_object_get(r, "tree_size")) ||
        !rfc3339_valid(get_str(r, "generated")))
        return ts_error_set(err, TS_EINVAL,
                            "results.json: needs entity, origin, tree_size "
                            "and generated (RFC 3339)");
    json_object_set_new(r, "label_", json_string(label));
    return 0;
}

static int dump(json_t *doc, const char *dir, const char *rel, ts_error *err)
{
    char path[TS_PACK_PATH_MAX];
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    size_t len;
    int rc;

    if (text == NULL)
        return ts_error_set(err, TS_ENOMEM, "%s: cannot serialise", rel);
    len = strlen(text);
    text[len] = '\n'; /* replaces the NUL; written by length */
    rc = ts_pack_path(path, sizeof(path), dir, rel, err);
    if (rc == 0)
        rc = ts_pack_write_file(path, text, len + 1, err);
    free(text);
    return rc;
}

static int write_plan(json_t *r, json_t *ids, const char *plan_uuid,
                      const char *dir, ts_error *err)
{
    char resource[37], href[40], title[512], desc[1024];
    json_t *plan;
    int rc;

    rc = child_uuid(plan_uuid, "system", "", resource, err);
    if (rc != 0)
        return rc;
    snprintf(href, sizeof(href), "#%s", resource);
    snprintf(title, sizeof(title), "SOC 2 assessment plan: %s, %s",
             get_str(r, "entity"), get_str(r, "label_"));
    snprintf(desc, sizeof(desc),
             "The database activity of %s sealed in the trailseal log '%s'. "
             "No system security plan exists: this resource stands for it.",
             get_str(r, "entity"), get_str(r, "origin"));
    plan =
        json_pack("{s:{s:s, s:o, s:{s:s}, s:o, s:{s:[{s:s, s:s, s:s}]}}}",
                  "assessment-plan", "uuid", plan_uuid, "metadata",
                  metadata(r, title, get_str(r, "generated")), "import-ssp",
                  "href", href, "reviewed-controls",
                  reviewed_controls(ids, "SOC 2 controls from controls.yaml"),
                  "back-matter", "resources", "uuid", resource, "title",
                  "System under assessment", "description", desc);
    if (plan == NULL)
        return ts_error_set(err, TS_ENOMEM, "assessment plan: out of memory");
    rc = dump(plan, dir, "oscal/assessment-plan.json", err);
    json_decref(plan);
    return rc;
}

/* The document, around the spooled observations and findings. */
static int write_document(oscal_ctx *c, const char *ar_uuid, FILE *f)
{
    json_t *r = c->results, *period = json_object_get(r, "period");
    json_t *props = json_array();
    char title[512], desc[1024];
    ts_json_out o;

    snprintf(title, sizeof(title), "SOC 2 assessment results: %s, %s",
             get_str(r, "entity"), get_str(r, "label_"));
    snprintf(desc, sizeof(desc),
             "Each control of controls.yaml tested over %s to %s by "
             "trailseal against the log '%s' at tree size %lld (verdict: "
             "%s).",
             get_str(period, "start"),
             get_str(period, "end") ? get_str(period, "end") : "now",
             get_str(r, "origin"),
             (long long)json_integer_value(json_object_get(r, "tree_size")),
             get_str(r, "verdict") ? get_str(r, "verdict") : "unknown");
    add_prop(props, "period", get_str(r, "label_"));
    ts_json_out_init(&o, f, 2, 0);
    ts_json_out_begin(&o, NULL, '{');
    ts_json_out_begin(&o, "assessment-results", '{');
    ts_json_out_value(&o, "uuid", json_string(ar_uuid));
    ts_json_out_value(&o, "metadata", metadata(r, title, c->generated));
    ts_json_out_value(&o, "import-ap",
                      json_pack("{s:s}", "href", "assessment-plan.json"));
    ts_json_out_begin(&o, "results", '[');
    ts_json_out_begin(&o, NULL, '{');
    ts_json_out_value(&o, "uuid", json_string(c->result_uuid));
    ts_json_out_value(&o, "title", json_string(title));
    ts_json_out_value(&o, "description", json_string(desc));
    ts_json_out_value(&o, "start", json_string(get_str(period, "start")));
    ts_json_out_value(&o, "props", props);
    ts_json_out_value(
        &o, "reviewed-controls",
        reviewed_controls(c->ids, "SOC 2 controls from controls.yaml"));
    if (get_str(period, "end") != NULL)
        ts_json_out_value(&o, "end", json_string(get_str(period, "end")));
    /* OSCAL arrays have at least one item: empty ones are left out */
    if (c->n_obs > 0) {
        ts_json_out_begin(&o, "observations", '[');
        ts_json_out_splice(&o, c->obs_file, c->n_obs);
        ts_json_out_end(&o);
    }
    if (c->n_findings > 0) {
        ts_json_out_begin(&o, "findings", '[');
        ts_json_out_splice(&o, c->findings_file, c->n_findings);
        ts_json_out_end(&o);
    }
    ts_json_out_end(&o);
    ts_json_out_end(&o);
    ts_json_out_end(&o);
    ts_json_out_end(&o);
    return ts_json_out_finish(&o);
}

static int write_results(oscal_ctx *c, const char *ar_uuid, const char *dir,
                         ts_error *err)
{
    char path[TS_PACK_PATH_MAX], tmp[TS_PACK_PATH_MAX + 8];
    const char *rel = "oscal/assessment-results.json";
    FILE *f;
    int rc = ts_pack_path(path, sizeof(path), dir, rel, err);

    if (rc != 0)
        return rc;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if ((f = fopen(tmp, "wb")) == NULL)
        return ts_error_set(err, TS_EIO, "'%s': cannot create", tmp);
    if (write_document(c, ar_uuid, f) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': write failed", path);
    if (fclose(f) != 0 && rc == 0)
        rc = ts_error_set(err, TS_EIO, "'%s': write failed", path);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': write failed", path);
    if (rc != 0)
        remove(tmp);
    return rc;
}

/* Reads results.json's members into c->results, but its controls, which
 * are passed over (*controls marks them, *found says they were there). */
static int read_top(oscal_ctx *c, ts_json_in_mark *controls, int *found,
                    ts_error *err)
{
    static const char *const deferred[] = {"controls"};
    int rc = ts_json_in_object(&c->in, deferred, 1, controls, found,
                               &c->results, err);

    if (rc == 0)
        rc = ts_json_in_end(&c->in, err);
    return rc;
}

/* Reads the control at the cursor (its members but its items, which are
 * passed over and marked) and writes its finding and observations; the
 * walk of the controls goes on after it. */
static int read_control(oscal_ctx *c, size_t n, ts_error *err)
{
    static const char *const deferred[] = {"sampled", "exceptions"};
    ts_json_in_mark marks[2], after;
    int present[2];
    item_lists lists;
    json_t *control = NULL;
    int rc =
        ts_json_in_object(&c->in, deferred, 2, marks, present, &control, err);

    if (rc == 0) {
        lists.has_sampled = present[0];
        lists.sampled = marks[0];
        lists.has_exceptions = present[1];
        lists.exceptions = marks[1];
        ts_json_in_save(&c->in, &after);
        rc = add_finding(c, control, &lists, n, err);
        ts_json_in_restore(&c->in, &after);
    }
    json_decref(control);
    return rc;
}

int ts_pack_write_oscal(const char *dir, ts_error *err)
{
    char path[TS_PACK_PATH_MAX], subject[1024], plan_uuid[37], ar_uuid[37];
    oscal_ctx c;
    ts_json_in_mark controls;
    struct stat st;
    int rc, fd = -1, found;

    memset(&c, 0, sizeof(c));
    rc = ts_pack_path(path, sizeof(path), dir, TS_PACK_RESULTS, err);
    if (rc == 0 && (fd = ts_pack_open_regular(path, &st, err)) < 0)
        rc = fd;
    if (rc == 0)
        rc = ts_json_in_init(&c.in, fd, TS_PACK_RESULTS, err);
    if (rc == 0)
        rc = read_top(&c, &controls, &found, err);
    if (rc == 0)
        rc = check_results(c.results, err);
    if (rc == 0 && !found)
        rc = ts_error_set(err, TS_EINVAL,
                          "results.json: needs a controls array");
    if (rc == 0) {
        json_t *period = json_object_get(c.results, "period");
        c.generated = get_str(c.results, "generated");
        /* Per subject: the same entity, log and period keep their UUIDs
         * across regenerations. */
        snprintf(subject, sizeof(subject), "%s\n%s\n%s\n%s",
                 get_str(c.results, "entity"), get_str(c.results, "origin"),
                 get_str(period, "start"),
                 get_str(period, "end") ? get_str(period, "end") : "");
        rc = child_uuid(subject, "assessment-plan", "", plan_uuid, err);
    }
    if (rc == 0)
        rc = child_uuid(subject, "assessment-results", "", ar_uuid, err);
    if (rc == 0)
        rc = child_uuid(ar_uuid, "result", "", c.result_uuid, err);
    if (rc == 0 && (c.ids = json_array()) == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = ts_report_temp_file(dir, "observations", &c.obs_file, err);
    if (rc == 0)
        rc = ts_report_temp_file(dir, "findings", &c.findings_file, err);
    if (rc == 0) {
        ts_json_out_init(&c.obs, c.obs_file, 2, ITEM_DEPTH);
        ts_json_out_init(&c.findings, c.findings_file, 2, ITEM_DEPTH);
        ts_error why;
        ts_json_in_restore(&c.in, &controls);
        rc = ts_json_in_open(&c.in, '[', &why);
        if (rc != 0)
            rc = ts_error_set(err, rc, "%s (controls)", why.msg);
    }
    for (size_t n = 0; rc == 0; n++) {
        rc = ts_json_in_next(&c.in, NULL, err);
        if (rc != 1)
            break;
        rc = read_control(&c, n, err);
    }
    if (rc == 0 && (ts_json_out_finish(&c.obs) != 0 ||
                    ts_json_out_finish(&c.findings) != 0))
        rc = ts_error_set(err, TS_EIO,
                          "assessment results: cannot write observations");
    if (rc == 0)
        rc = ts_pack_path(path, sizeof(path), dir, "oscal", err);
    if (rc == 0)
        rc = ts_pack_mkdir(path, err);
    if (rc == 0)
        rc = write_plan(c.results, c.ids, plan_uuid, dir, err);
    if (rc == 0)
        rc = write_results(&c, ar_uuid, dir, err);
    if (c.obs_file != NULL)
        fclose(c.obs_file);
    if (c.findings_file != NULL)
        fclose(c.findings_file);
    ts_json_in_release(&c.in);
    if (fd >= 0)
        close(fd);
    json_decref(c.ids);
    json_decref(c.results);
    return rc;
}
