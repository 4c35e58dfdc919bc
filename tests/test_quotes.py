"""Provenance of the curated graph: every quote is verbatim in its source, every node is quoted.

Generic for all ``kg/*.ttl`` files. The check itself is the product's (:mod:`emkg.sources`, run
by ``emkg check``): a quote (``oa:exact``) must occur, whitespace normalised, in a text that the
sources registry (``sources.tsv`` of the sources folder) lists for the publication its
annotation names (``oa:hasSource``); two rows may share a publication (001 and 003 are one
article), and a quote is accepted if any of that publication's texts contains it. Every
``emkg:offsetText`` must be verbatim in the text of its patient's publication as well.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from emkg import build
from emkg.sources import Registry, check_quotes, normalise

PREFIXES = """
PREFIX oa:   <http://www.w3.org/ns/oa#>
PREFIX emkg: <https://w3id.org/emkg/ontology#>
"""
JOHNS = URIRef("https://doi.org/10.3389/fimmu.2024.1423487")
LI = URIRef("https://doi.org/10.3389/fonc.2025.1508676")

#: curated files whose emkg:offsetText values are still the curator's paraphrase, not the
#: source's words; strict: a file that passes must leave this list (kg/ fixes take it out)
OFFSET_TEXTS_NOT_YET_VERBATIM: set[str] = set()


@cache
def kg_graph(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@cache
def registry(seeds: Path) -> Registry:
    return Registry.load(seeds)


def _parsed_kg_files() -> list[Path]:
    files = []
    for path in build.kg_files():
        try:
            kg_graph(path)
        except Exception:  # a broken file is reported by test_kg_file_parses
            continue
        files.append(path)
    return files


@pytest.mark.parametrize("path", build.kg_files(), ids=lambda p: p.name)
def test_kg_file_parses(path: Path) -> None:
    kg_graph(path)


@pytest.mark.parametrize("path", _parsed_kg_files(), ids=lambda p: p.name)
def test_quotes_are_verbatim_in_their_sources(path: Path, seeds_dir: Path) -> None:
    problems = [
        p.message
        for p in check_quotes(kg_graph(path), registry(seeds_dir))
        if p.kind != "offset text"
    ]
    assert problems == [], f"{path.name}:\n" + "\n".join(problems)


def _offset_params() -> list[object]:
    return [
        pytest.param(
            path,
            marks=pytest.mark.xfail(
                path.name in OFFSET_TEXTS_NOT_YET_VERBATIM,
                reason="offset texts not yet verbatim",
                strict=True,
            ),
            id=path.name,
        )
        for path in _parsed_kg_files()
    ]


@pytest.mark.parametrize("path", _offset_params())
def test_offset_texts_are_verbatim_in_their_sources(path: Path, seeds_dir: Path) -> None:
    problems = [
        p.message
        for p in check_quotes(kg_graph(path), registry(seeds_dir))
        if p.kind == "offset text"
    ]
    assert problems == [], f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", _parsed_kg_files(), ids=lambda p: p.name)
def test_every_annotation_has_one_source_and_one_quote(path: Path) -> None:
    rows = kg_graph(path).query(
        PREFIXES
        + """SELECT ?ann (SAMPLE(?body) AS ?aBody) (COUNT(DISTINCT ?source) AS ?sources)
                    (COUNT(DISTINCT ?exact) AS ?exacts) (MIN(STRLEN(STR(?exact))) AS ?shortest)
             WHERE {
               ?ann a oa:Annotation .
               OPTIONAL { ?ann oa:hasBody ?body }
               OPTIONAL { ?ann oa:hasTarget/oa:hasSource ?source }
               OPTIONAL { ?ann oa:hasTarget/oa:hasSelector/oa:exact ?exact }
             } GROUP BY ?ann"""
    )
    bad = [
        f"annotation of {body}: {sources} source(s), {exacts} quote(s), shortest {shortest}"
        for _, body, sources, exacts, shortest in rows  # type: ignore[misc]
        if body is None
        or int(sources) != 1
        or int(exacts) != 1
        or shortest is None
        or int(shortest) == 0
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", _parsed_kg_files(), ids=lambda p: p.name)
def test_every_curated_node_is_quoted(path: Path) -> None:
    rows = kg_graph(path).query(
        PREFIXES
        + """SELECT DISTINCT ?node ?cls WHERE {
               ?node a ?cls .
               FILTER(STRSTARTS(STR(?cls), STR(emkg:)))
               FILTER(?cls != emkg:TimeOffset)
               FILTER NOT EXISTS { ?ann a oa:Annotation ; oa:hasBody ?node }
             } ORDER BY ?node"""
    )
    unquoted = [f"{node} ({cls})" for node, cls in rows]  # type: ignore[misc]
    assert not unquoted, "curated nodes without a quote:\n" + "\n".join(unquoted)


def test_registry_maps_the_seed_files(seeds_dir: Path) -> None:
    """Every seed text belongs to a publication; 001 and 003 share one (sources.tsv)."""
    reg = registry(seeds_dir)
    mapped = {t.path.name for texts in reg.texts.values() for t in texts}
    assert mapped == {p.name for p in seeds_dir.glob("*.txt")}
    assert [t.path.name[:3] for t in reg.find(JOHNS)] == ["000"]
    assert sorted(t.path.name[:3] for t in reg.find(LI)) == ["001", "003"]


def test_a_wrong_quote_is_caught(seeds_dir: Path) -> None:
    reg = registry(seeds_dir)
    assert reg.contains(JOHNS, "He tolerated radiation  and\nLD")
    assert not reg.contains(JOHNS, "He tolerated radiation and LD well")
    assert normalise(" a\n b ") == "a b"


def test_a_curators_offset_text_is_caught(seeds_dir: Path) -> None:
    """The wording l1:f40 once carried as its offset text is the curator's, not Li's."""
    reg = registry(seeds_dir)
    assert not reg.contains(
        LI, "CT scan also showed (in the same paragraph as the one-month assessment)"
    )
    assert reg.contains(LI, "One month after CAR-T cell therapy")
