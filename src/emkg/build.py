"""Assemble the ontology, its imports and the curated graph into release files.

The release (default ``dist/``) holds:

* ``emkg.ttl`` / ``emkg.nt`` / ``emkg.jsonld``: everything in one graph;
* ``emkg.trig`` / ``emkg.nq``: one named graph for the ontology and its imports and one
  per source publication (one ``kg/*.ttl`` file each);
* ``shapes.ttl``: every SHACL shape in one file, and ``ontology.ttl``: the ontology with its
  imports, the data bundle to validate against (``docs/validating.md``);
* ``queries.ttl``: the saved queries as SPARQL examples (``sh:SPARQLSelectExecutable``), so
  that a store user can find the questions with SPARQL (:mod:`emkg.catalogue_rdf`);
* ``void.ttl``: a VoID/DCAT description of the dataset with its version, counts and files;
* ``store/``: an on-disk Oxigraph store of every named graph, users' ``--data`` graphs
  included, which ``emkg query``, ``load`` and ``serve`` open read-only (:mod:`emkg.release`).

The whole folder is written next to the target and swapped in at the end (:mod:`emkg.swap`),
so a failed build leaves the previous release untouched, and the folder holds only what the
build made.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID, XSD
from rdflib.term import Node

from emkg import paths, release, swap
from emkg.catalogue_rdf import catalogue_turtle
from emkg.errors import InputError, describe_os_error
from emkg.rdfio import parse_into
from emkg.skolem import stable_dataset, stable_graph

EMKG = Namespace("https://w3id.org/emkg/ontology#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
GRAPH_BASE = release.GRAPH_BASE
ONTOLOGY_GRAPH = URIRef(GRAPH_BASE + "ontology")
DATASET_IRI = URIRef("https://w3id.org/emkg/dataset")
ONTOLOGY_IRI = URIRef("https://w3id.org/emkg/ontology")

#: file name -> (rdflib serializer, media type)
RELEASE_FILES: dict[str, tuple[str, str]] = {
    "emkg.ttl": ("turtle", "text/turtle"),
    "emkg.nt": ("nt", "application/n-triples"),
    "emkg.jsonld": ("json-ld", "application/ld+json"),
    "emkg.trig": ("trig", "application/trig"),
    "emkg.nq": ("nquads", "application/n-quads"),
}
_QUAD_FILES = {"emkg.trig", "emkg.nq"}
#: release files that are not the graph: file name -> media type
SIDE_FILES: dict[str, str] = {
    "queries.ttl": "text/turtle",  # the saved queries as SPARQL examples (emkg.catalogue_rdf)
    "shapes.ttl": "text/turtle",  # every SHACL shape of shapes/, in one file
    "ontology.ttl": "text/turtle",  # the ontology and its imports: the data bundle for SHACL
}

#: dataset statistics: name -> (class IRI counted, label)
_COUNTED_CLASSES: dict[str, URIRef] = {
    "patients": EMKG.Patient,
    "emFindings": EMKG.EMFinding,
    "therapyLines": EMKG.TherapyLine,
    "therapyComponents": EMKG.TherapyComponent,
    "literatureClaims": EMKG.LiteratureClaim,
    "publications": EMKG.Publication,
}


def ontology_files() -> list[Path]:
    """The ontology and its imports, in a fixed order."""
    files = [paths.ontology_file()]
    imports = paths.imports_dir()
    if imports.is_dir():
        files += sorted(imports.glob("*.ttl"))
    return files


def kg_files() -> list[Path]:
    """The curated graph: one Turtle file per source publication.

    Anything else in ``kg/`` (another RDF format, a text file, a folder) is refused rather
    than silently left out of the release; hidden files (editor swap files) are ignored.
    """
    folder = paths.kg_dir()
    found: list[Path] = []
    for item in sorted(folder.iterdir()) if folder.is_dir() else []:
        if item.name.startswith("."):
            continue
        if item.suffix != ".ttl" or not item.is_file():
            kind = "a folder" if item.is_dir() else f"a {item.suffix or 'suffix-less'} file"
            raise InputError(
                f"kg/ holds only Turtle files (*.ttl), one per source publication; this is {kind}",
                path=item,
                hint="move it out of kg/, or convert it to Turtle and name it <source>.ttl",
            )
        found.append(item)
    return found


def source_files() -> list[Path]:
    return ontology_files() + kg_files()


def graph_iri_for(kg_file: Path) -> URIRef:
    """The named graph of one source publication's file (``kg/johns2024.ttl`` -> .../johns2024)."""
    return URIRef(GRAPH_BASE + Path(kg_file).stem)


