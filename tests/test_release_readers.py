"""Every command that reads a release folder first finishes or undoes a swap a crash cut short.

The state ``kill -9`` leaves between the two renames of the swap (``dist`` renamed to
``.dist.old-X``, no ``dist``; a dead build's ``.dist.new-Y`` beside it) is made by hand; each
reader (both exports, the HTML report, ``emkg query``, ``emkg serve --release`` and
``--dist``) is then run on ``dist`` and must answer from the previous release, put back
whole, and say so ("recovered: ...").
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from emkg.cli import main
from test_serve import _start, _stop

DEAD_PID = 4_194_304 + 17  # above Linux's largest pid: never a running process


@pytest.fixture(scope="module")
def built(curated_release: Path) -> Path:
    return curated_release  # only copied from


def _contents(folder: Path) -> dict[Path, bytes]:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _crash_cut(built: Path, tmp_path: Path) -> Path:
    """A copy of the release as a crash between the swap's renames leaves it; its path."""
    out = tmp_path / "dist"
    shutil.copytree(built, tmp_path / f".dist.old-{DEAD_PID}-0a0b")
    (tmp_path / f".dist.new-{DEAD_PID}-0c0d").mkdir()  # a build that never completed
    return out


def _in_process(args: Callable[[Path, Path], list[str]]) -> Callable[..., str]:
    def run(out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
        capsys.readouterr()
        assert main(args(out, tmp_path)) == 0
        captured = capsys.readouterr()
        return captured.out + captured.err

    return run


def _served(option: str) -> Callable[..., str]:
    def run(out: Path, tmp_path: Path, _capsys: pytest.CaptureFixture[str]) -> str:
        # given dist=, the helper makes no release of its own; release= chooses --release
        served = _start(tmp_path, dist=out, release=out if option == "--release" else None)
        assert _stop(served) == 0
        return "\n".join(served.lines)

    return run


READERS: dict[str, Callable[..., str]] = {
    "export tables": _in_process(
        lambda out, tmp: ["export", "tables", "--release", str(out), "--out", str(tmp / "t")]
    ),
    "export phenopackets": _in_process(
        lambda out, tmp: ["export", "phenopackets", "--release", str(out), "--out", str(tmp / "p")]
    ),
    "report": _in_process(
        lambda out, tmp: ["report", "--release", str(out), "--out", str(tmp / "r.html")]
    ),
    "query": _in_process(lambda out, _tmp: ["query", "cq04", "--release", str(out)]),
    "serve --release": _served("--release"),
    "serve --dist": _served("--dist"),
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_reader_recovers_a_crash_cut_release_first(
    reader: str, built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _crash_cut(built, tmp_path)
    said = READERS[reader](out, tmp_path, capsys)
    assert "recovered:" in said, said
    assert "put the previous release back" in said, said
    assert "interrupted build" in said, said
    assert _contents(out) == _contents(built), "the previous release is back, whole"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".dist.")]
