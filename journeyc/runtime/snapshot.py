"""An engine's whole state as plain data, and the engine brought back from it.

The live runtime keeps one customer per workflow; before the workflow's history grows large it continues as new,
carrying this snapshot. Everything in it is JSON-shaped (dicts, lists, texts, numbers), in a stable order:

- the clock, the next timer id, the build version new entries use;
- each customer: profile (with which traits an identify or a context set), history, segments, journey entries;
- the ties between ids (identity.py) and the contact policy's ledger (caps, suppression windows);
- each run: its journey and build version, trigger, key, entry time, state, and its journal (journey_runs.py),
  by which its coroutine is brought back to the wait it was in;
- the sends held for quiet hours, the pending timers (runs, segment checks, schedules, held sends), and the
  customer's timeline lines.

`restore(programs, snapshot)` needs every build a run of the snapshot belongs to (`programs`, by version): a run
finishes on the build it started with.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any

from journeyc.runtime.customers import Customer, interned
from journeyc.runtime.history import History
from journeyc.runtime.journey_runs import Run
from journeyc.runtime.policy import Attempt
from journeyc.runtime.program import Program
from journeyc.runtime.segment_spec import LogEntry
from journeyc.runtime.simulator import Simulator

FORMAT = 1
_DUE_ORDER = itemgetter(0, 1)  # a timer's time, then its id (unique: its target is never compared)


class SnapshotError(RuntimeError):
    """A snapshot that cannot be restored here (a build version this worker does not have, another format)."""


def snapshot(engine: Simulator, *, log_lines: int | None = None) -> dict[str, Any]:
    """The engine's state as plain data; `log_lines`: keep only the last so many timeline lines."""
    runs: list[Run] = []
    index: dict[int, int] = {}

    def run_id(run: Run) -> int:
        if id(run) not in index:
            index[id(run)] = len(runs)
            runs.append(run)
        return index[id(run)]

    active = {key: [run_id(r) for r in engine.active[key]] for key in sorted(engine.active) if engine.active[key]}
    counting = {key: [run_id(r) for r in engine.counting[key]] for key in sorted(engine.counting)}
    closing = [run_id(r) for r in engine.closing if r.goal_until is not None]
    held = {key: [_attempt(a, run_id) for a in engine.held[key]] for key in sorted(engine.held) if engine.held[key]}
    held_at = {id(a): (key, n) for key in engine.held for n, a in enumerate(engine.held[key])}
    timers = []
    for time, timer_id, target in sorted(engine.timers, key=_DUE_ORDER):
        if timer_id not in engine.timers.live:
            continue
        if isinstance(target, Run):
            what: Any = {"run": run_id(target)}
        elif isinstance(target, str):
            what = {"segments": target}
        elif isinstance(target, tuple):
            what = {"schedule": target[1].name, "customer": target[2]}
        elif isinstance(target, Attempt) and id(target) in held_at:
            key, n = held_at[id(target)]
            what = {"held": key, "at": n}
        else:
            continue
        timers.append([time, timer_id, what])
    log = engine.log if log_lines is None else engine.log[-log_lines:]
    return {
        "format": FORMAT,
        "version": engine.program.version,
        "now": engine.now,
        "next_id": engine.timers.next_id,
        "customers": [_customer(engine.customers[key]) for key in sorted(engine.customers)],
        "merged_into": dict(sorted(engine.identities.merged_into.items())),
        "ledger": {
            "sent": {k: [list(s) for s in v] for k, v in sorted(engine.ledger.sent.items()) if v},
            "suppressed_until": {
                k: [[until, sorted(cats)] for until, cats in v]
                for k, v in sorted(engine.ledger.suppressed_until.items())
                if v
            },
            "undeliverable": {k: sorted(v) for k, v in sorted(engine.ledger.undeliverable.items()) if v},
        },
        "runs": [_run(run) for run in runs],
        "active": active,
        "counting": counting,
        "closing": closing,
        "held": held,
        "timers": timers,
        "segment_checks": dict(sorted(engine.segment_checks.items())),
        "calls": dict(sorted(engine.calls.items())),
        "merges": engine.merges,
        "log": [list(line) for line in log],
    }


