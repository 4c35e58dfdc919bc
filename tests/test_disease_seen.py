"""The finding statuses that mean "disease was seen" are stated once: the individuals typed
``emkg:DiseaseSeenStatus`` in ``ontology/emkg.ttl``. The saved questions and the shapes test a
status's class, the synthetic cohort reads the class from the ontology and the HTML report
takes the view's ``diseaseSeen`` flag: no other file of queries/, shapes/ or src/ lists them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from emkg import paths
from emkg.engines import OxigraphEngine
from emkg.htmlreport.data import collect
from emkg.htmlreport.page import write_report
from emkg.synthetic import cohort_lines
from reportpage import open_report

EMKG = Namespace("https://w3id.org/emkg/ontology#")
#: innermost bracketed groups of each kind (a VALUES block, an object; an IN list, a tuple, a
#: parenthesis; a list), each kind found on its own so that one inside another is still seen
_GROUPS = (re.compile(r"\{[^{}]*\}"), re.compile(r"\([^()]*\)"), re.compile(r"\[[^\[\]]*\]"))


def _ontology() -> Graph:
    return Graph().parse(paths.ontology_file(), format="turtle")


def _spellings(ontology: Graph) -> dict[URIRef, set[str]]:
    """Each finding status -> its local name and label, lower case."""
    found: dict[URIRef, set[str]] = {}
    for status in ontology.subjects(RDF.type, EMKG.FindingStatus):
        assert isinstance(status, URIRef)
        label = ontology.value(status, RDFS.label)
        found[status] = {str(status).removeprefix(str(EMKG)).lower(), str(label).lower()}
    return found


def copies_of_the_set(root: Path, ontology: Graph) -> list[str]:
    """Where a file under ``root`` lists the disease-seen statuses: a bracketed group naming
    every member of emkg:DiseaseSeenStatus (by local name or label) and no other finding
    status. A group naming all the statuses (a shape's list of allowed values) is no copy."""
    spellings = _spellings(ontology)
    seen = set(ontology.subjects(RDF.type, EMKG.DiseaseSeenStatus))
    assert seen, "the ontology types no individual emkg:DiseaseSeenStatus"
    words = {
        status: [re.compile(rf"(?<![a-z]){re.escape(s)}(?![a-z])") for s in names]
        for status, names in spellings.items()
    }
    copies: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for group in (g for pattern in _GROUPS for g in pattern.finditer(text)):
            lower = group.group().lower()
            named = {s for s, pats in words.items() if any(p.search(lower) for p in pats)}
            if named == seen:
                line = text.count("\n", 0, group.start()) + 1
                copies.append(f"{path}:{line}: {' '.join(group.group().split())[:80]}")
    return copies


def test_the_ontology_states_which_statuses_mean_disease_was_seen() -> None:
    # worked out by hand from the definitions in ontology/emkg.ttl:
    #   Present "Leukemic involvement was found at the site."
    #   Decreased "Previously found involvement was smaller but still seen."
    #   Progressing "Involvement grew or spread."
    #   Stable "Unchanged from an earlier examination." (of involvement found before)
    # and not: AbsentWhenAssessed ("no leukemic involvement was found"), Resolved ("no longer
    # seen"), Pseudoprogression ("rather than leukemia"), NotAssessed ("not examined")
    ontology = _ontology()
    members = set(ontology.subjects(RDF.type, EMKG.DiseaseSeenStatus))
    assert members == {EMKG.Present, EMKG.Decreased, EMKG.Progressing, EMKG.Stable}
    assert (EMKG.DiseaseSeenStatus, RDFS.subClassOf, EMKG.FindingStatus) in ontology
    assert all((m, RDF.type, EMKG.FindingStatus) in ontology for m in members)


def test_no_file_but_the_ontology_lists_the_statuses() -> None:
    ontology = _ontology()
    root = paths.project_root()
    copies = [
        copy
        for folder in ("queries", "shapes", "src")
        for copy in copies_of_the_set(root / folder, ontology)
    ]
    assert copies == [], "test the status's class emkg:DiseaseSeenStatus instead:\n" + "\n".join(
        copies
    )


def test_the_scan_finds_a_copy_in_each_language(tmp_path: Path) -> None:
    # the forms the set took before it was stated once (a VALUES block, an IN list, a Python
    # tuple, a JavaScript object, a description in words)
    (tmp_path / "q.rq").write_text(
        "SELECT * WHERE {\n  ?f emkg:findingStatus ?s .\n"
        "  VALUES ?s { emkg:Present emkg:Progressing emkg:Decreased emkg:Stable }\n}\n"
    )
    (tmp_path / "s.ttl").write_text(
        "{ $this emkg:findingStatus emkg:AbsentWhenAssessed .\n"
        "  FILTER (?s IN (emkg:Present, emkg:Progressing, emkg:Decreased, emkg:Stable)) }\n"
    )
    (tmp_path / "m.py").write_text(
        'seen = status in ("Present", "Progressing",\n "Decreased", "Stable")\n'
    )
    (tmp_path / "r.js").write_text(
        "var S = { Present: 1, Progressing: 1, Decreased: 1, Stable: 1 };\n"
    )
    (tmp_path / "d.rq").write_text(
        "#+ description: disease (present, progressing, decreased or stable)\n"
    )
    # not copies: every status (a shape's allowed values), or another subset
    (tmp_path / "ok.ttl").write_text(
        'sh:message "one of: emkg:Present, emkg:AbsentWhenAssessed, emkg:Resolved, emkg:Decreased, '
        'emkg:Progressing, emkg:Pseudoprogression, emkg:NotAssessed or emkg:Stable." .\n'
        'rng.choice(("Resolved", "Decreased", "Stable", "Progressing", "Pseudoprogression"))\n'
    )
    copies = copies_of_the_set(tmp_path, _ontology())
    assert sorted(c.split(":")[0].rsplit("/", 1)[1] for c in copies) == [
        "d.rq",
        "m.py",
        "q.rq",
        "r.js",
        "s.ttl",
    ]
    assert any(
        c.endswith(":3: { emkg:Present emkg:Progressing emkg:Decreased emkg:Stable }")
        for c in copies
    )


def test_the_synthetic_cohort_marks_subclinical_only_disease_it_saw() -> None:
    # the cohort writes emkg:subclinical true only on a finding of disease: its status must
    # be one the ontology types emkg:DiseaseSeenStatus
    graph = Graph().parse(data="".join(cohort_lines(60, seed=3)), format="nt")
    ontology = _ontology()
    seen = set(ontology.subjects(RDF.type, EMKG.DiseaseSeenStatus))
    marked = list(graph.subjects(EMKG.subclinical, None))
    assert len(marked) > 10
    statuses = {graph.value(f, EMKG.findingStatus) for f in marked}
    assert statuses <= seen
    assert len(statuses) > 1


@pytest.mark.browser
def test_the_report_draws_as_disease_the_findings_the_ontology_counts(
    browser_page, dataset: Dataset, tmp_path: Path
) -> None:
    engine = OxigraphEngine.from_dataset(dataset)
    page = open_report(browser_page, write_report(tmp_path / "report.html", collect(engine)))
    drawn = dict(
        page.locator("svg.lane .mark [data-disease-seen]").evaluate_all(
            "gs => gs.map(g => [g.closest('.mark').dataset.event, g.dataset.diseaseSeen])"
        )
    )
    table = engine.select(
        """PREFIX emkg: <https://w3id.org/emkg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?finding ?seen ?label WHERE {
          ?finding a emkg:EMFinding .
          OPTIONAL { ?finding emkg:findingStatus ?status . ?status rdfs:label ?label .
                     ?status a emkg:DiseaseSeenStatus . BIND (true AS ?seen) }
        }"""
    )
    expected = {str(f): "true" if seen is not None else "false" for f, seen, _l in table.rows}
    assert "true" in expected.values()
    assert "false" in expected.values()
    assert drawn == expected
    labels = sorted({str(label) for _f, seen, label in table.rows if seen is not None})
    legend = page.locator("text=disease seen (").first.text_content() or ""
    assert legend.strip() == f"disease seen ({', '.join(labels)})"
