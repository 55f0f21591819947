/* The events of index layouts 15 and 16: event_rows for every event,
 * event_details only for those with a value in one of its columns,
 * event_identities for each distinct (session, pid, account, database),
 * the view events joining them as the one table of layouts before did;
 * and the upgrades of a layout 14 store, whose events is that table, and
 * of a layout 15 store, whose event_rows held the identities' columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/common.h"
#include "store/store_internal.h"
#include "test_stores.h"

#define PG_LOG TS_TEST_DATA_DIR "/../e2e/data/pg15-pgaudit.log"
#define PG_PREFIX "%m [%p] %q%u@%d/%a %r %c %e "
#define TELEPORT_LOG TS_TEST_DATA_DIR "/proxies/teleport.jsonl"

typedef struct fixture {
    char dir[64];
    char path[96];
    ts_store *store;
} fixture;

/* The columns of the table events of layouts 2 to 14, in order. */
#define LAYOUT14_COLUMNS                                                       \
    "seq source_id line kind time_us pid session_id session_line account"      \
    " database application client_host client_port severity sqlstate"          \
    " message detail query audit_type statement_id substatement_id"            \
    " audit_class command object_type object_name object_table statement"      \
    " parameter tls_protocol tls_cipher session_duration_us unparsed_reason"   \
    " template_id template_repeat principal principal_kind rows"               \
    " auth_identity auth_method text_id origin_id"

/* The term of events_privileged and v_privileged before layout 17 (and of
 * event_commands.privileged since). */
#define PRIVILEGED_TERM                                                        \
    "audit_class = 'DDL' OR audit_class = 'ROLE'"                              \
    " OR command = 'GRANT' OR command = 'REVOKE' OR command = 'ALTER ROLE'"    \
    " OR command = 'CREATE ROLE' OR command = 'DROP ROLE'"                     \
    " OR command = 'ALTER SYSTEM' OR command = 'TRUNCATE TABLE'"
/* v_privileged before layout 17. */
#define OLD_V_PRIVILEGED_SQL                                                   \
    "DROP VIEW v_privileged;"                                                  \
    "CREATE VIEW v_privileged AS SELECT * FROM v_events"                       \
    " WHERE kind = 'audit' AND (" PRIVILEGED_TERM ");"

/* The columns of the view events from client_port on, as layouts 15 and
 * 16 made it (r: event_rows, d: event_details). */
#define LAYOUT16_VIEW_COLUMNS                                                  \
    "d.client_port, d.severity, d.sqlstate, d.message,"                        \
    " d.detail, d.query, d.audit_type, r.statement_id, r.substatement_id,"     \
    " r.audit_class, r.command, d.object_type, d.object_name,"                 \
    " d.object_table, d.statement, r.parameter, d.tls_protocol,"               \
    " d.tls_cipher, d.session_duration_us, d.unparsed_reason,"                 \
    " r.template_id, r.template_repeat, r.principal, d.principal_kind,"        \
    " r.rows, d.auth_identity, d.auth_method, r.text_id, r.origin_id"
/* The indexes on event_rows and v_privileged, as layouts 15 and 16 made
 * them. */
#define LAYOUT16_INDEXES_SQL                                                   \
    "CREATE INDEX events_by_kind ON event_rows(kind);"                         \
    "CREATE INDEX events_by_principal ON event_rows(principal)"                \
    " WHERE principal IS NOT NULL;"                                            \
    "CREATE INDEX events_privileged ON event_rows(kind, time_us)"              \
    " WHERE " PRIVILEGED_TERM ";" OLD_V_PRIVILEGED_SQL

/* The store as layout 14 kept its events: one table, its three indexes
 * and v_proxy_sessions reading it through one of them (schemas/index.sql
 * of layout 14, comments left out). legacy_alter_table: the views name
 * `events`, which is missing while the table has another name. */
