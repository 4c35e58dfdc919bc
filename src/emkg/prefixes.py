"""The prefixes emkg knows: for reading CURIEs given as parameters and for compact display.

OBO identifiers are read and shown the OBO way, ``UBERON:0004628`` for
``http://purl.obolibrary.org/obo/UBERON_0004628``; ``obo:UBERON_0004628`` is read too.
"""

from __future__ import annotations

import re

PREFIXES: dict[str, str] = {
    "emkg": "https://w3id.org/emkg/ontology#",
    "data": "https://w3id.org/emkg/data/",
    "doi": "https://doi.org/",
    "obo": "http://purl.obolibrary.org/obo/",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}

#: OBO ontologies whose identifiers are read as ``PREFIX:LOCAL`` (case-insensitive prefix)
OBO_PREFIXES: frozenset[str] = frozenset(
    {"UBERON", "MONDO", "NCIT", "MAXO", "CHEBI", "HP", "BFO", "RO", "OBI", "UO", "DOID"}
)

_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_.\-]*):([^\s<>\"{}|^`\\]*)$")
_OBO_LOCAL = re.compile(r"^([A-Za-z]+)_([A-Za-z0-9]+)$")


def expand_curie(text: str) -> str | None:
    """The IRI a CURIE stands for, or None when ``text`` is not a CURIE emkg knows."""
    match = _CURIE.match(text.strip())
    if match is None:
        return None
    prefix, local = match.groups()
    if local.startswith("//"):
        return None  # an IRI such as http://..., not a CURIE
    if prefix.upper() in OBO_PREFIXES:
        return f"{PREFIXES['obo']}{prefix.upper()}_{local}"
    base = PREFIXES.get(prefix) or PREFIXES.get(prefix.lower())
    return None if base is None else base + local


def compact(iri: str) -> str:
    """A short form of ``iri`` for display (``UBERON:0004628``, ``emkg:Blinatumomab``)."""
    obo = PREFIXES["obo"]
    if iri.startswith(obo):
        match = _OBO_LOCAL.match(iri[len(obo) :])
        if match:
            return f"{match.group(1)}:{match.group(2)}"
    best = ""
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and len(base) > len(PREFIXES.get(best, "")):
            best = prefix
    if best:
        return f"{best}:{iri[len(PREFIXES[best]) :]}"
    return f"<{iri}>"
