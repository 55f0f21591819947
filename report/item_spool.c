/* The items of a sample-lane population, spooled while the population is
 * written: the sample's seed depends on the population's hash, so the
 * sample is drawn after the pass, from this file rather than by running
 * the population query a second time. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"

/* One record: entry_index (int64), time_us (int64), the item's length
 * (uint32) and its bytes, in host byte order: the file lives for one
 * control and is unlinked as soon as it is open. */
typedef struct spool_head {
    int64_t entry_index;
    int64_t time_us;
    uint32_t len;
} spool_head;

int ts_item_spool_open(ts_item_spool *s, const char *dir, ts_error *err)
{
    int rc;

    memset(s, 0, sizeof(*s));
    rc = ts_report_temp_file(dir, "items", &s->f, err);
    if (rc != 0)
        return rc;
    /* millions of small records: fewer, larger system calls */
    setvbuf(s->f, NULL, _IOFBF, (size_t)1 << 20);
    return 0;
}

int ts_item_spool_add(ts_item_spool *s, int64_t entry_index, int64_t time_us,
                      const char *item, ts_error *err)
{
    spool_head h;
    size_t len = item ? strlen(item) : 0;

    memset(&h, 0, sizeof(h));
    h.entry_index = entry_index;
    h.time_us = time_us;
    h.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    if (fwrite(&h, sizeof(h), 1, s->f) != 1 ||
        (h.len > 0 && fwrite(item, 1, h.len, s->f) != h.len))
        return ts_error_set(err, TS_EIO, "item spool: cannot write: %s",
                            strerror(errno));
    s->rows++;
    return 0;
}

/* Passes over len bytes by reading them: a seek would drop the stream's
 * buffer and cost two system calls per row passed over. */
static int skip(FILE *f, uint32_t len)
{
    char scratch[4096];

    while (len > 0) {
        size_t k = len < sizeof(scratch) ? len : sizeof(scratch);
        if (fread(scratch, 1, k, f) != k)
            return -1;
        len -= (uint32_t)k;
    }
    return 0;
}

int ts_item_spool_read(ts_item_spool *s, const uint64_t *rows, size_t n,
                       ts_control_item *out, ts_error *err)
{
    spool_head h;
    uint64_t row = 0;
    size_t next = 0;

    if (fflush(s->f) != 0 || fseek(s->f, 0, SEEK_SET) != 0)
        return ts_error_set(err, TS_EIO, "item spool: cannot rewind: %s",
                            strerror(errno));
    while (next < n) {
        if (fread(&h, sizeof(h), 1, s->f) != 1)
            return ts_error_set(err, TS_EIO,
                                "item spool: row %" PRIu64 " missing (%" PRIu64
                                " spooled)",
                                rows[next], s->rows);
        row++;
        if (row != rows[next]) {
            if (skip(s->f, h.len) != 0)
                return ts_error_set(
                    err, TS_EIO, "item spool: row %" PRIu64 " truncated", row);
            continue;
        }
        ts_control_item *it = &out[next++];
        memset(it, 0, sizeof(*it));
        it->row = row;
        it->waiver = -1;
        it->entry_index = h.entry_index;
        it->time_us = h.time_us;
        it->item = malloc((size_t)h.len + 1);
        if (it->item == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        if (h.len > 0 && fread(it->item, 1, h.len, s->f) != h.len)
            return ts_error_set(err, TS_EIO,
                                "item spool: row %" PRIu64 " truncated", row);
        it->item[h.len] = '\0';
    }
    return 0;
}

void ts_item_spool_close(ts_item_spool *s)
{
    if (s->f != NULL)
        fclose(s->f);
    s->f = NULL;
}
