/* Fuzz target: the waivers file (report/controls_items.c,
 * ts_controls_load_waivers). The input is the waivers file, read through an
 * in-memory file next to a small controls.yaml whose controls are TS-SEC-01
 * (the shipped waivers.yaml's) and T-1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "report/report_internal.h"
#include "tests/fuzz/fuzz.h"

static const char controls_yaml[] =
    "version: 1\n"
    "entity: Fuzz Corp\n"
    "controls:\n"
    "  - id: TS-SEC-01\n"
    "    title: One\n"
    "    criteria: [CC6.1]\n"
    "    frequency: daily\n"
    "    lane: census\n"
    "    severity: high\n"
    "    population: SELECT 1 AS entry_index, 'x' AS item, 0 AS time_us\n"
    "  - id: T-1\n"
    "    title: Two\n"
    "    criteria: [CC7.2]\n"
    "    frequency: daily\n"
    "    lane: sample\n"
    "    severity: low\n"
    "    population: SELECT 1 AS entry_index, 'x' AS item, 0 AS time_us\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_controls *c = NULL;
    ts_error err;
    char path[64];
    int fd;

    if (ts_controls_parse(&c, "fuzz.yaml", controls_yaml,
                          sizeof(controls_yaml) - 1, &err) != 0)
        ts_fuzz_fail(err.msg);
    fd = memfd_create("fuzz-waivers", 0);
    if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
        ts_fuzz_fail("cannot make an in-memory file");
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    c->waivers_path = strdup(path);
    if (c->waivers_path == NULL)
        ts_fuzz_fail("out of memory");
    if (ts_controls_load_waivers(c, NULL) == 0)
        for (size_t i = 0; i < c->n_waivers; i++)
            if (c->waivers[i].control == NULL)
                ts_fuzz_fail("an accepted waiver names no control");
    ts_controls_free(c);
    close(fd);
    return 0;
}
