"""Turn parameter values given on the command line into RDF terms.

A ``class`` or ``term`` parameter accepts

* an IRI (``https://w3id.org/emkg/ontology#Blinatumomab`` or ``<...>``),
* a CURIE: ``emkg:Blinatumomab``, ``UBERON:0004628``, or an external identifier that an
  ontology term is mapped to with ``skos:exactMatch``/``skos:closeMatch``
  (``NCIT:C15313`` -> radiotherapy),
* a label or alternative label (``blinatumomab``, ``CAR-T``, ``lymph node``), compared
  case-insensitively.

The value is resolved against the ontology and its imports as the engine holds them: one
SPARQL query reads the engine's table of classes and named individuals with their
``rdfs:label``, ``skos:altLabel`` and mapped identifiers (lower-cased in the store), and
the value is matched against it. A value that matches no term, or several, is an
:class:`InputError` listing the closest labels. An ``iri`` parameter takes an IRI or CURIE
of an instance (a patient), or a label (``rdfs:label``, ``skos:altLabel``,
``emkg:caseLabel``) of an instance of the class named by ``of``. ``string``, ``integer``,
``decimal`` and ``boolean`` parameters become typed literals. The value never enters the
query text: the runner hands the terms to the engine's binding API.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from emkg.catalogue import Param, QueryEntry
from emkg.engines.base import Engine
from emkg.errors import InputError
from emkg.ntriples import checked_iri, is_absolute_iri
from emkg.prefixes import PREFIXES, compact, expand_curie
from emkg.results import Term, canonical_decimal

_PROLOGUE = "\n".join(
    f"PREFIX {p}: <{PREFIXES[p]}>" for p in ("emkg", "rdf", "rdfs", "owl", "skos")
)

_TERM_ROWS = """
  { ?term a owl:Class . BIND("class" AS ?kind) }
  UNION
  { ?term a owl:NamedIndividual . BIND("individual" AS ?kind) }
  FILTER(isIRI(?term))
  OPTIONAL {
    { ?term rdfs:label ?value . BIND("label" AS ?how) }
    UNION { ?term skos:altLabel ?value . BIND("altLabel" AS ?how) }
    UNION { ?term skos:exactMatch ?value . BIND("exactMatch" AS ?how) }
    UNION { ?term skos:closeMatch ?value . BIND("closeMatch" AS ?how) }
    BIND(STR(?value) AS ?text)
    BIND(LCASE(STR(?value)) AS ?key)
  }
"""

#: every class and named individual with its labels and mapped identifiers
TERM_TABLE_QUERY = f"{_PROLOGUE}\nSELECT ?term ?kind ?how ?text ?key WHERE {{{_TERM_ROWS}}}\n"

#: the rows of that table that can match one value (``?wanted``): the term it names as an
#: IRI, and the terms one of whose labels or mapped identifiers equals it ignoring case.
#: The store does the matching, so resolving a value reads a few rows, not the whole table.
TERM_MATCH_QUERY = (
    f"{_PROLOGUE}\nSELECT ?term ?kind ?how ?text ?key ?wanted WHERE {{{_TERM_ROWS}"
    "  FILTER(?key = LCASE(?wanted) || STR(?term) = ?wanted)\n}\n"
)

INSTANCE_TABLE_QUERY = (
    _PROLOGUE
    + """
