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

/* Parsing state: the document and where messages point. */
typedef struct parse_ctx {
    yaml_document_t *doc;
    const char *name;
    ts_controls *controls;
    ts_error *err;
} parse_ctx;

static int fail_at(parse_ctx *ctx, const yaml_node_t *node, const char *what)
{
    if (node == NULL)
        return ts_error_set(ctx->err, TS_EINVAL, "%s:1:1: %s", ctx->name, what);
    return ts_error_set(ctx->err, TS_EINVAL, "%s:%lu:%lu: %s", ctx->name,
                        (unsigned long)node->start_mark.line + 1,
                        (unsigned long)node->start_mark.column + 1, what);
}

static char *lowercase(char *s)
{
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

/* The scalar's text as a new string; fails on non-scalars, NUL bytes,
 * empty text and text past the cap. */
static int scalar_dup(parse_ctx *ctx, const yaml_node_t *node, const char *what,
                      char **out)
{
    char msg[160];
    size_t len;

    if (node == NULL || node->type != YAML_SCALAR_NODE) {
        /* a long name is cut: the message stays one line */
        if (snprintf(msg, sizeof(msg), "%s must be a string", what) < 0)
            msg[0] = '\0';
        return fail_at(ctx, node, msg);
    }
    len = node->data.scalar.length;
    if (len == 0 || len > TS_CONTROLS_MAX_TEXT ||
        memchr(node->data.scalar.value, '\0', len) != NULL) {
        if (snprintf(msg, sizeof(msg),
                     "%s must be a non-empty string of at most %d bytes", what,
                     TS_CONTROLS_MAX_TEXT) < 0)
            msg[0] = '\0';
        return fail_at(ctx, node, msg);
    }
    *out = malloc(len + 1);
    if (*out == NULL)
        return ts_error_set(ctx->err, TS_ENOMEM, "%s: out of memory",
                            ctx->name);
    memcpy(*out, node->data.scalar.value, len);
    (*out)[len] = '\0';
    return 0;
}

static int key_is(const yaml_node_t *key, const char *name)
{
    return key->type == YAML_SCALAR_NODE &&
           key->data.scalar.length == strlen(name) &&
           memcmp(key->data.scalar.value, name, key->data.scalar.length) == 0;
}

/* A list of strings (lowercased when `lower`) into *out / *n_out. */
static int string_list(parse_ctx *ctx, const yaml_node_t *node,
                       const char *what, int lower, char ***out, size_t *n_out)
{
    char msg[160];
    size_t n;

    if (node->type != YAML_SEQUENCE_NODE) {
        snprintf(msg, sizeof(msg), "%s must be a list of strings", what);
        return fail_at(ctx, node, msg);
    }
    n = (size_t)(node->data.sequence.items.top -
                 node->data.sequence.items.start);
    if (n > TS_CONTROLS_MAX_LIST) {
        snprintf(msg, sizeof(msg), "%s has more than %d items", what,
                 TS_CONTROLS_MAX_LIST);
        return fail_at(ctx, node, msg);
    }
    *out = calloc(n ? n : 1, sizeof(**out));
    if (*out == NULL)
        return ts_error_set(ctx->err, TS_ENOMEM, "%s: out of memory",
                            ctx->name);
    snprintf(msg, sizeof(msg), "each item of %s", what);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = yaml_document_get_node(
            ctx->doc, node->data.sequence.items.start[i]);
        int rc = scalar_dup(ctx, item, msg, &(*out)[i]);
        if (rc != 0)
            return rc;
        *n_out = i + 1;
        if (lower)
            lowercase((*out)[i]);
    }
    return 0;
}

