"""The one reader of RDF input files, and atomic writing of outputs.

Every RDF file emkg reads (``emkg validate`` FILEs, ``--shapes``, ``ontology/``, ``kg/``,
``--data``, ``emkg check``) goes through :func:`parse_into`. It refuses, naming the file,
the line and the column and saying what to do:

* a path that does not exist, is a folder, cannot be read (permission, not syntax), or has a
  suffix that is no RDF format;
* an empty file, and a file that holds no triples (only prefixes or comments);
* bytes that are not UTF-8 (a file saved as Latin-1 or Windows-1252);
* syntax errors, IRIs that are not valid (a space, ``<``, ``"``...) and relative IRIs: with
  no ``@base`` they would be resolved against the file's own location and write
  ``file:///...`` into every release (Turtle, TriG, N-Triples, N-Quads and RDF/XML are
  checked by Oxigraph's strict parser, which gives the position; JSON-LD by rdflib);
* ill-typed literals: ``"ninety"^^xsd:integer``, ``"2021-02-30"^^xsd:date``, a decimal or
  boolean outside its lexical space.

Nothing of a refused file is added to the target graph. rdflib's own warnings and
conversion tracebacks for such literals are kept off the terminal while parsing.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import count as counter
from operator import attrgetter, itemgetter
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from emkg.errors import InputError

#: file suffix -> rdflib parser name
FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".ntriples": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}

_QUAD_FORMATS = {"trig", "nquads"}

#: rdflib parser name -> Oxigraph's strict parser, which reports line and column
_STRICT: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "xml": ox.RdfFormat.RDF_XML,
}

#: the base given to rdflib: an IRI that starts with it was written as a relative IRI
RELATIVE_BASE = "http://relative-iri.invalid/"

_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^<>"{}|^`\\\x00-\x20\x7f]*$')
_OX_POSITION = re.compile(r"^Parser error at line \d+ between columns \d+ and \d+: ")
_LINE_PATTERNS = (
    re.compile(r"at line (\d+)"),
    re.compile(r"line[ :]+(\d+)", re.IGNORECASE),
)
_PREFIX_DECLARATION = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE
)

#: lexical forms rdflib does not check (it has no converter for them)
_LEXICAL: dict[URIRef, re.Pattern[str]] = {
    XSD.gYear: re.compile(r"^-?\d{4,}(Z|[+-]\d\d:\d\d)?$"),
    XSD.gYearMonth: re.compile(r"^-?\d{4,}-(0[1-9]|1[0-2])(Z|[+-]\d\d:\d\d)?$"),
}

#: what a valid value looks like, for the hint of an ill-typed literal
_EXAMPLES: dict[URIRef, str] = {
    XSD.integer: "digits with an optional sign, e.g. 90",
    XSD.nonNegativeInteger: "digits, 0 or more, e.g. 3",
    XSD.positiveInteger: "digits, 1 or more, e.g. 3",
    XSD.decimal: "digits with an optional sign and one decimal point, e.g. 12.5",
    XSD.double: "a number, e.g. 1.5 or 2.0E3",
    XSD.float: "a number, e.g. 1.5 or 2.0E3",
    XSD.boolean: "true, false, 1 or 0",
    XSD.date: "YYYY-MM-DD naming a day that exists, e.g. 2021-02-28",
    XSD.dateTime: "YYYY-MM-DDThh:mm:ss naming a moment that exists",
    XSD.gYear: "a year, e.g. 2021",
    XSD.gYearMonth: "YYYY-MM, e.g. 2021-02",
    XSD.duration: "an ISO 8601 duration, e.g. P3M or P1Y2M",
}


def rdf_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        what = f"unknown RDF file type {path.suffix!r}" if path.suffix else "no file extension"
        raise InputError(
            f"{what}: emkg reads RDF files named by their format",
            path=path,
            hint="rename or convert it to one of " + ", ".join(sorted(FORMATS)),
        )
    return fmt


def _line_of(exc: BaseException) -> int | None:
    lines = getattr(exc, "lines", None)
    if isinstance(lines, int):
        return lines + 1 if lines >= 0 else None
    text = str(exc)
    for pat in _LINE_PATTERNS:
        m = pat.search(text)
        if m:
            return int(m.group(1))
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:400]


_QUIET_LOCK = threading.Lock()
_quiet_depth = 0
_quiet_state: tuple[bool, warnings.catch_warnings[None]] | None = None


@contextmanager
def quiet_rdflib() -> Iterator[None]:
    """Keep rdflib's literal-conversion tracebacks and IRI warnings off the terminal.

    Safe in several threads at once (a build checks users' files in one thread while it
    reads the curated sources in another): the first to enter silences the logger and the
    warnings, the last to leave restores them, under one lock (``warnings.catch_warnings``
    saves and restores process-wide state, so overlapping uses in two threads could leave
    the warnings or the logger silenced for good).
    """
    global _quiet_depth, _quiet_state
    logger = logging.getLogger("rdflib.term")
    with _QUIET_LOCK:
        if _quiet_depth == 0:
            guard = warnings.catch_warnings()
            guard.__enter__()
            warnings.simplefilter("ignore")
            _quiet_state = (logger.disabled, guard)
            logger.disabled = True
        _quiet_depth += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _quiet_depth -= 1
            if _quiet_depth == 0 and _quiet_state is not None:
                was, guard = _quiet_state
                _quiet_state = None
                logger.disabled = was
                guard.__exit__(None, None, None)


# ---------------------------------------------------------------------------
# The file itself: there, a file, readable, not empty, UTF-8
# ---------------------------------------------------------------------------


def read_input_bytes(path: Path, limit: int | None = None) -> bytes:
    """The bytes of an input file; InputError for a missing path, a folder, no permission.

    ``limit``: read at most that many bytes (the file is empty only if fewer came back).
    """
    if path.is_dir():
        raise InputError(
            "is a folder, not an RDF file",
            path=path,
            hint=f"give the files inside it, e.g. {path}/*.ttl",
        )
    if not path.exists():
        raise InputError("no such file", path=path, hint="check the path")
    try:
        if limit is None:
            data = path.read_bytes()
        else:
            with path.open("rb") as fh:
                data = fh.read(limit)
    except PermissionError as exc:
        raise InputError(
            "cannot read the file: permission denied (this is not a syntax problem)",
            path=path,
            hint=f"make it readable for this user, e.g. chmod u+r {path}",
        ) from exc
    except OSError as exc:
        raise InputError(
            f"cannot read the file: {exc.strerror or exc}",
            path=path,
            hint="check the file and the disk it is on",
        ) from exc
    if not data.strip() and (limit is None or len(data) < limit):
        raise InputError(
            "the file is empty",
            path=path,
            hint="add the data it should hold, or remove the file",
        )
    return data


def _position(data: bytes, index: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``index``."""
    line_start = data.rfind(b"\n", 0, index) + 1
    line = data.count(b"\n", 0, index) + 1
    column = len(data[line_start:index].decode("utf-8", "replace")) + 1
    return line, column


