"""Measure emkg from 1,000 to 100,000 synthetic patients, in one run, and print the table.

For each cohort size (``--sizes``, default 1k, 10k and 100k patients) each step runs in its
own child process, as a user runs it; the kernel gives its wall time, its CPU time (user +
system, which other jobs on a shared machine do not inflate) and its peak resident memory:

* **generate**: ``scripts/synthetic.py --patients N`` (valid emkg data, N-Triples);
* **build**: ``emkg build --out REL --data cohort.nt`` (release files and the on-disk store);
* **rebuild**: the same command again, the cohort file unchanged, as after a curator's change
  to ``kg/``: the new store takes over the cohort's graph from the previous one and loads the
  curated graphs again;
* **validate**: ``emkg validate cohort.nt`` (the default engine);
* **each competency question** on the release's store, opened read-only as ``emkg query
  --release`` opens it, after the store's files have been read once (so that every size is
  measured with its store in the operating system's page cache, as on a machine that has
  answered a question before, whatever the build and validation steps left there): with its
  default parameters (the whole cohort) and, where it has a parameter, with one typical value
  (the parameter's first documented example; for a patient, one synthetic patient). Median of
  ``--repeat`` runs (fewer when one run takes longer than ``--repeat-budget`` seconds: the
  table says how many);
* **the exports**: ``emkg export tables`` and ``emkg export phenopackets`` on the release;

then, at ``--peer-size`` patients (default 1,000), the peers: rdflib's SPARQL engine on the
same questions (the release's store read into rdflib once, each question with a time limit)
and ``emkg validate --engine pyshacl`` (pySHACL, the reference engine); and, on the curated
graph, the wall time of ``emkg query cq01 --param therapy=blinatumomab`` (median of 7 runs).

A step that passes its time limit is stopped and shown as ``>LIMIT``; a step that fails
shows ``failed``: the run goes on either way. A step stopped at its limit is not run again
on the larger cohorts (its time there is known to be over the limit: "not run"). The growth
exponent of a step is ``log(t_big / t_small) / log(N_big / N_small)`` between the two
largest sizes (1.0 is linear), from wall time and from CPU time. The Markdown table goes to
standard output, progress to standard error. Run it with ``nice`` on a shared machine:

    nice .venv/bin/python scripts/benchmark.py --sizes 1000 10000 100000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
GB = 1024**3
#: targets of issue 9 at 100k patients (seconds; memory in bytes)
TARGETS = {
    "build": 60.0,
    "validate": 300.0,
    "typical": 1.0,
    "default": 10.0,
    "memory": 8 * GB,
    "exponent": 1.1,
    "cli": 0.3,
}
EXPORTS = ("tables", "phenopackets")

Log = Callable[[str], None]


@dataclass
class Step:
    """One measured step: wall and CPU seconds (None: not measured), peak memory, a note."""

    seconds: float | None
    cpu: float | None = None
    peak: int = 0
    note: str = ""  # why there is no figure: "120 s limit", "failed", "not run: ..."
    rows: int | None = None
    runs: int = 1
    exit: int = 0  # 1: emkg validate found violations (the cohort is not valid emkg data)

    @property
    def stopped(self) -> bool:
        """Stopped at its time or memory limit."""
        return self.seconds is None and self.note.endswith(" limit")

    @property
    def over_limit(self) -> bool:
        """Stopped at its time limit (``note`` is then "S s limit")."""
        return self.seconds is None and self.note.endswith(" s limit")

    def show(self) -> str:
        if self.seconds is None:
            if self.note.endswith(" limit"):  # time or memory: ">60 s", ">16 GB memory"
                return f">{self.note.removesuffix(' limit')}"
            return self.note or "failed"
        text = _secs(self.seconds)
        if self.cpu is not None:
            text += f" (CPU {_secs(self.cpu)})"
        if self.runs > 1:
            text += f" [median of {self.runs}]"
        return text + (" **exit 1: violations**" if self.exit == 1 else "")


def _secs(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


@dataclass
class SizeResult:
    patients: int
    triples: int = 0
    steps: dict[str, Step] = field(default_factory=dict)


#: a child whose resident memory passes this is stopped (``--memory-limit``), so that one
#: runaway step cannot push a shared machine into swap
MEMORY_LIMIT = [16 * GB]


def _resident(pid: int) -> int:
    try:
        pages = Path(f"/proc/{pid}/statm").read_text(encoding="ascii").split()[1]
        return int(pages) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run_child(cmd: list[str], limit: float) -> tuple[Step, str]:
    """Run ``cmd`` with a time and a memory limit: wall, CPU, peak memory, standard output."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, start_new_session=True)
        polls = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            polls += 1
            over = None
            if time.perf_counter() - t0 > limit:
                over = f"{limit:.0f} s limit"
            elif polls % 10 == 0 and _resident(proc.pid) > MEMORY_LIMIT[0]:
                over = f"{MEMORY_LIMIT[0] / GB:.3g} GB memory limit"
            if over is not None:
                os.killpg(proc.pid, signal.SIGKILL)  # the child and anything it started
                _pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                cpu = usage.ru_utime + usage.ru_stime
                return Step(None, cpu, usage.ru_maxrss * 1024, over), ""
            time.sleep(0.02)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        if proc.returncode not in (0, 1):  # 1: validation found violations, still measured
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            note = f"failed (exit {proc.returncode}: {' '.join(tail)[:200]})"
            return Step(None, cpu, usage.ru_maxrss * 1024, note), text
        return Step(seconds, cpu, usage.ru_maxrss * 1024, exit=proc.returncode), text


