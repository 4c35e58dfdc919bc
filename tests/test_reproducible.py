"""Releases are byte-reproducible: the same input gives the same files and checksums.

Two builds run in separate processes (fresh random blank-node labels, another hash seed) and
must write identical bytes. The description of the release names each file's checksum as an
``spdx:Checksum`` node and its media type as an IRI; the JSON-LD has a compact ``@context``;
the curated graph's blank nodes are skolemised under stable IRIs, so loading the release
twice cannot double them.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from emkg import build, paths
from emkg.skolem import GENID_BASE

ROOT = Path(__file__).resolve().parents[1]
SPDX = "http://spdx.org/rdf/terms#"
DCAT_NS = "http://www.w3.org/ns/dcat#"
DISTRIBUTION = URIRef(DCAT_NS + "distribution")
BYTE_SIZE = URIRef(DCAT_NS + "byteSize")
MEDIA_TYPE = URIRef(DCAT_NS + "mediaType")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
HEX_BINARY = URIRef("http://www.w3.org/2001/XMLSchema#hexBinary")


@pytest.fixture(scope="module")
def two_builds(curated_release: Path, curated_rebuild: Path) -> tuple[Path, Path]:
    """The run's curated release (built in its own process, hash seed 1) and its rebuild (in
    another process, hash seed 2), both made once per run (tests/conftest.py)."""
    return curated_release, curated_rebuild


def test_two_builds_in_a_row_give_byte_identical_files(two_builds: tuple[Path, Path]) -> None:
    first, second = two_builds
    names = sorted(p.name for p in first.iterdir() if p.is_file())
    assert names == sorted(p.name for p in second.iterdir() if p.is_file())
    assert {"emkg.ttl", "emkg.nt", "emkg.jsonld", "emkg.trig", "emkg.nq", "void.ttl"} <= set(names)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_void_names_checksums_and_media_types_as_nodes(two_builds: tuple[Path, Path]) -> None:
    release, _ = two_builds
    void = Graph().parse(release / "void.ttl")
    distributions = set(void.objects(build.DATASET_IRI, DISTRIBUTION))
    files = {p.name for p in release.iterdir() if p.is_file() and p.name != "void.ttl"}
    assert {str(d).rsplit("/", 1)[-1] for d in distributions} == files
    for dist in distributions:
        data = (release / str(dist).rsplit("/", 1)[-1]).read_bytes()
        checksum = void.value(dist, URIRef(SPDX + "checksum"))
        assert isinstance(checksum, URIRef)
        assert (checksum, RDF_TYPE, URIRef(SPDX + "Checksum")) in void
        assert void.value(checksum, URIRef(SPDX + "algorithm")) == URIRef(
            SPDX + "checksumAlgorithm_sha256"
        )
        value = void.value(checksum, URIRef(SPDX + "checksumValue"))
        assert value == Literal(hashlib.sha256(data).hexdigest(), datatype=HEX_BINARY)
        assert int(void.value(dist, BYTE_SIZE)) == len(data)  # type: ignore[arg-type]
        media = void.value(dist, MEDIA_TYPE)
        assert isinstance(media, URIRef)
        assert str(media).startswith("https://www.iana.org/assignments/media-types/")
    # no blank node anywhere in the description
    assert not any(t.n3().startswith("_:") for triple in void for t in triple)


def test_jsonld_has_a_compact_context(two_builds: tuple[Path, Path]) -> None:
    release, _ = two_builds
    document = json.loads((release / "emkg.jsonld").read_text(encoding="utf-8"))
    context = document["@context"]
    assert context["emkg"] == "https://w3id.org/emkg/ontology#"
    assert context["oa"] == "http://www.w3.org/ns/oa#"
    types = {
        t
        for node in document["@graph"]
        for t in ([node["@type"]] if isinstance(node.get("@type"), str) else node.get("@type", []))
    }
    assert "emkg:Patient" in types
    assert "oa:Annotation" in types


def test_curated_blank_nodes_are_skolemised_and_the_ontology_keeps_its_own(
    two_builds: tuple[Path, Path],
) -> None:
    release, _ = two_builds
    blank_graphs: set[str] = set()
    skolem_graphs: set[str] = set()
    for quad in ox.parse(path=str(release / "emkg.nq"), format=ox.RdfFormat.N_QUADS):
        graph = quad.graph_name.value  # type: ignore[union-attr]
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.BlankNode):
                blank_graphs.add(graph)
            elif isinstance(term, ox.NamedNode) and term.value.startswith(GENID_BASE):
                source = graph.rsplit("/", 1)[-1]
                assert re.fullmatch(
                    re.escape(f"{GENID_BASE}{source}/") + r"[0-9a-f]{32}(-\d+)?", term.value
                ), term.value
                skolem_graphs.add(graph)
    # OWL restrictions and lists must stay blank for OWL 2 DL; the curated graph has none left
    assert blank_graphs == {str(build.ONTOLOGY_GRAPH)}
    assert skolem_graphs == {str(build.graph_iri_for(p)) for p in build.kg_files()}


def test_skolem_iris_depend_on_the_source_not_on_the_other_files(curated_release: Path) -> None:
    """The release's files made of johns2024.ttl alone name its blank nodes as the run's
    curated release (built from every kg/ file) does."""
    johns = paths.kg_dir() / "johns2024.ttl"
    alone, _ = build.release_files(build.assemble(kg=[johns]))
    together = {"emkg.nq": (curated_release / "emkg.nq").read_bytes()}

    def skolems(nquads: bytes) -> set[str]:
        return set(re.findall(rf"<({re.escape(GENID_BASE)}johns2024/[^>]+)>", nquads.decode()))

    found = skolems(alone["emkg.nq"])
    assert len(found) > 300  # one per annotation, target, selector and time offset
    assert found == skolems(together["emkg.nq"])


def test_loading_the_release_twice_adds_nothing_to_the_curated_graphs(
    two_builds: tuple[Path, Path],
) -> None:
    release, _ = two_builds
    store = ox.Store()
    store.load(path=str(release / "emkg.nq"), format=ox.RdfFormat.N_QUADS)

    def sizes() -> dict[str, int]:
        return {
            str(g): len(list(store.quads_for_pattern(None, None, None, g)))
            for g in store.named_graphs()
        }

    once = sizes()
    store.load(path=str(release / "emkg.nq"), format=ox.RdfFormat.N_QUADS)
    twice = sizes()
    for graph, n in once.items():
        if graph != f"<{build.ONTOLOGY_GRAPH}>":
            assert twice[graph] == n, graph


def test_the_version_has_a_changelog_entry() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(version)}\]", changelog, re.M), version
