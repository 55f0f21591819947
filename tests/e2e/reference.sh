#!/usr/bin/env bash
# Reference data: identities and approvals loaded from files (CSV, JSON,
# stdin), a catalog snapshot loaded from JSON and collected from a real
# PostgreSQL 15 with roles, memberships, grants and comments made here. Checks
# the documented views' exact contents, unparsed rows reported with file:line,
# re-loads sealing nothing, verify staying intact, and search/sessions/
# timeline/who --who on the real demo log (tests/e2e/data/pg15-pgaudit.log).
# Usage: reference.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: reference.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 sqlite3 psql date
make_tmp
DATA=$REPO_DIR/tests/data/reference
LOG=$E2E_DIR/data/pg15-pgaudit.log
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
STORE=$T/store.db

# q SQL: the query's rows, '|'-separated.
q() { sqlite3 -readonly "$STORE" "$1" 2>&1; }
# rows: the JSON lines of the last command's output; accounts: their
# distinct accounts, space-separated.
rows() { grep -c '^{' "$T/out"; }
accounts() {
    python3 -c 'import json, sys
print(" ".join(sorted({json.loads(l)["account"] for l in open(sys.argv[1]) if l.strip()})))' "$T/out"
}
# us TIME: µs since the epoch of a UTC time.
us() { echo "$(date -u -d "$1" +%s)000000"; }

ts init
check_status "init" 0 "$RC"

# --- identities (CSV) -----------------------------------------------------------
ts load identities --json "$DATA/identities.csv"
check_status "load identities" 0 "$RC"
check_eq "identities: every line sealed" 12 "$(json_get "$T/out" 'j["sealed"]')"
check_eq "identities: format recognised" identities-csv \
    "$(json_get "$T/out" 'j["format"]')"
check_eq "identities: unparsed rows counted" 6 \
    "$(json_get "$T/out" 'j["unparsed"]')"
check_eq "identities: each unparsed row reported as file:line: reason" \
    "identities.csv:7: unparsed: kind 'robot' is not human, agent or service
identities.csv:8: unparsed: terminated_at 'next tuesday' is not a time
identities.csv:9: unparsed: row has 2 fields, the header 6
identities.csv:10: unparsed: CSV: unterminated quoted field
identities.csv:11: unparsed: identity 'Alice Smith' is already listed at line 3
identities.csv:12: unparsed: invalid UTF-8" \
    "$(sed "s|^$DATA/||" "$T/err")"
check_eq "v_identities: the four sound identities, kinds and status lowercased" \
    "Alice Smith|human||active|
Billing, the service|service|Bob Jones|active|
Bob Jones|human||terminated|$(us 2026-11-30T17:00:00Z)
agent-42|agent|Alice Smith|active|" \
    "$(q "SELECT name, kind, owner, status, terminated_us FROM v_identities ORDER BY name")"
check_eq "v_identity_accounts" \
    "Alice Smith|mariadb|alice_m
Alice Smith|postgres|alice
Billing, the service|postgres|svc_billing
Bob Jones|postgres|bob
agent-42|postgres|agent_langchain" \
    "$(q "SELECT identity, system, account FROM v_identity_accounts ORDER BY 1, 2")"
check_eq "the unparsed rows are searchable with their reason" 6 \
    "$(q "SELECT count(*) FROM v_events WHERE kind = 'unparsed' AND source LIKE '%identities.csv'")"
snap_us=$(q "SELECT DISTINCT snapshot_us FROM v_identities")
now_s=$(date -u +%s)
if [ $((now_s - snap_us / 1000000)) -ge 0 ] && [ $((now_s - snap_us / 1000000)) -lt 300 ]; then
    ok "v_identities.snapshot_us is the load time"
else
    not_ok "v_identities.snapshot_us $snap_us is not the load time ($now_s)"
fi

ts load identities --json "$DATA/identities.csv"
check_status "load identities again" 0 "$RC"
check_eq "re-load seals nothing" 0 "$(json_get "$T/out" 'j["sealed"]')"
check_eq "re-load: all already sealed" 12 \
    "$(json_get "$T/out" 'j["already_sealed"]')"