# ---------------------------------------------------------------------------------------------
# children: one question on a release's store; rdflib's engine on every question
# ---------------------------------------------------------------------------------------------


def _typical(entry: Any, engine: Any) -> dict[str, str] | None:
    """One typical parameter value: the first documented example; a synthetic patient for
    an instance parameter (its IRI, found in the store)."""
    if not entry.params:
        return None
    param = entry.params[0]
    if param.type == "iri":
        from emkg.prefixes import expand_curie

        cls = param.of or "emkg:Patient"
        iri = expand_curie(cls) or cls
        table = engine.select(f"SELECT ?x WHERE {{ ?x a <{iri}> }} ORDER BY ?x LIMIT 1")
        return {param.name: str(table.rows[0][0])} if table.rows else None
    return {param.name: param.examples[0]} if param.examples else None


def _timed(call: Callable[[], int]) -> tuple[float, float, int]:
    t0, c0 = time.perf_counter(), time.process_time()
    rows = call()
    return time.perf_counter() - t0, time.process_time() - c0, rows


def query_child(release: str, ref: str, variant: str, repeat: int, budget: float) -> None:
    """Time one question, one variant, on the release's store: one JSON line."""
    from emkg.catalogue import find_entry
    from emkg.engines import open_engine
    from emkg.params import Resolver
    from emkg.runner import run_query

    entry = find_entry(ref)
    engine = open_engine("oxigraph", release=Path(release))
    given: dict[str, str] | None = {}
    if variant == "typical":
        given = _typical(entry, engine)
        if given is None:
            print(json.dumps({"none": True}))
            return
    runs: list[tuple[float, float, int]] = []
    while len(runs) < repeat and (not runs or sum(r[0] for r in runs) < budget):
        runs.append(_timed(lambda: len(run_query(entry, given, engine, Resolver(engine)))))
    body = {
        "seconds": statistics.median(r[0] for r in runs),
        "cpu": statistics.median(r[1] for r in runs),
        "rows": runs[-1][2],
        "runs": len(runs),
        "given": given,
    }
    print(json.dumps(body), flush=True)


class _Limit(Exception):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise _Limit


