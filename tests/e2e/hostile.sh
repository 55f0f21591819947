#!/usr/bin/env bash
# Hostile input (docs/SECURITY.md lists each case and what happens): a key
# or store behind a symbolic link, report --out pointing through a link, a
# store written by a newer trailseal, a full disk during ingest, search
# filters and controls.yaml parameters that try SQL injection, populations
# that try to write, and broken proof, key and checkpoint
# files given to verify-proof and verify. No server: the kept real log of
# tests/e2e/data. (A key file readable by others: pg_pgaudit.sh.)
# Usage: hostile.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: hostile.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools sqlite3 python3
make_tmp
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
LOG=$E2E_DIR/data/pg15-pgaudit.log
N_LOG=77 # records in $LOG (tests/e2e/data/README.md)

# expect_error WHAT EXIT PATTERN: the last ts run exited EXIT and its
# stderr matches PATTERN (grep -E, case-insensitive), on one line.
expect_error() {
    check_status "$1" "$2" "$RC"
    if grep -qiE "$3" "$T/err" && [ "$(wc -l <"$T/err")" -le 2 ]; then
        ok "$1: says '$(head -n 1 "$T/err")'"
    else
        not_ok "$1: stderr does not match /$3/: '$(head -n 3 "$T/err")'"
    fi
}

# entries: the store's entry count (verify --json).
entries() {
    ts verify --json
    json_get "$T/out" 'j["entries"]'
}

STORE=$T/good.db
ts init
check_status "init" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest the fixture log" 0 "$RC"
ts key
cp "$T/out" "$T/vkey.txt"

# --- the key file behind a symbolic link: refused --------------------------
mv "$STORE.key" "$T/elsewhere.key"
ln -s "$T/elsewhere.key" "$STORE.key"
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
expect_error "ingest with the key file behind a symlink" 2 "symbolic link"
rm "$STORE.key"
mv "$T/elsewhere.key" "$STORE.key"
check_eq "nothing was sealed through the linked key" "$N_LOG" "$(entries)"

# --- init never writes through a symbolic link -----------------------------
echo "precious" >"$T/precious"
STORE=$T/linked-key.db
ln -s "$T/precious" "$STORE.key"
ts init
expect_error "init where the key file name is a symlink" 2 "exists|key file"
check_eq "the link's target is untouched" precious "$(cat "$T/precious")"
[ -e "$STORE" ] && not_ok "init left a store behind" || ok "init left no store behind"
STORE=$T/linked-store.db
ln -s "$T/precious" "$STORE"
ts init
expect_error "init where the store name is a symlink" 2 "already exists"
check_eq "the link's target is untouched" precious "$(cat "$T/precious")"
[ -e "$STORE.key" ] && not_ok "init left a key behind" || ok "init left no key behind"
ln -s "$T/nowhere.db" "$T/dangling.db"
STORE=$T/dangling.db
ts init
expect_error "init where the store name is a dangling symlink" 2 "already exists"
[ -e "$T/nowhere.db" ] && not_ok "init created the link's target" || ok "init did not create the link's target"

# --- a store behind a symbolic link is followed (its key is beside the link)
mkdir "$T/real"
STORE=$T/real/s.db
ts init
ln -s "$T/real/s.db" "$T/via-link.db"
mv "$T/real/s.db.key" "$T/via-link.db.key"
STORE=$T/via-link.db
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest into a store behind a symlink" 0 "$RC"
ts verify
check_status "verify the store behind a symlink" 0 "$RC"
check_eq "the entries went into the link's target" "$N_LOG" \
    "$(sqlite3 "$T/real/s.db" 'SELECT max(first_seq + n_entries) FROM blocks')"
[ -L "$T/via-link.db" ] && ok "the symlink is still a symlink" || not_ok "the symlink was replaced"

