#!/usr/bin/env bash
# Lineage on a real PostgreSQL 15 + pgAudit: an AI agent and a person copy
# customer data around (INSERT ... SELECT, CREATE TABLE AS, UPDATE ... FROM,
# COPY ... TO STDOUT), one copy lands where the class belongs, and columns
# only filtered on must flow nowhere. Checks v_flows' exact rows (each
# provable by its entry) and that TS-DATA-02 finds exactly the four bad
# flows. TS-LOG-01 lists every change of the audit settings a superuser
# made (SET, ALTER SYSTEM, the reload's "parameter changed" lines). Also:
# ingest resolves names against the store's catalog
# snapshots, each in force from when it was taken (SELECT * before and
# after ALTER TABLE ... ADD COLUMN).
# Usage: lineage.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: lineage.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 sqlite3 psql
make_tmp
STORE=$T/store.db
q() { sqlite3 -readonly "$STORE" "$1" 2>&1; }

start_sandbox
# shellcheck source=/dev/null
. "$SANDBOX/sandbox.env"
admin="host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres"
# as ROLE APP <<SQL: runs SQL over TCP as ROLE (password pw).
as() {
    PGPASSWORD=pw PGAPPNAME=$2 psql -X -q -v ON_ERROR_STOP=1 \
        "host=127.0.0.1 port=$PGSANDBOX_PORT dbname=shop user=$1" \
        >>"$T/psql.out" 2>&1 || bail "psql as $1 failed: $(tail -n 3 "$T/psql.out")"
}
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=postgres" >"$T/psql.out" 2>&1 <<'SQL' || bail "setup failed: $(cat "$T/psql.out")"
CREATE ROLE alice LOGIN PASSWORD 'pw';
CREATE ROLE agent_ml LOGIN PASSWORD 'pw';
CREATE DATABASE shop OWNER alice;
SQL
as alice psql <<'SQL'
CREATE SCHEMA app;
CREATE SCHEMA ml;
CREATE SCHEMA vault;
CREATE TABLE app.customers (id int, email text, ssn text, zip text);
CREATE TABLE ml.training_rows (id int, features text);
CREATE TABLE vault.ssn_archive (id int, ssn text);
INSERT INTO app.customers VALUES (1, 'ann@example.com', '078-05-1120', '10001');
INSERT INTO ml.training_rows VALUES (1, NULL);
GRANT USAGE ON SCHEMA app, ml TO agent_ml;
GRANT SELECT ON app.customers TO agent_ml;
GRANT ALL ON ml.training_rows TO agent_ml;
GRANT CREATE ON SCHEMA ml TO agent_ml;
SQL
ts init
check_status "init" 0 "$RC"
ts collect --catalog --dsn "$admin dbname=shop"
check_status "collect --catalog (before the workload)" 0 "$RC"
sleep 1.1
as alice psql <<'SQL'
SELECT * FROM app.customers;
ALTER TABLE app.customers ADD COLUMN note text;
SQL
sleep 1.1
ts collect --catalog --dsn "$admin dbname=shop"
check_status "collect --catalog (after ALTER TABLE)" 0 "$RC"
sleep 1.1
as alice psql <<'SQL'
SELECT * FROM app.customers;
SQL
as agent_ml langchain-agent <<'SQL'
INSERT INTO ml.training_rows (id, features) SELECT id, ssn FROM app.customers;
INSERT INTO ml.training_rows (id, features)
    SELECT id, zip FROM app.customers WHERE ssn IS NOT NULL;
CREATE TABLE ml.contacts AS SELECT id, upper(email) AS contact FROM app.customers;
UPDATE ml.training_rows t SET features = c.email
    FROM app.customers c WHERE c.id = t.id;
SQL
as alice psql <<'SQL'
INSERT INTO vault.ssn_archive SELECT id, ssn FROM app.customers;
COPY (SELECT id, ssn FROM app.customers ORDER BY id) TO STDOUT;
COPY app.customers (id, zip) TO STDOUT;
SQL
# a superuser turns auditing off in a session, then for the server
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=shop" >>"$T/psql.out" 2>&1 <<'SQL' || bail "settings failed: $(tail -n 3 "$T/psql.out")"
SET pgaudit.log = 'none';
SELECT count(*) FROM app.customers;
RESET pgaudit.log;
ALTER SYSTEM SET pgaudit.log = 'ddl';
SELECT pg_reload_conf();
SQL
sleep 1.5
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=shop" >>"$T/psql.out" 2>&1 <<'SQL' || bail "settings failed: $(tail -n 3 "$T/psql.out")"
ALTER SYSTEM RESET pgaudit.log;
SELECT pg_reload_conf();
SQL
sleep 1.5
ts collect --catalog --dsn "$admin dbname=shop"
check_status "collect --catalog (unchanged)" 0 "$RC"
"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "stopping PostgreSQL failed"
ts ingest --format pg-stderr --prefix "$PGSANDBOX_PREFIX" "$PGSANDBOX_LOG"
check_status "ingest the server's log" 0 "$RC"
check_eq "three catalog snapshots, two distinct ones analysed against" \
    "3|2" "$(q "SELECT (SELECT count(*) FROM ref_snapshots
                        WHERE dataset = 'catalog'),
                      count(DISTINCT catalog_snapshot) FROM templates
                WHERE catalog_snapshot != 0")"
