"""Query engines behind one interface: embedded Oxigraph (default), rdflib, a remote endpoint.

``open_engine("oxigraph")`` loads the release ``dist/emkg.nq`` when it is current and
otherwise assembles ontology, imports and ``kg/`` in memory; ``open_engine("rdflib")``
assembles them into rdflib's union graph; ``open_engine(endpoint=URL)`` talks to a SPARQL
1.1 endpoint. All return :class:`emkg.results.ResultTable` with the same normalisation.
"""

from __future__ import annotations

from emkg.engines.base import Engine
from emkg.engines.embedded import OxigraphEngine, RdflibEngine, open_oxigraph, open_rdflib
from emkg.engines.endpoint import EndpointEngine
from emkg.errors import UsageError

ENGINE_NAMES: tuple[str, ...] = ("oxigraph", "rdflib")

__all__ = [
    "ENGINE_NAMES",
    "EndpointEngine",
    "Engine",
    "OxigraphEngine",
    "RdflibEngine",
    "open_engine",
]


def open_engine(name: str | None = None, *, endpoint: str | None = None) -> Engine:
    """The engine called ``name`` (default oxigraph), or the endpoint at ``endpoint``."""
    if endpoint is not None:
        if name is not None:
            raise UsageError("give either --engine or --endpoint, not both")
        return EndpointEngine.from_environment(endpoint)
    chosen = name or "oxigraph"
    if chosen == "oxigraph":
        return open_oxigraph()
    if chosen == "rdflib":
        return open_rdflib()
    raise UsageError(f"unknown engine {chosen!r}", hint="use one of " + ", ".join(ENGINE_NAMES))
