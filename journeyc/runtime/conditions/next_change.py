"""When a condition may next change with no new event, built into a function once (the rules are in data.py,
"Next change"; tests/oracles/conditions.py interprets them plainly and the tests compare the two).

What time cannot change (no history read) is known when the function is built and costs nothing when called; an
`and` / `or` looks at its items cheapest first (those that cannot change, then those without an `in last` window),
so that an item deciding it for good spares the walks over drop times. With the indexes of runtime/history.py a
behaviour's drop times are bisected instead of scanned.

A behaviour and an `and` / `or` compile to their value and next change at once (a `State`): a behaviour reads its
index and finds where its window starts once for both, an `and` / `or` reads each item once for both.
`compile_value_and_change` (what a segment is evaluated with) is that function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from journeyc.runtime.conditions.compile import compile_path, compile_test, failing
from journeyc.runtime.conditions.context import Context
from journeyc.runtime.conditions.data import (
    AndCondition,
    BehaviourCondition,
    Condition,
    ListPredicateCondition,
    OrCondition,
)
from journeyc.runtime.conditions.reads import reads
from journeyc.runtime.conditions.values import against, count_test, value_kind
from journeyc.runtime.conditions.windows import (
    contribution,
    first_flipping_drop,
    first_inside,
    first_recent,
    in_window,
    last_seconds,
    measure,
    named,
)

__all__ = ["compile_next_change", "compile_value_and_change"]

# A condition's next change as a function of the context and of the event (or list item) it tests, as in
# compile.Test; always a time after `ctx.now`, or None.
Change = Callable[[Context, Any], "float | None"]
# Its value and next change at once, a function of the context and of the event it tests (an `and` / `or`'s takes
# the event as optional: the context's own by default).
State = Callable[..., tuple[bool, "float | None"]]


def compile_next_change(condition: Condition | None) -> Callable[[Context], float | None]:
    """The earliest time after `ctx.now` at which the condition may change with no new event, or None, as a
    function of the context built once. Never later than the real change; possibly earlier (evaluate at that time
    and ask again). An unknown kind raises ValueError when it is reached."""
    change = _compile_change(condition)
    if change is _never:
        return _no_change
    return lambda ctx: change(ctx, ctx.event)


def compile_value_and_change(condition: Condition | None) -> Callable[[Context], tuple[bool, float | None]]:
    """`(bool(compile_condition(c)(ctx)), compile_next_change(c)(ctx))` as one function built once: an `and` /
    `or` (a segment's usual shape) reads each item once for both, a behaviour its index."""
    state, _ = _compile_state(condition)
    if condition is not None and (condition["kind"] == "and" or condition["kind"] == "or"):
        return state  # (it reads the context's own event by default)
    return lambda ctx: state(ctx, ctx.event)


def _no_change(_ctx: Context) -> None:
    return None


def _never(_ctx: Context, _event: Any) -> None:
    """The change of a condition that reads no history (no behaviour, no `last`): only an event can change it."""
    return None


def _earliest(times: Iterable[float | None], now: float) -> float | None:
    later = [t for t in times if t is not None and t > now]
    return min(later) if later else None


def _compile_change(condition: Condition | None) -> Change:
    if condition is None:
        return _never
    kind = condition["kind"]
    if kind in ("compare", "truthy", "is_set", "is_one_of"):
        return _compile_last_change(sorted(reads(condition).lasts))
    if condition["kind"] == "in_segment":
        return _never
    if condition["kind"] == "list_predicate":
        return _compile_list_change(condition)
    if condition["kind"] == "behaviour" or condition["kind"] == "and" or condition["kind"] == "or":
        state, never = _compile_state(condition)
        return _never if never else lambda ctx, event: state(ctx, event)[1]
    if condition["kind"] == "not":
        return _compile_change(condition["item"])
    return failing(f"unknown condition kind {kind!r}")


def _compile_last_change(events: Sequence[str]) -> Change:
    """A leaf's `last X of` operands change when an event of that name already in history but dated after now
    comes due; a leaf without one only with a new event."""
    if not events:
        return _never

    def change(ctx: Context, _event: Any) -> float | None:
        now = ctx.now
        return _earliest((e.time for name in events for e in named(name, ctx) if e.name == name), now)

    return change


def _compile_state(condition: Condition | None) -> tuple[State, bool]:
    """The condition's value and next change as one function, and whether time can never change it (its next
    change is always None: `_compile_change` gives `_never`)."""
    if condition is not None:
        if condition["kind"] == "behaviour":
            return _compile_behaviour_state(condition), False
        if condition["kind"] == "and" or condition["kind"] == "or":
            return _compile_and_or_state(condition)
        if condition["kind"] == "not":
            item, never = _compile_state(condition["item"])

            def negated(ctx: Context, event: Any) -> tuple[bool, float | None]:
                value, change = item(ctx, event)
                return not value, change

            return negated, never
    test, change = compile_test(condition), _compile_change(condition)
    if change is _never:
        return lambda ctx, event: (bool(test(ctx, event)), None), True
    return lambda ctx, event: (bool(test(ctx, event)), change(ctx, event)), False


def _compile_behaviour_state(node: BehaviourCondition) -> State:
    """A behaviour's value and next change. Over its index (see compile.py's behaviour, which reads it the same
    way for the value alone) the window's start is found once for both; an `in last` window's next change is the
    first drop of an event that flips the value (`first_flipping_drop`), none for any other window (no event
    drops out of it and, indexed, none is after now)."""
    window = node.get("window")
    seconds = last_seconds(window)
    counted = node.get("sum_of") is None
    ordering = node["op"] in _ORDERINGS  # (a count only goes down as events drop out: it flips at most once)
    op, threshold = node["op"], node["threshold"]
    holds: Callable[[Any], bool] = count_test(op, threshold) if counted else against(op, threshold)
    test, scanned = compile_test(node), _compile_scanned_change(node)  # without an index
    node_id = id(node)  # (the function holds the node: its id stays its own)

    def state(ctx: Context, event: Any) -> tuple[bool, float | None]:
        indexes = ctx.indexes
        matches = None if indexes is None else indexes.known.get(node_id) or indexes.matches(node)
        if matches is None:
            return test(ctx, event), scanned(ctx)
        times = matches.times
        if seconds is None:
            first = 0 if window is None else first_inside(matches, window, ctx.now, ctx.entered_at)
            return (holds(len(times) - first) if counted else holds(sum(matches.contributions[first:]))), None
        first = first_recent(times, ctx.now, seconds)
        if counted:
            value = holds(len(times) - first)
            if first == len(times) or (ordering and holds(0) == value):
                return value, None  # (nothing left to drop out, or it never flips: first_flipping_drop's answer)
            return value, first_flipping_drop(times, None, first, seconds, holds, value, ordering)
        # A sum adds the values of matches[k:] in the order a scan adds them (the same float rounding).
        contributions = matches.contributions
        value = holds(sum(contributions[first:]))
        falling = all(value_kind(c) == "number" and c >= 0 for c in contributions[first:])
        return value, first_flipping_drop(times, contributions, first, seconds, holds, value, ordering and falling)

    return state


def _compile_scanned_change(node: BehaviourCondition) -> Callable[[Context], float | None]:
    """A behaviour's next change over the history itself (no index)."""
    name, window, where = node["event"], node.get("window"), node.get("where")
    seconds = last_seconds(window)
    holds = against(node["op"], node["threshold"])
    keep = None if where is None else compile_test(where)
    moves = _compile_change(where)
    where_moves = None if moves is _never else moves

    def scanned(ctx: Context) -> float | None:
        """Over the history itself (no index): the first drop, arrival of a later-dated event, or change of the
        filter at which the value flips."""
        now, entered_at = ctx.now, ctx.entered_at
        relevant = [e for e in named(name, ctx) if e.name == name and (e.time > now or in_window(e.time, window, now, entered_at))]  # fmt: skip
        candidates: set[float] = set()
        filter_moves = False
        for e in relevant:
            if e.time > now:
                candidates.add(e.time)
            if seconds is not None:
                candidates.add(e.time + seconds)
            if where_moves is not None:
                moved = where_moves(ctx, e.properties)
                if moved is not None:
                    candidates.add(moved)
                    filter_moves = True
        later = sorted(t for t in candidates if t > now)
        if not later:
            return None
        if filter_moves:
            return later[0]  # the filter itself may flip: stay conservative
        # The filter is fixed: find the first drop (or arrival) at which `measure op threshold` flips.
        contributions = [(e.time, contribution(node, e)) for e in relevant if keep is None or keep(ctx, e.properties)]
        current = holds(measure(contributions, window, now, entered_at))
        for t in later:
            if holds(measure(contributions, window, t, entered_at)) != current:
                return t
        return None

    return scanned


_ORDERINGS = ("<", "<=", ">", ">=")


def _compile_list_change(condition: ListPredicateCondition) -> Change:
    where = _compile_change(condition["where"])
    if where is _never:
        return _never
    items_of = compile_path(condition["list"]["parts"])

    def change(ctx: Context, event: Any) -> float | None:
        items = items_of(ctx, event)
        if not isinstance(items, (list, tuple)):
            return None
        return _earliest((where(ctx, item if isinstance(item, Mapping) else None) for item in items), ctx.now)

    return change


def _compile_and_or_state(condition: AndCondition | OrCondition) -> tuple[State, bool]:
    """An `and` that is False now stays False while any of its False items does: it may change only once all of
    them have changed, at the latest of their next changes, and never (None) if one of them cannot change. Dually
    for an `or` that is True now and its True items. Otherwise (every item of an `and` True, of an `or` False) it
    changes as soon as any item does. The items are read cheapest first (their order changes no result), each
    once for its value and its change; an item that decides the whole for good ends the reading."""
    deciding = condition["kind"] == "or"  # an item with this value decides the whole: False in an `and`
    parts = [(*_compile_state(item), item) for item in condition["items"]]
    if all(never for _, never, _ in parts):
        test = compile_test(condition)

        def unchanging(ctx: Context, event: Any = _ITS_OWN) -> tuple[bool, float | None]:
            return bool(test(ctx, ctx.event if event is _ITS_OWN else event)), None

        return unchanging, True
    # Cheapest first: those that cannot change, then those without an `in last` window.
    ranked = [state for state, never, item in sorted(parts, key=lambda part: (not part[1], _windowed(part[2])))]

    def state(ctx: Context, event: Any = _ITS_OWN) -> tuple[bool, float | None]:
        if event is _ITS_OWN:
            event = ctx.event
        now = ctx.now
        latest = earliest = None  # the latest change of the deciding items, the earliest of the others
        for item in ranked:
            value, time = item(ctx, event)
            if value == deciding:  # (the whole has the deciding value too)
                if time is None:
                    return deciding, None  # that item decides the whole until an event comes
                if latest is None or time > latest:
                    latest = time
            elif time is not None and time > now and (earliest is None or time < earliest):
                earliest = time
        if latest is not None:
            return deciding, latest
        return not deciding, earliest

    return state, False


_ITS_OWN: Any = object()  # (an `and` / `or` state called with the context alone: the event is the context's own)


def _windowed(node: object) -> bool:
    """Whether a condition holds an `in last` window anywhere (its next change may then walk drop times)."""
    if isinstance(node, Mapping):
        if node.get("kind") == "behaviour" and (node.get("window") or {}).get("kind") == "last":
            return True
        return any(_windowed(value) for value in node.values())
    return isinstance(node, (list, tuple)) and any(_windowed(value) for value in node)
