"""``emkg reason``: HermiT over the ontology (and the curated graph), its exit codes, and the
reading of HermiT's answer (punning, ignored datatypes, inferences)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph

from emkg import build
from emkg.cli import main
from emkg.errors import RuntimeMissing
from emkg.reason import (
    OWL_NOTHING,
    find_java,
    parse_hermit_output,
    reason,
    reason_project,
    unsupported_values,
)

E = "https://w3id.org/emkg/ontology#"
OBO = "http://purl.obolibrary.org/obo/"
DATA = "https://w3id.org/emkg/data/test2024/case1/"

PREFIXES = """@prefix : <http://example.org/t#> .
@prefix emkg: <https://w3id.org/emkg/ontology#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix t1: <https://w3id.org/emkg/data/test2024/case1/> .
"""

INCONSISTENT = (
    PREFIXES
    + """<http://example.org/t> a owl:Ontology .
:A a owl:Class . :B a owl:Class ; owl:disjointWith :A .
:x a :A , :B .
"""
)

UNSATISFIABLE = (
    PREFIXES
    + """<http://example.org/t> a owl:Ontology .
:A a owl:Class . :B a owl:Class ; owl:disjointWith :A .
:C a owl:Class ; rdfs:subClassOf :A , :B .
"""
)

#: Class IRIs as values (punning), an ISO 8601 age HermiT cannot read, and a publication
#: that is only typed through the range of emkg:reportedIn.
PUNNING = (
    PREFIXES
    + """t1:patient a emkg:Patient ; emkg:caseLabel "Case 1" ; emkg:sex emkg:Female ;
    emkg:ageDuration "P18M"^^xsd:duration ; emkg:reportedIn <https://doi.org/10.9999/x> .
t1:e1 a emkg:TherapyLine ; emkg:ofPatient t1:patient ; emkg:sequenceIndex 1 ;
    emkg:intent emkg:BridgingToCART ; emkg:hasComponent t1:e1c1 .
t1:e1c1 a emkg:TherapyComponent ; emkg:agent emkg:Blinatumomab .
t1:f2 a emkg:EMFinding ; emkg:ofPatient t1:patient ; emkg:sequenceIndex 2 ;
    emkg:site obo:UBERON_0004628 ; emkg:detectedBy emkg:PETMRI ; emkg:findingStatus emkg:Present ;
    dcterms:created "2024-01-01"^^xsd:date .
"""
)

TWO_SEXES = (
    PREFIXES
    + """t1:patient a emkg:Patient ; emkg:sex emkg:Female , emkg:Male .
"""
)

EVENT_AS_PATIENT = (
    PREFIXES
    + """t1:e1 a emkg:TherapyLine ; emkg:ofPatient t1:e2 .
