#!/usr/bin/env bash
# Install, start and stop the SPARQL servers the integration tests use, on 127.0.0.1 only.
#
#   scripts/stores.sh start [--only oxigraph|virtuoso] [--owner PID]
#   scripts/stores.sh stop
#   scripts/stores.sh status
#   scripts/stores.sh run [--only NAME] -- COMMAND [ARGS...]   (start, run, always stop)
#   scripts/stores.sh install [--only NAME]   (install only; scripts/test.sh runs it first)
#
# Oxigraph comes from PyPI (the `oxigraph` package in .venv); Virtuoso open source from
# Debian's `virtuoso-opensource` (installed with apt-get when missing and we are root).
# Each server gets a free port chosen at start, a private data folder in a fresh temporary
# work folder, and (Virtuoso) a private virtuoso.ini listening on 127.0.0.1 for SQL and HTTP,
# with ResultSetMaxRows raised and the dba password replaced at once by a generated one.
#
# What was started is written to the state file, KEY=VALUE lines, mode 600:
# ${EMKG_STORES_STATE:-.emkg/stores/state.env}. `stop` stops the servers named there and
# removes the work folder. With --owner PID a watcher stops the servers when PID exits.
#
# Exit codes: 0 ok, 1 a server failed to start (log tail printed), 2 bad usage,
# 3 a server cannot be installed on this machine (no apt-get or not root).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${EMKG_STORES_STATE:-$ROOT/.emkg/stores/state.env}"
OXIGRAPH_BIN="${EMKG_OXIGRAPH_BIN:-$ROOT/.venv/bin/oxigraph}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
READY_TRIES=120 # x 0.5 s
# EMKG_VIRTUOSO_MAX_ROWS=10000 gives the packaged cap back (to test that a cut is detected)
VIRTUOSO_MAX_ROWS="${EMKG_VIRTUOSO_MAX_ROWS:-10000000}"
case $VIRTUOSO_MAX_ROWS in '' | *[!0-9]*)
  echo "stores.sh: EMKG_VIRTUOSO_MAX_ROWS must be a number" >&2
  exit 2
  ;;
esac

log() { printf 'stores.sh: %s\n' "$*" >&2; }

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

free_port() {
  "$PYTHON" - <<'EOF'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
EOF
}

state_get() { # KEY -> value from the state file (empty when absent)
  [ -f "$STATE" ] || return 0
  sed -n "s/^$1=//p" "$STATE" | tail -n 1
}

state_put() { # KEY VALUE
  mkdir -p "$(dirname "$STATE")"
  (umask 077 && printf '%s=%s\n' "$1" "$2" >>"$STATE")
}

http_ok() { # URL -> success when the server answers at all with 2xx/3xx/4xx
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --noproxy '*' "$1" || true)
  [ -n "$code" ] && [ "$code" != "000" ] && [ "$code" -lt 500 ]
}

# Every listening TCP socket of PID must be on a loopback address.
check_loopback_only() { # NAME PID
  local bad
  bad=$(ss -Hltnp 2>/dev/null | grep "pid=$2," | awk '{print $4}' |
    grep -v -E '^(127\.[0-9.]+|\[::1\]):[0-9]+$' || true)
  if [ -n "$bad" ]; then
    log "$1 (pid $2) listens on a non-loopback address: $bad; stopping it"
    return 1
  fi
}

stop_pid() { # NAME PID [TRIES]: TERM, wait TRIES x 0.25 s (default 10 s), then KILL
  local name=$1 pid=$2 tries=${3:-40} i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < tries; i++)); do
    kill -0 "$pid" 2>/dev/null || { log "stopped $name (pid $pid)"; return 0; }
    sleep 0.25
  done
  kill -KILL "$pid" 2>/dev/null || true
  log "killed $name (pid $pid) after $((tries / 4)) s"
}

cmd_stop() {
  if [ ! -f "$STATE" ]; then
    log "nothing to stop (no state file $STATE)"
    return 0
  fi
  stop_pid watcher "$(state_get WATCHER_PID)"
  stop_pid oxigraph "$(state_get OXIGRAPH_PID)"
  # the database is thrown away with the work folder: no need to wait for a checkpoint
  stop_pid virtuoso "$(state_get VIRTUOSO_PID)" 8
  local work
  work=$(state_get WORKDIR)
  if [ -n "$work" ] && [ -d "$work" ] && [ -f "$work/.emkg-stores" ]; then
    rm -rf "$work"
  fi
  rm -f "$STATE"
}

install_virtuoso() {
  command -v virtuoso-t >/dev/null 2>&1 && command -v isql-vt >/dev/null 2>&1 && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    log "virtuoso-t is not installed and apt-get is not available"
    return 3
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      log "virtuoso-t is not installed and installing it needs root"
      return 3
    fi
  fi
  local apt=(env DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300)
  if ! apt-cache show virtuoso-opensource >/dev/null 2>&1; then
    log "apt-get update (virtuoso-opensource unknown)"
    "${apt[@]}" update -qq || { log "apt-get update failed"; return 3; }
  fi
  log "installing virtuoso-opensource from Debian"
  "${apt[@]}" install -y -qq --no-install-recommends virtuoso-opensource >&2 ||
    { log "apt-get install virtuoso-opensource failed"; return 3; }
  command -v virtuoso-t >/dev/null 2>&1 || return 3
}

