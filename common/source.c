/* Dispatch from the public ts_source_* wrappers to a reader's ops. */
#include <stddef.h>
#include <string.h>

#include "trailseal/source.h"

int ts_source_next(ts_source *src, ts_entry *out_entry, ts_event *out_event,
                   ts_error *err)
{
    /* what a reader does not set stays zero (ts_entry.sealed, ...) */
    memset(out_entry, 0, sizeof(*out_entry));
    return src->ops->next(src, out_entry, out_event, err);
}

int ts_source_seek(ts_source *src, uint64_t position, uint64_t line,
                   ts_error *err)
{
    return src->ops->seek(src, position, line, err);
}

void ts_source_free(ts_source *src)
{
    if (src != NULL)
        src->ops->free(src);
}
