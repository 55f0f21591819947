/* ts_report_write: verify the store, read its newest checkpoint, and write
 * the evidence workbook from its index. */
#include <assert.h>
#include <stdlib.h>

#include "report/report_internal.h"
#include "store/store_internal.h"

int ts_report_write(ts_store *store, const ts_report_options *opts,
                    ts_report_result *out, ts_error *err)
{
    ts_controls *controls = NULL;
    ts_verify_report verify;
    ts_report_cover cover;
    char *note = NULL;
    int rc = 0;

    assert(store != NULL && opts != NULL && out != NULL);
    if (opts->out_dir == NULL)
        return ts_error_set(err, TS_EINVAL, "no output directory given");
    /* controls.yaml first: a typo there should not wait for verification */
    if (opts->controls_path != NULL)
        rc = ts_controls_load(&controls, opts->controls_path, err);
    if (rc == 0)
        rc = ts_store_verify(store, NULL, &verify, err);
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
        cover.verify = &verify;
        rc = ts_report_write_index(ts_store_sqlite(store), &cover, controls,
                                   opts, out, err);
    }
    free(note);
    ts_controls_free(controls);
    return rc;
}
