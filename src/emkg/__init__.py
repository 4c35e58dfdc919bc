"""emkg: a knowledge graph of therapies, extramedullary sites and outcomes in B-ALL."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("emkg")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
