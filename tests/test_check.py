"""``emkg check``: the whole curator's check in one report, with file, line and what to do.

Each test copies a curated file, breaks it in one way a curator might, and runs the command as
a curator does: the report must name the file, the line and the problem, and the exit status
must say what happened (0 clean, 1 problems, 2 unreadable input).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emkg import paths
from emkg.cli import main


def _copy(tmp_path: Path, name: str, old: str, new: str, count: int = 1) -> Path:
    text = (paths.kg_dir() / name).read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / name
    out.write_text(text.replace(old, new, count), encoding="utf-8")
    return out


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", "--no-reason", *args])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.usefixtures("seeds_dir")
def test_an_unchanged_case_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _check(capsys, str(paths.kg_dir() / "liu2024.ttl"))
    assert "Result: the check passes: 0 error(s)" in out
    assert code == 0
    assert "checks run: shapes, sources and quotes" in out
    assert "declared terms, value sets, quality checks" in out


@pytest.mark.usefixtures("seeds_dir")
def test_a_misspelled_property_is_named_with_the_closest_term(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _copy(
        tmp_path,
        "johns2024.ttl",
        "emkg:detectedBy emkg:ContrastEnhancedCT",
        "emkg:detectdBy emkg:ContrastEnhancedCT",
    )
    code, out = _check(capsys, str(broken))
    assert code == 1
    line = _line_of(broken, "emkg:detectdBy")
    assert re.search(
        rf"{re.escape(str(broken))}:{line}: error \[vocabulary\] emkg:detectdBy: the property "
        r"emkg:detectdBy is not declared",
        out,
    ), out
    assert "did you mean emkg:detectedBy?" in out


@pytest.mark.usefixtures("seeds_dir")
def test_a_quote_not_in_the_text_fails_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _copy(
        tmp_path,
        "liu2024.ttl",
        '"allogeneic CD19 CAR-T cells derived from her brother"',
        '"allogeneic CD19 CAR-T cells derived from her sister"',
    )
    code, out = _check(capsys, str(broken))
    assert code == 1
    line = _line_of(broken, "derived from her sister")
    assert f"{broken}:{line}: error [quotes]" in out
    assert "'allogeneic CD19 CAR-T cells derived from her sister' is not verbatim" in out
    assert "what to do: copy the words exactly" in out


@pytest.mark.usefixtures("seeds_dir")
def test_a_placeholder_identifier_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _copy(tmp_path, "liu2024.ttl", "10.3389/fonc.2024.1341682", "10.xxxx/case.1", count=99)
    code, out = _check(capsys, str(broken))
    assert code == 1
    assert "error [sources]" in out
    assert "source refused: 'doi:10.xxxx/case.1' is a placeholder DOI" in out
    assert "what to do: give the publication's real DOI" in out


def test_unreadable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix emkg: <https://w3id.org/emkg/ontology#> .\nemkg:a emkg:b .\nemkg:c\n")
    code, out = _check(capsys, str(bad))
    assert code == 2
    assert f"{bad}:" in out


def test_a_placeholder_in_the_registry_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.txt").write_text("text", encoding="utf-8")
    (tmp_path / "sources.tsv").write_text(
        "id\tfile\tcitation\tlicence\tnote\npmid:00000000\tt.txt\tA.\t\t\n", encoding="utf-8"
    )
    code, out = _check(capsys, "--sources", str(tmp_path), str(paths.kg_dir() / "liu2024.ttl"))
    assert code == 2
    assert f"{tmp_path / 'sources.tsv'}:2:" in out
    assert "placeholder PMID" in out
