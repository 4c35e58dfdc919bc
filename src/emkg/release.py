"""The release's on-disk store: where it is, what it was built from, opening it read-only.

``emkg build --out DIR`` writes, beside the release files, ``DIR/store/``: an Oxigraph
on-disk store (RocksDB) holding every named graph of the release (the ontology, one graph
per ``kg/*.ttl`` file and one per ``--data`` file), and in it ``emkg-release.json``, the
manifest: the source files the release was built from, each with its modification time and
size as the build found them. Commands
that read a release (``query``, ``load``, ``serve``, exports, the report) open that store
read-only through :func:`open_store` instead of parsing files; the store opens in
milliseconds at any size.

**The staleness rule** (stated here once, applied by :func:`ensure_release` for every
command that reads a release):

* no store in the release folder (never built, or built before the store existed), or a
  manifest emkg cannot read (damaged, or written by another version): the default release
  (``dist/``) is built first from the project's sources, as ``emkg build`` would, and the
  command says so; a folder the user named (``--release DIR``) is an error that says how to
  build it (a mistyped folder is never filled behind the user's back);
* a source the release was built from changed since (its modification time or size differs
  from the manifest's), or was deleted, or
  ``kg/`` holds a file the release lacks: the release is **stale**. The command says which
  file, rebuilds the release first with the same inputs (``emkg build --out DIR --data ...``,
  the ``--data`` files listed in the manifest) and answers from the rebuilt store, so an
  answer never mixes old and new sources. Only when a ``--data`` file is gone (the release
  holds its only copy) is the release answered from as built, with a warning saying how to
  rebuild it.
"""

from __future__ import annotations

import gc
import json
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from emkg import paths, swap
from emkg.errors import InputError

STORE_DIR = "store"
MANIFEST = "emkg-release.json"
MANIFEST_FORMAT = 2
GRAPH_BASE = "https://w3id.org/emkg/graph/"
DATA_GRAPH_BASE = GRAPH_BASE + "data/"

Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def release_folder(release: Path | None = None) -> Path:
    """The release folder: ``release`` or the project's ``dist/``."""
    return Path(release) if release is not None else paths.default_dist()


def store_path(release: Path | None = None) -> Path:
    """The folder of the release's on-disk Oxigraph store (``DIR/store``)."""
    return release_folder(release) / STORE_DIR


# ---------------------------------------------------------------------------------------------
# users' own graphs (--data)
# ---------------------------------------------------------------------------------------------

_TRIPLE_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ntriples": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}
_QUAD_FORMATS: dict[str, ox.RdfFormat] = {
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}


@dataclass(frozen=True)
class DataFile:
    """A user's case graph file and the named graph it becomes in the release."""

    path: Path
    graph: str

    @property
    def fmt(self) -> ox.RdfFormat:
        suffix = self.path.suffix.lower()
        return _TRIPLE_FORMATS.get(suffix) or _QUAD_FORMATS[suffix]


def data_graph_iri(path: Path) -> str:
    """The named graph of a ``--data`` file: ``.../graph/data/<file name without suffix>``."""
    return DATA_GRAPH_BASE + quote(Path(path).stem, safe="")


def data_files(files: Iterable[Path]) -> list[DataFile]:
    """Check ``--data`` files (present, a known RDF syntax, names distinct) and name graphs."""
    out: list[DataFile] = []
    seen: dict[str, Path] = {}
    for given in files:
        path = Path(given)
        if not path.is_file():
            raise InputError("data file not found", path=path, hint="check the path")
        suffix = path.suffix.lower()
        if suffix not in _TRIPLE_FORMATS and suffix not in _QUAD_FORMATS:
            known = ", ".join(sorted({*_TRIPLE_FORMATS, *_QUAD_FORMATS}))
            raise InputError(
                f"unknown RDF file type {path.suffix!r}",
                path=path,
                hint=f"name the file with one of {known}",
            )
        graph = data_graph_iri(path)
        if graph in seen:
            raise InputError(
                f"two data files would share the named graph {graph} (with {seen[graph]})",
                path=path,
                hint="rename one of them: each file becomes the graph named after its file name",
            )
        seen[graph] = path
        out.append(DataFile(path.resolve(), graph))
    return out


def _syntax_error(exc: SyntaxError, data: DataFile) -> InputError:
    message = " ".join(str(exc).split())[:400]
    return InputError(
        f"cannot read as {data.fmt.name}: {message}",
        path=data.path,
        line=exc.lineno,
        column=exc.offset,
        hint="fix the file at that place and build again; the release was left as it was",
    )


