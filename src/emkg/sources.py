"""Source publications: their identifiers, the registry of their texts, and the quote check.

A publication is identified by its DOI, else its PubMed id, else its PubMed Central id, else the
URL of its page. Written as a CURIE (``doi:10.3389/fimmu.2024.1423487``, ``pmid:38123456``,
``pmcid:PMC1234567``, ``url:https://...``) it names the publication IRI the graph uses:

=========  =================================================
``doi:``   ``https://doi.org/<DOI>``
``pmid:``  ``https://pubmed.ncbi.nlm.nih.gov/<PMID>``
``pmcid:`` ``https://pmc.ncbi.nlm.nih.gov/articles/<PMCID>``
``url:``   the URL itself
=========  =================================================

The texts of the publications are found through ``sources.tsv`` in a sources folder (columns
``id``, ``file``, ``citation``, ``licence``, ``note``; two rows may share an id: two versions of
one paper). The folder is ``--sources DIR``, else ``EMKG_SOURCES``, else ``../shared/seeds``
beside the checkout. A placeholder (``10.xxxx/...``, ``pmid:00000000``, an example.org page) or
malformed identifier is refused wherever it appears: in the registry, or as a publication of the
graph.

The quote check: every ``oa:exact`` of an annotation, and every ``emkg:offsetText``, must occur
verbatim (whitespace normalised) in a registered text of the publication it cites.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from emkg import paths
from emkg.errors import InputError

EMKG = Namespace("https://w3id.org/emkg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")

REGISTRY_FILE = "sources.tsv"
REGISTRY_COLUMNS = ("id", "file", "citation", "licence", "note")
SOURCES_ENV = "EMKG_SOURCES"

#: identifier scheme -> (pattern of the local part, publication IRI prefix, emkg property).
#: The same patterns are the sh:pattern of shapes/core.ttl (checked by tests/test_sources.py).
SCHEMES: dict[str, tuple[str, str, URIRef | None]] = {
    "doi": (r"^10\.[0-9]{4,9}/[^ ]+$", "https://doi.org/", EMKG.doi),
    "pmid": (r"^[1-9][0-9]{0,8}$", "https://pubmed.ncbi.nlm.nih.gov/", EMKG.pmid),
    "pmcid": (r"^PMC[1-9][0-9]{0,8}$", "https://pmc.ncbi.nlm.nih.gov/articles/", EMKG.pmcid),
    "url": (r"^https?://[^/?#\s]+\.[^/?#\s]+(?:[/?#]\S*)?$", "", None),
}
#: the order of preference: a publication is named by the first of these it has
PREFERENCE = ("doi", "pmid", "pmcid", "url")

_PLACEHOLDER_DOI = re.compile(
    r"^10\.(?:x+|0+|1234|5555|9999|12345)(?:/|$)|/(?:x+|0+|example|placeholder|tbd|todo)$",
    re.IGNORECASE,
)
_PLACEHOLDER_HOSTS = ("example.org", "example.com", "example.net", "localhost")
_PLACEHOLDER_SUFFIXES = (".example", ".invalid", ".test", ".localhost", ".local")
_PLACEHOLDER_WORDS = re.compile(r"(?:^|[/=._-])(placeholder|tbd|todo|xxx+)(?:$|[/=._-])", re.I)


def _placeholder_digits(digits: str) -> bool:
    """0000..., 1111..., 1234567..., 9876543...: numbers nobody was given."""
    if len(set(digits)) == 1:
        return True
    ascending = "1234567890"
    descending = "9876543210"
    return len(digits) >= 5 and (digits in ascending or digits in descending)


@dataclass(frozen=True)
class Identifier:
    """A checked publication identifier: scheme and local part."""

    scheme: str
    local: str

    @property
    def curie(self) -> str:
        return f"{self.scheme}:{self.local}"

    @property
    def iri(self) -> URIRef:
        """The publication IRI this identifier names."""
        return URIRef(SCHEMES[self.scheme][1] + self.local)

    def __str__(self) -> str:
        return self.curie


class IdentifierError(InputError):
    """A malformed or placeholder publication identifier."""


def placeholder_reason(scheme: str, local: str) -> str | None:
    """Why ``scheme:local`` looks like a placeholder, or None for a real-looking identifier."""
    if scheme == "doi" and _PLACEHOLDER_DOI.search(local):
        return "a placeholder DOI (a test or example prefix, or x's and zeros)"
    if scheme == "pmid" and _placeholder_digits(local):
        return "a placeholder PMID (repeated or counting digits)"
    if scheme == "pmcid" and _placeholder_digits(local.removeprefix("PMC")):
        return "a placeholder PMCID (repeated or counting digits)"
    if scheme == "url":
        host = (urlsplit(local).hostname or "").lower()
        if host in _PLACEHOLDER_HOSTS or host.endswith(_PLACEHOLDER_SUFFIXES):
            return f"a placeholder web address ({host} is reserved for examples)"
        if host.startswith("example.") or host.endswith((".example.org", ".example.com")):
            return f"a placeholder web address ({host})"
    if _PLACEHOLDER_WORDS.search(local):
        return "a placeholder (it says placeholder, TBD, TODO or xxx)"
    return None


_HOW = (
    "give the publication's real DOI (doi:10.NNNN/...), else its PubMed id (pmid:NNNNNNN), "
    "else its PubMed Central id (pmcid:PMCNNNNNNN), else the URL of its page (url:https://...)"
)


def parse_identifier(text: str) -> Identifier:
    """``doi:...``, ``pmid:...``, ``pmcid:...`` or ``url:...``; raise IdentifierError if bad.

    Also accepts a publication IRI of one of the four forms (``https://doi.org/...``).
    """
    raw = text.strip()
    scheme, sep, local = raw.partition(":")
    scheme = scheme.lower()
    if scheme in ("http", "https"):
        found = identifier_of_iri(raw)
        if found is None:
            raise IdentifierError(f"{raw!r} is not a publication IRI", hint=_HOW)
        return parse_identifier(found.curie)
    if not sep or scheme not in SCHEMES:
        raise IdentifierError(
            f"{raw!r} is not a publication identifier (doi:, pmid:, pmcid: or url:)", hint=_HOW
        )
    local = local.strip()
    if scheme == "pmcid" and local.isdigit():
        local = "PMC" + local
    if scheme == "pmcid":
        local = local.upper()
    reason = placeholder_reason(scheme, local)
    if reason is not None:
        raise IdentifierError(f"{raw!r} is {reason}; emkg refuses the source", hint=_HOW)
    if not re.match(SCHEMES[scheme][0], local):
        raise IdentifierError(f"{raw!r} is a malformed {scheme} identifier", hint=_HOW)
    return Identifier(scheme, local)


def identifier_of_iri(iri: str) -> Identifier | None:
    """The identifier a publication IRI stands for (doi, pmid and pmcid forms, else url)."""
    for scheme in ("doi", "pmid", "pmcid"):
        prefix = SCHEMES[scheme][1]
        if iri.startswith(prefix):
            return Identifier(scheme, iri[len(prefix) :])  # checked by parse_identifier
    if re.match(SCHEMES["url"][0], iri):
        return Identifier("url", iri)
    return None


def check_publication_iri(iri: str) -> str | None:
    """What is wrong with a publication IRI (placeholder or malformed), or None."""
    found = identifier_of_iri(iri)
    if found is None:
        return f"<{iri}> is not a publication IRI"
    try:
        parse_identifier(found.curie)
    except IdentifierError as exc:
        return exc.message
    return None


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------


def sources_dir(explicit: Path | None = None) -> Path:
    """The sources folder: ``explicit``, else EMKG_SOURCES, else ../shared/seeds."""
    if explicit is not None:
        chosen, how = Path(explicit), "--sources"
    elif os.environ.get(SOURCES_ENV):
        chosen, how = Path(os.environ[SOURCES_ENV]), SOURCES_ENV
    else:
        found = paths.seeds_dir()
        chosen = found if found is not None else paths.project_root().parent / "shared" / "seeds"
        how = "the default ../shared/seeds"
    if not (chosen / REGISTRY_FILE).is_file():
        raise InputError(
            f"no {REGISTRY_FILE} in the sources folder {chosen} ({how})",
            path=chosen,
            hint=(
                "name the folder that holds the source texts and their sources.tsv with "
                f"--sources DIR or {SOURCES_ENV}"
            ),
        )
    return chosen


@dataclass(frozen=True)
class SourceText:
    """One registered text file of a publication."""

    identifier: Identifier
    path: Path
    citation: str
    licence: str
    note: str
    line: int

    @cached_property
    def normalised(self) -> str:
        return normalise(self.path.read_text(encoding="utf-8"))


@dataclass
class Registry:
    """The texts of the sources folder, by publication IRI."""

    folder: Path
    texts: dict[URIRef, list[SourceText]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path | None = None) -> Registry:
        """Read ``sources.tsv``; raise InputError (file, line) on a bad row."""
        where = sources_dir(folder)
        table = where / REGISTRY_FILE
        registry = cls(where)
        try:
            lines = table.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", path=table) from exc
        rows = list(csv.reader(lines, delimiter="\t"))
        if not rows or tuple(c.strip().lower() for c in rows[0][:5]) != REGISTRY_COLUMNS:
            raise InputError(
                "the first row must name the columns " + ", ".join(REGISTRY_COLUMNS),
                path=table,
                line=1,
                hint="tab-separated, one row per text file",
            )
        for number, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            cells = [*row, "", "", "", "", ""][:5]
            try:
                identifier = parse_identifier(cells[0])
            except IdentifierError as exc:
                raise InputError(exc.message, path=table, line=number, hint=exc.hint) from exc
            text_path = where / cells[1].strip()
            if not cells[1].strip() or not text_path.is_file():
                raise InputError(
                    f"the text file {cells[1].strip()!r} of {identifier} is not in {where}",
                    path=table,
                    line=number,
                    hint="put the source text beside sources.tsv or correct the file name",
                )
            registry.texts.setdefault(identifier.iri, []).append(
                SourceText(identifier, text_path, cells[2], cells[3], cells[4], number)
            )
        return registry

    def find(self, publication: Node) -> list[SourceText]:
        return self.texts.get(URIRef(str(publication)), [])

    def contains(self, publication: Node, quote: str) -> bool:
        wanted = normalise(quote)
        return any(wanted in text.normalised for text in self.find(publication))


def normalise(text: str) -> str:
    """Whitespace runs as one space: line breaks of the text file do not count."""
    return " ".join(text.split())


# ---------------------------------------------------------------------------
# The quote check
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteProblem:
    """A quote (or a publication) the registry cannot back."""

    kind: str  # "source", "quote" or "offset text"
    node: Node
    publication: Node | None
    quote: str | None
    message: str
    hint: str


def _annotation_quotes(graph: Graph) -> Iterator[tuple[Node, Node | None, str]]:
    """(annotated node, cited publication, quote) for every oa:exact of an annotation."""
    for ann in graph.subjects(RDF.type, OA.Annotation):
        bodies = list(graph.objects(ann, OA.hasBody)) or [ann]
        for target in graph.objects(ann, OA.hasTarget):
            sources: list[Node | None] = [*graph.objects(target, OA.hasSource)] or [None]
            for selector in graph.objects(target, OA.hasSelector):
                for exact in graph.objects(selector, OA.exact):
                    for body in bodies:
                        for source in sources:
                            yield body, source, str(exact)


def _offset_texts(graph: Graph) -> Iterator[tuple[Node, Node | None, str]]:
    """(event, its patient's publication, offset text) for every emkg:offsetText."""
    for offset, text in graph.subject_objects(EMKG.offsetText):
        events = list(graph.subjects(None, offset)) or [offset]
        for event in events:
            pubs: list[Node | None] = [*_publications_of(graph, event)] or [None]
            for pub in pubs:
                yield event, pub, str(text)


def _publications_of(graph: Graph, node: Node) -> list[Node]:
    direct = list(graph.objects(node, EMKG.reportedIn))
    if direct:
        return direct
    out: list[Node] = []
    for patient in graph.objects(node, EMKG.ofPatient):
        out += list(graph.objects(patient, EMKG.reportedIn))
    return out


def publications(graph: Graph) -> list[Node]:
    """Every node typed emkg:Publication (cited studies included)."""
    return sorted(set(graph.subjects(RDF.type, EMKG.Publication)), key=str)


def cited_sources(graph: Graph) -> set[Node]:
    """The publications the graph quotes from (oa:hasSource, emkg:reportedIn)."""
    found = set(graph.objects(None, OA.hasSource)) | set(graph.objects(None, EMKG.reportedIn))
    return {n for n in found if isinstance(n, URIRef)}


def check_identifiers(graph: Graph) -> list[QuoteProblem]:
    """Placeholder or malformed publication identifiers (IRIs and identifier literals)."""
    problems = []
    for pub in publications(graph):
        if not isinstance(pub, URIRef):
            continue
        wrong = check_publication_iri(str(pub))
        if wrong is not None:
            problems.append(
                QuoteProblem("source", pub, pub, None, f"source refused: {wrong}", _HOW)
            )
        for scheme in ("doi", "pmid", "pmcid"):
            prop = SCHEMES[scheme][2]
            for value in graph.objects(pub, prop):
                if not isinstance(value, Literal):
                    continue
                reason = placeholder_reason(scheme, str(value))
                if reason is not None:
                    problems.append(
                        QuoteProblem(
                            "source",
                            pub,
                            pub,
                            None,
                            f"source refused: {scheme}:{value} is {reason}",
                            _HOW,
                        )
                    )
    return problems


def check_quotes(graph: Graph, registry: Registry) -> list[QuoteProblem]:
    """Every quote and offset text verbatim in a registered text of the publication it cites."""
    problems = check_identifiers(graph)
    refused = {p.node for p in problems}
    missing_source: set[Node] = set()
    for cited in sorted(cited_sources(graph), key=str):
        if cited in refused or registry.find(cited):
            continue
        missing_source.add(cited)
        problems.append(
            QuoteProblem(
                "source",
                cited,
                cited,
                None,
                f"no registered text for <{cited}> in {registry.folder / REGISTRY_FILE}",
                "add a row for it to sources.tsv (id as doi:, pmid:, pmcid: or url:, and the "
                "text file beside it), or choose the folder with --sources DIR",
            )
        )
    found: Iterator[tuple[Node, Node | None, str]]
    for kind, found in (
        ("quote", _annotation_quotes(graph)),
        ("offset text", _offset_texts(graph)),
    ):
        for node, publication, quote in found:
            if publication is None:
                problems.append(
                    QuoteProblem(
                        kind,
                        node,
                        None,
                        quote,
                        f"the {kind} {short(quote)!r} names no source publication",
                        "give the annotation its oa:hasSource (the publication quoted)",
                    )
                )
                continue
            if publication in missing_source or publication in refused:
                continue
            if not registry.contains(publication, quote):
                files = ", ".join(t.path.name for t in registry.find(publication))
                problems.append(
                    QuoteProblem(
                        kind,
                        node,
                        publication,
                        quote,
                        f"the {kind} {short(quote)!r} is not verbatim in the text of "
                        f"<{publication}> ({files})",
                        "copy the words exactly as the source text has them (line breaks and "
                        "runs of spaces do not count); a paraphrase belongs in a "
                        "skos:editorialNote",
                    )
                )
    return problems


def short(text: str, width: int = 80) -> str:
    flat = normalise(text)
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def describe(registry: Registry) -> Mapping[str, Sequence[str]]:
    """Publication IRI -> its text file names (for messages and tests)."""
    return {str(k): [t.path.name for t in v] for k, v in sorted(registry.texts.items())}


def load_registry(folder: Path | None = None) -> Registry:
    return Registry.load(folder)


def iter_texts(registry: Registry) -> Iterable[SourceText]:
    for texts in registry.texts.values():
        yield from texts