def decode_utf8(path: Path, data: bytes) -> str:
    """``data`` as text; InputError with line and column at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        bad = data[exc.start : exc.start + 1].hex().upper()
        raise InputError(
            f"the file is not UTF-8: byte 0x{bad} cannot be read (a file saved as "
            "Latin-1 or Windows-1252?)",
            path=path,
            line=line,
            column=column,
            hint=f"save the file as UTF-8, e.g. iconv -f latin1 -t utf-8 {path.name} > new.ttl",
        ) from exc


# ---------------------------------------------------------------------------
# Syntax and IRIs: Oxigraph's strict parser gives line and column
# ---------------------------------------------------------------------------


def _token(lines: list[str], line: int | None, start: int | None, end: int | None) -> str:
    if line is None or start is None or not 0 < line <= len(lines):
        return ""
    text = lines[line - 1]
    stop = end if end is not None and end > start else len(text) + 1
    return text[start - 1 : stop - 1].strip()


def _strict_check(path: Path, fmt: str, data: bytes, text: str) -> None:
    """Parse with Oxigraph (no base IRI: a relative IRI is an error); raise on the first fault."""
    strict = _STRICT.get(fmt)
    if strict is None:
        return
    try:
        for _quad in ox.parse(data, format=strict):
            pass
    except SyntaxError as exc:
        raise _syntax_error(path, fmt, text, exc) from exc


def _syntax_error(path: Path, fmt: str, text: str, exc: SyntaxError) -> InputError:
    """Oxigraph's syntax error as an InputError with line, column and a fix."""
    message = _OX_POSITION.sub("", exc.msg or str(exc))
    line, column = exc.lineno, exc.offset
    lines = text.splitlines()
    token = _token(lines, line, column, getattr(exc, "end_offset", None))
    quoted = re.search(r"parsing IRI '([^']*)'", message)
    if line is None and quoted:  # RDF/XML gives no position: find the IRI's text
        token = quoted.group(1)
        line, column = _find(lines, [f'"{token}"', f"'{token}'"])
    if "No scheme found" in message or "No base IRI" in message:
        shown = token or (quoted.group(1) if quoted else "")
        return InputError(
            f"relative IRI {shown}: emkg data needs absolute IRIs (with no base, "
            "a relative IRI would be resolved against this file's location)",
            path=path,
            line=line,
            column=column,
            hint="write the full IRI (e.g. <https://w3id.org/emkg/case/...>) or a "
            "prefixed name declared with @prefix",
        )
    if "Invalid IRI code point" in message:
        char = re.search(r"code point '(.*)'", message)
        what = f" ({char.group(1)!r})" if char else ""
        return InputError(
            f"invalid IRI {token}: it holds a character IRIs may not contain{what}",
            path=path,
            line=line,
            column=column,
            hint="percent-encode the character (a space is %20) or remove it",
        )
    return InputError(
        f"cannot parse as {fmt}: {message}" + (f" (at {token!r})" if token else ""),
        path=path,
        line=line,
        column=column,
        hint="fix the syntax at that place; nothing was loaded from this file",
    )


