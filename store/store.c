/* Creating and opening a store: the SQLite file, its schemas, meta and key
 * file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "store/store_internal.h"
#include "trailseal/redact.h"
#include "trailseal/time.h"

#define TS_KEY_FILE_MAX 4096

sqlite3 *ts_store_sqlite(ts_store *store)
{
    return store->db;
}

const char *ts_store_path(const ts_store *store)
{
    return store->path;
}

const char *ts_store_origin(const ts_store *store)
{
    return store->origin;
}

int ts_store_db_error(ts_store *store, const char *what, ts_error *err)
{
    return ts_error_set(err, TS_EDB, "'%s': %s: %s", store->path, what,
                        sqlite3_errmsg(store->db));
}

int ts_store_step_done(ts_store *store, sqlite3_stmt *st, const char *what,
                       ts_error *err)
{
    int rc = sqlite3_step(st) == SQLITE_DONE
                 ? 0
                 : ts_store_db_error(store, what, err);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int ts_store_count(ts_store *store, const char *sql, const char *what,
                   uint64_t *out, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = ts_store_prepare(store, sql, &st, what, err);

    if (rc != 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(st, 0);
    else
        rc = ts_store_db_error(store, what, err);
    sqlite3_finalize(st);
    return rc;
}

int ts_store_exec(ts_store *store, const char *sql, const char *what,
                  ts_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(store->db, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK) {
        ts_error_set(err, TS_EDB, "'%s': %s: %s", store->path, what,
                     msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return TS_EDB;
    }
    return 0;
}

int ts_store_prepare(ts_store *store, const char *sql, sqlite3_stmt **out,
                     const char *what, ts_error *err)
{
    if (sqlite3_prepare_v2(store->db, sql, -1, out, NULL) != SQLITE_OK)
        return ts_store_db_error(store, what, err);
    return 0;
}

static int meta_put(ts_store *store, const char *key, const void *value,
                    size_t len, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = ts_store_prepare(
        store, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", &st,
        "writing meta", err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, value, (int)len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ts_store_db_error(store, "writing meta", err);
    sqlite3_finalize(st);
    return rc;
}

int ts_store_meta_get(ts_store *store, const char *key, void *buf,
                      size_t buf_size, size_t *out_len, ts_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = ts_store_prepare(store, "SELECT value FROM meta WHERE key = ?",
                              &st, "reading meta", err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = ts_error_set(err, TS_ECORRUPT, "'%s': meta '%s' is missing",
                          store->path, key);
    } else {
        const void *v = sqlite3_column_blob(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        int is_text = buf_size > 0 && out_len == NULL;
        if (n > buf_size || (is_text && n >= buf_size)) {
            rc = ts_error_set(err, TS_ECORRUPT,
                              "'%s': meta '%s' is too long (%zu bytes)",
                              store->path, key, n);
        } else {
            if (n > 0)
                memcpy(buf, v, n);
            if (is_text)
                ((char *)buf)[n] = '\0';
            if (out_len)
                *out_len = n;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static char *key_path_for(const char *path)
{
    size_t n = strlen(path);
    char *k = malloc(n + 5);

    if (k != NULL) {
        memcpy(k, path, n);
        memcpy(k + n, ".key", 5);
    }
    return k;
}

/* Writes the signer to a new file readable by its owner only. */
static int key_file_create(const char *path, const ts_signer *signer,
                           ts_error *err)
{
    char text[TS_KEY_FILE_MAX];
    int fd, rc;
    size_t len;

    rc = ts_signer_format(signer, text, sizeof(text) - 1, err);
    if (rc != 0)
        return rc;
    len = strlen(text);
    text[len++] = '\n';
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return ts_error_set(err, errno == EEXIST ? TS_EEXIST : TS_EIO,
                            "'%s': cannot create key file: %s", path,
                            strerror(errno));
    if (ts_write_all(fd, text, len) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': cannot write key file: %s", path,
                          strerror(errno));
    if (rc == 0 && fsync(fd) != 0)
        rc = ts_error_set(err, TS_EIO, "'%s': cannot sync key file: %s", path,
                          strerror(errno));
    close(fd);
    OPENSSL_cleanse(text, sizeof(text));
    if (rc != 0)
        unlink(path);
    return rc;
}

/* Reads the signer, refusing a key file that others can read or a symlink. */
static int key_file_load(const char *path, ts_signer *out, ts_error *err)
{
    char text[TS_KEY_FILE_MAX];
    struct stat st;
    ssize_t n;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return ts_error_set(err, errno == ENOENT ? TS_ENOTFOUND : TS_EIO,
                            "'%s': cannot open key file: %s", path,
                            errno == ELOOP ? "it is a symbolic link"
                                           : strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = ts_error_set(err, TS_EIO, "'%s': %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = ts_error_set(err, TS_EPERM, "'%s': key file is not a regular file",
                          path);
    } else if (st.st_mode & 077) {
        rc = ts_error_set(err, TS_EPERM,
                          "'%s': key file is readable by others (mode %03o); "
                          "run chmod 600 on it",
                          path, (unsigned)(st.st_mode & 0777));
    } else if (st.st_uid != geteuid()) {
        rc = ts_error_set(err, TS_EPERM,
                          "'%s': key file belongs to another user", path);
    } else {
        n = read(fd, text, sizeof(text) - 1);
        if (n < 0) {
            rc = ts_error_set(err, TS_EIO, "'%s': cannot read key file: %s",
                              path, strerror(errno));
        } else {
            text[n] = '\0';
            text[strcspn(text, "\r\n")] = '\0';
            rc = ts_signer_parse(out, text, err);
            if (rc != 0)
                ts_error_prefix(err, "'%s': ", path);
        }
    }
    close(fd);
    OPENSSL_cleanse(text, sizeof(text));
    return rc;
}

/* The page cache of a connection that writes: 128 MiB. SQLite's sorter
 * takes as much again before it spills to a file, so a statement that
 * sorts every event (the upgrade to layout 16's GROUP BY) sets a smaller
 * one for its time: at 10M events that GROUP BY alone peaks at 268 MB RSS
 * with the large cache and 38 MB with the small, the upgrade at 276 and
 * 139 MB. */
