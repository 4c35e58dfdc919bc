"""Parameter values: labels, CURIEs and IRIs resolved against the ontology; terms bound exactly.

A value never enters query text on the embedded engines: it is resolved to an RDF term and
handed to pyoxigraph's ``substitutions`` or rdflib's ``initBindings``. The endpoint engine's
VALUES binding is tested in test_query_cli.py, against a SPARQL server.
"""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import Dataset, Literal, URIRef

from emkg.catalogue import Param, load_catalogue
from emkg.engines import Engine
from emkg.errors import InputError
from emkg.params import TERM_TABLE_QUERY, Resolver, literal_value, parse_assignments
from emkg.runner import run_query
from test_cq import curated_engines

EMKG = "https://w3id.org/emkg/ontology#"
OBO = "http://purl.obolibrary.org/obo/"

# values that would break or change a query if they were pasted into its text
HOSTILE = (
    '"} ; DROP ALL #',
    "'} UNION { ?s ?p ?o } #",
    "a\tb\nc\r\nd",
    "x > y <z>",
    "{ } } {",
    "\\u0022 } #",
    "\\",
    "é 😀 \u2028 \x7f",
    "",
)


XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
XSD_DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")
XSD_BOOLEAN = URIRef("http://www.w3.org/2001/XMLSchema#boolean")
XSD_TOKEN = URIRef("http://www.w3.org/2001/XMLSchema#token")


def e(local: str) -> URIRef:
    return URIRef(EMKG + local)


@pytest.fixture(scope="session")
def engines(dataset: Dataset) -> dict[str, Engine]:
    return curated_engines(dataset)


@pytest.fixture(scope="session", params=["oxigraph", "rdflib"])
def resolver(request: pytest.FixtureRequest, engines: dict[str, Engine]) -> Resolver:
    return Resolver(engines[request.param])


# ---------------------------------------------------------------------------------------------
# resolution against the ontology
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("blinatumomab", e("Blinatumomab")),  # rdfs:label
        ("BLINATUMOMAB", e("Blinatumomab")),  # case-insensitive
        ("  Blinatumomab ", e("Blinatumomab")),  # surrounding space
        ("blina", e("Blinatumomab")),  # skos:altLabel
        ("CAR-T", e("CARTCellTherapy")),
        ("HSCT", e("HematopoieticStemCellTransplantation")),
        ("emkg:Blinatumomab", e("Blinatumomab")),  # CURIE
        (EMKG + "Tisagenlecleucel", e("Tisagenlecleucel")),  # IRI
        (f"<{EMKG}Tisagenlecleucel>", e("Tisagenlecleucel")),  # IRI in angle brackets
        ("UBERON:0000310", URIRef(OBO + "UBERON_0000310")),  # imported UBERON class
        ("uberon:0000310", URIRef(OBO + "UBERON_0000310")),
        ("obo:UBERON_0000310", URIRef(OBO + "UBERON_0000310")),
        ("breast", URIRef(OBO + "UBERON_0000310")),  # UBERON label
        ("NCIT:C15313", e("Radiotherapy")),  # skos:exactMatch
        ("MONDO:0020511", e("BCellAcuteLymphoblasticLeukemia")),  # skos:exactMatch
        ("NCIT:C126102", e("CARTCellTherapy")),  # skos:closeMatch
        ("central nervous system", URIRef(OBO + "UBERON_0001017")),  # a class, not the
        ("bone marrow", URIRef(OBO + "UBERON_0002371")),  # compartment individual
    ],
)
def test_a_class_parameter_resolves_to_one_class(
    resolver: Resolver, value: str, expected: URIRef
) -> None:
    assert resolver.resolve_term(value, "class") == expected


