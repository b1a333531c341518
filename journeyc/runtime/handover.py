"""Folding one engine's state into another: how a customer's state moves between live workflows.

The simulator keeps every customer in one engine, so a merge (identity.py decides when) is `Simulator.merge`. Live,
each customer has a workflow of its own: an anonymous visitor's state is in the anonymous workflow when she signs
up in the identified one. The anonymous workflow hands its whole state over as a snapshot (snapshot.py); the
identified workflow folds it into its engine with `fold`, as customers of their own, before it applies the call
that ties the two: the engine then merges them exactly as the simulator does, with the same rules.

What a fold brings over, whole: customers (profile, history, segments, entries), runs in progress with their
coroutines at the waits they were in, the sends held for quiet hours, every pending timer (given new ids in this
engine), the contact policy's ledger, the ties between ids, pending segment checks and the timeline's lines. A
folded customer that this engine already ties to another (a hand-over that came after its tie) is merged at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journeyc.runtime.journey_runs import Run
from journeyc.runtime.program import Program
from journeyc.runtime.simulator import Simulator
from journeyc.runtime.snapshot import restore


def fold(engine: Simulator, programs: Mapping[str, Program], state: Mapping[str, Any]) -> list[str]:
    """Bring the customers of another engine's snapshot `state` into `engine`; the keys of those brought in.

    A customer this engine has already (by key) stays as it is: the snapshot's copy is the older one.
    """
    other = restore(programs, state, trace=engine.trace, keep_outbox=False)
    for version, program in other.programs.items():
        engine.programs.setdefault(version, program)
    brought = [key for key in other.customers if key not in engine.customers]
    if not brought:
        return []
    taken = set(brought)
    for key in brought:
        engine.customers[key] = other.customers[key]
    moved: list[Run] = []
    for source, target in ((other.active, engine.active), (other.counting, engine.counting)):
        for key in brought:
            runs = source.get(key)
            if runs:
                target.setdefault(key, []).extend(runs)
                moved.extend(runs)
    for run in moved:
        run.sim = engine
    engine.closing.extend(run for run in other.closing if run.customer.key in taken)
    for key in brought:
        if key in other.held:
            engine.held.setdefault(key, []).extend(other.held[key])
        if key in other.segment_checks:
            engine.segment_checks.setdefault(key, other.segment_checks[key])
        _fold_ledger(engine, other, key)
    for time, timer_id, due in sorted(other.timers, key=lambda t: (t[0], t[1])):
        if timer_id not in other.timers.live or _owner(due) not in taken:
            continue
        new_id = engine.schedule(time, due)
        if isinstance(due, Run) and due.timer == timer_id:
            due.timer = new_id
    ties = engine.identities.merged_into
    for key, into in other.identities.merged_into.items():
        ties.setdefault(key, into)
    for call, count in other.calls.items():
        engine.calls[call] = engine.calls.get(call, 0) + count
    engine.log = sorted([*engine.log, *(line for line in other.log if line[1] in taken)], key=lambda line: line[0])
    for key in brought:  # tied here to another customer already: merge now, as the tie did
        root = engine.identities.find(key)
        if root != key and root in engine.customers:
            survivor = engine.customers[root]
            engine.merge(key, survivor)
            engine.update_segments(survivor, engine.segments.order)
    if engine.pending:
        engine.flush()
    return brought


def _owner(target: Any) -> str | None:
    """The key of the customer a timer belongs to (a run's, a segment check's, a schedule's, a held send's)."""
    if isinstance(target, Run):
        return target.customer.key
    if isinstance(target, str):
        return target
    if isinstance(target, tuple):
        return str(target[2])
    user_id = getattr(target, "user_id", None)
    return user_id if isinstance(user_id, str) else None


def _fold_ledger(engine: Simulator, other: Simulator, key: str) -> None:
    ledger, theirs = engine.ledger, other.ledger
    if theirs.sent.get(key):
        ledger.sent[key] = sorted([*ledger.sent.get(key, ()), *theirs.sent[key]], key=lambda s: s[0])
    if theirs.suppressed_until.get(key):
        ledger.suppressed_until.setdefault(key, []).extend(theirs.suppressed_until[key])
    if theirs.undeliverable.get(key):
        ledger.undeliverable.setdefault(key, set()).update(theirs.undeliverable[key])
