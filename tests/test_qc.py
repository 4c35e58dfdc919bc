"""Quality checks: none fires on the curated graph, and each fires on a fixture made to break it.

Every ``queries/qc/<stem>.rq`` has a fixture ``tests/fixtures/qc/<stem>.ttl`` whose header lists
the nodes the check must report (``# expect: <IRI>``). The fixture is loaded with the ontology
and its imports only (no curated file), and the set of ``node`` values the check returns must
be exactly the expected set: the broken nodes are found and the correct ones beside them are
not.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

from emkg import build
from emkg.catalogue import QueryEntry, load_catalogue
from emkg.engines import Engine, OxigraphEngine, RdflibEngine
from emkg.runner import run_query
from test_cq import curated_engines

FIXTURES = Path(__file__).parent / "fixtures" / "qc"
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
    assert len(_checks()) >= 8


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
