"""What `emkg query` imports: only what a query on the release's store needs.

A saved question on the embedded store must not pay for the modules of other commands
(pySHACL and the validation engine, pyLODE, owlready2, the release builder, the exports,
pandas) nor for the HTTP client of the remote engine, nor for rdflib's own SPARQL engine.
The command runs in a fresh interpreter and prints the modules it loaded; a module that
creeps back into the path fails this test, whatever the machine's speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

#: modules the store query path must not load (prefix match on the module name)
HEAVY = (
    "pyshacl",
    "pylode",
    "owlready2",
    "pandas",
    "pyarrow",
    "phenopackets",
    "rdflib.plugins.sparql",  # rdflib's query engine: the store answers
    "rdflib.plugins.parsers",  # nothing is parsed by rdflib: the release is a store
    "emkg.build",
    "emkg.validate",
    "emkg.shacl_oxigraph",
    "emkg.export",
    "emkg.htmlreport",
    "emkg.serving",
    "emkg.engines.endpoint",
    "emkg.httpclient",
    "emkg.api",
)

_PROBE = """
import json, sys
from emkg.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def release(curated_release: Path) -> Path:
    return curated_release


def _loaded(*argv: str) -> set[str]:
    res = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    body = json.loads(res.stderr.strip().splitlines()[-1])
    assert body["code"] == 0, res.stderr
    return set(body["modules"])


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize(
    "argv",
    [
        ("query", "cq01", "--param", "therapy=blinatumomab"),  # a label, resolved in the store
        ("query", "cq09", "--format", "json"),  # defaults, another output format
    ],
)
def test_a_query_on_the_store_imports_no_other_command(release: Path, argv: tuple[str]) -> None:
    modules = _loaded(*argv, "--release", str(release))
    assert "pyoxigraph" in modules  # the probe did run the query on the store
    assert _heavy(modules) == []


def test_the_probe_sees_a_heavy_import(release: Path) -> None:
    """The check can fail: the rdflib engine's path loads rdflib's SPARQL engine."""
    modules = _loaded("query", "cq01", "--engine", "rdflib", "--release", str(release))
    assert "rdflib.plugins.sparql" in _heavy(modules)


@pytest.mark.parametrize(
    "ref", ["cq01", "cq01-em-sites-after-therapy", "cq09", "cq1", "cq99", "zz"]
)
def test_reading_one_query_file_answers_as_the_whole_catalogue(ref: str) -> None:
    """``find_entry`` (the query command reads one file) = ``load_catalogue().get``,
    errors included (an ambiguous prefix, an unknown id)."""
    from emkg.catalogue import find_entry, load_catalogue
    from emkg.errors import EmkgError

    def outcome(call: Any) -> object:
        try:
            return call().id
        except EmkgError as exc:
            return (type(exc).__name__, str(exc))

    whole = outcome(lambda: load_catalogue().get(ref))
    assert outcome(lambda: find_entry(ref)) == whole
    if ref == "cq1":
        assert isinstance(whole, tuple)
        assert "matches" in whole[1]  # several ids start so
