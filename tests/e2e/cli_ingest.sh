#!/usr/bin/env bash
# The ingest command on input that is not a clean log: binary garbage is
# sealed and counted as unparsed, each unparsed entry reported on stderr as
# FILE:LINE; bad usage and unreadable input exit 2.
# Usage: cli_ingest.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: cli_ingest.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3
make_tmp
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
LOG=$E2E_DIR/data/pg15-pgaudit.log

STORE=$T/store.db

# Six lines of garbage: an ELF header, invalid UTF-8, a date that is not
# one, every byte value but newline, a 20 kB line, no final newline.
GARBAGE=$T/garbage.bin
python3 - "$GARBAGE" <<'EOF'
import sys
lines = [
    b"\x7fELF\x02\x01\x01\x00\x00\x00\x00garbage",
    b"\xff\xfe\xfd invalid utf-8 \xc3\x28 \xed\xa0\x80",
    b"2024-13-45 99:99:99.999 UTC [x] LOG:  not a real prefix",
    bytes(b for b in range(256) if b != 0x0A),
    b"A" * 20000,
    b"no newline at the end",
]
open(sys.argv[1], "wb").write(b"\n".join(lines))
EOF

ts ingest --format pg-stderr --prefix "$PREFIX" "$GARBAGE"
check_status "ingest without a store" 2 "$RC"

for bad in 1000 0 32768 -4 x; do
    ts init --block-entries "$bad"
    check_status "init --block-entries $bad" 2 "$RC"
done
[ ! -e "$STORE" ] && ok "no store made by a refused init" ||
    not_ok "a refused init left $STORE"
ts init
check_status "init" 0 "$RC"

# --- garbage ---------------------------------------------------------------------
ts ingest --format pg-stderr --prefix "$PREFIX" "$GARBAGE"
check_status "ingest a binary file" 0 "$RC"
cp "$T/err" "$T/garbage.err"
n_reported=$(grep -cE "^$GARBAGE:[0-9]+: unparsed: .+" "$T/garbage.err")
if [ "$n_reported" -ge 1 ]; then
    ok "unparsed entries reported as FILE:LINE: unparsed: REASON ($n_reported)"
else
    not_ok "no 'FILE:LINE: unparsed: REASON' on stderr: $(head -c 300 "$T/garbage.err")"
fi
check_eq "first report is line 1" "$GARBAGE:1:" \
    "$(grep -oE "^$GARBAGE:[0-9]+:" "$T/garbage.err" | head -n 1)"
lines_ok=$(grep -oE "^$GARBAGE:[0-9]+:" "$T/garbage.err" |
    awk -F: '$2 < 1 || $2 > 6 { bad++ } END { print bad + 0 }')
check_eq "reported line numbers lie in 1..6" 0 "$lines_ok"
ts stats --json
check_eq "stats.unparsed = reports" "$n_reported" "$(json_get "$T/out" 'j["unparsed"]')"
check_eq "events.unparsed = reports" "$n_reported" "$(json_get "$T/out" 'j["events"]["unparsed"]')"
check_eq "every entry is unparsed" "$n_reported" "$(json_get "$T/out" 'j["entries"]')"
entries=$(json_get "$T/out" 'j["entries"]')
ts verify
check_status "verify a store of garbage" 0 "$RC"
ts search --kind unparsed --json
check_status "search --kind unparsed" 0 "$RC"
check_eq "search finds the unparsed entries" "$n_reported" "$(grep -c . "$T/out")"
py_tally "$T/out" <<'EOF'
import json, sys
bad = 0
for raw in open(sys.argv[1], "rb"):
    try:
        json.loads(raw.decode("utf-8"))
    except ValueError:
        bad += 1
print(("ok" if bad == 0 else "not ok")
      + " - search --json prints valid UTF-8 JSON for binary input (%d bad lines)" % bad)
EOF

