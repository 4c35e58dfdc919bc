"""Validate the curated graph (or given RDF files) against the SHACL shapes in ``shapes/``.

Two engines give the same results (a parity test runs both on the curated graph and on every
shape fixture): ``oxigraph`` (the default, :mod:`emkg.shacl_oxigraph`) compiles each constraint
into one SPARQL query over all its focus nodes and runs it in Oxigraph, so the time grows
linearly with the number of patients; ``pyshacl`` is the reference, pySHACL in its advanced
mode (SHACL-AF SPARQL targets are used by a few shapes). ``auto`` takes oxigraph unless the
shapes use a SHACL feature it does not compile (then pySHACL).

What is validated is one graph: the input files plus the class hierarchy of the ontology
and its imports (``rdf:type``, ``rdfs:subClassOf`` and ``rdfs:isDefinedBy`` triples only),
so that ``sh:class``, ``sh:targetClass`` and the ``rdfs:subClassOf*`` paths of the
shapes see the hierarchy. Labels, definitions and mappings of the ontology play no part in
validation and are left out: the shapes' SPARQL scans then read the curated literals only.

Speed: pySHACL hands every SPARQL constraint to rdflib once per focus node, as query text;
rdflib parses the text each time, and parsing is about 90% of the time. While validating,
:func:`prepared_queries` lets rdflib's SPARQL processor reuse the parsed and translated
query for a text it has already seen (what ``rdflib.plugins.sparql.prepareQuery`` is for;
the bindings still come per call). It patches ``SPARQLProcessor.query`` for the duration of
the ``with`` block only, so it is not for use from several threads at once.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from emkg import build, paths
from emkg.errors import EmkgError, InputError
from emkg.rdfio import parse_into, read_graph

EMKG = Namespace("https://w3id.org/emkg/ontology#")
EMKGSH = Namespace("https://w3id.org/emkg/shapes#")

#: the validation engines (see the module docstring)
ENGINES: tuple[str, ...] = ("auto", "oxigraph", "pyshacl")

#: severities, most serious first
SEVERITIES: tuple[URIRef, ...] = (SH.Violation, SH.Warning, SH.Info)

_PREFIX_DECLARATION = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE
)


@dataclass(frozen=True)
class SourceFile:
    """One input file, parsed on its own, with the prefixes its text declares."""

    path: Path
    graph: Graph
    prefixes: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult of the report, flattened."""

    focus: Node
    severity: URIRef
    component: URIRef
    shape: Node
    constraint: Node | None
    path: Node | None
    value: Node | None
    message: str

    @property
    def check(self) -> Node:
        """The named check that fired: a named SPARQL constraint, else the shape."""
        if isinstance(self.constraint, URIRef):
            return self.constraint
        return self.shape


@dataclass
class Validation:
    """Everything a report needs: inputs, graphs, results and the time taken."""

    sources: list[SourceFile]
    data: Graph
    shapes: Graph
    ontology: Graph
    report: Graph
    results: list[ValidationResult]
    seconds: float
    engine: str = "pyshacl"
    #: the store the files were validated in (:func:`validate_files_in_store`), whose
    #: :class:`~emkg.storefacts.StoreFacts` answer the report's questions; else None
    facts: Any = None
    triples: int | None = None
    #: the compiled engine's result rows, when the report graph is made only if asked for
    rows: list[Any] | None = None

    def report_graph(self) -> Graph:
        """The SHACL validation report graph."""
        if self.rows is None:
            return self.report
        from emkg.shacl_oxigraph import report_graph

        return report_graph(self.rows, self.shapes)

    @property
    def size(self) -> int:
        """Triples validated (with the ontology's class hierarchy)."""
        return self.triples if self.triples is not None else len(self.data)

    def count(self, severity: URIRef) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> int:
        return self.count(SH.Violation)

    @property
    def conforms(self) -> bool:
        """No violation (warnings and infos do not count)."""
        return self.violations == 0


# ---------------------------------------------------------------------------
# Reading inputs
# ---------------------------------------------------------------------------


