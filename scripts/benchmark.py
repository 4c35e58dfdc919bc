"""Measure the embedded engines on synthetic cohorts: load time and saved-query time.

Prints, per cohort size and saved query, the median over --repeat runs for each engine side
by side and their ratio, all measured in this one run. rdflib runs in a child process with a
time limit (--rdflib-timeout), since its SPARQL engine needs minutes where Oxigraph needs
milliseconds; a run over the limit is shown as ">limit".

    .venv/bin/python scripts/benchmark.py --sizes 100 1000 10000 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from emkg import build
from emkg.catalogue import load_catalogue
from emkg.engines import OxigraphEngine, RdflibEngine
from emkg.engines.base import Engine
from emkg.runner import run_bound
from emkg.synthetic import write_cohort

EMKG = "https://w3id.org/emkg/ontology#"
#: saved query id prefix -> bindings (parameter name -> term)
CASES: dict[str, dict[str, URIRef]] = {
    "cq01": {"therapy": URIRef(EMKG + "Blinatumomab")},
    "cq02": {"therapyClass": URIRef(EMKG + "CD19DirectedTherapy")},
    "cq04": {"methodClass": URIRef(EMKG + "AssessmentMethod")},
    "cq13": {"agentClass": URIRef(EMKG + "AntigenDirectedTherapy")},
}


def _median(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times: list[float] = []
    result: object = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _ontology_graph() -> Graph:
    g = Graph()
    for path in build.ontology_files():
        g.parse(path, format="turtle")
    return g


def _ask(ref: str, engine: Engine) -> int:
    entry = load_catalogue().get(ref)
    return len(run_bound(entry, CASES[ref], engine).rows)


def _rdflib_child(cohort: Path, ref: str, repeat: int) -> None:
    """Child process: load the cohort into rdflib, time one saved query, print 'seconds rows'."""
    g = _ontology_graph()
    if ref == "load":
        t, _ = _median(lambda: g.parse(cohort, format="nt"), 1)
        print(f"{t} 0")
        return
    g.parse(cohort, format="nt")
    engine = RdflibEngine(g, "synthetic")
    t, rows = _median(lambda: _ask(ref, engine), repeat)
    print(f"{t} {rows}")


def _rdflib_time(cohort: Path, ref: str, repeat: int, limit: float) -> tuple[str, float | None]:
    cmd = [sys.executable, __file__, "--rdflib-child", str(cohort), ref, "--repeat", str(repeat)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return f">{limit:.0f}", None
    seconds, _rows = out.stdout.split()
    return f"{float(seconds):.3f}", float(seconds)


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rdflib-timeout", type=float, default=120.0)
    ap.add_argument("--rdflib-child", nargs=2, metavar=("COHORT", "REF"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rdflib_child:
        _rdflib_child(Path(args.rdflib_child[0]), args.rdflib_child[1], args.repeat)
        return 0

    onto_nq = build.assemble(kg=[]).serialize(format="nquads", encoding="utf-8")
    head = f"{'patients':>9} {'triples':>11} {'step':<6} {'oxigraph s':>11} {'rdflib s':>10}"
    print(head + f" {'ratio':>8} {'rows':>8}")
    print("-" * (len(head) + 18))
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            cohort = Path(tmp) / f"cohort-{size}.nt"
            triples = write_cohort(cohort, size, seed=1)

            def load(path: Path = cohort) -> ox.Store:
                store = ox.Store()
                store.load(onto_nq, format=ox.RdfFormat.N_QUADS)
                store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
                return store

            t_load, store = _median(load, min(args.repeat, 3))
            assert isinstance(store, ox.Store)
            engine = OxigraphEngine(store, f"synthetic {size}")
            rd_text, rd = _rdflib_time(cohort, "load", 1, args.rdflib_timeout)
            _row(size, triples, "load", t_load, rd_text, rd, None)
            for ref in CASES:
                t_ox, rows = _median(lambda r=ref, e=engine: _ask(r, e), args.repeat)  # type: ignore[misc]
                assert isinstance(rows, int)
                rd_text, rd = _rdflib_time(cohort, ref, 1, args.rdflib_timeout)
                _row(size, triples, ref, t_ox, rd_text, rd, rows)
            sys.stdout.flush()
    return 0


def _row(
    size: int,
    triples: int,
    step: str,
    ox_s: float,
    rd_text: str,
    rd_s: float | None,
    rows: int | None,
) -> None:
    ratio = f"{rd_s / ox_s:7.0f}x" if rd_s is not None and ox_s > 0 else f"{'-':>8}"
    n = f"{rows:8d}" if rows is not None else f"{'':>8}"
    print(f"{size:>9} {triples:>11} {step:<6} {ox_s:11.3f} {rd_text:>10} {ratio} {n}")


if __name__ == "__main__":
    raise SystemExit(main())
