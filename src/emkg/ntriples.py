"""Terms written as N-Triples by rdflib's own serialiser, and IRIs checked before use.

Query text never receives a user's value by string formatting. Where a term must be written
into text (the VALUES block sent to a remote endpoint, the TSV result format), it is
written by rdflib's N-Triples serialiser, which escapes quotes, backslashes and line
breaks in literals; IRIs are checked first against the characters that SPARQL and
N-Triples forbid in an IRI (``<>"{}|^`\\``, spaces and control characters), so that no
value can close the term it is written in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import BNode, Graph, Literal, URIRef

from emkg.errors import InputError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20\x7f]')
_SUBJECT = URIRef("urn:emkg:s")
_PREDICATE = URIRef("urn:emkg:p")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_absolute_iri(text: str) -> bool:
    """True when ``text`` has a scheme and no character an IRI may not hold."""
    return bool(_SCHEME.match(text)) and not _FORBIDDEN.search(text)


def checked_iri(text: str) -> URIRef:
    """``text`` as an IRI, or InputError when it is not an absolute IRI."""
    if not is_absolute_iri(text):
        bad = sorted({c for c in text if _FORBIDDEN.match(c)})
        detail = f" (it holds {', '.join(repr(c) for c in bad)})" if bad else ""
        raise InputError(
            f"{text!r} is not an absolute IRI{detail}",
            hint="give an IRI such as https://w3id.org/emkg/ontology#Blinatumomab, "
            "a CURIE such as emkg:Blinatumomab, or a label",
        )
    return URIRef(text)


def nt_term(term: URIRef | Literal | BNode) -> str:
    """``term`` in N-Triples syntax, written by rdflib's N-Triples serialiser."""
    if isinstance(term, BNode):
        raise InputError("a blank node cannot be bound as a parameter")
    if isinstance(term, URIRef):
        checked_iri(str(term))
    graph = Graph()
    graph.add((_SUBJECT, _PREDICATE, term))
    line = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").strip()
    prefix = f"<{_SUBJECT}> <{_PREDICATE}> "
    if not (line.startswith(prefix) and line.endswith(" .")):
        raise InputError(f"cannot write {term!r} as N-Triples")
    return line[len(prefix) : -2]


def values_clause(bindings: Mapping[str, URIRef | Literal | BNode]) -> str:
    """A one-row SPARQL VALUES block binding each variable to its term.

    Appended after the query (the query's outer VALUES clause), it restricts the results
    to the rows where each variable holds the given term.
    """
    if not bindings:
        return ""
    names = list(bindings)
    for name in names:
        if not _VARIABLE.match(name):
            raise InputError(f"{name!r} is not a SPARQL variable name")
    variables = " ".join(f"?{n}" for n in names)
    terms = " ".join(nt_term(bindings[n]) for n in names)
    return f"VALUES ({variables}) {{ ({terms}) }}"
