"""kg/li2025.ttl against the paper: the facts a reader checks first, worked out by hand.

Source: Li H et al. Extramedullary relapse of acute lymphoblastic leukemia treated with a CAR-T
cell therapy bridge to unrelated cord blood transplantation: a case report and review of the
literature. Front Oncol. 2025;15:1508676. doi:10.3389/fonc.2025.1508676.
Each expectation below was written from the paper (the sentence is quoted in a comment), not
from the output of the queries. The seed texts are not needed here (tests/test_quotes.py checks
the quotes).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import Graph, Literal, URIRef

from emkg import paths
from kgcase import case_graph, lines_in_order, local, sparql, split

EMKG = "https://w3id.org/emkg/ontology#"
OBO = "http://purl.obolibrary.org/obo/"
DOI = URIRef("https://doi.org/10.3389/fonc.2025.1508676")
PATIENT = URIRef("https://w3id.org/emkg/data/li2025/case1/patient")
PREFIXES = f"""
PREFIX emkg: <{EMKG}>
PREFIX obo:  <{OBO}>
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX oa:   <http://www.w3.org/ns/oa#>
PREFIX xsd:  <http://www.w3.org/2001/XMLSchema#>
PREFIX l1:   <https://w3id.org/emkg/data/li2025/case1/>
PREFIX lc:   <https://w3id.org/emkg/data/li2025/claim/>
"""


@pytest.fixture(scope="module")
def g() -> Graph:
    """The ontology, its imports and this one curated file (labels and hierarchy included)."""
    return case_graph("li2025.ttl")


rows, ask = sparql(PREFIXES)


@pytest.fixture(scope="module")
def kg_only() -> Graph:
    """This curated file alone, without the ontology."""
    return Graph().parse(paths.kg_dir() / "li2025.ttl", format="turtle")


def num(x: object) -> Decimal:
    return Decimal(str(x))


# ---------------------------------------------------------------------------
# The patient
# ---------------------------------------------------------------------------


def test_age_and_sex(g: Graph) -> None:
    # "A 39-year-old female with fatigue was admitted to our hospital."
    found = rows(
        g,
        """SELECT ?age ?sex ?cls WHERE {
             ?p a emkg:Patient ; emkg:reportedIn ?doi ; emkg:ageInYears ?age ; emkg:sex ?sex ;
                emkg:ageAtEvent ?e .
             ?e a ?cls ; emkg:ofPatient ?p . FILTER(?cls != emkg:ClinicalEvent) }""",
        p=PATIENT,
        doi=DOI,
    )
    assert [(Decimal(str(a)), local(s), local(c)) for a, s, c in found] == [
        (Decimal(39), "Female", "Diagnosis")
    ]


def test_one_patient_curated_once(g: Graph) -> None:
    # 001 and 003 are the same article about the same patient: one patient node.
    assert rows(g, "SELECT ?p WHERE { ?p a emkg:Patient }") == [(PATIENT,)]


def test_patient_node_holds_only_de_identified_facts(g: Graph, kg_only: Graph) -> None:
    used = rows(g, "SELECT DISTINCT ?pred WHERE { ?p a emkg:Patient ; ?pred ?o }")
    assert {local(r[0]) for r in used} <= {
        "type",
        "caseLabel",
        "reportedIn",
        "ageInYears",
        "ageCategory",
        "ageAtEvent",
        "sex",
        "notReported",
        "label",
        "editorialNote",
    }
    # "Case description" is what the paper calls the case
    assert ask(g, 'ASK { l1:patient emkg:caseLabel "Case description" }')
    # the paper names the hospitals that treated her and made the CAR-T cells; no place or
    # date of care is kept anywhere in the curated file
    assert not ask(
        kg_only,
        """ASK { ?s ?pred ?o . FILTER(isLiteral(?o) && (CONTAINS(STR(?o), "Daopei")
               || CONTAINS(STR(?o), "Harbin")
               || datatype(?o) IN (xsd:date, xsd:dateTime, xsd:gYearMonth))) }""",
    )


def test_timeline_is_numbered_one_to_n(g: Graph) -> None:
    found = rows(
        g,
        """SELECT (COUNT(?e) AS ?n) (COUNT(DISTINCT ?i) AS ?distinct) (MIN(?i) AS ?lo)
                  (MAX(?i) AS ?hi)
           WHERE { ?e emkg:ofPatient l1:patient ; emkg:sequenceIndex ?i }""",
    )
    n, distinct, lo, hi = (int(x) for x in found[0])  # type: ignore[call-overload]
    assert (n, distinct, lo) == (hi, hi, 1)


# ---------------------------------------------------------------------------
# Diagnosis
# ---------------------------------------------------------------------------


def test_diagnosis(g: Graph) -> None:
    # "The diagnosis of common B-ALL was determined"; "Bone marrow (BM) aspiration revealed
    # hypercellular marrow with 75% lymphoblastic leukemia cells"
    assert ask(
        g,
        """ASK { l1:dx a emkg:Diagnosis ; emkg:sequenceIndex 1 ;
                 emkg:disease emkg:BCellAcuteLymphoblasticLeukemia ;
                 emkg:subtypeText "common B-ALL" .
                 ?a emkg:ofPatient l1:patient ; emkg:specimen obo:UBERON_0002371 ;
                    emkg:hasMeasurement [ emkg:measurementKind emkg:BlastPercentage ;
                                          emkg:value 75.0 ; emkg:unit emkg:Percent ] }""",
    )
    # "Cytogenetic evaluation revealed 47, XX, +8, del(9)(p22) in 20/20 metaphases."
    # "RNA sequencing revealed mutations in KRAS, ASXL2, TTN, KMT2D, and ASXL1"
    found = rows(
        g,
        """SELECT ?method (GROUP_CONCAT(DISTINCT ?key; separator="|") AS ?keys) WHERE {
             l1:dx emkg:hasGeneticFeature ?gf . ?gf emkg:method ?method .
             OPTIONAL { ?gf emkg:gene ?gene }
             OPTIONAL { ?gf emkg:featureText ?text }
             BIND(COALESCE(?gene, STRBEFORE(?text, " (")) AS ?key)
           } GROUP BY ?method""",
    )
    assert {local(m): split(k) for m, k in found} == {
        "Karyotyping": {"+8", "del(9)(p22)"},
        "RNASequencing": {"KRAS", "ASXL2", "TTN", "KMT2D", "ASXL1"},
    }


def test_hemoglobin_conversion_error_is_noted_not_fixed(g: Graph) -> None:
    # "Her peripheral blood revealed normocytic anemia (Hb 65 g/dL)."  65 g/dL is impossible
    # (65 g/L is meant): kept as printed with a note, and no numeric hemoglobin is invented.
    assert ask(
        g,
        """ASK { l1:dx emkg:description ?d ; skos:editorialNote ?n .
                 FILTER(CONTAINS(?d, "Hb 65 g/dL") && CONTAINS(?n, "65 g/L")) }""",
    )
    assert not ask(g, "ASK { ?m emkg:value 65.0 }")


# ---------------------------------------------------------------------------
# Therapy lines in order, with agents and intents
# ---------------------------------------------------------------------------

EXPECTED_LINES = [
    # "induction chemotherapy for the VICP regimen (4 mg of vindesine on Days 1, 8, 15 and 22;
    # 10 mg of idarubicin on Days 1-3; 750 mg/m² cyclophosphamide on Days 1 and 15; and 60 mg
    # of prednisone on Days 1-28)"
    ({"vindesine", "idarubicin", "cyclophosphamide", "prednisone"}, {"Induction"}),
    # "Meningeal prophylaxis was performed via intrathecal methotrexate and cytarabine"
    ({"methotrexate", "cytarabine"}, {"CNSProphylaxis"}),
    # "2 consolidation cycles of the Hyper CVAD A regimen (hyperfractionated cyclophosphamide,
    # vindesine, doxorubicin, and dexamethasone)"
    ({"cyclophosphamide", "vindesine", "doxorubicin", "dexamethasone"}, {"Consolidation"}),
    # "3 consolidation cycles of high-dose methotrexate with cytarabine treatment"
    ({"methotrexate", "cytarabine"}, {"Consolidation"}),
    # "GCSF (10 µg/kg/day) for 5 days and plerixafor (0.24 mg/kg) on the evening of Day 5 to
    # mobilize autologous hematopoietic stem cell"; "After the second mobilization with GCSF
    # and plerixafor"
    ({"granulocyte colony-stimulating factor", "plerixafor"}, {"StemCellMobilization"}),
    ({"granulocyte colony-stimulating factor", "plerixafor"}, {"StemCellMobilization"}),
    # "After treatment with blinatumomab infusion for 28 days"  (salvage: curator's reading)
    ({"blinatumomab"}, {"Salvage"}),
    # "Selinexor (40 mg/week) and chidamide (60 mg/week) were subsequently administered for
    # one month."  (no purpose given; salvage is the curator's reading)
    ({"selinexor", "chidamide"}, {"Salvage"}),
    # "treated with radiotherapy and chemotherapy, including dexamethasone, liposomal
    # mitoxantrone, etoposide, and cyclophosphamide"
    (
        {
            "radiotherapy",
            "dexamethasone",
            "liposomal mitoxantrone",
            "etoposide",
            "cyclophosphamide",
        },
        {"LocalTherapy", "Salvage"},
    ),
    # "pretreatment with the FC regimen (30 mg/m² fludarabine daily for 3 days and 300 mg/m²
    # cyclophosphamide daily for 3 days)"
    ({"fludarabine", "cyclophosphamide"}, {"Lymphodepletion"}),
    # "anti-CD19 CAR-T cells were infused"; "the use of CAR-T cell therapy for bridging UCBT"
    ({"CD19 CAR-T cell therapy"}, {"CARTInfusion", "BridgingToHSCT"}),
    # "The conditioning regimen included 5 mg/kg thiotepa ..., 5 mg/m² cladribine ...,
    # intravenous 3.2 mg/kg/d busulfan ..., and intravenous 50 mg/kg melphalan"
    ({"thiotepa", "cladribine", "busulfan", "melphalan"}, {"Conditioning"}),
    # "The patient subsequently underwent an UCBT"; "consolidative UCBT"
    ({"unrelated cord blood transplantation"}, {"Transplantation", "Consolidation"}),
    # "Cyclosporine and mycophenolate mofetil were used for GVHD prophylaxis."
    ({"cyclosporine", "mycophenolate mofetil"}, {"GVHDProphylaxis"}),
    # "decreased to normal levels following treatment with systemic glucocorticoids"
    ({"glucocorticoid"}, {"ComplicationTreatment"}),
    # "given 3 million IU of interferon- α three times a week"  # noqa: RUF003
    ({"interferon alfa"}, {"PostTransplantTherapy"}),
]


def test_therapy_lines_in_order(g: Graph) -> None:
    assert lines_in_order(g, PATIENT) == EXPECTED_LINES


def test_doses_as_printed(g: Graph) -> None:
    found = rows(
        g,
        """SELECT ?agent ?v ?u WHERE { ?line emkg:ofPatient l1:patient ;
             emkg:hasComponent [ emkg:agent ?agent ; emkg:doseValue ?v ; emkg:doseUnit ?u ] }""",
    )
    doses = {(local(a), Decimal(str(v)), str(u)) for a, v, u in found}
    assert {
        ("Vindesine", Decimal(4), "mg"),
        ("Idarubicin", Decimal(10), "mg"),
        ("Cyclophosphamide", Decimal(750), "mg/m2"),
        ("Prednisone", Decimal(60), "mg"),
        ("GranulocyteColonyStimulatingFactor", Decimal(10), "ug/kg/d"),
        ("Plerixafor", Decimal("0.24"), "mg/kg"),
        ("Selinexor", Decimal(40), "mg/wk"),
        ("Chidamide", Decimal(60), "mg/wk"),
        ("Fludarabine", Decimal(30), "mg/m2/d"),
        ("Cyclophosphamide", Decimal(300), "mg/m2/d"),
        ("CD19CARTCellTherapy", Decimal(1), "10*7/kg"),
        ("Thiotepa", Decimal(5), "mg/kg"),
        ("Cladribine", Decimal(5), "mg/m2/d"),
        ("Busulfan", Decimal("3.2"), "mg/kg/d"),
        # "intravenous 50 mg/kg melphalan daily for 2 days": kept as printed, with a note
        ("Melphalan", Decimal(50), "mg/kg/d"),
        ("InterferonAlfa", Decimal(3), "10*6.[iU]"),
    } == doses
    assert ask(
        g,
        """ASK { ?c emkg:agent emkg:Melphalan ; skos:editorialNote ?n .
                 FILTER(CONTAINS(?n, "as printed")) }""",
    )


def test_cell_products_and_graft(g: Graph) -> None:
    # "Peripheral blood lymphocytes were then collected from the patient to prepare anti-CD19
    # CAR-T cells"  -> autologous
    assert ask(
        g,
        """ASK { l1:e32-cd19-cart emkg:hasComponent [ emkg:agent emkg:CD19CARTCellTherapy ;
                 emkg:targetAntigen emkg:CD19 ; emkg:cellOrigin emkg:Autologous ] ;
                 emkg:bridgesTo l1:e42-ucbt }""",
    )
    # "Allografts were from 8/10 HLA-matched unrelated umbilical cord blood."
    assert ask(
        g,
        """ASK { l1:e42-ucbt emkg:hasComponent [
                 emkg:agent emkg:UnrelatedCordBloodTransplantation ;
                 emkg:donorType emkg:UnrelatedDonor ; emkg:graftSource emkg:UmbilicalCordBlood ;
                 emkg:hlaMatchText "8/10" ] }""",
    )
    # "The present patient was treated with consolidative UCBT within three months of CAR-T
    # cell therapy."
    assert ask(
        g,
        """ASK { l1:e42-ucbt emkg:hasTimeOffset [ emkg:anchorEvent l1:e32-cd19-cart ;
                 emkg:offsetValue 3.0 ; emkg:offsetUnit emkg:Month ;
                 emkg:offsetQualifier emkg:Within ] }""",
    )


# ---------------------------------------------------------------------------
# Extramedullary findings: sites, methods, order
# ---------------------------------------------------------------------------


def em_findings(g: Graph, status: str) -> list[tuple[str, str, frozenset[str]]]:
    found = rows(
        g,
        """SELECT ?f ?site ?side (GROUP_CONCAT(DISTINCT ?m; separator="|") AS ?methods) WHERE {
             ?f a emkg:EMFinding ; emkg:ofPatient l1:patient ; emkg:findingStatus ?status ;
                emkg:site ?site ; emkg:detectedBy ?method .
             BIND(STRAFTER(STR(?method), "#") AS ?m)
             OPTIONAL { ?f emkg:laterality ?lat }
             BIND(COALESCE(STRAFTER(STR(?lat), "#"), "") AS ?side)
           } GROUP BY ?f ?site ?side""",
        status=URIRef(EMKG + status),
    )
    return sorted((local(site), str(side), frozenset(split(m))) for _, site, side, m in found)


def test_em_sites_present_with_methods(g: Graph) -> None:
    pet = frozenset({"PETCT"})
    assert em_findings(g, "Present") == sorted(
        [
            # "a right breast mass was found, which was revealed by biopsy to be extramedullary
            # relapse"; figure 1: "Hematoxylin and eosin staining (A) and immunohistochemical
            # staining of PAX-5 (B) and TdT (C)"; "(D). Chest CT image showing that the breast
            # mass (white arrow) extended into the right lung"
            (
                "UBERON_0000310",
                "Right",
                frozenset({"Biopsy", "Histology", "Immunohistochemistry", "CT"}),
            ),
            # "Chest CT revealed that the mass extended from the right breast into the right lung"
            ("UBERON_0002048", "Right", frozenset({"CT"})),
            # "PET-CT images before starting the conditioning regimen revealed extensive
            # extramedullary relapse involving multiple lymph nodes, the breast, kidney, uterus,
            # and pancreas"  (one finding per site; no side given)
            ("UBERON_0000029", "", pet),
            ("UBERON_0000310", "", pet),
            ("UBERON_0002113", "", pet),
            ("UBERON_0000995", "", pet),
            ("UBERON_0001264", "", pet),
        ]
    )


def test_cns_infiltration_by_fcm_was_looked_for_and_absent(g: Graph) -> None:
    # "the test for central nervous system infiltration by FCM was negative"
    assert em_findings(g, "AbsentWhenAssessed") == [
        ("UBERON_0001017", "", frozenset({"FlowCytometry"}))
    ]


def test_em_findings_after_blinatumomab(g: Graph) -> None:
    # CQ1 worked example: "one had a breast mass extending into the lung (biopsy, CT) and
    # later, on PET-CT, lymph node, breast, kidney, uterus and pancreas disease". Every EM
    # finding present lies after the blinatumomab line ("After treatment with blinatumomab
    # infusion for 28 days ... At the same time, a right breast mass was found").
    found = rows(
        g,
        """SELECT (COUNT(?f) AS ?n) WHERE {
             ?f a emkg:EMFinding ; emkg:ofPatient l1:patient ; emkg:findingStatus emkg:Present ;
                emkg:sequenceIndex ?i .
             ?blina emkg:ofPatient l1:patient ; emkg:sequenceIndex ?b ;
                    emkg:hasComponent/emkg:agent emkg:Blinatumomab .
             FILTER(?i > ?b) }""",
    )
    assert int(found[0][0]) == 7  # type: ignore[call-overload]
    # "It is unknown whether the lesion in the patient was present before blinatumomab
    # treatment, as routine PET-CT imaging is not the standard of care."  -> a note and its quote
    assert ask(
        g,
        """ASK { l1:f18-breast-biopsy skos:editorialNote ?n .
                 FILTER(CONTAINS(?n, "unknown whether the lesion"))
                 ?ann oa:hasBody l1:f18-breast-biopsy ; oa:hasTarget/oa:hasSelector/oa:exact ?q .
                 FILTER(CONTAINS(?q, "unknown whether the lesion")) }""",
    )


def test_pet_ct_finding_changed_management(g: Graph) -> None:
    # "PET-CT images before starting the conditioning regimen revealed extensive
    # extramedullary relapse ... Peripheral blood lymphocytes were then collected from the
    # patient to prepare anti-CD19 CAR-T cells"
    found = rows(
        g,
        """SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {
             ?m a emkg:ManagementDecision ; emkg:promptedBy ?f ;
                emkg:decisionType emkg:TherapySwitched ; emkg:resultedIn l1:e32-cd19-cart .
             ?f emkg:detectedBy emkg:PETCT ; emkg:detectionContext emkg:PreTherapyStaging }""",
    )
    assert int(found[0][0]) == 5  # type: ignore[call-overload]


# ---------------------------------------------------------------------------
# Responses, transplant course, relapse, outcome
# ---------------------------------------------------------------------------


def test_responses_one_month_after_cart(g: Graph) -> None:
    # "One month after CAR-T cell therapy, the patient achieved complete remission without MRD
    # in the bone marrow, and a PET-CT scan suggested complete resolution of extramedullary
    # disease"
    found = rows(
        g,
        """SELECT ?cat ?comp ?method WHERE {
             ?r a emkg:Response ; emkg:attributedTo l1:e32-cd19-cart ;
                emkg:responseCategory ?cat ; emkg:responseCompartment ?comp ;
                emkg:assessedBy ?method ;
                emkg:hasTimeOffset [ emkg:anchorEvent l1:e32-cd19-cart ; emkg:offsetValue 1.0 ;
                                     emkg:offsetUnit emkg:Month ] }""",
    )
    assert sorted((local(c), local(p), local(m)) for c, p, m in found) == [
        ("MRDNegativeCompleteRemission", "MedullaryCompartment", "FlowCytometry"),
        ("RadiographicCompleteRemission", "ExtramedullaryCompartment", "PETCT"),
    ]
    # "CT scan also showed the regression of right breast mass"  -> decreased, not resolved
    assert em_findings(g, "Decreased") == sorted(
        [
            # "After treatment, the right breast mass decreased (Figure 1E)" (after RT + chemo)
            ("UBERON_0000310", "Right", frozenset({"CT"})),
            ("UBERON_0000310", "Right", frozenset({"CT"})),
        ]
    )
    resolved = em_findings(g, "Resolved")
    assert {site for site, _, _ in resolved} == {
        "UBERON_0000029",
        "UBERON_0000310",
        "UBERON_0002113",
        "UBERON_0000995",
        "UBERON_0001264",
    }


def test_post_transplant_course(g: Graph) -> None:
    # "Neutrophil and platelet engraftment was observed on Days 19 and 90 after umbilical cord
    # blood infusion, respectively."
    found = rows(
        g,
        """SELECT ?lineage ?day WHERE { ?e a emkg:Engraftment ; emkg:engraftedLineage ?lineage ;
             emkg:hasTimeOffset [ emkg:anchorEvent l1:e42-ucbt ; emkg:offsetValue ?day ;
                                  emkg:offsetUnit emkg:Day ] }""",
    )
    assert sorted((local(x), num(d)) for x, d in found) == [
        ("NeutrophilLineage", 19),
        ("PlateletLineage", 90),
    ]
    # "On Day 28, after UBCT, the patient was MRD negative and had complete donor chimerism."
    assert ask(
        g,
        """ASK { ?c a emkg:ChimerismAssessment ; emkg:valueText "complete donor chimerism" ;
                    emkg:hasTimeOffset [ emkg:offsetValue 28.0 ; emkg:offsetUnit emkg:Day ] .
                 ?a a emkg:DiseaseAssessment ;
                    emkg:hasMeasurement [ emkg:measurementKind emkg:MRD ;
                                          emkg:result emkg:Negative ] ;
                    emkg:hasTimeOffset [ emkg:offsetValue 28.0 ; emkg:offsetUnit emkg:Day ] }""",
    )
    # "B cell aplasia was detected via single-cell sequencing ... on Day 28"
    assert ask(
        g,
        """ASK { ?x emkg:condition emkg:BCellAplasia ; emkg:method emkg:SingleCellSequencing ;
                    emkg:hasTimeOffset [ emkg:offsetValue 28.0 ; emkg:offsetUnit emkg:Day ] }""",
    )
    # "The patient developed cytomegalovirus (CMV) viremia on Day 53"
    assert ask(
        g,
        """ASK { ?i a emkg:Infection ; emkg:condition emkg:CytomegalovirusViremia ;
                    emkg:hasTimeOffset [ emkg:anchorEvent l1:e42-ucbt ;
                                         emkg:offsetValue 53.0 ] }""",
    )


def test_day_21_liver_abnormality_is_not_called_gvhd(g: Graph) -> None:
    # "The bilirubin and transaminase levels of the patient increased on Day 21 and decreased
    # to normal levels following treatment with systemic glucocorticoids."  The case
    # description never says GVHD, so nothing of this patient is typed or treated as GVHD, and
    # the abnormality is not attributed to a therapy.
    assert ask(
        g,
        """ASK { l1:x45-liver-tests a emkg:Complication ;
                 emkg:condition emkg:LiverTestAbnormality ;
                 emkg:hasTimeOffset [ emkg:offsetValue 21.0 ; emkg:offsetUnit emkg:Day ] .
                 l1:e46-glucocorticoids emkg:treats l1:x45-liver-tests }""",
    )
    assert not ask(
        g,
        """ASK { ?e emkg:ofPatient l1:patient .
                 { ?e emkg:condition ?c . ?c rdfs:subClassOf* emkg:GraftVersusHostDisease }
                 UNION { ?e emkg:intent emkg:GVHDTreatment }
                 UNION { ?e a emkg:Toxicity } }""",
    )
    assert not ask(g, "ASK { l1:x45-liver-tests emkg:attributedTo ?line }")


def test_relapse_after_ucbt_is_medullary(g: Graph) -> None:
    # "At the 6th month, abnormal B cells were detected (0.05%) in 2 consecutive bone marrow
    # samples within a 2-week interval. No evidence of extramedullary recurrence was observed."
    found = rows(
        g,
        """SELECT ?type ?lo ?hi WHERE {
             ?r a emkg:Relapse ; emkg:attributedTo l1:e42-ucbt ; emkg:relapseType ?type ;
                emkg:site obo:UBERON_0002371 ;
                emkg:hasTimeOffset [ emkg:anchorEvent l1:e42-ucbt ; emkg:offsetValue ?lo ;
                                     emkg:offsetUpperValue ?hi ; emkg:offsetUnit emkg:Month ] .
             ?ann oa:hasBody ?r ; oa:hasTarget/oa:hasSelector/oa:exact
                  "No evidence of extramedullary recurrence was observed." }""",
    )
    assert [(local(t), num(lo), num(hi)) for t, lo, hi in found] == [("MedullaryRelapse", 5, 6)]
    assert ask(
        g, "ASK { ?m emkg:measurementKind emkg:MRD ; emkg:value 0.05 ; emkg:unit emkg:Percent }"
    )
    # "She achieved MRD negativity again after 14 days of interferon- α treatment."  # noqa: RUF003
    assert ask(
        g,
        """ASK { ?r emkg:attributedTo l1:e56-interferon ;
                    emkg:responseCategory emkg:MRDNegativeResponse ;
                    emkg:hasTimeOffset [ emkg:offsetValue 14.0 ; emkg:offsetUnit emkg:Day ] }""",
    )


def test_final_outcome_death_after_severe_pneumonia(g: Graph) -> None:
    # "the patient was transferred to the intensive care unit because of severe pneumonia
    # (Supplementary Figure S4) and subsequently died."; abstract: "eventually died of severe
    # pneumonia"
    found = rows(
        g,
        """SELECT ?cls ?extra WHERE {
             ?e emkg:ofPatient l1:patient ; emkg:sequenceIndex ?i ; a ?cls .
             FILTER(?cls IN (emkg:Infection, emkg:CareEvent, emkg:Death))
             OPTIONAL { ?e emkg:condition|emkg:careType|emkg:causeOfDeath ?extra }
             { SELECT (MAX(?j) AS ?last) WHERE { ?x emkg:ofPatient l1:patient ;
                                                   emkg:sequenceIndex ?j } }
             FILTER(?i > ?last - 3) } ORDER BY ?i""",
    )
    assert [(local(c), local(x)) for c, x in found] == [
        ("Infection", "Pneumonia"),
        ("CareEvent", "IntensiveCareAdmission"),
        ("Death", "Pneumonia"),
    ]
    assert not ask(g, "ASK { ?f a emkg:FollowUp ; emkg:vitalStatus emkg:Alive }")


# ---------------------------------------------------------------------------
# Literature claims with their cited studies
# ---------------------------------------------------------------------------


def test_em_relapse_share_claim(g: Graph) -> None:
    # "extramedullary tissues are occasionally involved, accounting for 15~20% of all relapses
    # (2)"; reference 2: "doi: 10.1186/s13045-017-0434-y"
    assert ask(
        g,
        """ASK { ?c a emkg:LiteratureClaim ; emkg:claimType emkg:EMRelapseIncidence ;
                    emkg:proportionValue 0.15 ; emkg:proportionUpperValue 0.20 ;
                    emkg:reportedIn <https://doi.org/10.3389/fonc.2025.1508676> ;
                    emkg:citesStudy <https://doi.org/10.1186/s13045-017-0434-y> }""",
    )


