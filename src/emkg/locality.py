"""Whether a compiled constraint query gives, group by group, the rows of the whole graph.

``emkg validate`` can validate a big cohort in groups of patients, each group in its own store
(:mod:`emkg.grouping`). A group's store holds the triples of its data nodes and the *shared*
triples (the ontology's class hierarchy, and data triples whose subject is no data node).
Every triple that touches a data node lies in that node's group: a triple linking two data
nodes joined them into one group, and a triple from a term (no data node) to a data node makes
the data unfit for groups (:class:`emkg.grouping.Grouping`). So a query gives the same rows
for a group's focus nodes as on the whole graph when each of its triple patterns is reached
from the focus node (or, for a target, from one of its own nodes) step by step, where a step

* goes forward from a node already reached (a data node's triples are in its group; a term's
  are shared, and lead only to terms and literals), or
* goes backward from a node known to be a data node, or over a predicate whose objects in the
  data are all data nodes (``linking``: no match from a term) or whose triples are all shared.

This module checks that on the query's algebra (rdflib's translation of the text): nested
groups, ``UNION`` branches, ``OPTIONAL``, ``MINUS`` and ``EXISTS`` each only see the nodes
their SPARQL evaluation binds before them; a subquery is joined on its projected variables, an
aggregate must be grouped by a node reached outside it. Anything it does not understand makes
the query fail the check (and validation then runs on the whole graph). Constants of the query
that are data nodes are returned, for the caller to refuse.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdflib import Literal, URIRef, Variable
from rdflib.paths import (
    AlternativePath,
    InvPath,
    MulPath,
    NegatedPath,
    Path,
    SequencePath,
)
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern, translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue, Expr

#: a reached node: True when it is known to be a data node
Reached = dict[object, bool]


class NotLocal(Exception):
    """The query may need triples of other groups."""


@dataclass(frozen=True)
class Predicates:
    """What the data say about predicates (:class:`emkg.grouping.Grouping`)."""

    #: every triple of the predicate in the data has a data node as object
    linking: frozenset[str]
    #: some triple of the predicate in the data has a data node as subject (any other
    #: predicate's triples are all shared: in every group)
    unshared: frozenset[str]


@dataclass(frozen=True)
class _Step:
    """One triple pattern, a path reduced to steps: subject, predicates (None: any), object;
    ``closure``: zero or more (``zero``) or one or more repetitions."""

    s: object
    preds: tuple[str, ...] | None
    o: object
    closure: bool = False
    zero: bool = False


@dataclass(frozen=True)
class _Branches:
    """Alternatives of which one matches (a UNION, or an alternative of complex paths)."""

    branches: tuple[tuple[object, ...], ...]


_fresh = itertools.count()


def _is_node_term(x: object) -> bool:
    return isinstance(x, URIRef | Literal)


class Checker:
    def __init__(self, predicates: Predicates) -> None:
        self.p = predicates
        self.constants: set[str] = set()

    # -- entry points -----------------------------------------------------------------------

    def query(self, text: str) -> None:
        """A constraint query: its focus nodes come from a target subquery (or the scratch
        graph of a target found once per run); everything else must be reached from them."""
        self._conjunction(self._items(_top(text)), {}, seed="target")

    def target(self, text: str) -> None:
        """A target query: each of its solutions must lie in one group."""
        self._conjunction(self._items(_top(text)), {}, seed="any")

    # -- algebra to items -----------------------------------------------------------------

    def _items(self, node: object) -> list[object]:
        """The items of a conjunction (a join of these)."""
        if not isinstance(node, CompValue):
            raise NotLocal(f"an algebra node this check does not read ({node!r})")
        name = node.name
        if name == "Join":
            return self._items(node.p1) + self._items(node.p2)
        if name == "BGP":
            items: list[object] = []
            for s, p, o in node.triples:
                self._constant(s)
                self._constant(o)
                items.extend(self._path(s, p, o))
            return items
        if name == "Filter":
            return [*self._items(node.p), ("filter", node.expr)]
        if name == "Extend":
            return [*self._items(node.p), ("extend", node.var, node.expr)]
        if name in ("Union", "LeftJoin", "Minus", "Graph", "ToMultiSet"):
            return [node]
        if name in ("Project", "Distinct", "Reduced", "Slice", "OrderBy"):
            return [node]
        raise NotLocal(f"an algebra node this check does not read ({name})")

    def _constant(self, x: object) -> None:
        if isinstance(x, URIRef):
            self.constants.add(f"<{x}>")

    def _path(self, s: object, p: object, o: object) -> list[object]:
        if isinstance(p, URIRef):
            self._constant(p)
            return [_Step(s, (str(p),), o)]
        if isinstance(p, Variable):
            return [_Step(s, None, o)]
        if isinstance(p, InvPath):
            return self._path(o, p.arg, s)
        if isinstance(p, SequencePath):
            nodes = [s, *(Variable(f"_step{next(_fresh)}") for _ in p.args[1:]), o]
            out: list[object] = []
            for i, part in enumerate(p.args):
                out.extend(self._path(nodes[i], part, nodes[i + 1]))
            return out
        if isinstance(p, AlternativePath):
            simple = self._simple(p)
            if simple is not None:
                return [_Step(s, simple, o)]
            return [_Branches(tuple(tuple(self._path(s, a, o)) for a in p.args))]
        if isinstance(p, MulPath):
            inner = p.path
            if isinstance(inner, InvPath):
                inner = inner.arg
                s, o = o, s
            simple = self._simple(inner)
            if simple is None:
                raise NotLocal(f"a repeated complex path ({p.n3()})")
            if p.mod == "?":
                return [_Branches(((("same", s, o),), (_Step(s, simple, o),)))]
            return [_Step(s, simple, o, closure=True, zero=p.mod == "*")]
        if isinstance(p, NegatedPath):
            return [_Step(s, None, o)]
        raise NotLocal(f"a path this check does not read ({p!r})")

    def _simple(self, p: Path | URIRef) -> tuple[str, ...] | None:
        """The predicates of a predicate or an alternative of predicates, else None."""
        if isinstance(p, URIRef):
            self._constant(p)
            return (str(p),)
        if isinstance(p, AlternativePath) and all(isinstance(a, URIRef) for a in p.args):
            for a in p.args:
                self._constant(a)
            return tuple(str(a) for a in p.args)
        return None

    # -- evaluation order -------------------------------------------------------------------

    def _conjunction(self, items: list[object], reached: Reached, seed: str = "") -> Reached:
        """Reach every item of a conjunction from ``reached``; the nodes reached after it.

        ``seed``: "target" lets a target subquery start the conjunction, "any" any node."""
        seeded = bool(reached)
        reached = dict(reached)
        pending = list(items)
        filters = [i for i in pending if isinstance(i, tuple) and i[0] == "filter"]
        pending = [i for i in pending if i not in filters]
        while pending:
            progress = False
            for item in list(pending):
                found = self._try(item, reached)
                if found is not None:
                    reached.update(found)
                    pending.remove(item)
                    progress = True
            if progress:
                continue
            if seed and not seeded:
                # what constants reached is shared (constants are no data nodes), so one
                # seed still puts each solution in one group
                seeded = True
                started = self._seed(pending, seed)
                if started is not None:
                    item, found = started
                    reached.update(found)
                    pending.remove(item)
                    continue
            raise NotLocal(
                "a pattern not reached from the focus node through its data: "
                + "; ".join(_describe(i) for i in pending)[:300]
            )
        for _kind, expr in filters:
            for pattern in _exists(expr):
                self._conjunction(self._items(pattern), reached)
        return reached

    def _seed(self, pending: list[object], seed: str) -> tuple[object, Reached] | None:
        for item in pending:
            if seed == "target" and _is_target(item):
                if isinstance(item, CompValue) and item.name == "Graph":
                    return item, {Variable("this"): False}
                inner = _subquery(item)
                assert inner is not None
                found = self._conjunction(self._items(inner[0]), {}, seed="any")
                return item, {v: found.get(v, False) for v in inner[1] if v in found}
            if isinstance(item, CompValue) and item.name in ("LeftJoin", "Minus"):
                try:
                    joined = self._try(item, {}, seed)
                except NotLocal:
                    continue
                if joined is not None:
                    return item, joined
            if seed == "any":
                for var in _vars(item):
                    try:
                        return item, {**(self._try(item, {var: False}) or {}), var: False}
                    except NotLocal:
                        continue
        return None

    def _try(self, item: object, reached: Reached, seed: str = "") -> Reached | None:
        """The nodes ``item`` reaches from ``reached``; None if it cannot start yet."""
        if isinstance(item, _Step):
            return self._step(item, reached)
        if isinstance(item, _Branches):
            return self._alternatives(item.branches, reached)
        if isinstance(item, tuple) and item and item[0] == "same":
            _, a, b = item
            if a in reached or _is_node_term(a):
                return {b: reached.get(a, False)} if isinstance(b, Variable) else {}
            if b in reached or _is_node_term(b):
                return {a: reached.get(b, False)} if isinstance(a, Variable) else {}
            return None
        if isinstance(item, tuple) and item and item[0] == "extend":
            _, var, expr = item
            if all(v in reached for v in _expr_vars(expr)):
                return {var: False}
            return None
        assert isinstance(item, CompValue)
        name = item.name
        if name == "Union":
            return self._alternatives(
                (tuple(self._items(item.p1)), tuple(self._items(item.p2))), reached
            )
        if name == "LeftJoin":
            left = self._try_all(self._items(item.p1), reached, seed)
            if left is None:
                return None
            right = self._conjunction(self._items(item.p2), left)
            for pattern in _exists(item.expr):
                self._conjunction(self._items(pattern), right)
            return left
        if name == "Minus":
            left = self._try_all(self._items(item.p1), reached, seed)
            if left is None:
                return None
            shared = {v: k for v, k in left.items() if v in item.p2._vars}
            self._conjunction(self._items(item.p2), shared)
            return left
        if name == "Graph":
            return None  # only a target's focus nodes, as a seed (_seed)
        if name == "ToMultiSet" and item.p.name == "values":
            for row in item.p.res:
                for value in row.values():
                    self._constant(value)
            return {v: False for row in item.p.res for v in row}
        inner = _subquery(item)
        if inner is None:
            raise NotLocal(f"an algebra node this check does not read ({name})")
        pattern, projected = inner
        grouped = pattern
        while grouped.name == "Extend":  # the aggregates' results bound to their names
            grouped = grouped.p
        if grouped.name == "AggregateJoin":
            return self._aggregate(grouped, projected, reached)
        incoming = {v: k for v, k in reached.items() if v in projected}
        if not incoming:
            return None
        found = self._try_all(self._items(pattern), incoming)
        if found is None:
            return None
        return {v: found.get(v, False) for v in projected if v in found}

    def _try_all(self, items: list[object], reached: Reached, seed: str = "") -> Reached | None:
        try:
            return self._conjunction(items, reached, seed)
        except NotLocal:
            return None

    def _aggregate(
        self, pattern: CompValue, projected: list[Variable], reached: Reached
    ) -> Reached | None:
        group = pattern.p
        keys = list(group.expr or []) if group.name == "Group" else []
        if not keys or not all(isinstance(k, Variable) for k in keys):
            raise NotLocal("an aggregate not grouped by nodes")
        if not any(k in reached for k in keys):
            return None
        found = self._conjunction(self._items(group.p), {k: reached.get(k, False) for k in keys})
        return {v: found.get(v, False) for v in projected if v in found}

    def _alternatives(
        self, branches: Iterable[tuple[object, ...]], reached: Reached
    ) -> Reached | None:
        outputs = []
        for branch in branches:
            found = self._try_all(list(branch), reached)
            if found is None:
                return None
            outputs.append(found)
        common = set.intersection(*(set(o) for o in outputs)) if outputs else set()
        return {v: all(o[v] for o in outputs) for v in common}

    def _step(self, step: _Step, reached: Reached) -> Reached | None:
        s_known = step.s in reached or _is_node_term(step.s)
        o_known = step.o in reached or _is_node_term(step.o)
        preds = step.preds
        all_linking = preds is not None and all(p in self.p.linking for p in preds)
        if s_known:
            data = all_linking and (not step.zero or reached.get(step.s, False))
            return {step.o: data} if isinstance(step.o, Variable) and step.o not in reached else {}
        if o_known:
            o_data = reached.get(step.o, False)
            safe = preds is not None and all(
                p in self.p.linking or p not in self.p.unshared for p in preds
            )
            if not (o_data or safe):
                return None  # unless reached forward later
            data = o_data or (all_linking and not step.zero)
            return {step.s: data} if isinstance(step.s, Variable) else {}
        return None


@functools.lru_cache(maxsize=1024)
def _algebra(text: str) -> CompValue:
    """rdflib's algebra of a query (parsing takes most of a check: about 3.5 s of CPU for
    the 311 queries of the shapes, so once per text and process)."""
    return translateQuery(parseQuery(text)).algebra


def parse_ahead(texts: Iterable[str]) -> None:
    """Parse ``texts`` into this process's cache, so that checking them later is quick (a
    text that does not parse is left for :func:`check_query` to refuse)."""
    for text in texts:
        with contextlib.suppress(Exception):  # check_query raises it again, and is answered
            _algebra(text)


def _top(text: str) -> CompValue:
    """The pattern of a SELECT query's text (under its projection)."""
    inner = _subquery(_algebra(text).p)
    if inner is None or inner[0].name == "AggregateJoin":
        raise NotLocal("a query this check does not read (no plain SELECT)")
    return inner[0]


