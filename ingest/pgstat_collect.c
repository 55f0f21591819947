/* Collects pg_stat snapshots from a live PostgreSQL through libpq: the same
 * CSV, header and rows, that psql's \copy of the export queries writes. */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ingest/pgstat_internal.h"

/* The server a row comes from: its address (local for a unix socket) and
 * port, so snapshots taken over one connection route are compared with
 * each other. docs/cli/collect.md lists these as \copy commands. */
#define TS_PGSTAT_SERVER                                                       \
    "coalesce(host(inet_server_addr()), 'local') || ':' ||"                    \
    " current_setting('port') AS server"

const char ts_pgstat_statements_sql[] =
    "SELECT now() AS snapshot_at, " TS_PGSTAT_SERVER ","
    " r.rolname AS username, d.datname, s.*"
    " FROM pg_stat_statements s"
    " LEFT JOIN pg_roles r ON r.oid = s.userid"
    " LEFT JOIN pg_database d ON d.oid = s.dbid";

const char ts_pgstat_activity_sql[] =
    "SELECT now() AS snapshot_at, " TS_PGSTAT_SERVER ", a.*,"
    " l.ssl, l.version AS ssl_version, l.cipher AS ssl_cipher"
    " FROM pg_stat_activity a LEFT JOIN pg_stat_ssl l ON l.pid = a.pid";

const char ts_pgstat_ssl_sql[] =
    "SELECT now() AS snapshot_at, " TS_PGSTAT_SERVER ", * FROM pg_stat_ssl";

/* Most bytes of one snapshot. */
#define SNAPSHOT_MAX ((size_t)256 << 20)

/* "host:port" of the DSN, for messages and the source's name: never the
 * password. */
static void dsn_where(const char *dsn, char *host, size_t hsize, char *port,
                      size_t psize, char *db, size_t dsize)
{
    PQconninfoOption *opts = PQconninfoParse(dsn, NULL);

    snprintf(host, hsize, "%s", "localhost");
    snprintf(port, psize, "%s", "5432");
    db[0] = '\0';
    if (opts == NULL)
        return;
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL || o->val[0] == '\0')
            continue;
        if (strcmp(o->keyword, "host") == 0)
            snprintf(host, hsize, "%s", o->val);
        else if (strcmp(o->keyword, "port") == 0)
            snprintf(port, psize, "%s", o->val);
        else if (strcmp(o->keyword, "dbname") == 0)
            snprintf(db, dsize, "%s", o->val);
    }
    PQconninfoFree(opts);
}

/* libpq's message, first line only. */
static const char *first_line(PGconn *conn, char *buf, size_t size)
{
    snprintf(buf, size, "%s", PQerrorMessage(conn));
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

static int run(PGconn *conn, const char *sql, const char *where, ts_error *err)
{
    char msg[TS_ERROR_MSG_SIZE / 2];
    PGresult *res = PQexec(conn, sql);
    int rc = 0;

    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = ts_error_set(err, TS_EIO, "%s: %s failed: %s", where, sql,
                          first_line(conn, msg, sizeof(msg)));
    PQclear(res);
    return rc;
}

/* COPY (query) TO STDOUT as CSV with its header, appended to out. */
static int copy_out(PGconn *conn, const char *view, const char *query,
                    const char *where, ts_buf *out, ts_error *err)
{
    char msg[TS_ERROR_MSG_SIZE / 2];
    ts_buf sql;
    PGresult *res;
    int rc, n;

    ts_buf_init(&sql, 8192);
    rc = ts_buf_append(&sql, "COPY (", 6, err);
    if (rc == 0)
        rc = ts_buf_append(&sql, query, strlen(query), err);
    if (rc == 0)
        rc =
            ts_buf_append(&sql, ") TO STDOUT WITH (FORMAT csv, HEADER)",
                          sizeof(") TO STDOUT WITH (FORMAT csv, HEADER)"), err);
    if (rc != 0) {
        ts_buf_release(&sql);
        return rc;
    }
    res = PQexec(conn, (const char *)sql.data);
    ts_buf_release(&sql);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        /* 42P01: the extension was never created in this database */
        int missing = state != NULL && strcmp(state, "42P01") == 0 &&
                      strcmp(view, "pg_stat_statements") == 0;
        rc = ts_error_set(err, TS_EIO, "%s: reading %s failed: %s%s", where,
                          view, first_line(conn, msg, sizeof(msg)),
                          missing ? " (load it with shared_preload_libraries "
                                    "and run CREATE EXTENSION "
                                    "pg_stat_statements in this database)"
                                  : "");
        PQclear(res);
        return rc;
    }
    PQclear(res);
    for (;;) {
        char *row = NULL;
        n = PQgetCopyData(conn, &row, 0);
        if (n < 0)
            break;
        if (rc == 0)
            rc = ts_buf_append(out, row, (size_t)n, err);
        PQfreemem(row);
    }
    if (n == -2 && rc == 0)
        rc = ts_error_set(err, TS_EIO, "%s: reading %s failed: %s", where, view,
                          first_line(conn, msg, sizeof(msg)));
    res = PQgetResult(conn);
    if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = ts_error_set(err, TS_EIO, "%s: reading %s failed: %s", where, view,
                          first_line(conn, msg, sizeof(msg)));
    PQclear(res);
    while ((res = PQgetResult(conn)) != NULL)
        PQclear(res);
    if (rc == TS_ELIMIT)
        rc = ts_error_set(err, TS_ELIMIT, "%s: snapshot larger than %zu bytes",
                          where, SNAPSHOT_MAX);
    return rc;
}

