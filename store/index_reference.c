/* Writing reference records (identities, approvals, catalog snapshots) into
 * the index: schemas/index.sql, "Reference data". */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "trailseal/reference.h"

enum {
    ST_SNAPSHOT,
    ST_IDENTITY,
    ST_ACCOUNT,
    ST_APPROVAL,
    ST_CATALOG,
    ST_ROLE,
    ST_MEMBER,
    ST_GRANT,
    ST_COLUMN,
    ST_RELATION,
    ST_COUNT
};

static const char *const sql[ST_COUNT] = {
    /* a load's snapshot: created by its first entry */
    "INSERT INTO ref_snapshots(id, dataset, taken_us, first_seq, n_entries,"
    " n_records, n_unparsed) VALUES(?1, ?2, ?3, ?4, 1, ?5, ?6)"
    " ON CONFLICT(id) DO UPDATE SET n_entries = n_entries + 1,"
    " n_records = n_records + excluded.n_records,"
    " n_unparsed = n_unparsed + excluded.n_unparsed,"
    " taken_us = min(taken_us, excluded.taken_us)",
    "INSERT INTO ref_identities(seq, snapshot_id, name, kind, owner, status,"
    " terminated_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "INSERT INTO ref_identity_accounts(seq, snapshot_id, identity, system,"
    " account) VALUES(?1, ?2, ?3, ?4, ?5)",
    "INSERT INTO ref_approvals(seq, snapshot_id, ticket, approver,"
    " approved_us, scope, valid_until_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "INSERT INTO ref_catalog_info(seq, snapshot_id, database, server_version,"
    " search_path) VALUES(?1, ?2, ?3, ?4, ?5)",
    "INSERT INTO ref_roles(seq, snapshot_id, role, superuser, createrole,"
    " createdb, bypassrls, replication, can_login, valid_until_us)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    "INSERT INTO ref_role_members(seq, snapshot_id, role, member,"
    " admin_option) VALUES(?1, ?2, ?3, ?4, ?5)",
    "INSERT INTO ref_grants(seq, snapshot_id, grantee, object_type,"
    " object_name, column_name, privilege, grantor)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    "INSERT INTO ref_catalog_columns(seq, snapshot_id, schema_name,"
    " table_name, column_name, data_type, comment)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "INSERT INTO ref_catalog_relations(seq, snapshot_id, schema_name, name,"
    " kind, definition, keys) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
};

struct ts_ref_writer {
    ts_store *store;
    sqlite3_stmt *st[ST_COUNT];
};

void ts_ref_writer_free(ts_ref_writer *w)
{
    if (w == NULL)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(w->st[i]);
    free(w);
}

int ts_ref_writer_new(ts_ref_writer **out, ts_store *store, ts_error *err)
{
    ts_ref_writer *w = calloc(1, sizeof(*w));
    int rc = 0;

    *out = NULL;
    if (w == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    w->store = store;
    /* prepared on first use: most ingests hold no reference data */
    *out = w;
    return rc;
}

static void text(sqlite3_stmt *st, int col, const char *v)
{
    if (v == NULL)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC);
}

static void time_us(sqlite3_stmt *st, int col, int64_t v)
{
    if (v == TS_UNKNOWN_TIME)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_int64(st, col, v);
}

/* Prepares statement i when needed, binds seq and snapshot as ?1 ?2. */
static int start(ts_ref_writer *w, int i, uint64_t seq, int64_t snapshot,
                 sqlite3_stmt **out, ts_error *err)
{
    if (w->st[i] == NULL) {
        int rc = ts_store_prepare(w->store, sql[i], &w->st[i],
                                  "indexing reference data", err);
        if (rc != 0)
            return rc;
    }
    *out = w->st[i];
    sqlite3_bind_int64(*out, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(*out, 2, snapshot);
    return 0;
}

static int add_identity(ts_ref_writer *w, uint64_t seq, int64_t snap,
                        const ts_ref_record *r, ts_error *err)
{
    sqlite3_stmt *st;
    int rc = start(w, ST_IDENTITY, seq, snap, &st, err);

    if (rc != 0)
        return rc;
    text(st, 3, r->name);
    text(st, 4, r->identity_kind);
    text(st, 5, r->owner);
    text(st, 6, r->status);
    time_us(st, 7, r->terminated_us);
    rc = ts_store_step_done(w->store, st, "indexing reference data", err);
    for (size_t i = 0; rc == 0 && i < r->n_accounts; i++) {
        rc = start(w, ST_ACCOUNT, seq, snap, &st, err);
        if (rc != 0)
            break;
        text(st, 3, r->name);
        text(st, 4, r->accounts[i].system);
        text(st, 5, r->accounts[i].account);
        rc = ts_store_step_done(w->store, st, "indexing reference data", err);
    }
    return rc;
}

static int add_record(ts_ref_writer *w, uint64_t seq, int64_t snap,
                      const ts_ref_record *r, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    switch (r->type) {
    case TS_REF_IDENTITY:
        return add_identity(w, seq, snap, r, err);
    case TS_REF_APPROVAL:
        rc = start(w, ST_APPROVAL, seq, snap, &st, err);
        if (rc == 0) {
            text(st, 3, r->ticket);
            text(st, 4, r->approver);
            time_us(st, 5, r->approved_us);
            text(st, 6, r->scope);
            time_us(st, 7, r->valid_until_us);
        }
        break;
    case TS_REF_CATALOG:
        rc = start(w, ST_CATALOG, seq, snap, &st, err);
        if (rc == 0) {
            text(st, 3, r->database);
            text(st, 4, r->server_version);
            text(st, 5, r->search_path);
        }
        break;
    case TS_REF_RELATION:
        rc = start(w, ST_RELATION, seq, snap, &st, err);
        if (rc == 0) {
            text(st, 3, r->schema_name);
            text(st, 4, r->table_name);
            text(st, 5, r->relation_kind);
            text(st, 6, r->definition);
            text(st, 7, r->keys);
        }
        break;
    case TS_REF_ROLE:
        rc = start(w, ST_ROLE, seq, snap, &st, err);
        if (rc == 0) {
            text(st, 3, r->role);
            sqlite3_bind_int(st, 4, r->superuser);
            sqlite3_bind_int(st, 5, r->createrole);
            sqlite3_bind_int(st, 6, r->createdb);
            sqlite3_bind_int(st, 7, r->bypassrls);
            sqlite3_bind_int(st, 8, r->replication);
            sqlite3_bind_int(st, 9, r->can_login);
            time_us(st, 10, r->valid_until_us);
        }
        break;
    case TS_REF_MEMBER:
        rc = start(w, ST_MEMBER, seq, snap, &st, err);
        if (rc == 0) {
            text(st, 3, r->role);
            text(st, 4, r->member);
            sqlite3_bind_int(st, 5, r->admin_option);
        }
        break;
    case TS_REF_GRANT:
        rc = start(w, ST_GRANT, seq, snap, &st, err);
        if (rc == 0) {
            text(st, 3, r->grantee);
            text(st, 4, r->object_type);
            text(st, 5, r->object_name);
            text(st, 6, r->column_name);
            text(st, 7, r->privilege);
            text(st, 8, r->grantor);
        }
        break;
    case TS_REF_COLUMN:
        rc = start(w, ST_COLUMN, seq, snap, &st, err);
        if (rc == 0) {
            text(st, 3, r->schema_name);
            text(st, 4, r->table_name);
            text(st, 5, r->column_name);
            text(st, 6, r->data_type);
            text(st, 7, r->comment);
        }
        break;
    default:
        return 0; /* a header, blank line or punctuation */
    }
    return rc == 0 ? ts_store_step_done(w->store, st, "indexing reference data",
                                        err)
                   : rc;
}

int ts_ref_writer_add(ts_ref_writer *w, uint64_t seq, int64_t source_id,
                      const ts_event *ev, ts_error *err)
{
    const ts_ref_record *r = ev->reference;
    sqlite3_stmt *st;
    int rc;

    if (r == NULL || r->dataset == NULL)
        return 0;
    /* the snapshot is the load: its source */
    rc = start(w, ST_SNAPSHOT, (uint64_t)source_id, 0, &st, err);
    if (rc != 0)
        return rc;
    text(st, 2, r->dataset);
    sqlite3_bind_int64(st, 3, r->snapshot_us);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
    sqlite3_bind_int(st, 5,
                     ev->kind == TS_EVENT_REFERENCE && r->type != TS_REF_NONE);
    sqlite3_bind_int(st, 6, ev->kind == TS_EVENT_UNPARSED);
    rc = ts_store_step_done(w->store, st, "indexing reference data", err);
    if (rc == 0 && ev->kind == TS_EVENT_REFERENCE)
        rc = add_record(w, seq, source_id, r, err);
    return rc;
}
