"""Measure emkg from 1,000 to 100,000 synthetic patients, in one run, and print the table.

For each cohort size (``--sizes``, default 1k, 10k and 100k patients) the benchmark runs, each
step in its own child process (wall time and peak resident memory from the kernel):

* **generate**: ``scripts/synthetic.py --patients N`` (valid emkg data, N-Triples);
* **build**: ``emkg build --out REL --data cohort.nt`` (release files and the on-disk store);
* **validate**: ``emkg validate cohort.nt`` (the default engine);
* **each competency question** on the release's store, opened read-only as ``emkg query
  --release`` opens it: with its default parameters (the whole cohort) and, where it has a
  parameter, with one typical value (the parameter's first documented example; for a patient,
  one synthetic patient). Median of ``--repeat`` runs, in a child per question with a time
  limit (``--query-timeout``);

then, at ``--peer-size`` patients (default 1,000), the peers side by side: rdflib's SPARQL
engine on the same questions and pySHACL on the same validation, each in a child with a time
limit (``--peer-timeout``), shown as ">limit" when they do not finish; and, on the curated
graph, the wall time of ``emkg query cq01 --param therapy=blinatumomab`` (median of 7 runs).
The growth exponent of each step is ``log(t_big / t_small) / log(N_big / N_small)`` between
the two largest sizes (1.0 is linear). Run with ``nice`` on a shared machine:

    nice .venv/bin/python scripts/benchmark.py --sizes 1000 10000 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
#: targets of issue 9 at 100k patients (seconds; memory in bytes)
TARGETS = {
    "build": 60.0,
    "validate": 300.0,
    "typical": 1.0,
    "default": 10.0,
    "memory": 8 * 1024**3,
    "exponent": 1.1,
    "cli": 0.3,
}


@dataclass
class Step:
    """One measured step: wall seconds (None when over the limit), peak memory, a note."""

    seconds: float | None
    peak: int = 0
    note: str = ""
    rows: int | None = None
    cpu: float | None = None  # user + system seconds of the child (the load does not inflate)

    def show(self) -> str:
        if self.seconds is None:
            return f">{self.note}" if self.note else "failed"
        text = f"{self.seconds:.2f} s" if self.seconds < 100 else f"{self.seconds:.0f} s"
        if self.cpu is not None:
            text += f" (CPU {self.cpu:.1f} s)"
        return text + (f" ({self.rows:,} rows)" if self.rows is not None else "")


@dataclass
class SizeResult:
    patients: int
    triples: int = 0
    steps: dict[str, Step] = field(default_factory=dict)


def run_child(cmd: list[str], limit: float, env: dict[str, str] | None = None) -> tuple[Step, str]:
    """Run ``cmd``; its wall time, peak RSS (kernel's ru_maxrss) and standard output."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        deadline = t0 + limit
        status = None
        usage = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return Step(None, usage.ru_maxrss * 1024, note=f"{limit:.0f} s limit"), ""
            time.sleep(0.05)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        if proc.returncode not in (0, 1):  # 1: validation found violations, still measured
            tail = err.read().decode("utf-8", "replace")[-800:]
            return Step(None, usage.ru_maxrss * 1024, note="error"), tail
        cpu = usage.ru_utime + usage.ru_stime
        return Step(seconds, usage.ru_maxrss * 1024, f"exit {proc.returncode}", cpu=cpu), text


# ---------------------------------------------------------------------------------------------
# children
# ---------------------------------------------------------------------------------------------


def _typical(entry: Any, engine: Any) -> dict[str, str] | None:
    """One typical parameter value per question: first example; a patient for an iri."""
    from emkg.results import ResultTable

    if not entry.params:
        return None
    param = entry.params[0]
    if param.type == "iri":
        cls = param.of or "emkg:Patient"
        from emkg.prefixes import expand_curie

        iri = expand_curie(cls) or cls
        table: ResultTable = engine.select(f"SELECT ?x WHERE {{ ?x a <{iri}> }} LIMIT 1")
        return {param.name: str(table.rows[0][0])} if table.rows else None
    return {param.name: param.examples[0]} if param.examples else None


def query_child(release: str, ref: str, repeat: int, engine_name: str, cohort: str) -> None:
    """Time one competency question: default and typical; prints one JSON line per variant."""
    from emkg.catalogue import load_catalogue
    from emkg.params import Resolver
    from emkg.runner import run_query

    entry = load_catalogue().get(ref)
    if engine_name == "oxigraph":
        import pyoxigraph as ox

        from emkg.engines import OxigraphEngine
        from emkg.release import store_path

        engine: Any = OxigraphEngine(ox.Store.read_only(str(store_path(Path(release)))), release)
    else:
        from rdflib import Graph

        from emkg import build
        from emkg.engines import RdflibEngine

        graph = Graph()
        for path in build.ontology_files():
            graph.parse(path, format="turtle")
        graph.parse(cohort, format="nt")
        engine = RdflibEngine(graph, cohort)
    resolver = Resolver(engine)
    variants: list[tuple[str, dict[str, str]]] = [("default", {})]
    typical = _typical(entry, engine)
    if typical is not None:
        variants.append(("typical", typical))
    for name, given in variants:
        times: list[float] = []
        cpus: list[float] = []
        rows = 0
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            rows = len(run_query(entry, given, engine, resolver))
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        body = {"variant": name, "seconds": statistics.median(times), "rows": rows}
        body["cpu"] = statistics.median(cpus)
        print(json.dumps(body), flush=True)


def pyshacl_child(cohort: str) -> None:
    """pySHACL over the cohort and the ontology's hierarchy, as the reference engine."""
    import pyshacl
    from rdflib import Graph

    from emkg import validate

    data = Graph().parse(cohort, format="nt")
    data += validate.hierarchy(validate.ontology_graph())
    conforms, _graph, _text = pyshacl.validate(
        data, shacl_graph=validate.read_shapes(), advanced=True, allow_warnings=True
    )
    print(json.dumps({"conforms": bool(conforms)}))


# ---------------------------------------------------------------------------------------------
# the parent
# ---------------------------------------------------------------------------------------------


def _cq_ids() -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from emkg.catalogue import load_catalogue

    return [e.id.split("-")[0] for e in load_catalogue().entries if e.kind == "cq"]


def _emkg(*args: str) -> list[str]:
    return [PY, "-m", "emkg", *args]


def measure_size(n: int, work: Path, args: argparse.Namespace, log: Any) -> SizeResult:
    res = SizeResult(n)
    cohort = work / f"cohort-{n}.nt"
    rel = work / f"release-{n}"
    step, text = run_child(
        [PY, "scripts/synthetic.py", "--patients", str(n), "--seed", "1", "--out", str(cohort)],
        args.step_timeout,
    )
    res.steps["generate"] = step
    res.triples = sum(1 for _ in cohort.open("rb")) if cohort.exists() else 0
    log(f"{n:>7,} generate  {step.show()}  {res.triples:,} triples")
    step, text = run_child(_emkg("build", "--out", str(rel), "--data", str(cohort)), 3600)
    res.steps["build"] = step
    log(f"{n:>7,} build     {step.show()}  {text.strip().splitlines()[-2:] if text else ''}")
    report = work / f"validation-{n}.txt"
    step, text = run_child(
        _emkg("validate", str(cohort), "--output", str(report)), args.validate_timeout
    )
    res.steps["validate"] = step
    log(f"{n:>7,} validate  {step.show()} {step.note}")
    for ref in _cq_ids():
        cmd = [PY, __file__, "--query-child", str(rel), ref, "--repeat", str(args.repeat)]
        cmd += ["--engine", "oxigraph", "--cohort", str(cohort)]
        step, text = run_child(cmd, args.query_timeout)
        found = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        if step.seconds is None or not found:
            res.steps[f"{ref} default"] = Step(None, step.peak, note=step.note)
        for item in found:
            key = f"{ref} {item['variant']}"
            res.steps[key] = Step(item["seconds"], step.peak, rows=item["rows"], cpu=item["cpu"])
            log(f"{n:>7,} {key:<13} {res.steps[key].show()}")
    return res


def measure_peers(n: int, work: Path, args: argparse.Namespace, log: Any) -> dict[str, Step]:
    cohort = work / f"cohort-{n}.nt"
    peers: dict[str, Step] = {}
    step, _text = run_child([PY, __file__, "--pyshacl-child", str(cohort)], args.peer_timeout)
    peers["validate"] = step
    log(f"{n:>7,} pySHACL validate {step.show()}")
    per_query = max(60.0, args.peer_timeout / 4)
    for ref in _cq_ids():
        cmd = [PY, __file__, "--query-child", "-", ref, "--repeat", "1"]
        cmd += ["--engine", "rdflib", "--cohort", str(cohort)]
        step, text = run_child(cmd, per_query)
        found = {
            json.loads(line)["variant"]: json.loads(line)
            for line in text.splitlines()
            if line.startswith("{")
        }
        if "default" in found:
            peers[f"{ref} default"] = Step(found["default"]["seconds"], step.peak)
        else:
            peers[f"{ref} default"] = Step(None, step.peak, note=f"{per_query:.0f} s limit")
        log(f"{n:>7,} rdflib {ref} default {peers[f'{ref} default'].show()}")
    return peers


def measure_cli(work: Path, log: Any) -> Step:
    """Wall time of ``emkg query cq01 --param therapy=blinatumomab`` on the curated release."""
    rel = work / "curated"
    run_child(_emkg("build", "--out", str(rel)), 600)
    times = []
    cmd = _emkg("query", "cq01", "--param", "therapy=blinatumomab", "--release", str(rel))
    subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT)  # warm the file cache
    for _ in range(7):
        step, _text = run_child(cmd, 60)
        if step.seconds is not None:
            times.append(step.seconds)
    result = Step(statistics.median(times) if times else None)
    log(f"curated  emkg query cq01 --param therapy=blinatumomab: {result.show()} (median of 7)")
    return result


