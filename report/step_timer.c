/* report --timings: the wall and CPU seconds of each step of the report. */
#include <stdarg.h>
#include <time.h>

#include "report_internal.h"

double ts_clock_seconds(clockid_t id)
{
    struct timespec t;

    if (clock_gettime(id, &t) != 0)
        return 0;
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void ts_step_timer_start(ts_step_timer *t, FILE *out)
{
    t->out = out;
    t->wall = ts_clock_seconds(CLOCK_MONOTONIC);
    t->cpu = ts_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

void ts_step_timer_lap(ts_step_timer *t, const char *fmt, ...)
{
    double wall, cpu;
    va_list ap;

    if (t->out == NULL)
        return;
    wall = ts_clock_seconds(CLOCK_MONOTONIC);
    cpu = ts_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    fputs("report: ", t->out);
    va_start(ap, fmt);
    vfprintf(t->out, fmt, ap);
    va_end(ap);
    fprintf(t->out, ": %.2f s wall, %.2f s CPU\n", wall - t->wall,
            cpu - t->cpu);
    fflush(t->out);
    t->wall = wall;
    t->cpu = cpu;
}
