"""scripts/benchmark.py: limits stop a step without stopping the run, and the table says so.

The figures themselves come from running the benchmark (README, "Measured performance");
these tests pin how a step over its time or memory limit, a failed step and the growth
exponents are measured and shown.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

from scriptmodule import load_script


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("benchmark.py", "emkg_benchmark")


def test_a_step_over_its_time_limit_is_stopped_and_shown(bench: ModuleType) -> None:
    step, _out = bench.run_child([sys.executable, "-c", "import time; time.sleep(30)"], 1.0)
    assert step.seconds is None
    assert step.over_limit
    assert step.show() == ">1 s"


def test_a_step_over_the_memory_limit_is_stopped_and_shown(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "MEMORY_LIMIT", [100 * 1024**2])
    code = "import time; x = b'1' * (300 * 1024**2); time.sleep(30)"  # pages written: resident
    step, _out = bench.run_child([sys.executable, "-c", code], 25.0)
    assert step.seconds is None
    assert not step.over_limit  # not a time limit: no exponent is drawn from it
    assert step.show() == ">0.0977 GB memory"
    assert step.peak > 100 * 1024**2


def test_a_finished_step_has_wall_cpu_and_peak(bench: ModuleType) -> None:
    step, out = bench.run_child([sys.executable, "-c", "print(sum(range(10**6)))"], 30.0)
    assert out.strip() == str(sum(range(10**6)))
    assert step.seconds is not None
    assert step.cpu is not None
    assert step.peak > 0
    assert "CPU" in step.show()


def test_a_failed_step_says_why(bench: ModuleType) -> None:
    step, _out = bench.run_child([sys.executable, "-c", "import sys; sys.exit(3)"], 30.0)
    assert step.seconds is None
    assert step.show().startswith("failed (exit 3")


def test_exit_1_is_measured_and_marked(bench: ModuleType) -> None:
    """``emkg validate`` exits 1 when it finds violations: timed, and the table says so."""
    step, _out = bench.run_child([sys.executable, "-c", "raise SystemExit('violations')"], 30.0)
    assert step.seconds is not None
    assert step.show().endswith("**exit 1: violations**")


def test_the_table_marks_targets_and_exponents(bench: ModuleType) -> None:
    small, big = bench.SizeResult(10_000, 2_800_000), bench.SizeResult(100_000, 28_000_000)
    small.steps = {
        "build": bench.Step(6.0, 6.0, 2 * 1024**3),
        "rebuild": bench.Step(5.0, 4.0),
        "cq01 default": bench.Step(1.0, 1.0),
        "validate": bench.Step(30.0, 30.0),
    }
    big.steps = {
        "build": bench.Step(60.0, 55.0, 3 * 1024**3),  # 10x for 10x: exponent 1.00, met
        "rebuild": bench.Step(70.0, 8.0),  # the build's target: 70 s is over 60 s
        "cq01 default": bench.Step(20.0, 20.0),  # 20x for 10x: exponent 1.30, not met
        "validate": bench.Step(None, note="300 s limit"),
    }
    lines = {
        row.split(" | ")[0].lstrip("| "): row
        for row in bench.table([small, big], {}, 0).splitlines()
    }
    assert "1.00 / 0.96" in lines["build"]
    assert "<= 60 s met; exp <= 1.1 met" in lines["build"]
    assert "<= 60 s **not met**" in lines["rebuild"]
    assert "1.30 / 1.30" in lines["cq01 default"]
    assert "<= 10 s **not met**; exp <= 1.1 **not met**" in lines["cq01 default"]
    assert ">300 s" in lines["validate"]
    assert "> 1.00" in lines["validate"]  # a lower bound: 30 s -> more than 300 s
    assert "<= 300 s **not met**" in lines["validate"]
    assert "3.00 GB (build)" in lines["peak memory (largest step)"]


def test_a_step_stopped_on_a_smaller_cohort_is_not_run_again(
    bench: ModuleType, tmp_path: Path
) -> None:
    # no release exists in tmp_path: an export that were run would fail, not say "not run"
    steps = bench.measure_exports(
        tmp_path / "no-release",
        tmp_path,
        30.0,
        {"export tables": 1000, "export phenopackets": 1000},
    )
    for step in steps.values():
        assert step.seconds is None
        assert not step.stopped  # no limit passed here: no exponent is drawn from it
        assert step.show() == "not run (stopped at its limit at 1,000 patients)"
    assert bench.skipped("validate", {}) is None
