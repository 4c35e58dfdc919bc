"""Sub-commands of the ``emkg`` command line, one module each.

A module listed here exposes ``register(subparsers)``; see :mod:`emkg.cli`.
"""

COMMAND_MODULES: tuple[str, ...] = (
    "all",
    "build",
    "check",
    "queries",
    "query",
    "reason",
    "docs",
    "load",
    "htmlreport",
    "serve",
    "terms",
    "export",
    "validate",
)
