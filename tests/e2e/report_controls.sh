#!/usr/bin/env bash
# The controls end to end: a real PostgreSQL 15 + pgAudit (TLS on) runs a
# workload with five planted violations — a shared account, an AI agent
# reading SSNs, a DROP TABLE without an approved change, a login after the
# person's termination, a connection without TLS — beside everything a
# compliant team does (approved DDL, a service and people reading what they
# may, an approved break-glass login). trailseal seals the log, the identity
# list, the approvals and a catalog snapshot, and `report` must find exactly
# those five exceptions and no others, with populations whose hashes and
# samples re-derive, and a workbook LibreOffice renders with every sheet.
# Usage: report_controls.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: report_controls.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 sqlite3 psql openssl soffice pdftotext pdfinfo unzip
make_tmp
STORE=$T/store.db

# A self-signed server certificate the server's OS user can read.
mkdir -p "$T/ssl"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -keyout "$T/ssl/server.key" -out "$T/ssl/server.crt" >/dev/null 2>&1 ||
    bail "openssl could not make a certificate"
chmod 600 "$T/ssl/server.key"
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$T/ssl"; fi
chmod 755 "$T/ssl"
start_sandbox "ssl = on" "ssl_cert_file = '$T/ssl/server.crt'" \
    "ssl_key_file = '$T/ssl/server.key'"
# shellcheck source=/dev/null
. "$SANDBOX/sandbox.env"
admin="host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres"

# iso [SECONDS-FROM-NOW]: a UTC time to the second.
iso() { date -u -d "@$(($(date -u +%s) + ${1:-0}))" +%Y-%m-%dT%H:%M:%SZ; }
# as ROLE SSLMODE [APP] <<SQL: runs SQL over TCP as ROLE (password pw).
as() {
    PGPASSWORD=pw PGAPPNAME=${3:-psql} psql -X -q -v ON_ERROR_STOP=1 \
        "host=127.0.0.1 port=$PGSANDBOX_PORT dbname=shop user=$1 sslmode=$2" \
        >>"$T/psql.out" 2>&1 || bail "psql as $1 failed: $(tail -n 3 "$T/psql.out")"
}

t_setup=$(iso -1)
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=postgres" >"$T/psql.out" 2>&1 <<'SQL' || bail "setup failed: $(cat "$T/psql.out")"
CREATE ROLE alice LOGIN PASSWORD 'pw';
CREATE ROLE bob LOGIN PASSWORD 'pw';
CREATE ROLE carol LOGIN PASSWORD 'pw';
CREATE ROLE shared_ops LOGIN PASSWORD 'pw';
CREATE ROLE billing_svc LOGIN PASSWORD 'pw';
CREATE ROLE agent_ai LOGIN PASSWORD 'pw';
CREATE ROLE break_glass LOGIN PASSWORD 'pw';
CREATE DATABASE shop OWNER alice;
SQL
as alice require <<'SQL'
CREATE SCHEMA app;
CREATE TABLE app.customers (id int, email text, ssn text, card_last4 text);
CREATE TABLE app.orders (id int, customer_id int, total numeric);
CREATE SCHEMA scratch;
CREATE TABLE scratch.tmp (x int);
GRANT USAGE ON SCHEMA app TO bob, carol, shared_ops, billing_svc, agent_ai, break_glass;
GRANT SELECT ON app.customers TO billing_svc, agent_ai;
GRANT SELECT ON app.orders TO bob, carol, shared_ops, break_glass;
INSERT INTO app.customers VALUES (1, 'ann@example.com', '078-05-1120', '4242');
INSERT INTO app.orders VALUES (1, 1, 99.50);
SQL
sleep 1.2
t_setup_end=$(iso 1)
t_term=$(iso 1)
sleep 2.2

