"""Completeness per case: the share of recommended elements a case report has (CQ15).

The recommended elements are the ``sh:Warning`` shapes that name an
``emkgsh:reportElement`` (``shapes/completeness.ttl``). For every node such a shape applies
to (its focus nodes, computed from its targets as SHACL defines them), the element is
*missing* when the shape reported the node, *not reported* when the node states
``emkg:notReported <element>`` (or its patient does, where the shape accepts that), and
*present* otherwise. The score of a case is present / (present + not reported + missing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from emkg.locate import Case, Locator
from emkg.validate import EMKG, EMKGSH, Validation, prepared_queries

if TYPE_CHECKING:
    from emkg.storefacts import FactsLocator, StoreFacts

PRESENT = "present"
NOT_REPORTED = "not reported"
MISSING = "missing"


@dataclass(frozen=True)
class ElementCheck:
    """One recommended element for one node."""

    shape: Node
    element: URIRef
    focus: Node
    status: str


@dataclass
class CaseCompleteness:
    case: Case
    checks: list[ElementCheck] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def score(self) -> float | None:
        return self.count(PRESENT) / len(self.checks) if self.checks else None

    def elements(self, status: str) -> dict[URIRef, int]:
        """How many checks of each element have ``status`` (missing, not reported)."""
        counts: dict[URIRef, int] = defaultdict(int)
        for check in self.checks:
            if check.status == status:
                counts[check.element] += 1
        return dict(sorted(counts.items(), key=lambda kv: str(kv[0])))

    def missing_elements(self) -> dict[URIRef, int]:
        return self.elements(MISSING)


def recommended_shapes(shapes: Graph) -> list[tuple[Node, URIRef]]:
    """(shape, report element) for every sh:Warning shape that names an element."""
    found = []
    for shape, element in shapes.subject_objects(EMKGSH.reportElement):
        if isinstance(element, URIRef) and (shape, SH.severity, SH.Warning) in shapes:
            found.append((shape, element))
    return sorted(found, key=lambda se: str(se[0]))


def _instances(data: Graph, cls: Node) -> set[Node]:
    classes = set(data.transitive_subjects(RDFS.subClassOf, cls))
    classes.add(cls)
    return {s for c in classes for s in data.subjects(RDF.type, c)}


def _sparql_prefixes(shapes: Graph, target: Node) -> str:
    lines = []
    for prefixes in shapes.objects(target, SH.prefixes):
        for declaration in shapes.objects(prefixes, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(lines)


def focus_nodes(shapes: Graph, shape: Node, data: Graph) -> set[Node]:
    """The focus nodes of a shape in ``data`` (class, node, subjects-of, objects-of and
    SPARQL-based targets)."""
    nodes: set[Node] = set(shapes.objects(shape, SH.targetNode))
    for cls in shapes.objects(shape, SH.targetClass):
        nodes |= _instances(data, cls)
    if (shape, RDF.type, RDFS.Class) in shapes:
        nodes |= _instances(data, shape)
    for predicate in shapes.objects(shape, SH.targetSubjectsOf):
        nodes |= set(data.subjects(predicate, None))
    for predicate in shapes.objects(shape, SH.targetObjectsOf):
        nodes |= set(data.objects(None, predicate))
    for target in shapes.objects(shape, SH.target):
        select = shapes.value(target, SH.select)
        if isinstance(select, Literal):
            query = _sparql_prefixes(shapes, target) + "\n" + str(select)
            with prepared_queries():
                for row in data.query(query):
                    nodes.add(row[0])  # type: ignore[index]
    return nodes


def _not_reported(
    locator: Locator, shapes: Graph, shape: Node, element: URIRef, focus: Node
) -> bool:
    data = locator.data
    if (focus, EMKG.notReported, element) in data:
        return True
    if (shape, EMKGSH.notReportedOnPatient, Literal(True)) in shapes:
        patient = locator.patient(focus)
        return patient is not None and (patient, EMKG.notReported, element) in data
    return False


def element_checks(validation: Validation, locator: Locator) -> list[ElementCheck]:
    """Every (shape, node) check: the shape's focus nodes, and every other node on which the
    curator stated the shape's element as not reported (except a patient where the shape
    reads the patient's statement for its focus nodes). CQ15 lists the same checks that are
    not present (tests/test_completeness.py)."""
    reported = {(r.shape, r.focus) for r in validation.results}
    checks = []
    for shape, element in recommended_shapes(validation.shapes):
        focus_set = focus_nodes(validation.shapes, shape, validation.data)
        for focus in sorted(focus_set, key=str):
            if (shape, focus) in reported:
                status = MISSING
            elif _not_reported(locator, validation.shapes, shape, element, focus):
                status = NOT_REPORTED
            else:
                status = PRESENT
            checks.append(ElementCheck(shape, element, focus, status))
        on_patient = (shape, EMKGSH.notReportedOnPatient, Literal(True)) in validation.shapes
        patients = _instances(validation.data, EMKG.Patient)
        stated = set(validation.data.subjects(EMKG.notReported, element)) - focus_set
        for node in sorted(stated, key=str):
            if on_patient and node in patients:
                continue
            checks.append(ElementCheck(shape, element, node, NOT_REPORTED))
    return checks


def per_case(validation: Validation, locator: Locator) -> list[CaseCompleteness]:
    """Completeness of every patient case (cases without any check are listed with none)."""
    by_case: dict[Case, CaseCompleteness] = {}
    for patient in sorted(_instances(validation.data, EMKG.Patient), key=str):
        case = locator.case(patient)
        by_case.setdefault(case, CaseCompleteness(case))
    for check in element_checks(validation, locator):
        case = locator.case(check.focus)
        by_case.setdefault(case, CaseCompleteness(case)).checks.append(check)
    return sorted(by_case.values(), key=lambda c: c.case.sort_key)


def _column(rows: Iterable[tuple[Node | None, ...]]) -> set[Node]:
    return {row[0] for row in rows if row[0] is not None}


def store_queries(shapes: Graph) -> list[tuple[Node, URIRef, str | None, str]]:
    """(shape, element, query of its focus nodes or None, query of the nodes stating
    ``emkg:notReported`` the element) for every recommended shape: what
    :func:`per_case_in_store` asks the store (and what a validation in groups gathers from
    each group's store beforehand)."""
    from emkg.shacl_oxigraph import Compiler

    compiler = Compiler(shapes)
    found = []
    for shape, element in recommended_shapes(shapes):
        targets = compiler.targets(shape)
        target_query = None
        if targets is not None:
            target, prefixes = targets
            prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in sorted(prefixes.items()))
            target_query = f"{prologue}SELECT ?this WHERE {{ {target} }}"
        stated = f"SELECT ?s WHERE {{ ?s <{EMKG.notReported}> <{element}> }}"
        found.append((shape, element, target_query, stated))
    return found


