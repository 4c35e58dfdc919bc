"""Write a ResultTable as a terminal table, CSV, TSV or SPARQL 1.1 Query Results JSON.

* ``json``: the SPARQL 1.1 Query Results JSON Format (``head.vars``, ``results.bindings``;
  a literal carries ``datatype`` or ``xml:lang`` when it has one).
* ``csv``: the SPARQL 1.1 CSV format: IRIs and literals as plain text, CRLF line ends.
* ``tsv``: the SPARQL 1.1 TSV format: ``?var`` headers, terms in N-Triples syntax (tabs and
  line breaks inside literals escaped).
* ``table``: for people: IRIs shown compactly (``UBERON:0004628``, ``emkg:Blinatumomab``),
  literals as their text, cells cut (``…``) so that every line fits the terminal width;
  when the columns cannot all be shown at a readable width, each row is printed as a block
  of ``column  value`` lines instead.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from typing import Any

from rdflib import BNode, Literal, URIRef

from emkg.ntriples import nt_term
from emkg.prefixes import compact
from emkg.results import ResultTable, Term

FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json")
_MIN_CELL = 6
_READABLE = 12  # below this many characters per column, print one block per row
_ELLIPSIS = "…"


def json_term(term: Term) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


def to_json(table: ResultTable) -> str:
    document: dict[str, Any] = {
        "head": {"vars": list(table.columns)},
        "results": {
            "bindings": [
                {c: json_term(v) for c, v in zip(table.columns, row, strict=True) if v is not None}
                for row in table.rows
            ]
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _plain(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def to_csv(table: ResultTable) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_plain(v) for v in row])
    return buffer.getvalue()


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return nt_term(term).replace("\t", "\\t")


def to_tsv(table: ResultTable) -> str:
    lines = ["\t".join(f"?{c}" for c in table.columns)]
    lines += ["\t".join(_tsv_term(v) for v in row) for row in table.rows]
    return "\n".join(lines) + "\n"


def _cell(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return compact(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    text = str(term) if isinstance(term, Literal) else repr(term)
    return " ".join(text.split())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + _ELLIPSIS


def _widths(natural: list[int], available: int) -> list[int]:
    """Column widths that fit ``available`` characters, taking from the widest first."""
    widths = list(natural)
    while sum(widths) > available and max(widths) > _MIN_CELL:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _expanded(table: ResultTable, cells: list[list[str]], total: int) -> str:
    """One block per row, one line per column: for results too wide for columns."""
    key_width = max(len(c) for c in table.columns)
    value_width = max(8, total - key_width - 2)
    out: list[str] = []
    for number, row in enumerate(cells, start=1):
        out.append(f"-[ row {number} ]".ljust(total, "-"))
        out += [
            f"{c.ljust(key_width)}  {_cut(v, value_width)}".rstrip()
            for c, v in zip(table.columns, row, strict=True)
        ]
    return "\n".join(out)


def to_table(table: ResultTable, width: int | None = None) -> str:
    """Columns when they fit the terminal at a readable width, else one block per row."""
    total = width if width is not None else shutil.get_terminal_size((120, 24)).columns
    total = max(total, 40)
    cells = [[_cell(v) for v in row] for row in table.rows]
    natural = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(table.columns)]
    sep = "  "
    available = total - len(sep) * (len(natural) - 1)
    count = len(table.rows)
    footer = f"({count} row{'s' if count != 1 else ''})"
    if cells and sum(min(n, _READABLE) for n in natural) > available:
        return _expanded(table, cells, total) + "\n" + footer + "\n"
    widths = _widths(natural, max(len(natural), available))

    def line(values: list[str]) -> str:
        parts = [_cut(v, w).ljust(w) for v, w in zip(values, widths, strict=True)]
        return _cut(sep.join(parts).rstrip(), total)

    out = [line(list(table.columns)), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    out.append(footer)
    return "\n".join(out) + "\n"


def render(table: ResultTable, fmt: str, width: int | None = None) -> str:
    if fmt == "json":
        return to_json(table)
    if fmt == "csv":
        return to_csv(table)
    if fmt == "tsv":
        return to_tsv(table)
    if fmt == "table":
        return to_table(table, width)
    raise ValueError(f"unknown format {fmt!r}")
