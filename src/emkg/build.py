"""Assemble the ontology, its imports and the curated graph into release files.

The release (default ``dist/``) holds:

* ``emkg.ttl`` / ``emkg.nt`` / ``emkg.jsonld``: everything in one graph;
* ``emkg.trig`` / ``emkg.nq``: one named graph for the ontology and its imports and one
  per source publication (one ``kg/*.ttl`` file each);
* ``queries.ttl``: the saved queries as SPARQL examples (``sh:SPARQLSelectExecutable``), so
  that a store user can find the questions with SPARQL (:mod:`emkg.catalogue_rdf`);
* ``void.ttl``: a VoID/DCAT description of the dataset with its version, counts and files.

The whole folder is written next to the target and swapped in at the end, so a failed
build leaves the previous release untouched.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID, XSD

from emkg import __version__, paths
from emkg.catalogue_rdf import catalogue_turtle
from emkg.errors import InputError, describe_os_error
from emkg.rdfio import default_dir_mode, parse_into

EMKG = Namespace("https://w3id.org/emkg/ontology#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
GRAPH_BASE = "https://w3id.org/emkg/graph/"
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


def _oxigraph_store(nquads: bytes) -> ox.Store:
    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    return store


def _count(store: ox.Store, query: str) -> int:
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    for solution in result:
        value = solution["n"]
        assert isinstance(value, ox.Literal)
        return int(value.value)
    return 0


def dataset_counts(store: ox.Store) -> dict[str, int]:
    """Counts for the VoID description, computed in the store."""
    # distinct triples of the union: a triple stated in two sources' graphs counts once
    counts = {
        "triples": _count(
            store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
        )
    }
    for name, cls in _COUNTED_CLASSES.items():
        counts[name] = _count(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{cls}> }}")
    return counts


def graph_counts(store: ox.Store) -> dict[str, int]:
    out: dict[str, int] = {}
    result = store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    assert isinstance(result, ox.QuerySolutions)
    for sol in result:
        g, n = sol["g"], sol["n"]
        assert isinstance(g, ox.NamedNode)
        assert isinstance(n, ox.Literal)
        out[g.value] = int(n.value)
    return out


def _ontology_version_iri(ds: Dataset) -> URIRef:
    onto = ds.graph(ONTOLOGY_GRAPH)
    for version in onto.objects(ONTOLOGY_IRI, OWL.versionIRI):
        if isinstance(version, URIRef):
            return version
    return ONTOLOGY_IRI


def void_description(
    ds: Dataset, counts: dict[str, int], graphs: dict[str, int], files: dict[str, bytes]
) -> Graph:
    """VoID + DCAT description of the release."""
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
    g.add((d, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((d, DCTERMS.hasVersion, Literal(__version__)))
    g.add((d, OWL.versionInfo, Literal(__version__)))
    g.add((d, DCTERMS.conformsTo, _ontology_version_iri(ds)))
    g.add((d, VOID.triples, Literal(counts["triples"], datatype=XSD.integer)))
    g.add((d, VOID.vocabulary, URIRef("https://w3id.org/emkg/ontology#")))
    for name, cls in _COUNTED_CLASSES.items():
        part = BNode()
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(counts[name], datatype=XSD.integer)))
    for graph_iri, n in sorted(graphs.items()):
        sub = URIRef(graph_iri)
        g.add((d, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(n, datatype=XSD.integer)))
    for name, data in sorted(files.items()):
        dist = URIRef(f"https://w3id.org/emkg/dataset/{name}")
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, URIRef(name, base="https://w3id.org/emkg/release/")))
        media = RELEASE_FILES[name][1] if name in RELEASE_FILES else SIDE_FILES[name]
        g.add((dist, DCAT.mediaType, Literal(media)))
        g.add((dist, DCAT.byteSize, Literal(len(data), datatype=XSD.integer)))
        g.add((dist, SPDX.checksum, Literal("sha256:" + hashlib.sha256(data).hexdigest())))
    return g


def serialize_release(ds: Dataset) -> tuple[dict[str, bytes], BuildReport]:
    """All release files as bytes, plus counts; nothing is written."""
    union = union_graph(ds)
    files: dict[str, bytes] = {}
    for name, (fmt, _media) in RELEASE_FILES.items():
        source: Graph = ds if name in _QUAD_FILES else union
        data = source.serialize(format=fmt, encoding="utf-8")
        if name in {"emkg.nt", "emkg.nq"}:  # stable line order for diffs and checksums
            lines = sorted(line for line in data.decode("utf-8").splitlines() if line.strip())
            data = ("\n".join(lines) + "\n").encode("utf-8")
        files[name] = data
    files["queries.ttl"] = catalogue_turtle()
    store = _oxigraph_store(files["emkg.nq"])
    counts = dataset_counts(store)
    graphs = graph_counts(store)
    void = void_description(ds, counts, graphs, files)
    files["void.ttl"] = void.serialize(format="turtle", encoding="utf-8")
    report = BuildReport(out_dir=Path(), counts=counts, graphs=graphs)
    report.files = {name: len(data) for name, data in files.items()}
    return files, report


def build(out_dir: Path | None = None) -> BuildReport:
    """Assemble and write the release to ``out_dir`` (default ``dist/``) atomically."""
    out = Path(out_dir) if out_dir is not None else paths.default_dist()
    ds = assemble()
    files, report = serialize_release(ds)
    report.out_dir = out
    try:
        _write_folder_atomically(out, files)
    except OSError as exc:
        what, hint = describe_os_error(exc)
        raise InputError(
            f"cannot write the release: {what}",
            path=out,
            hint=f"{hint} (--out); the previous release, if any, is unchanged",
        ) from exc
    return report


def _write_folder_atomically(out: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into ``out``: built beside it, then swapped in by rename.

    Other files already in ``out`` (documentation, a store) are carried over.
    """
    out = out.resolve()
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not out.is_dir():
        raise InputError("output path exists and is not a folder", path=out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=parent))
    tmp.chmod(default_dir_mode())
    old = parent / f".{out.name}.old-{tmp.name.rsplit('-', 1)[-1]}"
    try:
        if out.is_dir():
            for item in out.iterdir():
                if item.name not in files:
                    target = tmp / item.name
                    if item.is_dir():
                        shutil.copytree(item, target, symlinks=True)
                    else:
                        shutil.copy2(item, target)
        for name, data in files.items():
            (tmp / name).write_bytes(data)  # a plain write: umask-default permissions
        if out.is_dir():
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
