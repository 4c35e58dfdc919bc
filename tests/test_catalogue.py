"""The saved-query catalogue: every real query file is well described, and the header format holds.

The first tests iterate over the real ``queries/`` folder, so a new ``.rq`` without a header (or
with columns that are not its SELECT list, or a parameter an engine could not bind) fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

from emkg import paths
from emkg.catalogue import (
    KINDS,
    Catalogue,
    load_catalogue,
    read_entry,
    select_projection,
)
from emkg.engines import Engine
from emkg.errors import InputError, UsageError
from emkg.params import Resolver
from test_cq import curated_engines

QUERY_FILES = sorted(paths.queries_dir().rglob("*.rq"))


def test_the_queries_folder_holds_sixteen_cqs_and_some_checks() -> None:
    catalogue = load_catalogue()
    cq_ids = [e.id for e in catalogue.of_kind("cq")]
    assert [i[:4] for i in cq_ids] == [f"cq{n:02d}" for n in range(1, 17)]
    assert len(catalogue.of_kind("qc")) >= 5  # checks the shapes do not state (tests/test_qc.py)
    assert len(catalogue) == len(QUERY_FILES)


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_every_query_file_has_a_valid_header(path: Path) -> None:
    entry = read_entry(path)
    assert entry.id == path.stem
    assert entry.kind == path.parent.name in KINDS
    assert len(entry.title) >= 10
    assert len(entry.description) >= 40
    assert entry.columns
    if entry.kind == "qc":
        assert entry.id.endswith("-violation")
        assert entry.columns[0] == "node"
        assert "problem" in entry.columns


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_columns_are_the_select_list_as_rdflib_parses_it(path: Path) -> None:
    entry = read_entry(path)
    algebra = prepareQuery(entry.text).algebra
    assert tuple(str(v) for v in algebra["PV"]) == entry.columns


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_is_portable(path: Path) -> None:
    text = read_entry(path).text
    # Virtuoso mis-evaluates a query with two rdfs:subClassOf* paths: at most one per query
    assert text.count("rdfs:subClassOf*") <= 1
    # a class's subclasses are reached in the store, never listed in the query
    assert "SERVICE" not in text.upper()
    # every term in a cq result carries its label: each IRI column X has a column XLabel
    entry = read_entry(path)
    if entry.kind == "cq":
        for column in entry.columns:
            if column + "Label" in entry.columns:
                assert entry.columns.index(column + "Label") == entry.columns.index(column) + 1


@pytest.fixture(scope="session")
def resolver(dataset: Dataset) -> Resolver:
    engines: dict[str, Engine] = curated_engines(dataset)
    return Resolver(engines["oxigraph"])


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_every_parameter_default_and_example_resolves(path: Path, resolver: Resolver) -> None:
    entry = read_entry(path)
    for param in entry.params:
        for value in (*param.examples, *([param.default] if param.default else [])):
            assert resolver.resolve(param, value) is not None, (param.name, value)


# ---------------------------------------------------------------------------------------------
# the header format
# ---------------------------------------------------------------------------------------------

GOOD = """#+ id: cq99-example
#+ title: An example question
#+ description: What the example asks,
#+ description: on two lines.
#+ param: therapy
#+   type: class
#+   example: blinatumomab
#+   example: CAR-T
#+   description: The therapy.
#+ keywords: therapy, example
#+ columns: therapy, patient,
#+ columns: n

