"""The one strict ruff and mypy configuration in pyproject.toml holds for the whole tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed in this environment: pip install -e '.[test]'")
    return found


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)


def test_ruff_lint() -> None:
    res = _run(_tool("ruff"), "check", "src", "tests", "scripts")
    assert res.returncode == 0, res.stdout + res.stderr


def test_ruff_format() -> None:
    res = _run(_tool("ruff"), "format", "--check", "src", "tests", "scripts")
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_strict() -> None:
    res = _run(_tool("mypy"))
    assert res.returncode == 0, res.stdout + res.stderr


def test_package_layout() -> None:
    pkg = ROOT / "src" / "emkg"
    assert (pkg / "py.typed").is_file()
    main = (pkg / "__main__.py").read_text(encoding="utf-8")
    assert len([ln for ln in main.splitlines() if ln.strip()]) <= 5, "__main__.py stays thin"
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["scripts"]["emkg"] == "emkg.cli:main"
    assert meta["tool"]["mypy"]["strict"] is True


def test_every_command_module_is_registered() -> None:
    from emkg.commands import COMMAND_MODULES

    on_disk = {
        p.stem for p in (ROOT / "src" / "emkg" / "commands").glob("*.py") if p.stem != "__init__"
    }
    assert set(COMMAND_MODULES) == on_disk


def test_python_m_emkg_runs() -> None:
    res = _run(sys.executable, "-m", "emkg", "--help")
    assert res.returncode == 0, res.stderr
    assert "build" in res.stdout
