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
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from emkg.commands import COMMAND_MODULES
from emkg.errors import INTERNAL_ERROR, EmkgError, InputError, describe_os_error

DEBUG_VAR = "EMKG_DEBUG"


def _chosen(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules to register: the one named first in ``argv``, else all."""
    for arg in argv:
        if arg.startswith("-"):
            return COMMAND_MODULES  # an option before the command (--help, --version)
        return (arg,) if arg in COMMAND_MODULES else COMMAND_MODULES
    return COMMAND_MODULES


class _Version(argparse.Action):
    """``--version``, reading the installed version only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kwargs: Any) -> None:
        from emkg import __version__

        parser.exit(message=f"emkg {__version__}\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser with the commands ``argv`` needs (every command when ``argv`` is None)."""
    parser = argparse.ArgumentParser(
        prog="emkg",
        description="Build, reason over, validate, query, load and serve the emkg graph.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
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
    except OSError as exc:  # the environment: permissions, a full disk, a port in use
        if os.environ.get(DEBUG_VAR):
            raise
        error = environment_error(exc)
        print(f"emkg {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except Exception as exc:  # a bug: say so, without a traceback unless asked
        if os.environ.get(DEBUG_VAR):
            raise
        text = " ".join(str(exc).split())[:300]
        print(
            f"emkg {args.command}: internal error: {type(exc).__name__}: {text}\n"
            f"  what to do: this is a fault in emkg, not in your input; run again with "
            f"{DEBUG_VAR}=1 to see where it happened and report it",
            file=sys.stderr,
        )
        return INTERNAL_ERROR


def environment_error(exc: OSError) -> InputError:
    """An OSError from the machine (not from emkg's input checks) as a message with a fix."""
    what, hint = describe_os_error(exc)
    where = exc.filename if exc.filename is not None else None
    return InputError(what, path=where, hint=hint)
