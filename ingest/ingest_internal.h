/* Private declarations of the ingest module: inputs and PostgreSQL readers. */
#ifndef TS_INGEST_INTERNAL_H
#define TS_INGEST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"
#include "trailseal/error.h"
#include "trailseal/event.h"
#include "trailseal/source.h"

/* ------------------------------------------------------------------ */
/* Byte input (input.c)                                                */
/* ------------------------------------------------------------------ */

typedef enum ts_input_compression {
    TS_INPUT_PLAIN = 0,
    TS_INPUT_GZIP,
    TS_INPUT_ZSTD
} ts_input_compression;

/* A file or stdin, decompressed when its first bytes are a gzip or zstd
 * magic number. Everything readers see (positions, lines, the key) is in
 * the decompressed stream. */
typedef struct ts_input ts_input;

/* Opens path ("-" for stdin). *out is the caller's (ts_input_free).
 * TS_EIO when it cannot be opened or read. */
int ts_input_open(ts_input **out, const char *path, ts_error *err);

/* Over an open descriptor, closed by ts_input_free when own_fd is set (even
 * when opening fails). name is for messages. */
int ts_input_open_fd(ts_input **out, int fd, int own_fd, const char *name,
                     ts_error *err);

/* Reads up to size bytes into buf; *out_n is 0 only at the end of input.
 * TS_EIO on a read error or damaged or truncated compressed data (after
 * handing out every byte decompressed before the damage). */
int ts_input_read(ts_input *in, void *buf, size_t size, size_t *out_n,
                  ts_error *err);

/* Looks at the first `want` bytes (fewer at the end of input) without
 * consuming them: later reads return them again. Only before any read;
 * *out is borrowed until ts_input_free. */
int ts_input_peek(ts_input *in, size_t want, const uint8_t **out,
                  size_t *out_len, ts_error *err);

/* Skips `skip` bytes with lseek when the input is a plain regular file
 * with nothing buffered. Returns 0 when done, 1 when the caller must skip
 * by reading, a negative status on an error (TS_EINVAL: past the end). */
int ts_input_skip_fast(ts_input *in, uint64_t skip, ts_error *err);

/* For a file that may still be written: a plain regular file then ends,
 * for every read, just after the last newline it holds now, so an
 * unterminated last line is left for a later run. Does nothing for
 * compressed input (a rotated archive), pipes and stdin. Only before any
 * read or peek. */
int ts_input_hold_partial(ts_input *in, ts_error *err);

/* Bytes ts_input_hold_partial left after the end, 0 when none. */
uint64_t ts_input_held(const ts_input *in);

/* Whether ts_input_hold_partial applies: the file may still be written. */
int ts_input_is_limited(const ts_input *in);

ts_input_compression ts_input_compression_of(const ts_input *in);

/* The name given at open, borrowed. */
const char *ts_input_name(const ts_input *in);

void ts_input_free(ts_input *in);

/* ------------------------------------------------------------------ */
/* Record buffer for line-oriented readers (rbuf.c)                    */
/* ------------------------------------------------------------------ */

/* Input read into a buffer, handed out as entries that follow each other
 * without gaps. Embedded: init -> release. */
typedef struct ts_rbuf {
    ts_input *in; /* owned */
    ts_buf buf;   /* buf.data[pos, len) is read and not yet handed out */
    size_t pos;
    uint64_t offset; /* source offset of data[pos] */
    uint64_t line;   /* line number of data[pos] */
    int eof;
    int started;
} ts_rbuf;

/* Takes ownership of in (freed by ts_rbuf_release, also on failure). The
 * buffer holds up to `limit` bytes of one record plus a read. */
int ts_rbuf_init(ts_rbuf *rb, ts_input *in, size_t limit, ts_error *err);
void ts_rbuf_release(ts_rbuf *rb);

/* The bytes buffered after pos. Valid until the next fill. */
const char *ts_rbuf_data(const ts_rbuf *rb);
size_t ts_rbuf_avail(const ts_rbuf *rb);

