"""``emkg report``: the HTML report drawn from the saved queries, checked in headless Chromium.

The page must load nothing (no console error, no request but its own file), draw for each
patient as many bars and markers as SPARQL counts in the store, show a mark's quote and DOI
when it is selected, and change what it shows when a filter is set; at scale, see
test_htmlreport_scale.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Dataset

from emkg.catalogue import load_catalogue
from emkg.cli import main
from emkg.engines import OxigraphEngine
from emkg.htmlreport.data import TIMELINE_VIEWS, collect
from emkg.htmlreport.page import render_page, write_report
from emkg.runner import run_query
from reportpage import DATA, open_report, sparql_counts

JOHNS_DOI = "10.3389/fimmu.2024.1423487"
J1 = DATA + "johns2024/case1/patient"
LI = DATA + "li2025/case1/patient"


@pytest.fixture(scope="module")
def curated_engine(dataset: Dataset) -> OxigraphEngine:
    return OxigraphEngine.from_dataset(dataset)


@pytest.fixture(scope="module")
def curated_page(curated_engine: OxigraphEngine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(out, collect(curated_engine))


# ---------------------------------------------------------------------------------------------
# the data: saved queries' answers passed on unchanged
# ---------------------------------------------------------------------------------------------


def test_every_table_is_a_saved_query_answer(curated_engine: OxigraphEngine) -> None:
    data = collect(curated_engine)
    catalogue = load_catalogue()
    for qid in (*TIMELINE_VIEWS, "cq13", "cq04", "cq15"):
        entry = catalogue.get(qid)
        expected = run_query(entry, {}, curated_engine)
        got = data.rows(entry.id)
        assert len(got) == len(expected)
        as_text = [
            {c: (None if v is None else str(v)) for c, v in r.items()} for r in expected.records()
        ]
        assert got == as_text, qid
    # the therapy chosen on the page: one CQ1 answer per offered therapy, blinatumomab first
    options = data.choices["cq01-em-sites-after-therapy"]
    assert options[0]["label"] == "blinatumomab"
    blina = run_query(catalogue.get("cq01"), {"therapy": "blinatumomab"}, curated_engine)
    assert len(data.rows(options[0]["table"])) == len(blina)


def test_view_queries_answer_from_the_sources(curated_engine: OxigraphEngine) -> None:
    catalogue = load_catalogue()
    offsets = run_query(catalogue.get("time-offsets"), {"patient": "Case one"}, curated_engine)
    relapse = [r for r in offsets.records() if str(r["event"]).endswith("case1/e03-relapse")]
    # "late relapsed B-ALL at 38 months from diagnosis" (Johns 2024, case one)
    at_38 = [r for r in relapse if str(r["offsetValue"]) == "38"]
    assert len(at_38) == 1
    assert str(at_38[0]["anchor"]).endswith("case1/e01-dx")
    assert str(at_38[0]["unit"]).endswith("#Month")
    # "<3 weeks after end of therapy": a bound, not a time, so it carries its qualifier
    under_3 = [r for r in relapse if str(r["offsetValue"]) == "3"]
    assert str(under_3[0]["qualifier"]).endswith("#LessThan")

    classes = run_query(catalogue.get("therapy-classes"), {}, curated_engine)
    by_agent = {(str(r["agentLabel"]), str(r["therapyClassLabel"])) for r in classes.records()}
    # tisagenlecleucel is a CD19 CAR-T product; venetoclax is in none of the colour classes
    assert ("tisagenlecleucel", "CAR-T cell therapy") in by_agent
    assert not [c for a, c in by_agent if a == "venetoclax"]

    groups = run_query(catalogue.get("site-groups"), {}, curated_engine)
    lowest: dict[str, tuple[int, str]] = {}
    for r in groups.records():
        site, rank = str(r["siteLabel"]), int(str(r["rank"]))
        if site not in lowest or rank < lowest[site][0]:
            lowest[site] = (rank, str(r["siteGroupLabel"]))
    assert lowest["thoracic vertebra 3"][1] == "skeletal system"
    assert lowest["breast"][1] == "breast"
    assert lowest["brain"][1] == "central nervous system"


def test_patients_limit_the_timelines_only(curated_engine: OxigraphEngine) -> None:
    data = collect(curated_engine, ["Case one", J1])
    assert data.patients == [J1]
    assert {r["patient"] for r in data.rows("timeline-events")} == {J1}
    assert len({r["patient"] for r in data.rows("cq15-missing-recommended-elements")}) > 1


def test_the_page_is_self_contained(curated_page: Path) -> None:
    text = curated_page.read_text(encoding="utf-8")
    assert "default-src 'none'" in text  # the browser itself refuses any load
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert "@import" not in text
    assert "url(" not in text
    # the embedded data cannot close its script element
    body = text.split('<script type="application/json" id="emkg-data">', 1)[1].split("</script>")[0]
    assert "<" not in body


def test_the_page_is_deterministic(curated_engine: OxigraphEngine) -> None:
    assert render_page(collect(curated_engine)) == render_page(collect(curated_engine))


# ---------------------------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------------------------


def test_report_command_writes_the_page(
    curated_release_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release = curated_release_copy
    capsys.readouterr()
    assert main(["report", "--release", str(release)]) == 0
    out = capsys.readouterr().out
    page = release / "emkg-report.html"
    assert page.is_file()
    assert str(page) in out
    one = tmp_path / "one.html"
    assert (
        main(["report", "--release", str(release), "--out", str(one), "--patients", "Case one"])
        == 0
    )
    assert one.stat().st_size < page.stat().st_size


def test_report_command_bad_input(
    curated_release_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["report", "--release", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.html")])
        == 2
    )
    err = capsys.readouterr().err
    assert "holds no release store" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.html").exists()
    release = curated_release_copy
    capsys.readouterr()
    assert main(["report", "--release", str(release), "--patients", "no such case"]) == 2
    assert "no such case" in capsys.readouterr().err
    assert not (release / "emkg-report.html").exists()


# ---------------------------------------------------------------------------------------------
# in the browser
# ---------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_page_loads_without_errors_or_requests(browser_page, curated_page: Path) -> None:
    page = open_report(browser_page, curated_page)
    page.wait_for_timeout(300)
    assert browser_page.log.errors == []
    assert browser_page.log.requests_except(curated_page.as_uri()) == []
    assert browser_page.log.failed_requests == []
    assert page.locator("svg.lane").count() == 4


@pytest.mark.browser
def test_bars_and_markers_equal_the_sparql_counts(
    browser_page, curated_page: Path, curated_engine: OxigraphEngine
) -> None:
    page = open_report(browser_page, curated_page)
    expected = sparql_counts(curated_engine)
    assert len(expected) == 4
    for patient, (bars, markers) in expected.items():
        lane = page.locator(f'svg.lane[data-patient="{patient}"]')
        assert lane.count() == 1, patient
        assert lane.locator(".mark.bar").count() == bars, patient
        assert lane.locator(".mark.marker").count() == markers, patient
    # every mark carries its node's IRI, in its hover text too
    marks = page.locator("svg.lane .mark")
    titles = marks.evaluate_all(
        "ms => ms.map(m => [m.dataset.event, m.querySelector('title').textContent])"
    )
    assert len(titles) == sum(b + m for b, m in expected.values())
    assert all(iri and iri in title for iri, title in titles)


@pytest.mark.browser
def test_clicking_a_marker_shows_its_quote_and_doi(browser_page, curated_page: Path) -> None:
    page = open_report(browser_page, curated_page)
    # Johns 2024, case one, event 3: "He presented with relapsed B-ALL with 5% peripheral
    # lymphoblasts <3 weeks after end of therapy"
    relapse = DATA + "johns2024/case1/e03-relapse"
    page.locator(f'.mark.marker[data-event="{relapse}"]').click()
    panel = page.locator("#evidence-body")
    assert "5% peripheral lymphoblasts <3 weeks after end of therapy" in panel.inner_text()
    link = panel.locator("a.doi").first
    assert link.get_attribute("href") == f"https://doi.org/{JOHNS_DOI}"
    assert relapse in panel.locator(".ev-iri").inner_text()
    # the same by keyboard on an EM finding, and its hover text carries the quote
    finding = page.locator('.mark.marker[data-kind="EMFinding"]').first
    title = finding.locator("title").text_content() or ""
    finding.focus()
    page.keyboard.press("Enter")
    first_quote = panel.locator(".ev-quote").first.inner_text().strip("\u201c\u201d")
    assert first_quote[:60] in title
    assert browser_page.log.errors == []


@pytest.mark.browser
def test_filters_change_what_is_shown(browser_page, curated_page: Path) -> None:
    page = open_report(browser_page, curated_page)
    page.select_option("#filter-source", "https://doi.org/10.3389/fonc.2025.1508676")
    lanes = page.locator("svg.lane")
    assert lanes.count() == 1
    assert lanes.first.get_attribute("data-patient") == LI
    assert "1 of 4 patients" in page.locator("#filter-status").inner_text()
    page.click("#filter-reset")
    assert lanes.count() == 4
    # of the four patients only the Li 2025 patient has breast findings ("a right breast mass
    # was found, which was revealed by biopsy to be extramedullary relapse"); the
    # site filter keeps the lanes with a finding there
    page.select_option("#filter-site", "http://purl.obolibrary.org/obo/UBERON_0000310")
    shown = {lanes.nth(i).get_attribute("data-patient") for i in range(lanes.count())}
    assert shown == {LI}
    rows_with = page.locator("#site-agent-table tbody tr").count()
    page.click("#filter-reset")
    assert page.locator("#site-agent-table tbody tr").count() > rows_with
    assert browser_page.log.errors == []


@pytest.mark.browser
def test_a_chosen_therapy_changes_the_cq1_view(browser_page, curated_page: Path) -> None:
    page = open_report(browser_page, curated_page)
    rows = page.locator("#after-therapy-table tbody tr")
    before = rows.count()
    assert before > 0
    page.select_option("#after-therapy-choice", label="CD19 CAR-T cell therapy")
    assert rows.count() != before
    page.locator("#after-therapy-chart .chart-bar").first.click()
    assert page.locator("#evidence-body .ev-quote").count() >= 1


@pytest.mark.browser
def test_an_event_placed_within_a_period_is_drawn_over_it(browser_page, curated_page: Path) -> None:
    page = open_report(browser_page, curated_page)
    # Liu 2024: the CRS after CAR-T is placed not before the CAR-T infusion (e05) and before
    # the transplant (e14), with no more said about its time; it is drawn over that span,
    # above the lane, not at its listing position
    crs = DATA + "liu2024/case1/t12-crs"
    lane = page.locator(f'svg.lane[data-patient="{DATA}liu2024/case1/patient"]')
    mark = lane.locator(f'.mark[data-event="{crs}"]')
    assert mark.count() == 1
    cart = lane.locator(f'.mark[data-event="{DATA}liu2024/case1/e05-auto-cd19-cart"]')
    hsct = lane.locator(f'.mark[data-event="{DATA}liu2024/case1/e14-hsct"]')
    x = mark.bounding_box()
    assert cart.bounding_box()["x"] <= x["x"] + x["width"] / 2 <= hsct.bounding_box()["x"]
    bar = cart.bounding_box()
    assert x["y"] + x["height"] / 2 < bar["y"] + bar["height"] / 2 - 10  # above the lane
    assert lane.locator(".placed-span").count() >= 1
    mark.click()
    assert "not before" in page.locator("#evidence-body").inner_text()
