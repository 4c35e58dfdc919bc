"""The ``emkg`` command line: a thin layer over the library.

Each sub-command lives in its own module under ``emkg.commands`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable that
takes the parsed arguments and returns an exit code. Only the module of the command being
run is imported (all of them for ``emkg --help`` or an unknown command), and command modules
import their heavy libraries inside ``run``, so a query does not pay for pySHACL or pyLODE.
Errors derived from :class:`emkg.errors.EmkgError` are printed without a traceback and mapped
to their exit code (see :mod:`emkg.errors`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from emkg import __version__
from emkg.commands import COMMAND_MODULES
from emkg.errors import EmkgError


def _chosen(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules to register: the one named first in ``argv``, else all."""
    for arg in argv:
        if arg.startswith("-"):
            return COMMAND_MODULES  # an option before the command (--help, --version)
        return (arg,) if arg in COMMAND_MODULES else COMMAND_MODULES
    return COMMAND_MODULES


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser with the commands ``argv`` needs (every command when ``argv`` is None)."""
    parser = argparse.ArgumentParser(
        prog="emkg",
        description="Build, reason over, validate, query, load and serve the emkg graph.",
    )
    parser.add_argument("--version", action="version", version=f"emkg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES if argv is None else _chosen(argv):
        module = importlib.import_module(f"emkg.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except EmkgError as exc:
        print(f"emkg {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"emkg {args.command}: interrupted", file=sys.stderr)
        return 130