/* Reads more after what is buffered: 1 when some was read, 0 at the end
 * of input, negative on an error. Offsets relative to pos stay valid. */
int ts_rbuf_fill(ts_rbuf *rb, ts_error *err);

/* Makes at least rel + 1 bytes available: 1 when they are, 0 at the end of
 * input first, negative on an error. */
int ts_rbuf_need(ts_rbuf *rb, size_t rel, ts_error *err);

/* The end of the line starting at rel: just past its newline, or the end
 * of input. Looks at most max bytes past rel: returns 1 with
 * *end = rel + max when the line is longer, else 0; negative on errors. */
int ts_rbuf_find_line(ts_rbuf *rb, size_t rel, size_t max, size_t *end,
                      ts_error *err);

/* Whether a record of len bytes at pos must wait for the next run: the
 * input may still be written (ts_input_hold_partial), an unterminated line
 * was held back after it, and the record runs up to that line, so lines
 * that belong to it (a DETAIL line, the rest of a quoted field) may not be
 * written yet. Sealing it now would seal it short. */
int ts_rbuf_hold_last(const ts_rbuf *rb, size_t len);

/* Hands out data[0, len) as *entry and moves past it. */
void ts_rbuf_emit(ts_rbuf *rb, size_t len, ts_entry *entry);

/* ts_source_ops.seek for a reader built on an rbuf. */
int ts_rbuf_seek(ts_rbuf *rb, uint64_t position, uint64_t line, ts_error *err);

/* Hex SHA-256 of format NUL config NUL first line (up to 4096 bytes), the
 * source key (see ts_source.key). */
int ts_rbuf_key(ts_rbuf *rb, const char *format, const char *config,
                char out[TS_SOURCE_KEY_SIZE], ts_error *err);

/* Bytes of a line's text: without its newline and a CR before it. */
size_t ts_text_len(const char *s, size_t len);

/* ------------------------------------------------------------------ */
/* log_line_prefix (pg_prefix.c)                                       */
/* ------------------------------------------------------------------ */

/* The values a log_line_prefix can carry: one per PostgreSQL 15 escape. */
typedef enum ts_pg_field {
    TS_PGF_APPLICATION,  /* %a application_name */
    TS_PGF_USER,         /* %u user name */
    TS_PGF_DATABASE,     /* %d database name */
    TS_PGF_REMOTE,       /* %r host(port) */
    TS_PGF_HOST,         /* %h host */
    TS_PGF_BACKEND_TYPE, /* %b backend type */
    TS_PGF_PID,          /* %p process id */
    TS_PGF_LEADER_PID,   /* %P parallel group leader's pid */
    TS_PGF_TIME,         /* %t time without milliseconds */
    TS_PGF_TIME_MS,      /* %m time with milliseconds */
    TS_PGF_EPOCH,        /* %n Unix epoch with milliseconds */
    TS_PGF_PS,           /* %i command tag */
    TS_PGF_SQLSTATE,     /* %e SQLSTATE */
    TS_PGF_SESSION,      /* %c session id */
    TS_PGF_LINE,         /* %l line number in the session */
    TS_PGF_START_TIME,   /* %s session start time */
    TS_PGF_VXID,         /* %v virtual transaction id */
    TS_PGF_XID,          /* %x transaction id */
    TS_PGF_QUERY_ID,     /* %Q query id */
    TS_PGF_COUNT
} ts_pg_field;

/* Message severities and the levels of the lines attached to a message. */
typedef enum ts_pg_level {
    TS_PGL_NONE = 0,
    TS_PGL_DEBUG,
    TS_PGL_LOG,
    TS_PGL_INFO,
    TS_PGL_NOTICE,
    TS_PGL_WARNING,
    TS_PGL_ERROR,
    TS_PGL_FATAL,
    TS_PGL_PANIC,
    /* lines PostgreSQL writes after a message, as part of it */
    TS_PGL_DETAIL,
    TS_PGL_HINT,
    TS_PGL_QUERY,
    TS_PGL_CONTEXT,
    TS_PGL_LOCATION,
    TS_PGL_STATEMENT,
    TS_PGL_BACKTRACE,
    TS_PGL_COUNT
} ts_pg_level;

