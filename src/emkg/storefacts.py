"""What a validation report needs to know about its nodes, asked of the Oxigraph store.

``emkg validate FILE`` loads the user's files into a store (one named graph per file, see
:func:`emkg.validate.validate_files_in_store`); the report then needs, for the nodes that have
results and for the focus nodes of the completeness shapes: the file that holds each node, its
owner (the named node a blank node hangs from), its patient and publication (its case), its
types, the patients' labels, and the line of each result's node. Every one of these is a SPARQL
query run once over all the nodes at once (the nodes are written into a scratch named graph and
joined), so the work grows with the data, never per node times the data; lines come from one
streaming pass over each file, looking only for the nodes that have results.

The rules are those of :mod:`emkg.locate` (the rdflib locator used on the curated graph), stated
here as queries: a node's patient is reached through ``emkg:ofPatient`` from the node or from a
node it is part of (``emkg:hasComponent``, ``emkg:hasMeasurement``, ``emkg:hasGeneticFeature``,
``emkg:hasTimeOffset``, ``oa:hasTarget``, ``oa:hasSelector`` backwards, ``oa:hasBody``
forwards); its publication the same way through ``emkg:reportedIn``, going on through
``emkg:ofPatient``. One walk up the part-of path finds a node's patients and the publications
on the way; the walk on from each patient is asked once per patient, not once per node.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from emkg.locate import _PART_OF, OA, Case, Location, Namer, iri_tokens
from emkg.results import from_oxigraph, to_oxigraph
from emkg.validate import EMKG

#: the scratch graph holding the nodes asked about (one triple per node)
ASKED = ox.NamedNode("https://w3id.org/emkg/validate/asked")
_MARK = ox.NamedNode("https://w3id.org/emkg/validate/node")
_TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))

_UP = "|".join([*(f"^<{p}>" for p in _PART_OF), f"<{OA.hasBody}>"])
_ASKED = f"GRAPH <{ASKED.value}> {{ ?n <{_MARK.value}> true }}"

#: the scratch graph holding the patients whose publication is asked (:meth:`_find_cases`)
_ASKED_PATIENTS = ox.NamedNode("https://w3id.org/emkg/validate/asked-patients")

# A node's patient (?p) and the publications on its part-of path without emkg:ofPatient
# (?b), in one walk up; its publication is the smallest of those and of its patients'
# publications (_PUBLICATION_OF, asked once per patient): the nodes the path
# (part-of | emkg:ofPatient)* reaches from a node are the nodes the part-of path reaches
# and, for each patient there, the nodes that path reaches from the patient.
_CASE_OF = f"""SELECT ?n ?p ?b WHERE {{ {_ASKED}
  ?n ({_UP})* ?x .
  {{ ?x <{RDF.type}> <{EMKG.Patient}> . BIND(?x AS ?p) }} UNION {{ ?x <{EMKG.ofPatient}> ?p }}
  UNION {{ ?x <{RDF.type}> <{EMKG.Publication}> . BIND(?x AS ?b) }}
  UNION {{ ?x <{EMKG.reportedIn}> ?b }}
}}"""
_PUBLICATION_OF = f"""SELECT ?n ?p WHERE {{
  GRAPH <{_ASKED_PATIENTS.value}> {{ ?n <{_MARK.value}> true }}
  ?n ({_UP}|<{EMKG.ofPatient}>)* ?x .
  {{ ?x <{RDF.type}> <{EMKG.Publication}> . BIND(?x AS ?p) }}
  UNION {{ ?x <{EMKG.reportedIn}> ?p }}
}}"""
_TYPES = f"SELECT ?n ?t WHERE {{ {_ASKED} ?n <{RDF.type}> ?t FILTER(isIRI(?t)) }}"
_LABELS = f"""SELECT ?n ?l ?c WHERE {{ {_ASKED}
  OPTIONAL {{ ?n <{RDFS.label}> ?l }} OPTIONAL {{ ?n <{EMKG.caseLabel}> ?c }} }}"""
_AS_SUBJECT = f"SELECT DISTINCT ?n ?g WHERE {{ {_ASKED} GRAPH ?g {{ ?n ?p ?o }} }}"
_AS_OBJECT = f"SELECT DISTINCT ?n ?g WHERE {{ {_ASKED} GRAPH ?g {{ ?s ?p ?n }} }}"
_PARENTS = f"""SELECT ?n ?s ?b WHERE {{ {_ASKED} FILTER(isBlank(?n))
  OPTIONAL {{ ?s ?p ?n }} OPTIONAL {{ ?n <{OA.hasBody}> ?b }} }}"""
_BLANK_LITERALS = f"""SELECT ?n ?o WHERE {{ {_ASKED} FILTER(isBlank(?n))
  {{ ?n ?p ?o }} UNION {{ ?n ?p ?c . ?c ?q ?o FILTER(isBlank(?c)) }}
  FILTER(isLiteral(?o) && STRLEN(STR(?o)) >= 4) }}"""
_PATIENTS = f"SELECT DISTINCT ?p WHERE {{ ?p <{RDF.type}>/<{RDFS.subClassOf}>* <{EMKG.Patient}> }}"

#: at most this many blank nodes are looked for by their literals in the files' text
BLANK_SEARCH_LIMIT = 500


#: of several nodes of one text, an IRI is chosen before a blank node, and both before a literal
_KIND = {URIRef: 0, BNode: 1}


def _key(node: Node | None) -> tuple[str, int, str, str]:
    """The order in which the smallest of several nodes is chosen: by text, then (for nodes of
    one text, such as an IRI and a string written by mistake for it) by kind, datatype and
    language, so that the choice never depends on the order in which rows or sets come."""
    if node is None:
        return ("", -1, "", "")
    datatype = getattr(node, "datatype", None)
    language = getattr(node, "language", None)
    return (str(node), _KIND.get(type(node), 2), str(datatype or ""), str(language or ""))


class StoreFacts:
    """The report's facts about a set of nodes, from one store (see the module docstring)."""

    def __init__(
        self,
        store: ox.Store,
        graphs: Sequence[ox.NamedNode],
        files: Sequence[Path],
        prefixes: Sequence[dict[str, str]],
    ) -> None:
        self.store = store
        self.graphs = {g.value: i for i, g in enumerate(graphs)}
        self.files = list(files)
        self.file_prefixes = list(prefixes)
        self._patient: dict[Node, Node] = {}
        self._publication: dict[Node, Node] = {}
        #: the publication of each patient asked about (:meth:`_publications_of`)
        self._of_patient: dict[Node, Node | None] = {}
        self._types: dict[Node, list[URIRef]] = defaultdict(list)
        self._labels: dict[Node, Node] = {}
        self._file: dict[Node, int] = {}
        self._owner: dict[Node, Node] = {}
        self._lines: dict[Node, int] = {}
        self._asked: set[Node] = set()
        #: nodes whose case only is known (:meth:`ask_cases`)
        self._cased: set[Node] = set()
        #: what must live as long as the store (its temporary folder, if on disk)
        self.keep: object = None
        #: the case of each patient, publication and file (:meth:`case`), for one namer
        self._cases: dict[tuple[str, object], Case] = {}
        self._case_namer: Namer | None = None
        #: the completeness table's checks counted per case key by the batches of a
        #: validation in groups (:func:`emkg.completeness.tally_in_store`)
        self.tallies: dict[tuple[str, object], Counter[tuple[str, URIRef]]] = {}
        #: the rows of the queries :func:`gather` sent, answered again without the store
        self._answered: dict[str, set[tuple[Node | None, ...]]] = {}

    # -- asking -------------------------------------------------------------------------

    def select(self, query: str) -> Iterable[tuple[Node | None, ...]]:
        known = self._answered.get(query)
        return iter(known) if known is not None else self._select(query)

    def _select(self, query: str) -> Iterable[tuple[Node | None, ...]]:
        solutions = self.store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        for solution in solutions:
            yield tuple(from_oxigraph(term) for term in map(solution.__getitem__, names))

    def _mark(self, nodes: Iterable[Node]) -> None:
        self.store.clear_graph(ASKED)
        self.store.extend(
            ox.Quad(to_oxigraph(n), _MARK, _TRUE, ASKED)  # type: ignore[arg-type]
            for n in nodes
            if not isinstance(n, Literal)
        )

    def patients(self) -> list[Node]:
        """Every patient (an instance of emkg:Patient or of a subclass), sorted."""
        return sorted((row[0] for row in self.select(_PATIENTS) if row[0] is not None), key=str)

    def ask(self, nodes: Iterable[Node], *, lines_for: Iterable[Node] = ()) -> None:
        """Learn everything the report needs about ``nodes`` (lines only for ``lines_for``)."""
        self._cases.clear()  # what is learnt may change a case
        fresh = {n for n in nodes if n not in self._asked}
        if fresh:
            self._ask(fresh)
        wanted = [n for n in lines_for if n not in self._lines]
        if wanted:
            self._find_lines(wanted)

    def ask_cases(self, nodes: Iterable[Node]) -> None:
        """Learn only what :meth:`case` needs about ``nodes`` (their patient and publication;
        the rest only for the patients found and for nodes of no case): for the many focus
        nodes of the completeness table, whose types, files, owners and labels no report
        line shows."""
        self._cases.clear()
        fresh = {n for n in nodes if n not in self._asked and n not in self._cased}
        if not fresh:
            return
        self._cased |= fresh
        self._mark(fresh)
        self._find_cases()
        self.store.clear_graph(ASKED)
        patients = {self._patient[n] for n in fresh if n in self._patient}
        caseless = {n for n in fresh if n not in self._patient and n not in self._publication}
        self.ask(patients | caseless)

    def _find_cases(self) -> None:
        """The patient and publication of each marked node (the smallest IRI of several)."""
        patients: dict[Node, set[Node]] = defaultdict(set)
        found: dict[Node, Node] = {}
        for n, p, b in self.select(_CASE_OF):
            if n is None:
                continue
            if p is not None:
                patients[n].add(p)
                if n not in self._patient or _key(p) < _key(self._patient[n]):
                    self._patient[n] = p
            if b is not None and (n not in found or _key(b) < _key(found[n])):
                found[n] = b
        # a literal "patient" is walked on from by the whole path, not by its patient's
        # publication: such a node's own whole path is asked
        whole = {n for n, held in patients.items() if any(isinstance(p, Literal) for p in held)}
        for n in whole:
            patients[n].add(n)
        self._publications_of(set().union(*patients.values()))
        for n, held in patients.items():
            for p in held:
                b = self._of_patient.get(p)
                if b is not None and (n not in found or _key(b) < _key(found[n])):
                    found[n] = b
        for n, b in found.items():
            if n not in self._publication or _key(b) < _key(self._publication[n]):
                self._publication[n] = b

    def _publications_of(self, nodes: set[Node]) -> None:
        """The publication on the whole path of each of ``nodes`` (its patients') not asked
        yet (None where it has none)."""
        fresh = {p for p in nodes if p not in self._of_patient and not isinstance(p, Literal)}
        if not fresh:
            return
        answers: dict[Node, Node | None] = dict.fromkeys(fresh)
        self.store.clear_graph(_ASKED_PATIENTS)
        try:
            self.store.extend(
                ox.Quad(to_oxigraph(p), _MARK, _TRUE, _ASKED_PATIENTS)  # type: ignore[arg-type]
                for p in fresh
            )
            for p, b in self.select(_PUBLICATION_OF):
                if p is not None and b is not None:
                    known = answers.get(p)
                    if known is None or _key(b) < _key(known):
                        answers[p] = b
        finally:
            self.store.clear_graph(_ASKED_PATIENTS)
        self._of_patient.update(answers)  # only once the query has answered

    def _ask(self, nodes: set[Node]) -> None:
        self._asked |= nodes
        self._mark(nodes)
        self._find_cases()
        for n, t in self.select(_TYPES):
            if n is not None and isinstance(t, URIRef):
                self._types[n].append(t)
        placed: set[Node] = set()
        for query in (_AS_SUBJECT, _AS_OBJECT):
            found: dict[Node, int] = {}
            for n, g in self.select(query):
                index = self.graphs.get(str(g))
                if n is not None and index is not None and n not in placed:
                    found[n] = min(index, found.get(n, index))
            self._file.update(found)
            placed |= set(found)
        self._owners(nodes)  # leaves ``nodes`` marked
        for n, label, case_label in self.select(_LABELS):
            chosen = label if label is not None else case_label
            if n is not None and chosen is not None and n not in self._labels:
                self._labels[n] = chosen
        self.store.clear_graph(ASKED)
        patients = {p for p in (self._patient.get(n) for n in nodes) if p is not None}
        if patients - self._asked:
            self._ask(patients - self._asked)

    def _owners(self, nodes: set[Node]) -> None:
        """The named node each blank node hangs from, walking up parent by parent (``nodes``,
        marked when called, are marked again at the end if the walk marked others)."""
        parent: dict[Node, Node] = {}
        frontier = {n for n in nodes if isinstance(n, BNode)}
        walked = bool(frontier)
        known: set[Node] = set()
        while frontier:
            known |= frontier
            self._mark(frontier)
            up: dict[Node, Node] = {}
            body: dict[Node, Node] = {}
            for n, s, b in self.select(_PARENTS):
                if n is None:
                    continue
                if s is not None and (n not in up or _key(s) < _key(up[n])):
                    up[n] = s
                if b is not None and (n not in body or _key(b) < _key(body[n])):
                    body[n] = b
            for n in frontier:
                chosen = up.get(n, body.get(n))
                if chosen is not None:
                    parent[n] = chosen
            frontier = {p for p in parent.values() if isinstance(p, BNode)} - known
        for n in nodes:
            current, seen = n, set()
            while isinstance(current, BNode) and current in parent and current not in seen:
                seen.add(current)
                current = parent[current]
            self._owner[n] = current
        if walked:
            self._mark(nodes)

    # -- answers --------------------------------------------------------------------------

    def owner(self, node: Node) -> Node:
        return self._owner.get(node, node)

    def patient(self, node: Node) -> Node | None:
        return self._patient.get(node)

    def file_index(self, node: Node) -> int | None:
        index = self._file.get(node)
        if index is None and self.owner(node) != node:
            index = self._file.get(self.owner(node))
        return index

    def prefixes_of(self, node: Node) -> dict[str, str]:
        index = self._file.get(node)
        return dict(self.file_prefixes[index]) if index is not None else {}

    def kind(self, node: Node, namer: Namer) -> str:
        types = self._types.get(node, [])
        preferred = [t for t in types if str(t).startswith((str(EMKG), str(OA)))]
        chosen = sorted(preferred or types, key=str)
        return namer.name(chosen[0]) if chosen else ""

    def case(self, node: Node, namer: Namer) -> Case:
        """The case of ``node``: one :class:`Case` object per patient, publication or file
        (for ``namer``), so that the report's tables keyed by case find it by identity."""
        return self.case_by_key(self.case_key(node), namer)

    def case_key(self, node: Node) -> tuple[str, object]:
        """What :meth:`case` tells cases apart by: ("patient", its patient), else
        ("publication", its publication), else ("other", the index of its file or None)."""
        patient = self._patient.get(node)
        key: tuple[str, object] = (
            ("patient", patient)
            if patient is not None
            else ("publication", self._publication.get(node))
        )
        if key[1] is None:
            key = ("other", self.file_index(node))
        return key

    def case_by_key(self, key: tuple[str, object], namer: Namer) -> Case:
        """The :class:`Case` of a :meth:`case_key` (one object per key and ``namer``)."""
        if namer is not self._case_namer:
            self._cases.clear()
            self._case_namer = namer
        known = self._cases.get(key)
        if known is None:
            known = self._cases[key] = self._new_case(key, namer)
        return known

    def _new_case(self, key: tuple[str, object], namer: Namer) -> Case:
        kind, held = key
        if kind == "patient":
            assert isinstance(held, URIRef | BNode | Literal)
            label = self._labels.get(held)
            name = str(label) if label is not None else namer.name(held)
            return Case("patient", held, name, self._publication.get(held))
        if kind == "publication":
            assert isinstance(held, URIRef | BNode | Literal)
            doi = str(held).removeprefix("https://doi.org/")
            return Case("publication", held, f"publication {doi}", held)
        where = f" in {self.files[held]}" if isinstance(held, int) else ""
        return Case("other", None, f"nodes of no case{where}", None)

    def where(self, node: Node) -> Location:
        index = self.file_index(node)
        if index is None:
            return Location(None, None, self.owner(node))
        return Location(self.files[index], self._lines.get(node), self.owner(node))

    # -- lines ----------------------------------------------------------------------------

    def _find_lines(self, nodes: list[Node]) -> None:
        """One pass over each file: the first line where each node's IRI stands as a subject
        (else as a JSON-LD ``@id``, else anywhere); a blank node, the first line holding one of
        its literals, else its owner's line (the rules of :mod:`emkg.locate`)."""
        by_file: dict[int, list[Node]] = defaultdict(list)
        for node in nodes:
            index = self.file_index(node)
            if index is not None:
                by_file[index].append(node)
        blank_needles = self._blank_needles([n for n in nodes if isinstance(n, BNode)])
        for index, members in by_file.items():
            iris: dict[str, Node] = {}
            for node in members:
                named = node if isinstance(node, URIRef) else self.owner(node)
                if isinstance(named, URIRef):
                    for token in iri_tokens(str(named), self.file_prefixes[index]):
                        iris.setdefault(token, named)
            needles: dict[Node, list[str]] = {
                n: blank_needles.get(n, []) for n in members if isinstance(n, BNode)
            }
            found = _scan(self.files[index], iris, needles)
            for node in members:
                line = found.get(node)
                if line is None:
                    named = self.owner(node) if isinstance(node, BNode) else node
                    line = found.get(named) if isinstance(named, URIRef) else None
                if line is not None:
                    self._lines[node] = line

    def _blank_needles(self, blanks: list[Node]) -> dict[Node, list[str]]:
        if not blanks or len(blanks) > BLANK_SEARCH_LIMIT:
            return {}
        self._mark(blanks)
        needles: dict[Node, list[str]] = defaultdict(list)
        for n, value in self.select(_BLANK_LITERALS):
            if n is not None and value is not None:
                needles[n].append(str(value).splitlines()[0][:60])
        self.store.clear_graph(ASKED)
        return {n: sorted(set(v)) for n, v in needles.items()}


