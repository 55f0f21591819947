#!/usr/bin/env bash
# The signed evidence pack: seal a real PostgreSQL 15 + pgAudit log, write a
# pack around a results.json fixture through the library (ts-pack-writer),
# check it with `verify-pack`, with sha256sum and openssl alone (as
# docs/VERIFYING.md tells an auditor), validate its OSCAL, then tamper with
# it in every way an auditor must catch.
# Usage: pack.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: pack.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
WRITER=$(dirname "$TRAILSEAL")/ts-pack-writer
[ -x "$WRITER" ] || bail "'$WRITER' is not built (tests/e2e/CMakeLists.txt)"
need_tools python3 openssl sha256sum base64 xxd psql
python3 -c 'import jsonschema' 2>/dev/null ||
    bail "python3-jsonschema is not installed: run scripts/deps.sh test"
[ -x /usr/lib/postgresql/15/bin/postgres ] ||
    bail "PostgreSQL 15 is not installed: run scripts/deps.sh"

make_tmp
STORE=$T/store.db
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '

# --- a real log, sealed -------------------------------------------------------
start_sandbox
"$REPO_DIR/scripts/demo-workload.sh" "$SANDBOX" || bail "the workload failed"
"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "could not stop PostgreSQL"
LOG=$SANDBOX/log/postgresql.log
ts init
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest the server's log" 0 "$RC"
[ "$RC" -eq 0 ] || bail "nothing more can be checked: $(head -n 1 "$T/err")"
ts key
cp "$T/out" "$T/vkey"
ts checkpoint
cp "$T/out" "$T/checkpoint"
origin=$(head -n 1 "$T/checkpoint")
size=$(sed -n 2p "$T/checkpoint")
[ "$size" -ge 40 ] || bail "the log sealed only $size entries"
last=$((size - 1))

# --- the pack --------------------------------------------------------------------
PACK=$T/pack
mkdir -p "$PACK/populations"
printf 'entry,account,database\n3,alice,shop\n7,app_svc,shop\n' >"$PACK/populations/TS-IAM-01.csv"
printf 'entry,account\n%s,postgres\n' "$last" >"$PACK/populations/TS-PRIV-01 privileged.csv"
python3 - "$PACK/results.json" "$origin" "$size" "$last" <<'EOF'
import hashlib, json, os, sys
path, origin, size, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pops = os.path.join(os.path.dirname(path), "populations")
sha = lambda name: hashlib.sha256(open(os.path.join(pops, name), "rb").read()).hexdigest()
iam_sha = sha("TS-IAM-01.csv")
# the seed as schemas/controls.schema.md derives it (verify-pack re-derives it)
seed = hashlib.sha256(f"trailseal-sample-v1\n2026-Q3\nTS-IAM-01\n{iam_sha}\n".encode()).hexdigest()
doc = {"period": {"start": "2026-07-01T00:00:00Z", "end": "2026-10-01T00:00:00Z",
                  "label": "2026-Q3"},
       "entity": "Example Corp", "store": "trailseal.db", "origin": origin,
       "tree_size": size, "verdict": "intact", "tool_version": "0.1.0",
       "controls_sha256": "ab" * 32, "generated": "2026-10-02T08:00:00Z",
       "controls": [
           {"id": "TS-IAM-01", "title": "Unique attributable identities",
            "criteria": ["CC6.1", "CC6.2"], "description": "No shared accounts.",
            "owner": "Security", "frequency": "quarterly", "nature": "detective",
            "key": True, "lane": "sample", "status": "with_exceptions",
            "severity": "high", "population": 2, "population_sha256": iam_sha,
            "population_file": "populations/TS-IAM-01.csv",
            "sampled": [{"entry": 3, "row": 1, "item": "alice@shop"},
                        {"entry": 0, "row": 2, "item": "first"}],
            "query": "SELECT ...", "seed": seed, "sample_size": 2,
            "exceptions_found": 2, "exceptions_waived": 1,
            "exceptions": [{"entry": 7, "row": 2, "time": "2026-07-03T10:00:00.000000Z",
                            "item": "app_svc used by two people",
                            "reason": "shared account", "waived": False},
                           {"entry": None, "row": 5, "time": None,
                            "item": "svc_etl has no owner", "reason": "unowned",
                            "waived": True, "waiver": {"approver": "CISO",
                                                       "justification": "retired"}}]},
           {"id": "TS-PRIV-01", "title": "Privileged access restricted",
            "criteria": ["CC6.3"], "description": "Superuser use is approved.\nLine two.",
            "owner": "DBA", "frequency": "quarterly", "nature": "preventive",
            "key": False, "lane": "census", "status": "effective",
            "severity": "medium", "population": 1,
            "population_sha256": sha("TS-PRIV-01 privileged.csv"),
            "population_file": "populations/TS-PRIV-01 privileged.csv",
            "sampled": [{"entry": last, "item": "postgres"}], "exceptions": []},
           {"id": "TS-BG-01", "title": "Break-glass access", "criteria": [],
            "status": "not_occurring", "population": 0, "sampled": [],
            "exceptions": []}]}