check_eq "one identities snapshot" 1 \
    "$(q "SELECT count(*) FROM ref_snapshots WHERE dataset = 'identities'")"

# --- approvals (JSON, then stdin) -----------------------------------------------
ts load approvals --json "$DATA/approvals.json"
check_status "load approvals" 0 "$RC"
check_eq "approvals: sealed" 4 "$(json_get "$T/out" 'j["sealed"]')"
check_eq "approvals: unparsed" 2 "$(json_get "$T/out" 'j["unparsed"]')"
check_eq "approvals: unparsed reported with the element's line" \
    "approvals.json:5: unparsed: approved_at 'last week' is not a time
approvals.json:9: unparsed: approvals record has no approved_at" \
    "$(sed "s|^$DATA/||" "$T/err")"
seq101=$(q "SELECT seq FROM events e JOIN sources s ON s.id = e.source_id WHERE s.name LIKE '%approvals.json' AND e.line = 2")
check_eq "v_approvals" \
    "CHG-101|Alice Smith|$(us 2026-11-20T10:00:00Z)|public.customers*|$(us 2026-11-27T00:00:00Z)|$seq101
CHG-103|Bob Jones|$(us 2026-11-21)|create the training table||$((seq101 + 2))" \
    "$(q "SELECT ticket, approver, approved_us, scope, valid_until_us, entry_seq FROM v_approvals ORDER BY ticket")"
printf 'ticket,approver,approved_at,scope,valid_until\nCHG-105,Alice Smith,2026-12-01 09:30,public.orders,\n' >"$T/more.csv"
RC=0
"$TRAILSEAL" --store "$STORE" load approvals - <"$T/more.csv" >"$T/out" 2>"$T/err" || RC=$?
check_status "load approvals from stdin (CSV)" 0 "$RC"
check_eq "approvals accumulate across loads" "CHG-101 CHG-103 CHG-105" \
    "$(q "SELECT group_concat(ticket, ' ') FROM (SELECT ticket FROM v_approvals ORDER BY 1)")"

# --- a catalog file (JSON) ------------------------------------------------------
ts load catalog --json "$DATA/catalog.json"
check_status "load catalog" 0 "$RC"
check_eq "catalog file: sealed" 9 "$(json_get "$T/out" 'j["sealed"]')"
check_eq "catalog file: unparsed" 2 "$(json_get "$T/out" 'j["unparsed"]')"
check_eq "catalog file: v_roles" \
    "alice|0|0|0|0|0|1|
dba|1|0|0|0|0|1|$(us 2027-01-01T00:00:00Z)" \
    "$(q "SELECT role, superuser, createrole, createdb, bypassrls, replication, can_login, valid_until_us FROM v_roles ORDER BY role")"
check_eq "catalog file: v_grants (privilege uppercased, table level NULL column)" \
    "alice|table|public.customers|-|SELECT|dba
bob|table|public.customers|email|SELECT|dba" \
    "$(q "SELECT grantee, object_type, object_name, coalesce(column_name, '-'), privilege, grantor FROM v_grants ORDER BY 1")"
file_snapshot=$(q "SELECT snapshot_id FROM v_ref_latest WHERE dataset = 'catalog'")
ts load catalog "$T/more.csv"
check_status "a CSV catalog is refused" 2 "$RC"

# --- collect --catalog from a real PostgreSQL -----------------------------------
start_sandbox
# shellcheck source=/dev/null
. "$SANDBOX/sandbox.env"
admin="host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres"
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=postgres" >"$T/psql.out" 2>&1 <<'SQL' || bail "setting up roles failed: $(cat "$T/psql.out")"
CREATE DATABASE refdb;
CREATE ROLE ref_readers NOLOGIN;
CREATE ROLE ref_admin LOGIN SUPERUSER CREATEROLE CREATEDB BYPASSRLS REPLICATION
    VALID UNTIL '2027-06-30 12:00:00+00';
CREATE ROLE ref_app LOGIN;
GRANT ref_readers TO ref_app WITH ADMIN OPTION;
\connect refdb
CREATE SCHEMA sales;
CREATE TABLE sales.orders (id integer PRIMARY KEY,
    customer_email varchar(80), total numeric(10,2));
