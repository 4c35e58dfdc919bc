"""The release's store as the exports read it, and the export queries run in it."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from emkg import paths
from emkg.catalogue import QueryEntry, load_catalogue
from emkg.errors import InputError
from emkg.ntriples import is_absolute_iri
from emkg.sparqltext import where_group_start

COLUMNS_FILE = "columns.tsv"


@contextmanager
def open_release_store(release: Path | None) -> Iterator[ox.Store]:
    """The release's on-disk store (``release``, default ``dist/``), opened read-only.

    The rule of :mod:`emkg.release` applies (a missing default release is built first, a
    named folder without a store is an error, a stale release is rebuilt first); nothing is
    parsed, so memory stays flat at any size.
    """
    from emkg.release import open_store

    yield open_store(release)


#: the ids of export queries start with this; the table is named by the rest
TABLE_PREFIX = "table-"


def table_name(entry: QueryEntry) -> str:
    """``table-patients`` -> ``patients``: the name of the table a query makes."""
    return entry.id.removeprefix(TABLE_PREFIX)


def export_queries() -> list[QueryEntry]:
    """The saved queries of ``queries/export/``, sorted by id; each id is ``table-<name>``."""
    entries = load_catalogue().of_kind("export")
    for entry in entries:
        if not entry.id.startswith(TABLE_PREFIX):
            raise InputError(f"export query ids start with {TABLE_PREFIX!r}", path=entry.path)
    return entries


def solutions(store: ox.Store, entry: QueryEntry) -> ox.QuerySolutions:
    result = store.query(entry.text, use_default_graph_as_union=True)
    if not isinstance(result, ox.QuerySolutions):
        raise InputError(f"{entry.id} is not a SELECT query", path=entry.path)
    return result


def restricted(entry: QueryEntry, variable: str, iris: Iterable[str]) -> str:
    """The query's text with ``VALUES ?variable { <iri> ... }`` opening its WHERE group."""
    terms = []
    for iri in iris:
        if not is_absolute_iri(iri):
            raise InputError(f"{iri!r} is not an absolute IRI")
        terms.append(f"<{iri}>")
    start = where_group_start(entry.text)
    block = f"\n  VALUES ?{variable} {{ {' '.join(terms)} }}\n"
    return entry.text[:start] + block + entry.text[start:]


def rows(
    store: ox.Store, entry: QueryEntry, text: str | None = None
) -> Iterator[dict[str, str | None]]:
    """The query's rows as column -> lexical value (IRIs as strings, unbound as None).

    ``text``: the query as sent, when it differs from the saved text (see :func:`restricted`).
    """
    result = store.query(text or entry.text, use_default_graph_as_union=True)
    if not isinstance(result, ox.QuerySolutions):
        raise InputError(f"{entry.id} is not a SELECT query", path=entry.path)
    names = [v.value for v in result.variables]
    variables = result.variables
    for sol in result:
        yield {
            n: (None if (t := sol[v]) is None else str(t.value))
            for n, v in zip(names, variables, strict=True)
        }


@dataclass(frozen=True)
class Column:
    table: str
    name: str
    type: str
    reads: str
    meaning: str


COLUMN_TYPES: tuple[str, ...] = ("iri", "string", "integer", "decimal", "boolean")


def read_columns(entries: list[QueryEntry]) -> list[Column]:
    """``queries/export/columns.tsv``, checked against the export queries' SELECT lists."""
    path = paths.queries_dir() / "export" / COLUMNS_FILE
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            found = [
                (number, row)
                for number, row in enumerate(csv.DictReader(fh, delimiter="\t"), start=2)
            ]
    except OSError as exc:
        raise InputError(f"cannot read the column dictionary: {exc}", path=path) from exc
    columns: list[Column] = []
    for number, row in found:
        col = Column(
            row.get("table") or "",
            row.get("column") or "",
            row.get("type") or "",
            row.get("reads") or "",
            row.get("meaning") or "",
        )
        if col.type not in COLUMN_TYPES:
            raise InputError(
                f"type {col.type!r} is not one of {', '.join(COLUMN_TYPES)}", path=path, line=number
            )
        if not col.reads and not col.meaning:
            raise InputError(
                f"{col.table}.{col.name} needs 'reads' (a property) or a 'meaning'",
                path=path,
                line=number,
            )
        columns.append(col)
    listed = [(c.table, c.name) for c in columns]
    expected = [(table_name(e), c) for e in entries for c in e.columns]
    if sorted(listed) != sorted(expected) or len(set(listed)) != len(listed):
        missing = sorted(set(expected) - set(listed))
        extra = sorted(set(listed) - set(expected))
        raise InputError(
            f"the column dictionary does not match the export queries (missing {missing}, "
            f"not in any query {extra})",
            path=path,
            hint="one row per column of every query in queries/export/",
        )
    return columns


def replace_folder(staging: Path, out: Path) -> None:
    """Put the finished folder ``staging`` in the place of ``out`` (renames only)."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{staging.name.rsplit('-', 1)[-1]}")
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)
