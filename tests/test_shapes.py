"""The SHACL shapes in shapes/: which constraint fires on which fixture, and the shapes' own form.

Every ``tests/fixtures/shapes/<name>.invalid.ttl`` has a ``<name>.valid.ttl`` twin. Both are
validated together with ``_context.ttl``. An invalid fixture lists, in ``# expect:`` comment
lines, every result it must produce as ``check focus path component severity`` (``check`` is
the shape, or the named SPARQL constraint, that fired; ``path`` is ``-`` when the result has
none). The shapes named in a fixture's expectations give exactly those results on it, and no
other shape reports a violation there; its valid twin gives no result for those shapes and no
violation at all.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import FOAF, OWL, RDF, RDFS, SH
from rdflib.term import Node

from emkg import paths
from emkg.locate import STANDARD_PREFIXES, Namer
from emkg.report import component_name, severity_name
from emkg.validate import (
    EMKG,
    EMKGSH,
    SourceFile,
    Validation,
    declared_prefixes,
    ontology_graph,
    read_shapes,
    read_sources,
    validate,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
CONTEXT = FIXTURES / "_context.ttl"
INVALID = ".invalid.ttl"
VALID = ".valid.ttl"

Expectation = tuple[str, str, str, str, str]  # check, focus, path, component, severity


def fixture_names() -> list[str]:
    return sorted(p.name.removesuffix(INVALID) for p in FIXTURES.glob(f"*{INVALID}"))


@cache
def shapes() -> Graph:
    return read_shapes()


@cache
def ontology() -> Graph:
    return ontology_graph()


@cache
def validated(file_name: str) -> Validation:
    return validate(read_sources([CONTEXT, FIXTURES / file_name]), shapes(), ontology())


def _expand(token: str, prefixes: dict[str, str]) -> str:
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    prefix, sep, local = token.partition(":")
    table = {**STANDARD_PREFIXES, **prefixes}
    if sep and prefix in table:
        return table[prefix] + local
    return token


def expectations(path: Path) -> Counter[Expectation]:
    prefixes = declared_prefixes(path)
    found: Counter[Expectation] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# expect:"):
            continue
        check, focus, result_path, component, severity = line.removeprefix("# expect:").split()
        found[
            (_expand(check, prefixes), _expand(focus, prefixes), result_path, component, severity)
        ] += 1
    return found


def actual(validation: Validation) -> Counter[Expectation]:
    namer = Namer()
    return Counter(
        (
            str(r.check),
            str(r.focus),
            namer.path(validation.report, r.path) if r.path is not None else "-",
            component_name(r.component),
            severity_name(r.severity),
        )
        for r in validation.results
    )


def all_checks(graph: Graph) -> set[str]:
    """Every check a result can name: shapes with targets, and named SPARQL constraints."""
    with_targets: set[Node] = set()
    for target in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        with_targets |= set(graph.subjects(target, None))
    with_targets |= set(graph.subjects(SH.target, None))
    named_constraints = {
        c for c in graph.subjects(RDF.type, SH.SPARQLConstraint) if isinstance(c, URIRef)
    }
    grouping = {s for s in with_targets if set(graph.objects(s, SH.sparql)) & named_constraints}
    return {str(s) for s in (with_targets - grouping) | named_constraints}


# ---------------------------------------------------------------------------
# The fixtures, pair by pair
# ---------------------------------------------------------------------------


def test_fixture_folder_holds_pairs() -> None:
    invalid = {p.name.removesuffix(INVALID) for p in FIXTURES.glob(f"*{INVALID}")}
    valid = {p.name.removesuffix(VALID) for p in FIXTURES.glob(f"*{VALID}")}
    assert invalid, "no fixtures found"
    assert invalid == valid, f"unpaired fixtures: {sorted(invalid ^ valid)}"
    for name in invalid:
        assert expectations(FIXTURES / f"{name}{INVALID}"), f"{name}{INVALID} expects nothing"


def test_context_alone_gives_no_result() -> None:
    validation = validate(read_sources([CONTEXT]), shapes(), ontology())
    assert validation.results == []


@pytest.mark.parametrize("name", fixture_names())
def test_invalid_fixture_fires_exactly_the_expected_constraints(name: str) -> None:
    expected = expectations(FIXTURES / f"{name}{INVALID}")
    found = actual(validated(f"{name}{INVALID}"))
    checks = {e[0] for e in expected}
    of_checks = Counter({k: n for k, n in found.items() if k[0] in checks})
    assert of_checks == expected, (
        f"missing: {sorted((expected - of_checks).elements())}\n"
        f"unexpected: {sorted((of_checks - expected).elements())}"
    )
    other_violations = [k for k in found if k[4] == "Violation" and k[0] not in checks]
    assert other_violations == [], (
        f"violations of shapes the fixture does not expect: {other_violations}"
    )


@pytest.mark.parametrize("name", fixture_names())
def test_valid_twin_gives_no_result_for_those_constraints(name: str) -> None:
    checks = {e[0] for e in expectations(FIXTURES / f"{name}{INVALID}")}
    found = actual(validated(f"{name}{VALID}"))
    assert [k for k in found if k[0] in checks] == []
    assert [k for k in found if k[4] == "Violation"] == []


def test_every_check_is_exercised_by_an_invalid_fixture() -> None:
    exercised: set[str] = set()
    for name in fixture_names():
        exercised |= {e[0] for e in expectations(FIXTURES / f"{name}{INVALID}")}
    missing = all_checks(shapes()) - exercised
    assert missing == set(), f"checks without an invalid fixture: {sorted(missing)}"


def _superclasses(graph: Graph, cls: Node) -> set[Node]:
    return set(graph.transitive_objects(cls, RDFS.subClassOf))


def test_every_target_class_is_exercised_by_a_fixture() -> None:
    graph = shapes()
    targeted = set(graph.objects(None, SH.targetClass))
    implicit = {
        s
        for s in graph.subjects(RDF.type, None)
        if (s, RDF.type, RDFS.Class) in graph or (s, RDF.type, OWL.Class) in graph
    }
    implicit = {s for s in implicit if (s, RDF.type, SH.NodeShape) in graph}
    instantiated: set[Node] = set()
    for path in sorted(FIXTURES.glob("*.ttl")):
        data = Graph().parse(path, format="turtle")
        for cls in set(data.objects(None, RDF.type)):
            instantiated |= _superclasses(ontology(), cls)
    missing = (targeted | implicit) - instantiated
    assert missing == set(), f"target classes no fixture has an instance of: {sorted(missing)}"


# ---------------------------------------------------------------------------
# The shapes themselves
# ---------------------------------------------------------------------------


def test_shapes_conform_to_shacl_shacl() -> None:
    shacl_shacl = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"
    conforms, _report, text = pyshacl.validate(
        shapes(), shacl_graph=Graph().parse(shacl_shacl, format="turtle")
    )
    assert conforms, text


def test_pyshacl_meta_validation_accepts_the_shapes() -> None:
    data = Graph().parse(CONTEXT, format="turtle")
    conforms, _report, text = pyshacl.validate(
        data, shacl_graph=shapes(), ont_graph=ontology(), advanced=True, meta_shacl=True
    )
    assert conforms, text


def test_shapes_are_split_by_concern() -> None:
    names = {p.stem for p in paths.shapes_dir().glob("*.ttl")}
    assert {"core", "completeness", "consistency", "deidentification", "provenance"} <= names


def test_every_shape_has_one_severity_and_a_message() -> None:
    graph = shapes()
    shape_nodes = {URIRef(c) for c in all_checks(graph)} | set(graph.subjects(SH.sparql, None))
    shape_nodes |= set(graph.objects(None, SH.node))
    for node in shape_nodes:
        assert list(graph.objects(node, SH.message)), f"{node} has no sh:message"
    for node in shape_nodes - set(graph.subjects(RDF.type, SH.SPARQLConstraint)):
        severities = list(graph.objects(node, SH.severity))
        assert len(severities) == 1, f"{node} has {len(severities)} severities"
        assert severities[0] in (SH.Violation, SH.Warning, SH.Info)


def test_all_three_severities_are_used() -> None:
    used = set(shapes().objects(None, SH.severity))
    assert {SH.Violation, SH.Warning, SH.Info} <= used


_EMKG_NAME = re.compile(r"emkg:([A-Za-z0-9]+)")


def test_value_list_messages_name_exactly_the_members_of_the_ontology() -> None:
    graph, onto = shapes(), ontology()
    value_sets = set(onto.transitive_subjects(RDFS.subClassOf, EMKG.ValueSetMember))
    value_sets.discard(EMKG.ValueSetMember)
    all_members = {m for vs in value_sets for m in onto.subjects(RDF.type, vs)}
    checked = 0
    for shape, cls in graph.subject_objects(SH["class"]):
        if cls not in value_sets or (shape, SH.path, None) not in graph:
            continue
        members = {str(m).removeprefix(str(EMKG)) for m in onto.subjects(RDF.type, cls)}
        message = " ".join(str(m) for m in graph.objects(shape, SH.message))
        named = set(_EMKG_NAME.findall(message))
        assert members <= named, f"{shape}: message misses {sorted(members - named)}"
        stale = {n for n in named if EMKG[n] in all_members} - members
        assert stale == set(), f"{shape}: message names values of other lists: {sorted(stale)}"
        checked += 1
    assert checked >= 25


def test_recommended_elements_are_warnings_naming_report_elements() -> None:
    graph, onto = shapes(), ontology()
    elements = {}
    for shape, element in graph.subject_objects(EMKGSH.reportElement):
        assert (shape, SH.severity, SH.Warning) in graph, shape
        assert (element, RDF.type, EMKG.ReportElement) in onto, element
        elements[element] = shape
    wanted = {
        EMKG.DetectionMethodElement,
        EMKG.MRDMethodElement,
        EMKG.BaselineImagingElement,
        EMKG.FollowUpElement,
        EMKG.GradeElement,
    }
    assert wanted <= set(elements)


def test_sparql_constraints_compare_only_after_a_datatype_test() -> None:
    """Every SPARQL query that compares with < or > also tests datatype(...) or
    joins on the literal itself (see the engine note in shapes/consistency.ttl)."""
    graph = shapes()
    comparison = re.compile(r"\?\w+\s*(<=|>=|<|>)\s*[?\d]")
    for node, select in graph.subject_objects(SH.select):
        text = str(select)
        if comparison.search(text):
            assert "datatype(" in text, f"{node} compares values without a datatype test"


# ---------------------------------------------------------------------------
# What the brief asks for, named
# ---------------------------------------------------------------------------


def _messages(validation: Validation, severity: URIRef = SH.Violation) -> list[str]:
    return [r.message for r in validation.results if r.severity == severity]


def test_patient_name_admission_date_age_95_and_ssn_are_refused_by_name() -> None:
    validation = validated(f"deidentification{INVALID}")
    assert not validation.conforms
    messages = _messages(validation)
    names = [r for r in validation.results if r.check == EMKGSH.PersonName]
    assert {r.path for r in names} == {FOAF.name, URIRef("https://schema.org/name")}
    assert all("person's name" in r.message for r in names)
    closed = [r for r in validation.results if r.check == EMKGSH["Patient-closed"]]
    assert [r.path for r in closed] == [FOAF.name]
    assert any("calendar date" in m and "2023-04-05" in m for m in messages)
    assert any("5 April 2023" in m and "calendar date" in m for m in messages)
    assert any("90 or older" in m for m in messages)
    assert any("social security number" in m and "123-45-6789" in m for m in messages)
    assert any("medical record number" in m for m in messages)
    assert any("e-mail address" in m for m in messages)
    assert any("phone number" in m for m in messages)


def test_string_typed_grade_and_mrd_are_reported_not_compared() -> None:
    validation = validated(f"string-typed-values{INVALID}")
    grades = [r.message for r in validation.results if r.check == EMKGSH.GradeWithinScheme]
    values = [r.message for r in validation.results if r.check == EMKGSH.MeasurementValueWithinUnit]
    assert len(grades) == 2
    assert all("is not an xsd:integer" in m for m in grades)
    assert not any("outside" in m for m in grades)
    assert len(values) == 2
    assert all("is not a number" in m for m in values)
    assert not any("outside" in m for m in values)


def test_rdflib_compares_a_string_with_a_number_as_true() -> None:
    """Why the guards exist: rdflib's SPARQL engine says "7" > 5 where SPARQL gives an error."""
    graph = Graph()
    assert graph.query('ASK { FILTER ("7" > 5) }').askAnswer is True
    assert graph.query('ASK { FILTER ("1" > 2) }').askAnswer is True


