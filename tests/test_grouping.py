"""Groups of patients (emkg.grouping) and which constraint queries may run per group
(emkg.locality): worked out by hand on a four-patient graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from emkg.errors import InputError
from emkg.grouping import Grouping, group_files, split_into_batches
from emkg.locality import NotLocal, check_query

E = "https://w3id.org/emkg/ontology#"
X = "https://example.org/"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SUB = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
TERMS = {f"<{E}Patient>".encode(), f"<{E}Publication>".encode(), f"<{E}Female>".encode()}

# p1 and p2 are reported in pub1 (one group with it), p3 in pub2; p4 in no publication;
# the blank node hangs from p3; every patient points at the term emkg:Female (no link)
LINES = f"""<{X}pub1> {TYPE} <{E}Publication> .
<{X}pub2> {TYPE} <{E}Publication> .
<{X}p1> {TYPE} <{E}Patient> .
<{X}p1> <{E}reportedIn> <{X}pub1> .
<{X}p1> <{E}sex> <{E}Female> .
<{X}p2> {TYPE} <{E}Patient> .
<{X}p2> <{E}reportedIn> <{X}pub1> .
<{X}p2> <{E}sex> <{E}Female> .
<{X}p3> {TYPE} <{E}Patient> .
<{X}p3> <{E}reportedIn> <{X}pub2> .
<{X}p3> <{E}sex> <{E}Female> .
<{X}p3> <{E}hasMeasurement> _:m .
_:m <{E}value> "5" .
<{X}p4> {TYPE} <{E}Patient> .
<{X}p4> <{E}sequenceIndex> "5" .
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cohort.nt"
    path.write_text(text, encoding="utf-8")
    return path


def test_groups_follow_links_between_data_nodes(tmp_path: Path) -> None:
    g = group_files([_write(tmp_path, LINES)], TERMS)
    p = {n: f"<{X}{n}>".encode() for n in ("pub1", "pub2", "p1", "p2", "p3", "p4")}
    assert g.find(p["p1"]) == g.find(p["p2"]) == g.find(p["pub1"])
    assert g.find(p["p3"]) == g.find(p["pub2"]) == g.find(b"0_:m")
    assert len({g.find(p["p1"]), g.find(p["p3"]), g.find(p["p4"])}) == 3
    assert not g.is_data(f"<{E}Female>".encode())
    # pub1 group: 1 + 3 + 3 triples; pub2 group: 1 + 4 + 1; p4: 2
    assert sorted(g.sizes.values()) == [2, 6, 7]
    assert g.triples == 15
    assert g.usable
    assert f"{E}reportedIn" in g.linking
    assert f"{E}hasMeasurement" in g.linking
    assert f"{E}sex" not in g.linking
    assert f"{E}value" not in g.linking


def test_a_term_pointing_at_a_data_node_makes_groups_unusable(tmp_path: Path) -> None:
    text = LINES + f"<{E}Female> <{E}seeAlso> <{X}p1> .\n"
    g = group_files([_write(tmp_path, text)], TERMS)
    assert g.term_to_data == 1
    assert not g.usable


def test_groups_are_sized_in_the_order_the_file_first_names_them(tmp_path: Path) -> None:
    # a's lines are not together: a (1 line), b, a, then pubA (a's publication), then b
    text = f"""<{X}a> <{E}reportedIn> <{X}pubA> .
<{X}b> {TYPE} <{E}Patient> .
<{X}a> {TYPE} <{E}Patient> .
<{X}pubA> {TYPE} <{E}Publication> .
<{X}b> <{E}sex> <{E}Female> .
"""
    g = group_files([_write(tmp_path, text)], TERMS)
    a, b = f"<{X}a>".encode(), f"<{X}b>".encode()
    assert g.find(f"<{X}pubA>".encode()) == a  # the least key of the group is its root
    # group {a, pubA}: lines 1, 3, 4; group {b}: lines 2, 5; a named first (line 1)
    assert list(g.sizes.items()) == [(a, 3), (b, 2)]
    assert g.triples == 5


