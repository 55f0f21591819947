#!/usr/bin/env bash
# The query commands on the real pgAudit log: search (full text, filters,
# paging, JSON, CSV), sessions, timeline and who agree with the raw log; a
# row's entry index proves with `prove --index`; bad text, options and
# times are one line on stderr and exit 2.
# Usage: search.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: search.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 grep awk
make_tmp
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
LOG=$E2E_DIR/data/pg15-pgaudit.log
STORE=$T/store.db

ts init
check_status "init" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX" "$LOG"
check_status "ingest the fixture log" 0 "$RC"
[ "$RC" -eq 0 ] || bail "nothing more can be checked: $(head -n 1 "$T/err")"

# --- search: counts from the raw log -----------------------------------------------
want_audit=$(grep -c 'LOG:  AUDIT: ' "$LOG")
ts search --kind audit --limit 1000 --json
check_eq "search --kind audit = AUDIT lines" "$want_audit" "$(grep -c . "$T/out")"

want_cust=$(grep -cE 'LOG:  AUDIT: SESSION,[0-9]+,[0-9]+,[A-Z]+,[A-Z ]+,TABLE,public\.customers,' "$LOG")
ts search --object public.customers --limit 1000 --json
check_eq "search --object public.customers = its AUDIT lines" "$want_cust" "$(grep -c . "$T/out")"
ts search --object Customers --limit 1000 --json
check_eq "search --object Customers (unqualified, any case)" "$want_cust" "$(grep -c . "$T/out")"

want_denied=$(grep -cE ' (42501|28P01|28000) (ERROR|FATAL):  ' "$LOG")
ts search --outcome denied --json
check_eq "search --outcome denied = 42501/28P01 errors" "$want_denied" "$(grep -c . "$T/out")"

want_create=$(grep -c 'LOG:  AUDIT: SESSION,[0-9]*,[0-9]*,DDL,CREATE TABLE,' "$LOG")
ts search --command 'create table' --json
check_eq "search --command 'create table'" "$want_create" "$(grep -c . "$T/out")"

# bob's records: his prefixed lines, without the STATEMENT/DETAIL lines that
# belong to the record before them.
want_bob=$(grep -E '^[^ ]+ [^ ]+ [^ ]+ \[[0-9]+\] bob@' "$LOG" |
    grep -cvE ' (STATEMENT|DETAIL|HINT|CONTEXT):  ')
ts search --account bob --db shop --source pg15-pgaudit.log --since 2026-Q4 --until 2026-11 --json
check_eq "search --account bob --db shop --source --since/--until" "$want_bob" "$(grep -c . "$T/out")"
ts search --account bob --since 2026-Q3 --until 2026-Q3 --json
check_eq "nothing of bob in the third quarter" 0 "$(grep -c . "$T/out")"

# Full text: phrase, prefix; newest first; every row names its match.
ts search '"full_name, ssn"' --json
check_eq "phrase query" 1 "$(grep -c . "$T/out")"
ts search 'train*' --account agent_langchain --json
py_tally "$T/out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ok = rows and all(r["account"] == "agent_langchain" and "training_rows" in
                  ((r["statement"] or "") + (r["object"] or "")) for r in rows)
print(("ok" if ok else "not ok") + " - prefix query train* with --account (%d rows)" % len(rows))
idx = [r["entry_index"] for r in rows]
print(("ok" if idx == sorted(idx, reverse=True) else "not ok") + " - newest entry first")
PY

# --- paging: --after walks the same rows as one page --------------------------------
entry_indexes() { grep -o '^{"entry_index":[0-9]*' "$T/out" | cut -d: -f2; }
ts search --limit 1000 --oldest-first --json
entry_indexes >"$T/all.idx"
: >"$T/paged.idx"
after=
for _ in $(seq 40); do
    ts search --limit 7 --oldest-first --json ${after:+--after "$after"}
    entry_indexes >"$T/page.idx"
    [ -s "$T/page.idx" ] || break
    cat "$T/page.idx" >>"$T/paged.idx"
    after=$(tail -n 1 "$T/page.idx")
done
check_eq "paging with --after gives every row once" "$(cat "$T/all.idx" | tr '\n' ' ')" "$(cat "$T/paged.idx" | tr '\n' ' ')"
check_eq "every entry is listed" 77 "$(grep -c . "$T/all.idx")"

# --- CSV is RFC 4180: Python's csv module reads back the JSON values ---------------
ts search ssn --csv
cp "$T/out" "$T/ssn.csv"
ts search ssn --json
py_tally "$T/ssn.csv" "$T/out" <<'PY'
import csv, json, sys
with open(sys.argv[1], newline="") as f:
    recs = list(csv.DictReader(f))
rows = [json.loads(l) for l in open(sys.argv[2])]
same = len(recs) == len(rows) and all(
    c["statement"] == (j["statement"] or "") and int(c["entry_index"]) == j["entry_index"]
    for c, j in zip(recs, rows))
