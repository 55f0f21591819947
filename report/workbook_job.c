/* Closing the evidence workbook in a thread of its own. workbook_close
 * deflates every sheet into the zip on one core (9-12 s at 10M events, most
 * of it the population sheet of a million rows); nothing after it reads
 * the workbook until the manifest hashes it, so the proofs and the OSCAL
 * are written meanwhile. The file appears under its final name only when
 * complete: closed into a temporary name, synced, then renamed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"

static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

static int close_workbook(ts_workbook_job *job)
{
    lxw_error e = workbook_close(job->wb);

    job->wb = NULL; /* freed by workbook_close, whatever it returns */
    if (e != LXW_NO_ERROR)
        job->rc = ts_error_set(&job->err, TS_EIO, "'%s': cannot write: %s",
                               job->path, lxw_strerror(e));
    else if (fsync_path(job->tmp) != 0 || rename(job->tmp, job->path) != 0)
        job->rc = ts_error_set(&job->err, TS_EIO, "'%s': cannot write: %s",
                               job->path, strerror(errno));
    if (job->rc != 0)
        unlink(job->tmp);
    return job->rc;
}

static void *run(void *arg)
{
    ts_workbook_job *job = arg;
    double wall = ts_clock_seconds(CLOCK_MONOTONIC);

    close_workbook(job);
    job->cpu_s = ts_clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    job->wall_s = ts_clock_seconds(CLOCK_MONOTONIC) - wall;
    return NULL;
}

void ts_workbook_job_start(ts_workbook_job *job, lxw_workbook *wb,
                           const char *tmp, const char *path)
{
    double wall = ts_clock_seconds(CLOCK_MONOTONIC),
           cpu = ts_clock_seconds(CLOCK_THREAD_CPUTIME_ID);

    memset(job, 0, sizeof(*job));
    job->wb = wb;
    snprintf(job->tmp, sizeof(job->tmp), "%s", tmp);
    snprintf(job->path, sizeof(job->path), "%s", path);
    if (pthread_create(&job->thread, NULL, run, job) == 0) {
        job->running = 1;
        return;
    }
    close_workbook(job);
    job->cpu_s = ts_clock_seconds(CLOCK_THREAD_CPUTIME_ID) - cpu;
    job->wall_s = ts_clock_seconds(CLOCK_MONOTONIC) - wall;
}

int ts_workbook_job_wait(ts_workbook_job *job, FILE *timings, ts_error *err)
{
    if (job->running) {
        pthread_join(job->thread, NULL);
        job->running = 0;
        if (timings != NULL) {
            fprintf(timings,
                    "report: workbook closed: %.2f s wall, %.2f s CPU "
                    "(beside the steps before)\n",
                    job->wall_s, job->cpu_s);
            fflush(timings);
        }
    }
    if (job->rc != 0 && err != NULL)
        *err = job->err;
    return job->rc;
}
