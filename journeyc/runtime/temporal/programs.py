"""The builds this worker process runs, by version: what the customer workflows read their Program from.

A worker registers every build it keeps (runtime/builds.py) before it starts; workflows are passed this module
through the sandbox unchanged, so one Program per build serves every workflow of the process. A workflow that
needs a build the worker does not have fails its task, and Temporal gives it to a worker that has it (or retries
until one is deployed): it never runs on another build.
"""

from __future__ import annotations

from collections.abc import Mapping

from journeyc.runtime.program import Program

_PROGRAMS: dict[str, Program] = {}


def register(program: Program) -> None:
    _PROGRAMS[program.version] = program


def loaded() -> Mapping[str, Program]:
    return _PROGRAMS


def newest_known(versions: list[str]) -> str | None:
    """The last of `versions` this worker has."""
    return next((v for v in reversed(versions) if v in _PROGRAMS), None)
