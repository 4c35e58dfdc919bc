"""Just enough SPARQL lexing to read a query's shape: its SELECT list and its WHERE group.

Comments, strings and IRIs (which may hold ``#``, braces or keywords) are skipped as tokens, so
the outermost SELECT list and the braces of the outermost group are found reliably without a
full parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
