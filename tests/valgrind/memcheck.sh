#!/usr/bin/env bash
# The demo's path under valgrind memcheck: init, ingest (the kept real
# PostgreSQL 15 + pgAudit log of tests/e2e/data as stderr, the jsonlog
# and MariaDB fixtures), verify, search, who, timeline, stats, report,
# prove and verify-proof. Every run must end with no memcheck error
# and no definitely lost block (--error-exitcode, --errors-for-leak-kinds).
# Usage: memcheck.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/../e2e/lib.sh"

BIN=${1:?usage: memcheck.sh TRAILSEAL}
[ -x "$BIN" ] || bail "'$BIN' is not an executable"
need_tools valgrind
make_tmp
STORE=$T/store.db
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
DATA=$REPO_DIR/tests/data
VG_EXIT=99

# vg WHAT EXPECTED_EXIT ARGS...: runs trailseal under memcheck.
vg() {
    local what=$1 want=$2
    shift 2
    RC=0
    valgrind --tool=memcheck --quiet --error-exitcode=$VG_EXIT \
        --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --track-origins=no \
        --log-file="$T/vg.log" \
        "$BIN" --store "$STORE" "$@" >"$T/out" 2>"$T/err" || RC=$?
    if [ "$RC" -eq "$VG_EXIT" ]; then
        not_ok "$what: memcheck found errors"
        sed 's/^/#   /' "$T/vg.log" | head -n 40
    else
        check_status "$what, clean under memcheck" "$want" "$RC"
    fi
}

vg "init" 0 init
vg "ingest a pg-stderr log" 0 ingest --format pg-stderr --prefix "$PREFIX" \
    "$E2E_DIR/data/pg15-pgaudit.log"
vg "ingest a jsonlog" 0 ingest "$DATA/pg-jsonlog/variants.json"
vg "ingest a MariaDB audit log" 0 ingest --format mariadb-audit \
    "$DATA/mariadb-audit/server_audit-10.11.log"
vg "verify" 0 verify
vg "key" 0 key
cp "$T/out" "$T/vkey.txt"
"$BIN" --store "$STORE" checkpoint >"$T/kept.txt" ||
    bail "no checkpoint to keep"
vg "verify against a kept checkpoint" 0 verify --vkey "$T/vkey.txt" \
    --checkpoint "$T/kept.txt" --json
vg "search for text" 0 search ssn
vg "search by account, JSON" 0 search --account alice --json
vg "who" 0 who --object public.customers
vg "timeline" 0 timeline alice
vg "stats" 0 stats --json
vg "report" 0 report --out "$T/report" --controls "$REPO_DIR/controls.yaml"
vg "prove an entry" 0 prove --index 5
cp "$T/out" "$T/entry.proof"
vg "verify-proof" 0 verify-proof --vkey "$T/vkey.txt" "$T/entry.proof"
vg "prove consistency" 0 prove --from-size 10
cp "$T/out" "$T/since.proof"
vg "verify-proof, consistency" 0 verify-proof --vkey "$T/vkey.txt" \
    "$T/since.proof"
printf 'not a proof\n' >"$T/bad.proof"
vg "verify-proof of garbage (refused)" 1 verify-proof --vkey "$T/vkey.txt" \
    "$T/bad.proof"
finish
