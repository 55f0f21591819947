/* The normalized event: what an entry means (who, when, which session, what).
 */
#ifndef TRAILSEAL_EVENT_H
#define TRAILSEAL_EVENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kinds of events. The numbers are stored in the index: append only. */
typedef enum ts_event_kind {
    TS_EVENT_UNPARSED = 0, /* the entry could not be parsed */
    TS_EVENT_LOG = 1,      /* a parsed log line we give no meaning */
    TS_EVENT_AUDIT = 2,    /* a pgAudit SESSION or OBJECT record */
    TS_EVENT_CONNECTION_RECEIVED = 3,
    TS_EVENT_CONNECTION_AUTHORIZED = 4,
    TS_EVENT_DISCONNECTION = 5,
    TS_EVENT_AUTH_FAILURE =
        6, /* FATAL: authentication failed, no hba entry, no role */
    TS_EVENT_ERROR = 7,     /* ERROR (permission denied among them) */
    TS_EVENT_STATEMENT = 8, /* log_statement "statement:" line */
    TS_EVENT_REFERENCE = 9, /* a reference record (trailseal/reference.h) */
    TS_EVENT_PG_STAT = 10,  /* a pg_stat snapshot row (trailseal/pgstat.h) */
    TS_EVENT_STATEMENT_STATS = 11, /* pg_stat_statements: one statement's
                                      calls by one account since the
                                      server's previous snapshot (an
                                      aggregate, not one execution) */
    TS_EVENT_KIND_COUNT = 12
} ts_event_kind;

#define TS_UNKNOWN_TIME INT64_MIN

/* Every string is NUL-terminated and borrowed from whoever produced the
 * event (a source keeps them valid until its next call); NULL means the
 * source did not say. */
typedef struct ts_event {
    ts_event_kind kind;
    int64_t time_us;        /* event time, µs since the Unix epoch (UTC), or
                               TS_UNKNOWN_TIME */
    int64_t pid;            /* backend process id, -1 unknown */
    const char *session_id; /* PostgreSQL %c, or the source's own session key */
    int64_t session_line;   /* %l line number within the session, -1 unknown */
    int64_t session_line_last; /* the entry's last line's number when the
                                  entry spans several numbered lines (stderr
                                  DETAIL/STATEMENT lines), else -1 */
    const char *account;       /* database role / user name */
    const char *database;
    const char *application; /* application_name */
    const char *client_host; /* client address (without port) */
    const char *client_port;
    const char *severity; /* LOG, ERROR, FATAL, ... */
    const char *sqlstate; /* five-character SQLSTATE, when known */
    const char *message;  /* primary message text, continuation lines joined */
    const char *detail;   /* DETAIL: line attached to the message, if any */
    const char *query;    /* STATEMENT: line attached to the message, if any */

    /* pgAudit (kind TS_EVENT_AUDIT) and log_statement (TS_EVENT_STATEMENT). */
    const char *audit_type;  /* SESSION or OBJECT */
    int64_t statement_id;    /* -1 unknown */
    int64_t substatement_id; /* -1 unknown */
    const char *audit_class; /* READ, WRITE, DDL, ROLE, MISC, FUNCTION, ... */
    const char *command;     /* SELECT, INSERT, CREATE TABLE, GRANT, ... */
    const char *object_type; /* TABLE, INDEX, ... or NULL */
    const char *object_name; /* schema-qualified name or NULL */
    const char
        *statement; /* statement text ("<previously logged>" is kept as NULL) */
    const char *parameter; /* bind parameters as pgAudit logged them, or NULL */

    /* Connections. */
    const char *tls_protocol; /* e.g. TLSv1.3 when the session used SSL */
    const char *tls_cipher;
    int64_t session_duration_us; /* disconnection: session time, -1 unknown */

    /* TS_EVENT_UNPARSED: why the parser gave up (one line). */
    const char *unparsed_reason;

    /* SQL analysis of the event's statement (pgAudit statement, or the
     * log_statement text), filled by ts_source_analyzing; template NULL when
     * the event has no statement or was not analysed. Strings and arrays are
     * borrowed like every other field. Names are "schema.table" and
     * "schema.table.column", sorted and distinct. */
    const char *sql_template; /* literals and parameters as $1, $2... */
    uint64_t sql_fingerprint; /* 64-bit hash of sql_template */
    int64_t sql_catalog;      /* the catalog snapshot (ref_snapshots.id) names
                                 were resolved against; 0: a file, or none */
    const char *sql_class;    /* read, write, ddl, role, misc, unknown */
    const char *sql_command;  /* SELECT, INSERT..., UNKNOWN when unparsed */
    int sql_repeat; /* 1: a further pgAudit row (same session, statement id
                       and text) of a statement already analysed */
    const char *const *tables_read;
    size_t n_tables_read;
    const char *const *tables_written;
    size_t n_tables_written;
    const char *const *columns_read;
    size_t n_columns_read;
    const char *const *columns_written;
    size_t n_columns_written;
    /* objects a DDL statement creates, alters or drops ("schema.table", or a
     * schema's name) */
    const char *const *tables_changed;
    size_t n_tables_changed;
    /* lineage: "SOURCE\x1fTARGET" (ts_sql_analysis.flows) */
    const char *const *flows;
    size_t n_flows;

    /* Reference data (TS_EVENT_REFERENCE, and unparsed reference records):
     * the record's meaning, borrowed like the strings; NULL otherwise. */
    const struct ts_ref_record *reference;

    /* Proxies (Teleport, hoop.dev, ...): the person or agent behind the
     * proxy, apart from the database account it used, and what it is:
     * "human", "agent" or "service" (static strings), NULL when unknown. */
    const char *principal;
    const char *principal_kind;

    /* Data classes found in the statement's literals and bind parameters
     * (ts_sensitive_event_classes: "email", "us_ssn", ...; static
     * strings), filled by ts_source_analyzing; n_value_classes 0 when none
     * or not analysed. */
    const char *const *value_classes;
    size_t n_value_classes;
    /* pgAudit's rows field (pgaudit.log_rows): rows the statement
     * returned or affected, -1 when not logged. */
    int64_t rows;
    /* "connection authenticated: identity=... method=..." (PostgreSQL 14+):
     * the identity the authentication method proved (a Kerberos principal,
     * a certificate's DN, the role for passwords) and the method (md5,
     * scram-sha-256, gss, cert, ...); NULL when not said. */
    const char *auth_identity;
    const char *auth_method;
    /* The HMACs of the statement's literals and of the bind parameters
     * (ts_value_hmac64, trailseal/redact.h), filled by ts_source_redacting:
     * what `search --value` finds. Each once; 0 when none. */
    const int64_t *value_hmacs;
    size_t n_value_hmacs;
    /* pg_stat snapshot rows (TS_EVENT_PG_STAT, TS_EVENT_STATEMENT_STATS,
     * and unparsed rows of a pg_stat export): NULL otherwise. */
    const struct ts_pgstat_record *pgstat;
} ts_event;

/* Resets every field of ev to "unknown". */
void ts_event_init(ts_event *ev);

/* The stable name of a kind ("audit", "connection_authorized", ...);
 * "unknown" for values out of range. */
const char *ts_event_kind_name(ts_event_kind kind);

#ifdef __cplusplus
}
#endif
#endif
