"""Shared fixtures: project locations, the shared seed texts, the assembled graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph

import cqanswers
from emkg import build, paths

# Headless Chromium fixtures (browser_page, open_browser) for the browser tests.
pytest_plugins = ("browser",)


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
