"""SIGTERM ends a benchmark and everything it started, as Ctrl-C would be expected to.

Python's default for SIGTERM ends the process at once, so a benchmark killed by `timeout` or a CI limit would
leave the Temporal dev server (a session of its own), the SMTP server, the worker and the intake it started running:
they are stopped in `finally` blocks that SIGTERM skips. Unwinding asyncio with a live Temporal worker can itself
wait a long time, so the processes are stopped first, by the handler, and the unwinding gets a few seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

UNWIND_SECONDS = 10  # then SIGALRM's default action ends the process


def sigterm_exits() -> None:
    """On SIGTERM: stop this process's child processes, then raise SystemExit(143) in the main thread."""

    def exit_now(signum: int, frame: Any) -> None:
        for pid in children(os.getpid()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        signal.alarm(UNWIND_SECONDS)
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, exit_now)


def children(parent: int) -> list[int]:
    """The processes whose parent is `parent` (Linux's /proc; none elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):  # (a process that ended meanwhile)
            continue
    return found
