"""Validation reports for people and programs: text, JSON, Markdown and the SHACL report graph.

The text report groups the results by case (patient, else publication) and focus node,
says which file and line hold each node, and ends with the completeness score per case.
The Markdown report is the completeness table that README.md shows (CQ15).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDFS, SH
from rdflib.term import Node

from emkg import paths
from emkg.completeness import (
    MISSING,
    NOT_REPORTED,
    PRESENT,
    CaseCompleteness,
    per_case,
    per_case_in_store,
    totals,
)
from emkg.errors import InputError
from emkg.locate import Case, Locator, Namer
from emkg.redact import Redactor
from emkg.validate import SEVERITIES, Validation, ValidationResult

if TYPE_CHECKING:
    from emkg.storefacts import FactsLocator

FORMATS: tuple[str, ...] = ("text", "json", "markdown", "turtle")


def _short(iri: Node) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def severity_name(severity: Node) -> str:
    return _short(severity)


def component_name(component: Node) -> str:
    return _short(component).removesuffix("ConstraintComponent")


def _project_root() -> Path | None:
    try:
        return paths.project_root()
    except InputError:
        return None


@dataclass(frozen=True)
class Located:
    """A result with where its node is and which case it belongs to."""

    result: ValidationResult
    case: Case
    file: str | None
    line: int | None
    name: str
    kind: str


class ReportBuilder:
    """Locates every result once and renders the formats."""

    def __init__(self, validation: Validation) -> None:
        self.validation = validation
        self.namer = Namer(validation.sources)
        self.root = _project_root()
        self.redactor = Redactor(validation)
        self.locator: Locator | FactsLocator
        if validation.facts is not None:  # validated in the store: the store answers
            from emkg.storefacts import FactsLocator

            self.locator = FactsLocator(validation.facts, self.namer)
            focus = [r.focus for r in validation.results]
            validation.facts.ask(focus, lines_for=focus)
            validation.facts.ask({validation.facts.owner(f) for f in focus})
            self.cases = per_case_in_store(validation, self.locator)
        else:
            self.locator = Locator(validation.sources, validation.data, self.namer)
            self.cases = per_case(validation, self.locator)
        self.located = [self._locate(r) for r in validation.results]

    def _relative(self, path: Path) -> str:
        if self.root is not None:
            try:
                return str(path.resolve().relative_to(self.root.resolve()))
            except ValueError:
                pass
        return str(path)

    def _locate(self, result: ValidationResult) -> Located:
        where = self.locator.where(result.focus)
        prefixes = self.locator.prefixes_of(result.focus)
        name = self.namer.name(result.focus, prefixes)
        if not isinstance(result.focus, URIRef) and where.owner != result.focus:
            owner = self.namer.name(where.owner, self.locator.prefixes_of(where.owner))
            name = f"[] of {owner}"
        return Located(
            result=result,
            case=self.locator.case(result.focus),
            file=self._relative(where.path) if where.path is not None else None,
            line=where.line,
            name=name,
            kind=self.locator.kind(result.focus),
        )

    # -- pieces ----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {severity_name(s): self.validation.count(s) for s in SEVERITIES}

    def value_text(self, result: ValidationResult) -> str:
        """The value of a result, or, for personal data, which pattern matched (never it)."""
        if self.redactor.withheld(result.value):
            return self.redactor.matched(result, self.namer.name(result.check))
        return self.namer.name(result.value)

    def path_text(self, result: ValidationResult) -> str:
        v = self.validation
        return self.namer.path(v.shapes if v.rows is not None else v.report, result.path)

    def element_label(self, element: URIRef) -> str:
        label = self.validation.ontology.value(element, RDFS.label)
        return str(label) if label is not None else self.namer.name(element)

    def source_text(self, source: Node | None) -> str:
        return self.namer.name(source) if source is not None else "-"

    def files_text(self) -> str:
        return ", ".join(self._relative(s.path) for s in self.validation.sources) or "(none)"

    def summary_line(self, *, timed: bool = True) -> str:
        c = self.counts()
        line = f"{c['Violation']} violation(s), {c['Warning']} warning(s), {c['Info']} info(s)"
        return f"{line} in {self.validation.seconds:.1f} s" if timed else line

    # -- text ------------------------------------------------------------------------------

    def text(self) -> str:
        v = self.validation
        shape_count = len(set(v.shapes.subjects(SH.severity, None)))
        out = [
            f"emkg validate: {len(v.sources)} file(s), {v.size:,} triples with the "
            f"ontology's class hierarchy, {shape_count} shapes",
            f"  files: {self.files_text()}",
            f"  {self.summary_line()}",
        ]
        groups: dict[Case, dict[Node, list[Located]]] = defaultdict(lambda: defaultdict(list))
        for item in self.located:
            groups[item.case][item.result.focus].append(item)
        for case in sorted(groups, key=lambda c: c.sort_key):
            out.append("")
            header = f"== {self.redactor.text(case.label)}"
            if case.node is not None and case.kind == "patient":
                header += f" ({self.namer.name(case.node, self.locator.prefixes_of(case.node))})"
            if case.source is not None and case.kind == "patient":
                header += f", reported in {self.source_text(case.source)}"
            out.append(header)
            for _focus, items in sorted(
                groups[case].items(), key=lambda kv: (kv[1][0].file or "", kv[1][0].line or 0)
            ):
                first = items[0]
                where = f"{first.file}:{first.line}" if first.line else (first.file or "-")
                out.append(f"  {first.name}  {first.kind}  {where}".rstrip())
                for item in items:
                    r = item.result
                    value = f" = {self.value_text(r)}" if r.value is not None else ""
                    if r.value == r.focus:
                        value = ""
                    out.append(
                        f"    {severity_name(r.severity):<9} {self.path_text(r)}{value}"
                        f"  [{self.namer.name(r.check)}, {component_name(r.component)}]"
                    )
                    out.append(f"              {self.redactor.text(r.message)}")
        out.append("")
        out.extend(self.completeness_text())
        out.append("")
        verdict = "conforms" if v.conforms else "does not conform"
        out.append(f"Result: the graph {verdict} ({self.summary_line()}).")
        return "\n".join(out) + "\n"

    def completeness_text(self) -> list[str]:
        lines = [
            "Completeness per case: recommended elements (sh:Warning shapes) present / checked",
            f"  {'case':<44} {'checked':>7} {'present':>7} {'not rep.':>8} {'missing':>7} "
            f"{'score':>6}",
        ]
        rows = [*self.cases, totals(self.cases)]
        for row in rows:
            score = f"{row.score:.0%}" if row.score is not None else "-"
            label = self.redactor.text(row.case.label)[:44]
            lines.append(
                f"  {label:<44} {row.checked:>7} {row.count(PRESENT):>7} "
                f"{row.count(NOT_REPORTED):>8} {row.count(MISSING):>7} {score:>6}"
            )
        return lines

    # -- JSON ------------------------------------------------------------------------------

    def as_json(self) -> dict[str, Any]:
        v = self.validation
        results = []
        for item in self.located:
            r = item.result
            results.append(
                {
                    "severity": severity_name(r.severity),
                    "focusNode": str(r.focus) if isinstance(r.focus, URIRef) else None,
                    "focusName": item.name,
                    "kind": item.kind,
                    "file": item.file,
                    "line": item.line,
                    "case": self.redactor.text(item.case.label),
                    "patient": str(item.case.node) if item.case.kind == "patient" else None,
                    "source": str(item.case.source) if item.case.source is not None else None,
                    "path": self.path_text(r) if r.path is not None else None,
                    "value": self.value_text(r) if r.value is not None else None,
                    "withheld": self.redactor.withheld(r.value),
                    "component": str(r.component),
                    "shape": str(r.shape) if isinstance(r.shape, URIRef) else None,
                    "check": str(r.check) if isinstance(r.check, URIRef) else None,
                    "message": self.redactor.text(r.message),
                }
            )
        return {
            "conforms": v.conforms,
            "seconds": round(v.seconds, 3),
            "files": [self._relative(s.path) for s in v.sources],
            "counts": self.counts(),
            "results": results,
            "completeness": [self._case_json(c) for c in self.cases],
        }

    def _case_json(self, row: CaseCompleteness) -> dict[str, Any]:
        return {
            "case": self.redactor.text(row.case.label),
            "patient": str(row.case.node) if row.case.node is not None else None,
            "source": str(row.case.source) if row.case.source is not None else None,
            "checked": row.checked,
            "present": row.count(PRESENT),
            "notReported": row.count(NOT_REPORTED),
            "missing": row.count(MISSING),
            "score": round(row.score, 4) if row.score is not None else None,
            "notReportedElements": {
                self.namer.name(e): n for e, n in row.elements(NOT_REPORTED).items()
            },
            "missingElements": {self.namer.name(e): n for e, n in row.elements(MISSING).items()},
        }

    def json(self) -> str:
        return json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n"

    # -- Markdown --------------------------------------------------------------------------

    def _element_list(self, counts: dict[URIRef, int]) -> str:
        return ", ".join(f"{self.element_label(e)} ({n})" for e, n in counts.items()) or "-"

    def markdown(self) -> str:
        lines = [
            "| case | source | elements checked | present | not in the source | to look for "
            "| completeness | which are not in the source | which to look for |",
            "|---|---|---:|---:|---:|---:|---:|---|---|",
        ]
        for row in [*self.cases, totals(self.cases)]:
            is_total = row.case.node is None and row.case.label == "all cases"
            shown = self.redactor.text(row.case.label)
            label = f"**{shown}**" if is_total else shown
            source = ""
            if row.case.source is not None:
                doi = str(row.case.source).removeprefix("https://doi.org/")
                source = f"[{doi}]({row.case.source})"
            score = f"{row.score:.0%}" if row.score is not None else "-"
            lines.append(
                f"| {label} | {source} | {row.checked} | {row.count(PRESENT)} "
                f"| {row.count(NOT_REPORTED)} | {row.count(MISSING)} | {score} "
                f"| {self._element_list(row.elements(NOT_REPORTED))} "
                f"| {self._element_list(row.elements(MISSING))} |"
            )
        lines.append("")
        lines.append(f"Validation: {self.summary_line(timed=False)}.")
        return "\n".join(lines) + "\n"

    # -- Turtle ----------------------------------------------------------------------------

    def turtle(self) -> str:
        """The SHACL report graph as Turtle, the same bytes for the same input: blank nodes
        get the content-derived labels of :mod:`emkg.skolem` and the statements are written
        sorted by :mod:`emkg.rdfwrite`, as the release files are."""
        from emkg import rdfwrite
        from emkg.skolem import stable_triples

        graph: Graph = self.redactor.graph(self.validation.report_graph())
        prefixes = {str(p): str(n) for p, n in graph.namespaces() if p}
        for prefix, namespace in self.namer.prefixes().items():
            if prefix and prefix not in prefixes and namespace not in prefixes.values():
                prefixes[prefix] = namespace
        triples = stable_triples(_in_stable_order(graph))
        return rdfwrite.turtle(triples, prefixes).decode("utf-8")

    def render(self, fmt: str) -> str:
        if fmt == "text":
            return self.text()
        if fmt == "json":
            return self.json()
        if fmt == "markdown":
            return self.markdown()
        if fmt == "turtle":
            return self.turtle()
        raise InputError(f"unknown report format {fmt!r}", hint="use " + ", ".join(FORMATS))


Triple = tuple[Node, Node, Node]
#: one edge of a blank node: direction (">" out, "<" in), predicate, the other end, the triple
Edge = tuple[str, Node, Node, Triple]


def _in_stable_order(graph: Graph) -> list[Triple]:
    """The triples of ``graph`` in an order that does not depend on its blank nodes' ids.

    :func:`emkg.skolem.stable_labels` names a blank node by its content and anchor, and
    numbers the nodes that share both in the order it meets them. A report's blank nodes
    from the data (time offsets as focus nodes) hold no content in the report, so results on
    two of them can share content and anchor, and then the order decides. Here each blank
    node gets a colour, the stem of its stable name refined by the colours of its neighbours
    both ways until no class splits further, and the triples come out in a depth-first walk,
    each node's edges in colour order. Nodes still alike after the refinement are, in a
    report (results under one report node, sharing leaves), interchangeable: whichever is
    met first, its neighbours are met before the other's, so the numbering, and the text,
    come out the same. (Colour refinement cannot tell apart every pair of nodes that are not
    interchangeable: regular structures defeat it. A report has none that we know of.)
    """
    from emkg.skolem import stable_labels

    triples: list[Triple] = list(graph)
    colour = {node: label[:32] for node, label in stable_labels(triples).items()}
    edges: dict[Node, list[Edge]] = defaultdict(list)
    for triple in triples:
        s, p, o = triple
        if isinstance(s, BNode):
            edges[s].append((">", p, o, triple))
        if isinstance(o, BNode):
            edges[o].append(("<", p, s, triple))

    def of(node: Node) -> str:
        return colour.get(node) or str(node.n3())  # type: ignore[call-overload]

    classes = len(set(colour.values()))
    while True:
        colour = {
            node: hashlib.sha256(
                "\n".join(
                    [of(node), *sorted(f"{d} {p.n3()} {of(m)}" for d, p, m, _ in edges[node])]
                ).encode("utf-8")
            ).hexdigest()
            for node in colour
        }
        refined = len(set(colour.values()))
        if refined == classes:
            break
        classes = refined

    order: list[Triple] = []
    emitted: set[Triple] = set()
    visited: set[Node] = set()

    def walk(start: Node) -> None:
        visited.add(start)
        stack = [iter(sorted(edges[start], key=lambda e: (e[0], e[1].n3(), of(e[2]))))]
        while stack:
            for _d, _p, other, triple in stack[-1]:
                if triple in emitted:
                    continue
                emitted.add(triple)
                order.append(triple)
                if isinstance(other, BNode) and other not in visited:
                    visited.add(other)
                    edge_list = sorted(edges[other], key=lambda e: (e[0], e[1].n3(), of(e[2])))
                    stack.append(iter(edge_list))
                    break
            else:
                stack.pop()

    named = sorted(
        (t for t in triples if not isinstance(t[0], BNode)),
        key=lambda t: (of(t[0]), of(t[1]), of(t[2])),
    )
    for triple in named:
        if triple not in emitted:
            emitted.add(triple)
            order.append(triple)
            if isinstance(triple[2], BNode) and triple[2] not in visited:
                walk(triple[2])
    for node in sorted((n for n in edges if n not in visited), key=of):
        if node not in visited:
            walk(node)
    return order
