"""Clients for a SPARQL 1.1 server: the Protocol (query, update) and the Graph Store Protocol.

:class:`Endpoints` holds the three URLs a server offers (query, update, graph store) and
derives the missing ones from the query URL for the servers emkg knows (Oxigraph, Virtuoso,
Fuseki, GraphDB). :class:`SparqlServer` sends queries, updates and graph PUT/GET/DELETE
through :class:`emkg.httpclient.HttpClient`, which handles timeouts, retries and auth.

Which requests are repeated after a failure (see ``repeatable`` in :mod:`emkg.httpclient`):

* queries (``POST`` of a form with ``query=``) and graph ``GET``: they change nothing;
* ``PUT`` of a graph: it replaces the whole graph with the same content however often it is
  applied, and emkg only PUTs into staging graphs no one else writes;
* updates only when the caller says they are idempotent (``DROP SILENT GRAPH``); the swap of
  staging graphs into place is never repeated blindly (see :mod:`emkg.load`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from emkg.errors import RemoteError, UsageError
from emkg.httpclient import HttpClient, Response, redact

NTRIPLES = "application/n-triples"
SPARQL_JSON = "application/sparql-results+json"
_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^<>"{}|^`\\\x00-\x20\x7f]*$')


def iri(value: str) -> str:
    """``value`` written as ``<value>`` for a query, after checking it is a plain IRI."""
    if not _IRI.match(value):
        raise UsageError(f"{value!r} is not an absolute IRI that can be written into SPARQL")
    return f"<{value}>"


@dataclass(frozen=True)
class Endpoints:
    """The URLs of one server: SPARQL query, SPARQL update, Graph Store Protocol."""

    query: str
    update: str
    graph_store: str

    @classmethod
    def derive(
        cls, endpoint: str, update: str | None = None, graph_store: str | None = None
    ) -> Endpoints:
        """Fill in the update and graph store URLs from the query URL where not given.

        ============================  ===================  ===========================
        query URL ends with           update               graph store
        ============================  ===================  ===========================
        ``/query`` (Oxigraph)         ``/update``          ``/store``
        ``/sparql`` at the root       the same URL         ``/sparql-graph-crud``
        (Virtuoso)
        ``/sparql-auth`` (Virtuoso)   the same URL         ``/sparql-graph-crud-auth``
        ``/<ds>/sparql`` (Fuseki)     ``/<ds>/update``     ``/<ds>/data``
        ``/repositories/<r>``         ``.../statements``   ``.../rdf-graphs/service``
        (GraphDB, RDF4J)
        ============================  ===================  ===========================
        """
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise UsageError(f"{redact(endpoint)} is not an http(s) URL")
        path = parts.path.rstrip("/")
        base = endpoint.split("?", 1)[0].rstrip("/")
        head = base[: len(base) - len(path.rsplit("/", 1)[-1])]  # up to the last "/"
        guess: tuple[str, str] | None = None
        if path.endswith("/query"):
            guess = (head + "update", head + "store")
        elif path == "/sparql":
            guess = (base, head + "sparql-graph-crud")
        elif path == "/sparql-auth":
            guess = (base, head + "sparql-graph-crud-auth")
        elif path.endswith("/sparql"):
            guess = (head + "update", head + "data")
        elif re.search(r"/repositories/[^/]+$", path):
            guess = (base + "/statements", base + "/rdf-graphs/service")
        if update is None:
            update = guess[0] if guess else endpoint
        if graph_store is None:
            if guess is None:
                raise UsageError(
                    f"cannot tell the Graph Store Protocol URL of {redact(endpoint)}",
                    hint="give it with --graph-store URL",
                )
            graph_store = guess[1]
        return cls(endpoint, update, graph_store)


def _form(**fields: str) -> bytes:
    return urlencode(fields).encode("ascii")


def _graph_url(store: str, graph: str) -> str:
    sep = "&" if "?" in store else "?"
    return f"{store}{sep}{urlencode({'graph': graph})}"


def _json(resp: Response, what: str) -> dict[str, object]:
    try:
        doc = json.loads(resp.body)
    except ValueError as exc:
        raise RemoteError(f"{what}: the answer is not JSON: {resp.text(200)}") from exc
    if not isinstance(doc, dict):
        raise RemoteError(f"{what}: the answer is not a SPARQL JSON result")
    return doc


def _check_complete(resp: Response, what: str) -> None:
    """Fail on the headers by which Virtuoso says it sent a cut or partial result."""
    cap = resp.headers.get("X-SPARQL-MaxRows")
    if cap:
        raise RemoteError(
            f"{what}: the server cut the result at {cap} rows (X-SPARQL-MaxRows)",
            hint="raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini",
        )
    state = resp.headers.get("X-SQL-State")
    if state:
        raise RemoteError(
            f"{what}: the server sent a partial result (X-SQL-State {state})",
            hint="raise MaxQueryExecutionTime in virtuoso.ini or set it to 0",
        )


class SparqlServer:
    """Queries, updates and graph transfers against one server."""

    def __init__(self, endpoints: Endpoints, http: HttpClient) -> None:
        self.endpoints = endpoints
        self.http = http

    def select_json(self, query: str, *, what: str) -> list[dict[str, dict[str, str]]]:
        """Run a SELECT query; return its bindings as SPARQL JSON objects."""
        resp = self.http.request(
            "POST",
            self.endpoints.query,
            what=what,
            body=_form(query=query),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": SPARQL_JSON,
            },
            repeatable=True,
            accept=(200,),
        )
        _check_complete(resp, what)
        doc = _json(resp, what)
        results = doc.get("results")
        bindings = results.get("bindings") if isinstance(results, dict) else None
        if not isinstance(bindings, list):
            raise RemoteError(f"{what}: the answer is not a SPARQL JSON SELECT result")
        return bindings

    def count(self, graph: str) -> int:
        """The number of triples in ``graph`` (0 when it does not exist)."""
        what = f"counting the triples of <{graph}>"
        rows = self.select_json(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }}",
            what=what,
        )
        try:
            return int(rows[0]["n"]["value"]) if rows else 0
        except (KeyError, ValueError, TypeError) as exc:
            raise RemoteError(f"{what}: unexpected answer {rows[:1]!r}") from exc

    def graphs_under(self, prefix: str) -> list[str]:
        """The named graphs whose IRI starts with ``prefix`` and that hold triples."""
        query = (
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {json.dumps(prefix)})) }}"
        )
        rows = self.select_json(query, what=f"listing the graphs under {prefix}")
        return sorted(r["g"]["value"] for r in rows if "g" in r)

    def update(self, text: str, *, what: str, repeatable: bool) -> None:
        """Send one SPARQL 1.1 Update request."""
        self.http.request(
            "POST",
            self.endpoints.update,
            what=what,
            body=_form(update=text),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "*/*"},
            repeatable=repeatable,
        )

    def put_graph(self, graph: str, ntriples: bytes, *, what: str) -> None:
        """Replace ``graph`` with the N-Triples ``ntriples`` (Graph Store Protocol PUT)."""
        self.http.request(
            "PUT",
            _graph_url(self.endpoints.graph_store, graph),
            what=what,
            body=ntriples,
            headers={"Content-Type": NTRIPLES},
            repeatable=True,
        )

    def get_graph(self, graph: str) -> tuple[bytes, str] | None:
        """``graph``'s content and media type (GSP GET), or None when there is no such graph."""
        resp = self.http.request(
            "GET",
            _graph_url(self.endpoints.graph_store, graph),
            what=f"GET of graph <{graph}>",
            headers={"Accept": f"{NTRIPLES}, text/turtle;q=0.9"},
            repeatable=True,
            accept=(200, 404),
        )
        if resp.status == 404:
            return None
        media = (resp.headers.get("Content-Type") or NTRIPLES).split(";")[0].strip()
        return resp.body, media