def rdflib_child(release: str, limit: float) -> None:
    """rdflib's SPARQL engine (the peer): the release read into rdflib once (timed), then
    every question with its defaults, each stopped at ``limit`` seconds: JSON lines."""
    from emkg.catalogue import load_catalogue
    from emkg.engines.embedded import open_rdflib
    from emkg.runner import run_query

    t0, c0 = time.perf_counter(), time.process_time()
    engine = open_rdflib(Path(release))
    load = {"ref": "load", "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}
    print(json.dumps(load), flush=True)
    signal.signal(signal.SIGALRM, _alarm)
    for entry in load_catalogue().of_kind("cq"):
        ref = entry.id.split("-")[0]
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            seconds, cpu, rows = _timed(lambda e=entry: len(run_query(e, {}, engine)))
            body: dict[str, Any] = {"ref": ref, "seconds": seconds, "cpu": cpu, "rows": rows}
        except _Limit:
            body = {"ref": ref, "seconds": None, "note": f"{limit:.0f} s limit"}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        print(json.dumps(body), flush=True)


# ---------------------------------------------------------------------------------------------
# the parent
# ---------------------------------------------------------------------------------------------


def cq_ids() -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from emkg.catalogue import load_catalogue

    return [e.id.split("-")[0] for e in load_catalogue().of_kind("cq")]


def emkg(*args: str) -> list[str]:
    return [PY, "-m", "emkg", *args]


#: steps stopped at a limit, with the size that stopped them: not run again at larger sizes
Skip = dict[str, int]


def skipped(key: str, skip: Skip) -> Step | None:
    """The figure of a step already stopped at its limit on a smaller cohort: not run."""
    if key in skip:
        return Step(None, note=f"not run (stopped at its limit at {skip[key]:,} patients)")
    return None


def measure_exports(
    release: Path, work: Path, limit: float, skip: Skip | None = None
) -> dict[str, Step]:
    """``emkg export tables`` and ``emkg export phenopackets`` on ``release``, each timed."""
    out: dict[str, Step] = {}
    for what in EXPORTS:
        known = skipped(f"export {what}", skip or {})
        if known is not None:
            out[f"export {what}"] = known
            continue
        target = work / f"export-{what}"
        step, _text = run_child(
            emkg("export", what, "--release", str(release), "--out", str(target)), limit
        )
        if target.is_dir():
            step.rows = sum(1 for p in target.rglob("*") if p.is_file())
        shutil.rmtree(target, ignore_errors=True)
        out[f"export {what}"] = step
    return out


def measure_query(release: Path, ref: str, variant: str, args: argparse.Namespace) -> Step:
    cmd = [PY, __file__, "--query-child", str(release), ref, variant]
    cmd += ["--repeat", str(args.repeat), "--repeat-budget", str(args.repeat_budget)]
    # later runs start only while the runs so far took less than the repeat budget
    step, text = run_child(cmd, args.query_timeout + args.repeat_budget)
    found = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    if step.seconds is None or not found:
        if step.over_limit:
            step.note = f"{args.query_timeout:.0f} s limit"
        return step
    if found[0].get("none"):
        return Step(None, note="no parameter")
    item = found[0]
    return Step(item["seconds"], item["cpu"], step.peak, rows=item["rows"], runs=item["runs"])


def measure_size(
    n: int, work: Path, args: argparse.Namespace, log: Log, skip: Skip | None = None
) -> SizeResult:
    """Every step at ``n`` patients; steps in ``skip`` (stopped at a smaller size) not run."""
    skip = skip or {}
    res = SizeResult(n)
    cohort = work / f"cohort-{n}.nt"
    rel = work / f"release-{n}"
    cmd = [PY, "scripts/synthetic.py", "--patients", str(n), "--seed", "1", "--out", str(cohort)]
    step, _text = run_child(cmd, args.step_timeout)
    res.steps["generate"] = step
    res.triples = _count_lines(cohort) if step.seconds is not None else 0
    log(f"{n:>7,} generate        {step.show()}  {res.triples:,} triples")
    if step.seconds is None:
        return res
    step, _text = run_child(
        emkg("build", "--out", str(rel), "--data", str(cohort)), args.step_timeout
    )
    res.steps["build"] = step
    log(f"{n:>7,} build           {step.show()}  peak {step.peak / GB:.2f} GB")
    if step.seconds is not None:
        step, _text = run_child(
            emkg("build", "--out", str(rel), "--data", str(cohort)), args.step_timeout
        )
        res.steps["rebuild"] = step
        log(f"{n:>7,} rebuild         {step.show()}  peak {step.peak / GB:.2f} GB")
    step = (
        skipped("validate", skip)
        or run_child(
            emkg("validate", str(cohort), "--output", str(work / f"validation-{n}.txt")),
            args.validate_timeout,
        )[0]
    )
    res.steps["validate"] = step
    log(f"{n:>7,} validate        {step.show()}  peak {step.peak / GB:.2f} GB")
    if res.steps["build"].seconds is None:
        return res
    log(f"{n:>7,} store read once  {warm(rel / 'store'):.1f} s")
    for ref in cq_ids():
        for variant in ("default", "typical"):
            step = skipped(f"{ref} {variant}", skip) or measure_query(rel, ref, variant, args)
            if step.note == "no parameter":
                continue
            res.steps[f"{ref} {variant}"] = step
            rows = f"  {step.rows:,} rows" if step.rows is not None else ""
            log(f"{n:>7,} {ref} {variant:<10} {step.show()}{rows}")
    for name, step in measure_exports(rel, work, args.export_timeout, skip).items():
        res.steps[name] = step
        log(f"{n:>7,} {name:<15} {step.show()}  {step.rows or 0:,} files")
    return res


def warm(folder: Path) -> float:
    """Read every file of ``folder`` once (into the page cache); the seconds it took."""
    start = time.perf_counter()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                while handle.read(1 << 24):
                    pass
    return time.perf_counter() - start


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 24):
            count += chunk.count(b"\n")
    return count


