"""``emkg docs``: HTML documentation of the ontology (pyLODE)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emkg.ontodocs import write_docs


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "docs",
        help="write HTML documentation of the ontology (pyLODE)",
        description=(
            "Document ontology/emkg.ttl as one HTML page (pyLODE, plus the value sets and "
            "the versions of the aligned external ontologies), written atomically to "
            "DIR/index.html."
        ),
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: dist/docs)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = write_docs(args.out)
    print(
        f"wrote {result.path} ({result.size:,} bytes): {result.classes} classes, "
        f"{result.value_sets} value sets"
    )
    return 0
