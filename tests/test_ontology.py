"""The ontology: header, labels and definitions, checked mappings, the class hierarchy, and
that every project or ontology term the graph, shapes and queries use is declared."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from emkg import build, paths

EMKG = Namespace("https://w3id.org/emkg/ontology#")
OBO = "http://purl.obolibrary.org/obo/"
ONTOLOGY_IRI = URIRef("https://w3id.org/emkg/ontology")
UBERON_IMPORT = URIRef("https://w3id.org/emkg/ontology/imports/uberon")
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")

#: Namespaces whose terms must be declared in the ontology or its imports. Standard
#: vocabularies (RDF, RDFS, OWL, XSD, SKOS, DCTERMS, PROV-O, OA, SHACL, ...) are not checked.
CHECKED_NAMESPACES = ("https://w3id.org/emkg/ontology", OBO)

#: Prefixes a query may use without declaring them (the usual ones of this project).
DEFAULT_PREFIXES = {
    "emkg": str(EMKG),
    "obo": OBO,
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "sh": str(SH),
}

MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(paths.ontology_file(), format="turtle")


@pytest.fixture(scope="module")
def onto_and_imports() -> Graph:
    g = Graph()
    for path in build.ontology_files():
        g.parse(path, format="turtle")
    return g


@pytest.fixture(scope="module")
def terms_rows() -> list[dict[str, str]]:
    found = paths.shared_terms_dir()
    if found is None or not (found / "terms.tsv").is_file():
        pytest.skip("../shared/terms/terms.tsv is not beside the checkout")
    with (found / "terms.tsv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _own_terms(g: Graph) -> set[URIRef]:
    return {
        s
        for s in g.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(str(EMKG))
    }


# ---------------------------------------------------------------------------
# Header
# ---------------------------------------------------------------------------


def test_header(onto: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in onto
    version_iri = onto.value(ONTOLOGY_IRI, OWL.versionIRI)
    version = onto.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert version_iri is not None
    assert version is not None
    assert str(version_iri) == f"{ONTOLOGY_IRI}/{version}"
    assert onto.value(ONTOLOGY_IRI, DCTERMS.license) == CC_BY_4
    assert onto.value(ONTOLOGY_IRI, DCTERMS.title) is not None
    assert onto.value(ONTOLOGY_IRI, DCTERMS.description) is not None
    assert (ONTOLOGY_IRI, OWL.imports, UBERON_IMPORT) in onto


def test_the_import_is_the_ontology_it_names(onto: Graph) -> None:
    imported = Graph().parse(paths.imports_dir() / "uberon.ttl", format="turtle")
    assert (UBERON_IMPORT, RDF.type, OWL.Ontology) in imported
    assert set(onto.objects(ONTOLOGY_IRI, OWL.imports)) == {UBERON_IMPORT}


#: SNOMED CT concepts are mapped by their standard URI; terms.tsv writes them SCTID:<code>
SNOMED = "http://snomed.info/id/"
#: the ontology's record of the SNOMED CT edition its codes were checked in
SNOMED_CT = "http://snomed.info/sct"


def _prefix_of(iri: str) -> str:
    return iri[len(OBO) :].split("_", 1)[0]


def test_versions_of_aligned_ontologies_are_recorded(
    onto: Graph, terms_rows: list[dict[str, str]]
) -> None:
    """Each external ontology mapped to (and UBERON) has a record naming every
    repository@commit its identifiers were checked in (terms.tsv, verified_in)."""
    records = {
        "SCTID" if str(src) == SNOMED_CT else _prefix_of(str(src)).removesuffix(".owl").upper(): src
        for src in onto.objects(ONTOLOGY_IRI, DCTERMS.source)
    }
    verified_in: dict[str, set[str]] = defaultdict(set)
    for row in terms_rows:
        for part in row["verified_in"].split(" ; "):
            m = re.match(r"([\w.-]+/[\w.-]+@[0-9a-f]{40})", part.strip())
            if m and row["curie"]:
                verified_in[row["curie"]].add(m.group(1))
    mapped: dict[str, set[str]] = defaultdict(set)
    for prop in MAPPINGS:
        for _s, target in onto.subject_objects(prop):
            curie = _curie(str(target))
            mapped[curie.split(":")[0]] |= verified_in[curie]
    for row in terms_rows:
        if row["curie"].startswith("UBERON:"):
            mapped["UBERON"] |= verified_in[row["curie"]]
    assert set(mapped) <= set(records), f"no version record for {set(mapped) - set(records)}"
    for prefix, commits in mapped.items():
        text = str(onto.value(records[prefix], OWL.versionInfo))
        missing = sorted(c for c in commits if c not in text)
        assert not missing, f"{prefix}: version record lacks {missing}"


# ---------------------------------------------------------------------------
# Labels, definitions, declarations
# ---------------------------------------------------------------------------


def unlabelled_or_undefined(g: Graph) -> list[str]:
    """Own terms without an rdfs:label or a skos:definition."""
    return sorted(
        t.n3(g.namespace_manager)
        for t in _own_terms(g)
        if not isinstance(g.value(t, RDFS.label), Literal)
        or not isinstance(g.value(t, SKOS.definition), Literal)
    )


def test_every_own_term_has_a_label_and_a_definition(onto: Graph) -> None:
    assert len(_own_terms(onto)) > 300
    missing = unlabelled_or_undefined(onto)
    assert not missing, f"without rdfs:label or skos:definition: {missing}"


def test_a_term_without_label_or_definition_is_caught() -> None:
    g = Graph().parse(
        data="""@prefix emkg: <https://w3id.org/emkg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