as alice require <<'SQL'
SELECT email, ssn FROM app.customers WHERE id = 1;
SQL
as bob require <<'SQL'
SELECT * FROM app.orders;
SQL
as bob disable <<'SQL'
SELECT count(*) FROM app.orders;
SQL
as shared_ops require <<'SQL'
SELECT total FROM app.orders;
SQL
as billing_svc require billing-api/2.4 <<'SQL'
SELECT card_last4 FROM app.customers WHERE id = 1;
SQL
as agent_ai require langchain-agent/0.3 <<'SQL'
SELECT id, ssn FROM app.customers;
SQL
as carol require <<'SQL'
SELECT id FROM app.orders LIMIT 1;
SQL
t_bg=$(iso -1)
as break_glass require <<'SQL'
SELECT count(*) FROM app.orders;
SQL
as alice require <<'SQL'
DROP TABLE scratch.tmp;
SQL

ts init
check_status "init" 0 "$RC"
ts collect --catalog --dsn "$admin dbname=shop"
check_status "collect --catalog" 0 "$RC"
"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "stopping PostgreSQL failed"
ts ingest --format pg-stderr --prefix "$PGSANDBOX_PREFIX" "$PGSANDBOX_LOG"
check_status "ingest the server's log" 0 "$RC"

cat >"$T/identities.csv" <<EOF
name,kind,owner,status,terminated_at,accounts
Platform Admin,human,,active,,postgres:postgres
Alice Smith,human,,active,,postgres:alice
Bob Jones,human,,active,,postgres:bob
Carol White,human,,terminated,$t_term,postgres:carol
Dave Ops,human,,active,,postgres:shared_ops
Erin Ops,human,,active,,postgres:shared_ops
Billing,service,Alice Smith,active,,postgres:billing_svc
agent-7,agent,Alice Smith,active,,postgres:agent_ai
On-call,human,,active,,postgres:break_glass
EOF
cat >"$T/approvals.csv" <<EOF
ticket,approver,approved_at,scope,valid_until
CHG-1,Platform Admin,$t_setup,create database shop,$t_setup_end
CHG-2,Platform Admin,$t_setup,app*,$t_setup_end
CHG-3,Platform Admin,$t_setup,scratch*,$t_setup_end
BG-1,Platform Admin,$t_bg,break-glass,$(date -u -d "$t_bg + 1 hour" +%Y-%m-%dT%H:%M:%SZ)
EOF
ts load identities "$T/identities.csv"
check_status "load identities" 0 "$RC"
ts load approvals "$T/approvals.csv"
check_status "load approvals" 0 "$RC"

# The shipped controls, with business hours all day: the test runs at any
# hour, and off-hours activity is not one of the planted violations.
sed -e 's/business_start_hour: 6 /business_start_hour: 0 /' \
    -e 's/business_end_hour: 20 /business_end_hour: 24 /' \
    "$REPO_DIR/controls.yaml" >"$T/controls.yaml"
cp "$REPO_DIR/waivers.yaml" "$T/waivers.yaml"
grep -q 'business_end_hour: 24 ' "$T/controls.yaml" ||
    bail "controls.yaml no longer has business_end_hour"

day=$(date -u +%Y-%m-%d)
ts report --since "$(date -u -d "$day - 1 day" +%Y-%m-%d)" \
    --until "$(date -u -d "$day + 2 days" +%Y-%m-%d)" --out "$T/pack" \
    --controls "$T/controls.yaml" --strict --timings
check_status "report --strict exits 1: there are exceptions" 1 "$RC"
# --timings: a line per step on stderr, every control named once
n_timed=$(grep -cE '^report: control TS-[A-Z]+-[0-9]+ \([0-9]+ rows\): [0-9.]+ s wall, [0-9.]+ s CPU$' "$T/err" || true)
n_controls=$(sed -n "s/^controls: \([0-9]*\) tested.*/\1/p" "$T/err")
if [ -n "$n_controls" ] && [ "$n_timed" -eq "$n_controls" ] && grep -q '^report: verify the store: ' "$T/err" &&
    grep -q '^report: proofs of [0-9]* items: ' "$T/err"; then
    ok "--timings names every control ($n_timed) and the other steps"
