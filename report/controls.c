/* controls.yaml: reading, validating and matching data classes (libyaml). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "report/report_internal.h"

static int parse_class(ts_yaml_ctx *ctx, const yaml_node_t *node,
                       ts_data_class *cls)
{
    yaml_node_pair_t *pair;
    int rc = 0;

    if (node->type != YAML_MAPPING_NODE)
        return ts_yaml_fail(ctx, node, "a data class must be a mapping");
    for (pair = node->data.mapping.pairs.start;
         rc == 0 && pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(ctx->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(ctx->doc, pair->value);

        if (ts_yaml_key_is(key, "id") && cls->id == NULL) {
            rc = ts_yaml_scalar(ctx, value, "id", &cls->id);
        } else if (ts_yaml_key_is(key, "description") &&
                   cls->description == NULL) {
            rc = ts_yaml_scalar(ctx, value, "description", &cls->description);
        } else if (ts_yaml_key_is(key, "column_patterns") &&
                   cls->column_patterns == NULL) {
            rc =
                ts_yaml_strings(ctx, value, "column_patterns", 1,
                                &cls->column_patterns, &cls->n_column_patterns);
        } else if (ts_yaml_key_is(key, "tables") && cls->tables == NULL) {
            rc = ts_yaml_strings(ctx, value, "tables", 0, &cls->tables,
                                 &cls->n_tables);
        } else if (ts_yaml_key_is(key, "allowed") && cls->allowed == NULL) {
            rc = ts_yaml_strings(ctx, value, "allowed", 0, &cls->allowed,
                                 &cls->n_allowed);
        } else if (ts_yaml_key_is(key, "columns") && cls->columns == NULL) {
            rc = ts_yaml_strings(ctx, value, "columns", 1, &cls->columns,
                                 &cls->n_columns);
        } else if (ts_yaml_key_is(key, "types") && cls->types == NULL) {
            rc = ts_yaml_strings(ctx, value, "types", 1, &cls->types,
                                 &cls->n_types);
        } else if (ts_yaml_key_is(key, "id") ||
                   ts_yaml_key_is(key, "description") ||
                   ts_yaml_key_is(key, "column_patterns") ||
                   ts_yaml_key_is(key, "tables") ||
                   ts_yaml_key_is(key, "allowed") ||
                   ts_yaml_key_is(key, "columns") ||
                   ts_yaml_key_is(key, "types")) {
            rc = ts_yaml_fail(ctx, key, "duplicate key in data class");
        } else {
            rc = ts_yaml_fail(ctx, key,
                              "unknown key in data class (expected id, "
                              "description, column_patterns, columns, types, "
                              "tables, allowed)");
        }
    }
    if (rc != 0)
        return rc;
    if (cls->id == NULL)
        return ts_yaml_fail(ctx, node, "data class without an id");
    for (const char *p = cls->id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return ts_yaml_fail(ctx, node,
                                "data class id must be lowercase letters, "
                                "digits, '_' or '-'");
    if (cls->description == NULL) {
        cls->description = calloc(1, 1);
        if (cls->description == NULL)
            return ts_error_set(ctx->err, TS_ENOMEM, "%s: out of memory",
                                ctx->name);
    }
    return 0;
}

static int parse_classes(ts_yaml_ctx *ctx, const yaml_node_t *node)
{
    ts_controls *c = ctx->controls;
    size_t n;

    if (node->type != YAML_SEQUENCE_NODE)
        return ts_yaml_fail(ctx, node, "data_classes must be a list");
    n = (size_t)(node->data.sequence.items.top -
                 node->data.sequence.items.start);
    if (n > TS_CONTROLS_MAX_CLASSES)
        return ts_yaml_fail(ctx, node, "too many data classes");
    c->classes = calloc(n ? n : 1, sizeof(*c->classes));
    if (c->classes == NULL)
        return ts_error_set(ctx->err, TS_ENOMEM, "%s: out of memory",
                            ctx->name);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = yaml_document_get_node(
            ctx->doc, node->data.sequence.items.start[i]);
        int rc;

        c->n_classes = i + 1;
        rc = parse_class(ctx, item, &c->classes[i]);
        if (rc != 0)
            return rc;
        /* Unique ids also stop an alias repeating one class many times. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->classes[j].id, c->classes[i].id) == 0)
                return ts_yaml_fail(ctx, item, "duplicate data class id");
    }
    return 0;
}

static int parse_version(ts_yaml_ctx *ctx, const yaml_node_t *node)
{
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.length != 1 ||
        node->data.scalar.value[0] != '1')
        return ts_yaml_fail(ctx, node, "unsupported version (expected 1)");
    ctx->controls->version = 1;
    return 0;
}

/* The top-level keys, each allowed once. */
static const char *const root_keys[] = {
    "version",  "entity",    "data_classes", "controls",
    "sampling", "tolerance", "waivers_file", NULL};

