"""Human documentation of the ontology: pyLODE's HTML plus the value sets and the versions of
the aligned external ontologies, which pyLODE's OWL profile leaves out.

Two workarounds for pyLODE 3.4.1, both local to this module:

* its ``pylode.version`` reads a ``pyproject.toml`` that the wheel does not ship, so importing
  pyLODE fails; where that file is missing, the version is taken from the package metadata;
* importing pyLODE calls ``logging.basicConfig(level=DEBUG)`` (in its supermodel profile);
  the root logger's handlers and level are restored after the import.

The ontology file also declares the PROV-O and Web Annotation terms the graph uses (for
OWL 2 DL); those declarations are left out of the documentation so that it lists only the
project's own terms.
"""

from __future__ import annotations

import html
import logging
import re
import sys
import types
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from emkg import paths
from emkg.errors import EmkgError, RuntimeMissing
from emkg.rdfio import atomic_write_text, read_graph

EMKG = Namespace("https://w3id.org/emkg/ontology#")
ONTOLOGY_IRI = URIRef("https://w3id.org/emkg/ontology")
OUTPUT_NAME = "index.html"

_DECLARATIONS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
_MAPPINGS = (
    ("exact", SKOS.exactMatch),
    ("close", SKOS.closeMatch),
    ("broader", SKOS.broadMatch),
    ("narrower", SKOS.narrowMatch),
    ("related", SKOS.relatedMatch),
)


@dataclass(frozen=True)
class DocsResult:
    path: Path
    size: int
    classes: int
    value_sets: int


def _ontpub_class() -> Any:
    """pyLODE's OntPub, imported with the two workarounds described above."""
    spec = find_spec("pylode")
    if spec is None or spec.origin is None:
        raise RuntimeMissing(
            "pyLODE is not installed; it makes the HTML documentation",
            hint="pip install -e '.[docs]'",
        )
    pyproject = Path(spec.origin).parent.parent / "pyproject.toml"
    if "pylode.version" not in sys.modules and not pyproject.is_file():
        try:
            installed = version("pylode")
        except PackageNotFoundError:  # pragma: no cover - find_spec found it
            installed = "unknown"
        stub = types.ModuleType("pylode.version")
        stub.__dict__["__version__"] = installed
        sys.modules["pylode.version"] = stub
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        from pylode import OntPub
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    return OntPub


def own_graph(files: list[Path]) -> Graph:
    """The ontology without its declarations of other vocabularies' terms."""
    g = read_graph(files)
    for kind in _DECLARATIONS:
        for s in list(g.subjects(RDF.type, kind)):
            if isinstance(s, URIRef) and not str(s).startswith(str(EMKG)):
                g.remove((s, RDF.type, kind))
    return g


def _text(g: Graph, node: URIRef, prop: URIRef) -> str:
    value = g.value(node, prop)
    return html.escape(str(value)) if isinstance(value, Literal) else ""


def _local(iri: URIRef) -> str:
    return str(iri)[len(str(EMKG)) :]


def _curie(iri: URIRef) -> str:
    text = str(iri)
    obo = "http://purl.obolibrary.org/obo/"
    return text[len(obo) :].replace("_", ":", 1) if text.startswith(obo) else text


