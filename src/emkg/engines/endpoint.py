"""A remote SPARQL 1.1 endpoint (Oxigraph server, Virtuoso, ...) through emkg's HTTP client.

* Requests go through :class:`emkg.httpclient.HttpClient`, the one client of emkg's remote
  work (``emkg load`` uses it too), so queries and loads share one policy: an overall
  deadline per query (``timeout`` seconds, retries and a trickling answer included), progress
  lines while waiting, retries of failures that may pass (connection refused or reset, a
  timeout, HTTP 429, 500, 502, 503, 504) with exponential back-off (``backoff``,
  ``2*backoff``, ``4*backoff`` seconds, ``retries`` times, within the deadline), and Basic or
  Digest authentication answered only to the server's challenge. A bad query (400), a refused
  login (401/403) or a missing endpoint (404) is not retried.
* Requests are POSTed form-encoded (``query=...``), so long queries are not cut by URL
  limits, and ask for SPARQL JSON results.
* Credentials come from :mod:`emkg.credentials` (environment or ``~/.netrc``) and are never
  printed.
* The SPARQL protocol has no binding API, so parameters are bound by a one-row VALUES block,
  each term written by rdflib's N-Triples serialiser (see :mod:`emkg.ntriples`). With
  ``values="outer"`` the block is appended as the query's outer VALUES clause, which SPARQL
  joins with the solutions of the WHERE clause: for a variable that a pattern binds and the
  SELECT list projects (the catalogue requires both) it restricts the results exactly as
  rdflib's initBindings do. ``values="inline"`` (the default)
  puts the same block first in the outermost WHERE group (as the embedded Oxigraph engine
  binds), which is equivalent for those variables, gives the embedded engine's results on
  Oxigraph server and Virtuoso alike, and is
  what Virtuoso 7.2 needs: it does not restrict by an outer VALUES clause a variable that a
  transitive path (``rdfs:subClassOf*``) or a subquery binds, and returns extra rows.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from emkg.credentials import Credentials, credentials_for
from emkg.engines.base import VALUES_PLACEMENTS
from emkg.errors import InputError, RemoteError
from emkg.httpclient import RETRY_STATUSES, HttpClient, RetryPolicy
from emkg.ntriples import checked_iri, values_clause
from emkg.results import ResultTable, Term, table_from_sparql_json
from emkg.sparqltext import with_values_first

RETRY_HTTP_CODES = RETRY_STATUSES
DEFAULT_TIMEOUT = 30.0


class _Transient(Exception):
    """A failure worth another try, raised by a subclass's own :meth:`_once`."""


class EndpointEngine:
    """Runs queries on a remote SPARQL 1.1 endpoint."""

    name = "endpoint"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.5,
        credentials: Credentials | None = None,
        values: str = "inline",
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] | None = None,
    ) -> None:
        checked_iri(url)
        if not url.startswith(("http://", "https://")):
            raise InputError(f"{url!r} is not an http(s) URL", hint="give the endpoint's URL")
        if values not in VALUES_PLACEMENTS:
            raise InputError(
                f"unknown VALUES placement {values!r}",
                hint="use " + " or ".join(VALUES_PLACEMENTS),
            )
        if timeout <= 0 or retries < 0 or backoff < 0:
            raise InputError("timeout must be positive; retries and back-off not negative")
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.credentials = credentials
        self.values = values
        self.http = HttpClient(
            credentials=credentials,
            timeout=timeout,
            retry=RetryPolicy(attempts=retries + 1, first_delay=backoff),
            sleep=sleep,
            log=log or _stderr,
        )

    @classmethod
    def from_environment(cls, url: str, **kwargs: Any) -> EndpointEngine:
        return cls(url, credentials=credentials_for(url), **kwargs)

    def query_text(self, query: str, bindings: Mapping[str, Term] | None = None) -> str:
        """The text sent to the endpoint: the query with its bindings as a VALUES block.

        ``outer`` appends it as the query's outer VALUES clause; ``inline`` puts it first in
        the outermost WHERE group (see the module documentation for when that is needed).
        """
        clause = values_clause(bindings or {})
        if not clause:
            return query
        if self.values == "inline":
            try:
                return with_values_first(query, clause)
            except ValueError as exc:
                raise InputError(f"cannot bind parameters: {exc}") from exc
        return f"{query.rstrip()}\n{clause}\n"

    def _once(self, text: str) -> Any:
        """Send one query through the shared HTTP client (which retries what may pass)."""
        what = f"the query to {self.url}"
        try:
            resp = self.http.request(
                "POST",
                self.url,
                what=what,
                body=urlencode({"query": text}).encode("utf-8"),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json",
                },
                repeatable=True,
                accept=(200,),
            )
        except RemoteError as exc:
            if exc.status == 400:
                raise InputError(
                    f"the endpoint rejected the query: {exc.last}", hint="fix the query text"
                ) from exc
            if exc.status in (401, 403):
                raise RemoteError(
                    f"{self.url} refused the credentials (HTTP {exc.status})",
                    hint="set EMKG_SPARQL_USER and EMKG_SPARQL_PASSWORD, or add the host to "
                    "~/.netrc",
                ) from exc
            if exc.status is not None and exc.status not in RETRY_STATUSES:
                raise RemoteError(f"{self.url}: {exc.last}") from exc
            raise RemoteError(
                f"{self.url} failed {exc.tried} times; last: {exc.last}",
                hint="check that the server is running and reachable; give a larger "
                "--timeout for a slow server",
                answered=exc.answered,
            ) from exc
        try:
            return json.loads(resp.body)
        except ValueError as exc:
            raise RemoteError(f"{self.url} did not answer with SPARQL JSON results") from exc

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> ResultTable:
        text = self.query_text(query, bindings)
        attempt = 0
        while True:
            try:
                document = self._once(text)
                break
            except _Transient as exc:  # only subclasses with their own transport raise it
                if attempt >= self.retries:
                    raise RemoteError(
                        f"{self.url} failed {attempt + 1} times; last: {exc}",
                        hint="check that the server is running and reachable",
                    ) from exc
                self.http.sleep(self.backoff * (2**attempt))
                attempt += 1
        if not isinstance(document, Mapping):
            raise RemoteError(f"{self.url} did not answer with SPARQL JSON results")
        return table_from_sparql_json(document)

    def describe(self) -> str:
        who = f"; as {self.credentials}" if self.credentials else ""
        return f"endpoint {self.url}{who}"


def _stderr(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)
