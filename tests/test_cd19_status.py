"""CQ16 on the two fixture cases that the seed papers do not have (not in kg/).

``tests/fixtures/shapes/immunophenotype.valid.ttl`` holds a CD19-positive testicular relapse
after blinatumomab and a KMT2A-rearranged B-ALL relapsing after CD19 CAR-T as a CD19-negative
myeloid sarcoma (a lineage switch). The saved question, run as written (its default therapy is
CD19-directed therapy), reads the first as CD19-positive escape and the second as antigen loss;
on the curated graph the seed papers give no CD19 status of EM blasts (tests/expected/).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.query import ResultRow

from emkg import build, paths

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
EMKG = "https://w3id.org/emkg/ontology#"
F = "https://w3id.org/emkg/data/fixture/immunophenotype/"
CTX = "https://w3id.org/emkg/data/fixture/context/"


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = build.union_graph(build.assemble(kg=[]))
    for name in ("_context.ttl", "immunophenotype.valid.ttl"):
        g.parse(FIXTURES / name, format="turtle")
    return g


COLUMNS = (
    "patient",
    "relapse",
    "therapyLine",
    "cd19Reading",
    "cd19Expression",
    "cd19Method",
    "blastLineage",
    "lineageSwitch",
)


def _rows(graph: Graph) -> set[tuple[object, ...]]:
    text = (paths.queries_dir() / "cq" / "cq16-em-relapse-cd19-status.rq").read_text("utf-8")
    rows: set[tuple[object, ...]] = set()
    for row in graph.query(text):
        assert isinstance(row, ResultRow)
        rows.add(tuple(row[c] for c in COLUMNS))
    return rows


def test_cd19_positive_escape_and_antigen_loss_after_a_lineage_switch(graph: Graph) -> None:
    switch = (
        Literal("CD19 antigen loss"),
        URIRef(EMKG + "NotExpressed"),
        URIRef(EMKG + "Immunohistochemistry"),
        URIRef(EMKG + "MyeloidLineage"),
        Literal(True),
    )
    assert _rows(graph) == {
        (
            URIRef(CTX + "patient"),
            URIRef(F + "relapse"),
            URIRef(F + "blina"),
            Literal("CD19-positive escape"),
            URIRef(EMKG + "Expressed"),
            URIRef(EMKG + "FlowCytometry"),
            URIRef(EMKG + "BLymphoblasticLineage"),
            Literal(False),
        ),
        # after the CD19 CAR-T, and after the context's blinatumomab line of the same patient
        (URIRef(CTX + "other-patient"), URIRef(F + "switch-relapse"), URIRef(F + "cart"), *switch),
        (
            URIRef(CTX + "other-patient"),
            URIRef(F + "switch-relapse"),
            URIRef(CTX + "other-line"),
            *switch,
        ),
    }
