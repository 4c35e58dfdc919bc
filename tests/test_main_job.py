"""The README's main job (`emkg all`): build, validate, answer CQ1, say where outputs are."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from emkg import pipeline
from emkg.cli import main
from releases import MainJob

DATA = "https://w3id.org/emkg/data/"


def test_main_job_writes_and_names_every_output(main_job: MainJob) -> None:
    # emkg all --out DIR, run once per test run (conftest.py; it must exit 0)
    out, printed = main_job.release, main_job.printed
    for name in (
        "emkg.trig",
        "void.ttl",
        "validation.txt",
        "cq01-blinatumomab.csv",
        "emkg-report.html",
    ):
        assert (out / name).is_file(), name
        assert str(out / name) in printed, f"{name} is not named in the output"
    assert "0 violation(s)" in printed
    assert "Completeness per case" in (out / "validation.txt").read_text(encoding="utf-8")
    with (out / "cq01-blinatumomab.csv").open(encoding="utf-8") as fh:
        patients = {row["patient"] for row in csv.DictReader(fh)}
    # The three patients of the two full-text papers who received blinatumomab (Johns 2024
    # cases one and two: "bridging therapy with blinatumomab", "prior treatment with
    # blinatumomab"; Li 2025: "After treatment with blinatumomab infusion for 28 days") and
    # not the Liu 2024 CNS case, whose abstract names no blinatumomab.
    assert patients == {
        DATA + "johns2024/case1/patient",
        DATA + "johns2024/case2/patient",
        DATA + "li2025/case1/patient",
    }


def test_main_job_reports_an_unknown_therapy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown therapy is refused as soon as the release's terms can say so, before the
    graph is validated, and nothing is published."""
    validated: list[object] = []
    real = pipeline.validate_files

    def validate_files(**kwargs: object) -> object:
        validated.append(kwargs)
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "validate_files", validate_files)
    out = tmp_path / "d"
    assert main(["all", "--out", str(out), "--therapy", "blinatumomabb"]) == 2
    err = capsys.readouterr().err
    assert "blinatumomab" in err  # the close match is offered
    assert "Traceback" not in err
    assert validated == [], "the graph was validated before the therapy was refused"
    assert not out.exists()