static int parse_root_key(ts_yaml_ctx *ctx, size_t which,
                          const yaml_node_t *value)
{
    ts_controls *c = ctx->controls;

    switch (which) {
    case 0:
        return parse_version(ctx, value);
    case 1:
        return ts_yaml_scalar(ctx, value, "entity", &c->entity);
    case 2:
        return parse_classes(ctx, value);
    case 3:
        return ts_controls_parse_controls(ctx, value);
    case 4:
        return ts_controls_parse_sampling(ctx, value);
    case 5:
        return ts_controls_parse_tolerance(ctx, value);
    default:
        return ts_yaml_scalar(ctx, value, "waivers_file", &c->waivers_path);
    }
}

static int parse_root(ts_yaml_ctx *ctx, const yaml_node_t *root)
{
    yaml_node_pair_t *pair;
    unsigned seen = 0;
    int rc = 0;

    if (root->type != YAML_MAPPING_NODE)
        return ts_yaml_fail(ctx, root, "the document must be a mapping");
    for (pair = root->data.mapping.pairs.start;
         rc == 0 && pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = ts_yaml_node(ctx, pair->key);
        yaml_node_t *value = ts_yaml_node(ctx, pair->value);
        size_t i = 0;

        while (root_keys[i] != NULL && !ts_yaml_key_is(key, root_keys[i]))
            i++;
        if (root_keys[i] == NULL)
            rc = ts_yaml_fail(ctx, key,
                              "unknown key (expected version, entity, "
                              "data_classes, controls, sampling, tolerance, "
                              "waivers_file)");
        else if (seen & (1u << i))
            rc = ts_yaml_fail(ctx, key, "duplicate key");
        else {
            seen |= 1u << i;
            rc = parse_root_key(ctx, i, value);
        }
    }
    if (rc == 0 && ctx->controls->version == 0)
        rc = ts_yaml_fail(ctx, root, "missing version");
    return rc;
}

static int yaml_failure(const yaml_parser_t *parser, const char *name,
                        ts_error *err)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return ts_error_set(err, TS_ENOMEM, "%s: out of memory", name);
    return ts_error_set(err, TS_EINVAL, "%s:%lu:%lu: %s%s%s", name,
                        (unsigned long)parser->problem_mark.line + 1,
                        (unsigned long)parser->problem_mark.column + 1,
                        parser->context ? parser->context : "",
                        parser->context ? ": " : "",
                        parser->problem ? parser->problem : "invalid YAML");
}

int ts_controls_parse(ts_controls **out, const char *name, const char *text,
                      size_t len, ts_error *err)
{
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    int have_doc = 0, rc = 0;
    ts_controls *c;
    ts_yaml_ctx ctx;

    assert(out != NULL && name != NULL && text != NULL);
    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL || (c->path = strdup(name)) == NULL) {
        free(c);
        return ts_error_set(err, TS_ENOMEM, "%s: out of memory", name);
    }
    if (ts_sha256(text, len, c->sha256) != 0) {
        ts_controls_free(c);
        return ts_error_set(err, TS_ECRYPTO, "%s: cannot hash", name);
    }
    if (!yaml_parser_initialize(&parser)) {
        ts_controls_free(c);
        return ts_error_set(err, TS_ENOMEM, "%s: out of memory", name);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = yaml_failure(&parser, name, err);
        goto out_parser;
    }
    have_doc = 1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        rc = ts_error_set(err, TS_EINVAL, "%s:1:1: empty document", name);
        goto out_doc;
    }
    ctx.doc = &doc;
    ctx.name = name;
    ctx.controls = c;
    ctx.err = err;
    rc = parse_root(&ctx, root);
    if (rc == 0)
        rc = ts_controls_defaults(c, err);
    if (rc != 0)
        goto out_doc;
    /* A second document would be silently ignored: refuse it. */
    if (!yaml_parser_load(&parser, &extra)) {
        rc = yaml_failure(&parser, name, err);
        goto out_doc;
    }
    if (yaml_document_get_root_node(&extra) != NULL)
        rc = ts_error_set(err, TS_EINVAL, "%s:%lu:1: more than one document",
                          name, (unsigned long)extra.start_mark.line + 1);
    yaml_document_delete(&extra);