# --- report --out: symbolic links are never written through ----------------
STORE=$T/good.db
mkdir "$T/target"
ln -s "$T/target" "$T/out-link"
ts report --out "$T/out-link"
expect_error "report --out a symlink to a directory" 2 "symbolic link"
check_eq "nothing written through the link" "" "$(ls -A "$T/target")"
mkdir "$T/out2"
ln -s "$T/precious" "$T/out2/evidence.xlsx"
ts report --out "$T/out2"
check_status "report --out a directory whose evidence.xlsx is a symlink" 0 "$RC"
check_eq "the link's target is untouched" precious "$(cat "$T/precious")"
[ -L "$T/out2/evidence.xlsx" ] && not_ok "evidence.xlsx is still the symlink" || ok "evidence.xlsx replaced the link, not followed it"
check_eq "no temporary file is left in --out" "" "$(ls -A "$T/out2" | grep '^\.' || true)"
[ -f "$T/out2/evidence.xlsx" ] && [ -f "$T/out2/manifest.sig" ] &&
    ok "the pack was written (workbook and signed manifest)" ||
    not_ok "the pack is incomplete: $(ls -A "$T/out2")"
ts report --out "$T/out3/../out4"
check_status "report --out with .. in the path (the user's own path)" 2 "$RC"
[ -e "$T/out4" ] && not_ok "a path through a missing directory was created" || ok "no directory made through a missing parent"

# --- controls.yaml parameters and data classes that try SQL injection ------
# They are bound as values (report/control_run.c): the text comes back
# verbatim in the population, the store is unchanged and the pack verifies.
before=$(sqlite3 "$T/good.db" 'SELECT count(*) FROM events')
cat >"$T/evil-controls.yaml" <<'YAML'
version: 1
entity: "x'); DROP TABLE events; --"
data_classes:
  - id: evil
    column_patterns: ["x'); DROP TABLE events; --", "*' OR '1'='1"]
    tables: ["public.t; DELETE FROM events"]
    allowed: ["'); ATTACH 'evil.db' AS e; --"]
controls:
  - id: EVIL-01
    title: Hostile parameters
    criteria: [CC7.2]
    frequency: continuous
    lane: census
    severity: low
    parameters:
      evil: "x'); DROP TABLE events; --"
      quote: "' OR '1'='1"
      names: ["a'b", "); DELETE FROM events; --"]
    population: |
      SELECT seq AS entry_index, :evil || '|' || :names || '|' ||
             length(:classified_columns) AS item, time_us
        FROM events WHERE seq = 1 OR account = :quote
YAML
ts report --out "$T/evil-pack" --controls "$T/evil-controls.yaml"
check_status "report with hostile parameters and data classes" 0 "$RC"
check_eq "the population holds the parameters verbatim" 1 \
    "$(grep -c "x'); DROP TABLE events; --|\[\"\"a'b\"\",\"\"); DELETE FROM events; --\"\"\]|" "$T/evil-pack/populations/EVIL-01.csv" || true)"
check_eq "':quote' matched no account (one row: seq 1)" 2 \
    "$(wc -l <"$T/evil-pack/populations/EVIL-01.csv")"
check_eq "the store's events are all there" "$before" \
    "$(sqlite3 "$T/good.db" 'SELECT count(*) FROM events')"
check_eq "nothing was attached or created beside the store" "" \
    "$(ls "$T" | grep -E '^evil\.db$' || true)"
ts verify
check_status "the store verifies after the hostile report" 0 "$RC"
ts verify-pack --vkey "$T/vkey.txt" "$T/evil-pack"
check_status "the hostile report's pack verifies" 0 "$RC"
for sql in "DELETE FROM events" "INSERT INTO events(seq) VALUES (999999)" \
    "SELECT 1; DROP TABLE events" "PRAGMA user_version = 9" \
    "ATTACH '$T/evil.db' AS e" "CREATE TABLE evil(x)"; do
    sed "/^    population:/,\$d" "$T/evil-controls.yaml" >"$T/write-controls.yaml"
    printf '    population: "%s"\n' "$sql" >>"$T/write-controls.yaml"
    ts report --out "$T/write-pack" --controls "$T/write-controls.yaml"
    check_status "a population that writes is refused: $sql" 2 "$RC"
done
check_eq "after the refused writes: every event still there" "$before" \
    "$(sqlite3 "$T/good.db" 'SELECT count(*) FROM events')"
check_eq "after the refused writes: user_version 0, nothing attached" "0 no" \
    "$(sqlite3 "$T/good.db" 'PRAGMA user_version') $([ -e "$T/evil.db" ] && echo yes || echo no)"
ts verify
check_status "the store verifies after the refused writes" 0 "$RC"

