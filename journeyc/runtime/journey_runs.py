"""A journey of the build as the engine runs it, and one customer's run of it: the `journey` object the
generated `async def run(journey)` receives (the runtime contract, journeyc.runtime.JourneyRun).

A run is a coroutine: a `wait` suspends it until a timer, a `wait_for` until a matching event or its timeout;
the engine (runtime/simulator.py, its `sim`) schedules them and decides its sends.

A run keeps a journal: what each call of the contract gave the generated code, in order (a test's answer, an
arm, whether the awaited event came). Generated code is deterministic, so a run whose coroutine is gone (the live
runtime's workflow continued as new) is brought back to where it was by running its code again with `replay`
set to the journal: each call then returns its recorded answer and does nothing else, up to the wait the run was
in, which `restoring` makes suspend again without scheduling anything (its timer is restored with it).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from journeyc.runtime import assign_arm
from journeyc.runtime.conditions import Context
from journeyc.runtime.customers import Customer
from journeyc.runtime.durations import describe
from journeyc.runtime.times import format_time

if TYPE_CHECKING:
    from journeyc.runtime.simulator import Simulator


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
    # Read from the above once: the trigger's `where` and key property, the events that can end a run, and how
    # long after its entry a run counts its goal (None: only while its steps run).
    where: Mapping[str, Any] | None = field(init=False)
    key_name: str | None = field(init=False)
    ended_by: frozenset[str] = field(init=False)
    goal_window: float | None = field(init=False)
    version: str = field(init=False, default="unversioned")  # the build it belongs to (Program sets it)

    def __post_init__(self) -> None:
        trigger = self.trigger or {}
        self.where = trigger.get("where")
        self.key_name = (trigger.get("key") or {}).get("name")
        ends = [self.goal] if self.goal else []
        self.ended_by = frozenset(str(end.get("event")) for end in [*ends, *self.exits])
        self.goal_window = ((self.goal or {}).get("within") or {}).get("seconds")


class _Suspend:
    """What generated code awaits when it must wait: the request goes to the scheduler."""

    __slots__ = ("request",)  # (no __dict__: every waiting run holds one)

    def __init__(self, request: tuple[Any, ...]) -> None:
        self.request = request

    def __await__(self) -> Generator[tuple[Any, ...], Any, Any]:
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
        "goal_until",
        "held",
        "home",
        "id",
        "interrupted",
        "journal",
        "journey",
        "key",
        "replay",
        "restoring",
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
        self.arms: tuple[tuple[str, str | None], ...] = ()  # (experiment, arm): a tuple, most runs have none
        self.waiting_for: tuple[str, Any, float] | None = None  # (event, where, deadline) while in wait_for
        self.timer: int | None = None  # the id of the pending timer
        self.done = False
        self.interrupted = False  # ended by its goal or an exit event (not by its own steps)
        self.held = 0  # its sends that quiet hours deferred and that are not decided yet
        self.goal_until: float | None = None  # its steps are over, and it counts its goal until then
        self.journal: list[Any] = []  # what each call of the contract gave the generated code, in order
        self.replay: deque[Any] | None = None  # while the run is brought back: the journal to give again
        self.restoring = False  # ... and then: its next wait suspends without scheduling anything
        customer.runs += 1
        self.id = f"{journey.name}#{customer.runs}"  # (with `home`, unique for ever: the key of its sends)
        self.home = customer.key
        self.coroutine = journey.run(self)

    def context(self, event: Mapping[str, Any] | None = None) -> Context:
        customer = self.customer  # (Customer.context without its keyword arguments passed on: once per test)
        return customer.history.context(self.sim.now, customer.profile, customer.segments.__contains__,
                                        trigger=self.trigger, entered_at=self.entered_at, event=event)  # fmt: skip

    # The contract (journeyc.runtime.JourneyRun)
    async def send(self, step: str, *, channel: str | None, message: str, offer: str | None = None) -> None:
        if self.replay:
            self.replay.popleft()
            return
        self.sim.attempt(self, step, channel, message, offer)
        self.journal.append(None)

    async def wait(self, step: str, *, seconds: int) -> None:
        if self.replay:
            self.replay.popleft()
            return
        sim = self.sim
        if self.restoring:
            await _Suspend(("restored",))
        else:
            until = sim.now + seconds
            if sim.trace is None or self.customer.key in sim.trace:  # (the line is only for a traced customer)
                self._note(f"waits {describe(seconds, largest='day')} (until {format_time(until)})")
            await _Suspend(("until", until))
        self.journal.append(None)

    async def wait_until(self, step: str, *, hour: int, minute: int, weekday: str | None = None) -> None:
        if self.replay:
            self.replay.popleft()
            return
        if self.restoring:
            await _Suspend(("restored",))
        else:
            policy = self.sim.policy
            until = policy.next_local_time(self.customer.profile, self.sim.now, hour, minute, weekday, now_counts=True)
            if self.sim.traces(self.customer):
                day = f"{weekday} " if weekday not in (None, "day") else ""
                zone = policy.zone_of(self.customer.profile).key
                self._note(f"waits until {day}{hour:02d}:{minute:02d} in {zone} ({format_time(until)})")
            if until > self.sim.now:
                await _Suspend(("until", until))
        self.journal.append(None)

    async def wait_for(self, step: str, *, event: str, where: Any, timeout: int) -> bool:
        if self.replay:
            return bool(self.replay.popleft())
        if self.restoring:  # (the deadline was restored with the run)
            came = bool(await _Suspend(("restored", event, where)))
        else:
            until = self.sim.now + timeout
            if self.sim.traces(self.customer):
                self._note(f'waits up to {describe(timeout, largest="day")} for "{event}" (until {format_time(until)})')
            came = bool(await _Suspend(("event", event, where, until)))
        self.journal.append(came)
        return came

    def _note(self, what: str) -> None:
        """A line of this customer's timeline about this run (kept only for traced customers)."""
        if self.sim.traces(self.customer):
            self.sim.note(self.customer, f'"{self.journey.name}" {what}')

    def test(self, step: str, condition: Any) -> bool:
        if self.replay:
            return bool(self.replay.popleft())
        held = self.sim.check(condition, self.context())
        self.journal.append(held)
        return held

    def arm(self, step: str, *, experiment: str, arms: tuple[tuple[str, float], ...], holdout: float) -> str | None:
        if self.replay:
            chosen: str | None = self.replay.popleft()
        else:
            chosen = assign_arm(self.customer.key, self.journey.name, experiment, arms, holdout)
            self.sim.count_arm(self, experiment, chosen)
            self._note(f'experiment "{experiment}": ' + (f'arm "{chosen}"' if chosen else "holdout (no message)"))
            self.journal.append(chosen)
        self.arm_name = chosen
        self.arms += ((experiment, chosen),)
        return chosen

    def exit(self, step: str) -> None:
        self.sim.finish(self, "exited")


