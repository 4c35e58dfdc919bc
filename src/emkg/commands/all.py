"""``emkg all``: build, validate, and answer "EM sites found after blinatumomab"."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emkg import paths
from emkg.formats import render
from emkg.pipeline import run_main_job, summary


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "all",
        help="build the release, validate it and answer CQ1 (the main job)",
        description=(
            "Build the release, validate the curated graph against the shapes, answer "
            "competency question 1 (EM sites found after a therapy) on the embedded store and "
            "write the HTML report (emkg report), all in a staging folder; then swap it in as "
            "dist/ and list the outputs. When the graph has violations, dist/ keeps the "
            "previous release, the new one is kept as dist.failed/ and the exit status is 1."
        ),
    )
    p.add_argument("--out", type=Path, default=None, help="release folder (default: dist/)")
    p.add_argument(
        "--therapy",
        default="blinatumomab",
        help="therapy for CQ1: a label, CURIE or IRI (default: blinatumomab)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    job = run_main_job(args.out, args.therapy)
    c = job.release.counts
    print(
        f"1. built {job.release.out_dir}: {c['triples']:,} triples, {c['patients']} patients, "
        f"{c['emFindings']} EM findings, {c['therapyLines']} therapy lines, "
        f"{c['literatureClaims']} literature claims"
    )
    v = job.validation
    print(
        f"2. validated against shapes/: {v.violations} violation(s); "
        f"see validation.txt for warnings, infos and completeness per case"
    )
    short = summary(job.answer)
    print(
        f"3. CQ1, EM sites found after {args.therapy}: {len(job.answer)} rows "
        f"({len(short)} distinct patient, site, method and source):"
    )
    print(render(short, "table"))
    print("outputs:")
    for path in job.outputs:
        print(f"  {path}")
    if not v.conforms:
        target = Path(args.out) if args.out is not None else paths.default_dist()
        before = (
            f"{target} still holds the previous release"
            if target.is_dir()
            else f"{target} was not created"
        )
        print(
            f"emkg all: the graph has {v.violations} violation(s): this release was NOT "
            f"published; it is kept for inspection in {job.release.out_dir}, and {before} "
            "(fix the violations listed in its validation.txt and run emkg all again)",
            file=sys.stderr,
        )
    return 0 if v.conforms else 1
