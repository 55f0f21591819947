#!/usr/bin/env bash
# Crash safety of ingest (DESIGN.md "The store"): one transaction per batch
# holds the blocks, the index rows, the source's cursor and a signed
# checkpoint, so a SIGKILL at any moment must leave a store that verifies, at
# its last commit, and re-running the same ingest must finish it with nothing
# lost and nothing sealed twice.
#
# usage: crash.sh TRAILSEAL [TRIALS]
#
# Builds a large pg-stderr log (tests/e2e/data/pg15-pgaudit.log repeated with
# shifted pids and session ids), seals it once without interruption as the
# reference, then for each trial: a fresh store; ingest --batch 2000 killed
# with SIGKILL at a random moment; checks; the ingest resumed and killed again
# at a random moment; checks; the ingest completed; the store compared with
# the reference. Just before each kill the newest checkpoint is read: the
# store after the kill must hold it or extend it (an RFC 9162 consistency
# proof checked with verify-proof), so nothing signed was lost; and each
# state left by a kill must be a prefix of the next one, up to the end.
#
# Environment: CRASH_RECORDS (log records, default 40000), CRASH_BATCH
# (default 2000), CRASH_SEED (random seed; printed, so a failing run can be
# replayed), CRASH_KEEP=1 keeps the work directory, CRASH_PYTHON (python3
# interpreter), CRASH_VERBOSE=1 prints every check, not just one line a trial.
#
# Prints "ok - ..." / "not ok - ..." lines and a summary; exits 1 if any check
# failed (the work directory and the failing store are then kept).

set -u

CRASH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$CRASH_DIR/../.." && pwd)

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: crash.sh TRAILSEAL [TRIALS]" >&2
    exit 2
fi
TS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TRIALS=${2:-50}
RECORDS=${CRASH_RECORDS:-40000}
BATCH=${CRASH_BATCH:-2000}
SEED=${CRASH_SEED:-$(($(date +%s) % 32768))}
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
RANDOM=$SEED

[ -x "$TS" ] || { echo "Bail out! $TS is not executable"; exit 1; }
# the interpreter itself, not a wrapper (a pyenv shim costs a second a call)
PY=${CRASH_PYTHON:-$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)}
[ -n "$PY" ] && [ -x "$PY" ] || { echo "Bail out! python3 is needed"; exit 1; }

N_CHECKS=0
N_FAILED=0
TRIAL_FAILED=0
ok() {
    N_CHECKS=$((N_CHECKS + 1))
    [ -n "${CRASH_VERBOSE:-}" ] && echo "ok - $*"
    return 0
}
not_ok() {
    N_CHECKS=$((N_CHECKS + 1))
    N_FAILED=$((N_FAILED + 1))
    TRIAL_FAILED=1
    echo "not ok - $*"
}
check_eq() { # WHAT EXPECTED ACTUAL
    if [ "$2" == "$3" ]; then ok "$1 ($3)"; else not_ok "$1: expected '$2', got '$3'"; fi
}

