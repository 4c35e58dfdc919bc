"""``emkg export tables``: tidy CSV (and Parquet) tables with a data dictionary.

Each saved query of ``queries/export/`` is run in the store and its results are written by
Oxigraph itself as SPARQL 1.1 CSV (W3C "SPARQL 1.1 Query Results CSV and TSV Formats"): one
row per entity (or per link of a many-to-many relation, such as a finding and a method),
IRIs and labels in separate columns, literals as their lexical form, unbound as an empty
cell. Nothing is looped over in Python but the rows of the dictionary.

``dictionary.csv`` has one row per column: table, column, type, the pandas dtype to read it
with, its meaning (the ontology definition of the property it reads, from the store, or the
meaning stated in ``queries/export/columns.tsv``) and, for a column whose property ranges
over a value set of the ontology, the allowed values. Parquet files (one per table, typed as
the dictionary says) are written where pyarrow is installed.

The output folder is replaced whole, atomically: the tables are written to a staging folder
beside it, which then takes its place.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from emkg.catalogue import QueryEntry
from emkg.errors import InputError
from emkg.export.store import (
    Column,
    export_queries,
    read_columns,
    replace_folder,
    rows,
    solutions,
    table_name,
)
from emkg.prefixes import compact, expand_curie

PANDAS_DTYPES: dict[str, str] = {
    "iri": "string",
    "string": "string",
    "integer": "Int64",
    "decimal": "Float64",
    "boolean": "boolean",
}
DICTIONARY = "dictionary.csv"

_PROPERTY_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
SELECT ?property ?definition ?member ?memberLabel WHERE {
  VALUES ?property { %s }
  OPTIONAL { ?property skos:definition ?definition . }
  OPTIONAL {
    ?property rdfs:range ?range .
    ?member a ?range , owl:NamedIndividual .
    OPTIONAL { ?member rdfs:label ?memberLabel . }
  }
}
"""

Out = Callable[[str], None]


@dataclass(frozen=True)
class TablesResult:
    folder: Path
    counts: dict[str, int]
    parquet: bool


def _describe(store: ox.Store, columns: list[Column]) -> dict[str, tuple[str, list[str]]]:
    """property CURIE -> (definition, allowed values) read from the store."""
    curies = sorted({c.reads for c in columns if c.reads and c.reads != "rdfs:label"})
    iris = {}
    for curie in curies:
        iri = expand_curie(curie)
        if iri is None:
            raise InputError(f"columns.tsv: {curie!r} is not a CURIE emkg knows")
        iris[iri] = curie
    values = " ".join(f"<{iri}>" for iri in iris)
    found: dict[str, tuple[str, set[str]]] = {c: ("", set()) for c in curies}
    result = store.query(_PROPERTY_QUERY % values, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    for sol in result:
        curie = iris[str(sol["property"].value)]
        definition, members = found[curie]
        if sol["definition"] is not None and not definition:
            definition = str(sol["definition"].value)
        if sol["member"] is not None:
            label = sol["memberLabel"]
            short = compact(str(sol["member"].value))
            members.add(f"{short} ({label.value})" if label is not None else short)
        found[curie] = (definition, members)
    return {c: (d, sorted(m)) for c, (d, m) in found.items()}


def dictionary_rows(store: ox.Store, columns: list[Column]) -> list[dict[str, str]]:
    described = _describe(store, columns)
    out = []
    for col in columns:
        if col.reads == "rdfs:label":
            meaning = col.meaning or f"The label (rdfs:label) of {col.name.removesuffix('Label')}."
            allowed: list[str] = []
        elif col.reads:
            definition, allowed = described[col.reads]
            meaning = col.meaning or definition or f"The value of {col.reads}."
        else:
            meaning, allowed = col.meaning, []
        out.append(
            {
                "table": col.table,
                "column": col.name,
                "type": col.type,
                "pandas_dtype": PANDAS_DTYPES[col.type],
                "property": col.reads,
                "meaning": meaning,
                "allowed_values": "; ".join(allowed),
            }
        )
    return out


def _write_parquet(csv_path: Path, columns: list[Column]) -> None:
    import pyarrow as pa
    from pyarrow import csv as pacsv
    from pyarrow import parquet as pq

    types = {
        "iri": pa.string(),
        "string": pa.string(),
        "integer": pa.int64(),
        "decimal": pa.float64(),
        "boolean": pa.bool_(),
    }
    table = pacsv.read_csv(
        csv_path,
        convert_options=pacsv.ConvertOptions(
            column_types={c.name: types[c.type] for c in columns},
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
    )
    pq.write_table(table, csv_path.with_suffix(".parquet"))


def _has_pyarrow() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def write_tables(
    store: ox.Store, out: Path, *, parquet: bool | None = None, log: Out = print
) -> TablesResult:
    """Every export table of ``store`` into ``out`` (replaced whole, atomically)."""
    entries: list[QueryEntry] = export_queries()
    columns = read_columns(entries)
    by_table: dict[str, list[Column]] = {}
    for col in columns:
        by_table.setdefault(col.table, []).append(col)
    want_parquet = _has_pyarrow() if parquet is None else parquet
    if want_parquet and not _has_pyarrow():
        raise InputError("Parquet needs pyarrow", hint="pip install 'emkg[parquet]'")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        counts: dict[str, int] = {}
        for entry in entries:
            name = table_name(entry)
            path = staging / f"{name}.csv"
            solutions(store, entry).serialize(output=str(path), format=ox.QueryResultsFormat.CSV)
            counts[name] = _count_rows(path)
            if want_parquet:
                _write_parquet(path, by_table[name])
            log(f"  {name}: {counts[name]} rows")
        with (staging / DICTIONARY).open("w", encoding="utf-8", newline="") as fh:
            fields = ["table", "column", "type", "pandas_dtype", "property", "meaning"]
            writer = csv.DictWriter(fh, fieldnames=[*fields, "allowed_values"])
            writer.writeheader()
            writer.writerows(dictionary_rows(store, columns))
        replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return TablesResult(out, counts, want_parquet)


__all__ = ["DICTIONARY", "PANDAS_DTYPES", "TablesResult", "dictionary_rows", "rows", "write_tables"]