def _find(lines: list[str], needles: list[str]) -> tuple[int | None, int | None]:
    for number, line in enumerate(lines, start=1):
        for needle in needles:
            col = line.find(needle)
            if col >= 0:
                return number, col + 1
    return None, None


def _declared_prefixes(text: str) -> dict[str, str]:
    return {m.group(1) or "": m.group(2) for m in _PREFIX_DECLARATION.finditer(text)}


# ---------------------------------------------------------------------------
# Terms of the parsed graph: IRIs and literals
# ---------------------------------------------------------------------------


def ill_typed(lexical: str, datatype: URIRef) -> bool:
    """True when ``lexical`` is not in the lexical space of the XSD ``datatype``."""
    pattern = _LEXICAL.get(datatype)
    if pattern is not None:
        return not pattern.match(lexical)
    with quiet_rdflib():
        return bool(Literal(lexical, datatype=datatype, normalize=False).ill_typed)


def _triples(graph: Graph) -> Iterator[tuple[Node, Node, Node]]:
    if isinstance(graph, Dataset):
        for s, p, o, _g in graph.quads((None, None, None, None)):
            yield s, p, o
    else:
        yield from graph.triples((None, None, None))


def _check_terms(path: Path, fresh: Graph, text: str, *, iris: bool = True) -> int:
    """Refuse bad IRIs and ill-typed literals in ``fresh``; return its number of triples.

    ``iris=False`` when Oxigraph's strict parser has checked the IRIs already.
    """
    seen: set[Node] = set()
    bad_iri: str | None = None
    bad_literals: list[Literal] = []
    count = 0
    for triple in _triples(fresh):
        count += 1
        for term in triple if iris else triple[2:]:
            if isinstance(term, BNode) or term in seen:
                continue
            seen.add(term)
            if isinstance(term, URIRef):
                if bad_iri is None and (
                    str(term).startswith(RELATIVE_BASE) or not _IRI.match(term)
                ):
                    bad_iri = str(term)
            elif isinstance(term, Literal) and term.datatype is not None:
                if term.ill_typed or (
                    term.datatype in _LEXICAL and ill_typed(str(term), term.datatype)
                ):
                    bad_literals.append(term)
                if bad_iri is None and not _IRI.match(term.datatype):
                    bad_iri = str(term.datatype)
    lines = text.splitlines()
    if bad_iri is not None:
        if bad_iri.startswith(RELATIVE_BASE):
            written = bad_iri[len(RELATIVE_BASE) :]
            line, column = _find(lines, [f'"{written}"', f"<{written}>", written])
            raise InputError(
                f"relative IRI {written!r}: emkg data needs absolute IRIs",
                path=path,
                line=line,
                column=column,
                hint="write the full IRI (e.g. https://w3id.org/emkg/case/...) or a compact "
                "IRI whose prefix the @context declares",
            )
        line, column = _find(lines, [bad_iri])
        raise InputError(
            f"invalid IRI {bad_iri!r}: it holds a character IRIs may not contain",
            path=path,
            line=line,
            column=column,
            hint="percent-encode the character (a space is %20) or remove it",
        )
    if bad_literals:
        raise _ill_typed_error(path, bad_literals, text)
    return count


