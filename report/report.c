/* ts_report_write: verify the store, read its newest checkpoint, write the
 * workbook, populations and results.json from its index, then make it a
 * pack: a proof for every sample and exception against that checkpoint,
 * the OSCAL assessment results, and the signed manifest of every file. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_internal.h"
#include "store/store_internal.h"
#include "trailseal/pack.h"

/* Removes what an earlier report wrote into dir (the files of its proofs/,
 * populations/ and oscal/ and its top-level pack files, the workbook
 * included), so the manifest lists only this pack and a report that fails
 * half way leaves no earlier workbook beside its own files. Symbolic links
 * are removed, never followed. */
static int clear_previous_pack(const char *dir, ts_error *err)
{
    static const char *const subdirs[] = {"proofs", "populations", "oscal"};
    static const char *const files[] = {"results.json", "checkpoint.txt",
                                        "manifest.json", "manifest.sig",
                                        "evidence.xlsx"};
    char path[4096];
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < sizeof(subdirs) / sizeof(*subdirs); i++) {
        struct dirent *de;
        struct stat st;
        DIR *d;
        snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
        if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if ((d = opendir(path)) == NULL)
            return ts_error_set(err, TS_EIO, "'%s': %s", path, strerror(errno));
        while (rc == 0 && (de = readdir(d)) != NULL) {
            char file[4400];
            if (de->d_name[0] == '.' &&
                (de->d_name[1] == '\0' ||
                 (de->d_name[1] == '.' && de->d_name[2] == '\0')))
                continue;
            snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
            if (lstat(file, &st) == 0 && !S_ISDIR(st.st_mode) &&
                unlink(file) != 0)
                rc = ts_error_set(err, TS_EIO, "'%s': cannot remove: %s", file,
                                  strerror(errno));
        }
        closedir(d);
    }
    for (size_t i = 0; rc == 0 && i < sizeof(files) / sizeof(*files); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (unlink(path) != 0 && errno != ENOENT)
            rc = ts_error_set(err, TS_EIO, "'%s': cannot remove: %s", path,
                              strerror(errno));
    }
    return rc;
}

int ts_report_write(ts_store *store, const ts_report_options *opts,
                    ts_report_result *out, ts_error *err)
{
    ts_controls *controls = NULL;
    ts_verify_job verify;
    ts_workbook_job workbook;
    int verifying = 0;
    ts_report_cover cover;
    char *note = NULL;
    uint64_t *entries = NULL;
    size_t n_entries = 0;
    ts_step_timer timer;
    int rc = 0, workbook_rc;

    assert(store != NULL && opts != NULL && out != NULL);
    memset(&workbook, 0, sizeof(workbook));
    ts_step_timer_start(&timer, opts->timings);
    if (opts->out_dir == NULL)
        return ts_error_set(err, TS_EINVAL, "no output directory given");
    /* controls.yaml first: a typo there should not wait for verification */
    if (opts->controls_path != NULL)
        rc = ts_controls_load(&controls, opts->controls_path, err);
    if (rc == 0)
        rc = ts_report_ensure_dir(opts->out_dir, err);
    if (rc == 0)
        rc = clear_previous_pack(opts->out_dir, err);
    if (rc == 0) {
        ts_verify_job_start(&verify, store);
        verifying = 1;
    }
    if (rc == 0) {
        rc = ts_store_checkpoint(store, &note, err);
        if (rc == TS_ENOTFOUND) {
            ts_error_clear(err);
            rc = 0;
        }
    }
    if (rc == 0) {
        cover.store_path =
            opts->store_path ? opts->store_path : ts_store_path(store);
        cover.origin = ts_store_origin(store);
        cover.checkpoint = note;
        cover.verify = &verify.report;
        cover.verify_job = &verify;
        cover.proof_entries = &entries;
        cover.n_proof_entries = &n_entries;
        cover.workbook_job = &workbook;
        ts_step_timer_start(&timer, opts->timings);
        rc = ts_report_write_index(ts_store_sqlite(store), &cover, controls,
                                   opts, out, err);
    }
    /* joined on every path; its error unless an earlier one stands */
    if (verifying) {
        ts_error verify_err;
        int verify_rc = ts_verify_job_wait(&verify, NULL, &verify_err);
        if (rc == 0 && verify_rc != 0) {
            *err = verify_err;
            rc = verify_rc;
        }
    }
    if (rc == 0)
        ts_step_timer_start(&timer, opts->timings);
    /* against the checkpoint the populations were read at (the cover's),
     * not a newer one an ingest may have signed since */
    if (rc == 0 && note != NULL)
        rc = ts_pack_write_proofs_at(store, note, entries, n_entries,
                                     opts->out_dir, err);
    if (rc == 0)
        ts_step_timer_lap(&timer, "proofs of %zu items", n_entries);
    /* After the proofs, not beside them: the two together held 544 MB at
     * 10M events (results.json parsed while the proofs' blocks are
     * cached) for 1.3 s less. */
    if (rc == 0)
        rc = ts_pack_write_oscal(opts->out_dir, err);
    if (rc == 0)
        ts_step_timer_lap(&timer, "OSCAL assessment results");
    /* joined on every path (a job never started returns 0): the manifest
     * lists the workbook, no thread outlives the call, and the workbook
     * takes its name only when the proofs and the OSCAL were written */
    workbook_rc = ts_workbook_job_finish(&workbook, rc == 0,
                                         rc == 0 ? opts->timings : NULL,
                                         rc == 0 ? err : NULL);
    if (rc == 0)
        rc = workbook_rc;
    if (rc == 0)
        ts_step_timer_start(&timer, opts->timings);
    if (rc == 0 && opts->sign)
        rc = ts_pack_sign_manifest(store, opts->out_dir, err);
    if (rc == 0)
        ts_step_timer_lap(&timer, "manifest");
    free(entries);
    free(note);
    ts_controls_free(controls);
    return rc;
}