/* "LOG", "DETAIL", ...; NULL for TS_PGL_NONE. Static strings. */
const char *ts_pg_level_name(ts_pg_level level);

/* The level named s[0, len) ("LOG", "ERROR", ...), TS_PGL_NONE if none. */
ts_pg_level ts_pg_level_parse(const char *s, size_t len);

/* Whether lines of this level belong to the message before them. */
int ts_pg_level_is_attached(ts_pg_level level);

/* Where one value sits in the matched line. `set` says the escape was in
 * the matched part of the prefix; len may be 0. */
typedef struct ts_pg_span {
    size_t off;
    size_t len;
    int set;
} ts_pg_span;

/* The result of matching a line against a compiled prefix. */
typedef struct ts_pg_match {
    ts_pg_span field[TS_PGF_COUNT];
    size_t prefix_len;    /* bytes of the prefix; the level starts here */
    int short_form;       /* the line stops at %q (a non-session process) */
    ts_pg_level level;    /* LOG, ERROR, DETAIL, ... */
    size_t message_off;   /* first byte after "LEVEL:  " */
    int64_t time_us;      /* from %m, %n or %t; TS_UNKNOWN_TIME otherwise */
    int64_t pid;          /* %p, or -1 */
    int64_t session_line; /* %l, or -1 */
} ts_pg_match;

typedef struct ts_pg_prefix ts_pg_prefix;

/* Compiles a log_line_prefix exactly as PostgreSQL 15 expands it (padding
 * such as %-10u included; unknown escapes print nothing, as in the server).
 * *out is the caller's, released with ts_pg_prefix_free(). TS_EINVAL for a
 * prefix with a newline or over 4096 bytes, TS_ENOMEM. */
int ts_pg_prefix_compile(ts_pg_prefix **out, const char *prefix, ts_error *err);
void ts_pg_prefix_free(ts_pg_prefix *prefix);

/* Whether the prefix prints `field` (anywhere, before or after %q). */
int ts_pg_prefix_has(const ts_pg_prefix *prefix, ts_pg_field field);

/* Matches the start of line[0, len) (no newline in it) against the prefix
 * followed by a level and "  ": both the full prefix and, when the prefix
 * has %q, the part before %q. Free-text values (%a %u %d %i %b) end at the
 * first place where the rest of the line still matches. The prefix and
 * level must lie in the line's first 8 KiB. Never allocates.
 * Returns 1 and fills *out when the line matches, 0 when it does not. */
int ts_pg_prefix_match(const ts_pg_prefix *prefix, const char *line, size_t len,
                       ts_pg_match *out);

/* Whether a matched value says something: set, not empty, not the
 * "[unknown]" PostgreSQL prints for a user, database or application it
 * does not know yet. */
int ts_pg_span_said(const char *line, const ts_pg_span *span);

/* Parses a PostgreSQL log time "YYYY-MM-DD HH:MM:SS[.fff] ZONE" where ZONE
 * is UTC/GMT, a numeric offset (+03, -0530) or a common abbreviation (CEST,
 * EDT, ...). An unknown zone is taken as UTC. Returns 0, or -1 when the text
 * is not such a time. */
int ts_pg_time_parse(const char *text, size_t len, int64_t *out_us);

/* What a syslog daemon put before PostgreSQL's own line (pg_syslog.c). */
typedef struct ts_syslog_head {
    size_t body_off; /* where the server's line (its prefix) starts */
    int64_t pid;     /* ident[pid] or the RFC 5424 PROCID, -1 unknown */
    int64_t time_us; /* the syslog time when it has a year, else
                        TS_UNKNOWN_TIME */
    int64_t seq;     /* PostgreSQL's [seq-chunk] sequence number, or -1 */
    int chunk;       /* 1: a message's first line, > 1: a later line of it,
                        0: not numbered */
} ts_syslog_head;

