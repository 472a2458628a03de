# shellcheck shell=bash
# A throwaway PostgreSQL cluster for development and tests. Source this file; do not run it.
#
#   source scripts/lib/throwaway-postgres.sh
#   throwaway_pg_start            # or: throwaway_pg_start --in-var  (cluster under ./var/)
#   psql "$DATABASE_URL" -c 'select 1'
#   ...                           # the cluster is stopped and deleted on EXIT, INT and TERM
#
# What it creates (all names fixed, they are what the migrations and tests expect):
#   superuser   postgres          (bootstrap superuser, trust auth, no password needed)
#   role        gatehouse_owner   LOGIN CREATEROLE, owns database `gatehouse`, runs migrations
#   role        gatehouse_app     LOGIN NOSUPERUSER NOBYPASSRLS, owns nothing (the server's role)
#   database    gatehouse         owner gatehouse_owner
#
# What it exports after a successful start:
#   DATABASE_URL                  postgres://gatehouse_app:…@127.0.0.1:PORT/gatehouse?sslmode=disable
#   MIGRATION_DATABASE_URL        postgres://gatehouse_owner:…@127.0.0.1:PORT/gatehouse?sslmode=disable
#   TEST_DATABASE_URL             = DATABASE_URL
#   TEST_MIGRATION_DATABASE_URL   = MIGRATION_DATABASE_URL
#   TEST_ADMIN_DATABASE_URL       postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
#   THROWAWAY_PG_PORT, THROWAWAY_PG_DIR, THROWAWAY_PG_SOCKET_DIR, THROWAWAY_PG_BINDIR (for
#   information only: stopping uses private state, so a child process or a nested script that
#   inherits these variables can never stop a cluster it did not start)
#
# Knobs (environment, all optional):
#   THROWAWAY_PG_BINDIR       directory holding initdb/pg_ctl (default: newest /usr/lib/postgresql/*/bin)
#   THROWAWAY_PG_IN_VAR=1     same as --in-var: put the cluster under <repo>/var/ instead of mktemp
#   THROWAWAY_PG_KEEP=1       on stop, keep the folder (logs, data) for a post-mortem
#   THROWAWAY_PG_DURABLE=1    keep fsync/synchronous_commit on (for benchmarks)
#   THROWAWAY_PG_NO_TRAP=1    do not install traps; the caller calls throwaway_pg_stop itself
#   THROWAWAY_PG_LOG_PREFIX   prefix of this library's messages (default "[pg]")
#
# Works under `set -euo pipefail`. Call throwaway_pg_start directly, not in `$(…)`: it exports.

# Passwords are not checked (trust auth on a loopback-only cluster), but they are put in the URLs
# so the server's URL handling sees the same shape as in production.
THROWAWAY_PG_OWNER_PASSWORD="${THROWAWAY_PG_OWNER_PASSWORD:-gatehouse_owner}"
THROWAWAY_PG_APP_PASSWORD="${THROWAWAY_PG_APP_PASSWORD:-gatehouse_app}"

# Private state of the cluster this shell started (deliberately not exported).
_tp_dir=""
_tp_sockdir=""
_tp_bindir=""
_tp_port=""
_tp_owner_pid=""

_tp_log() { printf '%s %s\n' "${THROWAWAY_PG_LOG_PREFIX:-[pg]}" "$*" >&2; }

# Runs a command as the OS user that owns the cluster: `postgres` when we are root (initdb and
# postgres refuse to run as root), otherwise ourselves.
_tp_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        # cd /: the postgres user may not be allowed into the caller's directory (e.g. /root).
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Prints the newest PostgreSQL bin directory that has initdb, pg_ctl and postgres.
throwaway_pg_find_bindir() {
    if [[ -n "${THROWAWAY_PG_BINDIR:-}" ]]; then
        if [[ -x "$THROWAWAY_PG_BINDIR/initdb" ]]; then
            printf '%s\n' "$THROWAWAY_PG_BINDIR"
            return 0
        fi
        _tp_log "THROWAWAY_PG_BINDIR=$THROWAWAY_PG_BINDIR has no initdb"
        return 1
    fi
    local dir best=""
    # sort -V so that 9.6 < 10 < 15 < 16.
    while IFS= read -r dir; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
            best="$dir"
        fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    if [[ -z "$best" ]] && command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        [[ -n "$dir" && -x "$dir/initdb" ]] && best="$dir"
    fi
    if [[ -z "$best" ]] && command -v initdb >/dev/null 2>&1; then
        best="$(dirname "$(command -v initdb)")"
    fi
    if [[ -z "$best" ]]; then
        _tp_log "no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin, pg_config, PATH);"
        _tp_log "install them, e.g. apt-get install postgresql"
        return 1
    fi
    printf '%s\n' "$best"
}

