#!/usr/bin/env bash
# End to end against a real PostgreSQL 15 + pgAudit: start a sandbox on a free
# port, run the demo workload, stop it, seal its log, and check every count
# trailseal reports against counts taken from the raw log with awk.
# Usage: pg_pgaudit.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: pg_pgaudit.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 unzip awk sqlite3
[ -x /usr/lib/postgresql/15/bin/postgres ] ||
    bail "PostgreSQL 15 is not installed: run scripts/deps.sh"
[ -f /usr/lib/postgresql/15/lib/pgaudit.so ] ||
    bail "pgAudit for PostgreSQL 15 is not installed: run scripts/deps.sh"
command -v psql >/dev/null || bail "psql is not installed: run scripts/deps.sh"

make_tmp
STORE=$T/store.db
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '

# --- the server and the workload ---------------------------------------------
start_sandbox
port=$PORT
"$REPO_DIR/scripts/demo-workload.sh" "$SANDBOX" || bail "the workload failed"
# --- SQL analysis against the live catalog (ingest --catalog-dsn) ----------------
# One more session (the catalog query, whose statements pgAudit does not log:
# pgaudit.log_catalog = off) joins the log; the counts below include it.
# shellcheck source=/dev/null
. "$SANDBOX/sandbox.env"
dsn="host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres dbname=shop"
STORE=$T/catalog.db
ts init
ts ingest --format pg-stderr --prefix "$PREFIX" --catalog-dsn "$dsn" \
    "$SANDBOX/log/postgresql.log"
