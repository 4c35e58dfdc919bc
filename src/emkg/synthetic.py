"""Synthetic cohorts in the emkg model, for measuring stores, engines and shapes at scale.

A cohort is valid emkg data: it conforms to every shape in ``shapes/`` and every saved
competency question has answers on it from a few dozen patients up. It describes no real
person and cites synthetic publications (DOIs under the ``10.5555`` example prefix), so it
never belongs in ``kg/``.

Every term comes from the ontology and its UBERON import, read once per cohort
(:class:`Vocabulary`): value-set members are the individuals the ontology declares for a
value-set class, agents are the leaf classes under an intervention class (chemotherapy, CAR-T
cell therapy, allogeneic HSCT, ...), sites are the anatomy classes of the import, methods the
leaves under an assessment-method class. The generator names only the anchors of its clinical
story (a CAR-T line has intent emkg:CARTInfusion and an agent under emkg:CARTCellTherapy); a
term the ontology lacks is an error, never a silent default.

Each patient follows a plausible relapsed B-ALL course: diagnosis, frontline therapy, marrow
MRD, a relapse with 0-3 EM findings (imaging or pathology, some subclinical, some in the CSF),
one to three salvage regimens (chemotherapy, blinatumomab, inotuzumab, CAR-T after
lymphodepletion, radiotherapy to an EM site, allogeneic HSCT after conditioning), each with
responses, EM findings dated from it, relapses, graded toxicities or infections, management
decisions prompted by EM findings, and a death or a follow-up at the end; at most 10 EM
findings per patient. Every curated node is the body of a Web Annotation quoting its synthetic
publication. Patients are grouped into publications of 1 to 40 cases, each with literature
claims about the targeted agents its patients received.

Output is N-Triples written line by line from a seeded random stream: a cohort of a given
size and seed is always the same bytes, and 100,000 patients stay cheap in memory.
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from emkg import build
from emkg.errors import InputError
from emkg.rdfio import parse_into

EMKG = "https://w3id.org/emkg/ontology#"
OBO = "http://purl.obolibrary.org/obo/"
OA = "http://www.w3.org/ns/oa#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
BASE = "https://w3id.org/emkg/synthetic/"
DOI_PREFIX = "10.5555/emkg.synthetic"

ANATOMICAL_ENTITY = URIRef(OBO + "UBERON_0001062")
BONE_MARROW = URIRef(OBO + "UBERON_0002371")
CEREBROSPINAL_FLUID = URIRef(OBO + "UBERON_0001359")
#: anatomy classes that are not a place where a lesion is found (whole systems, organisms,
#: spaces): their subclasses are not offered as EM sites
_NOT_SITES = tuple(
    URIRef(OBO + f"UBERON_{n}")
    for n in ("0000467", "0000468", "0000466", "0000475", "0000480", "0010317", "0010314")
)

MAX_EM_FINDINGS = 10
MAX_PUBLICATION_SIZE = 40


def _e(local: str) -> URIRef:
    return URIRef(EMKG + local)


def _iri(value: str) -> str:
    return f"<{value}>"


# ---------------------------------------------------------------------------
# The vocabulary, read from the ontology
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A term as an N-Triples IRI, with its label for synthetic quotes."""

    nt: str
    label: str


