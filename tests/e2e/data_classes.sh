#!/usr/bin/env bash
# Data classes on a real PostgreSQL 15 + pgAudit: a column whose catalog
# comment is 'pii:ssn' (and whose name no pattern matches) is classified
# once the catalog is collected; search --class/--column and who --class
# find exactly the statements and identities that read it; a literal that
# is a US SSN is a value class of its statement; reindex applies new
# controls.yaml rules to all history, twice gives the same index, and
# leaves the chain (verify, newest checkpoint) untouched.
# Usage: data_classes.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: data_classes.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 sqlite3 psql
make_tmp
STORE=$T/store.db
q() { sqlite3 -readonly "$STORE" "$1" 2>&1; }

start_sandbox
# shellcheck source=/dev/null
. "$SANDBOX/sandbox.env"
admin="host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres"
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=postgres" >"$T/psql.out" 2>&1 <<'SQL' || bail "setup failed: $(cat "$T/psql.out")"
CREATE ROLE carol LOGIN PASSWORD 'carol-pw';
CREATE ROLE agent_7 LOGIN PASSWORD 'agent-pw';
CREATE ROLE dave LOGIN PASSWORD 'dave-pw';
CREATE DATABASE clinic;
\connect clinic
CREATE TABLE public.patients (id integer PRIMARY KEY, tax_ref text,
    note text, contact inet);
COMMENT ON COLUMN public.patients.tax_ref IS 'pii:ssn';
CREATE TABLE public.visits (id integer, patient_id integer, room text);
GRANT SELECT, INSERT ON public.patients, public.visits TO carol, agent_7, dave;
SQL
# run USER PASSWORD SQL: one password login over TCP.
run() {
    psql -X -q -v ON_ERROR_STOP=1 \
        "host=127.0.0.1 port=$PGSANDBOX_PORT dbname=clinic user=$1 password=$2 application_name=e2e" \
        -c "$3" >>"$T/psql.out" 2>&1 || bail "$1: '$3' failed: $(tail -n 2 "$T/psql.out")"
}
run carol carol-pw "SELECT tax_ref FROM patients WHERE id = 1"
run carol carol-pw "SELECT room FROM visits"
run agent_7 agent-pw "SELECT id, tax_ref, note FROM public.patients"
run agent_7 agent-pw "INSERT INTO visits VALUES (1, 1, 'A')"
run dave dave-pw "SELECT note FROM patients"
run dave dave-pw "INSERT INTO visits (id, patient_id, room) VALUES (2, 1, '078-05-1120')"
ok "PostgreSQL: a 'pii:ssn' column and six statements by three accounts"

cat >"$T/identities.csv" <<'CSV'
name,kind,owner,status,terminated_at,accounts
Carol Diaz,human,,active,,postgres:carol
agent-7,agent,Carol Diaz,active,,postgres:agent_7
Dave Roe,human,,active,,postgres:dave
CSV
ts init
check_status "init" 0 "$RC"
ts load identities "$T/identities.csv"
check_status "load identities" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PGSANDBOX_PREFIX" "$PGSANDBOX_LOG"
check_status "ingest the server log" 0 "$RC"
check_eq "no column class before the catalog (no rules, no comments)" 0 \
    "$(q 'SELECT count(*) FROM column_classes')"
ts collect --catalog --dsn "postgresql://postgres@/clinic?host=$PGSANDBOX_SOCKET&port=$PGSANDBOX_PORT"
check_status "collect --catalog" 0 "$RC"
check_eq "the catalog comment classifies tax_ref as ssn" \
    "public.patients.tax_ref|ssn|comment:pii:ssn" \
    "$(q 'SELECT * FROM column_classes')"

# --- search --class / --column -----------------------------------------------------
# The raw log's AUDIT rows that read tax_ref, found without trailseal.
want=$(grep -E 'AUDIT: SESSION,[0-9]+,[0-9]+,READ,SELECT,.*tax_ref' "$PGSANDBOX_LOG" |
    grep -oE '(carol|agent_7)@clinic' | sort | tr '\n' ' ')
check_eq "the raw log: carol's and agent_7's reads of tax_ref" \
    "agent_7@clinic carol@clinic " "$want"
ts search --class ssn --oldest-first --json
check_status "search --class ssn" 0 "$RC"
py_tally "$T/out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
got = sorted((r["account"], r["statement"]) for r in rows)
want = [("agent_7", "SELECT id, tax_ref, note FROM public.patients"),
        ("carol", "SELECT tax_ref FROM patients WHERE id = ?")]
print(("ok" if got == want else "not ok") +
      " - search --class ssn: exactly the two reads of tax_ref %r" % (got,))
PY
ts search --column public.patients.tax_ref --json
check_eq "search --column public.patients.tax_ref: the same two statements" 2 \
    "$(grep -c . "$T/out")"
ts search --column public.patients.note --account agent_7 --json
check_eq "search --column note --account agent_7: one statement" 1 \
    "$(grep -c . "$T/out")"
ts search --class us_ssn --json
check_eq "search --class us_ssn: dave's INSERT with an SSN literal" \
    "dave" "$(json_get "$T/out" 'j["account"]')"

