"""SHACL validation in Oxigraph: every constraint of the shapes becomes one SPARQL query.

pySHACL (and the Rust engines measured beside it, see the README) check a shape focus node by
focus node; on this project's shapes their time grows faster than the data. Here each
constraint is compiled into one SELECT over *all* focus nodes of its shape at once (the
targets as a subquery, the constraint as a filter or a join), which Oxigraph evaluates with
index lookups and hash joins, so the time grows with the data. The results are those of
pySHACL, component by component (a parity test runs both on the curated graph and on every
shape fixture):

* targets: sh:targetClass (with rdfs:subClassOf*), sh:targetNode, sh:targetSubjectsOf,
  sh:targetObjectsOf and SHACL-AF SPARQL targets;
* paths: predicates, inverse, sequence, alternative, zero-or-more, one-or-more, zero-or-one;
* core components: class, datatype (ill-typed literals fail), nodeKind, pattern/flags,
  min/max inclusive/exclusive (an incomparable value fails), min/maxLength, hasValue, in,
  min/maxCount, node, not, and, or, xone, qualifiedValueShape with qualifiedMinCount 1,
  closed/ignoredProperties, nested sh:property;
* SHACL-SPARQL constraints (sh:select with $this, ?path, ?value and message templates), with
  pySHACL's rules: ?value defaults to the focus node in a node shape, identical rows count once.

A shapes graph that uses anything else raises :class:`UnsupportedShapes`, and the caller falls
back to pySHACL: the fast path never guesses.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from emkg.results import from_oxigraph


class UnsupportedShapes(Exception):
    """The shapes use a SHACL feature this engine does not compile."""


_RDF_TYPE = f"<{RDF.type}>"
#: the scratch named graphs holding each target's focus nodes during :meth:`Plan.run`
_TARGETS = "https://w3id.org/emkg/validate/target/"
_FOCUS = "https://w3id.org/emkg/validate/focus"
_FOCUS_NODE = ox.NamedNode(_FOCUS)
#: constraint queries run at once (:meth:`Plan.run`): one per core this process may use, at
#: most 4, since each query running holds its own intermediate results in memory
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
_THREADS = max(1, min(4, _CORES or 1))
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"

#: lexical forms of the datatypes whose ill-typed literals rdflib (and so pySHACL) rejects
_LEXICAL: dict[URIRef, str] = {
    **{
        XSD[name]: "^[+-]?[0-9]+$"
        for name in (
            "integer",
            "int",
            "long",
            "short",
            "byte",
            "nonNegativeInteger",
            "positiveInteger",
            "nonPositiveInteger",
            "negativeInteger",
            "unsignedInt",
            "unsignedLong",
            "unsignedShort",
            "unsignedByte",
        )
    },
    XSD.decimal: "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$",
    XSD.boolean: "^(true|false|1|0)$",
    XSD.double: "^([+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)$",
    XSD.float: "^([+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)$",
    XSD.duration: (
        "^-?P([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?"
        "(T([0-9]+H)?([0-9]+M)?([0-9]+([.][0-9]+)?S)?)?$"
    ),
    XSD.date: "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.dateTime: (
        "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?"
        "(Z|[+-][0-9]{2}:[0-9]{2})?$"
    ),
}
_NODE_KINDS: dict[URIRef, str] = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_COMPARISONS: dict[URIRef, tuple[str, URIRef]] = {
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}
#: shape parameters this engine reads (anything else in the sh: namespace is unsupported)
_KNOWN = {
    RDF.type, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
    SH.target, SH.path, SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
    SH.deactivated, SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.flags,
    SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.minLength,
    SH.maxLength, SH.hasValue, SH["in"], SH.minCount, SH.maxCount, SH.node, SH["not"],
    SH["and"], SH["or"], SH.xone, SH.qualifiedValueShape, SH.qualifiedMinCount,
    SH.closed, SH.ignoredProperties, SH.property, SH.sparql, SH.defaultValue,
    SH.lessThan, SH.lessThanOrEquals,
}  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One result row of a constraint: the focus node, path, value and the bound variables."""

    shape: Node
    component: URIRef
    focus: Node
    path: Node | None
    value: Node | None
    constraint: Node | None
    bindings: tuple[tuple[str, Node], ...] = ()


class _Vars:
    def __init__(self) -> None:
        self._n = itertools.count(1)

    def new(self) -> str:
        return f"?_v{next(self._n)}"


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise UnsupportedShapes(f"a blank node used as a constant ({node})")


