/* Fuzz target: catalog snapshots read from JSON (ingest/sql_catalog.c),
 * and the round trip JSON -> catalog -> JSON -> catalog -> the same JSON. */
#include <stdlib.h>
#include <string.h>

#include "ingest/sql_internal.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_catalog *c1 = NULL, *c2 = NULL;
    char *j1 = NULL, *j2 = NULL;

    if (ts_catalog_load_json(&c1, (const char *)data, size, NULL) != 0)
        return 0;
    if (ts_catalog_to_json(&j1, c1, NULL) != 0)
        ts_fuzz_fail("a loaded catalog cannot be written");
    if (ts_catalog_load_json(&c2, j1, strlen(j1), NULL) != 0)
        ts_fuzz_fail("a written catalog does not load again");
    if (ts_catalog_to_json(&j2, c2, NULL) != 0 || strcmp(j1, j2) != 0)
        ts_fuzz_fail("a catalog does not survive a round trip");
    (void)ts_catalog_default_schema(c2);
    free(j2);
    free(j1);
    ts_catalog_free(c2);
    ts_catalog_free(c1);
    return 0;
}
