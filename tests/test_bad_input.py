"""The bad-input corpus: every bad input and environment fault gets its exit code and message.

Each line of ``tests/fixtures/bad/cases.tsv`` names a fixture, how a user gives it to emkg,
the exit status expected (2 bad input, 4 remote, 1 for data that reads well but breaks a shape)
and a fragment the message must hold (the file, line and column where there is one; for a
shape, in the validation report). No case may print a Python traceback, and a case
that is refused leaves nothing behind (no release folder, no report).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from emkg import paths
from emkg.cli import main
from emkg.errors import InputError
from emkg.rdfio import check_file

BAD = Path(__file__).parent / "fixtures" / "bad"


@dataclass(frozen=True)
class Case:
    file: str
    how: str
    exit: int
    fragment: str

    @property
    def id(self) -> str:
        return f"{self.how}-{self.file}"


def _cases() -> list[Case]:
    cases = []
    for line in (BAD / "cases.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        file, how, code, fragment = line.split("\t")
        cases.append(Case(file, how, int(code), fragment))
    return cases


CASES = _cases()


def _without_file_override() -> bool:
    """Root reads and writes everything: permission cases then run without that power."""
    return os.geteuid() == 0


def _run_without_override(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run emkg as root minus the capabilities that bypass file permissions."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:  # util-linux is part of every Debian system
        pytest.fail("setpriv (util-linux) is needed to test permissions as root")
    caps = "-dac_override,-dac_read_search"
    proc = subprocess.run(
        [
            setpriv,
            f"--inh-caps={caps}",
            f"--bounding-set={caps}",
            "--",
            sys.executable,
            "-m",
            "emkg",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.returncode, proc.stderr


def _project_copy(tmp: Path) -> Path:
    root = paths.project_root()
    copy = tmp / "project"
    for name in ("ontology", "shapes", "kg", "queries"):
        shutil.copytree(root / name, copy / name)
    return copy


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _locked_folder(tmp: Path) -> Path:
    folder = tmp / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    tmp.chmod(0o755)
    return folder


_SERVER_NOISE = re.compile(
    r"-{20,}\nException occurred during processing of request from.*?\n-{20,}\n?", re.S
)


def _without_test_server_noise(err: str) -> str:
    """Standard error without what a stub server thread of another test module printed."""
    return _SERVER_NOISE.sub("", err)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(
    case: Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fixture = BAD / case.file
    leftovers: list[Path] = []
    without_override = False
    if case.how in ("validate", "violation"):
        args = ["validate", str(fixture)]
    elif case.how == "shapes":
        args = ["validate", str(BAD / "unreadable.ttl"), "--shapes", str(fixture)]
    elif case.how == "kg":
        project = _project_copy(tmp_path)
        shutil.copy(fixture, project / "kg" / case.file)
        monkeypatch.setenv("EMKG_HOME", str(project))
        args = ["build", "--out", str(project / "dist")]
        leftovers.append(project / "dist")
    elif case.how == "data":
        out = tmp_path / "dist"
        args = ["build", "--out", str(out), "--data", str(fixture)]
        leftovers.append(out)
    elif case.how == "unreadable":
        copy = tmp_path / case.file
        shutil.copy(fixture, copy)
        copy.chmod(0)
        tmp_path.chmod(0o755)
        args, without_override = ["validate", str(copy)], _without_file_override()
    elif case.how == "missing":
        args = ["validate", str(tmp_path / "no-such-file.ttl")]
    elif case.how == "unwritable":
        out = _locked_folder(tmp_path) / "dist"
        args, without_override = ["build", "--out", str(out)], _without_file_override()
        leftovers.append(out)
    elif case.how == "report-unwritable":
        report = _locked_folder(tmp_path) / "report.txt"
        args = ["validate", str(fixture), "--output", str(report)]
        without_override = _without_file_override()
        leftovers.append(report)
    elif case.how == "full-disk":
        out = tmp_path / "dist"

        def full(self: Path, *_data: object) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

        monkeypatch.setattr(Path, "write_bytes", full)
        monkeypatch.setattr(os, "write", lambda *_a: full(Path("fd")))
        args = ["build", "--out", str(out)]
        leftovers.append(out)
    elif case.how == "endpoint":
        url = f"http://127.0.0.1:{_closed_port()}/query"
        args = ["query", "cq01", "--endpoint", url]
    elif case.how == "port":
        args = ["serve", "--port", "99999"]
    else:  # pragma: no cover - a typo in cases.tsv
        pytest.fail(f"unknown way of giving the input: {case.how}")

    out = ""
    if without_override:
        code, err = _run_without_override(args, tmp_path)
    else:
        capsys.readouterr()
        code = main(args)
        out, err = capsys.readouterr()
    assert code == case.exit, err
    assert "Traceback" not in _without_test_server_noise(err)
    if case.how == "violation":  # read in full, judged by the shapes: the report says it
        assert case.fragment in out, out
        assert "does not conform" in out
    else:
        assert case.fragment in err, err
        assert "what to do:" in err, "every refusal says what to do"
    for path in leftovers:
        assert not path.exists(), f"{path} was written although the command failed"


def test_every_fixture_has_a_case() -> None:
    named = {c.file for c in CASES}
    present = {p.name for p in BAD.iterdir() if p.name != "cases.tsv"}
    assert present <= named, f"fixtures without a case in cases.tsv: {present - named}"


@pytest.mark.parametrize("case", [c for c in CASES if c.how == "validate"], ids=lambda c: c.file)
def test_the_check_before_a_bulk_load_refuses_the_same(case: Case) -> None:
    """rdfio.check_file (for inputs loaded straight into a store) says what the reader says."""
    with pytest.raises(InputError) as info:
        check_file(BAD / case.file)
    assert case.fragment in str(info.value)
    assert info.value.hint
