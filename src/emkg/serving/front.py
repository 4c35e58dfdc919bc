"""The HTTP front of ``emkg serve``: what users and their programs talk to.

Routes:

* ``GET /``: the query page (:mod:`emkg.serving.page`).
* ``GET|POST /query``: the SPARQL 1.1 protocol (``query`` as a URL or form parameter, or an
  ``application/sparql-query`` body), checked by :mod:`emkg.serving.guard` and run by a back
  end within the time limit; the back end's answer is passed on whole (status, type, body).
* ``GET|HEAD /store``: the Graph Store Protocol, read only.
* ``POST /update`` and any write to ``/store``: refused (403 / 405).
* ``GET /api/catalogue``: the saved queries (id, title, description, parameters, text).
* ``POST /api/bind``: ``{"id": ..., "params": {name: value}}`` -> the saved query's text with
  the values resolved as ``emkg query`` resolves them (label, CURIE, IRI) and bound as a
  VALUES block, ready to send to ``/query``.
* ``POST /api/labels``: ``{"iris": [...]}`` -> each IRI's ``rdfs:label`` and short form.

A query that outlives the limit is answered 503 with the reason; its back end is stopped.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rdflib import URIRef

from emkg.catalogue import Catalogue, QueryEntry
from emkg.engines.endpoint import EndpointEngine, _Transient
from emkg.errors import EmkgError, InputError, RemoteError
from emkg.ntriples import is_absolute_iri, nt_term
from emkg.params import Resolver
from emkg.prefixes import PREFIXES, compact
from emkg.results import Term
from emkg.serving.backends import Answer, BackendFailed, BackendPool, Busy, QueryTimeout
from emkg.serving.guard import refusal

JSON_RESULTS = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
MAX_REQUEST_BYTES = 2 * 1024 * 1024
MAX_LABELS = 5000
#: the protocol parameters passed on to the back end with a query
QUERY_PARAMS = ("query", "default-graph-uri", "named-graph-uri")


class Refused(Exception):
    """A request the front answers with an error status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class PoolEngine(EndpointEngine):
    """The endpoint engine, sending its queries through the back-end pool (time limit)."""

    def __init__(self, pool: BackendPool) -> None:
        super().__init__("http://127.0.0.1/query", timeout=pool.limit, retries=0)
        self.pool = pool

    def _once(self, text: str) -> Any:
        body = urllib.parse.urlencode({"query": text}).encode("utf-8")
        try:
            answer = self.pool.request(
                "POST",
                "/query",
                body=body,
                headers={"Content-Type": FORM, "Accept": JSON_RESULTS},
            )
        except QueryTimeout as exc:
            raise RemoteError(f"the query took longer than {self.pool.limit:g} s") from exc
        except (Busy, BackendFailed) as exc:
            raise _Transient(str(exc) or "the server is busy") from exc
        if answer.status != 200:
            detail = answer.body.decode("utf-8", "replace")[:300]
            raise RemoteError(f"the store answered HTTP {answer.status}: {detail}")
        try:
            return json.loads(answer.body)
        except ValueError as exc:
            raise RemoteError("the store did not answer with SPARQL JSON results") from exc

    def describe(self) -> str:
        return "emkg serve's back ends"


