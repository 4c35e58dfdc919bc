"""Time `emkg export tables` and `emkg export phenopackets` on one or more releases.

    nice .venv/bin/python scripts/benchmark_exports.py RELEASE_DIR [RELEASE_DIR ...]

A release folder with a `store/` (an Oxigraph on-disk store) is opened read-only as is;
otherwise its `emkg.nq` is bulk-loaded first (not counted). For each release it prints the
patients, the rows written, wall-clock and CPU seconds of each export, and the peak memory
of the process, so that sizes can be compared side by side (synthetic cohorts from
scripts/synthetic.py built into releases).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from emkg.export.phenopackets import write_packets
from emkg.export.store import open_release_store
from emkg.export.tables import write_tables


@contextlib.contextmanager
def opened(release: Path) -> Iterator[ox.Store]:
    if (release / "store").is_dir():
        yield ox.Store.read_only(str(release / "store"))
    else:
        with open_release_store(release) as store:
            yield store


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("releases", type=Path, nargs="+")
    args = ap.parse_args()
    print(
        "release\tpatients\ttable rows\ttables wall s\ttables cpu s\tpackets wall s\tpackets cpu s"
    )
    for release in args.releases:
        with opened(release) as store, tempfile.TemporaryDirectory() as tmp:
            w0, c0 = time.monotonic(), time.process_time()
            tables = write_tables(store, Path(tmp) / "tables", log=lambda _line: None)
            w1, c1 = time.monotonic(), time.process_time()
            packets = write_packets(store, Path(tmp) / "pp", log=lambda _line: None)
            w2, c2 = time.monotonic(), time.process_time()
        print(
            f"{release}\t{packets.count}\t{sum(tables.counts.values())}\t"
            f"{w1 - w0:.1f}\t{c1 - c0:.1f}\t{w2 - w1:.1f}\t{c2 - c1:.1f}",
            flush=True,
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MiB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
