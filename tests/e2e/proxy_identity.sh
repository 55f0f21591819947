#!/usr/bin/env bash
# Identity through a proxy: real PostgreSQL 15 sessions (their backend pids
# and times read from the server) are joined to the Teleport sessions that
# opened them (db.session.start with postgres_pid, in the documented event
# form), so each database session is attributed to the person or agent the
# proxy names: v_session_identity's exact rows, a decoy proxy session with a
# reused pid two hours later that must not match, sessions/who following the
# proxy's person, and TS-IAM-08 finding exactly the planted misuse (an agent
# on a person's account, a person on a service account, a person on another
# person's account, an unregistered proxy user).
# Usage: proxy_identity.sh PATH/TO/trailseal
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh disable=SC2034
. "$(dirname "$0")/lib.sh"

TRAILSEAL=${1:?usage: proxy_identity.sh TRAILSEAL}
[ -x "$TRAILSEAL" ] || bail "'$TRAILSEAL' is not an executable"
need_tools python3 sqlite3 psql date
make_tmp
STORE=$T/store.db
q() { sqlite3 -readonly "$STORE" "$1" 2>&1; }

start_sandbox
# shellcheck source=/dev/null
. "$SANDBOX/sandbox.env"
admin="host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres"
psql -X -q -v ON_ERROR_STOP=1 "$admin dbname=postgres" >"$T/psql.out" 2>&1 <<'SQL' || bail "setup failed: $(cat "$T/psql.out")"
CREATE ROLE alice LOGIN PASSWORD 'pw';
CREATE ROLE carol LOGIN PASSWORD 'pw';
CREATE ROLE billing_svc LOGIN PASSWORD 'pw';
CREATE ROLE stranger LOGIN PASSWORD 'pw';
SQL

# session NAME ROLE: one TCP session as ROLE; records NAME's backend pid and
# start time (µs) in $T/sessions as "NAME ROLE PID START_US".
session() {
    local out
    out=$(PGPASSWORD=pw psql -X -At -v ON_ERROR_STOP=1 \
        "host=127.0.0.1 port=$PGSANDBOX_PORT dbname=postgres user=$2" \
        -c "SELECT pg_backend_pid(), (extract(epoch FROM backend_start) * 1000000)::bigint FROM pg_stat_activity WHERE pid = pg_backend_pid()" \
        2>&1) || bail "psql as $2 failed: $out"
    echo "$1 $2 ${out//|/ }" >>"$T/sessions"
}
session via_alice alice     # Alice through Teleport on her own account
session bot_on_alice alice  # a Teleport bot (agent) on Alice's account
session bob_on_billing billing_svc # Bob through Teleport on a service account
session bob_on_carol carol  # Bob through Teleport on Carol's account
session ghost_on_alice alice # a Teleport user no identity lists
session direct_billing billing_svc # no proxy: the account map decides
session direct_stranger stranger   # no proxy, no identity: unresolved
"$REPO_DIR/scripts/pg-sandbox.sh" stop "$SANDBOX" || bail "stopping PostgreSQL failed"

# The Teleport audit log for the proxied sessions (db.session.start carries
# postgres_pid; db.session.query and db.session.end follow), plus a decoy:
# a session two hours later whose backend pid is via_alice's again.
python3 - "$T/sessions" >"$T/teleport.jsonl" <<'PYEOF'
import datetime, json, sys
sessions = {}
for line in open(sys.argv[1]):
    name, role, pid, start = line.split()
    sessions[name] = (role, int(pid), int(start))
proxied = {"via_alice": ("alice", 1), "bot_on_alice": ("bot-reporter", 2),
           "bob_on_billing": ("bob", 1), "bob_on_carol": ("bob", 1),
           "ghost_on_alice": ("mallory", 1)}