#define CACHE_SIZE_SQL "PRAGMA cache_size=-131072;"
#define SORTING_CACHE_SIZE_SQL "PRAGMA cache_size=-16384;"

static int open_db(ts_store *store, int create, ts_error *err)
{
    int flags = SQLITE_OPEN_NOMUTEX;
    int rc;

    if (create)
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    else if (store->flags & TS_STORE_READONLY)
        flags |= SQLITE_OPEN_READONLY;
    else
        flags |= SQLITE_OPEN_READWRITE;
    rc = sqlite3_open_v2(store->path, &store->db, flags, NULL);
    if (rc != SQLITE_OK)
        return ts_error_set(err, rc == SQLITE_CANTOPEN ? TS_ENOTFOUND : TS_EDB,
                            "'%s': cannot open store: %s", store->path,
                            store->db ? sqlite3_errmsg(store->db)
                                      : sqlite3_errstr(rc));
    sqlite3_busy_timeout(store->db, 10000);
    sqlite3_extended_result_codes(store->db, 1);
    if (ts_postings_register(store->db, store) != SQLITE_OK)
        return ts_store_db_error(store, "setting up the connection", err);
    if (store->flags & TS_STORE_READONLY)
        return 0;
    /* Foreign keys stay declared (schemas/index.sql documents the
     * relations) but are not enforced: only the store writes the index, and
     * the per-row parent lookups cost a fifth of ingest's CPU. */
    /* A 128 MiB page cache for writers (SQLite's default is 2 MiB): ingest
     * inserts into a dozen B-trees at keys spread over the whole index, and
     * with the default most inserts read their pages back from the file.
     * 1M events: 52 -> 32 CPU-s, system time 16 -> 5 s, peak RSS 25 ->
     * 170 MB (docs/PERFORMANCE.md). Readers keep the default: a search
     * touches few pages, a report reads each once. */
    /* A new store gets 16 KiB pages (SQLite's default is 4 KiB): B-trees
     * a level shallower, a block (~50 KB compressed) on 4 pages instead of
     * 13, and ingest 5-7% faster at 1M and 3M events (docs/PERFORMANCE.md).
     * It must come before WAL mode. */
    if (create) {
        rc = ts_store_exec(store, "PRAGMA page_size=16384",
                           "setting up the connection", err);
        if (rc != 0)
            return rc;
    }
    return ts_store_exec(store,
                         "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                         "PRAGMA foreign_keys=OFF;" CACHE_SIZE_SQL,
                         "setting up the connection", err);
}

/* 1 when n is a block size a store may have: a power of two from 1 to
 * TS_BLOCK_ENTRIES_MAX. */
static int block_entries_valid(uint64_t n)
{
    return n != 0 && n <= TS_BLOCK_ENTRIES_MAX && (n & (n - 1)) == 0;
}

static int load_meta(ts_store *store, ts_error *err)
{
    char text[512];
    size_t n = 0;
    int rc = ts_store_meta_get(store, "format_version", text, sizeof(text),
                               NULL, err);

    if (rc == 0 && strtol(text, NULL, 10) != TS_STORE_FORMAT_VERSION)
        return ts_error_set(
            err, TS_EINVAL, "'%s': store format %s, this trailseal reads %d%s",
            store->path, text, TS_STORE_FORMAT_VERSION,
            strcmp(text, "1") == 0 ? " (format 1 blocks held a random salt per "
                                     "entry: verify it with the trailseal that "
                                     "wrote it)"
                                   : "");
    if (rc == 0)
        rc = ts_store_meta_get(store, "store_id", store->store_id,
                               sizeof(store->store_id), &n, err);
    if (rc == 0 && n != sizeof(store->store_id))
        rc = ts_error_set(err, TS_ECORRUPT, "'%s': meta store_id has %zu bytes",
                          store->path, n);
    if (rc == 0)
        rc = ts_store_meta_get(store, "origin", store->origin,
                               sizeof(store->origin), NULL, err);
    if (rc == 0)
        rc = ts_store_meta_get(store, "verifier_key", text, sizeof(text), NULL,
                               err);
    if (rc == 0 && ts_verifier_parse(&store->verifier, text, err) != 0)
        rc = ts_error_prefix(err, "'%s': meta verifier_key: ", store->path);
    if (rc == 0)
        rc = ts_store_meta_get(store, "block_entries", text, sizeof(text), NULL,
                               err);
    if (rc == 0) {
        char *end;
        store->block_entries = strtoull(text, &end, 10);
        if (end == text || *end != '\0' ||
            !block_entries_valid(store->block_entries))
            rc = ts_error_set(err, TS_ECORRUPT,
                              "'%s': block_entries '%s' is not a power of two"
                              " from 1 to %d",
                              store->path, text, TS_BLOCK_ENTRIES_MAX);
    }
    return rc;
}

/* SQL's ts_text_key_hash(statement, object_name), for the upgrade. */
static void key_hash_sql(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *statement = (const char *)sqlite3_value_text(argv[0]);
    const char *object_name = (const char *)sqlite3_value_text(argv[1]);

    (void)argc;
    if (statement == NULL)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int64(ctx, ts_text_key_hash(statement, object_name));
}

/* Layout 3 to 4, the data: each pgAudit record's (statement, object_name)
 * goes to event_texts, the event points at it instead of holding its
 * statement (the SET reads the row as it was), and events_fts is rebuilt
 * without those events' rows (schemas/index.sql, "Full text"). */
_Static_assert(TS_EVENT_AUDIT == 2, "TS_EVENT_AUDIT_SQL");
static const char move_audit_texts_sql[] =
    "INSERT INTO event_texts(key_hash, statement, object_name)"
    " SELECT ts_text_key_hash(statement, object_name), statement, object_name"
    " FROM events WHERE kind = " TS_EVENT_AUDIT_SQL
    " AND statement IS NOT NULL GROUP BY statement, object_name;"
    "UPDATE events SET text_id = (SELECT t.id FROM event_texts t"
    " WHERE t.key_hash = ts_text_key_hash(events.statement,"
    " events.object_name) AND t.statement = events.statement"
    " AND t.object_name IS events.object_name), statement = NULL"
    " WHERE kind = " TS_EVENT_AUDIT_SQL " AND statement IS NOT NULL;"
    "INSERT INTO events_fts(events_fts) VALUES('delete-all');"
    "INSERT INTO events_fts(rowid, statement, object_name, message)"
    " SELECT seq, coalesce(statement, query), object_name,"
    " CASE WHEN kind = " TS_EVENT_AUDIT_SQL " THEN NULL ELSE message END"
    " FROM events WHERE text_id IS NULL AND (statement IS NOT NULL"
    " OR object_name IS NOT NULL OR message IS NOT NULL"
    " OR query IS NOT NULL);"
    "INSERT INTO event_texts_fts(rowid, statement, object_name)"
    " SELECT id, statement, object_name FROM event_texts;";