@pytest.mark.parametrize(
    ("topic", "cited"),
    [
        # "The incidence of extramedullary relapse is reportedly greater following blinatumomab
        # treatment (14)."
        ("Blinatumomab", {"10.1002/ajh.24783"}),
        # "Some researchers have recommended treatment with consolidative allo-HSCT within
        # three months of CAR-T cell therapy to maximize the benefit (30, 31)."  and others
        ("AllogeneicHSCT", {"10.1186/s40364-020-00247-8", "10.1182/bloodadvances.2019000593"}),
        # "UCBT is an option for improving the prognosis of patients who have undergone CAR-T
        # cell therapy (7, 8)"
        (
            "UnrelatedCordBloodTransplantation",
            {"10.1016/j.jtct.2021.11.011", "10.3389/fimmu.2022.879030"},
        ),
    ],
)
def test_claims_about_a_therapy_cite_their_studies(g: Graph, topic: str, cited: set[str]) -> None:
    found = rows(
        g,
        """SELECT DISTINCT ?doi WHERE { ?c emkg:aboutTherapy ?t ; emkg:citesStudy ?pub .
             ?pub emkg:doi ?doi }""",
        t=URIRef(EMKG + topic),
    )
    assert cited <= {str(r[0]) for r in found}


def test_rare_and_common_site_claims(g: Graph) -> None:
    # "The most common locations of extramedullary relapse are the CNS and testes; other
    # locations of extramedullary relapse, such as the breast, kidney, uterus and pancreas,
    # are rare (12, 13)."
    found = rows(
        g,
        """SELECT ?c (GROUP_CONCAT(DISTINCT ?s; separator="|") AS ?sites)
                  (COUNT(DISTINCT ?pub) AS ?pubs) WHERE {
             ?c emkg:claimType emkg:EMRelapseSite ; emkg:aboutSite ?site ;
                emkg:citesStudy ?pub .
             BIND(STRAFTER(STR(?site), "obo/") AS ?s) } GROUP BY ?c""",
    )
    assert {(frozenset(split(s)), num(n)) for _, s, n in found} == {
        (frozenset({"UBERON_0001017", "UBERON_0000473"}), 2),
        (frozenset({"UBERON_0000310", "UBERON_0002113", "UBERON_0000995", "UBERON_0001264"}), 2),
    }