static const char as_layout14_sql[] =
    "CREATE TABLE events_14 (seq INTEGER PRIMARY KEY,"
    " source_id INTEGER NOT NULL REFERENCES sources(id),"
    " line INTEGER NOT NULL, kind INTEGER NOT NULL REFERENCES"
    " event_kinds(kind), time_us INTEGER, pid INTEGER, session_id TEXT,"
    " session_line INTEGER, account TEXT, database TEXT, application TEXT,"
    " client_host TEXT, client_port TEXT, severity TEXT, sqlstate TEXT,"
    " message TEXT, detail TEXT, query TEXT, audit_type TEXT,"
    " statement_id INTEGER, substatement_id INTEGER, audit_class TEXT,"
    " command TEXT, object_type TEXT, object_name TEXT, object_table TEXT,"
    " statement TEXT, parameter TEXT, tls_protocol TEXT, tls_cipher TEXT,"
    " session_duration_us INTEGER, unparsed_reason TEXT,"
    " template_id INTEGER REFERENCES templates(id), template_repeat INTEGER,"
    " principal TEXT, principal_kind TEXT, rows INTEGER, auth_identity TEXT,"
    " auth_method TEXT, text_id INTEGER, origin_id INTEGER);"
    "INSERT INTO events_14 SELECT * FROM events;"
    "DROP VIEW events;"
    "DROP TABLE event_rows;"
    "DROP TABLE event_details;"
    "DROP TABLE event_identities;"
    "DROP TABLE event_commands;"
    "PRAGMA legacy_alter_table = ON;"
    "ALTER TABLE events_14 RENAME TO events;"
    "PRAGMA legacy_alter_table = OFF;"
    "CREATE INDEX events_by_kind ON events(kind);"
    "CREATE INDEX events_by_principal ON events(principal)"
    " WHERE principal IS NOT NULL;"
    "CREATE INDEX events_privileged ON events(kind, time_us)"
    " WHERE " PRIVILEGED_TERM ";" OLD_V_PRIVILEGED_SQL
    "DROP VIEW v_proxy_sessions;"
    "CREATE VIEW v_proxy_sessions AS"
    " SELECT e.session_id, min(e.principal) AS principal,"
    " min(e.principal_kind) AS principal_kind,"
    " count(DISTINCT e.principal) AS n_principals,"
    " s.pid, s.account, s.started_us, s.ended_us"
    " FROM events e INDEXED BY events_by_principal"
    " JOIN sessions s ON s.session_id = e.session_id"
    " WHERE e.principal IS NOT NULL AND e.session_id IS NOT NULL"
    " GROUP BY e.session_id;"
    "UPDATE meta SET value = '14' WHERE key = 'index_version'";

/* The store as layout 15 kept its events: event_rows with the session,
 * pid, account and database of each event, the view events over it and
 * event_details, the three indexes, v_proxy_sessions (schemas/index.sql
 * of layout 15; the view's triggers left out: the upgrade drops them with
 * the view). */
static const char as_layout15_sql[] =
    "CREATE TABLE event_rows_15 (seq INTEGER PRIMARY KEY,"
    " source_id INTEGER NOT NULL REFERENCES sources(id),"
    " line INTEGER NOT NULL, kind INTEGER NOT NULL REFERENCES"
    " event_kinds(kind), time_us INTEGER, pid INTEGER, session_id TEXT,"
    " session_line INTEGER, account TEXT, database TEXT,"
    " statement_id INTEGER, substatement_id INTEGER, audit_class TEXT,"
    " command TEXT, parameter TEXT, principal TEXT,"
    " template_id INTEGER REFERENCES templates(id), template_repeat INTEGER,"
    " rows INTEGER, text_id INTEGER, origin_id INTEGER);"
    "INSERT INTO event_rows_15 SELECT seq, source_id, line, kind, time_us,"
    " pid, session_id, session_line, account, database, statement_id,"
    " substatement_id, audit_class, command, parameter, principal,"
    " template_id, template_repeat, rows, text_id, origin_id FROM events;"
    "DROP VIEW events;"
    "DROP VIEW v_proxy_sessions;"
    "DROP TABLE event_rows;"
    "DROP TABLE event_identities;"
    "DROP TABLE event_commands;"
    "PRAGMA legacy_alter_table = ON;"
    "ALTER TABLE event_rows_15 RENAME TO event_rows;"
    "PRAGMA legacy_alter_table = OFF;"
    "CREATE VIEW events AS"
    " SELECT r.seq, r.source_id, r.line, r.kind, r.time_us, r.pid,"
    " r.session_id, r.session_line, r.account, r.database, d.application,"
    " d.client_host, " LAYOUT16_VIEW_COLUMNS
    " FROM event_rows r LEFT JOIN event_details d ON d.seq = r.seq;" LAYOUT16_INDEXES_SQL
    "CREATE VIEW v_proxy_sessions AS"
    " SELECT e.session_id, min(e.principal) AS principal,"
    " min(d.principal_kind) AS principal_kind,"
    " count(DISTINCT e.principal) AS n_principals,"
    " s.pid, s.account, s.started_us, s.ended_us"
    " FROM event_rows e INDEXED BY events_by_principal"
    " LEFT JOIN event_details d ON d.seq = e.seq"
    " JOIN sessions s ON s.session_id = e.session_id"
    " WHERE e.principal IS NOT NULL AND e.session_id IS NOT NULL"
    " GROUP BY e.session_id;"
    "UPDATE meta SET value = '15' WHERE key = 'index_version'";