def _load_error(exc: BaseException, data: DataFile) -> BaseException:
    """The error to report for an exception of Oxigraph's loader."""
    if isinstance(exc, SyntaxError):
        return _syntax_error(exc, data)
    if isinstance(exc, OSError | ValueError):
        return InputError(f"cannot read: {exc}", path=data.path)
    return exc


def load_data_file(
    store: ox.Store, data: DataFile, checked: Callable[[], None] | None = None
) -> None:
    """Load one user file into its own named graph (every graph of a TriG/N-Quads file too).

    Users' files can hold millions of triples, so they are checked by the project's one
    reader, streaming (:func:`emkg.rdfio.check_file`: syntax, IRIs, UTF-8, ill-typed
    literals, no triples; file, line and column; no rdflib graph), and bulk-loaded by
    Oxigraph without repeating the IRI checks. A triple file is checked and loaded side by
    side (the loader runs in a thread and releases the GIL): the check's error, when there is
    one, is the one reported. ``checked`` is called once the file has passed its check (its
    load may still be running). The caller loads into a staging store, so a refused file
    leaves the previous release as it was.
    """
    from emkg.rdfio import check_file

    target = ox.NamedNode(data.graph)
    if data.path.suffix.lower() in _TRIPLE_FORMATS:
        failed: list[BaseException] = []

        def load() -> None:
            try:
                store.bulk_load(path=data.path, format=data.fmt, to_graph=target, lenient=True)
            except BaseException as exc:  # reported by the calling thread
                failed.append(exc)

        loader = threading.Thread(target=load, name=f"emkg-load-{data.path.name}")
        loader.start()
        try:
            check_file(data.path)
            if checked is not None:
                checked()
        finally:
            loader.join()
            problems = failed[:]
            failed.clear()  # else the loader's error, its frame and this list make a cycle
        if problems:
            raise _load_error(problems[0], data) from problems[0]
    else:
        check_file(data.path)
        if checked is not None:
            checked()
        try:
            quads = ox.parse(path=data.path, format=data.fmt)
            store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, target) for q in quads)
        except (SyntaxError, OSError, ValueError) as exc:
            raise _load_error(exc, data) from exc
    for _quad in store.quads_for_pattern(None, None, None, target):
        return
    raise InputError(
        "the file holds no triples", path=data.path, hint="give a file with case graphs"
    )


# ---------------------------------------------------------------------------------------------
# the manifest and the staleness rule
# ---------------------------------------------------------------------------------------------


#: a file as the build found it: (modification time in ns, size in bytes)
Stamp = tuple[int, int]


def stamp(path: Path) -> Stamp | None:
    """What :func:`stale_reasons` compares: the file's mtime and size (None: no such file)."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size)


@dataclass
class Manifest:
    """What a release's store was built from: each file as the build found it."""

    started: float
    sources: dict[str, Stamp] = field(default_factory=dict)  # project files, from its root
    data: dict[str, Stamp] = field(default_factory=dict)  # users' files, absolute
    graphs: dict[str, int] = field(default_factory=dict)
    emkg: str = ""

    def to_json(self) -> str:
        body = {
            "format": MANIFEST_FORMAT,
            "emkg": self.emkg,
            "started": self.started,
            "sources": {k: list(v) for k, v in self.sources.items()},
            "data": {k: list(v) for k, v in self.data.items()},
            "graphs": self.graphs,
        }
        return json.dumps(body, indent=1) + "\n"

    @classmethod
    def read(cls, path: Path) -> Manifest:
        def stamps(value: Any) -> dict[str, Stamp]:
            return {str(k): (int(v[0]), int(v[1])) for k, v in dict(value).items()}

        try:
            body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            if body.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"format {body.get('format')!r}, not {MANIFEST_FORMAT}")
            return cls(
                started=float(body["started"]),
                sources=stamps(body.get("sources", {})),
                data=stamps(body.get("data", {})),
                graphs={str(k): int(v) for k, v in body.get("graphs", {}).items()},
                emkg=str(body.get("emkg", "")),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            raise InputError(
                f"unreadable release manifest: {exc}",
                path=path,
                hint="rebuild the release with emkg build",
            ) from exc


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path.resolve())


