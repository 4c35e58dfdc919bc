"""Where a node of a validation report is: its file and line, its case, its short name.

A result names a focus node; a curator needs the file and line to fix it and the case it
belongs to. The file is the input that has the node as a subject. The line is the first
line of that file where the node's IRI (``<...>``) or a prefixed name the file declares
stands as a subject, at the start of a line; failing that, the first line that mentions it
at all. A blank node (an annotation, a time offset) has no name to look for: its line is
that of the first of its own literals found in the file, else that of the named node it
hangs from (its *owner*).

The case of a node is the patient whose timeline it belongs to (through ``emkg:ofPatient``,
a component's line, a measurement's assessment, an offset's event, an annotation's body),
else the publication that reports it (literature claims, publication metadata).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from emkg.validate import EMKG, EMKGSH, SourceFile

OA = Namespace("http://www.w3.org/ns/oa#")
OBO = Namespace("http://purl.obolibrary.org/obo/")

STANDARD_PREFIXES: dict[str, str] = {
    "emkg": str(EMKG),
    "emkgsh": str(EMKGSH),
    "obo": str(OBO),
    "oa": str(OA),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "sh": str(SH),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}

#: links from a node to the parts that belong to it (parts share its case and file)
_PART_OF: tuple[URIRef, ...] = (
    EMKG.hasComponent,
    EMKG.hasMeasurement,
    EMKG.hasGeneticFeature,
    EMKG.hasTimeOffset,
    OA.hasTarget,
    OA.hasSelector,
)

_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_][\w.-]*$")


def iri_tokens(iri: str, prefixes: dict[str, str]) -> list[str]:
    """The ways a file may write ``iri``: ``<iri>``, each ``prefix:local`` its prefixes allow,
    and ``"iri"`` (a JSON-LD ``@id``)."""
    tokens = [f"<{iri}>"]
    for prefix, namespace in prefixes.items():
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and _LOCAL_NAME.match(local):
            tokens.append(f"{prefix}:{local}")
    tokens.append(f'"{iri}"')
    return tokens


class Namer:
    """Short names (``emkg:site``, ``j1:f-t3``) from the standard and the files' prefixes."""

    def __init__(self, sources: Iterable[SourceFile] = ()) -> None:
        self._global: dict[str, str] = dict(STANDARD_PREFIXES)
        taken = set(self._global.values())
        for source in sources:
            for prefix, namespace in source.prefixes.items():
                if prefix and prefix not in self._global and namespace not in taken:
                    self._global[prefix] = namespace
                    taken.add(namespace)

    def prefixes(self) -> dict[str, str]:
        return dict(self._global)

    def name(self, node: Node | None, prefixes: dict[str, str] | None = None) -> str:
        if node is None:
            return "-"
        if isinstance(node, URIRef):
            return self.iri(str(node), prefixes)
        if isinstance(node, Literal):
            text = str(node)
            if node.datatype is not None and node.datatype != XSD.string:
                return f'"{text}"^^{self.iri(str(node.datatype))}'
            if node.language:
                return f'"{text}"@{node.language}'
            return f'"{text}"'
        return f"_:{node}"

    def iri(self, iri: str, prefixes: dict[str, str] | None = None) -> str:
        best: tuple[int, str] | None = None
        for table in (prefixes or {}, self._global):
            for prefix, namespace in table.items():
                if not prefix or not iri.startswith(namespace) or len(iri) == len(namespace):
                    continue
                local = iri[len(namespace) :]
                if _LOCAL_NAME.match(local) and (best is None or len(namespace) > best[0]):
                    best = (len(namespace), f"{prefix}:{local}")
            if best is not None:
                return best[1]
        return f"<{iri}>"

    def path(self, graph: Graph, path: Node | None) -> str:
        """A SHACL property path as SPARQL-like text: ``emkg:site``, ``^oa:hasBody``."""
        if path is None:
            return "-"
        if isinstance(path, URIRef):
            return self.name(path)
        inverse = graph.value(path, SH.inversePath)
        if inverse is not None:
            return "^" + self.path(graph, inverse)
        for key, mark in (
            (SH.zeroOrMorePath, "*"),
            (SH.oneOrMorePath, "+"),
            (SH.zeroOrOnePath, "?"),
        ):
            inner = graph.value(path, key)
            if inner is not None:
                return self.path(graph, inner) + mark
        alternatives = graph.value(path, SH.alternativePath)
        if alternatives is not None:
            items = graph.items(alternatives)
            return "(" + "|".join(self.path(graph, i) for i in items) + ")"
        if (path, RDF.first, None) in graph:
            return "/".join(self.path(graph, i) for i in graph.items(path))
        return self.name(path)


@dataclass(frozen=True)
class Location:
    """The file (and line) holding a node, and the named node a blank node belongs to."""

    path: Path | None
    line: int | None
    owner: Node

    def text(self, root: Path | None = None) -> str:
        if self.path is None:
            return "(not in an input file: the ontology)"
        shown = self.path
        if root is not None:
            try:
                shown = self.path.resolve().relative_to(root.resolve())
            except ValueError:
                shown = self.path
        return f"{shown}:{self.line}" if self.line else str(shown)


@dataclass(frozen=True)
class Case:
    """What a result is grouped under: a patient, or else a publication."""

    kind: str  # "patient", "publication" or "other"
    node: Node | None
    label: str
    source: Node | None

    @property
    def sort_key(self) -> tuple[int, str, str]:
        order = {"patient": 0, "publication": 1, "other": 2}
        return (order.get(self.kind, 3), str(self.source or ""), self.label)