DEID_CHECKS = {
    "NoDateInText",
    "NoEmailAddress",
    "NoPhoneNumber",
    "NoSocialSecurityNumber",
    "NoMedicalRecordNumber",
    "NoCalendarDateLiteral",
    "PersonName",
}

#: literals in a curated description, and the de-identification checks they must trip
LITERALS: dict[str, set[str]] = {
    "seen on 2023-04-05": {"NoDateInText"},
    "seen on 04/05/2023": {"NoDateInText"},
    "seen on 4/5/23": {"NoDateInText"},
    "seen on 05.04.2023": {"NoDateInText"},
    "seen on 5 April 2023": {"NoDateInText"},
    "seen on April 5, 2023": {"NoDateInText"},
    "seen in April 2023": {"NoDateInText"},
    "seen on the 5th of March": {"NoDateInText"},
    "seen on March 5": {"NoDateInText"},
    "write to ward@example.org": {"NoEmailAddress"},
    "call (650) 555-0123": {"NoPhoneNumber"},
    "call 650-555-0123": {"NoPhoneNumber"},
    "call +1 650 723 0000": {"NoPhoneNumber"},
    "tel: 6505550123": {"NoPhoneNumber"},
    "SSN 123-45-6789": {"NoSocialSecurityNumber"},
    "social security no. 123456789": {"NoSocialSecurityNumber"},
    "MRN 1234567": {"NoMedicalRecordNumber"},
    "MRN: 00123456": {"NoMedicalRecordNumber"},
    "medical record number 7654321": {"NoMedicalRecordNumber"},
    "hospital no. 55512": {"NoMedicalRecordNumber"},
    # clinical wording that must pass
    "day +28 after CAR-T infusion": set(),
    "HLA 8/10 matched unrelated donor": set(),
    "lesions at T2-T4 and L3-L4": set(),
    "3 x 10^6 CAR T cells/kg (dose level 2)": set(),
    "800cGy to the lumbar and thoracic spine": set(),
    "grade 2 CRS in 2023": set(),
    "38 months from diagnosis, 1.5-2.0 mg/m2": set(),
    "doi 10.3389/fimmu.2024.1423487": set(),
    "COG AALL0932 and AALL1732": set(),
    "0.01% by flow cytometry; 6,648 (0.66%) cells per million": set(),
    "KRAS p.A18D, +8, del(9p), iAMP21": set(),
    "15~20% of 120 patients; may be given again": set(),
    "MRD by NGS at day 28 (clonoSEQ, 1 in 10^6)": set(),
}


