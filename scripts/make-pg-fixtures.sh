#!/usr/bin/env bash
# Regenerates the PostgreSQL stderr fixtures in tests/data/pg-stderr/ from a
# real PostgreSQL 15 + pgAudit: a throwaway cluster on a private port per
# fixture, a small workload, the server's stderr log copied out.
#
#   scripts/make-pg-fixtures.sh [PORT]     (default port 54329)
#
# Fixtures (the counts in tests/unit/test_pg_stderr.c must be redone after
# regenerating):
#   pgaudit-m.log  prefix '%m [%p] %q%u@%d/%a %r %c %e ', UTC, SSL on
#   pgaudit-t.log  prefix '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ',
#                  America/New_York, log_statement=all, verbose errors
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PORT=${1:-54329}
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/tests/data/pg-stderr

die() {
    echo "make-pg-fixtures: $*" >&2
    exit 1
}

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

[ -x "$PG_BIN/postgres" ] || die "PostgreSQL 15 not found in $PG_BIN"
[ -f /usr/lib/postgresql/15/lib/pgaudit.so ] || die "pgAudit for 15 not found"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "port $PORT is in use"
fi

work=$(mktemp -d /tmp/ts-pgfix.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work"
cleanup() {
    if [ -f "$work/data/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# start PREFIX TZ [postgresql.conf line]...: a fresh cluster in $work/data.
start() {
    local prefix=$1 tz=$2
    shift 2
    rm -rf "$work/data" "$work/server.log"
    as_pg "$PG_BIN/initdb" -D "$work/data" -U postgres -A trust \
        --no-sync >/dev/null
    {
        echo "port = $PORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$work'"
        echo "shared_preload_libraries = 'pgaudit'"
        echo "logging_collector = off"
        echo "log_connections = on"
        echo "log_disconnections = on"
        echo "log_line_prefix = '$prefix'"
        echo "log_timezone = '$tz'"
        echo "pgaudit.log = 'read,write,ddl,role,misc'"
        echo "pgaudit.log_parameter = on"
        echo "password_encryption = 'scram-sha-256'"
        for line in "$@"; do echo "$line"; done
    } | as_pg tee -a "$work/data/postgresql.conf" >/dev/null
    # Only the postgres and appdb databases over TCP: template1 has no entry.
    printf '%s\n' 'local all all trust' \
        'host postgres,appdb all 127.0.0.1/32 scram-sha-256' |
        as_pg tee "$work/data/pg_hba.conf" >/dev/null
    as_pg "$PG_BIN/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
        start >/dev/null
}

stop() {
    as_pg "$PG_BIN/pg_ctl" -D "$work/data" -w stop -m fast >/dev/null
}

# psql as the superuser over the private socket.
su_sql() {
    psql -X -q -v ON_ERROR_STOP=0 -h "$work" -p "$PORT" -U postgres "$@"
}

# psql as a login role over TCP with a password.
tcp_sql() {
    local user=$1 pw=$2
    shift 2
    PGPASSWORD=$pw psql -X -q -h 127.0.0.1 -p "$PORT" -U "$user" "$@"
}

workload() {
    local sslmode=$1
    su_sql -d postgres >/dev/null 2>&1 <<'SQL'
CREATE ROLE alice LOGIN PASSWORD 'alice-pw';
CREATE ROLE "bob smith" LOGIN PASSWORD 'bob-pw';
CREATE DATABASE appdb;
SQL
    su_sql -d appdb >/dev/null 2>&1 <<'SQL'
CREATE TABLE customers (id int PRIMARY KEY, email text, ssn text);
CREATE TABLE secrets (id int, token text);
INSERT INTO customers VALUES (1, 'a@example.com', '123-45-6789'),
    (2, 'b,"c"@example.com', '987-65-4321');
GRANT SELECT ON customers TO alice;
GRANT SELECT (id, email) ON customers TO "bob smith";
CREATE INDEX customers_email ON customers (email);
SELECT id,
       email
  FROM customers
 WHERE email LIKE '%,%';
PREPARE by_id(int, text) AS SELECT * FROM customers WHERE id = $1 OR email = $2;
EXECUTE by_id(1, 'x,"y"');
DO $$ BEGIN RAISE WARNING 'careful: %', 42; END $$;
SELECT no_such_function(1);
SELECT 1
  FROM
 WHERE;
ALTER TABLE customers ADD COLUMN phone text;
SQL
    # Extended protocol with bind parameters, one holding a comma and a quote.
    printf '%s\n' '\set id 0' \
        'SELECT id FROM customers WHERE email = :email AND id > :id;' \
        >"$work/bind.sql"
    pgbench -n -t 1 -M extended -h "$work" -p "$PORT" -U postgres \
        -D 'email=x,"y"' -f "$work/bind.sql" appdb >"$work/pgbench.out" 2>&1 ||
        { cat "$work/pgbench.out" >&2; die "pgbench failed"; }
    # alice over TCP, with an application name holding spaces and brackets.
    PGAPPNAME='my app [x]' PGSSLMODE=$sslmode tcp_sql alice alice-pw \
        -d appdb >/dev/null 2>&1 <<'SQL' || true
SELECT email FROM customers WHERE id = 1;
SELECT * FROM secrets;
SQL
    PGSSLMODE=$sslmode tcp_sql 'bob smith' bob-pw -d appdb \
        -c 'SELECT id FROM customers' >/dev/null 2>&1 || true
    # Failed logins: a wrong password, an unknown role, no pg_hba entry.
    PGSSLMODE=$sslmode tcp_sql alice wrong -d appdb -c 'SELECT 1' \
        >/dev/null 2>&1 || true
    su_sql -U nosuch -d postgres -c 'SELECT 1' >/dev/null 2>&1 || true
    PGSSLMODE=disable tcp_sql alice alice-pw -d template1 -c 'SELECT 1' \
        >/dev/null 2>&1 || true
    su_sql -d appdb >/dev/null 2>&1 <<'SQL'
GRANT SELECT ON secrets TO alice;
REVOKE SELECT ON secrets FROM alice;
DROP TABLE secrets;
SQL
}

mkdir -p "$out"

# Fixture 1: %m with UTC, %q, %r, %c, %e; TLS for alice.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -keyout "$work/server.key" -out "$work/server.crt" >/dev/null 2>&1
[ "$(id -u)" -ne 0 ] || chown postgres: "$work/server.key" "$work/server.crt"
chmod 600 "$work/server.key"
start '%m [%p] %q%u@%d/%a %r %c %e ' UTC "ssl = on" \
    "ssl_cert_file = '$work/server.crt'" "ssl_key_file = '$work/server.key'"
workload require
stop
cp "$work/server.log" "$out/pgaudit-m.log"

# Fixture 2: %t in a named zone, %l, %h, statements, verbose errors.
start '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ' America/New_York \
    "log_statement = 'all'" "log_error_verbosity = verbose"
workload disable
stop
cp "$work/server.log" "$out/pgaudit-t.log"

wc -c "$out"/pgaudit-*.log
