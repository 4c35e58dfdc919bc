"""``emkg validate``: exit codes, the report's files and lines, formats and completeness."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import BNode, Graph
from rdflib.namespace import RDF, SH

from emkg import build, paths
from emkg.cli import main
from emkg.validate import EMKG, validate_files

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
CONTEXT = FIXTURES / "_context.ttl"
DURATION = re.compile(r'in \d+\.\d s|"seconds": [\d.]+')
ROOT = paths.project_root()


def _relative(path: Path) -> str:
    return str(path.resolve().relative_to(ROOT.resolve()))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_curated_graph_has_no_violation(capsys: pytest.CaptureFixture[str]) -> None:
    """The curated graph (or, before kg/ has files, the ontology alone) conforms."""
    code, out, _err = run(capsys)
    if code != 0:  # exit 1: violations (warnings alone exit 0); name them
        validation = validate_files()
        violations = {
            (str(r.focus), str(r.check)) for r in validation.results if r.severity == SH.Violation
        }
        pytest.fail(f"exit {code}; violations in the curated graph: {sorted(violations)}\n{out}")
    assert "Completeness per case" in out
    assert "the graph conforms" in out


def test_curated_graph_report_names_every_kg_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "--format", "json")
    report = json.loads(out)
    assert code == (0 if report["conforms"] else 1)
    assert report["files"] == [_relative(p) for p in build.kg_files()]
    patients = {c["patient"] for c in report["completeness"]}
    curated = {str(p) for p in build.union_graph(build.assemble()).subjects(RDF.type, EMKG.Patient)}
    assert patients == curated
    for row in report["completeness"]:
        assert row["checked"] == row["present"] + row["notReported"] + row["missing"]


def test_violations_exit_1_and_name_the_file_and_line_of_each_node(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fixture = FIXTURES / "em-finding.invalid.ttl"
    code, out, _err = run(capsys, str(CONTEXT), str(fixture), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False
    violations = [r for r in report["results"] if r["severity"] == "Violation"]
    assert violations
    lines = fixture.read_text(encoding="utf-8").splitlines()
    for result in violations:
        assert result["file"] == _relative(fixture), result
        assert isinstance(result["line"], int), result
        local = result["focusName"].split(":", 1)[1]
        assert lines[result["line"] - 1].startswith(f"f:{local} "), (
            result,
            lines[result["line"] - 1],
        )


def test_text_report_groups_by_case_and_names_files(capsys: pytest.CaptureFixture[str]) -> None:
    fixture = FIXTURES / "provenance.invalid.ttl"
    code, out, _err = run(capsys, str(CONTEXT), str(fixture))
    assert code == 1
    assert "== Case one (ctx:patient), reported in <https://doi.org/10.5555/emkg.fixture.1>" in out
    assert f"f:unquoted-event  emkg:CareEvent  {_relative(fixture)}:" in out
    assert "nodes of no case in" in out  # the annotation without a body belongs to no case
    assert "Result: the graph does not conform" in out


def test_blank_nodes_are_reported_with_their_owner_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "offsets.ttl"
    data.write_text(
        "@prefix emkg: <https://w3id.org/emkg/ontology#> .\n"
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
        "@prefix ctx: <https://w3id.org/emkg/data/fixture/context/> .\n"
        "@prefix t: <https://w3id.org/emkg/data/test/> .\n"
        "\n"
        "t:event a emkg:CareEvent ; emkg:ofPatient ctx:patient ; emkg:sequenceIndex 10 ;\n"
        "    emkg:careType emkg:Apheresis ;\n"
        '    emkg:hasTimeOffset [ a emkg:TimeOffset ; emkg:offsetText "a while later" ] .\n'
        "[] a oa:Annotation ; oa:hasBody t:event ; oa:hasTarget ctx:target .\n",
        encoding="utf-8",
    )
    code, out, _err = run(capsys, str(CONTEXT), str(data), "--format", "json")
    assert code == 1
    offsets = [r for r in json.loads(out)["results"] if r["kind"] == "emkg:TimeOffset"]
    assert offsets
    for result in offsets:
        assert result["focusNode"] is None
        assert result["focusName"] == "[] of t:event"
        assert result["line"] == 8
        assert result["case"] == "Case one"


def test_unreadable_input_exits_2_with_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "unterminated .\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, str(bad))
    assert code == 2
    assert out == ""
    assert f"{bad}:3:" in err


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _out, err = run(capsys, str(tmp_path / "nowhere.ttl"))
    assert code == 2
    assert "nowhere.ttl" in err


def test_other_rdf_formats_are_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    graph = Graph().parse(FIXTURES / "publication.invalid.ttl", format="turtle")
    nt = tmp_path / "publications.nt"
    nt.write_text(graph.serialize(format="nt"), encoding="utf-8")
    jsonld = tmp_path / "publications.jsonld"
    jsonld.write_text(graph.serialize(format="json-ld"), encoding="utf-8")
    for path in (nt, jsonld):
        code, out, _err = run(capsys, str(path), "--format", "json")
        assert code == 1
        results = json.loads(out)["results"]
        assert {r["file"] for r in results} == {str(path)}
        assert all(isinstance(r["line"], int) for r in results)


def test_turtle_format_is_the_shacl_report_graph(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(
        capsys, str(CONTEXT), str(FIXTURES / "toxicity.invalid.ttl"), "--format", "turtle"
    )
    assert code == 1
    report = Graph().parse(data=out, format="turtle")
    node = next(report.subjects(RDF.type, SH.ValidationReport))
    assert str(report.value(node, SH.conforms)) == "false"
    assert len(list(report.objects(node, SH.result))) == 14


def test_markdown_format_is_the_completeness_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(
        capsys, str(CONTEXT), str(FIXTURES / "cart.invalid.ttl"), "--format", "markdown"
    )
    assert code == 0
    header, rule, *rows = out.splitlines()
    assert header.startswith("| case | source | elements checked | present |")
    assert rule.startswith("|---|")
    case_one = next(r for r in rows if r.startswith("| Case one |"))
    assert "baseline whole-body imaging (1)" in case_one
    assert any(r.startswith("| **all cases** |") for r in rows)


def test_completeness_counts_present_not_reported_and_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _err = run(
        capsys, str(CONTEXT), str(FIXTURES / "cart.invalid.ttl"), "--format", "json"
    )
    assert code == 0
    rows = {row["case"]: row for row in json.loads(out)["completeness"]}
    # case one: follow-up, the agents of its two lines and the detection method of its PET
    # finding present; the CAR-T line's baseline imaging (PET only after it) and the product's
    # cell origin missing
    one = rows["Case one"]
    assert (one["checked"], one["present"], one["notReported"], one["missing"]) == (6, 4, 0, 2)
    assert one["missingElements"] == {
        "emkg:BaselineImagingElement": 1,
        "emkg:CellOriginElement": 1,
    }
    # case two: follow-up stated as not reported; the agents of its two lines, the bridging
    # CAR-T product's origin and the CT finding's method present; baseline imaging missing
    # (only a CT came before the CAR-T)
    two = rows["Case two"]
    assert (two["checked"], two["present"], two["notReported"], two["missing"]) == (6, 4, 1, 1)
    assert two["notReportedElements"] == {"emkg:FollowUpElement": 1}
    assert two["score"] == pytest.approx(4 / 6, abs=1e-4)


def test_warnings_alone_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, str(CONTEXT), str(FIXTURES / "cart.invalid.ttl"))
    assert code == 0
    assert "Warning   -  [emkgsh:CART-baselineImaging, SPARQL]" in out
    assert "the graph conforms" in out


def test_shapes_option_replaces_the_shapes(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(CONTEXT), str(FIXTURES / "em-finding.invalid.ttl")]
    _code, out, _err = run(capsys, *files, "--format", "json")
    checks = {r["check"] for r in json.loads(out)["results"]}
    assert "https://w3id.org/emkg/shapes#AbsentNotAlsoPresent" in checks
    _code, out, _err = run(
        capsys, *files, "--shapes", str(ROOT / "shapes" / "core.ttl"), "--format", "json"
    )
    checks = {r["check"] for r in json.loads(out)["results"]}
    assert "https://w3id.org/emkg/shapes#EMFinding-site" in checks
    assert "https://w3id.org/emkg/shapes#AbsentNotAlsoPresent" not in checks


def test_unusable_shapes_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shapes = tmp_path / "broken-shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix ex: <http://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n"
        '    sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } }" ] .\n',
        encoding="utf-8",
    )
    code, _out, err = run(capsys, str(CONTEXT), "--shapes", str(shapes))
    assert code == 2
    assert "shapes cannot be used" in err


def test_output_file_is_written_atomically(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "reports" / "completeness.md"
    code, out, err = run(
        capsys,
        str(CONTEXT),
        str(FIXTURES / "cart.invalid.ttl"),
        "--format",
        "markdown",
        "--output",
        str(target),
    )
    assert code == 0
    assert out == ""
    assert str(target) in err
    assert target.read_text(encoding="utf-8").startswith("| case | source |")
    assert sorted(p.name for p in target.parent.iterdir()) == ["completeness.md"]


def test_readme_shows_the_completeness_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Completeness of the curated cases" in readme
    section = readme.split("## Completeness of the curated cases", 1)[1]
    assert "emkg validate --format markdown" in section
    assert "| case | source | elements checked | present |" in section


@pytest.mark.parametrize(
    "name",
    [
        "em-finding.invalid.ttl",
        "provenance.invalid.ttl",
        "claim.invalid.ttl",
        "patient.invalid.ttl",
        "placement.invalid.ttl",
        "deidentification.invalid.ttl",
    ],
)
def test_files_validated_in_the_store_get_the_report_of_the_graph_path(name: str) -> None:
    """``emkg validate FILE`` reads files into the store only (no rdflib graph of them); its
    report (cases, owners, files and lines, completeness) is the one the rdflib locator gives."""
    from emkg.report import ReportBuilder
    from emkg.validate import validate_files_in_store

    files = [CONTEXT, FIXTURES / name]
    in_graph = validate_files(files)
    in_store = validate_files_in_store(files)
    assert in_store.facts is not None
    assert len(in_store.data) == 0
    assert in_store.size == in_graph.size
    for fmt in ("text", "json", "markdown"):
        expected = ReportBuilder(in_graph).render(fmt)
        got = ReportBuilder(in_store).render(fmt)
        assert DURATION.sub("", got) == DURATION.sub("", expected), fmt


def test_no_report_format_repeats_a_value_flagged_as_personal_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from emkg.redact import WITHHELD, Redactor

    fixture = FIXTURES / "deidentification.invalid.ttl"
    validation = validate_files([CONTEXT, fixture])
    redactor = Redactor(validation)
    flagged = sorted(redactor.values)
    assert flagged, "the fixture has values flagged as personal data"
    for fmt in ("text", "json", "markdown", "turtle"):
        code, out, _err = run(capsys, str(CONTEXT), str(fixture), "--format", fmt)
        assert code == 1
        # what the report shows, less what holds digits by chance: blank-node labels in the
        # Turtle report, the run's own duration in the others ("seconds": 0.095)
        shown = (
            [
                str(term)
                for term in Graph().parse(data=out, format="turtle").objects()
                if not isinstance(term, BNode)
            ]
            if fmt == "turtle"
            else [DURATION.sub("", out)]
        )
        for value in flagged:
            assert not [text for text in shown if value in text], (fmt, value)
        if fmt != "markdown":
            assert WITHHELD in out, fmt


def test_large_inputs_are_validated_in_an_on_disk_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past IN_MEMORY_LIMIT bytes of input the store lives in a temporary folder; the report
    is the same."""
    from emkg import validate
    from emkg.report import ReportBuilder

    files = [CONTEXT, FIXTURES / "provenance.invalid.ttl"]
    in_memory = ReportBuilder(validate.validate_files_in_store(files)).render("json")
    monkeypatch.setattr(validate, "IN_MEMORY_LIMIT", 0)
    on_disk_validation = validate.validate_files_in_store(files)
    folder = Path(on_disk_validation.facts.keep.name)
    assert folder.is_dir()
    on_disk = ReportBuilder(on_disk_validation).render("json")
    assert json.loads(on_disk)["results"] == json.loads(in_memory)["results"]
    del on_disk_validation
    import gc

    gc.collect()
    assert not folder.exists()
