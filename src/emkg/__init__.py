"""emkg: a knowledge graph of therapies, extramedullary sites and outcomes in B-ALL.

``emkg.query("cq01", therapy="blinatumomab")`` answers a saved question as a pandas
DataFrame and ``emkg.questions()`` lists them (:mod:`emkg.api`; extra ``pandas``). Both are
imported on first use, so ``import emkg`` stays light.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("emkg")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__", "query", "questions"]


def __getattr__(name: str) -> Any:
    if name in {"query", "questions"}:
        from emkg import api

        return getattr(api, name)
    raise AttributeError(f"module 'emkg' has no attribute {name!r}")
