/* Sets of distinct qualified names, the lists an analysis returns: a scan
 * while they are few, a map (common/strmap.c) past that. */
#include <stdlib.h>
#include <string.h>

#include "ingest/sql_internal.h"

/* No analysis lists more names than this: a hostile statement naming a
 * million columns fails cleanly instead of growing without bound. */
#define TS_SQL_NAMES_CAP 100000
/* Past this many names a set finds them through a map, not a scan: a
 * statement naming 40,000 columns took 3 s of strcmp, 200,000 would take
 * more than a minute. */
#define TS_SQL_NAMES_SCAN_MAX 32

struct ts_sql_names_index {
    ts_strmap map; /* over items */
    size_t cap;    /* items allocated */
};

/* What the array holds for n names: it doubles from 4 when n reaches a
 * power of two (ts_sql_names_add below). */
static size_t capacity_of(size_t n)
{
    size_t cap = 4;

    if (n == 0)
        return 0;
    while (cap < n)
        cap *= 2;
    return cap;
}

/* Makes the map over the names held. */
static int index_names(ts_sql_names *names, ts_error *err)
{
    struct ts_sql_names_index *idx = calloc(1, sizeof(*idx));
    int rc;

    if (idx == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    idx->cap = capacity_of(names->n_items);
    rc = ts_strmap_reindex(&idx->map, names->items, names->n_items,
                           sizeof(*names->items), err);
    if (rc != 0) {
        free(idx);
        return rc;
    }
    names->index = idx;
    return 0;
}

static void forget_index(ts_sql_names *names)
{
    if (names->index == NULL)
        return;
    ts_strmap_release(&names->index->map);
    free(names->index);
    names->index = NULL;
}

int ts_sql_names_has(const ts_sql_names *names, const char *name)
{
    size_t i;

    if (names->index != NULL)
        return ts_strmap_find(&names->index->map, name, names->items,
                              sizeof(*names->items), &i);
    for (i = 0; i < names->n_items; i++)
        if (strcmp(names->items[i], name) == 0)
            return 1;
    return 0;
}

int ts_sql_names_add(ts_sql_names *names, const char *name, ts_error *err)
{
    char **items, *copy;
    size_t n = names->n_items, slot;
    int created, rc;

    if (names->index == NULL && n >= TS_SQL_NAMES_SCAN_MAX) {
        rc = index_names(names, err);
        if (rc != 0)
            return rc;
    }
    if (n >= TS_SQL_NAMES_CAP && !ts_sql_names_has(names, name))
        return ts_error_set(err, TS_ELIMIT,
                            "statement names more than %d objects",
                            TS_SQL_NAMES_CAP);
    if (names->index != NULL) {
        /* one lookup: the name found, or added as slot n */
        void *array = names->items;
        rc =
            ts_strmap_slot(&names->index->map, name, &array, &names->index->cap,
                           sizeof(*names->items), &slot, &created, err);
        names->items = array;
        if (rc == 0 && created)
            names->n_items = n + 1;
        return rc;
    }
    if (ts_sql_names_has(names, name))
        return 0;
    /* grow at powers of two */
    if ((n & (n - 1)) == 0) {
        items = realloc(names->items, (n ? n * 2 : 4) * sizeof(*items));
        if (items == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        names->items = items;
    }
    copy = strdup(name);
    if (copy == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    names->items[n] = copy;
    names->n_items = n + 1;
    return 0;
}

int ts_sql_names_add_all(ts_sql_names *names, const ts_sql_names *from,
                         ts_error *err)
{
    size_t i;
    int rc = 0;

    for (i = 0; rc == 0 && i < from->n_items; i++)
        rc = ts_sql_names_add(names, from->items[i], err);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void ts_sql_names_sort(ts_sql_names *names)
{
    forget_index(names); /* its slots are the old order's */
    if (names->n_items > 1)
        qsort(names->items, names->n_items, sizeof(char *), cmp_names);
}

void ts_sql_names_release(ts_sql_names *names)
{
    size_t i;

    for (i = 0; i < names->n_items; i++)
        free(names->items[i]);
    free(names->items);
    forget_index(names);
    names->items = NULL;
    names->n_items = 0;
}