/* Recognises a syslog header at the start of line[0, len) (BSD form,
 * rsyslog's high-precision form or RFC 5424, then PostgreSQL's "[n-m] ").
 * Returns 1 and fills *out when the line has one, else 0 (out->body_off
 * is then 0). Never allocates. */
int ts_syslog_parse(const char *line, size_t len, ts_syslog_head *out);

/* ------------------------------------------------------------------ */
/* pgAudit records (pgaudit.c)                                         */
/* ------------------------------------------------------------------ */

/* Extra bytes ts_pgaudit_parse needs in its output buffer beyond the
 * record's length (one NUL per field). */
#define TS_PGAUDIT_SLACK 16

/* One pgAudit record, fields unquoted. Strings point into the buffer given
 * to ts_pgaudit_parse; NULL when pgAudit logged nothing, "<none>",
 * "<not logged>" or "<previously logged>". */
typedef struct ts_pgaudit_record {
    const char *audit_type; /* SESSION or OBJECT */
    int64_t statement_id;
    int64_t substatement_id;
    const char *audit_class;
    const char *command;
    const char *object_type;
    const char *object_name;
    const char *statement;
    const char *parameter; /* the CSV list of values, outer quoting removed */
    int64_t rows;          /* pgaudit.log_rows, or -1 */
} ts_pgaudit_record;

/* Splits the text after "AUDIT: " (text[0, len), continuation tabs already
 * removed) into its 9 or 10 fields. buf must hold len + TS_PGAUDIT_SLACK
 * bytes. Returns 0, or -1 with *reason set to a static one-line message
 * ("pgAudit record: unterminated quoted field") for a malformed record. */
int ts_pgaudit_parse(const char *text, size_t len, char *buf,
                     ts_pgaudit_record *out, const char **reason);

/* Iterates over the values of a pgAudit PARAMETER list (as left in
 * ts_pgaudit_record.parameter). *cursor starts at the list; each call
 * unquotes one value into out (room for strlen of the list + 1) and sets
 * *out_len. Returns 1 for a value, 0 when the list is done, -1 when it is
 * malformed. A NULL parameter and an empty string both read as "". */
int ts_pgaudit_param_next(const char **cursor, char *out, size_t *out_len);

/* ------------------------------------------------------------------ */
/* Message meaning (pg_message.c)                                      */
/* ------------------------------------------------------------------ */

/* A bump allocator over a buffer whose room was reserved up front, so the
 * strings handed out never move while an event is being built. */
typedef struct ts_arena {
    char *data;
    size_t len;
    size_t size;
} ts_arena;

/* Copies s[0, len) with a NUL; NULL when the arena has no room left (the
 * reader sizes it so that this does not happen). */
const char *ts_arena_strndup(ts_arena *arena, const char *s, size_t len);

/* Takes bytes for a caller that writes them itself; NULL when no room. */
char *ts_arena_take(ts_arena *arena, size_t len);

/* Gives ev its kind and the fields the message text says (connections,
 * disconnections, authentication failures, pgAudit records, statements,
 * errors). ev already holds what the prefix said, which wins over the
 * message. msg is NUL-terminated, from the arena. */
void ts_pg_classify(ts_event *ev, ts_pg_level level, const char *msg,
                    size_t len, ts_arena *arena);

/* Finishes an event from a structured log (csvlog, jsonlog) whose fields
 * the reader already put in ev: parses the time text (ev->time_us), the
 * severity (ev->severity becomes the static name), sets ev->message and
 * classifies it with ts_pg_classify(). Any text may be NULL; message is
 * NUL-terminated. A time or severity that does not parse makes the event
 * TS_EVENT_UNPARSED with a reason. */
void ts_pg_structured_event(ts_event *ev, const char *time_text,
                            const char *severity, const char *message,
                            ts_arena *arena);

