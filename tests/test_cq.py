"""The competency questions on the curated graph, with answers worked out by hand from the papers.

Every expected value below was derived from the source texts in ../shared/seeds/ (the sentence
is quoted in the comment), never from a query's output. Where the answer depends on how a
curator mapped the paper's words to a term (which UBERON class stands for "bones" or "GI
tract", which method class for "MRI with and without contrast"), the mapping was checked in
the kg file against the paper and is stated beside the expectation.

Johns 2024 = 000_cd732e99b2861118.txt (doi 10.3389/fimmu.2024.1423487), Li 2025 =
001_ceacc7625619e408.txt (doi 10.3389/fonc.2025.1508676), Liu 2024 = 004_750b08a139c6466c.txt
(abstract, doi 10.3389/fonc.2024.1341682), Agrawal 2025 = 002_82c80a7b118d03ff.txt (abstract).

Every test runs on both embedded engines (pyoxigraph and rdflib's SPARQL engine), loaded once
per session from the same assembled dataset; a separate test checks that both engines return
identical tables for every saved competency question.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from rdflib import Dataset, Literal, URIRef

from emkg.catalogue import Catalogue, load_catalogue
from emkg.engines import Engine, OxigraphEngine, RdflibEngine
from emkg.params import Resolver
from emkg.results import ResultTable
from emkg.runner import run_query

EMKG = "https://w3id.org/emkg/ontology#"
OBO = "http://purl.obolibrary.org/obo/"
DATA = "https://w3id.org/emkg/data/"

JOHNS = URIRef("https://doi.org/10.3389/fimmu.2024.1423487")
LI = URIRef("https://doi.org/10.3389/fonc.2025.1508676")
LIU = URIRef("https://doi.org/10.3389/fonc.2024.1341682")
AGRAWAL = URIRef("https://doi.org/10.1080/10428194.2025.2541024")

ENGINE_NAMES = ("oxigraph", "rdflib")


def e(local: str) -> URIRef:
    return URIRef(EMKG + local)


def uberon(number: str) -> URIRef:
    return URIRef(f"{OBO}UBERON_{number}")


def j1(local: str) -> URIRef:
    return URIRef(f"{DATA}johns2024/case1/{local}")


def j2(local: str) -> URIRef:
    return URIRef(f"{DATA}johns2024/case2/{local}")


def li(local: str) -> URIRef:
    return URIRef(f"{DATA}li2025/case1/{local}")


def liu(local: str) -> URIRef:
    return URIRef(f"{DATA}liu2024/case1/{local}")


J1, J2, LI1, LIU1 = j1("patient"), j2("patient"), li("patient"), liu("patient")

# Sites, with the paper's words they stand for (checked in the kg files against the papers).
THORACIC_SPINE = uberon("0006073")  # "thoracic spine lesion"; "soft tissue lesion T2-T4"
LUMBAR_SPINE = uberon("0006074")  # "right L3 lateral prevertebral soft tissue lesion"
C7, T3, T9, T10 = uberon("0004616"), uberon("0004628"), uberon("0004633"), uberon("0004634")
L2, L3 = uberon("0004618"), uberon("0004619")
VERTEBRAL_COLUMN = uberon("0001130")  # "his spinal lesions"
EYE = uberon("0000019")  # "ocular relapse": camera-type eye
BONE = uberon("0001474")  # "bones": bone element
LYMPH_NODE = uberon("0000029")  # "lymph nodes"
LIVER, ADRENAL, KIDNEY = uberon("0002107"), uberon("0002369"), uberon("0002113")
GI_TRACT = uberon("0001555")  # "GI tract": digestive tract
PERITONEUM = uberon("0002358")  # "peritoneal implants"
RETROPERITONEAL_NODE = uberon("0035371")  # figure 2: "retroperitonal nodes"
BOWEL = uberon("0000160")  # figure 2: "bowel": intestine
BONY_PELVIS = uberon("0001270")  # figure 2: "bony pelvis"
BREAST, LUNG, UTERUS, PANCREAS = (
    uberon("0000310"),
    uberon("0002048"),
    uberon("0000995"),
    uberon("0001264"),
)
CSF, CNS, BRAIN, BONE_MARROW = (
    uberon("0001359"),
    uberon("0001017"),
    uberon("0000955"),
    uberon("0002371"),
)

# --------------------------------------------------------------------------------------------
# engines, loaded once per session, and a cache of query results
# --------------------------------------------------------------------------------------------


@functools.cache
def _engines(dataset_id: int, dataset: Any) -> dict[str, Engine]:
    del dataset_id  # only the cache key
    return {
        "oxigraph": OxigraphEngine.from_dataset(dataset),
        "rdflib": RdflibEngine.from_dataset(dataset),
    }


def curated_engines(dataset: Dataset) -> dict[str, Engine]:
    """Both embedded engines over the curated dataset, built once per test session."""
    return _engines(id(dataset), dataset)


@functools.cache
def _resolver(engine: Engine) -> Resolver:
    return Resolver(engine)


_RESULTS: dict[tuple[str, str, tuple[tuple[str, str], ...]], ResultTable] = {}


@pytest.fixture(scope="session")
def engines(dataset: Dataset) -> dict[str, Engine]:
    return curated_engines(dataset)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(params=ENGINE_NAMES)
def run(request: pytest.FixtureRequest, engines: dict[str, Engine], catalogue: Catalogue) -> Any:
    """``run("cq01", therapy="blinatumomab")`` on the parametrised engine (results cached)."""
    engine = engines[request.param]

    def _run(ref: str, **params: str) -> ResultTable:
        entry = catalogue.get(ref)
        key = (engine.name, entry.id, tuple(sorted(params.items())))
        if key not in _RESULTS:
            _RESULTS[key] = run_query(entry, params, engine, _resolver(engine))
        return _RESULTS[key]

    return _run


COVERED: set[str] = set()


def covers(*ids: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Record which saved competency question a test checks (see test_every_cq_is_tested)."""
    COVERED.update(ids)

    def mark(func: Callable[..., None]) -> Callable[..., None]:
        return func

    return mark


