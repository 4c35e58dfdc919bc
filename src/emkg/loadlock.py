"""The load lock: one ``emkg load`` at a time writes a store.

The lock lives in the store itself, in the named graph ``https://w3id.org/emkg/lock``, so it
works for every SPARQL 1.1 server and for loads from different machines. A load *claims*
the lock with one update that stamps its claim with the server's clock::

    INSERT { GRAPH <https://w3id.org/emkg/lock> {
        <https://w3id.org/emkg/lock/RUN> lock:owner "user@host pid 123, emkg 0.1.0" ;
                                         lock:since ?now } }
    WHERE { BIND (NOW() AS ?now) }

and then reads every claim back. The oldest claim (server time, then run id) holds the lock;
every other claimant withdraws its claim and waits (``--wait``) or is refused, with the
owner and the time of the claim that holds the lock. Two loads that claim at the same
moment both see both claims and agree on the same holder, whatever their own clocks say.
The holder removes its claim when the load ends, however it ends, except when a swap it
sent may still be running on the server (then the store is not quiet, and the message says
so).

A claim whose load is known to be gone is removed by the next load, which says so: the claim
names a process of this machine that no longer runs, or a load of this very process that
has ended (its release failed because the server was unreachable). A claim from another
machine, and a claim *kept* on purpose (a swap the server may still be running), keep the
lock: every later load is refused with its owner and time. When you know that load is gone
and the server idle, break the lock with ``emkg load ... --break-lock`` (it removes every
claim, then loads), or by hand: ``DROP SILENT GRAPH <https://w3id.org/emkg/lock>``.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from emkg import __version__
from emkg.errors import RemoteError
from emkg.gsp import SparqlServer, iri

LOCK_GRAPH = "https://w3id.org/emkg/lock"
_OWNER = "https://w3id.org/emkg/lock#owner"
_SINCE = "https://w3id.org/emkg/lock#since"
_KEPT = "https://w3id.org/emkg/lock#kept"
_OWNER_PROCESS = re.compile(r"@(?P<host>[^ ]+) pid (?P<pid>\d+),")
#: the runs of this process that are loading now
ACTIVE_RUNS: set[str] = set()
POLL_SECONDS = 2.0

Log = Callable[[str], None]


def owner_text() -> str:
    """Who is loading: user, host, process and emkg version (no secret)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()} pid {os.getpid()}, emkg {__version__}"


@dataclass(frozen=True)
class Claim:
    run: str
    owner: str
    since: str
    kept: str = ""

    def gone(self) -> bool:
        """True when this claim's load is known to have ended (see the module docs)."""
        if self.kept:
            return False
        m = _OWNER_PROCESS.search(self.owner)
        if m is None or m.group("host") != socket.gethostname():
            return False
        pid = int(m.group("pid"))
        if pid == os.getpid():
            return self.run not in ACTIVE_RUNS
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    @property
    def key(self) -> tuple[datetime, str]:
        try:
            stamp = datetime.fromisoformat(self.since.replace("Z", "+00:00"))
        except ValueError:
            stamp = datetime.max
        if stamp.tzinfo is None:
            stamp = stamp.astimezone()
        return (stamp, self.run)


