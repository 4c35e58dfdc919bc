"""Synthetic cohorts in the emkg model, for measuring the stores and engines at scale.

Patients are generated from a seeded random stream, so a cohort of a given size and seed is
always the same. They follow the curated graph's shape (patient, ordered therapy lines with
components, EM findings with site, status and method, marrow MRD, toxicities, provenance
annotations) but describe no real person and cite a synthetic source, so they never belong in
``kg/``. Output is N-Triples written line by line, so 100k patients stay cheap in memory.
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

EMKG = "https://w3id.org/emkg/ontology#"
OBO = "http://purl.obolibrary.org/obo/"
OA = "http://www.w3.org/ns/oa#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
SOURCE = "https://w3id.org/emkg/synthetic/source"
BASE = "https://w3id.org/emkg/synthetic/"

#: agents and the intents they are given with (names are emkg classes)
_LINES: tuple[tuple[str, str], ...] = (
    ("Vincristine", "Reinduction"),
    ("Cytarabine", "Salvage"),
    ("Blinatumomab", "BridgingToCART"),
    ("Blinatumomab", "Salvage"),
    ("InotuzumabOzogamicin", "Salvage"),
    ("Tisagenlecleucel", "CARTInfusion"),
    ("CD19CD22BispecificCARTCellTherapy", "CARTInfusion"),
    ("MatchedSiblingDonorHSCT", "Transplantation"),
    ("UnrelatedCordBloodTransplantation", "Transplantation"),
    ("Radiotherapy", "LocalTherapy"),
)
_SITES: tuple[str, ...] = (
    "UBERON_0004628",  # thoracic vertebra 3
    "UBERON_0004616",  # cervical vertebra 7
    "UBERON_0004619",  # lumbar vertebra 3
    "UBERON_0000029",  # lymph node
    "UBERON_0035371",  # retroperitoneal lymph node
    "UBERON_0000310",  # breast
    "UBERON_0002113",  # kidney
    "UBERON_0002107",  # liver
    "UBERON_0002369",  # adrenal gland
    "UBERON_0001264",  # pancreas
    "UBERON_0000995",  # uterus
    "UBERON_0000970",  # eye
    "UBERON_0001359",  # cerebrospinal fluid
    "UBERON_0000473",  # testis
)
_METHODS: tuple[str, ...] = ("PETCT", "PETMRI", "ContrastEnhancedCT", "MRI", "Biopsy")
_STATUSES: tuple[str, ...] = ("Present", "Present", "Present", "AbsentWhenAssessed", "Resolved")


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def _triple(s: str, p: str, o: str) -> str:
    return f"{s} {p} {o} .\n"


def _annotate(node: str, key: str) -> Iterator[str]:
    ann = f"_:a{key}"
    tgt = f"_:t{key}"
    sel = f"_:s{key}"
    yield _triple(ann, _iri(RDF_TYPE), _iri(OA + "Annotation"))
    yield _triple(ann, _iri(OA + "hasBody"), node)
    yield _triple(ann, _iri(OA + "hasTarget"), tgt)
    yield _triple(tgt, _iri(OA + "hasSource"), _iri(SOURCE))
    yield _triple(tgt, _iri(OA + "hasSelector"), sel)
    yield _triple(sel, _iri(RDF_TYPE), _iri(OA + "TextQuoteSelector"))
    yield _triple(sel, _iri(OA + "exact"), '"synthetic"')


def patient_triples(i: int, rng: random.Random) -> Iterator[str]:
    """N-Triples lines for synthetic patient number ``i``."""
    e = EMKG
    pat = _iri(f"{BASE}p{i}/patient")
    yield _triple(pat, _iri(RDF_TYPE), _iri(e + "Patient"))
    yield _triple(pat, _iri(e + "caseLabel"), f'"synthetic {i}"')
    yield _triple(pat, _iri(e + "reportedIn"), _iri(SOURCE))
    yield _triple(pat, _iri(e + "ageInYears"), _lit(rng.randint(1, 89), "decimal"))
    yield _triple(pat, _iri(e + "sex"), _iri(e + rng.choice(("Female", "Male"))))
    yield from _annotate(pat, f"{i}p")
    seq = 0
    for n in range(rng.randint(2, 6)):
        seq += 1
        agent, intent = rng.choice(_LINES)
        line = _iri(f"{BASE}p{i}/line{n}")
        comp = _iri(f"{BASE}p{i}/line{n}c")
        yield _triple(line, _iri(RDF_TYPE), _iri(e + "TherapyLine"))
        yield _triple(line, _iri(e + "ofPatient"), pat)
        yield _triple(line, _iri(e + "sequenceIndex"), _lit(seq, "integer"))
        yield _triple(line, _iri(e + "intent"), _iri(e + intent))
        yield _triple(line, _iri(e + "hasComponent"), comp)
        yield _triple(comp, _iri(RDF_TYPE), _iri(e + "TherapyComponent"))
        yield _triple(comp, _iri(e + "agent"), _iri(e + agent))
        yield from _annotate(line, f"{i}l{n}")
        yield from _annotate(comp, f"{i}c{n}")
        for m in range(rng.choice((0, 0, 1, 2))):
            seq += 1
            f = _iri(f"{BASE}p{i}/f{n}-{m}")
            yield _triple(f, _iri(RDF_TYPE), _iri(e + "EMFinding"))
            yield _triple(f, _iri(e + "ofPatient"), pat)
            yield _triple(f, _iri(e + "sequenceIndex"), _lit(seq, "integer"))
            yield _triple(f, _iri(e + "site"), _iri(OBO + rng.choice(_SITES)))
            yield _triple(f, _iri(e + "findingStatus"), _iri(e + rng.choice(_STATUSES)))
            yield _triple(f, _iri(e + "detectedBy"), _iri(e + rng.choice(_METHODS)))
            yield from _annotate(f, f"{i}f{n}-{m}")
        if rng.random() < 0.5:
            seq += 1
            a = _iri(f"{BASE}p{i}/bm{n}")
            mm = _iri(f"{BASE}p{i}/bm{n}m")
            yield _triple(a, _iri(RDF_TYPE), _iri(e + "DiseaseAssessment"))
            yield _triple(a, _iri(e + "ofPatient"), pat)
            yield _triple(a, _iri(e + "sequenceIndex"), _lit(seq, "integer"))
            yield _triple(a, _iri(e + "specimen"), _iri(OBO + "UBERON_0002371"))
            yield _triple(a, _iri(e + "hasMeasurement"), mm)
            yield _triple(mm, _iri(RDF_TYPE), _iri(e + "DiseaseMeasurement"))
            yield _triple(mm, _iri(e + "measurementKind"), _iri(e + "MRD"))
            yield _triple(mm, _iri(e + "value"), _lit(round(rng.random(), 4), "decimal"))
            yield _triple(mm, _iri(e + "unit"), _iri(e + "Percent"))
            yield _triple(mm, _iri(e + "method"), _iri(e + "FlowCytometry"))
            yield from _annotate(a, f"{i}a{n}")
            yield from _annotate(mm, f"{i}m{n}")


def cohort_lines(patients: int, seed: int = 1) -> Iterator[str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    yield _triple(_iri(SOURCE), _iri(RDF_TYPE), _iri(EMKG + "Publication"))
    for i in range(patients):
        yield from patient_triples(i, rng)


def write_cohort(path: Path, patients: int, seed: int = 1) -> int:
    """Write a synthetic cohort as N-Triples (atomically); returns the number of triples."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for line in cohort_lines(patients, seed):
                fh.write(line)
                count += 1
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
