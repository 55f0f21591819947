#!/usr/bin/env bash
# The MySQL-family formats through the CLI: the documented MySQL Enterprise
# JSON and Percona JSON/CSV fixtures and the real MariaDB log are sealed and
# counted, bad input in each format is sealed byte for byte and reported as
# FILE:LINE, the same content is never sealed twice, and verify holds.
# Usage: mysql_formats.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: mysql_formats.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3
make_tmp
STORE=$T/store.db
D=$REPO_DIR/tests/data

ts init
check_status "init" 0 "$RC"

# format file entries unparsed
while read -r format file entries; do
    ts ingest --json --format "$format" "$D/$file"
    check_status "ingest $file as $format" 0 "$RC"
    check_eq "$file: entries" "$entries" "$(json_get "$T/out" 'j["sealed"]')"
    check_eq "$file: unparsed" 0 "$(json_get "$T/out" 'j["unparsed"]')"
done <<'EOF'
mariadb-audit mariadb-audit/server_audit-10.11.log 103
mysql-audit-json mysql-audit/mysql-enterprise.json 8
percona-audit-json mysql-audit/percona.json 6
percona-audit-csv mysql-audit/percona.csv 6
EOF
ts stats --json
check_eq "entries in the store" 123 "$(json_get "$T/out" 'j["entries"]')"
check_eq "auth failures (1 MariaDB, 1 MySQL, 1 Percona JSON)" 3 \
    "$(json_get "$T/out" 'j["events"]["auth_failure"]')"

# --format auto recognises each of them: a second store, the same counts.
STORE=$T/auto.db
ts init
for file in mariadb-audit/server_audit-10.11.log mysql-audit/mysql-enterprise.json \
    mysql-audit/percona.json mysql-audit/percona.csv; do
    ts ingest "$D/$file"
    check_status "ingest $file with --format auto" 0 "$RC"
done
ts stats --json
check_eq "auto: entries in the store" 123 "$(json_get "$T/out" 'j["entries"]')"
check_eq "auto: unparsed" 0 "$(json_get "$T/out" 'j["unparsed"]')"
# and on stdin: the same sources, so nothing new; in a fresh store the same
# entries
for file in mariadb-audit/server_audit-10.11.log mysql-audit/mysql-enterprise.json \
    mysql-audit/percona.json mysql-audit/percona.csv; do
    STORE=$T/auto.db
    ts ingest --json - <"$D/$file"
    check_status "auto on stdin: $file" 0 "$RC"
    check_eq "auto on stdin: $file sealed again" 0 "$(json_get "$T/out" 'j["sealed"]')"
    STORE=$T/stdin.db
    [ -e "$STORE" ] || ts init
    ts ingest --json - <"$D/$file"
    check_status "auto on stdin, fresh store: $file" 0 "$RC"
done
ts stats --json
check_eq "auto on stdin: entries in the store" 123 "$(json_get "$T/out" 'j["entries"]')"
check_eq "auto on stdin: unparsed" 0 "$(json_get "$T/out" 'j["unparsed"]')"

# bad input, in a store of its own (each file begins like a fixture, which
# the first store would take for that source rewritten): every format gets
# the same bytes of garbage after a good record
STORE=$T/bad.db
ts init
python3 - "$T" "$D" <<'EOF'
import sys
t, d = sys.argv[1], sys.argv[2]
garbage = (b"\x7fELF\x02\x01\x01\x00garbage\n"
           b"\xff\xfe invalid utf-8 \xc3\x28\n"
           + b"A" * 1100000 + b"\n"
           + bytes(b for b in range(256) if b != 10) + b"\n"
           b"truncated line without newline")
firsts = {
    "mariadb-audit": open(d + "/mariadb-audit/server_audit-10.11.log", "rb").readline(),
    "percona-audit-json": open(d + "/mysql-audit/percona.json", "rb").readline(),
    "percona-audit-csv": open(d + "/mysql-audit/percona.csv", "rb").readline(),
    "mysql-audit-json": b'[\n{"timestamp": "2019-10-03 15:02:32", "class": "audit", "event": "startup"},\n',
}
for fmt, first in firsts.items():
    open("%s/bad-%s.log" % (t, fmt), "wb").write(first + garbage)
EOF
for format in mariadb-audit mysql-audit-json percona-audit-json percona-audit-csv; do
    f=$T/bad-$format.log
    # --complete: the truncated last line is sealed too, not left for a
    # next run as in a file still being written
    ts ingest --json --complete --format "$format" "$f"
    check_status "ingest garbage as $format" 0 "$RC"
    sealed=$(json_get "$T/out" 'j["sealed"]')
    unparsed=$(json_get "$T/out" 'j["unparsed"]')
    if [ "$unparsed" -ge 4 ] && [ "$sealed" -eq $((unparsed + 1)) ]; then
        ok "$format: the good record parsed, $unparsed garbage entries unparsed"
    else
        not_ok "$format: sealed $sealed, unparsed $unparsed"
    fi
    n=$(grep -cE "^$f:[0-9]+: .+" "$T/err")
    check_eq "$format: unparsed entries reported as FILE:LINE: reason" "$unparsed" "$n"
    ts ingest --json --complete --format "$format" "$f"
    check_eq "$format: the same file again seals nothing" 0 "$(json_get "$T/out" 'j["sealed"]')"
done

# every byte of every file is in the chain: verify --against would need the
# original bytes; the entries' lengths must add up to each file's size
python3 - "$STORE" "$T" "$D" <<'EOF' >"$T/sizes"
import sqlite3, sys, os
db = sqlite3.connect(sys.argv[1])
for name, pos in db.execute("SELECT name, cursor_position FROM sources"):
    print(name, pos, os.path.getsize(name))
EOF
bad=$(awk '$2 != $3' "$T/sizes")
if [ -z "$bad" ] && [ "$(wc -l <"$T/sizes")" -eq 4 ]; then
    ok "each garbage file's cursor is at its end (4 sources)"
else
    not_ok "cursors short of the file ends: $bad"
fi

for STORE in "$T/store.db" "$T/bad.db"; do
    ts verify --json
    check_status "verify $(basename "$STORE")" 0 "$RC"
    check_eq "verify verdict" intact "$(json_get "$T/out" 'j["verdict"]')"
done
ts search --kind unparsed --json
check_status "search --kind unparsed" 0 "$RC"
if [ "$(grep -c '"kind":"unparsed"' "$T/out")" -ge 16 ]; then
    ok "search --kind unparsed lists the garbage"
else
    not_ok "search --kind unparsed: $(head -c 300 "$T/out")"
fi

finish
