"""Headless Debian Chromium for the browser tests and the report scripts: one launcher.

Chromium is Debian's ``/usr/bin/chromium`` (``EMKG_CHROMIUM`` names another binary), driven by
Playwright from PyPI; Playwright's own browser download is never used. When the binary is
missing, :func:`ensure_chromium` runs ``scripts/browser.sh`` (apt-get) once.

Used by ``tests/browser.py`` (loaded by path), ``scripts/report_screenshot.py`` and
``scripts/report_benchmark.py`` (imported from this folder).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
"""Command-line flags of every launch: headless, no GPU, no background traffic of its own
(without the background-networking flags Chromium keeps opening connections this machine
refuses)."""

LAUNCH_TIMEOUT_MS = 120_000  # a shared, loaded machine can take long to start Chromium


class ChromiumMissing(RuntimeError):
    """Chromium is not installed and ``scripts/browser.sh`` could not install it."""


def chromium_path() -> Path:
    return Path(os.environ.get("EMKG_CHROMIUM", "/usr/bin/chromium"))


def ensure_chromium() -> Path:
    """The Chromium binary, installed by ``scripts/browser.sh`` when missing."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    exe = chromium_path()
    if not os.access(exe, os.X_OK):
        res = subprocess.run(
            ["bash", str(ROOT / "scripts" / "browser.sh")],
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
        if res.returncode != 0 or not os.access(exe, os.X_OK):
            raise ChromiumMissing(
                f"Chromium is missing at {exe} and scripts/browser.sh could not install it "
                f"(exit {res.returncode}): {res.stderr[-2000:]}"
            )
    return exe


def launch(
    playwright: Any, profile: Path | str, executable: Path | None = None, **context_options: Any
) -> Any:
    """A persistent headless context in a fresh ``profile`` folder, with the shared flags."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(executable or ensure_chromium()),
        headless=True,
        args=list(CHROMIUM_ARGS),
        timeout=LAUNCH_TIMEOUT_MS,
        **context_options,
    )
