"""The competency questions on the curated graph, against answers worked out by hand per source.

The expected answers are in ``tests/expected/<source>.py``, one file per curated file of kg/,
each row with the sentence of the paper it comes from (see tests/cqanswers.py for the format).
This module states the questions: which saved query, with which parameters, and which columns
of its answer a source's expected file states. Every question is compared for every source on
both embedded engines (pyoxigraph and rdflib's SPARQL engine), loaded once per session from the
same assembled dataset, using only the rows whose ``source`` column is that file's publication:
adding a case adds one kg file and one expected file and changes nothing here.

Checks that hold for every source (a finding after blinatumomab comes after the blinatumomab
line; the class answer covers each member's answer; both engines agree) are stated here once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import pytest
from rdflib import Dataset, Literal

from cqanswers import (
    Question,
    Record,
    SourceExpectations,
    check,
    e,
    kg_files,
    load_expectations,
    rows_of,
)
from emkg.catalogue import Catalogue, load_catalogue
from emkg.engines import Engine, OxigraphEngine, RdflibEngine
from emkg.params import Resolver
from emkg.results import ResultTable
from emkg.runner import run_query

ENGINE_NAMES = ("oxigraph", "rdflib")


def _said_at_the_same_time(records: Sequence[Record]) -> set[tuple[Any, ...]]:
    """Patients with a finding whose time is given as "at the same time" as another event."""
    return {
        (r["patient"],)
        for r in records
        if r["offsetText"] is not None and "same time" in str(r["offsetText"])
    }


def _placements(records: Sequence[Record]) -> set[tuple[Any, ...]]:
    """CQ9's placed events: (event, placement, the event it is placed against)."""
    return {
        (r["event"], r["placement"], r["placementAnchor"])
        for r in records
        if r.get("placement") is not None
    }


def _dose_levels(records: Sequence[Record]) -> set[tuple[Any, ...]]:
    """The dose level changed from and to, without the curator's gloss in brackets."""
    return {
        (str(r["changedFrom"]).split(" (")[0], str(r["changedTo"]).split(" (")[0]) for r in records
    }


SITE_METHOD = rows_of("patient", "site", "method")
CNS_ASSESSMENT, TREATMENT, NEUROTOXICITY = (
    Literal("CNS assessment"),
    Literal("treatment"),
    Literal("neurotoxicity"),
)

