"""The committed UBERON subset is what the checked term tables say, and nothing more."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from emkg import paths
from scriptmodule import load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_uberon_import.py"
IMPORT_FILE = ROOT / "ontology" / "imports" / "uberon.ttl"
OBO = Namespace("http://purl.obolibrary.org/obo/")
PART_OF = OBO.BFO_0000050
IMPORT_IRI = URIRef("https://w3id.org/emkg/ontology/imports/uberon")


def _iri(curie: str) -> URIRef:
    return OBO[curie.replace(":", "_", 1)]


@pytest.fixture(scope="module")
def terms_dir() -> Path:
    found = paths.shared_terms_dir()
    if found is None or not (found / "uberon-subset.tsv").is_file():
        pytest.skip("../shared/terms (terms.tsv, uberon-subset.tsv) is not beside the checkout")
    return found


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script(SCRIPT.name, "make_uberon_import")


@pytest.fixture(scope="module")
def committed() -> Graph:
    return Graph().parse(IMPORT_FILE, format="turtle")


@pytest.fixture(scope="module")
def subset_rows(terms_dir: Path) -> list[dict[str, str]]:
    with (terms_dir / "uberon-subset.tsv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="module")
def uberon_term_rows(terms_dir: Path) -> list[dict[str, str]]:
    with (terms_dir / "terms.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [r for r in rows if r["curie"].startswith("UBERON:")]


def test_regenerating_from_the_tables_gives_the_committed_file(
    script: ModuleType, terms_dir: Path, committed: Graph
) -> None:
    regenerated = script.build_graph(terms_dir)
    assert isomorphic(regenerated, committed), (
        "ontology/imports/uberon.ttl is stale: run scripts/make_uberon_import.py"
    )
    # the written text is the same graph too (the script's own Turtle writer)
    assert isomorphic(Graph().parse(data=script.serialize(regenerated), format="turtle"), committed)


def test_check_mode_passes_on_the_committed_file(script: ModuleType, terms_dir: Path) -> None:
    assert script.main(["--terms-dir", str(terms_dir), "--out", str(IMPORT_FILE), "--check"]) == 0


def test_check_mode_fails_on_a_stale_file(
    script: ModuleType, terms_dir: Path, committed: Graph, tmp_path: Path
) -> None:
    stale = Graph()
    for triple in committed:
        stale.add(triple)
    stale.remove((_iri("UBERON:0004628"), RDFS.subClassOf, _iri("UBERON:0002347")))
    out = tmp_path / "uberon.ttl"
    stale.serialize(out, format="turtle")
    assert script.main(["--terms-dir", str(terms_dir), "--out", str(out), "--check"]) == 1


def test_header(committed: Graph) -> None:
    assert (IMPORT_IRI, RDF.type, OWL.Ontology) in committed
    assert (PART_OF, RDF.type, OWL.ObjectProperty) in committed
    assert str(committed.value(PART_OF, RDFS.label)) == "part of"
    assert committed.value(IMPORT_IRI, OWL.versionInfo) is not None


def test_every_uberon_term_of_both_tables_is_declared_with_a_label(
    committed: Graph,
    subset_rows: list[dict[str, str]],
    uberon_term_rows: list[dict[str, str]],
) -> None:
    curies = {r["curie"] for r in uberon_term_rows}
    curies |= {r["child"] for r in subset_rows} | {r["parent"] for r in subset_rows}
    assert len(curies) >= 214
    for curie in curies:
        iri = _iri(curie)
        assert (iri, RDF.type, OWL.Class) in committed, curie
        assert committed.value(iri, RDFS.label) is not None, curie


def test_no_invented_identifier(
    committed: Graph,
    subset_rows: list[dict[str, str]],
    uberon_term_rows: list[dict[str, str]],
) -> None:
    known = {_iri(r["curie"]) for r in uberon_term_rows}
    known |= {_iri(r["child"]) for r in subset_rows} | {_iri(r["parent"]) for r in subset_rows}
    used = {
        node
        for triple in committed
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(str(OBO))
    }
    # besides the terms of the tables: RO's part_of and the UBERON ontology itself, which every
    # imported class names with rdfs:isDefinedBy
    assert used - known == {PART_OF, URIRef(str(OBO) + "uberon.owl")}
    for cls in committed.subjects(RDF.type, OWL.Class):
        assert (cls, RDFS.isDefinedBy, URIRef(str(OBO) + "uberon.owl")) in committed, cls


def test_links_are_exactly_those_of_the_subset_table(
    committed: Graph, subset_rows: list[dict[str, str]]
) -> None:
    expected = {(r["child"], r["relation"], r["parent"]) for r in subset_rows}
    found: set[tuple[str, str, str]] = set()
    for child, sup in committed.subject_objects(RDFS.subClassOf):
        c = str(child).rsplit("/", 1)[1].replace("_", ":", 1)
        if isinstance(sup, URIRef):
            found.add((c, "is_a", str(sup).rsplit("/", 1)[1].replace("_", ":", 1)))
        else:
            assert isinstance(sup, BNode)
            assert committed.value(sup, OWL.onProperty) == PART_OF
            whole = committed.value(sup, OWL.someValuesFrom)
            found.add((c, "part_of", str(whole).rsplit("/", 1)[1].replace("_", ":", 1)))
    assert found == expected


def test_newer_label_wins_and_the_older_is_kept(
    committed: Graph,
    subset_rows: list[dict[str, str]],
    uberon_term_rows: list[dict[str, str]],
) -> None:
    subset_label = {r["child"]: r["child_label"] for r in subset_rows}
    subset_label |= {r["parent"]: r["parent_label"] for r in subset_rows}
    differing = 0
    for row in uberon_term_rows:
        iri = _iri(row["curie"])
        assert str(committed.value(iri, RDFS.label)) == row["official_label"]
        older = subset_label[row["curie"]]
        if older != row["official_label"]:
            differing += 1
            assert str(committed.value(iri, SKOS.altLabel)) == older
    assert differing >= 1
    bone = _iri("UBERON:0001474")
    assert str(committed.value(bone, RDFS.label)) == "bone element"
    assert str(committed.value(bone, SKOS.altLabel)) == "bone"


_ISA_PATH = "ASK { ?a rdfs:subClassOf+ ?b }"


def _is_a(g: Graph, a: str, b: str) -> bool:
    """``a`` reaches ``b`` by is_a alone: the path only follows named superclasses,
    because a part_of restriction is a blank node with no rdfs:subClassOf of its own."""
    res = g.query(_ISA_PATH, initBindings={"a": _iri(a), "b": _iri(b)})
    return bool(res.askAnswer)


def test_a_question_about_bone_finds_a_vertebral_lesion(committed: Graph) -> None:
    assert _is_a(committed, "UBERON:0004628", "UBERON:0001474")  # T3 vertebra -> bone element
    assert _is_a(committed, "UBERON:0004616", "UBERON:0001474")  # C7
    assert _is_a(committed, "UBERON:0004619", "UBERON:0001474")  # L3


def test_retroperitoneal_lymph_node_is_a_lymph_node(committed: Graph) -> None:
    assert _is_a(committed, "UBERON:0035371", "UBERON:0000029")


def test_what_uberon_does_not_say_is_not_said(committed: Graph) -> None:
    # bony pelvis is a subdivision of skeletal system, not a bone element
    assert not _is_a(committed, "UBERON:0001270", "UBERON:0001474")
    assert _is_a(committed, "UBERON:0001270", "UBERON:0000075")


def test_the_generated_file_says_it_is_generated() -> None:
    head = IMPORT_FILE.read_text(encoding="utf-8").splitlines()[:4]
    assert any(re.search(r"GENERATED by scripts/make_uberon_import\.py", ln) for ln in head)


def test_classes_the_tables_leave_unrooted_say_so(committed: Graph) -> None:
    """A class with no is_a path to anatomical entity is not silently attached anywhere:
    it carries a note, and only such classes do (for site checks in shapes and queries)."""
    root = _iri("UBERON:0001062")
    classes = {c for c in committed.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    rooted = {c for c in classes if c == root or _is_a(committed, _curie(c), "UBERON:0001062")}
    noted = {c for c in classes if committed.value(c, SKOS.editorialNote) is not None}
    assert noted == classes - rooted
    assert len(noted) <= 5  # a handful of gaps in the tables, not a broken import


def _curie(iri: URIRef) -> str:
    return str(iri).rsplit("/", 1)[1].replace("_", ":", 1)
