"""Replacing a release folder whole: written beside it, swapped in by rename, crash-safe.

A release folder ``OUT`` holds only what one build made. The build writes a fresh folder
beside it and swaps it in; nothing of the previous ``OUT`` is carried over. In ``OUT``'s
parent folder:

* ``.OUT.new-<pid>-<id>/``: being written by process ``pid``;
* ``.OUT.ready-<pid>-<id>/``: complete (and, for ``emkg all``, validated), waiting to be
  swapped in;
* ``.OUT.old-<pid>-<id>/``: the previous release, during the swap.

The swap runs under an exclusive lock on the parent folder (``flock``), so concurrent builds
swap one after the other and ``OUT`` is always all-old or all-new:

1. ``.OUT.new-X`` -> ``.OUT.ready-X`` (the folder is complete);
2. ``OUT`` -> ``.OUT.old-X``;
3. ``.OUT.ready-X`` -> ``OUT``;
4. ``.OUT.old-X`` is removed.

A crash (power loss, ``kill -9``) between steps 2 and 3 leaves no ``OUT`` but both folders.
:func:`recover`, which every command that writes or reads a release runs first under the same
lock, finishes such a swap: a complete ``.OUT.ready-X`` becomes ``OUT`` (it is the newer
release, already complete); failing that, ``.OUT.old-X`` is put back. It removes the
``.OUT.old-*`` a swap cut after step 3 left, and the ``.new``/``.ready`` folders of processes
that are no longer running. What it did is reported, never done silently.

To break a lock by hand: the lock is the kernel's ``flock`` on the parent folder, released
when the holding process exits; no file needs deleting.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from emkg.errors import InputError, describe_os_error

Log = Callable[[str], None]

_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>new|ready|old)-(?P<pid>\d+)-(?P<id>[0-9a-f]+)$")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def failed_folder(out: Path) -> Path:
    """Where ``emkg all`` keeps a release that failed validation: ``OUT.failed`` beside it."""
    return out.parent / f"{out.name}.failed"


@contextlib.contextmanager
def _locked(parent: Path) -> Iterator[None]:
    """Hold the exclusive lock on ``parent`` (blocks while another swap runs)."""
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(out: Path) -> list[tuple[str, int, Path]]:
    found: list[tuple[str, int, Path]] = []
    if not out.parent.is_dir():
        return found
    for item in out.parent.iterdir():
        m = _LEFTOVER.match(item.name)
        if m and m.group("name") == out.name and item.is_dir():
            found.append((m.group("kind"), int(m.group("pid")), item))
    return sorted(found, key=lambda f: f[2].stat().st_mtime)


def _recover_locked(out: Path, log: Log) -> list[str]:
    done: list[str] = []
    items = _leftovers(out)
    ready = [p for kind, pid, p in items if kind == "ready" and not _alive(pid)]
    old = [p for kind, _pid, p in items if kind == "old"]
    if not out.exists() and (ready or old):
        if ready:
            chosen = ready[-1]  # the newest complete release
            chosen.rename(out)
            ready.remove(chosen)
            done.append(
                f"{out}: a swap was cut short (no {out.name} was left); finished it with the "
                f"complete new release {chosen.name}"
            )
        else:
            chosen = old[-1]
            chosen.rename(out)
            old.remove(chosen)
            done.append(
                f"{out}: a swap was cut short (no {out.name} was left); put the previous "
                f"release back from {chosen.name}"
            )
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
        done.append(f"{out}: removed {path.name}, a previous release a finished swap left")
    for kind, pid, path in items:
        if kind in {"new", "ready"} and path.exists() and not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"{out}: removed {path.name}, left by an interrupted build (pid {pid})")
    for message in done:
        log(f"recovered: {message}")
    return done


def recover(out: Path, log: Log = _stderr) -> list[str]:
    """Finish or undo a swap of ``out`` a crash cut short; remove dead builds' folders.

    Returns (and logs) one line per thing done; an empty list when all was in order.
    """
    out = Path(out).resolve()
    if not out.parent.is_dir() or not _leftovers(out):
        return []
    with _locked(out.parent):
        return _recover_locked(out, log)


def staging(out: Path) -> Path:
    """A fresh, empty folder beside ``out`` to write a new release into."""
    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise InputError("the output path exists and is not a folder", path=out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        folder = out.parent / f".{out.name}.new-{os.getpid()}-{os.urandom(4).hex()}"
        folder.mkdir()
    except OSError as exc:
        what, hint = describe_os_error(exc)
        raise InputError(
            f"cannot write the release: {what}",
            path=out,
            hint=f"{hint} (--out); the previous release, if any, is unchanged",
        ) from exc
    return folder


def discard(folder: Path) -> None:
    """Remove a staging folder that will not be published."""
    shutil.rmtree(folder, ignore_errors=True)


def publish(folder: Path, out: Path, log: Log = _stderr) -> None:
    """Swap the complete staging ``folder`` in as ``out`` (see the module documentation)."""
    out = Path(out).resolve()
    ready = folder.with_name(folder.name.replace(".new-", ".ready-", 1))
    folder.rename(ready)
    old = ready.with_name(ready.name.replace(".ready-", ".old-", 1))
    try:
        with _locked(out.parent):
            _recover_locked(out, log)
            if out.exists():
                out.rename(old)
            ready.rename(out)
    except BaseException:
        if ready.exists() and not out.exists() and old.exists():
            old.rename(out)
        shutil.rmtree(ready, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


def keep_failed(folder: Path, out: Path) -> Path:
    """Put a staging folder that failed its checks beside ``out`` as ``OUT.failed``."""
    out = Path(out).resolve()
    target = failed_folder(out)
    with _locked(out.parent):
        if target.exists():
            shutil.rmtree(target)
        folder.rename(target)
    return target
