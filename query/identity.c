/* Identities in queries: checking an identity name given to --who. */
#include <string.h>

#include "query/query_internal.h"
#include "store/store_internal.h"

int ts_identity_kind_valid(const char *s)
{
    return s != NULL && (strcmp(s, "human") == 0 || strcmp(s, "agent") == 0 ||
                         strcmp(s, "service") == 0);
}

int ts_query_identity_check(ts_store *store, const char *who, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc, step;

    if (who == NULL || *who == '\0')
        return ts_error_set(err, TS_EINVAL, "--who: no identity given");
    rc = ts_store_prepare(store, "SELECT 1 FROM v_identities WHERE name = ?1",
                          &st, "looking up an identity", err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        rc = ts_error_set(err, TS_EINVAL,
                          "'%s': no such identity in the newest identities "
                          "snapshot (trailseal load identities FILE)",
                          who);
    else if (step != SQLITE_ROW)
        rc = ts_store_db_error(store, "looking up an identity", err);
    sqlite3_finalize(st);
    return rc;
}
