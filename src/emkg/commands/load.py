"""``emkg load``: write the release into a SPARQL 1.1 server, staged, verified and swapped."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from emkg.credentials import PASSWORD_VAR, USER_VAR, Credentials, credentials_for
from emkg.errors import UsageError
from emkg.gsp import Endpoints, SparqlServer
from emkg.httpclient import HttpClient, RetryPolicy, redact
from emkg.load import load, release_graphs


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "load",
        help="load the release into a SPARQL 1.1 server (Graph Store Protocol PUT, verified)",
        description=(
            "Write every named graph of the release (one per source publication plus the "
            "ontology) into a SPARQL 1.1 server: PUT into staging graphs, check their "
            "triple counts, swap them into place with one SPARQL Update request, check "
            "again. A second load leaves the store as the first did. A load holds the "
            "store's load lock (graph https://w3id.org/emkg/lock): another load at the same "
            "time waits (--wait) or is refused. Credentials come "
            f"from {USER_VAR}/{PASSWORD_VAR} or ~/.netrc and are never printed."
        ),
    )
    p.add_argument(
        "--endpoint",
        required=True,
        metavar="URL",
        help="SPARQL query endpoint (Oxigraph .../query, Virtuoso .../sparql-auth, "
        "Fuseki .../ds/sparql, GraphDB .../repositories/REPO)",
    )
    p.add_argument(
        "--update-endpoint", metavar="URL", help="SPARQL update endpoint (default: derived)"
    )
    p.add_argument(
        "--graph-store",
        metavar="URL",
        help="Graph Store Protocol endpoint (default: derived; Virtuoso: "
        ".../sparql-graph-crud-auth)",
    )
    p.add_argument("--user", help=f"user name (default: {USER_VAR} or ~/.netrc)")
    p.add_argument(
        "--release",
        "--dist",
        dest="release",
        type=Path,
        default=None,
        metavar="DIR",
        help="the release folder whose store is loaded (default: dist/, built first when "
        "missing; a stale release is rebuilt first)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="the most emkg waits for one request, its retries included (default 30 s; give "
        "more for a very large graph); a line every 5 s says what it is waiting for",
    )
    p.add_argument(
        "--attempts",
        type=int,
        default=4,
        metavar="N",
        help="tries for requests that are safe to repeat (default 4)",
    )
    p.add_argument(
        "--keep-stale-graphs",
        action="store_true",
        help="keep emkg graphs whose source file left the release (default: drop them)",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="S",
        help="when another emkg load holds the store's load lock, wait up to S seconds for it "
        "(default 0: refuse at once, naming that load)",
    )
    p.add_argument(
        "--break-lock",
        action="store_true",
        help="remove the load lock a dead load left (its owner and time are shown), then load",
    )
    p.add_argument(
        "--follow",
        type=float,
        default=60.0,
        metavar="S",
        help="when the swap request gets no answer (timeout, lost connection, Ctrl-C), follow "
        "it on the server for up to S seconds before reporting (default 60)",
    )
    p.add_argument(
        "--clean-staging",
        action="store_true",
        help="first drop staging graphs that an interrupted earlier load left behind",
    )
    p.set_defaults(func=run)


def _credentials(url: str, user: str | None) -> Credentials | None:
    if user is None:
        return credentials_for(url)
    env = dict(os.environ)
    if env.get(PASSWORD_VAR):
        env[USER_VAR] = user
        return credentials_for(url, env)
    env.pop(USER_VAR, None)
    found = credentials_for(url, env)
    if found is not None and found.user == user:
        return found
    if sys.stdin.isatty():
        return Credentials(user, getpass.getpass(f"password for {user}: "), origin="prompt")
    raise UsageError(
        f"no password for user {user}",
        hint=f"set {PASSWORD_VAR} or add a ~/.netrc entry for the server's host",
    )


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0 or args.attempts < 1:
        raise UsageError("--timeout must be positive and --attempts at least 1")
    if args.wait < 0 or args.follow < 0:
        raise UsageError("--wait and --follow must not be negative")
    endpoints = Endpoints.derive(args.endpoint, args.update_endpoint, args.graph_store)
    creds = _credentials(endpoints.update, args.user)
    http = HttpClient(
        credentials=creds,
        timeout=args.timeout,
        retry=RetryPolicy(attempts=args.attempts),
        log=lambda m: _err(f"  {m}"),
    )
    graphs = release_graphs(args.release, log=_err)
    _err(
        f"loading {len(graphs)} graphs into {redact(endpoints.query)}\n"
        f"  update: {redact(endpoints.update)}\n"
        f"  graph store: {redact(endpoints.graph_store)}\n"
        f"  as: {f'{creds.user} (from {creds.origin})' if creds else 'anonymous'}"
    )
    report = load(
        SparqlServer(endpoints, http),
        graphs,
        prune=not args.keep_stale_graphs,
        clean_staging=args.clean_staging,
        log=lambda m: _err(f"  {m}"),
        wait=args.wait,
        break_lock=args.break_lock,
        follow=args.follow,
    )
    print(f"loaded {len(report.counts)} graphs in {report.seconds:.1f} s (run {report.run_id})")
    for graph, n in sorted(report.counts.items()):
        before = report.before.get(graph, 0)
        print(f"  {n:>9,} triples  {graph}  (before: {before:,})")
    for graph in report.dropped:
        print(f"  dropped  {graph}")
    for note in report.notes:
        print(f"  note: {note}")
    return 0