# --- names that are not UTF-8 (a log may hold any bytes) ------------------
# JSON holds no such string: results.json and the OSCAL show U+FFFD, as the
# workbook does, and list every exception; parameters.json keeps the exact
# bytes as {"hex": ...} so a re-run binds what the report bound.
LC_ALL=C sed -e 's/alice/al\xffice/g' -e 's/customers/cust\xffomers/g' \
    "$LOG" >"$T/latin.log"
STORE=$T/latin.db
ts init
ts ingest --format pg-stderr --prefix "$PREFIX" "$T/latin.log"
check_status "ingest a log whose names are not UTF-8" 0 "$RC"
ts key
cp "$T/out" "$T/latin-vkey.txt"
ts report --out "$T/latin-pack" --controls "$REPO_DIR/controls.yaml"
check_status "report over names that are not UTF-8" 0 "$RC"
ts verify-pack --vkey "$T/latin-vkey.txt" "$T/latin-pack"
check_status "its pack verifies (every exception found is listed)" 0 "$RC"
py_tally "$T/latin-pack" <<'EOF'
import json, sys
pack = sys.argv[1]
r = json.load(open(f"{pack}/results.json"))
items = [i["item"] for c in r["controls"] for l in ("sampled", "exceptions")
         for i in c[l]]
shown = [i for i in items if "al\ufffdice" in i]
print(("ok" if shown else "not ok")
      + f" - results.json shows al\\xffice as U+FFFD ({len(shown)} items)")
short = [c["id"] for c in r["controls"]
         if len(c["exceptions"]) != c["exceptions_found"]]
print(("ok" if not short else "not ok")
      + f" - every control lists every exception it found {short}")
p = json.load(open(f"{pack}/populations/parameters.json"))
raw = bytes.fromhex(p["personal_tables"]["hex"])
print(("ok" if b"public.cust\xffomers" in raw else "not ok")
      + " - parameters.json keeps the table name's exact bytes")
oscal = open(f"{pack}/oscal/assessment-results.json", "rb").read()
oscal.decode("utf-8")
print("ok - the OSCAL is valid UTF-8")
EOF
STORE=$T/good.db

# --- a store written by a newer trailseal: refused, clearly ----------------
cp "$T/good.db" "$T/newer.db"
cp -p "$T/good.db.key" "$T/newer.db.key"
sqlite3 "$T/newer.db" "UPDATE meta SET value = '3' WHERE key = 'format_version'"
STORE=$T/newer.db
ts verify
expect_error "verify a store of format version 3" 2 "store format 3, this trailseal reads 2"
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
expect_error "ingest into a store of format version 3" 2 "store format 3, this trailseal reads 2"
ts search ssn
expect_error "search a store of format version 3" 2 "store format 3, this trailseal reads 2"
check_eq "the newer store was not written" 3 \
    "$(sqlite3 "$T/newer.db" "SELECT value FROM meta WHERE key = 'format_version'")"

# --- a full disk during ingest: a clear error, the store stays intact ------
STORE=$T/full.db
ts init
for _ in $(seq 40); do cat "$LOG"; done >"$T/big.log"
# a file size limit stands in for a full disk: writes past it fail with
# EFBIG (SIGXFSZ ignored, as a daemon would); SQLite sees a failed write.
# 1600 KiB: with 16 KiB pages each batch of 500 writes about 0.6 MB of WAL,
# so a couple of batches fit before the limit (2 of 6 here).
RC=0
(
    trap '' XFSZ
    ulimit -f 1600
    exec "$TRAILSEAL" --store "$STORE" ingest --format pg-stderr \
        --prefix "$PREFIX" --batch 500 "$T/big.log"
) >"$T/out" 2>"$T/err" || RC=$?
expect_error "ingest onto a full disk" 2 "committing a batch: (disk I/O error|database or disk is full)"
said=$(sed -n 's/.*the \([0-9]*\) entries committed before the error stay sealed.*/\1/p' "$T/err")
ts verify
check_status "verify after the failed ingest" 0 "$RC"
partial=$(entries)
if [ "${partial:-0}" -gt 0 ] && [ "$partial" -lt $((40 * N_LOG)) ] &&
    [ $((partial % 500)) -eq 0 ]; then
    ok "the failed ingest sealed only whole batches ($partial entries)"
    check_eq "ingest said how many entries stay sealed" "$partial" "$said"
else
    not_ok "expected whole batches of 500, fewer than $((40 * N_LOG)) entries, got '$partial'"
