"""Quality checks: none fires on the curated graph, and each fires on a fixture made to break it.

Every ``queries/qc/<stem>.rq`` has a fixture ``tests/fixtures/qc/<stem>.ttl`` whose header lists
the nodes the check must report (``# expect: <IRI>``). The fixture is loaded with the ontology
and its imports only (no curated file), and the set of ``node`` values the check returns must
be exactly the expected set: the broken nodes are found and the correct ones beside them are
not.

Each rule lives in one place: quality checks that restated a shape were retired, and their
fixtures (``tests/fixtures/qc-retired/``) now show that the shapes named in RETIRED report
every broken node they list, so nothing the checks caught goes unseen.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from rdflib import Dataset, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from emkg import build
from emkg.catalogue import QueryEntry, load_catalogue
from emkg.engines import Engine, OxigraphEngine, RdflibEngine
from emkg.locate import Locator, Namer
from emkg.runner import run_query
from test_cq import curated_engines

FIXTURES = Path(__file__).parent / "fixtures" / "qc"
RETIRED_FIXTURES = Path(__file__).parent / "fixtures" / "qc-retired"
OA = Namespace("http://www.w3.org/ns/oa#")
EMKGSH = "https://w3id.org/emkg/shapes#"

#: retired quality check (fixture stem) -> the shapes that state its rule
RETIRED: dict[str, set[str]] = {
    "cross-patient-link": {"LinkedEventSamePatient", "AgeAtEventSamePatient"},
    "duplicate-sequence-index": {"SequenceIndexUnique"},
    "event-without-patient": {"Event-ofPatient", "Event-sequenceIndex"},
    "incomplete-finding-site-status": {"EMFinding-site", "EMFinding-findingStatus"},
    "source-mismatch": {"QuoteFromCaseSource"},
    "unquoted-node": {"CuratedNode-quoted", "TextQuoteSelector-exact", "Annotation-hasTarget"},
}
_EXPECT = re.compile(r"^#\s*expect:\s*(\S+)\s*$")


def _checks() -> list[QueryEntry]:
    return load_catalogue().of_kind("qc")


def expected_nodes(fixture: Path) -> set[URIRef]:
    out = set()
    for line in fixture.read_text(encoding="utf-8").splitlines():
        match = _EXPECT.match(line.strip())
        if match:
            out.add(URIRef(match.group(1)))
    return out


@functools.cache
def fixture_engines(stem: str) -> dict[str, Engine]:
    dataset = build.assemble(kg=[FIXTURES / f"{stem}.ttl"])
    return {
        "oxigraph": OxigraphEngine.from_dataset(dataset),
        "rdflib": RdflibEngine.from_dataset(dataset),
    }


@pytest.fixture(scope="session")
def engines(dataset: Dataset) -> dict[str, Engine]:
    return curated_engines(dataset)


def test_there_are_quality_checks() -> None:
    assert len(_checks()) >= 5


def test_every_check_has_a_fixture_and_every_fixture_a_check() -> None:
    stems = {entry.id for entry in _checks()}
    fixtures = {p.stem for p in FIXTURES.glob("*.ttl")}
    assert stems - fixtures == set(), "quality checks without a fixture in tests/fixtures/qc"
    assert fixtures - stems == set(), "fixtures without a quality check"


@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("entry", _checks(), ids=lambda entry: entry.id)
def test_check_passes_on_the_curated_graph(
    entry: QueryEntry, engine_name: str, engines: dict[str, Engine]
) -> None:
    table = run_query(entry, {}, engines[engine_name])
    assert len(table) == 0, f"{entry.id} found problems in kg/:\n" + "\n".join(
        " | ".join(str(v) for v in row) for row in table.rows
    )


@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("entry", _checks(), ids=lambda entry: entry.id)
def test_check_finds_exactly_the_broken_nodes_of_its_fixture(
    entry: QueryEntry, engine_name: str
) -> None:
    fixture = FIXTURES / f"{entry.id}.ttl"
    expected = expected_nodes(fixture)
    assert expected, f"{fixture} lists no '# expect: <IRI>' line"
    table = run_query(entry, {}, fixture_engines(entry.id)[engine_name])
    assert entry.columns[0] == "node"
    assert set(table.column("node")) == expected
    assert all(value is not None for value in table.column("problem"))


def test_every_retired_fixture_is_listed() -> None:
    assert {p.stem for p in RETIRED_FIXTURES.glob("*.ttl")} == set(RETIRED)
    assert not {f"{stem}-violation" for stem in RETIRED} & {e.id for e in _checks()}


@pytest.mark.parametrize("stem", sorted(RETIRED))
def test_the_shapes_catch_what_a_retired_check_caught(stem: str) -> None:
    """Every node the retired check reported gets a violation from one of its shapes."""
    from emkg.validate import validate_files

    fixture = RETIRED_FIXTURES / f"{stem}.ttl"
    expected = expected_nodes(fixture)
    assert expected
    validation = validate_files([fixture])
    locator = Locator(validation.sources, validation.data, Namer(validation.sources))
    caught: set[Node] = set()
    for result in validation.results:
        name = str(result.check).removeprefix(EMKGSH)
        if result.severity != SH.Violation or name not in RETIRED[stem]:
            continue
        # the node the result is about: the focus, its named owner, an annotation's body
        nodes = {result.focus, locator.owner(result.focus)}
        for node in list(nodes):
            nodes |= set(validation.data.objects(node, OA.hasBody))
            for annotation in validation.data.subjects(OA.hasTarget, node):
                nodes |= set(validation.data.objects(annotation, OA.hasBody))
        caught |= nodes
    assert expected - caught == set(), f"{stem}: the shapes miss {sorted(expected - caught)}"