@dataclass
class Vocabulary:
    """The terms a cohort draws on, all read from the ontology and its imports."""

    graph: Graph
    _members: dict[str, tuple[Term, ...]] = field(default_factory=dict)
    _leaves: dict[str, tuple[Term, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Vocabulary:
        graph = Graph()
        for path in build.ontology_files():
            parse_into(graph, path)
        return cls(graph)

    def term(self, iri: URIRef) -> Term:
        if (iri, None, None) not in self.graph:
            raise InputError(
                f"the synthetic cohort needs {iri}, which the ontology does not declare",
                hint="the ontology changed: update emkg.synthetic to the new term",
            )
        label = self.graph.value(iri, RDFS.label)
        return Term(_iri(str(iri)), str(label) if label is not None else str(iri).rsplit("#")[-1])

    def e(self, local: str) -> Term:
        return self.term(_e(local))

    def members(self, value_set: str) -> tuple[Term, ...]:
        """The individuals the ontology declares for a value-set class (sorted by IRI)."""
        if value_set not in self._members:
            found = sorted(
                s for s in self.graph.subjects(RDF.type, _e(value_set)) if isinstance(s, URIRef)
            )
            if not found:
                raise InputError(
                    f"the ontology declares no member of emkg:{value_set}",
                    hint="the synthetic cohort draws its values from the ontology",
                )
            self._members[value_set] = tuple(self.term(s) for s in found)
        return self._members[value_set]

    def member(self, value_set: str, local: str) -> Term:
        """One named member of a value set, checked against the ontology."""
        wanted = _iri(EMKG + local)
        for t in self.members(value_set):
            if t.nt == wanted:
                return t
        raise InputError(
            f"emkg:{local} is not a member of emkg:{value_set} in the ontology",
            hint="the ontology changed: update emkg.synthetic to the new value set",
        )

    def leaves(self, root: str) -> tuple[Term, ...]:
        """The classes under ``emkg:root`` (itself if it has none) without subclasses."""
        if root not in self._leaves:
            top = _e(root)
            self.term(top)
            below = set(self.graph.transitive_subjects(RDFS.subClassOf, top))
            found = sorted(
                c
                for c in below
                if isinstance(c, URIRef)
                and not any(True for _ in self.graph.subjects(RDFS.subClassOf, c))
            )
            self._leaves[root] = tuple(self.term(c) for c in found)
        return self._leaves[root]

    def is_a(self, cls: Term, root: str) -> bool:
        iri = URIRef(cls.nt[1:-1])
        return _e(root) in set(self.graph.transitive_objects(iri, RDFS.subClassOf))

    def antigens(self, agent: Term) -> list[Term]:
        """The antigens the ontology says an agent class is directed at (inherited)."""
        iri = URIRef(agent.nt[1:-1])
        found = set()
        for cls in self.graph.transitive_objects(iri, RDFS.subClassOf):
            for antigen in self.graph.objects(cls, _e("targetsAntigen")):
                if isinstance(antigen, URIRef):
                    found.add(antigen)
        return [self.term(a) for a in sorted(found)]

    def sites(self) -> tuple[Term, ...]:
        """EM sites: leaf anatomy classes of the UBERON import that reach anatomical entity
        by is_a, other than bone marrow and whole systems, organisms or spaces."""
        if "sites" not in self._leaves:
            g = self.graph
            chosen = []
            for c in set(g.subjects(RDF.type, OWL.Class)):
                if not isinstance(c, URIRef) or not str(c).startswith(OBO + "UBERON_"):
                    continue
                if any(True for s in g.subjects(RDFS.subClassOf, c)):
                    continue
                ancestors = set(g.transitive_objects(c, RDFS.subClassOf))
                if ANATOMICAL_ENTITY not in ancestors or BONE_MARROW in ancestors:
                    continue
                if any(n in ancestors for n in _NOT_SITES):
                    continue
                chosen.append(c)
            if not chosen:
                raise InputError("the UBERON import has no anatomy class to use as a site")
            self._leaves["sites"] = tuple(self.term(c) for c in sorted(chosen))
        return self._leaves["sites"]


# ---------------------------------------------------------------------------
# Writing N-Triples
# ---------------------------------------------------------------------------

_RDF_TYPE = _iri(str(RDF.type))
_LABEL = _iri(str(RDFS.label))


def _lit(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def _str(text: str) -> str:
    return Literal(text).n3()


def _p(local: str) -> str:
    return f"<{EMKG}{local}>"


_OA_ANNOTATION = _iri(OA + "Annotation")
_OA_BODY = _iri(OA + "hasBody")
_OA_TARGET = _iri(OA + "hasTarget")
_OA_SOURCE = _iri(OA + "hasSource")
_OA_SELECTOR = _iri(OA + "hasSelector")
_OA_SPECIFIC = _iri(OA + "SpecificResource")
_OA_QUOTE = _iri(OA + "TextQuoteSelector")
_OA_EXACT = _iri(OA + "exact")


class _Writer:
    """Lines of one cohort; blank-node labels are unique over the whole file."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.count = 0
        self._blank = 0

    def t(self, s: str, p: str, o: str) -> None:
        self.out.write(f"{s} {p} {o} .\n")
        self.count += 1

    def blank(self) -> str:
        self._blank += 1
        return f"_:b{self._blank}"

    def annotate(self, bodies: list[str], source: str, quote: str) -> None:
        ann, target, selector = self.blank(), self.blank(), self.blank()
        self.t(ann, _RDF_TYPE, _OA_ANNOTATION)
        for body in bodies:
            self.t(ann, _OA_BODY, body)
        self.t(ann, _OA_TARGET, target)
        self.t(target, _RDF_TYPE, _OA_SPECIFIC)
        self.t(target, _OA_SOURCE, source)
        self.t(target, _OA_SELECTOR, selector)
        self.t(selector, _RDF_TYPE, _OA_QUOTE)
        self.t(selector, _OA_EXACT, _str(quote))


# ---------------------------------------------------------------------------
# One patient's course
# ---------------------------------------------------------------------------


@dataclass
class _Finding:
    node: str
    index: int
    site: Term
    present: bool


class _Patient:
    """Writes one patient's timeline in order; the sequence index grows with each event."""

    def __init__(
        self, w: _Writer, v: Vocabulary, rng: random.Random, number: int, source: str
    ) -> None:
        self.w, self.v, self.rng = w, v, rng
        self.source = source
        self.base = f"{BASE}p{number}/"
        self.node = _iri(self.base + "patient")
        self.index = 0
        self.events = 0
        self.findings: list[_Finding] = []
        self.baseline_not_reported = False
        self.em_budget = rng.randint(0, MAX_EM_FINDINGS)
        self.agents_used: set[Term] = set()
        self.number = number
        self.pending: list[str] = []
        self.pending_text = ""

    # -- helpers ------------------------------------------------------------

    def new(self, kind: str) -> str:
        self.events += 1
        return _iri(f"{self.base}{kind}{self.events}")

    def event(self, cls: str, kind: str, label: str) -> str:
        node = self.new(kind)
        self.index += 1
        t = self.w.t
        t(node, _RDF_TYPE, self.v.e(cls).nt)
        t(node, _LABEL, _str(label))
        t(node, _p("ofPatient"), self.node)
        t(node, _p("sequenceIndex"), _lit(self.index, "integer"))
        return node

    def quote(self, bodies: list[str], text: str) -> None:
        """Support ``bodies`` by the quote of the current paragraph (written by flush)."""
        if not self.pending:
            self.pending_text = text
        self.pending.extend(bodies)

    def flush(self) -> None:
        """One annotation for the nodes of a paragraph of the synthetic report."""
        if self.pending:
            text = f"Synthetic case {self.number}: {self.pending_text}."
            self.w.annotate(self.pending, self.source, text)
            self.pending = []

    def offset(self, event: str, anchor: str, amount: int, unit: str, text: str) -> None:
        o = self.w.blank()
        t = self.w.t
        t(event, _p("hasTimeOffset"), o)
        t(o, _RDF_TYPE, self.v.e("TimeOffset").nt)
        t(o, _p("anchorEvent"), anchor)
        t(o, _p("offsetValue"), _lit(amount, "integer"))
        t(o, _p("offsetUnit"), self.v.member("TimeUnit", unit).nt)
        t(o, _p("offsetText"), _str(text))

    def choice(self, items: tuple[Term, ...] | list[Term]) -> Term:
        # one draw whatever the number of items, so that a value set growing in the ontology
        # does not reshuffle the rest of the cohort
        return items[min(int(self.rng.random() * len(items)), len(items) - 1)]

    # -- events ------------------------------------------------------------

    def header(self) -> None:
        t, v, rng = self.w.t, self.v, self.rng
        t(self.node, _RDF_TYPE, v.e("Patient").nt)
        t(self.node, _LABEL, _str(f"Synthetic case {self.number}"))
        t(self.node, _p("caseLabel"), _str(f"Case {self.number}"))
        t(self.node, _p("reportedIn"), self.source)
        r = rng.random()
        if r < 0.85:
            t(self.node, _p("ageInYears"), _lit(rng.randint(1, 79), "integer"))
        elif r < 0.92:
            t(self.node, _p("ageDuration"), _lit(f"P{rng.randint(6, 23)}M", "duration"))
        else:
            t(self.node, _p("notReported"), v.member("ReportElement", "AgeElement").nt)
        if rng.random() < 0.95:
            t(self.node, _p("sex"), self.choice(v.members("Sex")).nt)
        else:
            t(self.node, _p("notReported"), v.member("ReportElement", "SexElement").nt)
        self.quote([self.node], "the patient and the course of the disease")

    def diagnosis(self) -> str:
        t, v, rng = self.w.t, self.v, self.rng
        dx = self.event("Diagnosis", "dx", "diagnosis of B-ALL")
        t(dx, _p("disease"), v.e("BCellAcuteLymphoblasticLeukemia").nt)
        if rng.random() < 0.7:
            t(dx, _p("cnsStatus"), self.choice(v.members("CNSStatus")).nt)
        if rng.random() < 0.5:
            t(dx, _p("riskGroup"), self.choice(v.members("RiskGroup")).nt)
        bodies = [dx]
        for k in range(rng.choice((0, 0, 1, 2))):
            gf = self.new("gf")
            t(dx, _p("hasGeneticFeature"), gf)
            t(gf, _RDF_TYPE, v.e("GeneticFeature").nt)
            t(gf, _p("featureText"), _str(f"synthetic genetic feature {k + 1}"))
            bodies.append(gf)
        self.quote(bodies, "diagnosed with B-cell acute lymphoblastic leukemia")
        return dx

    def line(
        self,
        label: str,
        intents: list[Term],
        agents: list[Term],
        *,
        route: Term | None = None,
        extra: dict[str, Term] | None = None,
    ) -> str:
        t, v = self.w.t, self.v
        line = self.event("TherapyLine", "line", label)
        for intent in intents:
            t(line, _p("intent"), intent.nt)
        bodies = [line]
        for agent in agents:
            comp = self.new("component")
            t(line, _p("hasComponent"), comp)
            t(comp, _RDF_TYPE, v.e("TherapyComponent").nt)
            t(comp, _p("agent"), agent.nt)
            self.agents_used.add(agent)
            if self.rng.random() < 0.5:
                t(comp, _p("doseText"), _str(f"{agent.label} at the protocol dose"))
            else:
                t(comp, _p("notReported"), v.member("ReportElement", "DoseElement").nt)
            if route is not None:
                t(comp, _p("route"), route.nt)
            for prop, value in (extra or {}).items():
                t(comp, _p(prop), value.nt)
            if v.is_a(agent, "CARTCellTherapy"):
                for antigen in v.antigens(agent):
                    t(comp, _p("targetAntigen"), antigen.nt)
                t(comp, _p("cellOrigin"), self.choice(v.members("CellOrigin")).nt)
            bodies.append(comp)
        self.quote(bodies, f"{label}, given as " + ", ".join(a.label for a in agents))
        return line

    def marrow_mrd(self) -> str:
        t, v, rng = self.w.t, self.v, self.rng
        a = self.event("DiseaseAssessment", "bm", "bone marrow MRD assessment")
        m = self.new("mrd")
        t(a, _p("specimen"), v.term(BONE_MARROW).nt)
        t(a, _p("hasMeasurement"), m)
        t(m, _RDF_TYPE, v.e("DiseaseMeasurement").nt)
        t(m, _p("measurementKind"), v.member("MeasurementKind", "MRD").nt)
        value = round(rng.random() ** 3 * 20, 4)
        t(m, _p("value"), _lit(f"{value:.4f}", "decimal"))
        t(m, _p("unit"), v.member("MeasurementUnit", "Percent").nt)
        method = self.choice([v.e("FlowCytometry"), v.e("NextGenerationSequencingMRD")])
        t(m, _p("method"), method.nt)
        t(m, _p("result"), v.member("MeasurementResult", "Positive" if value else "Negative").nt)
        self.quote([a, m], f"bone marrow MRD {value} percent by {method.label}")
        return a

    def em_finding(
        self,
        status: str,
        *,
        site: Term | None = None,
        anchor: str | None = None,
        context: str | None = None,
        days: int | None = None,
    ) -> _Finding | None:
        if self.em_budget <= 0:
            return None
        self.em_budget -= 1
        t, v, rng = self.w.t, self.v, self.rng
        if site is None:
            site = v.term(CEREBROSPINAL_FLUID) if rng.random() < 0.12 else self.choice(v.sites())
        f = self.event("EMFinding", "finding", f"EM finding at the {site.label}")
        t(f, _p("site"), site.nt)
        finding_status = v.member("FindingStatus", status)
        t(f, _p("findingStatus"), finding_status.nt)
        if site.nt == v.term(CEREBROSPINAL_FLUID).nt:
            method = v.e("CSFCytology")
        elif rng.random() < 0.75:
            method = self.choice(v.leaves("ImagingMethod"))
        else:
            method = self.choice([v.e("Biopsy"), v.e("Histology"), v.e("Immunohistochemistry")])
        if rng.random() < 0.9:
            t(f, _p("detectedBy"), method.nt)
        else:
            t(f, _p("notReported"), v.member("ReportElement", "DetectionMethodElement").nt)
        if context is not None:
            # what prompted the examination (detection context) or what it was for (role)
            roles = {m.nt for m in v.members("AssessmentRole")}
            if _iri(EMKG + context) in roles:
                t(f, _p("assessmentRole"), v.member("AssessmentRole", context).nt)
            else:
                t(f, _p("detectionContext"), v.member("DetectionContext", context).nt)
        # disease seen: the statuses the ontology types emkg:DiseaseSeenStatus
        present = finding_status in v.members("DiseaseSeenStatus")
        if present and rng.random() < 0.3:
            t(f, _p("subclinical"), _lit("true", "boolean"))
        if anchor is not None and days is not None:
            self.offset(f, anchor, days, "Day", f"day {days} after the therapy")
        self.quote([f], f"{status} disease at the {site.label}")
        finding = _Finding(f, self.index, site, present)
        self.findings.append(finding)
        return finding

    def present_sites(self) -> list[_Finding]:
        return [f for f in self.findings if f.present]

    def response(self, line: str, compartment: str) -> str:
        t, v = self.w.t, self.v
        r = self.event("Response", "response", "response to the therapy")
        category = self.choice(v.members("ResponseCategory"))
        t(r, _p("responseCategory"), category.nt)
        t(r, _p("responseCompartment"), v.member("DiseaseCompartment", compartment).nt)
        t(r, _p("attributedTo"), line)
        method = self.choice([v.e("FlowCytometry"), v.e("NextGenerationSequencingMRD")])
        t(r, _p("assessedBy"), method.nt)
        self.quote([r], f"{category.label} after the therapy")
        return r

    def relapse(self, after: str | None) -> str:
        t, v, rng = self.w.t, self.v, self.rng
        rel = self.event("Relapse", "relapse", "relapse")
        kind = self.choice(v.members("RelapseType"))
        t(rel, _p("relapseType"), kind.nt)
        if kind.nt != v.member("RelapseType", "ExtramedullaryRelapse").nt:
            t(rel, _p("site"), v.term(BONE_MARROW).nt)
        bodies = [rel]
        if kind.nt != v.member("RelapseType", "MedullaryRelapse").nt:
            # its extramedullary site and, for some, the CD19 status of its blasts, drawn from a
            # generator of the relapse's own so that the rest of the cohort stays as it was
            own = random.Random(rel)  # noqa: S311 - reproducible test data, not secrets
            sites = v.sites()
            t(rel, _p("site"), sites[own.randrange(len(sites))].nt)
            if own.random() < 0.5:
                cd19 = self.new("cd19-expression")
                levels = v.members("ExpressionLevel")
                methods = (v.e("FlowCytometry"), v.e("Immunohistochemistry"))
                t(cd19, _RDF_TYPE, v.e("AntigenExpression").nt)
                t(cd19, _p("antigen"), v.member("Antigen", "CD19").nt)
                t(cd19, _p("expression"), levels[own.randrange(len(levels))].nt)
                t(cd19, _p("method"), methods[own.randrange(len(methods))].nt)
                t(rel, _p("hasAntigenExpression"), cd19)
                bodies.append(cd19)
        if after is not None:
            t(rel, _p("attributedTo"), after)
            months = rng.randint(2, 30)
            self.offset(rel, after, months, "Month", f"{months} months after the therapy")
        self.quote(bodies, f"{kind.label}")
        return rel

    def toxicity(self, line: str, condition: Term) -> None:
        t, v, rng = self.w.t, self.v, self.rng
        tox = self.event("Toxicity", "toxicity", condition.label)
        t(tox, _p("condition"), condition.nt)
        t(tox, _p("attributedTo"), line)
        if rng.random() < 0.9:
            scheme = self.choice(
                [s for s in v.members("GradingScheme") if s.nt != v.e("Ungraded").nt]
            )
            t(tox, _p("gradingScheme"), scheme.nt)
            t(tox, _p("grade"), _lit(rng.randint(1, 4), "integer"))
        else:
            t(tox, _p("gradingScheme"), v.member("GradingScheme", "Ungraded").nt)
            t(tox, _p("notReported"), v.member("ReportElement", "GradeElement").nt)
        self.quote([tox], f"{condition.label} after the therapy")

    def infection(self, line: str) -> None:
        t, v = self.w.t, self.v
        condition = self.choice(v.leaves("InfectiousCondition"))
        inf = self.event("Infection", "infection", condition.label)
        t(inf, _p("condition"), condition.nt)
        t(inf, _p("attributedTo"), line)
        self.quote([inf], f"{condition.label}")

    def decision(self, prompted_by: _Finding, change: str) -> tuple[str, str]:
        t, v = self.w.t, self.v
        d = self.event("ManagementDecision", "decision", "change of plan for EM disease")
        t(d, _p("promptedBy"), prompted_by.node)
        t(d, _p("decisionType"), v.member("ManagementChangeType", change).nt)
        t(d, _p("rationaleText"), _str(f"EM disease at the {prompted_by.site.label}"))
        self.quote([d], f"the plan changed because of disease at the {prompted_by.site.label}")
        return d, change

    # -- regimens ------------------------------------------------------------

    def after_line(self, line: str, compartment: str = "MedullaryCompartment") -> None:
        """Response, EM findings dated from the line, maybe a relapse attributed to it."""
        rng = self.rng
        self.response(line, compartment)
        previous = {f.site for f in self.present_sites()}
        for site in sorted(previous, key=lambda s: s.nt)[: rng.randint(0, 2)]:
            status = rng.choice(
                ("Resolved", "Decreased", "Stable", "Progressing", "Pseudoprogression")
            )
            self.em_finding(
                status,
                site=site,
                anchor=line,
                days=rng.choice((28, 30, 60, 90)),
                context="ResponseAssessment",
            )
        if rng.random() < 0.25:
            self.em_finding(
                "Present",
                anchor=line,
                days=rng.randint(60, 400),
                context=rng.choice(("SymptomWorkup", "RoutineSurveillance")),
            )
        if rng.random() < 0.3:
            self.relapse(line)

    def chemo(self) -> str:
        v, rng = self.v, self.rng
        agents = rng.sample(v.leaves("Chemotherapy"), rng.randint(1, 3))
        line = self.line("salvage chemotherapy", [v.member("TherapyIntent", "Salvage")], agents)
        self.after_line(line)
        return line

    def antibody(self, root: str) -> str:
        v, rng = self.v, self.rng
        intent = rng.choice(("Salvage", "BridgingToHSCT", "BridgingToCART", "Reinduction"))
        agent = self.choice(v.leaves(root))
        line = self.line(agent.label, [v.member("TherapyIntent", intent)], [agent])
        self.after_line(line)
        if rng.random() < 0.3:
            self.toxicity(line, self.choice(v.leaves("ImmuneEffectorCellToxicity")))
        return line

    def radiotherapy(self) -> str | None:
        v, rng = self.v, self.rng
        present = self.present_sites()
        if not present:
            return None
        target = present[rng.randrange(len(present))]
        decision = None
        if rng.random() < 0.7:
            decision = self.decision(target, "RadiotherapyBeforeLymphodepletion")
        line = self.line(
            f"radiotherapy to the {target.site.label}",
            [v.member("TherapyIntent", "LocalTherapy")],
            [v.e("Radiotherapy")],
        )
        self.w.t(line, _p("targetSite"), target.site.nt)
        if decision is not None:
            self.w.t(decision[0], _p("resultedIn"), line)
        return line

    def cart(self) -> str:
        v, rng = self.v, self.rng
        t = self.w.t
        # baseline imaging before the infusion (the completeness shapes recommend it)
        if self.em_budget > 0 and rng.random() < 0.85:
            site = self.choice(v.sites())
            f = self.event("EMFinding", "finding", f"baseline PET at the {site.label}")
            self.em_budget -= 1
            seen = rng.random() < 0.6
            status = "Present" if seen else "AbsentWhenAssessed"
            t(f, _p("site"), site.nt)
            t(f, _p("findingStatus"), v.member("FindingStatus", status).nt)
            t(f, _p("detectedBy"), self.choice(v.leaves("PETImaging")).nt)
            t(f, _p("detectionContext"), v.member("DetectionContext", "PreTherapyStaging").nt)
            if seen and rng.random() < 0.5:
                t(f, _p("subclinical"), _lit("true", "boolean"))
            self.quote([f], f"baseline PET before CAR-T, {status} at the {site.label}")
            self.findings.append(_Finding(f, self.index, site, seen))
        elif not self.baseline_not_reported:
            # said once on the patient, however many CAR-T lines lack baseline imaging
            self.baseline_not_reported = True
            t(self.node, _p("notReported"), v.member("ReportElement", "BaselineImagingElement").nt)
        present = self.present_sites()
        decision = None
        if present and rng.random() < 0.4:
            change = rng.choice(("CARTDoseReduction", "BridgingTherapyAdded", "TherapySwitched"))
            decision = self.decision(present[-1], change)
        ld = self.line(
            "lymphodepletion",
            [v.member("TherapyIntent", "Lymphodepletion")],
            [v.e("Fludarabine"), v.e("Cyclophosphamide")],
        )
        agent = self.choice(v.leaves("CARTCellTherapy"))
        line = self.line(
            f"{agent.label} infusion", [v.member("TherapyIntent", "CARTInfusion")], [agent]
        )
        if decision is not None:
            self.w.t(decision[0], _p("resultedIn"), ld)
        self.toxicity(line, v.e("CytokineReleaseSyndrome"))
        if rng.random() < 0.4:
            self.toxicity(line, v.e("ICANS"))
        self.after_line(line, rng.choice(("MedullaryCompartment", "ExtramedullaryCompartment")))
        return line

    def hsct(self, bridge: str | None) -> str:
        v, rng = self.v, self.rng
        t = self.w.t
        present = self.present_sites()
        decision = None
        if present and rng.random() < 0.4:
            decision = self.decision(present[-1], "TransplantPursued")
        conditioning = rng.sample(
            [v.e("Busulfan"), v.e("Fludarabine"), v.e("Thiotepa"), v.e("Cyclophosphamide")], 2
        )
        cond = self.line("conditioning", [v.member("TherapyIntent", "Conditioning")], conditioning)
        if decision is not None:
            t(decision[0], _p("resultedIn"), cond)
        agent = self.choice(v.leaves("AllogeneicHSCT"))
        line = self.line(
            agent.label,
            [v.member("TherapyIntent", "Transplantation")],
            [agent],
            extra={
                "donorType": self.choice(v.members("DonorType")),
                "graftSource": self.choice(v.members("GraftSource")),
            },
        )
        if bridge is not None:
            t(bridge, _p("bridgesTo"), line)
            t(bridge, _p("intent"), v.member("TherapyIntent", "BridgingToHSCT").nt)
        if rng.random() < 0.3:
            self.infection(line)
        self.after_line(line)
        return line

    def outcome(self, last_line: str) -> None:
        t, v, rng = self.w.t, self.v, self.rng
        if rng.random() < 0.35:
            d = self.event("Death", "death", "death")
            r = rng.random()
            if r < 0.7:
                t(
                    d,
                    _p("causeOfDeath"),
                    self.choice(
                        [v.e("BCellAcuteLymphoblasticLeukemia"), *v.leaves("InfectiousCondition")]
                    ).nt,
                )
            elif r < 0.85:
                t(d, _p("causeText"), _str("progressive disease"))
            else:
                t(d, _p("notReported"), v.member("ReportElement", "CauseOfDeathElement").nt)
            if rng.random() < 0.8:
                months = rng.randint(1, 48)
                self.offset(
                    d, last_line, months, "Month", f"{months} months after the last therapy"
                )
            self.quote([d], "the patient died")
            return
        fu = self.event("FollowUp", "followup", "last follow-up")
        t(fu, _p("vitalStatus"), v.member("VitalStatus", "Alive").nt)
        t(fu, _p("diseaseStatus"), self.choice(v.members("DiseaseStatus")).nt)
        if rng.random() < 0.8:
            months = rng.randint(3, 60)
            self.offset(fu, last_line, months, "Month", f"{months} months after the last therapy")
        self.quote([fu], "alive at the last follow-up")

    def course(self) -> None:
        v, rng = self.v, self.rng
        self.header()
        self.flush()
        self.diagnosis()
        self.flush()
        frontline = [
            *rng.sample(v.leaves("Chemotherapy"), 3),
            self.choice(v.leaves("Glucocorticoid")),
        ]
        intents = [v.member("TherapyIntent", rng.choice(("Induction", "FrontlineProtocol")))]
        line = self.line("frontline chemotherapy", intents, frontline)
        if rng.random() < 0.6:
            it = self.line(
                "intrathecal prophylaxis",
                [v.member("TherapyIntent", "CNSProphylaxis")],
                [v.e("Methotrexate")],
                route=v.member("Route", "Intrathecal"),
            )
            del it
        self.response(line, "MedullaryCompartment")
        self.marrow_mrd()
        self.flush()
        self.relapse(line)
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            self.em_finding(
                "Present",
                context=rng.choice(("SymptomWorkup", "PreTherapyStaging", "ClinicalPresentation")),
            )
        self.flush()
        last = line
        bridge: str | None = None
        for _ in range(rng.randint(1, 3)):
            kind = rng.random()
            if rng.random() < 0.5:
                self.marrow_mrd()
            if kind < 0.2:
                last = self.chemo()
            elif kind < 0.4:
                last = self.antibody("BispecificTCellEngager")
            elif kind < 0.5:
                last = self.antibody("AntibodyDrugConjugate")
            elif kind < 0.6:
                last = self.radiotherapy() or last
            elif kind < 0.85:
                last = bridge = self.cart()
            else:
                last = self.hsct(bridge)
                bridge = None
            self.flush()
        if bridge is not None and rng.random() < 0.5:
            last = self.hsct(bridge)
            self.flush()
        self.outcome(last)
        self.flush()


# ---------------------------------------------------------------------------
# Publications and cohorts
# ---------------------------------------------------------------------------


def _publication(w: _Writer, v: Vocabulary, seed: int, k: int) -> str:
    doi = f"{DOI_PREFIX}.s{seed}.{k}"
    pub = _iri(f"https://doi.org/{doi}")
    w.t(pub, _RDF_TYPE, v.e("Publication").nt)
    w.t(pub, _p("doi"), _str(doi))
    w.t(
        pub,
        _iri(DCTERMS + "bibliographicCitation"),
        _str(
            f"Synthetic case series {k} (seed {seed}), generated by emkg; not a real publication."
        ),
    )
    return pub


def _claims(
    w: _Writer, v: Vocabulary, rng: random.Random, pub: str, k: int, agents: set[Term], size: int
) -> None:
    targeted = sorted(
        (a for a in agents if v.is_a(a, "AntigenDirectedTherapy")), key=lambda a: a.nt
    )
    for n, agent in enumerate(targeted[:4]):
        claim = _iri(f"{BASE}publication{k}/claim{n + 1}")
        kind = v.members("ClaimType")[rng.randrange(len(v.members("ClaimType")))]
        w.t(claim, _RDF_TYPE, v.e("LiteratureClaim").nt)
        w.t(claim, _LABEL, _str(f"{kind.label} of {agent.label}"))
        w.t(claim, _p("claimType"), kind.nt)
        w.t(
            claim,
            _p("claimStatement"),
            _str(f"In this synthetic series, {agent.label} is discussed ({kind.label})."),
        )
        w.t(claim, _p("reportedIn"), pub)
        w.t(claim, _p("aboutTherapy"), agent.nt)
        if rng.random() < 0.5:
            w.t(claim, _p("proportionValue"), _lit(f"{rng.random():.2f}", "decimal"))
            w.t(claim, _p("cohortSize"), _lit(size, "integer"))
        w.annotate([claim], pub, f"Synthetic series {k}: a claim about {agent.label}.")


def write_lines(
    out: IO[str], patients: int, seed: int = 1, vocabulary: Vocabulary | None = None
) -> int:
    """Write a cohort of ``patients`` as N-Triples to ``out``; returns the number of triples."""
    v = vocabulary if vocabulary is not None else Vocabulary.load()
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    w = _Writer(out)
    number = 0
    k = 0
    while number < patients:
        k += 1
        size = min(rng.randint(1, MAX_PUBLICATION_SIZE), patients - number)
        pub = _publication(w, v, seed, k)
        agents: set[Term] = set()
        for _ in range(size):
            number += 1
            p = _Patient(w, v, rng, number, pub)
            p.course()
            agents |= p.agents_used
        _claims(w, v, rng, pub, k, agents, size)
    return w.count


def cohort_lines(patients: int, seed: int = 1) -> Iterator[str]:
    """The cohort's N-Triples lines (for small cohorts; big ones go through write_cohort)."""
    import io

    buffer = io.StringIO()
    write_lines(buffer, patients, seed)
    yield from buffer.getvalue().splitlines(keepends=True)


def write_cohort(path: Path, patients: int, seed: int = 1) -> int:
    """Write a synthetic cohort as N-Triples (atomically); returns the number of triples."""
    path = Path(path)
    vocabulary = Vocabulary.load()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 20) as fh:
            count = write_lines(fh, patients, seed, vocabulary)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
