"""`emkg build`: release files, named graphs, determinism, atomicity and clear input errors."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import VOID

from emkg import build, paths
from emkg.cli import main
from emkg.errors import InputError
from emkg.rdfcompare import isomorphic_files
from emkg.release import STORE_DIR

EMKG = "https://w3id.org/emkg/ontology#"


@pytest.fixture(scope="module")
def release(curated_release: Path) -> Path:
    """`emkg build --out DIR` of the curated sources (made once per test run)."""
    return curated_release


def test_release_files_present_and_parse(release: Path) -> None:
    expected = {"emkg.ttl", "emkg.nt", "emkg.jsonld", "emkg.trig", "emkg.nq", "void.ttl"}
    assert expected <= {p.name for p in release.iterdir()}
    for name in ("emkg.nt", "emkg.jsonld"):
        assert isomorphic_files(release / "emkg.ttl", release / name), name
    assert isomorphic_files(release / "emkg.trig", release / "emkg.ttl", as_graph=True)


def test_one_named_graph_per_source_plus_ontology(release: Path) -> None:
    ds = Dataset()
    ds.parse(release / "emkg.trig", format="trig")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    expected = {str(build.ONTOLOGY_GRAPH)} | {str(build.graph_iri_for(p)) for p in build.kg_files()}
    assert names == expected
    # the TriG and N-Quads releases hold the same named graphs with the same triples
    assert isomorphic_files(release / "emkg.trig", release / "emkg.nq")


def test_union_is_the_sum_of_the_source_files(release: Path, tmp_path: Path) -> None:
    expected = Graph()
    for path in build.source_files():
        expected.parse(path, format="turtle")
    flat = tmp_path / "sources.nt"
    expected.serialize(flat, format="nt", encoding="utf-8")
    # the curated graph's blank nodes are skolemised in the release (emkg.skolem): read back
    # as blank nodes, the release is exactly the sources
    assert isomorphic_files(flat, release / "emkg.ttl", unskolemise=True)
    assert not isomorphic_files(flat, release / "emkg.ttl")


def test_isomorphism_check_can_fail(release: Path, tmp_path: Path) -> None:
    lines = (release / "emkg.nt").read_text(encoding="utf-8").splitlines()
    changed = tmp_path / "changed.nt"
    changed.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    assert not isomorphic_files(release / "emkg.nt", changed)


@pytest.mark.parametrize(
    ("name", "sources"),
    [("shapes.ttl", build.shape_files), ("ontology.ttl", build.ontology_files)],
)
def test_shapes_and_ontology_files_hold_exactly_their_sources(
    release: Path, tmp_path: Path, name: str, sources: Callable[[], list[Path]]
) -> None:
    """Their blank nodes stay blank (labelled, not nested): the same graph as the sources."""
    expected = Graph()
    for path in sources():
        expected.parse(path, format="turtle")
    flat = tmp_path / "sources.nt"
    expected.serialize(flat, format="nt", encoding="utf-8")
    assert isomorphic_files(flat, release / name)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [  # emkg.ttl: written as ontology.ttl is, and read by rdflib in test_void_counts_...
        ("emkg.jsonld", "json-ld"),
        ("emkg.trig", "trig"),
        ("ontology.ttl", "turtle"),
        ("shapes.ttl", "turtle"),
        ("queries.ttl", "turtle"),
        ("void.ttl", "turtle"),
    ],
)
def test_rdflib_reads_each_release_file_as_oxigraph_does(
    release: Path, tmp_path: Path, name: str, fmt: str
) -> None:
    """The files are written by Oxigraph (emkg.rdfwrite): rdflib, another tool, reads the
    same graph from each (labelled blank nodes, long strings, escaped names included)."""
    read: Graph = Dataset() if fmt == "trig" else Graph()
    read.parse(release / name, format=fmt)
    assert len(read) > 0 if fmt != "trig" else len(list(read.quads())) > 0
    as_read = tmp_path / ("read.nq" if fmt == "trig" else "read.nt")
    read.serialize(as_read, format="nquads" if fmt == "trig" else "nt", encoding="utf-8")
    assert isomorphic_files(as_read, release / name), name


def test_a_build_in_this_process_is_isomorphic_to_the_release(
    release: Path, tmp_path: Path
) -> None:
    """A build run in process (``main``, as a notebook or API user builds, after the worker's
    other work, under the worker's own hash seed) gives the same graphs as the release built
    in a process of its own (a second such process, the ``curated_rebuild`` fixture, must give
    the same bytes: tests/test_reproducible.py)."""
    again = tmp_path / "again"
    assert main(["build", "--out", str(again)]) == 0
    for name in ("emkg.ttl", "emkg.nt", "emkg.trig", "emkg.nq", "emkg.jsonld"):
        assert isomorphic_files(release / name, again / name), name


def test_void_counts_match_the_data(release: Path) -> None:
    void = Graph().parse(release / "void.ttl")
    data = Graph().parse(release / "emkg.ttl")
    dataset = build.DATASET_IRI
    triples = void.value(dataset, VOID.triples)
    assert triples is not None
    assert int(triples) == len(data)
    rows = void.query(
        "SELECT ?cls ?n WHERE { ?d void:classPartition [ void:class ?cls ; void:entities ?n ] }",
        initNs={"void": VOID},
        initBindings={"d": dataset},
    )
    partitions = {str(r[0]): int(r[1]) for r in rows}  # type: ignore[index]
    assert set(partitions) >= {EMKG + "Patient", EMKG + "EMFinding", EMKG + "TherapyLine"}
    for cls, n in partitions.items():
        counted = data.query(
            "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?cls }",
            initBindings={"cls": URIRef(cls)},
        )
        assert [int(r[0]) for r in counted] == [n], cls  # type: ignore[index]
    # one subset per named graph with its own triple count
    subsets = set(void.objects(dataset, VOID.subset))
    assert URIRef(str(build.ONTOLOGY_GRAPH)) in subsets
    assert void.value(dataset, URIRef("http://purl.org/dc/terms/conformsTo")) == URIRef(
        "https://w3id.org/emkg/ontology/0.1.0"
    )


def _copy_project(tmp: Path) -> Path:
    root = paths.project_root()
    copy = tmp / "proj"
    shutil.copytree(root / "ontology", copy / "ontology")
    shutil.copytree(root / "kg", copy / "kg")
    return copy


def test_bad_kg_file_names_file_and_line_and_keeps_old_release(
    curated_release_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = _copy_project(tmp_path)
    monkeypatch.setenv("EMKG_HOME", str(copy))
    out = curated_release_copy  # the old release: the curated one, built from the same files
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    bad = copy / "kg" / "zz-broken.ttl"
    bad.write_text(
        "@prefix emkg: <https://w3id.org/emkg/ontology#> .\n"
        "<https://w3id.org/emkg/data/x/p> a emkg:Patient .\n"
        "<https://w3id.org/emkg/data/x/q> a emkg:Patient ;;; oops\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["build", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "zz-broken.ttl:3" in err
    assert "what to do" in err
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, "a failed build must leave the previous release untouched"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist")], "temp dirs left"


def test_assemble_raises_input_error_with_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\n\nex:a ex:b "unterminated .\n')
    with pytest.raises(InputError) as info:
        build.assemble(kg=[bad])
    assert info.value.path == bad
    assert info.value.line == 3


def test_the_release_folder_holds_only_what_the_build_made(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "validation.txt").write_text("Result: the graph conforms (stale)")
    (out / "notes.txt").write_text("from an earlier day")
    report = build.build(out)
    assert {p.name for p in out.iterdir()} == {*report.files, STORE_DIR}
    assert [p.name for p in tmp_path.iterdir()] == ["dist"], "staging folders left behind"


def test_release_files_get_ordinary_permissions(release: Path) -> None:
    """Atomic writes go through private temp files; the result must still be readable by all
    that a plain write would let read it (umask default), not owner-only."""
    umask = os.umask(0)
    os.umask(umask)
    assert release.stat().st_mode & 0o777 == 0o777 & ~umask
    for f in release.rglob("*"):
        if f.is_dir():  # the store's folder
            assert f.stat().st_mode & 0o777 == 0o777 & ~umask, f.name
        else:
            assert f.stat().st_mode & 0o777 == 0o666 & ~umask, f.name
