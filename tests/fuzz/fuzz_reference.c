/* Fuzz target: the reference data readers (ingest/ref_source.c, ref_csv.c,
 * ref_json.c, ref_parse.c): identities, approvals and catalogs in CSV or
 * JSON. The input's first byte picks the dataset. Every record must be
 * handed out as an entry or an unparsed one, never a crash. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "trailseal/reference.h"
#include "trailseal/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const datasets[] = {"identities", "approvals",
                                           "catalog"};
    ts_source *src = NULL;
    uint64_t next_position = 0;
    ts_error err;
    int rc = 1;

    if (size == 0)
        return 0;
    ts_error_clear(&err);
    if (ts_reference_open_buffer(&src, datasets[data[0] % 3], "fuzz", data + 1,
                                 size - 1, &err) != 0)
        return 0;
    /* entries follow each other from offset 0, each exactly its bytes */
    while (rc == 1) {
        ts_entry entry;
        ts_event ev;
        rc = ts_source_next(src, &entry, &ev, &err);
        if (rc != 1)
            break;
        if (entry.position != next_position ||
            entry.end_position != entry.position + entry.record_len ||
            entry.end_position > size - 1 ||
            memcmp(entry.record, data + 1 + entry.position, entry.record_len) !=
                0)
            abort();
        next_position = entry.end_position;
    }
    /* and together they are the whole input (gzip or zstd aside) */
    if (rc == 0 && size > 3 && data[1] != 0x1f && data[1] != 0x28 &&
        next_position != size - 1)
        abort();
    ts_source_free(src);
    return 0;
}