SELECT ?term ?class ?text ?key WHERE {
  ?term a ?class .
  { ?term rdfs:label ?value }
  UNION { ?term skos:altLabel ?value }
  UNION { ?term emkg:caseLabel ?value }
  BIND(STR(?value) AS ?text)
  BIND(LCASE(STR(?value)) AS ?key)
}
"""
)

INSTANCE_OF_QUERY = "SELECT ?term ?class WHERE { ?term a ?class }"
SUBJECT_QUERY = "SELECT ?term WHERE { ?term ?p ?o } LIMIT 1"

#: which kinds of term each parameter type accepts
_KINDS = {"class": {"class"}, "term": {"class", "individual"}}
_LABEL_RANK = ("label", "altLabel")
_MAPPING_RANK = ("exactMatch", "closeMatch")


@dataclass
class TermTable:
    """Classes and named individuals with their labels and mapped identifiers."""

    kinds: dict[str, set[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # term -> its rdfs:label
    by_key: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (how, key) -> terms

    def add(self, term: str, kind: str, how: str | None, text: str | None, key: str | None) -> None:
        self.kinds.setdefault(term, set()).add(kind)
        if how is None or text is None:
            return
        if how == "label":
            self.labels.setdefault(term, text)
        # lower-cased as the store's match query does (SPARQL LCASE), not casefolded: the same
        # value resolves alike on every engine ("STRASSE" does not name "Straße")
        folded = (text if how in _MAPPING_RANK else (key or text)).lower()
        self.by_key.setdefault((how, folded), set()).add(term)

    def accepts(self, term: str, kinds: set[str]) -> bool:
        return bool(self.kinds.get(term, set()) & kinds)

    def display(self, term: str) -> str:
        label = self.labels.get(term)
        return f"{label!r} ({compact(term)})" if label else compact(term)


def _as_iri(raw: str) -> str | None:
    """The IRI ``raw`` names, when it is written as an IRI or a known CURIE."""
    text = raw.strip()
    if text.startswith("<") and text.endswith(">"):
        return str(checked_iri(text[1:-1]))
    curie = expand_curie(text)
    if curie is not None:
        return str(checked_iri(curie))
    if is_absolute_iri(text) and "://" in text:
        return text
    return None


class Resolver:
    """Resolves parameter values against what one engine holds (tables read once)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._terms: TermTable | None = None

    def term_table(self) -> TermTable:
        """Every class and named individual with its labels (read once, then kept)."""
        if self._terms is None:
            self._terms = _term_table(self.engine.select(TERM_TABLE_QUERY).rows)
        return self._terms

    def _candidates(self, wanted: str) -> TermTable:
        """The part of the term table that can match ``wanted`` (one query, a few rows).

        Where the targeted query would read the whole table anyway, the table is read
        instead, once, and kept for the next values: an outer VALUES clause binds ?wanted
        after the FILTER has run, and rdflib's engine filters only after reading every row
        (on the curated graph the match query took 0.5 s of CPU there, the table 0.6 s).
        """
        if (
            self._terms is not None
            or getattr(self.engine, "values", None) == "outer"
            or getattr(self.engine, "filters_after_scan", False)
        ):
            return self.term_table()
        rows = self.engine.select(TERM_MATCH_QUERY, {"wanted": Literal(wanted)}).rows
        return _term_table(row[:5] for row in rows)

    # -- classes and named individuals ------------------------------------------------
    def resolve_term(self, raw: str, ptype: str, name: str = "value") -> URIRef:
        kinds = _KINDS[ptype]
        what = "an ontology class" if ptype == "class" else "an ontology term"
        iri = _as_iri(raw)
        # the terms that can match (found by the store); the error messages below read the
        # whole table, for the labels of ambiguous terms and the closest labels
        table = self._candidates(iri if iri is not None else raw.strip())
        if iri is not None:
            if table.accepts(iri, kinds):
                return URIRef(iri)
            for how in _MAPPING_RANK:
                mapped = table.by_key.get((how, iri.lower()), set())
                found = {t for t in mapped if table.accepts(t, kinds)}
                if len(found) == 1:
                    return URIRef(found.pop())
                if found:
                    raise self._ambiguous(name, raw, found, f"mapped by skos:{how}")
            raise InputError(
                f"parameter {name}: {raw!r} is not {what} in the ontology or its imports",
                hint=self._suggest(raw, self.term_table(), kinds),
            )
        key = raw.strip().lower()
        for how in _LABEL_RANK:
            found = {t for t in table.by_key.get((how, key), set()) if table.accepts(t, kinds)}
            if len(found) == 1:
                return URIRef(found.pop())
            if found:
                raise self._ambiguous(name, raw, found, f"with that {how}")
        raise InputError(
            f"parameter {name}: {raw!r} is not the label of {what}",
            hint=self._suggest(raw, self.term_table(), kinds),
        )

    def _ambiguous(self, name: str, raw: str, found: set[str], how: str) -> InputError:
        table = self.term_table()
        listed = "; ".join(sorted(table.display(t) for t in found))
        return InputError(
            f"parameter {name}: {raw!r} is ambiguous: {len(found)} terms {how}: {listed}",
            hint="give the CURIE or IRI of the one you mean",
        )

    @staticmethod
    def _suggest(raw: str, table: TermTable, kinds: set[str]) -> str:
        choices: dict[str, set[str]] = {}
        for (how, key), terms in table.by_key.items():
            if how in _LABEL_RANK:
                for t in terms:
                    if table.accepts(t, kinds):
                        choices.setdefault(key, set()).add(t)
        close = difflib.get_close_matches(raw.strip().casefold(), list(choices), n=5, cutoff=0.6)
        if not close:
            return "give a label, a CURIE (emkg:..., UBERON:..., NCIT:...) or an IRI"
        shown = [f"{k!r} = " + ", ".join(sorted(compact(t) for t in choices[k])) for k in close]
        return "close matches: " + "; ".join(shown)

    # -- instances ------------------------------------------------------------------
    def resolve_instance(self, raw: str, of: str | None, name: str = "value") -> URIRef:
        cls = None
        if of is not None:
            cls_iri = _as_iri(of)
            if cls_iri is None:
                raise InputError(f"parameter {name}: 'of' must be a CURIE or IRI, not {of!r}")
            cls = URIRef(cls_iri)
        iri = _as_iri(raw)
        if iri is not None:
            term = URIRef(iri)
            if cls is not None:
                hit = self.engine.select(INSTANCE_OF_QUERY, {"term": term, "class": cls})
            else:
                hit = self.engine.select(SUBJECT_QUERY, {"term": term})
            if len(hit):
                return term
            raise InputError(
                f"parameter {name}: {raw!r} is not "
                + (f"an instance of {compact(str(cls))}" if cls else "in the graph"),
                hint=self._instance_hint(raw, cls),
            )
        if cls is None:
            raise InputError(
                f"parameter {name}: {raw!r} is not an IRI or CURIE", hint="give an IRI or a CURIE"
            )
        table = self.engine.select(INSTANCE_TABLE_QUERY, {"class": cls})
        key = raw.strip().lower()
        found = {str(t) for t, _c, _x, k in table.rows if k is not None and str(k).lower() == key}
        if len(found) == 1:
            return URIRef(found.pop())
        if found:
            raise InputError(
                f"parameter {name}: {raw!r} names {len(found)} instances of {compact(str(cls))}: "
                + ", ".join(sorted(compact(t) for t in found)),
                hint="give the IRI or CURIE (data:...) of the one you mean",
            )
        raise InputError(
            f"parameter {name}: no instance of {compact(str(cls))} is called {raw!r}",
            hint=self._instance_hint(raw, cls),
        )

    def _instance_hint(self, raw: str, cls: URIRef | None) -> str:
        if cls is None:
            return "give the IRI of a node in the graph"
        rows = self.engine.select(INSTANCE_TABLE_QUERY, {"class": cls}).rows
        named = sorted({(str(x), str(t)) for t, _c, x, _k in rows if x is not None})
        by_text: dict[str, set[str]] = {}
        for text, term in named:
            by_text.setdefault(text.casefold(), set()).add(f"{text!r} ({compact(term)})")
        close = difflib.get_close_matches(raw.strip().casefold(), list(by_text), n=5, cutoff=0.3)
        shown = sorted(s for key in close for s in by_text[key])
        if not shown:
            shown = [f"{text!r} ({compact(term)})" for text, term in named[:8]]
        return "candidates: " + "; ".join(shown)

    # -- any parameter ----------------------------------------------------------------
    def resolve(self, param: Param, raw: str) -> Term:
        if param.type in _KINDS:
            return self.resolve_term(raw, param.type, param.name)
        if param.type == "iri":
            return self.resolve_instance(raw, param.of, param.name)
        return literal_value(param, raw)

    def bindings(self, entry: QueryEntry, given: Mapping[str, str]) -> dict[str, Term]:
        """The terms to bind for ``entry``: given values, else the query's defaults.

        Unknown parameter names fail.
        """
        for name in given:
            entry.param(name)
        out: dict[str, Term] = {}
        for param in entry.params:
            if param.name in given:
                out[param.name] = self.resolve(param, given[param.name])
            elif param.default_term is not None:
                # the query's own default (its opening VALUES block), as the store reads it
                out[param.name] = param.default_term
        return out


