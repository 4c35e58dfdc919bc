"""The project's value sets: stated once in the ontology, followed by the axioms and shapes.

A value set is a subclass of ``emkg:ValueSetMember`` (``emkg:ResponseCategory``,
``emkg:FindingStatus``...); its members are the individuals typed with it in
``ontology/emkg.ttl``. Two other places follow from that list and are checked here, naming
exactly what to add where (``emkg check`` and the tests run it):

- the ``owl:AllDifferent`` axiom of the value set lists every member (``owl:distinctMembers``),
  so that a reasoner knows two members are never the same value;
- every shape that checks a property against the value set (``sh:class`` on it) names every
  member in its ``sh:message``, so that the curator sees the allowed values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from emkg import paths

EMKG = Namespace("https://w3id.org/emkg/ontology#")
EMKGSH = "https://w3id.org/emkg/shapes#"
_EMKG_NAME = re.compile(r"emkg:([A-Za-z0-9]+)")


@dataclass(frozen=True)
class ValueSetProblem:
    file: Path
    line: int | None
    subject: str
    message: str
    hint: str


def _short(iri: Node) -> str:
    return "emkg:" + str(iri).removeprefix(str(EMKG))


def value_sets(ontology: Graph) -> dict[URIRef, list[URIRef]]:
    """Value set -> its members, in IRI order."""
    sets = {
        vs
        for vs in ontology.transitive_subjects(RDFS.subClassOf, EMKG.ValueSetMember)
        if isinstance(vs, URIRef) and vs != EMKG.ValueSetMember
    }
    return {
        vs: sorted((m for m in ontology.subjects(RDF.type, vs) if isinstance(m, URIRef)), key=str)
        for vs in sorted(sets, key=str)
    }


def _line(path: Path, pattern: str, start: int = 1) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if number >= start and pattern in line:
            return number
    return None


def check_value_sets(
    ontology_file: Path | None = None, shape_files: list[Path] | None = None
) -> list[ValueSetProblem]:
    """What to add where so that the axioms and the shapes follow the ontology's members."""
    onto_path = ontology_file or paths.ontology_file()
    ontology = Graph().parse(onto_path, format="turtle")
    shape_paths = shape_files or sorted(paths.shapes_dir().glob("*.ttl"))
    problems: list[ValueSetProblem] = []
    lists = [
        [m for m in Collection(ontology, node) if isinstance(m, URIRef)]
        for axiom in ontology.subjects(RDF.type, OWL.AllDifferent)
        for node in ontology.objects(axiom, OWL.distinctMembers)
    ]
    for vs, members in value_sets(ontology).items():
        if len(members) < 2:
            continue
        member_set = set(members)
        touching = [lst for lst in lists if set(lst) & member_set]
        if not touching:
            line = _line(onto_path, f"{_short(vs)} a owl:Class")
            problems.append(
                ValueSetProblem(
                    onto_path,
                    line,
                    _short(vs),
                    f"no owl:AllDifferent axiom lists the members of {_short(vs)}",
                    "add [] a owl:AllDifferent ; owl:distinctMembers ( "
                    + " ".join(_short(m) for m in members)
                    + " ) . at the end of ontology/emkg.ttl",
                )
            )
            continue
        listed = set().union(*(set(lst) for lst in touching))
        for member in sorted(member_set - listed, key=str):
            first = touching[0][0]
            line = _line(onto_path, f"owl:distinctMembers ( {_short(first)}")
            problems.append(
                ValueSetProblem(
                    onto_path,
                    line,
                    _short(member),
                    f"{_short(member)} is a member of {_short(vs)} but not in its owl:AllDifferent "
                    "axiom",
                    f"add {_short(member)} to the owl:distinctMembers list that starts with "
                    f"{_short(first)}",
                )
            )
    sets = value_sets(ontology)
    for shape_path in shape_paths:
        shapes = Graph().parse(shape_path, format="turtle")
        for shape, cls in shapes.subject_objects(SH["class"]):
            if not isinstance(cls, URIRef) or cls not in sets:
                continue
            if (shape, SH.path, None) not in shapes:
                continue
            message = " ".join(str(m) for m in shapes.objects(shape, SH.message))
            named = set(_EMKG_NAME.findall(message))
            name = str(shape).replace(EMKGSH, "emkgsh:")
            start = _line(shape_path, f"{name} a sh:") or 1
            line = _line(shape_path, "sh:message", start)
            for member in sets[cls]:
                local = str(member).removeprefix(str(EMKG))
                if local not in named:
                    problems.append(
                        ValueSetProblem(
                            shape_path,
                            line,
                            name,
                            f"the sh:message of {name} does not name {_short(member)}, a member "
                            f"of {_short(cls)}",
                            f"add {_short(member)} to the list of allowed values in that message",
                        )
                    )
    return problems
