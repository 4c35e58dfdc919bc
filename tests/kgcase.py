"""Helpers shared by the per-publication tests of the curated graph (tests/test_kg_*.py)."""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph

from emkg import build, paths


def case_graph(kg_file: str) -> Graph:
    """The ontology, its imports and one curated file (labels and hierarchy included)."""
    return build.union_graph(build.assemble(kg=[paths.kg_dir() / kg_file]))


def sparql(
    prefixes: str,
) -> tuple[Callable[..., list[tuple[object, ...]]], Callable[..., bool]]:
    """``rows(g, query, **bindings)`` and ``ask(g, query, **bindings)`` with ``prefixes``."""

    def rows(g: Graph, query: str, **bindings: object) -> list[tuple[object, ...]]:
        result = g.query(prefixes + query, initBindings=bindings)  # type: ignore[arg-type]
        return [tuple(r) for r in result]  # type: ignore[arg-type]

    def ask(g: Graph, query: str, **bindings: object) -> bool:
        return bool(g.query(prefixes + query, initBindings=bindings).askAnswer)  # type: ignore[arg-type]

    return rows, ask


def local(iri: object) -> str:
    """The local name of an IRI (after the last # or /)."""
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def split(joined: object) -> set[str]:
    """The parts of a GROUP_CONCAT(...; separator="|") value."""
    return {part for part in str(joined or "").split("|") if part}


LINES_IN_ORDER = """
PREFIX emkg: <https://w3id.org/emkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?idx (GROUP_CONCAT(DISTINCT ?label; separator="|") AS ?agents)
       (GROUP_CONCAT(DISTINCT ?intentName; separator="|") AS ?intents)
WHERE {
  ?line a emkg:TherapyLine ; emkg:ofPatient ?patient ; emkg:sequenceIndex ?idx ;
        emkg:intent ?intent .
  BIND(STRAFTER(STR(?intent), "#") AS ?intentName)
  OPTIONAL { ?line emkg:hasComponent/emkg:agent ?agent .
             ?agent rdfs:label ?label . FILTER(langMatches(lang(?label), "en")) }
} GROUP BY ?idx ORDER BY ?idx"""


def lines_in_order(g: Graph, patient: object) -> list[tuple[set[str], set[str]]]:
    """A patient's therapy lines in timeline order: (agent labels, intent local names)."""
    result = g.query(LINES_IN_ORDER, initBindings={"patient": patient})  # type: ignore[dict-item]
    return [(split(r[1]), split(r[2])) for r in result]  # type: ignore[index]
