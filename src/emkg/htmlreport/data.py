"""Run the saved queries the report draws and pack their answers for the page.

Every view of the page is a saved query's answer, passed on unchanged (columns and rows):

* the swimmer timelines: ``queries/view/`` (events, therapy lines, therapy classes, site
  groups, time offsets, evidence);
* the cohort views: CQ13 (EM site x prior targeted agent), CQ4 (method x site), CQ1 and CQ2
  (EM sites after a therapy, one answer per therapy the page offers) and CQ15 (recommended
  elements each case lacks).

Terms are packed as strings (IRIs and literals' lexical forms) in one interned table, so that
an IRI repeated on 100,000 rows is written once. Nothing here decides what a row means: the
queries decide, the page lays out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import URIRef

from emkg import __version__
from emkg.catalogue import Catalogue, QueryEntry, load_catalogue
from emkg.engines import Engine
from emkg.params import Resolver
from emkg.results import ResultTable, Term
from emkg.runner import run_bound, run_query

#: the timeline's saved queries (queries/view); those with a ``patient`` parameter are run
#: once per patient when the report is limited to some patients
TIMELINE_VIEWS: tuple[str, ...] = (
    "timeline-events",
    "therapy-lines",
    "therapy-classes",
    "site-groups",
    "method-groups",
    "time-offsets",
    "placements",
    "evidence",
)
#: the cohort views' competency questions, run with their default parameters
COHORT_QUESTIONS: tuple[str, ...] = ("cq13", "cq04", "cq15")
#: the competency questions the page answers for a therapy chosen on it, with the parameter
#: that names the therapy
CHOSEN_THERAPY_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("cq01", "therapy"),
    ("cq02", "therapyClass"),
)
#: the timeline query whose colour classes are also offered as therapies for CQ1
THERAPY_CLASSES_VIEW = "therapy-classes"
#: CQ2 is also answered for CQ13's agent class: its rows are the findings behind CQ13's cells
SITE_BY_AGENT = ("cq13", "agentClass")


@dataclass
class Packer:
    """Interns strings: each distinct term is written once and rows hold indexes."""

    strings: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def term(self, value: Term | None) -> int | None:
        if value is None:
            return None
        text = str(value)
        found = self.index.get(text)
        if found is None:
            found = len(self.strings)
            self.strings.append(text)
            self.index[text] = found
        return found

    def table(self, entry: QueryEntry, tables: Sequence[ResultTable]) -> dict[str, Any]:
        rows = [[self.term(v) for v in row] for table in tables for row in table.rows]
        return {
            "id": entry.id,
            "title": entry.title,
            "description": entry.description,
            "file": f"queries/{entry.kind}/{entry.path.name}",
            "columns": list(entry.columns),
            "rows": rows,
        }


@dataclass
class ReportData:
    """What the page is built from: packed tables and the choices it offers."""

    strings: list[str]
    tables: dict[str, dict[str, Any]]
    choices: dict[str, list[dict[str, Any]]]
    patients: list[str]
    origin: str

    def as_json(self) -> dict[str, Any]:
        return {
            "emkgVersion": __version__,
            "origin": self.origin,
            "strings": self.strings,
            "tables": self.tables,
            "choices": self.choices,
            "patients": self.patients,
        }

    def rows(self, table: str) -> list[dict[str, str | None]]:
        """The rows of one packed table as dicts of strings (for tests and benchmarks)."""
        t = self.tables[table]
        return [
            {
                c: (None if v is None else self.strings[v])
                for c, v in zip(t["columns"], row, strict=True)
            }
            for row in t["rows"]
        ]


def _run_for_patients(
    entry: QueryEntry, engine: Engine, resolver: Resolver, patients: Sequence[URIRef] | None
) -> list[ResultTable]:
    defaults = resolver.bindings(entry, {})
    has_patient = any(p.name == "patient" for p in entry.params)
    if patients is None or not has_patient:
        return [run_bound(entry, defaults, engine)]
    return [run_bound(entry, {**defaults, "patient": p}, engine) for p in patients]


def _unique(terms: Iterable[Term | None]) -> list[URIRef]:
    seen: dict[str, URIRef] = {}
    for t in terms:
        if isinstance(t, URIRef) and str(t) not in seen:
            seen[str(t)] = t
    return list(seen.values())


def collect(
    engine: Engine,
    patients: Sequence[str] | None = None,
    catalogue: Catalogue | None = None,
) -> ReportData:
    """Run every query the page draws on ``engine``; ``patients`` limits the timelines.

    ``patients`` are values of the ``patient`` parameter of ``queries/view/timeline-events``
    (IRIs, ``data:`` CURIEs or case labels), resolved as ``emkg query`` resolves them.
    """
    catalogue = catalogue if catalogue is not None else load_catalogue()
    resolver = Resolver(engine)
    events = catalogue.get(TIMELINE_VIEWS[0])
    chosen: list[URIRef] | None = None
    if patients:
        param = events.param("patient")
        chosen = _unique(resolver.resolve(param, raw) for raw in patients)
    packer = Packer()
    tables: dict[str, dict[str, Any]] = {}
    answers: dict[str, list[ResultTable]] = {}
    for qid in TIMELINE_VIEWS:
        entry = catalogue.get(qid)
        answers[qid] = _run_for_patients(entry, engine, resolver, chosen)
        tables[qid] = packer.table(entry, answers[qid])
    for qid in COHORT_QUESTIONS:
        entry = catalogue.get(qid)
        tables[entry.id] = packer.table(entry, [run_query(entry, None, engine, resolver)])

    labels = resolver.term_table().labels
    colour_classes = [
        t for table in answers[THERAPY_CLASSES_VIEW] for t in table.column("therapyClass")
    ]
    choices: dict[str, list[dict[str, Any]]] = {}
    for qid, name in CHOSEN_THERAPY_QUESTIONS:
        entry = catalogue.get(qid)
        param = entry.param(name)
        offered = [param.default, *param.examples] if param.default else list(param.examples)
        terms: list[Term | None] = [resolver.resolve(param, raw) for raw in offered]
        if qid == "cq01":
            terms += colour_classes
        if qid == "cq02":
            matrix = catalogue.get(SITE_BY_AGENT[0])
            terms += [resolver.bindings(matrix, {})[SITE_BY_AGENT[1]]]
        options = []
        for term in _unique(terms):
            key = f"{entry.id}|{term}"
            bindings = {**resolver.bindings(entry, {}), name: term}
            tables[key] = packer.table(entry, [run_bound(entry, bindings, engine)])
            options.append(
                {"term": str(term), "label": labels.get(str(term), str(term)), "table": key}
            )
        choices[entry.id] = options

    patient_list = [str(p) for p in chosen] if chosen is not None else []
    return ReportData(packer.strings, tables, choices, patient_list, engine.describe())