print(("ok" if same else "not ok") + " - CSV and JSON agree, multi-line statements included (%d rows)" % len(rows))
raw = open(sys.argv[1], "rb").read()
print(("ok" if raw.endswith(b"\r\n") and b'"' in raw else "not ok") + " - CSV uses CRLF and quotes")
PY

# --- prove a row ---------------------------------------------------------------------
ts search ssn --account agent_langchain --limit 1 --json
index=$(json_get "$T/out" 'j["entry_index"]')
ts prove --index "$index"
check_status "prove --index $index (from a search row)" 0 "$RC"
cp "$T/out" "$T/inclusion.proof"
ts key
cp "$T/out" "$T/vkey"
RC=0
"$TRAILSEAL" --store "$T/none.db" verify-proof --vkey "$T/vkey" "$T/inclusion.proof" >"$T/vp.out" 2>&1 || RC=$?
check_status "verify-proof of that row's proof" 0 "$RC"

# --- sessions, timeline, who -----------------------------------------------------------
want_sessions=$(awk -f "$E2E_DIR/pg_log_counts.awk" "$LOG" | awk '$1 == "sessions" { print $2 }')
ts sessions --json
check_eq "sessions = the log's sessions" "$want_sessions" "$(grep -c . "$T/out")"
# each names its first entry: the first of the session's events
py_tally "$T/out" "$STORE" <<'PY'
import json, sqlite3, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
db = sqlite3.connect(f"file:{sys.argv[2]}?mode=ro", uri=True)
bad = [r["session_id"] for r in rows
       if r.get("entry_index") != db.execute(
           "SELECT min(seq) FROM events WHERE session_id = ?",
           (r["session_id"],)).fetchone()[0]]
print(("ok" if rows and not bad else "not ok")
      + " - sessions name their first entry (%d sessions, wrong: %s)"
      % (len(rows), bad[:3]))
PY
ts sessions --account alice --csv
check_eq "alice's sessions (CSV rows)" 2 "$(tail -n +2 "$T/out" | grep -c .)"
ts timeline bob --json
py_tally "$T/out" "$want_bob" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
times = [r["time"] for r in rows]
print(("ok" if times == sorted(times) else "not ok") + " - timeline bob is in time order")
print(("ok" if len(rows) == int(sys.argv[2]) else "not ok")
      + " - timeline bob has bob's %s records (%d)" % (sys.argv[2], len(rows)))
print(("ok" if rows and rows[-1]["kind"] == "auth_failure" else "not ok")
      + " - bob's failed login comes last")
PY
ts who --object public.customers --json
py_tally "$T/out" "$LOG" <<'PY'
import json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
want = {}
for line in open(sys.argv[2]):
    m = re.match(r'\S+ \S+ \S+ \[\d+\] (\w+)@.* LOG:  AUDIT: SESSION,\d+,\d+,\w+,[A-Z ]+,TABLE,public\.customers,', line)
    if m:
        want[m.group(1)] = want.get(m.group(1), 0) + 1
got = {r["account"]: r["events"] for r in rows}
print(("ok" if got == want else "not ok") + " - who --object public.customers: %s (log says %s)" % (got, want))
PY

# --- errors: one line, exit 2 -----------------------------------------------------------
# one_line_exit_2 ARGS...: runs trailseal ARGS; it must exit 2 with exactly
# one line on stderr that shows no SQLite wording.
one_line_exit_2() {
    ts "$@"
    local lines
    lines=$(grep -c . "$T/err")
    if [ "$RC" -eq 2 ] && [ "$lines" -eq 1 ] && ! grep -qiE 'fts5|sqlite|SQL logic' "$T/err"; then
        ok "'$*': exit 2, one line: $(cat "$T/err")"
    else
        not_ok "'$*': exit $RC, $lines lines: $(head -c 300 "$T/err")"
    fi
}
one_line_exit_2 search 'foo AND'
one_line_exit_2 search '"unterminated'
one_line_exit_2 search 'nocol:x'
one_line_exit_2 search '(a OR'
one_line_exit_2 search --bogus
one_line_exit_2 search --since yesterday
one_line_exit_2 search --until 2026-Q5
one_line_exit_2 search --outcome maybe
one_line_exit_2 search --kind robot
one_line_exit_2 search --limit 0
one_line_exit_2 search --after -1
one_line_exit_2 search --object .x
one_line_exit_2 search two words
one_line_exit_2 sessions --since 7x
one_line_exit_2 sessions extra
one_line_exit_2 timeline
one_line_exit_2 timeline bob --frob
one_line_exit_2 timeline bob --after 99999
one_line_exit_2 who
one_line_exit_2 who --object
one_line_exit_2 who --object customers --until 2026-13

finish