def focus_and_stated(
    facts: StoreFacts, shapes: Graph
) -> tuple[list[Node], set[Node], list[tuple[Node, URIRef, set[Node], set[Node]]]]:
    """The patients, every node whose case the table needs, and per recommended shape its
    focus nodes and the nodes stating ``emkg:notReported`` its element, asked of ``facts``."""
    patients = facts.patients()
    asked: set[Node] = set(patients)
    found = []
    for shape, element, target_query, stated_query in store_queries(shapes):
        focus_set = _column(facts.select(target_query)) if target_query is not None else set()
        stated = _column(facts.select(stated_query))
        found.append((shape, element, focus_set, stated))
        asked |= focus_set | stated
    return patients, asked, found


def per_case_in_store(validation: Validation, locator: FactsLocator) -> list[CaseCompleteness]:
    """:func:`per_case` for a validation run in the store (:func:`emkg.validate.
    validate_files_in_store`): the focus nodes of each recommended shape and the
    ``emkg:notReported`` statements are queried in the store, the cases come from
    :class:`emkg.storefacts.StoreFacts`."""
    facts = locator.facts
    reported = {(r.shape, r.focus) for r in validation.results}
    patients, asked, found = focus_and_stated(facts, validation.shapes)
    patient_set = set(patients)
    pending: list[tuple[Node, URIRef, list[Node], set[Node], bool]] = []
    for shape, element, focus_set, stated in found:
        on_patient = (shape, EMKGSH.notReportedOnPatient, Literal(True)) in validation.shapes
        pending.append((shape, element, sorted(focus_set, key=str), stated, on_patient))
    facts.ask(patients)
    facts.ask_cases(asked)
    checks: list[ElementCheck] = []
    for shape, element, focus_list, stated, on_patient in pending:
        focus_set = set(focus_list)
        for focus in focus_list:
            if (shape, focus) in reported:
                status = MISSING
            elif focus in stated or (on_patient and facts.patient(focus) in stated):
                status = NOT_REPORTED
            else:
                status = PRESENT
            checks.append(ElementCheck(shape, element, focus, status))
        for node in sorted(stated - focus_set, key=str):
            if on_patient and node in patient_set:
                continue
            checks.append(ElementCheck(shape, element, node, NOT_REPORTED))
    by_case: dict[Case, CaseCompleteness] = {}
    for patient in patients:
        by_case.setdefault(locator.case(patient), CaseCompleteness(locator.case(patient)))
    for check in checks:
        case = locator.case(check.focus)
        by_case.setdefault(case, CaseCompleteness(case)).checks.append(check)
    return sorted(by_case.values(), key=lambda c: c.case.sort_key)


def totals(cases: Iterable[CaseCompleteness]) -> CaseCompleteness:
    everything = CaseCompleteness(Case("other", None, "all cases", None))
    for case in cases:
        everything.checks.extend(case.checks)
    return everything