/* The store as layout 16 kept its events: event_rows with the audit class
 * and command of each event, the view events over it, event_identities
 * and event_details, the three indexes, v_proxy_sessions and v_privileged
 * (schemas/index.sql of layout 16; the view's triggers left out). */
static const char as_layout16_sql[] =
    "CREATE TABLE event_rows_16 (seq INTEGER PRIMARY KEY,"
    " source_id INTEGER NOT NULL REFERENCES sources(id),"
    " line INTEGER NOT NULL, kind INTEGER NOT NULL REFERENCES"
    " event_kinds(kind), time_us INTEGER, identity_id INTEGER,"
    " session_line INTEGER, statement_id INTEGER, substatement_id INTEGER,"
    " audit_class TEXT, command TEXT, parameter TEXT, principal TEXT,"
    " template_id INTEGER REFERENCES templates(id), template_repeat INTEGER,"
    " rows INTEGER, text_id INTEGER, origin_id INTEGER);"
    "INSERT INTO event_rows_16 SELECT r.seq, r.source_id, r.line, r.kind,"
    " r.time_us, r.identity_id, r.session_line, r.statement_id,"
    " r.substatement_id, c.audit_class, c.command, r.parameter,"
    " r.principal, r.template_id, r.template_repeat, r.rows, r.text_id,"
    " r.origin_id FROM event_rows r"
    " LEFT JOIN event_commands c ON c.id = r.command_id;"
    "DROP VIEW events;"
    "DROP VIEW v_proxy_sessions;"
    "DROP TABLE event_rows;"
    "DROP TABLE event_commands;"
    "PRAGMA legacy_alter_table = ON;"
    "ALTER TABLE event_rows_16 RENAME TO event_rows;"
    "PRAGMA legacy_alter_table = OFF;"
    "CREATE VIEW events AS"
    " SELECT r.seq, r.source_id, r.line, r.kind, r.time_us, i.pid,"
    " i.session_id, r.session_line, i.account, i.database, d.application,"
    " d.client_host, " LAYOUT16_VIEW_COLUMNS " FROM event_rows r"
    " LEFT JOIN event_identities i ON i.id = r.identity_id"
    " LEFT JOIN event_details d ON d.seq = r.seq;" LAYOUT16_INDEXES_SQL
    "CREATE VIEW v_proxy_sessions AS"
    " SELECT i.session_id, min(e.principal) AS principal,"
    " min(d.principal_kind) AS principal_kind,"
    " count(DISTINCT e.principal) AS n_principals,"
    " s.pid, s.account, s.started_us, s.ended_us"
    " FROM event_rows e INDEXED BY events_by_principal"
    " JOIN event_identities i ON i.id = e.identity_id"
    " LEFT JOIN event_details d ON d.seq = e.seq"
    " JOIN sessions s ON s.session_id = i.session_id"
    " WHERE e.principal IS NOT NULL AND i.session_id IS NOT NULL"
    " GROUP BY i.session_id;"
    "UPDATE meta SET value = '16' WHERE key = 'index_version'";

