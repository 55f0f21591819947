/* Fuzz target: controls.yaml parsing (report/controls.c). */
#include "report/report_internal.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_controls *c = NULL;

    if (ts_controls_parse(&c, "fuzz.yaml", (const char *)data, size, NULL) ==
        0) {
        for (size_t i = 0; i < c->n_classes; i++)
            (void)ts_data_class_matches(&c->classes[i], "public.t.email");
        ts_controls_free(c);
    }
    return 0;
}
