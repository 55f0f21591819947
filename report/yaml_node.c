/* Reading libyaml document nodes strictly: typed scalars and lists with
 * one-line "file:line:col: problem" messages, shared by controls.yaml and
 * the waivers file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "trailseal/time.h"

int ts_yaml_fail(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what)
{
    if (node == NULL)
        return ts_error_set(ctx->err, TS_EINVAL, "%s:1:1: %s", ctx->name, what);
    return ts_error_set(ctx->err, TS_EINVAL, "%s:%lu:%lu: %s", ctx->name,
                        (unsigned long)node->start_mark.line + 1,
                        (unsigned long)node->start_mark.column + 1, what);
}

int ts_yaml_oom(ts_yaml_ctx *ctx)
{
    return ts_error_set(ctx->err, TS_ENOMEM, "%s: out of memory", ctx->name);
}

char *ts_yaml_lowercase(char *s)
{
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

yaml_node_t *ts_yaml_node(ts_yaml_ctx *ctx, yaml_node_item_t item)
{
    return yaml_document_get_node(ctx->doc, item);
}

size_t ts_yaml_count(const yaml_node_t *node)
{
    if (node->type == YAML_SEQUENCE_NODE)
        return (size_t)(node->data.sequence.items.top -
                        node->data.sequence.items.start);
    if (node->type == YAML_MAPPING_NODE)
        return (size_t)(node->data.mapping.pairs.top -
                        node->data.mapping.pairs.start);
    return 0;
}

/* "<what><suffix>", cut to stay one short line. */
static const char *say(char *buf, size_t size, const char *what,
                       const char *suffix)
{
    if (snprintf(buf, size, "%s%s", what, suffix) < 0)
        buf[0] = '\0';
    return buf;
}

int ts_yaml_text(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                 size_t max, char **out)
{
    char msg[160];
    size_t len;

    if (node == NULL || node->type != YAML_SCALAR_NODE)
        return ts_yaml_fail(ctx, node,
                            say(msg, sizeof(msg), what, " must be a string"));
    len = node->data.scalar.length;
    if (len == 0 || len > max ||
        memchr(node->data.scalar.value, '\0', len) != NULL) {
        if (snprintf(msg, sizeof(msg),
                     "%s must be a non-empty string of at most %zu bytes", what,
                     max) < 0)
            msg[0] = '\0';
        return ts_yaml_fail(ctx, node, msg);
    }
    *out = malloc(len + 1);
    if (*out == NULL)
        return ts_yaml_oom(ctx);
    memcpy(*out, node->data.scalar.value, len);
    (*out)[len] = '\0';
    return 0;
}

int ts_yaml_scalar(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                   char **out)
{
    return ts_yaml_text(ctx, node, what, TS_CONTROLS_MAX_TEXT, out);
}

int ts_yaml_key_is(const yaml_node_t *key, const char *name)
{
    return key->type == YAML_SCALAR_NODE &&
           key->data.scalar.length == strlen(name) &&
           memcmp(key->data.scalar.value, name, key->data.scalar.length) == 0;
}

int ts_yaml_strings(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                    int lower, char ***out, size_t *n_out)
{
    char msg[160];
    size_t n;

    if (node->type != YAML_SEQUENCE_NODE)
        return ts_yaml_fail(
            ctx, node,
            say(msg, sizeof(msg), what, " must be a list of strings"));
    n = ts_yaml_count(node);
    if (n > TS_CONTROLS_MAX_LIST) {
        snprintf(msg, sizeof(msg), "%s has more than %d items", what,
                 TS_CONTROLS_MAX_LIST);
        return ts_yaml_fail(ctx, node, msg);
    }
    *out = calloc(n ? n : 1, sizeof(**out));
    if (*out == NULL)
        return ts_yaml_oom(ctx);
    if (snprintf(msg, sizeof(msg), "each item of %s", what) < 0)
        msg[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item =
            ts_yaml_node(ctx, node->data.sequence.items.start[i]);
        int rc = ts_yaml_scalar(ctx, item, msg, &(*out)[i]);
        if (rc != 0)
            return rc;
        *n_out = i + 1;
        if (lower)
            ts_yaml_lowercase((*out)[i]);
    }
    return 0;
}

int ts_yaml_int(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                int64_t min, int64_t max, int64_t *out)
{
    char buf[32], msg[160], *end;
    long long v;
    size_t len;

    if (snprintf(msg, sizeof(msg), "%s must be an integer from %lld to %lld",
                 what, (long long)min, (long long)max) < 0)
        msg[0] = '\0';
    if (node == NULL || node->type != YAML_SCALAR_NODE)
        return ts_yaml_fail(ctx, node, msg);
    len = node->data.scalar.length;
    if (len == 0 || len >= sizeof(buf))
        return ts_yaml_fail(ctx, node, msg);
    memcpy(buf, node->data.scalar.value, len);
    buf[len] = '\0';
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return ts_yaml_fail(ctx, node, msg);
    *out = (int64_t)v;
    return 0;
}

int ts_yaml_bool(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                 int *out)
{
    char msg[160];

    if (node != NULL && node->type == YAML_SCALAR_NODE) {
        if (ts_yaml_key_is(node, "true")) {
            *out = 1;
            return 0;
        }
        if (ts_yaml_key_is(node, "false")) {
            *out = 0;
            return 0;
        }
    }
    return ts_yaml_fail(ctx, node,
                        say(msg, sizeof(msg), what, " must be true or false"));
}

int ts_yaml_time(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                 int64_t *out)
{
    char msg[200], *text = NULL;
    ts_error terr;
    int rc;

    rc = ts_yaml_scalar(ctx, node, what, &text);
    if (rc != 0)
        return rc;
    ts_error_clear(&terr);
    if (ts_time_parse(text, out, &terr) != 0) {
        if (snprintf(msg, sizeof(msg), "%s: %s", what, terr.msg) < 0)
            msg[0] = '\0';
        rc = ts_yaml_fail(ctx, node, msg);
    }
    free(text);
    return rc;
}

int ts_yaml_one_of(ts_yaml_ctx *ctx, const yaml_node_t *node, const char *what,
                   const char *const *choices, char **out)
{
    char msg[256];
    size_t used;
    int rc = ts_yaml_scalar(ctx, node, what, out);

    if (rc != 0)
        return rc;
    for (size_t i = 0; choices[i] != NULL; i++)
        if (strcmp(*out, choices[i]) == 0)
            return 0;
    free(*out);
    *out = NULL;
    used = (size_t)snprintf(msg, sizeof(msg), "%s must be one of", what);
    for (size_t i = 0; choices[i] != NULL && used < sizeof(msg); i++)
        used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s %s",
                                 i ? "," : "", choices[i]);
    return ts_yaml_fail(ctx, node, msg);
}
