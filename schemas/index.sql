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

-- Every event, in two tables (layout 15): event_rows holds the columns a
-- pgAudit record fills, event_details the rest, only for an event that has
-- any of them (connections, errors, proxies' and MariaDB's records: at 1M
-- generated pgAudit events, 34 thousand). SQLite writes a byte of header
-- for each column of a row, NULL or not, so the 41 columns of one table
-- (layouts before 15) cost a pgAudit event ~22 bytes of NULLs alone: at
-- 1M events that table took 112.0 MB, event_rows and event_details take
-- 87.5 and 5.4 (docs/PERFORMANCE.md, "Index layout 15"). The view
-- `events` below joins the two with the columns, names and order of that
-- table: read it, and write it (its triggers) when speed does not matter;
-- ingest writes the tables. A query that groups reads event_rows when it
-- can: SQLite keeps the view's joins there even when no column of
-- event_details is read. The session, pid, account and database of an
-- event are in event_identities (layout 16, below), its audit class and
-- command in event_commands (layout 17).
CREATE TABLE IF NOT EXISTS event_rows (
    seq INTEGER PRIMARY KEY,         -- entry index in the chain
    source_id INTEGER NOT NULL REFERENCES sources(id),
    line INTEGER NOT NULL,           -- first line of the entry in its source
    kind INTEGER NOT NULL REFERENCES event_kinds(kind),
    time_us INTEGER,
    identity_id INTEGER,  -- its (session_id, pid, account, database) in
                          -- event_identities (layout 16); NULL: none of
                          -- them
    session_line INTEGER,
    statement_id INTEGER,
    substatement_id INTEGER,
    command_id INTEGER,   -- its (audit_class, command) in event_commands
                          -- (layout 17); NULL: neither
    privileged INTEGER,   -- 1: a privileged or DDL statement (the term of
                          -- event_commands.privileged); NULL otherwise
    parameter TEXT,       -- pgAudit's parameters, redacted ("?,?"): in a
                          -- fifth of the generated records, so here
    principal TEXT,       -- a proxy's user (event_details.principal_kind
                          -- says what it is): here, as who and search read
                          -- it for every event they walk
    -- SQL analysis (see "SQL analysis" below) --
    template_id INTEGER REFERENCES templates(id), -- NULL: no statement analysed
    template_repeat INTEGER, -- 1: a further pgAudit row of a statement already
                             -- counted (same session, statement id and
                             -- text: one row per object, or per part of a
                             -- CREATE TABLE AS / COPY (query)); NULL otherwise
    -- end SQL analysis --
    rows INTEGER,         -- pgAudit's rows (pgaudit.log_rows): rows returned
                          -- or affected; NULL when not logged
    text_id INTEGER,      -- a pgAudit record's (statement, object_name) in
                          -- event_texts, where full text finds it (layout
                          -- 4); NULL: the event has its own events_fts row
    origin_id INTEGER     -- its (application, client_host, client_port) in
                          -- event_origins (layout 6); NULL: none of them
);

-- Who and where an event ran: each distinct (session_id, pid, account,
-- database) once, events pointing at it by identity_id (layout 16). The
-- four follow the session, so a pgAudit record's row loses about 30 bytes
-- of texts to a 2- or 3-byte id (1M generated events: 15 thousand rows;
-- docs/PERFORMANCE.md, "Index layout 16"). The view events joins it; a
-- reader of event_rows joins it too, or groups by identity_id first.
CREATE TABLE IF NOT EXISTS event_identities (
    id INTEGER PRIMARY KEY,
    session_id TEXT,
    pid INTEGER,
    account TEXT,
    database TEXT
);
-- Finds a tuple (store/index.c's writer, the view's insert trigger, the
-- upgrade): a session has one tuple, or a few.
CREATE INDEX IF NOT EXISTS event_identities_by_session
    ON event_identities(session_id, account);

