"""Adding a case from a paper known only by its PubMed id, through the documented path.

On a copy of the project (EMKG_HOME), the test does what docs/curation.md tells a curator:
registers the source text (tests/fixtures/newcase/sources/sources.tsv, id pmid:...), adds the
anatomy term the case needs with ``emkg terms add UBERON:0001105 --from <UBERON file>``, declares
a new value-set member (emkg:NoResponse) in the ontology and adds it where ``emkg check`` says,
then runs ``emkg check`` on the case file, and finally the unchanged competency-question tests
with the case added (EMKG_TEST_EXTRA_CASES), its expected answers in its own file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emkg import paths
from emkg.cli import main

NEWCASE = Path(__file__).parent / "fixtures" / "newcase"
CASE = NEWCASE / "kg" / "fixture2026.ttl"
UBERON_FILE = NEWCASE / "uberon-clavicle-excerpt.obo"
NEW_MEMBER = """
emkg:NoResponse a owl:NamedIndividual , emkg:ResponseCategory ; rdfs:label "no response"@en ;
    skos:definition "The disease did not respond to the therapy, as reported."@en .
"""


@pytest.fixture
def terms_dir() -> Path:
    found = paths.shared_terms_dir()
    if found is None:
        pytest.skip("../shared/terms is not beside the checkout")
    return found


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terms_dir: Path) -> Path:
    del terms_dir  # found before EMKG_HOME moves the project
    root = paths.project_root()
    copy = tmp_path / "project"
    for folder in ("ontology", "shapes", "queries", "kg"):
        shutil.copytree(root / folder, copy / folder)
    monkeypatch.setenv("EMKG_HOME", str(copy))
    return copy


def _apply(path: Path, hint_line: int, old: str, new: str) -> None:
    """Make the edit emkg check asked for, on the line it named."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[hint_line - 1], (path, hint_line, lines[hint_line - 1])
    lines[hint_line - 1] = lines[hint_line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.slow
def test_a_case_from_a_pmid_with_a_new_term_and_a_new_value(
    project: Path, terms_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = ["--sources", str(NEWCASE / "sources")]

    # before: the clavicle and emkg:NoResponse are unknown, and the check says so
    code = main(["check", "--no-reason", *sources, str(CASE)])
    out = capsys.readouterr().out
    assert code == 1
    assert "obo:UBERON_0001105" in out
    assert "emkg:NoResponse" in out

    # 1. the anatomy term, with its is_a / part_of chain, from a local UBERON file
    add = ["terms", "add", "UBERON:0001105", "--from", str(UBERON_FILE)]
    assert main([*add, "--terms-dir", str(terms_dir)]) == 0
    out = capsys.readouterr().out
    assert "added 15 class(es) and 37 link(s)" in out
    assert (project / "ontology" / "imports" / "uberon-added.tsv").is_file()
    assert "obo:UBERON_0001105 a owl:Class" in (
        project / "ontology" / "imports" / "uberon.ttl"
    ).read_text(encoding="utf-8")

    # 2. the value-set member, declared once in the ontology; emkg check names the rest
    ontology = project / "ontology" / "emkg.ttl"
    ontology.write_text(ontology.read_text(encoding="utf-8") + NEW_MEMBER, encoding="utf-8")
    code = main(["check", "--no-reason", *sources, str(CASE)])
    out = capsys.readouterr().out
    assert code == 1
    where = dict(
        re.findall(r"^(ontology/emkg\.ttl|shapes/core\.ttl):(\d+): error \[value sets\]", out, re.M)
    )
    assert set(where) == {"ontology/emkg.ttl", "shapes/core.ttl"}, out
    assert "add emkg:NoResponse to the owl:distinctMembers list that starts with" in out
    assert "add emkg:NoResponse to the list of allowed values in that message" in out
    _apply(
        ontology,
        int(where["ontology/emkg.ttl"]),
        "( emkg:CompleteRemission",
        "( emkg:CompleteRemission emkg:NoResponse",
    )
    _apply(
        project / "shapes" / "core.ttl",
        int(where["shapes/core.ttl"]),
        "emkg:DiseaseControl or emkg:ProgressiveDisease.",
        "emkg:DiseaseControl, emkg:ProgressiveDisease or emkg:NoResponse.",
    )

    # 3. the whole check passes on the new case (the reasoner too, where Java is present)
    code = main(["check", *sources, str(CASE)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Result: the check passes: 0 error(s), 0 warning(s)." in out

    # 4. every competency-question test passes unchanged with the case added
    env = dict(os.environ, EMKG_HOME=str(project), EMKG_TEST_EXTRA_CASES=str(NEWCASE))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cq.py"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "fixture2026-cq01-blinatumomab" not in run.stdout  # nothing failed by name
    assert re.search(r"\d+ passed", run.stdout)