def exponent(small: SizeResult, big: SizeResult, key: str) -> float | None:
    a, b = small.steps.get(key), big.steps.get(key)
    if not a or not b or a.seconds is None or b.seconds is None or a.seconds <= 0:
        return None
    return math.log(b.seconds / a.seconds) / math.log(big.patients / small.patients)


def _target(key: str) -> float | None:
    if key in ("build", "validate"):
        return TARGETS[key]
    if key.endswith(" typical"):
        return TARGETS["typical"]
    if key.endswith(" default"):
        return TARGETS["default"]
    return None


def table(results: list[SizeResult], peers: dict[str, Step], peer_n: int) -> str:
    sizes = [r.patients for r in results]
    head = ["step", *[f"{n:,} patients" for n in sizes]]
    if peers:
        head.append(f"peer at {peer_n:,} (rdflib / pySHACL)")
    if len(results) >= 2:
        head.append(f"growth exponent {sizes[-2]:,} to {sizes[-1]:,}")
    head.append(f"target at {sizes[-1]:,}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines.append(
        "| triples | "
        + " | ".join(f"{r.triples:,}" for r in results)
        + (" | " if peers else "")
        + (" | " if len(results) >= 2 else "")
        + " |  |"
    )
    keys: list[str] = []
    for r in results:
        keys += [k for k in r.steps if k not in keys]
    for key in keys:
        cells = [key, *[r.steps[key].show() if key in r.steps else "" for r in results]]
        if peers:
            cells.append(peers[key].show() if key in peers else "")
        if len(results) >= 2:
            e = exponent(results[-2], results[-1], key)
            cells.append(f"{e:.2f}" if e is not None else "")
        target = _target(key)
        last = results[-1].steps.get(key)
        if target is None:
            cells.append("")
        else:
            ok = last is not None and last.seconds is not None and last.seconds <= target
            cells.append(f"<= {target:g} s {'met' if ok else 'NOT met'}")
        lines.append("| " + " | ".join(cells) + " |")
    peaks = [max((s.peak for s in r.steps.values()), default=0) for r in results]
    mem = [f"{p / 1024**3:.2f} GB" for p in peaks]
    ok = peaks[-1] <= TARGETS["memory"]
    extra = (" | " if peers else "") + (" | " if len(results) >= 2 else "")
    lines.append(
        "| peak memory (largest child) | "
        + " | ".join(mem)
        + extra
        + f" | <= 8 GB {'met' if ok else 'NOT met'} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--repeat", type=int, default=3, help="runs per query (median)")
    ap.add_argument("--peer-size", type=int, default=1000, help="0: no peers")
    ap.add_argument("--peer-timeout", type=float, default=900.0)
    ap.add_argument("--query-timeout", type=float, default=600.0)
    ap.add_argument("--validate-timeout", type=float, default=3600.0)
    ap.add_argument("--step-timeout", type=float, default=3600.0)
    ap.add_argument("--work", type=Path, default=None, help="folder for cohorts and releases")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    ap.add_argument("--query-child", nargs=2, metavar=("RELEASE", "CQ"), help=argparse.SUPPRESS)
    ap.add_argument("--pyshacl-child", metavar="COHORT", help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="oxigraph", help=argparse.SUPPRESS)
    ap.add_argument("--cohort", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.query_child:
        query_child(*args.query_child, args.repeat, args.engine, args.cohort)
        return 0
    if args.pyshacl_child:
        pyshacl_child(args.pyshacl_child)
        return 0

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    work = args.work or Path(tempfile.mkdtemp(prefix="emkg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    log(f"work folder {work}; load average at start {os.getloadavg()[0]:.1f}")
    try:
        cli = measure_cli(work, log)
        results = [measure_size(n, work, args, log) for n in sorted(args.sizes)]
        peers: dict[str, Step] = {}
        if args.peer_size:
            if args.peer_size not in args.sizes:
                measure_size(args.peer_size, work, args, log)
            peers = measure_peers(args.peer_size, work, args, log)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    print(table(results, peers, args.peer_size))
    print()
    ok = cli.seconds is not None and cli.seconds <= TARGETS["cli"]
    print(
        f"Curated graph: `emkg query cq01 --param therapy=blinatumomab` {cli.show()} wall "
        f"(median of 7; target <= 0.3 s {'met' if ok else 'NOT met'})."
    )
    print(
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))} in "
        f"{(time.time() - started) / 60:.0f} min on {os.cpu_count()} cores; load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end (other jobs running)."
    )
    if args.json:
        body = {
            "sizes": [
                {
                    "patients": r.patients,
                    "triples": r.triples,
                    "steps": {k: vars(s) for k, s in r.steps.items()},
                }
                for r in results
            ],
            "peers": {k: vars(s) for k, s in peers.items()},
            "cli": vars(cli),
        }
        args.json.write_text(json.dumps(body, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
