"""Synthetic cohorts: deterministic, valid emkg data, and rich enough for every saved question."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from emkg import build, paths
from emkg.catalogue import load_catalogue
from emkg.engines import OxigraphEngine
from emkg.runner import run_query
from emkg.synthetic import Vocabulary, write_cohort, write_lines
from emkg.validate import validate_files

#: the smallest cohort on which every competency question has rows (seed 1)
SMALL = 10


@pytest.fixture(scope="module")
def small_engine() -> OxigraphEngine:
    buffer = io.StringIO()
    write_lines(buffer, SMALL, seed=1)
    store = ox.Store()
    ontology = build.assemble(kg=[]).serialize(format="nquads", encoding="utf-8")
    store.load(ontology, format=ox.RdfFormat.N_QUADS)
    store.load(buffer.getvalue().encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return OxigraphEngine(store, f"synthetic cohort of {SMALL}")


def test_same_seed_same_cohort(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    assert write_cohort(a, 20, seed=7) == write_cohort(b, 20, seed=7)
    assert a.read_bytes() == b.read_bytes(), "same size and seed: byte-identical output"
    write_cohort(c, 20, seed=8)
    assert a.read_bytes() != c.read_bytes()


def test_cohort_is_well_formed_ntriples(tmp_path: Path) -> None:
    path = tmp_path / "cohort.nt"
    n = write_cohort(path, 30, seed=3)
    g = Graph().parse(path, format="nt")
    assert len(g) == n, "every line is one distinct triple"
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file left behind"


def test_hundred_patients_conform_to_every_shape(tmp_path: Path) -> None:
    path = tmp_path / "cohort-100.nt"
    write_cohort(path, 100, seed=1)
    validation = validate_files([path])
    violations = [r for r in validation.results if r.severity.endswith("Violation")]
    assert violations == [], violations[:5]
    assert validation.conforms


@pytest.mark.parametrize("entry", load_catalogue().of_kind("cq"), ids=lambda e: e.id)
def test_every_competency_question_has_rows(entry, small_engine: OxigraphEngine) -> None:
    table = run_query(entry, {}, small_engine)
    assert table.rows, f"{entry.id} has no answer on {SMALL} synthetic patients"


@pytest.mark.parametrize("entry", load_catalogue().of_kind("qc"), ids=lambda e: e.id)
def test_quality_checks_find_nothing(entry, small_engine: OxigraphEngine) -> None:
    assert not run_query(entry, {}, small_engine).rows


def test_values_come_from_the_ontology() -> None:
    v = Vocabulary.load()
    sites = {t.nt for t in v.sites()}
    assert "<http://purl.obolibrary.org/obo/UBERON_0002371>" not in sites, "bone marrow is not EM"
    assert "<http://purl.obolibrary.org/obo/UBERON_0000310>" in sites, "breast is an EM site"
    intents = {t.nt for t in v.members("TherapyIntent")}
    assert "<https://w3id.org/emkg/ontology#CARTInfusion>" in intents
    with pytest.raises(Exception, match="not a member"):
        v.member("TherapyIntent", "Female")


def test_script_streams_a_cohort(tmp_path: Path) -> None:
    out = tmp_path / "c.nt"
    script = paths.project_root() / "scripts" / "synthetic.py"
    done = subprocess.run(
        [sys.executable, str(script), "--patients", "3", "--seed", "2", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "3 patients" in done.stderr
    write_cohort(tmp_path / "d.nt", 3, seed=2)
    assert out.read_bytes() == (tmp_path / "d.nt").read_bytes()
    bad = subprocess.run(
        [sys.executable, str(script), "--patients", "0", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
