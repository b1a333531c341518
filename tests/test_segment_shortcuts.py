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
from journeyc.runtime.conditions import Event
from journeyc.runtime.eventlog import LogEntry, read_log
from journeyc.runtime.history import History, Keys
from journeyc.runtime.identity import anonymous_key
from journeyc.runtime.program import Program
from journeyc.runtime.segment_plan import SegmentPlan, only_raises
from journeyc.runtime.simulator import Simulator

sys.path.insert(0, str(REPO / "benchmarks"))
from simulate_workloads import WORKLOADS, end_of, write_log  # (benchmarks/ is not a package)


class EveryCallEvaluates(Simulator):
    """The oracle: after every call, every segment of its customer is evaluated again (what any shortcut that
    skips an evaluation must agree with: a change it missed shows as a segment entered late)."""

    def handle(self, entry: LogEntry) -> None:
        super().handle(entry)
        key = entry.user_id if entry.user_id is not None else anonymous_key(entry.anonymous_id or "")
        customer = self.customers.get(self.identities.find(key))
        if customer is not None:
            self.update_segments(customer, self.segments.order)


def simulated(
    build: dict[str, bytes],
    log: Path,
    workload: str,
    shortcuts: bool,
    every_reader: bool = False,
    simulator_type: type[Simulator] = Simulator,
) -> Simulator:
    """`shortcuts=False`: no segment skipped while idle; `every_reader`: an event re-evaluates every segment that
    reads it (and those referring to them), whatever filters it fails."""
    data = {name: json.loads(build[f"data/{name}.json"]) for name in ("events", "shapes", "profile")}
    with log.open(encoding="utf-8") as handle:
        read = read_log(handle, data["events"], data["shapes"], data["profile"])
    program = Program(build)
    if not shortcuts:
        program.segments.idle.clear()
    if every_reader:
        plan = program.segments
        plan.moved_by = lambda _history, event, _joined, _properties, _members=(): plan.affected(  # type: ignore[method-assign]
            {name for name, _ in plan.readers.get(event, ())}
        )
    simulator = simulator_type(program)  # every customer's timeline kept
    simulator.run_log(read.entries, end_of(WORKLOADS[workload]))
    return simulator


def same_outcome(fast: Simulator, full: Simulator) -> None:
    assert fast.outbox == full.outbox
    assert fast.log == full.log
    assert {key: c.segments for key, c in fast.customers.items()} == {
        key: c.segments for key, c in full.customers.items()
    }


@pytest.mark.parametrize("workload", ["segment_heavy", "waiting_runs", "few_events"])
def test_segments_skipped_while_a_customer_has_none_of_their_events_change_nothing(tmp_path, workload):
    result = check(REPO / "journeys")
    build = build_outputs(result)
    assert Program(build).segments.idle, "the demo company's segments read only history: the shortcut applies"
    log = tmp_path / "log.jsonl"
    write_log(log, WORKLOADS[workload], 3000, 300, seed=11)
    fast, full = (simulated(build, log, workload, shortcuts) for shortcuts in (True, False))
    same_outcome(fast, full)
    # (What the shortcut could get wrong happens: customers enter segments; anonymous visitors are merged.)
    assert any(what.startswith("entered segment") for _, _, what, _ in full.log) or workload == "few_events"
    assert full.merges > 0 or workload != "few_events"


@pytest.mark.parametrize(
    ("workload", "oracle"),
    [(workload, "every reader") for workload in ("send_heavy", "segment_heavy", "waiting_runs")]
    + [(workload, "every call") for workload in ("send_heavy", "few_events", "waiting_runs")],
)
def test_the_segments_evaluated_after_a_call_are_all_that_may_have_changed(tmp_path, workload, oracle):
    # Two oracles: an event re-evaluates every segment that reads it, whatever filters it fails; every segment is
    # evaluated after every call. (send_heavy and waiting_runs tie a web call's anonymousId to a known customer
    # with no one to merge; few_events merges anonymous visitors into their accounts.)
    build = build_outputs(check(REPO / "journeys"))
    log = tmp_path / "log.jsonl"
    write_log(log, WORKLOADS[workload], 3000, 300, seed=11)
    fast = simulated(build, log, workload, shortcuts=True)
    every_call = oracle == "every call"
    full = simulated(build, log, workload, shortcuts=True, every_reader=not every_call,
                     simulator_type=EveryCallEvaluates if every_call else Simulator)  # fmt: skip
    same_outcome(fast, full)
    if workload == "few_events":
        assert full.merges > 0
    else:
        assert any(what.startswith("entered segment") for _, _, what, _ in full.log)