def stamp_inputs(sources: Sequence[Path], data: Sequence[DataFile]) -> Manifest:
    """The manifest's inputs, stamped as found now (call before reading them)."""
    root = paths.project_root()
    out = Manifest(started=time.time())
    for p in sources:
        found = stamp(p)
        if found is not None:
            out.sources[_relative(p, root)] = found
    for d in data:
        found = stamp(d.path)
        if found is not None:
            out.data[str(d.path)] = found
    return out


def read_manifest(release: Path | None = None) -> Manifest | None:
    """The manifest of the release's store, or None when the release has no store."""
    path = store_path(release) / MANIFEST
    return Manifest.read(path) if path.is_file() else None


def rebuild_command(release: Path | None, manifest: Manifest | None) -> str:
    """The ``emkg build`` command that rebuilds this release from the same inputs."""
    parts = ["emkg build"]
    if release is not None:
        parts.append(f"--out {release}")
    if manifest is not None and manifest.data:
        parts.append("--data " + " ".join(manifest.data))
    return " ".join(parts)


def _changed(path: Path, was: Stamp) -> str | None:
    now = stamp(path)
    if now is None:
        return f"{path} was deleted"
    return f"{path} changed" if now != was else None


def stale_reasons(manifest: Manifest) -> list[str]:
    """Why a release built per ``manifest`` no longer matches its sources (empty: current)."""
    reasons: list[str] = []
    try:
        root: Path | None = paths.project_root()
    except InputError:  # a release read away from any checkout: only its data files count
        root = None
    if root is not None:
        for rel, was in manifest.sources.items():
            found = _changed(root / rel, was)
            if found:
                reasons.append(found)
        listed = {root / rel for rel in manifest.sources}
        reasons += [f"{p} is new" for p in sorted(paths.kg_dir().glob("*.ttl")) if p not in listed]
    for name, was in manifest.data.items():
        found = _changed(Path(name), was)
        if found:
            reasons.append(found)
    return reasons


def ensure_release(release: Path | None = None, *, log: Log = _stderr) -> Path:
    """Apply the staleness rule (module documentation) and return the store's folder."""
    folder = release_folder(release)
    swap.recover(folder.resolve(), log)  # a swap a crash cut short is finished (or undone)
    try:
        manifest = read_manifest(folder)
        problem = None if manifest is not None else f"{folder} holds no release store"
    except InputError as exc:  # damaged, or written by another version of emkg
        manifest, problem = None, exc.message
    if manifest is None:
        if release is not None:  # a folder the user named: never built behind their back
            raise InputError(
                f"{problem}",
                path=None,
                hint=f"build it with: emkg build --out {folder} (add --data FILE ... for "
                "your own case graphs)",
            )
        from emkg.build import build

        log(f"{problem}: building the release first ({rebuild_command(release, None)})")
        build(folder)
        return store_path(folder)
    reasons = stale_reasons(manifest)
    if not reasons:
        return store_path(folder)
    more = f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else ""
    said = f"the release in {folder} is stale: {'; '.join(reasons[:3])}{more} since it was built"
    gone = [name for name in manifest.data if not Path(name).is_file()]
    if gone:
        log(
            f"warning: {said}; answering from the release as built, since it holds the only "
            f"copy of {', '.join(gone)}. To rebuild it, give the data files again: "
            f"{rebuild_command(release, manifest)}"
        )
        return store_path(folder)
    from emkg.build import build

    log(f"{said}: rebuilding it first ({rebuild_command(release, manifest)})")
    build(folder, [Path(name) for name in manifest.data])
    return store_path(folder)


def open_store(release: Path | None = None, *, log: Log = _stderr) -> ox.Store:
    """The release's store opened read-only (built first when missing; see the rule above)."""
    location = ensure_release(release, log=log)
    try:
        return ox.Store.read_only(str(location))
    except OSError as exc:
        raise InputError(
            f"cannot open the release's store: {exc}",
            path=location,
            hint=f"rebuild it with: {rebuild_command(release, read_manifest(release))}",
        ) from exc


# ---------------------------------------------------------------------------------------------
# writing the store (emkg build, into its staging folder)
# ---------------------------------------------------------------------------------------------


#: a rebuild takes over the previous store only while the users' graphs it must drop (changed
#: or no longer given files) hold at most this many triples, and no more than the graphs it
#: keeps: Oxigraph drops a graph quad by quad in one in-memory transaction, which costs about
#: what loading costs and grows in memory, while a fresh bulk load of everything does not.
REUSE_DROP_LIMIT = 1_000_000


@dataclass(frozen=True)
class Reuse:
    """What a rebuild takes over from the previous release's store (:func:`reuse_plan`)."""

    store: Path  # the previous release's store
    keep: dict[str, int]  # users' graphs whose file is unchanged: IRI -> triples