_SUBJECT = re.compile(r"^\s*([^\s;,]+)")
_ID = re.compile(r'"@id"\s*:\s*("[^"]*"|<[^>]*>|[^\s,}]+)')
_ANY = re.compile(r'<[^>\s]*>|"[^"\n]*"|(?<![\w:/#-])[A-Za-z_][\w.-]*:[\w.-]*')


def _candidates(token: str) -> Iterable[str]:
    """``token`` and each prefix of it that ends before a ``.`` (``ex:a.`` -> ``ex:a``)."""
    yield token
    if token[0] in '<"':  # an IRI or a quoted IRI: only a final "." can follow it
        end = token.find(">" if token[0] == "<" else '"', 1) + 1
        if 0 < end < len(token):
            yield token[:end]
        return
    for i in range(len(token) - 1, 0, -1):
        if token[i] == ".":
            yield token[:i]


def _scan(path: Path, iris: dict[str, Node], needles: dict[Node, list[str]]) -> dict[Node, int]:
    """The line of each node (see StoreFacts._find_lines): one pass over ``path`` for the
    subjects and the blank nodes' literals, a second only if some IRI is not a subject."""
    subject: dict[Node, int] = {}
    blank: dict[Node, int] = {}
    open_needles = {n: v for n, v in needles.items() if v}
    wanted = len(set(iris.values()))
    for number, line in _lines(path):
        _note_subject(line, number, iris, subject)
        if open_needles:
            for held, texts in list(open_needles.items()):
                if any(text in line for text in texts):
                    blank[held] = number
                    del open_needles[held]
        if len(subject) == wanted and not open_needles:
            break
    as_id: dict[Node, int] = {}
    anywhere: dict[Node, int] = {}
    missing = {t: n for t, n in iris.items() if n not in subject}
    if missing:
        for number, line in _lines(path):
            for token in _ID.findall(line):
                node = missing.get(token)
                if node is not None and node not in as_id:
                    as_id[node] = number
            for token in _ANY.findall(line):
                for candidate in _candidates(token):
                    node = missing.get(candidate)
                    if node is not None and node not in anywhere:
                        anywhere[node] = number
            if len(as_id) == len(set(missing.values())):
                break
    return {**anywhere, **as_id, **subject, **blank}