start_oxigraph() { # WORK
  local work=$1 port pid i
  if [ ! -x "$OXIGRAPH_BIN" ]; then
    log "$OXIGRAPH_BIN not found: run .venv/bin/pip install -e '.[test]'"
    return 3
  fi
  port=$(free_port)
  mkdir -p "$work/oxigraph"
  # --union-default-graph: queries without GRAPH see every named graph, as on Virtuoso
  setsid "$OXIGRAPH_BIN" serve --location "$work/oxigraph/data" --bind "127.0.0.1:$port" \
    --union-default-graph \
    </dev/null >"$work/oxigraph/server.log" 2>&1 &
  pid=$!
  state_put OXIGRAPH_PID "$pid"
  for ((i = 0; i < READY_TRIES; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    if http_ok "http://127.0.0.1:$port/query?query=ASK%7B%7D"; then
      check_loopback_only oxigraph "$pid" || return 1
      state_put OXIGRAPH_PORT "$port"
      state_put OXIGRAPH_URL "http://127.0.0.1:$port"
      log "oxigraph ready on http://127.0.0.1:$port (pid $pid)"
      return 0
    fi
    sleep 0.5
  done
  log "oxigraph did not become ready; log:"
  tail -n 20 "$work/oxigraph/server.log" >&2 || true
  return 1
}

write_virtuoso_ini() { # DIR SQLPORT HTTPPORT
  local d=$1 sql=$2 http=$3
  cat >"$d/virtuoso.ini" <<EOF
; private configuration written by scripts/stores.sh; listens on 127.0.0.1 only
[Database]
DatabaseFile       = $d/virtuoso.db
ErrorLogFile       = $d/virtuoso.log
LockFile           = $d/virtuoso.lck
TransactionFile    = $d/virtuoso.trx
xa_persistent_file = $d/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = $d/virtuoso-temp.db
TransactionFile    = $d/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:$sql
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 10
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
CheckpointAuditTrail     = 0
AllowOSCalls             = 0
SchedulerInterval        = 10
DirsAllowed              = ., $d
ThreadCleanupInterval    = 0
ThreadThreshold          = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize        = 100000
SingleCPU                = 0
PrefixResultNames        = 0
RdfFreeTextRulesSize     = 100
IndexTreeMaps            = 64
MaxQueryMem              = 1G
VectorSize               = 1000
MaxVectorSize            = 1000000
AdjustVectorSize         = 0
ThreadsPerQuery          = 2
AsyncQueueMaxThreads     = 10
NumberOfBuffers          = 20000
MaxDirtyBuffers          = 15000

[HTTPServer]
ServerPort                  = 127.0.0.1:$http
ServerRoot                  = $d/vsp
MaxClientConnections        = 10
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
TempASPXDir                 = 0
ServerThreads               = 10
MaxKeepAlives               = 10
KeepAliveTimeout            = 10
MaxCachedProxyConnections   = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize              = 280000
HttpPrintWarningsInOutput   = 0
Charset                     = UTF-8
EnabledGzipContent          = 0

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[URIQA]
DynamicLocal = 0
DefaultHost  = 127.0.0.1:$http

[SPARQL]
; the packaged 10,000 cuts larger results short without telling the client
ResultSetMaxRows           = $VIRTUOSO_MAX_ROWS
MaxSortedTopRows           = $VIRTUOSO_MAX_ROWS
; 0: no "anytime" partial answers when a query runs long
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 0
DefaultQuery               = SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g
DeferInferenceRulesInit    = 0
EOF
}

isql() { # PORT PASSWORD: SQL on stdin
  isql-vt "127.0.0.1:$1" dba "$2" 2>&1
}

start_virtuoso() { # WORK
  local work=$1 d sql http pid i pw
  install_virtuoso || return $?
  d="$work/virtuoso"
  mkdir -p "$d/vsp"
  sql=$(free_port)
  http=$(free_port)
  while [ "$http" = "$sql" ]; do http=$(free_port); done
  write_virtuoso_ini "$d" "$sql" "$http"
  (cd "$d" && exec setsid virtuoso-t +configfile "$d/virtuoso.ini" +foreground \
    </dev/null >"$d/server.out" 2>&1) &
  pid=$!
  state_put VIRTUOSO_PID "$pid"
  for ((i = 0; i < READY_TRIES; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    # grep reads all of isql's output: grep -q would exit at the first match, isql would die of
    # SIGPIPE and, under pipefail, the check would fail while the server is up
    if isql "$sql" dba <<<"select 1;" | grep '^1' >/dev/null; then break; fi
    sleep 0.5
  done
  if ! kill -0 "$pid" 2>/dev/null || ((i >= READY_TRIES)); then
    log "virtuoso did not become ready; log:"
    tail -n 20 "$d/virtuoso.log" "$d/server.out" >&2 || true
    return 1
  fi
  pw="e$(openssl rand -hex 16)"
  # the new password goes through stdin, never onto a command line or into a file
  isql "$sql" dba <<<"USER_SET_PASSWORD('dba', '$pw');" >/dev/null || true
  if isql "$sql" dba <<<"select 1;" | grep '^1' >/dev/null; then
    log "the default dba password still works after SET PASSWORD"
    return 1
  fi
  state_put VIRTUOSO_SQL_PORT "$sql"
  state_put VIRTUOSO_USER dba
  state_put VIRTUOSO_PASSWORD "$pw"
  for ((i = 0; i < READY_TRIES; i++)); do
    if http_ok "http://127.0.0.1:$http/sparql?query=ASK%7B%7D"; then
      check_loopback_only virtuoso "$pid" || return 1
      state_put VIRTUOSO_HTTP_PORT "$http"
      state_put VIRTUOSO_URL "http://127.0.0.1:$http"
      log "virtuoso ready on http://127.0.0.1:$http (SQL 127.0.0.1:$sql, pid $pid)"
      return 0
    fi
    sleep 0.5
  done
  log "virtuoso's HTTP server did not answer; log:"
  tail -n 20 "$d/virtuoso.log" >&2 || true
  return 1
}

start_watcher() { # OWNER
  local owner=$1
  (
    trap '' INT
    while kill -0 "$owner" 2>/dev/null; do sleep 2; done
    EMKG_STORES_STATE="$STATE" "$0" stop >/dev/null 2>&1 || true
  ) </dev/null >/dev/null 2>&1 &
  state_put WATCHER_PID "$!"
}

cmd_start() {
  local only="" owner=""
  while [ $# -gt 0 ]; do
    case $1 in
    --only) only=${2:-}; shift 2 ;;
    --owner) owner=${2:-}; shift 2 ;;
    *) usage ;;
    esac
  done
  case $only in "" | oxigraph | virtuoso) ;; *) usage ;; esac
  if [ -f "$STATE" ] && [ -n "$(state_get WORKDIR)" ]; then
    log "servers from an earlier start are recorded in $STATE; stopping them first"
    cmd_stop
  fi
  local work rc=0
  work=$(mktemp -d "${TMPDIR:-/tmp}/emkg-stores.XXXXXX")
  touch "$work/.emkg-stores"
  mkdir -p "$(dirname "$STATE")"
  : >"$STATE"
  chmod 600 "$STATE"
  state_put WORKDIR "$work"
  # a start that fails or is interrupted halfway stops what it started
  trap 'rc=$?; trap - ERR INT TERM; log "start failed; stopping"; cmd_stop; exit $((rc ? rc : 1))' ERR INT TERM
  if [ -n "$owner" ]; then start_watcher "$owner"; fi
  if [ -z "$only" ] || [ "$only" = oxigraph ]; then start_oxigraph "$work" || rc=$?; fi
  if [ "$rc" = 0 ] && { [ -z "$only" ] || [ "$only" = virtuoso ]; }; then
    start_virtuoso "$work" || rc=$?
  fi
  trap - ERR INT TERM
  if [ "$rc" != 0 ]; then
    cmd_stop
    exit "$rc"
  fi
  state_put READY 1
  log "state written to $STATE"
}