@dataclass
class FrontApp:
    """What the request handlers share: the pool, the saved queries and the page."""

    pool: BackendPool
    catalogue: Catalogue
    page: bytes
    engine: PoolEngine = field(init=False)
    _resolver: Resolver | None = field(default=None, init=False)
    _resolver_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.engine = PoolEngine(self.pool)

    @property
    def limit(self) -> float:
        return self.pool.limit

    def resolver(self) -> Resolver:
        with self._resolver_lock:
            if self._resolver is None:
                self._resolver = Resolver(self.engine)
            return self._resolver

    # -- SPARQL ---------------------------------------------------------------------
    def run_query(self, params: list[tuple[str, str]], accept: str) -> Answer:
        queries = [v for k, v in params if k == "query"]
        if len(queries) != 1:
            raise Refused(400, "give exactly one 'query' parameter (SPARQL 1.1 protocol)")
        why = refusal(queries[0])
        if why is not None:
            raise Refused(403, why)
        kept = [(k, v) for k, v in params if k in QUERY_PARAMS]
        body = urllib.parse.urlencode(kept).encode("utf-8")
        return self._forward(
            "POST", "/query", body, {"Content-Type": FORM, "Accept": accept or JSON_RESULTS}
        )

    def read_store(self, method: str, path_and_query: str, accept: str) -> Answer:
        return self._forward(method, path_and_query, None, {"Accept": accept or "*/*"})

    def _forward(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> Answer:
        try:
            return self.pool.request(method, path, body=body, headers=headers)
        except QueryTimeout as exc:
            raise Refused(
                503,
                f"the query ran longer than this server's time limit of {self.limit:g} s and "
                "was stopped; narrow it (a LIMIT, a more selective pattern) or run it on your "
                "own copy of the release",
            ) from exc
        except Busy as exc:
            raise Refused(
                503, f"every query slot stayed busy for {self.limit:g} s; try again shortly"
            ) from exc
        except BackendFailed as exc:
            raise Refused(502, f"the store failed to answer: {exc}") from exc

    # -- the page's helpers -----------------------------------------------------------
    def catalogue_json(self) -> list[dict[str, Any]]:
        return [entry_json(e) for e in self.catalogue]

    def bind(self, request: Mapping[str, Any]) -> dict[str, Any]:
        qid = request.get("id")
        given = request.get("params") or {}
        if not isinstance(qid, str) or not isinstance(given, dict):
            raise Refused(400, 'send {"id": "<query id>", "params": {"name": "value"}}')
        values = {str(k): str(v) for k, v in given.items() if str(v).strip()}
        try:
            entry = self.catalogue.get(qid)
            resolver = self.resolver()
            bindings = resolver.bindings(entry, values)
            text = bound_text(self.engine, entry, bindings)
        except EmkgError as exc:
            raise Refused(400 if isinstance(exc, InputError) else 502, str(exc)) from exc
        labels = resolver.term_table().labels
        shown = {
            name: {
                "value": str(term),
                "short": compact(str(term)) if isinstance(term, URIRef) else str(term),
                "label": labels.get(str(term)),
            }
            for name, term in bindings.items()
        }
        return {"id": entry.id, "query": text, "bindings": shown}

    def labels(self, request: Mapping[str, Any]) -> dict[str, Any]:
        iris = request.get("iris")
        if not isinstance(iris, list):
            raise Refused(400, 'send {"iris": ["https://...", ...]}')
        wanted = sorted({i for i in iris if isinstance(i, str) and is_absolute_iri(i)})
        wanted = wanted[:MAX_LABELS]
        out: dict[str, dict[str, str | None]] = {
            i: {"short": compact(i), "label": None} for i in wanted
        }
        if not wanted:
            return {"labels": out}
        values = " ".join(nt_term(URIRef(i)) for i in wanted)
        query = (
            f"PREFIX rdfs: <{PREFIXES['rdfs']}>\n"
            f"SELECT ?iri ?label WHERE {{ VALUES ?iri {{ {values} }} ?iri rdfs:label ?label }}"
        )
        try:
            table = self.engine.select(query)
        except EmkgError as exc:
            raise Refused(502, str(exc)) from exc
        for iri, label in table.rows:
            slot = out.get(str(iri))
            if slot is not None and label is not None and slot["label"] is None:
                slot["label"] = str(label)
        return {"labels": out}


def bound_text(engine: EndpointEngine, entry: QueryEntry, bindings: Mapping[str, Term]) -> str:
    """The text of ``entry`` with ``bindings`` as the endpoint engine sends it."""
    return engine.query_text(entry.text_for(bindings), bindings)


def entry_json(entry: QueryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "title": entry.title,
        "description": entry.description,
        "columns": list(entry.columns),
        "params": [
            {
                "name": p.name,
                "type": p.type,
                "of": p.of,
                "default": p.default,
                "examples": list(p.examples),
                "description": p.description,
            }
            for p in entry.params
        ],
        "text": entry.text,
    }


class FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: FrontApp, *, ipv6: bool = False) -> None:
        if ipv6:
            self.address_family = socket.AF_INET6
        super().__init__(address, FrontHandler)
        self.app = app