/* Sets ev's client host and port from csvlog's connection_from ("host:port"
 * or a bare host such as "[local]"; NULL: nothing), borrowing from it. */
void ts_pg_connection_from(ts_event *ev, const char *from, ts_arena *arena);

/* Reserves room for the strings of an event built from a record of len
 * bytes (three times the record) in scratch and points arena at it.
 * Returns -1 when that does not fit, leaving ev unparsed with a reason. */
int ts_pg_arena_for(ts_buf *scratch, size_t len, ts_arena *arena, ts_event *ev);

/* ------------------------------------------------------------------ */
/* MariaDB server_audit records (mariadb_record.c)                     */
/* ------------------------------------------------------------------ */

/* A piece of a record: s[0, len), not NUL-terminated. */
typedef struct ts_text {
    const char *s;
    size_t len;
} ts_text;

/* One server_audit line, split but not interpreted. Every piece points
 * into the text given to ts_mariadb_record_parse. */
typedef struct ts_mariadb_record {
    int64_t time_us; /* the server's local time, read as UTC */
    ts_text serverhost;
    ts_text user;
    ts_text host; /* without the ":port" of MariaDB 12 */
    ts_text port; /* len 0 when the host field had none */
    int64_t connection_id;
    int64_t query_id;
    ts_text operation; /* CONNECT, QUERY, READ, ... */
    ts_text database;
    ts_text object; /* a query still escaped (quotes removed), a table,
                       "table|db.table" for RENAME, or empty */
    int object_quoted;
    int has_retcode; /* TABLE records leave the retcode empty */
    int64_t retcode;
} ts_mariadb_record;

/* ts_mariadb_record_parse results besides 0. */
#define TS_MARIADB_BAD (-1)
#define TS_MARIADB_OPEN (-2) /* the quoted query does not end on this line */

/* Splits text[0, len) (one record, no trailing newline) into its fields.
 * Returns 0, or TS_MARIADB_BAD / TS_MARIADB_OPEN with *reason set to a
 * static one-line message. Never allocates. */
int ts_mariadb_record_parse(const char *text, size_t len,
                            ts_mariadb_record *out, const char **reason);

/* Whether text[0, len) starts like a record: "YYYYMMDD HH:MM:SS" and a
 * comma (digits only; the date itself is not checked). */
int ts_mariadb_is_head(const char *text, size_t len);

/* Undoes server_audit's escaping of a query (\' \\ \n \r \t) from
 * s[0, len) into out (room for len + 1 bytes) and NUL-terminates it.
 * Returns the unescaped length. */
size_t ts_mariadb_unescape(const char *s, size_t len, char *out);

/* Records longer than this are cut and sealed as unparsed pieces. */
#define TS_MARIADB_RECORD_LIMIT ((size_t)64 << 20)

/* Opens the MariaDB server_audit reader (mariadb_audit.c) over an input it
 * then owns (freed also on failure). config is NULL, "" or "UTC" when the
 * server ran in UTC, else the UTC offset of its local time ("+02:00",
 * "-0530"). See ts_source_open_file(). A record limit other than
 * TS_MARIADB_RECORD_LIMIT is for tests. */
int ts_mariadb_audit_open_input(ts_source **out, const char *config,
                                ts_input *in, size_t record_limit,
                                ts_error *err);

/* Like ts_mariadb_audit_open_input() over an open descriptor, which the
 * source then owns when own_fd is set. `name` is used in messages. */
int ts_mariadb_audit_open_fd(ts_source **out, const char *config, int fd,
                             int own_fd, const char *name, size_t record_limit,
                             ts_error *err);

/* ------------------------------------------------------------------ */
/* MySQL-family statements and errors (my_sql.c)                       */
/* ------------------------------------------------------------------ */

/* What the first keywords of a statement say: the command ("SELECT",
 * "CREATE TABLE", "GRANT", ...) written into cmd (room for
 * TS_MY_COMMAND_SIZE bytes; "" when the text starts with no keyword) and
 * its pgAudit-style class (READ, WRITE, DDL, ROLE, FUNCTION, MISC), a
 * static string. Skips leading spaces, comments and parentheses. */