def measure_peers(n: int, work: Path, args: argparse.Namespace, log: Log) -> dict[str, Step]:
    """rdflib and pySHACL on the ``n``-patient cohort (generated and built if needed)."""
    cohort, rel = work / f"cohort-{n}.nt", work / f"release-{n}"
    if not (rel / "store").is_dir():
        measure_size(n, work, argparse.Namespace(**{**vars(args), "repeat": 1}), log)
    peers: dict[str, Step] = {}
    step, _text = run_child(
        emkg("validate", str(cohort), "--engine", "pyshacl", "--output", str(work / "pyshacl.txt")),
        args.peer_timeout,
    )
    peers["validate"] = step
    log(f"{n:>7,} pySHACL validate {step.show()}")
    ids = cq_ids()
    limit = args.peer_query_timeout
    cmd = [PY, __file__, "--rdflib-child", str(rel), "--limit", str(limit)]
    step, text = run_child(cmd, args.peer_timeout + (limit + 10) * len(ids))
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        item = json.loads(line)
        key = "rdflib load" if item["ref"] == "load" else f"{item['ref']} default"
        if item["seconds"] is None:
            peers[key] = Step(None, note=item["note"])
        else:
            peers[key] = Step(item["seconds"], item["cpu"], step.peak, rows=item.get("rows"))
        log(f"{n:>7,} rdflib {key:<14} {peers[key].show()}")
    for ref in ids:
        peers.setdefault(f"{ref} default", Step(None, note=step.note or "not run"))
    return peers