/* SQL's ts_dict_key_hash(application, client_host, client_port), for the
 * upgrade. */
static void origin_hash_sql(sqlite3_context *ctx, int argc,
                            sqlite3_value **argv)
{
    const char *values[3] = {(const char *)sqlite3_value_text(argv[0]),
                             (const char *)sqlite3_value_text(argv[1]),
                             (const char *)sqlite3_value_text(argv[2])};

    (void)argc; /* registered with three */
    sqlite3_result_int64(ctx, ts_dict_key_hash(values, 3));
}

/* Layout 5 to 6, the data: each distinct (application, client_host,
 * client_port) goes to event_origins and the events point at it instead
 * of holding it (the rule of store/index.c's origin_id: any of the three
 * given). The views that read events.application are made again. */
static const char origin_views_sql[] =
    "DROP VIEW IF EXISTS v_events;"
    "DROP VIEW IF EXISTS v_flows;"
    "DROP VIEW IF EXISTS v_column_access;"
    "DROP VIEW IF EXISTS v_table_access;"
    "DROP VIEW IF EXISTS v_event_column_classes;"
    "DROP VIEW IF EXISTS v_event_value_classes";
#define HAS_ORIGIN_SQL                                                         \
    " origin_id IS NULL AND (application IS NOT NULL"                          \
    " OR client_host IS NOT NULL OR client_port IS NOT NULL)"
static const char move_origins_sql[] =
    "INSERT INTO event_origins(key_hash, application, client_host,"
    " client_port) SELECT ts_origin_key_hash(application, client_host,"
    " client_port), application, client_host, client_port FROM events"
    " WHERE" HAS_ORIGIN_SQL " GROUP BY application, client_host, client_port;"
    "UPDATE events SET origin_id = (SELECT o.id FROM event_origins o"
    " WHERE o.key_hash = ts_origin_key_hash(events.application,"
    " events.client_host, events.client_port)"
    " AND o.application IS events.application"
    " AND o.client_host IS events.client_host"
    " AND o.client_port IS events.client_port),"
    " application = NULL, client_host = NULL, client_port = NULL"
    " WHERE" HAS_ORIGIN_SQL;

/* Layout 12 to 13: the views over the SQL analysis read events first
 * (CROSS JOIN), having no index on template_id to come from the
 * templates' side. */
static const char template_views_sql[] =
    "DROP VIEW IF EXISTS v_flows;"
    "DROP VIEW IF EXISTS v_column_access;"
    "DROP VIEW IF EXISTS v_table_access;"
    "DROP VIEW IF EXISTS v_event_column_classes";

/* Adds the value in column col of row st (NULL: none) to field's list. */
static int add_posting(ts_postings_writer *w, ts_posting_field field,
                       sqlite3_stmt *st, int col, uint64_t seq, ts_error *err)
{
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL:
        return 0;
    case SQLITE_INTEGER:
        return ts_postings_writer_add(w, field, sqlite3_column_int64(st, col),
                                      seq, err);
    default:
        return ts_postings_writer_add_text(
            w, field, (const char *)sqlite3_column_text(st, col), seq, err);
    }
}

/* Writes the lists of the rows of sql: each row an entry's seq, then the
 * values of fields[0 .. n-1] (NULL: none), each field's entries in order
 * (ts_postings_writer_add). */
static int fill_from(ts_store *store, const char *sql,
                     const ts_posting_field *fields, int n, const char *what,
                     ts_error *err)
{
    ts_postings_writer *w = NULL;
    sqlite3_stmt *st = NULL;
    int rc = ts_postings_writer_new(&w, store, err), step = SQLITE_DONE;

    if (rc == 0)
        rc = ts_store_prepare(store, sql, &st, what, err);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
        for (int f = 0; rc == 0 && f < n; f++)
            rc = add_posting(w, fields[f], st, f + 1, seq, err);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ts_store_db_error(store, what, err);
    if (rc == 0)
        rc = ts_postings_writer_flush(w, err);
    sqlite3_finalize(st);
    ts_postings_writer_free(w);
    return rc;
}

/* Layouts 2 to 8: event_value_hmacs, if any, becomes the 'value' lists
 * and goes. Read in its own key's order (layout 2: hmac, seq; then
 * bucket, hmac, seq), so no sort: each value's entries come in order, and
 * the writer writes a list whenever the block changes. */
static int fill_value_postings(ts_store *store, const char *what, ts_error *err)
{
    static const ts_posting_field value = TS_POSTING_VALUE;
    uint64_t columns = 0;
    int rc = ts_store_count(store,
                            "SELECT count(*) FROM pragma_table_info"
                            "('event_value_hmacs')",
                            what, &columns, err);

    if (rc != 0 || columns == 0)
        return rc;
    rc = fill_from(store,
                   columns == 2 ? "SELECT seq, hmac FROM event_value_hmacs"
                                  " ORDER BY hmac, seq"
                                : "SELECT seq, hmac FROM event_value_hmacs"
                                  " ORDER BY bucket, hmac, seq",
                   &value, 1, what, err);
    if (rc == 0)
        rc = ts_store_exec(store, "DROP TABLE event_value_hmacs", what, err);
    return rc;
}

/* Layout 2 to 12 to 13, the data: the posting lists of each field kept in
 * a column of events (ts_posting_field_column) made anew from it, in
 * entry order (the table's), through the writer ingest uses; then the
 * indexes and the bucket maps they replace go. From a layout before 10
 * all of them are made again; from 10 to 12, those of the fields listed
 * since (session, template). The values' lists come from event_value_hmacs
 * before layout 9, and are kept from layout 9. */
