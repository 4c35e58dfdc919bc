"""Every saved ``.rq`` file, sent unchanged to a real SPARQL server, gives emkg's default answer.

A user loads the release into their own store and posts a query file as it stands (the
default of each parameter is part of the query: the VALUES block that opens its WHERE group).
``scripts/stores.sh`` installs and starts an Oxigraph server (PyPI ``oxigraph``) with the union
of the named graphs as the default graph; the release is built into a temporary folder and
loaded over the Graph Store Protocol with the query catalogue ``queries.ttl`` in a graph of its
own. Each file's bytes are POSTed as ``application/sparql-query`` and the JSON answer must
equal what ``emkg query ID`` answers on the embedded store from the same release, where the
default is bound through pyoxigraph's substitutions after emkg removes the block.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from emkg import paths
from emkg.catalogue import QueryEntry, load_catalogue
from emkg.engines import OxigraphEngine
from emkg.results import ResultTable, table_from_sparql_json
from emkg.runner import run_query

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
STORES = ROOT / "scripts" / "stores.sh"
QUERY_FILES = sorted(paths.queries_dir().glob("*/*.rq"))
CATALOGUE_GRAPH = "https://w3id.org/emkg/graph/queries"


def _post(url: str, data: bytes, content_type: str, accept: str | None = None) -> bytes:
    headers = {"Content-Type": content_type}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=300) as response:
        return bytes(response.read())


@pytest.fixture(scope="module")
def release(curated_release: Path) -> Path:
    return curated_release


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, release: Path) -> Iterator[str]:
    state = tmp_path_factory.mktemp("stores") / "state.env"
    env = {**os.environ, "EMKG_STORES_STATE": str(state)}
    started = subprocess.run(
        ["bash", str(STORES), "start", "--only", "oxigraph", "--owner", str(os.getpid())],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        if started.returncode != 0:
            pytest.fail(f"scripts/stores.sh start failed:\n{started.stderr[-2000:]}")
        lines = state.read_text(encoding="utf-8").splitlines()
        url = dict(line.split("=", 1) for line in lines if "=" in line)["OXIGRAPH_URL"]
        _post(f"{url}/store", (release / "emkg.nq").read_bytes(), "application/n-quads")
        _post(
            f"{url}/store?graph={CATALOGUE_GRAPH}",
            (release / "queries.ttl").read_bytes(),
            "text/turtle",
        )
        yield url
    finally:
        subprocess.run(["bash", str(STORES), "stop"], env=env, timeout=120, check=False)


@pytest.fixture(scope="module")
def embedded(release: Path) -> OxigraphEngine:
    return OxigraphEngine.from_nquads(release / "emkg.nq")


def _as_written(url: str, path: Path) -> ResultTable:
    answer = _post(
        f"{url}/query",
        path.read_bytes(),  # the file exactly as it is saved
        "application/sparql-query",
        "application/sparql-results+json",
    )
    return table_from_sparql_json(json.loads(answer))


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_a_saved_query_sent_as_it_stands_gives_the_default_answer(
    path: Path, server: str, embedded: OxigraphEngine
) -> None:
    entry = load_catalogue().get(path.stem)
    expected = run_query(entry, {}, embedded)
    got = _as_written(server, path)
    assert got.columns == expected.columns
    assert sorted(map(repr, got.rows)) == sorted(map(repr, expected.rows))
    if "ORDER BY" in entry.text:  # same order too where the query fixes one (the export
        assert got == expected  # tables leave it out: their row order is the store's)


def _entries_with_defaults() -> list[QueryEntry]:
    return [e for e in load_catalogue() if any(p.default is not None for p in e.params)]


@pytest.mark.parametrize("entry", _entries_with_defaults(), ids=lambda e: e.id)
def test_the_default_block_restricts_the_answer(
    entry: QueryEntry, embedded: OxigraphEngine
) -> None:
    # without its VALUES block the query answers for any value (the reported defect: CQ1 gave
    # the EM sites after any therapy): the block is what makes the text mean the default
    as_written = embedded.select(entry.text)
    unrestricted = embedded.select(entry.text_for(p.name for p in entry.params))
    assert len(as_written) < len(unrestricted)


def test_cq1_as_written_answers_for_blinatumomab_only(server: str) -> None:
    # Johns 2024: both cases received blinatumomab before their EM findings; the default is
    # blinatumomab, so every row's therapy is emkg:Blinatumomab (and there are rows)
    (path,) = [p for p in QUERY_FILES if p.stem.startswith("cq01-")]
    table = _as_written(server, path)
    therapies = {str(row[table.columns.index("therapy")]) for row in table.rows}
    assert therapies == {"https://w3id.org/emkg/ontology#Blinatumomab"}


def test_a_store_user_finds_the_questions_with_sparql(server: str) -> None:
    query = """
    PREFIX sh: <http://www.w3.org/ns/shacl#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX schema: <https://schema.org/>
    PREFIX dcterms: <http://purl.org/dc/terms/>
    SELECT ?id ?title ?text ?default WHERE {
      GRAPH ?g {
        ?q a sh:SPARQLSelectExecutable ; dcterms:identifier ?id ; rdfs:label ?title ;
           rdfs:comment ?comment ; sh:select ?text ; schema:keywords "competency question" .
        OPTIONAL { ?q sh:parameter/sh:defaultValue ?default }
      }
    } ORDER BY ?id
    """
    answer = _post(
        f"{server}/query", query.encode(), "application/sparql-query", "application/json"
    )
    table = table_from_sparql_json(json.loads(answer))
    cqs = [e for e in load_catalogue() if e.kind == "cq"]
    assert [str(row[0]) for row in table.rows] == [e.id for e in cqs]
    by_id = {str(row[0]): row for row in table.rows}
    cq01 = by_id["cq01-em-sites-after-therapy"]
    assert str(cq01[3]) == "https://w3id.org/emkg/ontology#Blinatumomab"
    # the text in the catalogue is the saved query itself: it runs and gives the same answer
    for entry in cqs:
        text = str(by_id[entry.id][2])
        assert text in entry.text
        again = _post(
            f"{server}/query",
            text.encode(),
            "application/sparql-query",
            "application/sparql-results+json",
        )
        assert table_from_sparql_json(json.loads(again)) == _as_written(server, entry.path)