json.dump(doc, open(path, "w"), indent=1)
EOF
"$WRITER" "$STORE" "$PACK" 3 0 7 "$last" 3 >"$T/out" 2>"$T/err"
check_status "write the pack (proofs, OSCAL, signed manifest)" 0 $?
check_eq "one proof per distinct entry" \
    "$(printf '%s\n' entry-0.proof entry-3.proof entry-7.proof "entry-$last.proof" |
        LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" \
    "$(cd "$PACK/proofs" && LC_ALL=C ls | tr '\n' ' ' | sed 's/ $//')"
check_eq "checkpoint.txt is the store's newest checkpoint" \
    "$(sha256sum <"$T/checkpoint")" "$(sha256sum <"$PACK/checkpoint.txt")"
ts prove --index 7
check_eq "a pack proof is what 'prove --index' prints" \
    "$(sha256sum <"$T/out")" "$(sha256sum <"$PACK/proofs/entry-7.proof")"

"$TRAILSEAL" verify-pack --vkey "$T/vkey" "$PACK" >"$T/out" 2>"$T/err"
check_status "verify-pack on the untouched pack" 0 $?
grep -q '^intact: 10 files .* 4 proofs' "$T/out" &&
    ok "verify-pack counts 10 files and 4 proofs" ||
    not_ok "verify-pack output: $(cat "$T/out")"
"$TRAILSEAL" verify-pack --vkey "$T/vkey" --json "$PACK" >"$T/out" 2>"$T/err"
check_eq "verify-pack --json" "True 4 $size" \
    "$(json_get "$T/out" '"%s %s %s" % (j["ok"], j["proofs"], j["tree_size"])')"

# The same input gives the same bytes, signature included (Ed25519 is
# deterministic).
mkdir -p "$T/again"
cp -a "$PACK/results.json" "$PACK/populations" "$T/again/"
"$WRITER" "$STORE" "$T/again" 7 3 0 "$last" >/dev/null 2>&1
if diff -r "$PACK" "$T/again" >"$T/diff" 2>&1; then
    ok "writing the pack again gives identical files"
else
    not_ok "the pack is not reproducible: $(head -n 5 "$T/diff")"
fi

# A signed pack whose results.json names an entry it has no proof for:
# every item is looked up in the manifest (a binary search over its sorted
# paths), so the proofs before and after the missing one are found and the
# missing one is named.
mkdir -p "$T/noproof"
cp -a "$PACK/populations" "$T/noproof/"
python3 - "$PACK/results.json" "$T/noproof/results.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["controls"][0]["sampled"].append({"entry": 5, "item": "unproven"})
json.dump(doc, open(sys.argv[2], "w"), indent=1)
PY
"$WRITER" "$STORE" "$T/noproof" 7 3 0 "$last" >/dev/null 2>&1
"$TRAILSEAL" verify-pack --vkey "$T/vkey" "$T/noproof" >"$T/out" 2>"$T/err"
check_status "verify-pack: an item without its proof" 1 $?
grep -qF "proofs/entry-5.proof: missing: control TS-IAM-01 lists entry 5 in sampled" "$T/out" &&
    ok "the item without a proof is named" ||
    not_ok "item without a proof: $(cat "$T/out")"

# Signed packs whose results.json does not add up (the writer signs
# whatever it is given, as a careless or dishonest report would): the
# numbers are re-derived from the pack itself.
# resigned WHAT PYTHON MESSAGE: PYTHON edits `doc` (results.json, whose
# first control is TS-IAM-01); verify-pack must fail naming MESSAGE.
resigned() {
    rm -rf "$T/r" && mkdir -p "$T/r"
    cp -a "$PACK/populations" "$T/r/"
    python3 - "$PACK/results.json" "$T/r/results.json" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
iam = doc["controls"][0]
exec(sys.argv[3])
json.dump(doc, open(sys.argv[2], "w"), indent=1)
PY
    "$WRITER" "$STORE" "$T/r" 7 3 0 "$last" >/dev/null 2>&1
    "$TRAILSEAL" verify-pack --vkey "$T/vkey" "$T/r" >"$T/out" 2>"$T/err"
    check_status "verify-pack: $1" 1 $?
    grep -qF "TAMPERED: $3" "$T/out" && ok "$1: says so" ||
        not_ok "$1: expected '$3', got: $(cat "$T/out")"
}
resigned "an exception left out of the list" 'iam["exceptions"].pop()' \
    "results.json: control TS-IAM-01 lists 1 of the 2 exceptions it found"