def test_deidentification_patterns_on_clinical_wording() -> None:
    f = Namespace("https://w3id.org/emkg/data/fixture/patterns/")
    ctx = Namespace("https://w3id.org/emkg/data/fixture/context/")
    graph = Graph()
    nodes: dict[URIRef, str] = {}
    annotation = f["ann"]
    graph.add((annotation, RDF.type, URIRef("http://www.w3.org/ns/oa#Annotation")))
    graph.add((annotation, URIRef("http://www.w3.org/ns/oa#hasTarget"), ctx["target"]))
    for index, text in enumerate(LITERALS, start=10):
        node = f[f"e{index}"]
        nodes[node] = text
        graph.add((node, RDF.type, EMKG.CareEvent))
        graph.add((node, EMKG.ofPatient, ctx["patient"]))
        graph.add((node, EMKG.sequenceIndex, Literal(index)))
        graph.add((node, EMKG.careType, EMKG.Apheresis))
        graph.add((node, EMKG.description, Literal(text)))
        graph.add((annotation, URIRef("http://www.w3.org/ns/oa#hasBody"), node))
    sources = read_sources([CONTEXT])
    sources.append(SourceFile(Path("patterns.ttl"), graph, {}))
    validation = validate(sources, shapes(), ontology())
    fired: dict[str, set[str]] = {text: set() for text in LITERALS}
    for r in validation.results:
        name = str(r.check).removeprefix(str(EMKGSH))
        if r.focus in nodes and name in DEID_CHECKS:
            fired[nodes[r.focus]].add(name)  # type: ignore[index]
    wrong = {t: (fired[t], want) for t, want in LITERALS.items() if fired[t] != want}
    assert wrong == {}, wrong