def reuse_plan(previous: Path, data: Sequence[DataFile], inputs: Manifest) -> Reuse | None:
    """Which users' graphs of the release in ``previous`` a rebuild can keep, or None.

    A graph is kept when its file is given again and is unchanged by the staleness rule
    (the same path, modification time and size as the previous build found it) and the
    previous store was written by this version of emkg. The curated graphs are always
    loaded again (they cost seconds). None: nothing to keep, or more to drop than to keep.
    """
    from emkg import __version__

    try:
        old = read_manifest(previous)
    except InputError:
        return None
    if old is None or old.emkg != __version__:
        return None
    keep: dict[str, int] = {}
    for item in data:
        was = old.data.get(str(item.path))
        if was is not None and was == inputs.data.get(str(item.path)) and item.graph in old.graphs:
            keep[item.graph] = old.graphs[item.graph]
    dropped = sum(
        n for g, n in old.graphs.items() if g.startswith(DATA_GRAPH_BASE) and g not in keep
    )
    if not keep or dropped > min(REUSE_DROP_LIMIT, sum(keep.values())):
        return None
    return Reuse(store_path(previous), keep)


def _reused_store(location: Path, reuse: Reuse) -> ox.Store | None:
    """A copy of the previous store at ``location`` holding only the graphs ``reuse`` keeps.

    The copy is a RocksDB checkpoint (:meth:`pyoxigraph.Store.backup`): on the same file
    system its immutable table files are hard links, so it costs no copy of the data, and
    the previous store is only read. None (and nothing left at ``location``) when it cannot
    be made: the caller then builds from scratch.
    """
    try:
        previous = ox.Store.read_only(str(reuse.store))
        try:
            previous.backup(str(location))
        finally:
            del previous
        store = ox.Store(str(location))
    except OSError:
        shutil.rmtree(location, ignore_errors=True)
        return None
    for graph in list(store.named_graphs()):
        if not (isinstance(graph, ox.NamedNode) and graph.value in reuse.keep):
            store.remove_graph(graph)
    return store


def _clear_frames(exc: BaseException | None, seen: set[int] | None = None) -> None:
    """Drop the local variables of the finished frames an exception and its causes hold.

    A failed build's traceback holds the frames that loaded the store; while they live, the
    store stays open and RocksDB may still write into the staging folder being removed.
    """
    seen = set() if seen is None else seen
    if exc is None or id(exc) in seen:
        return
    seen.add(id(exc))
    traceback.clear_frames(exc.__traceback__)
    _clear_frames(exc.__cause__, seen)
    _clear_frames(exc.__context__, seen)


@dataclass
class StoreReport:
    """What :func:`write_store` did: the manifest written, the counts, what it took over."""

    manifest: Manifest
    counts: dict[str, int]
    reused: list[str] = field(default_factory=list)  # users' graphs taken over unchanged
    seconds: dict[str, float] = field(default_factory=dict)  # step -> wall seconds


class _DataLoad:
    """The users' files loaded into ``store`` one after another in a thread of their own.

    Oxigraph's loader releases the GIL, so the caller can write the curated release files
    meanwhile. :meth:`wait_checked` waits until every file has passed its check (a refused
    file is then reported before anything is made of the curated sources); :meth:`finish`
    waits for the thread (Oxigraph's loader cannot be interrupted) and raises the first
    file's error, if any.
    """

    def __init__(self, store: ox.Store, data: Sequence[DataFile]) -> None:
        self.failed: list[BaseException] = []
        self.checked = threading.Event()
        self.thread: threading.Thread | None = None
        if data:
            self.thread = threading.Thread(
                target=self._run, args=(store, list(data)), name="emkg-load-data"
            )
            self.thread.start()
        else:
            self.checked.set()

    def _run(self, store: ox.Store, data: list[DataFile]) -> None:
        try:
            for number, item in enumerate(data, start=1):
                last = number == len(data)
                load_data_file(store, item, self.checked.set if last else None)
        except BaseException as exc:  # raised again by finish(), in the caller's thread
            self.failed.append(exc)
        finally:
            self.checked.set()

    def wait_checked(self) -> None:
        """Wait until every file has passed its check, or raise the first refused file's error
        (once the thread has ended); the last file may still be loading when this returns."""
        self.checked.wait()
        if self.failed:
            self.finish()

    def finish(self) -> None:
        """Wait for the thread to end, even through a Ctrl-C (raised once it has ended).

        The caller discards the staging store after a failure, so the loader must not be
        writing into it then; a Ctrl-C during the wait is held and raised afterwards.
        """
        interrupted: KeyboardInterrupt | None = None
        while self.thread is not None:
            try:
                self.thread.join()
            except KeyboardInterrupt as exc:
                interrupted = exc
            else:
                self.thread = None
        if interrupted is not None:
            raise interrupted
        if self.failed:
            problem = self.failed.pop()
            raise problem


