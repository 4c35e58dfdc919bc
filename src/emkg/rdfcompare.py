"""Compare RDF as graphs, not as text: isomorphism by canonical blank-node labelling.

rdflib's isomorphism test needs minutes on a graph with a thousand blank-node provenance
trees; Oxigraph's canonicalisation (Rust) needs a fraction of a second, so releases and
rebuilds are compared with it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from emkg.rdfio import rdf_format

GENID_BASE = "https://w3id.org/emkg/.well-known/genid/"  # as emkg.skolem writes them

_OX_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "json-ld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}


def _blank(term: Any) -> Any:
    """A skolem IRI of the release (``.../.well-known/genid/...``) as the blank node it names."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(GENID_BASE):
        return ox.BlankNode(hashlib.sha256(term.value.encode("utf-8")).hexdigest())
    return term


def canonical_dataset(
    path: Path, *, as_graph: bool = False, unskolemise: bool = False
) -> ox.Dataset:
    """The file's quads with canonical blank-node labels.

    ``as_graph`` drops graph names, so a triple file and a quad file can be compared as the
    union of their triples. ``unskolemise`` turns emkg's skolem IRIs back into blank nodes
    (RDF 1.1, 3.5), so a release compares with the source files it was built from.
    """
    fmt = _OX_FORMATS[rdf_format(Path(path))]
    ds = ox.Dataset()
    for read in ox.parse(path=str(path), format=fmt):
        quad = (
            ox.Quad(_blank(read.subject), read.predicate, _blank(read.object), read.graph_name)
            if unskolemise
            else read
        )
        if as_graph:
            ds.add(ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph()))
        else:
            ds.add(quad)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return ds


def isomorphic_files(
    a: Path, b: Path, *, as_graph: bool = False, unskolemise: bool = False
) -> bool:
    """True when the two files hold the same RDF up to blank-node names (and skolem IRIs,
    with ``unskolemise``)."""
    return canonical_dataset(a, as_graph=as_graph, unskolemise=unskolemise) == canonical_dataset(
        b, as_graph=as_graph, unskolemise=unskolemise
    )
