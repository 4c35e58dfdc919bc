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
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID, XSD

from emkg import paths, rdfwrite, release, swap
from emkg.catalogue_rdf import catalogue_turtle
from emkg.errors import InputError, describe_os_error
from emkg.rdfio import parse_into
from emkg.results import to_oxigraph
from emkg.skolem import stable_quads, stable_triples

EMKG = Namespace("https://w3id.org/emkg/ontology#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
GRAPH_BASE = release.GRAPH_BASE
ONTOLOGY_GRAPH = URIRef(GRAPH_BASE + "ontology")
DATASET_IRI = URIRef("https://w3id.org/emkg/dataset")
ONTOLOGY_IRI = URIRef("https://w3id.org/emkg/ontology")

#: the graph's release files: file name -> media type
RELEASE_FILES: dict[str, str] = {
    "emkg.ttl": "text/turtle",
    "emkg.nt": "application/n-triples",
    "emkg.jsonld": "application/ld+json",
    "emkg.trig": "application/trig",
    "emkg.nq": "application/n-quads",
}
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


def _ontology_version_iri(quads: Sequence[ox.Quad]) -> URIRef:
    graph, subject, predicate = (
        ox.NamedNode(str(t)) for t in (ONTOLOGY_GRAPH, ONTOLOGY_IRI, OWL.versionIRI)
    )
    for quad in quads:
        found = quad.graph_name == graph and quad.subject == subject
        if found and quad.predicate == predicate and isinstance(quad.object, ox.NamedNode):
            return URIRef(quad.object.value)
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
    return RELEASE_FILES[name] if name in RELEASE_FILES else SIDE_FILES[name]


#: the prefixes of ``void.ttl``
VOID_PREFIXES: dict[str, str] = {
    "dcat": str(DCAT),
    "dcterms": str(DCTERMS),
    "emkg": str(EMKG),
    "owl": str(OWL),
    "spdx": str(SPDX),
    "void": str(VOID),
    "xsd": str(XSD),
}


def void_description(
    quads: Sequence[ox.Quad],
    counts: dict[str, int],
    graphs: dict[str, int],
    files: dict[str, bytes],
) -> list[ox.Triple]:
    """VoID + DCAT description of the release: no blank nodes, no dates, so it is stable.

    ``quads``: the curated release (:func:`emkg.skolem.stable_quads`), whose graphs state
    their licences. Each file is a ``dcat:Distribution`` with its media type as an IANA IRI,
    its size and an ``spdx:Checksum`` node (SHA-256, ``xsd:hexBinary``) named after the file.
    """
    from emkg import __version__

    g: list[ox.Triple] = []

    def add(s: URIRef, p: URIRef, o: URIRef | Literal | ox.NamedNode | ox.Literal) -> None:
        obj = o if isinstance(o, ox.NamedNode | ox.Literal) else to_oxigraph(o)
        g.append(ox.Triple(ox.NamedNode(str(s)), ox.NamedNode(str(p)), obj))

    stated: dict[tuple[str, str], list[ox.NamedNode | ox.Literal]] = {}
    wanted = {str(DCTERMS.license), str(DCTERMS.rights)}
    for quad in quads:
        if quad.predicate.value in wanted and isinstance(quad.object, ox.NamedNode | ox.Literal):
            key = (str(quad.graph_name.value), quad.predicate.value)  # type: ignore[union-attr]
            stated.setdefault(key, []).append(quad.object)
    d = DATASET_IRI
    add(d, RDF.type, VOID.Dataset)
    add(d, RDF.type, DCAT.Dataset)
    add(d, DCTERMS.title, Literal("emkg: extramedullary B-ALL knowledge graph", lang="en"))
    add(d, DCTERMS.rights, Literal(DATASET_RIGHTS, lang="en"))
    add(d, DCTERMS.hasVersion, Literal(__version__))
    add(d, DCAT_VERSION, Literal(__version__))
    add(d, OWL.versionInfo, Literal(__version__))
    add(d, DCTERMS.conformsTo, _ontology_version_iri(quads))
    add(d, VOID.triples, Literal(counts["triples"], datatype=XSD.integer))
    add(d, VOID.vocabulary, URIRef("https://w3id.org/emkg/ontology#"))
    for name, cls in _COUNTED_CLASSES.items():
        part = URIRef(f"{DATASET_IRI}/partition/{name}")
        add(d, VOID.classPartition, part)
        add(part, VOID["class"], cls)
        add(part, VOID.entities, Literal(counts[name], datatype=XSD.integer))
    for graph_iri, n in sorted(graphs.items()):
        sub = URIRef(graph_iri)
        add(d, VOID.subset, sub)
        add(sub, RDF.type, VOID.Dataset)
        add(sub, VOID.triples, Literal(n, datatype=XSD.integer))
        for predicate in (DCTERMS.license, DCTERMS.rights):
            for value in stated.get((graph_iri, str(predicate)), []):
                add(sub, predicate, value)
    for name, data in sorted(files.items()):
        dist = URIRef(f"https://w3id.org/emkg/dataset/{name}")
        add(d, DCAT.distribution, dist)
        add(dist, RDF.type, DCAT.Distribution)
        add(dist, DCAT.downloadURL, URIRef(name, base="https://w3id.org/emkg/release/"))
        add(dist, DCAT.mediaType, URIRef(IANA_MEDIA + media_type(name)))
        add(dist, DCAT.byteSize, Literal(len(data), datatype=XSD.integer))
        checksum = URIRef(f"{dist}#sha256")
        add(dist, SPDX.checksum, checksum)
        add(checksum, RDF.type, SPDX.Checksum)
        add(checksum, SPDX.algorithm, SHA256)
        digest = hashlib.sha256(data).hexdigest()
        add(checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary))
    return g


