"""emkg serve: a read-only endpoint on loopback with a query page, a time limit and guards.

The server tests run ``python -m emkg serve`` as a child process (in a session of its own)
on a small release, talk to it over HTTP, and stop it with SIGINT as Ctrl-C would; then no
process of its session (its Oxigraph back ends) may be left, and whatever a failed test
left is killed with the session. The time-limit test measures the CPU time of the server's
processes (from /proc) while a cross-product query runs and after its client gave up. The
page test (test_the_page_runs_a_saved_question_in_chromium, below) drives the page in
Chromium.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

import emkg.serve
from emkg.errors import RemoteError, UsageError
from emkg.serve import banner, choose_port, is_loopback, start_server
from emkg.serving.backends import BackendPool
from emkg.serving.guard import refusal
from releases import copy_release

ROOT = Path(__file__).resolve().parents[1]
GRAPH = "https://w3id.org/emkg/graph/ontology"
NQUADS = (
    "".join(f'<urn:emkg:test:s{i}> <urn:emkg:test:p> "v{i}" <{GRAPH}> .\n' for i in range(6))
    + f"_:a <http://www.w3.org/ns/oa#hasBody> <urn:emkg:test:s0> <{GRAPH}> .\n"
).encode()


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("localhost")
    assert is_loopback("::1")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("192.168.1.10")


def test_a_busy_port_is_a_usage_error_and_port_0_picks_a_free_one() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        busy = sock.getsockname()[1]
        with pytest.raises(UsageError, match="choose another --port"):
            choose_port("127.0.0.1", busy)
    assert choose_port("127.0.0.1", 0) > 0


def test_a_port_out_of_range_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not a TCP port"):
        choose_port("127.0.0.1", 99999)


def _emkg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emkg", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_port_99999_exits_2_without_a_traceback() -> None:
    res = _emkg("serve", "--port", "99999")
    assert res.returncode == 2, res.stderr
    assert "not a TCP port" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


def test_a_non_loopback_host_needs_expose() -> None:
    res = _emkg("serve", "--host", "0.0.0.0", "--port", "0")
    assert res.returncode == 2, res.stderr
    assert "reachable from other machines" in res.stderr
    assert "--expose" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


@pytest.mark.parametrize("seconds", ["0", "-1", "nan", "100000"])
def test_a_query_timeout_out_of_range_exits_2(seconds: str) -> None:
    res = _emkg("serve", "--port", "0", "--query-timeout", seconds)
    assert res.returncode == 2, res.stderr
    assert "--query-timeout" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


REFUSED = [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } VALUES ?endpoint { <http://x.org/> } }",
    # a triple pattern ending in the empty prefixed name ':' followed by the keyword
    "PREFIX : <urn:x:> SELECT * WHERE { ?s ?p : SERVICE <http://example.org/q> { ?a ?b ?c } }",
    "SELECT * WHERE {SERVICE<http://example.org/q>{?s ?p ?o}}",
    # SPARQL's code point escapes may spell a keyword outside strings
    "SELECT * WHERE { \\u0053ERVICE <http://example.org/q> { ?s ?p ?o } }",
]
ALLOWED = [
    'SELECT ?s WHERE { ?s ?p "SERVICE" }',
    "SELECT ?s WHERE { ?s ?p <http://example.org/SERVICE> }",
    "SELECT ?service WHERE { ?service ?p ?o } # SERVICE in a comment",
    "PREFIX ex: <urn:x:> SELECT ?s WHERE { ?s ex:SERVICE ?o }",
    "PREFIX : <urn:x:> SELECT ?s WHERE { ?s :SERVICE ?o }",
    "SELECT ?s WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
]


@pytest.mark.parametrize("query", REFUSED)
def test_service_is_refused(query: str) -> None:
    assert refusal(query) is not None


@pytest.mark.parametrize("query", ALLOWED)
def test_the_word_service_elsewhere_is_not_refused(query: str) -> None:
    assert refusal(query) is None


def test_banner_shows_the_url_and_commands_to_try(tmp_path: Path) -> None:
    text = banner("http://127.0.0.1:7878/", tmp_path / "emkg.nq")
    assert "http://127.0.0.1:7878/query" in text
    assert "curl -s http://127.0.0.1:7878/query" in text
    assert "Ctrl-C" in text
    if list((ROOT / "queries" / "cq").glob("*.rq")):
        assert "emkg query cq01 --endpoint http://127.0.0.1:7878/query" in text


def _listening(port: int) -> list[str]:
    """Local addresses with a TCP socket listening on ``port`` (from /proc/net)."""
    found = []
    for name, width in (("tcp", 8), ("tcp6", 32)):
        path = Path("/proc/net") / name
        if not path.is_file():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            addr, hexport = fields[1].split(":")
            if fields[3] == "0A" and int(hexport, 16) == port and len(addr) == width:
                found.append(addr)
    return found


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str
    lines: list[str]


def _read_lines(proc: subprocess.Popen[str], out: queue.Queue[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        out.put(line.rstrip("\n"))


def _start(
    tmp_path: Path,
    *extra: str,
    nquads: bytes | None = NQUADS,
    dist: Path | None = None,
    release: Path | None = None,
) -> Served:
    if dist is None:
        dist = tmp_path / "dist"
        dist.mkdir(exist_ok=True)
        (dist / "emkg.nq").write_bytes(nquads or b"")
    where = ["--release", str(release)] if release is not None else ["--dist", str(dist)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "emkg", "serve", "--port", "0", *where, *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,  # its back ends share its process group: killed with it
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(proc, lines), daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if "Ctrl-C stops the server" in line:
            match = re.search(r"read-only at (http://\S+/)", "\n".join(seen))
            if match:
                return Served(proc, match.group(1), seen)
            break
    _kill_session(proc)
    pytest.fail("emkg serve did not start within 60 s:\n" + "\n".join(seen))


def _session(sid: int) -> list[int]:
    """Live processes (not zombies) of session ``sid``, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:  # state, session
            found.append(int(stat.parent.name))
    return found