else
    not_ok "--timings: $n_timed control lines for $n_controls controls"; cat "$T/err" >&2
fi
if [ -f "$T/pack/evidence.xlsx" ]; then ok "evidence.xlsx written"; else not_ok "no evidence.xlsx"; fi

py_tally "$T/pack" <<'PY'
import csv, hashlib, json, os, sys
pack = sys.argv[1]
r = json.load(open(os.path.join(pack, "results.json")))
found = sorted((c["id"], e["item"], e["reason"])
               for c in r["controls"] for e in c["exceptions"])
want = sorted([
    ("TS-IAM-01", "shared_ops", "shared account (several identities)"),
    ("TS-NET-01", "bob@127.0.0.1", "connection without TLS"),
    ("TS-DATA-01", "agent-7 read app.customers.ssn",
     "data class accessed by an identity it does not allow"),
    ("TS-CHG-01", "DROP TABLE scratch.tmp",
     "schema change without an approved change"),
    ("TS-IAM-03", "carol (Carol White)", "login after the identity's termination"),
])
print(("ok - " if found == want else "not ok - ") +
      "exactly the five planted exceptions" +
      ("" if found == want else f": found {found}"))
status = {c["id"]: c["status"] for c in r["controls"]}
for cid in ("TS-IAM-01", "TS-NET-01", "TS-DATA-01", "TS-CHG-01", "TS-IAM-03"):
    print(("ok - " if status[cid] == "ineffective" else "not ok - ") +
          f"{cid} is ineffective ({status[cid]})")
for cid in ("TS-LOG-01", "TS-INT-01", "TS-IAM-02", "TS-IAM-05", "TS-IAM-06",
            "TS-IAM-07", "TS-OPS-01", "TS-ACC-01", "TS-SEC-01", "TS-IAM-04"):
    print(("ok - " if status[cid] == "effective" else "not ok - ") +
          f"{cid} is effective ({status[cid]})")
pops = {c["id"]: c["population"] for c in r["controls"]}
# populations the workload makes: 8 accounts logged in (7 roles and the
# superuser), one break-glass login, one login by the terminated person,
# 9 TLS-or-not TCP logins (every login but the superuser's socket ones)
for cid, n in {"TS-IAM-01": 8, "TS-ACC-01": 1, "TS-IAM-03": 1,
               "TS-NET-01": 10}.items():
    print(("ok - " if pops[cid] == n else "not ok - ") +
          f"{cid} population is {n} (got {pops[cid]})")
for c in r["controls"]:
    path = os.path.join(pack, c["population_file"])
    data = open(path, "rb").read()
    good = hashlib.sha256(data).hexdigest() == c["population_sha256"]
    rows = list(csv.reader(open(path, newline="")))
    good = good and len(rows) == c["population"] + 1
    print(("ok - " if good else "not ok - ") +
          f"{c['id']}: population file hash and row count")
    if c.get("seed"):
        seed = hashlib.sha256(("trailseal-sample-v1\n%s\n%s\n%s\n" % (
            r["period"]["label"], c["id"], c["population_sha256"])).encode()).digest()
        rank = lambda i: hashlib.sha256(seed + i.to_bytes(8, "big")).digest()
        want_rows = sorted(sorted(range(1, c["population"] + 1), key=rank)[:c["sample_size"]])
        got_rows = [s["row"] for s in c["sampled"]]
        print(("ok - " if got_rows == want_rows else "not ok - ") +
              f"{c['id']}: sample re-derived from its seed ({got_rows})")
        # each sampled item is its row of the population file
        head = rows[0]
        at = lambda row, col: row[head.index(col)] if col in head else None
        same = all(str(s["entry"]) == at(rows[s["row"]], "entry_index") and
                   s["item"] == (at(rows[s["row"]], "item") or rows[s["row"]][0])
                   for s in c["sampled"])
        print(("ok - " if same and c["sampled"] else "not ok - ") +
              f"{c['id']}: sampled items are their population rows")
