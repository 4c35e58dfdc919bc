"""``emkg export phenopackets|tables``: the release as GA4GH Phenopackets or tidy tables."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="export the release as GA4GH Phenopackets v2 or as tidy CSV/Parquet tables",
        description=(
            "Read the release (default dist/, built when missing) and write one GA4GH "
            "Phenopacket v2 JSON per patient, or one tidy table per entity with a data "
            "dictionary. The output folder is replaced whole, atomically."
        ),
    )
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    pp = what.add_parser("phenopackets", help="one Phenopacket v2 JSON per patient")
    tb = what.add_parser("tables", help="tidy CSV (and Parquet) tables with a data dictionary")
    for sp, default in ((pp, "exports/phenopackets"), (tb, "exports/tables")):
        sp.add_argument(
            "--release",
            type=Path,
            default=None,
            metavar="DIR",
            help="the release folder to read (default: dist/, built when missing)",
        )
        sp.add_argument(
            "--out", type=Path, default=Path(default), help=f"output folder (default: {default})"
        )
        sp.set_defaults(func=run)
    tb.add_argument(
        "--no-parquet",
        action="store_true",
        help="write CSV only (Parquet is written where pyarrow is installed)",
    )


def run(args: argparse.Namespace) -> int:
    from emkg.export.store import open_release_store

    def say(line: str) -> None:
        print(line, flush=True)

    started = time.monotonic()
    with open_release_store(args.release) as store:
        loaded = time.monotonic()
        say(f"loaded the release in {loaded - started:.1f} s")
        if args.what == "phenopackets":
            from emkg.export.phenopackets import write_packets

            packets = write_packets(store, args.out, log=say)
            took = time.monotonic() - loaded
            say(f"wrote {packets.count} phenopackets to {packets.folder} in {took:.1f} s")
        else:
            from emkg.export.tables import write_tables

            no_parquet = args.no_parquet
            tables = write_tables(store, args.out, parquet=False if no_parquet else None, log=say)
            kinds = "CSV and Parquet" if tables.parquet else "CSV"
            say(
                f"wrote {len(tables.counts)} tables ({kinds}) and dictionary.csv to "
                f"{tables.folder} in {time.monotonic() - loaded:.1f} s"
            )
    return 0
