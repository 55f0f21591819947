/* Fuzz target: the PostgreSQL stderr reader (ingest/pg_stderr.c, with
 * pg_message.c and pgaudit.c behind it), with one of the two prefixes of
 * the fixtures in tests/data/pg-stderr: the %t one when "user=" comes
 * early in the input. One reader per run: each costs a 2 MiB buffer. */
#include <string.h>

#include "ingest/ingest_internal.h"
#include "tests/fuzz/fuzz.h"

static int open_stderr(ts_source **out, int fd, const void *ctx, ts_error *err)
{
    /* a small record limit, so that cutting long records is reached */
    return ts_pg_stderr_open_fd(out, ctx, fd, 1, "fuzz", 4096, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const prefixes[] = {
        "%m [%p] %q%u@%d/%a %r %c %e ",
        "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    };

    size_t head = size < 256 ? size : 256;
    int t = head >= 5 && memmem(data, head, "user=", 5) != NULL;

    ts_fuzz_read_all(data, size, open_stderr, prefixes[t]);
    return 0;
}
