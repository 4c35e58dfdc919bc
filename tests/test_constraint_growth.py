"""The compiled constraints grow linearly with the number of values one node holds.

Bad input is what validation is for: a converter that gives every event the same IRI, or a
patient with thousands of case labels. A constraint compiled as a join of a node's values with
themselves (``sh:maxCount 1`` as ``?this p ?a . ?this p ?b . FILTER (!sameTerm(?a, ?b))``)
produces n x n rows for a node with n values: 3,000 case labels took 6.5 s and 3.5 GB, 10,000
ran out of memory at 20 GB. The ``oxigraph`` command (a dependency of emkg) runs each compiled
constraint on the node's property and writes its plan with the rows each step produced.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib.namespace import SH

from emkg import build
from emkg.shacl_oxigraph import Plan

EMKG = "https://w3id.org/emkg/ontology#"
VALUES = 300


def _steps(node: Mapping[str, Any]) -> Iterator[int]:
    yield int(node.get("number of results", 0))
    for child in node.get("children", ()):
        yield from _steps(child)


@pytest.mark.parametrize(
    "component", [SH.MaxCountConstraintComponent, SH.MinCountConstraintComponent]
)
def test_a_node_with_many_values_costs_rows_in_proportion_to_them(
    component: Any, tmp_path: Path
) -> None:
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
        "oxigraph"
    )
    assert binary, "the oxigraph command (PyPI package oxigraph, a dependency) is not installed"
    patient = ox.NamedNode("https://w3id.org/emkg/data/test/patient")
    location = tmp_path / "store"
    store = ox.Store(str(location))
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    store.add(ox.Quad(patient, rdf_type, ox.NamedNode(EMKG + "Patient")))
    label = ox.NamedNode(EMKG + "caseLabel")
    store.extend(ox.Quad(patient, label, ox.Literal(f"Case {i}")) for i in range(VALUES))
    store.flush()
    del store

    queries = [
        q
        for q in Plan(build.shapes_graph()).queries
        if q.component == component and str(q.path) == label.value
    ]
    assert queries, f"no compiled {component} constraint on emkg:caseLabel"
    for q in queries:
        (tmp_path / "q.rq").write_text(q.text)
        command = [binary, "query", "--location", str(location), "--union-default-graph"]
        command += ["--query-file", str(tmp_path / "q.rq"), "--results-file"]
        command += [str(tmp_path / "rows.tsv"), "--explain-file", str(tmp_path / "plan.json")]
        subprocess.run([*command, "--stats"], check=True, capture_output=True, timeout=120)
        widest = max(_steps(json.loads((tmp_path / "plan.json").read_text())["plan"]))
        assert widest <= 3 * VALUES, (
            f"{q.shape} {component}: a step produced {widest:,} rows for one node with "
            f"{VALUES} values"
        )
        found = (tmp_path / "rows.tsv").read_text().splitlines()[1:]
        # the node breaks sh:maxCount 1 (reported once) and meets sh:minCount 1
        assert len(found) == (component == SH.MaxCountConstraintComponent), found
