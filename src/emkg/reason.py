"""Check the ontology, and optionally the curated graph, with the HermiT OWL 2 DL reasoner.

What runs: the HermiT jar bundled with owlready2, with the command line and Java heap that
``owlready2.sync_reasoner_hermit`` uses (classify classes, object and data properties, and
individuals). The input files are merged with rdflib and written as N-Triples into a
temporary folder; ``owl:imports`` are dropped because the imported files are merged in from
``ontology/imports/`` (HermiT would otherwise try to fetch them from the web).

Why emkg reads HermiT's answer itself instead of letting owlready2 apply it: the graph
uses OWL 2 punning on purpose (``emkg:agent emkg:Blinatumomab``, ``emkg:site
obo:UBERON_0004628``: the class IRI is also an individual, see docs/modelling.md). HermiT
accepts that, but owlready2 0.51 applies HermiT's results per entity with one relation kind
per entity (``entity_2_type`` in ``owlready2.reasoning``): for an IRI that HermiT reports both
as a class (``SubClassOf``) and as an individual (``Type``), owlready2 writes the class's
superclasses as ``rdf:type`` triples (for example ``emkg:Blinatumomab rdf:type
emkg:BispecificTCellEngager``), which is not entailed. So emkg parses HermiT's output,
compares it with what the files assert, and writes nothing back.

HermiT only accepts literals whose datatype is in the OWL 2 datatype map. Where the input
holds others (``xsd:date``, ``xsd:duration``, ``xsd:gYear`` on data properties), HermiT is run
with ``--ignoreUnsupportedDatatypes`` (owlready2's ``ignore_unsupported_datatypes=True``)
and the report lists what was ignored. Literals of annotation properties are not reasoned
over and are not counted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from emkg import build
from emkg.errors import EmkgError, RuntimeMissing
from emkg.rdfio import read_graph

_OWL = str(OWL)
OWL_THING = _OWL + "Thing"
OWL_NOTHING = _OWL + "Nothing"
_BOTTOM_PROPERTIES = {_OWL + "bottomObjectProperty", _OWL + "bottomDataProperty"}

#: The OWL 2 datatype map (OWL 2 Structural Specification, section 4), plus rdf:langString,
#: which RDF 1.1 uses for language-tagged strings (OWL 2 reads them as rdf:PlainLiteral).
OWL2_DATATYPES: frozenset[str] = frozenset(
    [str(RDF.PlainLiteral), str(RDF.XMLLiteral), str(RDF.langString), str(RDFS.Literal)]
    + [_OWL + "real", _OWL + "rational"]
    + [
        str(XSD) + name
        for name in (
            *("decimal", "integer", "nonNegativeInteger", "nonPositiveInteger"),
            *("positiveInteger", "negativeInteger", "long", "int", "short", "byte"),
            *("unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte", "double"),
            *("float", "string", "normalizedString", "token", "language", "Name"),
            *("NCName", "NMTOKEN", "boolean", "hexBinary", "base64Binary", "anyURI"),
            *("dateTime", "dateTimeStamp"),
        )
    ]
)

#: Properties that OWL treats as annotations without a declaration.
_BUILTIN_ANNOTATIONS = frozenset(
    {
        RDFS.label,
        RDFS.comment,
        RDFS.seeAlso,
        RDFS.isDefinedBy,
        OWL.versionInfo,
        OWL.deprecated,
        OWL.priorVersion,
        OWL.backwardCompatibleWith,
        OWL.incompatibleWith,
    }
)

_RESULT_LINE = re.compile(r"^([A-Za-z]+)\( ((?:<[^>]+>\s*)+)\)\s*$", re.MULTILINE)
_IRI = re.compile(r"<([^>]+)>")
_JAVA_VERSION = re.compile(r'version "([^"]+)"')

_HERMIT_MAIN = "org.semanticweb.HermiT.cli.CommandLine"
_DEFAULT_TIMEOUT = 600.0


# ---------------------------------------------------------------------------
# The Java runtime and the HermiT jar
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JavaRuntime:
    executable: str
    version: str


def find_java(env: Mapping[str, str] | None = None) -> JavaRuntime:
    """The Java runtime HermiT will run on: ``EMKG_JAVA``, else ``$JAVA_HOME/bin/java``,
    else ``java`` on ``PATH``. Raises :class:`RuntimeMissing` when none works."""
    env = os.environ if env is None else env
    hint = (
        "install a Java runtime (Java 8 or later; on Debian: apt-get install "
        "default-jre-headless) or point EMKG_JAVA or JAVA_HOME at one"
    )
    explicit = env.get("EMKG_JAVA")
    if explicit:
        candidates = [explicit]
    else:
        candidates = []
        if env.get("JAVA_HOME"):
            candidates.append(str(Path(env["JAVA_HOME"]) / "bin" / "java"))
        on_path = shutil.which("java", path=env.get("PATH", ""))
        if on_path:
            candidates.append(on_path)
    for cand in candidates:
        if not (Path(cand).is_file() and os.access(cand, os.X_OK)):
            continue
        try:
            proc = subprocess.run(
                [cand, "-version"], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if proc.returncode == 0:
            m = _JAVA_VERSION.search(proc.stderr + proc.stdout)
            return JavaRuntime(cand, m.group(1) if m else "unknown")
    where = f"EMKG_JAVA={explicit}" if explicit else "JAVA_HOME and PATH"
    raise RuntimeMissing(
        f"no working Java runtime found (looked at {where}); the HermiT reasoner needs Java. "
        "This says nothing about the ontology: it was not checked.",
        hint=hint,
    )


def hermit_classpath() -> str:
    """The classpath owlready2 uses for its bundled HermiT."""
    spec = find_spec("owlready2")
    if spec is None or spec.origin is None:
        raise RuntimeMissing("owlready2 is not installed", hint="pip install owlready2")
    folder = Path(spec.origin).parent / "hermit"
    jar = folder / "HermiT.jar"
    if not jar.is_file():
        raise RuntimeMissing(f"the HermiT jar is missing from owlready2 ({jar})")
    return os.pathsep.join([str(folder), str(jar)])


def _java_memory_mb() -> int:
    from owlready2 import reasoning  # imported late: owlready2 sets up a world on import

    return int(reasoning.JAVA_MEMORY)


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover - owlready2 is a dependency
        return "unknown"


# ---------------------------------------------------------------------------
# Running HermiT and reading its answer
# ---------------------------------------------------------------------------


@dataclass
class HermitAnswer:
    consistent: bool
    seconds: float
    subclass_of: set[tuple[str, str]] = field(default_factory=set)
    equivalent_classes: list[set[str]] = field(default_factory=list)
    types: set[tuple[str, str]] = field(default_factory=set)
    unsatisfiable_properties: set[str] = field(default_factory=set)


def parse_hermit_output(text: str) -> HermitAnswer:
    """Read the classification HermiT prints (functional syntax, one axiom a line)."""
    answer = HermitAnswer(consistent=True, seconds=0.0)
    for kind, args in _RESULT_LINE.findall(text):
        iris = _IRI.findall(args)
        if kind == "SubClassOf" and len(iris) == 2:
            answer.subclass_of.add((iris[0], iris[1]))
        elif kind == "Type" and len(iris) == 2:
            answer.types.add((iris[0], iris[1]))
        elif kind == "EquivalentClasses":
            answer.equivalent_classes.append(set(iris))
        elif kind in ("EquivalentObjectProperties", "EquivalentDataProperties") and (
            _BOTTOM_PROPERTIES & set(iris)
        ):
            answer.unsatisfiable_properties |= set(iris) - _BOTTOM_PROPERTIES
    return answer


def run_hermit(
    ntriples: Path,
    *,
    java: JavaRuntime,
    ignore_unsupported_datatypes: bool,
    timeout: float = _DEFAULT_TIMEOUT,
) -> HermitAnswer:
    cmd = [
        java.executable,
        f"-Xmx{_java_memory_mb()}M",
        "-cp",
        hermit_classpath(),
        _HERMIT_MAIN,
        "-c",
        "-O",
        "-D",
        "-I",
        ntriples.resolve().as_uri(),
    ]
    if ignore_unsupported_datatypes:
        cmd.append("--ignoreUnsupportedDatatypes")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise RuntimeMissing(f"cannot start Java ({java.executable}): {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise EmkgError(
            f"HermiT did not finish within {timeout:.0f} s",
            hint="give it longer with --timeout, or reason over the ontology without --with-data",
        ) from exc
    seconds = time.perf_counter() - t0
    if proc.returncode == 0:
        answer = parse_hermit_output(proc.stdout)
        answer.seconds = seconds
        return answer
    text = proc.stderr + proc.stdout
    if "InconsistentOntologyException" in text or "Inconsistent ontology" in text:
        return HermitAnswer(consistent=False, seconds=seconds)
    if "UnsupportedClassVersionError" in text:
        raise RuntimeMissing(
            f"Java {java.version} at {java.executable} is too old for HermiT",
            hint="install Java 8 or later and point EMKG_JAVA or JAVA_HOME at it",
        )
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:6]
    raise EmkgError(
        f"HermiT stopped with exit code {proc.returncode}: " + " | ".join(lines),
        hint="check that the input files are OWL 2 DL (see docs/modelling.md)",
    )


# ---------------------------------------------------------------------------
# What the files assert, and what HermiT adds to it
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IgnoredValues:
    """Values with a datatype outside the OWL 2 datatype map, which HermiT skips."""

    predicate: str
    datatype: str
    count: int
    in_axiom: bool = False  # a data range in an axiom rather than a literal value


@dataclass
class ReasonReport:
    files: list[Path]
    triples: int
    java: JavaRuntime
    hermit: str
    consistent: bool
    seconds: float
    named_classes: int = 0
    individuals: int = 0
    punned: list[str] = field(default_factory=list)  # class IRIs also used as individuals
    unsatisfiable: list[str] = field(default_factory=list)
    unsatisfiable_properties: list[str] = field(default_factory=list)
    inferred_subclass_of: list[tuple[str, str]] = field(default_factory=list)
    inferred_types: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[IgnoredValues] = field(default_factory=list)
    inconsistent_files: list[Path] = field(default_factory=list)
    localized: bool = False  # each data file was also checked on its own

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable and not self.unsatisfiable_properties


def merged_graph(files: Sequence[Path]) -> Graph:
    """All triples of ``files`` in one graph, without ``owl:imports`` (merged in already)."""
    graph = read_graph(files)
    graph.remove((None, OWL.imports, None))
    return graph


def _annotation_properties(graph: Graph) -> set[URIRef]:
    declared = {
        p for p in graph.subjects(RDF.type, OWL.AnnotationProperty) if isinstance(p, URIRef)
    }
    return declared | set(_BUILTIN_ANNOTATIONS)


def unsupported_values(graph: Graph) -> list[IgnoredValues]:
    """Literals and data ranges whose datatype HermiT does not support, grouped."""
    annotations = _annotation_properties(graph)
    literals: Counter[tuple[str, str]] = Counter()
    for _s, p, o in graph:
        if not isinstance(o, Literal) or p in annotations:
            continue
        datatype = o.datatype or (RDF.langString if o.language else XSD.string)
        if str(datatype) not in OWL2_DATATYPES:
            literals[(str(p), str(datatype))] += 1
    ranges: Counter[tuple[str, str]] = Counter()
    for pred in (RDFS.range, OWL.onDataRange, OWL.someValuesFrom, OWL.allValuesFrom):
        for s, o in graph.subject_objects(pred):
            if (
                isinstance(o, URIRef)
                and str(o).startswith(str(XSD))
                and str(o) not in OWL2_DATATYPES
            ):
                ranges[(str(s) if isinstance(s, URIRef) else str(pred), str(o))] += 1
    out = [IgnoredValues(p, d, n) for (p, d), n in sorted(literals.items())]
    out += [IgnoredValues(p, d, n, in_axiom=True) for (p, d), n in sorted(ranges.items())]
    return out


def _named(nodes: Iterable[object]) -> set[str]:
    return {str(n) for n in nodes if isinstance(n, URIRef)}


def _closure(start: str, up: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for parent in up.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def _told_superclasses(graph: Graph, classes: set[str]) -> dict[str, set[str]]:
    up: dict[str, set[str]] = defaultdict(set)
    for s, o in graph.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            up[str(s)].add(str(o))
    for s, o in graph.subject_objects(OWL.equivalentClass):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            up[str(s)].add(str(o))
            up[str(o)].add(str(s))
    return {c: up.get(c, set()) for c in classes}


def _hermit_superclasses(answer: HermitAnswer) -> dict[str, set[str]]:
    up: dict[str, set[str]] = defaultdict(set)
    for sub, sup in answer.subclass_of:
        up[sub].add(sup)
    for group in answer.equivalent_classes:
        if OWL_NOTHING in group:
            continue
        for a in group:
            up[a] |= group - {a}
    return up


def compare(graph: Graph, answer: HermitAnswer, report: ReasonReport) -> None:
    """Fill the report with what HermiT entails beyond what the files assert."""
    classes = _named(graph.subjects(RDF.type, OWL.Class))
    report.named_classes = len(classes)
    unsat = {
        iri for group in answer.equivalent_classes if OWL_NOTHING in group for iri in group
    } - {OWL_NOTHING}
    report.unsatisfiable = sorted(unsat)
    report.unsatisfiable_properties = sorted(answer.unsatisfiable_properties)

    told_up = _told_superclasses(graph, classes)
    hermit_up = _hermit_superclasses(answer)
    trivial = {OWL_THING}
    inferred: list[tuple[str, str]] = []
    for cls in sorted(classes - unsat):
        new = _closure(cls, hermit_up) - _closure(cls, told_up) - trivial - {cls}
        inferred += [(cls, sup) for sup in sorted(new)]
    report.inferred_subclass_of = inferred

    individuals = {ind for ind, _cls in answer.types}
    report.individuals = len(individuals)
    told_types: dict[str, set[str]] = defaultdict(set)
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and isinstance(o, URIRef) and str(o) in classes:
            told_types[str(s)].add(str(o))
    hermit_types: dict[str, set[str]] = defaultdict(set)
    for ind, cls in answer.types:
        hermit_types[ind].add(cls)
    new_types: list[tuple[str, str]] = []
    for ind in sorted(individuals):
        entailed = {c for t in hermit_types[ind] for c in {t} | _closure(t, hermit_up)}
        explained = {c for t in told_types[ind] for c in {t} | _closure(t, hermit_up)}
        new_types += [(ind, c) for c in sorted(entailed - explained - trivial)]
    report.inferred_types = new_types

    object_props = _named(graph.subjects(RDF.type, OWL.ObjectProperty))
    report.punned = sorted(
        {
            str(node)
            for s, p, o in graph
            if str(p) in object_props
            for node in (s, o)
            if str(node) in classes
        }
    )


# ---------------------------------------------------------------------------
# The entry points
# ---------------------------------------------------------------------------


def project_files(*, with_data: bool) -> list[Path]:
    """The ontology and its imports, and with ``with_data`` the curated graph (kg/*.ttl)."""
    return build.source_files() if with_data else build.ontology_files()


def reason(
    files: Sequence[Path],
    *,
    localize: Sequence[Path] = (),
    base: Sequence[Path] = (),
    timeout: float = _DEFAULT_TIMEOUT,
    java: JavaRuntime | None = None,
) -> ReasonReport:
    """Run HermiT over ``files`` merged; report consistency, unsatisfiable classes and
    inferences. When the merge is inconsistent, each file of ``localize`` is checked
    together with ``base`` alone, to name the files that are inconsistent by themselves."""
    java = java or find_java()
    graph = merged_graph(files)
    ignored = unsupported_values(graph)
    report = ReasonReport(
        files=list(files),
        triples=len(graph),
        java=java,
        hermit=f"HermiT bundled with owlready2 {_package_version('owlready2')}",
        consistent=True,
        seconds=0.0,
        ignored=ignored,
    )
    answer = _run_on_graph(graph, java=java, ignore=bool(ignored), timeout=timeout)
    report.consistent = answer.consistent
    report.seconds = answer.seconds
    if answer.consistent:
        compare(graph, answer, report)
        return report
    report.localized = bool(localize)
    for path in localize:
        alone = merged_graph([*base, path])
        single = _run_on_graph(
            alone, java=java, ignore=bool(unsupported_values(alone)), timeout=timeout
        )
        if not single.consistent:
            report.inconsistent_files.append(path)
    return report


def reason_project(*, with_data: bool, timeout: float = _DEFAULT_TIMEOUT) -> ReasonReport:
    onto = build.ontology_files()
    if not with_data:
        return reason(onto, timeout=timeout)
    data = [p for p in project_files(with_data=True) if p not in set(onto)]
    return reason([*onto, *data], localize=data, base=onto, timeout=timeout)


def _run_on_graph(graph: Graph, *, java: JavaRuntime, ignore: bool, timeout: float) -> HermitAnswer:
    with tempfile.TemporaryDirectory(prefix="emkg-reason-") as tmp:
        nt = Path(tmp) / "merged.nt"
        graph.serialize(destination=nt, format="nt", encoding="utf-8")
        return run_hermit(nt, java=java, ignore_unsupported_datatypes=ignore, timeout=timeout)


# ---------------------------------------------------------------------------
# Plain-text summary
# ---------------------------------------------------------------------------

_PREFIXES = (
    ("emkg:", "https://w3id.org/emkg/ontology#"),
    ("obo:", "http://purl.obolibrary.org/obo/"),
    ("xsd:", str(XSD)),
    ("owl:", _OWL),
    ("data:", "https://w3id.org/emkg/data/"),
)


def short(iri: str) -> str:
    for prefix, ns in _PREFIXES:
        if iri.startswith(ns):
            return prefix + iri[len(ns) :]
    return f"<{iri}>"


def summary(report: ReasonReport, *, examples: int = 5) -> list[str]:
    """The report as lines of plain text for the command line."""
    lines = [
        f"reasoned over {len(report.files)} file(s), {report.triples:,} triples: "
        + ", ".join(p.name for p in report.files),
        f"{report.hermit} on Java {report.java.version} ({report.java.executable}): "
        f"{report.seconds:.1f} s",
    ]
    for item in report.ignored:
        what = "data range in an axiom" if item.in_axiom else "literal(s)"
        lines.append(
            f"ignored by HermiT (datatype outside the OWL 2 datatype map): {item.count} {what} "
            f"{short(item.datatype)} on {short(item.predicate)}"
        )
    if not report.consistent:
        lines.append("INCONSISTENT: no interpretation satisfies these files together")
        for path in report.inconsistent_files:
            lines.append(f"  inconsistent on its own with the ontology: {path}")
        if report.localized and not report.inconsistent_files:
            lines.append(
                "  every data file is consistent with the ontology on its own: "
                "the contradiction spans files"
            )
        return lines
    lines.append("consistent: yes")
    if report.unsatisfiable:
        lines.append(f"UNSATISFIABLE classes ({len(report.unsatisfiable)}):")
        lines += [f"  {short(c)}" for c in report.unsatisfiable]
    else:
        lines.append("unsatisfiable classes: none")
    if report.unsatisfiable_properties:
        lines.append(
            "UNSATISFIABLE properties: " + ", ".join(map(short, report.unsatisfiable_properties))
        )
    lines.append(
        f"{report.named_classes} named classes, {report.individuals} named individuals, "
        f"{len(report.punned)} class IRIs also used as individuals (OWL 2 punning)"
    )
    lines.append(
        f"inferred: {len(report.inferred_subclass_of)} subclass link(s) beyond the asserted "
        f"hierarchy, {len(report.inferred_types)} individual type(s) beyond the asserted types "
        "and their superclasses"
    )
    for sub, sup in report.inferred_subclass_of[:examples]:
        lines.append(f"  {short(sub)} subClassOf {short(sup)}")
    for ind, cls in report.inferred_types[:examples]:
        lines.append(f"  {short(ind)} a {short(cls)}")
    return lines
