#!/usr/bin/env bash
# End to end against a real PostgreSQL 15 + pgAudit logging to stderr, csvlog
# and jsonlog at once: run the demo workload (and a statement with a newline
# and quotes), seal each log into its own store, and check that all three
# give the same events, that they match what the workload did, and that the
# counts match the raw files read with Python's csv and json modules.
# Usage: pg_csvjson.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: pg_csvjson.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 gzip zstd
[ -x /usr/lib/postgresql/15/bin/postgres ] ||
    bail "PostgreSQL 15 is not installed: run scripts/deps.sh"
[ -f /usr/lib/postgresql/15/lib/pgaudit.so ] ||
    bail "pgAudit for PostgreSQL 15 is not installed: run scripts/deps.sh"
command -v psql >/dev/null || bail "psql is not installed: run scripts/deps.sh"

make_tmp

# --- the server and the workload ---------------------------------------------
started=
for _ in 1 2 3 4 5; do
    port=$(free_port) || bail "no free TCP port in 54400-54599"
    SANDBOX=$T/pg-$port
    if "$REPO_DIR/scripts/pg-sandbox.sh" start "$SANDBOX" "$port" \
        "log_destination = 'stderr,csvlog,jsonlog'" "pgaudit.log_rows = on" \
        "log_min_duration_statement = 0" "log_statement = 'ddl'"; then
        started=1
        break
    fi
    if [ -f "$SANDBOX/data/postmaster.pid" ]; then
        "$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || true
    fi
done
[ -n "$started" ] || bail "could not start PostgreSQL (scripts/pg-sandbox.sh start)"
"$REPO_DIR/scripts/demo-workload.sh" "$SANDBOX" || bail "the workload failed"
# A statement with a newline, quotes and a comma, from an application whose
# name has a comma: csvlog quotes it, pgAudit quotes it again inside.
PGHOST=127.0.0.1 PGPORT=$port psql -X -q -v ON_ERROR_STOP=1 \
    "dbname=shop user=alice password=alice-demo-pw application_name=weird,app" \
    -c "SELECT 'it''s
a \"quoted\", multi-line' AS x FROM public.customers WHERE id = 1;" \
    >>"$SANDBOX/workload.out" 2>&1 || bail "the multi-line statement failed"
"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "could not stop PostgreSQL"
CSV=$SANDBOX/log/postgresql.csv
JSON=$SANDBOX/log/postgresql.json
STDERR=$SANDBOX/log/postgresql.log
PREFIX='%m [%p] %q%u@%d/%a %r %c %e '
[ -s "$CSV" ] && [ -s "$JSON" ] || bail "no csvlog or jsonlog in $SANDBOX/log"
ok "PostgreSQL 15 + pgAudit wrote csvlog and jsonlog on port $port"

# --- seal each log into its own store ------------------------------------------
for f in csv json stderr; do
    STORE=$T/$f.db
    ts init
    [ "$RC" -eq 0 ] || bail "init $STORE failed: $(cat "$T/err")"
    case $f in
    csv) log=$CSV ;;
    json) log=$JSON ;;
    stderr) log=$STDERR ;;
    esac
    # no --format: auto recognises all three (stderr by its prefix); --raw:
    # the statements' quoting is what this checks (redaction: redaction.sh)
    ts ingest --prefix "$PREFIX" --raw "$log"
    check_status "ingest the $f log with --format auto" 0 "$RC"
    if grep -q 'unparsed' "$T/err"; then
        not_ok "unparsed records in the $f log: $(head -n 3 "$T/err")"
    fi
    ts stats --json
    cp "$T/out" "$T/stats-$f.json"
    ts search --json --limit 100000
    cp "$T/out" "$T/search-$f.json"
    ts verify
    check_status "verify the $f store" 0 "$RC"
done

# --- both agree, with the raw files, and with the workload ----------------------
py_tally "$CSV" "$JSON" "$T/stats-csv.json" "$T/stats-json.json" \
    "$T/search-csv.json" "$T/search-json.json" "$T/csv.db" "$T/json.db" \
    "$T/stderr.db" <<'EOF'
import csv, json, re, sqlite3, sys
csv_path, json_path, s_csv, s_json, q_csv, q_json, db_csv, db_json, db_err = sys.argv[1:10]
def check(good, what):
    print(("ok - " if good else "not ok - ") + what)

