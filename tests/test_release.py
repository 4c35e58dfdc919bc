"""The release's on-disk store: built with the release, read by query and load, users' graphs.

The staleness rule (emkg.release): a missing release is built first; a stale one is answered
from as built, with a warning that names the changed file and the command to run.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from emkg import build, paths, release
from emkg.catalogue import load_catalogue
from emkg.cli import main
from emkg.engines import OxigraphEngine
from emkg.engines.embedded import open_oxigraph, open_rdflib
from emkg.errors import InputError
from emkg.load import release_graphs
from emkg.rdfcompare import isomorphic_files
from emkg.runner import run_query
from emkg.synthetic import write_cohort
from releases import copy_release, made_once

ANNOTATION = "SELECT ?s WHERE { ?s a <http://www.w3.org/ns/oa#Annotation> }"
PATIENT = "SELECT ?p WHERE { ?p a <https://w3id.org/emkg/ontology#Patient> }"
CURATED = Path(__file__).resolve().parents[1] / "kg"


def _one_file_project(copy: Path) -> Path:
    """A copy of the project at ``copy`` whose kg/ holds one curated file, li2025.ttl."""
    root = paths.project_root()
    shutil.copytree(root / "ontology", copy / "ontology")
    shutil.copytree(root / "queries", copy / "queries")
    (copy / "kg").mkdir()
    shutil.copy(root / "kg" / "li2025.ttl", copy / "kg" / "li2025.ttl")
    return copy


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project (EMKG_HOME) whose kg/ holds one curated file, li2025.ttl."""
    copy = _one_file_project(tmp_path / "project")
    monkeypatch.setenv("EMKG_HOME", str(copy))
    return copy


@pytest.fixture
def built_project(
    tmp_path_factory: pytest.TempPathFactory,
    pytestconfig: pytest.Config,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """``project`` with its release ``dist/`` already built (a copy of one built per run)."""

    def make(folder: Path) -> None:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("EMKG_HOME", str(_one_file_project(folder)))
            build.build()

    copy = copy_release(
        made_once(tmp_path_factory, pytestconfig, "li2025-project", make), tmp_path / "project"
    )
    monkeypatch.setenv("EMKG_HOME", str(copy))
    manifest = release.read_manifest()
    assert manifest is not None
    assert release.stale_reasons(manifest) == [], "a copied release stays current"
    return copy


def _touch_later(path: Path, seconds: float = 5) -> None:
    later = time.time() + seconds
    os.utime(path, (later, later))


def test_build_writes_the_store_with_every_graph_and_its_manifest(project: Path) -> None:
    report = build.build()
    store = ox.Store.read_only(str(release.store_path()))
    assert release.graph_counts(store) == report.graphs
    assert set(report.graphs) == {f"{build.GRAPH_BASE}ontology", f"{build.GRAPH_BASE}li2025"}
    manifest = release.read_manifest()
    assert manifest is not None
    assert list(manifest.sources)[-1] == "kg/li2025.ttl"
    assert manifest.graphs == report.graphs
    # the files and the store hold the same graphs (blank nodes apart, as many quads)
    from_files = ox.Store()
    from_files.load(path=str(project / "dist" / "emkg.nq"), format=ox.RdfFormat.N_QUADS)
    assert release.graph_counts(from_files) == report.graphs
    ground = [q for q in store if not any(isinstance(t, ox.BlankNode) for t in q)]
    assert ground
    assert all(q in from_files for q in ground)


def test_a_missing_release_is_built_first_and_said(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "cq11", "--format", "tsv"]) == 0
    err = capsys.readouterr().err
    assert "holds no release store: building the release first" in err
    assert (project / "dist" / "store" / release.MANIFEST).is_file()
    assert main(["query", "cq11", "--format", "tsv"]) == 0
    assert capsys.readouterr().err == ""  # current: opened as it is, nothing said


