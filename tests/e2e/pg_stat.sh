#!/usr/bin/env bash
# pg_stat views from a real PostgreSQL 15 with pg_stat_statements: live
# snapshots (collect --dsn --every 1s --count 3, then one more) with a
# workload between them, the same views exported with psql's \copy and
# ingested with --format auto. Checks the snapshots are sealed (verify),
# the pg_stat_statements deltas per role and statement (calls and rows,
# a reset taken as the new value), the same events from both paths, the
# column analysis of the delta events, pg_stat_activity rows joined with
# pg_stat_ssl (the sandbox serves TLS with a throwaway certificate) and the
# server log's session, a pg_stat_ssl export on its own, and libpq errors
# naming the server but never the password.
# Usage: pg_stat.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: pg_stat.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 sqlite3 psql openssl
make_tmp
STORE=$T/live.db
CSV_STORE=$T/csv.db
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '

q() { sqlite3 -readonly "$STORE" "$1" 2>&1; }
qc() { sqlite3 -readonly "$CSV_STORE" "$1" 2>&1; }

# TLS on TCP with a throwaway certificate, so pg_stat_ssl has something to say
mkdir -p "$T/tls"
openssl req -new -x509 -days 2 -nodes -subj /CN=localhost \
    -keyout "$T/tls/server.key" -out "$T/tls/server.crt" >/dev/null 2>&1 ||
    bail "openssl could not make a certificate"
chmod 600 "$T/tls/server.key"
chmod 755 "$T/tls"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$T/tls/server.key" "$T/tls/server.crt"
fi
start_sandbox "shared_preload_libraries = 'pgaudit,pg_stat_statements'" \
    "pg_stat_statements.track = 'top'" "ssl = on" \
    "ssl_cert_file = '$T/tls/server.crt'" "ssl_key_file = '$T/tls/server.key'"
# shellcheck disable=SC1091
. "$SANDBOX/sandbox.env"
admin="host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres"
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=postgres" \
    -c "CREATE DATABASE shop" >"$T/psql.out" 2>&1 ||
    bail "creating the database failed: $(cat "$T/psql.out")"
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=shop" >"$T/psql.out" 2>&1 <<'SQL' || bail "setting up failed: $(cat "$T/psql.out")"
CREATE EXTENSION pg_stat_statements;
CREATE ROLE alice LOGIN PASSWORD 'alice-pw';
CREATE ROLE bob LOGIN PASSWORD 'bob-pw';
CREATE TABLE customers (id int PRIMARY KEY, email text, ssn text);
INSERT INTO customers VALUES (1, 'a@example.com', '123-45-6789'),
    (2, 'b@example.com', '987-65-4321'), (3, 'c@example.com', '555-12-3456');
CREATE TABLE notes (note text);
GRANT SELECT ON customers TO alice;
GRANT INSERT ON notes TO bob;
SELECT pg_stat_statements_reset();
SQL
DSN="postgresql://postgres@/shop?host=$PGSANDBOX_SOCKET&port=$PGSANDBOX_PORT"

alice() {
    PGPASSWORD=alice-pw psql -X -q -v ON_ERROR_STOP=1 \
        "host=127.0.0.1 port=$PGSANDBOX_PORT user=alice dbname=shop application_name=${APP:-alice-app}" \
        "$@" >/dev/null 2>>"$T/workload.err"
}
bob() {
    PGPASSWORD=bob-pw psql -X -q -v ON_ERROR_STOP=1 \
        "host=127.0.0.1 port=$PGSANDBOX_PORT user=bob dbname=shop" \
        "$@" >/dev/null 2>>"$T/workload.err"
}

# The export commands docs/cli/collect.md gives users, one line each.
STATEMENTS_SQL="select now() as snapshot_at, coalesce(host(inet_server_addr()), 'local') || ':' || current_setting('port') as server, r.rolname as username, d.datname, s.* from pg_stat_statements s left join pg_roles r on r.oid = s.userid left join pg_database d on d.oid = s.dbid"
ACTIVITY_SQL="select now() as snapshot_at, coalesce(host(inet_server_addr()), 'local') || ':' || current_setting('port') as server, a.*, l.ssl, l.version as ssl_version, l.cipher as ssl_cipher from pg_stat_activity a left join pg_stat_ssl l on l.pid = a.pid"
export_csv() {
    psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=shop" \
        -c "\\copy ($STATEMENTS_SQL) to '$T/statements-$1.csv' csv header" \
        -c "\\copy ($ACTIVITY_SQL) to '$T/activity-$1.csv' csv header" \
        >>"$T/export.out" 2>&1 || not_ok "export $1: $(cat "$T/export.out")"
}