# Prints a TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it).
throwaway_pg_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    # No python3: try random high ports until one refuses connections.
    local port _
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    _tp_log "could not find a free port"
    return 1
}

_tp_repo_root() {
    local here
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    printf '%s\n' "$here"
}

# Stops the cluster and deletes its folder. Safe to call more than once, and before a start.
throwaway_pg_stop() {
    local dir="$_tp_dir" bindir="$_tp_bindir" sockdir="$_tp_sockdir"
    [[ -n "$dir" ]] || return 0
    # Only the shell that started the cluster stops it, not a subshell that copied our variables.
    [[ "$_tp_owner_pid" == "${BASHPID:-$$}" ]] || return 0
    _tp_dir=""
    _tp_sockdir=""
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        _tp_log "stopping PostgreSQL (port ${_tp_port:-?})"
        if ! _tp_as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m fast -w -t 30 >/dev/null 2>&1; then
            _tp_log "fast shutdown failed; using immediate shutdown"
            _tp_as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -w -t 10 >/dev/null 2>&1 || true
        fi
        # Last resort: the postmaster pid is the first line of postmaster.pid.
        if [[ -f "$dir/data/postmaster.pid" ]]; then
            local pid
            pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
            if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
                _tp_log "killing postmaster $pid"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
    fi
    if [[ "${THROWAWAY_PG_KEEP:-0}" == 1 ]]; then
        _tp_log "kept $dir (THROWAWAY_PG_KEEP=1); log: $dir/postgres.log"
    else
        rm -rf -- "$dir"
    fi
    if [[ -n "$sockdir" && "$sockdir" != "$dir"/* ]]; then
        rm -rf -- "$sockdir"
    fi
}

# EXIT runs the stop; INT and TERM stop and then exit with the usual 128+signal status
# (the EXIT trap then finds nothing left to do).
throwaway_pg_install_traps() {
    trap 'throwaway_pg_stop' EXIT
    trap 'throwaway_pg_stop; trap - EXIT; exit 130' INT
    trap 'throwaway_pg_stop; trap - EXIT; exit 143' TERM
}

_tp_psql_admin() {
    "$_tp_bindir/psql" -X -q -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$_tp_port" -U postgres -d postgres "$@"
}

# Creates, starts and fills the cluster, then exports the URLs. Options: --in-var.
throwaway_pg_start() {
    local in_var="${THROWAWAY_PG_IN_VAR:-0}"
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --in-var) in_var=1 ;;
            *) _tp_log "throwaway_pg_start: unknown option $1"; return 2 ;;
        esac
        shift
    done
    if [[ -n "$_tp_dir" ]]; then
        _tp_log "a throwaway cluster is already running in $_tp_dir"
        return 1
    fi

    _tp_bindir="$(throwaway_pg_find_bindir)" || return 1
    export THROWAWAY_PG_BINDIR="$_tp_bindir"
    local version
    version="$("$_tp_bindir/postgres" --version 2>/dev/null || echo "PostgreSQL ?")"

    [[ "${THROWAWAY_PG_NO_TRAP:-0}" == 1 ]] || throwaway_pg_install_traps

    local dir
    if [[ "$in_var" == 1 ]]; then
        local root
        root="$(_tp_repo_root)"
        mkdir -p "$root/var" || return 1
        dir="$(mktemp -d "$root/var/pg.XXXXXX")" || return 1
    else
        dir="$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-pg.XXXXXX")" || return 1
    fi
    _tp_dir="$dir"
    _tp_owner_pid="${BASHPID:-$$}"
    export THROWAWAY_PG_DIR="$dir"
    mkdir -p "$dir/data" || return 1

    # Unix socket paths are limited to ~107 bytes; a deep repo path under var/ can exceed that.
    local sockdir="$dir/sock"
    if (( ${#sockdir} > 80 )); then
        sockdir="$(mktemp -d /tmp/gh-pgsock.XXXXXX)" || return 1
    else
        mkdir -p "$sockdir" || return 1
    fi
    _tp_sockdir="$sockdir"
    export THROWAWAY_PG_SOCKET_DIR="$sockdir"

    if [[ $(id -u) -eq 0 ]]; then
        if ! id postgres >/dev/null 2>&1; then
            _tp_log "running as root but there is no 'postgres' OS user to own the cluster"
            return 1
        fi
        chown -R postgres: "$dir" "$sockdir" || return 1
        if ! runuser -u postgres -- test -w "$dir/data"; then
            _tp_log "the postgres OS user cannot reach $dir (a parent folder is not searchable)"
            return 1
        fi
    fi

    _tp_log "initdb ($version) in $dir"
    # -N: skip fsync of the new files; the cluster is thrown away.
    if ! _tp_as_owner "$_tp_bindir/initdb" -D "$dir/data" -U postgres --auth=trust \
            --encoding=UTF8 --no-locale -N >"$dir/initdb.log" 2>&1; then
        _tp_log "initdb failed:"
        sed 's/^/    /' "$dir/initdb.log" >&2
        return 1
    fi

    # fsync/synchronous_commit/full_page_writes off: fast and unsafe on a crash, which does not
    # matter for a cluster that is deleted when we exit. Never use these settings for real data.
    # THROWAWAY_PG_DURABLE=1 keeps the server defaults (benchmarks must pay for real commits).
    local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [[ "${THROWAWAY_PG_DURABLE:-0}" == 1 ]] && durability=""
    local attempt port started=0
    for attempt in 1 2 3; do
        port="$(throwaway_pg_free_port)" || return 1
        if _tp_as_owner "$_tp_bindir/pg_ctl" start -w -t 60 -D "$dir/data" -l "$dir/postgres.log" \
                -o "-c listen_addresses=127.0.0.1 -p $port -k $sockdir $durability -c max_connections=500" \
                >/dev/null 2>&1; then
            started=1
            break
        fi
        # Most likely someone took the port between our check and the bind; try another.
        _tp_log "start on port $port failed (attempt $attempt)"
    done
    if [[ $started != 1 ]]; then
        _tp_log "PostgreSQL did not start; last lines of its log:"
        tail -n 20 "$dir/postgres.log" 2>/dev/null | sed 's/^/    /' >&2
        return 1
    fi
    _tp_port="$port"
    export THROWAWAY_PG_PORT="$port"

    # `|| return 1` everywhere: set -e does not apply when the caller writes `throwaway_pg_start || …`.
    _tp_psql_admin -v owner_password="$THROWAWAY_PG_OWNER_PASSWORD" \
        -v app_password="$THROWAWAY_PG_APP_PASSWORD" <<'SQL' || return 1
CREATE ROLE gatehouse_owner LOGIN CREATEROLE NOSUPERUSER NOCREATEDB PASSWORD :'owner_password';
CREATE ROLE gatehouse_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE DATABASE gatehouse OWNER gatehouse_owner ENCODING 'UTF8' TEMPLATE template0;
SQL

    local base="127.0.0.1:$port"
    export DATABASE_URL="postgres://gatehouse_app:${THROWAWAY_PG_APP_PASSWORD}@$base/gatehouse?sslmode=disable"
    export MIGRATION_DATABASE_URL="postgres://gatehouse_owner:${THROWAWAY_PG_OWNER_PASSWORD}@$base/gatehouse?sslmode=disable"
    export TEST_DATABASE_URL="$DATABASE_URL"
    export TEST_MIGRATION_DATABASE_URL="$MIGRATION_DATABASE_URL"
    export TEST_ADMIN_DATABASE_URL="postgres://postgres@$base/postgres?sslmode=disable"
    _tp_log "PostgreSQL ready on 127.0.0.1:$port (socket dir $sockdir)"
}
