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

/* Parses a time or a period, as search options take them, into the span
 * [*out_start, *out_end): "YYYY" (a year), "YYYY-Qn" (a quarter), "YYYY-MM"
 * (a month), "YYYY-MM-DD" (a day), "now", "N" followed by s, m (minutes), h,
 * d or w (an instant that long before now_us), or anything ts_time_parse()
 * takes (an instant: start = end). --since takes the start, --until the
 * end, so "--since 2026-Q3 --until 2026-Q3" is the whole quarter. Returns
 * TS_EINVAL with a one-line message for anything else. */
int ts_time_parse_period(const char *text, int64_t now_us, int64_t *out_start,
                         int64_t *out_end, ts_error *err);

/* Writes "YYYY-MM-DDTHH:MM:SS.ffffffZ" (27 chars + NUL) into buf; an unknown
 * time (INT64_MIN) is written as "". Returns buf. */
char *ts_time_format(int64_t us, char *buf, size_t size);

/* The current time, µs since the Unix epoch. */
int64_t ts_time_now(void);

#ifdef __cplusplus
}
#endif
#endif
