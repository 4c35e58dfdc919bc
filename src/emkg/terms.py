"""New anatomy terms in one step: an UBERON class with its is_a / part_of chain.

``emkg terms add UBERON:0001105 --from uberon.obo`` reads the class and, recursively, every
is_a and part_of parent the graph's UBERON import does not have yet from a local UBERON file in
OBO format (a release or an edit file of obophenotype/uberon; nothing is fetched), appends
those links to ``ontology/imports/uberon-added.tsv`` (the project's own table: the shared
checked tables are never written) with the file they were read from, and regenerates
``ontology/imports/uberon.ttl`` (:mod:`emkg.uberon_import`). The chain stops at classes the
import already has, whose own links come from the checked tables.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from emkg.errors import InputError
from emkg.rdfio import atomic_write_text
from emkg.uberon_import import (
    ADDITIONS_COLUMNS,
    default_additions,
    default_out,
    default_terms_dir,
    read_tables,
    write_import,
)

_UBERON = re.compile(r"^UBERON:\d{7}$")
_IS_A = re.compile(r"^is_a:\s*(UBERON:\d{7})\b")
_PART_OF = re.compile(r"^relationship:\s*part_of\s+(UBERON:\d{7})\b")


@dataclass
class OboTerm:
    curie: str
    name: str
    parents: list[tuple[str, str]] = field(default_factory=list)  # (relation, parent)
    obsolete: bool = False
    line: int = 0


def read_obo(path: Path) -> tuple[dict[str, OboTerm], dict[str, str]]:
    """The [Term] stanzas of an OBO file (id, name, is_a, part_of, obsolete) and its header."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the UBERON file: {exc}", path=path) from exc
    terms: dict[str, OboTerm] = {}
    header: dict[str, str] = {}
    current: OboTerm | None = None
    in_term = False
    seen_stanza = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            seen_stanza = True
            in_term = line == "[Term]"
            current = None
            continue
        if not seen_stanza:
            key, _sep, value = line.partition(":")
            if key and value:
                header.setdefault(key.strip(), value.strip())
            continue
        if not in_term or not line:
            continue
        if line.startswith("id:"):
            curie = line[3:].strip()
            current = OboTerm(curie, "", line=number)
            terms[curie] = current
        elif current is None:
            continue
        elif line.startswith("name:"):
            current.name = line[5:].strip()
        elif line.startswith("is_obsolete:") and "true" in line:
            current.obsolete = True
        elif m := _IS_A.match(line):
            current.parents.append(("is_a", m.group(1)))
        elif m := _PART_OF.match(line):
            current.parents.append(("part_of", m.group(1)))
    if not terms:
        raise InputError(
            "no [Term] stanza: not an OBO file",
            path=path,
            hint="give a UBERON file in OBO format (for example uberon.obo or an edit file)",
        )
    return terms, header


@dataclass(frozen=True)
class AddedLink:
    child: str
    child_label: str
    relation: str
    parent: str
    parent_label: str
    source: str


def source_note(path: Path, header: dict[str, str]) -> str:
    """Where the links were read: the file, its version header and its SHA-256."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    version = header.get("data-version") or header.get("remark") or "no data-version"
    return f"{path.name} ({version}; sha256 {digest})"


def chain(
    curie: str, obo: dict[str, OboTerm], known: dict[str, str], source: str
) -> list[AddedLink]:
    """The links from ``curie`` up to classes in ``known`` (CURIE -> the label the import
    gives it), breadth first, each class once."""
    links: list[AddedLink] = []
    todo, done = [curie], set()
    while todo:
        current = todo.pop(0)
        if current in done or current in known:
            continue
        done.add(current)
        term = obo.get(current)
        if term is None:
            raise InputError(
                f"{current} is not in the UBERON file",
                hint="give the full UBERON file (a parent of the class is missing from it)",
            )
        if term.obsolete:
            raise InputError(
                f"{current} ({term.name}) is obsolete in the UBERON file",
                hint="use the class UBERON gives as its replacement",
            )
        for relation, parent in term.parents:
            if parent not in obo and parent not in known:
                raise InputError(f"{current}'s parent {parent} is not in the UBERON file")
            parent_label = known[parent] if parent in known else obo[parent].name
            links.append(AddedLink(current, term.name, relation, parent, parent_label, source))
            todo.append(parent)
    return links


def _table_text(rows: Iterable[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ADDITIONS_COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def add_uberon(
    curie: str,
    obo_file: Path,
    *,
    terms_dir: Path | None = None,
    additions: Path | None = None,
    out: Path | None = None,
) -> list[AddedLink]:
    """Add ``curie`` and its chain; regenerate the import. Returns the links added (none when
    the import has the class already)."""
    curie = curie.strip()
    if not _UBERON.match(curie):
        raise InputError(
            f"{curie!r} is not an UBERON class (UBERON: and seven digits)",
            hint="for example emkg terms add UBERON:0001105 --from uberon.obo",
        )
    terms_dir = terms_dir or default_terms_dir()
    additions = additions or default_additions()
    out = out or default_out()
    for name in ("terms.tsv", "uberon-subset.tsv"):
        if not (terms_dir / name).is_file():
            raise InputError(
                f"the checked term tables are not there ({terms_dir / name})",
                hint="run from a checkout beside ../shared/terms, or give --terms-dir",
            )
    try:
        known_terms, _links = read_tables(terms_dir, additions)
    except ValueError as exc:
        raise InputError(f"the term tables cannot be read: {exc}", path=terms_dir) from exc
    known = {c: known_label(dict(known_terms), c) for c in known_terms}
    obo, header = read_obo(obo_file)
    if curie not in obo:
        raise InputError(f"{curie} is not in the UBERON file", path=obo_file)
    # a known class that the tables list without its links is still added (leaf of terms.tsv)
    has_links = {link.child for link in _links}
    if curie in known and curie in has_links:
        return []
    known.pop(curie, None)
    links = chain(curie, obo, known, source_note(obo_file, header))
    rows: list[dict[str, str]] = []
    if additions.is_file():
        with additions.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    for link in links:
        rows.append(
            {
                "child": link.child,
                "child_label": link.child_label,
                "relation": link.relation,
                "parent": link.parent,
                "parent_label": link.parent_label,
                "source": link.source,
            }
        )
    previous = additions.read_text(encoding="utf-8") if additions.is_file() else None
    atomic_write_text(additions, _table_text(rows))
    try:
        write_import(terms_dir, additions, out)
    except Exception:
        # the import could not be regenerated: leave the additions as they were
        if previous is None:
            additions.unlink(missing_ok=True)
        else:
            atomic_write_text(additions, previous)
        raise
    return links


def known_label(terms: dict[str, object], curie: str) -> str:
    """The label the subset table gives a class (the one its links carry)."""
    term = terms.get(curie)
    label = getattr(term, "subset_label", None) or getattr(term, "official_label", None)
    return str(label or "")
