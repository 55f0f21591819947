#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL 15 + pgAudit server for the demo and
# the end-to-end tests. It listens on 127.0.0.1:PORT (scram-sha-256 passwords
# over TCP) and on a private unix socket (trust, superuser "postgres" only),
# and logs to DIR/log/postgresql.log with the prefix in DIR/sandbox.env.
#
#   scripts/pg-sandbox.sh start DIR PORT [postgresql.conf line]...
#   scripts/pg-sandbox.sh stop DIR
#
# start writes DIR/sandbox.env (PGSANDBOX_SOCKET, PGSANDBOX_PORT,
# PGSANDBOX_LOG, PGSANDBOX_PREFIX) for callers to source. Prints nothing but
# errors. As root, the server runs as the "postgres" OS user; when DIR is not
# reachable by that user (a parent such as /root is private) or its socket
# path would be too long, the cluster lives in a private directory under /tmp
# that stop removes after copying the log back into DIR/log.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
LOG_LINE_PREFIX='%m [%p] %q%u@%d/%a %r %c %e '

die() {
    echo "pg-sandbox: $*" >&2
    exit 1
}

usage() {
    echo "usage: pg-sandbox.sh start DIR PORT [postgresql.conf line]..." >&2
    echo "       pg-sandbox.sh stop DIR" >&2
    exit 2
}

# as_pg CMD...: runs CMD as the server's OS user.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
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
    [ -x "$PG_BIN/postgres" ] ||
        die "PostgreSQL 15 not found in $PG_BIN (run scripts/deps.sh)"
    [ -f /usr/lib/postgresql/15/lib/pgaudit.so ] ||
        die "pgAudit for PostgreSQL 15 not found (run scripts/deps.sh)"
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        die "running as root needs the 'postgres' OS user (run scripts/deps.sh)"
    fi
    if port_in_use "$port"; then
        die "port $port on 127.0.0.1 is already in use"
    fi

    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ! -e "$dir/data" ] && [ ! -e "$dir/sandbox.env" ] ||
        die "'$dir' already holds a sandbox (stop it and remove the directory)"

    # Where the cluster really lives: DIR itself when the server's user can
    # reach it and the socket path fits in sun_path (107 bytes), else /tmp.
    local home=$dir
    if [ "$(id -u)" -eq 0 ]; then
        chmod 755 "$dir"
        if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
            home=
        fi
    fi
    if [ -n "$home" ] && [ $((${#home} + ${#port} + 16)) -gt 100 ]; then
        home=
    fi
    if [ -z "$home" ]; then
        home=$(mktemp -d /tmp/trailseal-pg.XXXXXX)
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
        chown postgres: "$home/data" "$home/run" "$home/log"
    fi

    if ! as_pg "$PG_BIN/initdb" -D "$home/data" -U postgres -E UTF8 \
        --locale=C --no-sync --auth-local=trust --auth-host=scram-sha-256 \
        >"$dir/initdb.out" 2>&1; then
        cat "$dir/initdb.out" >&2
        die "initdb failed in $home/data"
    fi

    as_pg tee -a "$home/data/postgresql.conf" >/dev/null <<EOF

# --- trailseal sandbox ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$home/run'
max_connections = 20
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
shared_preload_libraries = 'pgaudit'
log_destination = 'stderr'
logging_collector = on
log_directory = '$home/log'
log_filename = 'postgresql.log'
log_file_mode = 0644
log_rotation_age = 0
log_rotation_size = 0
log_line_prefix = '$LOG_LINE_PREFIX'
log_timezone = 'UTC'
log_connections = on
log_disconnections = on
pgaudit.log = 'read,write,ddl,role,misc'
pgaudit.log_catalog = off
pgaudit.log_parameter = on
pgaudit.log_relation = on
EOF
    local line
    for line in "$@"; do
        printf '%s\n' "$line" | as_pg tee -a "$home/data/postgresql.conf" >/dev/null
    done

    as_pg tee "$home/data/pg_hba.conf" >/dev/null <<'EOF'
# trailseal sandbox: the superuser over the private socket, passwords on TCP.
# TYPE  DATABASE  USER      ADDRESS       METHOD
local   all       postgres                trust
host    all       all       127.0.0.1/32  scram-sha-256
EOF

    cat >"$dir/sandbox.env" <<EOF
PGSANDBOX_SOCKET='$home/run'
PGSANDBOX_PORT='$port'
PGSANDBOX_LOG='$dir/log/postgresql.log'
PGSANDBOX_PREFIX='$LOG_LINE_PREFIX'
EOF

    if ! as_pg "$PG_BIN/pg_ctl" -D "$home/data" -l "$home/log/startup.log" \
        -w -t 60 -s start >/dev/null 2>"$dir/pg_ctl.err"; then
        cat "$dir/pg_ctl.err" >&2
        tail -n 20 "$home/log/startup.log" "$home/log/postgresql.log" >&2 2>/dev/null || true
        die "PostgreSQL did not start in $dir (port $port)"
    fi
}

# children PID: the pids of PID's direct children.
children() {
    ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true
}

# wait_gone SECONDS PID...: waits until none of the PIDs is running.
wait_gone() {
    local deadline=$((SECONDS + $1)) p alive
    shift
    while :; do
        alive=
        for p in "$@"; do
            # A zombie has exited; whoever adopted it reaps it when it likes.
            case $(ps -o stat= -p "$p" 2>/dev/null || true) in
            '' | Z*) ;;
            *) alive=1 ;;
            esac
        done
        [ -z "$alive" ] && return 0
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    local dir=$1
    [ -d "$dir/data" ] || die "no sandbox in '$dir'"
    dir=$(cd "$dir" && pwd)
    local data
    data=$(cd "$dir/data" && pwd -P)

    local pm_pid=
    if [ -f "$data/postmaster.pid" ]; then
        pm_pid=$(head -n 1 "$data/postmaster.pid")
    fi
    if [ -n "$pm_pid" ] && kill -0 "$pm_pid" 2>/dev/null; then
        # The logging collector outlives the postmaster by a moment: wait for
        # every child so the log is complete when stop returns.
        local kids
        kids=$(children "$pm_pid")
        if ! as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 30 -s stop \
            >/dev/null 2>"$dir/pg_ctl.err"; then
            echo "pg-sandbox: pg_ctl stop failed, killing postmaster $pm_pid" >&2
            kill -KILL "$pm_pid" 2>/dev/null || true
        fi
        # shellcheck disable=SC2086
        if ! wait_gone 30 "$pm_pid" $kids; then
            # shellcheck disable=SC2086
            kill -KILL "$pm_pid" $kids 2>/dev/null || true
            # shellcheck disable=SC2086
            wait_gone 5 "$pm_pid" $kids || die "server processes in '$dir' survived SIGKILL"
        fi
    fi

    if [ -f "$dir/.sandbox-home" ]; then
        local home
        home=$(cat "$dir/.sandbox-home")
        case $home in
        /tmp/trailseal-pg.*) ;;
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