def write_store(
    location: Path,
    nquads: bytes | Callable[[], bytes],
    data: Sequence[DataFile] = (),
    *,
    inputs: Manifest | None = None,
    counts: Callable[[ox.Store, dict[str, int]], dict[str, int]] | None = None,
    reuse: Reuse | None = None,
) -> StoreReport:
    """Create the on-disk store at ``location``: ``nquads`` plus one graph per data file.

    ``nquads``: the curated graphs as N-Quads, or the function that writes them. The users'
    files are checked and loaded in a thread of their own; once every one of them has passed
    its check (step ``check``: a refused file is reported then, before any curated work),
    ``nquads`` is called while the last file may still be loading, so the curated release
    files are written meanwhile; the step ``curated`` is its time and ``load`` the time the
    users' files took beyond it. ``inputs``: the files stamped by :func:`stamp_inputs`
    before they were read (default: none); ``counts(store, graphs)`` is computed before
    closing (``graphs`` maps each named graph to its triples). ``reuse``: the previous
    store's unchanged users' graphs (:func:`reuse_plan`) are taken over instead of loaded
    again. A store loaded from scratch is compacted (:meth:`pyoxigraph.Store.optimize`):
    the bulk loader leaves each index as several overlapping sorted runs, and one run per
    index makes lookups about twice as fast (README, "Where the time goes"). The store is
    closed when this returns, so its folder can be renamed.
    """
    manifest = inputs if inputs is not None else Manifest(started=time.time())
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = seconds.get(step, 0.0) + now - clock
        clock = now

    store = _reused_store(location, reuse) if reuse is not None else None
    kept = dict(reuse.keep) if store is not None and reuse is not None else {}
    if store is None:
        store = ox.Store(str(location))
    else:
        lap("reuse")
    try:
        loading = _DataLoad(store, [item for item in data if item.graph not in kept])
        try:
            if loading.thread is not None:
                loading.wait_checked()  # a refused users' file: said before the curated work
                lap("check")
            curated = nquads() if callable(nquads) else nquads
            lap("curated")
            store.bulk_load(curated, format=ox.RdfFormat.N_QUADS)
        finally:
            loading.finish()  # the users' files' error first: the curated one is then moot
        del loading
        lap("load")
        if not kept:
            store.optimize()
            lap("compact")
        manifest.graphs = graph_counts(store, known=kept)
        extra = counts(store, manifest.graphs) if counts is not None else {}
        store.flush()
        lap("count")
    except BaseException as exc:
        _clear_frames(exc)  # no frame of the failure may keep the store open while it is discarded
        gc.collect()  # nor a reference cycle
        raise
    finally:
        del store  # closes the RocksDB files (and stops RocksDB's background work in them)
    from emkg import __version__

    manifest.emkg = __version__
    (location / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return StoreReport(manifest, extra, sorted(kept), seconds)


def graph_counts(store: ox.Store, known: dict[str, int] | None = None) -> dict[str, int]:
    """Named graph IRI -> triples, counted in the store, in IRI order.

    Each graph is counted by its own ``COUNT(*)`` (a range scan, no grouping); the largest
    users' graph, when there is one, is the store's size less the other graphs (the store
    holds no triple outside a named graph), which saves a pass over the biggest graph.
    ``known``: graphs whose count is already known (taken over from a previous store); then
    the others are counted one by one and the store's size is not asked.
    """
    names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    data = [g for g in names if g.startswith(DATA_GRAPH_BASE)]
    by_difference = data[-1] if data and not known else None
    out: dict[str, int] = {g: n for g, n in (known or {}).items() if g in names}
    for name in names:
        if name == by_difference or name in out:
            continue
        result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        assert isinstance(result, ox.QuerySolutions)
        for sol in result:
            n = sol["n"]
            out[name] = int(n.value) if isinstance(n, ox.Literal) else 0
    if by_difference is not None:
        out[by_difference] = len(store) - sum(out.values())
    return {name: n for name, n in sorted(out.items()) if n}
