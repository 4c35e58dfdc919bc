"""The immunophenotype of the blasts in the exports: packets (biosamples) and tables.

The two fixture cases of ``tests/fixtures/shapes/immunophenotype.valid.ttl`` (with the shared
``_context.ttl``) are built into a release with ``--data`` and exported. Expected facts are
read from the fixture's own account of the cases (its header comment):

* case one (``ctx:patient``): "a testicular relapse after blinatumomab whose blasts stayed
  CD19-positive by flow cytometry": the testis finding is CD19 positive and CD22 dim, both by
  flow cytometry, B-lymphoblastic; the relapse is CD19 positive, lineage unchanged;
* case two (``ctx:other-patient``): "relapsing after CD19 CAR-T as a CD19-negative myeloid
  sarcoma ... MPO-positive by immunohistochemistry": the chest mass (two sites: no single
  sampled tissue) is CD19 negative and MPO positive by immunohistochemistry, myeloid, a
  lineage switch; so is the relapse (site: skin of body), CD19 negative.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from test_export import _schema_validator, emkg

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
F = "https://w3id.org/emkg/data/fixture/immunophenotype/"
CTX = "https://w3id.org/emkg/data/fixture/context/"
FLOW = "NCIT:C16585"
IHC = "NCIT:C23020"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("immunophenotype")
    context = shutil.copy(FIXTURES / "_context.ttl", tmp / "context.ttl")
    cases = shutil.copy(FIXTURES / "immunophenotype.valid.ttl", tmp / "immunophenotype.ttl")
    res = emkg("build", "--out", str(tmp / "dist"), "--data", str(context), str(cases))
    assert res.returncode == 0, res.stderr
    for kind in ("phenopackets", "tables"):
        res = emkg("export", kind, "--release", str(tmp / "dist"), "--out", str(tmp / kind))
        assert res.returncode == 0, res.stderr
    return tmp


def _packet(exported: Path, patient: str) -> dict[str, Any]:
    for path in (exported / "phenopackets").glob("*.json"):
        packet: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if packet["subject"]["id"] == patient:
            return packet
    pytest.fail(f"no packet for {patient}")


def _blasts(packet: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """event -> (tissue, lineage, {antigen: (level, method)}, description), read back."""
    out = {}
    for sample in packet.get("biosamples", []):
        antigens = {
            m["assay"]["label"]: (
                m["value"]["ontologyClass"]["label"],
                m["procedure"]["code"]["id"],
            )
            for m in sample.get("measurements", [])
        }
        out[sample["id"].removeprefix(F)] = {
            "tissue": sample.get("sampledTissue", {}).get("id"),
            "lineage": sample.get("histologicalDiagnosis", {}).get("label"),
            "antigens": antigens,
            "said": sample.get("description", ""),
        }
    return out


def test_cd19_positive_em_relapse_round_trips(exported: Path) -> None:
    packet = _packet(exported, CTX + "patient")
    blasts = _blasts(packet)
    assert sorted(blasts) == ["relapse", "testis"]
    assert blasts["testis"]["tissue"] == "UBERON:0000473"
    assert blasts["testis"]["lineage"] == "B-lymphoblastic"
    assert blasts["testis"]["antigens"] == {"CD19": ("positive", FLOW), "CD22": ("dim", FLOW)}
    assert blasts["relapse"]["antigens"] == {"CD19": ("positive", FLOW)}
    assert "no lineage switch" in blasts["relapse"]["said"]
    assert all(b["individualId"] == CTX + "patient" for b in packet["biosamples"])


def test_lineage_switch_round_trips(exported: Path) -> None:
    blasts = _blasts(_packet(exported, CTX + "other-patient"))
    assert sorted(blasts) == ["chest-mass", "switch-relapse"]
    chest = blasts["chest-mass"]
    assert chest["tissue"] is None, "one lesion over two sites names no single tissue"
    assert chest["lineage"] == "myeloid"
    assert chest["antigens"] == {"CD19": ("negative", IHC), "myeloperoxidase": ("positive", IHC)}
    assert "lineage switch: the source says the leukemia changed lineage" in chest["said"]
    relapse = blasts["switch-relapse"]
    assert relapse["tissue"] == "UBERON:0002097"
    assert relapse["antigens"] == {"CD19": ("negative", IHC)}
    assert "changed lineage" in relapse["said"]


def test_packets_with_biosamples_validate(exported: Path) -> None:
    import phenopackets as pp
    from google.protobuf import json_format

    validator = _schema_validator()
    for path in sorted((exported / "phenopackets").glob("*.json")):
        text = path.read_text(encoding="utf-8")
        json_format.Parse(text, pp.Phenopacket())  # unknown fields refused
        errors = [
            f"{list(x.absolute_path)}: {x.message}" for x in validator.iter_errors(json.loads(text))
        ]
        assert errors == [], (path.name, errors[:5])


def _table(exported: Path, name: str) -> list[dict[str, str]]:
    with (exported / "tables" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_tables_hold_one_row_per_antigen_and_per_typed_event(exported: Path) -> None:
    antigens = {
        (r["event"].removeprefix(F), r["antigenLabel"], r["levelLabel"], r["methodLabel"])
        for r in _table(exported, "antigen-expressions")
    }
    assert antigens == {
        ("testis", "CD19", "positive", "flow cytometry"),
        ("testis", "CD22", "dim", "flow cytometry"),
        ("relapse", "CD19", "positive", "flow cytometry"),
        ("chest-mass", "CD19", "negative", "immunohistochemistry"),
        ("chest-mass", "myeloperoxidase", "positive", "immunohistochemistry"),
        ("switch-relapse", "CD19", "negative", "immunohistochemistry"),
    }
    lineages = {
        (r["event"].removeprefix(F), r["blastLineageLabel"], r["lineageSwitch"])
        for r in _table(exported, "blast-lineages")
    }
    assert lineages == {
        ("testis", "B-lymphoblastic", ""),
        ("relapse", "B-lymphoblastic", "false"),
        ("chest-mass", "myeloid", "true"),
        ("switch-relapse", "myeloid", "true"),
    }
