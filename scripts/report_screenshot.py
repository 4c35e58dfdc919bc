"""Remake docs/report.png: the HTML report of the curated release, in headless Chromium.

    .venv/bin/python scripts/report_screenshot.py [--out docs/report.png]

Builds the curated release into a temporary folder (``emkg build``), writes its report
(``emkg report --release``), opens it in Debian's Chromium through Playwright (installed by
``scripts/browser.sh``; Playwright never downloads a browser here), selects the first EM
finding so that the evidence panel shows its quote, DOI and IRI, and saves a screenshot of the
top of the page. Fails when the page logs an error or makes any request but its own file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import headless_chromium  # scripts/: the launcher shared with the browser tests

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    parser.add_argument("--width", type=int, default=1500)
    parser.add_argument("--height", type=int, default=1100)
    args = parser.parse_args(argv)

    headless_chromium.ensure_chromium()
    from playwright.sync_api import sync_playwright

    from emkg.cli import main as emkg

    with tempfile.TemporaryDirectory(prefix="emkg-shot-") as tmp:
        release = Path(tmp) / "release"
        page_file = Path(tmp) / "report.html"
        if emkg(["build", "--out", str(release)]) != 0:
            return 1
        if emkg(["report", "--release", str(release), "--out", str(page_file)]) != 0:
            return 1
        with sync_playwright() as pw:
            ctx = headless_chromium.launch(
                pw, Path(tmp) / "profile", viewport={"width": args.width, "height": args.height}
            )
            errors: list[str] = []
            requests: list[str] = []
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            ctx.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            page.wait_for_selector("body[data-ready='true']", state="attached", timeout=60_000)
            page.locator('.mark.marker[data-kind="EMFinding"]').first.click()
            page.evaluate("window.scrollTo(0, document.getElementById('timelines').offsetTop - 8)")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out))
            ctx.close()
        others = [u for u in requests if u != page_file.as_uri()]
        if errors or others:
            print(f"report_screenshot: errors {errors}, requests {others}", file=sys.stderr)
            return 1
    print(f"report_screenshot: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