def _ill_typed_error(path: Path, bad: list[Literal], text: str) -> InputError:
    """Where the first ill-typed literal stands in the text, and what its type wants."""
    first = bad[0]
    datatype = first.datatype
    assert datatype is not None
    names = [f"<{datatype}>"]
    for prefix, namespace in _declared_prefixes(text).items():
        if str(datatype).startswith(namespace):
            names.append(f"{prefix}:{str(datatype)[len(namespace) :]}")
    short = names[-1] if len(names) > 1 else f"<{datatype}>"
    typed = re.compile(
        r'"((?:[^"\\\n]|\\.)*)"\^\^(?:' + "|".join(re.escape(n) for n in names) + r")(?![\w.-])"
    )
    line = column = None
    lexical = str(first)
    for number, row in enumerate(text.splitlines(), start=1):
        for match in typed.finditer(row):
            if ill_typed(match.group(1), datatype):
                line, column, lexical = number, match.start() + 1, match.group(1)
                break
        if line is not None:
            break
    more = f" ({len(bad) - 1} more ill-typed literal(s) in this file)" if len(bad) > 1 else ""
    example = _EXAMPLES.get(datatype, "a value of that datatype")
    return InputError(
        f'ill-typed literal "{lexical}"^^{short}: not a valid value of its datatype{more}',
        path=path,
        line=line,
        column=column,
        hint=f"write {example}; or, when the source says something vaguer, record it as "
        "text (a plain string) rather than forcing it into the datatype",
    )


# ---------------------------------------------------------------------------
# The reader
# ---------------------------------------------------------------------------


def read_file(path: Path) -> Graph:
    """Read one RDF file into a new Graph (a Dataset for TriG and N-Quads), checked."""
    path = Path(path)
    data = read_input_bytes(path)
    fmt = rdf_format(path)
    text = decode_utf8(path, data) if fmt != "xml" else data.decode("utf-8", "replace")
    _strict_check(path, fmt, data, text)
    fresh: Graph = Dataset() if fmt in _QUAD_FORMATS else Graph()
    try:
        with quiet_rdflib():
            if fmt == "xml":
                fresh.parse(data=data, format=fmt, publicID=RELATIVE_BASE)
            else:
                fresh.parse(data=text, format=fmt, publicID=RELATIVE_BASE)
    except Exception as exc:  # rdflib raises many unrelated types for bad syntax
        raise InputError(
            f"cannot parse as {fmt}: {_first_line(exc)}",
            path=path,
            line=_line_of(exc),
            hint="fix the syntax at that place; nothing was loaded from this file",
        ) from exc
    with quiet_rdflib():
        count = _check_terms(path, fresh, text, iris=fmt not in _STRICT)
    if count == 0:
        raise InputError(
            "the file holds no triples (only prefixes, comments or empty graphs)",
            path=path,
            hint="add the data it should hold, or remove the file",
        )
    return fresh


_XSD = str(XSD)
_NOT_CHECKED = {str(XSD.string), str(XSD.anyURI)}


#: bytes of a file :func:`check_file` reads before parsing it from disk (emptiness, access)
_HEAD = 1 << 16


def check_file(path: Path) -> int:
    """Every check of :func:`read_file`, without building an rdflib graph; the triple count.

    For large inputs that go straight into a store (``emkg build --data``): the file is
    streamed from disk through Oxigraph's strict parser (syntax, IRIs, UTF-8), and each
    distinct typed literal of an XSD datatype is checked once; memory does not grow with the
    file. Only when the file is refused is its text read, to say where and what. JSON-LD and
    RDF/XML are read by :func:`read_file`.
    """
    path = Path(path)
    read_input_bytes(path, limit=_HEAD)  # a folder, missing, unreadable, empty: said so
    fmt = rdf_format(path)
    strict = _STRICT.get(fmt)
    if strict is None or fmt == "xml":
        return len(read_file(path))
    seen: set[tuple[str, str]] = set()
    bad: list[Literal] = []
    try:
        with quiet_rdflib():
            count = _check_quads(ox.parse(path=path, format=strict), seen, bad)
    except SyntaxError as exc:
        raise _syntax_error(path, fmt, decode_utf8(path, read_input_bytes(path)), exc) from exc
    if bad:
        with quiet_rdflib():
            raise _ill_typed_error(path, bad, decode_utf8(path, read_input_bytes(path)))
    if count == 0:
        raise InputError(
            "the file holds no triples (only prefixes, comments or empty graphs)",
            path=path,
            hint="add the data it should hold, or remove the file",
        )
    return count