check_status "ingest --catalog-dsn (the live server's catalog)" 0 "$RC"
got=$(sqlite3 -readonly "$STORE" "SELECT \"column\" || ' ' || access
    FROM v_column_access v JOIN events e ON e.seq = v.entry_index
    WHERE v.account = 'agent_langchain' AND e.command = 'INSERT'
    ORDER BY 1" 2>&1 | tr '\n' ' ')
check_eq "v_column_access with the live catalog: the agent copies SSNs into ml.training_rows" \
    "ml.training_rows.email write ml.training_rows.full_name write ml.training_rows.label write ml.training_rows.ssn write public.customers.email read public.customers.full_name read public.customers.ssn read " \
    "$got"
# With the catalog, `SELECT count(*)` reads no column and `*` would expand:
# alice's SELECT of three customer columns reads exactly those.
got=$(sqlite3 -readonly "$STORE" "SELECT group_concat(\"column\", ' ') FROM
    (SELECT \"column\" FROM v_column_access WHERE account = 'alice'
     AND access = 'read' AND \"column\" LIKE 'public.customers.%'
     GROUP BY 1 ORDER BY 1)" 2>&1)
check_eq "alice's reads of public.customers columns" \
    "public.customers.email public.customers.full_name public.customers.id public.customers.ssn" "$got"
STORE=$T/store.db

"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "could not stop PostgreSQL"
LOG=$SANDBOX/log/postgresql.log
[ -s "$LOG" ] || bail "no server log at $LOG"
ok "PostgreSQL 15 + pgAudit ran the workload on port $port"

# What the log says, counted without trailseal.
declare -A want
while read -r name value; do
    want[$name]=$value
done < <(awk -f "$E2E_DIR/pg_log_counts.awk" "$LOG")
echo "# raw log: ${want[lines]} lines, ${want[entries]} records, ${want[audit]} audit, ${want[sessions]} sessions"
# The workload guarantees these (7 sessions, plus the catalog query's); a
# smaller log means the sandbox is broken. A client may add a session of
# one "connection received" line and nothing after it (seen once under
# ASan: a TCP connection dropped before authentication); the checks below
# compare with the log's own counts, so they hold either way.
[ "${want[audit]}" -ge 30 ] && [ "${want[auth_failure]}" -eq 1 ] &&
    [ "${want[error]}" -eq 1 ] && [ "${want[sessions]}" -ge 8 ] ||
    bail "the server log is not what the workload produces: $(declare -p want)"

# --- init and the key ------------------------------------------------------------
ts init
check_status "init creates the store" 0 "$RC"
init_out=$(cat "$T/out")
check_eq "key file mode" 600 "$(stat -c %a "$STORE.key" 2>/dev/null)"
ts key
check_status "key" 0 "$RC"
vkey=$(cat "$T/out")
if [[ $vkey =~ ^[^+[:space:]]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$ ]]; then
    ok "key prints a note verifier key ($vkey)"
else
    not_ok "key prints a note verifier key: got '$vkey'"
fi
if grep -qF "$vkey" <<<"$init_out"; then
    ok "init printed the same verifier key"
else
    not_ok "init did not print the verifier key: '$init_out'"
fi
ts init
if [ "$RC" -ne 0 ]; then ok "init refuses an existing store (exit $RC)"; else not_ok "init overwrote an existing store"; fi

# --- ingest ----------------------------------------------------------------------
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest the server log" 0 "$RC"
[ "$RC" -eq 0 ] || bail "nothing more can be checked: $(head -n 1 "$T/err")"
if grep -q 'unparsed:' "$T/err"; then
    not_ok "ingest reported unparsed lines in a clean log: $(head -n 3 "$T/err")"
else
    ok "ingest reported no unparsed lines"
fi
ts stats --json
check_status "stats --json" 0 "$RC"
cp "$T/out" "$T/stats1.json"
S=$T/stats1.json
check_eq "entries = records in the log" "${want[entries]}" "$(json_get "$S" 'j["entries"]')"
check_eq "unparsed" 0 "$(json_get "$S" 'j["unparsed"]')"
check_eq "sessions = distinct %c" "${want[sessions]}" "$(json_get "$S" 'j["sessions"]')"
check_eq "sources" 1 "$(json_get "$S" 'j["sources"]')"
for k in audit connection_received connection_authorized disconnection \
    auth_failure error statement log; do
    check_eq "events.$k" "${want[$k]}" "$(json_get "$S" "j['events']['$k']")"
done
check_eq "events.unparsed" 0 "$(json_get "$S" 'j["events"]["unparsed"]')"
check_eq "events add up to entries" "$(json_get "$S" 'j["entries"]')" \
    "$(json_get "$S" 'sum(j["events"].values())')"
entries=$(json_get "$S" 'j["entries"]')

# --- verify and the checkpoint -----------------------------------------------------
ts verify
check_status "verify an untouched store" 0 "$RC"
ts verify --json
check_status "verify --json" 0 "$RC"
check_eq "verify --json verdict" intact "$(json_get "$T/out" 'j["verdict"]')"
check_eq "verify --json entries" "$entries" "$(json_get "$T/out" 'j["entries"]')"
check_eq "verify --json first_bad_entry" null "$(json_get "$T/out" 'j["first_bad_entry"]')"
ts checkpoint
check_status "checkpoint" 0 "$RC"
check_eq "checkpoint tree size" "$entries" "$(sed -n 2p "$T/out")"
if sed -n 3p "$T/out" | grep -qE '^[A-Za-z0-9+/]{43}=$'; then
    ok "checkpoint root hash is base64 SHA-256"
else
    not_ok "checkpoint root hash line: '$(sed -n 3p "$T/out")'"
fi
keyname=${vkey%%+*}
if grep -q "^— $keyname " "$T/out"; then
    ok "checkpoint is signed by '$keyname'"
else
    not_ok "checkpoint has no signature line by '$keyname': $(cat "$T/out")"
fi

# --- ingesting the same content again seals nothing ----------------------------------
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest the same file again" 0 "$RC"
ts stats --json
check_eq "entries after re-ingesting the file" "$entries" "$(json_get "$T/out" 'j["entries"]')"
RC=0
"$TRAILSEAL" --store "$STORE" ingest --format pg-stderr --prefix "$PREFIX" - \
    <"$LOG" >"$T/out" 2>"$T/err" || RC=$?
check_status "ingest the same content from stdin" 0 "$RC"
ts stats --json
check_eq "entries after ingesting it from stdin" "$entries" "$(json_get "$T/out" 'j["entries"]')"
ts verify
check_status "verify after the repeated ingests" 0 "$RC"

# --- search ----------------------------------------------------------------------
ts search ssn --json
check_status "search ssn" 0 "$RC"
n=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(sum(1 for r in rows if r.get("account") == "agent_langchain"
          and "insert into ml.training_rows" in (r.get("statement") or "").lower()))
' "$T/out")
if [ "${n:-0}" -ge 1 ]; then
    ok "search ssn finds the agent's INSERT ... SELECT into ml.training_rows ($n rows)"
else
    not_ok "search ssn does not find the agent's INSERT ... SELECT: $(head -c 600 "$T/out")"
fi
ts search ssn
check_status "search ssn (text)" 0 "$RC"
if grep -q 'INSERT INTO ml.training_rows' "$T/out"; then
    ok "text search output shows the agent's INSERT"
else
    not_ok "text search output lacks the agent's INSERT: $(head -c 400 "$T/out")"
fi

# alice's pgAudit rows on public.customers, counted from the raw log.
want_alice=$(grep -cE '^[^ ]+ [^ ]+ [^ ]+ \[[0-9]+\] alice@[^ ]+ .* LOG:  AUDIT: SESSION,[0-9]+,[0-9]+,[A-Z]+,[A-Z ]+,TABLE,public\.customers,' "$LOG")
ts search --account alice --object public.customers --json
check_status "search --account alice --object public.customers" 0 "$RC"
py_tally "$T/out" "$want_alice" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
want = int(sys.argv[2])
def check(good, what):
    print(("ok - " if good else "not ok - ") + what)
bad = [r for r in rows if r.get("account") != "alice"]
check(rows and not bad, "every row is alice's (%d rows, %d not)" % (len(rows), len(bad)))
off = [r for r in rows
       if "customers" not in (r.get("object") or "") + " " + (r.get("statement") or "")]
check(not off, "every row is on public.customers (%d not)" % len(off))
audit = [r for r in rows if r.get("kind") == "audit" and r.get("object") == "public.customers"]
check(len(audit) == want,
      "alice's audit rows on public.customers: expected %d, got %d" % (want, len(audit)))
keys = {"entry_index", "time", "kind", "account", "database", "application", "client",
        "session_id", "command", "object", "statement", "message", "source", "line"}
missing = sorted(keys - set(rows[0])) if rows else sorted(keys)
check(not missing, "search --json keys (missing: %s)" % (", ".join(missing) or "none"))
EOF
ts search --account bob --kind error --json
check_status "search --account bob --kind error" 0 "$RC"
check_eq "bob's errors" 1 "$(grep -c 'permission denied' "$T/out")"

# --- report ----------------------------------------------------------------------
since=$(date -u -d '-1 day' +%F)
until=$(date -u -d '+1 day' +%F)
ts report --since "$since" --until "$until" --out "$T/report"
check_status "report --since $since --until $until" 0 "$RC"
X=$T/report/evidence.xlsx
if grep -qF "evidence.xlsx" "$T/out"; then ok "report prints the workbook's path"; else not_ok "report does not print the workbook's path: $(cat "$T/out")"; fi
if unzip -tq "$X" >/dev/null 2>&1; then ok "evidence.xlsx is a valid zip"; else not_ok "evidence.xlsx is not a valid zip"; fi
unzip -p "$X" xl/workbook.xml >"$T/workbook.xml" 2>/dev/null
for sheet in 'Cover' 'Privileged &amp; DDL' 'Personal data access' 'Failed logins' \
    'Permission denied' 'Accounts'; do
    if grep -qF "name=\"$sheet\"" "$T/workbook.xml"; then
        ok "workbook has sheet '$sheet'"
    else
        not_ok "workbook lacks sheet '$sheet'"
    fi
done
# The failed login and bob's denied read reach their sheets.
unzip -p "$X" 'xl/sharedStrings.xml' 'xl/worksheets/*.xml' >"$T/sheets.xml" 2>/dev/null
for needle in 'password authentication failed' 'permission denied for table customers' \
    'agent_langchain'; do
    if grep -qF "$needle" "$T/sheets.xml"; then ok "workbook mentions '$needle'"; else not_ok "workbook lacks '$needle'"; fi
done

# --- the key file must stay private --------------------------------------------------
chmod 640 "$STORE.key"
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest with a group-readable key file" 2 "$RC"
if grep -qiE "permission|mode [0-7]{3}" "$T/err"; then
    ok "the error mentions permissions: $(head -n 1 "$T/err")"
else
    not_ok "the error does not mention permissions: '$(head -n 1 "$T/err")'"
fi
chmod 600 "$STORE.key"
ts verify
check_status "verify after the refused ingest" 0 "$RC"

finish