static int fill_postings(ts_store *store, int from, const char *what,
                         ts_error *err)
{
    ts_posting_field listed[TS_POSTING_FIELDS];
    sqlite3_str *sql = sqlite3_str_new(store->db);
    int rc, n = 0;
    char *text;

    /* The lists made again: those of the columns. The values' lists of a
     * layout 9 store stay; no column holds what they list. */
    sqlite3_str_appendall(sql, "DELETE FROM event_postings WHERE field IN (");
    for (int f = 0; f < TS_POSTING_FIELDS; f++)
        if (ts_posting_field_column((ts_posting_field)f) != NULL &&
            (from < 10 ||
             ts_posting_field_layout((ts_posting_field)f) > from)) {
            listed[n] = (ts_posting_field)f;
            sqlite3_str_appendf(sql, n++ ? ", '%s'" : "'%s'",
                                ts_posting_field_name((ts_posting_field)f));
        }
    sqlite3_str_appendall(sql, ")");
    text = sqlite3_str_finish(sql);
    rc = text == NULL ? ts_error_set(err, TS_ENOMEM, "out of memory")
                      : ts_store_exec(store, text, what, err);
    sqlite3_free(text);
    sql = sqlite3_str_new(store->db);
    sqlite3_str_appendall(sql, "SELECT seq");
    for (int f = 0; f < n; f++)
        sqlite3_str_appendf(sql, ", %s", ts_posting_field_column(listed[f]));
    sqlite3_str_appendall(sql, " FROM events WHERE 0");
    for (int f = 0; f < n; f++)
        sqlite3_str_appendf(sql, " OR %s IS NOT NULL",
                            ts_posting_field_column(listed[f]));
    sqlite3_str_appendall(sql, " ORDER BY seq");
    text = sqlite3_str_finish(sql);
    if (rc == 0 && text == NULL)
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = fill_from(store, text, listed, n, what, err);
    sqlite3_free(text);
    /* the index each column's field replaces: events_by_ and its name */
    for (int f = 0; rc == 0 && f < n; f++) {
        char drop[128];
        snprintf(drop, sizeof(drop), "DROP INDEX IF EXISTS events_by_%s",
                 ts_posting_field_name(listed[f]));
        rc = ts_store_exec(store, drop, what, err);
    }
    if (rc == 0)
        rc = ts_store_exec(store, "DROP TABLE IF EXISTS event_buckets", what,
                           err);
    if (rc == 0)
        rc = fill_value_postings(store, what, err);
    return rc;
}

/* Adds column `name` of `type` to table unless it has it. */
/* *has: 1 when table has a column name, else 0 (no such table too). */
static int has_column(ts_store *store, const char *table, const char *name,
                      const char *what, uint64_t *has, ts_error *err)
{
    char sql[160];

    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%s'",
             table, name);
    return ts_store_count(store, sql, what, has, err);
}

static int add_column(ts_store *store, const char *table, const char *name,
                      const char *type, const char *what, ts_error *err)
{
    char sql[160];
    uint64_t has = 0;
    int rc = has_column(store, table, name, what, &has, err);

    if (rc != 0 || has)
        return rc;
    snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", table, name,
             type);
    return ts_store_exec(store, sql, what, err);
}

/* SQL's ts_object_table(object_name), for the upgrade. */
static void object_table_sql(sqlite3_context *ctx, int argc,
                             sqlite3_value **argv)
{
    char buf[TS_OBJECT_TABLE_MAX];
    const char *table = ts_object_table(
        (const char *)sqlite3_value_text(argv[0]), buf, sizeof(buf));

    (void)argc; /* registered with one */
    if (table == NULL)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_text(ctx, table, -1, SQLITE_TRANSIENT);
}

/* Layout 4..10 to 11, before the views are made again: event_texts gains
 * the columns of what the events of a text indexed from now on leave to
 * it (a store without the table, before layout 4, gets it with them). */
static int add_text_columns(ts_store *store, const char *what, ts_error *err)
{
    static const char *const added[] = {"object_table", "severity", "sqlstate",
                                        "audit_type", "object_type"};
    uint64_t has = 0;
    int rc = ts_store_count(store,
                            "SELECT count(*) FROM sqlite_schema"
                            " WHERE type = 'table' AND name = 'event_texts'",
                            what, &has, err);

    for (size_t i = 0; rc == 0 && has && i < sizeof(added) / sizeof(added[0]);
         i++)
        rc = add_column(store, "event_texts", added[i], "TEXT", what, err);
    return rc;
}

/* Layout 10 to 11, the data: each text's object_table. Events indexed
 * before keep theirs, and their texts' other new columns stay NULL: a text
 * of any of them is another text (store/index_texts.c). */
static int fill_text_tables(ts_store *store, const char *what, ts_error *err)
{
    int rc = 0;

    if (sqlite3_create_function(store->db, "ts_object_table", 1,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                object_table_sql, NULL, NULL) != SQLITE_OK)
        rc = ts_store_db_error(store, what, err);
    if (rc == 0)
        rc = ts_store_exec(store,
                           "UPDATE event_texts SET object_table ="
                           " ts_object_table(object_name)"
                           " WHERE object_name IS NOT NULL",
                           what, err);
    return rc;
}

/* Layout 2..11 to 12: each session's first entry, through
 * events_by_session before fill_postings() drops it. */
static int fill_first_seqs(ts_store *store, const char *what, ts_error *err)
{
    int rc = add_column(store, "sessions", "first_seq", "INTEGER", what, err);

    if (rc == 0)
        rc = ts_store_exec(store,
                           "UPDATE sessions SET first_seq = (SELECT min(e.seq)"
                           " FROM events e"
                           " WHERE e.session_id = sessions.session_id)",
                           what, err);
    return rc;
}

/* Layout 7..13 to 14: the lists, renamed before the schema made the new
 * table, copied into it in its key order. */
static const char rekey_postings_sql[] =
    "INSERT INTO event_postings(field, epoch, value, block, seqs)"
    " SELECT field, block >> " TS_POSTING_EPOCH_BITS_SQL ", value, block, seqs"
    " FROM event_postings_by_value"
    " ORDER BY field, block >> " TS_POSTING_EPOCH_BITS_SQL ", value, block;"
    "DROP TABLE event_postings_by_value";

