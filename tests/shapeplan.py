"""The oxigraph engine's plan of one shapes graph, made once for a test module.

The oxigraph engine compiles the shapes into its queries (a ``Plan``) at each validation, about
0.07 s of CPU. A test module that validates many fixtures with one shapes graph has that plan
made once, by the engine's own ``Plan``, and each of its validations runs it (``Plan.run`` reads
a plan, never changes it). What is compiled, run and checked is the same; any other shapes
graph, or this one once changed, still gets a plan of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from rdflib import Graph

from emkg import shacl_oxigraph


@contextmanager
def compiled_once(shapes: Graph) -> Iterator[None]:
    """Within the block, validations with ``shapes`` run the one plan made here."""
    real = shacl_oxigraph.Plan
    plan, size = real(shapes), len(shapes)

    def compiled(graph: Graph) -> shacl_oxigraph.Plan:
        return plan if graph is shapes and len(graph) == size else real(graph)

    with pytest.MonkeyPatch.context() as env:
        env.setattr(shacl_oxigraph, "Plan", compiled)
        yield
