#!/usr/bin/env bash
# SQL analysis through ingest into the index, on the real pgAudit log of the
# demo workload (tests/e2e/data/pg15-pgaudit.log): v_column_access must show
# the AI agent reading public.customers.ssn and writing it into
# ml.training_rows, each statement counted once, with and without a catalog.
# Usage: column_access.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: column_access.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 sqlite3 grep
make_tmp
LOG=$E2E_DIR/data/pg15-pgaudit.log
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '

# The agent's INSERT ... SELECT, found in the raw log without trailseal:
# pgAudit logs it twice (one row per table), as one statement.
agent_rows=$(grep -c 'agent_langchain@.*AUDIT: SESSION,[0-9]*,[0-9]*,[A-Z]*,[A-Z]*,TABLE,[a-z_.]*,"INSERT INTO ml.training_rows' "$LOG")
check_eq "the raw log has the agent's INSERT ... SELECT as two pgAudit rows" 2 "$agent_rows"
audit_rows=$(grep -c 'LOG:  AUDIT: ' "$LOG")

# q STORE SQL: the query's rows, '|'-separated.
q() { sqlite3 -readonly "$1" "$2" 2>&1; }

# --- without a catalog ----------------------------------------------------------
STORE=$T/plain.db
ts init
check_status "init" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX" --json "$LOG"
check_status "ingest the real log" 0 "$RC"
check_eq "ingest --json: statements analysed = audit rows" "$audit_rows" \
    "$(json_get "$T/out" 'j["statements_analysed"]')"
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG" # nothing new: no summary
ts stats --json
check_status "stats --json" 0 "$RC"
templates=$(json_get "$T/out" 'j["templates"]')
check_eq "stats templates = distinct templates in the index" \
    "$(q "$STORE" 'SELECT count(DISTINCT fingerprint) FROM templates')" "$templates"
if [ "$templates" -gt 20 ] && [ "$templates" -lt "$audit_rows" ]; then
    ok "templates: $templates for $audit_rows audit rows"
else
    not_ok "templates: $templates for $audit_rows audit rows"
fi
check_eq "every audit event has a template" 0 \
    "$(q "$STORE" "SELECT count(*) FROM v_events v JOIN events e ON e.seq = v.entry_index WHERE v.kind = 'audit' AND e.template_id IS NULL")"

agent_sql="SELECT account, \"column\", access FROM v_column_access
           WHERE account = 'agent_langchain' AND \"column\" LIKE '%.ssn'
           ORDER BY access, \"column\""
want_agent="agent_langchain|public.customers.ssn|read
agent_langchain|ml.training_rows.ssn|write"
check_eq "v_column_access: the agent reads customers.ssn and writes training_rows.ssn" \
    "$want_agent" "$(q "$STORE" "$agent_sql")"
check_eq "v_column_access: the agent's full access of its INSERT ... SELECT" \
    "ml.training_rows.email|write
ml.training_rows.full_name|write
ml.training_rows.label|write
ml.training_rows.ssn|write
public.customers.email|read
public.customers.full_name|read
public.customers.ssn|read" \
    "$(q "$STORE" "SELECT v.\"column\", v.access FROM v_column_access v
                  JOIN events e ON e.seq = v.entry_index
                  WHERE v.account = 'agent_langchain' AND e.command = 'INSERT'
                  ORDER BY 1")"
check_eq "v_table_access: the agent's INSERT ... SELECT, once" \
    "public.customers|read
ml.training_rows|write" \
    "$(q "$STORE" "SELECT v.\"table\", v.access FROM v_table_access v
                  JOIN events e ON e.seq = v.entry_index
                  WHERE v.account = 'agent_langchain' AND e.command = 'INSERT'
                  ORDER BY 2, 1")"
# Who read an SSN at all: alice's lookup and the agent's copy.
check_eq "accounts that read public.customers.ssn" "agent_langchain
alice" "$(q "$STORE" "SELECT DISTINCT account FROM v_column_access
                     WHERE \"column\" = 'public.customers.ssn' AND access = 'read'
                     ORDER BY 1")"
# Each entry of the view proves: its entry index is a sealed entry.
idx=$(q "$STORE" "SELECT entry_index FROM v_column_access WHERE account = 'agent_langchain' LIMIT 1")
ts prove --index "$idx"
check_status "prove --index $idx (the agent's statement)" 0 "$RC"
ts verify
check_status "verify" 0 "$RC"

# --- with a catalog -------------------------------------------------------------
cat >"$T/catalog.json" <<'EOF'
{"search_path": ["public"], "relations": [
 {"schema": "public", "name": "customers", "columns":
  ["id", "full_name", "email", "ssn", "card_last4", "created_at", "phone"]},
 {"schema": "public", "name": "orders", "columns":
  ["id", "customer_id", "amount_cents", "status", "created_at"]},
 {"schema": "ml", "name": "training_rows", "columns":
  ["id", "full_name", "email", "ssn", "label"]}]}
EOF
STORE=$T/catalog.db
ts init
ts ingest --format pg-stderr --prefix "$PREFIX" --catalog "$T/catalog.json" "$LOG"
check_status "ingest --catalog" 0 "$RC"
if grep -qE 'analysed [0-9]+ statements, [0-9]+ distinct templates \(template cache hit rate [0-9.]+%\)' "$T/out"; then
    ok "ingest prints the template cache hit rate: $(tail -n 1 "$T/out")"
else
    not_ok "ingest does not print the template cache hit rate: $(cat "$T/out")"
fi
check_eq "with a catalog: the agent reads customers.ssn and writes training_rows.ssn" \
    "$want_agent" "$(q "$STORE" "$agent_sql")"

# --- bad catalog options --------------------------------------------------------
STORE=$T/bad.db
ts init
ts ingest --format pg-stderr --prefix "$PREFIX" --catalog "$T/missing.json" "$LOG"
check_status "ingest --catalog with a missing file" 2 "$RC"
if grep -qF 'missing.json' "$T/err"; then ok "the error names the file"; else not_ok "the error does not name the file: $(cat "$T/err")"; fi
ts ingest --format pg-stderr --prefix "$PREFIX" --catalog "$T/catalog.json" \
    --catalog-dsn 'host=/nonexistent' "$LOG"
check_status "--catalog with --catalog-dsn" 2 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX" \
    --catalog-dsn 'host=/nonexistent dbname=x connect_timeout=2' "$LOG"
check_status "ingest --catalog-dsn to no server" 2 "$RC"
ts stats --json
check_eq "nothing sealed after a refused catalog" 0 "$(json_get "$T/out" 'j["entries"]')"

finish