# --- garbage, then a real log --------------------------------------------------------
want_records=$(awk -f "$E2E_DIR/pg_log_counts.awk" "$LOG" | awk '$1 == "entries" { print $2 }')
MIXED=$T/mixed.log
head -n 2 "$GARBAGE" >"$MIXED"
cat "$LOG" >>"$MIXED"
STORE=$T/mixed.db
ts init
check_status "init a second store" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX" "$MIXED"
check_status "ingest garbage followed by a log" 0 "$RC"
n_mixed=$(grep -cE "^$MIXED:[12]: unparsed: " "$T/err")
if [ "$n_mixed" -ge 1 ]; then ok "the leading garbage is reported ($n_mixed)"; else not_ok "the leading garbage is not reported: $(head -c 300 "$T/err")"; fi
check_eq "nothing else is reported" "$n_mixed" "$(grep -c 'unparsed:' "$T/err")"
ts stats --json
check_eq "entries = garbage + log records" $((n_mixed + want_records)) \
    "$(json_get "$T/out" 'j["entries"]')"
check_eq "unparsed = the garbage" "$n_mixed" "$(json_get "$T/out" 'j["unparsed"]')"

# A file that starts like one already sealed but then says something else
# (a log truncated and rewritten in place) must not be skipped as "already
# sealed": ingest reads the sealed part again, finds it differs, and refuses
# the file with exit 2, a message naming it, and nothing sealed.
STORE=$T/rewrite.db
ts init
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest the log into a third store" 0 "$RC"
{
    head -n 1 "$LOG"
    tail -n +2 "$LOG" | sed 's/alice/carol/g'
} >"$T/rewritten.log"
ts ingest --format pg-stderr --prefix "$PREFIX" "$T/rewritten.log"
check_status "ingest a rewritten log with the same first line" 2 "$RC"
if grep -qF "rewritten.log' begins like the source sealed before" "$T/err"; then
    ok "the refusal names the file and says why"
else
    not_ok "the refusal does not say why: $(head -c 300 "$T/err")"
fi
ts stats --json
after=$(json_get "$T/out" 'j["entries"]')
if [ "$after" -eq "$want_records" ]; then
    ok "nothing of the rewritten log was sealed ($after entries)"
else
    not_ok "entries changed from $want_records to $after after a refused ingest"
fi
STORE=$T/store.db

# --- nothing to seal ------------------------------------------------------------------
: >"$T/empty.log"
ts ingest --format pg-stderr --prefix "$PREFIX" "$T/empty.log"
check_status "ingest an empty file" 0 "$RC"
ts stats --json
check_eq "entries after an empty file" "$entries" "$(json_get "$T/out" 'j["entries"]')"

# --- bad usage and unreadable input ----------------------------------------------------
ts ingest --format pg-stderr --prefix "$PREFIX" "$T/does-not-exist.log"
check_status "ingest a missing file" 2 "$RC"
if grep -qF "does-not-exist.log" "$T/err"; then ok "the error names the file"; else not_ok "the error does not name the file: $(cat "$T/err")"; fi
ts ingest --format pg-stderr --prefix "$PREFIX" "$T"
check_status "ingest a directory" 2 "$RC"
ts ingest --format no-such-format --prefix "$PREFIX" "$LOG"
check_status "ingest --format no-such-format" 2 "$RC"
ts ingest --format pg-stderr "$LOG"
check_status "ingest without --prefix" 2 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX"
check_status "ingest without a file" 2 "$RC"
ts no-such-command
check_status "an unknown command" 2 "$RC"
ts verify --no-such-option
check_status "an unknown option" 2 "$RC"
ts stats --json
check_eq "entries after the refused commands" "$entries" "$(json_get "$T/out" 'j["entries"]')"
for cmd in init key ingest verify checkpoint search report stats; do
    ts "$cmd" --help
    check_status "$cmd --help" 0 "$RC"
done
ts verify
check_status "verify at the end" 0 "$RC"

finish
