"""The one function through which ``emkg report`` reads a release."""

from __future__ import annotations

from pathlib import Path

from emkg.engines import Engine
from emkg.engines.embedded import RELEASE_NQUADS, OxigraphEngine, open_oxigraph
from emkg.errors import InputError


def open_release(release: Path | None) -> Engine:
    """A read-only engine over the release folder ``release``.

    ``None`` is the default release (``dist/`` when it is current, else the sources assembled
    in memory), as ``emkg query`` reads it. A folder must hold the release's N-Quads file.
    """
    if release is None:
        return open_oxigraph()
    folder = Path(release)
    nquads = folder / RELEASE_NQUADS
    if not nquads.is_file():
        raise InputError(
            f"no {RELEASE_NQUADS} in the release folder",
            path=folder,
            hint="build one with: emkg build --out DIR",
        )
    return OxigraphEngine.from_nquads(nquads)
