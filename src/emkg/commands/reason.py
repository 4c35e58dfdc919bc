"""``emkg reason``: check the ontology (and the curated graph) with HermiT."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emkg.errors import UsageError
from emkg.reason import reason, reason_project, summary


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "reason",
        help="check the ontology (and with --with-data the curated graph) with HermiT",
        description=(
            "Run the HermiT OWL 2 DL reasoner (bundled with owlready2) over the ontology and "
            "its imports, or with --with-data over the ontology and kg/*.ttl. Reports "
            "consistency, unsatisfiable classes and a summary of inferences. Exit status: 0 "
            "consistent with no unsatisfiable class, 1 inconsistent or unsatisfiable classes, "
            "2 unreadable input, 3 no Java runtime (EMKG_JAVA, JAVA_HOME or java on PATH)."
        ),
    )
    p.add_argument("--with-data", action="store_true", help="add the curated graph (kg/*.ttl)")
    p.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to give HermiT (default 600)"
    )
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="reason over these RDF files instead of the project's (for ad-hoc checks)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.files and args.with_data:
        raise UsageError("give FILEs or --with-data, not both")
    if args.files:
        report = reason(args.files, timeout=args.timeout)
    else:
        report = reason_project(with_data=args.with_data, timeout=args.timeout)
    for line in summary(report):
        print(line)
    return 0 if report.ok else 1
