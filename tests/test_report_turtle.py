"""``emkg validate --format turtle``: the same input gives the same bytes, run after run and
whatever the hash seed, and the same report graph as rdflib's own writer gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH

from emkg.report import ReportBuilder
from emkg.validate import validate_files_in_store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
CONTEXT = FIXTURES / "_context.ttl"

#: time offsets as blank nodes (as kg/ writes them), the same patient context as the shape
#: fixtures. The last two fail the same three shapes alike (no anchor, no unit, neither a
#: value nor "amount not stated") and differ in nothing the report holds; the first two fail
#: the unit shape alike, and the third fails the unit and the anchor shapes: a report's blank
#: nodes that share their content, told apart only by the results they are in.
BLANK_OFFSETS = """\
@prefix emkg: <https://w3id.org/emkg/ontology#> .
@prefix oa:   <http://www.w3.org/ns/oa#> .
@prefix ctx:  <https://w3id.org/emkg/data/fixture/context/> .
@prefix f:    <https://w3id.org/emkg/data/fixture/blank-offsets/> .

f:event a emkg:CareEvent ; emkg:ofPatient ctx:patient ; emkg:sequenceIndex 10 ;
    emkg:careType emkg:Apheresis ;
    emkg:hasTimeOffset [ a emkg:TimeOffset ; emkg:anchorEvent ctx:line ; emkg:offsetValue 2 ] ,
        [ a emkg:TimeOffset ; emkg:anchorEvent ctx:line ; emkg:offsetValue 3 ] ,
        [ a emkg:TimeOffset ; emkg:offsetValue 4 ] ,
        [ a emkg:TimeOffset ; emkg:offsetText "later" ] ,
        [ a emkg:TimeOffset ; emkg:offsetText "much later" ] .
f:ann a oa:Annotation ; oa:hasTarget ctx:target ; oa:hasBody f:event .
"""


def _blank_offsets(folder: Path) -> Path:
    path = folder / "blank-offsets.ttl"
    path.write_text(BLANK_OFFSETS, encoding="utf-8")
    return path


def _report(files: list[Path], seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    args = [sys.executable, "-m", "emkg", "validate", *map(str, files), "--format", "turtle"]
    done = subprocess.run(args, capture_output=True, env=env, check=False)
    assert done.returncode == 1, done.stderr.decode()
    return done.stdout


def _old_writer(files: list[Path]) -> Graph:
    """The report graph as rdflib wrote it before (``Graph.serialize``), read back."""
    builder = ReportBuilder(validate_files_in_store(files))
    graph = builder.redactor.graph(builder.validation.report_graph())
    return Graph().parse(data=graph.serialize(format="turtle"), format="turtle")


@pytest.mark.parametrize(
    "fixtures",
    [
        # a SPARQL constraint's blank node from the shapes, shared by several results
        ["toxicity.invalid.ttl"],
        # values flagged as personal data, withheld in the report
        ["deidentification.invalid.ttl"],
        ["blank-offsets"],
    ],
)
def test_turtle_report_is_byte_stable_and_the_same_graph(
    fixtures: list[str], tmp_path: Path
) -> None:
    files = [CONTEXT] + [
        _blank_offsets(tmp_path) if name == "blank-offsets" else FIXTURES / name
        for name in fixtures
    ]
    runs = [_report(files, seed) for seed in ("1", "2", "3")]
    assert runs[0] == runs[1] == runs[2]
    graph = Graph().parse(data=runs[0].decode("utf-8"), format="turtle")
    assert isomorphic(graph, _old_writer(files))
    report = next(graph.subjects(RDF.type, SH.ValidationReport))
    assert len(list(graph.objects(report, SH.result))) == len(
        list(graph.subjects(RDF.type, SH.ValidationResult))
    )
