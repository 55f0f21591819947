/* The report's verification of the whole chain, run beside the first
 * steps of the workbook (temp tables, personal tables, classes), which
 * read only the index: a second thread with its own read-only connection.
 * The verdict is awaited before the first population, which may bind it
 * (:verdict). */
#include <string.h>

#include "report/report_internal.h"
#include "store/store_internal.h"

static int verify(void *arg, ts_error *err)
{
    ts_verify_job *job = arg;
    ts_store *store = NULL;
    int rc = ts_store_open(&store, job->store_path,
                           TS_STORE_READONLY | TS_STORE_NO_KEY, err);

    if (rc == 0)
        rc = ts_store_verify(store, NULL, &job->report, err);
    ts_store_free(store);
    return rc;
}

void ts_verify_job_start(ts_verify_job *job, ts_store *store)
{
    memset(job, 0, sizeof(*job));
    job->store_path = ts_store_path(store);
    ts_bg_job_start(&job->bg, "verify the store", verify, job);
}

int ts_verify_job_wait(ts_verify_job *job, FILE *timings, ts_error *err)
{
    return ts_bg_job_wait(&job->bg, timings, err);
}
