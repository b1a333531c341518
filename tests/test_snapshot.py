"""An engine snapshotted at any moment and restored elsewhere goes on exactly as if it had never stopped.

This is what the live runtime relies on when a customer's workflow continues as new: every run's coroutine is
brought back to its wait through its journal, every timer, held send, segment, ledger entry and timeline line
comes back. Random event logs over the demo company (tests/test_policy_invariants.py's generator) are cut at
random points: the outbox and timelines of cut-and-restored runs equal those of one uninterrupted run.
"""

from __future__ import annotations

import json

import pytest
from conftest import REPO, check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_policy_invariants import cases

from journeyc.build import build_outputs
from journeyc.runtime.eventlog import read_log
from journeyc.runtime.program import Program
from journeyc.runtime.simulator import Simulator
from journeyc.runtime.snapshot import SnapshotError, restore, snapshot


@pytest.fixture(scope="module")
def program():
    result = check(REPO / "journeys")
    build = build_outputs(result)
    return Program(build)


def entries_of(program: Program, lines: list[str]):
    """The log's accepted calls in the order the simulator takes them (time, then line)."""
    return sorted(read_log(lines, program.events_plan, program.shapes).entries, key=lambda e: (e.time, e.line))


def through_json(state: dict) -> dict:
    """What a workflow carries across continue-as-new: JSON, nothing else."""
    return json.loads(json.dumps(state, allow_nan=False))


@settings(max_examples=25, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])  # fmt: skip
@given(case=cases(), cuts=st.lists(st.floats(0, 1), min_size=1, max_size=3))
def test_a_restored_engine_goes_on_as_if_it_never_stopped(program, case, cuts):
    entries = entries_of(program, case.lines)
    whole = Simulator(program)
    whole.run_log(entries, case.until)

    engine = Simulator(program)
    done = 0
    outbox: list[dict] = []
    for cut in sorted(cuts):
        upto = done + int(cut * (len(entries) - done))
        while 0 < upto < len(entries) and entries[upto].time == entries[upto - 1].time:
            upto += 1  # (a cut falls between two moments, never inside one)
        if upto == done or upto >= len(entries):
            continue
        # Everything up to just before the next event: timers due at its moment fire after the restore, as
        # they would have (timers fire before an event at the same time).
        engine.run_log(entries[done:upto], entries[upto].time - 1e-6)
        outbox += engine.outbox
        engine = restore({program.version: program}, through_json(snapshot(engine)))
        done = upto
    engine.run_log(entries[done:], case.until)
    outbox += engine.outbox
    assert outbox == whole.outbox
    assert engine.log == [list(line) for line in whole.log]


def test_a_snapshot_is_plain_data_in_a_stable_order(program):
    lines = (REPO / "journeys" / "events" / "sample.jsonl").read_text(encoding="utf-8").splitlines()
    entries = entries_of(program, lines)
    engine = Simulator(program)
    engine.run_log(entries[: len(entries) // 2], entries[len(entries) // 2].time - 1)
    state = snapshot(engine)
    assert through_json(state) == state
    again = snapshot(restore({program.version: program}, through_json(state)))
    assert json.dumps(again) == json.dumps(state)
    assert any(run["journal"] for run in state["runs"]), "the sample leaves runs waiting mid-journey"


def test_a_run_of_a_build_the_worker_does_not_have_is_refused_by_name(program):
    lines = (REPO / "journeys" / "events" / "sample.jsonl").read_text(encoding="utf-8").splitlines()
    engine = Simulator(program)
    engine.run_log(entries_of(program, lines), 0)
    state = through_json(snapshot(engine))
    state["runs"] = [{**run, "version": "0123456789abcdef"} for run in state["runs"]]
    if state["runs"]:
        with pytest.raises(SnapshotError, match="0123456789abcdef is not loaded here"):
            restore({program.version: program}, state)
