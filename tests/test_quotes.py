"""Provenance of the curated graph: every quote is verbatim in its source, every node is quoted.

Generic for all ``kg/*.ttl`` files. A quote (``oa:exact``) must occur in the seed text of the
publication its annotation names (``oa:hasSource``), whitespace normalised. Which seed file holds
which publication is read from the table in ``seeds/README.md`` (file -> citation with DOI); a row
that says "same as NNN" holds the same publication as file NNN (001 and 003 are one article), so
a quote is accepted if any of that publication's files contains it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph

from emkg import build

DOI_RESOLVER = "https://doi.org/"
PREFIXES = """
PREFIX oa:   <http://www.w3.org/ns/oa#>
PREFIX emkg: <https://w3id.org/emkg/ontology#>
"""
_DOI = re.compile(r"doi:\s*(10\.[^\s|]+)", re.IGNORECASE)
_SAME_AS = re.compile(r"same as (\d{3})\b", re.IGNORECASE)


def normalise(text: str) -> str:
    return " ".join(text.split())


@cache
def kg_graph(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def seed_sources(seeds: Path) -> dict[str, list[Path]]:
    """DOI resolver IRI -> the seed files holding that publication, from seeds/README.md."""
    doi_of: dict[str, str] = {}
    same_as: dict[str, str] = {}
    for line in (seeds / "README.md").read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells or not cells[0].endswith(".txt"):
            continue
        rest = " | ".join(cells[1:])
        found = _DOI.search(rest)
        if found:
            doi_of[cells[0]] = found.group(1).rstrip(".,;")
        elif other := _SAME_AS.search(rest):
            same_as[cells[0]] = other.group(1)
    for name, number in same_as.items():
        for target, doi in list(doi_of.items()):
            if target.startswith(number + "_"):
                doi_of[name] = doi
    sources: dict[str, list[Path]] = {}
    for name, doi in sorted(doi_of.items()):
        sources.setdefault(DOI_RESOLVER + doi, []).append(seeds / name)
    return sources


@cache
def seed_texts(seeds: Path) -> dict[str, list[str]]:
    return {
        source: [normalise(p.read_text(encoding="utf-8")) for p in files]
        for source, files in seed_sources(seeds).items()
    }


def _parsed_kg_files() -> list[Path]:
    files = []
    for path in build.kg_files():
        try:
            kg_graph(path)
        except Exception:  # a broken file is reported by test_kg_file_parses
            continue
        files.append(path)
    return files


def _quote_params() -> list[object]:
    params = []
    for path in _parsed_kg_files():
        rows = kg_graph(path).query(
            PREFIXES
            + """SELECT DISTINCT ?source ?exact WHERE {
                   ?ann a oa:Annotation ; oa:hasTarget ?t .
                   ?t oa:hasSource ?source ; oa:hasSelector/oa:exact ?exact }"""
        )
        for source, exact in sorted(rows, key=lambda r: (str(r[0]), str(r[1]))):  # type: ignore[index]
            short = normalise(str(exact))
            short = short if len(short) <= 70 else short[:67] + "..."
            params.append(pytest.param(path, str(source), str(exact), id=f"{path.stem}: {short}"))
    return params


@pytest.mark.parametrize("path", build.kg_files(), ids=lambda p: p.name)
def test_kg_file_parses(path: Path) -> None:
    kg_graph(path)


@pytest.mark.parametrize(("path", "source", "exact"), _quote_params())
def test_quote_is_verbatim_in_its_source(
    path: Path, source: str, exact: str, seeds_dir: Path
) -> None:
    texts = seed_texts(seeds_dir)
    assert source in texts, (
        f"{path.name}: {source} has no seed text (seeds/README.md maps {sorted(texts)})"
    )
    quote = normalise(exact)
    assert any(quote in text for text in texts[source]), (
        f"{path.name}: quote not found verbatim in {source}: {quote!r}"
    )


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
               FILTER(?cls NOT IN (emkg:Publication, emkg:TimeOffset))
               FILTER NOT EXISTS { ?ann a oa:Annotation ; oa:hasBody ?node }
             } ORDER BY ?node"""
    )
    unquoted = [f"{node} ({cls})" for node, cls in rows]  # type: ignore[misc]
    assert not unquoted, "curated nodes without a quote:\n" + "\n".join(unquoted)


def test_readme_table_maps_the_seed_files(seeds_dir: Path) -> None:
    """The mapping these tests rely on: every seed text belongs to a DOI; 001 and 003 share one."""
    sources = seed_sources(seeds_dir)
    mapped = {p.name for files in sources.values() for p in files}
    assert mapped == {p.name for p in seeds_dir.glob("*.txt")}
    johns = sources[DOI_RESOLVER + "10.3389/fimmu.2024.1423487"]
    assert [p.name[:3] for p in johns] == ["000"]
    li = sources[DOI_RESOLVER + "10.3389/fonc.2025.1508676"]
    assert sorted(p.name[:3] for p in li) == ["001", "003"]


def test_a_wrong_quote_is_caught(seeds_dir: Path) -> None:
    texts = seed_texts(seeds_dir)[DOI_RESOLVER + "10.3389/fimmu.2024.1423487"]
    assert any(normalise("He tolerated radiation  and\nLD") in t for t in texts)
    assert not any(normalise("He tolerated radiation and LD well") in t for t in texts)


def _offset_text_params() -> list[object]:
    params = []
    for path in _parsed_kg_files():
        rows = kg_graph(path).query(
            PREFIXES
            + """SELECT DISTINCT ?event ?source ?text WHERE {
                   ?event emkg:hasTimeOffset/emkg:offsetText ?text ;
                          emkg:ofPatient/emkg:reportedIn ?source }"""
        )
        for event, source, text in sorted(rows, key=lambda r: (str(r[0]), str(r[2]))):  # type: ignore[index]
            params.append(
                pytest.param(path, str(source), str(text), id=f"{path.stem}: {event}: {text}")
            )
    return params


@pytest.mark.parametrize(("path", "source", "text"), _offset_text_params())
def test_offset_text_is_verbatim_in_its_source(
    path: Path, source: str, text: str, seeds_dir: Path
) -> None:
    """An offset's text is the source's words for the time, not the curator's: it is a quote."""
    texts = seed_texts(seeds_dir)
    assert source in texts, f"{path.name}: {source} has no seed text"
    assert any(normalise(text) in t for t in texts[source]), (
        f"{path.name}: offset text not found verbatim in {source}: {text!r}"
    )


def test_a_curators_offset_text_is_caught(seeds_dir: Path) -> None:
    """The wording l1:f40 once carried is the curator's, and the check refuses it."""
    texts = seed_texts(seeds_dir)[DOI_RESOLVER + "10.3389/fonc.2025.1508676"]
    curators = "CT scan also showed (in the same paragraph as the one-month assessment)"
    assert not any(normalise(curators) in t for t in texts)
    assert any(normalise("One month after CAR-T cell therapy") in t for t in texts)
