"""Groups of patients for validating a big cohort piece by piece (README "Validating at scale").

One streamed pass per step over N-Triples files, no RDF graph in memory:

1. the *data nodes*: every subject of the files and every blank node, but not a term of the
   ontology's class hierarchy;
2. groups by union-find: a triple linking two data nodes joins their groups (a publication
   joins its patients into one group); per predicate, whether all its objects are data nodes
   (``linking``) and whether some subject of it is a data node (else every triple of it goes
   to every group), which :mod:`emkg.locality` uses to decide which constraint queries
   give the whole graph's rows group by group.

Each triple then belongs to the group of its data node; a triple with no data node (a term's
label, say) to every group. A triple from a term to a data node would tie that node to every
group: :attr:`Grouping.usable` is then false and the caller validates the whole graph.
"""

from __future__ import annotations

import io
import itertools
import os
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from rdflib import URIRef
from rdflib.term import Node

from emkg.errors import InputError
from emkg.locality import Predicates

#: an N-Triples line read term by term where whitespace does not separate the terms
#: (``<s><p><o>.`` is valid N-Triples): subject, predicate, then the rest
_HEAD = re.compile(rb"[ \t]*(<[^>]*>|_:[^ \t<]+)[ \t]*(<[^>]*>)[ \t]*(.*)", re.DOTALL)


class Unreadable(ValueError):
    """A line the quick split cannot read as one triple with plain IRIs: the caller
    validates the whole graph instead (an IRI written with ``\\u`` escapes names the same
    node as its plain form, which grouping by bytes would miss; a bare carriage return ends
    an N-Triples line, which reading lines split on line feeds would miss)."""


def _check_line_end(line: bytes) -> None:
    """:class:`Unreadable` for a carriage return anywhere but in a final ``\\r\\n``
    (N-Triples forbids one inside a literal or an IRI: it ends a line, and the lines are
    read split on line feeds only)."""
    cr = line.find(b"\r")
    if cr >= 0 and (cr != len(line) - 2 or line[-1:] != b"\n"):
        raise Unreadable(line[:200])


def _holds_cr(path: Path) -> bool:
    """Whether ``path`` holds a carriage return anywhere (one scan of the mapped file, far
    quicker than a test per line: most files hold none)."""
    import mmap

    with path.open("rb") as handle:
        if path.stat().st_size == 0:
            return False
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return mapped.find(b"\r") >= 0


def _changed(path: Path | None, what: str, line: int | None = None) -> InputError:
    """The error for a file (None: one of several) whose lines are not those the grouping
    pass read."""
    which = "the file" if path is not None else "one of the files"
    return InputError(
        f"{which} changed while it was being validated ({what})",
        path=path,
        line=line,
        hint="leave the file unchanged while emkg validates it, and run emkg validate again",
    )


def _split(line: bytes) -> tuple[bytes, bytes, bytes] | None:
    """Subject, predicate and object (a literal as its first byte ``"``) of an N-Triples line;
    None for a blank or comment line; :class:`Unreadable` for anything else it cannot read."""
    parts = line.split(None, 2)
    if (
        len(parts) < 3
        or parts[0].find(b"<", 1) >= 0
        or parts[1].find(b"<", 1) >= 0
        or parts[1][-1:] != b">"
    ):
        if not parts or parts[0][:1] == b"#":
            return None
        found = _HEAD.match(line)
        if found is None:
            raise Unreadable(line[:200])
        parts = list(found.groups())
    s, p, rest = parts
    if rest[:1] == b'"':
        o = b'"'
    else:
        pieces = rest.split(None, 1)
        o = pieces[0] if pieces else b""
        if o[:1] == b"<":
            if o[-1:] != b">":  # no space before the final dot: <o>.
                o = o[: o.find(b">") + 1]
        elif o[:2] == b"_:":
            o = o.rstrip(b".")
        else:
            raise Unreadable(line[:200])
    if b"\\" in line and (b"\\" in s or b"\\" in p or b"\\" in o):
        raise Unreadable(line[:200])
    return s, p, o


def _keyed(line: bytes, tag: bytes) -> tuple[bytes, bytes, bytes] | None:
    """:func:`_split` with blank nodes keyed by their file's ``tag`` (labels are local to a
    file)."""
    found = _split(line)
    if found is None:
        return None
    s, p, o = found
    return (tag + s if s[:2] == b"_:" else s), p, (tag + o if o[:2] == b"_:" else o)