static void ingest(ts_store *store, const char *format, const char *config,
                   const char *path)
{
    ts_ingest_options opts = {0, 0, NULL, NULL, 0};
    ts_ingest_stats st;
    ts_source *src = NULL;
    ts_error err;

    ts_error_clear(&err);
    if (ts_source_open_file(&src, format, config, path, &err) != 0 ||
        ts_store_ingest(store, src, &opts, &st, &err) != 0)
        fail_msg("ingesting %s: %s", path, err.msg);
    ts_source_free(src);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    ts_error err;

    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/ts-test-events-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof(fx->path), "%s/e.db", fx->dir);
    ts_error_clear(&err);
    assert_int_equal(ts_store_create(&fx->store, fx->path, &err), 0);
    ingest(fx->store, "pg-stderr", PG_PREFIX, PG_LOG);
    ingest(fx->store, "teleport-audit", NULL, TELEPORT_LOG);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[128];

    ts_store_free(fx->store);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
    assert_int_equal(system(cmd), 0);
    free(fx);
    return 0;
}

static int64_t count(fixture *fx, const char *sql)
{
    char *text = store_dump(fx->store, sql);
    int64_t n = strtoll(text, NULL, 10);

    sqlite3_free(text);
    return n;
}

static void exec_ok(fixture *fx, const char *sql)
{
    sqlite3 *db = ts_store_sqlite(fx->store);

    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
}

/* The questions whose answers must not change with the tables: every
 * column of every event, the views most controls read, full text. */
static const char *const questions[] = {
    "SELECT * FROM events ORDER BY seq",
    "SELECT * FROM v_events ORDER BY entry_index",
    "SELECT * FROM v_proxy_sessions ORDER BY session_id",
    "SELECT * FROM v_privileged ORDER BY entry_index",
    "SELECT * FROM v_failed_logins ORDER BY entry_index",
    "SELECT rowid FROM events_fts WHERE events_fts MATCH 'permission'"
    " ORDER BY rowid",
    "SELECT kind, count(*), count(message), count(principal)"
    " FROM events GROUP BY kind ORDER BY kind",
    "SELECT session_id, pid, account, database, count(*), typeof(pid)"
    " FROM events GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
};
#define N_QUESTIONS (sizeof(questions) / sizeof(questions[0]))

static void answer_all(fixture *fx, char **answers)
{
    for (size_t i = 0; i < N_QUESTIONS; i++)
        answers[i] = store_dump(fx->store, questions[i]);
}

static void expect_answers(fixture *fx, char *const *answers)
{
    for (size_t i = 0; i < N_QUESTIONS; i++) {
        char *got = store_dump(fx->store, questions[i]);
        if (strcmp(got, answers[i]) != 0)
            fail_msg("%s: answer changed", questions[i]);
        sqlite3_free(got);
    }
}

static void free_answers(char **answers)
{
    for (size_t i = 0; i < N_QUESTIONS; i++)
        sqlite3_free(answers[i]);
}

/* The view's columns: the names and order of layout 14's table. */
static void expect_layout14_columns(fixture *fx)
{
    char *names =
        store_dump(fx->store, "SELECT group_concat(name, ' ') FROM"
                              " (SELECT name FROM pragma_table_info('events')"
                              " ORDER BY cid)");

    assert_string_equal(names, LAYOUT14_COLUMNS "\n");
    sqlite3_free(names);
}

/* Each (audit_class, command) once, its privileged the term's; each event
 * marked privileged as its pair is; and some are. */
static void expect_commands(fixture *fx)
{
    assert_true(count(fx, "SELECT count(*) FROM event_commands") > 5);
    assert_int_equal(count(fx, "SELECT count(*) FROM (SELECT 1"
                               " FROM event_commands GROUP BY audit_class,"
                               " command HAVING count(*) > 1)"),
                     0);
    assert_int_equal(
        count(fx, "SELECT count(*) FROM event_commands"
                  " WHERE privileged IS NOT (CASE WHEN " PRIVILEGED_TERM
                  " THEN 1 END)"),
        0);
    assert_int_equal(count(fx, "SELECT count(*) FROM event_rows r"
                               " LEFT JOIN event_commands c"
                               " ON c.id = r.command_id"
                               " WHERE r.privileged IS NOT c.privileged"),
                     0);
    assert_true(count(fx, "SELECT count(*) FROM event_rows"
                          " WHERE privileged = 1") > 5);
}

/* What ingest writes: a row of event_rows per event, and one of
 * event_details only for an event with a value for one of its columns:
 * none for a pgAudit record of a text (its statement, object and record
 * are elsewhere), one for each connection, error and proxy event. */
