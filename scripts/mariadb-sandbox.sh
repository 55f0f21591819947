#!/usr/bin/env bash
# Starts and stops a throwaway MariaDB server with the server_audit plugin for
# the end-to-end tests. It listens on 127.0.0.1:PORT and on a private unix
# socket, writes its audit log to DIR/log/server_audit.log (CONNECT, QUERY
# and TABLE events) and runs with TZ=UTC, so the log's local times are UTC.
# root@localhost has no password (the server is private and short-lived).
#
#   scripts/mariadb-sandbox.sh start DIR PORT [mariadbd option]...
#   scripts/mariadb-sandbox.sh stop DIR
#
# start writes DIR/sandbox.env (MYSANDBOX_SOCKET, MYSANDBOX_PORT,
# MYSANDBOX_AUDIT_LOG) for callers to source. Prints nothing but errors. As
# root, the server runs as the "mysql" OS user; when DIR is not reachable by
# that user or its socket path would be too long, the server lives in a
# private directory under /tmp that stop removes after copying the logs back
# into DIR/log.
set -euo pipefail

MY_BIN=${MY_BIN:-/usr/sbin/mariadbd}
MY_INSTALL_DB=${MY_INSTALL_DB:-/usr/bin/mariadb-install-db}
MY_PLUGIN=/usr/lib/mysql/plugin/server_audit.so

die() {
    echo "mariadb-sandbox: $*" >&2
    exit 1
}

usage() {
    echo "usage: mariadb-sandbox.sh start DIR PORT [mariadbd option]..." >&2
    echo "       mariadb-sandbox.sh stop DIR" >&2
    exit 2
}

# as_my CMD...: runs CMD as the server's OS user.
as_my() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u mysql -- "$@")
    else
        "$@"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cmd_start() {
    [ $# -ge 2 ] || usage
    local dir=$1 port=$2
    shift 2
    [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le 65535 ] ||
        die "port '$port' is not a number between 1024 and 65535"
    [ -x "$MY_BIN" ] || die "MariaDB server not found at $MY_BIN (run scripts/deps.sh)"
    [ -x "$MY_INSTALL_DB" ] || die "mariadb-install-db not found (run scripts/deps.sh)"
    [ -f "$MY_PLUGIN" ] || die "server_audit plugin not found at $MY_PLUGIN (run scripts/deps.sh)"
    command -v mariadb-admin >/dev/null || die "mariadb-admin not found (run scripts/deps.sh)"
    if [ "$(id -u)" -eq 0 ] && ! id mysql >/dev/null 2>&1; then
        die "running as root needs the 'mysql' OS user (run scripts/deps.sh)"
    fi
    if port_in_use "$port"; then
        die "port $port on 127.0.0.1 is already in use"
    fi

    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ! -e "$dir/data" ] && [ ! -e "$dir/sandbox.env" ] ||
        die "'$dir' already holds a sandbox (stop it and remove the directory)"

    local home=$dir
    if [ "$(id -u)" -eq 0 ]; then
        chmod 755 "$dir"
        if ! runuser -u mysql -- test -x "$dir" 2>/dev/null; then
            home=
        fi
    fi
    # sun_path holds 107 bytes: "$home/run/mysqld.sock"
    if [ -n "$home" ] && [ $((${#home} + 20)) -gt 100 ]; then
        home=
    fi
    if [ -z "$home" ]; then
        home=$(mktemp -d /tmp/trailseal-my.XXXXXX)
        chmod 755 "$home"
        ln -s "$home/data" "$dir/data"
        ln -s "$home/run" "$dir/run"
        ln -s "$home/log" "$dir/log"
        echo "$home" >"$dir/.sandbox-home"
    fi
    mkdir -p "$home/data" "$home/run" "$home/log"
    chmod 700 "$home/data"
    chmod 755 "$home/run" "$home/log"
    if [ "$(id -u)" -eq 0 ]; then
        chown mysql: "$home/data" "$home/run" "$home/log"
    fi

    if ! as_my "$MY_INSTALL_DB" --no-defaults --datadir="$home/data" \
        --auth-root-authentication-method=normal --skip-test-db \
        --skip-name-resolve >"$dir/install-db.out" 2>&1; then
        cat "$dir/install-db.out" >&2
        die "mariadb-install-db failed in $home/data"
    fi

    local sock=$home/run/mysqld.sock
    cat >"$dir/sandbox.env" <<EOF
MYSANDBOX_SOCKET='$sock'
MYSANDBOX_PORT='$port'
MYSANDBOX_AUDIT_LOG='$dir/log/server_audit.log'
EOF

    # --no-defaults keeps /etc/mysql out; the audit log never rotates so one
    # file holds the whole run.
    as_my env TZ=UTC "$MY_BIN" --no-defaults \
        --datadir="$home/data" --socket="$sock" --port="$port" \
        --bind-address=127.0.0.1 --pid-file="$home/run/mysqld.pid" \
        --log-error="$home/log/error.log" --skip-name-resolve --skip-log-bin \
        --innodb-buffer-pool-size=16M --innodb-log-file-size=8M \
        --max-connections=20 --performance-schema=OFF \
        --plugin-load-add=server_audit --server-audit-logging=ON \
        --server-audit-events=CONNECT,QUERY,TABLE \
        --server-audit-file-path="$home/log/server_audit.log" \
        --server-audit-file-rotations=0 "$@" \
        </dev/null >"$dir/mariadbd.out" 2>&1 &

    local deadline=$((SECONDS + 60))
    until mariadb-admin --no-defaults --socket="$sock" -uroot ping \
        >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ] || ! kill -0 $! 2>/dev/null; then
            cat "$dir/mariadbd.out" >&2
            tail -n 20 "$home/log/error.log" >&2 2>/dev/null || true
            die "MariaDB did not start in $dir (port $port)"
        fi
        sleep 0.2
    done
}

# wait_gone SECONDS PID: waits until PID is not running.
wait_gone() {
    local deadline=$((SECONDS + $1))
    while :; do
        case $(ps -o stat= -p "$2" 2>/dev/null || true) in
        '' | Z*) return 0 ;;
        esac
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    local dir=$1
    [ -d "$dir/data" ] || die "no sandbox in '$dir'"
    dir=$(cd "$dir" && pwd)
    local run
    run=$(cd "$dir/run" && pwd -P)

    local pid=
    if [ -f "$run/mysqld.pid" ]; then
        pid=$(cat "$run/mysqld.pid")
    fi
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        # SIGTERM is a normal shutdown: the audit log is flushed and closed.
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_gone 60 "$pid"; then
            echo "mariadb-sandbox: mariadbd $pid did not stop, killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone 5 "$pid" || die "mariadbd $pid in '$dir' survived SIGKILL"
        fi
    fi

    if [ -f "$dir/.sandbox-home" ]; then
        local home
        home=$(cat "$dir/.sandbox-home")
        case $home in
        /tmp/trailseal-my.*) ;;
        *) die "unexpected sandbox home '$home' in $dir/.sandbox-home" ;;
        esac
        rm -f "$dir/log" "$dir/run" "$dir/data"
        mkdir -p "$dir/log"
        cp -p "$home/log/"* "$dir/log/" 2>/dev/null || true
        rm -rf "$home" "$dir/.sandbox-home"
    fi
}

[ $# -ge 1 ] || usage
case $1 in
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
*) usage ;;
esac