@dataclass
class Grouping:
    """The groups of data nodes of some N-Triples files (see the module docstring)."""

    #: the group (a root data node) of each data node
    parent: dict[bytes, bytes] = field(default_factory=dict)
    #: triples per group root
    sizes: dict[bytes, int] = field(default_factory=dict)
    linking: set[str] = field(default_factory=set)
    #: predicates of which some triple has a data node as subject
    unshared: set[str] = field(default_factory=set)
    #: triples whose subject is no data node (they go to every group)
    shared_triples: int = 0
    #: triples from a term to a data node (groups unusable when any)
    term_to_data: int = 0
    #: a line the quick split could not read (groups unusable: see :class:`Unreadable`)
    unreadable: bytes = b""
    triples: int = 0
    #: the batch of each group root (:func:`split_into_batches`)
    batches: dict[bytes, int] = field(default_factory=dict)

    def batch_of(self, node: Node) -> int | None:
        """The batch of a named data node; None for a term or a literal (a blank node's label
        in a store is not its label in the file: the caller knows its batch)."""
        if not isinstance(node, URIRef):
            return None
        key = f"<{node}>".encode()
        if key not in self.parent:
            return None
        return self.batches[self.find(key)]

    def find(self, node: bytes) -> bytes:
        parent = self.parent
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    def union(self, a: bytes, b: bytes) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def is_data(self, key: bytes) -> bool:
        return key in self.parent

    @property
    def predicates(self) -> Predicates:
        return Predicates(frozenset(self.linking), frozenset(self.unshared))

    @property
    def largest(self) -> int:
        """Triples of the largest group."""
        return max(self.sizes.values(), default=0)

    @property
    def usable(self) -> bool:
        """Whether validating group by group can give the whole graph's results (not without
        a group: no batch would check the triples)."""
        return self.term_to_data == 0 and not self.unreadable and bool(self.sizes)


#: a run of lines the link pass reads: (file index, path, first byte, end byte or -1 for the
#: file's end); a run starts at the start of a line
_Part = tuple[int, Path, int, int]


@dataclass
class _Links:
    """What the link pass (:func:`_link`) finds over some lines, besides the unions it makes
    in the grouping it is given: per predicate, whether some object is no data node
    (``not_linking``), whether it is seen with a data node as object (``seen``), whether
    some subject is a data node (``data_subject``); triples per data node (a subject, else
    the object), keyed in the order the lines first name them; the counts of
    :class:`Grouping`."""

    not_linking: set[bytes] = field(default_factory=set)
    seen: set[bytes] = field(default_factory=set)
    data_subject: set[bytes] = field(default_factory=set)
    counts: dict[bytes, int] = field(default_factory=dict)
    triples: int = 0
    shared_triples: int = 0
    term_to_data: int = 0

    def merge(self, later: _Links) -> None:
        """Add what the lines after these found (the counts keep the order of first naming:
        these lines' nodes first)."""
        self.not_linking |= later.not_linking
        self.seen |= later.seen
        self.data_subject |= later.data_subject
        counts = self.counts
        for node, count in later.counts.items():
            counts[node] = counts.get(node, 0) + count
        self.triples += later.triples
        self.shared_triples += later.shared_triples
        self.term_to_data += later.term_to_data


class _Range(io.RawIOBase):
    """The bytes of a file from ``start`` to ``end`` (-1: its end), for a buffered reader to
    iterate their lines as quickly as a whole file's."""

    def __init__(self, handle: io.FileIO, start: int, end: int) -> None:
        super().__init__()
        self.handle = handle
        handle.seek(start)
        self.left = end - start if end >= 0 else -1

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if self.left >= 0:
            view = view[: self.left]
        read = self.handle.readinto(view) or 0
        if self.left >= 0:
            self.left -= read
        return read


