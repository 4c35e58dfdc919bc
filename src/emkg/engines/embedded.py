"""Embedded engines: pyoxigraph (the default) and rdflib's SPARQL engine, both in process.

Both answer over the union of all named graphs (ontology, imports and one graph per source
publication). Parameters are bound through each library's binding API: pyoxigraph's
``substitutions`` (which needs the variable in the SELECT list) and rdflib's
``initBindings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.term import Identifier

from emkg import build, paths, swap
from emkg.errors import InputError
from emkg.results import ResultTable, Term, from_oxigraph, normalise_term, to_oxigraph

RELEASE_NQUADS = "emkg.nq"


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

    def graph_names(self) -> set[str]:
        return {g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)}

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> ResultTable:
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()
        }
        try:
            result = self.store.query(
                query,
                use_default_graph_as_union=True,
                substitutions=substitutions or None,
            )
        except (SyntaxError, RuntimeError, ValueError) as exc:
            raise _query_error(exc) from exc
        if not isinstance(result, ox.QuerySolutions):
            raise InputError("only SELECT queries can be run", hint="write the query as SELECT")
        variables = result.variables
        columns = tuple(v.value for v in variables)
        rows = tuple(tuple(from_oxigraph(sol[v]) for v in variables) for sol in result)
        return ResultTable(columns, rows)

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

    def __init__(self, graph: Graph, origin: str) -> None:
        self.graph = graph
        self.origin = origin

    @classmethod
    def from_dataset(cls, dataset: Dataset, origin: str = "assembled in memory") -> RdflibEngine:
        return cls(build.union_graph(dataset), origin)

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


def release_is_current(nquads: Path) -> bool:
    """True when ``nquads`` exists and is newer than every ontology, import and kg file."""
    if not nquads.is_file():
        return False
    built = nquads.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in build.source_files())


def expected_graph_names() -> set[str]:
    return {str(build.ONTOLOGY_GRAPH)} | {str(build.graph_iri_for(p)) for p in build.kg_files()}


def open_oxigraph(dist: Path | None = None) -> OxigraphEngine:
    """The default engine: the release ``dist/emkg.nq`` when it is current, else assembled.

    The release is used only when it is newer than every source file and holds exactly the
    named graphs the sources make (a deleted kg file makes it stale too).
    """
    folder = dist if dist is not None else paths.default_dist()
    swap.recover(folder)  # a swap a crash cut short is finished (or undone) first, and said
    nquads = folder / RELEASE_NQUADS
    if release_is_current(nquads):
        engine = OxigraphEngine.from_nquads(nquads)
        if engine.graph_names() == expected_graph_names():
            return engine
    return OxigraphEngine.from_dataset(build.assemble())


def open_rdflib() -> RdflibEngine:
    return RdflibEngine.from_dataset(build.assemble())