/* Hands the snapshot to the reader through an anonymous memory file, so
 * the live path and a file read the same bytes the same way. */
static int open_snapshot(ts_source **out, const ts_buf *doc, const char *name,
                         ts_error *err)
{
    ts_input *in;
    int fd = memfd_create("trailseal-pg-stat", MFD_CLOEXEC), rc;

    if (fd < 0)
        return ts_error_set(err, TS_EIO, "%s: no memory file: %s", name,
                            strerror(errno));
    if (ts_write_all(fd, doc->data, doc->len) != 0) {
        rc = ts_error_set(err, TS_EIO, "%s: writing the snapshot: %s", name,
                          strerror(errno));
        close(fd);
        return rc;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        rc = ts_error_set(err, TS_EIO, "%s: %s", name, strerror(errno));
        close(fd);
        return rc;
    }
    rc = ts_input_open_fd(&in, fd, 1, name, err);
    if (rc == 0)
        rc = ts_pgstat_csv_open_input(out, in, TS_PG_RECORD_LIMIT, err);
    return rc;
}

int ts_pgstat_collect(ts_source **out, const char *dsn, ts_error *err)
{
    char host[256], port[32], db[256], where[320], name[600];
    char msg[TS_ERROR_MSG_SIZE / 2];
    PGconn *conn;
    ts_buf doc;
    int rc;

    *out = NULL;
    dsn_where(dsn, host, sizeof(host), port, sizeof(port), db, sizeof(db));
    snprintf(where, sizeof(where), "pg_stat: %s:%s", host, port);
    conn = PQconnectdb(dsn);
    if (conn == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory connecting");
    if (PQstatus(conn) != CONNECTION_OK) {
        rc = ts_error_set(err, TS_EIO, "%s: cannot connect: %s", where,
                          first_line(conn, msg, sizeof(msg)));
        PQfinish(conn);
        return rc;
    }
    if (db[0] == '\0' && PQdb(conn) != NULL)
        snprintf(db, sizeof(db), "%s", PQdb(conn));
    ts_buf_init(&doc, SNAPSHOT_MAX);
    /* one transaction: every row of the snapshot has the same now() */
    rc = run(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", where,
             err);
    if (rc == 0)
        rc = copy_out(conn, "pg_stat_statements", ts_pgstat_statements_sql,
                      where, &doc, err);
    if (rc == 0)
        rc = copy_out(conn, "pg_stat_activity", ts_pgstat_activity_sql, where,
                      &doc, err);
    if (rc == 0)
        rc = run(conn, "COMMIT", where, err);
    PQfinish(conn);
    snprintf(name, sizeof(name), "postgresql://%s:%s/%s", host, port, db);
    if (rc == 0)
        rc = open_snapshot(out, &doc, name, err);
    ts_buf_release(&doc);
    return rc;
}