class LoadLock:
    """Claims, checks and releases the lock of one store for one run."""

    def __init__(self, server: SparqlServer, run_id: str, *, log: Log = print) -> None:
        self.server = server
        self.run_id = run_id
        self.log = log
        self.claim_iri = f"{LOCK_GRAPH}/{run_id}"
        self.held = False

    def claims(self) -> list[Claim]:
        rows = self.server.select_json(
            f"SELECT ?c ?owner ?since ?kept WHERE {{ GRAPH {iri(LOCK_GRAPH)} {{ "
            f"?c {iri(_OWNER)} ?owner . OPTIONAL {{ ?c {iri(_SINCE)} ?since }} "
            f"OPTIONAL {{ ?c {iri(_KEPT)} ?kept }} }} }}",
            what="reading the load lock",
        )
        found: dict[str, Claim] = {}
        for row in rows:
            run = row.get("c", {}).get("value", "").rsplit("/", 1)[-1]
            claim = Claim(
                run,
                row.get("owner", {}).get("value", "?"),
                row.get("since", {}).get("value", ""),
                row.get("kept", {}).get("value", ""),
            )
            if run not in found or claim.key < found[run].key or claim.kept:
                found[run] = claim
        return sorted(found.values(), key=lambda c: c.key)

    def _claim(self) -> None:
        self.server.update(
            f"INSERT {{ GRAPH {iri(LOCK_GRAPH)} {{ {iri(self.claim_iri)} {iri(_OWNER)} "
            f"{json.dumps(owner_text())} ; {iri(_SINCE)} ?now }} }} "
            "WHERE { BIND (NOW() AS ?now) }",
            what="claiming the load lock",
            repeatable=True,
        )

    def _withdraw(self, run: str | None = None) -> None:
        claim = self.claim_iri if run is None else f"{LOCK_GRAPH}/{run}"
        self.server.update(
            f"DELETE WHERE {{ GRAPH {iri(LOCK_GRAPH)} {{ {iri(claim)} ?p ?o }} }}",
            what="releasing the load lock",
            repeatable=True,
        )

    def keep(self, why: str) -> None:
        """Mark the claim as kept on purpose: no later load removes it as gone."""
        self.server.update(
            f"INSERT DATA {{ GRAPH {iri(LOCK_GRAPH)} {{ {iri(self.claim_iri)} {iri(_KEPT)} "
            f"{json.dumps(why)} }} }}",
            what="keeping the load lock",
            repeatable=True,
        )

    def acquire(self, wait: float = 0.0) -> None:
        """Hold the lock, waiting up to ``wait`` seconds for another load to finish."""
        deadline = time.monotonic() + max(0.0, wait)
        started = time.monotonic()
        ACTIVE_RUNS.add(self.run_id)
        while True:
            self._claim()
            claims = []
            for claim in self.claims():
                if claim.run != self.run_id and claim.gone():
                    self._withdraw(claim.run)
                    self.log(
                        f"removed the load lock of run {claim.run} ({claim.owner}, since "
                        f"{claim.since}): that load has ended"
                    )
                else:
                    claims.append(claim)
            holder = claims[0] if claims else None
            if holder is not None and holder.run == self.run_id:
                self.held = True
                return
            self._withdraw()
            other = holder or Claim("?", "another load", "?")
            if time.monotonic() >= deadline:
                ACTIVE_RUNS.discard(self.run_id)
                kept = f" (kept on purpose: {other.kept})" if other.kept else ""
                waited = f" after waiting {wait:g} s" if wait > 0 else ""
                raise RemoteError(
                    f"the store is being loaded by another emkg load{waited}: run {other.run} "
                    f"of {other.owner}, since {other.since} (server time){kept}; nothing was "
                    "changed",
                    hint="let that load finish and run again (or give --wait SECONDS); if that "
                    "load is gone (killed, its machine lost), break its lock with "
                    "`emkg load ... --break-lock`",
                )
            self.log(
                f"waiting for the load of {other.owner} (run {other.run}, since {other.since}) "
                f"to finish: {time.monotonic() - started:.0f} s of {wait:g} s"
            )
            time.sleep(min(POLL_SECONDS, max(0.1, deadline - time.monotonic())))

    def release(self) -> str | None:
        """Remove this run's claim; the failure message, or None."""
        ACTIVE_RUNS.discard(self.run_id)
        if not self.held:
            return None
        try:
            self._withdraw()
        except RemoteError as exc:
            return str(exc)
        self.held = False
        return None

    def break_all(self) -> list[Claim]:
        """Remove every claim (``--break-lock``); return the claims that were there."""
        claims = self.claims()
        self.server.update(
            f"DROP SILENT GRAPH {iri(LOCK_GRAPH)}", what="breaking the load lock", repeatable=True
        )
        return claims
