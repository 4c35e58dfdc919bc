"""Write a synthetic emkg cohort as N-Triples (valid emkg data; never part of kg/).

    python scripts/synthetic.py --patients 1000 --seed 1 --out cohort-1k.nt

The same size and seed always give the same bytes. ``--out -`` streams to standard output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emkg.errors import InputError
from emkg.synthetic import write_cohort, write_lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--patients", type=int, required=True, help="number of patients (>= 1)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--out", required=True, help="N-Triples file to write, or - for stdout")
    args = ap.parse_args(argv)
    if args.patients < 1:
        ap.error("--patients must be at least 1")
    try:
        if args.out == "-":
            count = write_lines(sys.stdout, args.patients, args.seed)
        else:
            count = write_cohort(Path(args.out), args.patients, args.seed)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {count} triples for {args.patients} patients (seed {args.seed})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
