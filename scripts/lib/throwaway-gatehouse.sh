# shellcheck shell=bash
# A throwaway Gatehouse for scripts that drive the real server from outside (schemathesis, the
# generated Python client, browser tests, Stripe's Python library). Source this file; do not run it.
#
#   source scripts/lib/throwaway-gatehouse.sh
#   throwaway_gatehouse_start            # extra VAR=value words are added to the server's environment
#   curl "$GATEHOUSE_URL/health/ready"
#   ...                                  # server, then cluster, stopped and deleted on EXIT/INT/TERM
#
# Starts a throwaway PostgreSQL (scripts/lib/throwaway-postgres.sh), migrates it, creates a
# master key, and serves the built binary on a free port with PUBLIC_URL set to it (the port is
# read back from the server's "listening on" log line). Cheap Argon2, mail to files.
#
# Exports: GATEHOUSE_URL, GATEHOUSE_MASTER_KEY, GATEHOUSE_MAIL_DIR (one .eml per mail),
# GATEHOUSE_WORK (scratch folder, deleted on exit; server.log is there), GATEHOUSE_BIN_PATH,
# and what throwaway_pg_start exports (DATABASE_URL, …).
# Knobs: GATEHOUSE_BIN (default: `swift build --show-bin-path`/gatehouse; build first), SWIFTPM_ARGS,
# THROWAWAY_GATEHOUSE_LOG_PREFIX (default "[gatehouse]").

# shellcheck source=scripts/lib/throwaway-postgres.sh
source "$(dirname "${BASH_SOURCE[0]}")/throwaway-postgres.sh"

_tg_server_pid=""
_tg_work=""

_tg_log() { printf '%s %s\n' "${THROWAWAY_GATEHOUSE_LOG_PREFIX:-[gatehouse]}" "$*" >&2; }

throwaway_gatehouse_stop() {
    if [[ -n "$_tg_server_pid" ]] && kill -0 "$_tg_server_pid" 2>/dev/null; then
        kill -TERM "$_tg_server_pid" 2>/dev/null || true
        wait "$_tg_server_pid" 2>/dev/null || true
    fi
    _tg_server_pid=""
    throwaway_pg_stop
    if [[ -n "$_tg_work" ]]; then
        rm -rf "$_tg_work"
        _tg_work=""
    fi
}

throwaway_gatehouse_start() {
    local repo_root gatehouse port
    repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    if [[ -n "${GATEHOUSE_BIN:-}" ]]; then
        gatehouse="$GATEHOUSE_BIN"
    else
        local -a swiftpm_args
        read -r -a swiftpm_args <<<"${SWIFTPM_ARGS:-}"
        gatehouse="$(cd "$repo_root" && swift build --show-bin-path "${swiftpm_args[@]}")/gatehouse"
    fi
    if [[ ! -x "$gatehouse" ]]; then
        _tg_log "no gatehouse binary at $gatehouse (build first)"
        return 1
    fi

    THROWAWAY_PG_NO_TRAP=1
    THROWAWAY_PG_LOG_PREFIX="${THROWAWAY_GATEHOUSE_LOG_PREFIX:-[gatehouse]}"
    trap throwaway_gatehouse_stop EXIT
    trap 'throwaway_gatehouse_stop; exit 130' INT
    trap 'throwaway_gatehouse_stop; exit 143' TERM
    # shellcheck disable=SC2119
    throwaway_pg_start

    _tg_work="$(mktemp -d /tmp/gatehouse-throwaway.XXXXXX)"
    export GATEHOUSE_WORK="$_tg_work"
    export GATEHOUSE_MAIL_DIR="$_tg_work/mail"
    export GATEHOUSE_BIN_PATH="$gatehouse"
    mkdir -p "$GATEHOUSE_MAIL_DIR"
    export KEY_PEPPER="${KEY_PEPPER:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}"
    export JWT_SIGNING_KEY="${JWT_SIGNING_KEY:-$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')}"
    export MIGRATIONS_DIR="$repo_root/sql/migrations"
    export OPENAPI_SPEC="$repo_root/openapi.yaml"

    if ! "$gatehouse" migrate >"$_tg_work/migrate.log" 2>&1; then
        cat "$_tg_work/migrate.log" >&2
        return 1
    fi
    GATEHOUSE_MASTER_KEY="$("$gatehouse" admin create-master-key --name throwaway 2>>"$_tg_work/migrate.log" | tail -n 1)"
    export GATEHOUSE_MASTER_KEY

    # PUBLIC_URL must name the real port: mail links and the built-in Stripe simulator's address
    # (STRIPE_API_BASE defaults to PUBLIC_URL/stripe-sim) are built from it, so the port is picked
    # here rather than by the kernel at bind time.
    local public_port
    public_port="$(throwaway_pg_free_port)"
    env HOST=127.0.0.1 PORT="$public_port" PUBLIC_URL="http://127.0.0.1:$public_port" \
        LOG_FORMAT=json LOG_LEVEL="${LOG_LEVEL:-info}" \
        MAIL_TRANSPORT="file:$GATEHOUSE_MAIL_DIR" \
        ARGON2_MEMORY_KIB=1024 ARGON2_ITERATIONS=1 \
        "$@" \
        "$gatehouse" serve >"$_tg_work/server.log" 2>&1 &
    _tg_server_pid=$!

    port=""
    for _ in $(seq 1 600); do
        # The background shell may not have created the log yet: a missing file is "not yet"
        # (under `set -e -o pipefail` a failing sed would end the caller's script).
        port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$_tg_work/server.log" 2>/dev/null | head -n 1 || true)"
        [[ -n "$port" ]] && break
        kill -0 "$_tg_server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$port" ]]; then
        _tg_log "the server did not start:"
        cat "$_tg_work/server.log" >&2
        return 1
    fi
    export GATEHOUSE_URL="http://127.0.0.1:$port"
    _tg_log "Gatehouse on $GATEHOUSE_URL (log: $_tg_work/server.log)"
}