def assemble(kg: Sequence[Path] | None = None) -> Dataset:
    """Parse ontology, imports and curated files into a Dataset of named graphs.

    Raises :class:`InputError` naming the file and line of the first unreadable file.
    """
    ds = Dataset()
    onto = ds.graph(ONTOLOGY_GRAPH)
    for path in ontology_files():
        parse_into(onto, path)
    for path in kg if kg is not None else kg_files():
        parse_into(ds.graph(graph_iri_for(path)), path)
    return ds


def shape_files() -> list[Path]:
    """The SHACL shapes, one file per concern (``shapes/*.ttl``)."""
    return sorted(paths.shapes_dir().glob("*.ttl"))


def shapes_graph() -> Graph:
    """Every shape of ``shapes/`` in one graph (the release's ``shapes.ttl``)."""
    graph = Graph()
    for path in shape_files():
        parse_into(graph, path)
    return graph


def union_graph(ds: Dataset) -> Graph:
    """All triples of all named graphs in one Graph (namespaces kept)."""
    g = Graph()
    for prefix, ns in ds.namespaces():
        g.bind(prefix, ns, override=False)
    for s, p, o, _ctx in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


@dataclass
class BuildReport:
    out_dir: Path
    files: dict[str, int] = field(default_factory=dict)  # file name -> bytes
    counts: dict[str, int] = field(default_factory=dict)
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples
    reused: list[str] = field(default_factory=list)  # users' graphs taken over unchanged
    seconds: dict[str, float] = field(default_factory=dict)  # step -> wall seconds


def _count(store: ox.Store, query: str) -> int:
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    for solution in result:
        value = solution["n"]
        assert isinstance(value, ox.Literal)
        return int(value.value)
    return 0


def dataset_counts(store: ox.Store, graphs: dict[str, int]) -> dict[str, int]:
    """Counts for the VoID description, computed in the store (``graphs``: IRI -> triples).

    ``triples``: the distinct triples of the ontology and ``kg/`` graphs (a triple stated in
    two sources' graphs counts once) plus the triples of each users' ``--data`` graph, counted
    per graph (a triple repeated in two users' files counts twice; a users' graph is never
    compared triple by triple with the rest, which would cost a pass over every triple).
    """
    curated = " ".join(f"<{g}>" for g in graphs if not g.startswith(release.DATA_GRAPH_BASE))
    distinct = (
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE "
        f"{{ VALUES ?g {{ {curated} }} GRAPH ?g {{ ?s ?p ?o }} }} }}"
    )
    users = sum(n for g, n in graphs.items() if g.startswith(release.DATA_GRAPH_BASE))
    counts = {"triples": _count(store, distinct) + users}
    for name, cls in _COUNTED_CLASSES.items():
        counts[name] = _count(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{cls}> }}")
    return counts


graph_counts = release.graph_counts


def _ontology_version_iri(ds: Dataset) -> URIRef:
    onto = ds.graph(ONTOLOGY_GRAPH)
    for version in onto.objects(ONTOLOGY_IRI, OWL.versionIRI):
        if isinstance(version, URIRef):
            return version
    return ONTOLOGY_IRI


#: the dataset has no single licence: each named graph (void:subset) states its own
DATASET_RIGHTS = (
    "Licences differ by named graph; each void:subset states its dcterms:license or, where "
    "its source states none, its dcterms:rights (what is redistributed). The emkg ontology "
    "and curated statements are CC BY 4.0; quotations keep the licence of their source; the "
    "UBERON import is CC BY 3.0. See LICENSE-DATA.md."
)
IANA_MEDIA = "https://www.iana.org/assignments/media-types/"
SHA256 = SPDX.checksumAlgorithm_sha256
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3


def media_type(name: str) -> str:
    """The media type of a release file."""
    return RELEASE_FILES[name][1] if name in RELEASE_FILES else SIDE_FILES[name]


