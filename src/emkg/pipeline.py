"""The main job: build the release, validate it, answer the first competency question.

``emkg all`` runs what a new user wants to see first, on the embedded default store, and
leaves every output in the release folder:

* the release files and store of :mod:`emkg.build`;
* ``validation.txt``: the SHACL report with the completeness score per case;
* ``cq01-<therapy>.csv`` and ``.json``: "EM sites found after <therapy>".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from emkg.build import BuildReport, assemble, build
from emkg.catalogue import load_catalogue
from emkg.engines.embedded import open_oxigraph
from emkg.formats import render
from emkg.rdfio import atomic_write_text
from emkg.report import ReportBuilder
from emkg.results import ResultTable
from emkg.runner import run_query
from emkg.validate import Validation, validate_files

FIRST_QUESTION = "cq01"
#: the columns shown on the terminal; the files hold all of them
SUMMARY_COLUMNS = ("patientLabel", "siteLabel", "methodLabel", "source")


@dataclass
class MainJob:
    release: BuildReport
    validation: Validation
    answer: ResultTable
    outputs: list[Path] = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "therapy"


def run_main_job(out: Path | None, therapy: str) -> MainJob:
    dataset = assemble()  # parsed once, for the release and for validation
    release = build(out, dataset=dataset)
    dist = release.out_dir
    validation = validate_files(dataset=dataset)
    report = dist / "validation.txt"
    atomic_write_text(report, ReportBuilder(validation).render("text"))

    engine = open_oxigraph(dist)
    entry = load_catalogue().get(FIRST_QUESTION)
    answer = run_query(entry, {"therapy": therapy}, engine)
    stem = f"{entry.id.split('-')[0]}-{_slug(therapy)}"
    csv_path, json_path = dist / f"{stem}.csv", dist / f"{stem}.json"
    atomic_write_text(csv_path, render(answer, "csv"))
    atomic_write_text(json_path, render(answer, "json"))
    outputs = [dist / name for name in sorted(release.files)] + [report, csv_path, json_path]
    return MainJob(release, validation, answer, outputs)


def summary(answer: ResultTable) -> ResultTable:
    """The answer cut to the columns a reader checks first, duplicates dropped."""
    keep = [c for c in SUMMARY_COLUMNS if c in answer.columns]
    idx = [answer.columns.index(c) for c in keep]
    rows = []
    for row in answer.rows:
        cut = tuple(row[i] for i in idx)
        if cut not in rows:
            rows.append(cut)
    return ResultTable(tuple(keep), tuple(rows))
