/* results.json against the pack it sits in: the numbers an auditor would
 * otherwise re-derive by hand. Per control, every exception found is
 * listed (up to the kept limit), the population file's SHA-256 and row
 * count are the ones stated, and in the sample lane the seed is the one
 * the period, the control and the population give, and the sampled rows
 * are the ones that seed selects (schemas/controls.schema.md). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/pack_internal.h"
#include "report/report_internal.h"

static const char *text_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* An integer member that is >= 0, else -1. */
static json_int_t count_of(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_integer(v) && json_integer_value(v) >= 0
               ? json_integer_value(v)
               : -1;
}

static int by_number(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The sampled items' rows (0: an item without one) are the sample the
 * seed selects. */
static int check_sample(const char *id, const json_t *control,
                        const uint64_t *rows, size_t n_got,
                        json_int_t population, ts_pack_verdict *v)
{
    json_int_t size = count_of(control, "sample_size");
    uint8_t seed[TS_SHA256_SIZE];
    uint64_t *want, *got;
    size_t n_want = 0, i;
    int stop = 0;

    if (size < 0 || size > TS_CONTROL_MAX_SAMPLE)
        return ts_pack_finding(v, TS_PACK_RESULTS,
                               "control %s: sample_size is not a count up "
                               "to %d",
                               id, TS_CONTROL_MAX_SAMPLE);
    for (i = 0; i < n_got; i++)
        if (rows[i] < 1)
            return ts_pack_finding(v, TS_PACK_RESULTS,
                                   "control %s: sampled item %zu has no row",
                                   id, i + 1);
    ts_hex_decode(text_of(control, "seed"), seed, sizeof(seed));
    want = calloc((size_t)size + 1, sizeof(*want));
    got = calloc(n_got + 1, sizeof(*got));
    if (want == NULL || got == NULL ||
        ts_sample_rows(seed, (uint64_t)population, (size_t)size, want,
                       &n_want) != 0) {
        free(want);
        free(got);
        return ts_pack_finding(v, TS_PACK_RESULTS, "out of memory");
    }
    if (n_got > 0)
        memcpy(got, rows, n_got * sizeof(*got));
    qsort(got, n_got, sizeof(*got), by_number);
    for (i = 0; i < n_want && i < n_got && got[i] == want[i]; i++)
        ;
    if (n_got != n_want || i < n_want)
        stop = ts_pack_finding(
            v, TS_PACK_RESULTS,
            "control %s: the sample is not the one its seed selects (%zu "
            "rows listed, %zu selected from %" PRId64 " by sample_size %" PRId64
            "; they first differ at position %zu)",
            id, n_got, n_want, (int64_t)population, (int64_t)size, i + 1);
    free(want);
    free(got);
    return stop;
}

int ts_pack_check_control(const char *dir, const char *period,
                          const json_t *control, const uint64_t *sampled_rows,
                          size_t n_sampled, size_t n_exceptions,
                          const ts_pack_listed *listed, ts_pack_verdict *v)
{
    const char *id = text_of(control, "id");
    const char *file = text_of(control, "population_file");
    const char *sha = text_of(control, "population_sha256");
    const char *seed = text_of(control, "seed");
    json_int_t found = count_of(control, "exceptions_found");
    json_int_t population = count_of(control, "population");
    char path[TS_PACK_PATH_MAX], want_seed[2 * TS_SHA256_SIZE + 1];
    uint64_t records = 0;
    ts_error e;

    if (id == NULL)
        return ts_pack_finding(v, TS_PACK_RESULTS, "a control has no id");
    if (found >= 0 && n_exceptions != (size_t)(found < TS_CONTROL_MAX_EXCEPTIONS
                                                   ? found
                                                   : TS_CONTROL_MAX_EXCEPTIONS))
        return ts_pack_finding(v, TS_PACK_RESULTS,
                               "control %s lists %zu of the %" PRId64
                               " exceptions it found (it must list them all, "
                               "up to %d)",
                               id, n_exceptions, (int64_t)found,
                               TS_CONTROL_MAX_EXCEPTIONS);
    if (file == NULL)
        return 0; /* no population file: nothing more to re-derive */
    if (listed == NULL)
        return ts_pack_finding(v, file,
                               "missing: control %s names it as its "
                               "population",
                               id);
    if (sha == NULL || strcmp(sha, listed->sha256) != 0)
        return ts_pack_finding(v, TS_PACK_RESULTS,
                               "control %s: population_sha256 is not the "
                               "SHA-256 of %s",
                               id, file);
    ts_error_clear(&e);
    if (ts_pack_path(path, sizeof(path), dir, file, &e) != 0 ||
        ts_pack_csv_records(path, &records, &e) != 0)
        return ts_pack_finding(v, file, "cannot be counted: %s", e.msg);
    if (records == 0 || population < 0 || records - 1 != (uint64_t)population)
        return ts_pack_finding(
            v, TS_PACK_RESULTS,
            "control %s: population %" PRId64 " but %s holds %" PRIu64 " rows",
            id, (int64_t)population, file, records > 0 ? records - 1 : 0);
    if (seed == NULL)
        return 0; /* the census lane */
    if (period == NULL)
        return ts_pack_finding(v, TS_PACK_RESULTS, "period has no label");
    ts_sample_seed(period, id, sha, want_seed);
    if (strcmp(seed, want_seed) != 0)
        return ts_pack_finding(v, TS_PACK_RESULTS,
                               "control %s: seed is not the one its period, "
                               "id and population give (%s)",
                               id, want_seed);
    return check_sample(id, control, sampled_rows, n_sampled, population, v);
}
