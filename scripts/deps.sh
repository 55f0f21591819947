#!/usr/bin/env bash
# Installs the Debian 12 packages trailseal needs to build, test and run its
# demo, skipping those already present. Usage: scripts/deps.sh [build|test|demo]...
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libsqlite3-dev libzstd-dev
    libssl-dev libcbor-dev libxlsxwriter-dev libpg-query-dev libpq-dev
    libyaml-dev libjansson-dev libcmocka-dev zlib1g-dev libxxhash-dev)
server_pkgs=(postgresql-15 postgresql-15-pgaudit postgresql-client-15
    mariadb-server mariadb-client)
tool_pkgs=(sqlite3 zstd python3 unzip procps clang-format git
    libreoffice-calc-nogui poppler-utils python3-jsonschema xxd clang valgrind)

want=("${build_pkgs[@]}" "${server_pkgs[@]}" "${tool_pkgs[@]}")
missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "trailseal: missing Debian packages: ${missing[*]}" >&2
    echo "trailseal: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 2
fi
echo "trailseal: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian's postgresql-common creates a default cluster on install; we never
# use it (tests and the demo run their own server), so do not create one.
mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/trailseal.conf
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