static void test_two_tables(void **state)
{
    fixture *fx = *state;
    int64_t events = count(fx, "SELECT count(*) FROM event_rows");
    char *plan;

    assert_true(events > 50);
    assert_int_equal(count(fx, "SELECT count(*) FROM events"), events);
    expect_store_dump(fx->store,
                      "SELECT type FROM sqlite_schema WHERE name = 'events'",
                      "view\n");
    expect_layout14_columns(fx);
    /* pgAudit records of a text: no details (their parameters are in
     * event_rows) */
    assert_true(count(fx, "SELECT count(*) FROM event_rows"
                          " WHERE kind = " TS_EVENT_AUDIT_SQL
                          " AND text_id IS NOT NULL") > 10);
    assert_int_equal(count(fx, "SELECT count(*) FROM event_rows r"
                               " JOIN event_details d ON d.seq = r.seq"
                               " WHERE r.kind = " TS_EVENT_AUDIT_SQL
                               " AND r.text_id IS NOT NULL"),
                     0);
    /* every detail row holds something, and every event with something
     * has its row */
    assert_int_equal(count(fx, "SELECT count(*) FROM event_details"
                               " WHERE coalesce(application, client_host,"
                               " client_port, severity, sqlstate, message,"
                               " detail, query, audit_type, object_type,"
                               " object_name, object_table, statement,"
                               " tls_protocol, tls_cipher,"
                               " session_duration_us, unparsed_reason,"
                               " principal_kind, auth_identity,"
                               " auth_method) IS NULL"),
                     0);
    assert_true(count(fx, "SELECT count(*) FROM event_rows"
                          " WHERE principal IS NOT NULL") > 0);
    assert_true(count(fx, "SELECT count(*) FROM event_details"
                          " WHERE principal_kind IS NOT NULL") > 0);
    assert_true(count(fx, "SELECT count(*) FROM event_details"
                          " WHERE message IS NOT NULL") > 0);
    /* each (session, pid, account, database) once, none empty, pid a
     * number; an event points at one when it has any of the four */
    assert_true(count(fx, "SELECT count(*) FROM event_identities") > 5);
    assert_true(count(fx, "SELECT count(*) FROM event_identities") <
                events / 2);
    assert_int_equal(count(fx, "SELECT count(*) FROM (SELECT 1"
                               " FROM event_identities GROUP BY session_id,"
                               " pid, account, database HAVING count(*) > 1)"),
                     0);
    assert_int_equal(count(fx, "SELECT count(*) FROM event_identities"
                               " WHERE coalesce(session_id, pid, account,"
                               " database) IS NULL"),
                     0);
    assert_int_equal(count(fx, "SELECT count(*) FROM event_identities"
                               " WHERE typeof(pid) NOT IN ('integer',"
                               " 'null')"),
                     0);
    assert_int_equal(count(fx, "SELECT count(*) FROM events"
                               " WHERE coalesce(session_id, pid, account,"
                               " database) IS NULL"),
                     count(fx, "SELECT count(*) FROM event_rows"
                               " WHERE identity_id IS NULL"));
    /* each (audit class, command) once, privileged as the term says */
    expect_commands(fx);
    /* the proxies' sessions through the partial index on principal */
    plan = store_dump(fx->store,
                      "EXPLAIN QUERY PLAN SELECT * FROM v_proxy_sessions");
    assert_non_null(strstr(plan, "events_by_principal"));
    sqlite3_free(plan);
    assert_true(count(fx, "SELECT count(*) FROM v_proxy_sessions") > 0);
}

/* The view can be written: an insert, an update that gives an event
 * details and one that takes them away, a delete. */