def test_an_event_failing_the_filter_of_an_index_not_built_yet_moves_no_segment():
    # `any "Order Completed" and at least 2 "Product Viewed" where category == "dresses"`, for a customer who
    # ordered: nothing evaluated it since, so the views' index is not built.
    views = {"kind": "behaviour", "event": "Product Viewed", "op": ">=", "threshold": 2, "window": None,
             "where": json.loads(DRESSES)}  # fmt: skip
    condition = {"kind": "and", "items": [json.loads(BEHAVIOUR), views]}
    keys = Keys()
    plan = SegmentPlan({"s": {"condition": condition}}, keys)
    history = History(keys)
    history.append(Event("Order Completed", 5.0, {}))
    for category, moves in (("shoes", ()), ("dresses", ("s",))):
        event = Event("Product Viewed", 10.0, {"category": category})
        joined = history.append(event)
        assert tuple(plan.moved_by(history, "Product Viewed", joined, event.properties)) == moves
    assert not history.indexes  # (nothing evaluated it: still no index)


def test_an_event_moves_no_segment_its_idle_shortcut_decides():
    # The same segment for a customer who never ordered: `any "Order Completed"` is False and decides the `and`
    # whatever they view (their first call found it so, and nothing since changed it); an order moves it.
    views = {"kind": "behaviour", "event": "Product Viewed", "op": ">=", "threshold": 2, "window": None,
             "where": json.loads(DRESSES)}  # fmt: skip
    keys = Keys()
    plan = SegmentPlan({"s": {"condition": {"kind": "and", "items": [json.loads(BEHAVIOUR), views]}}}, keys)
    history = History(keys)
    for _ in range(3):
        event = Event("Product Viewed", 10.0, {"category": "dresses"})
        assert tuple(plan.moved_by(history, "Product Viewed", history.append(event), event.properties)) == ()
    order = Event("Order Completed", 11.0, {})
    assert tuple(plan.moved_by(history, "Order Completed", history.append(order), {})) == ("s",)


DRESSES = '{"kind": "compare", "op": "==", "left": {"kind": "path", "parts": ["category"]}, "right": {"kind": "const", "value": "dresses"}}'  # fmt: skip
BEHAVIOUR = '{"kind": "behaviour", "event": "Order Completed", "op": ">=", "threshold": 1, "window": null}'
PROFILE = '{"kind": "compare", "op": "==", "left": {"kind": "path", "parts": ["profile", "tier"]}, "right": {"kind": "const", "value": "gold"}}'  # fmt: skip
LAST = '{"kind": "compare", "op": ">", "left": {"kind": "last", "event": "Order Completed", "property": "total"}, "right": {"kind": "const", "value": 100}}'  # fmt: skip


ORDERED = frozenset({"Order Completed"})
VIEWS = '{"kind": "behaviour", "event": "Product Viewed", "op": ">=", "threshold": 3, "window": {"kind": "last", "duration": {"seconds": 2592000}}}'  # fmt: skip
NOT_ORDERED = f'{{"kind": "not", "item": {BEHAVIOUR}}}'