PY

# An auditor re-derives every population: each control's query from
# results.json, run against the store's views with the sqlite3 library and
# the values of populations/parameters.json, gives its CSV, row for row.
py_tally "$T/pack" "$STORE" <<'PY'
import csv, json, os, sqlite3, sys
pack, store = sys.argv[1], sys.argv[2]
r = json.load(open(os.path.join(pack, "results.json")))
p = json.load(open(os.path.join(pack, "populations", "parameters.json")))
db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
builtin = {k: v for k, v in p.items() if k != "controls"}
for c in r["controls"]:
    params = dict(builtin, **p["controls"].get(c["id"], {}))
    rows = [[("" if v is None else str(v)) for v in row]
            for row in db.execute(c["query"], params)]
    with open(os.path.join(pack, c["population_file"]), newline="") as f:
        want = list(csv.reader(f))[1:]
    same = len(rows) == c["population"] and rows == want
    print(("ok - " if same else "not ok - ") +
          f"{c['id']}: re-run with parameters.json gives its CSV's"
          f" {len(want)} rows (got {len(rows)}, register {c['population']})")
PY

# A store of index layout 11, read as it is (a report never upgrades):
# sessions has no first_seq, events_by_session is there and the session
# lists are not. The report reads each session's first entry through the
# index and writes the same populations.
cp "$STORE" "$T/layout11.db"
cp "$STORE.key" "$T/layout11.db.key"
sqlite3 "$T/layout11.db" "ALTER TABLE sessions DROP COLUMN first_seq;
    CREATE INDEX events_by_session ON event_identities(session_id);
    DELETE FROM event_postings WHERE field = 'session';
    UPDATE meta SET value = '11' WHERE key = 'index_version'" ||
    bail "could not make the layout 11 store"
STORE=$T/layout11.db ts report --since "$(date -u -d "$day - 1 day" +%Y-%m-%d)" \
    --until "$(date -u -d "$day + 2 days" +%Y-%m-%d)" --out "$T/pack11" \
    --controls "$T/controls.yaml"
check_status "report on the layout 11 store" 0 "$RC"
check_eq "the layout 11 store is left as it was" "11|0" \
    "$(sqlite3 -readonly "$T/layout11.db" "SELECT value, (SELECT count(*) FROM pragma_table_info('sessions') WHERE name = 'first_seq') FROM meta WHERE key = 'index_version'")"
differ=""
for f in "$T"/pack/populations/*.csv; do
    cmp -s "$f" "$T/pack11/populations/${f##*/}" || differ="$differ ${f##*/}"
done
check_eq "the layout 11 store's populations are the same" "" "$differ"
agent_rows=$(python3 - "$T/pack11/populations/TS-IAM-07.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline=""))
        if r["subject"] == "agent session"]
print(len(rows), sum(r["entry_index"].isdigit() for r in rows))
PY
)
case "$agent_rows" in
"0 "* | "") not_ok "TS-IAM-07 has no agent session on the layout 11 store" ;;
*) check_eq "TS-IAM-07's agent sessions name their first entries" \
    "${agent_rows% *} ${agent_rows% *}" "$agent_rows" ;;
esac

# The identity behind the agent's read is in the index, as the control says.
check_eq "the agent's session resolves to its identity" "agent-7|agent" \
    "$(sqlite3 -readonly "$STORE" "SELECT DISTINCT identity, identity_kind FROM v_session_identity WHERE account = 'agent_ai'")"

# LibreOffice renders every sheet; each page's header names its sheet.
HOME=$T/lo soffice --headless --convert-to pdf --outdir "$T/pdf" \
    "$T/pack/evidence.xlsx" >"$T/lo.out" 2>&1
if [ -s "$T/pdf/evidence.pdf" ]; then
    ok "LibreOffice converts the workbook to PDF"
