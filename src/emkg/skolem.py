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
sort.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.term import Node

from emkg.rdfcompare import GENID_BASE

Triple = tuple[Node, Node, Node]


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


def _renamed(graph: Graph, skolem_base: str | None) -> list[Triple]:
    triples = list(graph.triples((None, None, None)))
    labels = stable_labels(triples)
    names: dict[BNode, Node] = {
        node: URIRef(skolem_base + label) if skolem_base is not None else BNode("b" + label)
        for node, label in labels.items()
    }

    def swap(term: Node) -> Node:
        return names[term] if isinstance(term, BNode) else term

    renamed = [(swap(s), p, swap(o)) for s, p, o in triples]
    return sorted(renamed, key=lambda t: (_n3(t[0]), _n3(t[1]), _n3(t[2])))


def stable_graph(graph: Graph) -> Graph:
    """A copy of ``graph`` with stable blank-node labels (kept blank), triples added sorted."""
    out = Graph()
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace, override=False)
    for triple in _renamed(graph, None):
        out.add(triple)
    return out


def stable_dataset(ds: Dataset, keep_blank: Iterable[URIRef] = ()) -> Dataset:
    """A copy of ``ds`` with stable blank-node names, graphs and triples added in sorted order.

    Blank nodes of the graphs in ``keep_blank`` (the ontology) get stable labels; those of
    every other named graph are skolemised under ``GENID_BASE`` + the graph's last path
    segment + ``/``.
    """
    blank = set(keep_blank)
    out = Dataset()
    for prefix, namespace in ds.namespaces():
        out.bind(prefix, namespace, override=False)
    graphs = sorted(
        (g for g in ds.graphs() if isinstance(g.identifier, URIRef) and len(g)),
        key=lambda g: str(g.identifier),
    )
    for graph in graphs:
        name = graph.identifier
        base = None if name in blank else f"{GENID_BASE}{str(name).rstrip('/').rsplit('/', 1)[-1]}/"
        target = out.graph(name)
        for triple in _renamed(graph, base):
            target.add(triple)
    return out
