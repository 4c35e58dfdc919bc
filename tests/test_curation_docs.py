"""The curation guide's template is a valid case skeleton, and the guide names real commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib.namespace import SH

from emkg.commands import COMMAND_MODULES
from emkg.validate import validate_files

ROOT = Path(__file__).resolve().parents[1]


def test_template_conforms_to_the_shapes() -> None:
    validation = validate_files([ROOT / "docs" / "case-template.ttl"])
    violations = [r for r in validation.results if r.severity == SH.Violation]
    warnings = [r for r in validation.results if r.severity == SH.Warning]
    assert violations == []
    assert warnings == [], "the template shows every recommended element"


def test_guide_commands_exist() -> None:
    guide = (ROOT / "docs" / "curation.md").read_text(encoding="utf-8")
    commands = set(re.findall(r"\.venv/bin/emkg (\w+)", guide))
    assert commands >= {"check", "terms", "build", "query"}
    assert commands <= set(COMMAND_MODULES)
    for test_file in re.findall(r"tests/(test_\w+\.py)", guide):
        if "smith2026" not in test_file:
            assert (ROOT / "tests" / test_file).is_file(), test_file


@pytest.mark.usefixtures("seeds_dir")
def test_template_placeholder_source_is_refused_by_the_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from emkg.cli import main

    code = main(["check", "--no-reason", str(ROOT / "docs" / "case-template.ttl")])
    out = capsys.readouterr().out
    assert code == 1
    assert "source refused: 'doi:10.0000/REPLACE' is a placeholder DOI" in out
