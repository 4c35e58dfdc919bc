"""Load the release into a SPARQL 1.1 server: stage every graph, verify, swap, verify.

The release's store (``dist/store``, see :mod:`emkg.release`) holds one named graph per source
publication, one for the ontology and one per users' ``--data`` file. A load:

0. claims the store's load lock (:mod:`emkg.loadlock`): a second load at the same time
   waits (``--wait``) or is refused, naming the load that holds it;
1. lists the server's emkg graphs (targets, graphs of sources no longer in the release, and
   staging graphs an interrupted earlier load left behind);
2. PUTs each graph into its own *staging* graph
   (``https://w3id.org/emkg/staging/<run>/<name>``) with the Graph Store HTTP Protocol and
   reads back each staging graph's triple count; any failure or difference stops the load
   here, the staging graphs are dropped and the store is as it was;
3. swaps everything in with ONE SPARQL 1.1 Update request: ``MOVE <staging> TO <target>``
   for each graph, ``DROP SILENT GRAPH`` for release graphs with no triples and for emkg
   graphs whose source left the release;
4. reads back every target's triple count and checks that no staging graph is left.

Requests that are safe to repeat (queries, PUT into a staging graph, DROP SILENT of staging
graphs) are retried with back-off; the swap is never repeated blindly: a MOVE repeated after
its answer was lost would move an empty staging graph over the new target. When the swap
fails, emkg asks the server what happened, graph by graph (a staging graph that still holds
its triples was not moved; an empty staging graph next to a target with the new count was):
nothing moved -> staging dropped, store unchanged; everything moved -> success (the answer
was lost); some moved (Virtuoso commits the operations that ran before a failing one) ->
the remaining MOVEs are sent once more, and if that fails too the error lists which graphs
are new and which old. A swap the *client* gave up on (its timeout, a lost connection, a
gateway's 502/504, Ctrl-C) may still be running on the server: emkg then follows it, polling
the counts until every graph holds the new release or ``--follow`` seconds pass, and reports
what the store holds then; it never drops the staging graphs of a swap that may still run.
See docs/triple-stores.md for what each server guarantees.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from emkg import release
from emkg.errors import InputError, RemoteError
from emkg.gsp import SparqlServer, iri
from emkg.loadlock import ACTIVE_RUNS, LoadLock

GRAPH_BASE = release.GRAPH_BASE
STAGING_BASE = "https://w3id.org/emkg/staging/"
#: how long a swap the client gave up on is followed before emkg reports it unresolved
FOLLOW_SECONDS = 60.0

Log = Callable[[str], None]


@dataclass(frozen=True)
class ReleaseGraph:
    """One named graph of the release, as N-Triples, with its triple count."""

    iri: str
    ntriples: bytes
    triples: int


def graphs_from_store(store: ox.Store, origin: str) -> list[ReleaseGraph]:
    """Every named graph of ``store`` as N-Triples with its count (default graph empty)."""
    for _quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        raise InputError(f"{origin} has triples outside any named graph")
    counts = release.graph_counts(store)
    out = []
    for graph in sorted(store.named_graphs(), key=str):
        if not isinstance(graph, ox.NamedNode):
            raise InputError(f"{origin} names a graph with a blank node")
        data_nt = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        assert data_nt is not None
        out.append(ReleaseGraph(graph.value, data_nt, counts.get(graph.value, 0)))
    return out


def graphs_from_nquads(data: bytes, origin: str = "N-Quads") -> list[ReleaseGraph]:
    """Split an N-Quads document into its named graphs (the default graph must be empty)."""
    store = ox.Store()
    try:
        store.load(data, format=ox.RdfFormat.N_QUADS)
    except SyntaxError as exc:
        raise InputError(f"cannot parse {origin}: {exc}") from exc
    return graphs_from_store(store, origin)


def release_graphs(dist: Path | None = None, *, log: Log = print) -> list[ReleaseGraph]:
    """The named graphs of the release in ``dist`` (default ``dist/``), read from its store.

    The rule of :mod:`emkg.release` applies: a swap a crash cut short is finished first, a
    missing default release is built, a stale one is rebuilt, and each is said.
    """
    store = release.open_store(dist, log=log)
    return graphs_from_store(store, str(release.store_path(dist)))


@dataclass(frozen=True)
class _Plan:
    graph: ReleaseGraph
    staging: str

    @property
    def target(self) -> str:
        return self.graph.iri

    @property
    def triples(self) -> int:
        return self.graph.triples


@dataclass
class LoadReport:
    """What a load did: verified triple counts per target graph, and notes."""

    run_id: str
    counts: dict[str, int] = field(default_factory=dict)
    before: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + os.urandom(3).hex()


def _staging_iri(run_id: str, target: str, index: int) -> str:
    name = target[len(GRAPH_BASE) :] if target.startswith(GRAPH_BASE) else f"graph{index}"
    staging = f"{STAGING_BASE}{run_id}/{name}"
    iri(staging)  # check it can be written into SPARQL
    return staging


def _drops(graphs: Sequence[str]) -> str:
    return " ;\n".join(f"DROP SILENT GRAPH {iri(g)}" for g in graphs)


class Loader:
    """Loads release graphs into one server; see the module documentation for the steps."""

    def __init__(
        self,
        server: SparqlServer,
        *,
        log: Log = print,
        follow: float = FOLLOW_SECONDS,
        poll: float = 1.0,
    ) -> None:
        self.server = server
        self.log = log
        self.follow = follow
        self.poll = poll
        self._keep_lock = False

    # -- helpers -------------------------------------------------------------------------

    def _drop_staging(self, staging: Sequence[str]) -> str | None:
        """Drop staging graphs (idempotent, so retried); the failure message, or None."""
        if not staging:
            return None
        try:
            self.server.update(_drops(staging), what="dropping the staging graphs", repeatable=True)
        except RemoteError as exc:
            return str(exc)
        return None

    def _fail(self, message: str, staging: Sequence[str], hint: str) -> RemoteError:
        cleanup = self._drop_staging(staging)
        if cleanup is None:
            if staging:
                message += "; the staging graphs were dropped"
        else:
            listed = ", ".join(f"<{g}>" for g in staging)
            message += f"; the staging graphs could not be dropped ({cleanup}): {listed}"
            hint += "; remove leftover staging graphs with `emkg load ... --clean-staging`"
        return RemoteError(message, hint=hint)

    def _state(self, plans: Sequence[_Plan]) -> dict[str, str]:
        """Per target: 'staged' (not moved), 'moved', or 'unknown' (queries are retried)."""
        state: dict[str, str] = {}
        for p in plans:
            staged = self.server.count(p.staging)
            current = self.server.count(p.target)
            if staged == p.triples:
                state[p.target] = "staged"
            elif staged == 0 and current == p.triples:
                state[p.target] = "moved"
            else:
                state[p.target] = "unknown"
        return state

    # -- the load ------------------------------------------------------------------------

    def load(
        self,
        graphs: Sequence[ReleaseGraph],
        *,
        prune: bool = True,
        clean_staging: bool = False,
        run_id: str | None = None,
        wait: float = 0.0,
        break_lock: bool = False,
    ) -> LoadReport:
        started = time.monotonic()
        report = LoadReport(run_id or new_run_id())
        if not graphs:
            raise InputError("the release holds no named graphs", hint="run `emkg build`")
        lock = LoadLock(self.server, report.run_id, log=self.log)
        if break_lock:
            for claim in lock.break_all():
                self.log(f"broke the load lock of run {claim.run} ({claim.owner}, {claim.since})")
        lock.acquire(wait)
        self._keep_lock = False
        try:
            self._load_locked(graphs, report, prune=prune, clean_staging=clean_staging)
        finally:
            if self._keep_lock:
                ACTIVE_RUNS.discard(report.run_id)
                try:
                    lock.keep("a swap the server may still be running")
                except RemoteError as exc:
                    self.log(f"warning: could not mark the load lock as kept ({exc})")
            else:
                failure = lock.release()
                if failure:
                    self.log(
                        f"warning: the load lock could not be released ({failure}); the next "
                        "load will name this run: break it with --break-lock"
                    )
        report.seconds = time.monotonic() - started
        return report

    def _load_locked(
        self,
        graphs: Sequence[ReleaseGraph],
        report: LoadReport,
        *,
        prune: bool,
        clean_staging: bool,
    ) -> None:
        plans = [_Plan(g, _staging_iri(report.run_id, g.iri, i)) for i, g in enumerate(graphs)]
        targets = {p.target for p in plans}
        srv = self.server

        leftovers = srv.graphs_under(STAGING_BASE)
        if leftovers and clean_staging:
            self.log(f"dropping {len(leftovers)} staging graphs left by earlier loads")
            failure = self._drop_staging(leftovers)
            if failure:
                raise RemoteError(failure)
        elif leftovers:
            self.log(
                f"warning: {len(leftovers)} staging graphs from an interrupted earlier load "
                "remain (e.g. <{}>); `--clean-staging` removes them".format(leftovers[0])
            )
        stale = [g for g in srv.graphs_under(GRAPH_BASE) if g not in targets] if prune else []
        report.before = {p.target: srv.count(p.target) for p in plans}

        # 1. stage and verify; nothing visible changes in this phase
        moving = [p for p in plans if p.triples > 0]
        staged: list[str] = []
        try:
            for p in moving:
                staged.append(p.staging)
                self.log(f"PUT {p.triples:>8,} triples  <{p.target}>")
                srv.put_graph(
                    p.staging, p.graph.ntriples, what=f"PUT of graph <{p.target}> (staging)"
                )
            for p in moving:
                n = srv.count(p.staging)
                if n != p.triples:
                    raise RemoteError(
                        f"the staging copy of graph <{p.target}> holds {n} triples where "
                        f"{p.triples} were sent"
                    )
        except (RemoteError, KeyboardInterrupt) as exc:
            what = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
            raise self._fail(
                f"load stopped before the swap: {what}; no emkg graph was changed",
                staged,
                "check the server and run `emkg load` again",
            ) from exc

        # 2. swap everything in with one update request (never repeated blindly)
        empty = [p.target for p in plans if p.triples == 0]
        ops = [f"MOVE {iri(p.staging)} TO {iri(p.target)}" for p in moving]
        ops += [f"DROP SILENT GRAPH {iri(g)}" for g in [*empty, *stale]]
        self.log(f"swapping {len(moving)} graphs into place in one update request")
        try:
            srv.update(" ;\n".join(ops), what="the swap (MOVE staging TO target)", repeatable=False)
        except (RemoteError, KeyboardInterrupt) as exc:
            self._after_failed_swap(moving, [*empty, *stale], exc, report)
        report.dropped = sorted([*stale, *(g for g in empty if report.before[g])])

        # 3. verify the targets
        self.verify(plans, stale)
        report.counts = {p.target: p.triples for p in plans}

    def _after_failed_swap(
        self,
        moving: Sequence[_Plan],
        drops: Sequence[str],
        exc: RemoteError | KeyboardInterrupt,
        report: LoadReport,
    ) -> None:
        """Find out what a failed swap did; finish it, or clean up and raise."""
        cause = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
        staging = [p.staging for p in moving]
        # no answer from the server itself: it may still be running the swap it was sent
        given_up = isinstance(exc, KeyboardInterrupt) or not exc.answered
        try:
            if given_up:
                state = self._follow(moving, cause)
            else:
                self.log(f"the swap failed ({cause}); asking the server what it applied")
                state = self._state(moving)
        except RemoteError as ask:
            listed = ", ".join(f"<{g}>" for g in staging)
            raise RemoteError(
                f"the swap failed ({cause}) and the server could not be asked afterwards "
                f"({ask}); emkg cannot tell which graphs it replaced",
                hint="when the server answers again, run `emkg load ... --clean-staging`: "
                f"it replaces every graph and removes the staging graphs ({listed})",
            ) from exc
        moved = [t for t, s in state.items() if s == "moved"]
        pending = [p for p in moving if state[p.target] == "staged"]
        unknown = [t for t, s in state.items() if s == "unknown"]
        if given_up and len(moved) < len(moving):
            self._keep_lock = True  # the server may still be writing: keep others out
            raise RemoteError(
                f"the swap request was given up ({cause}) and the server had not finished it "
                f"after {self.follow:g} s of following it. The store holds NOW: "
                f"{self._holds(state)}. The server may still be running the swap and then "
                "switch the remaining graphs to the new release; the staging graphs and the "
                f"load lock (run {report.run_id}) are kept so that it can finish",
                hint="wait until the server is idle, then run `emkg load ... --break-lock "
                "--clean-staging`: it loads the whole release again; give a larger --follow "
                "to wait longer for a slow server",
            ) from exc
        if not moved and not unknown:
            raise self._fail(
                f"the swap failed ({cause}); the server applied none of it: every emkg graph "
                "holds its previous content",
                staging,
                "check the server and run `emkg load` again",
            ) from exc
        if pending and not unknown:
            self.log(
                f"the server applied the swap for {len(moved)} of {len(moving)} graphs "
                "(it committed part of a failed request); sending the remaining MOVEs"
            )
            ops = [f"MOVE {iri(p.staging)} TO {iri(p.target)}" for p in pending]
            ops += [f"DROP SILENT GRAPH {iri(g)}" for g in drops]
            try:
                self.server.update(" ;\n".join(ops), what="completing the swap", repeatable=False)
            except RemoteError as again:
                cause += f"; completing it failed too: {again}"
            try:
                state = self._state(moving)
            except RemoteError as ask:
                raise RemoteError(
                    f"the swap failed ({cause}) and the server could not be asked "
                    f"afterwards ({ask}); some graphs hold new content, others may not",
                    hint="when the server answers again, run `emkg load ... --clean-staging`",
                ) from exc
            report.notes.append(
                f"the swap was applied in two requests ({len(moved)} graphs in the first)"
            )
            moved = [t for t, s in state.items() if s == "moved"]
        if len(moved) == len(moving):
            if given_up and isinstance(exc, KeyboardInterrupt):
                report.notes.append(
                    "the swap was interrupted, but the server applied it: emkg followed it to "
                    "its end"
                )
            elif not pending:
                report.notes.append("the swap's answer was lost, but the server applied it")
            self.log("every graph was swapped")
            if drops:
                self.server.update(_drops(drops), what="dropping graphs", repeatable=True)
            return
        old = [p.target for p in moving if state[p.target] == "staged"]
        raise RemoteError(
            f"the swap failed ({cause}) and left the store MIXED: new content in "
            f"{', '.join(f'<{t}>' for t in moved) or 'none'}; previous content in "
            f"{', '.join(f'<{t}>' for t in old) or 'none'}; unclear: "
            f"{', '.join(f'<{t}>' for t in state if state[t] == 'unknown') or 'none'}",
            hint="run `emkg load ... --clean-staging` again: it replaces every graph",
        ) from exc

    def _holds(self, state: dict[str, str]) -> str:
        words = {"staged": "previous content", "moved": "new release", "unknown": "unclear"}
        return "; ".join(f"<{t}> {words[s]}" for t, s in sorted(state.items()))

    def _follow(self, moving: Sequence[_Plan], cause: str) -> dict[str, str]:
        """Poll the server until every graph holds the new release or ``follow`` runs out.

        A swap the client gave up on (a timeout, a lost connection, Ctrl-C) may still be
        running on the server, which then commits it: asking once at once would report the
        old state of a store about to change. A second Ctrl-C stops following.
        """
        self.log(
            f"the swap request was given up ({cause}); the server may still be running it: "
            f"following it for up to {self.follow:g} s (Ctrl-C stops following)"
        )
        started = time.monotonic()
        last_report = started
        while True:
            try:
                state = self._state(moving)
                moved = sum(1 for s in state.values() if s == "moved")
                waited = time.monotonic() - started
                if moved == len(moving) or waited >= self.follow:
                    self.log(
                        f"after {waited:.0f} s, {moved} of {len(moving)} graphs hold the new "
                        "release"
                    )
                    return state
                if time.monotonic() - last_report >= 5:
                    last_report = time.monotonic()
                    self.log(
                        f"still following the swap: {moved} of {len(moving)} graphs hold the "
                        f"new release after {waited:.0f} s"
                    )
                time.sleep(self.poll)
            except KeyboardInterrupt as again:
                self._keep_lock = True
                raise RemoteError(
                    "stopped following the swap (interrupted again): the server may still be "
                    "running it; the staging graphs and the load lock are kept",
                    hint="wait until the server is idle, then run `emkg load ... --break-lock "
                    "--clean-staging`",
                ) from again

    def verify(self, plans: Sequence[_Plan], stale: Sequence[str]) -> None:
        """Read back every target's count; no staging or stale graph may hold triples."""
        wrong = []
        for p in plans:
            n = self.server.count(p.target)
            if n != p.triples:
                wrong.append(f"<{p.target}> holds {n} triples, the release {p.triples}")
            if p.triples and self.server.count(p.staging):
                wrong.append(f"staging graph <{p.staging}> still holds triples")
        wrong += [f"<{g}> was not dropped" for g in stale if self.server.count(g)]
        if wrong:
            raise RemoteError(
                "after the swap the store does not match the release: " + "; ".join(wrong),
                hint="the server changed or lost data (Virtuoso: check that literals "
                "round-trip); run `emkg load` again and compare",
            )


def load(
    server: SparqlServer,
    graphs: Sequence[ReleaseGraph],
    *,
    prune: bool = True,
    clean_staging: bool = False,
    log: Log = print,
    wait: float = 0.0,
    break_lock: bool = False,
    follow: float = FOLLOW_SECONDS,
) -> LoadReport:
    """Load ``graphs`` into ``server`` (see the module documentation)."""
    return Loader(server, log=log, follow=follow).load(
        graphs, prune=prune, clean_staging=clean_staging, wait=wait, break_lock=break_lock
    )
