"""SIGTERM ends a benchmark and everything it started.

Python's default for SIGTERM ends the process at once, so a benchmark killed by `timeout` or a CI limit would
leave the Temporal dev server (a session of its own), the SMTP server, the worker and the intake it started running:
they are stopped in `finally` blocks that SIGTERM skips. Unwinding asyncio through a Temporal worker whose server is
gone can take long, so the handler does not unwind: it stops the child processes, waits a little for them, runs
the cleanups it was given (removing temporary folders) and ends the process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

WAIT_SECONDS = 5.0  # for the children to end after their SIGTERM


def sigterm_exits(*cleanups: Callable[[], object]) -> None:
    """On SIGTERM: SIGTERM to this process's children, then `cleanups`, then exit with 143 (128 + SIGTERM)."""

    def exit_now(signum: int, frame: Any) -> None:
        stopping = children(os.getpid())
        for pid in stopping:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + WAIT_SECONDS
        while any(map(running, stopping)) and time.monotonic() < deadline:
            time.sleep(0.05)
        for cleanup in cleanups:
            with contextlib.suppress(Exception):
                cleanup()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, exit_now)


def children(parent: int) -> list[int]:
    """The processes whose parent is `parent` (Linux's /proc; none elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(stat.parent.name)
        if fields and int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped, does not)."""
    fields = _stat(str(pid))
    return bool(fields) and fields[0] != "Z"


def _stat(pid: str) -> list[str]:
    """The fields of /proc/PID/stat after the command's name (state, parent, ...); none for a process gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []
