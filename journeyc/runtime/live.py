"""The live driver of the core: one customer's engine, fed calls as they arrive, on the wall clock.

The simulator drives the engine (runtime/simulator.py) over a whole event log on a virtual clock; the live
runtime drives one engine per customer inside that customer's workflow (runtime/temporal/workflow.py), with this
class. It decides nothing itself: every decision is the engine's, so the two drivers cannot disagree. What it adds
is how calls meet the clock:

- Calls are applied in their own time order, each at `max(its time, the engine's clock)`: a call that arrives
  after the engine's clock passed its time (out of order, or late) is applied on arrival and counted `late`.
  A call stamped in the future is applied now.
- Timers fire `grace` seconds after they are due (the engine's clock stays at their due time): a call made in
  time but handed over slowly still reaches the run waiting for it, and a goal or `wait_for` decides by the call's
  own time (the engine compares the event's time with the run's deadline and goal window).
- A repeated `messageId` (within `dedupe_window` seconds) is applied once and counted `duplicate`.
- A call stamped with a newer build switches the engine to it (`Simulator.use`): new entries follow it, runs in
  progress finish on the build they started with.

Everything it keeps is carried across the workflow's continue-as-new by `snapshot()`.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from journeyc.runtime.policy import Attempt
from journeyc.runtime.program import Program
from journeyc.runtime.segment_spec import LogEntry
from journeyc.runtime.simulator import Simulator
from journeyc.runtime.snapshot import restore, snapshot
from journeyc.runtime.timelines import merged_timeline

DEDUPE_WINDOW = 24 * 3600
GRACE = 2.0
TIMELINE_LINES = 500  # the lines of a customer's timeline a workflow keeps


@dataclass
class Counts:
    applied: int = 0
    duplicate: int = 0
    late: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"applied": self.applied, "duplicate": self.duplicate, "late": self.late}


@dataclass(frozen=True)
class Decision:
    """An outbox record (sent, dropped, deferred) and, for a send, what delivering it takes."""

    record: dict[str, Any]
    key: str  # the send's idempotency key: "<project>/<customer the run started for>/<run>/<step>"
    kind: str | None  # the channel's kind (email, sms, push, ...)
    to: str | None  # the address, read from the profile when the policy decided


@dataclass
class CustomerDriver:
    """One customer's engine on the wall clock. `programs`: every build this worker has, by version."""

    project: str
    programs: Mapping[str, Program]
    engine: Simulator
    seen: dict[str, float] = field(default_factory=dict)  # messageId -> when its call was applied
    counts: Counts = field(default_factory=Counts)
    grace: float = GRACE
    decisions: list[Decision] = field(default_factory=list)  # decided since the last `take_decisions`

    def __post_init__(self) -> None:
        self.engine.on_decision = self._decided

    @classmethod
    def start(cls, project: str, programs: Mapping[str, Program], version: str, grace: float = GRACE) -> CustomerDriver:
        engine = Simulator(programs[version], trace=None, keep_outbox=False)
        for other, program in programs.items():
            engine.programs.setdefault(other, program)
        return cls(project, programs, engine, grace=grace)

    @classmethod
    def resume(
        cls, project: str, programs: Mapping[str, Program], state: Mapping[str, Any], grace: float = GRACE
    ) -> CustomerDriver:
        """A driver from `snapshot()`'s state (after continue-as-new)."""
        engine = restore(programs, state["engine"], trace=None, keep_outbox=False)
        driver = cls(project, programs, engine, grace=grace)
        driver.seen = dict(state["seen"])
        driver.counts = Counts(**state["counts"])
        return driver

    def _decided(self, record: dict[str, Any], attempt: Attempt) -> None:
        channel = self.engine.policy.channels.get(record["channel"] or "", {})
        address = (channel.get("address") or {}).get("name")
        to = attempt.profile.get(address) if address else None
        key = f"{self.project}/{attempt.home or attempt.user_id}/{attempt.run}/{attempt.step}"
        kind = (channel.get("kind") or {}).get("name")
        self.decisions.append(Decision(record, key, kind, to if isinstance(to, str) else None))

    def apply(self, calls: Sequence[Sequence[Any]], version: str, wall: float) -> None:
        """Calls (each a `LogEntry`'s fields) that reached the workflow, all stamped with build `version`, at wall
        time `wall`; then the timers due `grace` seconds before it."""
        engine = self.engine
        if version != engine.program.version and version in self.programs:
            engine.use(self.programs[version])
            for customer in list(engine.customers.values()):  # (the new build's segments, evaluated once)
                engine.update_segments(customer, engine.segments.order)
        entries = sorted((LogEntry(*fields) for fields in calls), key=lambda e: (e.time, e.line))
        for entry in entries:
            if entry.message_id is not None:
                if entry.message_id in self.seen:
                    self.counts.duplicate += 1
                    continue
                self.seen[entry.message_id] = wall
            at = min(max(entry.time, engine.now), wall)
            if at > entry.time:
                self.counts.late += 1
            if engine.timers and engine.timers[0][0] <= at:
                engine.advance(at)
            engine.now = at
            engine.handle(entry._replace(time=at) if at != entry.time else entry)
            if engine.pending:
                engine.flush()
            self.counts.applied += 1
        self.advance(wall)

    def advance(self, wall: float) -> None:
        """Fire the timers due `grace` seconds before `wall` (the engine's clock stays at each one's due time)."""
        engine = self.engine
        horizon = wall - self.grace
        if engine.timers and engine.timers[0][0] <= horizon:
            engine.advance(horizon)
        engine.now = max(engine.now, horizon)
        cutoff = wall - DEDUPE_WINDOW
        if self.seen and next(iter(self.seen.values())) < cutoff:
            self.seen = {k: t for k, t in self.seen.items() if t >= cutoff}

    def next_wake(self) -> float | None:
        """When the workflow must wake for a timer (its due time plus the grace), or None."""
        engine = self.engine
        while engine.timers and engine.timers[0][1] not in engine.live_timers:  # (cancelled: drop them)
            heapq.heappop(engine.timers)
        return engine.timers[0][0] + self.grace if engine.timers else None

    def take_decisions(self) -> list[Decision]:
        """What the policy decided since the last call (sent, dropped, deferred), in order."""
        decisions, self.decisions = self.decisions, []
        return decisions

    def snapshot(self) -> dict[str, Any]:
        return {
            "engine": snapshot(self.engine, log_lines=TIMELINE_LINES),
            "seen": self.seen,
            "counts": self.counts.as_dict(),
        }

    def timeline(self, customer: str) -> list[str]:
        """The customer's timeline lines, as `journeyc simulate --customer` prints them."""
        engine = self.engine
        root = engine.identities.find(customer)
        events = [(n, time, key, what, zone) for n, (time, key, what, zone) in enumerate(engine.log)
                  if engine.identities.find(key) == root]  # fmt: skip
        return merged_timeline(root, events, [])