#define TS_MY_COMMAND_SIZE 64
const char *ts_my_command(const char *sql, size_t len, char *cmd);

/* What is known about a MySQL/MariaDB error number. */
typedef struct ts_my_error {
    const char *name;     /* ER_TABLEACCESS_DENIED_ERROR, or NULL */
    const char *sqlstate; /* the server's SQLSTATE, or NULL when unknown */
    int permission;       /* a privilege check failed */
} ts_my_error;

/* Looks up an error number; unknown numbers give all-NULL/0 fields. */
ts_my_error ts_my_error_lookup(int64_t code);

/* ------------------------------------------------------------------ */
/* MySQL-family sessions (my_session.c)                                */
/* ------------------------------------------------------------------ */

/* Open connections of one reader: connection id -> connect time. MySQL
 * servers number connections from 1 again at every start, so readers add
 * the connect time to session ids when they saw it. Embedded, zeroed to
 * start; ts_my_conns_release frees it. */
typedef struct ts_my_conns {
    struct ts_my_conn_slot *slots;
    size_t n_slots;
    size_t n;
} ts_my_conns;

/* Remembers (or renews) when connection id started. Past 2^20 open
 * connections, or out of memory, the table starts over. */
void ts_my_conns_put(ts_my_conns *c, int64_t id, int64_t start_us);
/* 1 with *start_us when id is open, else 0. */
int ts_my_conns_get(const ts_my_conns *c, int64_t id, int64_t *start_us);
void ts_my_conns_remove(ts_my_conns *c, int64_t id);
void ts_my_conns_release(ts_my_conns *c);

/* "2026-11-22T10:15:00Z" (the fraction only when there is one) into buf
 * (at least 32 bytes): the connect time in a session id. */
void ts_my_time_id(int64_t us, char *buf, size_t size);