def _term_table(rows: Iterable[Sequence[Term | None]]) -> TermTable:
    """A :class:`TermTable` from rows of ``TERM_TABLE_QUERY``'s columns."""
    table = TermTable()
    for term, kind, how, text, key in rows:
        if isinstance(term, URIRef) and kind is not None:
            table.add(
                str(term),
                str(kind),
                None if how is None else str(how),
                None if text is None else str(text),
                None if key is None else str(key),
            )
    return table


def literal_value(param: Param, raw: str) -> Literal:
    """A string, integer, decimal or boolean parameter as a typed literal."""
    try:
        if param.type == "string":
            return Literal(raw)
        if param.type == "integer":
            return Literal(str(int(raw.strip())), datatype=XSD.integer)
        if param.type == "decimal":
            return Literal(canonical_decimal(raw), datatype=XSD.decimal)
        if param.type == "boolean":
            lowered = raw.strip().lower()
            if lowered in {"true", "yes", "1"}:
                return Literal("true", datatype=XSD.boolean)
            if lowered in {"false", "no", "0"}:
                return Literal("false", datatype=XSD.boolean)
            raise ValueError(raw)
    except (ValueError, ArithmeticError) as exc:
        raise InputError(f"parameter {param.name}: {raw!r} is not a valid {param.type}") from exc
    raise InputError(f"parameter {param.name}: unknown type {param.type!r}")


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """``["therapy=blinatumomab", ...]`` as a dict; a name given twice is an error."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(
                f"--param {item!r} is not NAME=VALUE", hint="e.g. --param therapy=blinatumomab"
            )
        if name in out:
            raise InputError(f"--param {name} is given twice")
        out[name] = value
    return out