emkg:Good a owl:Class ; rdfs:label "good"@en ; skos:definition "Fine."@en .
emkg:NoDefinition a owl:Class ; rdfs:label "no definition"@en .
emkg:noLabel a owl:ObjectProperty ; skos:definition "Has no label."@en .
""",
        format="turtle",
    )
    assert unlabelled_or_undefined(g) == ["emkg:NoDefinition", "emkg:noLabel"]


def test_every_own_class_and_property_is_labelled_in_english_once(onto: Graph) -> None:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    for kind in kinds:
        for term in onto.subjects(RDF.type, kind):
            if not str(term).startswith(str(EMKG)):
                continue
            labels = [lab for lab in onto.objects(term, RDFS.label) if isinstance(lab, Literal)]
            assert [lab.language for lab in labels] == ["en"], term


def test_every_own_term_the_ontology_mentions_is_declared(onto: Graph) -> None:
    declared = _own_terms(onto)
    mentioned = {
        node
        for triple in onto
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(str(EMKG))
    }
    assert mentioned - declared == set()


def test_every_value_set_member_is_declared_distinct(onto: Graph) -> None:
    value_sets = set(onto.subjects(RDFS.subClassOf, EMKG.ValueSetMember))
    members = {m for vs in value_sets for m in onto.subjects(RDF.type, vs)}
    distinct: dict[object, int] = defaultdict(int)
    for node in onto.subjects(RDF.type, OWL.AllDifferent):
        head = onto.value(node, OWL.distinctMembers)
        assert head is not None
        for m in onto.items(head):
            assert isinstance(m, URIRef)
            distinct[m] += 1
    disjoint: set[object] = set()
    for node in onto.subjects(RDF.type, OWL.AllDisjointClasses):
        head = onto.value(node, OWL.members)
        assert head is not None
        disjoint |= set(onto.items(head))
    assert value_sets <= disjoint
    singletons = {
        m
        for vs in value_sets
        if len(set(onto.subjects(RDF.type, vs))) == 1
        for m in onto.subjects(RDF.type, vs)
    }
    assert {m for m in members if distinct[m] != 1} == singletons


# ---------------------------------------------------------------------------
# Mappings: only checked identifiers, with the right kind of match
# ---------------------------------------------------------------------------

_STATUS = re.compile(r"^(VERIFIED-WEAK|VERIFIED|UNVERIFIED)")


def _mappings(onto: Graph) -> Iterator[tuple[URIRef, URIRef, str]]:
    for prop in MAPPINGS:
        for subject, target in onto.subject_objects(prop):
            assert isinstance(subject, URIRef)
            assert isinstance(target, URIRef)
            yield subject, prop, _curie(str(target))


def _curie(iri: str) -> str:
    if iri.startswith(SNOMED):
        return "SCTID:" + iri[len(SNOMED) :]
    return iri[len(OBO) :].replace("_", ":", 1)


def mapping_problems(onto: Graph, terms_rows: list[dict[str, str]]) -> list[str]:
    """Mappings to codes that terms.tsv does not mark as checked, weak ones without a note,
    and mappings whose kind contradicts what the table says of the code."""
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in terms_rows:
        if row["curie"]:
            rows[row["curie"]].append(row)
    problems: list[str] = []
    for subject, prop, curie in _mappings(onto):
        name = f"{subject.n3(onto.namespace_manager)} {prop.n3(onto.namespace_manager)} {curie}"
        if curie not in rows:
            problems.append(f"{name}: identifier not in terms.tsv")
            continue
        statuses = {m.group(1) for r in rows[curie] if (m := _STATUS.match(r["notes"]))}
        notes = " ".join(r["notes"] for r in rows[curie])
        if not statuses or statuses == {"UNVERIFIED"}:
            problems.append(f"{name}: not marked as checked")
        if statuses == {"VERIFIED-WEAK"}:
            remarks = " ".join(str(n) for n in onto.objects(subject, SKOS.editorialNote))
            if curie not in remarks:
                problems.append(f"{name}: single secondary source without an editorial note")
        if ("BROADER" in notes or "PARENT" in notes) and prop not in (
            SKOS.broadMatch,
            SKOS.relatedMatch,
        ):
            problems.append(f"{name}: the table says the code is broader")
        elif any(k in notes for k in ("RELATED", "SALT FORM", "SPECIMEN", "DIFFERENT")) and (
            prop != SKOS.relatedMatch
        ):
            problems.append(f"{name}: the table says the code is only related")
        if "PRODUCT-SPECIFIC" in notes and prop not in (SKOS.narrowMatch, SKOS.relatedMatch):
            problems.append(f"{name}: the table says the code is one product")
    return problems


def test_every_mapping_is_checked_and_of_the_right_kind(
    onto: Graph, terms_rows: list[dict[str, str]]
) -> None:
    assert len(list(_mappings(onto))) > 60
    problems = mapping_problems(onto, terms_rows)
    assert not problems, "\n".join(problems)


def test_wrong_mappings_are_caught(terms_rows: list[dict[str, str]]) -> None:
    g = Graph()
    g.bind("emkg", EMKG)
    obo = Namespace(OBO)
    g.add((EMKG.ICANS, SKOS.exactMatch, obo.NCIT_C27961))  # BROADER in the table
    g.add((EMKG.Vincristine, SKOS.closeMatch, obo.NCIT_C933))  # weak, and no note
    g.add((EMKG.CytomegalovirusViremia, SKOS.closeMatch, obo.MONDO_0005132))  # RELATED
    g.add((EMKG.Blinatumomab, SKOS.exactMatch, obo.NCIT_C62528))  # UNVERIFIED: not listed
    problems = mapping_problems(g, terms_rows)
    assert len(problems) == 4, problems
    assert any("broader" in p for p in problems)
    assert any("editorial note" in p for p in problems)
    assert any("only related" in p for p in problems)
    assert any("not in terms.tsv" in p for p in problems)


def test_no_two_exact_matches_into_one_ontology_disagree(onto: Graph) -> None:
    """An exact match is transitive: two own terms exactly matching one code would be one."""
    owners: dict[str, set[URIRef]] = defaultdict(set)
    for subject, prop, curie in _mappings(onto):
        if prop == SKOS.exactMatch:
            owners[curie].add(subject)
    assert {c: s for c, s in owners.items() if len(s) > 1} == {}


# ---------------------------------------------------------------------------
# Class questions go through the hierarchy (SPARQL property path, ontology + imports)
# ---------------------------------------------------------------------------

_SUBCLASSES = """
SELECT ?c WHERE { ?c rdfs:subClassOf* ?top . FILTER(isIRI(?c)) }
"""


def _subclasses(g: Graph, top: URIRef) -> set[object]:
    return {row[0] for row in g.query(_SUBCLASSES, initBindings={"top": top})}  # type: ignore[index]


U = Namespace(OBO)


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (
            EMKG.CD19DirectedTherapy,
            {EMKG.Blinatumomab, EMKG.Tisagenlecleucel, EMKG.CD19CD22BispecificCARTCellTherapy},
        ),
        (
            EMKG.CD22DirectedTherapy,
            {EMKG.InotuzumabOzogamicin, EMKG.CD19CD22BispecificCARTCellTherapy},
        ),
        (U.UBERON_0001474, {U.UBERON_0004628}),  # bone element <- thoracic vertebra 3
        (U.UBERON_0000029, {U.UBERON_0035371}),  # lymph node <- retroperitoneal lymph node
        (EMKG.HematopoieticStemCellTransplantation, {EMKG.AlphaBetaDepletedHaploidenticalHSCT}),
        (EMKG.CARTCellTherapy, {EMKG.Tisagenlecleucel, EMKG.CD19CD22BispecificCARTCellTherapy}),
        (EMKG.ImagingMethod, {EMKG.PETCT, EMKG.PETMRI, EMKG.ContrastEnhancedMRI}),
        (EMKG.AcuteLymphoblasticLeukemia, {EMKG.BCellAcuteLymphoblasticLeukemia}),
    ],
)
def test_class_questions_reach_subclasses(
    onto_and_imports: Graph, top: URIRef, expected: set[URIRef]
) -> None:
    found = _subclasses(onto_and_imports, top)
    assert expected <= found, f"missing under {top}: {expected - found}"


def test_the_antigen_of_a_kind_of_therapy_is_found_through_the_hierarchy(
    onto_and_imports: Graph,
) -> None:
    query = """SELECT ?c WHERE { ?c rdfs:subClassOf*/emkg:targetsAntigen ?antigen }"""
    by_antigen = {
        antigen: {
            row[0]
            for row in onto_and_imports.query(  # type: ignore[index]
                query, initNs={"emkg": EMKG}, initBindings={"antigen": antigen}
            )
        }
        for antigen in (EMKG.CD19, EMKG.CD22)
    }
    bispecific = EMKG.CD19CD22BispecificCARTCellTherapy
    assert {EMKG.Blinatumomab, EMKG.Tisagenlecleucel, bispecific} <= by_antigen[EMKG.CD19]
    assert {EMKG.InotuzumabOzogamicin, bispecific} <= by_antigen[EMKG.CD22]
    assert EMKG.InotuzumabOzogamicin not in by_antigen[EMKG.CD19]


@pytest.mark.parametrize(
    ("top", "outside"),
    [
        (EMKG.CD22DirectedTherapy, {EMKG.Blinatumomab, EMKG.Tisagenlecleucel}),
        (EMKG.CD19DirectedTherapy, {EMKG.InotuzumabOzogamicin}),
        (U.UBERON_0001474, {U.UBERON_0001270}),  # bony pelvis is not a bone element
    ],
)
def test_class_questions_do_not_overreach(
    onto_and_imports: Graph, top: URIRef, outside: set[URIRef]
) -> None:
    assert not outside & _subclasses(onto_and_imports, top)


# ---------------------------------------------------------------------------
# Every project or ontology term used by kg/, shapes/ and queries/ is declared
# ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r'(?P<lstring>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\')'
    r'|(?P<string>"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r"|(?P<comment>#[^\n]*)"
)
_PREFIX_DECL = re.compile(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>")
_PNAME = re.compile(r"(?<![\w?$:.\-])([A-Za-z](?:[\w.-]*\w)?)?:((?:\w|-|\.(?=[\w-]))+)")


def sparql_iris(text: str, fallback: dict[str, str] | None = None) -> tuple[set[str], set[str]]:
    """The IRIs a SPARQL text names, written out or as prefixed names resolved with its own
    PREFIX declarations (then ``fallback``). Strings and comments are skipped. Returns the
    IRIs and the prefixes that could not be resolved."""
    prefixes: dict[str, str] = {}
    iris: set[str] = set()
    code: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        code.append(text[pos : m.start()])
        if m.lastgroup == "iri":
            code.append(m.group(0))
        else:
            code.append(" " * (m.end() - m.start()))
        pos = m.end()
    code.append(text[pos:])
    cleaned = "".join(code)
    for m in _PREFIX_DECL.finditer(cleaned):
        prefixes[m.group(1) or ""] = m.group(2)
    cleaned = _PREFIX_DECL.sub(" ", cleaned)
    for m in re.finditer(r'<([^<>"{}|^`\\\s]*)>', cleaned):
        iris.add(m.group(1))
    cleaned = re.sub(r'<[^<>"{}|^`\\\s]*>', " ", cleaned)
    unresolved: set[str] = set()
    table = {**(fallback or {}), **prefixes}
    for m in _PNAME.finditer(cleaned):
        prefix, local = m.group(1) or "", m.group(2)
        if prefix in table:
            iris.add(table[prefix] + local)
        else:
            unresolved.add(prefix)
    return iris, unresolved


def _graph_iris(g: Graph) -> set[str]:
    found: set[str] = set()
    for triple in g:
        for node in triple:
            if isinstance(node, URIRef):
                found.add(str(node))
            elif isinstance(node, Literal) and node.datatype is not None:
                found.add(str(node.datatype))
    return found


def _shape_sparql_iris(g: Graph) -> tuple[set[str], set[str]]:
    """IRIs inside SHACL-SPARQL constraint strings, with the prefixes sh:declare gives."""
    declared = {str(p): str(ns) for p, ns in g.namespaces()}
    for decl in g.objects(None, SH.declare):
        prefix, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
        if prefix is not None and ns is not None:
            declared[str(prefix)] = str(ns)
    iris: set[str] = set()
    unresolved: set[str] = set()
    for pred in (SH.select, SH.ask, SH.construct, SH.update):
        for text in g.objects(None, pred):
            found, missing = sparql_iris(str(text), {**DEFAULT_PREFIXES, **declared})
            iris |= found
            unresolved |= missing
    return iris, unresolved


def used_terms(
    kg: Iterable[Path], shapes: Iterable[Path], queries: Iterable[Path]
) -> dict[str, set[str]]:
    """IRI (or ``prefix:`` for an unresolvable prefix) -> the files that use it."""
    uses: dict[str, set[str]] = defaultdict(set)
    for path in [*kg, *shapes]:
        g = Graph().parse(path, format="turtle")
        found = _graph_iris(g)
        sparql, unresolved = _shape_sparql_iris(g)
        for iri in found | sparql:
            uses[iri].add(str(path))
        for prefix in unresolved:
            uses[f"{prefix}:"].add(str(path))
    for path in queries:
        found, unresolved = sparql_iris(path.read_text(encoding="utf-8"), DEFAULT_PREFIXES)
        for iri in found:
            uses[iri].add(str(path))
        for prefix in unresolved:
            uses[f"{prefix}:"].add(str(path))
    return uses


def declared_terms(g: Graph) -> set[str]:
    found = {str(s) for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)}
    for pred in (OWL.versionIRI, OWL.imports):
        found |= {str(o) for o in g.objects(None, pred)}
    return found


def undeclared(uses: dict[str, set[str]], declared: set[str]) -> dict[str, set[str]]:
    """The used IRIs of the checked namespaces that are not declared, and the prefixes
    that could not be resolved (written ``prefix:``), each with the files using them."""

    def bad(iri: str) -> bool:
        if iri.endswith(":") and "/" not in iri:  # an unresolvable prefix
            return True
        return (
            iri.startswith(CHECKED_NAMESPACES)
            and iri not in declared
            and iri not in (str(EMKG), OBO)  # a bare namespace, as in STRSTARTS(..., str(emkg:))
        )

    return {iri: files for iri, files in uses.items() if bad(iri)}


def _project_files(root: Path) -> tuple[list[Path], list[Path], list[Path]]:
    return (
        sorted((root / "kg").glob("*.ttl")),
        sorted((root / "shapes").glob("*.ttl")),
        sorted((root / "queries").glob("**/*.rq")),
    )


def test_terms_used_by_kg_shapes_and_queries_are_declared(onto_and_imports: Graph) -> None:
    kg, shapes, queries = _project_files(paths.project_root())
    problems = undeclared(used_terms(kg, shapes, queries), declared_terms(onto_and_imports))
    listing = "\n".join(f"{iri}  in {sorted(files)}" for iri, files in sorted(problems.items()))
    assert not problems, f"undeclared in ontology/ and ontology/imports/:\n{listing}"


def test_an_undeclared_term_is_caught(onto_and_imports: Graph, tmp_path: Path) -> None:
    (tmp_path / "kg").mkdir()
    (tmp_path / "shapes").mkdir()
    (tmp_path / "queries" / "cq").mkdir(parents=True)
    (tmp_path / "kg" / "typo.ttl").write_text(
        """@prefix emkg: <https://w3id.org/emkg/ontology#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix j1: <https://w3id.org/emkg/data/typo2024/case1/> .
