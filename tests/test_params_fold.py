"""A label is matched the same way on every engine (review of the rdflib term-table cache)."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from emkg.engines.embedded import OxigraphEngine, RdflibEngine
from emkg.errors import InputError
from emkg.params import Resolver

STREET = URIRef("https://example.org/onto#Strasse")


def _dataset() -> Dataset:
    ds = Dataset()
    g = ds.graph(URIRef("https://example.org/onto"))
    g.add((STREET, RDF.type, OWL.Class))
    g.add((STREET, RDFS.label, Literal("Straße", lang="de")))
    return ds


def _answer(resolver: Resolver, raw: str) -> str:
    try:
        return str(resolver.resolve_term(raw, "class"))
    except InputError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("raw", ["STRASSE", "strasse", "Straße", "STRAẞE"])
def test_a_label_matches_alike_on_oxigraph_and_rdflib(raw: str) -> None:
    ds = _dataset()
    ox = _answer(Resolver(OxigraphEngine.from_dataset(ds)), raw)
    rd = _answer(Resolver(RdflibEngine.from_dataset(ds)), raw)
    assert ox == rd, (raw, ox, rd)


def test_a_resolver_answers_alike_before_and_after_an_error() -> None:
    """On oxigraph the first value is matched in the store; after an unknown value the kept
    table (Python casefold) answers: the same value must resolve the same way both times."""
    resolver = Resolver(OxigraphEngine.from_dataset(_dataset()))
    first = _answer(resolver, "STRASSE")
    _answer(resolver, "no such label")
    assert _answer(resolver, "STRASSE") == first