TARGET = f"{{ SELECT DISTINCT ?this WHERE {{ ?this {TYPE}/{SUB}* <{E}Patient> }} }}"


@pytest.mark.parametrize(
    "pattern",
    [
        # forward from the focus node, then from a term (shared triples)
        f"?this <{E}sex> ?v . ?v {TYPE} ?t .",
        # backward over a linking predicate: no match from a term anywhere
        f"?m <{E}reportedIn> ?this .",
        f"FILTER NOT EXISTS {{ ?this <{E}hasMeasurement> ?m . ?m <{E}value> ?x }}",
        f"MINUS {{ ?this {TYPE}/{SUB}* <{E}Patient> }}",
    ],
)
def test_patterns_reached_from_the_focus_node_run_per_group(tmp_path: Path, pattern: str) -> None:
    g = group_files([_write(tmp_path, LINES)], TERMS)
    check_query(f"SELECT ?this WHERE {{ {TARGET} {pattern} }}", g.predicates)


@pytest.mark.parametrize(
    "pattern",
    [
        # another patient with the same sex: backward from a term over a non-linking predicate
        f"?this <{E}sex> ?v . ?other <{E}sex> ?v .",
        # the same literal elsewhere
        f"?this <{E}sequenceIndex> ?i . FILTER EXISTS {{ ?other <{E}value> ?i }}",
        # a pattern joined on nothing
        f"?a <{E}reportedIn> ?b .",
    ],
)
def test_patterns_reaching_other_groups_do_not(tmp_path: Path, pattern: str) -> None:
    g = group_files([_write(tmp_path, LINES)], TERMS)
    with pytest.raises(NotLocal):
        check_query(f"SELECT ?this WHERE {{ {TARGET} {pattern} }}", g.predicates)


def test_the_query_names_its_constants(tmp_path: Path) -> None:
    g = group_files([_write(tmp_path, LINES)], TERMS)
    named = check_query(f"SELECT ?this WHERE {{ VALUES ?this {{ <{X}p1> }} }}", g.predicates)
    assert g.is_data(f"<{X}p1>".encode())
    assert f"<{X}p1>" in named


def test_terms_not_parted_by_spaces_are_read_alike(tmp_path: Path) -> None:
    # the same graph with no space between the terms and before the dot (valid N-Triples)
    tight = LINES.replace("> <", "><").replace("> .", ">.").replace("> _:", ">_:")
    assert tight != LINES
    g = group_files([_write(tmp_path, LINES)], TERMS)
    h = group_files([_write(tmp_path, tight)], TERMS)
    assert h.usable
    assert sorted(h.sizes.values()) == sorted(g.sizes.values()) == [2, 6, 7]
    assert h.find(f"<{X}p1>".encode()) == h.find(f"<{X}pub1>".encode())


def test_an_escaped_iri_makes_groups_unusable(tmp_path: Path) -> None:
    # <...p\u0031> is <...p1>: grouping by bytes would see two nodes, so it is not used
    escaped = LINES + f"<{X}p\\u0031> <{E}sex> <{E}Female> .\n"
    g = group_files([_write(tmp_path, escaped)], TERMS)
    assert not g.usable


LABEL = f'<{E}Female> <http://www.w3.org/2000/01/rdf-schema#label> "female" .\n'
# one shared line (a term's label) between pub1's group, complete before it, and p3
WITH_LABEL = LINES.replace(f"<{X}p3> {TYPE}", LABEL + f"<{X}p3> {TYPE}", 1)


