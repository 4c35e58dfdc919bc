"""emkg export phenopackets / tables on the curated release.

Every packet must parse with the ``phenopackets`` package (protobuf, unknown fields refused)
and validate against the Phenopackets v2 JSON Schema of the Phenopackets tools (a copy under
tests/fixtures/phenopackets-jsonschema/, see its README for where it comes from). The facts
each packet must say were written by hand from the papers (the sentence is beside each), and
are compared after reading the packet back: identifiers of other ontologies are read back to
the emkg term that the ontology maps to them (skos:exactMatch).

Johns 2024 = ../shared/seeds/000_cd732e99b2861118.txt, Li 2025 = 001_ceacc7625619e408.txt,
Liu 2024 = 004_750b08a139c6466c.txt (abstract).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "tests" / "fixtures" / "phenopackets-jsonschema"
CLASSPATH = "classpath:/org/phenopackets/phenopackettools/validator/jsonschema/"
EMKG = "https://w3id.org/emkg/ontology#"
OBO = "http://purl.obolibrary.org/obo/"


def e(local: str) -> str:
    return EMKG + local


def uberon(number: str) -> str:
    return f"{OBO}UBERON_{number}"


def emkg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emkg", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, curated_release: Path) -> dict[str, Path]:
    """The run's curated release (``emkg build``), its phenopackets and its tables, made by the
    command line."""
    tmp = tmp_path_factory.mktemp("export")
    release = curated_release
    res = emkg("export", "phenopackets", "--release", str(release), "--out", str(tmp / "pp"))
    assert res.returncode == 0, res.stderr
    assert "wrote 4 phenopackets" in res.stdout
    res = emkg("export", "tables", "--release", str(release), "--out", str(tmp / "tables"))
    assert res.returncode == 0, res.stderr
    return {"release": release, "pp": tmp / "pp", "tables": tmp / "tables"}


def packets(exported: dict[str, Path]) -> dict[str, dict[str, Any]]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(exported["pp"].glob("*.json"))
    }


# -- validated by the field's tools ---------------------------------------------------------


def test_one_packet_per_curated_patient(exported: dict[str, Path]) -> None:
    assert sorted(packets(exported)) == [
        "johns2024-case1",
        "johns2024-case2",
        "li2025-case1",
        "liu2024-case1",
    ]


def test_every_packet_parses_with_the_phenopackets_package(exported: dict[str, Path]) -> None:
    import phenopackets as pp
    from google.protobuf import json_format

    for path in sorted(exported["pp"].glob("*.json")):
        text = path.read_text(encoding="utf-8")
        message = json_format.Parse(text, pp.Phenopacket())  # unknown fields refused
        assert message.id == path.stem
        assert message.meta_data.phenopacket_schema_version.startswith("2.")
        # and the parser is strict: a field the schema does not have is an error
        bad = json.loads(text)
        bad["subject"]["ageAtDiagnosis"] = "P8Y"
        with pytest.raises(json_format.ParseError):
            json_format.Parse(json.dumps(bad), pp.Phenopacket())


def _schema_validator() -> Any:
    from jsonschema import Draft201909Validator
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource

    def retrieve(uri: str) -> Resource:
        if not uri.startswith(CLASSPATH):
            raise NoSuchResource(ref=uri)  # never fetched from the network
        path = SCHEMA_DIR / uri[len(CLASSPATH) :]
        return Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))

    schema = json.loads((SCHEMA_DIR / "v2" / "phenopacket-schema.json").read_text("utf-8"))
    return Draft201909Validator(schema, registry=Registry(retrieve=retrieve))


def test_every_packet_validates_against_the_phenopackets_json_schema(
    exported: dict[str, Path],
) -> None:
    validator = _schema_validator()
    for name, packet in packets(exported).items():
        errors = [f"{list(x.absolute_path)}: {x.message}" for x in validator.iter_errors(packet)]
        assert errors == [], (name, errors[:5])
    # the validator does find errors: a feature without its type, a resource without version
    packet = packets(exported)["li2025-case1"]
    del packet["phenotypicFeatures"][0]["type"]
    del packet["metaData"]["resources"][0]["version"]
    assert len(list(validator.iter_errors(packet))) == 2


def _ontology_classes(data: Any) -> Iterator[dict[str, str]]:
    if isinstance(data, dict):
        if set(data) == {"id", "label"}:
            yield data
        for value in data.values():
            yield from _ontology_classes(value)
    elif isinstance(data, list):
        for value in data:
            yield from _ontology_classes(value)


CURIE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*:[A-Za-z0-9_.\-]+$")


def _checked_terms() -> set[str] | None:
    terms = ROOT.parent / "shared" / "terms"
    if not terms.is_dir():
        return None
    checked: set[str] = set()
    with (terms / "terms.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if (row.get("notes") or "").startswith("VERIFIED") and row.get("curie"):
                checked.add(row["curie"])
    with (terms / "uberon-subset.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            checked.update(c for c in row if c.startswith("UBERON:"))
    return checked


def test_term_ids_are_well_formed_declared_and_checked(exported: dict[str, Path]) -> None:
    checked = _checked_terms()
    for name, packet in packets(exported).items():
        prefixes = {r["namespacePrefix"] for r in packet["metaData"]["resources"]}
        for term in _ontology_classes(packet):
            assert CURIE.match(term["id"]), (name, term)
            assert term["label"], (name, term)
            prefix = term["id"].split(":", 1)[0]
            assert prefix in prefixes, (name, term, prefixes)
            if checked is not None and prefix not in {"emkg", "ECO"}:
                # only identifiers of the checked rows of ../shared/terms
                assert term["id"] in checked, (name, term)
        for resource in packet["metaData"]["resources"]:
            assert resource["version"], resource
    if checked is None:
        pytest.skip("../shared/terms is not beside the checkout: the ids were not cross-checked")


def test_no_dates_and_every_evidence_quotes_its_source(exported: dict[str, Path]) -> None:
    for name, packet in packets(exported).items():
        assert "dateOfBirth" not in packet["subject"]
        text = json.dumps({k: v for k, v in packet.items() if k != "metaData"})
        assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", text), name
        refs = [
            ev["reference"]
            for f in packet.get("phenotypicFeatures", [])
            for ev in f.get("evidence", [])
        ]
        assert refs, name
        for ref in refs:
            assert ref["id"].startswith("DOI:10."), ref
            assert ref["reference"] == "https://doi.org/" + ref["id"][4:]
            assert ref["description"]  # the verbatim quote
        assert packet["metaData"]["externalReferences"][0]["id"].startswith("DOI:10.")


def test_evidence_quotes_are_verbatim_in_the_source_text(exported: dict[str, Path]) -> None:
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds is not beside the checkout")
    texts = {
        "johns2024": (seeds / "000_cd732e99b2861118.txt").read_text(encoding="utf-8"),
        "li2025": (seeds / "001_ceacc7625619e408.txt").read_text(encoding="utf-8"),
        "liu2024": (seeds / "004_750b08a139c6466c.txt").read_text(encoding="utf-8"),
    }
    for name, packet in packets(exported).items():
        source = texts[name.split("-")[0]]
        for feature in packet.get("phenotypicFeatures", []):
            for ev in feature["evidence"]:
                assert ev["reference"]["description"] in source, ev


# -- the facts, read back, against the papers ------------------------------------------------


@pytest.fixture(scope="module")
def back_to_emkg() -> dict[str, str]:
    """Packet id -> emkg IRI: emkg CURIEs expanded, mapped ids read back through the ontology."""
    graph = Graph()
    graph.parse(ROOT / "ontology" / "emkg.ttl")
    out: dict[str, str] = {}
    for term, match in graph.subject_objects(SKOS.exactMatch):
        if isinstance(term, URIRef) and str(match).startswith(OBO):
            curie = str(match)[len(OBO) :].replace("_", ":", 1)
            assert curie not in out, f"{curie} maps to two emkg terms"
            out[curie] = str(term)
    return out


def _iri(curie: str, back: dict[str, str]) -> str:
    if curie.startswith("emkg:"):
        return EMKG + curie[5:]
    if curie.startswith("UBERON:"):
        return OBO + curie.replace(":", "_")
    return back[curie]


def _read(packet: dict[str, Any], back: dict[str, str]) -> dict[str, Any]:
    """The key facts of a packet read back with the phenopackets package."""
    import phenopackets as pp
    from google.protobuf import json_format

    msg = json_format.Parse(json.dumps(packet), pp.Phenopacket())
    ages = [
        (d.term.id, d.onset.age.iso8601duration) for d in msg.diseases if d.onset.HasField("age")
    ]
    ages += [
        (r.id, m.group(1))
        for r in msg.meta_data.external_references
        if (m := re.match(r"age (P\w+) at ", r.description))
    ]
    agents = []
    for action in msg.medical_actions:
        if action.HasField("treatment"):
            agents.append(_iri(action.treatment.agent.id, back))
        elif action.HasField("procedure"):
            agents.append(_iri(action.procedure.code.id, back))
    methods = {_iri(m.id, back) for f in msg.phenotypic_features for m in f.modifiers}
    seen: set[tuple[str, str | None]] = set()
    excluded: set[tuple[str, str | None]] = set()
    for f in msg.phenotypic_features:
        site = _iri(f.type.id, back)
        used = [_iri(m.id, back) for m in f.modifiers if _iri(m.id, back) in METHODS]
        target = excluded if f.excluded else seen
        target.update({(site, m) for m in used} or {(site, None)})
    assert methods is not None
    return {
        "sex": pp.Sex.Name(msg.subject.sex),
        "ages": [a for _, a in ages],
        "vital": pp.VitalStatus.Status.Name(msg.subject.vital_status.status),
        "cause": (
            _iri(msg.subject.vital_status.cause_of_death.id, back)
            if msg.subject.vital_status.HasField("cause_of_death")
            else None
        ),
        "agents": agents,
        "seen": seen,
        "excluded": excluded,
    }


METHODS = {
    e(m)
    for m in (
        "ContrastEnhancedCT",
        "ContrastEnhancedMRI",
        "PETMRI",
        "PETCT",
        "CT",
        "MRI",
        "Biopsy",
        "Histology",
        "Immunohistochemistry",
        "FlowCytometry",
        "CSFCytology",
        "ClinicalExamination",
    )
}


def _in_order(sub: list[str], seq: list[str]) -> bool:
    it = iter(seq)
    return all(any(x == y for y in it) for x in sub)


THORACIC_SPINE, LUMBAR_SPINE = uberon("0006073"), uberon("0006074")
C7, T3, T9, T10 = uberon("0004616"), uberon("0004628"), uberon("0004633"), uberon("0004634")
L2, L3 = uberon("0004618"), uberon("0004619")
EYE, BONE, LYMPH_NODE = uberon("0000019"), uberon("0001474"), uberon("0000029")
LIVER, ADRENAL, KIDNEY = uberon("0002107"), uberon("0002369"), uberon("0002113")
GI_TRACT, PERITONEUM = uberon("0001555"), uberon("0002358")
RETROPERITONEAL_NODE, BOWEL, BONY_PELVIS = uberon("0035371"), uberon("0000160"), uberon("0001270")
BREAST, LUNG, UTERUS, PANCREAS = (
    uberon("0000310"),
    uberon("0002048"),
    uberon("0000995"),
    uberon("0001264"),
)
CNS, CSF, BRAIN, VERTEBRAL_COLUMN = (
    uberon("0001017"),
    uberon("0001359"),
    uberon("0000955"),
    uberon("0001130"),
)

EXPECTED: dict[str, dict[str, Any]] = {
    "johns2024-case1": {
        # "Case one was an 8-year-old male with late relapsed B-ALL at 38 months from
        # diagnosis": male, 8 years old at the relapse
        "sex": "MALE",
        "ages": ["P8Y"],
        # "As of day 180 status post HSCT" deep sequencing MRD negative: alive at last report
        "vital": "ALIVE",
        "cause": None,
        # "received chemotherapy re-induction with vincristine, ..."; "blinatumomab was
        # initiated as a bridge to CAR-T"; "He tolerated radiation and LD followed by
        # tisagenlecleucel"; "an allogenic matched sibling donor transplant approximately 4
        # months after his tisagenlecleucel infusion"
        "agents": [
            e("Vincristine"),
            e("Blinatumomab"),
            e("Radiotherapy"),
            e("Tisagenlecleucel"),
            e("MatchedSiblingDonorHSCT"),
        ],
        # "Chest CT with contrast revealed previously unknown non-CNS EM with a thoracic spine
        # lesion. Diagnostic full spine MRI with and without contrast showed multilevel leukemic
        # involvement at C7, T3, T9, T10, L2 and L3, an enhancing soft tissue lesion T2-T4 ...
        # and a right L3 lateral prevertebral soft tissue lesion"; figure 1: "18-FDG PET/MRI ...
        # hypermetabolic focal uptake in T2-T4 level and L3-L4 level"
        "seen": {
            (THORACIC_SPINE, e("ContrastEnhancedCT")),
            *((v, e("ContrastEnhancedMRI")) for v in (C7, T3, T9, T10, L2, L3)),
            (THORACIC_SPINE, e("ContrastEnhancedMRI")),
            (THORACIC_SPINE, e("PETMRI")),
            (LUMBAR_SPINE, e("ContrastEnhancedMRI")),
            (LUMBAR_SPINE, e("PETMRI")),
            # "In case one, we describe a patient who had multifocal bony and extramedullary
            # B-ALL entering his spinal canal and abutting his dura" (no method named there)
            (OBO + "UBERON_0006692", None),
        },
        # "His spinal lesions showed initial pseudoprogression at 1month after CAR-T": no
        # disease seen at that look (no method named)
        "excluded": {(VERTEBRAL_COLUMN, None)},
    },
    "johns2024-case2": {
        # "Case two was a 16-year-old female with multiply relapsed B-ALL"
        "sex": "FEMALE",
        "ages": ["P16Y"],
        # "She was ultimately admitted to hospice care and died on day 38 post-CD19/CD22 CAR of
        # refractory B-ALL"
        "vital": "DECEASED",
        "cause": e("BCellAcuteLymphoblasticLeukemia"),
        # "She received multiple lines of treatment, including blinatumomab"; "complete
        # remission after inotuzumab"; "a matched sibling donor HSCT with a conditioning regimen
        # of Busulfan, Fludarabine, Clofarabine, rATG"; then the CD19/CD22 CAR
        "agents": [
            e("Blinatumomab"),
            e("InotuzumabOzogamicin"),
            e("Busulfan"),
            e("MatchedSiblingDonorHSCT"),
            e("CD19CD22BispecificCARTCellTherapy"),
        ],
        # "the patient presented with a frank ocular relapse"; "PET-MRI demonstrated gross
        # extramedullary disease with extensive involvement of the bones, lymph nodes, liver,
        # adrenal glands, kidneys, GI tract, and peritoneal implants"; figure 2 adds
        # "retroperitonal nodes, bowel ... bony pelvis"
        # the ocular relapse names no method ("presented with")
        "seen": {(EYE, None)}
        | {
            (site, e("PETMRI"))
            for site in (
                BONE,
                LYMPH_NODE,
                LIVER,
                ADRENAL,
                KIDNEY,
                GI_TRACT,
                PERITONEUM,
                RETROPERITONEAL_NODE,
                BOWEL,
                BONY_PELVIS,
            )
        },
        # "An MRI Brain with and without contrast was overall unrevealing"; "cerebrospinal fluid
        # was benign at this time without blasts (CNS1)"
        "excluded": {(BRAIN, e("ContrastEnhancedMRI")), (CSF, e("CSFCytology"))},
    },
    "li2025-case1": {
        # "A 39-year-old female with fatigue was admitted to our hospital."
        "sex": "FEMALE",
        "ages": ["P39Y"],
        # "eventually died of severe pneumonia"
        "vital": "DECEASED",
        "cause": e("Pneumonia"),
        # "induction chemotherapy for the VICP regimen" ("4 mg of vindesine ..."); "After
        # treatment with blinatumomab infusion for 28 days"; selinexor and chidamide; "CAR-T
        # cell therapy bridge to unrelated cord blood transplantation"; "remission after
        # subsequent interferon- α treatment"  # noqa: RUF003 - the paper's words
        "agents": [
            e("Vindesine"),
            e("Blinatumomab"),
            e("Selinexor"),
            e("CD19CARTCellTherapy"),
            e("UnrelatedCordBloodTransplantation"),
            e("InterferonAlfa"),
        ],
        # "a right breast mass was found, which was revealed by biopsy to be extramedullary
        # relapse" (H&E and immunohistochemical staining); "Chest CT revealed that the mass
        # extended from the right breast into the right lung"; "the right breast mass decreased";
        # "PET-CT images ... revealed extensive extramedullary relapse involving multiple lymph
        # nodes, the breast, kidney, uterus, and pancreas"
        "seen": {
            (BREAST, e("Biopsy")),
            (BREAST, e("Histology")),
            (BREAST, e("Immunohistochemistry")),
            (BREAST, e("CT")),
            (LUNG, e("CT")),
        }
        | {(s, e("PETCT")) for s in (LYMPH_NODE, BREAST, KIDNEY, UTERUS, PANCREAS)},
        # "the test for central nervous system infiltration by FCM was negative"; after CAR-T
        # PET-CT showed "complete resolution of extramedullary disease" at the five sites
        "excluded": {(CNS, e("FlowCytometry"))}
        | {(s, e("PETCT")) for s in (LYMPH_NODE, BREAST, KIDNEY, UTERUS, PANCREAS)},
    },
    "liu2024-case1": {
        # "allogeneic CD19 CAR-T cells derived from her brother": female; the abstract gives
        # no age
        "sex": "FEMALE",
        "ages": [],
        # "During subsequent follow-up, the patient achieved a disease-free survival of 5
        # months and was successfully bridged to hematopoietic stem cell transplantation."
        "vital": "ALIVE",
        "cause": None,
        # "despite multiple cycles of chemotherapy and intrathecal injections"; "The infusion of
        # autologous CD19 CAR-T cells"; "allogeneic CD19 CAR-T cells derived from her brother
        # were infused"; "bridged to hematopoietic stem cell transplantation"
        "agents": [
            e("Chemotherapy"),
            e("CD19CARTCellTherapy"),
            e("CD19CARTCellTherapy"),
            e("HematopoieticStemCellTransplantation"),
        ],
        # "relapse in both bone marrow (BM) and cerebrospinal fluid (CSF)" (no method named);
        # "complete remission (CR) in both BM and CSF for 40 days"
        "seen": {(CSF, None)},
        "excluded": {(CSF, None)},
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_packet_says_what_the_paper_says(
    name: str, exported: dict[str, Path], back_to_emkg: dict[str, str]
) -> None:
    facts = _read(packets(exported)[name], back_to_emkg)
    want = EXPECTED[name]
    assert facts["sex"] == want["sex"]
    assert facts["ages"] == want["ages"]
    assert facts["vital"] == want["vital"]
    assert facts["cause"] == want["cause"]
    assert _in_order(want["agents"], facts["agents"]), facts["agents"]
    assert facts["seen"] == want["seen"]
    assert facts["excluded"] == want["excluded"]


def test_what_the_schema_cannot_say_is_kept_in_notes(exported: dict[str, Path]) -> None:
    notes = {
        r["id"]: r["description"]
        for r in packets(exported)["johns2024-case2"]["metaData"]["externalReferences"]
    }
    # a graded toxicity (grade kept in a note naming the node), a time offset in the source's
    # words, and the donor of the transplant
    assert any("cytokine release syndrome" in t and "grade" in t for t in notes.values()), notes
    assert any("approximately 6 months after HSCT" in t for t in notes.values())
    assert any("donor: matched sibling donor" in t for t in notes.values()), notes


# -- the tables --------------------------------------------------------------------------------


def test_tables_load_into_pandas_with_the_dictionarys_types(exported: dict[str, Path]) -> None:
    import pandas as pd

    folder = exported["tables"]
    dictionary = pd.read_csv(folder / "dictionary.csv", dtype="string", keep_default_na=False)
    assert set(dictionary.columns) >= {"table", "column", "type", "pandas_dtype", "meaning"}
    assert (dictionary["meaning"] != "").all()
    for table, cols in dictionary.groupby("table", sort=True):
        dtypes = dict(zip(cols["column"], cols["pandas_dtype"], strict=True))
        frame = pd.read_csv(folder / f"{table}.csv", dtype=dtypes)
        assert list(frame.columns) == list(cols["column"]), table
        for column, dtype in dtypes.items():
            assert str(frame[column].dtype) == dtype, (table, column)
        parquet = pd.read_parquet(folder / f"{table}.parquet")
        assert len(parquet) == len(frame), table
        assert list(parquet.columns) == list(frame.columns)
    # allowed values come from the ontology's value sets
    status = dictionary[(dictionary["table"] == "em-findings") & (dictionary["column"] == "status")]
    assert "emkg:AbsentWhenAssessed (absent when assessed)" in status["allowed_values"].iloc[0]


# SPARQL counts of each entity, asked of the release independently of the export queries
COUNTS = {
    "patients": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a emkg:Patient }",
    "therapy-lines": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a emkg:TherapyLine }",
    "therapy-components": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?l emkg:hasComponent ?x }",
    "em-findings": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a emkg:EMFinding }",
    "em-finding-methods": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?x a emkg:EMFinding ; emkg:detectedBy ?m }"
    ),
    "assessments": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a emkg:DiseaseAssessment }",
    "measurements": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?a emkg:hasMeasurement ?x }",
    "claims": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a emkg:LiteratureClaim }",
    "events": (
        "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x emkg:ofPatient ?p ; emkg:sequenceIndex ?i }"
    ),
    "evidence": (
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?b ?s ?q WHERE { "
        "?a oa:hasBody ?b ; oa:hasTarget ?t . ?t oa:hasSource ?s ; oa:hasSelector/oa:exact ?q } }"
    ),
}


def test_table_row_counts_equal_sparql_counts(exported: dict[str, Path]) -> None:
    import pandas as pd
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(exported["release"] / "emkg.nq"), format=ox.RdfFormat.N_QUADS)
    prologue = (
        "PREFIX emkg: <https://w3id.org/emkg/ontology#>\nPREFIX oa: <http://www.w3.org/ns/oa#>\n"
    )
    for table, query in COUNTS.items():
        result = store.query(prologue + query, use_default_graph_as_union=True)
        expected = int(next(iter(result))["n"].value)  # type: ignore[index, union-attr]
        frame = pd.read_csv(exported["tables"] / f"{table}.csv", dtype="string")
        assert len(frame) == expected, (table, len(frame), expected)
        assert expected > 0, table
    # one row per entity: the first column of an entity table has no repeats
    for table in ("patients", "events", "therapy-lines", "therapy-components", "em-findings"):
        frame = pd.read_csv(exported["tables"] / f"{table}.csv", dtype="string")
        assert frame.iloc[:, 0].is_unique, table


def test_curated_counts_by_hand(exported: dict[str, Path]) -> None:
    import pandas as pd

    patients = pd.read_csv(exported["tables"] / "patients.csv", dtype="string")
    # four case reports: Johns 2024 cases one and two, Li 2025, Liu 2024 (Agrawal 2025 is an
    # abstract of a series with no individual patient)
    assert len(patients) == 4
    li = patients[patients["patient"].str.contains("li2025")].iloc[0]
    # "A 39-year-old female with fatigue was admitted to our hospital."
    assert float(li["ageInYears"]) == 39.0
    assert li["sexLabel"] == "female"


def test_packets_read_in_chunks_equal_packets_read_at_once(
    exported: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emkg.export.phenopackets import write_packets
    from emkg.export.store import open_release_store

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    with open_release_store(exported["release"]) as store:
        one = write_packets(store, tmp_path / "one", chunk=1, log=lambda _line: None)
        all_ = write_packets(store, tmp_path / "all", chunk=1000, log=lambda _line: None)
    assert one.count == all_.count == 4
    for path in sorted((tmp_path / "all").glob("*.json")):
        assert (tmp_path / "one" / path.name).read_bytes() == path.read_bytes(), path.name
