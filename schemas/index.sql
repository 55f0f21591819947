-- trailseal index schema: the interpretation of sealed entries.
-- Everything here can be recomputed from the chain (trailseal reindex).
-- Times are microseconds since the Unix epoch, UTC. `seq` is the entry index
-- in the Merkle log: `trailseal prove --index <seq>` proves the entry.

CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,        -- hex SHA-256 of format, config, first line
    name TEXT NOT NULL,              -- path (or "-") it was last read from
    format TEXT NOT NULL,            -- e.g. pg-stderr
    config TEXT NOT NULL,            -- e.g. the log_line_prefix
    cursor_position INTEGER NOT NULL DEFAULT 0, -- bytes sealed so far
    cursor_line INTEGER NOT NULL DEFAULT 1,     -- next line number
    sealed_sha256 BLOB,              -- SHA-256 of the source's bytes before the cursor
    n_entries INTEGER NOT NULL DEFAULT 0,
    first_seq INTEGER,
    last_seq INTEGER,
    first_ingested_us INTEGER,
    last_ingested_us INTEGER
);

CREATE TABLE IF NOT EXISTS event_kinds (
    kind INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,         -- entry index in the chain
    source_id INTEGER NOT NULL REFERENCES sources(id),
    line INTEGER NOT NULL,           -- first line of the entry in its source
    kind INTEGER NOT NULL REFERENCES event_kinds(kind),
    time_us INTEGER,
    pid INTEGER,
    session_id TEXT,
    session_line INTEGER,
    account TEXT,
    database TEXT,
    application TEXT,
    client_host TEXT,
    client_port TEXT,
    severity TEXT,
    sqlstate TEXT,
    message TEXT,
    detail TEXT,
    query TEXT,
    audit_type TEXT,
    statement_id INTEGER,
    substatement_id INTEGER,
    audit_class TEXT,
    command TEXT,
    object_type TEXT,
    object_name TEXT,
    object_table TEXT,               -- object_name after its schema, lowercased
    statement TEXT,
    parameter TEXT,
    tls_protocol TEXT,
    tls_cipher TEXT,
    session_duration_us INTEGER,
    unparsed_reason TEXT,
    -- SQL analysis (see "SQL analysis" below) --
    template_id INTEGER REFERENCES templates(id), -- NULL: no statement analysed
    template_repeat INTEGER, -- 1: a further pgAudit row of a statement already
                             -- counted (one row per object); NULL otherwise
    -- end SQL analysis --
    -- proxies (Teleport, hoop.dev, generic JSON lines): who is behind the
    -- proxy, apart from the database account it used --
    principal TEXT,       -- the proxy's user: a person's login, a bot's name
    principal_kind TEXT   -- human | agent | service; NULL when not said
    -- end proxies --
);
-- Every index ends with seq (SQLite appends the rowid), so an equality on
-- its column plus a seq range walks it in entry order and can stop at LIMIT.
CREATE INDEX IF NOT EXISTS events_by_account ON events(account);
CREATE INDEX IF NOT EXISTS events_by_session ON events(session_id);
CREATE INDEX IF NOT EXISTS events_by_kind ON events(kind);
CREATE INDEX IF NOT EXISTS events_by_command ON events(command)
    WHERE command IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_database ON events(database)
    WHERE database IS NOT NULL;
-- Objects by their unqualified, lowercased name ("public.Customers" ->
-- "customers"): serves both `--object customers` and, with a check on the
-- whole name, `--object public.customers`.
CREATE INDEX IF NOT EXISTS events_by_object ON events(object_table)
    WHERE object_table IS NOT NULL;
-- Proxy events by the person or agent behind them (`search --principal`).
CREATE INDEX IF NOT EXISTS events_by_principal ON events(principal)
    WHERE principal IS NOT NULL;

