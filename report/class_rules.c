/* controls.yaml's data classes as the index's class rules (class_rules in
 * schemas/index.sql), which `trailseal reindex` stores. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "trailseal/classes.h"

/* A copy of text, lowercased, double quotes dropped, and, for a glob,
 * fnmatch's negated set "[!" spelled as GLOB's "[^". */
static char *rule_text(const char *text, int glob)
{
    size_t len = strlen(text), k = 0;
    char *out = malloc(len + 1);

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '"' && !glob)
            continue;
        if (glob && c == '!' && i > 0 && text[i - 1] == '[')
            c = '^';
        out[k++] = (char)tolower((unsigned char)c);
    }
    out[k] = '\0';
    return out;
}

static int add_rules(ts_class_rule *rules, size_t *n, const char *class_id,
                     const char *kind, char *const *items, size_t n_items,
                     int glob, ts_error *err)
{
    for (size_t i = 0; i < n_items; i++) {
        ts_class_rule *r = &rules[*n];
        r->class_id = strdup(class_id);
        r->kind = strdup(kind);
        r->pattern = rule_text(items[i], glob);
        (*n)++;
        if (r->class_id == NULL || r->kind == NULL || r->pattern == NULL)
            return ts_error_set(err, TS_ENOMEM, "class rules: out of memory");
    }
    return 0;
}

int ts_class_rules_from_controls(ts_class_rule **out, size_t *out_n,
                                 const ts_controls *cs, ts_error *err)
{
    ts_class_rule *rules;
    size_t total = 0, n = 0;
    int rc = 0;

    *out = NULL;
    *out_n = 0;
    /* at most TS_CONTROLS_MAX_CLASSES classes of four lists each of at most
     * TS_CONTROLS_MAX_LIST items: no overflow */
    for (size_t i = 0; cs != NULL && i < cs->n_classes; i++) {
        const ts_data_class *c = &cs->classes[i];
        total += c->n_column_patterns + c->n_columns + c->n_tables + c->n_types;
    }
    rules = calloc(total ? total : 1, sizeof(*rules));
    if (rules == NULL)
        return ts_error_set(err, TS_ENOMEM, "class rules: out of memory");
    for (size_t i = 0; rc == 0 && cs != NULL && i < cs->n_classes; i++) {
        const ts_data_class *c = &cs->classes[i];
        rc = add_rules(rules, &n, c->id, "column_pattern", c->column_patterns,
                       c->n_column_patterns, 1, err);
        if (rc == 0)
            rc = add_rules(rules, &n, c->id, "column", c->columns, c->n_columns,
                           1, err);
        if (rc == 0)
            rc = add_rules(rules, &n, c->id, "table", c->tables, c->n_tables, 0,
                           err);
        if (rc == 0)
            rc = add_rules(rules, &n, c->id, "type", c->types, c->n_types, 1,
                           err);
    }
    if (rc != 0) {
        ts_class_rules_free(rules, n);
        return rc;
    }
    *out = rules;
    *out_n = n;
    return 0;
}

int ts_class_rules_load(ts_class_rule **out, size_t *out_n, const char *path,
                        ts_error *err)
{
    ts_controls *cs = NULL;
    int rc;

    *out = NULL;
    *out_n = 0;
    rc = ts_controls_load(&cs, path, err);
    if (rc == 0)
        rc = ts_class_rules_from_controls(out, out_n, cs, err);
    ts_controls_free(cs);
    return rc;
}

void ts_class_rules_free(ts_class_rule *rules, size_t n)
{
    if (rules == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(rules[i].class_id);
        free(rules[i].kind);
        free(rules[i].pattern);
    }
    free(rules);
}