def test_cited_dois_kept_as_printed(g: Graph) -> None:
    # reference 26 "doi: 10.1182/blood-2018-11.883710", reference 27
    # "doi: 10.1182/bloodadyances.2020001466": garbled, kept as printed, with a note
    for doi in ("10.1182/blood-2018-11.883710", "10.1182/bloodadyances.2020001466"):
        assert ask(
            g,
            """ASK { ?pub a emkg:Publication ; emkg:doi ?doi ; skos:editorialNote ?n .
                     FILTER(CONTAINS(?n, "garbled")) }""",
            doi=Literal(doi),
        )
    # reference 1 "doi: 10.1093/ annonc/mdw025": joined without the space, with a note
    assert ask(
        g,
        """ASK { <https://doi.org/10.1093/annonc/mdw025> emkg:doi "10.1093/annonc/mdw025" ;
                 skos:editorialNote ?n . FILTER(CONTAINS(?n, "space")) }""",
    )


def test_every_claim_is_reported_here_and_cites_a_typed_publication(g: Graph) -> None:
    assert not ask(
        g,
        """ASK { ?c a emkg:LiteratureClaim .
                 FILTER NOT EXISTS { ?c emkg:reportedIn ?doi ; emkg:claimStatement ?s ;
                                        emkg:claimType ?t ; emkg:citesStudy ?any } }""",
        doi=DOI,
    )
    assert not ask(
        g,
        """ASK { ?c emkg:citesStudy ?pub .
                 FILTER NOT EXISTS { ?pub a emkg:Publication ; emkg:doi ?doi ;
                                          dcterms:bibliographicCitation ?cit } }""",
    )
    # the doi literal and the IRI agree
    assert not ask(
        g,
        """ASK { ?pub a emkg:Publication ; emkg:doi ?doi .
                 FILTER(STR(?pub) != CONCAT("https://doi.org/", ?doi)) }""",
    )


