/* Reference data: identities, change approvals and catalog snapshots, sealed
 * as entries like log records and indexed for controls (schemas/reference.md).
 */
#ifndef TRAILSEAL_REFERENCE_H
#define TRAILSEAL_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

#include "trailseal/error.h"
#include "trailseal/source.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What one reference record says. Types are stored in the index by name. */
typedef enum ts_ref_type {
    TS_REF_NONE = 0,     /* a CSV header, blank line, comment, punctuation */
    TS_REF_IDENTITY = 1, /* a person, agent or service and its accounts */
    TS_REF_APPROVAL = 2, /* a change approval */
    TS_REF_ROLE = 3,     /* a database role and its attributes */
    TS_REF_MEMBER = 4,   /* a role membership */
    TS_REF_GRANT = 5,    /* a table or column privilege */
    TS_REF_COLUMN = 6,   /* a table column, its type and comment */
    TS_REF_CATALOG = 7,  /* a catalog snapshot's header (database, server) */
    TS_REF_RELATION = 8  /* a table or view: a view's definition, keys */
} ts_ref_type;

/* One account of an identity; system is NULL when the record named none. */
typedef struct ts_ref_account {
    const char *system;
    const char *account;
} ts_ref_account;

/* The meaning of one reference record. Strings are borrowed like an
 * event's (valid until the source's next call); NULL when absent. Times
 * are µs since the Unix epoch, TS_UNKNOWN_TIME (event.h) when absent.
 * Booleans are 0 or 1. Only the fields of `type` are set. */
typedef struct ts_ref_record {
    const char *dataset; /* identities, approvals or catalog (also for
                            unparsed records) */
    ts_ref_type type;
    int64_t snapshot_us; /* when the load read the data */

    /* TS_REF_IDENTITY */
    const char *name;
    const char *identity_kind; /* human, agent or service */
    const char *owner;
    const char *status; /* lowercased; "active" when the record said none */
    int64_t terminated_us;
    const ts_ref_account *accounts;
    size_t n_accounts;

    /* TS_REF_APPROVAL */
    const char *ticket;
    const char *approver;
    int64_t approved_us;
    const char *scope;
    int64_t valid_until_us; /* also a role's rolvaliduntil */

    /* TS_REF_ROLE, TS_REF_MEMBER (role, member, admin_option) */
    const char *role;
    int superuser, createrole, createdb, bypassrls, replication, can_login;
    const char *member;
    int admin_option;

    /* TS_REF_GRANT */
    const char *grantee;
    const char *object_type; /* table, view, sequence, ... (lowercase) */
    const char *object_name; /* schema.table */
    const char *privilege;   /* SELECT, INSERT, ... (uppercase) */
    const char *grantor;
    /* TS_REF_GRANT (NULL: table level) and TS_REF_COLUMN */
    const char *column_name;

    /* TS_REF_COLUMN */
    const char *schema_name;
    const char *table_name;
    const char *data_type;
    const char *comment;

    /* TS_REF_CATALOG */
    const char *database;
    const char *server_version;
    const char *search_path; /* JSON array of schema names, or NULL */

    /* TS_REF_RELATION (schema_name, table_name: its schema and name) */
    const char *relation_kind; /* "table" or "view" */
    const char *definition;    /* a view's SELECT (pg_get_viewdef) */
    const char *keys;          /* JSON array of {"name", "columns"}, or NULL */
} ts_ref_record;

/* Opens a reader of a reference file: dataset is "identities",
 * "approvals" or "catalog"; path "-" reads standard input (gzip and zstd
 * are decompressed). CSV or JSON is recognised from the content
 * (schemas/reference.md); catalog files are JSON only. Formats:
 * identities-csv, identities-json, approvals-csv, approvals-json,
 * catalog-json. The whole file is read at open (at most 64 MiB); its key
 * is the SHA-256 of its format and whole content, so loading the same
 * content again seals nothing and any change makes a new snapshot. Every
 * entry's event is TS_EVENT_REFERENCE (or TS_EVENT_UNPARSED with a reason)
 * and carries the record in ev->reference. *out is the caller's, released
 * with ts_source_free(). TS_EINVAL for an unknown dataset or content in
 * neither format, TS_EIO when unreadable, TS_ELIMIT when too large. */
int ts_reference_open_file(ts_source **out, const char *dataset,
                           const char *path, ts_error *err);

/* Like ts_reference_open_file() over bytes in memory (copied); name is for
 * messages and the sources table. */
int ts_reference_open_buffer(ts_source **out, const char *dataset,
                             const char *name, const void *data, size_t len,
                             ts_error *err);

/* Collects a catalog snapshot from a live PostgreSQL through libpq (roles
 * and attributes, memberships, table and column grants, columns with types
 * and comments) as format "catalog-pg": one JSON object per line, the
 * first a header with the collection time, so every collection is a new
 * snapshot. The source's name is the server's host, port and database
 * (never the password). *out is the caller's. TS_EIO when the server
 * cannot be reached or a query fails. */
int ts_reference_collect_catalog(ts_source **out, const char *dsn,
                                 ts_error *err);

/* The name of a record type: "identity", "approval", "role", "member",
 * "grant", "column", "catalog"; "none" for TS_REF_NONE. */
const char *ts_ref_type_name(ts_ref_type type);

#ifdef __cplusplus
}
#endif
#endif
