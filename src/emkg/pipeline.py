"""The main job: build the release, validate it, answer the first competency question.

``emkg all`` runs what a new user wants to see first, on the embedded default store, and
leaves every output in the release folder, which it builds and validates in a staging folder
and swaps in only when the graph conforms (a failing release is kept beside it as
``OUT.failed``, and the previous release stays):

* the release files and store of :mod:`emkg.build`;
* ``validation.txt``: the SHACL report with the completeness score per case;
* ``cq01-<therapy>.csv`` and ``.json``: "EM sites found after <therapy>";
* ``emkg-report.html``: the HTML report (``emkg report``) of the release just built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from emkg import paths, swap
from emkg.build import BuildReport, assemble, build_into
from emkg.catalogue import load_catalogue
from emkg.engines import OxigraphEngine
from emkg.errors import InputError, describe_os_error
from emkg.formats import render
from emkg.htmlreport.data import collect
from emkg.htmlreport.page import write_report
from emkg.params import Resolver
from emkg.rdfio import atomic_write_text
from emkg.release import store_path
from emkg.report import ReportBuilder
from emkg.results import ResultTable
from emkg.runner import run_bound
from emkg.validate import Validation, validate_files

FIRST_QUESTION = "cq01"
#: the columns shown on the terminal; the files hold all of them
SUMMARY_COLUMNS = ("patientLabel", "siteLabel", "methodLabel", "source")
#: the HTML report written beside the release files
REPORT_NAME = "emkg-report.html"


@dataclass
class MainJob:
    release: BuildReport
    validation: Validation
    answer: ResultTable
    outputs: list[Path] = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "therapy"


def run_main_job(out: Path | None, therapy: str) -> MainJob:
    """Build, validate and answer in a staging folder; publish it only when it conforms.

    A release that fails validation never replaces the previous one: it is kept beside it as
    ``OUT.failed`` (see :func:`emkg.swap.failed_folder`) for inspection.
    """
    target = (Path(out) if out is not None else paths.default_dist()).resolve()
    swap.recover(target)
    dataset = assemble()  # parsed once, for the release and for validation
    folder = swap.staging(target)
    try:
        release = build_into(folder, dataset)
        engine = OxigraphEngine(ox.Store.read_only(str(store_path(folder))), str(folder))
        entry = load_catalogue().get(FIRST_QUESTION)
        # the therapy is resolved against the store just built (the terms the question is
        # asked against), before validation: an unknown therapy is refused without it
        bindings = Resolver(engine).bindings(entry, {"therapy": therapy})
        validation = validate_files(dataset=dataset)
        report = folder / "validation.txt"
        atomic_write_text(report, ReportBuilder(validation).render("text"))

        answer = run_bound(entry, bindings, engine)
        stem = f"{entry.id.split('-')[0]}-{_slug(therapy)}"
        atomic_write_text(folder / f"{stem}.csv", render(answer, "csv"))
        atomic_write_text(folder / f"{stem}.json", render(answer, "json"))
        write_report(folder / REPORT_NAME, collect(engine))
        names = sorted([*release.files, report.name, f"{stem}.csv", f"{stem}.json", REPORT_NAME])
        if validation.conforms:
            swap.publish(folder, target)
            published = target
        else:
            published = swap.keep_failed(folder, target)
    except OSError as exc:
        what, hint = describe_os_error(exc)
        raise InputError(
            f"cannot write the release: {what}",
            path=target,
            hint=f"{hint} (--out); the previous release, if any, is unchanged",
        ) from exc
    finally:
        swap.discard(folder)
    release.out_dir = published
    outputs = [published / name for name in names]
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
