"""An in-memory Oxigraph store of the ontology and a synthetic cohort, for the growth tests."""

from __future__ import annotations

import io

import pyoxigraph as ox

from emkg import build
from emkg.synthetic import write_lines


def synthetic_store(patients: int, seed: int) -> ox.Store:
    """The ontology and its imports, and ``patients`` synthetic patients in one named graph."""
    buffer = io.StringIO()
    write_lines(buffer, patients, seed=seed)
    store = ox.Store()
    ontology = build.assemble(kg=[]).serialize(format="nquads", encoding="utf-8")
    store.load(ontology, format=ox.RdfFormat.N_QUADS)
    store.load(
        buffer.getvalue().encode("utf-8"),
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=ox.NamedNode("https://w3id.org/emkg/graph/data/synthetic"),
    )
    return store
