#!/usr/bin/env bash
# trailseal analyze-sql without a server: output forms, exit codes, catalog
# files, dialects, and errors that say what and where. (The column oracle
# checks its accuracy against a real PostgreSQL.)
# Usage: analyze_sql.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: analyze_sql.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3
make_tmp
STORE=$T/unused.db

cat >"$T/catalog.json" <<'JSON'
{"search_path": ["public"], "relations": [
 {"schema": "public", "name": "customers", "kind": "table",
  "columns": ["id", "name", "email", "ssn"]},
 {"schema": "ml", "name": "training_rows", "kind": "table",
  "columns": ["id", "ssn"]},
 {"schema": "public", "name": "contacts", "kind": "view",
  "columns": ["id", "email"],
  "definition": "SELECT id, email FROM customers"}]}
JSON

ts analyze-sql --catalog "$T/catalog.json" \
    "SELECT * FROM contacts WHERE id = 42 /* x */;"
check_status "text output" 0 "$RC"
check_eq "template line" 'template        SELECT * FROM contacts WHERE id = $1' \
    "$(grep '^template' "$T/out")"
check_eq "columns read line" \
    'columns read    public.contacts.email public.contacts.id public.customers.email public.customers.id' \
    "$(grep '^columns read' "$T/out")"
check_eq "no writes" 'columns written -' "$(grep '^columns written' "$T/out")"

ts analyze-sql --catalog "$T/catalog.json" --json \
    "INSERT INTO ml.training_rows SELECT id, ssn FROM customers"
check_status "json output" 0 "$RC"
check_eq "class" write "$(json_get "$T/out" 'j["class"]')"
check_eq "command" INSERT "$(json_get "$T/out" 'j["command"]')"
check_eq "columns written" "ml.training_rows.id ml.training_rows.ssn" \
    "$(json_get "$T/out" '" ".join(j["columns_written"])')"
check_eq "columns read" "public.customers.id public.customers.ssn" \
    "$(json_get "$T/out" '" ".join(j["columns_read"])')"
check_eq "fingerprint is 16 hex digits" 16 \
    "$(json_get "$T/out" 'len(j["fingerprint"])')"

ts analyze-sql --catalog "$T/catalog.json" \
    "INSERT INTO customers (id, email, ssn) VALUES (7, 'ann@example.com', '123-45-6789')"
check_status "value classes text" 0 "$RC"
check_eq "value classes line" 'value classes   $2: email; $3: us_ssn' \
    "$(grep '^value classes' "$T/out")"
ts analyze-sql --json "SELECT 1 FROM customers WHERE ssn = '123-45-6789'"
check_status "value classes json" 0 "$RC"
check_eq "value classes json" '[{"placeholder": 2, "classes": ["us_ssn"]}]' \
    "$(json_get "$T/out" 'json.dumps(j["value_classes"])')"
check_eq "json never prints the value" 0 "$(grep -c '123-45-6789' "$T/out")"

ts analyze-sql --dialect mysql --json \
    'SELECT `email` FROM `customers` WHERE name = "x\"y" AND id = ?'
check_status "mysql dialect" 0 "$RC"
check_eq "mysql template" 'SELECT `email` FROM `customers` WHERE name = $1 AND id = $2' \
    "$(json_get "$T/out" 'j["template"]')"
check_eq "mysql columns" "public.customers.email public.customers.id public.customers.name" \
    "$(json_get "$T/out" '" ".join(j["columns_read"])')"

printf "SELECT 1\nSELEC 2\n\nSELECT name FROM customers WHERE id = 7\n" >"$T/lines.sql"
RC=0
"$TRAILSEAL" analyze-sql --json --stats --lines - <"$T/lines.sql" \
    >"$T/out" 2>"$T/err" || RC=$?
check_status "--lines with a statement that does not parse" 1 "$RC"
check_eq "one object per statement" 3 "$(grep -c '' "$T/out")"
check_eq "the bad one says why" unknown \
    "$(sed -n 2p "$T/out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["class"])')"
if grep -q '^statements 3, cache hits 0' "$T/err"; then
    ok "--stats prints the cache figures"
else
    not_ok "--stats: got '$(cat "$T/err")'"
fi

ts analyze-sql "SELECT 'unterminated"
check_status "unterminated quote" 1 "$RC"
if grep -q '^error' "$T/out"; then
    ok "the error is printed"
else
    not_ok "no error line"
fi

echo '{"relations": [{"schema": "s"}]}' >"$T/bad.json"
ts analyze-sql --catalog "$T/bad.json" "SELECT 1"
check_status "bad catalog" 2 "$RC"
check_eq "bad catalog message" \
    "trailseal: analyze-sql: '$T/bad.json': catalog: relations[0]: needs string \"schema\", \"name\" and an array \"columns\"" \
    "$(head -n 1 "$T/err")"
ts analyze-sql --catalog "$T/nonexistent.json" "SELECT 1"
check_status "missing catalog" 2 "$RC"
ts analyze-sql --catalog-dsn "host=127.0.0.1 port=1 connect_timeout=2" "SELECT 1"
check_status "unreachable database" 2 "$RC"
check_eq "one-line connection error" 1 "$(grep -c '' "$T/err")"

ts analyze-sql
check_status "no statement" 2 "$RC"
ts analyze-sql --dialect oracle "SELECT 1"
check_status "unknown dialect" 2 "$RC"
ts analyze-sql --catalog a --catalog-dsn b "SELECT 1"
check_status "two catalogs" 2 "$RC"
ts analyze-sql "SELECT 1" "SELECT 2"
check_status "two statements" 2 "$RC"
ts analyze-sql --help
check_status "--help" 0 "$RC"

ts analyze-sql --catalog "$T/catalog.json" --dump-catalog
check_status "--dump-catalog" 0 "$RC"
cp "$T/out" "$T/dumped.json"
ts analyze-sql --catalog "$T/dumped.json" --dump-catalog
if cmp -s "$T/dumped.json" "$T/out"; then
    ok "a dumped catalog reads back the same"
else
    not_ok "a dumped catalog reads back differently (see $T/out)"
fi

finish