def void_description(
    ds: Dataset, counts: dict[str, int], graphs: dict[str, int], files: dict[str, bytes]
) -> Graph:
    """VoID + DCAT description of the release: no blank nodes, no dates, so it is stable.

    Each file is a ``dcat:Distribution`` with its media type as an IANA IRI, its size and an
    ``spdx:Checksum`` node (SHA-256, ``xsd:hexBinary``) named after the file.
    """
    from emkg import __version__

    g = Graph()
    g.bind("void", VOID)
    g.bind("dcat", DCAT)
    g.bind("dcterms", DCTERMS)
    g.bind("emkg", EMKG)
    g.bind("spdx", SPDX)
    d = DATASET_IRI
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal("emkg: extramedullary B-ALL knowledge graph", lang="en")))
    g.add((d, DCTERMS.rights, Literal(DATASET_RIGHTS, lang="en")))
    g.add((d, DCTERMS.hasVersion, Literal(__version__)))
    g.add((d, DCAT_VERSION, Literal(__version__)))
    g.add((d, OWL.versionInfo, Literal(__version__)))
    g.add((d, DCTERMS.conformsTo, _ontology_version_iri(ds)))
    g.add((d, VOID.triples, Literal(counts["triples"], datatype=XSD.integer)))
    g.add((d, VOID.vocabulary, URIRef("https://w3id.org/emkg/ontology#")))
    for name, cls in _COUNTED_CLASSES.items():
        part = URIRef(f"{DATASET_IRI}/partition/{name}")
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(counts[name], datatype=XSD.integer)))
    for graph_iri, n in sorted(graphs.items()):
        sub = URIRef(graph_iri)
        g.add((d, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(n, datatype=XSD.integer)))
        for stated in ds.graph(sub).objects(None, DCTERMS.license):
            g.add((sub, DCTERMS.license, stated))
        for rights in ds.graph(sub).objects(None, DCTERMS.rights):
            g.add((sub, DCTERMS.rights, rights))
    for name, data in sorted(files.items()):
        dist = URIRef(f"https://w3id.org/emkg/dataset/{name}")
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, URIRef(name, base="https://w3id.org/emkg/release/")))
        g.add((dist, DCAT.mediaType, URIRef(IANA_MEDIA + media_type(name))))
        g.add((dist, DCAT.byteSize, Literal(len(data), datatype=XSD.integer)))
        checksum = URIRef(f"{dist}#sha256")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SHA256))
        digest = hashlib.sha256(data).hexdigest()
        g.add((checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary)))
    return g


def jsonld_context() -> dict[str, str]:
    """The compact ``@context`` of ``emkg.jsonld``: the prefixes emkg reads and shows."""
    from emkg.prefixes import PREFIXES

    return dict(sorted(PREFIXES.items()))


def _sorted_graph(triples: Iterable[tuple[Node, Node, Node]], like: Dataset) -> Graph:
    g = Graph()
    for prefix, ns in like.namespaces():
        g.bind(prefix, ns, override=False)
    for triple in sorted(set(triples), key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3())):
        g.add(triple)
    return g


