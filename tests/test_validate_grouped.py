"""``emkg validate`` in groups of patients gives the report of the whole graph, byte for byte
apart from the seconds (README "Validating at scale")."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rdflib import URIRef

from emkg import storefacts, validate
from emkg.completeness import MISSING, NOT_REPORTED, totals
from emkg.errors import InputError
from emkg.grouping import group_files
from emkg.report import ReportBuilder
from emkg.storefacts import GroupedFacts
from emkg.synthetic import write_cohort
from processes import alive, children

E = "https://w3id.org/emkg/ontology#"
S = "https://w3id.org/emkg/synthetic/"
XSD = "http://www.w3.org/2001/XMLSchema#"
TIMING = re.compile(r'in \d+\.\d s|"seconds": [\d.]+')

# violations of several kinds, in two patients of different publications
BROKEN = f"""<{S}p2/extra> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{E}FollowUp> .
<{S}p2/extra> <{E}ofPatient> <{S}p2/patient> .
<{S}p2/extra> <{E}sequenceIndex> "1"^^<{XSD}integer> .
<{S}p30/patient> <{E}ageInYears> "130"^^<{XSD}integer> .
_:odd <{E}ofPatient> <{S}p30/patient> .
_:odd <{E}sequenceIndex> "x" .
"""


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("grouped") / "cohort.nt"
    write_cohort(path, 30, seed=3)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(BROKEN)
    return path


@pytest.fixture(scope="module", autouse=True)
def _queries_parsed_in_this_process(cohort: Path) -> None:
    """One grouped validation here on one worker, before the tests: it parses the shapes'
    constraint queries in this process (cached per process, emkg.locality). A grouped
    validation forks its file-checking process from this one, which parses them again unless
    it finds them parsed: about 3.5 s of CPU for each test otherwise. What each test runs and
    checks is the same."""
    with pytest.MonkeyPatch.context() as env:
        env.setattr(validate, "_WORKERS", 1)
        grouped = validate.validate_files_in_store([cohort], grouped=True)
        assert isinstance(grouped.facts, GroupedFacts)


def _reports(v: validate.Validation) -> dict[str, str]:
    return {f: TIMING.sub("", ReportBuilder(v).render(f)) for f in ("text", "json", "markdown")}


def _compare(path: Path, monkeypatch: pytest.MonkeyPatch, *, groups: bool) -> None:
    whole = validate.validate_files_in_store([path], grouped=False)
    monkeypatch.setattr(validate, "BATCH_TRIPLES", 4_000)  # several batches
    in_groups = validate.validate_files_in_store([path], grouped=True)
    assert isinstance(in_groups.facts, GroupedFacts) is groups
    assert whole.violations > 0
    assert in_groups.size == whole.size
    assert len(in_groups.results) == len(whole.results)
    assert in_groups.violations == whole.violations
    expected = _reports(whole)
    for fmt, text in _reports(in_groups).items():
        assert text == expected[fmt], fmt


def test_groups_give_the_whole_graphs_report(cohort: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _compare(cohort, monkeypatch, groups=True)


def test_a_link_between_publications_joins_their_groups(
    cohort: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    terms = {
        f"<{n}>".encode()
        for triple in validate.hierarchy(validate.ontology_graph())
        for n in triple
        if isinstance(n, URIRef)
    }
    before = group_files([cohort], terms)
    two = (f"<{S}p2/patient>".encode(), f"<{S}p30/patient>".encode())
    assert before.find(two[0]) != before.find(two[1])
    joined = tmp_path / "joined.nt"
    joined.write_text(
        cohort.read_text(encoding="utf-8")
        + f"<{S}p2/patient> <{E}samePatientAs> <{S}p30/patient> .\n",
        encoding="utf-8",
    )
    after = group_files([joined], terms)
    assert after.find(two[0]) == after.find(two[1])
    assert len(after.sizes) == len(before.sizes) - 1
    _compare(joined, monkeypatch, groups=True)


def test_a_term_pointing_at_a_patient_means_the_whole_graph(
    cohort: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.nt"
    odd.write_text(
        cohort.read_text(encoding="utf-8")
        + f"<{E}Female> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <{S}p2/patient> .\n",
        encoding="utf-8",
    )
    _compare(odd, monkeypatch, groups=False)


def test_a_file_of_no_data_node_is_validated_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # every subject is a term of the ontology: no group, so the whole graph is validated
    terms = tmp_path / "terms.nt"
    terms.write_text(
        f'<{E}Female> <http://www.w3.org/2000/01/rdf-schema#label> "other" .\n'
        f"<{E}Female> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{E}Patient> .\n",
        encoding="utf-8",
    )
    _compare(terms, monkeypatch, groups=False)


@pytest.mark.parametrize(
    "bad_line",
    [
        f"<{S}p2/patient> <{E}ageInYears> 12 .",  # the grouping pass cannot read it
        f'<{S}p2/patient> <{E}note> "no end .',  # it can: only the file's check refuses it
    ],
)
def test_a_bad_line_is_reported_with_its_line_when_grouped(
    cohort: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bad_line: str
) -> None:
    # the file is checked in a process of its own beside the grouping: its error is the one
    # emkg reports, with file and line, as when the whole graph is validated, and without
    # the constraint queries parsed and checked for the groups first (seconds at scale)
    from emkg import locality

    bad = tmp_path / "bad.nt"
    text = cohort.read_text(encoding="utf-8")
    line = text.count("\n") + 1
    bad.write_text(text + bad_line + "\n", encoding="utf-8")
    monkeypatch.setattr(validate, "BATCH_TRIPLES", 4_000)
    monkeypatch.setattr(validate, "_WORKERS", 2)
    log = tmp_path / "log"
    monkeypatch.setattr(locality, "check_query", _in_log(log, "check", locality.check_query))
    with pytest.raises(InputError) as grouped:
        validate.validate_files_in_store([bad], grouped=True)
    assert _logged(log) == []
    with pytest.raises(InputError) as whole:
        validate.validate_files_in_store([bad], grouped=False)
    assert str(grouped.value) == str(whole.value)
    assert f"bad.nt:{line}" in str(grouped.value)


def test_the_lines_of_named_result_nodes_come_from_the_batches(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # results on named nodes only: each batch finds its nodes' lines in its own lines, so the
    # report reads the input file no more, and places every node where the whole graph does
    path = tmp_path / "named.nt"
    write_cohort(path, 30, seed=3)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(BROKEN.splitlines(keepends=True)[:4]))
    whole = _reports(validate.validate_files_in_store([path], grouped=False))
    scanned: list[Path] = []
    original = storefacts._scan

    def scan(file: Path, *rest: Any) -> Any:
        scanned.append(file)
        return original(file, *rest)

    monkeypatch.setattr(storefacts, "_scan", scan)
    monkeypatch.setattr(validate, "BATCH_TRIPLES", 4_000)
    in_groups = validate.validate_files_in_store([path], grouped=True)
    assert isinstance(in_groups.facts, GroupedFacts)
    assert _reports(in_groups) == whole
    assert "named.nt:" in whole["text"]
    assert scanned == []


def test_the_batches_count_the_completeness_table(
    cohort: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each batch counts the checks of its own nodes per case; the report is left only the
    # rows of nodes of no batch (none in a synthetic cohort) and gives the whole graph's table
    whole = ReportBuilder(validate.validate_files_in_store([cohort], grouped=False)).cases
    monkeypatch.setattr(validate, "BATCH_TRIPLES", 4_000)
    validation = validate.validate_files_in_store([cohort], grouped=True)
    facts = validation.facts
    assert isinstance(facts, GroupedFacts)
    assert {kind for kind, _held in facts.tallies} == {"patient"}
    assert len(facts.tallies) == 30
    assert facts._rows
    assert not any(facts._rows.values())
    in_groups = ReportBuilder(validation).cases
    assert [(c.case.label, c.tally) for c in in_groups] == [(c.case.label, c.tally) for c in whole]
    everything = totals(in_groups)
    assert everything.count(MISSING) > 0
    assert everything.count(NOT_REPORTED) > 0
    assert everything.checked == sum(c.checked for c in whole)


@pytest.mark.parametrize("end", ["\r", "\r\n"])
def test_lines_ended_by_a_carriage_return_give_the_whole_graphs_report(
    cohort: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, end: str
) -> None:
    # "\r" alone ends a line (the grouping reads lines split on "\n": the whole graph is
    # validated); "\r\n" is grouped, and each result node keeps its line
    path = tmp_path / "ends.nt"
    path.write_bytes(cohort.read_bytes().replace(b"\n", end.encode()))
    _compare(path, monkeypatch, groups=end == "\r\n")


def test_a_refused_file_is_not_checked_again_when_grouped(
    cohort: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # the checking process sends its error back: this process does not read the file again
    from emkg import rdfio

    bad = tmp_path / "bad.nt"
    bad.write_text(cohort.read_text(encoding="utf-8") + "<x> <y> .\n", encoding="utf-8")
    with pytest.raises(InputError) as whole:
        validate.validate_files_in_store([bad], grouped=False)
    checked_in: list[int] = []
    original = rdfio.check_file

    def check_file(path: Path) -> int:
        checked_in.append(os.getpid())
        return original(path)

    monkeypatch.setattr(rdfio, "check_file", check_file)
    monkeypatch.setattr(validate, "_WORKERS", 2)
    monkeypatch.setattr(validate, "BATCH_TRIPLES", 4_000)
    with pytest.raises(InputError) as grouped:
        validate.validate_files_in_store([bad], grouped=True)
    assert os.getpid() not in checked_in
    assert type(grouped.value) is type(whole.value)
    assert str(grouped.value) == str(whole.value)
    for name in ("path", "line", "column", "hint", "message"):
        assert getattr(grouped.value, name) == getattr(whole.value, name), name
    assert grouped.value.line == cohort.read_text(encoding="utf-8").count("\n") + 1


# emkg validate with the group limit and the batch size set low, so that a small file is
# validated in groups by the forked processes (the file checker, the batch workers)
_VALIDATE_IN_GROUPS = """
import sys
from emkg import validate
from emkg.cli import main
validate.GROUP_LIMIT = 0
validate.BATCH_TRIPLES = 4_000
validate._WORKERS = 2
sys.exit(main(["validate", sys.argv[1]]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's prctl is Linux's")
def test_a_killed_validate_leaves_no_process_behind(tmp_path: Path) -> None:
    path = tmp_path / "cohort.nt"
    write_cohort(path, 300, seed=5)
    proc = subprocess.Popen(
        [sys.executable, "-c", _VALIDATE_IN_GROUPS, str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    forked: set[int] = set()
    try:
        # the file checker and the two batch workers: killed while the batches are checked
        deadline = time.monotonic() + 120
        while len(forked) < 3 and proc.poll() is None and time.monotonic() < deadline:
            forked |= children(proc.pid)
            time.sleep(0.02)
        assert len(forked) == 3, f"saw {sorted(forked)} before emkg validate ended"
        proc.kill()
        proc.wait(timeout=10)
        gone = time.monotonic() + 5
        while any(alive(p) for p in forked) and time.monotonic() < gone:
            time.sleep(0.05)
        left = [p for p in forked if alive(p)]
        assert not left, f"processes of the killed emkg validate still run: {left}"
    finally:
        proc.kill()
        for pid in forked:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


# The store's rule for a node's case (emkg.storefacts): its patient is the smallest of the
# patients its part-of path reaches; its publication the smallest of the publications that
# path, going on through emkg:ofPatient, reaches. Worked out by hand for each node below.
A = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OA = "http://www.w3.org/ns/oa#"
CASES = f"""<{S}pubA> <{A}> <{E}Publication> .
<{S}pubB> <{A}> <{E}Publication> .
<{S}pubC> <{A}> <{E}Publication> .
<{S}p1> <{A}> <{E}Patient> .
<{S}p1> <{E}reportedIn> <{S}pubB> .
<{S}p2> <{A}> <{E}Patient> .
<{S}ann> <{OA}hasTarget> <{S}p2> .
<{S}ann> <{E}reportedIn> <{S}pubA> .
<{S}e1> <{E}ofPatient> <{S}p2> .
<{S}e1> <{E}hasComponent> <{S}c1> .
<{S}e3> <{E}ofPatient> <{S}p1> .
<{S}e3> <{E}reportedIn> <{S}pubC> .
<{S}e4> <{E}ofPatient> <{S}p1> .
<{S}e4> <{E}ofPatient> <{S}p2> .
<{S}e5> <{E}ofPatient> "p9" .
<{S}h> <{E}hasComponent> "p9" .
<{S}h> <{E}reportedIn> <{S}pubC> .
<{S}lone> <{A}> <{E}FollowUp> .
"""
# node: (patient, publication)
EXPECTED_CASES = {
    "p1": ("p1", "pubB"),  # a patient is its own; its reportedIn
    "p2": ("p2", "pubA"),  # the annotation on p2 (oa:hasTarget p2) is reportedIn pubA
    "ann": (None, "pubA"),  # nothing reaches a patient from the annotation: its own publication
    "e1": ("p2", "pubA"),  # through its patient p2
    "c1": ("p2", "pubA"),  # a component of e1: e1's patient, then p2's annotation
    "e3": ("p1", "pubB"),  # pubB (its patient's) is smaller than its own pubC
    "e4": ("p1", "pubA"),  # of p1 and p2: the smaller patient; p2's pubA the smaller
    "e5": ('"p9"', "pubC"),  # a literal patient: the path goes on from it, to h's pubC
    "lone": (None, None),
}


def test_the_case_of_each_node_follows_the_path_through_its_patients(tmp_path: Path) -> None:
    import pyoxigraph as ox
    from rdflib import Literal

    path = tmp_path / "cases.nt"
    path.write_text(CASES, encoding="utf-8")
    graph = ox.NamedNode("https://w3id.org/emkg/validate/file/0")
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
    facts = storefacts.StoreFacts(store, [graph], [path], [{}])
    nodes = {name: URIRef(S + name) for name in EXPECTED_CASES}
    facts.ask_cases(nodes.values())
    expected_patients = {
        n: (Literal(p.strip('"')) if p.startswith('"') else URIRef(S + p))
        for n, (p, _b) in EXPECTED_CASES.items()
        if p is not None
    }
    found = {name: facts.patient(node) for name, node in nodes.items()}
    assert found == {n: expected_patients.get(n) for n in EXPECTED_CASES}
    publications = {name: facts._publication.get(node) for name, node in nodes.items()}
    assert publications == {
        n: (URIRef(S + b) if b is not None else None) for n, (_p, b) in EXPECTED_CASES.items()
    }
    scratch = [q for q in store if q.graph_name != graph]
    assert scratch == []  # no node left marked in a scratch graph


TIE = """<https://example.org/P> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/emkg/ontology#Patient> .
<https://example.org/P> <https://w3id.org/emkg/ontology#ofPatient> <https://example.org/p1> .
<https://example.org/P> <https://w3id.org/emkg/ontology#ofPatient> <https://example.org/p2> .
<https://example.org/p1> <https://w3id.org/emkg/ontology#reportedIn> "https://doi.org/10.1/x" .
<https://example.org/p2> <https://w3id.org/emkg/ontology#reportedIn> <https://doi.org/10.1/x> .
"""  # noqa: E501


@pytest.mark.parametrize("seed", ["0", "1", "2", "3"])
def test_of_two_publications_of_one_text_the_iri_is_chosen_whatever_the_order(
    tmp_path: Path, seed: str
) -> None:
    """A DOI written once as a string and once as an IRI (bad data, which validation reads too):
    the case's publication is the IRI, whatever order Python's sets (their hash seed) and the
    store's rows give the two candidates in."""
    path = tmp_path / "tie.nt"
    path.write_text(TIE, encoding="utf-8")
    script = (
        "import sys, pathlib, pyoxigraph as ox\n"
        "from rdflib import URIRef\n"
        "from emkg import storefacts\n"
        "g = ox.NamedNode('https://w3id.org/emkg/validate/file/0')\n"
        "s = ox.Store()\n"
        "s.load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES, to_graph=g)\n"
        "f = storefacts.StoreFacts(s, [g], [pathlib.Path(sys.argv[1])], [{}])\n"
        "node = URIRef('https://example.org/P')\n"
        "f.ask_cases([node])\n"
        "b = f._publication.get(node)\n"
        "print(type(b).__name__, b)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "URIRef https://doi.org/10.1/x"


def _in_log(log: Path, name: str, function: Any) -> Any:
    """``function`` that first notes its name and process in ``log`` (it may run in a forked
    process)."""

    def noted(*args: Any, **kwargs: Any) -> Any:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"{name} {os.getpid()}\n")
        return function(*args, **kwargs)

    return noted


def _logged(log: Path) -> list[tuple[str, int]]:
    if not log.exists():
        return []
    return [(n, int(p)) for n, p in (line.split() for line in log.read_text().splitlines())]


def test_the_queries_are_parsed_and_checked_in_the_file_checking_process(
    cohort: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # the checking process parses the constraint queries once the file is checked, while the
    # groups are found, then checks their locality: none of it in this process
    from emkg import locality

    log = tmp_path / "log"
    monkeypatch.setattr(locality, "parse_ahead", _in_log(log, "parse", locality.parse_ahead))
    monkeypatch.setattr(locality, "check_query", _in_log(log, "check", locality.check_query))
    monkeypatch.setattr(validate, "_WORKERS", 2)
    _compare(cohort, monkeypatch, groups=True)
    seen = _logged(log)
    assert seen[0][0] == "parse"
    assert {n for n, _p in seen} == {"parse", "check"}
    assert len({p for _n, p in seen}) == 1
    assert seen[0][1] != os.getpid()


def _killed(*_args: object) -> object:
    """A forked process killed (as the out-of-memory killer would)."""
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("not reached")


def test_a_killed_file_checking_process_gives_the_same_report(
    cohort: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the file is then checked here, and the queries' locality too
    _killed.__qualname__, _killed.__module__ = "_first_refused", "emkg.validate"
    monkeypatch.setattr(validate, "_first_refused", _killed)
    monkeypatch.setattr(validate, "_WORKERS", 2)
    _compare(cohort, monkeypatch, groups=True)


@pytest.mark.parametrize("second_half", ["read beside", "killed"])
def test_the_link_pass_in_two_halves_gives_the_whole_graphs_report(
    cohort: Path, monkeypatch: pytest.MonkeyPatch, second_half: str
) -> None:
    # the link pass of the grouping read in two runs at once, as for a big input; its
    # forked process killed, its run is read here
    from emkg import grouping

    halves: list[int] = []
    linked = grouping._linked

    def counted(g: grouping.Grouping, runs: list[Any]) -> Any:
        halves.append(len(runs))
        return linked(g, runs)

    monkeypatch.setattr(grouping, "SPLIT_BYTES", 0)
    monkeypatch.setattr(grouping, "_cores", lambda: 2)
    monkeypatch.setattr(grouping, "_linked", counted)
    if second_half == "killed":
        _killed.__qualname__, _killed.__module__ = "_link_apart", "emkg.grouping"
        monkeypatch.setattr(grouping, "_link_apart", _killed)
    _compare(cohort, monkeypatch, groups=True)
    assert halves == [2]


def _batch_killed(marker: Path | None) -> Any:
    """``validate._check_batch`` whose worker is killed (as the out-of-memory killer would)
    at batch 1: the first time only if ``marker`` is a file to create then, else every time."""
    check = validate._check_batch

    def killed(work: tuple[int, dict[int, Path], dict[int, Path]]) -> Any:
        if work[0] == 1 and (marker is None or not marker.exists()):
            if marker is not None:
                marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return check(work)

    killed.__qualname__, killed.__module__ = "_check_batch", "emkg.validate"
    return killed


def test_a_killed_batch_worker_gives_the_same_report(
    cohort: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # the batches not taken when a worker died are checked again by a new worker, and stderr
    # says so, with the signal
    monkeypatch.setattr(validate, "_check_batch", _batch_killed(tmp_path / "killed once"))
    monkeypatch.setattr(validate, "_WORKERS", 2)
    _compare(cohort, monkeypatch, groups=True)
    assert (tmp_path / "killed once").exists()
    err = capfd.readouterr().err
    assert "a process checking batches was killed by SIGKILL" in err, err
    assert re.search(r"the \d+ batches not finished are checked again", err), err


def test_a_batch_worker_killed_again_gives_a_clear_error(
    cohort: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # killed in the new worker too: exit 2, what happened and what to do, no traceback
    from emkg.cli import main

    monkeypatch.setattr(validate, "_check_batch", _batch_killed(None))
    monkeypatch.setattr(validate, "_WORKERS", 2)
    monkeypatch.setattr(validate, "GROUP_LIMIT", 0)
    monkeypatch.setattr(validate, "BATCH_TRIPLES", 4_000)
    assert main(["validate", str(cohort)]) == 2
    err = capfd.readouterr().err
    assert "killed by SIGKILL" in err, err
    assert "needs more memory" in err, err
    assert "what to do: free memory" in err, err
    assert "Traceback" not in err, err