class Locator:
    """Answers where a node is and which case it belongs to, for one validation."""

    def __init__(self, sources: Sequence[SourceFile], data: Graph, namer: Namer) -> None:
        self.sources = list(sources)
        self.data = data
        self.namer = namer
        self._subjects = [set(s.graph.subjects()) for s in self.sources]
        self._lines: dict[int, list[str]] = {}

    # -- owner and case ---------------------------------------------------------

    def owner(self, node: Node) -> Node:
        """The named node a blank node hangs from (the node itself when it is named)."""
        seen: set[Node] = set()
        current = node
        while isinstance(current, BNode) and current not in seen:
            seen.add(current)
            parent = min(
                (s for s in self.data.subjects(None, current) if s not in seen),
                key=str,
                default=None,
            )
            if parent is None:
                parent = min(self.data.objects(current, OA.hasBody), key=str, default=None)
            if parent is None:
                return current
            current = parent
        return current

    def patient(self, node: Node, _seen: frozenset[Node] = frozenset()) -> Node | None:
        if node in _seen:
            return None
        seen = _seen | {node}
        if (node, RDF.type, EMKG.Patient) in self.data:
            return node
        for patient in sorted(self.data.objects(node, EMKG.ofPatient), key=str):
            return patient
        for link in _PART_OF:
            for parent in sorted(self.data.subjects(link, node), key=str):
                found = self.patient(parent, seen)
                if found is not None:
                    return found
        for body in sorted(self.data.objects(node, OA.hasBody), key=str):
            found = self.patient(body, seen)
            if found is not None:
                return found
        return None

    def publication(self, node: Node, _seen: frozenset[Node] = frozenset()) -> Node | None:
        if node in _seen:
            return None
        seen = _seen | {node}
        if (node, RDF.type, EMKG.Publication) in self.data:
            return node
        for publication in sorted(self.data.objects(node, EMKG.reportedIn), key=str):
            return publication
        patient = self.patient(node)
        if patient is not None and patient != node:
            return self.publication(patient, seen)
        for link in _PART_OF:
            for parent in sorted(self.data.subjects(link, node), key=str):
                found = self.publication(parent, seen)
                if found is not None:
                    return found
        for body in sorted(self.data.objects(node, OA.hasBody), key=str):
            found = self.publication(body, seen)
            if found is not None:
                return found
        return None

    def case(self, node: Node) -> Case:
        patient = self.patient(node)
        if patient is not None:
            source = self.publication(patient)
            label = self.data.value(patient, RDFS.label) or self.data.value(patient, EMKG.caseLabel)
            name = str(label) if label is not None else self.namer.name(patient)
            return Case("patient", patient, name, source)
        publication = self.publication(node)
        if publication is not None:
            doi = str(publication).removeprefix("https://doi.org/")
            return Case("publication", publication, f"publication {doi}", publication)
        location = self.where(node)
        where = f" in {location.path}" if location.path is not None else ""
        return Case("other", None, f"nodes of no case{where}", None)

    # -- file and line ---------------------------------------------------------------

    def _source_index(self, node: Node) -> int | None:
        for index, subjects in enumerate(self._subjects):
            if node in subjects:
                return index
        for index, source in enumerate(self.sources):
            if (None, None, node) in source.graph:
                return index
        return None

    def _text_lines(self, index: int) -> list[str]:
        if index not in self._lines:
            self._lines[index] = self.sources[index].text.splitlines()
        return self._lines[index]

    def _line_of_iri(self, index: int, iri: str) -> int | None:
        lines = self._text_lines(index)
        tokens = iri_tokens(iri, dict(self.sources[index].prefixes))
        alternation = "|".join(re.escape(t) for t in tokens)
        as_subject = re.compile(rf"^\s*(?:{alternation})(?=[\s;,.]|$)")
        as_id = re.compile(rf'"@id"\s*:\s*(?:{alternation})')
        anywhere = re.compile(rf"(?<![\w:/#-])(?:{alternation})(?![\w-])")
        for pattern in (as_subject, as_id, anywhere):
            for number, line in enumerate(lines, start=1):
                if pattern.search(line):
                    return number
        return None

    def _line_of_blank(self, index: int, node: BNode) -> int | None:
        lines = self._text_lines(index)
        graph = self.sources[index].graph
        frontier: list[Node] = [node]
        seen: set[Node] = set()
        while frontier:
            current = frontier.pop(0)
            if current in seen or len(seen) > 20:
                continue
            seen.add(current)
            for value in graph.objects(current, None):
                if isinstance(value, Literal) and len(str(value)) >= 4:
                    needle = str(value).splitlines()[0][:60]
                    for number, line in enumerate(lines, start=1):
                        if needle in line:
                            return number
                elif isinstance(value, BNode):
                    frontier.append(value)
        return None

    def where(self, node: Node) -> Location:
        owner = self.owner(node)
        index = self._source_index(node)
        if index is None and owner != node:
            index = self._source_index(owner)
        if index is None:
            return Location(None, None, owner)
        line: int | None = None
        if isinstance(node, URIRef):
            line = self._line_of_iri(index, str(node))
        elif isinstance(node, BNode):
            line = self._line_of_blank(index, node)
            if line is None and isinstance(owner, URIRef):
                line = self._line_of_iri(index, str(owner))
        return Location(self.sources[index].path, line, owner)

    def prefixes_of(self, node: Node) -> dict[str, str]:
        index = self._source_index(node)
        return dict(self.sources[index].prefixes) if index is not None else {}

    def kind(self, node: Node) -> str:
        """The node's most specific emkg or oa class, as a short name (or "")."""
        types = [t for t in self.data.objects(node, RDF.type) if isinstance(t, URIRef)]
        preferred = [t for t in types if str(t).startswith((str(EMKG), str(OA)))]
        chosen = sorted(preferred or types, key=str)
        return self.namer.name(chosen[0]) if chosen else ""