check_eq "SELECT * before and after ALTER TABLE: the columns of each time" \
    "app.customers.email app.customers.id app.customers.ssn app.customers.zip
app.customers.email app.customers.id app.customers.note app.customers.ssn app.customers.zip" \
    "$(q "SELECT group_concat(a.object, ' ') FROM
            (SELECT t.id, a.object FROM templates t
               JOIN template_access a ON a.template_id = t.id
              WHERE t.template = 'SELECT * FROM app.customers'
                AND a.level = 'column' ORDER BY t.id, a.object) a
          GROUP BY a.id ORDER BY a.id")"

check_eq "v_flows: every flow of the workload, once per statement" \
    "agent_ml|app.customers.email|ml.contacts.contact|ml.contacts
agent_ml|app.customers.email|ml.training_rows.features|ml.training_rows
agent_ml|app.customers.id|ml.contacts.id|ml.contacts
agent_ml|app.customers.id|ml.training_rows.id|ml.training_rows
agent_ml|app.customers.id|ml.training_rows.id|ml.training_rows
agent_ml|app.customers.ssn|ml.training_rows.features|ml.training_rows
agent_ml|app.customers.zip|ml.training_rows.features|ml.training_rows
alice|app.customers.id|copy:client|
alice|app.customers.id|copy:client|
alice|app.customers.id|vault.ssn_archive.id|vault.ssn_archive
alice|app.customers.ssn|copy:client|
alice|app.customers.ssn|vault.ssn_archive.ssn|vault.ssn_archive
alice|app.customers.zip|copy:client|" \
    "$(q "SELECT account, source, target, target_table FROM v_flows
           ORDER BY 1, 2, 3")"
check_eq "a column only filtered on flows nowhere" "" \
    "$(q "SELECT f.source FROM v_flows f JOIN events e ON e.seq = f.entry_index
           JOIN templates t ON t.id = e.template_id
          WHERE t.template LIKE '%ssn IS NOT NULL%'
            AND f.source = 'app.customers.ssn'")"
ts analyze-sql --json "COPY app.customers TO '/tmp/all.csv'"
check_eq "analyze-sql: a COPY of a whole unknown table to a file" \
    '[{"from": "app.customers.*", "to": "copy:file"}]' \
    "$(json_get "$T/out" 'json.dumps(j["flows"])')"

# SSNs may also live in the archive (their source columns are classified
# by name already)
sed -e '/^  - id: ssn$/a\    tables: ["vault.ssn_archive"]' \
    "$REPO_DIR/controls.yaml" >"$T/controls.yaml"
cp "$REPO_DIR/waivers.yaml" "$T/waivers.yaml"
[ "$(grep -c '^    tables: \["' "$T/controls.yaml")" = 1 ] ||
    bail "controls.yaml no longer has the ssn class"
# TS-DATA-02: the four bad flows among the 5 flows of classified data
check_control "$T/controls.yaml" TS-DATA-02 5 ineffective <<'EOF'
agent_ml: app.customers.ssn -> ml.training_rows.features => sensitive data copied into a table not classified for it
agent_ml: app.customers.email -> ml.contacts.contact => sensitive data copied into a table not classified for it
agent_ml: app.customers.email -> ml.training_rows.features => sensitive data copied into a table not classified for it
alice: app.customers.ssn -> copy:client => sensitive data exported out of the database
EOF
py_tally "$T/pack/results.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
c = {c["id"]: c for c in r["controls"]}["TS-LOG-01"]
got = sorted(e["item"].rstrip(";") for e in c["exceptions"]
             if e["reason"] == "audit logging settings changed")
# pgAudit logs a statement when it has run: SET pgaudit.log = 'none'
# leaves no record (auditing is off by then), the RESET that follows does
want = sorted([
    "setting change: RESET pgaudit.log",
    "setting change: ALTER SYSTEM SET pgaudit.log = 'ddl'",
    "setting change: ALTER SYSTEM RESET pgaudit.log",
    'setting change: parameter "pgaudit.log" changed to "ddl"',
    'setting change: parameter "pgaudit.log" changed to '
    '"read,write,ddl,role,misc"',
])
print(("ok - " if got == want else "not ok - ") +
      "TS-LOG-01 lists exactly the audit setting changes" +
      ("" if got == want else f": got {got}"))
others = [e for e in c["exceptions"]
          if e["reason"] != "audit logging settings changed"]
print(("ok - " if not others else "not ok - ") +
      f"TS-LOG-01 has no other exceptions ({others})")
PYEOF
ts verify
check_status "verify" 0 "$RC"
finish