static int parse_class(parse_ctx *ctx, const yaml_node_t *node,
                       ts_data_class *cls)
{
    yaml_node_pair_t *pair;
    int rc = 0;

    if (node->type != YAML_MAPPING_NODE)
        return fail_at(ctx, node, "a data class must be a mapping");
    for (pair = node->data.mapping.pairs.start;
         rc == 0 && pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(ctx->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(ctx->doc, pair->value);

        if (key_is(key, "id") && cls->id == NULL) {
            rc = scalar_dup(ctx, value, "id", &cls->id);
        } else if (key_is(key, "description") && cls->description == NULL) {
            rc = scalar_dup(ctx, value, "description", &cls->description);
        } else if (key_is(key, "column_patterns") &&
                   cls->column_patterns == NULL) {
            rc = string_list(ctx, value, "column_patterns", 1,
                             &cls->column_patterns, &cls->n_column_patterns);
        } else if (key_is(key, "tables") && cls->tables == NULL) {
            rc = string_list(ctx, value, "tables", 0, &cls->tables,
                             &cls->n_tables);
        } else if (key_is(key, "id") || key_is(key, "description") ||
                   key_is(key, "column_patterns") || key_is(key, "tables")) {
            rc = fail_at(ctx, key, "duplicate key in data class");
        } else {
            rc = fail_at(ctx, key,
                         "unknown key in data class (expected id, "
                         "description, column_patterns, tables)");
        }
    }
    if (rc != 0)
        return rc;
    if (cls->id == NULL)
        return fail_at(ctx, node, "data class without an id");
    for (const char *p = cls->id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return fail_at(ctx, node,
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

static int parse_classes(parse_ctx *ctx, const yaml_node_t *node)
{
    ts_controls *c = ctx->controls;
    size_t n;

    if (node->type != YAML_SEQUENCE_NODE)
        return fail_at(ctx, node, "data_classes must be a list");
    n = (size_t)(node->data.sequence.items.top -
                 node->data.sequence.items.start);
    if (n > TS_CONTROLS_MAX_CLASSES)
        return fail_at(ctx, node, "too many data classes");
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
                return fail_at(ctx, item, "duplicate data class id");
    }
    return 0;
}

static int parse_version(parse_ctx *ctx, const yaml_node_t *node)
{
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.length != 1 ||
        node->data.scalar.value[0] != '1')
        return fail_at(ctx, node, "unsupported version (expected 1)");
    ctx->controls->version = 1;
    return 0;
}

static int parse_root(parse_ctx *ctx, const yaml_node_t *root)
{
    yaml_node_pair_t *pair;
    int seen_classes = 0, seen_controls = 0, rc = 0;

    if (root->type != YAML_MAPPING_NODE)
        return fail_at(ctx, root, "the document must be a mapping");
    for (pair = root->data.mapping.pairs.start;
         rc == 0 && pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(ctx->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(ctx->doc, pair->value);

        if (key_is(key, "version") && ctx->controls->version == 0) {
            rc = parse_version(ctx, value);
        } else if (key_is(key, "data_classes") && !seen_classes) {
            seen_classes = 1;
            rc = parse_classes(ctx, value);
        } else if (key_is(key, "controls") && !seen_controls) {
            seen_controls = 1;
            if (value->type != YAML_SEQUENCE_NODE)
                rc = fail_at(ctx, value, "controls must be a list");
        } else if (key_is(key, "version") || key_is(key, "data_classes") ||
                   key_is(key, "controls")) {
            rc = fail_at(ctx, key, "duplicate key");
        } else {
            rc = fail_at(ctx, key,
                         "unknown key (expected version, data_classes, "
                         "controls)");
        }
    }
    if (rc == 0 && ctx->controls->version == 0)
        rc = fail_at(ctx, root, "missing version");
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
    parse_ctx ctx;

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
    free(text);
    return rc;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void ts_controls_free(ts_controls *controls)
{
    if (controls == NULL)
        return;
    for (size_t i = 0; i < controls->n_classes; i++) {
        ts_data_class *cls = &controls->classes[i];
        free(cls->id);
        free(cls->description);
        free_list(cls->column_patterns, cls->n_column_patterns);
        free_list(cls->tables, cls->n_tables);
    }
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
    lowercase(lower);
    for (size_t i = 0; i < cls->n_column_patterns; i++)
        if (fnmatch(cls->column_patterns[i], lower, 0) == 0)
            return 1;
    return 0;
}
