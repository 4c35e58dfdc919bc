"""The embedded engine's rows: every term normalised as src/emkg/results.py documents, each
distinct term converted once per result and the same term object on every row it fills."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Literal, URIRef

from emkg.engines import OxigraphEngine

EX = "https://example.org/"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"


def _store(*objects: ox.Literal | ox.NamedNode) -> OxigraphEngine:
    store = ox.Store()
    for i, o in enumerate(objects):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), o))
    return OxigraphEngine(store, "test")


def test_oxigraph_literals_take_the_engine_independent_form() -> None:
    def typed(text: str, datatype: str) -> ox.Literal:
        return ox.Literal(text, datatype=ox.NamedNode(XSD_NS + datatype))

    engine = _store(
        typed("007", "int"),
        typed("0.660", "decimal"),
        typed("1", "boolean"),
        typed("plain", "string"),
        ox.Literal("Hello", language="EN-GB"),
        typed("not a number", "integer"),
        typed("2024-01", "gYearMonth"),
        ox.NamedNode(f"{EX}o"),
    )
    table = engine.select(f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s")
    assert [row[1] for row in table.rows] == [
        Literal("7", datatype=URIRef(XSD_NS + "integer")),
        Literal("0.66", datatype=URIRef(XSD_NS + "decimal")),
        Literal("true", datatype=URIRef(XSD_NS + "boolean")),
        Literal("plain"),
        Literal("Hello", lang="en-gb"),
        Literal("not a number", datatype=URIRef(XSD_NS + "integer")),
        Literal("2024-01", datatype=URIRef(XSD_NS + "gYearMonth")),
        URIRef(f"{EX}o"),
    ]


def test_a_repeated_term_is_one_object_and_unbound_stays_none() -> None:
    engine = _store(*(ox.Literal("same", language="en") for _ in range(3)))
    table = engine.select(
        f"SELECT ?o ?none WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?none }} }}"
    )
    values = table.column("o")
    assert values == [Literal("same", lang="en")] * 3
    assert all(v is values[0] for v in values)
    assert table.column("none") == [None, None, None]
