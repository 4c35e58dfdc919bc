"""Shared fixtures: project locations, the shared seed texts, the assembled graph."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

import cqanswers
from emkg import build, paths
from releases import MainJob, copy_release, made_once, release_files_as_found

# Headless Chromium fixtures (browser_page, open_browser) for the browser tests.
pytest_plugins = ("browser",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files that hold a ``slow`` test first, then the others by their number of tests.

    With pytest-xdist's ``--dist loadfile`` each file runs whole on one worker, handed out in
    this order (scripts/test.sh passes ``--no-loadscope-reorder``): started last, a test of a
    minute or more would leave the other worker idle at the end of the run.
    """
    counts: Counter[Path] = Counter(item.path for item in items)
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: (item.path not in slow, -counts[item.path], item.path))


@pytest.fixture(scope="session")
def project_root() -> Path:
    return paths.project_root()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The shared source texts; tests that need them skip cleanly where they are absent."""
    found = paths.seeds_dir()
    if found is None:
        pytest.skip("../shared/seeds is not present beside the checkout (set EMKG_SEEDS)")
    return found


def _as_a_user(*argv: str, seed: str = "1") -> str:
    """``emkg ARGV`` in a process of its own (hash seed ``seed``, as a user's command), which
    must exit 0; what it printed."""
    res = subprocess.run(
        [sys.executable, "-m", "emkg", *argv],
        cwd=paths.project_root(),
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


@pytest.fixture(scope="session")
def curated_release(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Path]:
    """The curated release as ``emkg build --out DIR`` writes it, built once per test run.

    Built in a process of its own (hash seed 1, as a user's command) by whichever test worker
    asks first, and shared by all workers: read-only (checked when the worker's session ends:
    its files must be as built, none added). A test that changes a release, or writes into its
    folder, takes ``curated_release_copy``; a test about building builds its own.
    """

    yield from _built_once(tmp_path_factory, pytestconfig, "curated-release", "1")


@pytest.fixture(scope="session")
def curated_rebuild(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Path]:
    """The curated release built a second time, once per test run, in a process of its own
    with another hash seed (2): the rebuild that tests/test_reproducible.py compares with
    ``curated_release`` byte for byte and tests/test_build.py as graphs. Read-only, shared
    by all workers, as ``curated_release``."""
    yield from _built_once(tmp_path_factory, pytestconfig, "curated-rebuild", "2")


def _built_once(
    factory: pytest.TempPathFactory, config: pytest.Config, name: str, seed: str
) -> Iterator[Path]:
    """``emkg build --out DIR`` once per test run (:func:`releases.made_once`); its files must
    be as built when the worker's session ends."""

    def make(folder: Path) -> None:
        _as_a_user("build", "--out", str(folder / "dist"), seed=seed)

    release = made_once(factory, config, name, make) / "dist"
    built = release_files_as_found(release)
    yield release
    assert release_files_as_found(release) == built, f"a test wrote into the shared {name}"


@pytest.fixture(scope="session")
def main_job(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[MainJob]:
    """``emkg all --out DIR`` on the curated project, run once per test run and shared.

    Run as a user runs it (a process of its own, hash seed 1) by whichever test worker asks
    first; its release is read-only (checked as for ``curated_release``). A test that
    changes it takes a copy (``copy_release``).
    """

    def make(folder: Path) -> None:
        printed = _as_a_user("all", "--out", str(folder / "dist"))
        (folder / "printed.txt").write_text(printed, encoding="utf-8")

    folder = made_once(tmp_path_factory, pytestconfig, "main-job", make)
    job = MainJob(folder / "dist", (folder / "printed.txt").read_text(encoding="utf-8"))
    written = release_files_as_found(job.release)
    yield job
    assert release_files_as_found(job.release) == written, (
        "a test wrote into the main job's release"
    )


@pytest.fixture
def curated_release_copy(curated_release: Path, tmp_path: Path) -> Path:
    """A copy of the curated release at ``tmp_path/dist``, for a test that changes it."""
    return copy_release(curated_release, tmp_path / "dist")


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    """Ontology, imports and kg/ assembled into named graphs (read-only: do not modify).

    With EMKG_TEST_EXTRA_CASES set, the extra cases' kg files are added (see cqanswers.py).
    """
    return build.assemble(kg=cqanswers.kg_files())


@pytest.fixture(scope="session")
def union(dataset: Dataset) -> Graph:
    """All triples of the assembled dataset in one graph (read-only: do not modify)."""
    return build.union_graph(dataset)
