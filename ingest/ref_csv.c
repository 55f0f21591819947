/* RFC 4180 CSV for reference files: record boundaries, fields, UTF-8. */
#include <string.h>

#include "ingest/ref_internal.h"

/* pg_csvlog.c and percona_csv.c split fields straight into their own column
 * layouts with format-specific resynchronisation; reference files need the
 * generic form (any header, any column count), so the splitter lives here. */

size_t ts_ref_csv_record_end(const char *s, size_t len, int *open_quote)
{
    int inq = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            inq = !inq;
        else if (s[i] == '\n' && !inq) {
            *open_quote = 0;
            return i + 1;
        }
    }
    *open_quote = inq;
    return len;
}

int ts_ref_csv_split(const char *s, size_t len, char *out, char **fields,
                     size_t max, size_t *n_out, const char **reason)
{
    const char *end = s + len;
    size_t n = 0;

    for (;;) {
        char *start = out;

        if (n == max) {
            *reason = "more fields than a reference file may have";
            return -1;
        }
        if (s < end && *s == '"') {
            s++;
            for (;;) {
                if (s == end) {
                    *reason = "unterminated quoted field";
                    return -1;
                }
                if (*s == '"') {
                    if (s + 1 < end && s[1] == '"') {
                        *out++ = '"';
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                *out++ = *s++;
            }
            if (s < end && *s != ',') {
                *reason = "text after a closing quote";
                return -1;
            }
        } else {
            while (s < end && *s != ',') {
                if (*s == '"') {
                    *reason = "quote inside an unquoted field";
                    return -1;
                }
                *out++ = *s++;
            }
        }
        *out++ = '\0';
        fields[n++] = start;
        if (s == end) {
            *n_out = n;
            return 0;
        }
        s++; /* the comma */
    }
}
