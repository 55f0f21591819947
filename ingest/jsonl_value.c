/* Reading values out of proxy JSON records: strings, integers, paths,
 * lists and times. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "trailseal/time.h"

const char *ts_jv_str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s != NULL && s[0] != '\0' ? s : NULL;
}

int64_t ts_jv_int(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    const char *s;
    char *end;
    long long n;

    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    s = json_string_value(v);
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    n = strtoll(s, &end, 10);
    return *end == '\0' && n >= 0 ? (int64_t)n : -1;
}

json_t *ts_jv_path(json_t *obj, const char *path)
{
    json_t *v = json_object_get(obj, path);
    const char *dot;
    char key[128];

    if (v != NULL || !json_is_object(obj))
        return v;
    dot = strchr(path, '.');
    if (dot == NULL || (size_t)(dot - path) >= sizeof(key))
        return NULL;
    memcpy(key, path, (size_t)(dot - path));
    key[dot - path] = '\0';
    v = json_object_get(obj, key);
    return json_is_object(v) ? ts_jv_path(v, dot + 1) : NULL;
}

const char *ts_jv_text(json_t *v, ts_arena *arena)
{
    const char *s;

    if (json_is_string(v)) {
        s = json_string_value(v);
        return s[0] != '\0' ? s : NULL;
    }
    if (json_is_integer(v))
        return ts_arena_printf(arena, "%" JSON_INTEGER_FORMAT,
                               json_integer_value(v));
    if (json_is_real(v))
        return ts_arena_printf(arena, "%.17g", json_real_value(v));
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

/* A scalar as text: into tmp for numbers, borrowed for strings. */
static const char *scalar(json_t *v, char *tmp, size_t size)
{
    int n = -1;

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        n = snprintf(tmp, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        n = snprintf(tmp, size, "%.17g", json_real_value(v));
    else if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    else if (json_is_null(v))
        return "NULL";
    if (n < 0 || (size_t)n >= size)
        return "?";
    return tmp;
}

const char *ts_jv_list(json_t *v, ts_arena *arena)
{
    size_t i, start = arena->len;
    json_t *item;
    char tmp[40];

    if (!json_is_array(v))
        return ts_jv_text(v, arena);
    if (json_array_size(v) == 0)
        return NULL;
    json_array_foreach(v, i, item)
    {
        const char *s = scalar(item, tmp, sizeof(tmp));
        size_t n = strlen(s);
        char *p = ts_arena_take(arena, n + 1);
        if (p == NULL)
            return NULL;
        memcpy(p, s, n);
        p[n] = i + 1 < json_array_size(v) ? ',' : '\0';
    }
    return arena->data + start;
}

int64_t ts_jv_time(const char *text)
{
    int64_t us;

    if (text == NULL || ts_time_parse(text, &us, NULL) != 0)
        return TS_UNKNOWN_TIME;
    /* 1970 .. 9999: nothing is logged outside it */
    if (us < 0 || us >= (int64_t)253402300800 * 1000000)
        return TS_UNKNOWN_TIME;
    return us;
}