def test_a_stale_release_is_rebuilt_first_and_said(built_project: Path) -> None:
    project = built_project
    logged: list[str] = []
    engine = open_oxigraph(log=logged.append)
    assert engine.origin == str(project / "dist" / "store")
    before = len(engine.select(ANNOTATION))
    assert before > 0
    assert logged == []
    # a source edited after the build: said, rebuilt, and the answer has the edit
    source = project / "kg" / "li2025.ttl"
    source.write_text(
        source.read_text(encoding="utf-8")
        + "\n<https://w3id.org/emkg/data/li2025/extra-note> a "
        + "<http://www.w3.org/ns/oa#Annotation> .\n",
        encoding="utf-8",
    )
    _touch_later(source)
    engine = open_oxigraph(log=logged.append)
    assert len(engine.select(ANNOTATION)) == before + 1
    assert len(logged) == 1
    assert "is stale" in logged[0]
    assert f"{source} changed" in logged[0]
    assert "rebuilding it first (emkg build)" in logged[0]
    logged.clear()
    open_oxigraph(log=logged.append)
    assert logged == []  # current again
    # a new kg file, and a deleted one, make it stale too
    shutil.copy(source, project / "kg" / "copy2025.ttl")
    open_oxigraph(log=logged.append)
    assert "copy2025.ttl is new" in logged[0]
    assert build.GRAPH_BASE + "copy2025" in release.read_manifest().graphs  # type: ignore[union-attr]
    (project / "kg" / "copy2025.ttl").unlink()
    logged.clear()
    open_oxigraph(log=logged.append)
    assert f"{project / 'kg' / 'copy2025.ttl'} was deleted" in logged[0]
    assert build.GRAPH_BASE + "copy2025" not in release.read_manifest().graphs  # type: ignore[union-attr]


