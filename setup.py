"""Package the project's data into the wheel, from the one copy in the repository.

``ontology/``, ``shapes/``, ``queries/`` and ``kg/`` stay where curators edit them; building
the wheel copies them into ``emkg/_data/`` of the built package (``emkg.paths`` finds them
there when emkg runs outside a checkout). The sdist carries them through ``MANIFEST.in``.
An editable install reads them from the checkout and copies nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: folder -> file patterns copied into emkg/_data/<folder>/
DATA: dict[str, tuple[str, ...]] = {
    "ontology": ("*.ttl", "imports/*.ttl", "*.xml"),
    "shapes": ("*.ttl",),
    "queries": ("**/*",),  # every kind of saved query, with its README and column tables
    "kg": ("*.ttl",),
}
DATA_FILES = ("LICENSE", "LICENSE-DATA.md")


class BuildWithData(build_py):
    """build_py that also copies the project's data folders into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "emkg" / "_data"
        if target.exists():
            shutil.rmtree(target)
        for folder, patterns in DATA.items():
            for pattern in patterns:
                for source in sorted((ROOT / folder).glob(pattern)):
                    if not source.is_file() or "__pycache__" in source.parts:
                        continue
                    dest = target / source.relative_to(ROOT)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, dest)
        for name in DATA_FILES:
            if (ROOT / name).is_file():
                target.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(ROOT / name, target / name)


setup(cmdclass={"build_py": BuildWithData})
