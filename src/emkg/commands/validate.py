"""``emkg validate``: check the curated graph (or given files) against the SHACL shapes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emkg.rdfio import atomic_write_text
from emkg.report import FORMATS, ReportBuilder
from emkg.validate import ENGINES, validate_files, validate_files_in_store


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="validate the curated graph (or FILEs) against the SHACL shapes in shapes/",
        description=(
            "Validate the curated graph (ontology, imports and kg/*.ttl, as emkg build "
            "assembles them), or the given RDF files (Turtle, N-Triples, JSON-LD, TriG, "
            "N-Quads) together with the ontology's class hierarchy, against the SHACL shapes "
            "in shapes/ (or --shapes). The report groups results by case and node, names the "
            "file and line of each node and ends with a completeness score per case. Exit "
            "status: 0 no violation (warnings and infos are listed), 1 violations, 2 unreadable "
            "input or unusable shapes."
        ),
    )
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="RDF files to validate instead of the curated graph",
    )
    p.add_argument(
        "--shapes",
        nargs="+",
        type=Path,
        metavar="FILE",
        default=None,
        help="shapes files to use instead of shapes/*.ttl",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help=(
            "text (default): the report for curators; json: machine-readable; markdown: the "
            "completeness table per case (README.md); turtle: the SHACL validation report graph"
        ),
    )
    p.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the report to FILE (atomically) instead of standard output",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help=(
            "auto (default): oxigraph, or pyshacl where the shapes use a SHACL feature oxigraph "
            "does not compile; oxigraph: the shapes compiled to SPARQL, linear in the number of "
            "patients; pyshacl: the reference engine (same results, slower on big graphs)"
        ),
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.files:
        validation = validate_files_in_store(args.files, args.shapes, args.engine)
    else:
        validation = validate_files(None, args.shapes, args.engine)
    text = ReportBuilder(validation).render(args.format)
    if args.output is not None:
        atomic_write_text(args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0 if validation.conforms else 1
