"""The simulator: the generated journey code itself, run on a virtual clock over an event log.

It reads a build (the files `journeyc build` writes, as {path: bytes}), executes each journey module, and
drives every customer's runs as coroutines: a `wait` suspends a run until a timer, a `wait_for` until a
matching event or its timeout. Events are processed in time order (input order breaks ties) and timers due at
or before an event fire first. Sends go through the contact policy (runtime/policy.py) at the moment they are
due; sends of one customer due at the same instant are decided in the policy's priority order.
"""

from __future__ import annotations

import itertools
import operator
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any

from journeyc.runtime.conditions import Event
from journeyc.runtime.customers import Customer, merge_customers
from journeyc.runtime.eventlog import LogEntry, format_time
from journeyc.runtime.history import History
from journeyc.runtime.identity import Identities, name_of
from journeyc.runtime.journey_runs import Journey, Run, refusal, refusing_rule
from journeyc.runtime.policy import Attempt, Ledger
from journeyc.runtime.profile import TIME_ZONE_TRAIT
from journeyc.runtime.program import Program
from journeyc.runtime.timers import Timers

__all__ = ["Customer", "Journey", "Run", "Simulator", "Stats"]

_UNHEARD = (False, False, False, ())  # (what an event no policy, goal, segment or journey reads does)
_LINE, _TIME = itemgetter(0), itemgetter(3)  # (a LogEntry's line and time: a tuple's items, read faster than by name)


@dataclass
class Stats:
    entered: int = 0
    converted: int = 0
    exited: int = 0
    sent: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    arms: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # experiment -> arm -> [runs, converted]


