"""Typed errors and the exit codes the command line maps them to.

Exit codes follow pySHACL's convention and extend it:
0 success / conforms, 1 the check ran and found problems (violations, an inconsistent
ontology, a failed quality query), 2 bad input (unreadable file, unknown parameter,
bad usage, and faults of the machine: an unwritable folder, a full disk, a port in use),
3 a required runtime is missing (Java), 4 a remote server failed, 70 an internal error (a
fault in emkg itself, reported without a traceback unless ``EMKG_DEBUG`` is set).
"""

from __future__ import annotations

import errno
from pathlib import Path

#: exit code for a fault in emkg itself (sysexits' EX_SOFTWARE)
INTERNAL_ERROR = 70


class EmkgError(Exception):
    """Base class: every error the command line reports without a traceback."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  what to do: {self.hint}"
        return self.message


class InputError(EmkgError):
    """A file or value given to emkg cannot be used."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f":{line}"
                if column is not None:
                    where += f":{column}"
            where += ": "
        super().__init__(f"{where}{message}", hint=hint)
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column


class UsageError(EmkgError):
    """The command was called with arguments that do not fit."""

    exit_code = 2


class CheckFailed(EmkgError):
    """A check ran to completion and found problems."""

    exit_code = 1


class RuntimeMissing(EmkgError):
    """A program emkg needs (Java for HermiT, a server binary) is not installed."""

    exit_code = 3


class RemoteError(EmkgError):
    """A SPARQL server did not answer, answered with an error, or lost data.

    ``answered`` is False when no answer of the server itself came back (a timeout, a
    connection closed, a gateway's 502/504): the server may still be running the request.
    """

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        answered: bool = True,
        status: int | None = None,
        tried: int = 1,
        last: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.answered = answered
        self.status = status  # the HTTP status of the last answer, None when none came
        self.tried = tried
        self.last = last or message


_OS_ERRORS: dict[int, tuple[str, str]] = {
    errno.EACCES: ("permission denied", "choose a location you may write to, or fix its mode"),
    errno.EPERM: ("operation not permitted", "choose a location you may write to"),
    errno.EROFS: ("the file system is read-only", "choose a writable location"),
    errno.ENOSPC: (
        "no space left on the device",
        "free some space and run again; outputs are written whole or not at all",
    ),
    errno.EDQUOT: ("disk quota exceeded", "free some space and run again"),
    errno.EFBIG: ("the file is larger than this machine allows", "free space or raise the limit"),
    errno.EADDRINUSE: ("the address is already in use", "choose another --port"),
    errno.EADDRNOTAVAIL: ("the address is not available on this machine", "choose another --host"),
    errno.ENOTDIR: ("a part of the path is not a folder", "check the path"),
    errno.EISDIR: ("it is a folder", "give a file name, not a folder"),
}


def describe_os_error(exc: OSError) -> tuple[str, str]:
    """What an OSError of the machine means for a user, and what to do about it."""
    fallback = (exc.strerror or type(exc).__name__).lower()
    return _OS_ERRORS.get(exc.errno or -1, (fallback, "check the path and the machine"))
