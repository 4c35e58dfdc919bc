"""Release folders: only what one build made, swapped in whole, recovered after a crash.

* a crash between the two renames of the swap (simulated by the state it leaves on disk, and
  by real SIGKILLs at random moments of ``emkg build``) is finished or undone by the next
  command, which says what it did;
* ``emkg all`` publishes a release only when it passes validation: a failing one is kept
  beside the previous release as ``dist.failed``, and its report withholds the personal data
  it flags (shown as property, pattern matched and location).
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emkg import paths, swap
from emkg.cli import main
from releases import MainJob, copy_release

DEAD_PID = 4_194_304 + 17  # above Linux's largest pid: never a running process


@pytest.fixture
def out(curated_release_copy: Path) -> Path:
    """A complete release at ``tmp_path/dist`` (a copy of the run's curated release)."""
    return curated_release_copy


def _names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_recover_finishes_a_swap_cut_between_the_renames(out: Path, tmp_path: Path) -> None:
    expected = _names(out)
    # the state `kill -9` leaves between "dist -> .dist.old-X" and ".dist.ready-X -> dist"
    old = tmp_path / f".dist.old-{DEAD_PID}-ab12"
    ready = tmp_path / f".dist.ready-{DEAD_PID}-ab12"
    shutil.copytree(out, ready)
    (ready / "void.ttl").write_text("# the new release\n")
    out.rename(old)
    done = swap.recover(out, log=lambda _m: None)
    assert out.is_dir()
    assert (out / "void.ttl").read_text() == "# the new release\n", "the new release wins"
    assert _names(out) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    assert any("finished it with the complete new release" in m for m in done)


def test_recover_puts_the_old_release_back_when_no_new_one_is_complete(
    out: Path, tmp_path: Path
) -> None:
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    out.rename(tmp_path / f".dist.old-{DEAD_PID}-cd34")
    (tmp_path / f".dist.new-{DEAD_PID}-ef56").mkdir()  # a build that never completed
    done = swap.recover(out, log=lambda _m: None)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    assert any("put the previous release back" in m for m in done)
    assert any("interrupted build" in m for m in done)


def test_the_next_command_reports_the_recovery(
    out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out.rename(tmp_path / f".dist.old-{DEAD_PID}-0a0b")
    capsys.readouterr()
    assert main(["build", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "recovered:" in err
    assert "put the previous release back" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_killed_builds_leave_the_release_all_old_or_all_new(out: Path, tmp_path: Path) -> None:
    """SIGKILL `emkg build` at random moments; after recovery dist/ is whole, old or new."""
    marker = out / "OLD-RELEASE"  # a build never carries it over: it tells old from new
    marker.write_text("old")
    complete = _names(out)
    rng = random.Random(13)
    for _round in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-m", "emkg", "build", "--out", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(1.0, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        swap.recover(out, log=lambda _m: None)
        names = _names(out)
        if marker.exists():
            assert names == complete, "an old release with pieces of a new one"
        else:
            assert names == complete - {"OLD-RELEASE"}, "a new release missing files"
            marker.write_text("old")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"], "leftovers"


def _project_with(tmp_path: Path, extra: str) -> Path:
    root = paths.project_root()
    project = tmp_path / "project"
    for name in ("ontology", "shapes", "kg", "queries"):
        shutil.copytree(root / name, project / name)
    (project / "kg" / "zz-bad.ttl").write_text(extra, encoding="utf-8")
    return project


BAD_CASE = """@prefix emkg: <https://w3id.org/emkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix zz: <https://example.org/zz/> .

zz:patient1 a emkg:Patient ;
    rdfs:label "Case 1" ;
    foaf:name "John Smith" ;
    skos:editorialNote "SSN 123-45-6789 in the chart" .
"""


def test_all_keeps_a_failing_release_beside_the_good_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    main_job: MainJob,
) -> None:
    # the previous, good release is a passing emkg all's (a copy of the run's main job): its
    # validation report, CQ1 answer and HTML report are in it too, and must be kept as they are
    good = copy_release(main_job.release, tmp_path / "dist")
    assert (good / "validation.txt").is_file()
    assert (good / "emkg-report.html").is_file()
    before = {p.relative_to(good): p.read_bytes() for p in good.rglob("*") if p.is_file()}
    project = _project_with(tmp_path, BAD_CASE)
    monkeypatch.setenv("EMKG_HOME", str(project))
    capsys.readouterr()
    assert main(["all", "--out", str(good)]) == 1
    captured = capsys.readouterr()
    after = {p.relative_to(good): p.read_bytes() for p in good.rglob("*") if p.is_file()}
    assert after == before, "dist/ was replaced"
    failed = tmp_path / "dist.failed"
    assert (failed / "emkg.ttl").is_file()
    assert "was NOT published" in captured.err
    report = (failed / "validation.txt").read_text(encoding="utf-8")
    assert "does not conform" in report
    # the personal data it flags is named by property, check and location, never repeated
    reports = [p for p in failed.iterdir() if p.suffix in {".txt", ".html", ".csv", ".json"}]
    assert failed / "validation.txt" in reports
    for secret in ("John Smith", "123-45-6789"):
        assert secret not in captured.out + captured.err
        for path in reports:
            assert secret not in path.read_text(encoding="utf-8"), path.name
    assert "foaf:name = [withheld: personal data]" in report
    assert "pattern of emkgsh:NoSocialSecurityNumber matched" in report
    assert "(AAA 999-99-9999)" in report
    assert "kg/zz-bad.ttl:7" in report