/* Layout 2..14 to 15 and later, before the schema: the table events (one,
 * of 41 columns) is renamed out of the way for the view of that name the
 * schema makes, in legacy mode so that the views naming events are neither
 * checked nor rewritten (they read the view); its indexes go first, for
 * their names, and v_proxy_sessions, whose INDEXED BY cannot name a view,
 * and v_privileged, whose term layout 17 rewrote. After the schema,
 * split_events_sql copies its rows into event_rows and, those that have
 * any of its columns, event_details. */
#define DROP_EVENT_INDEXES_SQL                                                 \
    "DROP INDEX IF EXISTS events_by_kind;"                                     \
    "DROP INDEX IF EXISTS events_by_principal;"                                \
    "DROP INDEX IF EXISTS events_privileged;"                                  \
    "DROP VIEW IF EXISTS v_proxy_sessions;"                                    \
    "DROP VIEW IF EXISTS v_privileged;"
static const char set_aside_events_sql[] =
    DROP_EVENT_INDEXES_SQL "PRAGMA legacy_alter_table = ON;"
                           "ALTER TABLE events RENAME TO events_by_layout14;"
                           "PRAGMA legacy_alter_table = OFF";
/* The term of event_commands.privileged (schemas/index.sql). */
#define PRIVILEGED_SQL                                                         \
    "CASE WHEN audit_class = 'DDL' OR audit_class = 'ROLE'"                    \
    " OR command = 'GRANT' OR command = 'REVOKE' OR command = 'ALTER ROLE'"    \
    " OR command = 'CREATE ROLE' OR command = 'DROP ROLE'"                     \
    " OR command = 'ALTER SYSTEM' OR command = 'TRUNCATE TABLE' THEN 1 END"
/* Layout 2..16 to 17, after the schema: each distinct (audit_class,
 * command) of the table set aside goes to event_commands. */
#define COPY_COMMANDS_SQL(from)                                                \
    "INSERT INTO event_commands(audit_class, command, privileged)"             \
    " SELECT audit_class, command, " PRIVILEGED_SQL " FROM " from              \
    " WHERE coalesce(audit_class, command) IS NOT NULL"                        \
    " GROUP BY audit_class, command;"
/* Layout 2..15 to 16 and later, after the schema: each distinct
 * (session_id, pid, account, database) of the table set aside goes to
 * event_identities (the rule of store/index.c's identity_id: any of the
 * four given). */
#define COPY_IDENTITIES_SQL(from)                                              \
    "INSERT INTO event_identities(session_id, pid, account, database)"         \
    " SELECT session_id, pid, account, database FROM " from                    \
    " WHERE coalesce(session_id, pid, account, database) IS NOT NULL"          \
    " GROUP BY session_id, pid, account, database;"
#define IDENTITY_JOIN_SQL                                                      \
    " LEFT JOIN event_identities i ON i.session_id IS e.session_id"            \
    " AND i.account IS e.account AND i.pid IS e.pid"                           \
    " AND i.database IS e.database"
/* Then its rows to event_rows, pointing at both: identity is the
 * identity_id, from join (layout 16 has it). */
#define COPY_ROWS_SQL(from, identity, join)                                    \
    "INSERT INTO event_rows(seq, source_id, line, kind, time_us,"              \
    " identity_id, session_line, statement_id, substatement_id, command_id,"   \
    " privileged, parameter, principal, template_id, template_repeat, rows,"   \
    " text_id, origin_id)"                                                     \
    " SELECT e.seq, e.source_id, e.line, e.kind, e.time_us, " identity ","     \
    " e.session_line, e.statement_id, e.substatement_id, c.id, c.privileged,"  \
    " e.parameter, e.principal, e.template_id, e.template_repeat,"             \
    " e.rows, e.text_id, e.origin_id FROM " from " e" join                     \
    " LEFT JOIN event_commands c ON c.command IS e.command"                    \
    " AND c.audit_class IS e.audit_class ORDER BY e.seq;"
/* Layout 2..14: the events that have a value in a column of
 * event_details get their row there. */
#define COPY_DETAILS_SQL                                                       \
    "INSERT INTO event_details(seq, application, client_host, client_port,"    \
    " severity, sqlstate, message, detail, query, audit_type, object_type,"    \
    " object_name, object_table, statement, tls_protocol, tls_cipher,"         \
    " session_duration_us, unparsed_reason, principal_kind,"                   \
    " auth_identity, auth_method)"                                             \
    " SELECT seq, application, client_host, client_port, severity, sqlstate,"  \
    " message, detail, query, audit_type, object_type, object_name,"           \
    " object_table, statement, tls_protocol, tls_cipher,"                      \
    " session_duration_us, unparsed_reason, principal_kind,"                   \
    " auth_identity, auth_method FROM events_by_layout14"                      \
    " WHERE coalesce(application, client_host, client_port, severity,"         \
    " sqlstate, message, detail, query, audit_type, object_type, object_name," \
    " object_table, statement, tls_protocol, tls_cipher,"                      \
    " session_duration_us, unparsed_reason, principal_kind,"                   \
    " auth_identity, auth_method) IS NOT NULL ORDER BY seq;"
static const char split_events_sql[] = COPY_IDENTITIES_SQL("events_by_layout14")
    COPY_COMMANDS_SQL("events_by_layout14")
        COPY_ROWS_SQL("events_by_layout14", "i.id", IDENTITY_JOIN_SQL)
            COPY_DETAILS_SQL "DROP TABLE events_by_layout14";

/* Layout 15 and 16 to 17, before the schema: event_rows, which held the
 * audit class and command of each event (and before 16 its session, pid,
 * account and database), is renamed out of the way as events was above,
 * the view events and v_proxy_sessions, which name its columns, dropped
 * with its indexes. After the schema, copy_rows15_sql or copy_rows16_sql. */
#define SET_ASIDE_ROWS_SQL(to)                                                 \
    DROP_EVENT_INDEXES_SQL                                                     \
    "DROP VIEW IF EXISTS events;"                                              \
    "PRAGMA legacy_alter_table = ON;"                                          \
    "ALTER TABLE event_rows RENAME TO " to ";"                                 \
    "PRAGMA legacy_alter_table = OFF"
static const char set_aside_rows15_sql[] =
    SET_ASIDE_ROWS_SQL("event_rows_by_layout15");