# What the files say, read with Python's own parsers.
with open(csv_path, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
recs = [dict(severity=r[11], message=r[13], session=r[5]) for r in rows]
jrecs = [json.loads(l) for l in open(json_path, encoding="utf-8")]
jrecs = [dict(severity=j["error_severity"], message=j.get("message", ""),
              session=j["session_id"]) for j in jrecs]
def kind(r):
    m, sev = r["message"], r["severity"]
    if m.startswith("AUDIT: "): return "audit"
    if sev == "LOG":
        if m.startswith("connection received: "): return "connection_received"
        if m.startswith("connection authorized: "): return "connection_authorized"
        if m.startswith("disconnection: "): return "disconnection"
        if re.match(r"(duration: [0-9.]+ ms  )?statement: ", m): return "statement"
        return "log"
    if sev == "FATAL" and "authentication failed" in m: return "auth_failure"
    if sev == "ERROR": return "error"
    return "log"
def tally(rs):
    t = {}
    for r in rs:
        t[kind(r)] = t.get(kind(r), 0) + 1
    return t
raw_csv, raw_json = tally(recs), tally(jrecs)
check(raw_csv == raw_json, "the raw csvlog and jsonlog say the same (%s)" % raw_csv)

sc, sj = json.load(open(s_csv)), json.load(open(s_json))
check(sc["entries"] == len(recs), "csv entries = csv records (%d, %d)" % (sc["entries"], len(recs)))
check(sj["entries"] == len(jrecs), "json entries = json lines (%d, %d)" % (sj["entries"], len(jrecs)))
check(sc["events"] == sj["events"], "events per kind equal: csv %s json %s" % (sc["events"], sj["events"]))
check(sc["sessions"] == sj["sessions"] == len({r["session"] for r in recs}),
      "sessions equal and = distinct session ids (%d)" % sc["sessions"])
for k in ("audit", "connection_received", "connection_authorized", "disconnection",
          "auth_failure", "error", "statement", "log"):
    check(sc["events"].get(k, 0) == raw_csv.get(k, 0),
          "events.%s = the raw count (%d, %d)" % (k, sc["events"].get(k, 0), raw_csv.get(k, 0)))
check(sc["events"]["unparsed"] == 0 and sj["events"]["unparsed"] == 0, "nothing unparsed")

# What the workload did: 7 logins (the superuser, alice twice, billing, bob,
# the agent, alice from "weird,app"), one refused password, one refused read.
ev = sc["events"]
check(ev["connection_authorized"] == 7, "7 logins (%d)" % ev["connection_authorized"])
check(ev["connection_received"] == 8, "8 connections, the failed one too (%d)" % ev["connection_received"])
check(ev["disconnection"] == 7, "7 disconnections (%d)" % ev["disconnection"])
check(ev["auth_failure"] == 1, "1 failed login (%d)" % ev["auth_failure"])
check(ev["error"] == 1, "1 error (%d)" % ev["error"])
check(ev["audit"] >= 30, "at least 30 pgAudit records (%d)" % ev["audit"])

def load(p):
    return [json.loads(l) for l in open(p) if l.strip()]
rc, rj = load(q_csv), load(q_json)
strip = lambda r: {k: v for k, v in r.items() if k not in ("source", "line", "entry_index")}
# Backends write each destination separately, so under load two sessions'
# records may reach csvlog and jsonlog in different orders: compare sorted.
canon = lambda rows: sorted(json.dumps(strip(r), sort_keys=True) for r in rows)
check(canon(rc) == canon(rj),
      "search rows equal field by field (%d rows)" % len(rc))
want = "SELECT 'it''s\na \"quoted\", multi-line' AS x FROM public.customers WHERE id = 1;"
hits = [r for r in rc if r["kind"] == "audit" and r["statement"] == want]
check(len(hits) == 1 and hits[0]["application"] == "weird,app" and hits[0]["account"] == "alice",
      "the multi-line statement's pgAudit record, unquoted twice (%d)" % len(hits))
fail = [r for r in rj if r["kind"] == "auth_failure"]
check(len(fail) == 1 and fail[0]["account"] == "bob" and fail[0]["client"] == "127.0.0.1",
      "bob's failed login with his client address")
# Every column of every indexed event, but where it was read from.
def events(db):
    con = sqlite3.connect(db)
    cols = [r[1] for r in con.execute("PRAGMA table_info(events)")
            if r[1] not in ("seq", "source_id", "line")]
    # a template's id depends on which store met it first: compare its text;
    # an event of a text leaves these to the text (index layout 11)
    def column(c):
        if c == "template_id":
            return "(SELECT template FROM templates t WHERE t.id = template_id)"
        if c in ("object_name", "object_table", "severity", "sqlstate",
                 "audit_type", "object_type"):
            return ("coalesce(%s, (SELECT t.%s FROM event_texts t"
                    " WHERE t.id = text_id))" % (c, c))
        return c
    sel = [column(c) for c in cols]
    rows = con.execute("SELECT %s FROM events ORDER BY seq" % ", ".join(sel)).fetchall()
    return cols, rows
# in record order within each session; sessions interleave differently in
# each destination under load (see above)
def by_content(cols, rows):
    # a pgAudit record's message is NULL (its fields are columns): its
    # statement and substatement ids and object tell its rows apart
    k = [cols.index(c) for c in ("time_us", "pid", "session_line", "message",
                                 "statement_id", "substatement_id", "object_name")]
    return sorted(rows, key=lambda r: tuple(("" if r[i] is None else str(r[i])) for i in k))
cols, ec = events(db_csv)
_, ej = events(db_json)
ec, ej = by_content(cols, ec), by_content(cols, ej)
diff = [(cols[i], a[i], b[i]) for a, b in zip(ec, ej) for i in range(len(cols)) if a[i] != b[i]]
check(len(ec) == len(ej) and not diff,
      "the index holds the same %d events, all %d columns equal (first differences: %s)"
      % (len(ec), len(cols), diff[:3]))
# The stderr log says the same, but what its prefix leaves out: %l (the
# session line), and %c and %e on lines of processes without a session (%q).
_, es = events(db_err)
key = lambda r: tuple(r[cols.index(c)] for c in ("time_us", "pid", "message",
                                                 "statement_id", "substatement_id",
                                                 "object_name"))
by_key = {key(r): r for r in es}
sdiff = []
for r in ec:
    e = by_key.get(key(r))
    if e is None:
        sdiff.append(("missing", key(r)))
        continue
    for i, c in enumerate(cols):
        if c == "session_line" or (c in ("session_id", "sqlstate") and e[i] is None):
            continue
        if e[i] != r[i]:
            sdiff.append((c, e[i], r[i]))
check(len(es) == len(ec) and not sdiff,
      "the stderr log gives the same %d events (first differences: %s)" % (len(es), sdiff[:3]))
den = [r for r in rc if r["kind"] == "error"]
check(len(den) == 1 and "permission denied" in den[0]["message"] and den[0]["account"] == "bob",
      "bob's permission denied")
EOF

# --- the same content compressed is the same source ------------------------------
gzip -c "$CSV" >"$T/postgresql.csv.gz"
zstd -q -c "$JSON" >"$T/postgresql.json.zst"
STORE=$T/csv.db
ts ingest --json "$T/postgresql.csv.gz"
check_status "ingest the gzipped csvlog" 0 "$RC"
check_eq "gzipped csvlog: nothing sealed twice" 0 "$(json_get "$T/out" 'j["sealed"]')"
STORE=$T/json.db
ts ingest --json --format pg-jsonlog - <"$T/postgresql.json.zst"
check_status "ingest the zstd jsonlog from stdin" 0 "$RC"
check_eq "zstd jsonlog: nothing sealed twice" 0 "$(json_get "$T/out" 'j["sealed"]')"

# --- auto and stderr: a prefix is needed, never guessed ----------------------------
# --- pgAudit's rows and the authenticated identities, in all three ------------
py_tally "$CSV" "$T/csv.db" "$T/json.db" "$T/stderr.db" <<'EOF'
import csv, re, sqlite3, sys
csv_path, dbs = sys.argv[1], sys.argv[2:5]
def check(good, what):
    print(("ok - " if good else "not ok - ") + what)
with open(csv_path, newline="", encoding="utf-8") as f:
    msgs = [r[13] for r in csv.reader(f)]
rows = []
for m in msgs:
    if m.startswith("AUDIT: "):
        fields = next(csv.reader([m[7:]]))
        rows.append(int(fields[9]) if len(fields) == 10 else None)
auth = []
for m in msgs:
    g = re.match(r'connection authenticated: identity="(.*)" method=(\S+)', m)
    if g:
        auth.append((g.group(1), g.group(2)))
want_rows = (sum(1 for r in rows if r is not None),
             sum(r for r in rows if r is not None))
check(want_rows[0] > 0 and len(auth) > 0,
      "the csvlog has %d audit rows counts (sum %d) and %d authenticated "
      "identities" % (want_rows[0], want_rows[1], len(auth)))
for db in dbs:
    name = db.rsplit("/", 1)[1]
    c = sqlite3.connect(db)
    got = c.execute("SELECT count(rows), coalesce(sum(rows), 0) FROM events"
                    " WHERE kind = 2").fetchone()
    check(tuple(got) == want_rows, "%s: audit rows %r, the csvlog says %r"
          % (name, tuple(got), want_rows))
    got = sorted(c.execute("SELECT auth_identity, auth_method FROM events"
                           " WHERE auth_identity IS NOT NULL").fetchall())
    check(got == sorted(auth), "%s: %d authenticated identities as logged"
          % (name, len(got)))
    n = c.execute("SELECT count(*) FROM v_session_auth").fetchone()[0]
    check(n == len(auth), "%s: v_session_auth has a row per authenticated "
          "session (%d)" % (name, n))
EOF

STORE=$T/csv.db
ts ingest "$REPO_DIR/tests/data/pg-stderr/pgaudit-m.log"
check_status "ingest a stderr log without --prefix" 2 "$RC"
if grep -q -- '--prefix' "$T/err"; then
    ok "the error asks for --prefix: $(head -n 1 "$T/err")"
else
    not_ok "the error does not ask for --prefix: '$(head -n 1 "$T/err")'"
fi
ts ingest --json --prefix '%m [%p] %q%u@%d/%a %r %c %e ' \
    "$REPO_DIR/tests/data/pg-stderr/pgaudit-m.log"
check_status "ingest a stderr log with --prefix and no --format" 0 "$RC"
check_eq "its entries, none unparsed" "67 0" \
    "$(json_get "$T/out" 'str(j["sealed"]) + " " + str(j["unparsed"])')"

finish
