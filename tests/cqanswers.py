"""The machinery of the competency-question tests: questions, expected-answer files, comparison.

Expected answers live in one file per source publication, ``tests/expected/<kg file stem>.py``
(``kg/johns2024.ttl`` -> ``tests/expected/johns2024.py``), each row written by hand from the
paper with the sentence beside it. A test compares only the rows whose ``source`` column is
that file's publication, so adding a case adds one kg file and one expected file and changes no
other. An expected file defines:

``SOURCE``
    the publication IRI (the ``source`` column of every saved competency question).
``ANSWERS``
    question name -> the expected value. A ``set`` is the source's whole answer (a question the
    file does not name must give no row for the source); a ``dict`` keyed by patient IRI gives,
    for each patient listed, that patient's whole answer (patients not listed are not checked;
    an empty dict checks none, and says so).
``INCLUDES`` / ``EXCLUDES`` (optional)
    question name -> rows that must be (must not be) among the source's rows, for questions
    declared ``partial`` (long lists where the test checks the rows the paper is explicit about).
``QUESTIONS`` (optional)
    extra questions about this source only (for example one patient's timeline by its label).

Rows are tuples of the question's columns, with numeric literals as :class:`~decimal.Decimal`
(so ``1`` and ``Decimal("0.01")`` compare equal to ``"1"^^xsd:integer`` and ``0.01``); every
other term as rdflib returns it (``URIRef``, ``Literal``) and ``None`` for an unbound column.

``EMKG_TEST_EXTRA_CASES`` names a folder with ``kg/*.ttl`` and ``expected/*.py`` that the tests
add to the curated graph and to the expected files (used to show that a new case leaves every
existing expectation untouched).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from emkg import build

EMKG = "https://w3id.org/emkg/ontology#"
OBO = "http://purl.obolibrary.org/obo/"
DATA = "https://w3id.org/emkg/data/"

EXPECTED_DIR = Path(__file__).parent / "expected"
EXTRA_ENV = "EMKG_TEST_EXTRA_CASES"

_NUMERIC = {
    XSD.integer,
    XSD.decimal,
    XSD.double,
    XSD.float,
    XSD.int,
    XSD.long,
    XSD.nonNegativeInteger,
    XSD.positiveInteger,
}

Record = Mapping[str, Any]
Project = Callable[[Sequence[Record]], Any]


def e(local: str) -> URIRef:
    """A term of the emkg ontology."""
    return URIRef(EMKG + local)


def uberon(number: str) -> URIRef:
    return URIRef(f"{OBO}UBERON_{number}")


def data(path: str) -> URIRef:
    """A curated node: ``data("johns2024/case1/patient")``."""
    return URIRef(DATA + path)


def value(term: Any) -> Any:
    """A result term as the expected files write it (numeric literals as Decimal)."""
    if isinstance(term, Literal) and term.datatype in _NUMERIC:
        return Decimal(str(term))
    return term


def rows_of(*columns: str) -> Project:
    """The default projection: the set of tuples of ``columns``."""

    def project(records: Sequence[Record]) -> set[tuple[Any, ...]]:
        return {tuple(value(r[c]) for c in columns) for r in records}

    return project


@dataclass(frozen=True)
class Question:
    """One checked view of a saved competency question's answer.

    ``query`` is a catalogue reference (``"cq01"``), ``params`` its parameter values, ``where``
    keeps the rows whose columns have these values, ``project`` turns the rows of one source
    (or, where the expected file gives a dict, of each value of the ``key`` column: a patient by
    default) into the value an expected file states; ``partial`` questions are checked with
    ``INCLUDES``/``EXCLUDES`` only.
    """

    name: str
    query: str
    project: Project
    params: Mapping[str, str] = field(default_factory=dict)
    where: Mapping[str, Any] = field(default_factory=dict)
    partial: bool = False
    key: str = "patient"

    def select(self, records: Sequence[Record]) -> list[Record]:
        return [r for r in records if all(r[k] == v for k, v in self.where.items())]


@dataclass(frozen=True)
class SourceExpectations:
    """The expected answers of one source publication (one file in tests/expected/)."""

    name: str
    path: Path
    source: URIRef
    answers: Mapping[str, Any]
    includes: Mapping[str, set[tuple[Any, ...]]]
    excludes: Mapping[str, set[tuple[Any, ...]]]
    questions: tuple[Question, ...]


def _load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"emkg_expected_{path.stem}", path)
    assert spec is not None, path
    assert spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extra_cases_dir() -> Path | None:
    """The folder of additional cases named by EMKG_TEST_EXTRA_CASES, if any."""
    env = os.environ.get(EXTRA_ENV)
    return Path(env) if env else None


def expected_files() -> list[Path]:
    files = sorted(EXPECTED_DIR.glob("*.py"))
    extra = extra_cases_dir()
    if extra is not None:
        files += sorted((extra / "expected").glob("*.py"))
    return [f for f in files if not f.name.startswith("_")]


def kg_files() -> list[Path]:
    """The curated files under test: kg/ plus the extra cases' kg files."""
    files = build.kg_files()
    extra = extra_cases_dir()
    if extra is not None:
        files += sorted((extra / "kg").glob("*.ttl"))
    return files


def load_expectations() -> list[SourceExpectations]:
    out = []
    for path in expected_files():
        module = _load_module(path)
        out.append(
            SourceExpectations(
                name=path.stem,
                path=path,
                source=module.SOURCE,
                answers=module.ANSWERS,
                includes=getattr(module, "INCLUDES", {}),
                excludes=getattr(module, "EXCLUDES", {}),
                questions=tuple(getattr(module, "QUESTIONS", ())),
            )
        )
    return out


def keyed_answers(question: Question, records: Sequence[Record]) -> dict[Any, Any]:
    """The projection of the rows of each value of the question's key column."""
    by_patient: dict[Any, list[Record]] = {}
    for r in records:
        by_patient.setdefault(r[question.key], []).append(r)
    return {p: question.project(rs) for p, rs in by_patient.items()}


def check(question: Question, expected: SourceExpectations, records: Sequence[Record]) -> list[str]:
    """What differs between the source's rows of ``question`` and its expected file."""
    mine = question.select([r for r in records if r["source"] == expected.source])
    problems = []
    where = f"{expected.path.name}, {question.name}"
    if not question.partial:
        want = expected.answers.get(question.name, set())
        if isinstance(want, dict):
            got = keyed_answers(question, mine)
            for key, rows in want.items():
                have = got.get(key, question.project([]))
                if have != rows:
                    problems.append(_diff(f"{where}, {question.key} {key}", rows, have))
        else:
            have = question.project(mine)
            if have != want:
                problems.append(_diff(where, want, have))
    if question.name in expected.includes or question.name in expected.excludes:
        have_rows = question.project(mine)
        missing = expected.includes.get(question.name, set()) - have_rows
        present = expected.excludes.get(question.name, set()) & have_rows
        if missing:
            problems.append(f"{where}: expected rows missing: {sorted(map(str, missing))}")
        if present:
            problems.append(f"{where}: rows that must not be there: {sorted(map(str, present))}")
    return problems


def _diff(where: str, want: Any, have: Any) -> str:
    if isinstance(want, set) and isinstance(have, set):
        return (
            f"{where}: expected but not answered {sorted(map(str, want - have))}; "
            f"answered but not expected {sorted(map(str, have - want))}"
        )
    return f"{where}: expected {want!r}, answered {have!r}"