COMMENT ON COLUMN sales.orders.customer_email IS 'pii:email';
GRANT SELECT ON sales.orders TO ref_readers;
GRANT UPDATE (total) ON sales.orders TO ref_app;
SQL
ok "PostgreSQL: roles, a membership, grants and a comment created"
dsn="postgresql://postgres@/refdb?host=$PGSANDBOX_SOCKET&port=$PGSANDBOX_PORT"

ts collect --catalog --dsn "$dsn" --json
check_status "collect --catalog" 0 "$RC"
check_eq "collect: format" catalog-pg "$(json_get "$T/out" 'j["format"]')"
check_eq "collect: nothing unparsed" 0 "$(json_get "$T/out" 'j["unparsed"]')"
sealed=$(json_get "$T/out" 'j["sealed"]')
check_eq "collect: one entry per catalog row (header included)" \
    "$(q "SELECT n_entries FROM ref_snapshots WHERE id = (SELECT snapshot_id FROM v_ref_latest WHERE dataset = 'catalog')")" \
    "$sealed"
check_eq "collect: the source names the server, never a password" \
    "postgresql://$PGSANDBOX_SOCKET:$PGSANDBOX_PORT/refdb" \
    "$(q "SELECT name FROM sources WHERE format = 'catalog-pg'")"
check_eq "v_roles (ref_*): every attribute, as 0/1" \
    "ref_admin|1|1|1|1|1|1|$(us '2027-06-30 12:00:00Z')
ref_app|0|0|0|0|0|1|
ref_readers|0|0|0|0|0|0|" \
    "$(q "SELECT role, superuser, createrole, createdb, bypassrls, replication, can_login, valid_until_us FROM v_roles WHERE role LIKE 'ref\_%' ESCAPE '\' ORDER BY role")"
check_eq "v_roles: the server's own roles are there" 1 \
    "$(q "SELECT superuser FROM v_roles WHERE role = 'postgres'")"
check_eq "v_role_members (ref_*)" "ref_readers|ref_app|1" \
    "$(q "SELECT role, member, admin_option FROM v_role_members WHERE role LIKE 'ref\_%' ESCAPE '\'")"
check_eq "v_grants on sales.orders: owner's, table and column grants" \
    "postgres|table|sales.orders|-|DELETE|postgres
postgres|table|sales.orders|-|INSERT|postgres
postgres|table|sales.orders|-|REFERENCES|postgres
postgres|table|sales.orders|-|SELECT|postgres
postgres|table|sales.orders|-|TRIGGER|postgres
postgres|table|sales.orders|-|TRUNCATE|postgres
postgres|table|sales.orders|-|UPDATE|postgres
ref_app|table|sales.orders|total|UPDATE|postgres
ref_readers|table|sales.orders|-|SELECT|postgres" \
    "$(q "SELECT grantee, object_type, object_name, coalesce(column_name, '-'), privilege, grantor FROM v_grants WHERE object_name = 'sales.orders' ORDER BY 1, 4, 5")"
check_eq "v_catalog_columns: types and comments" \
    "sales|orders|customer_email|character varying(80)|pii:email
sales|orders|id|integer|
sales|orders|total|numeric(10,2)|" \
    "$(q "SELECT schema_name, table_name, column_name, data_type, comment FROM v_catalog_columns ORDER BY column_name")"
check_eq "the catalog file's snapshot stays queryable (as of its time)" \
    "alice dba" \
    "$(q "SELECT group_concat(role, ' ') FROM (SELECT role FROM ref_roles WHERE snapshot_id = $file_snapshot ORDER BY 1)")"

ts collect --catalog --dsn "$dsn" --json
check_status "collect --catalog again" 0 "$RC"
check_eq "every collection is a new snapshot" 3 \
    "$(q "SELECT count(*) FROM ref_snapshots WHERE dataset = 'catalog'")"
check_eq "v_roles shows the newest snapshot only" 1 \
    "$(q "SELECT count(DISTINCT snapshot_id) FROM v_roles")"
ts collect --catalog --dsn "host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres dbname=no_such_db"
check_status "collect from a database that does not exist" 2 "$RC"
ts collect --dsn "$dsn"
check_status "collect pg_stat (the default mode) without pg_stat_statements" 2 "$RC"
"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "could not stop PostgreSQL"

