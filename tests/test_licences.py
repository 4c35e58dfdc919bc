"""Licences and citation: code, data per source graph, the release's description, CITATION.cff."""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from emkg import build, paths

ROOT = Path(__file__).resolve().parents[1]
EMKG = "https://w3id.org/emkg/ontology#"
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")


def publications(path: Path) -> list[tuple[URIRef, Graph]]:
    """The publications a source graph quotes (``oa:hasSource``), not those it only cites."""
    graph = Graph().parse(path)
    quoted = set(graph.objects(None, URIRef("http://www.w3.org/ns/oa#hasSource")))
    return [
        (pub, graph)
        for pub in graph.subjects(RDF.type, URIRef(EMKG + "Publication"))
        if isinstance(pub, URIRef) and pub in quoted
    ]


def test_the_code_licence_is_mit() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert (
        "Code: MIT"
        in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]["text"]
    )


@pytest.mark.parametrize("path", build.kg_files(), ids=lambda p: p.stem)
def test_every_source_graph_states_its_licence_or_its_rights(path: Path) -> None:
    found = publications(path)
    assert found, f"{path.name} declares no publication"
    listed = (ROOT / "LICENSE-DATA.md").read_text(encoding="utf-8")
    assert f"`kg/{path.name}`" in listed
    for pub, graph in found:
        licences = set(graph.objects(pub, DCTERMS.license))
        rights = set(graph.objects(pub, DCTERMS.rights))
        # exactly one of the two: a stated licence, or what is redistributed without one
        assert bool(licences) != bool(rights), pub


def test_licences_follow_the_source_registry(seeds_dir: Path) -> None:
    registry = seeds_dir / "sources.tsv"
    if not registry.is_file():
        pytest.skip("sources.tsv is not present in the shared seeds")
    with registry.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    stated = {row["id"].removeprefix("doi:").lower(): row["licence"] for row in rows}
    checked = 0
    for path in build.kg_files():
        for pub, graph in publications(path):
            doi = str(pub).removeprefix("https://doi.org/").lower()
            if doi not in stated:
                continue
            licences = set(graph.objects(pub, DCTERMS.license))
            if stated[doi].startswith("CC-BY-4.0"):
                assert licences == {CC_BY_4}, path.name
            else:
                # e.g. Agrawal 2025: "abstract only, licence not stated"
                assert "not stated" in stated[doi]
                assert licences == set(), path.name
                (rights,) = graph.objects(pub, DCTERMS.rights)
                assert "Licence not stated" in str(rights)
                assert "not redistributed" in str(rights)
            checked += 1
    assert checked == len(build.kg_files())


def test_the_release_gives_a_licence_per_graph_and_no_blanket_licence(
    curated_release: Path,
) -> None:
    void = Graph().parse(curated_release / "void.ttl", format="turtle")
    assert set(void.objects(build.DATASET_IRI, DCTERMS.license)) == set()
    assert void.value(build.DATASET_IRI, DCTERMS.rights) is not None
    for path in build.kg_files():
        subset = build.graph_iri_for(path)
        licences = set(void.objects(subset, DCTERMS.license))
        rights = set(void.objects(subset, DCTERMS.rights))
        assert bool(licences) != bool(rights), path.name
    agrawal = build.graph_iri_for(paths.kg_dir() / "agrawal2025.ttl")
    assert set(void.objects(agrawal, DCTERMS.license)) == set()
    ontology_licences = set(void.objects(build.ONTOLOGY_GRAPH, DCTERMS.license))
    assert CC_BY_4 in ontology_licences  # emkg's ontology; the UBERON import adds CC BY 3.0


def test_citation_cff_has_the_version_and_cites_every_source() -> None:
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert re.search(r"^cff-version: 1\.2\.0$", text, re.M)
    assert re.search(rf'^version: "{re.escape(version)}"$', text, re.M)
    assert re.search(r"^license: MIT$", text, re.M)
    for path in build.kg_files():
        for pub, _graph in publications(path):
            doi = str(pub).removeprefix("https://doi.org/")
            assert f"doi: {doi}" in text, path.name