def measure_cli(work: Path, log: Log) -> Step:
    """Wall time of ``emkg query cq01 --param therapy=blinatumomab`` on the curated release."""
    rel = work / "curated"
    run_child(emkg("build", "--out", str(rel)), 600)
    cmd = emkg("query", "cq01", "--param", "therapy=blinatumomab", "--release", str(rel))
    run_child(cmd, 60)  # warm the file cache
    steps = [run_child(cmd, 60)[0] for _ in range(7)]
    done = [s for s in steps if s.seconds is not None]
    if not done:
        result = steps[0]
    else:
        result = Step(
            statistics.median(s.seconds for s in done if s.seconds is not None),
            statistics.median(s.cpu for s in done if s.cpu is not None),
            max(s.peak for s in done),
            runs=len(done),
        )
    log(f"curated  emkg query cq01 --param therapy=blinatumomab: {result.show()}")
    return result


def exponent(small: Step | None, big: Step | None, n_small: int, n_big: int) -> str:
    """Growth exponents from wall and from CPU time: ``wall / CPU``."""
    if small is None or big is None:
        return ""
    if small.seconds is not None and big.seconds is None and big.over_limit:
        return "> " + _exp(small.seconds, float(big.note.split()[0]), n_small, n_big)
    parts = [
        _exp(a, b, n_small, n_big) if a and b else "?"
        for a, b in ((small.seconds, big.seconds), (small.cpu, big.cpu))
    ]
    return " / ".join(parts) if parts != ["?", "?"] else ""


def _exp(a: float, b: float, n_small: int, n_big: int) -> str:
    return f"{math.log(b / a) / math.log(n_big / n_small):.2f}"


def _target(key: str) -> float | None:
    if key in ("build", "validate"):
        return TARGETS[key]
    if key == "rebuild":
        return TARGETS["build"]
    if key.endswith(" typical"):
        return TARGETS["typical"]
    if key.endswith(" default"):
        return TARGETS["default"]
    return None


def _verdict(key: str, last: Step | None, growth: str) -> str:
    target = _target(key)
    parts: list[str] = []
    if target is not None:
        ok = last is not None and last.seconds is not None and last.seconds <= target
        parts.append(f"<= {target:g} s {'met' if ok else '**not met**'}")
    if growth and not growth.startswith("?"):
        value = float(growth.lstrip("> ").split(" / ")[0])
        if value > TARGETS["exponent"]:
            parts.append("exp <= 1.1 **not met**")
        elif not growth.startswith(">"):  # a lower bound at most 1.1 decides nothing
            parts.append("exp <= 1.1 met")
    return "; ".join(parts)