def _kill_session(proc: subprocess.Popen[str]) -> None:
    """SIGKILL emkg serve and every process of its group (its back ends)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _stop(served: Served) -> int:
    """Ctrl-C to emkg serve alone: it must stop, and stop its back ends, by itself. Its
    exit code; whatever happens, nothing of its session outlives this call."""
    try:
        if served.proc.poll() is None:
            served.proc.send_signal(signal.SIGINT)
            try:
                served.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pytest.fail("emkg serve did not stop within 20 s of Ctrl-C")
        left = _wait_for(lambda: not _session(served.proc.pid), 5)
        assert left, f"emkg serve stopped but left {_session(served.proc.pid)} running"
        return served.proc.returncode
    finally:
        _kill_session(served.proc)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    s = _start(tmp_path)
    try:
        yield s
    finally:
        _stop(s)


def _http(
    method: str, url: str, body: bytes | None = None, ctype: str = "", timeout: float = 30
) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method)
    if ctype:
        req.add_header("Content-Type", ctype)
    req.add_header("Accept", "application/sparql-results+json, text/plain, */*")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _count(url: str) -> int:
    query = urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    status, body = _http("GET", f"{url}query?{query}")
    assert status == 200, body
    return int(re.search(rb'"value":\s*"(\d+)"', body).group(1))  # type: ignore[union-attr]


@pytest.mark.server
def test_serve_binds_to_loopback_by_default(served: Served) -> None:
    assert served.url.startswith("http://127.0.0.1:")
    port = int(served.url.rsplit(":", 1)[1].strip("/"))
    addresses = _listening(port)
    assert addresses, "nothing listens on the served port"
    assert set(addresses) == {"0100007F"}, addresses  # 127.0.0.1 only, no wildcard
    status, page = _http("GET", served.url)
    assert status == 200
    assert b"<html" in page.lower()


@pytest.mark.server
def test_serve_answers_queries_over_the_union_of_graphs(served: Served) -> None:
    assert _count(served.url) == 7


@pytest.mark.server
def test_updates_and_graph_store_writes_are_refused(served: Served) -> None:
    triple = b"<urn:x> <urn:y> <urn:z> .\n"
    update = urlencode({"update": "INSERT DATA { <urn:x> <urn:y> <urn:z> }"}).encode()
    attempts = [
        ("POST", f"{served.url}update", update, "application/x-www-form-urlencoded"),
        ("POST", f"{served.url}update", b"DROP ALL", "application/sparql-update"),
        ("PUT", f"{served.url}store?{urlencode({'graph': GRAPH})}", triple, "text/turtle"),
        ("POST", f"{served.url}store?{urlencode({'graph': GRAPH})}", triple, "text/turtle"),
        ("DELETE", f"{served.url}store?{urlencode({'graph': GRAPH})}", None, ""),
    ]
    for method, url, body, ctype in attempts:
        status, answer = _http(method, url, body, ctype)
        assert status in {403, 405}, (method, url, status, answer[:200])
    assert _count(served.url) == 7


@pytest.mark.server
def test_ctrl_c_stops_the_server_and_removes_its_store(tmp_path: Path) -> None:
    s = _start(tmp_path)
    try:
        store = re.search(r"into (\S+/store) in", "\n".join(s.lines))
        assert store, s.lines
        port = int(s.url.rsplit(":", 1)[1].strip("/"))
    finally:
        assert _stop(s) == 0
    assert not Path(store.group(1)).exists()
    assert _listening(port) == []


@pytest.mark.server
def test_a_kept_store_is_reused_while_the_release_is_unchanged(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = _start(tmp_path, "--store", str(store))
    assert _stop(first) == 0
    second = _start(tmp_path, "--store", str(store))
    try:
        assert any("reusing the store" in line for line in second.lines)
        assert _count(second.url) == 7
    finally:
        _stop(second)


# -- the front: page, SERVICE, time limit, exposure ------------------------------------------


@pytest.mark.server
def test_the_page_is_emkgs_and_self_contained(served: Served) -> None:
    req = urllib.request.Request(served.url)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=10) as resp:
        policy = resp.headers["Content-Security-Policy"]
        page = resp.read().decode("utf-8")
    # the saved competency questions, with their titles and texts, as ready queries
    found = re.search(r'<script type="application/json" id="emkg-data">(.*?)</script>', page, re.S)
    assert found, "the page carries no data"
    data = json.loads(found.group(1))
    queries = {q["id"]: q for q in data["queries"]}
    for path in sorted((ROOT / "queries" / "cq").glob("*.rq")):
        assert queries[path.stem]["text"] == path.read_text(encoding="utf-8"), path.stem
        assert queries[path.stem]["title"]
    assert queries["cq01-em-sites-after-therapy"]["params"][0]["name"] == "therapy"
    assert "PREFIX emkg: <https://w3id.org/emkg/ontology#>" in data["prefixes"]
    assert data["limit"] == "5"
    # nothing is fetched from elsewhere: no external script, style, image or font, and the
    # browser is told so
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "@import" not in page
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy


def _service_listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(2.0)
    return sock


@pytest.mark.server
def test_service_is_refused_and_no_request_leaves(served: Served) -> None:
    with _service_listener() as listener:
        port = listener.getsockname()[1]
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        status, body = _http("GET", f"{served.url}query?{urlencode({'query': query})}")
        assert status == 403, body
        assert b"SERVICE" in body
        status, body = _http(
            "POST", f"{served.url}query", query.encode(), "application/sparql-query"
        )
        assert status == 403, body
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody called
    assert _count(served.url) == 7


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its live descendants, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in _descendants(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _oxigraph_pids(pid: int) -> set[int]:
    found = set()
    for p in _descendants(pid):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve-read-only" in cmd:
            found.add(p)
    return found


def _serving(store: Path) -> list[int]:
    """Live ``oxigraph serve-read-only`` processes on ``store``, whoever started them (by
    their command line: one still inside its exec has none yet, and is not found)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and b"serve-read-only" in cmd and str(store).encode() in cmd:
            found.append(int(proc.name))
    return found


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Path]:
    """An empty Oxigraph store; no server on it outlives the test."""
    import pyoxigraph as ox

    location = tmp_path / "store"
    ox.Store(str(location)).flush()
    yield location
    for pid in _serving(location):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _fate(pool: BackendPool) -> str:
    """What became of the pool's back ends, for a failure message: exit status and log."""
    time.sleep(0.5)  # a process just killed is reaped with its status
    return "; ".join(
        f"back end {s.process.pid} exit status {s.process.poll()}, log: {s.log_tail()!r}"
        for s in pool._running
    )


