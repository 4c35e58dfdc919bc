"""The browser-test fixtures themselves: they launch Debian's Chromium headless and their log
sees what the page tests assert the absence of (console errors, uncaught errors, requests)."""

from __future__ import annotations

import http.server
import re
import subprocess
import threading
from collections.abc import Iterator

import pytest

from browser import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.browser


@pytest.fixture
def local_server() -> Iterator[str]:
    """A throw-away HTTP server on 127.0.0.1 that answers 204 to everything."""

    class Quiet(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def test_launches_debian_chromium_headless(browser_page, chromium_executable):
    assert chromium_executable == chromium_path()
    agent = browser_page.page.evaluate("navigator.userAgent")
    version = subprocess.run(
        [str(chromium_executable), "--headless", "--no-sandbox", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    major = re.search(r"(\d+)\.\d+\.\d+\.\d+", version)
    assert major is not None, version
    assert "HeadlessChrome/" + major.group(1) in agent
    assert {"--headless", "--no-sandbox", "--disable-gpu"} <= set(CHROMIUM_ARGS)


def test_log_records_console_and_uncaught_errors(browser_page, tmp_path):
    page = tmp_path / "errors.html"
    page.write_text(
        "<!doctype html><title>t</title><script>console.error('boom-one');"
        "setTimeout(() => { throw new Error('boom-two'); }, 0);</script>",
        encoding="utf-8",
    )
    # the uncaught error comes from a timer, after the page has loaded: wait for it (a fixed
    # 200 ms pause bet that a loaded machine delivers it in time)
    with browser_page.page.expect_event("pageerror", timeout=30_000):
        browser_page.page.goto(page.as_uri())
    joined = "\n".join(browser_page.log.errors)
    assert "boom-one" in joined
    assert "boom-two" in joined


def test_log_records_every_request(browser_page, tmp_path, local_server):
    page = tmp_path / "fetch.html"
    page.write_text(
        f"<!doctype html><title>t</title><img src='{local_server}/pixel.png' alt=''>",
        encoding="utf-8",
    )
    browser_page.page.goto(page.as_uri())
    browser_page.page.wait_for_load_state("load")
    assert browser_page.log.requests[0] == page.as_uri()
    assert browser_page.log.requests_except(page.as_uri()) == [f"{local_server}/pixel.png"]


def test_a_clean_page_logs_nothing_but_itself(browser_page, tmp_path):
    page = tmp_path / "clean.html"
    page.write_text("<!doctype html><title>t</title><p>quiet</p>", encoding="utf-8")
    browser_page.page.goto(page.as_uri())
    assert browser_page.log.errors == []
    assert browser_page.log.requests_except(page.as_uri()) == []
