"""The simulator's shortcuts give what the full run gives: the demo company's journeys over generated traffic
(benchmarks/simulate_workloads.py), run as `journeyc simulate` runs without `--outbox` or `--customer` and with
every record and timeline kept, count the same; the order of a log out of time order; the entry rule that keeps
a customer out, found apart from its words (which only a timeline shows)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import fields, replace
from types import SimpleNamespace

import pytest
from conftest import REPO, check

from journeyc.build import build_outputs
from journeyc.runtime.eventlog import LogEntry, parse_time, read_log
from journeyc.runtime.journey_runs import Journey, refusal, refusing_rule
from journeyc.runtime.policy import Attempt
from journeyc.runtime.simulator import Simulator

sys.path.insert(0, str(REPO / "benchmarks"))
from simulate_workloads import WORKLOADS, end_of, write_log  # (benchmarks/ is not a package)


@pytest.mark.parametrize("workload", ["send_heavy", "waiting_runs"])
def test_a_run_that_keeps_no_outbox_record_counts_every_send_as_one_that_keeps_them(tmp_path, workload):
    build = build_outputs(check(REPO / "journeys"))
    log = tmp_path / "log.jsonl"
    write_log(log, WORKLOADS[workload], 3000, 300, seed=11)
    data = {name: json.loads(build[f"data/{name}.json"]) for name in ("events", "shapes", "profile")}
    with log.open(encoding="utf-8") as handle:
        entries = read_log(handle, data["events"], data["shapes"], data["profile"]).entries
    bare = Simulator(build, trace=(), keep_outbox=False)  # (as `journeyc simulate` runs: no record made)
    full = Simulator(build)  # every record kept, every customer's timeline
    for simulator in (bare, full):
        simulator.run_log(entries, end_of(WORKLOADS[workload]))

    assert not bare.outbox and not bare.log
    assert bare.stats == full.stats
    decided = Counter((r["journey"], r["status"], r["reason"]) for r in full.outbox if r["status"] != "deferred")
    counted = Counter()
    for name, stats in bare.stats.items():
        counted[(name, "sent", None)] += stats.sent
        for reason, dropped in stats.dropped.items():
            counted[(name, "dropped", reason)] += dropped
    assert +counted == decided
    assert {"sent", "dropped"} <= {r["status"] for r in full.outbox}


class Recording(Simulator):
    """Records the order it is given the calls in."""

    def handle(self, entry: LogEntry) -> None:
        self.handled.append(entry.line)
        super().handle(entry)


@pytest.mark.parametrize("shuffled", [False, True])
def test_calls_out_of_time_order_are_simulated_by_time_then_line(tmp_path, shuffled):
    # Times out of order with ties: sorted by time alone (stably) when the entries come in line order, as the
    # reader gives them; by (time, line) otherwise.
    build = build_outputs(check(REPO / "journeys"))
    data = {name: json.loads(build[f"data/{name}.json"]) for name in ("events", "shapes", "profile")}
    times = ["2026-03-02T10:00:05Z", "2026-03-02T10:00:01Z", "2026-03-02T10:00:05Z", "2026-03-02T10:00:01Z",
             "2026-03-02T09:00:00Z", "2026-03-02T10:00:05Z"]  # fmt: skip
    calls = [{"type": "identify", "userId": f"u{n}", "traits": {}, "timestamp": t} for n, t in enumerate(times)]
    entries = read_log([json.dumps(c) for c in calls], data["events"], data["shapes"], data["profile"]).entries
    if shuffled:
        entries = [entries[n] for n in (3, 0, 5, 1, 4, 2)]
    simulator = Recording(build)
    simulator.handled = []
    simulator.run_log(entries, parse_time("2026-03-03T00:00:00Z"))
    assert simulator.handled == [5, 2, 4, 1, 3, 6]


WEEK = {"seconds": 604800}


@pytest.mark.parametrize(
    ("rule", "past", "words"),
    [
        ({"kind": "once"}, [(0.0, None)], "entry once ever (entered at 1970-01-01T00:00:00Z)"),
        ({"kind": "once_per", "period": WEEK}, [(0.0, None), (3600.0, None)],
         "entry at most once every 7 days (entered at 1970-01-01T01:00:00Z)"),
        ({"kind": "max_times", "times": 2}, [(0.0, None), (3600.0, None)], "entry at most 2 times (entered 2 times)"),
    ],
)  # fmt: skip
def test_an_entry_rule_that_keeps_a_customer_out_is_found_and_put_in_words(rule, past, words):
    journey = Journey("j", None, None, None, [rule], None, [], run=None)
    assert refusing_rule(journey, past, (), {}, 7200.0) is rule
    assert refusal(rule, past, {}) == words
    assert refusing_rule(journey, past[:1] if rule["kind"] == "max_times" else [], (), {}, 7200.0) is None
    assert refusing_rule(journey, past, (), {}, 3600.0 + 604800.0) is (None if rule["kind"] == "once_per" else rule)


def test_one_active_run_per_key_keeps_out_a_second_run_for_the_same_key_only():
    rule = {"kind": "one_active", "key": {"name": "order_id"}}
    journey = Journey("j", None, None, None, [rule], None, [], run=None)
    running = SimpleNamespace(done=False, journey=journey, trigger={"order_id": "o-1"})
    assert refusing_rule(journey, [(0.0, "o-1")], [running], {"order_id": "o-1"}, 1.0) is rule
    assert refusal(rule, [], {"order_id": "o-1"}) == "one active run per order_id (one is running for 'o-1')"
    assert refusing_rule(journey, [(0.0, "o-1")], [running], {"order_id": "o-2"}, 1.0) is None


@pytest.mark.parametrize("deferred_from", [None, 5.0])
def test_an_attempt_held_for_quiet_hours_is_the_attempt_replaced_field_by_field(deferred_from):
    def ended() -> bool:
        return False

    owner, line = object(), [0.0, "c", "", "UTC"]
    attempt = Attempt(10.0, "c", "j", "2", "sms", "m", "CART10", "a", "promotional", {"order_id": "o"},
                      {"first_name": "Ann"}, deferred_from, "j#1", "c", ended, owner, line)  # fmt: skip
    held = attempt.deferred_to(50.0)
    expected = replace(attempt, due=50.0, deferred_from=deferred_from or 10.0)
    for name in (f.name for f in fields(Attempt)):  # (every field, those left out of == too, by identity)
        assert getattr(held, name) is getattr(expected, name) or getattr(held, name) == getattr(expected, name), name
    assert held.ended is ended and held.owner is owner and held.line is line and held.trigger is attempt.trigger
    assert (held.due, held.deferred_from) == (50.0, deferred_from or 10.0)
