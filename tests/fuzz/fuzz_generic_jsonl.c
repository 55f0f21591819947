/* Fuzz target: the generic JSON-lines reader (ingest/generic_jsonl.c over
 * proxy_jsonl.c) and its mapping text (schemas/generic-jsonl.md). The input
 * is a mapping, a NUL byte, then the records; a mapping that is refused is
 * replaced by a fixed one that maps every field, so the records are always
 * read. */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "tests/fuzz/fuzz.h"

static const char full_mapping[] = "time = ts\n"
                                   "time_format = unix_ms\n"
                                   "principal = actor.id\n"
                                   "principal_kind = actor.type\n"
                                   "account = db.user\n"
                                   "database = db.name\n"
                                   "statement = sql\n"
                                   "session = conn_id\n"
                                   "client = client.ip\n"
                                   "outcome = result\n"
                                   "command = cmd\n"
                                   "object = obj\n"
                                   "application = app\n"
                                   "pid = pid\n"
                                   "message = msg\n"
                                   "outcome_ok = ok,true\n"
                                   "kind = type\n"
                                   "kind_connect = login\n"
                                   "kind_disconnect = logout\n"
                                   "kind_statement = query\n";

static int open_generic(ts_source **out, int fd, const void *ctx, ts_error *err)
{
    const char *mapping_text = ctx;
    ts_jsonl_mapper m;
    ts_input *in = NULL;
    int rc;

    if (ts_generic_mapper(&m, mapping_text, err) != 0 &&
        ts_generic_mapper(&m, full_mapping, err) != 0)
        ts_fuzz_fail("the fixed mapping is refused");
    rc = ts_input_open_fd(&in, fd, 1, "fuzz", err);
    if (rc != 0) {
        m.free(m.ctx);
        return rc;
    }
    return ts_jsonl_open_input(out, &m, mapping_text, in, 4096, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t head = nul != NULL ? (size_t)(nul - data) : size;
    size_t rest = nul != NULL ? size - head - 1 : 0;
    char *mapping_text = ts_fuzz_strndup(data, head);

    ts_fuzz_read_all(data + size - rest, rest, open_generic, mapping_text);
    free(mapping_text);
    return 0;
}