def iso(us):
    return datetime.datetime.fromtimestamp(us / 1e6, datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%S.%fZ")
def emit(sid, user, kind, role, pid, start):
    base = {"cluster_name": "tp.example.com", "db_protocol": "postgres",
            "db_service": "prod-pg", "db_name": "postgres", "user": user,
            "user_kind": kind, "db_user": role, "sid": sid}
    print(json.dumps(dict(base, event="db.session.start", code="TDB00I",
                          ei=0, success=True, postgres_pid=pid,
                          time=iso(start - 20000))))
    print(json.dumps(dict(base, event="db.session.query", code="TDB02I",
                          ei=1, success=True, db_query="SELECT 1",
                          time=iso(start + 50000))))
    print(json.dumps(dict(base, event="db.session.end", code="TDB01I",
                          ei=2, time=iso(start + 300000))))
for i, (name, (user, kind)) in enumerate(sorted(proxied.items())):
    role, pid, start = sessions[name]
    emit("tp-%s" % name, user, kind, role, pid, start)
role, pid, start = sessions["via_alice"]
emit("tp-decoy", "alice", 1, role, pid, start + 7200 * 1000000)
PYEOF

cat >"$T/identities.csv" <<'EOF'
name,kind,owner,status,terminated_at,accounts
Alice Smith,human,,active,,postgres:alice;teleport:alice
Bob Jones,human,,active,,teleport:bob
Carol White,human,,active,,postgres:carol
Billing,service,Alice Smith,active,,postgres:billing_svc
reporter,agent,Alice Smith,active,,teleport:bot-reporter
EOF

ts init
check_status "init" 0 "$RC"
ts ingest --format pg-stderr --prefix "$PGSANDBOX_PREFIX" "$PGSANDBOX_LOG"
check_status "ingest the server's log" 0 "$RC"
ts ingest --format teleport-audit "$T/teleport.jsonl"
check_status "ingest the Teleport log" 0 "$RC"
ts load identities "$T/identities.csv"
check_status "load identities" 0 "$RC"

# The database sessions by name: the one whose pid and start match.
sid_of() {
    local pid start
    read -r _ _ pid start < <(grep "^$1 " "$T/sessions")
    q "SELECT session_id FROM sessions WHERE pid = $pid
        AND abs(started_us - $start) < 5000000 AND session_id NOT LIKE 'tp-%'"
}
for name in via_alice bot_on_alice bob_on_billing bob_on_carol ghost_on_alice \
    direct_billing direct_stranger; do
    sid=$(sid_of "$name")
    [ -n "$sid" ] || not_ok "$name: no database session found in the log"
    echo "$name $sid" >>"$T/sids"
done
row() { # NAME: its v_session_identity row
    q "SELECT identity, identity_kind, attributed_by, principal,
              principal_via, proxy_session_id, account_identity,
              account_identity_kind
         FROM v_session_identity
        WHERE session_id = '$(grep "^$1 " "$T/sids" | cut -d' ' -f2)'"
}
check_eq "via_alice: Alice, through the proxy" \
    "Alice Smith|human|proxy|alice|proxy pid|tp-via_alice|Alice Smith|human" \
    "$(row via_alice)"
check_eq "bot_on_alice: the agent, on Alice's credentials" \
    "reporter|agent|proxy|bot-reporter|proxy pid|tp-bot_on_alice|Alice Smith|human" \
    "$(row bot_on_alice)"
check_eq "bob_on_billing: Bob, on the service account" \
    "Bob Jones|human|proxy|bob|proxy pid|tp-bob_on_billing|Billing|service" \
    "$(row bob_on_billing)"
check_eq "bob_on_carol: Bob, on Carol's account" \
    "Bob Jones|human|proxy|bob|proxy pid|tp-bob_on_carol|Carol White|human" \
    "$(row bob_on_carol)"
check_eq "ghost_on_alice: the proxy's unregistered user" \
    "mallory|human|proxy, unregistered|mallory|proxy pid|tp-ghost_on_alice|Alice Smith|human" \
    "$(row ghost_on_alice)"
check_eq "direct_billing: no proxy, the account's identity" \
    "Billing|service|account||||Billing|service" "$(row direct_billing)"
check_eq "direct_stranger: unresolved" "|||||||" "$(row direct_stranger)"
check_eq "the proxy's own sessions carry their principal" \
    "tp-bob_on_billing|Bob Jones|proxy
tp-decoy|Alice Smith|proxy
tp-via_alice|Alice Smith|proxy" \
    "$(q "SELECT session_id, identity, principal_via FROM v_session_identity
           WHERE session_id IN ('tp-via_alice', 'tp-bob_on_billing', 'tp-decoy')
           ORDER BY 1")"
check_eq "the decoy (same pid, two hours later) matches no database session" \
    "" "$(q "SELECT session_id FROM v_session_principal
              WHERE proxy_session_id = 'tp-decoy' AND via = 'proxy pid'")"
check_eq "each proxied database session is joined exactly once" "5" \
    "$(q "SELECT count(*) FROM v_session_principal WHERE via = 'proxy pid'")"

# sessions and who follow the proxy's person.
ts sessions --who "Bob Jones" --json
check_status "sessions --who 'Bob Jones'" 0 "$RC"
check_eq "sessions lists Bob's identity for his proxied sessions" \
    "Bob Jones" \
    "$(python3 -c 'import json, sys
ids = {json.loads(l).get("identity") for l in open(sys.argv[1]) if l.strip()}
print(" ".join(sorted(i for i in ids if i)))' "$T/out")"

# search and timeline: a person's events are the sessions attributed to
# them, not those of a bot or someone else on their account.
sessions_of() { # the distinct session names in the last JSON output
    python3 -c 'import json, sys
names = {l.split()[1]: l.split()[0] for l in open(sys.argv[2])}
got = {json.loads(l).get("session_id") for l in open(sys.argv[1]) if l.strip()}
print(" ".join(sorted(names.get(s, s) for s in got if s)))' "$T/out" "$T/sids"
}
ts search --who "Alice Smith" --json --limit 1000
check_status "search --who 'Alice Smith'" 0 "$RC"
check_eq "search --who: Alice's own sessions, not the bot's or mallory's on her account" \
    "tp-decoy tp-via_alice via_alice" "$(sessions_of)"
ts search --who reporter --json --limit 1000
check_eq "search --who: the agent's proxied session and its database session" \
    "bot_on_alice tp-bot_on_alice" "$(sessions_of)"
ts search --kind agent --json --limit 1000
check_eq "search --kind agent: the bot's sessions, whatever account it used" \
    "bot_on_alice tp-bot_on_alice" "$(sessions_of)"
ts search --kind service --json --limit 1000
check_eq "search --kind service: the service account's own session only" \
    "direct_billing" "$(sessions_of)"
ts timeline --who "Bob Jones" --json --limit 1000
check_status "timeline 'Bob Jones'" 0 "$RC"
check_eq "timeline: Bob's sessions on the service and on Carol's account" \
    "bob_on_billing bob_on_carol tp-bob_on_billing tp-bob_on_carol" "$(sessions_of)"

# TS-IAM-08: exactly the planted misuse, one exception each, among the 6
# proxy sessions.
check_control "$REPO_DIR/controls.yaml" TS-IAM-08 6 ineffective <<'EOF'
tp-bot_on_alice => AI agent using a person's credentials
tp-bob_on_billing => person on a service or agent account
tp-bob_on_carol => person on another person's account
tp-ghost_on_alice => proxy user is not a registered identity
EOF
ts verify
check_status "verify" 0 "$RC"
finish
