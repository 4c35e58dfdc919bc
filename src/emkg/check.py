"""``emkg check``: every check a curator needs, in one report with file, line and what to do.

The checks, each stated once elsewhere and only run here:

1. the SHACL shapes (``shapes/``): violations fail, warnings are listed;
2. the sources: every publication identifier real (no placeholder), every quote (``oa:exact``)
   and every ``emkg:offsetText`` verbatim in a text the sources registry lists for the
   publication it cites (:mod:`emkg.sources`);
3. the vocabulary: every class and property used is declared by the ontology or its imports
   (or, outside emkg's and OBO's namespaces, used by the ontology or the shapes), a misspelling
   named with the closest declared term; and every value-set member the ontology declares is in
   its owl:AllDifferent axiom and in the shapes' messages (:mod:`emkg.valuesets`);
4. the quality checks ``queries/qc/*-violation.rq`` (no row expected);
5. the reasoner (HermiT) over the ontology and the files, where Java is present.

Unreadable input (a file, the shapes, the sources registry) raises :class:`InputError` (exit
2); problems found make the report fail (exit 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from emkg import build
from emkg.errors import RuntimeMissing
from emkg.sources import Registry, check_quotes
from emkg.validate import Validation, read_shapes, read_sources, validate

EMKG = Namespace("https://w3id.org/emkg/ontology#")
OBO = "http://purl.obolibrary.org/obo/"

ERROR, WARNING, NOTE = "error", "warning", "note"

#: namespaces whose terms must be declared (the ontology, its imports)
DECLARING = (str(EMKG), OBO)
#: namespaces whose terms are allowed when the ontology or the shapes use them
KNOWN_VOCABULARIES = (
    "http://www.w3.org/ns/oa#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2002/07/owl#",
    "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/ns/prov#",
)


@dataclass(frozen=True)
class Problem:
    """One finding of the check, located in an input file."""

    check: str  # shapes, sources, quotes, vocabulary, quality, reasoner
    severity: str  # error, warning, note
    file: str | None
    line: int | None
    subject: str
    message: str
    hint: str = ""

    def where(self) -> str:
        if self.file is None:
            return "-"
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class CheckReport:
    files: list[str]
    problems: list[Problem] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self) -> str:
        out = [f"emkg check: {len(self.files)} file(s): {', '.join(self.files) or '(none)'}"]
        out.append("  checks run: " + ", ".join(self.ran))
        for skipped in self.skipped:
            out.append(f"  skipped: {skipped}")
        ordered = sorted(
            self.problems,
            key=lambda p: (
                {ERROR: 0, WARNING: 1, NOTE: 2}[p.severity],
                p.file or "~",
                p.line or 0,
                p.check,
                p.message,
            ),
        )
        for p in ordered:
            out.append("")
            out.append(f"{p.where()}: {p.severity} [{p.check}] {p.subject}: {p.message}")
            if p.hint:
                out.append(f"    what to do: {p.hint}")
        errors = len(self.errors)
        warnings = sum(1 for p in self.problems if p.severity == WARNING)
        out.append("")
        verdict = "passes" if self.ok else "FAILS"
        out.append(f"Result: the check {verdict}: {errors} error(s), {warnings} warning(s).")
        return "\n".join(out) + "\n"


class _Where:
    """File, line and a short name for nodes of the checked files."""

    def __init__(self, validation: Validation) -> None:
        from emkg.report import ReportBuilder  # the locator and namer of emkg validate

        self.builder = ReportBuilder(validation)

    def of(self, node: Node) -> tuple[str | None, int | None, str]:
        b = self.builder
        where = b.locator.where(node)
        name = b.namer.name(node, b.locator.prefixes_of(node))
        if not isinstance(node, URIRef) and where.owner != node:
            name = f"[] of {b.namer.name(where.owner, b.locator.prefixes_of(where.owner))}"
        file = b._relative(where.path) if where.path is not None else None
        return file, where.line, name

    def line_of_text(self, file: str | None, token: str) -> int | None:
        """The first line of ``file`` whose text holds ``token`` (a prefixed name or IRI)."""
        for source in self.builder.validation.sources:
            if self.builder._relative(source.path) == file:
                for number, line in enumerate(source.text.splitlines(), start=1):
                    if token in line:
                        return number
        return None


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def shape_problems(where: _Where) -> list[Problem]:
    from emkg.report import component_name

    problems = []
    for located in where.builder.located:
        r = located.result
        if r.severity == SH.Info:
            continue
        path = where.builder.path_text(r)
        value = f" = {where.builder.namer.name(r.value)}" if r.value not in (None, r.focus) else ""
        check = where.builder.namer.name(r.check)
        problems.append(
            Problem(
                "shapes",
                ERROR if r.severity == SH.Violation else WARNING,
                located.file,
                located.line,
                located.name,
                f"{path}{value}: {r.message}",
                f"({check}, {component_name(r.component)}) change the node so that it says "
                "what the message asks, or state emkg:notReported for an element the source "
                "does not report",
            )
        )
    return problems


def quote_problems(data: Graph, registry: Registry, where: _Where) -> list[Problem]:
    problems = []
    for found in check_quotes(data, registry):
        file, line, name = where.of(found.node)
        if found.quote:
            # the line of the quote itself (a literal sits on one line of a case file)
            start = found.quote.strip()[:40]
            predicate = "oa:exact" if found.kind == "quote" else "emkg:offsetText"
            for token in (f'{predicate} "{start}', f'"{start}'):
                if (hit := where.line_of_text(file, token)) is not None:
                    line = hit
                    break
        check = "sources" if found.kind == "source" else "quotes"
        problems.append(Problem(check, ERROR, file, line, name, found.message, found.hint))
    return problems


def declared_terms(ontology: Graph, shapes: Graph) -> tuple[set[URIRef], set[URIRef]]:
    """(classes, properties) the ontology and its imports declare, plus the other vocabularies'
    terms the ontology or the shapes use."""
    classes = {
        s
        for t in (OWL.Class, RDFS.Class)
        for s in ontology.subjects(RDF.type, t)
        if isinstance(s, URIRef)
    }
    properties = {
        s
        for t in (
            OWL.ObjectProperty,
            OWL.DatatypeProperty,
            OWL.AnnotationProperty,
            RDF.Property,
        )
        for s in ontology.subjects(RDF.type, t)
        if isinstance(s, URIRef)
    }
    for graph in (ontology, shapes):
        for s, p, o in graph:
            for term in (s, p, o):
                if isinstance(term, URIRef) and str(term).startswith(KNOWN_VOCABULARIES):
                    local = str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                    (classes if local[:1].isupper() else properties).add(term)
    return classes, properties


def closest(term: URIRef, candidates: Iterable[URIRef]) -> URIRef | None:
    """The declared term closest in spelling to ``term`` (same namespace first)."""
    text = str(term)
    pool = sorted({str(c) for c in candidates})
    same = [c for c in pool if c.rsplit("#", 1)[0] == text.rsplit("#", 1)[0]] or pool
    local = text.rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower()
    by_local = {c.rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower(): c for c in same}
    match = difflib.get_close_matches(local, list(by_local), n=1, cutoff=0.6)
    return URIRef(by_local[match[0]]) if match else None


def _needs_declaring(term: URIRef) -> bool:
    return str(term).startswith(DECLARING + KNOWN_VOCABULARIES)


def vocabulary_problems(
    data: Graph, ontology: Graph, shapes: Graph, where: _Where
) -> list[Problem]:
    """Classes (rdf:type objects) and properties (predicates) nobody declared."""
    classes, properties = declared_terms(ontology, shapes)
    namer = where.builder.namer
    problems = []
    seen: set[tuple[URIRef, str]] = set()
    for s, p, o in data:
        used: list[tuple[URIRef, str, set[URIRef]]] = []
        if isinstance(p, URIRef) and _needs_declaring(p) and p not in properties:
            used.append((p, "property", properties))
        if p == RDF.type and isinstance(o, URIRef) and _needs_declaring(o) and o not in classes:
            used.append((o, "class", classes))
        for term, kind, pool in used:
            if (term, kind) in seen:
                continue
            seen.add((term, kind))
            file, line, _name = where.of(s)
            short = namer.name(term, where.builder.locator.prefixes_of(s))
            line = where.line_of_text(file, short) or where.line_of_text(file, str(term)) or line
            suggestion = closest(term, pool)
            hint = (
                f"did you mean {namer.name(suggestion, where.builder.locator.prefixes_of(s))}?"
                if suggestion is not None
                else "use a term of the ontology (ontology/emkg.ttl) or add an UBERON class "
                "with emkg terms add"
            )
            problems.append(
                Problem(
                    "vocabulary",
                    ERROR,
                    file,
                    line,
                    short,
                    f"the {kind} {short} is not declared by the ontology or its imports",
                    hint,
                )
            )
    return problems


def value_set_problems(where: _Where) -> list[Problem]:
    """The ontology's value sets followed by their axiom and the shapes' messages."""
    from emkg.valuesets import check_value_sets

    return [
        Problem(
            "value sets",
            ERROR,
            where.builder._relative(p.file),
            p.line,
            p.subject,
            p.message,
            p.hint,
        )
        for p in check_value_sets()
    ]


def quality_problems(validation: Validation, where: _Where) -> list[Problem]:
    """The rows of the saved quality checks over the ontology and the files."""
    from emkg.catalogue import load_catalogue
    from emkg.engines import OxigraphEngine
    from emkg.runner import run_query

    dataset = Dataset()
    onto = dataset.graph(build.ONTOLOGY_GRAPH)
    for triple in validation.ontology:
        onto.add(triple)
    for source in validation.sources:
        named = dataset.graph(build.graph_iri_for(source.path))
        for triple in source.graph:
            named.add(triple)
    engine = OxigraphEngine.from_dataset(dataset)
    classes, _properties = declared_terms(validation.ontology, Graph())
    problems = []
    for entry in load_catalogue().of_kind("qc"):
        table = run_query(entry, {}, engine)
        for record in table.records():
            node = record.get("node")
            file, line, name = where.of(node) if node is not None else (None, None, "-")
            problem = str(record.get("problem") or entry.title)
            value = record.get("value")
            hint = entry.title
            if isinstance(value, URIRef):
                suggestion = closest(value, classes | _members(validation.ontology))
                if suggestion is not None and suggestion != value:
                    hint = f"did you mean {where.builder.namer.name(suggestion)}? ({entry.title})"
                problem = f"{where.builder.namer.name(value)}: {problem}"
            problems.append(
                Problem("quality", ERROR, file, line, name, f"{entry.id}: {problem}", hint)
            )
    return problems


def _members(ontology: Graph) -> set[URIRef]:
    return {
        s
        for s, o in ontology.subject_objects(RDF.type)
        if isinstance(s, URIRef) and str(s).startswith(str(EMKG))
    }


def reasoner_problems(files: Sequence[Path]) -> tuple[list[Problem], str | None]:
    """HermiT over the ontology and the files; (problems, why skipped or None)."""
    from emkg.reason import find_java, reason, short

    try:
        java = find_java()
    except RuntimeMissing as exc:
        return [], f"reasoner (no Java runtime: {exc.message})"
    onto = build.ontology_files()
    report = reason([*onto, *files], localize=list(files), base=onto, java=java)
    problems = []
    if not report.consistent:
        culprits: list[str | None] = [str(p) for p in report.inconsistent_files] or [None]
        for culprit in culprits:
            problems.append(
                Problem(
                    "reasoner",
                    ERROR,
                    culprit,
                    None,
                    "the ontology with this file",
                    "inconsistent: no interpretation satisfies the ontology and the file(s)",
                    "look for a node typed with two disjoint classes (for example a value-set "
                    "member used as the wrong kind of value)",
                )
            )
    for cls in report.unsatisfiable:
        problems.append(
            Problem(
                "reasoner", ERROR, None, None, short(cls), "unsatisfiable class", "see emkg reason"
            )
        )
    return problems, None


# ---------------------------------------------------------------------------
# All of it
# ---------------------------------------------------------------------------


def run_check(
    files: Sequence[Path] | None = None,
    *,
    sources: Path | None = None,
    shape_files: Sequence[Path] | None = None,
    reasoner: bool = True,
    quality: bool = True,
) -> CheckReport:
    """Every check on ``files`` (default: the curated graph, kg/*.ttl)."""
    from emkg.validate import ontology_graph

    chosen = [Path(f) for f in files] if files else build.kg_files()
    inputs = read_sources(chosen)  # InputError (file, line, column) for unreadable input
    shapes = read_shapes(shape_files)
    registry = Registry.load(sources)
    ontology = ontology_graph()
    validation = validate(inputs, shapes, ontology)
    where = _Where(validation)
    report = CheckReport(files=[where.builder._relative(p) for p in chosen])
    data = Graph()
    for source in inputs:
        for triple in source.graph:
            data.add(triple)
    report.problems += shape_problems(where)
    report.ran.append("shapes")
    report.problems += quote_problems(data, registry, where)
    report.ran.append(f"sources and quotes ({registry.folder})")
    report.problems += vocabulary_problems(data, ontology, shapes, where)
    report.ran.append("declared terms")
    report.problems += value_set_problems(where)
    report.ran.append("value sets")
    if quality:
        report.problems += quality_problems(validation, where)
        report.ran.append("quality checks")
    if reasoner:
        found, skipped = reasoner_problems(chosen)
        report.problems += found
        if skipped is None:
            report.ran.append("reasoner")
        else:
            report.skipped.append(skipped)
    else:
        report.skipped.append("reasoner (--no-reason)")
    return report
