/* controls.yaml's controls, sampling table, tolerance and the waivers file:
 * strict parsing (unknown or duplicate keys are errors) and defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

static const char *const frequencies[] = {
    "continuous", "daily", "weekly", "monthly", "quarterly", "annual", NULL};
static const char *const natures[] = {"preventive", "detective", NULL};
static const char *const lanes[] = {"census", "sample", NULL};
static const char *const severities[] = {"high", "medium", "low", NULL};

int ts_severity_index(const char *severity)
{
    for (int i = 0; severities[i] != NULL; i++)
        if (strcmp(severity, severities[i]) == 0)
            return i;
    return TS_SEV_MEDIUM;
}

static int id_ok(const char *id)
{
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
            return 0;
    return 1;
}

/* Excel refuses sheet names over 31 characters or with []:*?/\ in them. */
static int sheet_name_ok(const char *name)
{
    if (strlen(name) > 31 || name[0] == '\'')
        return 0;
    return strpbrk(name, "[]:*?/\\") == NULL;
}

static int parse_assertion(ts_yaml_ctx *ctx, const yaml_node_t *node,
                           ts_assertion *a)
{
    yaml_node_pair_t *pair;
    int rc = 0;

    if (node->type != YAML_MAPPING_NODE)
        return ts_yaml_fail(ctx, node,
                            "an exception rule must be a mapping with "
                            "when and reason");
    for (pair = node->data.mapping.pairs.start;
         rc == 0 && pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = ts_yaml_node(ctx, pair->key);
        yaml_node_t *value = ts_yaml_node(ctx, pair->value);
        if (ts_yaml_key_is(key, "when") && a->when == NULL)
            rc =
                ts_yaml_text(ctx, value, "when", TS_CONTROLS_MAX_SQL, &a->when);
        else if (ts_yaml_key_is(key, "reason") && a->reason == NULL)
            rc = ts_yaml_scalar(ctx, value, "reason", &a->reason);
        else
            rc = ts_yaml_fail(ctx, key,
                              "unknown or duplicate key in exception rule "
                              "(expected when, reason)");
    }
    if (rc == 0 && (a->when == NULL || a->reason == NULL))
        rc = ts_yaml_fail(ctx, node, "an exception rule needs when and reason");
    return rc;
}

