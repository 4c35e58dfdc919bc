"""The saved queries, read from ``queries/``: competency questions and quality checks.

Each ``.rq`` file starts with a header of ``#+`` comment lines (the format is documented in
``queries/README.md``)::

    #+ id: cq01-em-sites-after-therapy
    #+ title: EM sites found after a therapy
    #+ description: Every extramedullary site where disease was seen after ...
    #+ param: therapy
    #+   type: class
    #+   example: blinatumomab
    #+   description: The therapy given before the finding; its subclasses count.
    #+ keywords: therapy, extramedullary site
    #+ columns: therapy, therapyLabel, patient, source, site, siteLabel, method, ...

    SELECT ... WHERE {
      VALUES ?therapy { emkg:Blinatumomab }   # the default, part of the query
      ...

A parameter's default is not in the header: it is the one-value ``VALUES ?name { term }``
block that opens the WHERE group, so the file sent to any SPARQL 1.1 store as it stands gives
the default answer. When a value is given, emkg removes that block
(:meth:`QueryEntry.text_for`) and binds the value through the engine's binding API. A
parameter without such a block is optional: unbound, it matches any value.

The id is the file stem. ``queries/cq/`` holds the competency questions,
``queries/qc/`` the quality checks, whose stems end in ``-violation`` and which must
return no rows, and ``queries/view/`` the questions the HTML report (``emkg report``) draws
from besides the competency questions. The catalogue checks each header against the query
it describes: the columns are the query's SELECT list, in order, and every parameter is one
of them (so that every engine can bind it).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from emkg import paths
from emkg.errors import InputError, UsageError
from emkg.sparqltext import (
    LeadingValues,
    has_outer_values,
    leading_values,
    prefix_declarations,
    select_projection,
    term_parts,
)

if TYPE_CHECKING:
    from rdflib import Literal, URIRef

KINDS: dict[str, str] = {
    "cq": "competency question",
    "qc": "quality check",
    "view": "report view",
    "export": "export table",
}
PARAM_TYPES: tuple[str, ...] = ("class", "term", "iri", "string", "integer", "decimal", "boolean")
_TOP_KEYS = ("id", "title", "description", "param", "keywords", "columns")
_PARAM_KEYS = ("type", "of", "example", "description")
_HEADER_LINE = re.compile(r"^#\+(?P<indent>\s+)(?P<key>[A-Za-z]+):\s?(?P<value>.*)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str
    examples: tuple[str, ...]
    default: str | None = None  # the default value as the query's VALUES block writes it
    of: str | None = None
    #: the default as (kind, value, datatype, language), kind "iri" or "literal"
    default_parts: tuple[str, str, str | None, str | None] | None = None

    @property
    def default_term(self) -> URIRef | Literal | None:
        """The default value as an RDF term (None for an optional parameter)."""
        if self.default_parts is None:
            return None
        from rdflib import Literal, URIRef

        kind, value, datatype, language = self.default_parts
        if kind == "iri":
            return URIRef(value)
        return Literal(value, lang=language, datatype=URIRef(datatype) if datatype else None)

    @property
    def optional(self) -> bool:
        """A parameter without a default is left unbound (any value) when not given."""
        return self.default is None

    def summary(self) -> str:
        kind = f"{self.type} of {self.of}" if self.of else self.type
        default = f"default {self.default}" if self.default else "default: any"
        return f"{self.name} ({kind}; {default}; e.g. {', '.join(self.examples)})"


@dataclass(frozen=True)
class QueryEntry:
    id: str
    kind: str
    path: Path
    title: str
    description: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    text: str
    keywords: tuple[str, ...] = ()
    defaults: tuple[LeadingValues, ...] = ()

    @property
    def is_violation_check(self) -> bool:
        return self.kind == "qc"

    def text_for(self, bound: Iterable[str]) -> str:
        """The query text for running with the parameters ``bound`` given by the caller.

        The default VALUES block of each bound parameter is removed (the engine binds the
        given term instead); the defaults of the other parameters stay in the text.
        """
        names = set(bound)
        text = self.text
        for block in sorted(self.defaults, key=lambda b: b.start, reverse=True):
            if block.variable in names:
                text = text[: block.start] + text[block.end :]
        return text

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise InputError(
            f"{self.id} has no parameter {name!r}", hint=f"its parameters are: {known}"
        )


class _HeaderReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.top: dict[str, list[str]] = {}
        self.params: list[dict[str, list[str]]] = []
        self.param_lines: list[int] = []

    def error(self, message: str, line: int | None = None) -> InputError:
        return InputError(
            message,
            path=self.path,
            line=line,
            hint="see queries/README.md for the header format",
        )

    def read(self, text: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("#"):
                break  # the header is the leading block of comment lines
            if not stripped.startswith("#+"):
                continue
            match = _HEADER_LINE.match(stripped)
            if match is None:
                raise self.error(f"cannot read header line {stripped!r}", number)
            indent = len(match.group("indent"))
            key, value = match.group("key"), match.group("value").strip()
            if indent == 1:
                self._top(key, value, number)
            else:
                self._param(key, value, number)

    def _top(self, key: str, value: str, number: int) -> None:
        if key not in _TOP_KEYS:
            raise self.error(f"unknown header key {key!r} (known: {', '.join(_TOP_KEYS)})", number)
        if key == "param":
            self.params.append({"name": [value]})
            self.param_lines.append(number)
            return
        if key in {"id", "title"} and key in self.top:
            raise self.error(f"header key {key!r} given twice", number)
        self.top.setdefault(key, []).append(value)

    def _param(self, key: str, value: str, number: int) -> None:
        if not self.params:
            raise self.error("an indented header line must follow a 'param:' line", number)
        if key == "default":
            raise self.error(
                "a parameter's default is not stated in the header: write it as the block "
                "'VALUES ?name { value }' first in the WHERE group",
                number,
            )
        if key not in _PARAM_KEYS:
            raise self.error(
                f"unknown parameter key {key!r} (known: {', '.join(_PARAM_KEYS)})", number
            )
        current = self.params[-1]
        if key in {"type", "of"} and key in current:
            raise self.error(f"parameter key {key!r} given twice", number)
        current.setdefault(key, []).append(value)

    def required(self, key: str) -> str:
        values = self.top.get(key)
        if not values or not " ".join(values).strip():
            raise self.error(f"the header has no {key!r}")
        return " ".join(v for v in values if v)

    def param_objects(self) -> tuple[Param, ...]:
        out: list[Param] = []
        for fields, line in zip(self.params, self.param_lines, strict=True):
            name = fields["name"][0]
            if not _NAME.match(name):
                raise self.error(f"parameter name {name!r} is not a SPARQL variable name", line)
            ptype = " ".join(fields.get("type", []))
            if ptype not in PARAM_TYPES:
                raise self.error(
                    f"parameter {name!r}: type {ptype!r} is not one of {', '.join(PARAM_TYPES)}",
                    line,
                )
            examples = tuple(e for e in fields.get("example", []) if e)
            description = " ".join(fields.get("description", [])).strip()
            if not examples or not description:
                raise self.error(f"parameter {name!r} needs an example and a description", line)
            of = fields.get("of", [None])[0]
            if of is not None and ptype != "iri":
                raise self.error(f"parameter {name!r}: 'of' applies to type iri only", line)
            out.append(Param(name, ptype, description, examples, None, of))
        names = [p.name for p in out]
        if len(set(names)) != len(names):
            raise self.error("a parameter is declared twice")
        return tuple(out)


def read_entry(path: Path) -> QueryEntry:
    """Read and check one saved query file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the query: {exc}", path=path) from exc
    reader = _HeaderReader(path)
    reader.read(text)
    kind = path.parent.name
    if kind not in KINDS:
        raise reader.error(f"queries live in {' or '.join(f'queries/{k}/' for k in KINDS)}")
    qid = reader.required("id")
    if qid != path.stem or not _ID.match(qid):
        raise reader.error(f"the header id {qid!r} must be the file stem {path.stem!r}")
    if kind == "cq" and not re.match(r"^cq\d{2}-", qid):
        raise reader.error("competency question ids look like cq01-<slug>")
    if kind == "qc" and not qid.endswith("-violation"):
        raise reader.error("quality check ids end with -violation")
    columns = tuple(c.strip() for c in reader.required("columns").split(",") if c.strip())
    params = reader.param_objects()
    try:
        projection = select_projection(text)
    except ValueError as exc:
        raise reader.error(str(exc)) from exc
    if projection != columns:
        raise reader.error(
            f"the header columns {list(columns)} are not the SELECT list {list(projection)}"
        )
    for p in params:
        if p.name not in columns:
            raise reader.error(
                f"parameter {p.name!r} must be in the SELECT list so that every engine binds it"
            )
    params, defaults = _with_defaults(reader, text, params)
    if has_outer_values(text):
        raise reader.error(
            "a saved query may not end with its own VALUES clause: "
            "the endpoint engine appends one to bind parameters"
        )
    return QueryEntry(
        id=qid,
        kind=kind,
        path=path,
        title=reader.required("title"),
        description=reader.required("description"),
        params=params,
        columns=columns,
        text=text,
        keywords=tuple(
            k.strip() for k in ",".join(reader.top.get("keywords", [])).split(",") if k.strip()
        ),
        defaults=defaults,
    )


