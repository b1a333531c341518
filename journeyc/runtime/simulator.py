"""The simulator: the generated journey code itself, run on a virtual clock over an event log.

It reads a build (the files `journeyc build` writes, as {path: bytes}), executes each journey module, and
drives every customer's runs as coroutines: a `wait` suspends a run until a timer, a `wait_for` until a
matching event or its timeout. Events are processed in time order (input order breaks ties) and timers due at
or before an event fire first. Sends go through the contact policy (runtime/policy.py) at the moment they are
due; sends of one customer due at the same instant are decided in the policy's priority order.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from journeyc.runtime import assign_arm
from journeyc.runtime.conditions import Compiled, Context, Event, compile_condition, compile_next_change, reads
from journeyc.runtime.eventlog import LogEntry, format_time
from journeyc.runtime.history import History, Keys
from journeyc.runtime.policy import Attempt, ContactPolicy


@dataclass
class Journey:
    name: str
    category: str | None
    trigger: Mapping[str, Any] | None
    audience: Mapping[str, Any] | None
    entry: list[Mapping[str, Any]]
    goal: Mapping[str, Any] | None
    exits: list[Mapping[str, Any]]
    run: Any  # the generated `async def run(journey)`
    # Read from the above once: the trigger's `where` and key property, and the events that can end a run.
    where: Mapping[str, Any] | None = field(init=False)
    key_name: str | None = field(init=False)
    ended_by: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        trigger = self.trigger or {}
        self.where = trigger.get("where")
        self.key_name = (trigger.get("key") or {}).get("name")
        ends = [self.goal] if self.goal else []
        self.ended_by = frozenset(end.get("event") for end in [*ends, *self.exits])


@dataclass
class Customer:
    user_id: str
    profile: dict[str, Any]
    history: History
    segments: set[str] = field(default_factory=set)
    entries: dict[str, list[tuple[float, Any]]] = field(default_factory=dict)  # journey -> [(time, key)]

    def context(self, now: float, **values: Any) -> Context:
        """A context over this customer (with the history's indexes); `values`: trigger, entered_at, event."""
        return self.history.context(now, self.profile, self.segments.__contains__, **values)


@dataclass
class Stats:
    entered: int = 0
    converted: int = 0
    exited: int = 0
    sent: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    arms: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # experiment -> arm -> [runs, converted]


class _Suspend:
    """What generated code awaits when it must wait: the request goes to the scheduler."""

    def __init__(self, request: tuple[Any, ...]) -> None:
        self.request = request

    def __await__(self):
        result = yield self.request
        return result


class Run:
    """One customer's run of one journey: the `journey` object generated code receives."""

    # No __dict__: many runs wait at once (benchmarks/simulate_bench.py measures what one holds).
    __slots__ = (
        "arm_name",
        "arms",
        "coroutine",
        "customer",
        "done",
        "entered_at",
        "held",
        "interrupted",
        "journey",
        "key",
        "sim",
        "timer",
        "trigger",
        "waiting_for",
    )

    def __init__(
        self, sim: Simulator, journey: Journey, customer: Customer, trigger: dict[str, Any] | None, key: Any
    ) -> None:
        """`trigger`: the trigger event's properties, a dict the run keeps as its own (None: no trigger event)."""
        self.sim, self.journey, self.customer = sim, journey, customer
        self.trigger = trigger
        self.key = key
        self.entered_at = sim.now
        self.arm_name: str | None = None
        self.arms: list[tuple[str, str | None]] = []
        self.waiting_for: tuple[str, Any] | None = None  # (event, where) while in wait_for
        self.timer: int | None = None  # the id of the pending timer
        self.done = False
        self.interrupted = False  # ended by its goal or an exit event (not by its own steps)
        self.held = 0  # its sends that quiet hours deferred and that are not decided yet
        self.coroutine = journey.run(self)

    def context(self, event: Mapping[str, Any] | None = None) -> Context:
        return self.customer.context(self.sim.now, trigger=self.trigger, entered_at=self.entered_at, event=event)

    # The contract (journeyc.runtime.JourneyRun)
    async def send(self, step: str, *, channel: str | None, message: str, offer: str | None = None) -> None:
        self.sim.attempt(self, step, channel, message, offer)

    async def wait(self, step: str, *, seconds: int) -> None:
        sim = self.sim
        until = sim.now + seconds
        if sim.trace is None or self.customer.user_id in sim.trace:  # (the line is only written for a traced customer)
            self._note(f"waits {_duration(seconds)} (until {format_time(until)})")
        await _Suspend(("until", until))

    async def wait_until(self, step: str, *, hour: int, minute: int, weekday: str | None = None) -> None:
        until = self.sim.policy.next_local_time(self.customer.profile, self.sim.now, hour, minute, weekday)
        if self.sim.traces(self.customer):
            day = f"{weekday} " if weekday not in (None, "day") else ""
            zone = self.sim.policy.zone_of(self.customer.profile).key
            self._note(f"waits until {day}{hour:02d}:{minute:02d} in {zone} ({format_time(until)})")
        await _Suspend(("until", until))

    async def wait_for(self, step: str, *, event: str, where: Any, timeout: int) -> bool:
        until = self.sim.now + timeout
        if self.sim.traces(self.customer):
            self._note(f'waits up to {_duration(timeout)} for "{event}" (until {format_time(until)})')
        return bool(await _Suspend(("event", event, where, until)))

    def _note(self, what: str) -> None:
        """A line of this customer's timeline about this run (kept only for traced customers)."""
        if self.sim.traces(self.customer):
            self.sim.note(self.customer, f'"{self.journey.name}" {what}')

    def test(self, step: str, condition: Any) -> bool:
        return self.sim.check(condition, self.context())

    def arm(self, step: str, *, experiment: str, arms: tuple[tuple[str, float], ...], holdout: float) -> str | None:
        chosen = assign_arm(self.customer.user_id, self.journey.name, experiment, arms, holdout)
        self.arm_name = chosen
        self.arms.append((experiment, chosen))
        self._note(f'experiment "{experiment}": ' + (f'arm "{chosen}"' if chosen else "holdout (no message)"))
        return chosen

    def exit(self, step: str) -> None:
        self.sim.finish(self, "exited")


class Simulator:
    """`trace`: the customers whose timeline (`log`) is kept; None keeps every customer's. `on_record` receives
    each outbox record as it is decided; `keep_outbox=False` does not also keep them all in `outbox` (a long run
    then holds no rendered content)."""

    def __init__(
        self,
        build: Mapping[str, bytes],
        on_step: Any = None,
        trace: Collection[str] | None = None,
        on_record: Callable[[dict[str, Any]], None] | None = None,
        keep_outbox: bool = True,
    ) -> None:
        data = {p.removeprefix("data/").removesuffix(".json"): json.loads(b) for p, b in build.items()
                if p.startswith("data/")}  # fmt: skip
        self.events_plan: dict[str, Any] = data.get("events", {})
        self.segments: dict[str, Any] = data.get("segments", {})
        self.shapes: dict[str, Any] = data.get("shapes", {})
        self.templates = {p: b.decode("utf-8") for p, b in build.items() if p.startswith("templates/")}
        self.policy = ContactPolicy(data, self.templates)
        self.journeys = [_load_journey(p, b) for p, b in sorted(build.items()) if _is_journey_module(p)]
        self.defaults = {t["name"]: t.get("default") for t in (data.get("profile") or {}).get("traits", ())}
        self.customers: dict[str, Customer] = {}
        self.active: dict[str, list[Run]] = {}  # user -> runs not finished yet
        self.segment_checks: dict[str, float] = {}  # user -> the pending time-based segment check
        self.now = 0.0
        self.timers: list[tuple[float, int, Any]] = []  # (time, id, a run, a user id (segments) or a deferred send)
        self.live_timers: set[int] = set()
        self.ids = itertools.count()
        self.stats: dict[str, Stats] = {j.name: Stats() for j in self.journeys}
        self.outbox: list[dict[str, Any]] = []
        self.on_record = on_record
        self.keep_outbox = keep_outbox
        self.pending: list[Attempt] = []
        self.log: list[list[Any]] = []  # [time, user, what happened], for --customer
        self.trace = None if trace is None else frozenset(trace)
        self.on_step = on_step
        self.keys = Keys()
        self.compiled: dict[int, tuple[Mapping[str, Any], Compiled]] = {}  # id -> (the condition, its function)
        # What to look at when something happens, worked out once: the segments that read an event (through the
        # keys of their indexed behaviours, or None when they read it otherwise), the segments that refer to each
        # segment, the order to evaluate them in, and the journeys an event or a segment entry starts.
        self.segment_order = _dependency_order(self.segments)
        segment_reads = {name: reads(self.segments[name]["condition"]) for name in self.segment_order}
        self.readers: dict[str, list[tuple[str, tuple[Any, ...] | None]]] = {}
        for name, read in segment_reads.items():
            for event in sorted(read.events):
                keys = tuple(self.keys.key(node) for node in read.behaviours if node["event"] == event)
                opaque = event in read.lasts or None in keys
                self.readers.setdefault(event, []).append((name, None if opaque else keys))
        self.dependents = {name: {name} for name in self.segment_order}  # a segment and those referring to it
        for name in reversed(self.segment_order):  # referring segments come later in the order
            for later in self.segment_order:
                if name in segment_reads[later].segments:
                    self.dependents[name] |= self.dependents[later]
        self.segments_on_profile = self._affected({n for n, r in segment_reads.items() if r.profile})
        self.affected: dict[tuple[str, ...], list[str]] = {}  # see `_moved_by`
        self.completions: dict[int, tuple[Any, list[tuple[str, Any]]]] = {}  # see `_completion`
        self.segment_tests = {name: compile_condition(self.segments[name]["condition"]) for name in self.segment_order}
        self.segment_changes = {name: compile_next_change(self.segments[name]["condition"])
                                for name in self.segment_order}  # fmt: skip
        self.started_by_event: dict[str, list[Journey]] = {}
        self.started_by_segment: dict[str, list[Journey]] = {}
        for journey in self.journeys:
            trigger = journey.trigger or {}
            if trigger.get("kind") == "event":
                self.started_by_event.setdefault(trigger.get("event"), []).append(journey)
            elif trigger.get("kind") == "segment":
                self.started_by_segment.setdefault((trigger.get("segment") or {}).get("name"), []).append(journey)
        self.scheduled = [j for j in self.journeys if (j.trigger or {}).get("kind") == "schedule"]

    def check(self, condition: Mapping[str, Any] | None, ctx: Context) -> bool:
        """`evaluate(condition, ctx)`, with each condition compiled once (they are the build's constants)."""
        if condition is None:
            return True
        known = self.compiled.get(id(condition))
        if known is None or known[0] is not condition:
            known = self.compiled[id(condition)] = (condition, compile_condition(condition))
        return known[1](ctx)

    def _affected(self, names: Collection[str]) -> list[str]:
        """`names` and every segment that refers to one of them (directly or not), in evaluation order."""
        found: set[str] = set()
        for name in names:
            found |= self.dependents[name]
        return [name for name in self.segment_order if name in found]

    def _moved_by(self, customer: Customer, event: str, joined: Collection[Any]) -> list[str]:
        """The segments an event may have moved: those that read it, unless only through indexed behaviours
        whose filters it failed (their measures did not change), with the segments that refer to them."""
        built = customer.history.indexes
        moved: tuple[str, ...] = ()
        for name, keys in self.readers.get(event, ()):
            if keys is None:
                moved += (name,)
                continue
            for key in keys:
                if key in joined or key not in built:
                    moved += (name,)
                    break
        if not moved:
            return []
        affected = self.affected.get(moved)  # (few distinct sets of segments move together: worked out once each)
        if affected is None:
            affected = self.affected[moved] = self._affected(moved)
        return affected

    @property
    def runs(self) -> list[Run]:
        """The runs still active (or holding a deferred send), every customer's."""
        return [run for user in sorted(self.active) for run in self.active[user]]

    # ------------------------------------------------------------ the clock
    def run_log(self, entries: list[LogEntry], until: float, progress: Any = None) -> None:
        """Process the events up to `until`; `progress(done, total)` is called every 50,000 events."""
        in_order = all(
            a.time < b.time or (a.time == b.time and a.line < b.line) for a, b in itertools.pairwise(entries)
        )
        ordered = entries if in_order else sorted(entries, key=lambda e: (e.time, e.line))
        timers = self.timers
        for done, entry in enumerate(ordered, start=1):
            if progress is not None and done % 50_000 == 0:
                progress(done, len(ordered))
            if entry.time > until:
                break
            if timers and timers[0][0] <= entry.time:
                self.advance(entry.time)
            self.now = entry.time
            self.handle(entry)
            if self.pending:
                self.flush()
        self.advance(until)
        self.now = until

    def advance(self, to: float) -> None:
        """Fire every timer due at or before `to`, in time order."""
        while self.timers and self.timers[0][0] <= to:
            time, timer_id, target = heapq.heappop(self.timers)
            if timer_id not in self.live_timers:
                continue
            self.live_timers.discard(timer_id)
            self.now = time
            if type(target) is Run:  # (the usual timer: a run's wait is over)
                if not target.done:
                    target.timer = None
                    if target.waiting_for is not None:
                        target._note(f'stopped waiting for "{target.waiting_for[0]}" (timed out)')
                    target.waiting_for = None
                    self.resume(target, False)
            elif isinstance(target, str):
                self.update_segments(self.customers[target], self.segment_order)
            elif isinstance(target, tuple):  # a scheduled journey's start
                _, journey, user_id = target
                customer = self.customers[user_id]
                self.maybe_enter(journey, customer, None)
                self.schedule_next(journey, customer)
            elif isinstance(target, Attempt):
                if target.owner is not None:
                    target.owner.held -= 1
                self.pending.append(target)
                if target.owner is not None:
                    self._retire(target.owner)
            if self.pending:
                self.flush()

    def schedule(self, time: float, target: Any) -> int:
        timer_id = next(self.ids)
        heapq.heappush(self.timers, (time, timer_id, target))
        self.live_timers.add(timer_id)
        return timer_id

    # ------------------------------------------------------------ events
    def customer(self, user_id: str) -> Customer:
        customer = self.customers.get(user_id)
        if customer is None:
            customer = self.customers[user_id] = Customer(user_id, dict(self.defaults), History(self.keys))
            for journey in self.scheduled:
                self.schedule_next(journey, customer)
        return customer

    def schedule_next(self, journey: Journey, customer: Customer) -> None:
        """The next time a scheduled journey starts for this customer (`every monday at 08:00`, local time)."""
        trigger = journey.trigger or {}
        at = trigger.get("at") or {}
        when = self.policy.next_local_time(customer.profile, self.now, at.get("hour", 0), at.get("minute", 0),
                                           trigger.get("every"))  # fmt: skip
        self.schedule(when, ("schedule", journey, customer.user_id))

    def handle(self, entry: LogEntry) -> None:
        user_id = entry.user_id
        customer = self.customers.get(user_id)
        first = customer is None  # the first time: every segment is evaluated once
        if customer is None:
            customer = self.customer(user_id)
        traced = self.trace is None or user_id in self.trace
        if entry.kind == "identify":
            customer.profile.update(entry.data)
            if traced:
                self.note(customer, "identify: " + ", ".join(f"{k}={v!r}" for k, v in sorted(entry.data.items())))
            names = self.segment_order if first else self.segments_on_profile
            if names:
                self.update_segments(customer, names)
            return
        name = entry.event
        assert name is not None
        event: Event = entry  # type: ignore[assignment]  # a track entry reads as an Event (see LogEntry)
        joined = customer.history.append(event)
        if name in self.policy.suppressions:
            self.policy.record_event(user_id, event)
        if traced:
            self.note(customer, f'event "{name}"')
        runs = self.active.get(user_id)
        if runs:
            for run in list(runs):  # (a finished run still listens to its goal while a send of it is held)
                if name in run.journey.ended_by or (run.waiting_for is not None and run.waiting_for[0] == name):
                    self.deliver(run, event)
        # An audience `in segment ...` sees the event that triggers the journey.
        if first:
            self.update_segments(customer, self.segment_order)
        elif name in self.readers:
            moved = self._moved_by(customer, name, joined)
            if moved:
                self.update_segments(customer, moved)
        for journey in self.started_by_event.get(name, ()):
            self.maybe_enter(journey, customer, event)

    def deliver(self, run: Run, event: Event) -> None:
        """An event to a run it may end (its goal, an exit) or resume (the event it waits for)."""
        if run.done:
            ends = [run.journey.goal] if run.journey.goal else []
            if any(e.get("event") == event.name and self._matches(run, e.get("where"), event)
                   for e in [*ends, *run.journey.exits]):  # fmt: skip
                run.interrupted = True
            return
        goal = run.journey.goal
        if goal and goal.get("event") == event.name and self._matches(run, goal.get("where"), event):
            within = (goal.get("within") or {}).get("seconds")
            if within is None or self.now - run.entered_at <= within:
                run.interrupted = True
                self.finish(run, "converted")
                return
        for exit_event in run.journey.exits:
            if exit_event.get("event") == event.name and self._matches(run, exit_event.get("where"), event):
                run.interrupted = True
                self.finish(run, "exited")
                return
        if run.waiting_for and run.waiting_for[0] == event.name and self._matches(run, run.waiting_for[1], event):
            self.cancel_timer(run)
            run.waiting_for = None
            run._note(f'got "{event.name}"')
            self.resume(run, True)

    def _matches(self, run: Run, where: Any, event: Event) -> bool:
        return self.check(where, run.context(event.properties))

    # ------------------------------------------------------------ segments
    def update_segments(self, customer: Customer, names: Collection[str]) -> None:
        """Evaluate these segments (in dependency order) for the customer now; schedule the next time-based check.

        An event re-evaluates only the segments that read it (and those that refer to them), an identify those that
        read the profile, the pending check every segment: a segment can change only through what it reads."""
        if not names:
            return
        ctx = customer.context(self.now)
        soonest: float | None = None
        for name in names:
            member = self.segment_tests[name](ctx)
            if member and name not in customer.segments:
                customer.segments.add(name)
                if self.traces(customer):
                    self.note(customer, f'entered segment "{name}"')
                for journey in self.started_by_segment.get(name, ()):
                    self.maybe_enter(journey, customer, None)
            elif not member:
                customer.segments.discard(name)
            change = self.segment_changes[name](ctx)
            if change is not None and change > self.now:
                soonest = change if soonest is None else min(soonest, change)
        pending = self.segment_checks.get(customer.user_id)
        if soonest is not None and (pending is None or pending <= self.now or soonest < pending):
            self.segment_checks[customer.user_id] = soonest
            self.schedule(soonest, customer.user_id)

    # ------------------------------------------------------------ runs
    def maybe_enter(self, journey: Journey, customer: Customer, event: Event | None) -> None:
        props = event.properties if event else None
        if (event is not None and journey.where is not None) or journey.audience is not None:
            base = customer.context(self.now, trigger=props, event=props)
            if event is not None and not self.check(journey.where, base):
                return
            if not self.check(journey.audience, base):
                return
        key_name = journey.key_name
        key = props.get(key_name) if props and key_name else None
        if journey.entry and not self._entry_allowed(journey, customer, props or {}):
            return
        trigger = None
        if event is not None:  # declared properties the sender left out read as None, not as unknown names
            declared = self.events_plan.get(event.name, {}).get("properties", ())
            trigger = self.complete(event.properties, declared)
        run = Run(self, journey, customer, trigger, key)
        customer.entries.setdefault(journey.name, []).append((self.now, key))
        self.active.setdefault(customer.user_id, []).append(run)
        self.stats[journey.name].entered += 1
        if self.traces(customer):
            self.note(customer, f'entered journey "{journey.name}"')
        self.resume(run, None)

    def _entry_allowed(self, journey: Journey, customer: Customer, props: Mapping[str, Any]) -> bool:
        past = customer.entries.get(journey.name, [])
        for rule in journey.entry:
            kind = rule.get("kind")
            if kind == "once" and past:
                return False
            if kind == "once_per" and past and self.now - past[-1][0] < rule["period"]["seconds"]:  # the latest entry
                return False
            if kind == "max_times" and len(past) >= rule["times"]:
                return False
            if kind == "one_active":
                key = props.get((rule.get("key") or {}).get("name", ""))
                active = [r for r in self.active.get(customer.user_id, ()) if not r.done and r.journey is journey]
                if any(r.trigger and r.trigger.get(rule["key"]["name"]) == key for r in active):
                    return False
        return True

    def complete(self, values: Mapping[str, Any], props: Any) -> dict[str, Any]:
        """`values` with every declared property present (None when left out), in objects and list items too."""
        out = dict(values)
        for name, spec in self._completion(props):
            if spec is None:
                if name not in out:
                    out[name] = None
            else:
                out[name] = self._complete_value(out.get(name), spec)
        return out

    def _completion(self, props: Any) -> list[tuple[str, Mapping[str, Any] | None]]:
        """The declared properties in order, each with its type when values of it may need completing inside
        (an object, a list, a shape), worked out once per list of properties."""
        known = self.completions.get(id(props))
        if known is None or known[0] is not props:
            plan = [(prop["name"], prop["type"] if prop["type"].get("kind") in ("object", "list", "shape") else None)
                    for prop in props]  # fmt: skip
            known = self.completions[id(props)] = (props, plan)
        return known[1]

    def _complete_value(self, value: Any, spec: Mapping[str, Any]) -> Any:
        kind = spec.get("kind")
        if kind == "shape":
            spec = self.shapes.get(spec.get("name", ""), {})
            kind = spec.get("kind")
        if kind == "object" and isinstance(value, dict):
            return self.complete(value, spec.get("fields", ()))
        if kind == "list" and isinstance(value, list):
            return [self._complete_value(item, spec["item"]) for item in value]
        return value

    def _retire(self, run: Run) -> None:
        runs = self.active.get(run.customer.user_id, [])
        if run.done and not run.held and run in runs:
            runs.remove(run)

    def resume(self, run: Run, value: Any) -> None:
        """Run generated code until it waits again or ends."""
        if run.done:
            return
        try:
            request = run.coroutine.send(value)
        except StopIteration:
            if not run.done:
                self.finish(run, "completed")
            return
        if request[0] == "until":
            run.timer = self.schedule(request[1], run)
        elif request[0] == "event":
            _, event, where, deadline = request
            run.waiting_for = (event, where)
            run.timer = self.schedule(deadline, run)

    def cancel_timer(self, run: Run) -> None:
        if run.timer is not None:
            self.live_timers.discard(run.timer)
            run.timer = None

    def finish(self, run: Run, how: str) -> None:
        if run.done:
            return
        run.done = True
        self.cancel_timer(run)
        self._retire(run)
        stats = self.stats[run.journey.name]
        if how == "converted":
            stats.converted += 1
        elif how == "exited":
            stats.exited += 1
        for experiment, arm in run.arms:
            counts = stats.arms.setdefault(experiment, {}).setdefault(arm or "holdout", [0, 0])
            counts[1] += how == "converted"
        if how != "completed" and not run.coroutine.cr_running:
            run.coroutine.close()  # (an `exit` step ends its own coroutine by returning)
        if self.traces(run.customer):
            self.note(run.customer, f'{how} journey "{run.journey.name}"')

    # ------------------------------------------------------------ sends
    def attempt(self, run: Run, step: str, channel: str | None, message: str, offer: str | None) -> None:
        for experiment, arm in run.arms[len(run.arms) - 1 :]:
            counts = self.stats[run.journey.name].arms.setdefault(experiment, {}).setdefault(arm or "holdout", [0, 0])
            counts[0] += 1
        # The timeline gets the send's line now, in the order of the journey's steps; it says what happened once
        # the policy has decided (sends due at one instant are decided together, by priority).
        customer = run.customer
        line = self.note(customer, "") if self.trace is None or customer.user_id in self.trace else None
        self.pending.append(Attempt(self.now, run.customer.user_id, run.journey.name, step, channel, message, offer,
                                    run.arm_name, run.journey.category, run.trigger, run.customer.profile,
                                    ended=lambda: run.interrupted, owner=run, line=line))  # fmt: skip

    def flush(self) -> None:
        """Decide the sends due now, highest priority first."""
        while self.pending:
            batch, self.pending = self.pending, []
            for attempt in self.policy.by_priority(batch):
                for record in self.policy.decide(attempt, self.schedule_deferred):
                    if self.keep_outbox:
                        self.outbox.append(record)
                    if self.on_record is not None:
                        self.on_record(record)
                    stats = self.stats[record["journey"]]
                    if record["status"] == "sent":
                        stats.sent += 1
                    else:
                        stats.dropped[record["reason"]] = stats.dropped.get(record["reason"], 0) + 1
                    if self.trace is None or record["user_id"] in self.trace:
                        customer = self.customer(record["user_id"])
                        what = f'{record["status"]} {record["channel"]} "{record["message"]}"' + (
                            f" ({record['reason']})" if record["reason"] else ""
                        )
                        self._write(customer, attempt.line, what)

    def _write(self, customer: Customer, line: list[Any] | None, what: str) -> None:
        """Fill in a send's timeline line, or add a line when it was filled already (a send held, then decided)."""
        if line is not None and not line[2]:
            line[2] = what
        else:
            self.note(customer, what)

    def schedule_deferred(self, attempt: Attempt) -> None:
        """Quiet hours deferred this send: decide it again when they end."""
        customer = self.customers[attempt.user_id]
        if self.traces(customer):
            what = f'held {attempt.channel or "message"} "{attempt.message}" for quiet hours (until {format_time(attempt.due)})'
            self._write(customer, attempt.line, what)
        run = attempt.owner
        if run is not None:
            run.held += 1
            runs = self.active.setdefault(run.customer.user_id, [])
            if run not in runs:
                runs.append(run)  # finished, but listening to its goal until the held send is decided
        self.schedule(attempt.due, attempt)

    def traces(self, customer: Customer) -> bool:
        return self.trace is None or customer.user_id in self.trace

    def note(self, customer: Customer, what: str) -> list[Any]:
        line = [self.now, customer.user_id, what]
        self.log.append(line)
        return line


def _duration(seconds: float) -> str:
    """Seconds in the largest whole unit: "1 hour", "3 days", "90 seconds"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}" + ("s" if count != 1 else "")
    return f"{seconds:g} second" + ("s" if seconds != 1 else "")


def _dependency_order(segments: Mapping[str, Any]) -> list[str]:
    """Segment names, each after the segments it refers to; otherwise by name. (The compiler rejects cycles; a
    cycle left here anyway keeps the name order.)"""
    refers = {name: reads(segments[name]["condition"]).segments & segments.keys() for name in segments}
    order: list[str] = []
    placed: set[str] = set()

    def place(name: str, path: frozenset[str]) -> None:
        if name in placed or name in path:
            return
        for dependency in sorted(refers[name]):
            place(dependency, path | {name})
        placed.add(name)
        order.append(name)

    for name in sorted(segments):
        place(name, frozenset())
    return order


def _is_journey_module(path: str) -> bool:
    return path.startswith("journeys/") and path.endswith(".py") and path != "journeys/__init__.py"


def _load_journey(path: str, source: bytes) -> Journey:
    namespace: dict[str, Any] = {"__name__": "journeyc_build." + path.removesuffix(".py").replace("/", ".")}
    exec(compile(source, path, "exec"), namespace)  # the generated code itself
    return Journey(
        name=namespace["JOURNEY"],
        category=namespace.get("CATEGORY"),
        trigger=namespace.get("TRIGGER"),
        audience=namespace.get("AUDIENCE"),
        entry=list(namespace.get("ENTRY") or ()),
        goal=namespace.get("GOAL"),
        exits=list(namespace.get("EXITS") or ()),
        run=namespace["run"],
    )