#: The questions every source's expected file answers (a question it does not name: no row).
QUESTIONS: tuple[Question, ...] = (
    # CQ1: EM sites found after a therapy
    Question("cq01-blinatumomab", "cq01", SITE_METHOD, {"therapy": "blinatumomab"}),
    Question(
        "cq01-blinatumomab-at-the-same-time",
        "cq01",
        _said_at_the_same_time,
        {"therapy": "blinatumomab"},
        partial=True,
    ),
    Question("cq01-tisagenlecleucel", "cq01", SITE_METHOD, {"therapy": "tisagenlecleucel"}),
    Question(
        "cq01-cd19-cart",
        "cq01",
        rows_of("patient", "site", "method", "agent"),
        {"therapy": "CD19 CAR-T cell therapy"},
    ),
    Question("cq01-cd19-directed", "cq01", SITE_METHOD, {"therapy": "CD19-directed therapy"}),
    # CQ2: the same for a class, by agent
    Question("cq02-cd19-directed", "cq02", SITE_METHOD, {"therapyClass": "CD19-directed therapy"}),
    Question("cq02-agents", "cq02", rows_of("patient", "agent")),
    Question("cq02-administrations-before", "cq02", rows_of("administrationsBefore")),
    Question(
        "cq02-hsct",
        "cq02",
        rows_of("patient", "site", "method", "agent"),
        {"therapyClass": "HSCT"},
    ),
    Question(
        "cq02-antibody-based",
        "cq02",
        rows_of("patient", "agent"),
        {"therapyClass": "antibody-based antileukemic agent"},
    ),
    # CQ3: subclinical findings and marrow MRD at that time
    Question("cq03-sites", "cq03", rows_of("patient", "site")),
    Question("cq03-mrd", "cq03", rows_of("patient", "mrdValue", "mrdUnit", "mrdMethod")),
    Question("cq03-detection-context", "cq03", rows_of("detectionContext")),
    # CQ4: method x site counts
    Question("cq04-counts", "cq04", rows_of("method", "site", "findings", "patients")),
    Question("cq04-pet", "cq04", rows_of("method", "methodClass"), {"methodClass": "PET imaging"}),
    # CQ5: findings that changed management
    Question("cq05-change-types", "cq05", rows_of("patient", "changeType")),
    Question(
        "cq05-radiation",
        "cq05",
        rows_of("site", "resultedIn"),
        where={"changeType": e("RadiotherapyBeforeLymphodepletion")},
    ),
    Question(
        "cq05-dose-reduction",
        "cq05",
        _dose_levels,
        where={"changeType": e("CARTDoseReduction")},
    ),
    # CQ6: response to CAR-T with EM disease present
    Question(
        "cq06-responses",
        "cq06",
        rows_of("patient", "therapyLine", "kind", "compartment", "outcome", "site"),
    ),
    Question("cq06-when", "cq06", rows_of("patient", "offsetValue", "offsetUnit"), partial=True),
    # CQ7: toxicities after CAR-T, with burden at infusion
    Question(
        "cq07-toxicities",
        "cq07",
        rows_of("patient", "therapyLine", "condition", "grade", "attributed"),
    ),
    Question(
        "cq07-burden",
        "cq07",
        rows_of("burdenKind", "burdenValue", "burdenUnit", "burdenMethod"),
    ),
    # CQ8: relapse after CAR-T or HSCT
    Question(
        "cq08-relapses",
        "cq08",
        rows_of("patient", "relapse", "relapseType", "site", "therapyLine", "attributed"),
    ),
    Question(
        "cq08-when",
        "cq08",
        rows_of("patient", "offsetValue", "offsetUpperValue", "offsetUnit"),
        partial=True,
    ),
    Question(
        "cq08-after-cart",
        "cq08",
        rows_of("patient", "relapse", "therapyLine"),
        {"therapy": "CAR-T"},
    ),
    # CQ9: timelines (one patient's timeline is a question of that source's file)
    Question("cq09-patients", "cq09", rows_of("patient")),
    # the partial order on the timeline: an event placed only relative to another shows how
    Question("cq09-placements", "cq09", _placements),
    # CQ10: bridged from CAR-T to HSCT
    Question(
        "cq10-bridges",
        "cq10",
        rows_of(
            "patient",
            "cartLine",
            "hsctAgent",
            "donorType",
            "graftSource",
            "hlaMatch",
            "plannedBridge",
        ),
    ),
    Question(
        "cq10-intervals",
        "cq10",
        rows_of("patient", "intervalValue", "intervalUnit", "intervalQualifier"),
    ),
    # CQ11: outcome per patient
    Question("cq11-outcomes", "cq11", rows_of("patient", "vitalStatus", "causeOfDeath")),
    Question("cq11-when", "cq11", rows_of("patient", "offsetValue", "offsetUnit")),
    # CQ12: CNS involvement, treatment, neurotoxicity
    Question("cq12-involved", "cq12", rows_of("patient"), where={"involvement": Literal(True)}),
    Question(
        "cq12-assessments",
        "cq12",
        rows_of("site", "status", "cnsStatus"),
        where={"aspect": CNS_ASSESSMENT},
    ),
    Question("cq12-treatment", "cq12", rows_of("event"), where={"aspect": TREATMENT}),
    Question(
        "cq12-neurotoxicity", "cq12", rows_of("condition", "grade"), where={"aspect": NEUROTOXICITY}
    ),
    # CQ13: site x prior agent matrix
    Question("cq13-cells", "cq13", rows_of("site", "agent", "patients", "findings")),
    # CQ14: literature claims
    Question("cq14-blinatumomab", "cq14", rows_of("claim", "assertedValue")),
    Question("cq14-cited-studies", "cq14", rows_of("citedStudy"), key="claim"),
    Question(
        "cq14-blood-brain-barrier",
        "cq14",
        rows_of("claim", "assertedValue"),
        {"topic": "central nervous system"},
        where={"claimType": e("BloodBrainBarrierPenetration")},
    ),
    # CQ15: missing recommended elements
    Question("cq15-elements", "cq15", rows_of("patient", "element")),
    Question("cq15-nodes", "cq15", rows_of("patient", "element", "node"), partial=True),
    # CQ16: EM relapses after CD19-directed therapy by CD19 status of the EM blasts
    Question(
        "cq16-relapses",
        "cq16",
        rows_of("patient", "relapse", "site", "therapyLine", "cd19Reading", "cd19Expression"),
    ),
)

EXPECTATIONS = load_expectations()

# --------------------------------------------------------------------------------------------
# engines, loaded once per session, and a cache of query results
# --------------------------------------------------------------------------------------------


@functools.cache
def _engines(dataset_id: int, dataset: Any) -> dict[str, Engine]:
    del dataset_id  # only the cache key
    return {
        "oxigraph": OxigraphEngine.from_dataset(dataset),
        "rdflib": RdflibEngine.from_dataset(dataset),
    }


def curated_engines(dataset: Dataset) -> dict[str, Engine]:
    """Both embedded engines over the curated dataset, built once per test session."""
    return _engines(id(dataset), dataset)


@functools.cache
def _resolver(engine: Engine) -> Resolver:
    return Resolver(engine)


_RESULTS: dict[tuple[str, str, tuple[tuple[str, str], ...]], ResultTable] = {}