# --- identities meet the audit log ----------------------------------------------
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest the demo log" 0 "$RC"
check_eq "v_session_identity: every session, resolved or not" \
    "agent_langchain|agent-42|agent|Alice Smith|1
alice|Alice Smith|human||2
bob|Bob Jones|human||2
postgres|-|-||1
svc_billing|Billing, the service|service|Bob Jones|1" \
    "$(q "SELECT account, coalesce(identity, '-'), coalesce(identity_kind, '-'), owner, count(*) FROM v_session_identity GROUP BY 1, 2, 3, 4 ORDER BY 1")"
check_eq "v_session_identity has one row per session" \
    "$(q 'SELECT count(*) FROM sessions')" "$(q 'SELECT count(*) FROM v_session_identity')"

alice_events=$(q "SELECT count(*) FROM events WHERE account = 'alice'")
ts search --who "Alice Smith" --limit 1000 --json
check_status "search --who" 0 "$RC"
check_eq "search --who 'Alice Smith': every event of alice" "$alice_events" "$(rows)"
check_eq "search --who: no other account" "alice" "$(accounts)"
ts search --who agent-42 --command INSERT --json
check_eq "search --who agent-42 --command INSERT: the SSN copy" \
    "INSERT INTO ml.training_rows" \
    "$(json_get "$T/out" 'j["statement"][:28]' 2>/dev/null)"
agent_events=$(q "SELECT count(*) FROM events WHERE account = 'agent_langchain'")
ts search --kind agent --limit 1000 --json
check_eq "search --kind agent: the agents' events" "$agent_events" "$(rows)"
check_eq "search --kind agent: the agent's account only" "agent_langchain" \
    "$(accounts)"
ts search --kind service --limit 1000 --json
check_eq "search --kind service: svc_billing's events" \
    "$(q "SELECT count(*) FROM events WHERE account = 'svc_billing'")" \
    "$(rows)"
ts search --kind audit --limit 1000 --json
check_eq "search --kind audit still means the event kind" \
    "$(q "SELECT count(*) FROM events WHERE kind = 2")" "$(rows)"
ts search --who "Nobody"
check_status "search --who an unknown identity" 2 "$RC"
ts sessions --who "Bob Jones" --csv
check_eq "sessions --who: bob's sessions with their identity" \
    "bob|Bob Jones
bob|Bob Jones" \
    "$(tail -n +2 "$T/out" | cut -d, -f2,3 | tr ',' '|')"
ts sessions --csv
check_eq "sessions: an identity column" "session_id,account,identity" \
    "$(head -n 1 "$T/out" | cut -d, -f1-3)"
ts timeline --who agent-42 --json
check_eq "timeline --who: the agent's events" "$agent_events" "$(rows)"
ts who --object public.customers --who agent-42 --csv
check_eq "who --object --who: only the identity's accounts" "agent_langchain" \
    "$(tail -n +2 "$T/out" | cut -d, -f1 | sort -u)"

# --- a new identities snapshot --------------------------------------------------
printf 'name,kind,owner,status,terminated_at,accounts\nAlice Smith,human,,active,,postgres:alice\n' >"$T/ids2.csv"
ts load identities "$T/ids2.csv"
check_status "load a changed identities file" 0 "$RC"
check_eq "v_identities: the newest snapshot only" "Alice Smith" \
    "$(q "SELECT group_concat(name) FROM v_identities")"
check_eq "older snapshots stay in ref_identities" 5 \
    "$(q "SELECT count(*) FROM ref_identities")"
check_eq "v_session_identity follows the newest snapshot" "-" \
    "$(q "SELECT DISTINCT coalesce(identity, '-') FROM v_session_identity WHERE account = 'bob'")"

# --- the evidence is intact and provable ----------------------------------------
ts verify
check_status "verify: intact with reference entries" 0 "$RC"
ts prove --index "$seq101"
check_status "prove an approval's entry" 0 "$RC"
check_eq "stats: reference events counted" \
    "$(q "SELECT count(*) FROM events WHERE kind = 9")" \
    "$(ts stats --json; json_get "$T/out" 'j["events"]["reference"]')"

finish