def _note_subject(line: str, number: int, iris: dict[str, Node], subject: dict[Node, int]) -> None:
    """Note ``number`` for the node whose IRI ``line`` starts with, if wanted and not yet seen."""
    match = _SUBJECT.match(line)
    if match is not None:
        for token in _candidates(match.group(1)):
            node = iris.get(token)
            if node is not None and node not in subject:
                subject[node] = number
                break


def lines_in_batch(
    facts: StoreFacts, nodes: Iterable[Node], files: dict[int, Path]
) -> dict[Node, int]:
    """The line, in the input file, of each IRI of ``nodes`` that stands as a subject in the
    batch ``files`` (per input file, the batch's lines of it, each with its line numbers in
    ``.lines`` beside it: :func:`emkg.grouping.split_into_batches`): the line
    :meth:`StoreFacts._find_lines` finds in the whole file, since every line whose subject is a
    data node of the batch is in the batch, in the order of the file."""
    from array import array

    from emkg.grouping import NO_HEAD, iri_head

    by_file: dict[int, dict[str, Node]] = defaultdict(dict)
    for node in nodes:
        index = facts.file_index(node) if isinstance(node, URIRef) else None
        if index is not None and index in files:
            for token in iri_tokens(str(node), facts.file_prefixes[index]):
                by_file[index].setdefault(token, node)
    found: dict[Node, int] = {}
    for index, iris in by_file.items():
        numbers = array("Q")
        with files[index].with_suffix(".lines").open("rb") as handle:
            numbers.frombytes(handle.read())
        subject: dict[Node, int] = {}
        wanted = len(set(iris.values()))
        plain = {token.encode(): node for token, node in iris.items() if token.isascii()}
        try:
            handle = files[index].open("rb")
        except OSError:
            continue
        last = NO_HEAD  # the IRI the line before started with (iri_head)
        with handle:
            for number, line in enumerate(handle, 1):  # split on line feeds, as the batch was
                if line.startswith(last):  # the same subject: noted already, or not wanted
                    continue
                # a line that starts with an ASCII IRI (no blank, ";" or "," in it) names
                # that IRI as _note_subject would, without decoding the line
                head = iri_head(line)
                whole = _SUBJECT.match(head.decode("ascii")) if head.isascii() else None
                if head is not NO_HEAD and whole is not None and whole.group(1) == whole.string:
                    last = head
                    known = plain.get(head)
                    if known is not None and known not in subject:
                        subject[known] = number
                        if len(subject) == wanted:
                            break
                    continue
                last = NO_HEAD
                _note_subject(line.decode("utf-8", "replace"), number, iris, subject)
                if len(subject) == wanted:
                    break
        found.update((node, numbers[number - 1]) for node, number in subject.items())
    return found