def test_each_batch_is_announced_complete_as_soon_as_its_lines_are_written(
    tmp_path: Path,
) -> None:
    # a term's label (a shared line, for every batch) stands between pub1's group and p3;
    # groups in the order first named: pub1's (7 triples), pub2's (6), p4's (2)
    text = WITH_LABEL
    path = _write(tmp_path, text)
    g = group_files([path], TERMS)
    folder = tmp_path / "batches"
    folder.mkdir()
    announced: list[tuple[int, dict[int, str], dict[int, str], bool]] = []

    def ready(number: int, batch: dict[int, Path], shared: dict[int, Path]) -> None:
        announced.append(
            (
                number,
                {i: p.read_text(encoding="utf-8") for i, p in batch.items()},
                {i: p.read_text(encoding="utf-8") for i, p in shared.items()},
                (folder / "2-0.nt").exists(),  # p4's batch, whose lines end the file
            )
        )

    batches, _shared = split_into_batches(g, [path], folder, 6, ready)
    assert [a[0] for a in announced] == [0, 1, 2]
    lines = text.splitlines(keepends=True)
    # pub1's group: announced once the shared label is written, before p4's first line
    assert announced[0][1] == {0: "".join([lines[0], *lines[2:8]])}
    assert announced[0][2] == {0: LABEL}
    assert announced[0][3] is False
    assert announced[1][1] == {0: "".join([lines[1], *lines[9:14]])}
    assert announced[1][3] is False
    assert announced[2][1] == {0: "".join(lines[14:])}
    # what was announced is what the files hold at the end
    for number, contents, _shared, _later in announced:
        assert {i: p.read_text(encoding="utf-8") for i, p in batches[number].items()} == contents
    assert g.batches[g.find(f"<{X}p4>".encode())] == 2


@pytest.mark.parametrize(
    "changed",
    [
        # a second shared line once the one counted is written (it would reopen the shared
        # file, emptying it while batches may be reading it)
        WITH_LABEL + f'<{E}Patient> <http://www.w3.org/2000/01/rdf-schema#label> "p" .\n',
        # a line whose subject the grouping pass never saw: no data node, so a shared line
        WITH_LABEL + f'<{X}p9> <{E}sequenceIndex> "9" .\n',
        # one more line of pub1's group after its batch was handed out
        WITH_LABEL + f"<{X}p1> <{E}sex> <{E}Female> .\n",
        # one more line of pub1's group while its batch waits for the shared line
        WITH_LABEL.replace(LABEL, f"<{X}p2> <{E}sex> <{E}Female> .\n" + LABEL, 1),
        # lines fewer than counted: p4's last line, then the shared line
        WITH_LABEL[: WITH_LABEL.rindex(f"<{X}p4>")],
        WITH_LABEL.replace(LABEL, "", 1),
    ],
)
def test_a_file_changed_after_the_grouping_pass_is_bad_input(tmp_path: Path, changed: str) -> None:
    # the batches are written in a second pass: lines that are not those the grouping pass
    # counted would be checked in the wrong batch, so the run stops and says to run it again
    path = _write(tmp_path, WITH_LABEL)
    g = group_files([path], TERMS)
    assert g.usable
    assert g.shared_triples == 1
    path.write_text(changed, encoding="utf-8")
    folder = tmp_path / "batches"
    folder.mkdir()
    with pytest.raises(InputError) as refused:
        split_into_batches(g, [path], folder, 6)
    assert refused.value.path == path
    assert "changed while it was being validated" in str(refused.value)
    assert "run emkg validate again" in str(refused.value)


def test_a_carriage_return_ending_a_line_makes_groups_unusable(tmp_path: Path) -> None:
    # "\r" alone ends an N-Triples line, but lines are read split on "\n": such a file would
    # be read as one line of several triples, so the whole graph is validated instead
    for cr in (LINES.replace("\n", "\r"), LINES.replace(" .\n", " .\r\n", 3).replace("\n", "\r")):
        assert not group_files([_write(tmp_path, cr)], TERMS).usable
    crlf = group_files([_write(tmp_path, LINES.replace("\n", "\r\n"))], TERMS)
    assert crlf.usable
    assert sorted(crlf.sizes.values()) == [2, 6, 7]


def _settled(g: Grouping) -> tuple[object, ...]:
    """Everything a grouping found, each node's parent made its group's root."""
    for node in list(g.parent):
        g.find(node)
    return (
        list(g.parent.items()),
        list(g.sizes.items()),
        sorted(g.linking),
        sorted(g.unshared),
        (g.triples, g.shared_triples, g.term_to_data, g.unreadable),
    )


