#!/usr/bin/env bash
# The MySQL-family readers decompress: a gzip and a zstd copy of the real
# MariaDB server_audit log seal the same entries with the same source key
# as the plain file, so nothing is sealed twice when all three (and the
# compressed ones from stdin, with --format auto) are ingested.
# Usage: mysql_compressed.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: mysql_compressed.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 gzip zstd
make_tmp
LOG=$REPO_DIR/tests/data/mariadb-audit/server_audit-10.11.log
ENTRIES=103
gzip -c "$LOG" >"$T/server_audit.log.gz"
zstd -q -c "$LOG" >"$T/server_audit.log.zst"

# the source keys and entry records of a store, one line each
dump() {
    python3 - "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for key, fmt, n in db.execute("SELECT key, format, n_entries FROM sources"):
    print("source", key, fmt, n)
EOF
}

# each alone in a store of its own: the same entries under the same key
for f in "$LOG" "$T/server_audit.log.gz" "$T/server_audit.log.zst"; do
    name=$(basename "$f")
    STORE=$T/$name.db
    ts init
    check_status "init for $name" 0 "$RC"
    ts ingest --json --format mariadb-audit "$f"
    check_status "ingest $name" 0 "$RC"
    check_eq "$name: sealed" "$ENTRIES" "$(json_get "$T/out" 'j["sealed"]')"
    check_eq "$name: unparsed" 0 "$(json_get "$T/out" 'j["unparsed"]')"
    dump "$STORE" >"$T/$name.sources"
    ts search --json --limit 1000
    check_status "search $name" 0 "$RC"
    # the entries' parsed content, without store-local fields
    python3 - "$T/out" >"$T/$name.events" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    e = json.loads(line)
    for k in ("source",):  # the path it was read from
        e.pop(k, None)
    print(json.dumps(e, sort_keys=True))
EOF
done
plain=$(basename "$LOG")
for name in server_audit.log.gz server_audit.log.zst; do
    if [ -s "$T/$plain.sources" ] && cmp -s "$T/$plain.sources" "$T/$name.sources"; then
        ok "$name: the same source key and entry count as the plain file"
    else
        not_ok "$name: sources differ: $(cat "$T/$name.sources") vs $(cat "$T/$plain.sources")"
    fi
    if [ "$(wc -l <"$T/$plain.events")" -ge "$ENTRIES" ] &&
        cmp -s "$T/$plain.events" "$T/$name.events"; then
        ok "$name: the same entries as the plain file"
    else
        not_ok "$name: entries differ from the plain file's"
    fi
done

# all of them into one store: the plain file seals, the others add nothing
STORE=$T/all.db
ts init
ts ingest --json --format mariadb-audit "$LOG"
check_eq "plain file sealed" "$ENTRIES" "$(json_get "$T/out" 'j["sealed"]')"
for name in server_audit.log.gz server_audit.log.zst; do
    ts ingest --json --format mariadb-audit "$T/$name"
    check_status "ingest $name after the plain file" 0 "$RC"
    check_eq "$name: nothing sealed twice" 0 "$(json_get "$T/out" 'j["sealed"]')"
    check_eq "$name: all already sealed" "$ENTRIES" \
        "$(json_get "$T/out" 'j["already_sealed"]')"
    ts ingest --json - <"$T/$name"
    check_status "ingest $name from stdin with --format auto" 0 "$RC"
    check_eq "$name from stdin: nothing sealed twice" 0 \
        "$(json_get "$T/out" 'j["sealed"]')"
done
ts stats --json
check_eq "one copy of the entries in the store" "$ENTRIES" \
    "$(json_get "$T/out" 'j["entries"]')"
check_eq "one source" 1 "$(dump "$STORE" | wc -l)"
ts verify --json
check_eq "verify verdict" intact "$(json_get "$T/out" 'j["verdict"]')"

finish