t1:e2 a emkg:EMFinding .
"""
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# With Java: the real reasoner
# ---------------------------------------------------------------------------


@pytest.mark.java
def test_ontology_is_consistent_without_unsatisfiable_classes() -> None:
    report = reason_project(with_data=False)
    assert report.consistent
    assert report.unsatisfiable == []
    assert report.unsatisfiable_properties == []
    assert report.ok
    assert report.named_classes > 350  # own classes and the UBERON subset
    assert report.ignored == []  # the ontology needs no datatype HermiT lacks


@pytest.mark.java
def test_cli_exit_0_when_the_curated_graph_is_consistent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["reason", "--with-data"]) == 0
    out = capsys.readouterr().out
    assert "consistent: yes" in out
    assert "unsatisfiable classes: none" in out
    for path in build.source_files():
        assert path.name in out


@pytest.mark.java
def test_cli_exit_1_when_inconsistent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "inconsistent.ttl", INCONSISTENT)
    assert main(["reason", str(path)]) == 1
    assert "INCONSISTENT" in capsys.readouterr().out


@pytest.mark.java
def test_cli_exit_1_when_a_class_is_unsatisfiable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "unsat.ttl", UNSATISFIABLE)
    assert main(["reason", str(path)]) == 1
    out = capsys.readouterr().out
    assert "consistent: yes" in out
    assert "UNSATISFIABLE classes (1)" in out
    assert "<http://example.org/t#C>" in out


@pytest.mark.java
def test_punning_is_accepted_and_not_misread(tmp_path: Path) -> None:
    data = _write(tmp_path, "test2024.ttl", PUNNING)
    report = reason([*build.ontology_files(), data])
    assert report.ok
    assert {E + "Blinatumomab", OBO + "UBERON_0004628", E + "PETMRI"} <= set(report.punned)
    # the class used as a value is not thereby an instance of its superclasses
    assert not any(ind == E + "Blinatumomab" for ind, _cls in report.inferred_types)
    assert not any(ind == OBO + "UBERON_0004628" for ind, _cls in report.inferred_types)
    # a type that only the range of emkg:reportedIn gives is reported as inferred
    assert ("https://doi.org/10.9999/x", E + "Publication") in report.inferred_types
    # the duration is ignored (and said so); the date on an annotation property is not counted
    assert [(i.predicate, i.datatype, i.count) for i in report.ignored] == [
        (E + "ageDuration", "http://www.w3.org/2001/XMLSchema#duration", 1)
    ]


@pytest.mark.java
def test_misuse_in_the_graph_is_inconsistent_and_located(tmp_path: Path) -> None:
    good = _write(tmp_path, "good2024.ttl", PUNNING)
    two_sexes = _write(tmp_path, "sex2024.ttl", TWO_SEXES)
    event_as_patient = _write(tmp_path, "range2024.ttl", EVENT_AS_PATIENT)
    data = [good, two_sexes, event_as_patient]
    onto = build.ontology_files()
    report = reason([*onto, *data], localize=data, base=onto)
    assert not report.consistent
    assert not report.ok
    assert report.inconsistent_files == [two_sexes, event_as_patient]


# ---------------------------------------------------------------------------
# Without Java
# ---------------------------------------------------------------------------


def test_cli_exit_3_without_java(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder without java
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("EMKG_JAVA", raising=False)
    assert main(["reason"]) == 3
    err = capsys.readouterr().err
    assert "no working Java runtime found" in err
    assert "it was not checked" in err
    assert "INCONSISTENT" not in err


def test_exit_3_when_the_configured_java_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EMKG_JAVA", str(tmp_path / "no-such-java"))
    assert main(["reason"]) == 3
    assert "EMKG_JAVA=" in capsys.readouterr().err


def test_a_java_that_does_not_run_is_missing(tmp_path: Path) -> None:
    fake = _write(tmp_path, "java", "#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(RuntimeMissing, match="no working Java runtime") as info:
        find_java({"EMKG_JAVA": str(fake), "PATH": os.defpath})
    assert info.value.exit_code == 3


def test_files_and_with_data_together_are_a_usage_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.ttl", INCONSISTENT)
    assert main(["reason", "--with-data", str(path)]) == 2


def test_unreadable_input_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMKG_JAVA", "/bin/true")  # never started: parsing fails first
    path = _write(tmp_path, "broken.ttl", "this is not turtle .")
    assert main(["reason", str(path)]) == 2


def test_reading_hermit_output() -> None:
    text = """
EquivalentClasses( <http://www.w3.org/2002/07/owl#Nothing> <http://x/C> <http://x/D> )
SubClassOf( <http://x/B> <http://x/A> )
EquivalentObjectProperties( <http://x/p> ObjectInverseOf( <http://x/p> ) )
EquivalentObjectProperties( <http://www.w3.org/2002/07/owl#bottomObjectProperty> <http://x/q> )
Type( <http://x/i> <http://x/B> )
"""
    answer = parse_hermit_output(text)
    assert answer.subclass_of == {("http://x/B", "http://x/A")}
    assert answer.types == {("http://x/i", "http://x/B")}
    assert answer.equivalent_classes == [{OWL_NOTHING, "http://x/C", "http://x/D"}]
    assert answer.unsatisfiable_properties == {"http://x/q"}


def test_unsupported_datatypes_are_found() -> None:
    g = Graph().parse(
        data=PREFIXES
        + """emkg:ageDuration a owl:DatatypeProperty ; rdfs:range xsd:duration .
dcterms:created a owl:AnnotationProperty .
t1:p emkg:ageDuration "P2Y"^^xsd:duration ; emkg:ageInYears 2 ; rdfs:label "x"@en ;
    dcterms:created "2024-01-01"^^xsd:date ; emkg:caseLabel "Case 1" ; :when "2024"^^xsd:gYear .
""",
        format="turtle",
    )
    found = {(i.predicate, i.datatype.rsplit("#", 1)[1], i.in_axiom) for i in unsupported_values(g)}
    assert found == {
        (E + "ageDuration", "duration", False),
        ("http://example.org/t#when", "gYear", False),
        (E + "ageDuration", "duration", True),
    }


def test_summary_says_when_a_contradiction_spans_files() -> None:
    from emkg.reason import JavaRuntime, ReasonReport, summary

    report = ReasonReport(
        files=[Path("a.ttl"), Path("b.ttl")],
        triples=2,
        java=JavaRuntime("/usr/bin/java", "17"),
        hermit="HermiT",
        consistent=False,
        seconds=0.1,
        localized=True,
    )
    text = "\n".join(summary(report))
    assert "INCONSISTENT" in text
    assert "the contradiction spans files" in text
    assert not report.ok
