"""``emkg serve``: the release as a read-only SPARQL endpoint with a query page."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emkg.serving import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_QUERY_TIMEOUT, DEFAULT_WORKERS


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="serve the release read-only as a SPARQL endpoint with a browser query page",
        description=(
            "Load dist/emkg.nq (built first when missing) into an Oxigraph store and serve "
            "it read-only: a query page at / with the saved competency questions and labels "
            "beside IRIs, SPARQL at /query, the graph store (read) at /store. Updates and "
            "SERVICE are refused; a query that runs longer than --query-timeout is stopped. "
            "Ctrl-C stops the server."
        ),
    )
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    p.add_argument(
        "--expose",
        action="store_true",
        help="allow a --host other than loopback: anyone who can reach it reads the release",
    )
    p.add_argument(
        "--query-timeout",
        type=float,
        default=DEFAULT_QUERY_TIMEOUT,
        metavar="SECONDS",
        help=f"stop any query that runs longer than this (default {DEFAULT_QUERY_TIMEOUT:g})",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help=f"queries answered at once, one Oxigraph process each (default {DEFAULT_WORKERS})",
    )
    p.add_argument(
        "--release",
        type=Path,
        default=None,
        metavar="DIR",
        help="serve the on-disk store of the release in DIR read-only, as it is (nothing is "
        "loaded; a stale release is rebuilt first)",
    )
    p.add_argument(
        "--dist",
        type=Path,
        default=None,
        help="release folder whose emkg.nq is loaded into a new store (default: dist/)",
    )
    p.add_argument(
        "--store",
        type=Path,
        default=None,
        help="keep the Oxigraph store in this folder and reuse it while the release is "
        "unchanged (default: a temporary folder removed on exit)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emkg.serve import serve

    return serve(
        dist=args.dist,
        release=args.release,
        host=args.host,
        port=args.port,
        store=args.store,
        query_timeout=args.query_timeout,
        workers=args.workers,
        expose=args.expose,
        out=lambda line: print(line, flush=True),
    )
