"""The phenopacket export reads each chunk of patients without scanning the whole store.

``write_packets`` runs every export query restricted to one chunk of patients (a VALUES
block on the patients, or on their events or findings). That keeps the export linear only
while each restricted query *starts* from the chunk: a query that Oxigraph plans as a scan of
the store joined with the VALUES block afterwards (a hash join, or a VALUES on a variable
the rest of the pattern does not reach cheaply) costs a whole-store pass per chunk, so the
export grows as (patients / chunk) x store, quadratically.

That is what this test catches, without timing the export against a budget: on one
synthetic store it times each query as the chunk reader sends it for a few patients and the
same query unrestricted, over the whole store, and requires the first to cost a small
fraction of the second. A query anchored at the chunk costs about chunk/cohort (here 1/50)
of the whole-store run; one that scans per chunk costs about as much as the whole-store run.
The bar (one fifth) leaves a wide margin for a loaded machine either way.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from emkg.catalogue import QueryEntry
from emkg.export import phenopackets as pp_export
from emkg.export import store as export_store
from synthstore import synthetic_store

COHORT = 400
CHUNK = 8
#: the restricted run of a query may cost at most this fraction of its whole-store run
BAR = 0.2
#: a whole-store run under this many CPU seconds is too short to compare with
RESOLUTION = 0.004


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return synthetic_store(COHORT, seed=3)


def _cpu(store: ox.Store, text: str, repeat: int = 3) -> float:
    """The smallest CPU time of ``repeat`` runs of ``text`` read to the end."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        result = store.query(text, use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)
        for _row in result:
            pass
        best = min(best, time.process_time() - started)
    return best


def test_each_chunk_query_starts_from_the_chunk(
    store: ox.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[QueryEntry, str]] = []
    real_rows = export_store.rows

    def recording_rows(
        store: ox.Store, entry: QueryEntry, text: str | None = None
    ) -> Iterator[dict[str, Any]]:
        if text is not None:
            sent.append((entry, text))
        return real_rows(store, entry, text)

    entries = pp_export._entries()
    tables = pp_export.read_globals(store, entries)
    patients = list(real_rows(store, entries["patients"]))
    assert len(patients) == COHORT
    monkeypatch.setattr(pp_export, "rows", recording_rows)
    pp_export.read_chunk(store, entries, tables, patients[:CHUNK])
    # every per-chunk query was sent restricted, and it found rows for the chunk's packets
    restricted = {entry.id for entry, _ in sent}
    assert {"table-events", "table-therapy-lines", "table-em-findings"} <= restricted
    assert tables.events
    assert tables.by_patient

    slow = []
    for entry, text in sent:
        whole = _cpu(store, entry.text, repeat=1)
        if whole < RESOLUTION:
            continue  # the whole-store answer is tiny (few rows in any store): nothing to scan
        chunk = _cpu(store, text)
        if chunk > BAR * whole:
            slow.append(f"{entry.id}: {chunk:.3f} s for {CHUNK} patients, {whole:.3f} s for all")
    assert not slow, (
        f"restricted to {CHUNK} of {COHORT} patients, these export queries cost more than "
        f"{BAR:.0%} of a whole-store run (a scan per chunk: quadratic at scale): {slow}"
    )
