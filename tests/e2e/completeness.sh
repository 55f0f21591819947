#!/usr/bin/env bash
# Completeness against a real PostgreSQL 15 + pgAudit whose log_line_prefix
# numbers each session's lines (%l): one session spans a log rotation
# (pg_rotate_logfile), another logs an error with its STATEMENT line. Then:
#   - both files in order: no gaps, one continuation (rotation) recorded;
#   - a line removed from the first file: exactly that hole is reported,
#     in %l and in pgAudit's statement id, and verify still says intact;
#   - only the second file: sessions begun before it are facts, not gaps;
#   - the second file before the first: out of order, not gaps.
# Usage: completeness.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: completeness.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 awk psql
[ -x /usr/lib/postgresql/15/bin/postgres ] ||
    bail "PostgreSQL 15 is not installed: run scripts/deps.sh"

make_tmp
PREFIX='%m [%p] %l %q%u@%d/%a %r %c %e '

# --- the server: time-stamped file names so a rotation starts a new file ----------
start_sandbox "log_line_prefix = '$PREFIX'" \
    "log_filename = 'postgresql-%H%M%S.log'"
# shellcheck disable=SC1091
. "$SANDBOX/sandbox.env"
psql_su() {
    psql -X -q -v ON_ERROR_STOP=0 -h "$PGSANDBOX_SOCKET" -p "$PGSANDBOX_PORT" \
        -U postgres -d postgres "$@"
}
# The long session: statements, an error (its STATEMENT line makes a
# two-line entry), a permission denied (no audit row, no statement id), the rotation, more statements. sleep so the new file's
# name differs.
psql_su >/dev/null 2>"$T/workload.err" <<'SQL'
CREATE TABLE customers (id int PRIMARY KEY, email text, ssn text);
INSERT INTO customers VALUES (1, 'a@example.com', '123-45-6789');
SELECT email FROM customers WHERE id = 1;
SELECT 1 / 0;
CREATE ROLE bob;
SET ROLE bob;
SELECT ssn FROM customers;
RESET ROLE;
UPDATE customers SET email = 'b@example.com' WHERE id = 1;
SELECT pg_sleep(1.2);
SELECT pg_rotate_logfile();
SELECT pg_sleep(0.5);
SELECT ssn FROM customers;
DELETE FROM customers WHERE id = 2;
SELECT count(*) FROM customers;
SQL
psql_su -c 'SELECT id FROM customers' >/dev/null 2>>"$T/workload.err"
"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "could not stop PostgreSQL"
mapfile -t LOGS < <(ls "$SANDBOX"/log/postgresql-*.log 2>/dev/null | sort)
[ "${#LOGS[@]}" -eq 2 ] || bail "expected 2 log files after one rotation, got: ${LOGS[*]}"
A=${LOGS[0]}
B=${LOGS[1]}
grep -q "division by zero" "$A" || bail "the error is not in the first file"
grep -q "permission denied for table customers" "$A" ||
    bail "the permission denied is not in the first file"
grep -q 'AUDIT: SESSION,[0-9]*,1,READ,SELECT,TABLE,public.customers,SELECT ssn' "$B" ||
    bail "the session's statements after the rotation are not in the second file"
ok "PostgreSQL wrote $(wc -l <"$A") + $(wc -l <"$B") lines across one rotation"

# fresh_store: a new store in $STORE.
N_STORE=0
fresh_store() {
    N_STORE=$((N_STORE + 1))
    STORE=$T/store-$N_STORE.db
    ts init
    [ "$RC" -eq 0 ] || bail "init failed: $(cat "$T/err")"
}

# ingest FILE...: each file in turn, in the order given.
ingest() {
    local f
    for f in "$@"; do
        ts ingest --format pg-stderr --prefix "$PREFIX" "$f"
        [ "$RC" -eq 0 ] || bail "ingest of $f failed: $(cat "$T/err")"
    done
}

# facts: verify's exit status in $RC and one line per fact in $T/facts:
# "kind sequence expected found", plus the counts in $T/counts.
facts() {
    ts verify --json
    cp "$T/out" "$T/verify.json"
    python3 - "$T/verify.json" >"$T/facts" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
c = j["completeness"]
print("counts", c["gaps"], c["reordered"], c["began_earlier"], c["continued"])
for f in c["facts"]:
    print(f["kind"], f["sequence"], f["expected"], f["found"])
PY
}

# --- both files, in order ----------------------------------------------------------
fresh_store
ingest "$A" "$B"
facts
check_status "verify with both files" 0 "$RC"
check_eq "both files: gaps, out of order, begun earlier, continuations" \
    "counts 0 0 0 1" "$(grep '^counts' "$T/facts")"
ts verify
grep -q "continued: '$B' continues '$A'" "$T/out" &&
    ok "verify names the rotation: $(grep continued: "$T/out")" ||
    not_ok "verify does not name the rotation: $(cat "$T/out")"

# --- a line missing in the middle of the first file -------------------------------
# The long session's UPDATE: its %l is n, its statement id s.
victim=$(grep -n 'AUDIT: SESSION,[0-9]*,1,WRITE,UPDATE' "$A" | head -n 1)
[ -n "$victim" ] || bail "no UPDATE audit line in $A"
vline=${victim%%:*}
vl=$(sed -n "${vline}p" "$A" | awk '{print $5}')
vs=$(sed -n "${vline}p" "$A" | sed 's/.*AUDIT: SESSION,\([0-9]*\),.*/\1/')
sed "${vline}d" "$A" >"$T/holed.log"
fresh_store
ingest "$T/holed.log" "$B"
facts
check_status "verify with a line missing says intact: the store holds what was read" 0 "$RC"
check_eq "a hole: gaps, out of order, begun earlier, continuations" \
    "counts 2 0 0 1" "$(grep '^counts' "$T/facts")"
check_eq "the %l gap" "gap session_line $vl $((vl + 1))" \
    "$(grep '^gap session_line' "$T/facts")"
check_eq "the pgAudit statement id gap" "gap pgaudit_statement_id $vs $((vs + 1))" \
    "$(grep '^gap pgaudit_statement_id' "$T/facts")"

# --- only the second file ----------------------------------------------------------
fresh_store
ingest "$B"
facts
began=$(awk '/^counts/ {print $4}' "$T/facts")
gaps=$(awk '/^counts/ {print $2}' "$T/facts")
check_eq "the second file alone has no gaps" 0 "$gaps"
[ "$began" -ge 1 ] && ok "sessions begun before the second file are facts ($began)" ||
    not_ok "no session begun earlier reported for the second file alone"

# --- the second file, then the first -----------------------------------------------
fresh_store
ingest "$B" "$A"
facts
check_eq "out of order: no gaps" 0 "$(awk '/^counts/ {print $2}' "$T/facts")"
reordered=$(awk '/^counts/ {print $3}' "$T/facts")
[ "$reordered" -ge 1 ] && ok "ingesting the older file last is out of order ($reordered)" ||
    not_ok "ingesting the older file last reports nothing out of order"

finish
