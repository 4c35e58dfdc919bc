"""The HTTP client and the SPARQL/Graph Store clients, against small servers on 127.0.0.1.

Each test runs a throw-away ``http.server`` whose handler plays one server behaviour
(a digest challenge, a 503, a dropped connection, a slow answer, Virtuoso's row-cap header)
and records what it received, so the tests see exactly what went over the wire.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from emkg import httpclient
from emkg.credentials import Credentials
from emkg.errors import RemoteError, UsageError
from emkg.gsp import Endpoints, SparqlServer, iri
from emkg.httpclient import HttpClient, RetryPolicy, _DigestState, redact

SECRET = "s3cret-Pw"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    close: bool = False  # drop the connection without answering
    delay: float = 0.0


Behaviour = Callable[[Seen, int], Reply]


@pytest.fixture
def server() -> Iterator[Callable[[Behaviour], tuple[str, list[Seen]]]]:
    started: list[ThreadingHTTPServer] = []

    def start(behaviour: Behaviour) -> tuple[str, list[Seen]]:
        seen: list[Seen] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Seen(self.command, self.path, dict(self.headers.items()), body)
                seen.append(req)
                reply = behaviour(req, len(seen))
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.close:
                    self.close_connection = True
                    return
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up first (a timeout test)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _any  # noqa: N815

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}", seen

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


def quick(creds: Credentials | None = None, attempts: int = 3) -> HttpClient:
    return HttpClient(
        credentials=creds,
        timeout=5.0,
        retry=RetryPolicy(attempts=attempts, first_delay=0.01, max_delay=0.02),
    )


# -- endpoints -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "update", "store"),
    [
        ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
        ("http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),
        (
            "http://h:8890/sparql-auth",
            "http://h:8890/sparql-auth",
            "http://h:8890/sparql-graph-crud-auth",
        ),
        ("http://h:3030/emkg/sparql", "http://h:3030/emkg/update", "http://h:3030/emkg/data"),
        (
            "http://h:7200/repositories/emkg",
            "http://h:7200/repositories/emkg/statements",
            "http://h:7200/repositories/emkg/rdf-graphs/service",
        ),
    ],
)
def test_endpoints_are_derived_for_known_servers(query: str, update: str, store: str) -> None:
    assert Endpoints.derive(query) == Endpoints(query, update, store)


def test_given_endpoints_win_and_unknown_servers_need_a_graph_store() -> None:
    ep = Endpoints.derive("http://h/q", "http://h/u", "http://h/g")
    assert (ep.update, ep.graph_store) == ("http://h/u", "http://h/g")
    with pytest.raises(UsageError, match="--graph-store"):
        Endpoints.derive("http://h/something")
    with pytest.raises(UsageError):
        Endpoints.derive("ftp://h/query")


def test_iri_refuses_text_that_could_break_out_of_a_query() -> None:
    assert iri("https://w3id.org/emkg/graph/x") == "<https://w3id.org/emkg/graph/x>"
    for bad in ("https://x/a> } DROP ALL ; <x", "no scheme", "http://x/a b"):
        with pytest.raises(UsageError):
            iri(bad)


def test_redact_drops_user_and_password() -> None:
    assert redact(f"http://dba:{SECRET}@h:1/sparql") == "http://h:1/sparql"
    assert redact("http://h/sparql") == "http://h/sparql"


# -- digest --------------------------------------------------------------------------


def test_digest_response_matches_rfc_2617_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpclient.os, "urandom", lambda _n: bytes.fromhex("0a4f113b"))
    state = _DigestState(
        {
            "realm": "testrealm@host.com",
            "qop": "auth,auth-int",
            "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            "opaque": "5ccc069c403ebaf9f0171e9517f40e41",
        }
    )
    header = state.header(Credentials("Mufasa", "Circle Of Life"), "GET", "http://h/dir/index.html")
    assert 'response="6629fae49393a05397450978507c4ef1"' in header
    assert "nc=00000001" in header
    assert 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in header


def _digest_ok(req: Seen, password: str) -> bool:
    auth = req.headers.get("Authorization", "")
    if not auth.startswith("Digest "):
        return False
    fields = dict(
        part.strip().split("=", 1) for part in auth[len("Digest ") :].split(",") if "=" in part
    )
    f = {k: v.strip('"') for k, v in fields.items()}

    def md5(s: str) -> str:
        return hashlib.md5(s.encode(), usedforsecurity=False).hexdigest()

    ha1 = md5(f"{f['username']}:{f['realm']}:{password}")
    ha2 = md5(f"{req.method}:{f['uri']}")
    expected = md5(f"{ha1}:{f['nonce']}:{f['nc']}:{f['cnonce']}:{f['qop']}:{ha2}")
    return f["response"] == expected and f["uri"] == req.path


CHALLENGE = {
    "WWW-Authenticate": 'Digest realm="SPARQL", nonce="abc123", opaque="op", qop="auth", '
    'algorithm="MD5", stale="false"'
}


def test_digest_put_learns_the_challenge_first_and_sends_the_body_once(server) -> None:
    def virtuoso_like(req: Seen, _n: int) -> Reply:
        if not _digest_ok(req, SECRET):
            return Reply(401, CHALLENGE)
        return Reply(201)

    url, seen = server(virtuoso_like)
    client = SparqlServer(Endpoints.derive(url + "/sparql-auth"), quick(Credentials("dba", SECRET)))
    body = b"<http://a> <http://b> <http://c> .\n" * 20000
    client.put_graph("https://w3id.org/emkg/graph/x", body, what="PUT test")
    assert [r.method for r in seen] == ["HEAD", "PUT"]
    assert seen[1].body == body
    assert seen[1].path.startswith("/sparql-graph-crud-auth?graph=https%3A%2F%2Fw3id.org")
    # a second request reuses the challenge: no further 401 round trip
    client.put_graph("https://w3id.org/emkg/graph/y", b"", what="PUT test")
    assert [r.method for r in seen] == ["HEAD", "PUT", "PUT"]
    assert "nc=00000002" in seen[2].headers["Authorization"]


def test_refused_credentials_fail_without_showing_the_password(server) -> None:
    url, seen = server(lambda _req, _n: Reply(401, CHALLENGE))
    client = SparqlServer(Endpoints.derive(url + "/sparql-auth"), quick(Credentials("dba", SECRET)))
    with pytest.raises(RemoteError) as err:
        client.update("DROP SILENT GRAPH <urn:x>", what="an update", repeatable=True)
    text = str(err.value)
    assert "refused the credentials of user dba" in text
    assert SECRET not in text
    assert SECRET not in repr(err.value.args)
    assert len(seen) == 2  # the anonymous try and one authenticated try, no retries


def test_basic_auth_is_sent_only_after_a_challenge(server) -> None:
    def fuseki_like(req: Seen, _n: int) -> Reply:
        if req.headers.get("Authorization", "").startswith("Basic "):
            return Reply(200, {"Content-Type": "application/sparql-results+json"}, b"{}")
        return Reply(401, {"WWW-Authenticate": 'Basic realm="fuseki"'})

    url, seen = server(fuseki_like)
    http = quick(Credentials("admin", SECRET))
    resp = http.request("GET", url + "/ds/sparql", what="a read", repeatable=True)
    assert resp.status == 200
    assert "Authorization" not in seen[0].headers
    assert seen[1].headers["Authorization"].startswith("Basic ")


def test_a_server_that_wants_credentials_gets_a_clear_message(server) -> None:
    url, _seen = server(lambda _req, _n: Reply(401, CHALLENGE))
    with pytest.raises(RemoteError, match="asks for credentials") as err:
        quick().request("GET", url + "/sparql", what="a read", repeatable=True)
    assert "EMKG_SPARQL_USER" in str(err.value)


# -- retries and timeouts ------------------------------------------------------------


def test_repeatable_requests_are_retried_after_5xx_and_dropped_connections(server) -> None:
    def flaky(_req: Seen, n: int) -> Reply:
        if n == 1:
            return Reply(503, body=b"busy")
        if n == 2:
            return Reply(close=True)
        return Reply(200, body=b"ok")

    url, seen = server(flaky)
    resp = quick(attempts=3).request("GET", url + "/x", what="a read", repeatable=True)
    assert resp.body == b"ok"
    assert len(seen) == 3


def test_non_repeatable_requests_are_sent_once(server) -> None:
    url, seen = server(lambda _req, _n: Reply(503, body=b"busy"))
    with pytest.raises(RemoteError, match="HTTP 503"):
        quick(attempts=4).request("POST", url + "/update", what="swap", repeatable=False)
    assert len(seen) == 1


def test_client_errors_are_not_retried(server) -> None:
    url, seen = server(lambda _req, _n: Reply(400, body=b"syntax error at line 3"))
    with pytest.raises(RemoteError, match="syntax error at line 3"):
        quick(attempts=4).request("GET", url + "/q", what="a read", repeatable=True)
    assert len(seen) == 1


def test_retries_are_bounded_and_the_message_says_how_often(server) -> None:
    url, seen = server(lambda _req, _n: Reply(close=True))
    with pytest.raises(RemoteError, match=r"closed the connection.*tried 3 times"):
        quick(attempts=3).request("PUT", url + "/store", what="PUT", body=b"x", repeatable=True)
    assert len(seen) == 3


def test_a_silent_server_times_out(server) -> None:
    url, _seen = server(lambda _req, _n: Reply(200, delay=3.0))
    client = HttpClient(timeout=0.5, retry=RetryPolicy(attempts=2, first_delay=0.01))
    started = time.monotonic()
    with pytest.raises(RemoteError, match="no answer within the timeout"):
        client.request("GET", url + "/q", what="a read", repeatable=True)
    assert time.monotonic() - started < 2.5


def test_connection_refused_is_reported() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RemoteError, match="connection refused"):
        quick(attempts=2).request("GET", f"http://127.0.0.1:{port}/q", what="x", repeatable=True)


# -- SPARQL results -------------------------------------------------------------------


def _json_reply(body: bytes, extra: dict[str, str] | None = None) -> Behaviour:
    headers = {"Content-Type": "application/sparql-results+json", **(extra or {})}
    return lambda _req, _n: Reply(200, headers, body)


COUNT_JSON = (
    b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"typed-literal",'
    b'"datatype":"http://www.w3.org/2001/XMLSchema#integer","value":"4014"}}]}}'
)


def test_count_posts_a_query_and_reads_the_number(server) -> None:
    url, seen = server(_json_reply(COUNT_JSON))
    client = SparqlServer(Endpoints.derive(url + "/query"), quick())
    assert client.count("https://w3id.org/emkg/graph/ontology") == 4014
    form = parse_qs(seen[0].body.decode())
    assert "GRAPH <https://w3id.org/emkg/graph/ontology>" in form["query"][0]
    assert urlsplit(seen[0].path).path == "/query"


def test_a_result_cut_by_the_server_is_an_error(server) -> None:
    url, _seen = server(_json_reply(COUNT_JSON, {"X-SPARQL-MaxRows": "10000"}))
    client = SparqlServer(Endpoints.derive(url + "/sparql"), quick())
    with pytest.raises(RemoteError, match="cut the result at 10000 rows") as err:
        client.count("https://w3id.org/emkg/graph/ontology")
    assert "ResultSetMaxRows" in str(err.value)


def test_an_answer_that_is_not_sparql_json_is_an_error(server) -> None:
    url, _seen = server(lambda _req, _n: Reply(200, {"Content-Type": "text/html"}, b"<html>"))
    client = SparqlServer(Endpoints.derive(url + "/query"), quick())
    with pytest.raises(RemoteError, match="not JSON"):
        client.count("https://w3id.org/emkg/graph/ontology")


def test_get_graph_of_a_missing_graph_is_none(server) -> None:
    url, _seen = server(lambda _req, _n: Reply(404, body=b"no such graph"))
    client = SparqlServer(Endpoints.derive(url + "/query"), quick())
    assert client.get_graph("https://w3id.org/emkg/graph/none") is None
