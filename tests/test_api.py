"""The Python API: ``emkg.query(...)`` gives a saved question's answer as a pandas DataFrame."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
from rdflib import Literal, URIRef

import emkg
from emkg import api
from emkg.catalogue import load_catalogue
from emkg.errors import InputError, UsageError
from emkg.results import ResultTable

pd = pytest.importorskip("pandas", reason="the test extras install pandas")

XSD = "http://www.w3.org/2001/XMLSchema#"


def test_cq1_for_blinatumomab_as_a_dataframe() -> None:
    df = emkg.query("cq01", therapy="blinatumomab")
    entry = load_catalogue().get("cq01")
    assert list(df.columns) == list(entry.columns)
    # README, CQ1: 34 rows (per finding, method and blinatumomab line); every patient who
    # received blinatumomab before an EM finding: both Johns 2024 cases and the Li 2025
    # patient; Liu 2024's patient received no blinatumomab
    assert len(df) == 34
    assert set(df["therapy"]) == {"https://w3id.org/emkg/ontology#Blinatumomab"}
    labels = set(df["patientLabel"])
    assert len(labels) == 3
    assert not any(label.startswith("Liu 2024") for label in labels)
    assert all(isinstance(v, str) for v in df["siteLabel"])
    assert df["findingIndex"].dtype.kind == "i"
    assert (df["findingIndex"] > df["therapyIndex"]).all()


def test_defaults_mappings_and_engines_agree() -> None:
    default = emkg.query("cq01")  # the query's own default: blinatumomab
    pd.testing.assert_frame_equal(default, emkg.query("cq01", therapy="emkg:Blinatumomab"))
    pd.testing.assert_frame_equal(default, emkg.query("cq01", {"therapy": "blinatumomab"}))
    pd.testing.assert_frame_equal(
        default, emkg.query("cq01-em-sites-after-therapy", therapy="blinatumomab", engine="rdflib")
    )
    car_t = emkg.query("cq01", therapy="CAR-T")
    assert "https://w3id.org/emkg/ontology#CARTCellTherapy" in set(car_t["therapy"])


def test_bad_parameters_are_input_errors() -> None:
    with pytest.raises(InputError, match="no parameter 'drug'"):
        emkg.query("cq01", drug="blinatumomab")
    with pytest.raises(InputError):
        emkg.query("cq01", therapy="no such therapy at all")


def test_values_are_plain_python() -> None:
    assert api.python_value(URIRef("https://x/y")) == "https://x/y"
    assert api.python_value(Literal("3", datatype=URIRef(XSD + "integer"))) == 3
    value = api.python_value(Literal("0.5", datatype=URIRef(XSD + "decimal")))
    assert value == 0.5
    assert isinstance(value, float)
    assert not isinstance(value, Decimal)
    assert api.python_value(Literal("true", datatype=URIRef(XSD + "boolean"))) is True
    assert api.python_value(Literal("text", lang="en")) == "text"
    assert api.python_value(Literal("x", datatype=URIRef("https://x/odd"))) == "x"
    assert api.python_value(None) is None


def test_the_table_is_the_one_emkg_query_gives() -> None:
    result = api.table("cq09", {"patient": "Case one"})
    assert isinstance(result, ResultTable)
    df = emkg.query("cq09", patient="Case one")
    assert len(df) == len(result)
    assert set(df["patient"]) == {"https://w3id.org/emkg/data/johns2024/case1/patient"}


def test_questions_lists_every_saved_query() -> None:
    table = emkg.questions()
    assert list(table["id"]) == load_catalogue().ids()
    cq01 = table.set_index("id").loc["cq01-em-sites-after-therapy"]
    assert "default emkg:Blinatumomab" in cq01["parameters"]


def test_without_pandas_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(UsageError) as info:
        emkg.query("cq01")
    assert "emkg[pandas]" in str(info.value.hint)


def test_import_emkg_stays_light() -> None:
    code = "import sys, emkg; print('pandas' in sys.modules, 'rdflib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