-- What kind of statement an event ran: each distinct (audit_class,
-- command) once, events pointing at it by command_id (layout 17): a
-- pgAudit record's row loses ~10 bytes of texts to a 1-byte id
-- (docs/PERFORMANCE.md, "Index layout 17"). privileged is 1 for the
-- privileged and DDL statements: the DDL and ROLE classes, and the
-- statements that change ownership or privileges whatever their class.
-- That term is written four times, the same: here (the view's insert
-- trigger), store/index.c (privileged_statement), store/store.c (the
-- upgrade's PRIVILEGED_SQL) and test_event_tables' check of the three.
CREATE TABLE IF NOT EXISTS event_commands (
    id INTEGER PRIMARY KEY,
    audit_class TEXT,
    command TEXT,
    privileged INTEGER  -- 1 or NULL, as event_rows.privileged
);
-- Finds a pair (store/index.c's writer, the view's insert trigger, the
-- upgrade).
CREATE INDEX IF NOT EXISTS event_commands_by_command
    ON event_commands(command, audit_class);

CREATE TABLE IF NOT EXISTS event_details (
    seq INTEGER PRIMARY KEY,         -- event_rows.seq
    application TEXT,                -- these three are NULL when origin_id
    client_host TEXT,                -- says them (layout 6); v_events has
    client_port TEXT,                -- them either way
    severity TEXT,                   -- NULL, as are audit_type,
    sqlstate TEXT,                   -- object_type, object_name and
                                     -- object_table, when text_id says
                                     -- them (layout 11); v_events has
                                     -- them either way
    message TEXT,                    -- NULL for a pgAudit record ("AUDIT:
                                     -- SESSION,..."): its fields are the
                                     -- audit_type .. parameter columns, the
                                     -- record itself is in the chain
    detail TEXT,
    query TEXT,
    audit_type TEXT,
    object_type TEXT,
    object_name TEXT,
    object_table TEXT,               -- object_name after its schema,
                                     -- lowercased
    statement TEXT,                  -- NULL for a pgAudit record: its
                                     -- statement is in event_texts
                                     -- (text_id); v_events has it
    tls_protocol TEXT,
    tls_cipher TEXT,
    session_duration_us INTEGER,
    unparsed_reason TEXT,
    -- proxies (Teleport, hoop.dev, generic JSON lines): who is behind the
    -- proxy, apart from the database account it used (event_rows.principal:
    -- a person's login, a bot's name), and what it is --
    principal_kind TEXT,  -- human | agent | service; NULL when not said
    -- collectors --
    auth_identity TEXT,   -- "connection authenticated: identity=..." (PG 14+):
                          -- what authentication proved (Kerberos principal,
                          -- certificate DN, the role for passwords)
    auth_method TEXT      -- its method: md5, scram-sha-256, gss, cert, ...
);

CREATE VIEW IF NOT EXISTS events AS
SELECT r.seq, r.source_id, r.line, r.kind, r.time_us, i.pid, i.session_id,
       r.session_line, i.account, i.database, d.application, d.client_host,
       d.client_port, d.severity, d.sqlstate, d.message, d.detail, d.query,
       d.audit_type, r.statement_id, r.substatement_id, c.audit_class,
       c.command, d.object_type, d.object_name, d.object_table, d.statement,
       r.parameter, d.tls_protocol, d.tls_cipher, d.session_duration_us,
       d.unparsed_reason, r.template_id, r.template_repeat, r.principal,
       d.principal_kind, r.rows, d.auth_identity, d.auth_method, r.text_id,
       r.origin_id
FROM event_rows r
LEFT JOIN event_identities i ON i.id = r.identity_id
LEFT JOIN event_commands c ON c.id = r.command_id
LEFT JOIN event_details d ON d.seq = r.seq;

-- Writing the view: a row of event_details only when the event has a
-- value for one of its columns, as ingest writes them.
CREATE TRIGGER IF NOT EXISTS events_insert INSTEAD OF INSERT ON events
BEGIN
    INSERT INTO event_identities(session_id, pid, account, database)
    SELECT NEW.session_id, NEW.pid, NEW.account, NEW.database
    WHERE coalesce(NEW.session_id, NEW.pid, NEW.account, NEW.database)
        IS NOT NULL AND NOT EXISTS (SELECT 1 FROM event_identities
            WHERE session_id IS NEW.session_id AND account IS NEW.account
            AND pid IS NEW.pid AND database IS NEW.database);
    INSERT INTO event_commands(audit_class, command, privileged)
    SELECT NEW.audit_class, NEW.command,
        CASE WHEN NEW.audit_class = 'DDL' OR NEW.audit_class = 'ROLE'
            OR NEW.command = 'GRANT' OR NEW.command = 'REVOKE'
            OR NEW.command = 'ALTER ROLE' OR NEW.command = 'CREATE ROLE'
            OR NEW.command = 'DROP ROLE' OR NEW.command = 'ALTER SYSTEM'
            OR NEW.command = 'TRUNCATE TABLE' THEN 1 END
    WHERE coalesce(NEW.audit_class, NEW.command) IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM event_commands
            WHERE command IS NEW.command AND audit_class IS NEW.audit_class);
    INSERT INTO event_rows(seq, source_id, line, kind, time_us, identity_id,
        session_line, statement_id,
        substatement_id, command_id, privileged, parameter, principal,
        template_id, template_repeat, rows, text_id, origin_id)
    VALUES(NEW.seq, NEW.source_id, NEW.line, NEW.kind, NEW.time_us,
        (SELECT id FROM event_identities WHERE session_id IS NEW.session_id
            AND account IS NEW.account AND pid IS NEW.pid
            AND database IS NEW.database),
        NEW.session_line, NEW.statement_id, NEW.substatement_id,
        (SELECT id FROM event_commands WHERE command IS NEW.command
            AND audit_class IS NEW.audit_class),
        (SELECT privileged FROM event_commands WHERE command IS NEW.command
            AND audit_class IS NEW.audit_class),
        NEW.parameter, NEW.principal, NEW.template_id, NEW.template_repeat,
        NEW.rows, NEW.text_id, NEW.origin_id);
    INSERT INTO event_details(seq, application, client_host, client_port,
        severity, sqlstate, message, detail, query, audit_type, object_type,
        object_name, object_table, statement, tls_protocol,
        tls_cipher, session_duration_us, unparsed_reason, principal_kind,
        auth_identity, auth_method)
    SELECT last_insert_rowid(), NEW.application, NEW.client_host,
        NEW.client_port, NEW.severity, NEW.sqlstate, NEW.message, NEW.detail,
        NEW.query, NEW.audit_type, NEW.object_type, NEW.object_name,
        NEW.object_table, NEW.statement, NEW.tls_protocol,
        NEW.tls_cipher, NEW.session_duration_us, NEW.unparsed_reason,
        NEW.principal_kind, NEW.auth_identity, NEW.auth_method
    WHERE coalesce(NEW.application, NEW.client_host, NEW.client_port,
        NEW.severity, NEW.sqlstate, NEW.message, NEW.detail, NEW.query,
        NEW.audit_type, NEW.object_type, NEW.object_name, NEW.object_table,
        NEW.statement, NEW.tls_protocol, NEW.tls_cipher,
        NEW.session_duration_us, NEW.unparsed_reason, NEW.principal_kind,
        NEW.auth_identity, NEW.auth_method) IS NOT NULL;
END;

-- An update is a delete and an insert through the view, the insert
-- trigger above deciding again whether the event has details.
CREATE TRIGGER IF NOT EXISTS events_update INSTEAD OF UPDATE ON events
BEGIN
    DELETE FROM event_rows WHERE seq = OLD.seq;
    DELETE FROM event_details WHERE seq = OLD.seq;
    INSERT INTO events VALUES(NEW.seq, NEW.source_id, NEW.line, NEW.kind,
        NEW.time_us, NEW.pid, NEW.session_id, NEW.session_line, NEW.account,
        NEW.database, NEW.application, NEW.client_host, NEW.client_port,
        NEW.severity, NEW.sqlstate, NEW.message, NEW.detail, NEW.query,
        NEW.audit_type, NEW.statement_id, NEW.substatement_id,
        NEW.audit_class, NEW.command, NEW.object_type, NEW.object_name,
        NEW.object_table, NEW.statement, NEW.parameter, NEW.tls_protocol,
        NEW.tls_cipher, NEW.session_duration_us, NEW.unparsed_reason,
        NEW.template_id, NEW.template_repeat, NEW.principal,
        NEW.principal_kind, NEW.rows, NEW.auth_identity, NEW.auth_method,
        NEW.text_id, NEW.origin_id);
END;

CREATE TRIGGER IF NOT EXISTS events_delete INSTEAD OF DELETE ON events
BEGIN
    DELETE FROM event_rows WHERE seq = OLD.seq;
    DELETE FROM event_details WHERE seq = OLD.seq;
END;

-- Every index ends with seq (SQLite appends the rowid), so an equality on
-- its column plus a seq range walks it in entry order and can stop at LIMIT.
CREATE INDEX IF NOT EXISTS events_by_kind ON event_rows(kind);
-- session_id has no index: its events are in event_postings below (layout
-- 12).
-- account has no index: its events are in event_postings below (layout 8).
-- command and database have no index: their events are in event_postings
-- below (layout 10).
-- Objects by their unqualified, lowercased name ("public.Customers" ->
-- "customers"), object_table, serve both `--object customers` and, with a
-- check on the whole name, `--object public.customers`: their events are
-- in event_postings below (field 'object').
-- Proxy events by the person or agent behind them (`search --principal`).
CREATE INDEX IF NOT EXISTS events_by_principal ON event_rows(principal)
    WHERE principal IS NOT NULL;
-- Privileged and DDL statements (v_privileged below; its WHERE term, so the
-- planner takes it for the view): a handful per thousand events, which
-- TS-OPS-01, TS-CHG-01, TS-SEC-01 and the report's Privileged & DDL sheet
-- read by time instead of scanning every audit event (10M events: 3.7 s ->
-- 0.03 s each). Stores made before it get it when next opened for writing.
-- Equalities, not IN lists: SQLite checks the WHERE of a partial index on
-- every insert, and an IN list of more than two values costs a temporary
-- B-tree each time (about 7% of ingest's instructions, layout 3).
CREATE INDEX IF NOT EXISTS events_privileged ON event_rows(kind, time_us)
    WHERE privileged = 1;

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
-- An audit event's message is its audit record, which repeats the
-- statement: store/index.c indexes it for every kind of event but audit,
-- halving the full-text index. Matches come back in entry order, never
-- ranked, so it keeps no per-row token counts (columnsize=0: one B-tree
-- insert less per event).
--
-- A pgAudit record (kind audit with a statement) has no row here: its
-- (statement, object_name) pair is kept and indexed once, in event_texts
-- and event_texts_fts, and the event points at it (events.text_id; its
-- statement column is NULL, v_events reads the text). Redacted statements
-- repeat: 1M generated events hold 4,477 distinct pairs, so the full text
-- of audit events shrinks from 46.6 MB to well under 1 MB, and `events`
-- loses the 84 MB of their statements. Search unions the two: events_fts's
-- rowids, and the events whose text_id matches.
CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(
    statement, object_name, message,
    content='events', content_rowid='seq', columnsize=0);

-- Each distinct text of pgAudit records, once: its statement and object,
-- and (layout 11) what else repeats with them: the object's table name,
-- the record's severity, SQLSTATE, audit type and object type. key_hash
-- (store/index_texts.c) finds a text without indexing it; the values
-- themselves are compared. From layout 11 an event of a text holds none of
-- severity, sqlstate, audit_type, object_type, object_name, object_table
-- (at 1M generated events the events table shrinks from 155.4 to 112.0
-- MB, 45 bytes an audit event, and the store by 16%; 4,477 texts become
-- 5,214); events indexed before keep theirs, and their texts (indexed
-- before too) have NULL in the four columns after object_table.
CREATE TABLE IF NOT EXISTS event_texts (
    id INTEGER PRIMARY KEY,
    key_hash INTEGER NOT NULL,
    statement TEXT NOT NULL,
    object_name TEXT,
    object_table TEXT,   -- from here: layout 11, as the events' columns
    severity TEXT,
    sqlstate TEXT,
    audit_type TEXT,
    object_type TEXT
);
CREATE INDEX IF NOT EXISTS event_texts_by_hash ON event_texts(key_hash);
-- Its full text, rowid = event_texts.id. Contentless: the texts are in
-- event_texts. message stays empty: it is there so that a search's column
-- filters ("message: ...") mean the same here as in events_fts.
CREATE VIRTUAL TABLE IF NOT EXISTS event_texts_fts USING fts5(
    statement, object_name, message, content='', columnsize=0);
-- The events of a text are in event_postings below (field 'text'):
-- search reads them for the texts a query matches when they are few.

-- Posting lists (layouts 7 on): the entries holding a value of a field, one
-- row per value and block of 65,536 entries (block = seq >> 16), instead
-- of an index entry per event. seqs is the block's entries in order, as
-- varints: the first one's offset from the block's first entry (block <<
-- 16), then the gap to each next one (store/postings.c). A value in most
-- entries costs about a byte each, one in few a row of a few bytes a
-- block. The table-valued function ts_postings(field, value), registered
-- on every connection trailseal opens, returns them in entry order:
--   SELECT e.* FROM ts_postings('text', 42) p CROSS JOIN events e
--       ON e.seq = p.seq WHERE p.seq BETWEEN :lo AND :hi ORDER BY p.seq;
-- On a store of an older layout, opened read-only, it reads the field's
-- column of events instead (through the index that layout has), so SQL
-- that names it runs on every store.
-- Fields, and the index each replaces (its size at 1M generated events):
--   'text'     events.text_id       events_by_text     11.4 MB  layout 7
--   'object'   events.object_table  events_by_object   18.9 MB  layout 7
--   'account'  events.account       events_by_account  22.3 MB  layout 8
--   'value'    (below)              event_value_hmacs  34.9 MB  layout 9
--   'command'  events.command       event_buckets       0.2 MB  layout 10
--   'database' events.database      (the same table)
--   'session'  events.session_id    events_by_session  24.5 MB  layout 12
--   'template' events.template_id   events_by_template 11.5 MB  layout 13
-- Layouts 5 to 9 kept command and database as bucket maps instead: which
-- runs of 1024 entries (seq >> 10) held a value, read whole, in
-- event_buckets(field, value, bucket); layouts before 5 had an index on
-- each. Lists find a rare combination ("hr" and DELETE: 499 of 1M
-- events, in 125 of the 977 buckets holding a DELETE) without reading
-- any event that lacks it.
-- 'value' lists the events whose statement literals and bind parameters
-- held a value, by its HMAC (DESIGN.md, "Sensitive data in the store"):
-- the first 8 bytes of HMAC-SHA256(value key, the value as the statement
-- means it: quotes and escapes undone), big-endian, as a signed integer.
-- The value key is derived from the store's private key, so only its
-- holder can look a value up (`trailseal search --value`); the values
-- themselves are not in the store when it redacts. Before layout 9 they
-- were rows of event_value_hmacs(bucket, hmac, seq) (layout 2: (hmac,
-- seq)), one per value and event: 1.7M rows at 1M events for 225,129
-- (value, block) lists.
-- The views stay plain SQL, which any SQLite reads (sqlite3, Python): none
-- of them names ts_postings(), and none needs an index these replaced.
-- Keyed by epoch (block >> 4: 2^20 entries) before value, from layout 14:
-- the rows a commit writes (at 10M events, ~22,000 per block, most of
-- them values, texts and templates) then land in the newest epoch's part
-- of the table. Keyed by (field, value, block), layouts 7 to 13, they
-- landed all over it, and at 10M events each commit rewrote about half of
-- its pages (docs/PERFORMANCE.md, "Index layout 14"). A value's lists
-- are read with one seek per epoch (ts_postings() does it).
CREATE TABLE IF NOT EXISTS event_postings (
    field TEXT NOT NULL,     -- 'text', 'object', 'account', 'value',
                             -- 'command', 'database', 'session',
                             -- 'template'
    epoch INTEGER NOT NULL,  -- block >> 4
    value NOT NULL,          -- as in the field's column
    block INTEGER NOT NULL,  -- seq >> 16
    seqs BLOB NOT NULL,
    PRIMARY KEY (field, epoch, value, block)
) WITHOUT ROWID;

-- Where connections came from: each distinct (application, client_host,
-- client_port) once, events pointing at it by origin_id instead of
-- repeating about 30 bytes each (1M generated events: 14,874 rows).
-- key_hash (store/index_dict.c, ts_dict_key_hash) finds a tuple without
-- indexing its text; the texts themselves are compared.
CREATE TABLE IF NOT EXISTS event_origins (
    id INTEGER PRIMARY KEY,
    key_hash INTEGER NOT NULL,
    application TEXT,
    client_host TEXT,
    client_port TEXT
);
CREATE INDEX IF NOT EXISTS event_origins_by_hash ON event_origins(key_hash);

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
    auth_failed INTEGER NOT NULL DEFAULT 0,
    first_seq INTEGER   -- entry index of its first event (layout 12; a
                        -- layout before had events_by_session instead)
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
       e.session_id, e.pid, e.account, e.database,
       coalesce(e.application, o.application) AS application,
       coalesce(e.client_host, o.client_host) AS client_host,
       coalesce(e.severity, t.severity) AS severity,
       coalesce(e.sqlstate, t.sqlstate) AS sqlstate,
       e.message, e.detail, e.query,
       coalesce(e.audit_type, t.audit_type) AS audit_type,
       e.statement_id, e.substatement_id, e.audit_class,
       e.command, coalesce(e.object_type, t.object_type) AS object_type,
       coalesce(e.object_name, t.object_name) AS object_name,
       coalesce(e.statement, t.statement) AS statement,
       e.parameter,
       e.tls_protocol, e.tls_cipher, e.session_duration_us, e.unparsed_reason,
       e.principal, e.principal_kind
FROM events e
JOIN event_kinds k ON k.kind = e.kind
JOIN sources s ON s.id = e.source_id
LEFT JOIN event_origins o ON o.id = e.origin_id
LEFT JOIN event_texts t ON t.id = e.text_id;

CREATE VIEW IF NOT EXISTS v_audit AS
SELECT * FROM v_events WHERE kind = 'audit';

CREATE VIEW IF NOT EXISTS v_failed_logins AS
SELECT * FROM v_events WHERE kind = 'auth_failure';

CREATE VIEW IF NOT EXISTS v_permission_denied AS
SELECT * FROM v_events
WHERE kind = 'error' AND (sqlstate = '42501' OR message LIKE 'permission denied%');

-- Privileged and DDL activity: DDL and ROLE classes, plus statements that
-- change ownership or privileges whatever their class (event_commands).
-- The audit events marked privileged, through the index events_privileged
-- (its WHERE is this view's term on event_rows). INDEXED BY: left to
-- itself the planner walked events_by_kind for a control's bound on
-- entry_index and tested each audit event (1M events: 0.03 -> 0.12 s).
CREATE VIEW IF NOT EXISTS v_privileged AS
SELECT v.* FROM event_rows p INDEXED BY events_privileged
JOIN event_kinds k ON k.kind = p.kind AND k.name = 'audit'
JOIN v_events v ON v.entry_index = p.seq
WHERE p.privileged = 1;

-- Events per source, whole UTC day (day = days since 1970-01-01) and
-- account (NULL: events of no account): log coverage (TS-LOG-01), the
-- events-per-day chart, the Accounts sheet. `trailseal report` computes it
-- once per report (a temp table of the same name).
CREATE VIEW IF NOT EXISTS v_event_days AS
SELECT e.source_id, s.format, s.name AS source,
       e.time_us / 86400000000 AS day, e.account, count(*) AS events,
       min(e.seq) AS first_entry_index,
       min(e.time_us) AS first_time_us, max(e.time_us) AS last_time_us
FROM events e JOIN sources s ON s.id = e.source_id
WHERE e.time_us IS NOT NULL
GROUP BY e.source_id, e.time_us / 86400000000, e.account;

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

-- One row per distinct template (literals and parameters as $1, $2...;
-- in one of 16 KiB or more, lists of constants shortened and marked
-- "/*, ... */", docs/cli/analyze-sql.md)
-- and catalog it was analysed against: the same text can read other
-- columns once the catalog changed (SELECT * after ALTER TABLE ADD).
CREATE TABLE IF NOT EXISTS templates (
    id INTEGER PRIMARY KEY,
    fingerprint INTEGER NOT NULL, -- 64-bit hash, as a signed integer
    template TEXT NOT NULL,
    class TEXT NOT NULL,        -- read | write | ddl | role | misc | unknown
    command TEXT,               -- SELECT, INSERT, ...; UNKNOWN when unparsed
    catalog_snapshot INTEGER NOT NULL DEFAULT 0, -- ref_snapshots.id of the
        -- catalog names were resolved against; 0: a catalog file given to
        -- ingest, or none
    UNIQUE (fingerprint, catalog_snapshot)
);

-- What each template reads and writes, at table and column level.
CREATE TABLE IF NOT EXISTS template_access (
    template_id INTEGER NOT NULL REFERENCES templates(id),
    object TEXT NOT NULL,       -- schema.table or schema.table.column
    level TEXT NOT NULL,        -- table | column
    access TEXT NOT NULL,       -- read | write | ddl (created, altered or
                                -- dropped; object may be a schema's name)
    PRIMARY KEY (template_id, level, access, object)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS template_access_by_object
    ON template_access(object, access);
-- template_id has no index: its events are in event_postings above (layout
-- 13). The views below read events in entry order (CROSS JOIN: events
-- first) and look each statement's template up, one pass whatever the
-- question; joined from the templates' side, SQLite would read every
-- event once per template (1M events, v_table_access of one table: 46 s
-- against 0.6 s through layout 12's index; this way, one pass, 0.6 s).
-- Their object, source and target columns are `+a.object` and the like,
-- so a question about one of them looks each event's template up by its
-- key instead of going through template_access_by_object (17 s). Asked
-- about one column, `who --column` and `search --column` walk the
-- templates' lists instead, and the report's controls scan the period's
-- events once against the few templates they need.

-- Lineage: the data of a base column that a template writes somewhere
-- else: into a column (INSERT ... SELECT, CREATE TABLE AS, SELECT INTO,
-- UPDATE ... SET, MERGE), or out of the database (COPY ... TO: target
-- 'copy:file', 'copy:program' or 'copy:client'). A column used only to
-- filter, join or sort flows nowhere; through subqueries and WITH queries
-- only columns passed on unchanged are followed.
CREATE TABLE IF NOT EXISTS template_flows (
    template_id INTEGER NOT NULL REFERENCES templates(id),
    source TEXT NOT NULL,       -- schema.table.column
    target TEXT NOT NULL,       -- schema.table.column or copy:...
    PRIMARY KEY (template_id, source, target)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS template_flows_by_source
    ON template_flows(source);

-- Each flow each statement made (pgAudit's repeated per-object rows
-- counted once), with its entry to prove.
CREATE VIEW IF NOT EXISTS v_flows AS
SELECT e.seq AS entry_index,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.time_us / 1e6, 'unixepoch') AS time,
       e.account, e.session_id,
       coalesce(e.application, (SELECT o.application FROM event_origins o
                                 WHERE o.id = e.origin_id)) AS application,
       +f.source AS source, +f.target AS target,
       CASE WHEN f.target LIKE 'copy:%' THEN NULL
            ELSE rtrim(rtrim(f.target, replace(f.target, '.', '')), '.')
       END AS target_table, -- schema.table; NULL for copy:...
       e.time_us
FROM events e
CROSS JOIN template_flows f ON f.template_id = e.template_id
WHERE e.template_id IS NOT NULL AND e.template_repeat IS NULL;

-- Which account read or wrote which column, one row per statement and
-- column (pgAudit's repeated per-object rows counted once): entry_index
-- proves the statement's entry (`trailseal prove --index`).
CREATE VIEW IF NOT EXISTS v_column_access AS
SELECT e.seq AS entry_index,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.time_us / 1e6, 'unixepoch') AS time,
       e.account, e.session_id,
       coalesce(e.application, (SELECT o.application FROM event_origins o
                                 WHERE o.id = e.origin_id)) AS application,
       +a.object AS "column", a.access, e.time_us
FROM events e
CROSS JOIN template_access a
        ON a.template_id = e.template_id AND a.level = 'column'
WHERE e.template_id IS NOT NULL AND e.template_repeat IS NULL;

-- The same at table level.
CREATE VIEW IF NOT EXISTS v_table_access AS
SELECT e.seq AS entry_index,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.time_us / 1e6, 'unixepoch') AS time,
       e.account, e.session_id,
       coalesce(e.application, (SELECT o.application FROM event_origins o
                                 WHERE o.id = e.origin_id)) AS application,
       +a.object AS "table", a.access, e.time_us
FROM events e
CROSS JOIN template_access a
        ON a.template_id = e.template_id AND a.level = 'table'
WHERE e.template_id IS NOT NULL AND e.template_repeat IS NULL;
-- end SQL analysis --

-- ------------------------------------------------------------------
-- Reference data (trailseal load, trailseal collect --catalog;
-- schemas/reference.md): identities, change approvals and catalog
-- snapshots. Each record is a sealed entry (events.kind 'reference', or
-- 'unparsed' with its reason) and its meaning lands in the tables below,
-- filled by store/index_reference.c from the entries like every table here.
-- A snapshot is one load: one source (sources.id) whose whole content is
-- its key, so the same content loaded again adds nothing. Identities and
-- the catalog are snapshots (the newest one is what the v_ views show;
-- older ones stay for "as of time T" questions); approvals accumulate.
-- ------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS ref_snapshots (
    id INTEGER PRIMARY KEY,      -- = sources.id of the load
    dataset TEXT NOT NULL,       -- identities | approvals | catalog
    taken_us INTEGER NOT NULL,   -- when the load read it (entries' observed time)
    first_seq INTEGER NOT NULL,  -- its first entry
    n_entries INTEGER NOT NULL DEFAULT 0,  -- entries sealed (headers included)
    n_records INTEGER NOT NULL DEFAULT 0,  -- records understood
    n_unparsed INTEGER NOT NULL DEFAULT 0  -- records sealed but not understood
);
CREATE INDEX IF NOT EXISTS ref_snapshots_by_dataset
    ON ref_snapshots(dataset, taken_us);

-- One row per identity (person, AI agent or service) of a snapshot.
CREATE TABLE IF NOT EXISTS ref_identities (
    seq INTEGER PRIMARY KEY,     -- the entry that says it
    snapshot_id INTEGER NOT NULL REFERENCES ref_snapshots(id),
    name TEXT NOT NULL,          -- unique within a snapshot
    kind TEXT NOT NULL,          -- human | agent | service
    owner TEXT,                  -- the identity answerable for it
    status TEXT NOT NULL,        -- active, terminated, ... (lowercase)
    terminated_us INTEGER
);
CREATE INDEX IF NOT EXISTS ref_identities_by_snapshot
    ON ref_identities(snapshot_id, name);

-- The database accounts each identity uses (system: free text such as
-- postgres or mariadb, NULL when the record named none).
CREATE TABLE IF NOT EXISTS ref_identity_accounts (
    seq INTEGER NOT NULL,        -- the identity's entry
    snapshot_id INTEGER NOT NULL REFERENCES ref_snapshots(id),
    identity TEXT NOT NULL,
    system TEXT,
    account TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ref_identity_accounts_by_snapshot
    ON ref_identity_accounts(snapshot_id, account);

-- Change approvals; each distinct one counts once in v_approvals.
CREATE TABLE IF NOT EXISTS ref_approvals (
    seq INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES ref_snapshots(id),
    ticket TEXT NOT NULL,
    approver TEXT NOT NULL,
    approved_us INTEGER NOT NULL,
    scope TEXT NOT NULL,         -- object name glob (public.orders*) or text
    valid_until_us INTEGER       -- NULL: no end
);

-- Catalog snapshots (trailseal collect --catalog, or load catalog).
CREATE TABLE IF NOT EXISTS ref_catalog_info (
    seq INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES ref_snapshots(id),
    database TEXT,
    server_version TEXT,
    search_path TEXT             -- JSON array: current_schemas(false)
);

CREATE TABLE IF NOT EXISTS ref_roles (
    seq INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES ref_snapshots(id),
    role TEXT NOT NULL,
    superuser INTEGER NOT NULL,  -- 0/1: rolsuper
    createrole INTEGER NOT NULL, -- rolcreaterole
    createdb INTEGER NOT NULL,   -- rolcreatedb
    bypassrls INTEGER NOT NULL,  -- rolbypassrls
    replication INTEGER NOT NULL,-- rolreplication
    can_login INTEGER NOT NULL,  -- rolcanlogin
    valid_until_us INTEGER       -- rolvaliduntil; NULL: no expiry
);
CREATE INDEX IF NOT EXISTS ref_roles_by_snapshot ON ref_roles(snapshot_id);

-- member is a member of role (pg_auth_members).
CREATE TABLE IF NOT EXISTS ref_role_members (
    seq INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES ref_snapshots(id),
    role TEXT NOT NULL,
    member TEXT NOT NULL,
    admin_option INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ref_role_members_by_snapshot
    ON ref_role_members(snapshot_id);

-- Table and column privileges; a table owner's implicit privileges are
-- listed too (grantor = the owner). grantee PUBLIC is everyone.
CREATE TABLE IF NOT EXISTS ref_grants (
    seq INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES ref_snapshots(id),
    grantee TEXT NOT NULL,
    object_type TEXT NOT NULL,   -- table, view, materialized view, sequence, ...
    object_name TEXT NOT NULL,   -- schema.table, as audit logs name it
    column_name TEXT,            -- NULL: a table-level privilege
    privilege TEXT NOT NULL,     -- SELECT, INSERT, UPDATE, DELETE, ...
    grantor TEXT
);
CREATE INDEX IF NOT EXISTS ref_grants_by_snapshot ON ref_grants(snapshot_id);

CREATE TABLE IF NOT EXISTS ref_catalog_columns (
    seq INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES ref_snapshots(id),
    schema_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    data_type TEXT,              -- format_type(): integer, character varying(80)
    comment TEXT                 -- col_description()
);
CREATE INDEX IF NOT EXISTS ref_catalog_columns_by_snapshot
    ON ref_catalog_columns(snapshot_id);

-- Each table and view of a snapshot as the SQL analysis needs it (its
-- columns, in order, are its ref_catalog_columns rows by seq).
CREATE TABLE IF NOT EXISTS ref_catalog_relations (
    seq INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES ref_snapshots(id),
    schema_name TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,          -- table | view
    definition TEXT,             -- a view's SELECT (pg_get_viewdef)
    keys TEXT                    -- JSON [{"name", "columns": [...]}] or NULL
);
CREATE INDEX IF NOT EXISTS ref_catalog_relations_by_snapshot
    ON ref_catalog_relations(snapshot_id);

-- The newest snapshot of each dataset (identities, catalog): the latest
-- taken, the later load on a tie. For "as of time T", pick instead the
-- newest snapshot with taken_us <= T from ref_snapshots and read the ref_
-- tables with that snapshot_id.
CREATE VIEW IF NOT EXISTS v_ref_latest AS
SELECT s.dataset, s.id AS snapshot_id, s.taken_us
FROM ref_snapshots s
WHERE s.dataset != 'approvals'
  AND NOT EXISTS (SELECT 1 FROM ref_snapshots t
                  WHERE t.dataset = s.dataset
                    AND (t.taken_us > s.taken_us
                         OR (t.taken_us = s.taken_us AND t.id > s.id)));

CREATE VIEW IF NOT EXISTS v_identities AS
SELECT i.name, i.kind, i.owner, i.status, i.terminated_us,
       l.taken_us AS snapshot_us, i.snapshot_id, i.seq AS entry_seq
FROM ref_identities i
JOIN v_ref_latest l ON l.dataset = 'identities' AND l.snapshot_id = i.snapshot_id;

CREATE VIEW IF NOT EXISTS v_identity_accounts AS
SELECT a.identity, a.system, a.account, a.snapshot_id
FROM ref_identity_accounts a
JOIN v_ref_latest l ON l.dataset = 'identities' AND l.snapshot_id = a.snapshot_id;

-- The person or agent a proxy (Teleport, hoop.dev, generic JSON lines)
-- names behind each of its sessions: the principal of the session's events
-- (the first by name when several; n_principals counts them).
CREATE VIEW IF NOT EXISTS v_proxy_sessions AS
SELECT i.session_id, min(e.principal) AS principal,
       min(d.principal_kind) AS principal_kind,
       count(DISTINCT e.principal) AS n_principals,
       s.pid, s.account, s.started_us, s.ended_us
-- INDEXED BY: left to itself the planner walked events_by_session (before
-- layout 12) for the GROUP BY and read every event to test principal (1.2
-- s at 1M events, paid by every control that attributes sessions); the
-- partial index holds only the proxies' events.
FROM event_rows e INDEXED BY events_by_principal
JOIN event_identities i ON i.id = e.identity_id
LEFT JOIN event_details d ON d.seq = e.seq
JOIN sessions s ON s.session_id = i.session_id
WHERE e.principal IS NOT NULL AND i.session_id IS NOT NULL
GROUP BY i.session_id;

-- Each session a proxy names a principal for: the proxy's own sessions
-- (via 'proxy'), and each database session the proxy opened (via
-- 'proxy pid'): same backend pid (Teleport's postgres_pid), same account
-- when the proxy says it, started from a minute before the proxy session
-- to its end (a day when the end is unknown). When several proxy sessions
-- match, the one whose start is closest wins.
CREATE VIEW IF NOT EXISTS v_session_principal AS
SELECT session_id, principal, principal_kind, n_principals,
       session_id AS proxy_session_id, 'proxy' AS via
FROM v_proxy_sessions
UNION ALL
SELECT session_id, principal, principal_kind, n_principals, proxy_session_id,
       'proxy pid' AS via
FROM (SELECT d.session_id, p.principal, p.principal_kind, p.n_principals,
             p.session_id AS proxy_session_id,
             min(abs(d.started_us - p.started_us)) AS distance
      FROM v_proxy_sessions p
      JOIN sessions d
        ON d.started_us BETWEEN p.started_us - 60000000
                            AND coalesce(p.ended_us,
                                         p.started_us + 86400000000)
       AND d.pid = p.pid AND d.session_id != p.session_id
       AND (p.account IS NULL OR d.account = p.account)
      WHERE p.pid IS NOT NULL
        AND d.session_id NOT IN (SELECT session_id FROM v_proxy_sessions)
      GROUP BY d.session_id);

-- Every session with the person, agent or service behind it:
-- attributed_by 'proxy' when a proxy names a principal that an identity
-- lists (as its name or one of its accounts), 'proxy, unregistered' when
-- the principal is no identity's (identity is then the principal itself,
-- identity_kind what the proxy said), 'account' when only the session's
-- database account maps to an identity, NULL when nothing does
-- (unresolved). account_identity is the identity owning the account
-- (matched by name; the system is not compared: sessions do not say
-- theirs); n_identities counts the identities listing the account, and
-- when several do account_identity is the first by name.
CREATE VIEW IF NOT EXISTS v_session_identity AS
SELECT s.session_id, s.account,
       CASE WHEN sp.principal IS NOT NULL THEN coalesce(pi.name, sp.principal)
            ELSE i.name END AS identity,
       CASE WHEN sp.principal IS NOT NULL
            THEN coalesce(pi.kind, sp.principal_kind)
            ELSE i.kind END AS identity_kind,
       CASE WHEN sp.principal IS NOT NULL THEN pi.owner ELSE i.owner END
           AS owner,
       CASE WHEN sp.principal IS NOT NULL THEN pi.status ELSE i.status END
           AS identity_status,
       coalesce(m.n, 0) AS n_identities,
       CASE WHEN pi.name IS NOT NULL THEN 'proxy'
            WHEN sp.principal IS NOT NULL THEN 'proxy, unregistered'
            WHEN i.name IS NOT NULL THEN 'account' END AS attributed_by,
       sp.principal, sp.principal_kind, sp.via AS principal_via,
       sp.proxy_session_id,
       i.name AS account_identity, i.kind AS account_identity_kind
FROM sessions s
LEFT JOIN (SELECT account, min(identity) AS identity,
                  count(DISTINCT identity) AS n
           FROM v_identity_accounts GROUP BY account) m
       ON m.account = s.account
LEFT JOIN v_identities i ON i.name = m.identity
LEFT JOIN v_session_principal sp ON sp.session_id = s.session_id
LEFT JOIN v_identities pi
       ON pi.name = coalesce((SELECT min(a.identity) FROM v_identity_accounts a
                               WHERE a.account = sp.principal),
                              sp.principal);

-- Each distinct approval once, with the first entry that sealed it.
CREATE VIEW IF NOT EXISTS v_approvals AS
SELECT ticket, approver, approved_us, scope, valid_until_us,
       min(seq) AS entry_seq
FROM ref_approvals
GROUP BY ticket, approver, approved_us, scope, valid_until_us;

CREATE VIEW IF NOT EXISTS v_roles AS
SELECT r.role, r.superuser, r.createrole, r.createdb, r.bypassrls,
       r.replication, r.can_login, r.valid_until_us,
       l.taken_us AS snapshot_us, r.snapshot_id, r.seq AS entry_seq
FROM ref_roles r
JOIN v_ref_latest l ON l.dataset = 'catalog' AND l.snapshot_id = r.snapshot_id;

CREATE VIEW IF NOT EXISTS v_role_members AS
SELECT m.role, m.member, m.admin_option, m.snapshot_id
FROM ref_role_members m
JOIN v_ref_latest l ON l.dataset = 'catalog' AND l.snapshot_id = m.snapshot_id;

CREATE VIEW IF NOT EXISTS v_grants AS
SELECT g.grantee, g.object_type, g.object_name, g.column_name, g.privilege,
       g.grantor, g.snapshot_id
FROM ref_grants g
JOIN v_ref_latest l ON l.dataset = 'catalog' AND l.snapshot_id = g.snapshot_id;

CREATE VIEW IF NOT EXISTS v_catalog_columns AS
SELECT c.schema_name, c.table_name, c.column_name, c.data_type, c.comment,
       c.snapshot_id
FROM ref_catalog_columns c
JOIN v_ref_latest l ON l.dataset = 'catalog' AND l.snapshot_id = c.snapshot_id;
-- end reference data --

-- ------------------------------------------------------------------
-- Data classes (store/index_classes.c; schemas/controls.schema.md): which
-- columns hold which class of sensitive data, and which statements carried
-- sensitive values. `trailseal reindex --controls FILE` stores the rules of
-- controls.yaml's data_classes and recomputes both from the rules, the
-- newest catalog snapshot and the events; ingest keeps them current.
-- ------------------------------------------------------------------

-- The rules of controls.yaml's data_classes, lowercased. kind:
--   column_pattern  pattern is a GLOB over the column's own name
--   column          pattern is a GLOB over schema.table.column
--   table           pattern is schema.table, or table for every schema:
--                   all of that table's columns
--   type            pattern is a GLOB over the catalog's data_type
--                   (format_type(): "character varying(11)")
CREATE TABLE IF NOT EXISTS class_rules (
    class TEXT NOT NULL,
    kind TEXT NOT NULL,
    pattern TEXT NOT NULL,
    PRIMARY KEY (class, kind, pattern)
) WITHOUT ROWID;

-- Each classified column with each class and the rule that gave it:
-- "column_pattern:*_ssn", "column:public.t.c", "table:public.customers",
-- "type:inet", or "comment:pii:ssn" for a catalog comment. Columns are
-- the analysed ones (template_access) and those of the newest catalog
-- snapshot, named schema.table.column as template_access names them.
-- Catalog comments: every word "pii:<class>" of a column's comment (words
-- split at spaces, commas and semicolons; case ignored) gives that class,
-- declared or not; a comment that is exactly a declared class id ("ssn")
-- gives it too.
CREATE TABLE IF NOT EXISTS column_classes (
    column_name TEXT NOT NULL,
    class TEXT NOT NULL,
    rule TEXT NOT NULL,
    PRIMARY KEY (column_name, class, rule)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS column_classes_by_class
    ON column_classes(class, column_name);

-- The classes of the values in each event's statement literals and bind
-- parameters (ingest/sensitive_detect.c, docs/DATA-CLASSES.md): email,
-- us_ssn, card_number, iban, phone, jwt, api_key, private_key,
-- password_hash.
CREATE TABLE IF NOT EXISTS event_value_classes (
    seq INTEGER NOT NULL,        -- the event's entry index
    class TEXT NOT NULL,
    PRIMARY KEY (seq, class)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_value_classes_by_class
    ON event_value_classes(class, seq);

-- The values in each event's statement literals and bind parameters are
-- found by their HMAC in event_postings above (field 'value', layout 9).

-- Each statement's classified columns read or written, one row per
-- statement, column and class (pgAudit's repeated rows counted once).
CREATE VIEW IF NOT EXISTS v_event_column_classes AS
SELECT e.seq AS entry_index,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.time_us / 1e6, 'unixepoch') AS time,
       e.account, e.session_id,
       coalesce(e.application, (SELECT o.application FROM event_origins o
                                 WHERE o.id = e.origin_id)) AS application,
       +a.object AS "column", a.access, c.class,
       group_concat(c.rule, ' ') AS rules, e.time_us
FROM events e
CROSS JOIN template_access a
        ON a.template_id = e.template_id AND a.level = 'column'
JOIN column_classes c ON c.column_name = a.object
WHERE e.template_id IS NOT NULL AND e.template_repeat IS NULL
GROUP BY e.seq, a.object, a.access, c.class;

-- Each event whose values matched a class.
CREATE VIEW IF NOT EXISTS v_event_value_classes AS
SELECT e.seq AS entry_index,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.time_us / 1e6, 'unixepoch') AS time,
       e.account, e.session_id,
       coalesce(e.application, (SELECT o.application FROM event_origins o
                                 WHERE o.id = e.origin_id)) AS application,
       v.class, e.time_us
FROM event_value_classes v
JOIN events e ON e.seq = v.seq;
-- end data classes --
-- The authenticated identity and method of each session, from its
-- "connection authenticated" line (PostgreSQL 14+, log_connections): the
-- Kerberos principal or certificate DN behind the role. A session without
-- such a line has no row.
-- The first such line of a session: min(seq) picks the row the other
-- columns come from (SQLite's bare columns of a min() aggregate). Layouts
-- before 12 looked it up per line through events_by_session.
CREATE VIEW IF NOT EXISTS v_session_auth AS
SELECT session_id, account, auth_identity, auth_method, time_us
FROM (SELECT e.session_id, e.account, e.auth_identity, e.auth_method,
             e.time_us, min(e.seq)
      FROM events e
      WHERE e.auth_identity IS NOT NULL AND e.session_id IS NOT NULL
      GROUP BY e.session_id);

-- ------------------------------------------------------------------
-- pg_stat snapshots (format pg-stat-csv: CSV exports of
-- pg_stat_statements, pg_stat_activity and pg_stat_ssl, and
-- `trailseal collect --dsn`; docs/cli/collect.md). Each row is a sealed
-- entry; store/index_pgstat.c files it here. A snapshot is the rows of one
-- view with one snapshot_at from one server (the export's server column:
-- "address:port", "local:port" over a unix socket; '' when absent).
-- pg_stat_statements counters are cumulative: each row is compared with
-- the same statement (userid, dbid, queryid, toplevel) in the server's
-- previous snapshot (the latest earlier snapshot_at already indexed). A
-- row whose calls grew is an event of kind 'statement_stats' (account =
-- the role, database, statement = the query text, analysed like any
-- statement; rows = the rows delta): an aggregate of that many executions
-- since the previous snapshot, not one execution. A counter that went
-- backwards means pg_stat_statements_reset(): the new value is the delta.
-- A statement new since the previous snapshot counts whole. Rows of a
-- server's first snapshot, and rows without new calls, are kind 'pg_stat'
-- with no account (the baseline says nothing about activity).
-- pg_stat_activity rows are kind 'pg_stat' events of the session
-- PostgreSQL's log names with %c (hex backend start seconds '.' hex pid),
-- so sessions gain the application, client and TLS (from pg_stat_ssl's
-- columns joined in the export) and start at backend_start.
-- ------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS pgstat_snapshots (
    id INTEGER PRIMARY KEY,
    server TEXT NOT NULL,
    view TEXT NOT NULL,          -- statements | activity | ssl
    snapshot_us INTEGER NOT NULL,
    source_id INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    n_rows INTEGER NOT NULL DEFAULT 0,
    prev_id INTEGER,             -- statements: the server's snapshot before
                                 -- this one, NULL for its first
    UNIQUE (server, view, snapshot_us)
);

-- One row per pg_stat_statements row; delta_* are NULL when there is no
-- previous snapshot (or the row repeats one already in this snapshot).
CREATE TABLE IF NOT EXISTS pgstat_statements (
    seq INTEGER PRIMARY KEY,     -- the row's entry index
    snapshot_id INTEGER NOT NULL REFERENCES pgstat_snapshots(id),
    userid INTEGER NOT NULL,
    dbid INTEGER NOT NULL,
    queryid TEXT,
    toplevel INTEGER,            -- NULL before PostgreSQL 14
    username TEXT,
    datname TEXT,
    calls INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    total_exec_ms REAL,
    delta_calls INTEGER,
    delta_rows INTEGER,
    delta_exec_ms REAL,
    reset INTEGER                -- 1: a counter went backwards
);
CREATE INDEX IF NOT EXISTS pgstat_statements_by_key
    ON pgstat_statements(snapshot_id, userid, dbid, queryid, toplevel);

-- One row per pg_stat_activity row (ssl columns from pg_stat_ssl when the
-- export joined it), and per row of a pg_stat_ssl export on its own (pid
-- and ssl columns only).
CREATE TABLE IF NOT EXISTS pgstat_activity (
    seq INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES pgstat_snapshots(id),
    pid INTEGER,
    usename TEXT,
    datname TEXT,
    application_name TEXT,
    client_addr TEXT,
    backend_start_us INTEGER,
    backend_type TEXT,
    state TEXT,
    query TEXT,
    session_id TEXT,             -- %c of client backends, as in the log
    ssl INTEGER,                 -- 1 TLS, 0 not, NULL not said
    ssl_version TEXT,
    ssl_cipher TEXT
);
CREATE INDEX IF NOT EXISTS pgstat_activity_by_snapshot
    ON pgstat_activity(snapshot_id);

-- Per-account, per-statement activity from pg_stat_statements deltas.
CREATE VIEW IF NOT EXISTS v_statement_stats AS
SELECT p.seq AS entry_index,
       strftime('%Y-%m-%dT%H:%M:%fZ', s.snapshot_us / 1e6, 'unixepoch')
           AS time,
       s.snapshot_us AS time_us, s.server, prev.snapshot_us AS since_us,
       p.username AS account, p.datname AS database, p.queryid, p.toplevel,
       e.statement, p.delta_calls AS calls, p.delta_rows AS rows,
       p.delta_exec_ms AS exec_ms, p.reset, e.template_id
FROM pgstat_statements p
JOIN pgstat_snapshots s ON s.id = p.snapshot_id
LEFT JOIN pgstat_snapshots prev ON prev.id = s.prev_id
JOIN events e ON e.seq = p.seq
WHERE p.delta_calls > 0;

-- Every pg_stat_activity / pg_stat_ssl row with its snapshot.
CREATE VIEW IF NOT EXISTS v_pgstat_activity AS
SELECT a.seq AS entry_index, s.server, s.view, s.snapshot_us, a.pid,
       a.usename AS account, a.datname AS database, a.application_name,
       a.client_addr, a.backend_start_us, a.backend_type, a.state, a.query,
       a.session_id, a.ssl, a.ssl_version, a.ssl_cipher
FROM pgstat_activity a
JOIN pgstat_snapshots s ON s.id = a.snapshot_id;
-- end pg_stat --
