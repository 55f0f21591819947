/* The report's verification of the whole chain, run beside the first
 * steps of the workbook (temp tables, personal tables, classes), which
 * read only the index: a second thread with its own read-only connection.
 * The verdict is awaited before the first population, which may bind it
 * (:verdict). When no thread can be started it runs at once, in line. */
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"
#include "store/store_internal.h"

static void *run(void *arg)
{
    ts_verify_job *job = arg;
    double wall = ts_clock_seconds(CLOCK_MONOTONIC);
    ts_store *store = NULL;

    job->rc = ts_store_open(&store, job->store_path,
                            TS_STORE_READONLY | TS_STORE_NO_KEY, &job->err);
    if (job->rc == 0)
        job->rc = ts_store_verify(store, NULL, &job->report, &job->err);
    ts_store_free(store);
    job->cpu_s = ts_clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    job->wall_s = ts_clock_seconds(CLOCK_MONOTONIC) - wall;
    return NULL;
}

void ts_verify_job_start(ts_verify_job *job, ts_store *store)
{
    double wall = ts_clock_seconds(CLOCK_MONOTONIC),
           cpu = ts_clock_seconds(CLOCK_THREAD_CPUTIME_ID);

    memset(job, 0, sizeof(*job));
    job->store_path = ts_store_path(store);
    if (pthread_create(&job->thread, NULL, run, job) == 0) {
        job->running = 1;
        return;
    }
    job->rc = ts_store_verify(store, NULL, &job->report, &job->err);
    job->cpu_s = ts_clock_seconds(CLOCK_THREAD_CPUTIME_ID) - cpu;
    job->wall_s = ts_clock_seconds(CLOCK_MONOTONIC) - wall;
}

int ts_verify_job_wait(ts_verify_job *job, FILE *timings, ts_error *err)
{
    if (job->running) {
        pthread_join(job->thread, NULL);
        job->running = 0;
        if (timings != NULL) {
            fprintf(timings,
                    "report: verify the store: %.2f s wall, %.2f s CPU "
                    "(beside the steps before)\n",
                    job->wall_s, job->cpu_s);
            fflush(timings);
        }
    }
    if (job->rc != 0 && err != NULL)
        *err = job->err;
    return job->rc;
}
