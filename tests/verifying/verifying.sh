#!/usr/bin/env bash
# docs/VERIFYING.md, run as written: the auditor's offline checks with
# openssl, coreutils, xxd and the Python script the page prints, never
# trailseal. Each shell step is taken from the page (the ```sh block after
# "<!-- step: NAME -->"), the script from between its begin/end markers, so
# the page cannot drift from what is tested. Also checks that the script
# agrees with `trailseal verify-proof`.
# Usage: verifying.sh PATH/TO/trailseal
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$HERE/../e2e/lib.sh"

TRAILSEAL=${1:?usage: verifying.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
TRAILSEAL=$(cd "$(dirname "$TRAILSEAL")" && pwd)/$(basename "$TRAILSEAL")
need_tools python3 openssl base64 xxd sha256sum sed grep cut
make_tmp
DOC=$REPO_DIR/docs/VERIFYING.md
SCRIPT=$REPO_DIR/docs/verify_trailseal.py
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
LOG=$E2E_DIR/data/pg15-pgaudit.log
STORE=$T/store.db
W=$T/auditor # the auditor's directory: only what the page says is there
mkdir -p "$W" "$T/steps"
export TRAILSEAL STORE

# ---- The page's script and steps ----
sed -n '/^<!-- verify_trailseal.py begin -->$/,/^<!-- verify_trailseal.py end -->$/p' "$DOC" |
    sed '1,2d;$d' | sed '$d' >"$W/verify_trailseal.py"
if [ -s "$W/verify_trailseal.py" ] && diff -u "$SCRIPT" "$W/verify_trailseal.py" >"$T/script.diff"; then
    ok "the script in VERIFYING.md is docs/verify_trailseal.py"
else
    not_ok "the script in VERIFYING.md differs from docs/verify_trailseal.py"
    sed 's/^/#   /' "$T/script.diff" | head -n 20
fi
for s in operator-keep operator-prove key checkpoint inclusion consistency verify-proof verify; do
    awk -v want="<!-- step: $s -->" '
        $0 == want { armed = 1; next }
        armed == 1 && /^```sh$/ { armed = 2; next }
        armed == 2 && /^```$/ { exit }
        armed == 2 { print }
        armed == 1 { exit }' "$DOC" >"$T/steps/$s.sh"
    [ -s "$T/steps/$s.sh" ] || bail "VERIFYING.md has no sh block marked '<!-- step: $s -->'"
done
ok "VERIFYING.md has every step this test runs"

# step NAME...: runs the page's steps in one bash -e, in the auditor's
# directory, where `trailseal` is the binary under test on the test store.
# stdout+stderr in $T/out, exit status in $RC.
step() {
    local s
    {
        echo 'trailseal() { "$TRAILSEAL" --store "$STORE" "$@"; }'
        for s in "$@"; do cat "$T/steps/$s.sh"; done
    } >"$T/run.sh"
    RC=0
    (cd "$W" && bash -e "$T/run.sh") >"$T/out" 2>&1 || RC=$?
    : >"$T/err"
}

# expect_lines WHAT LINE...: each LINE is a whole line of $T/out.
expect_lines() {
    local what=$1 l missing=
    shift
    for l in "$@"; do grep -qxF -- "$l" "$T/out" || missing="$missing '$l'"; done
    if [ -z "$missing" ]; then ok "$what"; else
        not_ok "$what: missing$missing"
        sed 's/^/#   /' "$T/out" | head -n 20
    fi
}

# ---- The operator's side: a store with several checkpoints, one kept ----
ts init
check_status "init" 0 "$RC"
head -n 40 "$LOG" >"$T/grow.log"
ts ingest --format pg-stderr --prefix "$PREFIX" --batch 10 "$T/grow.log"
check_status "ingest the first 40 lines in batches of 10" 0 "$RC"
step operator-keep
check_status "the page's operator commands: key and kept checkpoint" 0 "$RC"
cat "$LOG" >"$T/grow.log"
ts ingest --format pg-stderr --prefix "$PREFIX" --batch 10 "$T/grow.log"
check_status "ingest the rest of the log in batches of 10" 0 "$RC"
ts stats --json
checkpoints=$(json_get "$T/out" 'j["checkpoints"]')
size=$(json_get "$T/out" 'j["entries"]')
old_size=$(sed -n 2p "$W/kept-checkpoint.txt")
if [ "$checkpoints" -ge 4 ] && [ "$old_size" -gt 0 ] && [ "$old_size" -lt "$size" ]; then
    ok "$checkpoints checkpoints; the kept one is of $old_size of $size entries"
else
    bail "expected several checkpoints and a kept one smaller than the store: $checkpoints, $old_size of $size"
fi
step operator-prove
check_status "the page's operator commands: prove --index and --from-size" 0 "$RC"
check_eq "the inclusion proof's first line" "c2sp.org/tlog-proof@v1" "$(head -n 1 "$W/entry.proof")"
check_eq "the consistency proof's old size" "old $old_size" "$(sed -n 2p "$W/since.proof" | cut -d' ' -f1-2)"

# ---- Step 1 and 2: the key and a checkpoint, with openssl only ----
OK_KEY=("OK: an Ed25519 key" "OK: key id $(cut -d+ -f2 "$W/verifier.txt")")
OK_CP=("OK: the origin is the key's name" "OK: signed by key id $(cut -d+ -f2 "$W/verifier.txt")")
step key
check_status "step 1: the verifier key" 0 "$RC"
expect_lines "step 1 prints its OK lines" "${OK_KEY[@]}"
cmp -s "$W/pub.bin" <(openssl pkey -pubin -in "$W/pub.pem" -outform DER | tail -c 32) &&
    ok "pub.pem holds the verifier key's 32 bytes" || not_ok "pub.pem is not the verifier key"

cp "$W/kept-checkpoint.txt" "$W/checkpoint.txt"
step key checkpoint
check_status "step 2: the kept checkpoint's signature (openssl)" 0 "$RC"
expect_lines "step 2 prints its OK lines and openssl's verdict" "${OK_CP[@]}" "Signature Verified Successfully"

for change in size root; do
    if [ $change = size ]; then
        sed "2s/.*/$((old_size + 1))/" "$W/kept-checkpoint.txt" >"$W/checkpoint.txt"
    else # one base64 character of the root
        sed '3s/^\(.\)/\1\n/' "$W/kept-checkpoint.txt" | python3 -c '
import sys; s = sys.stdin.read(); i = s.index("\n", s.index("\n", s.index("\n") + 1) + 1) + 1
print(s[:i] + ("B" if s[i] != "B" else "C") + s[i + 1:], end="")' >"$W/checkpoint.txt"
        sed -i '3{N;s/\n//}' "$W/checkpoint.txt"
    fi
    if cmp -s "$W/checkpoint.txt" "$W/kept-checkpoint.txt"; then
        not_ok "could not change the checkpoint's $change"
        continue
    fi
    step key checkpoint
    if [ "$RC" -ne 0 ] && grep -qxF "Signature Verification Failure" "$T/out"; then
        ok "step 2 rejects a checkpoint with its $change changed (exit $RC)"
    else
        not_ok "step 2 accepted a checkpoint with its $change changed (exit $RC)"
    fi
done

# ---- Step 4: the inclusion proof ----
step inclusion
check_status "step 4: the script checks the inclusion proof" 0 "$RC"
grep -q "^valid: entry 5 is in " "$T/out" && ok "the script says entry 5 is valid" ||
    not_ok "the script's verdict: $(head -n 1 "$T/out")"
step inclusion key checkpoint
check_status "step 4 + 2: the inclusion proof's checkpoint signature" 0 "$RC"
expect_lines "step 4 + 2 print their OK lines and openssl's verdict" "${OK_CP[@]}" "Signature Verified Successfully"
cmp -s "$W/checkpoint.txt" <("$TRAILSEAL" --store "$STORE" checkpoint) &&
    ok "the proof's checkpoint is the newest checkpoint" || not_ok "the proof's checkpoint is not the newest"

# One byte of the entry in `extra` changed: the record's last byte before
# the salt (the page's steps must reject it; so must verify-proof).
cp "$W/entry.proof" "$T/entry.proof.good"
python3 - "$T/entry.proof.good" "$W/entry.proof" <<'EOF'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
e = bytearray(base64.b64decode(lines[1][6:]))
e[-19] ^= 0x01  # the salt and its key take the last 18 bytes (09 50 + 16)
lines[1] = "extra " + base64.b64encode(bytes(e)).decode()
open(sys.argv[2], "w").write("\n".join(lines))
EOF
step inclusion
check_status "step 4 rejects a proof with one byte of extra changed" 1 "$RC"
grep -q "^NOT VALID: inclusion proof" "$T/out" && ok "because the leaf does not lead to the root" ||
    not_ok "the script's reason: $(head -n 1 "$T/out")"
RC=0
"$TRAILSEAL" verify-proof --vkey "$W/verifier.txt" "$W/entry.proof" >"$T/out" 2>"$T/err" || RC=$?
check_status "verify-proof rejects it too" 1 "$RC"
cp "$T/entry.proof.good" "$W/entry.proof"

# ---- Step 5: the consistency proof ----
step consistency
check_status "step 5: the script checks the consistency proof from the kept checkpoint" 0 "$RC"
grep -q "^valid: the tree of $old_size entries .* at tree size $size " "$T/out" &&
    ok "the script says the tree of $old_size is a prefix of $size" ||
    not_ok "the script's verdict: $(head -n 1 "$T/out")"
step consistency key checkpoint
check_status "step 5 + 2: the consistency proof's checkpoint signature" 0 "$RC"
expect_lines "step 5 + 2 print their OK lines and openssl's verdict" "${OK_CP[@]}" "Signature Verified Successfully"

# A wrong old root in the proof: another valid base64 hash.
cp "$W/since.proof" "$T/since.proof.good"
wrong=$(printf 'not the old root' | sha256sum | cut -c1-64 | xxd -r -p | base64)
sed "2s|^old \([0-9]*\) .*|old \1 $wrong|" "$T/since.proof.good" >"$W/since.proof"
step consistency
check_status "step 5 rejects a proof with a wrong old root" 1 "$RC"
grep -q "^NOT VALID: the proof does not start from the kept checkpoint" "$T/out" &&
    ok "because it is not the kept checkpoint's root" || not_ok "the script's reason: $(head -n 1 "$T/out")"
RC=0
python3 "$W/verify_trailseal.py" "$W/since.proof" >"$T/out" 2>&1 || RC=$?
check_status "the script rejects it without --old too (the hashes do not lead there)" 1 "$RC"
RC=0
"$TRAILSEAL" verify-proof --vkey "$W/verifier.txt" "$W/since.proof" >"$T/out" 2>"$T/err" || RC=$?
check_status "verify-proof rejects it too" 1 "$RC"
cp "$T/since.proof.good" "$W/since.proof"
# The honest proof, but a kept checkpoint that is not the proof's start.
cp "$W/kept-checkpoint.txt" "$T/kept.good"
sed "3s|.*|$wrong|" "$T/kept.good" >"$W/kept-checkpoint.txt"
step consistency
check_status "step 5 rejects an honest proof that does not start from the kept checkpoint" 1 "$RC"
cp "$T/kept.good" "$W/kept-checkpoint.txt"

# ---- The one-command way and trailseal verify, as the page runs them ----
step verify-proof
check_status "the page's verify-proof commands" 0 "$RC"
step verify
check_status "the page's verify command with the kept checkpoint" 0 "$RC"

# ---- The script agrees with verify-proof, entry by entry ----
agree() { # PROOF [SCRIPT-ARGS...]: both verdicts and every shared field
    local proof=$1
    shift
    "$TRAILSEAL" verify-proof --json --vkey "$W/verifier.txt" "$proof" >"$T/a.json" 2>/dev/null
    python3 "$W/verify_trailseal.py" --json "$@" "$proof" >"$T/b.json" 2>/dev/null
    python3 - "$T/a.json" "$T/b.json" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
if a["valid"] != b["valid"]:
    sys.exit("verify-proof says %s, the script %s" % (a["valid"], b["valid"]))
if a["valid"]:
    diff = [k for k in a if k in b and k != "problem" and a[k] != b[k]
            and not (k == "record" and b[k].startswith(a[k]))]
    if diff or len(set(a) & set(b)) < 7:
        sys.exit("they differ on %s" % diff)
EOF
}
# Entries and sizes around powers of two, the kept size and the ends.
picks=$(printf '%s\n' 0 1 2 3 5 7 8 15 16 31 32 63 64 "$((old_size - 1))" \
    "$old_size" "$((size - 2))" "$((size - 1))" "$size" | sort -nu)
bad=
n=0
for i in $picks; do
    [ "$i" -lt "$size" ] || continue
    n=$((n + 1))
    "$TRAILSEAL" --store "$STORE" prove --index "$i" >"$T/p" 2>/dev/null
    agree "$T/p" >"$T/agree.err" 2>&1 || bad="$bad $i($(cat "$T/agree.err"))"
done
[ -z "$bad" ] && ok "the script agrees with verify-proof on $n inclusion proofs (entries $(echo $picks))" ||
    not_ok "the script and verify-proof disagree on entries:$bad"
bad=
n=0
for m in $picks; do
    [ "$m" -ge 1 ] || continue
    n=$((n + 1))
    "$TRAILSEAL" --store "$STORE" prove --from-size "$m" >"$T/p" 2>/dev/null
    agree "$T/p" >"$T/agree.err" 2>&1 || bad="$bad $m($(cat "$T/agree.err"))"
done
[ -z "$bad" ] && ok "the script agrees with verify-proof on $n consistency proofs (from sizes 1..$size)" ||
    not_ok "the script and verify-proof disagree from sizes:$bad"
for f in "$T/since.proof.good" "$W/entry.proof"; do
    for n in 2 3 4; do # one proof hash changed
        sed "${n}s|^[A-Za-z0-9+/]\{43\}=\$|$wrong|" "$f" >"$T/p"
        cmp -s "$f" "$T/p" && continue
        if agree "$T/p" >"$T/agree.err" 2>&1 && ! grep -q '"valid": true' "$T/b.json"; then
            ok "both reject $(basename "$f") with line $n changed"
        else
            not_ok "$(basename "$f") with line $n changed: $(cat "$T/agree.err") $(cat "$T/b.json")"
        fi
    done
done

finish