def _lines(path: Path) -> Iterable[tuple[int, str]]:
    """The numbered lines of ``path``."""
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError:
        return
    with handle:
        yield from enumerate(handle, start=1)


class FactsLocator:
    """:class:`emkg.locate.Locator`'s answers (where, case, kind, prefixes) from the facts."""

    def __init__(self, facts: StoreFacts, namer: Namer) -> None:
        self.facts = facts
        self.namer = namer

    def where(self, node: Node) -> Location:
        return self.facts.where(node)

    def prefixes_of(self, node: Node) -> dict[str, str]:
        return self.facts.prefixes_of(node)

    def case(self, node: Node) -> Case:
        return self.facts.case(node, self.namer)

    def kind(self, node: Node) -> str:
        return self.facts.kind(node, self.namer)

    def patient(self, node: Node) -> Node | None:
        return self.facts.patient(node)


class GroupedFacts(StoreFacts):
    """The facts of a validation in groups (:func:`emkg.validate.validate_files_in_store`):
    gathered from each group's store by :func:`gather` before that store is dropped, then
    answered without a store. A node is in one group's store with everything the report
    asks about it (its triples, its case through the part-of paths), so the first group that
    knows a node gives the same answers as the whole graph."""

    def __init__(
        self,
        graphs: Sequence[ox.NamedNode],
        files: Sequence[Path],
        prefixes: Sequence[dict[str, str]],
    ) -> None:
        super().__init__(ox.Store(), graphs, files, prefixes)
        #: the rows of the queries the completeness table sends (:meth:`select`)
        self._rows: dict[str, set[tuple[Node | None, ...]]] = {}
        self._needles: dict[Node, list[str]] = {}

    def add(self, found: GatheredFacts) -> None:
        """Take in one group's facts (:func:`gather`); a node known already keeps its answers."""
        self._cases.clear()
        for query, rows in found.rows.items():
            self._rows.setdefault(query, set()).update(rows)
        self._needles.update(found.needles)
        for mine, theirs in (
            (self._patient, found.patient),
            (self._publication, found.publication),
            (self._labels, found.labels),
            (self._file, found.file),
            (self._owner, found.owner),
        ):
            for node, value in theirs.items():
                mine.setdefault(node, value)  # type: ignore[arg-type]
        for node, types in found.types.items():
            if node not in self._types:
                self._types[node] = list(types)
        self._asked |= found.asked
        self._cased |= found.cased
        for node, line in found.lines.items():
            self._lines.setdefault(node, line)
        for key, tally in found.tallies.items():
            self.tallies.setdefault(key, Counter()).update(tally)

    def select(self, query: str) -> Iterable[tuple[Node | None, ...]]:
        if query not in self._rows:
            raise RuntimeError(f"a query not gathered from the groups: {query[:200]}")
        return iter(self._rows[query])

    def _mark(self, nodes: Iterable[Node]) -> None:
        missing = [n for n in nodes if not isinstance(n, Literal)]
        if missing:
            raise RuntimeError(f"nodes not gathered from the groups: {missing[:5]}")

    def _blank_needles(self, blanks: list[Node]) -> dict[Node, list[str]]:
        if not blanks or len(blanks) > BLANK_SEARCH_LIMIT:
            return {}
        return {n: self._needles[n] for n in blanks if self._needles.get(n)}


