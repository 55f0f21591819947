/* Error messages in a fixed buffer: setting, prefixing and naming codes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trailseal/error.h"

void ts_error_clear(ts_error *err)
{
    if (err == NULL)
        return;
    err->code = TS_OK;
    err->msg[0] = '\0';
}

int ts_error_set(ts_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    err->code = code;
    va_start(ap, fmt);
    if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
        err->msg[0] = '\0';
    va_end(ap);
    return code;
}

int ts_error_prefix(ts_error *err, const char *fmt, ...)
{
    char prefix[TS_ERROR_MSG_SIZE];
    char old[TS_ERROR_MSG_SIZE];
    va_list ap;

    if (err == NULL)
        return TS_ERR;
    va_start(ap, fmt);
    if (vsnprintf(prefix, sizeof(prefix), fmt, ap) < 0)
        prefix[0] = '\0';
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    if (snprintf(err->msg, sizeof(err->msg), "%s%s", prefix, old) < 0)
        err->msg[0] = '\0';
    return err->code;
}

const char *ts_status_name(int code)
{
    switch (code) {
    case TS_OK:
        return "success";
    case TS_ENOMEM:
        return "out of memory";
    case TS_EIO:
        return "input/output error";
    case TS_EINVAL:
        return "invalid input";
    case TS_ECORRUPT:
        return "corrupt data";
    case TS_ENOTFOUND:
        return "not found";
    case TS_ECRYPTO:
        return "cryptographic failure";
    case TS_EDB:
        return "database error";
    case TS_ELIMIT:
        return "size limit exceeded";
    case TS_EPERM:
        return "unsafe permissions";
    case TS_EEXIST:
        return "already exists";
    default:
        return "error";
    }
}
