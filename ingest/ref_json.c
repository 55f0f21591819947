/* Finding where top-level JSON values end in a reference file, so each
 * element of an array (or each object of JSON lines) becomes one entry. */
#include "ingest/ref_internal.h"

/* The resume point after a broken value: the next line whose first
 * non-blank byte is '{' at column col, else len. */
static size_t resume_after(const char *s, size_t len, size_t col)
{
    size_t i = 0;

    while (i < len) {
        while (i < len && s[i] != '\n')
            i++;
        if (i == len)
            return len;
        i++; /* the line after */
        size_t k = i;
        while (k < len && (s[k] == ' ' || s[k] == '\t'))
            k++;
        if (k < len && s[k] == '{' && k - i == col)
            return i;
    }
    return len;
}

int ts_ref_json_value_end(const char *s, size_t len, size_t col, size_t *end)
{
    size_t depth = 0, i = 0;
    int inq = 0;

    for (; i < len; i++) {
        char c = s[i];
        if (inq) {
            if (c == '\\')
                i++;
            else if (c == '"')
                inq = 0;
            else if (c == '\n')
                break; /* JSON strings hold no raw newline */
            if (!inq && depth == 0) {
                *end = i + 1;
                return 0;
            }
            continue;
        }
        if (c == '"') {
            inq = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                break; /* a closer with nothing open */
            if (--depth == 0) {
                *end = i + 1;
                return 0;
            }
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' ||
                                  c == '\r' || c == '\n')) {
            *end = i; /* a bare scalar ends here */
            return i > 0 ? 0 : -1;
        }
    }
    if (i == len && depth == 0 && !inq && len > 0) {
        *end = len; /* a bare scalar at the end */
        return 0;
    }
    *end = resume_after(s, len, col);
    if (*end == 0)
        *end = len;
    return -1;
}
