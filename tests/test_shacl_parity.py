"""pySHACL is the reference: the oxigraph engine gives the same results on the curated graph and
on every shape fixture (focus node, path, constraint component, severity, shape, value, named
constraint), result for result.

Literal values are compared by value: Oxigraph stores a literal of a known datatype in its
canonical form (``"P1100M"^^xsd:duration`` reads back as ``"P91Y8M"``), which is the same value.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from emkg.shacl_oxigraph import Compiler, UnsupportedShapes
from emkg.validate import (
    SourceFile,
    Validation,
    ontology_graph,
    project_inputs,
    read_shapes,
    read_sources,
    validate,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
CONTEXT = FIXTURES / "_context.ttl"

Key = tuple[str, str, str, str, str, str, str]


@cache
def shapes() -> Graph:
    return read_shapes()


@cache
def ontology() -> Graph:
    return ontology_graph()


def _node(node: Node | None, graph: Graph) -> str:
    if node is None:
        return ""
    if isinstance(node, Literal):
        value = node.value if node.value is not None else str(node)
        if isinstance(value, Decimal):  # 0.20 and 0.2 are one xsd:decimal value
            value = value.normalize()
        return f"{value!r}^^{node.datatype}@{node.language}"
    if isinstance(node, BNode) and (node, None, None) in graph:
        # a path or a shape of the shapes graph: compare its structure
        if (node, SH.path, None) in graph:
            return "shape " + Compiler(graph).path(graph.value(node, SH.path))  # type: ignore[arg-type]
        try:
            return "path " + Compiler(graph).path(node)
        except UnsupportedShapes:
            return "a blank node of the shapes graph"
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def keys(validation: Validation) -> Counter[Key]:
    g = validation.shapes
    return Counter(
        (
            _node(r.focus, g),
            _node(r.path, g),
            str(r.component),
            str(r.severity),
            _node(r.shape, g),
            _node(r.value, g),
            _node(r.constraint, g),
        )
        for r in validation.results
    )


def both(sources: list[SourceFile], onto: Graph) -> tuple[Validation, Validation]:
    reference = validate(sources, shapes(), onto, engine="pyshacl")
    fast = validate(sources, shapes(), onto, engine="oxigraph")
    assert reference.engine == "pyshacl"
    assert fast.engine == "oxigraph"
    return reference, fast


def test_curated_graph_same_results_on_both_engines() -> None:
    sources, onto = project_inputs()
    reference, fast = both(sources, onto)
    assert keys(fast) == keys(reference)
    assert fast.conforms == reference.conforms
    assert [r.message for r in fast.results] == [r.message for r in reference.results]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.ttl")))
def test_every_fixture_same_results_on_both_engines(name: str) -> None:
    files = [CONTEXT] if name == CONTEXT.name else [CONTEXT, FIXTURES / name]
    reference, fast = both(read_sources(files), ontology())
    assert reference.results or name.endswith((".valid.ttl", "_context.ttl")), "nothing compared"
    assert keys(fast) == keys(reference)


def test_auto_engine_is_oxigraph_for_the_project_shapes() -> None:
    validation = validate(read_sources([CONTEXT]), shapes(), ontology())
    assert validation.engine == "oxigraph"


def test_a_shared_sparql_target_is_found_once_and_leaves_the_store_as_it_was() -> None:
    """emkgsh:CuratedLiterals scans every literal for its target and has six constraints: the
    scan runs once per validation (its focus nodes in a scratch graph), the six constraints
    still fire on the invalid fixture as pySHACL's do (the parity tests above), and the store
    holds exactly its quads again afterwards."""
    from emkg.shacl_oxigraph import Plan, store_from_graph
    from emkg.validate import hierarchy

    plan = Plan(shapes())
    shared = [plan.targets[n][0] for n in plan.materialized]
    curated = [q for q in plan.queries if str(q.shape).endswith("#CuratedLiterals")]
    assert len(curated) == 6
    scan = next(target for target in shared if "REGEX" in target)
    assert all("/validate/target/" in q.text and scan not in q.text for q in curated)
    data = hierarchy(ontology())
    for source in read_sources([CONTEXT, FIXTURES / "deidentification.invalid.ttl"]):
        data += source.graph
    store = store_from_graph(data)
    before = set(store)
    rows = plan.run(store)
    fired = {str(r.constraint).rsplit("#", 1)[-1] for r in rows if r.shape == curated[0].shape}
    assert fired >= {
        "NoCalendarDateLiteral", "NoDateInText", "NoEmailAddress", "NoPhoneNumber",
        "NoSocialSecurityNumber", "NoMedicalRecordNumber",
    }  # fmt: skip
    assert set(store) == before
    assert list(store.named_graphs()) == []
    assert before


def test_the_queries_of_a_target_with_no_focus_node_are_not_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A class, node, subjects-of or objects-of target with no focus node in the store: its
    queries are left out (one ``ASK`` each instead), and the rows are those of running every
    query. Worked out by hand: ex:a1 is an ex:A without ex:p (sh:minCount 1 fails); no node is
    an ex:B or has ex:q, so those shapes' queries are not run; ex:missing is a target node
    though no triple names it (SHACL validates it all the same: not an ex:A, sh:class fails)."""
    from emkg.shacl_oxigraph import Plan, store_from_graph

    prefixes = """@prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <https://example.org/> .
    """
    rules = Graph().parse(
        data=prefixes
        + """
        ex:AShape a sh:NodeShape ; sh:targetClass ex:A ;
            sh:property [ sh:path ex:p ; sh:minCount 1 ] .
        ex:BShape a sh:NodeShape ; sh:targetClass ex:B ;
            sh:property [ sh:path ex:p ; sh:minCount 1 ] .
        ex:QShape a sh:NodeShape ; sh:targetSubjectsOf ex:q ;
            sh:property [ sh:path ex:p ; sh:minCount 1 ] .
        ex:NodeShape a sh:NodeShape ; sh:targetNode ex:missing ; sh:class ex:A .
        """,
        format="turtle",
    )
    data = Graph().parse(data=prefixes + "ex:a1 a ex:A ; ex:r 1 .", format="turtle")
    plan = Plan(rules)
    store = store_from_graph(data)
    skipped = {plan.queries[i].shape for i in plan._of_empty_targets(store)}
    ex = "https://example.org/"
    assert skipped == {rules.value(URIRef(ex + s), SH.property) for s in ("BShape", "QShape")}
    rows = plan.run(store)
    found = {(str(r.focus).rsplit("/", 1)[-1], str(r.component).rsplit("#", 1)[-1]) for r in rows}
    assert found == {("a1", "MinCountConstraintComponent"), ("missing", "ClassConstraintComponent")}
    monkeypatch.setattr(Plan, "_of_empty_targets", lambda _plan, _store: iter(()))
    assert plan.run(store) == rows