def table(results: list[SizeResult], peers: dict[str, Step], peer_n: int) -> str:
    sizes = [r.patients for r in results]
    head = ["step", *[f"{n:,} patients" for n in sizes]]
    if peers:
        head.append(f"peer at {peer_n:,}: rdflib / pySHACL")
    two = len(results) >= 2
    if two:
        head.append(f"growth exponent {sizes[-2]:,} to {sizes[-1]:,} (wall / CPU)")
    head.append(f"target at {sizes[-1]:,}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def row(cells: list[str]) -> None:
        lines.append("| " + " | ".join(cells) + " |")

    tail = [""] * (len(head) - 1 - len(results))
    row(["triples", *[f"{r.triples:,}" for r in results], *tail])
    keys: list[str] = []
    for r in results:
        keys += [k for k in r.steps if k not in keys]
    for key in keys:
        cells = [key, *[r.steps[key].show() if key in r.steps else "" for r in results]]
        if peers:
            cells.append(peers[key].show() if key in peers else "")
        growth = ""
        if two:
            small, big = results[-2], results[-1]
            growth = exponent(
                small.steps.get(key), big.steps.get(key), small.patients, big.patients
            )
            cells.append(growth)
        cells.append(_verdict(key, results[-1].steps.get(key), growth))
        row(cells)
    if "rdflib load" in peers:
        row(
            [
                "rdflib: read the release",
                *[""] * len(results),
                peers["rdflib load"].show(),
                *tail[1:],
            ]
        )
    peaks: list[str] = []
    for r in results:
        step_name, top = max(((k, s.peak) for k, s in r.steps.items()), key=lambda x: x[1])
        peaks.append(f"{top / GB:.2f} GB ({step_name})")
    top_last = max((s.peak for s in results[-1].steps.values()), default=0)
    ok = top_last <= TARGETS["memory"]
    extra = [""] * (len(head) - 2 - len(results))
    row(["peak memory (largest step)", *peaks, *extra, f"<= 8 GB {'met' if ok else '**not met**'}"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--repeat", type=int, default=3, help="runs per query (median)")
    ap.add_argument(
        "--repeat-budget", type=float, default=15.0, help="no further runs of a query after S s"
    )
    ap.add_argument("--peer-size", type=int, default=1000, help="0: no peers")
    ap.add_argument("--peer-timeout", type=float, default=120.0, help="pySHACL; rdflib's load")
    ap.add_argument("--peer-query-timeout", type=float, default=10.0, help="each rdflib query")
    ap.add_argument("--query-timeout", type=float, default=60.0)
    ap.add_argument("--validate-timeout", type=float, default=900.0)
    ap.add_argument("--export-timeout", type=float, default=300.0)
    ap.add_argument("--step-timeout", type=float, default=1800.0, help="generate, build")
    ap.add_argument("--memory-limit", type=float, default=16.0, help="GB per step")
    ap.add_argument("--work", type=Path, default=None, help="folder for cohorts and releases")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    ap.add_argument("--query-child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--rdflib-child", help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=float, default=20.0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.query_child:
        query_child(*args.query_child, args.repeat, args.repeat_budget)
        return 0
    if args.rdflib_child:
        rdflib_child(args.rdflib_child, args.limit)
        return 0

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    MEMORY_LIMIT[0] = int(args.memory_limit * GB)

    work = args.work or Path(tempfile.mkdtemp(prefix="emkg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    log(f"work folder {work}; load average at start {os.getloadavg()[0]:.1f}")
    results: list[SizeResult] = []
    peers: dict[str, Step] = {}
    skip: Skip = {}  # a step stopped at its limit is not run again on a larger cohort
    try:
        cli = measure_cli(work, log)
        for n in sorted(args.sizes):
            results.append(measure_size(n, work, args, log, skip))
            for key, step in results[-1].steps.items():
                if step.stopped and key not in ("generate", "build", "rebuild"):
                    skip.setdefault(key, n)
            if n == args.peer_size:  # the peers while the cohort is there
                peers = measure_peers(n, work, args, log)
            if not args.keep:  # a cohort and its release are not needed once measured
                for name in (f"cohort-{n}.nt", f"release-{n}"):
                    shutil.rmtree(work / name, ignore_errors=True)
                    (work / name).unlink(missing_ok=True)
        if args.peer_size and args.peer_size not in args.sizes:
            peers = measure_peers(args.peer_size, work, args, log)
    finally:
        if not args.keep and args.work is None:  # a folder the user named is left to them
            shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    print(table(results, peers, args.peer_size))
    print()
    ok = cli.seconds is not None and cli.seconds <= TARGETS["cli"]
    print(
        f"Curated graph: `emkg query cq01 --param therapy=blinatumomab` {cli.show()} "
        f"(wall; target <= 0.3 s {'met' if ok else '**not met**'})."
    )
    print(
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))} in "
        f"{(time.time() - started) / 60:.0f} min on {os.cpu_count()} cores; load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end. Medians; CPU = user + "
        f"system seconds of the step's process; >S = stopped at its S-second limit."
    )
    if args.json:
        body = {
            "sizes": [
                {
                    "patients": r.patients,
                    "triples": r.triples,
                    "steps": {k: asdict(s) for k, s in r.steps.items()},
                }
                for r in results
            ],
            "peers": {k: asdict(s) for k, s in peers.items()},
            "cli": asdict(cli),
        }
        args.json.write_text(json.dumps(body, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
