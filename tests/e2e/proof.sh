#!/usr/bin/env bash
# The auditor's offline check: `prove` an entry (the agent copying SSNs) and
# the consistency of an older tree, then `verify-proof` them with nothing but
# the verifier key; altered proofs and a stranger's key must not pass.
# Usage: proof.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: proof.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3
make_tmp
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
LOG=$E2E_DIR/data/pg15-pgaudit.log
STORE=$T/store.db

ts init
check_status "init" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest the fixture log" 0 "$RC"
[ "$RC" -eq 0 ] || bail "nothing more can be checked: $(head -n 1 "$T/err")"
ts stats --json
old_size=$(json_get "$T/out" 'j["entries"]')
ts checkpoint
cp "$T/out" "$T/kept.checkpoint" # what the auditor kept before the second log
# A second, different log (another server's: other pids) grows the tree.
sed -e 's/ \[\([0-9]*\)\] / [9\1] /' "$LOG" >"$T/second.log"
ts ingest --format pg-stderr --prefix "$PREFIX" "$T/second.log"
check_status "ingest a second log" 0 "$RC"
ts stats --json
new_size=$(json_get "$T/out" 'j["entries"]')
check_eq "the tree grew by the second log" $((2 * old_size)) "$new_size"
ts key
cp "$T/out" "$T/vkey"

# The entry to prove: the agent's INSERT ... SELECT into ml.training_rows.
ts search --account agent_langchain --kind audit --object ml.training_rows --json
index=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(min(r["entry_index"] for r in rows
          if "insert into ml.training_rows" in (r.get("statement") or "").lower()))
' "$T/out") || bail "search found no INSERT into ml.training_rows"

ts prove --index "$index"
check_status "prove --index $index" 0 "$RC"
cp "$T/out" "$T/inclusion.proof"
check_eq "the proof's first line" "c2sp.org/tlog-proof@v1" "$(head -n 1 "$T/inclusion.proof")"

# verify_proof VKEY PROOF: verify-proof with no store at all.
verify_proof() {
    RC=0
    "$TRAILSEAL" --store "$T/no-such-store.db" verify-proof --vkey "$1" "$2" \
        >"$T/out" 2>"$T/err" || RC=$?
}

verify_proof "$T/vkey" "$T/inclusion.proof"
check_status "verify-proof of the inclusion proof, without the store" 0 "$RC"
if [ -e "$T/no-such-store.db" ]; then not_ok "verify-proof created a store"; else ok "verify-proof created no store"; fi
RC=0
"$TRAILSEAL" verify-proof --vkey "$T/vkey" - <"$T/inclusion.proof" >"$T/out" 2>"$T/err" || RC=$?
check_status "verify-proof from standard input" 0 "$RC"

# The entry inside the proof altered: one byte of the statement.
python3 - "$T/inclusion.proof" "$T/altered-entry.proof" 2>/dev/null <<'EOF'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
i = next(i for i, l in enumerate(lines) if l.startswith("extra "))
entry = base64.b64decode(lines[i][6:])
assert b"ml.training_rows" in entry
lines[i] = "extra " + base64.b64encode(entry.replace(b"ml.training_rows", b"ml.training_rowz", 1)).decode()
open(sys.argv[2], "w").write("\n".join(lines))
EOF
if [ -s "$T/altered-entry.proof" ]; then
    verify_proof "$T/vkey" "$T/altered-entry.proof"
    check_status "verify-proof with one byte of the entry changed" 1 "$RC"
else
    not_ok "the inclusion proof has no 'extra' line holding the entry"
fi

# The proof claims another index.
sed "s/^index $index\$/index $((index + 1))/" "$T/inclusion.proof" >"$T/altered-index.proof"
if cmp -s "$T/inclusion.proof" "$T/altered-index.proof"; then
    not_ok "the inclusion proof has no 'index $index' line"
else
    verify_proof "$T/vkey" "$T/altered-index.proof"
    check_status "verify-proof with another index" 1 "$RC"
fi

# A stranger's key.
STORE=$T/other.db
ts init
ts key
cp "$T/out" "$T/other-vkey"
STORE=$T/store.db
verify_proof "$T/other-vkey" "$T/inclusion.proof"
check_status "verify-proof with another store's key" 1 "$RC"

# Consistency: the tree the auditor saw before the second log is a prefix.
ts prove --from-size "$old_size"
check_status "prove --from-size $old_size" 0 "$RC"
cp "$T/out" "$T/consistency.proof"
verify_proof "$T/vkey" "$T/consistency.proof"
check_status "verify-proof of the consistency proof" 0 "$RC"
"$TRAILSEAL" verify-proof --vkey "$T/vkey" --old "$T/kept.checkpoint" \
    "$T/consistency.proof" >"$T/out" 2>"$T/err" && RC=0 || RC=$?
check_status "verify-proof --old: the proof starts from the kept checkpoint" 0 "$RC"
# A proof from another size is valid on its own, but not from the kept one.
ts prove --from-size $((old_size - 1))
cp "$T/out" "$T/consistency-other.proof"
"$TRAILSEAL" verify-proof --vkey "$T/vkey" --old "$T/kept.checkpoint" \
    "$T/consistency-other.proof" >"$T/out" 2>"$T/err" && RC=0 || RC=$?
check_status "verify-proof --old: a proof from another tree is not anchored" 1 "$RC"
if grep -q "not the kept checkpoint" "$T/out"; then ok "the refusal says why"; else not_ok "no reason: $(head -c 200 "$T/out")"; fi
ts prove --from-size $((new_size + 1))
check_status "prove --from-size beyond the tree" 2 "$RC"
ts prove --index "$new_size"
check_status "prove --index beyond the tree" 2 "$RC"

# Bad input to verify-proof.
printf 'not a proof\n' >"$T/garbage.proof"
verify_proof "$T/vkey" "$T/garbage.proof"
if [ "$RC" -ne 0 ]; then ok "verify-proof rejects garbage (exit $RC)"; else not_ok "verify-proof accepted garbage"; fi
verify_proof "$T/vkey" "$T/missing.proof"
check_status "verify-proof of a missing file" 2 "$RC"

finish
