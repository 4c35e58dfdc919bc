"""Synthetic cohorts: deterministic, well-formed, and in the curated graph's shape."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from emkg.synthetic import write_cohort


def test_same_seed_same_cohort(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    assert write_cohort(a, 20, seed=7) == write_cohort(b, 20, seed=7)
    assert a.read_bytes() == b.read_bytes(), "same size and seed: byte-identical output"
    write_cohort(c, 20, seed=8)
    assert a.read_bytes() != c.read_bytes()


def test_cohort_shape(tmp_path: Path) -> None:
    path = tmp_path / "cohort.nt"
    n = write_cohort(path, 50, seed=3)
    g = Graph().parse(path, format="nt")
    assert len(g) == n
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    q = """
    PREFIX emkg: <https://w3id.org/emkg/ontology#>
    SELECT (COUNT(DISTINCT ?p) AS ?patients) (COUNT(DISTINCT ?e) AS ?events) WHERE {
      ?p a emkg:Patient . ?e emkg:ofPatient ?p ; emkg:sequenceIndex ?i .
    }"""
    res = store.query(q)
    assert isinstance(res, ox.QuerySolutions)
    row = next(iter(res))
    assert int(row["patients"].value) == 50
    assert int(row["events"].value) > 100
    dup = """
    PREFIX emkg: <https://w3id.org/emkg/ontology#>
    SELECT ?p ?i WHERE {
      ?a emkg:ofPatient ?p ; emkg:sequenceIndex ?i . ?b emkg:ofPatient ?p ; emkg:sequenceIndex ?i .
      FILTER (?a != ?b)
    } LIMIT 1"""
    res = store.query(dup)
    assert isinstance(res, ox.QuerySolutions)
    assert list(res) == [], "sequence indices must be unique within a patient"
