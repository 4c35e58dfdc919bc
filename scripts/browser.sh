#!/usr/bin/env bash
# Install the browser the browser tests drive: Debian's `chromium` at /usr/bin/chromium.
#
#   scripts/browser.sh            install chromium with apt-get when /usr/bin/chromium is missing
#
# The tests launch it through Playwright (from PyPI, in the test extras) with
# executable_path=/usr/bin/chromium; Playwright's own browser download is never used
# (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 is exported by scripts/test.sh as a guard).
# Playwright speaks to Chromium over its DevTools pipe, so no chromedriver is needed.
# EMKG_CHROMIUM names another Chromium binary (then nothing is installed).
#
# Exit codes: 0 chromium is ready, 3 it is missing and cannot be installed here
# (no apt-get, or neither root nor sudo).
set -euo pipefail

CHROMIUM="${EMKG_CHROMIUM:-/usr/bin/chromium}"
log() { printf 'browser.sh: %s\n' "$*" >&2; }

if [ ! -x "$CHROMIUM" ]; then
  if [ -n "${EMKG_CHROMIUM:-}" ]; then
    log "EMKG_CHROMIUM=$CHROMIUM is not an executable file"
    exit 3
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "$CHROMIUM is missing and there is no apt-get: install Chromium and set EMKG_CHROMIUM"
    exit 3
  fi
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    log "$CHROMIUM is missing; run as root (or with sudo): apt-get install chromium"
    exit 3
  fi
  log "installing Debian's chromium for the browser tests"
  APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
  "${APT[@]}" update -qq
  "${APT[@]}" install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi

# A binary that cannot start (missing libraries) fails here, not in the middle of a test.
if ! version="$("$CHROMIUM" --headless --no-sandbox --version 2>/dev/null)"; then
  log "$CHROMIUM does not start: $("$CHROMIUM" --headless --no-sandbox --version 2>&1 | tail -n 3)"
  exit 3
fi
log "$version at $CHROMIUM"
