/* Fuzz target: the sensitive-value detectors (ingest/sensitive_detect.c)
 * on a whole value, and on the literals of a statement
 * (sensitive_scan.c). */
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "trailseal/sensitive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = ts_fuzz_strndup(data, size);
    ts_sensitive_values *found = NULL;
    unsigned classes;

    classes = ts_sensitive_detect(text, size);
    if ((classes & ~TS_SENSITIVE_ALL) != 0)
        ts_fuzz_fail("a detector returned an unknown class");
    for (int d = 0; d < 2; d++) {
        if (ts_sensitive_scan_sql(&found, text, size, (ts_sql_dialect)d,
                                  NULL) != 0)
            continue;
        for (size_t i = 0; i < found->n_items; i++) {
            const ts_sensitive_value *v = &found->items[i];
            if (v->classes == 0 || (v->classes & ~TS_SENSITIVE_ALL) != 0 ||
                v->len > size || v->offset > size - v->len)
                ts_fuzz_fail("a sensitive value is out of bounds");
        }
        ts_sensitive_values_free(found);
        found = NULL;
    }
    free(text);
    return 0;
}
