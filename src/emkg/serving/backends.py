"""Oxigraph back ends behind the front: read-only servers on private loopback ports.

Oxigraph's ``serve-read-only`` lets several processes read one store at once. The pool
starts ``size`` of them on the same store; each answers one query at a time. A query gets a
back end (waiting at most the time limit for one to be free), and a timer: when the query
outlives the limit, its back end process is killed (SIGKILL), which stops the evaluation at
once and gives its CPU back, and a fresh process is started on the same store in its place.
Killing is the only way to stop a query that is sure to work: Oxigraph's own
``--timeout-s`` (also set, a little above the limit, as a second line of defence) checks
for cancellation only between steps of the evaluation and answers a cancelled query with
status 200 and a truncated body.

A back end counts as running from the moment its process exists, so that stopping the pool
(on every exit of ``emkg serve``) stops those still starting too. The back ends stay in the
process group of ``emkg serve``: a terminal's Ctrl-C, or a kill of the group, reaches them
as well. They do not ask the kernel to kill them with their parent (``PR_SET_PDEATHSIG``):
it would fire when the *thread* that started one ends, and replacements start in threads.
"""

from __future__ import annotations

import http.client
import queue
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from emkg.errors import RemoteError
from emkg.serve import RunningServer, choose_port, start_server

#: extra seconds Oxigraph's own timeout allows beyond the front's limit
SERVER_TIMEOUT_MARGIN = 5.0
#: largest answer the front holds for one query (bytes)
MAX_ANSWER_BYTES = 512 * 1024 * 1024


class QueryTimeout(Exception):
    """The query ran longer than the time limit and its back end was stopped."""


class Busy(Exception):
    """Every back end stayed busy for the whole time limit."""


class PoolStopping(Exception):
    """A back end started after the pool began to stop (it is stopped at once)."""


class BackendFailed(Exception):
    """The back end answered nothing usable (it crashed or closed the connection)."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


class BackendPool:
    """``size`` ``oxigraph serve-read-only`` processes on one store, one query each at a time."""

    def __init__(self, store: Path, work: Path, *, size: int, limit: float) -> None:
        self.store = store
        self.work = work
        self.size = size
        self.limit = limit
        self._idle: queue.Queue[RunningServer] = queue.Queue()
        self._lock = threading.Lock()
        self._running: list[RunningServer] = []
        self._started = 0
        self._stopping = False
        self.stopped_queries = 0

    # -- processes ------------------------------------------------------------------
    def _spawn(self) -> RunningServer:
        with self._lock:
            self._started += 1
            number = self._started
        port = choose_port("127.0.0.1", 0)
        return start_server(
            self.store,
            "127.0.0.1",
            port,
            self.work / f"backend-{number}.log",
            server_timeout=self.limit + SERVER_TIMEOUT_MARGIN,
            started=self._track,
        )

    def _track(self, server: RunningServer) -> None:
        """Count ``server`` as running from the moment its process exists (so that
        :meth:`stop` stops one still starting); refuse it once stopping has begun."""
        with self._lock:
            self._running.append(server)
            if self._stopping:
                raise PoolStopping

    def start(self) -> None:
        for _ in range(self.size):
            self._idle.put(self._spawn())

    def pids(self) -> list[int]:
        with self._lock:
            return [s.process.pid for s in self._running if s.process.poll() is None]

    def _retire(self, server: RunningServer) -> None:
        server.process.kill()
        server.process.wait()
        with self._lock:
            if server in self._running:
                self._running.remove(server)

    def _replace(self, server: RunningServer) -> None:
        """Kill ``server`` (if still running) and put a fresh one in the pool."""
        self._retire(server)
        if self._stopping:
            return
        try:
            try:
                self._idle.put(self._spawn())
            except RemoteError:
                # one retry after a pause (a port taken between choosing and binding)
                time.sleep(1.0)
                if not self._stopping:
                    self._idle.put(self._spawn())
        except PoolStopping:
            return

    def stop(self) -> None:
        """Stop every back end, those still starting included."""
        with self._lock:
            self._stopping = True
            running = list(self._running)
        for server in running:
            server.stop(timeout=5.0)

    # -- queries --------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Send one request to a free back end, within the time limit."""
        try:
            server = self._idle.get(timeout=self.limit)
        except queue.Empty as exc:
            raise Busy from exc
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            server.process.kill()  # stops the evaluation now; replaced below

        timer = threading.Timer(self.limit, expire)
        timer.daemon = True
        healthy = False
        try:
            timer.start()
            answer = _send(server, method, path, body, dict(headers or {}), self.limit)
            healthy = not expired.is_set()
            if not healthy:
                raise QueryTimeout
            return answer
        except (OSError, http.client.HTTPException) as exc:
            if expired.is_set():
                raise QueryTimeout from exc
            raise BackendFailed(str(exc) or type(exc).__name__) from exc
        finally:
            timer.cancel()
            if healthy and server.process.poll() is None:
                self._idle.put(server)
            else:
                if expired.is_set():
                    with self._lock:
                        self.stopped_queries += 1
                threading.Thread(target=self._replace, args=(server,), daemon=True).start()


def _send(
    server: RunningServer,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
    limit: float,
) -> Answer:
    host, _, port = server.url.removeprefix("http://").rstrip("/").rpartition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=limit + SERVER_TIMEOUT_MARGIN)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read(MAX_ANSWER_BYTES + 1)
        if len(data) > MAX_ANSWER_BYTES:
            raise BackendFailed(
                f"the answer is larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB: "
                "add a LIMIT or narrow the query"
            )
        return Answer(resp.status, resp.getheader("Content-Type") or "text/plain", data)
    finally:
        conn.close()
