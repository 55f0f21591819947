#!/usr/bin/env bash
# End to end against a real MariaDB with the server_audit plugin: start a
# sandbox on a free port, run scripts/mariadb-workload.sh, stop it, seal the
# audit log, and check every count trailseal reports against counts taken
# from the raw log with awk and against what the workload did.
# Usage: mariadb_audit.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: mariadb_audit.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 awk mariadb mariadb-admin
[ -x /usr/sbin/mariadbd ] || bail "MariaDB is not installed: run scripts/deps.sh"
[ -f /usr/lib/mysql/plugin/server_audit.so ] ||
    bail "the server_audit plugin is not installed: run scripts/deps.sh"

make_tmp
STORE=$T/store.db
MYSANDBOX=

my_cleanup() {
    local rc=$?
    if [ -n "$MYSANDBOX" ] && [ -e "$MYSANDBOX/run/mysqld.pid" ]; then
        "$REPO_DIR/scripts/mariadb-sandbox.sh" stop "$MYSANDBOX" || true
    fi
    (exit $rc)
    cleanup
}
trap my_cleanup EXIT

# my_free_port: a TCP port in 55440-55459 that nobody listens on.
my_free_port() {
    local i p start=$RANDOM
    for ((i = 0; i < 20; i++)); do
        p=$((55440 + (start + i) % 20))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# --- the server and the workload ---------------------------------------------
started=
for _ in 1 2 3 4 5; do
    port=$(my_free_port) || bail "no free TCP port in 55440-55459"
    MYSANDBOX=$T/my-$port
    if "$REPO_DIR/scripts/mariadb-sandbox.sh" start "$MYSANDBOX" "$port"; then
        started=1
        break
    fi
    if [ -e "$MYSANDBOX/run/mysqld.pid" ]; then
        "$REPO_DIR/scripts/mariadb-sandbox.sh" stop "$MYSANDBOX" || true
    fi
done
[ -n "$started" ] || bail "could not start MariaDB (scripts/mariadb-sandbox.sh start)"
"$REPO_DIR/scripts/mariadb-workload.sh" "$MYSANDBOX" || bail "the workload failed"
"$REPO_DIR/scripts/mariadb-sandbox.sh" stop "$MYSANDBOX" || bail "could not stop MariaDB"
LOG=$MYSANDBOX/log/server_audit.log
[ -s "$LOG" ] || bail "no audit log at $LOG"
ok "MariaDB $(/usr/sbin/mariadbd --version | awk '{print $3}') ran the workload on port $port"

# What the log says, counted without trailseal: one record per line; the
# operation is field 7 and the retcode the last field (no user or host in
# this workload has a comma).
declare -A want
while read -r name value; do
    want[$name]=$value
done < <(awk -F, '
    /^[0-9]{8} [0-9][0-9]:[0-9][0-9]:[0-9][0-9],/ {
        records++
        op = $7
        if (op == "CONNECT" || op == "CHANGEUSER") k = ($NF == 0) ? "connection_authorized" : "auth_failure"
        else if (op == "FAILED_CONNECT") k = "auth_failure"
        else if (op == "DISCONNECT") k = "disconnection"
        else if (op ~ /^QUERY/) k = ($NF == 0) ? "statement" : "error"
        else if (op ~ /^(READ|WRITE|CREATE|DROP|ALTER|RENAME)$/) k = "audit"
        else k = "log"
        n[k]++
        if (op == "CONNECT" || op == "FAILED_CONNECT") sessions++
        next
    }
    { other++ }
    END {
        printf "records %d\nother %d\nsessions %d\n", records, other, sessions
        split("audit connection_authorized disconnection auth_failure error statement log", ks, " ")
        for (i in ks) printf "%s %d\n", ks[i], n[ks[i]]
    }' "$LOG")
lines=$(wc -l <"$LOG")
echo "# raw log: $lines lines, ${want[records]} records, ${want[audit]} table records, ${want[sessions]} sessions"
[ "${want[other]}" -eq 0 ] && [ "${want[records]}" -eq "$lines" ] &&
    [ "${want[auth_failure]}" -eq 1 ] && [ "${want[error]}" -eq 3 ] ||
    bail "the audit log is not what the workload produces: $(declare -p want)"

# --- ingest ----------------------------------------------------------------------
ts init
check_status "init" 0 "$RC"
ts ingest --format mariadb-audit --raw "$LOG"
check_status "ingest the audit log" 0 "$RC"
[ "$RC" -eq 0 ] || bail "nothing more can be checked: $(head -n 1 "$T/err")"
if grep -q 'unparsed' "$T/err"; then
    not_ok "ingest reported unparsed lines in a clean log: $(head -n 3 "$T/err")"
else
    ok "ingest reported no unparsed lines"
fi
ts stats --json
check_status "stats --json" 0 "$RC"
cp "$T/out" "$T/stats1.json"
S=$T/stats1.json
check_eq "entries = lines of the log" "$lines" "$(json_get "$S" 'j["entries"]')"
check_eq "unparsed" 0 "$(json_get "$S" 'j["unparsed"]')"
check_eq "sessions = CONNECT and FAILED_CONNECT lines" "${want[sessions]}" \
    "$(json_get "$S" 'j["sessions"]')"
for k in audit connection_authorized disconnection auth_failure error statement log; do
    check_eq "events.$k" "${want[$k]}" "$(json_get "$S" "j['events']['$k']")"
done
check_eq "events add up to entries" "$(json_get "$S" 'j["entries"]')" \
    "$(json_get "$S" 'sum(j["events"].values())')"
entries=$(json_get "$S" 'j["entries"]')

# --- what the workload did, per account ------------------------------------------
py_tally "$STORE" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def check(good, what):
    print(("ok - " if good else "not ok - ") + what)
def count(sql, *args):
    return db.execute(sql, args).fetchone()[0]
# account: (connection_authorized, auth_failure, statement, error, disconnection)
want = {
    "alice": (1, 0, 4, 0, 1),
    "bob": (1, 1, 1, 1, 2),
    "agent_etl": (1, 0, 5, 2, 1),
}
kinds = ("connection_authorized", "auth_failure", "statement", "error", "disconnection")
for account, counts in want.items():
    for kind, n in zip(kinds, counts):
        got = count("SELECT count(*) FROM v_events WHERE account = ? AND kind = ?",
                    account, kind)
        check(got == n, "%s: %s = %d (got %d)" % (account, kind, n, got))
got = count("SELECT count(*) FROM v_events WHERE account = 'root' AND kind = 'statement'")
check(got == 14, "root: 14 statements (got %d)" % got)
denied = db.execute(
    "SELECT account, command, query FROM v_permission_denied ORDER BY entry_index").fetchall()
check(denied == [("bob", "SELECT", "SELECT ssn FROM shop.customers"),
                 ("agent_etl", "DROP TABLE", "DROP TABLE shop.orders")],
      "v_permission_denied holds the two denied statements: %r" % denied)
got = db.execute("SELECT sqlstate, message FROM v_events WHERE kind = 'error' "
                 "AND query = 'SELEC 1'").fetchall()
check(got == [("42000", "error (MariaDB error 1064 ER_PARSE_ERROR)")],
      "the syntax error keeps MariaDB's SQLSTATE: %r" % got)
got = db.execute("SELECT account, client_host, sqlstate FROM v_failed_logins").fetchall()
check(got == [("bob", "127.0.0.1", "28000")], "one failed login, bob's: %r" % got)
sql = ("SELECT name,\n       email\n  FROM customers WHERE name LIKE '%\\\\%' "
       "OR email = 'a,b'")
got = count("SELECT count(*) FROM v_events WHERE kind = 'statement' AND statement = ?", sql)
check(got == 1, "the three-line query comes back with its line breaks, quotes and backslashes")
got = count("SELECT count(*) FROM v_events WHERE statement = ?",
            "INSERT INTO customers VALUES (3, 'O''Brien, \"Pat\"', 'pat@example.com', "
            "'111-22-3333')")
check(got == 1, "the INSERT with quotes and commas is unescaped exactly")
got = [r[0] for r in db.execute(
    "SELECT command FROM v_events WHERE account = 'root' AND kind = 'statement' "
    "ORDER BY entry_index")]
check(got[:3] == ["CREATE DATABASE", "CREATE DATABASE", "CREATE TABLE"]
      and "GRANT" in got and got[-1] == "REVOKE" and got.count("CREATE USER") == 3,
      "commands from the first keywords: %r" % got)
got = db.execute("SELECT command, object_name, detail FROM v_events "
                 "WHERE kind = 'audit' AND account = 'agent_etl' AND audit_class = 'DDL' "
                 "ORDER BY entry_index").fetchall()
check(got == [("CREATE", "ml.training_rows", None), ("ALTER", "ml.training_rows", None),
              ("RENAME", "ml.training_rows", "renamed to ml.training_v2"),
              ("DROP", "ml.training_v2", None)],
      "agent_etl's table DDL records: %r" % got)
got = count("SELECT count(*) FROM v_events WHERE kind = 'audit' AND object_name = "
            "'shop.customers' AND command = 'READ' AND account = 'agent_etl'")
check(got == 1, "agent_etl read shop.customers once")
# sessions: serverhost:connid@connect-time, and each session's events share it
rows = db.execute("SELECT session_id, count(*) FROM v_events WHERE account = 'bob' "
                  "GROUP BY session_id ORDER BY min(entry_index)").fetchall()
check(len(rows) == 2 and all("@" in r[0] for r in rows) and [r[1] for r in rows] == [2, 5],
      "bob's two sessions (failed; then connect, read, 2 queries, disconnect): %r" % rows)
got = count("SELECT count(*) FROM v_events WHERE kind = 'disconnection' "
            "AND session_duration_us IS NULL")
check(got == 0, "every disconnection has its session time")
got = count("SELECT count(*) FROM v_events WHERE time_us IS NULL")
check(got == 0, "every event has a time")
EOF

# --- verify, and the same content again ------------------------------------------------
ts verify --json
check_status "verify --json" 0 "$RC"
check_eq "verify --json verdict" intact "$(json_get "$T/out" 'j["verdict"]')"
check_eq "verify --json entries" "$entries" "$(json_get "$T/out" 'j["entries"]')"
ts ingest --format mariadb-audit --raw "$LOG"
check_status "ingest the same file again" 0 "$RC"
RC=0
"$TRAILSEAL" --store "$STORE" ingest --format mariadb-audit --raw - <"$LOG" \
    >"$T/out" 2>"$T/err" || RC=$?
check_status "ingest the same content from stdin" 0 "$RC"
ts stats --json
check_eq "entries after re-ingesting" "$entries" "$(json_get "$T/out" 'j["entries"]')"

# --- search --------------------------------------------------------------------------
ts search --account bob --kind error --json
check_status "search --account bob --kind error" 0 "$RC"
check_eq "bob's errors" 1 "$(grep -c 'permission denied' "$T/out")"
ts search --object shop.customers --json
check_status "search --object shop.customers" 0 "$RC"
n=$(grep -c '"object":"shop.customers"' "$T/out")
want_reads=$(grep -c ',READ,shop,customers,$' "$LOG")
want_writes=$(grep -c ',WRITE,shop,customers,$' "$LOG")
want_create=$(grep -c ',CREATE,shop,customers,$' "$LOG")
check_eq "table records on shop.customers" $((want_reads + want_writes + want_create)) "$n"

# --- a local time zone ------------------------------------------------------------------
STORE=$T/store-tz.db
ts init
ts ingest --format mariadb-audit --utc-offset +02:00 --raw "$LOG"
check_status "ingest --utc-offset +02:00" 0 "$RC"
first_utc=$(python3 -c '
import sqlite3, sys
a = sqlite3.connect(sys.argv[1]).execute("SELECT min(time_us) FROM events").fetchone()[0]
b = sqlite3.connect(sys.argv[2]).execute("SELECT min(time_us) FROM events").fetchone()[0]
print((a - b) // 1000000)' "$T/store.db" "$STORE")
check_eq "+02:00 puts events two hours earlier in UTC" 7200 "$first_utc"
ts ingest --format mariadb-audit --utc-offset 'two hours' "$LOG"
check_status "ingest --utc-offset with a bad offset" 2 "$RC"
ts ingest --format pg-stderr --prefix '%m ' --utc-offset +02:00 "$LOG"
check_status "--utc-offset with pg-stderr" 2 "$RC"

finish
