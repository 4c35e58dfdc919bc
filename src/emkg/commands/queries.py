"""``emkg queries``: list the saved queries with their titles and parameters."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from emkg.catalogue import KINDS, load_catalogue


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "queries",
        help="list the saved competency questions and quality checks",
        description="List the saved queries under queries/ with their titles and parameters.",
    )
    p.add_argument(
        "--kind", choices=sorted(KINDS), default=None, help="only competency questions or checks"
    )
    p.add_argument("--long", action="store_true", help="also print descriptions and columns")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    catalogue = load_catalogue()
    for kind, title in KINDS.items():
        if args.kind and kind != args.kind:
            continue
        entries = catalogue.of_kind(kind)
        print(f"{title}s ({len(entries)}):")
        for entry in entries:
            print(f"  {entry.id}  {entry.title}")
            for param in entry.params:
                print(f"      --param {param.summary()}")
            if args.long:
                for line in textwrap.wrap(entry.description, width=92):
                    print(f"      {line}")
                print(f"      columns: {', '.join(entry.columns)}")
        print()
    print("run one with: emkg query ID [--param NAME=VALUE ...] (a unique prefix of ID is enough)")
    return 0