@pytest.mark.parametrize(
    ("text", "idle"),
    [
        (BEHAVIOUR, (("Order Completed", False),)),
        (NOT_ORDERED, (("Order Completed", True),)),
        (LAST, (("Order Completed", False),)),
        ('{"kind": "in_segment", "segment": "other"}', None),  # follows another segment
        # An `and` whose item is False over no events (an `or`: True) is decided by it while the customer has none
        # of its events, whatever the other items read (here the profile).
        (f'{{"kind": "and", "items": [{BEHAVIOUR}, {PROFILE}]}}', (("Order Completed", False),)),
        (f'{{"kind": "or", "items": [{NOT_ORDERED}, {PROFILE}]}}', (("Order Completed", True),)),
        (f'{{"kind": "or", "items": [{BEHAVIOUR}, {PROFILE}]}}', None),  # False decides no `or`
        (f'{{"kind": "and", "items": [{NOT_ORDERED}, {PROFILE}]}}', None),  # True decides no `and`
        (  # dress_enthusiasts' shape (no views or no order decides it, so neither does having neither)
            f'{{"kind": "and", "items": [{VIEWS}, {BEHAVIOUR}]}}',
            (("Product Viewed", False), ("Order Completed", False)),
        ),
        (  # (two events: a set of names)
            f'{{"kind": "and", "items": [{{"kind": "or", "items": [{VIEWS}, {BEHAVIOUR}]}}, {PROFILE}]}}',
            ((ORDERED | {"Product Viewed"}, False),),
        ),
    ],
)
def test_only_segments_reading_nothing_but_history_are_skipped_with_their_value_over_no_events(text, idle):
    plan = SegmentPlan({"s": {"condition": json.loads(text)}, "other": {"condition": None}}, Keys())
    assert plan.idle.get("s") == idle


SUM = '{"kind": "behaviour", "event": "Order Completed", "op": ">=", "threshold": 100, "window": null, "sum_of": "total"}'  # fmt: skip
AT_MOST = '{"kind": "behaviour", "event": "Order Completed", "op": "<=", "threshold": 2, "window": null}'
NONE_RECENT = '{"kind": "behaviour", "event": "Order Completed", "op": "==", "threshold": 0, "window": {"kind": "last", "duration": {"seconds": 7776000}}}'  # fmt: skip
ORDERED_AFTER_VIEWS = '{"kind": "behaviour", "event": "Order Completed", "op": ">=", "threshold": 1, "window": null, "where": {"kind": "compare", "op": ">", "left": {"kind": "last", "event": "Product Viewed", "property": "price"}, "right": {"kind": "const", "value": 0}}}'  # fmt: skip


@pytest.mark.parametrize(
    ("text", "event", "raises"),
    [
        (BEHAVIOUR, "Order Completed", True),  # any "Order Completed"
        (VIEWS, "Product Viewed", True),  # at least 3 in last 30 days
        (VIEWS, "Order Completed", True),  # (does not read it)
        (f'{{"kind": "and", "items": [{VIEWS}, {BEHAVIOUR}]}}', "Product Viewed", True),  # dress_enthusiasts' shape
        (f'{{"kind": "or", "items": [{VIEWS}, {PROFILE}]}}', "Product Viewed", True),
        (NOT_ORDERED, "Order Completed", False),  # an order takes the customer out
        (f'{{"kind": "not", "item": {AT_MOST}}}', "Order Completed", True),  # more than 2 orders
        (AT_MOST, "Order Completed", False),
        (NONE_RECENT, "Order Completed", False),  # lapsed_customers' `no ... in last 90 days`
        (SUM, "Order Completed", False),  # a total may be negative
        (LAST, "Order Completed", False),  # the last order's total goes either way
        (ORDERED_AFTER_VIEWS, "Product Viewed", False),  # a filter reading history
        ('{"kind": "in_segment", "segment": "other"}', "Product Viewed", False),  # the other segment may move
    ],
)
def test_an_event_that_only_brings_customers_in_is_known(text, event, raises):
    assert only_raises(json.loads(text), event) is raises


def test_a_view_keeps_a_dress_enthusiast_in_without_evaluating_the_segment_again():
    # A member's dress view moves nothing (the count only grows); anyone else's moves the segment (a customer who
    # ordered: else its idle shortcut decides it).
    condition = {"kind": "and", "items": [json.loads(VIEWS.replace('"window"', '"where": ' + DRESSES + ', "window"')),
                                          json.loads(BEHAVIOUR)]}  # fmt: skip
    keys = Keys()
    plan = SegmentPlan({"s": {"condition": condition}}, keys)
    history = History(keys)
    history.append(Event("Order Completed", 5.0, {}))
    event = Event("Product Viewed", 10.0, {"category": "dresses"})
    joined = history.append(event)
    assert tuple(plan.moved_by(history, "Product Viewed", joined, event.properties, members={"s"})) == ()
    assert tuple(plan.moved_by(history, "Product Viewed", joined, event.properties, members=set())) == ("s",)
    assert tuple(plan.moved_by(history, "Order Completed", set(), {}, members={"s"})) == ()  # (an order: also only in)
