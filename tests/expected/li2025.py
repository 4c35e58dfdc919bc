"""Competency-question answers for kg/li2025.ttl, worked out by hand from the paper.

Li H, Liu J, Guo D, et al. Extramedullary relapse of acute lymphoblastic leukemia treated with
a CAR-T cell therapy bridge to unrelated cord blood transplantation: a case report and review of
the literature. Front Oncol. 2025;15:1508676.
Source text: ../shared/seeds/001_ceacc7625619e408.txt (full text, one adult case).

Every row below was derived from the paper (the sentence is quoted beside it), never from a
query's output. The format is described in tests/cqanswers.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rdflib import Literal, URIRef

from cqanswers import data, e, uberon

SOURCE = URIRef("https://doi.org/10.3389/fonc.2025.1508676")


def li(local: str) -> URIRef:
    return data(f"li2025/case1/{local}")


LI1 = li("patient")
BREAST, LUNG, UTERUS, PANCREAS = (
    uberon("0000310"),
    uberon("0002048"),
    uberon("0000995"),
    uberon("0001264"),
)
LYMPH_NODE, KIDNEY = uberon("0000029"), uberon("0002113")  # "multiple lymph nodes", "kidney"
CNS, BONE_MARROW = uberon("0001017"), uberon("0002371")
BLINA, CD19_CART = e("Blinatumomab"), e("CD19CARTCellTherapy")
PET_SITES = (LYMPH_NODE, BREAST, KIDNEY, UTERUS, PANCREAS)
TRUE = Literal(True)

# "After treatment with blinatumomab infusion for 28 days ... a right breast mass was found,
# which was revealed by biopsy to be extramedullary relapse (Figures 1A-C)" (figure 1:
# "Hematoxylin and eosin staining (A) and immunohistochemical staining"): biopsy, histology
# (H&E) and immunohistochemistry; "Chest CT revealed that the mass extended from the right breast
# into the right lung (Figure 1D)": CT at breast and lung; "the right breast mass decreased
# (Figure 1E)" (chest CT) and after CAR-T "CT scan also showed the regression of right breast
# mass" (breast still seen on CT); "PET-CT images before starting the conditioning regimen
# revealed extensive extramedullary relapse involving multiple lymph nodes, the breast, kidney,
# uterus, and pancreas".
SITES = {
    (BREAST, e("Biopsy")),
    (BREAST, e("Histology")),
    (BREAST, e("Immunohistochemistry")),
    (BREAST, e("CT")),
    (LUNG, e("CT")),
} | {(site, e("PETCT")) for site in PET_SITES}
FOUND_AFTER_BLINATUMOMAB = {(LI1, s, m) for s, m in SITES}

ANSWERS: dict[str, Any] = {
    # CQ1 -------------------------------------------------------------------------------------
    "cq01-blinatumomab": FOUND_AFTER_BLINATUMOMAB,
    # CD19 CAR-T: only the breast mass, still seen on CT after CAR-T ("CT scan also showed the
    # regression of right breast mass"); PET-CT showed "complete resolution of extramedullary
    # disease" (resolved: not disease found).
    "cq01-cd19-cart": {(LI1, BREAST, e("CT"), CD19_CART)},
    # CD19-directed: blinatumomab and the CD19 CAR-T, so the union of the two answers
    "cq01-cd19-directed": FOUND_AFTER_BLINATUMOMAB,
    # CQ2 -------------------------------------------------------------------------------------
    "cq02-cd19-directed": FOUND_AFTER_BLINATUMOMAB,
    # blinatumomab before all her findings and CD19 CAR-T before the CT regression of the breast
    "cq02-agents": {(LI1, BLINA), (LI1, CD19_CART)},
    # each given once before each finding: "blinatumomab infusion for 28 days"
    "cq02-administrations-before": {(Decimal(1),)},
    # her UCBT had no EM disease after it ("No evidence of extramedullary recurrence was
    # observed"): no row for cq02-hsct
    "cq02-antibody-based": {(LI1, BLINA)},
    # CQ3: Li never calls the EM disease subclinical: no row
    # CQ4 -------------------------------------------------------------------------------------
    # the breast mass was seen on CT three times - "the mass extended from the right breast into
    # the right lung (Figure 1D)", "the right breast mass decreased (Figure 1E)" and "the
    # regression of right breast mass (Figure 1F)" (all chest CT); each other method once.
    "cq04-counts": {(m, s, 3 if (s, m) == (BREAST, e("CT")) else 1, 1) for s, m in SITES},
    "cq04-pet": {(e("PETCT"), e("PETImaging"))},
    # CQ5 -------------------------------------------------------------------------------------
    # "PET-CT images before starting the conditioning regimen revealed extensive extramedullary
    # relapse ... Peripheral blood lymphocytes were then collected from the patient to prepare
    # anti-CD19 CAR-T cells" - CAR-T first instead of the transplant.
    "cq05-change-types": {(LI1, e("TherapySwitched"))},
    # CQ6 -------------------------------------------------------------------------------------
    # "One month after CAR-T cell therapy, the patient achieved complete remission without MRD in
    # the bone marrow, and a PET-CT scan suggested complete resolution of extramedullary disease
    # (Figure 2). CT scan also showed the regression of right breast mass".
    "cq06-responses": {
        (
            LI1,
            li("e32-cd19-cart"),
            Literal("response"),
            e("MedullaryCompartment"),
            e("MRDNegativeCompleteRemission"),
            None,
        )
    }
    | {
        (
            LI1,
            li("e32-cd19-cart"),
            Literal("response"),
            e("ExtramedullaryCompartment"),
            e("RadiographicCompleteRemission"),
            s,
        )
        for s in PET_SITES
    }
    | {
        (
            LI1,
            li("e32-cd19-cart"),
            Literal("EM finding"),
            e("ExtramedullaryCompartment"),
            e("Resolved"),
            s,
        )
        for s in PET_SITES
    }
    | {
        (
            LI1,
            li("e32-cd19-cart"),
            Literal("EM finding"),
            e("ExtramedullaryCompartment"),
            e("Decreased"),
            BREAST,
        )
    },
    # CQ16 (new): "After treatment with blinatumomab infusion for 28 days ... At the same time, a
    # right breast mass was found, which was revealed by biopsy to be extramedullary relapse" -
    # during the selinexor and chidamide month, after blinatumomab. The biopsy shows "typical
    # lymphoblasts" by "immunohistochemical staining of PAX-5 (B) and TdT (C)"; CD19 of the
    # breast blasts is not reported. Her later relapse "at the 6th month after UCBT" (after the
    # CD19 CAR-T) was in the marrow only ("No evidence of extramedullary recurrence was
    # observed"): not an EM relapse.
    "cq16-relapses": {
        (
            LI1,
            li("rel19-em-breast"),
            BREAST,
            li("e14-blinatumomab"),
            Literal("not reported"),
            None,
        )
    },
    # CQ7: Li reports no CAR-T toxicity: no row
    # CQ8 -------------------------------------------------------------------------------------
    # "she relapsed at the 6th month after UCBT" with "abnormal B cells ... (0.05%)" in the
    # marrow and "No evidence of extramedullary recurrence was observed"
    "cq08-relapses": {
        (LI1, li("rel55-medullary"), e("MedullaryRelapse"), BONE_MARROW, li("e42-ucbt"), TRUE)
    },
    # after CAR-T: the marrow relapse came after CAR-T and then UCBT (last CAR-T: e32)
    "cq08-after-cart": {(LI1, li("rel55-medullary"), li("e32-cd19-cart"))},
    # CQ9 -------------------------------------------------------------------------------------
    "cq09-patients": {(LI1,)},
    # "Selinexor (40 mg/week) and chidamide (60 mg/week) were subsequently administered for one
    # month. At the same time, a right breast mass was found, which was revealed by biopsy to be
    # extramedullary relapse": the finding and the relapse during that month's line. "A chest CT
    # scan revealed that the abnormal breast mass was significantly alleviated after CAR-T cell
    # therapy" (no time given): after the CAR-T.
    "cq09-placements": {
        (li("f18-breast-biopsy"), e("during"), li("e17-selinexor-chidamide")),
        (li("rel19-em-breast"), e("during"), li("e17-selinexor-chidamide")),
        (li("f40-breast-ct-regression"), e("placedAfter"), li("e32-cd19-cart")),
    },
    # CQ10 ------------------------------------------------------------------------------------
    # "CAR-T cell therapy bridge to unrelated cord blood transplantation"; "Allografts were from
    # 8/10 HLA-matched unrelated umbilical cord blood"
    "cq10-bridges": {
        (
            LI1,
            li("e32-cd19-cart"),
            e("UnrelatedCordBloodTransplantation"),
            e("UnrelatedDonor"),
            e("UmbilicalCordBlood"),
            Literal("8/10"),
            TRUE,
        )
    },
    # "The present patient was treated with consolidative UCBT within three months of CAR-T"
    "cq10-intervals": {(LI1, Decimal(3), e("Month"), e("Within"))},
    # CQ11 ------------------------------------------------------------------------------------
    # "transferred to the intensive care unit because of severe pneumonia ... and subsequently
    # died"; the time of death is not given
    "cq11-outcomes": {(LI1, e("Dead"), e("Pneumonia"))},
    "cq11-when": {(LI1, None, None)},
    # CQ12 ------------------------------------------------------------------------------------
    # "the test for central nervous system infiltration by FCM was negative"
    "cq12-assessments": {LI1: {(CNS, e("AbsentWhenAssessed"), None)}},
    # CQ13 ------------------------------------------------------------------------------------
    # blinatumomab before all her findings: the breast mass (biopsy), its decrease, the breast on
    # PET-CT and the regression after CAR-T are four breast findings; CD19 CAR-T before the
    # regression only
    "cq13-cells": {(s, BLINA, 1, 4 if s == BREAST else 1) for s, _m in SITES}
    | {(BREAST, CD19_CART, 1, 1)},
    # CQ14 ------------------------------------------------------------------------------------
    # "The incidence of extramedullary relapse is reportedly greater following blinatumomab
    # treatment (14)"
    "cq14-blinatumomab": {(data("li2025/claim/c11-em-relapse-after-blinatumomab"), None)},
    # reference 14: Aldoss 2017
    "cq14-cited-studies": {
        data("li2025/claim/c11-em-relapse-after-blinatumomab"): {
            (URIRef("https://doi.org/10.1002/ajh.24783"),)
        },
    },
    # CQ15 ------------------------------------------------------------------------------------
    # an MRD-negative CR and an MRD value without a method, and "subsequently died" without a
    # time; PET-CT came before CAR-T and no toxicity is reported. Her first relapse: "Abnormal
    # leukemic blast cells were subsequently found via bone marrow aspiration (0.3%)" - whether
    # it was medullary only is not said (stated as not reported).
    "cq15-elements": {
        (LI1, e("MRDMethodElement")),
        (LI1, e("FollowUpElement")),
        (LI1, e("RelapseSiteElement")),
    },
}

INCLUDES = {
    # Li: the breast mass was found "At the same time" as the month of selinexor and chidamide.
    # Changed (issue 12): no row. The time used to be an offset whose text was the curator's
    # ("At the same time (as selinexor and chidamide, given for one month)"); it is now the
    # placement emkg:during the selinexor and chidamide line, with no offset, so CQ1's offset
    # columns are empty for it.
    "cq01-blinatumomab-at-the-same-time": set(),
    # "One month after CAR-T cell therapy"
    "cq06-when": {(LI1, Decimal(1), e("Month"))},
    # "at the 6th month" after UCBT (month 5 to 6)
    "cq08-when": {(LI1, Decimal(5), Decimal(6), e("Month"))},
    # "she achieved MRD-negative complete remission (CR)" after VICP; "abnormal leukemic blast
    # cells were detected in the peripheral blood stem cell apheresis product (0.01%)"; the death
    # has no time
    "cq15-nodes": {
        (LI1, e("MRDMethodElement"), li("r04-vicp-cr")),
        (LI1, e("MRDMethodElement"), li("a11-mrd")),
        (LI1, e("FollowUpElement"), li("d60-death")),
    },
}
