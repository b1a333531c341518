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

- With a `lateness` (the intake's setting; 0 by default), calls are held that long after their own time and
  then applied in time order, and timers fire that long after they are due: calls that arrive out of order by up
  to the lateness are applied as the simulator applies the log. Calls `at_once` (a consent withdrawn by an
  unsubscribe link) are applied on arrival, at the engine's clock.
- An `undeliverable` call (a provider's hard bounce) marks the address undeliverable in the policy's ledger.
- `expects` and `absorb` are the identified side of a hand-over (handover.py): the customers another workflow
  holds that a call would merge, and their state folded in before the call is applied.

Everything it keeps is carried across the workflow's continue-as-new by `snapshot()`.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from journeyc.runtime.durations import UNITS
from journeyc.runtime.handover import fold
from journeyc.runtime.identity import anonymous_key
from journeyc.runtime.policy import Attempt
from journeyc.runtime.program import Program
from journeyc.runtime.segment_spec import LogEntry
from journeyc.runtime.simulator import Simulator
from journeyc.runtime.snapshot import restore, snapshot
from journeyc.runtime.timelines import merged_timeline

DEDUPE_WINDOW = UNITS["day"]  # a messageId seen within a day is a duplicate
GRACE = 2.0
TIMELINE_LINES = 500  # the lines of a customer's timeline a workflow keeps
UNDELIVERABLE = "undeliverable"  # the kind of call a provider's hard bounce becomes (data: channel, address)


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
    lateness: float = 0.0
    # Calls waiting for their time plus the lateness: (their time, arrival order, line, the LogEntry's fields); calls
    # of the same time are applied in the order they arrived (a log's order, when they come from one).
    held: list[tuple[float, int, int, list[Any]]] = field(default_factory=list)
    arrivals: int = 0
    absorbed: set[str] = field(default_factory=set)  # keys of other workflows' customers handed over (or refused)

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
        driver.lateness = state.get("lateness", 0.0)
        driver.held = [(key, order, line, list(fields)) for key, order, line, fields in state.get("held", ())]
        heapq.heapify(driver.held)
        driver.arrivals = state.get("arrivals", 0)
        driver.absorbed = set(state.get("absorbed", ()))
        return driver

    def _decided(self, record: dict[str, Any], attempt: Attempt) -> None:
        channel = self.engine.policy.channels.get(record["channel"] or "", {})
        address = (channel.get("address") or {}).get("name")
        to = attempt.profile.get(address) if address else None
        key = f"{self.project}/{attempt.home or attempt.user_id}/{attempt.run}/{attempt.step}"
        kind = (channel.get("kind") or {}).get("name")
        self.decisions.append(Decision(record, key, kind, to if isinstance(to, str) else None))

    def apply(self, calls: Sequence[Sequence[Any]], version: str, wall: float, *, at_once: bool = False) -> None:
        """Calls (each a `LogEntry`'s fields) that reached the workflow, all stamped with build `version`, at wall
        time `wall`; those due are applied (all of them, without a lateness), then the timers due."""
        engine = self.engine
        if version != engine.program.version and version in self.programs:
            engine.use(self.programs[version])
            for customer in list(engine.customers.values()):  # (the new build's segments, evaluated once)
                engine.update_segments(customer, engine.segments.order)
        for fields in calls:
            entry = LogEntry(*fields)
            if entry.message_id is not None:
                if entry.message_id in self.seen:
                    self.counts.duplicate += 1
                    continue
                self.seen[entry.message_id] = wall
            if at_once:  # at the engine's clock (its horizon, at least): never late, before anything held
                self._apply_one(entry._replace(time=max(engine.now, wall - max(self.grace, self.lateness))), wall)
                continue
            self.arrivals += 1
            # Ordered by the call's own time; a call from further ahead than the lateness (a client's clock that
            # runs fast) is ordered as if it were that far ahead, so it is not held longer than that.
            heapq.heappush(self.held, (min(entry.time, wall + self.lateness), self.arrivals, entry.line, list(entry)))
        self.advance(wall)

    def _apply_one(self, entry: LogEntry, wall: float) -> None:
        engine = self.engine
        at = min(max(entry.time, engine.now), wall)
        if at > entry.time:
            self.counts.late += 1
        if engine.timers.due <= at:
            engine.advance(at)
        engine.now = at
        if entry.kind == UNDELIVERABLE:
            key = entry.user_id if entry.user_id is not None else anonymous_key(entry.anonymous_id or "")
            address = entry.data.get("address")
            if isinstance(address, str):
                engine.ledger.undeliverable.setdefault(engine.identities.find(key), set()).add(address)
        else:
            engine.handle(entry._replace(time=at) if at != entry.time else entry)
        if engine.pending:
            engine.flush()
        self.counts.applied += 1

    def advance(self, wall: float) -> None:
        """Apply the held calls whose time is `lateness` before `wall`, and fire the timers due `max(grace,
        lateness)` seconds before it (the engine's clock stays at each one's due time), in time order."""
        engine = self.engine
        release = wall - self.lateness
        while self.held and self.held[0][0] <= release:
            self._apply_one(LogEntry(*heapq.heappop(self.held)[3]), wall)
        horizon = wall - max(self.grace, self.lateness)
        if engine.timers.due <= horizon:
            engine.advance(horizon)
        engine.now = max(engine.now, horizon)
        cutoff = wall - DEDUPE_WINDOW
        if self.seen and next(iter(self.seen.values())) < cutoff:
            self.seen = {k: t for k, t in self.seen.items() if t >= cutoff}

    def expects(self, calls: Sequence[Sequence[Any]]) -> list[str]:
        """The keys of customers that other workflows hold and these calls would merge into their customer (an
        identify with an anonymousId not tied yet, an alias's previous id): to be handed over (`absorb`) first."""
        engine, wanted = self.engine, []
        for fields in calls:
            entry = LogEntry(*fields)
            if entry.user_id is None or (entry.anonymous_id is None and entry.previous_id is None):
                continue
            key = engine.identities.find(entry.user_id)
            candidates = []
            if (
                entry.anonymous_id is not None
                and anonymous_key(entry.anonymous_id) not in engine.identities.merged_into
            ):
                candidates.append(anonymous_key(entry.anonymous_id))
            if entry.previous_id is not None:
                candidates += [anonymous_key(entry.previous_id), entry.previous_id]
            for candidate in candidates:
                if candidate in self.absorbed or candidate in engine.customers or candidate in wanted:
                    continue
                if engine.identities.find(candidate) != key:
                    wanted.append(candidate)
        return wanted

    def absorb(self, key: str, state: Mapping[str, Any] | None, wall: float) -> None:
        """Another workflow's answer to a hand-over of customer `key`: its driver's `snapshot()` (None: it had
        nothing to give, or belongs to another customer already). Its customers, runs and held calls join this
        engine; a call it already applied is not applied again."""
        self.absorbed.add(key)
        if state is None:
            return
        fold(self.engine, self.programs, state["engine"])
        for message_id, seen_at in state["seen"].items():
            self.seen.setdefault(message_id, seen_at)
        for release, _, line, fields in state.get("held", ()):
            self.arrivals += 1
            heapq.heappush(self.held, (release, self.arrivals, line, list(fields)))
        self.advance(wall)

    def next_wake(self) -> float | None:
        """When the workflow must wake: for a timer (its due time plus the grace or the lateness), or for a held
        call (its time plus the lateness); None when nothing waits."""
        engine = self.engine
        wakes = []
        first = engine.timers.first_live()
        if first is not None:
            wakes.append(first + max(self.grace, self.lateness))
        if self.held:
            wakes.append(self.held[0][0] + self.lateness)
        return min(wakes) if wakes else None

    def take_decisions(self) -> list[Decision]:
        """What the policy decided since the last call (sent, dropped, deferred), in order."""
        decisions, self.decisions = self.decisions, []
        return decisions

    def snapshot(self) -> dict[str, Any]:
        return {
            "engine": snapshot(self.engine, log_lines=TIMELINE_LINES),
            "seen": self.seen,
            "counts": self.counts.as_dict(),
            "lateness": self.lateness,
            "held": [list(item) for item in sorted(self.held)],
            "arrivals": self.arrivals,
            "absorbed": sorted(self.absorbed),
        }

    def timeline(self, customer: str) -> list[str]:
        """The customer's timeline lines, as `journeyc simulate --customer` prints them."""
        engine = self.engine
        root = engine.identities.find(customer)
        events = [(n, time, key, what, zone) for n, (time, key, what, zone) in enumerate(engine.log)
                  if engine.identities.find(key) == root]  # fmt: skip
        return merged_timeline(root, events, [])
