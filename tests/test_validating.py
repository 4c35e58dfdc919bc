"""docs/validating.md: the documented pySHACL command gives emkg's verdict and results.

The release is built into ``dist/`` of a temporary folder, the data is put beside it as
``mydata.ttl``, and the pyshacl command line found in the document runs there exactly as
written. Its exit code and its results, as (focus node, path, shape, constraint component,
severity), must be those of ``emkg validate`` on the same file: once on a conforming source
graph of the curated collection and once on a fixture with known faults.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from emkg import build, paths
from emkg.validate import validate_files
from releases import copy_release

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "validating.md"
FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
SH = "http://www.w3.org/ns/shacl#"


def documented_command(program: str) -> list[str]:
    """The first line of a ```sh block of the document that runs ``program``."""
    text = DOC.read_text(encoding="utf-8")
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith(program + " -s dist/shapes.ttl -e"):
                return shlex.split(line)
    raise AssertionError(f"no {program} command in {DOC}")


Key = tuple[str | None, str | None, str | None, str, str]


def _name(term: Node | None) -> str | None:
    if term is None:
        return None
    return "_:" if isinstance(term, BNode) else str(term)


def report_results(report: Graph) -> Counter[Key]:
    out: Counter[Key] = Counter()
    for result in report.subjects(URIRef(SH + "resultSeverity"), None):

        def get(prop: str, node: Node = result) -> Node | None:
            return report.value(node, URIRef(SH + prop))  # type: ignore[arg-type]

        out[
            (
                _name(get("focusNode")),
                _name(get("resultPath")),
                _name(get("sourceShape")),
                str(get("sourceConstraintComponent")),
                str(get("resultSeverity")),
            )
        ] += 1
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, curated_release: Path) -> Path:
    work = tmp_path_factory.mktemp("validating")
    copy_release(curated_release, work / "dist")  # as `emkg build --out dist` makes it
    return work


def test_the_release_holds_one_shapes_file_and_the_ontology_bundle(workdir: Path) -> None:
    shapes = Graph().parse(workdir / "dist" / "shapes.ttl")
    expected = Graph()
    for path in build.shape_files():
        expected.parse(path)
    assert len(shapes) == len(expected)
    ontology = Graph().parse(workdir / "dist" / "ontology.ttl")
    sources = Graph()
    for path in build.ontology_files():
        sources.parse(path)
    assert len(ontology) == len(sources)
    assert documented_command("pyshacl")[:6] == [
        "pyshacl",
        "-s",
        "dist/shapes.ttl",
        "-e",
        "dist/ontology.ttl",
        "-a",
    ]


@pytest.mark.parametrize(
    ("data", "conforms"),
    [
        (["kg/liu2024.ttl"], True),
        (
            ["tests/fixtures/shapes/_context.ttl", "tests/fixtures/shapes/time-offset.invalid.ttl"],
            False,
        ),
    ],
    ids=["curated-source", "faulty-fixture"],
)
def test_the_documented_pyshacl_command_agrees_with_emkg_validate(
    workdir: Path, data: list[str], conforms: bool
) -> None:
    mydata = workdir / "mydata.ttl"
    mydata.write_text(
        "\n".join((ROOT / name).read_text(encoding="utf-8") for name in data), encoding="utf-8"
    )
    (workdir / "report.ttl").unlink(missing_ok=True)
    command = documented_command("pyshacl")
    binary = shutil.which("pyshacl", path=str(Path(sys.executable).parent))
    assert binary is not None, "pyshacl's command line is installed with emkg"
    res = subprocess.run(
        [binary, *command[1:]],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    ours = validate_files([mydata])
    assert ours.conforms is conforms
    assert res.returncode == (0 if conforms else 1), res.stderr[-2000:]
    theirs = report_results(Graph().parse(workdir / "report.ttl"))
    mine: Counter[Key] = Counter(
        (_name(r.focus), _name(r.path), _name(r.shape), str(r.component), str(r.severity))
        for r in ours.results
    )
    assert theirs == mine
    if not conforms:
        components = {key[3].rsplit("#", 1)[-1] for key in mine}
        assert {"MinCountConstraintComponent", "SPARQLConstraintComponent"} <= components
    assert paths.project_root() == ROOT
