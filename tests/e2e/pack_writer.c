/* ts-pack-writer: writes the signed evidence pack around DIR's results.json
 * through the library, as `trailseal report` does, for tests/e2e/pack.sh.
 * Usage: ts-pack-writer STORE DIR [INDEX]... */
#include <stdio.h>
#include <stdlib.h>

#include "trailseal/trailseal.h"

int main(int argc, char **argv)
{
    uint64_t *indexes;
    ts_store *store = NULL;
    ts_error err;
    int rc;

    if (argc < 3) {
        fprintf(stderr, "usage: ts-pack-writer STORE DIR [INDEX]...\n");
        return 2;
    }
    indexes = calloc((size_t)argc, sizeof(*indexes));
    if (indexes == NULL)
        return 2;
    for (int i = 3; i < argc; i++)
        indexes[i - 3] = strtoull(argv[i], NULL, 10);
    ts_error_clear(&err);
    rc = ts_store_open(&store, argv[1], TS_STORE_READONLY, &err);
    if (rc == 0)
        rc = ts_pack_write_proofs(store, indexes, (size_t)(argc - 3), argv[2],
                                  &err);
    if (rc == 0)
        rc = ts_pack_write_oscal(argv[2], &err);
    if (rc == 0)
        rc = ts_pack_sign_manifest(store, argv[2], &err);
    if (rc != 0)
        fprintf(stderr, "ts-pack-writer: %s\n", err.msg);
    ts_store_free(store);
    free(indexes);
    return rc == 0 ? 0 : 1;
}
