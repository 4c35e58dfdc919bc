"""Embedded engines: pyoxigraph (the default) and rdflib's SPARQL engine, both in process.

Both answer over the union of all named graphs (ontology, imports and one graph per source
publication). Parameters are bound as RDF terms:

* pyoxigraph: by a one-row VALUES block first in the WHERE group, each term written by the
  N-Triples serialiser (:func:`emkg.ntriples.values_clause`, the same block the remote
  endpoints get). That is the form of the saved query as written, with its default VALUES
  block, so a bound value is evaluated with the plan a user's store makes of the ``.rq``
  file. pyoxigraph's ``substitutions`` give the same rows, but Oxigraph plans the query
  before it applies them, without the bound value: on 1,000 synthetic patients CQ1 with
  ``therapy=blinatumomab`` took 1.9 s of CPU with them and 0.4 s with the block.
* rdflib: ``initBindings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.term import Identifier

from emkg.errors import InputError
from emkg.ntriples import values_clause
from emkg.release import Log, open_store, store_path
from emkg.results import ResultTable, Term, normalise_term, rows_from_oxigraph
from emkg.sparqltext import with_values_first


def _query_error(exc: Exception) -> InputError:
    text = " ".join(str(exc).split())[:400]
    return InputError(f"the query cannot be run: {text}", hint="fix the query text")


class OxigraphEngine:
    """An in-memory pyoxigraph store queried with the default graph as the union."""

    name = "oxigraph"

    def __init__(self, store: ox.Store, origin: str) -> None:
        self.store = store
        self.origin = origin

    @classmethod
    def from_dataset(cls, dataset: Dataset, origin: str = "assembled in memory") -> OxigraphEngine:
        store = ox.Store()
        data = dataset.serialize(format="nquads", encoding="utf-8")
        store.load(data, format=ox.RdfFormat.N_QUADS)
        return cls(store, origin)

    @classmethod
    def from_nquads(cls, path: Path) -> OxigraphEngine:
        store = ox.Store()
        try:
            store.load(path=str(path), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, OSError) as exc:
            raise InputError(f"cannot load the release: {exc}", path=path) from exc
        return cls(store, str(path))

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> ResultTable:
        if bindings:
            try:
                query = with_values_first(query, values_clause(bindings))
            except ValueError as exc:
                raise InputError(f"cannot bind parameters: {exc}") from exc
        try:
            result = self.store.query(query, use_default_graph_as_union=True)
        except (SyntaxError, RuntimeError, ValueError) as exc:
            raise _query_error(exc) from exc
        if not isinstance(result, ox.QuerySolutions):
            raise InputError("only SELECT queries can be run", hint="write the query as SELECT")
        columns = tuple(v.value for v in result.variables)
        return ResultTable(columns, rows_from_oxigraph(result))

    def describe(self) -> str:
        return f"oxigraph (embedded; {self.origin})"


def _term(value: object) -> Term | None:
    if value is None:
        return None
    if isinstance(value, URIRef | Literal | BNode):
        return normalise_term(value)
    raise TypeError(f"unsupported term in results: {value!r}")


class RdflibEngine:
    """rdflib's SPARQL engine over one Graph holding the union of all named graphs."""

    name = "rdflib"
    #: rdflib evaluates a FILTER on every solution of the group it closes: a query that
    #: matches one value against a table reads the whole table (read by
    #: :meth:`emkg.params.Resolver.term_table` instead, once for all values)
    filters_after_scan = True

    def __init__(self, graph: Graph, origin: str) -> None:
        self.graph = graph
        self.origin = origin

    @classmethod
    def from_dataset(cls, dataset: Dataset, origin: str = "assembled in memory") -> RdflibEngine:
        from emkg.build import union_graph

        return cls(union_graph(dataset), origin)

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> ResultTable:
        init: dict[str, Identifier] = {Variable(k): v for k, v in (bindings or {}).items()}
        try:
            result = self.graph.query(query, initBindings=init)
        except Exception as exc:  # rdflib raises pyparsing and assorted errors for bad queries
            raise _query_error(exc) from exc
        if result.type != "SELECT" or result.vars is None:
            raise InputError("only SELECT queries can be run", hint="write the query as SELECT")
        columns = tuple(str(v) for v in result.vars)
        rows = tuple(tuple(_term(value) for value in row) for row in result)  # type: ignore[union-attr]
        return ResultTable(columns, rows)

    def describe(self) -> str:
        return f"rdflib (embedded; {self.origin})"


def open_oxigraph(release: Path | None = None, *, log: Log | None = None) -> OxigraphEngine:
    """The default engine: the release's on-disk store, opened read-only.

    ``release`` is the release folder (default ``dist/``), read under the rule of
    :mod:`emkg.release` (a swap a crash cut short is finished first; a missing default
    release is built; a stale one is rebuilt).
    """
    kwargs = {"log": log} if log is not None else {}
    store = open_store(release, **kwargs)
    return OxigraphEngine(store, str(store_path(release)))


def open_rdflib(release: Path | None = None, *, log: Log | None = None) -> RdflibEngine:
    """rdflib's engine over the same release: its store's quads parsed into one graph."""
    kwargs = {"log": log} if log is not None else {}
    store = open_store(release, **kwargs)
    dataset = Dataset()
    dataset.parse(data=store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    return RdflibEngine.from_dataset(dataset, str(store_path(release)))
