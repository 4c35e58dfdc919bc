"""Run a saved query: resolve its parameters, bind them, and ask the engine."""

from __future__ import annotations

from collections.abc import Mapping

from emkg.catalogue import QueryEntry
from emkg.engines.base import Engine
from emkg.params import Resolver
from emkg.results import ResultTable, Term


def run_query(
    entry: QueryEntry,
    given: Mapping[str, str] | None,
    engine: Engine,
    resolver: Resolver | None = None,
) -> ResultTable:
    """The results of ``entry`` on ``engine`` with parameters ``given`` (name -> raw value)."""
    resolver = resolver if resolver is not None else Resolver(engine)
    return run_bound(entry, resolver.bindings(entry, given or {}), engine)


def run_bound(entry: QueryEntry, bindings: Mapping[str, Term], engine: Engine) -> ResultTable:
    """The results of ``entry`` with terms already resolved (name -> term)."""
    for name in bindings:
        entry.param(name)
    table = engine.select(entry.text_for(bindings), bindings)
    if table.columns != entry.columns:
        raise AssertionError(f"{entry.id}: engine returned columns {table.columns}")
    return table