@dataclass
class GatheredFacts:
    """What the report of a validation in groups needs from one group's store (picklable)."""

    rows: dict[str, set[tuple[Node | None, ...]]]
    needles: dict[Node, list[str]]
    patient: dict[Node, Node]
    publication: dict[Node, Node]
    labels: dict[Node, Node]
    file: dict[Node, int]
    owner: dict[Node, Node]
    types: dict[Node, list[URIRef]]
    asked: set[Node]
    cased: set[Node]
    #: the lines of the batch's named result nodes (:func:`lines_in_batch`)
    lines: dict[Node, int] = field(default_factory=dict)
    #: the completeness table's checks of the batch's own nodes, counted per case key
    #: (:func:`emkg.completeness.tally_in_store`; ``rows`` then keeps the other nodes' rows)
    tallies: dict[tuple[str, object], Counter[tuple[str, URIRef]]] = field(default_factory=dict)


def gather(facts: StoreFacts, focus: Sequence[Node], queries: Iterable[str]) -> GatheredFacts:
    """Ask one group's store what the report will ask about the group's result nodes
    ``focus`` (as :class:`emkg.report.ReportBuilder` does), and the rows of ``queries`` and
    of the patients query (the completeness table's, :func:`emkg.completeness.store_queries`),
    with the cases of their nodes."""
    facts.ask(focus)
    facts.ask({facts.owner(f) for f in focus})
    rows: dict[str, set[tuple[Node | None, ...]]] = {}
    asked: set[Node] = set()
    for query in [_PATIENTS, *queries]:
        rows[query] = set(facts.select(query))
        asked |= {row[0] for row in rows[query] if row[0] is not None}
    facts._answered.update(rows)
    facts.ask(facts.patients())
    facts.ask_cases(asked)
    blanks: list[Node] = sorted({n for n in focus if isinstance(n, BNode)}, key=str)
    return GatheredFacts(
        rows=rows,
        needles=facts._blank_needles(blanks),
        patient=facts._patient,
        publication=facts._publication,
        labels=facts._labels,
        file=facts._file,
        owner=facts._owner,
        types=dict(facts._types),
        asked=facts._asked,
        cased=facts._cased,
    )
