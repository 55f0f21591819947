#!/usr/bin/env bash
# Runs scripts/demo-workload.sql against a sandbox started by
# scripts/pg-sandbox.sh, then makes one failed login (bob, wrong password).
# Usage: scripts/demo-workload.sh DIR. psql's output goes to DIR/workload.out;
# prints nothing but errors.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: demo-workload.sh DIR}
[ -f "$dir/sandbox.env" ] || {
    echo "demo-workload: no sandbox in '$dir' (scripts/pg-sandbox.sh start)" >&2
    exit 1
}
# shellcheck source=/dev/null
. "$dir/sandbox.env"
out=$dir/workload.out

# Every \connect in the script logs in over TCP with a password.
export PGHOST=127.0.0.1 PGPORT=$PGSANDBOX_PORT PGCONNECT_TIMEOUT=10
unset PGUSER PGDATABASE PGPASSWORD PGAPPNAME PGSERVICE PGOPTIONS

if ! psql -X -q -v ON_ERROR_STOP=1 -f "$here/demo-workload.sql" \
    "host=$PGSANDBOX_SOCKET port=$PGSANDBOX_PORT user=postgres dbname=postgres application_name=psql" \
    >"$out" 2>&1; then
    cat "$out" >&2
    echo "demo-workload: the workload failed (see above)" >&2
    exit 1
fi
if ! grep -q 'permission denied for table customers' "$out"; then
    cat "$out" >&2
    echo "demo-workload: bob's read of public.customers was not refused" >&2
    exit 1
fi

# A failed login: bob with a wrong password.
if psql -X -q -c 'SELECT 1' \
    "dbname=shop user=bob password=not-bobs-password application_name=dbeaver-23.1" \
    >>"$out" 2>&1; then
    echo "demo-workload: a login with a wrong password succeeded" >&2
    exit 1
fi
if ! grep -q 'password authentication failed for user "bob"' "$out"; then
    cat "$out" >&2
    echo "demo-workload: the failed login did not fail as expected" >&2
    exit 1
fi
