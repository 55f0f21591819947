#!/usr/bin/env bash
# Redaction before sealing, on a real PostgreSQL 15 + pgAudit writing
# stderr, csvlog and jsonlog at once: a person stores an SSN and an e-mail
# (in literals, a multi-line quoted string, bind parameters of a prepared
# statement, a unique violation's DETAIL, log_statement and duration lines).
# For each log: no such value is left anywhere in the chain's blocks or the
# index, yet `search --value` finds the statements by HMAC, `search --class
# us_ssn` still finds them (classes come from the values as read),
# `verify --against` proves the original log (and names the line of a
# changed one), and --raw seals the values as read.
# Usage: redaction.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: redaction.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 sqlite3 psql zstd xxd
make_tmp

start_sandbox "log_destination = 'stderr,csvlog,jsonlog'" \
    "log_statement = 'all'" "log_min_duration_statement = 0"
# shellcheck source=/dev/null
. "$SANDBOX/sandbox.env"
admin="host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres"
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=postgres" >"$T/psql.out" 2>&1 <<'SQL' || bail "setup failed: $(cat "$T/psql.out")"
CREATE ROLE alice LOGIN PASSWORD 'pw';
CREATE DATABASE shop OWNER alice;
SQL
PGPASSWORD=pw psql -X -q "host=127.0.0.1 port=$PGSANDBOX_PORT dbname=shop user=alice" \
    >>"$T/psql.out" 2>&1 <<'SQL'
CREATE TABLE customers (id int, email text UNIQUE, ssn text, note text);
INSERT INTO customers VALUES (1, 'ann.lee@example.com', '078-05-1120',
  'it''s "quoted",
multi-line 4111111111111111');
PREPARE by_email(text) AS SELECT id FROM customers WHERE email = $1;
EXECUTE by_email('ann.lee@example.com');
SELECT id FROM customers WHERE ssn = '078-05-1120' AND id > 0;
INSERT INTO customers VALUES (2, 'ann.lee@example.com', '219-09-9999', NULL);
SQL
"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "stopping PostgreSQL failed"
LOGDIR=$(dirname "$PGSANDBOX_LOG")
secrets="078-05-1120 ann.lee@example.com 219-09-9999 4111111111111111"
for s in $secrets; do
    grep -q -- "$s" "$PGSANDBOX_LOG" || bail "the log does not hold '$s'"
done
grep -q 'Key (email)=(ann.lee@example.com) already exists' "$PGSANDBOX_LOG" ||
    bail "no unique violation DETAIL in the log"

# chain_text STORE: every stored block's body, decompressed (records are in
# it verbatim).
chain_text() {
    sqlite3 "$1" "SELECT hex(substr(data, 34)) FROM blocks ORDER BY block_no" |
        while read -r hex; do
            printf '%s' "$hex" | xxd -r -p | zstd -dq -c
        done
}

for f in stderr csv json; do
    case $f in
    stderr) log=$PGSANDBOX_LOG fmt=(--format pg-stderr --prefix "$PGSANDBOX_PREFIX") ;;
    csv) log=$LOGDIR/postgresql.csv fmt=(--format pg-csvlog) ;;
    json) log=$LOGDIR/postgresql.json fmt=(--format pg-jsonlog) ;;
    esac
    STORE=$T/$f.db
    ts init
    check_status "$f: init" 0 "$RC"
    ts ingest "${fmt[@]}" --json "$log"
    check_status "$f: ingest" 0 "$RC"
    redacted=$(json_get "$T/out" 'j["redacted"]')
    withheld=$(json_get "$T/out" 'j["withheld"]')
    check_eq "$f: records redacted, none withheld" "yes 0" \
        "$([ "$redacted" -ge 6 ] && echo yes || echo "no ($redacted)") $withheld"
    chain_text "$STORE" >"$T/chain-$f.txt"
    grep -q 'WHERE ssn = ? AND id > ?' "$T/chain-$f.txt" &&
        ok "$f: the chain holds the redacted statement" ||
        not_ok "$f: no redacted statement in the chain"
    sqlite3 "$STORE" .dump >"$T/dump-$f.sql"
    leaked=
    for s in $secrets; do
        grep -q -- "$s" "$T/chain-$f.txt" "$T/dump-$f.sql" && leaked="$leaked $s"
    done
    check_eq "$f: no value left in the chain or the index" "" "$leaked"
    grep -q 'Key (email)=(?) already exists' "$T/chain-$f.txt" &&
        ok "$f: the DETAIL's value redacted" ||
        not_ok "$f: the DETAIL is not redacted"

    ts search --value 078-05-1120 --json
    check_status "$f: search --value" 0 "$RC"
    check_eq "$f: search --value finds the INSERT and the SELECT by SSN" \
        "INSERT SELECT" \
        "$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join(sorted({r["command"] for r in rows if r["kind"] == "audit"})))' "$T/out")"
    ts search --value ann.lee@example.com --kind audit --json
    check_eq "$f: search --value finds the bind parameter's statement too" \
        "yes" "$(grep -q 'EXECUTE\|WHERE email = \$1' "$T/out" && echo yes)"
    ts search --value 078-05-1121 --json
    check_eq "$f: another value finds nothing" "0|" "$RC|$(cat "$T/out")"
    ts search --class us_ssn --kind audit --json
    check_eq "$f: value classes come from the values as read" "yes" \
        "$([ "$(wc -l <"$T/out")" -ge 2 ] && echo yes)"

    ts verify --against "$log" --json
    check_status "$f: verify --against the original log" 0 "$RC"
    check_eq "$f: every record matches, redacted ones by HMAC" "0 0 yes" \
        "$(python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if "against" in l]
a = objs[0]
print(a["differ"], a["missing"], "yes" if a["matched_by_hmac"] >= 6 else a)' "$T/out")"
    # one changed digit in the SSN of the SELECT's line
    line=$(grep -n "ssn = '078-05-1120' AND id > 0" "$log" | head -n 1 | cut -d: -f1)
    sed "${line}s/078-05-1120/078-05-1121/" "$log" >"$T/changed-$f"
    ts verify --against "$T/changed-$f"
    check_status "$f: verify --against a changed copy" 1 "$RC"
    grep -q "changed-$f:[0-9]*: differs from sealed entry" "$T/err" &&
        ok "$f: the difference is named by file and line" ||
        not_ok "$f: no FILE:LINE difference: $(head -n 2 "$T/err")"
done

# --- --raw keeps the values; --value still works ------------------------------
STORE=$T/raw.db
ts init
ts ingest --format pg-stderr --prefix "$PGSANDBOX_PREFIX" --raw --json "$PGSANDBOX_LOG"
check_status "--raw: ingest" 0 "$RC"
check_eq "--raw: nothing redacted" "0" "$(json_get "$T/out" 'j["redacted"]')"
chain_text "$STORE" >"$T/chain-raw.txt"
grep -q 078-05-1120 "$T/chain-raw.txt" &&
    ok "--raw: the chain holds the values as read" ||
    not_ok "--raw: the value is not in the chain"
ts search --value 078-05-1120
check_status "--raw: search --value" 0 "$RC"
ts verify --against "$PGSANDBOX_LOG"
check_status "--raw: verify --against" 0 "$RC"

# --- without the key file: --value says why -------------------------------------
mv "$T/raw.db.key" "$T/raw.key.away"
ts search --value 078-05-1120
check_status "search --value without the key file" 2 "$RC"
grep -q "key" "$T/err" && ok "the message names the key file" ||
    not_ok "unclear message: $(cat "$T/err")"
finish
