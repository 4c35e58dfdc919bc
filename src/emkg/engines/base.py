"""The interface every query engine implements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from emkg.results import ResultTable, Term

#: where a remote endpoint's parameter VALUES block goes (:mod:`emkg.engines.endpoint`)
VALUES_PLACEMENTS: tuple[str, ...] = ("outer", "inline")
#: the environment variable that sets it
VALUES_VAR = "EMKG_SPARQL_VALUES"


class Engine(Protocol):
    """Runs SPARQL 1.1 SELECT queries over the whole emkg dataset (all named graphs).

    ``bindings`` maps a variable name (without ``?``) to the term it must hold. Each engine
    binds through its own binding mechanism, never by pasting text into the query; the
    variable must appear in the query's SELECT list.
    """

    name: str

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> ResultTable:
        """Run a SELECT query and return its normalised results."""
        ...

    def describe(self) -> str:
        """One line saying which engine answers and over which data."""
        ...
