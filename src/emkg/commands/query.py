"""``emkg query``: run a saved query by id (or unique id prefix) with its parameters."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emkg.catalogue import find_entry
from emkg.engines import ENGINE_NAMES, VALUES_PLACEMENTS, open_engine
from emkg.errors import UsageError
from emkg.formats import FORMATS, render
from emkg.params import parse_assignments
from emkg.runner import run_query


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "query",
        help="run a saved competency question or quality check",
        description=(
            "Run a saved query from queries/ on the release's embedded store (default: the "
            "on-disk store in dist/, opened read-only; built first when missing, reported "
            "when stale), rdflib's engine over the same release, or a remote SPARQL endpoint. "
            "Exit 0 on success; a quality check (qc/*-violation) exits 1 when it returns rows."
        ),
    )
    p.add_argument("id", help="query id or a unique prefix of it (e.g. cq01)")
    p.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="a parameter value: a label, CURIE or IRI for terms (repeatable)",
    )
    p.add_argument("--format", choices=FORMATS, default="table", help="output format")
    p.add_argument("--engine", choices=ENGINE_NAMES, default=None, help="embedded engine")
    p.add_argument(
        "--release",
        type=Path,
        default=None,
        metavar="DIR",
        help="the release folder whose store is queried (default: dist/)",
    )
    p.add_argument("--endpoint", metavar="URL", default=None, help="a SPARQL 1.1 endpoint")
    p.add_argument(
        "--values",
        choices=VALUES_PLACEMENTS,
        default=None,
        help="where the endpoint's parameter VALUES block goes: first in the WHERE group "
        "(inline, the default; needed by Virtuoso 7.2) or appended as the outer VALUES clause "
        "(outer); EMKG_SPARQL_VALUES sets it too",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="with --endpoint: the most emkg waits for the answer, retries included "
        "(default 30 s); a line on standard error every 5 s says it is still waiting",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    entry = find_entry(args.id)
    given = parse_assignments(args.param)
    for name in given:
        entry.param(name)
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    engine = open_engine(
        args.engine,
        endpoint=args.endpoint,
        values=args.values,
        timeout=args.timeout,
        release=args.release,
    )
    table = run_query(entry, given, engine)
    sys.stdout.write(render(table, args.format))
    if entry.is_violation_check and len(table):
        print(
            f"emkg query: {entry.id} found {len(table)} violation(s)",
            file=sys.stderr,
        )
        return 1
    return 0
