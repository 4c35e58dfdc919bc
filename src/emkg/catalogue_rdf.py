"""The saved queries as RDF, in the convention of SIB's sparql-examples, for the release.

A store user loads ``queries.ttl`` beside the graph and finds the questions with SPARQL::

    PREFIX sh: <http://www.w3.org/ns/shacl#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?query ?title ?text WHERE {
      ?query a sh:SPARQLSelectExecutable ; rdfs:label ?title ; sh:select ?text .
    }

Each query is an ``sh:SPARQLExecutable`` and ``sh:SPARQLSelectExecutable`` with

* ``rdfs:label`` (the title) and ``rdfs:comment`` (the description), both ``@en``;
* ``dcterms:identifier`` (the id), ``schema:keywords`` (one literal per keyword, plus the kind:
  "competency question" or "quality check");
* ``sh:select``: the query text as the ``.rq`` file writes it, without its header comments
  (its defaults included, so the text gives the default answer as it stands);
* ``sh:prefixes``: the prefix declarations of all saved queries (``sh:declare``);
* ``schema:target``: the emkg dataset;
* ``sh:parameter``: one node per parameter, as SHACL declares parameters: ``sh:path`` (whose
  local name is the variable), ``sh:name``, ``sh:description``, ``sh:optional``,
  ``sh:defaultValue`` (the query's VALUES default), ``sh:nodeKind sh:IRI`` or ``sh:datatype``,
  ``sh:class`` for an instance parameter, ``skos:example`` for each example value.

Every node is an IRI (no blank nodes), so the file is byte-identical from one build to the
next for the same queries.
"""

from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS, XSD

from emkg.catalogue import KINDS, Catalogue, QueryEntry, load_catalogue
from emkg.prefixes import expand_curie
from emkg.sparqltext import prefix_declarations

SCHEMA = Namespace("https://schema.org/")
QUERY_BASE = "https://w3id.org/emkg/queries/"
PARAMETER_NS = Namespace(QUERY_BASE + "parameter#")
PREFIXES_NODE = URIRef(QUERY_BASE + "prefixes")
DATASET_IRI = URIRef("https://w3id.org/emkg/dataset")

_LITERAL_TYPES = {
    "string": XSD.string,
    "integer": XSD.integer,
    "decimal": XSD.decimal,
    "boolean": XSD.boolean,
}


def query_iri(entry: QueryEntry) -> URIRef:
    return URIRef(QUERY_BASE + entry.id)


def query_body(entry: QueryEntry) -> str:
    """The query text without its leading header comment block."""
    lines = entry.text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].lstrip()[:1] == "#"):
        start += 1
    return "".join(lines[start:])


def catalogue_graph(catalogue: Catalogue | None = None) -> Graph:
    """The saved queries as a graph of ``sh:SPARQLSelectExecutable`` nodes."""
    cat = catalogue if catalogue is not None else load_catalogue()
    g = Graph()
    g.bind("sh", SH)
    g.bind("schema", SCHEMA)
    g.bind("dcterms", DCTERMS)
    g.bind("skos", SKOS)
    g.bind("emkgq", URIRef(QUERY_BASE))
    g.bind("emkgp", PARAMETER_NS)
    declared: dict[str, str] = {}
    for entry in cat:
        declared.update(prefix_declarations(entry.text))
        _describe(g, entry)
    for prefix, namespace in sorted(declared.items()):
        node = URIRef(f"{QUERY_BASE}prefixes#{prefix or 'default'}")
        g.add((PREFIXES_NODE, SH.declare, node))
        g.add((node, SH.prefix, Literal(prefix)))
        g.add((node, SH.namespace, Literal(namespace, datatype=XSD.anyURI)))
    return g


def _describe(g: Graph, entry: QueryEntry) -> None:
    q = query_iri(entry)
    g.add((q, RDF.type, SH.SPARQLExecutable))
    g.add((q, RDF.type, SH.SPARQLSelectExecutable))
    g.add((q, DCTERMS.identifier, Literal(entry.id)))
    g.add((q, RDFS.label, Literal(entry.title, lang="en")))
    g.add((q, RDFS.comment, Literal(entry.description, lang="en")))
    g.add((q, SH.select, Literal(query_body(entry))))
    g.add((q, SH.prefixes, PREFIXES_NODE))
    g.add((q, SCHEMA.target, DATASET_IRI))
    g.add((q, SCHEMA.keywords, Literal(KINDS[entry.kind])))
    for keyword in entry.keywords:
        g.add((q, SCHEMA.keywords, Literal(keyword)))
    for param in entry.params:
        node = URIRef(f"{q}#{param.name}")
        g.add((q, SH.parameter, node))
        g.add((node, SH.path, PARAMETER_NS[param.name]))
        g.add((node, SH.name, Literal(param.name)))
        g.add((node, SH.description, Literal(param.description, lang="en")))
        g.add((node, SH.optional, Literal(param.optional)))
        if param.default_term is not None:
            g.add((node, SH.defaultValue, param.default_term))
        if param.type in _LITERAL_TYPES:
            g.add((node, SH.datatype, _LITERAL_TYPES[param.type]))
        else:
            g.add((node, SH.nodeKind, SH.IRI))
        if param.of is not None:
            expanded = expand_curie(param.of)
            g.add((node, SH["class"], URIRef(expanded or param.of)))
        for example in param.examples:
            g.add((node, SKOS.example, Literal(example)))


def catalogue_turtle(catalogue: Catalogue | None = None) -> bytes:
    """``queries.ttl``: the catalogue graph in Turtle."""
    return catalogue_graph(catalogue).serialize(format="turtle", encoding="utf-8")