def _link(grouping: Grouping, parts: Sequence[_Part]) -> _Links:
    """The second pass of :func:`group_files` over the lines of ``parts``: union the data
    nodes each triple links, and what :class:`_Links` says.

    One loop over the lines, each read by :func:`_keyed` (the one rule for a line). A
    subject's triples are counted as one run while the subject repeats (N-Triples writers put
    them together), so ``counts`` is keyed in the order the files first name their nodes, as
    one count per line would key it."""
    links = _Links()
    parent = grouping.parent
    union = grouping.union
    counts = links.counts
    seen_add, not_linking_add = links.seen.add, links.not_linking.add
    data_subject_add = links.data_subject.add
    triples = shared_triples = term_to_data = 0
    run_node, run = b"", 0  # the data subject of the current run of lines, and its lines
    for index, path, start, end in parts:
        tag = b"%d" % index
        with (
            path.open("rb", buffering=0) as raw,
            io.BufferedReader(_Range(raw, start, end), 1 << 20) as handle,
        ):
            for line in handle:
                found = _keyed(line, tag)
                if found is None:
                    continue
                s, p, o = found
                triples += 1
                if o[:1].isdigit():  # a blank node (its key starts with its file's index)
                    parent.setdefault(o, o)
                s_data = s in parent
                o_data = o in parent
                if s_data:
                    data_subject_add(p)
                    if s == run_node:
                        run += 1
                    else:
                        if run:
                            counts[run_node] = counts.get(run_node, 0) + run
                        run_node, run = s, 1
                    if o_data:
                        union(s, o)
                elif o_data:
                    term_to_data += 1
                    seen_add(p)  # the others are in not_linking or data_subject
                    if run:
                        counts[run_node] = counts.get(run_node, 0) + run
                        run_node, run = b"", 0
                    counts[o] = counts.get(o, 0) + 1
                else:
                    shared_triples += 1
                if not o_data:
                    not_linking_add(p)
    if run:
        counts[run_node] = counts.get(run_node, 0) + run
    links.triples, links.shared_triples, links.term_to_data = triples, shared_triples, term_to_data
    return links


