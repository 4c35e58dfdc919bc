"""Headless Chromium for the browser tests: one launcher, every test's console and network log.

Loaded by ``conftest.py`` (``pytest_plugins``), so any test can ask for these fixtures:

- ``browser_page``: a fresh page in a fresh Chromium (own temporary user-data folder) with a
  :class:`BrowserLog` that records console errors, uncaught page errors, and every network
  request the page makes (including the page's own URL and failed requests).
- ``open_browser``: a factory for more than one page or a custom viewport.

Chromium is Debian's ``/usr/bin/chromium`` (``EMKG_CHROMIUM`` names another binary), driven by
Playwright from PyPI; Playwright's own browser download is never used. When the binary is
missing, the session runs ``scripts/browser.sh`` (which installs it with apt-get) once, and a
test that still cannot get a browser fails: it is never skipped, since Chromium is installable.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scriptmodule import load_script

# scripts/headless_chromium.py: the flags and launcher shared with the report scripts
headless = load_script("headless_chromium.py", "emkg_headless_chromium")
CHROMIUM_ARGS: tuple[str, ...] = headless.CHROMIUM_ARGS
chromium_path = headless.chromium_path


@dataclass
class BrowserLog:
    """What a page did: console errors, uncaught errors, requests (URL order of issue)."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Console errors and uncaught exceptions together."""
        return self.console_errors + self.page_errors

    def requests_except(self, *allowed: str) -> list[str]:
        """Requests whose URL is none of ``allowed`` (exact URLs, or prefixes ending in ``*``)."""

        def ok(url: str) -> bool:
            for a in allowed:
                if a.endswith("*") and url.startswith(a[:-1]):
                    return True
                if url == a:
                    return True
            return False

        return [u for u in self.requests if not ok(u)]


@dataclass
class BrowserPage:
    page: object  # playwright.sync_api.Page (typed loosely: tests are not type-checked)
    log: BrowserLog
    context: object


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    """Debian's Chromium, installed by scripts/browser.sh when missing."""
    try:
        return headless.ensure_chromium()  # type: ignore[no-any-return]
    except headless.ChromiumMissing as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def open_browser(
    chromium_executable: Path, playwright_driver: object
) -> Iterator[Callable[..., BrowserPage]]:
    """Factory: ``open_browser(viewport={"width": w, "height": h})`` -> a logged fresh page."""
    with ExitStack() as stack:

        def launch(**context_options: object) -> BrowserPage:
            profile = stack.enter_context(tempfile.TemporaryDirectory(prefix="emkg-chromium-"))
            context_options.setdefault("viewport", {"width": 1280, "height": 900})
            ctx = headless.launch(
                playwright_driver, profile, chromium_executable, **context_options
            )
            stack.callback(ctx.close)
            log = BrowserLog()
            ctx.on("request", lambda req: log.requests.append(req.url))
            ctx.on(
                "requestfailed",
                lambda req: log.failed_requests.append(f"{req.url} ({req.failure})"),
            )
            page = ctx.pages[0] if ctx.pages else ctx.new_page()

            def on_console(msg: object) -> None:
                if msg.type == "error":  # type: ignore[attr-defined]
                    loc = msg.location  # type: ignore[attr-defined]
                    where = f" at {loc.get('url')}:{loc.get('lineNumber')}" if loc else ""
                    log.console_errors.append(f"{msg.text}{where}")  # type: ignore[attr-defined]

            page.on("console", on_console)
            page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
            page.set_default_timeout(60_000)
            return BrowserPage(page=page, log=log, context=ctx)

        yield launch


@pytest.fixture
def browser_page(open_browser: Callable[..., BrowserPage]) -> BrowserPage:
    """A fresh page in a fresh headless Chromium, with its console and network log."""
    return open_browser()