fi
ts ingest --format pg-stderr --prefix "$PREFIX" "$T/big.log"
check_status "re-ingest once there is room" 0 "$RC"
check_eq "every record sealed exactly once" $((40 * N_LOG)) "$(entries)"
ts verify
check_status "verify after the re-ingest" 0 "$RC"

# --- search filters that try SQL injection ----------------------------------
STORE=$T/good.db
INJ="x' OR 1=1 --"
for opt in --account --object --db --session --source --command; do
    ts search "$opt" "$INJ" --json
    check_status "search $opt \"$INJ\"" 0 "$RC"
    check_eq "search $opt \"$INJ\" finds nothing" 0 "$(grep -c . "$T/out")"
    if grep -qi "sql\|syntax" "$T/err"; then not_ok "an SQL error leaked: $(cat "$T/err")"; fi
done
ts search --account "alice'; DROP TABLE events; --" --json
check_status "search with a DROP TABLE in a filter" 0 "$RC"
ts search --account '%' --json
check_eq "% is no wildcard" 0 "$(grep -c . "$T/out")"
ts who --object "$INJ"
check_status "who --object \"$INJ\"" 0 "$RC"
ts timeline "$INJ"
check_status "timeline \"$INJ\"" 0 "$RC"
ts sessions --account "$INJ" --json
check_eq "sessions --account \"$INJ\" finds nothing" 0 "$(grep -c . "$T/out")"
ts search 'ssn" OR *'
expect_error "search text that is broken FTS5 syntax" 2 "not a valid query"
ts search --json
check_eq "the index is intact after all that" "$N_LOG" "$(grep -c . "$T/out")"

# --- broken proofs, keys and checkpoints ------------------------------------
ts prove --index 5
cp "$T/out" "$T/good.proof"
ts verify-proof --vkey "$T/vkey.txt" "$T/good.proof"
check_status "verify-proof of a good proof" 0 "$RC"
: >"$T/empty.proof"
ts verify-proof --vkey "$T/vkey.txt" "$T/empty.proof"
check_status "verify-proof of an empty file" 1 "$RC"
head -c 4096 /dev/urandom >"$T/random.proof"
ts verify-proof --vkey "$T/vkey.txt" "$T/random.proof"
check_status "verify-proof of random bytes" 1 "$RC"
head -n 4 "$T/good.proof" >"$T/cut.proof"
ts verify-proof --vkey "$T/vkey.txt" "$T/cut.proof"
check_status "verify-proof of a truncated proof" 1 "$RC"
sed '2s/^extra ./extra !/' "$T/good.proof" >"$T/badb64.proof"
ts verify-proof --vkey "$T/vkey.txt" "$T/badb64.proof"
check_status "verify-proof of a proof with bad base64" 1 "$RC"
python3 -c 'import sys; sys.stdout.write("c2sp.org/tlog-proof@v1\nextra " + "A" * (1 << 22) + "\nindex 0\n")' >"$T/huge.proof"
ts verify-proof --vkey "$T/vkey.txt" "$T/huge.proof"
check_status "verify-proof of a proof with a 4 MiB line" 1 "$RC"
ts verify-proof --vkey "$T/vkey.txt" "$T"
check_status "verify-proof of a directory" 2 "$RC"
ts verify-proof --vkey "$T/vkey.txt" "$T/no-such.proof"
check_status "verify-proof of a missing file" 2 "$RC"
printf 'not+a+key\n' >"$T/bad-vkey.txt"
ts verify-proof --vkey "$T/bad-vkey.txt" "$T/good.proof"
check_status "verify-proof with a broken verifier key" 2 "$RC"
ts verify-proof --vkey "$T/random.proof" "$T/good.proof"
check_status "verify-proof with random bytes as the key" 2 "$RC"
head -c 100 "$T/good.proof" >"$T/cut-cp.txt"
ts verify --vkey "$T/vkey.txt" --checkpoint "$T/cut-cp.txt"
check_status "verify --checkpoint of a broken checkpoint" 2 "$RC"
ts verify --vkey "$T/vkey.txt" --checkpoint "$T/random.proof"
check_status "verify --checkpoint of random bytes" 2 "$RC"
ts verify --vkey "$T/random.proof"
check_status "verify --vkey of random bytes" 2 "$RC"
finish
