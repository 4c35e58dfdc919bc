"""Reading RDF files with clear errors, and writing outputs atomically."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from rdflib import Dataset, Graph

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

_LINE_PATTERNS = (
    re.compile(r"at line (\d+)"),
    re.compile(r"line[ :]+(\d+)", re.IGNORECASE),
)


def rdf_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"unknown RDF file type {path.suffix!r}",
            path=path,
            hint="use one of " + ", ".join(sorted(FORMATS)),
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


def parse_into(graph: Graph, path: Path) -> None:
    """Parse ``path`` into ``graph``; raise InputError naming file and line on failure."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path, hint="check the path")
    fmt = rdf_format(path)
    if fmt in _QUAD_FORMATS and not isinstance(graph, Dataset):
        raise InputError(
            f"{fmt} holds named graphs; read it with read_dataset",
            path=path,
        )
    try:
        graph.parse(path, format=fmt)
    except Exception as exc:  # rdflib raises many unrelated types for bad syntax
        raise InputError(
            f"cannot parse as {fmt}: {_first_line(exc)}",
            path=path,
            line=_line_of(exc),
            hint="fix the syntax at that place; nothing was loaded from this file",
        ) from exc


def read_graph(paths: Iterable[Path]) -> Graph:
    """Read triple files (and the default graph of quad files) into one Graph."""
    graph = Graph()
    for path in paths:
        p = Path(path)
        if rdf_format(p) in _QUAD_FORMATS:
            ds = Dataset()
            parse_into(ds, p)
            for s, pr, o, _g in ds.quads((None, None, None, None)):
                graph.add((s, pr, o))
        else:
            parse_into(graph, p)
    return graph


def read_dataset(paths: Iterable[Path]) -> Dataset:
    ds = Dataset()
    for path in paths:
        parse_into(ds, Path(path))
    return ds


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _default_file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
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
