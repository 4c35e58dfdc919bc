"""``ontology/catalog-v001.xml``: every import resolves to a shipped file, offline (ODK).

Protégé, ROBOT and the OWL API read the XML catalog beside an ontology to map import IRIs to
local files. The test reads it as they do (OASIS XML catalog, ``uri`` entries relative to the
catalog's folder), follows every ``owl:imports`` from ``ontology/emkg.ttl`` through it, and
requires that each file exists and declares the ontology IRI it is mapped from.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from emkg import build, paths

CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
ONTOLOGY_IRI = URIRef("https://w3id.org/emkg/ontology")


def catalog() -> dict[str, Path]:
    path = paths.ontology_dir() / "catalog-v001.xml"
    root = ET.parse(path).getroot()
    assert root.tag == f"{CATALOG_NS}catalog"
    mapping: dict[str, Path] = {}
    for entry in root.iter(f"{CATALOG_NS}uri"):
        name, uri = entry.get("name"), entry.get("uri")
        assert name, ET.tostring(entry)
        assert uri, ET.tostring(entry)
        assert name not in mapping, f"{name} is mapped twice"
        mapping[name] = (path.parent / uri).resolve()
    return mapping


def test_every_import_resolves_offline_to_a_file_that_declares_it() -> None:
    mapping = catalog()
    seen: set[str] = set()
    todo = [str(ONTOLOGY_IRI)]
    while todo:
        iri = todo.pop()
        if iri in seen:
            continue
        seen.add(iri)
        assert iri in mapping, f"{iri} is not in catalog-v001.xml"
        file = mapping[iri]
        assert file.is_file(), file
        graph = Graph().parse(file)
        assert (URIRef(iri), RDF.type, OWL.Ontology) in graph, f"{file} does not declare {iri}"
        todo += [str(o) for o in graph.objects(URIRef(iri), OWL.imports)]
    assert len(seen) >= 2  # emkg and at least the UBERON import
    # nothing mapped that no import needs, and every shipped ontology file is reachable
    assert set(mapping) == seen
    assert {p.resolve() for p in build.ontology_files()} == set(mapping.values())
