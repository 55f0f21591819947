#!/usr/bin/env bash
# The proxy formats through the CLI: the Teleport, hoop.dev, RDS activity
# stream and generic JSON-lines fixtures (tests/data/proxies/, from the
# documented examples) are sealed and counted by kind, plain and gzipped
# (found by --format auto), a Teleport query is found by the person behind
# it and by its database account, proxy statements reach v_column_access,
# bad input in each format is sealed byte for byte and reported as
# FILE:LINE, and verify holds.
# Usage: proxies.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: proxies.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 gzip
make_tmp
D=$REPO_DIR/tests/data/proxies
MAPPING=$D/generic.mapping

# The expected figures for all four fixtures together.
check_counts() { # WHAT
    ts stats --json
    check_status "$1: stats" 0 "$RC"
    check_eq "$1: entries" 32 "$(json_get "$T/out" 'j["entries"]')"
    check_eq "$1: unparsed" 0 "$(json_get "$T/out" 'j["unparsed"]')"
    check_eq "$1: events by kind" \
        "audit=2 auth_failure=1 connection_authorized=5 disconnection=6 error=4 log=7 statement=7" \
        "$(json_get "$T/out" '" ".join("%s=%d" % (k, v) for k, v in sorted(j["events"].items()) if v)')"
}

# ---- plain files, each format named
STORE=$T/plain.db
ts init
check_status "init" 0 "$RC"
while read -r format file entries; do
    if [ "$format" = generic-jsonl ]; then
        ts ingest --json --format "$format" --mapping "$MAPPING" "$D/$file"
    else
        ts ingest --json --format "$format" "$D/$file"
    fi
    check_status "ingest $file as $format" 0 "$RC"
    check_eq "$file: entries" "$entries" "$(json_get "$T/out" 'j["sealed"]')"
    check_eq "$file: unparsed" 0 "$(json_get "$T/out" 'j["unparsed"]')"
done <<'EOF'
teleport-audit teleport.jsonl 14
hoop-audit hoop.jsonl 7
rds-das rds-das.jsonl 7
generic-jsonl generic.jsonl 4
EOF
check_counts "plain"
ts ingest --json --format teleport-audit "$D/teleport.jsonl"
check_eq "the same file again seals nothing" 0 "$(json_get "$T/out" 'j["sealed"]')"

# ---- gzipped, recognised by --format auto (generic-jsonl is named)
STORE=$T/gz.db
ts init
for f in teleport hoop rds-das generic; do
    gzip -c "$D/$f.jsonl" >"$T/$f.jsonl.gz"
done
for f in teleport hoop rds-das; do
    ts ingest --json "$T/$f.jsonl.gz"
    check_status "auto: ingest $f.jsonl.gz" 0 "$RC"
done
ts ingest --json --format generic-jsonl --mapping "$MAPPING" "$T/generic.jsonl.gz"
check_status "ingest generic.jsonl.gz" 0 "$RC"
check_counts "gzip"
# the same content on stdin is the same source: nothing new
ts ingest --json - <"$D/teleport.jsonl"
check_status "auto on stdin" 0 "$RC"
check_eq "stdin: teleport already sealed" 0 "$(json_get "$T/out" 'j["sealed"]')"
check_eq "stdin: teleport already sealed entries" 14 \
    "$(json_get "$T/out" 'j["already_sealed"]')"

# ---- generic-jsonl needs its mapping, and a bad mapping is a usage error
ts ingest --format generic-jsonl "$D/generic.jsonl"
check_status "generic-jsonl without --mapping" 2 "$RC"
printf 'time = ts\nwhatever = 1\n' >"$T/bad.mapping"
ts ingest --format generic-jsonl --mapping "$T/bad.mapping" "$D/generic.jsonl"
check_status "generic-jsonl with a bad mapping" 2 "$RC"
if grep -q "line 2: unknown key 'whatever'" "$T/err"; then
    ok "the bad mapping's line is named"
else
    not_ok "bad mapping message: $(cat "$T/err")"
fi

# ---- search: a Teleport query by the person and by the account
STORE=$T/plain.db
ts search ssn --principal alice --account alice --json
check_status "search --principal alice --account alice" 0 "$RC"
check_eq "one query of alice's reads ssn" 1 "$(wc -l <"$T/out")"
check_eq "its statement, its literal redacted" \
    "SELECT email, ssn FROM public.customers WHERE id = ?" \
    "$(json_get "$T/out" 'j["statement"]')"