def refusing_rule(
    journey: Journey, past: list[tuple[float, Any]], runs: Iterable[Run], props: Mapping[str, Any], now: float
) -> Mapping[str, Any] | None:
    """The first of the journey's entry rules that keeps a customer out now, or None when they let them in.
    `past`: the customer's entries into the journey (time, key), oldest first; `runs`: its runs in progress."""
    for rule in journey.entry:
        kind = rule.get("kind")
        if kind == "once" and past:
            return rule
        if kind == "once_per" and past and now - past[-1][0] < rule["period"]["seconds"]:  # the latest entry
            return rule
        if kind == "max_times" and len(past) >= rule["times"]:
            return rule
        if kind == "one_active":
            name = (rule.get("key") or {}).get("name", "")
            key = props.get(name)
            if any(not r.done and r.journey is journey and r.trigger and r.trigger.get(name) == key for r in runs):
                return rule
    return None


def refusal(rule: Mapping[str, Any], past: list[tuple[float, Any]], props: Mapping[str, Any]) -> str:
    """Why an entry rule that `refusing_rule` found keeps the customer out, in words (for a timeline)."""
    kind = rule.get("kind")
    if kind == "once":
        return f"entry once ever (entered at {format_time(past[0][0])})"
    if kind == "once_per":
        every = describe(rule["period"]["seconds"], largest="day")
        return f"entry at most once every {every} (entered at {format_time(past[-1][0])})"
    if kind == "max_times":
        return f"entry at most {rule['times']} times (entered {len(past)} times)"
    name = (rule.get("key") or {}).get("name", "")
    return f"one active run per {name} (one is running for {props.get(name)!r})"


def is_journey_module(path: str) -> bool:
    """Whether a file of the build is a journey's generated module."""
    return path.startswith("journeys/") and path.endswith(".py") and path != "journeys/__init__.py"


def load_journey(path: str, source: bytes) -> Journey:
    """A journey of the build: its generated module executed, and the constants it declares."""
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
