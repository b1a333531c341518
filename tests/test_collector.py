"""The garbage collector: only the command line tunes it (cli.run: off for commands that end; paused around each round
of watch and docs --serve); library calls leave it as they found it. `collector_paused`, the pause itself."""

from __future__ import annotations

import gc
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, check

from journeyc.collector import collector_paused
from journeyc.runtime.eventlog import parse_time
from journeyc.simulate import simulate
from journeyc.watch import Round, watch

TUNING = ("disable", "enable", "freeze", "unfreeze", "set_threshold", "collect")


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation))


def _state() -> tuple[bool, tuple[int, ...], int]:
    return gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()


@pytest.fixture
def gc_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the gc functions called while the test runs (they still do what they do)."""
    calls: list[str] = []
    for name in TUNING:
        real = getattr(gc, name)
        monkeypatch.setattr(gc, name, lambda *args, _real=real, _name=name: calls.append(_name) or _real(*args))
    yield calls


@pytest.mark.parametrize("enabled", [True, False])
def test_check_project_and_simulate_leave_the_collector_as_they_found_it(gc_calls: list[str], enabled: bool) -> None:
    """A language server or a worker calls these for days: a pause or a freeze there would keep memory for good."""
    journeys = REPO / "journeys"
    lines = (journeys / "events" / "sample.jsonl").read_text(encoding="utf-8").splitlines()
    if not enabled:
        gc.disable()
    try:
        before = _state()
        gc_calls.clear()
        result = check(journeys)
        assert not result.errors
        simulation = simulate(result, lines, parse_time("2026-04-01T00:00:00Z"))
        assert simulation.simulator.outbox  # it did run
        assert gc_calls == []
        assert _state() == before
    finally:
        gc.enable()


def test_what_the_block_built_goes_to_the_oldest_generation_without_a_scan():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        made = [{"built": index} for index in range(1000)]
    assert gc.isenabled()
    assert _in_generation(made, 2) and not _in_generation(made, 0)
    assert gc.get_count()[0] < 100  # no pass over the 1,000 dicts is due
    assert gc.get_freeze_count() == 0  # the collector still sees them: their cycles, if any, will be collected


def test_the_pause_ends_on_an_error_and_leaves_the_collector_as_the_caller_had_it():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failed run")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_freeze_takes_what_lives_out_of_the_collectors_sight():
    try:
        with collector_paused(freeze=True):
            made = [[] for _ in range(10)]
        assert gc.get_freeze_count() >= len(made)
        assert not any(_in_generation(made, generation) for generation in range(3))
    finally:
        gc.unfreeze()


def test_watch_rounds_run_inside_what_the_command_line_gives(tmp_path: Path) -> None:
    """`journeyc watch` pauses the collector around each round through `around_round`; the library does not."""
    shutil.copytree(REPO / "examples" / "coffee_shop", tmp_path / "project")
    stop, seen = threading.Event(), []

    class Around:
        def __enter__(self) -> None:
            seen.append("enter")

        def __exit__(self, *exc: object) -> None:
            seen.append("exit")

    def report(round_: Round) -> None:
        seen.append("report")
        stop.set()

    watch(str(tmp_path / "project"), None, report, stop, around_round=Around)
    assert seen == ["enter", "report", "exit"]
