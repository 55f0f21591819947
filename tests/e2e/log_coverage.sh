#!/usr/bin/env bash
# TS-LOG-01 over whole UTC days: a stderr log with records on the 1st, 2nd
# and 4th of a month and none on the 3rd gives exactly one "no records"
# exception, for the 3rd, with each other day's count of events (a second
# file of the same format adds to its days). The counts come from
# v_event_days, which the report materialises once: the test also checks the
# view agrees with a GROUP BY over events, and that a store made before the
# view is refused by the report with the way out (reindex). No server.
# Usage: log_coverage.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: log_coverage.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools sqlite3 python3
make_tmp
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '

# line DAY TIME PID: one pgAudit record of a session
line() {
    printf '2026-03-%s %s UTC [%s] alice@app/psql 10.0.0.5(5000) 65f0.%s 00000 LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,select 1,<not logged>\n' \
        "$1" "$2" "$3" "$3"
}
{
    line 01 10:00:00.000 101; line 01 23:59:59.999 101
    line 02 00:00:00.000 102; line 02 12:00:00.000 102; line 02 13:00:00.000 102
    line 04 08:00:00.000 104
} >"$T/a.log"
{
    line 02 09:00:00.000 202; line 04 09:00:00.000 204
} >"$T/b.log"

STORE=$T/s.db
ts init
check_status "init" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX" "$T/a.log"
check_status "ingest a.log" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PREFIX" "$T/b.log"
check_status "ingest b.log" 0 "$RC"

check_eq "v_event_days: events per source and day" \
    "a.log|20513|2 a.log|20514|3 a.log|20516|1 b.log|20514|1 b.log|20516|1" \
    "$(sqlite3 -readonly "$STORE" "SELECT replace(source, '$T/', ''), day, events FROM v_event_days ORDER BY 1, 2" | tr '\n' ' ' | sed 's/ $//')"
check_eq "v_event_days agrees with a GROUP BY over events" "0" \
    "$(sqlite3 -readonly "$STORE" "SELECT count(*) FROM (SELECT source_id, time_us / 86400000000, account, count(*), min(seq) FROM events WHERE time_us IS NOT NULL GROUP BY 1, 2, 3 EXCEPT SELECT source_id, day, account, events, first_entry_index FROM v_event_days)")"

ts report --period 2026-03 --out "$T/pack" --controls "$REPO_DIR/controls.yaml"
check_status "report --period 2026-03" 0 "$RC"
py_tally "$T/pack" <<'PY'
import csv, json, os, sys
pack = sys.argv[1]
r = json.load(open(os.path.join(pack, "results.json")))
c = {c["id"]: c for c in r["controls"]}["TS-LOG-01"]
got = sorted((e["item"], e["reason"]) for e in c["exceptions"])
want = [("pg-stderr 2026-03-03", "no records from this source on this day")]
print(("ok - " if got == want else "not ok - ") +
      f"TS-LOG-01: exactly the missing day ({got})")
rows = list(csv.DictReader(open(os.path.join(pack, c["population_file"]))))
days = [(x["item"], x["events"]) for x in rows]
# one format, so a.log's and b.log's days add up; b.log's days lie
# within a.log's, so the range is 1st..4th
want_days = [("pg-stderr 2026-03-01", "2"), ("pg-stderr 2026-03-02", "4"),
             ("pg-stderr 2026-03-03", "0"), ("pg-stderr 2026-03-04", "2")]
print(("ok - " if days == want_days else "not ok - ") +
      f"TS-LOG-01: each day's events ({days})")
PY

# A store made before v_event_days: the report says how to add it.
sqlite3 "$STORE" "DROP VIEW v_event_days" || bail "cannot drop the view"
ts report --period 2026-03 --out "$T/pack2" --controls "$REPO_DIR/controls.yaml"
check_status "report on a store without v_event_days" 2 "$RC"
if grep -q "run 'trailseal reindex' once" "$T/err"; then
    ok "it says to run reindex"
else
    not_ok "no way out given: $(cat "$T/err")"
fi
ts reindex --controls "$REPO_DIR/controls.yaml"
check_status "reindex" 0 "$RC"
ts report --period 2026-03 --out "$T/pack2" --controls "$REPO_DIR/controls.yaml"
check_status "report after reindex" 0 "$RC"
finish
