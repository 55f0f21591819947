#!/usr/bin/env bash
# Tamper suite, command-line half (tests/tamper/README.md): the verdicts,
# exit codes and --json locations of `trailseal verify` on a 10,000-entry
# store changed with the sqlite3 and zstd command-line tools, and the kept
# checkpoint cases (rolled back, forked, --vkey).
# Usage: cli.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034,SC1091
. "$(dirname "$0")/../e2e/lib.sh"

TRAILSEAL=${1:?usage: cli.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools sqlite3 zstd python3
make_tmp
PREFIX='%m [%p] '

# log FILE N WHO: N synthetic PostgreSQL log lines.
log() {
    awk -v n="$2" -v who="$3" 'BEGIN { for (i = 0; i < n; i++)
        printf "2026-11-01 10:00:%02d.000 UTC [%d] LOG:  statement: select ssn from customers where id = %d -- %s\n", i % 60, 100 + i % 5, i, who }' >"$1"
}

# copy NAME FROM: a copy of store FROM (and its key), as $STORE.
copy() {
    STORE=$T/$1.db
    cp -p "$2" "$STORE"
    cp -p "$2.key" "$STORE.key"
}

# expect WHAT EXIT VERDICT [VERIFY ARGS...]: runs verify --json on $STORE.
expect() {
    local what=$1 want_rc=$2 want=$3
    shift 3
    ts verify --json "$@"
    check_status "$what" "$want_rc" "$RC"
    check_eq "$what: verdict" "$want" "$(json_get "$T/out" 'j["verdict"]')"
}

# field EXPR: from the last verify --json.
field() { json_get "$T/out" "$1"; }

log "$T/early.log" 4200 alice
log "$T/full.log" 10000 alice
log "$T/fork.log" 3000 mallory
GOOD=$T/good.db
STORE=$GOOD
ts init --block-entries 1024
check_status "init" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX" --batch 700 "$T/early.log"
check_status "ingest 4200 lines" 0 "$RC"
cp -p "$GOOD" "$T/early.db" && cp -p "$GOOD.key" "$T/early.db.key"
[ -e "$GOOD-wal" ] && bail "the store left a WAL file behind"
ts checkpoint
cp "$T/out" "$T/at4200.cp"
ts ingest --format pg-stderr --prefix "$PREFIX" --batch 700 "$T/full.log"
check_status "ingest the same log grown to 10000 lines" 0 "$RC"
ts checkpoint
check_status "checkpoint" 0 "$RC"
cp "$T/out" "$T/newest.cp"
ts key
cp "$T/out" "$T/good.vkey"

expect "untouched" 0 intact
check_eq "entries" 10000 "$(field 'j["entries"]')"
check_eq "blocks" 10 "$(field 'j["blocks"]')"
check_eq "checkpoints" 15 "$(field 'j["checkpoints"]')"
check_eq "unanchored" False "$(field 'j["anchored"]')"
expect "untouched, kept checkpoints, --vkey" 0 intact \
    --checkpoint "$T/at4200.cp" --checkpoint "$T/newest.cp" --vkey "$T/good.vkey"
check_eq "anchored" True "$(field 'j["anchored"]')"
check_eq "kept statuses" "consistent consistent" \
    "$(field '" ".join(k["status"] for k in j["kept"])')"

# 1. A record of entry 0 edited with sqlite3 writefile / zstd / readfile
# (a stored block is a 33-byte head, then a zstd frame: schemas/block.md).
copy edit "$GOOD"
sqlite3 "$STORE" "select writefile('$T/b0.head', substr(data, 1, 33)), writefile('$T/b0.zst', substr(data, 34)) from blocks where block_no = 0" >/dev/null
zstd -q -d "$T/b0.zst" -o "$T/b0"
python3 - "$T/b0" <<'EOF'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
i = d.find(b"where id = ? --")  # entry 0's record, its literal redacted
assert i >= 0
d[i + 11] = ord("7")
open(p, "wb").write(d)
EOF
zstd -q "$T/b0" -o "$T/b0.new.zst"
cat "$T/b0.head" "$T/b0.new.zst" >"$T/b0.new"
sqlite3 "$STORE" "update blocks set data = readfile('$T/b0.new') where block_no = 0"
expect "entry 0 edited" 1 tampered
check_eq "first bad block" 0 "$(field 'j["first_bad_block"]')"
check_eq "first bad entry" 0 "$(field 'j["first_bad_entry"]')"
# Verification stops at entry 0, so the kept checkpoint (10000) is never
# compared with anything: it must not be reported consistent.
expect "entry 0 edited, newest checkpoint kept" 1 tampered \
    --checkpoint "$T/newest.cp"
status=$(field 'j["kept"][0]["status"]')
if [ "$status" != consistent ]; then
    ok "an unchecked kept checkpoint is not called consistent ($status)"
else
    not_ok "kept checkpoint reported 'consistent' though verification" \
        "stopped at entry 0 and never compared it (store/verify.c: kept[]" \
        "status starts INTACT; check_rolled_back and the block loop are" \
        "skipped once tampered)"
fi

# 2. One byte of block 3's stored bytes flipped with SQL.
copy flip "$GOOD"
sqlite3 "$STORE" "select writefile('$T/b3.zst', data) from blocks where block_no = 3" >/dev/null
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[99] ^= 0x10; open(sys.argv[1], "wb").write(d)' "$T/b3.zst"
sqlite3 "$STORE" "update blocks set data = readfile('$T/b3.zst') where block_no = 3"
expect "a byte of block 3's zstd frame changed" 1 tampered
check_eq "first bad block" 3 "$(field 'j["first_bad_block"]')"