def by_patient(table: ResultTable, *columns: str) -> dict[URIRef, set[tuple[Any, ...]]]:
    out: dict[URIRef, set[tuple[Any, ...]]] = {}
    for record in table.records():
        patient = record["patient"]
        assert isinstance(patient, URIRef)
        out.setdefault(patient, set()).add(tuple(record[c] for c in columns))
    return out


def num(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


# --------------------------------------------------------------------------------------------
# CQ1: EM sites found after blinatumomab
# --------------------------------------------------------------------------------------------

# Johns 2024 case one received "re-induction chemotherapy and bridging therapy with blinatumomab
# followed by tisagenlecleucel". Before lymphodepletion: "Chest CT with contrast revealed
# previously unknown non-CNS EM with a thoracic spine lesion. Diagnostic full spine MRI with and
# without contrast showed multilevel leukemic involvement at C7, T3, T9, T10, L2 and L3, an
# enhancing soft tissue lesion T2-T4, involving right T3-T4 neuroforamen, and a right L3 lateral
# prevertebral soft tissue lesion involving right L3-L4 neural foramen"; the figure 1 legend adds
# "18-FDG PET/MRI ... hypermetabolic focal uptake in T2-T4 level and L3-L4 level".
# Mapping checked in kg/johns2024.ttl: vertebrae -> UBERON thoracic/lumbar/cervical vertebra
# classes; the thoracic spine lesion and the T2-T4 soft tissue lesion -> thoracic region of
# vertebral column, the L3 prevertebral lesion -> lumbar region of vertebral column (no checked
# UBERON class for paraspinal soft tissue; the region whose neural foramen it involves is the
# nearest correct one); "CT with contrast" -> emkg:ContrastEnhancedCT, "MRI with and without
# contrast" -> emkg:ContrastEnhancedMRI, PET/MRI -> emkg:PETMRI.
CQ1_JOHNS_1 = {
    (THORACIC_SPINE, e("ContrastEnhancedCT")),
    (C7, e("ContrastEnhancedMRI")),
    (T3, e("ContrastEnhancedMRI")),
    (T9, e("ContrastEnhancedMRI")),
    (T10, e("ContrastEnhancedMRI")),
    (L2, e("ContrastEnhancedMRI")),
    (L3, e("ContrastEnhancedMRI")),
    (THORACIC_SPINE, e("ContrastEnhancedMRI")),
    (THORACIC_SPINE, e("PETMRI")),
    (LUMBAR_SPINE, e("ContrastEnhancedMRI")),
    (LUMBAR_SPINE, e("PETMRI")),
}
# Johns 2024 case two: "She received multiple lines of treatment, including blinatumomab", then
# inotuzumab and HSCT; "A few months later, the patient presented with a frank ocular relapse"
# (presented clinically: emkg:ClinicalExamination; eye -> camera-type eye, a subclass of eye);
# before CAR-T, "PET-MRI demonstrated gross extramedullary disease with extensive involvement of
# the bones, lymph nodes, liver, adrenal glands, kidneys, GI tract, and peritoneal implants";
# the figure 2 legend adds "retroperitonal nodes, bowel ... bony pelvis".
# Mapping checked: bones -> bone element, GI tract -> digestive tract, peritoneal implants ->
# peritoneum, bowel -> intestine, bony pelvis -> bony pelvis (not a bone element in UBERON).
CQ1_JOHNS_2 = {(EYE, e("ClinicalExamination"))} | {
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
}
# Li 2025: "After treatment with blinatumomab infusion for 28 days ... a right breast mass was
# found, which was revealed by biopsy to be extramedullary relapse (Figures 1A-C)" (figure 1:
# "Hematoxylin and eosin staining (A) and immunohistochemical staining"): biopsy, histology (H&E)
# and immunohistochemistry; "Chest CT revealed that the mass extended from the right breast into
# the right lung (Figure 1D)": CT at breast and lung; "the right breast mass decreased (Figure
# 1E)" (chest CT) and after CAR-T "CT scan also showed the regression of right breast mass"
# (breast still seen on CT); "PET-CT images before starting the conditioning regimen revealed
# extensive extramedullary relapse involving multiple lymph nodes, the breast, kidney, uterus,
# and pancreas".
CQ1_LI = {
    (BREAST, e("Biopsy")),
    (BREAST, e("Histology")),
    (BREAST, e("Immunohistochemistry")),
    (BREAST, e("CT")),
    (LUNG, e("CT")),
} | {(site, e("PETCT")) for site in (LYMPH_NODE, BREAST, KIDNEY, UTERUS, PANCREAS)}

CQ1_BLINATUMOMAB = {J1: CQ1_JOHNS_1, J2: CQ1_JOHNS_2, LI1: CQ1_LI}


@covers("cq01-em-sites-after-therapy")
def test_cq01_em_sites_after_blinatumomab(run: Any) -> None:
    table = run("cq01", therapy="blinatumomab")
    # all three patients who received blinatumomab, and only they: the CNS case of Liu 2024 had
    # "multiple cycles of chemotherapy and intrathecal injections" and CD19 CAR-T, no blinatumomab
    assert by_patient(table, "site", "method") == CQ1_BLINATUMOMAB
    assert LIU1 not in set(table.column("patient"))
    # every row says when: after the blinatumomab line, from the source that reports it
    for row in table.records():
        assert int(row["findingIndex"]) > int(row["therapyIndex"])
        assert row["agent"] == e("Blinatumomab")
        assert row["source"] == {J1: JOHNS, J2: JOHNS, LI1: LI}[row["patient"]]
        assert isinstance(row["siteLabel"], Literal)
    # Li: the breast mass was found "At the same time" as the month of selinexor and chidamide
    offsets = {str(r["offsetText"]) for r in table.records() if r["offsetText"] is not None}
    assert any("same time" in text for text in offsets)


@covers("cq01-em-sites-after-therapy")
def test_cq01_a_site_found_before_the_therapy_is_not_an_answer(run: Any) -> None:
    # Johns case one: all his EM disease was found before tisagenlecleucel; after it "His spinal
    # lesions showed initial pseudoprogression at 1month after CAR-T and then complete
    # radiographic remission at 2 months" - no disease found after it.
    assert len(run("cq01", therapy="tisagenlecleucel")) == 0
    # CD19 CAR-T (class: tisagenlecleucel, Li's and Liu's CD19 CAR-T): only Li's breast mass,
    # still seen on CT after CAR-T ("CT scan also showed the regression of right breast mass");
    # PET-CT showed "complete resolution of extramedullary disease" (resolved: not disease found),
    # Liu's CSF cleared ("complete remission (CR) in both BM and CSF").
    table = run("cq01", therapy="CD19 CAR-T cell therapy")
    assert by_patient(table, "site", "method") == {LI1: {(BREAST, e("CT"))}}
    assert set(table.column("agent")) == {e("CD19CARTCellTherapy")}


@covers("cq01-em-sites-after-therapy", "cq02-em-sites-after-therapy-class")
def test_cd19_directed_answer_covers_blinatumomab_and_cd19_cart(run: Any) -> None:
    def keys(table: ResultTable) -> set[tuple[Any, ...]]:
        return table.keys("patient", "site", "method")

    blinatumomab = keys(run("cq01", therapy="emkg:Blinatumomab"))
    cd19_cart = keys(run("cq01", therapy="emkg:CD19CARTCellTherapy"))
    by_class_cq1 = keys(run("cq01", therapy="CD19-directed therapy"))
    by_class_cq2 = keys(run("cq02", therapyClass="CD19-directed therapy"))
    assert by_class_cq1 >= blinatumomab | cd19_cart
    assert by_class_cq2 >= blinatumomab | cd19_cart
    # by hand: CD19-directed therapies given were blinatumomab (Johns 1 and 2, Li), the CD19
    # CAR-Ts (Johns 1 tisagenlecleucel, Li, Liu twice) and the bispecific CD19/CD22 CAR-T of
    # Johns 2, after which no EM finding is reported ("The response of the extramedullary sites
    # after CAR-T is not reported"); so the class answer is exactly the union.
    expected = {(p, s, m) for p, keys_ in CQ1_BLINATUMOMAB.items() for s, m in keys_}
    assert by_class_cq1 == expected
    assert by_class_cq2 == expected


# --------------------------------------------------------------------------------------------
# CQ2: the same for a class, by agent
# --------------------------------------------------------------------------------------------


@covers("cq02-em-sites-after-therapy-class")
def test_cq02_by_agent_for_cd19_directed_therapy(run: Any) -> None:
    table = run("cq02")  # default: CD19-directed therapy
    agents = by_patient(table, "agent")
    # Johns 1 and 2 had blinatumomab (their CAR-T came after all their findings); Li had
    # blinatumomab before all her findings and CD19 CAR-T before the CT regression of the breast.
    assert agents == {
        J1: {(e("Blinatumomab"),)},
        J2: {(e("Blinatumomab"),)},
        LI1: {(e("Blinatumomab"),), (e("CD19CARTCellTherapy"),)},
    }
    # each agent was given once before each finding: Johns 1 "2 cycles of blinatumomab" in one
    # line; Li "blinatumomab infusion for 28 days"
    assert set(table.column("administrationsBefore")) == {Literal(1)}


@covers("cq02-em-sites-after-therapy-class")
def test_cq02_after_hsct(run: Any) -> None:
    # HSCT: Johns 2 "eventually received a matched sibling donor HSCT"; everything EM was found
    # after it (ocular relapse "A few months later", PET-MRI before CAR-T). Johns 1's HSCT and
    # Li's UCBT had no EM disease after them ("No evidence of extramedullary recurrence was
    # observed"); Liu's HSCT is the last event of the abstract.
    table = run("cq02", therapyClass="HSCT")
    expected = {(site, method, e("MatchedSiblingDonorHSCT")) for site, method in CQ1_JOHNS_2}
    assert by_patient(table, "site", "method", "agent") == {J2: expected}


@covers("cq02-em-sites-after-therapy-class")
def test_cq02_after_antibody_based_agents(run: Any) -> None:
    # antibody-based agents: blinatumomab (bispecific T-cell engager) and inotuzumab (antibody-
    # drug conjugate). Johns 2 had both before all her EM findings ("She achieved a complete
    # remission after inotuzumab ... and eventually received a matched sibling donor HSCT").
    table = run("cq02", therapyClass="antibody-based antileukemic agent")
    agents = by_patient(table, "agent")
    assert agents[J2] == {(e("Blinatumomab"),), (e("InotuzumabOzogamicin"),)}
    assert agents[J1] == {(e("Blinatumomab"),)}
    assert agents[LI1] == {(e("Blinatumomab"),)}
    assert set(agents) == {J1, J2, LI1}


# --------------------------------------------------------------------------------------------
# CQ3: subclinical findings and marrow MRD at that time
# --------------------------------------------------------------------------------------------


@covers("cq03-subclinical-findings-marrow-mrd")
def test_cq03_subclinical_findings_and_marrow_mrd(run: Any) -> None:
    table = run("cq03")
    # Johns abstract: "Both patients were thought to only have minimal residual disease (MRD) at
    # the pre-CAR disease assessment, with MRD of 6,648 (0.66%) and 100 (0.01%) cells per million
    # cells, respectively, as measured by next-generation sequencing (NGS) ... In both cases
    # patients were found to have significant bulky subclinical EM disease".
    # Case one's marrow: "0.01% blasts in bone marrow by flow cytometry and 0.66% by deep
    # sequencing NGS" (recorded as 6,648 cells per million by NGS, the abstract's figure).
    # Case two's marrow: "NGS-MRD at that time increased from 1 to 100 clones per million cells":
    # the last value before the PET-MRI is 100 per million.
    # Li and Liu never call their EM disease subclinical; case two's ocular relapse was "frank".
    sites = by_patient(table, "site")
    assert sites == {
        J1: {(s,) for s in (THORACIC_SPINE, C7, T3, T9, T10, L2, L3, LUMBAR_SPINE)},
        J2: {(s,) for s, _m in CQ1_JOHNS_2 if s != EYE},
    }
    mrd = {
        patient: {(num(v), u, m) for v, u, m in values}
        for patient, values in by_patient(table, "mrdValue", "mrdUnit", "mrdMethod").items()
    }
    assert mrd == {
        J1: {
            (Decimal("0.01"), e("Percent"), e("FlowCytometry")),
            (Decimal("6648"), e("CellsPerMillion"), e("NextGenerationSequencingMRD")),
        },
        J2: {(Decimal("100"), e("CellsPerMillion"), e("NextGenerationSequencingMRD"))},
    }
    # case one's detection was "an incidental finding during an infectious work-up"
    contexts = by_patient(table, "detectionContext")
    assert contexts[J1] == {(e("InfectiousWorkup"),)}


# --------------------------------------------------------------------------------------------
# CQ4: method x site counts
# --------------------------------------------------------------------------------------------


@covers("cq04-methods-by-site")
def test_cq04_method_by_site_counts(run: Any) -> None:
    table = run("cq04")
    counts = {
        (r["method"], r["site"], r["source"]): (int(r["findings"]), int(r["patients"]))
        for r in table.records()
    }
    # Johns: one finding per method and site (sentences quoted at CQ1), except the thoracic region
    # of the vertebral column, seen on contrast CT ("thoracic spine lesion") and, as the T2-T4 soft
    # tissue lesion, on MRI and PET-MRI - each method once.
    expected: dict[tuple[Any, Any, Any], tuple[int, int]] = {
        (m, s, JOHNS): (1, 1) for s, m in CQ1_JOHNS_1 | CQ1_JOHNS_2
    }
    # Li: the breast mass was seen on CT three times - "the mass extended from the right breast
    # into the right lung (Figure 1D)", "the right breast mass decreased (Figure 1E)" and "the
    # regression of right breast mass (Figure 1F)" (all chest CT); each other method once.
    expected |= {(m, s, LI): (1, 1) for s, m in CQ1_LI}
    expected[(e("CT"), BREAST, LI)] = (3, 1)
    assert counts == expected


@covers("cq04-methods-by-site")
def test_cq04_narrowed_to_pet(run: Any) -> None:
    # PET imaging: PET-MRI at Stanford (Johns: "PET-MRI is the standard at our institution") and
    # PET-CT in Li.
    table = run("cq04", methodClass="PET imaging")
    assert set(table.column("method")) == {e("PETMRI"), e("PETCT")}
    assert set(table.column("methodClass")) == {e("PETImaging")}


# --------------------------------------------------------------------------------------------
# CQ5: findings that changed management
# --------------------------------------------------------------------------------------------


@covers("cq05-management-changes")
def test_cq05_management_changes(run: Any) -> None:
    table = run("cq05")
    # Johns 1: "Due to concern for post-infusion CAR-mediated focal inflammation and associated
    # risk for spinal cord compression, patient received radiation with 800cGy to the lumbar and
    # thoracic spine prior to LD."
    # Johns 2: "Given newly-established higher disease burden, the patient was treated with low
    # dose cytarabine as a bridge to the CAR-T infusion." and "due to concerns for CAR-mediated
    # toxicity in the setting of extensive leukemic burden ... an Expanded Access request was
    # approved to instead give dose level 2".
    # Li: "PET-CT images before starting the conditioning regimen revealed extensive
    # extramedullary relapse ... Peripheral blood lymphocytes were then collected from the
    # patient to prepare anti-CD19 CAR-T cells" - CAR-T first instead of the transplant.
    assert by_patient(table, "changeType") == {
        J1: {(e("RadiotherapyBeforeLymphodepletion"),)},
        J2: {(e("BridgingTherapyAdded"),), (e("CARTDoseReduction"),)},
        LI1: {(e("TherapySwitched"),)},
    }
    rows = table.records()
    # the radiation was prompted by the spine findings of CQ1 and carried out as the radiation
    radiation = [r for r in rows if r["changeType"] == e("RadiotherapyBeforeLymphodepletion")]
    assert {r["site"] for r in radiation} == {s for s, _m in CQ1_JOHNS_1}
    assert {r["resultedIn"] for r in radiation} == {j1("e27-radiation")}
    dose = [r for r in rows if r["changeType"] == e("CARTDoseReduction")]
    assert {str(r["changedFrom"]).split(" (")[0] for r in dose} == {"dose level 3"}
    assert {str(r["changedTo"]).split(" (")[0] for r in dose} == {"dose level 2"}


# --------------------------------------------------------------------------------------------
# CQ6: response to CAR-T with EM disease present
# --------------------------------------------------------------------------------------------


@covers("cq06-cart-response-with-em")
def test_cq06_cart_response_in_marrow_and_em_sites(run: Any) -> None:
    table = run("cq06")
    answers = by_patient(table, "therapyLine", "kind", "compartment", "outcome", "site")
    marrow, em, cns = e("MedullaryCompartment"), e("ExtramedullaryCompartment"), e("CNSCompartment")
    RESPONSE, FINDING = Literal("response"), Literal("EM finding")  # noqa: N806
    # Johns 1: "He achieved medullary remission with undetectable disease by deep sequencing MRD.
    # His spinal lesions showed initial pseudoprogression at 1month after CAR-T and then complete
    # radiographic remission at 2 months."
    cart1 = j1("e29-tisagenlecleucel")
    assert answers[J1] == {
        (cart1, RESPONSE, marrow, e("MRDNegativeCompleteRemission"), None),
        (cart1, FINDING, em, e("Pseudoprogression"), VERTEBRAL_COLUMN),
        (cart1, RESPONSE, em, e("RadiographicCompleteRemission"), VERTEBRAL_COLUMN),
    }
    # Johns 2: "Day 28 bone marrow aspirate confirmed the presence of progressive disease with 72%
    # lymphoblasts"; the EM response is not reported.
    assert answers[J2] == {(j2("e47-cart"), RESPONSE, marrow, e("ProgressiveDisease"), None)}
    # Li: "One month after CAR-T cell therapy, the patient achieved complete remission without MRD
    # in the bone marrow, and a PET-CT scan suggested complete resolution of extramedullary
    # disease (Figure 2). CT scan also showed the regression of right breast mass".
    cart_li = li("e32-cd19-cart")
    pet_sites = (LYMPH_NODE, BREAST, KIDNEY, UTERUS, PANCREAS)
    assert answers[LI1] == (
        {(cart_li, RESPONSE, marrow, e("MRDNegativeCompleteRemission"), None)}
        | {(cart_li, RESPONSE, em, e("RadiographicCompleteRemission"), s) for s in pet_sites}
        | {(cart_li, FINDING, em, e("Resolved"), s) for s in pet_sites}
        | {(cart_li, FINDING, em, e("Decreased"), BREAST)}
    )
    # Liu: "The infusion of autologous CD19 CAR-T cells resulted in complete remission (CR) in both
    # BM and CSF for 40 days"; after the brother-derived CAR-T "another achievement of CR in BM".
    # Her CSF disease (EM) was found before both infusions.
    assert answers[LIU1] == {
        (liu("e05-auto-cd19-cart"), RESPONSE, marrow, e("CompleteRemission"), None),
        (liu("e05-auto-cd19-cart"), RESPONSE, cns, e("CompleteRemission"), CSF),
        (liu("e10-allo-cd19-cart"), RESPONSE, marrow, e("CompleteRemission"), None),
    }
    # when: "at 1month", "at 2 months", "Day 28", "One month after CAR-T cell therapy"
    when = {(r["patient"], num(r["offsetValue"]), r["offsetUnit"]) for r in table.records()}
    assert (J1, Decimal(1), e("Month")) in when
    assert (J1, Decimal(2), e("Month")) in when
    assert (J2, Decimal(28), e("Day")) in when
    assert (LI1, Decimal(1), e("Month")) in when


# --------------------------------------------------------------------------------------------
# CQ7: toxicities after CAR-T, with burden at infusion
# --------------------------------------------------------------------------------------------


@covers("cq07-toxicities-after-cart")
def test_cq07_toxicities_after_cart(run: Any) -> None:
    table = run("cq07")
    toxicities = by_patient(table, "therapyLine", "condition", "grade", "attributed")
    # Johns 2: "the patient experienced grade 1 cytokine release syndrome and immune effector-
    # cell-associated hemophagocytic lymphohistiocytosis, complicated by grade 4 hepatic necrosis,
    # respiratory insufficiency requiring positive pressure support and intra-abdominal hemorrhage
    # requiring vascular embolization" - grades only for CRS (1) and hepatic necrosis (4).
    cart2, true, false = j2("e47-cart"), Literal(True), Literal(False)
    assert toxicities[J2] == {
        (cart2, e("CytokineReleaseSyndrome"), Literal(1), true),
        (cart2, e("IECHS"), None, true),
        (cart2, e("HepaticNecrosis"), Literal(4), true),
        (cart2, e("RespiratoryInsufficiency"), None, true),
        (cart2, e("IntraAbdominalHemorrhage"), None, true),
    }
    # Liu: "only grade 1 cytokine release syndrome (CRS) and immune effector cell-associated
    # neurotoxicity syndrome (ICANS) events were detected during the treatment period" - after
    # both infusions, attributed to neither.
    assert toxicities[LIU1] == {
        (line, condition, Literal(1), false)
        for line in (liu("e05-auto-cd19-cart"), liu("e10-allo-cd19-cart"))
        for condition in (e("CytokineReleaseSyndrome"), e("ICANS"))
    }
    # Johns 1 "tolerated radiation and LD followed by tisagenlecleucel"; Li reports no CAR-T
    # toxicity.
    assert set(toxicities) == {J2, LIU1}
    # burden at infusion, Johns 2: "progressive disease in the bone marrow with 51.7% blasts by
    # morphology on her pre-CAR-T infusion bone marrow"; Liu's abstract gives no marrow values.
    burden = by_patient(table, "burdenKind", "burdenValue", "burdenUnit", "burdenMethod")
    assert {(k, num(v), u, m) for k, v, u, m in burden[J2]} == {
        (e("BlastPercentage"), Decimal("51.7"), e("Percent"), e("Morphology"))
    }
    assert burden[LIU1] == {(None, None, None, None)}


# --------------------------------------------------------------------------------------------
# CQ8: relapse after CAR-T or HSCT
# --------------------------------------------------------------------------------------------


@covers("cq08-relapse-after-therapy")
def test_cq08_relapse_after_cell_therapy(run: Any) -> None:
    table = run("cq08")
    relapses = by_patient(table, "relapse", "relapseType", "site", "therapyLine", "attributed")
    true = Literal(True)
    assert relapses == {
        # Johns 2, after the matched sibling donor HSCT: "A few months later, the patient presented
        # with a frank ocular relapse"
        J2: {
            (j2("e16-ocular-relapse"), e("ExtramedullaryRelapse"), EYE, j2("e09-hsct"), true),
        },
        # Li: "she relapsed at the 6th month after UCBT" with "abnormal B cells ... (0.05%)" in the
        # marrow and "No evidence of extramedullary recurrence was observed"
        LI1: {(li("rel55-medullary"), e("MedullaryRelapse"), BONE_MARROW, li("e42-ucbt"), true)},
        # Liu: after the autologous CD19 CAR-T "the patient later experienced a relapse in the
        # bone marrow" (medullary-only is not stated: the CSF status at that time is not given)
        LIU1: {(liu("rel09-bm"), None, BONE_MARROW, liu("e05-auto-cd19-cart"), true)},
    }
    # how long after: Li "at the 6th month" after UCBT (month 5 to 6); Liu after a 40-day CR
    times = {
        (r["patient"], num(r["offsetValue"]), num(r["offsetUpperValue"]), r["offsetUnit"])
        for r in table.records()
    }
    assert (LI1, Decimal(5), Decimal(6), e("Month")) in times
    assert (LIU1, Decimal(40), None, e("Day")) in times


@covers("cq08-relapse-after-therapy")
def test_cq08_relapse_after_cart_only(run: Any) -> None:
    # after CAR-T: Li's marrow relapse came after CAR-T and then UCBT (last CAR-T: e32); Liu's
    # after the autologous CAR-T. Johns 2's relapses all came before her CAR-T.
    table = run("cq08", therapy="CAR-T")
    assert by_patient(table, "relapse", "therapyLine") == {
        LI1: {(li("rel55-medullary"), li("e32-cd19-cart"))},
        LIU1: {(liu("rel09-bm"), liu("e05-auto-cd19-cart"))},
    }


# --------------------------------------------------------------------------------------------
# CQ9: a patient's timeline
# --------------------------------------------------------------------------------------------


@covers("cq09-patient-timeline")
def test_cq09_timeline_of_johns_case_one(run: Any) -> None:
    table = run("cq09", patient="Case one")
    assert set(table.column("patient")) == {J1}
    lines: dict[int, tuple[set[Any], set[Any]]] = {}
    for r in table.records():
        if r["eventType"] == e("TherapyLine"):
            intents, agents = lines.setdefault(int(r["sequenceIndex"]), (set(), set()))
            intents.add(r["intent"])
            if r["agent"] is not None:
                agents.add(r["agent"])
    ordered = [lines[i] for i in sorted(lines)]
    # "He was treated as per COG AALL0932" (agents not named); "chemotherapy re-induction with
    # vincristine, doxorubicin, dexrazoxane, venetoclax, rylaze, and intrathecal methotrexate,
    # hydrocortisone, and ara-c"; "prolonged treatment with broad-spectrum antibiotics, acyclovir,
    # amphotericin, and voriconazole"; "blinatumomab was initiated as a bridge to CAR-T";
    # "radiation with 800cGy to the lumbar and thoracic spine prior to LD"; "He tolerated
    # radiation and LD followed by tisagenlecleucel"; "HSCT, which was pursued for consolidation
    # of remission ... an allogenic matched sibling donor transplant".
    assert ordered == [
        ({e("FrontlineProtocol")}, set()),
        (
            {e("Reinduction")},
            {
                e("Vincristine"),
                e("Doxorubicin"),
                e("Dexrazoxane"),
                e("Venetoclax"),
                e("RecombinantErwiniaAsparaginase"),
                e("Methotrexate"),
                e("Hydrocortisone"),
                e("Cytarabine"),
            },
        ),
        (
            {e("InfectionTreatment")},
            {e("BroadSpectrumAntibiotic"), e("Acyclovir"), e("Amphotericin"), e("Voriconazole")},
        ),
        ({e("BridgingToCART")}, {e("Blinatumomab")}),
        ({e("LocalTherapy")}, {e("Radiotherapy")}),
        ({e("Lymphodepletion")}, set()),
        ({e("CARTInfusion")}, {e("Tisagenlecleucel")}),
        ({e("Transplantation"), e("Consolidation")}, {e("MatchedSiblingDonorHSCT")}),
    ]
    # between the blinatumomab bridge and the CAR-T infusion: the nine spine findings (CQ1)
    index_of = {r["event"]: int(r["sequenceIndex"]) for r in table.records()}
    blina, cart = index_of[j1("e13-blinatumomab")], index_of[j1("e29-tisagenlecleucel")]
    between = {
        r["site"]
        for r in table.records()
        if r["eventType"] == e("EMFinding") and blina < int(r["sequenceIndex"]) < cart
    }
    assert between == {s for s, _m in CQ1_JOHNS_1}


@covers("cq09-patient-timeline")
def test_cq09_without_a_patient_lists_every_timeline(run: Any) -> None:
    assert set(run("cq09").column("patient")) == {J1, J2, LI1, LIU1}


# --------------------------------------------------------------------------------------------
# CQ10: bridged from CAR-T to HSCT
# --------------------------------------------------------------------------------------------


@covers("cq10-cart-bridge-to-hsct")
def test_cq10_cart_to_hsct(run: Any) -> None:
    table = run("cq10")
    bridges = by_patient(
        table, "cartLine", "hsctAgent", "donorType", "graftSource", "hlaMatch", "plannedBridge"
    )
    assert bridges == {
        # Johns 1: "The patient received an allogenic matched sibling donor transplant
        # approximately 4 months after his tisagenlecleucel infusion" - pursued "for consolidation
        # of remission" once the infection resolved, not planned as a bridge; graft not stated.
        J1: {
            (
                j1("e29-tisagenlecleucel"),
                e("MatchedSiblingDonorHSCT"),
                e("MatchedSiblingDonor"),
                None,
                None,
                Literal(False),
            )
        },
        # Li: "CAR-T cell therapy bridge to unrelated cord blood transplantation"; "Allografts
        # were from 8/10 HLA-matched unrelated umbilical cord blood"
        LI1: {
            (
                li("e32-cd19-cart"),
                e("UnrelatedCordBloodTransplantation"),
                e("UnrelatedDonor"),
                e("UmbilicalCordBlood"),
                Literal("8/10"),
                Literal(True),
            )
        },
        # Liu: after the brother-derived CAR-T the patient "was successfully bridged to
        # hematopoietic stem cell transplantation" (donor and graft not given)
        LIU1: {
            (
                liu("e10-allo-cd19-cart"),
                e("HematopoieticStemCellTransplantation"),
                None,
                None,
                None,
                Literal(True),
            )
        },
    }
    # Johns 2's CAR-T was "a bridge to planned alpha beta depleted haploidentical HSCT" that never
    # took place (she "died on day 38 post-CD19/CD22 CAR")
    assert J2 not in bridges
    intervals = by_patient(table, "intervalValue", "intervalUnit", "intervalQualifier")
    assert {(num(v), u, q) for v, u, q in intervals[J1]} == {(Decimal(4), e("Month"), None)}
    # Li: "The present patient was treated with consolidative UCBT within three months of CAR-T"
    assert {(num(v), u, q) for v, u, q in intervals[LI1]} == {(Decimal(3), e("Month"), e("Within"))}
    assert intervals[LIU1] == {(None, None, None)}


# --------------------------------------------------------------------------------------------
# CQ11: outcome per patient
# --------------------------------------------------------------------------------------------


@covers("cq11-patient-outcome")
def test_cq11_outcomes(run: Any) -> None:
    table = run("cq11")
    assert by_patient(table, "vitalStatus", "causeOfDeath") == {
        # Johns 1: "As of day 180 status post HSCT, his deep sequencing MRD was negative"
        J1: {(e("Alive"), None)},
        # Johns 2: "died on day 38 post-CD19/CD22 CAR of refractory B-ALL"
        J2: {(e("Dead"), e("BCellAcuteLymphoblasticLeukemia"))},
        # Li: "transferred to the intensive care unit because of severe pneumonia ... and
        # subsequently died"
        LI1: {(e("Dead"), e("Pneumonia"))},
        # Liu: "achieved a disease-free survival of 5 months and was successfully bridged to
        # hematopoietic stem cell transplantation"
        LIU1: {(e("Alive"), None)},
    }
    when = by_patient(table, "offsetValue", "offsetUnit")
    assert {(num(v), u) for v, u in when[J1]} == {(Decimal(180), e("Day"))}
    assert {(num(v), u) for v, u in when[J2]} == {(Decimal(38), e("Day"))}
    assert when[LI1] == {(None, None)}  # the time of death is not given
    assert {(num(v), u) for v, u in when[LIU1]} == {(Decimal(5), e("Month"))}
    assert {r["patient"]: r["source"] for r in table.records()} == {
        J1: JOHNS,
        J2: JOHNS,
        LI1: LI,
        LIU1: LIU,
    }


# --------------------------------------------------------------------------------------------
# CQ12: CNS involvement, treatment, neurotoxicity
# --------------------------------------------------------------------------------------------


@covers("cq12-cns-involvement")
def test_cq12_cns(run: Any) -> None:
    table = run("cq12")
    rows = table.records()
    involved = {r["patient"] for r in rows if r["involvement"] == Literal(True)}
    # only Liu's patient had CNS involvement: "relapse in both bone marrow (BM) and
    # cerebrospinal fluid (CSF)"
    assert involved == {LIU1}
    assessments = by_patient(
        table.__class__(
            table.columns, tuple(r for r in table.rows if r[3] == Literal("CNS assessment"))
        ),
        "site",
        "status",
        "cnsStatus",
    )
    # Johns 1: "NCI standard risk CNS 1 pre-B cell ALL"; Johns 2: "An MRI Brain with and without
    # contrast was overall unrevealing" and "cerebrospinal fluid was benign at this time without
    # blasts (CNS1)"; Li: "the test for central nervous system infiltration by FCM was negative".
    assert assessments[J1] == {(None, None, e("CNS1"))}
    assert assessments[J2] == {
        (BRAIN, e("AbsentWhenAssessed"), None),
        (CSF, e("AbsentWhenAssessed"), e("CNS1")),
    }
    assert assessments[LI1] == {(CNS, e("AbsentWhenAssessed"), None)}
    # treated with the autologous CD19 CAR-T ("complete remission (CR) in both BM and CSF"),
    # followed by "only grade 1 ... immune effector cell-associated neurotoxicity syndrome (ICANS)"
    treatment = {r["event"] for r in rows if r["aspect"] == Literal("treatment")}
    assert treatment == {liu("e05-auto-cd19-cart")}
    neuro = {(r["condition"], r["grade"]) for r in rows if r["aspect"] == Literal("neurotoxicity")}
    assert neuro == {(e("ICANS"), Literal(1))}


# --------------------------------------------------------------------------------------------
# CQ13: site x prior agent matrix
# --------------------------------------------------------------------------------------------


@covers("cq13-site-by-prior-agent")
def test_cq13_site_by_prior_targeted_agent(run: Any) -> None:
    table = run("cq13")
    cells = {
        (r["site"], r["agent"], r["source"]): (int(r["patients"]), int(r["findings"]))
        for r in table.records()
    }
    blina, ino, cd19 = e("Blinatumomab"), e("InotuzumabOzogamicin"), e("CD19CARTCellTherapy")
    expected: dict[tuple[Any, Any, Any], tuple[int, int]] = {}
    # Johns 1: blinatumomab before every finding; two findings at the thoracic spine region
    for site, _m in CQ1_JOHNS_1:
        expected[(site, blina, JOHNS)] = (1, 2 if site == THORACIC_SPINE else 1)
    # Johns 2: blinatumomab and inotuzumab before every finding
    for site, _m in CQ1_JOHNS_2:
        expected[(site, blina, JOHNS)] = (1, 1)
        expected[(site, ino, JOHNS)] = (1, 1)
    # Li: blinatumomab before all her findings: the breast mass (biopsy), its decrease, the
    # breast on PET-CT and the regression after CAR-T are four breast findings; CD19 CAR-T before
    # the regression only
    for site, _m in CQ1_LI:
        expected[(site, blina, LI)] = (1, 4 if site == BREAST else 1)
    expected[(BREAST, cd19, LI)] = (1, 1)
    assert cells == expected


# --------------------------------------------------------------------------------------------
# CQ14: literature claims
# --------------------------------------------------------------------------------------------


@covers("cq14-literature-claims")
def test_cq14_claims_about_blinatumomab(run: Any) -> None:
    table = run("cq14")  # default topic: blinatumomab
    claims = {r["claim"]: (r["source"], r["assertedValue"]) for r in table.records()}
    jc, lc, ac = (f"{DATA}{k}/claim/" for k in ("johns2024", "li2025", "agrawal2025"))
    assert claims == {
        # Johns: "antibodybased agents such as blinatumomab and inotuzumab do not (1, 11)"
        # penetrate the blood brain barrier
        URIRef(jc + "c03-blinatumomab-bbb"): (JOHNS, Literal(False)),
        # Johns: "EM had been associated with failure of blinatumomab in adults with relapsed ALL
        # (13, 14)"
        URIRef(jc + "c07-blinatumomab-em-adults"): (JOHNS, None),
        # Johns: COG AALL1331 "revealed superior outcomes with the addition of blina for patients
        # with BM+/- EM disease but no benefit for patients with isolated EM (15)"
        URIRef(jc + "c08-aall1331-marrow"): (JOHNS, Literal(True)),
        URIRef(jc + "c09-aall1331-isolated-em"): (JOHNS, Literal(False)),
        # Li: "The incidence of extramedullary relapse is reportedly greater following
        # blinatumomab treatment (14)"
        URIRef(lc + "c11-em-relapse-after-blinatumomab"): (LI, None),
        # Agrawal: "extramedullary relapse is increasingly reported ... especially after
        # treatment with blinatumomab" (no cited study in the abstract)
        URIRef(ac + "c03-em-relapse-after-blinatumomab"): (AGRAWAL, None),
    }
    cited = {(r["claim"], r["citedStudy"]) for r in table.records()}
    # references 1 and 11 of Johns: McNeer 2020 and Klinger 2020
    assert {c for claim, c in cited if claim == URIRef(jc + "c03-blinatumomab-bbb")} == {
        URIRef("https://doi.org/10.1200/EDBK_278171"),
        URIRef("https://doi.org/10.1158/0008-5472.CAN-19-1131"),
    }
    # reference 14 of Li: Aldoss 2017
    li_claim = URIRef(lc + "c11-em-relapse-after-blinatumomab")
    assert {c for claim, c in cited if claim == li_claim} == {
        URIRef("https://doi.org/10.1002/ajh.24783")
    }


@covers("cq14-literature-claims")
def test_cq14_blood_brain_barrier_claims_about_the_cns(run: Any) -> None:
    table = run("cq14", topic="central nervous system")
    bbb = {
        (r["claim"], r["assertedValue"])
        for r in table.records()
        if r["claimType"] == e("BloodBrainBarrierPenetration")
    }
    jc = f"{DATA}johns2024/claim/"
    # "Although CD19- CAR-T cells penetrate the blood brain barrier (6-10), antibodybased agents
    # such as blinatumomab and inotuzumab do not (1, 11)."
    assert bbb == {
        (URIRef(jc + "c02-cd19-cart-bbb"), Literal(True)),
        (URIRef(jc + "c03-blinatumomab-bbb"), Literal(False)),
        (URIRef(jc + "c04-inotuzumab-bbb"), Literal(False)),
    }


# --------------------------------------------------------------------------------------------
# CQ15: missing recommended elements
# --------------------------------------------------------------------------------------------


@covers("cq15-missing-recommended-elements")
def test_cq15_missing_recommended_elements(run: Any) -> None:
    table = run("cq15")
    # which case lacks which recommended element
    assert by_patient(table, "element") == {
        # Johns 2: grades are given only for CRS ("grade 1") and hepatic necrosis ("grade 4").
        # Both Johns patients "had PET-MRIs prior to lymphodepletion and CAR T cell infusion",
        # every MRD value is given with its method (NGS, flow), case one's follow-up is "day 180
        # status post HSCT" and case two died "on day 38 post-CD19/CD22 CAR".
        J2: {(e("GradeElement"),)},
        # Li: an MRD-negative CR and an MRD value without a method, and "subsequently died"
        # without a time; PET-CT came before CAR-T and no toxicity is reported.
        LI1: {(e("MRDMethodElement"),), (e("FollowUpElement"),)},
        # Liu (abstract): no imaging before either CAR-T infusion, and CRs in BM without an MRD
        # method; the toxicities are graded ("only grade 1 ... CRS and ... ICANS") and the
        # follow-up is "a disease-free survival of 5 months".
        LIU1: {(e("BaselineImagingElement"),), (e("MRDMethodElement"),)},
    }
    nodes = table.keys("patient", "element", "node")
    # the nodes the paper leaves without the element
    assert {
        # Johns 2: no grade for "immune effector-cell-associated hemophagocytic
        # lymphohistiocytosis", the "respiratory insufficiency requiring positive pressure
        # support" and the "intra-abdominal hemorrhage requiring vascular embolization"
        (J2, e("GradeElement"), j2("e49-iechs")),
        (J2, e("GradeElement"), j2("e51-respiratory-insufficiency")),
        (J2, e("GradeElement"), j2("e52-hemorrhage")),
        # Li: "she achieved MRD-negative complete remission (CR)" after VICP; "abnormal leukemic
        # blast cells were detected in the peripheral blood stem cell apheresis product (0.01%)";
        # the death has no time
        (LI1, e("MRDMethodElement"), li("r04-vicp-cr")),
        (LI1, e("MRDMethodElement"), li("a11-mrd")),
        (LI1, e("FollowUpElement"), li("d60-death")),
        # Liu: both CAR-T infusions without imaging before them; "complete remission (CR) in
        # both BM and CSF" and "another achievement of CR in BM" without MRD
        (LIU1, e("BaselineImagingElement"), liu("e05-auto-cd19-cart")),
        (LIU1, e("BaselineImagingElement"), liu("e10-allo-cd19-cart")),
        (LIU1, e("MRDMethodElement"), liu("r06-auto-bm")),
        (LIU1, e("MRDMethodElement"), liu("r11-allo-bm")),
    } <= nodes
    # a node is listed only for an element it lacks: no toxicity graded by the paper is listed
    assert (J2, e("GradeElement"), j2("e48-crs")) not in nodes
    assert (J2, e("GradeElement"), j2("e50-hepatic-necrosis")) not in nodes


# --------------------------------------------------------------------------------------------
# every question is tested, and both engines agree on all of them
# --------------------------------------------------------------------------------------------


def test_every_cq_is_tested(catalogue: Catalogue) -> None:
    ids = {entry.id for entry in catalogue.of_kind("cq")}
    assert ids - COVERED == set(), "competency questions without a test in tests/test_cq.py"
    assert COVERED - ids == set(), "tests name competency questions that do not exist"


def _cq_ids() -> Iterator[str]:
    for entry in load_catalogue().of_kind("cq"):
        yield entry.id


@pytest.mark.parametrize("cq_id", list(_cq_ids()))
def test_both_engines_return_identical_tables(
    cq_id: str, engines: dict[str, Engine], catalogue: Catalogue
) -> None:
    entry = catalogue.get(cq_id)
    tables = {}
    for name, engine in engines.items():
        key = (engine.name, entry.id, ())
        if key not in _RESULTS:
            _RESULTS[key] = run_query(entry, {}, engine, _resolver(engine))
        tables[name] = _RESULTS[key]
    assert tables["oxigraph"].columns == entry.columns
    assert tables["oxigraph"] == tables["rdflib"]
    assert len(tables["oxigraph"]) > 0, f"{cq_id} answers nothing on the curated graph"
