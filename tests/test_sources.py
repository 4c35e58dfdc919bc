"""Sources by any identifier: DOI, PMID, PMCID or URL; the registry sources.tsv; placeholders.

The identifier forms and publication IRIs are stated in :mod:`emkg.sources`; the shapes state the
same forms for the graph (``shapes/core.ttl``), and a test here keeps the two equal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from emkg import paths
from emkg.errors import InputError
from emkg.sources import (
    EMKG,
    SCHEMES,
    IdentifierError,
    Registry,
    check_identifiers,
    parse_identifier,
    sources_dir,
)


@pytest.mark.parametrize(
    ("text", "iri"),
    [
        ("doi:10.3389/fimmu.2024.1423487", "https://doi.org/10.3389/fimmu.2024.1423487"),
        ("DOI:10.1080/10428194.2025.2541024", "https://doi.org/10.1080/10428194.2025.2541024"),
        ("pmid:38652601", "https://pubmed.ncbi.nlm.nih.gov/38652601"),
        ("pmcid:PMC11045128", "https://pmc.ncbi.nlm.nih.gov/articles/PMC11045128"),
        ("pmcid:11045128", "https://pmc.ncbi.nlm.nih.gov/articles/PMC11045128"),
        (
            "url:https://www.frontiersin.org/journals/x/1",
            "https://www.frontiersin.org/journals/x/1",
        ),
        ("https://pubmed.ncbi.nlm.nih.gov/38652601", "https://pubmed.ncbi.nlm.nih.gov/38652601"),
    ],
)
def test_identifiers_name_their_publication_iri(text: str, iri: str) -> None:
    assert str(parse_identifier(text).iri) == iri


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("doi:10.xxxx/abc", "placeholder DOI"),
        ("doi:10.1234/case.2024", "placeholder DOI"),
        ("doi:10.0000/0000", "placeholder DOI"),
        ("pmid:00000000", "placeholder PMID"),
        ("pmid:12345678", "placeholder PMID"),
        ("pmcid:PMC0000000", "placeholder PMCID"),
        ("url:https://example.org/paper", "placeholder web address"),
        ("url:https://journal.example/paper", "placeholder web address"),
        ("doi:10.3389/TODO", "placeholder"),
    ],
)
def test_placeholders_are_refused(text: str, says: str) -> None:
    with pytest.raises(IdentifierError, match="refuses the source") as info:
        parse_identifier(text)
    assert says in info.value.message
    assert info.value.hint is not None
    assert "pmid:" in info.value.hint


@pytest.mark.parametrize(
    "text",
    ["doi:11.3389/x", "pmid:12ab", "pmcid:PMX123", "url:ftp://host.org/x", "isbn:123", "38652601"],
)
def test_malformed_identifiers_are_refused(text: str) -> None:
    with pytest.raises(IdentifierError):
        parse_identifier(text)


def test_shapes_state_the_same_identifier_forms() -> None:
    shapes = Graph().parse(paths.shapes_dir() / "core.ttl")
    for scheme, (pattern, _prefix, prop) in SCHEMES.items():
        if prop is None:
            continue
        shape_patterns = {
            str(p)
            for shape in shapes.subjects(SH.path, prop)
            for p in shapes.objects(shape, SH.pattern)
        }
        assert shape_patterns == {pattern}, f"shapes/core.ttl pattern for {scheme}"
    assert {EMKG.doi, EMKG.pmid, EMKG.pmcid} <= set(Graph().parse(paths.ontology_file()).subjects())


def _registry(tmp_path: Path, rows: list[str]) -> Path:
    (tmp_path / "case.txt").write_text("A case of relapse in the breast.", encoding="utf-8")
    header = "id\tfile\tcitation\tlicence\tnote"
    (tmp_path / "sources.tsv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return tmp_path


def test_registry_finds_texts_by_pmid(tmp_path: Path) -> None:
    folder = _registry(tmp_path, ["pmid:38652601\tcase.txt\tA B. Case. J. 2024.\tCC-BY-4.0\t"])
    reg = Registry.load(folder)
    pub = URIRef("https://pubmed.ncbi.nlm.nih.gov/38652601")
    assert reg.contains(pub, "relapse in\nthe  breast")
    assert not reg.contains(pub, "relapse in the kidney")


def test_registry_refuses_a_placeholder_row_with_file_and_line(tmp_path: Path) -> None:
    folder = _registry(
        tmp_path,
        ["pmid:38652601\tcase.txt\tA.\tCC-BY-4.0\t", "doi:10.xxxx/case\tcase.txt\tB.\t\t"],
    )
    with pytest.raises(InputError) as info:
        Registry.load(folder)
    assert f"{folder / 'sources.tsv'}:3:" in str(info.value)
    assert "placeholder DOI" in str(info.value)


def test_registry_names_a_missing_text(tmp_path: Path) -> None:
    folder = _registry(tmp_path, ["pmid:38652601\tmissing.txt\tA.\tCC-BY-4.0\t"])
    with pytest.raises(InputError, match=r"sources.tsv:2: the text file 'missing.txt'"):
        Registry.load(folder)


def test_sources_folder_from_option_then_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _registry(tmp_path, [])
    monkeypatch.setenv("EMKG_SOURCES", str(folder))
    assert sources_dir() == folder
    with pytest.raises(InputError, match=r"no sources\.tsv"):
        sources_dir(tmp_path / "elsewhere")


def test_placeholder_publication_in_the_graph_is_refused() -> None:
    g = Graph().parse(
        data="""
        @prefix emkg: <https://w3id.org/emkg/ontology#> .
        <https://doi.org/10.xxxx/case1> a emkg:Publication ; emkg:doi "10.xxxx/case1" .
        <https://pubmed.ncbi.nlm.nih.gov/38652601> a emkg:Publication ;
            emkg:pmid "38652601" .
        """,
        format="turtle",
    )
    problems = check_identifiers(g)
    assert {p.node for p in problems} == {URIRef("https://doi.org/10.xxxx/case1")}
    assert all("source refused" in p.message for p in problems)
