"""Forked worker pools (emkg.forkpool): Ctrl-C reaches the parent alone, and a block that
ends in an exception does not wait for the work under way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from emkg.forkpool import forked_pool
from processes import alive, children

# a parent whose forked workers are idle (one has done its work, one never had any) when
# Ctrl-C signals the whole process group, as a terminal does
_IDLE_AT_CTRL_C = """
import time
from emkg.forkpool import forked_pool
try:
    with forked_pool(2) as pool:
        pool.submit(int).result()
        print("ready", flush=True)
        time.sleep(60)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_reaches_the_parent_alone() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _IDLE_AT_CTRL_C],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
        workers = children(proc.pid)
        assert len(workers) == 2
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert out == b"interrupted\n"
    assert b"Traceback" not in err, err.decode()  # no worker printed its interrupted wait
    assert not any(alive(pid) for pid in workers)


def test_a_block_ending_in_an_exception_ends_the_work_under_way() -> None:
    # Ctrl-C (or an error) while a worker is busy: the block ends at once, its work not
    # waited for, the workers ended, the work not started cancelled
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), forked_pool(1) as pool:  # noqa: PT012
        busy = pool.submit(time.sleep, 30)
        waiting = pool.submit(time.sleep, 30)
        while not busy.running():
            time.sleep(0.01)
        workers = list(pool._processes.values())
        time.sleep(0.3)
        raise KeyboardInterrupt
    assert time.monotonic() - started < 10
    assert waiting.cancelled() or waiting.exception() is not None
    assert not any(w.is_alive() for w in workers)