class Compiler:
    """Compiles the shapes of one shapes graph into SPARQL (see the module docstring)."""

    def __init__(self, shapes: Graph) -> None:
        self.sg = shapes
        self.vars = _Vars()

    # -- helpers ----------------------------------------------------------------

    def _list(self, node: Node) -> list[Node]:
        return list(Collection(self.sg, node))

    def _one(self, shape: Node, predicate: URIRef) -> Node | None:
        values = list(self.sg.objects(shape, predicate))
        if len(values) > 1:
            raise UnsupportedShapes(f"{shape} has several {predicate}")
        return values[0] if values else None

    def path(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in self.sg:
            return "(" + "/".join(self.path(p) for p in self._list(node)) + ")"
        for predicate, form in (
            (SH.inversePath, "^({})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = self._one(node, predicate)
            if inner is not None:
                return form.format(self.path(inner))
        alternatives = self._one(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in self._list(alternatives)) + ")"
        raise UnsupportedShapes(f"a path this engine does not read ({node})")

    def reach(self, x: str, node: Node, end: str) -> str:
        """A group pattern with a solution when ``end`` is reached from the bound node ``x``
        along path ``node``: a sequence path step by step, each next step in a nested
        ``FILTER EXISTS`` that starts from the node the step before bound. (Written as one
        sequence path, Oxigraph may start it from its unbound end and scan every triple of
        the last step once per focus node.) For existence checks only: ``end`` is bound inside.
        """
        steps = self._list(node) if (node, RDF.first, None) in self.sg else [node]
        nodes = [x, *(self.vars.new() for _ in steps[1:]), end]
        inner = f"{nodes[-2]} {self.path(steps[-1])} {end}"
        for i in range(len(steps) - 2, -1, -1):
            inner = f"{nodes[i]} {self.path(steps[i])} {nodes[i + 1]} . FILTER EXISTS {{ {inner} }}"
        return inner

    def prefixes(self, node: Node) -> dict[str, str]:
        """The sh:declare prefixes of the ontologies named by ``node``'s sh:prefixes."""
        found: dict[str, str] = {}
        for owner in self.sg.objects(node, SH.prefixes):
            for decl in self.sg.objects(owner, SH.declare):
                prefix = self.sg.value(decl, SH.prefix)
                namespace = self.sg.value(decl, SH.namespace)
                if prefix is not None and namespace is not None:
                    found[str(prefix)] = str(namespace)
        return found

    def check_supported(self, shape: Node) -> None:
        for predicate in set(self.sg.predicates(shape)):
            if str(predicate).startswith(str(SH)) and predicate not in _KNOWN:
                raise UnsupportedShapes(f"{shape} uses {predicate}")
        if (shape, SH.qualifiedValueShapesDisjoint, None) in self.sg:
            raise UnsupportedShapes("sh:qualifiedValueShapesDisjoint")

    # -- value-level conditions: an expression true when value ``v`` fails ------

    def value_failures(
        self, shape: Node, v: str, *, classes: bool = True
    ) -> Iterator[tuple[URIRef, Node | None, str]]:
        """(component, constraint node or None, failure expression on v) per value check;
        ``classes=False`` leaves out sh:class (see :meth:`class_failures`)."""
        sg = self.sg
        for cls in sg.objects(shape, SH["class"]) if classes else ():
            yield (
                SH.ClassConstraintComponent,
                None,
                f"NOT EXISTS {{ {v} {_RDF_TYPE}/{_SUBCLASS}* {_term(cls)} }}",
            )
        for datatype in sg.objects(shape, SH.datatype):
            ok = f"isLiteral({v}) && sameTerm(datatype({v}), {_term(datatype)})"
            lexical = _LEXICAL.get(datatype)  # type: ignore[call-overload]
            if lexical is not None:
                ok += f" && REGEX(STR({v}), {Literal(lexical).n3()})"
            if datatype == XSD.string:
                ok += f' && LANG({v}) = ""'
            yield SH.DatatypeConstraintComponent, None, f"!({ok})"
        for kind in sg.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise UnsupportedShapes(f"sh:nodeKind {kind}")
            yield (
                SH.NodeKindConstraintComponent,
                None,
                "!" + _NODE_KINDS[kind].format(v=v),  # type: ignore[index]
            )
        flags = self._one(shape, SH.flags)
        for pattern in sg.objects(shape, SH.pattern):
            args = f"STR({v}), {Literal(str(pattern)).n3()}"
            if flags is not None:
                args += f", {Literal(str(flags)).n3()}"
            yield SH.PatternConstraintComponent, None, f"(isBlank({v}) || !REGEX({args}))"
        for predicate, (op, component) in _COMPARISONS.items():
            for bound in sg.objects(shape, predicate):
                yield component, None, f"!COALESCE({v} {op} {_term(bound)}, false)"
        for predicate, op, component in (
            (SH.minLength, "<", SH.MinLengthConstraintComponent),
            (SH.maxLength, ">", SH.MaxLengthConstraintComponent),
        ):
            for n in sg.objects(shape, predicate):
                yield component, None, f"(isBlank({v}) || STRLEN(STR({v})) {op} {_term(n)})"
        for values in sg.objects(shape, SH["in"]):
            alternatives = " || ".join(f"sameTerm({v}, {_term(m)})" for m in self._list(values))
            yield SH.InConstraintComponent, None, f"!({alternatives or 'false'})"
        if (shape, SH.path, None) not in sg:
            for value in sg.objects(shape, SH.hasValue):
                yield SH.HasValueConstraintComponent, None, f"!sameTerm({v}, {_term(value)})"
        for node in sg.objects(shape, SH.node):
            yield SH.NodeConstraintComponent, None, f"EXISTS {{ {self.violation(node, v)} }}"
        for node in sg.objects(shape, SH["not"]):
            yield SH.NotConstraintComponent, None, f"NOT EXISTS {{ {self.violation(node, v)} }}"
        for members in sg.objects(shape, SH["and"]):
            parts = [f"EXISTS {{ {self.violation(m, v)} }}" for m in self._list(members)]
            yield SH.AndConstraintComponent, None, "(" + (" || ".join(parts) or "false") + ")"
        for members in sg.objects(shape, SH["or"]):
            parts = [f"EXISTS {{ {self.violation(m, v)} }}" for m in self._list(members)]
            yield SH.OrConstraintComponent, None, "(" + (" && ".join(parts) or "true") + ")"
        for members in sg.objects(shape, SH.xone):
            parts = [f"IF(EXISTS {{ {self.violation(m, v)} }}, 0, 1)" for m in self._list(members)]
            yield SH.XoneConstraintComponent, None, "((" + (" + ".join(parts) or "0") + ") != 1)"

    def class_failures(self, shape: Node, v: str) -> Iterator[tuple[URIRef, str]]:
        """sh:class as an anti-join on value ``v`` (bound before it): ``MINUS`` the instances
        of the class. Oxigraph evaluates the MINUS group once and joins it on ``v``; the same
        check as ``FILTER NOT EXISTS`` searches the class's instances again for every value
        (quadratic). Only for a top-level query, where ``v`` is bound by the pattern before."""
        for cls in self.sg.objects(shape, SH["class"]):
            yield (
                SH.ClassConstraintComponent,
                f"MINUS {{ {v} {_RDF_TYPE}/{_SUBCLASS}* {_term(cls)} }}",
            )

    # -- focus-level conditions (property shapes): a group pattern matching when x fails --

    def focus_failures(self, shape: Node, x: str) -> Iterator[tuple[URIRef, str]]:
        sg = self.sg
        path_node = self._one(shape, SH.path)
        if path_node is None:
            return
        path = self.path(path_node)
        for n in sg.objects(shape, SH.minCount):
            count = int(n)  # type: ignore[call-overload]
            if count == 0:
                continue
            if count != 1:
                raise UnsupportedShapes("sh:minCount other than 0 or 1")
            f = self.vars.new()
            yield (
                SH.MinCountConstraintComponent,
                f"FILTER NOT EXISTS {{ {self.reach(x, path_node, f)} }}",
            )
        for n in sg.objects(shape, SH.maxCount):
            # the first value joined, not inside FILTER EXISTS: Oxigraph then starts from the
            # rarer side, often the property's few triples rather than every focus node (58
            # maxCount queries: 0.78 -> 0.30 s of CPU at 1,000 patients); the queries project
            # distinct focus nodes. The second value stays in FILTER EXISTS, which stops at the
            # first other value: joined too, a node with n values gave n x n rows
            count = int(n)  # type: ignore[call-overload]
            a, b = self.vars.new(), self.vars.new()
            if count == 0:
                yield SH.MaxCountConstraintComponent, f"{x} {path} {a} ."
            elif count == 1:
                yield (
                    SH.MaxCountConstraintComponent,
                    f"{x} {path} {a} . "
                    f"FILTER EXISTS {{ {x} {path} {b} . FILTER (!sameTerm({a}, {b})) }}",
                )
            else:
                raise UnsupportedShapes("sh:maxCount above 1")
        for value in sg.objects(shape, SH.hasValue):
            yield (
                SH.HasValueConstraintComponent,
                f"FILTER NOT EXISTS {{ {x} {path} {_term(value)} }}",
            )
        for qualified in sg.objects(shape, SH.qualifiedValueShape):
            minimum = self._one(shape, SH.qualifiedMinCount)
            if minimum is None or int(minimum) != 1:  # type: ignore[call-overload]
                raise UnsupportedShapes("sh:qualifiedValueShape without sh:qualifiedMinCount 1")
            if (shape, SH.qualifiedMaxCount, None) in sg:
                raise UnsupportedShapes("sh:qualifiedMaxCount")
            f = self.vars.new()
            inner = self.violation(qualified, f)
            yield (
                SH.QualifiedMinCountConstraintComponent,
                f"FILTER NOT EXISTS {{ {x} {path} {f} . FILTER NOT EXISTS {{ {inner} }} }}",
            )

    def pair_failures(self, shape: Node, x: str, v: str) -> Iterator[tuple[URIRef, str]]:
        """sh:lessThan / sh:lessThanOrEquals: a pattern over value ``v`` (bound by the caller
        from the shape's path) matching when ``v`` is not below every value of the property."""
        for predicate, op, component in (
            (SH.lessThan, "<", SH.LessThanConstraintComponent),
            (SH.lessThanOrEquals, "<=", SH.LessThanOrEqualsConstraintComponent),
        ):
            for other in self.sg.objects(shape, predicate):
                w = self.vars.new()
                yield (
                    component,
                    f"{x} {_term(other)} {w} . FILTER (!COALESCE({v} {op} {w}, false))",
                )

    # -- whether a node violates a shape (nested use) -----------------------------

    def violation(self, shape: Node, x: str) -> str:
        """A group pattern with a solution exactly when node ``x`` violates ``shape``."""
        self.check_supported(shape)
        if (shape, SH.deactivated, Literal(True)) in self.sg:
            return "FILTER (false)"
        if (shape, SH.sparql, None) in self.sg:
            raise UnsupportedShapes("a SPARQL constraint inside a logical or node constraint")
        branches: list[str] = []
        path_node = self._one(shape, SH.path)
        if path_node is not None:
            path = self.path(path_node)
            v = self.vars.new()
            for _component, _c, failure in self.value_failures(shape, v):
                branches.append(f"{x} {path} {v} . FILTER ({failure})")
            for _component, pattern in self.focus_failures(shape, x):
                branches.append(pattern)
            for _component, pattern in self.pair_failures(shape, x, v):
                branches.append(f"{x} {path} {v} . {pattern}")
        else:
            for _component, _c, failure in self.value_failures(shape, x):
                branches.append(f"FILTER ({failure})")
        for prop in self.sg.objects(shape, SH.property):
            branches.append(self.violation(prop, x))
        closed = self.closed(shape, x)
        if closed is not None:
            branches.append(closed[0])
        if not branches:
            return "FILTER (false)"
        return " UNION ".join(f"{{ {b} }}" for b in branches)

    def closed(self, shape: Node, x: str, p: str = "", o: str = "") -> tuple[str, str, str] | None:
        if (shape, SH.closed, Literal(True)) not in self.sg:
            return None
        allowed: list[Node] = []
        for ignored in self.sg.objects(shape, SH.ignoredProperties):
            allowed += self._list(ignored)
        for prop in self.sg.objects(shape, SH.property):
            path = self._one(prop, SH.path)
            if isinstance(path, URIRef):
                allowed.append(path)
        p = p or self.vars.new()
        o = o or self.vars.new()
        members = ", ".join(_term(a) for a in allowed)
        condition = f"FILTER (!({p} IN ({members})))" if members else ""
        return f"{x} {p} {o} . {condition}", p, o

    # -- targets --------------------------------------------------------------------

    def targets(self, shape: Node) -> tuple[str, dict[str, str]] | None:
        """A group pattern binding ?this to every focus node once, and the prefixes it needs."""
        found = self.target_pattern(shape)
        if found is None:
            return None
        union, prefixes = found
        return _focus_subquery(union, distinct=True), prefixes

    def target_pattern(self, shape: Node) -> tuple[str, dict[str, str]] | None:
        """A pattern binding ?this to every focus node (a node may come more than once, e.g.
        typed by two subclasses), and the prefixes it needs."""
        sg = self.sg
        parts: list[str] = []
        prefixes: dict[str, str] = {}
        for cls in sg.objects(shape, SH.targetClass):
            parts.append(f"?this {_RDF_TYPE}/{_SUBCLASS}* {_term(cls)} .")
        nodes = [_term(n) for n in sg.objects(shape, SH.targetNode)]
        if nodes:
            parts.append(f"VALUES ?this {{ {' '.join(nodes)} }}")
        for predicate in sg.objects(shape, SH.targetSubjectsOf):
            parts.append(f"?this {_term(predicate)} [] .")
        for predicate in sg.objects(shape, SH.targetObjectsOf):
            parts.append(f"[] {_term(predicate)} ?this .")
        for target in sg.objects(shape, SH.target):
            select = sg.value(target, SH.select)
            if (target, RDF.type, SH.SPARQLTarget) not in sg or select is None:
                raise UnsupportedShapes(f"a custom target of {shape}")
            prefixes.update(self.prefixes(target))
            parts.append(f"{{ {select} }}")
        if not parts:
            return None
        return " UNION ".join(f"{{ {p} }}" for p in parts), prefixes


def _focus_subquery(pattern: str, *, distinct: bool) -> str:
    """A group binding ?this to the focus nodes of a target's ``pattern``."""
    return f"{{ SELECT {'DISTINCT ' if distinct else ''}?this WHERE {{ {pattern} }} }}"


def _placeholder(n: int) -> str:
    return f"\x00target {n}\x00"


def _prologue(prefixes: dict[str, str]) -> str:
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in sorted(prefixes.items()))


def _this_var(text: str) -> str:
    """A SHACL-SPARQL query with $this as an ordinary variable (pre-binding as a join)."""
    return re.sub(r"\$this\b", "?this", text)


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
#: what the SHACL pre-binding rules forbid in a SPARQL constraint (as pySHACL checks them)
_FORBIDDEN = (
    (re.compile(r"^(?!\s*#).*?(?<![\w:-])MINUS\s*\{", re.M | re.I), "a MINUS clause"),
    (
        re.compile(r"^(?!\s*#).*?(?<![\w:-])VALUES\b\s*(\(|[?$]\w+|\{)", re.M | re.I),
        "a VALUES clause",
    ),
    (
        re.compile(r"^(?!\s*#).*?(?<![\w:-])SERVICE\s*[<?$]", re.M | re.I),
        "a federated query (SERVICE)",
    ),
    (re.compile(r"\bAS\s+[?$](this|shapesGraph|currentShape)\b", re.I), "an assignment to $this"),
)


class ShapesError(ValueError):
    """A SPARQL constraint breaks SHACL's rules (the shapes cannot be used)."""


def _check_prebinding(select: str) -> None:
    for pattern, what in _FORBIDDEN:
        if pattern.search(select):
            raise ShapesError(f"A SPARQL Constraint must not contain {what}.")


def _anchored(select: str, target: str) -> str:
    """The constraint's SELECT with the focus nodes joined first in its WHERE group, so that
    every pattern after them starts from a bound ?this (one pass over the focus nodes)."""
    match = _WHERE.search(select)
    if match is None:
        raise UnsupportedShapes("a SPARQL constraint without a WHERE group")
    return f"{select[: match.end()]} {target} {select[match.end() :]}"


@dataclass(frozen=True)
class _Query:
    shape: Node
    component: URIRef
    constraint: Node | None
    text: str
    path: Node | None
    #: where the value comes from: "value" variable, the focus node, or none
    value: str


class Plan:
    """The queries for every shape with targets, in a fixed order."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.compiler = Compiler(shapes)
        self.queries: list[_Query] = []
        #: the distinct target patterns (each found once per run, see :meth:`run`)
        self.targets: list[tuple[str, dict[str, str]]] = []
        self._target_index: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
        self._sparql_targets: set[int] = set()
        #: the targets whose focus nodes are found once per run (:meth:`_place_targets`)
        self.materialized: list[int] = []
        #: the queries that join on such a target's scratch graph
        self.on_scratch: set[int] = set()
        #: the queries of each target that is no SPARQL target (a class, node, subjects-of
        #: or objects-of target), by the target's index: none of them runs when the target
        #: has no focus node in the store (:meth:`run_each`)
        self.plain_targets: dict[int, list[int]] = {}
        seen: set[Node] = set()
        for shape in sorted(set(shapes.subjects()), key=str):
            if shape in seen:
                continue
            self._top(shape, seen)
        self._place_targets()

    def _place_targets(self) -> None:
        """Put each target into its queries: inline where one query uses it or it is a
        class, subjects-of, objects-of or node target (Oxigraph joins these best as they
        stand: writing their focus nodes out first made the queries slower); else (a
        SPARQL target shared by several constraints, e.g. the literal scan of
        emkgsh:CuratedLiterals with six) as a join on its focus nodes, found once per run.

        Inline in a compiled core constraint (``SELECT DISTINCT`` rows, no aggregate), a
        target's subquery does not make its focus nodes distinct: the query's rows are made
        distinct anyway, and the target's hash table of focus nodes cost about an eighth of
        those queries' CPU. A SPARQL constraint's own SELECT keeps them distinct (it may
        count them)."""
        uses = [
            sum(_placeholder(n) in q.text for q in self.queries) for n in range(len(self.targets))
        ]
        self.materialized = [
            n for n in range(len(self.targets)) if uses[n] > 1 and n in self._sparql_targets
        ]
        for i, q in enumerate(self.queries):
            text = q.text
            for n, (target, _prefixes) in enumerate(self.targets):
                if n in self.materialized and _placeholder(n) in text:
                    self.on_scratch.add(i)
                if n not in self._sparql_targets and _placeholder(n) in text:
                    self.plain_targets.setdefault(n, []).append(i)
                if n in self.materialized:
                    found = f"GRAPH <{_TARGETS}{n}> {{ <{_TARGETS}{n}> <{_FOCUS}> ?this }}"
                else:  # a SPARQL constraint's own SELECT may count its focus nodes
                    found = _focus_subquery(target, distinct=q.value == "sparql")
                text = text.replace(_placeholder(n), found)
            self.queries[i] = _Query(q.shape, q.component, q.constraint, text, q.path, q.value)

    def _top(self, shape: Node, seen: set[Node]) -> None:
        c = self.compiler
        found = c.target_pattern(shape)
        if found is None:
            return
        seen.add(shape)
        target, prefixes = found
        key = (target, tuple(sorted(prefixes.items())))
        if key not in self._target_index:
            self._target_index[key] = len(self.targets)
            self.targets.append((target, prefixes))
        n = self._target_index[key]
        if (shape, SH.target, None) in self.shapes:
            self._sparql_targets.add(n)
        self._shape(shape, _placeholder(n), prefixes)

    def _shape(self, shape: Node, target: str, prefixes: dict[str, str]) -> None:
        c, sg = self.compiler, self.shapes
        c.check_supported(shape)
        if (shape, SH.deactivated, Literal(True)) in sg:
            return
        path_node = c._one(shape, SH.path)
        head = _prologue(prefixes)
        if path_node is not None:
            path = c.path(path_node)
            for component, pattern in c.class_failures(shape, "?value"):
                text = (
                    f"{head}SELECT DISTINCT ?this ?value WHERE {{ {target} "
                    f"?this {path} ?value . {pattern} }}"
                )
                self.queries.append(_Query(shape, component, None, text, path_node, "value"))
            for component, constraint, failure in c.value_failures(shape, "?value", classes=False):
                text = (
                    f"{head}SELECT DISTINCT ?this ?value WHERE {{ {target} "
                    f"?this {path} ?value . FILTER ({failure}) }}"
                )
                self.queries.append(_Query(shape, component, constraint, text, path_node, "value"))
            for component, pattern in c.focus_failures(shape, "?this"):
                text = f"{head}SELECT DISTINCT ?this WHERE {{ {target} {pattern} }}"
                self.queries.append(_Query(shape, component, None, text, path_node, "none"))
            for component, pattern in c.pair_failures(shape, "?this", "?value"):
                text = (
                    f"{head}SELECT DISTINCT ?this ?value WHERE {{ {target} "
                    f"?this {path} ?value . {pattern} }}"
                )
                self.queries.append(_Query(shape, component, None, text, path_node, "value"))
        else:
            for component, pattern in c.class_failures(shape, "?this"):
                text = f"{head}SELECT DISTINCT ?this WHERE {{ {target} {pattern} }}"
                self.queries.append(_Query(shape, component, None, text, None, "focus"))
            for component, constraint, failure in c.value_failures(shape, "?this", classes=False):
                text = f"{head}SELECT DISTINCT ?this WHERE {{ {target} FILTER ({failure}) }}"
                self.queries.append(_Query(shape, component, constraint, text, None, "focus"))
        closed = c.closed(shape, "?this", "?path", "?value")
        if closed is not None:
            # every triple of each focus node, looked up per focus node: OPTIONAL makes
            # Oxigraph evaluate the group once per target row with ?this bound; as a plain
            # join, the pattern with a variable predicate is a scan of the whole store
            # (0.18 -> 0.01 s CPU for emkgsh:Patient-closed at 1,000 patients)
            text = (
                f"{head}SELECT DISTINCT ?this ?path ?value WHERE {{ {target} "
                f"OPTIONAL {{ {closed[0]} }} FILTER (BOUND(?path)) }}"
            )
            self.queries.append(
                _Query(shape, SH.ClosedConstraintComponent, None, text, None, "value")
            )
        for constraint in sg.objects(shape, SH.sparql):
            if (constraint, SH.deactivated, Literal(True)) in sg:
                continue
            select = sg.value(constraint, SH.select)
            if select is None:
                raise UnsupportedShapes(f"a SPARQL constraint without sh:select ({constraint})")
            _check_prebinding(str(select))
            both = {**prefixes, **c.prefixes(constraint)}
            text = _prologue(both) + _anchored(_this_var(str(select)), target)
            self.queries.append(
                _Query(
                    shape,
                    SH.SPARQLConstraintComponent,
                    constraint,
                    text,
                    path_node,
                    "sparql",
                )
            )
        for prop in sg.objects(shape, SH.property):
            self._shape(prop, target, prefixes)

    def run(self, store: ox.Store) -> list[Row]:
        """Every constraint's result rows in ``store`` (its default graph and named graphs
        taken together, as one graph).

        Each distinct target pattern is evaluated once: its focus nodes are written into a
        scratch named graph of the store (one quad per focus node, the node as object, so a
        literal focus node fits), and every constraint of the shapes with that target joins
        on it, instead of evaluating the target again per constraint. The scratch graphs are
        outside the queries' default graph and are removed before this returns.

        The queries that join on no scratch graph run first, before any scratch graph is
        written, over Oxigraph's union default graph: then that is the store's default
        graph and named graphs taken together (a triple in several graphs counts once per
        graph either way), and it is looked up in one index scan per pattern instead of one
        per graph (about a fifth less CPU); a ``GRAPH`` pattern of a SPARQL constraint sees no
        named graph there, as it sees none of the data's graphs in the later queries. The
        others then run over the list of the data's graphs, which leaves the scratch graphs
        out of the default graph.

        The constraint queries only read the store and Oxigraph evaluates a query without
        holding Python's interpreter lock, so they run in one thread per core (rows in the
        order of :attr:`queries` all the same): on 2 cores the wall time of the checks about
        halves, their CPU time stays the same.
        """
        return [row for found in self.run_each(store) for row in found]

    def run_each(self, store: ox.Store) -> list[list[Row]]:
        """:meth:`run`'s rows, one list per query of :attr:`queries`."""
        found: list[list[Row]] = [[] for _ in self.queries]
        empty = set(self._of_empty_targets(store))
        first = [i for i in range(len(self.queries)) if i not in self.on_scratch | empty]
        data = [ox.DefaultGraph(), *store.named_graphs()]
        scratch: list[ox.NamedNode | ox.BlankNode] = []
        with ThreadPoolExecutor(min(_THREADS, len(self.queries) or 1)) as pool:

            def run(indices: list[int], query: Callable[[str], object]) -> None:
                def rows(i: int) -> list[Row]:
                    solutions = query(self.queries[i].text)
                    assert isinstance(solutions, ox.QuerySolutions)
                    return list(self._rows(self.queries[i], solutions))

                for i, rows_of_query in zip(indices, pool.map(rows, indices), strict=True):
                    found[i] = rows_of_query

            run(
                first,
                lambda text: store.query(text, use_default_graph_as_union=True, named_graphs=[]),
            )
            try:
                for n in self.materialized:
                    target, prefixes = self.targets[n]
                    graph = ox.NamedNode(f"{_TARGETS}{n}")
                    scratch.append(graph)
                    solutions = store.query(
                        f"{_prologue(prefixes)}SELECT DISTINCT ?this WHERE {{ {target} }}",
                        default_graph=data,
                    )
                    assert isinstance(solutions, ox.QuerySolutions)
                    store.extend([ox.Quad(graph, _FOCUS_NODE, s[0], graph) for s in solutions])
                run(
                    sorted(self.on_scratch),
                    lambda text: store.query(text, default_graph=data, named_graphs=scratch),
                )
            finally:
                for made in scratch:
                    store.remove_graph(made)
        return found

    def _of_empty_targets(self, store: ox.Store) -> Iterator[int]:
        """The queries whose target has no focus node in ``store``: each of them joins its
        target's focus nodes at the top of its WHERE group, so it has no row with a focus
        node there (an aggregate with no GROUP BY gives one row, its ?this unbound, which
        :meth:`_rows` leaves out). Only the targets that are no SPARQL target are asked
        (``ASK``, one index lookup or a few: a SPARQL target costs as much as its queries);
        on the synthetic cohorts the three queries of the one target of
        ``emkgsh:PlacementConsistent``, with no focus node, took about 3% of the queries' CPU."""
        for n, indices in self.plain_targets.items():
            target, prefixes = self.targets[n]
            if not store.query(
                f"{_prologue(prefixes)}ASK {{ {target} }}",
                use_default_graph_as_union=True,
                named_graphs=[],
            ):
                yield from indices

    def _rows(self, q: _Query, solutions: ox.QuerySolutions) -> Iterable[Row]:
        names = [v.value for v in solutions.variables]
        is_property = (q.shape, SH.path, None) in self.shapes
        seen: set[tuple[tuple[str, Node], ...]] = set()
        for solution in solutions:
            bound: dict[str, Node] = {}
            for name in names:
                term = solution[name]
                node = from_oxigraph(term) if term is not None else None
                if node is not None:
                    bound[name] = node
            focus = bound.get("this")
            if focus is None:
                continue
            if q.value == "value":
                yield Row(
                    q.shape,
                    q.component,
                    focus,
                    bound.get("path", q.path),
                    bound.get("value"),
                    q.constraint,
                )
            elif q.value == "focus":
                yield Row(q.shape, q.component, focus, q.path, focus, q.constraint)
            elif q.value == "none":
                yield Row(q.shape, q.component, focus, q.path, None, q.constraint)
            else:
                key = tuple(sorted(bound.items(), key=lambda kv: kv[0]))
                if key in seen:
                    continue
                seen.add(key)
                value = bound.get("value")
                if value is None and not is_property:
                    value = focus
                path = bound.get("path", q.path if is_property else None)
                yield Row(q.shape, q.component, focus, path, value, q.constraint, key)