-- The time span of each run of 1024 entries (bucket = seq >> 10), so a time
-- range becomes a seq range that every index above can seek: entries are
-- sealed in each source's order, so spans barely overlap. min/max are NULL
-- when no event of the bucket has a time.
CREATE TABLE IF NOT EXISTS event_spans (
    bucket INTEGER PRIMARY KEY,
    min_time_us INTEGER,
    max_time_us INTEGER
);

-- Full text over what people search for: statement text, object, message.
-- An audit event's message is its pgAudit record, which repeats the
-- statement: store/index.c indexes it for every kind of event but audit,
-- halving the full-text index (its content is still in events.message).
CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(
    statement, object_name, message,
    content='events', content_rowid='seq');

-- One row per database session (PostgreSQL %c session id).
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    source_id INTEGER REFERENCES sources(id),
    pid INTEGER,
    account TEXT,
    database TEXT,
    application TEXT,
    client_host TEXT,
    tls_protocol TEXT,
    tls_cipher TEXT,
    started_us INTEGER,
    ended_us INTEGER,
    n_events INTEGER NOT NULL DEFAULT 0,
    n_statements INTEGER NOT NULL DEFAULT 0,
    auth_failed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_by_start ON sessions(started_us);
CREATE INDEX IF NOT EXISTS sessions_by_account
    ON sessions(account, started_us);

-- One row per database account seen.
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    first_seen_us INTEGER,
    last_seen_us INTEGER,
    n_events INTEGER NOT NULL DEFAULT 0,
    n_statements INTEGER NOT NULL DEFAULT 0,
    n_auth_failures INTEGER NOT NULL DEFAULT 0
);

-- Completeness. Sources number their own records: PostgreSQL's %l and
-- csvlog's session_line_num count every line a session logs, pgAudit's
-- statement id counts every statement it logged in a session. A number
-- skipped means records missing from what was ingested; one going back
-- means records repeated or out of order. These facts are derived from the
-- entries like every index table; verify reports them beside its verdict.

-- Where each session's numbering stood after its newest record.
CREATE TABLE IF NOT EXISTS session_sequences (
    session_id TEXT PRIMARY KEY,
    source_id INTEGER NOT NULL,  -- the source of its newest record
    seq INTEGER NOT NULL,        -- entry index of its newest record
    session_line INTEGER,        -- its last line number, NULL none
    statement_id INTEGER         -- its last pgAudit statement id, NULL none
);

CREATE TABLE IF NOT EXISTS completeness_facts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,          -- gap | reordered | began_earlier
    sequence TEXT NOT NULL,      -- session_line | pgaudit_statement_id
    session_id TEXT NOT NULL,
    source_id INTEGER NOT NULL,  -- where the number was found
    seq INTEGER NOT NULL,        -- entry index where it was found
    prev_source_id INTEGER,      -- the session's record before, if any
    prev_seq INTEGER,
    expected INTEGER,            -- the number that should have come
    found INTEGER NOT NULL
);

-- Log rotation: sessions whose records continue from one source (a file
-- before rotation) into another, with no number skipped between them.
CREATE TABLE IF NOT EXISTS source_continuations (
    prev_source_id INTEGER NOT NULL,
    source_id INTEGER NOT NULL,
    sessions INTEGER NOT NULL,   -- sessions carried across
    first_seq INTEGER NOT NULL,  -- entry index of the first carried record
    PRIMARY KEY (prev_source_id, source_id)
);

-- Documented views: what reports and auditors query.
CREATE VIEW IF NOT EXISTS v_events AS
SELECT e.seq AS entry_index,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.time_us / 1e6, 'unixepoch') AS time,
       e.time_us, k.name AS kind, s.name AS source, e.line,
       e.session_id, e.pid, e.account, e.database, e.application,
       e.client_host, e.severity, e.sqlstate, e.message, e.detail, e.query,
       e.audit_type, e.statement_id, e.substatement_id, e.audit_class,
       e.command, e.object_type, e.object_name, e.statement, e.parameter,
       e.tls_protocol, e.tls_cipher, e.session_duration_us, e.unparsed_reason,
       e.principal, e.principal_kind
