"""Serve the release read-only as a SPARQL endpoint with a query page that knows emkg.

``emkg serve`` loads ``dist/emkg.nq`` (built first when missing) into an Oxigraph store
with ``oxigraph load`` (the fast path: the server is not running yet), starts a few
``oxigraph serve-read-only`` processes on it on private loopback ports (the back ends, see
:mod:`emkg.serving.backends`), and puts a front in front of them (:mod:`emkg.serving.front`),
bound to 127.0.0.1 unless told otherwise. The front serves the query page at ``/`` (the saved
competency questions with their parameters, labels beside IRIs), the SPARQL endpoint at
``/query`` and the Graph Store Protocol (read) at ``/store``; it refuses updates, Graph
Store writes and ``SERVICE``, and stops any query that runs longer than the time limit.
Queries see the union of all named graphs as the default graph (``--union-default-graph``),
as the embedded engine does, so the saved queries run unchanged.

The store lives in a temporary folder removed when the server stops, unless ``store`` names
a folder to keep; a kept store is reloaded only when the release changed (its SHA-256 is
recorded next to it).
"""

from __future__ import annotations

import hashlib
import ipaddress
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from emkg import build, paths
from emkg.errors import RemoteError, RuntimeMissing, UsageError
from emkg.serving import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_QUERY_TIMEOUT, DEFAULT_WORKERS

RELEASE_FILE = "emkg.nq"
_STAMP = ".emkg-release.sha256"
_LOAD_TIMEOUT = 3600.0

Out = Callable[[str], None]