resigned "a population count that is not the CSV's" 'iam["population"] = 3' \
    "results.json: control TS-IAM-01: population 3 but populations/TS-IAM-01.csv holds 2 rows"
resigned "a population hash that is not the CSV's" \
    'doc["controls"][1]["population_sha256"] = "ef" * 32' \
    "results.json: control TS-PRIV-01: population_sha256 is not the SHA-256 of populations/TS-PRIV-01 privileged.csv"
resigned "a seed of one's choosing" 'iam["seed"] = "9f" * 32' \
    "results.json: control TS-IAM-01: seed is not the one its period, id and population give"
resigned "a sampled row swapped for another" 'iam["sampled"][1]["row"] = 5' \
    "results.json: control TS-IAM-01: the sample is not the one its seed selects (2 rows listed, 2 selected from 2 by sample_size 2; they first differ at position 2)"
resigned "a sampled item dropped" 'iam["sampled"].pop()' \
    "results.json: control TS-IAM-01: the sample is not the one its seed selects (1 rows listed, 2 selected"
resigned "a population file the manifest does not list" \
    'iam["population_file"] = "populations/elsewhere.csv"' \
    "populations/elsewhere.csv: missing: control TS-IAM-01 names it as its population"

# --- OSCAL against the schema ----------------------------------------------------
py_tally "$PACK" "$REPO_DIR/tests/data/oscal" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[2])
from validate_oscal import validate
pack = sys.argv[1]
for model in ("assessment-results", "assessment-plan"):
    doc = json.load(open(f"{pack}/oscal/{model}.json"))
    errors, schema = validate(model, doc)
    if errors:
        print(f"not ok - {model}.json against {schema}: {errors[0]}")
    else:
        print(f"ok - {model}.json validates against {schema}")
ar = json.load(open(f"{pack}/oscal/assessment-results.json"))["assessment-results"]
r = ar["results"][0]
states = {f["target"]["target-id"]: f["target"]["status"]["state"] for f in r["findings"]}
want = {"TS-IAM-01": "not-satisfied", "TS-PRIV-01": "satisfied", "TS-BG-01": "satisfied"}
print(("ok" if states == want else "not ok") + f" - one finding per control, by status: {states}")
hrefs = [e["href"] for o in r["observations"] if o["title"] == "Exception"
         for e in o.get("relevant-evidence", [])]
print(("ok" if hrefs == ["../proofs/entry-7.proof"] else "not ok")
      + f" - the exception's evidence is its proof: {hrefs}")
print(("ok" if (r["start"], r["end"]) == ("2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z")
       else "not ok") + " - the result spans the period")
print(("ok" if ar["import-ap"]["href"] == "assessment-plan.json" else "not ok")
      + " - the results import the plan beside them")
EOF

