"""The built wheel is self-contained: installed in a fresh venv, ``emkg all`` works anywhere.

The project is copied to a temporary folder (so the build leaves nothing in the checkout),
built into a wheel with pip, and installed into a new virtual environment outside the
checkout. ``emkg all`` then runs in an empty folder, with no ``EMKG_HOME`` and no checkout
in reach, and must write its release there with the same CQ1 answer as the checkout gives.
"""

from __future__ import annotations

import ensurepip
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from emkg import paths
from emkg.catalogue import load_catalogue
from emkg.engines import OxigraphEngine
from emkg.formats import render
from emkg.runner import run_query

ROOT = Path(__file__).resolve().parents[1]
#: what the wheel must carry, relative to the project folder (one copy each in the repository)
DATA_FOLDERS = {
    "ontology": "**/*.*",
    "shapes": "*.ttl",
    "queries": "**/*.*",
    "kg": "*.ttl",
}
_SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "dist",
    "build",
    "*.egg-info",
    "__pycache__",
    ".emkg",
    "*_cache",
    "node_modules",
)


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> str:
    res = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert res.returncode == 0, f"{' '.join(cmd)} exited {res.returncode}:\n{res.stderr[-3000:]}"
    return res.stdout


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMKG_", "PYTHON", "VIRTUAL"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source") / "emkg"
    shutil.copytree(ROOT, source, ignore=_SKIP)
    out = tmp_path_factory.mktemp("wheel")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        cwd=out,
        env=_clean_env(),
    )
    (built,) = out.glob("emkg-*.whl")
    return built


def test_the_wheel_carries_one_copy_of_every_data_file(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for folder, pattern in DATA_FOLDERS.items():
            files = sorted((ROOT / folder).glob(pattern))
            assert files, folder
            for path in files:
                inside = "emkg/_data/" + path.relative_to(ROOT).as_posix()
                assert inside in names, inside
                assert archive.read(inside) == path.read_bytes(), inside
    # the repository holds no second copy: the build step makes emkg/_data
    assert not (ROOT / "src" / "emkg" / "_data").exists()


@pytest.mark.slow
def test_emkg_all_from_the_installed_wheel_in_an_empty_folder(
    wheel: Path, tmp_path: Path, dataset: object
) -> None:
    venv = tmp_path / "venv"
    env = _clean_env()
    # a venv without a pip of its own (installing one took 5.9 s of the test's CPU); the wheel
    # and its dependencies installed into it by the pip that Python itself ships (ensurepip's
    # bundled wheel, run from the wheel by the venv's interpreter): the pip a user's
    # `python3 -m venv` would have given, not this test run's upgraded one
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    bundled = sorted((Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl"))
    assert bundled, "this Python ships no pip wheel (ensurepip/_bundled)"
    _run(
        [str(python), str(bundled[-1] / "pip"), "install", "-q", str(wheel)], cwd=tmp_path, env=env
    )
    empty = tmp_path / "work"
    empty.mkdir()

    # the installed package finds its own data, not this checkout
    where = _run(
        [str(python), "-c", "from emkg import paths; print(paths.project_root())"],
        cwd=empty,
        env=env,
    ).strip()
    assert Path(where).is_relative_to(venv), where

    out = _run([str(venv / "bin" / "emkg"), "all"], cwd=empty, env=env)
    release = empty / "dist"
    assert str(release) in out
    for name in ("emkg.nq", "emkg.ttl", "void.ttl", "queries.ttl", "validation.txt"):
        assert (release / name).is_file(), name
    assert sorted(p.name for p in empty.iterdir()) == ["dist"]  # nothing else written

    # the same CQ1 answer (blinatumomab, the default therapy of emkg all) as in the checkout
    engine = OxigraphEngine.from_dataset(dataset)  # type: ignore[arg-type]
    entry = load_catalogue().get("cq01")
    expected = run_query(entry, {"therapy": "blinatumomab"}, engine)
    assert len(expected) > 0
    assert (release / "cq01-blinatumomab.csv").read_bytes().decode("utf-8") == render(
        expected, "csv"
    )
    # and the checkout's own data was not what answered
    assert paths.project_root() == ROOT