/* printf into the arena, NUL-terminated; NULL when it does not fit. */
const char *ts_arena_printf(ts_arena *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------ */
/* MySQL-family events (my_event.c)                                    */
/* ------------------------------------------------------------------ */

/* Strings given to these functions and set in events are borrowed: they
 * must outlive the event (the reader's arena or record). */

/* "create_table" -> "CREATE TABLE" in the arena; NULL for NULL. */
const char *ts_my_sql_command(ts_arena *arena, const char *s);

/* "priv_user[user] @ host [ip]" -> "priv_user"; a plain name as is. */
const char *ts_my_account_of(ts_arena *arena, const char *user);

/* Sets ev's pid and session id for connection conn (<= 0: none):
 * "conn@connect-time" when the connect was seen (starts: this event is
 * it), else "conn". ends: a disconnection, which gets the session time. */
void ts_my_session(ts_my_conns *conns, ts_event *ev, int64_t conn, int starts,
                   int ends, ts_arena *arena);

/* A login: connection_authorized when status is 0, else auth_failure with
 * the error's SQLSTATE and name. */
void ts_my_login_event(ts_event *ev, int64_t status, ts_arena *arena);

/* A statement: kind statement when status is 0 (or unknown), else error,
 * privilege errors with SQLSTATE 42501 and "permission denied ...".
 * command from cmd_class ("create_table") when given, else from the text;
 * audit_class from the text. */
void ts_my_statement_event(ts_event *ev, const char *sql, int64_t status,
                           const char *cmd_class, ts_arena *arena);

/* ts_time_parse of s, or TS_UNKNOWN_TIME. */
int64_t ts_my_parse_time(const char *s);

/* One Percona audit_log record, from JSON or CSV (NULL: empty or absent). */
typedef struct ts_percona_record {
    const char *name; /* Query, Connect, Quit, Change user, Audit, ... */
    const char *timestamp;
    const char *command_class; /* general records: select, create_table */
    const char *sqltext;
    int has_sqltext; /* a general record (it has the field, maybe empty) */
    const char *user;
    const char *priv_user;
    const char *host;
    const char *ip;
    const char *db;
    int64_t connection_id; /* -1 unknown */
    int64_t status;        /* -1 unknown */
} ts_percona_record;

/* Maps a Percona record to ev. */
void ts_percona_event(ts_event *ev, const ts_percona_record *r,
                      ts_my_conns *conns, ts_arena *arena);

/* Opens the JSON reader (mysql_json.c) as format "mysql-audit-json" or
 * "percona-audit-json" (the same reader: each object is mapped by its
 * shape), over an input it then owns (freed also on failure), or over a
 * descriptor like ts_mariadb_audit_open_fd(). See ts_source_open_file(). */
int ts_mysql_json_open_input(ts_source **out, const char *format, ts_input *in,
                             size_t record_limit, ts_error *err);
int ts_mysql_json_open_fd(ts_source **out, const char *format, int fd,
                          int own_fd, const char *name, size_t record_limit,
                          ts_error *err);

/* --format auto for the MySQL family (my_detect.c): "mariadb-audit",
 * "mysql-audit-json", "percona-audit-json", "percona-audit-csv" when the
 * first bytes head[0, len) are written in one of them, else NULL. Ask it
 * before a PostgreSQL jsonlog test: both start with {"timestamp". */
const char *ts_my_format_detect(const uint8_t *head, size_t len);

/* Opens the Percona audit_log CSV reader (percona_csv.c), owning what it is
 * given like the JSON reader's openers above. */
int ts_percona_csv_open_input(ts_source **out, ts_input *in,
                              size_t record_limit, ts_error *err);
int ts_percona_csv_open_fd(ts_source **out, int fd, int own_fd,
                           const char *name, size_t record_limit,
                           ts_error *err);

/* ------------------------------------------------------------------ */
/* Readers                                                             */
/* ------------------------------------------------------------------ */

/* Records longer than this are cut and sealed as unparsed pieces. */
#define TS_PG_RECORD_LIMIT ((size_t)64 << 20)

/* Opens the PostgreSQL stderr reader over path ("-" for stdin) with the
 * server's log_line_prefix. See ts_source_open_file(). */
int ts_pg_stderr_open(ts_source **out, const char *prefix, const char *path,
                      ts_error *err);

/* Like ts_pg_stderr_open() over an open descriptor, which the source then
 * owns when own_fd is set. `name` is used in messages. A record limit
 * other than TS_PG_RECORD_LIMIT is for tests. */
int ts_pg_stderr_open_fd(ts_source **out, const char *prefix, int fd,
                         int own_fd, const char *name, size_t record_limit,
                         ts_error *err);

/* The csvlog reader (pg_csvlog.c) and jsonlog reader (pg_jsonlog.c) over an
 * input they then own (freed also on failure). record_limit as above. */
int ts_pg_csvlog_open_input(ts_source **out, ts_input *in, size_t record_limit,
                            ts_error *err);
int ts_pg_jsonlog_open_input(ts_source **out, ts_input *in, size_t record_limit,
                             ts_error *err);

/* The stderr reader over an input it then owns (freed also on failure). */
int ts_pg_stderr_open_input(ts_source **out, const char *prefix, ts_input *in,
                            size_t record_limit, ts_error *err);

/* Recognises a format from the first bytes of a stream (format_detect.c):
 * the first of the first 16 lines that matches the stderr prefix (when
 * one is given; plain or wrapped by syslog), a jsonlog or a csvlog line,
 * or, without a prefix, a line of a known prefix (Amazon RDS's
 * "%t:%r:%u@%d:[%p]:") decides; else
 * "pg-stderr" when a prefix is given. *out_prefix is the prefix to read a
 * stderr log with (static or the one given). NULL when nothing fits, with a
 * one-line reason in *why (static). */
const char *ts_format_detect(const uint8_t *head, size_t len,
                             const char *prefix, const char **out_prefix,
                             const char **why);

/* ------------------------------------------------------------------ */
/* Proxy JSON lines (proxy_jsonl.c, jsonl_value.c)                     */
/* ------------------------------------------------------------------ */

struct json_t;

/* Most events one line may be split into; further events of the line stay
 * in its last piece (see ts_jsonl_mapper.split). */
#define TS_JSONL_MAX_PIECES 4096

/* What a format adds to the shared JSON-lines reader. */
typedef struct ts_jsonl_mapper {
    const char *format; /* static name, e.g. "teleport-audit" */
    /* NULL, or: how many events the line's object doc holds (>= 1). For n
     * > 1, ends[i] (i < n - 1) is where piece i ends in line[0, len) (no
     * newline), strictly increasing; the last piece runs to the end of
     * the line. At most max pieces. */
    size_t (*split)(void *ctx, struct json_t *doc, const char *line, size_t len,
                    size_t *ends, size_t max);
    /* Fills ev (kind already TS_EVENT_LOG) from piece i of doc. Strings may
     * borrow from doc, which lives until the line's last piece is done, or
     * come from the arena (room for twice the line). */
    void (*event)(void *ctx, struct json_t *doc, size_t i, ts_event *ev,
                  ts_arena *arena);
    void (*free)(void *ctx); /* NULL, or releases ctx */
    void *ctx;
} ts_jsonl_mapper;

/* Opens the JSON-lines reader over an input it then owns, with a copy of
 * *mapper whose ctx it then owns too (both freed also on failure). config
 * is recorded in the source and its key. */
int ts_jsonl_open_input(ts_source **out, const ts_jsonl_mapper *mapper,
                        const char *config, ts_input *in, size_t record_limit,
                        ts_error *err);

/* A string member, NULL when absent, not a string or empty. */
const char *ts_jv_str(struct json_t *obj, const char *key);

/* An integer given as a JSON integer or a string of digits; -1 otherwise. */
int64_t ts_jv_int(struct json_t *obj, const char *key);

/* The value at a dotted path ("addr.remote" is first tried as one key, then
 * as addr -> remote), NULL when absent. */
struct json_t *ts_jv_path(struct json_t *obj, const char *path);

/* Any scalar as text: strings as they are, numbers and booleans printed
 * into the arena; NULL for null, objects, arrays and empty strings. */
const char *ts_jv_text(struct json_t *v, ts_arena *arena);

/* Array of scalars as "a,b,c" in the arena (a scalar alone as itself);
 * NULL when empty or not an array. */
const char *ts_jv_list(struct json_t *v, ts_arena *arena);

/* A time as ISO 8601 text (ts_time_parse, plus RFC 3339's nanoseconds and
 * a "+00" zone), or TS_UNKNOWN_TIME. Times before 1970 or after 9999 are
 * impossible for a log and read as unknown. */
int64_t ts_jv_time(const char *text);

/* The proxy readers' mappers (teleport_audit.c, hoop_audit.c, rds_das.c,
 * generic_jsonl.c). The generic one parses its mapping text (see
 * schemas/generic-jsonl.md) and fails with TS_EINVAL and a "line N: why"
 * message when it is wrong. */
void ts_teleport_mapper(ts_jsonl_mapper *out);
void ts_hoop_mapper(ts_jsonl_mapper *out);
void ts_rds_das_mapper(ts_jsonl_mapper *out);
int ts_generic_mapper(ts_jsonl_mapper *out, const char *mapping, ts_error *err);

/* CloudNativePG's JSON log lines (cnpg_json.c): format "cnpg-json". */
void ts_cnpg_mapper(ts_jsonl_mapper *out);

/* --format auto for the proxies (proxy_detect.c): "teleport-audit",
 * "hoop-audit", "rds-das" or "cnpg-json" when the first line of head[0, len) is
 * written in one of them, else NULL. */
const char *ts_proxy_format_detect(const uint8_t *head, size_t len);

#endif