def void_turtle(triples: list[ox.Triple]) -> bytes:
    """``void.ttl``: the description in Turtle."""
    return rdfwrite.turtle(rdfwrite.sorted_triples(triples), VOID_PREFIXES)


def jsonld_context() -> dict[str, str]:
    """The compact ``@context`` of ``emkg.jsonld``: the prefixes emkg reads and shows."""
    from emkg.prefixes import PREFIXES

    return dict(sorted(PREFIXES.items()))


def _prefixes(graph: Graph) -> dict[str, str]:
    """The prefixes bound in ``graph`` (the sources' own, and rdflib's)."""
    return {prefix: str(namespace) for prefix, namespace in graph.namespaces() if prefix}


def release_files(ds: Dataset) -> tuple[dict[str, bytes], list[ox.Quad]]:
    """The release files of the curated dataset as bytes, VoID apart, and the stable quads.

    The same input gives the same bytes: blank nodes get names derived from their content
    (those of the curated graph are skolemised, :mod:`emkg.skolem`), statements are written
    in sorted order (:mod:`emkg.rdfwrite`), and nothing records the time of the build.
    """
    quads = stable_quads(ds, keep_blank=[ONTOLOGY_GRAPH])
    union = rdfwrite.sorted_triples(q.triple for q in quads)
    prefixes = _prefixes(ds)
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    shapes = shapes_graph()
    files = {
        "emkg.ttl": rdfwrite.turtle(union, prefixes),
        "emkg.nt": rdfwrite.ntriples(union),
        "emkg.jsonld": rdfwrite.jsonld(union, jsonld_context()),
        "emkg.trig": rdfwrite.trig(quads, prefixes),
        "emkg.nq": rdfwrite.nquads(quads),
        "queries.ttl": catalogue_turtle(),
        "shapes.ttl": rdfwrite.turtle(stable_triples(shapes), _prefixes(shapes)),
        "ontology.ttl": rdfwrite.turtle(
            [q.triple for q in quads if q.graph_name == ontology], prefixes
        ),
    }
    return files, quads


def serialize_release(ds: Dataset) -> tuple[dict[str, bytes], BuildReport]:
    """All release files as bytes, plus counts, from an in-memory store; nothing is written."""
    files, quads = release_files(ds)
    store = ox.Store()
    store.load(files["emkg.nq"], format=ox.RdfFormat.N_QUADS)
    graphs = graph_counts(store)
    counts = dataset_counts(store, graphs)
    files["void.ttl"] = void_turtle(void_description(quads, counts, graphs, files))
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
    made: list[tuple[dict[str, bytes], list[ox.Quad]]] = []

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
    files, quads = made[0]
    graphs = written.manifest.graphs
    files["void.ttl"] = void_turtle(void_description(quads, written.counts, graphs, files))
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
