/* A step of the report run in a thread of its own beside the others (the
 * chain's verification, the workbook's close, the OSCAL), its result and
 * --timings line collected when it is awaited. When no thread can be
 * started the step runs at once, in line. */
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

static void run_timed(ts_bg_job *job)
{
    double wall = ts_clock_seconds(CLOCK_MONOTONIC),
           cpu = ts_clock_seconds(CLOCK_THREAD_CPUTIME_ID);

    job->rc = job->fn(job->arg, &job->err);
    job->cpu_s = ts_clock_seconds(CLOCK_THREAD_CPUTIME_ID) - cpu;
    job->wall_s = ts_clock_seconds(CLOCK_MONOTONIC) - wall;
}

static void *run(void *arg)
{
    run_timed(arg);
    return NULL;
}

void ts_bg_job_start(ts_bg_job *job, const char *label, ts_bg_fn fn, void *arg)
{
    memset(job, 0, sizeof(*job));
    job->fn = fn;
    job->arg = arg;
    job->label = label;
    job->started = 1;
    if (pthread_create(&job->thread, NULL, run, job) == 0)
        job->running = 1;
    else
        run_timed(job);
}

int ts_bg_job_wait(ts_bg_job *job, FILE *timings, ts_error *err)
{
    if (job->running) {
        pthread_join(job->thread, NULL);
        job->running = 0;
        if (timings != NULL) {
            fprintf(timings,
                    "report: %s: %.2f s wall, %.2f s CPU (beside the steps "
                    "before)\n",
                    job->label, job->wall_s, job->cpu_s);
            fflush(timings);
        }
    }
    if (job->rc != 0 && err != NULL)
        *err = job->err;
    return job->rc;
}
