#!/usr/bin/env bash
# Install emkg with its test extras into .venv and run the whole test suite.
# Provides what the tests need that pip cannot: a Java runtime for HermiT (from Debian's
# packages, when `java` is missing) and Debian's Chromium for the browser tests
# (scripts/browser.sh, when /usr/bin/chromium is missing). The SPARQL servers (Oxigraph
# from PyPI, Virtuoso from Debian) are installed and started by scripts/stores.sh, which
# the integration tests call.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

if ! command -v java >/dev/null 2>&1; then
  echo "test.sh: no Java runtime found; installing Debian's default-jre-headless for HermiT" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends default-jre-headless
fi

bash scripts/browser.sh

# Playwright drives the Chromium above; it must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
exec .venv/bin/python -m pytest "$@"
