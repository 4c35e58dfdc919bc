"""``emkg terms``: add an UBERON class with its is_a / part_of chain, in one step."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "terms",
        help="add ontology terms: an UBERON class with its parents from a local UBERON file",
        description=(
            "Add an UBERON class the curated graph needs (an anatomical site) with every is_a "
            "and part_of parent the import does not have yet, read from a local UBERON file in "
            "OBO format (nothing is fetched), to ontology/imports/uberon-added.tsv, and "
            "regenerate ontology/imports/uberon.ttl. The shared checked tables are never "
            "written. Exit status: 0 added (or already there), 2 bad input."
        ),
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an UBERON class and its chain of parents")
    add.add_argument("curie", metavar="UBERON:NNNNNNN", help="the class to add")
    add.add_argument(
        "--from",
        dest="obo",
        type=Path,
        required=True,
        metavar="FILE",
        help="a local UBERON file in OBO format (uberon.obo, or an edit file of the release)",
    )
    add.add_argument(
        "--terms-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the checked term tables (default ../shared/terms)",
    )
    add.set_defaults(func=run_add)


def run_add(args: argparse.Namespace) -> int:
    from emkg.terms import add_uberon
    from emkg.uberon_import import default_additions, default_out

    links = add_uberon(args.curie, args.obo, terms_dir=args.terms_dir)
    if not links:
        print(f"{args.curie} is already in {default_out()}; nothing to add")
        return 0
    classes = sorted({link.child for link in links})
    print(
        f"added {len(classes)} class(es) and {len(links)} link(s) to {default_additions()}; "
        f"regenerated {default_out()}"
    )
    for link in links:
        print(
            f"  {link.child} {link.child_label} {link.relation} {link.parent} {link.parent_label}"
        )
    return 0