def test_query_and_load_take_release(project: Path, tmp_path: Path, capsys) -> None:
    elsewhere = tmp_path / "rel"
    # a named release that is not there is an error saying how to build it
    assert main(["query", "cq11", "--release", str(elsewhere)]) == 2
    assert f"build it with: emkg build --out {elsewhere}" in capsys.readouterr().err
    assert not elsewhere.exists()
    assert main(["build", "--out", str(elsewhere)]) == 0
    capsys.readouterr()
    assert not (project / "dist").exists()
    assert main(["query", "cq11", "--format", "tsv", "--release", str(elsewhere)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert not (project / "dist").exists()  # the default release was not touched
    code = main(
        ["query", "cq11", "--format", "tsv", "--release", str(elsewhere), "--engine", "rdflib"]
    )
    assert code == 0
    assert capsys.readouterr().out == out
    graphs = release_graphs(elsewhere, log=print)
    assert {g.iri: g.triples for g in graphs} == release.read_manifest(elsewhere).graphs  # type: ignore[union-attr]


def test_a_failed_build_keeps_the_old_release_and_its_store(built_project: Path) -> None:
    project = built_project
    store_before = sorted(p.name for p in release.store_path().iterdir())
    manifest = (release.store_path() / release.MANIFEST).read_text(encoding="utf-8")
    (project / "kg" / "bad.ttl").write_text("@prefix ex: <urn:x#> .\nex:a ex:b .\n")
    with pytest.raises(InputError, match=r"bad\.ttl:2"):
        build.build()
    assert sorted(p.name for p in release.store_path().iterdir()) == store_before
    assert (release.store_path() / release.MANIFEST).read_text(encoding="utf-8") == manifest
    assert not [p for p in project.iterdir() if p.name.startswith(".dist.")]


# -- users' own graphs (--data) ------------------------------------------------------------


def test_users_graphs_answer_exactly_as_the_curated_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dataset: Dataset
) -> None:
    """The curated files given as --data to a project with an empty kg/: same answers."""
    root = paths.project_root()
    copy = tmp_path / "project"
    shutil.copytree(root / "ontology", copy / "ontology")
    shutil.copytree(root / "queries", copy / "queries")
    (copy / "kg").mkdir()
    monkeypatch.setenv("EMKG_HOME", str(copy))
    data = sorted((root / "kg").glob("*.ttl"))
    out = tmp_path / "rel"
    report = build.build(out, data)
    assert set(report.graphs) == {f"{build.GRAPH_BASE}ontology"} | {
        f"{release.DATA_GRAPH_BASE}{p.stem}" for p in data
    }
    curated = OxigraphEngine.from_dataset(dataset)
    users = open_oxigraph(out)
    for entry in load_catalogue().entries:
        if entry.kind != "cq":
            continue
        expected = run_query(entry, {}, curated)
        assert len(expected), entry.id
        assert Counter(run_query(entry, {}, users).rows) == Counter(expected.rows), entry.id
    assert report.counts["patients"] == 4


@pytest.mark.usefixtures("project")
def test_data_files_of_every_syntax_become_one_graph_each(tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.nt"
    write_cohort(cohort, 5, seed=3)
    trig = tmp_path / "more.trig"
    trig.write_text(
        "<urn:emkg:test:s> <urn:emkg:test:p> <urn:emkg:test:o> .\n"
        "<urn:emkg:test:g> { <urn:emkg:test:s> <urn:emkg:test:p> <urn:emkg:test:o2> . }\n",
        encoding="utf-8",
    )
    jsonld = tmp_path / "extra.jsonld"
    jsonld.write_text(json.dumps({"@id": "urn:emkg:test:x", "urn:emkg:test:p": "v"}))
    report = build.build(None, [cohort, trig, jsonld])
    graphs = report.graphs
    assert graphs[f"{release.DATA_GRAPH_BASE}more"] == 2  # both graphs of the TriG file
    assert graphs[f"{release.DATA_GRAPH_BASE}extra"] == 1
    assert graphs[f"{release.DATA_GRAPH_BASE}cohort"] == len(
        {line for line in cohort.read_text(encoding="utf-8").splitlines() if line.strip()}
    )
    assert report.counts["patients"] == 5 + 1  # li2025 has one patient
    assert len(open_oxigraph(log=pytest.fail).select(PATIENT)) == 6
    # a data file is a source: editing it makes the release stale, rebuilt with it
    _touch_later(cohort)
    logged: list[str] = []
    open_oxigraph(log=logged.append)
    assert f"{cohort} changed" in logged[0]
    assert f"--data {cohort} {trig} {jsonld}" in logged[0]
    assert len(open_oxigraph(log=pytest.fail).select(PATIENT)) == 6
    # a data file that is gone: the release holds its only copy, so it is kept and said
    jsonld.unlink()
    logged.clear()
    assert len(open_oxigraph(log=logged.append).select(PATIENT)) == 6
    assert f"{jsonld} was deleted" in logged[0]
    assert "answering from the release as built" in logged[0]


@pytest.mark.usefixtures("built_project")
def test_bad_data_gets_file_and_line_and_the_release_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = release.read_manifest()
    bad = tmp_path / "cases.ttl"
    bad.write_text('@prefix ex: <urn:x#> .\nex:a ex:b "ok" .\nex:a ex:b "unclosed .\n')
    capsys.readouterr()
    assert main(["build", "--data", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3:" in err  # file, line and column
    assert "Traceback" not in err
    assert release.read_manifest() == before
    for wrong, message in (
        (tmp_path / "missing.ttl", "data file not found"),
        (tmp_path / "cases.csv", "unknown RDF file type"),
        (tmp_path / "empty.nt", "holds no triples"),
    ):
        if wrong.suffix != ".ttl":
            wrong.write_text("a,b\n" if wrong.suffix == ".csv" else "# nothing\n")
        assert main(["build", "--data", str(wrong)]) == 2
        assert message in capsys.readouterr().err
    twin = tmp_path / "twin"
    twin.mkdir()
    (twin / "cases.ttl").write_text("")
    good = tmp_path / "cases.nt"
    good.write_text("<urn:emkg:test:s> <urn:emkg:test:p> <urn:emkg:test:o> .\n")
    assert main(["build", "--data", str(good), str(twin / "cases.ttl")]) == 2
    assert "share the named graph" in capsys.readouterr().err
    assert release.read_manifest() == before


@pytest.mark.usefixtures("built_project")
def test_rdflib_reads_the_same_release() -> None:
    ox_engine = open_oxigraph()
    rdf_engine = open_rdflib()
    assert rdf_engine.origin == ox_engine.origin
    assert len(rdf_engine.select(ANNOTATION)) == len(ox_engine.select(ANNOTATION))


def test_an_unreadable_manifest_means_building_again(built_project: Path) -> None:
    project = built_project
    manifest = release.store_path() / release.MANIFEST
    manifest.write_text('{"format": 1, "sources": ["kg/li2025.ttl"]}', encoding="utf-8")
    logged: list[str] = []
    engine = open_oxigraph(log=logged.append)
    assert "unreadable release manifest" in logged[0]
    assert "building the release first" in logged[0]
    assert release.read_manifest() is not None
    assert len(engine.select(ANNOTATION)) > 0
    assert project.is_dir()


# -- a rebuild takes over the users' graphs whose files are unchanged ----------------------


def _store_nquads(out: Path, target: Path) -> Path:
    """The release store's quads as an N-Quads file (to compare stores as datasets)."""
    store = ox.Store.read_only(str(release.store_path(out)))
    store.dump(str(target), format=ox.RdfFormat.N_QUADS)
    return target


def _same_release(a: Path, b: Path, tmp_path: Path) -> None:
    """Two releases hold the same files, byte for byte, and isomorphic stores."""
    names = sorted(p.name for p in a.iterdir() if p.is_file())
    assert names == sorted(p.name for p in b.iterdir() if p.is_file())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert isomorphic_files(
        _store_nquads(a, tmp_path / "a.nq"), _store_nquads(b, tmp_path / "b.nq")
    )


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The users' files the builds of a test read (check and load), in order."""
    read: list[str] = []
    real = release.load_data_file

    def spy(
        store: ox.Store, data: release.DataFile, checked: Callable[[], None] | None = None
    ) -> None:
        read.append(data.path.name)
        real(store, data, checked)

    monkeypatch.setattr(release, "load_data_file", spy)
    return read


def test_a_rebuild_takes_over_unchanged_data_graphs_and_equals_a_fresh_build(
    project: Path, tmp_path: Path, loads: list[str]
) -> None:
    a, b = tmp_path / "a.nt", tmp_path / "b.nt"
    write_cohort(a, 6, seed=1)
    write_cohort(b, 3, seed=2)
    out = tmp_path / "rel"
    assert build.build(out, [a, b]).reused == []
    assert loads == ["a.nt", "b.nt"]
    # a curator adds a case: the curated graphs are built again, the users' graphs kept
    shutil.copy(CURATED / "johns2024.ttl", project / "kg")
    loads.clear()
    again = build.build(out, [a, b])
    assert loads == []
    graph = release.data_graph_iri
    assert again.reused == [graph(a), graph(b)]
    assert f"{build.GRAPH_BASE}johns2024" in again.graphs
    assert "reuse" in again.seconds
    assert "compact" not in again.seconds
    fresh = build.build(tmp_path / "fresh", [a, b], fresh=True)
    assert fresh.reused == []
    assert loads == ["a.nt", "b.nt"]
    assert (again.graphs, again.counts) == (fresh.graphs, fresh.counts)
    _same_release(out, tmp_path / "fresh", tmp_path)
    manifest = release.read_manifest(out)
    assert manifest is not None
    assert release.stale_reasons(manifest) == []


@pytest.mark.usefixtures("project")
def test_a_changed_file_is_loaded_again_a_removed_one_dropped_a_new_one_added(
    tmp_path: Path, loads: list[str]
) -> None:
    a, b, c = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    write_cohort(a, 8, seed=1)
    write_cohort(b, 3, seed=2)
    write_cohort(c, 2, seed=4)
    out = tmp_path / "rel"
    first = build.build(out, [a, b])
    write_cohort(b, 2, seed=3)  # changed: other patients, another size
    _touch_later(b)
    loads.clear()
    changed = build.build(out, [a, b])
    assert (changed.reused, loads) == ([release.data_graph_iri(a)], ["b.nt"])
    assert changed.graphs[release.data_graph_iri(b)] != first.graphs[release.data_graph_iri(b)]
    build.build(tmp_path / "fresh", [a, b], fresh=True)
    _same_release(out, tmp_path / "fresh", tmp_path)
    loads.clear()
    swapped = build.build(out, [a, c])  # b no longer given, c new
    assert (swapped.reused, loads) == ([release.data_graph_iri(a)], ["c.nt"])
    assert release.data_graph_iri(b) not in swapped.graphs
    build.build(tmp_path / "fresh2", [a, c], fresh=True)
    _same_release(out, tmp_path / "fresh2", tmp_path)
    # more to drop than to keep: loaded from scratch (and compacted)
    loads.clear()
    scratch = build.build(out, [c])
    assert (scratch.reused, loads) == ([], ["c.nt"])
    assert "compact" in scratch.seconds


def test_a_failed_rebuild_keeps_the_old_release_whole(
    project: Path, tmp_path: Path, loads: list[str]
) -> None:
    a = tmp_path / "a.nt"
    write_cohort(a, 5, seed=1)
    out = tmp_path / "rel"
    build.build(out, [a])
    before = _store_nquads(out, tmp_path / "before.nq")
    listing = sorted(p.name for p in release.store_path(out).iterdir())
    manifest = release.read_manifest(out)
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <urn:x#> .\nex:a ex:b ex:c ;\n")
    shutil.copy(CURATED / "johns2024.ttl", project / "kg")
    with pytest.raises(InputError, match=r"bad\.ttl"):
        build.build(out, [a, bad])  # fails after taking a over from the old store
    assert loads == ["a.nt", "bad.ttl"]
    assert sorted(p.name for p in release.store_path(out).iterdir()) == listing
    assert release.read_manifest(out) == manifest
    assert isomorphic_files(before, _store_nquads(out, tmp_path / "after.nq"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rel.")]


@pytest.mark.usefixtures("project")
def test_a_store_of_another_emkg_version_is_not_taken_over(tmp_path: Path) -> None:
    a = tmp_path / "a.nt"
    write_cohort(a, 3, seed=1)
    out = tmp_path / "rel"
    report = build.build(out, [a])
    items = release.data_files([a])
    inputs = release.stamp_inputs(build.source_files(), items)
    plan = release.reuse_plan(out, items, inputs)
    graph = release.data_graph_iri(a)
    assert plan is not None
    assert plan.keep == {graph: report.graphs[graph]}
    path = release.store_path(out) / release.MANIFEST
    body = json.loads(path.read_text(encoding="utf-8"))
    body["emkg"] = "0.0.0"
    path.write_text(json.dumps(body), encoding="utf-8")
    assert release.reuse_plan(out, items, inputs) is None


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bad.ttl", "@prefix ex: <urn:x#> .\nex:a ex:b ex:c ;\n"),  # refused by the reader
        ("bad.nt", '<urn:a> <urn:b> "x"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'),
    ],
)
def test_a_refused_file_leaves_no_store_open(tmp_path: Path, name: str, text: str) -> None:
    """The failed store is closed before the build discards its staging folder (else RocksDB
    could still write into the folder being removed)."""
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    location = tmp_path / "store"
    with pytest.raises(InputError, match=name.replace(".", r"\.")):
        release.write_store(location, b"", release.data_files([bad]))
    ox.Store(str(location))  # a second read-write handle in this process: the first is closed


@pytest.mark.usefixtures("project")
def test_the_curated_files_are_written_while_the_users_files_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The curated release files are serialised while a users' file is being loaded (once it
    has passed its check), not after it: the load, once checked, waits (up to 60 s) for the
    serialisation to start, and the serialisation for the check. Written one after the
    other, the load's wait would run out first."""
    import threading

    checked, serialising = threading.Event(), threading.Event()
    seen: list[bool] = []
    overlapped: list[bool] = []
    real_load, real_files = release.load_data_file, build.release_files

    def load(
        store: ox.Store, data: release.DataFile, done: Callable[[], None] | None = None
    ) -> None:
        def then() -> None:
            checked.set()
            if done is not None:
                done()
            overlapped.append(serialising.wait(60))

        real_load(store, data, then)

    def files(ds: Dataset) -> tuple[dict[str, bytes], Dataset]:
        seen.append(checked.wait(60))
        serialising.set()
        return real_files(ds)

    monkeypatch.setattr(release, "load_data_file", load)
    monkeypatch.setattr(build, "release_files", files)
    cohort = tmp_path / "cohort.nt"
    write_cohort(cohort, 3, seed=1)
    report = build.build(tmp_path / "rel", [cohort])
    assert seen == [True]
    assert overlapped == [True]
    assert report.graphs[release.data_graph_iri(cohort)] > 0
    assert set(report.seconds) >= {"check", "curated", "load", "compact", "count"}


@pytest.mark.usefixtures("project")
def test_a_refused_users_file_is_said_before_the_curated_release_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ``--data`` file is checked before the curated release files are serialised:
    a refused file (here the second, after a good one) stops the build at once, with its
    file and line, and nothing is published."""
    made: list[Dataset] = []
    real_files = build.release_files

    def files(ds: Dataset) -> tuple[dict[str, bytes], Dataset]:
        made.append(ds)
        return real_files(ds)

    monkeypatch.setattr(build, "release_files", files)
    good = tmp_path / "good.nt"
    write_cohort(good, 2, seed=4)
    bad = tmp_path / "bad.nt"
    bad.write_text(
        '<urn:emkg:test:a> <urn:emkg:test:b> "x"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
        encoding="utf-8",
    )
    out = tmp_path / "rel"
    with pytest.raises(InputError, match=r"bad\.nt:1:"):
        build.build(out, [good, bad])
    assert made == [], "the curated release files were made before the users' file was refused"
    assert not out.exists()
    build.build(out, [good])  # the same build with the good file alone makes them
    assert len(made) == 1


def test_quiet_rdflib_in_two_overlapping_threads_restores_the_logger_and_warnings() -> None:
    """A build reads the curated sources while its data thread checks users' files, both
    inside ``rdfio.quiet_rdflib``: entered in one thread, then the other, left in the first
    order, the rdflib logger and the warning filters must be as before (each use saving and
    restoring them alone left them silenced for the rest of the process)."""
    import logging
    import threading
    import warnings

    from emkg.rdfio import quiet_rdflib

    logger = logging.getLogger("rdflib.term")
    before = (logger.disabled, list(warnings.filters))
    entered = [threading.Event(), threading.Event()]
    leave = [threading.Event(), threading.Event()]
    inside: list[bool] = []

    def use(i: int) -> None:
        with quiet_rdflib():
            entered[i].set()
            leave[i].wait(10)
            inside.append(logger.disabled)

    first = threading.Thread(target=use, args=(0,))
    second = threading.Thread(target=use, args=(1,))
    first.start()
    assert entered[0].wait(10)
    second.start()
    assert entered[1].wait(10)
    leave[0].set()
    first.join(10)
    assert logger.disabled, "the second thread is still inside: rdflib must stay quiet"
    leave[1].set()
    second.join(10)
    assert inside == [True, True]
    assert (logger.disabled, list(warnings.filters)) == before


def test_a_ctrl_c_while_waiting_for_the_data_thread_is_raised_after_it_ends() -> None:
    """The staging store is discarded after a failure, so the build must not return while its
    loader thread still writes into it: a Ctrl-C during the wait is held until the thread
    has ended, then raised."""

    class Loader:
        joins = 0

        def join(self) -> None:
            Loader.joins += 1
            if Loader.joins == 1:
                raise KeyboardInterrupt

    loading = release._DataLoad(ox.Store(), [])
    loading.thread = Loader()  # type: ignore[assignment]
    with pytest.raises(KeyboardInterrupt):
        loading.finish()
    assert Loader.joins == 2, "finish returned before the loader thread had ended"
    assert loading.thread is None
