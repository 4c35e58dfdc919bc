"""Completeness per case: the share of recommended elements a case report has (CQ15).

The recommended elements are the ``sh:Warning`` shapes that name an
``emkgsh:reportElement`` (``shapes/completeness.ttl``). For every node such a shape applies
to (its focus nodes, computed from its targets as SHACL defines them), the element is
*missing* when the shape reported the node, *not reported* when the node states
``emkg:notReported <element>`` (or its patient does, where the shape accepts that), and
*present* otherwise. The score of a case is present / (present + not reported + missing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
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
    #: how many checks there are of each (status, element)
    tally: Counter[tuple[str, URIRef]] = field(default_factory=Counter)

    def add(self, check: ElementCheck) -> None:
        self.tally[check.status, check.element] += 1

    @property
    def checked(self) -> int:
        return sum(self.tally.values())

    def count(self, status: str) -> int:
        return sum(n for (s, _e), n in self.tally.items() if s == status)

    @property
    def score(self) -> float | None:
        checked = self.checked
        return self.count(PRESENT) / checked if checked else None

    def elements(self, status: str) -> dict[URIRef, int]:
        """How many checks of each element have ``status`` (missing, not reported)."""
        counts = {e: n for (s, e), n in self.tally.items() if s == status}
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
        by_case.setdefault(case, CaseCompleteness(case)).add(check)
    return _in_order(by_case)


def _in_order(by_case: dict[Case, CaseCompleteness]) -> list[CaseCompleteness]:
    """The cases in the table's order (two patients of one label and source by their IRI)."""
    return sorted(by_case.values(), key=lambda c: (c.case.sort_key, str(c.case.node)))


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


def on_patient_shapes(shapes: Graph) -> set[Node]:
    """The recommended shapes that accept the patient's ``emkg:notReported`` statement."""
    return {
        shape
        for shape, _element in recommended_shapes(shapes)
        if (shape, EMKGSH.notReportedOnPatient, Literal(True)) in shapes
    }


def focus_and_stated(
    facts: StoreFacts, queries: list[tuple[Node, URIRef, str | None, str]]
) -> tuple[list[Node], set[Node], list[tuple[Node, URIRef, set[Node], set[Node]]]]:
    """The patients, every node whose case the table needs, and per recommended shape its
    focus nodes and the nodes stating ``emkg:notReported`` its element, asked of ``facts``
    (``queries``: :func:`store_queries`)."""
    patients = facts.patients()
    asked: set[Node] = set(patients)
    found = []
    for shape, element, target_query, stated_query in queries:
        focus_set = _column(facts.select(target_query)) if target_query is not None else set()
        stated = _column(facts.select(stated_query))
        found.append((shape, element, focus_set, stated))
        asked |= focus_set | stated
    return patients, asked, found


def store_checks(
    facts: StoreFacts,
    queries: list[tuple[Node, URIRef, str | None, str]],
    on_patient: set[Node],
    reported: set[tuple[Node, Node]],
    wanted: Callable[[Node], bool] | None = None,
) -> tuple[list[Node], list[ElementCheck]]:
    """The patients and the checks (in no set order) of the nodes ``wanted`` keeps (all if
    None), asked of ``facts``: ``queries`` from :func:`store_queries`, ``on_patient`` from
    :func:`on_patient_shapes`, ``reported`` the (shape, focus node) of every result."""
    patients, asked, found = focus_and_stated(facts, queries)
    patient_set = set(patients)
    facts.ask(patients)
    facts.ask_cases(asked)
    checks: list[ElementCheck] = []
    for shape, element, focus_set, stated in found:
        by_patient = shape in on_patient
        for focus in focus_set:
            if wanted is not None and not wanted(focus):
                continue
            if (shape, focus) in reported:
                status = MISSING
            elif focus in stated or (by_patient and facts.patient(focus) in stated):
                status = NOT_REPORTED
            else:
                status = PRESENT
            checks.append(ElementCheck(shape, element, focus, status))
        for node in stated - focus_set:
            if (by_patient and node in patient_set) or (wanted is not None and not wanted(node)):
                continue
            checks.append(ElementCheck(shape, element, node, NOT_REPORTED))
    if wanted is not None:
        patients = [p for p in patients if wanted(p)]
    return patients, checks


def tally_in_store(
    facts: StoreFacts,
    queries: list[tuple[Node, URIRef, str | None, str]],
    on_patient: set[Node],
    reported: set[tuple[Node, Node]],
    wanted: Callable[[Node], bool],
) -> dict[tuple[str, object], Counter[tuple[str, URIRef]]]:
    """:func:`store_checks` of the nodes ``wanted`` keeps, counted per case
    (:meth:`emkg.storefacts.StoreFacts.case_key`; every patient's case, with no checks too):
    what a batch of a validation in groups hands to :func:`per_case_in_store`."""
    patients, checks = store_checks(facts, queries, on_patient, reported, wanted)
    tallies: dict[tuple[str, object], Counter[tuple[str, URIRef]]] = {}
    for patient in patients:
        tallies.setdefault(facts.case_key(patient), Counter())
    for check in checks:
        key = facts.case_key(check.focus)
        tallies.setdefault(key, Counter())[check.status, check.element] += 1
    return tallies


def per_case_in_store(validation: Validation, locator: FactsLocator) -> list[CaseCompleteness]:
    """:func:`per_case` for a validation run in the store (:func:`emkg.validate.
    validate_files_in_store`): the focus nodes of each recommended shape and the
    ``emkg:notReported`` statements are queried in the store, the cases come from
    :class:`emkg.storefacts.StoreFacts`. In groups, each batch counted its own nodes' checks
    (:func:`tally_in_store`, in ``facts.tallies``) and left here the rows of the nodes of no
    batch."""
    facts = locator.facts
    reported = {(r.shape, r.focus) for r in validation.results}
    shapes = validation.shapes
    patients, checks = store_checks(
        facts, store_queries(shapes), on_patient_shapes(shapes), reported
    )
    by_case: dict[Case, CaseCompleteness] = {}
    for patient in patients:
        by_case.setdefault(locator.case(patient), CaseCompleteness(locator.case(patient)))
    for check in checks:
        case = locator.case(check.focus)
        by_case.setdefault(case, CaseCompleteness(case)).add(check)
    for key, tally in facts.tallies.items():
        case = facts.case_by_key(key, locator.namer)
        by_case.setdefault(case, CaseCompleteness(case)).tally.update(tally)
    return _in_order(by_case)


def totals(cases: Iterable[CaseCompleteness]) -> CaseCompleteness:
    everything = CaseCompleteness(Case("other", None, "all cases", None))
    for case in cases:
        everything.tally.update(case.tally)
    return everything
