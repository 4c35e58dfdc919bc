"""RDF files written by Oxigraph from sorted terms: the same triples give the same bytes.

Oxigraph's serialisers (Rust) write Turtle, TriG, N-Triples, N-Quads and JSON-LD about a
hundred times faster than rdflib's. Each writer here takes triples or quads already sorted
(:func:`sorted_triples`, :func:`emkg.skolem.stable_quads`), so the output depends on the
content alone:

* Turtle and TriG group each subject's triples (``;`` and ``,``) and write blank nodes as
  labelled nodes (``_:b<hash>``, the stable labels of :mod:`emkg.skolem`) rather than nested
  ``[ ]``; the ``@prefix`` lines are the given prefixes that the text uses, in name order,
  and a blank line comes before each subject (and each named graph);
* N-Triples and N-Quads are written one statement a line, the lines sorted;
* JSON-LD is Oxigraph's expanded form compacted with a ``@context`` of prefixes only: IRIs
  become compact IRIs, ``rdf:type`` becomes ``@type``, a plain string its bare value and a
  one-value array its value (JSON-LD 1.1 compaction, section 6.2, with prefixes alone).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox

_PREFIX_LINE = b"@prefix "
#: a string literal as Oxigraph writes it: "...", every '"' and '\\' inside escaped
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(.)")
#: the prefix of a prefixed name, where Oxigraph writes one (line start, after a space, ^^)
_PREFIXED_NAME = re.compile(r"(?:^|[\s^(,\[])([A-Za-z][\w.\-]*):", re.MULTILINE)
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _serialize(
    items: Iterable[ox.Triple] | Iterable[ox.Quad],
    format: ox.RdfFormat,
    prefixes: Mapping[str, str] | None = None,
) -> bytes:
    data = ox.serialize(items, format=format, prefixes=dict(sorted((prefixes or {}).items())))
    assert data is not None  # no output file given: the bytes are returned
    return data


def sorted_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Distinct ``triples`` in the order of their N-Triples text."""
    return sorted(set(triples), key=str)


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted(line for line in data.splitlines() if line.strip())
    return b"\n".join(lines) + b"\n"


def ntriples(triples: Iterable[ox.Triple]) -> bytes:
    """N-Triples, one triple a line, the lines sorted."""
    return _sorted_lines(_serialize(triples, ox.RdfFormat.N_TRIPLES))


def nquads(quads: Iterable[ox.Quad]) -> bytes:
    """N-Quads, one quad a line, the lines sorted."""
    return _sorted_lines(_serialize(quads, ox.RdfFormat.N_QUADS))


def _with_prefixes(body: bytes, prefixes: Mapping[str, str]) -> bytes:
    """``body`` (Oxigraph's text less its ``@prefix`` lines) under the prefixes it uses."""
    text = _long_strings(body.decode("utf-8"))
    written = set(_PREFIXED_NAME.findall(text))  # one pass; a literal's "word:" is harmless
    used = [
        f"@prefix {name}: <{namespace}> ."
        for name, namespace in sorted(prefixes.items())
        if name in written
    ]
    return (("\n".join(used) + "\n\n" if used else "") + text).encode("utf-8")


def _long_string(match: re.Match[str]) -> str:
    """A literal holding line breaks as a long string (the line breaks written out)."""
    body = match.group(1)
    if "\\n" not in body:
        return match.group(0)
    lines = _ESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(0), body)
    return f'"""{lines}"""'


def _long_strings(text: str) -> str:
    """Oxigraph writes a line break in a literal as ``\\n``; the SPARQL of a shape or a
    query reads better as a ``\"\"\"`` long string over several lines, as the source has it."""
    if "\\n" not in text:
        return text
    lines = text.split("\n")  # Oxigraph writes each literal on one line
    return "\n".join(_STRING.sub(_long_string, line) if "\\n" in line else line for line in lines)


def _split_prefixes(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    start = 0
    while start < len(lines) and lines[start].startswith(_PREFIX_LINE):
        start += 1
    return lines[start:]


def turtle(triples: Iterable[ox.Triple], prefixes: Mapping[str, str]) -> bytes:
    """Turtle of sorted ``triples``, a blank line before each subject."""
    data = _serialize(triples, ox.RdfFormat.TURTLE, prefixes)
    out: list[bytes] = []
    for line in _split_prefixes(data):
        if out and line and not line.startswith(b"\t"):
            out.append(b"")
        out.append(line)
    return _with_prefixes(b"\n".join(out), prefixes)


def trig(quads: Iterable[ox.Quad], prefixes: Mapping[str, str]) -> bytes:
    """TriG of sorted ``quads``, one block per named graph, a blank line before each subject."""
    data = _serialize(quads, ox.RdfFormat.TRIG, prefixes)
    out: list[bytes] = []
    previous = b""
    for line in _split_prefixes(data):
        graph_start = bool(line) and not line.startswith((b"\t", b"}"))
        subject = line.startswith(b"\t") and not line.startswith(b"\t\t")
        if out and (graph_start or (subject and not previous.endswith(b"{"))):
            out.append(b"")
        out.append(line)
        previous = line
    return _with_prefixes(b"\n".join(out), prefixes)


class _Compactor:
    """Compact IRIs for a ``@context`` of prefixes (each namespace ends in ``/`` or ``#``)."""

    def __init__(self, context: Mapping[str, str]) -> None:
        self.by_length = sorted(context.items(), key=lambda item: (-len(item[1]), item[0]))
        self.cache: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        found = self.cache.get(iri)
        if found is None:
            found = iri
            for name, namespace in self.by_length:
                local = iri[len(namespace) :]
                if iri.startswith(namespace) and local and not local.startswith("//"):
                    found = f"{name}:{local}"
                    break
            self.cache[iri] = found
        return found

    def ref(self, node: str) -> str:
        return node if node.startswith("_:") else self.iri(node)

    def value(self, value: dict[str, str]) -> Any:
        if "@id" in value:
            return {"@id": self.ref(value["@id"])}
        datatype = value.get("@type")
        if datatype is not None and datatype != _XSD_STRING:
            return {"@type": self.iri(datatype), "@value": value["@value"]}
        if "@language" in value:
            return dict(value)
        return value["@value"]

    def node(self, node: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"@id": self.ref(node["@id"])}
        for key, values in node.items():
            if key == "@id":
                continue
            if key == _RDF_TYPE and all(
                set(v) == {"@id"} and not v["@id"].startswith("_:") for v in values
            ):
                out["@type"] = _one([self.iri(v["@id"]) for v in values])
            else:
                out[self.iri(key)] = _one([self.value(v) for v in values])
        return out


def _one(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def jsonld(triples: Iterable[ox.Triple], context: Mapping[str, str]) -> bytes:
    """Compact JSON-LD of sorted ``triples``: ``{"@context": context, "@graph": [...]}``."""
    expanded = json.loads(_serialize(triples, ox.RdfFormat.JSON_LD))
    compactor = _Compactor(context)
    document = {"@context": dict(context), "@graph": [compactor.node(n) for n in expanded]}
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
