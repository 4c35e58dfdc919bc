"""One representation of SELECT results for every engine, and the normalisation behind it.

Every engine returns a :class:`ResultTable`: the projected variable names in query order
and rows of rdflib terms (``URIRef``, ``Literal``, ``BNode``) or ``None`` for an unbound
variable. Terms are normalised with :func:`normalise_term` so that results from Oxigraph,
rdflib and a remote endpoint compare equal:

* a literal typed ``xsd:string`` becomes a simple literal (the same term in RDF 1.1);
* language tags are lower-cased (BCP 47 tags are case-insensitive);
* every integer type derived from ``xsd:integer`` (``xsd:int``, ``xsd:long``,
  ``xsd:nonNegativeInteger``, ... as Virtuoso returns counts) becomes ``xsd:integer`` in
  canonical form (``"007"`` -> ``"7"``);
* ``xsd:decimal`` values take the canonical lexical form (``"0.660"`` -> ``"0.66"``,
  ``"3"`` -> ``"3.0"``), ``xsd:boolean`` values ``"1"``/``"0"`` become ``"true"``/``"false"``;
* a lexical form that is not valid for its datatype is kept as it is.

Blank nodes keep the engine's label, which differs between engines: saved queries do not
project blank nodes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from emkg.errors import RemoteError

Term = URIRef | Literal | BNode
Row = tuple[Term | None, ...]

INTEGER_TYPES: frozenset[URIRef] = frozenset(
    XSD[name]
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)


@dataclass(frozen=True)
class ResultTable:
    """Columns (variable names, in SELECT order) and rows of normalised terms."""

    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def column(self, name: str) -> list[Term | None]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def records(self) -> list[dict[str, Term | None]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def keys(self, *names: str) -> set[tuple[Term | None, ...]]:
        """The set of distinct value tuples of the named columns (order-free comparison)."""
        indexes = [self.columns.index(n) for n in names]
        return {tuple(row[i] for i in indexes) for row in self.rows}


def canonical_decimal(lexical: str) -> str:
    value = Decimal(lexical.strip())
    if not value.is_finite():
        raise InvalidOperation(lexical)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"
    else:
        text += ".0"
    if text.startswith("-") and Decimal(text) == 0:
        text = text[1:]
    return text


_XSD_STRING = str(XSD.string)
_XSD_DECIMAL = str(XSD.decimal)
_XSD_BOOLEAN = str(XSD.boolean)
_INTEGER_TYPE_NAMES: frozenset[str] = frozenset(str(t) for t in INTEGER_TYPES)


def normalise_literal(lexical: str, datatype: str | None, language: str | None) -> Literal:
    if language:
        return Literal(lexical, lang=language.lower())
    if datatype is None or datatype == _XSD_STRING:
        return Literal(lexical)
    try:
        if datatype in _INTEGER_TYPE_NAMES:
            return Literal(str(int(lexical.strip())), datatype=XSD.integer)
        if datatype == _XSD_DECIMAL:
            return Literal(canonical_decimal(lexical), datatype=XSD.decimal)
        if datatype == _XSD_BOOLEAN:
            text = lexical.strip()
            if text in {"1", "true"}:
                return Literal("true", datatype=XSD.boolean)
            if text in {"0", "false"}:
                return Literal("false", datatype=XSD.boolean)
    except (ValueError, InvalidOperation):
        pass
    return Literal(lexical, datatype=URIRef(datatype))


def normalise_term(term: Term) -> Term:
    """The engine-independent form of ``term`` (see the module documentation)."""
    if isinstance(term, Literal):
        dt = str(term.datatype) if term.datatype is not None else None
        return normalise_literal(str(term), dt, term.language)
    return term


def from_oxigraph(term: Any) -> Term | None:
    """A pyoxigraph term as a normalised rdflib term."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        return normalise_literal(term.value, term.datatype.value, term.language)
    raise TypeError(f"unsupported term in results: {term!r}")


def rows_from_oxigraph(solutions: ox.QuerySolutions) -> tuple[Row, ...]:
    """The rows of a pyoxigraph SELECT result as normalised rdflib terms.

    Each distinct term is converted once per result (a label or a class repeats on many rows).
    """
    variables = solutions.variables
    converted: dict[Any, Term | None] = {None: None}

    def convert(term: Any) -> Term | None:
        if term in converted:
            return converted[term]
        found = converted[term] = from_oxigraph(term)
        return found

    return tuple(tuple(convert(solution[v]) for v in variables) for solution in solutions)


def to_oxigraph(term: Term) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """An rdflib term as a pyoxigraph term (for quads written into a store)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def from_sparql_json(binding: Mapping[str, Any]) -> Term:
    """A term of the SPARQL 1.1 Query Results JSON format as a normalised rdflib term.

    Also reads the ``typed-literal`` type that older Virtuoso releases send.
    """
    kind = binding.get("type")
    value = binding.get("value")
    if not isinstance(value, str):
        raise RemoteError(f"malformed SPARQL JSON result term: {dict(binding)!r}")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in {"literal", "typed-literal"}:
        datatype = binding.get("datatype")
        language = binding.get("xml:lang")
        return normalise_literal(
            value,
            datatype if isinstance(datatype, str) else None,
            language if isinstance(language, str) else None,
        )
    raise RemoteError(f"unknown SPARQL JSON result term type {kind!r}")


def table_from_sparql_json(document: Mapping[str, Any]) -> ResultTable:
    """Read a SPARQL 1.1 Query Results JSON document into a ResultTable."""
    try:
        columns = tuple(str(v) for v in document["head"]["vars"])
        bindings: Sequence[Mapping[str, Any]] = document["results"]["bindings"]
    except (KeyError, TypeError) as exc:
        raise RemoteError("the endpoint's answer is not a SPARQL JSON SELECT result") from exc
    rows = tuple(
        tuple(from_sparql_json(b[c]) if c in b else None for c in columns) for b in bindings
    )
    return ResultTable(columns, rows)