def _sorted_json(value: Any, in_list: bool = False) -> Any:
    """JSON-LD with every unordered array sorted (``@list`` arrays keep their order)."""
    if isinstance(value, dict):
        return {k: _sorted_json(v, in_list=(k == "@list")) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return items if in_list else sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _stable_jsonld(text: str) -> bytes:
    """``emkg.jsonld`` with a stable order of nodes, keys and values (a JSON-LD value array
    is a set unless it is an ``@list``), so that the same graph gives the same bytes."""
    document = _sorted_json(json.loads(text))
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _stable_trig(stable: Dataset) -> bytes:
    """TriG with the named graphs in IRI order, each written as rdflib writes one graph."""
    prefixes: dict[str, str] = {}
    blocks: list[str] = []
    names = sorted(str(g.identifier) for g in stable.graphs() if len(g))
    for name in names:
        single = Dataset()
        for prefix, ns in stable.namespaces():
            single.bind(prefix, ns, override=False)
        target = single.graph(URIRef(name))
        for triple in stable.graph(URIRef(name)):
            target.add(triple)
        body: list[str] = []
        for line in single.serialize(format="trig").splitlines():
            if line.startswith("@prefix "):
                prefix, _sep, rest = line[len("@prefix ") :].partition(" ")
                prefixes[prefix] = rest
            elif line.strip():
                body.append(line)
        blocks.append("\n".join(body))
    head = [f"@prefix {p} {rest}" for p, rest in sorted(prefixes.items())]
    return ("\n".join(head) + "\n\n" + "\n\n".join(blocks) + "\n").encode("utf-8")


def release_files(ds: Dataset) -> tuple[dict[str, bytes], Dataset]:
    """The release files of the curated dataset as bytes, VoID apart, and the stable dataset.

    The same input gives the same bytes: blank nodes get names derived from their content
    (those of the curated graph are skolemised, :mod:`emkg.skolem`), triples are added and
    lines written in sorted order, and nothing records the time of the build.
    """
    stable = stable_dataset(ds, keep_blank=[ONTOLOGY_GRAPH])
    union = _sorted_graph(((s, p, o) for s, p, o, _g in stable.quads()), stable)
    files: dict[str, bytes] = {}
    for name, (fmt, _media) in RELEASE_FILES.items():
        source: Graph = stable if name in _QUAD_FILES else union
        if name == "emkg.jsonld":
            data = _stable_jsonld(source.serialize(format=fmt, context=jsonld_context()))
        elif name == "emkg.trig":
            data = _stable_trig(stable)
        else:
            data = source.serialize(format=fmt, encoding="utf-8")
        if name in {"emkg.nt", "emkg.nq"}:  # stable line order for diffs and checksums
            lines = sorted(line for line in data.decode("utf-8").splitlines() if line.strip())
            data = ("\n".join(lines) + "\n").encode("utf-8")
        files[name] = data
    files["queries.ttl"] = catalogue_turtle()
    files["shapes.ttl"] = stable_graph(shapes_graph()).serialize(format="turtle", encoding="utf-8")
    files["ontology.ttl"] = _sorted_graph(stable.graph(ONTOLOGY_GRAPH), stable).serialize(
        format="turtle", encoding="utf-8"
    )
    return files, stable


def serialize_release(ds: Dataset) -> tuple[dict[str, bytes], BuildReport]:
    """All release files as bytes, plus counts, from an in-memory store; nothing is written."""
    files, stable = release_files(ds)
    store = ox.Store()
    store.load(files["emkg.nq"], format=ox.RdfFormat.N_QUADS)
    graphs = graph_counts(store)
    counts = dataset_counts(store, graphs)
    void = void_description(stable, counts, graphs, files)
    files["void.ttl"] = void.serialize(format="turtle", encoding="utf-8")
    report = BuildReport(out_dir=Path(), counts=counts, graphs=graphs)
    report.files = {name: len(data) for name, data in files.items()}
    return files, report


def build_into(
    folder: Path,
    dataset: Dataset | None = None,
    data: Sequence[release.DataFile] = (),
    inputs: release.Manifest | None = None,
    reuse: release.Reuse | None = None,
) -> BuildReport:
    """Write the release files and the store into ``folder`` (an empty staging folder).

    ``data``: users' files checked by :func:`emkg.release.data_files`, one named graph each;
    ``inputs``: the sources stamped before they were read (:func:`emkg.release.stamp_inputs`);
    ``reuse``: unchanged users' graphs to take over from the previous release's store
    (:func:`emkg.release.reuse_plan`). No swap: the caller publishes the folder.
    """
    started = time.perf_counter()
    if inputs is None:
        inputs = release.stamp_inputs(source_files(), data)
    ds = dataset if dataset is not None else assemble()
    assembled = time.perf_counter() - started
    made: list[tuple[dict[str, bytes], Dataset]] = []

    def curated_nquads() -> bytes:  # called while the users' files load
        made.append(release_files(ds))
        return made[0][0]["emkg.nq"]

    written = release.write_store(
        folder / release.STORE_DIR,
        curated_nquads,
        data,
        inputs=inputs,
        counts=dataset_counts,
        reuse=reuse,
    )
    files, stable = made[0]
    graphs = written.manifest.graphs
    void = void_description(stable, written.counts, graphs, files)
    files["void.ttl"] = void.serialize(format="turtle", encoding="utf-8")
    for name, content in files.items():
        (folder / name).write_bytes(content)  # a plain write: umask-default permissions
    report = BuildReport(out_dir=folder, counts=written.counts, graphs=graphs)
    report.files = {name: len(content) for name, content in files.items()}
    report.reused = written.reused
    seconds = dict(written.seconds)
    report.seconds = {"curated": assembled + seconds.pop("curated", 0.0), **seconds}
    return report


def build(
    out_dir: Path | None = None,
    data: Sequence[Path] = (),
    dataset: Dataset | None = None,
    *,
    fresh: bool = False,
) -> BuildReport:
    """Assemble and write the release to ``out_dir`` (default ``dist/``) atomically.

    ``data`` adds users' case graph files, one named graph each in the store (see
    :mod:`emkg.release`); ``dataset``: the sources already assembled by :func:`assemble`.
    The folder is written beside ``out_dir`` and swapped in whole (see :mod:`emkg.swap`): it
    then holds only what this build made, and a failed build leaves the previous release.
    The users' graphs of the previous release whose files are unchanged are taken over from
    its store instead of being loaded again (:func:`emkg.release.reuse_plan`), unless
    ``fresh``.
    """
    out = (Path(out_dir) if out_dir is not None else paths.default_dist()).resolve()
    items = release.data_files(data)
    swap.recover(out)
    inputs = release.stamp_inputs(source_files(), items)  # as found before reading them
    reuse = None if fresh else release.reuse_plan(out, items, inputs)
    started = time.perf_counter()
    ds = dataset if dataset is not None else assemble()
    assembled = time.perf_counter() - started
    folder = swap.staging(out)
    try:
        report = build_into(folder, ds, items, inputs, reuse)
        report.seconds["curated"] += assembled
        swap.publish(folder, out)
    except OSError as exc:
        what, hint = describe_os_error(exc)
        raise InputError(
            f"cannot write the release: {what}",
            path=out,
            hint=f"{hint} (--out); the previous release, if any, is unchanged",
        ) from exc
    finally:
        swap.discard(folder)
    report.out_dir = out
    return report
