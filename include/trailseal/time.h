/* Time values: µs since the Unix epoch (UTC), parsed from and printed as ISO
 * 8601. */
#ifndef TRAILSEAL_TIME_H
#define TRAILSEAL_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.ffffff]]" (or with 'T'),
 * optionally followed by "Z", "UTC", or an offset "+HH[:MM]". Without a zone
 * the time is UTC. Returns TS_EINVAL for anything else. */
int ts_time_parse(const char *text, int64_t *out_us, ts_error *err);

/* Writes "YYYY-MM-DDTHH:MM:SS.ffffffZ" (27 chars + NUL) into buf; an unknown
 * time (INT64_MIN) is written as "". Returns buf. */
char *ts_time_format(int64_t us, char *buf, size_t size);

/* The current time, µs since the Unix epoch. */
int64_t ts_time_now(void);

#ifdef __cplusplus
}
#endif
#endif
