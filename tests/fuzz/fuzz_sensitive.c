/* Fuzz target: the sensitive-value detectors (ingest/sensitive_detect.c)
 * on a whole value, on the literals of a statement (sensitive_scan.c), and
 * per event on a statement and pgAudit parameters (sensitive_event.c). */
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
    for (int d = 0; d < 2; d++)
        if ((ts_sensitive_statement_mask(text, size, (ts_sql_dialect)d) &
             ~TS_SENSITIVE_ALL) != 0)
            ts_fuzz_fail("a statement mask has an unknown class");
    if ((ts_sensitive_parameter_mask(text) & ~TS_SENSITIVE_ALL) != 0)
        ts_fuzz_fail("a parameter mask has an unknown class");
    {
        const char *names[TS_SENSITIVE_N_CLASSES];
        size_t n = ts_sensitive_event_classes(text, text, names,
                                              TS_SENSITIVE_N_CLASSES);
        if (n > TS_SENSITIVE_N_CLASSES)
            ts_fuzz_fail("more event classes than classes");
        for (size_t i = 0; i < n; i++)
            if (names[i] == NULL)
                ts_fuzz_fail("an event class without a name");
    }
    free(text);
    return 0;
}
