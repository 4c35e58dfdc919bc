"""``emkg build``: assemble ontology, imports and kg/ into release files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emkg.release import store_path


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "build",
        help="assemble the release: files (Turtle, N-Triples, TriG, N-Quads, JSON-LD, VoID) "
        "and the on-disk store",
        description=(
            "Assemble ontology/, its imports and kg/ into release files and an on-disk "
            "Oxigraph store (DIR/store, which query, load and serve read), with users' own "
            "case graphs (--data, one named graph per file) in the store too; everything is "
            "built beside DIR and swapped in at once, so a failed build leaves the old release."
        ),
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: dist/)")
    p.add_argument(
        "--data",
        nargs="+",
        type=Path,
        default=[],
        metavar="FILE",
        help="users' case graph files (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML) "
        "to add, each as the named graph https://w3id.org/emkg/graph/data/<file name>",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="load every --data file again, even those unchanged since the previous build of "
        "DIR (by default their graphs are taken over from its store)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emkg.build import build

    report = build(args.out, args.data, fresh=args.fresh)
    print(f"built {report.out_dir}")
    for name, size in sorted(report.files.items()):
        print(f"  {name:<12} {size:>10,} bytes")
    c = report.counts
    print(
        f"  {c['triples']:,} triples; {c['patients']} patients, {c['emFindings']} EM findings, "
        f"{c['therapyLines']} therapy lines, {c['literatureClaims']} literature claims, "
        f"{len(report.graphs)} named graphs"
    )
    if report.reused:
        print(f"  taken over from the previous store (files unchanged): {', '.join(report.reused)}")
    steps = ", ".join(f"{step} {seconds:.1f}" for step, seconds in report.seconds.items())
    print(f"  seconds: {steps}")
    print(f"  store: {store_path(report.out_dir)} (read by: emkg query ID --release DIR)")
    return 0
