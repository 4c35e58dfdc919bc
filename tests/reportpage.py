"""What the report tests share: the page opened in Chromium, and SPARQL counts to compare with."""

from __future__ import annotations

from pathlib import Path

from emkg.engines import OxigraphEngine

DATA = "https://w3id.org/emkg/data/"

PREFIXES = """PREFIX emkg: <https://w3id.org/emkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# Independent of the report's queries: how many therapy lines, and how many events of the
# kinds the timeline draws as markers, each patient has in the store. The patient pattern is
# joined inside each branch: joined with the whole UNION, Oxigraph evaluated the UNION once
# per patient (100 s of CPU at 1,000 patients instead of a fraction of a second).
COUNT_QUERY = (
    PREFIXES
    + """
SELECT ?patient (COUNT(DISTINCT ?line) AS ?bars) (COUNT(DISTINCT ?event) AS ?markers)
WHERE {
  {
    ?line a emkg:TherapyLine ; emkg:ofPatient ?patient .
    ?patient a emkg:Patient .
  }
  UNION
  {
    ?event emkg:ofPatient ?patient ; a ?kind .
    VALUES ?kind { emkg:Diagnosis emkg:EMFinding emkg:DiseaseAssessment emkg:Response
                   emkg:Relapse emkg:Toxicity emkg:Death emkg:FollowUp }
    ?patient a emkg:Patient .
  }
}
GROUP BY ?patient
"""
)


def sparql_counts(engine: OxigraphEngine) -> dict[str, tuple[int, int]]:
    table = engine.select(COUNT_QUERY)
    return {str(p): (int(b), int(m)) for p, b, m in table.rows}


def open_report(browser_page, path: Path):
    page = browser_page.page
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='true']", state="attached", timeout=120_000)
    return page
