"""Remote commands end within their --timeout, say they are waiting, and exit 4.

A stub endpoint on 127.0.0.1 that accepts the connection and never answers, and one that
trickles its answer a byte at a time (each byte well within the socket timeout, so only an
overall deadline stops it): ``emkg query --endpoint`` and the HTTP client under ``emkg load``
both give up at the deadline with exit 4 and a message, printing a progress line while they
wait.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from emkg.cli import main
from emkg.errors import RemoteError
from emkg.httpclient import HttpClient, RetryPolicy

STOP = threading.Event()


class _Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    mode = "hang"

    def log_message(self, *_args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.mode == "hang":
            STOP.wait(60)
            return
        body = b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}' * 200
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for i in range(len(body)):
                if STOP.wait(0.3):
                    return
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
        except OSError:
            return


@pytest.fixture(params=["hang", "trickle"])
def slow_endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Handler", (_Slow,), {"mode": request.param})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    STOP.clear()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/query"
    finally:
        STOP.set()
        server.shutdown()
        server.server_close()


def test_query_gives_up_at_its_deadline_and_says_it_is_waiting(
    slow_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    code = main(["query", "cq11", "--endpoint", slow_endpoint, "--timeout", "6"])
    took = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 4, err
    assert took < 6 + 3, f"took {took:.1f} s for a 6 s deadline"
    assert "still waiting for the query to" in err
    assert "of at most 6 s" in err
    assert "Traceback" not in err
    assert "what to do:" in err


def test_the_load_client_gives_up_at_its_deadline(slow_endpoint: str) -> None:
    logged: list[str] = []
    http = HttpClient(timeout=3, retry=RetryPolicy(attempts=4), log=logged.append)
    started = time.monotonic()
    with pytest.raises(RemoteError) as info:
        http.request("POST", slow_endpoint, what="counting", body=b"q=1", repeatable=True)
    took = time.monotonic() - started
    assert took < 3 + 2, f"took {took:.1f} s for a 3 s deadline"
    assert info.value.answered is False  # the server may still be working on it
    assert "within" in str(info.value) or "no answer" in str(info.value)


def test_a_refused_connection_is_retried_within_the_deadline_only() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    slept: list[float] = []
    http = HttpClient(
        timeout=2, retry=RetryPolicy(attempts=10, first_delay=0.5), sleep=slept.append
    )
    with pytest.raises(RemoteError, match="connection refused"):
        http.request("POST", f"http://127.0.0.1:{port}/q", what="q", body=b"", repeatable=True)
    assert sum(slept) < 2, slept  # back-off never runs past the deadline