static const char set_aside_rows16_sql[] =
    SET_ASIDE_ROWS_SQL("event_rows_by_layout16");
static const char copy_rows15_sql[] = COPY_IDENTITIES_SQL(
    "event_rows_by_layout15") COPY_COMMANDS_SQL("event_rows_by_layout15")
    COPY_ROWS_SQL("event_rows_by_layout15", "i.id",
                  IDENTITY_JOIN_SQL) "DROP TABLE event_rows_by_layout15";
static const char copy_rows16_sql[] =
    COPY_COMMANDS_SQL("event_rows_by_layout16")
        COPY_ROWS_SQL("event_rows_by_layout16", "e.identity_id",
                      "") "DROP TABLE event_rows_by_layout16";

/* Upgrades an index of layout 2 to 16 to TS_INDEX_VERSION, in one
 * transaction.
 * - Layout 2: event_value_hmacs, keyed by (hmac, seq), goes to the value
 *   lists below like layout 3's (a layout 2 store made before value HMACs
 *   has none).
 * - Layout 3 to 4: events gains text_id and the text dictionary
 *   (move_audit_texts_sql); events_privileged and v_privileged are made
 *   again with equalities in place of IN lists, v_events to read the
 *   statements from event_texts.
 * - Layout 4 to 5: event_buckets replaced the indexes on command and
 *   database (now both go, for the lists of layout 10).
 * - Layout 5 to 6: events gains origin_id and event_origins takes the
 *   application, client host and port (move_origins_sql).
 * - Layout 6 to 7: event_postings replaces the indexes on text_id and
 *   object_table (fill_postings).
 * - Layout 7 to 8: the same for account (all lists are made again).
 * - Layout 8 to 9: the same for the values' HMACs, from
 *   event_value_hmacs, which goes (fill_value_postings).
 * - Layout 9 to 10: the same for command and database; event_buckets
 *   goes.
 * - Layout 10 to 11: event_texts gains object_table, severity, sqlstate,
 *   audit_type and object_type (add_text_columns, fill_text_tables);
 *   v_events reads them from it.
 * - Layout 11 to 12: the session lists replace events_by_session
 *   (fill_postings), sessions gains first_seq (fill_first_seqs);
 *   v_session_auth is written without the index.
 * - Layout 12 to 13: the template lists replace events_by_template
 *   (fill_postings); the views over the SQL analysis are made again to
 *   read events first (template_views_sql).
 * - Layout 13 to 14: event_postings is keyed by epoch before value
 *   (rekey_postings).
 * - Layout 14 to 15: the table events becomes event_rows and
 *   event_details, and the view events joins them (set_aside_events_sql,
 *   split_events_sql). A store whose events is already the view (a test
 *   that wrote an older layout's columns through it) has nothing to
 *   split.
 * - Layout 15 to 16: event_rows's session_id, pid, account and database
 *   go to event_identities (set_aside_rows15_sql, copy_rows15_sql; from
 *   an older layout, split_events_sql does it). A store whose event_rows
 *   has no session_id has nothing to move.
 * - Layout 16 to 17: event_rows's audit_class and command go to
 *   event_commands, and privileged marks the rows events_privileged
 *   indexes (set_aside_rows16_sql, copy_rows16_sql; from an older layout,
 *   with the identities); v_privileged reads it. A store whose event_rows
 *   has no audit_class has nothing to move. */
