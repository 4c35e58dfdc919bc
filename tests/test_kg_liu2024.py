"""kg/liu2024.ttl against the abstract: the facts a reader checks first, worked out by hand.

Source: Liu Y, Li Y, Yu Z, Wang R, Jing Y. Sequential autologous CAR-T and allogeneic CAR-T
therapy successfully treats central nervous system involvement relapsed/refractory ALL: a case
report and literature review. Front Oncol. 2024;14:1341682. doi:10.3389/fonc.2024.1341682.
Only the abstract is curated. Each expectation below was written from the abstract (the
sentence is quoted in a comment), not from the output of the queries; several tests check that
what the abstract does not say was not invented.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from kgcase import case_graph, lines_in_order, local, sparql, split

EMKG = "https://w3id.org/emkg/ontology#"
OBO = "http://purl.obolibrary.org/obo/"
DOI = URIRef("https://doi.org/10.3389/fonc.2024.1341682")
PATIENT = URIRef("https://w3id.org/emkg/data/liu2024/case1/patient")


def y1(local_name: str) -> URIRef:
    return URIRef(f"https://w3id.org/emkg/data/liu2024/case1/{local_name}")


PREFIXES = f"""
PREFIX emkg: <{EMKG}>
PREFIX obo:  <{OBO}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa:   <http://www.w3.org/ns/oa#>
PREFIX y1:   <https://w3id.org/emkg/data/liu2024/case1/>
PREFIX yc:   <https://w3id.org/emkg/data/liu2024/claim/>
"""


@pytest.fixture(scope="module")
def g() -> Graph:
    """The ontology, its imports and this one curated file (labels and hierarchy included)."""
    return case_graph("liu2024.ttl")


rows, ask = sparql(PREFIXES)


# ---------------------------------------------------------------------------
# The patient
# ---------------------------------------------------------------------------


def test_sex_from_her_and_no_age(g: Graph) -> None:
    # "allogeneic CD19 CAR-T cells derived from her brother"  -> female
    # The abstract gives no age: stated as not reported, not guessed.
    assert ask(
        g,
        """ASK { ?p a emkg:Patient ; emkg:reportedIn ?doi ; emkg:sex emkg:Female ;
                    emkg:notReported emkg:AgeElement }""",
        p=PATIENT,
        doi=DOI,
    )
    assert not ask(g, "ASK { ?p emkg:ageInYears|emkg:ageCategory|emkg:ageDuration ?any }")
    assert rows(g, "SELECT ?p WHERE { ?p a emkg:Patient }") == [(PATIENT,)]


def test_timeline_is_numbered_one_to_n(g: Graph) -> None:
    found = rows(
        g,
        """SELECT (COUNT(?e) AS ?n) (COUNT(DISTINCT ?i) AS ?distinct) (MIN(?i) AS ?lo)
                  (MAX(?i) AS ?hi)
           WHERE { ?e emkg:ofPatient y1:patient ; emkg:sequenceIndex ?i }""",
    )
    n, distinct, lo, hi = (int(x) for x in found[0])  # type: ignore[call-overload]
    assert (n, distinct, lo) == (hi, hi, 1)


# ---------------------------------------------------------------------------
# Therapy lines in order, with agents and intents
# ---------------------------------------------------------------------------

EXPECTED_LINES = [
    # "experienced relapse in both bone marrow (BM) and cerebrospinal fluid (CSF) despite
    # multiple cycles of chemotherapy and intrathecal injections"  (agents and phase not named)
    ({"chemotherapy", "therapy"}, {"IntentNotStated"}),
    # "The infusion of autologous CD19 CAR-T cells resulted in complete remission (CR) in both
    # BM and CSF"
    ({"CD19 CAR-T cell therapy"}, {"CARTInfusion", "Salvage"}),
    # "Subsequently, allogeneic CD19 CAR-T cells derived from her brother were infused";
    # "was successfully bridged to hematopoietic stem cell transplantation"
    ({"CD19 CAR-T cell therapy"}, {"CARTInfusion", "Salvage", "BridgingToHSCT"}),
    # "bridged to hematopoietic stem cell transplantation"  (type not stated)
    ({"haematopoietic stem cell transplantation"}, {"Transplantation"}),
]


def test_therapy_lines_in_order(g: Graph) -> None:
    assert lines_in_order(g, PATIENT) == EXPECTED_LINES


def test_car_t_products_autologous_then_brother(g: Graph) -> None:
    # "autologous CD19 CAR-T cells" then "allogeneic CD19 CAR-T cells derived from her brother"
    found = rows(
        g,
        """SELECT ?origin ?donor WHERE {
             ?line emkg:ofPatient y1:patient ; emkg:sequenceIndex ?i ;
                   emkg:hasComponent [ emkg:agent emkg:CD19CARTCellTherapy ;
                                       emkg:targetAntigen emkg:CD19 ; emkg:cellOrigin ?origin ;
                                       emkg:notReported emkg:DoseElement ] .
             OPTIONAL { ?line emkg:hasComponent/emkg:donorType ?donor }
           } ORDER BY ?i""",
    )
    assert [(local(o), local(d) if d else None) for o, d in found] == [
        ("Autologous", None),
        # a brother whose HLA match is not stated: sibling donor, not matched sibling donor
        ("DonorDerived", "SiblingDonor"),
    ]
    assert ask(g, "ASK { y1:e10-allo-cd19-cart emkg:bridgesTo y1:e14-hsct }")


def test_nothing_invented_about_the_treatment(g: Graph) -> None:
    # The abstract mentions no lymphodepletion, no doses, no HSCT donor or graft.
    assert not ask(g, "ASK { ?l emkg:intent emkg:Lymphodepletion }")
    assert not ask(g, "ASK { ?c emkg:doseValue|emkg:doseLevel ?any }")
    assert not ask(
        g,
        """ASK { y1:e14-hsct emkg:hasComponent ?c .
                 { ?c emkg:donorType|emkg:graftSource|emkg:hlaMatchText ?any }
                 UNION { ?c emkg:agent ?a .
                         FILTER(?a != emkg:HematopoieticStemCellTransplantation) } }""",
    )


# ---------------------------------------------------------------------------
# Relapses, CNS involvement, responses
# ---------------------------------------------------------------------------


def test_relapses(g: Graph) -> None:
    # "relapse in both bone marrow (BM) and cerebrospinal fluid (CSF)": combined;
    # "the patient later experienced a relapse in the bone marrow": CSF not reported, so the
    # relapse is not declared marrow-only
    found = rows(
        g,
        """SELECT ?i ?type (GROUP_CONCAT(DISTINCT ?s; separator="|") AS ?sites) WHERE {
             ?r a emkg:Relapse ; emkg:ofPatient y1:patient ; emkg:sequenceIndex ?i ;
                emkg:site ?site .
             BIND(STRAFTER(STR(?site), "obo/") AS ?s)
             OPTIONAL { ?r emkg:relapseType ?t }
             OPTIONAL { ?r emkg:notReported ?nr }
             BIND(COALESCE(STRAFTER(STR(?t), "#"), STRAFTER(STR(?nr), "#")) AS ?type)
           } GROUP BY ?r ?type ?i""",
    )
    assert [(str(t), split(s)) for _, t, s in sorted(found, key=lambda r: int(r[0]))] == [
        ("CombinedRelapse", {"UBERON_0002371", "UBERON_0001359"}),
        ("RelapseSiteElement", {"UBERON_0002371"}),
    ]
    assert ask(g, "ASK { y1:rel09-bm emkg:attributedTo y1:e05-auto-cd19-cart }")


def test_csf_findings_and_their_methods_not_reported(g: Graph) -> None:
    # CSF involvement at relapse, then "complete remission (CR) in both BM and CSF for 40
    # days"; how the CSF was examined is not stated, so no detecting method is recorded.
    found = rows(
        g,
        """SELECT ?status WHERE {
             ?f a emkg:EMFinding ; emkg:ofPatient y1:patient ; emkg:site obo:UBERON_0001359 ;
                emkg:findingStatus ?status ; emkg:sequenceIndex ?i ;
                emkg:notReported emkg:DetectionMethodElement .
             FILTER NOT EXISTS { ?f emkg:detectedBy ?m } } ORDER BY ?i""",
    )
    assert [local(r[0]) for r in found] == ["Present", "Resolved"]
    assert not ask(g, "ASK { ?f emkg:detectedBy ?m }")


def test_responses_to_each_car_t(g: Graph) -> None:
    # autologous: "complete remission (CR) in both BM and CSF for 40 days";
    # allogeneic: "leading to another achievement of CR in BM"
    found = rows(
        g,
        """SELECT ?line ?comp WHERE {
             ?r a emkg:Response ; emkg:responseCategory emkg:CompleteRemission ;
                emkg:responseCompartment ?comp ; emkg:attributedTo ?line }""",
    )
    assert sorted((local(line), local(c)) for line, c in found) == [
        ("e05-auto-cd19-cart", "CNSCompartment"),
        ("e05-auto-cd19-cart", "MedullaryCompartment"),
        ("e10-allo-cd19-cart", "MedullaryCompartment"),
    ]


def test_grade_1_crs_and_icans_not_attributed_to_either_infusion(g: Graph) -> None:
    # "only grade 1 cytokine release syndrome (CRS) and immune effector cell-associated
    # neurotoxicity syndrome (ICANS) events were detected during the treatment period and
    # showed improvement with symptomatic management"  -- which infusion is not said.
    found = rows(
        g,
        """SELECT ?cond ?grade WHERE {
             ?t a emkg:Toxicity ; emkg:ofPatient y1:patient ; emkg:condition ?cond ;
                emkg:grade ?grade ; emkg:gradingScheme emkg:SchemeNotStated ;
                skos:editorialNote ?note .
             FILTER(CONTAINS(?note, "Not attributed"))
             FILTER NOT EXISTS { ?t emkg:attributedTo ?line } }""",
    )
    assert sorted((local(c), int(gr)) for c, gr in found) == [  # type: ignore[call-overload]
        ("CytokineReleaseSyndrome", 1),
        ("ICANS", 1),
    ]


# ---------------------------------------------------------------------------
# Outcome
# ---------------------------------------------------------------------------


def test_final_outcome_alive_disease_free_bridged_to_hsct(g: Graph) -> None:
    # "During subsequent follow-up, the patient achieved a disease-free survival of 5 months and
    # was successfully bridged to hematopoietic stem cell transplantation." The abstract says
    # neither from which event the 5 months count nor whether the HSCT came before the
    # follow-up: the follow-up is placed after the last CR, with no offset and no order
    # against the HSCT.
    assert ask(
        g,
        """ASK { y1:fu15 a emkg:FollowUp ; emkg:vitalStatus emkg:Alive ;
                 emkg:diseaseStatus emkg:NoEvidenceOfDisease ;
                 emkg:placedAfter y1:r11-allo-bm .
                 FILTER NOT EXISTS { y1:fu15 emkg:hasTimeOffset ?o }
                 FILTER NOT EXISTS { y1:fu15 emkg:placedAfter y1:e14-hsct }
                 FILTER NOT EXISTS { y1:fu15 emkg:placedBefore y1:e14-hsct } }""",
    )
    assert not ask(g, "ASK { ?d a emkg:Death }")


# "After X" as the saved queries read it (see emkg:sequenceIndex in the ontology): an event
# without a placement is after X when its index is larger; a placed event only through its
# placements.
AFTER = """
SELECT DISTINCT ?e WHERE {
  ?x emkg:sequenceIndex ?xi .
  ?e emkg:ofPatient y1:patient .
  # ?k: the event is after every event without a placement whose index is at most ?k
  { ?e emkg:sequenceIndex ?ei .
    FILTER NOT EXISTS {
      ?e emkg:during|emkg:notBefore|emkg:placedAfter|emkg:placedBefore|emkg:sameTimeAs ?any }
    BIND (?ei - 1 AS ?k) }
  UNION { ?e emkg:placedAfter/emkg:sequenceIndex ?k }
  UNION { ?e emkg:during|emkg:notBefore|emkg:sameTimeAs ?a . ?a emkg:sequenceIndex ?ai .
          BIND (?ai - 1 AS ?k) }
  FILTER (?k >= ?xi)
}"""


def test_crs_and_icans_are_not_after_the_allogeneic_cart_response(g: Graph) -> None:
    # "Significantly, only grade 1 cytokine release syndrome (CRS) and immune effector cell-
    # associated neurotoxicity syndrome (ICANS) events were detected during the treatment
    # period": during the CAR-T treatment period, after neither infusion in particular.
    toxicities = {"t12-crs", "t13-icans"}
    after_response = {local(r[0]) for r in rows(g, AFTER, x=y1("r11-allo-bm"))}
    assert toxicities & after_response == set()
    assert toxicities & {local(r[0]) for r in rows(g, AFTER, x=y1("e10-allo-cd19-cart"))} == set()
    assert toxicities & {local(r[0]) for r in rows(g, AFTER, x=y1("e05-auto-cd19-cart"))} == set()
    # but they are after the relapse that the CAR-T treated
    assert toxicities <= {local(r[0]) for r in rows(g, AFTER, x=y1("rel03-bm-csf"))}
    for tox in toxicities:
        assert ask(
            g,
            """ASK { ?t emkg:notBefore y1:e05-auto-cd19-cart ; emkg:placedBefore y1:e14-hsct .
                     FILTER NOT EXISTS { ?t emkg:attributedTo ?line } }""",
            t=y1(tox),
        )


# ---------------------------------------------------------------------------
# The abstract's own claims
# ---------------------------------------------------------------------------


def test_claims_are_the_papers_own(g: Graph) -> None:
    # "The central nervous system (CNS) is the most common site of extramedullary invasion in
    # acute lymphoblastic leukemia (ALL)"; "CNS involvement should not be deemed an absolute
    # contraindication to CAR-T cell therapy"; "CAR-T cell therapy may serve as a valuable
    # bridge to allogeneic hematopoietic stem cell transplantation (allo-HSCT)"
    assert ask(
        g,
        """ASK { yc:c01-cns-most-common-em-site emkg:aboutSite obo:UBERON_0001017 .
                 yc:c04-cns-not-contraindication emkg:aboutTherapy emkg:CARTCellTherapy ;
                                                 emkg:aboutSite obo:UBERON_0001017 .
                 yc:c06-cart-bridge-to-allohsct emkg:aboutTherapy emkg:CARTCellTherapy ,
                                                                  emkg:AllogeneicHSCT }""",
    )
    # the abstract cites no study: every claim is reported here and cites nothing
    assert not ask(
        g,
        """ASK { ?c a emkg:LiteratureClaim .
                 FILTER(EXISTS { ?c emkg:citesStudy ?any }
                        || NOT EXISTS { ?c emkg:reportedIn ?doi ; emkg:claimStatement ?s }) }""",
        doi=DOI,
    )