W=$(mktemp -d "${TMPDIR:-/tmp}/trailseal-crash.XXXXXX")
KEEP=${CRASH_KEEP:-0}
BG_PID=
cleanup() {
    [ -n "$BG_PID" ] && kill -KILL "$BG_PID" 2>/dev/null
    if [ "$KEEP" = 1 ]; then echo "# files kept in $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

# rand_below N: a random integer in [0, N).
rand_below() {
    if [ "$1" -le 0 ]; then echo 0; return; fi
    echo $(((RANDOM * 32768 + RANDOM) % $1))
}

# sleep_ms MS
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# json_get FILE KEY: KEY of the JSON object in FILE ("events" sums the events).
json_get() {
    "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
k = sys.argv[2]
if k == "entries_and_sum":
    print(d["entries"], sum(d["events"].values()))
elif k == "comparable":
    # everything but how the entries were cut into blocks and commits
    d.pop("blocks", None); d.pop("checkpoints", None)
    print(json.dumps(d, sort_keys=True))
else:
    print(d[k])' "$1" "$2"
}

# save_checkpoint STORE FILE: the newest checkpoint into FILE (empty if none).
save_checkpoint() { "$TS" --store "$1" checkpoint >"$2" 2>/dev/null || : >"$2"; }

# size_of CHECKPOINT_FILE: its tree size, 0 when there is none.
size_of() { if [ -s "$1" ]; then sed -n 2p "$1"; else echo 0; fi; }

# check_store WHAT STORE CHECKPOINT_FILE: what must hold of any store, at
# any moment (CHECKPOINT_FILE: its newest checkpoint, save_checkpoint).
check_store() {
    local what=$1 s=$2 rc size entries sum
    "$TS" --store "$s" verify >"$W/verify.out" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        ok "$what: verify"
    else
        not_ok "$what: verify exit $rc: $(head -c 300 "$W/verify.out" | tr '\n' ' ')"
    fi
    if ! "$TS" --store "$s" stats --json >"$W/stats.json" 2>"$W/stats.err"; then
        not_ok "$what: stats --json failed: $(head -c 300 "$W/stats.err")"
        return
    fi
    size=$(size_of "$3")
    read -r entries sum < <(json_get "$W/stats.json" entries_and_sum)
    check_eq "$what: stats entries == checkpoint tree size" "$size" "$entries"
    check_eq "$what: events by kind add up to entries" "$entries" "$sum"
}

# check_consistent WHAT STORE NOW_CHECKPOINT OLD_CHECKPOINT: the store's
# newest checkpoint (NOW_CHECKPOINT, saved) is an append-only extension of
# the checkpoint seen before (none lost).
check_consistent() {
    local what=$1 s=$2 now=$3 old=$4 m root size now_root proof
    [ -s "$old" ] || return 0
    m=$(sed -n 2p "$old")
    root=$(sed -n 3p "$old")
    size=$(size_of "$now")
    if [ "$size" -lt "$m" ]; then
        not_ok "$what: a signed checkpoint was lost: saw tree size $m before the kill, store now has $size"
        return
    fi
    if [ "$size" -eq "$m" ]; then
        now_root=$(sed -n 3p "$now")
        check_eq "$what: same root at the checkpoint seen before the kill (size $m)" "$root" "$now_root"
        return
    fi
    proof=$W/consistency.proof
    if ! "$TS" --store "$s" prove --from-size "$m" >"$proof" 2>"$W/prove.err"; then
        not_ok "$what: prove --from-size $m failed: $(head -c 300 "$W/prove.err")"
        return
    fi
    check_eq "$what: old root in the consistency proof is the one signed at size $m" \
        "old $m $root" "$(sed -n 2p "$proof")"
    if "$TS" verify-proof --vkey "$W/vkey" "$proof" >"$W/vp.out" 2>&1; then
        ok "$what: consistent with the checkpoint seen before the kill (size $m -> $size)"
    else
        not_ok "$what: not consistent with the checkpoint of size $m: $(head -c 300 "$W/vp.out")"
    fi
}

ingest_args=(ingest --format pg-stderr --prefix "$PREFIX" --batch "$BATCH")

# run_and_kill STORE DELAY_MS CHECKPOINT_OUT: start an ingest, read the
# newest checkpoint after DELAY_MS, SIGKILL the ingest at once. Sets KILLED
# to 1 if it was killed, 0 if it had finished first.
run_and_kill() {
    local s=$1 delay=$2 cp=$3 rc
    "$TS" --store "$s" "${ingest_args[@]}" "$W/big.log" >"$W/ingest.out" 2>"$W/ingest.err" &
    BG_PID=$!
    sleep_ms "$delay"
    save_checkpoint "$s" "$cp"
    kill -KILL "$BG_PID" 2>/dev/null
    { wait "$BG_PID"; } 2>/dev/null
    rc=$?
    BG_PID=
    if [ $rc -eq 137 ]; then
        KILLED=1
    elif [ $rc -eq 0 ]; then
        KILLED=0
    else
        KILLED=0
        not_ok "trial $trial: ingest exited $rc (not killed): $(head -c 300 "$W/ingest.err")"
    fi
}

# ---------------------------------------------------------------- reference
"$PY" "$CRASH_DIR/gen_log.py" "$REPO_DIR/tests/e2e/data/pg15-pgaudit.log" "$RECORDS" >"$W/big.log" ||
    { echo "Bail out! cannot generate the input"; exit 1; }
echo "# input: $RECORDS records, $(wc -c <"$W/big.log") bytes; batch $BATCH; seed $SEED; $TRIALS trials"

REF=$W/ref.db
"$TS" --store "$REF" init >/dev/null 2>&1 || { echo "Bail out! init failed"; exit 1; }
t0=$(now_ms)
"$TS" --store "$REF" "${ingest_args[@]}" "$W/big.log" >"$W/ref.out" 2>"$W/ref.err" ||
    { echo "Bail out! the reference ingest failed: $(head -c 300 "$W/ref.err")"; exit 1; }
DURATION=$(($(now_ms) - t0))
"$TS" --store "$REF" stats --json >"$W/ref-stats.json"
REF_STATS=$(json_get "$W/ref-stats.json" comparable)
save_checkpoint "$REF" "$W/ref-cp"
REF_SIZE=$(size_of "$W/ref-cp")
REF_COMMITS=$(json_get "$W/ref-stats.json" checkpoints)
echo "# reference: $REF_SIZE entries, $REF_COMMITS commits, ingest took ${DURATION} ms"
[ "$REF_SIZE" -gt 0 ] && [ "$REF_COMMITS" -ge 10 ] ||
    { echo "Bail out! the reference has too few commits ($REF_COMMITS)"; exit 1; }
TRIAL_FAILED=0
check_store "reference" "$REF" "$W/ref-cp"
[ $TRIAL_FAILED -eq 0 ] || { echo "Bail out! the reference store is not sound"; exit 1; }

# A fixed sample of entries, spread over the whole log, first and last included.
FIXED=()
for k in 0 1 2 3; do FIXED+=($(((REF_SIZE - 1) * k / 3))); done
declare -A REF_DIGEST=()
# ref_digests N...: fill REF_DIGEST for the indexes not known yet.
ref_digests() {
    local want=() n d
    for n in "$@"; do [ -n "${REF_DIGEST[$n]:-}" ] || want+=("$n"); done
    [ ${#want[@]} -eq 0 ] && return
    while read -r n d; do REF_DIGEST[$n]=$d; done < <("$PY" "$CRASH_DIR/entries.py" "$TS" "$REF" "${want[@]}")
}
ref_digests "${FIXED[@]}"

# ------------------------------------------------------------------- trials
KILLS=0
EARLY=0
T_START=$(now_ms)
for ((trial = 1; trial <= TRIALS; trial++)); do
    TRIAL_FAILED=0
    S=$W/trial.db
    rm -f "$S" "$S"-wal "$S"-shm "$S".key
    "$TS" --store "$S" init >/dev/null 2>&1 || { not_ok "trial $trial: init"; continue; }
    "$TS" --store "$S" key >"$W/vkey"

    # first kill: anywhere in the whole ingest
    d1=$(rand_below "$DURATION")
    run_and_kill "$S" "$d1" "$W/cp1"
    k1=$KILLED
    save_checkpoint "$S" "$W/post1"
    s1=$(size_of "$W/post1")
    check_store "trial $trial: after kill 1 at ${d1} ms" "$S" "$W/post1"
    check_consistent "trial $trial: after kill 1" "$S" "$W/post1" "$W/cp1"

    # second kill: anywhere in what is left
    d2=$(rand_below $((DURATION * (REF_SIZE - s1) / REF_SIZE + 50)))
    run_and_kill "$S" "$d2" "$W/cp2"
    k2=$KILLED
    save_checkpoint "$S" "$W/post2"
    s2=$(size_of "$W/post2")
    check_store "trial $trial: after kill 2 at ${d2} ms" "$S" "$W/post2"
    check_consistent "trial $trial: after kill 2" "$S" "$W/post2" "$W/post1"
    check_consistent "trial $trial: after kill 2" "$S" "$W/post2" "$W/cp2"
    KILLS=$((KILLS + k1 + k2))
    [ "$k1" = 0 ] && EARLY=$((EARLY + 1))
    [ "$k2" = 0 ] && EARLY=$((EARLY + 1))

    # complete the ingest
    if ! "$TS" --store "$S" "${ingest_args[@]}" --json "$W/big.log" >"$W/ingest.out" 2>"$W/ingest.err"; then
        not_ok "trial $trial: completing the ingest failed: $(head -c 300 "$W/ingest.err")"
    fi
    save_checkpoint "$S" "$W/post3"
    check_store "trial $trial: completed" "$S" "$W/post3"
    check_consistent "trial $trial: completed" "$S" "$W/post3" "$W/post2"
    check_eq "trial $trial: completed tree size == reference" "$REF_SIZE" "$(size_of "$W/post3")"
    check_eq "trial $trial: stats (entries, sessions, events by kind) == reference" \
        "$REF_STATS" "$(json_get "$W/stats.json" comparable)"

    # the sealed records themselves, in order: a fixed sample, the entries on
    # either side of each point the ingest was killed at, and one at random
    sample=("${FIXED[@]}")
    for n in "$s1" "$s2"; do
        for m in $((n - 1)) "$n"; do
            [ "$m" -ge 0 ] && [ "$m" -lt "$REF_SIZE" ] && sample+=("$m")
        done
    done
    sample+=("$(rand_below "$REF_SIZE")")
    mapfile -t sample < <(printf '%s\n' "${sample[@]}" | sort -n -u)
    ref_digests "${sample[@]}"
    bad=
    while read -r n d; do
        [ "$d" == "${REF_DIGEST[$n]:-}" ] || bad+=" $n"
    done < <("$PY" "$CRASH_DIR/entries.py" "$TS" "$S" "${sample[@]}")
    if [ -z "$bad" ]; then
        ok "trial $trial: ${#sample[@]} sampled entries equal the reference's"
    else
        not_ok "trial $trial: entries differ from the reference's at index$bad"
    fi

    if [ $TRIAL_FAILED -eq 0 ]; then
        echo "ok $trial - kill 1 at ${d1} ms ($([ "$k1" = 1 ] && echo killed || echo finished first), tree $s1)," \
            "kill 2 at ${d2} ms ($([ "$k2" = 1 ] && echo killed || echo finished first), tree $s2), completed"
    else
        echo "not ok $trial - kill 1 at ${d1} ms (tree $s1), kill 2 at ${d2} ms (tree $s2); store kept in $W/failed-$trial.db"
        cp "$S" "$W/failed-$trial.db"
        [ -f "$S-wal" ] && cp "$S-wal" "$W/failed-$trial.db-wal"
        cp "$S.key" "$W/failed-$trial.db.key"
        KEEP=1
    fi
    rm -f "$S" "$S"-wal "$S"-shm "$S".key
done
T_TRIALS=$(($(now_ms) - T_START))

echo "1..$TRIALS"
echo "# $TRIALS trials in $((T_TRIALS / 1000)) s, $KILLS ingests killed mid-way ($EARLY finished before the kill), seed $SEED"
if [ "$N_FAILED" -ne 0 ]; then
    echo "# $N_FAILED of $N_CHECKS checks failed (replay with CRASH_SEED=$SEED)"
    KEEP=1
    exit 1
fi
echo "# all $N_CHECKS checks passed"
exit 0
