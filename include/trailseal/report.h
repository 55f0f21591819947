/* The evidence report: an XLSX workbook over a period of the index. */
#ifndef TRAILSEAL_REPORT_H
#define TRAILSEAL_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trailseal/error.h"
#include "trailseal/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ts_report_options {
    int64_t since_us;          /* inclusive; INT64_MIN = open */
    int64_t until_us;          /* exclusive; INT64_MAX = open */
    const char *out_dir;       /* created when missing */
    const char *store_path;    /* shown on the cover */
    const char *controls_path; /* controls.yaml; NULL = no data classes */
    const char *period;        /* label for the cover and sample seeds, e.g.
                                  "2026-Q3"; NULL: made from the bounds */
    int sign;      /* sign the pack's manifest (the store must hold its key) */
    FILE *timings; /* when set: one line per step, with its wall and CPU
                      seconds ("report: step ..."); NULL: silent */
} ts_report_options;

#define TS_REPORT_MAX_SHEETS 64

typedef struct ts_report_result {
    char workbook_path[4096];
    size_t n_sheets;
    struct {
        char name[32];
        uint64_t rows;
    } sheets[TS_REPORT_MAX_SHEETS];
    ts_verdict verdict; /* verification verdict printed on the cover */
    size_t n_controls;  /* controls tested */
    size_t n_effective; /* ... effective, or not occurring */
    size_t n_with_exceptions;
    size_t n_ineffective;
    uint64_t n_exceptions; /* unwaived exceptions over every control */
} ts_report_result;

/* Verifies the store, then writes the evidence pack into out_dir:
 * evidence.xlsx, populations/, results.json, checkpoint.txt, proofs/,
 * oscal/ and (opts->sign) manifest.json and manifest.sig. */
int ts_report_write(ts_store *store, const ts_report_options *opts,
                    ts_report_result *out, ts_error *err);

#ifdef __cplusplus
}
#endif
#endif
