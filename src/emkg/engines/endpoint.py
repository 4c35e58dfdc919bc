"""A remote SPARQL 1.1 endpoint (Oxigraph server, Virtuoso, ...) through SPARQLWrapper.

* Requests are POSTed form-encoded (``query=...``), so long queries are not cut by URL
  limits, and ask for SPARQL JSON results.
* Each request has a timeout. Queries are reads, so a request that fails in a way that may
  pass (connection refused or reset, timeout, HTTP 429, 500, 502, 503, 504) is retried with
  exponential back-off: ``backoff``, ``2*backoff``, ``4*backoff`` seconds, ``retries`` times.
  A bad query (400), a refused login (401/403) or a missing endpoint (404) is not retried.
* Credentials come from :mod:`emkg.credentials` (environment or ``~/.netrc``) and are never
  printed.
* The SPARQL protocol has no binding API, so parameters are bound by a one-row VALUES block,
  each term written by rdflib's N-Triples serialiser (see :mod:`emkg.ntriples`). With
  ``values="outer"`` the block is appended as the query's outer VALUES clause, which SPARQL
  joins with the solutions of the WHERE clause: for a variable that a pattern binds and the
  SELECT list projects (the catalogue requires both) it restricts the results exactly as
  pyoxigraph's substitutions and rdflib's initBindings do. ``values="inline"`` (the default)
  puts the same block first in the outermost WHERE group, which is equivalent for those
  variables, gives the embedded engine's results on Oxigraph server and Virtuoso alike, and is
  what Virtuoso 7.2 needs: it does not restrict by an outer VALUES clause a variable that a
  transitive path (``rdfs:subClassOf*``) or a subquery binds, and returns extra rows.
"""

from __future__ import annotations

import time
import urllib.error
from collections.abc import Callable, Mapping
from typing import Any

from SPARQLWrapper import BASIC, DIGEST, JSON, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
    URITooLong,
)

from emkg.credentials import Credentials, credentials_for
from emkg.errors import InputError, RemoteError
from emkg.ntriples import checked_iri, values_clause
from emkg.results import ResultTable, Term, table_from_sparql_json
from emkg.sparqltext import where_group_start

RETRY_HTTP_CODES = frozenset({429, 500, 502, 503, 504})
VALUES_PLACEMENTS: tuple[str, ...] = ("outer", "inline")
VALUES_VAR = "EMKG_SPARQL_VALUES"


class _Transient(Exception):
    """A failure worth another try."""


class EndpointEngine:
    """Runs queries on a remote SPARQL 1.1 endpoint."""

    name = "endpoint"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.5,
        credentials: Credentials | None = None,
        values: str = "inline",
        sleep: Callable[[float], None] = time.sleep,
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
        self._sleep = sleep

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
                start = where_group_start(query)
            except ValueError as exc:
                raise InputError(f"cannot bind parameters: {exc}") from exc
            return f"{query[:start]}\n  {clause}\n{query[start:]}"
        return f"{query.rstrip()}\n{clause}\n"

    def _wrapper(self, text: str) -> SPARQLWrapper:
        from emkg import __version__

        wrapper = SPARQLWrapper(self.url, agent=f"emkg/{__version__}")
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setReturnFormat(JSON)
        wrapper.setTimeout(int(max(1, round(self.timeout))))
        if self.credentials is not None:
            wrapper.setHTTPAuth(DIGEST if self.credentials.scheme == "digest" else BASIC)
            wrapper.setCredentials(self.credentials.user, self.credentials.password)
        wrapper.setQuery(text)
        return wrapper

    def _once(self, text: str) -> Any:
        try:
            return self._wrapper(text).query().convert()
        except QueryBadFormed as exc:
            raise InputError(
                f"the endpoint rejected the query: {_short(exc)}", hint="fix the query text"
            ) from exc
        except Unauthorized as exc:
            raise RemoteError(
                f"{self.url} refused the credentials (HTTP 401)",
                hint="set EMKG_SPARQL_USER and EMKG_SPARQL_PASSWORD, or add the host to ~/.netrc",
            ) from exc
        except (EndPointNotFound, URITooLong) as exc:
            raise RemoteError(f"{self.url}: {_short(exc)}") from exc
        except EndPointInternalError as exc:
            raise _Transient(f"server error: {_short(exc)}") from exc
        except urllib.error.HTTPError as exc:
            if exc.code in RETRY_HTTP_CODES:
                raise _Transient(f"HTTP {exc.code} {exc.reason}") from exc
            raise RemoteError(f"{self.url} answered HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise _Transient(_short(exc)) from exc
        except ValueError as exc:  # the body was not JSON
            raise RemoteError(f"{self.url} did not answer with SPARQL JSON results") from exc

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> ResultTable:
        text = self.query_text(query, bindings)
        attempt = 0
        while True:
            try:
                document = self._once(text)
                break
            except _Transient as exc:
                if attempt >= self.retries:
                    raise RemoteError(
                        f"{self.url} failed {attempt + 1} times; last: {exc}",
                        hint="check that the server is running and reachable",
                    ) from exc
                self._sleep(self.backoff * (2**attempt))
                attempt += 1
        if not isinstance(document, Mapping):
            raise RemoteError(f"{self.url} did not answer with SPARQL JSON results")
        return table_from_sparql_json(document)

    def describe(self) -> str:
        who = f"; as {self.credentials}" if self.credentials else ""
        return f"endpoint {self.url}{who}"


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__