def declared_prefixes(path: Path) -> dict[str, str]:
    """The ``@prefix`` / ``PREFIX`` declarations in a Turtle or TriG file's text."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {m.group(1) or "": m.group(2) for m in _PREFIX_DECLARATION.finditer(text)}


def read_sources(files: Iterable[Path]) -> list[SourceFile]:
    """Parse each file on its own (Turtle, N-Triples, JSON-LD, TriG, N-Quads, RDF/XML).

    Raises :class:`InputError` naming the file and, where the parser gives it, the line.
    """
    sources = []
    for path in files:
        p = Path(path)
        sources.append(SourceFile(p, read_graph([p]), declared_prefixes(p)))
    return sources


def project_inputs(dataset: Dataset | None = None) -> tuple[list[SourceFile], Graph]:
    """The curated graph as ``emkg build`` assembles it, one source per ``kg/*.ttl`` file,
    and the ontology with its imports (``dataset``: already assembled, so not parsed again)."""
    dataset = dataset if dataset is not None else build.assemble()
    sources = []
    for path in build.kg_files():
        graph = Graph()
        for triple in dataset.graph(build.graph_iri_for(path)):
            graph.add(triple)
        sources.append(SourceFile(path, graph, declared_prefixes(path)))
    ontology = Graph()
    for triple in dataset.graph(build.ONTOLOGY_GRAPH):
        ontology.add(triple)
    return sources, ontology


def ontology_graph() -> Graph:
    """The ontology and its imports (``ontology/emkg.ttl``, ``ontology/imports/*.ttl``)."""
    graph = Graph()
    for path in build.ontology_files():
        parse_into(graph, path)
    return graph


def default_shape_files() -> list[Path]:
    return sorted(paths.shapes_dir().glob("*.ttl"))


def read_shapes(files: Sequence[Path] | None = None) -> Graph:
    """The shapes graph: the given files, or every ``shapes/*.ttl``."""
    chosen = list(files) if files else default_shape_files()
    if not chosen:
        raise InputError("no shapes to validate with", path=paths.shapes_dir())
    graph = Graph()
    for path in chosen:
        parse_into(graph, Path(path))
    shape_types = (SH.NodeShape, SH.PropertyShape)
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    if not any((None, RDF.type, kind) in graph for kind in shape_types) and not any(
        (None, predicate, None) in graph for predicate in targets
    ):
        raise InputError(
            "no SHACL shapes in "
            + ", ".join(str(p) for p in chosen)
            + " (no sh:NodeShape, sh:PropertyShape or target)",
            path=None,
            hint="give the files that hold the shapes with --shapes, or leave --shapes out to "
            "use shapes/",
        )
    return graph


def hierarchy(ontology: Graph) -> Graph:
    """The ``rdf:type``, ``rdfs:subClassOf`` and ``rdfs:isDefinedBy`` triples of the ontology.

    ``rdfs:isDefinedBy`` marks the classes of the UBERON import, which the anatomy checks accept
    where the checked tables give a class no is_a path to anatomical entity.
    """
    graph = Graph()
    for predicate in (RDF.type, RDFS.subClassOf, RDFS.isDefinedBy):
        for s, o in ontology.subject_objects(predicate):
            graph.add((s, predicate, o))
    return graph


# ---------------------------------------------------------------------------
# Running pySHACL
# ---------------------------------------------------------------------------

_PreparedKey = tuple[str, str | None, tuple[tuple[str, str], ...]]
_PREPARED: dict[_PreparedKey, Query] = {}
_PREPARED_LIMIT = 2048


@contextmanager
def prepared_queries() -> Iterator[None]:
    """Within the block, rdflib reuses parsed SPARQL queries (see the module docstring)."""
    original: Callable[..., Any] = SPARQLProcessor.query

    def query(
        self: SPARQLProcessor,
        str_or_query: str | Query,
        initBindings: Mapping[str, Any] | None = None,  # noqa: N803 - rdflib's name
        initNs: Mapping[str, Any] | None = None,  # noqa: N803 - rdflib's name
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803 - rdflib's name
    ) -> Any:
        if isinstance(str_or_query, str):
            namespaces = tuple(sorted((k, str(v)) for k, v in (initNs or {}).items()))
            key: _PreparedKey = (str_or_query, base, namespaces)
            prepared = _PREPARED.get(key)
            if prepared is None:
                if len(_PREPARED) >= _PREPARED_LIMIT:
                    _PREPARED.clear()
                prepared = translateQuery(parseQuery(str_or_query), base, initNs)
                _PREPARED[key] = prepared
            str_or_query = prepared
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    setattr(SPARQLProcessor, "query", query)  # noqa: B010 - a method cannot be assigned to
    try:
        yield
    finally:
        setattr(SPARQLProcessor, "query", original)  # noqa: B010


def _first(graph: Graph, subject: Node, predicate: URIRef) -> Node | None:
    for value in graph.objects(subject, predicate):
        return value
    return None


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[?$]\w+\}", template)
    return re.compile(".*".join(re.escape(p) for p in parts), re.DOTALL)


def _choose_message(messages: list[str], shape_templates: list[str]) -> str:
    """The most specific message: a constraint's own rather than its shape's."""
    if not messages:
        return ""
    if len(messages) > 1 and shape_templates:
        patterns = [_template_regex(t) for t in shape_templates]
        specific = [m for m in messages if not any(p.fullmatch(m) for p in patterns)]
        if specific:
            return sorted(specific)[0]
    return sorted(messages)[0]


def parse_results(report: Graph, shapes: Graph) -> list[ValidationResult]:
    """The top-level results of a pySHACL report (nested sh:detail results are left out)."""
    results = []
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        for r in report.objects(report_node, SH.result):
            shape = _first(report, r, SH.sourceShape)
            focus = _first(report, r, SH.focusNode)
            severity = _first(report, r, SH.resultSeverity)
            component = _first(report, r, SH.sourceConstraintComponent)
            if shape is None or focus is None:
                continue
            messages = [str(m) for m in report.objects(r, SH.resultMessage)]
            templates = [str(m) for m in shapes.objects(shape, SH.message)]
            results.append(
                ValidationResult(
                    focus=focus,
                    severity=severity if isinstance(severity, URIRef) else SH.Violation,
                    component=component if isinstance(component, URIRef) else SH.Violation,
                    shape=shape,
                    constraint=_first(report, r, SH.sourceConstraint),
                    path=_first(report, r, SH.resultPath),
                    value=_first(report, r, SH.value),
                    message=_choose_message(messages, templates),
                )
            )
    return sorted(results, key=_result_order)


def _result_order(r: ValidationResult) -> tuple[int, str, str, str, str, str]:
    return (
        SEVERITIES.index(r.severity) if r.severity in SEVERITIES else len(SEVERITIES),
        str(r.focus),
        str(r.check),
        str(r.path) if isinstance(r.path, URIRef) else "",
        str(r.value) if isinstance(r.value, URIRef | Literal) else "",
        r.message,
    )


def run_shacl(data: Graph, shapes: Graph) -> Graph:
    """Validate ``data`` in place with pySHACL; return the report graph."""
    import pyshacl

    with prepared_queries():
        try:
            _conforms, report, _text = pyshacl.validate(
                data,
                shacl_graph=shapes,
                advanced=True,
                inference="none",
                inplace=True,
                allow_warnings=True,
                allow_infos=True,
            )
        except Exception as exc:  # pySHACL raises its own types for unusable shapes
            raise InputError(
                f"the shapes cannot be used: {' '.join(str(exc).split())[:400]}",
                hint="check the shapes files with a SHACL-SHACL validation",
            ) from exc
    if not isinstance(report, Graph):  # pySHACL returns a ValidationFailure for bad shapes
        raise InputError(
            f"the shapes cannot be used: {' '.join(str(report).split())[:400]}",
            hint="check the shapes files with a SHACL-SHACL validation",
        )
    return report


def run_oxigraph(data: Graph, shapes: Graph) -> Graph:
    """Validate ``data`` with the SPARQL-compiled shapes in Oxigraph; return the report graph.

    Raises :class:`~emkg.shacl_oxigraph.UnsupportedShapes` for shapes it does not compile.
    """
    from emkg import shacl_oxigraph

    plan = shacl_oxigraph.Plan(shapes)
    rows = plan.run(shacl_oxigraph.store_from_graph(data))
    return shacl_oxigraph.report_graph(rows, shapes)


def _run_engine(data: Graph, shapes: Graph, engine: str) -> tuple[Graph, str]:
    if engine not in ENGINES:
        raise InputError(
            f"unknown validation engine {engine!r}", hint="one of " + ", ".join(ENGINES)
        )
    if engine in ("auto", "oxigraph"):
        from emkg.shacl_oxigraph import UnsupportedShapes

        try:
            return run_oxigraph(data, shapes), "oxigraph"
        except UnsupportedShapes as exc:
            if engine == "oxigraph":
                raise InputError(
                    f"the oxigraph engine cannot run these shapes: {exc}",
                    hint="use --engine pyshacl (or auto) for these shapes",
                ) from exc
        except (SyntaxError, ValueError, OSError) as exc:
            raise _unusable(exc) from exc
    return run_shacl(data, shapes), "pyshacl"


def _unusable(exc: Exception) -> InputError:
    return InputError(
        f"the shapes cannot be used: {' '.join(str(exc).split())[:400]}",
        hint="check the SPARQL of the shapes (sh:select) and the shapes files",
    )


def validate(
    sources: Sequence[SourceFile],
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    engine: str = "auto",
) -> Validation:
    """Validate the sources together with the ontology's class hierarchy."""
    shapes_graph = shapes if shapes is not None else read_shapes()
    onto = ontology if ontology is not None else ontology_graph()
    data = hierarchy(onto)
    for source in sources:
        for triple in source.graph:
            data.add(triple)
        for prefix, namespace in source.prefixes.items():
            if prefix:
                data.bind(prefix, namespace, override=False)
    started = time.perf_counter()
    report, used = _run_engine(data, shapes_graph, engine)
    seconds = time.perf_counter() - started
    return Validation(
        sources=list(sources),
        data=data,
        shapes=shapes_graph,
        ontology=onto,
        report=report,
        results=parse_results(report, shapes_graph),
        seconds=seconds,
        engine=used,
    )


def validate_files(
    files: Sequence[Path] | None = None,
    shape_files: Sequence[Path] | None = None,
    engine: str = "auto",
    dataset: Dataset | None = None,
) -> Validation:
    """Validate the given files, or the curated graph (``kg/``) when none are given.

    ``dataset``: the curated graph already assembled by :func:`emkg.build.assemble` (one
    parse per run for ``emkg all``)."""
    shapes = read_shapes(shape_files)
    if files:
        return validate(read_sources(files), shapes, ontology_graph(), engine)
    sources, ontology = project_inputs(dataset)
    return validate(sources, shapes, ontology, engine)


def _streamed_prefixes(path: Path) -> dict[str, str]:
    """:func:`declared_prefixes`, reading the file line by line (N-Triples and N-Quads
    declare none)."""
    if path.suffix.lower() in (".nt", ".nq"):
        return {}
    found: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                match = _PREFIX_DECLARATION.match(line)
                if match is not None:
                    found[match.group(1) or ""] = match.group(2)
    except OSError:
        return {}
    return found


#: input files larger than this in total are validated in an on-disk store in a temporary
#: folder: in memory, the store and the engine took 1.45 GB for a 10,000-patient cohort
#: (0.4 GB of N-Triples), so 1 GiB of input stays well under 8 GB
IN_MEMORY_LIMIT = 1 << 30


#: N-Triples input larger than this in total is validated in groups of patients
#: (:mod:`emkg.grouping`), each batch of groups in its own in-memory store
GROUP_LIMIT = 128 << 20
#: triples of one batch of groups (about 500 synthetic patients: per patient, batches of 300
#: and 500 cost about 6.3 ms of CPU, of 1,000 6.9 ms; the constraint queries grow a little
#: faster than the store)
BATCH_TRIPLES = 150_000
#: a group larger than this (about 7,000 synthetic patients linked together; its store would
#: take about 1 GB) is not validated apart: the whole graph is
MAX_GROUP_TRIPLES = 2_000_000
_NTRIPLES = (".nt", ".ntriples")


def validate_files_in_store(
    files: Sequence[Path],
    shape_files: Sequence[Path] | None = None,
    engine: str = "auto",
    *,
    grouped: bool | None = None,
) -> Validation:
    """Validate RDF files without an rdflib graph of them (``emkg validate FILE``).

    Each file is checked by :func:`emkg.rdfio.check_file` (streamed, file/line/column errors)
    and bulk-loaded into an Oxigraph store, one named graph per file, beside the ontology's
    class hierarchy; the compiled shapes run there, and the report asks the store
    (:class:`emkg.storefacts.StoreFacts`). Shapes this engine does not compile, or
    ``engine="pyshacl"``, take :func:`validate_files` instead.

    N-Triples files larger than :data:`GROUP_LIMIT` together (or any, with ``grouped=True``)
    are validated in groups of patients (:func:`validate_in_groups`) where that gives the
    results of the whole graph; ``grouped=False`` never groups.
    """
    import tempfile

    import pyoxigraph as ox

    from emkg import shacl_oxigraph
    from emkg.rdfio import check_file, read_input_bytes
    from emkg.storefacts import StoreFacts

    shapes = read_shapes(shape_files)
    if engine not in ENGINES:
        raise InputError(
            f"unknown validation engine {engine!r}", hint="one of " + ", ".join(ENGINES)
        )
    try:
        plan = None if engine == "pyshacl" else shacl_oxigraph.Plan(shapes)
    except shacl_oxigraph.UnsupportedShapes as exc:
        if engine == "oxigraph":
            raise InputError(
                f"the oxigraph engine cannot run these shapes: {exc}",
                hint="use --engine pyshacl (or auto) for these shapes",
            ) from exc
        plan = None
    except (SyntaxError, ValueError) as exc:
        raise _unusable(exc) from exc
    if plan is None:
        return validate_files(files, shape_files, engine)
    paths_ = [Path(f) for f in files]
    for path in paths_:
        read_input_bytes(path, limit=1)  # a folder, missing, unreadable, empty: said so
    ontology = ontology_graph()
    size = sum(p.stat().st_size for p in paths_)
    if grouped is None:
        grouped = size > GROUP_LIMIT
    if grouped and all(p.suffix.lower() in _NTRIPLES for p in paths_):
        in_groups = validate_in_groups(paths_, shapes, plan, ontology)  # checks the files too
        if in_groups is not None:
            return in_groups
    else:
        for path in paths_:
            check_file(path)
    folder = (
        tempfile.TemporaryDirectory(prefix="emkg-validate-") if size > IN_MEMORY_LIMIT else None
    )
    store = ox.Store(folder.name) if folder is not None else ox.Store()
    store.extend(
        ox.parse(
            hierarchy(ontology).serialize(format="nt", encoding="utf-8"),
            format=ox.RdfFormat.N_TRIPLES,
            rename_blank_nodes=False,
        )
    )
    graphs = [ox.NamedNode(f"https://w3id.org/emkg/validate/file/{i}") for i in range(len(paths_))]
    for path, graph in zip(paths_, graphs, strict=True):
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".").lower())
        if fmt is None:
            fmt = ox.RdfFormat.from_media_type("text/turtle")
        assert fmt is not None
        quads = fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
        store.bulk_load(path=str(path), format=fmt, to_graph=None if quads else graph, lenient=True)
    triples = len(store)
    started = time.perf_counter()
    try:
        rows = plan.run(store)
    except (SyntaxError, ValueError, OSError) as exc:
        raise _unusable(exc) from exc
    seconds = time.perf_counter() - started
    sources = [SourceFile(p, Graph(), _streamed_prefixes(p)) for p in paths_]
    facts = StoreFacts(store, graphs, paths_, [dict(s.prefixes) for s in sources])
    facts.keep = folder  # the temporary folder lives as long as the store
    return _store_validation(sources, shapes, ontology, rows, seconds, facts, triples)


def _store_validation(
    sources: list[SourceFile],
    shapes: Graph,
    ontology: Graph,
    rows: list[Any],
    seconds: float,
    facts: Any,
    triples: int,
    results: list[ValidationResult] | None = None,
) -> Validation:
    """The validation of the compiled engine's result rows (whole graph or in groups;
    ``results``: the rows' results in the order of the rows, if made already)."""
    made = results if results is not None else [_result_of(row, shapes) for row in rows]
    results = sorted(made, key=_result_order)
    return Validation(
        sources=sources,
        data=Graph(),
        shapes=shapes,
        ontology=ontology,
        report=Graph(),
        results=results,
        seconds=seconds,
        engine="oxigraph",
        facts=facts,
        triples=triples,
        rows=rows,
    )


def validate_in_groups(
    paths_: Sequence[Path], shapes: Graph, plan: Any, ontology: Graph
) -> Validation | None:
    """Validate N-Triples files group by group (README "Validating at scale"): the groups
    of :func:`emkg.grouping.group_files`, packed into batches of about
    :data:`BATCH_TRIPLES` triples, each batch loaded with the class hierarchy and the triples
    of no data node into its own in-memory store, checked, and its report facts gathered
    (:class:`emkg.storefacts.GroupedFacts`) before the store is dropped. None when that could
    differ from validating the whole graph: no data node, a triple from a term to a data node, a
    line the quick split cannot read (:class:`emkg.grouping.Unreadable`), a constraint
    query that fails :func:`emkg.locality.check_query` or names a data node, or a group of
    more than :data:`MAX_GROUP_TRIPLES` (most of a cohort linked into one group).

    The files are checked (:func:`emkg.rdfio.check_file`) in a process of their own while
    the groups are found, and each batch is checked as soon as its file is written, while
    the later batches are still being written: the passes that read the whole input one
    line at a time overlap instead of following one another on one core. A file that fails
    its check raises its :class:`InputError` as :func:`emkg.rdfio.check_file` does."""
    import tempfile

    import pyoxigraph as ox

    from emkg.completeness import on_patient_shapes, store_queries
    from emkg.grouping import group_files, split_into_batches
    from emkg.shacl_oxigraph import _prologue
    from emkg.storefacts import GroupedFacts

    classes = hierarchy(ontology)
    terms = {f"<{n}>".encode() for triple in classes for n in triple if isinstance(n, URIRef)}
    checks = [
        (f"{_prologue(plan.targets[n][1])}SELECT ?this WHERE {{ {plan.targets[n][0]} }}", True)
        for n in plan.materialized
    ] + [(query.text, False) for query in plan.queries]
    with _checked_beside(paths_, checks) as beside:
        grouping = group_files(paths_, terms)
        if not grouping.usable or grouping.largest > MAX_GROUP_TRIPLES:
            return None
        named = beside.named(grouping.predicates)
    if named is None or any(grouping.is_data(iri.encode()) for iri in named):
        return None
    graphs = [ox.NamedNode(f"https://w3id.org/emkg/validate/file/{i}") for i in range(len(paths_))]
    sources = [SourceFile(p, Graph(), _streamed_prefixes(p)) for p in paths_]
    prefixes_ = [dict(s.prefixes) for s in sources]
    facts = GroupedFacts(graphs, paths_, prefixes_)
    table = store_queries(shapes)
    completeness = [q for _s, _e, target, stated in table for q in (target, stated)]
    per_query: list[list[Any]] = [[] for _ in plan.queries]
    #: the result of each row, made as the batches come in (not after the last one)
    per_result: list[list[ValidationResult]] = [[] for _ in plan.queries]
    seen: list[set[Any]] = [set() for _ in plan.queries]
    triples = 0
    _BATCHES.clear()
    _BATCHES.update(
        plan=plan,
        grouping=grouping,
        hierarchy=classes.serialize(format="nt", encoding="utf-8"),
        graphs=graphs,
        paths=list(paths_),
        prefixes=prefixes_,
        queries=[q for q in completeness if q is not None],
        table=table,
        on_patient=on_patient_shapes(shapes),
    )
    started = time.perf_counter()

    def take(number: int, done: Any) -> None:
        nonlocal triples
        found, gathered, base, added, _spent = done
        triples += added + (base if number == 0 else 0)
        facts.add(gathered)
        for i, rows in enumerate(found):
            for row, everywhere in rows:
                if everywhere:  # no data node: found alike in every group, kept once
                    if row in seen[i]:
                        continue
                    seen[i].add(row)
                per_query[i].append(row)
                per_result[i].append(_result_of(row, shapes))

    try:
        with tempfile.TemporaryDirectory(prefix="emkg-groups-") as folder, _Batches(take) as run:
            split_into_batches(grouping, paths_, Path(folder), BATCH_TRIPLES, run.submit)
            grouping.parent.clear()  # the largest structure of the run: freed while checks run
            run.finish()
    finally:
        _BATCHES.clear()
        grouping.parent.clear()
    seconds = time.perf_counter() - started  # writing, loading, checks and facts of the batches
    rows = [row for found in per_query for row in found]
    results = [result for found in per_result for result in found]
    return _store_validation(sources, shapes, ontology, rows, seconds, facts, triples, results)


#: the constraint queries' texts for :func:`emkg.locality.check_query`, each with whether it
#: is a target's (the check's ``target``)
_Checks = list[tuple[str, bool]]


def _names_if_local(checks: _Checks, predicates: Any) -> set[str] | None:
    """The IRIs the queries name (:func:`emkg.locality.check_query`), or None if one of them
    may not run group by group."""
    from emkg.locality import NotLocal, check_query

    named: set[str] = set()
    try:
        for text, target in checks:
            named |= check_query(text, predicates, target=target)
    except NotLocal:
        return None
    return named


class _Beside:
    """The locality check of :func:`validate_in_groups`, in the process that checked the
    files if there is one: that process parsed the queries while the groups were found
    (rdflib's parser, about 3.5 s of CPU for the shapes' queries), so the check left to do
    once the groups are known is quick. Here if that process died."""

    def __init__(self, checks: _Checks, pool: Any = None, checking: Any = None) -> None:
        self.checks = checks
        self.pool = pool
        #: the future of :func:`_first_refused` in ``pool``
        self.checking = checking

    def named(self, predicates: Any) -> set[str] | None:
        """:func:`_names_if_local` of the queries for the groups' ``predicates``; None at
        once, without parsing the queries, if the checking process refused a file (its error
        is raised at the end of :func:`_checked_beside`'s block)."""
        if self.pool is None:
            return _names_if_local(self.checks, predicates)
        try:
            if self.checking is not None and self.checking.result() is not None:
                return None
            return cast(
                "set[str] | None",
                self.pool.submit(_names_if_local, self.checks, predicates).result(),
            )
        except Exception:  # the checking process died: the check here
            return _names_if_local(self.checks, predicates)


@contextmanager
def _checked_beside(paths_: Sequence[Path], checks: _Checks) -> Iterator[_Beside]:
    """Check the files (:func:`emkg.rdfio.check_file`) in a forked process while the block
    runs, and parse the queries of ``checks`` there afterwards (:class:`_Beside`); at the
    block's end, raise the first file's :class:`InputError`: the very error
    :func:`~emkg.rdfio.check_file` gave in that process, sent back when it survives the trip
    between processes unchanged, else found again here."""
    from emkg.rdfio import check_file

    if _WORKERS < 2:
        for path in paths_:
            check_file(path)
        yield _Beside(checks)
        return
    from emkg.forkpool import forked_pool

    refused: tuple[int, InputError | None] | None = (0, None)
    with forked_pool(1) as pool:
        checking = pool.submit(_first_refused, list(paths_), [text for text, _t in checks])
        try:
            yield _Beside(checks, pool, checking)
        finally:  # a refused file is what to report, even if the block failed on it
            try:
                refused = checking.result()
            except Exception:  # the checking process died: check here instead
                refused = (0, None)
            if refused is not None:
                index, error = refused
                if error is not None:
                    raise error
                for path in paths_[index:]:
                    check_file(path)


def _first_refused(
    paths_: list[Path], queries: Sequence[str] = ()
) -> tuple[int, InputError | None] | None:
    """The index of the first file :func:`emkg.rdfio.check_file` refuses, with its error if
    pickling gives it back alike (type, message and fields; else None); None if none. Then
    the ``queries`` are parsed for the locality check (:func:`emkg.locality.parse_ahead`)."""
    import pickle

    from emkg.locality import parse_ahead
    from emkg.rdfio import check_file

    for index, path in enumerate(paths_):
        try:
            check_file(path)
        except InputError as exc:
            try:
                back = pickle.loads(pickle.dumps(exc))  # noqa: S301 (pickled here, just now)
            except Exception:  # an error that cannot travel: found again by the caller
                return index, None
            alike = type(back) is type(exc) and back.args == exc.args
            return index, exc if alike and vars(back) == vars(exc) else None
    parse_ahead(queries)
    return None


class _Batches:
    """The checks of the batches of :func:`validate_in_groups`: each batch is handed to
    :data:`_WORKERS` forked processes as soon as it is written (:meth:`submit`), and ``take``
    receives the results in the order of the batches, as they come; with one worker, each
    batch is checked at once, so ``take`` receives them in the order they are written (the
    caller sorts the rows: the order does not change the report).

    A worker that dies (the out-of-memory killer's SIGKILL) breaks the pool and the work of
    every batch not yet taken: those batches, and the later ones, are checked by one new
    worker (half the memory of two at once), and stderr says so. If that one dies too, the
    run stops with an :class:`EmkgError` that says what to do."""

    def __init__(self, take: Callable[[int, Any], None]) -> None:
        self.take = take
        self.pool: Any = None
        #: the pool's worker processes (for how one ended)
        self.processes: list[Any] = []
        self.pending: dict[int, Any] = {}
        #: the work of each batch sent and not yet taken, to send again if a worker dies
        self.works: dict[int, tuple[int, dict[int, Path], dict[int, Path]]] = {}
        self.next = 0
        self.redone = False

    def __enter__(self) -> _Batches:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.pool is not None:  # on an exception (Ctrl-C), the workers are ended at once
            self.pool.__exit__(*exc)

    def submit(self, number: int, batch: dict[int, Path], shared: dict[int, Path]) -> None:
        work = (number, dict(batch), dict(shared))
        if _WORKERS < 2:
            self.take(number, _check_batch(work))
            return
        if self.pool is None:  # forked now: the groups and their batches are known
            self._fork(_WORKERS)
        self.works[number] = work
        self._send(number)
        while self.next in self.pending and self.pending[self.next].done():
            self._take_next()

    def finish(self) -> None:
        while self.next in self.pending:
            self._take_next()

    def _fork(self, workers: int) -> None:
        from emkg.forkpool import forked_pool

        self.pool = forked_pool(workers)
        self.processes = []

    def _send(self, number: int) -> None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            self.pending[number] = self.pool.submit(_check_batch, self.works[number])
        except BrokenProcessPool:  # a worker died since the last batch was taken
            self._redo()
            return
        if not self.processes:  # forked at the first submit (all of them, with fork)
            self.processes = list((self.pool._processes or {}).values())

    def _take_next(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            done = self.pending[self.next].result()
        except BrokenProcessPool:
            self._redo()
            return
        del self.pending[self.next], self.works[self.next]
        self.take(self.next, done)
        self.next += 1

    def _redo(self) -> None:
        """A worker died: send every batch not taken to one new worker, or stop if that was
        done already."""
        from emkg.forkpool import how_ended

        how = how_ended(self.pool, self.processes)
        if self.redone:
            raise EmkgError(
                f"a process checking batches was {how} again, while checking the batches "
                "of a process that died before: the run needs more memory than it had",
                hint="free memory (end other programs) or give the run more (a larger "
                "machine or container limit), and run it again",
            )
        self.redone = True
        checked = {  # kept: their checks ended before the worker died
            n: f
            for n, f in self.pending.items()
            if f.done() and not f.cancelled() and f.exception() is None
        }
        again = sorted(set(self.works) - set(checked))
        oom = " (the out-of-memory killer's signal)" if how.endswith("SIGKILL") else ""
        print(
            f"emkg validate: a process checking batches was {how}{oom}; the {len(again)} "
            "batches not finished are checked again, by one new process",
            file=sys.stderr,
            flush=True,
        )
        self._fork(1)
        self.pending = checked
        for number in again:
            self._send(number)


#: what the processes checking batches share (set before they are forked)
_BATCHES: dict[str, Any] = {}
#: processes checking batches at once: one per core this process may use, at most 2 (each
#: runs its queries in threads too, and holds a batch's store)
_WORKERS = max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


def _check_batch(
    work: tuple[int, dict[int, Path], dict[int, Path]],
) -> tuple[list[list[tuple[Any, bool]]], Any, int, int, float]:
    """Load batch ``number`` of :func:`validate_in_groups` (its files and the shared files,
    per input file) into its own store and check it:
    per query its rows (and whether the row's focus node is no data node, so found alike in
    every batch), the report's facts of the batch, the quads of the hierarchy and shared
    triples, the quads of the batch, and the seconds the checks took."""
    import pyoxigraph as ox

    from emkg.completeness import tally_in_store
    from emkg.storefacts import StoreFacts, gather, lines_in_batch

    number, batch, shared = work
    c = _BATCHES
    graphs = c["graphs"]
    store = ox.Store()
    store.extend(ox.parse(c["hierarchy"], format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False))
    nt = ox.RdfFormat.N_TRIPLES
    for index, path in shared.items():
        store.bulk_load(path=str(path), format=nt, to_graph=graphs[index], lenient=True)
    base = len(store)
    for index, path in batch.items():
        store.bulk_load(path=str(path), format=nt, to_graph=graphs[index], lenient=True)
    added = len(store) - base
    started = time.perf_counter()
    try:
        found = c["plan"].run_each(store)
    except (SyntaxError, ValueError, OSError) as exc:
        raise _unusable(exc) from exc
    spent = time.perf_counter() - started
    kept: list[list[tuple[Any, bool]]] = []
    focus = []
    for rows in found:
        kept.append([])
        for row in rows:
            home = number if isinstance(row.focus, BNode) else c["grouping"].batch_of(row.focus)
            if home is not None and home != number:  # a data node of another batch
                continue
            kept[-1].append((row, home is None))
            focus.append(row.focus)
    facts = StoreFacts(store, graphs, c["paths"], c["prefixes"])
    gathered = gather(facts, focus, c["queries"])
    named = {n for n in focus if c["grouping"].batch_of(n) == number}
    gathered.lines = lines_in_batch(facts, named, batch)

    def own(node: Node) -> bool:  # a data node of this batch (its checks are counted here)
        return isinstance(node, BNode) or c["grouping"].batch_of(node) == number

    reported = {(row.shape, row.focus) for rows in kept for row, _everywhere in rows}
    gathered.tallies = tally_in_store(facts, c["table"], c["on_patient"], reported, own)
    for query, rows in gathered.rows.items():  # the rows of nodes of no batch, for the report
        gathered.rows[query] = {row for row in rows if row[0] is None or not own(row[0])}
    return kept, gathered, base, added, spent


def _result_of(row: Any, shapes: Graph) -> ValidationResult:
    from emkg.shacl_oxigraph import messages

    severity = shapes.value(row.shape, SH.severity)
    return ValidationResult(
        focus=row.focus,
        severity=severity if isinstance(severity, URIRef) else SH.Violation,
        component=row.component,
        shape=row.shape,
        constraint=row.constraint,
        path=row.path,
        value=row.value,
        message=_choose_message(
            sorted(set(messages(row, shapes))),
            [str(m) for m in shapes.objects(row.shape, SH.message)],
        ),
    )


@dataclass(frozen=True)
class CohortTiming:
    """What validating one N-Triples cohort file with the oxigraph engine took."""

    triples: int
    load_seconds: float
    check_seconds: float
    counts: dict[str, int]

    @property
    def seconds(self) -> float:
        return self.load_seconds + self.check_seconds


def time_cohort(path: Path, shape_files: Sequence[Path] | None = None) -> CohortTiming:
    """Validate an N-Triples file (a synthetic cohort) as ``emkg validate`` does, with the
    oxigraph engine, reading it straight into the store (no rdflib graph): for benchmarks.

    The load time covers the ontology's class hierarchy and the file; the check time, the
    compiled shapes and the results. Counts are per severity (Violation, Warning, Info).
    """
    import pyoxigraph as ox

    from emkg import shacl_oxigraph

    shapes = read_shapes(shape_files)
    plan = shacl_oxigraph.Plan(shapes)
    started = time.perf_counter()
    store = shacl_oxigraph.store_from_graph(hierarchy(ontology_graph()))
    try:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    except (SyntaxError, OSError) as exc:
        raise InputError(f"cannot read {path}: {exc}", path=Path(path)) from exc
    loaded = time.perf_counter()
    rows = plan.run(store)
    checked = time.perf_counter()
    counts = {_short(s): 0 for s in SEVERITIES}
    for row in rows:
        severity = shapes.value(row.shape, SH.severity) or SH.Violation
        counts[_short(severity)] = counts.get(_short(severity), 0) + 1
    return CohortTiming(len(store), loaded - started, checked - loaded, counts)


def _short(iri: Node) -> str:
    return str(iri).rsplit("#", 1)[-1]