# wait_snapshots N: until the live store holds N pg_stat_statements
# snapshots (the collector runs in the background).
wait_snapshots() {
    local i
    for ((i = 0; i < 600; i++)); do
        [ "$(q "SELECT count(*) FROM pgstat_snapshots WHERE view = 'statements'" 2>/dev/null)" -ge "$1" ] 2>/dev/null && return 0
        sleep 0.1
    done
    not_ok "snapshot $1 never came"
    return 1
}

ts() {
    RC=0
    "$TRAILSEAL" --store "$STORE" "$@" >"$T/out" 2>"$T/err" || RC=$?
}
ts init
check_status "init" 0 "$RC"
"$TRAILSEAL" --store "$CSV_STORE" init >/dev/null 2>&1 || bail "init of the CSV store failed"

# --- live: three snapshots a second apart, the workload between them ----------
"$TRAILSEAL" --store "$STORE" collect --dsn "$DSN" --every 1s --count 3 \
    >"$T/collect.out" 2>"$T/collect.err" &
collector=$!
wait_snapshots 1
export_csv 1
alice -c "select email from customers where id = 1" \
    -c "select email from customers where id = 2" \
    -c "select email from customers where id = 3"
bob -c "insert into notes values ('one')" -c "insert into notes values ('two')"
wait_snapshots 2
export_csv 2
alice -c "select email from customers where id = 2" \
    -c "select email from customers where id = 3"
rc=0
wait "$collector" || rc=$?
check_status "collect --every 1s --count 3" 0 "$rc"
check_eq "collect: three snapshots sealed, nothing unparsed" 3 \
    "$(grep -c 'pg_stat snapshot (pg-stat-csv): sealed [0-9]* entries (0 unparsed)' "$T/collect.out")"
check_eq "collect: the source names the server, never a password" \
    "postgresql://$PGSANDBOX_SOCKET:$PGSANDBOX_PORT/shop" \
    "$(sed -n '1s/: pg_stat snapshot.*//p' "$T/collect.out")"
export_csv 3

# a reset between snapshots: the counter goes back, its new value counts
psql -X -q "$admin dbname=shop" -c "select pg_stat_statements_reset()" >/dev/null
alice -c "select email from customers where id = 1"
# a session that is running while the last snapshot is taken
APP="sleeper sslmode=require" alice -c "select pg_sleep(3)" &
sleeper=$!
for ((i = 0; i < 100; i++)); do
    [ "$(psql -X -A -t "$admin dbname=shop" -c "select count(*) from pg_stat_activity where application_name = 'sleeper' and state = 'active'")" = 1 ] && break
    sleep 0.1
done
ts collect --dsn "$DSN" --json
check_status "collect once more" 0 "$RC"
check_eq "collect --json: format" pg-stat-csv "$(json_get "$T/out" 'j["format"]')"
export_csv 4
# pg_stat_ssl exported on its own: TLS per pid
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=shop" \
    -c "\\copy (select now() as snapshot_at, * from pg_stat_ssl) to '$T/ssl.csv' csv header" \
    >>"$T/export.out" 2>&1 || not_ok "export ssl: $(cat "$T/export.out")"
wait "$sleeper"
[ -s "$T/workload.err" ] && not_ok "workload: $(cat "$T/workload.err")"

# --- the CSV exports, recognised by --format auto -------------------------------
for n in 1 2 3 4; do
    for view in statements activity; do
        "$TRAILSEAL" --store "$CSV_STORE" ingest --json "$T/$view-$n.csv" \
            >"$T/ingest.out" 2>"$T/ingest.err" ||
            not_ok "ingest $view-$n.csv: $(cat "$T/ingest.err")"
    done
done
"$TRAILSEAL" --store "$CSV_STORE" ingest "$T/ssl.csv" >/dev/null 2>"$T/ingest.err" ||
    not_ok "ingest ssl.csv: $(cat "$T/ingest.err")"
check_eq "a pg_stat_ssl export: the TLS session by pid" "1|TLSv1.3" \
    "$(qc "SELECT count(*), ssl_version FROM v_pgstat_activity WHERE view = 'ssl' AND ssl = 1")"
check_eq "the exports are recognised as pg-stat-csv" pg-stat-csv \
    "$(qc "SELECT group_concat(DISTINCT format) FROM sources")"
check_eq "exports: nothing unparsed" 0 \
    "$(qc "SELECT count(*) FROM events WHERE kind = 0")"
"$TRAILSEAL" --store "$CSV_STORE" ingest --json "$T/statements-2.csv" >"$T/out" 2>&1
check_eq "the same export ingested again seals nothing" 0 \
    "$(json_get "$T/out" 'j["sealed"]')"

# --- the deltas -------------------------------------------------------------------
check_eq "live: four pg_stat_statements snapshots, each with the one before" \
    "4|3" \
    "$(q "SELECT count(*), count(prev_id) FROM pgstat_snapshots WHERE view = 'statements'")"
