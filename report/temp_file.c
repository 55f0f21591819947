/* The report's scratch files (temp_file in report_internal.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"

int ts_report_temp_file(const char *dir, const char *name, FILE **out,
                        ts_error *err)
{
    char path[4200];
    int fd;

    *out = NULL;
    if (snprintf(path, sizeof(path), "%s/.%s.XXXXXX", dir, name) >=
        (int)sizeof(path))
        return ts_error_set(err, TS_ELIMIT, "'%s': path too long", dir);
    fd = mkstemp(path);
    if (fd < 0)
        return ts_error_set(err, TS_EIO, "'%s': cannot create: %s", path,
                            strerror(errno));
    unlink(path);
    *out = fdopen(fd, "w+b");
    if (*out == NULL) {
        close(fd);
        return ts_error_set(err, TS_EIO, "'%s': cannot open: %s", path,
                            strerror(errno));
    }
    return 0;
}