# --- the auditor's check without trailseal (docs/VERIFYING.md) ----------------
(cd "$PACK" && python3 -c '
import json
for f in json.load(open("manifest.json"))["files"]:
    print(f["sha256"] + "  " + f["path"])' >"$T/sums" && sha256sum --quiet -c "$T/sums") >"$T/out" 2>&1
check_status "sha256sum -c over manifest.json's list" 0 $?
check_eq "manifest.sig signs manifest.json's SHA-256" \
    "sha256 $(sha256sum "$PACK/manifest.json" | cut -d' ' -f1)" \
    "$(sed -n 2p "$PACK/manifest.sig")"
# The note: body (lines before the blank line), then "— name base64(keyid || sig)".
sed '/^$/,$d' "$PACK/manifest.sig" >"$T/body"
sed -n 's/^— [^ ]* //p' "$PACK/manifest.sig" | base64 -d | tail -c 64 >"$T/sig"
{ printf '302a300506032b6570032100' | xxd -r -p
  head -n 1 "$T/vkey" | sed 's/^[^+]*+[^+]*+//' | base64 -d | tail -c 32; } >"$T/pub.der"
openssl pkeyutl -verify -pubin -inkey "$T/pub.der" -keyform DER -rawin \
    -in "$T/body" -sigfile "$T/sig" >"$T/out" 2>&1
check_status "openssl verifies manifest.sig with the verifier key" 0 $?

# --- tampering ---------------------------------------------------------------------
# tamper NAME FILE-NAMED COMMAND...: runs COMMAND in a copy of the pack;
# verify-pack must exit 1 and name the file.
tamper() {
    local what=$1 file=$2 rc=0
    shift 2
    rm -rf "$T/t" && cp -a "$PACK" "$T/t"
    (cd "$T/t" && eval "$@")
    "$TRAILSEAL" verify-pack --vkey "$T/vkey" "$T/t" >"$T/out" 2>"$T/err" || rc=$?
    check_status "$what: verify-pack fails" 1 "$rc"
    if grep -qF "TAMPERED: $file:" "$T/out"; then
        ok "$what: names $file ($(cut -c1-90 "$T/out"))"
    else
        not_ok "$what: expected '$file' named, got: $(cat "$T/out")"
    fi
}
tamper "one byte of a population CSV" "populations/TS-IAM-01.csv" \
    "printf 'X' | dd of=populations/TS-IAM-01.csv bs=1 seek=10 conv=notrunc 2>/dev/null"
tamper "an added file" "notes.txt" "echo extra >notes.txt"
tamper "an added file in proofs/" "proofs/entry-99.proof" "cp proofs/entry-7.proof proofs/entry-99.proof"
tamper "a deleted proof" "proofs/entry-7.proof" "rm proofs/entry-7.proof"
tamper "manifest.json rewritten to match an edited CSV" "manifest.json" \
    "echo 9,mallory,shop >>populations/TS-IAM-01.csv && python3 -c '
import hashlib, json, os
m = json.load(open(\"manifest.json\"))
for f in m[\"files\"]:
    data = open(f[\"path\"], \"rb\").read()
    f[\"size\"], f[\"sha256\"] = len(data), hashlib.sha256(data).hexdigest()
json.dump(m, open(\"manifest.json\", \"w\"), indent=2)'"
tamper "manifest.sig deleted" "manifest.sig" "rm manifest.sig"
tamper "a CSV replaced by a symlink" "populations/TS-IAM-01.csv" \
    "rm populations/TS-IAM-01.csv && ln -s /etc/passwd populations/TS-IAM-01.csv"
# A pack signed with the right key but whose results are about another log.
rm -rf "$T/w" && mkdir -p "$T/w" && cp -a "$PACK/results.json" "$PACK/populations" "$T/w/"
sed -i 's|"origin": "trailseal.local/|"origin": "trailseal.local/x|' "$T/w/results.json"
"$WRITER" "$STORE" "$T/w" 3 0 7 "$last" >/dev/null 2>&1
rc=0
"$TRAILSEAL" verify-pack --vkey "$T/vkey" "$T/w" >"$T/out" 2>"$T/err" || rc=$?
check_status "signed results.json about another log: verify-pack fails" 1 "$rc"
grep -qF "TAMPERED: results.json: origin is not checkpoint.txt's" "$T/out" &&
    ok "signed results.json about another log: names results.json" ||
    not_ok "results.json about another log: $(cat "$T/out")"
tamper "an OSCAL file edited" "oscal/assessment-results.json" \
    "sed -i 's/not-satisfied/satisfied/' oscal/assessment-results.json"

# A newer checkpoint of the same store swapped in: validly signed, but not
# the one the pack was built on.
sed -e 's/ \[\([0-9]*\)\] / [9\1] /' "$LOG" >"$T/second.log"
ts ingest --format pg-stderr --prefix "$PREFIX" "$T/second.log"
ts checkpoint
cp "$T/out" "$T/newer.checkpoint"
tamper "checkpoint.txt swapped for a newer one" "checkpoint.txt" \
    "cp '$T/newer.checkpoint' checkpoint.txt"

# Another store's key: the signature is not by it.
STORE=$T/other.db
ts init
ts key
cp "$T/out" "$T/other.vkey"
rc=0
"$TRAILSEAL" verify-pack --vkey "$T/other.vkey" "$PACK" >"$T/out" 2>"$T/err" || rc=$?
check_status "verify-pack with another store's key" 1 "$rc"
grep -qF "TAMPERED: manifest.sig:" "$T/out" && ok "another key: names manifest.sig" ||
    not_ok "another key: $(cat "$T/out")"

rc=0
"$TRAILSEAL" verify-pack --vkey "$T/vkey" "$T/no-such-pack" >"$T/out" 2>"$T/err" || rc=$?
check_status "verify-pack on a missing directory" 2 "$rc"
rc=0
"$TRAILSEAL" verify-pack "$PACK" >"$T/out" 2>"$T/err" || rc=$?
check_status "verify-pack without --vkey" 2 "$rc"
finish
