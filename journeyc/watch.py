"""`journeyc watch`: check (and build, when clean) on every save, until Ctrl-C.

Each round lists the project's files again (files may come and go) and checks incrementally
(journeyc/incremental): only the files the file events name are read again, and only the checks that depend on
what changed run again, with the diagnostics a cold check gives. A user's mistake is printed, never fatal.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from journeyc.build import build_outputs, build_problems, shown_path, write
from journeyc.emit.pyliteral import UnsafeValueError
from journeyc.incremental.engine import Incremental
from journeyc.load import ProjectFiles, ProjectNotFoundError, describe_os_error, find_project
from journeyc.pipeline import CheckResult, check_project

WATCHED_SUFFIXES = (".journey", ".mjml", ".html", ".txt", ".toml")


@dataclass(frozen=True)
class Round:
    """One check (and build) after a change."""

    result: CheckResult | None  # None when the project could not be read (a usage problem, e.g. bad settings)
    problem: str | None  # that usage problem, or why the build could not be written, in plain words
    seconds: float  # from the change being seen to the diagnostics being ready
    built: bool
    changed: tuple[str, ...]
    skipped: str | None = None  # why nothing was built although a build folder was given (errors in the project)


def run_round(
    path: str | None,
    out: Path | None,
    engine: Incremental,
    changed: tuple[str, ...] | None = None,
    listing: ProjectFiles | None = None,
) -> Round:
    """Check, then build when there are no errors. A problem reading or writing files is reported, never raised:
    the files may change again a moment later, and watch keeps going. `changed`: the display paths of the files
    that changed since the last round (None: any may have); `listing`: the project's files when none came or went
    since the last round (else they are listed again)."""
    start = time.perf_counter()
    engine.changed(changed)
    try:
        result = check_project(listing or find_project(path), incremental=engine)
    except ProjectNotFoundError as error:
        engine.changed(None)  # what this round could not read is read again next time
        return Round(None, str(error), time.perf_counter() - start, False, changed or ())
    except OSError as error:  # a file or folder changed under the check
        engine.changed(None)
        return Round(None, f"cannot read the project: {describe_os_error(error)}", time.perf_counter() - start,
                     False, changed or ())  # fmt: skip
    shown = changed or ()
    if out is None:
        return Round(result, None, time.perf_counter() - start, False, shown)
    skipped = _why_not_built(result)
    if skipped is not None:
        return Round(result, None, time.perf_counter() - start, False, shown, skipped)
    try:
        write(build_outputs(result), out, shown_path(out))
    except (ProjectNotFoundError, UnsafeValueError) as error:
        return Round(result, f"not built: {error}", time.perf_counter() - start, False, shown)
    except OSError as error:
        problem = f"not built: cannot write into {shown_path(out)}: {describe_os_error(error)}"
        return Round(result, problem, time.perf_counter() - start, False, shown)
    return Round(result, None, time.perf_counter() - start, True, shown)


def _why_not_built(result: CheckResult) -> str | None:
    if result.errors:
        return f"the project has {result.errors} error{'s' * (result.errors != 1)}"
    problems = build_problems(result)
    if problems:
        return "; ".join(problems)
    return None


def watch(
    path: str | None,
    out: Path | None,
    report: Callable[[Round], None],
    stop: threading.Event | None = None,
    debounce_ms: int = 50,
    ignore: Path | None = None,
    around_round: Callable[[], AbstractContextManager[object]] = nullcontext,
    around_small_round: Callable[[], AbstractContextManager[object]] | None = None,
) -> None:
    """Check once, then after every change of a watched file until `stop` is set or Ctrl-C.

    `ignore`: a folder whose changes are not the user's (another output, such as the site of `journeyc docs`).
    `around_round`: what each round runs inside, and `report` after it (the command line pauses the collector).
    `around_small_round`: what each round after the first runs inside, one that leaves what the round built in
    the collector's young generations (collector_paused_young): after a round that was incremental (the interface
    did not change: see incremental/engine.py), only those are collected, not everything alive.
    """
    root = find_project(path).root  # a wrong PATH is a usage error at start, not later
    engine = Incremental()
    last: Round | None = None

    def one_round(changed: tuple[str, ...] | None = None, listing: ProjectFiles | None = None) -> None:
        nonlocal last
        small = around_small_round is not None and last is not None
        with (around_small_round if small and around_small_round is not None else around_round)():
            last = run_round(path, out, engine, changed, listing)
            report(last)
        # A check's cyclic garbage skips the collector's young generations (collector_paused moves it to the
        # oldest), whose automatic collection may never come: without this, every round's would stay in memory.
        # Collected here, after the report, while the user reads it. After a small round whose objects were
        # left young, collecting the young generations finds it (scanning everything alive took 0.4 s of CPU
        # after every save on the 1,000-file project).
        if small and not engine.changed_interface:
            gc.collect(1)
        else:
            gc.collect()

    one_round()
    ignored = [folder.resolve() for folder in (out, ignore) if folder is not None]

    def wanted(_change: watchfiles.Change, changed_path: str) -> bool:
        target = Path(changed_path)
        if any(target == folder or folder in target.parents for folder in ignored):
            return False  # our own output
        if any(part.startswith(".") for part in target.relative_to(root).parts[:-1]):
            return False
        return target.suffix in WATCHED_SUFFIXES

    for changes in watchfiles.watch(
        root, watch_filter=wanted, stop_event=stop, debounce=debounce_ms, step=20, raise_interrupt=False
    ):
        names = tuple(sorted(Path(p).relative_to(root).as_posix() for _, p in changes))
        files = last.result.files if last is not None and last.result is not None else None
        if files is not None and not _same_listing(changes, names, files):
            files = None  # a file came or went, or the settings changed: list the project again
        one_round(names, files)


def _same_listing(changes: set[tuple[watchfiles.Change, str]], names: tuple[str, ...], files: ProjectFiles) -> bool:
    """Whether the project's list of files and its settings stay as they were after these changes."""
    if any(change != watchfiles.Change.modified for change, _ in changes):
        return False
    return all(name in files.files or not name.endswith((".journey", ".toml")) for name in names)