# 2b. One bit of block 3's secret (byte 1..32 of its stored form): every
# salt of the block changes, so its entries no longer match.
copy secret "$GOOD"
sqlite3 "$STORE" "select writefile('$T/s3', data) from blocks where block_no = 3" >/dev/null
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[5] ^= 0x01; open(sys.argv[1], "wb").write(d)' "$T/s3"
sqlite3 "$STORE" "update blocks set data = readfile('$T/s3') where block_no = 3"
expect "a bit of block 3's secret flipped" 1 tampered
check_eq "first bad block (secret)" 3 "$(field 'j["first_bad_block"]')"

# 3. The newest checkpoint deleted.
copy nocp "$GOOD"
sqlite3 "$STORE" "delete from checkpoints where tree_size = 10000"
expect "newest checkpoint deleted" 1 tampered
check_eq "first bad entry" 9800 "$(field 'j["first_bad_entry"]')"
check_eq "first bad block" 9 "$(field 'j["first_bad_block"]')"
check_eq "checkpoint named" 9800 "$(field 'j["checkpoint"]')"

# 3b. A checkpoint row's root rewritten (entries and signed note untouched):
# the entries match the note, the row is named, no entry is.
copy cprow "$GOOD"
sqlite3 "$STORE" "update checkpoints set root = zeroblob(32) where tree_size = 4200"
expect "a checkpoint row's root rewritten" 1 tampered
check_eq "checkpoint named (row)" 4200 "$(field 'j["checkpoint"]')"
check_eq "no entry named (row)" null "$(field 'j["first_bad_entry"]')"

# 3c. The stored frontier's last subtree (entries 9984..9999) zeroed.
copy frontier "$GOOD"
sqlite3 "$STORE" "update frontier set data = substr(data, 1, 136) || zeroblob(32)"
expect "the frontier's last hash zeroed" 1 tampered
check_eq "first bad entry (frontier)" 9984 "$(field 'j["first_bad_entry"]')"
check_eq "first bad block (frontier)" 9 "$(field 'j["first_bad_block"]')"
check_eq "checkpoint named (frontier)" 10000 "$(field 'j["checkpoint"]')"

# 4. An older copy of the store restored.
copy restored "$T/early.db"
expect "older copy, no kept checkpoint (cannot know)" 0 intact
check_eq "unanchored" False "$(field 'j["anchored"]')"
expect "older copy, newest checkpoint kept" 1 rolled_back \
    --checkpoint "$T/newest.cp"
check_eq "kept status" rolled_back "$(field 'j["kept"][0]["status"]')"
check_eq "kept file" "$T/newest.cp" "$(field 'j["kept"][0]["file"]')"

# 5. A fork: the 4200-entry copy and its key, then other content.
copy fork "$T/early.db"
ts ingest --format pg-stderr --prefix "$PREFIX" --batch 700 "$T/fork.log"
check_status "ingest other content into the copy" 0 "$RC"
ts checkpoint
cp "$T/out" "$T/fork.cp"
STORE=$GOOD
expect "good store, the fork's checkpoint kept (7200 <= 10000)" 1 forked \
    --checkpoint "$T/at4200.cp" --checkpoint "$T/fork.cp"
check_eq "kept statuses" "consistent forked" \
    "$(field '" ".join(k["status"] for k in j["kept"])')"
check_eq "anchored" True "$(field 'j["anchored"]')"

# 6. Another store's key as the trusted key.
STORE=$T/other.db
ts init --block-entries 1024
ts key
cp "$T/out" "$T/other.vkey"
STORE=$GOOD
expect "good store, --vkey of another key" 1 tampered --vkey "$T/other.vkey"
ts verify --vkey "$T/other.vkey" --checkpoint "$T/newest.cp"
check_status "a kept checkpoint not signed by the --vkey key" 2 "$RC"
ts verify --checkpoint "$T/full.log"
check_status "a kept checkpoint that is not a note" 2 "$RC"

# 7. The store's recorded key (meta verifier_key) replaced, the checkpoints
# left signed by the real key.
copy rekeyed "$GOOD"
sqlite3 "$STORE" "update meta set value = cast('$(cat "$T/other.vkey")' as blob) where key = 'verifier_key'"
expect "meta verifier_key replaced (checked with the replaced key)" 1 tampered
rm "$STORE.key"
expect "meta verifier_key replaced, --vkey of the real key" 0 intact \
    --vkey "$T/good.vkey"

# 8. A forgery: a whole new store (its own key) sealing an edited log, put
# where the real store was, next to the real key file. The contract: with no
# --vkey, the key file's public half is trusted when it is there. The CLI
# opens the store with TS_STORE_NO_KEY, so it trusts the forger's key
# recorded in the store and says intact (exit 0).
STORE=$T/forged.db
ts init --block-entries 1024
sed 's/id = 5 --/id = 6 --/' "$T/full.log" >"$T/forged.log"
ts ingest --format pg-stderr --prefix "$PREFIX" --batch 700 "$T/forged.log"
check_status "ingest the forged log" 0 "$RC"
cp -p "$GOOD.key" "$STORE.key"
ts verify --json
if [ "$RC" -ne 0 ]; then
    ok "forged store next to the real key file: not intact (exit $RC)"
else
    not_ok "forged store next to the real key file: verify exit 0," \
        "verdict $(field 'j["verdict"]'), key $(field 'j["key_id"]') (the" \
        "forger's, not the key file's): cli/cmd_verify.c opens with" \
        "TS_STORE_NO_KEY, so the key file is never trusted"
fi
expect "forged store, --vkey of the real key" 1 tampered --vkey "$T/good.vkey"

finish
