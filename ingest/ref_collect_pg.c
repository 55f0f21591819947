/* Collects a catalog snapshot from a live PostgreSQL over libpq: roles,
 * memberships, table and column grants, columns with types and comments,
 * as the JSON lines that catalog-json files hold (schemas/reference.md). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/pg_catalog_sql.h"
#include "ingest/ref_internal.h"

/* Each query returns one JSON object (text) a row, in a stable order, so
 * two collections of an unchanged catalog differ only in their header. */

#define TS_UTC_TEXT(t)                                                         \
    "CASE WHEN isfinite(" t ") THEN to_char(" t " AT TIME ZONE 'UTC',"         \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') END"

#define TS_USER_SCHEMA(n)                                                      \
    n ".nspname NOT IN ('pg_catalog', 'information_schema')"                   \
      " AND " n ".nspname NOT LIKE 'pg\\_toast%'"                              \
      " AND " n ".nspname NOT LIKE 'pg\\_temp\\_%'"

#define TS_RELKIND_NAME                                                        \
    "CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'"    \
    " WHEN 'f' THEN 'foreign table' WHEN 'S' THEN 'sequence'"                  \
    " ELSE 'table' END"

static const char *const queries[] = {
    /* the header: what was collected, and when (by the server's clock) */
    "SELECT json_build_object('type', 'catalog',"
    " 'database', current_database(),"
    " 'server_version', current_setting('server_version'),"
    " 'search_path', to_json(current_schemas(false)),"
    " 'collected_at', " TS_UTC_TEXT("now()") ")::text",

    /* each table and view as the SQL analysis needs it: a view's
     * definition (its columns map to base columns), keys for ON CONFLICT
     * ON CONSTRAINT; columns come from the 'column' records, in order */
    "SELECT json_build_object('type', 'relation', 'schema', n.nspname,"
    " 'name', c.relname,"
    " 'kind', " TS_PG_REL_KIND ","
    " 'definition', " TS_PG_VIEW_DEFINITION ","
    " 'keys', " TS_PG_REL_KEYS ")::text"
    " FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition"
    " AND " TS_USER_SCHEMA("n") " ORDER BY n.nspname, c.relname",

    "SELECT json_build_object('type', 'role', 'role', rolname,"
    " 'superuser', rolsuper, 'createrole', rolcreaterole,"
    " 'createdb', rolcreatedb, 'bypassrls', rolbypassrls,"
    " 'replication', rolreplication, 'can_login', rolcanlogin,"
    " 'valid_until', " TS_UTC_TEXT(
        "rolvaliduntil") ")::text"
                         " FROM pg_catalog.pg_roles ORDER BY rolname",

    "SELECT json_build_object('type', 'member', 'role', r.rolname,"
    " 'member', m.rolname, 'admin_option', am.admin_option,"
    " 'grantor', g.rolname)::text"
    " FROM pg_catalog.pg_auth_members am"
    " JOIN pg_catalog.pg_roles r ON r.oid = am.roleid"
    " JOIN pg_catalog.pg_roles m ON m.oid = am.member"
    " LEFT JOIN pg_catalog.pg_roles g ON g.oid = am.grantor"
    " ORDER BY r.rolname, m.rolname",

    /* table-level privileges, the owner's implicit ones included (a NULL
     * relacl means the defaults) */
    "SELECT json_build_object('type', 'grant',"
    " 'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
    "   ELSE pg_catalog.pg_get_userbyid(a.grantee) END,"
    " 'object_type', " TS_RELKIND_NAME ","
    " 'object_name', n.nspname || '.' || c.relname,"
    " 'column_name', NULL, 'privilege', a.privilege_type,"
    " 'grantor', pg_catalog.pg_get_userbyid(a.grantor),"
    " 'grantable', a.is_grantable)::text"
    " FROM pg_catalog.pg_class c"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(c.relacl,"
    "   pg_catalog.acldefault(CASE c.relkind WHEN 'S' THEN 's'::\"char\""
    "   ELSE 'r'::\"char\" END, c.relowner))) a"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"
    " AND " TS_USER_SCHEMA(
        "n") " ORDER BY n.nspname, c.relname,"
             " pg_catalog.pg_get_userbyid(a.grantee), a.privilege_type",

    "SELECT json_build_object('type', 'grant',"
    " 'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
    "   ELSE pg_catalog.pg_get_userbyid(a.grantee) END,"
    " 'object_type', " TS_RELKIND_NAME ","
    " 'object_name', n.nspname || '.' || c.relname,"
    " 'column_name', att.attname, 'privilege', a.privilege_type,"
    " 'grantor', pg_catalog.pg_get_userbyid(a.grantor),"
    " 'grantable', a.is_grantable)::text"
    " FROM pg_catalog.pg_attribute att"
    " JOIN pg_catalog.pg_class c ON c.oid = att.attrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " CROSS JOIN LATERAL pg_catalog.aclexplode(att.attacl) a"
    " WHERE att.attacl IS NOT NULL AND att.attnum > 0"
    " AND NOT att.attisdropped AND " TS_USER_SCHEMA(
        "n") " ORDER BY n.nspname, c.relname, att.attnum,"
             " pg_catalog.pg_get_userbyid(a.grantee), a.privilege_type",

    "SELECT json_build_object('type', 'column', 'schema', n.nspname,"
    " 'table', c.relname, 'column', a.attname,"
    " 'data_type', pg_catalog.format_type(a.atttypid, a.atttypmod),"
    " 'comment', pg_catalog.col_description(c.oid, a.attnum))::text"
    " FROM pg_catalog.pg_attribute a"
    " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition"
    " AND a.attnum > 0 AND NOT a.attisdropped AND " TS_USER_SCHEMA(
        "n") " ORDER BY n.nspname, c.relname, a.attnum",
};

/* libpq's message, first line only. */
static const char *first_line(PGconn *conn, char *buf, size_t size)
{
    snprintf(buf, size, "%s", PQerrorMessage(conn));
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

int ts_ref_collect_pg(const char *dsn, int64_t now_us, ts_buf *out,
                      char **out_name, ts_error *err)
{
    char msg[TS_ERROR_MSG_SIZE / 2];
    PGconn *conn;
    int rc = 0;

    (void)now_us; /* the header carries the server's own clock */
    *out_name = NULL;
    conn = PQconnectdb(dsn);
    if (conn == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory connecting");
    if (PQstatus(conn) != CONNECTION_OK) {
        rc = ts_error_set(err, TS_EIO, "catalog: cannot connect: %s",
                          first_line(conn, msg, sizeof(msg)));
        goto out;
    }
    for (size_t q = 0; rc == 0 && q < sizeof(queries) / sizeof(queries[0]);
         q++) {
        PGresult *res = PQexec(conn, queries[q]);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            rc = ts_error_set(err, TS_EIO, "catalog: query %zu failed: %s",
                              q + 1, first_line(conn, msg, sizeof(msg)));
        }
        for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
            rc = ts_buf_append(out, PQgetvalue(res, i, 0),
                               (size_t)PQgetlength(res, i, 0), err);
            if (rc == 0)
                rc = ts_buf_append_byte(out, '\n', err);
        }
        PQclear(res);
    }
    if (rc == TS_ELIMIT)
        rc = ts_error_set(err, TS_ELIMIT,
                          "catalog: larger than %zu bytes of JSON",
                          TS_REF_FILE_MAX);
    if (rc == 0) {
        const char *host = PQhost(conn), *port = PQport(conn), *db = PQdb(conn);
        size_t size = strlen(host ? host : "") + strlen(port ? port : "") +
                      strlen(db ? db : "") + 32;
        *out_name = malloc(size);
        if (*out_name == NULL)
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        else
            snprintf(*out_name, size, "postgresql://%s:%s/%s", host ? host : "",
                     port ? port : "", db ? db : "");
    }
out:
    PQfinish(conn);
    return rc;
}