static void test_view_writes(void **state)
{
    fixture *fx = *state;
    int64_t details = count(fx, "SELECT count(*) FROM event_details");
    int64_t identities = count(fx, "SELECT count(*) FROM event_identities");

    /* the identity of an ingested event: found, not written again */
    exec_ok(fx, "INSERT INTO events(seq, source_id, line, kind, session_id,"
                " pid, account, database) SELECT 99999, source_id, line,"
                " kind, session_id, pid, account, database FROM events"
                " WHERE session_id IS NOT NULL AND pid IS NOT NULL"
                " AND account IS NOT NULL AND database IS NOT NULL LIMIT 1");
    assert_int_equal(count(fx, "SELECT count(*) FROM event_identities"),
                     identities);
    assert_int_equal(count(fx, "SELECT count(*) FROM event_rows"
                               " WHERE seq = 99999 AND identity_id IS NULL"),
                     0);
    exec_ok(fx, "INSERT INTO events(seq, source_id, line, kind, account,"
                " message) VALUES(100000, 1, 7, 1, 'alice', 'hello');"
                "INSERT INTO events(seq, source_id, line, kind, account)"
                " VALUES(100001, 1, 8, 1, 'bob')");
    assert_int_equal(count(fx, "SELECT count(*) FROM event_details"),
                     details + 1);
    assert_int_equal(count(fx, "SELECT count(*) FROM event_identities"),
                     identities + 2);
    expect_store_dump(fx->store,
                      "SELECT seq, account, message FROM events"
                      " WHERE seq >= 100000 ORDER BY seq",
                      "100000|alice|hello\n100001|bob|NULL\n");
    exec_ok(fx, "UPDATE events SET message = 'hi', account = 'carol'"
                " WHERE seq = 100001;"
                "UPDATE events SET message = NULL WHERE seq = 100000");
    expect_store_dump(fx->store,
                      "SELECT seq, account, message FROM events"
                      " WHERE seq >= 100000 ORDER BY seq",
                      "100000|alice|NULL\n100001|carol|hi\n");
    expect_store_dump(fx->store,
                      "SELECT seq FROM event_details WHERE seq >= 100000",
                      "100001\n");
    /* a pair ingest wrote is found, a new one written with its term */
    int64_t commands = count(fx, "SELECT count(*) FROM event_commands");
    exec_ok(fx, "INSERT INTO events(seq, source_id, line, kind, audit_class,"
                " command) VALUES(100002, 1, 9, 2, 'ROLE', 'GRANT'),"
                " (100003, 1, 10, 2, 'WRITE', 'TRUNCATE TABLE'),"
                " (100004, 1, 11, 2, 'READ', 'SELECT')");
    assert_int_equal(count(fx, "SELECT count(*) FROM event_commands"),
                     commands + 1);
    expect_store_dump(fx->store,
                      "SELECT seq, audit_class, command, privileged"
                      " FROM events JOIN event_rows USING (seq)"
                      " WHERE seq >= 100002 ORDER BY seq",
                      "100002|ROLE|GRANT|1\n"
                      "100003|WRITE|TRUNCATE TABLE|1\n"
                      "100004|READ|SELECT|NULL\n");
    exec_ok(fx, "DELETE FROM events WHERE seq >= 99999");
    assert_int_equal(count(fx, "SELECT count(*) FROM event_rows"
                               " WHERE seq >= 100000"),
                     0);
    assert_int_equal(count(fx, "SELECT count(*) FROM event_details"), details);
}

/* Ingest marks privileged the statements of each class and command of
 * the term (store/index.c's, the same as the schema's), and no other. */
static void test_privileged_commands(void **state)
{
    static const char *const pairs[][2] = {
        {"DDL", "CREATE TABLE"},     {"ROLE", "SET ROLE"},
        {"ROLE", "GRANT"},           {"ROLE", "REVOKE"},
        {"ROLE", "ALTER ROLE"},      {"ROLE", "CREATE ROLE"},
        {"ROLE", "DROP ROLE"},       {"MISC", "ALTER SYSTEM"},
        {"WRITE", "TRUNCATE TABLE"}, {"READ", "SELECT"},
        {"WRITE", "INSERT"},         {"MISC", "SET"},
        {"MISC", "TRUNCATE"},        {"READ", "GRANTED"}};
    fixture *fx = *state;
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/privileged.log", fx->dir);
    f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        fprintf(f,
                "2026-11-23 10:00:%02zu.000 UTC [7001] app@db/psql [local]"
                " 6b03701c.1b59 00000 LOG:  AUDIT: SESSION,%zu,1,%s,%s,,,"
                "statement %zu,<none>\n",
                i, i + 1, pairs[i][0], pairs[i][1], i);
    assert_int_equal(fclose(f), 0);
    ingest(fx->store, "pg-stderr", PG_PREFIX, path);
    expect_commands(fx);
    expect_store_dump(
        fx->store,
        "SELECT group_concat(audit_class || ' ' || command, ',')"
        " FROM (SELECT c.audit_class, c.command FROM event_rows r"
        " JOIN event_commands c ON c.id = r.command_id"
        " JOIN event_identities i ON i.id = r.identity_id"
        " WHERE i.session_id = '6b03701c.1b59' AND r.privileged = 1"
        " ORDER BY r.seq)",
        "DDL CREATE TABLE,ROLE SET ROLE,ROLE GRANT,ROLE REVOKE,"
        "ROLE ALTER ROLE,ROLE CREATE ROLE,ROLE DROP ROLE,MISC ALTER SYSTEM,"
        "WRITE TRUNCATE TABLE\n");
}

