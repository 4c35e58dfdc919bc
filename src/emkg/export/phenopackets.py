"""``emkg export phenopackets``: one GA4GH Phenopacket v2 per patient.

The packets are built with the protobuf classes of the ``phenopackets`` package (the schema's
own Python binding) from the rows of the export queries (``queries/export/``), grouped by
patient, and written with protobuf's JSON printer. What goes where (README, "Phenopackets"):

* ``subject``: id = the patient's IRI, the source's case label as alternate id, sex, vital
  status (deceased with the cause of death, or alive at the last follow-up). No date.
* ``diseases``: the diagnosis (term: the disease's checked MONDO or NCIt exact match), then
  each relapse in timeline order (same disease term, relapse type as stage, the site when
  there is one). The age the source gives becomes the onset of the event it is given at.
* ``phenotypicFeatures``: one per extramedullary finding that was looked at: ``type`` is the
  UBERON site, ``excluded`` when looked for and absent; the methods that showed it, its status
  (when not simply present or absent) and side are ``modifiers``; ``excluded`` also for a
  resolved finding or a pseudoprogression (no disease seen at that look); its quotes are
  ``evidence``. Its place in the timeline and the time the source gives (offset from an
  anchor event, in the source's words) are in a note of ``metaData.externalReferences``
  naming the finding (the Phenopackets tools' JSON Schema refuses a feature description).
* ``biosamples``: the blasts of each finding, relapse or diagnosis whose immunophenotype or
  lineage the source gives (id = the event's IRI): site as ``sampledTissue``, the blast
  lineage as ``histologicalDiagnosis``, one ``measurements`` entry per antigen (``assay`` the
  antigen, ``value`` positive/negative/dim/partial, ``procedure`` the method), the lineage
  switch and the event's place in the timeline in ``description``.
* ``medicalActions``: per therapy line in timeline order, one ``therapeuticRegimen`` action
  naming the line (its IRI and label) with its intent, response and adverse events, followed
  by one action per component: a ``procedure`` for transplants, radiotherapy and care
  procedures, a ``treatment`` with the agent otherwise.
* ``metaData``: every ontology resource used with the version it was checked against, the
  source publication as an external reference, and notes for what the schema cannot say
  (dose, donor and graft, graded toxicities, management decisions), each naming the node.

Terms are written with their checked external identifier where the ontology maps them by
``skos:exactMatch`` (MONDO, NCIt, MAxO, ChEBI, HPO); otherwise with the emkg identifier
(``emkg:Blinatumomab``), declared as a resource. No identifier is made up.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from emkg import __version__
from emkg.catalogue import QueryEntry
from emkg.errors import InputError
from emkg.export.store import export_queries, replace_folder, restricted, rows, table_name
from emkg.prefixes import PREFIXES, compact

Out = Callable[[str], None]
Row = dict[str, str | None]

EMKG = PREFIXES["emkg"]
OBO = PREFIXES["obo"]
SCHEMA_VERSION = "2.0.2"
#: "author statement from published clinical study used in manual assertion", the evidence
#: code the Phenopackets tools use for statements curated from a paper (phenopacket-tools'
#: OntologyClassBuilder constants and the schema's documentation examples)
ECO_AUTHOR_STATEMENT = (
    "ECO:0006017",
    "author statement from published clinical study used in manual assertion",
)
#: external prefixes a term may be written with, in order of preference per field
DISEASE_PREFIXES = ("MONDO", "NCIT")
AGENT_PREFIXES = ("NCIT", "CHEBI", "MAXO")
PROCEDURE_PREFIXES = ("MAXO", "NCIT")
OTHER_PREFIXES = ("NCIT", "MAXO", "HP", "MONDO", "CHEBI", "UBERON")
#: resource names and IRI prefixes of the ontologies packets can cite
OBO_RESOURCES: dict[str, str] = {
    "MONDO": "mondo",
    "NCIT": "ncit",
    "MAXO": "maxo",
    "CHEBI": "chebi",
    "HP": "hp",
    "UBERON": "uberon",
}
ABSENT = EMKG + "AbsentWhenAssessed"
PRESENT = EMKG + "Present"
NOT_ASSESSED = EMKG + "NotAssessed"

NEEDED = (
    "patients",
    "events",
    "time-offsets",
    "diagnoses",
    "therapy-lines",
    "therapy-line-intents",
    "therapy-components",
    "agents",
    "em-findings",
    "em-finding-methods",
    "outcomes",
    "outcome-sites",
    "evidence",
    "term-mappings",
    "ontology-resources",
    "placements",
    "antigen-expressions",
    "blast-lineages",
)


@dataclass
class Tables:
    """The export queries' rows, indexed for building packets."""

    patients: list[Row]
    events: dict[str, Row] = field(default_factory=dict)
    by_patient: dict[str, dict[str, list[Row]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    by_key: dict[str, dict[str, list[Row]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    agents: dict[str, Row] = field(default_factory=dict)
    mappings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    labels: dict[str, str] = field(default_factory=dict)
    resources: dict[str, Row] = field(default_factory=dict)


#: patients whose rows are read at a time (memory stays flat at any cohort size); measured at
#: 10,000 patients, the queries cost 21 s of CPU per 1,000 patients with 2,000 IRIs in their
#: VALUES block, 11 s with 500 and 250 (Oxigraph's join with a large VALUES block costs more)
CHUNK = 500


def _entries() -> dict[str, QueryEntry]:
    entries: dict[str, QueryEntry] = {table_name(e): e for e in export_queries()}
    missing = [n for n in NEEDED if n not in entries]
    if missing:
        raise InputError(f"queries/export/ lacks {', '.join(missing)}")
    return entries


def read_globals(store: ox.Store, entries: dict[str, QueryEntry]) -> Tables:
    """The tables every packet shares: agents, term mappings, labels, ontology versions."""
    tables = Tables(patients=[])
    for r in rows(store, entries["agents"]):
        tables.agents[str(r["agent"])] = r
    for r in rows(store, entries["term-mappings"]):
        if r["matchKind"] == "exactMatch":
            tables.mappings[str(r["term"])].append(str(r["match"]))
        if r["termLabel"]:
            tables.labels[str(r["term"])] = str(r["termLabel"])
    for r in rows(store, entries["ontology-resources"]):
        tables.resources[str(r["resource"])] = r
    return tables


def read_chunk(
    store: ox.Store, entries: dict[str, QueryEntry], tables: Tables, patients: list[Row]
) -> None:
    """Fill ``tables`` with the rows of ``patients`` only (each query restricted by VALUES)."""

    def run(name: str, variable: str, iris: Iterable[str]) -> Iterable[Row]:
        wanted = sorted(set(iris))
        if not wanted:
            return []
        return rows(store, entries[name], restricted(entries[name], variable, wanted))

    tables.patients = patients
    tables.events = {}
    tables.by_patient = defaultdict(lambda: defaultdict(list))
    tables.by_key = defaultdict(lambda: defaultdict(list))
    ids = [str(p["patient"]) for p in patients]
    for r in run("events", "patient", ids):
        tables.events[str(r["event"])] = r
    for name in ("diagnoses", "therapy-lines", "em-findings", "outcomes"):
        for r in run(name, "patient", ids):
            tables.by_patient[str(r["patient"])][name].append(r)
    for r in run("therapy-components", "patient", ids):
        tables.by_key["components"][str(r["line"])].append(r)
    for name in ("antigen-expressions", "blast-lineages"):
        for r in run(name, "patient", ids):
            tables.by_key[name][str(r["event"])].append(r)
            tables.by_patient[str(r["patient"])][name].append(r)

    def of(name: str, column: str) -> list[str]:
        return [str(r[column]) for mine in tables.by_patient.values() for r in mine[name]]

    # restricted by the chunk's patients where the query has them: Oxigraph then starts from
    # the VALUES block (a VALUES on lines or findings let it scan every line of the store)
    for name, key in (
        ("therapy-line-intents", "line"),
        ("em-finding-methods", "finding"),
        ("outcome-sites", "event"),
    ):
        for r in run(name, "patient", ids):
            tables.by_key[name][str(r[key])].append(r)
    for name, key, iris in (
        ("time-offsets", "event", list(tables.events)),
        ("placements", "event", list(tables.events)),
        ("evidence", "node", of("em-findings", "finding")),
    ):
        for r in run(name, key, iris):
            tables.by_key[name][str(r[key])].append(r)


def read_tables(store: ox.Store) -> Tables:
    """Every table at once (for a small release; :func:`write_packets` reads in chunks)."""
    entries = _entries()
    tables = read_globals(store, entries)
    read_chunk(store, entries, tables, list(rows(store, entries["patients"])))
    return tables


# -- small builders ---------------------------------------------------------------------


def _seq(row: Row) -> int:
    return int(row.get("sequenceIndex") or 0)


def iso_age(years: str | None, duration: str | None) -> str | None:
    """An ISO 8601 duration for the age: the source's duration, or whole years and months."""
    if duration:
        return duration
    if not years:
        return None
    try:
        value = Decimal(years)
    except InvalidOperation:
        return None
    whole = int(value)
    months = int(((value - whole) * 12).to_integral_value())
    return f"P{whole}Y{months}M" if months else f"P{whole}Y"


def source_reference(source: str) -> tuple[str, str]:
    """(CURIE, URL) for a source publication IRI: DOI:..., PMID:..., PMCID:... or the IRI."""
    for base, prefix in (
        ("https://doi.org/", "DOI"),
        ("https://pubmed.ncbi.nlm.nih.gov/", "PMID"),
        ("https://pmc.ncbi.nlm.nih.gov/articles/", "PMCID"),
    ):
        if source.startswith(base):
            return f"{prefix}:{source[len(base) :].strip('/')}", source
    return source, source


class Builder:
    """Builds one packet per patient from :class:`Tables`."""

    def __init__(self, tables: Tables, created: str) -> None:
        import phenopackets as pp

        self.pp = pp
        self.t = tables
        self.created = created

    # terms ---------------------------------------------------------------------------
    def term(self, iri: str | None, label: str | None, prefer: tuple[str, ...]) -> Any:
        """An OntologyClass for ``iri``: its checked exact match of a preferred ontology."""
        if not iri:
            return None
        shown = label or self.t.labels.get(iri) or compact(iri)
        for prefix in prefer:
            for match in self.t.mappings.get(iri, []):
                short = compact(match)
                if short.startswith(prefix + ":"):
                    self._used.add(prefix)
                    return self.pp.OntologyClass(id=short, label=shown)
        short = compact(iri)
        prefix = short.split(":", 1)[0]
        self._used.add(prefix.upper() if prefix.upper() in OBO_RESOURCES else prefix)
        return self.pp.OntologyClass(id=short, label=shown)

    def evidence(self, node: str) -> list[Any]:
        out = []
        for r in self.t.by_key["evidence"].get(node, []):
            curie, url = source_reference(str(r["source"]))
            out.append(
                self.pp.Evidence(
                    evidence_code=self.pp.OntologyClass(
                        id=ECO_AUTHOR_STATEMENT[0], label=ECO_AUTHOR_STATEMENT[1]
                    ),
                    reference=self.pp.ExternalReference(
                        id=curie, reference=url, description=str(r["quote"])
                    ),
                )
            )
        if out:
            self._used.add("ECO")
        return out

    def when(self, event: str) -> str:
        """The event's place in the timeline and the time the source gives, in words."""
        row = self.t.events.get(event)
        parts = [
            f"timeline position {row['sequenceIndex']}" if row else "timeline position unknown"
        ]
        for off in self.t.by_key["time-offsets"].get(event, []):
            anchor = self.t.events.get(str(off["offsetAnchor"]))
            anchor_name = (anchor or {}).get("eventLabel") or compact(str(off["offsetAnchor"]))
            value = off["offsetValue"]
            upper = f"-{off['offsetUpperValue']}" if off["offsetUpperValue"] else ""
            unit = off["offsetUnitLabel"] or ""
            qual = f"{off['offsetQualifierLabel']} " if off["offsetQualifierLabel"] else ""
            approx = "about " if off["approximate"] == "true" else ""
            amount = f"{qual}{approx}{value}{upper} {unit} " if value is not None else ""
            said = f" (source: '{off['offsetText']}')" if off["offsetText"] else ""
            parts.append(f"{amount}from '{anchor_name}'{said}")
        for placed in self.t.by_key["placements"].get(event, []):
            other = self.t.events.get(str(placed["other"]))
            other_name = (other or {}).get("eventLabel") or compact(str(placed["other"]))
            how = placed["relationLabel"] or compact(str(placed["relation"]))
            parts.append(f"placed by the source: {how} '{other_name}'")
        return "; ".join(parts)

    def onset(self, event: str, patient: Row) -> Any:
        if patient.get("ageAtEvent") != event:
            return None
        age = iso_age(patient.get("ageInYears"), patient.get("ageDuration"))
        if age is None:
            return None
        self._age_placed = True
        return self.pp.TimeElement(age=self.pp.Age(iso8601duration=age))

    def _age_note(self, patient: Row) -> None:
        """The age, where it is given at an event that has no place for an onset."""
        age = iso_age(patient.get("ageInYears"), patient.get("ageDuration"))
        event = patient.get("ageAtEvent")
        if self._age_placed or age is None or not event:
            return
        label = (self.t.events.get(event) or {}).get("eventLabel") or compact(event)
        self._note(event, f"age {age} at '{label}'; {self.when(event)}")

    # the packet ----------------------------------------------------------------------
    def packet(self, patient: Row) -> dict[str, Any]:
        pp = self.pp
        self._used: set[str] = set()
        self._notes: list[Any] = []
        self._age_placed = False
        iri = str(patient["patient"])
        mine = self.t.by_patient.get(iri, {})
        packet = pp.Phenopacket(id=packet_id(iri))
        subject = packet.subject
        subject.id = iri
        if patient.get("caseLabel"):
            subject.alternate_ids.append(str(patient["caseLabel"]))
        sex = {EMKG + "Female": pp.FEMALE, EMKG + "Male": pp.MALE}.get(str(patient.get("sex")))
        subject.sex = sex if sex is not None else pp.UNKNOWN_SEX
        self._vital_status(subject, mine.get("outcomes", []))

        diagnoses = sorted(mine.get("diagnoses", []), key=_seq)
        disease_term = None
        for dx in diagnoses:
            disease_term = self.term(dx["disease"], dx["diseaseLabel"], DISEASE_PREFIXES)
            disease = packet.diseases.add(term=disease_term)
            onset = self.onset(str(dx["diagnosis"]), patient)
            if onset is not None:
                disease.onset.CopyFrom(onset)
        for out in sorted(mine.get("outcomes", []), key=_seq):
            if out["outcomeType"] == EMKG + "Relapse" and disease_term is not None:
                self._relapse(packet, out, disease_term, patient)

        for finding in sorted(mine.get("em-findings", []), key=_seq):
            self._finding(packet, finding, patient)
        self._biosamples(packet, iri, mine)

        outcomes_by_line: dict[str, list[Row]] = defaultdict(list)
        for out in mine.get("outcomes", []):
            if out["attributedTo"]:
                outcomes_by_line[str(out["attributedTo"])].append(out)
            if out["grade"] or out["outcomeType"] == EMKG + "Toxicity":
                grade = f"grade {out['grade']}" if out["grade"] else "no grade"
                scheme = f" ({out['gradingSchemeLabel']})" if out["gradingSchemeLabel"] else ""
                what = f"toxicity {out['categoryLabel'] or ''}: {grade}{scheme}"
                self._note(str(out["event"]), f"{what}; {self.when(str(out['event']))}")
        for line in sorted(mine.get("therapy-lines", []), key=_seq):
            self._line(packet, line, outcomes_by_line.get(str(line["line"]), []))

        self._age_note(patient)
        self._meta(packet, patient)
        return self._json(packet)

    def _note(self, node: str, text: str) -> None:
        self._notes.append(self.pp.ExternalReference(id=node, description=text))

    def _vital_status(self, subject: Any, outcomes: list[Row]) -> None:
        pp = self.pp
        deaths = [o for o in outcomes if o["outcomeType"] == EMKG + "Death"]
        if deaths:
            subject.vital_status.status = pp.VitalStatus.DECEASED
            cause = deaths[0]["category"]
            if cause:
                subject.vital_status.cause_of_death.CopyFrom(
                    self.term(cause, deaths[0]["categoryLabel"], DISEASE_PREFIXES + OTHER_PREFIXES)
                )
            return
        follow = sorted((o for o in outcomes if o["outcomeType"] == EMKG + "FollowUp"), key=_seq)
        if follow and follow[-1]["category"] == EMKG + "Alive":
            subject.vital_status.status = pp.VitalStatus.ALIVE

    def _relapse(self, packet: Any, out: Row, disease_term: Any, patient: Row) -> None:
        disease = packet.diseases.add(term=disease_term)
        if out["category"]:
            disease.disease_stage.append(
                self.term(out["category"], out["categoryLabel"], OTHER_PREFIXES)
            )
        sites = self.t.by_key["outcome-sites"].get(str(out["event"]), [])
        if len(sites) == 1:
            disease.primary_site.CopyFrom(self.term(sites[0]["site"], sites[0]["siteLabel"], ()))
        onset = self.onset(str(out["event"]), patient)
        if onset is not None:
            disease.onset.CopyFrom(onset)
        where = ", ".join(str(s["siteLabel"] or s["site"]) for s in sites)
        self._note(
            str(out["event"]),
            f"relapse {out['eventLabel'] or ''} (diseases entry {len(packet.diseases)}): "
            f"{self.when(str(out['event']))}" + (f"; sites: {where}" if where else ""),
        )

    def _finding(self, packet: Any, finding: Row, patient: Row) -> None:
        status = str(finding["status"] or "")
        if status == NOT_ASSESSED or not finding["site"]:
            return
        node = str(finding["finding"])
        feature = packet.phenotypic_features.add(
            type=self.term(finding["site"], finding["siteLabel"], ())
        )
        # excluded: looked for and no leukemic involvement seen at this look (absent, resolved,
        # pseudoprogression); the status itself stays as a modifier
        feature.excluded = finding["diseaseFound"] == "false"
        if status and status not in (PRESENT, ABSENT):
            feature.modifiers.append(self.term(status, finding["statusLabel"], OTHER_PREFIXES))
        if finding["laterality"]:
            feature.modifiers.append(
                self.term(finding["laterality"], finding["lateralityLabel"], ("HP",))
            )
        for m in sorted(
            self.t.by_key["em-finding-methods"].get(node, []), key=lambda r: str(r["method"])
        ):
            feature.modifiers.append(self.term(m["method"], m["methodLabel"], OTHER_PREFIXES))
        words = [str(finding["findingLabel"] or compact(node))]
        if finding["levelText"]:
            words.append(f"level {finding['levelText']}")
        if finding["subclinical"] == "true":
            words.append("subclinical")
        words.append(self.when(node))
        # the JSON Schema of the Phenopackets tools refuses a feature's description (the
        # protobuf schema has one): the words and the time go to a note naming the finding
        place = f"phenotypic feature {len(packet.phenotypic_features)}"
        self._note(node, f"{place}: " + "; ".join(words))
        onset = self.onset(node, patient)
        if onset is not None:
            feature.onset.CopyFrom(onset)
        feature.evidence.extend(self.evidence(node))

    def _biosamples(self, packet: Any, patient: str, mine: dict[str, list[Row]]) -> None:
        """The blasts of each finding, relapse or diagnosis whose immunophenotype is given.

        One biosample per such event (id = the event's IRI): the UBERON site as the sampled
        tissue when the event names one site, the blast lineage as the histological
        diagnosis, one measurement per antigen (assay = the antigen, value = positive,
        negative, dim or partial, procedure = the method), and the lineage switch the source
        states, with the event's place in the timeline, as the description.
        """
        expressions = self.t.by_key["antigen-expressions"]
        lineages = self.t.by_key["blast-lineages"]
        sites: dict[str, list[Row]] = defaultdict(list)
        for finding in mine.get("em-findings", []):
            if finding["site"]:
                sites[str(finding["finding"])].append(finding)
        for out in mine.get("outcomes", []):
            sites[str(out["event"])].extend(
                self.t.by_key["outcome-sites"].get(str(out["event"]), [])
            )
        typed = {
            str(r["event"])
            for name in ("antigen-expressions", "blast-lineages")
            for r in mine.get(name, [])
        }
        rows_of = [self.t.events.get(event) or {"event": event} for event in typed]
        for event_row in sorted(rows_of, key=lambda r: (_seq(r), str(r["event"]))):
            event = str(event_row["event"])
            sample = packet.biosamples.add(id=event, individual_id=patient)
            where = {str(s["site"]): s for s in sites.get(event, [])}
            if len(where) == 1:
                (site,) = where.values()
                sample.sampled_tissue.CopyFrom(self.term(site["site"], site["siteLabel"], ()))
            words = [f"blasts of '{event_row.get('eventLabel') or compact(event)}'"]
            for lineage in lineages.get(event, [])[:1]:
                if lineage["blastLineage"]:
                    sample.histological_diagnosis.CopyFrom(
                        self.term(
                            lineage["blastLineage"], lineage["blastLineageLabel"], OTHER_PREFIXES
                        )
                    )
                switched = lineage["lineageSwitch"]
                if switched == "true":
                    words.append(
                        "lineage switch: the source says the leukemia changed lineage here "
                        "(the new lineage is the histological diagnosis)"
                    )
                elif switched == "false":
                    words.append("no lineage switch: the source says the lineage was unchanged")
            for r in sorted(expressions.get(event, []), key=lambda r: str(r["antigen"])):
                if not r["antigen"]:
                    continue
                measurement = sample.measurements.add(
                    assay=self.term(r["antigen"], r["antigenLabel"], OTHER_PREFIXES)
                )
                if r["level"]:
                    measurement.value.ontology_class.CopyFrom(
                        self.term(r["level"], r["levelLabel"], OTHER_PREFIXES)
                    )
                if r["method"]:
                    measurement.procedure.code.CopyFrom(
                        self.term(r["method"], r["methodLabel"], OTHER_PREFIXES)
                    )
            words.append(self.when(event))
            sample.description = "; ".join(words)

    def _line(self, packet: Any, line: Row, outcomes: list[Row]) -> None:
        pp = self.pp
        node = str(line["line"])
        intents = self.t.by_key["therapy-line-intents"].get(node, [])
        intent = (
            self.term(intents[0]["intent"], intents[0]["intentLabel"], OTHER_PREFIXES)
            if intents
            else None
        )
        name = str(line["lineLabel"] or compact(node))
        if line["regimenName"]:
            name += f" (regimen {line['regimenName']})"
        if len(intents) > 1:
            name += "; intents: " + ", ".join(str(i["intentLabel"] or i["intent"]) for i in intents)
        name += f"; {self.when(node)}"
        action = packet.medical_actions.add()
        action.therapeutic_regimen.external_reference.CopyFrom(
            pp.ExternalReference(id=node, description=name)
        )
        if intent is not None:
            action.treatment_intent.CopyFrom(intent)
        responses = sorted((o for o in outcomes if o["outcomeType"] == EMKG + "Response"), key=_seq)
        if responses and responses[0]["category"]:
            action.response_to_treatment.CopyFrom(
                self.term(responses[0]["category"], responses[0]["categoryLabel"], OTHER_PREFIXES)
            )
        for o in sorted(outcomes, key=_seq):
            if o["outcomeType"] in (EMKG + "Toxicity", EMKG + "Complication") and o["category"]:
                action.adverse_events.append(
                    self.term(o["category"], o["categoryLabel"], DISEASE_PREFIXES + OTHER_PREFIXES)
                )
        for comp in sorted(
            self.t.by_key["components"].get(node, []), key=lambda r: str(r["component"])
        ):
            self._component(packet, comp, intent)

    def _component(self, packet: Any, comp: Row, intent: Any) -> None:
        agent = str(comp["agent"] or "")
        if not agent:
            return
        kind = (self.t.agents.get(agent) or {}).get("actionKind")
        action = packet.medical_actions.add()
        if kind == "procedure":
            action.procedure.code.CopyFrom(self.term(agent, comp["agentLabel"], PROCEDURE_PREFIXES))
        else:
            action.treatment.agent.CopyFrom(self.term(agent, comp["agentLabel"], AGENT_PREFIXES))
            if comp["route"]:
                action.treatment.route_of_administration.CopyFrom(
                    self.term(comp["route"], comp["routeLabel"], OTHER_PREFIXES)
                )
        if intent is not None:
            action.treatment_intent.CopyFrom(intent)
        said = []
        for key, what in (
            ("doseText", "dose"),
            ("cellOriginLabel", "cells"),
            ("donorTypeLabel", "donor"),
            ("graftSourceLabel", "graft"),
            ("graftManipulationLabel", "graft manipulation"),
            ("hlaMatchText", "HLA match"),
        ):
            if comp[key]:
                said.append(f"{what}: {comp[key]}")
        if said:
            what = comp["agentLabel"] or compact(agent)
            place = f"medical action {len(packet.medical_actions)}"
            self._note(str(comp["component"]), f"{what} ({place}): " + "; ".join(said))

    def _meta(self, packet: Any, patient: Row) -> None:
        pp = self.pp
        meta = packet.meta_data
        meta.created.FromJsonString(self.created)
        meta.created_by = f"emkg {__version__}"
        meta.phenopacket_schema_version = SCHEMA_VERSION
        curie, url = source_reference(str(patient["source"]))
        meta.external_references.append(
            pp.ExternalReference(
                id=curie, reference=url, description="the publication that reports the case"
            )
        )
        meta.external_references.extend(self._notes)
        for prefix in sorted(self._used):
            meta.resources.append(self._resource(prefix))

    def _resource(self, prefix: str) -> Any:
        pp = self.pp
        if prefix == "ECO":
            return pp.Resource(
                id="eco",
                name="Evidence and Conclusion Ontology",
                url="http://purl.obolibrary.org/obo/eco.owl",
                version="the code the Phenopackets tools use; not checked against an ECO release",
                namespace_prefix="ECO",
                iri_prefix="http://purl.obolibrary.org/obo/ECO_",
            )
        if prefix in OBO_RESOURCES:
            name = OBO_RESOURCES[prefix]
            url = f"{OBO}{name}.owl"
            row = self.t.resources.get(url, {})
            return pp.Resource(
                id=name,
                name=str(row.get("resourceLabel") or name),
                url=url,
                version=str(row.get("version") or "not recorded in the ontology"),
                namespace_prefix=prefix,
                iri_prefix=f"{OBO}{prefix}_",
            )
        base = PREFIXES.get(prefix)
        if base is None:
            raise InputError(f"no resource for prefix {prefix!r}")
        return pp.Resource(
            id=prefix,
            name="emkg ontology" if prefix == "emkg" else prefix,
            url=base,
            version=__version__,
            namespace_prefix=prefix,
            iri_prefix=base,
        )

    def _json(self, packet: Any) -> dict[str, Any]:
        from google.protobuf import json_format

        data: dict[str, Any] = json_format.MessageToDict(packet)
        for action in data.get("medicalActions", []):
            regimen = action.get("therapeuticRegimen")
            if regimen is not None:
                # the schema requires the status; protobuf leaves out the default value
                regimen.setdefault("regimenStatus", "UNKNOWN_STATUS")
        return data


def packet_id(patient_iri: str) -> str:
    """``https://w3id.org/emkg/data/li2025/case1/patient`` -> ``li2025-case1``."""
    data = PREFIXES["data"]
    local = patient_iri[len(data) :] if patient_iri.startswith(data) else patient_iri
    local = local.removesuffix("/patient")
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in local).strip("-")


def created_timestamp() -> str:
    """Now, or ``SOURCE_DATE_EPOCH`` (reproducible builds) when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PacketsResult:
    folder: Path
    count: int


def write_packets(
    store: ox.Store, out: Path, *, log: Out = print, chunk: int = CHUNK
) -> PacketsResult:
    """One ``<id>.json`` per patient into ``out`` (replaced whole, atomically).

    Patients are read ``chunk`` at a time: each export query is run restricted to their
    IRIs (a VALUES block), so memory does not grow with the cohort.
    """
    entries = _entries()
    tables = read_globals(store, entries)
    builder = Builder(tables, created_timestamp())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        seen: set[str] = set()
        batch: list[Row] = []

        def flush() -> None:
            read_chunk(store, entries, tables, batch)
            for patient in batch:
                data = builder.packet(patient)
                if data["id"] in seen:
                    raise InputError(f"two patients give the packet id {data['id']!r}")
                seen.add(data["id"])
                # compact: json's C encoder (indent= falls back to the pure-Python one, most
                # of the writing time); `python -m json.tool FILE` shows a packet indented
                text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
                (staging / f"{data['id']}.json").write_text(text, encoding="utf-8")
            if len(seen) % (10 * chunk) < len(batch):
                log(f"  {len(seen)} phenopackets written")
            batch.clear()

        for patient in rows(store, entries["patients"]):
            batch.append(patient)
            if len(batch) >= chunk:
                flush()
        if batch:
            flush()
        replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log(f"  {len(seen)} phenopackets")
    return PacketsResult(out, len(seen))