_PAGE_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'"
)


class FrontHandler(BaseHTTPRequestHandler):
    server: FrontServer
    protocol_version = "HTTP/1.1"
    server_version = "emkg-serve"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002
        return  # quiet: the banner says where to look; errors go to the client

    # -- plumbing ---------------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra: Mapping[str, str] | None = None,
        *,
        head: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _text(self, status: int, message: str, extra: Mapping[str, str] | None = None) -> None:
        self._send(status, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8", extra)

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _answer(self, answer: Answer, *, head: bool = False) -> None:
        self._send(answer.status, answer.body, answer.content_type, head=head)

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as exc:
            raise Refused(400, "bad Content-Length") from exc
        if length > MAX_REQUEST_BYTES:
            raise Refused(413, f"the request is larger than {MAX_REQUEST_BYTES} bytes")
        return self.rfile.read(length) if length > 0 else b""

    def _json_body(self) -> Mapping[str, Any]:
        try:
            data = json.loads(self._body() or b"{}")
        except ValueError as exc:
            raise Refused(400, "the request body is not JSON") from exc
        if not isinstance(data, dict):
            raise Refused(400, "the request body must be a JSON object")
        return data

    def _route(self) -> tuple[str, str]:
        parts = urllib.parse.urlsplit(self.path)
        return parts.path, parts.query

    def _guarded(self, method: str) -> None:
        try:
            self._dispatch(method)
        except Refused as exc:
            extra = {"Connection": "close"}  # an unread request body may remain
            if exc.status == 405:
                extra["Allow"] = "GET, HEAD"
            self.close_connection = True
            self._text(exc.status, exc.message, extra)
        except (_Transient, RemoteError) as exc:
            self.close_connection = True
            self._text(502, str(exc), {"Connection": "close"})
        except (BrokenPipeError, ConnectionResetError):
            return  # the client went away

    # -- routes -----------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        app = self.server.app
        path, query = self._route()
        accept = self.headers.get("Accept", "")
        if path in {"/", "/index.html"} and method in {"GET", "HEAD"}:
            self._send(
                200,
                app.page,
                "text/html; charset=utf-8",
                {"Content-Security-Policy": _PAGE_POLICY},
                head=method == "HEAD",
            )
        elif path == "/query" and method in {"GET", "POST"}:
            params = urllib.parse.parse_qsl(query, keep_blank_values=True)
            if method == "POST":
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                body = self._body()
                if ctype == FORM:
                    params += urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
                elif ctype == "application/sparql-query":
                    params.append(("query", body.decode("utf-8")))
                else:
                    raise Refused(415, f"send the query as {FORM} or application/sparql-query")
            self._answer(app.run_query(params, accept))
        elif path == "/store":
            if method not in {"GET", "HEAD"}:
                raise Refused(405, "this server is read-only: the graph store cannot be changed")
            target = path + (f"?{query}" if query else "")
            self._answer(app.read_store(method, target, accept), head=method == "HEAD")
        elif path == "/update":
            raise Refused(403, "this server is read-only: SPARQL updates are refused")
        elif path == "/api/catalogue" and method == "GET":
            self._json(200, app.catalogue_json())
        elif path == "/api/bind" and method == "POST":
            self._json(200, app.bind(self._json_body()))
        elif path == "/api/labels" and method == "POST":
            self._json(200, app.labels(self._json_body()))
        elif method not in {"GET", "HEAD"}:
            raise Refused(405, "this server is read-only")
        else:
            raise Refused(404, f"nothing at {path}; the query page is at /")

    def do_GET(self) -> None:
        self._guarded("GET")

    def do_HEAD(self) -> None:
        self._guarded("HEAD")

    def do_POST(self) -> None:
        self._guarded("POST")

    def do_PUT(self) -> None:
        self._guarded("PUT")

    def do_DELETE(self) -> None:
        self._guarded("DELETE")

    def do_PATCH(self) -> None:
        self._guarded("PATCH")
