"""Pools of forked worker processes that end with the process that forked them.

A worker of a :class:`~concurrent.futures.ProcessPoolExecutor` waits for work from its
parent. When the parent is killed (SIGKILL, the out-of-memory killer), it would wait for
ever and keep its memory. On Linux each worker of :func:`forked_pool` asks the kernel
(``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to kill it when its parent dies. The kernel sends the
signal when the *thread* that forked the worker ends, so only workers forked by the main
thread (whose end is the process's end) ask for it. Where ``prctl`` is missing, nothing
changes.

A worker ignores SIGINT: Ctrl-C at a terminal signals the whole process group, and an idle
worker would print the traceback of its interrupted wait. The parent alone takes it: when
its block of ``with forked_pool(...)`` ends in an exception (the interrupt, an error), the
work not started is cancelled and the workers are ended, instead of waiting for the work
they are doing, whose answer nobody reads.

A worker that dies (the out-of-memory killer's SIGKILL) breaks its pool: every future not
done raises :class:`~concurrent.futures.process.BrokenProcessPool`, and the pool kills its
other workers (SIGTERM). :func:`how_ended` says how, for the caller's message.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

#: prctl option: the signal this process gets when its parent (thread) ends (linux/prctl.h)
_PR_SET_PDEATHSIG = 1


class _ForkedPool(ProcessPoolExecutor):
    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool | None:
        if exc_type is not None:
            end_now(self)
        return super().__exit__(exc_type, exc_val, exc_tb)


def forked_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` processes forked from this one (at the first submit, sharing its memory as
    it is then), killed by the kernel if this process dies first, ignoring SIGINT, ended
    at once if the ``with`` block ends in an exception (module docstring)."""
    return _ForkedPool(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_end_with_parent,
        initargs=(os.getpid(), threading.main_thread().ident),
    )


def end_now(pool: ProcessPoolExecutor) -> None:
    """Cancel the work of ``pool`` not started and end its workers (SIGKILL: they ignore
    SIGINT and hold nothing to save), without waiting for the work they are doing."""
    processes = list((pool._processes or {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    for process in processes:
        process.join()


def how_ended(pool: ProcessPoolExecutor, processes: list[Any]) -> str:
    """How the first of ``processes`` (the workers of the broken ``pool``) to die ended, for a
    message: "killed by SIGKILL", "ended with status 1". A SIGTERM is the pool's own ending of
    the other workers, so any other end is told first. Waits for the pool's ending."""
    pool.shutdown(wait=True, cancel_futures=True)
    codes = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
    codes.sort(key=lambda code: code == -signal.SIGTERM)
    if not codes:
        return "ended"
    if codes[0] > 0:
        return f"ended with status {codes[0]}"
    try:
        return f"killed by {signal.Signals(-codes[0]).name}"
    except ValueError:
        return f"killed by signal {-codes[0]}"


def _end_with_parent(parent: int, parent_main_thread: int | None) -> None:
    """In a worker, first: ignore SIGINT (module docstring); SIGKILL when ``parent`` dies
    (or now, if it is already gone)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if threading.get_ident() != parent_main_thread:  # a fork keeps the forking thread's id
        return
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (AttributeError, OSError, TypeError):  # not Linux
        return
    prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
