"""Compare RDF as graphs, not as text: isomorphism by canonical blank-node labelling.

rdflib's isomorphism test needs minutes on a graph with a thousand blank-node provenance
trees; Oxigraph's canonicalisation (Rust) needs a fraction of a second, so releases and
rebuilds are compared with it.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from emkg.rdfio import rdf_format

_OX_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "json-ld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}


def canonical_dataset(path: Path, *, as_graph: bool = False) -> ox.Dataset:
    """The file's quads with canonical blank-node labels.

    ``as_graph`` drops graph names, so a triple file and a quad file can be compared as the
    union of their triples.
    """
    fmt = _OX_FORMATS[rdf_format(Path(path))]
    ds = ox.Dataset()
    for quad in ox.parse(path=str(path), format=fmt):
        if as_graph:
            ds.add(ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph()))
        else:
            ds.add(quad)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return ds


def isomorphic_files(a: Path, b: Path, *, as_graph: bool = False) -> bool:
    """True when the two files hold the same RDF up to blank-node names."""
    return canonical_dataset(a, as_graph=as_graph) == canonical_dataset(b, as_graph=as_graph)