/* The identity writer (a dictionary without key_hash): a tuple ingest
 * wrote is found by its columns, pid given as text; a new one is written
 * once, and a writer that has not seen it finds it, a NULL column too. */
static void test_identity_lookup(void **state)
{
    fixture *fx = *state;
    static const ts_dict_spec spec = {
        "event_identities",
        {"session_id", "account", "pid", "database"},
        4,
        NULL,
        "indexing identities",
        4,
        1024};
    char *row = store_dump(fx->store,
                           "SELECT id, session_id, account, pid, database"
                           " FROM event_identities WHERE session_id IS NOT NULL"
                           " AND account IS NOT NULL AND pid IS NOT NULL"
                           " AND database IS NOT NULL"
                           " ORDER BY id DESC LIMIT 1");
    int64_t before = count(fx, "SELECT count(*) FROM event_identities");
    int64_t id = 0, again = 0, fresh = 0, found = 0;
    const char *values[4], *fresh_values[4] = {"s-new", "zed", "77", NULL};
    char *next = row;
    ts_dict_writer *w = NULL;
    int inserted = -1;
    ts_error err;

    /* "id|session|account|pid|database\n": none NULL */
    int64_t want = strtoll(strsep(&next, "|"), NULL, 10);
    for (int i = 0; i < 4; i++)
        values[i] = strsep(&next, i < 3 ? "|" : "\n");
    assert_non_null(values[3]);
    ts_error_clear(&err);
    assert_int_equal(ts_dict_writer_new(&w, fx->store, &spec, &err), 0);
    assert_int_equal(ts_dict_writer_id(w, values, &id, &inserted, &err), 0);
    assert_int_equal(id, want);
    assert_int_equal(inserted, 0);
    assert_int_equal(
        ts_dict_writer_id(w, fresh_values, &fresh, &inserted, &err), 0);
    assert_int_equal(inserted, 1);
    assert_true(fresh > want);
    assert_int_equal(
        ts_dict_writer_id(w, fresh_values, &again, &inserted, &err), 0);
    assert_int_equal(again, fresh);
    assert_int_equal(inserted, 0);
    ts_dict_writer_free(w);

    assert_int_equal(ts_dict_writer_new(&w, fx->store, &spec, &err), 0);
    assert_int_equal(
        ts_dict_writer_id(w, fresh_values, &found, &inserted, &err), 0);
    assert_int_equal(found, fresh);
    assert_int_equal(inserted, 0);
    ts_dict_writer_free(w);
    assert_int_equal(count(fx, "SELECT count(*) FROM event_identities"),
                     before + 1);
    expect_store_dump(fx->store,
                      "SELECT typeof(pid), pid, database IS NULL"
                      " FROM event_identities WHERE session_id = 's-new'",
                      "integer|77|1\n");
    sqlite3_free(row);
}

/* What an upgrade leaves: today's layout, the three indexes on
 * event_rows, as many identities and commands as ingest wrote. */
static void expect_upgraded(fixture *fx, int64_t identities, int64_t commands)
{
    assert_int_equal(count(fx, "SELECT value FROM meta"
                               " WHERE key = 'index_version'"),
                     TS_INDEX_VERSION);
    expect_store_dump(
        fx->store,
        "SELECT name, tbl_name FROM sqlite_schema"
        " WHERE type = 'index' AND name IN ('events_by_kind',"
        " 'events_by_principal', 'events_privileged') ORDER BY name",
        "events_by_kind|event_rows\n"
        "events_by_principal|event_rows\n"
        "events_privileged|event_rows\n");
    assert_int_equal(count(fx, "SELECT count(*) FROM event_identities"),
                     identities);
    assert_int_equal(count(fx, "SELECT count(*) FROM event_commands"),
                     commands);
    expect_commands(fx);
}