def restore(
    programs: Mapping[str, Program],
    state: Mapping[str, Any],
    *,
    trace: Any = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    keep_outbox: bool = True,
) -> Simulator:
    """An engine in the state `snapshot` described, its runs' coroutines brought back to where they waited."""
    if state.get("format") != FORMAT:
        raise SnapshotError(f"a snapshot of format {state.get('format')!r}; this runtime reads format {FORMAT}")
    engine = Simulator(_program(programs, state["version"]), trace=trace, on_record=on_record, keep_outbox=keep_outbox)
    for version, program in programs.items():
        engine.programs.setdefault(version, program)
    engine.now = state["now"]
    engine.timers.next_id = state["next_id"]
    for data in state["customers"]:
        customer = engine.customers[data["key"]] = _restored_customer(engine, data)
        del customer  # (kept in engine.customers)
    engine.identities.merged_into.update(state["merged_into"])
    engine.ledger.sent.update({k: [tuple(s) for s in v] for k, v in state["ledger"]["sent"].items()})
    engine.ledger.suppressed_until.update(
        {k: [(until, set(cats)) for until, cats in v] for k, v in state["ledger"]["suppressed_until"].items()}
    )
    engine.ledger.undeliverable.update({k: set(v) for k, v in state["ledger"].get("undeliverable", {}).items()})
    runs = [_restored_run(engine, programs, data) for data in state["runs"]]
    for key, ids in state["active"].items():
        engine.active[key] = [runs[n] for n in ids]
    for key, ids in state["counting"].items():
        engine.counting[key] = [runs[n] for n in ids]
    engine.closing = deque(runs[n] for n in state["closing"])
    for key, attempts in state["held"].items():
        engine.held[key] = [_restored_attempt(engine, runs, data) for data in attempts]
    for time, timer_id, what in state["timers"]:
        target: Any
        if "run" in what:
            target = runs[what["run"]]
            target.timer = timer_id
        elif "segments" in what:
            target = what["segments"]
        elif "schedule" in what:
            journey = engine.program.by_name.get(what["schedule"])
            if journey is None:  # (a scheduled journey the current build no longer has)
                continue
            target = ("schedule", journey, what["customer"])
        else:
            target = engine.held[what["held"]][what["at"]]
        engine.timers.put(time, timer_id, target)
    engine.segment_checks.update(state["segment_checks"])
    engine.calls.update(state["calls"])
    engine.merges = state["merges"]
    engine.log = [list(line) for line in state["log"]]
    for run in runs:  # each coroutine back to its wait (its timer is in place: resuming it schedules nothing)
        if not run.done:
            engine.resume(run, None)
    return engine


# ---------------------------------------------------------------- parts


def _program(programs: Mapping[str, Program], version: str) -> Program:
    program = programs.get(version)
    if program is None:
        known = ", ".join(sorted(programs)) or "none"
        raise SnapshotError(f"the build {version} is not loaded here (loaded: {known}): deploy it beside the new one")
    return program


def _customer(customer: Customer) -> dict[str, Any]:
    return {
        "key": customer.key,
        "profile": customer.profile,
        "given": sorted(customer.given),
        "from_context": sorted(customer.from_context),
        "segments": sorted(customer.segments),
        "runs": customer.runs,
        "entries": {name: [list(e) for e in entered] for name, entered in sorted(customer.entries.items())},
        "events": [list(event) for event in customer.history.events],
    }


def _restored_customer(engine: Simulator, data: Mapping[str, Any]) -> Customer:
    history = History(engine.keys)
    for fields in data["events"]:
        history.append(LogEntry(*fields))  # type: ignore[arg-type]
    return Customer(
        key=data["key"],
        profile=dict(data["profile"]),
        history=history,
        segments=set(data["segments"]),
        entries={name: [(t, key) for t, key in entered] for name, entered in data["entries"].items()},
        runs=data["runs"],
        given=interned(frozenset(data["given"])),
        from_context=interned(frozenset(data["from_context"])),
    )


def _run(run: Run) -> dict[str, Any]:
    return {
        "customer": run.customer.key,
        "id": run.id,
        "home": run.home,
        "journey": run.journey.name,
        "version": run.journey.version,
        "trigger": run.trigger,
        "key": run.key,
        "entered_at": run.entered_at,
        "journal": list(run.journal),
        "done": run.done,
        "interrupted": run.interrupted,
        "held": run.held,
        "goal_until": run.goal_until,
        "waiting_for": None if run.waiting_for is None else [run.waiting_for[0], run.waiting_for[2]],
    }


def _restored_run(engine: Simulator, programs: Mapping[str, Program], data: Mapping[str, Any]) -> Run:
    journey = _program(programs, data["version"]).by_name.get(data["journey"])
    if journey is None:
        raise SnapshotError(f'the build {data["version"]} has no journey "{data["journey"]}"')
    run = Run(engine, journey, engine.customers[data["customer"]], data["trigger"], data["key"])
    run.customer.runs -= 1  # (the run was counted when it started)
    run.id, run.home, run.entered_at = data["id"], data["home"], data["entered_at"]
    run.done, run.interrupted, run.held = data["done"], data["interrupted"], data["held"]
    run.goal_until = data["goal_until"]
    run.journal = list(data["journal"])
    if data["waiting_for"] is not None:
        event, deadline = data["waiting_for"]
        run.waiting_for = (event, None, deadline)  # (its filter comes back when the run's code reaches the wait)
    if run.done:
        run.coroutine.close()
    else:
        run.replay = deque(data["journal"])
        run.restoring = True
    return run


def _attempt(attempt: Attempt, run_id: Callable[[Run], int]) -> dict[str, Any]:
    return {
        "due": attempt.due,
        "user_id": attempt.user_id,
        "journey": attempt.journey,
        "step": attempt.step,
        "channel": attempt.channel,
        "message": attempt.message,
        "offer": attempt.offer,
        "arm": attempt.arm,
        "journey_category": attempt.journey_category,
        "trigger": attempt.trigger,
        "deferred_from": attempt.deferred_from,
        "run": attempt.run,
        "home": attempt.home,
        "owner": None if attempt.owner is None else run_id(attempt.owner),
    }


def _restored_attempt(engine: Simulator, runs: list[Run], data: Mapping[str, Any]) -> Attempt:
    owner = None if data["owner"] is None else runs[data["owner"]]
    fields = {k: v for k, v in data.items() if k != "owner"}
    profile = engine.customers[data["user_id"]].profile
    ended = (lambda: owner.interrupted) if owner is not None else None
    return Attempt(**fields, profile=profile, ended=ended, owner=owner)
