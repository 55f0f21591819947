/* A control's kept exceptions (up to TS_CONTROL_MAX_EXCEPTIONS), spooled
 * to a file while its population is read, and read back by each of their
 * readers (the Exceptions and Waivers sheets, results.json, the proofs'
 * entries) a record at a time: held in memory, 17 controls could keep
 * 1.7 million of them, some 300 MB. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"

/* One record: this head, then the item's bytes and the reasons' bytes, in
 * host byte order (the file lives for one report and is unlinked as soon
 * as it is open). */
typedef struct record_head {
    uint64_t row;
    int64_t entry_index;
    int64_t time_us;
    int64_t waiver;
    uint32_t item_len;
    uint32_t reasons_len; /* UINT32_MAX: no reasons */
} record_head;

#define READ_AHEAD ((size_t)64 << 10)

void ts_exception_spool_init(ts_exception_spool *s, const char *dir)
{
    memset(s, 0, sizeof(*s));
    s->dir = dir;
}

int ts_exception_spool_add(ts_exception_spool *s, const ts_control_item *it,
                           ts_error *err)
{
    record_head h;
    size_t item_len = it->item ? strlen(it->item) : 0;
    size_t reasons_len = it->reasons ? strlen(it->reasons) : 0;

    if (s->f == NULL && ts_report_temp_file(s->dir, "exceptions", &s->f, err))
        return err ? err->code : TS_EIO;
    memset(&h, 0, sizeof(h));
    h.row = it->row;
    h.entry_index = it->entry_index;
    h.time_us = it->time_us;
    h.waiver = it->waiver;
    h.item_len = item_len >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)item_len;
    h.reasons_len = it->reasons == NULL         ? UINT32_MAX
                    : reasons_len >= UINT32_MAX ? UINT32_MAX - 1
                                                : (uint32_t)reasons_len;
    if (fwrite(&h, sizeof(h), 1, s->f) != 1 ||
        fwrite(it->item ? it->item : "", 1, h.item_len, s->f) != h.item_len ||
        (it->reasons != NULL &&
         fwrite(it->reasons, 1, h.reasons_len, s->f) != h.reasons_len))
        return ts_error_set(err, TS_EIO, "exception spool: cannot write: %s",
                            strerror(errno));
    s->n++;
    return 0;
}

int ts_exception_spool_flush(ts_exception_spool *s, ts_error *err)
{
    if (s->f != NULL && (fflush(s->f) != 0 || ferror(s->f)))
        return ts_error_set(err, TS_EIO, "exception spool: cannot write: %s",
                            strerror(errno));
    return 0;
}

void ts_exception_spool_close(ts_exception_spool *s)
{
    if (s->f != NULL)
        fclose(s->f);
    s->f = NULL;
    s->n = 0;
}

void ts_exception_reader_open(ts_exception_reader *r,
                              const ts_exception_spool *s)
{
    memset(r, 0, sizeof(*r));
    r->fd = s->f != NULL ? fileno(s->f) : -1;
    r->left = s->n;
}

/* Makes want bytes from r->at available in r->buf (fewer at the end of
 * the file: the caller checks). */
static int read_ahead(ts_exception_reader *r, size_t want, ts_error *err)
{
    if (r->len - r->at >= want)
        return 0;
    if (r->at > 0)
        memmove(r->buf, r->buf + r->at, r->len - r->at);
    r->len -= r->at;
    r->at = 0;
    if (want < READ_AHEAD)
        want = READ_AHEAD;
    if (want > r->cap) {
        char *more = realloc(r->buf, want);
        if (more == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        r->buf = more;
        r->cap = want;
    }
    while (r->len < r->cap) {
        ssize_t n =
            pread(r->fd, r->buf + r->len, r->cap - r->len, (off_t)r->off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ts_error_set(err, TS_EIO, "exception spool: cannot read: %s",
                                strerror(errno));
        if (n == 0)
            break;
        r->len += (size_t)n;
        r->off += (uint64_t)n;
    }
    return 0;
}

int ts_exception_reader_next(ts_exception_reader *r, ts_error *err)
{
    record_head h;
    size_t body;
    char *text;

    if (r->left == 0)
        return 0;
    if (read_ahead(r, sizeof(h), err) != 0)
        return err ? err->code : TS_EIO;
    if (r->len - r->at < sizeof(h))
        return ts_error_set(err, TS_EIO, "exception spool: truncated");
    memcpy(&h, r->buf + r->at, sizeof(h));
    body = (size_t)h.item_len +
           (h.reasons_len == UINT32_MAX ? 0 : (size_t)h.reasons_len);
    if (read_ahead(r, sizeof(h) + body, err) != 0)
        return err ? err->code : TS_EIO;
    if (r->len - r->at < sizeof(h) + body)
        return ts_error_set(err, TS_EIO, "exception spool: truncated");
    if (body + 2 > r->text_cap) {
        char *more = realloc(r->text, body + 2);
        if (more == NULL)
            return ts_error_set(err, TS_ENOMEM, "out of memory");
        r->text = more;
        r->text_cap = body + 2;
    }
    text = r->text;
    memcpy(text, r->buf + r->at + sizeof(h), h.item_len);
    text[h.item_len] = '\0';
    r->item.item = text;
    r->item.reasons = NULL;
    if (h.reasons_len != UINT32_MAX) {
        memcpy(text + h.item_len + 1, r->buf + r->at + sizeof(h) + h.item_len,
               h.reasons_len);
        text[h.item_len + 1 + h.reasons_len] = '\0';
        r->item.reasons = text + h.item_len + 1;
    }
    r->item.row = h.row;
    r->item.entry_index = h.entry_index;
    r->item.time_us = h.time_us;
    r->item.waiver = (long)h.waiver;
    r->at += sizeof(h) + body;
    r->left--;
    return 1;
}

void ts_exception_reader_close(ts_exception_reader *r)
{
    free(r->buf);
    free(r->text);
    memset(r, 0, sizeof(*r));
    r->fd = -1;
}
