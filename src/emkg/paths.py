"""Where the project's files are: ontology, graph, shapes, queries, seeds, outputs."""

from __future__ import annotations

import os
from pathlib import Path

from emkg.errors import InputError

_MARKER = Path("ontology") / "emkg.ttl"


#: where a built wheel carries ontology/, shapes/, queries/ and kg/ (copied by setup.py)
PACKAGED_DATA = Path(__file__).resolve().parent / "_data"


def project_root() -> Path:
    """The folder that holds ``ontology/``, ``kg/``, ``shapes/`` and ``queries/``.

    ``EMKG_HOME`` wins; then the source checkout this package was installed from
    (editable install); then the current directory and its parents; then the copy the
    installed wheel carries (``emkg/_data``), so that an installed emkg works anywhere.
    """
    env = os.environ.get("EMKG_HOME")
    if env:
        root = Path(env).resolve()
        if (root / _MARKER).is_file():
            return root
        raise InputError(
            f"EMKG_HOME={env} does not hold {_MARKER}",
            hint="point EMKG_HOME at a checkout of the emkg repository",
        )
    here = Path(__file__).resolve()
    candidates = [here.parents[2], Path.cwd(), *Path.cwd().parents, PACKAGED_DATA]
    for cand in candidates:
        if (cand / _MARKER).is_file():
            return cand
    raise InputError(
        "cannot find the emkg project folder (ontology/emkg.ttl)",
        hint="run emkg from a checkout of the repository, set EMKG_HOME, or install the "
        "built wheel (it carries the ontology, shapes, queries and graph)",
    )


def is_packaged() -> bool:
    """True when emkg runs on the data its installed wheel carries (no checkout found)."""
    return project_root() == PACKAGED_DATA


def ontology_dir() -> Path:
    return project_root() / "ontology"


def ontology_file() -> Path:
    return ontology_dir() / "emkg.ttl"


def imports_dir() -> Path:
    return ontology_dir() / "imports"


def kg_dir() -> Path:
    return project_root() / "kg"


def shapes_dir() -> Path:
    return project_root() / "shapes"


def queries_dir() -> Path:
    return project_root() / "queries"


def default_dist() -> Path:
    """``dist/`` in the project folder; from an installed wheel, ``dist/`` in the current
    folder (the package's own folder is not the user's to write in)."""
    root = project_root()
    return (Path.cwd() if root == PACKAGED_DATA else root) / "dist"


def seeds_dir() -> Path | None:
    """The folder of source texts (with its sources.tsv), or None where it is not present.

    ``EMKG_SOURCES`` wins (``EMKG_SEEDS``, its older name, next); otherwise ``../shared/seeds``
    beside the checkout. ``emkg check --sources DIR`` overrides all three.
    """
    env = os.environ.get("EMKG_SOURCES") or os.environ.get("EMKG_SEEDS")
    cand = Path(env) if env else project_root().parent / "shared" / "seeds"
    return cand if cand.is_dir() else None


def shared_terms_dir() -> Path | None:
    cand = project_root().parent / "shared" / "terms"
    return cand if cand.is_dir() else None
