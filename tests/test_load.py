"""emkg load: splitting the release into graphs, and loading into a real Oxigraph server.

The server tests start ``oxigraph serve`` on 127.0.0.1 through ``scripts/stores.sh`` (one
server for this module, always stopped) and load small releases made here, whose graphs
hold blank nodes like the curated graph's annotations.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from emkg import build, cli
from emkg.errors import InputError
from emkg.gsp import Endpoints, SparqlServer
from emkg.httpclient import HttpClient, RetryPolicy
from emkg.load import (
    GRAPH_BASE,
    STAGING_BASE,
    ReleaseGraph,
    graphs_from_nquads,
    load,
    release_graphs,
)
from emkg.loadlock import LOCK_GRAPH, LoadLock
from emkg.release import stamp_inputs, store_path, write_store
from releases import copy_release

ROOT = Path(__file__).resolve().parents[1]
STORES = ROOT / "scripts" / "stores.sh"
OA = "http://www.w3.org/ns/oa#"


def make_release(version: str, names: tuple[str, ...] = ("ontology", "johns2024")) -> bytes:
    """N-Quads of a small release: per graph five facts and an annotation (blank nodes)."""
    lines = []
    for name in names:
        g = f"<{GRAPH_BASE}{name}>"
        for i in range(5):
            lines.append(f'<urn:emkg:test:{name}/s{i}> <urn:emkg:test:p> "{version}-{i}" {g} .')
        lines.append(f"_:a{name} <{OA}hasBody> <urn:emkg:test:{name}/s0> {g} .")
        lines.append(f"_:a{name} <{OA}hasTarget> _:t{name} {g} .")
        lines.append(f'_:t{name} <{OA}exact> "quote {version}"@en-GB {g} .')
    return ("\n".join(lines) + "\n").encode()


def canonical(ntriples: bytes) -> frozenset[str]:
    """A graph's triples with blank nodes canonically relabelled (RDFC-1.0)."""
    ds = ox.Dataset(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return frozenset(str(q) for q in ds)


def content(srv: SparqlServer, graph: str) -> frozenset[str]:
    got = srv.get_graph(graph)
    return canonical(got[0]) if got else frozenset()


# -- the release, split into graphs ------------------------------------------------------


def test_nquads_are_split_into_graphs_with_their_counts() -> None:
    graphs = graphs_from_nquads(make_release("A", ("ontology", "li2025")))
    assert [g.iri for g in graphs] == [f"{GRAPH_BASE}li2025", f"{GRAPH_BASE}ontology"]
    assert [g.triples for g in graphs] == [8, 8]
    for g in graphs:
        assert len(canonical(g.ntriples)) == 8
        assert b"_:" in g.ntriples


def test_triples_outside_named_graphs_are_refused() -> None:
    with pytest.raises(InputError, match="outside any named graph"):
        graphs_from_nquads(b"<urn:a> <urn:b> <urn:c> .\n")
    with pytest.raises(InputError, match="cannot parse"):
        graphs_from_nquads(b"<urn:a> <urn:b> .\n")


def test_a_named_release_must_exist(tmp_path: Path, curated_release: Path) -> None:
    with pytest.raises(InputError, match="holds no release store") as info:
        release_graphs(tmp_path / "dist", log=pytest.fail)
    assert f"emkg build --out {tmp_path / 'dist'}" in str(info.value)
    copy_release(curated_release, tmp_path / "dist")  # as `emkg build --out` makes it
    graphs = release_graphs(tmp_path / "dist", log=pytest.fail)
    report_counts = build.graph_counts(_store(tmp_path / "dist" / "emkg.nq"))
    assert {g.iri: g.triples for g in graphs} == report_counts
    assert f"{GRAPH_BASE}ontology" in report_counts


def _store(nq: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    return store


# -- a real Oxigraph server ----------------------------------------------------------------


def _start_stores(state_dir: Path, only: str) -> dict[str, str]:
    env = {**os.environ, "EMKG_STORES_STATE": str(state_dir / "state.env")}
    cmd = ["bash", str(STORES), "start", "--only", only, "--owner", str(os.getpid())]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    if res.returncode == 3:
        pytest.skip(f"{only} cannot be installed on this machine: {res.stderr.strip()[-400:]}")
    if res.returncode != 0:
        pytest.fail(f"scripts/stores.sh start failed ({res.returncode}):\n{res.stderr[-2000:]}")
    lines = (state_dir / "state.env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _stop_stores(state_dir: Path) -> None:
    env = {**os.environ, "EMKG_STORES_STATE": str(state_dir / "state.env")}
    subprocess.run(["bash", str(STORES), "stop"], env=env, timeout=120, check=False)


@pytest.fixture(scope="module")
def oxigraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state_dir = tmp_path_factory.mktemp("stores")
    try:
        yield _start_stores(state_dir, "oxigraph")["OXIGRAPH_URL"]
    finally:
        _stop_stores(state_dir)


@pytest.fixture
def srv(oxigraph_url: str) -> SparqlServer:
    http = HttpClient(timeout=10, retry=RetryPolicy(attempts=2, first_delay=0.05))
    return SparqlServer(Endpoints.derive(f"{oxigraph_url}/query"), http)


def _dist(tmp_path: Path, nquads: bytes) -> Path:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "emkg.nq").write_bytes(nquads)
    write_store(store_path(dist), nquads, inputs=current_sources())
    return dist


@pytest.mark.server
def test_a_second_load_leaves_the_store_as_the_first(srv: SparqlServer) -> None:
    graphs = graphs_from_nquads(make_release("A", ("ontology", "johns2024", "li2025")))
    first = load(srv, graphs, log=lambda _m: None)
    after_first = {g.iri: content(srv, g.iri) for g in graphs}
    second = load(srv, graphs, log=lambda _m: None)
    for g in graphs:
        assert srv.count(g.iri) == g.triples == first.counts[g.iri] == second.counts[g.iri]
        assert content(srv, g.iri) == after_first[g.iri] == canonical(g.ntriples)
        assert second.before[g.iri] == g.triples
    assert srv.graphs_under(STAGING_BASE) == []
    assert srv.graphs_under(GRAPH_BASE) == sorted(g.iri for g in graphs)


@pytest.mark.server
def test_graphs_whose_source_left_the_release_are_dropped_unless_kept(
    srv: SparqlServer,
) -> None:
    load(srv, graphs_from_nquads(make_release("A", ("ontology", "old2020"))), log=print)
    smaller = graphs_from_nquads(make_release("B", ("ontology",)))
    kept = load(srv, smaller, prune=False, log=print)
    assert kept.dropped == []
    assert srv.count(f"{GRAPH_BASE}old2020") == 8
    report = load(srv, smaller, log=print)
    assert report.dropped == [f"{GRAPH_BASE}old2020"]
    assert srv.graphs_under(GRAPH_BASE) == [f"{GRAPH_BASE}ontology"]


@pytest.mark.server
def test_a_release_graph_without_triples_empties_its_target(srv: SparqlServer) -> None:
    load(srv, graphs_from_nquads(make_release("A", ("ontology", "empty2024"))), log=print)
    graphs = [
        *graphs_from_nquads(make_release("B", ("ontology",))),
        ReleaseGraph(f"{GRAPH_BASE}empty2024", b"", 0),
    ]
    report = load(srv, graphs, log=print)
    assert srv.count(f"{GRAPH_BASE}empty2024") == 0
    assert report.dropped == [f"{GRAPH_BASE}empty2024"]


@pytest.mark.server
def test_leftover_staging_graphs_are_reported_and_cleaned_on_request(
    srv: SparqlServer,
) -> None:
    leftover = f"{STAGING_BASE}20200101T000000Z-dead00/ontology"
    srv.put_graph(leftover, b"<urn:a> <urn:b> <urn:c> .\n", what="planting a leftover")
    graphs = graphs_from_nquads(make_release("A"))
    logged: list[str] = []
    load(srv, graphs, log=logged.append)
    assert any("staging graphs from an interrupted earlier load" in m for m in logged)
    assert srv.graphs_under(STAGING_BASE) == [leftover]
    load(srv, graphs, clean_staging=True, log=logged.append)
    assert srv.graphs_under(STAGING_BASE) == []


@pytest.mark.server
def test_cli_load_prints_the_verified_counts(
    oxigraph_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dist = _dist(tmp_path, make_release("C", ("ontology", "johns2024")))
    code = cli.main(["load", "--endpoint", f"{oxigraph_url}/query", "--dist", str(dist)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "loaded 2 graphs" in out
    assert f"        8 triples  {GRAPH_BASE}johns2024" in out
    assert f"{oxigraph_url}/store" in err  # the derived Graph Store URL is shown


def test_cli_reports_an_unreachable_server_with_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dist = _dist(tmp_path, make_release("A"))
    endpoint = f"http://127.0.0.1:{port}/query"
    code = cli.main(["load", "--endpoint", endpoint, "--dist", str(dist), "--attempts", "2"])
    err = capsys.readouterr().err
    assert code == 4
    assert "connection refused" in err
    assert "tried 2 times" in err


def test_cli_user_without_a_password_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EMKG_SPARQL_USER", raising=False)
    monkeypatch.delenv("EMKG_SPARQL_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    dist = _dist(tmp_path, make_release("A"))
    endpoint = "http://127.0.0.1:9/sparql-auth"
    code = cli.main(["load", "--endpoint", endpoint, "--user", "dba", "--dist", str(dist)])
    assert code == 2
    assert "no password for user dba" in capsys.readouterr().err


@pytest.mark.server
def test_a_lock_left_by_a_dead_load_refuses_the_next_until_broken(
    oxigraph_url: str, srv: SparqlServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    LoadLock(srv, "20200101T000000Z-dead00", log=lambda _m: None).acquire()  # never released
    dist = _dist(tmp_path, make_release("D", ("ontology",)))
    endpoint = f"{oxigraph_url}/query"
    capsys.readouterr()
    assert cli.main(["load", "--endpoint", endpoint, "--dist", str(dist)]) == 4
    err = capsys.readouterr().err
    assert "being loaded by another emkg load: run 20200101T000000Z-dead00 of " in err
    assert "(server time); nothing was changed" in err
    assert "--break-lock" in err
    assert b'"D-0"' not in (srv.get_graph(f"{GRAPH_BASE}ontology") or (b"", ""))[0]
    code = cli.main(["load", "--endpoint", endpoint, "--dist", str(dist), "--break-lock"])
    _out, err = capsys.readouterr()
    assert code == 0, err
    assert "broke the load lock of run 20200101T000000Z-dead00" in err
    assert srv.graphs_under(LOCK_GRAPH) == []


@pytest.mark.server
def test_a_second_load_waits_for_the_lock_when_asked(
    oxigraph_url: str,
    srv: SparqlServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from emkg.commands import load as load_command

    holder = LoadLock(srv, "20200101T000000Z-live00", log=lambda _m: None)
    holder.acquire()
    # the holder lets go once the second load has said that it waits (a release after a
    # fixed 2.5 s bet that the load reached the lock by then, which a loaded machine lost)
    waiting = threading.Event()
    said = load_command._err

    def err(message: str) -> None:
        said(message)
        if "waiting for the load of" in message:
            waiting.set()

    monkeypatch.setattr(load_command, "_err", err)
    releaser = threading.Thread(target=lambda: (waiting.wait(60), holder.release()))
    releaser.start()
    dist = _dist(tmp_path, make_release("E", ("ontology",)))
    endpoint = f"{oxigraph_url}/query"
    try:
        code = cli.main(["load", "--endpoint", endpoint, "--dist", str(dist), "--wait", "30"])
    finally:
        releaser.join()
    _out, err = capsys.readouterr()
    assert code == 0, err
    assert "waiting for the load of" in err
    assert "run 20200101T000000Z-live00" in err
    assert content(srv, f"{GRAPH_BASE}ontology") == canonical(
        graphs_from_nquads(make_release("E", ("ontology",)))[0].ntriples
    )
    assert srv.graphs_under(LOCK_GRAPH) == []


def current_sources():
    """A hand-made release's manifest: stamped as built from the sources as they are now."""
    return stamp_inputs(build.source_files(), [])
