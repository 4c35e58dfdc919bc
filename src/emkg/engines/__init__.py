"""Query engines behind one interface: embedded Oxigraph (default), rdflib, a remote endpoint.

``open_engine("oxigraph")`` opens the release's on-disk store read-only (``dist/store``, or
``release/store``; see :mod:`emkg.release` for when it is built first or reported stale);
``open_engine("rdflib")`` reads the same store into rdflib's union graph;
``open_engine(endpoint=URL)`` talks to a SPARQL 1.1 endpoint. All return
:class:`emkg.results.ResultTable` with the same normalisation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emkg.engines.base import VALUES_PLACEMENTS, VALUES_VAR, Engine
from emkg.errors import UsageError

if TYPE_CHECKING:
    from emkg.engines.embedded import OxigraphEngine, RdflibEngine
    from emkg.engines.endpoint import EndpointEngine

_LAZY = {
    "OxigraphEngine": "emkg.engines.embedded",
    "RdflibEngine": "emkg.engines.embedded",
    "EndpointEngine": "emkg.engines.endpoint",
}


def __getattr__(name: str) -> Any:
    """The engine classes, imported on first use: a command imports only the one it runs."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'emkg.engines' has no attribute {name!r}")


ENGINE_NAMES: tuple[str, ...] = ("oxigraph", "rdflib")

__all__ = [
    "ENGINE_NAMES",
    "VALUES_PLACEMENTS",
    "EndpointEngine",
    "Engine",
    "OxigraphEngine",
    "RdflibEngine",
    "open_engine",
]


def open_engine(
    name: str | None = None,
    *,
    endpoint: str | None = None,
    values: str | None = None,
    release: Path | None = None,
    timeout: float | None = None,
) -> Engine:
    """The engine called ``name`` (default oxigraph), or the endpoint at ``endpoint``.

    ``values`` places the endpoint's parameter VALUES block (``outer`` or ``inline``); it
    defaults to ``EMKG_SPARQL_VALUES`` or ``inline``. ``release`` is the release folder the
    embedded engines read (default ``dist/``).
    """
    if endpoint is not None:
        if name is not None or release is not None:
            raise UsageError("give either --engine/--release or --endpoint, not both")
        from emkg.engines.endpoint import EndpointEngine

        placement = values or os.environ.get(VALUES_VAR) or "inline"
        if timeout is not None:
            return EndpointEngine.from_environment(endpoint, values=placement, timeout=timeout)
        return EndpointEngine.from_environment(endpoint, values=placement)
    if values is not None:
        raise UsageError("--values applies to --endpoint only")
    if timeout is not None:
        raise UsageError("--timeout applies to --endpoint only")
    chosen = name or "oxigraph"
    if chosen == "oxigraph":
        from emkg.engines.embedded import open_oxigraph

        return open_oxigraph(release)
    if chosen == "rdflib":
        from emkg.engines.embedded import open_rdflib

        return open_rdflib(release)
    raise UsageError(f"unknown engine {chosen!r}", hint="use one of " + ", ".join(ENGINE_NAMES))