static int upgrade_index(ts_store *store, int from, ts_error *err)
{
    static const char what[] = "upgrading the index to layout 17";
    uint64_t wide = 0, narrow = 0, commands = 0;
    int rc = ts_store_exec(store, "BEGIN IMMEDIATE", what, err);

    _Static_assert(TS_INDEX_VERSION == 17, "upgrade_index");
    /* first, while every view still reads what it names: a rename checks
     * them all */
    if (rc == 0 && from >= 7 && from < TS_POSTING_EPOCH_LAYOUT)
        rc = ts_store_exec(store,
                           "ALTER TABLE event_postings"
                           " RENAME TO event_postings_by_value",
                           what, err);
    if (rc == 0)
        rc = add_column(store, "events", "text_id", "INTEGER", what, err);
    if (rc == 0)
        rc = add_column(store, "events", "origin_id", "INTEGER", what, err);
    if (rc == 0)
        rc = ts_store_count(store,
                            "SELECT count(*) FROM sqlite_schema"
                            " WHERE type = 'table' AND name = 'events'",
                            what, &wide, err);
    if (rc == 0 && wide)
        rc = ts_store_exec(store, set_aside_events_sql, what, err);
    if (rc == 0 && !wide)
        rc = has_column(store, "event_rows", "session_id", what, &narrow, err);
    if (rc == 0 && narrow)
        rc = ts_store_exec(store, set_aside_rows15_sql, what, err);
    if (rc == 0 && !wide && !narrow)
        rc = has_column(store, "event_rows", "audit_class", what, &commands,
                        err);
    if (rc == 0 && commands)
        rc = ts_store_exec(store, set_aside_rows16_sql, what, err);
    /* events_privileged and v_privileged: their term written anew;
     * v_events: the statement from event_texts (schemas/index.sql) */
    if (rc == 0 && from < 4)
        rc = ts_store_exec(store,
                           "DROP INDEX IF EXISTS events_privileged;"
                           "DROP VIEW IF EXISTS v_privileged;"
                           "DROP VIEW IF EXISTS v_events",
                           what, err);
    if (rc == 0 && from < 6)
        rc = ts_store_exec(store, origin_views_sql, what, err);
    if (rc == 0 && from < 11)
        rc = ts_store_exec(store, "DROP VIEW IF EXISTS v_events", what, err);
    if (rc == 0 && from < 12)
        rc = ts_store_exec(store, "DROP VIEW IF EXISTS v_session_auth", what,
                           err);
    if (rc == 0 && from < 13)
        rc = ts_store_exec(store, template_views_sql, what, err);
    if (rc == 0 && from < 11)
        rc = add_text_columns(store, what, err);
    if (rc == 0)
        rc = ts_store_exec(store, ts_index_schema_sql, what, err);
    if (rc == 0 && from >= 7 && from < TS_POSTING_EPOCH_LAYOUT)
        rc = ts_store_exec(store, rekey_postings_sql, what, err);
    if (rc == 0 && (wide || narrow || commands))
        rc = ts_store_exec(store, SORTING_CACHE_SIZE_SQL, what, err);
    if (rc == 0 && wide)
        rc = ts_store_exec(store, split_events_sql, what, err);
    if (rc == 0 && narrow)
        rc = ts_store_exec(store, copy_rows15_sql, what, err);
    if (rc == 0 && commands)
        rc = ts_store_exec(store, copy_rows16_sql, what, err);
    if (rc == 0 && (wide || narrow || commands))
        rc = ts_store_exec(store, CACHE_SIZE_SQL, what, err);
    if (rc == 0 && from < 4 &&
        sqlite3_create_function(store->db, "ts_text_key_hash", 2,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                key_hash_sql, NULL, NULL) != SQLITE_OK)
        rc = ts_store_db_error(store, what, err);
    if (rc == 0 && from < 4)
        rc = ts_store_exec(store, move_audit_texts_sql, what, err);
    if (rc == 0 && from < 6 &&
        sqlite3_create_function(store->db, "ts_origin_key_hash", 3,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                origin_hash_sql, NULL, NULL) != SQLITE_OK)
        rc = ts_store_db_error(store, what, err);
    if (rc == 0 && from < 6)
        rc = ts_store_exec(store, move_origins_sql, what, err);
    if (rc == 0 && from < 12)
        rc = fill_first_seqs(store, what, err);
    if (rc == 0 && from < 13)
        rc = fill_postings(store, from, what, err);
    if (rc == 0 && from < 11)
        rc = fill_text_tables(store, what, err);
    if (rc == 0)
        rc = meta_put(store, "index_version", TS_INDEX_VERSION_TEXT,
                      strlen(TS_INDEX_VERSION_TEXT), err);
    if (rc == 0)
        rc = ts_store_exec(store, "COMMIT", what, err);
    if (rc != 0)
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Reads the index's layout. A store whose layout is older can still be
 * verified and read; one of layout 2 to 16 is upgraded when opened for
 * writing, older ones are refused: writing would fail on a missing column
 * half way. */
static int check_index_version(ts_store *store, ts_error *err)
{
    char text[32];
    ts_error ignored;
    int rc = 0;

    if (ts_store_meta_get(store, "index_version", text, sizeof(text), NULL,
                          &ignored) != 0)
        snprintf(text, sizeof(text), "1");
    store->index_version = (int)strtol(text, NULL, 10);
    if (store->flags & TS_STORE_READONLY)
        return 0;
    if (store->index_version >= 2 && store->index_version < TS_INDEX_VERSION) {
        rc = upgrade_index(store, store->index_version, err);
        if (rc == 0)
            store->index_version = TS_INDEX_VERSION;
        return rc;
    }
    if (store->index_version == TS_INDEX_VERSION)
        return 0;
    return ts_error_set(err, TS_EINVAL,
                        "'%s': its index has layout %s and this trailseal "
                        "writes layout %s: create a new store and ingest the "
                        "logs into it (the old store still verifies and "
                        "answers read-only commands)",
                        store->path, text, TS_INDEX_VERSION_TEXT);
}

static ts_store *store_alloc(const char *path, unsigned flags)
{
    ts_store *store = calloc(1, sizeof(*store));

    if (store == NULL)
        return NULL;
    store->path = strdup(path);
    if (store->path == NULL) {
        free(store);
        return NULL;
    }
    store->flags = flags;
    return store;
}

int ts_store_create(ts_store **out, const char *path, ts_error *err)
{
    return ts_store_create_with(out, path, NULL, err);
}

int ts_store_create_with(ts_store **out, const char *path,
                         const ts_store_create_options *opts, ts_error *err)
{
    uint32_t block_entries =
        opts && opts->block_entries ? opts->block_entries : TS_BLOCK_ENTRIES;
    ts_store *store = NULL;
    char *key_path = NULL;
    char store_id_hex[2 * TS_STORE_ID_SIZE + 1], text[512];
    struct stat st;
    int rc = 0, key_written = 0, db_created = 0;

    *out = NULL;
    if (!block_entries_valid(block_entries))
        return ts_error_set(err, TS_EINVAL,
                            "%u entries per block: not a power of two from 1"
                            " to %d",
                            block_entries, TS_BLOCK_ENTRIES_MAX);
    store = store_alloc(path, 0);
    key_path = key_path_for(path);
    if (store == NULL || key_path == NULL) {
        rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (lstat(path, &st) == 0) {
        rc = ts_error_set(err, TS_EEXIST, "'%s': a store already exists there",
                          path);
        goto cleanup;
    }
    if (RAND_bytes(store->store_id, sizeof(store->store_id)) != 1) {
        rc = ts_error_set(err, TS_ECRYPTO, "cannot draw random bytes");
        goto cleanup;
    }
    ts_hex_encode(store->store_id, sizeof(store->store_id), store_id_hex);
    snprintf(store->origin, sizeof(store->origin), "trailseal.local/%s",
             store_id_hex);
    rc = ts_signer_generate(&store->signer, store->origin, err);
    if (rc != 0)
        goto cleanup;
    store->has_signer = 1;
    ts_signer_verifier(&store->signer, &store->verifier);
    rc = key_file_create(key_path, &store->signer, err);
    if (rc != 0)
        goto cleanup;
    key_written = 1;
    rc = open_db(store, 1, err);
    db_created = 1;
    _Static_assert(TS_STORE_FORMAT_VERSION == 2, "meta format_version below");
    if (rc == 0)
        rc = ts_store_exec(store, "BEGIN", "creating the store", err);
    if (rc == 0)
        rc = ts_store_exec(store, ts_chain_schema_sql, "creating the chain",
                           err);
    if (rc == 0)
        rc = ts_store_exec(store, ts_index_schema_sql, "creating the index",
                           err);
    for (int k = 0; rc == 0 && k < TS_EVENT_KIND_COUNT; k++) {
        char sql[128];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO event_kinds(kind, name) VALUES(%d, '%s')", k,
                 ts_event_kind_name((ts_event_kind)k));
        rc = ts_store_exec(store, sql, "creating the index", err);
    }
    if (rc == 0)
        rc = meta_put(store, "format_version", "2", 1, err);
    if (rc == 0)
        rc = meta_put(store, "index_version", TS_INDEX_VERSION_TEXT,
                      strlen(TS_INDEX_VERSION_TEXT), err);
    if (rc == 0)
        rc = meta_put(store, "store_id", store->store_id,
                      sizeof(store->store_id), err);
    if (rc == 0)
        rc = meta_put(store, "origin", store->origin, strlen(store->origin),
                      err);
    if (rc == 0)
        rc = ts_verifier_format(&store->verifier, text, sizeof(text), err);
    if (rc == 0)
        rc = meta_put(store, "verifier_key", text, strlen(text), err);
    if (rc == 0) {
        snprintf(text, sizeof(text), "%u", block_entries);
        rc = meta_put(store, "block_entries", text, strlen(text), err);
        store->block_entries = block_entries;
        store->index_version = TS_INDEX_VERSION;
    }
    if (rc == 0) {
        snprintf(text, sizeof(text), "%lld", (long long)ts_time_now());
        rc = meta_put(store, "created_us", text, strlen(text), err);
    }
    if (rc == 0)
        rc = ts_store_exec(store, "COMMIT", "creating the store", err);

cleanup:
    if (rc != 0) {
        if (store && store->db) {
            sqlite3_close(store->db);
            store->db = NULL;
        }
        if (db_created) {
            char side[4200];
            unlink(path);
            snprintf(side, sizeof(side), "%s-wal", path);
            unlink(side);
            snprintf(side, sizeof(side), "%s-shm", path);
            unlink(side);
        }
        if (key_written)
            unlink(key_path);
        ts_store_free(store);
        store = NULL;
    }
    free(key_path);
    *out = store;
    return rc;
}

int ts_store_open(ts_store **out, const char *path, unsigned flags,
                  ts_error *err)
{
    ts_store *store = NULL;
    char *key_path = NULL;
    struct stat st;
    int rc = 0;

    *out = NULL;
    store = store_alloc(path, flags);
    if (store == NULL)
        return ts_error_set(err, TS_ENOMEM, "out of memory");
    if (stat(path, &st) != 0) {
        rc = ts_error_set(
            err, TS_ENOTFOUND,
            "'%s': no store there (create one with 'trailseal init')", path);
        goto cleanup;
    }
    rc = open_db(store, 0, err);
    if (rc == 0)
        rc = load_meta(store, err);
    if (rc == 0)
        rc = check_index_version(store, err);
    /* What the schemas gained since the store was made (an index such as
     * checkpoints_by_size or events_privileged): every statement of both
     * is CREATE ... IF NOT EXISTS. */
    if (rc == 0 && !(flags & TS_STORE_READONLY))
        rc = ts_store_exec(store, ts_chain_schema_sql,
                           "adding what the chain schema gained", err);
    if (rc == 0 && !(flags & TS_STORE_READONLY))
        rc = ts_store_exec(store, ts_index_schema_sql,
                           "adding what the index schema gained", err);
    if (rc == 0 && !(flags & TS_STORE_NO_KEY)) {
        key_path = key_path_for(path);
        if (key_path == NULL) {
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
        } else {
            rc = key_file_load(key_path, &store->signer, err);
            if (rc == 0 && strcmp(store->signer.name, store->origin) != 0)
                rc =
                    ts_error_set(err, TS_ECORRUPT,
                                 "'%s': key '%s' does not belong to store '%s'",
                                 key_path, store->signer.name, store->origin);
            if (rc == 0 &&
                memcmp(store->signer.pub, store->verifier.pub, 32) != 0)
                rc = ts_error_set(
                    err, TS_ECORRUPT,
                    "'%s': key does not match the store's public key",
                    key_path);
            store->has_signer = rc == 0;
        }
    }

cleanup:
    free(key_path);
    if (rc != 0) {
        ts_store_free(store);
        store = NULL;
    }
    *out = store;
    return rc;
}

void ts_store_free(ts_store *store)
{
    if (store == NULL)
        return;
    ts_store_prover_free(store);
    sqlite3_finalize(store->newest_checkpoint);
    if (store->db)
        sqlite3_close(store->db);
    OPENSSL_cleanse(&store->signer, sizeof(store->signer));
    free(store->root_cache);
    free(store->root_known);
    free(store->path);
    free(store);
}

int ts_store_verifier_key(const ts_store *store, char *buf, size_t size,
                          ts_error *err)
{
    return ts_verifier_format(&store->verifier, buf, size, err);
}

int ts_store_value_key(const ts_store *store, uint8_t out[TS_VALUE_KEY_SIZE],
                       ts_error *err)
{
    static const char label[] = "trailseal value key v1";
    ts_value_hasher *h = NULL;
    int rc;

    if (!store->has_signer)
        return ts_error_set(err, TS_EINVAL,
                            "'%s': the value key needs the store's key file",
                            store->path);
    /* HMAC-SHA256(Ed25519 seed, label): a key of its own, from which the
     * signing key cannot be learned */
    rc = ts_value_hasher_new(&h, store->signer.seed, err);
    if (rc == 0)
        rc = ts_value_hmac(h, label, sizeof(label) - 1, out, err);
    ts_value_hasher_free(h);
    return rc;
}

int ts_store_checkpoint(ts_store *store, char **out_note, ts_error *err)
{
    sqlite3_stmt *st = store->newest_checkpoint;
    int rc = 0;

    *out_note = NULL;
    /* checkpoints_by_size makes it a seek (stores opened read-only since
     * before the index scan the table) */
    if (st == NULL)
        rc = ts_store_prepare(store,
                              "SELECT note FROM checkpoints"
                              " ORDER BY tree_size DESC, id DESC LIMIT 1",
                              &store->newest_checkpoint, "reading checkpoints",
                              err);
    if (rc != 0)
        return rc;
    st = store->newest_checkpoint;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *note = (const char *)sqlite3_column_text(st, 0);
        *out_note = strdup(note ? note : "");
        if (*out_note == NULL)
            rc = ts_error_set(err, TS_ENOMEM, "out of memory");
    } else {
        rc = ts_error_set(err, TS_ENOTFOUND,
                          "'%s': no checkpoint yet: nothing has been sealed",
                          store->path);
    }
    sqlite3_reset(st);
    return rc;
}