# ---------------------------------------------------------------------------
# Readings the model once forced beyond the text (each with the source's words)
# ---------------------------------------------------------------------------


def test_breast_relapse_type_not_reported(g: Graph) -> None:
    # "After treatment with blinatumomab infusion for 28 days, the percentage of leukemic cells
    # decreased to 0.02%. Selinexor (40 mg/week) and chidamide (60 mg/week) were subsequently
    # administered for one month. At the same time, a right breast mass was found, which was
    # revealed by biopsy to be extramedullary relapse". No marrow status is given at the time of
    # the breast relapse (the last one, 0.02%, was positive): isolated EM cannot be stated.
    assert ask(
        g,
        """ASK { l1:rel19-em-breast a emkg:Relapse ;
                 emkg:notReported emkg:RelapseSiteElement ;
                 emkg:during l1:e17-selinexor-chidamide .
                 FILTER NOT EXISTS { l1:rel19-em-breast emkg:relapseType ?any } }""",
    )


def test_breast_mass_found_during_selinexor_and_chidamide_without_a_number(g: Graph) -> None:
    # "At the same time, a right breast mass was found": during the one-month line, no offset.
    assert ask(
        g,
        """ASK { l1:f18-breast-biopsy emkg:during l1:e17-selinexor-chidamide .
                 FILTER NOT EXISTS { l1:f18-breast-biopsy emkg:hasTimeOffset ?o } }""",
    )