# --- who --class / --column ------------------------------------------------------------
ts who --class ssn --csv
check_status "who --class ssn" 0 "$RC"
check_eq "who --class ssn: the identities and accounts, one read each" \
    "identity,account,column,events,reads,writes,sessions
Carol Diaz,carol,public.patients.tax_ref,1,1,0,1
agent-7,agent_7,public.patients.tax_ref,1,1,0,1" \
    "$(cut -d, -f1-7 "$T/out")"
ts who --column public.patients.tax_ref --csv
check_eq "who --column: the same two identities" \
    "$(cut -d, -f1-3 <<<"identity,account,column
Carol Diaz,carol,public.patients.tax_ref
agent-7,agent_7,public.patients.tax_ref")" "$(cut -d, -f1-3 "$T/out")"
ts who --class us_ssn --json
py_tally "$T/out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
got = [(r["identity"], r["column"], r["events"]) for r in rows]
print(("ok" if got == [("Dave Roe", None, 1)] else "not ok") +
      " - who --class us_ssn: Dave, for a value, no column %r" % (got,))
PY
# --who narrows both halves: the columns' statements and the values'
ts who --class ssn --who "Carol Diaz" --csv
check_status "who --class ssn --who" 0 "$RC"
check_eq "who --class ssn --who 'Carol Diaz': her read alone" \
    "identity,account,column,events
Carol Diaz,carol,public.patients.tax_ref,1" "$(cut -d, -f1-4 "$T/out")"
ts who --class us_ssn --who "Dave Roe" --csv
check_status "who --class us_ssn --who" 0 "$RC"
check_eq "who --class us_ssn --who 'Dave Roe': his value, no column" \
    "identity,account,column,events
Dave Roe,dave,,1" "$(cut -d, -f1-4 "$T/out")"
ts who --class us_ssn --who "Carol Diaz" --csv
check_eq "who --class us_ssn --who 'Carol Diaz': none" \
    "identity,account,column,events" "$(cut -d, -f1-4 "$T/out")"

# --- errors: one line, exit 2 --------------------------------------------------------
ts search --class no_such_class
check_status "search --class unknown" 2 "$RC"
check_eq "an unknown class is one line" 1 "$(grep -c . "$T/err")"
ts search --column patients
check_status "search --column without schema and table" 2 "$RC"
ts who --class ssn --object public.patients
check_status "who with both --class and --object" 2 "$RC"
ts who
check_status "who without a question" 2 "$RC"
ts reindex --controls "$T/missing.yaml"
check_status "reindex --controls missing file" 2 "$RC"
ts reindex --bogus
check_status "reindex --bogus" 2 "$RC"

# --- reindex: new rules for all history; twice = same; chain untouched -----------------
dump() {
    sqlite3 -readonly "$STORE" "SELECT * FROM class_rules ORDER BY 1, 2, 3;
        SELECT * FROM column_classes ORDER BY 1, 2, 3;
        SELECT * FROM event_value_classes ORDER BY 1, 2;" >"$1"
}
ts checkpoint
cp "$T/out" "$T/cp.before"
dump "$T/dump.0"
cat >"$T/controls.yaml" <<'YAML'
version: 1
data_classes:
  - id: notes
    description: Free-text notes
    columns: ["public.patients.not?"]
  - id: network
    types: ["inet"]
  - id: ssn
    column_patterns: ["*_ssn"]
YAML
ts reindex --controls "$T/controls.yaml" --json
check_status "reindex --controls" 0 "$RC"
check_eq "reindex: the rules stored" 3 "$(json_get "$T/out" 'j["rules"]')"
check_eq "reindex: explicit column, type and comment classes" \
    "public.patients.contact|network|type:inet
public.patients.note|notes|column:public.patients.not?
public.patients.tax_ref|ssn|comment:pii:ssn" \
    "$(q 'SELECT * FROM column_classes ORDER BY 1, 2')"
ts who --class notes --csv
check_eq "who --class notes: agent_7 and dave read note (new rule, old history)" \
    "agent-7,agent_7 Dave Roe,dave" \
    "$(tail -n +2 "$T/out" | cut -d, -f1-2 | LC_ALL=C sort -f | tr '\n' ' ' | sed 's/ $//')"
dump "$T/dump.1"
ts reindex --controls "$T/controls.yaml"
check_status "reindex again" 0 "$RC"
dump "$T/dump.2"
if cmp -s "$T/dump.1" "$T/dump.2" && [ -s "$T/dump.1" ]; then
    ok "reindex twice gives the same class tables"
else
    not_ok "reindex twice differs: $(diff "$T/dump.1" "$T/dump.2" | head -n 3)"
fi
check_eq "event_value_classes recomputed as ingest wrote them" \
    "$(grep '|us_ssn$' "$T/dump.0")" "$(grep '|us_ssn$' "$T/dump.2")"
ts checkpoint
check_eq "reindex leaves the newest checkpoint as it was" "$(cat "$T/cp.before")" "$(cat "$T/out")"
ts verify
check_status "verify after reindex: the chain is intact" 0 "$RC"

finish
