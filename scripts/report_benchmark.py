"""Measure the HTML report on synthetic releases: build time, file size, render time.

    .venv/bin/python scripts/report_benchmark.py [--sizes 250 500 1000] [--loads 3]

For each size, a synthetic cohort (``emkg.synthetic``, seed 1) is built into a release
(``emkg build --data``, with the curated graph), read through the report's one release reader
(``emkg.htmlreport.source.open_release``), and the report is written from it. The page is then
opened in headless Debian Chromium (Playwright, ``scripts/browser.sh``) ``--loads`` times; the
script's own measure of its first draw (``data-render-ms``: parse the data, draw one page of
lanes, the matrices and every table) and the time to the ready page are reported as medians,
with growth exponents between consecutive sizes (1.0 = linear).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import headless_chromium  # scripts/: the launcher shared with the browser tests

from emkg import synthetic
from emkg.cli import main as emkg
from emkg.htmlreport.data import collect
from emkg.htmlreport.page import write_report
from emkg.htmlreport.source import open_release


def synthetic_release(folder: Path, patients: int) -> None:
    """A release folder with a synthetic cohort added as users' data (emkg build --data)."""
    cohort = folder.parent / f"cohort-{patients}.nt"
    synthetic.write_cohort(cohort, patients, seed=1)
    if emkg(["build", "--data", str(cohort), "--out", str(folder)]) != 0:
        raise SystemExit(f"emkg build --data {cohort} failed")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000])
    ap.add_argument("--loads", type=int, default=3)
    args = ap.parse_args(argv)
    headless_chromium.ensure_chromium()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="emkg-report-bench-") as tmp, sync_playwright() as pw:
        for n in args.sizes:
            release = Path(tmp) / f"release-{n}"
            synthetic_release(release, n)
            t0 = time.perf_counter()
            data = collect(open_release(release))
            t1 = time.perf_counter()
            page_file = write_report(release / "emkg-report.html", data)
            build_s = time.perf_counter() - t0
            renders, readies = [], []
            for i in range(args.loads):
                ctx = headless_chromium.launch(
                    pw, Path(tmp) / f"profile-{n}-{i}", viewport={"width": 1400, "height": 1000}
                )
                page = ctx.pages[0] if ctx.pages else ctx.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                start = time.perf_counter()
                page.goto(page_file.as_uri())
                page.wait_for_selector("body[data-ready='true']", state="attached", timeout=300_000)
                readies.append((time.perf_counter() - start) * 1000)
                renders.append(float(page.get_attribute("body", "data-render-ms") or "nan"))
                ctx.close()
                if errors:
                    print(f"page errors at {n} patients: {errors}", file=sys.stderr)
                    return 1
            rows.append(
                (
                    n,
                    page_file.stat().st_size,
                    t1 - t0,
                    build_s,
                    statistics.median(renders),
                    statistics.median(readies),
                )
            )
    print(
        f"{'patients':>8} {'HTML bytes':>12} {'queries s':>9} {'build s':>8} "
        f"{'draw ms':>8} {'ready ms':>9}  growth (size, draw)"
    )
    prev = None
    for row in rows:
        n, size, q, b, draw, ready = row
        growth = ""
        if prev is not None:
            k = math.log(n / prev[0])
            growth = f"  {math.log(size / prev[1]) / k:.2f}, {math.log(draw / prev[4]) / k:.2f}"
        print(f"{n:>8} {size:>12,} {q:>9.1f} {b:>8.1f} {draw:>8.0f} {ready:>9.0f}{growth}")
        prev = row
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
