#!/usr/bin/env bash
# bench/sql-analysis.sh -- throughput of the SQL analysis: templates, the
# template cache and parse time per distinct template (docs/PERFORMANCE.md).
#
#   bench/sql-analysis.sh TRAILSEAL [N] [CATALOG.json]
#
# Builds N statements (default 200000) from the column oracle's statements
# with fresh literals in each, so most are cache hits as in a real workload,
# and runs `trailseal analyze-sql --lines` over them with --stats.
set -euo pipefail
trailseal=${1:?usage: sql-analysis.sh TRAILSEAL [N] [CATALOG.json]}
n=${2:-200000}
catalog=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/trailseal-sqlbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - "$here/../tests/column-oracle/statements.sql" "$n" \
    >"$work/stmts.sql" <<'PY'
import random, re, sys
random.seed(1)
stmts = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
for i in range(n):
    s = stmts[i % len(stmts)]
    # vary every quoted literal and standalone integer
    s = re.sub(r"'[^']*'", lambda m: "'v%d'" % random.randrange(10**6), s)
    s = re.sub(r"(?<![\w$.])\d+(?![\w.])", lambda m: str(random.randrange(1000)), s)
    print(s)
PY
args=(analyze-sql --json --stats --lines "$work/stmts.sql")
[ -n "$catalog" ] && args+=(--catalog "$catalog")
start=$(date +%s%N)
"$trailseal" "${args[@]}" >/dev/null 2>"$work/stats" || true
end=$(date +%s%N)
ms=$(((end - start) / 1000000))
echo "statements:    $n ($(wc -c <"$work/stmts.sql") bytes)"
echo "wall time:     ${ms} ms, $((n * 1000 / (ms > 0 ? ms : 1))) statements/s (with JSON output)"
echo "analyzer:      $(cat "$work/stats")"
