"""CQ15 and the completeness table of ``emkg validate`` share one definition and agree.

The recommended elements of a case report are the sh:Warning shapes of shapes/completeness.ttl
that name an ``emkgsh:reportElement``; the completeness table counts, per case, each checked
node as present, not reported or missing, and CQ15 lists the nodes that are not present. On
the curated graph both must name the same nodes with the same status.
"""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Literal, URIRef

from emkg.catalogue import load_catalogue
from emkg.completeness import MISSING, NOT_REPORTED, element_checks, recommended_shapes
from emkg.engines import OxigraphEngine
from emkg.locate import Locator, Namer
from emkg.runner import run_query
from emkg.validate import Validation, validate_files

STATUS = {
    MISSING: Literal("not in the graph"),
    NOT_REPORTED: Literal("stated as not reported by the source"),
}


@pytest.fixture(scope="module")
def validation() -> Validation:
    return validate_files()


def test_cq15_lists_exactly_what_the_completeness_table_counts(
    validation: Validation, dataset: object
) -> None:
    locator = Locator(validation.sources, validation.data, Namer(validation.sources))
    table: Counter[tuple[object, URIRef, Literal]] = Counter()
    for check in element_checks(validation, locator):
        if check.status in STATUS:
            table[(locator.patient(check.focus), check.element, STATUS[check.status])] += 1
    engine = OxigraphEngine.from_dataset(dataset)  # type: ignore[arg-type]
    rows = run_query(load_catalogue().get("cq15"), {}, engine).records()
    listed: Counter[tuple[object, URIRef, Literal]] = Counter(
        (r["patient"], r["element"], r["how"])
        for r in rows  # type: ignore[misc]
    )
    assert listed == table
    assert sum(table.values()) > 0


def test_cq15_and_the_table_agree_on_the_cart_fixture() -> None:
    """The same on a fixture whose CAR-T products lack origin and baseline imaging, one of them
    on a line that is not marked as a CAR-T infusion."""
    from pathlib import Path

    from emkg import build

    fixtures = Path(__file__).parent / "fixtures" / "shapes"
    files = [fixtures / "_context.ttl", fixtures / "cart.invalid.ttl"]
    validation = validate_files(files)
    locator = Locator(validation.sources, validation.data, Namer(validation.sources))
    table: Counter[tuple[object, URIRef, Literal]] = Counter()
    for check in element_checks(validation, locator):
        if check.status in STATUS and locator.patient(check.focus) is not None:
            table[(locator.patient(check.focus), check.element, STATUS[check.status])] += 1
    engine = OxigraphEngine.from_dataset(build.assemble(kg=files))
    rows = run_query(load_catalogue().get("cq15"), {}, engine).records()
    listed: Counter[tuple[object, URIRef, Literal]] = Counter(
        (r["patient"], r["element"], r["how"])
        for r in rows  # type: ignore[misc]
    )
    assert listed == table
    assert any(e == URIRef(str(e)) and str(e).endswith("CellOriginElement") for _p, e, _h in table)


def test_cq15_covers_every_recommended_element(validation: Validation) -> None:
    """A new recommended element in shapes/completeness.ttl needs its branch in CQ15."""
    elements = {element for _shape, element in recommended_shapes(validation.shapes)}
    text = load_catalogue().get("cq15").path.read_text(encoding="utf-8")
    missing = sorted(e for e in elements if f"emkg:{str(e).rsplit('#', 1)[1]}" not in text)
    assert missing == [], f"queries/cq/cq15-missing-recommended-elements.rq: add {missing}"