def _runs(paths: Sequence[Path], parts: int) -> list[list[_Part]]:
    """The files' lines cut into ``parts`` runs of about equal bytes, in the files' order (a
    cut moves on to the start of the next line; a run may end in one file and go on in the
    next)."""
    sizes = [path.stat().st_size for path in paths]
    total = sum(sizes)
    cuts = [total * k // parts for k in range(1, parts)]
    runs: list[list[_Part]] = [[]]
    offset = 0
    for index, (path, size) in enumerate(zip(paths, sizes, strict=True)):
        start = 0
        while cuts and cuts[0] < offset + size:
            at = cuts.pop(0) - offset
            if at > 0:
                with path.open("rb") as handle:
                    handle.seek(at - 1)
                    handle.readline()  # to the start of the line after the cut
                    at = handle.tell()
            if at > start:
                runs[-1].append((index, path, start, at))
            runs.append([])
            start = at
        if start < size:
            runs[-1].append((index, path, start, -1))
        offset += size
    return [run for run in runs if run]


#: N-Triples input of more than this many bytes in all has its link pass read in two halves
#: at once, on two cores (:func:`group_files`)
SPLIT_BYTES = 32 << 20

#: what a forked process of the link pass reads (set before it is forked, not sent)
_FORKED: dict[str, Grouping] = {}


def _link_apart(parts: list[_Part]) -> tuple[_Links, list[bytes], list[bytes], list[bytes]]:
    """:func:`_link` over ``parts`` in a forked process: its :class:`_Links`, the data nodes
    it added (blank nodes seen only as objects) in the order it added them, and each node it
    pointed at another (its parent) with that other, for the forking process to make the same
    unions in its own grouping."""
    grouping = _FORKED["grouping"]
    parent = grouping.parent
    known = len(parent)
    links = _link(grouping, parts)
    added = list(itertools.islice(parent, known, None))
    joined = [node for node, up in parent.items() if up is not node]
    return links, added, joined, [parent[node] for node in joined]


def _linked(grouping: Grouping, runs: list[list[_Part]]) -> _Links:
    """:func:`_link` over each run of lines, the first here and the others in forked
    processes at the same time, joined in the order of the runs: the same unions, counts
    and predicates as one pass over all the lines (:class:`Unreadable` if a run has an
    unreadable line). If a forked process dies (the out-of-memory killer, say), its run and
    those after it are read here, in the same order."""
    if len(runs) <= 1:  # none: the files are empty
        return _link(grouping, runs[0] if runs else [])
    from concurrent.futures.process import BrokenProcessPool

    from emkg.forkpool import forked_pool

    _FORKED["grouping"] = grouping
    try:
        with forked_pool(len(runs) - 1) as pool:
            later = [pool.submit(_link_apart, run) for run in runs[1:]]
            links = _link(grouping, runs[0])
            parent = grouping.parent
            union = grouping.union
            for number, future in enumerate(later, 1):
                try:
                    found, added, joined, ups = future.result()
                except BrokenProcessPool:  # a forked process died: the rest is read here
                    for run in runs[number:]:
                        links.merge(_link(grouping, run))
                    break
                for node in added:
                    parent.setdefault(node, node)
                for node, up in zip(joined, ups, strict=True):
                    union(node, up)
                links.merge(found)
    finally:
        _FORKED.clear()
    return links


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def group_files(paths: Iterable[Path], terms: set[bytes], *, runs: int | None = None) -> Grouping:
    """The groups of the data nodes of N-Triples files; ``terms``: the IRIs (as ``<...>``)
    of the ontology's class hierarchy, never data nodes.

    The link pass (the longer of the two) reads the lines in ``runs`` runs at once, each
    after the first in a forked process, and joins what they found: the groups, their sizes
    in the same order and the predicates of one pass. Default: two runs when this process may
    use two cores and the input is over :data:`SPLIT_BYTES`, else one."""
    paths = [Path(p) for p in paths]
    grouping = Grouping()
    parent = grouping.parent
    for index, path in enumerate(paths):  # the subjects only: a quicker split
        tag = b"%d" % index
        cr = _holds_cr(path)
        last = b""  # the subject token of the line before: most lines repeat it
        with path.open("rb") as handle:
            for line in handle:
                if cr and b"\r" in line:
                    try:
                        _check_line_end(line)
                    except Unreadable as exc:
                        grouping.unreadable = exc.args[0]
                        return grouping
                parts = line.split(None, 1)
                if not parts or parts[0][:1] == b"#":
                    continue
                s = parts[0]
                if s == last:  # read alike as on the line before
                    continue
                last = s
                if (s[-1:] != b">" and s[:2] != b"_:") or s.find(b"<", 1) >= 0:  # no space after it
                    try:
                        found = _split(line)
                    except Unreadable as exc:
                        grouping.unreadable = exc.args[0]
                        return grouping
                    if found is None:
                        continue
                    s = found[0]
                s = tag + s if s[:2] == b"_:" else s
                if s not in terms:
                    parent.setdefault(s, s)
    if runs is None:
        big = sum(path.stat().st_size for path in paths) > SPLIT_BYTES
        runs = 2 if big and _cores() >= 2 else 1
    try:
        links = _linked(grouping, _runs(paths, max(1, runs)))
    except Unreadable as exc:
        grouping.unreadable = exc.args[0]
        return grouping
    sizes: dict[bytes, int] = {}
    for node, count in links.counts.items():  # in the order the files name them
        root = grouping.find(node)
        sizes[root] = sizes.get(root, 0) + count
    grouping.sizes = sizes
    seen = links.seen | links.not_linking | links.data_subject  # a data node is an object of one
    grouping.linking = {_iri(p) for p in seen - links.not_linking}
    grouping.unshared = {_iri(p) for p in links.data_subject}
    grouping.triples += links.triples
    grouping.shared_triples += links.shared_triples
    grouping.term_to_data += links.term_to_data
    return grouping


def _iri(token: bytes) -> str:
    return token.decode("utf-8").strip("<>")


#: no line starts with two line feeds (lines are split on one): the head of no line
NO_HEAD = b"\n\n"


def iri_head(line: bytes) -> bytes:
    """The IRI ``line`` starts with, ``<`` to its first ``>``, else :data:`NO_HEAD`.

    The rule for a run of lines of one subject: an IRI ends at its first ``>``, so every line
    that starts with the head of a line whose subject is that IRI has that subject too, as
    :func:`_keyed` would read it. A reader that has read the first line of a run
    (:func:`_owners`, :func:`emkg.storefacts.lines_in_batch`) knows the others by
    ``line.startswith(head)`` (written out in its loop: it is the test of most lines)."""
    end = line.find(b">")
    return line[: end + 1] if line[:1] == b"<" and end > 0 else NO_HEAD


def _nowhere(_line: bytes) -> object:
    raise AssertionError("no batch file yet")


def _owners(
    grouping: Grouping, paths: Sequence[Path]
) -> Iterator[tuple[int, bytes | None, bytes, int]]:
    """(file index, data node, line, line number) of every triple of files that
    :func:`group_files` read without fault: the data node whose group the line belongs to (its
    subject if a data node, else its object if one, else None). Most lines start with a data
    node, written as the grouping pass keys it: those are not split further."""
    parent = grouping.parent
    for index, path in enumerate(paths):
        tag = b"%d" % index
        last = NO_HEAD  # the data node IRI the line before started with (iri_head)
        with path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                if line.startswith(last):  # the same subject (iri_head)
                    yield index, last, line, number
                    continue
                head = line.split(None, 1)
                s = head[0] if head else b""
                if s[:2] == b"_:":
                    s = tag + s
                if s in parent:
                    last = s if iri_head(s) == s else NO_HEAD
                    yield index, s, line, number
                    continue
                last = NO_HEAD
                found = _keyed(line, tag)
                if found is not None:
                    s, _p, o = found
                    yield index, s if s in parent else o if o in parent else None, line, number


def split_into_batches(
    grouping: Grouping,
    paths: Sequence[Path],
    folder: Path,
    batch_triples: int,
    ready: Callable[[int, dict[int, Path], dict[int, Path]], None] | None = None,
) -> tuple[list[dict[int, Path]], dict[int, Path]]:
    """Write each file's lines into batches of whole groups of about ``batch_triples``
    triples (groups in the order the files first name them) under ``folder``: per batch, the
    N-Triples file of each input file's lines in it, with beside it (same name, suffix
    ``.lines``) the line number in the input file of each of its lines (unsigned 64-bit, the
    machine's byte order); and per input file, the file of its lines with no data node (for
    every batch). Sets :attr:`Grouping.batches`.

    ``ready(number, batch, shared)`` is called once per batch, as soon as its files and the
    shared files are complete and closed (:attr:`Grouping.sizes` says how many lines each
    group has), so that the batch can be checked while the rest is still being written;
    batches complete in the order their last line comes in the files. :class:`InputError`
    when the files' lines are not those :func:`group_files` counted (a file changed meanwhile:
    the batches would not hold the lines their groups need)."""
    batch_of_root: dict[bytes, int] = {}
    expected: list[int] = []
    number, filled = 0, 0
    for root, size in grouping.sizes.items():
        if filled and filled + size > batch_triples:
            number, filled = number + 1, 0
        batch_of_root[root] = number
        filled += size
        if number == len(expected):
            expected.append(0)
        expected[number] += size
    grouping.batches = batch_of_root
    batches: list[dict[int, Path]] = [{} for _ in expected]
    shared: dict[int, Path] = {}
    handles: dict[tuple[int, int], BinaryIO] = {}
    numbers: dict[tuple[int, int], array[int]] = {}
    written = [0] * len(expected)
    shared_left = grouping.shared_triples
    complete: list[int] = []  # batches whose lines are all written, waiting for shared lines
    announced: set[int] = set()

    def announce(batch: int) -> None:
        for index, path in batches[batch].items():
            handles.pop((batch, index)).close()
            with path.with_suffix(".lines").open("wb") as handle:
                numbers.pop((batch, index)).tofile(handle)
        announced.add(batch)
        if ready is not None:
            ready(batch, batches[batch], shared)

    def shared_done() -> None:
        for index in shared:
            handles.pop((-1, index)).close()
        for batch in complete:
            announce(batch)
        complete.clear()

    try:
        # the data node of the line before, its batch and files: most lines go on with it
        last: bytes | None = NO_HEAD
        last_batch, last_numbers = 0, array("Q")
        last_write: Callable[[bytes], object] = _nowhere
        for index, node, line, at in _owners(grouping, paths):
            if node is not last or written[last_batch] == expected[last_batch]:
                # the lines must be those the grouping pass counted: a file that changed
                # since would put lines in the wrong batches (or truncate a shared file)
                if node is None:
                    batch = -1
                    if shared_left <= 0:
                        raise _changed(paths[index], "more lines of no group than counted", at)
                else:
                    batch = batch_of_root.get(grouping.find(node), -1)
                    if batch < 0 or written[batch] == expected[batch]:
                        raise _changed(paths[index], "more lines of a group than counted", at)
                handle = handles.get((batch, index))
                if handle is None:
                    path = folder / (f"shared-{index}.nt" if batch < 0 else f"{batch}-{index}.nt")
                    if batch < 0:
                        shared[index] = path
                    else:
                        batches[batch][index] = path
                    handle = handles[(batch, index)] = path.open("wb")
                    if batch >= 0:
                        numbers[(batch, index)] = array("Q")
                if batch < 0:
                    handle.write(line if line.endswith(b"\n") else line + b"\n")
                    shared_left -= 1
                    if shared_left == 0:
                        shared_done()
                    continue
                last, last_batch, last_write = node, batch, handle.write
                last_numbers = numbers[(batch, index)]
            last_write(line if line.endswith(b"\n") else line + b"\n")
            last_numbers.append(at)
            written[last_batch] += 1
            if written[last_batch] == expected[last_batch]:
                if shared_left > 0:
                    complete.append(last_batch)
                else:
                    announce(last_batch)
        if shared_left > 0 or len(announced) < len(expected):
            raise _changed(paths[0] if len(paths) == 1 else None, "fewer lines than counted")
    finally:
        for handle in handles.values():
            handle.close()
    return batches, shared