class _Counting:
    """An engine that counts the queries it is sent, which the term table is one of."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.name, self.sent = engine, engine.name, []
        self.filters_after_scan = getattr(engine, "filters_after_scan", False)

    def select(self, query: str, bindings: Any = None) -> Any:
        self.sent.append("table" if query == TERM_TABLE_QUERY else "match")
        return self.engine.select(query, bindings)


@pytest.mark.parametrize(
    ("engine_name", "sent"), [("oxigraph", ["match"] * 3), ("rdflib", ["table"])]
)
def test_values_are_matched_in_the_store_where_it_narrows_else_in_one_table(
    engines: dict[str, Engine], engine_name: str, sent: list[str]
) -> None:
    """Oxigraph answers the match query from a few rows; rdflib's engine reads every row of
    the table for it (0.5 s of CPU a value on the curated graph), so there the table is read
    once and each further value is matched in it."""
    counting = _Counting(engines[engine_name])
    resolver = Resolver(counting)  # type: ignore[arg-type]
    found = [resolver.resolve_term(v, "class") for v in ("blinatumomab", "HSCT", "NCIT:C15313")]
    assert found == [
        e("Blinatumomab"),
        e("HematopoieticStemCellTransplantation"),
        e("Radiotherapy"),
    ]
    assert counting.sent == sent


def test_a_term_parameter_also_takes_named_individuals(resolver: Resolver) -> None:
    assert resolver.resolve_term("absent when assessed", "term") == e("AbsentWhenAssessed")
    with pytest.raises(InputError, match="is not the label of an ontology class"):
        resolver.resolve_term("absent when assessed", "class")


def test_an_ambiguous_value_lists_the_candidates(resolver: Resolver) -> None:
    # "bone marrow" labels the UBERON class, the marrow compartment and the marrow graft source
    with pytest.raises(InputError, match="ambiguous: 3 terms") as info:
        resolver.resolve_term("bone marrow", "term")
    message = str(info.value)
    for curie in ("UBERON:0002371", "emkg:MedullaryCompartment", "emkg:BoneMarrowGraft"):
        assert curie in message
    assert "CURIE or IRI" in message


def test_an_unknown_label_is_an_input_error_with_close_matches(resolver: Resolver) -> None:
    with pytest.raises(InputError, match="is not the label of an ontology class") as info:
        resolver.resolve_term("blinatumomb", "class")
    assert "'blinatumomab' = emkg:Blinatumomab" in str(info.value)
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    "value",
    ["emkg:Blinatumumab", EMKG + "Nothing", "UBERON:9999999", "NCIT:C00000", "doi:10.1/x"],
)
def test_an_unknown_iri_or_curie_is_an_input_error(resolver: Resolver, value: str) -> None:
    with pytest.raises(InputError, match="is not an ontology class"):
        resolver.resolve_term(value, "class")


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_label_fails_cleanly(resolver: Resolver, value: str) -> None:
    with pytest.raises(InputError):
        resolver.resolve_term(value, "class")


@pytest.mark.parametrize(
    "value",
    [
        "<http://example.org/x> } ; DROP ALL #>",
        "<http://example.org/a b>",
        '<http://example.org/"quote">',
        "<http://example.org/{x}>",
        "<not an iri>",
    ],
)
def test_a_hostile_iri_fails_cleanly(resolver: Resolver, value: str) -> None:
    with pytest.raises(InputError, match="not an absolute IRI"):
        resolver.resolve_term(value, "class")


# ---------------------------------------------------------------------------------------------
# instances (iri parameters)
# ---------------------------------------------------------------------------------------------

PATIENT = "https://w3id.org/emkg/data/johns2024/case1/patient"


@pytest.mark.parametrize("value", ["Case one", "case ONE", "data:johns2024/case1/patient", PATIENT])
def test_an_instance_resolves_by_case_label_curie_or_iri(resolver: Resolver, value: str) -> None:
    assert resolver.resolve_instance(value, "emkg:Patient") == URIRef(PATIENT)


def test_an_unknown_instance_lists_candidates(resolver: Resolver) -> None:
    with pytest.raises(
        InputError, match="no instance of emkg:Patient is called 'Case nine'"
    ) as info:
        resolver.resolve_instance("Case nine", "emkg:Patient")
    assert "Case one" in str(info.value)
    finding = "https://w3id.org/emkg/data/johns2024/case1/f-t3"
    with pytest.raises(InputError, match="is not an instance of emkg:Patient"):
        resolver.resolve_instance(finding, "emkg:Patient")
    with pytest.raises(InputError, match="not an absolute IRI"):
        resolver.resolve_instance('<http://x/"> }>', "emkg:Patient")


# ---------------------------------------------------------------------------------------------
# literal parameters
# ---------------------------------------------------------------------------------------------


def param(ptype: str) -> Param:
    return Param(name="value", type=ptype, description="a value", examples=("x",))


@pytest.mark.parametrize(
    ("ptype", "raw", "expected"),
    [
        ("string", '"} ; DROP ALL #', Literal('"} ; DROP ALL #')),
        ("integer", " 042 ", Literal("42", datatype=XSD_INTEGER)),
        ("decimal", "0.660", Literal("0.66", datatype=XSD_DECIMAL)),
        ("decimal", "3", Literal("3.0", datatype=XSD_DECIMAL)),
        ("boolean", "Yes", Literal("true", datatype=XSD_BOOLEAN)),
        ("boolean", "0", Literal("false", datatype=XSD_BOOLEAN)),
    ],
)
def test_literal_parameters(ptype: str, raw: str, expected: Literal) -> None:
    value = literal_value(param(ptype), raw)
    assert value == expected
    assert str(value) == str(expected)


@pytest.mark.parametrize(
    ("ptype", "raw"), [("integer", "1.5"), ("decimal", "NaN"), ("boolean", "y")]
)
def test_invalid_literal_parameters(ptype: str, raw: str) -> None:
    with pytest.raises(InputError, match=f"is not a valid {ptype}"):
        literal_value(param(ptype), raw)


def test_assignments_are_parsed() -> None:
    assert parse_assignments(["therapy=CD19-directed therapy", "x=a=b", "y="]) == {
        "therapy": "CD19-directed therapy",
        "x": "a=b",
        "y": "",
    }
    with pytest.raises(InputError, match="is not NAME=VALUE"):
        parse_assignments(["therapy"])
    with pytest.raises(InputError, match="given twice"):
        parse_assignments(["a=1", "a=2"])


def test_bindings_use_defaults_and_refuse_unknown_names(resolver: Resolver) -> None:
    catalogue = load_catalogue()
    cq01, cq09 = catalogue.get("cq01"), catalogue.get("cq09")
    assert resolver.bindings(cq01, {}) == {"therapy": e("Blinatumomab")}
    assert resolver.bindings(cq01, {"therapy": "CAR-T"}) == {"therapy": e("CARTCellTherapy")}
    assert resolver.bindings(cq09, {}) == {}  # optional: every patient
    with pytest.raises(InputError, match="has no parameter 'drug'") as info:
        resolver.bindings(cq01, {"drug": "blinatumomab"})
    assert "therapy" in str(info.value)


# ---------------------------------------------------------------------------------------------
# terms are bound exactly by each engine's binding API
# ---------------------------------------------------------------------------------------------

ROUND_TRIP = "SELECT ?value WHERE { }"


@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_literal_round_trips_through_the_binding(
    engines: dict[str, Engine], engine_name: str, value: str
) -> None:
    engine = engines[engine_name]
    for term in (Literal(value), Literal(value, lang="en"), Literal(value, datatype=XSD_TOKEN)):
        table = engine.select(ROUND_TRIP, {"value": term})
        assert table.rows == ((term,),)


@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(
    "iri",
    [
        "http://example.org/a?b=c&d='e'#f",
        "http://example.org/é/😀",
        "urn:x:%22%7D%20;DROP",
        "https://doi.org/10.1016/S2352-3026(21)00238-6",
    ],
)
def test_an_iri_round_trips_through_the_binding(
    engines: dict[str, Engine], engine_name: str, iri: str
) -> None:
    table = engines[engine_name].select(ROUND_TRIP, {"value": URIRef(iri)})
    assert table.rows == ((URIRef(iri),),)


LABELLED = "SELECT ?value ?term WHERE { ?term <http://www.w3.org/2000/01/rdf-schema#label> ?value }"


@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib"])
def test_a_hostile_value_cannot_change_the_query(
    engines: dict[str, Engine], engine_name: str
) -> None:
    # bound as a term, a hostile value is only compared with the data: the query runs unchanged
    # and matches nothing, while a real label bound the same way matches its term
    engine = engines[engine_name]
    for value in HOSTILE:
        table = engine.select(LABELLED, {"value": Literal(value)})
        assert table.columns == ("value", "term")
        assert len(table) == 0
    table = engine.select(LABELLED, {"value": Literal("blinatumomab", lang="en")})
    assert table.rows == ((Literal("blinatumomab", lang="en"), e("Blinatumomab")),)


def test_resolved_parameters_reach_the_query(engines: dict[str, Engine]) -> None:
    entry = load_catalogue().get("cq01")
    engine: Any = engines["oxigraph"]
    table = run_query(entry, {"therapy": "BiTE"}, engine)  # altLabel of blinatumomab
    assert set(table.column("therapy")) == {e("Blinatumomab")}
    assert set(table.column("therapyLabel")) == {Literal("blinatumomab", lang="en")}