def _with_defaults(
    reader: _HeaderReader, text: str, params: tuple[Param, ...]
) -> tuple[tuple[Param, ...], tuple[LeadingValues, ...]]:
    """The parameters with their defaults read from the VALUES blocks opening the WHERE group."""
    try:
        blocks = leading_values(text)
    except ValueError as exc:
        raise reader.error(str(exc)) from exc
    prefixes = prefix_declarations(text)
    by_name = {p.name: p for p in params}
    found: dict[str, Param] = {}
    for block in blocks:
        param = by_name.get(block.variable)
        if param is None:
            raise reader.error(
                f"the VALUES block for ?{block.variable} opens the WHERE group but "
                f"{block.variable!r} is not a parameter (the opening VALUES blocks are the "
                "defaults of parameters)",
                block.line,
            )
        if param.name in found:
            raise reader.error(f"parameter {param.name!r} has two default blocks", block.line)
        try:
            parts = term_parts(block.term, prefixes)
        except ValueError as exc:
            raise reader.error(
                f"the default of {param.name!r} is not one RDF term: {exc}", block.line
            ) from exc
        if (parts[0] == "iri") != (param.type in {"class", "term", "iri"}):
            raise reader.error(
                f"the default of {param.name!r} ({block.term}) does not fit type {param.type}",
                block.line,
            )
        found[param.name] = replace(param, default=block.term, default_parts=parts)
    return tuple(found.get(p.name, p) for p in params), tuple(blocks)


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[QueryEntry, ...]

    def __iter__(self) -> Iterator[QueryEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def ids(self) -> list[str]:
        return [e.id for e in self.entries]

    def of_kind(self, kind: str) -> list[QueryEntry]:
        return [e for e in self.entries if e.kind == kind]

    def get(self, ref: str) -> QueryEntry:
        """The entry whose id is ``ref`` or, failing that, the one id that starts with it."""
        for entry in self.entries:
            if entry.id == ref:
                return entry
        matches = [e for e in self.entries if e.id.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise UsageError(
                f"{ref!r} matches {len(matches)} queries: {', '.join(e.id for e in matches)}",
                hint="give more of the id",
            )
        close = difflib.get_close_matches(ref, self.ids(), n=5, cutoff=0.4)
        hint = f"did you mean {', '.join(close)}?" if close else "list them with: emkg queries"
        raise InputError(f"no saved query {ref!r}", hint=hint)


def _query_files(root: Path) -> list[Path]:
    """The saved query files under ``root``; a ``.rq`` file outside the kinds' folders fails."""
    files = sorted(p for kind in KINDS for p in (root / kind).glob("*.rq"))
    strays = sorted(p for p in root.rglob("*.rq") if p.parent.name not in KINDS)
    if strays:
        raise InputError(
            f"query files outside {' and '.join(f'queries/{k}' for k in KINDS)}: "
            f"{', '.join(map(str, strays))}"
        )
    return files


def find_entry(ref: str, folder: Path | None = None) -> QueryEntry:
    """``load_catalogue(folder).get(ref)``, reading only the one file ``ref`` names.

    A query's id is its file's stem, so the file is found by name; when the name is not
    one file's (no match, several, an id in two folders) the whole catalogue is read and
    :meth:`Catalogue.get` says why.
    """
    root = Path(folder) if folder is not None else paths.queries_dir()
    files = _query_files(root)
    exact = [p for p in files if p.stem == ref]
    named = exact or [p for p in files if p.stem.startswith(ref)]
    if len(named) == 1 and len([p for p in files if p.stem == named[0].stem]) == 1:
        return read_entry(named[0])
    return load_catalogue(root).get(ref)


def load_catalogue(folder: Path | None = None) -> Catalogue:
    """Every ``.rq`` file under ``queries/cq``, ``queries/qc`` and ``queries/view``, checked."""
    root = Path(folder) if folder is not None else paths.queries_dir()
    files = _query_files(root)
    entries = [read_entry(p) for p in files]
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise InputError("two query files have the same id", path=root)
    return Catalogue(tuple(sorted(entries, key=lambda e: (e.kind, e.id))))
