"""Competency-question answers for kg/liu2024.ttl, worked out by hand from the abstract.

Liu Y, Li Y, Yu Z, Wang R, Jing Y. Sequential autologous CAR-T and allogeneic CAR-T therapy
successfully treats central nervous system involvement relapsed/refractory ALL: a case report
and literature review. Front Oncol. 2024;14:1341682.
Source text: ../shared/seeds/004_750b08a139c6466c.txt (the abstract only).

Every row below was derived from the abstract (the sentence is quoted beside it), never from a
query's output. The format is described in tests/cqanswers.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rdflib import Literal, URIRef

from cqanswers import data, e, uberon

SOURCE = URIRef("https://doi.org/10.3389/fonc.2024.1341682")


def liu(local: str) -> URIRef:
    return data(f"liu2024/case1/{local}")


LIU1 = liu("patient")
CSF, BONE_MARROW = uberon("0001359"), uberon("0002371")
AUTO, ALLO = liu("e05-auto-cd19-cart"), liu("e10-allo-cd19-cart")
TRUE, FALSE = Literal(True), Literal(False)

ANSWERS: dict[str, Any] = {
    # CQ1, CQ2, CQ13: no EM finding after any therapy - "multiple cycles of chemotherapy and
    # intrathecal injections" and CD19 CAR-T, no blinatumomab; her CSF cleared after CAR-T
    # ("complete remission (CR) in both BM and CSF"). CQ3: never called subclinical. CQ5: no
    # management change reported.
    # CQ4 -------------------------------------------------------------------------------------
    # "relapse in both bone marrow (BM) and cerebrospinal fluid (CSF)": the CSF disease, with no
    # method named in the abstract, counts as method not reported (PET imaging: no row)
    "cq04-counts": {(e("DetectionMethodElement"), CSF, 1, 1)},
    # CQ6 -------------------------------------------------------------------------------------
    # "The infusion of autologous CD19 CAR-T cells resulted in complete remission (CR) in both BM
    # and CSF for 40 days"; after the brother-derived CAR-T "another achievement of CR in BM".
    # Her CSF disease (EM) was found before both infusions.
    "cq06-responses": {
        (LIU1, AUTO, Literal("response"), e("MedullaryCompartment"), e("CompleteRemission"), None),
        (LIU1, AUTO, Literal("response"), e("CNSCompartment"), e("CompleteRemission"), CSF),
        (LIU1, ALLO, Literal("response"), e("MedullaryCompartment"), e("CompleteRemission"), None),
    },
    # CQ7 -------------------------------------------------------------------------------------
    # "only grade 1 cytokine release syndrome (CRS) and immune effector cell-associated
    # neurotoxicity syndrome (ICANS) events were detected during the treatment period".
    # Changed (issue 12): these rows used to answer "after" both infusions, because the timeline
    # listed CRS and ICANS after the second CR. The abstract places them only "during the
    # treatment period" - after neither infusion in particular, and attributed to neither - and
    # an event placed only during (or not before) a line is not "after" it. So no row: CQ7 asks
    # for toxicities after CAR-T, and the abstract does not say the CRS or ICANS came after
    # either infusion (rather than during it).
    "cq07-toxicities": set(),
    # no toxicity row, so no burden row either (the abstract gives no marrow values at infusion)
    "cq07-burden": {},
    # CQ8 -------------------------------------------------------------------------------------
    # after the autologous CD19 CAR-T "the patient later experienced a relapse in the bone
    # marrow" (medullary-only is not stated: the CSF status at that time is not given)
    "cq08-relapses": {(LIU1, liu("rel09-bm"), None, BONE_MARROW, AUTO, TRUE)},
    "cq08-after-cart": {(LIU1, liu("rel09-bm"), AUTO)},
    # CQ9 -------------------------------------------------------------------------------------
    "cq09-patients": {(LIU1,)},
    # "only grade 1 cytokine release syndrome (CRS) and immune effector cell-associated
    # neurotoxicity syndrome (ICANS) events were detected during the treatment period": during
    # the CAR-T treatment, which began with the autologous infusion, so not before it; the HSCT
    # came in the "subsequent follow-up", so both are before it. "During subsequent follow-up,
    # the patient achieved a disease-free survival of 5 months and was successfully bridged to
    # hematopoietic stem cell transplantation": after the last CR ("leading to another
    # achievement of CR in BM"), unordered against the HSCT.
    "cq09-placements": {
        (liu("t12-crs"), e("notBefore"), AUTO),
        (liu("t12-crs"), e("placedBefore"), liu("e14-hsct")),
        (liu("t13-icans"), e("notBefore"), AUTO),
        (liu("t13-icans"), e("placedBefore"), liu("e14-hsct")),
        (liu("fu15"), e("placedAfter"), liu("r11-allo-bm")),
    },
    # CQ10 ------------------------------------------------------------------------------------
    # after the brother-derived CAR-T the patient "was successfully bridged to hematopoietic
    # stem cell transplantation" (donor, graft and interval not given)
    "cq10-bridges": {
        (LIU1, ALLO, e("HematopoieticStemCellTransplantation"), None, None, None, TRUE)
    },
    "cq10-intervals": {(LIU1, None, None, None)},
    # CQ11 ------------------------------------------------------------------------------------
    # "achieved a disease-free survival of 5 months and was successfully bridged to
    # hematopoietic stem cell transplantation"
    "cq11-outcomes": {(LIU1, e("Alive"), None)},
    # Changed (issue 12): was 5 months. The abstract does not say from which event the "5
    # months" of disease-free survival are counted, so the follow-up has no time offset.
    "cq11-when": {(LIU1, None, None)},
    # CQ12 ------------------------------------------------------------------------------------
    # the only CNS involvement of the graph: "relapse in both bone marrow (BM) and
    # cerebrospinal fluid (CSF)"; treated with the autologous CD19 CAR-T ("complete remission
    # (CR) in both BM and CSF"), followed by "only grade 1 ... immune effector cell-associated
    # neurotoxicity syndrome (ICANS)"
    "cq12-involved": {(LIU1,)},
    # her CNS assessments (the CSF at relapse and at remission) are not worked out here yet: an
    # empty dict checks no patient
    "cq12-assessments": {},
    "cq12-treatment": {(AUTO,)},
    "cq12-neurotoxicity": {(e("ICANS"), Decimal(1))},
    # CQ16 (new) ------------------------------------------------------------------------------
    # No EM relapse after CD19-directed therapy: the relapse "in both bone marrow (BM) and
    # cerebrospinal fluid (CSF)" came before both CAR-T infusions, and after the autologous
    # CD19 CAR-T "the patient later experienced a relapse in the bone marrow" (marrow only as
    # reported). The honest answer is empty.
    "cq16-relapses": set(),
    # CQ15 ------------------------------------------------------------------------------------
    # no imaging before either CAR-T infusion, and CRs in BM without an MRD method; the
    # toxicities are graded ("only grade 1 ... CRS and ... ICANS"). The abstract names no
    # method for the CSF disease ("relapse in both bone marrow (BM) and cerebrospinal fluid
    # (CSF)") nor for its clearing ("complete remission (CR) in both BM and CSF"), no agent of
    # the "multiple cycles of chemotherapy and intrathecal injections", and for "a relapse in the
    # bone marrow" not whether the CSF was involved.
    # Changed (issue 12): the follow-up time is now missing too - "a disease-free survival of 5
    # months" does not say from when, so the last follow-up has no stated time.
    "cq15-elements": {
        (LIU1, e("BaselineImagingElement")),
        (LIU1, e("MRDMethodElement")),
        (LIU1, e("DetectionMethodElement")),
        (LIU1, e("AgentElement")),
        (LIU1, e("RelapseSiteElement")),
        (LIU1, e("FollowUpElement")),
    },
}

INCLUDES = {
    # after a 40-day CR ("complete remission (CR) in both BM and CSF for 40 days")
    "cq08-when": {(LIU1, Decimal(40), None, e("Day"))},
    # both CAR-T infusions without imaging before them; "complete remission (CR) in both BM and
    # CSF" and "another achievement of CR in BM" without MRD
    "cq15-nodes": {
        (LIU1, e("BaselineImagingElement"), AUTO),
        (LIU1, e("BaselineImagingElement"), ALLO),
        (LIU1, e("MRDMethodElement"), liu("r06-auto-bm")),
        (LIU1, e("MRDMethodElement"), liu("r11-allo-bm")),
    },
}
