"""Just enough SPARQL lexing to read a query's shape: its SELECT list and its WHERE group.

Comments, strings and IRIs (which may hold ``#``, braces or keywords) are skipped as tokens, so
the outermost SELECT list and the braces of the outermost group are found reliably without a
full parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
    |(?P<comment>\#[^\n]*)
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
        |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<var>[?$][A-Za-z0-9_]+)
    |(?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z0-9_\-.]*)?)
    |(?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    for kind, value, _start, _end in _spans(text):
        yield kind, value


def _spans(text: str) -> Iterator[tuple[str, str, int, int]]:
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in {"ws", "comment"}:
            yield kind, match.group(), match.start(), match.end()


def token_spans(text: str) -> Iterator[tuple[str, str, int, int]]:
    """The query's tokens as (kind, text, start, end), comments and white space left out.

    Kinds: ``iri``, ``string``, ``var``, ``word`` (keywords, prefixed names, booleans) and
    ``other`` (punctuation and anything else, one character each).
    """
    return _spans(text)


def select_projection(text: str) -> tuple[str, ...]:
    """The variables of the outermost SELECT list, in order (``AS ?v`` names included)."""
    tokens = list(_tokens(text))
    start = next(
        (i for i, (k, v) in enumerate(tokens) if k == "word" and v.upper() == "SELECT"), None
    )
    if start is None:
        raise ValueError("the query has no SELECT clause")
    out: list[str] = []
    depth = 0
    after_as = False
    for kind, value in tokens[start + 1 :]:
        upper = value.upper()
        if depth == 0 and (value == "{" or (kind == "word" and upper in {"WHERE", "FROM"})):
            break
        if value == "(":
            depth += 1
        elif value == ")":
            depth -= 1
        elif value == "*" and depth == 0:
            raise ValueError("SELECT * is not allowed: list the columns")
        elif kind == "word" and upper == "AS":
            after_as = True
        elif kind == "var" and (depth == 0 or after_as):
            out.append(value[1:])
            after_as = False
    return tuple(out)


def has_outer_values(text: str) -> bool:
    """True when the query ends with its own VALUES clause (after the WHERE clause)."""
    depth = 0
    seen_group = False
    for kind, value in _tokens(text):
        if value == "{":
            depth += 1
            seen_group = True
        elif value == "}":
            depth -= 1
        elif kind == "word" and value.upper() == "VALUES" and depth == 0 and seen_group:
            return True
    return False


def where_group_start(text: str) -> int:
    """The offset just after the ``{`` that opens the outermost query's WHERE group."""
    seen_select = False
    depth = 0
    for kind, value, _start, end in _spans(text):
        upper = value.upper()
        if kind == "word" and upper == "SELECT":
            seen_select = True
        elif value == "(":
            depth += 1
        elif value == ")":
            depth -= 1
        elif value == "{" and seen_select and depth == 0:
            return end
    raise ValueError("the query has no WHERE group")


def with_values_first(text: str, clause: str) -> str:
    """``text`` with ``clause`` (a VALUES block) first in its outermost WHERE group."""
    start = where_group_start(text)
    return f"{text[:start]}\n  {clause}\n{text[start:]}"


@dataclass(frozen=True)
class LeadingValues:
    """A one-variable, one-value ``VALUES ?v { term }`` block at the start of the WHERE group.

    ``start``/``end`` span the whole lines the block stands on (so that removing them leaves
    the query tidy); ``term`` is the value as written.
    """

    variable: str
    term: str
    start: int
    end: int
    line: int


def leading_values(text: str) -> list[LeadingValues]:
    """The VALUES blocks that open the outermost WHERE group, in order.

    Only comments and other such blocks may stand between ``WHERE {`` and a block. Each block
    binds one variable to one value; any other form raises :class:`ValueError`.
    """
    offset = where_group_start(text)
    tokens = list(_spans(text[offset:]))
    out: list[LeadingValues] = []
    i = 0
    while i < len(tokens) and tokens[i][0] == "word" and tokens[i][1].upper() == "VALUES":
        block_start = offset + tokens[i][2]
        line = text.count("\n", 0, block_start) + 1
        if i + 2 >= len(tokens) or tokens[i + 1][0] != "var" or tokens[i + 2][1] != "{":
            raise ValueError(
                f"line {line}: a default VALUES block binds one variable: VALUES ?name {{ value }}"
            )
        variable = tokens[i + 1][1][1:]
        j = i + 3
        while j < len(tokens) and tokens[j][1] != "}":
            j += 1
        if j >= len(tokens):
            raise ValueError(f"line {line}: the VALUES block is not closed")
        inner_start, inner_end = offset + tokens[i + 2][3], offset + tokens[j][2]
        term = text[inner_start:inner_end].strip()
        block_end = offset + tokens[j][3]
        out.append(LeadingValues(variable, term, *_whole_lines(text, block_start, block_end), line))
        i = j + 1
    return out


def _whole_lines(text: str, start: int, end: int) -> tuple[int, int]:
    """``start``/``end`` widened to whole lines when only a comment stands beside them."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    after = text[end:line_end].strip()
    if text[line_start:start].strip() or (after and not after.startswith("#")):
        return start, end
    return line_start, line_end


def prefix_declarations(text: str) -> dict[str, str]:
    """The query's ``PREFIX p: <iri>`` declarations (prologue only)."""
    out: dict[str, str] = {}
    tokens = list(_tokens(text))
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "word" and value.upper() == "PREFIX" and i + 2 < len(tokens):
            name, iri = tokens[i + 1], tokens[i + 2]
            if name[1] == ":" and iri[0] == "iri":  # the empty prefix
                out[""] = iri[1][1:-1]
            elif name[0] == "word" and name[1].endswith(":") and iri[0] == "iri":
                out[name[1][:-1]] = iri[1][1:-1]
            i += 3
        elif kind == "word" and value.upper() in {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}:
            break
        else:
            i += 1
    return out


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_STRING_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_LITERAL = re.compile(
    r"""^(?P<q>\"\"\"|'''|"|')(?P<body>.*)(?P=q)
        (?:@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(?P<dt><[^<>]*>|[A-Za-z_][\w\-.]*:[\w\-.]*))?$""",
    re.DOTALL | re.VERBOSE,
)
_PNAME = re.compile(r"^([A-Za-z][\w\-.]*)?:([\w\-.%]*)$")
XSD_NS = "http://www.w3.org/2001/XMLSchema#"


def _unescape(body: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code:
            return chr(int(code, 16))
        char = match.group(3)
        if char not in _ESCAPES:
            raise ValueError(f"unknown escape \\{char}")
        return _ESCAPES[char]

    return _STRING_ESCAPE.sub(one, body)


def _iri(text: str, prefixes: dict[str, str]) -> str:
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    match = _PNAME.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an IRI or prefixed name")
    prefix = match.group(1) or ""
    if prefix not in prefixes:
        raise ValueError(f"the prefix {prefix + ':'!r} is not declared")
    return prefixes[prefix] + match.group(2)


def term_parts(text: str, prefixes: dict[str, str]) -> tuple[str, str, str | None, str | None]:
    """One SPARQL term as ``(kind, value, datatype, language)``; kind is ``iri`` or ``literal``.

    IRIs, prefixed names, string literals (with a language tag or datatype), integers,
    decimals and booleans are read; anything else raises :class:`ValueError`.
    """
    text = text.strip()
    if text in {"true", "false"}:
        return "literal", text, XSD_NS + "boolean", None
    if re.fullmatch(r"[+-]?\d+", text):
        return "literal", text, XSD_NS + "integer", None
    if re.fullmatch(r"[+-]?\d*\.\d+", text):
        return "literal", text, XSD_NS + "decimal", None
    literal = _LITERAL.match(text)
    if literal is not None:
        body = literal.group("body")
        quote = literal.group("q")
        if not re.fullmatch(rf"(?:[^{quote}\\\n]|\\.)*", body, re.DOTALL) and len(quote) == 1:
            raise ValueError(f"{text!r} is not one literal")
        if len(quote) == 3 and not re.fullmatch(
            rf"(?:[^{quote[0]}\\]|\\.|{quote[0]}(?!{quote[0]}{quote[0]}))*", body, re.DOTALL
        ):
            raise ValueError(f"{text!r} is not one literal")
        datatype = literal.group("dt")
        return (
            "literal",
            _unescape(body),
            _iri(datatype, prefixes) if datatype else None,
            (literal.group("lang") or "").lower() or None,
        )
    return "iri", _iri(text, prefixes), None, None
