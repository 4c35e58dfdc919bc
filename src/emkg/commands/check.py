"""``emkg check``: the whole check a curator runs on a case file, in one report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="run every check on FILEs (default: the curated graph): shapes, sources and "
        "quotes, declared terms, quality checks, reasoner",
        description=(
            "Run every check a curator needs on the given case files (default: kg/*.ttl) and "
            "print one report with file, line and what to do: the SHACL shapes; each "
            "publication's identifier (a placeholder is refused) and every quote and offset "
            "text verbatim in its registered source text (sources.tsv of the sources folder); "
            "every class and property declared (a misspelling is named with the closest "
            "declared term); the quality checks of queries/qc; the reasoner (HermiT) where "
            "Java is present. Exit status: 0 clean (warnings are listed), 1 problems, 2 "
            "unreadable input."
        ),
    )
    p.add_argument("files", nargs="*", type=Path, metavar="FILE", help="case files to check")
    p.add_argument(
        "--sources",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of the source texts and their sources.tsv (default: EMKG_SOURCES, else "
        "../shared/seeds)",
    )
    p.add_argument(
        "--no-reason", action="store_true", help="skip the reasoner (it needs Java and takes time)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emkg.check import run_check

    report = run_check(args.files or None, sources=args.sources, reasoner=not args.no_reason)
    sys.stdout.write(report.text())
    return 0 if report.ok else 1