# ---------------------------------------------------------------------------
# Loading data and writing the report
# ---------------------------------------------------------------------------


def store_from_graph(graph: Graph) -> ox.Store:
    """An Oxigraph store with ``graph``'s triples, blank-node labels kept."""
    store = ox.Store()
    data = graph.serialize(format="nt", encoding="utf-8")
    store.extend(ox.parse(data, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False))
    return store


def load_files(store: ox.Store, files: Iterable[Path], formats: dict[str, ox.RdfFormat]) -> None:
    """Bulk-load RDF files into the store's default graph."""
    for path in files:
        fmt = formats.get(Path(path).suffix.lower())
        if fmt is None:
            raise UnsupportedShapes(f"no bulk loader for {path}")
        store.bulk_load(path=str(path), format=fmt, to_graph=ox.DefaultGraph())


def _format_message(message: str, bindings: dict[str, Node]) -> str:
    for var, val in bindings.items():
        message = re.sub(f"{{[?$]{var}}}", str(val), message)
    return message


def _copy(source: Graph, target: Graph, node: Node) -> None:
    """Copy a blank-node structure (a path) from the shapes graph into the report."""
    if not isinstance(node, BNode):
        return
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        _copy(source, target, o)


def report_graph(rows: list[Row], shapes: Graph) -> Graph:
    """A SHACL validation report graph with pySHACL's shape for ``rows``."""
    report = Graph()
    report.bind("sh", SH)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    conforms = True
    for row in rows:
        severity = shapes.value(row.shape, SH.severity) or SH.Violation
        if severity == SH.Violation:
            conforms = False
        r = BNode()
        report.add((root, SH.result, r))
        report.add((r, RDF.type, SH.ValidationResult))
        report.add((r, SH.focusNode, row.focus))
        report.add((r, SH.resultSeverity, severity))
        report.add((r, SH.sourceConstraintComponent, row.component))
        report.add((r, SH.sourceShape, row.shape))
        _copy(shapes, report, row.shape) if isinstance(row.shape, BNode) else None
        if row.path is not None:
            report.add((r, SH.resultPath, row.path))
            _copy(shapes, report, row.path)
        if row.value is not None:
            report.add((r, SH.value, row.value))
        if row.constraint is not None:
            report.add((r, SH.sourceConstraint, row.constraint))
        for text in messages(row, shapes):
            report.add((r, SH.resultMessage, Literal(text)))
    report.add((root, SH.conforms, Literal(conforms)))
    return report


def messages(row: Row, shapes: Graph) -> list[str]:
    """The result messages of ``row``, as pySHACL words them."""
    templates = list(shapes.objects(row.shape, SH.message))
    bindings = dict(row.bindings)
    if row.component == SH.SPARQLConstraintComponent:
        if row.value is not None:
            bindings.setdefault("value", row.value)
        templates += [m for m in shapes.objects(row.constraint, SH.message) if m not in templates]
    texts = [_format_message(str(m), bindings) if bindings else str(m) for m in templates]
    if not texts:
        name = str(row.component).rsplit("#", 1)[-1]
        texts.append(f"{name} not satisfied")
    return texts