@pytest.mark.server
def test_a_back_end_still_starting_is_stopped_with_the_pool(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the pool stops (Ctrl-C) while a back end has been started but does not answer yet,
    # as a replacement for a killed back end does in a thread of its own
    asked, go_on = threading.Event(), threading.Event()
    answers = emkg.serve._answers
    pool = BackendPool(store, tmp_path, size=1, limit=5)
    failed: list[BaseException] = []

    def start() -> None:
        try:
            pool.start()
        except RemoteError as exc:  # its process was stopped before it answered
            failed.append(exc)

    starting = threading.Thread(target=start)

    def slow_answers(url: str) -> bool:
        # only this pool's start waits: a thread another test left behind (a back end being
        # replaced) may ask too, and must neither wait nor stand for this pool's back end
        if threading.current_thread() is starting:
            asked.set()
            go_on.wait(30)
        return answers(url)

    monkeypatch.setattr(emkg.serve, "_answers", slow_answers)
    starting.start()
    assert asked.wait(30)
    # Popen returns once the exec has begun, before the kernel has put the server's arguments
    # in place: for a while its command line reads empty, so look until it names the store
    assert _wait_for(lambda: len(_serving(store)) == 1, 10), _fate(pool)
    pool.stop()
    go_on.set()
    starting.join(30)
    assert _wait_for(lambda: not _serving(store), 5), "a back end outlived the pool"
    assert failed


@pytest.mark.server
def test_ctrl_c_while_a_server_starts_stops_it(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(_url: str) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(emkg.serve, "_answers", interrupted)
    with pytest.raises(KeyboardInterrupt):
        start_server(store, "127.0.0.1", choose_port("127.0.0.1", 0), tmp_path / "log")
    assert _wait_for(lambda: not _serving(store), 5), "the server outlived Ctrl-C"


# 3,000 triples: a three-way cross product has 2.7e10 rows, hours of work for any engine
BIG = "".join(
    f'<urn:emkg:test:s{i}> <urn:emkg:test:p> "v{i}" <{GRAPH}> .\n' for i in range(3000)
).encode()
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
LIMIT = 2.0


def _wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.mark.server
def test_an_abandoned_cross_product_is_stopped_and_the_cpu_returns_to_idle(
    tmp_path: Path,
) -> None:
    limit = 2 * LIMIT  # room to see the query working on a loaded machine
    s = _start(tmp_path, "--query-timeout", f"{limit:g}", "--workers", "1", nquads=BIG)
    try:
        pid = s.proc.pid
        before = _oxigraph_pids(pid)
        assert len(before) == 1, before
        idle_start = _cpu_seconds(pid)
        time.sleep(1.0)
        assert _cpu_seconds(pid) - idle_start < 0.1, "the server is not idle before the query"

        # the client gives up after 0.5 s, as a browser tab closed mid-query would
        started = time.monotonic()
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            _http("POST", f"{s.url}query", CROSS.encode(), "application/sparql-query", 0.5)
        busy_start = _cpu_seconds(pid)
        time.sleep(max(0.0, started + limit - 1.0 - time.monotonic()))
        busy = _cpu_seconds(pid) - busy_start
        # a query with nobody waiting still computes until the limit (one core fully busy
        # would give about limit - 1.5 s; a shared machine gives it less, never nothing)
        assert busy > 0.1, f"the query did not run (only {busy:.2f} s of CPU)"

        # at the limit the query's process is killed and a fresh one takes its place
        assert _wait_for(lambda: _oxigraph_pids(pid) - before, limit + 30)
        assert _wait_for(lambda: not (_oxigraph_pids(pid) & before), 10)
        stopped_after = time.monotonic() - started
        assert stopped_after < limit + 5, stopped_after
        assert _count(s.url) == 3000  # the fresh back end answers

        after_start = _cpu_seconds(pid)
        time.sleep(2.0)
        idle = _cpu_seconds(pid) - after_start
        assert idle < 0.1, f"{idle:.2f} s of CPU in 2 s after the limit: still computing"
    finally:
        assert _stop(s) == 0


@pytest.mark.server
def test_a_query_over_the_limit_is_answered_503_with_the_reason(tmp_path: Path) -> None:
    s = _start(tmp_path, "--query-timeout", f"{LIMIT:g}", nquads=BIG)
    try:
        started = time.monotonic()
        status, body = _http("GET", f"{s.url}query?{urlencode({'query': CROSS})}")
        took = time.monotonic() - started
        assert status == 503, body
        assert b"time limit of 2 s" in body
        assert LIMIT - 0.1 < took < LIMIT + 5, took
        assert _count(s.url) == 3000
    finally:
        assert _stop(s) == 0


@pytest.mark.server
def test_expose_binds_every_interface_and_says_what_is_exposed(tmp_path: Path) -> None:
    s = _start(tmp_path, "--host", "0.0.0.0", "--expose")
    try:
        said = "\n".join(s.lines)
        assert "exposing on 0.0.0.0:" in said
        assert "read the whole release" in said
        assert "without authentication" in said
        port = int(s.url.rsplit(":", 1)[1].strip("/"))
        assert _listening(port) == ["00000000"]  # 0.0.0.0
        status, _ = _http("GET", f"http://127.0.0.1:{port}/")
        assert status == 200
    finally:
        assert _stop(s) == 0


# -- the page in a browser, on the curated release --------------------------------------------

EMKG = "https://w3id.org/emkg/ontology#"
LI1 = "https://w3id.org/emkg/data/li2025/case1/patient"
BREAST, LUNG = (
    "http://purl.obolibrary.org/obo/UBERON_0000310",
    "http://purl.obolibrary.org/obo/UBERON_0002048",
)
LYMPH_NODE, KIDNEY = (
    "http://purl.obolibrary.org/obo/UBERON_0000029",
    "http://purl.obolibrary.org/obo/UBERON_0002113",
)
UTERUS, PANCREAS = (
    "http://purl.obolibrary.org/obo/UBERON_0000995",
    "http://purl.obolibrary.org/obo/UBERON_0001264",
)

# Li 2025 (doi 10.3389/fonc.2025.1508676), the EM disease found after blinatumomab: "After
# treatment with blinatumomab infusion for 28 days ... a right breast mass was found, which was
# revealed by biopsy to be extramedullary relapse (Figures 1A-C)" (H&E and immunohistochemical
# staining); "Chest CT revealed that the mass extended from the right breast into the right lung
# (Figure 1D)"; "PET-CT images before starting the conditioning regimen revealed extensive
# extramedullary relapse involving multiple lymph nodes, the breast, kidney, uterus, and
# pancreas".
LI_AFTER_BLINATUMOMAB = {
    (BREAST, EMKG + "Biopsy"),
    (BREAST, EMKG + "Histology"),
    (BREAST, EMKG + "Immunohistochemistry"),
    (BREAST, EMKG + "CT"),
    (LUNG, EMKG + "CT"),
} | {(site, EMKG + "PETCT") for site in (LYMPH_NODE, BREAST, KIDNEY, UTERUS, PANCREAS)}
# after CD19 CAR-T only Li's breast mass is still seen: "CT scan also showed the regression of
# right breast mass" (PET-CT then showed "complete resolution of extramedullary disease")
LI_AFTER_CD19_CART = {(BREAST, EMKG + "CT")}

_ROWS_JS = """rows => rows.map(tr => Object.fromEntries([...tr.querySelectorAll('td')].map(
    td => [td.dataset.var, td.dataset.value === undefined ? null : td.dataset.value])))"""


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory, curated_release: Path) -> Iterator[Served]:
    """emkg serve on (a copy of) the run's curated release."""
    tmp = tmp_path_factory.mktemp("curated")
    dist = copy_release(curated_release, tmp / "dist")
    s = _start(tmp, dist=dist)
    try:
        yield s
    finally:
        _stop(s)


def _run_on_page(page: object, wait_ms: int = 60_000) -> list[dict[str, str | None]]:
    page.click("#run")  # type: ignore[attr-defined]
    page.wait_for_selector(
        '#results[data-state="done"], #results[data-state="error"]',
        state="attached",
        timeout=wait_ms,
    )  # type: ignore[attr-defined]
    error = page.inner_text("#error")  # type: ignore[attr-defined]
    assert not error, error
    return page.eval_on_selector_all("#results tbody tr", _ROWS_JS)  # type: ignore[attr-defined, no-any-return]


KEY = ("patient", "finding", "site", "method", "status", "therapyLine", "agent", "offsetAnchor")


def _embedded_rows(qid: str, **params: str) -> list[tuple[str | None, ...]]:
    """The rows ``emkg query`` gives on the embedded store, as the key columns' IRIs."""
    from emkg.catalogue import load_catalogue
    from emkg.engines import open_engine
    from emkg.runner import run_query

    table = run_query(load_catalogue().get(qid), params, open_engine("oxigraph"))
    return sorted(tuple(None if r[k] is None else str(r[k]) for k in KEY) for r in table.records())


def _page_rows(rows: list[dict[str, str | None]]) -> list[tuple[str | None, ...]]:
    return sorted(tuple(r[k] for k in KEY) for r in rows)


@pytest.mark.server
@pytest.mark.browser
def test_the_page_runs_a_saved_question_in_chromium(curated: Served, browser_page: object) -> None:
    page = browser_page.page  # type: ignore[attr-defined]
    log = browser_page.log  # type: ignore[attr-defined]
    page.goto(curated.url)
    page.click('nav button[data-id="cq01-em-sites-after-therapy"]')
    assert page.inner_text("#title") == "EM sites found after a therapy"
    assert page.get_attribute("#param-therapy", "data-param") == "therapy"

    # as saved: the default therapy, blinatumomab
    rows = _run_on_page(page)
    li = {(r["site"], r["method"]) for r in rows if r["patient"] == LI1}
    assert li == LI_AFTER_BLINATUMOMAB
    assert {r["agent"] for r in rows} == {EMKG + "Blinatumomab"}
    # the page shows what emkg query shows on the embedded store, row for row
    assert _page_rows(rows) == _embedded_rows("cq01")
    assert page.inner_text("#status").startswith(f"{len(rows)} rows")

    # labels beside IRIs: the breast site shows its UBERON id and its label
    cell = page.locator(f'#results td[data-var="site"][data-value="{BREAST}"]').first
    assert cell.locator(".iri").inner_text() == "UBERON:0000310"
    assert cell.locator(".label").inner_text() == "breast"

    # with a parameter given by label, resolved as emkg query resolves it
    page.fill("#param-therapy", "CD19 CAR-T cell therapy")
    rows = _run_on_page(page)
    assert {r["patient"] for r in rows} == {LI1}
    assert {(r["site"], r["method"]) for r in rows} == LI_AFTER_CD19_CART
    assert "emkg:CD19CARTCellTherapy" in page.inner_text("#bound")
    assert _page_rows(rows) == _embedded_rows("cq01", therapy="CD19 CAR-T cell therapy")

    assert log.errors == []

    # an unknown value is a clear message, not an empty table
    page.fill("#param-therapy", "no such therapy")
    page.click("#run")
    page.wait_for_selector('#results[data-state="error"]', state="attached")
    assert "is not the label of an ontology class" in page.inner_text("#error")

    # self-contained: nothing but the page's own server was asked for anything
    assert log.requests_except(curated.url + "*") == []
    # the only error the browser saw is the refused value (HTTP 400 from api/bind)
    assert [e for e in log.errors if "api/bind" not in e] == []


@pytest.mark.server
def test_release_serves_the_releases_own_store_without_loading(curated: Served) -> None:
    release = Path(re.search(r"serving (\S+)/emkg.nq read-only", "\n".join(curated.lines)).group(1))  # type: ignore[union-attr]
    assert (release / "store").is_dir()
    expected = _count(curated.url)
    s = _start(release.parent, release=release)
    try:
        said = "\n".join(s.lines)
        assert "serving the store of the release" in said
        assert "loaded" not in said  # nothing was loaded: the release's store is served
        assert _count(s.url) == expected
        status, body = _http("POST", f"{s.url}update", b"DROP ALL", "application/sparql-update")
        assert status == 403, body
    finally:
        assert _stop(s) == 0
