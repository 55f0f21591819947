/* Helpers shared by the fuzz targets: reading an input through a reader and
 * checking what every reader promises. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

void ts_fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz property failed: %s\n", what);
    abort();
}

char *ts_fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        ts_fuzz_fail("out of memory");
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void ts_fuzz_split_line(const uint8_t *data, size_t size, const uint8_t **head,
                        size_t *head_len, const uint8_t **rest,
                        size_t *rest_len)
{
    const uint8_t *nl = size > 0 ? memchr(data, '\n', size) : NULL;

    *head = data;
    *head_len = nl != NULL ? (size_t)(nl - data) : size;
    *rest = nl != NULL ? nl + 1 : data + size;
    *rest_len = size - (size_t)(*rest - data);
}

static int compressed(const uint8_t *data, size_t size)
{
    static const uint8_t gz[] = {0x1f, 0x8b};
    static const uint8_t zst[] = {0x28, 0xb5, 0x2f, 0xfd};

    return (size >= sizeof(gz) && memcmp(data, gz, sizeof(gz)) == 0) ||
           (size >= sizeof(zst) && memcmp(data, zst, sizeof(zst)) == 0);
}

/* An in-memory file holding data, positioned at its start; -1 on failure. */
static int memory_file(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-input", 0);
    size_t done = 0;

    if (fd < 0)
        return -1;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void ts_fuzz_read_all(const uint8_t *data, size_t size, ts_fuzz_open_fn open,
                      const void *ctx)
{
    int plain = !compressed(data, size);
    uint64_t expect = 0;
    ts_source *src = NULL;
    ts_error err;
    ts_entry e;
    ts_event ev;
    int fd, rc;

    fd = memory_file(data, size);
    if (fd < 0)
        ts_fuzz_fail("cannot make an in-memory file");
    if (open(&src, fd, ctx, &err) != 0)
        return; /* refusing an input is allowed; crashing is not */
    while ((rc = ts_source_next(src, &e, &ev, &err)) == 1) {
        if (e.position != expect)
            ts_fuzz_fail("an entry does not start where the last one ended");
        if (e.end_position - e.position != e.record_len)
            ts_fuzz_fail("an entry's length is not its span in the input");
        if (e.end_line < e.line)
            ts_fuzz_fail("an entry's lines go backwards");
        if (plain && (e.end_position > size ||
                      memcmp(e.record, data + e.position, e.record_len) != 0))
            ts_fuzz_fail("an entry's record is not its bytes of the input");
        if (ev.kind == TS_EVENT_UNPARSED && ev.unparsed_reason == NULL)
            ts_fuzz_fail("an unparsed entry has no reason");
        expect = e.end_position;
    }
    if (rc == 0 && plain && expect != size)
        ts_fuzz_fail("the entries do not cover the whole input");
    ts_source_free(src);
}
