/* The catalogs ingest resolves SQL names against: a file or live database
 * given on the command line, else every catalog snapshot the store holds,
 * each in force from the time it was taken. */
#include <stdlib.h>

#include "cli.h"

void cli_catalogs_free(cli_catalogs *c)
{
    for (size_t i = 0; i < c->n; i++)
        ts_catalog_free(c->catalogs[i]);
    free(c->catalogs);
    free(c->from_us);
    free(c->ids);
    c->catalogs = NULL;
    c->from_us = c->ids = NULL;
    c->n = 0;
}

int cli_catalogs_from_store(cli_catalogs *c, ts_store *store, ts_error *err)
{
    ts_catalog_snapshot *snaps = NULL;
    size_t n = 0;
    int rc = ts_query_catalog_snapshots(store, &snaps, &n, err);

    c->catalogs = NULL;
    c->from_us = c->ids = NULL;
    c->n = 0;
    if (rc != 0 || n == 0)
        return rc;
    c->catalogs = calloc(n, sizeof(*c->catalogs));
    c->from_us = calloc(n, sizeof(*c->from_us));
    c->ids = calloc(n, sizeof(*c->ids));
    if (c->catalogs == NULL || c->from_us == NULL || c->ids == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = ts_catalog_load_json(&c->catalogs[i], snaps[i].json, snaps[i].len,
                                  err);
        if (rc != 0) {
            rc = ts_error_prefix(err, "catalog snapshot %lld: ",
                                 (long long)snaps[i].snapshot_id);
            break;
        }
        c->from_us[i] = snaps[i].taken_us;
        c->ids[i] = snaps[i].snapshot_id;
        c->n++;
    }
    ts_catalog_snapshots_free(snaps, n);
    if (rc != 0)
        cli_catalogs_free(c);
    return rc;
}

void cli_catalogs_timeline(const cli_catalogs *c, ts_catalog_timeline *out)
{
    out->catalogs = (const ts_catalog *const *)c->catalogs;
    out->from_us = c->from_us;
    out->ids = c->ids;
    out->n = c->n;
}
