"""emkg: a knowledge graph of therapies, extramedullary sites and outcomes in B-ALL.

``emkg.query("cq01", therapy="blinatumomab")`` answers a saved question as a pandas
DataFrame and ``emkg.questions()`` lists them (:mod:`emkg.api`; extra ``pandas``). Both are
imported on first use, and so is ``__version__`` (read from the installed metadata), so
``import emkg`` stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["__version__", "query", "questions"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("emkg")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            found = "0.0.0"
        globals()["__version__"] = found
        return found
    if name in {"query", "questions"}:
        from emkg import api

        return getattr(api, name)
    raise AttributeError(f"module 'emkg' has no attribute {name!r}")