out_doc:
    if (have_doc)
        yaml_document_delete(&doc);
out_parser:
    yaml_parser_delete(&parser);
    if (rc != 0)
        ts_controls_free(c);
    else
        *out = c;
    return rc;
}

/* Reads the whole file (capped) without following it being swapped
 * between stat and read: one descriptor for both. */
static int read_file(const char *path, char **out, size_t *out_len,
                     ts_error *err)
{
    struct stat st;
    char *data = NULL;
    size_t len = 0;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ts_error_set(err, TS_EIO, "'%s': cannot open: %s", path,
                            strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = ts_error_set(err, TS_EIO, "'%s': not a regular file", path);
        goto out_fd;
    }
    data = malloc(TS_CONTROLS_MAX_FILE_SIZE + 1);
    if (data == NULL) {
        rc = ts_error_set(err, TS_ENOMEM, "'%s': out of memory", path);
        goto out_fd;
    }
    for (;;) {
        ssize_t n = read(fd, data + len, TS_CONTROLS_MAX_FILE_SIZE + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = ts_error_set(err, TS_EIO, "'%s': cannot read: %s", path,
                              strerror(errno));
            goto out_fd;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > TS_CONTROLS_MAX_FILE_SIZE) {
            rc = ts_error_set(err, TS_ELIMIT, "'%s': larger than %zu bytes",
                              path, TS_CONTROLS_MAX_FILE_SIZE);
            goto out_fd;
        }
    }
    *out = data;
    *out_len = len;
    data = NULL;
out_fd:
    free(data);
    close(fd);
    return rc;
}

/* A relative waivers_file is relative to controls.yaml's directory. */
static int resolve_waivers(ts_controls *c, const char *path, ts_error *err)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    char *full;

    if (c->waivers_path[0] == '/' || dir_len == 0)
        return 0;
    full = malloc(dir_len + strlen(c->waivers_path) + 1);
    if (full == NULL)
        return ts_error_set(err, TS_ENOMEM, "%s: out of memory", path);
    memcpy(full, path, dir_len);
    strcpy(full + dir_len, c->waivers_path);
    free(c->waivers_path);
    c->waivers_path = full;
    return 0;
}

int ts_controls_read_file(const char *path, char **out, size_t *out_len,
                          ts_error *err)
{
    return read_file(path, out, out_len, err);
}

int ts_controls_load(ts_controls **out, const char *path, ts_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    assert(out != NULL && path != NULL);
    *out = NULL;
    rc = read_file(path, &text, &len, err);
    if (rc == 0)
        rc = ts_controls_parse(out, path, text, len, err);
    if (rc == 0 && (*out)->waivers_path != NULL)
        rc = resolve_waivers(*out, path, err);
    if (rc == 0 && (*out)->waivers_path != NULL)
        rc = ts_controls_load_waivers(*out, err);
    if (rc != 0) {
        ts_controls_free(*out);
        *out = NULL;
    }
    free(text);
    return rc;
}

void ts_controls_free(ts_controls *controls)
{
    if (controls == NULL)
        return;
    for (size_t i = 0; i < controls->n_classes; i++) {
        ts_data_class *cls = &controls->classes[i];
        free(cls->id);
        free(cls->description);
        ts_free_strings(cls->column_patterns, cls->n_column_patterns);
        ts_free_strings(cls->tables, cls->n_tables);
        ts_free_strings(cls->allowed, cls->n_allowed);
        ts_free_strings(cls->columns, cls->n_columns);
        ts_free_strings(cls->types, cls->n_types);
    }
    ts_controls_items_free(controls);
    free(controls->entity);
    free(controls->waivers_path);
    free(controls->classes);
    free(controls->path);
    free(controls);
}

int ts_data_class_matches(const ts_data_class *cls, const char *column)
{
    char lower[TS_CONTROLS_MAX_TEXT + 1];
    size_t len = strlen(column);

    if (len > TS_CONTROLS_MAX_TEXT)
        return 0;
    memcpy(lower, column, len + 1);
    ts_yaml_lowercase(lower);
    for (size_t i = 0; i < cls->n_column_patterns; i++)
        if (fnmatch(cls->column_patterns[i], lower, 0) == 0)
            return 1;
    return 0;
}