FROM events e
JOIN event_kinds k ON k.kind = e.kind
JOIN sources s ON s.id = e.source_id;

CREATE VIEW IF NOT EXISTS v_audit AS
SELECT * FROM v_events WHERE kind = 'audit';

CREATE VIEW IF NOT EXISTS v_failed_logins AS
SELECT * FROM v_events WHERE kind = 'auth_failure';

CREATE VIEW IF NOT EXISTS v_permission_denied AS
SELECT * FROM v_events
WHERE kind = 'error' AND (sqlstate = '42501' OR message LIKE 'permission denied%');

-- Privileged and DDL activity: DDL and ROLE classes, plus statements that
-- change ownership or privileges whatever their class.
CREATE VIEW IF NOT EXISTS v_privileged AS
SELECT * FROM v_events
WHERE kind = 'audit'
  AND (audit_class IN ('DDL', 'ROLE')
       OR command IN ('GRANT', 'REVOKE', 'ALTER ROLE', 'CREATE ROLE',
                      'DROP ROLE', 'ALTER SYSTEM', 'TRUNCATE TABLE'));

CREATE VIEW IF NOT EXISTS v_completeness AS
SELECT f.kind, f.sequence, f.session_id, s.name AS source, f.seq AS entry_index,
       p.name AS previous_source, f.prev_seq AS previous_entry_index,
       f.expected, f.found
FROM completeness_facts f
JOIN sources s ON s.id = f.source_id
LEFT JOIN sources p ON p.id = f.prev_source_id;

-- ------------------------------------------------------------------
-- SQL analysis: each statement's template and what it reads and writes.
-- Filled from the events of an analysing source (ingest/analyzing_source.c);
-- recomputable like everything here. Objects are "schema.table" or
-- "schema.table.column" as the analysis resolved them (with a catalog,
-- `*` and views are expanded; without, unqualified names get the search
-- path's first schema, "public").
-- ------------------------------------------------------------------

-- One row per distinct template (literals and parameters as $1, $2...).
CREATE TABLE IF NOT EXISTS templates (
    id INTEGER PRIMARY KEY,
    fingerprint INTEGER NOT NULL UNIQUE, -- 64-bit hash, as a signed integer
    template TEXT NOT NULL,
    class TEXT NOT NULL,        -- read | write | ddl | role | misc | unknown
    command TEXT                -- SELECT, INSERT, ...; UNKNOWN when unparsed
);

-- What each template reads and writes, at table and column level.
CREATE TABLE IF NOT EXISTS template_access (
    template_id INTEGER NOT NULL REFERENCES templates(id),
    object TEXT NOT NULL,       -- schema.table or schema.table.column
    level TEXT NOT NULL,        -- table | column
    access TEXT NOT NULL,       -- read | write
    PRIMARY KEY (template_id, level, access, object)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS template_access_by_object
    ON template_access(object, access);
CREATE INDEX IF NOT EXISTS events_by_template ON events(template_id)
    WHERE template_id IS NOT NULL;

-- Which account read or wrote which column, one row per statement and
-- column (pgAudit's repeated per-object rows counted once): entry_index
-- proves the statement's entry (`trailseal prove --index`).
CREATE VIEW IF NOT EXISTS v_column_access AS
SELECT e.seq AS entry_index,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.time_us / 1e6, 'unixepoch') AS time,
       e.account, e.session_id, e.application, a.object AS "column", a.access
FROM events e
JOIN template_access a ON a.template_id = e.template_id AND a.level = 'column'
WHERE e.template_id IS NOT NULL AND e.template_repeat IS NULL;

-- The same at table level.
CREATE VIEW IF NOT EXISTS v_table_access AS
SELECT e.seq AS entry_index,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.time_us / 1e6, 'unixepoch') AS time,
       e.account, e.session_id, e.application, a.object AS "table", a.access
FROM events e
JOIN template_access a ON a.template_id = e.template_id AND a.level = 'table'
WHERE e.template_id IS NOT NULL AND e.template_repeat IS NULL;
-- end SQL analysis --
