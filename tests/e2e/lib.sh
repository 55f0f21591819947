# shellcheck shell=bash disable=SC2034
# Helpers shared by the end-to-end test scripts (sourced, not run).
# Each script runs its checks in order, prints "ok - ..." or "not ok - ..."
# for each, and exits 1 if any failed: one failure does not hide the next.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)
N_FAILED=0
N_CHECKS=0

ok() {
    N_CHECKS=$((N_CHECKS + 1))
    echo "ok - $*"
}

not_ok() {
    N_CHECKS=$((N_CHECKS + 1))
    N_FAILED=$((N_FAILED + 1))
    echo "not ok - $*"
}

# bail MESSAGE: the test cannot go on at all.
bail() {
    echo "Bail out! $*"
    exit 1
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
    if [ "$2" == "$3" ]; then
        ok "$1 ($3)"
    else
        not_ok "$1: expected '$2', got '$3'"
    fi
}

# check_status WHAT EXPECTED_EXIT ACTUAL_EXIT
check_status() {
    if [ "$2" -eq "$3" ]; then
        ok "$1 (exit $3)"
    else
        not_ok "$1: expected exit $2, got exit $3"
        [ -s "$T/out" ] && sed 's/^/#   stdout: /' "$T/out" | head -n 20
        [ -s "$T/err" ] && sed 's/^/#   stderr: /' "$T/err" | head -n 20
    fi
    return 0
}

# finish: the script's verdict.
finish() {
    if [ "$N_FAILED" -ne 0 ]; then
        echo "# $N_FAILED of $N_CHECKS checks failed (files kept in $T)"
        KEEP_T=1
        exit 1
    fi
    echo "# all $N_CHECKS checks passed"
    exit 0
}

# make_tmp: creates $T, removed at exit unless a check failed.
make_tmp() {
    T=$(mktemp -d "${TMPDIR:-/tmp}/trailseal-e2e.XXXXXX")
    chmod 755 "$T"
    KEEP_T=
    trap cleanup EXIT
}

cleanup() {
    local rc=$?
    if [ -n "${SANDBOX:-}" ] && [ -d "$SANDBOX/data" ]; then
        "$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || true
    fi
    if [ -z "$KEEP_T" ] && [ "$rc" -eq 0 ]; then
        rm -rf "$T"
    else
        echo "# files kept in $T"
    fi
}

# ts ARGS...: runs trailseal on the test store; stdout in $T/out, stderr in
# $T/err, exit status in $RC. Never fails the script.
ts() {
    RC=0
    "$TRAILSEAL" --store "$STORE" "$@" >"$T/out" 2>"$T/err" || RC=$?
}

# json_get FILE EXPR: evaluates a Python expression over the JSON in FILE
# (bound to j); prints the result, "null" for None.
json_get() {
    python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("null" if v is None else v)
' "$1" "$2"
}

# free_port: a TCP port in 54400-54599 that nobody listens on, searched
# from a random start so that concurrent runs rarely pick the same one.
free_port() {
    local i p start=$RANDOM
    for ((i = 0; i < 200; i++)); do
        p=$((54400 + (start + i) % 200))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null &&
            [ ! -e "/tmp/.s.PGSQL.$p" ]; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# start_sandbox [postgresql.conf line]...: starts a PostgreSQL 15 + pgAudit
# sandbox on a free port in $T; sets SANDBOX and PORT. Another test run may
# take the port between the check and the start: retries.
start_sandbox() {
    local _
    for _ in 1 2 3 4 5; do
        PORT=$(free_port) || bail "no free TCP port in 54400-54599"
        SANDBOX=$T/pg-$PORT
        if "$REPO_DIR/scripts/pg-sandbox.sh" start "$SANDBOX" "$PORT" "$@"; then
            return 0
        fi
        if [ -f "$SANDBOX/data/postmaster.pid" ]; then
            "$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || true
        fi
    done
    bail "could not start PostgreSQL (scripts/pg-sandbox.sh start)"
}

# need_tools TOOL...: fails (never skips) when a tool is missing.
need_tools() {
    local t missing=
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
    done
    [ -z "$missing" ] || bail "missing tools:$missing (run scripts/deps.sh)"
}

# tally: reads "ok - ..." / "not ok - ..." lines (from a helper program) on
# stdin and counts them as checks; other lines are shown as comments.
tally() {
    local line
    while IFS= read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) not_ok "${line#not ok - }" ;;
        *) echo "# $line" ;;
        esac
    done
}

# py_tally ARGS... <<'EOF' program EOF: runs a Python check program (which
# prints "ok - ..." / "not ok - ..." lines) with ARGS and tallies it; a
# program that crashes is a failed check.
py_tally() {
    local rc=0
    python3 - "$@" >"$T/py.out" 2>"$T/py.err" || rc=$?
    tally <"$T/py.out"
    if [ "$rc" -ne 0 ]; then
        not_ok "a python check crashed: $(tail -n 1 "$T/py.err")"
    fi
}

# check_control CONTROLS ID POPULATION STATUS <<'EOF' ... EOF: reports
# over all time with the controls file CONTROLS, then checks that control
# ID has exactly the exceptions on stdin (one "ITEM => REASON" a line), that
# population size and that status.
check_control() {
    local controls=$1 id=$2 population=$3 status=$4
    cat >"$T/want-exceptions"
    ts report --since 2000-01-01T00:00:00Z --until 2100-01-01T00:00:00Z \
        --out "$T/pack" --unsigned --controls "$controls"
    check_status "report" 0 "$RC"
    py_tally "$T/pack/results.json" "$id" "$population" "$status" \
        "$T/want-exceptions" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
cid, population, status = sys.argv[2], int(sys.argv[3]), sys.argv[4]
want = sorted(tuple(l.strip().split(" => ", 1))
              for l in open(sys.argv[5]) if l.strip())
c = {c["id"]: c for c in r["controls"]}[cid]
got = sorted((e["item"], e["reason"]) for e in c["exceptions"])
print(("ok - " if got == want else "not ok - ") +
      f"{cid} finds exactly the planted exceptions" +
      ("" if got == want else f": got {got}"))
print(("ok - " if c["population"] == population else "not ok - ") +
      f"{cid} population is {population} (got {c['population']})")
print(("ok - " if c["status"] == status else "not ok - ") +
      f"{cid} is {status} ({c['status']})")
PYEOF
}
