"""Reading a customer's history for conditions: events by name, the last event of a name, behaviour windows and
the measures (counts and sums) over them, scanned or bisected in an index. See data.py for the rules."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from journeyc.runtime.conditions.context import Context, Event, Matches
from journeyc.runtime.conditions.data import BehaviourCondition, WindowData
from journeyc.runtime.conditions.values import as_number, walk

__all__ = [
    "contribution",
    "first_flipping_drop",
    "first_inside",
    "first_recent",
    "in_window",
    "last_event",
    "last_seconds",
    "measure",
    "named",
]


def named(name: str, ctx: Context) -> Sequence[Event]:
    """The history events that may be named `name` (all of them without the indexes)."""
    return ctx.history if ctx.indexes is None else ctx.indexes.named.get(name, ())


def last_event(name: str, ctx: Context) -> Event | None:
    """The most recent event named `name` at or before now (on equal times, the later one in the history)."""
    latest: Event | None = None
    for event in named(name, ctx):
        if event.name == name and event.time <= ctx.now and (latest is None or event.time >= latest.time):
            latest = event
    return latest


def _window_seconds(window: WindowData) -> float:
    duration = window.get("duration")
    if duration is None:
        raise ValueError("an `in last` window without a duration")
    return duration["seconds"]


def last_seconds(window: WindowData | None) -> float | None:
    """The length of an `in last` window; None for no window or `since entry`."""
    if window is None or window["kind"] != "last":
        return None
    return _window_seconds(window)


def in_window(time: float, window: WindowData | None, now: float, entered_at: float | None) -> bool:
    """Whether an event at `time` is inside the window at `now`."""
    if time > now:
        return False
    if window is None:
        return True
    kind = window["kind"]
    if kind == "last":
        return now < time + _window_seconds(window)
    if kind == "since_entry":
        return entered_at is not None and time >= entered_at
    raise ValueError(f"unknown window kind {kind!r}")


def contribution(node: BehaviourCondition, event: Event) -> float:
    """What one matching event adds to a behaviour's measure: 1 for a count, the `sum_of` value for a sum."""
    sum_of = node.get("sum_of")
    return 1 if sum_of is None else as_number(walk(event.properties, str(sum_of).split(".")))


def measure(
    contributions: Iterable[tuple[float, float]], window: WindowData | None, now: float, entered_at: float | None
) -> float:
    """Count or sum, at `now`, over (time, contribution) pairs of events already known to match name and filter."""
    return sum(c for t, c in contributions if in_window(t, window, now, entered_at))


def first_inside(matches: Matches, window: WindowData | None, now: float, entered_at: float | None) -> int:
    """The index of the first of `matches` inside the window at `now` (all of them are at or before `now`)."""
    if window is None:
        return 0
    kind = window["kind"]
    if kind == "last":
        return first_recent(matches.times, now, _window_seconds(window))
    if kind == "since_entry":
        return len(matches.times) if entered_at is None else bisect_left(matches.times, entered_at)
    raise ValueError(f"unknown window kind {kind!r}")


def first_recent(times: Sequence[float], now: float, seconds: float) -> int:
    """The index of the first of the (sorted) times inside an `in last` window, `now < time + seconds`: a bisection
    on `now - seconds`, then a step or two to where that exact test turns True (it may differ from
    `time > now - seconds` by a float rounding, and it only turns True once along the times)."""
    first = bisect_right(times, now - seconds)
    while first > 0 and now < times[first - 1] + seconds:
        first -= 1
    while first < len(times) and not now < times[first] + seconds:
        first += 1
    return first


def first_flipping_drop(
    times: Sequence[float],
    contributions: Sequence[float] | None,
    first: int,
    seconds: float,
    holds: Callable[[Any], bool],
    current: bool,
    once: bool,
) -> float | None:
    """When events dropping out of an `in last` window of `seconds` first flip a behaviour's value, `current` now:
    the (sorted) `times` of its matches, those from `first` on inside the window now, `holds(measure)` its value
    for a measure, and the measure once the events before k have dropped out: `count - k` for a count (no
    `contributions`), else `sum(contributions[k:])`, added in the order a scan adds them (the same float
    rounding); 0 once all have. Events that drop out together flip it together (the time is that of their drop).
    When it can flip only once as events drop out (`once`: a measure that only goes down, compared with an
    ordering operator), the drop is found by bisection; otherwise the drops are walked in order."""
    count = len(times)
    if once:
        if holds(0) == current:
            return None  # not even once every event has dropped out: it never flips (the usual answer)
        low, high = first + 1, count  # the first k whose drop flips the value: every later one flips it too
        while low < high:
            middle = (low + high) // 2
            if holds(count - middle if contributions is None else sum(contributions[middle:])) != current:
                high = middle
            else:
                low = middle + 1
        return times[low - 1] + seconds
    k = first + 1
    while k <= count:
        drop = times[k - 1] + seconds
        while k < count and times[k] + seconds == drop:  # events that drop out together (their times sorted)
            k += 1
        if holds(count - k if contributions is None else sum(contributions[k:])) != current:
            return drop
        k += 1
    return None
