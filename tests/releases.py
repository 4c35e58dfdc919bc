"""Releases made once per test run and shared by its test workers; copies for the tests that
change one.

Building the curated release costs seconds of CPU; a test that is not about the build reads
the one release of the run (the ``curated_release`` fixture, tests/conftest.py), and a test that
changes a release, or writes beside its files, works on a copy (``copy_release``), which costs
a few milliseconds.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class MainJob:
    """What the README's main job, ``emkg all --out DIR``, wrote (``release``) and printed
    (the ``main_job`` fixture, tests/conftest.py)."""

    release: Path
    printed: str


def run_folder(factory: pytest.TempPathFactory, config: pytest.Config) -> Path:
    """A folder of this test run that all its pytest-xdist workers share, and no other run.

    A worker is known by its configuration (``workerinput``, set by pytest-xdist), not by the
    environment, which a pytest started from a test inherits: that run's folder is its own.
    """
    base = factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


def made_once(
    factory: pytest.TempPathFactory,
    config: pytest.Config,
    name: str,
    make: Callable[[Path], None],
) -> Path:
    """``run_folder/name``, made by ``make(folder)`` once per test run, under a file lock.

    The first worker to ask makes it; the others wait for the lock and find it made. A ``make``
    that fails leaves no mark, so the next worker to ask tries again (and fails the same way).
    """
    run = run_folder(factory, config)
    folder, done = run / name, run / f"{name}.made"
    with (run / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            make(folder)
            done.touch()
    return folder


def copy_release(release: Path, to: Path) -> Path:
    """A copy of ``release`` (its files and store) at ``to``; returns ``to``.

    The copy keeps the files' modification times (``shutil.copy2``), so a copied project and
    its release stay as current as the originals under emkg's staleness rule.
    """
    shutil.copytree(release, to)
    return to


def release_files_as_found(release: Path) -> dict[str, tuple[int, int]]:
    """Each file of the release folder (its store apart): name -> (size, modification time)."""
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in release.iterdir() if p.is_file()
    }
