"""``emkg report``: write the HTML report (swimmer timelines, cohort views, evidence)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_NAME = "emkg-report.html"  # the name emkg all gives it too (emkg.pipeline.REPORT_NAME)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="write the HTML report: swimmer timelines, cohort views, evidence on every mark",
        description=(
            "Write one self-contained HTML file (scripts and styles inlined; it loads nothing "
            "from the network) drawn from the saved queries' answers on a release: a swimmer "
            "timeline per patient, EM site x prior targeted agent (CQ13), method x site (CQ4), "
            "EM sites after a therapy chosen on the page (CQ1, CQ2) and completeness per case "
            "(CQ15). Every mark shows its quote, DOI and IRI. Exit 2 on bad input."
        ),
    )
    p.add_argument(
        "--release",
        type=Path,
        default=None,
        metavar="DIR",
        help="release folder to read (default: dist/ when current, else the sources)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"HTML file to write (default: {DEFAULT_NAME} in the release folder or dist/)",
    )
    p.add_argument(
        "--patients",
        nargs="+",
        default=None,
        metavar="PATIENT",
        help="draw only these patients' timelines (IRIs, data: CURIEs or case labels); "
        "the cohort views stay over the whole release",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emkg import paths
    from emkg.htmlreport.data import collect
    from emkg.htmlreport.page import write_report
    from emkg.htmlreport.source import open_release

    engine = open_release(args.release)
    data = collect(engine, args.patients)
    out = args.out or (args.release or paths.default_dist()) / DEFAULT_NAME
    write_report(out, data)
    drawn = len(data.patients) if data.patients else "all"
    print(f"emkg report: wrote {out} ({out.stat().st_size:,} bytes; patients drawn: {drawn})")
    return 0
