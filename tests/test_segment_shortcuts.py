"""The simulator's shortcuts over segments give what evaluating every segment gives: the demo company's journeys
over generated traffic (benchmarks/simulate_workloads.py), run with each shortcut and without, have the same
outbox, timelines and segments."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import REPO, check

from journeyc.build import build_outputs
from journeyc.runtime.eventlog import read_log
from journeyc.runtime.history import Keys
from journeyc.runtime.program import Program
from journeyc.runtime.segment_plan import SegmentPlan
from journeyc.runtime.simulator import Simulator

sys.path.insert(0, str(REPO / "benchmarks"))
from simulate_workloads import WORKLOADS, end_of, write_log  # (benchmarks/ is not a package)


def simulated(build: dict[str, bytes], log: Path, workload: str, shortcuts: bool) -> Simulator:
    data = {name: json.loads(build[f"data/{name}.json"]) for name in ("events", "shapes", "profile")}
    with log.open(encoding="utf-8") as handle:
        read = read_log(handle, data["events"], data["shapes"], data["profile"])
    program = Program(build)
    if not shortcuts:
        program.segments.idle.clear()
    simulator = Simulator(program)  # every customer's timeline kept
    simulator.run_log(read.entries, end_of(WORKLOADS[workload]))
    return simulator


@pytest.mark.parametrize("workload", ["segment_heavy", "waiting_runs", "few_events"])
def test_segments_skipped_while_a_customer_has_none_of_their_events_change_nothing(tmp_path, workload):
    result = check(REPO / "journeys")
    build = build_outputs(result)
    assert Program(build).segments.idle, "the demo company's segments read only history: the shortcut applies"
    log = tmp_path / "log.jsonl"
    write_log(log, WORKLOADS[workload], 3000, 300, seed=11)
    fast, full = (simulated(build, log, workload, shortcuts) for shortcuts in (True, False))
    assert fast.outbox == full.outbox
    assert fast.log == full.log
    assert {key: c.segments for key, c in fast.customers.items()} == {
        key: c.segments for key, c in full.customers.items()
    }
    # (What the shortcut could get wrong happens: customers enter segments; anonymous visitors are merged.)
    assert any(what.startswith("entered segment") for _, _, what, _ in full.log) or workload == "few_events"
    assert full.merges > 0 or workload != "few_events"


BEHAVIOUR = '{"kind": "behaviour", "event": "Order Completed", "op": ">=", "threshold": 1, "window": null}'
PROFILE = '{"kind": "compare", "op": "==", "left": {"kind": "path", "parts": ["profile", "tier"]}, "right": {"kind": "const", "value": "gold"}}'  # fmt: skip
LAST = '{"kind": "compare", "op": ">", "left": {"kind": "last", "event": "Order Completed", "property": "total"}, "right": {"kind": "const", "value": 100}}'  # fmt: skip


@pytest.mark.parametrize(
    ("text", "idle"),
    [
        (BEHAVIOUR, (frozenset({"Order Completed"}), False)),
        (f'{{"kind": "not", "item": {BEHAVIOUR}}}', (frozenset({"Order Completed"}), True)),
        (LAST, (frozenset({"Order Completed"}), False)),
        (f'{{"kind": "and", "items": [{BEHAVIOUR}, {PROFILE}]}}', None),  # reads the profile: never skipped
        ('{"kind": "in_segment", "segment": "other"}', None),  # follows another segment
    ],
)
def test_only_segments_reading_nothing_but_history_are_skipped_with_their_value_over_no_events(text, idle):
    plan = SegmentPlan({"s": {"condition": json.loads(text)}, "other": {"condition": None}}, Keys())
    assert plan.idle.get("s") == idle