def oxigraph_binary() -> str:
    """The ``oxigraph`` program of this environment (the PyPI package), or RuntimeMissing."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise RuntimeMissing(
            "the oxigraph server program is not installed",
            hint="pip install 'oxigraph>=0.5,<0.6' into the environment emkg runs in",
        )
    return found


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _netloc(host: str, port: int) -> str:
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


def choose_port(host: str, port: int) -> int:
    """``port`` if it is free on ``host``; a free port when ``port`` is 0."""
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not a TCP port", hint="give 1 to 65535, or 0 for any")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {_netloc(host, port)}: {exc.strerror or exc}",
                hint="choose another --port (0 picks a free one)",
            ) from exc
        return int(sock.getsockname()[1])


def release_file(dist: Path | None, out: Out) -> Path:
    """The release's N-Quads file (``--dist``), after a swap a crash cut short is recovered."""
    from emkg import swap

    folder = Path(dist) if dist is not None else paths.default_dist()
    swap.recover(folder.resolve(), out)
    nq = folder / RELEASE_FILE
    if not nq.is_file():
        out(f"{nq} is missing: building the release first")
        build.build(folder)
    return nq


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _load(binary: str, location: Path, nquads: Path) -> None:
    try:
        res = subprocess.run(
            [binary, "load", "--location", str(location), "--file", str(nquads)],
            capture_output=True,
            text=True,
            timeout=_LOAD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RemoteError(f"oxigraph load did not finish within {_LOAD_TIMEOUT:.0f} s") from exc
    if res.returncode != 0:
        tail = " ".join((res.stderr or res.stdout).split())[-400:]
        raise RemoteError(f"oxigraph load failed on {nquads}: {tail}")


def prepare_store(nquads: Path, store: Path, out: Out) -> None:
    """Make ``store`` an Oxigraph store holding ``nquads`` (reused when already current)."""
    binary = oxigraph_binary()
    digest = _sha256(nquads)
    stamp = store / _STAMP
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == digest:
        out(f"reusing the store in {store}")
        return
    if store.exists() and any(store.iterdir()) and not stamp.is_file():
        raise UsageError(
            f"{store} is not empty and was not made by emkg serve",
            hint="give an empty or new folder to --store",
        )
    store.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{store.name}.new-", dir=store.parent))
    try:
        started = time.monotonic()
        _load(binary, fresh, nquads)
        (fresh / _STAMP).write_text(digest + "\n", encoding="utf-8")
        out(f"loaded {nquads} into {store} in {time.monotonic() - started:.1f} s")
        if store.exists():
            old = store.with_name(f".{store.name}.old-{fresh.name.rsplit('-', 1)[-1]}")
            store.rename(old)
            fresh.rename(store)
            shutil.rmtree(old, ignore_errors=True)
        else:
            fresh.rename(store)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


@dataclass
class RunningServer:
    """An ``oxigraph serve-read-only`` process and where it answers."""

    process: subprocess.Popen[bytes]
    url: str
    log_file: Path

    def log_tail(self, chars: int = 600) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " ".join(text.split())[-chars:]

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server: SIGTERM, then SIGKILL after ``timeout`` seconds."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)


def _answers(url: str) -> bool:
    req = urllib.request.Request(  # noqa: S310 - our own server on loopback
        f"{url}query?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=2) as resp:
            return int(resp.status) == 200
    except (OSError, urllib.error.URLError):
        return False


def start_server(
    store: Path,
    host: str,
    port: int,
    log_file: Path,
    ready_timeout: float = 60.0,
    *,
    server_timeout: float | None = None,
    started: Callable[[RunningServer], None] | None = None,
) -> RunningServer:
    """Start ``oxigraph serve-read-only`` on ``store`` and wait until it answers.

    ``server_timeout`` is Oxigraph's own limit on query evaluation (``--timeout-s``).
    ``started`` is told of the process as soon as it exists, before it answers, so that
    whoever owns it can stop it while it starts. If the wait fails or is interrupted
    (Ctrl-C, or ``started`` refusing it), the process is stopped before the error goes on.
    """
    cmd = [
        oxigraph_binary(),
        "serve-read-only",
        "--location",
        str(store),
        "--bind",
        _netloc(host, port),
        "--union-default-graph",
    ]
    if server_timeout is not None:
        cmd += ["--timeout-s", str(max(1, round(server_timeout)))]
    with log_file.open("wb") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    server = RunningServer(proc, f"http://{_netloc(host, port)}/", log_file)
    try:
        if started is not None:
            started(server)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RemoteError(f"the oxigraph server exited at start: {server.log_tail()}")
            if _answers(server.url):
                return server
            time.sleep(0.2)
        raise RemoteError(
            f"the oxigraph server did not answer within {ready_timeout:.0f} s: {server.log_tail()}"
        )
    except BaseException:
        server.stop(timeout=5.0)
        raise


def _example_query() -> tuple[str, str] | None:
    """(query id, path) of the first saved competency question, if any."""
    cq = paths.queries_dir() / "cq"
    files = sorted(cq.glob("*.rq")) if cq.is_dir() else []
    if not files:
        return None
    stem = files[0].stem
    return stem.split("-", 1)[0].split("_", 1)[0], str(files[0])


def banner(
    url: str,
    nquads: Path,
    query_timeout: float = DEFAULT_QUERY_TIMEOUT,
    workers: int = DEFAULT_WORKERS,
) -> str:
    """The URL and example commands printed when the server is ready."""
    query = f"{url}query"
    lines = [
        f"serving {nquads} read-only at {url}",
        f"  query page (browser):  {url}",
        f"  SPARQL endpoint:       {query}",
        f"  Graph Store (read):    {url}store?graph=https://w3id.org/emkg/graph/ontology",
        "try:",
        f"  curl -s {query} -H 'Accept: text/csv' \\\n"
        "       --data-urlencode 'query=SELECT ?g (COUNT(*) AS ?n) "
        "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g'",
    ]
    example = _example_query()
    if example is not None:
        qid, path = example
        lines += [
            f"  curl -s {query} -H 'Accept: text/csv' --data-urlencode query@{path}",
            f"  emkg query {qid} --endpoint {query}",
        ]
    lines.append(
        f"each query stops after {query_timeout:g} s ({workers} at once); updates and SERVICE "
        "are refused; Ctrl-C stops the server"
    )
    return "\n".join(lines)


@contextmanager
def _stop_signals() -> Iterator[None]:
    """Ctrl-C (SIGINT, even where the parent ignored it) and SIGTERM stop the server."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def exposure(host: str, port: int, nquads: Path) -> str:
    """What binding to a non-loopback address makes reachable, said before it is done."""
    return (
        f"exposing on {_netloc(host, port)}: every machine that can reach this address can "
        f"read the whole release {nquads} (query page at /, SPARQL at /query, the graph "
        "store at /store), over plain HTTP, without authentication; updates, graph store "
        "writes and SERVICE stay refused and every query stays under the time limit"
    )


def serve(
    *,
    dist: Path | None = None,
    release: Path | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    store: Path | None = None,
    query_timeout: float = DEFAULT_QUERY_TIMEOUT,
    workers: int = DEFAULT_WORKERS,
    expose: bool = False,
    out: Out = print,
) -> int:
    """Load the release and serve it until Ctrl-C or SIGTERM; returns the exit code."""
    from emkg.catalogue import load_catalogue
    from emkg.serving.backends import BackendPool
    from emkg.serving.front import FrontApp, FrontServer
    from emkg.serving.page import render_page

    if not 0 < query_timeout <= 3600:
        raise UsageError(
            f"--query-timeout {query_timeout:g} is out of range", hint="give 0.1 to 3600 seconds"
        )
    if not 1 <= workers <= 32:
        raise UsageError(f"--workers {workers} is out of range", hint="give 1 to 32")
    if not is_loopback(host) and not expose:
        raise UsageError(
            f"--host {host} would make the endpoint reachable from other machines",
            hint="serve on 127.0.0.1 (the default), or add --expose to accept that anyone who "
            "can reach the address reads the whole release",
        )
    port = choose_port(host, port)
    if release is not None:
        from emkg.release import ensure_release

        if dist is not None or store is not None:
            raise UsageError("give --release alone: it serves the release's own store")
        # the release's on-disk store, served read-only as it is: nothing is loaded
        location: Path | None = ensure_release(release, log=out)
        served = Path(release)
    else:
        location = None
        served = release_file(dist, out)
    catalogue = load_catalogue()
    work = Path(tempfile.mkdtemp(prefix="emkg-serve-"))
    pool: BackendPool | None = None
    front: FrontServer | None = None
    thread: threading.Thread | None = None
    try:
        with _stop_signals():
            if location is None:
                location = store if store is not None else work / "store"
                prepare_store(served, location, out)
            else:
                out(f"serving the store of the release {served} read-only: {location}")
            pool = BackendPool(location, work, size=workers, limit=query_timeout)
            pool.start()
            app = FrontApp(pool, catalogue, render_page(catalogue, query_timeout))
            try:
                front = FrontServer((host.strip("[]"), port), app, ipv6=":" in host)
            except OSError as exc:
                raise UsageError(
                    f"cannot listen on {_netloc(host, port)}: {exc.strerror or exc}",
                    hint="choose another --port (0 picks a free one)",
                ) from exc
            url = f"http://{_netloc(host, front.server_address[1])}/"
            if not is_loopback(host):
                out(exposure(host, front.server_address[1], served))
            thread = threading.Thread(target=front.serve_forever, daemon=True)
            thread.start()
            out(banner(url, served, query_timeout, workers))
            while thread.is_alive():
                thread.join(timeout=0.5)
            raise RemoteError("the front server stopped")
    except KeyboardInterrupt:
        out("stopping the server")
        return 0
    finally:
        if front is not None:
            if thread is not None and thread.is_alive():
                front.shutdown()
            front.server_close()
        if pool is not None:
            pool.stop()
        shutil.rmtree(work, ignore_errors=True)
