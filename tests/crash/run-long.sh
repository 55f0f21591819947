#!/usr/bin/env bash
# The long crash-safety run: 1,000 SIGKILL trials (two kills and a resume
# each; see crash.sh). Takes about an hour and a half on 2 cores.
#
# usage: run-long.sh [TRAILSEAL]   (default: build/trailseal)
# CRASH_SEED, CRASH_RECORDS, CRASH_BATCH are passed on to crash.sh.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ts=${1:-$here/../../build/trailseal}
exec bash "$here/crash.sh" "$ts" 1000
