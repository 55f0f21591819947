#!/usr/bin/env bash
# Regenerates tests/data/mariadb-audit/server_audit-10.11.log from a real
# MariaDB (Debian 12's 10.11 with its server_audit plugin): a throwaway
# server on a private port, scripts/mariadb-workload.sh, its audit log copied
# out. The counts in tests/unit/test_mariadb_audit.c must be redone after
# regenerating.
#
#   scripts/make-mariadb-fixture.sh [PORT]     (default port 55449)
set -euo pipefail

PORT=${1:-55449}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/ts-myfix.XXXXXX)
chmod 755 "$work"
trap '"$repo/scripts/mariadb-sandbox.sh" stop "$work/my" 2>/dev/null || true; rm -rf "$work"' EXIT

"$repo/scripts/mariadb-sandbox.sh" start "$work/my" "$PORT"
"$repo/scripts/mariadb-workload.sh" "$work/my"
"$repo/scripts/mariadb-sandbox.sh" stop "$work/my"
mkdir -p "$repo/tests/data/mariadb-audit"
cp "$work/my/log/server_audit.log" "$repo/tests/data/mariadb-audit/server_audit-10.11.log"
