"""``emkg build``: assemble ontology, imports and kg/ into release files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emkg.build import build


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "build",
        help="assemble the release files (Turtle, N-Triples, TriG, N-Quads, JSON-LD, VoID)",
        description="Assemble ontology/, its imports and kg/ into release files, atomically.",
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: dist/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = build(args.out)
    print(f"built {report.out_dir}")
    for name, size in sorted(report.files.items()):
        print(f"  {name:<12} {size:>10,} bytes")
    c = report.counts
    print(
        f"  {c['triples']:,} triples; {c['patients']} patients, {c['emFindings']} EM findings, "
        f"{c['therapyLines']} therapy lines, {c['literatureClaims']} literature claims, "
        f"{len(report.graphs)} named graphs"
    )
    return 0
