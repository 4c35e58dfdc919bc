"""Time ``emkg export tables`` and ``emkg export phenopackets`` on one or more releases.

    nice .venv/bin/python scripts/benchmark_exports.py RELEASE_DIR [RELEASE_DIR ...]

Each export runs as ``scripts/benchmark.py`` runs it (the same function, one code path): in
its own child process, on the release's on-disk store, with wall-clock and CPU seconds and
the peak memory of the child; one line per release and export, tab-separated, so that sizes
(synthetic cohorts built with ``emkg build --data``) can be compared side by side.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark import GB, measure_exports


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("releases", type=Path, nargs="+")
    ap.add_argument("--timeout", type=float, default=600.0, help="limit per export (seconds)")
    args = ap.parse_args()
    print("release\texport\twall s\tcpu s\tpeak GB\tfiles")
    for release in args.releases:
        with tempfile.TemporaryDirectory() as tmp:
            for name, step in measure_exports(release.resolve(), Path(tmp), args.timeout).items():
                wall = f"{step.seconds:.1f}" if step.seconds is not None else step.show()
                cpu = f"{step.cpu:.1f}" if step.cpu is not None else ""
                print(
                    f"{release}\t{name}\t{wall}\t{cpu}\t{step.peak / GB:.2f}\t{step.rows or 0}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