j1:c1 a emkg:TherapyComponent ; emkg:agent emkg:Blinatumomabb .
j1:f1 a emkg:EMFinding ; emkg:site obo:UBERON_0004628 ; emkg:detectedBy emkg:PETMRI ;
    emkg:findingStatus emkg:Present ; emkg:sequenceIndex 3 .
""",
        encoding="utf-8",
    )
    (tmp_path / "shapes" / "typo.ttl").write_text(
        """@prefix emkg: <https://w3id.org/emkg/ontology#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://w3id.org/emkg/shapes#> .
ex:FindingShape a sh:NodeShape ; sh:targetClass emkg:EMFinding ;
    sh:property [ sh:path emkg:site ; sh:minCount 1 ] ;
    sh:sparql [ sh:select \"\"\"SELECT $this WHERE { $this emkg:findingStatuss ?s }\"\"\" ] .
""",
        encoding="utf-8",
    )
    (tmp_path / "queries" / "cq" / "typo.rq").write_text(
        """# emkg:NotATermInAComment is ignored, and so is "emkg:NorInAString"
PREFIX emkg: <https://w3id.org/emkg/ontology#>
PREFIX obo: <http://purl.obolibrary.org/obo/>
SELECT ?f WHERE {
  ?c emkg:agent ?a . ?a rdfs:subClassOf* emkg:CD19DirectedTherapy .
  ?f emkg:site ?s . ?s rdfs:subClassOf* obo:UBERON_0001474.
  ?f emkg:detectedBy <https://w3id.org/emkg/ontology#PETCTT> .
  FILTER(?x != "emkg:AlsoNotATerm" && ?n < 5)
  ?f emgk:site ?t .
}
""",
        encoding="utf-8",
    )
    kg, shapes, queries = _project_files(tmp_path)
    assert len(kg) == len(shapes) == len(queries) == 1
    problems = undeclared(used_terms(kg, shapes, queries), declared_terms(onto_and_imports))
    assert set(problems) == {
        str(EMKG.Blinatumomabb),
        str(EMKG.findingStatuss),
        str(EMKG.PETCTT),
        "emgk:",
    }


def test_sparql_iris_honours_prefix_declarations() -> None:
    text = """PREFIX e: <https://w3id.org/emkg/ontology#>
PREFIX : <http://example.org/>
SELECT * WHERE { ?x a e:Patient ; :p e:Female. ?y e:ageInYears 1.5 }"""
    iris, unresolved = sparql_iris(text)
    assert iris == {
        str(EMKG.Patient),
        "http://example.org/p",
        str(EMKG.Female),
        str(EMKG.ageInYears),
    }
    assert unresolved == set()


def test_blank_node_labels_are_not_prefixed_names() -> None:
    iris, unresolved = sparql_iris("SELECT * WHERE { _:b1 <http://x.org/p> ?o }")
    assert iris == {"http://x.org/p"}
    assert unresolved == set()


def test_shape_graph_iris_include_sparql_strings() -> None:
    g = Graph()
    node = BNode()
    g.add((node, SH.select, Literal("SELECT $this WHERE { $this emkg:site ?s }")))
    iris, unresolved = _shape_sparql_iris(g)
    assert str(EMKG.site) in iris
    assert unresolved == set()


# ---------------------------------------------------------------------------
# Human documentation (pyLODE)
# ---------------------------------------------------------------------------


def test_docs_command_writes_the_ontology_page(tmp_path: Path) -> None:
    from emkg.cli import main

    out = tmp_path / "docs"
    assert main(["docs", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]  # no temp file left
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "emkg: extramedullary B-ALL knowledge graph ontology" in page
    assert "CD19-directed therapy" in page  # a class
    assert "detected by" in page  # a property
    assert 'id="vs-AbsentWhenAssessed"' in page  # a value-set member, added to pyLODE's page
    assert 'href="#valuesets"' in page
    assert "52817eeaa3b960e923df7a275fa533bdc3bdefe1" in page  # the UBERON version checked
    assert "<h3>Annotation" not in page  # other vocabularies' declarations are left out