class Simulator:
    """`trace`: the keys of the customers whose timeline (`log`) is kept; None keeps every customer's. `on_record`
    receives each outbox record as it is decided; `keep_outbox=False` does not also keep them all in `outbox` (a
    long run then holds no rendered content)."""

    def __init__(
        self,
        build: Mapping[str, bytes] | Program,
        on_step: Any = None,
        trace: Collection[str] | None = None,
        on_record: Callable[[dict[str, Any]], None] | None = None,
        keep_outbox: bool = True,
        on_decision: Callable[[dict[str, Any], Attempt], None] | None = None,
    ) -> None:
        self.on_decision = on_decision  # each record with the attempt it decides (the live driver's deliveries)
        self.programs: dict[str, Program] = {}  # every build a run of this engine may belong to, by version
        self.stats: dict[str, Stats] = {}
        self.use(build if isinstance(build, Program) else Program(build))
        self.customers: dict[str, Customer] = {}
        self.identities = Identities()
        self.merged_into = self.identities.merged_into  # (read at each call: one attribute lookup less)
        self.active: dict[str, list[Run]] = {}  # customer -> runs not finished yet (or holding a deferred send)
        self.counting: dict[str, list[Run]] = {}  # customer -> runs whose steps are over, counting their goal
        self.closing: deque[Run] = deque()  # the same runs, by when they completed (about when their windows close)
        self.held: dict[str, list[Attempt]] = {}  # customer -> its sends quiet hours deferred, not decided yet
        self.segment_checks: dict[str, float] = {}  # customer -> the pending time-based segment check
        self.ledger = Ledger()  # what the contact policy remembers of each customer (caps, suppressions)
        self.now = 0.0
        self.timers = Timers()  # what is due when: a run, a customer (its segments), a scheduled start or a held send
        self.calls: dict[str, int] = {}  # page, screen, group and alias calls applied, by type
        self.merges = 0  # customers merged into another (identity.py)
        self.outbox: list[dict[str, Any]] = []
        self.on_record = on_record
        self.keep_outbox = keep_outbox
        self.pending: list[Attempt] = []
        self.log: list[list[Any]] = []  # [time, customer key, what happened, the customer's time zone]
        self.trace = None if trace is None else frozenset(trace)
        self.on_step = on_step

    def use(self, program: Program) -> None:
        """Decide with this build from now on: new entries run its journeys, and its segments, policy and
        templates apply; runs in progress go on with the build they started with (kept in `programs`)."""
        self.program = program
        self.programs[program.version] = program
        # (Read at every event: attributes of their own, one lookup less each.)
        self.events_plan = program.events_plan
        self.shapes = program.shapes
        self.templates = program.templates
        self.policy = program.policy
        self.journeys = program.journeys
        self.defaults = program.defaults
        self.push_addresses = program.push_addresses
        self.keys = program.keys
        self.segments = program.segments
        self.trigger_values = program.trigger_values
        self.started_by_event = program.started_by_event
        self.started_by_segment = program.started_by_segment
        self.scheduled = program.scheduled
        self.goal_events = program.goal_events
        self.check = program.check
        # What a track event of each name does besides joining the history, read once per event: whether the
        # policy suppresses sends after it, whether it is some journey's goal, whether a segment reads it, and the
        # journeys it starts.
        self.on_event = {
            name: (
                name in self.policy.suppressions,
                name in self.goal_events,
                name in self.segments.readers,
                tuple(self.started_by_event.get(name, ())),
            )
            for name in {*self.policy.suppressions, *self.goal_events, *self.segments.readers, *self.started_by_event}
        }
        for journey in program.journeys:
            self.stats.setdefault(journey.name, Stats())

    @property
    def runs(self) -> list[Run]:
        """The runs still active (or holding a deferred send, or counting their goal), every customer's."""
        runs = [run for key in sorted(self.active) for run in self.active[key]]
        counting = [run for key in sorted(self.counting) for run in self.counting[key]
                    if run.goal_until is not None and run.goal_until >= self.now]  # fmt: skip
        return runs + [run for run in counting if run not in runs]

    # ------------------------------------------------------------ the clock
    def run_log(self, entries: list[LogEntry], until: float, progress: Any = None) -> None:
        """Process the events up to `until`; `progress(done, total)` is called every 50,000 events."""
        in_order = all(
            a.time < b.time or (a.time == b.time and a.line < b.line) for a, b in itertools.pairwise(entries)
        )
        if in_order:
            ordered = entries
        elif all(map(operator.lt, lines := [*map(_LINE, entries)], itertools.islice(lines, 1, None))):
            ordered = sorted(entries, key=_TIME)  # (stable: entries of one time stay in line order)
        else:
            ordered = sorted(entries, key=lambda e: (e.time, e.line))
        timers = self.timers
        for done, entry in enumerate(ordered, start=1):
            if done % 50_000 == 0:
                self._sweep_counting()
                if progress is not None:
                    progress(done, len(ordered))
            if entry.time > until:
                break
            if timers.due <= entry.time:
                self.advance(entry.time)
            self.now = entry.time
            self.handle(entry)
            if self.pending:
                self.flush()
        self.advance(until)
        self.now = until
        self._sweep_counting()

    def advance(self, to: float) -> None:
        """Fire every timer due at or before `to`, in time order."""
        timers = self.timers
        live = timers.live
        while timers.due <= to:
            time, timer_id, target = timers.pop()
            if timer_id not in live:
                continue  # (cancelled)
            live.discard(timer_id)
            self.now = time
            if type(target) is Run:  # (the usual timer: a run's wait is over)
                if not target.done:
                    target.timer = None
                    if target.waiting_for is not None and (self.trace is None or target.customer.key in self.trace):
                        target._note(f'stopped waiting for "{target.waiting_for[0]}" (timed out)')
                    target.waiting_for = None
                    self.resume(target, False)
            elif isinstance(target, str):
                customer = self.customers.get(target)
                if customer is not None:  # (else merged into another, which has its own checks)
                    self.update_segments(customer, self.segments.order)
            elif isinstance(target, tuple):  # a scheduled journey's start
                _, journey, key = target
                customer = self.customers.get(key)
                if customer is not None:
                    self.maybe_enter(journey, customer, None)
                    self.schedule_next(journey, customer)
            elif isinstance(target, Attempt):
                held = self.held.get(target.user_id)
                if held is not None and target in held:
                    held.remove(target)
                if target.owner is not None:
                    target.owner.held -= 1
                self.pending.append(target)
                if target.owner is not None:
                    self._retire(target.owner)
            if self.pending:
                self.flush()

    def schedule(self, time: float, target: Any) -> int:
        return self.timers.set(time, target)

    # ------------------------------------------------------------ customers
    def customer(self, key: str) -> Customer:
        customer = self.customers.get(key)
        if customer is None:
            customer = self.customers[key] = Customer(key, dict(self.defaults), History(self.keys))
            for journey in self.scheduled:
                self.schedule_next(journey, customer)
        return customer

    def schedule_next(self, journey: Journey, customer: Customer) -> None:
        """The next time a scheduled journey starts for this customer (`every monday at 08:00`, local time)."""
        trigger = journey.trigger or {}
        at = trigger.get("at") or {}
        when = self.policy.next_local_time(customer.profile, self.now, at.get("hour", 0), at.get("minute", 0),
                                           trigger.get("every"))  # fmt: skip
        self.schedule(when, ("schedule", journey, customer.key))

    def merge(self, source_key: str, target: Customer) -> None:
        """Fold the customer of `source_key` (if there is one) into `target`: see customers.merge_customers; the
        runs, held sends, policy counts and timeline lines go along."""
        source = self.customers.pop(source_key, None)
        if source is None:
            return
        merge_customers(source, target, self.keys, attrgetter("line"))
        for runs_of in (self.active, self.counting):
            runs = runs_of.pop(source_key, [])
            for run in runs:
                run.customer = target
            if runs:
                runs_of.setdefault(target.key, []).extend(runs)
        for attempt in self.held.pop(source_key, ()):
            attempt.user_id, attempt.profile = target.key, target.profile
            self.held.setdefault(target.key, []).append(attempt)
        self.ledger.merge_customer(source_key, target.key)
        self.segment_checks.pop(source_key, None)
        self.merges += 1
        if self.traces(source) or self.traces(target):
            events = len(source.history.events)
            traits = ", ".join(sorted(source.given)) or "none"
            what = (
                f"merged {name_of(source.key)} into this customer: {events} event{'s' * (events != 1)}, traits {traits}"
            )
            self.note(target, what)

    # ------------------------------------------------------------ events
    def handle(self, entry: LogEntry) -> None:
        merged: tuple[str, ...] = ()
        if entry.anonymous_id is None and entry.previous_id is None:  # (the usual call: a userId alone)
            key: str = entry.user_id  # type: ignore[assignment]  # (the reader gives a call a userId or anonymousId)
            if key in self.merged_into:  # (a userId an alias merged into another)
                key = self.identities.find(key)
        else:
            key, merged = self.identities.resolve(entry.user_id, entry.anonymous_id, entry.previous_id)
        kind = entry.kind
        customer = self.customers.get(key)
        first = customer is None  # the first time: every segment is evaluated once
        if merged:
            # (Most ties merge no one: a web call's anonymousId, seen for the first time, has no customer yet. Only
            # a customer merged in re-evaluates every segment.)
            merged = tuple(source for source in merged if source in self.customers)
            if merged:
                if customer is None:
                    customer = self.customer(key)
                for source in merged:
                    self.merge(source, customer)
        if kind not in ("identify", "track"):  # page, screen, group, alias: counted; they start no customer
            self.calls[kind] = self.calls.get(kind, 0) + 1
            if customer is not None:
                changed = self._apply_context(customer, entry)
                if merged or changed:
                    self.update_segments(customer, self.segments.order if merged else self.segments.on_profile)
            return
        if customer is None:
            customer = self.customer(key)
        traced = self.trace is None or key in self.trace
        changed = False
        zone = entry.timezone
        if entry.device_token is not None or (zone is not None and customer.profile.get(TIME_ZONE_TRAIT) != zone):
            # (A web call repeats the customer's time zone: nothing to apply, the usual case.)
            changed = self._apply_context(customer, entry)
        if kind == "identify":
            customer.set_traits(entry.data, self.defaults)
            if traced:
                kept = ", ".join(f"{k}={v!r}" for k, v in sorted(entry.data.items()))
                self.note(customer, f"identify: {kept or 'no trait kept'}")
            names = self.segments.order if first or merged else self.segments.on_profile
            if names:
                self.update_segments(customer, names)
            return
        name = entry.event
        assert name is not None
        event: Event = entry  # type: ignore[assignment]  # a track entry reads as an Event (see LogEntry)
        joined = customer.history.append(event)
        suppresses, ends_goals, read_by_segments, starts = self.on_event.get(name, _UNHEARD)
        if suppresses:
            self.policy.record_event(self.ledger, key, event)
        if traced:
            self.note(customer, f'event "{name}"')
        runs = self.active.get(key)
        if runs:
            for run in list(runs):  # (a finished run still listens to its goal while a send of it is held)
                if name in run.journey.ended_by or (run.waiting_for is not None and run.waiting_for[0] == name):
                    self.deliver(run, event)
        if ends_goals:
            for run in list(self.counting.get(key, ())):
                if run.goal_until is not None and run.goal_until >= self.now:
                    self._deliver_after_the_end(run, event)
                else:  # (its window closed since)
                    self._stop_counting(run)
        # An audience `in segment ...` sees the event that triggers the journey.
        if first or merged:
            self.update_segments(customer, self.segments.order)
        else:
            moved = (
                self.segments.moved_by(customer.history, name, joined, entry.data, customer.segments)
                if read_by_segments
                else []
            )
            if changed:
                moved = self.segments.affected({*moved, *self.segments.on_profile})
            if moved:
                self.update_segments(customer, moved)
        for journey in starts:
            self.maybe_enter(journey, customer, event)

    def _apply_context(self, customer: Customer, entry: LogEntry) -> bool:
        """What a call's context says of the customer: its time zone (unless an identify gave one) and its push
        token (the address of every push channel). Whether the profile changed."""
        changed = False
        if entry.timezone is not None:
            changed = customer.set_from_context(TIME_ZONE_TRAIT, entry.timezone)
        token = entry.device_token
        if token is not None:
            for trait in self.push_addresses:
                changed = customer.set_from_device(trait, token) or changed
        return changed

    def deliver(self, run: Run, event: Event) -> None:
        """An event to a run it may end (its goal, an exit) or resume (the event it waits for)."""
        if run.done:
            return self._deliver_after_the_end(run, event)
        goal = run.journey.goal
        if goal and goal.get("event") == event.name and self._matches(run, goal.get("where"), event):
            within = run.journey.goal_window
            if within is None or event.time - run.entered_at <= within:  # (the event's own time: see `handle`)
                run.interrupted = True
                self.finish(run, "converted")
                return
        for exit_event in run.journey.exits:
            if exit_event.get("event") == event.name and self._matches(run, exit_event.get("where"), event):
                run.interrupted = True
                self.finish(run, "exited")
                return
        waiting = run.waiting_for
        if waiting and waiting[0] == event.name and event.time <= waiting[2] and self._matches(run, waiting[1], event):
            self.cancel_timer(run)
            run.waiting_for = None
            run._note(f'got "{event.name}"')
            self.resume(run, True)

    def _deliver_after_the_end(self, run: Run, event: Event) -> None:
        """An event to a finished run that still listens: a completed run counts its goal until its window closes;
        a run holding a deferred send learns that its goal or an exit came (the send then never goes out)."""
        goal = run.journey.goal
        if goal and goal.get("event") == event.name and self._matches(run, goal.get("where"), event):
            run.interrupted = True
            if run.goal_until is not None and event.time <= run.goal_until:
                self._count_conversion(run)
                self._stop_counting(run)
                if self.traces(run.customer):
                    self.note(run.customer, f'converted journey "{run.journey.name}" (after its last step)')
        elif any(e.get("event") == event.name and self._matches(run, e.get("where"), event) for e in run.journey.exits):
            run.interrupted = True

    def _matches(self, run: Run, where: Any, event: Event) -> bool:
        return self.check(where, run.context(event.properties))

    # ------------------------------------------------------------ segments
    def update_segments(self, customer: Customer, names: Collection[str]) -> None:
        """Evaluate these segments (in dependency order) for the customer now; schedule the next time-based check."""
        if not names:
            return
        ctx = None
        now, soonest = self.now, None
        plan, segments = self.segments, customer.segments
        states, idle = plan.states, plan.idle
        named = customer.history.named
        for name in names:
            for absent, value in idle.get(name, ()):  # (none of these events: see SegmentPlan.idle)
                if (absent not in named) if isinstance(absent, str) else absent.isdisjoint(named):
                    member, change = value, None
                    break
            else:
                if ctx is None:  # (Customer.context without its keyword arguments: once per evaluation)
                    # (`in segment` reads the set as it changes here; a build without one needs no bound method.)
                    in_segment = segments.__contains__ if plan.refers else None
                    ctx = customer.history.context(now, customer.profile, in_segment)
                member, change = states[name](ctx)
            if member:
                if name not in segments:
                    segments.add(name)
                    if self.traces(customer):
                        self.note(customer, f'entered segment "{name}"')
                    for journey in self.started_by_segment.get(name, ()):
                        self.maybe_enter(journey, customer, None)
            elif name in segments:
                segments.discard(name)
            if change is not None and change > now and (soonest is None or change < soonest):
                soonest = change
        if soonest is not None:
            pending = self.segment_checks.get(customer.key)
            if pending is None or pending <= self.now or soonest < pending:
                self.segment_checks[customer.key] = soonest
                self.schedule(soonest, customer.key)

    # ------------------------------------------------------------ runs
    def maybe_enter(self, journey: Journey, customer: Customer, event: Event | None) -> None:
        props = event.properties if event else None
        if (event is not None and journey.where is not None) or journey.audience is not None:
            base = customer.context(self.now, trigger=props, event=props)
            if event is not None and not self.check(journey.where, base):
                return self._not_entered(journey, customer, "its trigger's where filter does not match this event")
            if not self.check(journey.audience, base):
                return self._not_entered(journey, customer, "the customer is not in its audience")
        key_name = journey.key_name
        key = props.get(key_name) if props and key_name else None
        if journey.entry:
            past = customer.entries.get(journey.name, [])
            rule = refusing_rule(journey, past, self.active.get(customer.key, ()), props or {}, self.now)
            if rule is not None:
                if self.traces(customer):  # (the words only for a timeline that shows them)
                    self._not_entered(journey, customer, refusal(rule, past, props or {}))
                return
        trigger = None
        if event is not None:
            trigger = self.trigger_values.complete(event)
        run = Run(self, journey, customer, trigger, key)
        customer.entries.setdefault(journey.name, []).append((self.now, key))
        self.active.setdefault(customer.key, []).append(run)
        self.stats[journey.name].entered += 1
        if self.trace is None or customer.key in self.trace:
            self.note(customer, f'entered journey "{journey.name}"')
        self.resume(run, None)

    def _not_entered(self, journey: Journey, customer: Customer, why: str) -> None:
        if self.traces(customer):
            self.note(customer, f'did not enter journey "{journey.name}": {why}')

    def _retire(self, run: Run) -> None:
        runs = self.active.get(run.customer.key, [])
        if run.done and not run.held and run in runs:
            runs.remove(run)

    def _sweep_counting(self) -> None:
        """Forget the runs whose goal window has closed. (Windows close without a timer each: runs found closed
        are skipped, and swept every 50,000 events from the oldest, cheaper than a timer per completed run.)"""
        now, closing = self.now, self.closing
        while closing and closing[0].goal_until is not None and closing[0].goal_until < now:
            self._stop_counting(closing.popleft())
        while closing and closing[0].goal_until is None:  # (its goal came, or found closed before)
            closing.popleft()

    def _stop_counting(self, run: Run) -> None:
        """The run's goal came, or its window closed: it counts no more."""
        run.goal_until = None
        runs = self.counting.get(run.customer.key)
        if runs is not None and run in runs:
            runs.remove(run)
            if not runs:
                del self.counting[run.customer.key]

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
        kind = request[0]
        if kind == "until":
            run.timer = self.schedule(request[1], run)
        elif kind == "event":
            _, event, where, deadline = request
            run.waiting_for = (event, where, deadline)
            run.timer = self.schedule(deadline, run)
        else:  # "restored": a run brought back to its wait, whose timer (and deadline) came back with it
            run.restoring = False
            if len(request) == 3 and run.waiting_for is not None:
                run.waiting_for = (request[1], request[2], run.waiting_for[2])

    def cancel_timer(self, run: Run) -> None:
        if run.timer is not None:
            self.timers.live.discard(run.timer)
            run.timer = None

    def finish(self, run: Run, how: str) -> None:
        """A run ends: converted (its goal), exited (an exit event or step) or completed (its steps are over). A
        completed run counts its goal until the goal's window closes, as Braze and Customer.io count conversions."""
        if run.done:
            return
        run.done = True
        self.cancel_timer(run)
        stats = self.stats[run.journey.name]
        if how == "converted":
            self._count_conversion(run)
        elif how == "exited":
            stats.exited += 1
        window = run.journey.goal_window
        if how == "completed" and window is not None and self.now <= run.entered_at + window:
            run.goal_until = run.entered_at + window
            self.counting.setdefault(run.customer.key, []).append(run)
            self.closing.append(run)
        if not run.held:  # (`_retire` inline: the run is done)
            runs = self.active.get(run.customer.key)
            if runs is not None and run in runs:
                runs.remove(run)
        if how != "completed" and not run.coroutine.cr_running:
            run.coroutine.close()  # (an `exit` step ends its own coroutine by returning)
        if self.trace is None or run.customer.key in self.trace:
            self.note(run.customer, f'{how} journey "{run.journey.name}"')

    def count_arm(self, run: Run, experiment: str, arm: str | None) -> None:
        """A run was given an arm of an experiment (None: the holdout)."""
        self.stats[run.journey.name].arms.setdefault(experiment, {}).setdefault(arm or "holdout", [0, 0])[0] += 1

    def _count_conversion(self, run: Run) -> None:
        stats = self.stats[run.journey.name]
        stats.converted += 1
        for experiment, arm in run.arms:
            stats.arms.setdefault(experiment, {}).setdefault(arm or "holdout", [0, 0])[1] += 1

    # ------------------------------------------------------------ sends
    def attempt(self, run: Run, step: str, channel: str | None, message: str, offer: str | None) -> None:
        # The timeline gets the send's line now, in the order of the journey's steps; it says what happened once
        # the policy has decided (sends due at one instant are decided together, by priority).
        customer = run.customer
        line = self.note(customer, "") if self.trace is None or customer.key in self.trace else None
        journey = run.journey
        # (Every field by position: half the cost of keywords, for a dataclass of 17 fields.)
        self.pending.append(Attempt(self.now, customer.key, journey.name, step, channel, message, offer, run.arm_name,
                                    journey.category, run.trigger, customer.profile, None, run.id, run.home,
                                    lambda: run.interrupted, run, line))  # fmt: skip

    def flush(self) -> None:
        """Decide the sends due now, highest priority first."""
        while self.pending:
            batch, self.pending = self.pending, []
            for attempt in self.policy.by_priority(batch):
                traced = self.trace is None or attempt.user_id in self.trace
                # (The outbox record, and the content in it, only for whoever reads it: a run without outbox or
                # timeline makes neither.)
                read = self.keep_outbox or self.on_record is not None or self.on_decision is not None or traced
                decision = self.policy.decision(attempt, self.ledger, self.schedule_deferred, content=read)
                if read:
                    record = self.policy.record(attempt, decision)
                    if self.keep_outbox:
                        self.outbox.append(record)
                    if self.on_record is not None:
                        self.on_record(record)
                    if self.on_decision is not None:
                        self.on_decision(record, attempt)
                status = decision.status
                if status == "deferred":  # (schedule_deferred wrote its timeline line)
                    continue
                stats = self.stats[attempt.journey]
                if status == "sent":
                    stats.sent += 1
                else:
                    reason = str(decision.reason)  # (a drop always has one)
                    stats.dropped[reason] = stats.dropped.get(reason, 0) + 1
                if traced:
                    self._write(self.customer(attempt.user_id), attempt.line, _send_line(record))

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
            runs = self.active.setdefault(run.customer.key, [])
            if run not in runs:
                runs.append(run)  # finished, but listening to its goal until the held send is decided
        self.held.setdefault(attempt.user_id, []).append(attempt)
        self.schedule(attempt.due, attempt)

    def traces(self, customer: Customer) -> bool:
        return self.trace is None or customer.key in self.trace

    def note(self, customer: Customer, what: str) -> list[Any]:
        line = [self.now, customer.key, what, self.policy.zone_of(customer.profile).key]
        self.log.append(line)
        return line


# What a timeline shows of a message sent: the field a person reads first, by channel kind.
_HEADLINES = ("subject", "title", "text", "body", "template", "url")


def _send_line(record: Mapping[str, Any]) -> str:
    """A send's line in a timeline: status, channel, message, and what the customer reads first or the reason."""
    what = f'{record["status"]} {record["channel"]} "{record["message"]}"'
    if record["reason"]:
        return f"{what} ({record['reason']})"
    content = record.get("content") or {}
    headline = next((content[name] for name in _HEADLINES if isinstance(content.get(name), str)), None)
    if headline is None:
        return what
    headline = " ".join(headline.split())
    return f'{what}: "{headline[:77] + "..." if len(headline) > 80 else headline}"'