static int parse_assertions(ts_yaml_ctx *ctx, const yaml_node_t *node,
                            ts_control *c)
{
    size_t n = ts_yaml_count(node);

    if (node->type != YAML_SEQUENCE_NODE || n > TS_CONTROLS_MAX_LIST)
        return ts_yaml_fail(ctx, node, "exceptions must be a list of rules");
    c->assertions = calloc(n ? n : 1, sizeof(*c->assertions));
    if (c->assertions == NULL)
        return ts_yaml_oom(ctx);
    for (size_t i = 0; i < n; i++) {
        int rc;
        c->n_assertions = i + 1;
        rc = parse_assertion(
            ctx, ts_yaml_node(ctx, node->data.sequence.items.start[i]),
            &c->assertions[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A list parameter as a JSON array of strings. */
static int list_json(ts_yaml_ctx *ctx, char **items, size_t n, char **out)
{
    ts_buf b;
    int rc = 0;

    ts_buf_init(&b, (size_t)TS_CONTROLS_MAX_LIST * TS_CONTROLS_MAX_TEXT * 6);
    rc = ts_buf_append_byte(&b, '[', ctx->err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i > 0)
            rc = ts_buf_append_byte(&b, ',', ctx->err);
        if (rc == 0)
            rc = ts_json_string(&b, items[i], ctx->err);
    }
    if (rc == 0)
        rc = ts_buf_append(&b, "]", 2, ctx->err); /* with the NUL */
    if (rc != 0) {
        ts_buf_release(&b);
        return rc;
    }
    *out = (char *)b.data;
    return 0;
}

static int parse_params(ts_yaml_ctx *ctx, const yaml_node_t *node,
                        ts_control *c)
{
    size_t n = ts_yaml_count(node);

    if (node->type != YAML_MAPPING_NODE || n > TS_CONTROLS_MAX_LIST)
        return ts_yaml_fail(ctx, node, "parameters must be a mapping");
    c->params = calloc(n ? n : 1, sizeof(*c->params));
    if (c->params == NULL)
        return ts_yaml_oom(ctx);
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *pair = &node->data.mapping.pairs.start[i];
        yaml_node_t *key = ts_yaml_node(ctx, pair->key);
        yaml_node_t *value = ts_yaml_node(ctx, pair->value);
        ts_control_param *p = &c->params[i];
        int rc;

        c->n_params = i + 1;
        rc = ts_yaml_scalar(ctx, key, "a parameter name", &p->name);
        if (rc == 0 && !id_ok(p->name))
            rc = ts_yaml_fail(ctx, key, "bad parameter name");
        for (size_t j = 0; rc == 0 && j < i; j++)
            if (strcmp(c->params[j].name, p->name) == 0)
                rc = ts_yaml_fail(ctx, key, "duplicate parameter");
        if (rc == 0 && value->type == YAML_SEQUENCE_NODE) {
            char **items = NULL;
            size_t n_items = 0;
            p->is_list = 1;
            rc = ts_yaml_strings(ctx, value, p->name, 0, &items, &n_items);
            if (rc == 0)
                rc = list_json(ctx, items, n_items, &p->value);
            for (size_t j = 0; j < n_items; j++)
                free(items[j]);
            free(items);
        } else if (rc == 0) {
            rc = ts_yaml_scalar(ctx, value, p->name, &p->value);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The keys of a control, each allowed once. */
static const char *const control_keys[] = {
    "id",        "title",      "criteria",   "description", "owner",
    "frequency", "nature",     "key",        "lane",        "severity",
    "sheet",     "population", "exceptions", "parameters",  NULL};

static int parse_control_key(ts_yaml_ctx *ctx, size_t which,
                             const yaml_node_t *v, ts_control *c)
{
    int64_t unused;

    (void)unused;
    switch (which) {
    case 0:
        return ts_yaml_scalar(ctx, v, "id", &c->id);
    case 1:
        return ts_yaml_scalar(ctx, v, "title", &c->title);
    case 2:
        return ts_yaml_strings(ctx, v, "criteria", 0, &c->criteria,
                               &c->n_criteria);
    case 3:
        return ts_yaml_text(ctx, v, "description", TS_CONTROLS_MAX_SQL,
                            &c->description);
    case 4:
        return ts_yaml_scalar(ctx, v, "owner", &c->owner);
    case 5:
        return ts_yaml_one_of(ctx, v, "frequency", frequencies, &c->frequency);
    case 6:
        return ts_yaml_one_of(ctx, v, "nature", natures, &c->nature);
    case 7:
        return ts_yaml_bool(ctx, v, "key", &c->key);
    case 8:
        return ts_yaml_one_of(ctx, v, "lane", lanes, &c->lane);
    case 9:
        return ts_yaml_one_of(ctx, v, "severity", severities, &c->severity);
    case 10:
        return ts_yaml_scalar(ctx, v, "sheet", &c->sheet);
    case 11:
        return ts_yaml_text(ctx, v, "population", TS_CONTROLS_MAX_SQL,
                            &c->population);
    case 12:
        return parse_assertions(ctx, v, c);
    default:
        return parse_params(ctx, v, c);
    }
}

static int default_text(ts_yaml_ctx *ctx, char **field, const char *value)
{
    if (*field != NULL)
        return 0;
    *field = strdup(value);
    return *field ? 0 : ts_yaml_oom(ctx);
}

static int parse_control(ts_yaml_ctx *ctx, const yaml_node_t *node,
                         ts_control *c)
{
    yaml_node_pair_t *pair;
    unsigned seen = 0;
    int rc = 0;

    if (node->type != YAML_MAPPING_NODE)
        return ts_yaml_fail(ctx, node, "a control must be a mapping");
    for (pair = node->data.mapping.pairs.start;
         rc == 0 && pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = ts_yaml_node(ctx, pair->key);
        size_t i = 0;

        while (control_keys[i] != NULL && !ts_yaml_key_is(key, control_keys[i]))
            i++;
        if (control_keys[i] == NULL)
            rc = ts_yaml_fail(ctx, key, "unknown key in control");
        else if (seen & (1u << i))
            rc = ts_yaml_fail(ctx, key, "duplicate key in control");
        else {
            seen |= 1u << i;
            rc = parse_control_key(ctx, i, ts_yaml_node(ctx, pair->value), c);
        }
    }
    if (rc != 0)
        return rc;
    if (c->id == NULL || c->title == NULL || c->population == NULL ||
        c->n_criteria == 0)
        return ts_yaml_fail(ctx, node,
                            "a control needs id, title, criteria and "
                            "population");
    if (strlen(c->id) > 64)
        return ts_yaml_fail(ctx, node, "control id longer than 64 bytes");
    if (!id_ok(c->id))
        return ts_yaml_fail(ctx, node,
                            "control id must be letters, digits, '-', '_' "
                            "or '.'");
    if (c->sheet != NULL && !sheet_name_ok(c->sheet))
        return ts_yaml_fail(ctx, node,
                            "sheet must be at most 31 characters, none of "
                            "[]:*?/\\");
    rc = default_text(ctx, &c->description, "");
    if (rc == 0)
        rc = default_text(ctx, &c->owner, "");
    if (rc == 0)
        rc = default_text(ctx, &c->frequency, "continuous");
    if (rc == 0)
        rc = default_text(ctx, &c->nature, "detective");
    if (rc == 0)
        rc = default_text(ctx, &c->lane, "census");
    if (rc == 0)
        rc = default_text(ctx, &c->severity, "medium");
    return rc;
}

int ts_controls_parse_controls(ts_yaml_ctx *ctx, const yaml_node_t *node)
{
    ts_controls *cs = ctx->controls;
    size_t n = ts_yaml_count(node);

    if (node->type != YAML_SEQUENCE_NODE)
        return ts_yaml_fail(ctx, node, "controls must be a list");
    if (n > TS_CONTROLS_MAX_CONTROLS)
        return ts_yaml_fail(ctx, node, "too many controls");
    cs->controls = calloc(n ? n : 1, sizeof(*cs->controls));
    if (cs->controls == NULL)
        return ts_yaml_oom(ctx);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item =
            ts_yaml_node(ctx, node->data.sequence.items.start[i]);
        int rc;

        cs->n_controls = i + 1;
        rc = parse_control(ctx, item, &cs->controls[i]);
        for (size_t j = 0; rc == 0 && j < i; j++) {
            if (strcmp(cs->controls[j].id, cs->controls[i].id) == 0)
                rc = ts_yaml_fail(ctx, item, "duplicate control id");
            else if (cs->controls[j].sheet && cs->controls[i].sheet &&
                     strcasecmp(cs->controls[j].sheet, cs->controls[i].sheet) ==
                         0)
                rc = ts_yaml_fail(ctx, item, "duplicate sheet name");
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int parse_rule(ts_yaml_ctx *ctx, const yaml_node_t *node,
                      ts_sampling_rule *r)
{
    yaml_node_pair_t *pair;
    int rc = 0, have_size = 0;

    r->up_to = -1;
    if (node->type != YAML_MAPPING_NODE)
        return ts_yaml_fail(ctx, node,
                            "a sampling rule must be a mapping of "
                            "frequency, up_to, size");
    for (pair = node->data.mapping.pairs.start;
         rc == 0 && pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = ts_yaml_node(ctx, pair->key);
        yaml_node_t *value = ts_yaml_node(ctx, pair->value);
        if (ts_yaml_key_is(key, "frequency") && r->frequency == NULL)
            rc = ts_yaml_one_of(ctx, value, "frequency", frequencies,
                                &r->frequency);
        else if (ts_yaml_key_is(key, "up_to") && r->up_to < 0)
            rc = ts_yaml_int(ctx, value, "up_to", 0, INT64_MAX, &r->up_to);
        else if (ts_yaml_key_is(key, "size") && !have_size) {
            have_size = 1;
            rc = ts_yaml_int(ctx, value, "size", 1, 100000, &r->size);
        } else
            rc = ts_yaml_fail(ctx, key,
                              "unknown or duplicate key in sampling rule "
                              "(expected frequency, up_to, size)");
    }
    if (rc == 0 && (r->frequency == NULL || !have_size))
        rc =
            ts_yaml_fail(ctx, node, "a sampling rule needs frequency and size");
    return rc;
}

int ts_controls_parse_sampling(ts_yaml_ctx *ctx, const yaml_node_t *node)
{
    ts_controls *cs = ctx->controls;
    size_t n = ts_yaml_count(node);

    if (node->type != YAML_SEQUENCE_NODE || n > TS_CONTROLS_MAX_LIST)
        return ts_yaml_fail(ctx, node, "sampling must be a list of rules");
    cs->sampling = calloc(n ? n : 1, sizeof(*cs->sampling));
    if (cs->sampling == NULL)
        return ts_yaml_oom(ctx);
    for (size_t i = 0; i < n; i++) {
        int rc;
        cs->n_sampling = i + 1;
        rc = parse_rule(ctx,
                        ts_yaml_node(ctx, node->data.sequence.items.start[i]),
                        &cs->sampling[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int ts_controls_parse_tolerance(ts_yaml_ctx *ctx, const yaml_node_t *node)
{
    ts_controls *cs = ctx->controls;
    yaml_node_pair_t *pair;
    unsigned seen = 0;
    int rc = 0;

    if (node->type != YAML_MAPPING_NODE)
        return ts_yaml_fail(ctx, node,
                            "tolerance must map high, medium, low to a "
                            "number of exceptions");
    for (pair = node->data.mapping.pairs.start;
         rc == 0 && pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = ts_yaml_node(ctx, pair->key);
        int i = 0;
        while (severities[i] != NULL && !ts_yaml_key_is(key, severities[i]))
            i++;
        if (severities[i] == NULL || (seen & (1u << i)))
            rc = ts_yaml_fail(ctx, key,
                              "unknown or duplicate severity (expected "
                              "high, medium, low)");
        else {
            seen |= 1u << i;
            rc = ts_yaml_int(ctx, ts_yaml_node(ctx, pair->value), severities[i],
                             0, INT64_MAX, &cs->tolerance[i]);
        }
    }
    cs->tolerance_set = seen;
    return rc;
}

/* Sample sizes commonly used by SOC 2 auditors for tests of controls. */
static const ts_sampling_rule default_sampling[] = {
    {"annual", -1, 1},      {"quarterly", -1, 2}, {"monthly", -1, 2},
    {"weekly", -1, 5},      {"daily", -1, 25},    {"continuous", 250, 25},
    {"continuous", -1, 40},
};

int ts_controls_defaults(ts_controls *c, ts_error *err)
{
    static const int64_t default_tolerance[TS_SEV_COUNT] = {0, 2, 5};
    size_t n = sizeof(default_sampling) / sizeof(default_sampling[0]);

    for (int i = 0; i < TS_SEV_COUNT; i++)
        if (!(c->tolerance_set & (1u << i)))
            c->tolerance[i] = default_tolerance[i];
    if (c->entity == NULL && (c->entity = strdup("")) == NULL)
        return ts_error_set(err, TS_ENOMEM, "%s: out of memory", c->path);
    if (c->sampling != NULL)
        return 0;
    c->sampling = calloc(n, sizeof(*c->sampling));
    if (c->sampling == NULL)
        return ts_error_set(err, TS_ENOMEM, "%s: out of memory", c->path);
    for (size_t i = 0; i < n; i++) {
        c->n_sampling = i + 1;
        c->sampling[i] = default_sampling[i];
        c->sampling[i].frequency = strdup(default_sampling[i].frequency);
        if (c->sampling[i].frequency == NULL)
            return ts_error_set(err, TS_ENOMEM, "%s: out of memory", c->path);
    }
    return 0;
}

static int parse_waiver(ts_yaml_ctx *ctx, const yaml_node_t *node, ts_waiver *w)
{
    yaml_node_pair_t *pair;
    int rc = 0, have_expiry = 0;

    if (node->type != YAML_MAPPING_NODE)
        return ts_yaml_fail(ctx, node, "a waiver must be a mapping");
    for (pair = node->data.mapping.pairs.start;
         rc == 0 && pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = ts_yaml_node(ctx, pair->key);
        yaml_node_t *value = ts_yaml_node(ctx, pair->value);
        if (ts_yaml_key_is(key, "control") && w->control == NULL)
            rc = ts_yaml_scalar(ctx, value, "control", &w->control);
        else if (ts_yaml_key_is(key, "item") && w->item == NULL)
            rc = ts_yaml_scalar(ctx, value, "item", &w->item);
        else if (ts_yaml_key_is(key, "justification") &&
                 w->justification == NULL)
            rc = ts_yaml_scalar(ctx, value, "justification", &w->justification);
        else if (ts_yaml_key_is(key, "approver") && w->approver == NULL)
            rc = ts_yaml_scalar(ctx, value, "approver", &w->approver);
        else if (ts_yaml_key_is(key, "expires") && !have_expiry) {
            have_expiry = 1;
            rc = ts_yaml_time(ctx, value, "expires", &w->expires_us);
        } else
            rc = ts_yaml_fail(ctx, key,
                              "unknown or duplicate key in waiver (expected "
                              "control, item, justification, approver, "
                              "expires)");
    }
    if (rc == 0 && (w->control == NULL || w->justification == NULL ||
                    w->approver == NULL || !have_expiry))
        rc = ts_yaml_fail(ctx, node,
                          "a waiver needs control, justification, approver "
                          "and expires");
    if (rc == 0 && w->item == NULL && (w->item = strdup("*")) == NULL)
        rc = ts_yaml_oom(ctx);
    return rc;
}

static int parse_waivers(ts_yaml_ctx *ctx, const yaml_node_t *root)
{
    ts_controls *c = ctx->controls;
    const yaml_node_t *list = NULL;
    size_t n;

    if (root->type == YAML_MAPPING_NODE && ts_yaml_count(root) == 1 &&
        ts_yaml_key_is(ts_yaml_node(ctx, root->data.mapping.pairs.start->key),
                       "waivers"))
        list = ts_yaml_node(ctx, root->data.mapping.pairs.start->value);
    if (list == NULL || list->type != YAML_SEQUENCE_NODE)
        return ts_yaml_fail(ctx, root,
                            "the waivers file must be 'waivers:' and a list");
    n = ts_yaml_count(list);
    if (n > TS_CONTROLS_MAX_LIST)
        return ts_yaml_fail(ctx, list, "too many waivers");
    c->waivers = calloc(n ? n : 1, sizeof(*c->waivers));
    if (c->waivers == NULL)
        return ts_yaml_oom(ctx);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item =
            ts_yaml_node(ctx, list->data.sequence.items.start[i]);
        int rc, known = 0;
        c->n_waivers = i + 1;
        rc = parse_waiver(ctx, item, &c->waivers[i]);
        for (size_t j = 0; rc == 0 && j < c->n_controls; j++)
            known |= strcmp(c->controls[j].id, c->waivers[i].control) == 0;
        if (rc == 0 && !known)
            rc = ts_yaml_fail(ctx, item, "waiver for an unknown control");
        if (rc != 0)
            return rc;
    }
    return 0;
}

int ts_controls_load_waivers(ts_controls *c, ts_error *err)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    ts_yaml_ctx ctx;
    char *text = NULL;
    size_t len = 0;
    int rc;

    rc = ts_controls_read_file(c->waivers_path, &text, &len, err);
    if (rc != 0)
        return rc;
    if (!yaml_parser_initialize(&parser)) {
        free(text);
        return ts_error_set(err, TS_ENOMEM, "%s: out of memory",
                            c->waivers_path);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = ts_error_set(err, TS_EINVAL, "%s:%lu:%lu: %s", c->waivers_path,
                          (unsigned long)parser.problem_mark.line + 1,
                          (unsigned long)parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "invalid YAML");
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        ctx.doc = &doc;
        ctx.name = c->waivers_path;
        ctx.controls = c;
        ctx.err = err;
        if (root == NULL)
            rc = ts_error_set(err, TS_EINVAL, "%s:1:1: empty document",
                              c->waivers_path);
        else
            rc = parse_waivers(&ctx, root);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    free(text);
    return rc;
}

void ts_free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void ts_controls_items_free(ts_controls *cs)
{
    for (size_t i = 0; i < cs->n_controls; i++) {
        ts_control *c = &cs->controls[i];
        free(c->id);
        free(c->title);
        free(c->description);
        free(c->owner);
        free(c->frequency);
        free(c->nature);
        free(c->lane);
        free(c->severity);
        free(c->sheet);
        ts_free_strings(c->criteria, c->n_criteria);
        free(c->population);
        for (size_t j = 0; j < c->n_assertions; j++) {
            free(c->assertions[j].when);
            free(c->assertions[j].reason);
        }
        free(c->assertions);
        for (size_t j = 0; j < c->n_params; j++) {
            free(c->params[j].name);
            free(c->params[j].value);
        }
        free(c->params);
    }
    free(cs->controls);
    for (size_t i = 0; i < cs->n_sampling; i++)
        free(cs->sampling[i].frequency);
    free(cs->sampling);
    for (size_t i = 0; i < cs->n_waivers; i++) {
        ts_waiver *w = &cs->waivers[i];
        free(w->control);
        free(w->item);
        free(w->justification);
        free(w->approver);
    }
    free(cs->waivers);
}