else
    not_ok "LibreOffice did not convert the workbook: $(tail -n 2 "$T/lo.out")"
fi
pdftotext -layout "$T/pdf/evidence.pdf" "$T/pdf/evidence.txt" 2>/dev/null
unzip -p "$T/pack/evidence.xlsx" xl/workbook.xml |
    python3 -c 'import re, sys, html
print("\n".join(html.unescape(n) for n in re.findall(r"<sheet name=\"([^\"]+)\"", sys.stdin.read())))' >"$T/sheets.txt"
n_sheets=$(wc -l <"$T/sheets.txt")
if [ "$n_sheets" -ge 25 ]; then ok "the workbook has $n_sheets sheets"; else not_ok "only $n_sheets sheets"; fi
missing=
for want in "Cover" "Control matrix" "Criteria coverage" "Population register" \
    "Samples" "Test results" "Exceptions" "Account inventory" "Access review" \
    "Privileged activity" "Schema changes" "Sensitive access" "AI agents" \
    "Log coverage and integrity" "Waivers" "Charts"; do
    grep -qxF "$want" "$T/sheets.txt" || missing="$missing '$want'"
done
check_eq "every required sheet is in the workbook" "" "$missing"
missing=
while IFS= read -r name; do
    grep -qF "$name" "$T/pdf/evidence.txt" || missing="$missing '$name'"
done <"$T/sheets.txt"
check_eq "every sheet is rendered in the PDF, named in its page header" "" "$missing"
pages=$(pdfinfo "$T/pdf/evidence.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
if [ "${pages:-0}" -ge "$n_sheets" ]; then
    ok "the PDF has $pages pages for $n_sheets sheets"
else
    not_ok "the PDF has ${pages:-0} pages for $n_sheets sheets"
fi

# The pack around the workbook: a proof per sampled item and exception,
# OSCAL, and the signed manifest an auditor checks with the public key.
ts key
cp "$T/out" "$T/vkey"
ts verify-pack "$T/pack" --vkey "$T/vkey"
check_status "verify-pack: the pack is intact" 0 "$RC"
py_tally "$T/pack" "$REPO_DIR/tests/data/oscal" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[2])
from validate_oscal import validate
pack = sys.argv[1]
r = json.load(open(os.path.join(pack, "results.json")))
need = {e["entry"] for c in r["controls"] for e in c["exceptions"] + c["sampled"]
        if e["entry"] is not None}
have = {int(f[len("entry-"):-len(".proof")]) for f in os.listdir(os.path.join(pack, "proofs"))}
print(("ok - " if need == have else "not ok - ") +
      "one proof per sampled item and exception (%d)" % len(need))
for model in ("assessment-results", "assessment-plan"):
    errors, schema = validate(model, json.load(open(f"{pack}/oscal/{model}.json")))
    print((f"not ok - {model}.json: {errors[0]}") if errors else
          f"ok - {model}.json validates against {schema}")
ar = json.load(open(f"{pack}/oscal/assessment-results.json"))["assessment-results"]
states = {f["target"]["target-id"]: f["target"]["status"]["state"]
          for f in ar["results"][0]["findings"]}
bad = sorted(k for k, v in states.items() if v == "not-satisfied")
want = ["TS-CHG-01", "TS-DATA-01", "TS-IAM-01", "TS-IAM-03", "TS-NET-01"]
print(("ok - " if bad == want else "not ok - ") +
      f"OSCAL: the five controls with exceptions are not satisfied ({bad})")
PY
printf 'x' >>"$T/pack/populations/TS-NET-01.csv"
ts verify-pack "$T/pack" --vkey "$T/vkey"
check_status "verify-pack: one byte added to a population is caught" 1 "$RC"
grep -q "populations/TS-NET-01.csv" "$T/out" "$T/err" &&
    ok "verify-pack names the file" || not_ok "verify-pack does not name the file: $(cat "$T/out" "$T/err")"

ts verify
check_status "the store still verifies" 0 "$RC"
finish