def _run(engine: Engine, catalogue: Catalogue, ref: str, params: dict[str, str]) -> ResultTable:
    entry = catalogue.get(ref)
    key = (engine.name, entry.id, tuple(sorted(params.items())))
    if key not in _RESULTS:
        _RESULTS[key] = run_query(entry, params, engine, _resolver(engine))
    return _RESULTS[key]


@pytest.fixture(scope="session")
def engines(dataset: Dataset) -> dict[str, Engine]:
    return curated_engines(dataset)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(params=ENGINE_NAMES)
def engine(request: pytest.FixtureRequest, engines: dict[str, Engine]) -> Engine:
    return engines[request.param]


# --------------------------------------------------------------------------------------------
# every question, for every source, against its expected file
# --------------------------------------------------------------------------------------------


def _cases() -> list[Any]:
    cases = []
    for expected in EXPECTATIONS:
        for question in QUESTIONS + expected.questions:
            cases.append(pytest.param(question, expected, id=f"{expected.name}-{question.name}"))
    return cases


@pytest.mark.parametrize(("question", "expected"), _cases())
def test_answer_matches_the_source(
    question: Question, expected: SourceExpectations, engine: Engine, catalogue: Catalogue
) -> None:
    table = _run(engine, catalogue, question.query, dict(question.params))
    assert check(question, expected, table.records()) == []


def test_every_expected_file_names_known_questions() -> None:
    common = {q.name for q in QUESTIONS}
    for expected in EXPECTATIONS:
        known = common | {q.name for q in expected.questions}
        named = set(expected.answers) | set(expected.includes) | set(expected.excludes)
        assert named - known == set(), f"{expected.path.name} names unknown questions"
        partial = {q.name for q in QUESTIONS + expected.questions if q.partial}
        assert set(expected.answers) & partial == set(), (
            f"{expected.path.name}: partial questions are checked with INCLUDES/EXCLUDES"
        )


def test_every_curated_file_has_its_expected_answers() -> None:
    """kg/<name>.ttl has tests/expected/<name>.py (a new case adds one; see docs/curation.md)."""
    have = {x.name for x in EXPECTATIONS}
    missing = sorted(f.name for f in kg_files() if f.stem not in have)
    assert missing == [], f"curated files without tests/expected/<name>.py: {missing}"
    sources = [x.source for x in EXPECTATIONS]
    assert len(sources) == len(set(sources)), "two expected files name the same SOURCE"


def test_every_answering_source_has_an_expected_file(engine: Engine, catalogue: Catalogue) -> None:
    """No row of any question goes unchecked because its source has no expected file."""
    known = {x.source for x in EXPECTATIONS}
    for question in QUESTIONS:
        table = _run(engine, catalogue, question.query, dict(question.params))
        unknown = set(table.column("source")) - known
        assert unknown == set(), f"{question.name}: rows from sources without expected answers"


def test_every_cq_is_tested(catalogue: Catalogue) -> None:
    ids = {entry.id for entry in catalogue.of_kind("cq")}
    covered = {catalogue.get(q.query).id for q in QUESTIONS}
    assert ids - covered == set(), "competency questions without a question in tests/test_cq.py"


# --------------------------------------------------------------------------------------------
# checks that hold for every source
# --------------------------------------------------------------------------------------------


def test_cq01_every_finding_comes_after_the_line(engine: Engine, catalogue: Catalogue) -> None:
    table = _run(engine, catalogue, "cq01", {"therapy": "blinatumomab"})
    assert len(table) > 0
    for row in table.records():
        assert int(row["findingIndex"]) > int(row["therapyIndex"])
        assert row["agent"] == e("Blinatumomab")
        assert isinstance(row["siteLabel"], Literal)


def test_class_answer_covers_each_member(engine: Engine, catalogue: Catalogue) -> None:
    def keys(ref: str, **params: str) -> set[tuple[Any, ...]]:
        return _run(engine, catalogue, ref, params).keys("patient", "site", "method")

    members = keys("cq01", therapy="emkg:Blinatumomab") | keys(
        "cq01", therapy="emkg:CD19CARTCellTherapy"
    )
    assert keys("cq01", therapy="CD19-directed therapy") >= members
    assert keys("cq02", therapyClass="CD19-directed therapy") >= members


def _cq_ids() -> list[str]:
    return [entry.id for entry in load_catalogue().of_kind("cq")]


@pytest.mark.parametrize("cq_id", _cq_ids())
def test_both_engines_return_identical_tables(
    cq_id: str, engines: dict[str, Engine], catalogue: Catalogue
) -> None:
    entry = catalogue.get(cq_id)
    tables = {name: _run(engine, catalogue, cq_id, {}) for name, engine in engines.items()}
    assert tables["oxigraph"].columns == entry.columns
    assert tables["oxigraph"] == tables["rdflib"]
    assert len(tables["oxigraph"]) > 0, f"{cq_id} answers nothing on the curated graph"
