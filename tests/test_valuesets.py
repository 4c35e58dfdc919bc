"""The value sets are stated once, in the ontology; the axioms and shape messages follow it.

For every value set, :func:`emkg.valuesets.check_value_sets` names exactly what to add where
(file, line, the member) when the owl:AllDifferent axiom or a shape's message does not list a
member the ontology declares.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from emkg import paths
from emkg.valuesets import check_value_sets, value_sets


def test_axioms_and_messages_follow_the_ontology() -> None:
    problems = [f"{p.file}:{p.line}: {p.message}; {p.hint}" for p in check_value_sets()]
    assert problems == []


def test_a_new_member_is_named_with_where_to_add_it(tmp_path: Path) -> None:
    ontology = tmp_path / "emkg.ttl"
    shutil.copy(paths.ontology_file(), ontology)
    ontology.write_text(
        ontology.read_text(encoding="utf-8")
        + '\nemkg:Smoldering a owl:NamedIndividual , emkg:FindingStatus ; rdfs:label "x"@en .\n',
        encoding="utf-8",
    )
    problems = check_value_sets(ontology, sorted(paths.shapes_dir().glob("*.ttl")))
    assert problems
    assert all("emkg:Smoldering" in p.message for p in problems)
    axiom = [p for p in problems if p.file == ontology]
    assert len(axiom) == 1
    assert axiom[0].line is not None
    assert (
        "owl:distinctMembers"
        in ontology.read_text(encoding="utf-8").splitlines()[axiom[0].line - 1]
    )
    shapes = [p for p in problems if p.file != ontology]
    assert shapes
    for p in shapes:
        assert p.line is not None
        assert "sh:message" in p.file.read_text(encoding="utf-8").splitlines()[p.line - 1]


def test_there_are_value_sets() -> None:
    from rdflib import Graph

    sets = value_sets(Graph().parse(paths.ontology_file()))
    assert len(sets) >= 15
    assert all(members for members in sets.values())
