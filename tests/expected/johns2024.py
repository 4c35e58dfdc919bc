"""Competency-question answers for kg/johns2024.ttl, worked out by hand from the paper.

Johns C, Erickson C, Jacobs A, et al. Case report: sub-clinical extramedullary B-ALL in the
setting of relapse following targeted therapy. Front Immunol. 2024;15:1423487.
Source text: ../shared/seeds/000_cd732e99b2861118.txt (full text, two cases).

Every row below was derived from the paper (the sentence is quoted beside it), never from a
query's output. Where the answer depends on how the curator mapped the paper's words to a term
(which UBERON class stands for "bones" or "GI tract", which method class for "MRI with and
without contrast"), the mapping was checked in the kg file against the paper and is stated
beside the expectation. The format is described in tests/cqanswers.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rdflib import Literal, URIRef

from cqanswers import Question, Record, data, e, rows_of, uberon

SOURCE = URIRef("https://doi.org/10.3389/fimmu.2024.1423487")


def j1(local: str) -> URIRef:
    return data(f"johns2024/case1/{local}")


def j2(local: str) -> URIRef:
    return data(f"johns2024/case2/{local}")


J1, J2 = j1("patient"), j2("patient")

# Sites, with the paper's words they stand for (checked in the kg file against the paper).
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
CSF, BRAIN = uberon("0001359"), uberon("0000955")

BLINA, INO = e("Blinatumomab"), e("InotuzumabOzogamicin")
TRUE, FALSE = Literal(True), Literal(False)

# --------------------------------------------------------------------------------------------
# CQ1: EM sites found after blinatumomab
# --------------------------------------------------------------------------------------------

# Case one received "re-induction chemotherapy and bridging therapy with blinatumomab followed
# by tisagenlecleucel". Before lymphodepletion: "Chest CT with contrast revealed previously
# unknown non-CNS EM with a thoracic spine lesion. Diagnostic full spine MRI with and without
# contrast showed multilevel leukemic involvement at C7, T3, T9, T10, L2 and L3, an enhancing
# soft tissue lesion T2-T4, involving right T3-T4 neuroforamen, and a right L3 lateral
# prevertebral soft tissue lesion involving right L3-L4 neural foramen"; the figure 1 legend adds
# "18-FDG PET/MRI ... hypermetabolic focal uptake in T2-T4 level and L3-L4 level".
# Mapping: vertebrae -> UBERON thoracic/lumbar/cervical vertebra classes; the thoracic spine
# lesion and the T2-T4 soft tissue lesion -> thoracic region of vertebral column, the L3
# prevertebral lesion -> lumbar region of vertebral column (no checked UBERON class for
# paraspinal soft tissue; the region whose neural foramen it involves is the nearest correct
# one); "CT with contrast" -> emkg:ContrastEnhancedCT, "MRI with and without contrast" ->
# emkg:ContrastEnhancedMRI, PET/MRI -> emkg:PETMRI.
CASE_ONE_SITES = {
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
# Case two: "She received multiple lines of treatment, including blinatumomab", then inotuzumab
# and HSCT; "A few months later, the patient presented with a frank ocular relapse" (eye ->
# camera-type eye, a subclass of eye; changed in issue 12: the method is None, not
# emkg:ClinicalExamination - "presented with" names no method); before CAR-T,
# "PET-MRI demonstrated gross extramedullary disease with extensive involvement of the bones,
# lymph nodes, liver, adrenal glands, kidneys, GI tract, and peritoneal implants"; the figure 2
# legend adds "retroperitonal nodes, bowel ... bony pelvis".
# Mapping: bones -> bone element, GI tract -> digestive tract, peritoneal implants ->
# peritoneum, bowel -> intestine, bony pelvis -> bony pelvis (not a bone element in UBERON).
CASE_TWO_SITES = {(EYE, None)} | {
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
# both patients received blinatumomab before all these findings
FOUND_AFTER_BLINATUMOMAB = {(J1, s, m) for s, m in CASE_ONE_SITES} | {
    (J2, s, m) for s, m in CASE_TWO_SITES
}


# --------------------------------------------------------------------------------------------
# CQ9: case one's timeline, asked by its label (questions of this source only)
# --------------------------------------------------------------------------------------------


def _therapy_lines_in_order(records: Sequence[Record]) -> list[tuple[frozenset[Any], ...]]:
    lines: dict[int, tuple[set[Any], set[Any]]] = {}
    for r in records:
        if r["eventType"] == e("TherapyLine"):
            intents, agents = lines.setdefault(int(r["sequenceIndex"]), (set(), set()))
            intents.add(r["intent"])
            if r["agent"] is not None:
                agents.add(r["agent"])
    return [(frozenset(lines[i][0]), frozenset(lines[i][1])) for i in sorted(lines)]


def _sites_between_blinatumomab_and_cart(records: Sequence[Record]) -> set[tuple[Any, ...]]:
    index_of = {r["event"]: int(r["sequenceIndex"]) for r in records}
    blina = index_of.get(j1("e13-blinatumomab"), 0)
    cart = index_of.get(j1("e29-tisagenlecleucel"), 0)
    return {
        (r["site"],)
        for r in records
        if r["eventType"] == e("EMFinding") and blina < int(r["sequenceIndex"]) < cart
    }


CASE_ONE = {"patient": "Case one"}
QUESTIONS = (
    Question("cq09-case-one-patient", "cq09", rows_of("patient"), CASE_ONE),
    Question("cq09-case-one-therapy-lines", "cq09", _therapy_lines_in_order, CASE_ONE),
    Question(
        "cq09-case-one-findings-in-bridge", "cq09", _sites_between_blinatumomab_and_cart, CASE_ONE
    ),
)

ANSWERS: dict[str, Any] = {
    # ----------------------------------------------------------------------------------------
    # CQ1
    # ----------------------------------------------------------------------------------------
    "cq01-blinatumomab": FOUND_AFTER_BLINATUMOMAB,
    # Case one: all his EM disease was found before tisagenlecleucel; after it "His spinal
    # lesions showed initial pseudoprogression at 1month after CAR-T and then complete
    # radiographic remission at 2 months" - no disease found after it: no row for
    # cq01-tisagenlecleucel nor for cq01-cd19-cart.
    # CD19-directed therapies given were blinatumomab (both cases), tisagenlecleucel (case one)
    # and the bispecific CD19/CD22 CAR-T of case two, after which no EM finding is reported
    # ("The response of the extramedullary sites after CAR-T is not reported"): so the class
    # answer is exactly the blinatumomab answer.
    "cq01-cd19-directed": FOUND_AFTER_BLINATUMOMAB,
    # ----------------------------------------------------------------------------------------
    # CQ2
    # ----------------------------------------------------------------------------------------
    "cq02-cd19-directed": FOUND_AFTER_BLINATUMOMAB,
    # CD19-directed therapy (the default): both had blinatumomab (their CAR-T came after all
    # their findings)
    "cq02-agents": {(J1, BLINA), (J2, BLINA)},
    # given once before each finding: case one "2 cycles of blinatumomab" in one line
    "cq02-administrations-before": {(Decimal(1),)},
    # HSCT: case two "eventually received a matched sibling donor HSCT"; everything EM was found
    # after it (ocular relapse "A few months later", PET-MRI before CAR-T). Case one's HSCT had
    # no EM disease after it.
    "cq02-hsct": {(J2, s, m, e("MatchedSiblingDonorHSCT")) for s, m in CASE_TWO_SITES},
    # antibody-based agents: blinatumomab (bispecific T-cell engager) and inotuzumab (antibody-
    # drug conjugate). Case two had both before all her EM findings ("She achieved a complete
    # remission after inotuzumab ... and eventually received a matched sibling donor HSCT").
    "cq02-antibody-based": {(J1, BLINA), (J2, BLINA), (J2, INO)},
    # ----------------------------------------------------------------------------------------
    # CQ3: subclinical findings and marrow MRD at that time
    # ----------------------------------------------------------------------------------------
    # Abstract: "Both patients were thought to only have minimal residual disease (MRD) at the
    # pre-CAR disease assessment, with MRD of 6,648 (0.66%) and 100 (0.01%) cells per million
    # cells, respectively, as measured by next-generation sequencing (NGS) ... In both cases
    # patients were found to have significant bulky subclinical EM disease". Case two's ocular
    # relapse was "frank", not subclinical.
    "cq03-sites": {(J1, s) for s in (THORACIC_SPINE, C7, T3, T9, T10, L2, L3, LUMBAR_SPINE)}
    | {(J2, s) for s, _m in CASE_TWO_SITES if s != EYE},
    # Case one's marrow: "0.01% blasts in bone marrow by flow cytometry and 0.66% by deep
    # sequencing NGS" (recorded as 6,648 cells per million by NGS, the abstract's figure).
    # Case two's marrow: "NGS-MRD at that time increased from 1 to 100 clones per million
    # cells": the last value before the PET-MRI is 100 per million.
    "cq03-mrd": {
        (J1, Decimal("0.01"), e("Percent"), e("FlowCytometry")),
        (J1, Decimal("6648"), e("CellsPerMillion"), e("NextGenerationSequencingMRD")),
        (J2, Decimal("100"), e("CellsPerMillion"), e("NextGenerationSequencingMRD")),
    },
    # case one's detection was "an incidental finding during an infectious work-up"
    "cq03-detection-context": {J1: {(e("InfectiousWorkup"),)}},
    # ----------------------------------------------------------------------------------------
    # CQ4: method x site counts
    # ----------------------------------------------------------------------------------------
    # one finding per method and site (sentences quoted at CQ1), except the thoracic region of
    # the vertebral column, seen on contrast CT ("thoracic spine lesion") and, as the T2-T4 soft
    # tissue lesion, on MRI and PET-MRI - each method once.
    # Changed (issue 12): the ocular relapse names no method ("presented with a frank ocular
    # relapse"), so it counts as method not reported, not as clinical examination; and the
    # discussion's disease "entering his spinal canal" (vertebral canal) names no method either.
    "cq04-counts": {(m, s, 1, 1) for s, m in CASE_ONE_SITES | CASE_TWO_SITES if m is not None}
    | {(e("DetectionMethodElement"), s, 1, 1) for s in (EYE, uberon("0006692"))},
    # PET imaging: PET-MRI at Stanford ("PET-MRI is the standard at our institution")
    "cq04-pet": {(e("PETMRI"), e("PETImaging"))},
    # ----------------------------------------------------------------------------------------
    # CQ5: findings that changed management
    # ----------------------------------------------------------------------------------------
    # Case one: "Due to concern for post-infusion CAR-mediated focal inflammation and associated
    # risk for spinal cord compression, patient received radiation with 800cGy to the lumbar and
    # thoracic spine prior to LD."
    # Case two: "Given newly-established higher disease burden, the patient was treated with low
    # dose cytarabine as a bridge to the CAR-T infusion." and "due to concerns for CAR-mediated
    # toxicity in the setting of extensive leukemic burden ... an Expanded Access request was
    # approved to instead give dose level 2".
    "cq05-change-types": {
        (J1, e("RadiotherapyBeforeLymphodepletion")),
        (J2, e("BridgingTherapyAdded")),
        (J2, e("CARTDoseReduction")),
    },
    # the radiation was prompted by the spine findings of CQ1 and carried out as the radiation.
    # Changed (issue 12): also by the disease of the discussion, "multifocal bony and
    # extramedullary B-ALL entering his spinal canal and abutting his dura" ... "this patient
    # received pre-CAR radiation in an effort to mitigate toxicity" (the vertebral canal: the
    # node the graph lacked).
    "cq05-radiation": {(s, j1("e27-radiation")) for s, _m in CASE_ONE_SITES}
    | {(uberon("0006692"), j1("e27-radiation"))},
    "cq05-dose-reduction": {("dose level 3", "dose level 2")},
    # ----------------------------------------------------------------------------------------
    # CQ6: response to CAR-T in marrow and at EM sites
    # ----------------------------------------------------------------------------------------
    "cq06-responses": {
        # Case one: "He achieved medullary remission with undetectable disease by deep
        # sequencing MRD. His spinal lesions showed initial pseudoprogression at 1month after
        # CAR-T and then complete radiographic remission at 2 months."
        (
            J1,
            j1("e29-tisagenlecleucel"),
            Literal("response"),
            e("MedullaryCompartment"),
            e("MRDNegativeCompleteRemission"),
            None,
        ),
        (
            J1,
            j1("e29-tisagenlecleucel"),
            Literal("EM finding"),
            e("ExtramedullaryCompartment"),
            e("Pseudoprogression"),
            VERTEBRAL_COLUMN,
        ),
        (
            J1,
            j1("e29-tisagenlecleucel"),
            Literal("response"),
            e("ExtramedullaryCompartment"),
            e("RadiographicCompleteRemission"),
            VERTEBRAL_COLUMN,
        ),
        # Case two: "Day 28 bone marrow aspirate confirmed the presence of progressive disease
        # with 72% lymphoblasts"; the EM response is not reported.
        (
            J2,
            j2("e47-cart"),
            Literal("response"),
            e("MedullaryCompartment"),
            e("ProgressiveDisease"),
            None,
        ),
    },
    # ----------------------------------------------------------------------------------------
    # CQ7: toxicities after CAR-T, with burden at infusion
    # ----------------------------------------------------------------------------------------
    # Case two: "the patient experienced grade 1 cytokine release syndrome and immune effector-
    # cell-associated hemophagocytic lymphohistiocytosis, complicated by grade 4 hepatic
    # necrosis, respiratory insufficiency requiring positive pressure support and intra-abdominal
    # hemorrhage requiring vascular embolization" - grades only for CRS (1) and hepatic necrosis
    # (4). Case one "tolerated radiation and LD followed by tisagenlecleucel": none.
    "cq07-toxicities": {
        (J2, j2("e47-cart"), e("CytokineReleaseSyndrome"), Decimal(1), TRUE),
        (J2, j2("e47-cart"), e("IECHS"), None, TRUE),
        (J2, j2("e47-cart"), e("HepaticNecrosis"), Decimal(4), TRUE),
        (J2, j2("e47-cart"), e("RespiratoryInsufficiency"), None, TRUE),
        (J2, j2("e47-cart"), e("IntraAbdominalHemorrhage"), None, TRUE),
    },
    # burden at infusion: "progressive disease in the bone marrow with 51.7% blasts by
    # morphology on her pre-CAR-T infusion bone marrow"
    "cq07-burden": {
        J2: {(e("BlastPercentage"), Decimal("51.7"), e("Percent"), e("Morphology"))},
    },
    # ----------------------------------------------------------------------------------------
    # CQ8: relapse after CAR-T or HSCT
    # ----------------------------------------------------------------------------------------
    # Case two, after the matched sibling donor HSCT: "A few months later, the patient presented
    # with a frank ocular relapse". Her relapses all came before her CAR-T (none after CAR-T).
    # Changed (issue 12): relapse type not reported (was isolated extramedullary) - the paper
    # gives no marrow status at the time of the ocular relapse.
    "cq08-relapses": {
        (J2, j2("e16-ocular-relapse"), None, EYE, j2("e09-hsct"), TRUE),
    },
    # ----------------------------------------------------------------------------------------
    # CQ9: timelines
    # ----------------------------------------------------------------------------------------
    "cq09-patients": {(J1,), (J2,)},
    # "In case one, we describe a patient who had multifocal bony and extramedullary B-ALL
    # entering his spinal canal and abutting his dura ... Due to concern for CAR-mediated
    # inflammation and para-spinal edema and lack of data, this patient received pre-CAR
    # radiation": the disease in the spinal canal is known only to come before the radiation
    "cq09-placements": {(j1("f-spinal-canal"), e("placedBefore"), j1("e27-radiation"))},
    "cq09-case-one-patient": {(J1,)},
    # "He was treated as per COG AALL0932" (agents not named); "chemotherapy re-induction with
    # vincristine, doxorubicin, dexrazoxane, venetoclax, rylaze, and intrathecal methotrexate,
    # hydrocortisone, and ara-c"; "prolonged treatment with broad-spectrum antibiotics,
    # acyclovir, amphotericin, and voriconazole"; "blinatumomab was initiated as a bridge to
    # CAR-T"; "radiation with 800cGy to the lumbar and thoracic spine prior to LD"; "He tolerated
    # radiation and LD followed by tisagenlecleucel"; "HSCT, which was pursued for consolidation
    # of remission ... an allogenic matched sibling donor transplant".
    "cq09-case-one-therapy-lines": [
        (frozenset({e("FrontlineProtocol")}), frozenset()),
        (
            frozenset({e("Reinduction")}),
            frozenset(
                {
                    e("Vincristine"),
                    e("Doxorubicin"),
                    e("Dexrazoxane"),
                    e("Venetoclax"),
                    e("RecombinantErwiniaAsparaginase"),
                    e("Methotrexate"),
                    e("Hydrocortisone"),
                    e("Cytarabine"),
                }
            ),
        ),
        (
            frozenset({e("InfectionTreatment")}),
            frozenset(
                {
                    e("BroadSpectrumAntibiotic"),
                    e("Acyclovir"),
                    e("Amphotericin"),
                    e("Voriconazole"),
                }
            ),
        ),
        (frozenset({e("BridgingToCART")}), frozenset({BLINA})),
        (frozenset({e("LocalTherapy")}), frozenset({e("Radiotherapy")})),
        (frozenset({e("Lymphodepletion")}), frozenset()),
        (frozenset({e("CARTInfusion")}), frozenset({e("Tisagenlecleucel")})),
        (
            frozenset({e("Transplantation"), e("Consolidation")}),
            frozenset({e("MatchedSiblingDonorHSCT")}),
        ),
    ],
    # listed between the blinatumomab bridge and the CAR-T infusion: the spine findings (CQ1).
    # Changed (issue 12): and the discussion's "multifocal bony and extramedullary B-ALL entering
    # his spinal canal" (the vertebral canal), listed there; the paper places it only before the
    # pre-CAR radiation, so it is not an answer to "after blinatumomab" (CQ1).
    "cq09-case-one-findings-in-bridge": {(s,) for s, _m in CASE_ONE_SITES} | {(uberon("0006692"),)},
    # ----------------------------------------------------------------------------------------
    # CQ10: bridged from CAR-T to HSCT
    # ----------------------------------------------------------------------------------------
    # Case one: "The patient received an allogenic matched sibling donor transplant
    # approximately 4 months after his tisagenlecleucel infusion" - pursued "for consolidation of
    # remission" once the infection resolved, not planned as a bridge; graft not stated.
    # Case two's CAR-T was "a bridge to planned alpha beta depleted haploidentical HSCT" that
    # never took place (she "died on day 38 post-CD19/CD22 CAR"): no row.
    "cq10-bridges": {
        (
            J1,
            j1("e29-tisagenlecleucel"),
            e("MatchedSiblingDonorHSCT"),
            e("MatchedSiblingDonor"),
            None,
            None,
            FALSE,
        ),
    },
    "cq10-intervals": {(J1, Decimal(4), e("Month"), None)},
    # ----------------------------------------------------------------------------------------
    # CQ11: outcome per patient
    # ----------------------------------------------------------------------------------------
    # Case one: "As of day 180 status post HSCT, his deep sequencing MRD was negative"
    # Case two: "died on day 38 post-CD19/CD22 CAR of refractory B-ALL"
    "cq11-outcomes": {
        (J1, e("Alive"), None),
        (J2, e("Dead"), e("BCellAcuteLymphoblasticLeukemia")),
    },
    "cq11-when": {(J1, Decimal(180), e("Day")), (J2, Decimal(38), e("Day"))},
    # ----------------------------------------------------------------------------------------
    # CQ12: CNS (no CNS involvement, treatment or neurotoxicity in either case)
    # ----------------------------------------------------------------------------------------
    # Case one: "NCI standard risk CNS 1 pre-B cell ALL"; case two: "An MRI Brain with and
    # without contrast was overall unrevealing" and "cerebrospinal fluid was benign at this time
    # without blasts (CNS1)".
    "cq12-assessments": {
        J1: {(None, None, e("CNS1"))},
        J2: {
            (BRAIN, e("AbsentWhenAssessed"), None),
            (CSF, e("AbsentWhenAssessed"), e("CNS1")),
        },
    },
    # ----------------------------------------------------------------------------------------
    # CQ13: site x prior agent matrix
    # ----------------------------------------------------------------------------------------
    # Case one: blinatumomab before every finding; two findings at the thoracic spine region
    # that are different findings of one site (CT lesion; MRI and PET/MRI soft tissue lesion).
    # Case two: blinatumomab and inotuzumab before every finding, one finding per site.
    "cq13-cells": {(s, BLINA, 1, 2 if s == THORACIC_SPINE else 1) for s, _m in CASE_ONE_SITES}
    | {(s, BLINA, 1, 1) for s, _m in CASE_TWO_SITES}
    | {(s, INO, 1, 1) for s, _m in CASE_TWO_SITES},
    # ----------------------------------------------------------------------------------------
    # CQ14: literature claims
    # ----------------------------------------------------------------------------------------
    "cq14-blinatumomab": {
        # "antibodybased agents such as blinatumomab and inotuzumab do not (1, 11)" penetrate the
        # blood brain barrier
        (data("johns2024/claim/c03-blinatumomab-bbb"), FALSE),
        # "EM had been associated with failure of blinatumomab in adults with relapsed ALL (13,
        # 14)"
        (data("johns2024/claim/c07-blinatumomab-em-adults"), None),
        # COG AALL1331 "revealed superior outcomes with the addition of blina for patients with
        # BM+/- EM disease but no benefit for patients with isolated EM (15)"
        (data("johns2024/claim/c08-aall1331-marrow"), TRUE),
        (data("johns2024/claim/c09-aall1331-isolated-em"), FALSE),
    },
    # references 1 and 11: McNeer 2020 and Klinger 2020
    "cq14-cited-studies": {
        data("johns2024/claim/c03-blinatumomab-bbb"): {
            (URIRef("https://doi.org/10.1200/EDBK_278171"),),
            (URIRef("https://doi.org/10.1158/0008-5472.CAN-19-1131"),),
        },
    },
    # "Although CD19- CAR-T cells penetrate the blood brain barrier (6-10), antibodybased agents
    # such as blinatumomab and inotuzumab do not (1, 11)."
    "cq14-blood-brain-barrier": {
        (data("johns2024/claim/c02-cd19-cart-bbb"), TRUE),
        (data("johns2024/claim/c03-blinatumomab-bbb"), FALSE),
        (data("johns2024/claim/c04-inotuzumab-bbb"), FALSE),
    },
    # ----------------------------------------------------------------------------------------
    # CQ15: missing recommended elements
    # ----------------------------------------------------------------------------------------
    # Case two: grades are given only for CRS ("grade 1") and hepatic necrosis ("grade 4").
    # Both patients "had PET-MRIs prior to lymphodepletion and CAR T cell infusion", every MRD
    # value is given with its method (NGS, flow), case one's follow-up is "day 180 status post
    # HSCT" and case two died "on day 38 post-CD19/CD22 CAR".
    # Stated as not reported: case one "was treated as per COG AALL0932" and "tolerated
    # radiation and LD" (agents of neither named); "His spinal lesions showed initial
    # pseudoprogression at 1month after CAR-T" (no method named); "late relapsed B-ALL at 38
    # months from diagnosis" (where not said). Case two "was enrolled on COG AALL1732", "received
    # multiple lines of treatment, including blinatumomab" and "LD chemotherapy" (agents not all
    # named); her bispecific CD19/CD22 CAR-T product's cell origin is not given; "positive KRAS
    # p.A18D" (no method named).
    "cq15-elements": {
        (J1, e("AgentElement")),
        (J1, e("DetectionMethodElement")),
        (J1, e("RelapseSiteElement")),
        (J2, e("GradeElement")),
        (J2, e("AgentElement")),
        (J2, e("CellOriginElement")),
        (J2, e("DetectionMethodElement")),
        # Changed (issue 12): "a frank ocular relapse" with no marrow status at that time - its
        # relapse type is not reported.
        (J2, e("RelapseSiteElement")),
    },
    # ----------------------------------------------------------------------------------------
    # CQ16: EM relapses after CD19-directed therapy, by CD19 status of the EM blasts (new)
    # ----------------------------------------------------------------------------------------
    # Case two "received multiple lines of treatment, including blinatumomab" (the one CD19-
    # directed line before it); "A few months later, the patient presented with a frank ocular
    # relapse". The paper reports no immunophenotype of the ocular blasts: CD19 status not
    # reported. Case one had no relapse after blinatumomab or tisagenlecleucel, and case two none
    # after the CD19/CD22 CAR-T (she "died on day 38 post-CD19/CD22 CAR of refractory B-ALL",
    # progressive marrow disease, not a relapse).
    "cq16-relapses": {
        (
            J2,
            j2("e16-ocular-relapse"),
            EYE,
            j2("e04-salvage-blinatumomab"),
            Literal("not reported"),
            None,
        )
    },
}

INCLUDES = {
    # when: "at 1month", "at 2 months", "Day 28"
    "cq06-when": {
        (J1, Decimal(1), e("Month")),
        (J1, Decimal(2), e("Month")),
        (J2, Decimal(28), e("Day")),
    },
    # case two: no grade for "immune effector-cell-associated hemophagocytic
    # lymphohistiocytosis", the "respiratory insufficiency requiring positive pressure support"
    # and the "intra-abdominal hemorrhage requiring vascular embolization"
    "cq15-nodes": {
        (J2, e("GradeElement"), j2("e49-iechs")),
        (J2, e("GradeElement"), j2("e51-respiratory-insufficiency")),
        (J2, e("GradeElement"), j2("e52-hemorrhage")),
    },
}

EXCLUDES = {
    # a node is listed only for an element it lacks: no toxicity graded by the paper is listed
    "cq15-nodes": {
        (J2, e("GradeElement"), j2("e48-crs")),
        (J2, e("GradeElement"), j2("e50-hepatic-necrosis")),
    },
}
