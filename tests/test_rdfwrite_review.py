"""Review cases for the Oxigraph writers (emkg.rdfwrite) and parse_into's fast path.

Each test states a case the first Oxigraph writer (d98267a..5e53fac) got wrong, or, for the
long-string test, one it got right and should keep: a release file that did not read back
as the same graph, or a refused file that left something behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from emkg import rdfio, rdfwrite
from emkg.build import jsonld_context
from emkg.errors import InputError

EX = "https://example.org/ns/"


def _quads(triples: list[ox.Triple]) -> list[ox.Quad]:
    g = ox.NamedNode(EX + "g")
    return [ox.Quad(t.subject, t.predicate, t.object, g) for t in triples]


def _reads_back(triples: list[ox.Triple], prefixes: dict[str, str]) -> None:
    """Turtle and TriG of ``triples`` read back, in Oxigraph and rdflib, as ``triples``."""
    want = Graph()
    want.parse(data=rdfwrite.ntriples(triples).decode(), format="nt")
    ttl = rdfwrite.turtle(triples, prefixes)
    assert {q.triple for q in ox.parse(ttl, format=ox.RdfFormat.TURTLE)} == set(triples), ttl
    got = Graph().parse(data=ttl.decode(), format="turtle")
    assert isomorphic(got, want), ttl
    trig = rdfwrite.trig(_quads(triples), prefixes)
    assert {q.triple for q in ox.parse(trig, format=ox.RdfFormat.TRIG)} == set(triples), trig
    ds = Dataset()
    ds.parse(data=trig.decode(), format="trig")
    assert isomorphic(ds.graph(URIRef(EX + "g")), want), trig


@pytest.mark.parametrize(
    "text",
    [
        "a\nb",
        'a\nb"',
        '"\na',
        'a\n"""b',
        "a\\nb",
        "a\\\nb",
        "a\r\nb",
        "a\tb\nc",
        "é\u0001\nx",
        'a\n""',
        "a\n\\",
        "\n",
        'a\nb\\"',
    ],
)
def test_long_strings_read_back(text: str) -> None:
    """Passes: every literal with a line break, plain, tagged or typed, reads back."""
    s, p = ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p")
    for lit in (
        ox.Literal(text),
        ox.Literal(text, language="en"),
        ox.Literal(text, datatype=ox.NamedNode(EX + "dt")),
    ):
        _reads_back([ox.Triple(s, p, lit)], {"ex": EX})


@pytest.mark.parametrize("name", ["é", "_a", "a.", "a-b1"])
def test_source_prefix_names_give_readable_turtle(name: str) -> None:
    """The name "é" is a valid Turtle PN_PREFIX (its ``@prefix`` line was dropped by an
    ASCII-only pattern). "_a" and "a." are valid XML NCNames that rdflib binds when it reads
    an RDF/XML source, but not Turtle prefixes: Oxigraph wrote them as given (``_a:s`` reads
    as a blank node). Such names are not used now: the IRIs are written in full."""
    t = [ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "o"))]
    _reads_back(t, {name: EX})


def test_iri_ending_in_a_dot_reads_back_with_rdflib() -> None:
    """Oxigraph writes <ns/a.b.> as ``ex:a.b\\.`` (valid Turtle), which rdflib refuses
    ("expected directive or statement"); the README says every file reads back with
    rdflib: such a name is written as the full IRI, as rdflib's own writer did."""
    t = [ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "a.b."))]
    _reads_back(t, {"ex": EX})


@pytest.mark.parametrize("iri", ["data:text/plain,hi", "doi:10.1002/ajh.24287", "obo:x"])
def test_jsonld_iri_whose_scheme_is_a_prefix(iri: str) -> None:
    """An absolute IRI whose scheme is a @context prefix (``data:`` is a registered URI
    scheme), written as it stands, would read back as the prefix's IRI
    (``https://w3id.org/emkg/data/text/plain,hi``): that prefix is left out of the context."""
    t = [ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.NamedNode(iri))]
    data = rdfwrite.jsonld(t, jsonld_context())
    assert {q.triple for q in ox.parse(data, format=ox.RdfFormat.JSON_LD)} == set(t), json.loads(
        data
    )


def test_refused_file_binds_no_prefix(tmp_path: Path) -> None:
    """parse_into's fast path (an empty Graph) parses straight into the target; on refusal
    it removed the triples only, and the refused file's prefixes stayed bound (the brief:
    a failed load leaves the old state)."""
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix foo: <http://foo.example/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        'foo:s foo:p "abc"^^xsd:integer .\n'
    )
    graph = Graph()
    before = set(graph.namespaces())
    with pytest.raises(InputError):
        rdfio.parse_into(graph, bad)
    assert len(graph) == 0
    assert set(graph.namespaces()) == before


def test_empty_and_non_empty_targets_get_the_same_prefixes(tmp_path: Path) -> None:
    """The fast path bound the file's default prefix ``:``, the copying path skipped it
    (``if prefix:``): what a file bound depended on whether the target was empty."""
    good = tmp_path / "good.ttl"
    good.write_text('@prefix : <http://default.example/> .\n:s :p "x" .\n')
    empty, full = Graph(), Graph()
    full.add((URIRef("http://a.example/s"), URIRef("http://a.example/p"), Literal("y")))
    rdfio.parse_into(empty, good)
    rdfio.parse_into(full, good)
    assert dict(empty.namespaces()).get("") == dict(full.namespaces()).get("")


#: local parts that Oxigraph writes plain, with a backslash escape, or not at all
LOCALS = ["a.b.", "a.b", "a/b", "a~b", "a(b)", "a%20b", "-a", ".a", "a:b", "a,b", "a;b", "1a"]
LOCALS += ["a#b", "a'b", "a@b", "a?b", "é", "", "_a", "a!b", "a$b", "a&b", "a*b", "a+b", "a=b"]


@pytest.mark.parametrize("local", LOCALS)
def test_every_local_part_reads_back(local: str) -> None:
    """Whatever the local part, as subject, predicate, object or datatype: the written
    prefixed name or full IRI reads back in Oxigraph and rdflib as the same IRI."""
    iri = ox.NamedNode(EX + local)
    other = ox.NamedNode(EX + "x")
    t = [
        ox.Triple(iri, other, other),
        ox.Triple(other, iri, other),
        ox.Triple(other, other, iri),
        ox.Triple(other, other, ox.Literal("v", datatype=iri)),
    ]
    _reads_back(t, {"ex": EX, "": EX + "x/", "a·b": EX + "y/"})


def test_only_prefixes_turtle_and_rdflib_read_are_declared() -> None:
    """A name PN_PREFIX allows but rdflib does not read (``a.b``) is not used; each used
    prefix is declared once, and a prefix named in a literal alone is not declared."""
    s, p = ox.NamedNode(EX + "s"), ox.NamedNode("https://other.example/p")
    t = [ox.Triple(s, p, ox.Literal("see ex: and q:x"))]
    text = rdfwrite.turtle(t, {"a.b": EX, "q": "https://q.example/", "o": "https://other.example/"})
    assert text.decode().splitlines()[:2] == ["@prefix o: <https://other.example/> .", ""]
    _reads_back(t, {"a.b": EX, "q": "https://q.example/", "o": "https://other.example/"})


def test_jsonld_context_namespaces_end_in_a_delimiter() -> None:
    t = [ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "o"))]
    with pytest.raises(ValueError, match="ends in neither"):
        rdfwrite.jsonld(t, {"ex": "https://example.org/ns"})
