"""``emkg serve``: the release as a read-only SPARQL endpoint with a query page (Oxigraph)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emkg.serve import DEFAULT_HOST, DEFAULT_PORT, serve


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="serve the release read-only as a SPARQL endpoint with a browser query page",
        description=(
            "Load dist/emkg.nq (built first when missing) into an Oxigraph store and serve "
            "it read-only with `oxigraph serve-read-only`: query page at /, SPARQL at "
            "/query. Updates are refused. Ctrl-C stops the server."
        ),
    )
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    p.add_argument("--dist", type=Path, default=None, help="release folder (default: dist/)")
    p.add_argument(
        "--store",
        type=Path,
        default=None,
        help="keep the Oxigraph store in this folder and reuse it while the release is "
        "unchanged (default: a temporary folder removed on exit)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return serve(
        dist=args.dist,
        host=args.host,
        port=args.port,
        store=args.store,
        out=lambda line: print(line, flush=True),
    )
