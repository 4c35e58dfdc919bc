#!/usr/bin/env bash
# Install emkg with its test extras into .venv and run the whole test suite.
# Provides what the tests need that pip cannot: a Java runtime for HermiT (from Debian's
# packages, when `java` is missing) and Debian's Chromium for the browser tests
# (scripts/browser.sh, when /usr/bin/chromium is missing), and Virtuoso from Debian
# (scripts/stores.sh install), all before the first test runs. The SPARQL servers (Oxigraph
# from PyPI, Virtuoso) are started by scripts/stores.sh, which the integration tests call.
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

# The SPARQL servers the integration tests start: installed here, before the first test that
# needs one (Virtuoso from Debian; exit 3 means this machine cannot install it: no apt-get or
# not root, and the tests that need it then say so).
rc=0
bash scripts/stores.sh install || rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
  echo "test.sh: scripts/stores.sh install failed ($rc)" >&2
  exit "$rc"
fi

# Playwright drives the Chromium above; it must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Two workers per core (pytest-xdist): many tests wait on servers, subprocesses and Chromium,
# so a second worker per core uses the time the first spends waiting. Each test file runs whole
# on one worker, so a file's module fixtures (built releases, engines, servers) are made once.
# Files are handed out in the order tests/conftest.py gives (those with a `slow` test first),
# not re-sorted by xdist. A later `-n` wins: `-n 0` runs in one process.
workers=$((2 * $(nproc)))
exec .venv/bin/python -m pytest -n "$workers" --dist loadfile --no-loadscope-reorder "$@"
