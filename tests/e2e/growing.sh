#!/usr/bin/env bash
# Ingesting logs that are still being written: a file appended in two
# halves, cut in the middle of a line, seals the same entries as the whole
# file read at once, never a half line; a rotated file (name ending ".N"),
# a compressed one and --complete seal an unterminated last line at once.
# Usage: growing.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: growing.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 sqlite3 gzip
make_tmp
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
DATA=$REPO_DIR/tests/data

# entries and their records, in order, as one text to compare stores by
records() {
    sqlite3 "$1" "SELECT e.kind || '|' || e.line || '|' || coalesce(e.statement, '')
                  || '|' || coalesce(e.message, '') FROM v_events e
                  ORDER BY e.entry_index"
}

for case in "pg-stderr $DATA/pg-stderr/pgaudit-m.log" \
    "pg-jsonlog $DATA/pg-jsonlog/pg15-pgaudit.json" \
    "pg-csvlog $DATA/pg-csvlog/pg15-pgaudit.csv"; do
    read -r format src <<<"$case"
    whole=$T/whole-$format.db
    grown=$T/grown-$format.db
    log=$T/live-$format.log
    STORE=$whole
    ts init
    ts ingest --json --complete --format "$format" --prefix "$PREFIX" "$src"
    check_status "$format: ingest the whole file" 0 "$RC"
    n_whole=$(json_get "$T/out" 'j["sealed"]')
    # the first half ends in the middle of a line
    size=$(stat -c %s "$src")
    cut=$(python3 - "$src" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
c = len(d) // 2
while d[c - 1:c] == b"\n" or d[c:c + 1] == b"\n":
    c += 1
print(c)
EOF
)
    head -c "$cut" "$src" >"$log"
    STORE=$grown
    ts init
    ts ingest --json --format "$format" --prefix "$PREFIX" "$log"
    check_status "$format: ingest the first half" 0 "$RC"
    held=$(json_get "$T/out" 'j["held"]')
    n1=$(json_get "$T/out" 'j["sealed"]')
    cursor=$(sqlite3 "$grown" "SELECT cursor_position FROM sources")
    # the half line is held back, and for formats whose records span lines
    # (stderr, csvlog) the record before it too: more of it may follow
    if [ "$held" -gt 0 ] && [ "$((cursor + held))" -le "$cut" ] &&
        [ "$(head -c "$cursor" "$log" | tail -c 1 | od -An -c | tr -d ' ')" = '\n' ]; then
        ok "$format: sealed up to a line end ($n1 entries, cursor $cursor, $held bytes held of $cut)"
    else
        not_ok "$format: cursor $cursor, held $held"
    fi
    unparsed=$(json_get "$T/out" 'j["unparsed"]')
    check_eq "$format: nothing unparsed in the first half" 0 "$unparsed"
    tail -c +"$((cut + 1))" "$src" >>"$log"
    ts ingest --json --format "$format" --prefix "$PREFIX" "$log"
    check_status "$format: ingest the grown file" 0 "$RC"
    n2=$(json_get "$T/out" 'j["sealed"]')
    check_eq "$format: nothing held at the end" 0 "$(json_get "$T/out" 'j["held"]')"
    # the writer is done (the file rotated, or --complete): the last record
    # (held when it may still grow: stderr, csvlog) is sealed now
    ts ingest --json --complete --format "$format" --prefix "$PREFIX" "$log"
    check_status "$format: ingest the finished file" 0 "$RC"
    n3=$(json_get "$T/out" 'j["sealed"]')
    check_eq "$format: the runs together seal the whole file's entries" \
        "$n_whole" "$((n1 + n2 + n3))"
    check_eq "$format: the cursor is at the file's end" "$size" \
        "$(sqlite3 "$grown" "SELECT cursor_position FROM sources")"
    if [ "$(records "$whole")" = "$(records "$grown")" ]; then
        ok "$format: the same events as the whole file read at once"
    else
        not_ok "$format: events differ from the whole file's"
    fi
    ts verify
    check_status "$format: verify" 0 "$RC"
done

# --- files declared complete ---------------------------------------------------
STORE=$T/complete.db
ts init
LINE='2026-12-04 10:00:01.000 UTC [42] alice@shop/psql 10.0.0.1(5) 674f.1 00000 LOG:  statement: SELECT 1'
printf '%s\n%s' "$LINE" "${LINE:0:40}" >"$T/rotated.log.1"
cp "$T/rotated.log.1" "$T/plain.log"
cp "$T/plain.log" "$T/flag.log"
sed -i 's/SELECT 1/SELECT 2/' "$T/flag.log"
for f in rotated.log.1 flag.log; do
    opt=
    [ "$f" = flag.log ] && opt=--complete
    ts ingest --json $opt --prefix "$PREFIX" "$T/$f"
    check_eq "$f: both lines sealed, nothing held" "2/0" \
        "$(json_get "$T/out" 'str(j["sealed"]) + "/" + str(j["held"])')"
done
python3 - "$T/plain.log" "$T/zipped.log.gz" <<'EOF'
import gzip, sys
d = open(sys.argv[1], "rb").read().replace(b"SELECT 1", b"SELECT 4")
gzip.open(sys.argv[2], "wb").write(d)
EOF
ts ingest --json --prefix "$PREFIX" "$T/zipped.log.gz"
check_eq "a gzip file: both lines sealed, nothing held" "2/0" \
    "$(json_get "$T/out" 'str(j["sealed"]) + "/" + str(j["held"])')"
# a live file whose last record waits, then the same bytes on stdin (a
# stream is over at its end): the rest is sealed, nothing twice
sed -i 's/SELECT 1/SELECT 5/' "$T/plain.log"
ts ingest --json --prefix "$PREFIX" "$T/plain.log"
check_eq "plain.log, live: the last record and the half line wait" "0/40" \
    "$(json_get "$T/out" 'str(j["sealed"]) + "/" + str(j["held"])')"
ts ingest --json --prefix "$PREFIX" - <"$T/plain.log"
check_eq "the same bytes on stdin: both lines sealed" "2/0" \
    "$(json_get "$T/out" 'str(j["sealed"]) + "/" + str(j["held"])')"
finish
