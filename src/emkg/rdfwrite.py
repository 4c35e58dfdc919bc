"""RDF files written by Oxigraph from sorted terms: the same triples give the same bytes.

Oxigraph's serialisers (Rust) write Turtle, TriG, N-Triples, N-Quads and JSON-LD about a
hundred times faster than rdflib's. Each writer here takes triples or quads already sorted
(:func:`sorted_triples`, :func:`emkg.skolem.stable_quads`), so the output depends on the
content alone:

* Turtle and TriG group each subject's triples (``;`` and ``,``) and write blank nodes as
  labelled nodes (``_:b<hash>``, the stable labels of :mod:`emkg.skolem`) rather than nested
  ``[ ]``; the ``@prefix`` lines are the given prefixes that the text uses, in name order,
  and a blank line comes before each subject (and each named graph). Only prefix names that
  Turtle's ``PN_PREFIX`` allows and rdflib reads are used (not ``_a`` or ``a.``, which an
  RDF/XML source may bind): an IRI under another is written in full. A prefixed name whose
  local part needs a backslash escape (``ex:a.b\\.``, valid Turtle that rdflib cannot read)
  is written as the full ``<IRI>`` too;
* N-Triples and N-Quads are written one statement a line, the lines sorted;
* JSON-LD is Oxigraph's expanded form compacted with a ``@context`` of prefixes only: IRIs
  become compact IRIs, ``rdf:type`` becomes ``@type``, a plain string its bare value and a
  one-value array its value (JSON-LD 1.1 compaction, section 6.2, with prefixes alone).
  An IRI left whole whose scheme is a prefix (``doi:10.1002/x`` beside ``"doi"``) would read
  back through the prefix: such prefixes are left out of that file's ``@context``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

import pyoxigraph as ox

_PREFIX_LINE = b"@prefix "
#: a string literal as Oxigraph writes it: "...", every '"' and '\\' inside escaped
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(.)")
#: PN_CHARS_BASE of the Turtle grammar: the characters a prefix name may start with
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
#: a prefix name Turtle's PN_PREFIX allows, less a '.' inside the name (rdflib refuses it)
_PREFIX_NAME = f"(?:[{_PN_CHARS_BASE}][{_PN_CHARS_BASE}_\\-0-9\u00b7\u0300-\u036f\u203f\u2040]*)?"
#: the same for ASCII names, which need not compile the Unicode ranges
_ASCII_PREFIX_NAME = re.compile(r"(?:[A-Za-z][A-Za-z0-9_\-]*)?")
#: a Turtle local name's backslash escape (PN_LOCAL_ESC)
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _serialize(
    items: Iterable[ox.Triple] | Iterable[ox.Quad],
    format: ox.RdfFormat,
    prefixes: Mapping[str, str] | None = None,
) -> bytes:
    data = ox.serialize(items, format=format, prefixes=dict(prefixes or {}))
    assert data is not None  # no output file given: the bytes are returned
    return data


def turtle_prefixes(prefixes: Mapping[str, str]) -> dict[str, str]:
    """The ``prefixes`` whose names Turtle and rdflib read, in name order."""
    return {name: ns for name, ns in sorted(prefixes.items()) if _is_prefix_name(name)}


def _is_prefix_name(name: str) -> bool:
    if name.isascii():
        return _ASCII_PREFIX_NAME.fullmatch(name) is not None
    return re.fullmatch(_PREFIX_NAME, name) is not None


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
    """``body`` (Oxigraph's text less its ``@prefix`` lines) under the prefixes it uses.

    One pass over the text finds each prefixed name outside literals and IRIs; a name whose
    local part holds a backslash escape is rewritten as the full IRI (a second pass, only
    when there is one).
    """
    text = body.decode("utf-8")
    used: set[str] = set()
    if prefixes:
        names = "|".join(re.escape(name) for name in sorted(prefixes, key=len, reverse=True))
        token = re.compile(
            r'"(?:[^"\\\n]|\\.)*"|<[^>\s]*>|(?<![^\s^(,\[])((?:' + names + r"):)(\S*)"
        )
        found = set(token.findall(text))
        used = {name[:-1] for name, local in found if name and "\\" not in local}
        if any("\\" in local for _name, local in found):
            text = token.sub(partial(_full_iri, prefixes), text)
    text = _long_strings(text)
    lines = [f"@prefix {name}: <{prefixes[name]}> ." for name in sorted(used)]
    return (("\n".join(lines) + "\n\n" if lines else "") + text).encode("utf-8")


def _full_iri(prefixes: Mapping[str, str], match: re.Match[str]) -> str:
    """A prefixed name whose local part has a backslash escape as ``<IRI>``; else as is."""
    name, local = match.group(1, 2)
    if name is None or "\\" not in local:
        return match.group(0)
    iri = prefixes[name[:-1]] + _LOCAL_ESCAPE.sub(r"\1", local)
    return f"<{iri}>"


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
    prefixes = turtle_prefixes(prefixes)
    data = _serialize(triples, ox.RdfFormat.TURTLE, prefixes)
    out: list[bytes] = []
    for line in _split_prefixes(data):
        if out and line and not line.startswith(b"\t"):
            out.append(b"")
        out.append(line)
    return _with_prefixes(b"\n".join(out), prefixes)


def trig(quads: Iterable[ox.Quad], prefixes: Mapping[str, str]) -> bytes:
    """TriG of sorted ``quads``, one block per named graph, a blank line before each subject."""
    prefixes = turtle_prefixes(prefixes)
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
    """Compact IRIs for a ``@context`` of prefixes (each namespace ends in ``/`` or ``#``:
    JSON-LD 1.1 expands a compact IRI only through a prefix whose IRI ends in such a
    delimiter, and ``ex:a`` then cannot be read as another split of the same IRI)."""

    def __init__(self, context: Mapping[str, str]) -> None:
        for name, namespace in context.items():
            if not namespace.endswith(("/", "#")):
                raise ValueError(f"@context prefix {name!r}: {namespace} ends in neither / nor #")
        self.by_length = sorted(context.items(), key=lambda item: (-len(item[1]), item[0]))
        self.cache: dict[str, str] = {}

    def schemes(self) -> set[str]:
        """The schemes of the IRIs written whole (not compacted)."""
        return {iri.partition(":")[0] for iri, found in self.cache.items() if found is iri}

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
    """Compact JSON-LD of sorted ``triples``: ``{"@context": context, "@graph": [...]}``.

    A prefix that is also the scheme of an IRI written whole (``doi:10.1002/x``) is left out
    of the ``@context``, as a reader would expand that IRI through it: the IRIs under its
    namespace are then written whole too. The curated release has no such IRI.
    """
    expanded = json.loads(_serialize(triples, ox.RdfFormat.JSON_LD))
    context = dict(context)
    while True:
        compactor = _Compactor(context)
        graph = [compactor.node(n) for n in expanded]
        clashes = compactor.schemes() & context.keys()
        if not clashes:
            break
        context = {name: ns for name, ns in context.items() if name not in clashes}
    document = {"@context": context, "@graph": graph}
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