_is_literal = partial(type.__instancecheck__, ox.Literal)
_first = itemgetter(0)
_object = attrgetter("object")


def _check_quads(quads: Iterable[ox.Quad], seen: set[tuple[str, str]], bad: list[Literal]) -> int:
    """Check the typed literals among ``quads``; the number of quads.

    Counting and picking the literals out run in C (itertools), so Python code runs once
    per literal, not once per quad.
    """
    tally = counter()
    for value in filter(_is_literal, map(_object, map(_first, zip(quads, tally, strict=False)))):
        datatype = value.datatype.value
        if datatype.startswith(_XSD) and datatype not in _NOT_CHECKED:
            key = (value.value, datatype)
            if key not in seen:
                seen.add(key)
                if ill_typed(value.value, URIRef(datatype)):
                    bad.append(Literal(value.value, datatype=URIRef(datatype), normalize=False))
    return next(tally)


def parse_into(graph: Graph, path: Path) -> None:
    """Parse ``path`` into ``graph``; raise InputError naming file, line and column on failure.

    The file is read into a graph of its own first, so when it is refused no triple is added
    to ``graph`` and no prefix is bound in it. The file's prefixes, less the default ``:`` (it
    names nothing outside its file), are bound with ``override=False``.
    """
    path = Path(path)
    if rdf_format_or_none(path) in _QUAD_FORMATS and not isinstance(graph, Dataset):
        read_input_bytes(path)
        raise InputError(
            f"{rdf_format(path)} holds named graphs; read it with read_dataset",
            path=path,
        )
    fresh = read_file(path)
    _bind_prefixes(graph, fresh.namespaces())
    if isinstance(fresh, Dataset):
        assert isinstance(graph, Dataset)
        contexts: dict[Node | None, Graph] = {None: graph.default_context}

        def context(name: Node | None) -> Graph:
            if name not in contexts:
                assert isinstance(name, URIRef | BNode)
                contexts[name] = graph.graph(name)
            return contexts[name]

        graph.addN((s, p, o, context(g)) for s, p, o, g in fresh.quads((None, None, None, None)))
    else:
        graph.addN((s, p, o, graph) for s, p, o in fresh.triples((None, None, None)))


def _bind_prefixes(graph: Graph, namespaces: Iterable[tuple[str, URIRef]]) -> None:
    """Bind a file's ``namespaces`` in ``graph``, its default prefix ``:`` apart."""
    for prefix, namespace in namespaces:
        if prefix:
            graph.bind(prefix, namespace, override=False)


def rdf_format_or_none(path: Path) -> str | None:
    return FORMATS.get(Path(path).suffix.lower())


def read_graph(paths: Iterable[Path]) -> Graph:
    """Read triple files (and the default graph of quad files) into one Graph."""
    graph = Graph()
    for path in paths:
        p = Path(path)
        fresh = read_file(p)
        _bind_prefixes(graph, fresh.namespaces())
        if isinstance(fresh, Dataset):
            graph.addN((s, pr, o, graph) for s, pr, o, _g in fresh.quads((None, None, None, None)))
        else:
            graph.addN((s, pr, o, graph) for s, pr, o in fresh.triples((None, None, None)))
    return graph


def read_dataset(paths: Iterable[Path]) -> Dataset:
    ds = Dataset()
    for path in paths:
        parse_into(ds, Path(path))
    return ds


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # name the file the user asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        os.fchmod(fd, _default_file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _default_file_mode() -> int:
    """0o666 less the process umask: what a plain open() would have created."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def default_dir_mode() -> int:
    """0o777 less the process umask: what a plain mkdir() would have created."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
