/* Dumps a live PostgreSQL database's catalog (tables, ordered columns, view
 * definitions, search path) over libpq into the catalog JSON format. */
#include <libpq-fe.h>
#include <string.h>

#include "ingest/pg_catalog_sql.h"
#include "ingest/sql_internal.h"

/* One query builds the whole document, so the dump and the file format
 * cannot drift apart: ts_catalog_load_json reads both. Partitions are
 * left out (their parent is what statements name); materialized views are
 * tables to a reader. */
static const char catalog_query[] =
    "SELECT json_build_object("
    " 'search_path', to_json(current_schemas(false)),"
    " 'relations', coalesce((SELECT json_agg(json_build_object("
    "   'schema', n.nspname, 'name', c.relname,"
    "   'kind', " TS_PG_REL_KIND ","
    "   'columns', coalesce((SELECT json_agg(a.attname ORDER BY a.attnum)"
    "       FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid"
    "       AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json),"
    "   'definition', " TS_PG_VIEW_DEFINITION ","
    "   'keys', coalesce(" TS_PG_REL_KEYS ", '[]'::json))"
    "   ORDER BY n.nspname, c.relname)"
    "  FROM pg_catalog.pg_class c"
    "  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    "  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition"
    "  AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    "  AND n.nspname NOT LIKE 'pg\\_toast%'), '[]'::json))::text";

/* The first line of a libpq message, without its newline. */
static void one_line(char *msg)
{
    char *nl = strchr(msg, '\n');

    if (nl != NULL)
        *nl = '\0';
}

int ts_catalog_load_dsn(ts_catalog **out, const char *dsn, ts_error *err)
{
    char msg[TS_ERROR_MSG_SIZE];
    PGresult *res = NULL;
    PGconn *conn;
    int rc;

    *out = NULL;
    conn = PQconnectdb(dsn);
    if (conn == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory connecting");
    if (PQstatus(conn) != CONNECTION_OK) {
        strncpy(msg, PQerrorMessage(conn), sizeof(msg) - 1);
        msg[sizeof(msg) - 1] = '\0';
        one_line(msg);
        rc = ts_error_set(err, TS_EIO, "catalog: cannot connect: %s", msg);
        goto out_conn;
    }
    res = PQexec(conn, catalog_query);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        strncpy(msg, PQerrorMessage(conn), sizeof(msg) - 1);
        msg[sizeof(msg) - 1] = '\0';
        one_line(msg);
        rc = ts_error_set(err, TS_EIO, "catalog: query failed: %s", msg);
        goto out_res;
    }
    rc = ts_catalog_load_json(out, PQgetvalue(res, 0, 0),
                              (size_t)PQgetlength(res, 0, 0), err);
out_res:
    PQclear(res);
out_conn:
    PQfinish(conn);
    return rc;
}
