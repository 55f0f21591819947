/* Fuzz target: pgAudit record fields and PARAMETER lists (ingest/pgaudit.c),
 * and what pg_message.c makes of a message. The input is the text after
 * "AUDIT: ". */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "tests/fuzz/fuzz.h"

static void check_field(const char *s, const char *buf, size_t size)
{
    if (s != NULL && (s < buf || s >= buf + size))
        ts_fuzz_fail("a pgAudit field points outside its buffer");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t buf_size = size + TS_PGAUDIT_SLACK;
    char *text = ts_fuzz_strndup(data, size);
    char *buf = malloc(buf_size);
    ts_pgaudit_record r;
    const char *reason = NULL;
    ts_buf scratch;
    ts_arena arena;
    ts_event ev;

    if (buf == NULL)
        ts_fuzz_fail("out of memory");
    if (ts_pgaudit_parse(text, size, buf, &r, &reason) == 0) {
        check_field(r.audit_type, buf, buf_size);
        check_field(r.statement, buf, buf_size);
        check_field(r.parameter, buf, buf_size);
        if (r.parameter != NULL) {
            const char *cursor = r.parameter;
            char *value = malloc(strlen(r.parameter) + 1);
            size_t len;
            if (value == NULL)
                ts_fuzz_fail("out of memory");
            while (ts_pgaudit_param_next(&cursor, value, &len) == 1)
                if (len > strlen(r.parameter))
                    ts_fuzz_fail("a parameter is longer than its list");
            free(value);
        }
    } else if (reason == NULL) {
        ts_fuzz_fail("a refused record has no reason");
    }
    free(buf);

    /* the whole input as a LOG message of a stderr line */
    ts_buf_init(&scratch, (size_t)1 << 30);
    ts_event_init(&ev);
    if (ts_pg_arena_for(&scratch, size, &arena, &ev) == 0) {
        const char *msg = ts_arena_strndup(&arena, text, size);
        if (msg != NULL)
            ts_pg_classify(&ev, TS_PGL_LOG, msg, size, &arena);
    }
    ts_buf_release(&scratch);
    free(text);
    return 0;
}
