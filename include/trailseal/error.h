/* Error reporting: negative status codes with a one-line message in a fixed
 * buffer. */
#ifndef TRAILSEAL_ERROR_H
#define TRAILSEAL_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. Fallible functions return 0 (TS_OK) or one of these. */
typedef enum ts_status {
    TS_OK = 0,
    TS_ERR = -1,       /* unspecified failure */
    TS_ENOMEM = -2,    /* out of memory */
    TS_EIO = -3,       /* reading or writing a file failed */
    TS_EINVAL = -4,    /* bad input or argument */
    TS_ECORRUPT = -5,  /* stored data fails an integrity check */
    TS_ENOTFOUND = -6, /* the thing asked for does not exist */
    TS_ECRYPTO = -7,   /* a cryptographic operation failed */
    TS_EDB = -8,       /* SQLite reported an error */
    TS_ELIMIT = -9,    /* a size cap was exceeded */
    TS_EPERM = -10,    /* unsafe permissions (for example a key file) */
    TS_EEXIST = -11    /* the thing to create already exists */
} ts_status;

#define TS_ERROR_MSG_SIZE 512

/* One error: its code and a one-line message ("what, where, why"). Lives
 * on the caller's stack; filling it never allocates. */
typedef struct ts_error {
    int code;
    char msg[TS_ERROR_MSG_SIZE];
} ts_error;

/* Resets err to TS_OK with an empty message. err may be NULL. */
void ts_error_clear(ts_error *err);

/* Records code and a printf-style message in err (which may be NULL) and
 * returns code, so callers write `return ts_error_set(err, TS_EIO, ...)`. */
int ts_error_set(ts_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends context ("reading 'pg.log': ") to err's message; keeps the code.
 * Returns err's code (TS_ERR when err is NULL). */
int ts_error_prefix(ts_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A short name for a status code ("out of memory", "corrupt data"...). */
const char *ts_status_name(int code);

#ifdef __cplusplus
}
#endif
#endif
