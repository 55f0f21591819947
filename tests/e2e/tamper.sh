#!/usr/bin/env bash
# Tamper suite: seal a real PostgreSQL + pgAudit log (tests/e2e/data, read 30
# times over so that the store holds several blocks), then change copies of
# the store behind trailseal's back the way an insider with sqlite3 and zstd
# could, and expect `verify` to say so (exit 1) every time.
# Usage: tamper.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: tamper.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools sqlite3 zstd python3
make_tmp
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
LOG=$T/pg.log
for _ in $(seq 30); do cat "$E2E_DIR/data/pg15-pgaudit.log"; done >"$LOG"
GOOD=$T/good.db

STORE=$GOOD
ts init --block-entries 1024
check_status "init" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest the fixture log, 30 times over" 0 "$RC"
[ "$RC" -eq 0 ] || bail "nothing more can be checked: $(head -n 1 "$T/err")"
ts verify
check_status "verify an untouched store" 0 "$RC"
ts verify --json
check_eq "untouched verdict" intact "$(json_get "$T/out" 'j["verdict"]')"
entries=$(json_get "$T/out" 'j["entries"]')
n_blocks=$(sqlite3 "$GOOD" 'select count(*) from blocks')
[ "${n_blocks:-0}" -ge 3 ] || bail "expected at least 3 blocks, the store has '${n_blocks}'"
ok "the store holds $entries entries in $n_blocks blocks"

# copy_store NAME: a copy of the good store and its key, as $STORE.
copy_store() {
    STORE=$T/$1.db
    cp -p "$GOOD" "$STORE"
    cp -p "$GOOD.key" "$STORE.key"
    if [ -e "$GOOD-wal" ]; then cp -p "$GOOD-wal" "$STORE-wal"; fi
}

# expect_tampered WHAT: verify must exit 1 and say "tampered".
expect_tampered() {
    ts verify
    check_status "verify after: $1" 1 "$RC"
    if grep -qi tampered "$T/out" "$T/err"; then
        ok "verify says tampered ($(grep -hi tampered "$T/out" "$T/err" | head -n 1))"
    else
        not_ok "verify does not say tampered: $(cat "$T/out" "$T/err" | head -n 3)"
    fi
    ts verify --json
    check_status "verify --json after: $1" 1 "$RC"
    check_eq "verdict after: $1" tampered "$(json_get "$T/out" 'j["verdict"]')"
}

# expect_first_bad BLOCK_NO: first_bad_entry (from the last verify --json)
# lies in that block.
expect_first_bad() {
    local range bad
    range=$(sqlite3 "$STORE" "select first_seq || ' ' || (first_seq + n_entries) from blocks where block_no = $1")
    bad=$(json_get "$T/out" 'j["first_bad_entry"]')
    if [[ $bad =~ ^[0-9]+$ ]] && [ "$bad" -ge "${range% *}" ] && [ "$bad" -lt "${range#* }" ]; then
        ok "first_bad_entry $bad lies in block $1 [${range% *}, ${range#* })"
    else
        not_ok "first_bad_entry '$bad' is not in block $1 [${range% *}, ${range#* })"
    fi
}

# flip_byte BLOCK_NO FROM TO: in block BLOCK_NO, replaces the first occurrence
# of FROM by TO (same length, one byte apart) in the decompressed entries,
# as `sqlite3 writefile`, `zstd -d`, an edit, `zstd` and `readfile` would.
# A stored block is a 33-byte head (format byte, block secret) and a zstd
# frame (schemas/block.md); the head is kept as it was.
flip_byte() {
    local b=$1
    rm -f "$T/block.zst" "$T/block" "$T/block2.zst"
    sqlite3 "$STORE" "select writefile('$T/block.head', substr(data, 1, 33)), writefile('$T/block.zst', substr(data, 34)) from blocks where block_no = $b" >/dev/null
    zstd -q -d "$T/block.zst" -o "$T/block" || return 1
    python3 - "$T/block" "$2" "$3" <<'EOF' || return 1
import sys
path, old, new = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
data = open(path, "rb").read()
i = data.find(old)
assert i >= 0 and len(old) == len(new), "pattern not in block"
out = data[:i] + new + data[i + len(new):]
assert sum(a != b for a, b in zip(data, out)) == 1
open(path, "wb").write(out)
EOF
    zstd -q "$T/block" -o "$T/block2.zst" || return 1
    cat "$T/block.head" "$T/block2.zst" >"$T/block2" || return 1
    sqlite3 "$STORE" "update blocks set data = readfile('$T/block2') where block_no = $b"
}

first=$(sqlite3 "$GOOD" 'select min(block_no) from blocks')
middle=$(sqlite3 "$GOOD" 'select block_no from blocks order by block_no limit 1 offset 1')
last=$(sqlite3 "$GOOD" 'select max(block_no) from blocks')

# 1. One letter of a table name in a sealed log record of the first block.
copy_store flip_first
if flip_byte "$first" 'public.customers' 'public.customerz'; then
    ok "changed one byte (customers -> customerz) in block $first"
    expect_tampered "one byte changed in block $first"
    expect_first_bad "$first"
else
    not_ok "could not rewrite block $first (is blocks.data one plain zstd frame?)"
fi

# 2. The user of a failed login, in a block in the middle.
copy_store flip_middle
if flip_byte "$middle" 'user "bob"' 'user "bop"'; then
    ok "changed one byte (bob -> bop) in block $middle"
    expect_tampered "one byte changed in block $middle"
    expect_first_bad "$middle"
else
    not_ok "could not rewrite block $middle"
fi

# 3. Two blocks swapped.
copy_store swap
sqlite3 "$STORE" "
    create temp table d as select block_no, data from blocks where block_no in ($first, $middle);
    update blocks set data = (select data from d where d.block_no = $middle) where block_no = $first;
    update blocks set data = (select data from d where d.block_no = $first) where block_no = $middle;"
cmp -s "$GOOD" "$STORE" && not_ok "the swap changed nothing"
expect_tampered "blocks $first and $middle swapped"

# 4. The last block removed.
copy_store drop
sqlite3 "$STORE" "delete from blocks where block_no = $last"
expect_tampered "block $last deleted"

# 5. One character of the newest checkpoint's signature.
copy_store checkpoint
python3 - "$STORE" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cid, note = db.execute("select id, note from checkpoints order by id desc limit 1").fetchone()
sig = note.rstrip("\n").rsplit(" ", 1)
c = sig[1][10]
note2 = sig[0] + " " + sig[1][:10] + ("A" if c != "A" else "B") + sig[1][11:] + "\n"
db.execute("update checkpoints set note = ? where id = ?", (note2, cid))
db.commit()
EOF
expect_tampered "a checkpoint signature changed"

# 6. The original store is still intact.
STORE=$GOOD
ts verify --json
check_status "verify the untouched original again" 0 "$RC"
check_eq "entries of the untouched original" "$entries" "$(json_get "$T/out" 'j["entries"]')"

finish
