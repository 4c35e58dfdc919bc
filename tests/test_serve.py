"""emkg serve: a read-only Oxigraph endpoint on loopback that refuses every write.

The server tests run ``python -m emkg serve`` as a child process on a small release, talk
to it over HTTP, and stop it with SIGINT as Ctrl-C would.
"""

from __future__ import annotations

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

from emkg.errors import UsageError
from emkg.serve import banner, choose_port, is_loopback

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


def _start(tmp_path: Path, *extra: str) -> Served:
    dist = tmp_path / "dist"
    dist.mkdir(exist_ok=True)
    (dist / "emkg.nq").write_bytes(NQUADS)
    proc = subprocess.Popen(
        [sys.executable, "-m", "emkg", "serve", "--port", "0", "--dist", str(dist), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
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
            assert match, seen
            return Served(proc, match.group(1), seen)
    proc.kill()
    pytest.fail("emkg serve did not start within 60 s:\n" + "\n".join(seen))


def _stop(served: Served) -> int:
    if served.proc.poll() is None:
        served.proc.send_signal(signal.SIGINT)
        try:
            return served.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            served.proc.kill()
            served.proc.wait(timeout=10)
            pytest.fail("emkg serve did not stop within 20 s of Ctrl-C")
    return served.proc.returncode


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    s = _start(tmp_path)
    try:
        yield s
    finally:
        _stop(s)


def _http(method: str, url: str, body: bytes | None = None, ctype: str = "") -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method)
    if ctype:
        req.add_header("Content-Type", ctype)
    req.add_header("Accept", "application/sparql-results+json, text/plain, */*")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as resp:
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
    store = re.search(r"into (\S+/store) in", "\n".join(s.lines))
    assert store, s.lines
    port = int(s.url.rsplit(":", 1)[1].strip("/"))
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
