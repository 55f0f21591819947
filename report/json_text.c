/* Text from the store as JSON values (json_text.h). */
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "report/json_text.h"

/* text as a JSON string when it is valid UTF-8 (*len its length), else
 * NULL. */
static json_t *valid_string(const char *text, size_t *len)
{
    *len = strlen(text);
    return ts_utf8_valid(text, *len) ? json_stringn(text, *len) : NULL;
}

json_t *ts_json_text(const char *text)
{
    size_t len;
    ts_buf clean;
    json_t *v;

    if (text == NULL)
        return json_null();
    if ((v = valid_string(text, &len)) != NULL)
        return v;
    ts_buf_init(&clean, 3 * len + 1);
    if (ts_utf8_append_clean(&clean, text, len, NULL) == 0)
        v = json_stringn((const char *)clean.data, clean.len);
    ts_buf_release(&clean);
    return v;
}

json_t *ts_json_exact_text(const char *text)
{
    size_t len;
    char *hex;
    json_t *v;

    if (text == NULL)
        return json_null();
    if ((v = valid_string(text, &len)) != NULL)
        return v;
    hex = malloc(2 * len + 1);
    if (hex == NULL)
        return NULL;
    ts_hex_encode((const uint8_t *)text, len, hex);
    v = json_pack("{s:s}", "hex", hex);
    free(hex);
    return v;
}