PREFIX emkg: <https://w3id.org/emkg/ontology#>
# SELECT ?notAColumn in a comment
SELECT DISTINCT ?therapy ?patient (COUNT(DISTINCT ?x) AS ?n)
WHERE {
  VALUES ?therapy { emkg:Blinatumomab }  # default
  ?x emkg:agent ?therapy ; emkg:ofPatient ?patient . FILTER (?x != <urn:a#b>) }
GROUP BY ?therapy ?patient
"""


def write(tmp_path: Path, text: str, name: str = "cq99-example.rq", kind: str = "cq") -> Path:
    folder = tmp_path / kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_header_is_read(tmp_path: Path) -> None:
    entry = read_entry(write(tmp_path, GOOD))
    assert entry.id == "cq99-example"
    assert entry.title == "An example question"
    assert entry.description == "What the example asks, on two lines."
    assert entry.columns == ("therapy", "patient", "n")
    (param,) = entry.params
    assert (param.name, param.type, param.default) == ("therapy", "class", "emkg:Blinatumomab")
    assert param.default_term == URIRef("https://w3id.org/emkg/ontology#Blinatumomab")
    assert param.examples == ("blinatumomab", "CAR-T")
    assert entry.keywords == ("therapy", "example")
    assert not param.optional
    assert "therapy (class; default emkg:Blinatumomab" in param.summary()
    # the default block goes when a value is given, and only then
    assert entry.text_for([]) == entry.text
    bound = entry.text_for(["therapy"])
    assert "VALUES" not in bound
    assert bound == entry.text.replace("  VALUES ?therapy { emkg:Blinatumomab }  # default\n", "")


XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    ("written", "term"),
    [
        ("<urn:x:a>", URIRef("urn:x:a")),
        ('"it\'s \\"odd\\""@EN-gb', Literal('it\'s "odd"', lang="en-gb")),
        ('"3"^^xsd:integer', Literal("3", datatype=URIRef(XSD + "integer"))),
        ("-12", Literal("-12", datatype=URIRef(XSD + "integer"))),
        ("0.5", Literal("0.5", datatype=URIRef(XSD + "decimal"))),
        ("true", Literal("true", datatype=URIRef(XSD + "boolean"))),
        ("'''a\nb'''", Literal("a\nb")),
    ],
)
def test_a_default_is_read_as_the_rdf_term_it_writes(
    tmp_path: Path, written: str, term: URIRef | Literal
) -> None:
    ptype = "string" if isinstance(term, Literal) else "iri"
    text = (
        GOOD.replace("emkg:Blinatumomab }", written + " }")
        .replace("#+   type: class", f"#+   type: {ptype}")
        .replace("PREFIX emkg:", "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\nPREFIX emkg:")
    )
    (param,) = read_entry(write(tmp_path, text)).params
    assert param.default_term == term


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_a_saved_query_states_each_default_once_in_its_text(path: Path) -> None:
    entry = read_entry(path)
    header = "".join(line for line in entry.text.splitlines(True) if line.startswith("#+"))
    assert "default:" not in header
    for param in entry.params:
        if param.default is None:
            continue
        (block,) = [b for b in entry.defaults if b.variable == param.name]
        assert entry.text[block.start : block.end].lstrip().startswith(f"VALUES ?{param.name} ")


BAD_HEADERS = {
    "no id": ("#+ id: cq99-example\n", "", "no 'id'"),
    "no title": ("#+ title: An example question\n", "", "no 'title'"),
    "id is not the stem": ("cq99-example\n", "cq98-other\n", "must be the file stem"),
    "columns differ": ("#+ columns: n", "#+ columns: count", "not the SELECT list"),
    "unknown key": ("#+ title:", "#+ heading:", "unknown header key 'heading'"),
    "unknown type": ("#+   type: class", "#+   type: colour", "is not one of"),
    "unknown param key": ("#+   type: class", "#+   kind: class", "unknown parameter key"),
    "no example": ("#+   example: blinatumomab\n#+   example: CAR-T\n", "", "an example"),
    "param not selected": ("param: therapy", "param: drug", "must be in the SELECT list"),
    "default in the header": (
        "#+   type: class",
        "#+   type: class\n#+   default: emkg:Blinatumomab",
        "write it as the block",
    ),
    "default of no parameter": ("VALUES ?therapy {", "VALUES ?patient {", "not a parameter"),
    "two values": ("emkg:Blinatumomab }", "emkg:Blinatumomab emkg:X }", "not one RDF term"),
    "undeclared prefix": ("{ emkg:Blinatumomab", "{ ex:Blinatumomab", "not declared"),
    "literal default of a class": ("{ emkg:Blinatumomab", '{ "x"', "does not fit type class"),
    "two-variable default": ("VALUES ?therapy {", "VALUES (?therapy) {", "binds one variable"),
    "select star": (
        "SELECT DISTINCT ?therapy ?patient (COUNT",
        "SELECT * WHERE {} #",
        r"SELECT \*",
    ),
    "of on a class": ("#+ param: therapy", "#+ param: therapy\n#+   of: emkg:Patient", "'of'"),
    "header not first": (
        "#+ id: cq99-example",
        "PREFIX ex: <urn:x>\n#+ id: cq99-example",
        "no 'id'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_HEADERS))
def test_a_bad_header_is_an_input_error(tmp_path: Path, case: str) -> None:
    old, new, message = BAD_HEADERS[case]
    assert old in GOOD
    with pytest.raises(InputError, match=message) as info:
        read_entry(write(tmp_path, GOOD.replace(old, new, 1)))
    assert str(tmp_path) in str(info.value)  # the error names the file
    assert info.value.exit_code == 2


def test_an_outer_values_clause_is_refused(tmp_path: Path) -> None:
    # the endpoint engine appends its own outer VALUES clause to bind parameters
    with pytest.raises(InputError, match="VALUES clause"):
        read_entry(write(tmp_path, GOOD + "VALUES ?therapy { emkg:Blinatumomab }\n"))


def test_kind_and_id_rules(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="end with -violation"):
        read_entry(write(tmp_path, GOOD.replace("cq99-example", "broken"), "broken.rq", "qc"))
    with pytest.raises(InputError, match="cq01-<slug>"):
        read_entry(write(tmp_path, GOOD.replace("cq99-example", "q-example"), "q-example.rq"))
    with pytest.raises(InputError, match="queries live in"):
        read_entry(write(tmp_path, GOOD, kind="misc"))


def test_stray_query_files_are_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    (tmp_path / "qc").mkdir()
    (tmp_path / "elsewhere.rq").write_text(GOOD, encoding="utf-8")
    with pytest.raises(InputError, match="outside queries/cq and queries/qc and queries/view"):
        load_catalogue(tmp_path)


def test_select_projection() -> None:
    text = """PREFIX ex: <http://example.org/ns#>
    # SELECT ?comment
    SELECT ?a ?b (SAMPLE(?c) AS ?d) ( CONCAT("?x", STR(?e)) AS ?f )
    FROM <http://example.org/g>
    WHERE { { SELECT ?inner WHERE { ?inner ?p ?o } } }"""
    assert select_projection(text) == ("a", "b", "d", "f")
    with pytest.raises(ValueError, match="SELECT"):
        select_projection("ASK { ?s ?p ?o }")


# ---------------------------------------------------------------------------------------------
# finding a query by id or prefix
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def test_an_exact_id_or_a_unique_prefix_finds_the_query(catalogue: Catalogue) -> None:
    assert catalogue.get("cq01-em-sites-after-therapy").id == "cq01-em-sites-after-therapy"
    assert catalogue.get("cq01").id == "cq01-em-sites-after-therapy"
    assert catalogue.get("offset-order").id == "offset-order-violation"


def test_an_ambiguous_prefix_lists_the_candidates(catalogue: Catalogue) -> None:
    with pytest.raises(UsageError) as info:
        catalogue.get("cq1")
    assert info.value.exit_code == 2
    for n in range(10, 16):
        assert f"cq{n}-" in str(info.value)


def test_an_unknown_id_suggests_close_ones(catalogue: Catalogue) -> None:
    with pytest.raises(InputError, match="no saved query 'cq01-em-site-after-therapy'") as info:
        catalogue.get("cq01-em-site-after-therapy")
    assert "cq01-em-sites-after-therapy" in str(info.value)