def test_ct_regression_of_the_breast_mass_has_no_invented_time(g: Graph) -> None:
    # "CT scan also showed the regression of right breast mass (Figure 1F)."; "A chest CT scan
    # revealed that the abnormal breast mass was significantly alleviated after CAR-T cell
    # therapy." No time is given: placed after the CAR-T infusion, with no offset.
    assert ask(
        g,
        """ASK { l1:f40-breast-ct-regression emkg:placedAfter l1:e32-cd19-cart ;
                 emkg:assessmentRole emkg:ResponseAssessment .
                 FILTER NOT EXISTS { l1:f40-breast-ct-regression emkg:hasTimeOffset ?o } }""",
    )


def test_engraftment_offsets_keep_the_sources_words(g: Graph) -> None:
    # "Neutrophil and platelet engraftment was observed on Days 19 and 90 after umbilical cord
    # blood infusion, respectively."
    found = rows(
        g,
        """SELECT ?g ?v ?t WHERE { ?g a emkg:Engraftment ;
             emkg:hasTimeOffset [ emkg:offsetValue ?v ; emkg:offsetText ?t ] }""",
    )
    assert sorted((local(e), int(float(str(v))), str(t)) for e, v, t in found) == [
        ("g44-neutrophil-engraftment", 19, "on Days 19 and 90 after umbilical cord blood infusion"),
        ("g51-platelet-engraftment", 90, "on Days 19 and 90 after umbilical cord blood infusion"),
    ]