check_eq "its principal kind" human "$(json_get "$T/out" 'j["principal_kind"]')"
ts search --principal bot-reporting --json
check_eq "the Teleport bot's events" 4 "$(wc -l <"$T/out")"
check_eq "the bot is an agent" agent \
    "$(head -n 1 "$T/out" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["principal_kind"])')"
ts search --principal bot-reporting --outcome denied --json
check_eq "the bot's denied login" 1 "$(wc -l <"$T/out")"
ts search --principal agent-42 --outcome denied --json
check_eq "hoop: the statement a rule blocked" "DROP TABLE public.orders" \
    "$(json_get "$T/out" 'j["statement"]')"

# ---- proxy statements are analysed: who read customers.ssn
python3 - "$STORE" >"$T/ssn" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(
        "SELECT a.account, e.principal FROM v_column_access a"
        " JOIN events e ON e.seq = a.entry_index"
        " WHERE a.\"column\" = 'public.customers.ssn' AND a.access = 'read'"
        " ORDER BY a.entry_index"):
    print("%s/%s" % row)
EOF
check_eq "v_column_access: readers of customers.ssn" \
    "alice/alice rdsadmin/None svc_ai/claude-runner" "$(tr '\n' ' ' <"$T/ssn" | sed 's/ $//')"

# ---- bad input: after a good first line, the same garbage in each format
STORE=$T/bad.db
ts init
python3 - "$T" "$D" <<'EOF'
import sys
t, d = sys.argv[1], sys.argv[2]
garbage = (b'{"event":"db.session.query","time":"2023-\n'
           b"\x7fELF\x02\x01\x01\x00garbage\n"
           b'{"user":"\xff\xfe invalid utf-8 \xc3\x28"}\n'
           + b'{"x":"' + b"A" * 1100000 + b'\n'
           + bytes(b for b in range(256) if b != 10) + b"\n"
           b'{"time":"2023-02-30T25:61:00Z","event":"db.session.end"}\n'
           b"\n"
           b'{"truncated": "line without newline')
for f in ("teleport", "hoop", "rds-das", "generic"):
    first = open("%s/%s.jsonl" % (d, f), "rb").readline()
    open("%s/bad-%s.jsonl" % (t, f), "wb").write(first + garbage)
EOF
while read -r format f; do
    file=$T/bad-$f.jsonl
    # --complete: the truncated last line is sealed too, not left for a
    # next run as in a file still being written
    if [ "$format" = generic-jsonl ]; then
        ts ingest --json --complete --format "$format" --mapping "$MAPPING" "$file"
    else
        ts ingest --json --complete --format "$format" "$file"
    fi
    check_status "ingest garbage as $format" 0 "$RC"
    sealed=$(json_get "$T/out" 'j["sealed"]')
    unparsed=$(json_get "$T/out" 'j["unparsed"]')
    check_eq "$format: the good record parsed, the 8 bad ones unparsed" \
        "9/8" "$sealed/$unparsed"
    n=$(grep -cE "^$file:[0-9]+: .+" "$T/err")
    check_eq "$format: unparsed entries reported as FILE:LINE: reason" "$unparsed" "$n"
done <<'EOF'
teleport-audit teleport
hoop-audit hoop
rds-das rds-das
generic-jsonl generic
EOF
python3 - "$STORE" >"$T/sizes" <<'EOF'
import sqlite3, sys, os
db = sqlite3.connect(sys.argv[1])
for name, pos in db.execute("SELECT name, cursor_position FROM sources"):
    print(name, pos, os.path.getsize(name))
EOF
bad=$(awk '$2 != $3' "$T/sizes")
if [ -z "$bad" ] && [ "$(wc -l <"$T/sizes")" -eq 4 ]; then
    ok "each garbage file's cursor is at its end (every byte sealed)"
else
    not_ok "cursors short of the file ends: $bad"
fi
ts search --unparsed --json
check_eq "search --unparsed lists them all" 32 "$(wc -l <"$T/out")"

for STORE in "$T/plain.db" "$T/gz.db" "$T/bad.db"; do
    ts verify --json
    check_status "verify $(basename "$STORE")" 0 "$RC"
    check_eq "verify $(basename "$STORE"): verdict" intact \
        "$(json_get "$T/out" 'j["verdict"]')"
done

finish
