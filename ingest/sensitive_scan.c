/* Sensitive values of a statement: the data classes of each literal, with
 * its place in the statement's template. */
#include <stdlib.h>
#include <string.h>

#include "trailseal/sensitive.h"

int ts_sensitive_scan_sql(ts_sensitive_values **out, const char *sql,
                          size_t len, ts_sql_dialect dialect, ts_error *err)
{
    ts_sql_values *values = NULL;
    ts_sensitive_values *found;
    int rc;

    *out = NULL;
    rc = ts_sql_values_extract(&values, sql, len, dialect, err);
    if (rc != 0)
        return rc;
    found = calloc(1, sizeof(*found));
    if (found == NULL)
        goto out_nomem;
    for (size_t i = 0; i < values->n_items; i++) {
        const ts_sql_value *v = &values->items[i];
        unsigned classes;
        if (v->kind != TS_SQL_VALUE_STRING && v->kind != TS_SQL_VALUE_NUMBER)
            continue;
        classes = ts_sensitive_detect(v->text, strlen(v->text));
        if (classes == 0)
            continue;
        if (found->items == NULL) {
            /* at most one entry per value: one allocation is enough */
            found->items = calloc(values->n_items, sizeof(*found->items));
            if (found->items == NULL)
                goto out_nomem;
        }
        found->items[found->n_items].index = i;
        found->items[found->n_items].offset = v->offset;
        found->items[found->n_items].len = v->len;
        found->items[found->n_items].classes = classes;
        found->n_items++;
    }
    ts_sql_values_free(values);
    *out = found;
    return 0;

out_nomem:
    rc = ts_error_set(err, TS_ENOMEM,
                      "sensitive scan: out of memory (%zu values)",
                      values->n_items);
    ts_sensitive_values_free(found);
    ts_sql_values_free(values);
    return rc;
}

void ts_sensitive_values_free(ts_sensitive_values *values)
{
    if (values == NULL)
        return;
    free(values->items);
    free(values);
}
