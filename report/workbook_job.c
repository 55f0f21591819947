/* Closing the evidence workbook in a thread of its own. workbook_close
 * deflates every sheet into the zip on one core (9-12 s at 10M events, most
 * of it the population sheet of a million rows); nothing after it reads
 * the workbook until the manifest hashes it, so the proofs and the OSCAL
 * are written meanwhile. The file appears under its final name only when
 * the whole pack is: closed into a temporary name and synced here, renamed
 * by ts_workbook_job_finish once the proofs and the OSCAL are written. */
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

static int close_workbook(void *arg, ts_error *err)
{
    ts_workbook_job *job = arg;
    lxw_error e = workbook_close(job->wb);
    int rc = 0;

    job->wb = NULL; /* freed by workbook_close, whatever it returns */
    if (e != LXW_NO_ERROR)
        rc = ts_error_set(err, TS_EIO, "'%s': cannot write: %s", job->path,
                          lxw_strerror(e));
    else if (fsync_path(job->tmp) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': cannot write: %s", job->path,
                          strerror(errno));
    return rc;
}

void ts_workbook_job_start(ts_workbook_job *job, lxw_workbook *wb,
                           const char *tmp, const char *path)
{
    memset(job, 0, sizeof(*job));
    job->wb = wb;
    snprintf(job->tmp, sizeof(job->tmp), "%s", tmp);
    snprintf(job->path, sizeof(job->path), "%s", path);
    ts_bg_job_start(&job->bg, "workbook closed", close_workbook, job);
}

int ts_workbook_job_finish(ts_workbook_job *job, int keep, FILE *timings,
                           ts_error *err)
{
    int rc;

    if (!job->bg.started)
        return 0;
    rc = ts_bg_job_wait(&job->bg, timings, err);
    if (rc == 0 && keep && rename(job->tmp, job->path) != 0) {
        rc = errno;
        if (err != NULL)
            ts_error_set(err, TS_EIO, "'%s': cannot write: %s", job->path,
                         strerror(rc));
        rc = TS_EIO;
    }
    if (rc != 0 || !keep)
        unlink(job->tmp);
    return rc;
}
