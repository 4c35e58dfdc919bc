"""The release's writers (emkg.rdfwrite): what they write reads back as the same RDF, in
rdflib and in Oxigraph, and looks as the README ("Released artifacts") says."""

from __future__ import annotations

import json
from collections.abc import Callable

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from emkg import rdfwrite

EX = "https://example.org/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PREFIXES = {"ex": EX, "xsd": XSD, "unused": "https://example.org/unused/"}


def _n(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


#: literals that a writer could get wrong: line breaks, a backslash before an "n", quotes,
#: a quote at the end, a tab, a language tag, a typed value
TRICKY = [
    ox.Literal("line one\nline two"),
    ox.Literal("a backslash then n: \\n, not a line break"),
    ox.Literal('quoted "words"\nand a break'),
    ox.Literal('ends with a quote\n"'),
    ox.Literal("tab\there"),
    ox.Literal("étiquette", language="fr"),
    ox.Literal("05", datatype=ox.NamedNode(XSD + "integer")),
]
TRIPLES = rdfwrite.sorted_triples(
    [
        ox.Triple(_n("t"), RDF_TYPE, _n("Thing")),
        ox.Triple(_n("s"), RDF_TYPE, _n("Thing")),
        ox.Triple(_n("s"), RDF_TYPE, ox.BlankNode("bclass")),
        ox.Triple(_n("s"), _n("list"), ox.BlankNode("b1")),
        ox.Triple(ox.BlankNode("b1"), _n("first"), _n("x")),
        ox.Triple(_n("s"), _n("link"), ox.NamedNode("https://example.org/ns#//odd")),
        *(ox.Triple(_n("s"), _n("p"), value) for value in TRICKY),
    ]
)


def _rdflib_graph(data: bytes, fmt: str) -> Graph:
    return Graph().parse(data=data, format=fmt)


def _expected() -> Graph:
    return _rdflib_graph(rdfwrite.ntriples(TRIPLES), "nt")


@pytest.mark.parametrize(
    ("write", "fmt", "ox_format"),
    [
        (lambda: rdfwrite.turtle(TRIPLES, PREFIXES), "turtle", ox.RdfFormat.TURTLE),
        (lambda: rdfwrite.jsonld(TRIPLES, PREFIXES), "json-ld", ox.RdfFormat.JSON_LD),
    ],
)
def test_each_writer_reads_back_as_the_same_graph(
    write: Callable[[], bytes], fmt: str, ox_format: ox.RdfFormat
) -> None:
    data = write()
    assert isomorphic(_rdflib_graph(data, fmt), _expected())
    assert len(list(ox.parse(data, format=ox_format))) == len(TRIPLES)
    assert write() == data  # the same triples give the same bytes


def test_turtle_keeps_line_breaks_readable_and_declares_only_used_prefixes() -> None:
    text = rdfwrite.turtle(TRIPLES, PREFIXES).decode("utf-8")
    assert '"""line one\nline two"""' in text
    # an escaped backslash before "n" is not a line break: it stays escaped, on one line
    assert '"a backslash then n: \\\\n, not a line break"' in text
    assert '"""ends with a quote\n\\""""' in text
    assert "@prefix ex: <https://example.org/ns#> ." in text
    assert "@prefix unused:" not in text
    # blank nodes are labelled, each subject has a blank line before it
    assert "\n\n_:b1 ex:first ex:x .\n" in text


def test_trig_has_one_block_per_graph_and_reads_back() -> None:
    graphs = [ox.NamedNode("https://example.org/g/a"), ox.NamedNode("https://example.org/g/b")]
    quads = [ox.Quad(t.subject, t.predicate, t.object, g) for g in graphs for t in TRIPLES]
    data = rdfwrite.trig(quads, PREFIXES)
    ds = Dataset()
    ds.parse(data=data, format="trig")
    for g in graphs:
        assert isomorphic(ds.graph(g.value), _expected()), g
    assert data.decode().count("{\n") == 2
    as_nquads = rdfwrite.nquads(quads).decode().splitlines()
    assert as_nquads == sorted(as_nquads)
    assert len(as_nquads) == 2 * len(TRIPLES)


def test_jsonld_is_compacted_with_the_prefixes() -> None:
    document = json.loads(rdfwrite.jsonld(TRIPLES, PREFIXES))
    assert document["@context"] == PREFIXES
    nodes = {n["@id"]: n for n in document["@graph"]}
    # a class named by an IRI is an @type; a blank node in rdf:type position keeps the property
    assert nodes["ex:t"]["@type"] == "ex:Thing"
    node = nodes["ex:s"]
    assert "@type" not in node
    assert node[RDF_TYPE.value] == [{"@id": "ex:Thing"}, {"@id": "_:bclass"}]
    # an IRI whose rest would start with "//" is not compacted (it would read as an IRI)
    assert node["ex:link"] == {"@id": "https://example.org/ns#//odd"}
    assert {"@type": "xsd:integer", "@value": "05"} in node["ex:p"]
    assert {"@language": "fr", "@value": "étiquette"} in node["ex:p"]
    assert "line one\nline two" in node["ex:p"]
