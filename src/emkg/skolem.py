"""Stable names for blank nodes, so that an unchanged input gives byte-identical releases.

A parser gives blank nodes fresh random labels on every run. Here each blank node of a graph
gets a name derived from what it is and where it hangs:

* its **content**: its outgoing triples, sorted, with nested blank nodes replaced by their own
  content (a time offset's anchor, value, unit and text; an annotation's body and quote);
* its **anchor**: the least incoming (subject, predicate) pair, where a blank subject counts
  by its own name (the finding a time offset belongs to).

The SHA-256 of both is the name. Blank nodes that share content and anchor are
indistinguishable; they are numbered in the order the graph yields them, which is the order
of the unchanged source file.

The curated graph's blank nodes are **skolemised** (RDF 1.1, section 3.5): replaced by IRIs
under ``https://w3id.org/emkg/.well-known/genid/<source>/``, so a store that loads the
release twice holds each node once, and a query can name one. The ontology's blank nodes
(OWL restrictions, lists, axioms) stay blank, as OWL 2 DL requires, with the same stable
labels. Everything is computed in one pass over the triples plus a sort: linear up to the
sort. The renamed triples come out as Oxigraph terms, sorted, for :mod:`emkg.rdfwrite`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Dataset, URIRef
from rdflib.term import Node

from emkg.rdfcompare import GENID_BASE
from emkg.results import to_oxigraph

Triple = tuple[Node, Node, Node]
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def _n3(term: Node) -> str:
    return str(term.n3())


class _Namer:
    def __init__(self, triples: Iterable[Triple]) -> None:
        self.outgoing: dict[BNode, list[tuple[Node, Node]]] = defaultdict(list)
        self.incoming: dict[BNode, list[tuple[Node, Node]]] = defaultdict(list)
        self.order: dict[BNode, int] = {}
        for s, p, o in triples:
            for term in (s, o):
                if isinstance(term, BNode) and term not in self.order:
                    self.order[term] = len(self.order)
            if isinstance(s, BNode):
                self.outgoing[s].append((p, o))
            if isinstance(o, BNode):
                self.incoming[o].append((s, p))
        self._content: dict[BNode, str] = {}
        self._key: dict[BNode, str] = {}
        self._label: dict[BNode, str] = {}

    def content(self, node: BNode, stack: frozenset[BNode] = frozenset()) -> str:
        if node in self._content:
            return self._content[node]
        if node in stack:
            return "(cycle)"
        inner = stack | {node}
        lines = sorted(
            f"{_n3(p)} " + (f"[{self.content(o, inner)}]" if isinstance(o, BNode) else _n3(o))
            for p, o in self.outgoing.get(node, [])
        )
        digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
        if not stack:
            self._content[node] = digest
        return digest

    def key(self, node: BNode, stack: frozenset[BNode] = frozenset()) -> str:
        if node in self._key:
            return self._key[node]
        inner = stack | {node}
        anchors = []
        for s, p in self.incoming.get(node, []):
            if isinstance(s, BNode):
                subject = "(cycle)" if s in inner else "_:" + self.key(s, inner)
            else:
                subject = _n3(s)
            anchors.append(f"{subject} {_n3(p)}")
        anchor = min(anchors) if anchors else ""
        key = hashlib.sha256(f"{anchor}\n{self.content(node)}".encode()).hexdigest()[:32]
        if not stack:
            self._key[node] = key
        return key

    def labels(self) -> dict[BNode, str]:
        groups: dict[str, list[BNode]] = defaultdict(list)
        for node in sorted(self.order, key=self.order.__getitem__):
            groups[self.key(node)].append(node)
        out: dict[BNode, str] = {}
        for key, nodes in groups.items():
            for index, node in enumerate(nodes):
                out[node] = key if index == 0 else f"{key}-{index}"
        return out


def stable_labels(triples: Iterable[Triple]) -> dict[BNode, str]:
    """A name for every blank node of ``triples``, derived from its content and anchor."""
    return _Namer(triples).labels()


def _renamed(
    graph: Iterable[Triple], skolem_base: str | None
) -> list[tuple[OxTerm, OxTerm, OxTerm]]:
    """The triples of ``graph`` as Oxigraph terms with stable blank-node names."""
    triples = list(graph)
    converted: dict[Node, OxTerm] = {
        node: ox.NamedNode(skolem_base + label)
        if skolem_base is not None
        else ox.BlankNode("b" + label)
        for node, label in stable_labels(triples).items()
    }

    def term(node: Node) -> OxTerm:
        found = converted.get(node)
        if found is None:
            found = converted[node] = to_oxigraph(node)  # type: ignore[arg-type]
        return found

    return [(term(s), term(p), term(o)) for s, p, o in triples]


def stable_triples(graph: Iterable[Triple]) -> list[ox.Triple]:
    """The triples of ``graph`` with stable blank-node labels (kept blank), sorted.

    Blank nodes that share content and anchor are numbered in the order ``graph`` yields
    them: a graph, or its triples in an order of the caller's (:func:`emkg.report.turtle`)."""
    return sorted((ox.Triple(s, p, o) for s, p, o in _renamed(graph, None)), key=str)  # type: ignore[arg-type]


def stable_quads(ds: Dataset, keep_blank: Iterable[URIRef] = ()) -> list[ox.Quad]:
    """The quads of ``ds`` with stable blank-node names, sorted by graph IRI, then triple.

    Blank nodes of the graphs in ``keep_blank`` (the ontology) get stable labels; those of
    every other named graph are skolemised under ``GENID_BASE`` + the graph's last path
    segment + ``/``.
    """
    blank = set(keep_blank)
    graphs = sorted(
        (g for g in ds.graphs() if isinstance(g.identifier, URIRef) and len(g)),
        key=lambda g: str(g.identifier),
    )
    quads: list[ox.Quad] = []
    for graph in graphs:
        name = graph.identifier
        base = None if name in blank else f"{GENID_BASE}{str(name).rstrip('/').rsplit('/', 1)[-1]}/"
        target = ox.NamedNode(str(name))
        renamed = [ox.Quad(s, p, o, target) for s, p, o in _renamed(graph, base)]  # type: ignore[arg-type]
        quads += sorted(renamed, key=str)  # one graph: the same graph name ends every line
    return quads