cmd_status() {
  [ -f "$STATE" ] || { log "not started"; return 1; }
  grep -v '^VIRTUOSO_PASSWORD=' "$STATE"
  local name pid ok=0
  for name in OXIGRAPH VIRTUOSO; do
    pid=$(state_get "${name}_PID")
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null; then log "$name running (pid $pid)"; else
      log "$name NOT running (pid $pid)"
      ok=1
    fi
  done
  return $ok
}

cmd_run() {
  local start_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do start_args+=("$1"); shift; done
  [ $# -gt 0 ] || usage
  shift
  [ $# -gt 0 ] || usage
  trap 'cmd_stop' EXIT
  trap 'exit 130' INT TERM
  cmd_start "${start_args[@]}"
  set +e
  "$@"
  local rc=$?
  set -e
  return $rc
}

cmd_install() {
  local only=""
  while [ $# -gt 0 ]; do
    case $1 in
    --only) only=${2:-}; shift 2 ;;
    *) usage ;;
    esac
  done
  case $only in "" | oxigraph | virtuoso) ;; *) usage ;; esac
  if [ -z "$only" ] || [ "$only" = oxigraph ]; then
    if [ ! -x "$OXIGRAPH_BIN" ]; then
      log "$OXIGRAPH_BIN not found: run .venv/bin/pip install -e '.[test]'"
      return 3
    fi
  fi
  if [ -z "$only" ] || [ "$only" = virtuoso ]; then
    install_virtuoso || return $?
    log "virtuoso-t is installed ($(command -v virtuoso-t))"
  fi
}

case ${1:-} in
start) shift; cmd_start "$@" ;;
install) shift; cmd_install "$@" ;;
stop) cmd_stop ;;
status) cmd_status ;;
run) shift; cmd_run "$@" ;;
*) usage ;;
esac
