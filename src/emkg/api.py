"""The Python API for notebooks: a saved question's answer as a pandas DataFrame.

::

    import emkg

    sites = emkg.query("cq01", therapy="blinatumomab")   # EM sites found after blinatumomab
    sites[["patientLabel", "siteLabel", "methodLabel", "source"]]
    emkg.query("cq09", patient="Case one")                # one patient's timeline
    emkg.questions()                                      # the saved questions and parameters

Parameters are given by name, as on the command line (``emkg query ID --param NAME=VALUE``):
a label, CURIE or IRI for terms, resolved against the ontology and bound as RDF terms. The
answer has the query's columns in order; every term column is followed by its label column
(``site``, ``siteLabel``). Values are plain Python: IRIs as ``str``, integers as ``int``,
decimals and doubles as ``float``, booleans as ``bool``, other literals as their Python value
(``datetime.date``...) or their text; ``None`` where a column is unbound.

The store is the embedded Oxigraph one, opened once per process (the current release, else
the sources assembled in memory); ``engine="rdflib"``, ``endpoint=URL`` or an engine object
choose another. pandas is an optional extra: ``pip install 'emkg[pandas]'``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Literal, URIRef

from emkg.catalogue import load_catalogue
from emkg.engines import Engine, open_engine
from emkg.errors import UsageError
from emkg.results import ResultTable
from emkg.runner import run_query

if TYPE_CHECKING:
    import pandas

_ENGINES: dict[tuple[str | None, str | None], Engine] = {}


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise UsageError(
            "emkg.query returns a pandas DataFrame, and pandas is not installed",
            hint="pip install 'emkg[pandas]'",
        ) from exc
    return pandas


def python_value(term: object) -> object:
    """An RDF term of a result as a plain Python value."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, Literal):  # a datatype rdflib does not map: keep the text
            return str(term)
        return value
    return term


def _engine(engine: str | Engine | None, endpoint: str | None) -> Engine:
    if engine is not None and not isinstance(engine, str):
        return engine
    key = (engine, endpoint)
    if key not in _ENGINES:
        _ENGINES[key] = open_engine(engine, endpoint=endpoint)
    return _ENGINES[key]


def table(
    ref: str,
    params: Mapping[str, str] | None = None,
    *,
    engine: str | Engine | None = None,
    endpoint: str | None = None,
) -> ResultTable:
    """The answer of saved query ``ref`` (an id or unique prefix) as emkg's result table."""
    entry = load_catalogue().get(ref)
    given = {name: str(value) for name, value in (params or {}).items()}
    for name in given:
        entry.param(name)
    return run_query(entry, given, _engine(engine, endpoint))


def query(
    ref: str,
    params: Mapping[str, str] | None = None,
    *,
    engine: str | Engine | None = None,
    endpoint: str | None = None,
    **named: str,
) -> pandas.DataFrame:
    """The answer of saved query ``ref`` as a DataFrame: one column per SELECT variable.

    ``emkg.query("cq01", therapy="blinatumomab")``; parameters may also come as a mapping
    (``params={"therapy": "CAR-T"}``).
    """
    pd = _pandas()
    given = {**(params or {}), **named}
    result = table(ref, given, engine=engine, endpoint=endpoint)
    rows = [[python_value(term) for term in row] for row in result.rows]
    return pd.DataFrame(rows, columns=list(result.columns))


def questions() -> pandas.DataFrame:
    """The saved queries: id, kind, title, description and parameters (with defaults)."""
    pd = _pandas()
    rows = [
        {
            "id": e.id,
            "kind": e.kind,
            "title": e.title,
            "description": e.description,
            "parameters": "; ".join(p.summary() for p in e.params),
        }
        for e in load_catalogue()
    ]
    return pd.DataFrame(rows, columns=["id", "kind", "title", "description", "parameters"])
