#!/usr/bin/env bash
# The column oracle: PostgreSQL's own column privilege checks are the ground
# truth for which columns a statement reads and writes. For every column C
# of every table, each statement in statements.sql runs (in a rolled-back
# savepoint) as a role holding every privilege but SELECT on C (reads),
# resp. INSERT and UPDATE on C (writes); "permission denied" means the
# statement reads (writes) C. trailseal analyze-sql must agree with
# precision and recall of at least 99% for reads and for writes; every miss
# is printed.
# Usage: oracle.sh PATH/TO/trailseal
set -uo pipefail
ORACLE_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$ORACLE_DIR/../e2e/lib.sh"

TRAILSEAL=${1:?usage: oracle.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 psql awk
[ -x /usr/lib/postgresql/15/bin/postgres ] ||
    bail "PostgreSQL 15 is not installed: run scripts/deps.sh"
STATEMENTS=$ORACLE_DIR/statements.sql
MIN_PERCENT=${ORACLE_MIN_PERCENT:-99}

make_tmp
started=
for _ in 1 2 3 4 5; do
    port=$(free_port) || bail "no free TCP port in 54400-54599"
    SANDBOX=$T/pg-$port
    if "$REPO_DIR/scripts/pg-sandbox.sh" start "$SANDBOX" "$port" \
        "pgaudit.log = 'none'" "log_connections = off" \
        "log_disconnections = off"; then
        started=1
        break
    fi
    if [ -f "$SANDBOX/data/postmaster.pid" ]; then
        "$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || true
    fi
done
[ -n "$started" ] || bail "could not start PostgreSQL (scripts/pg-sandbox.sh start)"
# shellcheck disable=SC1091
. "$SANDBOX/sandbox.env"
DSN="host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres dbname=postgres"

su_psql() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$PGSANDBOX_SOCKET" -p "$PGSANDBOX_PORT" \
        -U postgres -d postgres "$@"
}

su_psql -f "$ORACLE_DIR/schema.sql" >"$T/schema.out" 2>&1 ||
    bail "schema.sql failed: $(tail -n 3 "$T/schema.out")"
su_psql -f "$ORACLE_DIR/oracle-setup.sql" >"$T/setup.out" 2>&1 ||
    bail "oracle-setup.sql failed: $(tail -n 3 "$T/setup.out")"
ok "PostgreSQL 15 on port $port holds the oracle schema"

# --- what trailseal says -------------------------------------------------------
"$TRAILSEAL" analyze-sql --catalog-dsn "$DSN" --dump-catalog >"$T/catalog.json" \
    2>"$T/err"
check_status "analyze-sql --dump-catalog" 0 $?
started_ns=$(date +%s%N)
"$TRAILSEAL" analyze-sql --catalog-dsn "$DSN" --json --stats \
    --lines "$STATEMENTS" >"$T/predicted.jsonl" 2>"$T/stats"
rc=$?
elapsed_ms=$((($(date +%s%N) - started_ns) / 1000000))
check_status "analyze-sql --lines statements.sql" 0 "$rc"
echo "# analysis: $(cat "$T/stats") (whole run incl. catalog ${elapsed_ms} ms)"

# --- what PostgreSQL says ------------------------------------------------------
# driver MODE SCHEMA TABLE COLUMN: the psql script that runs every statement
# under that column's restricted role; it prints "R <line> <sqlstate>".
driver() {
    echo '\o /dev/null'
    echo 'BEGIN;'
    printf "SELECT oracle_setup('%s', '%s', '%s', '%s');\n" "$@"
    awk '{
        print "SAVEPOINT s;"
        print "SET ROLE oracle;"
        print $0
        print ";"
        if ($0 ~ /FROM STDIN/) print "\\."
        print "\\echo R " NR " :SQLSTATE"
        print "ROLLBACK TO SAVEPOINT s;"
    }' "$STATEMENTS"
    echo 'ROLLBACK;'
}

# run_driver MODE SCHEMA TABLE COLUMN: appends "MODE s.t.c LINE SQLSTATE".
run_driver() {
    driver "$@" >"$T/driver.sql"
    psql -X -q -h "$PGSANDBOX_SOCKET" -p "$PGSANDBOX_PORT" -U postgres \
        -d postgres -f "$T/driver.sql" 2>>"$T/driver.err" |
        awk -v m="$1" -v c="$2.$3.$4" '$1 == "R" { print m, c, $2, $3 }' \
            >>"$T/truth.txt"
}

: >"$T/truth.txt"
started_ns=$(date +%s%N)
run_driver all - - -
su_psql -At -F ' ' -c "
    SELECT n.nspname, c.relname, a.attname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE c.relkind = 'r' AND n.nspname IN ('public', 'hr')
      AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY 1, 2, a.attnum" >"$T/columns.txt" ||
    bail "cannot list the columns"
while read -r schema table column; do
    run_driver read "$schema" "$table" "$column"
    run_driver write "$schema" "$table" "$column"
done <"$T/columns.txt"
elapsed_s=$((($(date +%s%N) - started_ns) / 1000000000))
n_stmts=$(grep -c '' "$STATEMENTS")
n_cols=$(grep -c '' "$T/columns.txt")
echo "# ground truth: $n_stmts statements x $n_cols columns x 2 modes in ${elapsed_s} s"

py_tally "$STATEMENTS" "$T/truth.txt" "$T/predicted.jsonl" "$T/columns.txt" \
    "$MIN_PERCENT" <"$ORACLE_DIR/compare.py"
finish
