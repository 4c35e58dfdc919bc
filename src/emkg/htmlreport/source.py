"""The one function through which ``emkg report`` reads a release."""

from __future__ import annotations

from pathlib import Path

from emkg.engines import Engine
from emkg.engines.embedded import open_oxigraph


def open_release(release: Path | None) -> Engine:
    """A read-only engine over the release folder ``release`` (default ``dist/``).

    It opens the release's on-disk store read-only, as ``emkg query --release`` does, under
    the rule of :mod:`emkg.release` (a missing default release is built first, a named folder
    without a store is an error, a stale release is rebuilt first).
    """
    return open_oxigraph(release)