/* A layout 14 store answers the same read-only, and opened for writing
 * becomes today's: the table split into the three, the view in its
 * place, no table left over, the indexes on the new tables, the same
 * answers, and as many details and identities as ingest itself wrote. */
static void test_layout14_upgrade(void **state)
{
    fixture *fx = *state;
    char *answers[N_QUESTIONS];
    int64_t details = count(fx, "SELECT count(*) FROM event_details");
    int64_t identities = count(fx, "SELECT count(*) FROM event_identities");
    int64_t commands = count(fx, "SELECT count(*) FROM event_commands");

    answer_all(fx, answers);
    exec_ok(fx, as_layout14_sql);
    reopen_store(&fx->store, fx->path, TS_STORE_READONLY);
    expect_store_dump(fx->store,
                      "SELECT type FROM sqlite_schema WHERE name = 'events'",
                      "table\n");
    expect_answers(fx, answers);

    reopen_store(&fx->store, fx->path, 0);
    expect_upgraded(fx, identities, commands);
    expect_store_dump(fx->store,
                      "SELECT type FROM sqlite_schema WHERE name = 'events'",
                      "view\n");
    assert_int_equal(count(fx, "SELECT count(*) FROM sqlite_schema"
                               " WHERE name = 'events_by_layout14'"),
                     0);
    assert_int_equal(count(fx, "SELECT count(*) FROM event_details"), details);
    expect_layout14_columns(fx);
    expect_answers(fx, answers);
    free_answers(answers);
}

/* A store made as_sql's shape (an older layout whose event_rows has
 * old_column) answers the same read-only, and opened for writing becomes
 * today's: gone_columns (a list for IN) out of event_rows, no table
 * set_aside left over, the view's triggers made again, view read through
 * index, the same answers. */
static void expect_rows_upgrade(fixture *fx, const char *as_sql,
                                const char *old_column,
                                const char *gone_columns, const char *set_aside,
                                const char *view, const char *index)
{
    char *answers[N_QUESTIONS];
    int64_t identities = count(fx, "SELECT count(*) FROM event_identities");
    int64_t commands = count(fx, "SELECT count(*) FROM event_commands");
    char sql[256], *plan;

    answer_all(fx, answers);
    exec_ok(fx, as_sql);
    reopen_store(&fx->store, fx->path, TS_STORE_READONLY);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM pragma_table_info('event_rows')"
             " WHERE name = '%s'",
             old_column);
    assert_int_equal(count(fx, sql), 1);
    expect_answers(fx, answers);

    reopen_store(&fx->store, fx->path, 0);
    expect_upgraded(fx, identities, commands);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM pragma_table_info('event_rows')"
             " WHERE name IN (%s)",
             gone_columns);
    assert_int_equal(count(fx, sql), 0);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM sqlite_schema WHERE name = '%s'", set_aside);
    assert_int_equal(count(fx, sql), 0);
    expect_store_dump(fx->store,
                      "SELECT count(*) FROM sqlite_schema WHERE type ="
                      " 'trigger' AND tbl_name = 'events'",
                      "3\n");
    snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN SELECT * FROM %s", view);
    plan = store_dump(fx->store, sql);
    assert_non_null(strstr(plan, index));
    sqlite3_free(plan);
    expect_layout14_columns(fx);
    expect_answers(fx, answers);
    free_answers(answers);
}

/* Layout 15: the identities and commands out of event_rows,
 * v_proxy_sessions through its index. */
static void test_layout15_upgrade(void **state)
{
    expect_rows_upgrade(*state, as_layout15_sql, "session_id",
                        "'session_id', 'pid', 'account', 'database',"
                        " 'audit_class', 'command'",
                        "event_rows_by_layout15", "v_proxy_sessions",
                        "events_by_principal");
}

/* Layout 16: the commands out of event_rows, privileged marked,
 * v_privileged through events_privileged. */
static void test_layout16_upgrade(void **state)
{
    expect_rows_upgrade(*state, as_layout16_sql, "audit_class",
                        "'audit_class', 'command'", "event_rows_by_layout16",
                        "v_privileged", "events_privileged");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_view_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_privileged_commands, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_layout14_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout15_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout16_upgrade, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
