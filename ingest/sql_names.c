/* Small sets of distinct qualified names, the lists an analysis returns. */
#include <stdlib.h>
#include <string.h>

#include "ingest/sql_internal.h"

/* No analysis lists more names than this: a hostile statement naming a
 * million columns fails cleanly instead of growing without bound. */
#define TS_SQL_NAMES_CAP 100000

int ts_sql_names_has(const ts_sql_names *names, const char *name)
{
    size_t i;

    for (i = 0; i < names->n_items; i++)
        if (strcmp(names->items[i], name) == 0)
            return 1;
    return 0;
}

int ts_sql_names_add(ts_sql_names *names, const char *name, ts_error *err)
{
    char **items, *copy;
    size_t n = names->n_items;

    if (ts_sql_names_has(names, name))
        return 0;
    if (n >= TS_SQL_NAMES_CAP)
        return ts_error_set(err, TS_ELIMIT,
                            "statement names more than %d objects",
                            TS_SQL_NAMES_CAP);
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
    if (names->n_items > 1)
        qsort(names->items, names->n_items, sizeof(char *), cmp_names);
}

void ts_sql_names_release(ts_sql_names *names)
{
    size_t i;

    for (i = 0; i < names->n_items; i++)
        free(names->items[i]);
    free(names->items);
    names->items = NULL;
    names->n_items = 0;
}