def value_sets_html(g: Graph) -> tuple[str, int]:
    """A section listing each value set with its members (named individuals)."""
    sets = sorted(
        (c for c in g.subjects(RDFS.subClassOf, EMKG.ValueSetMember) if isinstance(c, URIRef)),
        key=lambda c: str(g.value(c, RDFS.label) or c).lower(),
    )
    out = [
        '<div id="valuesets">',
        "<h2>Value sets</h2>",
        "<p>Closed lists of values. Each member is a named individual of its value-set class; "
        "the graph uses the member IRI as the value of the property whose range is the class.</p>",
    ]
    for vs in sets:
        out.append(f'<div class="entity" id="vs-{_local(vs)}">')
        out.append(f"<h3>{_text(g, vs, RDFS.label)} <code>emkg:{_local(vs)}</code></h3>")
        out.append(f"<p>{_text(g, vs, SKOS.definition)}</p>")
        out.append(
            "<table><tr><th>member</th><th>IRI</th><th>definition</th><th>mappings</th></tr>"
        )
        members = sorted(
            (m for m in g.subjects(RDF.type, vs) if isinstance(m, URIRef)),
            key=lambda m: str(g.value(m, RDFS.label) or m).lower(),
        )
        for m in members:
            maps = [
                f"{kind}: {html.escape(_curie(t))}"
                for kind, prop in _MAPPINGS
                for t in sorted(g.objects(m, prop), key=str)
                if isinstance(t, URIRef)
            ]
            note = _text(g, m, SKOS.editorialNote)
            cell = "; ".join(maps) + (f" <em>({note})</em>" if note else "")
            out.append(
                f'<tr id="vs-{_local(m)}"><td>{_text(g, m, RDFS.label)}</td>'
                f"<td><code>emkg:{_local(m)}</code></td>"
                f"<td>{_text(g, m, SKOS.definition)}</td><td>{cell}</td></tr>"
            )
        out.append("</table></div>")
    out.append("</div>")
    return "\n".join(out), len(sets)


def external_ontologies_html(g: Graph) -> str:
    """A section naming each aligned external ontology with the version it was checked in."""
    out = [
        '<div id="externalontologies">',
        "<h2>Aligned external ontologies</h2>",
        "<p>Identifiers of these ontologies are attached with SKOS mapping properties (UBERON "
        "is imported as a subset). Each was checked in the repository commit named here.</p>",
        "<table><tr><th>ontology</th><th>checked in</th></tr>",
    ]
    for src in sorted(g.objects(ONTOLOGY_IRI, DCTERMS.source), key=str):
        if not isinstance(src, URIRef):
            continue
        label = _text(g, src, RDFS.label) or html.escape(str(src))
        out.append(
            f'<tr><td><a href="{html.escape(str(src))}">{label}</a></td>'
            f"<td>{_text(g, src, OWL.versionInfo)}</td></tr>"
        )
    out.append("</table></div>")
    return "\n".join(out)


_TOC_NAMESPACES = re.compile(r'(<li>\s*<h4>\s*<a href="#namespaces">)')


def _inject(page: str, sections: list[tuple[str, str, str]]) -> str:
    """Insert (anchor, title, html) sections before pyLODE's namespaces section and list
    them in its table of contents; append them to the body if pyLODE's layout changed."""
    body = "\n".join(section for _a, _t, section in sections)
    marker = '<div id="namespaces">'
    if marker in page:
        page = page.replace(marker, body + "\n" + marker, 1)
    else:
        page = page.replace("</body>", body + "\n</body>", 1)
    toc = "".join(f'<li><h4><a href="#{a}">{html.escape(t)}</a></h4></li>' for a, t, _s in sections)
    return _TOC_NAMESPACES.sub(lambda m: toc + m.group(1), page, count=1)


def render_html(files: list[Path] | None = None) -> tuple[str, int, int]:
    """The documentation page, the number of own classes and of value sets."""
    g = own_graph(files or [paths.ontology_file()])
    ontpub = _ontpub_class()
    try:
        page = str(ontpub(ontology=g).make_html())
    except Exception as exc:  # pyLODE raises its own and rdflib's errors
        raise EmkgError(f"pyLODE could not document the ontology: {exc}") from exc
    sets_html, n_sets = value_sets_html(g)
    page = _inject(
        page,
        [
            ("valuesets", "Value sets", sets_html),
            ("externalontologies", "Aligned external ontologies", external_ontologies_html(g)),
        ],
    )
    n_classes = sum(1 for c in g.subjects(RDF.type, OWL.Class) if str(c).startswith(str(EMKG)))
    return page, n_classes, n_sets


def write_docs(out_dir: Path | None = None) -> DocsResult:
    """Write ``index.html`` into ``out_dir`` (default ``dist/docs``), atomically."""
    target_dir = out_dir if out_dir is not None else paths.default_dist() / "docs"
    page, n_classes, n_sets = render_html()
    target = target_dir / OUTPUT_NAME
    atomic_write_text(target, page)
    target.chmod(0o644)  # a page to be served or opened by others, not a private temp file
    return DocsResult(target, len(page.encode("utf-8")), n_classes, n_sets)
