"""The partial-order "after" rule of the saved queries (docs/modelling.md, "A patient's timeline").

Every saved query that asks "after X" carries the same block: an OPTIONAL over the placement
properties with the margin each one gives, then, inline in a FILTER, the expression for the largest
index of an event without a placement that the event is known to follow, compared with X's index
(inline, not BIND + FILTER: Virtuoso 7.2 drops rows at a FILTER on a BINDed variable after a
chain of OPTIONALs, docs/triple-stores.md V10). These tests pin that the copies are identical
and the same as the rule's text in docs/modelling.md, that the block lists exactly the placement
properties the ontology declares, and what the block computes on a small timeline worked out by
hand from the rule, on both engines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDFS

from emkg import build, paths

EMKG = Namespace("https://w3id.org/emkg/ontology#")
EX = Namespace("https://example.org/after/")

#: the block's OPTIONAL, over the placements of ?<event>
OPTIONAL_PART = re.compile(
    r"^(?P<indent> *)OPTIONAL \{\n(?P=indent)  VALUES \(\?(?P<event>\w+)Placement .*\n"
    r"(?:(?P=indent)(?: .*|\})\n)*?(?P=indent)\}\n",
    re.M,
)
#: the block's test, inline in a FILTER: the known-after expression of ?<event> (two lines, the
#: second indented to the FILTER's layout) compared with X's index
TEST_PART = re.compile(r"IF\(!BOUND\(\?(?P<event>\w+)Anchor\)[^\n]*\n *[^\n]*? >= \?(?P<x>\w+)\b")

QUERY_FILES = sorted(paths.queries_dir().rglob("*.rq"))
AFTER_FILES = [p for p in QUERY_FILES if TEST_PART.search(p.read_text(encoding="utf-8"))]


def _renamed(text: str, event: str) -> str:
    return re.sub(rf"\?{event}(?=[A-Z ]|\b)", "?event", text)


def _blocks(path: Path) -> list[tuple[str, str]]:
    """(event variable, block text: the OPTIONAL with no indent, then the test with its line
    break and indent as one space, the event variable renamed ?event and X's index ?xIndex)."""
    return _blocks_in(path.read_text(encoding="utf-8"), path.name)


def _blocks_in(text: str, name: str) -> list[tuple[str, str]]:
    tests = list(TEST_PART.finditer(text))
    found = []
    for match in OPTIONAL_PART.finditer(text):
        event, indent = match["event"], match["indent"]
        lines = [line.removeprefix(indent) for line in match[0].splitlines()]
        test = next((t for t in tests if t["event"] == event and t.start() > match.end()), None)
        assert test is not None, f"{name}: the OPTIONAL over ?{event} has no after test"
        inline = re.sub(r"\n *", " ", test[0]).removesuffix("?" + test["x"]) + "?xIndex"
        found.append((event, _renamed("\n".join(lines) + "\n" + inline, event)))
    return found


def test_the_queries_that_ask_after_are_the_expected_ones() -> None:
    stems = {p.stem[:4] for p in AFTER_FILES}
    assert {"cq01", "cq02", "cq07", "cq08", "cq12", "cq13", "cq16"} <= stems


@pytest.mark.parametrize("path", AFTER_FILES, ids=lambda p: p.stem)
def test_every_after_block_is_the_one_block(path: Path) -> None:
    blocks = _blocks(path)
    uses = len(TEST_PART.findall(path.read_text(encoding="utf-8")))
    assert blocks, f"{path.name} has the after test without the after block"
    assert len(blocks) == uses, f"{path.name}: {uses} after tests, {len(blocks)} blocks"
    reference = _blocks(AFTER_FILES[0])[0][1]
    for event, text in blocks:
        assert text == reference, (
            f"{path.name}: the after block of ?{event} differs from the others"
        )


def test_the_rule_text_in_the_modelling_notes_is_the_one_block() -> None:
    notes = paths.project_root() / "docs" / "modelling.md"
    if not notes.is_file():
        pytest.skip("docs/ is not part of this installation")
    blocks = _blocks_in(notes.read_text(encoding="utf-8"), notes.name)
    assert [text for _, text in blocks] == [_blocks(AFTER_FILES[0])[0][1]]


def _ontology() -> Graph:
    graph = Graph()
    for path in build.ontology_files():
        graph.parse(path, format="turtle")
    return graph


def test_the_block_lists_every_placement_property_of_the_ontology() -> None:
    listed = set(re.findall(r"\((emkg:\w+) (?:\d+|UNDEF)\)", _blocks(AFTER_FILES[0])[0][1]))
    declared = {
        "emkg:" + str(p).removeprefix(str(EMKG))
        for p in _ontology().subjects(RDFS.subPropertyOf, EMKG.placedRelativeTo)
    }
    assert declared, "the ontology declares no placement property"
    assert listed == declared


# A timeline worked out by hand from the table in docs/modelling.md. Events without a placement:
# line L at index 2, e1 at 1, e5 at 5. Each placed event's own index (its listing position) is
# chosen to contradict the rule, so that a block that reads it gives a different answer.
TIMELINE = """
@prefix emkg: <https://w3id.org/emkg/ontology#> .
@prefix ex: <https://example.org/after/> .
ex:e1 emkg:sequenceIndex 1 .
ex:L emkg:sequenceIndex 2 .
ex:e5 emkg:sequenceIndex 5 .
ex:unplacedLater emkg:sequenceIndex 3 .
ex:during emkg:sequenceIndex 9 ; emkg:during ex:L .
ex:notBefore emkg:sequenceIndex 9 ; emkg:notBefore ex:L .
ex:sameTime emkg:sequenceIndex 9 ; emkg:sameTimeAs ex:L .
ex:placedAfter emkg:sequenceIndex 0 ; emkg:placedAfter ex:L .
ex:onlyBefore emkg:sequenceIndex 9 ; emkg:placedBefore ex:e5 .
ex:duringE5 emkg:sequenceIndex 1 ; emkg:during ex:e5 .
ex:afterE1 emkg:sequenceIndex 9 ; emkg:placedAfter ex:e1 .
ex:bothBeforeAndAfter emkg:sequenceIndex 9 ; emkg:placedAfter ex:L ; emkg:placedBefore ex:e5 .
"""

#: which events are after L (index 2), by the rule
AFTER_L = {
    "e5": True,  # no placement, larger index
    "unplacedLater": True,
    "e1": False,
    "L": False,  # not after itself
    "during": False,  # "an event placed only during X is not after X"
    "notBefore": False,
    "sameTime": False,
    "placedAfter": True,  # placed after an event whose index is not smaller than L's
    "onlyBefore": False,  # an upper bound is never "after" on its own
    "duringE5": True,  # placed during an event whose index is larger than L's
    "afterE1": False,  # after e1 (index 1) says nothing about L
    "bothBeforeAndAfter": True,
}


def _after_query(path: Path) -> str:
    _, block = _blocks(path)[0]
    optional, test = block.rsplit("\n", 1)
    return (
        "PREFIX emkg: <https://w3id.org/emkg/ontology#>\n"
        "SELECT DISTINCT ?event WHERE {\n"
        "  ?event emkg:sequenceIndex ?eventIndex .\n"
        "  <https://example.org/after/L> emkg:sequenceIndex ?xIndex .\n"
        f"{optional}\n"
        f"FILTER ({test})\n}}"
    )


@pytest.mark.parametrize("path", AFTER_FILES, ids=lambda p: p.stem)
def test_the_block_says_after_exactly_where_the_rule_does(path: Path) -> None:
    expected = {name for name, after in AFTER_L.items() if after}
    query = _after_query(path)

    graph = Graph().parse(data=TIMELINE, format="turtle")
    by_rdflib = {str(row[0]).removeprefix(str(EX)) for row in graph.query(query)}
    assert by_rdflib == expected

    store = ox.Store()
    store.load(TIMELINE.encode(), format=ox.RdfFormat.TURTLE)
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    by_oxigraph = {sol[0].value.removeprefix(str(EX)) for sol in result}
    assert by_oxigraph == expected


def test_the_timeline_exercises_every_placement_property() -> None:
    graph = Graph().parse(data=TIMELINE, format="turtle")
    used = {p for _, p, _ in graph if p != EMKG.sequenceIndex}
    declared = set(_ontology().subjects(RDFS.subPropertyOf, EMKG.placedRelativeTo))
    assert used == declared


def test_every_list_of_placement_properties_lists_them_all() -> None:
    """A VALUES list naming one placement property (the after block, CQ9's placement columns)
    names them all: saved queries read no inferred triples, so a property left out would be
    silently missing from its answers. (CQ6's single "placed after the infusion" is an
    attribution, not a list; the placements view reads rdfs:subPropertyOf.)"""
    declared = {
        str(p).removeprefix(str(EMKG))
        for p in _ontology().subjects(RDFS.subPropertyOf, EMKG.placedRelativeTo)
    }
    lists = 0
    for path in QUERY_FILES:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"VALUES [^{]*\{([^}]*)\}", text):
            named = {name for name in declared if re.search(rf"emkg:{name}\b", block)}
            if named:
                lists += 1
                assert named == declared, f"{path.name} leaves out {sorted(declared - named)}"
    assert lists > len(AFTER_FILES)  # the after blocks and CQ9's placement columns
