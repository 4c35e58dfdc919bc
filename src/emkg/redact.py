"""Reports never repeat a value they flag as personal data.

Which shapes flag personal data is stated once, in the shapes: a shape (or named SPARQL
constraint) marked ``emkgsh:flagsPersonalData true`` (``shapes/deidentification.ttl``).
For a result of such a shape, every report format shows the property, the check and the
location as usual; in place of the value it shows which pattern of the check matched and
where in the value, with the matched characters masked (digits as 9, letters as a or A):
``pattern of emkgsh:NoSocialSecurityNumber matched characters 9-19 (999-99-9999)``. The
same value is withheld from every message and every other result of the report too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import Graph, Literal, Namespace
from rdflib.namespace import SH
from rdflib.term import Node

from emkg.validate import Validation, ValidationResult

EMKGSH = Namespace("https://w3id.org/emkg/shapes#")
FLAG = EMKGSH.flagsPersonalData
WITHHELD = "[withheld: personal data]"

_SPARQL_REGEX = re.compile(r'REGEX\(\s*(?:STR\(\s*)?\?\w+\s*\)?\s*,\s*"((?:[^"\\]|\\.)*)"')


def mask(text: str) -> str:
    """``text`` with digits as 9, lower-case letters as a, upper-case as A, the rest kept."""
    out = []
    for char in text:
        if char.isdigit():
            out.append("9")
        elif char.isalpha():
            out.append("A" if char.isupper() else "a")
        else:
            out.append(char)
    return "".join(out)


class Redactor:
    """Knows which results flag personal data, and withholds their values everywhere."""

    def __init__(self, validation: Validation) -> None:
        self.shapes = validation.shapes
        self.flagged: set[Node] = set(self.shapes.subjects(FLAG, Literal(True)))
        self.values: set[str] = set()
        for result in validation.results:
            if self.flags(result) and isinstance(result.value, Literal) and str(result.value):
                self.values.add(str(result.value))
        self._ordered = sorted(self.values, key=len, reverse=True)

    def flags(self, result: ValidationResult) -> bool:
        return bool({result.shape, result.constraint, result.check} & self.flagged)

    def withheld(self, value: Node | None) -> bool:
        return isinstance(value, Literal) and str(value) in self.values

    def text(self, text: str) -> str:
        """``text`` with every flagged value replaced by the withheld mark."""
        for value in self._ordered:
            if value in text:
                text = text.replace(value, WITHHELD)
        return text

    # -- which pattern matched --------------------------------------------------------------

    def _patterns(self, result: ValidationResult) -> Iterable[tuple[str, str]]:
        """(regular expression, flags) of the check that produced ``result``."""
        for node in (result.constraint, result.shape):
            if node is None:
                continue
            for select in self.shapes.objects(node, SH.select):
                for match in _SPARQL_REGEX.finditer(str(select)):
                    yield match.group(1), "i"
            holders = [node, *self.shapes.objects(node, SH["not"])]
            for holder in holders:
                for pattern in self.shapes.objects(holder, SH.pattern):
                    flags = self.shapes.value(holder, SH.flags)
                    yield str(pattern), str(flags or "")

    def matched(self, result: ValidationResult, checker: str) -> str:
        """What replaces the value: which pattern matched where, masked; or the check alone."""
        value = str(result.value) if result.value is not None else ""
        for pattern, flags in self._patterns(result):
            try:
                compiled = re.compile(pattern, re.IGNORECASE if "i" in flags else 0)
            except re.error:
                continue
            found = compiled.search(value)
            if found is None:
                continue
            start, end = found.span()
            core = found.group(0).strip(" ,;:()")
            return (
                f"{WITHHELD}; pattern of {checker} matched characters {start + 1}-{end} "
                f"of {len(value)} ({mask(core)})"
            )
        return f"{WITHHELD}; flagged by {checker} ({len(value)} characters)"

    # -- the SHACL report graph -------------------------------------------------------------

    def graph(self, report: Graph) -> Graph:
        """A copy of the SHACL report graph with flagged values and messages withheld."""
        if not self.values:
            return report
        out = Graph()
        for prefix, namespace in report.namespaces():
            out.bind(prefix, namespace, override=False)
        for s, p, o in report:
            if isinstance(o, Literal) and (str(o) in self.values):
                o = Literal(WITHHELD)
            elif p == SH.resultMessage and isinstance(o, Literal):
                o = Literal(self.text(str(o)), lang=o.language)
            out.add((s, p, o))
        return out
