#!/usr/bin/env bash
# Installs what the browser tests need when missing: Debian's chromium and chromium-driver
# (as root) and Selenium from PyPI. Nothing else is downloaded: Selenium is pointed at the
# system browser and driver.
set -euo pipefail

log() { printf '[browser-deps] %s\n' "$*" >&2; }

if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    if [[ $(id -u) -eq 0 ]]; then
        log "installing chromium chromium-driver (apt)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium chromium-driver
    else
        log "chromium or chromium-driver missing (not root, not installing): sudo apt-get install chromium chromium-driver"
        exit 1
    fi
fi
if ! python3 -c "import selenium" 2>/dev/null; then
    log "installing selenium (pip)"
    python3 -m pip install --quiet --disable-pip-version-check selenium
fi