# a second file: p5 links to p4 (of the first file) only through its last line; _:n and _:k
# are blank nodes seen only as objects (data nodes the link pass adds, in the order seen);
# a term points at p5 (a triple from a term to a data node, counted on p5)
MORE = f"""<{X}p5> {TYPE} <{E}Patient> .
<{X}p5> <{E}hasMeasurement> _:n .
<{X}p5> <{E}sex> <{E}Female> .
<{E}Female> <{E}seenIn> <{X}p5> .
<{X}p6> <{E}hasMeasurement> _:k .
<{X}p6> <{E}hasMeasurement> _:n .
<{X}p5> <{E}relatedTo> <{X}p4> .
"""


@pytest.mark.parametrize("runs", [2, 3, 5, 9, 40])
def test_the_link_pass_in_runs_finds_what_one_pass_finds(tmp_path: Path, runs: int) -> None:
    # the link pass reads the lines in runs at once (the later runs in forked processes):
    # cuts between the files, inside a subject's run of lines (p1's, p5's) and between a
    # blank node's first and later lines; 40 runs cut at every line. The same groups (p6
    # joins p5 through _:n, p5 joins p4 in the last line), sizes in the same order,
    # predicates and counts as one pass
    first = _write(tmp_path, WITH_LABEL)
    second = tmp_path / "more.nt"
    second.write_text(MORE, encoding="utf-8")
    one = group_files([first, second], TERMS, runs=1)
    p = {n: f"<{X}{n}>".encode() for n in ("p4", "p5", "p6")}
    assert one.find(p["p4"]) == one.find(p["p5"]) == one.find(p["p6"]) == one.find(b"1_:k")
    assert one.term_to_data == 1
    split = group_files([first, second], TERMS, runs=runs)
    assert _settled(split) == _settled(one)


@pytest.mark.parametrize("runs", [1, 2])
def test_empty_files_give_no_group(tmp_path: Path, runs: int) -> None:
    empty = tmp_path / "empty.nt"
    empty.write_bytes(b"")
    g = group_files([empty, empty], TERMS, runs=runs)
    assert (g.triples, g.sizes, g.usable) == (0, {}, False)


def _dies(_parts: object) -> object:
    """A forked process of the link pass killed (as the out-of-memory killer would)."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("not reached")


@pytest.mark.parametrize("runs", [2, 3])
def test_a_killed_link_process_leaves_its_runs_to_this_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runs: int
) -> None:
    # every forked process of the link pass dies: their runs are read here, in order, with
    # what one pass finds
    from emkg import grouping

    first = _write(tmp_path, WITH_LABEL)
    second = tmp_path / "more.nt"
    second.write_text(MORE, encoding="utf-8")
    one = group_files([first, second], TERMS, runs=1)
    _dies.__qualname__, _dies.__module__ = "_link_apart", "emkg.grouping"
    monkeypatch.setattr(grouping, "_link_apart", _dies)
    split = group_files([first, second], TERMS, runs=runs)
    assert _settled(split) == _settled(one)


def test_a_line_s_head_is_the_iri_it_starts_with() -> None:
    # the IRI up to its first ">" (an IRI ends there), whatever follows; no head otherwise
    from emkg.grouping import NO_HEAD, iri_head

    assert iri_head(f"<{X}p1> <{E}sex> <{E}Female> .\n".encode()) == f"<{X}p1>".encode()
    assert iri_head(f"<{X}p1><{E}sex><{E}Female>.\n".encode()) == f"<{X}p1>".encode()
    for line in (b'_:b <p> "x" .\n', b"# <a> <b> <c> .\n", b"<unended\n", b"\n", b""):
        assert iri_head(line) is NO_HEAD, line
    assert not any(line.startswith(NO_HEAD) for line in (b"\n", b"<a> <b> <c> .\n"))