expected="alice|select email from customers where id = \$1|6|6
bob|insert into notes values (\$1)|2|2"
stats="SELECT account, statement, sum(calls), sum(rows) FROM v_statement_stats
       WHERE account IN ('alice', 'bob') GROUP BY 1, 2 ORDER BY 1, 2"
check_eq "live: calls and rows per role and statement, summed over the deltas" \
    "$expected" "$(q "$stats")"
check_eq "exports: the same" "$expected" "$(qc "$stats")"
check_eq "live: the reset is flagged and counts its new value" "1|1" \
    "$(q "SELECT calls, reset FROM v_statement_stats WHERE account = 'alice' AND reset = 1")"
check_eq "exports: the same" "1|1" \
    "$(qc "SELECT calls, reset FROM v_statement_stats WHERE account = 'alice' AND reset = 1")"
check_eq "delta events are kind statement_stats with account and database" \
    "alice|shop|statement_stats
bob|shop|statement_stats" \
    "$(q "SELECT DISTINCT e.account, e.database, k.name FROM events e
          JOIN event_kinds k ON k.kind = e.kind
          JOIN pgstat_statements p ON p.seq = e.seq
          WHERE e.account IN ('alice', 'bob') ORDER BY 1")"
check_eq "baseline rows and rows without new calls carry no account" 0 \
    "$(q "SELECT count(*) FROM events WHERE kind = 10 AND account IS NOT NULL AND statement IS NOT NULL")"
ts search --kind statement_stats --account bob --json
check_status "search --kind statement_stats" 0 "$RC"
check_eq "search: bob's inserts, their calls in the message" \
    "pg_stat_statements: 2 calls, 2 rows" \
    "$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    if l.strip():
        print(json.loads(l)["message"].split(",")[0] + "," + json.loads(l)["message"].split(",")[1])' "$T/out")"
check_eq "the statements are analysed: alice read customers.email" \
    "alice|public.customers.email|read" \
    "$(q "SELECT DISTINCT account, \"column\", access FROM v_column_access
          WHERE account = 'alice' AND \"column\" = 'public.customers.email'")"

# --- pg_stat_activity and pg_stat_ssl ---------------------------------------------
row=$(q "SELECT account, application_name, client_addr, state, ssl, ssl_version, query FROM v_pgstat_activity WHERE application_name = 'sleeper'")
check_eq "pg_stat_activity: the running session, with pg_stat_ssl's TLS" \
    "alice|sleeper|127.0.0.1|active|1|TLSv1.3|select pg_sleep(3)" "$row"
cipher=$(q "SELECT ssl_cipher FROM v_pgstat_activity WHERE application_name = 'sleeper'")
[ -n "$cipher" ] && ok "pg_stat_ssl: the cipher ($cipher)" || not_ok "pg_stat_ssl: no cipher"
check_eq "pg_stat_ssl: the collector's own unix-socket session is not TLS" \
    "0" \
    "$(q "SELECT DISTINCT ssl FROM v_pgstat_activity WHERE account = 'postgres' AND client_addr IS NULL AND backend_type = 'client backend'")"
sid=$(q "SELECT session_id FROM v_pgstat_activity WHERE application_name = 'sleeper'")
check_eq "sessions: the row's session starts at backend_start, with its TLS" \
    "alice|sleeper|127.0.0.1|1|TLSv1.3|$cipher" \
    "$(q "SELECT s.account, s.application, s.client_host,
                 s.started_us = a.backend_start_us, s.tls_protocol, s.tls_cipher
          FROM sessions s JOIN pgstat_activity a ON a.session_id = s.session_id
          WHERE s.session_id = '$sid'")"
"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "could not stop PostgreSQL"
ts ingest --format pg-stderr --prefix "$PREFIX" "$PGSANDBOX_LOG"
check_status "ingest the server's log into the same store" 0 "$RC"
check_eq "the log names the same session (%c): its connection line, same TLS" \
    "1|TLSv1.3|$cipher" \
    "$(q "SELECT count(*), tls_protocol, tls_cipher FROM events WHERE session_id = '$sid' AND kind = 4")"

# --- sealed, and errors -------------------------------------------------------------
ts verify
check_status "verify the live store" 0 "$RC"
STORE=$CSV_STORE ts verify
check_status "verify the CSV store" 0 "$RC"
ts collect --dsn "postgresql://alice:secret-pw@127.0.0.1:1/shop"
check_status "collect from a port nobody listens on" 2 "$RC"
if grep -q '127.0.0.1:1' "$T/err" && ! grep -q secret-pw "$T/err" &&
    [ "$(wc -l <"$T/err")" -eq 1 ]; then
    ok "the error is one line naming host and port, not the password"
else
    not_ok "libpq error: $(cat "$T/err")"
fi
ts collect --dsn "$DSN" --count 2
check_status "--count 2 without --every" 2 "$RC"
ts collect --dsn "$DSN" --every soon
check_status "--every soon" 2 "$RC"
finish