def _describe(item: object) -> str:
    if isinstance(item, _Step):
        return f"{item.s.n3() if hasattr(item.s, 'n3') else item.s} {item.preds} {item.o}"
    if isinstance(item, CompValue):
        return item.name
    return type(item).__name__


def _is_target(item: object) -> bool:
    if isinstance(item, CompValue) and item.name == "Graph":
        return True
    inner = _subquery(item)
    return inner is not None and list(inner[1]) == [Variable("this")]


def _subquery(item: object) -> tuple[CompValue, list[Variable]] | None:
    """(pattern, projected variables) of a nested SELECT."""
    node = item
    while isinstance(node, CompValue) and node.name in ("ToMultiSet", "Distinct", "Reduced"):
        node = node.p
    while isinstance(node, CompValue) and node.name in ("Slice", "OrderBy"):
        node = node.p
    if isinstance(node, CompValue) and node.name == "Project":
        return node.p, list(node.PV)
    return None


def _vars(item: object) -> list[Variable]:
    if isinstance(item, _Step):
        return [x for x in (item.s, item.o) if isinstance(x, Variable)]
    inner = _subquery(item)
    if inner is not None:
        return list(inner[1])
    if isinstance(item, CompValue):
        return sorted(getattr(item, "_vars", set()) or set(), key=str)
    return []


def _walk(expr: object) -> Iterator[object]:
    yield expr
    if isinstance(expr, CompValue):
        for value in expr.values():
            yield from _walk(value)
    elif isinstance(expr, list | tuple):
        for value in expr:
            yield from _walk(value)


def _exists(expr: object) -> list[CompValue]:
    """The graph patterns of the EXISTS and NOT EXISTS in a filter expression."""
    found = []
    for node in _walk(expr):
        if isinstance(node, Expr) and node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            graph = node.graph
            if isinstance(graph, CompValue) and graph.name == "GroupGraphPatternSub":
                graph = translateGroupGraphPattern(graph)
            found.append(graph)
    return found


def _expr_vars(expr: object) -> set[Variable]:
    return {n for n in _walk(expr) if isinstance(n, Variable)}


def check_query(text: str, predicates: Predicates, *, target: bool = False) -> set[str]:
    """Raise :class:`NotLocal` unless the query gives the whole graph's rows group by group;
    return the IRIs (in ``<...>``) the query names, for the caller to check they are no data
    nodes."""
    checker = Checker(predicates)
    if target:
        checker.target(text)
    else:
        checker.query(text)
    return checker.constants
